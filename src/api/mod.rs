//! Routing: one `match` from (method, path) to a handler. A handler is
//! `fn(&App, &Request) -> Result<Response>`: parse, authorize, call `db`, answer.

pub mod admin;
pub mod admin_availability;
pub mod admin_data;
pub mod admin_team;
pub mod conversations;
pub mod items;
pub mod metrics;
pub mod pages;
pub mod prefs;
pub mod realtime;
pub mod session;
pub mod settings_api;
pub mod upgrade;
pub mod users;
pub mod widget;
pub mod widget_pages;

use std::sync::Arc;

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::{Request, Response};

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
        (["api", "me", "password"], "POST") => users::change_own_password(app, req),
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
        (["api", "setup"] | ["api", "login"] | ["api", "logout"] | ["api", "users", _, "deactivate"] | ["api", "me", "password"], _) => {
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
