//! One memory budget for every socket's outgoing backlog (`--max-backlog-memory`, issue 21): with a
//! small budget and agent sockets that never read while events pour in, the backlogs together stay
//! within the budget, the readers furthest behind are cut with close code 1013, a reader that keeps
//! up keeps receiving everything, and a cut client that reconnects and resumes from its last event
//! gets every later one, in order, with no gap.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};

const TOKEN: &str = "prometheus-scrapes-0123456789";
const BUDGET: f64 = 1024.0 * 1024.0;
const MESSAGES: usize = 300;

fn metric(addr: std::net::SocketAddr, name: &str) -> f64 {
    let r = raw_request(addr, "GET", "/metrics", &[("Authorization".into(), format!("Bearer {TOKEN}"))], b"");
    assert_eq!(r.status, 200, "{}", r.text());
    let text = r.text();
    text.lines().find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(' ')).and_then(|v| v.parse().ok())).unwrap_or(f64::NAN)
}

fn agent_socket(s: &Server, c: &Client) -> Ws {
    let h = vec![("Origin".to_string(), s.origin()), ("Cookie".to_string(), c.cookie.clone().unwrap())];
    Ws::connect(s.addr, "/ws/agent", &h).expect("agent socket opens")
}

fn body(i: usize) -> String {
    format!("m{i} {}", "x".repeat(12_000))
}

/// The message bodies' numbers in `frames` (`message.created` only), and the last position seen.
fn numbers(frames: &[Value]) -> Vec<usize> {
    frames
        .iter()
        .filter(|v| v["type"] == "message.created" && v["data"]["message"]["author"]["kind"] != "system")
        .filter_map(|v| v["data"]["message"]["body"].as_str()?.split(' ').next()?.strip_prefix('m')?.parse().ok())
        .collect()
}

/// Frames until `done` matches (`None`) or the server closes the socket (its close code).
fn frames_until_close(w: &mut Ws, done: impl Fn(&Value) -> bool) -> (Vec<Value>, Option<u16>) {
    let mut out = Vec::new();
    loop {
        match w.ws.read().expect("a frame") {
            tungstenite::Message::Text(t) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                let end = done(&v);
                out.push(v);
                if end {
                    return (out, None);
                }
            }
            tungstenite::Message::Close(c) => return (out, Some(c.map_or(1005, |f| u16::from(f.code)))),
            _ => {}
        }
    }
}

#[test]
fn the_budget_holds_the_slowest_are_cut_and_resume_without_a_gap() {
    let dir = TempDir::new();
    let p = Proc::serve(&dir.0, &["--max-backlog-memory", "1", "--metrics-token", TOKEN]);
    let s = p.server();
    assert_eq!(metric(s.addr, "frontdesk_backlog_budget_bytes"), BUDGET, "the setting is the budget");
    let admin = s.admin();
    let sam = s.agent(&admin, "sam@example.com", "Sam Support", true);
    let sally = s.customer(Some("Sally C."));
    let conv = sally.say("Hello")["conversation_id"].as_i64().unwrap();

    // A reader that keeps up, on its own thread.
    let (got, reading) = reader_thread(agent_socket(&s, &sam), MESSAGES, |v| numbers(std::slice::from_ref(v)));
    // Six that never read.
    let mut slow: Vec<(Ws, i64)> = (0..6)
        .map(|_| {
            let mut w = agent_socket(&s, &sam);
            let pos = w.resume(None)["pos"].as_i64().unwrap();
            (w, pos)
        })
        .collect();

    // Events pour in: 300 replies of 12 KB reach every agent socket (about 3.5 MiB each).
    let mut peak: f64 = 0.0;
    for i in 0..MESSAGES {
        admin.reply(conv, &body(i));
        // The normal reader keeps up: the next message goes once it has this one (on a busy machine a
        // reader thread that is not scheduled for a while is, for that while, the one furthest behind).
        let t = std::time::Instant::now();
        while got.lock().unwrap().len() <= i && t.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(1));
        }
        if i % 4 == 0 {
            peak = peak.max(metric(s.addr, "frontdesk_backlog_bytes"));
        }
    }
    reading.join().unwrap();
    assert_eq!(*got.lock().unwrap(), (0..MESSAGES).collect::<Vec<_>>(), "the reader that keeps up gets everything, in order");
    // A frame over, at most, for the moment between its append and the cut.
    assert!(peak <= BUDGET + 8192.0, "the backlogs together stay within the budget (peak {peak})");
    assert!(peak > BUDGET / 2.0, "the backlogs did fill up (peak {peak}): the test floods for real");
    let cuts = metric(s.addr, "frontdesk_backlog_cuts_total");
    assert!(cuts >= 1.0, "the slowest were cut");
    assert!(metric(s.addr, "frontdesk_backlog_bytes") <= BUDGET);

    // Each slow client now reads what it was sent: a cut one ends with 1013, then reconnects and
    // resumes from the last event it saw, and gets all the rest exactly once.
    let mut cut_seen = 0;
    let mut ended = Vec::new();
    for (w, pos) in slow.iter_mut() {
        w.set_timeout(Duration::from_secs(5));
        let mut seen = Vec::new();
        let mut last = *pos;
        let code = loop {
            match w.ws.read() {
                Ok(tungstenite::Message::Text(t)) => {
                    let v: Value = serde_json::from_str(t.as_str()).unwrap();
                    last = v["pos"].as_i64().unwrap_or(last);
                    seen.extend(numbers(&[v]));
                }
                Ok(tungstenite::Message::Close(c)) => break c.map(|f| u16::from(f.code)),
                Ok(_) => {}
                Err(e) => {
                    eprintln!("read ended: {e}");
                    break None;
                }
            }
        };
        assert!(seen.windows(2).all(|p| p[1] == p[0] + 1), "no gap before the cut: {seen:?}");
        if code.is_none() && seen.len() == MESSAGES {
            continue; // kept up in the end (not cut)
        }
        assert_eq!(code, Some(1013), "a cut client is told to come back (1013), not dropped (seen {})", seen.len());
        cut_seen += 1;
        ended.push((seen, last));
    }
    // Resumed only now, once the slow sockets' backlogs are gone (a replay is a backlog too).
    // A replay is a backlog too: 3.5 MiB of it does not fit in 1 MiB, so the client is cut again
    // part way and, as the Messenger does, reconnects and resumes from further on, until it is live.
    for (mut all, mut last) in ended {
        let mut attempts = 0;
        loop {
            attempts += 1;
            assert!(attempts <= 100, "a resuming client gets there");
            let mut again = agent_socket(&s, &sam);
            again.send(&json!({"type": "resume", "pos": last}));
            let (frames, code) = frames_until_close(&mut again, |v| v["type"] == "resumed");
            last = frames.iter().filter(|v| v["type"] != "resumed").filter_map(|v| v["pos"].as_i64()).next_back().unwrap_or(last);
            all.extend(numbers(&frames));
            match code {
                None => break,
                Some(c) => assert_eq!(c, 1013, "cut while replaying: told to come back"),
            }
        }
        assert_eq!(all, (0..MESSAGES).collect::<Vec<_>>(), "after the resume, everything, once, in order");
    }
    assert!(cut_seen >= 1 && cut_seen as f64 <= cuts, "{cut_seen} cut clients saw 1013 ({cuts} cuts counted)");
}
