//! Private notes (issue 15): a note is stored, acknowledged, replayed, edited and deleted like a
//! message, and never reaches the customer on any path — the live widget socket, a resume from an
//! earlier position, the widget's message pages and session, the conversation fetch, a close and
//! reopen, edits and deletes of the note, typing, "seen" marks. Agents who may not see live chats
//! never see their notes either.

mod common;

use std::time::Duration;

use common::desk::desk;
use common::*;
use serde_json::{Value, json};

/// Text that must never appear in anything a customer receives.
const SECRET: &str = "NOTE-SECRET refund only if the bank confirms";

/// Post a note over HTTP as `agent`; returns the stored message.
fn note(agent: &Client, conv: i64, body: &str) -> Value {
    let r = agent.post_json(
        &format!("/api/conversations/{conv}/messages"),
        &json!({"body": body, "client_msg_id": format!("n-{}", rand_id()), "note": true}),
    );
    assert_eq!(r.status, 201, "note: {}", r.text());
    let m = r.json()["message"].clone();
    assert_eq!(m["note"], true, "stored as a note: {m}");
    m
}

/// Fail if anything a customer received carries a note's text or marks.
fn assert_no_note(what: &str, v: &Value) {
    let text = v.to_string();
    assert!(!text.contains("NOTE-SECRET"), "{what} leaks a note: {text}");
    assert!(!text.contains("\"note\""), "{what} carries a note flag: {text}");
}

