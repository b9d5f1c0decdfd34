//! Which committed events become webhook deliveries, and their public shape (docs/webhooks.md).
//! `enqueue` runs inside the transaction of the event (`WriteCtx::emit` → `db::hooks`), so a
//! committed event always has its deliveries queued: one outbox row per (endpoint, event), cause
//! `webhook:<endpoint>:<event id>`, with an event id (`evt_…`, the same for every endpoint) and a
//! delivery id (`dlv_…`) made once and kept for every attempt.
//!
//! What an endpoint not marked internal never receives: private notes, team conversations between
//! agents (their creation, messages, closing…), items linked to a team conversation, and the
//! customer record's agents-only note.

use rusqlite::Connection;
use serde_json::{Value, json};

use crate::db::{self, events::Event, hooks::Target};
use crate::error::Result;

/// Every event an endpoint may subscribe to (`ping` is sent only by "Send test event").
pub const EVENTS: &[&str] = &[
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

/// A webhook event made from an internal one.
struct Public {
    event: &'static str,
    data: Value,
    /// Only for endpoints marked internal.
    internal_only: bool,
    /// Deliveries with the same key reach an endpoint in order.
    order_key: String,
}

/// Queue the deliveries `ev` causes (the `db::hooks::Enqueue` of this desk).
pub fn enqueue(conn: &Connection, ev: &Event, targets: &[Target]) -> Result<bool> {
    if !targets.iter().any(|t| t.events.iter().any(|e| wanted(&ev.kind, e))) {
        return Ok(false);
    }
    let data: Value = serde_json::from_str(&ev.payload)?;
    let Some(p) = public(conn, &ev.kind, &data)? else { return Ok(false) };
    let now = db::now_ms();
    let event_id = format!("evt_{}", crate::auth::random_token());
    let mut queued = false;
    for t in targets.iter().filter(|t| t.events.iter().any(|e| e == p.event) && (t.internal || !p.internal_only)) {
        let mut data = p.data.clone();
        if !t.internal
            && let Some(c) = data.get_mut("customer").and_then(Value::as_object_mut)
        {
            c.remove("note");
        }
        let body = json!({"id": event_id, "event": p.event, "created_at": now, "data": data});
        let payload = json!({"delivery": format!("dlv_{}", crate::auth::random_token()), "body": body});
        let cause = format!("webhook:{}:{}", t.id, ev.id);
        queued |= db::webhooks::queue(conn, t.id, Some(&p.order_key), &cause, &payload, now)?.is_some();
    }
    Ok(queued)
}

/// Whether an internal event of `kind` may become the webhook event `e` (a cheap first filter).
fn wanted(kind: &str, e: &str) -> bool {
    match kind {
        "conversation.updated" => matches!(e, "conversation.closed" | "conversation.reopened" | "conversation.assigned"),
        "message.created" => matches!(e, "message.created" | "csat.rated"),
        _ => kind == e,
    }
}

fn public(conn: &Connection, kind: &str, d: &Value) -> Result<Option<Public>> {
    let conv = &d["conversation"];
    let team = conv["kind"] == "team";
    let by_conv = |event, data| Public { event, data, internal_only: team, order_key: format!("conversation:{}", conv["id"]) };
    Ok(match kind {
        "conversation.created" => Some(by_conv("conversation.created", json!({"conversation": conversation(conn, conv)?}))),
        "conversation.updated" => {
            let c = conversation(conn, conv)?;
            match (d["change"].as_str(), conv["status"].as_str()) {
                (Some("status"), Some("closed")) => Some(by_conv("conversation.closed", json!({"conversation": c}))),
                (Some("status"), Some("open")) => Some(by_conv("conversation.reopened", json!({"conversation": c}))),
                (Some("assignee"), _) => {
                    Some(by_conv("conversation.assigned", json!({"conversation": c, "previous_assignee_id": d["from"], "by": d["by"]})))
                }
                _ => None,
            }
        }
        "message.created" => {
            let m = &d["message"];
            let c = conversation(conn, conv)?;
            match m["author"]["kind"].as_str() {
                Some("customer" | "user") => {
                    let mut p = by_conv("message.created", json!({"conversation": c, "message": message(m)}));
                    p.internal_only |= m["note"] == true;
                    Some(p)
                }
                Some("system") if m["system"]["code"] == "csat.rated" => {
                    let x = &m["system"]["params"];
                    let rating = json!({"closing": x["closing"], "scale": x["scale"], "score": x["score"], "comment": x["comment"]});
                    Some(by_conv("csat.rated", json!({"conversation": c, "rating": rating})))
                }
                _ => None,
            }
        }
        "item.created" | "item.updated" => {
            let it = &d["item"];
            let links = it["conversations"].as_array().cloned().unwrap_or_default();
            let team = links.iter().any(|l| l[1] == "team");
            let event = if kind == "item.created" { "item.created" } else { "item.updated" };
            let item = json!({
                "id": it["id"], "number": it["number"], "kind": it["kind"], "title": it["title"],
                "description": it["description"], "status": it["status"], "priority": it["priority"],
                "requester": if it["requester_id"].is_null() { Value::Null } else { json!({"id": it["requester_id"], "name": it["requester_name"]}) },
                "assignee_ids": it["assignees"], "conversation_ids": links.iter().map(|l| l[0].clone()).collect::<Vec<_>>(),
                "created_at": it["created_at"], "updated_at": it["updated_at"],
            });
            Some(Public { event, data: json!({"item": item}), internal_only: team, order_key: format!("item:{}", it["id"]) })
        }
        "customer.updated" => {
            let cu = &d["customer"];
            let customer = json!({
                "id": cu["id"], "name": cu["name"], "email": cu["email"], "external_id": cu["external_id"],
                "verified": cu["verified"], "phone": cu["phone"], "note": cu["note"], "language": cu["language"],
                "timezone": cu["timezone"], "first_seen_at": cu["first_seen_at"], "last_seen_at": cu["last_seen_at"],
            });
            Some(Public {
                event: "customer.updated",
                data: json!({"customer": customer}),
                internal_only: false,
                order_key: format!("customer:{}", cu["id"]),
            })
        }
        _ => None,
    })
}

/// A conversation's public shape (the internal summary carries list state: previews, read marks).
fn conversation(conn: &Connection, c: &Value) -> Result<Value> {
    let assignee = match c["assignee_id"].as_i64() {
        Some(id) => db::users::get(conn, id)?.map_or(json!({"id": id}), |u| json!({"id": id, "name": u.name})),
        None => Value::Null,
    };
    let customer = if c["customer_id"].is_null() { Value::Null } else { json!({"id": c["customer_id"], "name": c["customer_name"]}) };
    Ok(json!({
        "id": c["id"], "kind": c["kind"], "status": c["status"], "subject": c["subject"], "customer": customer,
        "assignee": assignee, "label_ids": c["labels"], "item": c["item"], "created_at": c["created_at"],
        "last_message_at": c["last_message_at"],
    }))
}

fn message(m: &Value) -> Value {
    let author = match m["author"]["kind"].as_str() {
        Some("customer") => json!({"type": "customer", "id": m["author"]["id"], "name": m["author"]["name"]}),
        _ => json!({"type": "agent", "id": m["author"]["id"], "name": m["author"]["name"]}),
    };
    let files: Vec<Value> = m["attachments"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| json!({"id": a["id"], "name": a["name"], "type": a["type"], "size": a["size"]}))
        .collect();
    json!({
        "id": m["id"], "conversation_id": m["conversation_id"], "seq": m["seq"], "author": author, "body": m["body"],
        "note": m["note"], "created_at": m["created_at"], "attachments": files,
    })
}

/// A test event for one endpoint ("Send test event").
pub fn ping(endpoint: i64, now: i64) -> (String, Value) {
    let event_id = format!("evt_{}", crate::auth::random_token());
    let body = json!({"id": event_id, "event": "ping", "created_at": now, "data": {"endpoint_id": endpoint}});
    (format!("webhook:{endpoint}:ping:{event_id}"), json!({"delivery": format!("dlv_{}", crate::auth::random_token()), "body": body}))
}
