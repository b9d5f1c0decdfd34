//! The `audit_log` table: appended inside each change's own transaction, read by the admin pages.

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::error::Result;

#[derive(Debug, Serialize)]
pub struct Entry {
    pub id: i64,
    pub at: i64,
    pub user_id: Option<i64>,
    /// The user's current name, if they still exist.
    pub user_name: Option<String>,
    pub ip: String,
    pub action: String,
    pub target: String,
    pub detail: serde_json::Value,
}

/// Append to the audit log (inside the caller's write transaction).
pub fn append(conn: &Connection, user: Option<i64>, ip: &str, action: &str, target: &str, detail: serde_json::Value) -> Result<()> {
    conn.execute(
        "INSERT INTO audit_log (at, user_id, ip, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![crate::db::now_ms(), user, ip, action, target, detail.to_string()],
    )?;
    Ok(())
}

/// Entries newest first, older than `before` (an entry id) when given.
pub fn page(conn: &Connection, before: Option<i64>, limit: i64) -> Result<Vec<Entry>> {
    let mut st = conn.prepare_cached(
        "SELECT a.id, a.at, a.user_id, u.name, a.ip, a.action, a.target, a.detail
         FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
         WHERE a.id < ?1 ORDER BY a.id DESC LIMIT ?2",
    )?;
    let rows = st.query_map(params![before.unwrap_or(i64::MAX), limit], |r| {
        let detail: String = r.get(7)?;
        Ok(Entry {
            id: r.get(0)?,
            at: r.get(1)?,
            user_id: r.get(2)?,
            user_name: r.get(3)?,
            ip: r.get(4)?,
            action: r.get(5)?,
            target: r.get(6)?,
            detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
