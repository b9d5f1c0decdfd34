//! Where chat's time goes (issue 21): measured while the chat scenario runs, beside its latency —
//! one fsync of the data disk, the server's group commits (from `/metrics`), the CPU of the server's
//! threads and of the load generator, the load average; and, with `BENCH_DEBUG`, exactly which frames
//! a run missed.

use std::time::{Duration, Instant};

use crate::driver::{Stats, Trace};
use crate::server::http;
use crate::{Row, pct, row};

/// One 4 KiB write and `fdatasync` of a file in `dir` (the data directory's disk), in µs.
fn one_fsync(f: &mut std::fs::File, k: u64) -> u64 {
    use std::io::{Seek, SeekFrom, Write};
    use std::os::fd::AsRawFd;
    let t = Instant::now();
    let _ = f.seek(SeekFrom::Start((k % 256) * 4096));
    let _ = f.write_all(&[k as u8; 4096]);
    // SAFETY: fdatasync on an open file descriptor we own.
    unsafe { libc::fdatasync(f.as_raw_fd()) };
    t.elapsed().as_micros() as u64
}

/// A value of the server's `/metrics` (as admin), summed over its label sets.
fn metrics(addr: std::net::SocketAddr, cookie: &str) -> String {
    String::from_utf8_lossy(&http(addr, "GET", "/metrics", &[("Cookie", cookie)], "").2).into_owned()
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with([' ', '{']))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

fn bucket(text: &str, le: &str) -> f64 {
    metric(text, &format!("frontdesk_commit_seconds_bucket{{le=\"{le}\"}}"))
}

/// CPU ticks (user + system) of process `pid`'s threads, by thread name.
pub fn cpu_by_thread(pid: u32) -> std::collections::BTreeMap<String, u64> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return out };
    for t in dir.flatten() {
        let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default().trim().to_string();
        let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
        let f: Vec<&str> = stat.rsplit_once(')').map(|x| x.1).unwrap_or("").split_whitespace().collect();
        let ticks = f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        *out.entry(comm).or_default() += ticks;
    }
    out
}

/// Time spent runnable but waiting for a core (ns) and the number of times run, of process
/// `pid`'s threads by name (`/proc/PID/task/TID/schedstat`): what a wake-up waits for a CPU.
fn waits_by_thread(pid: u32) -> std::collections::BTreeMap<String, (u64, u64)> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return out };
    for t in dir.flatten() {
        let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default().trim().to_string();
        let name = if ["db-writer", "db-answer", "fanout"].contains(&comm.as_str()) { comm } else { "other".to_string() };
        let f: Vec<u64> = std::fs::read_to_string(t.path().join("schedstat"))
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|v| v.parse().ok())
            .collect();
        let e: &mut (u64, u64) = out.entry(name).or_default();
        e.0 += f.get(1).copied().unwrap_or(0);
        e.1 += f.get(2).copied().unwrap_or(0);
    }
    out
}

fn loadavg() -> f64 {
    std::fs::read_to_string("/proc/loadavg").ok().and_then(|s| s.split(' ').next()?.parse().ok()).unwrap_or(f64::NAN)
}

