//! The `outbox` table: deliveries (mail now, webhooks later) queued by the transaction of the event
//! that causes them, and the states the sender moves them through (`desk::outbox`).

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use serde_json::Value;

use crate::error::Result;

/// One queued delivery.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    pub id: i64,
    pub kind: String,
    pub cause: String,
    #[serde(skip)]
    pub payload: Value,
    pub state: String,
    pub attempts: i64,
    pub next_at: i64,
    pub not_before: i64,
    pub last_error: String,
    pub answer: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

macro_rules! cols {
    () => {
        "id, kind, cause, payload, state, attempts, next_at, not_before, last_error, answer, created_at, sent_at"
    };
}

fn from_row(r: &Row) -> rusqlite::Result<Entry> {
    let payload: String = r.get(3)?;
    Ok(Entry {
        id: r.get(0)?,
        kind: r.get(1)?,
        cause: r.get(2)?,
        payload: serde_json::from_str(&payload).unwrap_or(Value::Null),
        state: r.get(4)?,
        attempts: r.get(5)?,
        next_at: r.get(6)?,
        not_before: r.get(7)?,
        last_error: r.get(8)?,
        answer: r.get(9)?,
        created_at: r.get(10)?,
        sent_at: r.get(11)?,
    })
}

/// Queue a delivery unless one with the same cause exists: `Some(id)` if this call queued it.
pub fn queue(conn: &Connection, kind: &str, cause: &str, payload: &Value, not_before: i64, now: i64) -> Result<Option<i64>> {
    let n = conn
        .prepare_cached(
            "INSERT INTO outbox (kind, cause, payload, next_at, not_before, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?4)
         ON CONFLICT (cause) DO NOTHING",
        )?
        .execute(params![kind, cause, payload.to_string(), now, not_before])?;
    Ok((n == 1).then(|| conn.last_insert_rowid()))
}

