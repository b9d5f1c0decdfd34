//! Assignment and availability (issue 15): who handles a live chat (assign, transfer with a note,
//! unassign, assign on reply), auto-assignment (round robin among available agents, a cap, the
//! waiting queue in arrival order, a position that survives a restart), deactivation handing chats
//! back, agents' Online/Away status, and what customers never see of any of it. Real server, real
//! HTTP and WebSocket clients, the widget's own socket.

mod common;

use std::time::Duration;

use common::desk::desk;
use common::*;
use serde_json::{Value, json};

fn assign(c: &Client, conv: i64, to: Option<i64>, note: Option<&str>) -> Resp {
    c.post_json(&format!("/api/conversations/{conv}/assignee"), &json!({"user_id": to, "note": note}))
}

fn assignee(c: &Client, conv: i64) -> Option<i64> {
    let r = c.get(&format!("/api/conversations/{conv}"));
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["conversation"]["assignee_id"].as_i64()
}

/// The conversation's system lines as (code, params), oldest first.
fn lines(c: &Client, conv: i64) -> Vec<(String, Value)> {
    let msgs = c.get(&format!("/api/conversations/{conv}/messages?limit=200")).json()["messages"].as_array().unwrap().clone();
    msgs.iter()
        .filter(|m| m["author"]["kind"] == "system")
        .map(|m| (m["system"]["code"].as_str().unwrap().to_string(), m["system"]["params"].clone()))
        .collect()
}

fn settings(admin: &Client, patch: Value) {
    let r = admin.patch_json("/api/settings", &patch);
    assert_eq!(r.status, 200, "settings: {}", r.text());
}

/// An agent's socket, registered (and so "connected" for availability) once it has resumed.
fn online(c: &Client) -> Ws {
    let mut ws = c.ws();
    ws.resume(None);
    ws
}

/// A new customer who writes once; returns their conversation.
fn new_chat(s: &Server, name: &str) -> i64 {
    s.customer(Some(name)).say(&format!("Hello from {name}"))["conversation_id"].as_i64().unwrap()
}

fn set_status(c: &Client, status: &str) {
    let r = c.post_json("/api/me/status", &json!({"status": status}));
    assert_eq!(r.status, 200, "status: {}", r.text());
}

const ASSIGNMENT_CODES: [&str; 3] = ["conversation.assigned", "conversation.unassigned", "conversation.transferred"];

#[test]
fn assign_transfer_and_unassign_are_lines_and_events_for_agents_only() {
    let (s, admin, sam, sally, conv) = desk();
    let nina = s.agent(&admin, "nina@example.com", "Nina Noticket", false);
    let (sam_id, ada_id, nina_id) = (sam.id(), admin.id(), nina.id());
    let mut sam_ws = online(&sam);
    let mut nina_ws = online(&nina);
    let mut sally_ws = sally.ws();
    sally_ws.resume(None);

    let r = assign(&admin, conv, Some(sam_id), None);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["conversation"]["assignee_id"], sam_id);
    let seen = sam_ws.recv_until(|f| f["type"] == "conversation.updated");
    let upd = seen.last().unwrap();
    assert_eq!(upd["data"]["change"], "assignee");
    assert_eq!(upd["data"]["from"], Value::Null);
    assert_eq!(upd["data"]["by"], ada_id);
    assert_eq!(upd["data"]["conversation"]["assignee_id"], sam_id);
    let line = seen.iter().find(|f| f["type"] == "message.created").expect("the line, live");
    assert_eq!(
        line["data"]["message"]["system"],
        json!({"code": "conversation.assigned", "params": {"to": "Sam Support", "by": "Ada Admin"}})
    );
    assert_eq!(line["data"]["message"]["body"], "Assigned to Sam Support by Ada Admin");

    // A transfer carries its note to the new assignee, in the event and the line.
    let r = assign(&sam, conv, Some(ada_id), Some("  VIP: refund approved  "));
    assert_eq!(r.status, 200, "{}", r.text());
    let upd = sam_ws.recv_type("conversation.updated");
    assert_eq!((upd["data"]["from"].clone(), upd["data"]["note"].clone()), (json!(sam_id), json!("VIP: refund approved")));
    assert_eq!(assign(&admin, conv, None, None).status, 200);
    assert_eq!(assignee(&admin, conv), None);
    let got = lines(&admin, conv);
    assert_eq!(
        got,
        vec![
            ("conversation.assigned".into(), json!({"to": "Sam Support", "by": "Ada Admin"})),
            ("conversation.transferred".into(), json!({"to": "Ada Admin", "by": "Sam Support", "note": "VIP: refund approved"})),
            ("conversation.unassigned".into(), json!({"by": "Ada Admin"})),
        ]
    );

    // Who may not: an agent without customer support (404, as for any live chat), an assignee who
    // cannot take live chats, a team conversation, a note too long or for nobody.
    assert_eq!(assign(&nina, conv, Some(nina_id), None).status, 404);
    assert_eq!(assign(&admin, conv, Some(nina_id), None).status, 422);
    assert_eq!(assign(&admin, conv, Some(9999), None).status, 422);
    assert_eq!(assign(&admin, conv, Some(sam_id), Some(&"x".repeat(501))).status, 422);
    assert_eq!(assign(&admin, conv, None, Some("for whom?")).status, 422);
    let team = admin.post_json("/api/conversations", &json!({"user_ids": [sam_id], "body": "Lunch?"})).json()["conversation"]["id"]
        .as_i64()
        .unwrap();
    assert_eq!(assign(&admin, team, Some(sam_id), None).status, 422);
    assert!(nina_ws.silent_for(Duration::from_millis(300)) || no_assignment_frames(&mut nina_ws), "Nina gets nothing of live chats");

    // The customer: nothing live, nothing on resume from the start, nothing over HTTP.
    assert!(sally_ws.silent_for(Duration::from_millis(500)), "the widget got an assignment frame");
    let mut replay = sally.ws();
    replay.send(&json!({"type": "resume", "pos": 0}));
    let frames = replay.recv_until(|f| f["type"] == "resumed");
    for f in &frames {
        assert_ne!(f["data"]["change"], "assignee", "{f}");
        assert!(!f.to_string().contains("Sam Support") && !f.to_string().contains("VIP"), "replayed to the customer: {f}");
    }
    let history = sally.history();
    assert!(history.iter().all(|m| m["author"]["kind"] != "system"), "{history:?}");
    assert!(!serde_json::to_string(&history).unwrap().contains("VIP"));
}

