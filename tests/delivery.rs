//! Real-time delivery: a reply reaches the customer and every agent socket that may see it, read
//! state and typing travel live, team chats and follows place a conversation in "My conversations",
//! the help-desk switch reaches every widget and Messenger ([S1], [S4], [S5], [S7], [S12]), and a
//! client that stops reading cannot slow anyone else down.

mod common;

use std::time::{Duration, Instant};

use common::desk::desk;
use common::*;
use serde_json::json;

#[test]
fn agent_reply_reaches_the_customer_and_every_other_agent_socket() {
    let (_s, admin, sam, sally, conv) = desk();
    let mut customer = sally.ws();
    customer.resume(None);
    let mut sam_tab1 = sam.ws();
    sam_tab1.resume(None);
    let mut sam_tab2 = sam.ws();
    sam_tab2.resume(None);
    let mut ada = admin.ws();
    ada.resume(None);

    ada.send(&json!({"type": "send", "conversation_id": conv, "body": "Hi Sally, let me check.", "client_msg_id": "r1"}));
    let ack = ada.recv_type("ack");
    assert_eq!(ack["client_msg_id"], "r1");
    // Seq 2 is the agents' line "Ada Admin took this conversation" (a first reply assigns the chat).
    assert_eq!(ack["seq"], 3);
    for sock in [&mut customer, &mut sam_tab1, &mut sam_tab2] {
        let ev = sock.recv_until(|v| v["type"] == "message.created" && v["data"]["message"]["author"]["kind"] != "system").pop().unwrap();
        assert_eq!(ev["data"]["message"]["body"], "Hi Sally, let me check.");
        assert_eq!(ev["data"]["message"]["author"]["name"], "Ada Admin");
        assert!(ev["pos"].as_i64().unwrap() > 0);
    }
    // And the customer's reply reaches the agents live.
    customer.send(&json!({"type": "send", "body": "Thanks!", "client_msg_id": "c1"}));
    assert_eq!(customer.recv_type("ack")["seq"], 4);
    ada.recv_until(|v| v["type"] == "message.created" && v["data"]["message"]["body"] == "Thanks!");
    assert_eq!(sam_tab1.recv_type("message.created")["data"]["message"]["author"]["kind"], "customer");
    // The visitor token never appears in what agents get.
    let listed = admin.list("customers", "open").to_string();
    assert!(!listed.contains(&sally.token));
    assert!(!admin.get(&format!("/api/customers/{}", sally.id)).text().contains(&sally.token));
}

#[test]
fn unread_counts_per_user_cleared_by_opening_and_pushed_to_other_tabs() {
    let (_s, admin, sam, sally, conv) = desk();
    sally.say("Second message");
    let unread = |c: &Client| c.list("customers", "open")["conversations"][0]["unread"].as_i64().unwrap();
    assert_eq!(unread(&admin), 2);
    assert_eq!(unread(&sam), 2);
    assert_eq!(admin.list("customers", "open")["counts"]["customers"]["unread"], 1);

    let mut other_tab = sam.ws();
    other_tab.resume(None);
    let r = sam.post_json(&format!("/api/conversations/{conv}/read"), &json!({}));
    assert_eq!(r.json()["unread"], 0);
    let ev = other_tab.recv_type("conversation.read");
    assert_eq!(ev["data"], json!({"conversation_id": conv, "last_read_seq": 2, "unread": 0}));
    assert_eq!(unread(&sam), 0);
    assert_eq!(unread(&admin), 2, "read state is per user");
    // The customer sees "seen".
    let mut customer = sally.ws();
    customer.resume(None);
    admin.post_json(&format!("/api/conversations/{conv}/read"), &json!({}));
    assert_eq!(customer.recv_type("conversation.seen")["data"]["seq"], 2);
    // A new customer message makes it unread again, and my own replies don't.
    sally.say("Third");
    assert_eq!(unread(&sam), 1);
    sam.reply(conv, "On it");
    assert_eq!(unread(&sam), 0);
}

