//! Passwords (argon2id), random tokens, sessions and their cookie, CSRF, API tokens (`Bearer fdt_…`),
//! and sign-in throttling. Owns no SQL (calls `db::sessions`/`db::users`/`db::tokens`) and no socket I/O.

use crate::app::App;
use crate::db::{self, users::User};
use crate::error::{Error, Result};
use crate::http::Request;
pub use crate::passwords::{check_password_rules, constant_eq, hex, random_token, sha256};

pub const SESSION_COOKIE: &str = "fd_session";
pub const IDLE_MS: i64 = 7 * 24 * 3600 * 1000;
pub const ABSOLUTE_MS: i64 = 30 * 24 * 3600 * 1000;

/// A signed-in agent, as a request sees it: by a session cookie, or by an API token (`token`).
pub struct Authed {
    /// With an API token, the user's rights narrowed to the token's scope (`api_token_user`).
    pub user: User,
    /// The session's CSRF token ("" with an API token: no cookie, so no CSRF to prove).
    pub csrf: String,
    /// The SHA-256 of the session (or API) token.
    pub token_hash: Vec<u8>,
    /// The API token the request carried, if that is how it authenticated.
    pub token: Option<TokenUse>,
}

/// The API token a request was made with.
#[derive(Clone, Debug)]
pub struct TokenUse {
    pub id: i64,
    pub name: String,
    pub scope: String,
}

/// Every API token starts with this, which tells it apart from the widget's visitor tokens and the
/// metrics token (32 hex characters, or whatever the operator chose) sent the same way.
pub const API_TOKEN_PREFIX: &str = "fdt_";
/// The key API token failures are counted under (with the address) in the sign-in throttle.
const TOKEN_FAILURES: &str = "api-token";

/// The API token of a request: `Authorization: Bearer fdt_…` on an `/api/` path. Other bearer
/// values (visitor tokens on `/api/widget/*`, the metrics token on `/metrics`) are read by their routes.
pub fn api_token(req: &Request) -> Option<&str> {
    if !req.path.starts_with("/api/") {
        return None;
    }
    bearer(req).filter(|t| t.starts_with(API_TOKEN_PREFIX))
}

/// The session named by the request's cookie, if valid; refreshes its idle timer. A request with an
/// API token is that token's (`by_api_token`), whatever cookie it also carries.
pub fn session(app: &App, req: &Request) -> Result<Option<Authed>> {
    if let Some(token) = api_token(req) {
        return by_api_token(app, req, token).map(Some);
    }
    let Some(token) = req.cookie(SESSION_COOKIE) else {
        return Ok(None);
    };
    if token.len() != 32 {
        return Ok(None);
    }
    session_by_hash(app, sha256(token), true)
}

/// The live session with this token hash: it exists, its user is active, and it is neither idle
/// for `IDLE_MS` nor older than `ABSOLUTE_MS`. With `used`, this counts as use (the idle timer is
/// refreshed, at most once a minute so reads don't turn into writes).
pub fn session_by_hash(app: &App, hash: Vec<u8>, used: bool) -> Result<Option<Authed>> {
    let now = app.clock.now_ms();
    let found = app.db.read(|c| {
        let Some(s) = db::sessions::get(c, &hash)? else {
            return Ok(None);
        };
        let Some(u) = db::users::get(c, s.user_id)? else {
            return Ok(None);
        };
        Ok(Some((s, u)))
    })?;
    let Some((s, user)) = found else {
        return Ok(None);
    };
    if !user.active || now - s.last_used_at > IDLE_MS || now - s.created_at > ABSOLUTE_MS {
        return Ok(None);
    }
    if used && now - s.last_used_at > 60_000 {
        let (h, uid) = (hash.clone(), user.id);
        app.db.write(move |w| {
            db::sessions::touch(w.conn, &h, now)?;
            db::users::touch(w.conn, uid, now)
        })?;
    }
    Ok(Some(Authed { user, csrf: s.csrf_token, token_hash: hash, token: None }))
}

