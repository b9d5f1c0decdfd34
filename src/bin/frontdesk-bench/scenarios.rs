//! The connection-bound scenarios of issue 4 (idle, chat, reconnect storm) and the shared plumbing:
//! connecting many sockets, running them on driver threads, merging their stats. Each scenario
//! starts its own server with a fresh data directory. Storage-bound ones are in storage.rs.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::driver::{self, Conn, Env, Plan, Role, Stats};
use crate::server::{self, Server};
use crate::{Opts, Row, baseline, client, pct, row};

pub(crate) fn clk_tck() -> f64 {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_CLK_TCK) as f64 }
}

/// Open widget sockets for `tokens` (and agent sockets for `cookies`) with a few blocking
/// connector threads; each sends `resume` and waits for `resumed`, so every socket is live before
/// the first message is sent. Returns conns and failures.
pub(crate) fn connect_all(addr: std::net::SocketAddr, origin: &str, tokens: &[String], cookies: &[String]) -> (Vec<Conn>, u64, Duration) {
    let t = Instant::now();
    let jobs: Vec<(Role, String)> =
        tokens.iter().map(|t| (Role::Customer, t.clone())).chain(cookies.iter().map(|c| (Role::Agent, c.clone()))).collect();
    let threads = 8;
    let per = jobs.len().div_ceil(threads).max(1);
    let failures = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = jobs
        .chunks(per)
        .map(|chunk| {
            let chunk = chunk.to_vec();
            let origin = origin.to_string();
            let failures = failures.clone();
            std::thread::spawn(move || {
                let mut out = Vec::new();
                for (role, cred) in chunk {
                    match driver::open(addr, &origin, role, &cred) {
                        Ok(mut ws) => {
                            // Wait for `resumed`: a socket resumed without a position is live from the
                            // position its `resumed` names, so what commits before then is not its to get.
                            let (pos, keepalive, resumed) = match client::resume_live(&mut ws) {
                                Ok((pos, keepalive)) => (pos, keepalive, true),
                                Err(e) => {
                                    if failures.fetch_add(1, Ordering::Relaxed) < 3 {
                                        eprintln!("   resume failed: {e}");
                                    }
                                    (0, None, false)
                                }
                            };
                            out.push(Conn { pos, resumed, keepalive, ..Conn::new(Some(ws), role, cred) });
                        }
                        Err(e) => {
                            if failures.fetch_add(1, Ordering::Relaxed) < 3 {
                                eprintln!("   connect failed: {e}");
                            }
                            out.push(Conn::new(None, role, cred));
                        }
                    }
                }
                out
            })
        })
        .collect();
    let conns: Vec<Conn> = handles.into_iter().flat_map(|h| h.join().expect("connector")).collect();
    (conns, failures.load(Ordering::Relaxed), t.elapsed())
}

/// The conversations the drivers started: (conversation id, connection index).
pub(crate) type Conversations = Arc<Mutex<Vec<(i64, usize)>>>;

