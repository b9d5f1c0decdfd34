// Files and images (issue 17) in Chromium, as the "Done when" says: a customer on a host page
// of another origin pastes a screenshot and attaches a PDF; the agent sees the thumbnail and downloads
// the PDF byte-identical; the agent sends an image back, which the customer sees; an upload cut off by
// going offline completes after reconnecting, with one copy on the server. In English and Portuguese,
// axe-core on the tray and the timeline, screenshots in English, Portuguese, dark and at 360 px.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkA11y, launchBrowser, screenshot, skipOrFail, startServer } from './lib.mjs';
import { User, eventually, signIn } from './messenger-helpers.mjs';
import { chatFrame, startHostSite } from './widget-helpers.mjs';

const skip = skipOrFail();
let server, site, browser, admin;

before(async () => {
  if (skip) return;
  server = await startServer();
  site = await startHostSite(server.url);
  browser = await launchBrowser();
  admin = await User.setup(server.url);
});

after(async () => {
  await browser?.close();
  await site?.close();
  await server?.stop();
});

const WORDS = {
  en: { write: 'Write a message…', send: 'Send', attach: 'Attach files', fromCustomers: 'From customers', reply: 'Write a reply', download: 'Download', open: 'Open image' },
  pt: { write: 'Escreva uma mensagem…', send: 'Enviar', attach: 'Anexar ficheiros', fromCustomers: 'De clientes', reply: 'Escreva uma resposta', download: 'Descarregar', open: 'Abrir imagem' },
};

/** A small PDF, different for each call (so each is its own file on the server). */
const pdf = (tag) => Buffer.from(`%PDF-1.4\n% ${tag}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`);
const sha = (b) => createHash('sha256').update(b).digest('hex');
/** Where the server keeps a file with these bytes (files/ab/cdef…), and how many copies exist. */
const copies = (bytes) => {
  const h = sha(bytes);
  const dir = join(server.dataDir, 'files', h.slice(0, 2));
  try { return readdirSync(dir).filter((f) => f === h.slice(2)).length; } catch { return 0; }
};

/** A visitor on the host site (another origin) with the chat open. */
async function customerPage(w, ctx = {}) {
  const context = await browser.newContext(ctx);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(site.url + '/');
  await page.getByRole('button', { name: /Open chat|Abrir chat/ }).click();
  const frame = await chatFrame(page);
  const input = frame.getByRole('textbox', { name: w.write });
  await input.waitFor({ state: 'visible' });
  return { context, page, frame, input, errors };
}

/** Paste a screenshot (a canvas drawn as a PNG) into the widget's message box, as Ctrl+V would. */
async function pasteScreenshot(frame) {
  await frame.evaluate(async () => {
    const c = document.createElement('canvas');
    c.width = 640; c.height = 400;
    const g = c.getContext('2d');
    g.fillStyle = '#fde2e2'; g.fillRect(0, 0, 640, 400);
    g.fillStyle = '#b91c1c'; g.font = 'bold 36px sans-serif'; g.fillText('Error 500: payment failed', 40, 200);
    const blob = await new Promise((ok) => c.toBlob(ok, 'image/png'));
    const dt = new DataTransfer();
    dt.items.add(new File([blob], 'image.png', { type: 'image/png' }));
    document.querySelector('textarea').dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  });
}

/** A PNG made in the page (for the agent to send). */
async function pngBytes(page, text) {
  const b64 = await page.evaluate(async (t) => {
    const c = document.createElement('canvas');
    c.width = 480; c.height = 300;
    const g = c.getContext('2d');
    g.fillStyle = '#dbeafe'; g.fillRect(0, 0, 480, 300);
    g.fillStyle = '#1e3a8a'; g.font = 'bold 28px sans-serif'; g.fillText(t, 30, 150);
    return c.toDataURL('image/png').split(',')[1];
  }, text);
  return Buffer.from(b64, 'base64');
}

async function agentPage(name, email, ctx = {}) {
  const u = await admin.createUser(name, email);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true, ...ctx });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await signIn(page, server.url, u.email, u.password);
  return { context, page, errors };
}

