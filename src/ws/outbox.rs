//! The write side of one WebSocket: every frame for a connection (pushed events, acks, pongs, pings,
//! close) goes through its `Outbox`, under one lock, so frames never interleave. Writes never block:
//! `send(MSG_DONTWAIT)` puts what the kernel takes, the rest waits in a bounded backlog that the
//! flusher thread drains when the socket becomes writable. A client whose backlog overflows is cut
//! off (it then reconnects and resumes): a stalled reader cannot slow anyone else.

use std::collections::HashMap;
use std::net::{Shutdown, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};

use tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tungstenite::protocol::frame::{CloseFrame, Frame};

/// Bytes a connection may have waiting before it is dropped as too slow.
pub const MAX_BACKLOG: usize = 1024 * 1024;

pub struct Outbox {
    pub id: u64,
    stream: Arc<TcpStream>,
    backlog: Mutex<Vec<u8>>,
    closed: AtomicBool,
    /// A close frame is queued: nothing may follow it (set and read under the backlog lock).
    closing: AtomicBool,
    /// The code of the first close frame we sent (0: none), for metrics.
    close_code: std::sync::atomic::AtomicU16,
    flusher: Mutex<Sender<Arc<Outbox>>>,
}

impl Outbox {
    pub fn new(id: u64, stream: Arc<TcpStream>, flusher: Sender<Arc<Outbox>>) -> Arc<Outbox> {
        Arc::new(Outbox {
            id,
            stream,
            backlog: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
            closing: AtomicBool::new(false),
            close_code: std::sync::atomic::AtomicU16::new(0),
            flusher: Mutex::new(flusher),
        })
    }

    /// The code of the close frame we sent first, if any.
    pub fn sent_close_code(&self) -> Option<u16> {
        Some(self.close_code.load(Ordering::Relaxed)).filter(|c| *c != 0)
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }

    pub fn text(self: &Arc<Self>, text: &str) -> bool {
        self.frame(Frame::message(text.as_bytes().to_vec(), OpCode::Data(Data::Text), true))
    }

    /// An empty ping (FIN + opcode 9, no payload: a server's frames are unmasked). The pinger sends
    /// one to every socket every 30 s, so it is two constant bytes rather than a frame encoded each time.
    pub fn ping(self: &Arc<Self>) -> bool {
        self.raw(&[0x89, 0x00])
    }

    /// Send a close frame and shut the socket's write side once it is out.
    /// Nothing is sent after it (a browser drops the close code of a socket that sends data after
    /// its close frame, and the client would read a plain drop).
    pub fn close(self: &Arc<Self>, code: CloseCode, reason: &str) {
        let _ = self.close_code.compare_exchange(0, code.into(), Ordering::Relaxed, Ordering::Relaxed);
        self.push(&encode(Frame::close(Some(CloseFrame { code, reason: reason.to_string().into() }))), true);
    }

    fn frame(self: &Arc<Self>, frame: Frame) -> bool {
        self.raw(&encode(frame))
    }

    /// Queue bytes that already form whole frames. Returns false once the connection is closed.
    pub fn raw(self: &Arc<Self>, bytes: &[u8]) -> bool {
        self.push(bytes, false)
    }

    fn push(self: &Arc<Self>, bytes: &[u8], last: bool) -> bool {
        if self.is_closed() {
            return false;
        }
        let mut backlog = self.backlog.lock().unwrap_or_else(|p| p.into_inner());
        if self.closing.swap(last, Ordering::Relaxed) {
            self.closing.store(true, Ordering::Relaxed);
            return false;
        }
        let mut rest = bytes;
        if backlog.is_empty() {
            match send_nonblocking(&self.stream, rest) {
                Ok(n) => rest = &rest[n..],
                Err(_) => {
                    drop(backlog);
                    self.kill();
                    return false;
                }
            }
            if rest.is_empty() {
                return true;
            }
        }
        let was_empty = backlog.is_empty();
        backlog.extend_from_slice(rest);
        if backlog.len() > MAX_BACKLOG {
            drop(backlog);
            log::info!("ws {}: client too slow ({} KiB waiting), disconnecting", self.id, MAX_BACKLOG / 1024);
            self.kill();
            return false;
        }
        drop(backlog);
        if was_empty {
            let _ = self.flusher.lock().unwrap_or_else(|p| p.into_inner()).send(self.clone());
        }
        true
    }

    /// Push out what the socket takes now; true when the backlog is empty.
    fn flush_some(&self) -> bool {
        let mut backlog = self.backlog.lock().unwrap_or_else(|p| p.into_inner());
        match send_nonblocking(&self.stream, &backlog) {
            Ok(n) => {
                backlog.drain(..n);
                backlog.is_empty()
            }
            Err(_) => {
                drop(backlog);
                self.kill();
                true
            }
        }
    }

    /// Close the socket both ways: the reader thread wakes with EOF and cleans up.
    pub fn kill(&self) {
        self.closed.store(true, Ordering::Relaxed);
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

fn encode(frame: Frame) -> Vec<u8> {
    let mut buf = Vec::with_capacity(frame.len());
    // Formatting into a Vec cannot fail.
    let _ = frame.format(&mut buf);
    buf
}

/// `send(2)` with MSG_DONTWAIT: never blocks, whatever the socket's mode. MSG_NOSIGNAL: a closed
/// peer gives EPIPE instead of killing the process with SIGPIPE.
fn send_nonblocking(stream: &TcpStream, buf: &[u8]) -> std::io::Result<usize> {
    if buf.is_empty() {
        return Ok(0);
    }
    // SAFETY: the pointer and length describe `buf`, which outlives the call; the fd is open for
    // as long as `stream` lives.
    let n = unsafe { libc::send(stream.as_raw_fd(), buf.as_ptr().cast(), buf.len(), libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL) };
    if n >= 0 {
        return Ok(n as usize);
    }
    let e = std::io::Error::last_os_error();
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted => Ok(0),
        _ => Err(e),
    }
}

/// The flusher thread: waits (poll) for backlogged sockets to become writable and drains them.
pub fn run_flusher(rx: Receiver<Arc<Outbox>>) {
    let mut waiting: HashMap<u64, Arc<Outbox>> = HashMap::new();
    loop {
        if waiting.is_empty() {
            match rx.recv() {
                Ok(o) => {
                    waiting.insert(o.id, o);
                }
                Err(_) => return,
            }
        }
        while let Ok(o) = rx.try_recv() {
            waiting.insert(o.id, o);
        }
        waiting.retain(|_, o| !o.is_closed());
        let list: Vec<Arc<Outbox>> = waiting.values().cloned().collect();
        let mut fds: Vec<libc::pollfd> =
            list.iter().map(|o| libc::pollfd { fd: o.stream.as_raw_fd(), events: libc::POLLOUT, revents: 0 }).collect();
        // SAFETY: `fds` is a valid array of `fds.len()` pollfd structs for the duration of the call.
        // A short timeout so newly backlogged sockets join the poll set quickly.
        unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, 20) };
        for (o, fd) in list.iter().zip(&fds) {
            if fd.revents != 0 && o.flush_some() {
                waiting.remove(&o.id);
            }
        }
    }
}
