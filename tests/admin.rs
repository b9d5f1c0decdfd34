//! Admin pages and their APIs (issue 8): access, business hours with an injected clock, invites,
//! the last admin, a backup under live chat, per-field validation, the audit log.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::*;
use frontdesk::desk::availability::tick;
use serde_json::{Value, json};

fn app(s: &Server) -> &Arc<frontdesk::app::App> {
    &s.running.as_ref().expect("in-process server").app
}

/// Unix ms of a local time in `tz`.
fn local_ms(tz: &str, y: i16, mo: i8, d: i8, h: i8, mi: i8) -> i64 {
    jiff::civil::date(y, mo, d).at(h, mi, 0, 0).in_tz(tz).unwrap().timestamp().as_millisecond()
}

/// Every admin page and API, with a body where it takes one.
fn admin_routes() -> Vec<(&'static str, &'static str, Option<Value>)> {
    vec![
        ("GET", "/admin", None),
        ("GET", "/admin/messages", None),
        ("GET", "/admin/availability", None),
        ("GET", "/admin/widget", None),
        ("GET", "/admin/team", None),
        ("GET", "/admin/data", None),
        ("GET", "/admin/audit", None),
        ("GET", "/api/settings", None),
        ("PATCH", "/api/settings", Some(json!({"offline_message": "Gone fishing"}))),
        ("GET", "/api/users", None),
        ("POST", "/api/users", Some(json!({"email": "x@example.com", "name": "X", "password": "long enough pw"}))),
        ("PATCH", "/api/users/1", Some(json!({"role": "agent"}))),
        ("POST", "/api/users/1/deactivate", Some(json!({}))),
        ("GET", "/api/invites", None),
        ("POST", "/api/invites", Some(json!({"email": "new@example.com"}))),
        ("DELETE", "/api/invites/1", None),
        ("GET", "/api/audit", None),
        ("GET", "/api/admin/widget", None),
        ("POST", "/api/admin/identity-secret", Some(json!({}))),
        ("DELETE", "/api/admin/identity-secret", None),
        ("GET", "/api/admin/backup", None),
        ("GET", "/api/admin/export", None),
        ("POST", "/api/admin/retention/run", Some(json!({}))),
    ]
}

#[test]
fn agents_get_403_on_every_admin_route_and_strangers_are_sent_to_sign_in() {
    let s = Server::start();
    let admin = s.admin();
    let agent = s.agent(&admin, "bob@example.com", "Bob", true);
    let stranger = s.client();
    for (method, path, body) in admin_routes() {
        let r = agent.request(method, path, body.as_ref());
        assert_eq!(r.status, 403, "agent {method} {path}: {}", r.text());
        let r = stranger.request(method, path, body.as_ref());
        if path.starts_with("/admin") {
            assert_eq!((r.status, r.header("location")), (303, Some("/login")), "stranger {method} {path}");
        } else {
            assert_eq!(r.status, 401, "stranger {method} {path}: {}", r.text());
        }
    }
    // The admin gets the page itself.
    let r = admin.get("/admin/team");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("/assets/admin/admin.js"));
    assert!(r.header("content-security-policy").unwrap().contains("frame-ancestors 'none'"));
    assert_eq!(admin.get("/admin/nope").status, 404);
}

