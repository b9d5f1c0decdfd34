//! The `customers` table: website visitors, known by a hashed visitor token.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use crate::error::Result;

/// A customer as agents see them. The token hash is never part of it.
#[derive(Clone, Debug, Serialize)]
pub struct Customer {
    pub id: i64,
    pub name: String,
    pub name_given: bool,
    pub email: Option<String>,
    pub external_id: Option<String>,
    pub verified: bool,
    pub page_url: String,
    pub referrer: String,
    pub language: String,
    pub user_agent: String,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
    pub timezone: String,
    /// Kept by agents (`PATCH /api/customers/:id`); never shown to the customer.
    pub phone: String,
    pub note: String,
}

/// What the widget reports about the visitor's browser and page.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct Context {
    #[serde(default)]
    pub page_url: Option<String>,
    #[serde(default)]
    pub referrer: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    /// IANA time zone name as the browser reports it (e.g. `Europe/Lisbon`).
    #[serde(default)]
    pub timezone: Option<String>,
}

const COLS: &str =
    "id, name, name_given, email, external_id, verified, page_url, referrer, language, user_agent, first_seen_at, last_seen_at,
    timezone, phone, note";

fn from_row(r: &Row) -> rusqlite::Result<Customer> {
    Ok(Customer {
        id: r.get(0)?,
        name: r.get(1)?,
        name_given: r.get(2)?,
        email: r.get(3)?,
        external_id: r.get(4)?,
        verified: r.get(5)?,
        page_url: r.get(6)?,
        referrer: r.get(7)?,
        language: r.get(8)?,
        user_agent: r.get(9)?,
        first_seen_at: r.get(10)?,
        last_seen_at: r.get(11)?,
        timezone: r.get(12)?,
        phone: r.get(13)?,
        note: r.get(14)?,
    })
}

/// The customer a token belongs to: their first device's token, or one added by identity
/// verification on another device (`customer_tokens`).
pub fn id_by_token(conn: &Connection, token_hash: &[u8]) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM customers WHERE token_hash = ?1
             UNION ALL SELECT customer_id FROM customer_tokens WHERE token_hash = ?1 LIMIT 1",
        )?
        .query_row([token_hash], |r| r.get(0))
        .optional()?)
}

/// The customer verified as the host site's user `external_id`.
pub fn id_by_external(conn: &Connection, external_id: &str) -> Result<Option<i64>> {
    Ok(conn.prepare_cached("SELECT id FROM customers WHERE external_id = ?1")?.query_row([external_id], |r| r.get(0)).optional()?)
}

/// Give a customer one more device token.
pub fn add_token(conn: &Connection, id: i64, token_hash: &[u8]) -> Result<()> {
    conn.prepare_cached("INSERT INTO customer_tokens (token_hash, customer_id, created_at) VALUES (?1, ?2, ?3)")?.execute(params![
        token_hash,
        id,
        super::now_ms()
    ])?;
    Ok(())
}

/// Mark a customer as the verified host-site user `external_id`.
pub fn set_verified(conn: &Connection, id: i64, external_id: &str) -> Result<()> {
    conn.execute("UPDATE customers SET external_id = ?2, verified = 1 WHERE id = ?1", params![id, external_id])?;
    Ok(())
}

/// Open live chats of customers first seen from `ip`.
pub fn open_chats_from(conn: &Connection, ip: &str) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*) FROM conversations c JOIN customers u ON u.id = c.customer_id
             WHERE u.ip = ?1 AND c.kind = 'live_chat' AND c.status = 'open'",
        )?
        .query_row([ip], |r| r.get(0))?)
}

