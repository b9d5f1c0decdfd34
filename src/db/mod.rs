//! The database: opening with the right pragmas, migrations, a pool of read connections and the
//! single writer thread that commits in groups. No socket I/O here; the write path never waits on
//! the network. Queries live in one file per table beside this one.

pub mod assignment;
pub mod attachments;
pub mod audit;
pub mod baseline;
pub mod bulk;
pub mod checkpoint;
pub mod closings;
pub mod conversation_lists;
pub mod conversations;
pub mod customers;
pub mod events;
pub mod files;
pub mod hooks;
pub mod hours;
pub mod invites;
pub mod items;
pub mod labels;
pub mod mail;
pub mod mail_settings;
pub mod mentions;
pub mod messages;
pub mod outbox;
pub mod password_resets;
pub mod pcache;
pub mod replies;
pub mod reports;
pub mod retention;
pub mod search_index;
pub mod search_prefix;
pub mod search_team;
pub mod sessions;
pub mod settings;
pub mod space;
pub mod tokens;
pub mod users;
pub mod webhooks;
pub mod writer;

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use rusqlite::Connection;

pub use files::{backup_to, scratch_snapshot_to, snapshot_to};
pub use writer::{WriteCtx, Writer};

use crate::error::{Error, Result};

/// Embedded migrations, applied in order; the index + 1 is the `user_version` after each.
const MIGRATIONS: &[&str] = &[
    include_str!("../../sql/0001_init.sql"),
    include_str!("../../sql/0002_conversations.sql"),
    include_str!("../../sql/0003_widget.sql"),
    include_str!("../../sql/0004_items.sql"),
    include_str!("../../sql/0005_admin.sql"),
    include_str!("../../sql/0006_event_audience.sql"),
    include_str!("../../sql/0007_customer_timezone.sql"),
    include_str!("../../sql/0008_system_lines.sql"),
    include_str!("../../sql/0009_password_resets.sql"),
    include_str!("../../sql/0010_assignment.sql"),
    include_str!("../../sql/0011_notes_mentions.sql"),
    include_str!("../../sql/0012_saved_replies.sql"),
    include_str!("../../sql/0013_labels_customers.sql"),
    include_str!("../../sql/0014_outbox.sql"),
    include_str!("../../sql/0015_attachments.sql"),
    include_str!("../../sql/0016_csat.sql"),
    include_str!("../../sql/0017_api_tokens.sql"),
    include_str!("../../sql/0018_webhooks.sql"),
    include_str!("../../sql/0019_report_summaries.sql"),
    include_str!("../../sql/0020_search_indexer.sql"),
    include_str!("../../sql/0021_message_counts_per_commit.sql"),
    include_str!("../../sql/0022_fewer_moving_indexes.sql"),
];

/// SQLite below this has the WAL-reset corruption bug (fixed in 3.51.3).
const MIN_SQLITE: i32 = 3_051_003;

pub fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Open a connection with the pragmas every connection needs. `busy_timeout` comes first so that
/// even switching to WAL waits for a lock instead of failing.
pub fn connect(path: &Path, synchronous_full: bool) -> Result<Connection> {
    pcache::install();
    let conn = Connection::open(path).map_err(|e| Error::internal(format!("open {}: {e}", path.display())))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // Query-planner stability: without it SQLite re-prepares a statement whenever a newly bound
    // value might change its plan, which here meant re-parsing most hot statements (conversation
    // lookups, participants, idempotency checks) on every message: half the writer's CPU, measured
    // with callgrind and SQLITE_STMTSTATUS_REPREPARE. Our plans do not depend on the values.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", if synchronous_full { "FULL" } else { "NORMAL" })?;
    Ok(conn)
}

