//! Data retention and export over conversations: deleting closed conversations past the retention
//! period (with their messages, search rows and events), and reading everything out as JSON.

use rusqlite::{Connection, params};
use serde_json::{Value, json};

use crate::error::Result;

/// Delete closed conversations whose last message is older than `cutoff_ms`, at most `limit` per
/// call (the caller repeats, so one call never holds the writer for long). Returns how many.
pub fn delete_closed_before(conn: &Connection, cutoff_ms: i64, limit: i64) -> Result<usize> {
    let ids: Vec<i64> = conn
        .prepare_cached("SELECT id FROM conversations WHERE status = 'closed' AND last_message_at < ?1 ORDER BY id LIMIT ?2")?
        .query_map(params![cutoff_ms, limit], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in &ids {
        // Messages, revisions, participants, read marks and follows go by ON DELETE CASCADE; the
        // search row and the events carrying message bodies are removed here.
        conn.execute("DELETE FROM conversations_fts WHERE rowid = ?1", [id])?;
        super::reports::uncount(conn, *id)?;
        conn.execute("DELETE FROM events WHERE conversation_id = ?1", [id])?;
        conn.execute("DELETE FROM conversations WHERE id = ?1", [id])?;
    }
    Ok(ids.len())
}

/// Every conversation with its customer and messages, oldest first, as one JSON document.
pub fn export(conn: &Connection) -> Result<Value> {
    let mut convs = conn.prepare(
        "SELECT c.id, c.kind, c.status, c.subject, c.created_at, c.last_message_at,
                cu.id, cu.name, cu.email
         FROM conversations c LEFT JOIN customers cu ON cu.id = c.customer_id ORDER BY c.id",
    )?;
    let mut msgs = conn.prepare(
        "SELECT m.seq, m.author_kind, m.author_id,
                CASE m.author_kind WHEN 'user' THEN u.name WHEN 'customer' THEN cu.name ELSE '' END,
                m.body, m.created_at, m.edited_at, m.deleted_at, m.note
         FROM messages m
         LEFT JOIN users u ON m.author_kind = 'user' AND u.id = m.author_id
         LEFT JOIN customers cu ON m.author_kind = 'customer' AND cu.id = m.author_id
         WHERE m.conversation_id = ?1 ORDER BY m.seq",
    )?;
    let mut out = Vec::new();
    let rows = convs.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            json!({
                "id": r.get::<_, i64>(0)?, "kind": r.get::<_, String>(1)?, "status": r.get::<_, String>(2)?,
                "subject": r.get::<_, String>(3)?, "created_at": r.get::<_, i64>(4)?, "last_message_at": r.get::<_, i64>(5)?,
                "customer": match r.get::<_, Option<i64>>(6)? {
                    Some(id) => json!({"id": id, "name": r.get::<_, Option<String>>(7)?, "email": r.get::<_, Option<String>>(8)?}),
                    None => Value::Null,
                },
            }),
        ))
    })?;
    for row in rows {
        let (id, mut c) = row?;
        let messages = msgs
            .query_map([id], |r| {
                let deleted: Option<i64> = r.get(7)?;
                Ok(json!({
                    "seq": r.get::<_, i64>(0)?,
                    "author": {"kind": r.get::<_, String>(1)?, "id": r.get::<_, Option<i64>>(2)?, "name": r.get::<_, Option<String>>(3)?},
                    "body": if deleted.is_some() { String::new() } else { r.get::<_, String>(4)? },
                    "created_at": r.get::<_, i64>(5)?, "edited_at": r.get::<_, Option<i64>>(6)?, "deleted_at": deleted,
                    // Private notes are the desk's: whoever hands an export to a customer filters on this.
                    "note": r.get::<_, bool>(8)?,
                }))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        c["messages"] = Value::Array(messages);
        out.push(c);
    }
    Ok(json!({"format": "frontdesk-conversations-1", "conversations": out}))
}
