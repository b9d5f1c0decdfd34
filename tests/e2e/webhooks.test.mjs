// Admin → Webhooks (issue 19 B) in a real browser against a real receiver: a node:http server on
// 127.0.0.1 in this test, which records what it is sent and answers with the status the test chooses.
// An admin adds an endpoint for it (the secret shown once, with Copy), sends a test event (the receiver
// gets it, signed with that secret; the log shows 200), makes the receiver answer 500 (the answer and
// the log show the failure, Retry sends it again), and with private networks refused again a loopback
// URL is refused next to the form. The section in English, Portuguese, dark and on a 360 px phone, axe
// clean.
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { checkA11y, launchBrowser, screenshot, skipOrFail, startServer } from './lib.mjs';
import { User, eventually, sessionPage } from './messenger-helpers.mjs';

const skip = skipOrFail();

let server, browser, admin, receiver, receiverUrl;
const received = [];
let answerWith = 200;

before(async () => {
  if (skip) return;
  receiver = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answerWith, { 'Content-Type': 'text/plain' });
      res.end(answerWith === 200 ? 'thanks' : '<b>receiver broke</b>');
    });
  });
  await new Promise((ok) => receiver.listen(0, '127.0.0.1', ok));
  receiverUrl = `http://127.0.0.1:${receiver.address().port}/hooks`;
  server = await startServer();
  browser = await launchBrowser();
  admin = await User.setup(server.url);
  // The receiver is on loopback: allowed only with the private-networks setting on.
  await admin.request('PATCH', '/api/settings', { webhooks_allow_private: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  receiver?.close();
});

function adminPage(ctxOpts = {}) {
  return sessionPage(browser, server.url, admin, '/admin/webhooks', { ctxOpts, acceptDialogs: true });
}

