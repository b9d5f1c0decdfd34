// The widget's connection to Frontdesk: the visitor token, the calls to the widget API and the socket
// (both from the shared kit: ../shared/http.js, ../shared/socket.js), and the outbox of messages not
// yet acknowledged. No DOM here: the UI (frame.js) listens to `onchange`.
//
// Nothing the visitor writes is lost: a message stays in the outbox (kept in localStorage with its
// client_msg_id) until the server acknowledges it after COMMIT, and is sent again after any network
// loss, sleep, reload or server restart; the server turns a repeated client_msg_id into the original.

import { client } from '../shared/http.js';
import { Socket } from '../shared/socket.js';

const TOKEN_KEY = 'frontdesk.token';
const OUTBOX_KEY = 'frontdesk.outbox';
const MAX_BYTES = 16 * 1024;

/** localStorage when the browser lets this frame have it (third-party storage may be blocked); else memory. */
export const store = (() => {
  try {
    localStorage.setItem('frontdesk.probe', '1');
    localStorage.removeItem('frontdesk.probe');
    return localStorage;
  } catch {
    const m = new Map();
    return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), removeItem: (k) => m.delete(k) };
  }
})();

const randomId = () => {
  const b = new Uint8Array(8);
  crypto.getRandomValues(b);
  return 'w-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
};

export const tooLong = (body) => new TextEncoder().encode(body).length > MAX_BYTES;

export class Chat {
  constructor() {
    this.token = store.getItem(TOKEN_KEY);
    this.customer = null;
    this.conversation = null;
    this.helpdesk = null;
    /** Stored messages by id. */
    this.messages = new Map();
    /** Not yet acknowledged: {cmid, body, state: 'sending'|'failed', error, created_at, inflight}. */
    this.outbox = this.loadOutbox();
    this.seenSeq = 0;
    /** How far the visitor's reading was reported (agents see "Seen" up to there). */
    this.readSent = 0;
    this.hasMore = false;
    this.loadingOlder = false;
    this.typingWho = null;
    this.connected = false;
    this.slowUntil = 0;
    this.identity = {};
    this.onchange = () => {};
    this.onmessage = () => {};
    this.onconfig = () => {};
    this.creating = null;
    this.queue = Promise.resolve();
    // The frame is on our own origin: never send an agent's session cookie along.
    const http = { credentials: 'omit', cache: 'no-store' };
    /** Calls as this visitor (the token, when there is one) … */
    this.api = client({ auth: 'visitor', token: () => this.token, ...http });
    /** … and calls made as nobody yet (the public settings, creating the visitor). */
    this.anon = client({ auth: 'visitor', token: () => null, ...http });
    // The token rides in a subprotocol, not the URL, so no proxy logs it; the server selects only
    // `frontdesk` (docs/protocol.md).
    this.socket = new Socket({
      path: '/ws/widget',
      protocols: () => ['frontdesk', 'frontdesk.token.' + this.token],
      backoff: { base: 1000, max: 30_000 },
      onState: (st) => this.socketState(st),
      onOpen: () => this.flush(),
      onEvent: (f) => this.event(f),
      onReply: (f) => this.reply(f),
      onReload: () => this.loadSession(),
      // Refused at the door again and again: maybe the token is no longer valid.
      onRefused: () => this.loadSession().then(() => !!this.token),
    });
  }

  /** Connections lost in a row (the UI shows "reconnecting" after two; sends go over HTTP then). */
  get failures() { return this.socket.failures; }

  changed() { try { this.onchange(); } catch (e) { console.error(e); } }

  /** Run `fn` after whatever is in progress (start, identify): they all swap session state. */
  serial(fn) {
    this.queue = this.queue.then(fn).catch((e) => console.warn('Frontdesk:', e));
    return this.queue;
  }

  loadOutbox() {
    try {
      const v = JSON.parse(store.getItem(OUTBOX_KEY) || '[]');
      return Array.isArray(v) ? v.filter((m) => m && typeof m.cmid === 'string' && typeof m.body === 'string')
        .map((m) => ({ cmid: m.cmid, body: m.body, created_at: m.created_at || Date.now(), state: 'sending',
          files: Array.isArray(m.files) ? m.files.filter((a) => a && typeof a.id === 'string') : [] })) : [];
    } catch { return []; }
  }

