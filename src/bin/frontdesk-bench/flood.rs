//! flood (issue 21): 5,000 agent sockets that never read while events pour in, beside 100 normal
//! clients (widgets writing, agents reading and replying). An agent socket receives every message of
//! the desk, so each message is a frame for every one of the 5,000: their backlogs grow until the
//! one budget for all of them (`--max-backlog-memory`, 64 MiB by default) is spent and the slowest
//! are cut. Reports the server's peak RSS against the idle cost of the same sockets (measured in the
//! same run, before the flood) plus the budget, the normal clients' p99, and the cuts.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::scenarios::{connect_all, drive, plan, stop_after};
use crate::server::{self, Server};
use crate::storage::metric;
use crate::{Opts, Row, pct, row};

/// The default budget, which the scenario runs with.
const BUDGET_MIB: f64 = 64.0;

pub fn flood(o: &Opts) -> Vec<Row> {
    let (flooders, normal, readers) = if o.quick { (500, 20, 2) } else { (5_000, 100, 5) };
    // Few but large events (4 KB bodies): a frame to every flood socket per message, with fan-out the
    // loaded 2-core machine can keep up with, and enough bytes to pass the kernel's buffers (~250 KiB
    // a socket) within seconds.
    let rate = 20.0;
    let data = server::temp_data();
    let s = Server::start(&data, &[]);
    let admin = s.setup();
    // Agents: the first `readers` read (and reply); the flood sockets are opened with all of them.
    // The quiet phase has visitors and agents of its own: the same ones would send the same
    // `client_msg_id`s again in the flood, which the server answers as duplicates.
    let cookies = s.agents(&admin, readers * 2 + 5);
    let mut tokens = s.visitors(2 * (normal - readers), 4);
    let quiet_tokens = tokens.split_off(normal - readers);
    std::thread::sleep(Duration::from_millis(300));
    let rss0 = s.rss_kib();
    let warm = Duration::from_secs(2);
    let n = (normal - readers) as f64;
    let drivers = o.drivers;
    let normal_plan = move |send_for: Duration| {
        move |_: usize| {
            let mut p = plan(send_for);
            p.warm_rate = n / warm.as_secs_f64() / drivers as f64;
            p.warm_for = warm;
            p.customer_rate = rate / 2.0 / drivers as f64;
            p.agent_rate = rate / 2.0 / drivers as f64;
            // Everything is measured, the warm-up too (every widget's first message, when the flood
            // sockets' buffers still take frames); the rows say which part they cover.
            p.measure_after = Duration::ZERO;
            p.pad = 4000;
            p
        }
    };
    // Same-run baseline for the latency: the normal clients alone, the same load, before any flood
    // socket opens (this machine's p99 without the flood).
    let quiet_for = if o.quick { Duration::from_secs(3) } else { Duration::from_secs(8) };
    let (quiet_conns, quiet_failed, _) = connect_all(s.addr, &s.origin, &quiet_tokens, &cookies[readers + 5..]);
    let stop = Arc::new(AtomicBool::new(false));
    stop_after(&stop, warm + quiet_for + Duration::from_secs(2));
    let (mut quiet, _) = drive(s.addr, &s.origin, quiet_conns, drivers, stop, normal_plan(warm + quiet_for));
    let settled = (warm + Duration::from_secs(1)).as_micros() as u64;
    let quiet_all = sorted(&quiet, 0);
    quiet.latencies_us = sorted(&quiet, settled);
    let (conns, failed, _) = connect_all(s.addr, &s.origin, &tokens, &cookies[..readers]);
    let flood_cookies: Vec<String> = (0..flooders).map(|i| cookies[readers + i % 5].clone()).collect();
    let (flood_conns, flood_failed, took) = connect_all(s.addr, &s.origin, &[], &flood_cookies);
    eprintln!("   {} flood sockets open in {:.1} s", flooders as u64 - flood_failed, took.as_secs_f64());
    std::thread::sleep(Duration::from_secs(2));
    let rss_idle = s.rss_kib();

    // Sample RSS every 50 ms and the backlog gauge every 250 ms while the normal clients talk.
    let sampling = Arc::new(AtomicBool::new(true));
    let (peak_rss, peak_backlog) = (Arc::new(AtomicU64::new(rss_idle)), Arc::new(AtomicU64::new(0)));
    let timeline = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sampler = {
        let (sampling, peak_rss, peak_backlog, timeline) = (sampling.clone(), peak_rss.clone(), peak_backlog.clone(), timeline.clone());
        let (pid, addr, admin) = (s.pid(), s.addr, admin.clone());
        std::thread::spawn(move || {
            let t = Instant::now();
            let mut i = 0u64;
            while sampling.load(Ordering::Relaxed) {
                let rss = server::proc_status(pid, "VmRSS:");
                peak_rss.fetch_max(rss, Ordering::Relaxed);
                if i.is_multiple_of(5) {
                    let b = metric_at(addr, &admin, "frontdesk_backlog_bytes") as u64;
                    peak_backlog.fetch_max(b, Ordering::Relaxed);
                    let cuts = metric_at(addr, &admin, "frontdesk_backlog_cuts_total");
                    timeline.lock().unwrap().push((t.elapsed().as_secs_f64(), rss, b, cuts));
                }
                i += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let send_for = warm + o.duration;
    let stop = Arc::new(AtomicBool::new(false));
    stop_after(&stop, send_for + Duration::from_secs(2));
    let (mut st, _) = drive(s.addr, &s.origin, conns, drivers, stop, normal_plan(send_for));
    sampling.store(false, Ordering::Relaxed);
    let _ = sampler.join();
    let cuts = metric(&s, &admin, "frontdesk_backlog_cuts_total");
    let still = metric(&s, &admin, "frontdesk_connections{kind=\"agent_ws\"}");
    let rss_end = s.rss_kib();
    for (t, rss, b, c) in timeline.lock().unwrap().iter().step_by(4) {
        eprintln!("   t={t:5.1} s  RSS {:7.1} MiB  backlogs {:6.1} MiB  cuts {c}", *rss as f64 / 1024.0, *b as f64 / 1048576.0);
    }
    drop(flood_conns);
    // The normal clients' latency by phase: sent before the first cut (the flood sockets' kernel
    // buffers still take every frame), and sent from 1 s after the last cut on (every flood socket
    // cut). The sampler's clock starts with the drivers' (within a millisecond).
    let (first_cut, last_cut) = {
        let tl = timeline.lock().unwrap();
        let at = |f: &dyn Fn(f64) -> bool| tl.iter().find(|r| f(r.3)).map_or(f64::INFINITY, |r| r.0);
        (at(&|c| c > 0.0), at(&|c| c >= cuts))
    };
    let phase = |from: f64, to: f64| {
        let mut v: Vec<u64> =
            st.latencies_us.iter().zip(&st.sent_us).filter(|(_, s)| (from..to).contains(&(**s as f64 / 1e6))).map(|(l, _)| *l).collect();
        v.sort_unstable();
        (pct(&v, 0.99) / 1000.0, v.len())
    };
    let (before, n_before) = phase(0.0, first_cut);
    let (after, n_after) = phase(last_cut + 1.0, f64::INFINITY);
    // BENCH_DUMP=FILE: every measured delivery as "sent_ms latency_ms", to see when the slow ones were sent.
    if let Ok(path) = std::env::var("BENCH_DUMP") {
        let lines: String =
            st.sent_us.iter().zip(&st.latencies_us).map(|(s, l)| format!("{:.1} {:.2}\n", *s as f64 / 1e3, *l as f64 / 1e3)).collect();
        let _ = std::fs::write(path, lines);
    }
    let (with_warm, n_all) = (sorted(&st, 0), st.latencies_us.len());
    st.latencies_us = sorted(&st, settled);
    let (idle_mib, peak_mib) = (rss_idle as f64 / 1024.0, peak_rss.load(Ordering::Relaxed) as f64 / 1024.0);
    let over_idle = peak_mib - idle_mib;
    let out = vec![
        row(
            "flood",
            "flood sockets (never read) / normal clients",
            (flooders as u64 - flood_failed) as f64,
            "conns",
            &format!("{normal} normal"),
        ),
        row("flood", "messages sent (each to every agent socket)", st.sent.len() as f64, "msgs", &format!("{rate} msg/s")),
        row("flood", "server RSS before connecting", rss0 as f64 / 1024.0, "MiB", ""),
        row("flood", "server RSS idle (all sockets, before the flood)", idle_mib, "MiB", "same-run baseline"),
        row(
            "flood",
            "server RSS peak during the flood",
            peak_mib,
            "MiB",
            &format!("<= {:.1} (idle + {BUDGET_MIB} budget)", idle_mib + BUDGET_MIB),
        ),
        row("flood", "peak over idle / budget", over_idle / BUDGET_MIB, "x", "<= 1"),
        row("flood", "server RSS at the end", rss_end as f64 / 1024.0, "MiB", ""),
        row("flood", "backlogs peak (frontdesk_backlog_bytes)", peak_backlog.load(Ordering::Relaxed) as f64 / 1048576.0, "MiB", "<= 64"),
        row("flood", "clients cut (frontdesk_backlog_cuts_total)", cuts, "", ""),
        row("flood", "agent sockets still open at the end", still, "conns", ""),
        row("flood", "normal clients alone (same run, before the flood sockets): p50", pct(&quiet.latencies_us, 0.5) / 1000.0, "ms", ""),
        row(
            "flood",
            "normal clients alone (same run, before the flood sockets): p99",
            pct(&quiet.latencies_us, 0.99) / 1000.0,
            "ms",
            "baseline",
        ),
        row("flood", "normal clients' latency p50 (from 1 s after the warm-up)", pct(&st.latencies_us, 0.5) / 1000.0, "ms", ""),
        row("flood", "normal clients' latency p99 (from 1 s after the warm-up)", pct(&st.latencies_us, 0.99) / 1000.0, "ms", "<= 10 ms"),
        row("flood", "normal clients' latency max", st.latencies_us.last().copied().unwrap_or(0) as f64 / 1000.0, "ms", ""),
        row("flood", "normal clients alone, warm-up included: p99", pct(&quiet_all, 0.99) / 1000.0, "ms", "baseline"),
        row("flood", format!("normal clients' p99, warm-up included ({n_all})"), pct(&with_warm, 0.99) / 1000.0, "ms", "<= 10 ms"),
        row("flood", format!("p99 of those sent before the first cut (t < {first_cut:.1} s, {n_before})"), before, "ms", "<= 10 ms"),
        row("flood", format!("p99 of those sent 1 s after the last cut (t > {:.1} s, {n_after})", last_cut + 1.0), after, "ms", "<= 10 ms"),
        row("flood", "deliveries measured", st.latencies_us.len() as f64, "frames", ""),
        row("flood", "errors", (quiet_failed + quiet.errors + failed + flood_failed + st.errors) as f64, "", "0"),
    ];
    s.stop();
    let _ = std::fs::remove_dir_all(data);
    out
}

fn metric_at(addr: std::net::SocketAddr, admin: &(String, String), name: &str) -> f64 {
    let (_, _, b) = server::http(addr, "GET", "/metrics", &[("Cookie", &admin.0)], "");
    String::from_utf8_lossy(&b)
        .lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap_or(0.0)
}

/// A run's latencies of messages sent from `from_us` on (µs since the drivers' start), sorted.
fn sorted(st: &crate::driver::Stats, from_us: u64) -> Vec<u64> {
    let mut v: Vec<u64> = st.latencies_us.iter().zip(&st.sent_us).filter(|(_, s)| **s >= from_us).map(|(l, _)| *l).collect();
    v.sort_unstable();
    v
}
