//! `--trusted-proxies`: which TCP peers may tell us who the client is, and the client address their
//! `X-Forwarded-For` yields. Pure: no socket, no logging (`server.rs` warns about ignored headers).

use std::net::{IpAddr, Ipv6Addr};

/// Headers a proxy uses to describe the client; read only from a trusted peer, dropped otherwise.
pub const FORWARDED_HEADERS: [&str; 3] = ["x-forwarded-for", "x-forwarded-proto", "forwarded"];

/// A list of networks. Empty (the default) trusts no one: the TCP peer is the client.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrustedProxies(Vec<Net>);

/// One network as a prefix of a 128-bit address. IPv4 lives in its IPv4-mapped form
/// (`::ffff:a.b.c.d`), so an IPv4 client reaching a dual-stack listener matches IPv4 entries.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Net {
    bits: u128,
    prefix: u32,
}

impl Net {
    fn contains(&self, ip: IpAddr) -> bool {
        let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - self.prefix) };
        bits(ip) & mask == self.bits
    }
}

fn bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(a.to_ipv6_mapped()),
        IpAddr::V6(a) => u128::from(a),
    }
}

impl TrustedProxies {
    /// What `--trust-proxy` has always meant: a proxy on this machine.
    pub fn loopback() -> TrustedProxies {
        TrustedProxies::parse("127.0.0.0/8,::1").expect("literal list")
    }

