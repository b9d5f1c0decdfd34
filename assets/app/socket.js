// The agent WebSocket (docs/protocol.md): connect, `resume` from the last position, reconnect with
// backoff, and report what happens. Durable events carry `pos`; the last one seen is where the next
// socket resumes, so nothing is missed or seen twice across drops.

export class Socket {
  /**
   * @param {object} h handlers: onEvent(frame), onReply(frame), onState('connecting'|'open'|'down'),
   *   onReload(pos) (state must be refetched), onOpen() (resumed and live: flush queued sends)
   */
  constructor(h) {
    this.h = h;
    this.pos = null;
    this.ws = null;
    this.live = false;
    this.attempt = 0;
    this.timer = null;
    this.stopped = false;
    window.addEventListener('online', () => this.reconnectSoon(0));
  }

  start(pos) {
    this.pos = pos;
    this.connect();
  }

  connect() {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws/agent';
    let ws;
    try { ws = new WebSocket(url); } catch { this.reconnectSoon(); return; }
    this.ws = ws;
    this.live = false;
    this.h.onState(this.attempt ? 'down' : 'connecting');
    ws.onmessage = (e) => {
      let f;
      try { f = JSON.parse(e.data); } catch { return; }
      this.frame(f);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.live = false;
      clearInterval(this.pinger);
      // 4001: the session ended (signed out elsewhere, password changed, expired): sign in again.
      // 4002: our permissions changed: start over, so lists show what we may see now.
      if (e.code === 4001) { this.stopped = true; location.href = '/login'; return; }
      if (e.code === 4002) { this.stopped = true; location.reload(); return; }
      this.h.onState('down');
      this.reconnectSoon();
    };
    ws.onerror = () => {};
  }

  frame(f) {
    switch (f.type) {
      case 'hello':
        this.ws.send(JSON.stringify(this.pos === null ? { type: 'resume' } : { type: 'resume', pos: this.pos }));
        break;
      case 'resumed':
        if (typeof f.pos === 'number') this.pos = Math.max(this.pos ?? 0, f.pos);
        this.live = true;
        this.attempt = 0;
        clearInterval(this.pinger);
        // Our own pings notice a dead network long before the server's 75 s timeout would.
        this.pinger = setInterval(() => this.ping(), 25_000);
        this.h.onState('open');
        this.h.onOpen();
        break;
      case 'reload':
        this.pos = f.pos;
        this.h.onReload(f.pos);
        break;
      case 'pong':
        clearTimeout(this.pongTimer);
        break;
      case 'ack': case 'error': case 'read.ok':
        this.h.onReply(f);
        break;
      default:
        if (typeof f.pos === 'number') {
          if (this.pos !== null && f.pos <= this.pos) return; // already applied
          this.pos = f.pos;
        }
        this.h.onEvent(f);
    }
  }

  ping() {
    if (!this.ws || this.ws.readyState !== 1) return;
    this.ws.send('{"type":"ping"}');
    clearTimeout(this.pongTimer);
    this.pongTimer = setTimeout(() => this.drop(), 10_000);
  }

  reconnectSoon(delay) {
    if (this.stopped || this.ws) return;
    clearTimeout(this.timer);
    let d = delay ?? Math.min(10_000, 400 * 2 ** this.attempt) * (0.75 + Math.random() / 2);
    if (this.heldUntil > Date.now()) d = Math.max(d, this.heldUntil - Date.now());
    this.attempt++;
    this.timer = setTimeout(() => this.connect(), d);
  }

  /**
   * Close the socket as if the network dropped (also the tests' hook). With `holdMs`, stay away that
   * long before reconnecting (a longer outage).
   */
  drop(holdMs) {
    const ws = this.ws;
    if (holdMs) this.heldUntil = Date.now() + holdMs;
    if (!ws) return;
    ws.onclose = null;
    this.ws = null;
    this.live = false;
    clearInterval(this.pinger);
    try { ws.close(); } catch { /* already closed */ }
    this.h.onState('down');
    this.reconnectSoon();
  }

  /** End a hold early and reconnect now. */
  resume() {
    this.heldUntil = 0;
    this.reconnectSoon(0);
  }

  /** Send a frame if live; false when it must wait for the next connection. */
  send(obj) {
    if (!this.live || !this.ws || this.ws.readyState !== 1) return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }
}
