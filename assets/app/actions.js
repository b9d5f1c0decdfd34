// What the agent can do, and how it reaches the server: loading lists and messages, sending through
// the socket's outbox (client_msg_id makes a resend after a drop safe), read marks, close/reopen,
// follow, edit/delete, team chats, the help-desk switch, preferences.
import { HttpError, agent, toSignIn } from '../shared/http.js';
import { Socket } from '../shared/socket.js';
import { t } from './i18n.js';
import * as notify from './notify.js';
import {
  S, apply, changed, dropFromOutbox, listKey, listOf, narrow, putMessages, saveOutbox, setHelpdesk, setViewCounts, thread, title, upsert,
} from './state.js';

const { del, get, patch, post } = agent;

const PAGE = 50;
let socket = null;
const inflight = new Map(); // client_msg_id -> timer waiting for the ack

export const ui = { flash: null, scrollTo: null, toast: () => {} };
/** Other modules' share of the socket's events (tickets and tasks): each gets every event. */
export const eventHooks = [];

// --- lists ---

export async function loadList(section, status, more = false) {
  const key = listKey(section, status);
  const view = section === 'customers' ? S.assignView : 'all';
  const by = narrow.by;
  const l = (S.lists[key] ||= { next_cursor: null, loaded: false, loading: false });
  if (l.loading || (more && !l.next_cursor)) return null;
  l.loading = true;
  changed();
  try {
    const q = new URLSearchParams({ section, status, limit: PAGE, ...by?.query });
    if (view !== 'all') q.set('view', view);
    if (more) q.set('cursor', l.next_cursor);
    const r = await get(`/api/conversations?${q}`);
    setViewCounts(r.counts?.views);
    for (const c of r.conversations) {
      upsert(c);
      if (section === 'mine') S.mineIds.add(c.id);
    }
    l.next_cursor = r.next_cursor;
    l.loaded = true;
    return r.pos;
  } finally {
    l.loading = false;
    changed();
  }
}

async function loadAll() {
  const sections = S.me.customer_support || S.me.role === 'admin' ? ['customers', 'mine'] : ['mine'];
  const jobs = [];
  for (const s of sections) for (const st of ['open', 'closed']) jobs.push(loadList(s, st));
  const positions = await Promise.all(jobs);
  return Math.min(...positions.filter((p) => typeof p === 'number'));
}

export async function loadTeam() {
  const r = await get('/api/team');
  S.team = new Map(r.users.map((u) => [u.id, u]));
  changed();
}

// --- boot and the socket ---

export async function start() {
  const pos = await loadAll();
  await loadTeam().catch(() => {});
  socket = new Socket({
    path: '/ws/agent',
    onEvent: onEvent,
    onReply: onReply,
    onState: (st) => {
      if (st !== 'open') {
        // Whatever was in flight is resent on the next socket (the same client_msg_id: no duplicate).
        for (const timer of inflight.values()) clearTimeout(timer);
        inflight.clear();
      }
      // A socket refused before it opened says nothing about why: if the session ended meanwhile
      // (signed out in another tab), /api/me answers 401 and the agent client goes to sign-in.
      if (st === 'down') agent.get('/api/me').catch(() => {});
      S.connection = st;
      changed();
    },
    onReload: () => refetch(),
    // The session ended (signed out elsewhere, password changed, expired): sign in again.
    onSessionEnded: toSignIn,
    // Our permissions changed: start over, so lists show what we may see now.
    onPermissionsChanged: () => location.reload(),
    onOpen: () => {
      flush();
      markReadIfWatching();
      // Presence may have changed while we were away.
      loadTeam().catch(() => {});
    },
  });
  socket.start(Number.isFinite(pos) ? pos : null);
  // For tests and debugging: cut the socket as a network drop would.
  window.__frontdesk = { dropSocket: (holdMs) => socket.drop(holdMs), resumeSocket: () => socket.release(), state: S };
}

/** The server lost track of us (too far behind): fetch everything again. */
async function refetch() {
  S.lists = {};
  S.mineIds.clear();
  for (const [id, tr] of S.msgs) if (id !== S.currentId) S.msgs.delete(id); else tr.gap = true;
  await loadAll().catch(() => {});
  for (const h of eventHooks) h({ type: 'reload' });
  if (S.currentId) await fillGap(S.currentId);
}

