//! The `messages` and `message_revisions` tables, and full-text search over them.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub const MAX_BODY: usize = 16 * 1024;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Author {
    pub kind: String,
    pub id: Option<i64>,
    pub name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Message {
    pub id: i64,
    pub conversation_id: i64,
    pub seq: i64,
    pub author: Author,
    pub body: String,
    pub client_msg_id: Option<String>,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub deleted_at: Option<i64>,
    /// For system lines: what happened, as a code with parameters (see `desk::system_lines`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemLine>,
    /// A private note: for the desk only, never for a customer (`desk::customer` drops it, and every
    /// later reader — email, exports for a customer — must filter on it).
    #[serde(default)]
    pub note: bool,
    /// Teammates this message mentions (user ids), in notes and team chats (`desk::mentions`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<i64>,
    /// Files sent with the message (issue 17), in order; a deleted message has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<super::attachments::Attachment>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SystemLine {
    pub code: String,
    pub params: serde_json::Value,
}

impl SystemLine {
    /// A line as stored: its code and its parameters' JSON text (`null` when missing or unreadable).
    pub fn new(code: String, params: Option<&str>) -> SystemLine {
        SystemLine { code, params: params.and_then(|p| serde_json::from_str(p).ok()).unwrap_or(serde_json::Value::Null) }
    }
}

const SELECT: &str = "SELECT m.id, m.conversation_id, m.seq, m.author_kind, m.author_id,
        CASE m.author_kind WHEN 'user' THEN u.name WHEN 'customer' THEN cu.name ELSE 'Frontdesk' END,
        m.body, m.client_msg_id, m.created_at, m.edited_at, m.deleted_at, m.system_code, m.system_params, m.note,
        (SELECT group_concat(mn.user_id) FROM mentions mn WHERE mn.message_id = m.id),
        (SELECT json_group_array(json_object('id', a.key, 'name', a.name, 'type', a.mime, 'size', a.size, 'width', a.width,
            'height', a.height, 'thumb', json(CASE WHEN a.thumb_sha256 IS NULL THEN 'false' ELSE 'true' END)) ORDER BY a.position)
         FROM attachments a WHERE a.message_id = m.id HAVING count(*) > 0)
    FROM messages m
    LEFT JOIN users u ON m.author_kind = 'user' AND u.id = m.author_id
    LEFT JOIN customers cu ON m.author_kind = 'customer' AND cu.id = m.author_id ";

fn from_row(r: &Row) -> rusqlite::Result<Message> {
    let deleted_at: Option<i64> = r.get(10)?;
    Ok(Message {
        id: r.get(0)?,
        conversation_id: r.get(1)?,
        seq: r.get(2)?,
        author: Author { kind: r.get(3)?, id: r.get(4)?, name: r.get::<_, Option<String>>(5)?.unwrap_or_default() },
        // A deleted message keeps its place but not its text (the text is in the revisions).
        body: if deleted_at.is_some() { String::new() } else { r.get(6)? },
        client_msg_id: r.get(7)?,
        created_at: r.get(8)?,
        edited_at: r.get(9)?,
        deleted_at,
        system: match r.get::<_, Option<String>>(11)? {
            Some(code) => Some(SystemLine::new(code, r.get::<_, Option<String>>(12)?.as_deref())),
            None => None,
        },
        note: r.get(13)?,
        mentions: r.get::<_, Option<String>>(14)?.map(|ids| ids.split(',').filter_map(|id| id.parse().ok()).collect()).unwrap_or_default(),
        attachments: super::attachments::parse_json(r.get(15)?),
    })
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Message>> {
    Ok(conn.prepare_cached(&[SELECT, "WHERE m.id = ?1"].concat())?.query_row([id], from_row).optional()?)
}

/// The message a retried `client_msg_id` already created, if any.
pub fn by_client_id(
    conn: &Connection,
    conversation_id: i64,
    author_kind: &str,
    author_id: Option<i64>,
    client_msg_id: &str,
) -> Result<Option<Message>> {
    Ok(conn
        .prepare_cached(
            &[SELECT, "WHERE m.conversation_id = ?1 AND m.author_kind = ?2 AND m.author_id IS ?3 AND m.client_msg_id = ?4"].concat(),
        )?
        .query_row(params![conversation_id, author_kind, author_id, client_msg_id], from_row)
        .optional()?)
}

/// A message row to insert (system lines have their own `insert_system`).
pub struct NewMessage<'a> {
    pub conversation_id: i64,
    pub seq: i64,
    pub author_kind: &'a str,
    pub author_id: Option<i64>,
    pub body: &'a str,
    pub client_msg_id: Option<&'a str>,
    pub at: i64,
    /// A private note (agents only).
    pub note: bool,
}

