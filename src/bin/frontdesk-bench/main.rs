//! frontdesk-bench: starts the real release server on loopback with a fresh data directory, drives it
//! only through HTTP and WebSocket, and prints a table (plus JSON in `bench-results/`). Baselines
//! measured in the same run (raw SQLite, a bare tungstenite echo server) turn noisy absolute numbers
//! into ratios. See BENCHMARKS.md.

mod baseline;
mod client;
mod driver;
mod flood;
mod mixed;
mod reports;
mod scenarios;
mod server;
mod storage;
mod tail;
mod trace;
mod upload;
mod watch;

use std::time::Duration;

pub struct Opts {
    pub quick: bool,
    pub n: usize,
    pub agents: usize,
    pub rate: f64,
    pub duration: Duration,
    pub search_messages: usize,
    pub drivers: usize,
    /// persist: how many senders (256; `--quick` 64) and for how long (10 s; `--quick` 3 s), if given.
    pub senders: Option<usize>,
    pub persist_for: Option<Duration>,
    /// search: start from a copy of this data directory (one an earlier search run loaded and kept)
    /// instead of loading the messages again; old and new binaries then search the same data.
    pub search_data: Option<std::path::PathBuf>,
    /// chat and mixed: the server's `--synchronous` (`full`, the production setting, unless given),
    /// to tell the fsync's share of the latency from the rest.
    pub synchronous: String,
}

/// One line of the result table.
pub struct Row {
    pub scenario: &'static str,
    pub metric: String,
    pub value: f64,
    pub unit: &'static str,
    pub target: String,
}

pub fn row(scenario: &'static str, metric: impl Into<String>, value: f64, unit: &'static str, target: &str) -> Row {
    Row { scenario, metric: metric.into(), value, unit, target: target.into() }
}

