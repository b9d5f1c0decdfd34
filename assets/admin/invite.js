// /invite/TOKEN: shows whose invite this is, then creates the account and signs in.
const token = location.pathname.split('/').pop();
const $ = (id) => document.getElementById(id);
const api = (method, body) => fetch(`/api/invite/${encodeURIComponent(token)}`, {
  method,
  headers: body ? { 'Content-Type': 'application/json', 'X-Frontdesk-Request': '1' } : {},
  body: body ? JSON.stringify(body) : undefined,
}).then(async (r) => ({ status: r.status, data: await r.json().catch(() => ({})) }));

async function load() {
  let r;
  try { r = await api('GET'); } catch { $('lead').textContent = 'Cannot reach the server. Check your connection and reload.'; return; }
  if (r.status !== 200) { $('lead').textContent = r.data.error || `This invite cannot be used (${r.status}).`; return; }
  $('helpdesk').textContent = r.data.helpdesk_name;
  $('lead').textContent = `You were invited to ${r.data.helpdesk_name} as ${r.data.role === 'admin' ? 'an admin' : 'an agent'}. Set your name and password to start.`;
  $('email').value = r.data.email;
  $('fields').hidden = false;
  $('submit').hidden = false;
  $('name').focus();
}

$('invite-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('error').textContent = '';
  $('submit').disabled = true;
  try {
    const r = await api('POST', { name: $('name').value.trim(), password: $('password').value });
    if (r.status === 201) { location.href = '/'; return; }
    $('error').textContent = r.data.error || `Something went wrong (${r.status}).`;
  } catch {
    $('error').textContent = 'Cannot reach the server. Check your connection and try again.';
  } finally {
    $('submit').disabled = false;
  }
});

load();
