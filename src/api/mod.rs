//! Routing: one table, `ROUTES`, one line per route. Dispatch, `405` with `Allow`, and `404` are all
//! derived from it, and so is the authorization matrix (tests/authz.rs). A handler is
//! `fn(&App, &Request, ...) -> Result<Response>`: parse, authorize, call `db`, answer; the table
//! adapts each one to `Handler` with a closure that passes on the path's `:id` or `:name` segment.

pub mod admin;
pub mod admin_availability;
pub mod admin_data;
pub mod admin_team;
pub mod assignment;
pub mod conversations;
pub mod customers;
pub mod email;
pub mod files;
pub mod items;
pub mod labels;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod password_resets;
pub mod prefs;
pub mod replies;
pub mod reports;
pub mod session;
pub mod settings_api;
pub mod socket;
pub mod tokens;
pub mod users;
pub mod webhooks;
pub mod widget;
pub mod widget_pages;

use std::sync::Arc;

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::{Request, Response};
use Auth::{Admin, Agent, Public, Support, Test, Visitor};

/// Who a route (or WebSocket endpoint) is for. The handler does the checking, first thing; this
/// names it for readers and for the authorization matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// Anyone: pages, sign-in, the widget's public parts, invite sign-up, password reset links.
    Public,
    /// A widget visitor (`Authorization: Bearer VISITOR_TOKEN`); it reaches only its own customer.
    Visitor,
    /// A signed-in agent (session cookie, CSRF on changes); what they see is narrowed per resource.
    Agent,
    /// Customer-support agents and admins.
    Support,
    /// Admins.
    Admin,
    /// Exists only with `config.test_routes` (tests), for anyone.
    Test,
}

