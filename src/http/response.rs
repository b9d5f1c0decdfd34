//! A response value and its serialization. Handlers build these; only `server.rs` writes them.

use std::io::Write;

use serde::Serialize;

use crate::error::Error;

/// The Content-Security-Policy of every HTML page but the widget frame (which sets its own
/// `frame-ancestors`).
pub const CSP: &str =
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; img-src 'self' data: blob:";

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// A body sent from a file instead of `body` (served attachments): the file and its length.
    pub file: Option<(std::fs::File, u64)>,
}

impl Response {
    pub fn new(status: u16) -> Response {
        Response { status, headers: Vec::new(), body: Vec::new(), file: None }
    }

    pub fn json<T: Serialize + ?Sized>(status: u16, value: &T) -> Response {
        // Serializing our own types cannot fail (no maps with non-string keys).
        let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
        Response::new(status).header("Content-Type", "application/json").header("Cache-Control", "no-store").body(body)
    }

    pub fn ok_json<T: Serialize + ?Sized>(value: &T) -> Response {
        Response::json(200, value)
    }

    pub fn text(status: u16, text: &str) -> Response {
        Response::new(status).header("Content-Type", "text/plain; charset=utf-8").body(text.as_bytes().to_vec())
    }

    /// An HTML page with our security headers.
    pub fn html(status: u16, body: Vec<u8>) -> Response {
        with_security_headers(
            Response::new(status).header("Content-Type", "text/html; charset=utf-8").header("Cache-Control", "no-store").body(body),
            CSP,
        )
    }

    pub fn redirect(location: &str) -> Response {
        Response::new(303).header("Location", location).header("Cache-Control", "no-store")
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn body(mut self, body: Vec<u8>) -> Response {
        self.body = body;
        self
    }

    pub fn get_header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Serialize. `head_only` omits the body (HEAD) but keeps its Content-Length.
    pub fn write_to(&self, out: &mut impl Write, head_only: bool, close: bool) -> std::io::Result<()> {
        let mut buf = Vec::with_capacity(256 + if head_only { 0 } else { self.body.len() });
        write!(buf, "HTTP/1.1 {} {}\r\n", self.status, reason(self.status))?;
        for (k, v) in &self.headers {
            // Header values never contain CR/LF: they are ours, but make sure of it.
            let v: String = v.chars().filter(|c| *c != '\r' && *c != '\n').collect();
            write!(buf, "{k}: {v}\r\n")?;
        }
        let len = self.file.as_ref().map_or(self.body.len() as u64, |(_, n)| *n);
        write!(buf, "Content-Length: {len}\r\n")?;
        if close {
            buf.extend_from_slice(b"Connection: close\r\n");
        }
        buf.extend_from_slice(b"\r\n");
        if !head_only {
            buf.extend_from_slice(&self.body);
        }
        out.write_all(&buf)?;
        if let Some((f, n)) = &self.file
            && !head_only
        {
            let sent = std::io::copy(&mut std::io::Read::take(f, *n), out)?;
            if sent != *n {
                // The file shrank under us: the length we announced is a lie, so the connection ends.
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
        }
        out.flush()
    }

    /// A body streamed from `file` (`len` bytes).
    pub fn file(mut self, file: std::fs::File, len: u64) -> Response {
        self.file = Some((file, len));
        self
    }
}

pub fn with_security_headers(r: Response, csp: &str) -> Response {
    r.header("Content-Security-Policy", csp)
        .header("X-Content-Type-Options", "nosniff")
        .header("Referrer-Policy", "strict-origin-when-cross-origin")
        .header("Cross-Origin-Opener-Policy", "same-origin")
}

impl From<Error> for Response {
    fn from(e: Error) -> Response {
        let mut r = Response::json(e.status, &serde_json::json!({ "error": e.message }));
        for (k, v) in e.headers {
            r = r.header(k, v);
        }
        r.header("X-Content-Type-Options", "nosniff")
    }
}

pub fn reason(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        303 => "See Other",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}
