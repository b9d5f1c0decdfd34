//! Baselines measured in the same run: raw rusqlite inserts (the storage limit) and a bare
//! tungstenite echo server, thread per connection like ours but with no database and no routing
//! (the transport limit).

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

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

/// Runs in a child process (`frontdesk-bench echo-server`): prints its address, echoes text frames.
pub fn echo_server() {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    println!("{}", l.local_addr().expect("addr"));
    for s in l.incoming().flatten() {
        let _ = std::thread::Builder::new().stack_size(256 * 1024).spawn(move || {
            let _ = s.set_nodelay(true);
            let cfg = tungstenite::protocol::WebSocketConfig::default().read_buffer_size(4096);
            let Ok(mut ws) = tungstenite::accept_with_config(s, Some(cfg)) else { return };
            while let Ok(m) = ws.read() {
                if m.is_text() && ws.send(m).is_err() {
                    break;
                }
            }
        });
    }
}

pub struct Echo {
    pub child: Child,
    pub addr: std::net::SocketAddr,
}

impl Echo {
    pub fn start() -> Echo {
        let mut child =
            Command::new(std::env::current_exe().expect("exe")).arg("echo-server").stdout(Stdio::piped()).spawn().expect("echo server");
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

/// Connect to the echo server (plain handshake, no auth).
pub fn echo_connect(addr: std::net::SocketAddr) -> std::io::Result<crate::client::Ws> {
    crate::client::connect(addr, "/", "http://bench", &[])
}
