// Setup and sign-in forms: post JSON with our custom header (CSRF proof before a session exists).
import { el } from './dom.js';
import { client } from './http.js';
import { pick } from './recovery-text.js';

const http = client();

async function submit(form, url) {
  const error = form.querySelector('#error');
  const button = form.querySelector('button[type=submit]');
  error.textContent = '';
  button.disabled = true;
  try {
    await http.post(url, Object.fromEntries(new FormData(form)));
    location.href = '/';
  } catch (e) {
    error.textContent = e.status === 0 ? 'Cannot reach the server. Check your connection and try again.' : e.data.error || `Request failed (${e.status}).`;
  } finally {
    button.disabled = false;
  }
}

for (const [id, url] of [['setup-form', '/api/setup'], ['login-form', '/api/login']]) {
  const form = document.getElementById(id);
  if (form) form.addEventListener('submit', (e) => { e.preventDefault(); submit(form, url); });
}

// Under the sign-in form: how to get back in without the password (recovery-text.js has the words).
document.getElementById('login-form')?.append(el('p', { class: 'aside' }, el('a', { href: '/forgot-password', text: pick().forgotLink })));
