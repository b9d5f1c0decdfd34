// Assignment and availability in the Messenger (issue 15): the views of "From customers" by assignee
// (Unassigned, Mine, All) with their live counts, the assignee in a live chat's header and its picker
// (assign to me, to a teammate with an optional note, unassign), my own Online/Away control, and the
// notice when someone gives me a chat (a chime, a browser notification, a mark on its row).
import { el, svg } from '../shared/dom.js';
import { agent } from '../shared/http.js';
import * as A from './actions.js';
import { avatar, icon } from './dom.js';
import { t } from './i18n.js';
import * as notify from './notify.js';
import { S, changed, listKey, onChange, sees, title, upsert } from './state.js';

const VIEWS = ['unassigned', 'mine', 'all'];
const VIEW_WORDS = { unassigned: 'viewUnassigned', mine: 'viewMine', all: 'viewAll' };
const VIEW_KEY = 'fd.assignView';
/** Chats someone else gave me that I have not opened since: marked in the list. */
const marks = new Set();
let hooks = {};
let picker = null; // the open picker: {id, draw}

/** `h`: {showDialog, closeDialog}. */
export function mount(h) {
  hooks = h;
  try { if (VIEWS.includes(localStorage.getItem(VIEW_KEY))) S.assignView = localStorage.getItem(VIEW_KEY); } catch { /* private mode */ }
  onChange(() => {
    if (S.currentId !== null && marks.delete(S.currentId)) changed();
  });
}

// --- the views and their counts ---

function setView(v) {
  S.assignView = v;
  try { localStorage.setItem(VIEW_KEY, v); } catch { /* private mode */ }
  const l = S.lists[listKey('customers', S.status)];
  if (!l?.loaded) A.loadList('customers', S.status);
  changed();
}

/** The views of "From customers", each with how many open chats it holds (between the section and Open/Closed). */
export function viewTabs() {
  if (S.section !== 'customers') return null;
  const counts = S.viewCounts || {};
  return el('div', { class: 'views', role: 'tablist', 'aria-label': t('viewsLabel') }, VIEWS.map((v) => el('button', {
    role: 'tab', type: 'button', class: 'view-btn', 'aria-selected': String(S.assignView === v), 'aria-controls': 'conv-list', 'data-k': `view-${v}`,
    onclick: () => setView(v),
  }, el('span', { class: 'view-name' }, t(VIEW_WORDS[v])),
  typeof counts[v] === 'number' ? el('span', { class: 'view-count' }, String(counts[v]), el('span', { class: 'sr-only' }, ` ${t('openCount')}`)) : null)));
}

/** Which view's count an open chat with assignee `id` adds to (besides All). */
const bucket = (id) => (id == null ? 'unassigned' : id === S.me.id ? 'mine' : null);

/** Keep the counts (the server's, as of their `pos`) up to date with each later event. */
function countEvent(ev) {
  const vc = S.viewCounts;
  const d = ev.data || {};
  const c = d.conversation;
  if (!vc || !(ev.pos > vc.pos) || c?.kind !== 'live_chat') return;
  vc.pos = ev.pos;
  const add = (id, n) => { const b = bucket(id); if (b) vc[b] += n; };
  if (ev.type === 'conversation.created' && c.status === 'open') { add(c.assignee_id, 1); vc.all += 1; }
  if (ev.type === 'conversation.updated' && d.change === 'status') {
    const n = c.status === 'open' ? 1 : -1;
    add(c.assignee_id, n);
    vc.all += n;
  }
  if (ev.type === 'conversation.updated' && d.change === 'assignee' && c.status === 'open') { add(d.from, -1); add(c.assignee_id, 1); }
}

/** Keep teammates' open-chat counts (for the picker) and statuses current between loads. */
function teamEvent(ev) {
  const d = ev.data || {};
  if (ev.type === 'user.status') {
    const u = S.team.get(d.user_id);
    if (u) Object.assign(u, { status: d.status, online: d.status !== 'offline' });
    if (d.user_id === S.me.id) S.me.availability = d.availability;
    return true;
  }
  const c = d.conversation;
  if (ev.type !== 'conversation.updated' || c?.kind !== 'live_chat') return false;
  const held = (id, n) => { const u = S.team.get(id); if (u && typeof u.open_chats === 'number') u.open_chats = Math.max(0, u.open_chats + n); };
  if (d.change === 'assignee' && c.status === 'open') { held(d.from, -1); held(c.assignee_id, 1); }
  if (d.change === 'status') held(c.assignee_id, c.status === 'open' ? 1 : -1);
  return d.change === 'assignee' || d.change === 'status';
}

