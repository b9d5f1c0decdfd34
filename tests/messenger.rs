//! What the Messenger is told, over real HTTP and a real agent WebSocket: unread counts that leave
//! out system lines ([S7]), list previews that say when the latest message was deleted or is a
//! system line, and the help desk's effective online state, with its reason, whatever changes it
//! ([S12]: the switch, business hours turned on or off, the clock crossing a boundary).

mod common;

use std::sync::Arc;

use common::desk::desk;
use common::*;
use frontdesk::desk::availability::tick;
use serde_json::{Value, json};

fn app(s: &Server) -> &Arc<frontdesk::app::App> {
    &s.running.as_ref().expect("in-process server").app
}

/// Unix ms of a local time in `tz`.
fn local_ms(tz: &str, y: i16, mo: i8, d: i8, h: i8, mi: i8) -> i64 {
    jiff::civil::date(y, mo, d).at(h, mi, 0, 0).in_tz(tz).unwrap().timestamp().as_millisecond()
}

/// The row of conversation `id` in `who`'s list, or `Null`.
fn row(who: &Client, section: &str, status: &str, id: i64) -> Value {
    who.list(section, status)["conversations"].as_array().unwrap().iter().find(|c| c["id"] == id).cloned().unwrap_or(Value::Null)
}

#[test]
fn system_lines_and_own_messages_never_count_as_unread() {
    let (s, admin, sam, sally, conv) = desk();
    assert_eq!(row(&admin, "customers", "open", conv)["unread"], 1, "one customer message");

    // Sam closes it: a system line "Closed by Sam Support" follows Sally's message. Ada still has
    // one unread message, and Sam none.
    assert_eq!(sam.post_json(&format!("/api/conversations/{conv}/status"), &json!({"status": "closed"})).status, 200);
    assert_eq!(row(&admin, "customers", "closed", conv)["unread"], 1, "a system line is not unread");
    assert_eq!(row(&sam, "customers", "closed", conv)["unread"], 0);

    // Sally writes again: the conversation reopens ("Reopened by Sally C." and her message).
    sally.say("Any news?");
    assert_eq!(row(&admin, "customers", "open", conv)["unread"], 2, "two customer messages, two system lines");
    assert_eq!(row(&sam, "customers", "open", conv)["unread"], 1);
    let counts = admin.list("customers", "open")["counts"]["customers"].clone();
    assert_eq!(counts["unread"], 1, "one conversation with unread messages");
    let only = admin.get("/api/conversations?section=customers&status=open&unread=1").json();
    assert_eq!(only["conversations"].as_array().unwrap().len(), 1);

    // Reading clears it, on every tab of Ada's (the event carries the same count).
    let mut tab = admin.ws();
    tab.resume(None);
    let r = admin.post_json(&format!("/api/conversations/{conv}/read"), &json!({}));
    assert_eq!(r.json()["unread"], 0);
    assert_eq!(tab.recv_type("conversation.read")["data"]["unread"], 0);

    // A ticket made from the conversation adds a system line, which leaves Ada's list read.
    let r = sam.post_json(&format!("/api/conversations/{conv}/items"), &json!({"kind": "ticket", "title": "Late order"}));
    assert_eq!(r.status, 201, "{}", r.text());
    let ada = row(&admin, "customers", "open", conv);
    assert_eq!(ada["unread"], 0, "{ada}");
    assert_eq!(admin.list("customers", "open")["counts"]["customers"]["unread"], 0);
    let only = admin.get("/api/conversations?section=customers&status=open&unread=1").json();
    assert_eq!(only["conversations"].as_array().unwrap().len(), 0);

    // A read mark part-way (Sam has read up to the "Reopened" line): Sally's second message is
    // unread, the ticket's line after it is not.
    let msgs = admin.get(&format!("/api/conversations/{conv}/messages")).json()["messages"].as_array().unwrap().clone();
    let reopened = msgs.iter().find(|m| m["system"]["code"] == "conversation.reopened").unwrap()["seq"].as_i64().unwrap();
    let r = sam.post_json(&format!("/api/conversations/{conv}/read"), &json!({"seq": reopened}));
    assert_eq!(r.json()["unread"], 1, "{}", r.text());
    assert_eq!(row(&sam, "customers", "open", conv)["unread"], 1);
    drop(s);
}

