//! The admin's data tools: a consistent backup of the live database, an export of conversations
//! as JSON, and the retention rule (delete closed conversations after N days), which the
//! maintenance loop applies hourly and an admin can run at once.

use std::sync::Arc;

use serde_json::json;

use crate::app::App;
use crate::auth;
use crate::db;
use crate::error::{Error, Result};
use crate::http::{Request, Response};

fn stamp(app: &App) -> String {
    jiff::Timestamp::from_millisecond(app.clock.now_ms()).map(|t| t.strftime("%Y%m%d-%H%M%S").to_string()).unwrap_or_default()
}

/// `GET /api/admin/backup`: the whole database, consistent as of the moment the copy began.
/// The copy goes to a temporary file in the data directory and is then sent. The HTTP layer
/// writes whole bodies, so the file is read into memory: fine up to a few hundred MB; a streamed
/// body is the next step for bigger help desks.
pub fn backup(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    let tmp = app.config.data_dir.join(format!("backup-{}.tmp", auth::random_token()));
    let body = crate::http::thread::background(|| {
        app.db.read(|c| db::scratch_snapshot_to(c, &tmp)).and_then(|_| std::fs::read(&tmp).map_err(Error::from))
    });
    let _ = std::fs::remove_file(&tmp);
    let body = body?;
    let (by, ip, size) = (a.user.id, req.remote.to_string(), body.len());
    app.db.write(move |w| db::audit::append(w.conn, Some(by), &ip, "data.backup", "database", json!({"bytes": size})))?;
    Ok(Response::new(200)
        .header("Content-Type", "application/vnd.sqlite3")
        .header("Content-Disposition", format!("attachment; filename=\"frontdesk-{}.db\"", stamp(app)))
        .header("Cache-Control", "no-store")
        .header("X-Content-Type-Options", "nosniff")
        .body(body))
}

/// `GET /api/admin/export`: every conversation with its customer and messages, as JSON.
pub fn export(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    let doc = crate::http::thread::background(|| app.db.read(db::retention::export))?;
    let n = doc["conversations"].as_array().map_or(0, Vec::len);
    let (by, ip) = (a.user.id, req.remote.to_string());
    app.db.write(move |w| db::audit::append(w.conn, Some(by), &ip, "data.export", "conversations", json!({"conversations": n})))?;
    Ok(Response::ok_json(&doc)
        .header("Content-Disposition", format!("attachment; filename=\"frontdesk-conversations-{}.json\"", stamp(app))))
}

/// `POST /api/admin/retention/run`: apply the retention rule now.
pub fn run_retention(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_admin_for(app, req)?;
    let days = app.settings().retention_days;
    if days == 0 {
        return Err(Error::new(422, "retention_days: set a number of days first (0 keeps everything)"));
    }
    let n = crate::desk::maintenance::apply_retention(app)?;
    let (by, ip) = (a.user.id, req.remote.to_string());
    app.db
        .write(move |w| db::audit::append(w.conn, Some(by), &ip, "data.retention", "conversations", json!({"deleted": n, "days": days})))?;
    Ok(Response::ok_json(&json!({"deleted": n, "retention_days": days})))
}

/// `GET /api/admin/backups`: the backup schedule and the scheduled backups on disk (the Data page).
pub fn backups(app: &Arc<App>, req: &Request) -> Result<Response> {
    auth::require_admin_for(app, req)?;
    let c = &app.config;
    let dir = c.backups_dir();
    Ok(Response::ok_json(&json!({
        "every_hours": c.backup_every_hours,
        "keep": c.backup_keep,
        "dir": dir.display().to_string(),
        "backups": crate::desk::backups::list(&dir),
    })))
}
