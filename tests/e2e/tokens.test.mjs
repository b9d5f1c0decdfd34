// API tokens (issue 19) from the screens a person uses. An agent makes a read token in the Messenger
// (Settings → My API tokens; no "admin" scope offered to an agent): its value is shown once, works
// from node's fetch for a GET and is refused a POST (read scope); the list shows it, its last use after
// a reload; a refusal of the API is said by the form; Revoke (confirmed in its row) makes it a 401. An
// admin makes a desk token on Admin → API, sees an agent's token under "All tokens" and revokes it.
// Both screens in English, Portuguese, dark and on a 360 px phone, axe clean.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkA11y, screenshot } from './lib.mjs';
import { User, agentPage, deskFixture, eventually, signedInPage } from './messenger-helpers.mjs';

const desk = deskFixture();
const skip = desk.skip;

/** A request with an API token, as an integration would make it: status and JSON. */
async function withToken(token, method, path, body) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(desk.server.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, json: await r.json().catch(() => null) };
}

/** Settings → My API tokens, in the Messenger; the dialog. */
async function openTokens(page, { settings = /^(settings|definições)$/i, entry = /^(my api tokens|os meus tokens da api)$/i } = {}) {
  await page.getByRole('button', { name: settings }).first().click();
  await page.getByRole('button', { name: entry }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('heading', { name: /^(api tokens|tokens da api)$/i }).waitFor();
  return dialog;
}

/** A user signed in over the API (cookie + CSRF), to make tokens the test then finds on the pages. */
async function apiUser(email, password) {
  const u = new User(desk.server.url);
  await u.request('POST', '/api/login', { email, password });
  return u.signedIn();
}

test('an agent makes a read token in the Messenger, sees it once, uses it, sees its last use, and revokes it', { skip }, async () => {
  const { page, problems } = await agentPage(desk, 'Tom Agent', 'tom@example.com');
  let dialog = await openTokens(page);
  await dialog.getByText(/no tokens yet/i).waitFor();

  // Never more than the maker has: an agent is offered read and write, no admin.
  const scope = dialog.getByLabel('Scope');
  assert.deepEqual(await scope.locator('option').evaluateAll((os) => os.map((o) => o.value)), ['read', 'write']);

  // The API's refusal is said by the form (a name over 100 characters, past the field's own limit).
  const name = dialog.getByLabel('Name', { exact: true });
  await name.evaluate((e) => e.removeAttribute('maxlength'));
  await name.fill('x'.repeat(101));
  await dialog.getByRole('button', { name: 'Create token' }).click();
  await dialog.getByRole('alert').filter({ hasText: /name/i }).waitFor();

  await name.fill('Reporting script');
  await scope.selectOption('read');
  await dialog.getByLabel('Expires').selectOption('30');
  await dialog.getByRole('button', { name: 'Create token' }).click();
  const valueBox = dialog.getByLabel('Token', { exact: true });
  await valueBox.waitFor();
  const token = await valueBox.inputValue();
  assert.match(token, /^fdt_[0-9a-f]{64}$/);
  assert.equal(await valueBox.getAttribute('readonly'), '', 'the value is read-only');
  await dialog.getByText('Copy it now: it will not be shown again.').waitFor();
  await dialog.getByRole('button', { name: 'Copy', exact: true }).waitFor();
  const item = dialog.getByRole('listitem', { name: 'Reporting script' });
  await item.getByText(`${token.slice(0, 12)}…`).waitFor();
  await item.getByText('Never used').waitFor();
  await item.getByText('read', { exact: true }).waitFor();
  await checkA11y(page, 'Messenger → API tokens, a new token shown (en)');
  await screenshot(page, 'tokens-messenger-en');

  // It works for reading, and only for reading.
  const got = await withToken(token, 'GET', '/api/conversations');
  assert.equal(got.status, 200, JSON.stringify(got.json));
  const post = await withToken(token, 'POST', '/api/conversations', { participants: [desk.admin.me.id], body: 'hi' });
  assert.equal(post.status, 403);
  assert.match(post.json.error, /read scope/);

  // Done: the value is gone from the page, and was never stored.
  await dialog.getByRole('button', { name: 'Done, I have copied it' }).click();
  assert.equal(await valueBox.count(), 0);
  const kept = await page.evaluate(() => document.documentElement.outerHTML + JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  assert.ok(!kept.includes(token), 'the value is nowhere in the page or its storage once the box is closed');

  // After a reload the list says when and from where it was last used.
  await page.reload();
  await page.locator('#app:not([aria-busy])').waitFor();
  dialog = await openTokens(page);
  const again = dialog.getByRole('listitem', { name: 'Reporting script' });
  await again.getByText(/from 127\.0\.0\.1$/).waitFor();
  assert.equal(await again.getByText('Never used').count(), 0);

  // Revoke, confirmed in the row; the token is refused from then on.
  await again.getByRole('button', { name: 'Revoke Reporting script' }).click();
  await again.getByText('Revoke “Reporting script”? Programs using it stop working at once.').waitFor();
  await again.getByRole('button', { name: 'Revoke', exact: true }).click();
  await dialog.getByText(/no tokens yet/i).waitFor();
  const gone = await withToken(token, 'GET', '/api/conversations');
  assert.equal(gone.status, 401);
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('an admin makes a desk token on Admin → API, sees an agent\'s token under All tokens and revokes it', { skip }, async () => {
  const sam = await desk.admin.createUser('Sam Agent', 'sam@example.com');
  const samApi = await apiUser(sam.email, sam.password);
  const samToken = (await samApi.request('POST', '/api/tokens', { name: 'Sam\'s laptop', scope: 'write' })).token;
  assert.equal((await withToken(samToken, 'GET', '/api/conversations')).status, 200);

  const { page, problems } = await signedInPage(desk, 'ada@example.com', 'correct horse battery');
  await page.goto(desk.server.url + '/admin/api');
  await page.getByRole('heading', { name: 'API', level: 1 }).waitFor();
  const docs = page.getByRole('link', { name: 'The API is described by its OpenAPI document' });
  assert.equal(await docs.getAttribute('href'), '/api/openapi.json');

  // A desk token: admins may give it every scope.
  assert.deepEqual(await page.getByLabel('Scope').locator('option').evaluateAll((os) => os.map((o) => o.value)), ['read', 'write', 'admin']);
  await page.getByLabel('Name', { exact: true }).fill('Shop backend');
  await page.getByLabel('Scope').selectOption('write');
  await page.getByRole('button', { name: 'Create token' }).click();
  const value = await page.getByLabel('Token', { exact: true }).inputValue();
  assert.match(value, /^fdt_[0-9a-f]{64}$/);
  const deskList = page.getByRole('region', { name: 'Desk tokens' });
  await deskList.getByRole('listitem', { name: 'Shop backend' }).waitFor();
  const me = await withToken(value, 'GET', '/api/me');
  assert.equal(me.status, 200);
  assert.equal(me.json.user.name, 'Shop backend', 'a desk token acts as a user of its own');

  // Everyone's tokens, with their owners.
  const allList = page.getByRole('region', { name: 'All tokens' });
  const samItem = allList.getByRole('listitem', { name: 'Sam\'s laptop' });
  await samItem.getByText('Sam Agent').waitFor();
  await allList.getByRole('listitem', { name: 'Shop backend' }).getByText('The desk (made by Ada Admin)').waitFor();
  await checkA11y(page, 'Admin → API (en)');
  await screenshot(page, 'tokens-admin-en');

  await samItem.getByRole('button', { name: 'Revoke Sam\'s laptop' }).click();
  await samItem.getByRole('button', { name: 'Revoke', exact: true }).click();
  await eventually(async () => (await allList.getByRole('listitem', { name: 'Sam\'s laptop' }).count()) === 0, 5000, 'the revoked token to leave the list');
  assert.equal((await withToken(samToken, 'GET', '/api/conversations')).status, 401);
  assert.equal((await withToken(value, 'GET', '/api/conversations')).status, 200, 'the desk token still works');
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('both screens in Portuguese, dark and on a 360 px phone', { skip }, async () => {
  const lia = await desk.admin.createUser('Lia Agente', 'lia@example.com');
  const liaApi = await apiUser(lia.email, lia.password);
  await liaApi.request('POST', '/api/tokens', { name: 'Relatórios semanais com um nome bastante comprido', scope: 'read', expires_at: Date.now() + 90 * 86400000 });
  const looks = [
    ['pt', { locale: 'pt-PT' }, { settings: /^definições$/i, entry: /^os meus tokens da api$/i }],
    ['dark', { colorScheme: 'dark' }, {}],
    ['phone', { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true }, {}],
  ];
  for (const [tag, ctxOpts, names] of looks) {
    // The Messenger, with a new token's value on show.
    const m = await signedInPage(desk, lia.email, lia.password, { ctxOpts });
    const dialog = await openTokens(m.page, names);
    await dialog.locator('input[type=text]').first().fill(tag === 'pt' ? 'Painel da loja' : 'Shop dashboard');
    await dialog.locator('form button[type=submit]').click();
    await dialog.locator('.tk-value').waitFor();
    await checkA11y(m.page, `Messenger → API tokens (${tag})`);
    await screenshot(m.page, `tokens-messenger-${tag}`);
    if (tag === 'phone') {
      const over = await dialog.evaluate((d) => d.scrollWidth - d.clientWidth);
      assert.ok(over <= 0, `the dialog does not scroll sideways at 360 px (${over} px too wide)`);
    }
    assert.deepEqual(m.problems, []);
    await m.context.close();

    // Admin → API.
    const a = await signedInPage(desk, 'ada@example.com', 'correct horse battery', { ctxOpts });
    await a.page.goto(desk.server.url + '/admin/api');
    await a.page.getByRole('heading', { name: 'API', level: 1 }).waitFor();
    await a.page.locator('.tk-item').first().waitFor();
    if (tag === 'pt') await a.page.getByText('Todos os tokens', { exact: true }).waitFor();
    await checkA11y(a.page, `Admin → API (${tag})`);
    await screenshot(a.page, `tokens-admin-${tag}`);
    if (tag === 'phone') {
      const over = await a.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(over <= 0, `the admin page does not scroll sideways at 360 px (${over} px too wide)`);
    }
    assert.deepEqual(a.problems, []);
    await a.context.close();
  }
});
