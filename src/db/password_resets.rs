//! The `password_resets` table: one-time links to set a new password. Only the SHA-256 of a token
//! is stored. The rules (who may make one, what using one ends) are `desk::recovery`.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use crate::error::Result;

/// How long a reset link works: long enough to reach a teammate on another shift, short enough
/// that a link lying in a chat history soon stops being a way in.
pub const VALID_MS: i64 = 24 * 3600 * 1000;

#[derive(Clone, Debug, Serialize)]
pub struct Reset {
    pub id: i64,
    pub user_id: i64,
    /// The admin who made it; `None` for the command line.
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl Reset {
    /// Usable at `now`: not used, not revoked, not expired.
    pub fn open_at(&self, now: i64) -> bool {
        self.used_at.is_none() && self.revoked_at.is_none() && now < self.expires_at
    }
}

const COLS: &str = "id, user_id, created_by, created_at, expires_at, used_at, revoked_at";

fn from_row(r: &Row) -> rusqlite::Result<Reset> {
    Ok(Reset {
        id: r.get(0)?,
        user_id: r.get(1)?,
        created_by: r.get(2)?,
        created_at: r.get(3)?,
        expires_at: r.get(4)?,
        used_at: r.get(5)?,
        revoked_at: r.get(6)?,
    })
}

/// A new link for `user_id`, valid `VALID_MS` from `now`; returns its id.
pub fn insert(conn: &Connection, token_hash: &[u8], user_id: i64, created_by: Option<i64>, now: i64) -> Result<i64> {
    conn.execute(
        "INSERT INTO password_resets (token_hash, user_id, created_by, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![token_hash, user_id, created_by, now, now + VALID_MS],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Reset>> {
    Ok(conn.prepare_cached(&["SELECT ", COLS, " FROM password_resets WHERE id = ?1"].concat())?.query_row([id], from_row).optional()?)
}

pub fn by_token(conn: &Connection, token_hash: &[u8]) -> Result<Option<Reset>> {
    Ok(conn
        .prepare_cached(&["SELECT ", COLS, " FROM password_resets WHERE token_hash = ?1"].concat())?
        .query_row([token_hash], from_row)
        .optional()?)
}

/// Cancel every link of `user_id` not used or revoked yet; returns how many.
pub fn revoke_for_user(conn: &Connection, user_id: i64, now: i64) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE password_resets SET revoked_at = ?2 WHERE user_id = ?1 AND used_at IS NULL AND revoked_at IS NULL",
        params![user_id, now],
    )?)
}

/// Mark used, only if still open: false when another request used it first.
pub fn mark_used(conn: &Connection, id: i64, now: i64) -> Result<bool> {
    let n = conn.execute(
        "UPDATE password_resets SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?2",
        params![id, now],
    )?;
    Ok(n == 1)
}
