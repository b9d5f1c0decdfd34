// /reset/TOKEN: says whose account the link is for, asks for the new password twice, sets it (every
// other session of that person ends) and signs in. Without a token (/forgot-password), and when a
// link cannot be used, it says how to get one. Words: i18n.js (rec…).
import { client } from './http.js';
import { fmtTime, setLang, t } from './i18n.js';

setLang();
const $ = (id) => document.getElementById(id);
const http = client();
const token = location.pathname.startsWith('/reset/') ? location.pathname.split('/').pop() : '';
const path = `/api/reset/${encodeURIComponent(token)}`;

for (const [id, key] of [['email-label', 'recEmail'], ['password-label', 'recNewPassword'], ['repeat-label', 'recRepeatPassword'],
  ['password-hint', 'recPasswordHint'], ['submit', 'recSubmit'], ['ask', 'recForgotAsk'], ['admin-cli', 'recForgotAdmin'],
  ['command', 'recForgotCommand'], ['cli-after', 'recForgotAdminAfter'], ['back', 'recBackToSignIn']]) {
  $(id).textContent = t(key);
}

function heading(text) {
  $('title').textContent = text;
  document.title = `${text} · Frontdesk`;
}

/** The words for a failed call. */
function problem(e) {
  if (e.status === 0) return t('recOffline');
  if (e.status === 404) return t('recUnknown');
  if (e.status === 410) return t('recGone');
  if (e.status === 429) return t('recTooMany', { n: Math.max(1, Math.ceil(e.retryAfter / 60)) });
  return e.data.error || t('recFailed', { status: e.status });
}

/** The link cannot be used: say why, and how to get another. */
function refuse(e) {
  heading(t('recCannotUse'));
  $('lead').textContent = problem(e);
  $('reset-form').hidden = true;
  $('help').hidden = false;
  $('ask').hidden = true;
}

async function load() {
  if (!token) {
    heading(t('recForgotTitle'));
    $('lead').hidden = true;
    $('help').hidden = false;
    // With email set up, a link can be mailed (issue 16); asking an admin stays the other way.
    try {
      if ((await http.get('/api/password/forgot')).available) {
        // Its words only now: without email the page promises no mail, even in hidden text.
        for (const [id, key] of [['mail-lead', 'recMailLead'], ['mail-label', 'recMailLabel'], ['mail-submit', 'recMailSubmit']]) $(id).textContent = t(key);
        $('mail-form').hidden = false;
        $('ask').textContent = t('recMailOr');
      }
    } catch { /* the page without it */ }
    return;
  }
  heading(t('recResetTitle'));
  $('lead').textContent = t('recChecking');
  let r;
  try {
    r = await http.get(path);
  } catch (e) {
    if (e.status === 0 || e.status >= 500) $('lead').textContent = problem(e);
    else refuse(e);
    return;
  }
  $('helpdesk').textContent = r.helpdesk_name;
  $('lead').textContent = t('recResetLead', { name: r.name, time: fmtTime(r.expires_at) });
  $('email').value = r.email;
  $('reset-form').hidden = false;
  $('password').focus();
}

$('mail-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const email = $('mail-email').value.trim();
  $('mail-error').textContent = '';
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) { $('mail-error').textContent = t('recMailBad'); $('mail-email').focus(); return; }
  $('mail-submit').disabled = true;
  try {
    await http.post('/api/password/forgot', { email });
    $('mail-form').hidden = true;
    $('mail-done').hidden = false;
    $('mail-done').textContent = t('recMailDone', { email });
  } catch (err) {
    $('mail-error').textContent = problem(err);
  } finally {
    $('mail-submit').disabled = false;
  }
});

$('reset-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const password = $('password').value;
  const error = $('error');
  error.textContent = '';
  if ([...password].length < 10) { error.textContent = t('recTooShort'); $('password').focus(); return; }
  if (password !== $('repeat').value) { error.textContent = t('recMismatch'); $('repeat').focus(); return; }
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