  saveOutbox() {
    // A message whose files are still uploading lives in memory only (the bytes cannot be kept);
    // once they are stored it is kept like any other, with its files' ids.
    const keep = this.outbox.filter((m) => !(m.uploads || []).some((u) => u.state !== 'done'))
      .map(({ cmid, body, created_at, uploads, files }) => ({ cmid, body, created_at, files: uploads ? uploads.map((u) => u.attachment) : files || [] }));
    if (keep.length) store.setItem(OUTBOX_KEY, JSON.stringify(keep));
    else store.removeItem(OUTBOX_KEY);
  }

  /** Settings first (to draw the widget at all), then the session of a returning visitor. */
  async start() {
    for (let wait = 2000; ; wait = Math.min(wait * 2, 60000)) {
      try {
        this.helpdesk = (await this.anon.get('/api/widget/settings')).helpdesk;
        break;
      } catch { /* offline: try again */ }
      await new Promise((ok) => setTimeout(ok, wait));
    }
    this.onconfig();
    this.changed();
    await this.serial(() => this.resumeSession());
    document.addEventListener('visibilitychange', () => { if (!document.hidden) this.socket.wake(); });
    setInterval(() => this.heartbeat(), 10000);
  }

  async resumeSession() {
    // Opened from the link in one of our mails (loader.js): that conversation becomes this browser's.
    const link = new URLSearchParams(location.search).get('resume');
    if (link) {
      history.replaceState(null, '', location.pathname + location.hash);
      try {
        const r = await this.anon.post('/api/widget/resume', { token: link });
        this.setToken(r.token);
      } catch (e) {
        this.linkError = e.data?.error || 'expired';
      }
    }
    if (!this.token) {
      if (this.outbox.length) await this.ensureVisitor();
      return;
    }
    await this.loadSession();
    this.connect();
  }

  setToken(t) {
    this.token = t;
    if (t) store.setItem(TOKEN_KEY, t);
    else { store.removeItem(TOKEN_KEY); this.socket.stop(); }
  }

  /** Open the socket (if there is a visitor and it is not open yet), resuming where we are. */
  connect() {
    if (this.token) this.socket.start();
  }

  /** GET /api/widget/session: me, my conversation and its latest messages, and where to resume. */
  async loadSession() {
    let d;
    try {
      d = await this.api.get('/api/widget/session');
    } catch (e) {
      if (e.status !== 401) return false;
      // The token is gone (or was never valid): start again as a new visitor, keeping the outbox.
      this.setToken(null);
      this.customer = null;
      this.conversation = null;
      this.messages.clear();
      this.changed();
      return false;
    }
    this.customer = d.customer;
    this.conversation = d.conversation;
    this.helpdesk = Object.assign({}, this.helpdesk, d.helpdesk);
    if (this.socket.pos === null || d.pos > this.socket.pos) this.socket.pos = d.pos;
    for (const m of d.messages || []) this.put(m);
    const first = d.messages && d.messages[0];
    this.hasMore = !!first && first.seq > 1 && this.messages.size >= 50;
    this.onconfig();
    this.changed();
    return true;
  }

  /** A stored message arrived (from HTTP, an ack or an event); it replaces any pending copy. */
  put(m) {
    const known = this.messages.has(m.id);
    this.messages.set(m.id, m);
    if (m.client_msg_id && m.author && m.author.kind === 'customer') {
      const before = this.outbox.length;
      this.outbox = this.outbox.filter((p) => p.cmid !== m.client_msg_id);
      if (before !== this.outbox.length) this.saveOutbox();
    }
    if (this.conversation === null || (this.conversation && this.conversation.id !== m.conversation_id && m.conversation_id)) {
      this.conversation = Object.assign({}, this.conversation, { id: m.conversation_id });
    }
    return !known;
  }

  /** Ask for the conversation by mail, to `email` (or the address the visitor left). */
  async transcript(email) {
    if (!this.token) await this.ensureVisitor();
    return this.api.post('/api/widget/transcript', email ? { email } : {});
  }

