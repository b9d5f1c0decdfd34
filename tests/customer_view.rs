//! A customer sees only what is theirs: one projection (`desk::customer`) builds every HTTP answer,
//! live frame and resume replay a customer receives, from an explicit list of fields.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::*;
use serde_json::{Value, json};

/// Every key (at any depth) of a JSON value, as `path.key` with array indexes dropped.
fn keys(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                out.insert(p.clone());
                keys(x, &p, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| keys(x, prefix, out)),
        _ => {}
    }
}

/// What a customer may see in a message or conversation, wherever it appears.
const MESSAGE_FIELDS: &[&str] = &[
    "id",
    "conversation_id",
    "seq",
    "author",
    "author.kind",
    "author.name",
    "body",
    "client_msg_id",
    "created_at",
    "edited_at",
    "deleted_at",
    "system",
    "system.code",
];
const CONVERSATION_FIELDS: &[&str] = &["id", "status", "last_seq", "created_at"];

/// Fail if `v` (a message) has a key outside the allow-list.
fn assert_customer_message(v: &Value) {
    let mut k = BTreeSet::new();
    keys(v, "", &mut k);
    for key in &k {
        assert!(MESSAGE_FIELDS.contains(&key.as_str()), "a customer received message field '{key}': {v}");
    }
}

fn assert_customer_conversation(v: &Value) {
    let mut k = BTreeSet::new();
    keys(v, "", &mut k);
    for key in &k {
        assert!(CONVERSATION_FIELDS.contains(&key.as_str()), "a customer received conversation field '{key}': {v}");
    }
}

/// Check one frame a customer socket received.
fn assert_customer_frame(f: &Value) {
    let text = f.to_string();
    for secret in ["INTERNAL", "ada@example.com", "participants", "created_by", "\"item\"", "by Ada", "Ticket #"] {
        assert!(!text.contains(secret), "a customer frame leaks {secret}: {text}");
    }
    let d = &f["data"];
    match f["type"].as_str().unwrap_or("") {
        "message.created" | "message.updated" | "message.deleted" => {
            assert_customer_message(&d["message"]);
            if !d["conversation"].is_null() {
                assert_customer_conversation(&d["conversation"]);
            }
        }
        "conversation.created" | "conversation.updated" => assert_customer_conversation(&d["conversation"]),
        "typing" => assert!(d["who"].get("id").is_none(), "typing names no user id: {text}"),
        _ => {}
    }
}

#[test]
fn a_customer_never_receives_internal_data_live_on_resume_or_over_http() {
    let s = Server::start();
    let admin = s.admin();
    let visitor = s.customer(Some("Sally"));
    let conv = visitor.say("my card was charged twice")["conversation_id"].as_i64().unwrap();
    let start_pos = visitor.request("GET", "/api/widget/session", None).json()["pos"].as_i64().unwrap();
    let mut ws = visitor.ws();
    ws.resume(None);

    // Internal work on the chat: a ticket with an internal title, linked, followed, unlinked.
    let draft = admin.get(&format!("/api/conversations/{conv}/item-draft?kind=ticket")).json();
    let mut body = draft.clone();
    body["title"] = json!("INTERNAL: suspected fraud, do not refund");
    let r = admin.post_json(&format!("/api/conversations/{conv}/items"), &body);
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(admin.post_json(&format!("/api/conversations/{conv}/follow"), &json!({})).status, 200);
    let mut admin_ws = admin.ws();
    admin_ws.resume(None);
    admin_ws.send(&json!({"type": "typing", "conversation_id": conv, "typing": true}));
    admin.reply(conv, "We are looking into it.");
    assert_eq!(admin.post_json(&format!("/api/conversations/{conv}/status"), &json!({"status": "closed"})).status, 200);
    visitor.say("any news?"); // reopens

    // Live: every frame the customer got passes the allow-list.
    let live = ws.recv_until(|v| v["type"] == "message.created" && v["data"]["message"]["body"] == "any news?");
    live.iter().for_each(assert_customer_frame);
    let bodies: Vec<&str> = live.iter().filter_map(|f| f["data"]["message"]["body"].as_str()).collect();
    assert!(bodies.contains(&"This conversation was closed"), "a neutral line for closing: {bodies:?}");
    assert!(bodies.contains(&"This conversation was reopened"), "a neutral line for reopening: {bodies:?}");
    assert!(bodies.contains(&"We are looking into it."));
    let typing = live.iter().find(|f| f["type"] == "typing").expect("the customer sees the agent typing");
    assert_eq!(typing["data"]["who"]["name"], "Ada Admin");
    let closed = live.iter().find(|f| f["data"]["message"]["body"] == "This conversation was closed").unwrap();
    assert_eq!(closed["data"]["message"]["system"]["code"], "conversation.closed");
    let agent_reply = live.iter().find(|f| f["data"]["message"]["body"] == "We are looking into it.").unwrap();
    assert!(agent_reply["data"]["message"]["author"].get("id").is_none(), "no user id for the agent");
    assert!(agent_reply["data"]["message"].get("client_msg_id").is_none(), "an agent's client ids stay internal");

    // Resume: the same events replayed from before any of it.
    let mut ws2 = visitor.ws();
    ws2.send(&json!({"type": "resume", "pos": start_pos}));
    let replay = ws2.recv_until(|v| v["type"] == "resumed");
    assert!(replay.len() > 4, "the replay has the conversation's events: {replay:?}");
    replay.iter().for_each(assert_customer_frame);

    // HTTP: session and history.
    let session = visitor.request("GET", "/api/widget/session", None).json();
    assert_customer_conversation(&session["conversation"]);
    let history = visitor.history();
    history.iter().for_each(assert_customer_message);
    assert_customer_frame(&json!({"type": "message.created", "data": {"messages": session["messages"]}}));
    let texts: Vec<&str> = history.iter().filter_map(|m| m["body"].as_str()).collect();
    assert!(!texts.iter().any(|t| t.contains("Ticket") || t.contains("by Ada")), "{texts:?}");
    assert!(texts.contains(&"This conversation was closed"));

    // The agents, meanwhile, see the real lines.
    let msgs = admin.get(&format!("/api/conversations/{conv}/messages")).json()["messages"].to_string();
    assert!(msgs.contains("Closed by Ada Admin") && msgs.contains("Ticket #1 created by Ada Admin"));
}

