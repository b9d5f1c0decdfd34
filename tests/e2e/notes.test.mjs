// Private notes and @mentions (issue 15) in Chromium: two agents and a customer, each in a browser
// context of their own. Sam switches the composer to a note (the Note button, Alt+P), mentions Tess
// through the picker (keyboard only), and sends; the note is drawn as a note for both agents and never
// appears in the customer's widget, not even after a reload; Tess is told (a notification, a sound) and
// finds the chat in her "My conversations", marked. In English and Portuguese; axe-core on the
// composer in note mode and on the picker; screenshots in English, Portuguese, dark and at 360 px.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkA11y, screenshot } from './lib.mjs';
import { agentPage, deskFixture, eventually, recordAlerts } from './messenger-helpers.mjs';
import { chatFrame, startHostSite } from './widget-helpers.mjs';

/** The toggle's state, once the page has drawn it (a click or key redraws it asynchronously). */
async function pressedIs(toggle, state) {
  await eventually(async () => (await toggle.getAttribute('aria-pressed')) === state, 5000, `aria-pressed=${state}`);
  assert.equal(await toggle.getAttribute('aria-pressed'), state);
}

const desk = deskFixture({ site: true });
const { skip } = desk;

const WORDS = {
  en: {
    fromCustomers: 'From customers', mine: 'My conversations', reply: 'Write a reply', noteBox: 'Write a private note', note: 'Note',
    hint: 'Note — only your team sees this', label: 'Private note', send: 'Add note', picker: 'Mention a teammate',
    mentioned: (name) => `${name} mentioned you`, mark: 'You were mentioned', write: 'Write a message…', widgetSend: 'Send',
  },
  pt: {
    fromCustomers: 'De clientes', mine: 'As minhas conversas', reply: 'Escreva uma resposta', noteBox: 'Escreva uma nota privada', note: 'Nota',
    hint: 'Nota — só a sua equipa a vê', label: 'Nota privada', send: 'Adicionar nota', picker: 'Mencionar um colega',
    mentioned: (name) => `${name} mencionou o seu nome`, mark: 'Tem uma menção', write: 'Escreva uma mensagem…', widgetSend: 'Enviar',
  },
};

/** A visitor on the host site with the chat open. */
async function customerPage(w, ctx) {
  const context = await desk.browser.newContext(ctx);
  const page = await context.newPage();
  await page.goto(desk.site.url + '/');
  await page.getByRole('button', { name: /Open chat|Abrir chat/ }).click();
  const frame = await chatFrame(page);
  const input = frame.getByRole('textbox', { name: w.write });
  await input.waitFor({ state: 'visible' });
  return { context, page, frame, input };
}

async function say(c, w, text) {
  await c.input.fill(text);
  await c.frame.getByRole('button', { name: w.widgetSend }).click();
  await c.frame.getByText(text, { exact: true }).waitFor();
}

const CAST = { en: { sam: 'Sam Stone', tess: 'Tess Teal', typed: 'tess' }, pt: { sam: 'Sara Santos', tess: 'Teresa Tavares', typed: 'tere' } };

