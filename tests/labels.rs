//! Labels (issue 15, part D): admins define them (names unique whatever their case, a colour, a
//! description), agents put them on the conversations they may see, lists filter by them and search
//! understands `label:NAME`. Every change is live for the agents who see it, audited, and never
//! reaches a customer — not over HTTP, live frames or resume.

mod common;

use std::time::Duration;

use common::desk::desk;
use common::*;
use serde_json::{Value, json};

fn label(admin: &Client, name: &str, color: &str) -> i64 {
    let r = admin.post_json("/api/labels", &json!({"name": name, "color": color}));
    assert_eq!(r.status, 201, "{name}: {}", r.text());
    r.json()["label"]["id"].as_i64().unwrap()
}

fn set(c: &Client, conv: i64, labels: &[i64]) -> Resp {
    c.request("PUT", &format!("/api/conversations/{conv}/labels"), Some(&json!({"labels": labels})))
}

fn sorted(v: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = v.as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect();
    ids.sort_unstable();
    ids
}

fn audit(admin: &Client, action: &str) -> Vec<Value> {
    let r = admin.get("/api/audit?limit=200").json();
    r["entries"].as_array().unwrap().iter().filter(|e| e["action"] == action).cloned().collect()
}

/// True if nothing but presence news arrives on `ws` within `d` (another socket opening says
/// "online" to every agent).
fn quiet(ws: &mut Ws, d: Duration) -> bool {
    ws.set_timeout(d);
    let quiet = loop {
        match ws.ws.read() {
            // Someone's socket opening is not news about a conversation: `presence`, and `user.status`
            // (assignment's Online/Away/Offline, sent when an agent's first socket opens).
            Ok(tungstenite::Message::Text(t))
                if !t.as_str().contains("\"type\":\"presence\"") && !t.as_str().contains("\"type\":\"user.status\"") =>
            {
                break false;
            }
            Ok(_) => continue,
            Err(_) => break true,
        }
    };
    ws.set_timeout(Duration::from_secs(10));
    quiet
}

