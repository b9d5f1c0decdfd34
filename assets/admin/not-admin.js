// /admin for someone signed in who is not an admin (the server answers 403 with this page): says so
// in their language (their saved choice, else the browser's) and leads back to the Messenger.
import { client } from '../shared/http.js';
import { setLang, t, translatePage } from '../shared/i18n.js';

setLang();
translatePage();

async function load() {
  let me;
  try { me = await client().get('/api/me'); } catch { return; } // the generic words already say it
  setLang(me.user.prefs?.language);
  translatePage();
  document.getElementById('helpdesk').textContent = me.helpdesk.name;
  document.getElementById('lead').textContent = t('notAdminLead', { name: me.user.name });
}

load();
