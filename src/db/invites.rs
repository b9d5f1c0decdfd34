//! The `invites` table: one-time sign-up links. Only the SHA-256 of a token is stored.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use crate::error::Result;

/// How long an invite link works.
pub const VALID_MS: i64 = 7 * 24 * 3600 * 1000;

#[derive(Clone, Debug, Serialize)]
pub struct Invite {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub customer_support: bool,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl Invite {
    /// Usable at `now`: not used, not revoked, not expired.
    pub fn open_at(&self, now: i64) -> bool {
        self.used_at.is_none() && self.revoked_at.is_none() && now < self.expires_at
    }
}

const COLS: &str = "id, email, role, customer_support, created_by, created_at, expires_at, used_at, revoked_at";

fn from_row(r: &Row) -> rusqlite::Result<Invite> {
    Ok(Invite {
        id: r.get(0)?,
        email: r.get(1)?,
        role: r.get(2)?,
        customer_support: r.get(3)?,
        created_by: r.get(4)?,
        created_at: r.get(5)?,
        expires_at: r.get(6)?,
        used_at: r.get(7)?,
        revoked_at: r.get(8)?,
    })
}

pub struct NewInvite<'a> {
    pub token_hash: &'a [u8],
    pub email: &'a str,
    pub role: &'a str,
    pub customer_support: bool,
    pub created_by: i64,
    pub now: i64,
}

pub fn insert(conn: &Connection, i: &NewInvite) -> Result<i64> {
    conn.execute(
        "INSERT INTO invites (token_hash, email, role, customer_support, created_by, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![i.token_hash, i.email.trim(), i.role, i.customer_support, i.created_by, i.now, i.now + VALID_MS],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Invite>> {
    Ok(conn.prepare_cached(&["SELECT ", COLS, " FROM invites WHERE id = ?1"].concat())?.query_row([id], from_row).optional()?)
}

pub fn by_token(conn: &Connection, token_hash: &[u8]) -> Result<Option<Invite>> {
    Ok(conn
        .prepare_cached(&["SELECT ", COLS, " FROM invites WHERE token_hash = ?1"].concat())?
        .query_row([token_hash], from_row)
        .optional()?)
}

/// Invites not used or revoked and not expired at `now`, newest first.
pub fn pending(conn: &Connection, now: i64) -> Result<Vec<Invite>> {
    let mut st = conn.prepare_cached(
        &["SELECT ", COLS, " FROM invites WHERE used_at IS NULL AND revoked_at IS NULL AND expires_at > ?1 ORDER BY id DESC"].concat(),
    )?;
    Ok(st.query_map([now], from_row)?.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Mark used, only if still open: returns false when another request used it first.
pub fn mark_used(conn: &Connection, id: i64, user_id: i64, now: i64) -> Result<bool> {
    let n = conn.execute(
        "UPDATE invites SET used_at = ?3, used_by = ?2 WHERE id = ?1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?3",
        params![id, user_id, now],
    )?;
    Ok(n == 1)
}

pub fn revoke(conn: &Connection, id: i64, now: i64) -> Result<bool> {
    let n =
        conn.execute("UPDATE invites SET revoked_at = ?2 WHERE id = ?1 AND used_at IS NULL AND revoked_at IS NULL", params![id, now])?;
    Ok(n == 1)
}
