//! The storage-bound scenarios of issue 4: persist (acked write rate), search over a loaded
//! database, and start-up time. Each starts its own server with a fresh data directory.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::driver::{Conn, Role};
use crate::scenarios::{clk_tck, connect_all, drive, plan, stop_after};
use crate::server::{self, Server, http};
use crate::{Opts, Row, baseline, pct, row};

/// Fetch /metrics as admin and read one value.
pub(crate) fn metric(s: &Server, admin: &(String, String), name: &str) -> f64 {
    let (_, _, b) = http(s.addr, "GET", "/metrics", &[("Cookie", &admin.0)], "");
    String::from_utf8_lossy(&b)
        .lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap_or(0.0)
}

/// 3. persist: the highest acknowledged rate, each message acked after commit.
pub fn persist(o: &Opts) -> Vec<Row> {
    let mut out = Vec::new();
    let senders = o.senders.unwrap_or(if o.quick { 64 } else { 256 });
    let dur = o.persist_for.unwrap_or(if o.quick { Duration::from_secs(3) } else { Duration::from_secs(10) });
    for (mode, flag) in [("FULL", "full"), ("NORMAL", "normal")] {
        let data = server::temp_data();
        let s = Server::start(&data, &["--synchronous", flag]);
        let admin = s.setup();
        let tokens = s.visitors(senders, 8);
        let (conns, _, _) = connect_all(s.addr, &s.origin, &tokens, &[]);
        let (j0, c0) = (metric(&s, &admin, "frontdesk_write_jobs_total"), metric(&s, &admin, "frontdesk_commit_seconds_count"));
        let (cpu0, wall0, sw0, own0, io0) =
            (s.cpu_by_thread(), Instant::now(), s.switches("db-writer"), own_cpu_ticks(), s.io("db-writer"));
        let stop = Arc::new(AtomicBool::new(false));
        stop_after(&stop, dur + Duration::from_millis(500));
        let (st, _) = drive(s.addr, &s.origin, conns, o.drivers, stop, move |_| {
            let mut p = plan(dur);
            p.closed_loop = true;
            p
        });
        let rate = st.acks as f64 / dur.as_secs_f64();
        // Where the server's CPU went, per thread kind, as % of one core.
        let (cpu1, sw1, own1, io1) = (s.cpu_by_thread(), s.switches("db-writer"), own_cpu_ticks(), s.io("db-writer"));
        let wall = wall0.elapsed().as_secs_f64();
        for (name, t1) in &cpu1 {
            let t0 = cpu0.get(name).copied().unwrap_or(0);
            let share = (t1 - t0) as f64 / clk_tck() / wall * 100.0;
            if share >= 1.0 {
                out.push(row("persist", format!("server CPU in {name} threads ({mode})"), share, "% core", ""));
            }
            if name.starts_with("db-writer") && st.acks > 0 {
                let us = (t1 - t0) as f64 / clk_tck() * 1e6 / st.acks as f64;
                out.push(row("persist", format!("{name} CPU per acked message ({mode})"), us, "µs", ""));
            }
        }
        let own = (own1 - own0) as f64 / clk_tck() / wall * 100.0;
        out.push(row("persist", format!("load generator CPU, this process ({mode})"), own, "% core", ""));
        if st.acks > 0 {
            let per = |a: u64, b: u64| (b - a) as f64 * 1000.0 / st.acks as f64;
            let (v, i) = (per(sw0.0, sw1.0), per(sw0.1, sw1.1));
            out.push(row("persist", format!("writer context switches per 1,000 acked, voluntary / preempted ({mode})"), v + i, "", ""));
            out.push(row("persist", format!("  of which preempted ({mode})"), i, "", ""));
            // WAL frames and checkpoints: what the writer hands the kernel per message.
            let acks = st.acks as f64;
            out.push(row("persist", format!("writer file writes per acked message ({mode})"), (io1.0 - io0.0) as f64 / acks, "", ""));
            out.push(row("persist", format!("writer bytes written per acked message ({mode})"), (io1.1 - io0.1) as f64 / acks, "B", ""));
            out.push(row("persist", format!("writer file reads per acked message ({mode})"), (io1.2 - io0.2) as f64 / acks, "", ""));
        }
        // How far search indexing trails the acks once the load stops (`db::search_index`).
        let lag = || {
            rusqlite::Connection::open(data.join("frontdesk.db")).ok().and_then(|c| frontdesk::db::search_index::lag(&c).ok()).unwrap_or(-1)
        };
        let (behind, t) = (lag(), Instant::now());
        while lag() > 0 && t.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(5));
        }
        out.push(row("persist", format!("messages not yet indexed for search at the end ({mode})"), behind as f64, "msgs", ""));
        out.push(row("persist", format!("then indexed within ({mode})"), t.elapsed().as_secs_f64() * 1000.0, "ms", ""));
        let (j1, c1) = (metric(&s, &admin, "frontdesk_write_jobs_total"), metric(&s, &admin, "frontdesk_commit_seconds_count"));
        let batch = ((j1 - j0) / (c1 - c0).max(1.0)).max(1.0);
        let base = baseline::raw_sqlite(((rate * 2.0) as usize).clamp(2_000, 400_000), batch.round() as usize, mode == "FULL");
        out.push(row(
            "persist",
            format!("acked msg/s, synchronous={mode}, {senders} senders"),
            rate,
            "msg/s",
            if mode == "FULL" { ">= 20000" } else { "" },
        ));
        out.push(row("persist", format!("mean group-commit size ({mode})"), batch, "msgs", ""));
        out.push(row("persist", format!("baseline raw SQLite, same pragmas and batch ({mode})"), base, "rows/s", ""));
        out.push(row("persist", format!("ratio ours/raw SQLite ({mode})"), rate / base, "x", ""));
        out.push(row("persist", format!("errors ({mode})"), st.errors as f64, "", "0"));
        s.stop();
        let _ = std::fs::remove_dir_all(data);
    }
    out.extend(echo_ceiling(o, senders, dur, &out));
    out
}

