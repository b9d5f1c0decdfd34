//! The benchmark's storage baseline: raw inserts of message-shaped rows with the server's pragmas
//! and the same batch, and nothing else (no idempotency, no events, no search). The benchmark tool
//! compares the server's acknowledged rate with it in the same run (BENCHMARKS.md). It lives here
//! because it is SQL, and all SQL lives in `db/`.

use std::path::Path;

use rusqlite::{Connection, params};

/// Insert at least `rows` rows into a new database at `path`, `batch` per transaction; returns
/// how many (whole batches).
pub fn raw_inserts(path: &Path, rows: usize, batch: usize, full: bool) -> rusqlite::Result<usize> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", if full { "FULL" } else { "NORMAL" })?;
    conn.execute_batch(
        "CREATE TABLE messages (id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL, seq INTEGER NOT NULL, author_kind TEXT NOT NULL,
           author_id INTEGER, body TEXT NOT NULL, client_msg_id TEXT, created_at INTEGER NOT NULL, UNIQUE (conversation_id, seq));",
    )?;
    let mut done = 0;
    while done < rows {
        let tx = conn.unchecked_transaction()?;
        {
            let mut st = tx.prepare_cached("INSERT INTO messages (conversation_id, seq, author_kind, author_id, body, client_msg_id, created_at) VALUES (?1, ?2, 'customer', ?3, ?4, ?5, ?6)")?;
            for _ in 0..batch.max(1) {
                let conv = (done % 256) as i64;
                st.execute(params![conv, done as i64, conv, format!("bm:{done}:1234567890"), format!("p{done}"), 1_700_000_000_000i64])?;
                done += 1;
            }
        }
        tx.commit()?;
    }
    Ok(done)
}
