//! WAL checkpoints off the writer thread. SQLite's own auto-checkpoint runs on the connection whose
//! COMMIT crossed the threshold, i.e. on the writer, which copies the WAL's pages back into the
//! database file and syncs it while every write queues behind it. Here the writer's auto-checkpoint
//! is off and a thread of its own, on a connection of its own, runs a PASSIVE checkpoint once the WAL
//! has passed `threshold` pages; the writer keeps committing meanwhile. The threshold is 8,000 pages
//! (32 MiB): a message dirties 10–17 pages, mostly the same hot ones, and SQLite's default of 1,000
//! checkpointed after nearly every group commit. Not a durability change either way: a commit is
//! durable once its WAL frames are synced.
//!
//! Measured (BENCHMARKS.md, "Chat (issue 21)", second pass): on a quiet box the writer's stall per
//! checkpoint halved (18 → 9–11 ms, the finishing step below) and the chat p99 fell 10–19 % in two
//! pairs of runs; on a loaded disk the finishing step's syncs cost as much as a whole checkpoint.
//!
//! SQLite starts the WAL file over only after a checkpoint that copied *every* frame. Under a steady
//! load the background checkpoint never does: frames are committed while it copies. So when it
//! reports done, the writer runs a PASSIVE checkpoint itself, between two groups: it copies only the
//! frames committed meanwhile, and its next write starts the WAL over (`Checkpoints::finish`).
//! SQLite syncs the database file only in a checkpoint that copied every frame, i.e. in that
//! finishing step, which therefore flushed every page the background passes had written (9–12 ms
//! on the writer, every ~0.5 s in chat: the p99). The background thread now chases the WAL in
//! passes and syncs the file itself, twice, so the finish flushes only a few groups' pages
//! (1.3–3 ms; BENCHMARKS.md, "Chat's tail: the checkpoint's sync"). Readers can still hold frames back (Litestream
//! keeps a read transaction open and runs checkpoints of its own); should the WAL pass four times the
//! threshold anyway, the writer checkpoints as SQLite's auto-checkpoint did, so it stays bounded.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Instant;

use rusqlite::Connection;
use rusqlite::wal::CheckpointMode;

/// Counters for `/metrics`: checkpoints and their time, by who ran them.
#[derive(Default)]
pub struct CheckpointStats {
    /// Pages in the WAL after the last commit.
    pub wal_pages: AtomicI32,
    pub background: AtomicU64,
    pub background_us: AtomicU64,
    /// The writer finishing a background checkpoint (the frames committed while it ran).
    pub finish: AtomicU64,
    pub finish_us: AtomicU64,
    /// The writer past the hard bound (readers held the WAL back).
    pub bound: AtomicU64,
    pub bound_us: AtomicU64,
}

/// The writer's side: when to wake the checkpoint thread, when to checkpoint itself.
pub struct Checkpoints {
    threshold: i32,
    stats: Arc<CheckpointStats>,
    wake: Option<mpsc::Sender<()>>,
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    running: bool,
    /// Pages at which the next checkpoint is due (moves on when the WAL could not be started over).
    next: i32,
}

impl Checkpoints {
    /// Turn the auto-checkpoint of the writer's `conn` off and start the checkpoint thread on a
    /// connection of its own (none for an in-memory database: the writer then checkpoints itself).
    pub fn start(conn: &mut Connection, threshold: u32, stats: Arc<CheckpointStats>) -> Checkpoints {
        let threshold = threshold.clamp(1, i32::MAX as u32 / 8) as i32;
        // A WAL hook replaces SQLite's auto-checkpoint (which is one); this one only notes the size.
        let pages = stats.clone();
        let hooked = conn.wal_hook(Some(move |_: &mut rusqlite::hooks::Wal, n: i32| {
            pages.wal_pages.store(n, Ordering::Relaxed);
            Ok(())
        }));
        if let Err(e) = hooked {
            log::warn!("writer: no WAL hook ({e}); SQLite checkpoints on the writer");
            let _ = conn.pragma_update(None, "wal_autocheckpoint", threshold);
        }
        let done = Arc::new(AtomicBool::new(false));
        let (wake, thread) = match background(conn, done.clone(), stats.clone()) {
            Some((w, t)) => (Some(w), Some(t)),
            None => (None, None),
        };
        Checkpoints { threshold, stats, wake, done, thread, running: false, next: threshold }
    }

    /// After a group committed (callers already answered): wake the checkpoint thread, finish what it
    /// did, or checkpoint here past the hard bound.
    pub fn after_commit(&mut self, conn: &Connection) {
        let pages = self.stats.wal_pages.load(Ordering::Relaxed);
        if pages < self.next - self.threshold {
            // The WAL started over.
            self.next = self.threshold;
        }
        if self.running && self.done.swap(false, Ordering::AcqRel) {
            self.running = false;
            self.finish(conn);
            // If readers kept it from starting over, try again once it grew by half a threshold.
            self.next = pages.max(self.threshold) + self.threshold / 2;
        } else if pages >= 4 * self.threshold && pages >= self.next {
            self.writer_checkpoint(conn, &self.stats.bound, &self.stats.bound_us);
            self.next = pages + self.threshold / 2;
        } else if !self.running && pages >= self.next {
            match &self.wake {
                Some(w) if w.send(()).is_ok() => self.running = true,
                _ => {
                    self.writer_checkpoint(conn, &self.stats.bound, &self.stats.bound_us);
                    self.next = pages + self.threshold / 2;
                }
            }
        }
    }

