//! Routing: one `match` from (method, path) to a handler. A handler is
//! `fn(&App, &Request) -> Result<Response>`: parse, authorize, call `db`, answer.

pub mod admin;
pub mod admin_availability;
pub mod admin_data;
pub mod admin_team;
pub mod chat;
pub mod conversations;
pub mod item_rules;
pub mod items;
pub mod metrics;
pub mod pages;
pub mod prefs;
pub mod realtime;
pub mod session;
pub mod settings_api;
pub mod users;
pub mod widget;
pub mod widget_pages;

use std::sync::Arc;

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::{Request, Response};
use crate::ws::Peer;

/// 405 with the methods the path does accept.
pub fn method_not_allowed(allow: &[&str]) -> Error {
    Error::new(405, format!("Method not allowed here; use {}.", allow.join(" or "))).with_header("Allow", allow.join(", "))
}

pub fn route(app: &Arc<App>, req: &Request) -> Result<Response> {
    let segs: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    let m = req.method.as_str();
    match (segs.as_slice(), m) {
        (["healthz"], "GET") => Ok(Response::text(200, "ok")),
        (["metrics"], "GET") => metrics::metrics(app, req),
        ([""], "GET") => pages::index(app, req),
        (["setup"], "GET") => pages::setup(app, req),
        (["login"], "GET") => pages::login(app, req),
        (["assets", ..], "GET") => pages::asset(req),
        (["favicon.ico"], "GET") => pages::asset_at(req, "shared/favicon.svg"),

        (["api", "setup"], "POST") => session::setup(app, req),
        (["api", "login"], "POST") => session::login(app, req),
        (["api", "logout"], "POST") => session::logout(app, req),
        (["api", "me"], "GET") => session::me(app, req),
        (["api", "me", "prefs"], "PATCH") => prefs::update(app, req),
        (["api", "users"], "GET") => users::list(app, req),
        (["api", "users"], "POST") => users::create(app, req),
        (["api", "users", id], "PATCH") => users::update(app, req, parse_id(id)?),
        (["api", "users", id, "deactivate"], "POST") => users::deactivate(app, req, parse_id(id)?),

        (["api", "conversations"], "GET") => conversations::list(app, req),
        (["api", "conversations"], "POST") => conversations::create_team(app, req),
        (["api", "conversations", id], "GET") => conversations::get(app, req, parse_id(id)?),
        (["api", "conversations", id, "messages"], "GET") => conversations::messages(app, req, parse_id(id)?),
        (["api", "conversations", id, "messages"], "POST") => conversations::post(app, req, parse_id(id)?),
        (["api", "conversations", id, "status"], "POST") => conversations::status(app, req, parse_id(id)?),
        (["api", "conversations", id, "read"], "POST") => conversations::read(app, req, parse_id(id)?),
        (["api", "conversations", id, "follow"], "POST") => conversations::follow(app, req, parse_id(id)?, true),
        (["api", "conversations", id, "follow"], "DELETE") => conversations::follow(app, req, parse_id(id)?, false),
        (["api", "messages", id], "PATCH") => conversations::edit_message(app, req, parse_id(id)?),
        (["api", "messages", id], "DELETE") => conversations::delete_message(app, req, parse_id(id)?),
        (["api", "messages", id, "revisions"], "GET") => conversations::revisions(app, req, parse_id(id)?),
        (["api", "search"], "GET") => conversations::search(app, req),
        (["api", "conversations", id, "item-draft"], "GET") => items::draft(app, req, parse_id(id)?),
        (["api", "conversations", id, "items"], "POST") => items::create_from_conversation(app, req, parse_id(id)?),
        (["api", "conversations", id, "link"], "POST") => items::link(app, req, parse_id(id)?),
        (["api", "conversations", id, "link"], "DELETE") => items::unlink(app, req, parse_id(id)?),
        (["api", "items"], "GET") => items::list(app, req),
        (["api", "items"], "POST") => items::create(app, req),
        (["api", "items", id], "GET") => items::get(app, req, parse_id(id)?),
        (["api", "items", id], "PATCH") => items::update(app, req, parse_id(id)?),
        (["api", "items", id, "follow"], "POST") => items::follow(app, req, parse_id(id)?, true),
        (["api", "items", id, "follow"], "DELETE") => items::follow(app, req, parse_id(id)?, false),
        (["api", "team"], "GET") => conversations::team(app, req),
        (["api", "customers", id], "GET") => conversations::customer(app, req, parse_id(id)?),
        (["api", "helpdesk", "status"], "POST") => conversations::helpdesk_status(app, req),

        (["widget.js"], "GET") => widget_pages::loader(app, req),
        (["widget"], "GET") => widget_pages::frame(app, req),
        (["widget", "preview"], "GET") => widget_pages::preview(app, req),
        (["api", "widget", "settings"], "GET") => widget_pages::settings(app, req),
        (["api", "widget", "identify"], "POST") => widget::identify(app, req),
        (["api", "settings"], "GET") => settings_api::get(app, req),
        (["api", "settings"], "PATCH") => settings_api::update(app, req),
        (["api", "widget", "visitors"], "POST") => widget::create_visitor(app, req),
        (["api", "widget", "visitor"], "PATCH") => widget::update_visitor(app, req),
        (["api", "widget", "session"], "GET") => widget::session(app, req),
        (["api", "widget", "conversation"], "POST") => widget::start(app, req),
        (["api", "widget", "messages"], "GET") => widget::history(app, req),
        (["api", "widget", "messages"], "POST") => widget::send(app, req),

        (["admin", ..] | ["invite", _] | ["api", "admin" | "audit" | "invites" | "invite", ..], _) => admin::route(app, req, &segs),

        (["__test", "panic"], "GET") if app.config.test_routes => panic!("test panic"),

        // Known paths with the wrong method.
        (["healthz"] | [""] | ["setup"] | ["login"] | ["api", "me"], _) => Err(method_not_allowed(&["GET", "HEAD"])),
        (["api", "setup"] | ["api", "login"] | ["api", "logout"] | ["api", "users", _, "deactivate"], _) => {
            Err(method_not_allowed(&["POST"]))
        }
        (["api", "users"], _) => Err(method_not_allowed(&["GET", "HEAD", "POST"])),
        (["api", "users", _], _) => Err(method_not_allowed(&["PATCH"])),
        (["api", "conversations"] | ["api", "conversations", _, "messages"] | ["api", "widget", "messages"], _) => {
            Err(method_not_allowed(&["GET", "HEAD", "POST"]))
        }
        (
            ["api", "conversations", _]
            | ["api", "search"]
            | ["api", "team"]
            | ["api", "customers", _]
            | ["api", "widget", "session"]
            | ["api", "messages", _, "revisions"],
            _,
        ) => Err(method_not_allowed(&["GET", "HEAD"])),
        (
            ["api", "conversations", _, "status" | "read"] | ["api", "helpdesk", "status"] | ["api", "widget", "visitors" | "conversation"],
            _,
        ) => Err(method_not_allowed(&["POST"])),
        (["api", "conversations", _, "follow"], _) => Err(method_not_allowed(&["POST", "DELETE"])),
        (["api", "messages", _], _) => Err(method_not_allowed(&["PATCH", "DELETE"])),
        (["api", "items"], _) => Err(method_not_allowed(&["GET", "HEAD", "POST"])),
        (["api", "items", _], _) => Err(method_not_allowed(&["GET", "HEAD", "PATCH"])),
        (["api", "items", _, "follow"] | ["api", "conversations", _, "link"], _) => Err(method_not_allowed(&["POST", "DELETE"])),
        (["api", "conversations", _, "item-draft"], _) => Err(method_not_allowed(&["GET", "HEAD"])),
        (["api", "conversations", _, "items"], _) => Err(method_not_allowed(&["POST"])),
        (["api", "widget", "visitor"] | ["api", "me", "prefs"], _) => Err(method_not_allowed(&["PATCH"])),
        _ => Err(Error::not_found(format!("Nothing at {}.", req.path))),
    }
}

