//! The mail transports: SMTP out (`smtp.rs`, lettre's blocking transport) and IMAP in (`imap.rs`).
//! Given a server and a message, they talk to the network and report exactly what the server said;
//! they never name the application (what is sent and why is `desk::mail`, when is `desk::outbox`).

pub mod imap;
pub mod smtp;

use std::time::Duration;

/// How long one SMTP or IMAP conversation may wait on the server.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// The connection's security: implicit TLS, STARTTLS, or none (a relay on loopback).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    Tls,
    StartTls,
    None,
}

impl Security {
    pub fn parse(s: &str) -> Option<Security> {
        match s {
            "tls" => Some(Security::Tls),
            "starttls" => Some(Security::StartTls),
            "none" => Some(Security::None),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Security::Tls => "tls",
            Security::StartTls => "starttls",
            Security::None => "none",
        }
    }
}

/// A mail server and how to sign in. `Debug` leaves the password out.
#[derive(Clone, PartialEq, Eq)]
pub struct Server {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: String,
    pub password: String,
    /// SMTP: the From address (and name) given in the URL, if any. IMAP: the folder (`INBOX`).
    pub from: String,
    pub from_name: String,
    pub folder: String,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}@{}:{}", self.security.name(), self.user, self.host, self.port)
    }
}

/// `smtp://`, `smtps://` or `smtp+insecure://USER:PASSWORD@HOST:PORT?from=ADDR&name=NAME` (and the
/// same with `imap`, with `?folder=`): `smtp`/`imap` use STARTTLS, `…s` implicit TLS, `+insecure`
/// none. User and password are percent-decoded.
pub fn parse_url(url: &str, proto: &str) -> Result<Server, String> {
    let (scheme, rest) = url.split_once("://").ok_or(format!("'{}' is not a {proto} URL", redact(url)))?;
    let security = match scheme.strip_prefix(proto) {
        Some("") => Security::StartTls,
        Some("s") => Security::Tls,
        Some("+insecure") => Security::None,
        _ => return Err(format!("the scheme must be {proto}, {proto}s or {proto}+insecure, not '{scheme}'")),
    };
    let (authority, query) = rest.split_once('?').unwrap_or((rest, ""));
    let authority = authority.trim_end_matches('/');
    let (creds, hostport) = authority.rsplit_once('@').unwrap_or(("", authority));
    let (user, password) = creds.split_once(':').unwrap_or((creds, ""));
    let default_port = match (proto, security) {
        ("smtp", Security::Tls) => 465,
        ("smtp", Security::StartTls) => 587,
        ("smtp", Security::None) => 25,
        (_, Security::Tls) => 993,
        _ => 143,
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || !p.is_empty() => {
            (h, p.parse::<u16>().ok().filter(|p| *p > 0).ok_or(format!("invalid port '{p}' in the {proto} URL"))?)
        }
        _ => (hostport, default_port),
    };
    if host.is_empty() {
        return Err(format!("the {proto} URL has no host"));
    }
    let mut s = Server {
        host: host.trim_start_matches('[').trim_end_matches(']').to_string(),
        port,
        security,
        user: decode(user),
        password: decode(password),
        from: String::new(),
        from_name: String::new(),
        folder: "INBOX".into(),
    };
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "from" => s.from = decode(v),
            "name" => s.from_name = decode(v),
            "folder" => s.folder = decode(v),
            _ => return Err(format!("unknown parameter '{k}' in the {proto} URL (from, name, folder)")),
        }
    }
    Ok(s)
}

/// The URL with its password replaced, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(a), Some(b)) if b > a => format!("{}://…{}", &url[..a], &url[b..]),
        _ => url.to_string(),
    }
}

/// Percent-decoding (`%40` → `@`, `+` stays `+`).
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_security_port_and_credentials() {
        let s = parse_url("smtps://me%40x.com:p%3Ass@mail.x.com?from=help%40x.com&name=Acme", "smtp").unwrap();
        assert_eq!((s.host.as_str(), s.port, s.security), ("mail.x.com", 465, Security::Tls));
        assert_eq!(
            (s.user.as_str(), s.password.as_str(), s.from.as_str(), s.from_name.as_str()),
            ("me@x.com", "p:ss", "help@x.com", "Acme")
        );
        let s = parse_url("imap+insecure://u:p@127.0.0.1:1143?folder=Support", "imap").unwrap();
        assert_eq!((s.port, s.security, s.folder.as_str()), (1143, Security::None, "Support"));
        assert!(parse_url("http://x", "smtp").is_err());
        assert!(!format!("{s:?}").contains('p') || !format!("{s:?}").contains(":p@"));
    }
}
