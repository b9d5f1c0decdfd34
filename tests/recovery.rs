//! Password recovery (issue 14): one-time reset links made by an admin on the Team page or on the
//! command line; `/reset/TOKEN` sets a new password, ends every session of that person and closes
//! their sockets. All through real HTTP, WebSockets and the real binary.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use serde_json::{Value, json};

const DAY_MS: i64 = 24 * 3600 * 1000;

fn app(s: &Server) -> &frontdesk::app::App {
    &s.running.as_ref().unwrap().app
}

fn token_of(url: &str) -> String {
    url.rsplit('/').next().unwrap().to_string()
}

/// The admin makes a reset link for `user_id`; its token.
fn make_link(admin: &Client, user_id: i64) -> String {
    let r = admin.post_json(&format!("/api/users/{user_id}/password-reset"), &json!({}));
    assert_eq!(r.status, 201, "{}", r.text());
    token_of(r.json()["url"].as_str().unwrap())
}

/// What a browser without a session sends from the reset page.
fn use_link(s: &Server, token: &str, password: &str) -> Resp {
    s.client().post_json(&format!("/api/reset/{token}"), &json!({"password": password}))
}

fn sign_in_status(s: &Server, email: &str, password: &str) -> u16 {
    s.client().post_json("/api/login", &json!({"email": email, "password": password})).status
}

#[test]
fn a_reset_link_shows_whose_it_is_works_once_and_signs_the_person_in() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.agent(&admin, "bob@example.com", "Bob Baker", true);
    let bob_id = bob.id();
    let r = admin.post_json(&format!("/api/users/{bob_id}/password-reset"), &json!({}));
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    let url = v["url"].as_str().unwrap();
    let token = token_of(url);
    assert!(url.starts_with(&format!("{}/reset/", s.origin())) && token.len() == 32, "{url}");
    assert_eq!((v["user"]["name"].as_str(), v["user"]["email"].as_str()), (Some("Bob Baker"), Some("bob@example.com")));
    let created = app(&s).clock.now_ms();
    let expires = v["expires_at"].as_i64().unwrap();
    assert!((expires - created - DAY_MS).abs() < 60_000, "valid for 24 hours: {expires} vs {created}");

    // The page is public; its API says whose account it is.
    assert_eq!(s.client().get(&format!("/reset/{token}")).status, 200);
    let shown = s.client().get(&format!("/api/reset/{token}"));
    assert_eq!(shown.status, 200, "{}", shown.text());
    let shown = shown.json();
    assert_eq!(
        (shown["name"].as_str(), shown["email"].as_str(), shown["helpdesk_name"].as_str()),
        (Some("Bob Baker"), Some("bob@example.com"), Some("Acme"))
    );
    assert_eq!(shown["expires_at"], v["expires_at"]);

    // The same password rules as everywhere; a refused password leaves the link usable.
    let r = use_link(&s, &token, "short");
    assert_eq!((r.status, r.json()["error"].as_str().unwrap().starts_with("password:")), (422, true), "{}", r.text());
    // Without the page's header (a cross-site form), refused.
    let r = raw_request(
        s.addr,
        "POST",
        &format!("/api/reset/{token}"),
        &[("Origin".into(), s.origin()), ("Content-Type".into(), "application/json".into())],
        json!({"password": "a brand new password"}).to_string().as_bytes(),
    );
    assert_eq!(r.status, 403, "{}", r.text());

    let r = use_link(&s, &token, "a brand new password");
    assert_eq!(r.status, 200, "{}", r.text());
    let mut browser = s.client();
    browser.take_cookie(&r);
    browser.load_csrf();
    assert_eq!(browser.id(), bob_id, "the link's browser is signed in as Bob");
    assert_eq!(sign_in_status(&s, "bob@example.com", "agent password 1"), 401, "the old password is refused");
    assert_eq!(sign_in_status(&s, "bob@example.com", "a brand new password"), 200);

    // Single use: the page and the form both say so.
    assert_eq!(s.client().get(&format!("/api/reset/{token}")).status, 410);
    let r = use_link(&s, &token, "another new password");
    assert_eq!(r.status, 410);
    assert_eq!(r.json()["error"], "This link was already used or has expired; ask an admin for a new one.");
    assert_eq!(sign_in_status(&s, "bob@example.com", "another new password"), 401);
    // Unknown and malformed tokens: 404.
    assert_eq!(s.client().get(&format!("/api/reset/{}", "0".repeat(32))).status, 404);
    assert_eq!(s.client().get("/api/reset/not-a-token").status, 404);
    assert_eq!(use_link(&s, &"f".repeat(32), "a brand new password").status, 404);
}

