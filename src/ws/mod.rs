//! WebSocket on our own socket: the upgrade handshake, then one reader loop per connection on the
//! connection's own thread. The reader blocks in `read`; everything written goes through the
//! connection's `Outbox`, so other threads push at any time and no lock is held across a read.
//! The application is given as a frame handler: this transport never names it.

pub mod budget;
mod flusher;
pub mod keepalive;
pub mod outbox;
mod send;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::{Message, WebSocket};

use crate::http::{Request, Response};
use outbox::Outbox;

/// Agents' sockets are pinged every round (their presence drives assignment: a vanished agent goes
/// offline within `SILENCE_LIMIT`); there are few of them, so this costs nothing.
pub const PING_EVERY: Duration = Duration::from_secs(30);
/// An agent's socket that sends nothing (not even a pong) for this long is gone.
pub const SILENCE_LIMIT: Duration = Duration::from_secs(75);
/// Widgets' sockets (thousands, mostly idle) get a frame every `KEEPALIVE_EVERY` by default
/// (`Config::widget_keepalive`), so proxies that close a WebSocket idle for 60 s keep it: a `tick`
/// text frame (no answer, no wake-up here; the widget's script sees it and needs no ping of its own),
/// with a real ping before it only for a socket that said nothing for `PING_EVERY_NTH - 1` rounds
/// (`keepalive::round`).
pub const KEEPALIVE_EVERY: Duration = Duration::from_secs(45);
pub const PING_EVERY_NTH: u8 = 3;

/// A widget's socket silent for this long is gone: a peer that answers pings is heard from at least
/// every `PING_EVERY_NTH` rounds; one round more is the margin.
pub fn widget_silence_limit(keepalive: Duration) -> Duration {
    keepalive * (u32::from(PING_EVERY_NTH) + 1)
}
pub const MAX_MESSAGE: usize = 64 * 1024;
/// A socket that has sent nothing for this long gives back the stack pages its last frame used.
pub const QUIET: Duration = Duration::from_secs(1);

/// The reader's view of the socket: reads block on the shared stream; writes (tungstenite's own
/// pongs and close replies) go through the outbox so they never interleave with pushed frames.
struct WsStream {
    stream: Arc<TcpStream>,
    outbox: Arc<Outbox>,
}

impl Read for WsStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        (&*self.stream).read(buf)
    }
}

impl Write for WsStream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // tungstenite writes whole frames from its buffer; the outbox takes them all.
        if self.outbox.raw(buf) { Ok(buf.len()) } else { Err(std::io::ErrorKind::BrokenPipe.into()) }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The subprotocols the client offered: every `Sec-WebSocket-Protocol` line, split at commas.
pub fn offered_protocols(req: &Request) -> impl Iterator<Item = &str> {
    req.headers
        .iter()
        .filter(|(k, _)| k == "sec-websocket-protocol")
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|p| !p.is_empty())
}

/// The handshake answer (101) for a valid upgrade request, or why not. `protocol` is selected only
/// if the client offered it, and is then the only value the 101 names: a browser fails a socket
/// whose server selects a protocol it did not offer, or none of those it did (RFC 6455 §4.1;
/// WHATWG Fetch, "establish a WebSocket connection"), so nothing else the client offered is ever
/// echoed.
pub fn handshake(req: &Request, protocol: &str) -> Result<Response, Response> {
    let upgrade = req.header("upgrade").is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let key = req.header("sec-websocket-key");
    let version_ok = req.header("sec-websocket-version") == Some("13");
    match (req.method.as_str(), upgrade, key, version_ok) {
        ("GET", true, Some(key), true) => {
            let r = Response::new(101)
                .header("Upgrade", "websocket")
                .header("Connection", "Upgrade")
                .header("Sec-WebSocket-Accept", tungstenite::handshake::derive_accept_key(key.as_bytes()));
            Ok(if offered_protocols(req).any(|p| p == protocol) { r.header("Sec-WebSocket-Protocol", protocol) } else { r })
        }
        ("GET", _, _, _) => Err(Response::text(426, "This address is a WebSocket endpoint.").header("Upgrade", "websocket")),
        _ => Err(Response::from(crate::error::Error::new(405, "Use GET to open a WebSocket.")).header("Allow", "GET")),
    }
}

