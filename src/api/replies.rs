//! Saved replies: `GET /api/replies` (the shared ones and mine), `POST /api/replies`,
//! `PATCH /api/replies/:id`, `DELETE /api/replies/:id`. Who may do what is `desk::replies`.

use std::sync::Arc;

use serde_json::json;

use crate::app::App;
use crate::auth;
use crate::desk::replies::{self, Form, Patch};
use crate::error::Result;
use crate::http::{Request, Response};

/// `GET /api/replies`: `{replies}`, the shared ones and the caller's own, by shortcut.
pub fn list(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let list = app.db.read(|c| replies::visible(c, &a.user))?;
    Ok(Response::ok_json(&json!({"replies": list})))
}

/// `POST /api/replies {scope, title, shortcut, body, title_pt?, body_pt?}`: `201 {reply}`.
pub fn create(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let f: Form = req.json()?;
    let (user, ip, now) = (a.user, req.remote.to_string(), app.clock.now_ms());
    let r = app.db.write(move |w| replies::create(w, &user, &ip, &f, now))?;
    Ok(Response::json(201, &json!({"reply": r})))
}

/// `PATCH /api/replies/:id`: `{reply}`.
pub fn update(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let p: Patch = req.json()?;
    let (user, ip, now) = (a.user, req.remote.to_string(), app.clock.now_ms());
    let r = app.db.write(move |w| replies::update(w, &user, &ip, id, &p, now))?;
    Ok(Response::ok_json(&json!({"reply": r})))
}

/// `DELETE /api/replies/:id`: `{reply}` as it was.
pub fn delete(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let (user, ip) = (a.user, req.remote.to_string());
    let r = app.db.write(move |w| replies::delete(w, &user, &ip, id))?;
    Ok(Response::ok_json(&json!({"reply": r, "deleted": true})))
}