  async ensureVisitor() {
    if (this.token) return true;
    if (!this.creating) {
      this.creating = (async () => {
        const body = Object.assign({ page_url: this.page?.url, referrer: this.page?.referrer, language: navigator.language, timezone: timeZone() }, this.identity);
        for (let wait = 2000; ; wait = Math.min(wait * 2, 30000)) {
          let r = null, e = null;
          try { r = await this.anon.post('/api/widget/visitors', body); } catch (err) { e = err; }
          if (r) {
            this.setToken(r.token);
            this.customer = r.customer;
            await this.loadSession();
            this.connect();
            return true;
          }
          if (e.status === 429) this.slow(e.retryAfter);
          else if (e.status >= 400 && e.status < 500) { this.fatal = e.data.error || 'refused'; this.changed(); return false; }
          await new Promise((ok) => setTimeout(ok, Math.max(wait, (e.retryAfter || 0) * 1000)));
        }
      })().finally(() => { this.creating = null; });
    }
    return this.creating;
  }

  slow(secs) {
    this.slowUntil = Date.now() + Math.max(3, secs || 5) * 1000;
    this.changed();
    setTimeout(() => { this.changed(); this.flush(); }, Math.max(3, secs || 5) * 1000 + 50);
  }

  /**
   * Queue a message; it is sent as soon as there is a visitor and a connection, and its files (the
   * `uploads` of attach.js) have all been stored.
   */
  send(body, uploads = []) {
    const m = { cmid: randomId(), body, created_at: Date.now(), state: 'sending', uploads, files: [] };
    this.outbox.push(m);
    this.saveOutbox();
    this.changed();
    for (const u of uploads) {
      u.opts.onchange = () => this.changed(); // its progress now shows in the message
      u.done.then(() => { this.saveOutbox(); this.changed(); this.flush(); });
    }
    this.ensureVisitor().then((ok) => ok && this.flush());
    return m;
  }

  /** The file ids of a message ready to go, or null while any is still uploading (failing it if one was refused). */
  filesOf(m) {
    if (!m.uploads) return (m.files || []).map((a) => a.id);
    const failed = m.uploads.find((u) => u.state === 'failed');
    if (failed) {
      m.state = 'failed';
      m.error = `${failed.name}: ${failed.error}`;
      return null;
    }
    if (m.uploads.some((u) => u.state !== 'done')) return null;
    return m.uploads.map((u) => u.attachment.id);
  }

  /** Upload a file as this visitor (attach.js makes sure there is one first). */
  headers() { return { Authorization: this.token ? 'Bearer ' + this.token : '' }; }

  /** A file of this conversation as a blob URL (the file routes want the token, which an <img> cannot send). */
  fileUrl(id, thumb) {
    this.blobs = this.blobs || new Map();
    const key = id + (thumb ? '?thumb=1' : '');
    if (!this.blobs.has(key)) {
      this.blobs.set(key, fetch('/api/widget/files/' + encodeURIComponent(id) + (thumb ? '?thumb=1' : ''), { headers: this.headers(), credentials: 'omit' })
        .then((r) => (r.ok ? r.blob() : Promise.reject(new Error('HTTP ' + r.status))))
        .then((b) => URL.createObjectURL(b))
        .catch((e) => { this.blobs.delete(key); throw e; }));
    }
    return this.blobs.get(key);
  }

  retry(cmid) {
    const m = this.outbox.find((p) => p.cmid === cmid);
    if (!m) return;
    m.state = 'sending';
    m.error = null;
    // A file that was refused stays behind; the rest (and the text) go.
    if (m.uploads) m.uploads = m.uploads.filter((u) => u.state !== 'failed');
    if (!m.body.trim() && m.uploads && !m.uploads.length) this.outbox = this.outbox.filter((p) => p !== m);
    this.saveOutbox();
    this.changed();
    this.ensureVisitor().then((ok) => ok && this.flush());
  }

  flush() {
    if (!this.token || Date.now() < this.slowUntil) return;
    const todo = this.outbox.filter((m) => m.state === 'sending' && !m.inflight && this.filesOf(m) !== null);
    if (this.outbox.some((m) => m.state === 'failed')) { this.saveOutbox(); this.changed(); }
    if (!todo.length) return;
    if (this.socket.live) {
      for (const m of todo) {
        m.inflight = true;
        const files = this.filesOf(m);
        this.socket.send({ type: 'send', body: m.body, client_msg_id: m.cmid, attachments: files.length ? files : undefined });
      }
    } else if (this.failures >= 2) {
      this.flushHttp(todo);
    }
  }

