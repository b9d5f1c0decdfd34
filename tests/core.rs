//! The appliance core (issue 2): setup, sign-in, sessions, CSRF, the HTTP edge, WebSocket basics,
//! migrations. Every test runs its own server on 127.0.0.1:0 with a fresh data directory.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

#[test]
fn setup_page_then_sign_in() {
    let s = Server::start();
    let c = s.client();
    let r = c.get("/");
    assert_eq!((r.status, r.header("location")), (303, Some("/setup")));
    let r = c.get("/setup");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("Set up your help desk"));
    let csp = r.header("content-security-policy").unwrap();
    for part in ["default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"] {
        assert!(csp.contains(part), "CSP lacks {part}: {csp}");
    }
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert!(r.header("referrer-policy").is_some());

    let admin = s.admin();
    assert_eq!(admin.get("/").status, 200, "signed-in admin gets the Messenger");
    // Setup is gone for good.
    assert_eq!(c.get("/setup").header("location"), Some("/login"));
    assert_eq!(c.get("/").header("location"), Some("/login"));
    assert_eq!(c.get("/login").status, 200);
    let again = s.login("ADA@example.com", "correct horse battery");
    let me = again.get("/api/me").json();
    assert_eq!(me["user"]["role"], "admin");
    assert_eq!(me["helpdesk"]["name"], "Acme");
}

#[test]
fn setup_cannot_run_twice_even_racing() {
    let s = Server::start();
    let addr = s.addr;
    let origin = s.origin();
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let origin = origin.clone();
            std::thread::spawn(move || {
                let c = Client { addr, origin, cookie: None, csrf: None };
                c.post_json("/api/setup", &json!({"helpdesk_name": "Race", "name": format!("Admin {i}"), "email": format!("a{i}@example.com"), "password": "long enough password"})).status
            })
        })
        .collect();
    let statuses: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "exactly one admin: {statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 410), "{statuses:?}");
    let later = s.client().post_json(
        "/api/setup",
        &json!({"helpdesk_name": "X", "name": "Eve", "email": "eve@example.com", "password": "long enough password"}),
    );
    assert_eq!(later.status, 410);
}

#[test]
fn wrong_password_unknown_user_and_stored_hash_fail_alike() {
    let s = Server::start();
    let admin = s.admin();
    let c = s.client();
    let wrong = c.post_json("/api/login", &json!({"email": "ada@example.com", "password": "wrong password!"}));
    let unknown = c.post_json("/api/login", &json!({"email": "nobody@example.com", "password": "wrong password!"}));
    // The stored hash, read straight from the database file.
    let db = rusqlite::Connection::open(s.dir.0.join("frontdesk.db")).unwrap();
    let hash: String = db.query_row("SELECT password_hash FROM users WHERE email = 'ada@example.com'", [], |r| r.get(0)).unwrap();
    assert!(hash.starts_with("$argon2id$"), "argon2id PHC string: {hash}");
    let with_hash = c.post_json("/api/login", &json!({"email": "ada@example.com", "password": hash}));
    for r in [&wrong, &unknown, &with_hash] {
        assert_eq!(r.status, 401);
        assert_eq!(r.json(), json!({"error": "Wrong email or password."}));
        assert!(r.header("set-cookie").is_none());
    }
    drop(admin);
}

#[test]
fn production_argon2_parameters_meet_owasp() {
    let c = frontdesk::config::parse(&[], &|_| None).unwrap();
    let frontdesk::config::Command::Serve(c) = c else { panic!() };
    assert!(c.argon2_m_kib >= 19_456 && c.argon2_t >= 2);
    let h = frontdesk::passwords::Hasher::new(c.argon2_m_kib, c.argon2_t, 1).hash("some long password").unwrap();
    assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
}

#[test]
fn sign_in_throttling_answers_429_without_locking_out_other_addresses() {
    let s = Server::start_with(|c| c.trusted_proxies = frontdesk::config::TrustedProxies::loopback());
    s.admin();
    let attempt = |ip: &str, pw: &str| {
        let headers = vec![
            ("Origin".to_string(), s.origin()),
            ("X-Frontdesk-Request".to_string(), "1".to_string()),
            ("X-Forwarded-For".to_string(), ip.to_string()),
        ];
        raw_request(s.addr, "POST", "/api/login", &headers, json!({"email": "ada@example.com", "password": pw}).to_string().as_bytes())
    };
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(attempt("203.0.113.9", "not the password").status);
    }
    assert!(statuses.contains(&429), "429 well before 100 failures: {statuses:?}");
    let limited = attempt("203.0.113.9", "correct horse battery");
    assert_eq!(limited.status, 429, "even the right password waits on the attacker's address");
    assert!(limited.header("retry-after").unwrap().parse::<u64>().unwrap() > 0);
    // The real user, from another address, still gets in.
    assert_eq!(attempt("198.51.100.7", "correct horse battery").status, 200);
}