function onEvent(ev) {
  const info = apply(ev);
  for (const h of eventHooks) h(ev);
  const d = ev.data || {};
  if (ev.type === 'message.created' && d.message.conversation_id === S.currentId) {
    if (thread(S.currentId).gap) fillGap(S.currentId);
    markReadIfWatching();
  }
  if (info && shouldAlert(info)) {
    notify.alertFor(info, {
      watching: info.conv.id === S.currentId,
      open: (id) => openConv(id),
      label: title(info.conv) || t('customer'),
    });
  }
}

/** A new customer conversation, or a message where I take part (or nobody has answered yet). */
function shouldAlert(info) {
  if (info.kind === 'conversation') return true;
  // A message that mentions me gets the mention's own alert (mentions.js), not a second one.
  if (info.message?.mentions?.includes(S.me.id)) return false;
  const c = info.conv;
  if (c.kind === 'team') return true;
  return c.participants?.includes(S.me.id) || c.following || !(c.participants || []).length;
}

function onReply(f) {
  if (f.type === 'ack') {
    clearTimeout(inflight.get(f.client_msg_id));
    inflight.delete(f.client_msg_id);
    const o = S.outbox.find((x) => x.client_msg_id === f.client_msg_id);
    if (o) {
      const tr = S.msgs.get(f.conversation_id);
      if (tr && tr.loaded && !tr.hasNewer) {
        putMessages(f.conversation_id, [{
          id: f.id, conversation_id: f.conversation_id, seq: f.seq, body: o.body, client_msg_id: o.client_msg_id,
          author: { kind: 'user', id: S.me.id, name: S.me.name }, created_at: f.created_at, edited_at: null, deleted_at: null,
          note: !!o.note, mentions: o.mentions || [], attachments: o.files || [],
        }]);
      }
      dropFromOutbox((x) => x.client_msg_id === f.client_msg_id);
      const c = S.convs.get(f.conversation_id);
      if (c && f.seq > c.last_seq) {
        upsert({
          id: c.id, last_seq: f.seq, last_message_at: f.created_at,
          preview: o.body.trim() || !o.files?.length ? o.body : `📎 ${o.files.map((a) => a.name).join(', ')}`, preview_deleted: false, preview_system: null,
          preview_note: !!o.note, status: o.note ? c.status : 'open',
        });
      }
    }
    changed();
  } else if (f.type === 'error' && f.client_msg_id) {
    clearTimeout(inflight.get(f.client_msg_id));
    inflight.delete(f.client_msg_id);
    const o = S.outbox.find((x) => x.client_msg_id === f.client_msg_id);
    if (o) { o.state = 'failed'; o.error = f.error; saveOutbox(); }
    changed();
  }
}

// --- sending ---

