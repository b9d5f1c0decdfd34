//! The WebSocket protocol (docs/protocol.md), all of it: who may open a socket (decided from the
//! upgrade request before the `101`), the socket's life (hello, registration in the hub, frames,
//! close), the client frames (`FRAME_TYPES`), and resume. Replies go back on the same socket;
//! everything else is an event that reaches sockets through the hub after commit.

use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use super::Auth;
use crate::app::App;
use crate::auth::{bearer, customer_by_token, widget_origin_allowed};
use crate::db::{self, events::Viewer, users::User};
use crate::error::{Error, Result};
use crate::http::server::Upgraded;
use crate::http::{Request, Response};
use crate::hub::{Conn, PERMISSIONS_CHANGED, SESSION_ENDED};
use crate::ws::error_frame;

/// What a socket is allowed to be, decided from the upgrade request before the 101.
struct Peer {
    viewer: Viewer,
    /// The hashed session token an agent socket was opened with: the socket lives only as long as it.
    session: Option<Vec<u8>>,
}

/// The subprotocol both sockets speak, selected in the 101 when the client offers it.
pub const PROTOCOL: &str = "frontdesk";
/// The widget also offers `frontdesk.token.<visitor token>`: the one place a browser lets a socket
/// carry a credential outside its URL (and so outside proxies' access logs). It is never selected.
const TOKEN_PROTOCOL: &str = "frontdesk.token.";
/// The WebSocket endpoints and who may open them (docs/protocol.md); `upgrade` admits by this list.
pub const SOCKETS: &[(&str, Auth)] = &[("/ws/agent", Auth::Agent), ("/ws/widget", Auth::Visitor)];

/// Decide whether a WebSocket upgrade may proceed: checks the handshake, the Origin, and who the
/// peer is, before the 101 is sent.
pub fn upgrade(app: &Arc<App>, req: &Request) -> std::result::Result<(Response, Upgraded), Response> {
    let accept = crate::ws::handshake(req, PROTOCOL)?;
    let origin = req.header("origin").unwrap_or("");
    let endpoint = SOCKETS.iter().find(|(path, _)| *path == req.path).map(|(_, auth)| auth);
    let peer = match endpoint {
        Some(Auth::Agent) => {
            if !crate::auth::own_origin(app, req, origin) {
                return Err(crate::auth::foreign_origin(app, origin).into());
            }
            let authed = crate::auth::require(app, req).map_err(Response::from)?;
            Peer {
                viewer: Viewer::Agent { user_id: authed.user.id, support: authed.user.sees_customers() },
                session: Some(authed.token_hash),
            }
        }
        Some(Auth::Visitor) => {
            if !widget_origin_allowed(app, req, origin) {
                return Err(Error::forbidden(format!("WebSocket from origin '{origin}' refused: not in the allowed origins.")).into());
            }
            widget_peer(app, req).map_err(Response::from)?
        }
        _ => return Err(Error::not_found("No such WebSocket endpoint.").into()),
    };
    let app = app.clone();
    Ok((accept, Box::new(move |stream: Arc<TcpStream>, leftover: Vec<u8>| run(&app, stream, peer, leftover))))
}

