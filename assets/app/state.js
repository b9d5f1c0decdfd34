// What the Messenger knows: me, the team, conversations and their lists, loaded messages, messages
// waiting to be sent. Events from the socket are applied here (idempotently: a replayed event changes
// nothing twice); views read from it and re-render when `changed()` fires.

export const S = {
  me: null,
  helpdesk: { name: '', online: true, status: null }, // status: {online, reason, label, until} ([S12])
  team: new Map(), // id -> {id, name, email, role, customer_support, online, last_seen_at}
  convs: new Map(), // id -> conversation + {unread, following}
  mineIds: new Set(), // conversations the server listed under "My conversations"
  lists: {}, // `${section}.${status}` -> {next_cursor, loaded, loading}
  msgs: new Map(), // conversation id -> {items: [messages by seq], hasOlder, hasNewer, loading}
  details: new Map(), // conversation id -> GET /api/conversations/:id
  outbox: [], // {client_msg_id, conversation_id, body, created_at, state: 'sending'|'failed', error}
  typing: new Map(), // conversation id -> {name, until}
  section: 'customers',
  status: 'open',
  currentId: null,
  connection: 'connecting',
  view: 'conversations', // or 'items': the Tickets & tasks list in the centre
  panel: null, // the side panel: {kind: 'customer'|'user'|'team'|'item', id, ...}
  items: new Map(), // item id -> item (tickets and tasks seen in lists, events, details)
  itemDetails: new Map(), // item id -> GET /api/items/:id
  assignView: 'all', // "From customers" by assignee: 'all' | 'unassigned' | 'mine' (assign.js)
  viewCounts: null, // open chats per view, {unassigned, mine, all, pos}: the server's, plus events after pos
};

const listeners = new Set();
let scheduled = false;

/** Re-render soon (once per frame, however many changes). */
export function changed() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    for (const f of listeners) f();
  });
}
export function onChange(f) { listeners.add(f); }

export const sees = () => S.me && (S.me.customer_support || S.me.role === 'admin');
export const isMine = (m) => m.author.kind === 'user' && m.author.id === S.me.id;

export function inSection(c, section) {
  if (section === 'customers') return c.kind === 'live_chat';
  if (c.kind === 'team') return c.participants?.includes(S.me.id);
  return S.mineIds.has(c.id) || c.following || c.created_by === S.me.id || !!c.participants?.includes(S.me.id)
    || c.assignee_id === S.me.id;
}

/** Whether a live chat is in the chosen view of "From customers" (by its assignee). */
export function inView(c) {
  if (S.assignView === 'unassigned') return c.assignee_id == null;
  if (S.assignView === 'mine') return c.assignee_id === S.me.id;
  return true;
}


/** Take the server's view counts when they are newer than what we have (`pos`: the events they include). */
export function setViewCounts(v) {
  if (v && (!S.viewCounts || v.pos > S.viewCounts.pos)) S.viewCounts = { ...v };
}

/**
 * A narrowing of the lists (issue 15: the label filter): `by` is null or {key, query, test(c)}; the
 * lists then hold only conversations passing `test`, loaded with `query` added, kept under `key`.
 */
export const narrow = { by: null };
/**
 * Where `S.lists` keeps a list's paging: per section and status, per view of "From customers" (by assignee)
 * and per narrowing (the label filter).
 */
export const listKey = (section, status) =>
  `${section}.${status}${section === 'customers' && S.assignView !== 'all' ? '.' + S.assignView : ''}${narrow.by ? '.' + narrow.by.key : ''}`;

/** The conversations of one list, newest activity first. */
export function listOf(section, status) {
  const out = [];
  for (const c of S.convs.values()) {
    if (c.status === status && inSection(c, section) && (section !== 'customers' || inView(c)) && (!narrow.by || narrow.by.test(c))) out.push(c);
  }
  return out.sort((a, b) => b.last_message_at - a.last_message_at || b.id - a.id);
}

export function unreadIn(section, status) {
  let n = 0;
  for (const c of S.convs.values()) {
    if (c.unread > 0 && inSection(c, section) && (!status || c.status === status)) n++;
  }
  return n;
}

export function totalUnread() {
  let n = 0;
  for (const c of S.convs.values()) if (c.unread > 0 && (c.kind === 'live_chat' ? sees() : true)) n++;
  return n;
}

/** Merge what the server says about a conversation, keeping my own per-user fields. */
export function upsert(c, extra = {}) {
  const old = S.convs.get(c.id) || { unread: 0, following: false };
  const next = { ...old, ...c, ...extra };
  if (!('unread' in c) && !('unread' in extra)) next.unread = old.unread;
  if (!('following' in c) && !('following' in extra)) next.following = old.following;
  S.convs.set(c.id, next);
  return next;
}

/** Take what the server says of the help desk: its name and effective state (`status` wins over `online`). */
export function setHelpdesk({ name, status, online }) {
  const st = status && typeof status.online === 'boolean' ? status : null;
  S.helpdesk = {
    ...S.helpdesk,
    name: name ?? S.helpdesk.name,
    online: st ? st.online : online ?? S.helpdesk.online,
    status: st ?? (online === undefined ? S.helpdesk.status : null),
  };
}

export function title(c) {
  if (!c) return '';
  if (c.kind === 'live_chat') return c.customer_name || '';
  if (c.subject) return c.subject;
  const names = (c.participants || []).filter((id) => id !== S.me.id).map((id) => S.team.get(id)?.name).filter(Boolean);
  return names.join(', ');
}

// --- messages ---

