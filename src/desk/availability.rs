//! The help desk's online state ([S12]): the switch (with business hours on, a choice holds until
//! the next opening or closing time), and `tick`, which re-evaluates the effective state (the
//! maintenance loop calls it every few seconds; tests call it after moving `app.clock`) and pushes
//! `helpdesk.status` when it changed. The hours themselves are computed by `db::hours::status`.

use std::sync::Arc;

use serde_json::{Value, json};

use super::settings::{self, Audit, Change};
use crate::app::App;
use crate::db::{self, events::Audience, hours};
use crate::error::Result;

/// Switch the desk online or offline by hand; returns the public settings with the new state.
pub fn switch(app: &Arc<App>, by: i64, ip: String, online: bool) -> Result<Value> {
    let (now, agents) = (app.clock.now_ms(), app.available_agents());
    let (s, status) = app.db.write(move |w| {
        let current = db::settings::load(w.conn)?;
        let until = hours::override_until(&current, now);
        let patch = json!({"online": online, "override_until": until});
        let audit = Audit { action: "helpdesk.status", target: "settings:online", detail: Some(json!({"online": online, "until": until})) };
        let patch = patch.as_object().cloned().unwrap_or_default();
        settings::change(w, Change { patch: &patch, by: Some(by), ip: &ip, audit, event: "helpdesk.status" }, now, agents)
    })?;
    let public = s.public_with(&status);
    settings::adopt(app, s, status);
    Ok(public)
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