pub fn insert(conn: &Connection, m: &NewMessage<'_>) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO messages (conversation_id, seq, author_kind, author_id, body, client_msg_id, created_at, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![m.conversation_id, m.seq, m.author_kind, m.author_id, m.body, m.client_msg_id, m.at, m.note])?;
    Ok(conn.last_insert_rowid())
}

/// How many messages the database holds (all conversations).
pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT COUNT(*) FROM messages", [], |r| r.get(0))?)
}

/// A system line: `body` is its English text (search, exports), `line` what it means.
pub fn insert_system(conn: &Connection, conversation_id: i64, seq: i64, body: &str, line: &SystemLine, at: i64) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO messages (conversation_id, seq, author_kind, author_id, body, created_at, system_code, system_params)
         VALUES (?1, ?2, 'system', NULL, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![conversation_id, seq, body, at, line.code, line.params.to_string()])?;
    Ok(conn.last_insert_rowid())
}

/// Change what a system line means (a satisfaction question once answered carries the score).
pub fn set_system_params(conn: &Connection, id: i64, params: &serde_json::Value) -> Result<()> {
    conn.prepare_cached("UPDATE messages SET system_params = ?2 WHERE id = ?1 AND author_kind = 'system'")?
        .execute(params![id, params.to_string()])?;
    Ok(())
}

