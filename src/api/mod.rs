//! Routing: one `match` from (method, path) to a handler. A handler is
//! `fn(&App, &Request) -> Result<Response>`: parse, authorize, call `db`, answer.

pub mod pages;
pub mod realtime;
pub mod session;
pub mod users;

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
        ([""], "GET") => pages::index(app, req),
        (["setup"], "GET") => pages::setup(app, req),
        (["login"], "GET") => pages::login(app, req),
        (["assets", ..], "GET") => pages::asset(req),
        (["favicon.ico"], "GET") => pages::asset_at(req, "shared/favicon.svg"),

        (["api", "setup"], "POST") => session::setup(app, req),
        (["api", "login"], "POST") => session::login(app, req),
        (["api", "logout"], "POST") => session::logout(app, req),
        (["api", "me"], "GET") => session::me(app, req),
        (["api", "users"], "GET") => users::list(app, req),
        (["api", "users"], "POST") => users::create(app, req),
        (["api", "users", id], "PATCH") => users::update(app, req, parse_id(id)?),
        (["api", "users", id, "deactivate"], "POST") => users::deactivate(app, req, parse_id(id)?),

        (["__test", "panic"], "GET") if app.config.test_routes => panic!("test panic"),

        // Known paths with the wrong method.
        (["healthz"] | [""] | ["setup"] | ["login"] | ["api", "me"], _) => Err(method_not_allowed(&["GET", "HEAD"])),
        (["api", "setup"] | ["api", "login"] | ["api", "logout"] | ["api", "users", _, "deactivate"], _) => {
            Err(method_not_allowed(&["POST"]))
        }
        (["api", "users"], _) => Err(method_not_allowed(&["GET", "HEAD", "POST"])),
        (["api", "users", _], _) => Err(method_not_allowed(&["PATCH"])),
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

/// Client frames beyond `resume`/`ping`.
pub fn frame(_app: &Arc<App>, _conn: &Arc<crate::hub::Conn>, kind: &str, _v: &serde_json::Value) -> Result<Option<String>> {
    Err(realtime::unknown(kind))
}
