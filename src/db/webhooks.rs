//! The `webhooks` table (endpoints), the webhook rows of `outbox` (due in order per endpoint and
//! conversation), and `webhook_attempts` (the delivery log). The rules are `desk::webhooks`.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use serde_json::Value;

use super::hooks::Target;
use super::outbox::Entry;
use crate::error::Result;

/// An endpoint as admins see it: never its secret.
#[derive(Clone, Debug, Serialize)]
pub struct Endpoint {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    pub enabled: bool,
    pub internal: bool,
    pub description: String,
    pub created_at: i64,
    pub failure_streak: i64,
    pub failing_since: Option<i64>,
    pub disabled_reason: String,
    pub last_attempt_at: Option<i64>,
    pub last_status: Option<i64>,
}

macro_rules! cols {
    () => {
        "id, url, events, enabled, internal, description, created_at, failure_streak, failing_since, disabled_reason, \
                    last_attempt_at, last_status"
    };
}

fn from_row(r: &Row) -> rusqlite::Result<Endpoint> {
    let events: String = r.get(2)?;
    Ok(Endpoint {
        id: r.get(0)?,
        url: r.get(1)?,
        events: serde_json::from_str(&events).unwrap_or_default(),
        enabled: r.get(3)?,
        internal: r.get(4)?,
        description: r.get(5)?,
        created_at: r.get(6)?,
        failure_streak: r.get(7)?,
        failing_since: r.get(8)?,
        disabled_reason: r.get(9)?,
        last_attempt_at: r.get(10)?,
        last_status: r.get(11)?,
    })
}

/// What an admin sets on an endpoint.
pub struct Fields<'a> {
    pub url: &'a str,
    pub events: &'a [String],
    pub enabled: bool,
    pub internal: bool,
    pub description: &'a str,
}