fn session(c: &Customer) -> Value {
    let r = c.request("GET", "/api/widget/session", None);
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

#[test]
fn a_note_is_never_sent_to_the_customer_live_on_resume_or_over_http() {
    let (_s, admin, sam, sally, conv) = desk();
    let start_pos = session(&sally)["pos"].as_i64().unwrap();
    let mut widget = sally.ws();
    widget.resume(None);
    let mut sam_ws = sam.ws();
    sam_ws.resume(None);

    // A note over the socket (acknowledged after commit, like any send), one over HTTP, a reply.
    let mut admin_ws = admin.ws();
    admin_ws.resume(None);
    admin_ws.send(&json!({"type": "send", "conversation_id": conv, "body": SECRET, "client_msg_id": "n-ws-1", "note": true}));
    let ack = admin_ws.recv_type("ack");
    assert_eq!(ack["duplicate"], false);
    let note_seq = ack["seq"].as_i64().unwrap();
    note(&sam, conv, "NOTE-SECRET second note, over HTTP");
    let reply = admin.reply(conv, "Thanks, we are checking your order.");
    note(&sam, conv, "NOTE-SECRET the last message is a note");

    // Agents get the note live, flagged.
    let seen = sam_ws.recv_until(|v| v["type"] == "message.created" && v["data"]["message"]["seq"] == note_seq);
    let ev = seen.last().unwrap();
    assert_eq!(ev["data"]["message"]["note"], true);
    assert_eq!(ev["data"]["message"]["body"], SECRET);

    // Live, the customer receives the reply and nothing of the notes.
    let live = widget.recv_until(|v| v["type"] == "message.created" && v["data"]["message"]["id"] == reply["id"]);
    live.iter().for_each(|f| assert_no_note("a live frame", f));
    assert!(widget.silent_for(Duration::from_millis(400)), "the note after the reply sends the customer nothing");

    // Resume from before any of it: the replay has the reply only.
    let mut again = sally.ws();
    again.send(&json!({"type": "resume", "pos": start_pos}));
    let replay = again.recv_until(|v| v["type"] == "resumed");
    replay.iter().for_each(|f| assert_no_note("a resumed frame", f));
    assert!(replay.iter().any(|f| f["data"]["message"]["id"] == reply["id"]), "the replay has the reply: {replay:?}");

    // HTTP: the session, every page (latest, before, after) and the conversation fetch.
    let sess = session(&sally);
    assert_no_note("the session", &sess);
    let bodies: Vec<&str> = sess["messages"].as_array().unwrap().iter().filter_map(|m| m["body"].as_str()).collect();
    assert_eq!(bodies, ["Hello, my order #1001 is late", "Thanks, we are checking your order."]);
    // The customer's last message is the reply, not the note after it.
    assert_eq!(sess["conversation"]["last_seq"], reply["seq"], "{sess}");
    for q in ["", "?after=0", "?before=1000", &format!("?after={}", note_seq - 1), &format!("?before={}", note_seq + 1)] {
        let r = sally.request("GET", &format!("/api/widget/messages{q}"), None);
        assert_eq!(r.status, 200);
        assert_no_note(&format!("GET /api/widget/messages{q}"), &r.json());
    }
    let fetched = sally.request("POST", "/api/widget/conversation", Some(&json!({})));
    assert_eq!(fetched.status, 200, "{}", fetched.text());
    assert_eq!(fetched.json()["conversation"]["last_seq"], reply["seq"], "{}", fetched.text());

    // Agents keep every note over HTTP.
    let all = admin.get(&format!("/api/conversations/{conv}/messages")).json()["messages"].clone();
    let notes: Vec<&Value> = all.as_array().unwrap().iter().filter(|m| m["note"] == true).collect();
    assert_eq!(notes.len(), 3, "{all}");
}

#[test]
fn edits_and_deletes_of_a_note_reach_agents_only() {
    let (_s, admin, sam, sally, conv) = desk();
    let m = note(&sam, conv, "NOTE-SECRET first draft");
    let pos = session(&sally)["pos"].as_i64().unwrap();
    let mut widget = sally.ws();
    widget.resume(None);
    let mut admin_ws = admin.ws();
    admin_ws.resume(None);

    let r = sam.patch_json(&format!("/api/messages/{}", m["id"]), &json!({"body": "NOTE-SECRET edited"}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["message"]["note"], true);
    let updated = admin_ws.recv_type("message.updated");
    assert_eq!(updated["data"]["message"]["body"], "NOTE-SECRET edited");
    assert_eq!(sam.delete(&format!("/api/messages/{}", m["id"])).status, 200);
    let deleted = admin_ws.recv_type("message.deleted");
    assert_eq!(deleted["data"]["message"]["note"], true);
    // Only its author edits a note (as with messages); an admin may delete it.
    assert_eq!(admin.patch_json(&format!("/api/messages/{}", m["id"]), &json!({"body": "x"})).status, 409, "deleted already");
    let other = note(&sam, conv, "NOTE-SECRET another");
    assert_eq!(admin.patch_json(&format!("/api/messages/{}", other["id"]), &json!({"body": "mine now"})).status, 403);
    assert_eq!(admin.delete(&format!("/api/messages/{}", other["id"])).status, 200);

    assert!(widget.silent_for(Duration::from_millis(500)), "the customer hears nothing of the edit or the deletes");
    let mut again = sally.ws();
    again.send(&json!({"type": "resume", "pos": pos}));
    let replay = again.recv_until(|v| v["type"] == "resumed");
    assert_eq!(replay.len(), 1, "nothing to replay for the customer: {replay:?}");
    assert_no_note("the history", &json!(sally.history()));
}

#[test]
fn a_note_does_not_reopen_a_closed_chat_and_the_customer_sees_the_chat_as_before() {
    let (_s, admin, sam, sally, conv) = desk();
    assert_eq!(admin.post_json(&format!("/api/conversations/{conv}/status"), &json!({"status": "closed"})).status, 200);
    let before = session(&sally);
    let mut widget = sally.ws();
    widget.resume(None);

    // A note on a closed chat, even with `reopen`, leaves it closed.
    let r = sam.post_json(
        &format!("/api/conversations/{conv}/messages"),
        &json!({"body": "NOTE-SECRET follow up on Monday", "note": true, "reopen": true, "client_msg_id": "n-closed"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let c = admin.get(&format!("/api/conversations/{conv}")).json()["conversation"].clone();
    assert_eq!(c["status"], "closed", "{c}");
    assert_eq!(c["preview_note"], true, "agents' lists say the latest message is a note: {c}");
    assert!(widget.silent_for(Duration::from_millis(400)));
    let after = session(&sally);
    assert_eq!(after["conversation"], before["conversation"], "status, last_seq: nothing changed for the customer");
    assert_eq!(after["messages"], before["messages"]);

    // The customer writes again: it reopens, and their view has the neutral lines, never the note.
    sally.say("Any news?");
    let reopened = session(&sally);
    assert_eq!(reopened["conversation"]["status"], "open");
    assert_no_note("the reopened session", &reopened);
    let bodies: Vec<String> = sally.history().iter().map(|m| m["body"].as_str().unwrap().to_string()).collect();
    assert_eq!(bodies, ["Hello, my order #1001 is late", "This conversation was closed", "This conversation was reopened", "Any news?"]);
    widget.set_timeout(Duration::from_secs(10));
    let live = widget.recv_until(|v| v["type"] == "message.created" && v["data"]["message"]["body"] == "Any news?");
    live.iter().for_each(|f| assert_no_note("a frame after reopening", f));
}

#[test]
fn typing_a_note_and_reading_past_one_tell_the_customer_nothing() {
    let (_s, admin, sam, sally, conv) = desk();
    let reply = admin.reply(conv, "Let me check.");
    let mut widget = sally.ws();
    widget.resume(None);
    let mut sam_ws = sam.ws();
    sam_ws.resume(None);
    let mut admin_ws = admin.ws();
    admin_ws.resume(None);

    admin_ws.send(&json!({"type": "typing", "conversation_id": conv, "typing": true, "note": true}));
    let t = sam_ws.recv_type("typing");
    assert_eq!(t["data"]["note"], true, "teammates see a note being written: {t}");
    note(&admin, conv, "NOTE-SECRET customer is a reseller");
    // Sam reads up to the note: the customer's "seen" mark stops at the last message they see.
    let r = sam.post_json(&format!("/api/conversations/{conv}/read"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    let frames = widget.recv_until(|v| v["type"] == "conversation.seen");
    assert!(!frames.iter().any(|f| f["type"] == "typing"), "no typing for a note: {frames:?}");
    assert_eq!(frames.last().unwrap()["data"]["seq"], reply["seq"]);
    // A typed reply still shows as typing.
    admin_ws.send(&json!({"type": "typing", "conversation_id": conv, "typing": true}));
    assert_eq!(widget.recv_type("typing")["data"]["who"]["name"], "Ada Admin");
}

#[test]
fn the_customers_own_reading_stops_at_the_last_message_they_see() {
    // Labels and customer records (part D) let the widget say how far the customer read; with a note
    // after the last reply, "everything" must still mean the reply, or the customer's `read.ok` and
    // the agents' "Seen" would give away that something follows it.
    let (_s, admin, _sam, sally, conv) = desk();
    let reply = admin.reply(conv, "Let me check.");
    let n = note(&admin, conv, "NOTE-SECRET after the reply");
    assert!(n["seq"].as_i64() > reply["seq"].as_i64());
    let mut widget = sally.ws();
    widget.resume(None);
    let mut admin_ws = admin.ws();
    admin_ws.resume(None);

    widget.send(&json!({"type": "read"}));
    let ok = widget.recv_type("read.ok");
    assert_no_note("read.ok", &ok);
    assert_eq!(ok["data"]["seq"], reply["seq"], "read.ok names the last message the customer sees: {ok}");
    let seen = admin_ws.recv_type("conversation.seen");
    assert_eq!((seen["data"]["seq"].clone(), seen["data"]["by"].clone()), (reply["seq"].clone(), json!("customer")));
    assert_eq!(admin.get(&format!("/api/conversations/{conv}")).json()["conversation"]["customer_seen_seq"], reply["seq"]);
    // Naming the note's seq itself changes nothing either.
    widget.send(&json!({"type": "read", "seq": n["seq"]}));
    assert_eq!(widget.recv_type("read.ok")["data"]["seq"], reply["seq"]);
}

#[test]
fn a_note_is_idempotent_and_acknowledged_like_a_message() {
    let (_s, admin, _sam, _sally, conv) = desk();
    let mut ws = admin.ws();
    ws.resume(None);
    let frame = json!({"type": "send", "conversation_id": conv, "body": "NOTE-SECRET once", "client_msg_id": "n-twice", "note": true});
    ws.send(&frame);
    let first = ws.recv_type("ack");
    ws.send(&frame);
    let second = ws.recv_type("ack");
    assert_eq!((first["id"].clone(), second["duplicate"].clone()), (second["id"].clone(), json!(true)));
    // The same key over HTTP finds the same note.
    let r = admin.post_json(
        &format!("/api/conversations/{conv}/messages"),
        &json!({"body": "NOTE-SECRET once", "client_msg_id": "n-twice", "note": true}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["message"]["id"], first["id"]);
    let msgs = admin.get(&format!("/api/conversations/{conv}/messages")).json()["messages"].clone();
    assert_eq!(msgs.as_array().unwrap().iter().filter(|m| m["note"] == true).count(), 1);
}

#[test]
fn an_agent_without_customer_support_never_sees_a_live_chats_notes() {
    let (s, admin, _sam, _sally, conv) = desk();
    let nina = s.agent(&admin, "nina@example.com", "Nina", false);
    let mut nina_ws = nina.ws();
    nina_ws.resume(None);
    let m = note(&admin, conv, "NOTE-SECRET about the chargeback");
    assert_eq!(nina.get(&format!("/api/conversations/{conv}/messages")).status, 404);
    assert_eq!(nina.get(&format!("/api/conversations/{conv}")).status, 404);
    assert_eq!(nina.patch_json(&format!("/api/messages/{}", m["id"]), &json!({"body": "x"})).status, 404);
    assert_eq!(nina.delete(&format!("/api/messages/{}", m["id"])).status, 404);
    let r = nina.post_json(&format!("/api/conversations/{conv}/messages"), &json!({"body": "x", "note": true}));
    assert_eq!(r.status, 404);
    let found = nina.get("/api/search?q=chargeback").json();
    assert_eq!(found["results"], json!([]), "{found}");
    assert!(nina_ws.silent_for(Duration::from_millis(400)), "no event of the note reaches her");
}

#[test]
fn notes_are_for_live_chats_only() {
    let (s, admin, sam, _sally, _conv) = desk();
    let sam_id = sam.id();
    let r = admin.post_json("/api/conversations", &json!({"user_ids": [sam_id], "subject": "Rota"}));
    assert_eq!(r.status, 201, "{}", r.text());
    let team = r.json()["conversation"]["id"].as_i64().unwrap();
    let r = admin.post_json(&format!("/api/conversations/{team}/messages"), &json!({"body": "a note?", "note": true}));
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.json()["error"].as_str().unwrap().starts_with("note:"));
    // A customer's send carries no note: whatever a widget sends is theirs to see.
    let visitor = s.customer(Some("Vera"));
    let r = visitor.request("POST", "/api/widget/messages", Some(&json!({"body": "hello", "note": true})));
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(visitor.history().len(), 1);
}

#[test]
fn the_widget_pages_stay_full_when_notes_and_internal_lines_sit_between_messages() {
    let (_s, admin, _sam, sally, conv) = desk();
    // 60 customer messages in all, with a note after every third and a ticket's internal line.
    for i in 1..60 {
        sally.say(&format!("message {i}"));
        if i % 3 == 0 {
            note(&admin, conv, &format!("NOTE-SECRET {i}"));
        }
    }
    let draft = admin.get(&format!("/api/conversations/{conv}/item-draft?kind=ticket")).json();
    assert_eq!(admin.post_json(&format!("/api/conversations/{conv}/items"), &draft).status, 201);
    note(&admin, conv, "NOTE-SECRET last");

    // The widget's rule: a full page (50) means there may be more; it then asks before the oldest.
    let first = session(&sally)["messages"].as_array().unwrap().clone();
    assert_eq!(first.len(), 50, "a full first page of what the customer sees");
    assert_no_note("the first page", &json!(first));
    let oldest = first[0]["seq"].as_i64().unwrap();
    let older = sally.request("GET", &format!("/api/widget/messages?before={oldest}"), None).json()["messages"].clone();
    let older = older.as_array().unwrap();
    assert_eq!(older.len(), 10, "the rest: {older:?}");
    assert_eq!(older[0]["body"], "Hello, my order #1001 is late");
    // Seqs have gaps where notes are; the pages join without a hole.
    let all: Vec<i64> = older.iter().chain(first.iter()).map(|m| m["seq"].as_i64().unwrap()).collect();
    assert!(all.windows(2).all(|w| w[0] < w[1]), "in order: {all:?}");
    assert!(all.windows(2).any(|w| w[1] > w[0] + 1), "with gaps: {all:?}");
    let after = sally.request("GET", &format!("/api/widget/messages?after={}", older[9]["seq"]), None).json()["messages"].clone();
    assert_eq!(after.as_array().unwrap().len(), 50);
    assert_eq!(after, json!(first));
}

#[test]
fn the_customer_projection_drops_every_note_in_one_place() {
    use frontdesk::desk::customer;
    let note = json!({"id": 9, "conversation_id": 7, "seq": 4, "author": {"kind": "user", "id": 1, "name": "Ada"},
        "body": SECRET, "client_msg_id": "n-1", "created_at": 1, "edited_at": null, "deleted_at": null, "note": true});
    let conversation = json!({"id": 7, "kind": "live_chat", "status": "open", "subject": "", "customer_id": 3, "customer_name": "Sally",
        "created_by": null, "last_seq": 4, "last_message_at": 1, "preview": SECRET, "created_at": 1, "participants": [1], "item": null});
    for kind in ["message.created", "message.updated", "message.deleted"] {
        assert_eq!(customer::event(kind, &json!({"message": note, "conversation": conversation})), None, "{kind}");
    }
    assert_eq!(customer::message(&serde_json::from_value(note.clone()).unwrap()), None);
    let mut reply = note.clone();
    reply["note"] = json!(false);
    assert!(customer::message(&serde_json::from_value(reply).unwrap()).is_some(), "the same message, not a note, is theirs");
    assert_eq!(customer::event("mention.created", &json!({"message": note, "conversation": conversation})), None);
}

#[test]
fn exports_and_ticket_drafts_mark_notes_as_the_desks_own() {
    let (_s, admin, _sam, _sally, conv) = desk();
    note(&admin, conv, "NOTE-SECRET vip customer");
    let export = admin.get("/api/admin/export").json();
    let msgs = export["conversations"][0]["messages"].as_array().unwrap().clone();
    assert_eq!(msgs.iter().map(|m| m["note"].clone()).collect::<Vec<_>>(), [json!(false), json!(true)], "{msgs:?}");
    let draft = admin.get(&format!("/api/conversations/{conv}/item-draft?kind=ticket")).json();
    assert!(draft["description"].as_str().unwrap().contains("Ada Admin (private note): NOTE-SECRET vip customer"), "{draft}");
}

#[test]
fn a_note_does_not_take_an_unassigned_chat_and_a_reply_still_does() {
    let (_s, _admin, sam, _sally, conv) = desk();
    let sam_id = sam.id();
    note(&sam, conv, "NOTE-SECRET just looking");
    let c = sam.get(&format!("/api/conversations/{conv}")).json()["conversation"].clone();
    assert_eq!(c["assignee_id"], Value::Null, "a note is not a reply: {c}");
    sam.reply(conv, "I can help with that.");
    let c = sam.get(&format!("/api/conversations/{conv}")).json()["conversation"].clone();
    assert_eq!(c["assignee_id"], sam_id, "{c}");
}