/// Whether a row with this cause exists, in any state.
pub fn exists(conn: &Connection, cause: &str) -> Result<bool> {
    Ok(conn.prepare_cached("SELECT 1 FROM outbox WHERE cause = ?1")?.query_row([cause], |_| Ok(())).optional()?.is_some())
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Entry>> {
    Ok(conn.query_row(concat!("SELECT ", cols!(), " FROM outbox WHERE id = ?1"), [id], from_row).optional()?)
}

/// At start: rows of `kind` a crash left `sending` go back to the queue, payload (and so
/// Message-ID or delivery id) unchanged; rows waiting out a backoff are tried now (a restart often
/// follows a fix of the mail server's settings). Returns how many were `sending`.
pub fn recover(conn: &Connection, kind: &str, now: i64) -> Result<usize> {
    let n = conn.execute("UPDATE outbox SET state = 'queued', next_at = ?1 WHERE state = 'sending' AND kind = ?2", params![now, kind])?;
    conn.execute("UPDATE outbox SET next_at = ?1 WHERE state = 'queued' AND next_at > ?1 AND kind = ?2", params![now, kind])?;
    Ok(n)
}

/// Queued mail rows that are due at `now`, oldest first (webhooks: `db::webhooks::due`).
pub fn due(conn: &Connection, now: i64, limit: i64) -> Result<Vec<Entry>> {
    let mut st = conn.prepare_cached(concat!(
        "SELECT ",
        cols!(),
        " FROM outbox WHERE kind = 'mail' AND state = 'queued' AND next_at <= ?1 AND not_before <= ?1 ORDER BY id LIMIT ?2"
    ))?;
    let rows = st.query_map(params![now, limit], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// When the next queued mail row falls due (Unix ms), if any.
pub fn next_due(conn: &Connection) -> Result<Option<i64>> {
    Ok(conn.query_row("SELECT MIN(MAX(next_at, not_before)) FROM outbox WHERE kind = 'mail' AND state = 'queued'", [], |r| r.get(0))?)
}

/// Take a due row: `sending`, one more attempt, with the payload that will be delivered (composed
/// now, kept for every later attempt). False if someone else took it or it is no longer queued.
pub fn claim(conn: &Connection, id: i64, payload: &Value) -> Result<bool> {
    Ok(conn.execute(
        "UPDATE outbox SET state = 'sending', attempts = attempts + 1, payload = ?2 WHERE id = ?1 AND state = 'queued'",
        params![id, payload.to_string()],
    )? == 1)
}

/// The remote side accepted it; `answer` is what it said.
pub fn mark_sent(conn: &Connection, id: i64, answer: &str, now: i64) -> Result<()> {
    conn.execute("UPDATE outbox SET state = 'sent', answer = ?2, last_error = '', sent_at = ?3 WHERE id = ?1", params![id, answer, now])?;
    Ok(())
}

/// Try again at `next_at`, or give up (`failed`) when `next_at` is `None`.
pub fn mark_failed(conn: &Connection, id: i64, error: &str, next_at: Option<i64>) -> Result<()> {
    match next_at {
        Some(t) => {
            conn.execute("UPDATE outbox SET state = 'queued', last_error = ?2, next_at = ?3 WHERE id = ?1", params![id, error, t])?
        }
        None => conn.execute("UPDATE outbox SET state = 'failed', last_error = ?2 WHERE id = ?1", params![id, error])?,
    };
    Ok(())
}

/// Nothing was left to deliver when it fell due (e.g. the customer saw every reply).
pub fn mark_dropped(conn: &Connection, id: i64, why: &str) -> Result<()> {
    conn.execute("UPDATE outbox SET state = 'dropped', answer = ?2 WHERE id = ?1", params![id, why])?;
    Ok(())
}

/// An admin's Retry: a failed row of `kind` is queued again now, with a fresh count of attempts.
pub fn retry(conn: &Connection, id: i64, kind: &str, now: i64) -> Result<bool> {
    Ok(conn.execute(
        "UPDATE outbox SET state = 'queued', attempts = 0, next_at = ?2 WHERE id = ?1 AND state = 'failed' AND kind = ?3",
        params![id, now, kind],
    )? == 1)
}

/// The latest mail rows in `states`, newest first (the Email page's lists).
pub fn list(conn: &Connection, states: &[&str], limit: i64) -> Result<Vec<Entry>> {
    let mut st = conn.prepare_cached(concat!(
        "SELECT ",
        cols!(),
        " FROM outbox WHERE kind = 'mail' AND state IN (SELECT value FROM json_each(?2)) ORDER BY id DESC LIMIT ?1"
    ))?;
    let rows = st.query_map(params![limit, serde_json::to_string(states)?], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many mail rows are in each state.
pub fn counts(conn: &Connection) -> Result<Vec<(String, i64)>> {
    let mut st = conn.prepare("SELECT state, COUNT(*) FROM outbox WHERE kind = 'mail' GROUP BY state")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Deliveries still to make (queued or being sent), by kind (`mail`, `webhook`).
pub fn waiting(conn: &Connection) -> Result<Vec<(String, i64)>> {
    let mut st = conn.prepare_cached("SELECT kind, COUNT(*) FROM outbox WHERE state IN ('queued', 'sending') GROUP BY kind")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Wakes the sender thread: set after a commit that queued a row, waited on with a timeout.
#[derive(Default)]
pub struct Waker {
    woken: std::sync::Mutex<bool>,
    cv: std::sync::Condvar,
}

impl Waker {
    pub fn wake(&self) {
        *self.woken.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.cv.notify_all();
    }

    /// Wait until woken or `timeout` passes; clears the mark.
    pub fn wait(&self, timeout: std::time::Duration) {
        let g = self.woken.lock().unwrap_or_else(|p| p.into_inner());
        let (mut g, _) = self.cv.wait_timeout_while(g, timeout, |w| !*w).unwrap_or_else(|p| p.into_inner());
        *g = false;
    }
}
