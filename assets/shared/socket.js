// The one resuming WebSocket of the front ends (docs/protocol.md), for the Messenger (/ws/agent) and
// the widget frame (/ws/widget): connect, `resume` from the last position, reconnect with backoff, a
// ping watchdog, and the close codes that mean "do not come back as you were". Durable events carry
// `pos`; the last one seen is where the next socket resumes, so nothing is missed or seen twice across
// drops (the server never sends a socket anything at or below the position it resumed from).
// Liveness: a watchdog, restarted by every frame received, pings when nothing has come for a while.
// A widget's server sends a `tick` every keepalive round (its `hello` says `keepalive_ms`), so a live
// widget socket never pings (thousands of idle widgets wake no server thread); the Messenger's server
// sends no tick (a browser hides the server's pings), so an idle Messenger pings every 25 s.

const QUIET_MS = 25_000; // no frame this long (no keepalive_ms): ping; notices a dead network long before the server does (75 s)
const PONG_WITHIN_MS = 10_000; // no frame at all this long after a ping: the connection is dead
const MIN_MARGIN_MS = 2_000; // a tick may be this late (or a third of the round, if more) before we ping
const SESSION_ENDED = 4001;
const PERMISSIONS_CHANGED = 4002;

export class Socket {
  /**
   * @param {object} o
   * @param {string} o.path `/ws/agent` or `/ws/widget`, on this page's host
   * @param {() => string[]} [o.protocols] the subprotocols to offer, asked at each connect (the widget:
   *   `['frontdesk', 'frontdesk.token.' + token]`: the token never goes in the URL)
   * @param {{base: number, max: number}} [o.backoff] the n-th reconnect in a row waits base·2^(n-1) ms,
   *   at most max, ±25 %
   * Handlers (all optional):
   * - onEvent(frame): a pushed event; durable ones carry `pos`
   * - onReply(frame): `ack`, `error` or `read.ok`, answering something we sent
   * - onState('connecting' | 'open' | 'down'): first connect; resumed and live; lost (reconnecting)
   * - onOpen(): resumed and live: flush what waits to be sent
   * - onReload(pos): too far behind: fetch state over HTTP again (the next resume starts at `pos`)
   * - onSessionEnded(): closed with 4001 (the session ended); no reconnect. Without it, 4001 is a drop.
   * - onPermissionsChanged(): closed with 4002 (role or scope changed); no reconnect. Without it, a drop.
   * - onRefused(): every third refusal in a row before the socket opened (a token gone bad?); resolves
   *   to false to stop reconnecting until the next start()
   */
  constructor({ path, protocols = null, backoff = { base: 400, max: 10_000 }, ...handlers }) {
    this.path = path;
    this.protocols = protocols;
    this.backoff = backoff;
    this.h = handlers;
    /** The position to resume from: the last durable event seen (null: start live from now). */
    this.pos = null;
    /** Connections lost or refused in a row since the last successful resume. */
    this.failures = 0;
    this.live = false;
    this.ws = null;
    this.stopped = true;
    this.timer = 0;
    this.watchdog = 0;
    this.pongTimer = 0;
    /** How long without a frame before we ping (from the socket's hello). */
    this.quiet = QUIET_MS;
    this.heldUntil = 0;
    window.addEventListener('online', () => this.wake());
  }

  emit(name, ...args) {
    const f = this.h[name];
    return f ? f(...args) : undefined;
  }

  /** Connect (now, unless already connected or connecting), resuming after `pos` if given. */
  start(pos) {
    if (pos !== undefined) this.pos = pos;
    this.stopped = false;
    if (!this.ws) this.connect();
  }

