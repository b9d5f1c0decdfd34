//! Agents' conversation API: lists by section, one conversation, its messages, posting, status,
//! read marks, follows, message edits, search, the team and customer panels, and the help-desk
//! online switch. Visibility rules live in `db::conversations`; every handler goes through them.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::App;
use crate::auth;
use crate::db::conversation_lists::{self as lists, ListQuery, Section, View};
use crate::db::conversations as convs;
use crate::db::{self, messages};
use crate::desk::conversations::{self as chat, Actor};
use crate::error::{Error, Result};
use crate::http::{Request, Response};

fn int_param(req: &Request, name: &str) -> Result<Option<i64>> {
    match req.query_param(name) {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| Error::bad_request(format!("{name}: expected a number"))),
    }
}

/// `GET /api/conversations?section=customers|mine&status=open|closed&unread=1&label=ID&cursor=&limit=`
pub fn list(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let section = match req.query_param("section").as_deref() {
        Some("customers") => Section::Customers,
        Some("mine") | None => Section::Mine,
        Some(other) => return Err(Error::bad_request(format!("section: '{other}' is not customers or mine"))),
    };
    if section == Section::Customers && !a.user.sees_customers() {
        return Err(Error::forbidden("\"From customers\" is only for customer-support agents."));
    }
    let status = req.query_param("status").unwrap_or_else(|| "open".into());
    if status != "open" && status != "closed" {
        return Err(Error::bad_request("status: must be open or closed"));
    }
    let before = match req.query_param("cursor").filter(|c| !c.is_empty()) {
        Some(c) => {
            let (at, id) = c.split_once('.').ok_or_else(|| Error::bad_request("cursor: invalid"))?;
            Some((
                at.parse().map_err(|_| Error::bad_request("cursor: invalid"))?,
                id.parse().map_err(|_| Error::bad_request("cursor: invalid"))?,
            ))
        }
        None => None,
    };
    let limit = int_param(req, "limit")?.unwrap_or(50).clamp(1, 200);
    let view = match req.query_param("view").as_deref() {
        None | Some("all") => View::All,
        Some("unassigned") if section == Section::Customers => View::Unassigned,
        Some("mine") if section == Section::Customers => View::Mine,
        Some(other) => return Err(Error::bad_request(format!("view: '{other}' is not all, or unassigned or mine with section=customers"))),
    };
    let unread_only = req.query_param("unread").as_deref() == Some("1");
    let q = ListQuery { section, status, unread_only, before, limit, view, label: int_param(req, "label")? };
    let user = a.user.clone();
    let (pos, rows, counts) = app.db.read(|c| {
        // The position first: anything committed after it will be replayed on resume.
        let pos = db::events::last_id(c)?;
        let rows = lists::list(c, &user, &q)?;
        let mut counts = json!({"mine": lists::counts(c, &user, Section::Mine)?});
        if user.sees_customers() {
            counts["customers"] = lists::counts(c, &user, Section::Customers)?;
            counts["views"] = db::assignment::view_counts(c, user.id)?;
        }
        Ok((pos, rows, counts))
    })?;
    let next = if rows.len() as i64 == limit {
        rows.last().map(|r| format!("{}.{}", r.conversation.last_message_at, r.conversation.id))
    } else {
        None
    };
    Ok(Response::ok_json(&json!({"conversations": rows, "next_cursor": next, "pos": pos, "counts": counts})))
}

/// `GET /api/conversations/:id`: the conversation, its people, and my state of it.
pub fn get(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let user = a.user.clone();
    let out = app.db.read(|c| {
        let conv = crate::desk::visibility::conversation(c, id, &user)?;
        let customer = match conv.customer_id {
            Some(cid) => db::customers::get(c, cid)?,
            None => None,
        };
        let mut people = Vec::new();
        for uid in &conv.participants {
            if let Some(u) = db::users::get(c, *uid)? {
                people.push(json!({"id": u.id, "name": u.name, "role": u.role}));
            }
        }
        let last_read = convs::last_read(c, user.id, id)?;
        let following = convs::follows(c, user.id, id)?;
        Ok(json!({"conversation": conv, "customer": customer, "participants": people, "last_read_seq": last_read, "following": following, "pos": db::events::last_id(c)?}))
    })?;
    Ok(Response::ok_json(&out))
}

