//! API tokens (issue 19): `POST /api/tokens`, `GET /api/tokens`, `DELETE /api/tokens/:id`. The rules
//! are `desk::tokens`; authenticating with one is `auth::session`.

use std::sync::Arc;

use serde_json::json;

use crate::app::App;
use crate::auth;
use crate::desk::tokens;
use crate::error::Result;
use crate::http::{Request, Response};

/// Make a token: `{"name","scope","expires_at"?,"desk"?}` → the token with its value, shown once.
pub fn create(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let f: tokens::NewTokenForm = req.json()?;
    let (t, value) = tokens::create(app, &a, req.remote, f)?;
    let mut v = serde_json::to_value(&t)?;
    v["token"] = json!(value);
    Ok(Response::json(201, &v))
}

/// `?all=1`: every token (admins).
pub fn list(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let all = req.query_param("all").is_some_and(|v| v == "1" || v == "true");
    Ok(Response::ok_json(&json!({"tokens": tokens::list(app, &a, all)?})))
}

pub fn revoke(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    Ok(Response::ok_json(&json!({"token": tokens::revoke(app, &a, req.remote, id)?})))
}