pub fn insert(conn: &Connection, f: &Fields<'_>, secret: &str, by: i64, now: i64) -> Result<i64> {
    conn.execute(
        "INSERT INTO webhooks (url, events, enabled, internal, description, secret, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![f.url, serde_json::to_string(f.events)?, f.enabled, f.internal, f.description, secret, now, by],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Change an endpoint's fields. Enabling it resets its failure streak and reason.
pub fn update(conn: &Connection, id: i64, f: &Fields<'_>) -> Result<()> {
    conn.execute(
        "UPDATE webhooks SET url = ?2, events = ?3, internal = ?5, description = ?6,
            failure_streak = CASE WHEN ?4 AND NOT enabled THEN 0 ELSE failure_streak END,
            failing_since = CASE WHEN ?4 AND NOT enabled THEN NULL ELSE failing_since END,
            disabled_reason = CASE WHEN ?4 THEN '' ELSE disabled_reason END,
            enabled = ?4
         WHERE id = ?1",
        params![id, f.url, serde_json::to_string(f.events)?, f.enabled, f.internal, f.description],
    )?;
    Ok(())
}

pub fn set_secret(conn: &Connection, id: i64, secret: &str) -> Result<bool> {
    Ok(conn.execute("UPDATE webhooks SET secret = ?2 WHERE id = ?1", params![id, secret])? == 1)
}

/// Delete an endpoint: its log goes with it, its deliveries still queued are dropped.
pub fn delete(conn: &Connection, id: i64) -> Result<bool> {
    conn.execute(
        "UPDATE outbox SET state = 'dropped', answer = 'endpoint deleted' WHERE kind = 'webhook' AND endpoint_id = ?1 AND state = 'queued'",
        [id],
    )?;
    Ok(conn.execute("DELETE FROM webhooks WHERE id = ?1", [id])? == 1)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Endpoint>> {
    Ok(conn.query_row(concat!("SELECT ", cols!(), " FROM webhooks WHERE id = ?1"), [id], from_row).optional()?)
}

/// The secret deliveries to `id` are signed with.
pub fn secret(conn: &Connection, id: i64) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT secret FROM webhooks WHERE id = ?1", [id], |r| r.get(0)).optional()?)
}

pub fn list(conn: &Connection) -> Result<Vec<Endpoint>> {
    let mut st = conn.prepare(concat!("SELECT ", cols!(), " FROM webhooks ORDER BY id"))?;
    let rows = st.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The enabled endpoints, as the commit path needs them.
pub fn targets(conn: &Connection) -> Result<Vec<Target>> {
    Ok(list(conn)?.into_iter().filter(|e| e.enabled).map(|e| Target { id: e.id, events: e.events, internal: e.internal }).collect())
}

/// Queue a delivery to `endpoint` (unless `cause` was queued before): `Some(id)` if queued now.
pub fn queue(conn: &Connection, endpoint: i64, order_key: Option<&str>, cause: &str, payload: &Value, now: i64) -> Result<Option<i64>> {
    let n = conn
        .prepare_cached(
            "INSERT INTO outbox (kind, cause, payload, next_at, not_before, created_at, endpoint_id, order_key)
             VALUES ('webhook', ?1, ?2, ?3, ?3, ?3, ?4, ?5) ON CONFLICT (cause) DO NOTHING",
        )?
        .execute(params![cause, payload.to_string(), now, endpoint, order_key])?;
    Ok((n == 1).then(|| conn.last_insert_rowid()))
}

/// Webhook rows due at `now`, oldest first, each only once every earlier row for the same endpoint
/// and order key is delivered or failed. Returns (row, endpoint id).
pub fn due(conn: &Connection, now: i64, limit: i64) -> Result<Vec<(Entry, i64)>> {
    let mut st = conn.prepare_cached(
        "SELECT o.id, o.endpoint_id FROM outbox o
         WHERE o.kind = 'webhook' AND o.state = 'queued' AND o.next_at <= ?1 AND o.not_before <= ?1
           AND (o.order_key IS NULL OR NOT EXISTS (
               SELECT 1 FROM outbox p WHERE p.endpoint_id = o.endpoint_id AND p.order_key = o.order_key AND p.id < o.id
                 AND p.state IN ('queued', 'sending')))
         ORDER BY o.id LIMIT ?2",
    )?;
    let ids = st.query_map(params![now, limit], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?)))?;
    let mut out = Vec::new();
    for row in ids {
        let (id, ep) = row?;
        if let Some(e) = super::outbox::get(conn, id)? {
            out.push((e, ep.unwrap_or(0)));
        }
    }
    Ok(out)
}

/// When the next queued webhook row falls due (Unix ms), if any (order aside: a look too early is cheap).
pub fn next_due(conn: &Connection) -> Result<Option<i64>> {
    Ok(conn.query_row("SELECT MIN(MAX(next_at, not_before)) FROM outbox WHERE kind = 'webhook' AND state = 'queued'", [], |r| r.get(0))?)
}

/// One attempt, for the log.
#[derive(Clone, Debug, Serialize)]
pub struct Attempt {
    pub id: i64,
    pub outbox_id: i64,
    pub attempt: i64,
    pub event: String,
    pub delivery: String,
    pub at: i64,
    pub status: Option<i64>,
    pub duration_ms: i64,
    pub excerpt: String,
    pub error: String,
    pub ok: bool,
    /// The delivery's state now (`queued`, `sending`, `sent`, `failed`, `dropped`).
    pub state: String,
}

/// Log attempt `a` (its `id` and `state` are ignored), then keep at most `KEEP` per endpoint.
pub fn log_attempt(conn: &Connection, endpoint: i64, a: &Attempt) -> Result<()> {
    const KEEP: i64 = 1000;
    conn.prepare_cached(
        "INSERT INTO webhook_attempts (endpoint_id, outbox_id, attempt, event, delivery, at, status, duration_ms, excerpt, error, ok)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        endpoint,
        a.outbox_id,
        a.attempt,
        a.event,
        a.delivery,
        a.at,
        a.status,
        a.duration_ms,
        a.excerpt,
        a.error,
        a.ok
    ])?;
    conn.prepare_cached(
        "DELETE FROM webhook_attempts WHERE endpoint_id = ?1 AND id <= (
            SELECT id FROM webhook_attempts WHERE endpoint_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
    )?
    .execute(params![endpoint, KEEP])?;
    conn.prepare_cached("UPDATE webhooks SET last_attempt_at = ?2, last_status = ?3 WHERE id = ?1")?
        .execute(params![endpoint, a.at, a.status])?;
    Ok(())
}