/// The user an API token acts as, checked on every request: it exists, is neither revoked nor expired,
/// its user is active (so a deactivation ends it at once, even between two requests of one
/// connection), and a `read` token only reads. Every refusal but the scope one counts against the
/// address in the sign-in throttle (`429` with `Retry-After` after 5 in 15 minutes, `Throttle::check_pair`). Its last use is written
/// at most once a minute, so reads do not become writes.
fn by_api_token(app: &App, req: &Request, token: &str) -> Result<Authed> {
    app.throttle.check_pair(TOKEN_FAILURES, req.remote, "failed API token attempts")?;
    let hash = sha256(token);
    let found = app.db.read(|c| {
        let Some(t) = db::tokens::by_hash(c, &hash)? else { return Ok(None) };
        Ok(db::users::get(c, t.user_id)?.map(|u| (t, u)))
    })?;
    let now = app.clock.now_ms();
    let refused = match &found {
        None => Some("Invalid API token."),
        Some((t, _)) if t.revoked_at.is_some() => Some("This API token was revoked."),
        Some((t, _)) if t.expires_at.is_some_and(|e| now >= e) => Some("This API token has expired."),
        Some((_, u)) if !u.active => Some("This API token's user is deactivated."),
        Some(_) => None,
    };
    let (Some((t, user)), None) = (found, refused) else {
        app.throttle.failed(TOKEN_FAILURES, req.remote);
        return Err(Error::new(401, refused.unwrap_or("Invalid API token.")));
    };
    if t.scope == "read" && !matches!(req.method.as_str(), "GET" | "HEAD") {
        return Err(Error::forbidden("This API token has read scope: it can only GET. Make a token with write scope to change anything."));
    }
    if t.last_used_at.is_none_or(|at| now - at >= 60_000) {
        let (id, uid, ip) = (t.id, user.id, req.remote.to_string());
        app.db.write(move |w| {
            db::tokens::touch(w.conn, id, now, &ip)?;
            db::users::touch(w.conn, uid, now)
        })?;
    }
    let user = api_token_user(user, &t.scope);
    Ok(Authed { user, csrf: String::new(), token_hash: hash, token: Some(TokenUse { id: t.id, name: t.name, scope: t.scope }) })
}

/// What a token may do: the lesser of its scope and its user's current role, on every request (an
/// admin's `admin` token is an agent's once they are no longer an admin). `read` and `write` tokens
/// are never admins; a person's keeps their customer support (admins have it). A desk token's bot
/// has the rights its scope names, with customer support.
pub fn api_token_user(mut user: User, scope: &str) -> User {
    let admin = scope == "admin" && (user.is_bot() || user.is_admin());
    user.customer_support = user.is_bot() || user.sees_customers();
    user.role = if admin { "admin" } else { "agent" }.into();
    user
}

/// Close the sockets whose session has ended without a request saying so (idle or absolute
/// expiry, or a row deleted behind our back). Called every second by maintenance; explicit
/// endings (sign-out, password change, deactivation) close their sockets at once.
pub fn close_sockets_of_ended_sessions(app: &App) -> Result<usize> {
    let mut closed = 0;
    for hash in app.hub.agent_sessions() {
        if session_by_hash(app, hash.clone(), false)?.is_none() {
            closed += app.hub.disconnect_session(&hash, crate::hub::SESSION_ENDED, "session ended: sign in again");
        }
    }
    Ok(closed)
}

/// The signed-in agent or 401.
pub fn require(app: &App, req: &Request) -> Result<Authed> {
    session(app, req)?.ok_or_else(Error::unauthorized)
}

pub fn require_admin(app: &App, req: &Request) -> Result<Authed> {
    let a = require(app, req)?;
    if !a.user.is_admin() {
        return Err(Error::forbidden("Only admins can do this."));
    }
    Ok(a)
}

/// The signed-in agent for an API call: 401 without a session, and for anything but a read the
/// CSRF check too (our Origin and the session's token). Handlers call this once, first.
///
/// With an API token there is no CSRF check: CSRF is a browser sending our cookie on a request another
/// site made, and no browser attaches an `Authorization` header by itself (a cross-site script cannot
/// set one without a CORS preflight, which this server never grants).
pub fn require_for(app: &App, req: &Request) -> Result<Authed> {
    let a = require(app, req)?;
    if req.method != "GET" && a.token.is_none() {
        check_csrf(app, req, Some(&a.csrf))?;
    }
    Ok(a)
}

/// `require_for`, admins only (403 for agents).
pub fn require_admin_for(app: &App, req: &Request) -> Result<Authed> {
    let a = require_admin(app, req)?;
    if req.method != "GET" && a.token.is_none() {
        check_csrf(app, req, Some(&a.csrf))?;
    }
    Ok(a)
}