/// Messages of a conversation, oldest first: the `limit` before `before` (a seq), or after `after`.
pub fn page(conn: &Connection, conversation_id: i64, before: Option<i64>, after: Option<i64>, limit: i64) -> Result<Vec<Message>> {
    let mut out = if let Some(after) = after {
        let mut st = conn.prepare_cached(&[SELECT, "WHERE m.conversation_id = ?1 AND m.seq > ?2 ORDER BY m.seq ASC LIMIT ?3"].concat())?;
        st.query_map(params![conversation_id, after, limit], from_row)?.collect::<rusqlite::Result<Vec<_>>>()?
    } else {
        let mut st = conn.prepare_cached(&[SELECT, "WHERE m.conversation_id = ?1 AND m.seq < ?2 ORDER BY m.seq DESC LIMIT ?3"].concat())?;
        let mut v =
            st.query_map(params![conversation_id, before.unwrap_or(i64::MAX), limit], from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        v.reverse();
        v
    };
    out.shrink_to_fit();
    Ok(out)
}

/// What a customer's reads leave out in SQL, so a page of theirs is full (50 messages they see, not
/// 50 rows of which some are hidden): notes, and system lines whose code is not in `shown` (a JSON
/// array of codes, from `desk::customer`). The projection still decides every field after this.
const CUSTOMER_SEES: &str = " AND m.note = 0 AND (m.author_kind <> 'system' OR m.system_code IN (SELECT value FROM json_each(?4))) ";

/// A page of the messages of a conversation its customer sees, oldest first (as `page`).
pub fn customer_page(
    conn: &Connection,
    conversation_id: i64,
    before: Option<i64>,
    after: Option<i64>,
    limit: i64,
    shown: &str,
) -> Result<Vec<Message>> {
    if let Some(after) = after {
        let sql = [SELECT, "WHERE m.conversation_id = ?1 AND m.seq > ?2", CUSTOMER_SEES, "ORDER BY m.seq ASC LIMIT ?3"].concat();
        let mut st = conn.prepare_cached(&sql)?;
        return Ok(st.query_map(params![conversation_id, after, limit, shown], from_row)?.collect::<rusqlite::Result<Vec<_>>>()?);
    }
    let sql = [SELECT, "WHERE m.conversation_id = ?1 AND m.seq < ?2", CUSTOMER_SEES, "ORDER BY m.seq DESC LIMIT ?3"].concat();
    let mut st = conn.prepare_cached(&sql)?;
    let mut v = st
        .query_map(params![conversation_id, before.unwrap_or(i64::MAX), limit, shown], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    v.reverse();
    Ok(v)
}

/// The seq of the latest message at or below `upto` that the customer sees (0: none), by the rule
/// of `customer_page`: what a customer's "last message" and "seen" marks may say.
pub fn customer_last_seq(conn: &Connection, conversation_id: i64, upto: i64, shown: &str) -> Result<i64> {
    let sql = ["SELECT m.seq FROM messages m WHERE m.conversation_id = ?1 AND m.seq <= ?2", CUSTOMER_SEES, "ORDER BY m.seq DESC LIMIT ?3"]
        .concat();
    Ok(conn.prepare_cached(&sql)?.query_row(params![conversation_id, upto, 1, shown], |r| r.get(0)).optional()?.unwrap_or(0))
}

/// Edit or delete, keeping the old text in `message_revisions`.
pub fn revise(conn: &Connection, id: i64, action: &str, new_body: Option<&str>, by_user: Option<i64>) -> Result<()> {
    let now = super::now_ms();
    conn.execute(
        "INSERT INTO message_revisions (message_id, action, old_body, by_user, at) SELECT id, ?2, body, ?3, ?4 FROM messages WHERE id = ?1",
        params![id, action, by_user, now],
    )?;
    match (action, new_body) {
        ("edit", Some(body)) => conn.execute("UPDATE messages SET body = ?2, edited_at = ?3 WHERE id = ?1", params![id, body, now])?,
        // The body is blanked so search no longer finds it; the revision keeps it for admins.
        ("delete", _) => conn.execute("UPDATE messages SET body = '', deleted_at = ?2 WHERE id = ?1", params![id, now])?,
        _ => return Err(Error::internal("bad revision action")),
    };
    Ok(())
}

#[derive(Serialize)]
pub struct Revision {
    pub action: String,
    pub old_body: String,
    pub by_user: Option<i64>,
    pub by_name: Option<String>,
    pub at: i64,
}

pub fn revisions(conn: &Connection, id: i64) -> Result<Vec<Revision>> {
    let mut st = conn.prepare_cached(
        "SELECT r.action, r.old_body, r.by_user, u.name, r.at FROM message_revisions r LEFT JOIN users u ON u.id = r.by_user WHERE r.message_id = ?1 ORDER BY r.id",
    )?;
    Ok(st
        .query_map([id], |r| {
            Ok(Revision { action: r.get(0)?, old_body: r.get(1)?, by_user: r.get(2)?, by_name: r.get(3)?, at: r.get(4)? })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Turn what a person typed into an FTS5 query that matches all its words as text: every token is
/// quoted (inner quotes doubled), so `"`, `*`, `OR`, `NEAR(` and `:` are never FTS syntax. The last
/// word matches as a prefix so results appear while typing.
pub fn fts_query(input: &str) -> Option<String> {
    let words: Vec<String> = input
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .take(12)
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    if words.is_empty() {
        return None;
    }
    let mut q = words.join(" ");
    q.push('*');
    Some(q)
}

#[derive(Serialize)]
pub struct Hit {
    pub conversation_id: i64,
    pub message_id: Option<i64>,
    pub seq: Option<i64>,
    /// Plain text with the matches between `\u{2}` and `\u{3}` markers; the UI turns those into
    /// highlight elements, so nothing from the message is ever parsed as HTML.
    pub snippet: String,
    pub rank: f64,
    pub created_at: i64,
}

/// A search row: conversation, message, seq, snippet, rank, time (both searches select these).
pub(super) fn hit_row(r: &Row) -> rusqlite::Result<Hit> {
    Ok(Hit {
        conversation_id: r.get(0)?,
        message_id: r.get(1)?,
        seq: r.get(2)?,
        snippet: r.get(3)?,
        rank: r.get(4)?,
        created_at: r.get(5)?,
    })
}

/// Above this many matches, ranking every one by relevance costs more than a person waits for
/// (a common word in a million messages: ~400 ms), so results come newest first instead, which
/// FTS5 streams in rowid order and stops at the page.
pub const RANK_LIMIT: i64 = 2_000;

/// How results were ordered.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    Relevance,
    Newest,
}

/// Messages matching `q` in conversations `user_id` may see (`support` decides live chats) that
/// carry every label in `labels`: ranked by relevance (bm25) when the query is selective, newest
/// first when it matches very many.
pub fn search(
    conn: &Connection,
    user_id: i64,
    support: bool,
    q: &str,
    labels: &[i64],
    limit: i64,
    offset: i64,
) -> Result<(Vec<Hit>, Order)> {
    // The last word's prefix as the words it stands for: read lazily instead of merged up front.
    let expanded = super::search_prefix::expand(conn, q)?;
    let q = expanded.as_deref().unwrap_or(q);
    let matches: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM (SELECT 1 FROM messages_fts WHERE messages_fts MATCH ?1 LIMIT ?2)")?
        .query_row(params![q, RANK_LIMIT + 1], |r| r.get(0))?;
    let order = if matches > RANK_LIMIT { Order::Newest } else { Order::Relevance };
    if order == Order::Newest
        && !support
        && let Some(hits) = super::search_team::newest(conn, user_id, q, labels, limit, offset)?
    {
        return Ok((hits, order));
    }
    // bm25 only where it orders: it counts every match of each word (its rarity), which for a word
    // in half the messages costs more than the whole newest-first page.
    let sql = [
        "SELECT m.conversation_id, m.id, m.seq, snippet(messages_fts, 0, char(2), char(3), '…', 12), ",
        match order {
            Order::Relevance => "bm25(messages_fts)",
            Order::Newest => "0.0",
        },
        ", m.created_at
         FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid JOIN conversations c ON c.id = m.conversation_id
         WHERE messages_fts MATCH ?3 AND m.deleted_at IS NULL AND ",
        super::conversations::visible_filter_sql(),
        " AND ",
        &super::labels::carries_all_sql(6),
        match order {
            Order::Relevance => " ORDER BY bm25(messages_fts) LIMIT ?4 OFFSET ?5",
            Order::Newest => " ORDER BY messages_fts.rowid DESC LIMIT ?4 OFFSET ?5",
        },
    ]
    .concat();
    let mut st = conn.prepare_cached(&sql)?;
    let hits = st.query_map(params![user_id, support as i64, q, limit, offset, serde_json::to_string(labels)?], hit_row)?;
    Ok((hits.collect::<rusqlite::Result<Vec<_>>>()?, order))
}

/// Conversations whose subject or customer name/email match, carrying every label in `labels`.
pub fn search_conversations(conn: &Connection, user_id: i64, support: bool, q: &str, labels: &[i64], limit: i64) -> Result<Vec<Hit>> {
    let sql = [
        "SELECT c.id, NULL, NULL, snippet(conversations_fts, -1, char(2), char(3), '…', 12), bm25(conversations_fts), c.last_message_at
         FROM conversations_fts JOIN conversations c ON c.id = conversations_fts.rowid
         WHERE conversations_fts MATCH ?3 AND ",
        super::conversations::visible_filter_sql(),
        " AND ",
        &super::labels::carries_all_sql(5),
        " ORDER BY bm25(conversations_fts) LIMIT ?4",
    ]
    .concat();
    let mut st = conn.prepare_cached(&sql)?;
    let hits = st.query_map(params![user_id, support as i64, q, limit, serde_json::to_string(labels)?], hit_row)?;
    Ok(hits.collect::<rusqlite::Result<Vec<_>>>()?)
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn search_input_is_always_quoted() {
        assert_eq!(fts_query("hello world").unwrap(), "\"hello\" \"world\"*");
        assert_eq!(fts_query("a\"b OR NEAR(").unwrap(), "\"a\"\"b\" \"OR\" \"NEAR(\"*");
        assert_eq!(fts_query("  * \" ( "), None);
    }
}
