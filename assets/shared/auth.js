// Setup and sign-in forms: post JSON with our custom header (CSRF proof before a session exists).
// Before a session there is no saved language: the browser's decides (./i18n.js).
import { el } from './dom.js';
import { client } from './http.js';
import { explain, setLang, t, translatePage } from './i18n.js';

const http = client();
setLang();
translatePage();

/** Words for refusals whose server message is English only (by form and status). */
const REFUSED = { '/api/login': { 401: 'errWrongLogin' }, '/api/setup': { 410: 'errSetupDone' } };

async function submit(form, url) {
  const error = form.querySelector('#error');
  const button = form.querySelector('button[type=submit]');
  error.textContent = '';
  button.disabled = true;
  try {
    await http.post(url, Object.fromEntries(new FormData(form)));
    location.href = '/';
  } catch (e) {
    error.textContent = explain(e, REFUSED[url]);
  } finally {
    button.disabled = false;
  }
}

for (const [id, url] of [['setup-form', '/api/setup'], ['login-form', '/api/login']]) {
  const form = document.getElementById(id);
  if (form) form.addEventListener('submit', (e) => { e.preventDefault(); submit(form, url); });
}

// Under the sign-in form: how to get back in without the password (i18n.js has the words).
document.getElementById('login-form')?.append(el('p', { class: 'aside' }, el('a', { href: '/forgot-password', text: t('recForgotLink') })));