#[test]
fn a_reset_link_expires_after_24_hours() {
    let s = Server::start();
    let admin = s.admin();
    let a = app(&s);
    a.clock.set_fixed(1_750_000_000_000);
    let bob = s.agent(&admin, "bob@example.com", "Bob", false);
    let token = make_link(&admin, bob.id());
    a.clock.advance(DAY_MS - 1000);
    assert_eq!(s.client().get(&format!("/api/reset/{token}")).status, 200);
    a.clock.advance(1000);
    assert_eq!(s.client().get(&format!("/api/reset/{token}")).status, 410);
    assert_eq!(use_link(&s, &token, "a brand new password").status, 410);
    assert_eq!(sign_in_status(&s, "bob@example.com", "agent password 1"), 200, "the password is unchanged");
}

#[test]
fn a_newer_link_a_deactivation_or_a_password_change_cancels_a_link() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.agent(&admin, "bob@example.com", "Bob", false);
    let id = bob.id();

    let first = make_link(&admin, id);
    let second = make_link(&admin, id);
    assert_eq!(s.client().get(&format!("/api/reset/{first}")).status, 410, "a newer link cancels the older one");
    assert_eq!(use_link(&s, &first, "a brand new password").status, 410);
    assert_eq!(s.client().get(&format!("/api/reset/{second}")).status, 200);

    assert_eq!(admin.post_json(&format!("/api/users/{id}/deactivate"), &json!({})).status, 200);
    assert_eq!(s.client().get(&format!("/api/reset/{second}")).status, 410, "deactivation cancels it");
    let r = admin.post_json(&format!("/api/users/{id}/password-reset"), &json!({}));
    assert_eq!(r.status, 409, "no links for a deactivated account: {}", r.text());
    // Reactivated, the old link stays dead.
    assert_eq!(admin.patch_json(&format!("/api/users/{id}"), &json!({"active": true})).status, 200);
    assert_eq!(use_link(&s, &second, "a brand new password").status, 410);
    assert_eq!(sign_in_status(&s, "bob@example.com", "agent password 1"), 200);

    // A password set meanwhile (by an admin, or by Bob himself) cancels an open link too.
    let third = make_link(&admin, id);
    assert_eq!(admin.patch_json(&format!("/api/users/{id}"), &json!({"password": "set by the admin"})).status, 200);
    assert_eq!(s.client().get(&format!("/api/reset/{third}")).status, 410);
    let fourth = make_link(&admin, id);
    let bob = s.login("bob@example.com", "set by the admin");
    let r = bob.post_json("/api/me/password", &json!({"current_password": "set by the admin", "new_password": "bob's own choice"}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(s.client().get(&format!("/api/reset/{fourth}")).status, 410);

    assert_eq!(admin.post_json("/api/users/999/password-reset", &json!({})).status, 404);
}

#[test]
fn using_a_link_ends_every_session_of_the_user_and_closes_their_sockets() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.agent(&admin, "bob@example.com", "Bob", true);
    let bob_phone = s.login("bob@example.com", "agent password 1");
    let sam = s.agent(&admin, "sam@example.com", "Sam", true);
    let (mut bob_ws, mut phone_ws, mut sam_ws, mut admin_ws) = (bob.ws(), bob_phone.ws(), sam.ws(), admin.ws());
    for ws in [&mut bob_ws, &mut phone_ws, &mut sam_ws, &mut admin_ws] {
        ws.resume(None);
    }
    let token = make_link(&admin, bob.id());
    let r = use_link(&s, &token, "a brand new password");
    assert_eq!(r.status, 200, "{}", r.text());

    assert_eq!(bob.get("/api/me").status, 401, "Bob's desktop session ended");
    assert_eq!(bob_phone.get("/api/me").status, 401, "Bob's phone session ended");
    assert_eq!(bob_ws.close_code_within(Duration::from_secs(5)), Some(4001));
    assert_eq!(phone_ws.close_code_within(Duration::from_secs(5)), Some(4001));
    // Nobody else's.
    assert_eq!(admin.get("/api/me").status, 200);
    assert_eq!(sam.get("/api/me").status, 200);
    for ws in [&mut sam_ws, &mut admin_ws] {
        ws.send(&json!({"type": "ping"}));
        assert_eq!(ws.recv_type("pong")["type"], "pong");
    }
}

