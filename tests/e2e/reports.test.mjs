// Satisfaction and reports (issue 20) in Chromium. A customer on a real host site rates a closed chat
// in Portuguese in the widget, and the agent watching it in the Messenger sees the rating at once (the
// timeline) and in the customer panel. Then a known week is built through the real API at chosen times
// (the test routes' clock) and the admin's Reports page shows its exact figures, updates them in place
// when the range changes, downloads a CSV equal to them, passes axe-core, in English and Portuguese,
// light and dark and on a 360 px phone; an agent's own page shows only their work.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { checkA11y, launchBrowser, screenshot, skipOrFail, startServer } from './lib.mjs';
import { Customer, User, eventually, signIn } from './messenger-helpers.mjs';
import { chatFrame, startHostSite } from './widget-helpers.mjs';

const skip = skipOrFail();
let browser;
const servers = [];

before(async () => {
  if (skip) return;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const s of servers) await s.stop();
});

async function server() {
  const s = await startServer({ env: { FRONTDESK_TEST_ROUTES: '1' } });
  servers.push(s);
  return s;
}

async function signedIn(base, email, password, ctxOpts = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...ctxOpts });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await signIn(page, base, email, password);
  return { context, page, problems };
}

test('a customer rates a closed chat in Portuguese and the agent sees the rating', { skip }, async () => {
  const s = await server();
  const site = await startHostSite(s.url);
  try {
    const admin = await User.setup(s.url);
    await admin.request('PATCH', '/api/settings', { csat: 'stars' });

    // The customer writes from the host site, in a Portuguese browser.
    const cctx = await browser.newContext({ locale: 'pt-PT', viewport: { width: 420, height: 760 } });
    const cpage = await cctx.newPage();
    await cpage.goto(site.url + '/');
    await cpage.getByRole('button', { name: 'Abrir chat' }).click();
    const frame = await chatFrame(cpage);
    const input = frame.getByRole('textbox', { name: 'Escreva uma mensagem…' });
    await input.fill('A minha encomenda chegou partida');
    await frame.getByRole('button', { name: 'Enviar' }).click();
    const conv = await eventually(async () => (await admin.request('GET', '/api/conversations?section=customers&status=open')).conversations[0], 8000, 'the chat');

    // The agent has it open in the Messenger, replies and closes it.
    const { page, problems } = await signedIn(s.url, 'ada@example.com', 'correct horse battery');
    await page.getByRole('tab', { name: /From customers/ }).click();
    await page.locator('.side-list').getByRole('button', { name: new RegExp(conv.customer_name) }).click();
    await page.getByRole('main').getByRole('heading', { name: conv.customer_name, level: 1 }).waitFor();
    await admin.request('POST', `/api/conversations/${conv.id}/messages`, { body: 'Enviamos outra hoje.' });
    await admin.request('POST', `/api/conversations/${conv.id}/status`, { status: 'closed' });

    // The widget asks, in Portuguese; the customer picks 4 stars, comments and sends.
    const question = frame.getByRole('group', { name: 'Como avalia esta conversa?' });
    await question.waitFor();
    await question.getByRole('button', { name: '4 de 5 estrelas' }).click();
    assert.equal(await question.getByRole('button', { name: '4 de 5 estrelas' }).getAttribute('aria-pressed'), 'true');
    await question.getByRole('textbox', { name: 'Acrescente um comentário (opcional)' }).fill('Resolvido depressa, obrigado');
    await checkA11y(frame, 'the rating question in the widget (pt)');
    await screenshot(cpage, 'csat-widget-question-pt');
    await question.getByRole('button', { name: 'Enviar avaliação' }).click();
    await question.getByText('Obrigado pela sua avaliação!').waitFor();
    assert.equal(await question.getByLabel('A sua avaliação: 4 de 5 estrelas').textContent(), '★★★★☆');
    await screenshot(cpage, 'csat-widget-rated-pt');

    // The agent's timeline says so, in the agent's words, live.
    await page.getByRole('main').getByText('The customer rated this conversation 4/5: “Resolvido depressa, obrigado”').waitFor();
    // And the customer panel lists it.
    await page.getByRole('main').locator('header').getByRole('button', { name: 'Details' }).click();
    const panel = page.locator('aside');
    await panel.getByRole('heading', { name: 'Satisfaction' }).waitFor();
    await panel.getByText('4/5').waitFor();
    await panel.getByText('Resolvido depressa, obrigado').waitFor();
    await screenshot(page, 'csat-messenger-rated');
    // The question stays answered after a reload of the widget.
    await cpage.reload();
    await cpage.getByRole('button', { name: 'Abrir chat' }).click();
    const again = await chatFrame(cpage);
    await again.getByRole('group', { name: 'Como avalia esta conversa?' }).getByText('Obrigado pela sua avaliação!').waitFor();
    assert.deepEqual(problems, []);
    await cctx.close();
  } finally {
    await site.close();
  }
});

