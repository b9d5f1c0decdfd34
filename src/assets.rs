//! Embedded static files (`assets/`): content types, ETags and cache headers.

use rust_embed::RustEmbed;

use crate::http::Request;
use crate::http::response::{CSP, Response, with_security_headers};

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "wav" => "audio/wav",
        "mp3" => "audio/mpeg",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Serve `path` (relative to `assets/`) with an ETag; 304 when the client has it.
pub fn serve(req: &Request, path: &str) -> Option<Response> {
    serve_with_csp(req, path, CSP)
}

pub fn serve_with_csp(req: &Request, path: &str, csp: &str) -> Option<Response> {
    let file = Assets::get(path)?;
    let etag = format!("\"{}\"", crate::auth::hex(&file.metadata.sha256_hash()[..12]));
    let ct = content_type(path);
    let html = ct.starts_with("text/html");
    // HTML is revalidated every time (it names the current scripts); other files for an hour.
    let cache = if html { "no-cache" } else { "public, max-age=3600, must-revalidate" };
    let r = if req.header("if-none-match") == Some(etag.as_str()) {
        Response::new(304)
    } else {
        Response::new(200).header("Content-Type", ct).body(file.data.into_owned())
    };
    let r = r.header("ETag", etag).header("Cache-Control", cache);
    Some(if html { with_security_headers(r, csp) } else { r.header("X-Content-Type-Options", "nosniff") })
}

/// The embedded file at `path`, for a page answered with another status than 200.
pub fn bytes(path: &str) -> Option<Vec<u8>> {
    Assets::get(path).map(|f| f.data.into_owned())
}

pub fn exists(path: &str) -> bool {
    Assets::get(path).is_some()
}