#[test]
fn a_deleted_last_message_is_listed_as_deleted_until_the_next_one() {
    let (_s, admin, sam, sally, conv) = desk();
    let m = sam.reply(conv, "Let me check");
    assert_eq!(sam.delete(&format!("/api/messages/{}", m["id"])).status, 200);
    let r = row(&sam, "customers", "open", conv);
    assert_eq!((r["preview_deleted"].clone(), r["preview_system"].clone()), (json!(true), Value::Null), "{r}");

    // The next message replaces it, live and in the list.
    let mut tab = admin.ws();
    tab.resume(None);
    sally.say("Hello?");
    let ev = tab.recv_type("message.created");
    assert_eq!(ev["data"]["conversation"]["preview_deleted"], false);
    let r = row(&sam, "customers", "open", conv);
    assert_eq!((r["preview"].clone(), r["preview_deleted"].clone()), (json!("Hello?"), json!(false)));

    // A system line last: the list carries its code and parameters, for the reader's language.
    assert_eq!(sam.post_json(&format!("/api/conversations/{conv}/status"), &json!({"status": "closed"})).status, 200);
    let ev = tab.recv_type("message.created");
    assert_eq!(ev["data"]["conversation"]["preview_system"], json!({"code": "conversation.closed", "params": {"by": "Sam Support"}}));
    let r = row(&admin, "customers", "closed", conv);
    assert_eq!(r["preview_system"]["code"], "conversation.closed", "{r}");
    assert_eq!(r["preview_deleted"], false);
}

#[test]
fn the_messenger_hears_the_effective_online_state_whatever_changes_it() {
    let s = Server::start();
    let admin = s.admin();
    let sam = s.agent(&admin, "sam@example.com", "Sam Support", true);
    let a = app(&s);
    let tz = "Europe/Lisbon";
    // Monday 6 January 2025, 08:30 in Lisbon: before the 09:00–17:00 hours.
    a.clock.set_fixed(local_ms(tz, 2025, 1, 6, 8, 30));
    let mut messenger = sam.ws();
    messenger.resume(None);

    // An admin turns business hours on in another tab: Sam's open Messenger is told at once, why, and
    // until when.
    let hours = json!([{"day": "mon", "start": "09:00", "end": "17:00"}]);
    let r = admin.patch_json("/api/settings", &json!({"hours_enabled": true, "timezone": tz, "hours": hours}));
    assert_eq!(r.status, 200, "{}", r.text());
    let ev = messenger.recv_type("helpdesk.status");
    assert_eq!(ev["data"]["online"], false);
    assert_eq!(ev["data"]["status"]["reason"], "outside_business_hours");
    assert_eq!(ev["data"]["status"]["until"], local_ms(tz, 2025, 1, 6, 9, 0));
    let me = sam.get("/api/me").json();
    assert_eq!(
        (me["helpdesk"]["online"].clone(), me["helpdesk"]["status"]["reason"].clone()),
        (json!(false), json!("outside_business_hours"))
    );

    // The clock reaches 09:00: online, for business hours, until 17:00.
    a.clock.set_fixed(local_ms(tz, 2025, 1, 6, 9, 0));
    assert!(tick(a).unwrap().unwrap().online);
    let ev = messenger.recv_type("helpdesk.status");
    assert_eq!((ev["data"]["online"].clone(), ev["data"]["status"]["reason"].clone()), (json!(true), json!("business_hours")));
    assert_eq!(ev["data"]["status"]["until"], local_ms(tz, 2025, 1, 6, 17, 0));

    // 17:00: offline again.
    a.clock.set_fixed(local_ms(tz, 2025, 1, 6, 17, 0));
    assert!(!tick(a).unwrap().unwrap().online);
    assert_eq!(messenger.recv_type("helpdesk.status")["data"]["status"]["reason"], "outside_business_hours");

    // Business hours off: the switch decides again (it was left on), and the Messenger hears it.
    let r = admin.patch_json("/api/settings", &json!({"hours_enabled": false}));
    assert_eq!(r.status, 200, "{}", r.text());
    let ev = messenger.recv_type("helpdesk.status");
    assert_eq!((ev["data"]["online"].clone(), ev["data"]["status"]["reason"].clone()), (json!(true), json!("manual")));
    assert_eq!(ev["data"]["status"]["until"], Value::Null);
    assert_eq!(tick(a).unwrap(), None, "already announced");

    // A change that leaves the state as it was says nothing more than settings.updated.
    assert_eq!(admin.patch_json("/api/settings", &json!({"offline_message": "Back soon"})).status, 200);
    let after = messenger.recv_until(|v| v["type"] == "settings.updated");
    assert!(after.iter().all(|v| v["type"] != "helpdesk.status"), "{after:?}");
    assert!(messenger.silent_for(std::time::Duration::from_millis(300)), "no helpdesk.status for an unchanged state");
}
