//! Resume: a client that reconnects from its last position gets what it missed in order, with no gap
//! and no duplicate, then live events; an unknown position gets `reload`; an idle customer is not
//! "behind" because other customers talked.

mod common;

use std::time::Duration;

use common::desk::desk;
use common::*;
use serde_json::json;

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
        // The sent messages (the first reply also assigns the chat: a system line, not part of this count).
        .filter(|v| v["type"] == "message.created" && v["data"]["message"]["author"]["kind"] != "system")
        .map(|v| v["data"]["message"]["body"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(bodies, (0..100).map(|i| format!("m{i}")).collect::<Vec<_>>());
    // Events strictly in order; "resumed" then names the position reached (the last event's, or later).
    let positions: Vec<i64> = frames.iter().filter(|v| v["type"] != "resumed").filter_map(|v| v["pos"].as_i64()).collect();
    assert!(positions.windows(2).all(|p| p[0] < p[1]), "in order");
    let reached = frames.last().and_then(|v| v["pos"].as_i64()).unwrap();
    assert!(positions.last().is_none_or(|p| *p <= reached), "resumed at or after the last event");
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
