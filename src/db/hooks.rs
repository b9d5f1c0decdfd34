//! The webhook endpoints the commit path knows about: an in-memory list of the enabled ones, kept
//! by whoever changes them (`desk::webhooks`, inside the write job that changes them), and the one
//! function that turns a committed event into outbox rows (`desk::webhook_events::enqueue`,
//! installed at start: `db` cannot name `desk`). With no enabled endpoint, `WriteCtx::emit` pays
//! one atomic load.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use rusqlite::Connection;

use super::events::Event;
use crate::error::Result;

/// What the commit path needs of an enabled endpoint.
#[derive(Clone, Debug)]
pub struct Target {
    pub id: i64,
    pub events: Vec<String>,
    pub internal: bool,
}

/// Queue the deliveries `event` causes for `targets` in this transaction; true if it queued any.
pub type Enqueue = fn(&Connection, &Event, &[Target]) -> Result<bool>;

#[derive(Default)]
pub struct Hooks {
    any: AtomicBool,
    targets: RwLock<Arc<Vec<Target>>>,
    enqueue: OnceLock<Enqueue>,
    /// Woken after a commit that queued a webhook delivery (the webhook thread waits on it).
    pub waker: super::outbox::Waker,
}

impl Hooks {
    /// Install the function that maps events to deliveries (once, at start).
    pub fn install(&self, f: Enqueue) {
        let _ = self.enqueue.set(f);
    }

    /// Replace the list of enabled endpoints.
    pub fn set(&self, targets: Vec<Target>) {
        let any = !targets.is_empty();
        *self.targets.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(targets);
        self.any.store(any, Ordering::Release);
    }

    /// Called for every emitted event, inside its transaction.
    pub(super) fn on_event(&self, conn: &Connection, ev: &Event) -> Result<bool> {
        if !self.any.load(Ordering::Acquire) {
            return Ok(false);
        }
        let Some(f) = self.enqueue.get() else { return Ok(false) };
        let targets = self.targets.read().unwrap_or_else(|p| p.into_inner()).clone();
        f(conn, ev, &targets)
    }
}
