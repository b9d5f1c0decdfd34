// Audit log: who changed which setting or user, when, and from where. Read-only, newest first.

import { el } from '../shared/dom.js';
import { agent } from '../shared/http.js';
import { fmtTime, header } from './dom.js';
import { t } from './i18n.js';

/** What each audited action is called, in the reader's words (unknown ones show their code). */
const actions = () => ({
  setup: t('actSetup'), 'settings.update': t('actSettings'), 'helpdesk.status': t('actStatus'), 'user.create': t('actUserCreate'),
  'user.update': t('actUserUpdate'), 'user.deactivate': t('actUserDeactivate'), 'invite.create': t('actInviteCreate'),
  'invite.revoke': t('actInviteRevoke'), 'invite.accept': t('actInviteAccept'), 'identity_secret.rotate': t('actSecretRotate'),
  'identity_secret.clear': t('actSecretClear'), 'data.backup': t('actBackup'), 'data.export': t('actExport'), 'data.retention': t('actRetention'),
  'password_reset.create': t('recAuditCreate'), 'password_reset.use': t('recAuditUse'),
  // issue 15: labels and customer records
  'label.create': t('actLabelCreate'), 'label.update': t('actLabelUpdate'), 'label.delete': t('actLabelDelete'),
  'conversation.labels': t('actConversationLabels'), 'customer.update': t('actCustomerUpdate'),
  'reply.create': t('actReplyCreate'), 'reply.update': t('actReplyUpdate'), 'reply.delete': t('actReplyDelete'),
});

function describe(e) {
  const d = e.detail || {};
  if (Array.isArray(d.changed)) return d.changed.join(', ');
  if (e.action === 'helpdesk.status') return d.online ? t('online') : t('offline');
  // A change is {from, to}: said as "old → new"; lists (labels added, removed) as their items.
  const say = (v) => (v && typeof v === 'object' && 'to' in v ? `${v.from || '—'} → ${v.to || '—'}`
    : Array.isArray(v) ? v.join(', ') || '—' : typeof v === 'object' ? JSON.stringify(v) : v);
  return Object.entries(d).map(([k, v]) => `${k.replace(/_/g, ' ')}: ${say(v)}`).join(' · ');
}

export async function audit(view) {
  const body = el('tbody');
  const more = el('button', { type: 'button', class: 'btn', text: t('loadOlder'), hidden: true });
  const names = actions();
  let before = null;
  const load = async () => {
    more.disabled = true;
    let r;
    try { r = await agent.get('/api/audit?limit=50' + (before ? `&before=${before}` : '')); } catch { return; } finally { more.disabled = false; }
    for (const e of r.entries) {
      body.append(el('tr', {},
        el('td', { class: 'nowrap', text: fmtTime(e.at) }),
        el('td', { text: e.user_name || (e.user_id ? t('userN', { id: e.user_id }) : '—') }),
        el('td', {}, el('strong', { text: names[e.action] || e.action }), el('span', { class: 'muted block', text: e.target })),
        el('td', { class: 'detail', text: describe(e) }),
        el('td', { class: 'muted mono', text: e.ip })));
    }
    if (!body.children.length) body.append(el('tr', {}, el('td', { colspan: '5', class: 'muted', text: t('nothingYet') })));
    before = r.next_before;
    more.hidden = !before;
  };
  view.append(header(t('auditTitle'), t('auditLead')),
    el('section', { class: 'panel table-panel', tabindex: '0', 'aria-label': t('auditTitle') }, el('table', { class: 'table' },
      el('thead', {}, el('tr', {}, [t('colWhen'), t('colWho'), t('colWhat'), t('colDetails'), t('colAddress')].map((x) => el('th', { scope: 'col', text: x })))), body)),
    el('div', { class: 'more' }, more));
  more.addEventListener('click', load);
  await load();
}
