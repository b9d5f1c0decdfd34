//! WebSocket frames encoded once, and sending without blocking: what `Outbox` hands the kernel, one frame with `send`, several (a
//! fan-out round) with one `sendmsg`.

use std::net::TcpStream;
use std::os::fd::AsRawFd;

use tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tungstenite::protocol::frame::{CloseFrame, Frame as WsFrame};

use super::outbox::Frame;

/// What `push` queues: bytes of this socket's own (copied if they must wait) or a shared frame.
#[derive(Clone, Copy)]
pub(super) enum Bytes<'a> {
    Own(&'a [u8]),
    Shared(&'a Frame),
}

impl Bytes<'_> {
    pub(super) fn bytes(&self) -> &[u8] {
        match self {
            Bytes::Own(b) => b,
            Bytes::Shared(f) => f,
        }
    }
}

/// `send(2)` with MSG_DONTWAIT: never blocks, whatever the socket's mode. MSG_NOSIGNAL: a closed
/// peer gives EPIPE instead of killing the process with SIGPIPE.
pub(super) fn send_nonblocking(stream: &TcpStream, buf: &[u8]) -> std::io::Result<usize> {
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

/// Frames handed to one `sendmsg` at most.
pub(super) const IOV_AT_ONCE: usize = 64;

/// `send_nonblocking` for several frames: one `sendmsg` for up to `IOV_AT_ONCE` of them (a
/// fan-out round that fell behind), again while the kernel takes everything. Returns the bytes taken.
pub(super) fn send_all_nonblocking(stream: &TcpStream, frames: &[Bytes<'_>]) -> std::io::Result<usize> {
    if let [one] = frames {
        return send_nonblocking(stream, one.bytes());
    }
    let mut total = 0;
    for chunk in frames.chunks(IOV_AT_ONCE) {
        let iov: Vec<libc::iovec> =
            chunk.iter().map(|f| libc::iovec { iov_base: f.bytes().as_ptr() as *mut libc::c_void, iov_len: f.bytes().len() }).collect();
        let want: usize = chunk.iter().map(|f| f.bytes().len()).sum();
        // SAFETY: an all-zero msghdr is valid (no name, no control data); `iov` describes buffers
        // that outlive the call and is not modified by it; the fd is open while `stream` lives.
        let n = unsafe {
            let mut msg: libc::msghdr = std::mem::zeroed();
            msg.msg_iov = iov.as_ptr() as *mut libc::iovec;
            msg.msg_iovlen = iov.len() as _;
            libc::sendmsg(stream.as_raw_fd(), &msg, libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL)
        };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            return match e.kind() {
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted => Ok(total),
                // What went before is out; the flusher meets the error with the rest.
                _ if total > 0 => Ok(total),
                _ => Err(e),
            };
        }
        total += n as usize;
        if (n as usize) < want {
            break;
        }
    }
    Ok(total)
}

pub(super) fn close_frame(code: CloseCode, reason: &str) -> WsFrame {
    WsFrame::close(Some(CloseFrame { code, reason: reason.to_string().into() }))
}

/// A text message as one WebSocket frame, ready for `Outbox::raw` (encode once, send to many).
pub fn text_frame(text: &str) -> Vec<u8> {
    encode(WsFrame::message(text.as_bytes().to_vec(), OpCode::Data(Data::Text), true))
}

pub(super) fn encode(frame: WsFrame) -> Vec<u8> {
    let mut buf = Vec::with_capacity(frame.len());
    // Formatting into a Vec cannot fail.
    let _ = frame.format(&mut buf);
    buf
}