/// How much of the database file a read connection maps into memory (64-bit only; 0 = none). Reads
/// of a mapped page are served straight from the OS page cache instead of being copied into each
/// connection's own 2 MB cache, so a report's 100,000-row scans do not re-read through `pread` what
/// another pooled connection already had. Address space only: the pages are the kernel's, shared by
/// every connection. On a 32-bit Pi 16 pooled connections × 256 MiB would not fit in 3 GiB of address
/// space, so there the pool keeps SQLite's ordinary reads.
const READ_MMAP: i64 = if cfg!(target_pointer_width = "64") { 256 << 20 } else { 0 };

/// A read connection of the pool: `connect` plus memory-mapped reads (`READ_MMAP`). The writer
/// keeps ordinary writes: SQLite never writes through the map unless built to.
pub fn connect_reader(path: &Path, synchronous_full: bool) -> Result<Connection> {
    let conn = connect(path, synchronous_full)?;
    if READ_MMAP > 0 {
        conn.pragma_update(None, "mmap_size", READ_MMAP)?;
    }
    Ok(conn)
}

/// The writer's page cache (KiB): room for the largest group commit's pages (512 jobs × ~10 pages)
/// and the indexes' inner pages, so no page is evicted or spilled within a group.
const WRITER_CACHE_KIB: i64 = 32 * 1024;

/// The writer's connection: `connect` plus what only the one writer needs.
pub fn tune_writer(conn: &Connection) {
    // A message's job alone runs about 20 distinct statements, and the writer's other jobs more:
    // with rusqlite's default of 16 cached statements they pushed each other out and SQLite
    // prepared several statements again for every message (callgrind: half the writer's time).
    conn.set_prepared_statement_cache_capacity(256);
    // A group commit of 100+ messages dirties ~400 pages (one leaf per conversation in each of
    // the messages' and events' per-conversation indexes) besides the b-trees' inner pages:
    // SQLite's default 2 MB cache (500 pages) evicted pages within one group and read them back
    // (3–5 reads per message). The cache only grows as far as it is used.
    let _ = conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB);
    // Each job's SAVEPOINT copies every page the job changes into the statement journal first
    // (~12 pages a message). SQLite keeps that journal in memory up to 64 KiB and then moves it
    // to a temporary file for good: two write calls per page, 30 writes and 64 KB per message,
    // half the writer's kernel time. In memory, a RELEASE empties it again, so it holds one
    // job's pages at a time. Temporary b-trees of the writer's own statements (sorts) are in
    // memory too; the readers' (reports) are not touched.
    let _ = conn.pragma_update(None, "temp_store", "MEMORY");
}

/// `PRAGMA integrity_check`: `"ok"`, or what is wrong.
pub fn integrity(conn: &Connection) -> rusqlite::Result<String> {
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
}

/// The schema version stored in the file (`PRAGMA user_version`).
pub fn stored_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Apply pending migrations, each in its own transaction with its `user_version` bump.
/// Refuses a database newer than this binary.
pub fn migrate(conn: &mut Connection) -> Result<i64> {
    let version = rusqlite::version_number();
    if version < MIN_SQLITE {
        return Err(Error::internal(format!("SQLite {} is too old: 3.51.3 or newer is required", rusqlite::version())));
    }
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if current > known {
        return Err(Error::internal(format!(
            "the database schema is version {current} but this frontdesk knows only up to {known}: run a newer frontdesk or restore a backup"
        )));
    }
    if current > 0 && current < known {
        // A copy before changing anything, kept until the next start that needs no migration.
        if let Some(path) = conn.path().filter(|p| !p.is_empty()).map(std::path::PathBuf::from) {
            let copy = files::pre_migration_path(&path, current, known);
            files::snapshot_to(conn, &copy).map_err(|e| Error::internal(format!("copy before migrating: {}", e.message)))?;
            log::info!("migrating the database from schema version {current} to {known}; a copy of it is in {}", copy.display());
        }
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql).map_err(|e| Error::internal(format!("migration {:04}: {e}", i + 1)))?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        log::info!("applied migration {:04}", i + 1);
    }
    Ok(known)
}

