//! The `conversations`, `participants`, `follows` and `read_state` tables, and the visibility rule
//! that every list, fetch and event uses ([S3], [S4]).

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use super::messages::SystemLine;
use super::users::User;
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

const COLS: &str =
    "c.id, c.kind, c.status, c.subject, c.customer_id, cu.name, c.created_by, c.last_seq, c.last_message_at, c.preview, c.created_at,
    i.id, i.number, i.kind, i.title, i.status, lm.deleted_at IS NOT NULL, lm.system_code, lm.system_params, c.assignee_id,
    COALESCE(lm.note, 0)";
/// The latest message (`lm`) is one lookup in the `(conversation_id, seq)` index.
const FROM: &str = "conversations c LEFT JOIN customers cu ON cu.id = c.customer_id LEFT JOIN items i ON i.id = c.item_id
    LEFT JOIN messages lm ON lm.conversation_id = c.id AND lm.seq = c.last_seq";
/// How many columns `COLS` has: a query's own columns come after.
const NCOLS: usize = 21;

fn from_row(r: &Row) -> rusqlite::Result<Conversation> {
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
        preview_note: r.get(20)?,
    })
}

pub fn participants(conn: &Connection, id: i64) -> Result<Vec<i64>> {
    let mut st = conn.prepare_cached("SELECT user_id FROM participants WHERE conversation_id = ?1 ORDER BY joined_at")?;
    Ok(st.query_map([id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<i64>>>()?)
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
    // participants.
    let c = conn
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
        .optional()?;
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
    Ok(conn
        .prepare_cached(
            "UPDATE conversations SET last_seq = last_seq + 1, last_message_at = ?2, preview = ?3 WHERE id = ?1 RETURNING last_seq",
        )?
        .query_row(params![id, at, preview], |r| r.get(0))?)
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

/// A list row: the conversation plus this user's unread count and follow flag.
#[derive(Serialize)]
pub struct Row2 {
    #[serde(flatten)]
    pub conversation: Conversation,
    pub unread: i64,
    pub following: bool,
    /// Someone mentioned me in it after my read mark (`desk::mentions`): the list marks it.
    pub mentioned: bool,
}

/// Which list: "From customers" or "My conversations".
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Section {
    Customers,
    Mine,
}

pub struct ListQuery {
    pub section: Section,
    pub status: String,
    pub unread_only: bool,
    /// Keyset cursor: (last_message_at, id) of the last row of the previous page.
    pub before: Option<(i64, i64)>,
    pub limit: i64,
    /// Which of "From customers"' views (`desk::assignment`): everything, or by assignee.
    pub view: View,
}

/// A view of "From customers" by assignee.
#[derive(Clone, Copy, PartialEq, Debug, Default)]
pub enum View {
    #[default]
    All = 0,
    Unassigned = 1,
    /// Assigned to the reader.
    Mine = 2,
}

/// SQL condition (on alias `c`, user id ?1) for a section. Team conversations need membership;
/// live chats need the customer-support flag, which the caller checks (`support` = 1 or 0 in ?2).
const MINE: &str = "((c.kind = 'team' AND EXISTS (SELECT 1 FROM participants p WHERE p.conversation_id = c.id AND p.user_id = ?1))
     OR (c.kind = 'live_chat' AND ?2 = 1 AND (c.created_by = ?1 OR c.assignee_id = ?1
         OR EXISTS (SELECT 1 FROM participants p WHERE p.conversation_id = c.id AND p.user_id = ?1)
         OR EXISTS (SELECT 1 FROM follows f WHERE f.conversation_id = c.id AND f.user_id = ?1)
         OR EXISTS (SELECT 1 FROM items it WHERE it.id = c.item_id AND (it.created_by = ?1
             OR EXISTS (SELECT 1 FROM item_assignees ia WHERE ia.item_id = it.id AND ia.user_id = ?1)
             OR EXISTS (SELECT 1 FROM item_followers ifo WHERE ifo.item_id = it.id AND ifo.user_id = ?1))))))";
const CUSTOMERS: &str = "(c.kind = 'live_chat' AND ?2 = 1)";

fn section_sql(s: Section) -> &'static str {
    match s {
        Section::Customers => CUSTOMERS,
        Section::Mine => MINE,
    }
}

/// What user ?1 has not read in `c` (with their read mark `rs`): messages after the mark from someone
/// else, system lines not counted ([S7]). Own messages are behind the mark anyway (posting marks
/// read). At most the first 100 messages after the mark are looked at (one range of the
/// `(conversation_id, seq)` index); any beyond those count without being looked at, so a list stays
/// cheap however long a conversation nobody read (its badge says 99+ either way).
const UNREAD: &str = "((SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id
        AND m.seq > COALESCE(rs.last_read_seq, 0) AND m.seq <= COALESCE(rs.last_read_seq, 0) + 100
        AND m.author_kind <> 'system' AND NOT (m.author_kind = 'user' AND m.author_id IS ?1))
    + MAX(c.last_seq - COALESCE(rs.last_read_seq, 0) - 100, 0))";
