// Audit log: who changed which setting or user, when, and from where. Read-only, newest first.

import { el } from '../shared/dom.js';
import { agent } from '../shared/http.js';
import { fmtTime, header } from './dom.js';
import { pick } from '../shared/recovery-text.js';

const ACTIONS = {
  setup: 'Set up the help desk',
  'settings.update': 'Changed settings', 'helpdesk.status': 'Switched the help desk', 'user.create': 'Added a person',
  'user.update': 'Changed a person', 'user.deactivate': 'Deactivated a person', 'invite.create': 'Created an invite',
  'invite.revoke': 'Revoked an invite', 'invite.accept': 'Joined through an invite', 'identity_secret.rotate': 'Generated an identity secret',
  'identity_secret.clear': 'Turned identity verification off', 'data.backup': 'Downloaded a backup', 'data.export': 'Exported conversations',
  'data.retention': 'Ran retention',
  'password_reset.create': pick().auditCreate, 'password_reset.use': pick().auditUse,
};

function describe(e) {
  const d = e.detail || {};
  if (Array.isArray(d.changed)) return d.changed.join(', ');
  if (e.action === 'helpdesk.status') return d.online ? 'online' : 'offline';
  return Object.entries(d).map(([k, v]) => `${k.replace(/_/g, ' ')}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' · ');
}

export async function audit(view) {
  const body = el('tbody');
  const more = el('button', { type: 'button', class: 'btn', text: 'Load older entries', hidden: true });
  let before = null;
  const load = async () => {
    more.disabled = true;
    let r;
    try { r = await agent.get('/api/audit?limit=50' + (before ? `&before=${before}` : '')); } catch { return; } finally { more.disabled = false; }
    for (const e of r.entries) {
      body.append(el('tr', {},
        el('td', { class: 'nowrap', text: fmtTime(e.at) }),
        el('td', { text: e.user_name || (e.user_id ? `User ${e.user_id}` : '—') }),
        el('td', {}, el('strong', { text: ACTIONS[e.action] || e.action }), el('span', { class: 'muted block', text: e.target })),
        el('td', { class: 'detail', text: describe(e) }),
        el('td', { class: 'muted mono', text: e.ip })));
    }
    if (!body.children.length) body.append(el('tr', {}, el('td', { colspan: '5', class: 'muted', text: 'Nothing yet.' })));
    before = r.next_before;
    more.hidden = !before;
  };
  view.append(header('Audit log', 'Every change to settings and people, with who made it and from which address.'),
    el('section', { class: 'panel table-panel' }, el('table', { class: 'table' },
      el('thead', {}, el('tr', {}, ['When', 'Who', 'What', 'Details', 'Address'].map((t) => el('th', { scope: 'col', text: t })))), body)),
    el('div', { class: 'more' }, more));
  more.addEventListener('click', load);
  await load();
}
