//! The Messenger's lists read one index in order, and only one index moves with each message.
//!
//! Every message moves its conversation's entry in each index on `last_message_at` (two pages a
//! commit per index), so the schema keeps one: `conversations_status_age` (sql/0022). These tests
//! hold both halves of that trade. Each list (both sections, each status, with and without SQLite's
//! statistics) must walk that index newest first and stop at the page's end: no sort of every
//! conversation in a status, which is what dropping the index costs (a MULTI-INDEX OR and a temp
//! B-tree: 6–14 ms over 30,000 conversations instead of 0.15). And no other index may carry the
//! column again unnoticed.

mod common;

use common::TempDir;
use frontdesk::db::conversation_lists::{Section, list_sql};
use rusqlite::Connection;

fn filled() -> (TempDir, Connection) {
    let dir = TempDir::new();
    let mut conn = frontdesk::db::connect(&dir.0.join("plans.db"), true).unwrap();
    frontdesk::db::migrate(&mut conn).unwrap();
    conn.execute_batch(
        "INSERT INTO users (email, name, password_hash, role, created_at) VALUES ('a@x.test', 'A', '', 'admin', 0);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
         INSERT INTO customers (id, token_hash, name, first_seen_at, last_seen_at) SELECT i, randomblob(32), 'c' || i, 0, 0 FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
         INSERT INTO conversations (kind, status, customer_id, last_message_at, created_at)
             SELECT 'live_chat', CASE WHEN i % 3 = 0 THEN 'open' ELSE 'closed' END, i, abs(random() % 1000000), 0 FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
         INSERT INTO conversations (kind, status, created_by, last_message_at, created_at)
             SELECT 'team', CASE WHEN i % 2 = 0 THEN 'open' ELSE 'closed' END, 1, abs(random() % 1000000), 0 FROM n;
         INSERT INTO participants (conversation_id, user_id, joined_at) SELECT id, 1, 0 FROM conversations WHERE kind = 'team';",
    )
    .unwrap();
    (dir, conn)
}

/// The plan's lines for `sql` with `params`.
fn plan(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Vec<String> {
    let mut st = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    st.query_map(params, |r| r.get::<_, String>(3)).unwrap().collect::<rusqlite::Result<_>>().unwrap()
}

/// A list's parameters: user 1, a support agent, the first page of `status`.
fn page(status: &str) -> impl rusqlite::Params + '_ {
    (1, 1, status, i64::MAX, i64::MAX, 0, 50, 0, None::<i64>)
}

#[test]
fn both_sections_walk_the_status_index_newest_first_with_and_without_statistics() {
    let (_dir, conn) = filled();
    for analyzed in [false, true] {
        if analyzed {
            conn.execute_batch("ANALYZE").unwrap();
        }
        for section in [Section::Customers, Section::Mine] {
            for status in ["open", "closed"] {
                let lines = plan(&conn, &list_sql(section, false), page(status));
                let at = format!("{section:?} {status}, analyzed: {analyzed}: {lines:#?}");
                assert!(lines.iter().any(|l| l.starts_with("SEARCH c USING INDEX conversations_status_age")), "{at}");
                assert!(!lines.iter().any(|l| l.contains("TEMP B-TREE") || l.starts_with("SCAN c")), "{at}");
                assert!(!lines.iter().any(|l| l.contains("MULTI-INDEX OR")), "{at}");
            }
        }
    }
    // Filtered by a label, the label's few conversations drive it instead (and are sorted).
    let lines = plan(&conn, &list_sql(Section::Customers, true), page("open"));
    assert!(lines.iter().any(|l| l.contains("conversation_labels")), "{lines:#?}");
}

#[test]
fn one_index_moves_with_each_message() {
    let (_dir, conn) = filled();
    let mut st = conn
        .prepare(
            "SELECT DISTINCT il.name FROM pragma_index_list('conversations') il, pragma_index_info(il.name) ii
             WHERE ii.name = 'last_message_at' ORDER BY 1",
        )
        .unwrap();
    let moving: Vec<String> = st.query_map([], |r| r.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap();
    assert_eq!(moving, ["conversations_status_age"]);
    // A customer's own conversations are found by the customer, whatever their order.
    let lines = plan(&conn, "SELECT id FROM conversations c WHERE c.customer_id = ?1 ORDER BY c.last_message_at DESC LIMIT 50", [7]);
    assert!(lines.iter().any(|l| l.contains("conversations_customer (customer_id=?)")), "{lines:#?}");
}
