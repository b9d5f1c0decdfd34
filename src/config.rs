//! Command line and `FRONTDESK_*` environment -> `Config`, with defaults and validation.
//! Owns nothing at run time: the parsed `Config` is handed to `App` and never mutated.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use crate::http::proxy::TrustedProxies;

/// Everything the server needs to know before it starts.
#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    /// `scheme://host[:port]` with no trailing slash; used for cookies, CSRF and the widget snippet.
    pub public_url: String,
    /// Whether the operator set the public URL. When not, requests from the address the browser
    /// actually used for this server are accepted too (`auth::own_origin`); `start` decides this.
    pub public_url_set: bool,
    /// Peers whose `X-Forwarded-For` names the client (`--trusted-proxies`); empty: none.
    pub trusted_proxies: TrustedProxies,
    /// Asked for; `start` lowers it to what the process can hold (`limits.rs`).
    pub max_connections: usize,
    pub log_level: log::LevelFilter,
    pub head_timeout: Duration,
    pub idle_timeout: Duration,
    /// argon2id memory cost in KiB (OWASP minimum 19456) and iterations.
    pub argon2_m_kib: u32,
    pub argon2_t: u32,
    /// Concurrent password verifications allowed (each costs `argon2_m_kib` of memory).
    pub max_hashing: usize,
    pub synchronous_full: bool,
    /// Widget rate limits; off only for load tests.
    pub rate_limits: bool,
    /// Stack for each connection thread. Request handling is shallow (serde_json limits nesting to
    /// 128) and only touched pages cost memory, so this is an upper bound, not a price per connection.
    /// Not a flag; tests set an impossible size to see a thread that cannot start.
    pub connection_stack: usize,
    /// Test-only routes (a handler that panics). Off in production; `for_test` turns it on.
    pub test_routes: bool,
}

/// What `main` was asked to do.
#[derive(Debug)]
pub enum Command {
    Serve(Config),
    AdminCreate {
        config: Config,
        email: String,
        name: String,
    },
    /// Print a one-time password reset link for the account with `email`.
    AdminResetPassword {
        config: Config,
        email: String,
    },
    Backup {
        config: Config,
        file: PathBuf,
    },
    Restore {
        config: Config,
        file: PathBuf,
    },
    Check(Config),
    Version,
    Help,
    /// `frontdesk COMMAND --help`: that command's usage.
    HelpFor(&'static str),
}

impl Config {
    fn defaults() -> Config {
        Config {
            addr: "127.0.0.1:8080".parse().expect("literal address"),
            data_dir: PathBuf::from("./frontdesk-data"),
            public_url: String::new(),
            public_url_set: false,
            trusted_proxies: TrustedProxies::default(),
            max_connections: 10_000,
            log_level: log::LevelFilter::Info,
            head_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            argon2_m_kib: 19_456,
            argon2_t: 2,
            max_hashing: 4,
            synchronous_full: true,
            rate_limits: true,
            connection_stack: 256 * 1024,
            test_routes: false,
        }
    }

    /// A config for tests and benchmarks: free port, given data dir, cheap hashing.
    pub fn for_test(data_dir: PathBuf) -> Config {
        let mut c = Config::defaults();
        c.addr = "127.0.0.1:0".parse().expect("literal address");
        c.data_dir = data_dir;
        c.argon2_m_kib = 256;
        c.argon2_t = 1;
        c.log_level = log::LevelFilter::Warn;
        c.test_routes = true;
        c
    }

    /// The origin (`scheme://host[:port]`) browsers send for our own pages.
    pub fn public_origin(&self) -> &str {
        &self.public_url
    }

    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("frontdesk.db")
    }
}

