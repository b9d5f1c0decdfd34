//! The customer API behind the widget: create or resume a visitor, their conversation, history and
//! messages. A visitor token (128 bits, shown once, stored hashed) grants exactly one customer's
//! conversations and nothing else. Requests carry it as `Authorization: Bearer`, never in a cookie,
//! so a cross-site page cannot ride on it (no CSRF); the Origin is still checked.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;

use crate::app::App;
use crate::auth;
use crate::auth::{bearer, customer_by_token, widget_origin_allowed};
use crate::db::{self, customers::Context};
use crate::desk::customer;
use crate::desk::identity;
use crate::desk::widget as widget_rules;
use crate::error::{Error, Result};
use crate::http::{Request, Response};

/// The customer behind the request's token; the Origin, when sent, must be allowed.
pub(crate) fn customer(app: &Arc<App>, req: &Request) -> Result<i64> {
    if let Some(o) = req.header("origin")
        && !widget_origin_allowed(app, req, o)
    {
        return Err(Error::forbidden(format!("Origin {o} may not use this help desk's widget.")));
    }
    let token = bearer(req).ok_or_else(|| Error::new(401, "Missing visitor token."))?;
    customer_by_token(app, token)
}

fn clip(s: Option<String>, max: usize) -> Option<String> {
    s.map(|v| v.trim().chars().take(max).collect())
}

