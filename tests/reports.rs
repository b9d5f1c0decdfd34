//! Reports (issue 20): a known week of live chats, built through the real API at chosen times (the
//! app's clock, which the writer stamps rows with), in a time zone half an hour off UTC, with
//! business hours; every figure checked exactly, for an admin, for one agent's own report, with and
//! without business hours. And who may see what.

mod common;

use std::sync::Arc;

use common::*;
use serde_json::{Value, json};

const TZ: &str = "Asia/Kolkata";

fn app(s: &Server) -> &Arc<frontdesk::app::App> {
    &s.running.as_ref().expect("in-process server").app
}

/// Unix ms of a local time in `TZ`, in the week of Monday 23 November 2026.
fn at(day: i8, h: i8, mi: i8) -> i64 {
    jiff::civil::date(2026, 11, day).at(h, mi, 0, 0).in_tz(TZ).unwrap().timestamp().as_millisecond()
}

const MIN: i64 = 60_000;

fn close(c: &Client, conv: i64) {
    let r = c.post_json(&format!("/api/conversations/{conv}/status"), &json!({"status": "closed"}));
    assert_eq!(r.status, 200, "close: {}", r.text());
}

fn last_question(cu: &Customer) -> Value {
    let h = cu.history();
    h.iter().rev().find(|m| m["system"]["code"] == "csat.requested").expect("a question")["system"]["csat"]["closing"].clone()
}

fn rate(cu: &Customer, closing: &Value, score: i64, comment: &str) {
    let r = cu.request("POST", "/api/widget/csat", Some(&json!({"closing": closing, "score": score, "comment": comment})));
    assert_eq!(r.status, 200, "rate: {}", r.text());
}

struct World {
    s: Server,
    ada: Client,
    sam: Client,
    sam_id: i64,
    ada_id: i64,
}

/// The week (local times, Asia/Kolkata, desk open Monday–Friday 09:00–17:00):
/// - Mon 09:00 Alice writes; 09:04 Sam replies; 09:05 Alice; 09:30 Sam closes; 10:00 Alice rates 5 "Great".
/// - Tue 16:50 Bob writes; Wed 09:10 Ada replies; 09:20 Ada closes; 12:00 Bob rates 2 "Slow".
/// - Wed 10:00 Cara writes; 10:30 Sam closes without a reply (unanswered; not rated).
/// - Thu 11:00 Alice writes again (reopens); 11:02 Sam replies; 11:10 Sam closes (not rated).
/// - Fri 23:50 Dan writes; Sat 00:05 Sam replies (still open).
///   Now: Sunday 29 November, 12:00.
fn week() -> World {
    let s = Server::start();
    let ada = s.admin();
    let sam = s.agent(&ada, "sam@example.com", "Sam Support", true);
    let (sam_id, ada_id) = (sam.id(), ada.id());
    let clock = &app(&s).clock;
    let hours: Vec<Value> =
        ["mon", "tue", "wed", "thu", "fri"].iter().map(|d| json!({"day": d, "start": "09:00", "end": "17:00"})).collect();
    let r = ada.patch_json("/api/settings", &json!({"timezone": TZ, "csat": "stars", "hours_enabled": true, "hours": hours}));
    assert_eq!(r.status, 200, "{}", r.text());

    clock.set_fixed(at(23, 9, 0));
    let alice = s.customer(Some("Alice"));
    let c1 = alice.say("Hi, where is my order?")["conversation_id"].as_i64().unwrap();
    clock.set_fixed(at(23, 9, 4));
    sam.reply(c1, "Checking.");
    clock.set_fixed(at(23, 9, 5));
    alice.say("Thanks");
    clock.set_fixed(at(23, 9, 30));
    close(&sam, c1);
    clock.set_fixed(at(23, 10, 0));
    rate(&alice, &last_question(&alice), 5, "Great");

    clock.set_fixed(at(24, 16, 50));
    let bob = s.customer(Some("Bob"));
    let c2 = bob.say("Refund please")["conversation_id"].as_i64().unwrap();
    clock.set_fixed(at(25, 9, 10));
    ada.reply(c2, "Done.");
    clock.set_fixed(at(25, 9, 20));
    close(&ada, c2);
    clock.set_fixed(at(25, 12, 0));
    rate(&bob, &last_question(&bob), 2, "Slow");

    clock.set_fixed(at(25, 10, 0));
    let cara = s.customer(Some("Cara"));
    let c3 = cara.say("Hello?")["conversation_id"].as_i64().unwrap();
    clock.set_fixed(at(25, 10, 30));
    close(&sam, c3);

    clock.set_fixed(at(26, 11, 0));
    alice.say("It came broken");
    clock.set_fixed(at(26, 11, 2));
    sam.reply(c1, "Sending another.");
    clock.set_fixed(at(26, 11, 10));
    close(&sam, c1);

    clock.set_fixed(at(27, 23, 50));
    let dan = s.customer(Some("Dan"));
    let c4 = dan.say("Late question")["conversation_id"].as_i64().unwrap();
    clock.set_fixed(at(28, 0, 5));
    sam.reply(c4, "Here.");

    clock.set_fixed(at(29, 12, 0));
    World { s, ada, sam, sam_id, ada_id }
}

