//! Files (issue 17): uploads (`POST /api/files` for agents, `POST /api/widget/files` for
//! visitors: the raw file as the body, `?upload_id=&name=`) and downloads (`GET /files/:key` with
//! the session cookie, `GET /api/widget/files/:key` with the visitor token). The rules are in
//! `desk::attachments`; here only who is asking and the headers every file answer carries.

use std::sync::Arc;

use serde_json::json;

use crate::app::App;
use crate::auth;
use crate::db::attachments::Stored;
use crate::desk::attachments::{self as rules, Upload};
use crate::desk::conversations::Actor;
use crate::error::{Error, Result};
use crate::files::sniff;
use crate::http::{Request, Response};

/// Whether a request is an upload, whose body the server streams (`api::Frontdesk::body_plan`).
pub fn is_upload(req: &Request) -> bool {
    req.method == "POST" && (req.path == "/api/files" || req.path == "/api/widget/files")
}

fn upload(app: &Arc<App>, req: &Request, actor: &Actor) -> Result<Response> {
    let upload_id = req.query_param("upload_id").unwrap_or_default();
    let name = req.query_param("name").unwrap_or_default();
    let mut body = req.stream.clone().ok_or_else(|| Error::bad_request("Send the file as the request body."))?;
    let ip = req.remote.to_string();
    let (att, created) = rules::upload(app, actor, Upload { upload_id: &upload_id, name: &name, body: &mut body, ip: &ip })?;
    Ok(Response::json(if created { 201 } else { 200 }, &json!({"attachment": att})))
}

/// `POST /api/files?upload_id=&name=`: an agent's upload (session, CSRF).
pub fn upload_agent(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    upload(app, req, &Actor::Agent(a.user))
}

/// `POST /api/widget/files?upload_id=&name=`: a visitor's upload (visitor token).
pub fn upload_widget(app: &Arc<App>, req: &Request) -> Result<Response> {
    let cid = super::widget::customer(app, req)?;
    upload(app, req, &Actor::Customer(cid))
}

/// `GET /files/:key[?thumb=1]`: a file for a signed-in agent who may see its conversation.
pub fn get_agent(app: &Arc<App>, req: &Request, key: &str) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    serve(app, req, key, &Actor::Agent(a.user))
}

/// `GET /api/widget/files/:key[?thumb=1]`: a file of the visitor's own conversation.
pub fn get_widget(app: &Arc<App>, req: &Request, key: &str) -> Result<Response> {
    let cid = super::widget::customer(app, req)?;
    serve(app, req, key, &Actor::Customer(cid))
}

fn serve(app: &Arc<App>, req: &Request, key: &str, viewer: &Actor) -> Result<Response> {
    let row = app.db.read(|c| rules::readable(c, key, viewer))?;
    let thumb = req.query_param("thumb").is_some_and(|v| v == "1");
    let (sha, mime) = match (&row.thumb_sha256, thumb) {
        (Some(t), true) => (t.clone(), if row.att.mime == "image/jpeg" { "image/jpeg" } else { "image/png" }),
        (None, true) => return Err(Error::not_found("This file has no thumbnail.")),
        (_, false) => (row.sha256.clone(), row.att.mime.as_str()),
    };
    let (file, len) = app.files.open(&sha)?;
    Ok(headers(Response::new(200), &row, mime, thumb).file(file, len))
}

/// The headers of every file answer. Only raster images (whose type the bytes proved) are shown
/// inline; everything else is a download. The browser may not guess another type (`nosniff`), and
/// even a file opened directly runs nothing (`sandbox`: no scripts, no same-origin access).
fn headers(r: Response, row: &Stored, mime: &str, thumb: bool) -> Response {
    let inline = thumb || sniff::kind(&row.att.mime).is_some_and(|k| k.raster);
    let disposition = if inline { "inline" } else { "attachment" };
    r.header("Content-Type", mime)
        .header(
            "Content-Disposition",
            format!("{disposition}; filename=\"{}\"; filename*=UTF-8''{}", ascii_name(&row.att.name), encode(&row.att.name)),
        )
        .header("X-Content-Type-Options", "nosniff")
        .header("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'")
        .header("Cross-Origin-Resource-Policy", "same-origin")
        .header("Referrer-Policy", "no-referrer")
        // A file's bytes never change under its id, but who may see it can (a deleted message).
        .header("Cache-Control", "private, max-age=300")
}

/// The name for the plain `filename=`: ASCII without quotes or backslashes.
fn ascii_name(name: &str) -> String {
    name.chars().map(|c| if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' { c } else { '_' }).collect()
}

/// RFC 5987 percent-encoding for `filename*`.
fn encode(name: &str) -> String {
    name.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
