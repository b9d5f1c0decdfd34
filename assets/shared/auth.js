// Setup and sign-in forms: post JSON with our custom header (CSRF proof before a session exists).
async function submit(form, url) {
  const error = form.querySelector('#error');
  const button = form.querySelector('button[type=submit]');
  error.textContent = '';
  button.disabled = true;
  try {
    const body = Object.fromEntries(new FormData(form));
    const r = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Frontdesk-Request': '1' },
      body: JSON.stringify(body),
    });
    if (r.ok) { location.href = '/'; return; }
    const data = await r.json().catch(() => ({}));
    error.textContent = data.error || `Request failed (${r.status}).`;
  } catch {
    error.textContent = 'Cannot reach the server. Check your connection and try again.';
  } finally {
    button.disabled = false;
  }
}

for (const [id, url] of [['setup-form', '/api/setup'], ['login-form', '/api/login']]) {
  const form = document.getElementById(id);
  if (form) form.addEventListener('submit', (e) => { e.preventDefault(); submit(form, url); });
}
