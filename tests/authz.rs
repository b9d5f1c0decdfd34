//! The authorization matrix: every route in `api::ROUTES`, every WebSocket endpoint and every client
//! frame type, against every kind of caller, on a real server; each cell is the status (or reply)
//! that caller must get. Requests are valid, so what decides is who asks: the unauthorised get
//! 401/403/404 and the authorised 2xx. A route, socket or frame type without a row fails the test,
//! and so does any answer carrying text the caller may not read (`world::SECRET_*`).

#[path = "authz/cells.rs"]
mod cells;
mod common;
#[path = "authz/world.rs"]
mod world;

use frontdesk::api::{ROUTES, socket::FRAME_TYPES, socket::SOCKETS};
use serde_json::json;

use cells::{
    FORMS, FrameRow, Row, admins, admits, all, answer, at, body, excerpt, f, form, none, not_a_page, page, path, r, report, staff, visitors,
};
use common::{Client, Server, Ws, raw_request};
use world::{ADMIN_LOGIN, CALLERS, Caller, World};

/// The HTTP matrix: one row per route (more where its resources differ), the status for each caller
/// in `CALLERS` order: signed out, visitor A, visitor B, agent, support agent, admin, deactivated,
/// expired. Resources belong to someone (see `World`); `fresh_…` makes a new one per call, where the
/// first success would change the answer for the next caller. `.html()` marks pages: each answer that
/// is not a redirect must be an HTML page (an agent refused /admin reads a page, not JSON).
#[rustfmt::skip]
fn rows() -> Vec<Row> {
    vec![
        r("GET", "/healthz", "", all(200), |_| none()),
        r("GET", "/readyz", "", all(200), |_| none()),
        r("GET", "/metrics", "", admins(200), |_| none()),
        r("GET", "/", "", page(200, 200, 200), |_| none()).html(),
        r("GET", "/setup", "done", all(303), |_| none()).html(),
        r("GET", "/login", "", all(200), |_| none()).html(),
        r("GET", "/assets/*", "", all(200), |_| at("shared/style.css")),
        r("GET", "/favicon.ico", "", all(200), |_| none()),
        r("GET", "/admin", "", page(403, 403, 200), |_| none()).html(),
        r("GET", "/admin/:section", "", page(403, 403, 200), |_| at("team")).html(),
        r("GET", "/invite/:token", "", all(200), |w| at(&w.invite_token)).html(),
        r("GET", "/reset/:token", "", all(200), |w| at(&w.reset_token)).html(),
        r("GET", "/forgot-password", "", all(200), |_| none()).html(),

        r("POST", "/api/setup", "done", form(410), |_| body(json!({"helpdesk_name": "X", "name": "Xi", "email": "xi@example.com", "password": "a long password"}))),
        r("POST", "/api/login", "", form(200), |_| body(json!({"email": "agent@example.com", "password": world::AGENT_PASSWORD}))),
        r("POST", "/api/logout", "", staff(200, 200, 200), |_| none().fresh_session()),
        r("GET", "/api/me", "", staff(200, 200, 200), |_| none()),
        r("PATCH", "/api/me/prefs", "", staff(200, 200, 200), |_| body(json!({"notifications": true}))),
        // A real change would end the caller's other sessions (the ones later rows use): a wrong
        // current password shows who reaches the check (tests/sessions.rs covers the change).
        r("POST", "/api/me/password", "wrong current password", staff(403, 403, 403), |_| {
            body(json!({"current_password": "not the password", "new_password": "a brand new password"}))
        }),
        r("GET", "/api/users", "", admins(200), |_| none()),
        r("POST", "/api/users", "", admins(201), |_| body(json!({"email": "new@example.com", "name": "New", "password": "new password 1"}))),
        r("PATCH", "/api/users/:id", "", admins(200), |w| at(w.target_user).body(json!({"name": "Tess Renamed"}))),
        r("POST", "/api/users/:id/deactivate", "fresh user", admins(200), |w| at(w.fresh_user())),
        r("POST", "/api/users/:id/password-reset", "fresh user", admins(201), |w| at(w.fresh_user())),
        r("GET", "/api/reset/:token", "", all(200), |w| at(&w.reset_token)),
        // Ends every session of a fresh user, whose link it is, and signs the caller in as them.
        r("POST", "/api/reset/:token", "fresh user's link", form(200), |w| at(w.fresh_reset()).body(json!({"password": "a reset password"}))),

        r("GET", "/api/conversations", "mine", staff(200, 200, 200), |_| none()),
        r("GET", "/api/conversations", "from customers", staff(403, 200, 200), |_| none().query("section=customers")),
        r("POST", "/api/conversations", "", staff(201, 201, 201), |w| body(json!({"user_ids": [w.agent_id, w.support_id], "body": "Lunch?"}))),
        r("GET", "/api/conversations/:id", "live chat A", staff(404, 200, 200), |w| at(w.live_a)),
        r("GET", "/api/conversations/:id", "team: admin+support", staff(404, 200, 200), |w| at(w.team_private)),
        r("GET", "/api/conversations/:id", "team: agent+support", staff(200, 200, 404), |w| at(w.team_agent)),
        r("GET", "/api/conversations/:id/messages", "live chat A", staff(404, 200, 200), |w| at(w.live_a)),
        r("GET", "/api/conversations/:id/messages", "team: agent+support", staff(200, 200, 404), |w| at(w.team_agent)),
        r("POST", "/api/conversations/:id/messages", "live chat A", staff(404, 201, 201), |w| at(w.live_a).body(json!({"body": "On it."}))),
        r("POST", "/api/conversations/:id/messages", "team: admin+support", staff(404, 201, 201), |w| at(w.team_private).body(json!({"body": "Ok."}))),
        r("POST", "/api/conversations/:id/messages", "team: agent+support", staff(201, 201, 404), |w| at(w.team_agent).body(json!({"body": "Ok."}))),
        r("POST", "/api/conversations/:id/status", "live chat A", staff(404, 200, 200), |w| at(w.live_a).body(json!({"status": "open"}))),
        r("POST", "/api/conversations/:id/read", "live chat A", staff(404, 200, 200), |w| at(w.live_a).body(json!({}))),
        r("POST", "/api/conversations/:id/read", "team: agent+support", staff(200, 200, 404), |w| at(w.team_agent).body(json!({}))),
        r("POST", "/api/conversations/:id/follow", "live chat A", staff(404, 200, 200), |w| at(w.live_a)),
        r("DELETE", "/api/conversations/:id/follow", "live chat A", staff(404, 200, 200), |w| at(w.live_a)),
        r("PATCH", "/api/messages/:id", "support's, live chat A", staff(404, 200, 403), |w| at(w.support_msg).body(json!({"body": "Edited."}))),
        r("DELETE", "/api/messages/:id", "fresh, support's", staff(404, 200, 200), |w| at(w.fresh_support_message())),
        r("GET", "/api/messages/:id/revisions", "live chat A", admins(200), |w| at(w.support_msg)),
        r("GET", "/api/messages/:id/revisions", "team: agent+support", admins(404), |w| at(w.team_agent_msg)),
        r("GET", "/api/search", "", staff(200, 200, 200), |_| none().query("q=secret")),
        r("GET", "/api/team", "", staff(200, 200, 200), |_| none()),
        r("GET", "/api/customers/:id", "visitor A", staff(404, 200, 200), |w| at(w.a.id)),
        r("POST", "/api/helpdesk/status", "", staff(403, 200, 200), |_| body(json!({"online": true}))),

        r("GET", "/api/conversations/:id/item-draft", "live chat A", staff(404, 200, 200), |w| at(w.live_a)),
        r("GET", "/api/conversations/:id/item-draft", "team: agent+support", staff(200, 200, 404), |w| at(w.team_agent)),
        r("POST", "/api/conversations/:id/items", "fresh live chat", staff(404, 201, 201), |w| at(w.fresh_live_chat()).body(json!({"kind": "task", "title": "Call back"}))),
        r("POST", "/api/conversations/:id/link", "fresh live chat", staff(404, 200, 200), |w| at(w.fresh_live_chat()).body(json!({"item_id": w.item_plain}))),
        r("DELETE", "/api/conversations/:id/link", "fresh linked live chat", staff(404, 200, 200), |w| at(w.fresh_linked_live_chat())),
        r("GET", "/api/items", "", staff(200, 200, 200), |_| none()),
        r("POST", "/api/items", "", staff(201, 201, 201), |_| body(json!({"kind": "task", "title": "Order stamps"}))),
        r("GET", "/api/items/:id", "visitor A's ticket", staff(404, 200, 200), |w| at(w.item_customer)),
        r("GET", "/api/items/:id", "team: agent+support", staff(200, 200, 404), |w| at(w.item_team)),
        r("PATCH", "/api/items/:id", "visitor A's ticket", staff(404, 200, 200), |w| at(w.item_customer).body(json!({"priority": "high"}))),
        r("POST", "/api/items/:id/follow", "visitor A's ticket", staff(404, 200, 200), |w| at(w.item_customer)),
        r("DELETE", "/api/items/:id/follow", "visitor A's ticket", staff(404, 200, 200), |w| at(w.item_customer)),

        r("POST", "/api/conversations/:id/assignee", "live chat A", staff(404, 200, 200), |w| at(w.live_a).body(json!({"user_id": w.support_id}))),
        r("POST", "/api/me/status", "", staff(200, 200, 200), |_| body(json!({"status": "online"}))),

        // issue 15: labels and customer records
        r("GET", "/api/labels", "", staff(200, 200, 200), |_| none()),
        r("POST", "/api/labels", "", admins(201), |_| body(json!({"name": "Refunds", "color": "#d92d20"}))),
        r("PATCH", "/api/labels/:id", "fresh label", admins(200), |w| at(w.fresh_label()).body(json!({"color": "#12b76a"}))),
        r("DELETE", "/api/labels/:id", "fresh label", admins(200), |w| at(w.fresh_label())),
        r("PUT", "/api/conversations/:id/labels", "live chat A", staff(404, 200, 200), |w| at(w.live_a).body(json!({"labels": [w.fresh_label()]}))),
        r("PUT", "/api/conversations/:id/labels", "team: agent+support", staff(200, 200, 404), |w| at(w.team_agent).body(json!({"labels": [w.fresh_label()]}))),
        r("PATCH", "/api/customers/:id", "visitor A", staff(404, 200, 200), |w| at(w.a.id).body(json!({"note": "Prefers email."}))),

        r("GET", "/widget.js", "", all(200), |_| none()),
        r("GET", "/widget", "", all(200), |_| none()).html(),
        r("GET", "/widget/preview", "", all(200), |_| none()).html(),
        r("GET", "/api/widget/settings", "", all(200), |_| none()),
        r("POST", "/api/widget/visitors", "", all(201), |_| body(json!({"name": "Nia"}))),
        r("POST", "/api/widget/identify", "no user_hash", visitors(200), |_| body(json!({"user_id": "shop-42", "name": "Vera"}))),
        r("PATCH", "/api/widget/visitor", "", visitors(200), |_| body(json!({"page_url": "https://shop.example/help"}))),
        r("GET", "/api/widget/session", "", visitors(200), |_| none()),
        r("POST", "/api/widget/conversation", "", visitors(200), |_| none()),
        r("GET", "/api/widget/messages", "", visitors(200), |_| none()),
        r("POST", "/api/widget/messages", "", visitors(201), |_| body(json!({"body": "Any news?"}))),
        // A customer rating their own closing, and not another's: tests/csat.rs.
        r("POST", "/api/widget/csat", "no such closing", visitors(404), |_| body(json!({"closing": 999_999, "score": 5}))),

        r("GET", "/api/settings", "", admins(200), |_| none()),
        r("PATCH", "/api/settings", "", admins(200), |_| body(json!({"reply_time": "In a few minutes."}))),
        r("GET", "/api/admin/widget", "", admins(200), |_| none()),
        r("POST", "/api/admin/identity-secret", "", admins(200), |_| none()),
        r("DELETE", "/api/admin/identity-secret", "", admins(200), |_| none()),
        r("GET", "/api/admin/backup", "", admins(200), |_| none()),
        r("GET", "/api/admin/backups", "", admins(200), |_| none()),
        r("GET", "/api/admin/export", "", admins(200), |_| none()),
        r("POST", "/api/admin/retention/run", "", admins(200), |_| none()),
        r("GET", "/api/audit", "", admins(200), |_| none()),
        r("GET", "/api/invites", "", admins(200), |_| none()),
        r("POST", "/api/invites", "", admins(201), |_| body(json!({"email": "newbie@example.com"}))),
        r("DELETE", "/api/invites/:id", "", admins(200), |w| at(w.invite_id)),
        r("GET", "/api/invite/:token", "", all(200), |w| at(&w.invite_token)),
        r("POST", "/api/invite/:token", "fresh invite", form(201), |w| at(w.fresh_invite()).body(json!({"name": "Ivy", "password": "invitee password"}))),

        r("GET", "/api/replies", "", staff(200, 200, 200), |_| none()),
        r("POST", "/api/replies", "shared", admins(201), |_| body(json!({"scope": "shared", "title": "Bye", "shortcut": "bye", "body": "Bye!"}))),
        r("POST", "/api/replies", "personal", staff(201, 201, 201), |_| body(json!({"scope": "personal", "title": "Bye", "shortcut": "bye", "body": "Bye!"}))),
        r("PATCH", "/api/replies/:id", "shared", admins(200), |w| at(w.shared_reply).body(json!({"title": "Hello there"}))),
        r("PATCH", "/api/replies/:id", "support's personal", staff(404, 200, 404), |w| at(w.support_reply).body(json!({"title": "Still mine"}))),
        r("DELETE", "/api/replies/:id", "fresh shared", admins(200), |w| at(w.fresh_shared_reply())),
        r("DELETE", "/api/replies/:id", "fresh, support's personal", staff(404, 200, 404), |w| at(w.fresh_support_reply())),

        // issue 19: webhooks, admins only. The matrix's server keeps the default setting, so a
        // loopback URL is refused (422); no endpoint exists, so the others are 404 (tests/webhooks.rs
        // covers each with a real receiver).
        r("GET", "/api/webhooks", "", admins(200), |_| none()),
        r("POST", "/api/webhooks", "loopback refused", admins(422), |_| body(json!({"url": "http://127.0.0.1:9/", "events": ["message.created"]}))),
        r("PATCH", "/api/webhooks/:id", "none", admins(404), |_| at(1).body(json!({"enabled": false}))),
        r("DELETE", "/api/webhooks/:id", "none", admins(404), |_| at(1)),
        r("POST", "/api/webhooks/:id/test", "none", admins(404), |_| at(1)),
        r("GET", "/api/webhooks/:id/deliveries", "none", admins(404), |_| at(1)),
        r("POST", "/api/webhooks/:id/rotate-secret", "none", admins(404), |_| at(1)),
        r("POST", "/api/webhooks/deliveries/:id/retry", "none failed", admins(404), |_| at(1)),

        // issue 16: email. The matrix's server has no mail server: what needs one answers 409 to
        // those who reach it (tests/email.rs covers each with real servers).
        r("GET", "/api/admin/email", "", admins(200), |_| none()),
        r("POST", "/api/admin/email/test", "not set up", admins(409), |_| body(json!({"to": "someone@example.com"}))),
        r("POST", "/api/admin/outbox/:id/retry", "no failed delivery", admins(404), |_| at(1)),
        r("GET", "/api/mail/held", "", staff(403, 200, 200), |_| none()),
        r("POST", "/api/mail/held/:id/accept", "none held", staff(403, 404, 404), |_| at(1)),
        r("POST", "/api/mail/held/:id/reject", "none held", staff(403, 404, 404), |_| at(1)),
        r("GET", "/mail/open", "", all(303), |_| none().query("r=1.99999999999999.0123")),
        r("GET", "/mail/stop", "forged", all(404), |_| none().query("r=1.0123")),
        r("POST", "/mail/stop", "forged", all(404), |_| none().query("r=1.0123")),
        r("GET", "/api/password/forgot", "", all(200), |_| none()),
        r("POST", "/api/password/forgot", "not set up", form(409), |_| body(json!({"email": "agent@example.com"}))),
        r("POST", "/api/widget/resume", "forged", all(410), |_| body(json!({"token": "1.99999999999999.0123"}))),
        r("POST", "/api/widget/transcript", "not set up", visitors(409), |_| none()),
        // issue 17: files. An upload is the raw file (here a line of text); a file is read where its
        // message may be read, a note's never by a customer, an unsent upload only by its uploader.
        r("POST", "/api/files", "", staff(201, 201, 201), |_| body(json!({"note": "text"})).query("upload_id=authz-1&name=n.txt")),
        r("POST", "/api/widget/files", "", visitors(201), |_| body(json!({"note": "text"})).query("upload_id=authz-1&name=n.txt")),
        r("GET", "/files/:key", "visitor A's, live chat A", staff(404, 200, 200), |w| at(&w.file_a)),
        r("GET", "/files/:key", "a note in live chat A", staff(404, 200, 200), |w| at(&w.file_note)),
        r("GET", "/files/:key", "team: agent+support", staff(200, 200, 404), |w| at(&w.file_team)),
        r("GET", "/files/:key", "B's, never sent", staff(404, 404, 404), |w| at(&w.file_b_unsent)),
        r("GET", "/api/widget/files/:key", "visitor A's, live chat A", [401, 200, 404, 401, 401, 401, 401, 401], |w| at(&w.file_a)),
        r("GET", "/api/widget/files/:key", "a note in live chat A", visitors(404), |w| at(&w.file_note)),
        r("GET", "/api/widget/files/:key", "team: agent+support", visitors(404), |w| at(&w.file_team)),
        r("GET", "/api/widget/files/:key", "B's, never sent", [401, 404, 200, 401, 401, 401, 401, 401], |w| at(&w.file_b_unsent)),

        // Exists only in test servers; panics for anyone.
        r("GET", "/api/reports", "one's own (an admin: everyone's)", staff(200, 200, 200), |_| none().query("range=30d")),
        r("GET", "/api/reports", "the admin's (user 1)", staff(403, 403, 200), |_| none().query("agent=1")),
        r("GET", "/reports", "", page(200, 200, 200), |_| none()).html(),

        // issue 19: API tokens (tests/tokens.rs walks ROUTES with each scope) and the OpenAPI document.
        r("POST", "/api/tokens", "", staff(201, 201, 201), |_| body(json!({"name": "Script", "scope": "read"}))),
        r("GET", "/api/tokens", "", staff(200, 200, 200), |_| none()),
        r("GET", "/api/tokens", "everyone's", staff(403, 403, 200), |_| none().query("all=1")),
        r("DELETE", "/api/tokens/:id", "fresh, support's", staff(404, 200, 200), |w| at(w.fresh_support_token())),
        r("GET", "/api/openapi.json", "", all(200), |_| none()),

        r("GET", "/__test/panic", "", all(500), |_| none()),
        // Exists only in test servers: the file sweep (tests/files.rs), for anyone.
        r("POST", "/__test/sweep-files", "", all(200), |_| none()),
        r("POST", "/__test/clock", "tells the time (setting it would revive the expired session)", all(200), |_| body(json!({}))),
    ]
}

