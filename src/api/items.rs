//! Tickets and tasks ([S8], [S9]): create (also from a conversation, prefilled), read, edit in place,
//! list and search, link and unlink conversations, follow. Visibility: an item that faces a customer
//! (a requester or a linked live chat) is for customer-support agents and admins only, and an item
//! linked to a team conversation only for its members, so nobody learns a conversation's content
//! through an item. Assignees and followers must be able to see the item.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::App;
use crate::auth;
use crate::db::conversations::{self as convs, Conversation};
use crate::db::items::{self, Item, NewItem, STATUSES};
use crate::db::users::User;
use crate::db::{self, WriteCtx, messages};
use crate::desk::items::{announce, check_fields, check_people, stamp, title_from};
use crate::desk::system_lines::{self, Line};
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
            .map(|m| format!("[{}] {}: {}", stamp(m.created_at), m.author.name, m.body))
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

#[derive(Deserialize)]
struct ItemForm {
    kind: String,
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default = "new_status")]
    status: String,
    #[serde(default = "normal")]
    priority: String,
    requester_id: Option<i64>,
    #[serde(default)]
    assignee_ids: Vec<i64>,
    #[serde(default)]
    follower_ids: Vec<i64>,
}

fn new_status() -> String {
    "new".into()
}
fn normal() -> String {
    "normal".into()
}

fn create_in(w: &mut WriteCtx<'_>, user: &User, f: &ItemForm, link_to: Option<&Conversation>) -> Result<Item> {
    if f.kind != "ticket" && f.kind != "task" {
        return Err(Error::new(422, "kind: ticket or task"));
    }
    check_fields(&f.title, &f.description, &f.status, &f.priority)?;
    if let Some(r) = f.requester_id {
        if !user.sees_customers() {
            return Err(Error::new(422, "requester_id: only customer-support agents can file work for a customer"));
        }
        db::customers::get(w.conn, r)?.ok_or_else(|| Error::new(422, format!("requester_id: no customer {r}")))?;
    }
    let id = items::insert(
        w.conn,
        &NewItem {
            kind: &f.kind,
            title: f.title.trim(),
            description: &f.description,
            status: &f.status,
            priority: &f.priority,
            requester_id: f.requester_id,
            created_by: user.id,
        },
    )?;
    items::log(w.conn, id, Some(user.id), "created", None, Some(f.title.trim()))?;
    if let Some(c) = link_to {
        if c.item.is_some() {
            return Err(Error::conflict("This conversation is already linked to an item: unlink it first."));
        }
        items::link(w.conn, c.id, Some(id))?;
    }
    let it = items::get(w.conn, id)?.ok_or_else(|| Error::internal("item vanished"))?;
    check_people(w.conn, &it, "assignee_ids", &f.assignee_ids)?;
    check_people(w.conn, &it, "follower_ids", &f.follower_ids)?;
    items::set_people(w.conn, id, false, &f.assignee_ids)?;
    items::set_people(w.conn, id, true, &f.follower_ids)?;
    if let Some(c) = link_to {
        let it = items::get(w.conn, id)?.ok_or_else(|| Error::internal("item vanished"))?;
        items::log(w.conn, id, Some(user.id), "linked", None, Some(&format!("conversation {}", c.id)))?;
        system_lines::post(w, c, Line::ItemCreated { kind: &it.kind, number: it.number, by: &user.name })?;
    }
    announce(w, id, "item.created")
}

/// `POST /api/items`
pub fn create(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let f: ItemForm = req.json()?;
    let user = a.user.clone();
    let it = app.db.write(move |w| create_in(w, &user, &f, None))?;
    Ok(Response::json(201, &json!({"item": it})))
}

