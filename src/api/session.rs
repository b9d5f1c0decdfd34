//! First-run setup, sign-in, sign-out and "who am I".

use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;

use crate::app::App;
use crate::auth;
use crate::db::{self, users::NewUser};
use crate::desk::{
    self,
    settings::{Audit, Change},
};
use crate::error::{Error, Result};
use crate::http::{Request, Response};

#[derive(Deserialize)]
struct SetupForm {
    helpdesk_name: String,
    name: String,
    email: String,
    password: String,
}

/// Create the first admin. Allowed only while no admin exists; the check and the insert run in one
/// write transaction, so two racing submissions create exactly one admin.
pub fn setup(app: &Arc<App>, req: &Request) -> Result<Response> {
    auth::check_csrf(app, req, None)?;
    let f: SetupForm = req.json()?;
    if app.db.read(db::users::admin_exists)? {
        return Err(Error::new(410, "Setup is already done: sign in instead."));
    }
    crate::desk::team::check_identity(&f.email, &f.name)?;
    auth::check_password_rules(&f.password)?;
    let name = f.helpdesk_name.trim().to_string();
    if name.is_empty() || name.len() > 100 {
        return Err(Error::new(422, "helpdesk_name: must be 1 to 100 characters"));
    }
    let hash = app.hasher.hash(&f.password)?;
    let ip = req.remote.to_string();
    let (now, agents) = (app.clock.now_ms(), app.available_agents());
    let (id, (settings, status)) = app.db.write(move |w| {
        if db::users::admin_exists(w.conn)? {
            return Err(Error::new(410, "Setup is already done: sign in instead."));
        }
        let id = db::users::insert(
            w.conn,
            &NewUser { email: &f.email, name: &f.name, password_hash: &hash, role: "admin", customer_support: true },
        )?;
        crate::db::audit::append(w.conn, Some(id), &ip, "setup", &format!("user:{id}"), json!({}))?;
        let patch = json!({"helpdesk_name": name}).as_object().cloned().unwrap_or_default();
        let audit = Audit { action: "settings.update", target: "settings", detail: None };
        let change = Change { patch: &patch, by: Some(id), ip: &ip, audit, event: "settings.updated" };
        Ok((id, desk::settings::change(w, change, now, agents)?))
    })?;
    desk::settings::adopt(app, settings, status);
    let cookie = auth::start_session(app, id, req)?;
    Ok(Response::json(201, &json!({"ok": true})).header("Set-Cookie", cookie))
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
}

/// Sign in. Wrong password, unknown user and a submitted hash all fail the same way and cost the
/// same (an argon2 run either way).
pub fn login(app: &Arc<App>, req: &Request) -> Result<Response> {
    auth::check_csrf(app, req, None)?;
    let f: LoginForm = req.json()?;
    app.throttle.check(&f.email, req.remote)?;
    let found = app.db.read(|c| db::users::by_email(c, &f.email))?;
    let ok = match &found {
        Some((user, hash)) if user.active && !user.is_bot() => app.hasher.verify(&f.password, Some(hash)),
        _ => app.hasher.verify(&f.password, None),
    };
    let user = match (ok, found) {
        (true, Some((user, _))) => user,
        _ => {
            app.throttle.failed(&f.email, req.remote);
            return Err(Error::new(401, "Wrong email or password."));
        }
    };
    app.throttle.succeeded(&f.email, req.remote);
    let cookie = auth::start_session(app, user.id, req)?;
    Ok(Response::ok_json(&json!({"ok": true})).header("Set-Cookie", cookie))
}

/// Sign out: the session is deleted on the server, not only forgotten by the browser.
pub fn logout(app: &Arc<App>, req: &Request) -> Result<Response> {
    let authed = auth::require_for(app, req)?;
    let h = authed.token_hash.clone();
    app.db.write(move |w| db::sessions::delete(w.conn, &h))?;
    app.hub.disconnect_session(&authed.token_hash, crate::hub::SESSION_ENDED, "signed out");
    Ok(Response::ok_json(&json!({"ok": true})).header("Set-Cookie", auth::cookie(app, "", 0)))
}

/// The signed-in user, their CSRF token (for state-changing requests), and the settings the
/// Messenger needs.
pub fn me(app: &Arc<App>, req: &Request) -> Result<Response> {
    let authed = auth::require(app, req)?;
    let s = app.settings();
    let status = app.helpdesk_status();
    Ok(Response::ok_json(&json!({
        "user": authed.user,
        "csrf_token": authed.csrf,
        "helpdesk": {"name": s.helpdesk_name, "online": status.online, "switch": s.online, "status": status},
        "public_url": app.config.public_url,
    })))
}
