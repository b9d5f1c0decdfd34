//! `POST /api/helpdesk/status`: the online switch, from the Messenger or the admin page. The rules
//! (hours, override, announcing) are in `desk::availability`.

use std::sync::Arc;

use crate::app::App;
use crate::auth;
use crate::desk::availability;
use crate::error::{Error, Result};
use crate::http::{Request, Response};
use serde::Deserialize;

#[derive(Deserialize)]
struct OnlineForm {
    online: bool,
}

/// `POST /api/helpdesk/status {online}`: admins and customer-support agents. With business hours
/// on, the choice holds until the next opening or closing time, then the hours decide again.
pub fn set_switch(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    if !a.user.sees_customers() {
        return Err(Error::forbidden("Only admins and customer-support agents can switch the help desk online or offline."));
    }
    let f: OnlineForm = req.json()?;
    Ok(Response::ok_json(&availability::switch(app, a.user.id, req.remote.to_string(), f.online)?))
}
