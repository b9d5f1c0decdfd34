//! A fan-out round gives a socket all of its frames in one `sendmsg` (`hub::fanout`, `ws::send`).
//! When the client is not reading, the kernel takes part of a round — often part of one frame — and
//! the rest waits in the socket's backlog; the flusher sends it once the client reads. Here a real
//! socket pair on loopback, a client that reads nothing while 800 KB of rounds go out (under the 1 MiB a backlog may hold), then reads:
//! every frame arrives whole, once, in order, and the partial path was taken (a backlog was held).
//! And a client cut for not reading that still reads nothing is closed after the grace, its
//! backlog freed (not held until the silence limit).

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use frontdesk::ws::budget::Budget;
use frontdesk::ws::outbox::{CUT_GRACE, Frame, Outbox, run_flusher, text_frame};

const FRAMES: usize = 100;

/// Frame `i`: its number and a body of a size that varies, so rounds end mid-frame at many offsets.
fn text(i: usize) -> String {
    let len = 1_000 + (i * 7_919) % 14_000;
    format!("{i} {}", char::from(b'a' + (i % 26) as u8).to_string().repeat(len))
}

/// A connected pair on loopback: (the client's end, the server's end).
fn socket_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    (client, listener.accept().unwrap().0)
}

/// A flusher thread closing cut sockets after `grace`; outboxes tell it through the sender.
fn flusher(grace: Duration) -> std::sync::mpsc::Sender<Arc<Outbox>> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || run_flusher(rx, grace));
    tx
}

#[test]
fn rounds_the_kernel_takes_in_part_arrive_whole_once_and_in_order() {
    let (client, server) = socket_pair();
    let outbox = Outbox::new(1, Arc::new(server), flusher(CUT_GRACE), Budget::new(64 << 20));

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

#[test]
fn a_cut_client_that_never_reads_is_closed_after_the_grace_and_its_backlog_freed() {
    let (client, server) = socket_pair();
    // A client whose receive buffer is as small as the kernel allows: once it is full, nothing more
    // goes out to it, the cut's close frame neither.
    let small: libc::c_int = 1;
    // SAFETY: setsockopt on an open socket with a valid int option.
    unsafe {
        use std::os::fd::AsRawFd;
        let size = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        libc::setsockopt(client.as_raw_fd(), libc::SOL_SOCKET, libc::SO_RCVBUF, (&small as *const libc::c_int).cast(), size);
    }
    let grace = Duration::from_millis(300);
    let budget = Budget::new(64 << 20);
    let outbox = Outbox::new(1, Arc::new(server), flusher(grace), budget.clone());

    // More than a backlog may hold (1 MiB): the client is cut, and its close frame waits behind the
    // kernel buffers it does not empty.
    let frame: Frame = text_frame(&"x".repeat(16_000)).into();
    let mut pushed = 0;
    while outbox.shared_all(std::slice::from_ref(&frame)) {
        pushed += 1;
        assert!(pushed < 1_000, "the client was never cut");
    }
    assert!(outbox.is_cut() && !outbox.is_closed(), "cut, its close frame still waiting");
    assert!(outbox.held() > 0 && budget.used() > 0, "the rest of a frame and the close frame are held");

    let t = std::time::Instant::now();
    while !outbox.is_closed() && t.elapsed() < grace * 10 {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(outbox.is_closed(), "closed within {:?} of a {grace:?} grace", t.elapsed());
    assert!(t.elapsed() >= grace / 2, "not before the grace ({:?})", t.elapsed());
    assert_eq!((outbox.held(), budget.used()), (0, 0), "its backlog went back to the budget");
    drop(client);
}

/// Bytes in a socket's send queue that the kernel has not sent yet (`SIOCOUTQNSD`): on loopback,
/// what the peer's full receive window has no room for.
fn unsent(stream: &TcpStream) -> usize {
    use std::os::fd::AsRawFd;
    const SIOCOUTQNSD: libc::c_ulong = 0x894B;
    let mut n: libc::c_int = 0;
    // SAFETY: SIOCOUTQNSD on an open TCP socket writes one int.
    assert_eq!(unsafe { libc::ioctl(stream.as_raw_fd(), SIOCOUTQNSD as _, &mut n) }, 0, "{}", std::io::Error::last_os_error());
    n as usize
}

#[test]
fn a_client_that_reads_nothing_costs_our_kernel_side_little_more_than_the_unsent_limit() {
    use frontdesk::ws::outbox::KERNEL_UNSENT;
    let (client, server) = socket_pair();
    let server = Arc::new(server);
    let outbox = Outbox::new(1, server.clone(), flusher(CUT_GRACE), Budget::new(64 << 20));

    // Frames the size of the flood's messages, until the kernel refuses some and a backlog forms,
    // then more: they all wait in the backlog, where the budget counts them.
    let frame: Frame = text_frame(&"x".repeat(4_700)).into();
    let mut pushed = 0;
    while outbox.held() == 0 {
        assert!(outbox.shared_all(std::slice::from_ref(&frame)));
        pushed += 1;
        assert!(pushed < 2_000, "no backlog after {pushed} frames: the kernel took {} KiB", pushed * frame.len() / 1024);
    }
    for _ in 0..20 {
        assert!(outbox.shared_all(std::slice::from_ref(&frame)));
    }
    std::thread::sleep(Duration::from_millis(100));
    let queued = unsent(&server);
    // The kernel checks the limit when it starts a segment, so it may still fill the one it has
    // begun (up to 64 KiB on loopback). Without the limit the send buffer filled up behind the full
    // window: 161,280 bytes unsent, measured.
    assert!(
        queued <= KERNEL_UNSENT as usize + 64 * 1024,
        "{queued} bytes wait unsent in our kernel send queue for a client that reads nothing (limit {KERNEL_UNSENT} + a segment)"
    );
    assert!(outbox.held() >= 20 * frame.len(), "the rest waits in the backlog ({} bytes)", outbox.held());

    // A reader then gets every frame, whole and in order.
    let mut ws = tungstenite::protocol::WebSocket::from_raw_socket(client, tungstenite::protocol::Role::Client, None);
    ws.get_mut().set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    for i in 0..pushed + 20 {
        let msg = ws.read().unwrap_or_else(|e| panic!("frame {i} of {}: {e}", pushed + 20));
        assert_eq!(msg.into_text().expect("a text frame").len(), 4_700);
    }
    let t = std::time::Instant::now();
    while outbox.held() > 0 && t.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(outbox.held(), 0, "the backlog drained");
}
