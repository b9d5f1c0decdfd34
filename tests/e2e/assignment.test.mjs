// Assignment and availability in the Messenger (issue 15), in Chromium as people use it: two agents and a
// customer (the real widget, on the preview page) in separate browser contexts. The views of "From
// customers" and their live counts, the assignee picker (by mouse and by keyboard), a transfer with a note
// reaching the other agent (chime, browser notification, the row marked), replying takes a chat, the
// admin turning on round robin with a cap, Away, and the same pages in Portuguese, dark and on a phone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkA11y, screenshot } from './lib.mjs';
import { Customer, agentPage, deskFixture, eventually, pageSize, recordAlerts, signIn } from './messenger-helpers.mjs';

const desk = deskFixture();
const { skip } = desk;

let n = 0;
/** A new customer-support agent, with alerts recorded (`recordAlerts`), signed in in a context of their own. */
const teammate = (name, ctxOpts = {}) => agentPage(desk, name, `agent${++n}@example.com`, { ctxOpts, init: recordAlerts });

/** A customer writing from the real widget on the preview page, in a context of their own. */
async function customerPage(name, text) {
  const context = await desk.browser.newContext({ viewport: { width: 1000, height: 760 } });
  const page = await context.newPage();
  await page.goto(desk.server.url + '/widget/preview');
  await page.getByRole('button', { name: /Open chat/ }).click();
  let frame;
  await eventually(() => (frame = page.frames().find((f) => /\/widget(#|$)/.test(f.url()))), 10000, 'the widget frame');
  const input = frame.getByRole('textbox', { name: 'Write a message…' });
  await input.fill(text);
  await frame.getByRole('button', { name: 'Send' }).click();
  await frame.getByRole('log').getByText(text).waitFor();
  return { page, context, frame };
}

const row = (page, name) => page.locator('.side-list').getByRole('button', { name: new RegExp(name) });
/** The mark on a row given to me by someone else, until I open it. */
const mark = (page, name) => row(page, name).locator('.assign-tag');
const views = (page) => page.getByRole('tablist', { name: /Views by assignee|Vistas por responsável/ });
/** The view tabs' counts as {Unassigned: n, Mine: n, All: n} (or their Portuguese names). */
async function counts(page) {
  const out = {};
  for (const tab of await views(page).getByRole('tab').all()) {
    out[(await tab.locator('.view-name').innerText()).trim()] = Number(await tab.locator('.view-count').innerText().then((s) => s.split(/\s/)[0]));
  }
  return out;
}
const countsAre = (page, want, what) => eventually(async () => JSON.stringify(await counts(page)) === JSON.stringify(want) || counts(page), 5000, what);

async function openChat(page, name) {
  await page.getByRole('tab', { name: /From customers|De clientes/ }).click();
  await row(page, name).click();
  await page.getByRole('main').getByRole('heading', { name, level: 1 }).waitFor();
}

const chip = (page) => page.getByRole('main').getByRole('button', { name: /^(Assignee|Responsável):/ });
/** The name the chip shows (its avatar's initials aside). */
const chipText = (page) => chip(page).locator('.chip-name').innerText();
const picker = (page) => page.getByRole('dialog', { name: /Assign conversation|Atribuir conversa/ });
const alerts = (page) => page.evaluate(() => ({ beeps: window.__beeps, alerts: window.__alerts }));

test('views and live counts, the picker, a transfer with a note that reaches the other agent, a reply taking a chat', { skip }, async (t) => {
  const ann = await teammate('Ann Archer');
  const ben = await teammate('Ben Brown');
  t.after(() => Promise.all([ann.context.close(), ben.context.close()])); // signed out (offline) for the next test
  for (const a of [ann, ben]) await a.page.getByRole('tab', { name: /From customers/ }).click();
  await countsAre(ann.page, { Unassigned: 0, Mine: 0, All: 0 }, 'empty counts');

  const sally = await customerPage('Sally', 'My order 1001 is late');
  t.after(() => sally.context.close());
  // Live, on both pages: a new chat is unassigned.
  await countsAre(ann.page, { Unassigned: 1, Mine: 0, All: 1 }, 'Ann: a new unassigned chat');
  await countsAre(ben.page, { Unassigned: 1, Mine: 0, All: 1 }, 'Ben: a new unassigned chat');
  const visitor = (await desk.admin.request('GET', '/api/conversations?section=customers&status=open')).conversations[0].customer_name;

  await openChat(ann.page, visitor);
  assert.equal(await chipText(ann.page), 'Unassigned');
  await screenshot(ann.page, 'assignment-unassigned-chat');
  await checkA11y(ann.page, 'the views and an unassigned chat');

  // "Assign to me".
  await chip(ann.page).click();
  await picker(ann.page).getByRole('listbox', { name: 'Teammates who take live chats' }).waitFor();
  await screenshot(ann.page, 'assignment-picker');
  await checkA11y(ann.page, 'the assignee picker');
  const options = picker(ann.page).getByRole('option');
  // Everyone who takes live chats, online first, each with their status and open chats.
  assert.deepEqual(await options.locator('strong').allInnerTexts(), ['Ann Archer (You)', 'Ben Brown', 'Ada Admin']);
  assert.match(await options.nth(1).innerText(), /Online[\s\S]*0 open/);
  assert.match(await options.nth(2).innerText(), /Offline/);
  await picker(ann.page).getByRole('button', { name: 'Assign to me' }).click();
  await picker(ann.page).waitFor({ state: 'hidden' });
  await eventually(async () => (await chipText(ann.page)) === 'You', 5000, 'the chip to say You');
  await ann.page.getByRole('log').getByText('Ann Archer took this conversation').waitFor();
  await countsAre(ann.page, { Unassigned: 0, Mine: 1, All: 1 }, 'Ann: mine');
  await countsAre(ben.page, { Unassigned: 0, Mine: 0, All: 1 }, 'Ben: someone has it');
  assert.equal(await ann.page.evaluate(() => document.activeElement?.dataset.k), 'assignee', 'focus back on the chip');

  // Transfer to Ben with a note, by keyboard only: Enter opens, arrows choose, Tab to the note, Enter sends.
  await ann.page.keyboard.press('Enter');
  const list = picker(ann.page).getByRole('listbox');
  await eventually(() => list.evaluate((l) => l === document.activeElement), 3000, 'the list to have the focus');
  await ann.page.keyboard.press('Home');
  await ann.page.keyboard.press('ArrowDown');
  assert.equal(await picker(ann.page).getByRole('option', { selected: true }).locator('strong').innerText(), 'Ben Brown');
  await ann.page.keyboard.press('Tab');
  await ann.page.keyboard.type('VIP: refund approved');
  await picker(ann.page).getByRole('button', { name: 'Transfer' }).waitFor();
  await picker(ann.page).getByRole('button', { name: 'Transfer' }).click();
  await picker(ann.page).waitFor({ state: 'hidden' });
  const line = 'Transferred to Ben Brown by Ann Archer: “VIP: refund approved”';
  await ann.page.getByRole('log').getByText(line).waitFor();
  await eventually(async () => (await chipText(ann.page)) === 'Ben Brown', 5000, 'the chip to say Ben');
  await countsAre(ann.page, { Unassigned: 0, Mine: 0, All: 1 }, 'Ann: no longer hers');

  // Ben: the chime, a browser notification with the note, the row marked, his Mine count.
  await countsAre(ben.page, { Unassigned: 0, Mine: 1, All: 1 }, 'Ben: his now');
  const before = await alerts(ben.page);
  const got = await eventually(async () => { const a = await alerts(ben.page); return a.alerts.some((x) => /transferred/.test(x.title)) && a; }, 5000, 'a notification');
  assert.deepEqual(got.alerts.at(-1), { title: `Ann Archer transferred ${visitor} to you`, body: 'VIP: refund approved' });
  assert.ok(got.beeps > before.beeps || got.beeps > 0, 'the chime played');
  assert.equal(await mark(ben.page, visitor).innerText(), 'Assigned to you');
  await screenshot(ben.page, 'assignment-transferred-row');
  await views(ben.page).getByRole('tab', { name: /Mine/ }).click();
  await row(ben.page, visitor).waitFor();
  await views(ben.page).getByRole('tab', { name: /Unassigned/ }).click();
  await ben.page.locator('.side-list').getByText('No open conversations').waitFor();
  await views(ben.page).getByRole('tab', { name: /All/ }).click();
  await row(ben.page, visitor).click();
  await ben.page.getByRole('log').getByText(line).waitFor();
  await eventually(async () => (await mark(ben.page, visitor).count()) === 0, 3000, 'the mark to go once opened');

  // The customer saw none of it.
  await sally.frame.getByRole('log').getByText('My order 1001 is late').waitFor();
  const seen = await sally.frame.getByRole('log').innerText();
  assert.doesNotMatch(seen, /Transferred|Assigned|VIP|Ann Archer|Ben Brown|took this/);

  // Replying to an unassigned chat takes it (on by default); the other page's counts follow.
  const olga = await Customer.create(desk.server.url, { name: 'Olga Ortiz' });
  await olga.send('Do you ship to Porto?');
  await countsAre(ann.page, { Unassigned: 1, Mine: 0, All: 2 }, 'Ann: Olga waits');
  await openChat(ben.page, 'Olga Ortiz');
  await ben.page.getByRole('textbox', { name: 'Write a reply' }).fill('Yes, in two days.');
  await ben.page.keyboard.press('Enter');
  await ben.page.getByRole('log').getByText('Ben Brown took this conversation').waitFor();
  await countsAre(ann.page, { Unassigned: 0, Mine: 0, All: 2 }, 'Ann: Olga taken');
  await countsAre(ben.page, { Unassigned: 0, Mine: 2, All: 2 }, 'Ben: two');
  // Unassign from the picker: back to Unassigned for everyone.
  await chip(ben.page).click();
  await picker(ben.page).getByRole('button', { name: 'Unassign' }).click();
  await ben.page.getByRole('log').getByText('Unassigned by Ben Brown').waitFor();
  await countsAre(ann.page, { Unassigned: 1, Mine: 0, All: 2 }, 'Ann: Olga waits again');

  for (const a of [ann, ben]) assert.deepEqual(a.problems, []);
});

test('auto-assignment: the admin turns on round robin with a cap, chats go in turn, Away gets none', { skip }, async (t) => {
  // The admin's page: Availability → Assignment.
  const adminCtx = await desk.browser.newContext({ viewport: { width: 1280, height: 900 } });
  t.after(async () => { await adminCtx.close(); await desk.admin.request('PATCH', '/api/settings', { auto_assign: 'off' }); });
  const adminPage = await adminCtx.newPage();
  await signIn(adminPage, desk.server.url, 'ada@example.com', 'correct horse battery');
  // Ada answers customers too: she chooses Away so only the two agents below take chats.
  await adminPage.getByRole('button', { name: /Your status: Online/ }).click();
  await adminPage.getByRole('button', { name: /Your status: Away/ }).waitFor();
  await adminPage.goto(desk.server.url + '/admin/availability');
  const section = adminPage.getByRole('region', { name: 'Assignment' }).or(adminPage.locator('section', { has: adminPage.getByRole('heading', { name: 'Assignment' }) }));
  await section.getByLabel('Auto-assignment').selectOption('round_robin');
  await section.getByLabel('Open chats per agent').fill('2');
  assert.equal(await section.getByLabel('Replying to an unassigned chat assigns it to you').isChecked(), true);
  await screenshot(adminPage, 'assignment-admin-availability');
  await checkA11y(adminPage, 'the Availability page with Assignment');
  await adminPage.getByRole('button', { name: 'Save changes' }).click();
  await adminPage.getByText('Saved.', { exact: false }).first().waitFor();
  const s = (await desk.admin.request('GET', '/api/settings')).settings;
  assert.deepEqual([s.auto_assign, s.assign_cap], ['round_robin', 2]);

  // A clean start: no chat left open by the test before.
  for (const c of (await desk.admin.request('GET', '/api/conversations?section=customers&status=open')).conversations) {
    await desk.admin.request('POST', `/api/conversations/${c.id}/status`, { status: 'closed' });
  }
  const cat = await teammate('Cat Cole');
  const dan = await teammate('Dan Dale');
  t.after(() => Promise.all([cat.context.close(), dan.context.close()]));
  for (const a of [cat, dan]) await a.page.getByRole('tab', { name: /From customers/ }).click();
  const write = async (name) => { const c = await Customer.create(desk.server.url, { name }); await c.send(`Hello from ${name}`); };
  const assigneeOf = async (name) => {
    const list = (await desk.admin.request('GET', '/api/conversations?section=customers&status=open')).conversations;
    return list.find((c) => c.customer_name === name)?.assignee_id ?? null;
  };
  await write('Quinn One');
  await write('Rita Two');
  await eventually(async () => (await assigneeOf('Quinn One')) === cat.user.id && (await assigneeOf('Rita Two')) === dan.user.id
    , 5000, 'one each, in turn');
  // Each hears of their new chat ("New conversation for you").
  await eventually(async () => (await alerts(cat.page)).alerts.some((a) => a.title === 'New conversation for you: Quinn One'), 5000, 'Cat notified');
  await mark(cat.page, 'Quinn One').waitFor();

  // Dan goes Away: the next chats are Cat's, even in Dan's turn; over Cat's cap they wait.
  await dan.page.getByRole('button', { name: /Your status: Online/ }).click();
  await dan.page.getByRole('button', { name: /Your status: Away/ }).waitFor();
  await screenshot(dan.page, 'assignment-away');
  await write('Sam Three');
  await eventually(async () => (await assigneeOf('Sam Three')) === cat.user.id, 5000, 'Sam to Cat');
  await write('Tom Four');
  await countsAre(cat.page, { Unassigned: 1, Mine: 2, All: 4 }, 'Cat at the cap, one waiting');
  assert.equal(await assigneeOf('Tom Four'), null);
  // Cat's picker shows Dan Away.
  await openChat(cat.page, 'Tom Four');
  await chip(cat.page).click();
  assert.match(await picker(cat.page).getByRole('option', { name: /Dan Dale/ }).innerText(), /Away[\s\S]*1 open/);
  await cat.page.keyboard.press('Escape');
  // Dan back Online: the waiting chat is his at once.
  await dan.page.getByRole('button', { name: /Your status: Away/ }).click();
  await eventually(async () => (await assigneeOf('Tom Four')) === dan.user.id, 5000, 'Tom to Dan');
  await countsAre(dan.page, { Unassigned: 0, Mine: 2, All: 4 }, 'Dan has two');
  await eventually(async () => (await chipText(cat.page)) === 'Dan Dale', 5000, 'Cat sees Dan has it');

  for (const a of [cat, dan]) assert.deepEqual(a.problems, []);
});

test('in Portuguese, in dark mode and on a phone: the views, the chip and the picker', { skip }, async () => {
  const c = await Customer.create(desk.server.url, { name: 'Vera Vieira' });
  const { message } = await c.send('Olá, a minha encomenda?');
  for (const [label, ctx, words] of [
    ['pt', { locale: 'pt-PT' }, { section: /De clientes/, unassigned: 'Por atribuir', title: 'Atribuir conversa' }],
    ['dark', { colorScheme: 'dark' }, { section: /From customers/, unassigned: 'Unassigned', title: 'Assign conversation' }],
    ['phone', { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, locale: 'pt-PT', colorScheme: 'dark' },
      { section: /De clientes/, unassigned: 'Por atribuir', title: 'Atribuir conversa' }],
  ]) {
    const a = await teammate(`Xana ${label}`, ctx);
    const { page } = a;
    await page.getByRole('tab', { name: words.section }).click();
    await views(page).getByRole('tab', { name: new RegExp(words.unassigned) }).waitFor();
    await screenshot(page, `assignment-views-${label}`);
    await checkA11y(page, `the views (${label})`);
    await row(page, 'Vera Vieira').click();
    await page.getByRole('main').getByRole('heading', { name: 'Vera Vieira' }).waitFor();
    assert.equal(await chipText(page), words.unassigned);
    await screenshot(page, `assignment-chat-${label}`);
    await chip(page).click();
    await page.getByRole('dialog', { name: words.title }).getByRole('listbox').waitFor();
    await screenshot(page, `assignment-picker-${label}`);
    await checkA11y(page, `the picker (${label})`);
    if (label === 'phone') {
      const { width, height } = await pageSize(page);
      assert.ok(width <= 360 && height <= 740, `the phone page is ${width}×${height}`);
    }
    await page.keyboard.press('Escape');
    if (label === 'pt') {
      // A transfer line in Portuguese.
      await chip(page).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Atribuir a mim' }).click();
      await page.getByRole('log').getByText(`Xana ${label} ficou com esta conversa`).waitFor();
      await page.getByRole('button', { name: /O seu estado: Online/ }).waitFor();
      await desk.admin.request('POST', `/api/conversations/${message.conversation_id}/assignee`, { user_id: null });
    }
    await a.context.close();
    assert.deepEqual(a.problems, []);
  }
});