// ---- A known week (the same as tests/reports.rs): Asia/Kolkata, open Monday–Friday 09:00–17:00. ----

const TZ_OFFSET = 330 * 60_000; // Asia/Kolkata is UTC+05:30 all year.
const at = (day, h, m) => Date.UTC(2026, 10, day, h, m) - TZ_OFFSET;

async function week(base) {
  const clock = async (ms) => {
    const r = await fetch(base + '/__test/clock', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ms }) });
    assert.equal(r.status, 200);
  };
  const ada = await User.setup(base);
  const samU = await ada.createUser('Sam Support', 'sam@example.com');
  const samApi = new User(base);
  await samApi.request('POST', '/api/login', { email: samU.email, password: samU.password });
  await samApi.signedIn();
  const hours = ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({ day, start: '09:00', end: '17:00' }));
  await ada.request('PATCH', '/api/settings', { timezone: 'Asia/Kolkata', csat: 'stars', hours_enabled: true, hours });
  const reply = (u, id, body) => u.request('POST', `/api/conversations/${id}/messages`, { body });
  const close = (u, id) => u.request('POST', `/api/conversations/${id}/status`, { status: 'closed' });
  const rate = async (cu, score, comment) => {
    const q = (await cu.messages()).filter((m) => m.system?.code === 'csat.requested').pop();
    await cu.request('POST', '/api/widget/csat', { closing: q.system.csat.closing, score, comment });
  };
  await clock(at(23, 9, 0));
  const alice = await Customer.create(base, { name: 'Alice' });
  const c1 = (await alice.send('Hi, where is my order?')).message.conversation_id;
  await clock(at(23, 9, 4)); await reply(samApi, c1, 'Checking.');
  await clock(at(23, 9, 5)); await alice.send('Thanks');
  await clock(at(23, 9, 30)); await close(samApi, c1);
  await clock(at(23, 10, 0)); await rate(alice, 5, 'Great');
  await clock(at(24, 16, 50));
  const bob = await Customer.create(base, { name: 'Bob' });
  const c2 = (await bob.send('Refund please')).message.conversation_id;
  await clock(at(25, 9, 10)); await reply(ada, c2, 'Done.');
  await clock(at(25, 9, 20)); await close(ada, c2);
  await clock(at(25, 12, 0)); await rate(bob, 2, 'Slow, but fixed');
  await clock(at(25, 10, 0));
  const cara = await Customer.create(base, { name: 'Cara' });
  const c3 = (await cara.send('Hello?')).message.conversation_id;
  await clock(at(25, 10, 30)); await close(samApi, c3);
  await clock(at(26, 11, 0)); await alice.send('It came broken');
  await clock(at(26, 11, 2)); await reply(samApi, c1, 'Sending another.');
  await clock(at(26, 11, 10)); await close(samApi, c1);
  await clock(at(27, 23, 50));
  const dan = await Customer.create(base, { name: 'Dan' });
  const c4 = (await dan.send('Late question')).message.conversation_id;
  await clock(at(28, 0, 5)); await reply(samApi, c4, 'Here.');
  await clock(at(29, 12, 0));
  return { ada, samU };
}

