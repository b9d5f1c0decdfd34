//! Parsers of single option values: an address, a boolean, the public URL; and which command's help
//! `--help` asks for.

use std::net::SocketAddr;

use super::Command;

/// `HOST:PORT`, where HOST may be a name (`localhost:8080`): the first address it resolves to,
/// IPv4 first (what `localhost` means to most browsers and proxies here).
pub(super) fn parse_addr(value: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    let bad = || format!("invalid address '{value}' (expected HOST:PORT, e.g. 127.0.0.1:8080 or localhost:8080)");
    if let Ok(a) = value.parse() {
        return Ok(a);
    }
    let mut addrs: Vec<SocketAddr> = value.to_socket_addrs().map_err(|_| bad())?.collect();
    addrs.sort_by_key(|a| !a.is_ipv4());
    addrs.into_iter().next().ok_or_else(bad)
}

/// A positive number of MiB for option `flag`.
pub(super) fn positive_mib(v: &str, flag: &str) -> Result<u64, String> {
    v.parse().ok().filter(|n| *n > 0).ok_or(format!("invalid {flag} '{v}' (expected MiB, a positive number)"))
}

/// A positive number of seconds for `what`.
pub(super) fn positive_secs(v: &str, what: &str) -> Result<std::time::Duration, String> {
    v.parse().ok().filter(|n| *n > 0).map(std::time::Duration::from_secs).ok_or(format!("invalid {what} '{v}' (expected seconds)"))
}

pub(super) fn parse_bool(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!("invalid boolean '{v}' (expected true or false)")),
    }
}

pub(super) fn normalize_public_url(u: &str) -> Result<String, String> {
    let u = u.trim().trim_end_matches('/');
    let rest = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
        .ok_or(format!("invalid public URL '{u}' (expected http://host or https://host)"))?;
    if rest.is_empty() || rest.contains('/') || rest.contains(char::is_whitespace) {
        return Err(format!("invalid public URL '{u}' (expected scheme://host[:port], no path)"));
    }
    Ok(u.to_ascii_lowercase())
}

/// Help for the command named before or after `--help`, or the whole help.
pub(super) fn help_for(before: &[String], after: &[String]) -> Command {
    let words: Vec<&str> = before.iter().chain(after).map(String::as_str).filter(|w| !w.starts_with('-')).collect();
    match words.as_slice() {
        ["backup", ..] => Command::HelpFor("backup"),
        ["restore", ..] => Command::HelpFor("restore"),
        ["check", ..] => Command::HelpFor("check"),
        ["health", ..] => Command::HelpFor("health"),
        ["admin", "reset-password", ..] => Command::HelpFor("admin reset-password"),
        ["admin", ..] => Command::HelpFor("admin create"),
        _ => Command::Help,
    }
}
