//! The `items` table (tickets and tasks) with assignees, followers, activity and conversation links.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use crate::error::{Error, Result};

pub const STATUSES: [&str; 6] = ["new", "open", "in_progress", "waiting", "resolved", "closed"];
pub const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];

#[derive(Clone, Debug, Serialize)]
pub struct Item {
    pub id: i64,
    pub number: i64,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub status: String,
    pub priority: String,
    pub requester_id: Option<i64>,
    pub requester_name: Option<String>,
    pub created_by: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub assignees: Vec<i64>,
    pub followers: Vec<i64>,
    /// Linked conversations: (id, kind). Callers filter what a user may see.
    pub conversations: Vec<(i64, String)>,
}

impl Item {
    /// Customer-facing work (a requester, or a linked live chat) is for customer-support agents and
    /// admins only; otherwise every agent may see it, unless it links a team conversation they are
    /// not in. The same rule guards the item's description (which may hold a transcript).
    pub fn customer_facing(&self) -> bool {
        self.requester_id.is_some() || self.conversations.iter().any(|(_, k)| k == "live_chat")
    }
}

const COLS: &str = "i.id, i.number, i.kind, i.title, i.description, i.status, i.priority, i.requester_id, cu.name, i.created_by, i.created_at, i.updated_at";
const FROM: &str = " FROM items i LEFT JOIN customers cu ON cu.id = i.requester_id ";

fn from_row(r: &Row) -> rusqlite::Result<Item> {
    Ok(Item {
        id: r.get(0)?,
        number: r.get(1)?,
        kind: r.get(2)?,
        title: r.get(3)?,
        description: r.get(4)?,
        status: r.get(5)?,
        priority: r.get(6)?,
        requester_id: r.get(7)?,
        requester_name: r.get(8)?,
        created_by: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
        assignees: Vec::new(),
        followers: Vec::new(),
        conversations: Vec::new(),
    })
}