/// Watches the measured window `[from, to)`: fsyncs 10 times a second in `dir` meanwhile, and
/// compares the server's counters and CPU before and after. Rows for the chat table.
pub fn probe(
    addr: std::net::SocketAddr,
    cookie: String,
    pid: u32,
    dir: std::path::PathBuf,
    from: Instant,
    to: Instant,
) -> std::thread::JoinHandle<(Vec<Row>, f64, f64)> {
    std::thread::spawn(move || {
        std::thread::sleep(from.saturating_duration_since(Instant::now()));
        let (m0, cpu0, own0, la0, t0) =
            (metrics(addr, &cookie), cpu_by_thread(pid), cpu_by_thread(std::process::id()), loadavg(), Instant::now());
        let (w0, ow0) = (waits_by_thread(pid), waits_by_thread(std::process::id()));
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(dir.join("fsync-probe"))
            .expect("probe file");
        let mut fsyncs = Vec::new();
        let mut k = 0;
        while Instant::now() < to {
            fsyncs.push(one_fsync(&mut f, k));
            k += 1;
            std::thread::sleep(Duration::from_millis(100));
        }
        let secs = t0.elapsed().as_secs_f64();
        let (m1, cpu1, own1, la1) = (metrics(addr, &cookie), cpu_by_thread(pid), cpu_by_thread(std::process::id()), loadavg());
        let (w1, ow1) = (waits_by_thread(pid), waits_by_thread(std::process::id()));
        // Mean wait for a core per time a thread was run, µs.
        let wait = |a: &std::collections::BTreeMap<String, (u64, u64)>, b: &std::collections::BTreeMap<String, (u64, u64)>, n: &str| {
            let (x, y) = (a.get(n).copied().unwrap_or_default(), b.get(n).copied().unwrap_or_default());
            (y.0.saturating_sub(x.0)) as f64 / 1000.0 / (y.1.saturating_sub(x.1)).max(1) as f64
        };
        fsyncs.sort_unstable();
        let d = |n: &str| metric(&m1, n) - metric(&m0, n);
        let commits = d("frontdesk_commit_seconds_count");
        let over = |le: &str| commits - (bucket(&m1, le) - bucket(&m0, le));
        let per = |by: &str| {
            d(&format!("frontdesk_checkpoint_seconds_total{{by=\"{by}\"}}")) * 1000.0
                / d(&format!("frontdesk_checkpoints_total{{by=\"{by}\"}}")).max(1.0)
        };
        let tck = crate::scenarios::clk_tck();
        let pc = |a: &std::collections::BTreeMap<String, u64>, b: &std::collections::BTreeMap<String, u64>, name: &str| {
            let (x, y) = (b.get(name).copied().unwrap_or(0), a.get(name).copied().unwrap_or(0));
            x.saturating_sub(y) as f64 / tck / secs * 100.0
        };
        let sum = |m: &std::collections::BTreeMap<String, u64>| m.values().sum::<u64>();
        let (f50, f99) = (pct(&fsyncs, 0.5) / 1000.0, pct(&fsyncs, 0.99) / 1000.0);
        let all = sum(&cpu1).saturating_sub(sum(&cpu0)) as f64 / tck / secs * 100.0;
        let named: f64 = ["db-writer", "db-answer", "fanout", "ws-flusher"].iter().map(|n| pc(&cpu0, &cpu1, n)).sum();
        let rows = vec![
            row("chat", "fsync (4 KiB write + fdatasync, data disk, 10/s in the window) p50", f50, "ms", "same run"),
            row("chat", "fsync p99 / max", f99, "ms", &format!("max {:.2} ms", fsyncs.last().copied().unwrap_or(0) as f64 / 1000.0)),
            row(
                "chat",
                "group commits in the window",
                commits,
                "commits",
                &format!("{:.1} jobs each", d("frontdesk_write_jobs_total") / commits.max(1.0)),
            ),
            row("chat", "COMMIT (incl. its fsync) mean", d("frontdesk_commit_seconds_sum") / commits.max(1.0) * 1000.0, "ms", ""),
            // With the COMMIT's time, this is a group's cycle, which sets the p50: a message waits for the
            // group in progress and then its own (BENCHMARKS.md, "The writer's cycle sets chat's p50").
            row(
                "chat",
                "writer CPU per group commit",
                pc(&cpu0, &cpu1, "db-writer") / 100.0 * secs / commits.max(1.0) * 1e6,
                "µs",
                "its jobs, the COMMIT's writes, the hand-offs",
            ),
            row("chat", "COMMITs over 2.5 / 5 / 10 ms", over("0.0025"), "commits", &format!("{} / {}", over("0.005"), over("0.01"))),
            row(
                "chat",
                "WAL checkpoints: background / writer finishing them / writer past the bound",
                d("frontdesk_checkpoints_total{by=\"background\"}"),
                "",
                &format!(
                    "{} / {}; {:.1} / {:.2} / {:.2} ms each",
                    d("frontdesk_checkpoints_total{by=\"writer_finish\"}"),
                    d("frontdesk_checkpoints_total{by=\"writer_bound\"}"),
                    per("background"),
                    per("writer_finish"),
                    per("writer_bound")
                ),
            ),
            row(
                "chat",
                "search-index batches in the writer",
                d("frontdesk_search_index_runs_total"),
                "",
                &format!(
                    "{:.2} ms each",
                    d("frontdesk_search_index_seconds_total") * 1000.0 / d("frontdesk_search_index_runs_total").max(1.0)
                ),
            ),
            row(
                "chat",
                "server CPU: writer / answer / fan-out / flusher",
                pc(&cpu0, &cpu1, "db-writer"),
                "% core",
                &format!(
                    "{:.1} / {:.1} / {:.1}",
                    pc(&cpu0, &cpu1, "db-answer"),
                    pc(&cpu0, &cpu1, "fanout"),
                    pc(&cpu0, &cpu1, "ws-flusher")
                ),
            ),
            row("chat", "server CPU, all", all, "% core", &format!("{:.1} in the other threads (connections)", all - named)),
            row(
                "chat",
                "load generator CPU (this process)",
                sum(&own1).saturating_sub(sum(&own0)) as f64 / tck / secs * 100.0,
                "% core",
                "",
            ),
            row("chat", "load average, window start / end", la0, "", &format!("{la1:.2} at the end")),
            row(
                "chat",
                "wait for a core per run: writer / answer / fan-out",
                wait(&w0, &w1, "db-writer"),
                "µs",
                &format!("{:.0} / {:.0}", wait(&w0, &w1, "db-answer"), wait(&w0, &w1, "fanout")),
            ),
            row(
                "chat",
                "wait for a core per run: connection threads / load generator",
                wait(&w0, &w1, "other"),
                "µs",
                &format!("{:.0}", wait(&ow0, &ow1, "other")),
            ),
        ];
        let _ = std::fs::remove_file(dir.join("fsync-probe"));
        (rows, f50, f99)
    })
}

