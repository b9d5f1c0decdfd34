//! The sender: one thread that delivers the outbox's mail (`db::outbox`); webhooks have their own
//! thread on the same table (`desk::webhook_send`), so a slow receiver never delays mail.
//! It takes due rows oldest first; a row whose content is written when it falls due (a continuity
//! mail: the replies the customer has still not seen, through the customer projection; a mention:
//! only while the agent is offline) is composed in the same write that marks it `sending`, and the
//! composed payload — Message-ID included — is kept for every later attempt. The network is never
//! touched inside a write: claim (commit) → deliver → record the answer (commit).
//!
//! Failures retry with exponential backoff (30 s doubling, at most an hour apart) until
//! `MAX_ATTEMPTS`, then the row is `failed` and listed on the admin's Email page with the reason and
//! a Retry button. A row a crash left `sending` is queued again at start: if the process died after
//! the server's `250` and before that was recorded, the mail goes out a second time with the same
//! Message-ID (ARCHITECTURE.md, "The outbox").

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::app::App;
use crate::db::{self, outbox::Entry};
use crate::error::Result;
use crate::mailer;

/// Attempts before a row is `failed` (about 4 hours of retries).
pub const MAX_ATTEMPTS: i64 = 9;
const BASE_MS: i64 = 30_000;
const CAP_MS: i64 = 3_600_000;

/// How long to wait before attempt `attempts + 1`.
pub fn backoff(attempts: i64) -> i64 {
    (BASE_MS << (attempts - 1).clamp(0, 20)).min(CAP_MS)
}

/// Run the sender until `stop`. Rows left `sending` by a crash are queued again first.
pub fn run(app: Arc<App>, stop: Arc<AtomicBool>) {
    let now = app.clock.now_ms();
    match app.db.write(move |w| db::outbox::recover(w.conn, "mail", now)) {
        Ok(0) => {}
        Ok(n) => log::warn!("outbox: {n} deliveries were being sent when the server stopped; sending them again (same Message-ID)"),
        Err(e) => log::error!("outbox: recovery failed: {e}"),
    }
    while !stop.load(Ordering::Relaxed) {
        let now = app.clock.now_ms();
        let due = app.db.read(|c| db::outbox::due(c, now, 20)).unwrap_or_else(|e| {
            log::error!("outbox: {e}");
            Vec::new()
        });
        for row in &due {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            if let Err(e) = deliver(&app, row) {
                log::error!("outbox: delivery {} ({}): {e}", row.id, row.cause);
            }
        }
        if due.is_empty() {
            // Woken by a commit that queued something; otherwise sleep until the next row is due
            // (at most `idle_wait_ms`: a second with a test's frozen clock, else 10 s). An idle
            // desk with 19,000 sockets spent 0.1 % of a core looking every second.
            let next = app.db.read(db::outbox::next_due).ok().flatten();
            let most = app.clock.idle_wait_ms();
            let wait = next.map_or(most, |t| (t - app.clock.now_ms()).clamp(10, most));
            app.db.writer.waker.wait(Duration::from_millis(wait as u64));
        }
    }
}

/// Deliver one row: claim (composing it if it is composed when due), send, record.
pub fn deliver(app: &Arc<App>, row: &Entry) -> Result<()> {
    let Some(server) = super::mail::smtp(app) else {
        return record(app, row.id, row.attempts + 1, &row.cause, Err(fail("email is not set up (Admin → Email)", false)));
    };
    let support_online = super::mail_send::support_online(app)?;
    let ctx =
        Compose { online: app.hub.online_agents(), support_online, public_url: app.config.public_url.clone(), server: server.clone() };
    let (id, now) = (row.id, app.clock.now_ms());
    let settings = app.settings();
    let claimed = app.db.write(move |w| {
        let Some(row) = db::outbox::get(w.conn, id)? else { return Ok(None) };
        if row.state != "queued" {
            return Ok(None);
        }
        let mail = match super::mail::from_payload(&row.payload) {
            Some(m) => m,
            None => match super::mail_due::compose(w, &row.payload, &ctx, &settings, now)? {
                Ok(m) => m,
                Err(why) => {
                    db::outbox::mark_dropped(w.conn, id, &why)?;
                    return Ok(None);
                }
            },
        };
        db::outbox::claim(w.conn, id, &super::mail::payload(&mail))?;
        Ok(Some(mail))
    })?;
    let Some(mail) = claimed else { return Ok(()) };
    let result = mailer::smtp::send(&server, &mail).map_err(|f| fail(&f.message, f.permanent));
    record(app, row.id, row.attempts + 1, &row.cause, result)
}

fn fail(message: &str, permanent: bool) -> mailer::smtp::Failure {
    mailer::smtp::Failure { message: message.to_string(), permanent }
}

/// Record the outcome of attempt `attempt`: the server's answer, a later retry, or `failed`.
fn record(app: &Arc<App>, id: i64, attempt: i64, cause: &str, r: std::result::Result<String, mailer::smtp::Failure>) -> Result<()> {
    let now = app.clock.now_ms();
    // A test mail is tried once: the admin is waiting for the answer.
    let once = cause.starts_with("test:");
    match r {
        Ok(answer) => app.db.write(move |w| db::outbox::mark_sent(w.conn, id, &answer, now)),
        Err(f) => {
            log::warn!("outbox: delivery {id} attempt {attempt} failed: {}", f.message);
            let next = (!f.permanent && !once && attempt < MAX_ATTEMPTS).then(|| now + backoff(attempt));
            app.db.write(move |w| db::outbox::mark_failed(w.conn, id, &f.message, next))
        }
    }
}

/// What composing a row when it falls due needs from outside the writer.
pub struct Compose {
    pub online: Vec<i64>,
    /// A customer-support agent or an admin is online and not Away (the waiting alert is moot).
    pub support_online: bool,
    pub public_url: String,
    pub server: mailer::Server,
}

/// An admin's Retry of a failed row.
pub fn retry(app: &Arc<App>, by: i64, ip: String, id: i64) -> Result<bool> {
    let now = app.clock.now_ms();
    app.db.write(move |w| {
        let ok = db::outbox::retry(w.conn, id, "mail", now)?;
        if ok {
            db::audit::append(w.conn, Some(by), &ip, "outbox.retry", &format!("outbox:{id}"), json!({}))?;
            w.delivery_queued();
        }
        Ok(ok)
    })
}

/// What the admin page lists: counts by state, failures, and the latest deliveries.
pub fn overview(app: &App) -> Result<Value> {
    app.db.read(|c| {
        let counts: serde_json::Map<String, Value> = db::outbox::counts(c)?.into_iter().map(|(k, v)| (k, json!(v))).collect();
        let failed = db::outbox::list(c, &["failed"], 50)?;
        let recent = db::outbox::list(c, &["queued", "sending", "sent", "dropped"], 20)?;
        let view = |e: &Entry| {
            let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
            v["to"] = e.payload.get("to").cloned().unwrap_or(Value::Null);
            v["subject"] = e.payload.get("subject").cloned().unwrap_or(Value::Null);
            v
        };
        Ok(json!({
            "counts": counts,
            "failed": failed.iter().map(view).collect::<Vec<_>>(),
            "recent": recent.iter().map(view).collect::<Vec<_>>(),
        }))
    })
}