/// `POST /api/conversations/:id/items`: create from the conversation and link it ([S8]).
pub fn create_from_conversation(app: &Arc<App>, req: &Request, conv: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let f: ItemForm = req.json()?;
    let user = a.user.clone();
    let it = app.db.write(move |w| {
        let c = crate::desk::visibility::conversation(w.conn, conv, &user)?;
        create_in(w, &user, &f, Some(&c))
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

#[derive(Deserialize)]
struct Patch {
    title: Option<String>,
    description: Option<String>,
    status: Option<String>,
    priority: Option<String>,
    assignee_ids: Option<Vec<i64>>,
    follower_ids: Option<Vec<i64>>,
}

/// `PATCH /api/items/:id`: any field, in place; every change is logged and pushed live.
pub fn update(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let p: Patch = req.json()?;
    let user = a.user.clone();
    let it = app.db.write(move |w| {
        let it = visibility::item(w.conn, &user, id)?;
        let title = p.title.clone().unwrap_or_else(|| it.title.clone());
        let description = p.description.clone().unwrap_or_else(|| it.description.clone());
        let status = p.status.clone().unwrap_or_else(|| it.status.clone());
        let priority = p.priority.clone().unwrap_or_else(|| it.priority.clone());
        check_fields(&title, &description, &status, &priority)?;
        for (field, old, new) in [
            ("title", &it.title, title.trim()),
            ("description", &it.description, description.as_str()),
            ("status", &it.status, status.as_str()),
            ("priority", &it.priority, priority.as_str()),
        ] {
            if old != new {
                items::set_field(w.conn, id, field, new)?;
                // Descriptions can be long: the log records that it changed, not both texts.
                let (o, n) = if field == "description" { (None, None) } else { (Some(old.as_str()), Some(new)) };
                items::log(w.conn, id, Some(user.id), field, o, n)?;
            }
        }
        for (followers, field, new) in [(false, "assignee_ids", &p.assignee_ids), (true, "follower_ids", &p.follower_ids)] {
            if let Some(new) = new {
                let mut new = new.clone();
                new.sort_unstable();
                new.dedup();
                let old = if followers { &it.followers } else { &it.assignees };
                if *old != new {
                    check_people(w.conn, &it, field, &new)?;
                    items::set_people(w.conn, id, followers, &new)?;
                    let names = |ids: &[i64]| -> Result<String> {
                        let mut v = Vec::new();
                        for i in ids {
                            v.push(db::users::get(w.conn, *i)?.map(|u| u.name).unwrap_or_default());
                        }
                        Ok(v.join(", "))
                    };
                    items::log(
                        w.conn,
                        id,
                        Some(user.id),
                        if followers { "followers" } else { "assignees" },
                        Some(&names(old)?),
                        Some(&names(&new)?),
                    )?;
                }
            }
        }
        announce(w, id, "item.updated")
    })?;
    Ok(Response::ok_json(&json!({"item": it})))
}

#[derive(Deserialize)]
struct LinkForm {
    item_id: Option<i64>,
    number: Option<i64>,
}

/// `POST /api/conversations/:id/link` `{item_id | number}`: link to an existing item.
pub fn link(app: &Arc<App>, req: &Request, conv: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let f: LinkForm = req.json()?;
    let user = a.user.clone();
    let it = app.db.write(move |w| {
        let c = crate::desk::visibility::conversation(w.conn, conv, &user)?;
        if c.item.is_some() {
            return Err(Error::conflict("This conversation is already linked to an item: unlink it first."));
        }
        let id = match (f.item_id, f.number) {
            (Some(id), _) => id,
            (None, Some(n)) => items::id_by_number(w.conn, n)?.ok_or_else(|| Error::not_found(format!("No item #{n}.")))?,
            (None, None) => return Err(Error::new(422, "item_id or number: required")),
        };
        let it = visibility::item(w.conn, &user, id)?;
        items::link(w.conn, c.id, Some(id))?;
        // Everyone on the item must still be able to see it with this conversation attached.
        let after = items::get(w.conn, id)?.ok_or_else(|| Error::internal("item vanished"))?;
        check_people(w.conn, &after, "assignee_ids", &after.assignees)?;
        check_people(w.conn, &after, "follower_ids", &after.followers)?;
        items::log(w.conn, id, Some(user.id), "linked", None, Some(&format!("conversation {}", c.id)))?;
        system_lines::post(w, &c, Line::ItemLinked { kind: &it.kind, number: it.number, by: &user.name })?;
        announce(w, id, "item.updated")
    })?;
    Ok(Response::ok_json(&json!({"item": it})))
}

/// `DELETE /api/conversations/:id/link`
pub fn unlink(app: &Arc<App>, req: &Request, conv: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let user = a.user.clone();
    let out = app.db.write(move |w| {
        let c = crate::desk::visibility::conversation(w.conn, conv, &user)?;
        let Some(r) = c.item.clone() else { return Err(Error::conflict("This conversation is not linked to an item.")) };
        items::link(w.conn, c.id, None)?;
        items::log(w.conn, r.id, Some(user.id), "unlinked", Some(&format!("conversation {}", c.id)), None)?;
        system_lines::post(w, &c, Line::ItemUnlinked { kind: &r.kind, number: r.number, by: &user.name })?;
        let c = convs::get(w.conn, c.id)?.ok_or_else(|| Error::internal("conversation vanished"))?;
        w.emit("conversation.updated", Some(c.id), c.agent_audience(), json!({"conversation": c, "change": "item"}))?;
        announce(w, r.id, "item.updated")?;
        Ok(json!({"conversation": c}))
    })?;
    Ok(Response::ok_json(&out))
}

pub fn follow(app: &Arc<App>, req: &Request, id: i64, on: bool) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let user = a.user.clone();
    let it = app.db.write(move |w| {
        visibility::item(w.conn, &user, id)?;
        items::follow(w.conn, id, user.id, on)?;
        items::log(w.conn, id, Some(user.id), if on { "followed" } else { "unfollowed" }, None, None)?;
        announce(w, id, "item.updated")
    })?;
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