/// The transport's ceiling on this machine, measured in the same run: the same senders, each with one
/// message in flight, against a bare tungstenite echo server (thread per connection like ours, no
/// database, no routing). No server design that answers each message on its own socket, with the load
/// generator on the same cores, acks faster than this echo.
fn echo_ceiling(o: &Opts, senders: usize, dur: Duration, ours: &[Row]) -> Vec<Row> {
    let echo = baseline::Echo::start(None);
    let mut conns = Vec::new();
    for _ in 0..senders {
        if let Ok(ws) = baseline::echo_connect(echo.addr) {
            conns.push(Conn::new(Some(ws), Role::Customer, String::new()));
        }
    }
    let (t0, own0) = (Instant::now(), own_cpu_ticks());
    let cpu0 = server::process_cpu_ticks(echo.child.id());
    let stop = Arc::new(AtomicBool::new(false));
    stop_after(&stop, dur + Duration::from_millis(500));
    let (st, _) = drive(echo.addr, "http://bench", conns, o.drivers, stop, move |_| {
        let mut p = plan(dur);
        p.closed_loop = true;
        p.raw = true;
        p
    });
    let wall = t0.elapsed().as_secs_f64();
    let cpu = (server::process_cpu_ticks(echo.child.id()) - cpu0) as f64 / clk_tck() / wall * 100.0;
    let own = (own_cpu_ticks() - own0) as f64 / clk_tck() / wall * 100.0;
    let rate = st.acks as f64 / dur.as_secs_f64();
    let mut out = vec![
        row("persist", format!("transport ceiling: bare tungstenite echo, {senders} senders, one in flight"), rate, "msg/s", ""),
        row("persist", "  echo server CPU / load generator CPU", cpu, "% core", &format!("load generator {own:.0} % core")),
    ];
    let full = ours.iter().find(|r| r.metric.starts_with("acked msg/s, synchronous=FULL")).map(|r| r.value);
    if let Some(full) = full.filter(|_| rate > 0.0) {
        out.push(row("persist", "ratio ours (FULL) / transport ceiling", full / rate, "x", ""));
        out.push(row(
            "persist",
            "ratio 50,000 msg/s goal / transport ceiling",
            50_000.0 / rate,
            "x",
            "> 1: the goal is beyond this machine's transport",
        ));
    }
    out
}

