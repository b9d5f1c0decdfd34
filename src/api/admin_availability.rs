//! The help desk's online state ([S12]): the switch (`POST /api/helpdesk/status`, from the
//! Messenger or the admin page), business hours with its override, and `tick`, which re-evaluates
//! the effective state (the maintenance loop calls it every few seconds; tests call it after moving
//! `app.clock`) and pushes `helpdesk.status` when it changed. The rules are `db::hours::status`.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;

use crate::app::App;
use crate::auth;
use crate::db::{self, events::Audience, hours};
use crate::error::{Error, Result};
use crate::http::{Request, Response};

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
    let (by, ip) = (a.user.id, req.remote.to_string());
    let (now, agents) = (app.clock.now_ms(), app.hub.online_agents().len());
    let (settings, status) = app.db.write(move |w| {
        let current = db::settings::load(w.conn)?;
        let until = hours::override_until(&current, now);
        let patch = json!({"online": f.online, "override_until": until});
        let (s, changed) = db::settings::update(w.conn, patch.as_object().expect("literal object"), Some(by))?;
        let status = hours::status(&s, now, agents);
        if !changed.is_empty() {
            db::audit::append(w.conn, Some(by), &ip, "helpdesk.status", "settings:online", json!({"online": f.online, "until": until}))?;
            w.emit("helpdesk.status", None, Audience::Everyone, s.public_with(&status))?;
        }
        Ok((s, status))
    })?;
    let public = settings.public_with(&status);
    app.set_settings(settings);
    remember(app, status);
    Ok(Response::ok_json(&public))
}

/// Record the state clients were last told about, so `tick` announces only real changes.
pub fn remember(app: &App, status: hours::Status) {
    *app.helpdesk.lock().unwrap_or_else(|p| p.into_inner()) = Some(status);
}

/// Re-evaluate the effective state at `app.clock`'s time; push `helpdesk.status` to every
/// Messenger and widget if it changed. Returns the new state when it changed.
pub fn tick(app: &Arc<App>) -> Result<Option<hours::Status>> {
    let status = app.helpdesk_status();
    let last = app.helpdesk.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if last.as_ref().is_some_and(|l| l.online == status.online && l.reason == status.reason) {
        return Ok(None);
    }
    let public = app.settings().public_with(&status);
    app.db.write(move |w| w.emit("helpdesk.status", None, Audience::Everyone, public).map(|_| ()))?;
    remember(app, status.clone());
    if let Some(l) = last {
        log::info!("help desk is now {} (was {})", status.label, l.label);
    }
    Ok(Some(status))
}
