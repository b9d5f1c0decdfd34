// Saved replies (issue 15, part C) in real browsers: an admin adds a shared reply on the admin page and
// it reaches an open Messenger at once; an agent types /gr in a live chat's composer, picks the reply
// with the keyboard, gets the customer's and their own name filled in, edits the text and sends it, and
// the customer reads exactly that in the widget; a Portuguese customer gets the Portuguese version; a
// personal reply made in the Messenger's settings shows up in a second tab at once and nowhere else.
// English and Portuguese, axe-core on the picker, the dialog and the admin page, screenshots (en, pt,
// dark, a 360 px phone).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkA11y, screenshot } from './lib.mjs';
import { Customer, deskFixture, eventually, pageSize } from './messenger-helpers.mjs';
import { chatFrame } from './widget-helpers.mjs';

let bob, teresa;
const desk = deskFixture({
  setup: async ({ admin }) => {
    bob = await admin.createUser('Bob Builder', 'bob@example.com');
    teresa = await admin.createUser('Teresa Tavares', 'teresa@example.com');
  },
});
const { skip } = desk;

/** A browser context signed in as `email` (through the sign-in API, whatever its language); any page error fails the test. */
async function signedIn(email, password, opts = {}) {
  const r = await fetch(desk.server.url + '/api/login', {
    method: 'POST', headers: { Origin: desk.server.url, 'Content-Type': 'application/json', 'X-Frontdesk-Request': '1' },
    body: JSON.stringify({ email, password }),
  });
  assert.equal(r.status, 200, await r.text());
  const [name, value] = r.headers.get('set-cookie').split(';')[0].split('=');
  const context = await desk.browser.newContext({ viewport: { width: 1280, height: 800 }, ...opts });
  await context.addCookies([{ name, value, url: desk.server.url }]);
  const problems = [];
  const open = async (path = '/') => {
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(desk.server.url + path);
    if (path === '/') await page.locator('#app:not([aria-busy])').waitFor();
    return page;
  };
  return { context, open, problems };
}

