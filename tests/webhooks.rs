//! Signed webhooks (issue 19) against a real HTTP receiver on loopback (`webhook_receiver`): each
//! event arrives once with a valid signature; a receiver down for a minute then gets everything, in
//! order per conversation; SIGKILL between the POST and its record resends with the same delivery
//! id; a failing endpoint is disabled with a notice to admins; and the private-network guard refuses
//! 127.0.0.1 by default at save and at delivery, also through `localhost` and through a redirect.

mod common;
mod webhook_receiver;

use std::time::{Duration, Instant};

use common::{Client, Proc, Server, TempDir};
use serde_json::{Value, json};
use webhook_receiver::{Answer, Receiver};

const ALL: &[&str] = &[
    "conversation.created",
    "conversation.closed",
    "conversation.reopened",
    "conversation.assigned",
    "message.created",
    "item.created",
    "item.updated",
    "customer.updated",
    "csat.rated",
];

fn app(s: &Server) -> &std::sync::Arc<frontdesk::app::App> {
    &s.running.as_ref().unwrap().app
}

fn wait(limit: Duration, what: &str, mut f: impl FnMut() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(t.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn settings(admin: &Client, v: Value) {
    let r = admin.patch_json("/api/settings", &v);
    assert_eq!(r.status, 200, "settings: {}", r.text());
}

/// A new endpoint: (id, secret).
fn endpoint(admin: &Client, url: &str, internal: bool) -> (i64, String) {
    let r = admin.post_json("/api/webhooks", &json!({"url": url, "events": ALL, "internal": internal}));
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    (v["webhook"]["id"].as_i64().unwrap(), v["secret"].as_str().unwrap().to_string())
}

fn attempts(admin: &Client, id: i64) -> Vec<Value> {
    let r = admin.get(&format!("/api/webhooks/{id}/deliveries"));
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["deliveries"].as_array().unwrap().clone()
}

fn webhook_depth(admin: &Client) -> f64 {
    let text = admin.get("/metrics").text();
    let line = text.lines().find(|l| l.starts_with("frontdesk_queue_depth{queue=\"webhook\"}")).expect("the webhook queue depth");
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

/// A desk with private networks allowed (the receiver is on loopback) and no assignment on reply.
fn desk() -> (Server, Client) {
    let s = Server::start();
    let admin = s.admin();
    settings(&admin, json!({"webhooks_allow_private": true, "assign_on_reply": false}));
    (s, admin)
}

#[test]
fn each_event_arrives_once_signed_and_notes_only_at_the_internal_endpoint() {
    let (s, admin) = desk();
    let (inner, outer) = (Receiver::start(), Receiver::start());
    let (_, inner_secret) = endpoint(&admin, &inner.url(), true);
    let (_, outer_secret) = endpoint(&admin, &outer.url(), false);
    let sam = s.agent(&admin, "sam@example.com", "Sam Support", true);
    let sam_id = sam.get("/api/me").json()["user"]["id"].as_i64().unwrap();
    settings(&admin, json!({"csat": "stars"}));

    let sally = s.customer(Some("Sally C."));
    let conv = sally.say("Hello, my order #1001 is late")["conversation_id"].as_i64().unwrap();
    admin.reply(conv, "Sorry! It ships today.");
    let r = admin.post_json(&format!("/api/conversations/{conv}/messages"), &json!({"body": "grumpy customer", "note": true}));
    assert_eq!(r.status, 201, "{}", r.text());
    let r = admin.post_json(&format!("/api/conversations/{conv}/assignee"), &json!({"user_id": sam_id}));
    assert_eq!(r.status, 200, "{}", r.text());
    let r = admin.post_json(&format!("/api/conversations/{conv}/status"), &json!({"status": "closed"}));
    assert_eq!(r.status, 200, "{}", r.text());
    let q = sally.history().into_iter().find(|m| m["system"]["code"] == "csat.requested").expect("a rating question");
    let closing = q["system"]["csat"]["closing"].clone();
    let r = sally.request("POST", "/api/widget/csat", Some(&json!({"closing": closing, "score": 4, "comment": "Fine"})));
    assert_eq!(r.status, 200, "{}", r.text());
    let r = admin.post_json(&format!("/api/conversations/{conv}/status"), &json!({"status": "open"}));
    assert_eq!(r.status, 200, "{}", r.text());
    let item = admin.post_json("/api/items", &json!({"kind": "ticket", "title": "Late order"})).json()["item"]["id"].as_i64().unwrap();
    assert_eq!(admin.patch_json(&format!("/api/items/{item}"), &json!({"status": "in_progress"})).status, 200);
    let r = admin.patch_json(&format!("/api/customers/{}", sally.id), &json!({"phone": "+351 912 345 678"}));
    assert_eq!(r.status, 200, "{}", r.text());

    // In order per conversation (item and customer events have their own order).
    let expected = [
        "conversation.created",
        "message.created",
        "message.created",
        "message.created",
        "conversation.assigned",
        "conversation.closed",
        "csat.rated",
        "conversation.reopened",
    ];
    let others = ["customer.updated", "item.created", "item.updated"];
    inner.wait_for(expected.len() + others.len(), Duration::from_secs(20));
    outer.wait_for(expected.len() + others.len() - 1, Duration::from_secs(20));
    std::thread::sleep(Duration::from_millis(1500));
    let in_conv = |all: &[webhook_receiver::Got]| -> Vec<webhook_receiver::Got> {
        all.iter().filter(|g| g.json()["data"]["conversation"]["id"] == conv).cloned().collect()
    };
    let rest = |all: &[webhook_receiver::Got]| {
        let mut v = all.iter().filter(|g| g.json()["data"]["conversation"].is_null()).map(|g| g.event()).collect::<Vec<_>>();
        v.sort();
        v
    };
    let (all_in, all_out) = (inner.all(), outer.all());
    let (got, outer_got) = (in_conv(&all_in), in_conv(&all_out));
    assert_eq!(all_in.len(), expected.len() + others.len(), "each once at the internal endpoint");
    assert_eq!(all_out.len(), expected.len() + others.len() - 1, "each once at the other endpoint");
    assert_eq!(got.iter().map(|g| g.event()).collect::<Vec<_>>(), expected, "the internal endpoint");
    let without_note: Vec<&str> = expected.iter().enumerate().filter(|(i, _)| *i != 3).map(|(_, e)| *e).collect();
    assert_eq!(outer_got.iter().map(|g| g.event()).collect::<Vec<_>>(), without_note, "the endpoint not marked internal");
    let others: Vec<String> = others.iter().map(|e| e.to_string()).collect();
    assert_eq!((rest(&all_in), rest(&all_out)), (others.clone(), others), "items and customers, once each");
    let item_events: Vec<Value> = all_in.iter().filter(|g| g.event().starts_with("item.")).map(|g| g.json()["data"].clone()).collect();
    let customer_event = all_in.iter().find(|g| g.event() == "customer.updated").unwrap().json()["data"].clone();

    for (g, secret) in all_in.iter().map(|g| (g, &inner_secret)).chain(all_out.iter().map(|g| (g, &outer_secret))) {
        assert!(g.signed_with(secret), "bad signature: {:?}", g.headers);
        assert!(!g.signed_with("whsec_wrong"));
        let b = g.json();
        assert_eq!(g.header("frontdesk-event"), b["event"]);
        assert_eq!(g.header("content-type"), "application/json");
        assert!(g.header("user-agent").starts_with("Frontdesk/"), "{:?}", g.headers);
        assert!(g.header("frontdesk-delivery").starts_with("dlv_"));
        assert!(b["id"].as_str().unwrap().starts_with("evt_") && b["created_at"].is_i64(), "{b}");
        assert_eq!(g.path, "/hooks");
    }
    let mut ids: Vec<&str> = all_in.iter().chain(&all_out).map(|g| g.header("frontdesk-delivery")).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all_in.len() + all_out.len(), "each delivery once, each with its own id");
    // The same event has one id at both endpoints.
    assert_eq!(got[0].json()["id"], outer_got[0].json()["id"]);

    // The public shapes.
    let d = |i: usize| got[i].json()["data"].clone();
    assert_eq!(d(0)["conversation"]["id"], conv);
    assert_eq!(d(0)["conversation"]["customer"]["name"], "Sally C.");
    assert!(d(0)["conversation"].get("preview").is_none(), "internals leaked: {}", d(0));
    assert_eq!(d(1)["message"]["author"]["type"], "customer");
    assert_eq!(d(1)["message"]["body"], "Hello, my order #1001 is late");
    assert_eq!(d(2)["message"]["author"]["type"], "agent");
    assert_eq!((d(3)["message"]["note"].clone(), d(3)["message"]["body"].clone()), (json!(true), json!("grumpy customer")));
    assert_eq!(d(4)["conversation"]["assignee"], json!({"id": sam_id, "name": "Sam Support"}));
    assert_eq!(d(5)["conversation"]["status"], "closed");
    assert_eq!((d(6)["rating"]["score"].clone(), d(6)["rating"]["comment"].clone()), (json!(4), json!("Fine")));
    assert_eq!(d(7)["conversation"]["status"], "open");
    assert_eq!(
        (item_events[0]["item"]["title"].clone(), item_events[1]["item"]["status"].clone()),
        (json!("Late order"), json!("in_progress"))
    );
    assert_eq!(customer_event["customer"]["phone"], "+351 912 345 678");
    assert!(customer_event["customer"].get("note").is_some(), "the internal endpoint gets the agents' note field");
    let outer_customer = all_out.iter().find(|g| g.event() == "customer.updated").unwrap().json();
    assert!(outer_customer["data"]["customer"].get("note").is_none(), "{outer_customer}");
    assert!(outer_got.iter().all(|g| !g.body.contains("grumpy")), "a note reached the endpoint not marked internal");
}

#[test]
fn a_receiver_down_for_a_minute_gets_everything_afterwards_in_order_per_conversation() {
    let (s, admin) = desk();
    let mut rx = Receiver::start();
    let (id, secret) = endpoint(&admin, &rx.url(), false);
    rx.stop();
    let clock = &app(&s).clock;
    clock.set_fixed(clock.now_ms());
    let (a, b) = (s.customer(Some("Ana")), s.customer(Some("Bea")));
    let ca = a.say("a1")["conversation_id"].as_i64().unwrap();
    let cb = b.say("b1")["conversation_id"].as_i64().unwrap();
    for i in 2..=4 {
        a.say(&format!("a{i}"));
        admin.reply(cb, &format!("b{i}"));
    }
    // Refused: one attempt for the head of each conversation, the rest wait behind it.
    wait(Duration::from_secs(20), "the heads' first attempts", || attempts(&admin, id).len() >= 2);
    std::thread::sleep(Duration::from_millis(500));
    let tried = attempts(&admin, id);
    assert_eq!(tried.len(), 2, "only the heads are tried: {tried:?}");
    assert!(tried.iter().all(|t| t["status"].is_null() && !t["ok"].as_bool().unwrap()), "{tried:?}");
    assert!(tried.iter().all(|t| t["error"].as_str().unwrap().to_lowercase().contains("refused")), "{tried:?}");
    assert_eq!(webhook_depth(&admin), 10.0, "2 conversations created + 8 messages queued");

    // A minute passes, the receiver still down: the heads are tried again, and fail.
    clock.advance(31_000);
    wait(Duration::from_secs(20), "second attempts", || attempts(&admin, id).len() >= 4);
    clock.advance(29_000);
    rx.restart();
    clock.advance(61_000);
    rx.wait_for(10, Duration::from_secs(20));
    std::thread::sleep(Duration::from_millis(1000));
    let got = rx.all();
    assert!(got.iter().all(|g| g.signed_with(&secret)));
    for conv in [ca, cb] {
        let seqs: Vec<i64> = got
            .iter()
            .map(|g| g.json())
            .filter(|b| b["data"]["conversation"]["id"] == conv && b["event"] == "message.created")
            .map(|b| b["data"]["message"]["seq"].as_i64().unwrap())
            .collect();
        let mut sorted = seqs.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(seqs, sorted, "conversation {conv}: out of order or twice: {seqs:?}");
        assert_eq!(seqs.len(), 4);
        let first = got.iter().position(|g| g.json()["data"]["conversation"]["id"] == conv).unwrap();
        assert_eq!(got[first].event(), "conversation.created", "created comes first");
    }
    // Duplicates only ever with the same delivery id: here there are none.
    let mut ids: Vec<&str> = got.iter().map(|g| g.header("frontdesk-delivery")).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), got.len());
    wait(Duration::from_secs(5), "an empty queue", || webhook_depth(&admin) == 0.0);
    let log = attempts(&admin, id);
    assert!(log.iter().any(|t| t["ok"] == true && t["status"] == 200 && t["excerpt"] == "received"), "{log:?}");
}