/// A route's handler, given the path's parameters.
pub type Handler = fn(&Arc<App>, &Request, &Params<'_>) -> Result<Response>;

/// One line of the table: `pattern` segments are literals, `:name` (any one segment; `:id` must be a
/// positive integer, else `404`), or a final `*` (any rest, even none).
pub struct Route {
    pub method: &'static str,
    pub pattern: &'static str,
    pub auth: Auth,
    pub handler: Handler,
}

const fn r(method: &'static str, pattern: &'static str, auth: Auth, handler: Handler) -> Route {
    Route { method, pattern, auth, handler }
}

/// Every HTTP route. HEAD is answered wherever GET is (the server runs GET and drops the body).
/// WebSocket endpoints are `socket::SOCKETS`, decided before routing.
#[rustfmt::skip]
pub const ROUTES: &[Route] = &[
    r("GET", "/healthz", Public, |_, _, _| Ok(Response::text(200, "ok"))),
    r("GET", "/readyz", Public, |a, _, _| metrics::readyz(a)),
    // Admins' sessions, or `Authorization: Bearer <--metrics-token>` (Prometheus).
    r("GET", "/metrics", Admin, |a, q, _| metrics::metrics(a, q)),
    r("GET", "/", Agent, |a, q, _| pages::index(a, q)),
    r("GET", "/setup", Public, |a, q, _| pages::setup(a, q)),
    r("GET", "/login", Public, |a, q, _| pages::login(a, q)),
    r("GET", "/assets/*", Public, |_, q, _| pages::asset(q)),
    r("GET", "/favicon.ico", Public, |_, q, _| pages::asset_at(q, "shared/favicon.svg")),
    r("GET", "/admin", Admin, |a, q, _| admin::page(a, q)),
    r("GET", "/admin/:section", Admin, |a, q, p| admin::section(a, q, p.get("section"))),
    r("GET", "/invite/:token", Public, |_, q, _| admin::invite_page(q)),
    r("GET", "/reset/:token", Public, |_, q, _| pages::reset(q)),
    r("GET", "/forgot-password", Public, |_, q, _| pages::reset(q)),

    r("POST", "/api/setup", Public, |a, q, _| session::setup(a, q)),
    r("POST", "/api/login", Public, |a, q, _| session::login(a, q)),
    r("POST", "/api/logout", Agent, |a, q, _| session::logout(a, q)),
    r("GET", "/api/me", Agent, |a, q, _| session::me(a, q)),
    r("PATCH", "/api/me/prefs", Agent, |a, q, _| prefs::update(a, q)),
    r("POST", "/api/me/password", Agent, |a, q, _| users::change_own_password(a, q)),
    r("GET", "/api/users", Admin, |a, q, _| users::list(a, q)),
    r("POST", "/api/users", Admin, |a, q, _| users::create(a, q)),
    r("PATCH", "/api/users/:id", Admin, |a, q, p| users::update(a, q, p.id)),
    r("POST", "/api/users/:id/deactivate", Admin, |a, q, p| users::deactivate(a, q, p.id)),
    r("POST", "/api/users/:id/password-reset", Admin, |a, q, p| password_resets::create(a, q, p.id)),
    r("GET", "/api/reset/:token", Public, |a, q, p| password_resets::show(a, q, p.get("token"))),
    r("POST", "/api/reset/:token", Public, |a, q, p| password_resets::reset(a, q, p.get("token"))),

    r("GET", "/api/conversations", Agent, |a, q, _| conversations::list(a, q)),
    r("POST", "/api/conversations", Agent, |a, q, _| conversations::create_team(a, q)),
    r("GET", "/api/conversations/:id", Agent, |a, q, p| conversations::get(a, q, p.id)),
    r("GET", "/api/conversations/:id/messages", Agent, |a, q, p| conversations::messages(a, q, p.id)),
    r("POST", "/api/conversations/:id/messages", Agent, |a, q, p| conversations::post(a, q, p.id)),
    r("POST", "/api/conversations/:id/status", Agent, |a, q, p| conversations::status(a, q, p.id)),
    r("POST", "/api/conversations/:id/read", Agent, |a, q, p| conversations::read(a, q, p.id)),
    r("POST", "/api/conversations/:id/follow", Agent, |a, q, p| conversations::follow(a, q, p.id, true)),
    r("DELETE", "/api/conversations/:id/follow", Agent, |a, q, p| conversations::follow(a, q, p.id, false)),
    r("PATCH", "/api/messages/:id", Agent, |a, q, p| conversations::edit_message(a, q, p.id)),
    r("DELETE", "/api/messages/:id", Agent, |a, q, p| conversations::delete_message(a, q, p.id)),
    r("GET", "/api/messages/:id/revisions", Admin, |a, q, p| conversations::revisions(a, q, p.id)),
    r("GET", "/api/search", Agent, |a, q, _| conversations::search(a, q)),
    r("GET", "/api/team", Agent, |a, q, _| conversations::team(a, q)),
    r("GET", "/api/customers/:id", Support, |a, q, p| customers::get(a, q, p.id)),
    r("POST", "/api/helpdesk/status", Support, |a, q, _| conversations::helpdesk_status(a, q)),

    r("GET", "/api/conversations/:id/item-draft", Agent, |a, q, p| items::draft(a, q, p.id)),
    r("POST", "/api/conversations/:id/items", Agent, |a, q, p| items::create_from_conversation(a, q, p.id)),
    r("POST", "/api/conversations/:id/link", Agent, |a, q, p| items::link(a, q, p.id)),
    r("DELETE", "/api/conversations/:id/link", Agent, |a, q, p| items::unlink(a, q, p.id)),
    r("GET", "/api/items", Agent, |a, q, _| items::list(a, q)),
    r("POST", "/api/items", Agent, |a, q, _| items::create(a, q)),
    r("GET", "/api/items/:id", Agent, |a, q, p| items::get(a, q, p.id)),
    r("PATCH", "/api/items/:id", Agent, |a, q, p| items::update(a, q, p.id)),
    r("POST", "/api/items/:id/follow", Agent, |a, q, p| items::follow(a, q, p.id, true)),
    r("DELETE", "/api/items/:id/follow", Agent, |a, q, p| items::follow(a, q, p.id, false)),

    r("POST", "/api/conversations/:id/assignee", Agent, |a, q, p| assignment::assign(a, q, p.id)),
    r("POST", "/api/me/status", Agent, |a, q, _| assignment::set_status(a, q)),

    // issue 15: labels and customer records
    r("GET", "/api/labels", Agent, |a, q, _| labels::list(a, q)),
    r("POST", "/api/labels", Admin, |a, q, _| labels::create(a, q)),
    r("PATCH", "/api/labels/:id", Admin, |a, q, p| labels::update(a, q, p.id)),
    r("DELETE", "/api/labels/:id", Admin, |a, q, p| labels::delete(a, q, p.id)),
    r("PUT", "/api/conversations/:id/labels", Agent, |a, q, p| labels::set(a, q, p.id)),
    r("PATCH", "/api/customers/:id", Support, |a, q, p| customers::update(a, q, p.id)),

    // issue 17: files. Uploads stream their body (`Frontdesk::body_plan`); the rules are desk::attachments.
    r("POST", "/api/files", Agent, |a, q, _| files::upload_agent(a, q)),
    r("GET", "/files/:key", Agent, |a, q, p| files::get_agent(a, q, p.get("key"))),
    r("POST", "/api/widget/files", Visitor, |a, q, _| files::upload_widget(a, q)),
    r("GET", "/api/widget/files/:key", Visitor, |a, q, p| files::get_widget(a, q, p.get("key"))),

    r("GET", "/widget.js", Public, |a, q, _| widget_pages::loader(a, q)),
    r("GET", "/widget", Public, |a, q, _| widget_pages::frame(a, q)),
    r("GET", "/widget/preview", Public, |a, q, _| widget_pages::preview(a, q)),
    r("GET", "/api/widget/settings", Public, |a, q, _| widget_pages::settings(a, q)),
    r("POST", "/api/widget/visitors", Public, |a, q, _| widget::create_visitor(a, q)),
    // A visitor's own name and email; with a valid `user_hash` (the host site's proof), no token.
    r("POST", "/api/widget/identify", Visitor, |a, q, _| widget::identify(a, q)),
    r("PATCH", "/api/widget/visitor", Visitor, |a, q, _| widget::update_visitor(a, q)),
    r("GET", "/api/widget/session", Visitor, |a, q, _| widget::session(a, q)),
    r("POST", "/api/widget/conversation", Visitor, |a, q, _| widget::start(a, q)),
    r("GET", "/api/widget/messages", Visitor, |a, q, _| widget::history(a, q)),
    r("POST", "/api/widget/messages", Visitor, |a, q, _| widget::send(a, q)),
    // issue 20: the customer's answer to the satisfaction question of one closing
    r("POST", "/api/widget/csat", Visitor, |a, q, _| widget::rate(a, q)),

    r("GET", "/api/settings", Admin, |a, q, _| settings_api::get(a, q)),
    r("PATCH", "/api/settings", Admin, |a, q, _| settings_api::update(a, q)),
    r("GET", "/api/admin/widget", Admin, |a, q, _| admin::widget_info(a, q)),
    r("POST", "/api/admin/identity-secret", Admin, |a, q, _| admin::rotate_secret(a, q)),
    r("DELETE", "/api/admin/identity-secret", Admin, |a, q, _| admin::clear_secret(a, q)),
    r("GET", "/api/admin/backup", Admin, |a, q, _| admin_data::backup(a, q)),
    r("GET", "/api/admin/backups", Admin, |a, q, _| admin_data::backups(a, q)),
    r("GET", "/api/admin/export", Admin, |a, q, _| admin_data::export(a, q)),
    r("POST", "/api/admin/retention/run", Admin, |a, q, _| admin_data::run_retention(a, q)),
    r("GET", "/api/audit", Admin, |a, q, _| admin::audit_log(a, q)),
    r("GET", "/api/invites", Admin, |a, q, _| admin_team::list(a, q)),
    r("POST", "/api/invites", Admin, |a, q, _| admin_team::create(a, q)),
    r("DELETE", "/api/invites/:id", Admin, |a, q, p| admin_team::revoke(a, q, p.id)),
    r("GET", "/api/invite/:token", Public, |a, q, p| admin_team::show(a, q, p.get("token"))),
    r("POST", "/api/invite/:token", Public, |a, q, p| admin_team::accept(a, q, p.get("token"))),

    // Saved replies: the shared ones (admins change them) and each agent's own (desk::replies).
    r("GET", "/api/replies", Agent, |a, q, _| replies::list(a, q)),
    r("POST", "/api/replies", Agent, |a, q, _| replies::create(a, q)),
    r("PATCH", "/api/replies/:id", Agent, |a, q, p| replies::update(a, q, p.id)),
    r("DELETE", "/api/replies/:id", Agent, |a, q, p| replies::delete(a, q, p.id)),

    // issue 16: email (the Email admin page, held replies, the links in mails, the widget's parts)
    r("GET", "/api/admin/email", Admin, |a, q, _| email::get(a, q)),
    r("POST", "/api/admin/email/test", Admin, |a, q, _| email::test(a, q)),
    r("POST", "/api/admin/outbox/:id/retry", Admin, |a, q, p| email::retry(a, q, p.id)),
    r("GET", "/api/mail/held", Support, |a, q, _| email::held(a, q)),
    r("POST", "/api/mail/held/:id/accept", Support, |a, q, p| email::decide(a, q, p.id, true)),
    r("POST", "/api/mail/held/:id/reject", Support, |a, q, p| email::decide(a, q, p.id, false)),
    r("GET", "/mail/open", Public, |a, q, _| email::open(a, q)),
    r("GET", "/mail/stop", Public, |a, q, _| email::stop(a, q)),
    r("POST", "/mail/stop", Public, |a, q, _| email::stop(a, q)),
    r("GET", "/api/password/forgot", Public, |a, q, _| password_resets::forgot_available(a, q)),
    r("POST", "/api/password/forgot", Public, |a, q, _| password_resets::forgot(a, q)),
    r("POST", "/api/widget/resume", Public, |a, q, _| widget::resume(a, q)),
    r("POST", "/api/widget/transcript", Visitor, |a, q, _| widget::transcript(a, q)),
    // issue 20: reports (an admin: everyone's; an agent: their own) and the agents' own page
    r("GET", "/api/reports", Agent, |a, q, _| reports::get(a, q)),
    r("GET", "/reports", Agent, |a, q, _| reports::page(a, q)),

    // issue 19: webhooks (admins; desk::webhooks, desk::webhook_send)
    r("GET", "/api/webhooks", Admin, |a, q, _| webhooks::list(a, q)),
    r("POST", "/api/webhooks", Admin, |a, q, _| webhooks::create(a, q)),
    r("PATCH", "/api/webhooks/:id", Admin, |a, q, p| webhooks::update(a, q, p.id)),
    r("DELETE", "/api/webhooks/:id", Admin, |a, q, p| webhooks::delete(a, q, p.id)),
    r("POST", "/api/webhooks/:id/test", Admin, |a, q, p| webhooks::test(a, q, p.id)),
    r("GET", "/api/webhooks/:id/deliveries", Admin, |a, q, p| webhooks::deliveries(a, q, p.id)),
    r("POST", "/api/webhooks/:id/rotate-secret", Admin, |a, q, p| webhooks::rotate(a, q, p.id)),
    r("POST", "/api/webhooks/deliveries/:id/retry", Admin, |a, q, p| webhooks::retry(a, q, p.id)),
    // issue 19: API tokens (desk::tokens) and the OpenAPI document of every /api route
    r("POST", "/api/tokens", Agent, |a, q, _| tokens::create(a, q)),
    r("GET", "/api/tokens", Agent, |a, q, _| tokens::list(a, q)),
    r("DELETE", "/api/tokens/:id", Agent, |a, q, p| tokens::revoke(a, q, p.id)),
    r("GET", "/api/openapi.json", Public, |_, _, _| openapi::serve()),

    r("GET", "/__test/panic", Test, |_, _, _| panic!("test panic")),
    // Browser tests build a history at chosen times: the clock rules and the writer read.
    r("POST", "/__test/clock", Test, |a, q, _| reports::test_clock(a, q)),
    r("POST", "/__test/sweep-files", Test, |a, _, _| {
        let (unsent, files) = crate::desk::attachments::sweep(a)?;
        Ok(Response::ok_json(&serde_json::json!({"unsent": unsent, "files": files})))
    }),
];

/// What the path gave a route's `:name` segments.
pub struct Params<'a> {
    /// The `:id` segment (0 for a pattern without one).
    pub id: i64,
    /// Every `:name` segment, as sent.
    named: Vec<(&'static str, &'a str)>,
}