  /** When the socket keeps failing, post over HTTP instead (same client_msg_id, so never twice). */
  async flushHttp(todo) {
    for (const m of todo) {
      m.inflight = true;
      let r = null, e = null;
      const files = this.filesOf(m) || [];
      try { r = await this.api.post('/api/widget/messages', { body: m.body, client_msg_id: m.cmid, attachments: files }); } catch (err) { e = err; }
      m.inflight = false;
      if (e?.status === 0) return; // offline
      if (r) { this.put(r.message); this.onmessage(r.message, true); }
      else this.refused(m, e.status, e.data.error, e.retryAfter);
      this.changed();
      if (e?.status === 429) return;
    }
  }

  refused(m, status, error, retryAfter) {
    m.inflight = false;
    if (status === 429) { this.slow(retryAfter); return; }
    if (status >= 500) return; // kept: sent again on the next connection
    m.state = 'failed';
    m.status = status;
    m.error = error || '';
    this.saveOutbox();
  }

  /** The socket opened (resumed and live) or went down. */
  socketState(st) {
    if (st === 'open') {
      this.connected = true;
      this.readSent = 0; // said again on the new socket, in case the last one lost it
      this.changed();
    } else if (st === 'down') {
      for (const m of this.outbox) m.inflight = false;
      if (this.connected) { this.connected = false; this.changed(); }
      if (this.failures >= 2) this.flush();
    }
  }

  /**
   * A visitor who has not written yet has no socket: re-read the settings every 30 s so the online
   * state (business hours) and the admin's messages stay current all the same.
   */
  heartbeat() {
    if (this.token) return;
    this.idleBeats = (this.idleBeats || 0) + 1;
    if (this.idleBeats % 3 === 0 && !document.hidden) this.refreshSettings();
  }

  async refreshSettings() {
    try {
      const r = await this.anon.get('/api/widget/settings');
      if (JSON.stringify(r.helpdesk) === JSON.stringify(this.helpdesk)) return;
      this.helpdesk = Object.assign({}, this.helpdesk, r.helpdesk);
      this.onconfig();
      this.changed();
    } catch { /* offline: the next beat tries again */ }
  }

  /** The answer to something we sent: a message stored (`ack`) or refused (`error`). */
  reply(f) {
    if (f.type === 'ack') {
      const m = this.outbox.find((p) => p.cmid === f.client_msg_id);
      if (m) {
        const stored = { id: f.id, seq: f.seq, conversation_id: f.conversation_id, created_at: f.created_at, body: m.body, client_msg_id: m.cmid,
          author: { kind: 'customer', id: this.customer?.id, name: this.customer?.name }, edited_at: null, deleted_at: null,
          attachments: m.uploads ? m.uploads.map((u) => u.attachment) : m.files || [] };
        if (!this.messages.has(f.id)) { this.put(stored); this.onmessage(stored, true); }
        else this.put(this.messages.get(f.id));
      }
      this.changed();
    } else if (f.type === 'error') {
      const m = f.client_msg_id && this.outbox.find((p) => p.cmid === f.client_msg_id);
      if (m) { this.refused(m, f.status, f.error, 10); this.changed(); }
    }
  }

  /** A pushed event (the customer's projection of it: docs/protocol.md). */
  event(f) {
    const d = f.data || {};
    switch (f.type) {
      case 'message.created': {
        const fresh = this.put(d.message);
        if (d.conversation) this.conversation = Object.assign({}, this.conversation, { id: d.conversation.id, status: d.conversation.status });
        if (d.message.author?.kind === 'user' && this.typingWho) this.typingWho = null;
        if (fresh) this.onmessage(d.message, false);
        this.changed();
        break;
      }
      case 'message.updated':
      case 'message.deleted':
        if (d.message && this.messages.has(d.message.id)) { this.messages.set(d.message.id, d.message); this.changed(); }
        break;
      case 'conversation.created':
      case 'conversation.updated':
        if (d.conversation) { this.conversation = Object.assign({}, this.conversation, { id: d.conversation.id, status: d.conversation.status }); this.changed(); }
        break;
      case 'conversation.seen':
        if (d.seq > this.seenSeq) { this.seenSeq = d.seq; this.changed(); }
        break;
      case 'helpdesk.status':
      case 'settings.updated':
        this.helpdesk = Object.assign({}, this.helpdesk, d);
        this.onconfig();
        this.changed();
        break;
      case 'typing':
        if (d.who && d.who.kind === 'user') {
          this.typingWho = d.typing ? { name: d.who.name, until: Date.now() + 8000 } : null;
          this.changed();
          if (d.typing) setTimeout(() => this.changed(), 8100);
        }
        break;
      default:
        break;
    }
  }