/// WebSocket admission: the status before (or instead of) the 101, per caller.
const SOCKET_ROWS: &[(&str, [u16; 8])] =
    &[("/ws/agent", [401, 401, 401, 101, 101, 101, 401, 401]), ("/ws/widget", [401, 101, 101, 401, 401, 401, 401, 401])];

/// Callers with an open socket for the frame matrix (visitor A on `/ws/widget`, the rest on `/ws/agent`).
const FRAME_CALLERS: [Caller; 4] = [Caller::VisitorA, Caller::Agent, Caller::Support, Caller::Admin];
/// A frame type the server must refuse.
const UNKNOWN_FRAME: &str = "shout";

/// One frame row: the frame type, the conversation agents name (`target`), and the reply for each
/// of `FRAME_CALLERS` ("none" = no reply). Visitor A always names visitor B's live chat: the server must
/// act on A's own, so an `ack` into anything else is reported as a mismatch (a `read` marks A's own
/// conversation seen: tests/customers.rs).
#[rustfmt::skip]
fn frame_rows() -> Vec<FrameRow> {
    vec![
        f("resume", "", |w| w.live_a, ["resumed", "resumed", "resumed", "resumed"]),
        f("ping", "", |w| w.live_a, ["pong", "pong", "pong", "pong"]),
        f("send", "live chat A", |w| w.live_a, ["ack", "error 404", "ack", "ack"]),
        f("send", "team: admin+support", |w| w.team_private, ["ack", "error 404", "ack", "ack"]),
        f("send", "team: agent+support", |w| w.team_agent, ["ack", "ack", "ack", "error 404"]),
        f("typing", "live chat A", |w| w.live_a, ["none", "error 404", "none", "none"]),
        f("typing", "team: admin+support", |w| w.team_private, ["none", "error 404", "none", "none"]),
        f("typing", "team: agent+support", |w| w.team_agent, ["none", "none", "none", "error 404"]),
        f("read", "live chat A", |w| w.live_a, ["read.ok", "error 404", "read.ok", "read.ok"]),
        f("read", "team: admin+support", |w| w.team_private, ["read.ok", "error 404", "read.ok", "read.ok"]),
        f("read", "team: agent+support", |w| w.team_agent, ["read.ok", "read.ok", "read.ok", "error 404"]),
        // issue 17: the `attachments` field. One's own upload goes where one may send; anyone else's
        // (visitor B's, never sent) is refused whoever names it.
        f("send", "live chat A, own upload", |w| w.live_a, ["ack", "error 404", "ack", "ack"])
            .files(|w, c| json!([w.own_uploads.iter().find(|(o, _)| *o == c).map(|(_, k)| k.clone())])),
        f("send", "live chat A, B's upload", |w| w.live_a, ["error 422", "error 404", "error 422", "error 422"])
            .files(|w, _| json!([w.file_b_unsent])),
        f(UNKNOWN_FRAME, "", |w| w.live_a, ["error 400", "error 400", "error 400", "error 400"]),
    ]
}

