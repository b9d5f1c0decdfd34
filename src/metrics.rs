//! What `/metrics` counts that no other part keeps: HTTP requests and their durations by route and
//! status, WebSocket connects and disconnects by close code, and the process itself (`/proc/self`).
//! Knows nothing of the application: `api::metrics` writes the exposition.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds (seconds) of the request duration histogram's buckets.
pub const DURATION_BUCKETS: [f64; 12] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

#[derive(Default, Clone)]
struct Timings {
    count: u64,
    sum: f64,
    buckets: [u64; DURATION_BUCKETS.len()],
}

/// The counters, each map under its own lock (one short lock per request).
#[derive(Default)]
pub struct Metrics {
    /// (method, route pattern, status) -> timings.
    http: Mutex<BTreeMap<(String, &'static str, u16), Timings>>,
    /// kind ("agent", "widget") -> connects.
    ws_connects: Mutex<BTreeMap<&'static str, u64>>,
    /// (kind, close code) -> disconnects.
    ws_disconnects: Mutex<BTreeMap<(&'static str, u16), u64>>,
}

impl Metrics {
    /// One answered request: `route` is the route table's pattern (never the raw path, which would
    /// make a series per id), `elapsed` runs from the request's first byte.
    pub fn request(&self, method: &str, route: &'static str, status: u16, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        // Only the methods we route; anything else is one label value.
        let method = match method {
            "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" => method,
            _ => "OTHER",
        };
        let mut http = self.http.lock().unwrap_or_else(|p| p.into_inner());
        let t = http.entry((method.to_string(), route, status)).or_default();
        t.count += 1;
        t.sum += secs;
        if let Some(i) = DURATION_BUCKETS.iter().position(|b| secs <= *b) {
            t.buckets[i] += 1;
        }
    }

    pub fn ws_connected(&self, kind: &'static str) {
        *self.ws_connects.lock().unwrap_or_else(|p| p.into_inner()).entry(kind).or_default() += 1;
    }

    /// A socket ended with `code` (the close frame's code; 1006 when it just dropped).
    pub fn ws_disconnected(&self, kind: &'static str, code: u16) {
        *self.ws_disconnects.lock().unwrap_or_else(|p| p.into_inner()).entry((kind, code)).or_default() += 1;
    }

    /// The HTTP and WebSocket series, in the text exposition format.
    pub fn write_to(&self, o: &mut String) {
        let http = self.http.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let _ = writeln!(o, "# HELP frontdesk_http_requests_total HTTP requests answered, by route pattern and status.");
        let _ = writeln!(o, "# TYPE frontdesk_http_requests_total counter");
        for ((m, route, status), t) in &http {
            let _ = writeln!(o, "frontdesk_http_requests_total{{method=\"{m}\",route=\"{}\",status=\"{status}\"}} {}", esc(route), t.count);
        }
        let _ = writeln!(o, "# HELP frontdesk_http_request_duration_seconds From a request's first byte to its answer.");
        let _ = writeln!(o, "# TYPE frontdesk_http_request_duration_seconds histogram");
        for ((m, route, status), t) in &http {
            let labels = format!("method=\"{m}\",route=\"{}\",status=\"{status}\"", esc(route));
            let mut cumulative = 0;
            for (i, b) in DURATION_BUCKETS.iter().enumerate() {
                cumulative += t.buckets[i];
                let _ = writeln!(o, "frontdesk_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {cumulative}");
            }
            let _ = writeln!(o, "frontdesk_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", t.count);
            let _ = writeln!(o, "frontdesk_http_request_duration_seconds_sum{{{labels}}} {}", t.sum);
            let _ = writeln!(o, "frontdesk_http_request_duration_seconds_count{{{labels}}} {}", t.count);
        }
        let _ = writeln!(o, "# HELP frontdesk_websocket_connects_total WebSocket connections opened, by kind.");
        let _ = writeln!(o, "# TYPE frontdesk_websocket_connects_total counter");
        for kind in ["agent", "widget"] {
            let n = self.ws_connects.lock().unwrap_or_else(|p| p.into_inner()).get(kind).copied().unwrap_or(0);
            let _ = writeln!(o, "frontdesk_websocket_connects_total{{kind=\"{kind}\"}} {n}");
        }
        let _ = writeln!(
            o,
            "# HELP frontdesk_websocket_disconnects_total WebSocket connections ended, by kind and close code (1006: dropped)."
        );
        let _ = writeln!(o, "# TYPE frontdesk_websocket_disconnects_total counter");
        for ((kind, code), n) in self.ws_disconnects.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let _ = writeln!(o, "frontdesk_websocket_disconnects_total{{kind=\"{kind}\",code=\"{code}\"}} {n}");
        }
    }
}

/// A label value escaped for the exposition format.
pub fn esc(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// The standard `process_*` series, from `/proc/self` (Linux).
pub fn write_process(o: &mut String) {
    // SAFETY: sysconf and getrlimit only read; `lim` is a zeroed out-parameter of the right type.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as u64;
    let mut lim: libc::rlimit = unsafe { std::mem::zeroed() };
    let max_fds = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0 { lim.rlim_cur as f64 } else { 0.0 };
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces), numbered from 3 (state).
    let fields: Vec<&str> = stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    let cpu = (field(14) + field(15)) / ticks;
    let boot = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("btime ").and_then(|v| v.trim().parse::<f64>().ok())))
        .unwrap_or(0.0);
    let start = boot + field(22) / ticks;
    let vsize = field(23);
    let rss = field(24) * page as f64;
    let fds = std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0);
    let threads = field(20);
    let series: [(&str, &str, &str, f64); 7] = [
        ("process_cpu_seconds_total", "counter", "User and system CPU time spent in seconds.", cpu),
        ("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", rss),
        ("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", vsize),
        ("process_open_fds", "gauge", "Number of open file descriptors.", fds as f64),
        ("process_max_fds", "gauge", "Maximum number of open file descriptors.", max_fds),
        ("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", start),
        ("process_threads", "gauge", "Number of OS threads in the process.", threads),
    ];
    for (name, kind, help, v) in series {
        let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}");
    }
}

/// The build, for `frontdesk version` and `frontdesk_build_info`: set by build.rs.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const COMMIT: &str = env!("FRONTDESK_COMMIT");
pub const BUILD_DATE: &str = env!("FRONTDESK_BUILD_DATE");
