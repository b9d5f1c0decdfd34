// The customer widget in a real browser, embedded in a website on a different origin (a second local
// port): launcher, chat both ways, offline mode, reload, visitor isolation, a hostile host page,
// allowed origins, identity verification, the loader's size, what the header and the body say, mute,
// local times, dark mode, the brand colour, axe-core on every state, and screenshots of each state
// (English, Portuguese, dark, a 360 px phone).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { checkA11y, launchBrowser, screenshot, skipOrFail, startServer } from './lib.mjs';
import { Agent, chatFrame, countBeeps, sharedTrigrams, startHostSite } from './widget-helpers.mjs';

const skip = skipOrFail();
const SECRET = 'e2e-identity-secret-0123456789abcdef';
let server, site, browser, admin, bob;
// The default texts (src/db/settings.rs), as an English visitor reads them.
const ONLINE_MSG = 'Ask us anything: someone from our team will answer right here.';
const OFFLINE_MSG = "Leave a message and we'll answer as soon as we can.";

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
  await checkA11y(page, 'host page with the launcher');

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
  // Not even a minor finding: the frame's content sits in landmarks (banner, main, contentinfo).
  assert.deepEqual(await checkA11y(frame, 'widget frame: a chat with agent replies'), []);
  assert.deepEqual(await checkA11y(page, 'host page with the chat open'), []);

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

test('offline: the header says so, the email card asks, and its thanks leave once the desk is back', { skip }, async () => {
  const { context, page } = await visit('/');
  let { frame, input } = await openChat(page);
  await frame.getByText(ONLINE_MSG).waitFor();
  await admin.setOnline(false);
  try {
    await frame.getByRole('banner').getByText(`Away · ${OFFLINE_MSG}`).waitFor();
    await say(frame, input, 'Anyone there tonight?');
    await bob.waitForCustomerMessage('Anyone there tonight?');
    // Asked for an email so the team can follow up.
    const email = frame.getByRole('textbox', { name: 'Email' });
    await email.waitFor();
    await screenshot(page, 'widget-offline');
    await checkA11y(frame, 'widget frame offline, with the email form');
    await email.fill('night.owl@example.com');
    await frame.getByRole('button', { name: 'Save' }).click();
    const thanks = "Thanks! We'll reply to night.owl@example.com.";
    await frame.getByText(thanks).waitFor();
    // Still away: after a reload the thanks still holds, so it is still there.
    await page.reload();
    ({ frame, input } = await openChat(page));
    await frame.getByText(thanks).waitFor();
    // Back online, live: the thanks goes, the online message comes.
    await admin.setOnline(true);
    await frame.getByText(thanks).waitFor({ state: 'detached' });
    await frame.getByText(ONLINE_MSG).waitFor();
    // ... and does not come back on a reload, nor when the desk goes away again (the team has the address).
    await page.reload();
    ({ frame, input } = await openChat(page));
    await frame.getByText('Anyone there tonight?').waitFor();
    await admin.setOnline(false);
    await frame.getByRole('banner').getByText(/^Away/).waitFor();
    await page.waitForTimeout(300);
    assert.equal(await frame.getByText(thanks).count(), 0);
    assert.equal(await frame.getByRole('textbox', { name: 'Email' }).count(), 0);
  } finally {
    await admin.setOnline(true);
  }
  await context.close();
});

/** What the header and the body of a fresh visitor's widget say (no messages yet: the body is the welcome). */
async function headAndBody(frame) {
  return { head: await frame.getByRole('banner').innerText(), body: await frame.getByRole('log').innerText() };
}

test('the header and the body say different things, online and away, in English and Portuguese', { skip }, async () => {
  for (const locale of ['en-GB', 'pt-PT']) {
    const { context, page } = await visit('/', { locale });
    await launcher(page).or(page.getByRole('button', { name: /Abrir chat/ })).click();
    const frame = await chatFrame(page);
    await frame.getByRole('log').getByText(locale === 'pt-PT' ? 'Olá! Como podemos ajudar?' : 'Hi there 👋').waitFor();
    await frame.getByRole('banner').getByText(/Online/).waitFor();
    const online = await headAndBody(frame);
    assert.deepEqual(sharedTrigrams(online.head, online.body), [], `${locale} online: ${JSON.stringify(online)}`);
    assert.ok(!/online/i.test(online.body), `${locale}: the body repeats "online": ${online.body}`);
    await admin.setOnline(false);
    try {
      await frame.getByRole('banner').getByText(/Away|Ausente/).waitFor();
      const away = await headAndBody(frame);
      assert.deepEqual(sharedTrigrams(away.head, away.body), [], `${locale} away: ${JSON.stringify(away)}`);
      const said = locale === 'pt-PT' ? 'Deixe uma mensagem e respondemos assim que pudermos.' : OFFLINE_MSG;
      assert.ok(away.head.includes(said), `${locale}: the header says the offline message: ${away.head}`);
    } finally {
      await admin.setOnline(true);
    }
    await context.close();
  }
});

