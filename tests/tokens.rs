//! API tokens (issue 19): made, listed and revoked; shown once and stored hashed; `Bearer fdt_…` on
//! every /api route its scope allows, without CSRF; a read token never writes; scope never above the
//! maker's nor the user's current role; expiry, deactivation and revocation end it at once; failures
//! throttled like sign-in; writes audited with the token; desk tokens outlive their maker.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{Client, Resp, Server, parse_response, raw_request};
use frontdesk::api::{Auth, ROUTES};
use serde_json::{Value, json};

/// A request with only `Authorization: Bearer TOKEN`: no cookie, no Origin, no CSRF header.
fn with_token(s: &Server, token: &str, method: &str, path: &str, body: Option<&Value>) -> Resp {
    let mut h = vec![("Authorization".to_string(), format!("Bearer {token}"))];
    if body.is_some() {
        h.push(("Content-Type".into(), "application/json".into()));
    }
    raw_request(s.addr, method, path, &h, body.map(|b| b.to_string()).unwrap_or_default().as_bytes())
}

fn make(c: &Client, body: Value) -> Value {
    let r = c.post_json("/api/tokens", &body);
    assert_eq!(r.status, 201, "create token: {}", r.text());
    r.json()
}

fn token_of(v: &Value) -> String {
    v["token"].as_str().unwrap().to_string()
}

/// Bea, a second admin made by `ada`, signed in: her user id and her session.
fn second_admin(s: &Server, ada: &Client) -> (i64, Client) {
    let r =
        ada.post_json("/api/users", &json!({"email": "bea@example.com", "name": "Bea", "password": "agent password 1", "role": "admin"}));
    assert_eq!(r.status, 201, "create Bea: {}", r.text());
    (r.json()["user"]["id"].as_i64().unwrap(), s.login("bea@example.com", "agent password 1"))
}

fn now(s: &Server) -> i64 {
    s.running.as_ref().unwrap().app.clock.now_ms()
}

#[test]
fn a_token_is_shown_once_stored_hashed_listed_and_revoked() {
    let s = Server::start();
    let admin = s.admin();
    let created = make(&admin, json!({"name": "Shop backend", "scope": "write"}));
    let token = token_of(&created);
    assert!(token.starts_with("fdt_") && token.len() == 4 + 64, "{token}");
    assert_eq!(created["prefix"], &token[..12]);
    assert_eq!((created["scope"].as_str(), created["desk"].as_bool()), (Some("write"), Some(false)));

    let listed = admin.get("/api/tokens").json();
    assert_eq!(listed["tokens"].as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains(&token), "the list shows the token's value: {listed}");
    assert!(!listed.to_string().contains(&token[12..20]), "the list shows more than the prefix");
    assert_eq!(listed["tokens"][0]["name"], "Shop backend");

    // Used once: last use and address recorded.
    assert_eq!(with_token(&s, &token, "GET", "/api/me", None).status, 200);
    let t = &admin.get("/api/tokens").json()["tokens"][0];
    assert!(t["last_used_at"].as_i64().is_some() && t["last_used_ip"] == "127.0.0.1", "{t}");

    // In the database: only the SHA-256, and the value in no byte of the file or its WAL.
    let db = s.dir.0.join("frontdesk.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let hash: Vec<u8> = conn.query_row("SELECT token_hash FROM api_tokens", [], |r| r.get(0)).unwrap();
    assert_eq!(hash, frontdesk::auth::sha256(&token));
    for f in ["frontdesk.db", "frontdesk.db-wal"] {
        let bytes = std::fs::read(s.dir.0.join(f)).unwrap_or_default();
        assert!(!bytes.windows(token.len()).any(|w| w == token.as_bytes()), "{f} holds the token's value");
        assert!(!bytes.windows(20).any(|w| w == &token.as_bytes()[20..40]), "{f} holds part of the value");
    }

    let id = created["id"].as_i64().unwrap();
    let r = admin.delete(&format!("/api/tokens/{id}"));
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["token"]["revoked_at"].as_i64().is_some());
    let r = with_token(&s, &token, "GET", "/api/me", None);
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"], "This API token was revoked.");
    assert_eq!(admin.get("/api/tokens").json()["tokens"], json!([]));
    assert_eq!(admin.delete(&format!("/api/tokens/{id}")).status, 404, "revoked twice");
    let r = with_token(&s, "fdt_not-a-token", "GET", "/api/me", None);
    assert_eq!((r.status, r.json()["error"].as_str()), (401, Some("Invalid API token.")));
}

