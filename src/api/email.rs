//! Email (issue 16): the admin's Email page API (servers, whether the environment locks them, the
//! outbox with its failures and Retry, a test mail), replies held for an agent, and the public
//! links mails carry (reopen the conversation, stop these mails). The rules are `desk::mail*`,
//! `desk::outbox`, `desk::inbound`; settings change through `PATCH /api/settings`.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::App;
use crate::auth;
use crate::db;
use crate::desk::{self, mail};
use crate::error::{Error, Result};
use crate::http::{Request, Response};

/// The email settings as the admin page shows them: never a password, only whether one is set.
pub fn view(app: &App) -> Value {
    let s = app.settings();
    let server = |srv: Option<&crate::mailer::Server>| {
        srv.map(
            |e| json!({"host": e.host, "port": e.port, "security": e.security.name(), "user": e.user, "from": e.from, "folder": e.folder}),
        )
    };
    json!({
        "smtp_host": s.smtp_host, "smtp_port": s.smtp_port, "smtp_security": s.smtp_security, "smtp_user": s.smtp_user,
        "smtp_password_set": !s.smtp_password.is_empty(),
        "mail_from": s.mail_from, "mail_from_name": s.mail_from_name,
        "imap_host": s.imap_host, "imap_port": s.imap_port, "imap_security": s.imap_security, "imap_user": s.imap_user,
        "imap_password_set": !s.imap_password.is_empty(), "imap_folder": s.imap_folder,
        "email_delay_minutes": s.email_delay_minutes, "website_url": s.website_url,
        "alert_waiting_minutes": s.alert_waiting_minutes, "mail_mentions": s.mail_mentions,
        "locked": {
            "smtp": app.config.smtp_url.is_some(), "imap": app.config.imap_url.is_some(),
            "email_delay": app.config.email_delay_secs.is_some(),
        },
        "env": {"smtp": server(app.config.smtp_url.as_ref()), "imap": server(app.config.imap_url.as_ref())},
        "enabled": mail::enabled(app),
    })
}

/// `GET /api/admin/email`: the settings (`view`), the outbox (counts, failures, latest) and the
/// replies held for an agent.
pub fn get(app: &Arc<App>, req: &Request) -> Result<Response> {
    auth::require_admin(app, req)?;
    let held = app.db.read(|c| db::mail::held(c, 100))?;
    Ok(Response::ok_json(&json!({"email": view(app), "outbox": desk::outbox::overview(app)?, "held": held})))
}

#[derive(Deserialize)]
struct TestForm {
    to: String,
}

/// `POST /api/admin/email/test {to}`: `200 {ok, answer | error}` once the server answered; the
/// error is the server's own words (`535 5.7.8 Authentication failed`, `connection refused`).
pub fn test(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    let f: TestForm = req.json()?;
    Ok(Response::ok_json(&desk::mail_send::test(app, a.user.id, req.remote.to_string(), f.to.trim().to_string())?))
}

/// `POST /api/admin/outbox/:id/retry`: a failed delivery is queued again now.
pub fn retry(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    if !desk::outbox::retry(app, a.user.id, req.remote.to_string(), id)? {
        return Err(Error::not_found("No failed delivery with this id."));
    }
    Ok(Response::ok_json(&json!({"ok": true})))
}

/// `GET /api/mail/held`: replies by mail from another address than the customer's, waiting for an
/// agent (of the conversations this agent may see).
pub fn held(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require(app, req)?;
    if !a.user.sees_customers() {
        return Err(Error::forbidden("Only customer-support agents and admins see replies by mail."));
    }
    let list = app.db.read(|c| db::mail::held(c, 100))?;
    Ok(Response::ok_json(&json!({"held": list})))
}

/// `POST /api/mail/held/:id/accept` and `/reject`.
pub fn decide(app: &Arc<App>, req: &Request, id: i64, accept: bool) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    if !a.user.sees_customers() {
        return Err(Error::forbidden("Only customer-support agents and admins handle replies by mail."));
    }
    Ok(Response::ok_json(&desk::inbound::decide(app, &a.user, id, accept)?))
}

fn query<'a>(req: &'a Request, key: &str) -> Option<&'a str> {
    req.query.split('&').find_map(|p| p.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
}

/// `GET /mail/open?r=TOKEN`: on to the website (or the preview page) with the token in the
/// fragment, where the widget takes it (`POST /api/widget/resume`).
pub fn open(app: &Arc<App>, req: &Request) -> Result<Response> {
    let token = query(req, "r").unwrap_or("");
    if token.is_empty() || token.len() > 200 || !token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.') {
        return Err(Error::not_found("This link is not valid."));
    }
    Ok(Response::new(303)
        .header("Location", mail::open_target(app, token))
        .header("Cache-Control", "no-store")
        .header("Referrer-Policy", "no-referrer"))
}

fn page(req: &Request, en: (&str, &str), pt: (&str, &str)) -> Response {
    let pt_first = req.header("accept-language").is_some_and(|l| l.trim_start().to_ascii_lowercase().starts_with("pt"));
    let (lang, (title, text)) = if pt_first { ("pt", pt) } else { ("en", en) };
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/assets/shared/style.css\"></head>\
         <body><main class=\"card-page\"><div class=\"card\"><h1>{title}</h1><p class=\"lead\">{text}</p></div></main></body></html>"
    );
    Response::html(200, html.into_bytes())
}

/// `GET /mail/stop?r=TOKEN` (the link in every mail) and `POST` (RFC 8058 one-click, sent by mail
/// providers): no more continuity mails to this customer.
pub fn stop(app: &Arc<App>, req: &Request) -> Result<Response> {
    let token = query(req, "r").unwrap_or("");
    if !desk::mail_send::stop(app, token)? {
        return Err(Error::not_found("This link is not valid."));
    }
    Ok(page(
        req,
        ("You will get no more of these emails", "We will not email you our replies any more. You can still chat with us on our website."),
        (
            "Não vai receber mais estes emails",
            "Não lhe enviaremos mais as nossas respostas por email. Pode continuar a falar connosco no nosso site.",
        ),
    ))
}
