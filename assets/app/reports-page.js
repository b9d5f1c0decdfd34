// /reports: an agent's own reports (their chats, first responses, closings and ratings), opened from
// the Messenger. The same drawing as the admin's Reports section (../admin/reports.js).

import { agent, setCsrf } from '../shared/http.js';
import { setLang, t } from '../shared/i18n.js';
import { drawReports } from '../admin/reports.js';

const main = document.getElementById('main');

async function boot() {
  setLang();
  let me;
  try { me = await agent.get('/api/me'); } catch { return; }
  setCsrf(me.csrf_token);
  setLang(me.user.prefs?.language);
  document.title = `${t('rpOwnTitle')} · ${me.helpdesk.name}`;
  document.getElementById('back-text').textContent = t('rpBack');
  main.replaceChildren();
  await drawReports(main, { admin: false });
}

boot();
