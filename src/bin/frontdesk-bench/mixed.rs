//! Scenario 8, mixed (issue 21): the chat scenario's load (N widgets, M agents, R msg/s both ways)
//! on a desk that already holds a history (written straight into the database like the reports
//! scenario's, smaller), first alone ("quiet"), then for as long again while, at the same time, one
//! client searches (the search scenario's classes), one admin asks for reports (30 days and a year,
//! alternately) and one admin takes online backups one after another (`GET /api/admin/backup`, the
//! consistent copy the admin page downloads). Chat latency in the two windows of the same run, and
//! their ratio.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::scenarios::{connect_all, drive, plan, stop_after};
use crate::server::{self, Server, http};
use crate::{Opts, Row, pct, row};

/// One background client: runs `one` (which returns whether it succeeded) every `every` (or back to
/// back if zero) from `start` until `end`; sorted µs of each call and the count of failures.
fn background(
    start: Instant,
    end: Instant,
    every: Duration,
    mut one: impl FnMut(usize) -> bool + Send + 'static,
) -> std::thread::JoinHandle<(Vec<u64>, u64)> {
    std::thread::spawn(move || {
        std::thread::sleep(start.saturating_duration_since(Instant::now()));
        let (mut lat, mut failed, mut k) = (Vec::new(), 0, 0);
        while Instant::now() < end {
            let t = Instant::now();
            if !one(k) {
                failed += 1;
            }
            lat.push(t.elapsed().as_micros() as u64);
            k += 1;
            std::thread::sleep(every.saturating_sub(t.elapsed()));
        }
        lat.sort_unstable();
        (lat, failed)
    })
}