for (const lang of ['en', 'pt']) {
  const w = WORDS[lang];
  const locale = lang === 'en' ? 'en-GB' : 'pt-PT';
  const { sam: samName, tess: tessName, typed } = CAST[lang];
  test(`a note stays with the team and a mention reaches the teammate (${lang})`, { skip }, async () => {
    const sam = await agentPage(desk, samName, `sam.${lang}@example.com`, { ctxOpts: { locale }, init: recordAlerts });
    const tess = await agentPage(desk, tessName, `tess.${lang}@example.com`, { ctxOpts: { locale }, init: recordAlerts });
    const customer = await customerPage(w, { locale });
    await say(customer, w, `Hello, my parcel is late (${lang})`);
    // Tess looks at her own conversations (a click: browsers let a page play sounds after one).
    const tp = tess.page;
    await tp.getByRole('tab', { name: new RegExp(w.mine) }).click();

    // Sam opens the chat and switches to a note with the button.
    const sp = sam.page;
    await sp.getByRole('tab', { name: new RegExp(w.fromCustomers) }).click();
    const samRow = sp.locator('.side-list').getByRole('button', { name: new RegExp(`parcel is late \\(${lang}\\)`) });
    await samRow.click();
    await sp.getByRole('log').getByText(`Hello, my parcel is late (${lang})`).waitFor();
    const toggle = sp.getByRole('button', { name: w.note, exact: true });
    await pressedIs(toggle, 'false');
    await toggle.click();
    await pressedIs(toggle, 'true');
    const box = sp.getByRole('textbox', { name: w.noteBox });
    await box.waitFor();
    await sp.getByText(w.hint).waitFor();
    assert.match(await sp.locator('.composer-box').getAttribute('class'), /\bnote\b/);
    await checkA11y(sp, `composer in note mode (${lang})`);
    await screenshot(sp, `notes-composer-${lang}`);

    // @ offers the teammates who may see the chat; typing filters; the keyboard picks.
    await box.pressSequentially('Check the warehouse first @');
    const picker = sp.getByRole('listbox', { name: w.picker });
    await picker.waitFor();
    // The picker opens at once and fills when the team list has loaded: wait for Tess, then count.
    await picker.getByRole('option', { name: tessName }).first().waitFor();
    assert.equal(await picker.getByRole('option', { name: tessName }).count(), 1, 'Tess is offered');
    assert.ok(await picker.getByRole('option', { name: 'Ada Admin' }).count() === 1, 'admins see live chats too');
    assert.equal(await picker.getByRole('option', { name: samName }).count(), 0, 'never myself');
    await box.pressSequentially(typed);
    await eventually(async () => (await picker.getByRole('option').count()) === 1, 3000, 'the list filtered to Tess');
    const active = await box.getAttribute('aria-activedescendant');
    assert.equal(await picker.getByRole('option', { name: tessName }).getAttribute('id'), active, 'the textarea points at Tess');
    assert.equal(await picker.getByRole('option', { name: tessName }).getAttribute('aria-selected'), 'true');
    await checkA11y(sp, `the mention picker (${lang})`);
    await screenshot(sp, `notes-mention-picker-${lang}`);
    await box.press('Enter');
    await picker.waitFor({ state: 'hidden' });
    assert.equal(await box.inputValue(), `Check the warehouse first @${tessName} `);
    await box.pressSequentially('please, and keep it from the customer');
    await box.press('Enter');
    const note = sp.locator('.msg.note').filter({ hasText: 'keep it from the customer' });
    await note.locator('.state.sent').waitFor();
    assert.match(await note.innerText(), new RegExp(w.label));
    assert.match(await note.getAttribute('aria-label'), new RegExp(w.label));
    assert.equal(await note.locator('.mention').innerText(), `@${tessName}`);

    // Tess: a notification and a sound, the chat in her conversations with a mark.
    await eventually(async () => (await tp.evaluate(() => window.__alerts)).some((n) => n.title === w.mentioned(samName)), 5000, 'the mention notification');
    assert.ok(await tp.evaluate(() => window.__beeps) > 0, 'a chime');
    const tessRow = tp.locator('.side-list').getByRole('button', { name: new RegExp(`parcel is late|${w.label}|${w.note}`) });
    await tessRow.first().waitFor();
    await tessRow.first().locator('.mention-mark').waitFor();
    assert.match(await tessRow.first().innerText(), new RegExp(w.mark));
    await screenshot(tp, `notes-mentioned-list-${lang}`);
    await tessRow.first().click();
    const seen = tp.locator('.msg.note').filter({ hasText: 'keep it from the customer' });
    await seen.waitFor();
    assert.equal(await seen.locator('.mention.me').innerText(), `@${tessName}`);
    await tessRow.first().locator('.mention-mark').waitFor({ state: 'detached' });

    // Note mode is kept with the conversation, across a reload (a note must not come back as a reply).
    await sp.reload();
    await sp.locator('#app:not([aria-busy])').waitFor();
    await sp.getByRole('log').getByText('keep it from the customer', { exact: false }).waitFor();
    await pressedIs(toggle, 'true');

    // Alt+P back to a reply, which the customer does get; the note never reaches them.
    await sp.getByRole('textbox', { name: w.noteBox }).focus();
    await sp.keyboard.press('Alt+KeyP');
    await pressedIs(toggle, 'false');
    const reply = sp.getByRole('textbox', { name: w.reply });
    await reply.fill(`We are on it (${lang})`);
    await reply.press('Enter');
    await customer.frame.getByText(`We are on it (${lang})`).waitFor();
    assert.equal(await customer.frame.getByText('keep it from the customer', { exact: false }).count(), 0);
    assert.equal(await customer.frame.getByText('warehouse', { exact: false }).count(), 0);
    await customer.page.reload();
    await customer.page.getByRole('button', { name: /Open chat|Abrir chat/ }).click();
    const again = await chatFrame(customer.page);
    await again.getByText(`We are on it (${lang})`).waitFor();
    assert.equal(await again.getByText('warehouse', { exact: false }).count(), 0, 'not after a reload either');
    await screenshot(customer.page, `notes-customer-widget-${lang}`);

    // The same screens in dark mode and on a 360 px phone.
    if (lang === 'en') {
      await sp.getByRole('button', { name: w.note, exact: true }).click();
      await sp.emulateMedia({ colorScheme: 'dark' });
      await sp.getByRole('textbox', { name: w.noteBox }).pressSequentially('@');
      await picker.waitFor();
      await checkA11y(sp, 'note mode and picker, dark');
      await screenshot(sp, 'notes-composer-dark');
      await sp.setViewportSize({ width: 360, height: 740 });
      await checkA11y(sp, 'note mode and picker, dark, 360 px');
      await screenshot(sp, 'notes-composer-dark-360');
      await sp.emulateMedia({ colorScheme: 'light' });
      await sp.keyboard.press('Escape');
      await screenshot(sp, 'notes-thread-360');
      await sp.setViewportSize({ width: 1280, height: 800 });
    }

    assert.deepEqual([...sam.problems, ...tess.problems], []);
    await Promise.all([sam.context.close(), tess.context.close(), customer.context.close()]);
  });
}