/** A visitor on the widget's sample page who writes `text`; returns the frame and their generated name. */
async function customerWrites(text, locale) {
  const context = await desk.browser.newContext({ locale, viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  await page.goto(desk.server.url + '/widget/preview');
  await page.getByRole('button', { name: /Open chat|Abrir chat/ }).click();
  const frame = await chatFrame(page);
  const input = frame.getByRole('textbox', { name: /Write a message|Escreva uma mensagem/ });
  await input.fill(text);
  await input.press('Enter');
  const conv = await eventually(async () => {
    const r = await desk.admin.request('GET', '/api/conversations?section=customers&status=open');
    return r.conversations.find((c) => c.preview === text);
  }, 8000, `the conversation starting with "${text}"`);
  return { context, page, frame, name: conv.customer_name };
}

const composerOf = (page, name) => page.getByRole('textbox', { name });
const pickerOf = (page) => page.getByRole('listbox');
const openChat = async (page, name) => {
  await page.locator('.side-list').getByRole('button', { name: new RegExp(name) }).click();
  await page.getByRole('main').getByRole('heading', { name, level: 1 }).waitFor();
};

test('an admin adds a shared reply on the admin page; an open Messenger has it at once', { skip }, async () => {
  const b = await signedIn(bob.email, bob.password);
  const bobPage = await b.open();
  const early = await Customer.create(desk.server.url, { name: 'Erin Early', language: 'en-GB' });
  await early.send('Anyone there?');
  await bobPage.getByRole('tab', { name: /From customers/ }).click();
  await openChat(bobPage, 'Erin Early');
  const a = await signedIn('ada@example.com', 'correct horse battery');
  const page = await a.open('/admin/replies');
  page.on('dialog', (d) => d.accept());
  await page.getByRole('heading', { name: 'Saved replies', level: 1 }).waitFor();
  await page.getByText('No shared replies yet.').waitFor();
  const form = page.getByRole('region', { name: 'New shared reply' });
  await form.getByLabel('Title', { exact: true }).fill('Greeting');
  await form.getByLabel('Shortcut').fill('/Greet'); // typed as people do: the page keeps "greet"
  assert.equal(await form.getByLabel('Shortcut').inputValue(), 'greet');
  await form.getByLabel('Text', { exact: true }).fill('Hi {{customer.name}}, this is {{agent.name}} at {{desk.name}}.{{customer.email}} Order: {{order.id}}');
  await form.getByText('Portuguese version (optional)').click();
  await form.getByLabel('Title in Portuguese').fill('Saudação');
  await form.getByLabel('Text in Portuguese').fill('Olá {{customer.name}}, fala {{agent.name}} da {{desk.name}}.');
  await form.getByRole('button', { name: 'Add reply' }).click();
  const table = page.getByRole('region', { name: 'Shared replies' });
  await table.getByRole('cell', { name: '/greet', exact: true }).waitFor();
  await page.getByRole('status').getByText('Added /greet: every Messenger has it now.').waitFor();

  // A second one with the same shortcut: refused, said under the field.
  await form.getByLabel('Title', { exact: true }).fill('Another greeting');
  await form.getByLabel('Shortcut').fill('greet');
  await form.getByLabel('Text', { exact: true }).fill('Hello!');
  await form.getByRole('button', { name: 'Add reply' }).click();
  await form.locator('[data-field="shortcut"]').getByText('/greet is already used by another shared reply; pick another').waitFor();
  await form.getByLabel('Shortcut').fill('grateful');
  await form.getByLabel('Text', { exact: true }).fill('Thanks for your patience, {{customer.first_name}}!');
  await form.getByRole('button', { name: 'Add reply' }).click();
  await table.getByRole('cell', { name: '/grateful', exact: true }).waitFor();
  assert.equal(await table.getByRole('row').count(), 3, 'a header and two replies');
  await screenshot(page, 'replies-admin');
  assert.deepEqual(await checkA11y(page, 'the admin Saved replies page'), []);

  // Edit in place: the form takes the reply, the table follows.
  await table.getByRole('button', { name: 'Edit /grateful' }).click();
  await page.getByRole('heading', { name: 'Edit /grateful' }).waitFor();
  await page.getByLabel('Title', { exact: true }).fill('Thanks for waiting');
  await page.getByRole('button', { name: 'Save reply' }).click();
  await table.getByRole('cell', { name: /Thanks for waiting/ }).waitFor();

  // Bob's Messenger, open all along, offers both without a reload, as they are now.
  const composer = composerOf(bobPage, 'Write a reply');
  await composer.click();
  await composer.pressSequentially('/gr');
  const options = pickerOf(bobPage).getByRole('option');
  await options.filter({ hasText: 'Thanks for waiting' }).waitFor();
  assert.equal(await options.count(), 2);
  assert.match(await options.nth(0).innerText(), /^\/grateful\s+Thanks for waiting\s+Thanks for your patience, Erin!$/);
  assert.match(await options.nth(1).innerText(), /^\/greet\s+Greeting\s+Hi Erin Early, this is Bob Builder at Acme Support\. Order: \{\{order\.id\}\}$/);
  await composer.fill('');
  await a.context.close();
  await b.context.close();
  assert.deepEqual([...a.problems, ...b.problems], []);
});

test('an agent types /gr, picks a reply with the keyboard, edits the filled text and sends it; the customer reads it', { skip }, async () => {
  const b = await signedIn(bob.email, bob.password);
  const page = await b.open();
  const customer = await customerWrites('Hi, where is my order?', 'en-GB');
  await page.getByRole('tab', { name: /From customers/ }).click();
  await openChat(page, customer.name);
  const composer = composerOf(page, 'Write a reply');
  await composer.click();
  await composer.pressSequentially('/gr');
  const picker = pickerOf(page);
  await picker.waitFor();
  const options = picker.getByRole('option');
  assert.equal(await options.count(), 2);
  assert.match(await options.nth(0).innerText(), /\/grateful\s+Thanks for waiting/);
  assert.match(await options.nth(1).innerText(), /\/greet\s+Greeting/);
  // The preview is the text as it will be inserted.
  assert.match(await options.nth(1).innerText(), new RegExp(`Hi ${customer.name}, this is Bob Builder at Acme Support\\. Order: \\{\\{order\\.id\\}\\}`));
  assert.equal(await options.nth(0).getAttribute('aria-selected'), 'true');
  assert.equal(await composer.getAttribute('aria-activedescendant'), await options.nth(0).getAttribute('id'));
  await screenshot(page, 'replies-picker');
  assert.deepEqual(await checkA11y(page, 'the saved-reply picker'), []);

  // Down, then Enter: the second one, placeholders filled, an unknown one left as typed, a missing one empty.
  await composer.press('ArrowDown');
  assert.equal(await options.nth(1).getAttribute('aria-selected'), 'true');
  assert.equal(await composer.getAttribute('aria-activedescendant'), await options.nth(1).getAttribute('id'));
  await composer.press('Enter');
  await picker.waitFor({ state: 'hidden' });
  const filled = `Hi ${customer.name}, this is Bob Builder at Acme Support. Order: {{order.id}}`;
  assert.equal(await composer.inputValue(), filled, 'inserted, not sent');
  assert.equal(await customer.frame.getByText(/this is Bob Builder/).count(), 0, 'nothing reached the customer yet');

  // Edited before sending: the placeholder nobody knows becomes the order number.
  await composer.press('End');
  for (let i = 0; i < '{{order.id}}'.length; i++) await composer.press('Backspace');
  await composer.pressSequentially('#1234');
  const final = filled.replace('{{order.id}}', '#1234');
  assert.equal(await composer.inputValue(), final);
  await composer.press('Enter');
  await customer.frame.getByText(final, { exact: true }).waitFor();
  assert.equal(await composer.inputValue(), '');

  // Esc closes the list and keeps the text; typing on does not bring it back for that "/".
  await composer.pressSequentially('Also /gr');
  await picker.waitFor();
  await composer.press('Escape');
  await picker.waitFor({ state: 'hidden' });
  await composer.pressSequentially('e');
  assert.equal(await picker.isVisible(), false);
  assert.equal(await composer.inputValue(), 'Also /gre');
  // Nothing matches: no list, and Enter sends the text as written.
  await composer.fill('');
  await composer.pressSequentially('/nothing-like-it');
  assert.equal(await picker.isVisible(), false);

  // The button, for mouse users: the whole list; a click inserts at the caret.
  await composer.fill('Thanks! ');
  await page.getByRole('button', { name: 'Insert a saved reply' }).click();
  await picker.waitFor();
  assert.equal(await page.getByRole('button', { name: 'Insert a saved reply' }).getAttribute('aria-expanded'), 'true');
  assert.equal(await options.count(), 2);
  await options.filter({ hasText: '/grateful' }).click();
  await picker.waitFor({ state: 'hidden' });
  assert.equal(await composer.inputValue(), `Thanks! Thanks for your patience, ${customer.name.split(' ')[0]}!`);
  await composer.fill('');
  await customer.context.close();
  await b.context.close();
  assert.deepEqual(b.problems, []);
});

test('a Portuguese customer gets the Portuguese version, picked by its Portuguese title in a Portuguese Messenger', { skip }, async () => {
  const tt = await signedIn(teresa.email, teresa.password, { locale: 'pt-PT' });
  const page = await tt.open();
  const customer = await customerWrites('Olá, preciso de ajuda', 'pt-PT');
  await page.getByRole('tab', { name: /De clientes/ }).click();
  await openChat(page, customer.name);
  const composer = composerOf(page, 'Escreva uma resposta');
  await composer.click();
  await composer.pressSequentially('/sau');
  const picker = pickerOf(page);
  await picker.waitFor();
  const option = picker.getByRole('option');
  assert.equal(await option.count(), 1);
  assert.match(await option.innerText(), /\/greet\s+Saudação\s+PT/);
  await page.getByText('↑↓ para escolher · Enter para inserir · Esc para fechar').waitFor();
  await screenshot(page, 'replies-picker-pt');
  assert.deepEqual(await checkA11y(page, 'the picker in Portuguese'), []);
  await composer.press('Tab');
  const text = `Olá ${customer.name}, fala Teresa Tavares da Acme Support.`;
  assert.equal(await composer.inputValue(), text);
  await composer.press('Enter');
  await customer.frame.getByText(text, { exact: true }).waitFor();
  await customer.context.close();
  await tt.context.close();
  assert.deepEqual(tt.problems, []);
});

test('a personal reply made in the Messenger settings shows up at once in a second tab, and only there', { skip }, async () => {
  const b = await signedIn(bob.email, bob.password);
  const tab1 = await b.open();
  const tab2 = await b.open();
  const tt = await signedIn(teresa.email, teresa.password, { locale: 'pt-PT' });
  const other = await tt.open();
  const customer = await customerWrites('One more question', 'en-GB');
  for (const [p, tab] of [[tab2, /From customers/], [other, /De clientes/]]) {
    await p.getByRole('tab', { name: tab }).click();
    await openChat(p, customer.name);
  }

  await tab1.getByRole('button', { name: 'Settings' }).click();
  const settings = tab1.getByRole('dialog');
  await settings.getByRole('button', { name: 'My saved replies' }).click();
  const dialog = tab1.getByRole('dialog', { name: 'My saved replies' });
  await dialog.getByText('You have no saved replies of your own yet.').waitFor();
  await dialog.getByLabel('Title', { exact: true }).fill('Goodbye');
  await dialog.getByLabel('Shortcut').fill('bye');
  await dialog.getByLabel('Text', { exact: true }).fill('Bye {{customer.first_name}}, and thanks from all of us at {{desk.name}}!');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.getByRole('list', { name: 'My saved replies' }).getByText('/bye').waitFor();
  await screenshot(tab1, 'replies-dialog');
  assert.deepEqual(await checkA11y(tab1, 'the personal replies dialog'), []);
  // The same shortcut twice: the field says why.
  await dialog.getByLabel('Title', { exact: true }).fill('Goodbye again');
  await dialog.getByLabel('Shortcut').fill('bye');
  await dialog.getByLabel('Text', { exact: true }).fill('Bye!');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.getByText('/bye is already used by another of your replies; pick another').waitFor();

  // The second tab has it without a reload, marked as mine; Teresa does not.
  const composer = composerOf(tab2, 'Write a reply');
  await composer.click();
  await composer.pressSequentially('/by');
  const option = pickerOf(tab2).getByRole('option');
  await option.filter({ hasText: '/bye' }).waitFor();
  assert.match(await option.innerText(), /\/bye\s+Goodbye\s+Personal/);
  const theirs = composerOf(other, 'Escreva uma resposta');
  await theirs.click();
  await theirs.pressSequentially('/by');
  await other.waitForTimeout(300);
  assert.equal(await pickerOf(other).isVisible(), false, 'not in a teammate’s picker');
  await theirs.fill('');

  // Deleted in the first tab: gone from the second's open list.
  await dialog.getByRole('button', { name: 'Delete /bye' }).click();
  await dialog.getByRole('button', { name: 'Really delete /bye?' }).click();
  await dialog.getByText('You have no saved replies of your own yet.').waitFor();
  await pickerOf(tab2).waitFor({ state: 'hidden' });
  await composer.fill('');
  await customer.context.close();
  await b.context.close();
  await tt.context.close();
  assert.deepEqual([...b.problems, ...tt.problems], []);
});

test('the picker, the dialog and the admin page in Portuguese, dark mode and on a 360 px phone', { skip }, async () => {
  const customer = await customerWrites('A question from a phone', 'en-GB');
  for (const [width, colorScheme, locale] of [[1280, 'dark', 'en-GB'], [360, 'light', 'pt-PT'], [360, 'dark', 'en-GB']]) {
    const tag = `${width}-${colorScheme}-${locale.slice(0, 2)}`;
    const pt = locale === 'pt-PT';
    const b = await signedIn(bob.email, bob.password, { viewport: { width, height: 760 }, colorScheme, locale });
    const page = await b.open();
    await page.getByRole('tab', { name: pt ? /De clientes/ : /From customers/ }).click();
    await openChat(page, customer.name);
    const composer = composerOf(page, pt ? 'Escreva uma resposta' : 'Write a reply');
    await page.getByRole('button', { name: pt ? 'Inserir uma resposta guardada' : 'Insert a saved reply' }).click();
    await pickerOf(page).waitFor();
    assert.equal(await composer.inputValue(), '/');
    await screenshot(page, `replies-picker-${tag}`);
    await checkA11y(page, `the picker (${tag})`);
    assert.equal((await pageSize(page)).width, width, 'nothing sticks out sideways');
    await composer.press('Escape');
    await composer.fill('');

    // On a phone the chat covers the list and its header; back to the list, where Settings is.
    if (width === 360) await page.getByRole('button', { name: pt ? 'Voltar às conversas' : 'Back to conversations' }).click();
    await page.getByRole('button', { name: pt ? 'Definições' : 'Settings' }).click();
    await page.getByRole('dialog').getByRole('button', { name: pt ? 'As minhas respostas guardadas' : 'My saved replies' }).click();
    const dialog = page.getByRole('dialog', { name: pt ? 'As minhas respostas guardadas' : 'My saved replies' });
    await dialog.getByText(pt ? 'Respostas partilhadas (2)' : 'Shared replies (2)').click();
    await dialog.getByText('/grateful').waitFor();
    await screenshot(page, `replies-dialog-${tag}`);
    await checkA11y(page, `the dialog (${tag})`);
    await b.context.close();
    assert.deepEqual(b.problems, []);

    const a = await signedIn('ada@example.com', 'correct horse battery', { viewport: { width, height: 760 }, colorScheme, locale });
    const admin = await a.open('/admin/replies');
    await admin.getByRole('heading', { name: pt ? 'Respostas guardadas' : 'Saved replies', level: 1 }).waitFor();
    await admin.getByRole('cell', { name: '/greet', exact: true }).waitFor();
    await screenshot(admin, `replies-admin-${tag}`);
    await checkA11y(admin, `the admin page (${tag})`);
    assert.equal((await pageSize(admin)).width, width, 'nothing sticks out sideways');
    await a.context.close();
    assert.deepEqual(a.problems, []);
  }
  await customer.context.close();
});