#[test]
fn sigkill_between_the_post_and_its_record_resends_with_the_same_delivery_id() {
    let rx = Receiver::start();
    rx.set(Answer::Hold);
    let data = TempDir::new();
    let p = Proc::serve(&data.0, &[]);
    let s = p.server();
    let admin = s.admin();
    settings(&admin, json!({"webhooks_allow_private": true}));
    let (_, secret) = endpoint(&admin, &rx.url(), false);
    let cu = s.customer(Some("Kai"));
    cu.say("Hello");
    let first = rx.wait_for(1, Duration::from_secs(20))[0].clone();
    assert_eq!(first.event(), "conversation.created");
    p.signal(libc::SIGKILL);
    drop(p);
    rx.set(Answer::Status(200));

    let p = Proc::serve(&data.0, &[]);
    rx.wait_for(3, Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(1000));
    let got = rx.all();
    assert_eq!(got.len(), 3, "{:?}", got.iter().map(|g| g.event()).collect::<Vec<_>>());
    assert_eq!(got[1].header("frontdesk-delivery"), first.header("frontdesk-delivery"), "the resend keeps its delivery id");
    assert_eq!(got[1].body, first.body, "and its body");
    assert!(got[1].signed_with(&secret));
    assert_eq!(got[2].event(), "message.created");
    assert!(p.stderr().contains("sending them again (same delivery id)"), "{}", p.stderr());
}

