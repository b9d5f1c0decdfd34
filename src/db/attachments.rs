//! The `attachments` table: references to files stored by content hash in the data directory
//! (`desk::files` writes and reads the bytes; this file only holds rows).

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// An attachment as messages carry it (and as the upload answers it).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Attachment {
    /// The unguessable key: `/files/KEY`.
    pub id: String,
    pub name: String,
    /// The type decided from the bytes.
    #[serde(rename = "type")]
    pub mime: String,
    pub size: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<i64>,
    /// Whether `/files/KEY?thumb=1` has a small image of it.
    #[serde(default)]
    pub thumb: bool,
}

/// A whole row: the attachment and what only the server needs.
#[derive(Clone, Debug)]
pub struct Stored {
    pub row_id: i64,
    pub att: Attachment,
    pub uploader_kind: String,
    pub uploader_id: i64,
    pub sha256: String,
    pub thumb_sha256: Option<String>,
    pub message_id: Option<i64>,
    pub created_at: i64,
}

const SELECT: &str =
    "SELECT id, key, name, mime, size, width, height, thumb_sha256, uploader_kind, uploader_id, sha256, message_id, created_at
    FROM attachments ";

fn from_row(r: &Row) -> rusqlite::Result<Stored> {
    let thumb: Option<String> = r.get(7)?;
    Ok(Stored {
        row_id: r.get(0)?,
        att: Attachment {
            id: r.get(1)?,
            name: r.get(2)?,
            mime: r.get(3)?,
            size: r.get(4)?,
            width: r.get(5)?,
            height: r.get(6)?,
            thumb: thumb.is_some(),
        },
        thumb_sha256: thumb,
        uploader_kind: r.get(8)?,
        uploader_id: r.get(9)?,
        sha256: r.get(10)?,
        message_id: r.get(11)?,
        created_at: r.get(12)?,
    })
}

/// A new upload's row.
pub struct NewAttachment<'a> {
    pub key: &'a str,
    pub uploader_kind: &'a str,
    pub uploader_id: i64,
    pub upload_id: &'a str,
    pub name: &'a str,
    pub mime: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub thumb_sha256: Option<&'a str>,
    pub at: i64,
}

pub fn insert(conn: &Connection, a: &NewAttachment<'_>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO attachments (key, uploader_kind, uploader_id, upload_id, name, mime, size, sha256, width, height, thumb_sha256, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![a.key, a.uploader_kind, a.uploader_id, a.upload_id, a.name, a.mime, a.size, a.sha256, a.width, a.height, a.thumb_sha256, a.at])?;
    Ok(())
}

/// The upload a client's `upload_id` already made, if any.
pub fn by_upload_id(conn: &Connection, uploader_kind: &str, uploader_id: i64, upload_id: &str) -> Result<Option<Stored>> {
    Ok(conn
        .prepare_cached(&[SELECT, "WHERE uploader_kind = ?1 AND uploader_id = ?2 AND upload_id = ?3"].concat())?
        .query_row(params![uploader_kind, uploader_id, upload_id], from_row)
        .optional()?)
}

pub fn by_key(conn: &Connection, key: &str) -> Result<Option<Stored>> {
    Ok(conn.prepare_cached(&[SELECT, "WHERE key = ?1"].concat())?.query_row([key], from_row).optional()?)
}

/// Attach rows (already checked) to a message, in the order given.
pub fn attach(conn: &Connection, row_ids: &[i64], message_id: i64) -> Result<()> {
    let mut st = conn.prepare_cached("UPDATE attachments SET message_id = ?1, position = ?2 WHERE id = ?3 AND message_id IS NULL")?;
    for (i, id) in row_ids.iter().enumerate() {
        st.execute(params![message_id, i as i64, id])?;
    }
    Ok(())
}

/// A message's attachments, in order.
pub fn of_message(conn: &Connection, message_id: i64) -> Result<Vec<Attachment>> {
    let mut st = conn.prepare_cached(&[SELECT, "WHERE message_id = ?1 ORDER BY position"].concat())?;
    Ok(st.query_map([message_id], from_row)?.map(|r| r.map(|r| r.att)).collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Parse a message's attachments as `db::messages` selects them (a JSON array, or NULL for none).
pub fn parse_json(v: Option<String>) -> Vec<Attachment> {
    v.and_then(|s| serde_json::from_str::<Vec<Attachment>>(&s).ok()).unwrap_or_default()
}

/// Forget a deleted message's files (the bytes go with the next sweep, if nothing else names them).
pub fn detach_message(conn: &Connection, message_id: i64) -> Result<usize> {
    Ok(conn.prepare_cached("DELETE FROM attachments WHERE message_id = ?1")?.execute([message_id])?)
}

/// Forget uploads never sent with a message, made before `cutoff_ms`.
pub fn delete_unsent_before(conn: &Connection, cutoff_ms: i64) -> Result<usize> {
    Ok(conn.prepare_cached("DELETE FROM attachments WHERE message_id IS NULL AND created_at < ?1")?.execute([cutoff_ms])?)
}

/// Whether any row names this content hash (as a file or as a thumbnail).
pub fn references(conn: &Connection, sha256: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?1) OR EXISTS (SELECT 1 FROM attachments WHERE thumb_sha256 = ?1)",
        )?
        .query_row([sha256], |r| r.get(0))?)
}

/// Every content hash a row names (files and thumbnails), for `frontdesk check` (none in a database
/// from before attachments).
pub fn all_hashes(conn: &Connection) -> Result<Vec<String>> {
    let has_table: bool =
        conn.query_row("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'attachments')", [], |r| r.get(0))?;
    if !has_table {
        return Ok(Vec::new());
    }
    let mut st =
        conn.prepare("SELECT sha256 FROM attachments UNION SELECT thumb_sha256 FROM attachments WHERE thumb_sha256 IS NOT NULL")?;
    Ok(st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The conversation (and whether the message is a note) an attachment's message belongs to.
pub fn message_place(conn: &Connection, message_id: i64) -> Result<Option<(i64, bool, bool)>> {
    Ok(conn
        .prepare_cached("SELECT conversation_id, note, deleted_at IS NOT NULL FROM messages WHERE id = ?1")?
        .query_row([message_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?)
}
