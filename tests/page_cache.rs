//! The writer's page cache (`db::pcache`): a commit skips SQLite's drop of pages past the end of
//! the database when none can be there, and still drops them when a transaction that grew the
//! file is rolled back. Run against SQLite itself, with the writer's pragmas.

mod common;

use std::sync::atomic::Ordering;

use common::TempDir;
use frontdesk::db::pcache::{FORWARDED, SKIPPED, install};

fn counts() -> (u64, u64) {
    (SKIPPED.load(Ordering::Relaxed), FORWARDED.load(Ordering::Relaxed))
}

#[test]
fn commits_skip_the_needless_scan_and_a_rollback_still_drops_the_pages_it_added() {
    assert!(install(), "the wrapper must be in place before SQLite starts");
    let dir = TempDir::new();
    let conn = frontdesk::db::connect(&dir.0.join("cache.db"), true).unwrap();
    frontdesk::db::tune_writer(&conn);
    conn.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, k BLOB, v BLOB); CREATE INDEX t_k ON t(k);").unwrap();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut key = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x.to_le_bytes().repeat(4)
    };

    // Random keys split the index's pages all the time, and a split that sorts its new pages parks
    // one under the locking page's number: without the wrapper each such COMMIT scanned the cache.
    let before = counts();
    for _ in 0..200 {
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        for _ in 0..50 {
            conn.execute("INSERT INTO t(k, v) VALUES (?1, zeroblob(200))", [key()]).unwrap();
        }
        conn.execute_batch("COMMIT").unwrap();
    }
    let after = counts();
    let skipped = after.0 - before.0;
    assert!(skipped >= 200, "each COMMIT of a file that only grew has nothing to drop: skipped {skipped}");

    // A transaction that grows the file by thousands of pages, rolled back: those pages are past
    // the end again and must leave the cache (skipping here would keep stale pages).
    let pages = |c: &rusqlite::Connection| c.query_row("PRAGMA page_count", [], |r| r.get::<_, i64>(0)).unwrap();
    let size = pages(&conn);
    let before = counts();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    for _ in 0..2_000 {
        conn.execute("INSERT INTO t(k, v) VALUES (?1, zeroblob(3000))", [key()]).unwrap();
    }
    assert!(pages(&conn) > size + 1_000);
    conn.execute_batch("ROLLBACK").unwrap();
    let after = counts();
    assert!(after.1 > before.1, "the rollback's drop of pages past the end was forwarded");
    assert_eq!(pages(&conn), size);

    // The same numbers used again for other pages read back right.
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    for i in 0..2_000 {
        conn.execute("INSERT INTO t(k, v) VALUES (?1, ?2)", rusqlite::params![key(), vec![(i % 251) as u8; 3000]]).unwrap();
    }
    conn.execute_batch("COMMIT").unwrap();
    let rows: i64 = conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, 200 * 50 + 2_000);
    let wrong: i64 = conn
        .query_row(
            "SELECT count(*) FROM t WHERE length(v) = 3000 AND v <> zeroblob(0) AND substr(v, 1, 1) <> substr(v, 3000, 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(wrong, 0);
    assert_eq!(frontdesk::db::integrity(&conn).unwrap(), "ok");
}