pub fn parse_id(s: &str) -> Result<i64> {
    s.parse().ok().filter(|n: &i64| *n > 0).ok_or_else(|| Error::not_found(format!("'{s}' is not a valid id.")))
}

/// Decide whether a WebSocket upgrade may proceed: checks the handshake, the Origin, and who the
/// peer is, before the 101 is sent.
pub fn upgrade(app: &Arc<App>, req: &Request) -> std::result::Result<(Response, Peer), Response> {
    let accept = crate::ws::handshake(req)?;
    let origin = req.header("origin").unwrap_or("");
    let peer = match req.path.as_str() {
        "/ws/agent" => {
            if !origin.eq_ignore_ascii_case(app.config.public_origin()) {
                return Err(Error::forbidden(format!("WebSocket from origin '{origin}' refused.")).into());
            }
            let authed = crate::auth::require(app, req).map_err(Response::from)?;
            realtime::agent_peer(&authed.user)
        }
        "/ws/widget" => {
            if !realtime::widget_origin_allowed(app, origin) {
                return Err(Error::forbidden(format!("WebSocket from origin '{origin}' refused: not in the allowed origins.")).into());
            }
            realtime::widget_peer(app, req).map_err(Response::from)?
        }
        _ => return Err(Error::not_found("No such WebSocket endpoint.").into()),
    };
    Ok((accept, peer))
}