#[test]
fn a_token_needs_no_csrf_but_a_cookie_request_still_does() {
    let s = Server::start();
    let admin = s.admin();
    let sam = s.agent(&admin, "sam@example.com", "Sam Support", true);
    let token = token_of(&make(&admin, json!({"name": "CRM sync", "scope": "write"})));
    let body = json!({"user_ids": [sam.id()], "body": "Opened by our backend"});
    let r = with_token(&s, &token, "POST", "/api/conversations", Some(&body));
    assert_eq!(r.status, 201, "{}", r.text());
    let r = with_token(&s, &token, "GET", "/api/conversations", None);
    assert_eq!(r.status, 200, "{}", r.text());
    // The same session without its CSRF token, and with no Origin: refused as before.
    let mut no_csrf = admin.clone();
    no_csrf.csrf = Some("wrong".into());
    assert_eq!(no_csrf.post_json("/api/conversations", &body).status, 403);
    let h = vec![("Cookie".to_string(), admin.cookie.clone().unwrap()), ("Content-Type".to_string(), "application/json".to_string())];
    let r = raw_request(s.addr, "POST", "/api/conversations", &h, body.to_string().as_bytes());
    assert_eq!(r.status, 403, "a cookie without Origin: {}", r.text());
    // A visitor token and the token are told apart: a visitor's bearer on the agent API is no session.
    let visitor = s.customer(Some("Vi"));
    assert_eq!(with_token(&s, &visitor.token, "GET", "/api/me", None).status, 401);
    assert_eq!(with_token(&s, &token, "GET", "/api/widget/session", None).status, 401, "an API token is no visitor");
}

/// Every route that changes something, asked with an admin's read token: 403 saying why, and the
/// reads of the same routes' areas answered.
#[test]
fn a_read_token_cannot_write_anywhere() {
    let s = Server::start();
    let admin = s.admin();
    let token = token_of(&make(&admin, json!({"name": "Dashboard", "scope": "read"})));
    let mut checked = 0;
    let mut wrong = Vec::new();
    for route in ROUTES.iter().filter(|r| r.pattern.starts_with("/api/") && r.method != "GET") {
        if matches!(route.auth, Auth::Public | Auth::Visitor | Auth::Test) {
            continue;
        }
        let path = route.pattern.replace(":id", "1");
        let r = with_token(&s, &token, route.method, &path, Some(&json!({})));
        checked += 1;
        let said = r.json()["error"].as_str().unwrap_or("").to_string();
        if r.status != 403 || !said.contains("read scope") {
            wrong.push(format!("{} {}: {} {said}", route.method, route.pattern, r.status));
        }
    }
    assert!(checked > 40, "only {checked} routes checked");
    assert!(wrong.is_empty(), "a read token was not refused:\n{}", wrong.join("\n"));
    assert_eq!(with_token(&s, &token, "GET", "/api/conversations", None).status, 200);
    assert_eq!(with_token(&s, &token, "HEAD", "/api/me", None).status, 200);
    // An admin's read token is no admin: admin pages' data stays closed.
    assert_eq!(with_token(&s, &token, "GET", "/api/users", None).status, 403);
}

