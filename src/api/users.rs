//! User management (admins: list, create, update, deactivate) and changing your own password.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;

use crate::app::App;
use crate::auth;
use crate::db::{self, users::NewUser};
use crate::error::{Error, Result};
use crate::http::{Request, Response};
use crate::hub;

/// Email and name sanity: a name a person can read, an address with one `@`.
pub fn check_identity(email: &str, name: &str) -> Result<()> {
    let email = email.trim();
    let at = email.find('@');
    if email.len() > 254
        || at.is_none_or(|i| i == 0 || i == email.len() - 1)
        || email.matches('@').count() != 1
        || email.contains(char::is_whitespace)
    {
        return Err(Error::new(422, "email: enter an address like name@example.com"));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::new(422, "name: must be 1 to 100 characters"));
    }
    Ok(())
}

pub fn list(app: &Arc<App>, req: &Request) -> Result<Response> {
    auth::require_admin(app, req)?;
    let users = app.db.read(db::users::list)?;
    let online = app.hub.online_agents();
    let users: Vec<_> = users.into_iter().map(|u| json!({"online": online.contains(&u.id), "user": u})).collect();
    Ok(Response::ok_json(&json!({"users": users})))
}

#[derive(Deserialize)]
struct NewUserForm {
    email: String,
    name: String,
    password: String,
    #[serde(default = "agent")]
    role: String,
    #[serde(default)]
    customer_support: bool,
}

/// Serde default for a new user's role.
pub fn agent() -> String {
    "agent".into()
}

fn check_role(role: &str) -> Result<()> {
    if role != "admin" && role != "agent" {
        return Err(Error::new(422, "role: must be admin or agent"));
    }
    Ok(())
}

pub fn create(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    let f: NewUserForm = req.json()?;
    check_identity(&f.email, &f.name)?;
    check_role(&f.role)?;
    auth::check_password_rules(&f.password)?;
    let hash = app.hasher.hash(&f.password)?;
    let (by, ip) = (a.user.id, req.remote.to_string());
    let user = app.db.write(move |w| {
        let id = db::users::insert(
            w.conn,
            &NewUser { email: &f.email, name: &f.name, password_hash: &hash, role: &f.role, customer_support: f.customer_support },
        )?;
        crate::db::audit::append(w.conn, Some(by), &ip, "user.create", &format!("user:{id}"), json!({"email": f.email, "role": f.role}))?;
        db::users::get(w.conn, id)?.ok_or_else(|| Error::internal("user vanished"))
    })?;
    Ok(Response::json(201, &json!({"user": user})))
}

#[derive(Deserialize)]
struct UserPatch {
    email: Option<String>,
    name: Option<String>,
    role: Option<String>,
    customer_support: Option<bool>,
    active: Option<bool>,
    password: Option<String>,
}

