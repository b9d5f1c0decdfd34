//! The team's rules: changing a user (never leaving the desk without an active admin), and what
//! ends with a change — a new password ends the user's other sessions (the one that changed its own
//! password stays), deactivation ends all of them, both cancel the user's open password reset links
//! (`desk::recovery`), and a change of role or customer support closes their sockets so they
//! reconnect with what they may now see; whoever stops taking live chats (deactivated, or no longer
//! customer support) hands their open ones back to Unassigned.

use std::net::IpAddr;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;

use crate::app::App;
use crate::auth::{self, Authed};
use crate::db::{self, users::User};
use crate::error::{Error, Result};
use crate::hub;

#[derive(Deserialize)]
pub struct UserPatch {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<String>,
    pub customer_support: Option<bool>,
    pub active: Option<bool>,
    pub password: Option<String>,
}

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

/// Apply an admin's patch to user `id` (`a` is the admin, whose own session survives their own
/// password change).
pub fn update(app: &Arc<App>, a: &Authed, remote: IpAddr, id: i64, p: UserPatch) -> Result<User> {
    let hash = match &p.password {
        Some(pw) => {
            auth::check_password_rules(pw)?;
            Some(app.hasher.hash(pw)?)
        }
        None => None,
    };
    let password_changed = hash.is_some();
    let (by, ip, now) = (a.user.id, remote.to_string(), app.clock.now_ms());
    // Changing your own password keeps the session you did it from; every other one ends.
    let keep = (id == a.user.id).then(|| a.token_hash.clone());
    let keep_in_tx = keep.clone();
    let hub = app.hub.clone();
    let (before, user) = app.db.write(move |w| {
        // A desk token's bot is not a teammate: it ends when its token is revoked.
        let mut u = db::users::get(w.conn, id)?.filter(|u| !u.is_bot()).ok_or_else(|| Error::not_found("No such user."))?;
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
        if hash.is_some() || !u.active {
            db::password_resets::revoke_for_user(w.conn, id, now)?;
        }
        if !u.active {
            db::tokens::revoke_for_user(w.conn, id, now)?;
        }
        if before.sees_customers() && !(u.sees_customers() && u.active) {
            release(w, id, by, &hub)?;
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
    } else if password_changed {
        app.hub.disconnect_user(id, keep.as_deref(), hub::SESSION_ENDED, "password changed: sign in again");
    }
    if user.active && (before.sees_customers() != user.sees_customers() || before.role != user.role) {
        app.hub.disconnect_user(id, None, hub::PERMISSIONS_CHANGED, "permissions changed: reconnect");
    }
    Ok(user)
}

/// Deactivate user `id`: sessions revoked in the same transaction, sockets closed at once.
pub fn deactivate(app: &Arc<App>, by: i64, remote: IpAddr, id: i64) -> Result<User> {
    let (ip, now) = (remote.to_string(), app.clock.now_ms());
    let hub = app.hub.clone();
    let user = app.db.write(move |w| {
        // A desk token's bot is not a teammate: it ends when its token is revoked.
        let mut u = db::users::get(w.conn, id)?.filter(|u| !u.is_bot()).ok_or_else(|| Error::not_found("No such user."))?;
        if u.is_admin() && u.active && db::users::active_admins(w.conn)? <= 1 {
            return Err(Error::conflict("This is the last admin: make someone else an admin first."));
        }
        u.active = false;
        db::users::update(w.conn, &u)?;
        release(w, id, by, &hub)?;
        let n = db::sessions::delete_for_user(w.conn, id, None)?;
        db::password_resets::revoke_for_user(w.conn, id, now)?;
        let tokens = db::tokens::revoke_for_user(w.conn, id, now)?;
        let detail = json!({"sessions_revoked": n, "tokens_revoked": tokens});
        crate::db::audit::append(w.conn, Some(by), &ip, "user.deactivate", &format!("user:{id}"), detail)?;
        Ok(u)
    })?;
    app.hub.disconnect_user(id, None, hub::SESSION_ENDED, "account deactivated");
    Ok(user)
}

/// Inside a write: user `id` no longer takes live chats; their open ones return to Unassigned (the
/// lines say the admin `by` did it), and auto-assignment may hand them out again at once.
fn release(w: &mut db::WriteCtx<'_>, id: i64, by: i64, hub: &hub::Hub) -> Result<()> {
    let name = db::users::get(w.conn, by)?.map(|u| u.name).unwrap_or_default();
    super::assignment::release(w, id, &super::assignment::By::Agent { id: by, name })?;
    super::assignment::dispatch(w, hub)?;
    Ok(())
}

/// Change your own password: the current one is checked (failures throttled like sign-in); this
/// session stays signed in, every other session of yours ends. Returns how many ended.
pub fn change_own_password(app: &Arc<App>, a: &Authed, remote: IpAddr, current_password: &str, new_password: &str) -> Result<usize> {
    auth::check_password_rules(new_password)?;
    app.throttle.check(&a.user.email, remote)?;
    let email = a.user.email.clone();
    let stored = app.db.read(|c| db::users::by_email(c, &email))?.map(|(_, h)| h);
    if !app.hasher.verify(current_password, stored.as_deref()) {
        app.throttle.failed(&a.user.email, remote);
        return Err(Error::new(403, "current_password: that is not your current password"));
    }
    app.throttle.succeeded(&a.user.email, remote);
    let hash = app.hasher.hash(new_password)?;
    let (uid, keep, ip, now) = (a.user.id, a.token_hash.clone(), remote.to_string(), app.clock.now_ms());
    let ended = app.db.write(move |w| {
        db::users::set_password(w.conn, uid, &hash)?;
        db::password_resets::revoke_for_user(w.conn, uid, now)?;
        let n = db::sessions::delete_for_user(w.conn, uid, Some(&keep))?;
        db::audit::append(w.conn, Some(uid), &ip, "user.password", &format!("user:{uid}"), json!({"other_sessions_ended": n}))?;
        Ok(n)
    })?;
    app.hub.disconnect_user(uid, Some(&a.token_hash), hub::SESSION_ENDED, "password changed: sign in again");
    Ok(ended)
}