fn ids(conn: &Connection, sql: &str, id: i64) -> Result<Vec<i64>> {
    let mut st = conn.prepare_cached(sql)?;
    Ok(st.query_map([id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<i64>>>()?)
}

fn fill(conn: &Connection, mut it: Item) -> Result<Item> {
    it.assignees = ids(conn, "SELECT user_id FROM item_assignees WHERE item_id = ?1 ORDER BY user_id", it.id)?;
    it.followers = ids(conn, "SELECT user_id FROM item_followers WHERE item_id = ?1 ORDER BY user_id", it.id)?;
    let mut st = conn.prepare_cached("SELECT id, kind FROM conversations WHERE item_id = ?1 ORDER BY id")?;
    it.conversations = st.query_map([it.id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(it)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Item>> {
    let it = conn.prepare_cached(&["SELECT ", COLS, FROM, "WHERE i.id = ?1"].concat())?.query_row([id], from_row).optional()?;
    it.map(|it| fill(conn, it)).transpose()
}

pub fn id_by_number(conn: &Connection, number: i64) -> Result<Option<i64>> {
    Ok(conn.prepare_cached("SELECT id FROM items WHERE number = ?1")?.query_row([number], |r| r.get(0)).optional()?)
}

pub struct NewItem<'a> {
    pub kind: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub status: &'a str,
    pub priority: &'a str,
    pub requester_id: Option<i64>,
    pub created_by: i64,
}

/// Insert with the next number. Numbers never repeat: they are taken inside the single writer's
/// transaction, and the UNIQUE constraint backs that up.
pub fn insert(conn: &Connection, n: &NewItem) -> Result<i64> {
    let now = super::now_ms();
    conn.prepare_cached(
        "INSERT INTO items (number, kind, title, description, status, priority, requester_id, created_by, created_at, updated_at)
         VALUES ((SELECT COALESCE(MAX(number), 0) + 1 FROM items), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
    )?
    .execute(params![n.kind, n.title, n.description, n.status, n.priority, n.requester_id, n.created_by, now])?;
    Ok(conn.last_insert_rowid())
}

/// Set one text field (title, description, status, priority) by name.
pub fn set_field(conn: &Connection, id: i64, field: &str, value: &str) -> Result<()> {
    let sql = match field {
        "title" => "UPDATE items SET title = ?2, updated_at = ?3 WHERE id = ?1",
        "description" => "UPDATE items SET description = ?2, updated_at = ?3 WHERE id = ?1",
        "status" => "UPDATE items SET status = ?2, updated_at = ?3 WHERE id = ?1",
        "priority" => "UPDATE items SET priority = ?2, updated_at = ?3 WHERE id = ?1",
        _ => return Err(Error::internal(format!("unknown item field {field}"))),
    };
    conn.prepare_cached(sql)?.execute(params![id, value, super::now_ms()])?;
    Ok(())
}

/// Replace the assignee or follower set (`table` is `item_assignees` or `item_followers`).
pub fn set_people(conn: &Connection, id: i64, followers: bool, users: &[i64]) -> Result<()> {
    let (del, ins) = if followers {
        ("DELETE FROM item_followers WHERE item_id = ?1", "INSERT OR IGNORE INTO item_followers (item_id, user_id) VALUES (?1, ?2)")
    } else {
        ("DELETE FROM item_assignees WHERE item_id = ?1", "INSERT OR IGNORE INTO item_assignees (item_id, user_id) VALUES (?1, ?2)")
    };
    conn.prepare_cached(del)?.execute([id])?;
    for u in users {
        conn.prepare_cached(ins)?.execute(params![id, u])?;
    }
    conn.prepare_cached("UPDATE items SET updated_at = ?2 WHERE id = ?1")?.execute(params![id, super::now_ms()])?;
    Ok(())
}

pub fn follow(conn: &Connection, id: i64, user: i64, on: bool) -> Result<()> {
    if on {
        conn.execute("INSERT OR IGNORE INTO item_followers (item_id, user_id) VALUES (?1, ?2)", params![id, user])?;
    } else {
        conn.execute("DELETE FROM item_followers WHERE item_id = ?1 AND user_id = ?2", params![id, user])?;
    }
    Ok(())
}

pub fn log(conn: &Connection, id: i64, user: Option<i64>, action: &str, old: Option<&str>, new: Option<&str>) -> Result<()> {
    conn.prepare_cached("INSERT INTO item_activity (item_id, at, user_id, action, old_value, new_value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
        .execute(params![id, super::now_ms(), user, action, old, new])?;
    Ok(())
}

#[derive(Serialize)]
pub struct Activity {
    pub at: i64,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    pub action: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

pub fn activity(conn: &Connection, id: i64) -> Result<Vec<Activity>> {
    let mut st = conn.prepare_cached(
        "SELECT a.at, a.user_id, u.name, a.action, a.old_value, a.new_value FROM item_activity a LEFT JOIN users u ON u.id = a.user_id
         WHERE a.item_id = ?1 ORDER BY a.id",
    )?;
    Ok(st
        .query_map([id], |r| {
            Ok(Activity {
                at: r.get(0)?,
                user_id: r.get(1)?,
                user_name: r.get(2)?,
                action: r.get(3)?,
                old_value: r.get(4)?,
                new_value: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn link(conn: &Connection, conversation_id: i64, item_id: Option<i64>) -> Result<()> {
    conn.prepare_cached("UPDATE conversations SET item_id = ?2 WHERE id = ?1")?.execute(params![conversation_id, item_id])?;
    Ok(())
}

pub struct ListQuery {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub assignee: Option<i64>,
    /// An FTS query (already quoted) or a number.
    pub fts: Option<String>,
    pub number: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// Items matching the filters, newest first. The caller filters by visibility.
pub fn list(conn: &Connection, q: &ListQuery) -> Result<Vec<Item>> {
    let sql = [
        "SELECT ",
        COLS,
        FROM,
        "WHERE (?1 IS NULL OR i.kind = ?1) AND (?2 IS NULL OR i.status = ?2)
           AND (?3 IS NULL OR EXISTS (SELECT 1 FROM item_assignees a WHERE a.item_id = i.id AND a.user_id = ?3))
           AND (?4 IS NULL OR i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?4) OR i.number = ?5)
           AND (?5 IS NULL OR ?4 IS NOT NULL OR i.number = ?5)
         ORDER BY i.updated_at DESC, i.id DESC LIMIT ?6 OFFSET ?7",
    ]
    .concat();
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map(params![q.kind, q.status, q.assignee, q.fts, q.number, q.limit, q.offset], from_row)?;
    let items = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    items.into_iter().map(|it| fill(conn, it)).collect()
}