#[test]
fn a_failing_endpoint_is_disabled_after_its_streak_and_admins_are_told() {
    let s = Server::start_with(|c| c.smtp_url = Some(frontdesk::mailer::parse_url("smtp://127.0.0.1:9", "smtp").unwrap()));
    let admin = s.admin();
    settings(&admin, json!({"webhooks_allow_private": true}));
    let mut rx = Receiver::start();
    let (id, _) = endpoint(&admin, &rx.url(), false);
    rx.stop();
    let mut ws = admin.ws();
    ws.resume(None);
    let clock = &app(&s).clock;
    clock.set_fixed(clock.now_ms());
    s.customer(Some("Ina")).say("Hello");
    let mut n = 0;
    while admin.get("/api/webhooks").json()["webhooks"][0]["enabled"] == true {
        wait(Duration::from_secs(20), "another attempt", || attempts(&admin, id).len() > n);
        n = attempts(&admin, id).len();
        assert!(n <= 20, "not disabled after {n} failures");
        clock.advance(3_600_000);
    }
    // The last attempt may have come (and disabled it) between the count above and the check.
    let n = attempts(&admin, id).len();
    assert_eq!(n, 15, "disabled at the 15th failure in a row (spanning over 12 h)");
    let ep = admin.get("/api/webhooks").json()["webhooks"][0].clone();
    assert!(ep["disabled_reason"].as_str().unwrap().contains("15 failed deliveries"), "{ep}");
    let notice = ws.recv_type("webhook.disabled");
    assert_eq!(notice["data"]["webhook"]["id"], id);
    // The mail to admins is in the outbox (its server is not there; it is queued, not lost).
    let ob = admin.get("/api/admin/email").json()["outbox"].clone();
    let mails: Vec<&Value> =
        ob["recent"].as_array().unwrap().iter().chain(ob["failed"].as_array().unwrap()).filter(|m| m["to"] == "ada@example.com").collect();
    assert_eq!(mails.len(), 1, "{ob}");
    assert!(mails[0]["subject"].as_str().unwrap().starts_with("Webhook disabled"), "{ob}");
    // Disabled: nothing new is queued for it; enabling it again resets the streak.
    assert_eq!(webhook_depth(&admin), 0.0);
    let r = admin.patch_json(&format!("/api/webhooks/{id}"), &json!({"enabled": true}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!((r.json()["webhook"]["failure_streak"].clone(), r.json()["webhook"]["disabled_reason"].clone()), (json!(0), json!("")));
}

#[test]
fn loopback_is_refused_by_default_at_save_and_at_delivery_also_through_localhost_and_a_redirect() {
    let s = Server::start();
    let admin = s.admin();
    let rx = Receiver::start();
    for url in [rx.url(), format!("http://localhost:{}/hooks", rx.port), format!("http://[::ffff:127.0.0.1]:{}/", rx.port)] {
        let r = admin.post_json("/api/webhooks", &json!({"url": url, "events": ["message.created"]}));
        assert_eq!(r.status, 422, "{url}: {}", r.text());
        assert!(r.text().contains("loopback") && r.text().contains("private networks"), "{}", r.text());
    }
    for url in ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[fd00::1]/", "ftp://example.com/"] {
        assert_eq!(admin.post_json("/api/webhooks", &json!({"url": url, "events": ["message.created"]})).status, 422, "{url}");
    }
    assert!(admin.get("/api/webhooks").json()["webhooks"].as_array().unwrap().is_empty());

    // Saved while allowed, then the setting is turned off again: every delivery is checked too.
    settings(&admin, json!({"webhooks_allow_private": true}));
    let (id, _) = endpoint(&admin, &format!("http://localhost:{}/hooks", rx.port), false);
    // And a redirect from an allowed receiver to another: reported, not followed.
    let (target, redirector) = (Receiver::start(), Receiver::start());
    redirector.set(Answer::Redirect(target.url()));
    let (rid, _) = endpoint(&admin, &redirector.url(), false);
    settings(&admin, json!({"webhooks_allow_private": false}));
    let r = admin.post_json(&format!("/api/webhooks/{id}/test"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["ok"], false);
    let err = r.json()["delivery"]["error"].as_str().unwrap().to_string();
    assert!(err.contains("loopback") && err.contains("refused"), "{err}");
    assert!(rx.all().is_empty(), "a request reached the loopback receiver");

    settings(&admin, json!({"webhooks_allow_private": true}));
    let r = admin.post_json(&format!("/api/webhooks/{rid}/test"), &json!({}));
    assert_eq!(r.json()["ok"], false, "{}", r.text());
    assert_eq!(r.json()["delivery"]["status"], 302);
    assert!(r.json()["delivery"]["error"].as_str().unwrap().contains("not followed"), "{}", r.text());
    assert_eq!(redirector.all().len(), 1);
    std::thread::sleep(Duration::from_millis(300));
    assert!(target.all().is_empty(), "the redirect was followed");
    // With the setting on, the loopback endpoint's test event goes through and is in its log.
    let r = admin.post_json(&format!("/api/webhooks/{id}/test"), &json!({}));
    assert_eq!(r.json()["ok"], true, "{}", r.text());
    assert_eq!(rx.all()[0].event(), "ping");
    assert_eq!(attempts(&admin, id)[0]["event"], "ping");
}

#[test]
fn the_readme_receiver_verifies_the_signature_and_refuses_a_forged_one() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let code = std::fs::read_to_string(root.join("docs/examples/webhook_receiver.py")).unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.contains(&format!("```python\n{code}```\n")), "README's receiver differs from docs/examples/webhook_receiver.py");
    let (s, admin) = desk();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (id, secret) = endpoint(&admin, &format!("http://127.0.0.1:{port}/"), false);
    let Ok(mut py) = std::process::Command::new("python3")
        .arg(root.join("docs/examples/webhook_receiver.py"))
        .env("FRONTDESK_WEBHOOK_SECRET", &secret)
        .env("PORT", port.to_string())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
    else {
        eprintln!("python3 is not installed: skipped");
        return;
    };
    wait(Duration::from_secs(10), "the receiver listening", || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    let r = admin.post_json(&format!("/api/webhooks/{id}/test"), &json!({}));
    assert_eq!(r.json()["ok"], true, "{}", r.text());
    assert_eq!(r.json()["delivery"]["status"], 204);
    s.customer(Some("Rui")).say("Olá");
    wait(Duration::from_secs(20), "two deliveries", || attempts(&admin, id).iter().filter(|a| a["ok"] == true).count() >= 3);
    // A forged signature (another secret) is refused.
    let body = r#"{"id":"evt_x","event":"ping","created_at":0,"data":{}}"#;
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let forged = frontdesk::desk::webhook_send::signature("whsec_not_the_secret", t, body);
    let good = frontdesk::desk::webhook_send::signature(&secret, t, body);
    let send = |sig: &str| {
        let head = format!(
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nFrontdesk-Signature: {sig}\r\nFrontdesk-Delivery: dlv_x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        common::raw_exchange(format!("127.0.0.1:{port}").parse().unwrap(), head.as_bytes())
    };
    assert!(send(&forged).starts_with("HTTP/1.0 400"), "{}", send(&forged));
    let old = frontdesk::desk::webhook_send::signature(&secret, t - 3600, body);
    assert!(send(&old).starts_with("HTTP/1.0 400"), "an hour-old signature was accepted");
    assert!(send(&good).starts_with("HTTP/1.0 204"), "{}", send(&good));
    let _ = py.kill();
    let mut out = String::new();
    std::io::Read::read_to_string(py.stdout.as_mut().unwrap(), &mut out).unwrap();
    let events: Vec<&str> = out.lines().map(|l| l.split(' ').nth(1).unwrap_or("")).collect();
    assert_eq!(events, ["ping", "conversation.created", "message.created", "ping"], "{out}");
}