/// Append to the audit log (inside the caller's write transaction).
pub fn audit(
    conn: &rusqlite::Connection,
    user: Option<i64>,
    ip: &str,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> Result<()> {
    conn.execute(
        "INSERT INTO audit_log (at, user_id, ip, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        rusqlite::params![crate::db::now_ms(), user, ip, action, target, detail.to_string()],
    )?;
    Ok(())
}

/// The customer a visitor token belongs to, or 401.
pub fn customer_by_token(app: &App, token: &str) -> Result<i64> {
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::new(401, "Invalid visitor token."));
    }
    let hash = crate::auth::sha256(token);
    app.db.read(|c| crate::db::customers::id_by_token(c, &hash))?.ok_or_else(|| Error::new(401, "Unknown visitor token: start a new chat."))
}

/// Client frames beyond `resume`/`ping`: `send`, `typing`, `read` (docs/protocol.md).
pub fn frame(app: &Arc<App>, conn: &Arc<crate::hub::Conn>, kind: &str, v: &serde_json::Value) -> Result<Option<String>> {
    use crate::db::events::Viewer;
    use serde_json::{Value, json};
    let str_field = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let conv_id = || v.get("conversation_id").and_then(Value::as_i64).ok_or_else(|| Error::bad_request("conversation_id: required"));
    let actor = match conn.viewer() {
        Viewer::Agent { user_id, .. } => {
            let u = app.db.read(|c| crate::db::users::get(c, user_id))?.filter(|u| u.active).ok_or_else(Error::unauthorized)?;
            chat::Actor::Agent(u)
        }
        Viewer::Customer { customer_id } => chat::Actor::Customer(customer_id),
    };
    match kind {
        "send" => {
            let body = str_field("body").ok_or_else(|| Error::bad_request("body: required"))?;
            let cmid = str_field("client_msg_id");
            let posted = match &actor {
                chat::Actor::Agent(_) => {
                    let id = conv_id()?;
                    let reopen = v.get("reopen").and_then(Value::as_bool).unwrap_or(false);
                    let (a, b, c) = (actor.clone(), body, cmid);
                    app.db.write(move |w| chat::post(w, id, &a, &b, c.as_deref(), reopen))?
                }
                chat::Actor::Customer(cid) => widget::send_as(app, *cid, widget::SendForm { body, client_msg_id: cmid })?,
            };
            let m = &posted.message;
            // Sent only now, after COMMIT: an ack means the message is durable.
            Ok(Some(json!({"type": "ack", "client_msg_id": m.client_msg_id, "id": m.id, "seq": m.seq, "conversation_id": m.conversation_id, "created_at": m.created_at, "duplicate": !posted.created}).to_string()))
        }
        "typing" => {
            let typing = v.get("typing").and_then(Value::as_bool).unwrap_or(true);
            let (conv, who) = match &actor {
                chat::Actor::Agent(u) => {
                    let id = conv_id()?;
                    let c = app.db.read(|c| crate::db::conversations::get_visible(c, id, u))?;
                    (c, json!({"kind": "user", "id": u.id, "name": u.name}))
                }
                chat::Actor::Customer(cid) => {
                    let c = app
                        .db
                        .read(|c| crate::db::conversations::latest_for_customer(c, *cid))?
                        .ok_or_else(|| Error::not_found("No conversation yet."))?;
                    (c, json!({"kind": "customer", "id": cid}))
                }
            };
            let frame = json!({"type": "typing", "data": {"conversation_id": conv.id, "who": who, "typing": typing}}).to_string();
            app.hub.publish_ephemeral(&conv.audience(), &frame, Some(conn.outbox.id));
            Ok(None)
        }
        "read" => match &actor {
            chat::Actor::Agent(u) => {
                let out = chat::mark_read(app, u, conv_id()?, v.get("seq").and_then(Value::as_i64))?;
                Ok(Some(json!({"type": "read.ok", "data": out}).to_string()))
            }
            chat::Actor::Customer(_) => Err(Error::bad_request("Customers have no read marks.")),
        },
        other => Err(realtime::unknown(other)),
    }
}
