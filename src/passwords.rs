//! Secrets without a request: argon2id password hashing (with a cap on concurrent runs), password
//! rules, random tokens and hashes, and throttling of failed sign-ins. Knows nothing of sessions or
//! the application (`auth` builds sessions and CSRF on these).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

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

/// Failed sign-ins counted per (account, address) and per address, in a sliding window. The
/// per-pair limit stops guessing one account; the per-address limit stops spraying many accounts;
/// the real user on another address is never locked out by either.
pub struct Throttle {
    window: Duration,
    per_pair: u32,
    per_ip: u32,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Default for Throttle {
    fn default() -> Self {
        Self::new()
    }
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
        self.check_for(email, ip, "failed sign-ins")
    }

    /// `check` for another kind of failure counted under `key` (not an email, so never an
    /// account's own count); `what` names it in the refusal ("unknown reset links").
    pub fn check_for(&self, key: &str, ip: IpAddr, what: &str) -> Result<()> {
        self.check_keys(key, ip, what, 2)
    }

    /// `check_for` on the (key, address) pair alone. API tokens use it: their failures still count
    /// against the address (so guessing tokens also slows sign-ins from it), but failed sign-ins or
    /// reset links from a shared address (an office, the server an integration runs on) do not lock
    /// out the valid tokens sent from it; 5 wrong tokens from it do.
    pub fn check_pair(&self, key: &str, ip: IpAddr, what: &str) -> Result<()> {
        self.check_keys(key, ip, what, 1)
    }

    fn check_keys(&self, key: &str, ip: IpAddr, what: &str, keys: usize) -> Result<()> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        map.retain(|_, (_, since)| now.duration_since(*since) < self.window);
        for (key, pair) in Self::keys(key, ip).into_iter().take(keys) {
            if let Some((n, since)) = map.get(&key)
                && *n >= if pair { self.per_pair } else { self.per_ip }
            {
                let wait = self.window.saturating_sub(now.duration_since(*since)).as_secs().max(1);
                return Err(Error::too_many(wait, format!("Too many {what}. Try again in {} minutes.", wait.div_ceil(60))));
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

/// Equal bytes, in time that does not depend on where they differ.
pub fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
