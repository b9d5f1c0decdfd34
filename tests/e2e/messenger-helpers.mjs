// Helpers for the Messenger's browser tests: the fixture every such file starts with (server, Chromium,
// the first admin), a user over the HTTP API (cookie + CSRF), a customer over the widget API (Bearer
// token), and signing a browser page in.
import { after, before } from 'node:test';
import { launchBrowser, skipOrFail, startServer } from './lib.mjs';
import { startHostSite } from './widget-helpers.mjs';

/**
 * The fixture of a Messenger browser test file: the real server, Chromium and the first admin, made
 * before the file's tests and closed after them (with `site`, also a host site that embeds the widget).
 * The fields are set by `before`, which then runs `setup(desk)` if given (node's runner does not wait for
 * one root `before` hook before starting the next); when `skip` is set (no Chromium outside CI) nothing
 * starts.
 */
export function deskFixture({ site = false, setup } = {}) {
  const desk = { skip: skipOrFail(), server: null, browser: null, admin: null, site: null };
  before(async () => {
    if (desk.skip) return;
    desk.server = await startServer();
    if (site) desk.site = await startHostSite(desk.server.url);
    desk.browser = await launchBrowser();
    desk.admin = await User.setup(desk.server.url);
    await setup?.(desk);
  });
  after(async () => {
    await desk.browser?.close();
    await desk.site?.close();
    await desk.server?.stop();
  });
  return desk;
}

/**
 * A fresh browser context signed in through the real form as `email`. JS dialogs and page errors are
 * collected in `problems` (a `confirm()` is accepted when `acceptConfirm`); `init` runs in every page
 * before the page's own scripts.
 */
/** A page in a new context that carries `user`'s session cookie (no sign-in form), opened at `path`;
 *  page errors are collected in `problems`, dialogs accepted when `acceptDialogs`. */
export async function sessionPage(browser, url, user, path, { ctxOpts = {}, acceptDialogs = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...ctxOpts });
  const at = user.cookie.indexOf('=');
  await context.addCookies([{ name: user.cookie.slice(0, at), value: user.cookie.slice(at + 1), url }]);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  if (acceptDialogs) page.on('dialog', (d) => d.accept());
  await page.goto(url + path);
  return { context, page, problems };
}