A.eventHooks.push((ev) => {
  if (ev.type === 'reload') return;
  countEvent(ev);
  if (teamEvent(ev) && picker) picker.draw();
  const d = ev.data || {};
  if (ev.type !== 'conversation.updated' || d.change !== 'assignee') return;
  const c = S.convs.get(d.conversation.id) || d.conversation;
  if (d.from === S.me.id && c.assignee_id !== S.me.id && !c.item) S.mineIds.delete(c.id);
  if (c.assignee_id !== S.me.id || d.by === S.me.id) return;
  // Given to me by someone else (or by auto-assignment): mark it, and say so.
  if (c.id !== S.currentId) marks.add(c.id);
  const name = title(c) || t('customer');
  const by = S.team.get(d.by)?.name || t('someone');
  const words = d.by == null ? t('notifyAuto', { name }) : t(d.from != null || d.note ? 'notifyTransferred' : 'notifyAssigned', { by, name });
  notify.alertText(words, d.note || '', { id: c.id, watching: c.id === S.currentId, open: (id) => A.openConv(id) });
  changed();
});

/** What a list row shows of its assignee: "Assigned to you" until opened, else whose it is. */
export function rowMark(c) {
  if (c.kind !== 'live_chat') return null;
  if (marks.has(c.id)) return el('span', { class: 'assign-tag' }, t('rowForYou'));
  if (c.assignee_id == null || S.section !== 'customers') return null;
  const name = S.team.get(c.assignee_id)?.name || '';
  const label = t('rowAssignedTo', { name });
  return el('span', { class: 'row-assignee', title: label }, avatar(name || '?', { size: 18 }), el('span', { class: 'sr-only' }, label));
}

// --- the assignee in the header, and the picker ---

const chevron = () => svg('M7 10l5 5 5-5z', { width: 14, height: 14, class: 'icon' }, { fill: 'currentColor' });
const dotOf = (u) => (u?.status === 'away' ? 'away' : u?.status === 'online' || (u?.online && u?.status !== 'offline'));

/** The header's assignee button (live chats, for those who see customers). */
export function headerChip(c) {
  if (c.kind !== 'live_chat' || !sees()) return null;
  const u = c.assignee_id == null ? null : S.team.get(c.assignee_id);
  const shown = c.assignee_id == null ? t('viewUnassigned') : c.assignee_id === S.me.id ? t('you') : u?.name || '…';
  return el('button', {
    type: 'button', class: `assignee-chip${c.assignee_id == null ? ' none' : ''}`, 'data-k': 'assignee', 'aria-haspopup': 'dialog',
    title: t('assignTitle'), onclick: () => openPicker(c.id),
  },
  // Named by its words ("Assignee: You"), not an aria-label: the avatar's initials are visible text
  // that a label would leave out (axe: label-content-name-mismatch).
  el('span', { class: 'sr-only' }, `${t('assignee')}: `),
  c.assignee_id == null ? icon('user', 14) : avatar(u?.name || '?', { size: 18, online: dotOf(u) }), el('span', { class: 'chip-name' }, shown), chevron());
}

const takers = () => [...S.team.values()].filter((u) => u.customer_support || u.role === 'admin');
const RANK = { online: 0, away: 1, offline: 2 };
const statusOf = (u) => u.status || (u.online ? 'online' : 'offline');
const statusWord = (u) => t({ online: 'stOnline', away: 'stAway', offline: 'stOffline' }[statusOf(u)]);