/// Nina's socket may get presence/status frames about teammates, never anything about a live chat.
fn no_assignment_frames(ws: &mut Ws) -> bool {
    ws.set_timeout(Duration::from_millis(300));
    loop {
        match ws.ws.read() {
            Ok(tungstenite::Message::Text(t)) => {
                let f: Value = serde_json::from_str(t.as_str()).unwrap();
                if f["type"] != "user.status" && f["type"] != "presence" {
                    return false;
                }
            }
            Ok(_) => continue,
            Err(_) => return true,
        }
    }
}

#[test]
fn a_reply_assigns_an_unassigned_chat_in_the_same_transaction_unless_turned_off() {
    let (s, admin, sam, _sally, conv) = desk();
    let sam_id = sam.id();
    let mut ada_ws = online(&admin);
    let m = sam.reply(conv, "Hi Sally, I'm on it");
    // Acknowledged means committed: the chat is already Sam's, and the line sits right before the
    // reply, its event right before the reply's (one job, one transaction, nothing in between).
    assert_eq!(assignee(&admin, conv), Some(sam_id));
    let got = lines(&admin, conv);
    assert_eq!(got, vec![("conversation.assigned".into(), json!({"to": "Sam Support", "by": "Sam Support"}))]);
    let msgs = admin.get(&format!("/api/conversations/{conv}/messages")).json()["messages"].as_array().unwrap().clone();
    let line_seq = msgs.iter().find(|m| m["author"]["kind"] == "system").unwrap()["seq"].as_i64().unwrap();
    assert_eq!(line_seq + 1, m["seq"].as_i64().unwrap());
    let frames = ada_ws.recv_until(|f| f["type"] == "message.created" && f["data"]["message"]["id"] == m["id"]);
    let pos: Vec<i64> = frames.iter().filter_map(|f| f["pos"].as_i64()).collect();
    let kinds: Vec<&str> = frames.iter().map(|f| f["type"].as_str().unwrap()).collect();
    assert_eq!(&kinds[kinds.len() - 3..], ["message.created", "conversation.updated", "message.created"], "{frames:?}");
    let n = pos.len();
    assert_eq!((pos[n - 3] + 1, pos[n - 2] + 1), (pos[n - 2], pos[n - 1]), "consecutive positions: {pos:?}");
    // A retried send is the same message: no second assignment, no second line.
    let r = sam.post_json(
        &format!("/api/conversations/{conv}/messages"),
        &json!({"body": "Hi Sally, I'm on it", "client_msg_id": m["client_msg_id"]}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(lines(&admin, conv).len(), 1);
    // Someone else's reply does not take it away.
    admin.reply(conv, "Ada here too");
    assert_eq!(assignee(&admin, conv), Some(sam_id));

    // Turned off: replying leaves a chat unassigned.
    settings(&admin, json!({"assign_on_reply": false}));
    let other = new_chat(&s, "Olga");
    sam.reply(other, "Hello Olga");
    assert_eq!(assignee(&admin, other), None);
    assert!(lines(&admin, other).is_empty());
}

#[test]
fn views_counts_and_my_conversations_follow_the_assignee() {
    let (s, admin, sam, _sally, conv) = desk();
    let sam_id = sam.id();
    let second = new_chat(&s, "Olga");
    let views = |c: &Client| c.list("customers", "open")["counts"]["views"].clone();
    let ids = |c: &Client, q: &str| -> Vec<i64> {
        let r = c.get(&format!("/api/conversations?{q}"));
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["conversations"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect()
    };
    let v = views(&sam);
    assert_eq!((v["unassigned"].clone(), v["mine"].clone(), v["all"].clone()), (json!(2), json!(0), json!(2)));
    assert!(v["pos"].is_i64());
    assert!(ids(&sam, "section=mine").is_empty());

    assert_eq!(assign(&admin, conv, Some(sam_id), None).status, 200);
    let v = views(&sam);
    assert_eq!((v["unassigned"].clone(), v["mine"].clone(), v["all"].clone()), (json!(1), json!(1), json!(2)));
    assert_eq!(views(&admin)["mine"], 0, "Mine is the reader's own");
    assert_eq!(ids(&sam, "section=customers&view=mine"), vec![conv]);
    assert_eq!(ids(&sam, "section=customers&view=unassigned"), vec![second]);
    assert_eq!(ids(&sam, "section=customers&view=all").len(), 2);
    // [S4] "My conversations" holds the chats assigned to me, though I never wrote in them.
    assert_eq!(ids(&sam, "section=mine"), vec![conv]);
    assert_eq!(sam.get("/api/conversations?section=mine&view=unassigned").status, 400);

    // Closed chats leave the counts (they are of open chats); the assignee stays.
    admin.post_json(&format!("/api/conversations/{conv}/status"), &json!({"status": "closed"}));
    assert_eq!(views(&sam)["mine"], 0);
    assert_eq!(ids(&sam, "section=customers&view=mine&status=closed"), vec![conv]);
}

#[test]
fn round_robin_hands_chats_out_in_order_up_to_the_cap_and_the_queue_in_arrival_order() {
    let s = Server::start();
    let admin = s.admin();
    let agents: Vec<Client> =
        ["ann", "ben", "cat"].iter().map(|n| s.agent(&admin, &format!("{n}@example.com"), &format!("{n} Agent"), true)).collect();
    let ids: Vec<i64> = agents.iter().map(Client::id).collect();
    let _sockets: Vec<Ws> = agents.iter().map(online).collect();
    settings(&admin, json!({"auto_assign": "round_robin", "assign_cap": 2}));

    // Ada is customer support too, but has no Messenger open: not available.
    let chats: Vec<i64> = (0..8).map(|i| new_chat(&s, &format!("Customer {i}"))).collect();
    let got: Vec<Option<i64>> = chats.iter().map(|c| assignee(&admin, *c)).collect();
    let (a, b, c) = (Some(ids[0]), Some(ids[1]), Some(ids[2]));
    assert_eq!(got, vec![a, b, c, a, b, c, None, None], "round robin up to 2 each; the rest waits");
    assert_eq!(lines(&admin, chats[0]), vec![("conversation.assigned".into(), json!({"to": "ann Agent", "by": "", "auto": true}))]);

    // Ann closes one: the oldest waiting chat (#7) is hers at once.
    agents[0].post_json(&format!("/api/conversations/{}/status", chats[0]), &json!({"status": "closed"}));
    assert_eq!(assignee(&admin, chats[6]), a);
    assert_eq!(assignee(&admin, chats[7]), None);
    // Ben hands one back: it joins the end of the queue, behind #8, which Ben gets.
    assert_eq!(assign(&agents[1], chats[1], None, None).status, 200);
    assert_eq!(assignee(&admin, chats[7]), b);
    assert_eq!(assignee(&admin, chats[1]), None);
    // A higher cap frees places: the next agent in turn after Ben takes it.
    settings(&admin, json!({"assign_cap": 3}));
    assert_eq!(assignee(&admin, chats[1]), c);
}

#[test]
fn an_agent_who_comes_online_or_back_from_away_takes_waiting_chats_and_away_agents_take_none() {
    let s = Server::start();
    let admin = s.admin();
    let ann = s.agent(&admin, "ann@example.com", "Ann Agent", true);
    let ann_id = ann.id();
    settings(&admin, json!({"auto_assign": "round_robin"}));
    let first = new_chat(&s, "Olga");
    assert_eq!(assignee(&admin, first), None, "nobody connected: it waits");
    let _ws = online(&ann);
    assert_eq!(assignee(&admin, first), Some(ann_id), "Ann opened the Messenger");

    set_status(&ann, "away");
    let second = new_chat(&s, "Pia");
    assert_eq!(assignee(&admin, second), None, "Away takes no auto-assignment");
    set_status(&ann, "online");
    assert_eq!(assignee(&admin, second), Some(ann_id), "back Online: the waiting chat comes");
    // By hand, anyone who may take live chats can still be given one while Away.
    set_status(&ann, "away");
    let third = new_chat(&s, "Quinn");
    assert_eq!(assign(&admin, third, Some(ann_id), None).status, 200);
}

#[test]
fn the_round_robin_position_survives_a_restart() {
    let s = Server::start();
    let admin = s.admin();
    for n in ["ann", "ben", "cat"] {
        s.agent(&admin, &format!("{n}@example.com"), &format!("{n} Agent"), true);
    }
    settings(&admin, json!({"auto_assign": "round_robin"}));
    let login = |s: &Server| -> Vec<Client> {
        ["ann", "ben", "cat"].iter().map(|n| s.login(&format!("{n}@example.com"), "agent password 1")).collect()
    };
    let before = login(&s);
    let ids: Vec<i64> = before.iter().map(Client::id).collect();
    let sockets: Vec<Ws> = before.iter().map(online).collect();
    let c1 = new_chat(&s, "One");
    let c2 = new_chat(&s, "Two");
    assert_eq!((assignee(&admin, c1), assignee(&admin, c2)), (Some(ids[0]), Some(ids[1])));
    drop(sockets);

    let s = restart(s);
    let after = login(&s);
    // They come back in another order: the turn is Cat's whoever connects first.
    let _sockets: Vec<Ws> = after.iter().rev().map(online).collect();
    let c3 = new_chat(&s, "Three");
    assert_eq!(assignee(&after[0], c3), Some(ids[2]));
    let c4 = new_chat(&s, "Four");
    assert_eq!(assignee(&after[0], c4), Some(ids[0]));
}

/// Stop the server and start a new one on the same data directory (a new port).
fn restart(s: Server) -> Server {
    let Server { running, dir, .. } = s;
    running.expect("an in-process server").shutdown();
    let running = frontdesk::start(Config::for_test(dir.0.clone())).expect("server restarts");
    Server { addr: running.addr, running: Some(running), dir }
}

#[test]
fn deactivating_an_agent_or_ending_their_customer_support_returns_their_open_chats() {
    let s = Server::start();
    let admin = s.admin();
    let ann = s.agent(&admin, "ann@example.com", "Ann Agent", true);
    let ben = s.agent(&admin, "ben@example.com", "Ben Agent", true);
    let (ann_id, ben_id) = (ann.id(), ben.id());
    let chats: Vec<i64> = ["Olga", "Pia", "Quinn"].iter().map(|n| new_chat(&s, n)).collect();
    for c in &chats {
        assert_eq!(assign(&admin, *c, Some(ann_id), None).status, 200);
    }
    admin.post_json(&format!("/api/conversations/{}/status", chats[2]), &json!({"status": "closed"}));

    let r = admin.post_json(&format!("/api/users/{ann_id}/deactivate"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!((assignee(&admin, chats[0]), assignee(&admin, chats[1])), (None, None));
    assert_eq!(lines(&admin, chats[0]).last().unwrap(), &("conversation.unassigned".to_string(), json!({"by": "Ada Admin"})));
    // A closed one loses its assignee quietly: reopened, it waits like any other.
    assert_eq!(assignee(&admin, chats[2]), None);
    assert_eq!(lines(&admin, chats[2]).iter().filter(|(c, _)| c == "conversation.unassigned").count(), 0);

    // With auto-assignment on and Ben available, what comes back is handed out again at once.
    let _ws = online(&ben);
    settings(&admin, json!({"auto_assign": "round_robin"}));
    assert_eq!((assignee(&admin, chats[0]), assignee(&admin, chats[1])), (Some(ben_id), Some(ben_id)));
    settings(&admin, json!({"auto_assign": "off"}));
    let r = admin.patch_json(&format!("/api/users/{ben_id}"), &json!({"customer_support": false}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!((assignee(&admin, chats[0]), assignee(&admin, chats[1])), (None, None));
}

#[test]
fn away_agents_do_not_keep_the_desk_online_and_status_is_live_to_agents_only() {
    let s = Server::start();
    let admin = s.admin();
    let ann = s.agent(&admin, "ann@example.com", "Ann Agent", true);
    let ann_id = ann.id();
    settings(&admin, json!({"offline_when_no_agents": true}));
    let sally = s.customer(Some("Sally"));
    sally.say("Hello?");
    let mut sally_ws = sally.ws();
    sally_ws.resume(None);
    let widget_online = || s.client().get("/api/widget/settings").json()["helpdesk"]["online"].as_bool().unwrap();
    assert!(!widget_online(), "nobody connected");

    let mut ann_ws = online(&ann);
    let mut ada_ws = online(&admin);
    set_status(&admin, "away");
    assert!(widget_online(), "Ann is there");
    // (Ada's socket opening was announced first: Online.)
    let st = ann_ws.recv_until(|f| f["type"] == "user.status" && f["data"]["status"] == "away");
    assert_eq!(st.last().unwrap()["data"], json!({"user_id": admin.id(), "status": "away", "availability": "away"}));

    set_status(&ann, "away");
    assert!(!widget_online(), "only Away agents: offline for customers");
    let st = ada_ws.recv_until(|f| f["type"] == "user.status" && f["data"]["user_id"] == ann_id);
    assert_eq!(st.last().unwrap()["data"], json!({"user_id": ann_id, "status": "away", "availability": "away"}));
    // (Ann's arrival may have been announced first: Online.)
    let hs = sally_ws.recv_until(|f| f["type"] == "helpdesk.status" && f["data"]["online"] == false);
    let hs = hs.last().unwrap();
    assert_eq!((hs["data"]["online"].clone(), hs["data"]["status"]["reason"].clone()), (json!(false), json!("no_agents")));
    // The choice is kept: it is in /api/me and /api/team, and survives signing in again.
    assert_eq!(s.login("ann@example.com", "agent password 1").get("/api/me").json()["user"]["availability"], "away");
    let team = admin.get("/api/team").json()["users"].clone();
    let ann_row = team.as_array().unwrap().iter().find(|u| u["id"] == ann_id).unwrap().clone();
    assert_eq!((ann_row["status"].clone(), ann_row["open_chats"].clone()), (json!("away"), json!(0)));

    set_status(&ann, "online");
    assert!(widget_online());
    // Closing the Messenger: Offline, announced to the other agents.
    drop(ann_ws);
    let st = ada_ws.recv_until(|f| f["type"] == "user.status" && f["data"]["user_id"] == ann_id && f["data"]["status"] != "away");
    assert_eq!(st.last().unwrap()["data"]["status"], "online", "back Online first");
    let st = ada_ws.recv_type("user.status");
    assert_eq!(st["data"], json!({"user_id": ann_id, "status": "offline", "availability": "online"}));
    assert_eq!(s.client().post_json("/api/me/status", &json!({"status": "away"})).status, 401);
    assert_eq!(admin.post_json("/api/me/status", &json!({"status": "busy"})).status, 422);
    // The widget never hears of agents' status.
    sally_ws.set_timeout(Duration::from_millis(300));
    while let Ok(m) = sally_ws.ws.read() {
        if let tungstenite::Message::Text(t) = m {
            assert!(!t.as_str().contains("user.status") && !t.as_str().contains("availability"), "{t}");
        }
    }
}

#[test]
fn the_customer_projection_renders_no_assignment_line() {
    use frontdesk::desk::customer;
    for code in ASSIGNMENT_CODES {
        assert!(frontdesk::desk::system_lines::CODES.contains(&code), "{code}");
        assert!(!customer::sees_line(code), "{code}");
        let m = json!({"id": 1, "conversation_id": 1, "seq": 2, "author": {"kind": "system", "id": null, "name": "Frontdesk"},
            "body": "Assigned to Sam", "client_msg_id": null, "created_at": 1, "edited_at": null, "deleted_at": null,
            "system": {"code": code, "params": {"to": "Sam", "by": "Ada", "note": "secret"}}});
        assert!(customer::event("message.created", &json!({"message": m})).is_none(), "{code}");
    }
    assert!(customer::event("conversation.updated", &json!({"change": "assignee", "conversation": {"id": 1}})).is_none());
    assert!(customer::event("user.status", &json!({"user_id": 1, "status": "away"})).is_none());
}
