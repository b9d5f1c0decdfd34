//! Search indexing off the commit path (`sql/0020_search_indexer.sql`). A message's commit stores
//! it; the writer thread indexes its body into `messages_fts` afterwards, in a transaction of its
//! own that also moves `search_index.indexed_upto`, so the index and its mark move together. After
//! a crash the mark says where to go on. A search first indexes whatever is left (`catch_up`), so
//! it still finds every message acknowledged before it.

use std::time::{Duration, Instant};

use rusqlite::{Connection, params};

use crate::error::Result;

/// Most messages indexed in one transaction: bounds how long the writer leaves jobs waiting.
pub const BATCH: i64 = 5_000;

/// Every message with an id at or below this (system lines aside) is in the index.
pub fn indexed_upto(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT indexed_upto FROM search_index WHERE id = 1")?.query_row([], |r| r.get(0))
}

/// Index up to `limit` messages after the mark and move it past them, in the caller's transaction.
/// Returns how many messages the mark passed (0: the index is complete).
pub fn index_next(conn: &Connection, limit: i64) -> rusqlite::Result<i64> {
    let from = indexed_upto(conn)?;
    let (upto, n): (Option<i64>, i64) = conn
        .prepare_cached("SELECT MAX(id), COUNT(*) FROM (SELECT id FROM messages WHERE id > ?1 ORDER BY id LIMIT ?2)")?
        .query_row(params![from, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let Some(upto) = upto else { return Ok(0) };
    conn.prepare_cached(
        "INSERT INTO messages_fts (rowid, body) SELECT id, body FROM messages WHERE id > ?1 AND id <= ?2 AND author_kind <> 'system'",
    )?
    .execute(params![from, upto])?;
    conn.prepare_cached("UPDATE search_index SET indexed_upto = ?1 WHERE id = 1")?.execute([upto])?;
    Ok(n)
}

/// The newest message's id (0: none).
fn newest(conn: &Connection) -> Result<i64> {
    Ok(conn.prepare_cached("SELECT COALESCE(MAX(id), 0) FROM messages")?.query_row([], |r| r.get(0))?)
}

/// How many messages (system lines included) are stored but not yet indexed.
pub fn lag(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM messages WHERE id > (SELECT indexed_upto FROM search_index WHERE id = 1)")?
        .query_row([], |r| r.get(0))?)
}

/// Before a search: index what is not yet (usually nothing, or the last few milliseconds' messages)
/// as a write job, so a search sees every message acknowledged before it started. A backlog larger
/// than `MAX_CATCH_UP` (a bulk import) is left to the writer's own batches.
pub fn catch_up(db: &super::Db) -> Result<()> {
    const MAX_CATCH_UP: i64 = 10 * BATCH;
    if db.read(|c| Ok(indexed_upto(c)? >= newest(c)?))? {
        return Ok(());
    }
    db.write(|w| {
        let mut done = 0;
        while done < MAX_CATCH_UP {
            let n = index_next(w.conn, BATCH)?;
            if n < BATCH {
                break;
            }
            done += n;
        }
        Ok(())
    })
}

/// When the writer indexes: once no job has come for `idle` (a quiet desk finds a message that soon
/// after its ack), and under a steady load at least every `busy` (each time one batch).
pub struct Schedule {
    pub idle: Duration,
    pub busy: Duration,
    /// Messages were committed since the index last caught up (or the process started).
    pending: bool,
    /// The last batch was full: more are waiting, so the next one is due after the next commit.
    backlog: bool,
    last: Instant,
}

impl Schedule {
    pub fn new(idle: Duration) -> Schedule {
        Schedule { idle, busy: idle * 10, pending: true, backlog: false, last: Instant::now() }
    }

    /// A group that stored messages committed.
    pub fn committed(&mut self) {
        self.pending = true;
    }

    /// How long the writer may wait for the next job before it should index (`None`: nothing to do).
    pub fn wait(&self) -> Option<Duration> {
        self.pending.then_some(self.idle)
    }

    /// Under load: whether a batch is due even though jobs keep coming (every `busy`, or after every
    /// group commit while a backlog lasts).
    pub fn due(&self) -> bool {
        self.pending && (self.backlog || self.last.elapsed() >= self.busy)
    }

    /// Index one batch in its own transaction. A failure (disk full) is logged and tried again later.
    pub fn run(&mut self, conn: &Connection) {
        self.last = Instant::now();
        let r = conn.execute_batch("BEGIN IMMEDIATE").and_then(|_| index_next(conn, BATCH));
        match r.and_then(|n| Ok((n, conn.execute_batch("COMMIT")?))) {
            Ok((n, ())) => {
                self.backlog = n >= BATCH;
                self.pending = self.backlog;
            }
            Err(e) => {
                log::warn!("search indexing: {e} (will try again)");
                let _ = conn.execute_batch("ROLLBACK");
            }
        }
    }
}
