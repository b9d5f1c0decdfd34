//! Webhooks (issue 19), admins only: endpoints (`GET`/`POST /api/webhooks`, `PATCH`/`DELETE
//! /api/webhooks/:id`), a new secret, a test event, the delivery log and Retry of a failed delivery.
//! The rules are `desk::webhooks`; delivery is `desk::webhook_send`.

use std::sync::Arc;

use serde_json::json;

use crate::app::App;
use crate::auth;
use crate::desk::webhooks::{self, Form};
use crate::error::Result;
use crate::http::{Request, Response};

/// `GET /api/webhooks`: `{webhooks, events, allow_private}` (never a secret).
pub fn list(app: &Arc<App>, req: &Request) -> Result<Response> {
    auth::require_admin(app, req)?;
    Ok(Response::ok_json(&webhooks::list(app)?))
}

/// `POST /api/webhooks {url, events, enabled?, internal?, description?}`: `201 {webhook, secret}`;
/// `422` naming the field (a URL on a private network says so).
pub fn create(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    let f: Form = req.json()?;
    Ok(Response::json(201, &webhooks::create(app, a.user.id, req.remote.to_string(), f)?))
}

/// `PATCH /api/webhooks/:id` (any of the fields): `{webhook}`.
pub fn update(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    let f: Form = req.json()?;
    Ok(Response::ok_json(&webhooks::update(app, a.user.id, req.remote.to_string(), id, f)?))
}

/// `DELETE /api/webhooks/:id`: `{ok}`; its deliveries still queued are dropped.
pub fn delete(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    webhooks::delete(app, a.user.id, req.remote.to_string(), id)?;
    Ok(Response::ok_json(&json!({"ok": true})))
}

/// `POST /api/webhooks/:id/rotate-secret`: `{secret}`, shown this once.
pub fn rotate(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    Ok(Response::ok_json(&webhooks::rotate(app, a.user.id, req.remote.to_string(), id)?))
}

/// `POST /api/webhooks/:id/test`: a `ping` delivered now: `{ok, delivery, id}`.
pub fn test(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    Ok(Response::ok_json(&webhooks::test(app, a.user.id, req.remote.to_string(), id)?))
}

/// `GET /api/webhooks/:id/deliveries`: `{webhook, deliveries}`, the latest 200 attempts.
pub fn deliveries(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    auth::require_admin(app, req)?;
    Ok(Response::ok_json(&webhooks::deliveries(app, id)?))
}

/// `POST /api/webhooks/deliveries/:id/retry`: a failed delivery is queued again now.
pub fn retry(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    webhooks::retry(app, a.user.id, req.remote.to_string(), id)?;
    Ok(Response::ok_json(&json!({"ok": true})))
}
