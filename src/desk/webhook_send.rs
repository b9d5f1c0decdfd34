//! The webhook thread: delivers the outbox's webhook rows (`db::webhooks::due`: oldest first, and
//! never past an earlier delivery for the same endpoint and conversation that is still pending), on
//! its own thread so a slow receiver never delays mail and mail never delays webhooks. Each
//! delivery is claim (commit) → POST (`outbound`, no transaction) → record (commit), as for mail.
//!
//! Signed like Stripe's: `Frontdesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
//! "<t>.<body>")>`. A 2xx is delivered; anything else (a redirect included) is retried 30 s, 1 min,
//! 2 min… at most an hour apart until 24 h after the first attempt, then `failed`. A row a crash
//! left `sending` is sent again at start with the same body and delivery id (at-least-once).
//! `DISABLE_AFTER` failed attempts in a row spanning at least `DISABLE_SPAN_MS` disable the
//! endpoint, with a live notice to admins and a mail to them when email is set up.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;

use crate::app::App;
use crate::db::{self, WriteCtx, events::Audience, outbox::Entry, webhooks::Attempt};
use crate::error::Result;
use crate::outbound::{self, Outcome};

/// Failed deliveries are retried until this long after their first attempt.
pub const RETRY_FOR_MS: i64 = 24 * 3_600_000;
/// Failed attempts in a row, spanning at least `DISABLE_SPAN_MS`, that disable an endpoint.
pub const DISABLE_AFTER: i64 = 15;
pub const DISABLE_SPAN_MS: i64 = 12 * 3_600_000;

/// Run the webhook thread until `stop`.
pub fn run(app: Arc<App>, stop: Arc<AtomicBool>) {
    let now = app.clock.now_ms();
    match app.db.write(move |w| db::outbox::recover(w.conn, "webhook", now)) {
        Ok(0) => {}
        Ok(n) => log::warn!("webhooks: {n} deliveries were being sent when the server stopped; sending them again (same delivery id)"),
        Err(e) => log::error!("webhooks: recovery failed: {e}"),
    }
    let waker = app.db.writer.hooks.clone();
    while !stop.load(Ordering::Relaxed) {
        let now = app.clock.now_ms();
        let due = app.db.read(|c| db::webhooks::due(c, now, 20)).unwrap_or_else(|e| {
            log::error!("webhooks: {e}");
            Vec::new()
        });
        for (row, endpoint) in &due {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            if let Err(e) = deliver(&app, row, *endpoint) {
                log::error!("webhooks: delivery {} ({}): {e}", row.id, row.cause);
            }
        }
        if due.is_empty() {
            let next = app.db.read(db::webhooks::next_due).ok().flatten();
            // As the mail sender does: until the next due row, or woken by a commit that queued one.
            let most = app.clock.idle_wait_ms();
            let wait = next.map_or(most, |t| (t - app.clock.now_ms()).clamp(10, most));
            waker.waker.wait(Duration::from_millis(wait as u64));
        }
    }
}

/// The signature header's value for `body` at `t` (Unix seconds).
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", crate::passwords::hex(&mac.finalize().into_bytes()))
}

fn deliver(app: &Arc<App>, row: &Entry, endpoint: i64) -> Result<()> {
    let id = row.id;
    let ep = app.db.read(|c| Ok(db::webhooks::get(c, endpoint)?.zip(db::webhooks::secret(c, endpoint)?)))?;
    let Some((ep, secret)) = ep else {
        return app.db.write(move |w| db::outbox::mark_dropped(w.conn, id, "endpoint deleted"));
    };
    let claimed = app.db.write(move |w| {
        let Some(r) = db::outbox::get(w.conn, id)?.filter(|r| r.state == "queued") else { return Ok(None) };
        Ok(db::outbox::claim(w.conn, id, &r.payload)?.then_some(r))
    })?;
    let Some(r) = claimed else { return Ok(()) };
    let body = r.payload["body"].to_string();
    let delivery = r.payload["delivery"].as_str().unwrap_or_default().to_string();
    let event = r.payload["body"]["event"].as_str().unwrap_or_default().to_string();
    let t = db::system_ms() / 1000;
    let headers = [
        ("Content-Type", "application/json".to_string()),
        ("User-Agent", format!("Frontdesk/{}", env!("CARGO_PKG_VERSION"))),
        ("Frontdesk-Event", event.clone()),
        ("Frontdesk-Delivery", delivery.clone()),
        ("Frontdesk-Signature", signature(&secret, t, &body)),
    ];
    let out = outbound::post(&ep.url, &body, &headers, app.settings().webhooks_allow_private);
    if let Some(e) = &out.error {
        log::warn!("webhooks: delivery {id} ({event}) to endpoint {endpoint} attempt {} failed: {e}", r.attempts + 1);
    }
    record(app, &r, endpoint, event, delivery, out)
}

