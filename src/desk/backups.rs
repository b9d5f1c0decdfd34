//! Scheduled backups (`--backup-every HOURS --backup-keep N`): a consistent copy of the database
//! every HOURS into the backups directory (`--backup-dir`, default `DATA/backups`), keeping the
//! newest N. The schedule follows the newest copy on disk, so restarts do not push it back. Each
//! copy is taken on a read connection (chat goes on) and renamed into place only when complete.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::app::App;
use crate::db;
use crate::error::{Error, Result};

/// One scheduled backup on disk, for the admin Data page.
#[derive(Serialize)]
pub struct Backup {
    pub name: String,
    pub bytes: u64,
    /// Unix ms.
    pub created_at: i64,
}

const PREFIX: &str = "frontdesk-";
const SUFFIX: &str = ".db";

/// The scheduled backups in `dir`, newest first.
pub fn list(dir: &Path) -> Vec<Backup> {
    let mut found: Vec<Backup> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            let meta = e.metadata().ok().filter(|m| m.is_file())?;
            (name.starts_with(PREFIX) && name.ends_with(SUFFIX)).then(|| {
                let at =
                    meta.modified().ok().and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok()).map_or(0, |d| d.as_millis() as i64);
                Backup { name, bytes: meta.len(), created_at: at }
            })
        })
        .collect();
    // Names carry the time, so they sort in time order (and two in one second keep a counter).
    found.sort_by(|a, b| b.name.cmp(&a.name));
    found
}

/// Take one backup now and drop the oldest beyond `keep`; returns the new file.
pub fn take(app: &App) -> Result<PathBuf> {
    let dir = app.config.backups_dir();
    create_private_dir(&dir)?;
    let stamp = jiff::Timestamp::from_millisecond(app.clock.now_ms()).map_err(Error::internal)?.strftime("%Y%m%d-%H%M%S").to_string();
    let mut file = dir.join(format!("{PREFIX}{stamp}{SUFFIX}"));
    for n in 1.. {
        if !file.exists() {
            break;
        }
        file = dir.join(format!("{PREFIX}{stamp}-{n}{SUFFIX}"));
    }
    crate::http::thread::background(|| app.db.read(|c| db::backup_to(c, &file)))?;
    for old in list(&dir).into_iter().skip(app.config.backup_keep) {
        if let Err(e) = std::fs::remove_file(dir.join(&old.name)) {
            log::warn!("backups: cannot remove {}: {e}", old.name);
        }
    }
    Ok(file)
}

fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::internal(format!("cannot create the backups directory {}: {e}", dir.display())))
}

/// The schedule's thread: until the server stops, a backup whenever the newest is `every` old.
pub fn run(app: Arc<App>) {
    let every = Duration::from_secs_f64(app.config.backup_every_hours * 3600.0);
    let dir = app.config.backups_dir();
    log::info!("backups: every {} h into {}, keeping {}", app.config.backup_every_hours, dir.display(), app.config.backup_keep);
    let tick = Duration::from_millis(250).min(every);
    while !app.net.stopping.load(Ordering::Acquire) {
        let newest = list(&dir).first().map(|b| b.created_at).unwrap_or(0);
        let age = Duration::from_millis(db::now_ms().saturating_sub(newest).max(0) as u64);
        if age >= every {
            let t = std::time::Instant::now();
            match take(&app) {
                Ok(f) => log::info!("backups: wrote {} in {:?}", f.display(), t.elapsed()),
                Err(e) => {
                    log::error!("backups: {e}");
                    // Not again at once: a full disk would otherwise be retried four times a second.
                    sleep_unless_stopping(&app, every.min(Duration::from_secs(300)));
                }
            }
        }
        std::thread::sleep(tick);
    }
}

fn sleep_unless_stopping(app: &App, d: Duration) {
    let until = std::time::Instant::now() + d;
    while std::time::Instant::now() < until && !app.net.stopping.load(Ordering::Acquire) {
        std::thread::sleep(Duration::from_millis(250));
    }
}