fn report(c: &Client, query: &str) -> Value {
    let r = c.get(&format!("/api/reports?{query}"));
    assert_eq!(r.status, 200, "{query}: {}", r.text());
    r.json()
}

fn column(r: &Value, name: &str) -> Vec<i64> {
    r["days"].as_array().unwrap().iter().map(|d| d[name].as_i64().unwrap()).collect()
}

#[test]
fn every_figure_of_a_known_week() {
    let w = week();
    let r = report(&w.ada, "range=7d");
    assert_eq!(r["range"]["from"], "2026-11-23");
    assert_eq!(r["range"]["to"], "2026-11-29");
    assert_eq!(r["range"]["timezone"], TZ);
    assert_eq!(r["range"]["start_ms"], at(23, 0, 0));
    assert_eq!(column(&r, "started"), [1, 1, 1, 0, 1, 0, 0]);
    assert_eq!(column(&r, "closed"), [1, 0, 2, 1, 0, 0, 0]);
    assert_eq!(column(&r, "reopened"), [0, 0, 0, 1, 0, 0, 0]);
    assert_eq!(column(&r, "customer_messages"), [2, 1, 1, 1, 1, 0, 0]);
    assert_eq!(column(&r, "agent_messages"), [1, 0, 1, 1, 0, 1, 0]);
    assert_eq!(r["totals"], json!({"started": 4, "closed": 4, "reopened": 1, "customer_messages": 6, "agent_messages": 4}));
    // Open hours only: Alice 4 min, Bob 10 min on Tuesday + 10 on Wednesday, Dan 0 (the desk was closed).
    assert_eq!(r["first_response"], json!({"count": 3, "median_ms": 4 * MIN, "p90_ms": 20 * MIN, "unanswered": 1, "business_hours": true}));
    // 30 min, 16 h 30 min, 30 min, and 10 min from the reopening.
    assert_eq!(r["time_to_close"], json!({"count": 4, "median_ms": 30 * MIN, "p90_ms": 990 * MIN}));
    let c = &r["csat"];
    assert_eq!(c["asked"], 4);
    assert_eq!(c["rated"], 2);
    assert_eq!(c["response_rate"], 0.5);
    assert_eq!(c["average"], 3.5);
    assert_eq!(c["satisfied"], 0.5);
    assert_eq!(c["stars"], json!([0, 1, 0, 0, 1]));
    assert_eq!(c["thumbs"], json!({"up": 0, "down": 0}));
    let comments: Vec<(Value, Value, Value)> =
        c["comments"].as_array().unwrap().iter().map(|x| (x["comment"].clone(), x["customer"].clone(), x["agent"].clone())).collect();
    assert_eq!(comments, [(json!("Slow"), json!("Bob"), json!("Ada Admin")), (json!("Great"), json!("Alice"), json!("Sam Support"))]);
    let mut heat = vec![vec![0i64; 24]; 7];
    (heat[0][9], heat[1][16], heat[2][10], heat[3][11], heat[4][23]) = (2, 1, 1, 1, 1);
    assert_eq!(r["heatmap"], json!(heat));
    assert_eq!(
        r["agents"],
        json!([
            {"id": w.ada_id, "name": "Ada Admin", "handled": 1, "closed": 1, "first_responses": 1, "first_response_median_ms": 20 * MIN,
             "csat_rated": 1, "csat_average": 2.0, "csat_satisfied": 0.0},
            {"id": w.sam_id, "name": "Sam Support", "handled": 2, "closed": 3, "first_responses": 2, "first_response_median_ms": 0,
             "csat_rated": 1, "csat_average": 5.0, "csat_satisfied": 1.0},
        ])
    );

    // Today (Sunday): nothing happened; one day.
    let t = report(&w.ada, "range=today");
    assert_eq!(t["range"]["days"], 1);
    assert_eq!(t["totals"]["customer_messages"], 0);
    // A custom range of Wednesday alone.
    let wed = report(&w.ada, "range=custom&from=2026-11-25&to=2026-11-25");
    assert_eq!(wed["totals"], json!({"started": 1, "closed": 2, "reopened": 0, "customer_messages": 1, "agent_messages": 1}));
    // One label: only conversations carrying it.
    let label = w.ada.post_json("/api/labels", &json!({"name": "VIP", "color": "#d92d20"})).json()["label"]["id"].as_i64().unwrap();
    let bob_conv = r["csat"]["comments"][0]["conversation_id"].as_i64().unwrap();
    assert_eq!(w.ada.request("PUT", &format!("/api/conversations/{bob_conv}/labels"), Some(&json!({"labels": [label]}))).status, 200);
    let vip = report(&w.ada, &format!("range=7d&label={label}"));
    assert_eq!(vip["totals"], json!({"started": 1, "closed": 1, "reopened": 0, "customer_messages": 1, "agent_messages": 1}));
    assert_eq!(vip["csat"]["average"], 2.0);

    // Without business hours, waiting counts in full: 4 min, 16 h 20 min, 15 min.
    assert_eq!(w.ada.patch_json("/api/settings", &json!({"hours_enabled": false})).status, 200);
    let raw = report(&w.ada, "range=7d");
    assert_eq!(raw["first_response"]["median_ms"], 15 * MIN);
    assert_eq!(raw["first_response"]["p90_ms"], 980 * MIN);
    assert_eq!(raw["first_response"]["business_hours"], false);
    drop(w.s);
}