/// The address a customer was first seen from (limits for socket sends, which carry no address).
pub fn ip(conn: &Connection, id: i64) -> Result<String> {
    Ok(conn.prepare_cached("SELECT ip FROM customers WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()?.unwrap_or_default())
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Customer>> {
    Ok(conn.prepare_cached(&["SELECT ", COLS, " FROM customers WHERE id = ?1"].concat())?.query_row([id], from_row).optional()?)
}

/// A new visitor: the hash of their token, who they say they are, where they came from.
pub struct NewCustomer<'a> {
    pub token_hash: &'a [u8],
    pub name: &'a str,
    pub name_given: bool,
    pub email: Option<&'a str>,
    pub ctx: &'a Context,
    pub user_agent: &'a str,
    pub ip: &'a str,
}

pub fn insert(conn: &Connection, c: &NewCustomer<'_>) -> Result<i64> {
    let NewCustomer { token_hash, name, name_given, email, ctx, user_agent, ip } = *c;
    let now = super::now_ms();
    conn.prepare_cached(
        "INSERT INTO customers (token_hash, name, name_given, email, page_url, referrer, language, user_agent, ip, first_seen_at, last_seen_at, timezone)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)",
    )?
    .execute(params![
        token_hash,
        name,
        name_given,
        email,
        ctx.page_url.as_deref().unwrap_or(""),
        ctx.referrer.as_deref().unwrap_or(""),
        ctx.language.as_deref().unwrap_or(""),
        user_agent,
        ip,
        now,
        ctx.timezone.as_deref().unwrap_or("")
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Record where the visitor is now (page, language) and that they were seen.
pub fn touch(conn: &Connection, id: i64, ctx: &Context) -> Result<()> {
    conn.prepare_cached(
        "UPDATE customers SET last_seen_at = ?2, page_url = COALESCE(?3, page_url), referrer = COALESCE(?4, referrer), language = COALESCE(?5, language),
             timezone = COALESCE(?6, timezone) WHERE id = ?1",
    )?
    .execute(params![id, super::now_ms(), ctx.page_url, ctx.referrer, ctx.language, ctx.timezone])?;
    Ok(())
}

pub fn set_identity(conn: &Connection, id: i64, name: Option<&str>, email: Option<&str>) -> Result<()> {
    if let Some(n) = name {
        conn.execute("UPDATE customers SET name = ?2, name_given = 1 WHERE id = ?1", params![id, n])?;
    }
    if let Some(e) = email {
        conn.execute("UPDATE customers SET email = ?2 WHERE id = ?1", params![id, e])?;
    }
    Ok(())
}

/// What an agent keeps about a customer: name, email (`None`: none), phone and note. `name_given`
/// is left as it was: it says whether the customer gave a name themself.
pub struct Record<'a> {
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub phone: &'a str,
    pub note: &'a str,
}

pub fn set_record(conn: &Connection, id: i64, r: &Record<'_>) -> Result<()> {
    conn.prepare_cached("UPDATE customers SET name = ?2, email = ?3, phone = ?4, note = ?5 WHERE id = ?1")?
        .execute(params![id, r.name, r.email, r.phone, r.note])?;
    Ok(())
}

/// Every conversation of a customer (their search text carries the customer's name and email).
pub fn conversation_ids(conn: &Connection, id: i64) -> Result<Vec<i64>> {
    let mut st = conn.prepare_cached("SELECT id FROM conversations WHERE customer_id = ?1")?;
    Ok(st.query_map([id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<i64>>>()?)
}

/// The first thing the customer wrote in a conversation (not deleted): what names it in a list of
/// their conversations when it has no subject.
pub fn first_words(conn: &Connection, conversation_id: i64) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT body FROM messages WHERE conversation_id = ?1 AND author_kind = 'customer' AND deleted_at IS NULL ORDER BY seq LIMIT 1",
        )?
        .query_row([conversation_id], |r| r.get::<_, String>(0))
        .optional()?
        .map(|b| b.chars().take(140).collect()))
}

/// A friendly name until the visitor gives theirs: "Blue Otter", "Quiet Fox", …
pub fn friendly_name() -> String {
    const ADJ: [&str; 16] = [
        "Blue", "Quiet", "Bright", "Calm", "Swift", "Gentle", "Lucky", "Brave", "Sunny", "Clever", "Happy", "Kind", "Bold", "Merry",
        "Noble", "Witty",
    ];
    const ANIMAL: [&str; 16] = [
        "Otter", "Fox", "Heron", "Panda", "Lynx", "Robin", "Koala", "Dolphin", "Falcon", "Badger", "Owl", "Seal", "Hare", "Wren", "Bison",
        "Crane",
    ];
    let mut b = [0u8; 2];
    rand::fill(&mut b);
    format!("{} {}", ADJ[(b[0] % 16) as usize], ANIMAL[(b[1] % 16) as usize])
}
