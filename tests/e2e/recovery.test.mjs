// Password recovery in a real browser (issue 14): an admin makes a one-time reset link on the Team
// page, the teammate opens it in another browser, sets a new password and is signed in; the old
// password no longer works; the link works once. "Forgot password?" on the sign-in page explains how
// to get a link. Each page is checked with axe-core and screenshotted in English, Portuguese, dark
// and at 360 px.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkA11y, launchBrowser, screenshot, skipOrFail, startServer } from './lib.mjs';
import { Agent } from './widget-helpers.mjs';

const skip = skipOrFail();
let server, browser, admin;

before(async () => {
  if (skip) return;
  server = await startServer();
  browser = await launchBrowser();
  admin = await Agent.setup(server.url);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A fresh browser context and page; `problems` collects page errors and console errors. */
async function open(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...options });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  return { context, page, problems };
}

async function signIn(page, email, password) {
  await page.goto(server.url + '/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** No horizontal scrolling at the page's width. */
async function fits(page, what) {
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= width, `${what}: page is ${scroll} px wide in a ${width} px window`);
}

test('an admin makes a reset link on the Team page; the teammate sets a new password with it', { skip }, async () => {
  const bob = await Agent.create(server.url, admin, 'Bob Baker', 'bob@example.com');
  const a = await open();
  await signIn(a.page, 'ada@example.com', 'correct horse battery');
  await a.page.waitForURL(server.url + '/');
  await a.page.goto(server.url + '/admin/team');
  await a.page.getByRole('heading', { level: 1, name: 'Team' }).waitFor();
  // Not for yourself (you know your password), for everyone else who is active.
  assert.equal(await a.page.getByRole('button', { name: 'Reset password for Ada Admin' }).count(), 0);
  await a.page.getByRole('button', { name: 'Reset password for Bob Baker' }).click();
  await a.page.getByRole('heading', { name: 'Password reset link for Bob Baker' }).waitFor();
  await a.page.getByText('It works once, until', { exact: false }).waitFor();
  const url = await a.page.locator('.invite-link code').textContent();
  assert.match(url, /\/reset\/[0-9a-f]{32}$/);
  const copyButton = a.page.getByRole('button', { name: 'Copy link' });
  assert.ok(await copyButton.evaluate((b) => b === document.activeElement), 'the copy button has the focus');
  await screenshot(a.page, 'recovery-1-team-link');
  await a.page.setViewportSize({ width: 360, height: 740 });
  await screenshot(a.page, 'recovery-1-team-link-360');
  await a.page.setViewportSize({ width: 1280, height: 860 });

  // Another browser: Bob opens the link.
  const b = await open();
  await b.page.goto(url);
  await b.page.getByText('Set a new password for Bob Baker.', { exact: false }).waitFor();
  assert.equal(await b.page.getByLabel('Email').inputValue(), 'bob@example.com');
  assert.equal(await b.page.title(), 'Choose a new password · Frontdesk');
  await checkA11y(b.page, 'the reset page');
  await screenshot(b.page, 'recovery-2-reset-en');
  await b.page.getByLabel('New password', { exact: true }).fill('bobs new password');
  await b.page.getByLabel('Repeat the new password').fill('bobs new passwort');
  await b.page.getByRole('button', { name: 'Set password and sign in' }).click();
  await b.page.getByText('The two passwords are not the same.').waitFor();
  await b.page.getByLabel('Repeat the new password').fill('bobs new password');
  await b.page.getByRole('button', { name: 'Set password and sign in' }).click();
  await b.page.waitForURL(server.url + '/');
  assert.equal((await bob.request('GET', '/api/me')).status, 401, "Bob's other session ended");

  // The new password signs in; the old one is refused.
  const c = await open();
  await signIn(c.page, 'bob@example.com', 'agent password 1');
  await c.page.getByText('Wrong email or password.').waitFor();
  await signIn(c.page, 'bob@example.com', 'bobs new password');
  await c.page.waitForURL(server.url + '/');

  // The link worked once.
  const d = await open();
  await d.page.goto(url);
  await d.page.getByRole('heading', { name: 'This link cannot be used' }).waitFor();
  await d.page.getByText('This link was already used or has expired; ask an admin for a new one.').waitFor();
  await d.page.getByText('frontdesk admin reset-password --email you@example.com').waitFor();
  await checkA11y(d.page, 'the reset page with a used link');
  await screenshot(d.page, 'recovery-3-used-en');

  // The audit log names both, in words.
  await a.page.goto(server.url + '/admin/audit');
  await a.page.getByRole('cell', { name: /Made a password reset link/ }).waitFor();
  await a.page.getByRole('cell', { name: /Set a new password with a reset link/ }).waitFor();
  for (const x of [a, b, c, d]) {
    assert.deepEqual(x.problems.filter((p) => !/status of (401|410)/.test(p)), []);
    await x.context.close();
  }
});

test('"Forgot password?" on the sign-in page says how to get a link', { skip }, async () => {
  const { context, page, problems } = await open();
  await page.goto(server.url + '/login');
  await screenshot(page, 'recovery-4-login-en');
  await checkA11y(page, 'the sign-in page');
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await page.waitForURL(server.url + '/forgot-password');
  await page.getByRole('heading', { level: 1, name: 'Forgot your password?' }).waitFor();
  await page.getByText('Ask an admin of your help desk for a password reset link.', { exact: false }).waitFor();
  await page.getByText('frontdesk admin reset-password --email you@example.com').waitFor();
  assert.equal(await page.getByText(/email/i).filter({ hasText: /sent|send you/i }).count(), 0, 'no promise of an email');
  await checkA11y(page, 'the forgot-password page');
  await screenshot(page, 'recovery-5-forgot-en');
  await page.getByRole('link', { name: 'Back to sign in' }).click();
  await page.waitForURL(server.url + '/login');
  assert.deepEqual(problems, []);
  await context.close();
});

test('in Portuguese, dark and on a 360 px phone', { skip }, async () => {
  const phone = { viewport: { width: 360, height: 740 }, locale: 'pt-PT', isMobile: true, hasTouch: true };
  const users = (await admin.request('GET', '/api/users')).json.users;
  const bobId = users.find((u) => u.user.email === 'bob@example.com').user.id;
  const made = await admin.request('POST', `/api/users/${bobId}/password-reset`, {});
  assert.equal(made.status, 201, made.text);

  const { context, page, problems } = await open(phone);
  await page.goto(server.url + '/login');
  await page.getByRole('link', { name: 'Esqueceu-se da palavra-passe?' }).waitFor();
  await fits(page, 'sign-in, pt, 360 px');
  await screenshot(page, 'recovery-6-login-pt-360');
  await page.getByRole('link', { name: 'Esqueceu-se da palavra-passe?' }).click();
  await page.getByRole('heading', { level: 1, name: 'Esqueceu-se da palavra-passe?' }).waitFor();
  assert.match(await page.evaluate(() => document.documentElement.lang), /^pt/);
  await fits(page, 'forgot-password, pt, 360 px');
  await checkA11y(page, 'the forgot-password page in Portuguese');
  await screenshot(page, 'recovery-7-forgot-pt-360');

  await page.goto(made.json.url);
  await page.getByText('Defina uma nova palavra-passe para Bob Baker.', { exact: false }).waitFor();
  await page.getByRole('button', { name: 'Definir palavra-passe e entrar' }).waitFor();
  await fits(page, 'reset, pt, 360 px');
  await checkA11y(page, 'the reset page in Portuguese');
  await screenshot(page, 'recovery-8-reset-pt-360');
  await page.getByLabel('Nova palavra-passe', { exact: true }).fill('curta');
  await page.getByRole('button', { name: 'Definir palavra-passe e entrar' }).click();
  await page.getByText('A palavra-passe tem de ter pelo menos 10 caracteres.').waitFor();

  // A newer link cancels this one: the page says so, in Portuguese.
  assert.equal((await admin.request('POST', `/api/users/${bobId}/password-reset`, {})).status, 201);
  await page.getByLabel('Nova palavra-passe', { exact: true }).fill('palavra-passe nova');
  await page.getByLabel('Repita a nova palavra-passe').fill('palavra-passe nova');
  await page.getByRole('button', { name: 'Definir palavra-passe e entrar' }).click();
  await page.getByRole('heading', { name: 'Esta ligação não pode ser usada' }).waitFor();
  await page.getByText('Esta ligação já foi usada ou expirou; peça uma nova a um administrador.').waitFor();
  await fits(page, 'used link, pt, 360 px');
  await checkA11y(page, 'the reset page with a cancelled link, in Portuguese');
  await screenshot(page, 'recovery-9-used-pt-360');
  assert.deepEqual(problems.filter((p) => !/status of 410/.test(p)), []);
  await context.close();

  // Dark: the reset page and the forgot-password page.
  const fresh = await admin.request('POST', `/api/users/${bobId}/password-reset`, {});
  const dark = await open({ colorScheme: 'dark' });
  await dark.page.goto(fresh.json.url);
  await dark.page.getByText('Set a new password for Bob Baker.', { exact: false }).waitFor();
  await checkA11y(dark.page, 'the reset page, dark');
  await screenshot(dark.page, 'recovery-10-reset-dark');
  await dark.page.goto(server.url + '/forgot-password');
  await dark.page.getByRole('heading', { level: 1, name: 'Forgot your password?' }).waitFor();
  await checkA11y(dark.page, 'the forgot-password page, dark');
  await screenshot(dark.page, 'recovery-11-forgot-dark');
  await dark.context.close();
});
