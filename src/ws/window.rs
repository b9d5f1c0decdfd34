//! How far a peer's application is behind, seen from our side of the TCP connection, so a socket
//! whose client stopped reading stops taking frames after `AHEAD` bytes instead of after whatever
//! the two kernels' buffers hold (~230 KiB on loopback: 64 KiB of send buffer, doubled, and the
//! client's receive buffer, whose window grows as data arrives even while nothing reads it).
//! Frames past that wait in the socket's backlog, which the budget counts: in a flood of sockets
//! that never read, each costs the fan-out a `send` for its first ~16 events of 4 KB (the window
//! estimate below misses part of what the receiver's window grows), not ~50, and the budget is
//! spent and the cut wave comes that much sooner (BENCHMARKS.md, "Flood").
//!
//! What the peer has not read yet is estimated from `TCP_INFO` (Linux >= 5.4 for `tcpi_snd_wnd`):
//! the bytes it has not acknowledged (`SIOCOUTQ`, from our own count of what the kernel took), plus
//! how far its advertised window has shrunk below the largest it ever advertised (received but not
//! read: a peer that reads opens its window again). Not the window's right edge (acked + window):
//! measured on loopback, it moved ~56 KiB forward while the peer read nothing, as the receiver's
//! window grew. The estimate can be low by what the window grows after it is first seen, never
//! high for a peer that reads. Where `TCP_INFO` lacks the field, nothing is held back.

use std::os::fd::RawFd;

/// Bytes a socket may have written that its peer has not read (by the estimate above) before
/// further frames wait in its backlog. A reader that keeps up is a frame or two behind at most.
pub const AHEAD: u64 = 64 * 1024;

/// How a send may use the allowance.
#[derive(Clone, Copy)]
pub enum Limit {
    /// A frame pushed while nothing waits: all of it within `AHEAD`, or none (the flusher sends it).
    Direct,
    /// The flusher draining a backlog: as many bytes as fit within `AHEAD`, or a probe.
    Ahead,
}

/// One socket's count, kept under its backlog's lock. `Default`: no limit (not a TCP socket whose
/// window we can see, or one being closed, whose close frame must go out whatever the peer reads):
/// `max_wnd` 0 means no window to go by.
#[derive(Default)]
pub struct Window {
    /// Bytes the kernel took from us since `new`.
    written: u64,
    /// `written` at the last look at the peer's window, and how far behind the peer was then.
    looked_at: u64,
    behind: u64,
    /// The kernel's acknowledged-bytes count plus what was still queued when we started: `base +
    /// written - acked` is what the peer has not acknowledged.
    base: u64,
    /// The largest window the peer has advertised.
    max_wnd: u32,
}

/// What `TCP_INFO` says: bytes acknowledged and the peer's advertised window.
fn tcp_info(fd: RawFd) -> Option<(u64, u32)> {
    // SAFETY: tcp_info is plain data; zeroed is a valid value.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    // SAFETY: `info` is a writable buffer of `len` bytes for the duration of the call.
    let r = unsafe { libc::getsockopt(fd, libc::IPPROTO_TCP, libc::TCP_INFO, (&mut info as *mut libc::tcp_info).cast(), &mut len) };
    // An older kernel fills less of the struct: without `tcpi_snd_wnd` there is no estimate.
    let wnd_end = std::mem::offset_of!(libc::tcp_info, tcpi_snd_wnd) + std::mem::size_of::<u32>();
    (r == 0 && len as usize >= wnd_end).then_some((info.tcpi_bytes_acked, info.tcpi_snd_wnd))
}

impl Window {
    /// Start counting on a connected TCP socket (no limit if its window cannot be seen).
    pub fn new(fd: RawFd) -> Window {
        let Some((acked, wnd)) = tcp_info(fd) else { return Window::default() };
        let mut queued: libc::c_int = 0;
        // SAFETY: SIOCOUTQ writes one int (bytes not yet acknowledged) into `queued`.
        if unsafe { libc::ioctl(fd, libc::TIOCOUTQ, &mut queued) } != 0 {
            return Window::default();
        }
        Window { written: 0, looked_at: 0, behind: 0, base: acked + queued.max(0) as u64, max_wnd: wnd }
    }

    /// How many of `want` bytes may go to the kernel now. Looks at the peer's window only when the
    /// allowance counted at the last look is used up (about once per `AHEAD` bytes for a reader).
    pub fn room(&mut self, fd: RawFd, want: usize, limit: Limit) -> usize {
        if self.max_wnd == 0 {
            return want; // no window to go by
        }
        let mut left = self.left();
        let mut unacked = 1;
        if left < want as u64 {
            let Some((acked, wnd)) = tcp_info(fd) else {
                self.max_wnd = 0;
                return want;
            };
            self.max_wnd = self.max_wnd.max(wnd);
            unacked = (self.base + self.written).saturating_sub(acked);
            self.behind = unacked + u64::from(self.max_wnd - wnd);
            self.looked_at = self.written;
            left = self.left();
        }
        match limit {
            Limit::Direct if left < want as u64 => 0,
            // Held back with everything acknowledged: no ACK is coming to tell us the peer has read
            // since (Linux re-advertises a large window only when it at least doubles), so one byte
            // goes, and its ACK carries the window as it is now. Without it a reader that caught up
            // could look behind until it sent something itself (from the kernel's rule, not seen).
            Limit::Ahead if left == 0 && unacked == 0 => want.min(1),
            _ => want.min(left as usize),
        }
    }

    /// What may still be written within `AHEAD`, by the last look.
    fn left(&self) -> u64 {
        (self.looked_at + AHEAD).saturating_sub(self.behind + self.written)
    }

    /// Count `n` bytes the kernel took.
    pub fn wrote(&mut self, n: usize) {
        self.written += n as u64;
    }
}

/// `send(2)` with MSG_DONTWAIT: never blocks, whatever the socket's mode. MSG_NOSIGNAL: a closed
/// peer gives EPIPE instead of killing the process with SIGPIPE.
pub(super) fn send_nonblocking(stream: &std::net::TcpStream, buf: &[u8]) -> std::io::Result<usize> {
    if buf.is_empty() {
        return Ok(0);
    }
    // SAFETY: the pointer and length describe `buf`, which outlives the call; the fd is open for
    // as long as `stream` lives.
    let n = unsafe {
        libc::send(std::os::fd::AsRawFd::as_raw_fd(stream), buf.as_ptr().cast(), buf.len(), libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL)
    };
    if n >= 0 {
        return Ok(n as usize);
    }
    let e = std::io::Error::last_os_error();
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted => Ok(0),
        _ => Err(e),
    }
}
