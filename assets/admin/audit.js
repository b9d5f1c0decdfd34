// Audit log: who changed which setting or user, when, and from where. Read-only, newest first.

import { api, fmtTime, h, header } from './dom.js';

const ACTIONS = {
  setup: 'Set up the help desk',
  'settings.update': 'Changed settings', 'helpdesk.status': 'Switched the help desk', 'user.create': 'Added a person',
  'user.update': 'Changed a person', 'user.deactivate': 'Deactivated a person', 'invite.create': 'Created an invite',
  'invite.revoke': 'Revoked an invite', 'invite.accept': 'Joined through an invite', 'identity_secret.rotate': 'Generated an identity secret',
  'identity_secret.clear': 'Turned identity verification off', 'data.backup': 'Downloaded a backup', 'data.export': 'Exported conversations',
  'data.retention': 'Ran retention',
};

function describe(e) {
  const d = e.detail || {};
  if (Array.isArray(d.changed)) return d.changed.join(', ');
  if (e.action === 'helpdesk.status') return d.online ? 'online' : 'offline';
  return Object.entries(d).map(([k, v]) => `${k.replace(/_/g, ' ')}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' · ');
}

export async function audit(view) {
  const body = h('tbody');
  const more = h('button', { type: 'button', class: 'btn', text: 'Load older entries', hidden: true });
  let before = null;
  const load = async () => {
    more.disabled = true;
    const r = await api('GET', '/api/audit?limit=50' + (before ? `&before=${before}` : ''));
    more.disabled = false;
    if (r.status !== 200) return;
    for (const e of r.data.entries) {
      body.append(h('tr', {},
        h('td', { class: 'nowrap', text: fmtTime(e.at) }),
        h('td', { text: e.user_name || (e.user_id ? `User ${e.user_id}` : '—') }),
        h('td', {}, h('strong', { text: ACTIONS[e.action] || e.action }), h('span', { class: 'muted block', text: e.target })),
        h('td', { class: 'detail', text: describe(e) }),
        h('td', { class: 'muted mono', text: e.ip })));
    }
    if (!body.children.length) body.append(h('tr', {}, h('td', { colspan: '5', class: 'muted', text: 'Nothing yet.' })));
    before = r.data.next_before;
    more.hidden = !before;
  };
  view.append(header('Audit log', 'Every change to settings and people, with who made it and from which address.'),
    h('section', { class: 'panel table-panel' }, h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, ['When', 'Who', 'What', 'Details', 'Address'].map((t) => h('th', { scope: 'col', text: t })))), body)),
    h('div', { class: 'more' }, more));
  more.addEventListener('click', load);
  await load();
}