test('an agent without customer support is never offered in a live chat, and mentions stay out of replies', { skip }, async () => {
  await desk.admin.createUser('Nina Nosupport', 'nina@example.com', { customer_support: false });
  const sam = await agentPage(desk, 'Sam Three', 'sam3@example.com', { ctxOpts: { locale: 'en-GB' }, init: recordAlerts });
  const w = WORDS.en;
  const customer = await customerPage(w, { locale: 'en-GB' });
  await say(customer, w, 'Where is my refund?');
  const sp = sam.page;
  await sp.getByRole('tab', { name: new RegExp(w.fromCustomers) }).click();
  await sp.locator('.side-list').getByRole('button', { name: /Where is my refund/ }).click();
  // In reply mode `@` offers no one: a reply the customer reads mentions nobody.
  const reply = sp.getByRole('textbox', { name: w.reply });
  await reply.pressSequentially('Hi @');
  await sp.waitForTimeout(300);
  assert.equal(await sp.getByRole('listbox', { name: w.picker }).isVisible(), false);
  await reply.fill('');
  await sp.getByRole('button', { name: w.note, exact: true }).click();
  await sp.getByRole('textbox', { name: w.noteBox }).pressSequentially('@Ni');
  const picker = sp.getByRole('listbox', { name: w.picker });
  await picker.waitFor();
  assert.equal(await picker.getByRole('option').count(), 0, 'Nina cannot see live chats: not offered');
  await picker.getByText('No teammate by that name').waitFor();
  assert.deepEqual(sam.problems, []);
  await Promise.all([sam.context.close(), customer.context.close()]);
});