    /// A comma-separated list of addresses and CIDRs (`10.0.0.0/8`, `::1`, `fd00::/8`). Host bits
    /// below the prefix are ignored; empty items are skipped.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        let mut nets = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let bad = || format!("invalid --trusted-proxies entry '{item}' (expected an IP address or CIDR, e.g. 10.0.0.0/8 or ::1)");
            let (addr, prefix) = match item.split_once('/') {
                Some((a, p)) => (a, Some(p)),
                None => (item, None),
            };
            let ip: IpAddr = addr.parse().map_err(|_| bad())?;
            let width = if ip.is_ipv4() { 32 } else { 128 };
            let prefix: u32 = match prefix {
                None => width,
                Some(p) => p.parse().ok().filter(|n| *n <= width && p.bytes().all(|b| b.is_ascii_digit())).ok_or_else(bad)?,
            };
            let prefix = prefix + (128 - width);
            let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
            nets.push(Net { bits: bits(ip) & mask, prefix });
        }
        Ok(TrustedProxies(nets))
    }

    /// Add the networks of `other` that are not already here.
    pub fn extend(&mut self, other: TrustedProxies) {
        for n in other.0 {
            if !self.0.contains(&n) {
                self.0.push(n);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client behind `peer`. Only a trusted peer's `X-Forwarded-For` (`xff`: every such header's
    /// value, in order) counts, and only as far as trusted hops vouch for it: each proxy appends the
    /// address it saw, so walking from the right, the first entry that is not one of our proxies is
    /// the last address nobody could forge. Everything left of it came from the client. If every
    /// entry is trusted, the left-most is the client. An entry that is not an address ends the walk
    /// at the last hop identified (a proxy we trust never writes one).
    pub fn client(&self, peer: IpAddr, xff: &[&str]) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.contains(peer) {
            return peer;
        }
        let mut last = peer;
        for entry in xff.iter().rev().flat_map(|v| v.rsplit(',')).map(str::trim).filter(|s| !s.is_empty()) {
            let Some(ip) = parse_entry(entry) else { return last };
            if !self.contains(ip) {
                return ip;
            }
            last = ip;
        }
        last
    }
}

/// `1.2.3.4`, `::1`, and the forms some proxies write with a port: `1.2.3.4:56`, `[::1]:56`, `[::1]`.
fn parse_entry(s: &str) -> Option<IpAddr> {
    let ip = match s.parse::<IpAddr>() {
        Ok(ip) => ip,
        Err(_) => match s.parse::<std::net::SocketAddr>() {
            Ok(a) => a.ip(),
            Err(_) => IpAddr::V6(s.strip_prefix('[')?.strip_suffix(']')?.parse::<Ipv6Addr>().ok()?),
        },
    };
    Some(ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn cidrs_match_v4_v6_and_mapped_addresses() {
        let t = TrustedProxies::parse(" 10.0.0.0/8, 192.168.1.77/24,fd00::/8 ,::1,").unwrap();
        assert!(t.contains(ip("10.255.0.1")) && !t.contains(ip("11.0.0.1")));
        assert!(t.contains(ip("192.168.1.3")), "host bits below the prefix are ignored");
        assert!(t.contains(ip("fd12::5")) && !t.contains(ip("fe80::1")));
        assert!(t.contains(ip("::1")) && !t.contains(ip("::2")));
        assert!(t.contains(ip("::ffff:10.1.2.3")), "an IPv4 peer on a dual-stack listener");
        let lo = TrustedProxies::loopback();
        assert!(lo.contains(ip("127.0.0.1")) && lo.contains(ip("127.9.9.9")) && lo.contains(ip("::1")));
        assert!(!lo.contains(ip("128.0.0.1")) && !lo.contains(ip("::ffff:128.0.0.1")));
        assert!(TrustedProxies::parse("0.0.0.0/0").unwrap().contains(ip("203.0.113.9")));
        assert!(TrustedProxies::parse("").unwrap().is_empty());
    }

    #[test]
    fn bad_entries_are_refused() {
        for bad in ["10.0.0.0/33", "::1/129", "10.0.0.0/", "10.0.0.0/+8", "10.0.0", "example.com", "1.2.3.4/8/8", "10.0.0.1:80"] {
            let e = TrustedProxies::parse(&format!("127.0.0.1,{bad}")).unwrap_err();
            assert!(e.contains(bad) && !e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_entry() {
        let t = TrustedProxies::parse("127.0.0.1,10.0.0.0/8,2001:db8::/32").unwrap();
        let lo = ip("127.0.0.1");
        // A chain of proxies: client -> 10.1.1.1 -> 10.2.2.2 -> 127.0.0.1 (us).
        assert_eq!(t.client(lo, &["203.0.113.9, 10.1.1.1, 10.2.2.2"]), ip("203.0.113.9"));
        // What the client itself wrote (left of the first untrusted hop) never counts.
        assert_eq!(t.client(lo, &["127.0.0.1, 10.0.0.1, 198.51.100.4, 10.2.2.2"]), ip("198.51.100.4"));
        // Several headers are one list, in order.
        assert_eq!(t.client(lo, &["198.51.100.4", "203.0.113.9", "10.1.1.1"]), ip("203.0.113.9"));
        // Every hop trusted: the left-most.
        assert_eq!(t.client(lo, &["10.3.3.3, 10.1.1.1"]), ip("10.3.3.3"));
        // Ports, brackets and IPv6.
        assert_eq!(t.client(lo, &["[2001:db8::5]:443, 203.0.113.9:5555"]), ip("203.0.113.9"));
        assert_eq!(t.client(lo, &["2001:db9::7, [2001:db8::5]"]), ip("2001:db9::7"));
        // Garbage stops the walk at the last identified hop, never past it.
        assert_eq!(t.client(lo, &["203.0.113.9, unknown, 10.1.1.1"]), ip("10.1.1.1"));
        // No header, or an untrusted peer: the peer.
        assert_eq!(t.client(lo, &[]), lo);
        assert_eq!(t.client(ip("198.51.100.4"), &["203.0.113.9"]), ip("198.51.100.4"));
        assert_eq!(TrustedProxies::default().client(lo, &["203.0.113.9"]), lo);
        // A mapped IPv4 peer is reported as IPv4.
        assert_eq!(t.client(ip("::ffff:198.51.100.4"), &[]), ip("198.51.100.4"));
    }
}