impl Params<'_> {
    /// The `:name` segment, or "" if the pattern has none by that name.
    pub fn get(&self, name: &str) -> &str {
        self.named.iter().find(|(n, _)| *n == name).map_or("", |(_, v)| v)
    }
}

/// Dispatch by `ROUTES`: the first route whose pattern and method match runs; a path some route
/// matches with other methods is a `405` listing them; anything else is a `404`.
/// The application as the HTTP server sees it: the route table and the socket protocol.
pub struct Frontdesk(pub Arc<App>);

impl crate::http::server::Service for Frontdesk {
    fn handle(&self, req: &Request) -> Result<Response> {
        route(&self.0, req)
    }
    fn upgrade(&self, req: &Request) -> std::result::Result<(Response, crate::http::server::Upgraded), Response> {
        socket::upgrade(&self.0, req)
    }
    fn body_plan(&self, req: &Request) -> crate::http::server::BodyPlan {
        if files::is_upload(req) {
            let app = &self.0;
            // Over the limit: refused from the head, before a byte of the file is read.
            return crate::http::server::BodyPlan::Stream {
                limit: crate::desk::attachments::max_bytes(app),
                too_large: crate::desk::attachments::too_large(app),
            };
        }
        crate::http::server::BodyPlan::Read(crate::http::server::MAX_BODY)
    }
    fn observe(&self, req: &Request, status: u16, elapsed: std::time::Duration) {
        self.0.metrics.request(&req.method, pattern_of(&self.0, req), status, elapsed);
    }
}

