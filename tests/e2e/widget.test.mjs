// The customer widget in a real browser, embedded in a website on a different origin (a second local
// port): launcher, chat both ways, offline mode, reload, visitor isolation, a hostile host page,
// allowed origins, identity verification, the loader's size, and screenshots of each state.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { launchBrowser, screenshot, skipOrFail, startServer } from './lib.mjs';
import { Agent, chatFrame, startHostSite } from './widget-helpers.mjs';

const skip = skipOrFail();
const SECRET = 'e2e-identity-secret-0123456789abcdef';
let server, site, browser, admin, bob;

before(async () => {
  if (skip) return;
  server = await startServer();
  site = await startHostSite(server.url);
  browser = await launchBrowser();
  admin = await Agent.setup(server.url);
  bob = await Agent.create(server.url, admin, 'Bob Baker', 'bob@example.com');
  await admin.settings({ widget_title: 'Bramble support', greeting: 'Hi there 👋', identity_secret: SECRET });
});

after(async () => {
  await browser?.close();
  await site?.close();
  await server?.stop();
});

/** A fresh visitor (own browser context = own storage) on the host site. */
async function visit(path = '/', opts = {}) {
  const context = await browser.newContext(opts);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(site.url + path);
  return { context, page, errors };
}

const launcher = (page) => page.getByRole('button', { name: /Open chat|Close chat/ });

async function openChat(page) {
  await launcher(page).click();
  const frame = await chatFrame(page);
  const input = frame.getByRole('textbox', { name: 'Write a message…' });
  await input.waitFor({ state: 'visible' });
  return { frame, input };
}

async function say(frame, input, text) {
  await input.fill(text);
  await frame.getByRole('button', { name: 'Send' }).click();
  await frame.getByText(text, { exact: true }).waitFor();
}

test('the loader is small and served for any site', { skip }, async () => {
  const r = await fetch(server.url + '/widget.js');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('access-control-allow-origin'), '*');
  const js = Buffer.from(await r.arrayBuffer());
  const gz = gzipSync(js, { level: 9 }).length;
  assert.ok(gz <= 8 * 1024, `widget.js is ${gz} bytes gzipped (budget 8192)`);
});

test('a visitor chats with an agent across origins, and keeps the history after a reload', { skip }, async () => {
  const { context, page, errors } = await visit('/');
  await launcher(page).waitFor({ state: 'visible' });
  await screenshot(page, 'widget-launcher');

  const { frame, input } = await openChat(page);
  await frame.getByText('Hi there 👋').waitFor();
  await frame.getByRole('heading', { name: 'Bramble support' }).waitFor();
  await say(frame, input, 'Hello, my order #1001 is late 📦');
  // Acknowledged after commit: "Sent".
  await frame.getByText(/Sent/).waitFor();

  const { conversation } = await bob.waitForCustomerMessage('Hello, my order #1001 is late 📦');
  await bob.reply(conversation.id, 'Hi! Let me check that for you: see https://example.com/orders/1001');
  await frame.getByText('Hi! Let me check that for you', { exact: false }).waitFor();
  await frame.getByText('Bob Baker').waitFor();
  const link = frame.getByRole('link', { name: 'https://example.com/orders/1001' });
  assert.equal(await link.getAttribute('rel'), 'noopener nofollow noreferrer');

  // Seen once the agent reads it.
  await bob.request('POST', `/api/conversations/${conversation.id}/read`, {});
  await say(frame, input, 'Thanks!');
  await bob.request('POST', `/api/conversations/${conversation.id}/read`, {});
  await frame.getByText(/Seen/).waitFor();
  await screenshot(page, 'widget-open-chat');

  // Typing from the agent shows in the widget is covered by the socket; reload keeps everything.
  await page.reload();
  const again = await openChat(page);
  await again.frame.getByText('Hello, my order #1001 is late 📦').waitFor();
  await again.frame.getByText('Hi! Let me check that for you', { exact: false }).waitFor();
  assert.deepEqual(errors, []);

  // Another visitor (another browser profile) sees none of it.
  const other = await visit('/');
  const o = await openChat(other.page);
  await o.frame.getByText('Hi there 👋').waitFor();
  assert.equal(await o.frame.getByText('Hello, my order #1001 is late 📦').count(), 0);
  assert.equal(await o.frame.getByText('Hi! Let me check that for you', { exact: false }).count(), 0);
  await other.context.close();
  await context.close();
});

