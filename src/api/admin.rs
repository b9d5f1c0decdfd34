//! The admin pages (`/admin`, `/admin/<section>`, served from `assets/admin/`) and their APIs that
//! are not settings: the widget's install snippet, the identity-verification secret, the audit log.
//! Their routes are in `api::ROUTES`; invites are `admin_team`, backups and retention `admin_data`,
//! the online state `admin_availability`. Admins only, except the invite sign-up page and its API.

use std::sync::Arc;

use serde_json::json;

use crate::app::App;
use crate::assets;
use crate::auth;
use crate::db;
use crate::error::{Error, Result};
use crate::http::{Request, Response};

/// The sections of the admin page; `/admin/<section>` opens one.
pub const SECTIONS: [&str; 12] =
    ["messages", "availability", "widget", "team", "data", "audit", "labels", "replies", "email", "webhooks", "api", "reports"];

/// `/admin`: signed-out visitors go to sign-in; agents get 403 with a page (in their language) that
/// says the admin pages are for admins and leads back to the Messenger.
pub fn page(app: &Arc<App>, req: &Request) -> Result<Response> {
    match auth::session(app, req)? {
        None => Ok(Response::redirect("/login")),
        Some(a) if !a.user.is_admin() => not_admin_page(),
        Some(_) => assets::serve(req, "admin/index.html").ok_or_else(|| Error::internal("missing embedded admin/index.html")),
    }
}

/// The "not an admin" page, as a 403 (never a 304: the status is the answer; never cached).
fn not_admin_page() -> Result<Response> {
    let page = assets::bytes("admin/not-admin.html").ok_or_else(|| Error::internal("missing embedded admin/not-admin.html"))?;
    Ok(Response::html(403, page))
}

/// `/admin/<section>`: the same page, opened at one of `SECTIONS`.
pub fn section(app: &Arc<App>, req: &Request, section: &str) -> Result<Response> {
    if !SECTIONS.contains(&section) {
        return Err(Error::not_found(format!("No admin section '{section}'.")));
    }
    page(app, req)
}

/// `/invite/TOKEN`: the sign-up page; the token is checked by its API call.
pub fn invite_page(req: &Request) -> Result<Response> {
    assets::serve(req, "admin/invite.html").ok_or_else(|| Error::internal("missing embedded admin/invite.html"))
}

/// `GET /api/admin/widget`: what the Widget section shows besides settings.
pub fn widget_info(app: &Arc<App>, req: &Request) -> Result<Response> {
    auth::require_admin(app, req)?;
    let base = app.config.public_url.trim_end_matches('/');
    let s = app.settings();
    Ok(Response::ok_json(&json!({
        "snippet": super::widget_pages::snippet(&app.config.public_url),
        "preview_url": format!("{base}/widget/preview"),
        "frame_url": format!("{base}/widget"),
        "identity_secret_set": !s.identity_secret.is_empty(),
        "allowed_origins_warning": s.allowed_origins.is_empty().then_some(
            "Any website can embed your widget. Add your site's origin (https://www.example.com) to allow only it."),
    })))
}

/// Change one setting through the one settings path (validation, audit, `settings.updated`).
fn set_secret(app: &Arc<App>, req: &Request, secret: String, action: &'static str) -> Result<()> {
    let a = auth::require_admin_for(app, req)?;
    let patch = json!({"identity_secret": secret}).as_object().cloned().unwrap_or_default();
    // The value never goes into the log; the action says what happened.
    let audit = crate::desk::settings::Audit { action, target: "settings:identity_secret", detail: Some(json!({})) };
    crate::desk::settings::apply(app, patch, a.user.id, req.remote.to_string(), audit)?;
    Ok(())
}

/// `POST /api/admin/identity-secret`: a new random secret, shown in this answer only. The old one
/// stops working at once: sites must switch their `user_hash` to the new one.
pub fn rotate_secret(app: &Arc<App>, req: &Request) -> Result<Response> {
    let secret = format!("fd_{}{}", auth::random_token(), auth::random_token());
    set_secret(app, req, secret.clone(), "identity_secret.rotate")?;
    Ok(Response::ok_json(&json!({"identity_secret": secret})))
}

/// `DELETE /api/admin/identity-secret`: identity verification off.
pub fn clear_secret(app: &Arc<App>, req: &Request) -> Result<Response> {
    set_secret(app, req, String::new(), "identity_secret.clear")?;
    Ok(Response::ok_json(&json!({"ok": true})))
}

/// `GET /api/audit?before=ID&limit=50`: newest first; `next_before` pages on.
pub fn audit_log(app: &Arc<App>, req: &Request) -> Result<Response> {
    auth::require_admin(app, req)?;
    let num = |name: &str| -> Result<Option<i64>> {
        match req.query_param(name).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| Error::bad_request(format!("{name}: expected a number"))),
        }
    };
    let before = num("before")?;
    let limit = num("limit")?.unwrap_or(50).clamp(1, 200);
    let entries = app.db.read(|c| db::audit::page(c, before, limit))?;
    let next = if entries.len() as i64 == limit { entries.last().map(|e| e.id) } else { None };
    Ok(Response::ok_json(&json!({"entries": entries, "next_before": next})))
}