#[test]
fn only_admins_make_reset_links() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.agent(&admin, "bob@example.com", "Bob", true);
    let sam = s.agent(&admin, "sam@example.com", "Sam", false);
    let path = format!("/api/users/{}/password-reset", sam.id());
    assert_eq!(bob.post_json(&path, &json!({})).status, 403, "a support agent");
    assert_eq!(sam.post_json(&path, &json!({})).status, 403, "the agent themself");
    assert_eq!(s.client().post_json(&path, &json!({})).status, 401, "signed out");
    let mut no_csrf = admin.clone();
    no_csrf.csrf = None;
    assert_eq!(no_csrf.post_json(&path, &json!({})).status, 403, "an admin's cookie without the CSRF token");
    let audit = admin.get("/api/audit").json();
    assert!(!audit.to_string().contains("password_reset"), "nothing was made: {audit}");
}

#[test]
fn the_token_is_stored_hashed_and_kept_out_of_the_audit_log() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.agent(&admin, "bob@example.com", "Bob", false);
    let bob_id = bob.id();
    let token = make_link(&admin, bob_id);
    assert_eq!(use_link(&s, &token, "a brand new password").status, 200);

    let db = rusqlite::Connection::open(s.dir.0.join("frontdesk.db")).unwrap();
    let (user, hash): (i64, Vec<u8>) =
        db.query_row("SELECT user_id, token_hash FROM password_resets", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!((user, hash), (bob_id, frontdesk::passwords::sha256(&token)));
    // Not in any file of the data directory (the database, its WAL), in hex or raw bytes.
    for entry in std::fs::read_dir(&s.dir.0).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        assert!(!bytes.windows(32).any(|w| w == token.as_bytes()), "{} holds the token", path.display());
        let raw: Vec<u8> = (0..16).map(|i| u8::from_str_radix(&token[2 * i..2 * i + 2], 16).unwrap()).collect();
        assert!(!bytes.windows(16).any(|w| w == raw.as_slice()), "{} holds the token's bytes", path.display());
    }

    let entries = admin.get("/api/audit").json()["entries"].as_array().unwrap().clone();
    let find = |action: &str| -> Value {
        entries.iter().find(|e| e["action"] == action).unwrap_or_else(|| panic!("no {action} in {entries:?}")).clone()
    };
    let (made, used) = (find("password_reset.create"), find("password_reset.use"));
    assert_eq!((made["user_id"].as_i64(), made["target"].as_str()), (Some(admin.id()), Some(format!("user:{bob_id}").as_str())));
    assert_eq!((used["user_id"].as_i64(), used["target"].as_str()), (Some(bob_id), Some(format!("user:{bob_id}").as_str())));
    assert_eq!(used["detail"]["sessions_ended"], 1);
    assert!(!serde_json::to_string(&entries).unwrap().contains(&token), "the audit log holds the token");
}

