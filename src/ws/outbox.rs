//! The write side of one WebSocket: every frame for a connection (pushed events, acks, pongs, pings,
//! close) goes through its `Outbox`, under one lock, so frames never interleave. Writes never block:
//! `send(MSG_DONTWAIT)` puts what the kernel takes, the rest waits in a bounded backlog that the
//! flusher thread drains when the socket becomes writable. The backlog is a queue of frames, each
//! freed once sent, and it counts what it holds against the process-wide `Budget` (`ws::budget`).
//! A client whose backlog overflows its own cap, or who is furthest behind when the budget is spent,
//! is cut (close code 1013; it then reconnects and resumes): a stalled reader cannot slow anyone else,
//! and all of them together cannot take more memory than the budget.

use std::collections::VecDeque;
use std::net::{Shutdown, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use tungstenite::protocol::frame::coding::CloseCode;

use super::budget::{Budget, CUT_CODE};
pub use super::flusher::{CUT_GRACE, run_flusher};
pub use super::send::text_frame;
use super::send::{Bytes, IOV_AT_ONCE, close_frame, encode, send_all_nonblocking};

/// Bytes a connection may have waiting before it is dropped as too slow.
pub const MAX_BACKLOG: usize = 1024 * 1024;
/// The kernel's send buffer for a WebSocket (it doubles this for its bookkeeping). Left to
/// autotuning, a loopback or fast-LAN socket whose peer stopped reading takes up to `tcp_wmem`'s
/// maximum (4 MiB here) of kernel memory, outside any budget of ours; events are small frames, and
/// 64 KiB in flight is plenty for them.
pub const KERNEL_SEND_BUFFER: libc::c_int = 64 * 1024;
/// Bytes the kernel may hold for a socket that it cannot send yet (`TCP_NOTSENT_LOWAT`): once the
/// peer's receive window is full, a `send` is refused when this much waits unsent (the kernel checks
/// when it starts a segment, so it may still fill the one it has begun: up to 64 KiB on loopback).
/// A client that stopped reading then holds its window plus about that in the kernel, not its
/// window plus the whole send buffer: on loopback 142–169 KiB against 248–276 KiB, measured. Bytes
/// on their way to a reader are not limited by it, only bytes the peer has no room for: a reader
/// with a large receive window (an agent's burst) gets all of it, as before. In a flood of clients
/// that stopped reading the fan-out copies into each socket until `send` refuses, so this is the
/// fan-out's work as much as memory (BENCHMARKS.md, "Flood: the unsent limit and the slow lane").
pub const KERNEL_UNSENT: libc::c_int = 16 * 1024;
/// What one queued frame costs besides its bytes: its pointer in the queue.
const PER_FRAME: usize = std::mem::size_of::<Frame>();

/// An encoded frame, shared: an event's frame is the same bytes for every socket that gets it
/// (a server's frames are not masked), so a thousand backlogs hold one copy of it, not a thousand.
pub type Frame = Arc<[u8]>;

/// Frames waiting for the socket, oldest first; `sent` bytes of the first are already out.
#[derive(Default)]
struct Backlog {
    frames: VecDeque<Frame>,
    sent: usize,
    /// Sum of the frames' lengths. A frame shared with other backlogs counts in each, so the budget
    /// counts at least what the process holds (every socket's share in full).
    bytes: usize,
}

impl Backlog {
    fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// The memory this backlog holds: what the budget counts.
    fn held(&self) -> usize {
        self.bytes + self.frames.capacity() * PER_FRAME
    }

    fn push(&mut self, bytes: Frame) {
        self.bytes += bytes.len();
        self.frames.push_back(bytes);
    }

    /// Drop every frame not yet started; keep the rest of one the peer has begun to receive (so the
    /// stream stays whole and a close frame can follow it), and, with `keep_last`, the last frame (a
    /// close frame already queued: without it the client would read a plain drop).
    fn drop_unsent(&mut self, keep_last: bool) {
        let sent = self.sent;
        let partial = if sent > 0 { self.frames.pop_front() } else { None };
        let last = if keep_last { self.frames.pop_back() } else { None };
        *self = Backlog::default();
        for f in partial.into_iter().chain(last) {
            self.push(f);
        }
        self.sent = if self.is_empty() { 0 } else { sent };
    }
}

pub struct Outbox {
    pub id: u64,
    pub(super) stream: Arc<TcpStream>,
    backlog: Mutex<Backlog>,
    /// What `backlog` holds, as last told to the budget (readable without the lock).
    held: AtomicUsize,
    budget: Arc<Budget>,
    closed: AtomicBool,
    /// A close frame is queued: nothing may follow it (set and read under the backlog lock).
    closing: AtomicBool,
    /// Cut for reading too slowly (its backlog was dropped).
    cut: AtomicBool,
    /// When it was cut (`clock_ms`): a cut client that has not taken its close frame within
    /// `CUT_GRACE` is not reading at all, and its socket is closed.
    pub(super) cut_at: AtomicU64,
    /// The code of the first close frame we sent (0: none), for metrics.
    close_code: std::sync::atomic::AtomicU16,
    flusher: Mutex<Sender<Arc<Outbox>>>,
    /// For the pinger's keepalive rounds and the asking pings (`ws::keepalive`).
    pub live: super::keepalive::Liveness,
}

impl Outbox {
    pub fn new(id: u64, stream: Arc<TcpStream>, flusher: Sender<Arc<Outbox>>, budget: Arc<Budget>) -> Arc<Outbox> {
        limit_kernel_buffers(&stream);
        let o = Arc::new(Outbox {
            id,
            stream,
            backlog: Mutex::new(Backlog::default()),
            held: AtomicUsize::new(0),
            budget,
            closed: AtomicBool::new(false),
            closing: AtomicBool::new(false),
            cut: AtomicBool::new(false),
            cut_at: AtomicU64::new(0),
            close_code: std::sync::atomic::AtomicU16::new(0),
            flusher: Mutex::new(flusher),
            live: Default::default(),
        });
        o.budget.register(&o);
        o
    }

    /// Bytes this socket's backlog holds.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }

    pub fn is_cut(&self) -> bool {
        self.cut.load(Ordering::Relaxed)
    }

    /// The code of the close frame we sent first, if any.
    pub fn sent_close_code(&self) -> Option<u16> {
        Some(self.close_code.load(Ordering::Relaxed)).filter(|c| *c != 0)
    }

    /// Whether `kill` is done: once this is true the backlog is freed and nothing is queued again.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    pub fn text(self: &Arc<Self>, text: &str) -> bool {
        self.raw(&text_frame(text))
    }

    /// Whether this socket has nothing waiting and is not being closed: a reader that keeps up.
    pub fn keeping_up(&self) -> bool {
        self.held() == 0 && self.takes_frames()
    }

    /// Whether frames can still be queued: not closed, no close frame queued (a cut socket takes
    /// none until it is gone).
    pub fn takes_frames(&self) -> bool {
        !self.closing.load(Ordering::Relaxed) && !self.is_closed()
    }

    /// Send a close frame and shut the socket's write side once it is out.
    /// Nothing is sent after it (a browser drops the close code of a socket that sends data after
    /// its close frame, and the client would read a plain drop).
    pub fn close(self: &Arc<Self>, code: CloseCode, reason: &str) {
        let _ = self.close_code.compare_exchange(0, code.into(), Ordering::Relaxed, Ordering::Relaxed);
        self.push(&[Bytes::Own(&encode(close_frame(code, reason)))], true);
    }

    /// Queue bytes that already form whole frames. Returns false once the connection is closed.
    pub fn raw(self: &Arc<Self>, bytes: &[u8]) -> bool {
        self.push(&[Bytes::Own(bytes)], false)
    }

    /// Queue frames that other sockets get too (a fan-out round's share, `hub::fanout`): a backlog
    /// keeps references to them instead of copies, and what the kernel takes goes in one `sendmsg`.
    pub fn shared_all(self: &Arc<Self>, frames: &[Frame]) -> bool {
        let frames: Vec<Bytes<'_>> = frames.iter().map(Bytes::Shared).collect();
        self.push(&frames, false)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Backlog> {
        self.backlog.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Tell the budget what the backlog holds now (called under the backlog lock).
    fn account(&self, backlog: &Backlog) {
        let now = backlog.held();
        let before = self.held.swap(now, Ordering::Relaxed);
        self.budget.adjust(before, now);
    }

    fn push(self: &Arc<Self>, frames: &[Bytes<'_>], last: bool) -> bool {
        // Closing is for good: a cut socket (thousands of them in a flood) costs no lock.
        if self.is_closed() || self.closing.load(Ordering::Relaxed) {
            return false;
        }
        self.live.queued.fetch_add(frames.iter().map(|f| f.bytes().len()).sum(), Ordering::Relaxed);
        let mut backlog = self.lock();
        // Killed between the check above and the lock: its backlog is freed for good.
        if self.is_closed() {
            return false;
        }
        if self.closing.swap(last, Ordering::Relaxed) {
            self.closing.store(true, Ordering::Relaxed);
            return false;
        }
        let was_empty = backlog.is_empty();
        // Frames the kernel took whole, and bytes of the next one.
        let (mut whole, mut sent) = (0, 0);
        if was_empty {
            match send_all_nonblocking(&self.stream, frames) {
                Ok(mut n) => {
                    while let Some(f) = frames.get(whole).filter(|f| n >= f.bytes().len()) {
                        n -= f.bytes().len();
                        whole += 1;
                    }
                    sent = n;
                }
                Err(_) => {
                    drop(backlog);
                    self.kill();
                    return false;
                }
            }
            if whole == frames.len() {
                return true;
            }
        }
        // Appended first and enforced after, so a frame the peer has begun to receive is never
        // out of the queue while the lock is released: the budget can be over by one frame per
        // pushing thread, for the moment it takes to cut.
        for f in &frames[whole..] {
            backlog.push(match f {
                Bytes::Own(b) => Frame::from(*b),
                Bytes::Shared(f) => (*f).clone(),
            });
        }
        if was_empty {
            backlog.sent = sent;
        }
        self.account(&backlog);
        let held = backlog.held();
        drop(backlog);
        if held > MAX_BACKLOG {
            log::info!("ws {}: client too slow ({} KiB waiting), disconnecting", self.id, held / 1024);
            self.cut();
            return false;
        }
        if !self.budget.fits(0) {
            self.budget.make_room(0);
        }
        if was_empty {
            let _ = self.flusher.lock().unwrap_or_else(|p| p.into_inner()).send(self.clone());
        }
        !self.is_cut()
    }

    /// Cut a reader that is too slow: drop its backlog (all but the rest of a frame it has begun
    /// to receive), queue a close frame with `CUT_CODE` so it reconnects and resumes, and shut the
    /// socket once that is out. Frees the memory at once, whether or not the peer ever reads again.
    pub(super) fn cut(self: &Arc<Self>) {
        let mut backlog = self.lock();
        if self.cut.swap(true, Ordering::Relaxed) || self.is_closed() {
            return;
        }
        self.cut_at.store(clock_ms(), Ordering::Relaxed);
        // A close frame already queued (a session that ended, a restart) stays: it is the last frame.
        backlog.drop_unsent(self.closing.load(Ordering::Relaxed));
        if !self.closing.swap(true, Ordering::Relaxed) {
            let _ = self.close_code.compare_exchange(0, CUT_CODE, Ordering::Relaxed, Ordering::Relaxed);
            backlog.push(encode(close_frame(CUT_CODE.into(), "too slow: reconnect and resume")).into());
        }
        self.account(&backlog);
        let empty = backlog.is_empty();
        drop(backlog);
        self.budget.counted_cut();
        if empty {
            self.kill();
        } else {
            let _ = self.flusher.lock().unwrap_or_else(|p| p.into_inner()).send(self.clone());
        }
    }

    /// Push out what the socket takes now; true when the backlog is empty.
    pub(super) fn flush_some(&self) -> bool {
        let mut backlog = self.lock();
        // Up to `IOV_AT_ONCE` frames a `sendmsg`, again while the kernel takes all of them.
        while !backlog.is_empty() {
            let (result, offered) = {
                let b = &*backlog;
                let frames: Vec<Bytes<'_>> =
                    b.frames.iter().take(IOV_AT_ONCE).enumerate().map(|(i, f)| Bytes::Own(if i == 0 { &f[b.sent..] } else { f })).collect();
                (send_all_nonblocking(&self.stream, &frames), frames.iter().map(|f| f.bytes().len()).sum::<usize>())
            };
            let Ok(n) = result else {
                drop(backlog);
                self.kill();
                return true;
            };
            let mut at = backlog.sent + n;
            while let Some(len) = backlog.frames.front().map(|f| f.len()).filter(|len| at >= *len) {
                backlog.frames.pop_front();
                backlog.bytes -= len;
                at -= len;
            }
            backlog.sent = at;
            if n < offered {
                break;
            }
        }
        let empty = backlog.is_empty();
        if empty {
            // A drained queue keeps its capacity: give it back, or the budget would count less
            // than the process holds.
            backlog.frames = VecDeque::new();
        } else if backlog.frames.capacity() > 64 && backlog.frames.len() < backlog.frames.capacity() / 4 {
            backlog.frames.shrink_to_fit();
        }
        self.account(&backlog);
        // Decided under the lock: `cut` marks the outbox and queues its close frame under it, so a
        // cut outbox found empty here has sent its close frame. (Decided after the lock was let go,
        // a cut that came in between, its close frame still queued, looked sent: the FIN went out
        // first and the client read EOF without the 1013: the budget test failed 1 run in 8.)
        if empty && self.is_cut() {
            // The cut client's close frame is out: end our side with a FIN behind it. Not a full
            // shutdown: with the client's own frames still unread here, closing both ways would
            // answer them with a reset, and a reset makes the client's kernel drop the close frame
            // it has not read yet (seen: the client saw an error instead of 1013). The reader thread
            // ends on the client's close reply, its EOF, or the silence limit.
            let _ = self.stream.shutdown(Shutdown::Write);
        }
        drop(backlog);
        empty
    }

    /// Close the socket both ways (the reader thread wakes with EOF and cleans up) and free the backlog.
    /// Marked closed last, under the lock: whoever sees it closed sees the backlog freed, and a
    /// `push` that was waiting for the lock queues nothing after it. (Marked first, a test that
    /// saw the socket closed read the rest of a frame still held: CI, 1 run in many.)
    pub fn kill(&self) {
        let _ = self.stream.shutdown(Shutdown::Both);
        let mut backlog = self.lock();
        *backlog = Backlog::default();
        self.account(&backlog);
        self.closed.store(true, Ordering::Release);
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.budget.unregister(self.id);
        self.budget.adjust(self.held.swap(0, Ordering::Relaxed), 0);
    }
}

/// Set `KERNEL_SEND_BUFFER` and `KERNEL_UNSENT` on a WebSocket's socket. A failure leaves the
/// kernel's defaults (autotuning), which costs memory, not correctness.
fn limit_kernel_buffers(stream: &TcpStream) {
    for (level, option, value) in
        [(libc::SOL_SOCKET, libc::SO_SNDBUF, KERNEL_SEND_BUFFER), (libc::IPPROTO_TCP, libc::TCP_NOTSENT_LOWAT, KERNEL_UNSENT)]
    {
        // SAFETY: setsockopt on an open socket with a valid int option.
        unsafe {
            libc::setsockopt(
                stream.as_raw_fd(),
                level,
                option,
                (&value as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
    }
}

/// Milliseconds on a monotonic clock, counted from its first use.
pub(super) fn clock_ms() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed().as_millis() as u64
}
