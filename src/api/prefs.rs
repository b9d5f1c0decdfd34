//! The signed-in user's own Messenger preferences (`PATCH /api/me/prefs`): language override and
//! whether sound and browser notifications are on. Stored in `users.prefs`; read back via `/api/me`.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::app::App;
use crate::auth;
use crate::db;
use crate::error::{Error, Result};
use crate::http::{Request, Response};

/// Merge `{language?: "auto"|"en"|"pt", notifications?: bool}` into my prefs; answer `{prefs}`.
pub fn update(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let patch: serde_json::Map<String, Value> = req.json()?;
    let mut clean = serde_json::Map::new();
    for (k, v) in patch {
        match (k.as_str(), &v) {
            ("language", Value::String(s)) if matches!(s.as_str(), "auto" | "en" | "pt") => {}
            ("notifications", Value::Bool(_)) => {}
            ("language", _) => return Err(Error::new(422, "language: must be auto, en or pt")),
            ("notifications", _) => return Err(Error::new(422, "notifications: must be true or false")),
            _ => return Err(Error::new(422, format!("{k}: not a preference"))),
        }
        clean.insert(k, v);
    }
    let id = a.user.id;
    let prefs = app.db.write(move |w| {
        let mut u = db::users::get(w.conn, id)?.ok_or_else(Error::unauthorized)?;
        if !u.prefs.is_object() {
            u.prefs = json!({});
        }
        if let Some(obj) = u.prefs.as_object_mut() {
            obj.extend(clean);
        }
        db::users::update(w.conn, &u)?;
        Ok(u.prefs)
    })?;
    Ok(Response::ok_json(&json!({"prefs": prefs})))
}
