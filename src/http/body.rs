//! A request body streamed to its handler instead of read whole first: uploads (up to tens of
//! MiB) go from the socket to the handler's temporary file in small chunks, so memory does not grow
//! with the file. The server decides which requests stream (`Service::body_plan`), checks the
//! declared `Content-Length` against the limit before a byte of the body is read, and closes the
//! connection after the answer if the handler left part of the body unread.

use std::io::{ErrorKind, Read};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a streamed body may go without a byte arriving (a phone on a slow network keeps
/// sending; a client that stopped is dropped).
pub const IDLE: Duration = Duration::from_secs(30);

struct Inner {
    stream: Arc<TcpStream>,
    /// Bytes of the body that arrived with the head.
    early: Vec<u8>,
    early_at: usize,
    /// Bytes still to read from the socket.
    left: usize,
}

/// A request body as a `Read`: at most `Content-Length` bytes, then end of file; a read that
/// times out or a peer that closes early is an error.
#[derive(Clone)]
pub struct BodyStream {
    len: usize,
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for BodyStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BodyStream({} bytes)", self.len)
    }
}

impl BodyStream {
    pub(crate) fn new(stream: Arc<TcpStream>, early: Vec<u8>, len: usize) -> BodyStream {
        let left = len - early.len();
        BodyStream { len, inner: Arc::new(Mutex::new(Inner { stream, early, early_at: 0, left })) }
    }

    /// The declared length.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether every byte was read (the connection can then serve another request).
    pub fn finished(&self) -> bool {
        let i = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        i.left == 0 && i.early_at == i.early.len()
    }
}

impl Read for BodyStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut i = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if i.early_at < i.early.len() {
            let n = buf.len().min(i.early.len() - i.early_at);
            buf[..n].copy_from_slice(&i.early[i.early_at..i.early_at + n]);
            i.early_at += n;
            return Ok(n);
        }
        if i.left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = buf.len().min(i.left);
        i.stream.set_read_timeout(Some(IDLE))?;
        loop {
            match (&*i.stream).read(&mut buf[..want]) {
                Ok(0) => return Err(ErrorKind::UnexpectedEof.into()),
                Ok(n) => {
                    i.left -= n;
                    return Ok(n);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}