/// CPU ticks (user + system) this process has used.
fn own_cpu_ticks() -> u64 {
    server::process_cpu_ticks(std::process::id())
}

const COMMON: [&str; 8] = ["order", "delivery", "refund", "account", "password", "invoice", "shipping", "payment"];

/// A body of 6–12 words from a skewed vocabulary; about 1 in 100,000 carries a rare word.
fn text(i: u64) -> String {
    let mut x = i.wrapping_mul(0x9e3779b97f4a7c15) ^ 0xdeadbeef;
    let mut words = Vec::new();
    let n = 6 + (x % 7) as usize;
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // Skew: low word numbers are far more frequent.
        let r = (x % 1000) as f64 / 1000.0;
        let w = (r * r * r * 3000.0) as u64;
        if w < 8 { words.push(COMMON[w as usize].to_string()) } else { words.push(format!("w{w}")) }
    }
    if i % 100_000 == 7 {
        words.push("zyzzyva".into());
    }
    words.join(" ")
}

/// 4. search: N messages loaded through the writer, then search latency per query class.
///
/// With `--search-data`, a copy of a data directory an earlier run loaded and kept instead.
pub fn search(o: &Opts) -> Vec<Row> {
    let data = server::temp_data();
    let mut out = Vec::new();
    let (s, admin) = match &o.search_data {
        Some(from) => {
            for name in ["frontdesk.db", "frontdesk.db-wal"] {
                if from.join(name).exists() {
                    std::fs::copy(from.join(name), data.join(name)).expect("copy the search data");
                }
            }
            let s = Server::start(&data, &[]);
            let admin = s.login_admin();
            (s, admin)
        }
        None => {
            let s = Server::start(&data, &[]);
            let admin = s.setup();
            let (loaded, rate) = load(&s, o.search_messages);
            out.push(row("search", "messages loaded through the writer", loaded as f64, "msgs", ""));
            out.push(row("search", "load rate", rate, "msg/s", ""));
            (s, admin)
        }
    };
    let query = |cookie: &str, q: &str, n: usize| -> (Vec<u64>, usize) {
        let mut lat = Vec::new();
        let mut hits = 0;
        for _ in 0..n {
            let t = Instant::now();
            let (st, _, b) = http(s.addr, "GET", &format!("/api/search?q={q}"), &[("Cookie", cookie)], "");
            lat.push(t.elapsed().as_micros() as u64);
            if st == 200 {
                hits = serde_json::from_slice::<Value>(&b).ok().and_then(|v| v["results"].as_array().map(|a| a.len())).unwrap_or(0);
            }
        }
        lat.sort_unstable();
        (lat, hits)
    };
    for (label, q, target) in [
        ("common word", "order", "<= 20 ms"),
        ("rare word", "zyzzyva", "<= 10 ms"),
        ("two words", "refund+invoice", "<= 10 ms"),
        ("prefix", "deliv", "<= 10 ms"),
    ] {
        let (lat, hits) = query(&admin.0, q, 100);
        out.push(row("search", format!("{label} '{q}' p50"), pct(&lat, 0.5) / 1000.0, "ms", ""));
        out.push(row("search", format!("{label} '{q}' p95 ({hits} hits/page)"), pct(&lat, 0.95) / 1000.0, "ms", target));
    }
    // Visibility: an agent who does not see live chats (and is in no team chat) may see none of the
    // matches, so newest first reads them all before it knows the page is empty.
    let team_only = s.agents_without_support(&admin, 1).remove(0);
    let (lat, hits) = query(&team_only, "order", 10);
    out.push(row("search", "common word 'order', agent without live chats, p50", pct(&lat, 0.5) / 1000.0, "ms", ""));
    out.push(row(
        "search",
        format!("common word 'order', agent without live chats, p95 ({hits} hits/page)"),
        pct(&lat, 0.95) / 1000.0,
        "ms",
        "",
    ));
    s.stop();
    // Keep the loaded database for the startup scenario.
    let _ = std::fs::write(std::env::temp_dir().join("frontdesk-bench-last-search"), data.to_string_lossy().as_bytes());
    out
}

