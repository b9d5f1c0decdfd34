//! The `events` table: the durable, ordered log that resume reads, and who may see each event.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// Who may receive an event. Checked identically for live pushes and for resume.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Audience {
    /// A live chat: customer-support agents and admins, and the customer when `customer` is set.
    Support { customer: Option<i64> },
    /// Exactly these agents (team conversation members, or one user's own state).
    Users { ids: Vec<i64> },
    /// Every agent.
    Agents,
    /// Every agent and every customer (help-desk status, widget settings).
    Everyone,
    /// One customer only (e.g. "seen" marks in the widget).
    Customer { id: i64 },
}

/// Who is asking: an agent (with the flags that decide visibility) or a customer.
#[derive(Clone, Debug, PartialEq)]
pub enum Viewer {
    Agent { user_id: i64, support: bool },
    Customer { customer_id: i64 },
}

impl Audience {
    pub fn admits(&self, v: &Viewer) -> bool {
        match (self, v) {
            (Audience::Everyone, _) => true,
            (Audience::Agents, Viewer::Agent { .. }) => true,
            (Audience::Support { .. }, Viewer::Agent { support, .. }) => *support,
            (Audience::Support { customer: Some(c) }, Viewer::Customer { customer_id }) => c == customer_id,
            (Audience::Users { ids }, Viewer::Agent { user_id, .. }) => ids.contains(user_id),
            (Audience::Customer { id }, Viewer::Customer { customer_id }) => id == customer_id,
            _ => false,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Event {
    pub id: i64,
    pub kind: String,
    pub conversation_id: Option<i64>,
    pub audience: Audience,
    /// The event's data, serialized once, shared by the database row and every socket's frame.
    pub payload: String,
}

impl Event {
    /// The frame sent to clients: `{"type", "pos", "data"}`.
    pub fn frame(&self) -> String {
        // `kind` is one of our own event names: no escaping needed, but keep it honest.
        let kind = serde_json::to_string(&self.kind).unwrap_or_default();
        format!("{{\"type\":{kind},\"pos\":{},\"data\":{}}}", self.id, self.payload)
    }
}

impl Audience {
    /// The one customer this audience includes, if any (indexed, for customers' resume).
    fn customer(&self) -> Option<i64> {
        match self {
            Audience::Support { customer } => *customer,
            Audience::Customer { id } => Some(*id),
            _ => None,
        }
    }
}

/// Insert an event whose data is already serialized (`payload`, a JSON object).
pub fn insert(conn: &Connection, kind: &str, conversation_id: Option<i64>, audience: Audience, payload: String) -> Result<Event> {
    conn.prepare_cached(
        "INSERT INTO events (created_at, kind, conversation_id, audience, payload, customer_id, everyone) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        super::now_ms(),
        kind,
        conversation_id,
        serde_json::to_string(&audience)?,
        payload,
        audience.customer(),
        audience == Audience::Everyone
    ])?;
    Ok(Event { id: conn.last_insert_rowid(), kind: kind.to_string(), conversation_id, audience, payload })
}

pub fn last_id(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT COALESCE(MAX(id), 0) FROM events", [], |r| r.get(0))?)
}

pub fn first_id(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT COALESCE(MIN(id), 0) FROM events", [], |r| r.get(0))?)
}

/// Events after `pos`, oldest first, at most `limit` (visible or not: the caller filters).
pub fn after(conn: &Connection, pos: i64, limit: i64) -> Result<Vec<Event>> {
    let mut st =
        conn.prepare_cached("SELECT id, kind, conversation_id, audience, payload FROM events WHERE id > ?1 ORDER BY id LIMIT ?2")?;
    let rows = st.query_map(params![pos, limit], event_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Events after `pos` that customer `customer_id` receives (theirs and everyone's), oldest first.
pub fn after_for_customer(conn: &Connection, pos: i64, customer_id: i64, limit: i64) -> Result<Vec<Event>> {
    let mut st = conn.prepare_cached(
        "SELECT id, kind, conversation_id, audience, payload FROM events WHERE id > ?1 AND customer_id = ?2
         UNION ALL SELECT id, kind, conversation_id, audience, payload FROM events WHERE id > ?1 AND everyone = 1
         ORDER BY 1 LIMIT ?3",
    )?;
    let rows = st.query_map(params![pos, customer_id, limit], event_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn event_row(r: &rusqlite::Row) -> rusqlite::Result<Event> {
    let aud: String = r.get(3)?;
    let payload: String = r.get(4)?;
    Ok(Event {
        id: r.get(0)?,
        kind: r.get(1)?,
        conversation_id: r.get(2)?,
        audience: serde_json::from_str(&aud).unwrap_or(Audience::Users { ids: vec![] }),
        payload,
    })
}

/// Forget events older than `before_ms`; resume from before that answers "reload".
pub fn prune(conn: &Connection, before_ms: i64) -> Result<usize> {
    Ok(conn.execute("DELETE FROM events WHERE created_at < ?1 AND id < (SELECT MAX(id) FROM events)", params![before_ms])?)
}