/** `t=…,v1=…` checked as a receiver would: HMAC-SHA256(secret, "<t>.<body>"), in constant time. */
function signedWith(secret, { headers, body }) {
  const parts = Object.fromEntries(headers['frontdesk-signature'].split(',').map((p) => p.split('=')));
  const want = createHmac('sha256', secret).update(`${parts.t}.${body}`).digest();
  const got = Buffer.from(parts.v1, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}

test('an admin adds an endpoint, sees its secret once, and test events reach the receiver, signed, and fill the log', { skip }, async () => {
  const { context, page, problems } = await adminPage();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
  await page.getByText('No endpoints yet').waitFor();
  await checkA11y(page, 'Admin → Webhooks, empty (en)');

  await page.getByLabel('URL').fill(receiverUrl);
  await page.getByLabel('Description').fill('Our CRM');
  // Only two events: the test ping goes whatever the endpoint listens to.
  for (const box of await page.locator('.wh-events input[type=checkbox]').all()) await box.uncheck();
  await page.getByRole('checkbox', { name: 'conversation.created' }).check();
  await page.getByRole('checkbox', { name: 'message.created' }).check();
  await page.getByRole('button', { name: 'Add endpoint' }).click();

  // The secret, once, with the warning and Copy.
  const secretBox = page.getByRole('region', { name: /signing secret/ });
  await secretBox.getByText('it will not be shown again').waitFor();
  const secret = (await secretBox.locator('code').textContent()).trim();
  assert.match(secret, /^whsec_/);
  await secretBox.getByRole('button', { name: 'Copy secret' }).click();
  await page.getByText('Secret copied.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
  await screenshot(page, 'webhooks-admin-secret');
  const listed = await admin.request('GET', '/api/webhooks');
  assert.equal(listed.webhooks.length, 1);
  assert.deepEqual(listed.webhooks[0].events, ['conversation.created', 'message.created']);
  assert.ok(!JSON.stringify(listed).includes(secret), 'the list never carries the secret');

  // Send test event: the receiver gets a signed ping; the page and the log say 200.
  const card = page.getByRole('article', { name: receiverUrl });
  await card.getByText('Our CRM').waitFor();
  await card.getByRole('button', { name: 'Send test event' }).click();
  await card.getByText(/Delivered: the receiver answered 200/).waitFor({ timeout: 20000 });
  assert.equal(received.length, 1);
  const ping = received[0];
  assert.equal(ping.headers['frontdesk-event'], 'ping');
  assert.ok(signedWith(secret, ping), 'the Frontdesk-Signature is the HMAC of "<t>.<body>" with the secret shown');
  assert.ok(!signedWith('whsec_not-it', ping), 'a wrong secret does not verify (the check can fail)');
  assert.equal(JSON.parse(ping.body).event, 'ping');
  const log = card.locator('.wh-log-table');
  await log.locator('tbody tr').first().getByText('200', { exact: true }).waitFor();
  await log.locator('tbody tr').first().getByText('ping').waitFor();
  await log.locator('tbody tr').first().getByText('thanks').waitFor();

  // The receiver breaks: the answer and the log show the failure, the answer as text.
  answerWith = 500;
  await card.getByRole('button', { name: 'Send test event' }).click();
  await card.getByText(/Failed: 500/).waitFor({ timeout: 20000 });
  assert.equal(received.length, 2);
  const failed = log.locator('tbody tr').first();
  await failed.getByText('500', { exact: true }).waitFor();
  await failed.getByText('<b>receiver broke</b>').waitFor();
  assert.equal(await log.locator('b').count(), 0, 'the answer is text, never HTML');
  await checkA11y(page, 'Admin → Webhooks with an endpoint and its log (en)');
  await screenshot(page, 'webhooks-admin-en');

  // Retry on the failed delivery sends it again, now delivered.
  answerWith = 200;
  await failed.getByRole('button', { name: /^Retry/ }).click();
  await page.getByText('Queued again').waitFor();
  await eventually(async () => received.length === 3, 15000, 'the retried delivery at the receiver');
  assert.equal(received[2].headers['frontdesk-delivery'], received[1].headers['frontdesk-delivery']);

  // The secret is not on the page after a reload.
  await page.reload();
  await page.getByRole('article', { name: receiverUrl }).waitFor();
  assert.ok(!(await page.content()).includes(secret));
  assert.deepEqual(problems, []);
  await context.close();
});

test('with private networks refused again, a loopback URL is refused next to the form', { skip }, async () => {
  const { context, page, problems } = await adminPage();
  const priv = page.locator('section', { has: page.getByRole('heading', { name: 'Private networks' }) });
  await priv.getByText('Warning:').waitFor();
  const allow = priv.getByRole('checkbox', { name: 'Allow webhooks to private networks' });
  assert.equal(await allow.isChecked(), true);
  await allow.uncheck();
  await priv.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('Saved.').first().waitFor();
  assert.equal((await admin.request('GET', '/api/webhooks')).allow_private, false);

  await page.getByLabel('URL').fill('http://127.0.0.1:1/');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  const alert = page.locator('form.wh-form [role=alert]', { hasText: 'loopback' });
  await alert.waitFor();
  assert.match(await alert.textContent(), /127\.0\.0\.1.*refused unless/);
  assert.equal((await admin.request('GET', '/api/webhooks')).webhooks.length, 1, 'nothing was added');
  await checkA11y(page, 'Admin → Webhooks, the form with a refusal (en)');
  await screenshot(page, 'webhooks-admin-refused');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the Webhooks section in Portuguese, dark and on a 360 px phone', { skip }, async () => {
  const pt = await adminPage({ locale: 'pt-PT' });
  await pt.page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
  await pt.page.getByRole('heading', { name: 'Adicionar um destino' }).waitFor();
  await pt.page.getByRole('button', { name: 'Adicionar destino' }).waitFor();
  await pt.page.getByRole('article', { name: receiverUrl }).getByText('Registo de envios').click();
  await pt.page.locator('.wh-log-table').waitFor();
  await checkA11y(pt.page, 'Admin → Webhooks (pt)');
  await screenshot(pt.page, 'webhooks-admin-pt');
  await pt.context.close();

  const dark = await adminPage({ colorScheme: 'dark' });
  await dark.page.getByRole('article', { name: receiverUrl }).getByText('Delivery log').click();
  await dark.page.locator('.wh-log-table').waitFor();
  await checkA11y(dark.page, 'Admin → Webhooks (dark)');
  await screenshot(dark.page, 'webhooks-admin-dark');
  await dark.context.close();

  const phone = await adminPage({ viewport: { width: 360, height: 740 } });
  await phone.page.getByRole('article', { name: receiverUrl }).getByText('Delivery log').click();
  await phone.page.locator('.wh-log-table').waitFor();
  await checkA11y(phone.page, 'Admin → Webhooks (360 px)');
  await screenshot(phone.page, 'webhooks-admin-phone');
  const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page does not scroll sideways at 360 px (${overflow} px too wide)`);
  assert.deepEqual(phone.problems, []);
  await phone.context.close();
});
