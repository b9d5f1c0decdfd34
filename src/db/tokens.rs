//! The `api_tokens` table (API tokens, issue 19): stored as SHA-256 only. Who may create, list and
//! revoke them is `desk::tokens`; turning a bearer token into a user is `auth`.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use crate::error::Result;

/// A token as lists show it: never its value or hash.
#[derive(Clone, Debug, Serialize)]
pub struct Token {
    pub id: i64,
    /// `fdt_` and its first characters, to tell tokens apart.
    pub prefix: String,
    pub name: String,
    /// `read`, `write` or `admin`.
    pub scope: String,
    /// Who the token acts as: its owner, or (a desk token) its own bot user.
    pub user_id: i64,
    /// Not tied to a person: it acts as a bot user of its own.
    pub desk: bool,
    pub created_by: Option<i64>,
    pub created_by_name: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
    pub revoked_at: Option<i64>,
}

const COLS: &str = "t.id, t.prefix, t.name, t.scope, t.user_id, u.kind = 'bot', t.created_by, c.name, t.created_at, t.expires_at, \
                    t.last_used_at, t.last_used_ip, t.revoked_at";
const FROM: &str = " FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN users c ON c.id = t.created_by";

fn from_row(r: &Row) -> rusqlite::Result<Token> {
    Ok(Token {
        id: r.get(0)?,
        prefix: r.get(1)?,
        name: r.get(2)?,
        scope: r.get(3)?,
        user_id: r.get(4)?,
        desk: r.get(5)?,
        created_by: r.get(6)?,
        created_by_name: r.get(7)?,
        created_at: r.get(8)?,
        expires_at: r.get(9)?,
        last_used_at: r.get(10)?,
        last_used_ip: r.get(11)?,
        revoked_at: r.get(12)?,
    })
}

pub struct NewToken<'a> {
    pub hash: &'a [u8],
    pub prefix: &'a str,
    pub name: &'a str,
    pub scope: &'a str,
    pub user_id: i64,
    pub created_by: i64,
    pub expires_at: Option<i64>,
}

pub fn insert(conn: &Connection, t: &NewToken, now: i64) -> Result<i64> {
    conn.execute(
        "INSERT INTO api_tokens (token_hash, prefix, name, scope, user_id, created_by, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![t.hash, t.prefix, t.name, t.scope, t.user_id, t.created_by, now, t.expires_at],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Token>> {
    Ok(conn.prepare_cached(&["SELECT ", COLS, FROM, " WHERE t.id = ?1"].concat())?.query_row([id], from_row).optional()?)
}

/// The token with this hash, revoked or not (the caller says which refusal applies).
pub fn by_hash(conn: &Connection, hash: &[u8]) -> Result<Option<Token>> {
    Ok(conn.prepare_cached(&["SELECT ", COLS, FROM, " WHERE t.token_hash = ?1"].concat())?.query_row([hash], from_row).optional()?)
}

/// Tokens not revoked, newest first: those acting as `user_id`, plus every desk token with `desk`,
/// or all of them with `all`.
pub fn list(conn: &Connection, user_id: i64, desk: bool, all: bool) -> Result<Vec<Token>> {
    let mut st = conn.prepare_cached(
        &["SELECT ", COLS, FROM, " WHERE t.revoked_at IS NULL AND (?3 OR t.user_id = ?1 OR (?2 AND u.kind = 'bot')) ORDER BY t.id DESC"]
            .concat(),
    )?;
    Ok(st.query_map(params![user_id, desk, all], from_row)?.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn revoke(conn: &Connection, id: i64, now: i64) -> Result<bool> {
    Ok(conn.execute("UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL", params![id, now])? > 0)
}

/// Revoke every token acting as `user_id` (their deactivation); how many.
pub fn revoke_for_user(conn: &Connection, user_id: i64, now: i64) -> Result<usize> {
    Ok(conn.execute("UPDATE api_tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL", params![user_id, now])?)
}

/// Record a use (the caller throttles this to once a minute per token).
pub fn touch(conn: &Connection, id: i64, now: i64, ip: &str) -> Result<()> {
    conn.execute("UPDATE api_tokens SET last_used_at = ?2, last_used_ip = ?3 WHERE id = ?1", params![id, now, ip])?;
    Ok(())
}

/// A desk token's own user: a bot named after the token, with no password anyone can match and an
/// address that cannot receive mail (`.invalid`, RFC 2606). Its role is decided per request by the
/// token's scope (`auth`), so the row stays an agent without customer support: never counted as an
/// admin, never a taker of live chats, never mailed.
pub fn insert_bot(conn: &Connection, name: &str, email: &str, now: i64) -> Result<i64> {
    conn.execute(
        "INSERT INTO users (email, name, password_hash, role, customer_support, created_at, kind) VALUES (?1, ?2, '!', 'agent', 0, ?3, 'bot')",
        params![email, name, now],
    )?;
    Ok(conn.last_insert_rowid())
}
