//! The listener and the per-connection loop: the connection cap, head deadline, size limits,
//! keep-alive, panic isolation, request logging, and the hand-off to WebSocket on upgrade. The
//! application is given as a `Service` (routing and upgrades): this transport never names it.

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::body::BodyStream;
use super::proxy::TrustedProxies;
use super::request::{self, Head, Request};
use super::response::Response;
use crate::error::Error;

/// What the server serves.
pub trait Service: Send + Sync + 'static {
    /// Answer one request (panics are caught and answered 500 by the server).
    fn handle(&self, req: &Request) -> Result<Response, Error>;
    /// Decide an upgrade request (`/ws/...`): the `101` and what then runs the socket on this
    /// thread (given the stream and any bytes read past the head), or the refusal.
    fn upgrade(&self, req: &Request) -> Result<(Response, Upgraded), Response>;
    /// How to take this request's body: read whole (the default, up to `MAX_BODY`), or streamed
    /// to the handler as `Request::stream` (uploads).
    fn body_plan(&self, _req: &Request) -> BodyPlan {
        BodyPlan::Read(MAX_BODY)
    }
    /// Told of every answered request (for metrics): its status and the time from its first byte.
    fn observe(&self, _req: &Request, _status: u16, _elapsed: Duration) {}
}

/// How the server takes a request's body, decided from the head alone.
pub enum BodyPlan {
    /// Read it whole into `Request::body`: at most this many bytes.
    Read(usize),
    /// Hand it to the handler as a stream. `Content-Length` is required (411 without it) and
    /// checked against `limit` before any of the body is read: over it, 413 with `too_large`.
    Stream { limit: usize, too_large: String },
}

/// Runs an upgraded connection until it ends.
pub type Upgraded = Box<dyn FnOnce(Arc<TcpStream>, Vec<u8>) + Send>;

/// The transport's own settings.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_connections: usize,
    pub head_timeout: Duration,
    pub idle_timeout: Duration,
    /// Stack of connection threads (an upper bound: only touched pages cost memory).
    pub connection_stack: usize,
    pub trusted_proxies: TrustedProxies,
    /// Log every request at `info` (else at `debug`).
    pub access_log: bool,
}

/// What the server shares with whoever started it: counters and the stop flag.
#[derive(Default)]
pub struct State {
    /// Open TCP connections (HTTP and WebSocket), for the cap.
    pub connections: AtomicUsize,
    pub stopping: AtomicBool,
    warned_forwarded: AtomicBool,
}

/// A server: the application, the limits, the shared state.
pub struct Server {
    pub service: Arc<dyn Service>,
    pub limits: Limits,
    pub state: Arc<State>,
}

