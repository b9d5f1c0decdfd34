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
    /// Whether the operator set the public URL; if not, the address the browser used is accepted too (`auth::own_origin`).
    pub public_url_set: bool,
    /// Peers whose `X-Forwarded-For` names the client (`--trusted-proxies`); empty: none.
    pub trusted_proxies: TrustedProxies,
    /// Asked for; `start` lowers it to what the process can hold (`limits.rs`).
    pub max_connections: usize,
    /// MiB all sockets' outgoing backlogs may hold together (`ws::budget`).
    pub max_backlog_memory_mb: u64,
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
    /// `FRONTDESK_SMTP_URL` / `FRONTDESK_IMAP_URL`: when set they win over the admin's settings (shown locked).
    pub smtp_url: Option<crate::mailer::Server>,
    pub imap_url: Option<crate::mailer::Server>,
    /// `FRONTDESK_EMAIL_DELAY_SECS`: the continuity mail's delay, over the admin's minutes (tests).
    pub email_delay_secs: Option<u64>,
    /// `FRONTDESK_IMAP_POLL_SECS`: how often the mailbox is checked for replies (default 60).
    pub imap_poll_secs: u64,
    /// `FRONTDESK_WIDGET_KEEPALIVE_SECS`: a widget's socket gets a frame this often (45 s; `ws::keepalive`).
    pub widget_keepalive: Duration,
    /// `FRONTDESK_SEARCH_INDEX_MS`: messages are indexed for search after this long idle, under load every 10x (20 ms).
    pub search_idle: Duration,
    /// WAL pages after which `db::checkpoint` checkpoints off the writer (the writer itself past 4x); 8,000; tests set it lower.
    pub wal_checkpoint_pages: u32,
    /// `Authorization: Bearer` token that may read `/metrics` (Prometheus); admins' sessions still can.
    pub metrics_token: Option<String>,
    /// `/readyz` answers 503 when the data directory's file system has less free space than this.
    pub min_free_disk_mb: u64,
    /// Log lines as text or as one JSON object each.
    pub log_format: LogFormat,
    /// One log line per request at `info` (otherwise only at `debug`).
    pub access_log: bool,
    /// Scheduled backups every this many hours (0: off), keeping the newest `backup_keep`.
    pub backup_every_hours: f64,
    pub backup_keep: usize,
    /// Where scheduled backups go; `None`: `DATA/backups`.
    pub backup_dir: Option<PathBuf>,
    /// `restore --yes`: replace the database without asking.
    pub yes: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
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
    /// `check` the data directory's database, or a backup FILE.
    Check {
        config: Config,
        file: Option<PathBuf>,
    },
    /// Ask a running server's `/readyz` (the container's HEALTHCHECK).
    Health(Config),
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
            max_backlog_memory_mb: 64,
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
            smtp_url: None,
            imap_url: None,
            email_delay_secs: None,
            imap_poll_secs: 60,
            widget_keepalive: crate::ws::KEEPALIVE_EVERY,
            search_idle: Duration::from_millis(20),
            wal_checkpoint_pages: 8_000,
            metrics_token: None,
            min_free_disk_mb: 64,
            log_format: LogFormat::Text,
            access_log: false,
            backup_every_hours: 0.0,
            backup_keep: 7,
            backup_dir: None,
            yes: false,
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

    /// Where attachments' bytes live (`files::Store`).
    pub fn files_dir(&self) -> PathBuf {
        self.data_dir.join("files")
    }

    /// Where scheduled backups go.
    pub fn backups_dir(&self) -> PathBuf {
        self.backup_dir.clone().unwrap_or_else(|| self.data_dir.join("backups"))
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
            "max-backlog-memory" => c.max_backlog_memory_mb = positive_mib(value, "--max-backlog-memory")?,
            "log-level" => {
                c.log_level =
                    value.parse().map_err(|_| format!("invalid log level '{value}' (expected error, warn, info, debug or trace)"))?
            }
            "head-timeout" => c.head_timeout = positive_secs(value, "--head-timeout")?,
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
            "metrics-token" => {
                if value.len() < 16 {
                    return Err("invalid --metrics-token (use at least 16 characters, e.g. from `openssl rand -hex 32`)".into());
                }
                c.metrics_token = Some(value.to_string())
            }
            "min-free-disk" => {
                c.min_free_disk_mb = value.parse().map_err(|_| format!("invalid --min-free-disk '{value}' (expected MiB)"))?
            }
            "log-format" => {
                c.log_format = match value.to_ascii_lowercase().as_str() {
                    "text" => LogFormat::Text,
                    "json" => LogFormat::Json,
                    _ => return Err(format!("invalid --log-format '{value}' (expected text or json)")),
                }
            }
            "access-log" => c.access_log = parse_bool(value)?,
            "backup-every" => {
                c.backup_every_hours = value
                    .parse()
                    .ok()
                    .filter(|h: &f64| h.is_finite() && *h >= 0.0)
                    .ok_or(format!("invalid --backup-every '{value}' (expected hours, e.g. 24; 0 is off)"))?
            }
            "backup-keep" => {
                c.backup_keep =
                    value.parse().ok().filter(|n| *n > 0).ok_or(format!("invalid --backup-keep '{value}' (expected a positive number)"))?
            }
            "backup-dir" => c.backup_dir = Some(PathBuf::from(value)),
            "argon2-m-kib" => c.argon2_m_kib = value.parse().map_err(|_| format!("invalid argon2 memory '{value}'"))?,
            "argon2-t" => c.argon2_t = value.parse().map_err(|_| format!("invalid argon2 iterations '{value}'"))?,
            "smtp-url" => c.smtp_url = Some(crate::mailer::parse_url(value, "smtp")?),
            "imap-url" => c.imap_url = Some(crate::mailer::parse_url(value, "imap")?),
            "email-delay-secs" => {
                c.email_delay_secs = Some(value.parse().map_err(|_| format!("invalid email delay '{value}' (expected seconds)"))?)
            }
            "imap-poll-secs" => c.imap_poll_secs = positive_secs(value, "IMAP poll interval")?.as_secs(),
            "widget-keepalive-secs" => c.widget_keepalive = positive_secs(value, "widget keepalive interval")?,
            "test-routes" => c.test_routes = value == "1",
            "search-index-ms" => {
                let ms: u64 = value.parse().ok().filter(|n| *n > 0).ok_or(format!("invalid search index delay '{value}' (expected ms)"))?;
                c.search_idle = Duration::from_millis(ms);
            }
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
        ("FRONTDESK_MAX_BACKLOG_MEMORY", "max-backlog-memory"),
        ("FRONTDESK_LOG", "log-level"),
        ("FRONTDESK_HEAD_TIMEOUT", "head-timeout"),
        ("FRONTDESK_SYNCHRONOUS", "synchronous"),
        ("FRONTDESK_RATE_LIMITS", "rate-limits"),
        ("FRONTDESK_SMTP_URL", "smtp-url"),
        ("FRONTDESK_IMAP_URL", "imap-url"),
        ("FRONTDESK_EMAIL_DELAY_SECS", "email-delay-secs"),
        ("FRONTDESK_IMAP_POLL_SECS", "imap-poll-secs"),
        ("FRONTDESK_WIDGET_KEEPALIVE_SECS", "widget-keepalive-secs"),
        ("FRONTDESK_METRICS_TOKEN", "metrics-token"),
        ("FRONTDESK_MIN_FREE_DISK", "min-free-disk"),
        ("FRONTDESK_LOG_FORMAT", "log-format"),
        ("FRONTDESK_ACCESS_LOG", "access-log"),
        ("FRONTDESK_BACKUP_EVERY", "backup-every"),
        ("FRONTDESK_BACKUP_KEEP", "backup-keep"),
        ("FRONTDESK_BACKUP_DIR", "backup-dir"),
        // Test and benchmark knobs: cheaper hashing. Not in --help on purpose.
        ("FRONTDESK_ARGON2_M_KIB", "argon2-m-kib"),
        ("FRONTDESK_ARGON2_T", "argon2-t"),
        // Browser tests: the `/__test/*` routes (a clock they can set). Never set it in production.
        ("FRONTDESK_TEST_ROUTES", "test-routes"),
        // Tests: hold search indexing back (a crash between a message's commit and its indexing).
        ("FRONTDESK_SEARCH_INDEX_MS", "search-index-ms"),
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
                "access-log" => c.access_log = inline.as_deref().map(parse_bool).transpose()?.unwrap_or(true),
                "yes" => c.yes = true,
                "addr" | "data" | "public-url" | "trusted-proxies" | "max-connections" | "max-backlog-memory" | "log-level"
                | "head-timeout" | "synchronous" | "rate-limits" | "metrics-token" | "min-free-disk" | "log-format" | "backup-every"
                | "backup-keep" | "backup-dir" | "email" | "name" => {
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
        ["check"] => Ok(Command::Check { config: c, file: None }),
        ["check", file] => Ok(Command::Check { config: c, file: Some(PathBuf::from(file)) }),
        ["health"] => Ok(Command::Health(c)),
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

/// Options that only take effect once everything is read.
#[derive(Default)]
struct Pending {
    public_url: Option<String>,
    trust_loopback: bool,
}

mod values;
use values::{help_for, normalize_public_url, parse_addr, parse_bool, positive_mib, positive_secs};

#[cfg(test)]
mod tests;