for (const lang of ['en', 'pt']) {
  const w = WORDS[lang];
  const locale = lang === 'en' ? 'en-GB' : 'pt-PT';
  test(`a customer sends a screenshot and a PDF, the agent downloads it and sends an image back (${lang})`, { skip }, async () => {
    const customer = await customerPage(w, { locale });
    const { frame, input } = customer;
    // Paste a screenshot, and pick a PDF with the paperclip's file picker.
    await pasteScreenshot(frame);
    const invoice = pdf(`invoice ${lang}`);
    await frame.getByRole('button', { name: w.attach }).waitFor();
    await frame.locator('input[type=file]').setInputFiles({ name: `invoice-${lang}.pdf`, mimeType: 'application/pdf', buffer: invoice });
    // The tray previews both (the image as itself) before anything is sent.
    const tray = frame.getByRole('list', { name: lang === 'en' ? 'Files' : 'Ficheiros' });
    await tray.getByText('image.png').waitFor();
    await tray.getByText(`invoice-${lang}.pdf`).waitFor();
    await eventually(() => frame.evaluate(() => document.querySelectorAll('.tray .tray-item.done').length === 2), 10000, 'both uploads done');
    assert.ok(await frame.locator('.tray img.tray-thumb').evaluate((i) => i.naturalWidth > 0));
    await checkA11y(frame, `widget tray with two files (${lang})`);
    await screenshot(customer.page, `files-widget-tray-${lang}`);
    await input.fill(`Here is the error and my invoice (${lang})`);
    await frame.getByRole('button', { name: w.send, exact: true }).click();
    await frame.getByText(`Here is the error and my invoice (${lang})`).waitFor();
    // Sent: the thumbnail (loaded with the visitor's token) and the PDF's card in the bubble.
    const sentImg = frame.getByRole('log').getByRole('img', { name: 'image.png' });
    await sentImg.waitFor();
    await eventually(() => sentImg.evaluate((i) => i.complete && i.naturalWidth > 0), 10000, 'the thumbnail in the widget');
    await frame.getByRole('log').getByText(`invoice-${lang}.pdf`).waitFor();

    // The agent sees the thumbnail (not the full image) and downloads the PDF.
    const agent = await agentPage(lang === 'en' ? 'Sam Stone' : 'Sara Santos', `sam.files.${lang}@example.com`, { locale });
    const ap = agent.page;
    await ap.getByRole('tab', { name: new RegExp(w.fromCustomers) }).click();
    await ap.locator('.side-list').getByRole('button', { name: new RegExp(`invoice \\(${lang}\\)`) }).click();
    const log = ap.getByRole('log');
    const thumb = log.getByRole('img', { name: 'image.png' });
    await thumb.waitFor();
    await eventually(() => thumb.evaluate((i) => i.complete && i.naturalWidth > 0), 10000, 'the thumbnail in the Messenger');
    assert.match(await thumb.getAttribute('src'), /\?thumb=1$/, 'the list loads the thumbnail, never the full image');
    assert.ok(await thumb.evaluate((i) => i.naturalWidth <= 360), 'a thumbnail, not the 640 px screenshot');
    assert.match(await log.getByRole('link', { name: 'image.png' }).getAttribute('href'), /^\/files\/[0-9a-f]{32}$/, 'the thumbnail opens the full image');
    const card = log.getByRole('link', { name: new RegExp(`invoice-${lang}\\.pdf`) });
    await card.getByText(/PDF · \d/).waitFor();
    const [download] = await Promise.all([ap.waitForEvent('download'), card.click()]);
    assert.equal(download.suggestedFilename(), `invoice-${lang}.pdf`);
    assert.deepEqual(readFileSync(await download.path()), invoice, 'the PDF arrives byte-identical');
    await checkA11y(ap, `Messenger timeline with files (${lang})`);
    await screenshot(ap, `files-messenger-${lang}`);

    // The agent sends an image back with the paperclip; the customer sees it.
    const back = await pngBytes(ap, `How to pay again (${lang})`);
    await ap.locator('.composer input[type=file]').setInputFiles({ name: `how-to-${lang}.png`, mimeType: 'image/png', buffer: back });
    await ap.locator('.composer .tray').getByText(`how-to-${lang}.png`).waitFor();
    await checkA11y(ap, `Messenger composer with a file (${lang})`);
    await screenshot(ap, `files-messenger-tray-${lang}`);
    await ap.getByRole('textbox', { name: w.reply }).fill(lang === 'en' ? 'Try these steps' : 'Siga estes passos');
    await ap.getByRole('button', { name: w.send, exact: true }).click();
    const seen = frame.getByRole('log').getByRole('img', { name: `how-to-${lang}.png` });
    await seen.waitFor({ timeout: 15000 });
    await eventually(() => seen.evaluate((i) => i.complete && i.naturalWidth > 0), 10000, 'the agent\'s image in the widget');
    await checkA11y(frame, `widget with files both ways (${lang})`);
    await screenshot(customer.page, `files-widget-${lang}`);
    assert.deepEqual(customer.errors, []);
    assert.deepEqual(agent.errors, []);

    if (lang === 'en') {
      // Dark mode and a 360 px phone, for both sides.
      await customer.page.emulateMedia({ colorScheme: 'dark' });
      await ap.emulateMedia({ colorScheme: 'dark' });
      await screenshot(customer.page, 'files-widget-dark');
      await screenshot(ap, 'files-messenger-dark');
      await checkA11y(frame, 'widget with files, dark');
      await checkA11y(ap, 'Messenger with files, dark');
      await customer.page.setViewportSize({ width: 360, height: 740 });
      await ap.setViewportSize({ width: 360, height: 740 });
      await screenshot(customer.page, 'files-widget-360');
      await screenshot(ap, 'files-messenger-360');
    }
    await customer.context.close();
    await agent.context.close();
  });
}

