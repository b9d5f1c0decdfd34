//! What email needs besides the outbox: the desk's own secrets, how far a conversation was mailed,
//! a customer's "stop these emails", and replies fetched over IMAP (`inbound_mail`).

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::Result;

/// The secret named `name`, made with `make` the first time it is needed (in this transaction).
pub fn secret(conn: &Connection, name: &str, make: impl FnOnce() -> String) -> Result<String> {
    if let Some(v) = conn.prepare_cached("SELECT value FROM desk_secrets WHERE name = ?1")?.query_row([name], |r| r.get(0)).optional()? {
        return Ok(v);
    }
    let v = make();
    conn.execute("INSERT INTO desk_secrets (name, value) VALUES (?1, ?2)", params![name, v])?;
    Ok(v)
}

/// A secret if it was ever made (readers never create one).
pub fn secret_if_made(conn: &Connection, name: &str) -> Result<Option<String>> {
    Ok(conn.prepare_cached("SELECT value FROM desk_secrets WHERE name = ?1")?.query_row([name], |r| r.get(0)).optional()?)
}

/// (customer_seen_seq, mailed_seq) of a conversation.
pub fn marks(conn: &Connection, conversation_id: i64) -> Result<(i64, i64)> {
    Ok(conn.query_row("SELECT customer_seen_seq, mailed_seq FROM conversations WHERE id = ?1", [conversation_id], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?)
}

pub fn set_mailed(conn: &Connection, conversation_id: i64, seq: i64) -> Result<()> {
    conn.execute("UPDATE conversations SET mailed_seq = MAX(mailed_seq, ?2) WHERE id = ?1", params![conversation_id, seq])?;
    Ok(())
}

pub fn opted_out(conn: &Connection, customer_id: i64) -> Result<bool> {
    Ok(conn.query_row("SELECT email_optout FROM customers WHERE id = ?1", [customer_id], |r| r.get(0)).optional()?.unwrap_or(false))
}

pub fn set_optout(conn: &Connection, customer_id: i64, on: bool) -> Result<bool> {
    Ok(conn.execute("UPDATE customers SET email_optout = ?2 WHERE id = ?1 AND email_optout != ?2", params![customer_id, on])? == 1)
}

/// A fetched reply.
#[derive(Clone, Debug, Serialize)]
pub struct Inbound {
    pub id: i64,
    pub message_id: String,
    pub conversation_id: i64,
    pub from_addr: String,
    pub subject: String,
    pub body: String,
    pub state: String,
    pub received_at: i64,
}

pub struct NewInbound<'a> {
    pub message_id: &'a str,
    pub conversation_id: i64,
    pub from_addr: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub state: &'a str,
    pub at: i64,
}

/// Record a fetched mail; `None` if this Message-ID was already recorded (fetched twice).
pub fn insert_inbound(conn: &Connection, m: &NewInbound<'_>) -> Result<Option<i64>> {
    let n = conn.execute(
        "INSERT INTO inbound_mail (message_id, conversation_id, from_addr, subject, body, state, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (message_id) DO NOTHING",
        params![m.message_id, m.conversation_id, m.from_addr, m.subject, m.body, m.state, m.at],
    )?;
    Ok((n == 1).then(|| conn.last_insert_rowid()))
}

pub fn seen_message_id(conn: &Connection, message_id: &str) -> Result<bool> {
    Ok(conn.query_row("SELECT 1 FROM inbound_mail WHERE message_id = ?1", [message_id], |_| Ok(())).optional()?.is_some())
}

pub fn set_inbound_state(conn: &Connection, id: i64, state: &str, message_row: Option<i64>, by: Option<i64>) -> Result<()> {
    conn.execute(
        "UPDATE inbound_mail SET state = ?2, message_row = ?3, decided_by = ?4 WHERE id = ?1",
        params![id, state, message_row, by],
    )?;
    Ok(())
}

macro_rules! cols {
    () => {
        "id, message_id, conversation_id, from_addr, subject, body, state, received_at"
    };
}

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Inbound> {
    Ok(Inbound {
        id: r.get(0)?,
        message_id: r.get(1)?,
        conversation_id: r.get(2)?,
        from_addr: r.get(3)?,
        subject: r.get(4)?,
        body: r.get(5)?,
        state: r.get(6)?,
        received_at: r.get(7)?,
    })
}

pub fn inbound(conn: &Connection, id: i64) -> Result<Option<Inbound>> {
    Ok(conn.query_row(concat!("SELECT ", cols!(), " FROM inbound_mail WHERE id = ?1"), [id], from_row).optional()?)
}

/// Held replies, oldest first.
pub fn held(conn: &Connection, limit: i64) -> Result<Vec<Inbound>> {
    let mut st = conn.prepare(concat!("SELECT ", cols!(), " FROM inbound_mail WHERE state = 'held' ORDER BY received_at LIMIT ?1"))?;
    let rows = st.query_map([limit], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Agents with an email who are customer-support agents or admins, and active: (id, name, email, language).
pub fn support_agents(conn: &Connection) -> Result<Vec<(i64, String, String, String)>> {
    let mut st = conn.prepare(
        "SELECT id, name, email, COALESCE(json_extract(prefs, '$.language'), '') FROM users
         WHERE active = 1 AND (role = 'admin' OR customer_support = 1) ORDER BY id",
    )?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The seq of the customer message a live chat has been waiting on since (the latest non-note
/// message is the customer's), or `None` if an agent (or a system line) spoke last.
pub fn waiting_seq(conn: &Connection, conversation_id: i64) -> Result<Option<i64>> {
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, author_kind FROM messages WHERE conversation_id = ?1 AND note = 0 AND author_kind <> 'system'
             ORDER BY seq DESC LIMIT 1",
            [conversation_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(last.filter(|(_, k)| k == "customer").map(|(s, _)| s))
}

/// Open live chats whose customer has waited since before `before` (Unix ms) with no reply:
/// (conversation, seq of the customer's message).
pub fn waiting_since_before(conn: &Connection, before: i64) -> Result<Vec<(i64, i64)>> {
    let mut st = conn.prepare(
        "SELECT c.id, m.seq FROM conversations c JOIN messages m ON m.conversation_id = c.id AND m.seq = (
             SELECT MAX(seq) FROM messages x WHERE x.conversation_id = c.id AND x.note = 0 AND x.author_kind <> 'system')
         WHERE c.kind = 'live_chat' AND c.status = 'open' AND m.author_kind = 'customer' AND m.created_at <= ?1
         ORDER BY c.id LIMIT 200",
    )?;
    let rows = st.query_map([before], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
