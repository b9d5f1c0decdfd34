//! The customer API behind the widget: create or resume a visitor, their conversation, history and
//! messages. A visitor token (128 bits, shown once, stored hashed) grants exactly one customer's
//! conversations and nothing else. Requests carry it as `Authorization: Bearer`, never in a cookie,
//! so a cross-site page cannot ride on it (no CSRF); the Origin is still checked.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;

use super::chat::{self, Actor};
use super::realtime::{bearer, widget_origin_allowed};
use crate::app::App;
use crate::auth;
use crate::db::{self, customers::Context};
use crate::error::{Error, Result};
use crate::http::{Request, Response};

/// The customer behind the request's token; the Origin, when sent, must be allowed.
fn customer(app: &Arc<App>, req: &Request) -> Result<i64> {
    if let Some(o) = req.header("origin") {
        if !widget_origin_allowed(app, o) {
            return Err(Error::forbidden(format!("Origin {o} may not use this help desk's widget.")));
        }
    }
    let token = bearer(req).ok_or_else(|| Error::new(401, "Missing visitor token."))?;
    super::customer_by_token(app, token)
}

fn clip(s: Option<String>, max: usize) -> Option<String> {
    s.map(|v| v.trim().chars().take(max).collect())
}

fn check_email(e: &Option<String>) -> Result<()> {
    if let Some(e) = e {
        if !e.is_empty()
            && (e.len() > 254 || e.matches('@').count() != 1 || e.starts_with('@') || e.ends_with('@') || e.contains(char::is_whitespace))
        {
            return Err(Error::new(422, "email: enter an address like name@example.com"));
        }
    }
    Ok(())
}

#[derive(Deserialize, Default)]
struct VisitorForm {
    name: Option<String>,
    email: Option<String>,
    #[serde(flatten)]
    context: Context,
}

impl VisitorForm {
    fn clean(mut self) -> Result<VisitorForm> {
        self.name = clip(self.name, 100).filter(|n| !n.is_empty());
        self.email = clip(self.email, 254).filter(|e| !e.is_empty());
        check_email(&self.email)?;
        self.context.page_url = clip(self.context.page_url, 2000);
        self.context.referrer = clip(self.context.referrer, 2000);
        self.context.language = clip(self.context.language, 35);
        Ok(self)
    }
}

/// `POST /api/widget/visitors`: a new visitor. The token is in this answer and nowhere else, ever.
pub fn create_visitor(app: &Arc<App>, req: &Request) -> Result<Response> {
    let origin = req.header("origin").ok_or_else(|| Error::forbidden("Missing Origin header."))?;
    if !widget_origin_allowed(app, origin) {
        return Err(Error::forbidden(format!("Origin {origin} may not use this help desk's widget.")));
    }
    let f: VisitorForm = if req.body.is_empty() { VisitorForm::default() } else { req.json()? };
    let f = f.clean()?;
    let token = auth::random_token();
    let hash = auth::sha256(&token);
    let ua: String = req.header("user-agent").unwrap_or("").chars().take(300).collect();
    let ip = req.remote.to_string();
    let cust = app.db.write(move |w| {
        let (name, given) = match &f.name {
            Some(n) => (n.clone(), true),
            None => (db::customers::friendly_name(), false),
        };
        let id = db::customers::insert(w.conn, &hash, &name, given, f.email.as_deref(), &f.context, &ua, &ip)?;
        db::customers::get(w.conn, id)?.ok_or_else(|| Error::internal("customer vanished"))
    })?;
    Ok(Response::json(201, &json!({"token": token, "customer": public_customer(&cust)})))
}

/// What a customer sees of themself.
fn public_customer(c: &db::customers::Customer) -> serde_json::Value {
    json!({"id": c.id, "name": c.name, "name_given": c.name_given, "email": c.email, "verified": c.verified})
}