#[test]
fn unknown_links_are_throttled_like_sign_ins_but_a_used_link_is_not() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.agent(&admin, "bob@example.com", "Bob", false).id();
    let token = make_link(&admin, bob);
    assert_eq!(use_link(&s, &token, "a brand new password").status, 200);
    // Someone opening a used link again and again is not guessing.
    for _ in 0..8 {
        assert_eq!(s.client().get(&format!("/api/reset/{token}")).status, 410);
    }
    let fresh = make_link(&admin, bob);
    for i in 0..5 {
        assert_eq!(s.client().get(&format!("/api/reset/{}", frontdesk::passwords::random_token())).status, 404, "guess {i}");
    }
    let r = s.client().get(&format!("/api/reset/{}", frontdesk::passwords::random_token()));
    assert_eq!(r.status, 429, "{}", r.text());
    assert!(r.header("retry-after").and_then(|v| v.parse::<u64>().ok()).is_some_and(|n| n > 0));
    assert!(r.json()["error"].as_str().unwrap().contains("unknown password reset links"), "{}", r.text());
    // While throttled, this address gets nothing, not even a real link.
    assert_eq!(use_link(&s, &fresh, "a third password here").status, 429);
    assert_eq!(sign_in_status(&s, "bob@example.com", "a brand new password"), 200, "sign-in of an account is not held back");
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin())
        .args(args)
        .env("FRONTDESK_ARGON2_M_KIB", "256")
        .env("FRONTDESK_ARGON2_T", "1")
        .env_remove("FRONTDESK_PUBLIC_URL")
        .env_remove("FRONTDESK_DATA")
        .env_remove("FRONTDESK_ADDR")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

/// The `/reset/TOKEN` in a command's output.
fn printed_token(out: &str) -> String {
    let at = out.find("/reset/").unwrap_or_else(|| panic!("no link in: {out}"));
    let token: String = out[at + 7..].chars().take_while(char::is_ascii_hexdigit).collect();
    assert_eq!(token.len(), 32, "{out}");
    token
}

#[test]
fn the_command_line_prints_a_working_link_while_the_server_runs() {
    let data = TempDir::new();
    let dir = data.0.to_str().unwrap();
    let server = Proc::serve(&data.0, &[]);
    let s = server.server();
    let admin = s.admin();

    // Without a public URL: the path, and where to open it.
    let (code, out, err) = run(&["admin", "reset-password", "--email", "ADA@example.com", "--data", dir]);
    assert_eq!(code, 0, "{out}{err}");
    let first = printed_token(&out);
    assert!(out.contains("Ada Admin <ada@example.com>") && out.contains("No public URL is set"), "{out}");
    assert!(out.contains(&format!("http://127.0.0.1:8080/reset/{first}")), "{out}");
    // With one: the whole link. It cancels the first.
    let (code, out, err) =
        run(&["admin", "reset-password", "--email", "ada@example.com", "--data", dir, "--public-url", "https://chat.example.com"]);
    assert_eq!(code, 0, "{out}{err}");
    let second = printed_token(&out);
    assert!(out.contains(&format!("    https://chat.example.com/reset/{second}\n")), "{out}");
    assert!(!out.contains("No public URL"), "{out}");

    assert_eq!(s.client().get(&format!("/api/reset/{first}")).status, 410);
    let mut admin_ws = admin.ws();
    admin_ws.resume(None);
    let r = use_link(&s, &second, "the admin's new password");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(admin.get("/api/me").status, 401, "the admin's old session ended");
    assert_eq!(admin_ws.close_code_within(Duration::from_secs(5)), Some(4001));
    assert_eq!(sign_in_status(&s, "ada@example.com", "correct horse battery"), 401);
    let ada = s.login("ada@example.com", "the admin's new password");
    let entries = ada.get("/api/audit").json()["entries"].as_array().unwrap().clone();
    let made = entries.iter().find(|e| e["action"] == "password_reset.create").unwrap();
    assert_eq!(
        (made["user_id"].clone(), made["ip"].clone(), made["detail"]["via"].clone()),
        (Value::Null, json!("command line"), json!("command line"))
    );

    // Refusals: exit 1 with one line saying why; usage errors exit 2.
    let (code, out, err) = run(&["admin", "reset-password", "--email", "nobody@example.com", "--data", dir]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(err.contains("no account with the email nobody@example.com"), "{err}");
    let empty = TempDir::new();
    let (code, _, err) = run(&["admin", "reset-password", "--email", "ada@example.com", "--data", empty.0.join("none").to_str().unwrap()]);
    assert!(code == 1 && err.contains("no Frontdesk database"), "{code} {err}");
    assert_eq!(run(&["admin", "reset-password", "--data", dir]).0, 2);
    let (code, out, _) = run(&["admin", "reset-password", "--help"]);
    assert!(code == 0 && out.contains("one-time password reset link") && !out.contains("OPTIONS (each"), "{out}");
    assert!(run(&["--help"]).1.contains("admin reset-password"));
}
