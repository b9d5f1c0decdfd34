// Replies by mail held for an agent (issue 16): a customer's answer by mail that came from another
// address than the one they left waits above the composer of its conversation, with Accept (posted as
// the customer) and Reject. Customer-support agents and admins only; `mail.held` keeps it current.
import { el } from '../shared/dom.js';
import { agent } from '../shared/http.js';
import * as A from './actions.js';
import { t } from './i18n.js';
import { S, changed } from './state.js';

/** Conversation id → its held replies. */
const held = new Map();

const sees = () => S.me && (S.me.customer_support || S.me.role === 'admin');

async function load() {
  if (!sees()) return;
  let r;
  try { r = await agent.get('/api/mail/held'); } catch { return; }
  held.clear();
  for (const h of r.held) held.set(h.conversation_id, [...(held.get(h.conversation_id) || []), h]);
  changed();
}

export function mount() {
  A.eventHooks.push((ev) => { if (ev.type === 'mail.held' || ev.type === 'reload') load(); });
  load();
}

/** The held replies of conversation `c`, as boxes with their two buttons (none: []). */
export function boxes(c) {
  return (held.get(c.id) || []).map((h) => {
    const decide = (accept) => async (e) => {
      e.target.disabled = true;
      try { await agent.post(`/api/mail/held/${h.id}/${accept ? 'accept' : 'reject'}`, {}); } catch { e.target.disabled = false; return; }
      load();
    };
    return el('section', { class: 'held-mail', 'aria-label': t('heldMail') },
      el('p', { class: 'small' }, el('strong', {}, t('heldMail')), ' ', t('heldMailFrom', { from: h.from_addr })),
      el('blockquote', { class: 'held-body' }, h.body),
      el('div', { class: 'held-actions' },
        el('button', { type: 'button', class: 'btn primary small', onclick: decide(true) }, t('heldAccept')),
        el('button', { type: 'button', class: 'btn small', onclick: decide(false) }, t('heldReject'))));
  });
}