/// `GET /api/conversations/:id/messages?before=SEQ|after=SEQ&limit=`
pub fn messages(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let (before, after) = (int_param(req, "before")?, int_param(req, "after")?);
    let limit = int_param(req, "limit")?.unwrap_or(50).clamp(1, 200);
    let user = a.user.clone();
    let msgs = app.db.read(|c| {
        crate::desk::visibility::conversation(c, id, &user)?;
        messages::page(c, id, before, after, limit)
    })?;
    Ok(Response::ok_json(&json!({"messages": msgs})))
}

#[derive(Deserialize)]
struct PostForm {
    #[serde(default)]
    body: String,
    client_msg_id: Option<String>,
    #[serde(default)]
    reopen: bool,
    /// A private note (live chats only): never shown to the customer.
    #[serde(default)]
    note: bool,
    /// Teammates mentioned, as user ids (notes and team chats only).
    #[serde(default)]
    mentions: Vec<i64>,
    /// Uploads to send with it (`POST /api/files` answers their ids).
    #[serde(default)]
    attachments: Vec<String>,
}

/// `POST /api/conversations/:id/messages`: 201 when created, 200 for a retried `client_msg_id`.
pub fn post(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let f: PostForm = req.json()?;
    let actor = Actor::Agent(a.user.clone());
    let mail = crate::desk::mail::continuity(app);
    let p = app.db.write(move |w| {
        let post = chat::Post {
            body: &f.body,
            client_msg_id: f.client_msg_id.as_deref(),
            reopen: f.reopen,
            note: f.note,
            mentions: &f.mentions,
            mail,
            attachments: &f.attachments,
        };
        chat::post(w, id, &actor, &post)
    })?;
    Ok(Response::json(if p.created { 201 } else { 200 }, &json!({"message": p.message})))
}

#[derive(Deserialize)]
struct StatusForm {
    status: String,
}

pub fn status(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let f: StatusForm = req.json()?;
    let c = chat::set_status(app, &a.user, id, &f.status)?;
    Ok(Response::ok_json(&json!({"conversation": c})))
}

#[derive(Deserialize, Default)]
struct ReadForm {
    seq: Option<i64>,
}

pub fn read(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let f: ReadForm = if req.body.is_empty() { ReadForm::default() } else { req.json()? };
    Ok(Response::ok_json(&chat::mark_read(app, &a.user, id, f.seq)?))
}

pub fn follow(app: &Arc<App>, req: &Request, id: i64, on: bool) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    Ok(Response::ok_json(&chat::follow(app, &a.user, id, on)?))
}

#[derive(Deserialize)]
struct TeamForm {
    user_ids: Vec<i64>,
    #[serde(default)]
    subject: String,
    body: Option<String>,
    client_msg_id: Option<String>,
}

/// `POST /api/conversations`: a team conversation with chosen teammates ([S1]).
pub fn create_team(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let f: TeamForm = req.json()?;
    let members: Vec<i64> = f.user_ids.into_iter().filter(|id| *id != a.user.id).collect();
    let (c, m) = chat::start_team(app, &a.user, members, f.subject, f.body, f.client_msg_id)?;
    Ok(Response::json(201, &json!({"conversation": c, "message": m})))
}

#[derive(Deserialize)]
struct EditForm {
    body: String,
}

pub fn edit_message(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let f: EditForm = req.json()?;
    Ok(Response::ok_json(&json!({"message": chat::revise(app, &a.user, id, Some(f.body))?})))
}

pub fn delete_message(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    Ok(Response::ok_json(&json!({"message": chat::revise(app, &a.user, id, None)?})))
}

/// `GET /api/messages/:id/revisions`: the edit/delete history, for admins.
pub fn revisions(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_admin(app, req)?;
    let user = a.user.clone();
    let revs = app.db.read(|c| {
        let m = messages::get(c, id)?.ok_or_else(|| Error::not_found("No such message."))?;
        crate::desk::visibility::conversation(c, m.conversation_id, &user)?;
        messages::revisions(c, id)
    })?;
    Ok(Response::ok_json(&json!({"revisions": revs})))
}