    /// Copy what the background checkpoint left (the frames committed while it ran), so that the
    /// writer's next write starts the WAL over. PASSIVE, as SQLite's auto-checkpoint: a reader still
    /// on the WAL (a pooled read at that moment, or Litestream's lasting read transaction) is not
    /// waited for; the WAL then goes on growing and the next try comes half a threshold later. (A
    /// RESTART checkpoint here, which waits for such readers, took longer per stall in the chat runs:
    /// SQLite's busy handler sleeps a millisecond or more at a time.)
    fn finish(&self, conn: &Connection) {
        self.writer_checkpoint(conn, &self.stats.finish, &self.stats.finish_us);
    }

    fn writer_checkpoint(&self, conn: &Connection, count: &AtomicU64, us: &AtomicU64) {
        let t = Instant::now();
        if let Err(e) = conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE) {
            log::debug!("writer: checkpoint: {e}");
        }
        count.fetch_add(1, Ordering::Relaxed);
        us.fetch_add(t.elapsed().as_micros() as u64, Ordering::Relaxed);
    }

    /// Stop the checkpoint thread (before the writer's last checkpoint, which it would otherwise find busy).
    pub fn stop(&mut self) {
        self.wake = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// At most this many PASSIVE passes per wake-up; the last leaves at most `CHASE_LEFT` frames, or as
/// many as were committed while it ran.
const CHASE_PASSES: usize = 6;
const CHASE_LEFT: i32 = 64;

/// PASSIVE passes while the writer commits: each copies what the last one left, until few frames are left.
fn chase(conn: &Connection) {
    for _ in 0..CHASE_PASSES {
        match conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE) {
            Ok((log, copied)) if log - copied > CHASE_LEFT => continue,
            Ok(_) => return,
            Err(e) => {
                log::debug!("checkpoint: {e}");
                return;
            }
        }
    }
}

const SYNC_ROUNDS: usize = 2;

/// Sync the database file. SQLite syncs it only after a checkpoint that copied every frame, which
/// under a steady load is the writer's finishing step: that step then flushed the thousands of pages
/// the passes here had written (9–12 ms on the writer in chat, every ~0.5 s: the p99). Synced here,
/// the finish is left with its own few pages. Through SQLite's own file handle: a descriptor of ours,
/// once closed, would drop every POSIX lock the process holds on the file (SQLite's documented
/// pitfall), the locks that tell another process (Litestream, a backup) that the database is in use.
///
/// Before the sync, the pages go to the disk a stretch of the file at a time (`write_back`): a disk
/// with a write cache empties all of it at every flush, so one sync of the whole checkpoint made each
/// WAL commit synced meanwhile wait for megabytes (commits of 2–11 ms in every stall of chat's tail).
/// `fd` is the file's descriptor inside that handle (`descriptor`, found once per connection).
fn sync_database(conn: &Connection, fd: Option<libc::c_int>) {
    // SAFETY: the handle is the connection's open main-database file; this thread owns the
    // connection, so nothing else uses the handle meanwhile.
    unsafe {
        let Some(file) = main_file(conn) else { return };
        let Some(sync) = (*file).pMethods.as_ref().and_then(|m| m.xSync) else { return };
        if let Some(fd) = fd {
            write_back(fd);
        }
        sync(file, rusqlite::ffi::SQLITE_SYNC_NORMAL);
    }
}

/// SQLite's handle of the connection's main database file.
///
/// # Safety
/// The handle is only valid while `conn` is open and must not be used by two threads at once.
unsafe fn main_file(conn: &Connection) -> Option<*mut rusqlite::ffi::sqlite3_file> {
    let mut file: *mut rusqlite::ffi::sqlite3_file = std::ptr::null_mut();
    // SAFETY: FILE_POINTER fills `file` with the open main-database file, or leaves it null.
    let rc = unsafe {
        rusqlite::ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            rusqlite::ffi::SQLITE_FCNTL_FILE_POINTER,
            (&mut file as *mut *mut rusqlite::ffi::sqlite3_file).cast(),
        )
    };
    (rc == rusqlite::ffi::SQLITE_OK && !file.is_null() && unsafe { !(*file).pMethods.is_null() }).then_some(file)
}

