// Tickets and tasks ([S8], [S9]): what the Messenger knows of items, the calls that change them, and
// what their live events do: the header link of linked conversations, an open details panel, the
// Items view, and "My conversations" ([S4]: conversations linked to items I created, am assigned to or follow).
import { agent } from '../shared/http.js';
import * as A from './actions.js';
import { t } from './i18n.js';
import { S, changed, upsert } from './state.js';

const { del, get, patch, post } = agent;

export const STATUSES = ['new', 'open', 'in_progress', 'waiting', 'resolved', 'closed'];
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'];

export const statusLabel = (s) => t(`st_${s}`);
export const priorityLabel = (p) => t(`pr_${p}`);
export const kindLabel = (k) => t(k === 'task' ? 'task' : 'ticket');
/** "Ticket #42" */
export const itemName = (it) => `${kindLabel(it.kind)} #${it.number}`;

/** What a conversation shows of its item (the server's `conversation.item`). */
const ref = (it) => ({ id: it.id, number: it.number, kind: it.kind, title: it.title, status: it.status });

const listeners = new Set();
/** Called with each item that changed (the Items view keeps its rows fresh). */
export function onItem(f) { listeners.add(f); }

/** Keep an item, and bring the links of the conversations I know up to date with it. */
function remember(it) {
  S.items.set(it.id, it);
  const linked = new Set((it.conversations || []).map(([id]) => id));
  for (const c of S.convs.values()) {
    if (linked.has(c.id)) c.item = ref(it);
    else if (c.item?.id === it.id) c.item = null; // unlinked
  }
  const d = S.itemDetails.get(it.id);
  if (d) { d.item = it; d.following = it.followers.includes(S.me.id); }
}

export const concernsMe = (it) => it.created_by === S.me.id || it.assignees.includes(S.me.id) || it.followers.includes(S.me.id);

// --- live events ---

A.eventHooks.push((ev) => {
  if (ev.type === 'reload') { for (const id of S.itemDetails.keys()) if (S.panel?.kind === 'item' && S.panel.id === id) reloadSoon(id); refreshMineSoon(); return; }
  if (ev.type !== 'item.created' && ev.type !== 'item.updated') return;
  const it = ev.data?.item;
  if (!it) return;
  remember(it);
  // The panel's activity and linked conversations are not in the event: fetch them.
  if (S.panel?.kind === 'item' && S.panel.id === it.id) reloadSoon(it.id);
  // A conversation may have joined (or left) "My conversations" through this item.
  if (concernsMe(it) || (it.conversations || []).some(([id]) => S.mineIds.has(id))) refreshMineSoon();
  for (const f of listeners) f(it, ev.type);
  changed();
});

const reloadTimers = new Map();
function reloadSoon(id) {
  clearTimeout(reloadTimers.get(id));
  reloadTimers.set(id, setTimeout(() => { reloadTimers.delete(id); loadItem(id).catch(() => {}); }, 120));
}

let mineTimer = null;
function refreshMineSoon() {
  clearTimeout(mineTimer);
  mineTimer = setTimeout(() => refreshMine().catch(() => {}), 150);
}

/** Fetch the first page of "My conversations" again (both lists) and bring `S.mineIds` up to date. */
async function refreshMine() {
  for (const status of ['open', 'closed']) {
    const r = await get(`/api/conversations?${new URLSearchParams({ section: 'mine', status, limit: 50 })}`);
    const ids = new Set();
    for (const c of r.conversations) { upsert(c); S.mineIds.add(c.id); ids.add(c.id); }
    // A complete list also tells what left it (unassigned, unfollowed).
    if (!r.next_cursor) {
      for (const id of [...S.mineIds]) if (S.convs.get(id)?.status === status && !ids.has(id)) S.mineIds.delete(id);
    }
  }
  changed();
}

// --- calls ---

/** GET /api/items/:id (the details panel): kept in `S.itemDetails`. */
export async function loadItem(id) {
  const r = await get(`/api/items/${id}`);
  S.itemDetails.set(id, r);
  remember(r.item);
  changed();
  return r;
}

export const list = (params) => get(`/api/items?${new URLSearchParams(params)}`);
export const draft = (convId, kind) => get(`/api/conversations/${convId}/item-draft?kind=${kind}`);

function refresh(it) {
  remember(it);
  if (S.itemDetails.has(it.id)) reloadSoon(it.id);
  for (const f of listeners) f(it, 'item.updated');
  changed();
  return it;
}

/** Create an item from a conversation and link it ([S8]). */
export async function createFrom(convId, fields) {
  const r = await post(`/api/conversations/${convId}/items`, fields);
  return refresh(r.item);
}

export async function link(convId, itemId) {
  const r = await post(`/api/conversations/${convId}/link`, { item_id: itemId });
  return refresh(r.item);
}

export async function unlink(convId) {
  const r = await del(`/api/conversations/${convId}/link`);
  upsert(r.conversation);
  changed();
}

/** PATCH some fields; the answer (and the event that follows) updates every view of it. */
export async function update(id, fields) {
  try {
    const r = await patch(`/api/items/${id}`, fields);
    return refresh(r.item);
  } catch (e) {
    A.ui.toast(e.status === 0 ? t('errorGeneric') : e.message);
    // Show the stored values again rather than what was refused.
    if (S.itemDetails.has(id)) reloadSoon(id);
    return null;
  }
}

export async function follow(id, on) {
  try {
    const r = await (on ? post(`/api/items/${id}/follow`) : del(`/api/items/${id}/follow`));
    return refresh(r.item);
  } catch (e) {
    A.ui.toast(e.message);
    return null;
  }
}

/**
 * Teammates who may be assignees or followers: an item that faces a customer is for customer-support
 * agents and admins; one linked to a team conversation for its members (the server checks too).
 */
export function eligible({ customerFacing, members = null }) {
  return [...S.team.values()]
    .filter((u) => (!customerFacing || u.customer_support || u.role === 'admin') && (!members || members.includes(u.id)))
    .sort((a, b) => (a.id === S.me.id ? -1 : b.id === S.me.id ? 1 : a.name.localeCompare(b.name)));
}

/** The eligibility rules of an existing item, from what it links. */
export function rulesOf(it) {
  const convs = (it.conversations || []);
  let members = null;
  for (const [id, kind] of convs) {
    if (kind !== 'team') continue;
    const p = S.convs.get(id)?.participants;
    if (p) members = members ? members.filter((x) => p.includes(x)) : [...p];
  }
  return { customerFacing: !!it.requester_id || convs.some(([, k]) => k === 'live_chat'), members };
}
