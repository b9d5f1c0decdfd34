//! Running Frontdesk (issues 2 and 9): the command line, headless admin creation, graceful
//! shutdown under load, backup/restore/check, metrics, start-up warnings.

mod common;

use std::collections::HashSet;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

fn run(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(bin())
        .args(args)
        .env("FRONTDESK_ARGON2_M_KIB", "256")
        .env("FRONTDESK_ARGON2_T", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn help_documents_every_subcommand_and_option_and_bad_options_exit_2() {
    let (code, out, _) = run(&["--help"], None);
    assert_eq!(code, 0);
    for word in [
        "serve",
        "admin create",
        "backup",
        "restore",
        "check",
        "version",
        "--addr",
        "FRONTDESK_ADDR",
        "--data",
        "FRONTDESK_DATA",
        "--public-url",
        "--trust-proxy",
        "--max-connections",
        "--log-level",
        "FRONTDESK_LOG",
    ] {
        assert!(out.contains(word), "--help lacks {word}");
    }
    for bad in [&["--addr", "nonsense"][..], &["--frobnicate"], &["explode"], &["--max-connections", "-3"]] {
        let (code, out, err) = run(bad, None);
        assert_eq!(code, 2, "{bad:?}");
        assert!(out.is_empty());
        assert_eq!(err.trim().lines().count(), 1, "one-line error: {err}");
    }
    for v in [&["version"][..], &["--version"], &["-V"]] {
        let (code, out, _) = run(v, None);
        assert_eq!(code, 0, "{v:?}");
        assert!(out.starts_with("frontdesk "), "{v:?}: {out}");
    }
    // One command's help, before or after its name.
    for (args, says) in [
        (&["backup", "--help"][..], "frontdesk backup FILE"),
        (&["--help", "restore"], "frontdesk restore FILE"),
        (&["check", "-h"], "integrity check"),
        (&["admin", "create", "--help"], "password is read from stdin"),
    ] {
        let (code, out, _) = run(args, None);
        assert_eq!(code, 0, "{args:?}");
        assert!(out.contains(says) && !out.contains("OPTIONS (each"), "{args:?}: {out}");
    }
}

#[test]
fn a_host_name_is_a_listen_address_and_admin_create_makes_its_data_directory() {
    let dir = TempDir::new();
    let data = dir.0.join("not").join("yet");
    let (code, out, err) = run(
        &["admin", "create", "--email", "root@example.com", "--name", "Root", "--data", data.to_str().unwrap()],
        Some("a long enough password\n"),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(data.join("frontdesk.db").exists());
    let p = Proc::serve(&data, &["--addr", "localhost:0"]);
    assert!(p.addr.ip().is_loopback(), "{}", p.addr);
    assert_eq!(raw_request(p.addr, "GET", "/healthz", &[], b"").status, 200);
}

#[test]
fn admin_create_headless_then_sign_in() {
    let dir = TempDir::new();
    let data = dir.0.to_str().unwrap();
    let (code, out, err) =
        run(&["admin", "create", "--email", "ops@example.com", "--name", "Ops", "--data", data], Some("a long enough password\n"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("created admin ops@example.com"));
    let (code, _, err) = run(&["admin", "create", "--email", "x@example.com", "--name", "X", "--data", data], Some("short\n"));
    assert_eq!(code, 1);
    assert!(err.contains("at least 10"), "{err}");
    let p = Proc::serve(&dir.0, &[]);
    let s = p.server();
    assert_eq!(s.client().get("/setup").header("location"), Some("/login"), "setup is gone once an admin exists");
    let c = s.login("ops@example.com", "a long enough password");
    assert_eq!(c.get("/api/me").json()["user"]["role"], "admin");
}

/// Customers chatting over WebSockets, recording every acked client_msg_id.
fn chat_load(
    addr: std::net::SocketAddr,
    customers: Vec<Customer>,
    acked: Arc<Mutex<Vec<String>>>,
    closes: Arc<Mutex<Vec<u16>>>,
) -> Vec<std::thread::JoinHandle<()>> {
    customers
        .into_iter()
        .enumerate()
        .map(|(t, c)| {
            let (acked, closes) = (acked.clone(), closes.clone());
            std::thread::spawn(move || {
                let Ok(mut w) = common::widget_socket(addr, &c.origin, &c.token) else {
                    return;
                };
                for i in 0.. {
                    let id = format!("load-{t}-{i}");
                    if w.ws.send(tungstenite::Message::text(json!({"type": "send", "body": id, "client_msg_id": id}).to_string())).is_err()
                    {
                        return;
                    }
                    loop {
                        match w.ws.read() {
                            Ok(tungstenite::Message::Text(t)) => {
                                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                                if v["type"] == "ack" {
                                    acked.lock().unwrap().push(id.clone());
                                    break;
                                }
                            }
                            Ok(tungstenite::Message::Close(Some(f))) => {
                                closes.lock().unwrap().push(f.code.into());
                                return;
                            }
                            Ok(_) => {}
                            Err(_) => return,
                        }
                    }
                }
            })
        })
        .collect()
}

#[test]
fn sigterm_under_chat_load_exits_0_quickly_and_loses_nothing() {
    let dir = TempDir::new();
    let mut p = Proc::serve(&dir.0, &[]);
    let s = p.server();
    s.admin();
    let customers: Vec<Customer> = (0..4).map(|i| s.customer(Some(&format!("C{i}")))).collect();
    let acked = Arc::new(Mutex::new(Vec::new()));
    let closes = Arc::new(Mutex::new(Vec::new()));
    let load = chat_load(p.addr, customers.clone(), acked.clone(), closes.clone());
    std::thread::sleep(Duration::from_millis(500));
    let t = Instant::now();
    p.signal(libc::SIGTERM);
    let status = p.wait_for(Duration::from_secs(10)).expect("exited within 10 s");
    assert!(status.success(), "exit status {status:?}: {}", p.stderr());
    let took = t.elapsed();
    for h in load {
        h.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > 10, "the load did little: {}", acked.len());
    assert!(closes.lock().unwrap().iter().all(|c| *c == 1012), "clients told to reconnect: {:?}", closes.lock().unwrap());
    // Restart: every acked message is there exactly once, and clients resume where they were.
    let p2 = Proc::serve(&dir.0, &[]);
    let db = rusqlite::Connection::open(dir.0.join("frontdesk.db")).unwrap();
    let mut st = db.prepare("SELECT client_msg_id FROM messages WHERE client_msg_id LIKE 'load-%'").unwrap();
    let stored: Vec<String> = st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    let unique: HashSet<&String> = stored.iter().collect();
    assert_eq!(unique.len(), stored.len(), "no duplicates");
    for id in &acked {
        assert!(unique.contains(id), "acked {id} lost");
    }
    let c = Customer { addr: p2.addr, origin: format!("http://{}", p2.addr), ..customers[0].clone() };
    let session = c.request("GET", "/api/widget/session", None).json();
    let mut w = c.ws();
    w.resume(session["pos"].as_i64());
    c.say("back after restart");
    assert_eq!(w.recv_type("message.created")["data"]["message"]["body"], "back after restart");
    eprintln!("stopped in {took:?} with {} acked messages", acked.len());
}

#[test]
fn backup_during_writes_is_intact_and_restore_refuses_a_live_data_dir() {
    let dir = TempDir::new();
    let p = Proc::serve(&dir.0, &[]);
    let s = p.server();
    s.admin();
    let c = s.customer(Some("Writer"));
    // Messages acked before the backup starts must be in it.
    for i in 0..30 {
        c.say(&format!("before {i}"));
    }
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (c, stop) = (c.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                c.say(&format!("during {n}"));
                n += 1;
            }
            n
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    let file = dir.0.join("backup.db");
    let (code, out, err) = run(&["backup", file.to_str().unwrap(), "--data", dir.0.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("backup written"));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let during = writer.join().unwrap();
    assert!(during > 0);
    let b = rusqlite::Connection::open(&file).unwrap();
    let ok: String = b.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
    let before: i64 = b.query_row("SELECT COUNT(*) FROM messages WHERE body LIKE 'before %'", [], |r| r.get(0)).unwrap();
    assert_eq!(before, 30);
    drop(b);
    // check
    let (code, out, _) = run(&["check", "--data", dir.0.to_str().unwrap()], None);
    assert_eq!(code, 0);
    assert!(out.contains("integrity: ok"));
    // restore refuses while the server runs...
    let (code, _, err) = run(&["restore", file.to_str().unwrap(), "--data", dir.0.to_str().unwrap()], None);
    assert_eq!(code, 1);
    assert!(err.contains("running"), "{err}");
    // ...and works once it is stopped.
    drop(p);
    let (code, out, err) = run(&["restore", file.to_str().unwrap(), "--yes", "--data", dir.0.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("restored"));
    let p = Proc::serve(&dir.0, &[]);
    let c = Customer { addr: p.addr, origin: format!("http://{}", p.addr), ..c };
    assert!(!c.history().is_empty(), "the restored data serves the customer's history");
    let db = rusqlite::Connection::open(dir.0.join("frontdesk.db")).unwrap();
    let n: i64 = db.query_row("SELECT COUNT(*) FROM messages WHERE body LIKE 'before %'", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 30);
}

#[test]
fn metrics_are_prometheus_text_for_admins_only() {
    let s = Server::start();
    let admin = s.admin();
    let c = s.customer(Some("M"));
    c.say("count me");
    let r = admin.get("/metrics");
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/plain; version=0.0.4"));
    let text = r.text();
    // Strict checks of the exposition format, then a parser from crates.io.
    let mut declared = HashSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            declared.insert(parts.next().unwrap().to_string());
            assert!(matches!(parts.next(), Some("counter" | "gauge" | "histogram")), "{line}");
        } else if line.starts_with("# HELP ") {
        } else {
            let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("bad line {line}"));
            assert!(value.parse::<f64>().is_ok(), "bad value in {line}");
            let name = series.split('{').next().unwrap();
            assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "bad name {name}");
            let base = name.trim_end_matches("_bucket").trim_end_matches("_sum").trim_end_matches("_count");
            assert!(declared.contains(name) || declared.contains(base), "{name} has no TYPE before it");
        }
    }
    let parsed = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap();
    let get = |n: &str| parsed.samples.iter().find(|s| s.metric == n).unwrap_or_else(|| panic!("missing {n}"));
    assert!(matches!(get("frontdesk_messages_total").value, prometheus_parse::Value::Counter(v) if v >= 1.0));
    assert!(matches!(get("process_resident_memory_bytes").value, prometheus_parse::Value::Gauge(v) if v > 1e6));
    for name in [
        "frontdesk_connections",
        "frontdesk_write_queue_depth",
        "process_threads",
        "frontdesk_commit_seconds",
        "frontdesk_checkpoints_total",
        "frontdesk_checkpoint_seconds_total",
        "frontdesk_wal_pages",
    ] {
        assert!(parsed.samples.iter().any(|s| s.metric == name), "missing {name}");
    }
    // The outbox's queues are always named (0 here: no mail server is set up, nothing was queued).
    for queue in ["mail", "webhook"] {
        let depth = parsed.samples.iter().find(|s| s.metric == "frontdesk_queue_depth" && s.labels.get("queue") == Some(queue));
        assert!(
            matches!(depth.map(|d| &d.value), Some(prometheus_parse::Value::Gauge(v)) if *v == 0.0),
            "queue depth of {queue}: {depth:?}"
        );
    }
    // Not for agents, customers or anonymous callers.
    let bob = s.agent(&admin, "bob@example.com", "Bob", true);
    assert_eq!(bob.get("/metrics").status, 403);
    assert_eq!(s.client().get("/metrics").status, 401);
    assert_eq!(c.request("GET", "/metrics", None).status, 401);
}

#[test]
fn warns_when_public_url_is_plain_http_off_loopback() {
    let dir = TempDir::new();
    let mut child = Command::new(bin())
        .args(["serve", "--addr", "0.0.0.0:0", "--data", dir.0.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    assert!(line.starts_with("listening on http://0.0.0.0:"), "{line}");
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("plain http on a non-loopback address"), "{err}");
    // A second server on the same data directory is refused.
    let p = Proc::serve(&dir.0, &[]);
    let (code, _, err) = run(&["serve", "--addr", "127.0.0.1:0", "--data", dir.0.to_str().unwrap()], None);
    assert_eq!(code, 1);
    assert!(err.contains("another frontdesk"), "{err}");
    drop(p);
}

#[test]
fn accept_errors_such_as_emfile_are_survived() {
    let dir = TempDir::new();
    let mut cmd = Command::new(bin());
    cmd.args(["serve", "--addr", "127.0.0.1:0", "--data", dir.0.to_str().unwrap()]).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    let addr: std::net::SocketAddr = line.trim().strip_prefix("listening on http://").unwrap().parse().unwrap();
    // Lower the descriptor limit only now: the connection cap, fitted to the limits at start
    // (tests/net.rs), no longer protects the server, and accept() itself must survive EMFILE.
    let r = libc::rlimit { rlim_cur: 48, rlim_max: 48 };
    // SAFETY: prlimit on our own child, reading nothing back.
    assert_eq!(unsafe { libc::prlimit(child.id() as i32, libc::RLIMIT_NOFILE, &r, std::ptr::null_mut()) }, 0);
    // Hold more connections than the server has descriptors: accept() fails with EMFILE.
    let held: Vec<std::net::TcpStream> = (0..80).filter_map(|_| std::net::TcpStream::connect(addr).ok()).collect();
    std::thread::sleep(Duration::from_millis(500));
    drop(held);
    // Once descriptors are free again the server answers as before.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = raw_exchange(addr, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        if r.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(Instant::now() < deadline, "server did not recover after EMFILE: {r:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(child.try_wait().unwrap().is_none(), "the server is still running");
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("accept failed") && log.contains("Too many open files"), "EMFILE was logged: {log}");
}
