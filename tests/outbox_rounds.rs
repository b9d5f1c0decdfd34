//! A fan-out round gives a socket all of its frames in one `sendmsg` (`hub::fanout`, `ws::send`).
//! When the client is not reading, the kernel takes part of a round — often part of one frame — and
//! the rest waits in the socket's backlog; the flusher sends it once the client reads. Here a real
//! socket pair on loopback, a client that reads nothing while 800 KB of rounds go out (under the 1 MiB a backlog may hold), then reads:
//! every frame arrives whole, once, in order, and the partial path was taken (a backlog was held).

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use frontdesk::ws::budget::Budget;
use frontdesk::ws::outbox::{Frame, Outbox, run_flusher, text_frame};

const FRAMES: usize = 100;

/// Frame `i`: its number and a body of a size that varies, so rounds end mid-frame at many offsets.
fn text(i: usize) -> String {
    let len = 1_000 + (i * 7_919) % 14_000;
    format!("{i} {}", char::from(b'a' + (i % 26) as u8).to_string().repeat(len))
}

#[test]
fn rounds_the_kernel_takes_in_part_arrive_whole_once_and_in_order() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    let (flush_tx, flush_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || run_flusher(flush_rx));
    let outbox = Outbox::new(1, Arc::new(server), flush_tx, Budget::new(64 << 20));

    let frames: Vec<Frame> = (0..FRAMES).map(|i| text_frame(&text(i)).into()).collect();
    let total: usize = frames.iter().map(|f| f.len()).sum();
    let mut most_held = 0;
    for round in frames.chunks(7) {
        assert!(outbox.shared_all(round), "the outbox took the round");
        most_held = most_held.max(outbox.held());
    }
    assert!(most_held > 0, "a client that reads nothing leaves part of {total} bytes in the backlog (none was held)");

    let mut ws = tungstenite::protocol::WebSocket::from_raw_socket(client, tungstenite::protocol::Role::Client, None);
    ws.get_mut().set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    for i in 0..FRAMES {
        let msg = ws.read().unwrap_or_else(|e| panic!("frame {i} of {FRAMES}: {e}"));
        assert_eq!(msg.into_text().expect("a text frame").as_str(), text(i), "frame {i} arrived whole and in order");
    }
    // Nothing more: no frame was sent twice.
    ws.get_mut().set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let mut rest = [0u8; 1];
    match ws.get_mut().read(&mut rest) {
        Ok(0) => {}
        Ok(_) => panic!("bytes after the last frame: a frame went out twice"),
        Err(e) => assert!(matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut), "{e}"),
    }
    assert_eq!(outbox.held(), 0, "the backlog drained");
}
