//! Running it for real (issue 18), upgrades: from every earlier schema version in `sql/` to this
//! one, with data in it. Each old database is built the way that version made it (migrations
//! 1..k applied in order, `user_version` k), filled with an admin, a customer, a conversation and a
//! message; the current binary starts on it, takes a copy before migrating (kept until the next
//! start that needs no migration), and serves the old data.

mod common;

use std::path::{Path, PathBuf};

use common::*;

const PASSWORD: &str = "an old password 1";

/// The migration files, in order.
fn migrations() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql");
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "sql")).collect();
    files.sort();
    files
}

/// A database at schema version `k` with data in it; returns the message's body.
fn old_database(db: &Path, k: usize) -> Option<String> {
    let c = rusqlite::Connection::open(db).unwrap();
    c.pragma_update(None, "journal_mode", "WAL").unwrap();
    for (i, file) in migrations().iter().take(k).enumerate() {
        let tx = c.unchecked_transaction().unwrap();
        tx.execute_batch(&std::fs::read_to_string(file).unwrap()).unwrap();
        tx.pragma_update(None, "user_version", (i + 1) as i64).unwrap();
        tx.commit().unwrap();
    }
    let hash = frontdesk::passwords::Hasher::new(256, 1, 1).hash(PASSWORD).unwrap();
    c.execute(
        "INSERT INTO users (id, email, name, password_hash, role, customer_support, created_at) VALUES (1, 'old@example.com', 'Old Admin', ?1, 'admin', 1, 1)",
        [hash],
    )
    .unwrap();
    c.execute("INSERT INTO settings (key, value, updated_at) VALUES ('helpdesk_name', '\"Old Desk\"', 1)", []).unwrap();
    if k < 2 {
        return None;
    }
    let body = format!("written at schema version {k}");
    c.execute("INSERT INTO customers (id, token_hash, name, first_seen_at, last_seen_at) VALUES (1, x'00', 'Old Customer', 1, 1)", [])
        .unwrap();
    c.execute(
        "INSERT INTO conversations (id, kind, customer_id, last_seq, last_message_at, preview, created_at) VALUES (1, 'live_chat', 1, 1, 1, ?1, 1)",
        [&body],
    )
    .unwrap();
    c.execute(
        "INSERT INTO messages (conversation_id, seq, author_kind, author_id, body, created_at) VALUES (1, 1, 'customer', 1, ?1, 1)",
        [&body],
    )
    .unwrap();
    if k >= 21 {
        // From 0021 the writer counts messages for reports itself (no trigger): as it would have.
        c.execute_batch(
            "INSERT INTO message_counts (bucket, author_kind, author_id, n) VALUES (0, 'customer', 0, 1);
             INSERT INTO report_buckets (bucket, customer_messages) VALUES (0, 1)
             ON CONFLICT (bucket) DO UPDATE SET customer_messages = customer_messages + 1;",
        )
        .unwrap();
    }
    Some(body)
}

fn version(db: &Path) -> i64 {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap()
}

#[test]
fn every_earlier_schema_version_upgrades_with_its_data_and_a_copy_before() {
    let known = frontdesk::db::schema_version();
    assert_eq!(migrations().len() as i64, known, "every file in sql/ is a migration the binary applies");
    for k in 1..known as usize {
        let dir = TempDir::new();
        let db = dir.0.join("frontdesk.db");
        let body = old_database(&db, k);
        // The first start migrates, and keeps a copy of the old database.
        let p = Proc::serve(&dir.0, &[]);
        let copy = dir.0.join(format!("frontdesk.db.before-migration-{k}-to-{known}"));
        assert!(copy.is_file(), "version {k}: no copy before migrating: {}", p.stderr());
        assert_eq!(version(&copy), k as i64, "the copy is the old database");
        let s = p.server();
        let admin = s.login("old@example.com", PASSWORD);
        assert_eq!(admin.get("/api/me").json()["user"]["name"], "Old Admin", "version {k}");
        if let Some(body) = &body {
            let r = admin.get("/api/conversations/1/messages");
            assert_eq!(r.status, 200, "version {k}: {}", r.text());
            let bodies: Vec<String> =
                r.json()["messages"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap_or("").to_string()).collect();
            assert!(bodies.contains(body), "version {k}: {bodies:?}");
            // Reports count the old chat and its message (the migrations rebuild their summaries).
            let day = "/api/reports?range=custom&from=1970-01-01&to=1970-01-01";
            let totals = admin.get(day).json()["totals"].clone();
            assert_eq!((totals["started"].as_i64(), totals["customer_messages"].as_i64()), (Some(1), Some(1)), "version {k}: {totals}");
            // And the upgraded desk takes new writes.
            let r = admin.post_json("/api/conversations/1/messages", &serde_json::json!({"body": "after the upgrade"}));
            assert_eq!(r.status, 201, "version {k}: {}", r.text());
            // Writing in it made the admin one who handled it.
            assert_eq!(admin.get(day).json()["agents"][0]["handled"], 1, "version {k}");
        }
        drop(p);
        assert_eq!(version(&db), known);
        assert!(copy.is_file(), "kept until the next start");
        // The next start needs no migration: the copy has served its purpose.
        let p = Proc::serve(&dir.0, &[]);
        assert!(!copy.exists(), "version {k}: the copy outlived a start without migration");
        assert!(p.stderr().contains("the copy taken before the last migration"), "{}", p.stderr());
        drop(p);
        let out = std::process::Command::new(bin()).args(["check", "--data"]).arg(&dir.0).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains(&format!("schema version: {known}")), "version {k}: {text}");
    }
}

#[test]
fn a_new_database_needs_no_copy() {
    let dir = TempDir::new();
    let p = Proc::serve(&dir.0, &[]);
    drop(p);
    let copies: Vec<_> =
        std::fs::read_dir(&dir.0).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().contains("before-migration")).collect();
    assert!(copies.is_empty());
}

#[test]
fn version_names_the_commit_and_the_build_date() {
    let out = std::process::Command::new(bin()).arg("version").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.starts_with(&format!("frontdesk {} (commit ", env!("CARGO_PKG_VERSION"))), "{text}");
    let git = std::process::Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).current_dir(env!("CARGO_MANIFEST_DIR")).output();
    if let Some(g) = git.ok().filter(|g| g.status.success()) {
        let commit = String::from_utf8_lossy(&g.stdout).trim().to_string();
        assert!(text.contains(&format!("commit {commit}")), "{text} names {commit}");
    }
    let date = text.split("built ").nth(1).unwrap_or("");
    assert!(date.len() >= 20 && date.as_bytes()[4] == b'-' && date.as_bytes()[10] == b'T', "an ISO date: {text}");
}
