//! Password reset links: an admin makes one for a teammate; whoever has it opens `/reset/TOKEN`, sees
//! whose account it is and sets a new password. The handlers; the rules (single use, expiry,
//! cancellation, sessions that end, throttling) are `desk::recovery`.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;

use crate::app::App;
use crate::auth;
use crate::desk::recovery;
use crate::error::Result;
use crate::http::{Request, Response};

/// `POST /api/users/:id/password-reset`: `201 {url, expires_at, user}`. The URL carries the token
/// and is shown only in this answer; an older link of the same user stops working.
pub fn create(app: &Arc<App>, req: &Request, user_id: i64) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    let f: MailIt = if req.body.is_empty() { MailIt::default() } else { req.json()? };
    let issued = if f.send_email {
        crate::desk::mail_send::reset_link_by_mail(app, a.user.id, req.remote, user_id)?
    } else {
        recovery::create_link(app, a.user.id, req.remote, user_id)?
    };
    let url = format!("{}{}", app.config.public_url.trim_end_matches('/'), recovery::path(&issued.token));
    let u = &issued.user;
    Ok(Response::json(
        201,
        &json!({"url": url, "expires_at": issued.reset.expires_at, "user": {"id": u.id, "name": u.name, "email": u.email}}),
    ))
}

/// `GET /api/reset/:token`: what the reset page shows (no session needed).
pub fn show(app: &Arc<App>, req: &Request, token: &str) -> Result<Response> {
    let (reset, user) = recovery::open(app, token, req.remote)?;
    Ok(Response::ok_json(&json!({
        "name": user.name, "email": user.email, "expires_at": reset.expires_at, "helpdesk_name": app.settings().helpdesk_name,
    })))
}

#[derive(Deserialize, Default)]
struct MailIt {
    /// Also mail the link to the user (needs email set up: `409` otherwise).
    #[serde(default)]
    send_email: bool,
}

#[derive(Deserialize)]
struct ForgotForm {
    email: String,
}

/// `GET /api/password/forgot`: whether "Forgot password?" can mail a link (email is set up).
pub fn forgot_available(app: &Arc<App>, _req: &Request) -> Result<Response> {
    Ok(Response::ok_json(&json!({"available": crate::desk::mail::enabled(app)})))
}

/// `POST /api/password/forgot {email}`: `202` whether or not the account exists (nobody learns who
/// has one); a reset link goes to the address if it is an active account. `409` without email.
pub fn forgot(app: &Arc<App>, req: &Request) -> Result<Response> {
    auth::check_csrf(app, req, None)?;
    let f: ForgotForm = req.json()?;
    crate::desk::mail_send::forgot(app, &f.email, req.remote)?;
    Ok(Response::json(202, &json!({"ok": true})))
}

#[derive(Deserialize)]
struct NewPassword {
    password: String,
}

/// `POST /api/reset/:token {password}`: sets it, uses up the link, ends every session of the user,
/// and signs this browser in (as accepting an invite does).
pub fn reset(app: &Arc<App>, req: &Request, token: &str) -> Result<Response> {
    auth::check_csrf(app, req, None)?;
    let f: NewPassword = req.json()?;
    let user = recovery::reset_password(app, token, &f.password, req.remote)?;
    let cookie = auth::start_session(app, user.id, req)?;
    Ok(Response::ok_json(&json!({"user": user})).header("Set-Cookie", cookie))
}
