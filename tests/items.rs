//! Tickets and tasks from conversations (issue 7): prefilled creation, the link, the details panel,
//! link to existing, unlink, "My conversations" through items, numbering, visibility.

mod common;

use common::*;
use serde_json::{Value, json};

fn desk() -> (Server, Client, Client, Customer, i64) {
    let s = Server::start();
    let admin = s.admin();
    let sam = s.agent(&admin, "sam@example.com", "Sam Support", true);
    let sally = s.customer(Some("Sally C."));
    let conv = sally.say("My order #1001 never arrived and the tracking page shows nothing at all since last Tuesday, can you help?")["conversation_id"].as_i64().unwrap();
    admin.reply(conv, "Sorry to hear that, checking now.");
    (s, admin, sam, sally, conv)
}

#[test]
fn create_ticket_from_conversation_prefilled_editable_and_linked_live() {
    let (_s, admin, sam, _sally, conv) = desk();
    let draft = admin.get(&format!("/api/conversations/{conv}/item-draft?kind=ticket")).json();
    let title = draft["title"].as_str().unwrap();
    assert!(title.starts_with("My order #1001 never arrived") && title.ends_with('…') && title.chars().count() <= 81, "{title}");
    let desc = draft["description"].as_str().unwrap();
    assert!(desc.contains("Sally C.: My order #1001 never arrived"), "{desc}");
    assert!(desc.contains("Ada Admin: Sorry to hear that, checking now."), "{desc}");
    assert!(desc.lines().next().unwrap().starts_with("[20"), "who and when: {desc}");
    assert_eq!(draft["requester_name"], "Sally C.");
    assert_eq!(draft["priority"], "normal");
    assert_eq!(draft["assignee_ids"], json!([admin.id()]));

    // Sam has the conversation open in another Messenger.
    let mut sam_ws = sam.ws();
    sam_ws.resume(None);
    let mut body = draft.clone();
    body["title"] = json!("Order 1001 lost in transit");
    body["priority"] = json!("high");
    let r = admin.post_json(&format!("/api/conversations/{conv}/items"), &body);
    assert_eq!(r.status, 201, "{}", r.text());
    let item = r.json()["item"].clone();
    assert_eq!(item["title"], "Order 1001 lost in transit", "edits before create are kept");
    assert_eq!(item["priority"], "high");
    assert_eq!(item["number"], 1);
    let upd = sam_ws.recv_until(|v| v["type"] == "conversation.updated" && v["data"]["change"] == "item");
    let link = &upd.last().unwrap()["data"]["conversation"]["item"];
    assert_eq!(
        (link["number"].as_i64(), link["kind"].as_str(), link["title"].as_str()),
        (Some(1), Some("ticket"), Some("Order 1001 lost in transit"))
    );
    // A system message records it.
    let msgs = admin.get(&format!("/api/conversations/{conv}/messages")).json()["messages"].as_array().unwrap().clone();
    assert_eq!(msgs.last().unwrap()["body"], "Ticket #1 created by Ada Admin");
    // The conversation and the list carry the link.
    assert_eq!(admin.get(&format!("/api/conversations/{conv}")).json()["conversation"]["item"]["number"], 1);

    // Show item details: the panel's data.
    let id = item["id"].as_i64().unwrap();
    let panel = sam.get(&format!("/api/items/{id}")).json();
    assert_eq!(panel["item"]["requester_name"], "Sally C.");
    assert_eq!(panel["conversations"][0]["id"], conv);
    assert_eq!(panel["activity"][0]["action"], "created");

    // Changing the status in the panel shows in the link, live.
    let r = sam.patch_json(&format!("/api/items/{id}"), &json!({"status": "in_progress"}));
    assert_eq!(r.status, 200, "{}", r.text());
    let mut ada_ws = admin.ws();
    ada_ws.resume(None);
    sam.patch_json(&format!("/api/items/{id}"), &json!({"status": "waiting"}));
    let upd = ada_ws.recv_until(|v| v["type"] == "conversation.updated" && v["data"]["conversation"]["item"]["status"] == "waiting");
    assert!(!upd.is_empty());
    let item_ev = sam_ws.recv_until(|v| v["type"] == "item.updated" && v["data"]["item"]["status"] == "waiting");
    assert!(!item_ev.is_empty(), "changes push to everyone viewing the item");
    let acts: Vec<String> = sam.get(&format!("/api/items/{id}")).json()["activity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| format!("{}:{}", a["action"].as_str().unwrap(), a["new_value"].as_str().unwrap_or("")))
        .collect();
    assert!(acts.contains(&"status:in_progress".to_string()) && acts.contains(&"status:waiting".to_string()), "{acts:?}");
    // A conversation links to at most one item.
    assert_eq!(admin.post_json(&format!("/api/conversations/{conv}/items"), &json!({"kind": "task", "title": "x"})).status, 409);
    // Bad values are refused per field.
    let r = sam.patch_json(&format!("/api/items/{id}"), &json!({"priority": "whenever"}));
    assert_eq!(r.status, 422);
    assert!(r.json()["error"].as_str().unwrap().starts_with("priority:"));
}

#[test]
fn link_to_existing_by_number_and_unlink() {
    let (s, admin, _sam, _sally, conv) = desk();
    let task = admin.post_json("/api/items", &json!({"kind": "task", "title": "Audit courier contracts", "description": "yearly"})).json()
        ["item"]
        .clone();
    assert_eq!(task["number"], 1);
    let found = admin.get("/api/items?q=%2310").json();
    assert!(found["items"].as_array().unwrap().is_empty());
    let found = admin.get("/api/items?q=courier").json();
    assert_eq!(found["items"][0]["number"], 1);
    assert_eq!(admin.get("/api/items?q=%231").json()["items"][0]["title"], "Audit courier contracts");
    let r = admin.post_json(&format!("/api/conversations/{conv}/link"), &json!({"number": 1}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(admin.get(&format!("/api/conversations/{conv}")).json()["conversation"]["item"]["title"], "Audit courier contracts");
    assert_eq!(admin.post_json(&format!("/api/conversations/{conv}/link"), &json!({"number": 1})).status, 409);
    assert_eq!(
        admin.post_json(&format!("/api/conversations/{conv}/link"), &json!({"number": 99})).status,
        409,
        "already linked comes first"
    );
    let r = admin.delete(&format!("/api/conversations/{conv}/link"));
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(admin.get(&format!("/api/conversations/{conv}")).json()["conversation"]["item"].is_null());
    let msgs = admin.get(&format!("/api/conversations/{conv}/messages")).json()["messages"].as_array().unwrap().clone();
    // The lines about the item (the admin's reply also assigned the chat to her: a line of its own).
    let system: Vec<&str> = msgs
        .iter()
        .filter(|m| m["author"]["kind"] == "system" && m["system"]["code"].as_str().is_some_and(|c| c.starts_with("item.")))
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(system, vec!["Linked to task #1 by Ada Admin", "Unlinked from task #1 by Ada Admin"]);
    let acts: Vec<String> = admin.get(&format!("/api/items/{}", task["id"])).json()["activity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(acts, vec!["created", "linked", "unlinked"]);
    assert_eq!(admin.post_json(&format!("/api/conversations/{conv}/link"), &json!({"number": 99})).status, 404);
    drop(s);
}

#[test]
fn an_assignee_who_never_saw_the_conversation_finds_it_in_my_conversations() {
    let (s, admin, _sam, _sally, conv) = desk();
    let cleo = s.agent(&admin, "cleo@example.com", "Cleo", true);
    let mine = |c: &Client| -> Vec<i64> {
        c.list("mine", "open")["conversations"].as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect()
    };
    assert!(!mine(&cleo).contains(&conv));
    let mut cleo_ws = cleo.ws();
    cleo_ws.resume(None);
    let item =
        admin.post_json(&format!("/api/conversations/{conv}/items"), &json!({"kind": "ticket", "title": "Lost parcel"})).json()["item"]
            .clone();
    let id = item["id"].as_i64().unwrap();
    admin.patch_json(&format!("/api/items/{id}"), &json!({"assignee_ids": [cleo.id()]}));
    // Live: an item event naming her as assignee reaches her socket.
    let ev = cleo_ws.recv_until(|v| {
        v["type"] == "item.updated" && v["data"]["item"]["assignees"].as_array().is_some_and(|a| a.contains(&json!(cleo.id())))
    });
    assert!(!ev.is_empty());
    assert!(mine(&cleo).contains(&conv));
    // Following an item works the same way.
    let dan = s.agent(&admin, "dan@example.com", "Dan", true);
    assert!(!mine(&dan).contains(&conv));
    dan.post_json(&format!("/api/items/{id}/follow"), &json!({}));
    assert!(mine(&dan).contains(&conv));
}

#[test]
fn twenty_concurrent_creations_get_twenty_distinct_numbers() {
    let s = Server::start();
    let admin = s.admin();
    let handles: Vec<_> = (0..20)
        .map(|i| {
            let a = admin.clone();
            std::thread::spawn(move || {
                a.post_json("/api/items", &json!({"kind": if i % 2 == 0 { "ticket" } else { "task" }, "title": format!("item {i}")})).json()
                    ["item"]["number"]
                    .as_i64()
                    .unwrap()
            })
        })
        .collect();
    let mut numbers: Vec<i64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=20).collect::<Vec<_>>());
}

#[test]
fn visibility_rules_hold_through_items() {
    let (s, admin, _sam, _sally, conv) = desk();
    let nina = s.agent(&admin, "nina@example.com", "Nina NoSupport", false);
    let item = admin
        .post_json(
            &format!("/api/conversations/{conv}/items"),
            &json!({"kind": "ticket", "title": "Lost parcel", "description": "Sally's address is 1 Secret Lane"}),
        )
        .json()["item"]
        .clone();
    let id = item["id"].as_i64().unwrap();
    assert_eq!(nina.get(&format!("/api/items/{id}")).status, 404);
    assert!(nina.get("/api/items").json()["items"].as_array().unwrap().is_empty());
    assert!(!nina.get("/api/items?q=Secret").text().contains("Secret"));
    assert_eq!(nina.patch_json(&format!("/api/items/{id}"), &json!({"status": "closed"})).status, 404);
    assert_eq!(nina.post_json(&format!("/api/items/{id}/follow"), &json!({})).status, 404);
    // She cannot be made an assignee either (that would hand her the content).
    let r = admin.patch_json(&format!("/api/items/{id}"), &json!({"assignee_ids": [nina.id()]}));
    assert_eq!(r.status, 422);
    assert!(r.json()["error"].as_str().unwrap().starts_with("assignee_ids:"));
    // Her socket gets nothing about it.
    let mut w = nina.ws();
    w.resume(Some(0));
    admin.patch_json(&format!("/api/items/{id}"), &json!({"status": "open"}));
    w.send(&json!({"type": "ping"}));
    let seen = w.recv_until(|v| v["type"] == "pong");
    assert!(seen.iter().all(|v| !v.to_string().contains("Lost parcel") && !v.to_string().contains("Secret")), "{seen:?}");
    // An item from a team conversation is for its members only.
    let r = admin.post_json("/api/conversations", &json!({"user_ids": [nina.id()], "body": "internal plan"}));
    let team = r.json()["conversation"]["id"].as_i64().unwrap();
    let t =
        nina.post_json(&format!("/api/conversations/{team}/items"), &json!({"kind": "task", "title": "Plan the offsite"})).json()["item"]
            .clone();
    let sam2 = s.agent(&admin, "sam2@example.com", "Outsider", true);
    assert_eq!(sam2.get(&format!("/api/items/{}", t["id"])).status, 404);
    assert_eq!(nina.get(&format!("/api/items/{}", t["id"])).status, 200);
    // A plain task with no conversation is visible to every agent.
    let plain = admin.post_json("/api/items", &json!({"kind": "task", "title": "Order stickers"})).json()["item"].clone();
    assert_eq!(nina.get(&format!("/api/items/{}", plain["id"])).json()["item"]["title"], "Order stickers");
    let _: Value = plain;
}
