//! Customer satisfaction (issue 20): the question after a closing, what the customer sees of it,
//! answering it (once per closing, idempotent, later too), what agents see, and the low-rating
//! notice. Through the real server, the widget API and sockets.

mod common;

use serde_json::{Value, json};

use common::desk::desk;
use common::{Client, Customer};

fn close(c: &Client, conv: i64) {
    let r = c.post_json(&format!("/api/conversations/{conv}/status"), &json!({"status": "closed"}));
    assert_eq!(r.status, 200, "close: {}", r.text());
}

fn set(admin: &Client, v: Value) {
    let r = admin.patch_json("/api/settings", &v);
    assert_eq!(r.status, 200, "settings: {}", r.text());
}

/// The satisfaction questions in the customer's history, oldest first.
fn questions(cu: &Customer) -> Vec<Value> {
    cu.history().into_iter().filter(|m| m["system"]["code"] == "csat.requested").collect()
}

fn rate(cu: &Customer, closing: &Value, score: i64, comment: &str) -> common::Resp {
    cu.request("POST", "/api/widget/csat", Some(&json!({"closing": closing, "score": score, "comment": comment})))
}

fn agent_lines(c: &Client, conv: i64, code: &str) -> Vec<Value> {
    let r = c.get(&format!("/api/conversations/{conv}/messages"));
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["messages"].as_array().unwrap().iter().filter(|m| m["system"]["code"] == code).cloned().collect()
}

#[test]
fn off_by_default_a_closing_asks_nothing_but_is_recorded() {
    let (_s, admin, _sam, sally, conv) = desk();
    admin.reply(conv, "Sorted!");
    close(&admin, conv);
    assert!(questions(&sally).is_empty(), "csat is off: no question");
    let r = admin.get("/api/reports?range=today");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["totals"]["closed"], 1, "the closing counts in reports");
    assert_eq!(r.json()["csat"]["asked"], 0);
}

#[test]
fn the_customer_rates_a_closing_once_and_agents_see_it() {
    let (_s, admin, _sam, sally, conv) = desk();
    set(&admin, json!({"csat": "stars"}));
    admin.reply(conv, "Sorted!");
    let mut agent_ws = admin.ws();
    agent_ws.resume(None);
    close(&admin, conv);

    let qs = questions(&sally);
    assert_eq!(qs.len(), 1, "one question after the closing: {qs:?}");
    let q = &qs[0];
    // The customer sees the question in neutral words, with what the widget needs and nothing else.
    assert_eq!(q["body"], "How would you rate this conversation?");
    let csat = &q["system"]["csat"];
    assert_eq!(csat["scale"], "stars");
    assert_eq!(csat["score"], Value::Null);
    assert_eq!(q["system"].as_object().unwrap().len(), 2, "code and csat only: {q}");
    assert_eq!(csat.as_object().unwrap().keys().cloned().collect::<Vec<_>>(), ["closing", "scale", "score"]);
    let closing = csat["closing"].clone();

    // Out of range, and another customer's closing: refused.
    assert_eq!(rate(&sally, &closing, 6, "").status, 422);
    assert_eq!(rate(&sally, &closing, 0, "").status, 422);
    let other = _s.customer(Some("Olga"));
    other.say("hi");
    assert_eq!(rate(&other, &closing, 5, "").status, 404, "not Olga's closing");

    let mut sally_ws = sally.ws();
    sally_ws.resume(None);
    let r = rate(&sally, &closing, 2, "Took a while.");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["rating"], json!({"closing": closing, "scale": "stars", "score": 2}));
    // The same answer again is fine and changes nothing; another answer is refused.
    assert_eq!(rate(&sally, &closing, 2, "Took a while.").status, 200);
    assert_eq!(rate(&sally, &closing, 5, "").status, 409);

    // The widget's question now shows the answer, live and in the history.
    let upd = sally_ws.recv_until(|f| f["type"] == "message.updated");
    let f = upd.last().unwrap();
    assert_eq!(f["data"]["message"]["system"]["csat"]["score"], 2);
    assert_eq!(questions(&sally)[0]["system"]["csat"]["score"], 2);
    // The customer never sees the desk's line about their rating.
    assert!(sally.history().iter().all(|m| m["system"]["code"] != "csat.rated"));

    // Agents: a timeline line and the rating in the customer panel.
    let lines = agent_lines(&admin, conv, "csat.rated");
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["body"], "The customer rated this conversation 2/5: Took a while.");
    assert_eq!(lines[0]["system"]["params"]["score"], 2);
    let panel = admin.get(&format!("/api/customers/{}", sally.id)).json();
    assert_eq!(panel["ratings"][0]["score"], 2);
    assert_eq!(panel["ratings"][0]["comment"], "Took a while.");
    // A low rating tells the agent the closing is credited to (the admin, who closed it).
    let low = agent_ws.recv_until(|f| f["type"] == "csat.low");
    assert_eq!(low.last().unwrap()["data"]["rating"]["score"], 2);
}

#[test]
fn a_reopen_and_a_new_closing_ask_again_and_an_old_question_can_be_answered_later() {
    let (_s, admin, _sam, sally, conv) = desk();
    set(&admin, json!({"csat": "thumbs", "csat_notify_low": false}));
    admin.reply(conv, "Done.");
    close(&admin, conv);
    sally.say("One more thing");
    admin.reply(conv, "Sure.");
    close(&admin, conv);
    let qs = questions(&sally);
    assert_eq!(qs.len(), 2, "a question per closing");
    assert_ne!(qs[0]["system"]["csat"]["closing"], qs[1]["system"]["csat"]["closing"]);
    assert_eq!(qs[1]["system"]["csat"]["scale"], "thumbs");
    assert_eq!(rate(&sally, &qs[1]["system"]["csat"]["closing"], 2, "").status, 422, "thumbs are 0 or 1");
    assert_eq!(rate(&sally, &qs[1]["system"]["csat"]["closing"], 1, "").status, 200);
    // The first question, answered later.
    assert_eq!(rate(&sally, &qs[0]["system"]["csat"]["closing"], 0, "").status, 200);
    let r = admin.get("/api/reports?range=today").json();
    assert_eq!(r["totals"]["closed"], 2);
    assert_eq!(r["totals"]["reopened"], 1);
    assert_eq!(r["csat"]["asked"], 2);
    assert_eq!(r["csat"]["rated"], 2);
    assert_eq!(r["csat"]["thumbs"], json!({"up": 1, "down": 1}));
    assert_eq!(agent_lines(&admin, conv, "csat.rated").len(), 2);
}

#[test]
fn the_customer_projection_shows_the_question_and_nothing_about_the_rating_line() {
    use frontdesk::db::messages::{Author, Message, SystemLine};
    let line = |code: &str, params: Value| Message {
        id: 1,
        conversation_id: 2,
        seq: 3,
        author: Author { kind: "system".into(), id: None, name: String::new() },
        body: "x".into(),
        client_msg_id: None,
        created_at: 0,
        edited_at: None,
        deleted_at: None,
        system: Some(SystemLine { code: code.into(), params }),
        note: false,
        mentions: vec![],
        attachments: vec![],
    };
    let q = frontdesk::desk::customer::message(&line("csat.requested", json!({"closing": 9, "scale": "stars", "score": 4, "by": "Ana"})))
        .expect("customers see the question");
    assert_eq!(q["system"], json!({"code": "csat.requested", "csat": {"closing": 9, "scale": "stars", "score": 4}}));
    assert!(!q.to_string().contains("Ana"));
    assert!(frontdesk::desk::customer::message(&line("csat.rated", json!({"score": 1, "comment": "meh"}))).is_none());
}
