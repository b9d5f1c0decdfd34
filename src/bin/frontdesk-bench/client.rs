//! The load client: a few threads, each driving many non-blocking WebSockets through one epoll
//! instance. Connections are opened (and upgraded) with blocking calls by a small pool, then
//! switched to non-blocking and handed to a loop thread.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::time::Duration;

use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::{Message, WebSocket};

pub type Ws = WebSocket<TcpStream>;

/// Open a WebSocket with a blocking handshake, sending the `extra` headers (credentials); the
/// result is switched to non-blocking.
pub fn connect(addr: SocketAddr, path: &str, origin: &str, extra: &[(&str, &str)]) -> std::io::Result<Ws> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
    s.set_nodelay(true)?;
    s.set_read_timeout(Some(Duration::from_secs(20)))?;
    let extra: String = extra.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n{extra}\r\n"
    );
    s.write_all(req.as_bytes())?;
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 512];
    let head_end = loop {
        let n = s.read(&mut chunk)?;
        if n == 0 {
            return Err(ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 8192 {
            return Err(std::io::Error::other("handshake answer too long"));
        }
    };
    if !buf.starts_with(b"HTTP/1.1 101") {
        let line = String::from_utf8_lossy(&buf[..buf.iter().position(|b| *b == b'\r').unwrap_or(buf.len())]).into_owned();
        return Err(std::io::Error::other(format!("upgrade refused: {line}")));
    }
    s.set_nonblocking(true)?;
    let cfg = WebSocketConfig::default().read_buffer_size(4096);
    let rest = buf[head_end..].to_vec();
    Ok(if rest.is_empty() {
        WebSocket::from_raw_socket(s, Role::Client, Some(cfg))
    } else {
        WebSocket::from_partially_read(s, rest, Role::Client, Some(cfg))
    })
}

/// A thin epoll wrapper (level-triggered, read interest only; writes are retried on each tick).
pub struct Poll {
    fd: i32,
}

impl Poll {
    pub fn new() -> Poll {
        // SAFETY: plain syscall; the result is checked.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        assert!(fd >= 0, "epoll_create1 failed");
        Poll { fd }
    }

    pub fn add(&self, s: &TcpStream, token: u64) {
        let mut ev = libc::epoll_event { events: libc::EPOLLIN as u32, u64: token };
        // SAFETY: `ev` is a valid event for the duration of the call; fds are open.
        unsafe { libc::epoll_ctl(self.fd, libc::EPOLL_CTL_ADD, s.as_raw_fd(), &mut ev) };
    }

    pub fn remove(&self, s: &TcpStream) {
        // SAFETY: as above; a null event is allowed for DEL.
        unsafe { libc::epoll_ctl(self.fd, libc::EPOLL_CTL_DEL, s.as_raw_fd(), std::ptr::null_mut()) };
    }

    /// Tokens of readable sockets, waiting at most `timeout_ms`.
    pub fn wait(&self, out: &mut Vec<u64>, timeout_ms: i32) {
        let mut evs = [libc::epoll_event { events: 0, u64: 0 }; 512];
        // SAFETY: `evs` has room for 512 events.
        let n = unsafe { libc::epoll_wait(self.fd, evs.as_mut_ptr(), evs.len() as i32, timeout_ms) };
        out.clear();
        for e in evs.iter().take(n.max(0) as usize) {
            out.push(e.u64);
        }
    }
}

impl Drop for Poll {
    fn drop(&mut self) {
        // SAFETY: closing our own epoll fd.
        unsafe { libc::close(self.fd) };
    }
}

/// Read every frame available now. `Err` means the connection is gone.
pub fn drain(ws: &mut Ws, mut on_text: impl FnMut(&str)) -> Result<(), String> {
    loop {
        match ws.read() {
            Ok(Message::Text(t)) => on_text(t.as_str()),
            // Said at once, with the server's code and reason (tungstenite's own error after the
            // close handshake, "Connection closed normally", hides them).
            Ok(Message::Close(f)) => {
                return Err(f.map_or("closed by the server (no code)".into(), |f| format!("closed by the server: {} {}", f.code, f.reason)));
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e)) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// Queue a text frame and push what the socket takes; the rest goes out on later `flush` calls.
pub fn send(ws: &mut Ws, text: String) -> Result<(), String> {
    match ws.send(Message::text(text)) {
        Ok(()) => Ok(()),
        Err(tungstenite::Error::Io(e)) if e.kind() == ErrorKind::WouldBlock => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

/// Push buffered frames; true while some are still waiting for the socket.
pub fn flush(ws: &mut Ws) -> bool {
    matches!(ws.flush(), Err(tungstenite::Error::Io(e)) if e.kind() == ErrorKind::WouldBlock)
}

/// Send `resume` (no position: live from now) and wait, blocking, for `resumed`; its position, and the
/// keepalive interval the socket's `hello` gave, if any.
pub fn resume_live(ws: &mut Ws) -> Result<(i64, Option<Duration>), String> {
    ws.get_mut().set_nonblocking(false).map_err(|e| e.to_string())?;
    ws.send(Message::text("{\"type\":\"resume\"}")).map_err(|e| e.to_string())?;
    let mut keepalive = None;
    let pos = loop {
        match ws.read() {
            Ok(Message::Text(t)) if t.contains("\"type\":\"resumed\"") => break int_after(t.as_str(), "\"pos\":").unwrap_or(0),
            Ok(Message::Text(t)) if t.contains("\"type\":\"hello\"") => {
                keepalive = int_after(t.as_str(), "\"keepalive_ms\":").map(|ms| Duration::from_millis(ms.max(0) as u64));
            }
            Ok(_) => {}
            Err(e) => return Err(e.to_string()),
        }
    };
    ws.get_mut().set_nonblocking(true).map_err(|e| e.to_string())?;
    Ok((pos, keepalive))
}

/// Find `"key":` followed by an integer in a JSON text without parsing it all.
pub fn int_after(text: &str, key: &str) -> Option<i64> {
    let i = text.find(key)? + key.len();
    let rest = &text[i..];
    let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '-')).unwrap_or(rest.len());
    rest[..end].parse().ok()
}
