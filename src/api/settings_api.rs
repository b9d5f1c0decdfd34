//! `GET /api/settings` and `PATCH /api/settings`: admins read and change the help desk's settings.
//! Validation lives in `db::settings`; this file authorizes, audits and announces the change.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::app::App;
use crate::auth;
use crate::db;
use crate::error::{Error, Result};
use crate::http::{Request, Response};

/// Every setting (admins only). The identity-verification secret is shown once, when generated
/// (`POST /api/admin/identity-secret`); here only whether one is set.
pub fn get(app: &Arc<App>, req: &Request) -> Result<Response> {
    auth::require_admin(app, req)?;
    Ok(Response::ok_json(&json!({"settings": redacted(&app.settings()), "status": app.helpdesk_status()})))
}

fn redacted(s: &db::settings::Settings) -> Value {
    let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        let set = o.remove("identity_secret").and_then(|x| x.as_str().map(|s| !s.is_empty())).unwrap_or(false);
        o.insert("identity_secret_set".into(), Value::Bool(set));
    }
    v
}

/// Apply a partial update; `422` naming the first invalid field. Customers and agents get
/// `settings.updated` with the public part.
pub fn update(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    let patch: Value = req.json()?;
    let Value::Object(patch) = patch else {
        return Err(Error::bad_request("Send a JSON object of settings to change."));
    };
    let (by, ip) = (a.user.id, req.remote.to_string());
    let (now, agents) = (app.clock.now_ms(), app.hub.online_agents().len());
    let (settings, status) = app.db.write(move |w| {
        let (s, changed) = db::settings::update(w.conn, &patch, Some(by))?;
        let status = db::hours::status(&s, now, agents);
        if !changed.is_empty() {
            // The secret's value stays out of the audit log; its name says it changed.
            db::audit::append(w.conn, Some(by), &ip, "settings.update", "settings", json!({"changed": changed}))?;
            w.emit("settings.updated", None, db::events::Audience::Everyone, s.public_with(&status))?;
        }
        Ok((s, status))
    })?;
    app.set_settings(settings.clone());
    super::admin_availability::remember(app, status.clone());
    Ok(Response::ok_json(&json!({"settings": redacted(&settings), "status": status})))
}