const tile = (page, key) => page.locator(`[data-figure="${key}"] .rp-value`);

async function figures(page) {
  const out = {};
  for (const k of ['started', 'closed', 'reopened', 'first-median', 'first-p90', 'close-median', 'close-p90', 'csat-average', 'csat-rate']) out[k] = await tile(page, k).textContent();
  return out;
}

test('the Reports page shows the exact figures of a known week, updates in place, and exports them', { skip }, async () => {
  const s = await server();
  const { samU } = await week(s.url);
  const { context, page, problems } = await signedIn(s.url, 'ada@example.com', 'correct horse battery', { acceptDownloads: true, locale: 'en-GB' });
  await page.goto(s.url + '/admin/reports');
  await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
  await page.locator('.rp-out[aria-busy="false"]').waitFor();
  assert.deepEqual(await figures(page), {
    started: '4', closed: '4', reopened: '1',
    'first-median': '4 min', 'first-p90': '20 min', 'close-median': '30 min', 'close-p90': '16 h 30 min',
    'csat-average': '3.5 of 5', 'csat-rate': '50%',
  });
  await page.getByText('1 not answered yet').waitFor();
  await page.getByText('Counting only business hours').waitFor();

  // The conversations chart's table, and its CSV: the same figures.
  const conv = page.locator('[data-chart="conversations"]');
  await conv.getByRole('button', { name: 'Show table' }).click();
  const rows = await conv.getByRole('table').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.deepEqual(rows.map((r) => r.slice(1)), [['1', '1', '0'], ['1', '0', '0'], ['1', '2', '0'], ['0', '1', '1'], ['1', '0', '0'], ['0', '0', '0'], ['0', '0', '0']]);
  const [download] = await Promise.all([page.waitForEvent('download'), conv.getByRole('button', { name: 'Download CSV' }).click()]);
  assert.equal(download.suggestedFilename(), 'conversations-2026-11-23-2026-11-29.csv');
  assert.equal(readFileSync(await download.path(), 'utf8'),
    'date,started,closed,reopened\r\n2026-11-23,1,1,0\r\n2026-11-24,1,0,0\r\n2026-11-25,1,2,0\r\n2026-11-26,0,1,1\r\n2026-11-27,1,0,0\r\n2026-11-28,0,0,0\r\n2026-11-29,0,0,0\r\n');
  const msgs = page.locator('[data-chart="messages"]');
  const [d2] = await Promise.all([page.waitForEvent('download'), msgs.getByRole('button', { name: 'Download CSV' }).click()]);
  assert.equal(readFileSync(await d2.path(), 'utf8'),
    'date,customer_messages,agent_messages\r\n2026-11-23,2,1\r\n2026-11-24,1,0\r\n2026-11-25,1,1\r\n2026-11-26,1,1\r\n2026-11-27,1,0\r\n2026-11-28,0,1\r\n2026-11-29,0,0\r\n');
  const agents = page.locator('[data-chart="agents"]');
  const [d3] = await Promise.all([page.waitForEvent('download'), agents.getByRole('button', { name: 'Download CSV' }).click()]);
  assert.equal(readFileSync(await d3.path(), 'utf8'),
    'agent,handled,closed,first_response_median_s,csat_average,csat_rated\r\nAda Admin,1,1,1200,2,1\r\nSam Support,2,3,0,5,1\r\n');
  const csat = page.locator('[data-chart="csat"]');
  const [d4] = await Promise.all([page.waitForEvent('download'), csat.getByRole('button', { name: 'Download CSV' }).click()]);
  assert.equal(readFileSync(await d4.path(), 'utf8'), 'rating,count\r\nstars_5,1\r\nstars_4,0\r\nstars_3,0\r\nstars_2,1\r\nstars_1,0\r\n');
  await csat.getByText('Slow, but fixed').waitFor();
  const heatCsv = page.locator('[data-chart="hours"]');
  const [d5] = await Promise.all([page.waitForEvent('download'), heatCsv.getByRole('button', { name: 'Download CSV' }).click()]);
  const heatLines = readFileSync(await d5.path(), 'utf8').trim().split('\r\n');
  assert.equal(heatLines[0], 'hour,mon,tue,wed,thu,fri,sat,sun');
  assert.equal(heatLines[1 + 9], '09,2,0,0,0,0,0,0');
  assert.equal(heatLines[1 + 23], '23,0,0,0,0,1,0,0');

  await checkA11y(page, 'the Reports page with a table open');
  await screenshot(page, 'reports-admin-light');

  // A new range redraws in place (no reload): today, then Wednesday alone.
  await page.evaluate(() => { window.__stillHere = true; });
  await page.getByLabel('Range', { exact: true }).selectOption('today');
  await eventually(async () => (await tile(page, 'started').textContent()) === '0', 5000, 'today');
  await page.getByLabel('Range', { exact: true }).selectOption('custom');
  await page.getByLabel('From', { exact: true }).fill('2026-11-25');
  await page.getByLabel('To', { exact: true }).fill('2026-11-25');
  await eventually(async () => (await tile(page, 'closed').textContent()) === '2', 5000, 'Wednesday');
  assert.equal(await tile(page, 'started').textContent(), '1');
  // One agent.
  await page.getByLabel('Range', { exact: true }).selectOption('7d');
  await page.getByLabel('Agent', { exact: true }).selectOption({ label: 'Sam Support' });
  await eventually(async () => (await tile(page, 'closed').textContent()) === '3', 5000, "Sam's figures");
  assert.equal(await tile(page, 'started').textContent(), '2');
  assert.equal(await page.evaluate(() => window.__stillHere), true, 'no reload');
  assert.deepEqual(problems, []);
  await context.close();

  // Dark, phone, Portuguese.
  for (const [name, opts] of [
    ['reports-admin-dark', { colorScheme: 'dark' }],
    ['reports-admin-phone', { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true }],
  ]) {
    const v = await signedIn(s.url, 'ada@example.com', 'correct horse battery', { locale: 'en-GB', ...opts });
    await v.page.goto(s.url + '/admin/reports');
    await v.page.locator('.rp-out[aria-busy="false"]').waitFor();
    assert.equal(await tile(v.page, 'close-p90').textContent(), '16 h 30 min');
    const width = await v.page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= (opts.viewport?.width || 1280) + 1, `${name}: the page is ${width}px wide`);
    await checkA11y(v.page, name);
    await screenshot(v.page, name);
    await v.context.close();
  }
  const pt = await signedIn(s.url, 'ada@example.com', 'correct horse battery', { locale: 'pt-PT' });
  await pt.page.goto(s.url + '/admin/reports');
  await pt.page.getByRole('heading', { name: 'Relatórios', level: 1 }).waitFor();
  await pt.page.locator('.rp-out[aria-busy="false"]').waitFor();
  assert.equal(await tile(pt.page, 'csat-average').textContent(), '3,5 em 5');
  await pt.page.getByText('1 ainda sem resposta').waitFor();
  await checkA11y(pt.page, 'the Reports page in Portuguese');
  await screenshot(pt.page, 'reports-admin-pt');
  await pt.context.close();

  // Sam's own page, from the Messenger's link.
  const own = await signedIn(s.url, samU.email, samU.password, { locale: 'en-GB' });
  await own.page.getByRole('link', { name: 'My reports' }).click();
  await own.page.getByRole('heading', { name: 'My reports', level: 1 }).waitFor();
  await own.page.locator('.rp-out[aria-busy="false"]').waitFor();
  assert.equal(await tile(own.page, 'started').textContent(), '2');
  assert.equal(await tile(own.page, 'closed').textContent(), '3');
  assert.equal(await own.page.getByLabel('Agent', { exact: true }).count(), 0, 'an agent does not pick agents');
  await checkA11y(own.page, "an agent's own reports");
  await screenshot(own.page, 'reports-agent-own');
  assert.deepEqual(own.problems, []);
  await own.context.close();
});
