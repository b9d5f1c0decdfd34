//! The Messenger's lists of conversations ([S3], [S4], [S7]): "From customers" and "My conversations",
//! by status, by assignee (`desk::assignment`'s views) and by label, with each row's unread count, and
//! the sections' badges. A conversation's columns and row mapping are `conversations`'.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::conversations::{COLS, Conversation, FROM, NCOLS, from_row, participants};
use super::users::User;
use crate::error::Result;

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
    /// Only conversations carrying this label.
    pub label: Option<i64>,
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

/// The statement `list` runs for `section`, filtered by a label or not. Both sections walk
/// `conversations_status_age` newest first and stop at the page's end (tests/list_plans.rs).
pub fn list_sql(section: Section, by_label: bool) -> String {
    [
        "SELECT ",
        COLS,
        ", ",
        UNREAD,
        ", EXISTS (SELECT 1 FROM follows f WHERE f.conversation_id = c.id AND f.user_id = ?1), ",
        MENTIONED,
        " FROM ",
        FROM,
        " LEFT JOIN read_state rs ON rs.conversation_id = c.id AND rs.user_id = ?1 WHERE ",
        section_sql(section),
        " AND c.status = ?3 AND (c.last_message_at, c.id) < (?4, ?5) AND (?6 = 0 OR ",
        HAS_UNREAD,
        ") AND (?8 = 0 OR (?8 = 1 AND c.assignee_id IS NULL) OR (?8 = 2 AND c.assignee_id = ?1)) ",
        // Filtered, the label's conversations drive the query (its index), not the section's.
        if by_label { "AND c.id IN (SELECT conversation_id FROM conversation_labels WHERE label_id = ?9)" } else { "AND ?9 IS NULL" },
        " ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?7",
    ]
    .concat()
}

pub fn list(conn: &Connection, user: &User, q: &ListQuery) -> Result<Vec<Row2>> {
    let (before_at, before_id) = q.before.unwrap_or((i64::MAX, i64::MAX));
    let sql = list_sql(q.section, q.label.is_some());
    let mut st = conn.prepare_cached(&sql)?;
    let p = params![
        user.id,
        user.sees_customers() as i64,
        q.status,
        before_at,
        before_id,
        q.unread_only as i64,
        q.limit,
        q.view as i64,
        q.label
    ];
    let rows = st.query_map(p, |r| {
        Ok(Row2 { conversation: from_row(r)?, unread: r.get(NCOLS)?, following: r.get(NCOLS + 1)?, mentioned: r.get(NCOLS + 2)? })
    })?;
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