/// The route table's pattern a request matched (for metrics: a label per route, not per path),
/// a WebSocket endpoint's path, or "unmatched".
pub fn pattern_of(app: &App, req: &Request) -> &'static str {
    if let Some((path, _)) = socket::SOCKETS.iter().find(|(path, _)| *path == req.path) {
        return path;
    }
    let segs: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    let method = if req.method == "HEAD" { "GET" } else { req.method.as_str() };
    let matching = || ROUTES.iter().filter(|r| r.auth != Test || app.config.test_routes).filter(|r| captures(r.pattern, &segs).is_some());
    // The route that ran, else (a 405) the first pattern the path fits.
    matching().find(|r| r.method == method).or_else(|| matching().next()).map_or("unmatched", |r| r.pattern)
}

pub fn route(app: &Arc<App>, req: &Request) -> Result<Response> {
    let segs: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    let mut methods = Vec::new();
    for r in ROUTES.iter().filter(|r| r.auth != Test || app.config.test_routes) {
        let Some(named) = captures(r.pattern, &segs) else { continue };
        if r.method != req.method {
            methods.push(r.method);
            continue;
        }
        let id = match named.iter().find(|(n, _)| *n == "id") {
            Some((_, s)) => parse_id(s)?,
            None => 0,
        };
        let answer = (r.handler)(app, req, &Params { id, named });
        if let Ok(resp) = &answer
            && (200..300).contains(&resp.status)
            && !matches!(req.method.as_str(), "GET" | "HEAD")
            && let Err(e) = crate::desk::tokens::audit_write(app, req, r.pattern, resp.status)
        {
            log::error!("audit of a change made with an API token ({} {}): {e:?}", req.method, req.path);
        }
        return answer;
    }
    if methods.is_empty() {
        return Err(Error::not_found(format!("Nothing at {}.", req.path)));
    }
    Err(method_not_allowed(&allow(methods)))
}

