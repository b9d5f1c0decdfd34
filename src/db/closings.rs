//! The `closings` table: one row per closing of a live chat, with the satisfaction question asked
//! then and its answer (`desk::csat`), and the first-response columns of `conversations` the
//! reports read (`db::reports`).

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::Result;

/// A closing and its rating.
#[derive(Clone, Debug, Serialize)]
pub struct Closing {
    pub id: i64,
    pub conversation_id: i64,
    pub customer_id: Option<i64>,
    pub agent_id: Option<i64>,
    pub opened_at: i64,
    pub closed_at: i64,
    pub reopened_at: Option<i64>,
    /// `stars` or `thumbs`; `None`: the customer was not asked.
    pub scale: Option<String>,
    /// The question's line in the conversation.
    pub message_id: Option<i64>,
    pub score: Option<i64>,
    pub comment: String,
    pub rated_at: Option<i64>,
}

macro_rules! columns {
    () => {
        "id, conversation_id, customer_id, agent_id, opened_at, closed_at, reopened_at, csat_scale, csat_message_id, csat_score, csat_comment, csat_rated_at"
    };
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Closing> {
    Ok(Closing {
        id: r.get(0)?,
        conversation_id: r.get(1)?,
        customer_id: r.get(2)?,
        agent_id: r.get(3)?,
        opened_at: r.get(4)?,
        closed_at: r.get(5)?,
        reopened_at: r.get(6)?,
        scale: r.get(7)?,
        message_id: r.get(8)?,
        score: r.get(9)?,
        comment: r.get(10)?,
        rated_at: r.get(11)?,
    })
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Closing>> {
    let sql = concat!("SELECT ", columns!(), " FROM closings WHERE id = ?1");
    Ok(conn.prepare_cached(sql)?.query_row([id], row).optional()?)
}

/// Close a stretch of conversation `id`: it began when the conversation was last reopened (or created).
pub fn insert(conn: &Connection, id: i64, customer_id: Option<i64>, agent_id: Option<i64>, closed_by: Option<i64>, at: i64) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO closings (conversation_id, customer_id, agent_id, closed_by, opened_at, closed_at)
         VALUES (?1, ?2, ?3, ?4, coalesce((SELECT max(reopened_at) FROM closings WHERE conversation_id = ?1),
                                         (SELECT created_at FROM conversations WHERE id = ?1)), ?5)",
    )?
    .execute(params![id, customer_id, agent_id, closed_by, at])?;
    Ok(conn.last_insert_rowid())
}

/// The question was asked, on `scale`, by the line `message_id`.
pub fn set_question(conn: &Connection, id: i64, scale: &str, message_id: i64) -> Result<()> {
    conn.prepare_cached("UPDATE closings SET csat_scale = ?2, csat_message_id = ?3 WHERE id = ?1")?
        .execute(params![id, scale, message_id])?;
    Ok(())
}

/// Conversation `id` was reopened at `at`: its last closing ends there.
pub fn reopened(conn: &Connection, id: i64, at: i64) -> Result<()> {
    conn.prepare_cached("UPDATE closings SET reopened_at = ?2 WHERE conversation_id = ?1 AND reopened_at IS NULL")?
        .execute(params![id, at])?;
    Ok(())
}

/// Record the answer; false if the closing already has one.
pub fn rate(conn: &Connection, id: i64, score: i64, comment: &str, at: i64) -> Result<bool> {
    let n = conn
        .prepare_cached("UPDATE closings SET csat_score = ?2, csat_comment = ?3, csat_rated_at = ?4 WHERE id = ?1 AND csat_score IS NULL")?
        .execute(params![id, score, comment, at])?;
    Ok(n == 1)
}

/// A customer's latest answered ratings, newest first (the customer panel).
pub fn rated_for_customer(conn: &Connection, customer_id: i64, limit: i64) -> Result<Vec<Closing>> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM closings WHERE customer_id = ?1 AND csat_scale IS NOT NULL AND csat_score IS NOT NULL ORDER BY id DESC LIMIT ?2"
    );
    let mut st = conn.prepare_cached(sql)?;
    let rows = st.query_map(params![customer_id, limit], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A customer's first message in conversation `id` (kept once, for first response times).
pub fn note_customer_message(conn: &Connection, id: i64, at: i64) -> Result<()> {
    conn.prepare_cached("UPDATE conversations SET first_customer_at = ?2 WHERE id = ?1 AND first_customer_at IS NULL")?
        .execute(params![id, at])?;
    Ok(())
}

/// An agent's reply (not a note) in conversation `id`: the first one is its first response.
pub fn note_reply(conn: &Connection, id: i64, user_id: i64, at: i64) -> Result<()> {
    conn.prepare_cached("UPDATE conversations SET first_reply_at = ?2, first_reply_by = ?3 WHERE id = ?1 AND first_reply_at IS NULL")?
        .execute(params![id, at, user_id])?;
    Ok(())
}