#[test]
fn an_agent_sees_their_own_work_only() {
    let w = week();
    let own = report(&w.sam, "range=7d");
    assert_eq!(own["filter"]["agent"], w.sam_id);
    // Chats Sam handled (Alice's and Dan's), closings credited to him (Alice's two, Cara's).
    assert_eq!(column(&own, "started"), [1, 0, 0, 0, 1, 0, 0]);
    assert_eq!(column(&own, "closed"), [1, 0, 1, 1, 0, 0, 0]);
    assert_eq!(own["totals"], json!({"started": 2, "closed": 3, "reopened": 1, "customer_messages": 4, "agent_messages": 3}));
    assert_eq!(own["first_response"], json!({"count": 2, "median_ms": 0, "p90_ms": 4 * MIN, "unanswered": 0, "business_hours": true}));
    assert_eq!(own["time_to_close"], json!({"count": 3, "median_ms": 30 * MIN, "p90_ms": 30 * MIN}));
    assert_eq!(own["csat"]["asked"], 3);
    assert_eq!(own["csat"]["rated"], 1);
    assert_eq!(own["csat"]["average"], 5.0);
    assert_eq!(own["agents"].as_array().unwrap().len(), 1, "their own row only");
    assert_eq!(own["agents"][0]["id"], w.sam_id);
    // Asking for it explicitly is the same; someone else's is refused.
    assert_eq!(report(&w.sam, &format!("range=7d&agent={}", w.sam_id))["totals"], own["totals"]);
    assert_eq!(w.sam.get(&format!("/api/reports?agent={}", w.ada_id)).status, 403);
    // The admin sees the same figures for Sam.
    assert_eq!(report(&w.ada, &format!("range=7d&agent={}", w.sam_id))["totals"], own["totals"]);
}

#[test]
fn ranges_are_checked() {
    let s = Server::start();
    let ada = s.admin();
    assert_eq!(ada.get("/api/reports?range=year").status, 422);
    assert_eq!(ada.get("/api/reports?range=custom&from=2026-02-01&to=2026-01-01").status, 422);
    assert_eq!(ada.get("/api/reports?range=custom&from=2020-01-01&to=2026-01-01").status, 422);
    assert_eq!(ada.get("/api/reports?range=custom&from=nope&to=2026-01-01").status, 422);
    assert_eq!(ada.get("/api/reports?range=custom&from=2025-01-01&to=2025-12-31").json()["range"]["days"], 365);
    assert_eq!(s.client().get("/api/reports").status, 401);
}

