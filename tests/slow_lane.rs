//! The fan-out's slow lane (`hub::fanout`, issue 21): an agent's socket whose client has not shown,
//! by answering a ping, that it read what went to it (`UNCONFIRMED_LIMIT`) is asked with a ping and
//! served after the sockets that read. The lane changes when frames go out, never which or in what
//! order: here a real server, an agent socket that reads nothing while 60 replies of 6 KB go out
//! (past the limit, within what its kernel buffers and backlog may hold), then reads. It gets the
//! ping, then every reply once and in order; a reader that keeps up gets them all too; and once the
//! quiet client reads (and so answers the ping) it gets the next replies as they come.

mod common;

use std::time::Duration;

use common::*;
use frontdesk::ws::keepalive::UNCONFIRMED_LIMIT;
use serde_json::Value;

const FIRST: usize = 60;
const MORE: usize = 20;

fn body(i: usize) -> String {
    format!("m{i} {}", "x".repeat(6_000))
}

fn agent_socket(s: &Server, c: &Client) -> Ws {
    let h = vec![("Origin".to_string(), s.origin()), ("Cookie".to_string(), c.cookie.clone().unwrap())];
    Ws::connect(s.addr, "/ws/agent", &h).expect("agent socket opens")
}

/// The reply's number, if `v` is one of ours.
fn number(v: &Value) -> Option<usize> {
    if v["type"] != "message.created" || v["data"]["message"]["author"]["kind"] == "system" {
        return None;
    }
    v["data"]["message"]["body"].as_str()?.split(' ').next()?.strip_prefix('m')?.parse().ok()
}

fn slow_lane_frames(admin: &Client) -> f64 {
    let text = admin.get("/metrics").text();
    text.lines().find_map(|l| l.strip_prefix("frontdesk_events_slow_lane_total ")?.parse().ok()).expect("the slow lane's counter")
}

#[test]
fn a_quiet_agent_socket_is_asked_then_served_later_with_every_frame_once_and_in_order() {
    const { assert!(FIRST * 6_000 > 2 * UNCONFIRMED_LIMIT, "the replies pass the limit") };
    let s = Server::start();
    let admin = s.admin();
    let sam = s.agent(&admin, "sam@example.com", "Sam Support", true);
    let sally = s.customer(Some("Sally C."));
    let conv = sally.say("Hello")["conversation_id"].as_i64().unwrap();

    let (got, reading) = reader_thread(agent_socket(&s, &sam), FIRST + MORE, |v| number(v).into_iter().collect());
    let mut quiet = agent_socket(&s, &sam);
    quiet.resume(None);
    let before = slow_lane_frames(&admin);

    for i in 0..FIRST {
        admin.reply(conv, &body(i));
    }
    let t = std::time::Instant::now();
    while got.lock().unwrap().len() < FIRST && t.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(*got.lock().unwrap(), (0..FIRST).collect::<Vec<_>>(), "the reader got every reply, in order");
    assert!(slow_lane_frames(&admin) > before, "the quiet socket's frames went through the slow lane");

    // The quiet client reads: first what the kernel took, then the rest as the slow lane and the
    // flusher send it. Somewhere in it, the ping that asked.
    quiet.set_timeout(Duration::from_secs(20));
    let (mut seen, mut pinged_at) = (Vec::new(), None);
    while seen.len() < FIRST {
        match quiet.ws.read().expect("a frame") {
            tungstenite::Message::Text(t) => seen.extend(number(&serde_json::from_str(t.as_str()).unwrap())),
            tungstenite::Message::Ping(_) => pinged_at = pinged_at.or(Some(seen.len())),
            tungstenite::Message::Close(c) => panic!("closed: {c:?}"),
            _ => {}
        }
    }
    assert_eq!(seen, (0..FIRST).collect::<Vec<_>>(), "every reply once, in order, after the slow lane");
    let asked = pinged_at.expect("a ping asked whether the client reads");
    // Asked at the first round after half the limit went out unanswered: a reply or two in.
    assert!(asked <= UNCONFIRMED_LIMIT / 2 / 6_000 + 2, "asked within the first half of the limit (after {asked} replies)");

    // Reading answered the ping (tungstenite sends the pong with its next read): now it keeps up.
    for i in FIRST..FIRST + MORE {
        admin.reply(conv, &body(i));
        let v = quiet.recv_until(|v| number(v).is_some());
        assert_eq!(number(v.last().unwrap()), Some(i), "the next reply, as it comes");
    }
    reading.join().unwrap();
    assert_eq!(*got.lock().unwrap(), (0..FIRST + MORE).collect::<Vec<_>>(), "the reader got all, in order");
}

/// A new agent's socket is asked as soon as it has resumed: a ping right after `resumed`. A client
/// that reads on answers it before the first event, and its first events go out at once, not
/// through the slow lane (asked at the first event instead, 5,000 new sockets cost the flood's first
/// round 5,000 `send`s). And a client that stops reading once resumed is not asked again.
#[test]
fn an_agent_socket_is_asked_once_resumed_and_a_client_that_answers_is_served_at_once() {
    let s = Server::start();
    let admin = s.admin();
    let sam = s.agent(&admin, "sam@example.com", "Sam Support", true);
    let sally = s.customer(Some("Sally C."));
    let conv = sally.say("Hello")["conversation_id"].as_i64().unwrap();

    let mut ws = agent_socket(&s, &sam);
    ws.set_timeout(Duration::from_secs(10));
    ws.resume(None);
    match ws.ws.read().expect("a frame after resumed") {
        tungstenite::Message::Ping(_) => {}
        other => panic!("the frame after `resumed` is the asking ping, not {other:?}"),
    }
    // Reading the ping queued its pong; `ping` is answered after it, so once `pong` is back the
    // server has read the pong.
    ws.send(&serde_json::json!({"type": "ping"}));
    ws.recv_type("pong");
    let before = slow_lane_frames(&admin);
    for i in 0..3 {
        admin.reply(conv, &format!("m{i} short"));
        let v = ws.recv_until(|v| number(v).is_some());
        assert_eq!(number(v.last().unwrap()), Some(i), "the reply, as it comes");
    }
    assert_eq!(slow_lane_frames(&admin), before, "a client that answered was served at once");

    // A client that stops reading once resumed: asked once (the ping after `resumed`), then its
    // events wait in the slow lane without a ping each.
    let mut quiet = agent_socket(&s, &sam);
    quiet.resume(None);
    for i in 3..6 {
        admin.reply(conv, &format!("m{i} short"));
        let v = ws.recv_until(|v| number(v).is_some());
        assert_eq!(number(v.last().unwrap()), Some(i), "the reader still gets each reply at once");
    }
    assert!(slow_lane_frames(&admin) > before, "the quiet socket's events went through the slow lane");
    quiet.set_timeout(Duration::from_secs(10));
    let (mut pings, mut seen) = (0, Vec::new());
    while seen.len() < 3 {
        match quiet.ws.read().expect("a frame") {
            tungstenite::Message::Ping(_) => pings += 1,
            tungstenite::Message::Text(t) => seen.extend(number(&serde_json::from_str(t.as_str()).unwrap())),
            _ => {}
        }
    }
    assert_eq!((pings, seen), (1, vec![3, 4, 5]), "one ping (the one after `resumed`), then every reply in order");
}
