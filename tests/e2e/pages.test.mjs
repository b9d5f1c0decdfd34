// The pages around a session (setup, sign-in, an invite, "not an admin") and the admin pages, in a
// browser, as issue 14 asks: English or Portuguese (the user's saved choice, else the browser's), times
// in the reader's locale, the page an agent gets at /admin, what the Team page says about when people
// were last seen, the availability card's wording. Every page state goes through axe-core and is
// screenshotted in English, Portuguese, dark and on a 360 px phone, where nothing may overflow sideways.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkA11y, launchBrowser, screenshot, skipOrFail, startServer } from './lib.mjs';
import { eventually } from './messenger-helpers.mjs';
import { Agent } from './widget-helpers.mjs';

const skip = skipOrFail();
let server, browser, admin, bob;

/** The ways each page is looked at: name and browser context. The phone reads Portuguese (longer words). */
const LOOKS = [
  ['en', { locale: 'en-US', viewport: { width: 1360, height: 900 } }],
  ['pt', { locale: 'pt-PT', viewport: { width: 1360, height: 900 } }],
  ['dark', { locale: 'en-GB', colorScheme: 'dark', viewport: { width: 1360, height: 900 } }],
  ['phone', { locale: 'pt-PT', viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true }],
];
const PT = new Set(['pt', 'phone']);

/** The admin sections and their headings in English and Portuguese. */
const SECTIONS = [
  ['messages', 'Messages', 'Mensagens'], ['availability', 'Availability', 'Disponibilidade'], ['widget', 'Widget', 'Widget'],
  ['team', 'Team', 'Equipa'], ['data', 'Data', 'Dados'], ['audit', 'Audit log', 'Registo de auditoria'],
];