/// The `:name` segments of `segs` if they fit `pattern`, else `None`.
fn captures<'a>(pattern: &'static str, segs: &[&'a str]) -> Option<Vec<(&'static str, &'a str)>> {
    let mut named = Vec::new();
    let mut segs = segs.iter();
    for p in pattern.trim_matches('/').split('/') {
        if p == "*" {
            return Some(named);
        }
        let s = segs.next()?;
        match p.strip_prefix(':') {
            Some(name) => named.push((name, *s)),
            None if p == *s => {}
            None => return None,
        }
    }
    segs.next().is_none().then_some(named)
}

/// The `Allow` list: the given methods plus HEAD wherever GET is, in the usual order.
fn allow(mut methods: Vec<&'static str>) -> Vec<&'static str> {
    const ORDER: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
    if methods.contains(&"GET") {
        methods.push("HEAD");
    }
    methods.sort_by_key(|m| ORDER.iter().position(|o| o == m));
    methods.dedup();
    methods
}

/// 405 with the methods the path does accept.
pub fn method_not_allowed(allow: &[&str]) -> Error {
    Error::new(405, format!("Method not allowed here; use {}.", allow.join(" or "))).with_header("Allow", allow.join(", "))
}

pub fn parse_id(s: &str) -> Result<i64> {
    s.parse().ok().filter(|n: &i64| *n > 0).ok_or_else(|| Error::not_found(format!("'{s}' is not a valid id.")))
}
