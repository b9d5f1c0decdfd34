//! Scenario 7, reports (issue 20): a year of history — 100,000 live chats and 1,000,000 messages, written
//! straight into the database in big transactions (`frontdesk::db::bulk`) while the server is
//! stopped — then every report for 30 days and for a year, p50/p95, as everyone (an admin) and as one
//! agent; and the latency of a customer's message (HTTP send → 201 after commit) with no reports
//! running and while two clients compute the year's report without pause: reads never block the writer.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::server::{self, Server, http};
use crate::{Opts, Row, pct, row};

fn ms(us: f64) -> f64 {
    us / 1000.0
}

/// Time `n` GETs of `path` as `cookie`; sorted µs.
fn time_get(s: &Server, cookie: &str, path: &str, n: usize) -> Vec<u64> {
    let mut lat = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let (st, _, b) = http(s.addr, "GET", path, &[("Cookie", cookie)], "");
        assert_eq!(st, 200, "{path}: {}", String::from_utf8_lossy(&b));
        lat.push(t.elapsed().as_micros() as u64);
    }
    lat.sort_unstable();
    lat
}

/// A customer's sends, one after another; sorted µs from request to its 201.
fn sends(s: &Server, token: &str, n: usize, tag: &str) -> Vec<u64> {
    let auth = format!("Bearer {token}");
    let mut lat = Vec::with_capacity(n);
    for i in 0..n {
        let body = json!({"body": format!("Still waiting for my order ({tag} {i})"), "client_msg_id": format!("{tag}-{i}")}).to_string();
        let t = Instant::now();
        let (st, _, _) = http(s.addr, "POST", "/api/widget/messages", &[("Origin", &s.origin), ("Authorization", &auth)], &body);
        lat.push(t.elapsed().as_micros() as u64);
        assert!(st == 201 || st == 200, "send: {st}");
    }
    lat.sort_unstable();
    lat
}

/// Stop `s` and write a year of history (`chats` conversations of `per_chat` messages, ending an
/// hour ago, handled by the desk's users) straight into its database, around the writer: the reports
/// and mixed scenarios' data. Returns how many messages were written.
pub(crate) fn write_year_history(s: Server, admin_cookie: &str, data: &std::path::Path, chats: usize, per_chat: usize) -> usize {
    let (_, _, b) = http(s.addr, "GET", "/api/users", &[("Cookie", admin_cookie)], "");
    let users: Value = serde_json::from_slice(&b).unwrap_or_default();
    let agent_ids: Vec<i64> = users["users"].as_array().into_iter().flatten().filter_map(|u| u["user"]["id"].as_i64()).collect();
    s.stop();
    let history = frontdesk::db::bulk::History {
        conversations: chats,
        per_chat,
        days: 365,
        now_ms: frontdesk::db::now_ms() - 3_600_000,
        agents: &agent_ids,
    };
    frontdesk::db::bulk::write_history(&data.join("frontdesk.db"), &history).expect("write the history") as usize
}

pub fn reports(o: &Opts) -> Vec<Row> {
    let (chats, per_chat) = if o.quick { (5_000, 10) } else { (100_000, 10) };
    let data = server::temp_data();
    // Accounts through the API: the admin and ten agents.
    let s = Server::start(&data, &[]);
    let admin = s.setup();
    let cookies = s.agents(&admin, 10);
    let t = Instant::now();
    let written = write_year_history(s, &admin.0, &data, chats, per_chat);
    let load = t.elapsed().as_secs_f64();
    let mut out = vec![
        row("reports", format!("history written: {chats} chats, {written} messages over 365 days"), load, "s", "big transactions, no API"),
        row("reports", "history write rate", written as f64 / load, "msg/s", ""),
    ];

    // The sessions made before survive the restart.
    let s = Server::start(&data, &[]);
    let admin = admin.0;
    let agent = &cookies[0];
    // The year: the 365 local days ending today (the desk's time zone is UTC here).
    let today = jiff::tz::TimeZone::UTC.to_datetime(jiff::Timestamp::now()).date();
    let first = today.checked_sub(jiff::Span::new().days(364)).expect("a year ago");
    let year = format!("range=custom&from={first}&to={today}");
    let n = if o.quick { 5 } else { 20 };
    for (who, cookie) in [("admin (everyone)", &admin), ("one agent (own)", agent)] {
        for (label, q) in [("30 days", "range=30d".to_string()), ("a year", year.clone())] {
            let path = format!("/api/reports?{q}");
            let _ = time_get(&s, cookie, &path, 1); // warm the page cache
            let lat = time_get(&s, cookie, &path, n);
            out.push(row("reports", format!("{who}, {label}: p50"), ms(pct(&lat, 0.5)), "ms", ""));
            out.push(row("reports", format!("{who}, {label}: p95"), ms(pct(&lat, 0.95)), "ms", "<= 200 ms"));
        }
    }

    // Chat while reports run.
    let token = s.visitors(1, 1).pop().expect("a visitor");
    let k = if o.quick { 50 } else { 300 };
    let _ = sends(&s, &token, 20, "warm");
    let quiet = sends(&s, &token, k, "quiet");
    let stop = Arc::new(AtomicBool::new(false));
    let computed = Arc::new(AtomicU64::new(0));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (addr, cookie, path, stop, computed) =
                (s.addr, admin.clone(), format!("/api/reports?{year}"), stop.clone(), computed.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let (st, _, _) = http(addr, "GET", &path, &[("Cookie", &cookie)], "");
                    if st == 200 {
                        computed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let busy = sends(&s, &token, k, "busy");
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        let _ = r.join();
    }
    out.push(row("reports", "customer send → 201, no reports: p50", ms(pct(&quiet, 0.5)), "ms", ""));
    out.push(row("reports", "customer send → 201, no reports: p95", ms(pct(&quiet, 0.95)), "ms", ""));
    out.push(row("reports", "same, 2 clients computing year reports: p50", ms(pct(&busy, 0.5)), "ms", ""));
    out.push(row("reports", "same, 2 clients computing year reports: p95", ms(pct(&busy, 0.95)), "ms", "does not rise"));
    out.push(row("reports", "year reports computed meanwhile", computed.load(Ordering::Relaxed) as f64, "reports", ""));
    s.stop();
    if std::env::var_os("FRONTDESK_BENCH_KEEP").is_some() {
        eprintln!("kept the reports database in {}", data.display());
    } else {
        let _ = std::fs::remove_dir_all(data);
    }
    out
}