/// Whether `c` has anything unread for user ?1 (the rule of `UNREAD`); stops at the first such message.
const HAS_UNREAD: &str = "(c.last_seq > COALESCE(rs.last_read_seq, 0) AND EXISTS (SELECT 1 FROM messages m
        WHERE m.conversation_id = c.id AND m.seq > COALESCE(rs.last_read_seq, 0)
        AND m.author_kind <> 'system' AND NOT (m.author_kind = 'user' AND m.author_id IS ?1)))";

/// Whether user ?1 was mentioned in `c` after their read mark `rs` (one range of `mentions_user`).
const MENTIONED: &str = "EXISTS (SELECT 1 FROM mentions mn WHERE mn.user_id = ?1 AND mn.conversation_id = c.id
        AND mn.seq > COALESCE(rs.last_read_seq, 0))";

pub fn list(conn: &Connection, user: &User, q: &ListQuery) -> Result<Vec<Row2>> {
    let (before_at, before_id) = q.before.unwrap_or((i64::MAX, i64::MAX));
    let sql = [
        "SELECT ",
        COLS,
        ", ",
        UNREAD,
        ", EXISTS (SELECT 1 FROM follows f WHERE f.conversation_id = c.id AND f.user_id = ?1), ",
        MENTIONED,
        " FROM ",
        FROM,
        " LEFT JOIN read_state rs ON rs.conversation_id = c.id AND rs.user_id = ?1 WHERE ",
        section_sql(q.section),
        " AND c.status = ?3 AND (c.last_message_at, c.id) < (?4, ?5) AND (?6 = 0 OR ",
        HAS_UNREAD,
        ") AND (?8 = 0 OR (?8 = 1 AND c.assignee_id IS NULL) OR (?8 = 2 AND c.assignee_id = ?1))
         ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?7",
    ]
    .concat();
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map(
        params![user.id, user.sees_customers() as i64, q.status, before_at, before_id, q.unread_only as i64, q.limit, q.view as i64],
        |r| Ok(Row2 { conversation: from_row(r)?, unread: r.get(NCOLS)?, following: r.get(NCOLS + 1)?, mentioned: r.get(NCOLS + 2)? }),
    )?;
    let mut out = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    for row in &mut out {
        row.conversation.participants = participants(conn, row.conversation.id)?;
    }
    Ok(out)
}

/// How many messages `user_id` has not read in conversation `id` with a read mark at `mark` (the
/// rule lists use).
pub fn unread(conn: &Connection, user_id: i64, id: i64, mark: i64) -> Result<i64> {
    let sql = ["SELECT ", UNREAD, " FROM conversations c, (SELECT ?2 AS last_read_seq) rs WHERE c.id = ?3"].concat();
    Ok(conn.prepare_cached(&sql)?.query_row(params![user_id, mark, id], |r| r.get(0)).optional()?.unwrap_or(0))
}

/// Open/closed counts and unread conversations per section, for the badges.
pub fn counts(conn: &Connection, user: &User, section: Section) -> Result<serde_json::Value> {
    let sql = [
        "SELECT COUNT(*) FILTER (WHERE c.status = 'open'), COUNT(*) FILTER (WHERE c.status = 'closed'),
                COUNT(*) FILTER (WHERE ",
        HAS_UNREAD,
        ") FROM conversations c LEFT JOIN read_state rs ON rs.conversation_id = c.id AND rs.user_id = ?1 WHERE ",
        section_sql(section),
    ]
    .concat();
    let (open, closed, unread): (i64, i64, i64) =
        conn.prepare_cached(&sql)?.query_row(params![user.id, user.sees_customers() as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(serde_json::json!({"open": open, "closed": closed, "unread": unread}))
}

/// Ids of conversations `user` may see among `ids` (for search results).
pub fn visible_filter_sql() -> &'static str {
    "((c.kind = 'live_chat' AND ?2 = 1) OR (c.kind = 'team' AND EXISTS (SELECT 1 FROM participants p WHERE p.conversation_id = c.id AND p.user_id = ?1)))"
}
