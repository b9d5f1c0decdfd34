//! The upload scenario of issue 17: 50 customers each upload a 5 MiB file at the same moment, then
//! send it in a message. Reported: throughput, each upload's time, the server's memory before and at
//! its peak (sampled every 20 ms: the upload path streams to disk, so the peak should not grow with
//! the files' size), the chat latency of a message acked while the uploads run, and errors.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::server::{self, Server, http};
use crate::{Opts, Row, pct, row};

/// A PDF of `len` bytes (a real header, then noise), different for each `seed`: each upload is its
/// own file on the server, and its type is one the allow-list takes.
fn pdf(len: usize, seed: u64) -> Vec<u8> {
    let mut out = format!("%PDF-1.4\n% bench file {seed}\n").into_bytes();
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// One upload on its own connection, sent in 64 KiB writes; the status and the answer.
fn upload(addr: SocketAddr, origin: &str, token: &str, id: &str, body: &[u8]) -> (u16, Value) {
    let Ok(mut s) = TcpStream::connect(addr) else { return (0, Value::Null) };
    let _ = s.set_read_timeout(Some(Duration::from_secs(120)));
    let head = format!(
        "POST /api/widget/files?upload_id={id}&name=statement.pdf HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nOrigin: {origin}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    if s.write_all(head.as_bytes()).is_err() || body.chunks(64 * 1024).any(|c| s.write_all(c).is_err()) {
        return (0, Value::Null);
    }
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let mut hs = [httparse::EMPTY_HEADER; 32];
    let mut r = httparse::Response::new(&mut hs);
    match r.parse(&buf) {
        Ok(httparse::Status::Complete(n)) => (r.code.unwrap_or(0), serde_json::from_slice(&buf[n..]).unwrap_or(Value::Null)),
        _ => (0, Value::Null),
    }
}

pub fn upload_scenario(o: &Opts) -> Vec<Row> {
    let (customers, size) = if o.quick { (10, 1024 * 1024) } else { (50, 5 * 1024 * 1024) };
    let data = server::temp_data();
    let s = Server::start(&data, &[]);
    s.setup();
    let tokens = s.visitors(customers + 1, 4);
    let files: Vec<Arc<Vec<u8>>> = (0..customers).map(|i| Arc::new(pdf(size, i as u64 + 1))).collect();
    let rss_before = s.rss_kib();
    // The server's memory, sampled while the uploads run.
    let peak = Arc::new(AtomicU64::new(rss_before));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done, pid) = (peak.clone(), done.clone(), s.pid());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(server::proc_status(pid, "VmRSS:"), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    // Customers chatting meanwhile: how long their messages wait for an ack while files arrive (and,
    // first, with nothing else going on).
    let say = |addr: SocketAddr, origin: &str, token: &str, i: usize| {
        let body = format!("{{\"body\":\"still there? {i}\",\"client_msg_id\":\"bench-chat-{i}\"}}");
        let t = Instant::now();
        let (st, _, _) =
            http(addr, "POST", "/api/widget/messages", &[("Origin", origin), ("Authorization", &format!("Bearer {token}"))], &body);
        (st == 201).then(|| t.elapsed().as_micros() as u64)
    };
    let mut quiet: Vec<u64> = (0..20).filter_map(|i| say(s.addr, &s.origin, &tokens[customers], 100_000 + i)).collect();
    quiet.sort_unstable();
    let chatters: Vec<_> = (0..4)
        .map(|c| {
            let (addr, origin, token, done) = (s.addr, s.origin.clone(), tokens[customers].clone(), done.clone());
            std::thread::spawn(move || {
                let mut lat = Vec::new();
                let mut i = c * 10_000;
                while !done.load(Ordering::Relaxed) {
                    lat.extend(say(addr, &origin, &token, i));
                    i += 1;
                    std::thread::sleep(Duration::from_millis(10));
                }
                lat
            })
        })
        .collect();
    let start = Arc::new(Barrier::new(customers + 1));
    let handles: Vec<_> = (0..customers)
        .map(|i| {
            let (addr, origin, token, file, start) = (s.addr, s.origin.clone(), tokens[i].clone(), files[i].clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                let t = Instant::now();
                let (st, v) = upload(addr, &origin, &token, &format!("bench-{i}"), &file);
                let took = t.elapsed();
                // Then the message that carries it, through the same idempotent send path.
                let sent = st == 201 && {
                    let body = serde_json::json!({"body": "my statement", "client_msg_id": format!("bench-{i}"), "attachments": [v["attachment"]["id"]]});
                    let (m, _, _) = http(addr, "POST", "/api/widget/messages", &[("Origin", &origin), ("Authorization", &format!("Bearer {token}"))], &body.to_string());
                    m == 201
                };
                (took, sent)
            })
        })
        .collect();
    start.wait();
    let t0 = Instant::now();
    let results: Vec<(Duration, bool)> = handles.into_iter().map(|h| h.join().unwrap_or((Duration::ZERO, false))).collect();
    let wall = t0.elapsed();
    done.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    let mut chat: Vec<u64> = chatters.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect();
    chat.sort_unstable();
    let mut took: Vec<u64> = results.iter().map(|(d, _)| d.as_millis() as u64).collect();
    took.sort_unstable();
    let ok = results.iter().filter(|(_, sent)| *sent).count();
    let mib = (customers * size) as f64 / (1024.0 * 1024.0);
    let on_disk: u64 = walk_size(&data.join("files"));
    let label = format!("{customers} customers × {} MiB", size / (1024 * 1024));
    let out = vec![
        row("upload", format!("throughput, {label} at once"), mib / wall.as_secs_f64(), "MiB/s", ""),
        row("upload", "all uploads done in", wall.as_secs_f64(), "s", ""),
        row("upload", "one upload, p50", pct(&took, 0.5), "ms", ""),
        row("upload", "one upload, p99", pct(&took, 0.99), "ms", ""),
        row("upload", "server RSS before", rss_before as f64 / 1024.0, "MiB", ""),
        row(
            "upload",
            "server RSS peak during uploads",
            peak.load(Ordering::Relaxed) as f64 / 1024.0,
            "MiB",
            "< 100 (streamed, not buffered)",
        ),
        row("upload", "chat ack with nothing else going on, p50", pct(&quiet, 0.5) / 1000.0, "ms", ""),
        row("upload", format!("chat ack while uploading, p50 ({} messages)", chat.len()), pct(&chat, 0.5) / 1000.0, "ms", ""),
        row("upload", "chat ack while uploading, p99", pct(&chat, 0.99) / 1000.0, "ms", "< 100"),
        row("upload", "bytes stored / bytes sent", on_disk as f64 / (customers * size) as f64, "x", "1.0"),
        row("upload", "uploads + messages failed", (customers - ok) as f64, "", "0"),
    ];
    s.stop();
    let _ = std::fs::remove_dir_all(data);
    out
}

fn walk_size(dir: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => walk_size(&e.path()),
            _ => e.metadata().map(|m| m.len()).unwrap_or(0),
        })
        .sum()
}