/// Issue 14: an agent who opens the admin pages reads a page (in their language, filled by its
/// script) saying they are not an admin, with the way back to the Messenger: a 403, never JSON.
#[test]
fn an_agent_opening_the_admin_pages_gets_a_page_saying_they_are_not_an_admin() {
    let s = Server::start();
    let admin = s.admin();
    let agent = s.agent(&admin, "bob@example.com", "Bob", true);
    for path in ["/admin", "/admin/team", "/admin/availability"] {
        let r = agent.get(path);
        assert_eq!(r.status, 403, "{path}");
        assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"), "{path}: {}", r.text());
        assert_eq!(r.header("cache-control"), Some("no-store"), "{path}");
        assert!(r.header("content-security-policy").unwrap().contains("frame-ancestors 'none'"));
        let page = r.text();
        assert!(page.contains("/assets/admin/not-admin.js") && page.contains(r#"href="/""#), "{path}: {page}");
        // No validator: a browser never gets a bodiless 304 for it.
        assert_eq!(r.header("etag"), None, "{path}");
    }
}

/// Issue 14: "Last seen" on the Team page follows what people do: signing in, using their session,
/// opening and closing the Messenger (its socket). Reported on the app's clock.
#[test]
fn last_seen_follows_sign_in_session_use_and_the_messenger_socket() {
    let s = Server::start();
    let admin = s.admin();
    let a = app(&s);
    let seen = |email: &str| {
        let users = admin.get("/api/users").json();
        let u = users["users"].as_array().unwrap().iter().find(|u| u["user"]["email"] == email).cloned().unwrap();
        (u["user"]["last_seen_at"].as_i64(), u["online"].as_bool().unwrap())
    };
    let t0 = a.clock.now_ms() + 1000;
    a.clock.set_fixed(t0);
    let r = admin.post_json("/api/users", &json!({"email": "bob@example.com", "name": "Bob", "password": "agent password 1"}));
    assert_eq!(r.status, 201);
    assert_eq!(seen("bob@example.com"), (None, false), "never signed in: never seen");

    let bob = s.login("bob@example.com", "agent password 1");
    assert_eq!(seen("bob@example.com"), (Some(t0), false), "signing in");

    a.clock.set_fixed(t0 + 10 * 60_000);
    assert_eq!(bob.get("/api/conversations").status, 200);
    assert_eq!(seen("bob@example.com"), (Some(t0 + 10 * 60_000), false), "a request on the session");

    a.clock.set_fixed(t0 + 20 * 60_000);
    let mut socket = bob.ws();
    socket.resume(None);
    assert_eq!(seen("bob@example.com"), (Some(t0 + 20 * 60_000), true), "opening the Messenger");

    a.clock.set_fixed(t0 + 30 * 60_000);
    drop(socket);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    // The socket's end marks Bob offline (in memory) and records when he was last seen (a write):
    // a read in between saw him offline with the previous time once, in a full run. Wait for both.
    while seen("bob@example.com") != (Some(t0 + 30 * 60_000), false) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(seen("bob@example.com"), (Some(t0 + 30 * 60_000), false), "closing the Messenger");
}

#[test]
fn business_hours_switch_offline_at_the_boundary_and_the_override_lasts_until_the_next() {
    let s = Server::start();
    let admin = s.admin();
    let a = app(&s);
    let tz = "Europe/Lisbon";
    // Monday 6 January 2025, 08:59 in Lisbon.
    a.clock.set_fixed(local_ms(tz, 2025, 1, 6, 8, 59));
    let r = admin.patch_json(
        "/api/settings",
        &json!({"hours_enabled": true, "timezone": tz, "hours": [
            {"day": "mon", "start": "09:00", "end": "17:00"},
            {"day": "tue", "start": "09:00", "end": "17:00"},
        ]}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["status"]["reason"], "outside_business_hours");
    let me = admin.get("/api/me").json();
    assert_eq!(me["helpdesk"]["online"], false);
    assert_eq!(me["helpdesk"]["status"]["label"], "offline — outside business hours");
    assert_eq!(me["helpdesk"]["status"]["until"], local_ms(tz, 2025, 1, 6, 9, 0));

    // A widget that is open the whole time hears every change, without reloading.
    let sally = s.customer(Some("Sally"));
    let mut w = sally.ws();
    w.resume(None);
    assert_eq!(tick(a).unwrap(), None, "nothing changed yet");

    a.clock.set_fixed(local_ms(tz, 2025, 1, 6, 9, 0));
    assert!(tick(a).unwrap().unwrap().online);
    let ev = w.recv_type("helpdesk.status");
    assert_eq!((ev["data"]["online"].clone(), ev["data"]["status"]["reason"].clone()), (json!(true), json!("business_hours")));
    let public = sally.request("GET", "/api/widget/session", None).json();
    assert_eq!(public["helpdesk"]["online"], true);

    a.clock.set_fixed(local_ms(tz, 2025, 1, 6, 16, 59));
    assert_eq!(tick(a).unwrap(), None);
    a.clock.set_fixed(local_ms(tz, 2025, 1, 6, 17, 0));
    assert!(!tick(a).unwrap().unwrap().online);
    let ev = w.recv_type("helpdesk.status");
    assert_eq!(ev["data"]["status"]["label"], "offline — outside business hours");

    // Monday 18:00: switched online by hand. It holds until Tuesday 09:00, the next boundary.
    a.clock.set_fixed(local_ms(tz, 2025, 1, 6, 18, 0));
    let r = admin.post_json("/api/helpdesk/status", &json!({"online": true}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["status"]["reason"], "override");
    assert_eq!(r.json()["status"]["until"], local_ms(tz, 2025, 1, 7, 9, 0));
    assert_eq!(w.recv_type("helpdesk.status")["data"]["online"], true);
    a.clock.set_fixed(local_ms(tz, 2025, 1, 7, 8, 59));
    assert_eq!(tick(a).unwrap(), None, "the override still holds");
    assert_eq!(s.client().get("/api/widget/settings").json()["helpdesk"]["online"], true);
    a.clock.set_fixed(local_ms(tz, 2025, 1, 7, 9, 0));
    assert_eq!(tick(a).unwrap().unwrap().reason, "business_hours", "the hours decide again");

    // Tuesday 10:00: switched offline by hand; at 17:00 the hours take over, and Wednesday (no
    // hours) stays offline.
    a.clock.set_fixed(local_ms(tz, 2025, 1, 7, 10, 0));
    let r = admin.post_json("/api/helpdesk/status", &json!({"online": false}));
    assert_eq!(r.json()["status"]["until"], local_ms(tz, 2025, 1, 7, 17, 0));
    assert_eq!(admin.get("/api/me").json()["helpdesk"]["online"], false);
    a.clock.set_fixed(local_ms(tz, 2025, 1, 7, 17, 0));
    assert_eq!(tick(a).unwrap().unwrap().reason, "outside_business_hours");
    a.clock.set_fixed(local_ms(tz, 2025, 1, 8, 12, 0));
    assert_eq!(tick(a).unwrap(), None);
    assert_eq!(admin.get("/api/me").json()["helpdesk"]["status"]["until"], local_ms(tz, 2025, 1, 13, 9, 0));
}

#[test]
fn business_hours_follow_the_time_zone_and_no_agents_rule() {
    let s = Server::start();
    let admin = s.admin();
    let a = app(&s);
    // 10:00 in New York is 15:00 UTC: open there, closed for a 09:00–12:00 UTC desk.
    a.clock.set_fixed(local_ms("America/New_York", 2025, 3, 3, 10, 0));
    let hours = json!([{"day": "mon", "start": "09:00", "end": "12:00"}]);
    let r = admin.patch_json("/api/settings", &json!({"hours_enabled": true, "timezone": "UTC", "hours": hours}));
    assert_eq!(r.json()["status"]["online"], false);
    let r = admin.patch_json("/api/settings", &json!({"timezone": "America/New_York"}));
    assert_eq!(r.json()["status"]["online"], true);
    // "Offline when no agent is connected": nobody has the Messenger open.
    let r = admin.patch_json("/api/settings", &json!({"offline_when_no_agents": true}));
    assert_eq!(r.json()["status"]["reason"], "no_agents");
    let mut sock = admin.ws();
    sock.resume(None);
    assert_eq!(tick(a).unwrap().unwrap().reason, "business_hours");
}

#[test]
fn an_invite_link_works_once_and_expires() {
    let s = Server::start();
    let admin = s.admin();
    let a = app(&s);
    a.clock.set_fixed(1_750_000_000_000);
    let r = admin.post_json("/api/invites", &json!({"email": "Nia@Example.com", "role": "agent", "customer_support": true}));
    assert_eq!(r.status, 201, "{}", r.text());
    let url = r.json()["url"].as_str().unwrap().to_string();
    let token = url.rsplit('/').next().unwrap().to_string();
    assert!(url.starts_with(&s.origin()) && token.len() == 32);
    let listed = admin.get("/api/invites").json();
    assert_eq!(listed["invites"][0]["email"], "Nia@Example.com");
    assert!(!listed.to_string().contains(&token), "the token is shown once, never listed");

    // The page is public; its API says whose invite it is.
    let guest = s.client();
    assert_eq!(guest.get(&format!("/invite/{token}")).status, 200);
    assert_eq!(guest.get(&format!("/api/invite/{token}")).json()["email"], "Nia@Example.com");
    let r = guest.post_json(&format!("/api/invite/{token}"), &json!({"name": "Nia", "password": "short"}));
    assert_eq!((r.status, r.json()["error"].as_str().unwrap().starts_with("password:")), (422, true));
    let mut nia = s.client();
    let r = nia.post_json(&format!("/api/invite/{token}"), &json!({"name": "Nia", "password": "a good long password"}));
    assert_eq!(r.status, 201, "{}", r.text());
    nia.take_cookie(&r);
    nia.load_csrf();
    let me = nia.get("/api/me").json();
    assert_eq!((me["user"]["name"].clone(), me["user"]["customer_support"].clone()), (json!("Nia"), json!(true)));
    // Single use.
    let r = s.client().post_json(&format!("/api/invite/{token}"), &json!({"name": "Eve", "password": "a good long password"}));
    assert_eq!(r.status, 410, "{}", r.text());
    assert_eq!(admin.get("/api/invites").json()["invites"], json!([]));

    // Expiry: 7 days on the clock, no sleeping.
    let r = admin.post_json("/api/invites", &json!({"email": "late@example.com"}));
    let token = r.json()["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    a.clock.advance(7 * 24 * 3600 * 1000 - 1000);
    assert_eq!(s.client().get(&format!("/api/invite/{token}")).status, 200);
    a.clock.advance(1000);
    assert_eq!(s.client().get(&format!("/api/invite/{token}")).status, 410);
    let r = s.client().post_json(&format!("/api/invite/{token}"), &json!({"name": "Late", "password": "a good long password"}));
    assert_eq!(r.status, 410);
    // Revoked, and unknown.
    let r = admin.post_json("/api/invites", &json!({"email": "gone@example.com"}));
    let (id, token) =
        (r.json()["invite"]["id"].as_i64().unwrap(), r.json()["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string());
    assert_eq!(admin.delete(&format!("/api/invites/{id}")).status, 200);
    assert_eq!(s.client().get(&format!("/api/invite/{token}")).status, 410);
    assert_eq!(s.client().get(&format!("/api/invite/{}", "0".repeat(32))).status, 404);
    // Someone who already has an account cannot be invited again.
    assert_eq!(admin.post_json("/api/invites", &json!({"email": "nia@example.com"})).status, 409);
}

/// `tests/core.rs::deactivation_kills_sessions_and_sockets` covers a user created with a password;
/// this is the same for someone who joined through an invite.
#[test]
fn deactivating_an_invited_user_ends_their_sessions_and_sockets() {
    let s = Server::start();
    let admin = s.admin();
    let r = admin.post_json("/api/invites", &json!({"email": "ivy@example.com", "customer_support": true}));
    let url = r.json()["url"].as_str().unwrap().to_string();
    let mut ivy = s.client();
    let r =
        ivy.post_json(&format!("/api/invite/{}", url.rsplit('/').next().unwrap()), &json!({"name": "Ivy", "password": "ivy password 12"}));
    ivy.take_cookie(&r);
    ivy.load_csrf();
    let id = r.json()["user"]["id"].as_i64().unwrap();
    let ivy2 = s.login("ivy@example.com", "ivy password 12");
    let mut sock = ivy.ws();
    sock.resume(None);
    assert_eq!(admin.post_json(&format!("/api/users/{id}/deactivate"), &json!({})).status, 200);
    assert_eq!(ivy.get("/api/me").status, 401);
    assert_eq!(ivy2.get("/api/me").status, 401);
    assert!(sock.closed_by_server());
    let users = admin.get("/api/users").json();
    let ivy_row = users["users"].as_array().unwrap().iter().find(|u| u["user"]["id"] == id).unwrap().clone();
    assert_eq!(ivy_row["user"]["active"], false);
}

#[test]
fn the_last_admin_cannot_be_demoted_or_deactivated() {
    let s = Server::start();
    let admin = s.admin();
    let me = admin.id();
    let r = admin.patch_json(&format!("/api/users/{me}"), &json!({"role": "agent"}));
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.json()["error"].as_str().unwrap().contains("last admin"));
    assert_eq!(admin.post_json(&format!("/api/users/{me}/deactivate"), &json!({})).status, 409);
    // With a second admin, the first may step down.
    let bea = s.agent(&admin, "bea@example.com", "Bea", false);
    assert_eq!(admin.patch_json(&format!("/api/users/{}", bea.id()), &json!({"role": "admin"})).status, 200);
    assert_eq!(admin.patch_json(&format!("/api/users/{me}"), &json!({"role": "agent"})).status, 200);
    assert_eq!(bea.patch_json(&format!("/api/users/{}", bea.id()), &json!({"role": "agent"})).status, 409);
}

#[test]
fn a_backup_during_live_chat_is_intact_and_holds_every_acknowledged_message() {
    let s = Server::start_with(|c| c.rate_limits = false);
    let admin = s.admin();
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(std::sync::Mutex::new(Vec::<(i64, std::time::Instant)>::new()));
    let mut threads = Vec::new();
    for i in 0..4 {
        let c = s.customer(Some(&format!("Customer {i}")));
        let (stop, acked) = (stop.clone(), acked.clone());
        threads.push(std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let m = c.say(&format!("message {n} from customer {i}"));
                acked.lock().unwrap().push((m["id"].as_i64().unwrap(), std::time::Instant::now()));
                n += 1;
            }
        }));
    }
    std::thread::sleep(Duration::from_millis(400));
    let started = std::time::Instant::now();
    let r = admin.get("/api/admin/backup");
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body[..r.body.len().min(200)]));
    assert_eq!(r.header("content-type"), Some("application/vnd.sqlite3"));
    assert!(r.header("content-disposition").unwrap().starts_with("attachment; filename=\"frontdesk-"));
    let before: Vec<i64> = acked.lock().unwrap().iter().filter(|(_, at)| *at < started).map(|(id, _)| *id).collect();
    assert!(before.len() > 10, "live traffic ran before the backup ({} messages)", before.len());

    let dir = TempDir::new();
    let path = dir.0.join("backup.db");
    std::fs::write(&path, &r.body).unwrap();
    let db = rusqlite::Connection::open(&path).unwrap();
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    let mut st = db.prepare("SELECT 1 FROM messages WHERE id = ?1").unwrap();
    for id in &before {
        assert!(st.exists([id]).unwrap(), "message {id} was acknowledged before the backup began but is missing");
    }
    // No temporary file is left in the data directory.
    let leftovers: Vec<_> = std::fs::read_dir(&s.dir.0)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("backup-"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn invalid_values_are_refused_naming_the_field() {
    let s = Server::start();
    let admin = s.admin();
    let cases = [
        (json!({"widget_color": "blue"}), "widget_color"),
        (json!({"allowed_origins": ["shop.example.com"]}), "allowed_origins"),
        (json!({"allowed_origins": ["https://shop.example/path"]}), "allowed_origins"),
        (json!({"offline_message": "   "}), "offline_message"),
        (json!({"online_message": ""}), "online_message"),
        (json!({"greeting": ""}), "greeting"),
        (json!({"email_saved_message": ""}), "email_saved_message"),
        (json!({"greeting_pt": "x".repeat(1001)}), "greeting_pt"),
        (json!({"timezone": "Mars/Olympus_Mons"}), "timezone"),
        (json!({"hours": [{"day": "mon", "start": "09:00", "end": "12:00"}, {"day": "mon", "start": "11:00", "end": "17:00"}]}), "hours"),
        (json!({"hours": [{"day": "mon", "start": "17:00", "end": "09:00"}]}), "hours"),
        (json!({"hours": [{"day": "funday", "start": "09:00", "end": "17:00"}]}), "hours"),
        (json!({"hours": [{"day": "mon", "start": "9am", "end": "17:00"}]}), "hours"),
        (json!({"hours_enabled": true, "hours": []}), "hours"),
        (json!({"hours_enabled": "yes"}), "hours_enabled"),
        (json!({"retention_days": -3}), "retention_days"),
        (json!({"widget_position": "top"}), "widget_position"),
        (json!({"language": "fr"}), "language"),
        (json!({"no_such_thing": 1}), "no_such_thing"),
    ];
    for (patch, field) in cases {
        let r = admin.patch_json("/api/settings", &patch);
        assert_eq!(r.status, 422, "{patch}: {}", r.text());
        let msg = r.json()["error"].as_str().unwrap().to_string();
        assert!(msg.starts_with(&format!("{field}: ")), "{patch} -> {msg}");
    }
    let r = admin.patch_json(
        "/api/settings",
        &json!({"hours": [{"day": "mon", "start": "09:00", "end": "12:00"}, {"day": "mon", "start": "11:00", "end": "17:00"}]}),
    );
    assert_eq!(r.json()["error"], "hours: Monday 11:00–17:00 overlaps 09:00–12:00");
    // Nothing was stored by the refused patches.
    assert_eq!(admin.get("/api/settings").json()["settings"]["widget_color"], "#2f6fec");
    // Invites and invitees are checked too.
    let r = admin.post_json("/api/invites", &json!({"email": "not-an-email"}));
    assert!(r.json()["error"].as_str().unwrap().starts_with("email: "));
    let r = admin.post_json("/api/invites", &json!({"email": "a@b.c", "role": "owner"}));
    assert!(r.json()["error"].as_str().unwrap().starts_with("role: "));
}

#[test]
fn messages_per_language_fall_back_to_english_and_reach_open_widgets() {
    let s = Server::start();
    let admin = s.admin();
    let sally = s.customer(Some("Sally"));
    let mut w = sally.ws();
    w.resume(None);
    let r = admin
        .patch_json("/api/settings", &json!({"offline_message": "Back at nine.", "offline_message_pt": "", "greeting_pt": "Olá, Sally!"}));
    assert_eq!(r.status, 200, "{}", r.text());
    let ev = w.recv_type("settings.updated");
    assert_eq!(ev["data"]["messages"]["en"]["offline_message"], "Back at nine.");
    assert_eq!(ev["data"]["messages"]["pt"]["offline_message"], "Back at nine.", "empty Portuguese falls back to English");
    assert_eq!(ev["data"]["messages"]["pt"]["greeting"], "Olá, Sally!");
    assert!(ev["data"].get("identity_secret").is_none());
    let public = s.client().get("/api/widget/settings").json()["helpdesk"].clone();
    assert_eq!(public["messages"], ev["data"]["messages"]);
}

#[test]
fn identity_secret_is_generated_shown_once_and_rotated() {
    let s = Server::start();
    let admin = s.admin();
    let info = admin.get("/api/admin/widget").json();
    assert_eq!(info["identity_secret_set"], false);
    assert!(info["snippet"].as_str().unwrap().contains(&format!("{}/widget.js", s.origin())));
    assert!(info["allowed_origins_warning"].is_string());
    let one = admin.post_json("/api/admin/identity-secret", &json!({})).json()["identity_secret"].as_str().unwrap().to_string();
    let two = admin.post_json("/api/admin/identity-secret", &json!({})).json()["identity_secret"].as_str().unwrap().to_string();
    assert!(one.len() >= 32 && one != two);
    assert_eq!(admin.get("/api/admin/widget").json()["identity_secret_set"], true);
    let audit = admin.get("/api/audit").json().to_string();
    assert!(audit.contains("identity_secret.rotate") && !audit.contains(&two), "rotations are logged without the value");
    assert_eq!(admin.delete("/api/admin/identity-secret").status, 200);
    assert_eq!(admin.get("/api/settings").json()["settings"]["identity_secret_set"], false);
}

#[test]
fn retention_deletes_old_closed_conversations_only() {
    let s = Server::start();
    let admin = s.admin();
    let a = app(&s);
    let old = s.customer(Some("Old"));
    let conv_old = old.say("an old question")["conversation_id"].as_i64().unwrap();
    let open = s.customer(Some("Open"));
    let conv_open = open.say("still open")["conversation_id"].as_i64().unwrap();
    assert_eq!(admin.post_json(&format!("/api/conversations/{conv_old}/status"), &json!({"status": "closed"})).status, 200);
    assert_eq!(admin.post_json("/api/admin/retention/run", &json!({})).status, 422, "off by default");
    assert_eq!(admin.patch_json("/api/settings", &json!({"retention_days": 30})).status, 200);
    assert_eq!(admin.post_json("/api/admin/retention/run", &json!({})).json()["deleted"], 0, "not old enough yet");
    a.clock.advance(31 * 24 * 3600 * 1000);
    // A month later the admin's session has expired (30 days at most): sign in again.
    assert_eq!(admin.get("/api/me").status, 401);
    let admin = s.login("ada@example.com", "correct horse battery");
    assert_eq!(admin.post_json("/api/admin/retention/run", &json!({})).json()["deleted"], 1);
    assert_eq!(admin.get(&format!("/api/conversations/{conv_old}")).status, 404);
    assert_eq!(admin.get(&format!("/api/conversations/{conv_open}")).status, 200);
    // Export: JSON with the remaining conversation and its messages.
    let r = admin.get("/api/admin/export");
    assert!(r.header("content-disposition").unwrap().contains("attachment"));
    let doc = r.json();
    let convs = doc["conversations"].as_array().unwrap();
    assert_eq!(convs.len(), 1);
    assert_eq!(convs[0]["messages"][0]["body"], "still open");
    assert_eq!(convs[0]["customer"]["name"], "Open");
}

#[test]
fn every_admin_change_is_in_the_audit_log_with_who_and_where() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.agent(&admin, "bob@example.com", "Bob", false);
    let bob_id = bob.id();
    admin.patch_json("/api/settings", &json!({"greeting": "Hello!"}));
    admin.patch_json(&format!("/api/users/{bob_id}"), &json!({"customer_support": true}));
    admin.post_json("/api/helpdesk/status", &json!({"online": false}));
    let inv = admin.post_json("/api/invites", &json!({"email": "z@example.com"})).json();
    admin.delete(&format!("/api/invites/{}", inv["invite"]["id"]));
    admin.post_json(&format!("/api/users/{bob_id}/deactivate"), &json!({}));
    admin.get("/api/admin/backup");
    let page = admin.get("/api/audit?limit=3").json();
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["action"], "data.backup");
    assert_eq!(entries[0]["user_name"], "Ada Admin");
    assert_eq!(entries[0]["ip"], "127.0.0.1");
    let more = admin.get(&format!("/api/audit?before={}", page["next_before"])).json();
    let mut actions: Vec<String> =
        entries.iter().chain(more["entries"].as_array().unwrap()).map(|e| e["action"].as_str().unwrap().to_string()).collect();
    actions.reverse();
    for want in [
        "user.create",
        "settings.update",
        "user.update",
        "helpdesk.status",
        "invite.create",
        "invite.revoke",
        "user.deactivate",
        "data.backup",
    ] {
        assert!(actions.contains(&want.to_string()), "{want} missing from {actions:?}");
    }
    let greeting = more["entries"].as_array().unwrap().iter().find(|e| e["action"] == "settings.update").unwrap().clone();
    assert_eq!(greeting["detail"]["changed"], json!(["greeting"]));
    assert_eq!(admin.get("/api/audit?before=abc").status, 400);
}