/// A socket's life after the 101: `hello`, registration in the hub (live events are held until the
/// client resumes), each frame through `handle_frame`, and removal however it ends.
fn run(app: &Arc<App>, stream: Arc<TcpStream>, peer: Peer, leftover: Vec<u8>) {
    let outbox = app.hub.new_outbox(stream.clone());
    let widget = matches!(peer.viewer, Viewer::Customer { .. });
    let kind = if widget { "widget" } else { "agent" };
    // A widget's socket is told how often its keepalive `tick` comes, so its script pings only when
    // ticks stop (`ws::keepalive`); an agent's socket gets no tick, and its script pings on its own.
    let mut hello = json!({"type": "hello", "server_time": db::now_ms()});
    if widget {
        hello["keepalive_ms"] = json!(app.config.widget_keepalive.as_millis() as u64);
    }
    outbox.text(&hello.to_string());
    app.metrics.ws_connected(kind);
    let membership = app.hub.join(outbox.clone(), peer.viewer, peer.session);
    let silence = if widget { crate::ws::widget_silence_limit(app.config.widget_keepalive) } else { crate::ws::SILENCE_LIMIT };
    let code = crate::ws::serve(stream, outbox, leftover, silence, |text| handle_frame(app, &membership.conn, text));
    app.metrics.ws_disconnected(kind, code);
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

/// How far behind a resuming client may be before it is told to reload instead.
const MAX_REPLAY: i64 = 5_000;

/// The client frame types the server answers; any other type gets an `error` frame. A type not
/// listed here is never handled, so the authorization matrix (tests/authz.rs) sees every one.
pub const FRAME_TYPES: &[&str] = &["resume", "send", "typing", "read", "ping"];

/// Presence: an agent's first socket opening or last closing is an event for every agent (and their
/// `user.status`), and the time they were last seen (the Team page: "Online now", then "5 minutes ago").
pub fn install_presence(app: &Arc<App>) {
    let weak = Arc::downgrade(app);
    app.hub.on_presence(Box::new(move |user_id, online| {
        let Some(app) = weak.upgrade() else { return };
        let now = app.clock.now_ms();
        // Sockets closing during shutdown may find the writer stopped: nothing to report then.
        // The same write announces their status (`user.status`) and may hand them waiting chats.
        let hub = app.hub.clone();
        let write = move |w: &mut db::WriteCtx<'_>| {
            db::users::touch(w.conn, user_id, now)?;
            crate::desk::assignment::presence(w, user_id, online, &hub)
        };
        if let Err(e) = app.db.write(write)
            && !app.net.stopping.load(std::sync::atomic::Ordering::Acquire)
        {
            log::warn!("could not record when user {user_id} was last seen: {e}");
        }
        // Presence is not part of the durable order: the current state is in /api/team.
        let frame = json!({"type": "presence", "data": {"user_id": user_id, "online": online}}).to_string();
        app.hub.publish_ephemeral(&db::events::Audience::Agents, &frame, None, None);
    }));
}

/// Handle one text frame; the return value (if any) is sent back on the same socket.
pub fn handle_frame(app: &Arc<App>, conn: &Arc<Conn>, text: &str) -> Option<String> {
    let v: Value = match serde_json::from_str(text) {
        Ok(v @ Value::Object(_)) => v,
        _ => return Some(error_frame("Frames must be JSON objects with a \"type\".")),
    };
    let kind = v.get("type").and_then(Value::as_str).unwrap_or("");
    // No frame is handled on a socket whose session is gone: the session is checked on every
    // frame (one indexed read), and what the user does (not pings or resumes) counts as use.
    let agent = match &conn.session {
        Some(hash) => match agent_of(app, conn, hash, matches!(kind, "send" | "typing" | "read")) {
            Ok(Some(u)) => Some(u),
            Ok(None) => return None,
            Err(e) => return Some(error_reply(kind, &v, e)),
        },
        None => None,
    };
    let result = match kind {
        _ if !FRAME_TYPES.contains(&kind) => Err(unknown(kind)),
        "resume" => resume(app, conn, &v),
        "ping" => Ok(Some(json!({"type": "pong"}).to_string())),
        other => frame(app, conn, agent, other, &v),
    };
    match result {
        Ok(r) => r,
        Err(e) => Some(error_reply(kind, &v, e)),
    }
}

fn error_reply(kind: &str, v: &Value, e: Error) -> String {
    if e.status >= 500 {
        log::error!("ws frame {kind}: {e}");
    }
    let mut f = json!({"type": "error", "error": e.message, "status": e.status});
    if let Some(r) = v.get("client_msg_id") {
        f["client_msg_id"] = r.clone();
    }
    f.to_string()
}

/// The agent behind a socket, if its session still lives and the user's permissions are those the
/// socket was opened with; otherwise the socket is closed (`SESSION_ENDED` / `PERMISSIONS_CHANGED`).
fn agent_of(app: &App, conn: &Conn, session: &[u8], used: bool) -> Result<Option<User>> {
    let Some(authed) = crate::auth::session_by_hash(app, session.to_vec(), used)? else {
        app.hub.disconnect_session(session, SESSION_ENDED, "session ended: sign in again");
        return Ok(None);
    };
    if conn.viewer() != (Viewer::Agent { user_id: authed.user.id, support: authed.user.sees_customers() }) {
        app.hub.disconnect_session(session, PERMISSIONS_CHANGED, "permissions changed: reconnect");
        return Ok(None);
    }
    Ok(Some(authed.user))
}

