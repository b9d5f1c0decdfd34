//! The `sessions` table. Tokens are stored as SHA-256 hashes only.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;

pub struct Session {
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_used_at: i64,
}

/// A new session at `now` (the app's clock, so tests can age it).
pub fn insert(conn: &Connection, token_hash: &[u8], user_id: i64, csrf: &str, ip: &str, user_agent: &str, now: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_used_at, ip, user_agent) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)",
        params![token_hash, user_id, csrf, now, ip, user_agent],
    )?;
    Ok(())
}

pub fn get(conn: &Connection, token_hash: &[u8]) -> Result<Option<Session>> {
    Ok(conn
        .prepare_cached("SELECT user_id, csrf_token, created_at, last_used_at FROM sessions WHERE token_hash = ?1")?
        .query_row([token_hash], |r| {
            Ok(Session { user_id: r.get(0)?, csrf_token: r.get(1)?, created_at: r.get(2)?, last_used_at: r.get(3)? })
        })
        .optional()?)
}

pub fn touch(conn: &Connection, token_hash: &[u8], now: i64) -> Result<()> {
    conn.execute("UPDATE sessions SET last_used_at = ?2 WHERE token_hash = ?1", params![token_hash, now])?;
    Ok(())
}

pub fn delete(conn: &Connection, token_hash: &[u8]) -> Result<()> {
    conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
    Ok(())
}

/// End a user's sessions, except `keep` (the session that changed its own password).
pub fn delete_for_user(conn: &Connection, user_id: i64, keep: Option<&[u8]>) -> Result<usize> {
    Ok(conn.execute("DELETE FROM sessions WHERE user_id = ?1 AND token_hash IS NOT ?2", params![user_id, keep])?)
}

pub fn delete_expired(conn: &Connection, idle_before: i64, created_before: i64) -> Result<usize> {
    Ok(conn.execute("DELETE FROM sessions WHERE last_used_at < ?1 OR created_at < ?2", params![idle_before, created_before])?)
}
