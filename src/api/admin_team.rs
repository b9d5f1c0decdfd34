//! Invites: an admin makes a one-time sign-up link (valid 7 days, single use; the admin copies it,
//! no mail server needed); the invitee opens `/invite/TOKEN`, sets a name and password, and is
//! signed in. Tokens are 128 random bits, stored as SHA-256 only.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;

use crate::app::App;
use crate::auth;
use crate::db::{self, invites::Invite, users::NewUser};
use crate::error::{Error, Result};
use crate::http::{Request, Response};

#[derive(Deserialize)]
struct InviteForm {
    email: String,
    #[serde(default = "super::users::agent")]
    role: String,
    #[serde(default)]
    customer_support: bool,
    /// Also mail the link to the invitee (needs email set up: `409` otherwise).
    #[serde(default)]
    send_email: bool,
}

/// `GET /api/invites`: invites still waiting to be used.
pub fn list(app: &Arc<App>, req: &Request) -> Result<Response> {
    auth::require_admin(app, req)?;
    let now = app.clock.now_ms();
    let invites = app.db.read(|c| db::invites::pending(c, now))?;
    Ok(Response::ok_json(&json!({"invites": invites})))
}

/// `POST /api/invites {email, role, customer_support}`: `201 {invite, url}`. The URL carries the
/// token and is shown only in this answer.
pub fn create(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    let f: InviteForm = req.json()?;
    crate::desk::team::check_identity(&f.email, "invitee")?;
    if f.role != "admin" && f.role != "agent" {
        return Err(Error::new(422, "role: must be admin or agent"));
    }
    let token = auth::random_token();
    let hash = auth::sha256(&token);
    let (by, ip, now) = (a.user.id, req.remote.to_string(), app.clock.now_ms());
    let (app2, token2) = (app.clone(), token.clone());
    let invite = app.db.write(move |w| {
        if db::users::by_email(w.conn, &f.email)?.is_some() {
            return Err(Error::conflict("email: someone with this address already has an account"));
        }
        let new = db::invites::NewInvite {
            token_hash: &hash,
            email: &f.email,
            role: &f.role,
            customer_support: f.customer_support,
            created_by: by,
            now,
        };
        let id = db::invites::insert(w.conn, &new)?;
        db::audit::append(
            w.conn,
            Some(by),
            &ip,
            "invite.create",
            &format!("invite:{id}"),
            json!({"email": f.email.trim(), "role": f.role}),
        )?;
        if f.send_email {
            crate::desk::mail_send::invite_mail(w, &app2, id, f.email.trim(), &token2, now)?;
        }
        db::invites::get(w.conn, id)?.ok_or_else(|| Error::internal("invite vanished"))
    })?;
    let url = format!("{}/invite/{token}", app.config.public_url.trim_end_matches('/'));
    Ok(Response::json(201, &json!({"invite": invite, "url": url})))
}

/// `DELETE /api/invites/:id`: the link stops working.
pub fn revoke(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    let (by, ip, now) = (a.user.id, req.remote.to_string(), app.clock.now_ms());
    app.db.write(move |w| {
        if !db::invites::revoke(w.conn, id, now)? {
            return Err(Error::not_found("No open invite with this id (it may be used or revoked already)."));
        }
        db::audit::append(w.conn, Some(by), &ip, "invite.revoke", &format!("invite:{id}"), json!({}))
    })?;
    Ok(Response::ok_json(&json!({"ok": true})))
}

/// The invite a token names, if it can still be used; the error says why not.
fn open_invite(app: &App, token: &str) -> Result<Invite> {
    let gone = || Error::new(410, "This invite link has expired or was already used. Ask your admin for a new one.");
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::not_found("This invite link is not valid. Check that you copied all of it."));
    }
    let hash = auth::sha256(token);
    let inv = app.db.read(|c| db::invites::by_token(c, &hash))?;
    let inv = inv.ok_or_else(|| Error::not_found("This invite link is not valid. Check that you copied all of it."))?;
    if !inv.open_at(app.clock.now_ms()) {
        return Err(gone());
    }
    Ok(inv)
}

/// `GET /api/invite/:token`: what the sign-up page shows (no session needed).
pub fn show(app: &Arc<App>, _req: &Request, token: &str) -> Result<Response> {
    let inv = open_invite(app, token)?;
    Ok(Response::ok_json(&json!({
        "email": inv.email, "role": inv.role, "expires_at": inv.expires_at, "helpdesk_name": app.settings().helpdesk_name,
    })))
}

#[derive(Deserialize)]
struct AcceptForm {
    name: String,
    password: String,
}

/// `POST /api/invite/:token {name, password}`: creates the account, uses up the link, signs in.
pub fn accept(app: &Arc<App>, req: &Request, token: &str) -> Result<Response> {
    auth::check_csrf(app, req, None)?;
    let inv = open_invite(app, token)?;
    let f: AcceptForm = req.json()?;
    crate::desk::team::check_identity(&inv.email, &f.name)?;
    auth::check_password_rules(&f.password)?;
    let hash = app.hasher.hash(&f.password)?;
    let (ip, now, token_hash) = (req.remote.to_string(), app.clock.now_ms(), auth::sha256(token));
    let user = app.db.write(move |w| {
        // Checked again inside the transaction: two tabs submitting at once make one account.
        let inv = db::invites::by_token(w.conn, &token_hash)?
            .filter(|i| i.open_at(now))
            .ok_or_else(|| Error::new(410, "This invite link has expired or was already used. Ask your admin for a new one."))?;
        let new =
            NewUser { email: &inv.email, name: &f.name, password_hash: &hash, role: &inv.role, customer_support: inv.customer_support };
        let id = db::users::insert(w.conn, &new)?;
        if !db::invites::mark_used(w.conn, inv.id, id, now)? {
            return Err(Error::new(410, "This invite link was just used. Ask your admin for a new one."));
        }
        db::audit::append(w.conn, Some(id), &ip, "invite.accept", &format!("user:{id}"), json!({"invite": inv.id, "email": inv.email}))?;
        db::users::get(w.conn, id)?.ok_or_else(|| Error::internal("user vanished"))
    })?;
    let cookie = auth::start_session(app, user.id, req)?;
    Ok(Response::json(201, &json!({"user": user})).header("Set-Cookie", cookie))
}