test('an upload cut off by going offline completes after reconnecting, with one copy', { skip }, async () => {
  const w = WORDS.en;
  const customer = await customerPage(w);
  const { context, frame, input } = customer;
  const bytes = pdf('offline');
  // The first try reaches the server (which stores it) but its answer is lost as the network
  // drops; the widget sends it again with the same upload id once it is back online.
  const tries = [];
  await context.route('**/api/widget/files?*', async (route) => {
    tries.push(new URL(route.request().url()).searchParams.get('upload_id'));
    if (tries.length > 1) return route.continue();
    await route.fetch();
    await context.setOffline(true);
    await route.abort('internetdisconnected');
    setTimeout(() => context.setOffline(false), 1500);
  });
  await frame.locator('input[type=file]').setInputFiles({ name: 'statement.pdf', mimeType: 'application/pdf', buffer: bytes });
  await frame.getByText(/Waiting for the network/).waitFor();
  await input.fill('My statement, sent through a bad network');
  await frame.getByRole('button', { name: w.send, exact: true }).click();
  // Back online: the upload completes, then the message goes with it.
  const agent = await new User(server.url);
  Object.assign(agent, admin);
  const found = await eventually(async () => {
    const list = (await admin.request('GET', '/api/conversations?section=customers&status=open')).conversations;
    for (const c of list) {
      const msgs = (await admin.request('GET', `/api/conversations/${c.id}/messages`)).messages;
      const m = msgs.find((x) => x.body === 'My statement, sent through a bad network');
      if (m) return m;
    }
    return null;
  }, 20000, 'the message with its file');
  assert.equal(found.attachments.length, 1);
  assert.equal(found.attachments[0].name, 'statement.pdf');
  assert.ok(tries.length >= 2 && tries.every((id) => id === tries[0]), `the same upload id each time: ${tries}`);
  assert.equal(copies(bytes), 1, 'one copy on the server');
  // And the customer's own view shows it once, sent.
  await frame.getByRole('log').getByText('statement.pdf').waitFor();
  assert.equal(await frame.getByRole('log').getByText('statement.pdf').count(), 1);
  await context.close();
});

test('the admin sets the limits; a file over them is refused at once, naming the limit', { skip }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signIn(page, server.url, 'ada@example.com', 'correct horse battery');
  await page.goto(server.url + '/admin/data');
  await page.getByRole('heading', { name: 'Files in chats' }).waitFor();
  await page.getByLabel('Largest file (MiB)').fill('1');
  await page.getByLabel('ZIP archives').uncheck();
  await page.getByRole('heading', { name: 'Files in chats' }).locator('..').getByRole('button', { name: 'Save changes' }).click();
  await eventually(async () => (await admin.request('GET', '/api/settings')).settings.max_file_mb === 1, 5000, 'the new limit saved');
  const s = (await admin.request('GET', '/api/settings')).settings;
  assert.ok(!s.file_types.includes('application/zip') && s.file_types.includes('application/pdf'), JSON.stringify(s.file_types));
  await checkA11y(page, 'admin data page with file limits');
  await screenshot(page, 'files-admin');

  const customer = await customerPage(WORDS.en);
  await customer.frame.locator('input[type=file]').setInputFiles({ name: 'scan.pdf', mimeType: 'application/pdf', buffer: Buffer.concat([pdf('big'), Buffer.alloc(2 * 1024 * 1024, 32)]) });
  await customer.frame.getByText('Too large: the limit is 1 MiB a file.').waitFor();
  await customer.frame.getByRole('button', { name: 'Remove: scan.pdf' }).click();
  await customer.frame.getByText('scan.pdf').waitFor({ state: 'detached' });
  await admin.request('PATCH', '/api/settings', { max_file_mb: 10, file_types: s.file_types.concat(['application/zip']) });
  await customer.context.close();
  await context.close();
});
