//! Who sees a conversation ([S3]): an agent without customer support gets nothing of live chats,
//! over HTTP, live or on resume, and a visitor token reads only its own customer's conversation.

mod common;

use common::desk::desk;
use common::*;
use serde_json::json;

#[test]
fn agent_without_customer_support_gets_nothing_from_customers() {
    let (s, admin, _sam, sally, conv) = desk();
    let nina = s.agent(&admin, "nina@example.com", "Nina NoSupport", false);
    let r = nina.get("/api/conversations?section=customers");
    assert_eq!(r.status, 403);
    assert!(nina.list("mine", "open")["counts"].get("customers").is_none());
    assert_eq!(nina.get(&format!("/api/conversations/{conv}")).status, 404);
    assert_eq!(nina.get(&format!("/api/conversations/{conv}/messages")).status, 404);
    assert_eq!(nina.get(&format!("/api/customers/{}", sally.id)).status, 404);
    assert_eq!(nina.post_json(&format!("/api/conversations/{conv}/messages"), &json!({"body": "sneaky"})).status, 404);
    assert_eq!(nina.get("/api/search?q=order").json()["results"], json!([]));
    let mut sock = nina.ws();
    let pos_before = nina.list("mine", "open")["pos"].as_i64().unwrap();
    sock.resume(Some(pos_before - 5));
    sally.say("Secret customer text");
    admin.reply(conv, "Secret agent reply");
    // A team conversation Nina is in still reaches her, proving the socket works.
    let r = admin.post_json("/api/conversations", &json!({"user_ids": [nina.id()], "subject": "Lunch", "body": "Pizza?"}));
    assert_eq!(r.status, 201, "{}", r.text());
    let seen = sock.recv_until(|v| v["type"] == "message.created" && v["data"]["message"]["body"] == "Pizza?");
    for v in &seen {
        let t = v.to_string();
        assert!(!t.contains("Secret") && !t.contains("order #1001"), "leaked to a non-support agent: {t}");
    }
    // Resume from the start replays nothing of the live chat either.
    let mut replay = nina.ws();
    replay.resume(Some(0));
    replay.send(&json!({"type": "ping"}));
    let seen = replay.recv_until(|v| v["type"] == "pong");
    assert!(seen.iter().all(|v| !v.to_string().contains("Secret")));
}

#[test]
fn a_customer_token_never_reads_another_customers_conversation() {
    let (s, admin, _sam, sally, conv) = desk();
    let bob = s.customer(Some("Bob B."));
    assert!(bob.history().is_empty());
    bob.say("Bob's own question");
    let h = bob.history();
    assert_eq!(h.len(), 1);
    assert!(h.iter().all(|m| m["body"] != "Hello, my order #1001 is late"));
    // Bob's socket gets nothing from Sally's conversation.
    let mut bob_ws = bob.ws();
    bob_ws.resume(Some(0));
    admin.reply(conv, "For Sally only");
    bob_ws.send(&json!({"type": "ping"}));
    let seen = bob_ws.recv_until(|v| v["type"] == "pong");
    assert!(seen.iter().all(|v| !v.to_string().contains("Sally")), "{seen:?}");
    // Agent APIs refuse a visitor token; a made-up token is refused everywhere.
    let r = bob.request("GET", &format!("/api/conversations/{conv}/messages"), None);
    assert_eq!(r.status, 401);
    let fake = Customer { token: "0".repeat(32), ..bob.clone() };
    assert_eq!(fake.request("GET", "/api/widget/messages", None).status, 401);
    assert!(common::widget_socket(s.addr, &s.origin(), &"0".repeat(32)).is_err());
    drop(sally);
}
