//! The customer projection: everything a customer receives — HTTP answers, live frames, resume
//! replays — is built here from an explicit list of fields a customer may see. Their messages and
//! the agents' replies (author display name only), the conversation's open/closed state, neutral
//! lines for closing and reopening, the widget's public settings. Never items, internal titles,
//! participants, user ids or emails, follows, lines about internal actions, or private notes.
//!
//! Everything is built field by field from the allow-list: a field added to a struct later stays
//! internal until it is added here.

use rusqlite::Connection;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::db;
use crate::db::conversations::Conversation;
use crate::db::messages::Message;
use crate::error::Result;

/// Every event kind the engine emits (a test checks the sources against this list). Each kind's
/// customer rendering is decided in `event`; a kind not handled there never reaches a customer.
pub const EVENT_KINDS: &[&str] = &[
    "message.created",
    "message.updated",
    "message.deleted",
    "conversation.created",
    "conversation.updated",
    "conversation.read",
    "conversation.seen",
    "conversation.followed",
    "item.created",
    "item.updated",
    "helpdesk.status",
    "settings.updated",
    "user.status",
    // issue 15: labels and customer records (agents only: no rendering in `event`)
    "labels.updated",
    "customer.updated",
    // issue 15: saved replies (agents only: shared ones to every agent, personal ones to their owner)
    "replies.updated",
    // issue 15: private notes and mentions (a mention goes to the mentioned teammate alone)
    "mention.created",
    // issue 16: a reply by mail from another address than the customer's waits for an agent
    "mail.held",
    // issue 20: a low satisfaction rating, to the agent the closing is credited to
    "csat.low",
    // issue 19: a webhook endpoint disabled after repeated failures, to the admins (no rendering in `event`)
    "webhook.disabled",
];

/// System lines a customer sees, always in neutral words (never who did it).
const CUSTOMER_LINES: &[(&str, &str)] = &[
    ("conversation.closed", "This conversation was closed"),
    ("conversation.reopened", "This conversation was reopened"),
    // issue 20: the satisfaction question after a closing, which the customer answers in the widget.
    ("csat.requested", "How would you rate this conversation?"),
];

/// Whether customers see system lines with this code (in neutral words).
pub fn sees_line(code: &str) -> bool {
    CUSTOMER_LINES.iter().any(|(c, _)| *c == code)
}

/// A message as its customer sees it, or `None` if customers never see it. A private note never
/// reaches a customer, whatever the path (HTTP, live frame, resume, an edit or a delete of it).
pub fn message(m: &Message) -> Option<Value> {
    if m.note {
        return None;
    }
    let mut author = Map::new();
    author.insert("kind".into(), json!(m.author.kind));
    let mut out = Map::new();
    match m.author.kind.as_str() {
        "system" => {
            let line = m.system.as_ref()?;
            let (code, text) = CUSTOMER_LINES.iter().find(|(c, _)| *c == line.code)?;
            out.insert("body".into(), json!(text));
            let mut system = json!({"code": code});
            if *code == "csat.requested" {
                // What the widget needs to ask and to show the answer: nothing about who closed it.
                let p = &line.params;
                system["csat"] =
                    json!({"closing": p["closing"], "scale": p["scale"], "score": p.get("score").cloned().unwrap_or(Value::Null)});
            }
            out.insert("system".into(), system);
        }
        "user" => {
            author.insert("name".into(), json!(m.author.name));
            out.insert("body".into(), json!(m.body));
        }
        "customer" => {
            author.insert("name".into(), json!(m.author.name));
            out.insert("body".into(), json!(m.body));
            // The customer's own idempotency key: the widget matches its outbox against it.
            out.insert("client_msg_id".into(), json!(m.client_msg_id));
        }
        _ => return None,
    }
    out.insert("id".into(), json!(m.id));
    out.insert("conversation_id".into(), json!(m.conversation_id));
    out.insert("seq".into(), json!(m.seq));
    out.insert("author".into(), Value::Object(author));
    out.insert("created_at".into(), json!(m.created_at));
    out.insert("edited_at".into(), json!(m.edited_at));
    out.insert("deleted_at".into(), json!(m.deleted_at));
    if !m.attachments.is_empty() {
        let files: Vec<Value> = m
            .attachments
            .iter()
            .map(|a| json!({"id": a.id, "name": a.name, "type": a.mime, "size": a.size, "width": a.width, "height": a.height, "thumb": a.thumb}))
            .collect();
        out.insert("attachments".into(), Value::Array(files));
    }
    Some(Value::Object(out))
}