/// Default body cap (JSON APIs).
pub const MAX_BODY: usize = 64 * 1024;
const BODY_DEADLINE: Duration = Duration::from_secs(30);
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// Counts a connection for the cap while it lives.
struct Slot(Arc<State>);
impl Drop for Slot {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Accept until `state.stopping` is set. Errors from `accept` are logged and survived.
pub fn accept_loop(app: Arc<Server>, listener: TcpListener) {
    for conn in listener.incoming() {
        if app.state.stopping.load(Ordering::Acquire) {
            break;
        }
        let stream = match conn {
            Ok(s) => s,
            Err(e) => {
                // EMFILE/ENFILE: back off briefly so we don't spin; ECONNABORTED etc.: just go on.
                log::warn!("accept failed: {e}");
                if matches!(e.raw_os_error(), Some(libc::EMFILE) | Some(libc::ENFILE) | Some(libc::ENOBUFS) | Some(libc::ENOMEM)) {
                    std::thread::sleep(Duration::from_millis(50));
                }
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let n = app.state.connections.fetch_add(1, Ordering::AcqRel);
        if n >= app.limits.max_connections {
            app.state.connections.fetch_sub(1, Ordering::AcqRel);
            refuse(&stream, "The server is at its connection limit; try again shortly.");
            continue;
        }
        let slot = Slot(app.state.clone());
        let a = app.clone();
        // Shared, not moved: if the thread cannot start, the closure is dropped with its clone and
        // ours still reaches the client (no second descriptor).
        let stream = Arc::new(stream);
        let theirs = stream.clone();
        // Two memory mappings a thread instead of std's four (http::thread): what lets one process hold
        // a connection per descriptor under the default vm.max_map_count.
        let spawned = super::thread::spawn(app.limits.connection_stack, move || {
            let _slot = slot;
            serve_connection(&a, theirs);
        });
        if let Err(e) = spawned {
            // The closure (and with it the slot) is dropped: the count is restored.
            log::error!("cannot start a connection thread: {e}");
            refuse(&stream, "The server cannot take more connections right now; try again shortly.");
        }
    }
}

/// A fast 503 without reading the request: never blocks the accept loop for long.
fn refuse(stream: &TcpStream, msg: &str) {
    let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
    let r = Response::from(Error::new(503, msg)).header("Retry-After", "1");
    let _ = r.write_to(&mut &*stream, false, true);
}

fn peer_ip(stream: &TcpStream) -> IpAddr {
    stream.peer_addr().map(|a: SocketAddr| a.ip()).unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

/// Serve requests on one connection until it closes, times out, or upgrades.
pub fn serve_connection(app: &Server, stream: Arc<TcpStream>) {
    let peer = peer_ip(&stream);
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    let mut first = true;
    loop {
        // Wait for a request: the head deadline for the first, the keep-alive idle limit after.
        let wait = if first { app.limits.head_timeout } else { app.limits.idle_timeout };
        let waiting = Instant::now();
        let mut deadline = waiting + wait;
        // A request's time runs from its first byte, not from the keep-alive wait before it.
        let mut started = if buf.is_empty() { None } else { Some(waiting) };
        let (mut req, head_len, body_len) = loop {
            match request::parse_head(&buf, peer, &app.limits.trusted_proxies) {
                Ok(Head::Complete { req, len, content_length, ignored_forwarded }) => {
                    if ignored_forwarded {
                        warn_forwarded_once(app, peer);
                    }
                    break (req, len, content_length);
                }
                Ok(Head::Partial) => {}
                Err(e) => {
                    finish(app, &stream, None, e.into(), started.unwrap_or(waiting), peer);
                    return;
                }
            }
            if !buf.is_empty() && !first && deadline == waiting + wait {
                // The next request has begun: from now on it gets the head deadline.
                deadline = Instant::now() + app.limits.head_timeout;
            }
            match read_until(&stream, &mut buf, deadline, request::MAX_HEAD + 1) {
                Ok(true) => {
                    started.get_or_insert_with(Instant::now);
                }
                Ok(false) => return,                // closed by the peer
                Err(_) if buf.is_empty() => return, // idle keep-alive connection: close quietly
                Err(_) => {
                    let e = Error::new(408, "Request head not received in time.");
                    finish(app, &stream, None, e.into(), started.unwrap_or(waiting), peer);
                    return;
                }
            }
        };
        first = false;
        let started = started.unwrap_or(waiting);
        let (limit, streamed, too_large) = match app.service.body_plan(&req) {
            BodyPlan::Read(limit) => (limit, false, format!("Request body too large (limit {} KiB).", limit / 1024)),
            BodyPlan::Stream { limit, too_large } => (limit, true, too_large),
        };
        if streamed && !req.has_content_length() {
            let e = Error::new(411, "Content-Length is required: send the file as the request body with its length.");
            finish(app, &stream, Some(&req), e.into(), started, peer);
            linger(&stream);
            return;
        }
        if body_len > limit {
            finish(app, &stream, Some(&req), Error::new(413, too_large).into(), started, peer);
            linger(&stream);
            return;
        }
        if streamed {
            // The handler reads the body from the socket; what came with the head goes first.
            let early = (buf.len() - head_len).min(body_len);
            req.stream = Some(BodyStream::new(stream.clone(), buf[head_len..head_len + early].to_vec(), body_len));
            buf.drain(..head_len + early);
            let head_only = req.method == "HEAD";
            let response = dispatch(app, &mut req);
            let unread = req.stream.as_ref().is_some_and(|s| !s.finished());
            let close = unread || req.wants_close() || app.state.stopping.load(Ordering::Acquire);
            log_request(app, &req, response.status, started);
            let written = response.write_to(&mut &*stream, head_only, close);
            if unread {
                linger(&stream);
            }
            if written.is_err() || close {
                return;
            }
            continue;
        }
        // Read the body, keeping whatever follows it (a pipelined request) in `buf`.
        let body_deadline = Instant::now() + BODY_DEADLINE;
        while buf.len() < head_len + body_len {
            match read_until(&stream, &mut buf, body_deadline, head_len + body_len) {
                Ok(true) => {}
                Ok(false) => return,
                Err(_) => {
                    finish(app, &stream, Some(&req), Error::new(408, "Request body not received in time.").into(), started, peer);
                    return;
                }
            }
        }
        req.body = buf[head_len..head_len + body_len].to_vec();
        buf.drain(..head_len + body_len);

        if req.path.starts_with("/ws/") {
            match app.service.upgrade(&req) {
                Ok((response, run)) => {
                    if response.write_to(&mut &*stream, false, false).is_err() {
                        return;
                    }
                    log_request(app, &req, 101, started);
                    let _ = stream.set_write_timeout(None);
                    run(stream, std::mem::take(&mut buf));
                }
                Err(r) => {
                    finish(app, &stream, Some(&req), r, started, peer);
                }
            }
            return;
        }

        let head_only = req.method == "HEAD";
        let response = dispatch(app, &mut req);
        let close = req.wants_close() || app.state.stopping.load(Ordering::Acquire);
        log_request(app, &req, response.status, started);
        if response.write_to(&mut &*stream, head_only, close).is_err() || close {
            return;
        }
    }
}

/// Forwarded headers from a peer we do not trust are dropped; when that peer is in fact the
/// operator's proxy, everything keyed by address silently breaks, so say so (once: a client can
/// send these at will).
fn warn_forwarded_once(app: &Server, peer: IpAddr) {
    if !app.state.warned_forwarded.swap(true, Ordering::AcqRel) {
        log::warn!(
            "ignored X-Forwarded-For/X-Forwarded-Proto/Forwarded headers from {peer}, which is not a trusted proxy. If Frontdesk runs \
             behind a reverse proxy, every visitor looks like the proxy's address and per-address limits stop working: set \
             --trusted-proxies to the proxy's address (e.g. --trusted-proxies 127.0.0.1). Logged once."
        );
    }
}

/// Route with panics contained: a panicking handler answers 500 and the server goes on.
fn dispatch(app: &Server, req: &mut Request) -> Response {
    let head = req.method == "HEAD";
    if head {
        req.method = "GET".into();
    }
    let result = catch_unwind(AssertUnwindSafe(|| app.service.handle(req)));
    if head {
        req.method = "HEAD".into();
    }
    match result {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            if e.status >= 500 {
                log::error!("{} {} from {}: {}", req.method, req.path, req.remote, e);
            }
            e.into()
        }
        Err(panic) => {
            let what =
                panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned()).unwrap_or_default();
            log::error!("{} {} from {}: handler panicked: {what}", req.method, req.path, req.remote);
            Error::internal("panic").into()
        }
    }
}

/// After answering a request whose body we did not read (a refused upload), read and drop what
/// the client is still sending for a moment before closing: closing with unread bytes makes the
/// kernel reset the connection, and a client still sending then often loses our answer.
fn linger(stream: &TcpStream) {
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let until = Instant::now() + Duration::from_secs(2);
    let mut sink = [0u8; 16 * 1024];
    while Instant::now() < until {
        let _ = stream.set_read_timeout(Some(Duration::from_millis(250)));
        match (&*stream).read(&mut sink) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted || e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {}
            Err(_) => return,
        }
    }
}

/// Write an error response, log it, and leave (the caller closes the connection).
fn finish(app: &Server, stream: &TcpStream, req: Option<&Request>, r: Response, started: Instant, peer: IpAddr) {
    match req {
        Some(q) => log_request(app, q, r.status, started),
        None => log::log!(access_level(app), "- - {} {:?} {}", r.status, started.elapsed(), peer),
    }
    let _ = r.write_to(&mut &*stream, false, true);
    let _ = (&*stream).flush();
}

/// Requests are logged at `debug`, or at `info` with `--access-log` (a busy desk answers thousands
/// a minute: one line each is noise at the default level). Each is told to the service's metrics.
fn log_request(app: &Server, req: &Request, status: u16, started: Instant) {
    let elapsed = started.elapsed();
    app.service.observe(req, status, elapsed);
    log::log!(access_level(app), "{} {} {} {:?} {}", req.method, req.path, status, elapsed, req.remote);
}

fn access_level(app: &Server) -> log::Level {
    if app.limits.access_log { log::Level::Info } else { log::Level::Debug }
}

/// Read more bytes into `buf` before `deadline`. Ok(false) on EOF; Err on timeout or error.
fn read_until(stream: &TcpStream, buf: &mut Vec<u8>, deadline: Instant, max: usize) -> std::io::Result<bool> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(ErrorKind::TimedOut.into());
    }
    stream.set_read_timeout(Some(left))?;
    let mut chunk = [0u8; 4096];
    let want = (max.saturating_sub(buf.len())).clamp(1, chunk.len());
    loop {
        match (&*stream).read(&mut chunk[..want]) {
            Ok(0) => return Ok(false),
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return Ok(true);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}
