//! The single writer thread. It owns the write connection and commits in groups: it takes every job
//! queued while the previous commit was syncing, runs each in its own SAVEPOINT (one failing job
//! does not undo the others), commits once, then answers each caller and hands the batch's events to
//! fan-out. A caller is answered only after COMMIT returned, so an acknowledged write is durable.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::events::{self, Audience, Event};
use crate::error::{Error, Result};

/// What a job sees: the open transaction and a place to record events for resume and fan-out.
pub struct WriteCtx<'a> {
    pub conn: &'a Connection,
    events: &'a mut Vec<Event>,
    stats: &'a WriterStats,
    /// A job queued an outbox row: the sender is woken after COMMIT (`db::outbox::Waker`).
    queued: &'a mut bool,
    /// The webhook endpoints events are delivered to, and whether a job queued a delivery.
    hooks: &'a super::hooks::Hooks,
    hooked: &'a mut bool,
    /// Messages counted for reports, added once for the whole group before COMMIT.
    tally: &'a mut super::reports::Tally,
}

impl WriteCtx<'_> {
    /// Record an event durably (in this transaction) and queue it for fan-out after commit. `data`
    /// is serialized once, straight to the text the row and every socket's frame carry (a struct
    /// needs no `serde_json::Value` tree built first; a `json!` value works as well).
    pub fn emit(&mut self, kind: &str, conversation_id: Option<i64>, audience: Audience, data: impl serde::Serialize) -> Result<i64> {
        let ev = events::insert(self.conn, kind, conversation_id, audience, serde_json::to_string(&data)?)?;
        if self.hooks.on_event(self.conn, &ev)? {
            *self.hooked = true;
        }
        let id = ev.id;
        self.events.push(ev);
        Ok(id)
    }

    /// Count a message for reports (a customer's or an agent's, not a note, in a live chat): added to
    /// the summaries with the rest of the group, in the same transaction.
    pub fn count_message(&mut self, at: i64, customer: bool, agent: i64) {
        self.tally.message(at, customer, agent);
    }

    /// Say that this job queued an outbox row: once the group commits, the sender is woken.
    pub fn delivery_queued(&mut self) {
        *self.queued = true;
    }

    /// Say that this job queued a webhook delivery: once the group commits, the webhook thread is woken.
    pub fn webhook_queued(&mut self) {
        *self.hooked = true;
    }

    /// The in-memory list of enabled endpoints (changed by the job that changes them).
    pub fn hooks(&self) -> &super::hooks::Hooks {
        self.hooks
    }
}