async function openPicker(id) {
  await A.loadTeam().catch(() => {}); // fresh statuses and counts
  const c = S.convs.get(id);
  if (!c) return;
  const err = el('p', { class: 'error', role: 'alert' });
  const list = el('ul', { class: 'takers', role: 'listbox', tabindex: '0', 'aria-labelledby': 'takers-label' });
  const nobody = el('p', { class: 'muted', hidden: true }, t('noTakers'));
  const note = el('textarea', { id: 'assign-note', rows: '2', maxlength: '500', 'aria-describedby': 'assign-note-hint' });
  const submit = el('button', { type: 'submit', class: 'btn primary' });
  const people = () => takers().sort((a, b) => RANK[statusOf(a)] - RANK[statusOf(b)] || a.name.localeCompare(b.name));
  let chosen = c.assignee_id ?? people()[0]?.id ?? null;
  const optId = (uid) => `taker-${uid}`;
  const draw = () => {
    const now = S.convs.get(id) || c;
    const all = people();
    if (!all.some((u) => u.id === chosen)) chosen = all[0]?.id ?? null;
    nobody.hidden = all.length > 0;
    list.hidden = !all.length;
    list.replaceChildren(...all.map((u) => el('li', {
      role: 'option', id: optId(u.id), class: `taker${u.id === chosen ? ' chosen' : ''}`, 'aria-selected': String(u.id === chosen),
      onclick: () => { chosen = u.id; draw(); list.focus(); }, ondblclick: () => form.requestSubmit(),
    }, avatar(u.name, { size: 32, online: dotOf(u) }),
    el('span', { class: 'taker-text' },
      el('strong', {}, u.id === S.me.id ? `${u.name} (${t('you')})` : u.name),
      el('span', { class: `taker-status muted small st-${statusOf(u)}` }, statusWord(u))),
    typeof u.open_chats === 'number' ? el('span', { class: 'taker-load muted small' }, t('openChatsN', { n: u.open_chats })) : null,
    u.id === now.assignee_id ? el('span', { class: 'assign-tag' }, t('assignedNow')) : null)));
    if (chosen !== null) list.setAttribute('aria-activedescendant', optId(chosen)); else list.removeAttribute('aria-activedescendant');
    const transfer = now.assignee_id != null && chosen !== now.assignee_id;
    submit.textContent = t(transfer ? 'transferBtn' : 'assignBtn');
    submit.disabled = chosen === null || chosen === now.assignee_id;
    unassign.hidden = now.assignee_id == null;
    mine.hidden = now.assignee_id === S.me.id || !takers().some((u) => u.id === S.me.id);
    list.querySelector('.chosen')?.scrollIntoView({ block: 'nearest' });
  };
  list.addEventListener('keydown', (e) => {
    const all = people();
    const i = all.findIndex((u) => u.id === chosen);
    const to = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: all.length - 1 }[e.key];
    if (to !== undefined) {
      e.preventDefault();
      chosen = all[Math.max(0, Math.min(all.length - 1, to))]?.id ?? chosen;
      draw();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      form.requestSubmit();
    } else if (e.key.length === 1 && /\S/.test(e.key)) {
      // Type-ahead: the next teammate whose name starts with that letter.
      const k = e.key.toLocaleLowerCase();
      const next = [...all.slice(i + 1), ...all.slice(0, i + 1)].find((u) => u.name.toLocaleLowerCase().startsWith(k));
      if (next) { chosen = next.id; draw(); }
    }
  });
  const send = async (to, withNote) => {
    err.textContent = '';
    try {
      const r = await agent.post(`/api/conversations/${id}/assignee`, { user_id: to, note: withNote ? note.value.trim() || undefined : undefined });
      upsert(r.conversation);
      hooks.closeDialog();
    } catch (e) { err.textContent = e.message; }
  };
  const mine = el('button', { type: 'button', class: 'btn', 'data-k': 'assign-me', onclick: () => send(S.me.id, false) }, icon('user', 16), t('assignToMe'));
  const unassign = el('button', { type: 'button', class: 'btn ghost', onclick: () => send(null, false) }, t('unassignBtn'));
  const form = el('form', { class: 'assign-form' },
    el('div', { class: 'assign-quick' }, mine),
    el('p', { class: 'people-label', id: 'takers-label' }, t('takers')),
    list, nobody,
    el('div', { class: 'field' }, el('label', { for: 'assign-note' }, t('assignNote')), note,
      el('p', { class: 'muted small', id: 'assign-note-hint' }, t('assignNoteHint'))),
    err,
    el('div', { class: 'dialog-actions' }, unassign,
      el('button', { type: 'button', class: 'btn', onclick: () => hooks.closeDialog() }, t('cancel')), submit));
  form.addEventListener('submit', (e) => { e.preventDefault(); if (!submit.disabled) send(chosen, true); });
  picker = { id, draw };
  draw();
  const dialog = hooks.showDialog(t('assignTitle'), {}, form);
  dialog.addEventListener('close', () => {
    picker = null;
    // Back to the header's button (redrawn meanwhile, found by its key).
    requestAnimationFrame(() => document.querySelector('[data-k="assignee"]')?.focus());
  }, { once: true });
  list.focus();
}

// --- my own status ---

/** Online / Away in the sidebar's footer (only while connected: without a socket I am Offline). */
export function statusControl(connected) {
  if (!connected) return el('span', { class: 'muted small' }, t('stOffline'));
  const away = S.me.availability === 'away';
  return el('button', {
    type: 'button', class: `status-toggle ${away ? 'away' : 'online'}`, 'data-k': 'my-status', title: t(away ? 'switchToOnline' : 'switchToAway'),
    'aria-label': `${t('myStatus')}: ${t(away ? 'stAway' : 'stOnline')}. ${t(away ? 'switchToOnline' : 'switchToAway')}`,
    onclick: async () => {
      const next = away ? 'online' : 'away';
      try {
        const r = await agent.post('/api/me/status', { status: next });
        S.me.availability = r.availability;
      } catch (e) { A.ui.toast(e.message); }
      changed();
    },
  }, el('span', { class: 'status-dot', 'aria-hidden': 'true' }), t(away ? 'stAway' : 'stOnline'));
}