/// Run `conns` on `drivers` threads with `plan_for(driver index)` until `stop`; merged stats.
pub(crate) fn drive(
    addr: std::net::SocketAddr,
    origin: &str,
    conns: Vec<Conn>,
    drivers: usize,
    stop: Arc<AtomicBool>,
    plan_for: impl Fn(usize) -> Plan,
) -> (Stats, Conversations) {
    let epoch = Instant::now();
    let next_id = Arc::new(AtomicU64::new(1));
    let conversations = Arc::new(Mutex::new(Vec::new()));
    let mut shares: Vec<Vec<(usize, Conn)>> = (0..drivers).map(|_| Vec::new()).collect();
    for (i, c) in conns.into_iter().enumerate() {
        shares[i % drivers].push((i, c));
    }
    let handles: Vec<_> = shares
        .into_iter()
        .enumerate()
        .map(|(d, share)| {
            let env = Env { addr, origin: origin.to_string(), epoch, next_id: next_id.clone(), conversations: conversations.clone() };
            let mut plan = plan_for(d);
            plan.stop = stop.clone();
            std::thread::spawn(move || driver::run(env, share, plan))
        })
        .collect();
    let mut all = Stats::default();
    for h in handles {
        let s = h.join().expect("driver");
        all.latencies_us.extend(s.latencies_us);
        all.sent_us.extend(s.sent_us);
        all.ack_us.extend(s.ack_us);
        all.agent_ack_us.extend(s.agent_ack_us);
        all.to_customer_us.extend(s.to_customer_us);
        all.acked.extend(s.acked);
        for (k, v) in s.receipts {
            *all.receipts.entry(k).or_default() += v;
        }
        all.sent.extend(s.sent);
        all.targets.extend(s.targets);
        all.acks += s.acks;
        all.errors += s.errors;
        all.error_samples.extend(s.error_samples);
        all.resumed += s.resumed;
        all.storm_resumed += s.storm_resumed;
        all.reloads += s.reloads;
        all.storm_done_after = all.storm_done_after.max(s.storm_done_after);
        match (all.trace.as_mut(), s.trace) {
            (Some(a), Some(b)) => a.merge(b),
            (None, b) => all.trace = b,
            _ => {}
        }
        for (k, v) in s.received_by {
            all.received_by.entry(k).or_default().extend(v);
        }
    }
    crate::tail::dump(&all, epoch);
    for e in all.error_samples.iter().take(3) {
        eprintln!("   error sample: {e}");
    }
    (all, conversations)
}

pub(crate) fn plan(send_for: Duration) -> Plan {
    Plan {
        customer_rate: 0.0,
        agent_rate: 0.0,
        send_for,
        stop: Arc::new(AtomicBool::new(false)),
        closed_loop: false,
        storm_at: None,
        storm_spread: Duration::ZERO,
        raw: false,
        measure_after: Duration::ZERO,
        warm_rate: 0.0,
        warm_for: Duration::ZERO,
        pad: 0,
        script_pings: false,
    }
}

pub(crate) fn stop_after(stop: &Arc<AtomicBool>, d: Duration) {
    let stop = stop.clone();
    std::thread::spawn(move || {
        std::thread::sleep(d);
        stop.store(true, Ordering::Relaxed);
    });
}

/// 1. idle: N widgets held, each pinging like the widget's script (`watch`).
pub fn idle(o: &Opts) -> Vec<Row> {
    let data = server::temp_data();
    let s = Server::start(&data, &[]);
    s.setup();
    let tokens = s.visitors(o.n, 8);
    std::thread::sleep(Duration::from_millis(300));
    let (rss0, threads0) = (s.rss_kib(), s.threads());
    let (conns, failed, took) = connect_all(s.addr, &s.origin, &tokens, &[]);
    // The full window is one whole keepalive cycle of the widgets' sockets, three 45 s rounds (from a
    // socket's first round on: a tick, a tick, then a ping and a tick, `ws::keepalive`), so it holds each socket's
    // one ping whatever the phase; a window of anything but whole cycles holds more or fewer pings.
    let window = if o.quick { Duration::from_secs(3) } else { frontdesk::ws::KEEPALIVE_EVERY * u32::from(frontdesk::ws::PING_EVERY_NTH) };
    let (settle, hold) = (Duration::from_secs(1), Duration::from_secs(1) + window);
    let stop = Arc::new(AtomicBool::new(false));
    stop_after(&stop, hold + Duration::from_secs(1));
    let (addr, origin) = (s.addr, s.origin.clone());
    let runner = std::thread::spawn(move || drive(addr, &origin, conns, 2, stop, |_| Plan { script_pings: true, ..plan(Duration::ZERO) }));
    std::thread::sleep(settle);
    let (c0, t0) = (s.cpu_ticks(), Instant::now());
    std::thread::sleep(window);
    let secs = t0.elapsed().as_secs_f64();
    let cpu = (s.cpu_ticks() - c0) as f64 / clk_tck() / secs * 100.0;
    let (rss1, threads1) = (s.rss_kib(), s.threads());
    let (stats, _) = runner.join().expect("idle driver");
    let held = o.n as u64 - failed;
    let per_conn = (rss1.saturating_sub(rss0)) as f64 / held.max(1) as f64;
    let out = vec![
        row("idle", "widget connections held", held as f64, "conns", &format!("{} asked", o.n)),
        row("idle", "connect rate", held as f64 / took.as_secs_f64(), "conn/s", ""),
        row("idle", "server RSS", rss1 as f64 / 1024.0, "MiB", ""),
        row("idle", "server RSS per connection", per_conn, "KiB", "<= 24 KiB"),
        row("idle", "server threads", threads1 as f64, "threads", &format!("{threads0} before")),
        row("idle", "server CPU while idle", cpu, "% core", &format!("<= 1 %; over {secs:.0} s")),
        // µs of server CPU per socket per 30 s: the goal (1 % of a core at 19,000) allows 15.8.
        row("idle", "server CPU per widget per 30 s", cpu / 100.0 * 30e6 / held.max(1) as f64, "µs", "<= 15.8 at 19,000"),
        row("idle", "errors", (failed + stats.errors) as f64, "", "0"),
    ];
    s.stop();
    let _ = std::fs::remove_dir_all(data);
    out
}