/// Load `n` messages from 128 customers over WebSockets, pipelined (a window of 32 each, then its
/// acks); returns how many were acknowledged and at what rate.
fn load(s: &Server, n: usize) -> (u64, f64) {
    let senders = 128;
    let tokens = s.visitors(senders, 8);
    let (mut conns, _, _) = connect_all(s.addr, &s.origin, &tokens, &[]);
    let t = Instant::now();
    let per = n.div_ceil(senders);
    let loaded = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = conns
        .drain(..)
        .enumerate()
        .map(|(k, c)| {
            let loaded = loaded.clone();
            std::thread::spawn(move || {
                let Some(mut ws) = c.ws else { return };
                let _ = ws.get_mut().set_nonblocking(false);
                let mut i = 0;
                while i < per {
                    let window = 32.min(per - i);
                    for j in 0..window {
                        let id = (k * per + i + j) as u64;
                        let _ = ws.write(tungstenite::Message::text(format!(
                            "{{\"type\":\"send\",\"body\":\"{}\",\"client_msg_id\":\"s{id}\"}}",
                            text(id)
                        )));
                    }
                    let _ = ws.flush();
                    let mut acks = 0;
                    while acks < window {
                        match ws.read() {
                            Ok(tungstenite::Message::Text(t)) if t.contains("\"type\":\"ack\"") => acks += 1,
                            Ok(_) => {}
                            Err(_) => return,
                        }
                    }
                    i += window;
                    loaded.fetch_add(window as u64, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
    let loaded = loaded.load(Ordering::Relaxed);
    (loaded, loaded as f64 / t.elapsed().as_secs_f64())
}

/// 5. startup: exec → first healthy /healthz, empty and with the search database.
pub fn startup(o: &Opts) -> Vec<Row> {
    let mut out = Vec::new();
    let mut times = Vec::new();
    for _ in 0..5 {
        let data = server::temp_data();
        let s = Server::start(&data, &[]);
        times.push(s.started_in.as_micros() as u64);
        std::thread::sleep(Duration::from_millis(200));
        let rss = s.rss_kib();
        s.stop();
        let _ = std::fs::remove_dir_all(data);
        if times.len() == 5 {
            out.push(row("startup", "idle RSS after start", rss as f64 / 1024.0, "MiB", "<= 20 MB"));
        }
    }
    times.sort_unstable();
    out.insert(0, row("startup", "exec to healthy, empty database (median of 5)", pct(&times, 0.5) / 1000.0, "ms", "<= 100 ms"));
    let big = std::fs::read_to_string(std::env::temp_dir().join("frontdesk-bench-last-search"))
        .ok()
        .map(std::path::PathBuf::from)
        .filter(|p| p.exists());
    match big {
        Some(data) => {
            let s = Server::start(&data, &[]);
            let t = s.started_in;
            s.stop();
            let msgs = rusqlite::Connection::open(data.join("frontdesk.db"))
                .ok()
                .and_then(|c| frontdesk::db::messages::count(&c).ok())
                .unwrap_or(0);
            out.push(row("startup", format!("exec to healthy, {msgs} messages"), t.as_secs_f64() * 1000.0, "ms", "<= 100 ms"));
            let _ = std::fs::remove_dir_all(data);
        }
        None => out.push(row("startup", "exec to healthy with a loaded database", f64::NAN, "ms", "run the search scenario first")),
    }
    let size = std::fs::metadata(server::binary()).map(|m| m.len()).unwrap_or(0);
    out.push(row("startup", "binary size (release, stripped)", size as f64 / 1048576.0, "MiB", "<= 15 MB"));
    let _ = o;
    out
}
