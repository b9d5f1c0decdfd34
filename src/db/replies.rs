//! The `saved_replies` table: shared replies (`owner_id` NULL) and each agent's personal ones. Who
//! may see or change which is `desk::replies`; this file only reads and writes rows.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use crate::error::Result;

#[derive(Clone, Debug, Serialize)]
pub struct Reply {
    pub id: i64,
    /// `"shared"` or `"personal"`.
    pub scope: &'static str,
    /// The owner of a personal reply (never sent: a client only ever sees its own).
    #[serde(skip)]
    pub owner_id: Option<i64>,
    pub title: String,
    pub shortcut: String,
    pub body: String,
    /// Portuguese variants; empty when there is none (the English text is used).
    pub title_pt: String,
    pub body_pt: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The fields a person writes.
pub struct Fields<'a> {
    pub title: &'a str,
    pub shortcut: &'a str,
    pub body: &'a str,
    pub title_pt: &'a str,
    pub body_pt: &'a str,
}

const COLS: &str = "id, owner_id, title, shortcut, body, title_pt, body_pt, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<Reply> {
    let owner_id: Option<i64> = r.get(1)?;
    Ok(Reply {
        id: r.get(0)?,
        scope: if owner_id.is_some() { "personal" } else { "shared" },
        owner_id,
        title: r.get(2)?,
        shortcut: r.get(3)?,
        body: r.get(4)?,
        title_pt: r.get(5)?,
        body_pt: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
    })
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Reply>> {
    Ok(conn.prepare_cached(&["SELECT ", COLS, " FROM saved_replies WHERE id = ?1"].concat())?.query_row([id], from_row).optional()?)
}

/// The shared replies and `user_id`'s own, by shortcut (shared first on a tie).
pub fn visible_to(conn: &Connection, user_id: i64) -> Result<Vec<Reply>> {
    let mut st = conn.prepare_cached(
        &["SELECT ", COLS, " FROM saved_replies WHERE owner_id IS NULL OR owner_id = ?1 ORDER BY shortcut, owner_id IS NOT NULL, id"]
            .concat(),
    )?;
    Ok(st.query_map([user_id], from_row)?.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// How many replies a scope holds (`None`: shared).
pub fn count(conn: &Connection, owner: Option<i64>) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM saved_replies WHERE COALESCE(owner_id, 0) = COALESCE(?1, 0)")?
        .query_row([owner], |r| r.get(0))?)
}

/// The reply of scope `owner` that uses `shortcut`, other than `except`, if any.
pub fn with_shortcut(conn: &Connection, owner: Option<i64>, shortcut: &str, except: i64) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM saved_replies WHERE COALESCE(owner_id, 0) = COALESCE(?1, 0) AND shortcut = ?2 AND id != ?3")?
        .query_row(params![owner, shortcut, except], |r| r.get(0))
        .optional()?)
}

pub fn insert(conn: &Connection, owner: Option<i64>, f: &Fields, now: i64) -> Result<i64> {
    conn.execute(
        "INSERT INTO saved_replies (owner_id, title, shortcut, body, title_pt, body_pt, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![owner, f.title, f.shortcut, f.body, f.title_pt, f.body_pt, now],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn update(conn: &Connection, id: i64, f: &Fields, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE saved_replies SET title = ?2, shortcut = ?3, body = ?4, title_pt = ?5, body_pt = ?6, updated_at = ?7 WHERE id = ?1",
        params![id, f.title, f.shortcut, f.body, f.title_pt, f.body_pt, now],
    )?;
    Ok(())
}

pub fn delete(conn: &Connection, id: i64) -> Result<()> {
    conn.execute("DELETE FROM saved_replies WHERE id = ?1", [id])?;
    Ok(())
}
