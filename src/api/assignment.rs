//! Assignment and availability over HTTP: who handles a live chat, and an agent's own Online/Away.
//! The rules are `desk::assignment`.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;

use crate::app::App;
use crate::auth;
use crate::desk::assignment;
use crate::error::Result;
use crate::http::{Request, Response};

#[derive(Deserialize)]
struct AssignForm {
    /// The new assignee, or `null` for nobody.
    user_id: Option<i64>,
    /// For the new assignee (a transfer), shown in the timeline to agents only.
    note: Option<String>,
}

/// `POST /api/conversations/:id/assignee {user_id|null, note?}`: assign, transfer or unassign a live
/// chat. Agents who do not see customers get `404`, as for any live chat.
pub fn assign(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let f: AssignForm = req.json()?;
    let c = assignment::assign(app, &a.user, id, f.user_id, f.note)?;
    Ok(Response::ok_json(&json!({"conversation": c})))
}

#[derive(Deserialize)]
struct StatusForm {
    status: String,
}

/// `POST /api/me/status {status: "online"|"away"}`: my own availability.
pub fn set_status(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let f: StatusForm = req.json()?;
    Ok(Response::ok_json(&assignment::set_availability(app, &a.user, &f.status)?))
}