fn record(app: &Arc<App>, r: &Entry, endpoint: i64, event: String, delivery: String, out: Outcome) -> Result<()> {
    let (id, attempt, now) = (r.id, r.attempts + 1, app.clock.now_ms());
    let ping = r.cause.contains(":ping:");
    let server = super::mail::smtp(app);
    let public_url = app.config.public_url.clone();
    app.db.write(move |w| {
        let a = Attempt {
            id: 0,
            outbox_id: id,
            attempt,
            event,
            delivery,
            at: now,
            status: out.status.map(i64::from),
            duration_ms: out.duration_ms,
            excerpt: out.excerpt,
            error: out.error.clone().unwrap_or_default(),
            ok: out.error.is_none(),
            state: String::new(),
        };
        db::webhooks::log_attempt(w.conn, endpoint, &a)?;
        let Some(err) = out.error else {
            db::outbox::mark_sent(w.conn, id, &out.status.map_or(String::new(), |s| s.to_string()), now)?;
            if !ping {
                db::webhooks::streak(w.conn, endpoint, true, now)?;
            }
            return Ok(());
        };
        let first = db::webhooks::first_attempt(w.conn, id)?.unwrap_or(now);
        let wait = super::outbox::backoff(attempt);
        let next = (!ping && now + wait - first <= RETRY_FOR_MS).then_some(now + wait);
        db::outbox::mark_failed(w.conn, id, &err, next)?;
        if ping {
            return Ok(());
        }
        let (streak, since) = db::webhooks::streak(w.conn, endpoint, false, now)?;
        if streak >= DISABLE_AFTER && since.is_some_and(|s| now - s >= DISABLE_SPAN_MS) {
            disable(w, endpoint, streak, &err, server.as_ref(), &public_url, now)?;
        }
        Ok(())
    })
}

/// Disable a failing endpoint, tell admins live and by mail (when email is set up).
fn disable(
    w: &mut WriteCtx<'_>,
    endpoint: i64,
    streak: i64,
    err: &str,
    server: Option<&crate::mailer::Server>,
    public_url: &str,
    now: i64,
) -> Result<()> {
    let Some(ep) = db::webhooks::get(w.conn, endpoint)?.filter(|e| e.enabled) else { return Ok(()) };
    let reason = format!("disabled after {streak} failed deliveries in a row; the last: {err}");
    db::webhooks::disable(w.conn, endpoint, &reason)?;
    db::audit::append(w.conn, None, "", "webhook.disabled", &format!("webhook:{endpoint}"), json!({"failures": streak}))?;
    super::webhooks::reload(w)?;
    log::warn!("webhooks: endpoint {endpoint} ({}) {reason}", ep.url);
    let admins: Vec<_> = db::users::list(w.conn)?.into_iter().filter(|u| u.active && u.is_admin()).collect();
    let ids = admins.iter().map(|u| u.id).collect();
    let view = db::webhooks::get(w.conn, endpoint)?;
    w.emit("webhook.disabled", None, Audience::Users { ids }, json!({"webhook": view, "reason": reason}))?;
    let Some(server) = server else { return Ok(()) };
    for u in admins {
        let text = format!(
            "The webhook endpoint {} was disabled: {reason}.\n\nEnable it again on Admin → Webhooks once the receiver works: {public_url}/admin/webhooks\n",
            ep.url
        );
        let html = format!("<p>{}</p>", super::mail_text::escape(&text).replace('\n', "<br>"));
        let mail = super::mail_text::mail(server, &u.email, format!("Webhook disabled: {}", ep.url), (text, html));
        super::mail::queue(w, &format!("webhook-disabled:{endpoint}:{now}:{}", u.id), &mail, now, now)?;
    }
    Ok(())
}