#[test]
fn nobody_makes_a_token_above_their_own_rights() {
    let s = Server::start();
    let admin = s.admin();
    let sam = s.agent(&admin, "sam@example.com", "Sam Support", true);
    for body in [json!({"name": "Mine", "scope": "admin"}), json!({"name": "Desk", "scope": "write", "desk": true})] {
        let r = sam.post_json("/api/tokens", &body);
        assert_eq!(r.status, 403, "{body}: {}", r.text());
        assert!(r.json()["error"].as_str().unwrap().starts_with("Only admins"), "{}", r.text());
    }
    let token = token_of(&make(&sam, json!({"name": "Mine", "scope": "write"})));
    // An agent's write token reaches no admin route, and cannot make another token.
    assert_eq!(with_token(&s, &token, "GET", "/api/users", None).status, 403);
    let r = with_token(&s, &token, "POST", "/api/tokens", Some(&json!({"name": "More", "scope": "write"})));
    assert_eq!(r.status, 403, "a token made a token: {}", r.text());
    // Agents see their own tokens only; ?all=1 is for admins.
    make(&admin, json!({"name": "Admin's", "scope": "admin"}));
    let mine = sam.get("/api/tokens").json();
    assert_eq!(mine["tokens"].as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(sam.get("/api/tokens?all=1").status, 403);
    assert_eq!(admin.get("/api/tokens?all=1").json()["tokens"].as_array().unwrap().len(), 2);
    // An agent cannot revoke an admin's token; an admin can revoke the agent's.
    let admins = admin.get("/api/tokens").json()["tokens"][0]["id"].as_i64().unwrap();
    assert_eq!(sam.delete(&format!("/api/tokens/{admins}")).status, 404);
    let sams = mine["tokens"][0]["id"].as_i64().unwrap();
    assert_eq!(admin.delete(&format!("/api/tokens/{sams}")).status, 200);
    assert_eq!(with_token(&s, &token, "GET", "/api/me", None).status, 401);
}

#[test]
fn a_demoted_admins_admin_token_can_no_longer_reach_admin_routes() {
    let s = Server::start();
    let ada = s.admin();
    let (bea_id, bea) = second_admin(&s, &ada);
    let token = token_of(&make(&bea, json!({"name": "Bea's admin", "scope": "admin"})));
    assert_eq!(with_token(&s, &token, "GET", "/api/users", None).status, 200);
    assert_eq!(ada.patch_json(&format!("/api/users/{bea_id}"), &json!({"role": "agent"})).status, 200);
    assert_eq!(with_token(&s, &token, "GET", "/api/users", None).status, 403);
    assert_eq!(with_token(&s, &token, "GET", "/api/conversations", None).status, 200, "still a write token");
}

#[test]
fn an_expired_token_is_refused() {
    let s = Server::start();
    let admin = s.admin();
    let expires = now(&s) + 3600 * 1000;
    let token = token_of(&make(&admin, json!({"name": "For an hour", "scope": "read", "expires_at": expires})));
    assert_eq!(with_token(&s, &token, "GET", "/api/me", None).status, 200);
    s.running.as_ref().unwrap().app.clock.advance(3600 * 1000);
    let r = with_token(&s, &token, "GET", "/api/me", None);
    assert_eq!((r.status, r.json()["error"].as_str()), (401, Some("This API token has expired.")));
    let r = admin.post_json("/api/tokens", &json!({"name": "Past", "scope": "read", "expires_at": 1000}));
    assert_eq!(r.status, 422, "{}", r.text());
}

/// One keep-alive connection, as an integration's HTTP client keeps it.
struct Conn(TcpStream);

impl Conn {
    fn get(&mut self, path: &str, token: &str) -> Resp {
        write!(self.0, "GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n").unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(r) = parse_response(&buf) {
                let len: usize = r.header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
                if r.body.len() >= len {
                    return r;
                }
            }
            let n = self.0.read(&mut chunk).unwrap();
            assert!(n > 0, "connection closed");
            buf.extend_from_slice(&chunk[..n]);
        }
    }
}

