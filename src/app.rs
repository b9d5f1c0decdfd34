//! `App`: everything a handler can reach, shared as `Arc<App>`. No globals anywhere else.

use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, RwLock};

use crate::auth::{Hasher, Throttle};
use crate::config::Config;
use crate::db::Db;
use crate::db::settings::Settings;
use crate::hub::Hub;

pub struct App {
    pub config: Config,
    pub db: Db,
    pub hub: Arc<Hub>,
    pub hasher: Hasher,
    pub throttle: Throttle,
    /// Widget rate limits (visitors, conversations, messages).
    pub limiter: Arc<crate::ratelimit::RateLimiter>,
    /// The current settings, reloaded by whoever writes them (one place: `api::settings`).
    pub settings: RwLock<Settings>,
    /// Open TCP connections (HTTP and WebSocket), for the cap.
    pub connections: AtomicUsize,
    pub stopping: AtomicBool,
    pub started: std::time::Instant,
}

impl App {
    pub fn settings(&self) -> Settings {
        self.settings.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set_settings(&self, s: Settings) {
        *self.settings.write().unwrap_or_else(|p| p.into_inner()) = s;
    }
}
