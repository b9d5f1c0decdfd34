//! A socket belongs to its session: signing out, a password change, expiry, deactivation and a
//! change of permissions close the agent sockets of that session within a second, with a
//! documented close code (docs/protocol.md), and no frame is handled once the session is gone.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

const SESSION_ENDED: u16 = 4001;
const PERMISSIONS_CHANGED: u16 = 4002;

fn app(s: &Server) -> &frontdesk::app::App {
    &s.running.as_ref().unwrap().app
}

/// Open a live agent socket for `c`.
fn live(c: &Client) -> Ws {
    let mut ws = c.ws();
    ws.resume(None);
    ws
}

/// The socket is closed with `code` within `secs` seconds (and how long it took).
fn closes_with(ws: &mut Ws, code: u16, secs: u64) -> Duration {
    let t = Instant::now();
    assert_eq!(ws.close_code_within(Duration::from_secs(secs)), Some(code), "expected close {code}");
    t.elapsed()
}

#[test]
fn signing_out_closes_the_sockets_of_that_session_only() {
    let s = Server::start();
    let admin = s.admin();
    let other_tab_session = s.login("ada@example.com", "correct horse battery");
    let mut ws = live(&admin);
    let mut other = live(&other_tab_session);
    let visitor = s.customer(Some("Sally"));

    assert_eq!(admin.post_json("/api/logout", &json!({})).status, 200);
    let took = closes_with(&mut ws, SESSION_ENDED, 2);
    assert!(took < Duration::from_secs(1), "closed at once, took {took:?}");
    assert_eq!(admin.get("/api/me").status, 401);

    // The other session is untouched and still receives the customer's messages.
    visitor.say("hello after the logout");
    let got = other.recv_until(|v| v["type"] == "message.created");
    assert_eq!(got.last().unwrap()["data"]["message"]["body"], "hello after the logout");
}

#[test]
fn a_password_reset_by_an_admin_ends_the_agents_sockets_and_their_sends() {
    let s = Server::start();
    let admin = s.admin();
    let agent = s.agent(&admin, "sam@example.com", "Sam", true);
    let sam_id = agent.id();
    let visitor = s.customer(Some("Sally"));
    let conv = visitor.say("help")["conversation_id"].as_i64().unwrap();
    let mut ws = live(&agent);

    let r = admin.patch_json(&format!("/api/users/{sam_id}"), &json!({"password": "a brand new password"}));
    assert_eq!(r.status, 200, "{}", r.text());
    closes_with(&mut ws, SESSION_ENDED, 2);
    assert_eq!(agent.get("/api/me").status, 401);

    // A send racing the reset on a fresh socket with the old cookie cannot even open it.
    let mut headers = vec![("Origin".to_string(), agent.origin.clone())];
    headers.push(("Cookie".into(), agent.cookie.clone().unwrap()));
    assert!(Ws::connect(s.addr, "/ws/agent", &headers).is_err(), "the old session cannot open a socket");
    let msgs = admin.get(&format!("/api/conversations/{conv}/messages")).json()["messages"].to_string();
    assert!(!msgs.contains("from a stolen session"));

    // And the admin's own sockets are not touched by someone else's reset.
    let mut admin_ws = live(&admin);
    visitor.say("still there?");
    admin_ws.recv_until(|v| v["type"] == "message.created");
}

#[test]
fn a_frame_on_a_socket_whose_session_was_deleted_is_not_handled() {
    // The session row disappears without the hub being told (e.g. removed by another process):
    // the next frame finds it gone, is refused, and the socket is closed.
    let s = Server::start();
    let admin = s.admin();
    let visitor = s.customer(Some("Sally"));
    let conv = visitor.say("help")["conversation_id"].as_i64().unwrap();
    let mut ws = live(&admin);
    app(&s).db.write(|w| Ok(w.conn.execute("DELETE FROM sessions", [])?)).unwrap();
    ws.send(&json!({"type": "send", "conversation_id": conv, "body": "should not be stored", "client_msg_id": "x1"}));
    closes_with(&mut ws, SESSION_ENDED, 2);
    let admin2 = s.login("ada@example.com", "correct horse battery");
    let msgs = admin2.get(&format!("/api/conversations/{conv}/messages")).json()["messages"].to_string();
    assert!(!msgs.contains("should not be stored"), "no frame is handled once the session is gone");
}