fn handled_by(r: &Value) -> Vec<(i64, i64)> {
    r["agents"].as_array().unwrap().iter().map(|a| (a["id"].as_i64().unwrap(), a["handled"].as_i64().unwrap())).collect()
}

/// The summaries reports read (starts and messages per bucket, who handled each chat) follow what
/// changes them: an assignee who never wrote stops counting when unassigned, and retention takes a
/// deleted chat's start, messages and handlers with it.
#[test]
fn summaries_follow_assignment_and_retention() {
    let w = week();
    let week_q = "range=custom&from=2026-11-23&to=2026-11-29";
    // Sunday noon: Eve writes; the admin assigns her chat to Sam, who has not written in it.
    let eve = w.s.customer(Some("Eve"));
    let c5 = eve.say("Anyone there?")["conversation_id"].as_i64().unwrap();
    let today = report(&w.ada, "range=today");
    assert_eq!(today["totals"]["started"], 1);
    assert_eq!(today["totals"]["customer_messages"], 1);
    let assign = |to: Option<i64>| {
        let r = w.ada.post_json(&format!("/api/conversations/{c5}/assignee"), &json!({"user_id": to}));
        assert_eq!(r.status, 200, "assign: {}", r.text());
    };
    assign(Some(w.sam_id));
    assert!(handled_by(&report(&w.ada, "range=today")).contains(&(w.sam_id, 1)), "the assignee handles it");
    assert_eq!(report(&w.sam, "range=today")["totals"]["started"], 1);
    assign(None);
    assert!(!handled_by(&report(&w.ada, "range=today")).iter().any(|(id, _)| *id == w.sam_id), "unassigned: not his");
    assert_eq!(report(&w.sam, "range=today")["totals"]["started"], 0);
    assert_eq!(report(&w.sam, "range=today")["totals"]["customer_messages"], 0);
    // Assigned to Sam, who then writes in it, and unassigned: he took part, so it stays his.
    assign(Some(w.sam_id));
    w.sam.reply(c5, "Yes.");
    assign(None);
    assert_eq!(report(&w.sam, "range=today")["totals"]["started"], 1);
    assert_eq!(report(&w.sam, "range=today")["totals"]["customer_messages"], 1);
    let r = report(&w.ada, week_q);
    assert_eq!(r["totals"], json!({"started": 5, "closed": 4, "reopened": 1, "customer_messages": 7, "agent_messages": 5}));

    // Retention: three weeks on, closed chats older than a week go (Alice's, Bob's, Cara's), Dan's
    // and Eve's stay open.
    app(&w.s).clock.advance(21 * 24 * 3600 * 1000);
    let ada = w.s.login("ada@example.com", "correct horse battery");
    assert_eq!(ada.patch_json("/api/settings", &json!({"retention_days": 7})).status, 200);
    assert_eq!(ada.post_json("/api/admin/retention/run", &json!({})).json()["deleted"], 3);
    let r = report(&ada, week_q);
    assert_eq!(column(&r, "started"), [0, 0, 0, 0, 1, 0, 1]);
    assert_eq!(column(&r, "customer_messages"), [0, 0, 0, 0, 1, 0, 1]);
    assert_eq!(column(&r, "agent_messages"), [0, 0, 0, 0, 0, 1, 1]);
    assert_eq!(r["totals"], json!({"started": 2, "closed": 0, "reopened": 0, "customer_messages": 2, "agent_messages": 2}));
    assert_eq!(handled_by(&r), [(w.sam_id, 2)]);
    let sam = report(&ada, &format!("{week_q}&agent={}", w.sam_id));
    assert_eq!(column(&sam, "started"), [0, 0, 0, 0, 1, 0, 1]);
    assert_eq!(sam["totals"], json!({"started": 2, "closed": 0, "reopened": 0, "customer_messages": 2, "agent_messages": 2}));
    let ada_own = report(&ada, &format!("{week_q}&agent={}", w.ada_id));
    assert_eq!(ada_own["totals"], json!({"started": 0, "closed": 0, "reopened": 0, "customer_messages": 0, "agent_messages": 0}));
}