/// `BENCH_DEBUG`: for every message short of its expected receipts, who sent it when (relative to
/// the end of sending), when it was acked, and which sockets got it when and which did not.
pub fn explain_losses(st: &Stats, tr: &Trace, n: usize, agents: usize, send_for: Duration) {
    let end = send_for.as_micros() as i64;
    let mut shown = 0;
    for (id, to_customer) in &st.sent {
        let got = tr.got.get(id).cloned().unwrap_or_default();
        let expected: Vec<usize> = if *to_customer { vec![st.targets[id]] } else { (n..n + agents).collect() };
        let missing: Vec<usize> = expected.iter().copied().filter(|g| !got.iter().any(|(h, _, _)| h == g)).collect();
        if missing.is_empty() {
            continue;
        }
        shown += 1;
        if shown > 20 {
            continue;
        }
        let (from, at) = tr.sent_at.get(id).copied().unwrap_or((usize::MAX, 0));
        eprintln!(
            "   missing id {id} ({}, event pos {:?}) from conn {from} sent at {:.3} s ({:+.3} s from the end of sending), acked {:?} ms after, got by {} sockets (first {:?} ms after), not by {:?}",
            if *to_customer { "agent->customer" } else { "customer->agents" },
            got.first().map(|g| g.2),
            at as f64 / 1e6,
            (at as i64 - end) as f64 / 1e6,
            tr.acked_at.get(id).map(|a| (*a as f64 - at as f64) / 1000.0),
            got.len(),
            got.iter().map(|(_, t, _)| (*t as f64 - at as f64) / 1000.0).reduce(f64::min),
            missing
        );
    }
    let late: Vec<_> = tr.resumed.iter().filter(|r| r.0 >= n).collect();
    eprintln!(
        "   {shown} messages short of their receipts; sockets that ended: {:?}; agents' resumed (conn, µs, pos): {late:?}",
        tr.closed
    );
}

/// `BENCH_DUMP=PATH` only: each measured delivery as "sent_µs latency_µs", one line each, to
/// `PATH.0`, `PATH.1`, … (one file per load a scenario drives, e.g. chat's own, then the echo's): to
/// see *when* the tail happens (a stall every half second is a checkpoint, not the machine). Beside
/// each, `PATH.N.epoch` holds the CLOCK_MONOTONIC µs of the drivers' epoch, to line the sends up with
/// the server's own events (e.g. `perf record -k CLOCK_MONOTONIC` on its checkpoints).
pub fn dump(st: &Stats, epoch: std::time::Instant) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let Some(path) = std::env::var_os("BENCH_DUMP") else { return };
    let text: String = st.sent_us.iter().zip(&st.latencies_us).map(|(s, l)| format!("{s} {l}\n")).collect();
    let file = format!("{}.{}", path.to_string_lossy(), N.fetch_add(1, Ordering::Relaxed));
    let _ = std::fs::write(&file, text);
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes the timespec it is given and nothing else.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    let now_us = now.tv_sec as i128 * 1_000_000 + now.tv_nsec as i128 / 1000;
    let _ = std::fs::write(format!("{file}.epoch"), format!("{}\n", now_us - epoch.elapsed().as_micros() as i128));
}
