//! The customer widget's pages: `/widget.js` (the loader a site owner embeds), `/widget` (the chat,
//! shown in an iframe on their site), `/widget/preview` (a sample page with the widget on it) and
//! `GET /api/widget/settings` (what the chat needs before a visitor exists). The chat's own API is
//! `widget.rs`; the files are `assets/widget/`.

use std::sync::Arc;

use serde_json::json;

use crate::app::App;
use crate::assets;
use crate::error::{Error, Result};
use crate::http::{Request, Response};

/// The tag a site owner pastes into their pages.
pub fn snippet(public_url: &str) -> String {
    format!("<script async src=\"{}/widget.js\"></script>", public_url.trim_end_matches('/'))
}

/// `/widget.js`: a plain script any site may load, so it is served for cross-origin use.
pub fn loader(_app: &Arc<App>, req: &Request) -> Result<Response> {
    let r = assets::serve(req, "widget/loader.js").ok_or_else(|| Error::internal("missing embedded widget/loader.js"))?;
    Ok(r.header("Access-Control-Allow-Origin", "*").header("Cross-Origin-Resource-Policy", "cross-origin"))
}

/// The CSP of the chat frame: our own files only, and framed only by the allowed origins (any
/// origin when the list is empty) and our own pages (the preview).
pub fn frame_csp(app: &App) -> String {
    let s = app.settings();
    let own = app.config.public_origin();
    let ancestors =
        if s.allowed_origins.is_empty() { "*".to_string() } else { ["'self'".to_string(), s.allowed_origins.join(" ")].join(" ") };
    let ws = own.replacen("http", "ws", 1);
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self' {ws}; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
    )
}

/// `/widget`: the chat itself, in the host page's iframe.
pub fn frame(app: &Arc<App>, req: &Request) -> Result<Response> {
    let csp = frame_csp(app);
    let r = assets::serve_with_csp(req, "widget/frame.html", &csp).ok_or_else(|| Error::internal("missing embedded widget/frame.html"))?;
    Ok(r)
}

/// `/widget/preview`: the widget on a sample page, as a customer sees it ([S2]).
pub fn preview(_app: &Arc<App>, req: &Request) -> Result<Response> {
    assets::serve(req, "widget/preview.html").ok_or_else(|| Error::internal("missing embedded widget/preview.html"))
}

/// `GET /api/widget/settings`: the public settings (look, messages, online), no token needed.
pub fn settings(app: &Arc<App>, _req: &Request) -> Result<Response> {
    let mut helpdesk = app.public_settings();
    // Email is set up: the widget offers "Send me the transcript".
    helpdesk["email"] = json!(crate::desk::mail::enabled(app));
    Ok(Response::ok_json(&json!({"helpdesk": helpdesk})))
}
