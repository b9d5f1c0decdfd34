//! Password recovery: one-time reset links. An admin makes one for a teammate on the Team page, or
//! whoever runs the server makes one on the command line (`frontdesk admin reset-password`); the
//! link is shown once and works once, for `db::password_resets::VALID_MS`. A newer link for the same
//! person, their deactivation or a change of their password cancels it. Using it sets the new
//! password, uses up the link and ends every session of that person in one transaction, then closes
//! their sockets. Tokens are 128 random bits, stored as SHA-256 only, and never written to the
//! audit log. Unknown tokens count as failures for the sign-in throttle.

use std::net::IpAddr;
use std::sync::Arc;

use rusqlite::Connection;
use serde_json::json;

use crate::app::App;
use crate::auth;
use crate::db::{self, password_resets::Reset, users::User};
use crate::error::{Error, Result};
use crate::hub;

/// The throttle's key for unknown links: not an email, so no account's own count.
const THROTTLE_KEY: &str = "password reset link";

/// A link just made: the token (shown once, never stored), its row and its user.
pub struct Issued {
    pub token: String,
    pub reset: Reset,
    pub user: User,
}

/// The page a token opens (`api::ROUTES` serves it).
pub fn path(token: &str) -> String {
    format!("/reset/{token}")
}

fn unknown() -> Error {
    Error::not_found("This password reset link is not valid. Check that you copied all of it, or ask an admin for a new one.")
}

fn gone() -> Error {
    Error::new(410, "This link was already used or has expired; ask an admin for a new one.")
}

/// Make a reset link for `user_id` inside the caller's transaction: the user must exist and be
/// active; their older open links are cancelled; the audit log says who made it (`by`, `None` for
/// the command line) and until when it works, never the token.
pub fn issue(conn: &Connection, user_id: i64, by: Option<i64>, ip: &str, now: i64) -> Result<Issued> {
    let user = db::users::get(conn, user_id)?.filter(|u| !u.is_bot()).ok_or_else(|| Error::not_found("No such user."))?;
    if !user.active {
        return Err(Error::conflict(format!("{} is deactivated: reactivate them first.", user.name)));
    }
    let revoked = db::password_resets::revoke_for_user(conn, user_id, now)?;
    let token = auth::random_token();
    let id = db::password_resets::insert(conn, &auth::sha256(&token), user_id, by, now)?;
    let reset = db::password_resets::get(conn, id)?.ok_or_else(|| Error::internal("reset link vanished"))?;
    let mut detail = json!({"reset": id, "expires_at": reset.expires_at, "earlier_links_cancelled": revoked});
    if by.is_none() {
        detail["via"] = json!("command line");
    }
    db::audit::append(conn, by, ip, "password_reset.create", &format!("user:{user_id}"), detail)?;
    Ok(Issued { token, reset, user })
}

/// An admin makes a reset link for `user_id` (through the writer).
pub fn create_link(app: &Arc<App>, by: i64, remote: IpAddr, user_id: i64) -> Result<Issued> {
    let (ip, now) = (remote.to_string(), app.clock.now_ms());
    app.db.write(move |w| issue(w.conn, user_id, Some(by), &ip, now))
}

/// The link `token` names and its user, if it can still be used: `404` for a token we never made
/// (counted by the throttle, which refuses with `429` once too many came from one address), `410`
/// for one used, expired or cancelled.
pub fn open(app: &App, token: &str, remote: IpAddr) -> Result<(Reset, User)> {
    app.throttle.check_for(THROTTLE_KEY, remote, "unknown password reset links")?;
    let found = if token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit()) {
        let hash = auth::sha256(token);
        app.db.read(|c| {
            let Some(r) = db::password_resets::by_token(c, &hash)? else { return Ok(None) };
            Ok(db::users::get(c, r.user_id)?.map(|u| (r, u)))
        })?
    } else {
        None
    };
    let Some((reset, user)) = found else {
        app.throttle.failed(THROTTLE_KEY, remote);
        return Err(unknown());
    };
    if !reset.open_at(app.clock.now_ms()) || !user.active {
        return Err(gone());
    }
    Ok((reset, user))
}

/// Set `password` through the link `token`: in one transaction the link is used up, the password
/// set and every session of its user ended; then their sockets close (`4001`). Returns the user,
/// whom the caller signs in afresh.
pub fn reset_password(app: &Arc<App>, token: &str, password: &str, remote: IpAddr) -> Result<User> {
    open(app, token, remote)?;
    auth::check_password_rules(password)?;
    let hash = app.hasher.hash(password)?;
    let (ip, now, token_hash) = (remote.to_string(), app.clock.now_ms(), auth::sha256(token));
    let user = app.db.write(move |w| {
        // Checked again inside the transaction: of two tabs submitting at once, one wins.
        let reset = db::password_resets::by_token(w.conn, &token_hash)?.filter(|r| r.open_at(now)).ok_or_else(gone)?;
        let user = db::users::get(w.conn, reset.user_id)?.filter(|u| u.active).ok_or_else(gone)?;
        if !db::password_resets::mark_used(w.conn, reset.id, now)? {
            return Err(gone());
        }
        db::users::set_password(w.conn, user.id, &hash)?;
        let ended = db::sessions::delete_for_user(w.conn, user.id, None)?;
        let detail = json!({"reset": reset.id, "sessions_ended": ended});
        db::audit::append(w.conn, Some(user.id), &ip, "password_reset.use", &format!("user:{}", user.id), detail)?;
        Ok(user)
    })?;
    app.hub.disconnect_user(user.id, None, hub::SESSION_ENDED, "password reset: sign in again");
    // Failed sign-ins before the reset no longer hold this person back on this address.
    app.throttle.succeeded(&user.email, remote);
    Ok(user)
}
