// /invite/TOKEN: shows whose invite this is, then creates the account and signs in.
import { client } from '../shared/http.js';

const token = location.pathname.split('/').pop();
const $ = (id) => document.getElementById(id);
const http = client();
const path = `/api/invite/${encodeURIComponent(token)}`;

async function load() {
  let r;
  try {
    r = await http.get(path);
  } catch (e) {
    $('lead').textContent = e.status === 0 ? 'Cannot reach the server. Check your connection and reload.' : e.data.error || `This invite cannot be used (${e.status}).`;
    return;
  }
  $('helpdesk').textContent = r.helpdesk_name;
  $('lead').textContent = `You were invited to ${r.helpdesk_name} as ${r.role === 'admin' ? 'an admin' : 'an agent'}. Set your name and password to start.`;
  $('email').value = r.email;
  $('fields').hidden = false;
  $('submit').hidden = false;
  $('name').focus();
}

$('invite-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('error').textContent = '';
  $('submit').disabled = true;
  try {
    await http.post(path, { name: $('name').value.trim(), password: $('password').value });
    location.href = '/';
  } catch (err) {
    $('error').textContent = err.status === 0 ? 'Cannot reach the server. Check your connection and try again.' : err.data.error || `Something went wrong (${err.status}).`;
  } finally {
    $('submit').disabled = false;
  }
});

load();