/// Parse `args` (without the program name) and the environment given by `env`.
pub fn parse(args: &[String], env: &dyn Fn(&str) -> Option<String>) -> Result<Command, String> {
    let mut c = Config::defaults();
    let mut extra = Pending::default();
    let mut positional = Vec::new();
    let mut email = None;
    let mut name = None;

    // Environment first, so flags override it.
    let set = |c: &mut Config, key: &str, value: &str, extra: &mut Pending| -> Result<(), String> {
        match key {
            "addr" => c.addr = parse_addr(value)?,
            "data" => c.data_dir = PathBuf::from(value),
            "public-url" => extra.public_url = Some(value.to_string()),
            "trusted-proxies" => c.trusted_proxies = TrustedProxies::parse(value)?,
            "trust-proxy" => extra.trust_loopback = parse_bool(value)?,
            "max-connections" => {
                c.max_connections = value
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or(format!("invalid --max-connections '{value}' (expected a positive number)"))?
            }
            "log-level" => {
                c.log_level =
                    value.parse().map_err(|_| format!("invalid log level '{value}' (expected error, warn, info, debug or trace)"))?
            }
            "head-timeout" => {
                let secs: u64 =
                    value.parse().ok().filter(|n| *n > 0).ok_or(format!("invalid --head-timeout '{value}' (expected seconds)"))?;
                c.head_timeout = Duration::from_secs(secs);
            }
            "synchronous" => {
                c.synchronous_full = match value.to_ascii_lowercase().as_str() {
                    "full" => true,
                    "normal" => false,
                    _ => {
                        return Err(format!("invalid --synchronous '{value}' (expected full or normal)"));
                    }
                }
            }
            "rate-limits" => {
                c.rate_limits = match value.to_ascii_lowercase().as_str() {
                    "on" | "true" | "1" => true,
                    "off" | "false" | "0" => false,
                    _ => return Err(format!("invalid --rate-limits '{value}' (expected on or off)")),
                }
            }
            "argon2-m-kib" => c.argon2_m_kib = value.parse().map_err(|_| format!("invalid argon2 memory '{value}'"))?,
            "argon2-t" => c.argon2_t = value.parse().map_err(|_| format!("invalid argon2 iterations '{value}'"))?,
            "test-routes" => c.test_routes = value == "1",
            _ => unreachable!("only known keys are passed"),
        }
        Ok(())
    };
    for (var, key) in [
        ("FRONTDESK_ADDR", "addr"),
        ("FRONTDESK_DATA", "data"),
        ("FRONTDESK_PUBLIC_URL", "public-url"),
        ("FRONTDESK_TRUSTED_PROXIES", "trusted-proxies"),
        ("FRONTDESK_TRUST_PROXY", "trust-proxy"),
        ("FRONTDESK_MAX_CONNECTIONS", "max-connections"),
        ("FRONTDESK_LOG", "log-level"),
        ("FRONTDESK_HEAD_TIMEOUT", "head-timeout"),
        ("FRONTDESK_SYNCHRONOUS", "synchronous"),
        ("FRONTDESK_RATE_LIMITS", "rate-limits"),
        // Test and benchmark knobs: cheaper hashing. Not in --help on purpose.
        ("FRONTDESK_ARGON2_M_KIB", "argon2-m-kib"),
        ("FRONTDESK_ARGON2_T", "argon2-t"),
        // Browser tests: the `/__test/*` routes (a clock they can set). Never set it in production.
        ("FRONTDESK_TEST_ROUTES", "test-routes"),
    ] {
        if let Some(v) = env(var).filter(|v| !v.is_empty()) {
            set(&mut c, key, &v, &mut extra).map_err(|e| format!("{var}: {e}"))?;
        }
    }

    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if let Some(flag) = arg.strip_prefix("--") {
            let (key, inline) = match flag.split_once('=') {
                Some((k, v)) => (k, Some(v.to_string())),
                None => (flag, None),
            };
            match key {
                "help" => return Ok(help_for(&positional, it.as_slice())),
                "version" => return Ok(Command::Version),
                "trust-proxy" => extra.trust_loopback = inline.as_deref().map(parse_bool).transpose()?.unwrap_or(true),
                "addr" | "data" | "public-url" | "trusted-proxies" | "max-connections" | "log-level" | "head-timeout" | "synchronous"
                | "rate-limits" | "email" | "name" => {
                    let value = match inline {
                        Some(v) => v,
                        None => it.next().cloned().ok_or(format!("--{key} needs a value"))?,
                    };
                    match key {
                        "email" => email = Some(value),
                        "name" => name = Some(value),
                        _ => set(&mut c, key, &value, &mut extra)?,
                    }
                }
                _ => return Err(format!("unknown option '--{key}' (see frontdesk --help)")),
            }
        } else if arg == "-h" {
            return Ok(help_for(&positional, it.as_slice()));
        } else if arg == "-V" {
            return Ok(Command::Version);
        } else if arg.starts_with('-') {
            return Err(format!("unknown option '{arg}' (see frontdesk --help)"));
        } else {
            positional.push(arg.clone());
        }
    }

    // The alias adds to an explicit list rather than replacing it, whichever came first.
    if extra.trust_loopback {
        c.trusted_proxies.extend(TrustedProxies::loopback());
    }
    c.public_url = match extra.public_url {
        Some(u) => normalize_public_url(&u)?,
        None => format!("http://{}", c.addr),
    };

    let words: Vec<&str> = positional.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] | ["serve"] => Ok(Command::Serve(c)),
        ["version"] => Ok(Command::Version),
        ["help"] => Ok(Command::Help),
        ["check"] => Ok(Command::Check(c)),
        ["backup", file] => Ok(Command::Backup { config: c, file: PathBuf::from(file) }),
        ["restore", file] => Ok(Command::Restore { config: c, file: PathBuf::from(file) }),
        ["admin", "create"] => {
            let email = email.ok_or("admin create needs --email")?;
            let name = name.ok_or("admin create needs --name")?;
            Ok(Command::AdminCreate { config: c, email, name })
        }
        ["admin", "reset-password"] => {
            Ok(Command::AdminResetPassword { config: c, email: email.ok_or("admin reset-password needs --email")? })
        }
        ["backup"] | ["restore"] => Err(format!("{} needs a FILE argument", words[0])),
        _ => Err(format!("unknown command '{}' (see frontdesk --help)", positional.join(" "))),
    }
}