export function thread(id) {
  let t = S.msgs.get(id);
  if (!t) S.msgs.set(id, (t = { items: [], hasOlder: true, hasNewer: false, loaded: false, loading: false }));
  return t;
}

/** Insert or replace messages (by id), keeping seq order. */
export function putMessages(id, list) {
  const t = thread(id);
  const byId = new Map(t.items.map((m) => [m.id, m]));
  for (const m of list) byId.set(m.id, m);
  t.items = [...byId.values()].sort((a, b) => a.seq - b.seq);
  // A message the server has is no longer waiting in the outbox.
  const sentIds = new Set(list.filter(isMine).map((m) => m.client_msg_id).filter(Boolean));
  if (sentIds.size) dropFromOutbox((o) => sentIds.has(o.client_msg_id));
}

// --- the outbox: messages typed but not yet stored, kept across reloads ---

const OUTBOX_KEY = () => `fd.outbox.${S.me.id}`;

export function loadOutbox() {
  try { S.outbox = JSON.parse(localStorage.getItem(OUTBOX_KEY()) || '[]'); } catch { S.outbox = []; }
  for (const o of S.outbox) if (o.state === 'sending') o.state = 'queued';
}
export function saveOutbox() {
  // A message whose files are still uploading stays in this tab only (the bytes cannot be kept).
  try { localStorage.setItem(OUTBOX_KEY(), JSON.stringify(S.outbox.filter((o) => !o.uploading))); } catch { /* private mode: memory only */ }
}
export function dropFromOutbox(pred) {
  const before = S.outbox.length;
  S.outbox = S.outbox.filter((o) => !pred(o));
  if (S.outbox.length !== before) saveOutbox();
}

// --- drafts, per conversation ---

const draftKey = (id) => `fd.draft.${S.me.id}.${id}`;
export function draft(id) { try { return localStorage.getItem(draftKey(id)) || ''; } catch { return ''; } }
export function setDraft(id, text) {
  try { if (text) localStorage.setItem(draftKey(id), text); else localStorage.removeItem(draftKey(id)); } catch { /* ignore */ }
}

// --- applying socket events ---

/**
 * Apply one event; returns what a notification needs to know:
 * {kind: 'conversation'|'message', conv, message} or null.
 */
export function apply(ev) {
  const d = ev.data || {};
  switch (ev.type) {
    case 'conversation.created': {
      const existed = S.convs.has(d.conversation.id);
      const c = upsert(d.conversation);
      changed();
      return !existed && c.kind === 'live_chat' && sees() ? { kind: 'conversation', conv: c } : null;
    }
    case 'message.created': {
      const m = d.message;
      const old = S.convs.get(m.conversation_id);
      const fresh = !old || m.seq > old.last_seq;
      const c = upsert(d.conversation || { id: m.conversation_id });
      // As the server counts: messages from someone else, system lines left out ([S7]).
      if (fresh && !isMine(m) && m.author.kind !== 'system') c.unread = (old?.unread || 0) + 1;
      const t = S.msgs.get(m.conversation_id);
      if (t && t.loaded) {
        if (t.hasNewer || (t.items.length && m.seq > t.items[t.items.length - 1].seq + 1)) t.gap = true;
        else putMessages(m.conversation_id, [m]);
      }
      if (isMine(m) && m.client_msg_id) dropFromOutbox((o) => o.client_msg_id === m.client_msg_id);
      const ty = S.typing.get(m.conversation_id);
      if (ty && ty.who === `${m.author.kind}:${m.author.id}`) S.typing.delete(m.conversation_id);
      changed();
      return fresh && !isMine(m) && m.author.kind !== 'system' ? { kind: 'message', conv: c, message: m } : null;
    }
    case 'message.updated':
    case 'message.deleted': {
      const m = d.message;
      const t = S.msgs.get(m.conversation_id);
      if (t && t.items.some((x) => x.id === m.id)) putMessages(m.conversation_id, [m]);
      const c = S.convs.get(m.conversation_id);
      // The list row follows its latest message, as the server's list does after a reload.
      if (c && c.last_seq === m.seq) Object.assign(c, { preview: m.body, preview_deleted: !!m.deleted_at });
      changed();
      return null;
    }
    case 'conversation.updated':
      upsert(d.conversation);
      changed();
      return null;
    case 'conversation.read': {
      const c = S.convs.get(d.conversation_id);
      if (c) c.unread = d.unread;
      const det = S.details.get(d.conversation_id);
      if (det) det.last_read_seq = d.last_read_seq;
      changed();
      return null;
    }
    case 'conversation.followed': {
      const c = S.convs.get(d.conversation_id);
      if (c) c.following = d.following;
      const det = S.details.get(d.conversation_id);
      if (det) det.following = d.following;
      changed();
      return null;
    }
    // Both carry the public settings with the effective state: a change of business hours in another
    // tab, the clock crossing a boundary, the switch ([S12]).
    case 'helpdesk.status':
    case 'settings.updated':
      setHelpdesk({ name: d.helpdesk_name, status: d.status, online: d.online });
      changed();
      return null;
    case 'presence': {
      const u = S.team.get(d.user_id);
      if (u) u.online = d.online;
      changed();
      return null;
    }
    case 'typing': {
      const w = d.who || {};
      if (w.kind === 'user' && w.id === S.me.id) return null;
      if (d.typing) {
        const name = w.name || S.convs.get(d.conversation_id)?.customer_name || '';
        S.typing.set(d.conversation_id, { name, who: `${w.kind}:${w.id}`, until: Date.now() + 6000 });
      } else S.typing.delete(d.conversation_id);
      changed();
      return null;
    }
    default:
      return null;
  }
}