/// The stretch of the file written back at a time, and the pause after each that wrote something, in
/// which the WAL's commits sync with little of ours in the disk's cache.
const STRETCH: i64 = 4 << 20;
const PAUSE: std::time::Duration = std::time::Duration::from_micros(500);
/// A stretch with no dirty page returns in a few µs; one that took longer wrote something.
const WROTE: std::time::Duration = std::time::Duration::from_micros(100);

/// Write the file's dirty pages to the disk one `STRETCH` at a time (`sync_file_range`: start the
/// writes, wait for them; no flush of the disk's cache, which the sync after does once). A large
/// file with few dirty pages is walked without pauses.
fn write_back(fd: libc::c_int) {
    // SAFETY: fstat fills the struct it is given; sync_file_range only reads its arguments.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        if libc::fstat(fd, &mut st) != 0 {
            return;
        }
        let flags = libc::SYNC_FILE_RANGE_WAIT_BEFORE | libc::SYNC_FILE_RANGE_WRITE | libc::SYNC_FILE_RANGE_WAIT_AFTER;
        let mut at = 0;
        while at < st.st_size {
            let t = Instant::now();
            if libc::sync_file_range(fd, at, STRETCH, flags) != 0 {
                return;
            }
            at += STRETCH;
            if t.elapsed() > WROTE {
                std::thread::sleep(PAUSE);
            }
        }
    }
}

/// The descriptor inside SQLite's unix file handle (`struct unixFile`: methods, VFS, inode, then the
/// descriptor), used only when it is one of the database file itself (same device and inode as its
/// path), so a different layout can only mean no write-back ahead of the sync.
///
/// # Safety
/// `file` is the connection's open main-database handle, from its own unix VFS.
unsafe fn descriptor(file: *mut rusqlite::ffi::sqlite3_file, conn: &Connection) -> Option<libc::c_int> {
    #[repr(C)]
    struct UnixFile {
        methods: *const rusqlite::ffi::sqlite3_io_methods,
        vfs: *const rusqlite::ffi::sqlite3_vfs,
        inode: *const std::ffi::c_void,
        h: libc::c_int,
    }
    use std::os::unix::fs::MetadataExt;
    let fd = unsafe { (*file.cast::<UnixFile>()).h };
    let meta = std::fs::metadata(conn.path()?).ok()?;
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fstat on any integer is safe; it fails on one that is no descriptor.
    (fd >= 0 && unsafe { libc::fstat(fd, &mut st) } == 0 && st.st_dev == meta.dev() && st.st_ino == meta.ino()).then_some(fd)
}

/// The checkpoint thread: PASSIVE checkpoints per wake-up until little is left, then say done.
fn background(conn: &Connection, done: Arc<AtomicBool>, stats: Arc<CheckpointStats>) -> Option<(mpsc::Sender<()>, JoinHandle<()>)> {
    let path = conn.path().filter(|p| !p.is_empty())?.to_string();
    // Checkpoints sync as the writer's commits do (FULL and NORMAL both sync a checkpoint).
    let full = conn.pragma_query_value(None, "synchronous", |r| r.get::<_, i64>(0)).map(|s| s >= 2).unwrap_or(true);
    let own = match super::connect(std::path::Path::new(&path), full) {
        Ok(c) => c,
        Err(e) => {
            log::warn!("checkpoints: cannot open a connection of their own ({e}); the writer checkpoints");
            return None;
        }
    };
    let (wake, woken) = mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("db-checkpoint".into())
        .spawn(move || {
            // SAFETY: this thread owns `own`; its file handle, and the descriptor in it, live as long.
            let fd = unsafe { main_file(&own).and_then(|f| descriptor(f, &own)) };
            for () in woken {
                let t = Instant::now();
                // Copy and sync, twice: the second round takes what was committed during the first
                // round's sync, so the writer's finishing step is left with a few groups' pages.
                for _ in 0..SYNC_ROUNDS {
                    chase(&own);
                    sync_database(&own, fd);
                }
                stats.background.fetch_add(1, Ordering::Relaxed);
                stats.background_us.fetch_add(t.elapsed().as_micros() as u64, Ordering::Relaxed);
                done.store(true, Ordering::Release);
            }
        })
        .ok()?;
    Some((wake, thread))
}

#[cfg(test)]
mod tests {
    /// The write-back depends on the layout of SQLite's unix file handle: should an upgrade change
    /// it, the sync still happens but all at once again, and this says so.
    #[test]
    fn the_write_back_finds_the_database_files_own_descriptor() {
        let dir = std::env::temp_dir().join(format!("frontdesk-checkpoint-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let conn = crate::db::connect(&dir.join("d.db"), true).unwrap();
        conn.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);").unwrap();
        // SAFETY: this thread owns `conn`, which outlives the handle's use here.
        let fd = unsafe { super::main_file(&conn).and_then(|f| super::descriptor(f, &conn)) };
        assert!(fd.is_some_and(|fd| fd > 2), "SQLite's unixFile layout changed: no write-back before the sync");
        super::write_back(fd.unwrap());
        drop(conn);
        let _ = std::fs::remove_dir_all(dir);
    }
}
