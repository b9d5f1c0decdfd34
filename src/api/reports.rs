//! Reports (issue 20): `GET /api/reports` (an admin: everyone's or one agent's; an agent: their own,
//! `desk::reports` decides) and `/reports`, the page agents open for their own figures (admins have
//! the Reports section of the admin pages). Also the test-only clock route the browser tests use.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;

use crate::app::App;
use crate::assets;
use crate::auth;
use crate::desk::reports::{self, Query};
use crate::error::{Error, Result};
use crate::http::{Request, Response};

fn id_param(req: &Request, name: &str) -> Result<Option<i64>> {
    match req.query_param(name).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().ok().filter(|n: &i64| *n > 0).map(Some).ok_or_else(|| Error::new(422, format!("{name}: an id"))),
    }
}

/// `GET /api/reports?range=today|7d|30d|custom&from=&to=&agent=&label=`.
pub fn get(app: &Arc<App>, req: &Request) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    let q = Query {
        range: req.query_param("range").unwrap_or_default(),
        from: req.query_param("from"),
        to: req.query_param("to"),
        agent: id_param(req, "agent")?,
        label: id_param(req, "label")?,
    };
    Ok(Response::ok_json(&reports::report(app, &a.user, q)?))
}

/// `/reports`: an agent's own reports page; signed-out visitors go to sign-in.
pub fn page(app: &Arc<App>, req: &Request) -> Result<Response> {
    if auth::session(app, req)?.is_none() {
        return Ok(Response::redirect("/login"));
    }
    assets::serve(req, "app/reports.html").ok_or_else(|| Error::internal("missing embedded app/reports.html"))
}

#[derive(Deserialize)]
struct ClockForm {
    /// Unix ms; 0 returns to the system clock; absent: only tell the time.
    ms: Option<i64>,
}

/// `POST /__test/clock {ms}` (test routes only): fix the clock rules read and rows are stamped with.
pub fn test_clock(app: &Arc<App>, req: &Request) -> Result<Response> {
    let f: ClockForm = req.json()?;
    if let Some(ms) = f.ms {
        app.clock.set_fixed(ms.max(0));
    }
    Ok(Response::ok_json(&json!({"now": app.clock.now_ms()})))
}
