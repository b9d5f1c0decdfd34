//! The one path for changing settings: validate and write (`db::settings::update`), audit (never a
//! secret's value), announce the public part to everyone, then make the result current in the app.
//! Handlers (settings page, identity secret, online switch, setup) all come through here.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::app::App;
use crate::db::hours::Status;
use crate::db::settings::Settings;
use crate::db::{self, WriteCtx, events::Audience};
use crate::error::Result;

/// How a change is written to the audit log. Without `detail`, the names of the changed fields.
pub struct Audit {
    pub action: &'static str,
    pub target: &'static str,
    pub detail: Option<Value>,
}

/// A change inside a write job: `patch` is validated and written; if anything changed it is
/// audited and `event` (`settings.updated` or `helpdesk.status`) goes to everyone with the public
/// settings. `now` and `agents` decide the effective online state that goes with them.
pub struct Change<'a> {
    pub patch: &'a Map<String, Value>,
    pub by: Option<i64>,
    pub ip: &'a str,
    pub audit: Audit,
    pub event: &'static str,
}

pub fn change(w: &mut WriteCtx<'_>, c: Change<'_>, now: i64, agents: usize) -> Result<(Settings, Status)> {
    let before = db::hours::status(&db::settings::load(w.conn)?, now, agents);
    let (s, changed) = db::settings::update(w.conn, c.patch, c.by)?;
    let status = db::hours::status(&s, now, agents);
    if !changed.is_empty() {
        let detail = c.audit.detail.unwrap_or_else(|| json!({"changed": changed}));
        db::audit::append(w.conn, c.by, c.ip, c.audit.action, c.audit.target, detail)?;
        w.emit(c.event, None, Audience::Everyone, s.public_with(&status))?;
        // Whatever changed the effective state (the switch, business hours turned on or off, a new
        // time zone), it is announced as `helpdesk.status` ([S12]), as `tick` does for the clock.
        if c.event != "helpdesk.status" && before != status {
            w.emit("helpdesk.status", None, Audience::Everyone, s.public_with(&status))?;
        }
    }
    Ok((s, status))
}

/// `change` as a write of its own, made current once committed.
pub fn apply(app: &Arc<App>, patch: Map<String, Value>, by: i64, ip: String, audit: Audit) -> Result<(Settings, Status)> {
    let (now, agents) = (app.clock.now_ms(), app.available_agents());
    let hub = app.hub.clone();
    let (s, status) = app.db.write(move |w| {
        let out = change(w, Change { patch: &patch, by: Some(by), ip: &ip, audit, event: "settings.updated" }, now, agents)?;
        // Auto-assignment turned on, or a higher cap: waiting chats may go out now.
        super::assignment::dispatch(w, &hub)?;
        Ok(out)
    })?;
    adopt(app, s.clone(), status.clone());
    Ok((s, status))
}

/// Make committed settings current: the cached copy, and the state clients were last told.
pub fn adopt(app: &App, s: Settings, status: Status) {
    app.set_settings(s);
    super::availability::remember(app, status);
}