/// Replay what the client missed after `pos`, then release live events. With no `pos` the client
/// starts live from now. Too far behind, or an unknown position: `reload`.
fn resume(app: &Arc<App>, conn: &Arc<Conn>, v: &Value) -> Result<Option<String>> {
    conn.hold();
    let viewer = conn.viewer();
    let (last, first) = app.db.read(|c| Ok((db::events::last_id(c)?, db::events::first_id(c)?)))?;
    let pos = v.get("pos").and_then(Value::as_i64);
    let reload = match pos {
        None => {
            conn.pos.store(last as u64, Ordering::Release);
            false
        }
        Some(p) if p > last || p < first - 1 => true,
        Some(p) => match missed(app, &viewer, p, last)? {
            // Too much to replay: the client refetches over HTTP instead.
            None => true,
            Some(events) => {
                conn.pos.store(p as u64, Ordering::Release);
                for ev in events {
                    if conn.pos.fetch_max(ev.id as u64, Ordering::AcqRel) < ev.id as u64
                        && let Some(f) = app.hub.frame_for(conn, &ev)
                    {
                        conn.outbox.text(&f);
                    }
                }
                conn.pos.fetch_max(last as u64, Ordering::AcqRel);
                false
            }
        },
    };
    if reload {
        conn.pos.store(last as u64, Ordering::Release);
    }
    if reload {
        conn.outbox.text(&json!({"type": "reload", "pos": last}).to_string());
    }
    // Release what arrived live meanwhile, under the hold lock so no newer live event can overtake
    // a held one; anything already replayed is skipped by position.
    let mut hold = conn.resuming.lock().unwrap_or_else(|p| p.into_inner());
    for ev in hold.take().unwrap_or_default() {
        if ev.audience.admits(&viewer)
            && conn.pos.fetch_max(ev.id as u64, Ordering::AcqRel) < ev.id as u64
            && let Some(f) = app.hub.frame_for(conn, &ev)
        {
            conn.outbox.text(&f);
        }
    }
    drop(hold);
    let resumed = json!({"type": "resumed", "pos": conn.pos.load(Ordering::Acquire)}).to_string();
    if !matches!(viewer, Viewer::Agent { .. }) {
        return Ok(Some(resumed));
    }
    // An agent's socket: a ping after `resumed` asks whether its client reads (`keepalive::ask`).
    conn.outbox.text(&resumed);
    crate::ws::keepalive::ask(&conn.outbox);
    Ok(None)
}

/// The events after `pos` (up to `last`) that `viewer` may see, or `None` if there are more than
/// `MAX_REPLAY` of them. A customer's are read through an index; an agent's by scanning the global
/// order (agents see most events), giving up after `MAX_SCAN` rows.
fn missed(app: &App, viewer: &Viewer, pos: i64, last: i64) -> Result<Option<Vec<db::events::Event>>> {
    const MAX_SCAN: i64 = 100_000;
    let mut out = Vec::new();
    let mut at = pos;
    while at < last {
        let batch = app.db.read(|c| match viewer {
            Viewer::Customer { customer_id } => db::events::after_for_customer(c, at, *customer_id, 500),
            Viewer::Agent { .. } => db::events::after(c, at, 500),
        })?;
        let Some(end) = batch.last().map(|e| e.id) else { break };
        out.extend(batch.into_iter().filter(|e| e.id <= last && e.audience.admits(viewer)));
        if out.len() as i64 > MAX_REPLAY || end - pos > MAX_SCAN {
            return Ok(None);
        }
        at = end;
    }
    Ok(Some(out))
}

