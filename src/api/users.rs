//! Admin-only user management: list, create, update, deactivate.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;

use crate::app::App;
use crate::auth;
use crate::db::{self, users::NewUser};
use crate::error::{Error, Result};
use crate::http::{Request, Response};

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
    let hash = match &p.password {
        Some(pw) => {
            auth::check_password_rules(pw)?;
            Some(app.hasher.hash(pw)?)
        }
        None => None,
    };
    let (by, ip, password_changed) = (a.user.id, req.remote.to_string(), hash.is_some());
    let user = app.db.write(move |w| {
        let mut u = db::users::get(w.conn, id)?.ok_or_else(|| Error::not_found("No such user."))?;
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
            db::sessions::delete_for_user(w.conn, id)?;
        }
        if !u.active {
            db::sessions::delete_for_user(w.conn, id)?;
        }
        crate::db::audit::append(
            w.conn,
            Some(by),
            &ip,
            "user.update",
            &format!("user:{id}"),
            json!({"role": u.role, "customer_support": u.customer_support, "active": u.active, "password_changed": hash.is_some()}),
        )?;
        Ok(u)
    })?;
    apply_to_sockets(app, &user, password_changed);
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
        let n = db::sessions::delete_for_user(w.conn, id)?;
        crate::db::audit::append(w.conn, Some(by), &ip, "user.deactivate", &format!("user:{id}"), json!({"sessions_revoked": n}))?;
        Ok(u)
    })?;
    apply_to_sockets(app, &user, true);
    Ok(Response::ok_json(&json!({"user": user})))
}

/// Open sockets follow the user's new state: closed when deactivated or when a new password ended
/// their sessions, re-scoped otherwise.
fn apply_to_sockets(app: &App, user: &db::users::User, sessions_ended: bool) {
    if !user.active || sessions_ended {
        return end_sockets(app, user.id, None, if user.active { "password changed: sign in again" } else { "account deactivated" });
    }
    app.hub.for_user(user.id, |c| {
        *c.viewer.write().unwrap_or_else(|p| p.into_inner()) =
            db::events::Viewer::Agent { user_id: user.id, support: user.sees_customers() };
    });
}

/// Close the user's sockets, or only those opened with `session` (a hashed session token): a
/// socket must not outlive its session, or it would go on receiving and sending as the user.
pub fn end_sockets(app: &App, user_id: i64, session: Option<&[u8]>, reason: &str) {
    app.hub.for_user(user_id, |c| {
        if session.is_none_or(|s| c.session.as_deref() == Some(s)) {
            c.outbox.close(tungstenite::protocol::frame::coding::CloseCode::Policy, reason);
            c.outbox.kill();
        }
    });
}
