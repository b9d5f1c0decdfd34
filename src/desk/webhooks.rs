//! Webhook endpoints (issue 19): what admins may set (a URL that passes the private-network guard
//! at save time, events from `webhook_events::EVENTS`), the secret (made here, shown once, never
//! audited or returned again), "Send test event", Retry, and the commit path's list of enabled
//! endpoints, reloaded by every write job that changes one. Delivery is `desk::webhook_send`.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use super::webhook_events::{self as events, EVENTS};
use crate::app::App;
use crate::db::{self, WriteCtx, webhooks::Fields};
use crate::error::{Error, Result};

/// What `POST /api/webhooks` and `PATCH /api/webhooks/:id` take (PATCH: any subset).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Form {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub enabled: Option<bool>,
    pub internal: Option<bool>,
    pub description: Option<String>,
}

fn new_secret() -> String {
    format!("whsec_{}", crate::auth::random_token())
}

/// Reload the commit path's list of enabled endpoints from this transaction.
pub fn reload(w: &mut WriteCtx<'_>) -> Result<()> {
    let targets = db::webhooks::targets(w.conn)?;
    w.hooks().set(targets);
    Ok(())
}

fn check(app: &App, url: &str, events: &[String], description: &str) -> Result<()> {
    if url.len() > 2000 {
        return Err(Error::new(422, "url: at most 2000 characters"));
    }
    crate::outbound::check(url, app.settings().webhooks_allow_private).map_err(|e| Error::new(422, format!("url: {e}")))?;
    if events.is_empty() {
        return Err(Error::new(422, "events: choose at least one event"));
    }
    if let Some(e) = events.iter().find(|e| !EVENTS.contains(&e.as_str())) {
        return Err(Error::new(422, format!("events: {e} is not one of {}", EVENTS.join(", "))));
    }
    if description.chars().count() > 200 {
        return Err(Error::new(422, "description: at most 200 characters"));
    }
    Ok(())
}

/// A new endpoint: `{webhook, secret}` — the only time the secret is given out (with rotation).
pub fn create(app: &Arc<App>, by: i64, ip: String, f: Form) -> Result<Value> {
    let url = f.url.as_deref().map(str::trim).ok_or_else(|| Error::new(422, "url: required"))?.to_string();
    let mut evs = f.events.unwrap_or_default();
    evs.dedup();
    let description = f.description.unwrap_or_default().trim().to_string();
    check(app, &url, &evs, &description)?;
    let (enabled, internal) = (f.enabled.unwrap_or(true), f.internal.unwrap_or(false));
    let secret = new_secret();
    let s = secret.clone();
    let now = app.clock.now_ms();
    let ep = app.db.write(move |w| {
        let fields = Fields { url: &url, events: &evs, enabled, internal, description: &description };
        let id = db::webhooks::insert(w.conn, &fields, &s, by, now)?;
        db::audit::append(w.conn, Some(by), &ip, "webhook.create", &format!("webhook:{id}"), json!({"url": url, "events": evs}))?;
        reload(w)?;
        db::webhooks::get(w.conn, id)?.ok_or_else(|| Error::internal("webhook vanished"))
    })?;
    Ok(json!({"webhook": ep, "secret": secret}))
}

/// Change an endpoint. Enabling it again resets its failure streak.
pub fn update(app: &Arc<App>, by: i64, ip: String, id: i64, f: Form) -> Result<Value> {
    let old = app.db.read(|c| db::webhooks::get(c, id))?.ok_or_else(not_found)?;
    let url = f.url.map(|u| u.trim().to_string()).unwrap_or(old.url.clone());
    let mut evs = f.events.unwrap_or(old.events.clone());
    evs.dedup();
    let description = f.description.map(|d| d.trim().to_string()).unwrap_or(old.description.clone());
    let (enabled, internal) = (f.enabled.unwrap_or(old.enabled), f.internal.unwrap_or(old.internal));
    check(app, &url, &evs, &description)?;
    app.db.write(move |w| {
        let fields = Fields { url: &url, events: &evs, enabled, internal, description: &description };
        db::webhooks::update(w.conn, id, &fields)?;
        let mut detail = serde_json::Map::new();
        for (k, changed) in [
            ("url", url != old.url),
            ("events", evs != old.events),
            ("enabled", enabled != old.enabled),
            ("internal", internal != old.internal),
            ("description", description != old.description),
        ] {
            if changed {
                detail.insert(k.into(), json!(true));
            }
        }
        if enabled != old.enabled {
            detail.insert("enabled".into(), json!(enabled));
        }
        db::audit::append(w.conn, Some(by), &ip, "webhook.update", &format!("webhook:{id}"), Value::Object(detail))?;
        reload(w)?;
        Ok(json!({"webhook": db::webhooks::get(w.conn, id)?.ok_or_else(not_found)?}))
    })
}

