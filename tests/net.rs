//! The network edge over real sockets: whose forwarded headers count (`--trusted-proxies`), and a
//! server that refuses what it cannot hold instead of dying of it (the connection cap from the
//! process's limits, a connection thread that cannot start).

mod common;

use std::io::{BufRead, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Client, Proc, Resp, Server, TempDir, bin, raw_exchange, raw_request};
use frontdesk::config::TrustedProxies;
use serde_json::json;

fn with_xff(s: &Server, method: &str, path: &str, xff: &str, body: &serde_json::Value) -> Resp {
    let h = vec![
        ("Origin".to_string(), s.origin()),
        ("X-Frontdesk-Request".to_string(), "1".to_string()),
        ("Content-Type".to_string(), "application/json".to_string()),
        ("X-Forwarded-For".to_string(), xff.to_string()),
    ];
    raw_request(s.addr, method, path, &h, body.to_string().as_bytes())
}

/// Set up the help desk through a request carrying `xff`; returns the address the audit log
/// recorded for it, i.e. who the server believed the client was.
fn setup_address(s: &Server, xff: &str) -> String {
    let body = json!({"helpdesk_name": "Acme", "name": "Ada", "email": "ada@example.com", "password": "correct horse battery"});
    let r = with_xff(s, "POST", "/api/setup", xff, &body);
    assert_eq!(r.status, 201, "{}", r.text());
    let mut admin: Client = s.client();
    admin.take_cookie(&r);
    admin.load_csrf();
    let audit = admin.get("/api/audit").json();
    let setup = audit["entries"].as_array().unwrap().iter().find(|e| e["action"] == "setup").expect("a setup entry").clone();
    setup["ip"].as_str().unwrap().to_string()
}

/// New visitors through requests carrying `xff`: their statuses in order.
fn visitors(s: &Server, xff: &str, n: usize) -> Vec<u16> {
    (0..n).map(|_| with_xff(s, "POST", "/api/widget/visitors", xff, &json!({})).status).collect()
}

#[test]
fn a_direct_clients_forwarded_for_is_ignored() {
    // No trusted proxies, and a list that names proxies but not this (loopback) peer.
    for proxies in ["", "10.0.0.0/8, fd00::/8"] {
        let s = Server::start_with(|c| c.trusted_proxies = TrustedProxies::parse(proxies).unwrap());
        assert_eq!(setup_address(&s, "203.0.113.9"), "127.0.0.1", "proxies {proxies:?}: the spoofed address is not recorded");
        // Had the header counted, 203.0.113.9 would be limited after 20 visitors (see below);
        // the peer is loopback, which the limits exempt.
        let statuses = visitors(&s, "203.0.113.9", 25);
        assert!(statuses.iter().all(|st| *st == 201), "proxies {proxies:?}: {statuses:?}");
    }
}

#[test]
fn a_trusted_proxy_names_the_rightmost_untrusted_address() {
    let s = Server::start_with(|c| c.trusted_proxies = TrustedProxies::parse("127.0.0.1,10.0.0.0/8").unwrap());
    // client (spoofing 127.0.0.1) -> inner proxy 10.1.2.3 -> us: the inner proxy saw 198.51.100.1.
    assert_eq!(setup_address(&s, "127.0.0.1, 198.51.100.1, 10.1.2.3"), "198.51.100.1");
    // A spoofed loopback entry left of the real address does not escape the visitor limit.
    let statuses = visitors(&s, "127.0.0.1, 203.0.113.9", 21);
    assert!(statuses[..20].iter().all(|st| *st == 201), "{statuses:?}");
    assert_eq!(statuses[20], 429, "the 21st new visitor from 203.0.113.9 within 10 minutes");
    let limited = with_xff(&s, "POST", "/api/widget/visitors", "203.0.113.9, 10.9.9.9", &json!({}));
    assert_eq!(limited.status, 429, "the same client through another trusted hop");
    assert!(limited.header("retry-after").is_some());
    assert_eq!(visitors(&s, "198.51.100.7", 1), [201], "another client has its own budget");
}

