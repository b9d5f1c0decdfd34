//! Database files: telling a Frontdesk database from anything else, what one holds, consistent
//! copies (private to the owner: 0600), the copy taken before migrations.

use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};

/// What a database holds, for `check` and `restore` to say.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    pub version: i64,
    pub users: i64,
    pub conversations: i64,
    pub messages: i64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "schema version {}, {} users, {} conversations, {} messages", self.version, self.users, self.conversations, self.messages)
    }
}

/// Open `path` read-only (never creating it) and check that it is a Frontdesk database: an SQLite
/// file with a schema version this binary knows and the tables every version has.
pub fn open_existing(path: &Path) -> Result<(Connection, Summary)> {
    let not = |why: String| Error::internal(format!("{} is not a Frontdesk database: {why}", path.display()));
    if !path.is_file() {
        return Err(Error::internal(format!("no Frontdesk database at {}", path.display())));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| not(e.to_string()))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| not(e.to_string()))?;
    let has = |t: &str| -> bool {
        conn.query_row("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1", [t], |r| r.get::<_, i64>(0))
            .is_ok_and(|n| n == 1)
    };
    if version < 1 || !has("users") || !has("settings") {
        return Err(not(format!("schema version {version}, no Frontdesk tables")));
    }
    if version > super::schema_version() {
        return Err(Error::internal(format!(
            "{} has schema version {version}, newer than this frontdesk knows ({}): use a newer frontdesk",
            path.display(),
            super::schema_version()
        )));
    }
    // A table's name cannot be a bound parameter: each count is its own constant statement.
    let count = |t: &str, sql: &str| -> Result<i64> {
        if !has(t) {
            return Ok(0);
        }
        Ok(conn.query_row(sql, [], |r| r.get(0))?)
    };
    let summary = Summary {
        version,
        users: count("users", "SELECT count(*) FROM users")?,
        conversations: count("conversations", "SELECT count(*) FROM conversations")?,
        messages: count("messages", "SELECT count(*) FROM messages")?,
    };
    Ok((conn, summary))
}

/// Copy the live database to `file` (the `frontdesk backup` command): a snapshot into a temporary
/// file beside it, renamed into place only when complete.
pub fn backup_to(conn: &Connection, file: &Path) -> Result<()> {
    let tmp = file.with_extension("partial");
    snapshot_to(conn, &tmp)?;
    std::fs::rename(&tmp, file).map_err(|e| Error::internal(format!("cannot write {}: {e}", file.display())))?;
    Ok(())
}

/// Copy a consistent snapshot of the database to `file` (created 0600: a backup holds every
/// conversation) in one backup step on a *read* connection.
/// In WAL mode a reader never blocks the writer, so chat goes on while this copies; and unlike
/// a backup in small steps, a single step cannot be restarted over and over by a busy writer
/// (SQLite restarts a stepwise backup whenever another connection writes between steps).
pub fn snapshot_to(conn: &Connection, file: &Path) -> Result<()> {
    snapshot(conn, file, false)
}

/// `snapshot_to` for a copy that is read once and deleted (the admin page's download): it is never
/// synced to disk. A synced copy flushed the whole database through the disk queue at once and every
/// chat commit's fsync waited behind it (`frontdesk-bench mixed`: chat p99 4.3x its quiet value with
/// backups running); unsynced, a copy deleted within seconds may never reach the disk at all.
pub fn scratch_snapshot_to(conn: &Connection, file: &Path) -> Result<()> {
    snapshot(conn, file, true)
}

fn snapshot(conn: &Connection, file: &Path, scratch: bool) -> Result<()> {
    let _ = std::fs::remove_file(file);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
        .map_err(|e| Error::internal(format!("cannot create {}: {e}", file.display())))?;
    let mut dst = Connection::open(file).map_err(|e| Error::internal(format!("cannot create {}: {e}", file.display())))?;
    if scratch {
        // A half-written scratch copy is thrown away, so it needs neither a journal nor a sync.
        dst.pragma_update(None, "journal_mode", "OFF")?;
        dst.pragma_update(None, "synchronous", "OFF")?;
    }
    let backup = rusqlite::backup::Backup::new(conn, &mut dst)?;
    loop {
        match backup.step(-1)? {
            rusqlite::backup::StepResult::Done => return Ok(()),
            rusqlite::backup::StepResult::More => {}
            _ => std::thread::sleep(std::time::Duration::from_millis(5)),
        }
    }
}

/// Replace the database at `dst_path` with the contents of `src` (SQLite's backup API, so the
/// replaced file's WAL is dealt with), then bring it to this binary's schema.
pub fn restore_into(src: &Connection, dst_path: &Path, synchronous_full: bool) -> Result<()> {
    let mut dst = super::connect(dst_path, synchronous_full)?;
    {
        let backup = rusqlite::backup::Backup::new(src, &mut dst)?;
        backup.run_to_completion(256, std::time::Duration::ZERO, None)?;
    }
    super::migrate(&mut dst)?;
    Ok(())
}

/// Where the copy taken before migrating `db` from schema `from` to `to` goes.
pub fn pre_migration_path(db: &Path, from: i64, to: i64) -> PathBuf {
    let name = db.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "frontdesk.db".into());
    db.with_file_name(format!("{name}.before-migration-{from}-to-{to}"))
}

/// The pre-migration copies beside `db` (removed by the next start that needs no migration).
pub fn pre_migration_copies(db: &Path) -> Vec<PathBuf> {
    let name = db.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let prefix = format!("{name}.before-migration-");
    let dir = db.parent().unwrap_or(Path::new("."));
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}