#[test]
fn changing_your_own_password_keeps_this_session_and_ends_the_others() {
    let s = Server::start();
    let admin = s.admin();
    let agent = s.agent(&admin, "sam@example.com", "Sam", true);
    let laptop = agent.clone();
    let phone = s.login("sam@example.com", "agent password 1");
    let mut laptop_ws = live(&laptop);
    let mut phone_ws = live(&phone);

    let wrong = laptop.post_json("/api/me/password", &json!({"current_password": "not it", "new_password": "a brand new password"}));
    assert_eq!(wrong.status, 403, "{}", wrong.text());
    let short = laptop.post_json("/api/me/password", &json!({"current_password": "agent password 1", "new_password": "short"}));
    assert_eq!(short.status, 422);

    let r = laptop.post_json("/api/me/password", &json!({"current_password": "agent password 1", "new_password": "a brand new password"}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["other_sessions_ended"], 1);
    closes_with(&mut phone_ws, SESSION_ENDED, 2);
    assert_eq!(phone.get("/api/me").status, 401);
    assert_eq!(laptop.get("/api/me").status, 200, "the session that changed it stays signed in");
    laptop_ws.send(&json!({"type": "ping"}));
    assert_eq!(laptop_ws.recv_type("pong")["type"], "pong");
    s.login("sam@example.com", "a brand new password");
}

#[test]
fn an_admin_changing_their_own_password_through_the_team_api_keeps_their_session() {
    let s = Server::start();
    let admin = s.admin();
    let id = admin.id();
    let other = s.login("ada@example.com", "correct horse battery");
    let mut mine = live(&admin);
    let mut theirs = live(&other);
    assert_eq!(admin.patch_json(&format!("/api/users/{id}"), &json!({"password": "a brand new password"})).status, 200);
    closes_with(&mut theirs, SESSION_ENDED, 2);
    assert!(mine.silent_for(Duration::from_millis(300)), "this session's socket stays open");
    assert_eq!(admin.get("/api/me").status, 200);
}

#[test]
fn expired_sessions_close_their_sockets_within_a_second() {
    let s = Server::start();
    let admin = s.admin();
    let agent = s.agent(&admin, "sam@example.com", "Sam", true);
    let mut ws = live(&agent);
    // Idle for eight days (the idle limit is seven): the maintenance sweep notices within a second.
    app(&s).clock.advance(8 * 24 * 3600 * 1000);
    let took = closes_with(&mut ws, SESSION_ENDED, 3);
    assert!(took < Duration::from_millis(2500), "took {took:?}");
    assert_eq!(agent.get("/api/me").status, 401);

    // Absolute expiry: a session used every day still ends after 30 days.
    let s = Server::start();
    let admin = s.admin();
    let mut ws = live(&admin);
    for _ in 0..31 {
        app(&s).clock.advance(24 * 3600 * 1000);
        if admin.get("/api/me").status != 200 {
            break;
        }
    }
    assert_eq!(admin.get("/api/me").status, 401);
    closes_with(&mut ws, SESSION_ENDED, 3);
}

#[test]
fn deactivation_and_permission_changes_close_sockets_with_their_own_codes() {
    let s = Server::start();
    let admin = s.admin();
    let agent = s.agent(&admin, "sam@example.com", "Sam", true);
    let sam = agent.id();
    let visitor = s.customer(Some("Sally"));

    // Customer support taken away: reconnect (4002), and the new socket no longer sees live chats.
    let mut ws = live(&agent);
    assert_eq!(admin.patch_json(&format!("/api/users/{sam}"), &json!({"customer_support": false})).status, 200);
    closes_with(&mut ws, PERMISSIONS_CHANGED, 2);
    let mut ws = live(&agent);
    visitor.say("can anyone see this?");
    assert!(ws.silent_for(Duration::from_millis(500)), "no live chat reaches an agent without customer support");

    // A role change closes too.
    assert_eq!(admin.patch_json(&format!("/api/users/{sam}"), &json!({"role": "admin"})).status, 200);
    closes_with(&mut ws, PERMISSIONS_CHANGED, 2);
    let mut ws = live(&agent);

    // Deactivation ends the session for good.
    assert_eq!(admin.patch_json(&format!("/api/users/{sam}"), &json!({"role": "agent"})).status, 200);
    closes_with(&mut ws, PERMISSIONS_CHANGED, 2);
    let mut ws = live(&agent);
    assert_eq!(admin.post_json(&format!("/api/users/{sam}/deactivate"), &json!({})).status, 200);
    closes_with(&mut ws, SESSION_ENDED, 2);
    assert_eq!(agent.get("/api/me").status, 401);
}