fn latency_rows(scenario: &'static str, lat: &mut [u64], p50_target: &str, p99_target: &str) -> Vec<Row> {
    lat.sort_unstable();
    vec![
        row(scenario, "latency p50", pct(lat, 0.5) / 1000.0, "ms", p50_target),
        row(scenario, "latency p99", pct(lat, 0.99) / 1000.0, "ms", p99_target),
        row(scenario, "latency p99.9", pct(lat, 0.999) / 1000.0, "ms", ""),
        row(scenario, "latency max", lat.last().copied().unwrap_or(0) as f64 / 1000.0, "ms", ""),
    ]
}

/// 2. chat: N widgets, M agents, R msg/s split both ways; latency send→receipt on the other side.
pub fn chat(o: &Opts) -> Vec<Row> {
    let data = server::temp_data();
    let s = Server::start(&data, &["--synchronous", &o.synchronous]);
    let admin = s.setup();
    let cookies = s.agents(&admin, o.agents);
    let tokens = s.visitors(o.n, 8);
    let (conns, failed, _) = connect_all(s.addr, &s.origin, &tokens, &cookies);
    // Warm-up: every customer opens their conversation (so agents have somewhere to reply).
    let warm = Duration::from_secs_f64((o.n as f64 / 2000.0).max(2.0));
    let stop = Arc::new(AtomicBool::new(false));
    let send_for = warm + o.duration;
    stop_after(&stop, send_for + Duration::from_secs(3));
    let drivers = o.drivers;
    let (n, rate) = (o.n as f64, o.rate);
    let (addr, origin) = (s.addr, s.origin.clone());
    let t = Instant::now();
    let probe = crate::tail::probe(addr, admin.0.clone(), s.pid(), data.clone(), t + warm + Duration::from_secs(1), t + send_for);
    let (mut st, _) = drive(addr, &origin, conns, drivers, stop, move |_| {
        // Customers first write once each during warm-up (at n/warm per second), then the mix.
        let mut p = plan(send_for);
        p.customer_rate = rate / 2.0 / drivers as f64;
        p.warm_rate = n / warm.as_secs_f64() / drivers as f64;
        p.warm_for = warm;
        p.agent_rate = rate / 2.0 / drivers as f64;
        p.measure_after = warm + Duration::from_secs(1);
        p
    });
    let _ = t;
    // Exactly-once accounting: customer→agent messages are received by every agent socket,
    // agent→customer ones by the one customer.
    let m = o.agents as u32;
    // A message not acked by the end had not committed yet (still queued behind its socket's
    // earlier sends): not delivered in time, which is not a loss.
    let (mut lost, mut dup, mut unacked) = (0i64, 0i64, 0i64);
    for (id, to_customer) in &st.sent {
        let expected = if *to_customer { 1 } else { m } as i64;
        let got = st.receipts.get(id).copied().unwrap_or(0) as i64;
        if got < expected && !st.acked.contains(id) {
            unacked += expected - got;
        } else if got < expected {
            lost += expected - got;
        } else {
            dup += got - expected;
        }
    }
    if let Some(tr) = &st.trace {
        crate::tail::explain_losses(&st, tr, o.n, m as usize, send_for);
    }
    let total_sent = st.sent.len() as f64;
    let mut out = vec![
        row(
            "chat",
            "connected widgets / agents",
            (o.n as u64 - failed) as f64,
            "conns",
            &format!("{} agents, synchronous={}", o.agents, o.synchronous),
        ),
        row("chat", "messages sent (incl. warm-up)", total_sent, "msgs", &format!("{} msg/s target", o.rate)),
        row("chat", "acked", st.acks as f64 / send_for.as_secs_f64(), "msg/s", ""),
        row("chat", "deliveries measured (after warm-up)", st.latencies_us.len() as f64, "frames", ""),
    ];
    st.to_customer_us.sort_unstable();
    let share = st.to_customer_us.len() as f64 / st.latencies_us.len().max(1) as f64 * 100.0;
    out.extend(latency_rows("chat", &mut st.latencies_us, "<= 10 x echo", "<= 30 x echo"));
    out.push(row(
        "chat",
        "agent→customer deliveries: p50",
        pct(&st.to_customer_us, 0.5) / 1000.0,
        "ms",
        &format!("{share:.1} % of deliveries"),
    ));
    out.push(row("chat", "agent→customer deliveries: p99", pct(&st.to_customer_us, 0.99) / 1000.0, "ms", ""));
    st.ack_us.sort_unstable();
    st.agent_ack_us.sort_unstable();
    out.push(row("chat", "customer's send → own ack (after commit) p50", pct(&st.ack_us, 0.5) / 1000.0, "ms", ""));
    out.push(row("chat", "customer's send → own ack p99", pct(&st.ack_us, 0.99) / 1000.0, "ms", ""));
    out.push(row("chat", "agent's send → own ack p50", pct(&st.agent_ack_us, 0.5) / 1000.0, "ms", ""));
    out.push(row("chat", "agent's send → own ack p99", pct(&st.agent_ack_us, 0.99) / 1000.0, "ms", ""));
    let (tail_rows, f50, f99) = probe.join().expect("probe");
    out.extend(tail_rows);
    out.push(row("chat", "lost deliveries (of acked messages)", lost as f64, "", "0"));
    out.push(row("chat", "deliveries still due at the end (message not acked yet)", unacked as f64, "", ""));
    out.push(row("chat", "duplicate deliveries", dup as f64, "", "0"));
    out.push(row("chat", "errors", (failed + st.errors) as f64, "", "0"));
    s.stop();
    let _ = std::fs::remove_dir_all(data);

    // Baselines: the same connections and rate against a bare tungstenite echo server, then against
    // the same echo answering after an fsync'd group commit on the data disk (the floor).
    let echo = baseline::echo_latencies(o, None);
    let floor_dir = server::temp_data();
    let floor = baseline::echo_latencies(o, Some(&floor_dir));
    let _ = std::fs::remove_dir_all(floor_dir);
    let mut ours = out.iter().filter(|r| r.metric.starts_with("latency p")).map(|r| (r.metric.clone(), r.value)).collect::<Vec<_>>();
    ours.truncate(2);
    let (b50, b99) = (pct(&echo, 0.5) / 1000.0, pct(&echo, 0.99) / 1000.0);
    let (g50, g99) = (pct(&floor, 0.5) / 1000.0, pct(&floor, 0.99) / 1000.0);
    out.push(row("chat", "baseline echo latency p50", b50, "ms", "bare tungstenite, same N and rate"));
    out.push(row("chat", "baseline echo latency p99", b99, "ms", ""));
    out.push(row("chat", "floor: echo after an fsync'd group commit, p50", g50, "ms", "a page per frame, same N and rate"));
    out.push(row("chat", "floor: echo after an fsync'd group commit, p99", g99, "ms", &format!("{:.1} x the echo", g99 / b99)));
    if let (Some(p50), Some(p99)) = (ours.first(), ours.get(1)) {
        out.push(row("chat", "ratio p50 ours/echo", p50.1 / b50, "x", "<= 10 x"));
        out.push(row("chat", "ratio p99 ours/echo", p99.1 / b99, "x", "<= 30 x"));
        out.push(row("chat", "ratio p50 ours/(echo + one fsync)", p50.1 / (b50 + f50), "x", "floor: echo + one fsync'd commit"));
        out.push(row("chat", "ratio p99 ours/(echo p99 + fsync p99)", p99.1 / (b99 + f99), "x", ""));
        out.push(row("chat", "ratio p50 ours/floor", p50.1 / g50, "x", "the floor measured, same run"));
        out.push(row("chat", "ratio p99 ours/floor", p99.1 / g99, "x", ""));
    }
    out
}

