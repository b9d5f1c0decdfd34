//! The machinery of the authorization matrix (tests/authz.rs): how a row is written (`r`, `Call`,
//! the expectation shorthands), filled in, and reported, and how a socket's reply to a frame is read.

use frontdesk::api::Auth;
use serde_json::{Value, json};

use crate::common::Ws;
use crate::world::{Caller, World};

/// The request a row sends: what fills the pattern's one `:param` or `*`, a query, a body, and
/// whether the caller signs in afresh first (for requests that end the session).
#[derive(Default)]
pub struct Call {
    pub fill: String,
    pub query: &'static str,
    pub body: Option<Value>,
    pub fresh_session: bool,
}

pub fn none() -> Call {
    Call::default()
}
pub fn at(fill: impl ToString) -> Call {
    Call { fill: fill.to_string(), ..Call::default() }
}
pub fn body(v: Value) -> Call {
    none().body(v)
}
impl Call {
    pub fn body(self, v: Value) -> Call {
        Call { body: Some(v), ..self }
    }
    pub fn query(self, q: &'static str) -> Call {
        Call { query: q, ..self }
    }
    pub fn fresh_session(self) -> Call {
        Call { fresh_session: true, ..self }
    }
}

/// One row: a route (and which of its resources), and the status for each caller in `CALLERS`
/// order: signed out, visitor A, visitor B, agent, support agent, admin, deactivated, expired.
pub struct Row {
    pub method: &'static str,
    pub pattern: &'static str,
    pub what: &'static str,
    pub expect: [u16; 8],
    pub call: fn(&World) -> Call,
    /// A page people open in a browser: every answer but a redirect is an HTML page (a refusal too).
    pub html: bool,
}

pub fn r(method: &'static str, pattern: &'static str, what: &'static str, expect: [u16; 8], call: fn(&World) -> Call) -> Row {
    Row { method, pattern, what, expect, call, html: false }
}

impl Row {
    /// The row is a page: its 2xx and 4xx answers must be HTML, not JSON.
    pub fn html(self) -> Row {
        Row { html: true, ..self }
    }
}

/// What a page row got that is not a page: "403 application/json", or None if it is fine.
pub fn not_a_page(row: &Row, status: u16, content_type: Option<&str>) -> Option<String> {
    let page = (300..400).contains(&status) || content_type.is_some_and(|c| c.starts_with("text/html"));
    (row.html && !page).then(|| format!("{status} {}", content_type.unwrap_or("(no type)")))
}

/// The same for everyone.
pub fn all(s: u16) -> [u16; 8] {
    [s; 8]
}
/// Needs a live session: everyone else gets 401; then the agent, the support agent, the admin.
pub fn staff(agent: u16, support: u16, admin: u16) -> [u16; 8] {
    [401, 401, 401, agent, support, admin, 401, 401]
}
pub fn admins(admin: u16) -> [u16; 8] {
    staff(403, 403, admin)
}
/// A page: without a live session, 303 to the sign-in page.
pub fn page(agent: u16, support: u16, admin: u16) -> [u16; 8] {
    [303, 303, 303, agent, support, admin, 303, 303]
}
/// The widget's API: a visitor token or 401.
pub fn visitors(ok: u16) -> [u16; 8] {
    [401, ok, ok, 401, 401, 401, 401, 401]
}
/// A sign-in, setup, invite or password reset form: any browser; the widget sends no `X-Frontdesk-Request` (403).
pub fn form(ok: u16) -> [u16; 8] {
    [ok, 403, 403, ok, ok, ok, ok, ok]
}
/// Routes whose pages send `X-Frontdesk-Request` instead of a session's CSRF token.
pub const FORMS: &[&str] = &["/api/setup", "/api/login", "/api/invite/:token", "/api/reset/:token", "/api/password/forgot"];

/// A frame row: see `frame_rows` in tests/authz.rs.
pub struct FrameRow {
    pub kind: &'static str,
    pub what: &'static str,
    pub target: fn(&World) -> i64,
    pub expect: [&'static str; 4],
    /// The frame's `attachments` for each caller (absent when `None`).
    pub files: Option<fn(&World, Caller) -> Value>,
}

pub fn f(kind: &'static str, what: &'static str, target: fn(&World) -> i64, expect: [&'static str; 4]) -> FrameRow {
    FrameRow { kind, what, target, expect, files: None }
}

impl FrameRow {
    /// The frame carries `attachments`.
    pub fn files(self, files: fn(&World, Caller) -> Value) -> FrameRow {
        FrameRow { files: Some(files), ..self }
    }
}

/// Who may be answered 2xx (or 101) by a route of each `Auth`.
pub fn admits(auth: Auth, c: Caller) -> bool {
    match auth {
        Auth::Public | Auth::Test => true,
        Auth::Visitor => matches!(c, Caller::VisitorA | Caller::VisitorB),
        Auth::Agent => matches!(c, Caller::Agent | Caller::Support | Caller::Admin),
        Auth::Support => matches!(c, Caller::Support | Caller::Admin),
        Auth::Admin => c == Caller::Admin,
    }
}

/// Fill the pattern's `:param` or `*` and add the query.
pub fn path(pattern: &str, call: &Call) -> String {
    let segs: Vec<&str> = pattern.split('/').map(|s| if s.starts_with(':') || s == "*" { call.fill.as_str() } else { s }).collect();
    let p = segs.join("/");
    if call.query.is_empty() { p } else { format!("{p}?{}", call.query) }
}

pub fn excerpt(text: &str) -> String {
    text.chars().take(90).collect::<String>().replace('\n', " ")
}

/// A failure report: one line per mismatched cell.
pub fn report(mismatches: &[String]) {
    assert!(
        mismatches.is_empty(),
        "{} cells differ from the matrix:\n{:<58} {:<16} {:<9} {:<9} {}\n{}",
        mismatches.len(),
        "route",
        "caller",
        "expected",
        "got",
        "answer",
        mismatches.join("\n")
    );
}

/// Send `frame`, then a ping, and read up to that ping's pong: the reply to `frame` ("none" if
/// there was none). Pushed events in between are skipped, but checked for secrets too.
pub fn answer(ws: &mut Ws, caller: Caller, frame: &Value, own_conversation: Option<i64>) -> String {
    ws.send(frame);
    ws.send(&json!({"type": "ping"}));
    let pongs = if frame["type"] == "ping" { 2 } else { 1 };
    let mut replies = Vec::new();
    while replies.iter().filter(|v: &&Value| v["type"] == "pong").count() < pongs {
        let v = ws.recv();
        caller.check_reads(&format!("a {} frame", frame["type"]), &v.to_string());
        if matches!(v["type"].as_str(), Some("ack" | "resumed" | "read.ok" | "pong" | "error" | "reload")) {
            replies.push(v);
        }
    }
    replies.pop();
    match replies.first() {
        None => "none".into(),
        Some(v) if v["type"] == "error" => format!("error {}", v["status"]),
        Some(v) if v["type"] == "ack" && own_conversation.is_some_and(|c| v["conversation_id"] != c) => {
            format!("ack into {}", v["conversation_id"])
        }
        Some(v) => v["type"].as_str().unwrap_or("?").to_string(),
    }
}