#[test]
fn forwarded_headers_from_an_untrusted_peer_are_warned_about_once() {
    let dir = TempDir::new();
    let p = Proc::serve(&dir.0, &[]);
    for h in ["X-Forwarded-For: 203.0.113.9", "X-Forwarded-Proto: https", "Forwarded: for=203.0.113.9"] {
        let r = raw_exchange(p.addr, format!("GET /healthz HTTP/1.1\r\nHost: x\r\n{h}\r\nConnection: close\r\n\r\n").as_bytes());
        assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    }
    let log = p.stderr();
    let warnings: Vec<&str> = log.lines().filter(|l| l.contains("not a trusted proxy")).collect();
    assert_eq!(warnings.len(), 1, "{log}");
    assert!(warnings[0].contains("every visitor looks like the proxy's address") && warnings[0].contains("--trusted-proxies"));

    // Behind a listed proxy there is nothing to warn about.
    let dir = TempDir::new();
    let p = Proc::serve(&dir.0, &["--trusted-proxies", "127.0.0.1"]);
    let r = raw_exchange(p.addr, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.9\r\nConnection: close\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    assert!(!p.stderr().contains("not a trusted proxy"), "{}", p.stderr());
}

#[test]
fn invalid_trusted_proxies_exit_2_with_one_line() {
    let dir = TempDir::new();
    let run = |args: &[&str], env: Option<&str>| {
        let mut cmd = Command::new(bin());
        cmd.args(["serve", "--addr", "127.0.0.1:0", "--data"]).arg(&dir.0).args(args);
        if let Some(v) = env {
            cmd.env("FRONTDESK_TRUSTED_PROXIES", v);
        }
        let out = cmd.output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    for (args, env, bad) in [
        (&["--trusted-proxies", "10.0.0.0/33"][..], None, "10.0.0.0/33"),
        (&["--trusted-proxies=127.0.0.1,proxy.local"], None, "proxy.local"),
        (&[], Some("::1,fd00::/129"), "fd00::/129"),
    ] {
        let (code, err) = run(args, env);
        assert_eq!(code, Some(2), "{args:?} {env:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(bad), "{err}");
    }
    let help = Command::new(bin()).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--trusted-proxies LIST") && help.contains("FRONTDESK_TRUSTED_PROXIES") && help.contains("--trust-proxy"));
}

/// The real binary under `prlimit`, killed on drop.
struct Limited {
    child: Child,
    addr: SocketAddr,
    stderr: std::path::PathBuf,
    _dir: TempDir,
}

impl Limited {
    fn serve(nofile: u32, extra: &[&str]) -> Limited {
        let dir = TempDir::new();
        let stderr = dir.0.join("stderr.log");
        let mut child = Command::new("prlimit")
            .arg(format!("--nofile={nofile}:{nofile}"))
            .args([bin(), "serve", "--addr", "127.0.0.1:0", "--data"])
            .arg(dir.0.join("data"))
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("prlimit (util-linux) runs");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let addr = line.trim().strip_prefix("listening on http://").unwrap_or_else(|| panic!("first line: {line:?}")).parse().unwrap();
        Limited { child, addr, stderr, _dir: dir }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for Limited {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The response a fresh connection gets without sending anything (the 503 is sent unasked).
fn unasked(addr: SocketAddr) -> (String, Duration) {
    let t = Instant::now();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    (String::from_utf8_lossy(&buf).into_owned(), t.elapsed())
}

fn healthy(addr: SocketAddr) -> bool {
    raw_exchange(addr, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").starts_with("HTTP/1.1 200")
}

#[test]
fn the_connection_cap_fits_the_descriptor_limit_and_the_excess_gets_503() {
    let mut p = Limited::serve(120, &["--max-connections", "10000", "--head-timeout", "30"]);
    let log = p.log();
    let line = log.lines().find(|l| l.contains("connection cap ")).unwrap_or_else(|| panic!("no cap logged: {log}"));
    assert!(line.contains("(asked 10,000; limited by descriptors: RLIMIT_NOFILE 120)"), "{line}");
    let cap: usize = line.split("connection cap ").nth(1).unwrap().split(' ').next().unwrap().replace(',', "").parse().unwrap();
    assert!((1..120).contains(&cap), "{line}");

    // Hold the cap with connections that are mid-request, then try far more than the descriptor
    // limit would allow: every one past the cap is answered 503 at once.
    let held: Vec<TcpStream> = (0..cap)
        .map(|_| {
            let mut s = TcpStream::connect(p.addr).unwrap();
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap();
            s
        })
        .collect();
    for i in 0..150 {
        let (r, took) = unasked(p.addr);
        assert!(r.starts_with("HTTP/1.1 503"), "attempt {i} past a cap of {cap}: {r:?}");
        assert!(r.contains("Retry-After: 1") && took < Duration::from_secs(1), "{r} in {took:?}");
    }
    assert!(p.child.try_wait().unwrap().is_none(), "the server is alive: {}", p.log());

    drop(held);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !healthy(p.addr) {
        assert!(Instant::now() < deadline, "no recovery after the held connections closed: {}", p.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(p.child.try_wait().unwrap().is_none(), "still alive");
    let log = p.log();
    assert!(!log.contains("accept failed") && !log.contains("cannot start"), "no descriptor or thread ran out: {log}");
}

#[test]
fn a_connection_thread_that_cannot_start_gets_503_and_the_server_goes_on() {
    // A stack no machine can map: every connection thread fails to start, as when threads or
    // memory run out. (A petabyte: beyond any user address space in use today.)
    let s = Server::start_with(|c| c.connection_stack = 1 << 50);
    for _ in 0..3 {
        let (r, took) = unasked(s.addr);
        assert!(r.starts_with("HTTP/1.1 503"), "{r:?}");
        assert!(took < Duration::from_secs(1), "{took:?}");
    }
    assert_eq!(s.running.as_ref().unwrap().app.net.connections.load(std::sync::atomic::Ordering::Acquire), 0, "no slot leaked");
}

/// The `accept`-named threads of this process (the accept thread and connection threads, which
/// inherit its name) and their minor page faults so far.
fn connection_threads() -> std::collections::HashMap<u32, u64> {
    let mut out = std::collections::HashMap::new();
    for e in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        let Some((head, rest)) = stat.rsplit_once(')') else { continue };
        if !head.ends_with("(accept") {
            continue;
        }
        // After the name: state, ppid, pgrp, session, tty, tpgid, flags, minflt.
        let minflt = rest.split_whitespace().nth(7).and_then(|v| v.parse().ok()).unwrap_or(0);
        out.insert(e.file_name().to_string_lossy().parse().unwrap_or(0), minflt);
    }
    out
}

/// A busy widget socket keeps its connection thread's stack pages between frames; they are given
/// back once it has been quiet for a second (idle memory, issue 21). Giving them back before every
/// read cost a madvise and, on the next frame, a page fault per page: a quarter of the connection
/// threads' CPU under the persist benchmark (BENCHMARKS.md, "Persist").
#[test]
fn a_busy_socket_keeps_its_stack_pages_and_a_quiet_one_gives_them_back() {
    let s = Server::start();
    let customer = s.customer(Some("Busy"));
    let before = connection_threads();
    let mut ws = customer.ws();
    ws.resume(None);
    let mine: Vec<u32> = connection_threads().keys().filter(|t| !before.contains_key(t)).copied().collect();
    assert!(!mine.is_empty(), "the socket's connection thread");
    let faults = || connection_threads().iter().filter(|(t, _)| mine.contains(t)).map(|(_, f)| *f).sum::<u64>();
    let mut say = |i: usize| {
        ws.send(&json!({"type": "send", "body": format!("message {i}"), "client_msg_id": format!("busy-{i}")}));
        ws.recv_type("ack");
    };
    // Warm: the first messages open the conversation and grow the thread's heap.
    for i in 0..5 {
        say(i);
    }
    std::thread::sleep(Duration::from_millis(1_500));
    let quiet = faults();
    say(5);
    let after_quiet = faults() - quiet;
    assert!(after_quiet >= 1, "a quiet socket's pages were given back: its next frame faults them in ({after_quiet})");
    let busy = faults();
    for i in 6..56 {
        say(i);
    }
    let per_50 = faults() - busy;
    assert!(per_50 < 10, "50 frames back to back fault {per_50} pages in: the stack was given back between them");
}
