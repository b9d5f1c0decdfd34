// The widget's connection to Frontdesk: the visitor token, the HTTP API, the socket with resume, and
// the outbox of messages not yet acknowledged. No DOM here: the UI (frame.js) listens to `onchange`.
//
// Nothing the visitor writes is lost: a message stays in the outbox (kept in localStorage with its
// client_msg_id) until the server acknowledges it after COMMIT, and is sent again after any network
// loss, sleep, reload or server restart; the server turns a repeated client_msg_id into the original.

const TOKEN_KEY = 'frontdesk.token';
const OUTBOX_KEY = 'frontdesk.outbox';
const MAX_BYTES = 16 * 1024;

/** localStorage when the browser lets this frame have it (third-party storage may be blocked). */
const store = (() => {
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
    this.pos = null;
    this.seenSeq = 0;
    this.hasMore = false;
    this.loadingOlder = false;
    this.typingWho = null;
    this.connected = false;
    this.slowUntil = 0;
    this.identity = {};
    this.onchange = () => {};
    this.onmessage = () => {};
    this.onconfig = () => {};
    this.ws = null;
    this.wsReady = false;
    this.failures = 0;
    this.lastFrameAt = 0;
    this.reconnectTimer = 0;
    this.creating = null;
    this.queue = Promise.resolve();
  }

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
        .map((m) => ({ cmid: m.cmid, body: m.body, created_at: m.created_at || Date.now(), state: 'sending' })) : [];
    } catch { return []; }
  }

  saveOutbox() {
    const keep = this.outbox.map(({ cmid, body, created_at }) => ({ cmid, body, created_at }));
    if (keep.length) store.setItem(OUTBOX_KEY, JSON.stringify(keep));
    else store.removeItem(OUTBOX_KEY);
  }

  async api(method, path, body, auth = true) {
    const headers = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (auth && this.token) headers.Authorization = 'Bearer ' + this.token;
    const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
    let data = null;
    try { data = await r.json(); } catch { /* empty or not JSON */ }
    return { status: r.status, data: data || {}, retryAfter: Number(r.headers.get('Retry-After')) || 0 };
  }

  /** Settings first (to draw the widget at all), then the session of a returning visitor. */
  async start() {
    for (let wait = 2000; ; wait = Math.min(wait * 2, 60000)) {
      try {
        const r = await this.api('GET', '/api/widget/settings', undefined, false);
        if (r.status === 200) { this.helpdesk = r.data.helpdesk; break; }
      } catch { /* offline: try again */ }
      await new Promise((ok) => setTimeout(ok, wait));
    }
    this.onconfig();
    this.changed();
    await this.serial(() => this.resumeSession());
    window.addEventListener('online', () => this.nudge());
    document.addEventListener('visibilitychange', () => { if (!document.hidden) this.nudge(); });
    setInterval(() => this.heartbeat(), 10000);
  }

  async resumeSession() {
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
    else store.removeItem(TOKEN_KEY);
  }

  /** GET /api/widget/session: me, my conversation and its latest messages, and where to resume. */
  async loadSession() {
    let r;
    try { r = await this.api('GET', '/api/widget/session'); } catch { return false; }
    if (r.status === 401) {
      // The token is gone (or was never valid): start again as a new visitor, keeping the outbox.
      this.setToken(null);
      this.customer = null;
      this.conversation = null;
      this.messages.clear();
      this.changed();
      return false;
    }
    if (r.status !== 200) return false;
    const d = r.data;
    this.customer = d.customer;
    this.conversation = d.conversation;
    this.helpdesk = Object.assign({}, this.helpdesk, d.helpdesk);
    if (this.pos === null || d.pos > this.pos) this.pos = d.pos;
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

  async ensureVisitor() {
    if (this.token) return true;
    if (!this.creating) {
      this.creating = (async () => {
        const body = Object.assign({ page_url: this.page?.url, referrer: this.page?.referrer, language: navigator.language, timezone: timeZone() }, this.identity);
        for (let wait = 2000; ; wait = Math.min(wait * 2, 30000)) {
          let r = null;
          try { r = await this.api('POST', '/api/widget/visitors', body, false); } catch { /* offline */ }
          if (r && r.status === 201) {
            this.setToken(r.data.token);
            this.customer = r.data.customer;
            await this.loadSession();
            this.connect();
            return true;
          }
          if (r && r.status === 429) this.slow(r.retryAfter);
          else if (r && r.status >= 400 && r.status < 500) { this.fatal = r.data.error || 'refused'; this.changed(); return false; }
          await new Promise((ok) => setTimeout(ok, Math.max(wait, (r?.retryAfter || 0) * 1000)));
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

  /** Queue a message; it is sent as soon as there is a visitor and a connection. */
  send(body) {
    const m = { cmid: randomId(), body, created_at: Date.now(), state: 'sending' };
    this.outbox.push(m);
    this.saveOutbox();
    this.changed();
    this.ensureVisitor().then((ok) => ok && this.flush());
    return m;
  }

  retry(cmid) {
    const m = this.outbox.find((p) => p.cmid === cmid);
    if (!m) return;
    m.state = 'sending';
    m.error = null;
    this.saveOutbox();
    this.changed();
    this.ensureVisitor().then((ok) => ok && this.flush());
  }

  flush() {
    if (!this.token || Date.now() < this.slowUntil) return;
    const todo = this.outbox.filter((m) => m.state === 'sending' && !m.inflight);
    if (!todo.length) return;
    if (this.wsReady) {
      for (const m of todo) {
        m.inflight = true;
        this.ws.send(JSON.stringify({ type: 'send', body: m.body, client_msg_id: m.cmid }));
      }
    } else if (this.failures >= 2) {
      this.flushHttp(todo);
    }
  }

  /** When the socket keeps failing, post over HTTP instead (same client_msg_id, so never twice). */
  async flushHttp(todo) {
    for (const m of todo) {
      m.inflight = true;
      let r = null;
      try { r = await this.api('POST', '/api/widget/messages', { body: m.body, client_msg_id: m.cmid }); } catch { /* offline */ }
      m.inflight = false;
      if (!r) return;
      if (r.status === 200 || r.status === 201) { this.put(r.data.message); this.onmessage(r.data.message, true); }
      else this.refused(m, r.status, r.data.error, r.retryAfter);
      this.changed();
      if (r.status === 429) return;
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

  wsUrl() {
    const u = new URL('/ws/widget', location.href);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    return u.toString();
  }

  connect() {
    if (!this.token || this.ws) return;
    clearTimeout(this.reconnectTimer);
    let opened = false;
    // The token rides in a subprotocol, not the URL, so no proxy logs it; the server selects only
    // `frontdesk` (docs/protocol.md).
    const ws = new WebSocket(this.wsUrl(), ['frontdesk', 'frontdesk.token.' + this.token]);
    this.ws = ws;
    ws.onopen = () => { opened = true; this.lastFrameAt = Date.now(); };
    ws.onmessage = (e) => {
      this.lastFrameAt = Date.now();
      let f;
      try { f = JSON.parse(e.data); } catch { return; }
      this.frame(ws, f);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.wsReady = false;
      for (const m of this.outbox) m.inflight = false;
      if (this.connected) { this.connected = false; this.changed(); }
      this.failures++;
      if (!opened && this.failures % 3 === 0) {
        // Refused at the door: maybe the token is no longer valid.
        this.loadSession().then(() => this.token && this.later());
        return;
      }
      if (this.failures >= 2) this.flush();
      this.later();
    };
  }

  later() {
    clearTimeout(this.reconnectTimer);
    const wait = Math.min(30000, 500 * 2 ** Math.min(this.failures, 6)) * (0.7 + Math.random() * 0.6);
    this.reconnectTimer = setTimeout(() => this.connect(), wait);
  }

  /** Back online, or the tab woke up: reconnect now, or check the socket is still alive. */
  nudge() {
    if (!this.token) return;
    if (!this.ws) { this.failures = Math.min(this.failures, 1); this.connect(); return; }
    if (this.wsReady) this.ws.send('{"type":"ping"}');
  }

  /** The server pings every 30 s; silence for a minute means a dead connection (e.g. after sleep). */
  heartbeat() {
    // A visitor who has not written yet has no socket: re-read the settings every 30 s so the
    // online state (business hours) and the admin's messages stay current all the same.
    if (!this.token) {
      this.idleBeats = (this.idleBeats || 0) + 1;
      if (this.idleBeats % 3 === 0 && !document.hidden) this.refreshSettings();
      return;
    }
    if (!this.ws || !this.wsReady) return;
    const quiet = Date.now() - this.lastFrameAt;
    if (quiet > 60000) this.ws.close();
    else if (quiet > 25000) this.ws.send('{"type":"ping"}');
  }

  async refreshSettings() {
    try {
      const r = await this.api('GET', '/api/widget/settings', undefined, false);
      if (r.status !== 200 || JSON.stringify(r.data.helpdesk) === JSON.stringify(this.helpdesk)) return;
      this.helpdesk = Object.assign({}, this.helpdesk, r.data.helpdesk);
      this.onconfig();
      this.changed();
    } catch { /* offline: the next beat tries again */ }
  }

  frame(ws, f) {
    const d = f.data || {};
    if (typeof f.pos === 'number' && (this.pos === null || f.pos > this.pos)) this.pos = f.pos;
    switch (f.type) {
      case 'hello':
        ws.send(JSON.stringify(this.pos === null ? { type: 'resume' } : { type: 'resume', pos: this.pos }));
        break;
      case 'resumed':
        this.wsReady = true;
        this.failures = 0;
        this.connected = true;
        this.changed();
        this.flush();
        break;
      case 'reload':
        this.pos = f.pos;
        this.loadSession();
        break;
      case 'ack': {
        const m = this.outbox.find((p) => p.cmid === f.client_msg_id);
        if (m) {
          const stored = { id: f.id, seq: f.seq, conversation_id: f.conversation_id, created_at: f.created_at, body: m.body, client_msg_id: m.cmid,
            author: { kind: 'customer', id: this.customer?.id, name: this.customer?.name }, edited_at: null, deleted_at: null };
          if (!this.messages.has(f.id)) { this.put(stored); this.onmessage(stored, true); }
          else this.put(this.messages.get(f.id));
        }
        this.changed();
        break;
      }
      case 'error': {
        const m = f.client_msg_id && this.outbox.find((p) => p.cmid === f.client_msg_id);
        if (m) { this.refused(m, f.status, f.error, 10); this.changed(); }
        break;
      }
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

  /** Tell the agents we are typing (throttled by the caller). */
  typing(on) {
    if (this.wsReady && this.conversation) this.ws.send(JSON.stringify({ type: 'typing', typing: on }));
  }

  async loadOlder() {
    if (!this.hasMore || this.loadingOlder || !this.token) return 0;
    const seqs = [...this.messages.values()].map((m) => m.seq);
    if (!seqs.length) return 0;
    this.loadingOlder = true;
    this.changed();
    let n = 0;
    try {
      const r = await this.api('GET', '/api/widget/messages?before=' + Math.min(...seqs));
      if (r.status === 200) {
        const list = r.data.messages || [];
        for (const m of list) this.put(m);
        n = list.length;
        this.hasMore = list.length >= 50 && list[0].seq > 1;
      }
    } catch { /* try again on the next scroll */ }
    this.loadingOlder = false;
    this.changed();
    return n;
  }

  /** PATCH /api/widget/visitor (name, email, page); creates the visitor first when needed. */
  async profile(fields) {
    if (!this.token) {
      Object.assign(this.identity, fields);
      return { status: 200 };
    }
    const r = await this.api('PATCH', '/api/widget/visitor', fields);
    if (r.status === 200) { this.customer = r.data.customer; this.changed(); }
    return r;
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
        const r = await this.api('POST', '/api/widget/identify', { user_id: u.user_id, ...fields });
        if (r.status === 200) { this.customer = r.data.customer; this.changed(); }
        return;
      }
      const r = await this.api('POST', '/api/widget/identify', u, !!this.token);
      if (r.status !== 200) { console.warn('Frontdesk: identify refused:', r.data.error); return; }
      if (r.data.token) {
        // Another customer (the same user on another device, or a different user here): switch.
        const old = this.ws;
        this.ws = null;
        this.wsReady = false;
        if (old) old.close();
        this.setToken(r.data.token);
        this.messages.clear();
        this.conversation = null;
        this.pos = null;
        this.seenSeq = 0;
        await this.loadSession();
        this.connect();
      } else {
        this.customer = r.data.customer;
        this.changed();
      }
    });
  }
}

/** The visitor's IANA time zone, so agents can see their local time ('' if the browser won't say). */
function timeZone() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch { return ''; }
}