#[test]
fn session_cookie_flags() {
    let s = Server::start();
    let r = s.client().post_json(
        "/api/setup",
        &json!({"helpdesk_name": "Acme", "name": "Ada", "email": "ada@example.com", "password": "correct horse battery"}),
    );
    let c = r.header("set-cookie").unwrap().to_string();
    assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Path=/"), "{c}");
    assert!(!c.contains("Secure"), "plain http public URL: no Secure flag");
    let token = c.split(';').next().unwrap().split('=').nth(1).unwrap();
    assert_eq!(token.len(), 32, "128-bit token as hex");
    // With an https public URL the cookie is Secure.
    let s = Server::start_with(|c| c.public_url = "https://chat.example.com".into());
    let r = raw_request(
        s.addr,
        "POST",
        "/api/setup",
        &[("Origin".into(), "https://chat.example.com".into()), ("X-Frontdesk-Request".into(), "1".into())],
        json!({"helpdesk_name": "Acme", "name": "Ada", "email": "ada@example.com", "password": "correct horse battery"})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(r.header("set-cookie").unwrap().contains("; Secure"));
}

#[test]
fn sign_out_kills_the_session_on_the_server() {
    let s = Server::start();
    let admin = s.admin();
    let copy = admin.clone();
    assert_eq!(admin.post_json("/api/logout", &json!({})).status, 200);
    assert_eq!(copy.get("/api/me").status, 401, "the old cookie is dead, not just forgotten");
    // Each sign-in gets a new token.
    let a = s.login("ada@example.com", "correct horse battery");
    let b = s.login("ada@example.com", "correct horse battery");
    assert_ne!(a.cookie, b.cookie);
}

#[test]
fn deactivation_kills_sessions_and_sockets() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.agent(&admin, "bob@example.com", "Bob", false);
    let bob2 = s.login("bob@example.com", "agent password 1");
    let mut sock = bob.ws();
    sock.resume(None);
    let id = bob.get("/api/me").json()["user"]["id"].as_i64().unwrap();
    let r = admin.post_json(&format!("/api/users/{id}/deactivate"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(bob.get("/api/me").status, 401);
    assert_eq!(bob2.get("/api/me").status, 401);
    assert!(sock.closed_by_server());
    let r = s.client().post_json("/api/login", &json!({"email": "bob@example.com", "password": "agent password 1"}));
    assert_eq!(r.status, 401, "a deactivated user cannot sign in");
    // The last admin cannot be removed.
    let me = admin.get("/api/me").json()["user"]["id"].as_i64().unwrap();
    assert_eq!(admin.post_json(&format!("/api/users/{me}/deactivate"), &json!({})).status, 409);
    assert_eq!(admin.patch_json(&format!("/api/users/{me}"), &json!({"role": "agent"})).status, 409);
}

#[test]
fn state_change_without_origin_or_csrf_is_403() {
    let s = Server::start();
    let admin = s.admin();
    let body = json!({"email": "x@example.com", "name": "X", "password": "agent password 1"}).to_string();
    let cookie = admin.cookie.clone().unwrap();
    let csrf = admin.csrf.clone().unwrap();
    let cases = [
        vec![("Cookie".to_string(), cookie.clone()), ("X-CSRF-Token".to_string(), csrf.clone())],
        vec![
            ("Cookie".to_string(), cookie.clone()),
            ("Origin".to_string(), "http://evil.example".to_string()),
            ("X-CSRF-Token".to_string(), csrf.clone()),
        ],
        vec![("Cookie".to_string(), cookie.clone()), ("Origin".to_string(), s.origin())],
        vec![("Cookie".to_string(), cookie.clone()), ("Origin".to_string(), s.origin()), ("X-CSRF-Token".to_string(), "0".repeat(32))],
    ];
    for headers in cases {
        let r = raw_request(s.addr, "POST", "/api/users", &headers, body.as_bytes());
        assert_eq!(r.status, 403, "{headers:?}: {}", r.text());
        assert!(r.json()["error"].as_str().unwrap().len() > 10);
    }
    // Agents get 403 on admin APIs.
    let bob = s.agent(&admin, "bob@example.com", "Bob", false);
    assert_eq!(bob.get("/api/users").status, 403);
}

#[test]
fn slow_client_is_cut_at_head_deadline_while_others_are_served() {
    let s = Server::start_with(|c| c.head_timeout = Duration::from_secs(2));
    let addr = s.addr;
    let slow = std::thread::spawn(move || {
        let mut t = TcpStream::connect(addr).unwrap();
        t.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let started = Instant::now();
        for b in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: yes\r\n\r\n" {
            if t.write_all(&[*b]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(1000));
            if started.elapsed() > Duration::from_secs(6) {
                break;
            }
        }
        let mut buf = Vec::new();
        let _ = t.read_to_end(&mut buf);
        (started.elapsed(), String::from_utf8_lossy(&buf).into_owned())
    });
    std::thread::sleep(Duration::from_millis(300));
    for _ in 0..5 {
        assert_eq!(raw_request(s.addr, "GET", "/healthz", &[], b"").text(), "ok");
    }
    let (took, answer) = slow.join().unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(took < Duration::from_secs(5), "cut at the 2 s deadline, took {took:?}");
}

#[test]
fn oversized_head_and_too_many_headers_get_431() {
    let s = Server::start();
    let big = format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(20 * 1024));
    assert!(raw_exchange(s.addr, big.as_bytes()).starts_with("HTTP/1.1 431"));
    let mut many = String::from("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    for i in 0..120 {
        many.push_str(&format!("X-H{i}: v\r\n"));
    }
    many.push_str("\r\n");
    assert!(raw_exchange(s.addr, many.as_bytes()).starts_with("HTTP/1.1 431"));
    assert_eq!(raw_request(s.addr, "GET", "/healthz", &[], b"").status, 200);
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status.lines().find(|l| l.starts_with("VmRSS:")).unwrap().split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn ten_mib_body_gets_413_with_flat_memory() {
    let s = Server::start();
    let before = rss_kib();
    let mut t = TcpStream::connect(s.addr).unwrap();
    t.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!("POST /api/login HTTP/1.1\r\nHost: x\r\nOrigin: {}\r\nContent-Length: {}\r\n\r\n", s.origin(), 10 * 1024 * 1024);
    t.write_all(head.as_bytes()).unwrap();
    // Keep sending until the server closes on us; it must not buffer what we send.
    let chunk = vec![b'x'; 64 * 1024];
    for _ in 0..160 {
        if t.write_all(&chunk).is_err() {
            break;
        }
    }
    let mut buf = Vec::new();
    let _ = t.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("too large"));
    let grown = rss_kib().saturating_sub(before);
    assert!(grown < 4 * 1024, "memory grew {grown} KiB for a refused 10 MiB body");
    assert_eq!(raw_request(s.addr, "GET", "/healthz", &[], b"").status, 200);
}

