// The widget's socket in a real browser through the server's keepalive rounds (ws::keepalive), made
// 1 s long here (FRONTDESK_WIDGET_KEEPALIVE_SECS; 45 s by default). Every round brings a `tick` text
// frame the widget's script sees, so the script sends no `ping` of its own while ticks come (a real
// ping from the server, every third silent round, is answered by Chromium itself); when ticks stop
// reaching the script, it pings after its quiet time (here 1 s + 2 s) and the socket stays up.
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

const PING = '{"type":"ping"}';
const TICK = '{"type":"tick"}';

// In every frame: the page's scripts never see a `tick` (as if the server sent none they could see).
const hideTicks = () => {
  const d = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
  Object.defineProperty(WebSocket.prototype, 'onmessage', {
    configurable: true,
    get() { return d.get.call(this); },
    set(fn) { d.set.call(this, fn && ((e) => { if (e.data !== '{"type":"tick"}') fn.call(this, e); })); },
  });
};

/**
 * Open the widget, send a message, then wait ten rounds; what the widget's socket sent and got.
 * @param {boolean} hidden whether the widget's script is kept from seeing ticks
 */
async function tenRounds(hidden) {
  const context = await browser.newContext();
  if (hidden) await context.addInitScript(hideTicks);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const sockets = [];
  page.on('websocket', (ws) => {
    if (new URL(ws.url()).pathname !== '/ws/widget') return;
    const s = { closedAt: null, errors: [], sent: [], ticks: 0 };
    ws.on('close', () => { s.closedAt = Date.now(); });
    ws.on('socketerror', (e) => s.errors.push(e));
    ws.on('framesent', (f) => s.sent.push({ at: Date.now(), payload: String(f.payload) }));
    ws.on('framereceived', (f) => { if (String(f.payload) === TICK) s.ticks++; });
    sockets.push(s);
  });
  await page.goto(site.url + '/');
  await page.getByRole('button', { name: /Open chat/ }).click();
  const frame = await chatFrame(page);
  const input = frame.getByRole('textbox', { name: 'Write a message…' });
  await input.fill('Still there?');
  await frame.getByRole('button', { name: 'Send' }).click();
  await frame.getByText(/Sent/).waitFor();
  // Ten rounds: a socket silent for four rounds (plus the 1 s the reader waits after a text frame)
  // would be dropped by now.
  const from = Date.now();
  const ticksBefore = sockets[0]?.ticks ?? 0;
  await page.waitForTimeout(10_000);
  assert.equal(sockets.length, 1, 'one socket, never reopened');
  const s = sockets[0];
  assert.equal(s.closedAt, null, 'the socket is still open');
  assert.deepEqual(s.errors, []);
  const pings = s.sent.filter((f) => f.payload === PING);
  const result = { pings: pings.length, pingsInWindow: pings.filter((f) => f.at >= from).length, ticks: s.ticks - ticksBefore };
  await input.fill('Yes, still here.');
  await frame.getByRole('button', { name: 'Send' }).click();
  await frame.getByText('Yes, still here.', { exact: true }).waitFor();
  await frame.getByText(/Sent/).last().waitFor();
  assert.deepEqual(errors, []);
  await context.close();
  return result;
}

test("while ticks come, the widget's script never pings and its socket outlives many rounds", { skip }, async () => {
  const r = await tenRounds(false);
  assert.equal(r.pings, 0, `no ping from the script while ticks come (${JSON.stringify(r)})`);
  assert.ok(r.ticks >= 8, `a tick every round: ${r.ticks} in 10 s`);
});

test("when ticks stop reaching the script, it pings after its quiet time and the socket stays up", { skip }, async () => {
  const r = await tenRounds(true);
  assert.ok(r.ticks >= 8, `the server still sends a tick every round: ${r.ticks} in 10 s`);
  // Quiet time 1 s + max(1 s / 3, 2 s) = 3 s; each `pong` restarts it: about three pings in 10 s.
  assert.ok(r.pingsInWindow >= 2 && r.pingsInWindow <= 4, `a ping every ~3 s of silence: ${JSON.stringify(r)}`);
});
