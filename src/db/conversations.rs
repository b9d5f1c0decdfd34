//! The `conversations`, `participants`, `follows` and `read_state` tables, and the visibility rule
//! that every list, fetch and event uses ([S3], [S4]). The lists themselves are in `conversation_lists`.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use super::messages::SystemLine;
use crate::error::Result;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Conversation {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub subject: String,
    pub customer_id: Option<i64>,
    pub customer_name: Option<String>,
    pub created_by: Option<i64>,
    pub last_seq: i64,
    pub last_message_at: i64,
    pub preview: String,
    /// The latest message was deleted: a list says so in the reader's language instead of `preview`.
    #[serde(default)]
    pub preview_deleted: bool,
    /// The latest message is a system line: a list says it from its code, in the reader's language.
    /// Always sent (`null` when not), so a client merging a newer copy over an older one drops it.
    #[serde(default)]
    pub preview_system: Option<SystemLine>,
    pub created_at: i64,
    pub participants: Vec<i64>,
    /// The ticket or task this conversation is linked to ([S8]).
    pub item: Option<ItemRef>,
    /// A live chat's one assignee, if any (`desk::assignment`).
    #[serde(default)]
    pub assignee_id: Option<i64>,
    /// The ids of the labels it carries (`GET /api/labels` names and colours them). Agents only.
    #[serde(default)]
    pub labels: Vec<i64>,
    /// How far the customer has read (a live chat's widget reports it): agents' "Seen".
    #[serde(default)]
    pub customer_seen_seq: i64,
    /// The latest message is a private note (agents' lists say so; customers never see `preview`).
    #[serde(default)]
    pub preview_note: bool,
}

/// What a conversation shows of its linked item: `Ticket #42 · title · status`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ItemRef {
    pub id: i64,
    pub number: i64,
    pub kind: String,
    pub title: String,
    pub status: String,
}

/// A conversation's columns (`from_row` reads them), from `FROM`; also for `conversation_lists`.
pub(super) const COLS: &str =
    "c.id, c.kind, c.status, c.subject, c.customer_id, cu.name, c.created_by, c.last_seq, c.last_message_at, c.preview, c.created_at,
    i.id, i.number, i.kind, i.title, i.status, lm.deleted_at IS NOT NULL, lm.system_code, lm.system_params, c.assignee_id,
    (SELECT json_group_array(cl.label_id) FROM conversation_labels cl WHERE cl.conversation_id = c.id), c.customer_seen_seq,
    COALESCE(lm.note, 0)";
/// The latest message (`lm`) is one lookup in the `(conversation_id, seq)` index.
pub(super) const FROM: &str = "conversations c LEFT JOIN customers cu ON cu.id = c.customer_id LEFT JOIN items i ON i.id = c.item_id
    LEFT JOIN messages lm ON lm.conversation_id = c.id AND lm.seq = c.last_seq";
/// How many columns `COLS` has: a query's own columns come after.
pub(super) const NCOLS: usize = 23;

pub(super) fn from_row(r: &Row) -> rusqlite::Result<Conversation> {
    Ok(Conversation {
        id: r.get(0)?,
        kind: r.get(1)?,
        status: r.get(2)?,
        subject: r.get(3)?,
        customer_id: r.get(4)?,
        customer_name: r.get(5)?,
        created_by: r.get(6)?,
        last_seq: r.get(7)?,
        last_message_at: r.get(8)?,
        preview: r.get(9)?,
        preview_deleted: r.get(16)?,
        preview_system: match r.get::<_, Option<String>>(17)? {
            Some(code) => Some(SystemLine::new(code, r.get::<_, Option<String>>(18)?.as_deref())),
            None => None,
        },
        created_at: r.get(10)?,
        participants: Vec::new(),
        item: match r.get::<_, Option<i64>>(11)? {
            Some(id) => Some(ItemRef { id, number: r.get(12)?, kind: r.get(13)?, title: r.get(14)?, status: r.get(15)? }),
            None => None,
        },
        assignee_id: r.get(19)?,
        labels: serde_json::from_str(&r.get::<_, String>(20)?).unwrap_or_default(),
        customer_seen_seq: r.get(21)?,
        preview_note: r.get(22)?,
    })
}