before(async () => {
  if (skip) return;
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A browser context (signed in as `user`, an Agent helper, if given) with every page error collected. */
async function context(opts, user) {
  const ctx = await browser.newContext(opts);
  if (user) await ctx.addCookies([{ name: 'fd_session', value: user.cookie.split('=')[1], url: server.url }]);
  ctx.errors = [];
  ctx.on('page', (p) => p.on('pageerror', (e) => ctx.errors.push(e.message)));
  return ctx;
}

/**
 * axe-core (these pages pass even its moderate and minor rules: one landmark each, no duplicates),
 * no sideways scrolling, and a screenshot.
 */
async function look(page, name) {
  const minor = await checkA11y(page, name);
  assert.deepEqual(minor.map((v) => `${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target).join(', ')}`), [], name);
  const [wide, window] = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
  assert.ok(wide <= window, `${name}: the page is ${wide} px wide in a ${window} px window`);
  await screenshot(page, name);
}

test('the setup page in English and Portuguese, dark and on a phone; set up in Portuguese', { skip }, async () => {
  for (const [name, opts] of LOOKS) {
    const ctx = await context(opts);
    const page = await ctx.newPage();
    await page.goto(server.url + '/');
    await page.getByRole('heading', { name: PT.has(name) ? 'Configure o seu apoio' : 'Set up your help desk' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), PT.has(name) ? 'pt-PT' : 'en');
    assert.equal(await page.title(), PT.has(name) ? 'Configurar o Frontdesk' : 'Set up Frontdesk');
    await look(page, `pages-setup-${name}`);
    if (name === 'phone') {
      // A too-short password is refused in the reader's words, under the form.
      await page.getByLabel('Nome do apoio').fill('Acme');
      await page.getByLabel('O seu nome').fill('Ada Admin');
      await page.getByLabel('Email').fill('ada@example.com');
      await page.getByLabel('Palavra-passe').fill('short');
      await page.getByRole('button', { name: 'Criar administrador e continuar' }).click();
      await page.getByText('Escolha uma palavra-passe com pelo menos 10 caracteres.').waitFor();
      await look(page, 'pages-setup-error-phone');
      await page.getByLabel('Palavra-passe').fill('correct horse battery');
      await page.getByRole('button', { name: 'Criar administrador e continuar' }).click();
      await page.waitForURL(server.url + '/');
    }
    assert.deepEqual(ctx.errors, []);
    await ctx.close();
  }
  admin = new Agent(server.url);
  const r = await admin.request('POST', '/api/login', { email: 'ada@example.com', password: 'correct horse battery' });
  assert.equal(r.status, 200, r.text);
  await admin.signedIn();
  bob = await Agent.create(server.url, admin, 'Bob Baker', 'bob@example.com');
});

test('the sign-in page, and its refusal, in the reader\'s language', { skip }, async () => {
  for (const [name, opts] of LOOKS) {
    const pt = PT.has(name);
    const ctx = await context(opts);
    const page = await ctx.newPage();
    await page.goto(server.url + '/login');
    await page.getByRole('heading', { name: pt ? 'Iniciar sessão' : 'Sign in' }).waitFor();
    assert.equal(await page.title(), pt ? 'Iniciar sessão · Frontdesk' : 'Sign in · Frontdesk');
    await look(page, `pages-signin-${name}`);
    await page.getByLabel('Email').fill('ada@example.com');
    await page.getByLabel(pt ? 'Palavra-passe' : 'Password').fill('not the password');
    await page.getByRole('button', { name: pt ? 'Iniciar sessão' : 'Sign in' }).click();
    await page.getByRole('alert').getByText(pt ? 'Email ou palavra-passe errados.' : 'Wrong email or password.').waitFor();
    await look(page, `pages-signin-error-${name}`);
    await ctx.close();
  }
});

test('an invite page in the reader\'s language', { skip }, async () => {
  for (const [name, opts] of LOOKS) {
    const pt = PT.has(name);
    const r = await admin.request('POST', '/api/invites', { email: `nia-${name}@example.com` });
    assert.equal(r.status, 201, r.text);
    const ctx = await context(opts);
    const page = await ctx.newPage();
    await page.goto(r.json.url);
    await page.getByText(pt ? 'Foi convidado para Acme como agente.' : 'You were invited to Acme as an agent.', { exact: false }).waitFor();
    await page.getByRole('button', { name: pt ? 'Criar a minha conta' : 'Create my account' }).waitFor();
    await look(page, `pages-invite-${name}`);
    await ctx.close();
  }
  const ctx = await context(LOOKS[1][1]);
  const page = await ctx.newPage();
  await page.goto(server.url + '/invite/0123456789abcdef0123456789abcdef');
  await page.getByText('Este convite não é válido.', { exact: false }).waitFor();
  await look(page, 'pages-invite-invalid-pt');
  await ctx.close();
});

test('every admin section in English, Portuguese, dark and on a phone, with business hours on', { skip }, async () => {
  // Open on a weekday other than today only: the desk is outside business hours, whatever the time.
  const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  const other = days[(new Date().getUTCDay() + 3) % 7];
  await admin.settings({ hours_enabled: true, timezone: 'UTC', hours: [{ day: other, start: '09:00', end: '17:00' }] });
  for (const [name, opts] of LOOKS) {
    const pt = PT.has(name);
    const ctx = await context(opts, admin);
    const page = await ctx.newPage();
    for (const [id, en, ptTitle] of SECTIONS) {
      await page.goto(server.url + '/admin/' + id);
      await page.getByRole('heading', { level: 1, name: pt ? ptTitle : en }).waitFor();
      await page.locator('.loading').waitFor({ state: 'detached' });
      if (id === 'availability') {
        const card = page.locator('.status-card');
        await card.getByText(pt ? 'Offline — fora do horário de funcionamento' : 'Offline — outside business hours', { exact: true }).waitFor();
        await card.getByText(pt ? /^Fica online automaticamente a / : /^Goes online by itself on /).waitFor();
      }
      if (id === 'team') await page.getByRole('cell', { name: pt ? 'Ada Admin (você)' : 'Ada Admin (you)', exact: false }).waitFor();
      if (id === 'audit') await page.getByRole('cell', { name: pt ? 'Configurou o apoio' : 'Set up the help desk', exact: false }).first().waitFor();
      await look(page, `pages-admin-${id}-${name}`);
      if (id === 'team') {
        // The invite form's result and its "first password" alternative, open.
        await page.getByLabel('Email', { exact: true }).fill(`zoe-${name}@example.com`);
        await page.getByRole('button', { name: pt ? 'Criar ligação de convite' : 'Create invite link' }).click();
        await page.locator('.invite-link code').waitFor();
        await page.getByText(pt ? 'Ou adicione-o com uma primeira palavra-passe' : 'Or add them with a first password').click();
        await look(page, `pages-admin-team-invite-${name}`);
      }
    }
    assert.deepEqual(ctx.errors, []);
    await ctx.close();
  }
  await admin.settings({ hours_enabled: false });
});

/** The card's first line is `title`, and no other line says the state again ("Online / online"). */
async function saidOnce(card, title) {
  const { status } = (await admin.request('GET', '/api/settings')).json;
  const lines = (await card.innerText()).split('\n').map((l) => l.trim()).filter(Boolean);
  assert.equal(lines[0], title);
  for (const l of lines.slice(1)) assert.ok(![status.label, 'online', 'offline'].includes(l.toLowerCase()), `the state said twice: ${lines.join(' / ')}`);
}

test('the availability card says the state and its reason once: no agent online, then online', { skip }, async () => {
  await admin.settings({ hours_enabled: false, offline_when_no_agents: true });
  await admin.setOnline(true);
  const ctx = await context(LOOKS[0][1], admin);
  const page = await ctx.newPage();
  await page.goto(server.url + '/admin/availability');
  const card = page.locator('.status-card');
  await card.getByText('Offline — no agent online', { exact: true }).waitFor();
  assert.equal(await page.getByRole('switch', { name: 'Help desk online' }).getAttribute('aria-checked'), 'false');
  await saidOnce(card, 'Offline — no agent online');
  await look(page, 'pages-admin-availability-no-agents');

  // Bob opens the Messenger: the desk is online, and the card says so (after a reload: it is not live).
  const messenger = await context(LOOKS[0][1], bob);
  await (await messenger.newPage()).goto(server.url + '/');
  await eventually(async () => (await admin.request('GET', '/api/settings')).json.status.online, 5000, 'the desk online');
  await page.reload();
  await card.getByText('Online', { exact: true }).waitFor();
  await card.getByText('Set by hand, here or in the Messenger.').waitFor();
  await saidOnce(card, 'Online');
  await messenger.close();
  await ctx.close();
  await admin.settings({ offline_when_no_agents: false });
});

test('the Team page: online now while the Messenger is open, then when last seen; never for someone who never came', { skip }, async () => {
  const carol = await admin.request('POST', '/api/users', { email: 'carol@example.com', name: 'Carol Chen', password: 'agent password 1' });
  assert.equal(carol.status, 201);
  const messenger = await context(LOOKS[0][1], bob);
  await (await messenger.newPage()).goto(server.url + '/');
  await eventually(async () => (await admin.request('GET', '/api/users')).json.users.find((u) => u.user.name === 'Bob Baker').online, 5000, 'Bob online');

  const ctx = await context(LOOKS[0][1], admin);
  const page = await ctx.newPage();
  await page.goto(server.url + '/admin/team');
  const row = (who) => page.getByRole('row').filter({ hasText: who });
  await row('Bob Baker').getByRole('cell', { name: 'Online now' }).waitFor();
  await row('Bob Baker').getByRole('cell', { name: 'Active', exact: true }).waitFor();
  await row('Carol Chen').getByRole('cell', { name: 'Never' }).waitFor();
  await look(page, 'pages-admin-team-last-seen');

  await messenger.close();
  await eventually(async () => !(await admin.request('GET', '/api/users')).json.users.find((u) => u.user.name === 'Bob Baker').online, 5000, 'Bob offline');
  await page.reload();
  await row('Bob Baker').getByRole('cell', { name: 'Just now' }).waitFor();
  await ctx.close();
});

test('times follow the reader\'s locale: 24-hour for en-GB, 12-hour for en-US, Portuguese for pt-PT', { skip }, async () => {
  const when = async (locale) => {
    const ctx = await context({ locale }, admin);
    const page = await ctx.newPage();
    await page.goto(server.url + '/admin/audit');
    const cell = page.getByRole('row').nth(1).getByRole('cell').first();
    await cell.waitFor();
    const text = await cell.innerText();
    await ctx.close();
    return text;
  };
  const gb = await when('en-GB');
  assert.match(gb, /\b([01]\d|2[0-3]):[0-5]\d$/, gb);
  assert.doesNotMatch(gb, /am|pm/i, gb);
  assert.match(await when('en-US'), /\d:[0-5]\d\s?(AM|PM)$/);
  const pt = await when('pt-PT');
  assert.match(pt, /^\d{2}\/\d{2}\/\d{4}, ([01]\d|2[0-3]):[0-5]\d$/, pt);
});

test('a saved language wins over the browser\'s', { skip }, async () => {
  assert.equal((await admin.request('PATCH', '/api/me/prefs', { language: 'pt' })).status, 200);
  const ctx = await context({ locale: 'en-US' }, admin);
  const page = await ctx.newPage();
  await page.goto(server.url + '/admin/team');
  await page.getByRole('heading', { level: 1, name: 'Equipa' }).waitFor();
  await page.getByRole('navigation', { name: 'Secções de administração' }).getByRole('link', { name: 'Registo de auditoria' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'pt-PT');
  assert.equal(await page.title(), 'Equipa · Administração · Frontdesk');
  assert.equal((await admin.request('PATCH', '/api/me/prefs', { language: 'en' })).status, 200);
  const pt = await context({ locale: 'pt-PT' }, admin);
  const page2 = await pt.newPage();
  await page2.goto(server.url + '/admin/team');
  await page2.getByRole('heading', { level: 1, name: 'Team' }).waitFor();
  assert.equal((await admin.request('PATCH', '/api/me/prefs', { language: 'auto' })).status, 200);
  await ctx.close();
  await pt.close();
});

test('an agent who opens /admin reads that it is for admins and finds the way back; signed out goes to sign in', { skip }, async () => {
  for (const [name, opts] of LOOKS) {
    const pt = PT.has(name);
    const ctx = await context(opts, bob);
    const page = await ctx.newPage();
    const r = await page.goto(server.url + '/admin/team');
    assert.equal(r.status(), 403);
    await page.getByRole('heading', { name: pt ? 'Esta página é para administradores' : 'This page is for admins' }).waitFor();
    await page.getByText(pt ? 'Tem sessão iniciada como Bob Baker, que não é administrador.' : 'You are signed in as Bob Baker, who is not an admin.', { exact: false }).waitFor();
    await look(page, `pages-not-admin-${name}`);
    await page.getByRole('link', { name: pt ? 'Voltar ao Messenger' : 'Back to the Messenger' }).click();
    await page.waitForURL(server.url + '/');
    assert.deepEqual(ctx.errors, []);
    await ctx.close();
  }
  // Bob's saved choice decides here too.
  assert.equal((await bob.request('PATCH', '/api/me/prefs', { language: 'pt' })).status, 200);
  const ctx = await context({ locale: 'en-US' }, bob);
  const page = await ctx.newPage();
  await page.goto(server.url + '/admin');
  await page.getByRole('heading', { name: 'Esta página é para administradores' }).waitFor();
  await ctx.close();
  assert.equal((await bob.request('PATCH', '/api/me/prefs', { language: 'auto' })).status, 200);

  const stranger = await context(LOOKS[0][1]);
  const p = await stranger.newPage();
  await p.goto(server.url + '/admin/team');
  await p.waitForURL(server.url + '/login');
  await stranger.close();
});