/// Told the outcome of the group's COMMIT: `None` committed, or why not.
type Done = Box<dyn FnOnce(Option<&rusqlite::Error>) + Send>;
/// A committed (or failed) group's callers, and the COMMIT's error if it failed.
type Answers = (Vec<Done>, Option<rusqlite::Error>);
type Job = Box<dyn FnOnce(&mut WriteCtx<'_>) -> Done + Send>;

enum Msg {
    Job(Job),
    Stop,
}

/// Counters the metrics endpoint and the benchmarks read.
#[derive(Default)]
pub struct WriterStats {
    pub commits: AtomicU64,
    pub jobs: AtomicU64,
    pub queued: AtomicUsize,
    /// Commit latency histogram buckets (µs upper bounds in `COMMIT_BUCKETS_US`), cumulative later.
    pub commit_hist: [AtomicU64; 8],
    pub commit_us_sum: AtomicU64,
    /// Messages committed (counted before the callers are answered).
    pub messages: AtomicU64,
    /// When "disk full" was last logged (ms), so a full disk logs once a minute, not per write.
    disk_full_logged: AtomicU64,
    /// Search-index batches the writer ran, and their time (each is a transaction of its own).
    pub search_runs: AtomicU64,
    pub search_us: AtomicU64,
    /// WAL checkpoints (`db::checkpoint`).
    pub checkpoints: Arc<super::checkpoint::CheckpointStats>,
}

pub const COMMIT_BUCKETS_US: [u64; 8] = [100, 250, 500, 1_000, 2_500, 5_000, 10_000, u64::MAX];

pub struct Writer {
    tx: SyncSender<Msg>,
    handle: Mutex<Option<JoinHandle<()>>>,
    pub stats: Arc<WriterStats>,
    /// Woken after a commit that queued an outbox row.
    pub waker: Arc<super::outbox::Waker>,
    /// Webhook endpoints and their thread's waker.
    pub hooks: Arc<super::hooks::Hooks>,
}

const MAX_BATCH: usize = 512;

impl Writer {
    /// Start the writer thread on `conn`; committed events go to `sink` in commit order.
    /// Rows are stamped with `clock` (`db::now_ms` on this thread). New messages are indexed for
    /// search once no job has come for `search_idle`, and under load every ten times that. The WAL
    /// is checkpointed off this thread once it has `checkpoint_pages` pages (`db::checkpoint`).
    pub fn start(
        mut conn: Connection,
        sink: mpsc::Sender<Vec<Event>>,
        clock: super::Clock,
        search_idle: Duration,
        checkpoint_pages: u32,
    ) -> Writer {
        super::tune_writer(&conn);
        let (tx, rx) = mpsc::sync_channel::<Msg>(16_384);
        let stats = Arc::new(WriterStats::default());
        let checkpoints = super::checkpoint::Checkpoints::start(&mut conn, checkpoint_pages, stats.checkpoints.clone());
        let st = stats.clone();
        let waker = Arc::new(super::outbox::Waker::default());
        let wk = waker.clone();
        let hooks = Arc::new(super::hooks::Hooks::default());
        let hk = hooks.clone();
        let handle = std::thread::Builder::new()
            .name("db-writer".into())
            .spawn(move || {
                clock.install_on_this_thread();
                // Waking each caller (a futex wake and often a preemption per message) is done by a
                // thread of its own, after the COMMIT as before: it cost the writer about as much
                // kernel time as all its SQL did user time. See `answer`.
                let (answers, to_answer) = mpsc::channel::<Answers>();
                let answerer = std::thread::Builder::new()
                    .name("db-answer".into())
                    .spawn(move || answer(to_answer))
                    .expect("spawn the thread that answers writes");
                let search = super::search_index::Schedule::new(search_idle);
                run(conn, rx, Handoff { events: sink, answers, checkpoints }, st, wk, hk, search);
                let _ = answerer.join();
            })
            .expect("spawn the writer thread");
        Writer { tx, handle: Mutex::new(Some(handle)), stats, waker, hooks }
    }

    /// Run `f` inside the group transaction; returns its value once committed.
    pub fn write<T: Send + 'static>(&self, f: impl FnOnce(&mut WriteCtx<'_>) -> Result<T> + Send + 'static) -> Result<T> {
        let (reply_tx, reply_rx) = mpsc::sync_channel::<Result<T>>(1);
        let job: Job = Box::new(move |ctx: &mut WriteCtx<'_>| {
            let (mark, counted) = (ctx.events.len(), ctx.tally.len());
            let result = match savepoint(ctx.conn, "SAVEPOINT job") {
                Ok(()) => {
                    let r = f(ctx);
                    if let Err(e) = &r {
                        ctx.events.truncate(mark);
                        ctx.tally.truncate(counted);
                        if e.status == 507 {
                            log_disk_full(ctx.conn, ctx.stats);
                        }
                    }
                    let end = if r.is_ok() {
                        savepoint(ctx.conn, "RELEASE job")
                    } else {
                        savepoint(ctx.conn, "ROLLBACK TO job").and_then(|_| savepoint(ctx.conn, "RELEASE job"))
                    };
                    match end {
                        Ok(()) => r,
                        Err(e) => Err(Error::internal(format!("savepoint: {e}"))),
                    }
                }
                Err(e) => Err(Error::internal(format!("savepoint: {e}"))),
            };
            Box::new(move |failed: Option<&rusqlite::Error>| {
                let r = match failed {
                    None => result,
                    Some(e) if crate::error::disk_full(e) => result.and(Err(Error::disk_full(format!("commit: {e}")))),
                    Some(e) => result.and(Err(Error::internal(format!("commit failed: {e}")))),
                };
                let _ = reply_tx.send(r);
            })
        });
        self.stats.queued.fetch_add(1, Ordering::Relaxed);
        self.tx.send(Msg::Job(job)).map_err(|_| Error::new(503, "The server is shutting down; try again in a moment."))?;
        reply_rx.recv().map_err(|_| Error::new(503, "The server is shutting down; try again in a moment."))?
    }

    /// Finish every queued write, then stop the thread.
    pub fn stop(&self) {
        let _ = self.tx.send(Msg::Stop);
        if let Some(h) = self.handle.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = h.join();
        }
    }
}