/// `GET /api/search?q=&offset=`: messages, subjects and customers, only where I may look ([S11]).
/// `label:NAME` terms (`label:"two words"`) narrow it to conversations carrying those labels; with
/// no words left, it lists those conversations, newest first.
pub fn search(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let raw = req.query_param("q").unwrap_or_default();
    if raw.len() > 200 {
        return Err(Error::bad_request("q: at most 200 characters"));
    }
    let (words, label_names) = crate::desk::labels::split_query(&raw);
    let q = messages::fts_query(&words);
    let nothing = json!({"results": [], "conversations": [], "titles": {}, "next_offset": null});
    if q.is_none() && label_names.is_empty() {
        return Ok(Response::ok_json(&nothing));
    }
    let offset = int_param(req, "offset")?.unwrap_or(0).clamp(0, 10_000);
    let limit = int_param(req, "limit")?.unwrap_or(20).clamp(1, 50);
    let (uid, support) = (a.user.id, a.user.sees_customers());
    db::search_index::catch_up(&app.db)?;
    let found = app.db.read(|c| {
        let Some(labels) = crate::desk::labels::resolve(c, &label_names)? else { return Ok(None) };
        let (hits, conv_hits, order) = match &q {
            Some(q) => {
                let (hits, order) = messages::search(c, uid, support, q, &labels, limit, offset)?;
                let conv_hits = if offset == 0 { messages::search_conversations(c, uid, support, q, &labels, 5)? } else { Vec::new() };
                (hits, conv_hits, order)
            }
            None => (Vec::new(), db::labels::search(c, uid, support, &labels, limit, offset)?, messages::Order::Newest),
        };
        let mut names = serde_json::Map::new();
        for h in hits.iter().chain(&conv_hits) {
            if let Some(conv) = convs::get(c, h.conversation_id)? {
                let title = conv
                    .customer_name
                    .clone()
                    .unwrap_or_else(|| if conv.subject.is_empty() { "Team conversation".into() } else { conv.subject.clone() });
                names.insert(h.conversation_id.to_string(), json!({"title": title, "status": conv.status, "kind": conv.kind}));
            }
        }
        Ok(Some((hits, conv_hits, names, order)))
    })?;
    let Some((hits, conv_hits, names, order)) = found else { return Ok(Response::ok_json(&nothing)) };
    let paged = if q.is_some() { hits.len() } else { conv_hits.len() };
    let next = if paged as i64 == limit { Some(offset + limit) } else { None };
    Ok(Response::ok_json(&json!({"results": hits, "order": order, "conversations": conv_hits, "titles": names, "next_offset": next})))
}

/// `GET /api/team`: every active teammate with presence and status (for team chats, "show user data"
/// and the assignee picker); for those who see customers, also how many open chats each holds.
pub fn team(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let (users, held) = app.db.read(|c| Ok((db::users::list(c)?, db::assignment::open_counts(c)?)))?;
    let online = app.hub.online_agents();
    let support = a.user.sees_customers();
    let list: Vec<Value> = users
        .into_iter()
        .filter(|u| u.active)
        .map(|u| {
            let on = online.contains(&u.id);
            let mut v = json!({"id": u.id, "name": u.name, "email": u.email, "role": u.role, "customer_support": u.customer_support, "online": on, "last_seen_at": u.last_seen_at, "status": crate::desk::assignment::effective(&u.availability, on)});
            if support {
                v["open_chats"] = json!(held.iter().find(|(id, _)| *id == u.id).map_or(0, |(_, n)| *n));
            }
            v
        })
        .collect();
    Ok(Response::ok_json(&json!({"users": list})))
}

/// `POST /api/helpdesk/status`: the help-desk-wide online/offline switch ([S12]); the rules with
/// business hours live in `admin_availability`.
pub fn helpdesk_status(app: &Arc<App>, req: &Request) -> Result<Response> {
    super::admin_availability::set_switch(app, req)
}
