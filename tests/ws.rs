//! Liveness of widgets' sockets through the real server, with a 1 s keepalive round
//! (`Config::widget_keepalive`; 45 s by default): every round sends the client a frame (proxies keep
//! the socket), most of them unsolicited pongs and every third a real ping; a client that answers
//! pings is kept, one that stops answering is dropped within `ws::widget_silence_limit`.

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
fn dropped(s: &Server, want: f64) -> f64 {
    let admin = s.admin();
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
fn a_widget_that_answers_pings_is_kept_and_hears_from_the_server_every_round() {
    let s = server();
    let c = s.customer(None);
    let mut ws = c.ws();
    ws.resume(None);
    ws.set_timeout(Duration::from_millis(100));
    // Read (tungstenite answers each ping as it reads it) for well past the silence limit.
    let (start, mut last, mut gaps) = (Instant::now(), Instant::now(), Vec::new());
    let (mut pings, mut pongs) = (0, 0);
    while start.elapsed() < LIMIT * 2 {
        match ws.ws.read() {
            Ok(m @ (Message::Ping(_) | Message::Pong(_))) => {
                if matches!(m, Message::Ping(_)) {
                    pings += 1
                } else {
                    pongs += 1
                }
                gaps.push(last.elapsed());
                last = Instant::now();
            }
            Ok(m) => panic!("only control frames on an idle socket, got {m:?}"),
            Err(tungstenite::Error::Io(e)) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(e) => panic!("the socket ended after {:?}: {e}", start.elapsed()),
        }
    }
    gaps.push(last.elapsed());
    let longest = gaps.iter().max().unwrap();
    assert!(*longest <= KEEPALIVE + LATE, "a frame at least every round: longest gap {longest:?} ({gaps:?})");
    assert!(pings >= 2, "a real ping every third round: {pings} pings, {pongs} pongs");
    assert!(pongs >= 2 * pings - 1, "the other rounds are unsolicited pongs: {pings} pings, {pongs} pongs");
    ws.send(&serde_json::json!({"type": "ping"}));
    assert_eq!(ws.recv()["type"], "pong", "still open after {:?}", start.elapsed());
    assert_eq!(dropped(&s, 0.0), 0.0);
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
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
            Ok(m) => panic!("only control frames on an idle socket, got {m:?}"),
            Err(tungstenite::Error::Io(e)) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                break false;
            }
            Err(_) => break true,
        }
    };
    assert!(ended, "dropped within {:?} of its last frame ({:?} waited)", LIMIT + LATE * 2, quiet.elapsed());
    assert_eq!(dropped(&s, 1.0), 1.0, "counted as a drop (1006)");
}