/// Say which file system is full, once a minute at most (every write fails alike meanwhile).
fn log_disk_full(conn: &Connection, stats: &WriterStats) {
    let now = super::now_ms() as u64;
    let last = stats.disk_full_logged.swap(now, Ordering::Relaxed);
    if now.saturating_sub(last) < 60_000 {
        stats.disk_full_logged.store(last, Ordering::Relaxed);
        return;
    }
    let path = conn.path().unwrap_or("").to_string();
    let (mount, free) = crate::db::space::describe(std::path::Path::new(&path));
    log::error!(
        "disk full: the file system mounted at {mount} (holding {path}) has {free} left; writes fail with 507 until space is freed"
    );
}

/// Savepoint statements, prepared once (this runs for every write).
fn savepoint(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

/// Where a committed group goes: its events to fan-out, its callers to the answering thread, and
/// its WAL pages to the checkpoints.
struct Handoff {
    events: mpsc::Sender<Vec<Event>>,
    answers: mpsc::Sender<Answers>,
    checkpoints: super::checkpoint::Checkpoints,
}

/// Tell each group's callers how its COMMIT went, group after group (the writer's order).
fn answer(groups: Receiver<Answers>) {
    for (dones, failed) in groups {
        answer_now(dones, failed.as_ref());
    }
}

fn run(
    conn: Connection,
    rx: Receiver<Msg>,
    mut out: Handoff,
    stats: Arc<WriterStats>,
    waker: Arc<super::outbox::Waker>,
    hooks: Arc<super::hooks::Hooks>,
    mut search: super::search_index::Schedule,
) {
    let mut stopping = false;
    loop {
        let mut batch: Vec<Job> = Vec::new();
        if stopping {
            // After Stop: commit whatever is still queued, without blocking, then leave.
            match rx.try_recv() {
                Ok(Msg::Job(j)) => batch.push(j),
                Ok(Msg::Stop) => continue,
                Err(_) => break,
            }
        } else {
            // Idle with messages not yet indexed: index them once the wait runs out.
            let next = match search.wait() {
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(idle) => rx.recv_timeout(idle),
            };
            match next {
                Ok(Msg::Job(j)) => batch.push(j),
                Ok(Msg::Stop) => {
                    stopping = true;
                    continue;
                }
                Err(RecvTimeoutError::Timeout) => {
                    index(&conn, &mut search, &stats);
                    out.checkpoints.after_commit(&conn);
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        // Take everything that queued up meanwhile: this is the group commit.
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(Msg::Job(j)) => batch.push(j),
                Ok(Msg::Stop) => stopping = true,
                Err(_) => break,
            }
        }
        stats.queued.fetch_sub(batch.len(), Ordering::Relaxed);
        let mut events = Vec::new();
        let mut queued = false;
        let mut hooked = false;
        let mut tally = super::reports::Tally::default();
        let mut dones = Vec::with_capacity(batch.len());
        let began = conn.execute_batch("BEGIN IMMEDIATE");
        if let Err(e) = began {
            log::error!("writer: BEGIN failed: {e}");
            // Dropping the jobs drops their reply senders: each caller gets an error, none waits.
            drop(batch);
            continue;
        }
        for job in batch {
            let mut ctx = WriteCtx {
                conn: &conn,
                events: &mut events,
                stats: &stats,
                queued: &mut queued,
                hooks: &hooks,
                hooked: &mut hooked,
                tally: &mut tally,
            };
            dones.push(job(&mut ctx));
        }
        let t = Instant::now();
        let failed = match tally.flush(&conn).and_then(|_| conn.execute_batch("COMMIT")) {
            Ok(()) => None,
            Err(e) => {
                log::error!("writer: COMMIT failed: {e}");
                if crate::error::disk_full(&e) {
                    log_disk_full(&conn, &stats);
                }
                let _ = conn.execute_batch("ROLLBACK");
                Some(e)
            }
        };
        let committed = failed.is_none();
        let us = t.elapsed().as_micros() as u64;
        stats.commit_us_sum.fetch_add(us, Ordering::Relaxed);
        let bucket = COMMIT_BUCKETS_US.iter().position(|b| us <= *b).unwrap_or(7);
        stats.commit_hist[bucket].fetch_add(1, Ordering::Relaxed);
        stats.commits.fetch_add(1, Ordering::Relaxed);
        stats.jobs.fetch_add(dones.len() as u64, Ordering::Relaxed);
        if committed {
            let n = events.iter().filter(|e| e.kind == "message.created").count();
            stats.messages.fetch_add(n as u64, Ordering::Relaxed);
            if n > 0 {
                search.committed();
            }
        }
        if committed && queued {
            waker.wake();
        }
        if committed && hooked {
            hooks.waker.wake();
        }
        if committed && !events.is_empty() {
            // Hand events on before answering, so an ack never overtakes its own event's fan-out
            // by more than the fan-out thread's queue.
            let _ = out.events.send(events);
        }
        if let Err(mpsc::SendError((dones, failed))) = out.answers.send((dones, failed)) {
            // The answering thread is gone (it panicked): answer here rather than leave callers waiting.
            answer_now(dones, failed.as_ref());
        }
        // Under a steady load the queue is never empty for long: index a batch now and then anyway.
        if !stopping && search.due() {
            index(&conn, &mut search, &stats);
        }
        // Callers answered and events handed on: checkpoints wait for no one here.
        out.checkpoints.after_commit(&conn);
    }
    out.checkpoints.stop();
    checkpoint_at_stop(&conn);
}

/// One search-index batch, timed for `/metrics`.
fn index(conn: &Connection, search: &mut super::search_index::Schedule, stats: &WriterStats) {
    let t = Instant::now();
    search.run(conn);
    stats.search_runs.fetch_add(1, Ordering::Relaxed);
    stats.search_us.fetch_add(t.elapsed().as_micros() as u64, Ordering::Relaxed);
}

fn answer_now(dones: Vec<Done>, failed: Option<&rusqlite::Error>) {
    for done in dones {
        done(failed);
    }
}

/// Fold the WAL into the database before leaving, without waiting: another process reading the
/// database (Litestream holds a read transaction all the time) would make a TRUNCATE checkpoint
/// wait out the whole busy timeout (10 s: every stop took that long, as long as Docker waits before
/// it kills). With no busy wait it does what the readers allow and the rest waits for the next start.
fn checkpoint_at_stop(conn: &Connection) {
    let _ = conn.busy_timeout(std::time::Duration::ZERO);
    match conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))) {
        Ok((0, _, _)) => {}
        Ok((_, log, done)) => log::info!("writer: another reader holds the database; checkpointed {done} of {log} WAL pages at stop"),
        Err(e) => log::info!("writer: checkpoint at stop skipped: {e}"),
    }
}