#[test]
fn admins_define_labels_with_names_unique_whatever_their_case() {
    let (_s, admin, sam, _sally, _conv) = desk();
    let vip = label(&admin, "  VIP   customer ", "#D92D20");
    let all = sam.get("/api/labels").json();
    assert_eq!(all["labels"][0]["name"], "VIP customer", "trimmed, inner spaces made one");
    assert_eq!(all["labels"][0]["color"], "#d92d20");

    // Sam reads them; only admins write them.
    assert_eq!(sam.post_json("/api/labels", &json!({"name": "Mine", "color": "#000000"})).status, 403);
    assert_eq!(sam.patch_json(&format!("/api/labels/{vip}"), &json!({"name": "X"})).status, 403);
    assert_eq!(sam.delete(&format!("/api/labels/{vip}")).status, 403);

    let refused = |body: Value| {
        let r = admin.post_json("/api/labels", &body);
        (r.status, r.json()["error"].as_str().unwrap_or("").split(':').next().unwrap_or("").to_string())
    };
    assert_eq!(refused(json!({"name": "vip CUSTOMER", "color": "#123456"})), (409, "name".into()), "same name, other case");
    label(&admin, "Ágil", "#123456");
    assert_eq!(refused(json!({"name": "ágil", "color": "#123456"})), (409, "name".into()), "case folded beyond ASCII");
    assert_eq!(refused(json!({"name": "", "color": "#123456"})), (422, "name".into()));
    assert_eq!(refused(json!({"name": "x".repeat(41), "color": "#123456"})), (422, "name".into()));
    assert_eq!(refused(json!({"name": "say \"hi\"", "color": "#123456"})), (422, "name".into()));
    assert_eq!(refused(json!({"name": "Red", "color": "red"})), (422, "color".into()));
    assert_eq!(refused(json!({"name": "Red"})), (422, "color".into()));
    assert_eq!(refused(json!({"name": "Red", "color": "#ff0000", "description": "d".repeat(201)})), (422, "description".into()));
    assert!(label(&admin, &"é".repeat(40), "#ff0000") > 0, "40 characters, not bytes");

    // Rename and recolour; a rename onto another label's name is refused.
    let r = admin.patch_json(&format!("/api/labels/{vip}"), &json!({"name": "VIP", "color": "#12B76A", "description": "Big accounts"}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!((r.json()["label"]["name"].as_str(), r.json()["label"]["color"].as_str()), (Some("VIP"), Some("#12b76a")));
    assert_eq!(admin.patch_json(&format!("/api/labels/{vip}"), &json!({"name": "ÁGIL"})).status, 409);
    assert_eq!(admin.patch_json("/api/labels/999999", &json!({"name": "Nope"})).status, 404);
    assert_eq!(admin.delete(&format!("/api/labels/{vip}")).status, 200);
    assert_eq!(admin.delete(&format!("/api/labels/{vip}")).status, 404);

    // Audited: who, what, old → new.
    assert_eq!(audit(&admin, "label.create").len(), 3);
    let upd = &audit(&admin, "label.update")[0];
    assert_eq!(upd["detail"]["name"], json!({"from": "VIP customer", "to": "VIP"}));
    assert_eq!(upd["detail"]["color"], json!({"from": "#d92d20", "to": "#12b76a"}));
    assert_eq!(audit(&admin, "label.delete")[0]["detail"]["name"], "VIP");
}

#[test]
fn labelling_a_chat_is_live_for_its_agents_and_never_reaches_its_customer() {
    let (s, admin, sam, sally, conv) = desk();
    let nina = s.agent(&admin, "nina@example.com", "Nina", false);
    let vip = label(&admin, "VIP", "#d92d20");
    let refund = label(&admin, "Refund", "#f79009");
    let pos = admin.get("/api/conversations?section=customers").json()["pos"].as_i64().unwrap();

    let (mut admin_ws, mut nina_ws, mut sally_ws) = (admin.ws(), nina.ws(), sally.ws());
    admin_ws.resume(None);
    nina_ws.resume(None);
    sally_ws.resume(None);

    let r = set(&sam, conv, &[vip, refund, vip]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(sorted(&r.json()["conversation"]["labels"]), vec![vip, refund]);
    let ev = admin_ws.recv_until(|v| v["type"] == "conversation.updated");
    let ev = ev.last().unwrap();
    assert_eq!(ev["data"]["change"], "labels");
    assert_eq!(sorted(&ev["data"]["conversation"]["labels"]), vec![vip, refund]);
    // The list and the conversation carry them after a reload.
    assert_eq!(sorted(&admin.list("customers", "open")["conversations"][0]["labels"]), vec![vip, refund]);
    assert_eq!(sorted(&admin.get(&format!("/api/conversations/{conv}")).json()["conversation"]["labels"]), vec![vip, refund]);

    // The same set again changes nothing and says nothing.
    set(&sam, conv, &[refund, vip]);
    assert!(quiet(&mut admin_ws, Duration::from_millis(300)), "an unchanged set is not announced");

    // Renaming a label is for every agent (Nina too: she may label her team chats).
    admin.patch_json(&format!("/api/labels/{vip}"), &json!({"name": "Very important"}));
    let seen = nina_ws.recv_until(|v| v["type"] == "labels.updated");
    assert!(seen.last().unwrap()["data"]["labels"].as_array().unwrap().iter().any(|l| l["name"] == "Very important"));
    // Nina sees nothing of the live chat, and may not label it.
    assert!(!seen.iter().any(|v| v["type"] == "conversation.updated"), "Nina got the live chat's labels: {seen:?}");
    assert_eq!(set(&nina, conv, &[vip]).status, 404);
    assert_eq!(nina.get("/api/conversations?section=mine").json()["conversations"], json!([]));

    // Sally's socket, live and on resume, and her HTTP answers: no label, no label event.
    assert!(quiet(&mut sally_ws, Duration::from_millis(500)), "labels reach the customer's socket");
    let mut replay = sally.ws();
    replay.send(&json!({"type": "resume", "pos": pos}));
    let frames = replay.recv_until(|v| v["type"] == "resumed");
    for f in &frames {
        let text = f.to_string();
        assert!(!text.contains("labels") && !text.contains("Refund") && !text.contains("important"), "resume replays {text}");
    }
    for path in ["/api/widget/session", "/api/widget/messages"] {
        let text = sally.request("GET", path, None).text();
        assert!(!text.contains("labels") && !text.contains("Refund"), "{path}: {text}");
    }
    // Audited: who put which on which conversation.
    let e = &audit(&admin, "conversation.labels")[0];
    assert_eq!(e["target"], format!("conversation:{conv}"));
    let mut added: Vec<String> = e["detail"]["added"].as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect();
    added.sort();
    assert_eq!(added, vec!["Refund", "VIP"]);
    assert_eq!(e["user_name"], "Sam Support");

    // Taking one off, and deleting the other: off every conversation.
    set(&sam, conv, &[vip]);
    assert_eq!(audit(&admin, "conversation.labels")[0]["detail"]["removed"], json!(["Refund"]));
    assert_eq!(admin.delete(&format!("/api/labels/{vip}")).status, 200);
    assert_eq!(admin.get(&format!("/api/conversations/{conv}")).json()["conversation"]["labels"], json!([]));
}

#[test]
fn labels_are_checked_and_team_chats_are_labelled_by_their_members_only() {
    let (s, admin, sam, _sally, conv) = desk();
    let nina = s.agent(&admin, "nina@example.com", "Nina", false);
    let ids: Vec<i64> = (0..21).map(|i| label(&admin, &format!("L{i}"), "#2f6fec")).collect();
    assert_eq!(set(&sam, conv, &ids).status, 422, "at most 20 on one conversation");
    assert_eq!(set(&sam, conv, &ids[..20]).status, 200);
    assert_eq!(set(&sam, conv, &[999_999]).status, 422, "an unknown label");
    assert_eq!(sam.request("PUT", &format!("/api/conversations/{conv}/labels"), Some(&json!({"labels": "VIP"}))).status, 400);

    let r = nina.post_json("/api/conversations", &json!({"user_ids": [sam.id()], "body": "Shall we?"}));
    let team = r.json()["conversation"]["id"].as_i64().unwrap();
    let mut admin_ws = admin.ws();
    admin_ws.resume(None);
    let mut sam_ws = sam.ws();
    sam_ws.resume(None);
    assert_eq!(set(&nina, team, &[ids[0]]).status, 200);
    let ev = sam_ws.recv_type("conversation.updated");
    assert_eq!((ev["data"]["conversation"]["id"].as_i64(), ev["data"]["change"].as_str()), (Some(team), Some("labels")));
    assert!(quiet(&mut admin_ws, Duration::from_millis(300)), "the admin is not in the team chat");
    assert_eq!(set(&admin, team, &[]).status, 404);
}

#[test]
fn lists_filter_by_label_and_search_understands_label_terms() {
    let (s, admin, sam, sally, conv) = desk();
    let nina = s.agent(&admin, "nina@example.com", "Nina", false);
    let vip = label(&admin, "VIP customer", "#d92d20");
    let late = label(&admin, "Late", "#f79009");
    let bob = s.customer(Some("Bob"));
    let bob_conv = bob.say("Where is my refund for the parcel?")["conversation_id"].as_i64().unwrap();
    let cleo = s.customer(Some("Cleo"));
    let cleo_conv = cleo.say("A refund please")["conversation_id"].as_i64().unwrap();
    sally.say("And a refund too");
    set(&sam, conv, &[vip, late]);
    set(&sam, bob_conv, &[vip]);
    set(&sam, cleo_conv, &[late]);

    let listed = |q: &str| -> Vec<i64> {
        let r = admin.get(&format!("/api/conversations?section=customers&status=open&{q}"));
        assert_eq!(r.status, 200, "{}", r.text());
        let mut ids: Vec<i64> = r.json()["conversations"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
        ids.sort_unstable();
        ids
    };
    let mut both = vec![conv, bob_conv];
    both.sort_unstable();
    assert_eq!(listed(&format!("label={vip}")), both);
    assert_eq!(listed(&format!("label={late}")).len(), 2);
    assert_eq!(listed(&format!("label={late}&limit=1")).len(), 1, "pages as the unfiltered list does");
    assert_eq!(listed(""), {
        let mut a = vec![conv, bob_conv, cleo_conv];
        a.sort_unstable();
        a
    });
    assert_eq!(listed("label=999999"), Vec::<i64>::new());
    assert_eq!(admin.get("/api/conversations?section=customers&label=vip").status, 400);

    let search = |c: &Client, q: &str| -> Value {
        let r = c.get(&format!("/api/search?q={}", q.replace(' ', "+").replace('"', "%22").replace(':', "%3A")));
        assert_eq!(r.status, 200, "{q}: {}", r.text());
        r.json()
    };
    let convs_of = |v: &Value, key: &str| -> Vec<i64> {
        let mut ids: Vec<i64> = v[key].as_array().unwrap().iter().map(|h| h["conversation_id"].as_i64().unwrap()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    // Labels alone: those conversations, newest first, with their titles.
    let r = search(&admin, "label:\"vip customer\"");
    assert_eq!(convs_of(&r, "conversations"), both);
    assert_eq!(r["conversations"][0]["conversation_id"], conv, "newest activity first (Sally wrote last)");
    assert_eq!(r["titles"][bob_conv.to_string()]["title"], "Bob");
    // With words: only messages in conversations with every label named.
    assert_eq!(convs_of(&search(&admin, "refund label:Late"), "results"), {
        let mut a = vec![conv, cleo_conv];
        a.sort_unstable();
        a
    });
    assert_eq!(convs_of(&search(&admin, "LABEL:late refund label:\"VIP Customer\""), "results"), vec![conv]);
    assert_eq!(convs_of(&search(&admin, "refund"), "results").len(), 3);
    // Conversations found by name carry the labels too.
    assert_eq!(convs_of(&search(&admin, "Bob label:late"), "conversations"), Vec::<i64>::new());
    assert_eq!(convs_of(&search(&admin, "Bob label:\"vip customer\""), "conversations"), vec![bob_conv]);
    // An unknown label matches nothing; Nina finds nothing of live chats.
    assert_eq!(search(&admin, "refund label:nope")["results"], json!([]));
    assert_eq!(search(&nina, "label:late")["conversations"], json!([]));
    assert_eq!(search(&nina, "refund label:late")["results"], json!([]));
}
