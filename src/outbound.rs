//! Outgoing HTTP for webhooks: one POST through `ureq` (rustls), with the server-side request
//! forgery guard. Names are resolved by our own resolver, which refuses the whole name if any of its
//! addresses is loopback, private, link-local (the cloud metadata address too), CGNAT, unspecified,
//! multicast or reserved — unless private networks are allowed — and hands `ureq` only the
//! addresses it checked: the connection goes to a checked address, so a DNS answer that changes
//! between check and connect (rebinding) cannot slip through. Redirects are never followed, proxies
//! from the environment are never used. Knows nothing of the desk.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, ToSocketAddrs};
use std::time::{Duration, Instant};

use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// Why an address is refused, or `None` if it is a public one.
pub fn refused(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return refused_v4(v4);
            }
            let s = v6.segments();
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if v6.is_multicast() {
                Some("multicast")
            } else if s[0] & 0xfe00 == 0xfc00 {
                Some("private (unique local)")
            } else if s[0] & 0xffc0 == 0xfe80 {
                Some("link-local")
            } else if s[0] == 0x64 && s[1] == 0xff9b {
                // NAT64 (64:ff9b::/96) carries an IPv4 address in its last 32 bits.
                refused_v4(Ipv4Addr::from(((s[6] as u32) << 16) | s[7] as u32))
            } else if s[0] == 0x2002 {
                // 6to4 carries one in bits 16..48.
                refused_v4(Ipv4Addr::from(((s[1] as u32) << 16) | s[2] as u32))
            } else if s[0] == 0x2001 && s[1] == 0x0db8 {
                Some("reserved (documentation)")
            } else {
                None
            }
        }
    }
}

fn refused_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() || o[0] == 0 {
        Some("unspecified")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local (cloud metadata)")
    } else if o[0] == 100 && (o[1] & 0xc0) == 64 {
        Some("shared address space (CGNAT)")
    } else if ip.is_multicast() || ip.is_broadcast() || o[0] >= 240 {
        Some("multicast or reserved")
    } else if (o[0] == 192 && o[1] == 0 && (o[2] == 0 || o[2] == 2)) || (o[0] == 198 && (o[1] & 0xfe) == 18) {
        Some("reserved")
    } else {
        None
    }
}

/// Resolve `host:port` and check every address: the addresses to connect to, or why not.
pub fn resolve(host_port: &str, allow_private: bool) -> Result<Vec<std::net::SocketAddr>, String> {
    let addrs: Vec<_> = host_port.to_socket_addrs().map_err(|e| format!("cannot resolve {host_port}: {e}"))?.collect();
    if addrs.is_empty() {
        return Err(format!("{host_port} has no address"));
    }
    if !allow_private {
        for a in &addrs {
            if let Some(why) = refused(a.ip()) {
                return Err(format!("{host_port} resolves to {} ({why}): refused unless Admin → Webhooks allows private networks", a.ip()));
            }
        }
    }
    Ok(addrs)
}

/// A URL as webhooks accept it: `http(s)://host[:port]/…`, no user name or password in it.
/// Returns `host:port`.
pub fn host_port(url: &str) -> Result<String, String> {
    let uri: ureq::http::Uri = url.parse().map_err(|_| "not a URL".to_string())?;
    let port = match uri.scheme_str() {
        Some("http") => 80,
        Some("https") => 443,
        _ => return Err("the URL must start with http:// or https://".into()),
    };
    let auth = uri.authority().ok_or("the URL has no host")?;
    if auth.as_str().contains('@') {
        return Err("the URL must not carry a user name or password".into());
    }
    let host = auth.host();
    if host.is_empty() {
        return Err("the URL has no host".into());
    }
    Ok(format!("{host}:{}", auth.port_u16().unwrap_or(port)))
}

/// Check `url` as a delivery would, without sending anything (an endpoint being saved).
pub fn check(url: &str, allow_private: bool) -> Result<(), String> {
    resolve(&host_port(url)?, allow_private).map(|_| ())
}

#[derive(Debug)]
struct Guarded {
    allow_private: bool,
}

impl Resolver for Guarded {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addrs = DefaultResolver::default().resolve(uri, config, timeout)?;
        if !self.allow_private
            && let Some((a, why)) = addrs.iter().find_map(|a| refused(a.ip()).map(|w| (a, w)))
        {
            return Err(ureq::Error::Io(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!(
                    "{} resolves to {} ({why}): refused unless Admin → Webhooks allows private networks",
                    uri.host().unwrap_or(""),
                    a.ip()
                ),
            )));
        }
        Ok(addrs)
    }
}

/// What one POST came to.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The HTTP status, if the receiver answered.
    pub status: Option<u16>,
    pub duration_ms: i64,
    /// The first KiB of the answer's body.
    pub excerpt: String,
    /// Why it is not a success (`None`: a 2xx).
    pub error: Option<String>,
}

/// POST `body` to `url` with `headers`: connect within 5 s, all within 10 s, no redirects.
pub fn post(url: &str, body: &str, headers: &[(&str, String)], allow_private: bool) -> Outcome {
    let config = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(5)))
        .timeout_global(Some(Duration::from_secs(10)))
        .max_redirects(0)
        .http_status_as_error(false)
        .proxy(None)
        .build();
    let agent = ureq::Agent::with_parts(config, DefaultConnector::default(), Guarded { allow_private });
    let t = Instant::now();
    let mut req = agent.post(url);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let r = req.send(body);
    let mut out = Outcome::default();
    match r {
        Ok(mut resp) => {
            let status = resp.status().as_u16();
            out.status = Some(status);
            let mut buf = Vec::new();
            let _ = resp.body_mut().as_reader().take(1024).read_to_end(&mut buf);
            out.excerpt = String::from_utf8_lossy(&buf).into_owned();
            out.error = match status {
                200..=299 => None,
                300..=399 => Some(format!(
                    "{status}: a redirect (to {}), not followed",
                    resp.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("?")
                )),
                _ => Some(format!("{status}: not a 2xx answer")),
            };
        }
        Err(e) => out.error = Some(describe(&e)),
    }
    out.duration_ms = t.elapsed().as_millis() as i64;
    out
}

fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}
