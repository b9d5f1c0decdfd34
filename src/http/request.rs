//! A parsed HTTP/1.1 request and the head parser with its limits (size, header count, framing).
//! Owns no socket: `server.rs` feeds it bytes.

use std::net::IpAddr;

use super::proxy::{FORWARDED_HEADERS, TrustedProxies};
use crate::error::Error;

pub const MAX_HEAD: usize = 16 * 1024;
pub const MAX_HEADERS: usize = 100;

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path without the query string, percent-decoding not applied (routes are ASCII).
    pub path: String,
    pub query: String,
    /// Header names lower-cased. Forwarded headers (`X-Forwarded-*`, `Forwarded`) only from a trusted
    /// proxy: an untrusted peer's are dropped here, so no handler can be fooled by them.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Client address: the TCP peer, or what a trusted proxy's X-Forwarded-For says (`proxy.rs`).
    pub remote: IpAddr,
    pub http10: bool,
    /// The body, for a request the service chose to stream (`Service::body_plan`); `body` is then
    /// empty.
    pub stream: Option<super::body::BodyStream>,
}

/// The outcome of parsing the bytes received so far.
pub enum Head {
    Partial,
    /// A complete head of `len` bytes and the declared body length. `ignored_forwarded`: an
    /// untrusted peer sent forwarded headers (dropped), which a misconfigured proxy also does.
    Complete {
        req: Request,
        len: usize,
        content_length: usize,
        ignored_forwarded: bool,
    },
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// One query parameter, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query
            .split('&')
            .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| percent_decode(v))
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k == "cookie")
            .flat_map(|(_, v)| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        if self.body.is_empty() {
            return Err(Error::bad_request("A JSON body is required."));
        }
        serde_json::from_slice(&self.body).map_err(|e| Error::bad_request(format!("Invalid request body: {e}")))
    }

    /// Body of an `application/x-www-form-urlencoded` form, as pairs.
    pub fn form(&self) -> Vec<(String, String)> {
        String::from_utf8_lossy(&self.body)
            .split('&')
            .filter(|s| !s.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect()
    }

    /// Whether the request declared a `Content-Length` (uploads require one).
    pub fn has_content_length(&self) -> bool {
        self.header("content-length").is_some()
    }

    pub fn wants_close(&self) -> bool {
        let conn = self.header("connection").map(|v| v.to_ascii_lowercase());
        match conn.as_deref() {
            Some(v) if v.contains("close") => true,
            Some(v) if v.contains("keep-alive") => false,
            _ => self.http10,
        }
    }
}

/// Parse a request head from `buf`. Errors are answered and the connection closed.
pub fn parse_head(buf: &[u8], peer: IpAddr, proxies: &TrustedProxies) -> Result<Head, Error> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut r = httparse::Request::new(&mut headers);
    let status = match r.parse(buf) {
        Ok(s) => s,
        Err(httparse::Error::TooManyHeaders) => {
            return Err(Error::new(431, "Too many request headers (limit 100)."));
        }
        Err(e) => return Err(Error::bad_request(format!("Malformed request: {e}."))),
    };
    let len = match status {
        httparse::Status::Partial => {
            if buf.len() >= MAX_HEAD {
                return Err(Error::new(431, "Request head too large (limit 16 KiB)."));
            }
            return Ok(Head::Partial);
        }
        httparse::Status::Complete(len) => len,
    };
    if len > MAX_HEAD {
        return Err(Error::new(431, "Request head too large (limit 16 KiB)."));
    }
    let method = r.method.unwrap_or("").to_string();
    let target = r.path.unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let http10 = r.version == Some(0);
    let mut hs = Vec::with_capacity(r.headers.len());
    let mut content_length: Option<usize> = None;
    for h in r.headers.iter() {
        let name = h.name.to_ascii_lowercase();
        let value = String::from_utf8_lossy(h.value).trim().to_string();
        // Request smuggling defences (RFC 9112 §6.3): we accept no Transfer-Encoding at all, and
        // Content-Length must be a single unambiguous number.
        if name == "transfer-encoding" {
            return Err(Error::bad_request("Transfer-Encoding is not accepted on requests; send Content-Length."));
        }
        if name == "content-length" {
            let n: usize = value
                .parse()
                .ok()
                .filter(|_| value.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| Error::bad_request("Invalid Content-Length."))?;
            if content_length.is_some_and(|prev| prev != n) {
                return Err(Error::bad_request("Conflicting Content-Length headers."));
            }
            content_length = Some(n);
        }
        hs.push((name, value));
    }
    let before = hs.len();
    if !proxies.contains(peer) {
        hs.retain(|(k, _)| !FORWARDED_HEADERS.contains(&k.as_str()));
    }
    let ignored_forwarded = hs.len() != before;
    // Dropped above unless trusted, so only a trusted peer's X-Forwarded-For reaches `client`.
    let xff: Vec<&str> = hs.iter().filter(|(k, _)| k == "x-forwarded-for").map(|(_, v)| v.as_str()).collect();
    let remote = proxies.client(peer, &xff);
    let req =
        Request { method, path: path.to_string(), query: query.to_string(), headers: hs, body: Vec::new(), remote, http10, stream: None };
    Ok(Head::Complete { req, len, content_length: content_length.unwrap_or(0), ignored_forwarded })
}

pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_and_plus() {
        assert_eq!(percent_decode("a+b%20c%2"), "a b c%2");
        assert_eq!(percent_decode("%C3%A9"), "é");
    }

    fn head(peer: &str, proxies: &str, headers: &str) -> (Request, bool) {
        let raw = format!("GET / HTTP/1.1\r\nHost: x\r\n{headers}\r\n");
        match parse_head(raw.as_bytes(), peer.parse().unwrap(), &TrustedProxies::parse(proxies).unwrap()) {
            Ok(Head::Complete { req, ignored_forwarded, .. }) => (req, ignored_forwarded),
            _ => panic!("a complete head"),
        }
    }

    #[test]
    fn forwarded_headers_count_only_from_a_trusted_peer() {
        let spoof = "X-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: https\r\nForwarded: for=127.0.0.1\r\n";
        let (req, ignored) = head("203.0.113.9", "127.0.0.1", spoof);
        assert_eq!(req.remote.to_string(), "203.0.113.9");
        assert!(ignored && req.header("x-forwarded-proto").is_none() && req.header("forwarded").is_none());
        let (req, ignored) = head("127.0.0.1", "127.0.0.1", "X-Forwarded-For: 198.51.100.1, 203.0.113.9\r\nX-Forwarded-Proto: https\r\n");
        assert_eq!(req.remote.to_string(), "203.0.113.9");
        assert!(!ignored && req.header("x-forwarded-proto") == Some("https"));
        let (req, ignored) = head("127.0.0.1", "", "");
        assert!(!ignored && req.remote.is_loopback());
    }
}
