//! User management (admins: list, create, update, deactivate) and changing your own password: the
//! handlers; the rules (last admin, sessions and sockets that end) are `desk::team`.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;

use crate::app::App;
use crate::auth;
use crate::db::{self, users::NewUser};
use crate::desk::team;
use crate::error::{Error, Result};
use crate::http::{Request, Response};

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
    team::check_identity(&f.email, &f.name)?;
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

pub fn update(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    let p: team::UserPatch = req.json()?;
    if let Some(r) = &p.role {
        check_role(r)?;
    }
    let user = team::update(app, &a, req.remote, id, p)?;
    Ok(Response::ok_json(&json!({"user": user})))
}

/// Deactivate: sessions are revoked in the same transaction and open sockets closed at once.
pub fn deactivate(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    let user = team::deactivate(app, a.user.id, req.remote, id)?;
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
    let ended = team::change_own_password(app, &a, req.remote, &f.current_password, &f.new_password)?;
    Ok(Response::ok_json(&json!({"ok": true, "other_sessions_ended": ended})))
}
