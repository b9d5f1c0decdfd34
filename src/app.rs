//! `App`: everything a handler can reach, shared as `Arc<App>`. No globals anywhere else.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::db::Db;
use crate::db::hours::Status;
use crate::db::settings::Settings;
use crate::hub::Hub;
use crate::passwords::{Hasher, Throttle};

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
    /// The HTTP server's counters and stop flag (open connections, `stopping`).
    pub net: Arc<crate::http::server::State>,
    pub started: std::time::Instant,
    /// The time business rules see (business hours, invite expiry); tests fix it.
    pub clock: Clock,
    /// The help desk's effective state as last announced (`desk::availability::tick`).
    pub helpdesk: Mutex<Option<Status>>,
    /// The deprecated `?token=` on widget sockets is logged at most once a minute (`api::upgrade`).
    pub url_token_warning: Throttled,
    /// Agents who chose Away (`users.availability`, the truth): kept here for the online rule, which
    /// every widget load asks; changed after each committed change (`desk::assignment`).
    pub away: RwLock<HashSet<i64>>,
    /// Attachments' bytes, in `<data dir>/files` (`files`).
    pub files: crate::files::Store,
    /// Request, WebSocket and process counters for `/metrics`.
    pub metrics: crate::metrics::Metrics,
}

/// A warning that may repeat on every request, let through at most once per period.
pub struct Throttled {
    period: Duration,
    /// When it was last let through, and how many were held back since.
    state: Mutex<(Option<Instant>, u64)>,
}

impl Throttled {
    pub fn new(period: Duration) -> Throttled {
        Throttled { period, state: Mutex::new((None, 0)) }
    }

    /// `Some(how many were held back since the last one)` if this one should be logged now.
    pub fn due(&self) -> Option<u64> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        match s.0 {
            Some(last) if now.duration_since(last) < self.period => {
                s.1 += 1;
                None
            }
            _ => {
                let held_back = s.1;
                *s = (Some(now), 0);
                Some(held_back)
            }
        }
    }
}

/// The clock business rules see; it lives with the database because the writer stamps rows with it.
pub use crate::db::Clock;

impl App {
    pub fn settings(&self) -> Settings {
        self.settings.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set_settings(&self, s: Settings) {
        *self.settings.write().unwrap_or_else(|p| p.into_inner()) = s;
    }

    /// The effective online state now: the switch, business hours and available agents.
    pub fn helpdesk_status(&self) -> Status {
        crate::db::hours::status(&self.settings(), self.clock.now_ms(), self.available_agents())
    }

    /// How many agents are there for "offline when no agent is online": a Messenger connected, and
    /// not Away.
    pub fn available_agents(&self) -> usize {
        let away = self.away.read().unwrap_or_else(|p| p.into_inner());
        self.hub.online_agents().iter().filter(|id| !away.contains(id)).count()
    }

    /// What the widget and customers see: `Settings::public_with` the effective state.
    pub fn public_settings(&self) -> serde_json::Value {
        self.settings().public_with(&self.helpdesk_status())
    }
}
