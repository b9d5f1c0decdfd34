//! @mentions (issue 15): in a note or a team chat an agent mentions teammates by id; only those who
//! may see the conversation are kept; each is recorded, becomes a participant (the conversation is
//! in their "My conversations"), and alone receives `mention.created`. A reply the customer reads
//! cannot mention anyone (422).

mod common;

use std::time::Duration;

use common::desk::desk;
use common::*;
use serde_json::{Value, json};

fn post(agent: &Client, conv: i64, body: Value) -> Resp {
    agent.post_json(&format!("/api/conversations/{conv}/messages"), &body)
}

/// Every frame `ws` receives within `d`, teammates coming and going (presence, status) left out.
fn frames_for(ws: &mut Ws, d: Duration) -> Vec<Value> {
    ws.set_timeout(d);
    let mut out = Vec::new();
    while let Ok(m) = ws.ws.read() {
        if let tungstenite::Message::Text(t) = m {
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            if v["type"] != "presence" && v["type"] != "user.status" {
                out.push(v);
            }
        }
    }
    out
}

fn in_mine(agent: &Client, conv: i64) -> Option<Value> {
    agent.list("mine", "open")["conversations"].as_array().unwrap().iter().find(|c| c["id"] == conv).cloned()
}

#[test]
fn a_mention_in_a_note_tells_the_teammate_alone_and_puts_the_chat_in_their_conversations() {
    let (s, admin, sam, _sally, conv) = desk();
    let sam_id = sam.id();
    let tess = s.agent(&admin, "tess@example.com", "Tess Support", true);
    assert!(in_mine(&sam, conv).is_none(), "Sam has not taken part yet");
    let mut sam_ws = sam.ws();
    sam_ws.resume(None);
    let mut tess_ws = tess.ws();
    tess_ws.resume(None);

    let r = post(
        &admin,
        conv,
        json!({"body": "@Sam Support can you check the refund?", "note": true, "mentions": [sam_id], "client_msg_id": "n-m1"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let m = r.json()["message"].clone();
    assert_eq!(m["mentions"], json!([sam_id]));

    // Sam gets the mention (with the message and the conversation, now listing him), Tess does not.
    let ev = sam_ws.recv_type("mention.created");
    assert_eq!(ev["data"]["user_id"], sam_id);
    assert_eq!(ev["data"]["message"]["id"], m["id"]);
    assert_eq!(ev["data"]["message"]["note"], true);
    assert!(ev["data"]["conversation"]["participants"].as_array().unwrap().contains(&json!(sam_id)), "{ev}");
    let tess_frames = tess_ws.recv_until(|v| v["type"] == "message.created");
    assert!(!tess_frames.iter().any(|f| f["type"] == "mention.created"));
    assert!(tess_ws.silent_for(Duration::from_millis(300)), "Tess hears of the note, not of a mention");

    // In Sam's "My conversations", marked until he reads it.
    let row = in_mine(&sam, conv).expect("the chat is in Sam's conversations");
    assert_eq!(row["mentioned"], true);
    assert!(in_mine(&tess, conv).is_none());
    // Agents read the ids back with the message; a retry mentions nobody twice.
    let again = post(
        &admin,
        conv,
        json!({"body": "@Sam Support can you check the refund?", "note": true, "mentions": [sam_id], "client_msg_id": "n-m1"}),
    );
    assert_eq!(again.status, 200);
    assert!(sam_ws.silent_for(Duration::from_millis(300)), "no second mention for a retry");
    let msgs = admin.get(&format!("/api/conversations/{conv}/messages")).json()["messages"].clone();
    assert_eq!(msgs.as_array().unwrap().last().unwrap()["mentions"], json!([sam_id]));
    assert_eq!(sam.post_json(&format!("/api/conversations/{conv}/read"), &json!({})).status, 200);
    assert_eq!(in_mine(&sam, conv).unwrap()["mentioned"], false);
}

#[test]
fn only_teammates_who_may_see_the_conversation_are_mentioned() {
    let (s, admin, sam, _sally, conv) = desk();
    let (admin_id, sam_id) = (admin.id(), sam.id());
    let nina = s.agent(&admin, "nina@example.com", "Nina", false);
    let nina_id = nina.id();
    let gone = s.agent(&admin, "gone@example.com", "Gone", true);
    let gone_id = gone.id();
    assert_eq!(admin.post_json(&format!("/api/users/{gone_id}/deactivate"), &json!({})).status, 200);
    let mut nina_ws = nina.ws();
    nina_ws.resume(None);

    // Nina cannot see live chats, Gone is deactivated, 9999 is nobody, Ada is the author.
    let r = post(
        &admin,
        conv,
        json!({"body": "@Nina @Gone @Sam Support", "note": true, "mentions": [nina_id, gone_id, 9999, admin_id, sam_id, sam_id]}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["message"]["mentions"], json!([sam_id]));
    assert!(nina_ws.silent_for(Duration::from_millis(400)), "Nina learns nothing of the chat");
    assert!(in_mine(&nina, conv).is_none());

    // In a team chat, only its members: a mention never adds someone to it.
    let r = admin.post_json("/api/conversations", &json!({"user_ids": [sam_id], "subject": "Rota"}));
    let team = r.json()["conversation"]["id"].as_i64().unwrap();
    let mut sam_ws = sam.ws();
    sam_ws.resume(None);
    let r = post(&admin, team, json!({"body": "@Sam Support @Nina who is on call?", "mentions": [sam_id, nina_id]}));
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["message"]["mentions"], json!([sam_id]));
    assert_eq!(sam_ws.recv_type("mention.created")["data"]["conversation_id"], team);
    assert_eq!(frames_for(&mut nina_ws, Duration::from_millis(300)), Vec::<Value>::new(), "Nina hears nothing of the team chat");
    assert_eq!(nina.get(&format!("/api/conversations/{team}")).status, 404);
}

#[test]
fn a_reply_the_customer_reads_cannot_mention_teammates() {
    let (_s, admin, sam, sally, conv) = desk();
    let sam_id = sam.id();
    let r = post(&admin, conv, json!({"body": "@Sam Support will call you", "mentions": [sam_id]}));
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.json()["error"].as_str().unwrap().starts_with("mentions:"), "{}", r.text());
    let mut ws = admin.ws();
    ws.resume(None);
    ws.send(&json!({"type": "send", "conversation_id": conv, "body": "@Sam Support", "client_msg_id": "m-1", "mentions": [sam_id]}));
    let e = ws.recv_type("error");
    assert_eq!((e["status"].clone(), e["client_msg_id"].clone()), (json!(422), json!("m-1")));
    ws.send(&json!({"type": "send", "conversation_id": conv, "body": "x", "client_msg_id": "m-2", "note": true, "mentions": "Sam"}));
    assert_eq!(ws.recv_type("error")["status"], 422);
    assert_eq!(sally.history().len(), 1, "nothing was posted");
    assert!(in_mine(&sam, conv).is_none());
}
