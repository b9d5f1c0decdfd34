//! A parsed HTTP/1.1 request and the head parser with its limits (size, header count, framing).
//! Owns no socket: `server.rs` feeds it bytes.

use std::net::IpAddr;

use crate::error::Error;

pub const MAX_HEAD: usize = 16 * 1024;
pub const MAX_HEADERS: usize = 100;

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path without the query string, percent-decoding not applied (routes are ASCII).
    pub path: String,
    pub query: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Client address (from X-Forwarded-For only when the proxy is trusted).
    pub remote: IpAddr,
    pub http10: bool,
}

/// The outcome of parsing the bytes received so far.
pub enum Head {
    Partial,
    /// A complete head of `len` bytes and the declared body length.
    Complete {
        req: Request,
        len: usize,
        content_length: usize,
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
pub fn parse_head(buf: &[u8], peer: IpAddr, trust_proxy: bool) -> Result<Head, Error> {
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
    let mut remote = peer;
    if trust_proxy {
        // The proxy appends the address it saw; the last entry is the one it vouches for.
        if let Some(ip) =
            hs.iter().find(|(k, _)| k == "x-forwarded-for").and_then(|(_, v)| v.rsplit(',').next()).and_then(|s| s.trim().parse().ok())
        {
            remote = ip;
        }
    }
    let req = Request { method, path: path.to_string(), query: query.to_string(), headers: hs, body: Vec::new(), remote, http10 };
    Ok(Head::Complete { req, len, content_length: content_length.unwrap_or(0) })
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
}