pub fn participants(conn: &Connection, id: i64) -> Result<Vec<i64>> {
    // Sorted here, not by `ORDER BY joined_at`: SQLite would set up a sorter for every conversation
    // read (most have one or two participants), which showed in the writer's profile.
    let mut st = conn.prepare_cached("SELECT user_id, joined_at FROM participants WHERE conversation_id = ?1")?;
    let mut rows = st.query_map([id], |r| Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(0)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
    rows.sort_unstable();
    Ok(rows.into_iter().map(|(_, user)| user).collect())
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Conversation>> {
    let c = conn.prepare_cached(&["SELECT ", COLS, " FROM ", FROM, " WHERE c.id = ?1"].concat())?.query_row([id], from_row).optional()?;
    match c {
        Some(mut c) => {
            c.participants = participants(conn, id)?;
            Ok(Some(c))
        }
        None => Ok(None),
    }
}

/// The customer's most recent conversation (open or closed).
pub fn latest_for_customer(conn: &Connection, customer_id: i64) -> Result<Option<Conversation>> {
    // On the hot path of every customer message: the row in one query (not id, then row), then its
    // participants. The open one, if any, is the answer, and the one-open-chat index finds it without
    // the sort the general order needs (a temporary b-tree per message, measured with callgrind).
    let open = conn
        .prepare_cached(
            &["SELECT ", COLS, " FROM ", FROM, " WHERE c.customer_id = ?1 AND c.kind = 'live_chat' AND c.status = 'open'"].concat(),
        )?
        .query_row([customer_id], from_row)
        .optional()?;
    let c = match open {
        Some(c) => Some(c),
        None => conn
            .prepare_cached(
                &[
                    "SELECT ",
                    COLS,
                    " FROM ",
                    FROM,
                    " WHERE c.customer_id = ?1 ORDER BY c.status = 'open' DESC, c.last_message_at DESC, c.id DESC LIMIT 1",
                ]
                .concat(),
            )?
            .query_row([customer_id], from_row)
            .optional()?,
    };
    match c {
        Some(mut c) => {
            c.participants = participants(conn, c.id)?;
            Ok(Some(c))
        }
        None => Ok(None),
    }
}

pub fn for_customer(conn: &Connection, customer_id: i64) -> Result<Vec<Conversation>> {
    let mut st = conn.prepare_cached(
        &["SELECT ", COLS, " FROM ", FROM, " WHERE c.customer_id = ?1 ORDER BY c.last_message_at DESC LIMIT 50"].concat(),
    )?;
    Ok(st.query_map([customer_id], from_row)?.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn insert(conn: &Connection, kind: &str, customer_id: Option<i64>, created_by: Option<i64>, subject: &str) -> Result<i64> {
    let now = super::now_ms();
    conn.prepare_cached(
        "INSERT INTO conversations (kind, customer_id, created_by, subject, last_message_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
    )?
    .execute(params![kind, customer_id, created_by, subject, now])?;
    Ok(conn.last_insert_rowid())
}

pub fn add_participant(conn: &Connection, id: i64, user_id: i64) -> Result<bool> {
    let n = conn
        .prepare_cached("INSERT OR IGNORE INTO participants (conversation_id, user_id, joined_at) VALUES (?1, ?2, ?3)")?
        .execute(params![id, user_id, super::now_ms()])?;
    Ok(n > 0)
}

/// Take the next message sequence number and record the message as the latest.
pub fn next_seq(conn: &Connection, id: i64, preview: &str, at: i64) -> Result<i64> {
    let preview: String = preview.chars().take(140).collect();
    // Two statements rather than `RETURNING`, which builds a temporary b-tree for its one value
    // (measured with callgrind: most of this function's cost).
    conn.prepare_cached("UPDATE conversations SET last_seq = last_seq + 1, last_message_at = ?2, preview = ?3 WHERE id = ?1")?
        .execute(params![id, at, preview])?;
    Ok(conn.prepare_cached("SELECT last_seq FROM conversations WHERE id = ?1")?.query_row([id], |r| r.get(0))?)
}

/// Open or close; fails with a unique-constraint error if it would give a customer two open chats.
pub fn set_status(conn: &Connection, id: i64, status: &str) -> rusqlite::Result<usize> {
    conn.prepare_cached("UPDATE conversations SET status = ?2 WHERE id = ?1")?.execute(params![id, status])
}

pub fn set_preview(conn: &Connection, id: i64, preview: &str) -> Result<()> {
    conn.prepare_cached("UPDATE conversations SET preview = ?2 WHERE id = ?1")?
        .execute(params![id, preview.chars().take(140).collect::<String>()])?;
    Ok(())
}

pub fn mark_read(conn: &Connection, user_id: i64, id: i64, seq: i64) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO read_state (user_id, conversation_id, last_read_seq) VALUES (?1, ?2, ?3)
             ON CONFLICT (user_id, conversation_id) DO UPDATE SET last_read_seq = max(last_read_seq, excluded.last_read_seq)
             RETURNING last_read_seq",
        )?
        .query_row(params![user_id, id, seq], |r| r.get(0))?)
}

/// The customer has read conversation `id` up to `seq` (never past its last message, never back):
/// the new mark if it moved, else `None`.
pub fn set_customer_seen(conn: &Connection, id: i64, seq: i64) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "UPDATE conversations SET customer_seen_seq = min(?2, last_seq) WHERE id = ?1 AND customer_seen_seq < min(?2, last_seq)
             RETURNING customer_seen_seq",
        )?
        .query_row(params![id, seq], |r| r.get(0))
        .optional()?)
}

