// /reset/TOKEN: says whose account the link is for, asks for the new password twice, sets it (every
// other session of that person ends) and signs in. Without a token (/forgot-password), and when a
// link cannot be used, it says how to get one. Words: recovery-text.js.
import { client } from './http.js';
import { fill, lang, pick, when } from './recovery-text.js';

const T = pick();
const $ = (id) => document.getElementById(id);
const http = client();
const token = location.pathname.startsWith('/reset/') ? location.pathname.split('/').pop() : '';
const path = `/api/reset/${encodeURIComponent(token)}`;

document.documentElement.lang = lang();
for (const [id, key] of [['email-label', 'email'], ['password-label', 'newPassword'], ['repeat-label', 'repeatPassword'],
  ['password-hint', 'passwordHint'], ['submit', 'submit'], ['ask', 'forgotAsk'], ['admin-cli', 'forgotAdmin'],
  ['command', 'forgotCommand'], ['cli-after', 'forgotAdminAfter'], ['back', 'backToSignIn']]) {
  $(id).textContent = T[key];
}

function heading(text) {
  $('title').textContent = text;
  document.title = `${text} · Frontdesk`;
}

/** The words for a failed call. */
function problem(e) {
  if (e.status === 0) return T.offline;
  if (e.status === 404) return T.unknown;
  if (e.status === 410) return T.gone;
  if (e.status === 429) return fill(T.tooMany, { n: Math.max(1, Math.ceil(e.retryAfter / 60)) });
  return e.data.error || fill(T.failed, { status: e.status });
}

/** The link cannot be used: say why, and how to get another. */
function refuse(e) {
  heading(T.cannotUse);
  $('lead').textContent = problem(e);
  $('reset-form').hidden = true;
  $('help').hidden = false;
  $('ask').hidden = true;
}

async function load() {
  if (!token) {
    heading(T.forgotTitle);
    $('lead').hidden = true;
    $('help').hidden = false;
    return;
  }
  heading(T.resetTitle);
  $('lead').textContent = T.checking;
  let r;
  try {
    r = await http.get(path);
  } catch (e) {
    if (e.status === 0 || e.status >= 500) $('lead').textContent = problem(e);
    else refuse(e);
    return;
  }
  $('helpdesk').textContent = r.helpdesk_name;
  $('lead').textContent = fill(T.resetLead, { name: r.name, time: when(r.expires_at) });
  $('email').value = r.email;
  $('reset-form').hidden = false;
  $('password').focus();
}

$('reset-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const password = $('password').value;
  const error = $('error');
  error.textContent = '';
  if ([...password].length < 10) { error.textContent = T.tooShort; $('password').focus(); return; }
  if (password !== $('repeat').value) { error.textContent = T.mismatch; $('repeat').focus(); return; }
  $('submit').disabled = true;
  try {
    await http.post(path, { password });
    location.href = '/';
  } catch (err) {
    if (err.status === 404 || err.status === 410) refuse(err);
    else error.textContent = problem(err);
  } finally {
    $('submit').disabled = false;
  }
});

load();
