//! Labels: every agent reads them (the Messenger names and colours a conversation's labels from
//! this list); admins define them; an agent sets a conversation's labels. The rules are
//! `desk::labels`.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;

use crate::app::App;
use crate::auth;
use crate::db;
use crate::desk::labels::{self, LabelForm};
use crate::error::Result;
use crate::http::{Request, Response};

/// `GET /api/labels`: every label, by name.
pub fn list(app: &Arc<App>, req: &Request) -> Result<Response> {
    auth::require_for(app, req)?;
    let all = app.db.read(db::labels::list)?;
    Ok(Response::ok_json(&json!({"labels": all})))
}

/// `POST /api/labels` (admins): `{name, color, description?}`.
pub fn create(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    let f: LabelForm = req.json()?;
    let label = labels::create(app, &a.user, req.remote.to_string(), f)?;
    Ok(Response::json(201, &json!({"label": label})))
}

/// `PATCH /api/labels/:id` (admins): any of `{name, color, description}`.
pub fn update(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    let f: LabelForm = req.json()?;
    let label = labels::update(app, &a.user, req.remote.to_string(), id, f)?;
    Ok(Response::ok_json(&json!({"label": label})))
}

/// `DELETE /api/labels/:id` (admins): off every conversation too.
pub fn delete(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    Ok(Response::ok_json(&labels::delete(app, &a.user, req.remote.to_string(), id)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetForm {
    labels: Vec<i64>,
}

/// `PUT /api/conversations/:id/labels`: `{labels: [ids]}`, the conversation's whole set.
pub fn set(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let f: SetForm = req.json()?;
    let c = labels::set_for_conversation(app, &a.user, req.remote.to_string(), id, f.labels)?;
    Ok(Response::ok_json(&json!({"conversation": c})))
}
