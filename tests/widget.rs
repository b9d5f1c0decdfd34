//! The customer widget's server side over real sockets: its pages and their headers, settings
//! validation, rate limits, identity verification (HMAC `user_hash`), and how its socket carries the
//! visitor token.

mod common;

use common::{Proc, Resp, Server, TempDir, Ws, parse_response, raw_exchange, raw_request};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};

const SECRET: &str = "s3cret-s3cret-s3cret-s3cret-s3cret-42";

fn user_hash(secret: &str, user_id: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(user_id.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// A widget request from `origin`, with an optional visitor token and forwarded client address.
fn widget(s: &Server, method: &str, path: &str, token: Option<&str>, xff: Option<&str>, body: Option<&Value>) -> Resp {
    widget_from(s, &s.origin(), method, path, token, xff, body)
}

fn widget_from(s: &Server, origin: &str, method: &str, path: &str, token: Option<&str>, xff: Option<&str>, body: Option<&Value>) -> Resp {
    let mut h = vec![("Origin".to_string(), origin.to_string()), ("Content-Type".to_string(), "application/json".to_string())];
    if let Some(t) = token {
        h.push(("Authorization".into(), format!("Bearer {t}")));
    }
    if let Some(ip) = xff {
        h.push(("X-Forwarded-For".into(), ip.to_string()));
    }
    raw_request(s.addr, method, path, &h, body.map(|b| b.to_string()).unwrap_or_default().as_bytes())
}

fn visitor(s: &Server, xff: Option<&str>) -> (String, i64) {
    let r = widget(s, "POST", "/api/widget/visitors", None, xff, Some(&json!({})));
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    (v["token"].as_str().unwrap().to_string(), v["customer"]["id"].as_i64().unwrap())
}

/// A server behind a (pretend) proxy, so each test can speak from its own client address.
fn proxied() -> Server {
    Server::start_with(|c| c.trusted_proxies = frontdesk::config::TrustedProxies::loopback())
}

#[test]
fn widget_pages_are_served_with_their_own_headers() {
    let s = Server::start();
    let js = raw_request(s.addr, "GET", "/widget.js", &[], b"");
    assert_eq!(js.status, 200);
    assert!(js.header("content-type").unwrap().starts_with("text/javascript"));
    assert_eq!(js.header("access-control-allow-origin"), Some("*"));
    assert_eq!(js.header("cross-origin-resource-policy"), Some("cross-origin"));

    let page = raw_request(s.addr, "GET", "/widget", &[], b"");
    assert_eq!(page.status, 200);
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("frame-ancestors *"), "{csp}");
    assert!(!csp.contains("'none'; form-action 'self'"), "{csp}");

    let preview = raw_request(s.addr, "GET", "/widget/preview", &[], b"");
    assert_eq!(preview.status, 200);
    assert!(preview.text().contains("/widget.js"));
    assert_eq!(
        frontdesk::api::widget_pages::snippet("https://help.acme.test/"),
        "<script async src=\"https://help.acme.test/widget.js\"></script>"
    );
}

#[test]
fn widget_frame_ancestors_follow_allowed_origins() {
    let s = Server::start();
    let admin = s.admin();
    let r = admin.patch_json("/api/settings", &json!({"allowed_origins": ["https://shop.example", "http://localhost:3000"]}));
    assert_eq!(r.status, 200, "{}", r.text());
    let csp = raw_request(s.addr, "GET", "/widget", &[], b"").header("content-security-policy").unwrap().to_string();
    assert!(csp.contains("frame-ancestors 'self' https://shop.example http://localhost:3000"), "{csp}");
    // Other origins can neither create visitors nor open the socket; listed ones can.
    assert_eq!(widget_from(&s, "https://evil.example", "POST", "/api/widget/visitors", None, None, Some(&json!({}))).status, 403);
    assert_eq!(widget_from(&s, "https://shop.example", "POST", "/api/widget/visitors", None, None, Some(&json!({}))).status, 201);
    // Back to any origin.
    assert_eq!(admin.patch_json("/api/settings", &json!({"allowed_origins": []})).status, 200);
    let csp = raw_request(s.addr, "GET", "/widget", &[], b"").header("content-security-policy").unwrap().to_string();
    assert!(csp.contains("frame-ancestors *"), "{csp}");
}

#[test]
fn settings_validation_names_the_field() {
    let s = Server::start();
    let admin = s.admin();
    for (patch, field) in [
        (json!({"widget_color": "red"}), "widget_color"),
        (json!({"widget_color": "#12345g"}), "widget_color"),
        (json!({"widget_position": "top"}), "widget_position"),
        (json!({"widget_title": ""}), "widget_title"),
        (json!({"launcher_text": "x".repeat(61)}), "launcher_text"),
        (json!({"prechat": "sometimes"}), "prechat"),
        (json!({"language": "fr"}), "language"),
        (json!({"identity_secret": "short"}), "identity_secret"),
        (json!({"allowed_origins": ["shop.example"]}), "allowed_origins"),
        (json!({"no_such_thing": 1}), "no_such_thing"),
    ] {
        let r = admin.patch_json("/api/settings", &patch);
        assert_eq!(r.status, 422, "{patch}: {}", r.text());
        assert!(r.json()["error"].as_str().unwrap().starts_with(field), "{patch}: {}", r.text());
    }
    let r = admin.patch_json(
        "/api/settings",
        &json!({"widget_color": "#0EA5E9", "widget_position": "left", "widget_title": "Acme help", "prechat": "optional", "language": "pt", "sound": false, "identity_secret": SECRET}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    // Customers see the look but never the secret.
    let public = widget(&s, "GET", "/api/widget/settings", None, None, None).json();
    assert_eq!(public["helpdesk"]["widget_color"], "#0EA5E9");
    assert_eq!(public["helpdesk"]["widget_position"], "left");
    assert!(!public.to_string().contains(SECRET));
    // Agents may not change settings; admins read them back whole.
    let agent = s.agent(&admin, "bob@example.com", "Bob", true);
    assert_eq!(agent.patch_json("/api/settings", &json!({"widget_title": "Mine"})).status, 403);
    // The secret is never read back: only whether one is set.
    let read = admin.get("/api/settings").json();
    assert!(read["settings"].get("identity_secret").is_none());
    assert_eq!(read["settings"]["identity_secret_set"], true);
    assert!(!read.to_string().contains(SECRET));
}

/// The first `--accent: #rrggbb` in a stylesheet (its light-theme value).
fn accent_in(css: &str) -> String {
    let at = css.find("--accent:").expect("an --accent variable");
    css[at + "--accent:".len()..].trim_start().chars().take(7).collect()
}

#[test]
fn default_widget_wears_the_messengers_accent_and_a_translated_title() {
    let s = Server::start();
    let public = widget(&s, "GET", "/api/widget/settings", None, None, None).json()["helpdesk"].clone();
    let css = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/shared/style.css")).unwrap();
    assert_eq!(public["widget_color"].as_str().unwrap().to_lowercase(), accent_in(&css).to_lowercase());
    // No title set: each language has its own default; a title the admin writes is shown as written.
    assert_eq!(public["messages"]["en"]["widget_title"], "Chat with us");
    assert_eq!(public["messages"]["pt"]["widget_title"], "Fale connosco");
    let admin = s.admin();
    assert_eq!(admin.patch_json("/api/settings", &json!({"widget_title": "Bramble support"})).status, 200);
    let public = widget(&s, "GET", "/api/widget/settings", None, None, None).json()["helpdesk"].clone();
    assert_eq!(public["messages"]["pt"]["widget_title"], "Bramble support");
}

#[test]
fn creating_visitors_is_rate_limited_per_address() {
    let s = proxied();
    let mut last = None;
    for _ in 0..25 {
        let r = widget(&s, "POST", "/api/widget/visitors", None, Some("203.0.113.7"), Some(&json!({})));
        if r.status != 201 {
            last = Some(r);
            break;
        }
    }
    let r = last.expect("a limit on new visitors from one address");
    assert_eq!(r.status, 429, "{}", r.text());
    assert!(r.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    assert!(r.json()["error"].as_str().unwrap().starts_with("Slow down"));
    // Another address is not affected.
    assert_eq!(widget(&s, "POST", "/api/widget/visitors", None, Some("203.0.113.8"), Some(&json!({}))).status, 201);
}

#[test]
fn posting_messages_is_rate_limited_per_token_and_retries_are_free() {
    let s = proxied();
    let (token, _) = visitor(&s, Some("198.51.100.1"));
    let mut limited = None;
    for i in 0..30 {
        let r = widget(
            &s,
            "POST",
            "/api/widget/messages",
            Some(&token),
            Some("198.51.100.1"),
            Some(&json!({"body": format!("m{i}"), "client_msg_id": format!("w-{i}")})),
        );
        if r.status == 429 {
            limited = Some((i, r));
            break;
        }
        assert_eq!(r.status, 201, "{}", r.text());
    }
    let (n, r) = limited.expect("a per-token message limit");
    assert!(n >= 10, "a person typing is never limited (limited after {n})");
    assert!(r.header("retry-after").is_some());
    // A retry of an acknowledged message still answers (and creates nothing).
    let r = widget(
        &s,
        "POST",
        "/api/widget/messages",
        Some(&token),
        Some("198.51.100.1"),
        Some(&json!({"body": "m0", "client_msg_id": "w-0"})),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    // The refused message was not stored.
    let msgs = widget(&s, "GET", "/api/widget/messages", Some(&token), None, None).json()["messages"].as_array().unwrap().len();
    assert_eq!(msgs, n);
    // Over the socket the same limit answers an error frame with status 429.
    let mut ws = common::widget_socket(s.addr, &s.origin(), &token).unwrap();
    ws.resume(None);
    ws.send(&json!({"type": "send", "body": "more", "client_msg_id": "w-more"}));
    let e = ws.recv_type("error");
    assert_eq!(e["status"], 429, "{e}");
    assert_eq!(e["client_msg_id"], "w-more");
}

#[test]
fn new_conversations_are_limited_per_address() {
    let s = proxied();
    let mut statuses = Vec::new();
    for i in 0..12 {
        let (token, _) = visitor(&s, Some(&format!("192.0.2.{i}")));
        // Visitors from different addresses; their chats all start from one.
        statuses.push(widget(&s, "POST", "/api/widget/conversation", Some(&token), Some("192.0.2.200"), None).status);
    }
    assert!(statuses[..10].iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(statuses[10], 429, "{statuses:?}");
}

#[test]
fn messages_over_16_kib_are_refused_with_a_clear_error() {
    let s = Server::start();
    let (token, _) = visitor(&s, None);
    let r = widget(&s, "POST", "/api/widget/messages", Some(&token), None, Some(&json!({"body": "x".repeat(16 * 1024 + 1)})));
    assert_eq!(r.status, 413);
    assert!(r.json()["error"].as_str().unwrap().contains("too long"));
}

fn enable_identity(s: &Server) -> common::Client {
    let admin = s.admin();
    assert_eq!(admin.patch_json("/api/settings", &json!({"identity_secret": SECRET})).status, 200);
    admin
}

#[test]
fn verified_identify_marks_the_visitor_and_links_devices() {
    let s = Server::start();
    let admin = enable_identity(&s);
    // Laptop: an anonymous visitor writes, then the site says who they are.
    let (laptop, cid) = visitor(&s, None);
    widget(&s, "POST", "/api/widget/messages", Some(&laptop), None, Some(&json!({"body": "Where is order 42?", "client_msg_id": "l-1"})));
    let body = json!({"user_id": "u-1001", "email": "sally@example.com", "name": "Sally C.", "user_hash": user_hash(SECRET, "u-1001")});
    let r = widget(&s, "POST", "/api/widget/identify", Some(&laptop), None, Some(&body));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["customer"]["id"], cid);
    assert_eq!(v["customer"]["verified"], true);
    assert!(v.get("token").is_none(), "the same device keeps its token");
    let agent_view = admin.get(&format!("/api/customers/{cid}")).json();
    assert_eq!(agent_view["customer"]["external_id"], "u-1001");
    assert_eq!(agent_view["customer"]["name"], "Sally C.");

    // Phone: no token yet; the verified identify hands over a token for the same customer.
    let r = widget(
        &s,
        "POST",
        "/api/widget/identify",
        None,
        None,
        Some(&json!({"user_id": "u-1001", "user_hash": user_hash(SECRET, "u-1001")})),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let phone = r.json()["token"].as_str().unwrap().to_string();
    assert_ne!(phone, laptop);
    let session = widget(&s, "GET", "/api/widget/session", Some(&phone), None, None).json();
    assert_eq!(session["customer"]["id"], cid);
    assert_eq!(session["messages"][0]["body"], "Where is order 42?");
    // Both devices keep working.
    assert_eq!(widget(&s, "GET", "/api/widget/session", Some(&laptop), None, None).status, 200);
    // The token never shows in what agents see.
    let agent_json = admin.get(&format!("/api/customers/{cid}")).text();
    assert!(!agent_json.contains(&phone) && !agent_json.contains(&laptop));

    // A second verified user on the laptop gets their own customer, not Sally's.
    let r = widget(
        &s,
        "POST",
        "/api/widget/identify",
        Some(&laptop),
        None,
        Some(&json!({"user_id": 77, "user_hash": user_hash(SECRET, "77")})),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let other = r.json();
    assert_ne!(other["customer"]["id"], cid);
    let t = other["token"].as_str().unwrap();
    assert_eq!(widget(&s, "GET", "/api/widget/session", Some(t), None, None).json()["messages"].as_array().unwrap().len(), 0);
}

#[test]
fn forged_and_cross_user_hashes_are_refused() {
    let s = Server::start();
    let admin = enable_identity(&s);
    let (token, cid) = visitor(&s, None);
    let ok = widget(
        &s,
        "POST",
        "/api/widget/identify",
        Some(&token),
        None,
        Some(&json!({"user_id": "alice", "user_hash": user_hash(SECRET, "alice")})),
    );
    assert_eq!(ok.status, 200);

    let (mallory, _) = visitor(&s, None);
    for (uid, hash) in [
        ("alice", "0".repeat(64)),                                         // forged
        ("alice", user_hash(SECRET, "mallory")),                           // someone else's valid hash
        ("alice", user_hash("another-secret-of-32-characters!", "alice")), // wrong secret
        ("alice", "not hex".to_string()),
    ] {
        let r = widget(&s, "POST", "/api/widget/identify", Some(&mallory), None, Some(&json!({"user_id": uid, "user_hash": hash})));
        assert!(matches!(r.status, 401 | 403), "{uid}/{hash}: {} {}", r.status, r.text());
        assert!(r.json().get("token").is_none());
        let r = widget(&s, "POST", "/api/widget/identify", None, None, Some(&json!({"user_id": uid, "user_hash": hash})));
        assert!(matches!(r.status, 401 | 403), "{}", r.text());
    }
    // With verification off, no hash is accepted at all.
    assert_eq!(admin.patch_json("/api/settings", &json!({"identity_secret": ""})).status, 200);
    let r =
        widget(&s, "POST", "/api/widget/identify", None, None, Some(&json!({"user_id": "alice", "user_hash": user_hash(SECRET, "alice")})));
    assert_eq!(r.status, 403);
    assert_eq!(admin.get(&format!("/api/customers/{cid}")).json()["customer"]["external_id"], "alice");
}

#[test]
fn unverified_calls_cannot_change_a_verified_customer() {
    let s = Server::start();
    let admin = enable_identity(&s);
    let (token, cid) = visitor(&s, None);
    let body = json!({"user_id": "u-9", "name": "Real Name", "email": "real@example.com", "user_hash": user_hash(SECRET, "u-9")});
    assert_eq!(widget(&s, "POST", "/api/widget/identify", Some(&token), None, Some(&body)).status, 200);
    // No hash, or a PATCH: refused, nothing changes.
    let r = widget(&s, "POST", "/api/widget/identify", Some(&token), None, Some(&json!({"user_id": "u-9", "name": "Mallory"})));
    assert_eq!(r.status, 403, "{}", r.text());
    let r = widget(&s, "PATCH", "/api/widget/visitor", Some(&token), None, Some(&json!({"email": "mallory@evil.example"})));
    assert_eq!(r.status, 403, "{}", r.text());
    let r = widget(
        &s,
        "POST",
        "/api/widget/identify",
        Some(&token),
        None,
        Some(&json!({"user_id": "u-9", "name": "Mallory", "user_hash": "f".repeat(64)})),
    );
    assert_eq!(r.status, 401);
    let c = &admin.get(&format!("/api/customers/{cid}")).json()["customer"];
    assert_eq!(c["name"], "Real Name");
    assert_eq!(c["email"], "real@example.com");
    // The page the visitor is on may still be reported.
    assert_eq!(
        widget(&s, "PATCH", "/api/widget/visitor", Some(&token), None, Some(&json!({"page_url": "https://shop.example/a"}))).status,
        200
    );
    // An anonymous visitor can still give a name without a hash.
    let (anon, _) = visitor(&s, None);
    assert_eq!(widget(&s, "POST", "/api/widget/identify", Some(&anon), None, Some(&json!({"user_id": "x", "name": "Ann"}))).status, 200);
}

#[test]
fn required_prechat_needs_an_email_before_the_first_message() {
    let s = Server::start();
    let admin = s.admin();
    assert_eq!(admin.patch_json("/api/settings", &json!({"prechat": "required"})).status, 200);
    let (token, _) = visitor(&s, None);
    let r = widget(&s, "POST", "/api/widget/messages", Some(&token), None, Some(&json!({"body": "hi"})));
    assert_eq!(r.status, 422);
    assert!(r.json()["error"].as_str().unwrap().starts_with("email"));
    assert_eq!(widget(&s, "PATCH", "/api/widget/visitor", Some(&token), None, Some(&json!({"email": "a@b.example"}))).status, 200);
    assert_eq!(widget(&s, "POST", "/api/widget/messages", Some(&token), None, Some(&json!({"body": "hi"}))).status, 201);
}

#[test]
fn settings_updates_reach_widget_sockets() {
    let s = Server::start();
    let admin = s.admin();
    let (token, _) = visitor(&s, None);
    let mut ws = common::widget_socket(s.addr, &s.origin(), &token).unwrap();
    ws.resume(None);
    assert_eq!(admin.patch_json("/api/settings", &json!({"widget_color": "#112233", "identity_secret": SECRET})).status, 200);
    let ev = ws.recv_type("settings.updated");
    assert_eq!(ev["data"]["widget_color"], "#112233");
    assert!(!ev.to_string().contains(SECRET));
}

/// A raw upgrade request to `/ws/widget{query}` offering `protocols`; the answer when the server
/// refuses (it closes the connection after a refusal).
fn widget_upgrade(s: &Server, query: &str, protocols: &str) -> Resp {
    let head = format!(
        "GET /ws/widget{query} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: {}\r\n\
         Sec-WebSocket-Protocol: {protocols}\r\n\r\n",
        s.addr,
        s.origin()
    );
    let answer = raw_exchange(s.addr, head.as_bytes());
    parse_response(answer.as_bytes()).unwrap_or_else(|| panic!("no answer: {answer:?}"))
}

#[test]
fn widget_socket_takes_the_token_from_a_subprotocol_and_selects_only_frontdesk() {
    let s = Server::start();
    let (token, _) = visitor(&s, None);
    // Either order: the server picks the token out of the offer and answers `frontdesk` alone.
    for offer in [format!("frontdesk, frontdesk.token.{token}"), format!("frontdesk.token.{token}, frontdesk")] {
        let (mut ws, answer) = Ws::open(s.addr, "/ws/widget", &[("Origin".into(), s.origin()), ("Sec-WebSocket-Protocol".into(), offer)])
            .expect("the widget socket opens with the token in a subprotocol");
        assert_eq!(answer.status(), 101);
        let selected: Vec<&str> = answer.headers().get_all("sec-websocket-protocol").iter().map(|v| v.to_str().unwrap()).collect();
        assert_eq!(selected, ["frontdesk"]);
        for (name, value) in answer.headers() {
            assert!(!String::from_utf8_lossy(value.as_bytes()).contains(&token), "the 101 echoes the token in {name}");
        }
        // The socket is this visitor's: a message sent over it is acknowledged.
        ws.resume(None);
        let cmid = format!("w-{}", common::rand_id());
        ws.send(&json!({"type": "send", "body": "hello over a subprotocol", "client_msg_id": cmid}));
        assert_eq!(ws.recv_type("ack")["client_msg_id"], cmid);
    }
}

#[test]
fn a_wrong_token_in_the_subprotocol_gets_401_before_the_upgrade() {
    let s = Server::start();
    let (token, _) = visitor(&s, None);
    let unknown = "0".repeat(32);
    for offer in [
        format!("frontdesk, frontdesk.token.{unknown}"),
        "frontdesk, frontdesk.token.not-a-token".into(),
        "frontdesk, frontdesk.token.".into(),
    ] {
        let r = widget_upgrade(&s, "", &offer);
        assert_eq!(r.status, 401, "{offer}: {}", r.text());
        assert!(r.header("sec-websocket-accept").is_none());
        assert!(r.header("sec-websocket-protocol").is_none());
    }
    // The subprotocol decides: a right token in the URL does not rescue a wrong one offered there.
    let r = widget_upgrade(&s, &format!("?token={token}"), &format!("frontdesk, frontdesk.token.{unknown}"));
    assert_eq!(r.status, 401, "{}", r.text());
    // No token anywhere.
    assert_eq!(widget_upgrade(&s, "", "frontdesk").status, 401);
}

#[test]
fn the_token_in_the_url_still_works_for_now_and_is_logged_as_deprecated_without_the_token() {
    let dir = TempDir::new();
    let p = Proc::serve(&dir.0, &[]);
    let s = p.server();
    let c = s.customer(None);
    let origin = ("Origin".to_string(), s.origin());
    for _ in 0..3 {
        let (mut ws, answer) = Ws::open(p.addr, &format!("/ws/widget?token={}", c.token), std::slice::from_ref(&origin))
            .expect("the URL form opens the widget socket for one more release");
        assert!(answer.headers().get("sec-websocket-protocol").is_none(), "no subprotocol offered, none selected");
        ws.resume(None);
        ws.send(&json!({"type": "ping"}));
        ws.recv_type("pong");
    }
    // So do the bearer header and the subprotocol, without a warning.
    let (mut ws, _) = Ws::open(p.addr, "/ws/widget", &[origin.clone(), ("Authorization".into(), format!("Bearer {}", c.token))])
        .expect("the bearer form opens the widget socket");
    ws.resume(None);
    common::widget_socket(p.addr, &s.origin(), &c.token).expect("the subprotocol form opens the widget socket");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let log = p.stderr();
    let warnings: Vec<&str> = log.lines().filter(|l| l.contains("?token=")).collect();
    assert_eq!(warnings.len(), 1, "one deprecation warning a minute:\n{log}");
    assert!(warnings[0].contains("WARN"), "{}", warnings[0]);
    assert!(!log.contains(&c.token), "the token is never logged:\n{log}");
}

/// A widget resumes its socket from the `pos` its session named, so the session's settings must be
/// those as of that position: settings older than `pos` would stay on screen until a reload (the
/// cached copy is updated only after a change's commit has been answered; a session read in between
/// once said the new position with the old settings, seen as a stale header in a browser test).
#[test]
fn a_session_gives_the_settings_as_of_its_position() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let s = Server::start();
    let admin = s.admin();
    let visitor = s.customer(None);
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let r = visitor.request("GET", "/api/widget/session", None);
                if r.status == 200 {
                    let v = r.json();
                    seen.push((v["pos"].as_i64().unwrap(), v["helpdesk"]["offline_message"].as_str().unwrap_or("").to_string()));
                }
            }
            seen
        })
    };
    for i in 0..150 {
        let r = admin.patch_json("/api/settings", &json!({"offline_message": format!("Away for a moment ({i}).")}));
        assert_eq!(r.status, 200, "{}", r.text());
    }
    stop.store(true, Ordering::Relaxed);
    let seen = reader.join().unwrap();
    // Every change with its position, as an agent's socket replays them from the start.
    let mut ws = admin.ws();
    ws.send(&json!({"type": "resume", "pos": 0}));
    let changes: Vec<(i64, String)> = ws
        .recv_until(|v| v["type"] == "resumed")
        .iter()
        .filter(|v| v["type"] == "settings.updated")
        .map(|v| (v["pos"].as_i64().unwrap(), v["data"]["offline_message"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(changes.iter().filter(|(_, m)| m.starts_with("Away for a moment")).count(), 150, "every change was replayed");
    assert!(seen.len() > 150, "the reader read often enough to race the changes ({} reads)", seen.len());
    // Settings newer than `pos` are harmless (the replay after `pos` ends at the newest); older ones
    // are what the widget would keep.
    let index = |m: &str| changes.iter().position(|(_, c)| c == m);
    for (pos, message) in &seen {
        let due = changes.iter().rposition(|(at, _)| at <= pos);
        assert!(
            due <= index(message),
            "a session at position {pos} says {message:?}, older than the change at or before it ({:?})",
            due.map(|i| &changes[i].1)
        );
    }
}
