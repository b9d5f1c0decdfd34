//! API tokens (issue 19): who may make, see and revoke which, and the audit of what they do. Turning
//! a bearer token into a user on each request is `auth::session`; the table is `db::tokens`.
//!
//! A **personal** token acts as its owner. A **desk** token (admins only) is not tied to a person: it
//! acts as a user row of its own, of kind `bot`, named after the token. So it outlives the admin who
//! made it, and what it writes has an author whose name is the token's ("Shop backend").

use std::net::IpAddr;
use std::sync::Arc;

use serde_json::json;

use crate::app::App;
use crate::auth::{self, API_TOKEN_PREFIX, Authed};
use crate::db::{self, tokens::NewToken, tokens::Token};
use crate::error::{Error, Result};
use crate::http::Request;

/// What `POST /api/tokens` asks for.
#[derive(serde::Deserialize)]
pub struct NewTokenForm {
    pub name: String,
    pub scope: String,
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// A desk token (admins only) instead of a personal one.
    #[serde(default)]
    pub desk: bool,
}

const SCOPES: [&str; 3] = ["read", "write", "admin"];

/// Make a token; returns it and its value, which is shown this once and never stored.
pub fn create(app: &Arc<App>, a: &Authed, remote: IpAddr, f: NewTokenForm) -> Result<(Token, String)> {
    if a.token.is_some() {
        return Err(Error::forbidden("API tokens are made in a signed-in session, not with another API token."));
    }
    let name = f.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::new(422, "name: must be 1 to 100 characters"));
    }
    if !SCOPES.contains(&f.scope.as_str()) {
        return Err(Error::new(422, "scope: must be read, write or admin"));
    }
    if f.scope == "admin" && !a.user.is_admin() {
        return Err(Error::forbidden("Only admins can make a token with admin scope: choose read or write."));
    }
    if f.desk && !a.user.is_admin() {
        return Err(Error::forbidden("Only admins can make desk tokens."));
    }
    let now = app.clock.now_ms();
    if f.expires_at.is_some_and(|e| e <= now) {
        return Err(Error::new(422, "expires_at: must be in the future"));
    }
    let mut raw = [0u8; 32];
    rand::fill(&mut raw);
    let value = format!("{API_TOKEN_PREFIX}{}", auth::hex(&raw));
    let (hash, prefix) = (auth::sha256(&value), value[..API_TOKEN_PREFIX.len() + 8].to_string());
    let (by, ip) = (a.user.id, remote.to_string());
    let token = app.db.write(move |w| {
        let user_id = if f.desk {
            let email = format!("desk-token-{}@tokens.invalid", &prefix[API_TOKEN_PREFIX.len()..]);
            db::tokens::insert_bot(w.conn, &name, &email, now)?
        } else {
            by
        };
        let new =
            NewToken { hash: &hash, prefix: &prefix, name: &name, scope: &f.scope, user_id, created_by: by, expires_at: f.expires_at };
        let id = db::tokens::insert(w.conn, &new, now)?;
        let detail = json!({"name": name, "scope": f.scope, "desk": f.desk, "expires_at": f.expires_at});
        db::audit::append(w.conn, Some(by), &ip, "token.create", &format!("token:{id}"), detail)?;
        db::tokens::get(w.conn, id)?.ok_or_else(|| Error::internal("token vanished"))
    })?;
    Ok((token, value))
}

/// The caller's tokens; an admin's list has the desk tokens too, and with `all` everyone's.
pub fn list(app: &Arc<App>, a: &Authed, all: bool) -> Result<Vec<Token>> {
    if all && !a.user.is_admin() {
        return Err(Error::forbidden("Only admins can list everyone's tokens."));
    }
    let (uid, admin) = (a.user.id, a.user.is_admin());
    app.db.read(|c| db::tokens::list(c, uid, admin, all))
}

/// Revoke a token: its owner, or an admin (any token). One nobody may see, or already revoked: 404.
pub fn revoke(app: &Arc<App>, a: &Authed, remote: IpAddr, id: i64) -> Result<Token> {
    let (uid, admin, ip, now) = (a.user.id, a.user.is_admin(), remote.to_string(), app.clock.now_ms());
    app.db.write(move |w| {
        let t = db::tokens::get(w.conn, id)?.filter(|t| t.revoked_at.is_none() && (admin || t.user_id == uid));
        let t = t.ok_or_else(|| Error::not_found("No such token."))?;
        db::tokens::revoke(w.conn, id, now)?;
        db::audit::append(w.conn, Some(uid), &ip, "token.revoke", &format!("token:{id}"), json!({"name": t.name, "desk": t.desk}))?;
        db::tokens::get(w.conn, id)?.ok_or_else(|| Error::internal("token vanished"))
    })
}

/// After a change made with an API token succeeded: an audit row naming the token (`via`), the
/// route and the answer. Never the token's value. It is its own transaction, right after the
/// change's: a crash between the two loses this row, not the change.
pub fn audit_write(app: &Arc<App>, req: &Request, pattern: &'static str, status: u16) -> Result<()> {
    let Some(value) = auth::api_token(req) else { return Ok(()) };
    let hash = auth::sha256(value);
    let (method, path, ip) = (req.method.clone(), req.path.clone(), req.remote.to_string());
    app.db.write(move |w| {
        let Some(t) = db::tokens::by_hash(w.conn, &hash)? else { return Ok(()) };
        let detail = json!({"via": format!("token:{}", t.id), "token": t.name, "path": path, "status": status});
        db::audit::append(w.conn, Some(t.user_id), &ip, "token.write", &format!("{method} {pattern}"), detail)
    })
}
