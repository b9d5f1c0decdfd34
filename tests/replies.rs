//! Saved replies (issue 15, part C) over the real HTTP API and WebSockets: create, list, edit and
//! delete; every field's limits; shortcuts unique per scope; who may see and change which (shared:
//! everyone sees, admins change; personal: the owner alone); `replies.updated` reaching exactly those
//! who may see the reply, live and on resume; changes to shared replies in the audit log.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};

/// Ada (admin), Sam and Nina (agents: Sam answers customers, Nina does not).
fn team() -> (Server, Client, Client, Client) {
    let s = Server::start();
    let admin = s.admin();
    let sam = s.agent(&admin, "sam@example.com", "Sam Support", true);
    let nina = s.agent(&admin, "nina@example.com", "Nina", false);
    (s, admin, sam, nina)
}

fn reply(scope: &str, shortcut: &str) -> Value {
    json!({"scope": scope, "title": format!("Title of {shortcut}"), "shortcut": shortcut, "body": format!("Body of {shortcut}")})
}

fn create(c: &Client, body: &Value) -> Value {
    let r = c.post_json("/api/replies", body);
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["reply"].clone()
}

/// The shortcuts `c` gets from `GET /api/replies`, with their scopes.
fn listed(c: &Client) -> Vec<(String, String)> {
    let r = c.get("/api/replies");
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["scope"].as_str().unwrap().to_string(), x["shortcut"].as_str().unwrap().to_string()))
        .collect()
}

fn pair(scope: &str, shortcut: &str) -> (String, String) {
    (scope.to_string(), shortcut.to_string())
}

