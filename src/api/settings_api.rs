//! `GET /api/settings` and `PATCH /api/settings`: admins read and change the help desk's settings.
//! Validation lives in `db::settings`; this file authorizes, audits and announces the change.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::app::App;
use crate::auth;
use crate::db;
use crate::desk::{self, settings::Audit};
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
        // Write-only: whether a password is set, never the password.
        for k in ["smtp_password", "imap_password"] {
            let set = o.remove(k).and_then(|x| x.as_str().map(|s| !s.is_empty())).unwrap_or(false);
            o.insert(format!("{k}_set"), Value::Bool(set));
        }
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
    // The environment's servers win: their fields cannot be changed here.
    let locked = |prefix: &[&str]| patch.keys().find(|k| prefix.iter().any(|p| k.starts_with(p))).cloned();
    if app.config.smtp_url.is_some()
        && let Some(k) = locked(&["smtp_"])
    {
        return Err(Error::conflict(format!("{k}: set by FRONTDESK_SMTP_URL on the server; change it there")));
    }
    if app.config.imap_url.is_some()
        && let Some(k) = locked(&["imap_"])
    {
        return Err(Error::conflict(format!("{k}: set by FRONTDESK_IMAP_URL on the server; change it there")));
    }
    // The audit names the changed fields, never a secret's value.
    let audit = Audit { action: "settings.update", target: "settings", detail: None };
    let (settings, status) = desk::settings::apply(app, patch, a.user.id, req.remote.to_string(), audit)?;
    Ok(Response::ok_json(&json!({"settings": redacted(&settings), "status": status})))
}
