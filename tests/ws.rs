//! Liveness of widgets' sockets through the real server, with a 1 s keepalive round
//! (`Config::widget_keepalive`; 45 s by default): every round sends the client a `tick` text frame
//! (proxies keep the socket, and the widget's script sees it: `hello` says how often it comes), every
//! third with a real ping just before it; a client that answers pings is kept, one that stops
//! answering is dropped within `ws::widget_silence_limit`.

mod common;

use std::time::{Duration, Instant};

use common::*;
use tungstenite::Message;

const KEEPALIVE: Duration = Duration::from_secs(1);
/// Four rounds (`ws::widget_silence_limit`), after the second the reader waits before it gives back
/// the stack pages of a text frame (`ws::QUIET`).
const LIMIT: Duration = Duration::from_secs(4 + 1);
/// The pinger wakes every 250 ms at a 1 s round (a quarter of it): how late a round may be.
const LATE: Duration = Duration::from_millis(700);

fn server() -> Server {
    Server::start_with(|c| c.widget_keepalive = KEEPALIVE)
}

/// The widget sockets the server dropped without a close frame (`1006`), from `/metrics`, once it
/// counts at least `want` (or after 2 s).
fn dropped(admin: &Client, want: f64) -> f64 {
    let series = "frontdesk_websocket_disconnects_total{kind=\"widget\",code=\"1006\"} ";
    let until = Instant::now() + Duration::from_secs(2);
    loop {
        let text = admin.get("/metrics").text();
        let n = text.lines().find_map(|l| l.strip_prefix(series)).map_or(0.0, |v| v.parse().unwrap());
        if n >= want || Instant::now() > until {
            return n;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_widget_that_answers_pings_is_kept_and_gets_a_tick_every_round() {
    let s = server();
    let c = s.customer(None);
    let mut ws = c.ws();
    assert_eq!(ws.hello["keepalive_ms"], 1000, "the widget's hello says how often ticks come: {}", ws.hello);
    let admin = s.admin();
    let agent = admin.ws();
    assert!(agent.hello.get("keepalive_ms").is_none(), "an agent's socket gets no tick: {}", agent.hello);
    ws.resume(None);
    ws.set_timeout(Duration::from_millis(100));
    // Read (tungstenite answers each ping as it reads it) for well past the silence limit.
    let (start, mut last, mut gaps) = (Instant::now(), Instant::now(), Vec::new());
    let (mut pings, mut ticks, mut after_ping) = (0, 0, 0);
    let mut ping_pending = false;
    while start.elapsed() < LIMIT * 2 {
        match ws.ws.read() {
            Ok(Message::Ping(_)) => {
                assert!(!ping_pending, "a tick after each ping");
                pings += 1;
                ping_pending = true;
            }
            Ok(Message::Text(t)) if t.as_str() == frontdesk::ws::keepalive::TICK_TEXT => {
                ticks += 1;
                after_ping += usize::from(std::mem::take(&mut ping_pending));
                gaps.push(last.elapsed());
                last = Instant::now();
            }
            Ok(m) => panic!("only ticks and pings on an idle socket, got {m:?}"),
            Err(e) if timed_out(&e) => {
                // A ping is followed by its round's tick in the same send: no pause between them.
                assert!(!ping_pending, "the tick of a ping's round came in the same send");
            }
            Err(e) => panic!("the socket ended after {:?}: {e}", start.elapsed()),
        }
    }
    gaps.push(last.elapsed());
    let longest = gaps.iter().max().unwrap();
    assert!(*longest <= KEEPALIVE + LATE, "a tick at least every round: longest gap {longest:?} ({gaps:?})");
    assert!(pings >= 2, "a real ping every third round: {pings} pings, {ticks} ticks");
    assert_eq!(after_ping, pings, "each ping came with its round's tick");
    assert!(ticks >= 3 * pings - 2, "a ping only every third round: {pings} pings, {ticks} ticks");
    ws.send(&serde_json::json!({"type": "ping"}));
    assert_eq!(ws.recv()["type"], "pong", "still open after {:?}", start.elapsed());
    assert_eq!(dropped(&admin, 0.0), 0.0);
}

#[test]
fn a_widget_that_pings_by_itself_gets_ticks_but_no_ping() {
    let s = server();
    let c = s.customer(None);
    let mut ws = c.ws();
    ws.resume(None);
    ws.set_timeout(Duration::from_millis(100));
    // Like a browser that does not hear from us: a text ping every half round, read what comes.
    let (start, mut next) = (Instant::now(), Instant::now());
    let (mut ticks, mut pongs) = (0, 0);
    while start.elapsed() < KEEPALIVE * 6 {
        if Instant::now() >= next {
            ws.send(&serde_json::json!({"type": "ping"}));
            next += KEEPALIVE / 2;
        }
        match ws.ws.read() {
            Ok(Message::Text(t)) if t.as_str() == frontdesk::ws::keepalive::TICK_TEXT => ticks += 1,
            Ok(Message::Text(t)) if t.as_str().contains(r#""type":"pong""#) => pongs += 1,
            Ok(m) => panic!("a socket heard every round gets no ping: {m:?}"),
            Err(e) if timed_out(&e) => {}
            Err(e) => panic!("the socket ended after {:?}: {e}", start.elapsed()),
        }
    }
    assert!(ticks >= 5, "a tick every round all the same: {ticks}");
    assert!(pongs >= 10, "each text ping answered: {pongs}");
}

#[test]
fn a_widget_that_stops_answering_is_dropped_within_the_limit() {
    let s = server();
    let c = s.customer(None);
    let mut ws = c.ws();
    ws.resume(None);
    // Read nothing from now on: the server's pings go unanswered.
    let quiet = Instant::now();
    std::thread::sleep(LIMIT + LATE * 2);
    ws.set_timeout(Duration::from_millis(300));
    let ended = loop {
        match ws.ws.read() {
            Ok(Message::Ping(_)) => continue,
            Ok(Message::Text(t)) if t.as_str() == frontdesk::ws::keepalive::TICK_TEXT => continue,
            Ok(m) => panic!("only ticks and pings on an idle socket, got {m:?}"),
            Err(e) if timed_out(&e) => {
                break false;
            }
            Err(_) => break true,
        }
    };
    assert!(ended, "dropped within {:?} of its last frame ({:?} waited)", LIMIT + LATE * 2, quiet.elapsed());
    assert_eq!(dropped(&s.admin(), 1.0), 1.0, "counted as a drop (1006)");
}

/// A read that found nothing within the socket's timeout (not an error of the connection).
fn timed_out(e: &tungstenite::Error) -> bool {
    matches!(e, tungstenite::Error::Io(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut))
}
