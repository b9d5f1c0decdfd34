//! `GET /metrics`: Prometheus text exposition (version 0.0.4). Admins only: it reveals load, not
//! content, but customers and agents have no business with it.

use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::app::App;
use crate::auth;
use crate::db::writer::COMMIT_BUCKETS_US;
use crate::error::Result;
use crate::http::{Request, Response};

fn proc_status(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines().find(|l| l.starts_with(field))?.split_whitespace().nth(1)?.parse().ok()
}

pub fn metrics(app: &Arc<App>, req: &Request) -> Result<Response> {
    auth::require_admin(app, req)?;
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
    simple("frontdesk_write_jobs_total", "counter", "Write jobs committed since start.", st.jobs.load(Ordering::Relaxed));
    simple("frontdesk_write_queue_depth", "gauge", "Write jobs waiting for the writer thread.", st.queued.load(Ordering::Relaxed) as u64);
    simple("frontdesk_threads", "gauge", "Threads in the process.", proc_status("Threads:").unwrap_or(0));
    simple("frontdesk_resident_memory_bytes", "gauge", "Resident set size.", proc_status("VmRSS:").unwrap_or(0) * 1024);
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
    Ok(Response::new(200)
        .header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .header("Cache-Control", "no-store")
        .body(o.into_bytes()))
}
