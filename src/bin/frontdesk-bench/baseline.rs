//! Baselines measured in the same run: raw rusqlite inserts (the storage limit) and a bare
//! tungstenite echo server, thread per connection like ours but with no database and no routing
//! (the transport limit), and the same echo answering only after an fsync'd group commit (the floor
//! of a durable answer on this disk).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, mpsc};
use std::time::Instant;

use tungstenite::Bytes;
use tungstenite::protocol::frame::Frame;
use tungstenite::protocol::frame::coding::{Data, OpCode};

/// Rows per second inserting message-shaped rows in transactions of `batch`, with the same pragmas
/// as the server (WAL, busy_timeout, foreign_keys, synchronous as given).
pub fn raw_sqlite(rows: usize, batch: usize, full: bool) -> f64 {
    let dir = crate::server::temp_data();
    let t = Instant::now();
    let done = frontdesk::db::baseline::raw_inserts(&dir.join("raw.db"), rows, batch, full).expect("raw inserts");
    let rate = done as f64 / t.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(dir);
    rate
}

/// Runs in a child process (`frontdesk-bench echo-server [DIR]`): prints its address, echoes text
/// frames. With DIR, every frame is answered only after a group commit in DIR (`group_commits`).
pub fn echo_server(durable: Option<PathBuf>) {
    // The log is allocated before the address is printed, so no frame waits for that.
    let commits = durable.map(|dir| {
        let f = std::fs::OpenOptions::new().create(true).truncate(true).write(true).open(dir.join("group.log")).expect("log file");
        f.write_all_at(&vec![0; RING as usize], 0).and_then(|()| f.sync_all()).expect("allocate the log");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || group_commits(&f, rx));
        tx
    });
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    println!("{}", l.local_addr().expect("addr"));
    for s in l.incoming().flatten() {
        let commits = commits.clone();
        let _ = std::thread::Builder::new().stack_size(256 * 1024).spawn(move || {
            let _ = s.set_nodelay(true);
            // Shared with the group-commit thread, which answers on it: no second descriptor per
            // connection (10,000 of each would pass the descriptor limit).
            let out = Arc::new(s);
            let cfg = tungstenite::protocol::WebSocketConfig::default().read_buffer_size(4096);
            let Ok(mut ws) = tungstenite::accept_with_config(&*out, Some(cfg)) else { return };
            while let Ok(m) = ws.read() {
                if !m.is_text() {
                    continue;
                }
                let sent = match &commits {
                    Some(c) => c.send((out.clone(), m.into_data())).is_ok(),
                    None => ws.send(m).is_ok(),
                };
                if !sent {
                    break;
                }
            }
        });
    }
}

/// Bytes a group commit writes per frame: one page, as a WAL frame of SQLite's.
const PAGE: usize = 4096;
/// The file is written round and round over this many bytes, allocated first, so a sync carries
/// data and no file-size change, as SQLite's reused WAL.
const RING: u64 = 16 << 20;

/// The floor of a durable answer: one thread takes every frame waiting, writes a page for each at the
/// next place in one file, `fdatasync`s it, then answers each frame on its socket. It is ours
/// without the database, the routing and the fan-out: the transport plus one group commit.
fn group_commits(f: &std::fs::File, frames: mpsc::Receiver<(Arc<TcpStream>, Bytes)>) {
    let mut at = 0u64;
    let mut pages = Vec::new();
    let mut frame = Vec::new();
    while let Ok(first) = frames.recv() {
        let group: Vec<_> = std::iter::once(first).chain(frames.try_iter()).collect();
        pages.clear();
        for (_, body) in &group {
            let start = pages.len();
            pages.resize(start + PAGE, 0);
            let n = body.len().min(PAGE);
            pages[start..start + n].copy_from_slice(&body[..n]);
        }
        if at + pages.len() as u64 > RING {
            at = 0;
        }
        f.write_all_at(&pages, at).and_then(|()| f.sync_data()).expect("group commit");
        at += pages.len() as u64;
        for (out, body) in group {
            frame.clear();
            let _ = Frame::message(body, OpCode::Data(Data::Text), true).format(&mut frame);
            let _ = (&*out).write_all(&frame);
        }
    }
}

pub struct Echo {
    pub child: Child,
    pub addr: std::net::SocketAddr,
}

impl Echo {
    /// The bare echo; with `durable`, a directory on the data disk, the echo after a group commit.
    pub fn start(durable: Option<&Path>) -> Echo {
        let mut child = Command::new(std::env::current_exe().expect("exe"))
            .arg("echo-server")
            .args(durable)
            .stdout(Stdio::piped())
            .spawn()
            .expect("echo server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("address");
        Echo { child, addr: line.trim().parse().expect("address") }
    }
}

impl Drop for Echo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Latencies (µs, sorted) of `o.n` connections sending `o.rate` frames a second for `o.duration` to
/// the bare echo, or with `durable` (a directory) to the echo after a group commit there.
pub fn echo_latencies(o: &crate::Opts, durable: Option<&Path>) -> Vec<u64> {
    use crate::driver::{Conn, Role};
    let echo = Echo::start(durable);
    let mut conns = Vec::new();
    for _ in 0..o.n {
        if let Ok(ws) = echo_connect(echo.addr) {
            conns.push(Conn::new(Some(ws), Role::Customer, String::new()));
        }
    }
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    crate::scenarios::stop_after(&stop, o.duration + std::time::Duration::from_secs(2));
    let (rate, dur, drivers) = (o.rate, o.duration, o.drivers);
    let (mut st, _) = crate::scenarios::drive(echo.addr, "http://bench", conns, drivers, stop, move |_| {
        let mut p = crate::scenarios::plan(dur);
        p.customer_rate = rate / drivers as f64;
        p.raw = true;
        p
    });
    st.latencies_us.sort_unstable();
    st.latencies_us
}

/// Connect to the echo server (plain handshake, no auth).
pub fn echo_connect(addr: std::net::SocketAddr) -> std::io::Result<crate::client::Ws> {
    crate::client::connect(addr, "/", "http://bench", &[])
}