/// Run an upgraded connection until it closes: each text frame goes to `on_text`, whose answer
/// (if any) is sent back on the same socket. `outbox` is the socket's write side (the caller made
/// it, so it could register it before the first frame); `leftover` holds bytes read past the
/// request head; a peer silent for `silence` is dropped. The outbox is shut when the reader ends. Returns the close code: the one we sent,
/// else the peer's (1005 for a close frame without one), else 1006 (the connection just dropped).
pub fn serve(
    stream: Arc<TcpStream>,
    outbox: Arc<Outbox>,
    leftover: Vec<u8>,
    silence: Duration,
    mut on_text: impl FnMut(&str) -> Option<String>,
) -> u16 {
    let mut peer_code = None;
    let _ = stream.set_read_timeout(Some(silence));
    let config = WebSocketConfig::default().read_buffer_size(4096).max_message_size(Some(MAX_MESSAGE)).max_frame_size(Some(MAX_MESSAGE));
    let ws_stream = WsStream { stream: stream.clone(), outbox: outbox.clone() };
    let mut ws = if leftover.is_empty() {
        WebSocket::from_raw_socket(ws_stream, Role::Server, Some(config))
    } else {
        WebSocket::from_partially_read(ws_stream, leftover, Role::Server, Some(config))
    };
    // The handshake went deep (HTTP parsing, a session read in SQLite), and so does each text frame's
    // handler; a ping or pong does not. An idle socket keeps no stack pages they touched: once it has
    // been quiet for `QUIET` they are given back (`trim_stack`). Not before every read: on a busy
    // socket each trim cost a madvise (its TLB flush interrupts the other core, where the writer
    // runs) and a page fault per page on the next frame, a quarter of the connection threads' CPU at
    // 5,000 messages a second (BENCHMARKS.md, "Persist").
    let mut deep = true;
    // The read timeout is `QUIET` while pages wait to be given back, else `silence`.
    let mut waiting_quiet = false;
    loop {
        if deep && !waiting_quiet {
            let _ = stream.set_read_timeout(Some(QUIET));
            waiting_quiet = true;
        }
        let read = ws.read();
        if read.is_ok() {
            outbox.live.heard();
        }
        match read {
            Ok(Message::Text(t)) => {
                deep = true;
                if let Some(r) = on_text(t.as_str()) {
                    outbox.text(&r);
                }
            }
            Ok(Message::Binary(_)) => {
                outbox.text(&error_frame("Binary frames are not supported: send JSON text."));
            }
            Ok(Message::Close(f)) => peer_code = Some(f.map_or(1005, |f| u16::from(f.code))),
            Ok(Message::Pong(_)) => outbox.live.answered(),
            Ok(_) => {} // pings answered by tungstenite
            // Quiet for `QUIET`: give the pages back and wait for the peer as long as it may be silent.
            Err(tungstenite::Error::Io(e)) if waiting_quiet && matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if std::mem::take(&mut deep) {
                    crate::http::thread::trim_stack();
                }
                let _ = stream.set_read_timeout(Some(silence));
                waiting_quiet = false;
            }
            Err(tungstenite::Error::Utf8(_)) => {
                outbox.close(CloseCode::Invalid, "invalid UTF-8");
                break;
            }
            Err(tungstenite::Error::Capacity(_)) => {
                outbox.close(CloseCode::Size, "message too big (limit 64 KiB)");
                break;
            }
            // The peer went away without a close frame: nothing to answer (1006 in the metrics).
            Err(tungstenite::Error::Protocol(tungstenite::error::ProtocolError::ResetWithoutClosingHandshake)) => break,
            Err(tungstenite::Error::Protocol(e)) => {
                outbox.close(CloseCode::Protocol, &e.to_string());
                break;
            }
            Err(_) => break,
        }
    }
    // Let the close frame go out before the socket is shut.
    std::thread::sleep(Duration::from_millis(20));
    outbox.kill();
    outbox.sent_close_code().or(peer_code).unwrap_or(1006)
}

pub fn error_frame(message: &str) -> String {
    serde_json::json!({"type": "error", "error": message}).to_string()
}