#[test]
fn connection_cap_answers_503_and_recovers() {
    let s = Server::start_with(|c| c.max_connections = 4);
    let held: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(s.addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(200));
    let over = raw_exchange(s.addr, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(over.starts_with("HTTP/1.1 503"), "{over}");
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let r = raw_exchange(s.addr, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        if r.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(Instant::now() < deadline, "server did not recover: {r}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn ambiguous_framing_gets_400_and_close() {
    let s = Server::start();
    let payloads: [&[u8]; 4] = [
        b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /api/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde",
        b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: +4\r\n\r\nabcd",
    ];
    for p in payloads {
        let r = raw_exchange(s.addr, p);
        assert!(r.starts_with("HTTP/1.1 400"), "{r}");
        assert_eq!(r.matches("HTTP/1.1").count(), 1, "nothing smuggled after the 400: {r}");
    }
}

#[test]
fn keep_alive_head_and_405() {
    let s = Server::start();
    let r = raw_exchange(s.addr, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nHEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_eq!(r.matches("HTTP/1.1 200").count(), 2, "two responses on one connection: {r}");
    assert!(r.ends_with("\r\n\r\n"), "HEAD has no body: {r:?}");
    let r = raw_request(s.addr, "DELETE", "/healthz", &[], b"");
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD"));
}

#[test]
fn panicking_handler_answers_500_and_server_goes_on() {
    let s = Server::start();
    let r = raw_request(s.addr, "GET", "/__test/panic", &[], b"");
    assert_eq!(r.status, 500);
    assert!(!r.text().contains("test panic"), "no internals leak: {}", r.text());
    assert_eq!(raw_request(s.addr, "GET", "/healthz", &[], b"").text(), "ok");
}

#[test]
fn websocket_with_foreign_origin_is_refused() {
    let s = Server::start();
    let admin = s.admin();
    let headers = vec![("Origin".to_string(), "http://evil.example".to_string()), ("Cookie".to_string(), admin.cookie.clone().unwrap())];
    match Ws::connect(s.addr, "/ws/agent", &headers) {
        Err(tungstenite::Error::Http(r)) => assert_eq!(r.status(), 403),
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("a foreign origin was upgraded"),
    }
    // No session: 401.
    match Ws::connect(s.addr, "/ws/agent", &[("Origin".to_string(), s.origin())]) {
        Err(tungstenite::Error::Http(r)) => assert_eq!(r.status(), 401),
        _ => panic!("an anonymous agent socket was upgraded"),
    }
}

#[test]
fn pushed_frame_arrives_while_client_sends_nothing() {
    let s = Server::start();
    let admin = s.admin();
    let mut a = admin.ws();
    a.resume(None);
    // Bob comes online: Ada's socket gets a presence event although she sends nothing.
    let bob = s.agent(&admin, "bob@example.com", "Bob", true);
    let mut b = bob.ws();
    b.resume(None);
    let p = a.recv_type("presence");
    assert_eq!(p["data"]["online"], true);
}

#[test]
fn websocket_protocol_errors() {
    let s = Server::start();
    let admin = s.admin();
    // Non-JSON: an error frame, and the socket stays usable.
    let mut w = admin.ws();
    w.ws.send(tungstenite::Message::text("this is not json")).unwrap();
    assert_eq!(w.recv_type("error")["type"], "error");
    w.send(&json!({"type": "ping"}));
    assert_eq!(w.recv_type("pong")["type"], "pong");

    // Invalid UTF-8 in a text frame: close 1007. Sent as a raw masked frame.
    let mut w = admin.ws();
    let payload = [0xff, 0xfe, 0xfd];
    let mut frame = vec![0x81, 0x80 | payload.len() as u8, 0, 0, 0, 0];
    frame.extend_from_slice(&payload);
    w.ws.get_mut().write_all(&frame).unwrap();
    assert_eq!(close_code(&mut w), Some(1007));

    // Over 64 KiB: close 1009.
    let mut w = admin.ws();
    let _ = w.ws.send(tungstenite::Message::text("x".repeat(70 * 1024)));
    assert_eq!(close_code(&mut w), Some(1009));
}

fn close_code(w: &mut Ws) -> Option<u16> {
    w.set_timeout(Duration::from_secs(5));
    loop {
        match w.ws.read() {
            Ok(tungstenite::Message::Close(Some(f))) => return Some(f.code.into()),
            Ok(tungstenite::Message::Close(None)) => return None,
            Ok(_) => continue,
            Err(_) => {
                // tungstenite may surface the close as an error after reading it; the frame was seen.
                return None;
            }
        }
    }
}

#[test]
fn migrations_apply_are_idempotent_and_refuse_newer() {
    let dir = TempDir::new();
    let path = dir.0.join("m.db");
    let mut c = frontdesk::db::connect(&path, true).unwrap();
    let v = frontdesk::db::migrate(&mut c).unwrap();
    assert_eq!(v, frontdesk::db::schema_version());
    let uv: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(uv, v);
    assert_eq!(frontdesk::db::migrate(&mut c).unwrap(), v, "second run is a no-op");
    let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    c.pragma_update(None, "user_version", v + 1).unwrap();
    let err = frontdesk::db::migrate(&mut c).unwrap_err();
    assert!(err.detail.contains("newer") || err.detail.contains("knows only"), "{}", err.detail);
    // And the server refuses to start on it.
    drop(c);
    let mut cfg = Config::for_test(dir.0.clone());
    cfg.data_dir = dir.0.clone();
    std::fs::rename(&path, cfg.db_path()).unwrap();
    assert!(frontdesk::start(cfg).is_err());
}

#[test]
fn user_preferences_are_saved_validated_and_private() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.agent(&admin, "bob@example.com", "Bob", false);
    let r = bob.patch_json("/api/me/prefs", &json!({"language": "pt", "notifications": false}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(bob.get("/api/me").json()["user"]["prefs"], json!({"language": "pt", "notifications": false}));
    // Merged, not replaced; and only Bob's.
    bob.patch_json("/api/me/prefs", &json!({"notifications": true}));
    assert_eq!(bob.get("/api/me").json()["user"]["prefs"], json!({"language": "pt", "notifications": true}));
    assert_eq!(admin.get("/api/me").json()["user"]["prefs"], json!({}));
    for bad in [json!({"language": "klingon"}), json!({"notifications": "yes"}), json!({"role": "admin"})] {
        let r = bob.patch_json("/api/me/prefs", &bad);
        assert_eq!(r.status, 422, "{bad}");
    }
    assert_eq!(bob.get("/api/me").json()["user"]["role"], "agent");
    assert_eq!(s.client().patch_json("/api/me/prefs", &json!({"language": "en"})).status, 401);
}
