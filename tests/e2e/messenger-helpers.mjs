// Helpers for the Messenger's browser tests: a user over the HTTP API (cookie + CSRF), a customer
// over the widget API (Bearer token), and signing a browser page in.

/** A Frontdesk user (admin or agent) talking to the real HTTP API. */
export class User {
  constructor(base) { this.base = base; this.cookie = ''; this.csrf = ''; }

  async request(method, path, body) {
    const headers = { Origin: this.base };
    if (this.cookie) headers.Cookie = this.cookie;
    if (this.csrf) headers['X-CSRF-Token'] = this.csrf;
    else headers['X-Frontdesk-Request'] = '1';
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const set = r.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0];
    const text = await r.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return json;
  }

  async signedIn() {
    const me = await this.request('GET', '/api/me');
    this.csrf = me.csrf_token;
    this.me = me.user;
    return this;
  }

  /** First-run setup: the admin (Ada, help desk "Acme Support"). */
  static async setup(base) {
    const u = new User(base);
    await u.request('POST', '/api/setup', { helpdesk_name: 'Acme Support', name: 'Ada Admin', email: 'ada@example.com', password: 'correct horse battery' });
    return u.signedIn();
  }

  /** Create a user as admin; returns {email, password, id}. */
  async createUser(name, email, { customer_support = true, role = 'agent' } = {}) {
    const password = 'agent password 1';
    const r = await this.request('POST', '/api/users', { email, name, password, role, customer_support });
    return { id: r.user.id, email, password, name };
  }
}

/** A website visitor using the widget API, as the widget would. */
export class Customer {
  constructor(base, token, customer) { this.base = base; this.token = token; this.customer = customer; this.n = 0; }

  static async create(base, fields = {}) {
    const r = await fetch(base + '/api/widget/visitors', {
      method: 'POST', headers: { Origin: base, 'Content-Type': 'application/json' },
      body: JSON.stringify({ page_url: 'https://shop.example.com/checkout', language: 'pt-PT', ...fields }),
    });
    const j = await r.json();
    if (r.status !== 201) throw new Error(`visitor: ${r.status} ${JSON.stringify(j)}`);
    return new Customer(base, j.token, j.customer);
  }

  async request(method, path, body) {
    const headers = { Origin: this.base, Authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const j = await r.json().catch(() => null);
    if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(j)}`);
    return j;
  }

  send(body) { return this.request('POST', '/api/widget/messages', { body, client_msg_id: `t-${Date.now()}-${this.n++}` }); }
  async messages() { return (await this.request('GET', '/api/widget/messages')).messages; }
  session() { return this.request('GET', '/api/widget/session'); }
}

/** Sign `page` in through the real sign-in form and wait for the Messenger. */
export async function signIn(page, base, email, password) {
  await page.goto(base + '/login');
  await page.getByLabel(/email/i).fill(email);
  await page.getByLabel(/password/i).fill(password);
  await page.getByRole('button', { name: /sign in/i }).click();
  await page.waitForURL(base + '/');
  await page.locator('#app:not([aria-busy])').waitFor();
}

/** Poll `fn` until it returns a truthy value (or throw after `ms`). */
export async function eventually(fn, ms = 5000, what = 'condition') {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