#[test]
fn deactivating_a_user_ends_their_token_at_once_even_on_an_open_connection() {
    let s = Server::start();
    let admin = s.admin();
    let sam = s.agent(&admin, "sam@example.com", "Sam Support", true);
    let sam_id = sam.id();
    let token = token_of(&make(&sam, json!({"name": "Sam's script", "scope": "write"})));
    let stream = TcpStream::connect(s.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut conn = Conn(stream);
    for _ in 0..3 {
        assert_eq!(conn.get("/api/conversations", &token).status, 200);
    }
    assert_eq!(admin.post_json(&format!("/api/users/{sam_id}/deactivate"), &json!({})).status, 200);
    let r = conn.get("/api/conversations", &token);
    assert_eq!(r.status, 401, "the next request on the same connection: {}", r.text());
    // Revoked in the deactivation's own transaction, not only refused.
    let conn = rusqlite::Connection::open(s.dir.0.join("frontdesk.db")).unwrap();
    let revoked: Option<i64> = conn.query_row("SELECT revoked_at FROM api_tokens", [], |r| r.get(0)).unwrap();
    assert!(revoked.is_some(), "the token row is not revoked");
    let audit = admin.get("/api/audit").json();
    let entry = audit["entries"].as_array().unwrap().iter().find(|e| e["action"] == "user.deactivate").unwrap().clone();
    assert_eq!(entry["detail"]["tokens_revoked"], 1, "{entry}");
}

#[test]
fn failed_tokens_are_throttled_per_address_like_sign_in() {
    let s = Server::start();
    let admin = s.admin();
    let good = token_of(&make(&admin, json!({"name": "Good", "scope": "read"})));
    for i in 0..5 {
        let r = with_token(&s, &format!("fdt_guess{i}"), "GET", "/api/me", None);
        assert_eq!(r.status, 401, "guess {i}");
    }
    let r = with_token(&s, "fdt_guess5", "GET", "/api/me", None);
    assert_eq!(r.status, 429, "{}", r.text());
    assert!(r.header("retry-after").and_then(|v| v.parse::<u64>().ok()).is_some_and(|n| n > 0));
    assert!(r.json()["error"].as_str().unwrap().contains("failed API token attempts"));
    // From that address even a good token waits, as a right password does after guessing.
    assert_eq!(with_token(&s, &good, "GET", "/api/me", None).status, 429);
    // Sessions are not caught by it.
    assert_eq!(admin.get("/api/me").status, 200);
}

#[test]
fn writes_made_with_a_token_are_audited_with_the_token_never_its_value() {
    let s = Server::start();
    let admin = s.admin();
    let created = make(&admin, json!({"name": "Label bot", "scope": "admin"}));
    let (token, id) = (token_of(&created), created["id"].as_i64().unwrap());
    let r = with_token(&s, &token, "POST", "/api/labels", Some(&json!({"name": "Urgent", "color": "#d92d20"})));
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(with_token(&s, &token, "GET", "/api/labels", None).status, 200);
    assert_eq!(admin.delete(&format!("/api/tokens/{id}")).status, 200);
    let audit = admin.get("/api/audit").json();
    assert!(!audit.to_string().contains(&token), "the audit log holds the token's value");
    let entries = audit["entries"].as_array().unwrap();
    let by_token: Vec<&Value> = entries.iter().filter(|e| e["action"] == "token.write").collect();
    assert_eq!(by_token.len(), 1, "one write, one row (reads are not audited): {audit}");
    let e = by_token[0];
    assert_eq!(e["detail"]["via"], format!("token:{id}"));
    assert_eq!((e["target"].as_str(), e["detail"]["status"].as_i64()), (Some("POST /api/labels"), Some(201)));
    assert_eq!(e["user_id"], admin.id());
    for (action, target) in [("token.create", format!("token:{id}")), ("token.revoke", format!("token:{id}"))] {
        assert!(entries.iter().any(|e| e["action"] == action && e["target"] == target.as_str()), "no {action}: {audit}");
    }
}

#[test]
fn a_desk_token_outlives_its_maker_and_its_replies_carry_its_name() {
    let s = Server::start();
    let ada = s.admin();
    let (bea_id, bea) = second_admin(&s, &ada);
    let created = make(&bea, json!({"name": "Shop backend", "scope": "admin", "desk": true}));
    assert_eq!(created["desk"], true);
    let token = token_of(&created);
    // Admins see desk tokens in their list; Bea's own list has it as well.
    assert_eq!(ada.get("/api/tokens").json()["tokens"][0]["name"], "Shop backend");

    assert_eq!(ada.post_json(&format!("/api/users/{bea_id}/deactivate"), &json!({})).status, 200);
    let sally = s.customer(Some("Sally"));
    let conv = sally.say("Where is my parcel?")["conversation_id"].as_i64().unwrap();
    let r = with_token(&s, &token, "POST", &format!("/api/conversations/{conv}/messages"), Some(&json!({"body": "It left today."})));
    assert_eq!(r.status, 201, "the desk token after its maker's deactivation: {}", r.text());
    let reply = sally.history().into_iter().find(|m| m["body"] == "It left today.").expect("the customer sees the reply");
    assert_eq!(reply["author"]["name"], "Shop backend", "{reply}");
    assert_eq!(with_token(&s, &token, "GET", "/api/users", None).status, 200, "admin scope");

    // Its identity is no teammate: not on the team, not assignable, cannot sign in.
    let bot = created["user_id"].as_i64().unwrap();
    let team = ada.get("/api/team").json().to_string();
    assert!(!team.contains("Shop backend"), "{team}");
    assert!(!ada.get("/api/users").json().to_string().contains("Shop backend"));
    let r = ada.post_json(&format!("/api/conversations/{conv}/assignee"), &json!({"user_id": bot}));
    assert!(r.status >= 400, "a desk token took a chat: {}", r.text());
    assert_eq!(ada.post_json(&format!("/api/users/{bot}/deactivate"), &json!({})).status, 404);
    assert_eq!(ada.post_json(&format!("/api/users/{bot}/password-reset"), &json!({})).status, 404);
}
