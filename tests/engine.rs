//! The conversations engine (issue 3): real-time delivery, the rules of [S5]–[S7] and [S10],
//! visibility, idempotency, resume, durability under SIGKILL, isolation from slow clients, search.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

/// Admin (customer support), a support agent, and a customer who has written once.
fn desk() -> (Server, Client, Client, Customer, i64) {
    let s = Server::start();
    let admin = s.admin();
    let sam = s.agent(&admin, "sam@example.com", "Sam Support", true);
    let sally = s.customer(Some("Sally C."));
    let m = sally.say("Hello, my order #1001 is late");
    let conv = m["conversation_id"].as_i64().unwrap();
    (s, admin, sam, sally, conv)
}

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
    assert_eq!(ack["seq"], 2);
    for sock in [&mut customer, &mut sam_tab1, &mut sam_tab2] {
        let ev = sock.recv_type("message.created");
        assert_eq!(ev["data"]["message"]["body"], "Hi Sally, let me check.");
        assert_eq!(ev["data"]["message"]["author"]["name"], "Ada Admin");
        assert!(ev["pos"].as_i64().unwrap() > 0);
    }
    // And the customer's reply reaches the agents live.
    customer.send(&json!({"type": "send", "body": "Thanks!", "client_msg_id": "c1"}));
    assert_eq!(customer.recv_type("ack")["seq"], 3);
    ada.recv_until(|v| v["type"] == "message.created" && v["data"]["message"]["body"] == "Thanks!");
    assert_eq!(sam_tab1.recv_type("message.created")["data"]["message"]["author"]["kind"], "customer");
    // The visitor token never appears in what agents get.
    let listed = admin.list("customers", "open").to_string();
    assert!(!listed.contains(&sally.token));
    assert!(!admin.get(&format!("/api/customers/{}", sally.id)).text().contains(&sally.token));
}