export async function signedInPage(desk, email, password, { ctxOpts = {}, init, acceptConfirm = false } = {}) {
  const context = await desk.browser.newContext({ viewport: { width: 1280, height: 800 }, ...ctxOpts });
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  const problems = [];
  page.on('dialog', (d) => {
    if (acceptConfirm && d.type() === 'confirm') return d.accept().catch(() => {});
    problems.push(`dialog opened: ${d.type()} ${d.message()}`);
    return d.dismiss().catch(() => {});
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await signIn(page, desk.server.url, email, password);
  return { page, context, problems };
}

/** A new user made by the fixture's admin (`opts` as `User.createUser`), signed in as `signedInPage` does. */
export async function agentPage(desk, name, email, { opts = {}, ...page } = {}) {
  const user = await desk.admin.createUser(name, email, opts);
  return { ...(await signedInPage(desk, user.email, user.password, page)), user };
}

/**
 * Init script: stand-ins for the chime (AudioContext, its notes counted in `window.__beeps`) and
 * browser notifications (permission granted, each one recorded in `window.__alerts`); headless
 * Chromium plays and shows nothing.
 */
export function recordAlerts() {
  window.__beeps = 0;
  window.__alerts = [];
  const param = { setValueAtTime() {}, exponentialRampToValueAtTime() {} };
  window.AudioContext = class {
    constructor() { this.state = 'running'; this.currentTime = 0; this.destination = {}; }
    resume() { return Promise.resolve(); }
    createOscillator() { return { type: '', frequency: param, connect: (x) => x, start() { window.__beeps++; }, stop() {} }; }
    createGain() { return { gain: param, connect: (x) => x }; }
  };
  window.Notification = class {
    static permission = 'granted';
    static requestPermission() { return Promise.resolve('granted'); }
    constructor(title, opts = {}) { window.__alerts.push({ title, body: opts.body || '' }); }
    close() {}
  };
}

/** A Frontdesk user (admin or agent) talking to the real HTTP API. */
export class User {
  constructor(base) { this.base = base; this.cookie = ''; this.csrf = ''; }

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
    if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return json;
  }

  async signedIn() {
    const me = await this.request('GET', '/api/me');
    this.csrf = me.csrf_token;
    this.me = me.user;
    return this;
  }

  /** First-run setup: the admin (Ada, help desk "Acme Support"). */
  static async setup(base) {
    const u = new User(base);
    await u.request('POST', '/api/setup', { helpdesk_name: 'Acme Support', name: 'Ada Admin', email: 'ada@example.com', password: 'correct horse battery' });
    return u.signedIn();
  }

  /** Create a user as admin; returns {email, password, id}. */
  async createUser(name, email, { customer_support = true, role = 'agent' } = {}) {
    const password = 'agent password 1';
    const r = await this.request('POST', '/api/users', { email, name, password, role, customer_support });
    return { id: r.user.id, email, password, name };
  }
}

/** A website visitor using the widget API, as the widget would. */
export class Customer {
  constructor(base, token, customer) { this.base = base; this.token = token; this.customer = customer; this.n = 0; }

  static async create(base, fields = {}) {
    const r = await fetch(base + '/api/widget/visitors', {
      method: 'POST', headers: { Origin: base, 'Content-Type': 'application/json' },
      body: JSON.stringify({ page_url: 'https://shop.example.com/checkout', language: 'pt-PT', ...fields }),
    });
    const j = await r.json();
    if (r.status !== 201) throw new Error(`visitor: ${r.status} ${JSON.stringify(j)}`);
    return new Customer(base, j.token, j.customer);
  }

  async request(method, path, body) {
    const headers = { Origin: this.base, Authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const j = await r.json().catch(() => null);
    if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(j)}`);
    return j;
  }

  send(body) { return this.request('POST', '/api/widget/messages', { body, client_msg_id: `t-${Date.now()}-${this.n++}` }); }
  async messages() { return (await this.request('GET', '/api/widget/messages')).messages; }
  session() { return this.request('GET', '/api/widget/session'); }
}

/** Sign `page` in through the real sign-in form and wait for the Messenger. */
export async function signIn(page, base, email, password) {
  await page.goto(base + '/login');
  await page.getByLabel(/email/i).fill(email);
  // The sign-in page speaks the browser's language (English or Portuguese).
  await page.getByLabel(/password|palavra-passe/i).fill(password);
  await page.getByRole('button', { name: /^(sign in|iniciar sessão)$/i }).click();
  await page.waitForURL(base + '/');
  await page.locator('#app:not([aria-busy])').waitFor();
}

/** Poll `fn` until it returns a truthy value (or throw after `ms`). */
export async function eventually(fn, ms = 5000, what = 'condition') {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What the Messenger's controls are called, in each language (the walk below finds them by name). */
export const WORDS = {
  en: {
    fromCustomers: 'From customers', back: 'Back to conversations', details: 'Details', newTeamChat: 'New team chat',
    settings: 'Settings', shortcuts: 'Keyboard shortcuts', search: 'Search conversations', items: 'Tickets & tasks',
  },
  pt: {
    fromCustomers: 'De clientes', back: 'Voltar às conversas', details: 'Detalhes', newTeamChat: 'Nova conversa de equipa',
    settings: 'Definições', shortcuts: 'Atalhos de teclado', search: 'Pesquisar conversas', items: 'Pedidos e tarefas',
  },
};

/** How wide and tall the page is drawn: more than the window means something sticks out. */
export const pageSize = (page) => page.evaluate(() => ({ width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight }));

/**
 * Walk a signed-in Messenger through its states and call `visit(state)` in each: the list (with a
 * selected row at desktop width), a chat linked to a ticket, the item panel, the customer panel, a
 * chat without a ticket, the team-chat, shortcuts and settings dialogs, search results and the Items
 * view. `ticketChat` and `plainChat` are customers' names, `query` a word found by search; `w` the
 * words of the page's language (WORDS.en or WORDS.pt). Works at phone width too (one column).
 */
export async function walkMessenger(page, w, { ticketChat, plainChat, query }, visit) {
  const phone = page.viewportSize().width <= 760;
  const rowOf = (name) => page.locator('.side-list').getByRole('button', { name: new RegExp(name) });
  const openChat = async (name) => {
    await rowOf(name).click();
    await page.getByRole('main').getByRole('heading', { name, level: 1 }).waitFor();
    await page.getByRole('log').locator('.msg, .sys').first().waitFor();
  };
  const toList = async () => {
    if (phone && await page.getByRole('main').isVisible()) await page.getByRole('main').getByRole('button', { name: w.back }).click();
  };
  const panel = page.getByRole('complementary');
  const dialog = page.getByRole('dialog');
  const escape = async (what) => { await page.keyboard.press('Escape'); await what.waitFor({ state: 'hidden' }); };

  await page.getByRole('tab', { name: new RegExp(w.fromCustomers) }).click();
  await rowOf(plainChat).waitFor();
  if (!phone) await openChat(plainChat); // a selected row in the list
  await visit('list');

  await toList();
  await openChat(ticketChat);
  await page.locator('#item-actions .item-link').waitFor();
  await visit('chat-ticket');
  await page.locator('#item-actions .item-link').click();
  await panel.locator('.item-panel textarea').first().waitFor();
  await visit('item-panel');
  await escape(panel);
  await page.getByRole('main').getByRole('button', { name: w.details, exact: true }).click();
  await panel.locator('.person').waitFor();
  await visit('customer-panel');
  await escape(panel);

  await toList();
  await openChat(plainChat);
  await visit('chat');

  await toList();
  await page.getByRole('navigation').getByRole('button', { name: w.newTeamChat }).click();
  await dialog.locator('form').waitFor();
  await visit('team-dialog');
  await escape(dialog);
  await page.getByRole('button', { name: w.shortcuts }).click();
  await dialog.locator('.shortcuts').waitFor();
  await visit('shortcuts-dialog');
  await escape(dialog);
  await page.getByRole('button', { name: w.settings }).click();
  await dialog.locator('select').waitFor();
  await visit('settings-dialog');
  await escape(dialog);

  await page.getByRole('searchbox', { name: w.search }).fill(query);
  await page.locator('.search-results mark').first().waitFor();
  await visit('search');
  await page.getByRole('searchbox', { name: w.search }).press('Escape');

  await page.getByRole('button', { name: w.items }).click();
  const view = page.getByRole('region', { name: w.items });
  await view.getByRole('list').waitFor();
  await visit('items');
  // Back to the conversations: the view's back button on a phone, the same entry again on a desktop.
  await (phone ? view.getByRole('button', { name: w.back }) : page.getByRole('button', { name: w.items })).click();
  await view.waitFor({ state: 'hidden' });
}