/// `HOST:PORT`, where HOST may be a name (`localhost:8080`): the first address it resolves to,
/// IPv4 first (what `localhost` means to most browsers and proxies here).
fn parse_addr(value: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    let bad = || format!("invalid address '{value}' (expected HOST:PORT, e.g. 127.0.0.1:8080 or localhost:8080)");
    if let Ok(a) = value.parse() {
        return Ok(a);
    }
    let mut addrs: Vec<SocketAddr> = value.to_socket_addrs().map_err(|_| bad())?.collect();
    addrs.sort_by_key(|a| !a.is_ipv4());
    addrs.into_iter().next().ok_or_else(bad)
}

/// Help for the command named before or after `--help`, or the whole help.
fn help_for(before: &[String], after: &[String]) -> Command {
    let words: Vec<&str> = before.iter().chain(after).map(String::as_str).filter(|w| !w.starts_with('-')).collect();
    match words.as_slice() {
        ["backup", ..] => Command::HelpFor("backup"),
        ["restore", ..] => Command::HelpFor("restore"),
        ["check", ..] => Command::HelpFor("check"),
        ["admin", "reset-password", ..] => Command::HelpFor("admin reset-password"),
        ["admin", ..] => Command::HelpFor("admin create"),
        _ => Command::Help,
    }
}

/// Options that only take effect once everything is read.
#[derive(Default)]
struct Pending {
    public_url: Option<String>,
    trust_loopback: bool,
}

fn parse_bool(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!("invalid boolean '{v}' (expected true or false)")),
    }
}

fn normalize_public_url(u: &str) -> Result<String, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Command, String> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse(&args, &|_| None)
    }

    #[test]
    fn defaults_and_flags() {
        let Ok(Command::Serve(c)) = p(&["--addr", "127.0.0.1:0", "--public-url=https://Chat.Example.com/"]) else { panic!() };
        assert_eq!(c.public_url, "https://chat.example.com");
        assert!(c.https());
        let Ok(Command::Serve(c)) = p(&[]) else { panic!() };
        assert_eq!(c.public_url, "http://127.0.0.1:8080");
    }

    #[test]
    fn env_is_read_and_flags_win() {
        let env = |k: &str| (k == "FRONTDESK_MAX_CONNECTIONS").then(|| "5".to_string());
        let Ok(Command::Serve(c)) = parse(&[], &env) else { panic!() };
        assert_eq!(c.max_connections, 5);
        let Ok(Command::Serve(c)) = parse(&["--max-connections".into(), "7".into()], &env) else { panic!() };
        assert_eq!(c.max_connections, 7);
    }

    #[test]
    fn bad_options_are_errors() {
        assert!(p(&["--addr", "nope"]).is_err());
        assert!(p(&["--bogus"]).is_err());
        assert!(p(&["frobnicate"]).is_err());
        assert!(p(&["--public-url", "ftp://x"]).is_err());
        assert!(p(&["admin", "create", "--email", "a@b.c"]).is_err());
        assert!(p(&["--trusted-proxies", "10.0.0.0/40"]).unwrap_err().contains("10.0.0.0/40"));
        let env = |k: &str| (k == "FRONTDESK_TRUSTED_PROXIES").then(|| "127.0.0.1,nope".to_string());
        assert!(parse(&[], &env).unwrap_err().starts_with("FRONTDESK_TRUSTED_PROXIES: invalid --trusted-proxies entry 'nope'"));
    }

    #[test]
    fn trusted_proxies_and_the_loopback_alias() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let Ok(Command::Serve(c)) = p(&[]) else { panic!() };
        assert!(c.trusted_proxies.is_empty(), "no one is trusted by default");
        let Ok(Command::Serve(c)) = p(&["--trusted-proxies", "10.0.0.0/8, fd00::/8"]) else { panic!() };
        assert!(c.trusted_proxies.contains(ip("10.1.2.3")) && c.trusted_proxies.contains(ip("fd00::1")));
        assert!(!c.trusted_proxies.contains(ip("127.0.0.1")));
        for alias in [&["--trust-proxy"][..], &["--trust-proxy=true"]] {
            let Ok(Command::Serve(c)) = p(alias) else { panic!() };
            assert!(c.trusted_proxies.contains(ip("127.0.0.1")) && c.trusted_proxies.contains(ip("::1")));
            assert!(!c.trusted_proxies.contains(ip("10.0.0.1")));
        }
        let Ok(Command::Serve(c)) = p(&["--trust-proxy", "--trusted-proxies=10.0.0.0/8"]) else { panic!() };
        assert!(c.trusted_proxies.contains(ip("127.0.0.1")) && c.trusted_proxies.contains(ip("10.0.0.1")));
        let env = |k: &str| (k == "FRONTDESK_TRUST_PROXY").then(|| "1".to_string());
        let Ok(Command::Serve(c)) = parse(&[], &env) else { panic!() };
        assert!(c.trusted_proxies.contains(ip("127.0.0.1")));
        let Ok(Command::Serve(c)) = p(&["--trust-proxy=false"]) else { panic!() };
        assert!(c.trusted_proxies.is_empty());
    }
}