pub fn update(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    let p: UserPatch = req.json()?;
    if let Some(r) = &p.role {
        check_role(r)?;
    }
    let p_password_changed = p.password.is_some();
    let hash = match &p.password {
        Some(pw) => {
            auth::check_password_rules(pw)?;
            Some(app.hasher.hash(pw)?)
        }
        None => None,
    };
    let (by, ip) = (a.user.id, req.remote.to_string());
    // Changing your own password keeps the session you did it from; every other one ends.
    let keep = (id == a.user.id).then(|| a.token_hash.clone());
    let keep_in_tx = keep.clone();
    let (before, user) = app.db.write(move |w| {
        let mut u = db::users::get(w.conn, id)?.ok_or_else(|| Error::not_found("No such user."))?;
        let before = u.clone();
        let was_active_admin = u.is_admin() && u.active;
        if let Some(v) = p.email {
            u.email = v.trim().to_string();
        }
        if let Some(v) = p.name {
            u.name = v.trim().to_string();
        }
        check_identity(&u.email, &u.name)?;
        if let Some(v) = p.role {
            u.role = v;
        }
        if let Some(v) = p.customer_support {
            u.customer_support = v;
        }
        if let Some(v) = p.active {
            u.active = v;
        }
        if was_active_admin && !(u.is_admin() && u.active) && db::users::active_admins(w.conn)? <= 1 {
            return Err(Error::conflict("This is the last admin: make someone else an admin first."));
        }
        db::users::update(w.conn, &u)?;
        if let Some(h) = &hash {
            db::users::set_password(w.conn, id, h)?;
            db::sessions::delete_for_user(w.conn, id, keep_in_tx.as_deref())?;
        }
        if !u.active {
            db::sessions::delete_for_user(w.conn, id, None)?;
        }
        crate::db::audit::append(
            w.conn,
            Some(by),
            &ip,
            "user.update",
            &format!("user:{id}"),
            json!({"role": u.role, "customer_support": u.customer_support, "active": u.active, "password_changed": hash.is_some()}),
        )?;
        Ok((before, u))
    })?;
    if !user.active {
        app.hub.disconnect_user(id, None, hub::SESSION_ENDED, "account deactivated");
    } else if p_password_changed {
        app.hub.disconnect_user(id, keep.as_deref(), hub::SESSION_ENDED, "password changed: sign in again");
    }
    if user.active && (before.sees_customers() != user.sees_customers() || before.role != user.role) {
        app.hub.disconnect_user(id, None, hub::PERMISSIONS_CHANGED, "permissions changed: reconnect");
    }
    Ok(Response::ok_json(&json!({"user": user})))
}

/// Deactivate: sessions are revoked in the same transaction and open sockets closed at once.
pub fn deactivate(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    let (by, ip) = (a.user.id, req.remote.to_string());
    let user = app.db.write(move |w| {
        let mut u = db::users::get(w.conn, id)?.ok_or_else(|| Error::not_found("No such user."))?;
        if u.is_admin() && u.active && db::users::active_admins(w.conn)? <= 1 {
            return Err(Error::conflict("This is the last admin: make someone else an admin first."));
        }
        u.active = false;
        db::users::update(w.conn, &u)?;
        let n = db::sessions::delete_for_user(w.conn, id, None)?;
        crate::db::audit::append(w.conn, Some(by), &ip, "user.deactivate", &format!("user:{id}"), json!({"sessions_revoked": n}))?;
        Ok(u)
    })?;
    app.hub.disconnect_user(id, None, hub::SESSION_ENDED, "account deactivated");
    Ok(Response::ok_json(&json!({"user": user})))
}

#[derive(Deserialize)]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// `POST /api/me/password`: change your own password. The current one is checked (and failures
/// throttled like sign-in); this session stays signed in, every other session of yours ends.
pub fn change_own_password(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let f: PasswordChange = req.json()?;
    auth::check_password_rules(&f.new_password)?;
    app.throttle.check(&a.user.email, req.remote)?;
    let email = a.user.email.clone();
    let stored = app.db.read(|c| db::users::by_email(c, &email))?.map(|(_, h)| h);
    if !app.hasher.verify(&f.current_password, stored.as_deref()) {
        app.throttle.failed(&a.user.email, req.remote);
        return Err(Error::new(403, "current_password: that is not your current password"));
    }
    app.throttle.succeeded(&a.user.email, req.remote);
    let hash = app.hasher.hash(&f.new_password)?;
    let (uid, keep, ip) = (a.user.id, a.token_hash.clone(), req.remote.to_string());
    let ended = app.db.write(move |w| {
        db::users::set_password(w.conn, uid, &hash)?;
        let n = db::sessions::delete_for_user(w.conn, uid, Some(&keep))?;
        db::audit::append(w.conn, Some(uid), &ip, "user.password", &format!("user:{uid}"), json!({"other_sessions_ended": n}))?;
        Ok(n)
    })?;
    app.hub.disconnect_user(uid, Some(&a.token_hash), hub::SESSION_ENDED, "password changed: sign in again");
    Ok(Response::ok_json(&json!({"ok": true, "other_sessions_ended": ended})))
}
