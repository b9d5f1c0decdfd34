// /invite/TOKEN: shows whose invite this is, then creates the account and signs in. Before the
// account exists there is no saved language: the browser's decides (../shared/i18n.js).
import { client } from '../shared/http.js';
import { explain, setLang, t, translatePage } from '../shared/i18n.js';

const token = location.pathname.split('/').pop();
const $ = (id) => document.getElementById(id);
const http = client();
const path = `/api/invite/${encodeURIComponent(token)}`;
/** The server's refusals of a link, in the reader's words. */
const REFUSED = { 404: 'errInviteInvalid', 410: 'errInviteGone' };

setLang();
translatePage();

async function load() {
  let r;
  try {
    r = await http.get(path);
  } catch (e) {
    $('lead').textContent = e.status === 0 ? t('errNetworkReload') : explain(e, REFUSED);
    return;
  }
  $('helpdesk').textContent = r.helpdesk_name;
  $('lead').textContent = t(r.role === 'admin' ? 'inviteAsAdmin' : 'inviteAsAgent', { helpdesk: r.helpdesk_name });
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
    $('error').textContent = explain(err, REFUSED);
  } finally {
    $('submit').disabled = false;
  }
});

load();
