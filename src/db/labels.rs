//! The `labels` and `conversation_labels` tables: the labels admins define, and which conversations
//! carry them. The rules (who may, what a valid name is, audit and events) are `desk::labels`.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::messages::Hit;
use crate::error::Result;

/// A label as every agent sees it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Label {
    pub id: i64,
    pub name: String,
    /// `#rrggbb`, lower case.
    pub color: String,
    pub description: String,
    pub created_at: i64,
}

const COLS: &str = "id, name, color, description, created_at";

fn from_row(r: &Row) -> rusqlite::Result<Label> {
    Ok(Label { id: r.get(0)?, name: r.get(1)?, color: r.get(2)?, description: r.get(3)?, created_at: r.get(4)? })
}

/// Every label, by name.
pub fn list(conn: &Connection) -> Result<Vec<Label>> {
    let mut st = conn.prepare_cached(&["SELECT ", COLS, " FROM labels ORDER BY name_key, id"].concat())?;
    Ok(st.query_map([], from_row)?.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Label>> {
    Ok(conn.prepare_cached(&["SELECT ", COLS, " FROM labels WHERE id = ?1"].concat())?.query_row([id], from_row).optional()?)
}

/// The label whose folded name is `key` (see `desk::labels::fold`).
pub fn by_key(conn: &Connection, key: &str) -> Result<Option<Label>> {
    Ok(conn.prepare_cached(&["SELECT ", COLS, " FROM labels WHERE name_key = ?1"].concat())?.query_row([key], from_row).optional()?)
}

pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT COUNT(*) FROM labels", [], |r| r.get(0))?)
}

/// A new label; fails with a unique-constraint error when the folded name is taken.
pub fn insert(conn: &Connection, name: &str, key: &str, color: &str, description: &str, by: i64) -> rusqlite::Result<i64> {
    conn.prepare_cached("INSERT INTO labels (name, name_key, color, description, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
        .execute(params![name, key, color, description, by, super::now_ms()])?;
    Ok(conn.last_insert_rowid())
}

/// Rename, recolour or describe; fails with a unique-constraint error when the folded name is taken.
pub fn update(conn: &Connection, id: i64, name: &str, key: &str, color: &str, description: &str) -> rusqlite::Result<usize> {
    conn.prepare_cached("UPDATE labels SET name = ?2, name_key = ?3, color = ?4, description = ?5 WHERE id = ?1")?.execute(params![
        id,
        name,
        key,
        color,
        description
    ])
}

/// Delete a label; it leaves every conversation with it (the foreign key cascades). Returns the
/// conversations that carried it.
pub fn delete(conn: &Connection, id: i64) -> Result<Vec<i64>> {
    let carried = conversations_with(conn, id)?;
    conn.execute("DELETE FROM labels WHERE id = ?1", [id])?;
    Ok(carried)
}

/// The conversations that carry label `id`.
pub fn conversations_with(conn: &Connection, id: i64) -> Result<Vec<i64>> {
    let mut st = conn.prepare_cached("SELECT conversation_id FROM conversation_labels WHERE label_id = ?1")?;
    Ok(st.query_map([id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<i64>>>()?)
}

/// The labels conversation `id` carries.
pub fn of_conversation(conn: &Connection, id: i64) -> Result<Vec<i64>> {
    let mut st = conn.prepare_cached("SELECT label_id FROM conversation_labels WHERE conversation_id = ?1 ORDER BY label_id")?;
    Ok(st.query_map([id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<i64>>>()?)
}

/// Put label `label` on conversation `id` (nothing if it is there already).
pub fn add(conn: &Connection, id: i64, label: i64, by: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO conversation_labels (conversation_id, label_id, added_by, added_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![id, label, by, super::now_ms()])?;
    Ok(())
}

/// Take label `label` off conversation `id`.
pub fn remove(conn: &Connection, id: i64, label: i64) -> Result<()> {
    conn.prepare_cached("DELETE FROM conversation_labels WHERE conversation_id = ?1 AND label_id = ?2")?.execute(params![id, label])?;
    Ok(())
}

/// SQL condition (on alias `c`) that the conversation carries every label in the JSON array bound
/// as `?{n}` (`[]`: no condition). Lists and search use it; the ids are data, never SQL.
pub fn carries_all_sql(n: usize) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM json_each(?{n}) j WHERE NOT EXISTS
            (SELECT 1 FROM conversation_labels cl WHERE cl.conversation_id = c.id AND cl.label_id = j.value))"
    )
}

/// Conversations `user_id` may see (`support` decides live chats) that carry every label in
/// `labels`, newest activity first: a search of labels alone (`label:vip`). Starts from the first
/// label's index; each hit's snippet is the conversation's preview.
pub fn search(conn: &Connection, user_id: i64, support: bool, labels: &[i64], limit: i64, offset: i64) -> Result<Vec<Hit>> {
    let Some(first) = labels.first() else { return Ok(Vec::new()) };
    let sql = [
        "SELECT c.id, c.preview, c.last_message_at FROM conversation_labels l JOIN conversations c ON c.id = l.conversation_id
         WHERE l.label_id = ?3 AND ",
        super::conversations::visible_filter_sql(),
        " AND ",
        &carries_all_sql(4),
        " ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?5 OFFSET ?6",
    ]
    .concat();
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map(params![user_id, support as i64, first, serde_json::to_string(labels)?, limit, offset], |r| {
        Ok(Hit { conversation_id: r.get(0)?, message_id: None, seq: None, snippet: r.get(1)?, rank: 0.0, created_at: r.get(2)? })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
