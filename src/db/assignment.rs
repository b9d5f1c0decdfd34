//! Assignment's data: a live chat's assignee and since when it has waited for one (`conversations`),
//! each agent's chosen availability (`users.availability`), and the round-robin position of
//! auto-assignment (`assign_rr`). The rules are `desk::assignment`.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;

/// Who may take live chats: active users who see customers (customer support, or admins).
const TAKERS: &str = "active = 1 AND (customer_support = 1 OR role = 'admin')";

/// Set (or clear) the assignee. A chat left without one starts waiting now.
pub fn set(conn: &Connection, id: i64, assignee: Option<i64>, now: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE conversations SET assignee_id = ?2, waiting_since = CASE WHEN ?2 IS NULL THEN ?3 ELSE waiting_since END WHERE id = ?1",
    )?
    .execute(params![id, assignee, now])?;
    Ok(())
}

/// A chat that opens again without an assignee joins the end of the queue.
pub fn mark_waiting(conn: &Connection, id: i64, now: i64) -> Result<()> {
    conn.prepare_cached("UPDATE conversations SET waiting_since = ?2 WHERE id = ?1 AND assignee_id IS NULL")?.execute(params![id, now])?;
    Ok(())
}

/// Open live chats without an assignee, in the order they started waiting (at most `limit`).
pub fn waiting(conn: &Connection, limit: i64) -> Result<Vec<i64>> {
    let mut st = conn.prepare_cached(
        "SELECT id FROM conversations WHERE kind = 'live_chat' AND status = 'open' AND assignee_id IS NULL
         ORDER BY COALESCE(waiting_since, created_at), id LIMIT ?1",
    )?;
    Ok(st.query_map([limit], |r| r.get(0))?.collect::<rusqlite::Result<Vec<i64>>>()?)
}

/// How many open chats each assignee holds (only those holding any).
pub fn open_counts(conn: &Connection) -> Result<Vec<(i64, i64)>> {
    let mut st = conn.prepare_cached(
        "SELECT assignee_id, COUNT(*) FROM conversations WHERE assignee_id IS NOT NULL AND status = 'open' GROUP BY assignee_id",
    )?;
    Ok(st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Everyone who may take live chats, by id (the round-robin order), with their chosen availability.
pub fn takers(conn: &Connection) -> Result<Vec<(i64, String)>> {
    let mut st = conn.prepare_cached(&["SELECT id, availability FROM users WHERE ", TAKERS, " ORDER BY id"].concat())?;
    Ok(st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Whether user `id` may take live chats.
pub fn may_take(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached(&["SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1 AND ", TAKERS, ")"].concat())?
        .query_row([id], |r| r.get(0))?)
}

/// The agent auto-assignment last handed a chat to.
pub fn rr_last(conn: &Connection) -> Result<Option<i64>> {
    Ok(conn.prepare_cached("SELECT last_user_id FROM assign_rr WHERE id = 1")?.query_row([], |r| r.get(0)).optional()?.flatten())
}

pub fn set_rr_last(conn: &Connection, user_id: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO assign_rr (id, last_user_id) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET last_user_id = excluded.last_user_id",
    )?
    .execute([user_id])?;
    Ok(())
}

/// The open chats user `id` holds, oldest first.
pub fn open_held_by(conn: &Connection, id: i64) -> Result<Vec<i64>> {
    let mut st = conn.prepare_cached("SELECT id FROM conversations WHERE assignee_id = ?1 AND status = 'open' ORDER BY id")?;
    Ok(st.query_map([id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<i64>>>()?)
}

/// Closed chats of user `id` lose their assignee without a word: reopened, they wait in the queue.
pub fn clear_closed(conn: &Connection, id: i64) -> Result<usize> {
    Ok(conn.prepare_cached("UPDATE conversations SET assignee_id = NULL WHERE assignee_id = ?1 AND status = 'closed'")?.execute([id])?)
}

/// `online` or `away`.
pub fn availability(conn: &Connection, user_id: i64) -> Result<String> {
    Ok(conn
        .prepare_cached("SELECT availability FROM users WHERE id = ?1")?
        .query_row([user_id], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| "online".into()))
}

pub fn set_availability(conn: &Connection, user_id: i64, availability: &str) -> Result<()> {
    conn.prepare_cached("UPDATE users SET availability = ?2 WHERE id = ?1")?.execute(params![user_id, availability])?;
    Ok(())
}

/// Everyone who chose Away.
pub fn away(conn: &Connection) -> Result<Vec<i64>> {
    let mut st = conn.prepare_cached("SELECT id FROM users WHERE availability = 'away'")?;
    Ok(st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<i64>>>()?)
}

/// Open live chats in each view of "From customers" for user `me` (unassigned, mine, all), with the
/// event position they are true at: one snapshot, so a client can apply the events after it on top.
pub fn view_counts(conn: &Connection, me: i64) -> Result<serde_json::Value> {
    let tx = conn.unchecked_transaction()?;
    let pos = super::events::last_id(&tx)?;
    let (unassigned, mine, all): (i64, i64, i64) = tx
        .prepare_cached(
            "SELECT COUNT(*) FILTER (WHERE assignee_id IS NULL), COUNT(*) FILTER (WHERE assignee_id = ?1), COUNT(*)
             FROM conversations WHERE kind = 'live_chat' AND status = 'open'",
        )?
        .query_row([me], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    tx.finish()?;
    Ok(serde_json::json!({"unassigned": unassigned, "mine": mine, "all": all, "pos": pos}))
}