  /**
   * The visitor has the chat open and in view: tell the desk they have read the desk's messages so
   * far, so agents see "Seen" (once per new message; nothing while the socket is down).
   */
  markRead() {
    let last = 0;
    for (const m of this.messages.values()) if (m.author?.kind !== 'customer' && m.seq > last) last = m.seq;
    if (last > this.readSent && this.socket.send({ type: 'read', seq: last })) this.readSent = last;
  }

  /** Tell the agents we are typing (throttled by the caller). */
  typing(on) {
    if (this.conversation) this.socket.send({ type: 'typing', typing: on });
  }

  async loadOlder() {
    if (!this.hasMore || this.loadingOlder || !this.token) return 0;
    const seqs = [...this.messages.values()].map((m) => m.seq);
    if (!seqs.length) return 0;
    this.loadingOlder = true;
    this.changed();
    let n = 0;
    try {
      const list = (await this.api.get('/api/widget/messages?before=' + Math.min(...seqs))).messages || [];
      for (const m of list) this.put(m);
      n = list.length;
      this.hasMore = list.length >= 50 && list[0].seq > 1;
    } catch { /* try again on the next scroll */ }
    this.loadingOlder = false;
    this.changed();
    return n;
  }

  /**
   * PATCH /api/widget/visitor (name, email, page), or kept for when the visitor is created. Rejects
   * with the HttpError when refused.
   */
  async profile(fields) {
    if (!this.token) {
      Object.assign(this.identity, fields);
      return;
    }
    this.customer = (await this.api.patch('/api/widget/visitor', fields)).customer;
    this.changed();
  }

  /**
   * Answer the satisfaction question of closing `closing` (POST /api/widget/csat): stars 1–5, or
   * thumbs 1 (up) / 0 (down). The question shows the answer at once; the server's `message.updated`
   * confirms it on every tab. Rejects with the HttpError when refused.
   */
  async rate(closing, score, comment) {
    const r = await this.api.post('/api/widget/csat', { closing, score, comment });
    for (const m of this.messages.values()) {
      if (m.system?.csat?.closing === closing) this.messages.set(m.id, { ...m, system: { ...m.system, csat: { ...m.system.csat, score: r.rating.score } } });
    }
    this.changed();
    return r.rating;
  }

  /** The host page said who its user is (Frontdesk.identify). */
  identify(u) {
    return this.serial(async () => {
      if (!u.user_hash) {
        const fields = {};
        if (u.name) fields.name = u.name;
        if (u.email) fields.email = u.email;
        if (!this.token) { Object.assign(this.identity, fields); return; }
        if (this.customer?.verified) return;
        try {
          this.customer = (await this.api.post('/api/widget/identify', { user_id: u.user_id, ...fields })).customer;
          this.changed();
        } catch (e) { if (e.status === 0) throw e; /* refused: nothing changes */ }
        return;
      }
      let r;
      try {
        r = await this.api.post('/api/widget/identify', u);
      } catch (e) {
        if (e.status === 0) throw e;
        console.warn('Frontdesk: identify refused:', e.data.error);
        return;
      }
      if (r.token) {
        // Another customer (the same user on another device, or a different user here): switch.
        this.socket.stop();
        this.socket.pos = null;
        this.setToken(r.token);
        this.messages.clear();
        this.conversation = null;
        this.seenSeq = 0;
        this.readSent = 0;
        await this.loadSession();
        this.connect();
      } else {
        this.customer = r.customer;
        this.changed();
      }
    });
  }
}

/** The visitor's IANA time zone, so agents can see their local time ('' if the browser won't say). */
function timeZone() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch { return ''; }
}
