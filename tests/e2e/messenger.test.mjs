// The Messenger in Chromium, driven as an agent would (roles and visible text), with customers
// simulated over the widget API from Node: the seed walkthrough [S3]–[S12], visibility of "From
// customers", hostile text shown as text, customer-supplied URLs linked only when http(s), and no message
// lost or doubled across a socket drop.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, screenshot, skipOrFail, startServer } from './lib.mjs';
import { Customer, User, eventually, signIn } from './messenger-helpers.mjs';

const skip = skipOrFail();
let server;
let browser;
let admin;

before(async () => {
  if (skip) return;
  server = await startServer();
  browser = await launchBrowser();
  admin = await User.setup(server.url);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A fresh browser context signed in as a new user; any JS dialog fails the test. */
async function agentPage(name, email, opts = {}, ctxOpts = {}) {
  const u = await admin.createUser(name, email, opts);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...ctxOpts });
  const page = await context.newPage();
  const problems = [];
  page.on('dialog', (d) => { problems.push(`dialog opened: ${d.type()} ${d.message()}`); d.dismiss().catch(() => {}); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await signIn(page, server.url, u.email, u.password);
  return { page, context, user: u, problems };
}

const row = (page, name) => page.locator('.side-list').getByRole('button', { name: new RegExp(name) });

test('seed walkthrough: reply, close, reopen by the customer, edit, delete, search, help desk offline', { skip }, async () => {
  const { page, context, problems } = await agentPage('Bob Builder', 'bob@example.com');
  await page.getByRole('tab', { name: /From customers/ }).click();
  await page.getByRole('tab', { name: /^Open/ }).click();

  // [S5] A customer writes: the conversation appears live, at the top, unread ([S7]).
  const sally = await Customer.create(server.url, { name: 'Sally Carter', email: 'sally@example.com', timezone: 'Europe/Lisbon' });
  await sally.send('Hello, my parcel is late. Order 1234.');
  const sallyRow = row(page, 'Sally Carter');
  await sallyRow.waitFor();
  assert.match(await sallyRow.innerText(), /parcel is late/);
  await eventually(async () => /1\s*unread/.test(await sallyRow.innerText()), 5000, 'an unread mark with its count');
  assert.match(await page.getByRole('tab', { name: /From customers/ }).innerText(), /1/);
  await screenshot(page, 'messenger-list');

  // Opening clears the unread mark.
  await sallyRow.click();
  await page.getByRole('heading', { name: 'Sally Carter' }).waitFor();
  await page.getByRole('log').getByText('Hello, my parcel is late. Order 1234.').waitFor();
  await eventually(async () => !/unread/.test(await sallyRow.innerText()), 5000, 'unread mark to clear');

  // Reply with Enter; the customer receives it.
  const composer = page.getByRole('textbox', { name: 'Write a reply' });
  await composer.fill('Hi Sally, let me check that for you.');
  await composer.press('Enter');
  await eventually(async () => (await sally.messages()).some((m) => m.body === 'Hi Sally, let me check that for you.'), 5000, 'the customer to get the reply');
  await composer.fill('It ships tomorrow.');
  await composer.press('Enter');
  await page.locator('.msg.mine').filter({ hasText: 'It ships tomorrow.' }).locator('.state.sent').waitFor();

  // The customer types; the agent sees it.
  await sally.send('Great, thanks! Can I change the address?');
  await page.getByRole('log').getByText('Great, thanks! Can I change the address?').waitFor();
  await screenshot(page, 'messenger-conversation');

  // [S10] The message menu: the customer's data.
  const custMsg = page.locator('.msg').filter({ hasText: 'Hello, my parcel is late' });
  await custMsg.hover();
  await custMsg.getByRole('button', { name: 'Message actions' }).click();
  await page.getByRole('menuitem', { name: 'Show customer data' }).click();
  const panel = page.getByRole('complementary');
  await panel.getByText('sally@example.com').first().waitFor();
  await panel.getByText('https://shop.example.com/checkout').waitFor();
  await panel.getByText(/\d{1,2}:\d{2}.* · Europe\/Lisbon/).waitFor(); // her local time ([S10])
  await screenshot(page, 'messenger-customer-panel');
  await page.keyboard.press('Escape');
  await panel.waitFor({ state: 'hidden' });

  // Edit my message inline; the customer's view follows.
  const mine = page.locator('.msg.mine').filter({ hasText: 'It ships tomorrow.' });
  await mine.hover();
  await mine.getByRole('button', { name: 'Message actions' }).click();
  await page.getByRole('menuitem', { name: 'Edit' }).click();
  const editBox = page.getByRole('textbox', { name: 'Edit' });
  await editBox.fill('It ships on Monday.');
  await editBox.press('Enter');
  await page.locator('.msg.mine').filter({ hasText: 'It ships on Monday.' }).getByText('edited').waitFor();
  await eventually(async () => (await sally.messages()).some((m) => m.body === 'It ships on Monday.' && m.edited_at), 5000, 'the edit to reach the customer');

  // Delete it, after confirming.
  const edited = page.locator('.msg.mine').filter({ hasText: 'It ships on Monday.' });
  await edited.hover();
  await edited.getByRole('button', { name: 'Message actions' }).click();
  await page.getByRole('menuitem', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('log').getByText('This message was deleted').waitFor();
  await eventually(async () => (await sally.messages()).some((m) => m.deleted_at && m.body === ''), 5000, 'the deletion to reach the customer');

  // [S6] Close: it moves to Closed.
  await page.getByRole('button', { name: 'Close', exact: true }).click();
  await page.getByRole('log').getByText(/Closed by Bob Builder/).waitFor();
  await eventually(async () => (await row(page, 'Sally Carter').count()) === 0, 5000, 'Sally to leave Open');
  await page.getByRole('tab', { name: /^Closed/ }).click();
  await row(page, 'Sally Carter').waitFor();

  // The customer replies: back in Open, unread.
  await sally.send('One more thing: gift wrapping?');
  await page.getByRole('tab', { name: /^Open/ }).click();
  await row(page, 'Sally Carter').waitFor();
  await page.getByRole('log').getByText('One more thing: gift wrapping?').waitFor();

  // Keyboard: "?" lists the shortcuts.
  await page.locator('.log').click();
  await page.keyboard.press('?');
  await page.getByRole('dialog').getByText('Keyboard shortcuts').waitFor();
  await page.keyboard.press('Escape');

  // [S11] Search: "/" focuses it; results highlight the match; opening one shows the message.
  await page.keyboard.press('/');
  await page.keyboard.type('parcel');
  const hit = page.locator('.search-results').getByRole('button', { name: /Sally Carter/ }).first();
  await hit.waitFor();
  assert.equal(await hit.locator('mark').first().innerText(), 'parcel');
  await screenshot(page, 'messenger-search');
  await hit.click();
  await page.locator('.msg').filter({ hasText: 'Hello, my parcel is late' }).waitFor();

  // [S12] The switch puts the whole help desk offline; customers see it.
  const toggle = page.getByRole('switch', { name: /Help desk online/ });
  assert.equal(await toggle.getAttribute('aria-checked'), 'true');
  await toggle.click();
  await page.getByRole('switch', { name: /Help desk offline/ }).waitFor();
  await eventually(async () => (await sally.session()).helpdesk.online === false, 5000, 'widget session to show offline');

  // Another open Messenger follows within a second (helpdesk.status event).
  const other = await agentPage('Olga Other', 'olga@example.com');
  await other.page.getByRole('switch', { name: /Help desk offline/ }).waitFor();
  await page.getByRole('switch', { name: /Help desk offline/ }).click();
  await other.page.getByRole('switch', { name: /Help desk online/ }).waitFor({ timeout: 1500 });
  await eventually(async () => (await sally.session()).helpdesk.online === true, 5000, 'widget session to show online');
  await other.context.close();

  assert.deepEqual(problems, []);
  await context.close();
});

test('an agent without customer support sees only My conversations, and can start a team chat', { skip }, async () => {
  const { page, context, problems } = await agentPage('Cara Dev', 'cara@example.com', { customer_support: false });
  await page.getByRole('heading', { name: 'My conversations' }).waitFor();
  assert.equal(await page.getByText('From customers').count(), 0);
  assert.equal(await page.getByRole('switch').count(), 0, 'no help-desk switch for non-support agents');
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.getByText('Acme Support').waitFor();

  // [S1] A conversation with a teammate lives in My conversations.
  await page.getByRole('button', { name: 'New team chat' }).first().click();
  const dlg = page.getByRole('dialog');
  await dlg.getByText('Ada Admin').click();
  await dlg.getByLabel('Subject (optional)').fill('Release planning');
  await dlg.getByLabel('Message').fill('Shall we ship on Friday?');
  await dlg.getByRole('button', { name: 'Start conversation' }).click();
  await page.getByRole('heading', { name: 'Release planning' }).waitFor();
  await page.locator('.side-list').getByRole('button', { name: /Release planning/ }).waitFor();
  await page.getByRole('log').getByText('Shall we ship on Friday?').waitFor();
  const convs = (await admin.request('GET', '/api/conversations?section=mine&status=open')).conversations;
  assert.ok(convs.some((c) => c.subject === 'Release planning'), 'the teammate has it in My conversations');

  // The language override is kept per user and applies at once.
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('dialog').getByLabel('Language').selectOption('pt');
  await page.getByRole('heading', { name: 'As minhas conversas' }).waitFor();
  assert.equal((await page.evaluate(() => fetch('/api/me').then((r) => r.json()))).user.prefs.language, 'pt');
  assert.deepEqual(problems, []);
  await context.close();
});

test('hostile names and messages are shown as text, never run', { skip }, async () => {
  const { page, context, problems } = await agentPage('Dan Safe', 'dan@example.com');
  const evil = await Customer.create(server.url, { name: '<img src=x onerror=alert(1)>' });
  await evil.send('<script>alert(2)</script> and <b>bold</b> <img src=x onerror=alert(3)> https://example.com/?q=<x>');
  await page.getByRole('tab', { name: /From customers/ }).click();
  const r = row(page, '<img src=x onerror=alert\\(1\\)>');
  await r.waitFor();
  await r.click();
  await page.getByRole('heading', { name: '<img src=x onerror=alert(1)>' }).waitFor();
  await page.getByRole('log').getByText('<script>alert(2)</script> and <b>bold</b>', { exact: false }).waitFor();
  assert.equal(await page.locator('.log img, .side-list img, .log script, .log b').count(), 0);
  const link = page.locator('.log a[href^="https://example.com"]');
  assert.equal(await link.getAttribute('rel'), 'noopener nofollow noreferrer');
  await page.waitForTimeout(300);
  assert.deepEqual(problems, []);
  await context.close();
});

test('customer page and referrer URLs become links only for http(s)', { skip }, async () => {
  const { page, context, problems } = await agentPage('Uma Links', 'uma@example.com');
  // A link must not open anything by itself: a new window is a failure too.
  context.on('page', (p) => problems.push(`a window opened: ${p.url()}`));
  const evilPage = 'javascript:alert(1)//';
  const evilReferrer = 'data:text/html,<script>alert(2)</script>';
  const jay = await Customer.create(server.url, { name: 'Jay Script', page_url: evilPage, referrer: evilReferrer });
  await jay.send('Please look at the page I am on');
  const kim = await Customer.create(server.url, { name: 'Kim Cart', page_url: 'https://shop.example/cart', referrer: 'https://search.example/?q=mugs' });
  await kim.send('My cart is stuck');
  await page.getByRole('tab', { name: /From customers/ }).click();
  const details = page.getByRole('main').getByRole('button', { name: 'Details', exact: true });
  const panel = page.getByRole('complementary');

  await row(page, 'Jay Script').click();
  await page.getByRole('main').getByRole('heading', { name: 'Jay Script' }).waitFor();
  await details.click();
  const shownPage = panel.getByText(evilPage, { exact: true });
  await shownPage.waitFor();
  await panel.getByText(evilReferrer, { exact: true }).waitFor();
  assert.equal(await panel.getByRole('link', { name: evilPage }).count(), 0, 'the javascript: page URL is text');
  assert.equal(await panel.getByRole('link', { name: evilReferrer }).count(), 0, 'the data: referrer is text');
  assert.equal(await page.locator('a[href^="javascript:" i], a[href^="data:" i]').count(), 0);
  await shownPage.click();
  await page.keyboard.press('Escape');
  await panel.waitFor({ state: 'hidden' });

  await row(page, 'Kim Cart').click();
  await page.getByRole('main').getByRole('heading', { name: 'Kim Cart' }).waitFor();
  await details.click();
  const link = panel.getByRole('link', { name: 'https://shop.example/cart' });
  await link.waitFor();
  assert.equal(await link.getAttribute('href'), 'https://shop.example/cart');
  assert.equal(await link.getAttribute('target'), '_blank');
  const rel = (await link.getAttribute('rel')).split(/\s+/);
  assert.ok(rel.includes('noopener') && rel.includes('noreferrer'), `rel="${rel.join(' ')}"`);
  assert.equal(await panel.getByRole('link', { name: 'https://search.example/?q=mugs' }).getAttribute('rel'), rel.join(' '));

  await page.waitForTimeout(300);
  assert.deepEqual(problems, []);
  await context.close();
});

test('socket drop: messages received and typed meanwhile all arrive, once', { skip }, async () => {
  const { page, context, problems } = await agentPage('Eve Steady', 'eve@example.com');
  const cust = await Customer.create(server.url, { name: 'Rita Reconnect' });
  await cust.send('First, before the drop');
  await page.getByRole('tab', { name: /From customers/ }).click();
  await row(page, 'Rita Reconnect').click();
  await page.getByRole('log').getByText('First, before the drop').waitFor();

  await page.evaluate(() => window.__frontdesk.dropSocket(60_000));
  await page.getByText('Connection lost. Reconnecting…').waitFor();
  for (const n of [1, 2, 3]) await cust.send(`Offline message ${n}`);
  const composer = page.getByRole('textbox', { name: 'Write a reply' });
  await composer.fill('Typed while offline');
  await composer.press('Enter');
  await page.locator('.msg.pending').getByText('Sending…').waitFor();
  await screenshot(page, 'messenger-reconnecting');

  await page.evaluate(() => window.__frontdesk.resumeSocket());
  for (const n of [1, 2, 3]) await page.getByRole('log').getByText(`Offline message ${n}`).waitFor();
  await eventually(async () => (await cust.messages()).some((m) => m.body === 'Typed while offline'), 5000, 'the queued reply to be sent');
  await page.waitForTimeout(500);
  for (const n of [1, 2, 3]) assert.equal(await page.getByRole('log').getByText(`Offline message ${n}`).count(), 1, `message ${n} shown once`);
  assert.equal(await page.locator('.msg').filter({ hasText: 'Typed while offline' }).count(), 1);
  assert.equal((await cust.messages()).filter((m) => m.body === 'Typed while offline').length, 1);
  await page.getByText('Connection lost. Reconnecting…').waitFor({ state: 'hidden' });

  // Drop again with no hold: resume replays, still nothing doubled.
  await page.evaluate(() => window.__frontdesk.dropSocket());
  await cust.send('After a quick blip');
  await page.getByRole('log').getByText('After a quick blip').waitFor();
  assert.equal(await page.getByRole('log').getByText('Offline message 2').count(), 1);

  // Keyboard: Alt+Down goes to the next conversation; Ctrl+Enter closes this one and moves on.
  await page.locator('.log').click();
  const heading = page.getByRole('main').getByRole('heading', { level: 1 });
  await page.keyboard.press('Alt+ArrowDown');
  await eventually(async () => (await heading.innerText()) !== 'Rita Reconnect', 3000, 'the next conversation');
  await page.keyboard.press('Alt+ArrowUp');
  await eventually(async () => (await heading.innerText()) === 'Rita Reconnect', 3000, 'back to Rita');
  await page.keyboard.press('Control+Enter');
  await eventually(async () => (await heading.innerText()) !== 'Rita Reconnect', 3000, 'close and next');
  await eventually(async () => (await admin.request('GET', '/api/conversations?section=customers&status=closed')).conversations
    .some((c) => c.customer_name === 'Rita Reconnect'), 3000, 'Rita closed');
  assert.deepEqual(problems, []);
  await context.close();
});

test('older history loads when scrolling up', { skip }, async () => {
  const cust = await Customer.create(server.url, { name: 'Larry Longtalk' });
  for (let i = 1; i <= 75; i++) await cust.send(`Line number ${i}`);
  const { page, context, problems } = await agentPage('Hal History', 'hal@example.com');
  await row(page, 'Larry Longtalk').click();
  const log = page.getByRole('log');
  await log.getByText('Line number 75', { exact: true }).waitFor();
  assert.equal(await log.getByText('Line number 1', { exact: true }).count(), 0, 'only the latest page at first');
  for (let i = 0; i < 10 && !(await log.getByText('Line number 1', { exact: true }).count()); i++) {
    await page.locator('.log').evaluate((n) => { n.scrollTop = 0; });
    await page.waitForTimeout(300);
  }
  await log.getByText('Line number 1', { exact: true }).waitFor();
  await log.getByText('This is the beginning of the conversation.').waitFor();
  assert.equal(await log.getByText(/^Line number \d+$/).count(), 75);
  assert.deepEqual(problems, []);
  await context.close();
});

test('phone width, dark theme and Portuguese', { skip }, async () => {
  const cust = await Customer.create(server.url, { name: 'Mia Mobile' });
  await cust.send('Olá! Preciso de ajuda com a minha encomenda.');
  const { page, context, problems } = await agentPage('Pedro Telemóvel', 'pedro@example.com', {},
    { viewport: { width: 360, height: 740 }, colorScheme: 'dark', locale: 'pt-PT', isMobile: true, hasTouch: true });
  await page.getByRole('tab', { name: /De clientes/ }).click();
  const r = row(page, 'Mia Mobile');
  await r.waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `no horizontal scroll at 360 px (scrollWidth ${width})`);
  await screenshot(page, 'messenger-mobile-list-dark');
  await r.click();
  await page.getByRole('heading', { name: 'Mia Mobile' }).waitFor();
  await page.getByRole('button', { name: 'Voltar às conversas' }).waitFor();
  await screenshot(page, 'messenger-mobile-conversation-dark');
  await page.getByRole('button', { name: 'Voltar às conversas' }).click();
  await r.waitFor();

  // The same, dark, at laptop width: three columns again.
  await page.setViewportSize({ width: 1280, height: 800 });
  await r.click();
  await page.getByRole('main').getByRole('heading', { name: 'Mia Mobile' }).waitFor();
  await page.getByRole('navigation').waitFor();
  await screenshot(page, 'messenger-desktop-dark');
  assert.deepEqual(problems, []);
  await context.close();
});

test('signing out in one tab sends the other tabs of that session to the sign-in page', { skip }, async () => {
  const { page, context, problems } = await agentPage('Tabby Two', 'tabby@example.com');
  const second = await context.newPage(); // same browser context: same session cookie
  await second.goto(server.url + '/');
  await second.getByRole('tab', { name: /My conversations/ }).waitFor();
  // Sign out from outside the pages (the tabs' own redirect must not cut the request short).
  const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  const me = await (await fetch(server.url + '/api/me', { headers: { Cookie: cookie } })).json();
  const r = await fetch(server.url + '/api/logout', { method: 'POST', headers: { Cookie: cookie, Origin: server.url, 'X-CSRF-Token': me.csrf_token } });
  assert.equal(r.status, 200);
  // The server closes the session's sockets (4001): both tabs land on the sign-in page.
  await second.waitForURL(/\/login/, { timeout: 5000 });
  await page.waitForURL(/\/login/, { timeout: 5000 });
  assert.deepEqual(problems, []);
  await context.close();
});