#[test]
fn the_matrix_has_a_row_for_every_route_socket_and_frame_type() {
    let rows = rows();
    let mut problems = Vec::new();
    for route in ROUTES {
        if !rows.iter().any(|r| r.method == route.method && r.pattern == route.pattern) {
            problems.push(format!("no matrix row for {} {}", route.method, route.pattern));
        }
    }
    for row in &rows {
        match ROUTES.iter().find(|r| r.method == row.method && r.pattern == row.pattern) {
            None => problems.push(format!("matrix row for {} {}, which is not a route", row.method, row.pattern)),
            Some(route) => {
                for (c, s) in CALLERS.iter().zip(row.expect) {
                    if (200..300).contains(&s) && !admits(route.auth, *c) {
                        problems.push(format!("{} {} is {:?}, but the matrix lets {} in", row.method, row.pattern, route.auth, c.name()));
                    }
                }
            }
        }
    }
    for (path, auth) in SOCKETS {
        match SOCKET_ROWS.iter().find(|(p, _)| p == path) {
            None => problems.push(format!("no matrix row for socket {path}")),
            Some((_, expect)) => {
                for (c, s) in CALLERS.iter().zip(expect) {
                    if *s == 101 && !admits(*auth, *c) {
                        problems.push(format!("socket {path} is {auth:?}, but the matrix lets {} in", c.name()));
                    }
                }
            }
        }
    }
    problems.extend(
        SOCKET_ROWS.iter().filter(|(p, _)| !SOCKETS.iter().any(|(s, _)| s == p)).map(|(p, _)| format!("row for unknown socket {p}")),
    );
    let frames = frame_rows();
    problems.extend(FRAME_TYPES.iter().filter(|t| !frames.iter().any(|f| f.kind == **t)).map(|t| format!("no matrix row for frame {t}")));
    problems.extend(
        frames
            .iter()
            .filter(|f| f.kind != UNKNOWN_FRAME && !FRAME_TYPES.contains(&f.kind))
            .map(|f| format!("row for unknown frame {}", f.kind)),
    );
    assert!(!FRAME_TYPES.contains(&UNKNOWN_FRAME), "{UNKNOWN_FRAME} is a real frame type now: pick another unknown one");
    assert!(problems.is_empty(), "the authorization matrix is out of date:\n{}", problems.join("\n"));
}