#[test]
fn replies_are_created_listed_edited_and_deleted() {
    let (_s, admin, sam, _nina) = team();
    let shared = create(
        &admin,
        &json!({"scope": "shared", "title": "  Greeting ", "shortcut": "/greet", "body": "Hi {{customer.name}}, I'm {{agent.name}}.\n",
                "title_pt": "Saudação", "body_pt": "Olá {{customer.name}}, sou {{agent.name}}."}),
    );
    assert_eq!(shared["scope"], "shared");
    assert_eq!((shared["title"].as_str(), shared["shortcut"].as_str()), (Some("Greeting"), Some("greet")), "trimmed; the / dropped");
    assert_eq!(shared["body"], "Hi {{customer.name}}, I'm {{agent.name}}.");
    assert_eq!(
        (shared["title_pt"].as_str(), shared["body_pt"].as_str()),
        (Some("Saudação"), Some("Olá {{customer.name}}, sou {{agent.name}}."))
    );
    assert!(shared.get("owner_id").is_none(), "owners are never sent: {shared}");
    let mine = create(&sam, &reply("personal", "bye"));
    assert_eq!(mine["scope"], "personal");
    assert_eq!(mine["title_pt"], "", "no Portuguese variant: empty");

    // Sam sees the shared ones and his own, by shortcut; Ada only the shared ones.
    assert_eq!(listed(&sam), vec![pair("personal", "bye"), pair("shared", "greet")]);
    assert_eq!(listed(&admin), vec![pair("shared", "greet")]);

    // Edit: only what is sent changes; "" removes a variant.
    let id = shared["id"].as_i64().unwrap();
    let r = admin.patch_json(&format!("/api/replies/{id}"), &json!({"title": "Hello", "body_pt": ""}));
    assert_eq!(r.status, 200, "{}", r.text());
    let edited = r.json()["reply"].clone();
    assert_eq!(
        (edited["title"].as_str(), edited["body_pt"].as_str(), edited["shortcut"].as_str()),
        (Some("Hello"), Some(""), Some("greet"))
    );
    assert_eq!(edited["title_pt"], "Saudação");
    assert_eq!(sam.get("/api/replies").json()["replies"][1]["title"], "Hello", "everyone sees the edit");
    let mid = mine["id"].as_i64().unwrap();
    let r = sam.patch_json(&format!("/api/replies/{mid}"), &json!({"shortcut": "goodbye", "body": "See you!"}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(listed(&sam), vec![pair("personal", "goodbye"), pair("shared", "greet")]);

    // Delete.
    let r = sam.delete(&format!("/api/replies/{mid}"));
    assert_eq!((r.status, r.json()["reply"]["shortcut"].as_str()), (200, Some("goodbye")));
    assert_eq!(sam.delete(&format!("/api/replies/{mid}")).status, 404, "gone");
    assert_eq!(admin.delete(&format!("/api/replies/{id}")).status, 200);
    assert_eq!(listed(&sam), vec![]);
}

#[test]
fn each_field_is_checked_and_the_error_names_it() {
    let (_s, _admin, sam, _nina) = team();
    let base = reply("personal", "ok");
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let cases = [
        (with("title", json!("   ")), 422, "title: 1 to 100 characters"),
        (with("title", json!("x".repeat(101))), 422, "title: 1 to 100 characters"),
        (with("shortcut", json!("")), 422, "shortcut: 1 to 32 characters"),
        (with("shortcut", json!("Greet")), 422, "shortcut: 1 to 32 characters"),
        (with("shortcut", json!("gr eet")), 422, "shortcut: 1 to 32 characters"),
        (with("shortcut", json!("olá")), 422, "shortcut: 1 to 32 characters"),
        (with("shortcut", json!("x".repeat(33))), 422, "shortcut: 1 to 32 characters"),
        (with("body", json!(" \n ")), 422, "body: 1 byte to 8 KiB"),
        (with("body", json!("é".repeat(4097))), 422, "body: 1 byte to 8 KiB"),
        (with("title_pt", json!("x".repeat(101))), 422, "title_pt: at most 100 characters"),
        (with("body_pt", json!("x".repeat(8193))), 422, "body_pt: at most 8 KiB"),
        (with("scope", json!("team")), 422, "scope: shared or personal"),
        (json!({"scope": "personal", "title": "No body", "shortcut": "nobody"}), 400, "body"),
    ];
    let mut wrong = Vec::new();
    for (body, status, message) in &cases {
        let r = sam.post_json("/api/replies", body);
        let error = r.json()["error"].as_str().unwrap_or_default().to_string();
        if r.status != *status || !error.contains(message) {
            wrong.push(format!("{body}: {} {error:?}, expected {status} {message:?}", r.status));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(listed(&sam), vec![], "nothing refused was stored");

    // The limits themselves are allowed: 100 characters (not bytes), 32, 8 KiB exactly.
    let edge = json!({"scope": "personal", "title": "é".repeat(100), "shortcut": "a-b_c".repeat(6) + "09",
                      "body": "x".repeat(8192), "title_pt": "ç".repeat(100), "body_pt": "y".repeat(8192)});
    let r = create(&sam, &edge);
    // A patch is checked the same way, and a refused one changes nothing.
    let id = r["id"].as_i64().unwrap();
    let p = sam.patch_json(&format!("/api/replies/{id}"), &json!({"body": "x".repeat(8193), "title": "Fine"}));
    assert_eq!((p.status, p.json()["error"].as_str().map(|e| e.starts_with("body:"))), (422, Some(true)), "{}", p.text());
    assert_eq!(sam.get("/api/replies").json()["replies"][0]["title"], "é".repeat(100));
}

#[test]
fn shortcuts_are_unique_within_their_scope_only() {
    let (_s, admin, sam, nina) = team();
    create(&admin, &reply("shared", "greet"));
    let r = admin.post_json("/api/replies", &reply("shared", "greet"));
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["error"], "shortcut: /greet is already used by another shared reply; pick another");
    // A personal reply may use a shared shortcut; each agent's own are theirs.
    create(&sam, &reply("personal", "greet"));
    let r = sam.post_json("/api/replies", &reply("personal", "/greet"));
    assert_eq!(r.status, 409, "the / makes no difference");
    assert_eq!(r.json()["error"], "shortcut: /greet is already used by another of your replies; pick another");
    create(&nina, &reply("personal", "greet"));
    create(&admin, &reply("personal", "greet"));

    // Renaming onto a taken shortcut is refused; keeping one's own is not a clash.
    let bye = create(&sam, &reply("personal", "bye"));
    let at = format!("/api/replies/{}", bye["id"]);
    assert_eq!(sam.patch_json(&at, &json!({"shortcut": "greet"})).status, 409);
    let r = sam.patch_json(&at, &json!({"shortcut": "bye", "title": "Farewell"}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(listed(&sam), vec![pair("personal", "bye"), pair("shared", "greet"), pair("personal", "greet")]);
}

#[test]
fn agents_use_shared_replies_admins_change_them_and_personal_ones_are_private() {
    let (_s, admin, sam, nina) = team();
    let shared = create(&admin, &reply("shared", "greet"));
    let sams = create(&sam, &reply("personal", "mine"));
    let (shared_at, sams_at) = (format!("/api/replies/{}", shared["id"]), format!("/api/replies/{}", sams["id"]));

    // Agents (with customer support or without) see shared replies but cannot change them.
    for agent in [&sam, &nina] {
        assert!(listed(agent).contains(&pair("shared", "greet")));
        let r = agent.post_json("/api/replies", &reply("shared", "new"));
        assert_eq!(r.status, 403, "{}", r.text());
        assert_eq!(r.json()["error"], "Only admins can change shared replies; add a personal one in your settings instead.");
        assert_eq!(agent.patch_json(&shared_at, &json!({"title": "Mine now"})).status, 403);
        assert_eq!(agent.delete(&shared_at).status, 403);
    }
    assert_eq!(listed(&admin), vec![pair("shared", "greet")], "nothing changed");

    // Sam's own reply does not exist for anyone else, admins included.
    for other in [&nina, &admin] {
        assert!(!listed(other).contains(&pair("personal", "mine")));
        let r = other.patch_json(&sams_at, &json!({"title": "Taken"}));
        assert_eq!((r.status, r.json()["error"].as_str()), (404, Some(format!("No saved reply with id {}.", sams["id"]).as_str())));
        assert_eq!(other.delete(&sams_at).status, 404);
    }
    assert_eq!(sam.get("/api/replies").json()["replies"][1]["title"], "Title of mine", "untouched");

    // A reply stays in its scope.
    let r = admin.patch_json(&shared_at, &json!({"scope": "personal"}));
    assert_eq!((r.status, r.json()["error"].as_str()), (422, Some("scope: cannot change; create the reply again in the other scope")));
    assert_eq!(sam.patch_json(&sams_at, &json!({"scope": "personal", "title": "Same scope"})).status, 200);
    // Signed out: nothing.
    let anon = sam.clone();
    assert_eq!(Client { cookie: None, csrf: None, ..anon }.get("/api/replies").status, 401);
}

#[test]
fn a_scope_holds_at_most_500_replies() {
    let (_s, _admin, sam, nina) = team();
    for i in 0..500 {
        let r = sam.post_json("/api/replies", &json!({"scope": "personal", "title": "t", "shortcut": format!("r{i}"), "body": "b"}));
        assert_eq!(r.status, 201, "{i}: {}", r.text());
    }
    let r = sam.post_json("/api/replies", &reply("personal", "one-more"));
    assert_eq!((r.status, r.json()["error"].as_str()), (422, Some("At most 500 saved replies per scope: delete one you no longer use.")));
    create(&nina, &reply("personal", "one-more"));
}

/// Frames on `ws` up to the pong answering a ping sent now: everything pushed before it.
fn drain(ws: &mut Ws) -> Vec<Value> {
    ws.send(&json!({"type": "ping"}));
    let mut seen = ws.recv_until(|v| v["type"] == "pong");
    seen.pop();
    seen
}

fn reply_events(frames: &[Value]) -> Vec<(String, String)> {
    frames
        .iter()
        .filter(|v| v["type"] == "replies.updated")
        .map(|v| (v["data"]["change"].as_str().unwrap().to_string(), v["data"]["reply"]["shortcut"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn replies_updated_reaches_exactly_those_who_see_the_reply_live_and_on_resume() {
    let (s, admin, sam, nina) = team();
    let sally = s.customer(Some("Sally"));
    sally.say("Hello");
    let pos = sam.get("/api/conversations").json()["pos"].as_i64().unwrap();
    let mut sam_tab1 = sam.ws();
    let mut sam_tab2 = sam.ws();
    let mut nina_ws = nina.ws();
    let mut admin_ws = admin.ws();
    let mut sally_ws = sally.ws();
    for ws in [&mut sam_tab1, &mut sam_tab2, &mut nina_ws, &mut admin_ws, &mut sally_ws] {
        ws.resume(None);
    }

    // Sam's personal reply: both of Sam's tabs, nobody else.
    let mine = create(&sam, &reply("personal", "mine"));
    let r = sam.patch_json(&format!("/api/replies/{}", mine["id"]), &json!({"body": "Changed"}));
    assert_eq!(r.status, 200);
    assert_eq!(sam.delete(&format!("/api/replies/{}", mine["id"])).status, 200);
    // A shared one: every agent; customers never.
    create(&admin, &reply("shared", "greet"));

    let personal = [pair("created", "mine"), pair("updated", "mine"), pair("deleted", "mine")];
    let shared = vec![pair("created", "greet")];
    let both: Vec<_> = personal.iter().chain(&shared).cloned().collect();
    for (who, ws, expect) in [
        ("Sam's first tab", &mut sam_tab1, &both),
        ("Sam's second tab", &mut sam_tab2, &both),
        ("Nina", &mut nina_ws, &shared),
        ("Ada", &mut admin_ws, &shared),
    ] {
        // The HTTP answer can come before the fan-out reaches every socket: wait for as many events as
        // expected, then a ping round trip shows nothing more is on its way.
        let left = std::cell::Cell::new(expect.len());
        let mut frames = ws.recv_until(|v| {
            if v["type"] == "replies.updated" {
                left.set(left.get() - 1);
            }
            left.get() == 0
        });
        frames.extend(drain(ws));
        assert_eq!(&reply_events(&frames), expect, "{who}");
    }
    let frames = drain(&mut sally_ws);
    assert!(frames.iter().all(|v| v["type"] != "replies.updated"), "a customer received {frames:?}");

    // The event carries the reply as the list does (no owner), and a deletion the reply as it was.
    let mut sam_tab3 = sam.ws();
    sam_tab3.send(&json!({"type": "resume", "pos": pos}));
    let replayed = sam_tab3.recv_until(|v| v["type"] == "resumed");
    assert_eq!(reply_events(&replayed), both, "Sam's resume replays his and the shared ones");
    let created = replayed.iter().find(|v| v["type"] == "replies.updated").unwrap();
    assert_eq!(created["data"]["reply"]["title"], "Title of mine");
    assert!(created["data"]["reply"].get("owner_id").is_none());
    let mut nina_again = nina.ws();
    nina_again.send(&json!({"type": "resume", "pos": pos}));
    assert_eq!(reply_events(&nina_again.recv_until(|v| v["type"] == "resumed")), shared, "Nina's resume skips Sam's");
    let mut sally_again = sally.ws();
    sally_again.send(&json!({"type": "resume", "pos": pos}));
    let frames = sally_again.recv_until(|v| v["type"] == "resumed");
    assert!(frames.iter().all(|v| v["type"] != "replies.updated"), "a customer's resume replayed {frames:?}");
    assert!(nina_ws.silent_for(Duration::from_millis(200)));
}

#[test]
fn changes_to_shared_replies_are_audited_and_personal_ones_are_not() {
    let (_s, admin, sam, _nina) = team();
    let shared = create(&admin, &json!({"scope": "shared", "title": "Greeting", "shortcut": "greet", "body": "Hi!"}));
    let at = format!("/api/replies/{}", shared["id"]);
    assert_eq!(admin.patch_json(&at, &json!({"body": "Hello!", "body_pt": "Olá!", "title": "Greeting"})).status, 200);
    assert_eq!(admin.patch_json(&at, &json!({"body": "Hello!"})).status, 200, "no change: nothing to audit");
    assert_eq!(admin.delete(&at).status, 200);
    let own = create(&admin, &reply("personal", "mine"));
    assert_eq!(admin.patch_json(&format!("/api/replies/{}", own["id"]), &json!({"body": "x"})).status, 200);
    create(&sam, &reply("personal", "sams"));
    assert_eq!(sam.post_json("/api/replies", &reply("shared", "refused")).status, 403);

    let log = admin.get("/api/audit?limit=50").json();
    let entries: Vec<(String, String, Value)> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"].as_str().unwrap().starts_with("reply."))
        .map(|e| (e["action"].as_str().unwrap().into(), e["target"].as_str().unwrap().into(), e["detail"].clone()))
        .collect();
    let id = shared["id"].as_i64().unwrap();
    let target = format!("reply:{id} /greet");
    assert_eq!(
        entries,
        vec![
            ("reply.delete".into(), target.clone(), json!({"shortcut": "greet", "title": "Greeting"})),
            ("reply.update".into(), target.clone(), json!({"changed": ["body", "body_pt"]})),
            ("reply.create".into(), target, json!({"shortcut": "greet", "title": "Greeting"})),
        ],
        "newest first; personal replies and refusals leave no entry"
    );
    let by = log["entries"].as_array().unwrap().iter().find(|e| e["action"] == "reply.create").unwrap();
    assert_eq!((by["user_name"].as_str(), by["ip"].as_str()), (Some("Ada Admin"), Some("127.0.0.1")));
}