#[test]
fn typing_presence_team_chats_and_follows() {
    let (s, admin, sam, sally, conv) = desk();
    let mut ada = admin.ws();
    ada.resume(None);
    let mut customer = sally.ws();
    customer.resume(None);
    customer.send(&json!({"type": "typing", "typing": true}));
    let t = ada.recv_type("typing");
    assert_eq!((t["data"]["conversation_id"].as_i64(), t["data"]["who"]["kind"].as_str()), (Some(conv), Some("customer")));
    ada.send(&json!({"type": "typing", "conversation_id": conv, "typing": true}));
    assert_eq!(customer.recv_type("typing")["data"]["who"]["name"], "Ada Admin");

    // Team chat lives in My conversations of its members only.
    let nina = s.agent(&admin, "nina@example.com", "Nina", false);
    let r = sam.post_json("/api/conversations", &json!({"user_ids": [nina.id()], "subject": "Handover", "body": "Can you cover Friday?"}));
    assert_eq!(r.status, 201);
    let team = r.json()["conversation"]["id"].as_i64().unwrap();
    let in_mine = |c: &Client| c.list("mine", "open")["conversations"].as_array().unwrap().iter().any(|x| x["id"] == team);
    assert!(in_mine(&sam) && in_mine(&nina));
    assert!(!in_mine(&admin));
    assert_eq!(admin.get(&format!("/api/conversations/{team}")).status, 404, "not a member, even as admin");

    // Following a live chat puts it in My conversations; taking part does too.
    let mine_ids = |c: &Client| -> Vec<i64> {
        c.list("mine", "open")["conversations"].as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect()
    };
    assert!(!mine_ids(&admin).contains(&conv));
    assert_eq!(admin.post_json(&format!("/api/conversations/{conv}/follow"), &json!({})).json()["following"], true);
    assert!(mine_ids(&admin).contains(&conv));
    admin.delete(&format!("/api/conversations/{conv}/follow"));
    assert!(!mine_ids(&admin).contains(&conv));
    sam.reply(conv, "I'll take this one");
    assert!(mine_ids(&sam).contains(&conv));

    // Presence: the team endpoint shows who is online.
    let team_list = nina.get("/api/team").json();
    let ada_row = team_list["users"].as_array().unwrap().iter().find(|u| u["name"] == "Ada Admin").unwrap().clone();
    assert_eq!(ada_row["online"], true);
}

#[test]
fn helpdesk_toggle_reaches_widgets_and_messengers() {
    let (s, admin, _sam, sally, _conv) = desk();
    let mut customer = sally.ws();
    customer.resume(None);
    let mut ada = admin.ws();
    ada.resume(None);
    let r = admin.post_json("/api/helpdesk/status", &json!({"online": false}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(customer.recv_type("helpdesk.status")["data"]["online"], false);
    assert_eq!(ada.recv_type("helpdesk.status")["data"]["online"], false);
    assert_eq!(sally.request("GET", "/api/widget/session", None).json()["helpdesk"]["online"], false);
    // Offline, customers can still write.
    sally.say("Are you there?");
    let nina = s.agent(&admin, "nina@example.com", "Nina", false);
    assert_eq!(nina.post_json("/api/helpdesk/status", &json!({"online": true})).status, 403);
}

#[test]
fn a_stalled_client_does_not_delay_delivery_to_others() {
    let (s, admin, sam, sally, conv) = desk();
    // A customer socket that never reads: its kernel buffers fill, then its backlog, then it is cut.
    let mut stalled = sally.ws();
    stalled.resume(None);
    let mut fast = sam.ws();
    fast.resume(None);
    let big = "x".repeat(15 * 1024);
    let t = Instant::now();
    let mut worst = Duration::ZERO;
    for i in 0..200 {
        let sent = Instant::now();
        admin.reply(conv, &format!("{i} {big}"));
        // (The first reply is preceded by the agents' line saying Ada took the chat.)
        let ev = fast.recv_until(|v| v["type"] == "message.created" && v["data"]["message"]["author"]["kind"] != "system").pop().unwrap();
        assert!(ev["data"]["message"]["body"].as_str().unwrap().starts_with(&format!("{i} ")));
        worst = worst.max(sent.elapsed());
    }
    assert!(worst < Duration::from_secs(2), "delivery to the healthy socket stalled: worst {worst:?} over {:?}", t.elapsed());
    // 200 × 15 KiB = 3 MiB to a reader that never reads: the server cut it off.
    stalled.set_timeout(Duration::from_secs(5));
    let mut cut = false;
    for _ in 0..10_000 {
        match stalled.ws.read() {
            Ok(_) => continue,
            Err(_) => {
                cut = true;
                break;
            }
        }
    }
    assert!(cut, "the stalled socket was never disconnected");
    assert_eq!(s.client().get("/healthz").status, 200);
}