#[test]
fn every_route_answers_each_caller_as_the_matrix_says() {
    let s = Server::start();
    let admin = s.admin();
    let w1 = World::build(&s, admin);
    // The expired session gets a server of its own: moving its clock would expire everyone's.
    let s2 = Server::start();
    let stale = s2.admin();
    s2.running.as_ref().unwrap().app.clock.advance(31 * 24 * 3600 * 1000);
    let mut w2 = World::build(&s2, s2.login(ADMIN_LOGIN.0, ADMIN_LOGIN.1));
    w2.only_expired(&stale);

    let mut mismatches = Vec::new();
    let mut cells = 0;
    for row in rows() {
        let label =
            format!("{} {} {}", row.method, row.pattern, if row.what.is_empty() { String::new() } else { format!("[{}]", row.what) });
        for (caller, expect) in CALLERS.into_iter().zip(row.expect) {
            let w = if w1.has(caller) { &w1 } else { &w2 };
            let call = (row.call)(w);
            let who = w.who(caller, call.fresh_session);
            let resp = w.send(&who, row.method, &path(row.pattern, &call), call.body.as_ref(), FORMS.contains(&row.pattern));
            caller.check_reads(&label, &resp.text());
            cells += 1;
            if resp.status != expect {
                mismatches.push(format!("{label:<58} {:<16} {expect:<9} {:<9} {}", caller.name(), resp.status, excerpt(&resp.text())));
            } else if let Some(got) = not_a_page(&row, resp.status, resp.header("content-type")) {
                mismatches.push(format!(
                    "{label:<58} {:<16} {:<9} {got:<9} {}",
                    caller.name(),
                    format!("{expect} page"),
                    excerpt(&resp.text())
                ));
            }
        }
    }
    for (endpoint, expect) in SOCKET_ROWS {
        for (caller, expect) in CALLERS.into_iter().zip(expect) {
            let w = if w1.has(caller) { &w1 } else { &w2 };
            let (status, _socket) = w.open_socket(&w.who(caller, false), endpoint);
            cells += 1;
            if status != *expect {
                mismatches.push(format!("{:<58} {:<16} {expect:<9} {status:<9}", format!("WS {endpoint}"), caller.name()));
            }
        }
    }
    assert_eq!(cells, (rows().len() + SOCKET_ROWS.len()) * CALLERS.len());
    report(&mismatches);
}