#[test]
fn closing_moves_to_closed_and_a_customer_reply_reopens() {
    let (_s, admin, _sam, sally, conv) = desk();
    let open_ids = |c: &Client, status: &str| -> Vec<i64> {
        c.list("customers", status)["conversations"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect()
    };
    assert_eq!(open_ids(&admin, "open"), vec![conv]);
    let r = admin.post_json(&format!("/api/conversations/{conv}/status"), &json!({"status": "closed"}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(open_ids(&admin, "open"), Vec::<i64>::new());
    assert_eq!(open_ids(&admin, "closed"), vec![conv]);

    // An agent message on a closed conversation does not reopen it...
    admin.reply(conv, "One more note");
    assert_eq!(open_ids(&admin, "closed"), vec![conv]);
    // ...unless the agent chooses to.
    let r = admin.post_json(&format!("/api/conversations/{conv}/messages"), &json!({"body": "Reopening", "reopen": true}));
    assert_eq!(r.status, 201);
    assert_eq!(open_ids(&admin, "open"), vec![conv]);
    admin.post_json(&format!("/api/conversations/{conv}/status"), &json!({"status": "closed"}));

    let mut ada = admin.ws();
    ada.resume(None);
    sally.say("Actually, one more question");
    let upd = ada.recv_type("conversation.updated");
    assert_eq!(upd["data"]["conversation"]["status"], "open");
    assert_eq!(open_ids(&admin, "open"), vec![conv]);
    // System messages record who closed and reopened, in order.
    let msgs = admin.get(&format!("/api/conversations/{conv}/messages")).json()["messages"].as_array().unwrap().clone();
    let system: Vec<&str> = msgs.iter().filter(|m| m["author"]["kind"] == "system").map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(system, vec!["Closed by Ada Admin", "Reopened by Ada Admin", "Closed by Ada Admin", "Reopened by Sally C."]);
    let seqs: Vec<i64> = msgs.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "gapless sequence");
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

#[test]
fn same_client_msg_id_concurrently_and_after_restart_makes_one_row() {
    let dir = TempDir::new();
    let start = |d: &TempDir| frontdesk::start(Config::for_test(d.0.clone())).unwrap();
    let run = start(&dir);
    let s = Server { addr: run.addr, running: None, dir: TempDir::new() };
    let admin = s.admin();
    let sally = s.customer(Some("Sally"));
    let conv = sally.say("hi")["conversation_id"].as_i64().unwrap();
    let handles: Vec<_> = (0..5)
        .map(|_| {
            let a = admin.clone();
            std::thread::spawn(move || {
                let r =
                    a.post_json(&format!("/api/conversations/{conv}/messages"), &json!({"body": "exactly once", "client_msg_id": "dup-1"}));
                (r.status, r.json()["message"]["id"].as_i64().unwrap())
            })
        })
        .collect();
    let results: Vec<(u16, i64)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(results.iter().filter(|(s, _)| *s == 201).count(), 1, "{results:?}");
    assert!(results.iter().all(|(_, id)| *id == results[0].1), "{results:?}");
    // Over WebSocket too, on a new socket.
    let mut w = admin.ws();
    w.send(&json!({"type": "send", "conversation_id": conv, "body": "exactly once", "client_msg_id": "dup-1"}));
    let ack = w.recv_type("ack");
    assert_eq!((ack["id"].as_i64().unwrap(), ack["duplicate"].as_bool().unwrap()), (results[0].1, true));
    let seq = ack["seq"].clone();
    drop(w);
    // After a restart on the same data directory.
    run.shutdown();
    let run = start(&dir);
    let s2 = Server { addr: run.addr, running: None, dir: TempDir::new() };
    let admin = Client { addr: s2.addr, origin: s2.origin(), ..admin };
    let mut admin = admin;
    admin.csrf = None;
    let admin = s2.login("ada@example.com", "correct horse battery");
    let r = admin.post_json(&format!("/api/conversations/{conv}/messages"), &json!({"body": "exactly once", "client_msg_id": "dup-1"}));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["message"]["seq"], seq);
    let msgs = admin.get(&format!("/api/conversations/{conv}/messages")).json()["messages"].as_array().unwrap().clone();
    assert_eq!(msgs.iter().filter(|m| m["body"] == "exactly once").count(), 1);
    // The customer side is idempotent as well.
    let sally = Customer { addr: s2.addr, origin: s2.origin(), ..sally };
    let a = sally.request("POST", "/api/widget/messages", Some(&json!({"body": "retry me", "client_msg_id": "w-1"})));
    let b = sally.request("POST", "/api/widget/messages", Some(&json!({"body": "retry me", "client_msg_id": "w-1"})));
    assert_eq!((a.status, b.status), (201, 200));
    assert_eq!(a.json()["message"]["id"], b.json()["message"]["id"]);
    run.shutdown();
}

#[test]
fn fifty_concurrent_starts_with_one_token_make_one_conversation() {
    let s = Server::start();
    s.admin();
    let c = s.customer(None);
    let handles: Vec<_> = (0..50)
        .map(|_| {
            let c = c.clone();
            std::thread::spawn(move || c.request("POST", "/api/widget/conversation", None).json()["conversation"]["id"].as_i64().unwrap())
        })
        .collect();
    let ids: Vec<i64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
    let db = rusqlite::Connection::open(s.dir.0.join("frontdesk.db")).unwrap();
    let n: i64 = db.query_row("SELECT COUNT(*) FROM conversations WHERE customer_id = ?1", [c.id], |r| r.get(0)).unwrap();
    assert_eq!(n, 1);
}

#[test]
fn a_client_that_disconnects_while_100_are_sent_resumes_with_no_gap_and_no_duplicate() {
    let (_s, admin, sam, sally, conv) = desk();
    let mut w = sam.ws();
    let pos = sam.list("customers", "open")["pos"].as_i64().unwrap();
    w.resume(Some(pos));
    sally.say("before the drop");
    let first = w.recv_type("message.created");
    let last_pos = first["pos"].as_i64().unwrap();
    drop(w);
    for i in 0..100 {
        if i % 2 == 0 {
            sally.say(&format!("m{i}"))
        } else {
            admin.reply(conv, &format!("m{i}"))
        };
    }
    let mut w = sam.ws();
    w.send(&json!({"type": "resume", "pos": last_pos}));
    let frames = w.recv_until(|v| v["type"] == "resumed");
    let bodies: Vec<String> = frames
        .iter()
        .filter(|v| v["type"] == "message.created")
        .map(|v| v["data"]["message"]["body"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(bodies, (0..100).map(|i| format!("m{i}")).collect::<Vec<_>>());
    let positions: Vec<i64> = frames.iter().filter_map(|v| v["pos"].as_i64()).collect();
    assert!(positions.windows(2).all(|p| p[0] < p[1]), "in order");
    // Then live: the next message arrives exactly once.
    sally.say("after resume");
    let ev = w.recv_type("message.created");
    assert_eq!(ev["data"]["message"]["body"], "after resume");
    assert!(w.silent_for(Duration::from_millis(300)));
    // An unknown position gets "reload", never a silent gap.
    let mut w = sam.ws();
    w.send(&json!({"type": "resume", "pos": 999_999}));
    assert_eq!(w.recv()["type"], "reload");
}

/// Start the real binary on a data dir; returns the child and its address.
fn spawn_server(dir: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_frontdesk"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(dir)
        .env("FRONTDESK_ARGON2_M_KIB", "256")
        .env("FRONTDESK_ARGON2_T", "1")
        .env("FRONTDESK_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("listening on http://").unwrap_or_else(|| panic!("first line: {line}")).to_string();
    (child, url)
}

#[test]
fn sigkill_loses_no_acknowledged_message() {
    let dir = TempDir::new();
    let (mut child, addr) = spawn_server(&dir.0);
    let s = Server { addr: addr.parse().unwrap(), running: None, dir: TempDir::new() };
    s.admin();
    let sally = s.customer(Some("Sally"));
    child.kill().unwrap();
    child.wait().unwrap();
    let mut acked: HashMap<String, i64> = HashMap::new();
    for round in 0..20 {
        let (mut child, addr) = spawn_server(&dir.0);
        let addr: std::net::SocketAddr = addr.parse().unwrap();
        let c = Customer { addr, origin: format!("http://{addr}"), ..sally.clone() };
        let mut bits = [0u8; 2];
        rand::fill(&mut bits);
        let kill_after = Duration::from_millis(20 + (u16::from_le_bytes(bits) % 200) as u64);
        let senders: Vec<_> = (0..3)
            .map(|t| {
                let c = c.clone();
                std::thread::spawn(move || {
                    let mut got = Vec::new();
                    let Ok(mut w) = common::widget_socket(c.addr, &c.origin, &c.token) else {
                        return got;
                    };
                    for i in 0.. {
                        let id = format!("r{round}-t{t}-{i}");
                        if w.ws
                            .send(tungstenite::Message::text(json!({"type": "send", "body": id, "client_msg_id": id}).to_string()))
                            .is_err()
                        {
                            break;
                        }
                        // Read until this send's ack (or the connection dies with the process).
                        let ack = loop {
                            match w.ws.read() {
                                Ok(tungstenite::Message::Text(t)) => {
                                    let v: Value = serde_json::from_str(t.as_str()).unwrap();
                                    if v["type"] == "ack" {
                                        break Some(v);
                                    }
                                }
                                Ok(_) => {}
                                Err(_) => break None,
                            }
                        };
                        match ack {
                            Some(v) => got.push((id, v["seq"].as_i64().unwrap())),
                            None => break,
                        }
                    }
                    got
                })
            })
            .collect();
        std::thread::sleep(kill_after);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for h in senders {
            for (id, seq) in h.join().unwrap() {
                acked.insert(id, seq);
            }
        }
    }
    assert!(acked.len() > 20, "the test sent too little to mean anything: {}", acked.len());
    // Restart and check every acknowledged message is there exactly once, at its acked seq.
    let (mut child, addr) = spawn_server(&dir.0);
    let addr: std::net::SocketAddr = addr.parse().unwrap();
    drop(child.stdout.take());
    let db = rusqlite::Connection::open(dir.0.join("frontdesk.db")).unwrap();
    let mut st = db.prepare("SELECT client_msg_id, seq FROM messages WHERE author_kind = 'customer'").unwrap();
    let rows: Vec<(Option<String>, i64)> = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
    let mut count: HashMap<String, usize> = HashMap::new();
    let mut stored_seq: HashMap<String, i64> = HashMap::new();
    for (id, seq) in rows {
        if let Some(id) = id {
            *count.entry(id.clone()).or_default() += 1;
            stored_seq.insert(id, seq);
        }
    }
    for (id, seq) in &acked {
        assert_eq!(count.get(id), Some(&1), "acked message {id} must be stored exactly once");
        assert_eq!(stored_seq[id], *seq);
    }
    let seqs: Vec<i64> =
        db.prepare("SELECT seq FROM messages ORDER BY seq").unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "no gap in the sequence");
    let _ = addr;
    child.kill().unwrap();
    child.wait().unwrap();
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
        let ev = fast.recv_type("message.created");
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

#[test]
fn search_finds_words_respects_visibility_and_treats_syntax_as_text() {
    let (s, admin, _sam, sally, conv) = desk();
    admin.reply(conv, "Your parcel is with the courier: tracking code ZX42");
    sally.say("What does \"NEAR(\" mean OR * anything?");
    let search = |c: &Client, q: &str| -> Value {
        let r = c.get(&format!("/api/search?q={}", q.replace(' ', "+").replace('"', "%22").replace('*', "%2A").replace('(', "%28")));
        assert_eq!(r.status, 200, "{q}: {}", r.text());
        r.json()
    };
    let r = search(&admin, "courier tracking");
    assert_eq!(r["results"][0]["conversation_id"], conv);
    assert!(r["results"][0]["snippet"].as_str().unwrap().contains("\u{2}courier\u{3}"));
    assert_eq!(search(&admin, "parc")["results"].as_array().unwrap().len(), 1, "prefix while typing");
    for hostile in ["\"", "*", "OR", "NEAR(", "\"NEAR(\" OR *", "' OR 1=1 --", "a\"b"] {
        let r = search(&admin, hostile);
        assert!(r["results"].is_array(), "{hostile}");
    }
    assert_eq!(search(&admin, "NEAR(")["results"].as_array().unwrap().len(), 1);
    // Customer names are searchable.
    assert_eq!(search(&admin, "Sally")["conversations"][0]["conversation_id"], conv);
    // Visibility: a non-support agent finds nothing of the live chat but finds their team chat.
    let nina = s.agent(&admin, "nina@example.com", "Nina", false);
    assert_eq!(search(&nina, "courier")["results"], json!([]));
    assert_eq!(search(&nina, "Sally")["conversations"], json!([]));
    admin.post_json("/api/conversations", &json!({"user_ids": [nina.id()], "body": "the courier strike"}));
    assert_eq!(search(&nina, "courier")["results"].as_array().unwrap().len(), 1);
}

#[test]
fn edit_and_delete_rules_with_revision_history() {
    let (s, admin, sam, sally, conv) = desk();
    let mine = sam.reply(conv, "Helo Sally");
    let id = mine["id"].as_i64().unwrap();
    let mut customer = sally.ws();
    customer.resume(None);
    let r = sam.patch_json(&format!("/api/messages/{id}"), &json!({"body": "Hello Sally zebra"}));
    assert_eq!(r.status, 200);
    assert!(r.json()["message"]["edited_at"].is_i64());
    assert_eq!(customer.recv_type("message.updated")["data"]["message"]["body"], "Hello Sally zebra");
    // Others cannot edit it; an admin can delete it; the author can delete their own.
    assert_eq!(admin.patch_json(&format!("/api/messages/{id}"), &json!({"body": "hijack"})).status, 403);
    let customer_msg = sally.history()[0]["id"].as_i64().unwrap();
    assert_eq!(sam.patch_json(&format!("/api/messages/{customer_msg}"), &json!({"body": "x"})).status, 403);
    assert_eq!(sam.delete(&format!("/api/messages/{customer_msg}")).status, 403);
    let r = admin.delete(&format!("/api/messages/{id}"));
    assert_eq!(r.status, 200);
    let ev = customer.recv_type("message.deleted");
    assert_eq!(ev["data"]["message"]["body"], "");
    assert!(ev["data"]["message"]["deleted_at"].is_i64());
    assert!(sally.history().iter().all(|m| m["body"] != "Hello Sally zebra"), "the customer no longer sees the text");
    // Admins read the history; agents cannot.
    let revs = admin.get(&format!("/api/messages/{id}/revisions")).json()["revisions"].clone();
    assert_eq!(revs.as_array().unwrap().len(), 2);
    assert_eq!(revs[0]["action"], "edit");
    assert_eq!(revs[0]["old_body"], "Helo Sally");
    assert_eq!(revs[0]["by_name"], "Sam Support");
    assert_eq!(revs[1]["action"], "delete");
    assert_eq!(revs[1]["old_body"], "Hello Sally zebra");
    assert_eq!(revs[1]["by_name"], "Ada Admin");
    assert_eq!(sam.get(&format!("/api/messages/{id}/revisions")).status, 403);
    // Customers have no edit or delete at all.
    assert_eq!(sally.request("PATCH", &format!("/api/messages/{customer_msg}"), Some(&json!({"body": "x"}))).status, 401);
    // Deleted text is gone from search.
    assert_eq!(admin.get("/api/search?q=zebra").json()["results"], json!([]));
    drop(s);
}

#[test]
fn message_limits_and_bad_input() {
    let (_s, admin, _sam, sally, conv) = desk();
    let big = "y".repeat(16 * 1024 + 1);
    let r = sally.request("POST", "/api/widget/messages", Some(&json!({"body": big})));
    assert_eq!(r.status, 413);
    assert!(r.json()["error"].as_str().unwrap().contains("16 KiB"));
    assert_eq!(admin.post_json(&format!("/api/conversations/{conv}/messages"), &json!({"body": "   "})).status, 422);
    assert_eq!(admin.post_json(&format!("/api/conversations/{conv}/messages"), &json!({"nobody": 1})).status, 400);
    assert_eq!(admin.get("/api/conversations?section=bogus").status, 400);
    assert_eq!(admin.get("/api/conversations/abc").status, 404);
    let mut w = admin.ws();
    w.send(&json!({"type": "send", "conversation_id": conv, "body": "", "client_msg_id": "e1"}));
    let e = w.recv_type("error");
    assert_eq!((e["status"].as_i64(), e["client_msg_id"].as_str()), (Some(422), Some("e1")));
    // Exactly 16 KiB of multi-byte text is fine and comes back byte for byte.
    let exact = "é".repeat(8 * 1024);
    let m = sally.say(&exact);
    assert_eq!(m["body"].as_str().unwrap(), exact);
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
fn an_idle_customer_resumes_without_reload_on_a_busy_help_desk() {
    let (s, admin, _sam, sally, conv) = desk();
    let session = sally.request("GET", "/api/widget/session", None).json();
    let pos = session["pos"].as_i64().unwrap();
    // More events than a client may be behind (5,000), none of them for Sally.
    let others: Vec<Customer> = (0..8).map(|i| s.customer(Some(&format!("Busy {i}")))).collect();
    let handles: Vec<_> = others
        .into_iter()
        .map(|c| {
            std::thread::spawn(move || {
                for i in 0..650 {
                    let r = c.request("POST", "/api/widget/messages", Some(&json!({"body": format!("noise {i}")})));
                    assert_eq!(r.status, 201, "{}", r.text());
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    admin.reply(conv, "Your parcel shipped");
    let mut w = sally.ws();
    w.send(&json!({"type": "resume", "pos": pos}));
    let frames = w.recv_until(|v| v["type"] == "resumed" || v["type"] == "reload");
    assert!(frames.iter().all(|v| v["type"] != "reload"), "an idle visitor is not 'behind' because others talked");
    let bodies: Vec<&str> =
        frames.iter().filter(|v| v["type"] == "message.created").map(|v| v["data"]["message"]["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, vec!["Your parcel shipped"]);
}

#[test]
fn search_ranks_selective_queries_and_lists_very_common_words_newest_first() {
    let (s, admin, _sam, _sally, _conv) = desk();
    let writers: Vec<Customer> = (0..4).map(|i| s.customer(Some(&format!("W{i}")))).collect();
    let handles: Vec<_> = writers
        .into_iter()
        .map(|c| {
            std::thread::spawn(move || {
                for i in 0..520 {
                    let body = if i == 519 { "common word and a latest marker".to_string() } else { format!("common word number {i}") };
                    assert_eq!(c.request("POST", "/api/widget/messages", Some(&json!({"body": body}))).status, 201);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let r = admin.get("/api/search?q=common").json();
    assert_eq!(r["order"], "newest", "over 2,000 matches: newest first");
    let ids: Vec<i64> = r["results"].as_array().unwrap().iter().map(|h| h["message_id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 20);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let r = admin.get("/api/search?q=latest+marker").json();
    assert_eq!(r["order"], "relevance");
    assert_eq!(r["results"].as_array().unwrap().len(), 4);
}

#[test]
fn the_customer_panel_knows_the_visitors_time_zone() {
    let s = Server::start();
    let admin = s.admin();
    let mk = |tz: &str| {
        let r = raw_request(
            s.addr,
            "POST",
            "/api/widget/visitors",
            &[("Origin".into(), s.origin())],
            json!({"name": "Tess", "timezone": tz, "page_url": "https://shop.example/", "language": "pt-PT"}).to_string().as_bytes(),
        );
        assert_eq!(r.status, 201);
        r.json()["customer"]["id"].as_i64().unwrap()
    };
    let good = mk("Europe/Lisbon");
    let bad = mk("<script>alert(1)</script>");
    assert_eq!(admin.get(&format!("/api/customers/{good}")).json()["customer"]["timezone"], "Europe/Lisbon");
    assert_eq!(admin.get(&format!("/api/customers/{bad}")).json()["customer"]["timezone"], "", "only IANA-looking names are kept");
}