const USAGE: &str = "usage: frontdesk-bench [idle|chat|persist|search|startup|reconnect|upload|reports|mixed|flood|all]... [--quick] [-n CONNECTIONS] [--agents M] [--rate MSGS_PER_SEC] [--duration SECS] [--search-messages N] [--search-data DIR] [--senders N] [--synchronous full|normal]";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("echo-server") {
        baseline::echo_server(args.get(1).map(std::path::PathBuf::from));
        return;
    }
    let mut scenarios = Vec::new();
    let mut o = Opts {
        quick: false,
        n: 10_000,
        agents: 20,
        rate: 1000.0,
        duration: Duration::from_secs(20),
        search_messages: 1_000_000,
        drivers: 2,
        senders: None,
        persist_for: None,
        search_data: None,
        synchronous: "full".into(),
    };
    let mut it = args.iter();
    let num = |v: Option<&String>, what: &str| -> f64 {
        v.and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            eprintln!("{what} needs a number\n{USAGE}");
            std::process::exit(2)
        })
    };
    let mut explicit_n = None;
    let mut explicit_search = None;
    let mut explicit_duration = None;
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => o.quick = true,
            "-n" => explicit_n = Some(num(it.next(), "-n") as usize),
            "--agents" => o.agents = num(it.next(), "--agents") as usize,
            "--rate" => o.rate = num(it.next(), "--rate"),
            "--duration" => explicit_duration = Some(Duration::from_secs_f64(num(it.next(), "--duration"))),
            "--search-messages" => explicit_search = Some(num(it.next(), "--search-messages") as usize),
            "--search-data" => {
                o.search_data = Some(it.next().map(Into::into).unwrap_or_else(|| {
                    eprintln!("--search-data needs a directory\n{USAGE}");
                    std::process::exit(2)
                }))
            }
            "--senders" => o.senders = Some(num(it.next(), "--senders") as usize),
            "--synchronous" => o.synchronous = it.next().cloned().unwrap_or_default(),
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            s @ ("idle" | "chat" | "persist" | "search" | "startup" | "reconnect" | "upload" | "reports" | "mixed" | "flood") => {
                scenarios.push(s.to_string())
            }
            "all" => scenarios.extend(
                ["idle", "chat", "persist", "search", "startup", "reconnect", "upload", "reports", "mixed", "flood"].map(String::from),
            ),
            other => {
                eprintln!("unknown argument '{other}'\n{USAGE}");
                std::process::exit(2);
            }
        }
    }
    if scenarios.is_empty() {
        scenarios.extend(["idle", "chat", "persist", "search", "startup", "reconnect", "upload", "flood"].map(String::from));
    }
    if o.quick {
        o.n = 300;
        o.agents = 5;
        o.rate = 200.0;
        o.duration = Duration::from_secs(3);
        o.search_messages = 20_000;
    }
    o.n = explicit_n.unwrap_or(o.n);
    o.search_messages = explicit_search.unwrap_or(o.search_messages);
    o.duration = explicit_duration.unwrap_or(o.duration);
    o.persist_for = explicit_duration;

    let limit = raise_fd_limit();
    let pid_max = std::fs::read_to_string("/proc/sys/kernel/pid_max").unwrap_or_default().trim().to_string();
    eprintln!(
        "frontdesk-bench: file descriptors {limit}, pid_max {pid_max}, {} cores",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    // Each server connection costs one fd and one thread; the client side one fd.
    if (o.n as u64) + 200 > limit {
        eprintln!("note: the file-descriptor limit ({limit}) is below {} connections + margin; lowering -n to {}", o.n, limit - 200);
        o.n = (limit - 200) as usize;
    }

    let mut rows = Vec::new();
    for s in &scenarios {
        eprintln!("== {s}");
        let r = match s.as_str() {
            "idle" => scenarios::idle(&o),
            "chat" => scenarios::chat(&o),
            "persist" => storage::persist(&o),
            "search" => storage::search(&o),
            "startup" => storage::startup(&o),
            "reconnect" => scenarios::reconnect(&o),
            "upload" => upload::upload_scenario(&o),
            "reports" => reports::reports(&o),
            "mixed" => mixed::mixed(&o),
            "flood" => flood::flood(&o),
            _ => unreachable!(),
        };
        for row in &r {
            eprintln!("   {:<42} {:>14} {:<8} {}", row.metric, fmt(row.value), row.unit, row.target);
        }
        rows.extend(r);
    }
    print_table(&rows);
    write_json(&rows, &o, &args);
}

fn fmt(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else if v.abs() >= 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

fn print_table(rows: &[Row]) {
    println!("| scenario | metric | value | unit | target |");
    println!("|---|---|---:|---|---|");
    for r in rows {
        println!("| {} | {} | {} | {} | {} |", r.scenario, r.metric, fmt(r.value), r.unit, r.target);
    }
}

fn write_json(rows: &[Row], o: &Opts, args: &[String]) {
    let dir = std::path::Path::new("bench-results");
    let _ = std::fs::create_dir_all(dir);
    let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let v = serde_json::json!({
        "command": format!("frontdesk-bench {}", args.join(" ")),
        "quick": o.quick,
        "machine": {
            "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            "memory_kib": server::proc_status_self("MemTotal:"),
            "kernel": std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim(),
        },
        "rows": rows.iter().map(|r| serde_json::json!({"scenario": r.scenario, "metric": r.metric, "value": r.value, "unit": r.unit, "target": r.target})).collect::<Vec<_>>(),
    });
    let path = dir.join(format!("bench-{ts}.json"));
    if std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap_or_default()).is_ok() {
        eprintln!("results written to {}", path.display());
    }
}

/// Raise the soft fd limit to the hard one; returns the limit in force.
fn raise_fd_limit() -> u64 {
    // SAFETY: getrlimit/setrlimit on a local struct.
    unsafe {
        let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut r);
        if r.rlim_cur < r.rlim_max {
            let want = libc::rlimit { rlim_cur: r.rlim_max, rlim_max: r.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &want) == 0 {
                r.rlim_cur = r.rlim_max;
            }
        }
        r.rlim_cur
    }
}

/// Percentile of a sorted slice.
pub fn pct(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64
}
