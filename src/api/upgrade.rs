//! Socket admission: who may open `/ws/agent` and `/ws/widget`, decided from the upgrade request
//! before the `101` (the handshake and its subprotocol, the Origin, the session or visitor token),
//! and the visitor token lookup the widget's HTTP API shares.

use std::sync::Arc;

use super::Auth;
use crate::app::App;
use crate::db::events::Viewer;
use crate::error::{Error, Result};
use crate::http::{Request, Response};
use crate::ws::Peer;

/// The subprotocol both sockets speak, selected in the 101 when the client offers it.
pub const PROTOCOL: &str = "frontdesk";
/// The widget also offers `frontdesk.token.<visitor token>`: the one place a browser lets a socket
/// carry a credential outside its URL (and so outside proxies' access logs). It is never selected.
const TOKEN_PROTOCOL: &str = "frontdesk.token.";
/// The WebSocket endpoints and who may open them (docs/protocol.md); `upgrade` admits by this list.
pub const SOCKETS: &[(&str, Auth)] = &[("/ws/agent", Auth::Agent), ("/ws/widget", Auth::Visitor)];

/// Decide whether a WebSocket upgrade may proceed: checks the handshake, the Origin, and who the
/// peer is, before the 101 is sent.
pub fn upgrade(app: &Arc<App>, req: &Request) -> std::result::Result<(Response, Peer), Response> {
    let accept = crate::ws::handshake(req, PROTOCOL)?;
    let origin = req.header("origin").unwrap_or("");
    let endpoint = SOCKETS.iter().find(|(path, _)| *path == req.path).map(|(_, auth)| auth);
    let peer = match endpoint {
        Some(Auth::Agent) => {
            if !origin.eq_ignore_ascii_case(app.config.public_origin()) {
                return Err(Error::forbidden(format!("WebSocket from origin '{origin}' refused.")).into());
            }
            let authed = crate::auth::require(app, req).map_err(Response::from)?;
            Peer {
                viewer: Viewer::Agent { user_id: authed.user.id, support: authed.user.sees_customers() },
                session: Some(authed.token_hash),
            }
        }
        Some(Auth::Visitor) => {
            if !widget_origin_allowed(app, origin) {
                return Err(Error::forbidden(format!("WebSocket from origin '{origin}' refused: not in the allowed origins.")).into());
            }
            widget_peer(app, req).map_err(Response::from)?
        }
        _ => return Err(Error::not_found("No such WebSocket endpoint.").into()),
    };
    Ok((accept, peer))
}

fn widget_peer(app: &App, req: &Request) -> Result<Peer> {
    let token = socket_token(app, req).ok_or_else(|| Error::new(401, "Missing visitor token."))?;
    let customer = customer_by_token(app, &token)?;
    Ok(Peer { viewer: Viewer::Customer { customer_id: customer }, session: None })
}

/// The widget socket's visitor token: from the `frontdesk.token.` subprotocol (what the widget
/// sends), else `Authorization: Bearer` (clients that can set headers), else `?token=`, deprecated
/// because every proxy logs URLs, and kept for one release so pages still running an older widget
/// reconnect. The first form present decides: a wrong token there is not rescued by another.
fn socket_token(app: &App, req: &Request) -> Option<String> {
    if let Some(t) = crate::ws::offered_protocols(req).find_map(|p| p.strip_prefix(TOKEN_PROTOCOL)) {
        return Some(t.to_string());
    }
    if let Some(t) = bearer(req) {
        return Some(t.to_string());
    }
    let token = req.query_param("token")?;
    if let Some(held_back) = app.url_token_warning.due() {
        let also = if held_back > 0 { format!(" ({held_back} more since the last warning)") } else { String::new() };
        log::warn!(
            "a widget socket from origin '{}' ({}) sent its visitor token in the URL (?token=), where proxies log it{also}: \
             this form is deprecated and goes in the next release; current widgets send it as a subprotocol (docs/protocol.md)",
            req.header("origin").unwrap_or(""),
            req.remote,
        );
    }
    Some(token)
}

pub fn bearer(req: &Request) -> Option<&str> {
    req.header("authorization").and_then(|v| v.strip_prefix("Bearer ")).map(str::trim)
}

/// Our own pages always; other sites only if listed (an empty list admits any origin).
pub fn widget_origin_allowed(app: &App, origin: &str) -> bool {
    if origin.eq_ignore_ascii_case(app.config.public_origin()) {
        return true;
    }
    let s = app.settings();
    s.allowed_origins.is_empty() || s.allowed_origins.iter().any(|o| o.eq_ignore_ascii_case(origin))
}

/// The customer a visitor token belongs to, or 401.
pub fn customer_by_token(app: &App, token: &str) -> Result<i64> {
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::new(401, "Invalid visitor token."));
    }
    let hash = crate::auth::sha256(token);
    app.db.read(|c| crate::db::customers::id_by_token(c, &hash))?.ok_or_else(|| Error::new(401, "Unknown visitor token: start a new chat."))
}