function newId() {
  const b = crypto.getRandomValues(new Uint8Array(9));
  return 'm-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** Files of pending messages still uploading (attach.js), by client_msg_id: never in localStorage. */
export const uploadsOf = new Map();

/**
 * Queue a message; `note` makes it a private note (never reopens), `mentions` the ids it mentions,
 * `uploads` its files (sent once they are all stored; a refused one fails the message).
 */
export function send(conversationId, body, { note = false, mentions = [], uploads = [] } = {}) {
  const c = S.convs.get(conversationId);
  const o = {
    client_msg_id: newId(), conversation_id: conversationId, body, created_at: Date.now(), state: 'sending',
    reopen: c?.status === 'closed' && !note, note, mentions, files: [], uploading: uploads.length > 0,
  };
  if (uploads.length) {
    uploadsOf.set(o.client_msg_id, uploads);
    for (const u of uploads) {
      u.opts.onchange = () => changed();
      u.done.then(() => filesSettled(o));
    }
  }
  S.outbox.push(o);
  saveOutbox();
  flush();
  changed();
}

/** Once a message's uploads have all ended: its files, or the reason it cannot go. */
function filesSettled(o) {
  const ups = uploadsOf.get(o.client_msg_id);
  if (!ups || ups.some((u) => u.state === 'uploading' || u.state === 'waiting')) return;
  const bad = ups.find((u) => u.state === 'failed');
  if (bad) {
    o.state = 'failed';
    o.error = `${bad.name}: ${bad.error}`;
    uploadsOf.set(o.client_msg_id, ups.filter((u) => u.state === 'done'));
  } else {
    o.files = ups.map((u) => u.attachment);
    o.uploading = false;
    uploadsOf.delete(o.client_msg_id);
  }
  saveOutbox();
  flush();
  changed();
}

export function retry(clientMsgId) {
  const o = S.outbox.find((x) => x.client_msg_id === clientMsgId);
  if (!o) return;
  o.state = 'sending';
  o.error = null;
  // A message whose file was refused goes on without it.
  if (o.uploading) filesSettled(o);
  saveOutbox();
  flush();
  changed();
}

/** Send whatever waits in the outbox, in order. Unacknowledged sends are repeated on reconnect. */
export function flush() {
  for (const o of S.outbox) {
    if (o.state === 'failed' || o.uploading || inflight.has(o.client_msg_id)) continue;
    const ok = socket?.send({
      type: 'send', conversation_id: o.conversation_id, body: o.body, client_msg_id: o.client_msg_id, reopen: !!o.reopen,
      note: !!o.note, mentions: o.mentions?.length ? o.mentions : undefined,
      attachments: o.files?.length ? o.files.map((a) => a.id) : undefined,
    });
    if (!ok) { o.state = 'queued'; continue; }
    o.state = 'sending';
    // No ack in 15 s: the connection is probably dead; drop it, reconnect, resend (idempotent).
    inflight.set(o.client_msg_id, setTimeout(() => {
      inflight.delete(o.client_msg_id);
      socket.drop();
    }, 15_000));
  }
  saveOutbox();
}

let typingSent = 0;
export function typing(conversationId, on, note = false) {
  if (on && Date.now() - typingSent < 3000) return;
  typingSent = on ? Date.now() : 0;
  // Writing a note: the server tells teammates only, never the customer.
  socket?.send({ type: 'typing', conversation_id: conversationId, typing: on, note: note || undefined });
}

// --- one conversation ---

export async function openConv(id, { seq = null } = {}) {
  // An item's details stay open beside the conversations it links ([S9]).
  if (id !== S.currentId && S.panel?.kind !== 'item') S.panel = null;
  S.view = 'conversations';
  S.currentId = id;
  S.jump = seq;
  if (location.hash !== `#c${id}`) history.replaceState(null, '', `#c${id}`);
  changed();
  const tr = thread(id);
  const loads = [loadDetails(id)];
  if (seq !== null && !tr.items.some((m) => m.seq === seq)) loads.push(loadAround(id, seq));
  else if (!tr.loaded || tr.gap) loads.push(loadTail(id));
  try {
    await Promise.all(loads);
  } catch (e) {
    if (e instanceof HttpError && e.status === 404) {
      S.convs.delete(id);
      if (S.currentId === id) closeView();
      return;
    }
    ui.toast(t('errorGeneric'));
  }
  markReadIfWatching();
  changed();
}

export function closeView() {
  S.currentId = null;
  S.panel = null;
  history.replaceState(null, '', location.pathname);
  changed();
}

async function loadDetails(id) {
  const d = await get(`/api/conversations/${id}`);
  S.details.set(id, d);
  upsert(d.conversation, { following: d.following });
  changed();
}

async function loadTail(id) {
  const tr = thread(id);
  tr.loading = true;
  const r = await get(`/api/conversations/${id}/messages?limit=${PAGE}`).finally(() => { tr.loading = false; });
  tr.items = [];
  putMessages(id, r.messages);
  tr.loaded = true;
  tr.gap = false;
  tr.hasNewer = false;
  tr.hasOlder = r.messages.length === PAGE;
  changed();
}

/** Messages around `seq` (a search hit): some before, some after. */
async function loadAround(id, seq) {
  const tr = thread(id);
  const r = await get(`/api/conversations/${id}/messages?before=${seq + 15}&limit=40`);
  tr.items = [];
  putMessages(id, r.messages);
  tr.loaded = true;
  tr.gap = false;
  const last = r.messages[r.messages.length - 1];
  tr.hasNewer = !!last && last.seq < (S.convs.get(id)?.last_seq ?? last.seq);
  tr.hasOlder = r.messages.length === 40;
  changed();
}

export async function loadOlder(id) {
  const tr = thread(id);
  if (tr.loading || !tr.hasOlder || !tr.items.length) return;
  tr.loading = true;
  changed();
  try {
    const r = await get(`/api/conversations/${id}/messages?before=${tr.items[0].seq}&limit=${PAGE}`);
    putMessages(id, r.messages);
    tr.hasOlder = r.messages.length === PAGE;
  } finally {
    tr.loading = false;
    changed();
  }
}

export async function loadNewer(id) {
  const tr = thread(id);
  if (tr.loading || !tr.hasNewer || !tr.items.length) return;
  tr.loading = true;
  try {
    const r = await get(`/api/conversations/${id}/messages?after=${tr.items[tr.items.length - 1].seq}&limit=${PAGE}`);
    putMessages(id, r.messages);
    tr.hasNewer = r.messages.length === PAGE;
  } finally {
    tr.loading = false;
    changed();
  }
}

/** Messages arrived that we did not see in order (a drop, a reload): fetch what follows ours. */
async function fillGap(id) {
  const tr = thread(id);
  if (tr.filling) return;
  if (!tr.items.length || tr.hasNewer) return loadTail(id).catch(() => {});
  tr.filling = true;
  try {
    for (;;) {
      const last = tr.items[tr.items.length - 1].seq;
      const r = await get(`/api/conversations/${id}/messages?after=${last}&limit=200`);
      putMessages(id, r.messages);
      if (r.messages.length < 200) break;
    }
    tr.gap = false;
  } catch { /* the next event or reconnect tries again */ } finally {
    tr.filling = false;
    changed();
  }
}

export async function jumpToLatest(id) {
  await loadTail(id);
  ui.scrollTo?.('bottom');
}

/** Clear the unread mark when the agent is actually looking at the conversation. */
export function markReadIfWatching() {
  const c = S.convs.get(S.currentId);
  if (!c || document.hidden || !(c.unread > 0) || thread(c.id).hasNewer) return;
  c.unread = 0;
  changed();
  if (!socket?.send({ type: 'read', conversation_id: c.id })) post(`/api/conversations/${c.id}/read`, {}).catch(() => {});
}
document.addEventListener('visibilitychange', () => { if (!document.hidden) markReadIfWatching(); });

export async function setStatus(id, status) {
  try {
    const r = await post(`/api/conversations/${id}/status`, { status });
    upsert(r.conversation);
    changed();
    return true;
  } catch (e) {
    ui.toast(e.status === 0 ? t('errorOffline') : e.message);
    return false;
  }
}

/** Ctrl+Enter: close this one and open the next open conversation of the same list. */
export async function closeAndNext() {
  const id = S.currentId;
  const c = S.convs.get(id);
  if (!c) return;
  const list = listOf(S.section, 'open');
  const i = list.findIndex((x) => x.id === id);
  const next = list[i + 1] || list[i - 1];
  if (c.status === 'open' && !(await setStatus(id, 'closed'))) return;
  if (next && next.id !== id) openConv(next.id);
}

export async function follow(id, on) {
  try {
    await (on ? post(`/api/conversations/${id}/follow`) : del(`/api/conversations/${id}/follow`));
    const c = S.convs.get(id);
    if (c) c.following = on;
    if (on) S.mineIds.add(id);
    const d = S.details.get(id);
    if (d) d.following = on;
    changed();
  } catch (e) { ui.toast(e.message); }
}

export async function editMessage(m, body) {
  try {
    const r = await patch(`/api/messages/${m.id}`, { body });
    putMessages(m.conversation_id, [r.message]);
    changed();
    return true;
  } catch (e) { ui.toast(e.status === 0 ? t('errorGeneric') : e.message); return false; }
}

export async function deleteMessage(m) {
  try {
    const r = await del(`/api/messages/${m.id}`);
    putMessages(m.conversation_id, [r.message]);
    changed();
  } catch (e) { ui.toast(e.message); }
}

export async function startTeam(userIds, subject, body) {
  const r = await post('/api/conversations', {
    user_ids: userIds, subject, body: body || undefined, client_msg_id: body ? newId() : undefined,
  });
  upsert(r.conversation);
  S.mineIds.add(r.conversation.id);
  if (r.message) putMessages(r.conversation.id, [r.message]);
  S.section = 'mine';
  S.status = 'open';
  await openConv(r.conversation.id);
}

/** The switch ([S12]): the answer is the effective state (with business hours on, until the next boundary). */
export async function switchHelpdesk(online) {
  const before = { ...S.helpdesk };
  S.helpdesk = { ...S.helpdesk, online, status: null };
  changed();
  try {
    const r = await post('/api/helpdesk/status', { online });
    setHelpdesk({ name: r.helpdesk_name, status: r.status, online: r.online });
  } catch (e) {
    S.helpdesk = before;
    ui.toast(e.message);
  }
  changed();
}

export async function savePrefs(p) {
  const r = await patch('/api/me/prefs', p);
  S.me.prefs = r.prefs;
  return r.prefs;
}

export async function search(q, offset = 0) {
  return get(`/api/search?${new URLSearchParams({ q, offset, limit: 20 })}`);
}

export const customer = (id) => get(`/api/customers/${id}`);

export async function signOut() {
  await post('/api/logout').catch(() => {});
  location.href = '/login';
}
