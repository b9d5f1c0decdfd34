//! Periodic upkeep, on its own thread, every write through the writer like any other: every second
//! the sockets of sessions that ended are closed; every few seconds the online state is
//! re-evaluated (business hours, no agent connected); hourly, retention is applied, files nothing
//! refers to are deleted, and old events and expired sessions are forgotten.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::app::App;
use crate::error::Result;
use crate::{auth, db};

/// Hourly upkeep: forget old events (resume from before them answers "reload") and expired
/// sessions. Runs through the writer like every other write.
pub fn run(app: Arc<App>) {
    const EVERY: std::time::Duration = std::time::Duration::from_secs(3600);
    const KEEP_EVENTS_MS: i64 = 7 * 24 * 3600 * 1000;
    let mut waited = std::time::Duration::ZERO;
    let tick = std::time::Duration::from_secs(1);
    while !app.net.stopping.load(Ordering::Acquire) {
        std::thread::sleep(tick);
        waited += tick;
        // Sessions that expired while their sockets were open: those sockets close within a second.
        if let Err(e) = auth::close_sockets_of_ended_sessions(&app) {
            log::warn!("session sweep failed: {e}");
        }
        // Business hours and "no agent connected" change the online state without any request.
        if waited.as_secs().is_multiple_of(5)
            && let Err(e) = super::availability::tick(&app)
        {
            log::warn!("helpdesk status re-evaluation failed: {e}");
        }
        // A customer waiting with nobody online: a mail to the support agents (desk::mail_send).
        if waited.as_secs().is_multiple_of(30)
            && let Err(e) = super::mail_send::alert_waiting(&app)
        {
            log::warn!("waiting-customer alerts failed: {e}");
        }
        if waited < EVERY {
            continue;
        }
        match apply_retention(&app) {
            Ok(n) if n > 0 => log::info!("retention: deleted {n} closed conversations"),
            Ok(_) => {}
            Err(e) => log::warn!("retention failed: {e}"),
        }
        // After retention: the files of the conversations it deleted go now too.
        match super::attachments::sweep(&app) {
            Ok((u, f)) if u + f > 0 => log::info!("files: forgot {u} uploads never sent, deleted {f} files nothing refers to"),
            Ok(_) => {}
            Err(e) => log::warn!("file sweep failed: {e}"),
        }
        waited = std::time::Duration::ZERO;
        let now = app.clock.now_ms();
        let r = app.db.write(move |w| {
            let events = db::events::prune(w.conn, now - KEEP_EVENTS_MS)?;
            let sessions = db::sessions::delete_expired(w.conn, now - auth::IDLE_MS, now - auth::ABSOLUTE_MS)?;
            // The webhook delivery log keeps 30 days (and 1,000 attempts per endpoint, on insert).
            db::webhooks::prune(w.conn, now - 30 * 86_400_000)?;
            Ok((events, sessions))
        });
        match r {
            Ok((e, s)) if e + s > 0 => log::info!("maintenance: pruned {e} events, {s} expired sessions"),
            Ok(_) => {}
            Err(e) => log::warn!("maintenance failed: {e}"),
        }
    }
}

/// Delete closed conversations past `retention_days` (0 = off), in batches through the writer so
/// chat never waits behind one long transaction. Returns how many were deleted.
pub fn apply_retention(app: &App) -> Result<usize> {
    let days = app.settings().retention_days;
    if days == 0 {
        return Ok(0);
    }
    let cutoff = app.clock.now_ms() - i64::from(days) * 24 * 3600 * 1000;
    let mut total = 0;
    loop {
        let n = app.db.write(move |w| db::retention::delete_closed_before(w.conn, cutoff, 200))?;
        total += n;
        if n < 200 {
            return Ok(total);
        }
    }
}
