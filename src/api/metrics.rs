//! `GET /metrics`: Prometheus text exposition (version 0.0.4), for admins' sessions or the metrics
//! token (`--metrics-token`, sent as `Authorization: Bearer`): it reveals load, not content, but
//! customers and agents have no business with it. And `GET /readyz`: can the desk take writes now.

use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::app::App;
use crate::auth;
use crate::db::writer::COMMIT_BUCKETS_US;
use crate::error::{Error, Result};
use crate::http::{Request, Response};
use crate::metrics;

/// The metrics token, compared in constant time (through SHA-256, so the length leaks nothing
/// either); without a token, or with a wrong one, an admin's session.
fn authorize(app: &App, req: &Request) -> Result<()> {
    if let (Some(want), Some(got)) = (&app.config.metrics_token, auth::bearer(req)) {
        use sha2::Digest;
        let (a, b) = (sha2::Sha256::digest(want.as_bytes()), sha2::Sha256::digest(got.as_bytes()));
        if a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0 {
            return Ok(());
        }
        return Err(Error::new(401, "Wrong metrics token."));
    }
    auth::require_admin(app, req).map(|_| ())
}

/// The delivery queues (the `outbox` table: mail now, webhooks later): each queue's name and how
/// many deliveries wait in it (queued or being sent), as `frontdesk_queue_depth{queue="..."}`.
/// Both queues are always named, at 0 when empty, so an alert can watch them from the start.
pub fn queue_depths(app: &App) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = vec![("mail".into(), 0), ("webhook".into(), 0)];
    for (kind, n) in app.db.read(crate::db::outbox::waiting).unwrap_or_default() {
        match out.iter_mut().find(|(k, _)| *k == kind) {
            Some(e) => e.1 = n as u64,
            None => out.push((kind, n as u64)),
        }
    }
    out
}

pub fn metrics(app: &Arc<App>, req: &Request) -> Result<Response> {
    authorize(app, req)?;
    let (agents, widgets) = app.hub.counts();
    let total = app.net.connections.load(Ordering::Relaxed);
    let st = &app.db.writer.stats;
    let mut o = String::new();
    let _ = writeln!(o, "# HELP frontdesk_connections Open connections by kind.\n# TYPE frontdesk_connections gauge");
    let _ = writeln!(o, "frontdesk_connections{{kind=\"agent_ws\"}} {agents}");
    let _ = writeln!(o, "frontdesk_connections{{kind=\"widget_ws\"}} {widgets}");
    let _ = writeln!(o, "frontdesk_connections{{kind=\"http\"}} {}", total.saturating_sub(agents + widgets));
    let mut simple = |name: &str, kind: &str, help: &str, v: u64| {
        let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}");
    };
    simple("frontdesk_messages_total", "counter", "Messages committed since start.", st.messages.load(Ordering::Relaxed));
    simple(
        "frontdesk_events_delivered_total",
        "counter",
        "Event frames queued to sockets since start.",
        app.hub.delivered.load(Ordering::Relaxed),
    );
    simple(
        "frontdesk_events_slow_lane_total",
        "counter",
        "Of those, frames that waited in the fan-out's slow lane (agents' sockets whose clients did not show they read).",
        app.hub.slow_lane.load(Ordering::Relaxed),
    );
    let budget = &app.hub.budget;
    simple(
        "frontdesk_backlog_bytes",
        "gauge",
        "Memory held by WebSocket backlogs (frames waiting for slow readers), all sockets together.",
        budget.used() as u64,
    );
    simple("frontdesk_backlog_budget_bytes", "gauge", "The most backlogs may hold together (--max-backlog-memory).", budget.limit as u64);
    simple(
        "frontdesk_backlog_cuts_total",
        "counter",
        "WebSocket clients cut for reading too slowly (close code 1013: they reconnect and resume).",
        budget.cuts(),
    );
    simple("frontdesk_write_jobs_total", "counter", "Write jobs committed since start.", st.jobs.load(Ordering::Relaxed));
    simple("frontdesk_write_queue_depth", "gauge", "Write jobs waiting for the writer thread.", st.queued.load(Ordering::Relaxed) as u64);
    simple("frontdesk_uptime_seconds", "gauge", "Seconds since start.", app.started.elapsed().as_secs());
    let _ = writeln!(
        o,
        "# HELP frontdesk_commit_seconds Time spent in COMMIT (one per group of writes).\n# TYPE frontdesk_commit_seconds histogram"
    );
    let mut cumulative = 0;
    for (i, bound) in COMMIT_BUCKETS_US.iter().enumerate() {
        cumulative += st.commit_hist[i].load(Ordering::Relaxed);
        let le = if *bound == u64::MAX { "+Inf".to_string() } else { format!("{}", *bound as f64 / 1e6) };
        let _ = writeln!(o, "frontdesk_commit_seconds_bucket{{le=\"{le}\"}} {cumulative}");
    }
    let _ = writeln!(o, "frontdesk_commit_seconds_sum {}", st.commit_us_sum.load(Ordering::Relaxed) as f64 / 1e6);
    let _ = writeln!(o, "frontdesk_commit_seconds_count {}", st.commits.load(Ordering::Relaxed));
    let ck = &st.checkpoints;
    let by = [
        ("background", &ck.background, &ck.background_us),
        ("writer_finish", &ck.finish, &ck.finish_us),
        ("writer_bound", &ck.bound, &ck.bound_us),
    ];
    let _ = writeln!(o, "# HELP frontdesk_checkpoints_total WAL checkpoints, by who ran them.\n# TYPE frontdesk_checkpoints_total counter");
    for (who, n, _) in by {
        let _ = writeln!(o, "frontdesk_checkpoints_total{{by=\"{who}\"}} {}", n.load(Ordering::Relaxed));
    }
    let _ = writeln!(
        o,
        "# HELP frontdesk_checkpoint_seconds_total Time in WAL checkpoints, by who ran them.\n# TYPE frontdesk_checkpoint_seconds_total counter"
    );
    for (who, _, us) in by {
        let _ = writeln!(o, "frontdesk_checkpoint_seconds_total{{by=\"{who}\"}} {}", us.load(Ordering::Relaxed) as f64 / 1e6);
    }
    let _ = writeln!(o, "# HELP frontdesk_wal_pages Pages in the WAL after the last commit.\n# TYPE frontdesk_wal_pages gauge");
    let _ = writeln!(o, "frontdesk_wal_pages {}", ck.wal_pages.load(Ordering::Relaxed));
    let _ = writeln!(
        o,
        "# HELP frontdesk_search_index_runs_total Search-index batches the writer ran.\n# TYPE frontdesk_search_index_runs_total counter"
    );
    let _ = writeln!(o, "frontdesk_search_index_runs_total {}", st.search_runs.load(Ordering::Relaxed));
    let _ = writeln!(
        o,
        "# HELP frontdesk_search_index_seconds_total Writer time in search-index batches.\n# TYPE frontdesk_search_index_seconds_total counter"
    );
    let _ = writeln!(o, "frontdesk_search_index_seconds_total {}", st.search_us.load(Ordering::Relaxed) as f64 / 1e6);
    let _ = writeln!(o, "# HELP frontdesk_queue_depth Deliveries waiting, by queue.\n# TYPE frontdesk_queue_depth gauge");
    for (queue, n) in queue_depths(app) {
        let _ = writeln!(o, "frontdesk_queue_depth{{queue=\"{}\"}} {n}", crate::metrics::esc(&queue));
    }
    let _ = writeln!(o, "# HELP frontdesk_build_info The running build.\n# TYPE frontdesk_build_info gauge");
    let _ = writeln!(
        o,
        "frontdesk_build_info{{version=\"{}\",commit=\"{}\",build_date=\"{}\",sqlite=\"{}\"}} 1",
        metrics::VERSION,
        metrics::esc(metrics::COMMIT),
        metrics::esc(metrics::BUILD_DATE),
        rusqlite::version()
    );
    app.metrics.write_to(&mut o);
    metrics::write_process(&mut o);
    Ok(Response::new(200)
        .header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .header("Cache-Control", "no-store")
        .body(o.into_bytes()))
}