fn check_email(e: &Option<String>) -> Result<()> {
    if let Some(e) = e
        && !e.is_empty()
        && (e.len() > 254 || e.matches('@').count() != 1 || e.starts_with('@') || e.ends_with('@') || e.contains(char::is_whitespace))
    {
        return Err(Error::new(422, "email: enter an address like name@example.com"));
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
        // An IANA name (Area/City); anything else is dropped rather than shown to agents.
        self.context.timezone = clip(self.context.timezone, 64)
            .filter(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+')));
        Ok(self)
    }
}

/// `POST /api/widget/visitors`: a new visitor. The token is in this answer and nowhere else, ever.
pub fn create_visitor(app: &Arc<App>, req: &Request) -> Result<Response> {
    let origin = req.header("origin").ok_or_else(|| Error::forbidden("Missing Origin header."))?;
    if !widget_origin_allowed(app, req, origin) {
        return Err(Error::forbidden(format!("Origin {origin} may not use this help desk's widget.")));
    }
    let f: VisitorForm = if req.body.is_empty() { VisitorForm::default() } else { req.json()? };
    let f = f.clean()?;
    let token = auth::random_token();
    let hash = auth::sha256(&token);
    let ua: String = req.header("user-agent").unwrap_or("").chars().take(300).collect();
    let ip = req.remote.to_string();
    let rl = app.limiter.clone();
    let cust = app.db.write(move |w| {
        if !widget_rules::exempt(&ip) {
            widget_rules::limit(&rl, &ip, "v", widget_rules::VISITORS_PER_ADDRESS, "new chats from your network")?;
        }
        let (name, given) = match &f.name {
            Some(n) => (n.clone(), true),
            None => (db::customers::friendly_name(), false),
        };
        let new = db::customers::NewCustomer {
            token_hash: &hash,
            name: &name,
            name_given: given,
            email: f.email.as_deref(),
            ctx: &f.context,
            user_agent: &ua,
            ip: &ip,
        };
        let id = db::customers::insert(w.conn, &new)?;
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
    let (now, agents) = (app.clock.now_ms(), app.available_agents());
    let out = app.db.read(|c| {
        let pos = db::events::last_id(c)?;
        // The settings from the database, read after `pos`, so at least as new as it (newer is
        // harmless: the socket's replay after `pos` ends at the newest). The cached copy is updated
        // only once the change's commit has been answered: a session read in between said the new
        // position with the old settings, the socket resumed past the change, and the widget kept
        // the old header until a reload (seen in a browser test under load; tests/widget.rs).
        let settings = db::settings::load(c)?;
        let helpdesk = settings.public_with(&db::hours::status(&settings, now, agents));
        let cu = db::customers::get(c, cid)?.ok_or_else(|| Error::new(401, "Unknown visitor token."))?;
        let conv = db::conversations::latest_for_customer(c, cid)?;
        let (conversation, messages) = match &conv {
            Some(conv) => (customer::conversation_now(c, conv)?, customer::page(c, conv.id, None, None)?),
            None => (serde_json::Value::Null, Vec::new()),
        };
        Ok(json!({
            "customer": public_customer(&cu),
            "conversation": conversation,
            "messages": messages,
            "pos": pos,
            "helpdesk": helpdesk,
        }))
    })?;
    let mut out = out;
    // Email is set up: the widget offers "Send me the transcript".
    out["helpdesk"]["email"] = json!(crate::desk::mail::enabled(app));
    Ok(Response::ok_json(&out))
}

/// `PATCH /api/widget/visitor`: name, email, current page.
pub fn update_visitor(app: &Arc<App>, req: &Request) -> Result<Response> {
    let cid = customer(app, req)?;
    let f: VisitorForm = req.json()?;
    let f = f.clean()?;
    let cu = app.db.write(move |w| {
        if f.name.is_some() || f.email.is_some() {
            let cu = db::customers::get(w.conn, cid)?.ok_or_else(|| Error::new(401, "Unknown visitor token."))?;
            if cu.verified {
                return Err(Error::forbidden(
                    "This visitor is verified by the website: their name and email change only through a verified identify.",
                ));
            }
        }
        db::customers::set_identity(w.conn, cid, f.name.as_deref(), f.email.as_deref())?;
        db::customers::touch(w.conn, cid, &f.context)?;
        if f.name.is_some() || f.email.is_some() {
            identity::announce(w, cid)?;
        }
        db::customers::get(w.conn, cid)?.ok_or_else(|| Error::internal("customer vanished"))
    })?;
    Ok(Response::ok_json(&json!({"customer": public_customer(&cu)})))
}

/// `POST /api/widget/conversation`: start or resume my conversation.
pub fn start(app: &Arc<App>, req: &Request) -> Result<Response> {
    let cid = customer(app, req)?;
    let ip = req.remote.to_string();
    let rl = app.limiter.clone();
    let c = app.db.write(move |w| {
        let c = widget_rules::conversation(w, &rl, cid, &ip)?;
        customer::conversation_now(w.conn, &c)
    })?;
    Ok(Response::ok_json(&json!({"conversation": c})))
}

/// `GET /api/widget/messages?before=SEQ|after=SEQ`: my history.
pub fn history(app: &Arc<App>, req: &Request) -> Result<Response> {
    let cid = customer(app, req)?;
    let before = req.query_param("before").and_then(|v| v.parse().ok());
    let after = req.query_param("after").and_then(|v| v.parse().ok());
    let msgs = app.db.read(|c| match db::conversations::latest_for_customer(c, cid)? {
        Some(conv) => customer::page(c, conv.id, before, after),
        None => Ok(Vec::new()),
    })?;
    Ok(Response::ok_json(&json!({"messages": msgs})))
}

/// `POST /api/widget/messages`: 201 created, 200 for a retried `client_msg_id`.
pub fn send(app: &Arc<App>, req: &Request) -> Result<Response> {
    let cid = customer(app, req)?;
    let f: widget_rules::SendForm = req.json()?;
    let p = widget_rules::send_from(app, cid, f, Some(req.remote.to_string()))?;
    Ok(Response::json(if p.created { 201 } else { 200 }, &json!({"message": customer::message(&p.message)})))
}

#[derive(Deserialize)]
struct RateForm {
    closing: i64,
    score: i64,
    #[serde(default)]
    comment: String,
}

/// `POST /api/widget/csat`: the customer answers the satisfaction question of one closing
/// (`desk::csat::rate`). `200` with the rating as the customer sees it; the same answer again is `200`.
pub fn rate(app: &Arc<App>, req: &Request) -> Result<Response> {
    let cid = customer(app, req)?;
    let f: RateForm = req.json()?;
    let r = crate::desk::csat::rate(app, cid, f.closing, f.score, &f.comment)?;
    Ok(Response::ok_json(&json!({"rating": customer::rating(&r)})))
}

#[derive(Deserialize)]
struct IdentifyForm {
    /// The host site's id for its user: a string or a number.
    user_id: serde_json::Value,
    name: Option<String>,
    email: Option<String>,
    /// `hex(HMAC-SHA256(identity_secret, user_id))`, computed by the host site's server.
    user_hash: Option<String>,
}

/// `POST /api/widget/identify`: the host page says who its signed-in user is.
///
/// With a valid `user_hash` the visitor becomes that verified user: the current (anonymous) visitor
/// is marked verified, or, when the user is already known from another device or this device was
/// someone else, the answer carries `token` for the verified customer and the widget switches to it.
/// That `token` is the only other place a token is ever shown. Without a `user_hash` it only sets
/// name and email, and never on a verified customer. A wrong hash changes nothing: `401`.
pub fn identify(app: &Arc<App>, req: &Request) -> Result<Response> {
    let origin = req.header("origin").ok_or_else(|| Error::forbidden("Missing Origin header."))?;
    if !widget_origin_allowed(app, req, origin) {
        return Err(Error::forbidden(format!("Origin {origin} may not use this help desk's widget.")));
    }
    let current = match bearer(req) {
        Some(t) => Some(customer_by_token(app, t)?),
        None => None,
    };
    let f: IdentifyForm = req.json()?;
    let user_id = match &f.user_id {
        serde_json::Value::String(s) => s.trim().to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    if user_id.is_empty() || user_id.len() > 200 {
        return Err(Error::new(422, "user_id: must be a string or number of 1 to 200 characters"));
    }
    let form = VisitorForm { name: f.name, email: f.email, context: Context::default() }.clean()?;
    let Some(user_hash) = f.user_hash else {
        let cid = current.ok_or_else(|| Error::new(401, "Missing visitor token."))?;
        let cu = app.db.write(move |w| identity::unverified(w, cid, form.name.as_deref(), form.email.as_deref()))?;
        return Ok(Response::ok_json(&json!({"customer": public_customer(&cu)})));
    };
    let secret = app.settings().identity_secret;
    if secret.is_empty() {
        return Err(Error::forbidden("Identity verification is off: the help desk has no identity secret."));
    }
    if !identity::hash_matches(&secret, &user_id, &user_hash) {
        return Err(Error::new(401, "user_hash does not match user_id: compute it on your server with the identity secret."));
    }
    let ua: String = req.header("user-agent").unwrap_or("").chars().take(300).collect();
    let ip = req.remote.to_string();
    let rl = app.limiter.clone();
    let (cu, token) = app.db.write(move |w| {
        let who = identity::Verified {
            current,
            user_id: &user_id,
            name: form.name.as_deref(),
            email: form.email.as_deref(),
            user_agent: &ua,
            ip: &ip,
        };
        identity::verified(w, &rl, who)
    })?;
    let mut out = json!({"customer": public_customer(&cu)});
    if let Some(t) = token {
        out["token"] = json!(t);
    }
    Ok(Response::ok_json(&out))
}

#[derive(Deserialize)]
struct ResumeForm {
    token: String,
}

/// `POST /api/widget/resume {token}`: the token of a mail's reopen link (`#frontdesk-resume=…`)
/// becomes a visitor token of that conversation's customer: `201 {token}`. `410` when expired.
pub fn resume(app: &Arc<App>, req: &Request) -> Result<Response> {
    let origin = req.header("origin").ok_or_else(|| Error::forbidden("Missing Origin header."))?;
    if !widget_origin_allowed(app, req, origin) {
        return Err(Error::forbidden(format!("Origin {origin} may not use this help desk's widget.")));
    }
    let f: ResumeForm = req.json()?;
    let token = crate::desk::mail_send::resume(app, f.token.trim())?;
    Ok(Response::json(201, &json!({"token": token})))
}

#[derive(Deserialize, Default)]
struct TranscriptForm {
    #[serde(default)]
    email: Option<String>,
}

/// `POST /api/widget/transcript {email?}`: the conversation by mail, to the address the visitor
/// left (or gives now). `202 {queued, email}`; `409` when email is not set up.
pub fn transcript(app: &Arc<App>, req: &Request) -> Result<Response> {
    let cid = customer(app, req)?;
    let f: TranscriptForm = if req.body.is_empty() { TranscriptForm::default() } else { req.json()? };
    let email = clip(f.email, 254).filter(|e| !e.is_empty());
    Ok(Response::json(202, &crate::desk::mail_send::transcript(app, cid, email)?))
}