#[test]
fn another_customer_receives_nothing_of_this_conversation() {
    let s = Server::start();
    let admin = s.admin();
    let a = s.customer(Some("Sally"));
    let b = s.customer(Some("Bob"));
    let conv = a.say("private question")["conversation_id"].as_i64().unwrap();
    let mut b_ws = b.ws();
    b_ws.resume(Some(0));
    admin.reply(conv, "private answer");
    assert!(b_ws.silent_for(Duration::from_millis(500)), "Bob's socket gets nothing of Sally's chat");
    assert!(!b.history().iter().any(|m| m["body"] == "private answer"));
}

#[test]
fn every_event_kind_the_engine_emits_is_listed_for_the_projection() {
    // The sources are the truth: every literal `emit("kind"` (and item announcements) must be a
    // kind the projection knows, so a new event type cannot reach customers unreviewed.
    let mut found = BTreeSet::new();
    for entry in rust_files(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))) {
        let text = std::fs::read_to_string(&entry).unwrap();
        for part in text.split("emit(\"").skip(1) {
            found.insert(part.split('"').next().unwrap().to_string());
        }
        for part in text.split("announce(w, ").skip(1) {
            if let Some(kind) = part.split(')').next().unwrap_or("").split('"').nth(1) {
                found.insert(kind.to_string());
            }
        }
    }
    assert!(found.len() >= 8, "the scan found the emits: {found:?}");
    for kind in &found {
        assert!(
            frontdesk::desk::customer::EVENT_KINDS.contains(&kind.as_str()),
            "event kind '{kind}' is not in desk::customer::EVENT_KINDS"
        );
    }
}

#[test]
fn the_projection_drops_every_field_outside_its_list_for_every_event_kind() {
    use frontdesk::desk::customer;
    // A payload stuffed with every internal field we have, for each kind.
    let conversation = json!({"id": 7, "kind": "live_chat", "status": "open", "subject": "INTERNAL", "customer_id": 3,
        "customer_name": "Sally", "created_by": 1, "last_seq": 4, "last_message_at": 1, "preview": "INTERNAL", "created_at": 1,
        "participants": [1, 2], "item": {"id": 1, "number": 1, "kind": "ticket", "title": "INTERNAL", "status": "open"}});
    let message = |kind: &str, system: Value| {
        json!({"id": 9, "conversation_id": 7, "seq": 4, "author": {"kind": kind, "id": 1, "name": "Ada"},
        "body": "hi", "client_msg_id": "c-1", "created_at": 1, "edited_at": null, "deleted_at": null, "system": system})
    };
    for kind in customer::EVENT_KINDS {
        let payloads = [
            json!({"message": message("user", Value::Null), "conversation": conversation, "change": "status"}),
            json!({"message": message("customer", Value::Null), "conversation": conversation}),
            json!({"message": message("system", json!({"code": "conversation.closed", "params": {"by": "Ada"}})), "conversation": conversation}),
            json!({"message": message("system", json!({"code": "item.created", "params": {"by": "Ada"}})), "conversation": conversation}),
            json!({"conversation": conversation, "change": "item"}),
            json!({"conversation_id": 7, "seq": 3, "last_read_seq": 3, "unread": 0, "following": true}),
            json!({"item": {"id": 1, "title": "INTERNAL"}}),
        ];
        for p in &payloads {
            let Some(out) = customer::event(kind, p) else { continue };
            if kind.starts_with("helpdesk.") || kind.starts_with("settings.") {
                continue; // built by Settings::public_with, the public settings by definition
            }
            assert_customer_frame(&json!({"type": kind, "data": out}));
            let mut k = BTreeSet::new();
            keys(&out, "", &mut k);
            for key in k {
                let ok = key == "message"
                    || key == "conversation"
                    || key == "change"
                    || key == "conversation_id"
                    || key == "seq"
                    || key.strip_prefix("message.").is_some_and(|f| MESSAGE_FIELDS.contains(&f))
                    || key.strip_prefix("conversation.").is_some_and(|f| CONVERSATION_FIELDS.contains(&f));
                assert!(ok, "{kind}: field '{key}' reaches customers: {out}");
            }
        }
    }
    // Internal kinds never reach them at all.
    for kind in ["conversation.read", "conversation.followed", "item.created", "item.updated", "labels.updated", "customer.updated"] {
        assert!(customer::event(kind, &json!({"conversation_id": 1, "item": {}})).is_none(), "{kind}");
    }
}
