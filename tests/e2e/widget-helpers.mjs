// Helpers for the widget's browser tests: an agent speaking to the real HTTP API (cookie + CSRF, as
// the Messenger does), and a host website on a second local port that embeds the loader, so the
// widget runs cross-origin exactly as on a customer's site.

import { createServer } from 'node:http';

/** A signed-in Frontdesk user over HTTP. */
export class Agent {
  constructor(base) {
    this.base = base;
    this.cookie = '';
    this.csrf = '';
  }

  async request(method, path, body) {
    const headers = { Origin: this.base };
    if (this.cookie) headers.Cookie = this.cookie;
    if (this.csrf) headers['X-CSRF-Token'] = this.csrf;
    else headers['X-Frontdesk-Request'] = '1';
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const set = r.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0];
    const text = await r.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: r.status, json, text };
  }

  async signedIn() {
    const me = await this.request('GET', '/api/me');
    if (me.status !== 200) throw new Error(`/api/me: ${me.status} ${me.text}`);
    this.csrf = me.json.csrf_token;
    return this;
  }

  /** First-run setup: the admin. */
  static async setup(base) {
    const a = new Agent(base);
    const r = await a.request('POST', '/api/setup', { helpdesk_name: 'Acme', name: 'Ada Admin', email: 'ada@example.com', password: 'correct horse battery' });
    if (r.status !== 201) throw new Error(`setup: ${r.status} ${r.text}`);
    return a.signedIn();
  }

  /** A customer-support agent created by `admin`, signed in. */
  static async create(base, admin, name, email) {
    const r = await admin.request('POST', '/api/users', { email, name, password: 'agent password 1', customer_support: true });
    if (r.status !== 201) throw new Error(`create agent: ${r.status} ${r.text}`);
    const a = new Agent(base);
    const l = await a.request('POST', '/api/login', { email, password: 'agent password 1' });
    if (l.status !== 200) throw new Error(`login: ${l.status} ${l.text}`);
    return a.signedIn();
  }

  async settings(patch) {
    const r = await this.request('PATCH', '/api/settings', patch);
    if (r.status !== 200) throw new Error(`settings: ${r.status} ${r.text}`);
    return r.json.settings;
  }

  async setOnline(online) {
    const r = await this.request('POST', '/api/helpdesk/status', { online });
    if (r.status !== 200) throw new Error(`status: ${r.status} ${r.text}`);
  }

  /** Open live chats ("From customers"). */
  async chats() {
    const r = await this.request('GET', '/api/conversations?section=customers&status=open');
    return r.json.conversations;
  }

  async messages(conversationId) {
    return (await this.request('GET', `/api/conversations/${conversationId}/messages`)).json.messages;
  }

  async reply(conversationId, body) {
    const r = await this.request('POST', `/api/conversations/${conversationId}/messages`, { body });
    if (r.status !== 201) throw new Error(`reply: ${r.status} ${r.text}`);
    return r.json.message;
  }

  /** Poll until a live chat holds a customer message with `body`; returns that conversation. */
  async waitForCustomerMessage(body, timeoutMs = 10000) {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      for (const c of await this.chats()) {
        const msgs = await this.messages(c.id);
        if (msgs.some((m) => m.body === body && m.author.kind === 'customer')) return { conversation: c, messages: msgs };
      }
      await new Promise((ok) => setTimeout(ok, 150));
    }
    throw new Error(`no customer message "${body}" reached the agents`);
  }
}

/**
 * A "customer website" on its own port: `/` embeds the loader; `/hostile` adds CSS and scripts that
 * try to hide or break it; `/identify?user_id=…&user_hash=…` calls Frontdesk.identify.
 */
export async function startHostSite(frontdeskUrl) {
  const tag = `<script async src="${frontdeskUrl}/widget.js"></script>`;
  const page = (title, head, body) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">${head}</head><body>` +
    `<header style="padding:24px 40px;font:600 20px Georgia,serif;border-bottom:1px solid #ddd">Bramble &amp; Co. — handmade ceramics</header>` +
    `<main style="padding:40px;font:16px/1.6 Georgia,serif;max-width:720px"><h1>Spring collection</h1><p>Bowls, mugs and vases thrown by hand in our Lisbon studio. Questions about an order? Chat with us.</p>${body}</main>${tag}</body></html>`;
  const hostileCss = `<style>
    body * { display: none !important; visibility: hidden !important; }
    * { font-family: "Comic Sans MS", cursive !important; color: red !important; box-sizing: content-box !important; }
    iframe { width: 1px !important; height: 1px !important; opacity: 0 !important; border: 9px solid red !important; }
    button, div, span { background: red !important; position: static !important; transform: rotate(3deg) !important; }
    frontdesk-widget { display: none !important; }
  </style>`;
  const hostileJs = `<script>
    window.addEventListener('message', function () { throw new Error('host page handler explodes'); });
    Array.prototype.hostileExtra = function () {};
    Object.prototype.hostileProp = 1;
    setTimeout(function () { throw new Error('host page script throws'); }, 0);
    throw new Error('host page throws while loading');
  </script>`;
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let html;
    if (url.pathname === '/') html = page('Bramble & Co.', '', '');
    else if (url.pathname === '/hostile') html = page('Hostile page', hostileCss + hostileJs, '<p>hostile</p>');
    else if (url.pathname === '/identify') {
      const user = JSON.stringify({ user_id: url.searchParams.get('user_id'), user_hash: url.searchParams.get('user_hash'), name: url.searchParams.get('name') || undefined });
      // Call identify once the loader defined Frontdesk (it loads async).
      html = page('Signed-in page', '', `<script>
        (function go(){ if (window.Frontdesk) { window.Frontdesk.identify(${user}); } else { setTimeout(go, 20); } })();
      </script>`);
    } else { res.writeHead(404); res.end('not found'); return; }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, close: () => new Promise((ok) => server.close(ok)) };
}

/** The chat frame inside `page` (found among frames: the launcher keeps it in a shadow root). */
export async function chatFrame(page, timeoutMs = 10000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const f = page.frames().find((fr) => /\/widget(#|$)/.test(fr.url()));
    if (f) return f;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error('the widget frame never appeared');
}

/**
 * The word trigrams two texts share (lower case, letters and digits only): a phrase said twice. The
 * header and the body of the widget should share none.
 */
export function sharedTrigrams(a, b) {
  const grams = (s) => {
    const w = s.toLowerCase().match(/[\p{L}\p{N}']+/gu) || [];
    return new Set(w.slice(2).map((_, i) => w.slice(i, i + 3).join(' ')));
  };
  const inB = grams(b);
  return [...grams(a)].filter((g) => inB.has(g));
}

/**
 * An init script (context.addInitScript) for the host page: a stand-in AudioContext that counts the
 * notification sounds the loader starts in `window.__beeps` (headless Chromium plays nothing).
 */
export function countBeeps() {
  if (window !== window.top) return;
  window.__beeps = 0;
  const param = { setValueAtTime() {}, exponentialRampToValueAtTime() {} };
  window.AudioContext = class {
    constructor() { this.currentTime = 0; this.destination = {}; }
    createOscillator() { return { type: '', frequency: param, connect() {}, start() { window.__beeps++; }, stop() {} }; }
    createGain() { return { gain: param, connect() {} }; }
  };
}