#[test]
fn every_socket_frame_answers_each_caller_as_the_matrix_says() {
    let s = Server::start();
    let admin = s.admin();
    let w = World::build(&s, admin);
    let mut sockets: Vec<Ws> = vec![w.a.ws(), w.agent.ws(), w.support.ws(), w.admin.ws()];
    let mut mismatches = Vec::new();
    let marker = "sent-on-visitor-a-socket";
    for row in frame_rows() {
        let label = format!("{} {}", row.kind, if row.what.is_empty() { String::new() } else { format!("[{}]", row.what) });
        for ((caller, ws), expect) in FRAME_CALLERS.into_iter().zip(&mut sockets).zip(row.expect) {
            let visitor = caller == Caller::VisitorA;
            let conv = if visitor { w.live_b } else { (row.target)(&w) };
            let body = if visitor { marker } else { "Sent on a socket." };
            let mut frame =
                json!({"type": row.kind, "conversation_id": conv, "body": body, "client_msg_id": common::rand_id(), "typing": true});
            if let Some(files) = row.files {
                frame["attachments"] = files(&w, caller);
            }
            let got = answer(ws, caller, &frame, visitor.then_some(w.live_a));
            if got != expect {
                mismatches.push(format!("{label:<58} {:<16} {expect:<9} {got}", caller.name()));
            }
        }
    }
    report(&mismatches);
    // What visitor A sent naming B's conversation is in A's, and never in B's.
    assert!(w.a.history().iter().any(|m| m["body"] == marker), "what A sent on its socket is not in A's conversation");
    assert!(!w.b.history().iter().any(|m| m["body"] == marker), "what A sent on its socket reached B's conversation");
}