/// 6. reconnect storm: every widget drops and reconnects within 5 s while agents keep writing.
pub fn reconnect(o: &Opts) -> Vec<Row> {
    let data = server::temp_data();
    let s = Server::start(&data, &[]);
    let admin = s.setup();
    let cookies = s.agents(&admin, 2);
    let tokens = s.visitors(o.n, 8);
    let (conns, failed, _) = connect_all(s.addr, &s.origin, &tokens, &cookies);
    let warm = Duration::from_secs_f64((o.n as f64 / 2000.0).max(2.0));
    let storm_at = warm + Duration::from_secs(1);
    let spread = Duration::from_secs(5);
    let send_for = storm_at + spread + Duration::from_secs(2);
    let stop = Arc::new(AtomicBool::new(false));
    stop_after(&stop, send_for + Duration::from_secs(if o.quick { 4 } else { 8 }));
    let (n, drivers) = (o.n as f64, o.drivers);
    let (mut st, _) = drive(s.addr, &s.origin, conns, drivers, stop, move |_| {
        let mut p = plan(send_for);
        // Each customer writes once during warm-up (so it has a conversation); agents write throughout.
        p.warm_rate = n / warm.as_secs_f64() / drivers as f64;
        p.warm_for = warm;
        p.agent_rate = 200.0 / drivers as f64;
        p.storm_at = Some(storm_at);
        p.storm_spread = spread;
        p
    });
    // Customer sends stop after warm-up only by rate; agent messages must all reach their customer.
    let mut lost = 0u64;
    let mut received: std::collections::HashMap<usize, std::collections::HashSet<u64>> = std::collections::HashMap::new();
    for (k, v) in st.received_by.drain() {
        received.insert(k, v.into_iter().collect());
    }
    for (id, to_customer) in &st.sent {
        if *to_customer {
            let target = st.targets[id];
            if !received.get(&target).is_some_and(|s| s.contains(id)) {
                lost += 1;
                if std::env::var("BENCH_DEBUG").is_ok() && lost <= 5 {
                    eprintln!(
                        "   lost id {id} to customer {target}: receipts anywhere {:?}, customer got {} msgs",
                        st.receipts.get(id),
                        received.get(&target).map_or(0, |s| s.len())
                    );
                }
            }
        }
    }
    let agent_msgs = st.sent.iter().filter(|(_, c)| *c).count();
    let out = vec![
        row("reconnect", "widgets reconnected and resumed", st.storm_resumed as f64, "conns", &format!("{} dropped", o.n as u64 - failed)),
        row(
            "reconnect",
            "time from storm start to all resumed",
            st.storm_done_after.map(|d| d.as_secs_f64()).unwrap_or(f64::NAN),
            "s",
            "<= 10 s",
        ),
        row("reconnect", "agent messages sent during the run", agent_msgs as f64, "msgs", ""),
        row("reconnect", "messages lost", lost as f64, "", "0"),
        row("reconnect", "reload answers", st.reloads as f64, "", ""),
        row("reconnect", "errors", (failed + st.errors) as f64, "", "0"),
    ];
    s.stop();
    let _ = std::fs::remove_dir_all(data);
    out
}