/// `GET /readyz`: 200 when the writer commits (a heartbeat row, through the writer like any write,
/// within 2 s) and the data directory's file system has `--min-free-disk` free; else 503 and why.
/// `/healthz` stays the liveness check (the process answers), whatever the database does.
pub fn readyz(app: &Arc<App>) -> Result<Response> {
    let mut problems = Vec::new();
    let (tx, rx) = std::sync::mpsc::channel();
    let a = app.clone();
    // On its own thread: a stuck writer must not hold the health check (or the prober) forever.
    let spawned = std::thread::Builder::new().name("readyz".into()).stack_size(64 * 1024).spawn(move || {
        let now = a.clock.now_ms();
        let _ = tx.send(a.db.write(move |w| crate::db::settings::heartbeat(w.conn, now)));
    });
    match spawned
        .map_err(Error::from)
        .and_then(|_| rx.recv_timeout(std::time::Duration::from_secs(2)).map_err(|_| Error::internal("timed out")))
    {
        Ok(Ok(())) => {}
        Ok(Err(e)) => problems.push(format!("database: a write fails: {}", e.message)),
        Err(_) => problems.push("database: a write did not commit within 2 s".to_string()),
    }
    let need = app.config.min_free_disk_mb * 1024 * 1024;
    match crate::db::space::free_bytes(&app.config.data_dir) {
        Some((free, _)) if free < need => problems.push(format!(
            "disk: {} MiB free on the file system of {} (need {} MiB)",
            free / (1024 * 1024),
            app.config.data_dir.display(),
            app.config.min_free_disk_mb
        )),
        Some(_) => {}
        None => problems.push(format!("disk: cannot tell the free space of {}", app.config.data_dir.display())),
    }
    if problems.is_empty() {
        return Ok(Response::text(200, "ready"));
    }
    Ok(Response::text(503, &format!("not ready: {}", problems.join("; "))).header("Cache-Control", "no-store").header("Retry-After", "5"))
}
