//! Tickets and tasks ([S8], [S9]): the handlers for create (also from a conversation, prefilled),
//! read, edit in place, list and search, link and unlink conversations, follow; the changes
//! themselves are `desk::item_changes`. Visibility: an item that faces a customer
//! (a requester or a linked live chat) is for customer-support agents and admins only, and an item
//! linked to a team conversation only for its members, so nobody learns a conversation's content
//! through an item. Assignees and followers must be able to see the item.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::app::App;
use crate::auth;
use crate::db::conversations as convs;
use crate::db::items::{self, STATUSES};
use crate::db::{self, messages};
use crate::desk::item_changes;
use crate::desk::items::{stamp, title_from};
use crate::desk::visibility::{self, visible};
use crate::error::{Error, Result};
use crate::http::{Request, Response};

/// `GET /api/conversations/:id/item-draft?kind=ticket|task`: the prefilled dialog ([S8]).
pub fn draft(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let kind = req.query_param("kind").unwrap_or_else(|| "ticket".into());
    if kind != "ticket" && kind != "task" {
        return Err(Error::bad_request("kind: ticket or task"));
    }
    let user = a.user.clone();
    let out = app.db.read(|c| {
        let conv = crate::desk::visibility::conversation(c, id, &user)?;
        let msgs = messages::page(c, id, None, Some(0), 200)?;
        let first = msgs
            .iter()
            .find(|m| m.author.kind == "customer" && m.deleted_at.is_none())
            .or_else(|| msgs.iter().find(|m| m.author.kind != "system" && m.deleted_at.is_none()));
        let title = first
            .map(|m| title_from(&m.body))
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| if conv.subject.is_empty() { "Conversation".into() } else { conv.subject.clone() });
        let transcript: Vec<String> = msgs
            .iter()
            .filter(|m| m.deleted_at.is_none())
            // Notes are the desk's own, like the item: kept, and marked as notes.
            .map(|m| format!("[{}] {}{}: {}", stamp(m.created_at), m.author.name, if m.note { " (private note)" } else { "" }, m.body))
            .collect();
        Ok(json!({
            "kind": kind,
            "title": title,
            "description": transcript.join("\n"),
            "status": "new",
            "priority": "normal",
            "requester_id": conv.customer_id,
            "requester_name": conv.customer_name,
            "assignee_ids": [user.id],
            "follower_ids": [],
        }))
    })?;
    Ok(Response::ok_json(&out))
}

/// `POST /api/items`
pub fn create(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let f: item_changes::ItemForm = req.json()?;
    let user = a.user.clone();
    let it = app.db.write(move |w| item_changes::create(w, &user, &f, None))?;
    Ok(Response::json(201, &json!({"item": it})))
}

/// `POST /api/conversations/:id/items`: create from the conversation and link it ([S8]).
pub fn create_from_conversation(app: &Arc<App>, req: &Request, conv: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let f: item_changes::ItemForm = req.json()?;
    let user = a.user.clone();
    let it = app.db.write(move |w| {
        let c = crate::desk::visibility::conversation(w.conn, conv, &user)?;
        item_changes::create(w, &user, &f, Some(&c))
    })?;
    Ok(Response::json(201, &json!({"item": it})))
}

/// `GET /api/items/:id`: the details panel ([S9]): fields, people, visible conversations, activity.
pub fn get(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let user = a.user.clone();
    let out = app.db.read(|c| {
        let it = visibility::item(c, &user, id)?;
        let mut linked = Vec::new();
        for (cid, _) in &it.conversations {
            if let Some(conv) = convs::get(c, *cid)?.filter(|conv| conv.visible_to(&user)) {
                linked.push(conv);
            }
        }
        let mut people = serde_json::Map::new();
        for uid in it.assignees.iter().chain(&it.followers).chain(std::iter::once(&it.created_by)) {
            if let Some(u) = db::users::get(c, *uid)? {
                people.insert(u.id.to_string(), json!({"id": u.id, "name": u.name}));
            }
        }
        Ok(json!({"item": it, "conversations": linked, "people": people, "activity": items::activity(c, id)?, "following": it.followers.contains(&user.id)}))
    })?;
    Ok(Response::ok_json(&out))
}

/// `PATCH /api/items/:id`: any field, in place; every change is logged and pushed live.
pub fn update(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let p: item_changes::Patch = req.json()?;
    let user = a.user.clone();
    let it = app.db.write(move |w| item_changes::update(w, &user, id, &p))?;
    Ok(Response::ok_json(&json!({"item": it})))
}

/// `POST /api/conversations/:id/link` `{item_id | number}`: link to an existing item.
pub fn link(app: &Arc<App>, req: &Request, conv: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let f: item_changes::LinkForm = req.json()?;
    let user = a.user.clone();
    let it = app.db.write(move |w| item_changes::link(w, &user, conv, f))?;
    Ok(Response::ok_json(&json!({"item": it})))
}

/// `DELETE /api/conversations/:id/link`
pub fn unlink(app: &Arc<App>, req: &Request, conv: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let user = a.user.clone();
    let out = app.db.write(move |w| item_changes::unlink(w, &user, conv))?;
    Ok(Response::ok_json(&out))
}

pub fn follow(app: &Arc<App>, req: &Request, id: i64, on: bool) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let user = a.user.clone();
    let it = app.db.write(move |w| item_changes::follow(w, &user, id, on))?;
    Ok(Response::ok_json(&json!({"item": it})))
}

/// `GET /api/items?kind=&status=&assignee=me|ID&q=&offset=`: the Items view and link-to-existing
/// search (`q` is words or `#42`).
pub fn list(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let q = req.query_param("q").unwrap_or_default();
    let trimmed = q.trim().trim_start_matches('#');
    let number = trimmed.parse::<i64>().ok();
    let fts = if number.is_some() { None } else { messages::fts_query(&q) };
    let assignee = match req.query_param("assignee").as_deref() {
        None | Some("") => None,
        Some("me") => Some(a.user.id),
        Some(v) => Some(v.parse().map_err(|_| Error::bad_request("assignee: me or a user id"))?),
    };
    let kind = req.query_param("kind").filter(|k| !k.is_empty());
    if kind.as_deref().is_some_and(|k| k != "ticket" && k != "task") {
        return Err(Error::bad_request("kind: ticket or task"));
    }
    let status = req.query_param("status").filter(|s| !s.is_empty());
    if status.as_deref().is_some_and(|s| !STATUSES.contains(&s)) {
        return Err(Error::bad_request(format!("status: one of {}", STATUSES.join(", "))));
    }
    let offset = req.query_param("offset").and_then(|o| o.parse().ok()).unwrap_or(0i64).max(0);
    let lq = items::ListQuery { kind, status, assignee, fts, number, limit: 50, offset };
    let user = a.user.clone();
    let found = app.db.read(|c| {
        let all = items::list(c, &lq)?;
        let n = all.len();
        let mut out: Vec<Value> = Vec::new();
        for it in all {
            if visible(c, &user, &it)? {
                out.push(json!(it));
            }
        }
        Ok((out, n))
    })?;
    let next = if found.1 as i64 == lq.limit { Some(offset + lq.limit) } else { None };
    Ok(Response::ok_json(&json!({"items": found.0, "next_offset": next})))
}
