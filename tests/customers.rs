//! Customer records (issue 15, part D): customer-support agents correct a customer's name, email,
//! phone and note; the change is checked, audited, searchable and live for the agents, and the
//! customer is never told. Past conversations are named by what the customer wrote. Agents see
//! "Seen" once the customer has read their messages, live and after a reload.

mod common;

use std::time::Duration;

use common::desk::desk;
use common::*;
use serde_json::{Value, json};

fn patch(c: &Client, id: i64, body: Value) -> Resp {
    c.patch_json(&format!("/api/customers/{id}"), &body)
}

fn search(c: &Client, q: &str) -> Value {
    c.get(&format!("/api/search?q={}", q.replace(' ', "+"))).json()
}

/// True if nothing but presence news arrives on `ws` within `d` (another socket opening says
/// "online" to every agent).
fn quiet(ws: &mut Ws, d: Duration) -> bool {
    ws.set_timeout(d);
    let quiet = loop {
        match ws.ws.read() {
            Ok(tungstenite::Message::Text(t)) if !t.as_str().contains("\"type\":\"presence\"") => break false,
            Ok(_) => continue,
            Err(_) => break true,
        }
    };
    ws.set_timeout(Duration::from_secs(10));
    quiet
}

#[test]
fn an_agent_corrects_a_customer_and_every_agent_sees_it_live() {
    let (s, admin, sam, sally, conv) = desk();
    admin.post_json(&format!("/api/conversations/{conv}/status"), &json!({"status": "closed"}));
    let nina = s.agent(&admin, "nina@example.com", "Nina", false);
    let (mut admin_ws, mut nina_ws, mut sally_ws) = (admin.ws(), nina.ws(), sally.ws());
    admin_ws.resume(None);
    nina_ws.resume(None);
    sally_ws.resume(None);

    let r = patch(
        &sam,
        sally.id,
        json!({"name": " Sally Carter ", "email": "sally@example.com", "phone": "+351 912 345 678", "note": "Prefers email."}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let cu = &r.json()["customer"];
    assert_eq!(
        (cu["name"].as_str(), cu["email"].as_str(), cu["phone"].as_str()),
        (Some("Sally Carter"), Some("sally@example.com"), Some("+351 912 345 678"))
    );
    assert_eq!(cu["name_given"], true, "she gave a name herself when she started; an agent's correction leaves that as it was");

    // Live for the agents who see live chats.
    let ev = admin_ws.recv_type("customer.updated");
    assert_eq!((ev["data"]["customer"]["id"].as_i64(), ev["data"]["customer"]["name"].as_str()), (Some(sally.id), Some("Sally Carter")));
    assert_eq!(ev["data"]["customer"]["note"], "Prefers email.");
    // The name is everywhere: list rows, the conversation, the panel, messages, search.
    let rows = admin.list("customers", "closed")["conversations"].clone();
    assert_eq!(rows[0]["customer_name"], "Sally Carter");
    assert_eq!(admin.get(&format!("/api/conversations/{conv}")).json()["conversation"]["customer_name"], "Sally Carter");
    let msgs = admin.get(&format!("/api/conversations/{conv}/messages")).json();
    assert_eq!(msgs["messages"][0]["author"]["name"], "Sally Carter");
    assert_eq!(search(&admin, "Carter")["conversations"][0]["conversation_id"], conv, "found by her new name");
    assert_eq!(search(&admin, "sally@example.com")["conversations"][0]["conversation_id"], conv);
    assert_eq!(search(&admin, "Sally C")["conversations"].as_array().unwrap().len(), 1, "\"C\" is now a prefix of Carter");
    // Nina (no customer support) and Sally herself hear nothing of it.
    assert!(quiet(&mut nina_ws, Duration::from_millis(300)));
    assert!(quiet(&mut sally_ws, Duration::from_millis(300)), "the customer's widget is not told");
    for path in ["/api/widget/session", "/api/widget/messages"] {
        let text = sally.request("GET", path, None).text();
        assert!(!text.contains("Prefers email") && !text.contains("912 345"), "{path} shows the note or phone: {text}");
    }

    // Audited, old → new; an unchanged record writes nothing.
    let audit = admin.get("/api/audit").json()["entries"][0].clone();
    assert_eq!(
        (audit["action"].as_str(), audit["target"].as_str()),
        (Some("customer.update"), Some(format!("customer:{}", sally.id).as_str()))
    );
    assert_eq!(audit["detail"]["name"], json!({"from": "Sally C.", "to": "Sally Carter"}));
    assert_eq!(audit["detail"]["email"], json!({"from": null, "to": "sally@example.com"}));
    assert_eq!(audit["detail"]["note"], json!({"from": "", "to": "Prefers email."}));
    assert_eq!(patch(&sam, sally.id, json!({"name": "Sally Carter"})).status, 200);
    assert!(quiet(&mut admin_ws, Duration::from_millis(300)), "nothing changed, nothing announced");
    assert_eq!(admin.get("/api/audit").json()["entries"][0]["id"], audit["id"]);
    // A long note is audited by its length, not its words.
    let long = "All the details of her account history. ".repeat(20);
    assert_eq!(patch(&sam, sally.id, json!({"note": long, "email": ""})).status, 200);
    let audit = admin.get("/api/audit").json()["entries"][0].clone();
    assert_eq!(audit["detail"]["note"]["to"], format!("({} characters)", long.trim_end().chars().count()));
    assert_eq!(audit["detail"]["email"]["to"], Value::Null, "an empty email removes it");
    assert!(!audit.to_string().contains("account history"));
}

#[test]
fn a_record_is_checked_and_only_customer_support_may_change_it() {
    let (s, admin, sam, sally, _conv) = desk();
    let nina = s.agent(&admin, "nina@example.com", "Nina", false);
    let field = |body: Value| {
        let r = patch(&sam, sally.id, body);
        (r.status, r.json()["error"].as_str().unwrap_or("").split(':').next().unwrap_or("").to_string())
    };
    assert_eq!(field(json!({"name": "  "})), (422, "name".into()));
    assert_eq!(field(json!({"name": "n".repeat(81)})), (422, "name".into()));
    assert_eq!(field(json!({"email": "sally at example"})), (422, "email".into()));
    assert_eq!(field(json!({"phone": "call me maybe"})), (422, "phone".into()));
    assert_eq!(field(json!({"phone": "1".repeat(41)})), (422, "phone".into()));
    assert_eq!(field(json!({"note": "n".repeat(4097)})), (422, "note".into()));
    assert_eq!(patch(&sam, sally.id, json!({"note": "n".repeat(4096)})).status, 200);
    assert_eq!(patch(&sam, sally.id, json!({"nickname": "S"})).status, 400, "an unknown field is refused, not ignored");
    assert_eq!(patch(&nina, sally.id, json!({"name": "Nope"})).status, 404);
    assert_eq!(patch(&sam, 999_999, json!({"name": "Nope"})).status, 404);
    assert_eq!(admin.get(&format!("/api/customers/{}", sally.id)).json()["customer"]["name"], "Sally C.");
}

#[test]
fn the_customers_own_name_later_wins_and_is_told_to_agents() {
    let (s, admin, sam, _sally, _conv) = desk();
    // A visitor who never gave a name has a made-up one; an agent corrects it.
    let anon = s.customer(None);
    anon.say("Hi there");
    assert_eq!(patch(&sam, anon.id, json!({"name": "Rita Lopes"})).status, 200);
    let cu = admin.get(&format!("/api/customers/{}", anon.id)).json()["customer"].clone();
    assert_eq!((cu["name"].as_str(), cu["name_given"].as_bool()), (Some("Rita Lopes"), Some(false)), "she has not given a name herself");
    // Her widget's pre-chat form then says who she is: that is her name from now on.
    let r = anon.request("PATCH", "/api/widget/visitor", Some(&json!({"name": "Rita L."})));
    assert_eq!(r.status, 200, "{}", r.text());
    let cu = admin.get(&format!("/api/customers/{}", anon.id)).json()["customer"].clone();
    assert_eq!((cu["name"].as_str(), cu["name_given"].as_bool()), (Some("Rita L."), Some(true)));
}

#[test]
fn past_conversations_are_named_by_what_the_customer_wrote() {
    let (_s, admin, _sam, sally, conv) = desk();
    let close = || admin.post_json(&format!("/api/conversations/{conv}/status"), &json!({"status": "closed"}));
    let titles = || -> Vec<(i64, String)> {
        let panel = admin.get(&format!("/api/customers/{}", sally.id)).json();
        panel["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["id"].as_i64().unwrap(), c["title"].as_str().unwrap().to_string()))
            .collect()
    };
    admin.reply(conv, "Let me check.");
    close();
    // Not "Closed by Ada Admin", its last line.
    assert_eq!(titles(), vec![(conv, "Hello, my order #1001 is late".to_string())]);
    let first = admin.get(&format!("/api/conversations/{conv}/messages")).json()["messages"][0]["id"].as_i64().unwrap();
    sally.say("Wrong size delivered");
    close();
    admin.delete(&format!("/api/messages/{first}"));
    assert_eq!(titles(), vec![(conv, "Wrong size delivered".to_string())], "a deleted message names nothing");
}

#[test]
fn agents_see_seen_when_the_customer_has_read_live_and_after_a_reload() {
    let (s, admin, sam, sally, conv) = desk();
    let bob = s.customer(Some("Bob"));
    bob.say("Hi");
    let reply = sam.reply(conv, "Your parcel left today.");
    let seq = reply["seq"].as_i64().unwrap();
    let mut admin_ws = admin.ws();
    admin_ws.resume(None);
    let mut bob_ws = bob.ws();
    bob_ws.resume(None);
    let mut sally_ws = sally.ws();
    sally_ws.resume(None);

    // Sally's widget says she read it (naming another conversation changes nothing: hers is meant).
    sally_ws.send(&json!({"type": "read", "seq": seq, "conversation_id": 999}));
    let ok = sally_ws.recv_type("read.ok");
    assert_eq!(ok["data"], json!({"conversation_id": conv, "seq": seq}));
    let ev = admin_ws.recv_type("conversation.seen");
    assert_eq!(ev["data"], json!({"conversation_id": conv, "seq": seq, "by": "customer"}));
    assert_eq!(admin.get(&format!("/api/conversations/{conv}")).json()["conversation"]["customer_seen_seq"], seq, "after a reload too");
    assert_eq!(
        admin.list("customers", "open")["conversations"].as_array().unwrap().iter().find(|c| c["id"] == conv).unwrap()["customer_seen_seq"],
        seq
    );

    // Never back, never past the end; only a move is announced.
    sally_ws.send(&json!({"type": "read", "seq": 1}));
    assert_eq!(sally_ws.recv_type("read.ok")["data"]["seq"], seq);
    sally_ws.send(&json!({"type": "read", "seq": 10_000}));
    assert_eq!(sally_ws.recv_type("read.ok")["data"]["seq"], seq);
    assert!(quiet(&mut admin_ws, Duration::from_millis(300)));
    // Sally's own socket gets no `conversation.seen` of her reading; Bob's gets nothing at all.
    assert!(quiet(&mut sally_ws, Duration::from_millis(300)));
    assert!(quiet(&mut bob_ws, Duration::from_millis(300)));

    // When an agent reads, the customer still gets "seen" as before (from the desk), agents do not.
    sally.say("Thanks!");
    admin_ws.recv_type("message.created");
    assert_eq!(sam.post_json(&format!("/api/conversations/{conv}/read"), &json!({})).status, 200);
    let seen = sally_ws.recv_type("conversation.seen");
    assert_eq!(seen["data"]["seq"], seq + 1);
    assert!(seen["data"].get("by").is_none());
    assert!(quiet(&mut admin_ws, Duration::from_millis(300)), "an agent's reading is not the customer's");
}