test("the header says the admin's own offline text, live, in the visitor's language", { skip }, async () => {
  const before = (await admin.request('GET', '/api/settings')).json.settings;
  const en = await visit('/');
  const pt = await visit('/', { locale: 'pt-PT' });
  const enFrame = (await openChat(en.page)).frame;
  await pt.page.getByRole('button', { name: 'Abrir chat' }).click();
  const ptFrame = await chatFrame(pt.page);
  await admin.setOnline(false);
  try {
    await admin.settings({ offline_message: 'Back at nine tomorrow.', offline_message_pt: 'Voltamos amanhã às nove.' });
    await enFrame.getByRole('banner').getByText('Away · Back at nine tomorrow.').waitFor();
    await ptFrame.getByRole('banner').getByText('Ausente · Voltamos amanhã às nove.').waitFor();
    await screenshot(pt.page, 'widget-offline-pt');
    await checkA11y(ptFrame, 'widget frame offline (Portuguese)');
    // A long text does not fit a header: it is said once, in the body.
    const long = 'We are a small team in Lisbon. '.repeat(6) + 'Leave a message and we will write back in the morning.';
    await admin.settings({ offline_message: long });
    await enFrame.getByRole('log').getByText(long).waitFor();
    assert.equal((await enFrame.getByRole('banner').innerText()).includes('small team'), false);
  } finally {
    await admin.settings({ offline_message: before.offline_message, offline_message_pt: before.offline_message_pt });
    await admin.setOnline(true);
  }
  await en.context.close();
  await pt.context.close();
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
  const { context, page } = await visit('/', { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const { frame, input } = await openChat(page);
  await page.waitForTimeout(400); // the opening transition
  const fb = await page.locator('frontdesk-widget iframe').boundingBox();
  assert.ok(fb && fb.width >= 359 && fb.height >= 739, `frame box ${JSON.stringify(fb)}`);
  await say(frame, input, 'Do you ship to the Azores?');
  const { conversation } = await bob.waitForCustomerMessage('Do you ship to the Azores?');
  await bob.reply(conversation.id, 'We do! Orders to the islands take three to five working days.');
  await frame.getByText('We do!', { exact: false }).waitFor();
  // Nothing wider than the phone.
  assert.equal(await frame.evaluate(() => document.documentElement.scrollWidth), 360);
  await screenshot(page, 'widget-phone');
  await checkA11y(frame, 'widget frame on a 360 px phone');
  await context.close();
});

test('the preview page shows the widget on a sample site', { skip }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(server.url + '/widget/preview');
  await launcher(page).waitFor({ state: 'visible' });
  assert.deepEqual(await checkA11y(page, 'the preview page with the launcher'), []);
  const { frame, input } = await openChat(page);
  assert.deepEqual(await checkA11y(frame, 'widget frame on the preview page'), []);
  // Too long for a message: refused in the widget with a clear error, nothing sent.
  await input.fill('x'.repeat(16 * 1024 + 1));
  await frame.getByRole('button', { name: 'Send' }).click();
  await frame.getByRole('alert').filter({ hasText: 'too long' }).waitFor();
  await input.fill('');
  await page.waitForTimeout(300);
  await screenshot(page, 'widget-preview');
  await context.close();
});

test('the preview page speaks Portuguese to a Portuguese browser', { skip }, async () => {
  const context = await browser.newContext({ locale: 'pt-PT' });
  const page = await context.newPage();
  await page.goto(server.url + '/widget/preview');
  await page.getByRole('complementary', { name: 'Pré-visualização' }).getByText(/^Pré-visualização: é assim que os clientes veem o chat/).waitFor();
  await page.getByRole('heading', { name: 'Equipamento para todos os trilhos' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'pt');
  await page.getByRole('button', { name: 'Abrir chat' }).click();
  await (await chatFrame(page)).getByRole('textbox', { name: 'Escreva uma mensagem…' }).waitFor();
  await page.waitForTimeout(400);
  await screenshot(page, 'widget-preview-pt');
  await checkA11y(page, 'the preview page in Portuguese');
  await context.close();
});

test("the widget speaks the visitor's language (Portuguese), its default title included", { skip }, async () => {
  // The admin has not chosen a title (the default one): each visitor reads it in their language.
  await admin.settings({ widget_title: 'Chat with us' });
  try {
    const { context, page } = await visit('/', { locale: 'pt-PT' });
    await page.getByRole('button', { name: 'Abrir chat' }).click();
    const frame = await chatFrame(page);
    await frame.getByRole('textbox', { name: 'Escreva uma mensagem…' }).waitFor();
    await frame.getByText('Online · Costuma responder em poucos minutos').waitFor();
    await frame.getByRole('heading', { name: 'Fale connosco' }).waitFor();
    await frame.getByRole('button', { name: 'Silenciar sons' }).waitFor();
    await page.waitForTimeout(300);
    await screenshot(page, 'widget-pt');
    await checkA11y(frame, 'widget frame in Portuguese');
    await context.close();
    const en = await visit('/');
    const f = (await openChat(en.page)).frame;
    await f.getByRole('heading', { name: 'Chat with us' }).waitFor();
    await en.context.close();
  } finally {
    await admin.settings({ widget_title: 'Bramble support' });
  }
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
    await checkA11y(frame, 'widget frame: the pre-chat form');
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
    // What was said (the agent's first reply also assigns the chat to her: a system line, agents only).
    const bodies = (await agent.messages(conversation.id)).filter((m) => m.author.kind !== 'system').map((m) => m.body);
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
  await checkA11y(frame, 'widget frame: a closed chat with system lines (Portuguese)');
  await context.close();
});

test('visitors can mute the sound of new replies, and it stays muted after a reload', { skip }, async () => {
  const context = await browser.newContext();
  await context.addInitScript(countBeeps);
  const page = await context.newPage();
  await page.goto(site.url + '/');
  const beeps = () => page.evaluate(() => window.__beeps);
  let { frame, input } = await openChat(page);
  const mute = frame.getByRole('button', { name: 'Mute sounds' });
  assert.equal(await mute.getAttribute('aria-pressed'), 'false');
  await say(frame, input, 'Ping me when you answer');
  const { conversation } = await bob.waitForCustomerMessage('Ping me when you answer');
  // Closed chat, sound on: a reply beeps (on the host page: the loader plays it).
  await launcher(page).click();
  await bob.reply(conversation.id, 'First answer');
  await page.getByRole('button', { name: /1 unread/ }).waitFor();
  for (let i = 0; i < 50 && (await beeps()) < 1; i++) await page.waitForTimeout(50);
  assert.equal(await beeps(), 1);
  // Muted: the next reply is counted but silent.
  ({ frame, input } = await openChat(page));
  await mute.click();
  assert.equal(await mute.getAttribute('aria-pressed'), 'true');
  await launcher(page).click();
  await bob.reply(conversation.id, 'Second answer');
  await page.getByRole('button', { name: /1 unread/ }).waitFor();
  await page.waitForTimeout(300);
  assert.equal(await beeps(), 1, 'no sound while muted');
  // Remembered for this visitor.
  await page.reload();
  ({ frame } = await openChat(page));
  const again = frame.getByRole('button', { name: 'Mute sounds' });
  await again.waitFor();
  assert.equal(await again.getAttribute('aria-pressed'), 'true');
  await page.waitForTimeout(300);
  await screenshot(page, 'widget-muted');
  await checkA11y(frame, 'widget frame with sound muted');
  await context.close();
});

test("times follow the visitor's locale: 24-hour in en-GB, 12-hour in en-US", { skip }, async () => {
  for (const [locale, want, notWant] of [['en-GB', /^\d{1,2}:\d{2} · Sent$/, /AM|PM/i], ['en-US', /^\d{1,2}:\d{2}\s?(AM|PM) · Sent$/, null]]) {
    const { context, page } = await visit('/', { locale, timezoneId: 'Europe/Lisbon' });
    const { frame, input } = await openChat(page);
    await say(frame, input, `What time is it in ${locale}?`);
    const meta = frame.getByText(/· Sent$/);
    await meta.waitFor();
    const text = (await meta.innerText()).trim();
    assert.match(text, want, `${locale}: ${text}`);
    if (notWant) assert.doesNotMatch(text, notWant);
    await context.close();
  }
});

/** `rgb(r, g, b)` as `#rrggbb`. */
const hexOf = (css) => '#' + css.match(/\d+/g).slice(0, 3).map((n) => Number(n).toString(16).padStart(2, '0')).join('');
const luminance = (hex) => {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};

test("the widget follows the visitor's dark mode and keeps the brand colour", { skip }, async () => {
  const { context, page } = await visit('/', { colorScheme: 'dark' });
  const accent = (await (await fetch(server.url + '/api/widget/settings')).json()).helpdesk.widget_color.toLowerCase();
  await launcher(page).waitFor({ state: 'visible' });
  assert.equal(hexOf(await launcher(page).evaluate((b) => getComputedStyle(b).backgroundColor)), accent);
  await checkA11y(page, 'host page with the launcher, dark');
  const { frame, input } = await openChat(page);
  await say(frame, input, 'Hello from the dark side');
  const { conversation } = await bob.waitForCustomerMessage('Hello from the dark side');
  await bob.reply(conversation.id, 'Hi! Easy on the eyes, right?');
  await frame.getByText('Hi! Easy on the eyes, right?').waitFor();
  const look = await frame.evaluate(() => {
    const cs = (sel, p) => getComputedStyle(document.querySelector(sel))[p];
    return { bg: cs('body', 'backgroundColor'), text: cs('body', 'color'), head: cs('header', 'backgroundImage'),
      mine: cs('.mine .bubble', 'backgroundColor'), theirs: cs('.theirs .bubble', 'backgroundColor') };
  });
  assert.ok(luminance(hexOf(look.bg)) < 0.03, `dark background: ${look.bg}`);
  assert.ok(luminance(hexOf(look.theirs)) < 0.05, `dark agent bubble: ${look.theirs}`);
  assert.ok(luminance(hexOf(look.text)) > 0.7, `light text: ${look.text}`);
  assert.equal(hexOf(look.mine), accent, 'the visitor’s bubbles keep the brand colour');
  assert.ok(hexOf(look.head.match(/rgb\([^)]*\)/)[0]) === accent, `header in the brand colour: ${look.head}`);
  await page.waitForTimeout(300);
  await screenshot(page, 'widget-dark');
  await checkA11y(frame, 'widget frame in dark mode');
  await context.close();
});

test('a bright accent gets dark text, in both themes, and every state stays readable', { skip }, async () => {
  await admin.settings({ widget_color: '#fbbf24' });
  try {
    for (const colorScheme of ['light', 'dark']) {
      const { context, page } = await visit('/', { colorScheme });
      await checkA11y(page, `launcher in amber, ${colorScheme}`);
      const { frame, input } = await openChat(page);
      await say(frame, input, `Amber and ${colorScheme}`);
      await frame.getByText(/Sent/).waitFor();
      await checkA11y(frame, `widget frame in amber, ${colorScheme}`);
      if (colorScheme === 'dark') await screenshot(page, 'widget-amber-dark');
      await context.close();
    }
  } finally {
    await admin.settings({ widget_color: '#2f6fec' });
  }
});

test("the widget's default colour is the Messenger's accent", { skip }, async () => {
  const fresh = await startServer();
  try {
    const owner = await Agent.setup(fresh.url);
    const widgetColor = (await (await fetch(fresh.url + '/api/widget/settings')).json()).helpdesk.widget_color.toLowerCase();
    const context = await browser.newContext({ colorScheme: 'light' });
    const at = owner.cookie.indexOf('=');
    await context.addCookies([{ name: owner.cookie.slice(0, at), value: owner.cookie.slice(at + 1), url: fresh.url }]);
    const page = await context.newPage();
    await page.goto(fresh.url + '/');
    await page.locator('#app:not([aria-busy])').waitFor();
    assert.equal(page.url(), fresh.url + '/', 'the Messenger, signed in');
    const messengerAccent = (await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--accent'))).trim().toLowerCase();
    assert.match(messengerAccent, /^#[0-9a-f]{6}$/);
    assert.equal(widgetColor, messengerAccent);
    // And the widget wears it: its preview page's launcher.
    await page.goto(fresh.url + '/widget/preview');
    await launcher(page).waitFor({ state: 'visible' });
    assert.equal(hexOf(await launcher(page).evaluate((b) => getComputedStyle(b).backgroundColor)), messengerAccent);
    await context.close();
  } finally {
    await fresh.stop();
  }
});

test('every widget word is in English and Portuguese, and so is every line a customer may see', async () => {
  const { readFileSync } = await import('node:fs');
  const { words } = await import('../../assets/widget/i18n.js');
  const en = words('en'), pt = words('pt');
  assert.deepEqual(Object.keys(pt).sort(), Object.keys(en).sort());
  for (const [k, v] of Object.entries(pt)) assert.ok(v.trim(), `pt.${k} is empty`);
  // The codes of the system lines a customer sees (src/desk/customer.rs CUSTOMER_LINES).
  const src = readFileSync(new URL('../../src/desk/customer.rs', import.meta.url), 'utf8');
  const block = src.slice(src.indexOf('const CUSTOMER_LINES'), src.indexOf(';', src.indexOf('const CUSTOMER_LINES')));
  const codes = [...block.matchAll(/\("([a-z_.]+)",/g)].map((m) => m[1]);
  assert.ok(codes.length >= 2, `found the codes: ${codes}`);
  for (const c of codes) {
    assert.ok(en[c], `no English text for the system line ${c}`);
    assert.ok(pt[c] && pt[c] !== en[c], `no Portuguese text for the system line ${c}`);
  }
});