/// A rating as the customer who gave it sees the answer: which question, on what scale, the score.
pub fn rating(r: &Value) -> Value {
    json!({"closing": r["closing"], "scale": r["scale"], "score": r["score"]})
}

/// A page of messages as the customer sees it.
pub fn messages(list: &[Message]) -> Vec<Value> {
    list.iter().filter_map(message).collect()
}

/// The system line codes customers see, as the JSON array the customer reads in SQL take.
fn shown_codes() -> String {
    json!(CUSTOMER_LINES.iter().map(|(code, _)| *code).collect::<Vec<_>>()).to_string()
}

/// A page (50) of conversation `id` as its customer sees it, before or after a seq: notes and
/// internal lines are left out in SQL, so the page is full of what the customer sees
/// (`hasMore = page.length >= 50` in the widget stays true while there is more).
pub fn page(conn: &Connection, id: i64, before: Option<i64>, after: Option<i64>) -> Result<Vec<Value>> {
    Ok(messages(&db::messages::customer_page(conn, id, before, after, PAGE, &shown_codes())?))
}

/// How many messages a customer's page holds.
pub const PAGE: i64 = 50;

/// The seq of the last message at or below `upto` that the customer of conversation `id` sees.
pub fn last_seq(conn: &Connection, id: i64, upto: i64) -> Result<i64> {
    db::messages::customer_last_seq(conn, id, upto, &shown_codes())
}

/// A conversation as its customer sees it: its id, state and position.
pub fn conversation(c: &Conversation) -> Value {
    json!({"id": c.id, "status": c.status, "last_seq": c.last_seq, "created_at": c.created_at})
}

/// `conversation`, read afresh: its `last_seq` is that of the last message the customer sees, so a
/// note (or an internal line) after it changes nothing they can observe.
pub fn conversation_now(conn: &Connection, c: &Conversation) -> Result<Value> {
    let mut out = conversation(c);
    out["last_seq"] = json!(last_seq(conn, c.id, c.last_seq)?);
    Ok(out)
}

/// The same, from an event's JSON, read back into the typed conversation so there is one allow-list.
fn conversation_value(c: &Value) -> Option<Value> {
    Some(conversation(&Conversation::deserialize(c).ok()?))
}

/// A message from an event's JSON, read back into the typed message so there is one allow-list.
fn message_value(m: &Value) -> Option<Value> {
    message(&Message::deserialize(m).ok()?)
}

/// The data of event `kind` as a customer receives it, or `None` when the event is not for them.
/// `data` is the event's payload as stored.
pub fn event(kind: &str, data: &Value) -> Option<Value> {
    match kind {
        "message.created" | "message.updated" | "message.deleted" => {
            let mut out = json!({"message": message_value(&data["message"])?});
            if let Some(c) = conversation_value(&data["conversation"]) {
                out["conversation"] = c;
            }
            Some(out)
        }
        "conversation.created" => Some(json!({"conversation": conversation_value(&data["conversation"])?})),
        // Only a change of state is the customer's business (not a linked item or a rename).
        "conversation.updated" if data["change"] == "status" => {
            Some(json!({"conversation": conversation_value(&data["conversation"])?, "change": "status"}))
        }
        "conversation.seen" => Some(json!({"conversation_id": data["conversation_id"], "seq": data["seq"]})),
        // Built by `Settings::public_with`: the widget's public settings and the desk's state.
        "helpdesk.status" | "settings.updated" => Some(data.clone()),
        _ => None,
    }
}

/// The frame a customer socket receives for an event, or `None`.
pub fn frame(kind: &str, pos: i64, payload: &str) -> Option<String> {
    let data: Value = serde_json::from_str(payload).ok()?;
    let data = event(kind, &data)?;
    Some(json!({"type": kind, "pos": pos, "data": data}).to_string())
}

/// A typing indicator as the customer sees it: that someone from the desk is typing, by name.
pub fn typing(conversation_id: i64, name: &str, typing: bool) -> String {
    json!({"type": "typing", "data": {"conversation_id": conversation_id, "who": {"kind": "user", "name": name}, "typing": typing}})
        .to_string()
}