pub fn last_read(conn: &Connection, user_id: i64, id: i64) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT last_read_seq FROM read_state WHERE user_id = ?1 AND conversation_id = ?2")?
        .query_row(params![user_id, id], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

pub fn set_follow(conn: &Connection, user_id: i64, id: i64, follow: bool) -> Result<()> {
    if follow {
        conn.execute(
            "INSERT OR IGNORE INTO follows (user_id, conversation_id, created_at) VALUES (?1, ?2, ?3)",
            params![user_id, id, super::now_ms()],
        )?;
    } else {
        conn.execute("DELETE FROM follows WHERE user_id = ?1 AND conversation_id = ?2", params![user_id, id])?;
    }
    Ok(())
}

pub fn follows(conn: &Connection, user_id: i64, id: i64) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM follows WHERE user_id = ?1 AND conversation_id = ?2)", params![user_id, id], |r| {
        r.get(0)
    })?)
}

/// Keep the search index row of a conversation (subject, customer name and email) current.
pub fn reindex(conn: &Connection, id: i64) -> Result<()> {
    conn.execute("DELETE FROM conversations_fts WHERE rowid = ?1", [id])?;
    conn.execute(
        "INSERT INTO conversations_fts (rowid, subject, name, email)
         SELECT c.id, c.subject, COALESCE(cu.name, ''), COALESCE(cu.email, '') FROM conversations c LEFT JOIN customers cu ON cu.id = c.customer_id WHERE c.id = ?1",
        [id],
    )?;
    Ok(())
}

/// Ids of conversations `user` may see among `ids` (for search results).
pub fn visible_filter_sql() -> &'static str {
    "((c.kind = 'live_chat' AND ?2 = 1) OR (c.kind = 'team' AND EXISTS (SELECT 1 FROM participants p WHERE p.conversation_id = c.id AND p.user_id = ?1)))"
}
