//! Passwords (argon2id), random tokens, sessions and their cookie, CSRF, and sign-in throttling.
//! Owns no SQL (calls `db::sessions`/`db::users`) and no socket I/O.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::db::{self, users::User};
use crate::error::{Error, Result};
use crate::http::Request;

pub const SESSION_COOKIE: &str = "fd_session";
pub const IDLE_MS: i64 = 7 * 24 * 3600 * 1000;
pub const ABSOLUTE_MS: i64 = 30 * 24 * 3600 * 1000;
pub const MIN_PASSWORD: usize = 10;

/// 128 random bits as 32 hex characters.
pub fn random_token() -> String {
    let mut b = [0u8; 16];
    rand::fill(&mut b);
    hex(&b)
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn sha256(s: &str) -> Vec<u8> {
    Sha256::digest(s.as_bytes()).to_vec()
}

/// Limits concurrent argon2 runs: each holds `m` KiB of memory for its duration.
pub struct Hasher {
    m_kib: u32,
    t: u32,
    busy: Mutex<usize>,
    freed: Condvar,
    max: usize,
}

impl Hasher {
    pub fn new(m_kib: u32, t: u32, max: usize) -> Hasher {
        Hasher { m_kib, t, busy: Mutex::new(0), freed: Condvar::new(), max: max.max(1) }
    }

    fn argon(&self) -> Argon2<'static> {
        let params = Params::new(self.m_kib, self.t, 1, None).expect("valid argon2 parameters");
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    fn slot<T>(&self, f: impl FnOnce() -> T) -> T {
        let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
        while *busy >= self.max {
            busy = self.freed.wait(busy).unwrap_or_else(|p| p.into_inner());
        }
        *busy += 1;
        drop(busy);
        let out = f();
        *self.busy.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
        self.freed.notify_one();
        out
    }

    /// A PHC string (`$argon2id$v=19$m=...`).
    pub fn hash(&self, password: &str) -> Result<String> {
        self.slot(|| {
            self.argon().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| Error::internal(format!("argon2: {e}")))
        })
    }

    /// Constant work whether or not the user exists: verifying against `None` hashes anyway.
    pub fn verify(&self, password: &str, phc: Option<&str>) -> bool {
        self.slot(|| match phc {
            Some(h) => self.argon().verify_password(password.as_bytes(), h).is_ok(),
            None => {
                let _ = self.argon().hash_password(password.as_bytes());
                false
            }
        })
    }
}

pub fn check_password_rules(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(Error::new(422, format!("password: must be at least {MIN_PASSWORD} characters")));
    }
    if password.len() > 1024 {
        return Err(Error::new(422, "password: must be at most 1024 bytes"));
    }
    Ok(())
}

/// A signed-in agent, as a request sees it.
pub struct Authed {
    pub user: User,
    pub csrf: String,
    pub token_hash: Vec<u8>,
}

/// The session named by the request's cookie, if valid; refreshes its idle timer.
pub fn session(app: &App, req: &Request) -> Result<Option<Authed>> {
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
        let h = hash.clone();
        app.db.write(move |w| db::sessions::touch(w.conn, &h, now))?;
    }
    Ok(Some(Authed { user, csrf: s.csrf_token, token_hash: hash }))
}

/// Close the sockets whose session has ended without a request saying so (idle or absolute
/// expiry, or a row deleted behind our back). Called every second by maintenance; explicit
/// endings (sign-out, password change, deactivation) close their sockets at once.
pub fn close_sockets_of_ended_sessions(app: &App) -> Result<usize> {
    let mut closed = 0;
    for hash in app.hub.agent_sessions() {
        if session_by_hash(app, hash.clone(), false)?.is_none() {
            closed += app.hub.disconnect_session(&hash, crate::ws::SESSION_ENDED, "session ended: sign in again");
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
pub fn require_for(app: &App, req: &Request) -> Result<Authed> {
    let a = require(app, req)?;
    if req.method != "GET" {
        check_csrf(app, req, Some(&a.csrf))?;
    }
    Ok(a)
}

/// `require_for`, admins only (403 for agents).
pub fn require_admin_for(app: &App, req: &Request) -> Result<Authed> {
    let a = require_admin(app, req)?;
    if req.method != "GET" {
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
    app.db.write(move |w| db::sessions::insert(w.conn, &hash, user_id, &csrf, &ip, &ua, now))?;
    Ok(cookie(app, &token, ABSOLUTE_MS / 1000))
}

pub fn cookie(app: &App, token: &str, max_age_secs: i64) -> String {
    let secure = if app.config.https() { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
}

/// CSRF: a state-changing request must come from our own origin and carry proof that our script
/// sent it: the session's CSRF token, or (before sign-in) our custom header, which a cross-site
/// form cannot set.
pub fn check_csrf(app: &App, req: &Request, session_csrf: Option<&str>) -> Result<()> {
    if !matches!(req.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE") {
        return Err(Error::new(405, "Use POST, PUT, PATCH or DELETE to change anything."));
    }
    match req.header("origin") {
        Some(o) if o.eq_ignore_ascii_case(app.config.public_origin()) => {}
        Some(o) => {
            return Err(Error::forbidden(format!("Cross-origin request refused (Origin {o} is not {}).", app.config.public_origin())));
        }
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

pub fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Failed sign-ins counted per (account, address) and per address, in a sliding window. The
/// per-pair limit stops guessing one account; the per-address limit stops spraying many accounts;
/// the real user on another address is never locked out by either.
pub struct Throttle {
    window: Duration,
    per_pair: u32,
    per_ip: u32,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Throttle {
    pub fn new() -> Throttle {
        Throttle { window: Duration::from_secs(15 * 60), per_pair: 5, per_ip: 30, failures: Mutex::new(HashMap::new()) }
    }

    fn keys(email: &str, ip: IpAddr) -> [(String, bool); 2] {
        [(format!("{}|{ip}", email.trim().to_lowercase()), true), (format!("ip|{ip}"), false)]
    }

    /// `Err(429)` with Retry-After while the limit is reached.
    pub fn check(&self, email: &str, ip: IpAddr) -> Result<()> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        map.retain(|_, (_, since)| now.duration_since(*since) < self.window);
        for (key, pair) in Self::keys(email, ip) {
            if let Some((n, since)) = map.get(&key) {
                if *n >= if pair { self.per_pair } else { self.per_ip } {
                    let wait = self.window.saturating_sub(now.duration_since(*since)).as_secs().max(1);
                    return Err(Error::too_many(wait, format!("Too many failed sign-ins. Try again in {} minutes.", wait.div_ceil(60))));
                }
            }
        }
        Ok(())
    }

    pub fn failed(&self, email: &str, ip: IpAddr) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        for (key, _) in Self::keys(email, ip) {
            map.entry(key).or_insert((0, now)).0 += 1;
        }
    }

    pub fn succeeded(&self, email: &str, ip: IpAddr) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&Self::keys(email, ip)[0].0);
    }
}
