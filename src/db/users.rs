//! The `users` table: agents and admins.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use crate::error::{Error, Result};

#[derive(Clone, Debug, Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub customer_support: bool,
    pub active: bool,
    pub prefs: serde_json::Value,
    pub created_at: i64,
    pub last_seen_at: Option<i64>,
    /// Chosen by the agent: `online` or `away` (`desk::assignment`); written only by its own setter.
    pub availability: String,
    /// `person`, or `bot`: a desk token's own identity (never signs in, not a teammate).
    pub kind: String,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.role == "admin"
    }
    /// May see "From customers" (live chats): customer-support agents and admins ([S3]).
    pub fn sees_customers(&self) -> bool {
        self.customer_support || self.is_admin()
    }
    /// A desk token's identity rather than a person.
    pub fn is_bot(&self) -> bool {
        self.kind == "bot"
    }
}

const COLS: &str = "id, email, name, role, customer_support, active, prefs, created_at, last_seen_at, availability, kind";

fn from_row(r: &Row) -> rusqlite::Result<User> {
    let prefs: String = r.get(6)?;
    Ok(User {
        id: r.get(0)?,
        email: r.get(1)?,
        name: r.get(2)?,
        role: r.get(3)?,
        customer_support: r.get(4)?,
        active: r.get(5)?,
        prefs: serde_json::from_str(&prefs).unwrap_or_default(),
        created_at: r.get(7)?,
        last_seen_at: r.get(8)?,
        availability: r.get(9)?,
        kind: r.get(10)?,
    })
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<User>> {
    Ok(conn.prepare_cached(&["SELECT ", COLS, " FROM users WHERE id = ?1"].concat())?.query_row([id], from_row).optional()?)
}

/// The user and their password hash, by email (case-insensitive).
pub fn by_email(conn: &Connection, email: &str) -> Result<Option<(User, String)>> {
    Ok(conn
        .prepare_cached(&["SELECT ", COLS, ", password_hash FROM users WHERE email = ?1"].concat())?
        .query_row([email.trim()], |r| Ok((from_row(r)?, r.get(11)?)))
        .optional()?)
}

/// Every person (not desk tokens' bots), active first. `last_seen_at` is the later of the stored time and the last use of any of
/// their sessions (sessions used before `touch` was kept up to date still count).
pub fn list(conn: &Connection) -> Result<Vec<User>> {
    const SEEN: &str = "NULLIF(MAX(COALESCE(last_seen_at, 0), \
                        COALESCE((SELECT MAX(s.last_used_at) FROM sessions s WHERE s.user_id = users.id), 0)), 0)";
    let cols = COLS.replace("last_seen_at", SEEN);
    let mut st =
        conn.prepare_cached(&["SELECT ", &cols, " FROM users WHERE kind = 'person' ORDER BY active DESC, name COLLATE NOCASE"].concat())?;
    Ok(st.query_map([], from_row)?.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn admin_exists(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin')", [], |r| r.get(0))?)
}

pub fn active_admins(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1", [], |r| r.get(0))?)
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub customer_support: bool,
}

pub fn insert(conn: &Connection, u: &NewUser) -> Result<i64> {
    let r = conn.execute(
        "INSERT INTO users (email, name, password_hash, role, customer_support, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![u.email.trim(), u.name.trim(), u.password_hash, u.role, u.customer_support, super::now_ms()],
    );
    match r {
        Ok(_) => Ok(conn.last_insert_rowid()),
        Err(e) if super::is_unique_violation(&e) => Err(Error::conflict("A user with this email already exists.")),
        Err(e) => Err(e.into()),
    }
}

pub fn update(conn: &Connection, u: &User) -> Result<()> {
    let r = conn.execute(
        "UPDATE users SET email = ?2, name = ?3, role = ?4, customer_support = ?5, active = ?6, prefs = ?7 WHERE id = ?1",
        params![u.id, u.email, u.name, u.role, u.customer_support, u.active, u.prefs.to_string()],
    );
    match r {
        Ok(_) => Ok(()),
        Err(e) if super::is_unique_violation(&e) => Err(Error::conflict("A user with this email already exists.")),
        Err(e) => Err(e.into()),
    }
}

pub fn set_password(conn: &Connection, id: i64, hash: &str) -> Result<()> {
    conn.execute("UPDATE users SET password_hash = ?2 WHERE id = ?1", params![id, hash])?;
    Ok(())
}

/// The user was seen at `now` (a session used, a Messenger opened or closed); never moves back.
pub fn touch(conn: &Connection, id: i64, now: i64) -> Result<()> {
    conn.execute("UPDATE users SET last_seen_at = ?2 WHERE id = ?1 AND (last_seen_at IS NULL OR last_seen_at < ?2)", params![id, now])?;
    Ok(())
}