/// The table decides `405` and its `Allow` too: any other method on a route's path lists exactly
/// the table's methods for that pattern (plus HEAD with GET).
#[test]
fn every_route_refuses_other_methods_with_405_and_its_allow_list() {
    let s = Server::start();
    let mut wrong = Vec::new();
    for route in ROUTES {
        let methods: Vec<&str> = ROUTES.iter().filter(|r| r.pattern == route.pattern).map(|r| r.method).collect();
        let allow: Vec<&str> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
            .into_iter()
            .filter(|m| methods.contains(m) || (*m == "HEAD" && methods.contains(&"GET")))
            .collect();
        let r = raw_request(s.addr, "BREW", &path(route.pattern, &at(1)), &[], b"");
        if r.status != 405 || r.header("allow") != Some(allow.join(", ").as_str()) {
            wrong.push(format!("{}: {} Allow {:?}, expected 405 Allow {:?}", route.pattern, r.status, r.header("allow"), allow.join(", ")));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(raw_request(s.addr, "GET", "/api/nothing-here", &[], b"").status, 404);
    let r = raw_request(s.addr, "PATCH", "/api/users/abc", &[], b"");
    assert_eq!((r.status, r.json()["error"].as_str()), (404, Some("'abc' is not a valid id.")));
}

/// Ways a session ends while a socket opened with it is still open.
type End = fn(admin: &Client, me: &Client, my_id: i64) -> u16;

#[test]
fn an_open_socket_ends_when_its_session_does() {
    let s = Server::start();
    let admin = s.admin();
    let ends: [(&str, End); 3] = [
        ("signed out", |_, me, _| me.post_json("/api/logout", &json!({})).status),
        ("password set by an admin", |admin, _, id| {
            admin.patch_json(&format!("/api/users/{id}"), &json!({"password": "a new password"})).status
        }),
        ("deactivated", |admin, _, id| admin.post_json(&format!("/api/users/{id}/deactivate"), &json!({})).status),
    ];
    let mut still_open = Vec::new();
    for (i, (how, end)) in ends.into_iter().enumerate() {
        let email = format!("sam{i}@example.com");
        let me = s.agent(&admin, &email, "Sam Support", true);
        let id = me.id();
        let mut socket = me.ws();
        socket.resume(None);
        // Signing out ends one session: a socket of the same user's other session stays.
        let other = s.login(&email, world::AGENT_PASSWORD);
        let mut other_socket = other.ws();
        other_socket.resume(None);
        assert_eq!(end(&admin, &me, id), 200, "{how}");
        if !socket.closed_by_server() {
            still_open.push(how);
        }
        if how == "signed out" {
            other_socket.send(&json!({"type": "ping"}));
            assert_eq!(other_socket.recv_type("pong")["type"], "pong", "the other session's socket is still open");
        }
    }
    assert!(still_open.is_empty(), "sockets still open after their session ended: {still_open:?}");
}