/// Client frames beyond `resume`/`ping`: `send`, `typing`, `read` (docs/protocol.md); a customer's
/// `read` says how far they have read their conversation.
fn frame(app: &Arc<App>, conn: &Arc<Conn>, agent: Option<User>, kind: &str, v: &serde_json::Value) -> Result<Option<String>> {
    let str_field = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let conv_id = || v.get("conversation_id").and_then(Value::as_i64).ok_or_else(|| Error::bad_request("conversation_id: required"));
    let actor = match (conn.viewer(), agent) {
        (Viewer::Agent { .. }, Some(u)) => crate::desk::conversations::Actor::Agent(u),
        (Viewer::Customer { customer_id }, _) => crate::desk::conversations::Actor::Customer(customer_id),
        (Viewer::Agent { .. }, None) => return Err(Error::unauthorized()),
    };
    match kind {
        "send" => {
            let files = attachment_ids(v)?;
            let body = match str_field("body") {
                Some(b) => b,
                None if !files.is_empty() => String::new(),
                None => return Err(Error::bad_request("body: required")),
            };
            let cmid = str_field("client_msg_id");
            let posted = match &actor {
                crate::desk::conversations::Actor::Agent(_) => {
                    let id = conv_id()?;
                    let reopen = v.get("reopen").and_then(Value::as_bool).unwrap_or(false);
                    let note = v.get("note").and_then(Value::as_bool).unwrap_or(false);
                    let mentions = mention_ids(v)?;
                    let (a, b, c) = (actor.clone(), body, cmid);
                    let mail = crate::desk::mail::continuity(app);
                    app.db.write(move |w| {
                        let p = crate::desk::conversations::Post {
                            body: &b,
                            client_msg_id: c.as_deref(),
                            reopen,
                            note,
                            mentions: &mentions,
                            mail,
                            attachments: &files,
                        };
                        crate::desk::conversations::post(w, id, &a, &p)
                    })?
                }
                crate::desk::conversations::Actor::Customer(cid) => crate::desk::widget::send_as(
                    app,
                    *cid,
                    crate::desk::widget::SendForm { body, client_msg_id: cmid, attachments: files },
                )?,
            };
            let m = &posted.message;
            // Sent only now, after COMMIT: an ack means the message is durable.
            Ok(Some(json!({"type": "ack", "client_msg_id": m.client_msg_id, "id": m.id, "seq": m.seq, "conversation_id": m.conversation_id, "created_at": m.created_at, "duplicate": !posted.created}).to_string()))
        }
        "typing" => {
            let typing = v.get("typing").and_then(Value::as_bool).unwrap_or(true);
            // Writing a private note: only teammates are told (never the customer).
            let note =
                v.get("note").and_then(Value::as_bool).unwrap_or(false) && matches!(actor, crate::desk::conversations::Actor::Agent(_));
            let (conv, who, customer_frame) = match &actor {
                crate::desk::conversations::Actor::Agent(u) => {
                    let id = conv_id()?;
                    let c = app.db.read(|c| crate::desk::visibility::conversation(c, id, u))?;
                    let for_customer = (!note).then(|| crate::desk::customer::typing(c.id, &u.name, typing));
                    (c, json!({"kind": "user", "id": u.id, "name": u.name}), for_customer)
                }
                crate::desk::conversations::Actor::Customer(cid) => {
                    let c = app
                        .db
                        .read(|c| crate::db::conversations::latest_for_customer(c, *cid))?
                        .ok_or_else(|| Error::not_found("No conversation yet."))?;
                    (c, json!({"kind": "customer", "id": cid}), None)
                }
            };
            let mut data = json!({"conversation_id": conv.id, "who": who, "typing": typing});
            if note {
                data["note"] = json!(true);
            }
            let audience = crate::desk::notes::audience(&conv, note);
            let frame = json!({"type": "typing", "data": data}).to_string();
            app.hub.publish_ephemeral(&audience, &frame, customer_frame.as_deref(), Some(conn.outbox.id));
            Ok(None)
        }
        "read" => match &actor {
            crate::desk::conversations::Actor::Agent(u) => {
                let out = crate::desk::conversations::mark_read(app, u, conv_id()?, v.get("seq").and_then(Value::as_i64))?;
                Ok(Some(json!({"type": "read.ok", "data": out}).to_string()))
            }
            // The customer's own conversation, whatever it names: agents see "Seen" up to `seq`.
            crate::desk::conversations::Actor::Customer(cid) => {
                let out = crate::desk::customers::seen(app, *cid, v.get("seq").and_then(Value::as_i64).unwrap_or(i64::MAX))?;
                Ok(Some(json!({"type": "read.ok", "data": out}).to_string()))
            }
        },
        other => Err(unknown(other)),
    }
}

/// A `send` frame's `mentions`: user ids (absent: none).
fn mention_ids(v: &Value) -> Result<Vec<i64>> {
    match v.get("mentions") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a.iter().map(|x| x.as_i64().ok_or_else(|| Error::new(422, "mentions: a list of user ids"))).collect(),
        Some(_) => Err(Error::new(422, "mentions: a list of user ids")),
    }
}

/// A `send` frame's `attachments`: upload ids (absent: none).
fn attachment_ids(v: &Value) -> Result<Vec<String>> {
    match v.get("attachments") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => {
            a.iter().map(|x| x.as_str().map(str::to_string).ok_or_else(|| Error::new(422, "attachments: a list of file ids"))).collect()
        }
        Some(_) => Err(Error::new(422, "attachments: a list of file ids")),
    }
}

/// Refuse a frame type nobody handles.
pub fn unknown(kind: &str) -> Error {
    Error::bad_request(format!("Unknown frame type '{kind}'."))
}