/// Read connections, reused. Each request takes one for its duration.
pub struct Pool {
    path: std::path::PathBuf,
    synchronous_full: bool,
    idle: Mutex<Vec<Connection>>,
}

/// Idle read connections kept open (more are opened under load and closed after).
pub const POOL_KEEP: usize = 16;

impl Pool {
    pub fn new(path: &Path, synchronous_full: bool) -> Pool {
        Pool { path: path.to_path_buf(), synchronous_full, idle: Mutex::new(Vec::new()) }
    }

    /// Run `f` with a read connection.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match conn {
            Some(c) => c,
            None => connect_reader(&self.path, self.synchronous_full)?,
        };
        let out = f(&conn);
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < POOL_KEEP {
            idle.push(conn);
        }
        out
    }
}

/// The database as the app sees it: reads from the pool, writes through the writer thread.
pub struct Db {
    pub pool: Pool,
    pub writer: Writer,
}

impl Db {
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        self.pool.read(f)
    }

    /// Run `f` in the writer's transaction; returns after COMMIT.
    pub fn write<T: Send + 'static>(&self, f: impl FnOnce(&mut WriteCtx) -> Result<T> + Send + 'static) -> Result<T> {
        self.writer.write(f)
    }
}

/// The time rows are stamped with: the system clock, except on a writer thread whose `Clock` a test
/// has fixed (`Clock::set_fixed`), so a test can build a history at chosen times through the real
/// rules. Other threads (sockets, rate limits) always see the system clock.
pub fn now_ms() -> i64 {
    let fixed = WRITER_CLOCK.with(|c| c.borrow().as_ref().map(|c| c.fixed.load(Ordering::Acquire)).unwrap_or(0));
    if fixed != 0 { fixed } else { system_ms() }
}

pub fn system_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

thread_local! {
    /// The writer thread's clock (`Writer::start` installs it); `None` on every other thread.
    static WRITER_CLOCK: std::cell::RefCell<Option<Clock>> = const { std::cell::RefCell::new(None) };
}

/// The wall clock, or a fixed time set by tests so they move time instead of sleeping. Clones share
/// one time: the app's rules read it (`app.clock`) and the writer stamps rows with it.
#[derive(Clone, Default)]
pub struct Clock {
    /// Unix ms; 0 = follow the system clock.
    fixed: std::sync::Arc<AtomicI64>,
}

impl Clock {
    pub fn now_ms(&self) -> i64 {
        match self.fixed.load(Ordering::Acquire) {
            0 => system_ms(),
            t => t,
        }
    }

    /// Whether a test froze the clock (`set_fixed`): time then moves only when it is moved, so
    /// threads that wait for a due time look again every second instead of sleeping until it.
    pub fn is_fixed(&self) -> bool {
        self.fixed.load(Ordering::Acquire) != 0
    }

    /// The longest a thread waiting for a due time (the mail and webhook senders) may sleep: it is
    /// woken by every commit that queues something, so only a due time it already knows (or a row
    /// another process queued) needs a look; with a frozen clock a test may move it at any time.
    pub fn idle_wait_ms(&self) -> i64 {
        if self.is_fixed() { 1_000 } else { 10_000 }
    }

    /// Freeze the clock at `ms` (0 returns to the system clock).
    pub fn set_fixed(&self, ms: i64) {
        self.fixed.store(ms, Ordering::Release);
    }

    /// Move a fixed clock forward (or freeze the system time plus `ms`).
    pub fn advance(&self, ms: i64) {
        self.set_fixed(self.now_ms() + ms);
    }

    /// Make this the clock of the current thread's `now_ms` (the writer thread calls it at start).
    pub fn install_on_this_thread(&self) {
        WRITER_CLOCK.with(|c| *c.borrow_mut() = Some(self.clone()));
    }
}

/// Whether an error is a UNIQUE constraint violation (used for idempotency races).
pub fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}