test('the widget socket keeps the visitor token out of its URL', { skip }, async () => {
  const { context, page, errors } = await visit('/');
  const sockets = [];
  page.on('websocket', (ws) => {
    const s = { url: ws.url(), received: [], errors: [] };
    ws.on('framereceived', (f) => s.received.push(String(f.payload)));
    ws.on('socketerror', (e) => s.errors.push(e));
    sockets.push(s);
  });
  const { frame, input } = await openChat(page);
  await say(frame, input, 'Where does my token go?');
  await frame.getByText(/Sent/).waitFor();
  const token = await frame.evaluate(() => localStorage.getItem('frontdesk.token'));
  assert.match(token || '', /^[0-9a-f]{32}$/, 'the visitor has a token');
  const widgetSockets = () => sockets.filter((s) => new URL(s.url).pathname === '/ws/widget');
  // The browser accepted the handshake (the server selected an offered subprotocol) and the socket resumed.
  for (let i = 0; i < 100 && !widgetSockets().some((s) => s.received.some((f) => f.includes('"resumed"'))); i++) await page.waitForTimeout(100);
  assert.ok(widgetSockets().length > 0, `a widget socket was opened (saw ${sockets.map((s) => s.url).join(', ') || 'none'})`);
  assert.ok(widgetSockets().some((s) => s.received.some((f) => f.includes('"resumed"'))), 'the widget socket was accepted and resumed');
  for (const s of widgetSockets()) {
    assert.ok(!s.url.includes('token=') && !s.url.includes(token), `the socket URL carries no token: ${s.url}`);
    assert.deepEqual(s.errors, []);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('the unread badge counts replies while the chat is closed', { skip }, async () => {
  const { context, page } = await visit('/');
  const { frame, input } = await openChat(page);
  await say(frame, input, 'Badge test message');
  const { conversation } = await bob.waitForCustomerMessage('Badge test message');
  await launcher(page).click(); // close
  await page.getByRole('button', { name: /Open chat/ }).waitFor();
  await bob.reply(conversation.id, 'Reply while closed');
  await page.getByRole('button', { name: /1 unread/ }).waitFor();
  await page.waitForTimeout(400); // the closing transition
  await screenshot(page, 'widget-unread-badge');
  await context.close();
});

test('offline: the configured message shows live, and messages still reach the team', { skip }, async () => {
  const { context, page } = await visit('/');
  const { frame, input } = await openChat(page);
  await frame.getByText("We're online and usually reply in a few minutes.").waitFor();
  await admin.setOnline(false);
  await frame.getByText("We're away right now. Leave a message and we'll answer as soon as we can.").waitFor();
  await say(frame, input, 'Anyone there tonight?');
  await bob.waitForCustomerMessage('Anyone there tonight?');
  // Asked for an email so the team can follow up.
  const email = frame.getByRole('textbox', { name: 'Email' });
  await email.waitFor();
  await screenshot(page, 'widget-offline');
  await email.fill('night.owl@example.com');
  await frame.getByRole('button', { name: 'Save' }).click();
  await frame.getByText("Thanks! We'll reply to night.owl@example.com.").waitFor();
  await admin.setOnline(true);
  await frame.getByText("We're online and usually reply in a few minutes.").waitFor();
  await context.close();
});

test('a hostile host page cannot hide or break the widget', { skip }, async () => {
  const { context, page } = await visit('/hostile');
  await launcher(page).waitFor({ state: 'visible' });
  const box = await launcher(page).boundingBox();
  assert.ok(box && box.width >= 50 && box.height >= 50, `launcher box ${JSON.stringify(box)}`);
  const { frame, input } = await openChat(page);
  const fb = await page.locator('frontdesk-widget iframe').boundingBox();
  assert.ok(fb && fb.width > 300 && fb.height > 300, `frame box ${JSON.stringify(fb)}`);
  await say(frame, input, 'Sent from a hostile page');
  await bob.waitForCustomerMessage('Sent from a hostile page');
  await screenshot(page, 'widget-hostile-page');
  await context.close();
});

test('phones get the chat full screen', { skip }, async () => {
  const { context, page } = await visit('/', { viewport: { width: 390, height: 780 }, isMobile: true, hasTouch: true });
  await openChat(page);
  await page.waitForTimeout(400); // the opening transition
  const fb = await page.locator('frontdesk-widget iframe').boundingBox();
  assert.ok(fb && fb.width >= 389 && fb.height >= 779, `frame box ${JSON.stringify(fb)}`);
  await screenshot(page, 'widget-phone');
  await context.close();
});

test('the preview page shows the widget on a sample site', { skip }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(server.url + '/widget/preview');
  await launcher(page).waitFor({ state: 'visible' });
  const { frame, input } = await openChat(page);
  // Too long for a message: refused in the widget with a clear error, nothing sent.
  await input.fill('x'.repeat(16 * 1024 + 1));
  await frame.getByRole('button', { name: 'Send' }).click();
  await frame.getByRole('alert').filter({ hasText: 'too long' }).waitFor();
  await input.fill('');
  await page.waitForTimeout(300);
  await screenshot(page, 'widget-preview');
  await context.close();
});

test("the widget speaks the visitor's language (Portuguese)", { skip }, async () => {
  const { context, page } = await visit('/', { locale: 'pt-PT' });
  await page.getByRole('button', { name: 'Abrir chat' }).click();
  const frame = await chatFrame(page);
  await frame.getByRole('textbox', { name: 'Escreva uma mensagem…' }).waitFor();
  await frame.getByText(/Online · /).waitFor();
  await context.close();
});

test('the pre-chat form asks for an email first when required', { skip }, async () => {
  await admin.settings({ prechat: 'required' });
  try {
    const { context, page } = await visit('/');
    const { frame, input } = await openChat(page);
    assert.equal(await input.isDisabled(), true);
    await frame.getByRole('textbox', { name: 'Name' }).fill('Pat Prechat');
    await frame.getByRole('textbox', { name: 'Email' }).fill('pat@example.com');
    await page.waitForTimeout(300);
    await screenshot(page, 'widget-prechat');
    await frame.getByRole('button', { name: 'Start chat' }).click();
    await say(frame, input, 'Question after the form');
    const { conversation } = await bob.waitForCustomerMessage('Question after the form');
    const cust = (await bob.request('GET', `/api/customers/${conversation.customer_id}`)).json.customer;
    assert.equal(cust.email, 'pat@example.com');
    assert.equal(cust.name, 'Pat Prechat');
    await context.close();
  } finally {
    await admin.settings({ prechat: 'off' });
  }
});

/** A visitor on a page that calls Frontdesk.identify; resolves with the identify answer's status. */
async function visitIdentified(query) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/widget/identify'));
  await page.goto(site.url + '/identify?' + query);
  return { context, page, status: (await answer).status() };
}

test('identity verification: a forged hash is refused, a correct one verifies', { skip }, async () => {
  const forged = await visitIdentified('user_id=alice&user_hash=' + '0'.repeat(64));
  assert.equal(forged.status, 401);
  // Someone else's valid hash does not work for alice either.
  const mallory = createHmac('sha256', SECRET).update('mallory').digest('hex');
  const cross = await visitIdentified(`user_id=alice&user_hash=${mallory}`);
  assert.equal(cross.status, 401);

  const good = createHmac('sha256', SECRET).update('alice').digest('hex');
  const real = await visitIdentified(`user_id=alice&name=Alice%20Verified&user_hash=${good}`);
  assert.equal(real.status, 200);
  const { frame, input } = await openChat(real.page);
  await say(frame, input, 'I am the real Alice');
  const { conversation } = await bob.waitForCustomerMessage('I am the real Alice');
  const cust = (await bob.request('GET', `/api/customers/${conversation.customer_id}`)).json.customer;
  assert.equal(cust.verified, true);
  assert.equal(cust.external_id, 'alice');
  assert.equal(cust.name, 'Alice Verified');
  // Alice on another device (another browser profile) gets the same conversation.
  const phone = await visitIdentified(`user_id=alice&user_hash=${good}`);
  assert.equal(phone.status, 200);
  const p = await openChat(phone.page);
  await p.frame.getByText('I am the real Alice').waitFor();
  for (const v of [forged, cross, real, phone]) await v.context.close();
});

test('an origin that is not allowed gets no widget and no socket', { skip }, async () => {
  await admin.settings({ allowed_origins: ['https://shop.example'] });
  try {
    const { context, page } = await visit('/');
    // The frame is refused (frame-ancestors), so the loader never shows a launcher.
    await page.waitForTimeout(2500);
    assert.equal(await page.getByRole('button', { name: /Open chat/ }).count(), 0);
    // The API and the socket refuse this origin too.
    const r = await fetch(server.url + '/api/widget/visitors', { method: 'POST', headers: { Origin: site.url, 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(r.status, 403);
    const ok = await fetch(server.url + '/api/widget/visitors', { method: 'POST', headers: { Origin: server.url, 'Content-Type': 'application/json' }, body: '{}' });
    const token = (await ok.json()).token;
    const opened = await page.evaluate(([u, t]) => new Promise((done) => {
      const ws = new WebSocket(u.replace('http', 'ws') + '/ws/widget', ['frontdesk', 'frontdesk.token.' + t]);
      ws.onopen = () => done(true);
      ws.onerror = () => done(false);
    }), [server.url, token]);
    assert.equal(opened, false);
    await context.close();
  } finally {
    await admin.settings({ allowed_origins: [] });
  }
});

test('messages survive a server restart: nothing lost, nothing doubled', { skip }, async () => {
  // A server of its own on a fixed port and data directory, so it can come back at the same origin.
  const { createServer: net } = await import('node:net');
  const port = await new Promise((ok) => { const s = net().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); }); });
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const data = mkdtempSync(join(tmpdir(), 'frontdesk-restart-'));
  const args = ['--addr', `127.0.0.1:${port}`, '--data', data];
  let fd = await startServer({ args });
  const host = await startHostSite(fd.url);
  try {
    const owner = await Agent.setup(fd.url);
    const { context, page } = await (async () => {
      const c = await browser.newContext();
      const p = await c.newPage();
      await p.goto(host.url + '/');
      return { context: c, page: p };
    })();
    const { frame, input } = await openChat(page);
    await say(frame, input, 'Before the restart');
    await frame.getByText(/Sent/).waitFor();

    await fd.stop();
    // Written while the server is down: kept, shown as sending.
    await input.fill('Written while you were down');
    await frame.getByRole('button', { name: 'Send' }).click();
    await frame.getByText('Sending…').waitFor();

    fd = await startServer({ args });
    const agent = new Agent(fd.url);
    const l = await agent.request('POST', '/api/login', { email: 'ada@example.com', password: 'correct horse battery' });
    assert.equal(l.status, 200, l.text);
    await agent.signedIn();
    const { conversation } = await agent.waitForCustomerMessage('Written while you were down', 30000);
    await frame.getByText('Sending…').waitFor({ state: 'detached', timeout: 30000 });
    await agent.reply(conversation.id, 'Back online, got both');
    await frame.getByText('Back online, got both').waitFor({ timeout: 30000 });
    const bodies = (await agent.messages(conversation.id)).map((m) => m.body);
    assert.deepEqual(bodies, ['Before the restart', 'Written while you were down', 'Back online, got both']);
    assert.equal(await frame.getByText('Written while you were down', { exact: true }).count(), 1);
    void owner;
    await context.close();
  } finally {
    await host.close();
    await fd.stop();
    rmSync(data, { recursive: true, force: true });
  }
});

test('closing and internal work show the visitor only neutral lines, in their language', { skip }, async () => {
  const { context, page } = await visit('/', { locale: 'pt-PT' });
  await page.getByRole('button', { name: /Abrir chat/ }).click();
  const frame = await chatFrame(page);
  const input = frame.getByRole('textbox', { name: 'Escreva uma mensagem…' });
  await input.fill('Cobraram-me duas vezes');
  await frame.getByRole('button', { name: 'Enviar' }).click();
  const { conversation } = await bob.waitForCustomerMessage('Cobraram-me duas vezes');
  const draft = (await bob.request('GET', `/api/conversations/${conversation.id}/item-draft?kind=ticket`)).json;
  const made = await bob.request('POST', `/api/conversations/${conversation.id}/items`, { ...draft, title: 'INTERNAL: suspected fraud, do not refund' });
  assert.equal(made.status, 201, made.text);
  await bob.reply(conversation.id, 'Estamos a verificar.');
  await frame.getByText('Estamos a verificar.').waitFor();
  const closed = await bob.request('POST', `/api/conversations/${conversation.id}/status`, { status: 'closed' });
  assert.equal(closed.status, 200, closed.text);
  await frame.getByText('Esta conversa foi encerrada').waitFor();
  const text = await frame.locator('body').innerText();
  for (const secret of ['INTERNAL', 'Ticket', 'Bob Baker created', 'Closed by', 'Linked to']) {
    assert.ok(!text.includes(secret), `the widget shows "${secret}": ${text}`);
  }
  await screenshot(page, 'widget-closed-pt');
  await context.close();
});