  /** Close for good (until the next start): no reconnect, no more handlers called. */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    const ws = this.ws;
    this.lost();
    if (ws) { ws.onclose = null; try { ws.close(); } catch { /* already closed */ } }
  }

  connect() {
    clearTimeout(this.timer);
    if (this.stopped || this.ws) return;
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + this.path;
    let ws;
    try { ws = this.protocols ? new WebSocket(url, this.protocols()) : new WebSocket(url); } catch { this.reconnectSoon(); return; }
    this.ws = ws;
    this.live = false;
    this.quiet = QUIET_MS;
    let opened = false;
    if (!this.failures) this.emit('onState', 'connecting');
    ws.onopen = () => { opened = true; };
    ws.onmessage = (e) => {
      if (this.ws !== ws) return;
      clearTimeout(this.pongTimer); // any frame shows the connection is alive
      let f = null;
      try { f = JSON.parse(e.data); } catch { /* not ours, but still a sign of life */ }
      if (f) this.frame(f);
      if (this.ws === ws) this.watch(); // and restarts the watchdog
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.lost();
      if (e.code === SESSION_ENDED && this.h.onSessionEnded) { this.stopped = true; this.h.onSessionEnded(); return; }
      if (e.code === PERMISSIONS_CHANGED && this.h.onPermissionsChanged) { this.stopped = true; this.h.onPermissionsChanged(); return; }
      this.failures++;
      this.emit('onState', 'down');
      if (!opened && this.failures % 3 === 0 && this.h.onRefused) {
        Promise.resolve(this.h.onRefused()).catch(() => true).then((again) => {
          if (this.stopped || this.ws) return; // stopped or started again meanwhile
          if (again === false) this.stopped = true;
          else this.reconnectSoon();
        });
        return;
      }
      this.reconnectSoon();
    };
    ws.onerror = () => {};
  }

  /** The current socket is gone: forget it and its watchdog. */
  lost() {
    this.ws = null;
    this.live = false;
    clearTimeout(this.watchdog);
    clearTimeout(this.pongTimer);
  }

  /** (Re)start the watchdog: `quiet` ms without a frame, and we ping (once live). */
  watch() {
    clearTimeout(this.watchdog);
    if (this.live) this.watchdog = setTimeout(() => this.ping(), this.quiet);
  }

  frame(f) {
    if (typeof f.pos === 'number' && f.type !== 'reload' && (this.pos === null || f.pos > this.pos)) this.pos = f.pos;
    switch (f.type) {
      case 'hello': {
        // A tick every keepalive_ms: ping only when one is a third of a round late (at least 2 s).
        const k = f.keepalive_ms;
        this.quiet = Number.isFinite(k) && k > 0 ? k + Math.max(k / 3, MIN_MARGIN_MS) : QUIET_MS;
        this.ws.send(JSON.stringify(this.pos === null ? { type: 'resume' } : { type: 'resume', pos: this.pos }));
        break;
      }
      case 'resumed':
        this.live = true; // the watchdog starts once this frame is handled (onmessage)
        this.failures = 0;
        this.emit('onState', 'open');
        this.emit('onOpen');
        break;
      case 'reload':
        this.pos = f.pos;
        this.emit('onReload', f.pos);
        break;
      case 'pong': case 'tick':
        break;
      case 'ack': case 'error': case 'read.ok':
        this.emit('onReply', f);
        break;
      default:
        this.emit('onEvent', f);
    }
  }

  /** Ask the server for a pong; no frame within 10 s drops the socket (and reconnects). */
  ping() {
    if (!this.live || !this.ws || this.ws.readyState !== 1) return;
    this.ws.send('{"type":"ping"}');
    clearTimeout(this.watchdog); // any frame restarts it
    clearTimeout(this.pongTimer);
    this.pongTimer = setTimeout(() => this.drop(), PONG_WITHIN_MS);
  }

  reconnectSoon(delay) {
    if (this.stopped || this.ws) return;
    clearTimeout(this.timer);
    const { base, max } = this.backoff;
    let d = delay ?? Math.min(max, base * 2 ** Math.max(0, this.failures - 1)) * (0.75 + Math.random() / 2);
    if (this.heldUntil > Date.now()) d = Math.max(d, this.heldUntil - Date.now());
    this.timer = setTimeout(() => this.connect(), d);
  }

  /**
   * Close the socket as if the network dropped, and reconnect (also the tests' hook). With `holdMs`,
   * stay away that long first (a longer outage).
   */
  drop(holdMs) {
    const ws = this.ws;
    if (holdMs) this.heldUntil = Date.now() + holdMs;
    if (!ws) return;
    ws.onclose = null;
    this.lost();
    try { ws.close(); } catch { /* already closed */ }
    this.failures++;
    this.emit('onState', 'down');
    this.reconnectSoon();
  }

  /** End a hold (see drop) early, and reconnect now. */
  release() {
    this.heldUntil = 0;
    this.wake();
  }

  /**
   * Back online, or the tab woke up: reconnect now if down (forgetting most of the backoff; a hold
   * still holds), or check that a live socket still answers.
   */
  wake() {
    if (this.stopped) return;
    if (this.ws) { this.ping(); return; }
    this.failures = Math.min(this.failures, 1);
    this.reconnectSoon(0);
  }

  /** Send a frame if live; false when it must wait for the next connection. */
  send(obj) {
    if (!this.live || !this.ws || this.ws.readyState !== 1) return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }
}
