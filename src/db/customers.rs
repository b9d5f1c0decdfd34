//! The `customers` table: website visitors, known by a hashed visitor token.

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;

pub fn id_by_token(conn: &Connection, token_hash: &[u8]) -> Result<Option<i64>> {
    Ok(conn.prepare_cached("SELECT id FROM customers WHERE token_hash = ?1")?.query_row([token_hash], |r| r.get(0)).optional()?)
}