/// `GET /api/widget/session`: me, my conversation (if any) with its latest messages, the help
/// desk's public settings, and the event position to resume from.
pub fn session(app: &Arc<App>, req: &Request) -> Result<Response> {
    let cid = customer(app, req)?;
    let out = app.db.read(|c| {
        let pos = db::events::last_id(c)?;
        let cu = db::customers::get(c, cid)?.ok_or_else(|| Error::new(401, "Unknown visitor token."))?;
        let conv = db::conversations::latest_for_customer(c, cid)?;
        let msgs = match &conv {
            Some(conv) => db::messages::page(c, conv.id, None, None, 50)?,
            None => Vec::new(),
        };
        Ok(json!({"customer": public_customer(&cu), "conversation": conv.map(|c| customer_view(&c)), "messages": msgs, "pos": pos}))
    })?;
    let mut out = out;
    out["helpdesk"] = app.settings().public();
    Ok(Response::ok_json(&out))
}

/// A conversation as its customer sees it: no internal fields.
fn customer_view(c: &db::conversations::Conversation) -> serde_json::Value {
    json!({"id": c.id, "status": c.status, "last_seq": c.last_seq, "created_at": c.created_at})
}

/// `PATCH /api/widget/visitor`: name, email, current page.
pub fn update_visitor(app: &Arc<App>, req: &Request) -> Result<Response> {
    let cid = customer(app, req)?;
    let f: VisitorForm = req.json()?;
    let f = f.clean()?;
    let cu = app.db.write(move |w| {
        db::customers::set_identity(w.conn, cid, f.name.as_deref(), f.email.as_deref())?;
        db::customers::touch(w.conn, cid, &f.context)?;
        if f.name.is_some() || f.email.is_some() {
            if let Some(c) = db::conversations::latest_for_customer(w.conn, cid)? {
                db::conversations::reindex(w.conn, c.id)?;
                let c = db::conversations::get(w.conn, c.id)?.ok_or_else(|| Error::internal("conversation vanished"))?;
                w.emit(
                    "conversation.updated",
                    Some(c.id),
                    c.agent_audience(),
                    json!({"conversation": chat::summary(&c), "change": "customer"}),
                )?;
            }
        }
        db::customers::get(w.conn, cid)?.ok_or_else(|| Error::internal("customer vanished"))
    })?;
    Ok(Response::ok_json(&json!({"customer": public_customer(&cu)})))
}

/// `POST /api/widget/conversation`: start or resume my conversation.
pub fn start(app: &Arc<App>, req: &Request) -> Result<Response> {
    let cid = customer(app, req)?;
    let c = app.db.write(move |w| chat::customer_conversation(w, cid))?;
    Ok(Response::ok_json(&json!({"conversation": customer_view(&c)})))
}

/// `GET /api/widget/messages?before=SEQ|after=SEQ`: my history.
pub fn history(app: &Arc<App>, req: &Request) -> Result<Response> {
    let cid = customer(app, req)?;
    let before = req.query_param("before").and_then(|v| v.parse().ok());
    let after = req.query_param("after").and_then(|v| v.parse().ok());
    let msgs = app.db.read(|c| match db::conversations::latest_for_customer(c, cid)? {
        Some(conv) => db::messages::page(c, conv.id, before, after, 50),
        None => Ok(Vec::new()),
    })?;
    Ok(Response::ok_json(&json!({"messages": msgs})))
}

#[derive(Deserialize)]
pub struct SendForm {
    pub body: String,
    pub client_msg_id: Option<String>,
}

/// Post as the customer, starting their conversation if needed; a closed one reopens ([S6]).
pub fn send_as(app: &Arc<App>, cid: i64, f: SendForm) -> Result<chat::Posted> {
    chat::check_body(&f.body)?;
    app.db.write(move |w| {
        let c = chat::customer_conversation(w, cid)?;
        chat::post(w, c.id, &Actor::Customer(cid), &f.body, f.client_msg_id.as_deref(), false)
    })
}

/// `POST /api/widget/messages`: 201 created, 200 for a retried `client_msg_id`.
pub fn send(app: &Arc<App>, req: &Request) -> Result<Response> {
    let cid = customer(app, req)?;
    let f: SendForm = req.json()?;
    let p = send_as(app, cid, f)?;
    Ok(Response::json(if p.created { 201 } else { 200 }, &json!({"message": p.message})))
}
