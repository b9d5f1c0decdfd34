//! HTML pages and static files: `/` (the Messenger, signed in), `/setup` (first run), `/login`,
//! password reset (`/reset/TOKEN`, `/forgot-password`).

use std::sync::Arc;

use crate::app::App;
use crate::assets;
use crate::auth;
use crate::db;
use crate::error::{Error, Result};
use crate::http::{Request, Response};

pub fn index(app: &Arc<App>, req: &Request) -> Result<Response> {
    if !app.db.read(db::users::admin_exists)? {
        return Ok(Response::redirect("/setup"));
    }
    if auth::session(app, req)?.is_none() {
        return Ok(Response::redirect("/login"));
    }
    page(req, "app/index.html")
}

/// The setup page exists only until the first admin does.
pub fn setup(app: &Arc<App>, req: &Request) -> Result<Response> {
    if app.db.read(db::users::admin_exists)? {
        return Ok(Response::redirect("/login"));
    }
    page(req, "shared/setup.html")
}

pub fn login(app: &Arc<App>, req: &Request) -> Result<Response> {
    if !app.db.read(db::users::admin_exists)? {
        return Ok(Response::redirect("/setup"));
    }
    page(req, "shared/login.html")
}

/// `/reset/TOKEN` (a password reset link; the page checks the token through its API) and
/// `/forgot-password` (the same page without a token: how to get such a link).
pub fn reset(req: &Request) -> Result<Response> {
    page(req, "shared/reset.html")
}

fn page(req: &Request, path: &str) -> Result<Response> {
    assets::serve(req, path).ok_or_else(|| Error::internal(format!("missing embedded page {path}")))
}

/// `/assets/<path>`: embedded files; no `..` tricks (rust-embed only knows its own names).
pub fn asset(req: &Request) -> Result<Response> {
    let path = req.path.trim_start_matches("/assets/");
    asset_at(req, path)
}

pub fn asset_at(req: &Request, path: &str) -> Result<Response> {
    assets::serve(req, path).ok_or_else(|| Error::not_found("No such file."))
}
