// The one HTTP client of the front ends: JSON in and out, the page's proof of who it is, and failures
// as errors that carry the status and the server's message (`{"error": "..."}`).

/**
 * A failed call. `status` is the HTTP status, 0 when the server could not be reached; `message` is the
 * server's `error` (or `HTTP <status>`, or `network`); `data` is the answer's JSON body ({} if none) and
 * `retryAfter` its Retry-After in seconds (0 if none).
 */
export class HttpError extends Error {
  constructor(status, message, { data = {}, retryAfter = 0 } = {}) {
    super(message);
    this.status = status;
    this.data = data;
    this.retryAfter = retryAfter;
  }
}

/**
 * A client for one kind of page. `auth` says how its requests prove who sends them:
 * - `'session'` (agents: the Messenger, the admin pages): the session cookie, and
 *   `X-CSRF-Token: token()` on every state change;
 * - `'visitor'` (the widget frame): `Authorization: Bearer token()` whenever there is a token;
 * - `'none'` (setup, sign-in, an invite: before any session): `X-Frontdesk-Request: 1` on state changes.
 *
 * `onUnauthorized()` is called on a 401 (agents: go and sign in); the call still fails. `credentials`
 * and `cache` go to fetch as they are.
 *
 * Returns `{request(method, path, body), get, post, patch, del}`; each resolves to the answer's JSON
 * ({} when it has none) on a 2xx and rejects with an HttpError otherwise.
 */
export function client({ auth = 'none', token = () => '', onUnauthorized = null, credentials = 'same-origin', cache } = {}) {
  async function request(method, path, body) {
    const headers = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (auth === 'session' && method !== 'GET') headers['X-CSRF-Token'] = token();
    if (auth === 'visitor' && token()) headers.Authorization = 'Bearer ' + token();
    if (auth === 'none' && method !== 'GET') headers['X-Frontdesk-Request'] = '1';
    let r;
    try {
      r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials, cache });
    } catch {
      throw new HttpError(0, 'network');
    }
    if (r.status === 401 && onUnauthorized) {
      onUnauthorized();
      throw new HttpError(401, 'signed out');
    }
    const data = (await r.json().catch(() => null)) || {};
    if (!r.ok) throw new HttpError(r.status, data.error || `HTTP ${r.status}`, { data, retryAfter: Number(r.headers.get('Retry-After')) || 0 });
    return data;
  }
  return {
    request,
    get: (path) => request('GET', path),
    post: (path, body = {}) => request('POST', path, body),
    patch: (path, body = {}) => request('PATCH', path, body),
    del: (path) => request('DELETE', path),
  };
}

let signingIn = false;
/** Where an agent's page goes when its session has ended (a 401, or its socket closed with 4001).
 * Once: both often come together (the socket's 4001 and a request in flight), and a second
 * navigation aborts the first (a browser test saw its wait for the sign-in page fail with
 * ERR_ABORTED). */
export function toSignIn() {
  if (signingIn) return;
  signingIn = true;
  location.href = '/login';
}

let csrf = '';
/** The CSRF token of this agent's session (from `GET /api/me`), sent by `agent` from now on. */
export function setCsrf(t) { csrf = t; }
/** That token, for requests made without `agent` (uploads go by XMLHttpRequest, for their progress). */
export function csrfToken() { return csrf; }

/** The agents' client (the Messenger, the admin pages): session cookie + CSRF; a 401 goes to sign in. */
export const agent = client({ auth: 'session', token: () => csrf, onUnauthorized: toSignIn });
