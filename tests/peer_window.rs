//! A socket whose client does not read stops taking frames into the kernel after about
//! `ws::window::AHEAD` (64 KiB) of what its client has not read; the rest waits in its backlog,
//! which the budget counts (issue 21, flood). Without that, the two kernels' buffers took ~230 KiB
//! per socket on loopback before any backlog began, and a flood of such sockets cost the fan-out a
//! `send` per socket per event until then. A client held back this way is not cut while the budget
//! is not spent: once it reads again it gets everything, in order.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

const TOKEN: &str = "prometheus-scrapes-0123456789";
const MESSAGES: usize = 24;

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

/// The message's number, for `message.created` frames of the replies.
fn number(v: &Value) -> Option<usize> {
    if v["type"] != "message.created" || v["data"]["message"]["author"]["kind"] == "system" {
        return None;
    }
    v["data"]["message"]["body"].as_str()?.split(' ').next()?.strip_prefix('m')?.parse().ok()
}

/// Bytes of a server's text frame carrying `len` bytes (unmasked: a 2, 4 or 10 byte header).
fn frame_len(len: usize) -> usize {
    len + if len <= 125 {
        2
    } else if len <= 65_535 {
        4
    } else {
        10
    }
}

#[test]
fn a_socket_that_does_not_read_stops_taking_frames_early_and_gets_them_all_when_it_reads() {
    let dir = TempDir::new();
    let p = Proc::serve(&dir.0, &["--metrics-token", TOKEN]);
    let s = p.server();
    let admin = s.admin();
    let sam = s.agent(&admin, "sam@example.com", "Sam Support", true);
    let sally = s.customer(Some("Sally C."));
    let conv = sally.say("Hello")["conversation_id"].as_i64().unwrap();

    // A reader that keeps up, and one that reads nothing until the end.
    let mut reader = agent_socket(&s, &sam);
    reader.resume(None);
    let mut idle = agent_socket(&s, &sam);
    idle.resume(None);
    let got = Arc::new(Mutex::new(Vec::new()));
    let reading = {
        let got = got.clone();
        std::thread::spawn(move || {
            reader.set_timeout(Duration::from_secs(20));
            while got.lock().unwrap().len() < MESSAGES {
                let v = reader.recv();
                got.lock().unwrap().extend(number(&v));
            }
        })
    };

    // 24 replies of 12 KB: ~300 KiB for each agent socket, more than the two kernels' buffers took.
    for i in 0..MESSAGES {
        admin.reply(conv, &format!("m{i} {}", "x".repeat(12_000)));
        let t = Instant::now();
        while got.lock().unwrap().len() <= i && t.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    reading.join().unwrap();
    assert_eq!(*got.lock().unwrap(), (0..MESSAGES).collect::<Vec<_>>(), "the reader gets everything, in order");
    // What the idle socket was sent and did not take into the kernel waits in its backlog (the reader
    // has none: it has everything). Let the flusher look at the idle socket's window a few times.
    std::thread::sleep(Duration::from_millis(300));
    let waiting = metric(s.addr, "frontdesk_backlog_bytes");
    assert_eq!(metric(s.addr, "frontdesk_backlog_cuts_total"), 0.0, "nobody is cut: the budget is not spent");

    // Now the idle client reads: everything, in order, no close; the bytes it was sent in all.
    idle.set_timeout(Duration::from_secs(10));
    let (mut seen, mut bytes) = (Vec::new(), 0usize);
    while seen.len() < MESSAGES {
        match idle.ws.read().expect("a frame, not a cut") {
            tungstenite::Message::Text(t) => {
                bytes += frame_len(t.len());
                seen.extend(number(&serde_json::from_str(t.as_str()).unwrap()));
            }
            tungstenite::Message::Close(c) => panic!("held back, not cut: {c:?}"),
            _ => {}
        }
    }
    assert_eq!(seen, (0..MESSAGES).collect::<Vec<_>>(), "the idle client gets everything once it reads, in order");
    // Sent into the kernel (its buffers and the client's) before it read: what was not waiting.
    let in_kernel = bytes as f64 - waiting;
    eprintln!("{in_kernel} of {bytes} bytes went into the kernel before the client read, {waiting} waited");
    assert!(bytes > 280 * 1024, "the test sends more than the kernels took before ({bytes} bytes)");
    assert!(
        in_kernel <= 128.0 * 1024.0,
        "a socket whose client does not read takes at most ~64 KiB (+ what the estimate misses) into the kernel: \
         {in_kernel} of {bytes} bytes did ({waiting} waited in its backlog)"
    );
}
