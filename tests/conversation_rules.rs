//! The rules of a conversation and its messages ([S5], [S6], [S10]): closing moves it to Closed and a
//! customer reply reopens it, who may edit and delete what (with revision history), message limits
//! and bad input, and the customer panel's time zone.

mod common;

use common::desk::desk;
use common::*;
use serde_json::json;

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
    // System messages record who closed and reopened, in order (and that replying to the reopened,
    // unassigned chat made it Ada's: assign-on-reply is on by default).
    let msgs = admin.get(&format!("/api/conversations/{conv}/messages")).json()["messages"].as_array().unwrap().clone();
    let system: Vec<&str> = msgs.iter().filter(|m| m["author"]["kind"] == "system").map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(
        system,
        vec![
            "Closed by Ada Admin",
            "Reopened by Ada Admin",
            "Ada Admin took this conversation",
            "Closed by Ada Admin",
            "Reopened by Sally C."
        ]
    );
    let seqs: Vec<i64> = msgs.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "gapless sequence");
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
    // No text and no files (issue 17 made the body optional beside attachments): a field error, not a malformed request.
    let r = admin.post_json(&format!("/api/conversations/{conv}/messages"), &json!({"nobody": 1}));
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(!r.json()["error"].as_str().unwrap().is_empty());
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