/// Start a session for `user_id`; returns the `Set-Cookie` value.
pub fn start_session(app: &App, user_id: i64, req: &Request) -> Result<String> {
    let token = random_token();
    let hash = sha256(&token);
    let csrf = random_token();
    let ip = req.remote.to_string();
    let ua: String = req.header("user-agent").unwrap_or("").chars().take(300).collect();
    let now = app.clock.now_ms();
    app.db.write(move |w| {
        db::sessions::insert(w.conn, &hash, user_id, &csrf, &ip, &ua, now)?;
        db::users::touch(w.conn, user_id, now)
    })?;
    Ok(cookie(app, &token, ABSOLUTE_MS / 1000))
}

pub fn cookie(app: &App, token: &str, max_age_secs: i64) -> String {
    let secure = if app.config.https() { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
}

/// Is `origin` this server's own? The public URL's origin; and, when no public URL was set (the
/// README's first command), the origin the browser actually used: `http://` + the request's own
/// `Host`, if that host can name this server (a loopback name for a loopback bind, any name for a
/// wildcard bind as in a container, else the bound address) on the bound port. A cross-site page
/// cannot forge the pair: its Origin names its own site, and no session cookie of ours is sent
/// to a host it was not set for.
pub fn own_origin(app: &App, req: &Request, origin: &str) -> bool {
    if origin.eq_ignore_ascii_case(app.config.public_origin()) {
        return true;
    }
    if app.config.public_url_set {
        return false;
    }
    let Some(host) = req.header("host") else { return false };
    if !origin.eq_ignore_ascii_case(&format!("http://{host}")) {
        return false;
    }
    let (name, port) = match host.rsplit_once(':') {
        Some((n, p)) if !n.is_empty() => (n.trim_start_matches('[').trim_end_matches(']'), p),
        _ => return false,
    };
    let bound = app.config.public_origin().rsplit(':').next().unwrap_or("");
    if port != bound {
        return false;
    }
    let ip = app.config.addr.ip();
    if ip.is_unspecified() {
        return true;
    }
    match name.parse::<std::net::IpAddr>() {
        Ok(a) => a == ip || (ip.is_loopback() && a.is_loopback()),
        Err(_) => ip.is_loopback() && name.eq_ignore_ascii_case("localhost"),
    }
}

/// The refusal for a request from an origin that is not ours, saying how to fix it when it is.
pub fn foreign_origin(app: &App, origin: &str) -> Error {
    Error::forbidden(format!(
        "Cross-origin request refused (Origin {origin} is not {}). If {origin} is how people reach this Frontdesk, \
         start it with --public-url {origin} (or FRONTDESK_PUBLIC_URL={origin}).",
        app.config.public_origin()
    ))
}

/// CSRF: a state-changing request must come from our own origin and carry proof that our script
/// sent it: the session's CSRF token, or (before sign-in) our custom header, which a cross-site
/// form cannot set.
pub fn check_csrf(app: &App, req: &Request, session_csrf: Option<&str>) -> Result<()> {
    if !matches!(req.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE") {
        return Err(Error::new(405, "Use POST, PUT, PATCH or DELETE to change anything."));
    }
    match req.header("origin") {
        Some(o) if own_origin(app, req, o) => {}
        Some(o) => return Err(foreign_origin(app, o)),
        None => {
            return Err(Error::forbidden("Missing Origin header: requests that change data must come from the Frontdesk pages."));
        }
    }
    let ok = match session_csrf {
        Some(expected) => req.header("x-csrf-token").is_some_and(|t| constant_eq(t.as_bytes(), expected.as_bytes())),
        None => req.header("x-frontdesk-request").is_some(),
    };
    if !ok {
        return Err(Error::forbidden("Missing or wrong CSRF token: reload the page and try again."));
    }
    Ok(())
}

/// The bearer token of a request (a visitor token from the widget, an API token, the metrics token).
pub fn bearer(req: &Request) -> Option<&str> {
    req.header("authorization").and_then(|v| v.strip_prefix("Bearer ")).map(str::trim)
}

/// Our own pages always; other sites only if listed (an empty list admits any origin).
pub fn widget_origin_allowed(app: &App, req: &Request, origin: &str) -> bool {
    if own_origin(app, req, origin) {
        return true;
    }
    let s = app.settings();
    s.allowed_origins.is_empty() || s.allowed_origins.iter().any(|o| o.eq_ignore_ascii_case(origin))
}

/// The customer a visitor token belongs to, or 401.
pub fn customer_by_token(app: &App, token: &str) -> Result<i64> {
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::new(401, "Invalid visitor token."));
    }
    let hash = sha256(token);
    app.db.read(|c| crate::db::customers::id_by_token(c, &hash))?.ok_or_else(|| Error::new(401, "Unknown visitor token: start a new chat."))
}
