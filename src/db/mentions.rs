//! The `mentions` table: who a note or team-chat message mentions (`desk::mentions` decides who may
//! be mentioned; the ids read back with a message come from `db::messages`).

use rusqlite::{Connection, params};

use crate::error::Result;

/// A mention of `user_id` by `by_user` in message `message_id` (seq `seq` of `conversation_id`).
pub fn insert(conn: &Connection, message_id: i64, user_id: i64, conversation_id: i64, seq: i64, by_user: i64, at: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO mentions (message_id, user_id, conversation_id, seq, by_user, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![message_id, user_id, conversation_id, seq, by_user, at])?;
    Ok(())
}
