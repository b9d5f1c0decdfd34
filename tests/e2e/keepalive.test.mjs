// The widget's socket in a real browser through the server's keepalive rounds (ws::keepalive), made
// 1 s long here (FRONTDESK_WIDGET_KEEPALIVE_SECS; 45 s by default): Chromium takes the unsolicited
// pongs without a word and answers the real pings by itself, so the server keeps the socket well past
// its silence limit (four rounds) and the widget never has to reconnect.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, skipOrFail, startServer } from './lib.mjs';
import { Agent, chatFrame, startHostSite } from './widget-helpers.mjs';

const skip = skipOrFail();
let server, site, browser;

before(async () => {
  if (skip) return;
  server = await startServer({ env: { FRONTDESK_WIDGET_KEEPALIVE_SECS: '1' } });
  site = await startHostSite(server.url);
  browser = await launchBrowser();
  await Agent.setup(server.url);
});

after(async () => {
  await browser?.close();
  await site?.close();
  await server?.stop();
});

test("the widget's socket outlives many keepalive rounds without a reconnect", { skip }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const sockets = [];
  page.on('websocket', (ws) => {
    if (new URL(ws.url()).pathname !== '/ws/widget') return;
    const s = { closedAt: null, errors: [] };
    ws.on('close', () => { s.closedAt = Date.now(); });
    ws.on('socketerror', (e) => s.errors.push(e));
    sockets.push(s);
  });
  await page.goto(site.url + '/');
  await page.getByRole('button', { name: /Open chat/ }).click();
  const frame = await chatFrame(page);
  const input = frame.getByRole('textbox', { name: 'Write a message…' });
  await input.fill('Still there?');
  await frame.getByRole('button', { name: 'Send' }).click();
  await frame.getByText(/Sent/).waitFor();
  // Ten rounds: about three real pings, seven unsolicited pongs; a socket silent for four rounds
  // (plus the 1 s the reader waits after a text frame) would be dropped by now.
  await page.waitForTimeout(10_000);
  assert.equal(sockets.length, 1, 'one socket, never reopened');
  assert.equal(sockets[0].closedAt, null, 'the socket is still open');
  assert.deepEqual(sockets[0].errors, []);
  await input.fill('Yes, still here.');
  await frame.getByRole('button', { name: 'Send' }).click();
  await frame.getByText('Yes, still here.', { exact: true }).waitFor();
  await frame.getByText(/Sent/).last().waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});