/// When delivery `outbox_id` was first tried, if it was.
pub fn first_attempt(conn: &Connection, outbox_id: i64) -> Result<Option<i64>> {
    Ok(conn.query_row("SELECT MIN(at) FROM webhook_attempts WHERE outbox_id = ?1", [outbox_id], |r| r.get(0))?)
}

/// The latest attempts to `endpoint`, newest first.
pub fn attempts(conn: &Connection, endpoint: i64, limit: i64) -> Result<Vec<Attempt>> {
    let mut st = conn.prepare(
        "SELECT a.id, a.outbox_id, a.attempt, a.event, a.delivery, a.at, a.status, a.duration_ms, a.excerpt, a.error, a.ok,
                COALESCE(o.state, '')
         FROM webhook_attempts a LEFT JOIN outbox o ON o.id = a.outbox_id WHERE a.endpoint_id = ?1 ORDER BY a.id DESC LIMIT ?2",
    )?;
    let rows = st.query_map(params![endpoint, limit], |r| {
        Ok(Attempt {
            id: r.get(0)?,
            outbox_id: r.get(1)?,
            attempt: r.get(2)?,
            event: r.get(3)?,
            delivery: r.get(4)?,
            at: r.get(5)?,
            status: r.get(6)?,
            duration_ms: r.get(7)?,
            excerpt: r.get(8)?,
            error: r.get(9)?,
            ok: r.get(10)?,
            state: r.get(11)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// After an attempt: a success ends the streak; a failure extends it (from `now` if it starts).
/// Returns the streak and when it began.
pub fn streak(conn: &Connection, endpoint: i64, ok: bool, now: i64) -> Result<(i64, Option<i64>)> {
    if ok {
        conn.execute("UPDATE webhooks SET failure_streak = 0, failing_since = NULL WHERE id = ?1", [endpoint])?;
    } else {
        conn.execute(
            "UPDATE webhooks SET failure_streak = failure_streak + 1, failing_since = COALESCE(failing_since, ?2) WHERE id = ?1",
            params![endpoint, now],
        )?;
    }
    Ok(conn
        .query_row("SELECT failure_streak, failing_since FROM webhooks WHERE id = ?1", [endpoint], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((0, None)))
}

/// Disable an endpoint with a reason; its queued deliveries fail with it (an admin may Retry them).
pub fn disable(conn: &Connection, endpoint: i64, reason: &str) -> Result<()> {
    conn.execute("UPDATE webhooks SET enabled = 0, disabled_reason = ?2 WHERE id = ?1", params![endpoint, reason])?;
    conn.execute(
        "UPDATE outbox SET state = 'failed', last_error = ?2 WHERE kind = 'webhook' AND endpoint_id = ?1 AND state = 'queued'",
        params![endpoint, reason],
    )?;
    Ok(())
}

/// The endpoint a webhook row goes to, if it is one.
pub fn endpoint_of(conn: &Connection, outbox_id: i64) -> Result<Option<i64>> {
    Ok(conn
        .query_row("SELECT endpoint_id FROM outbox WHERE id = ?1 AND kind = 'webhook'", [outbox_id], |r| r.get::<_, Option<i64>>(0))
        .optional()?
        .flatten())
}

/// The log's retention: attempts older than `before` go (the per-endpoint cap is kept on insert).
pub fn prune(conn: &Connection, before: i64) -> Result<usize> {
    Ok(conn.execute("DELETE FROM webhook_attempts WHERE at < ?1", [before])?)
}