pub fn delete(app: &Arc<App>, by: i64, ip: String, id: i64) -> Result<()> {
    app.db.write(move |w| {
        if !db::webhooks::delete(w.conn, id)? {
            return Err(not_found());
        }
        db::audit::append(w.conn, Some(by), &ip, "webhook.delete", &format!("webhook:{id}"), json!({}))?;
        reload(w)
    })
}

/// A new secret, given out once; deliveries not yet sent are signed with it.
pub fn rotate(app: &Arc<App>, by: i64, ip: String, id: i64) -> Result<Value> {
    let secret = new_secret();
    let s = secret.clone();
    app.db.write(move |w| {
        if !db::webhooks::set_secret(w.conn, id, &s)? {
            return Err(not_found());
        }
        db::audit::append(w.conn, Some(by), &ip, "webhook.rotate_secret", &format!("webhook:{id}"), json!({}))
    })?;
    Ok(json!({"secret": secret}))
}

pub fn list(app: &App) -> Result<Value> {
    let eps = app.db.read(db::webhooks::list)?;
    Ok(json!({"webhooks": eps, "events": EVENTS, "allow_private": app.settings().webhooks_allow_private}))
}

/// The endpoint's delivery log, newest first.
pub fn deliveries(app: &App, id: i64) -> Result<Value> {
    app.db.read(|c| {
        let ep = db::webhooks::get(c, id)?.ok_or_else(not_found)?;
        Ok(json!({"webhook": ep, "deliveries": db::webhooks::attempts(c, id, 200)?}))
    })
}

/// "Send test event": a `ping` through the same queue, tried once; answers once it was tried
/// (within 15 s, else the row's state), with the attempt as the log shows it.
pub fn test(app: &Arc<App>, by: i64, ip: String, id: i64) -> Result<Value> {
    let now = app.clock.now_ms();
    let row = app.db.write(move |w| {
        db::webhooks::get(w.conn, id)?.ok_or_else(not_found)?;
        let (cause, payload) = events::ping(id, now);
        let row = db::webhooks::queue(w.conn, id, None, &cause, &payload, now)?.ok_or_else(|| Error::internal("ping not queued"))?;
        db::audit::append(w.conn, Some(by), &ip, "webhook.test", &format!("webhook:{id}"), json!({}))?;
        w.webhook_queued();
        Ok(row)
    })?;
    let until = std::time::Instant::now() + Duration::from_secs(15);
    while std::time::Instant::now() < until {
        let e = app.db.read(|c| db::outbox::get(c, row))?;
        if let Some(e) = e.filter(|e| e.state == "sent" || e.state == "failed") {
            let attempt = app.db.read(|c| db::webhooks::attempts(c, id, 20))?.into_iter().find(|a| a.outbox_id == row);
            return Ok(json!({"ok": e.state == "sent", "delivery": attempt, "id": row}));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(json!({"ok": false, "delivery": null, "id": row, "error": "not tried within 15 seconds (the test event stays queued)"}))
}

/// An admin's Retry of a failed delivery: queued again now.
pub fn retry(app: &Arc<App>, by: i64, ip: String, outbox_id: i64) -> Result<()> {
    let now = app.clock.now_ms();
    app.db.write(move |w| {
        if db::webhooks::endpoint_of(w.conn, outbox_id)?.is_none() || !db::outbox::retry(w.conn, outbox_id, "webhook", now)? {
            return Err(Error::not_found("No failed webhook delivery with this id."));
        }
        db::audit::append(w.conn, Some(by), &ip, "webhook.retry", &format!("outbox:{outbox_id}"), json!({}))?;
        w.webhook_queued();
        Ok(())
    })
}

fn not_found() -> Error {
    Error::not_found("No such webhook endpoint.")
}