pub fn mixed(o: &Opts) -> Vec<Row> {
    let (chats, per_chat) = if o.quick { (2_000, 10) } else { (20_000, 10) };
    let data = server::temp_data();
    let s = Server::start(&data, &[]);
    let admin = s.setup();
    let cookies = s.agents(&admin, o.agents);
    let written = crate::reports::write_year_history(s, &admin.0, &data, chats, per_chat);
    let s = Server::start(&data, &["--synchronous", &o.synchronous]);
    let admin = admin.0;
    // The history was written around the writer, so none of it is indexed for search yet, and the
    // writer would index it 5,000 messages after every commit, in the measured windows. A search
    // indexes up to 50,000 first: search until it has all been indexed.
    for _ in 0..=written.div_ceil(50_000) {
        let _ = http(s.addr, "GET", "/api/search?q=order", &[("Cookie", &admin)], "");
    }
    let tokens = s.visitors(o.n, 8);
    let (conns, failed, _) = connect_all(s.addr, &s.origin, &tokens, &cookies);

    let warm = Duration::from_secs_f64((o.n as f64 / 2000.0).max(2.0));
    let d = o.duration;
    let quiet = (warm + Duration::from_secs(1), warm + Duration::from_secs(1) + d);
    let busy = (quiet.1 + Duration::from_secs(1), quiet.1 + Duration::from_secs(1) + d);
    let send_for = busy.1;
    let stop = Arc::new(AtomicBool::new(false));
    stop_after(&stop, send_for + Duration::from_secs(3));
    let t0 = Instant::now();
    // The other loads start half a second before the busy window and end with it.
    let (from, to) = (t0 + quiet.1 + Duration::from_millis(500), t0 + busy.1);
    let (addr, a2, a3) = (s.addr, admin.clone(), admin.clone());
    let search = background(from, to, Duration::from_millis(200), move |k| {
        let q = ["order", "zyzzyva", "refund+invoice", "deliv"][k % 4];
        http(addr, "GET", &format!("/api/search?q={q}"), &[("Cookie", &admin)], "").0 == 200
    });
    let today = jiff::tz::TimeZone::UTC.to_datetime(jiff::Timestamp::now()).date();
    let first = today.checked_sub(jiff::Span::new().days(364)).expect("a year ago");
    let year = format!("range=custom&from={first}&to={today}");
    let reports = background(from, to, Duration::from_secs(1), move |k| {
        let q = if k % 2 == 0 { "range=30d" } else { &year };
        http(addr, "GET", &format!("/api/reports?{q}"), &[("Cookie", &a2)], "").0 == 200
    });
    let bytes = Arc::new(AtomicU64::new(0));
    let b2 = bytes.clone();
    let backups = background(from, to, Duration::ZERO, move |_| {
        let (st, _, body) = http(addr, "GET", "/api/admin/backup", &[("Cookie", &a3)], "");
        b2.store(body.len() as u64, Ordering::Relaxed);
        st == 200
    });

    let (drivers, n, rate) = (o.drivers, o.n as f64, o.rate);
    let (st, _) = drive(s.addr, &s.origin, conns, drivers, stop, move |_| {
        let mut p = plan(send_for);
        p.customer_rate = rate / 2.0 / drivers as f64;
        p.warm_rate = n / warm.as_secs_f64() / drivers as f64;
        p.warm_for = warm;
        p.agent_rate = rate / 2.0 / drivers as f64;
        p.measure_after = quiet.0;
        p
    });
    let (search, reports, backups) = (search.join().expect("search"), reports.join().expect("reports"), backups.join().expect("backups"));
    let window = |w: (Duration, Duration)| -> Vec<u64> {
        let (a, b) = (w.0.as_micros() as u64, w.1.as_micros() as u64);
        let mut v: Vec<u64> = st.sent_us.iter().zip(&st.latencies_us).filter(|(t, _)| **t >= a && **t < b).map(|(_, l)| *l).collect();
        v.sort_unstable();
        v
    };
    let (q, m) = (window(quiet), window(busy));
    let ms = |v: &[u64], p: f64| pct(v, p) / 1000.0;
    let mut out = vec![
        row(
            "mixed",
            format!("history: {chats} chats, {written} messages over 365 days"),
            written as f64,
            "msgs",
            "db::bulk, before the run",
        ),
        row(
            "mixed",
            "connected widgets / agents",
            (o.n as u64 - failed) as f64,
            "conns",
            &format!("{} agents, {} msg/s", o.agents, o.rate),
        ),
        row("mixed", "chat quiet: deliveries measured", q.len() as f64, "frames", &format!("{} s window", d.as_secs())),
        row("mixed", "chat quiet: latency p50", ms(&q, 0.5), "ms", ""),
        row("mixed", "chat quiet: latency p99", ms(&q, 0.99), "ms", ""),
        row("mixed", "chat during the mix: deliveries measured", m.len() as f64, "frames", &format!("{} s window", d.as_secs())),
        row("mixed", "chat during the mix: latency p50", ms(&m, 0.5), "ms", ""),
        row("mixed", "chat during the mix: latency p99", ms(&m, 0.99), "ms", ""),
        row("mixed", "ratio p50 mix/quiet", ms(&m, 0.5) / ms(&q, 0.5), "x", ""),
        row("mixed", "ratio p99 mix/quiet", ms(&m, 0.99) / ms(&q, 0.99), "x", "<= 2 x"),
    ];
    for (what, (lat, failed)) in
        [("searches (5/s, 4 classes)", &search), ("reports (1/s, 30 d and a year)", &reports), ("backups (back to back)", &backups)]
    {
        out.push(row("mixed", format!("{what}: done / failed"), lat.len() as f64, "", &format!("{failed} failed")));
        out.push(row("mixed", format!("{what}: p50"), ms(lat, 0.5), "ms", ""));
        out.push(row("mixed", format!("{what}: max"), lat.last().copied().unwrap_or(0) as f64 / 1000.0, "ms", ""));
    }
    out.push(row("mixed", "backup size", bytes.load(Ordering::Relaxed) as f64 / 1048576.0, "MiB", ""));
    out.push(row("mixed", "errors", (failed + st.errors) as f64, "", "0"));
    s.stop();
    let _ = std::fs::remove_dir_all(data);
    out
}
