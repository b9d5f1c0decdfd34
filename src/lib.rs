//! Frontdesk: a self-hosted live-chat help desk in one synchronous binary.
//! `start(Config)` runs the whole server in-process (tests and benchmarks use it); `main.rs` only
//! parses the command line.

pub mod api;
pub mod app;
pub mod assets;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod desk;
pub mod error;
pub mod files;
pub mod help;
pub mod http;
pub mod hub;
pub mod limits;
pub mod logger;
pub mod mailer;
pub mod metrics;
pub mod outbound;
pub mod passwords;
pub mod ratelimit;
pub mod ws;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock, mpsc};
use std::thread::JoinHandle;

use app::App;
use config::Config;
use error::{Error, Result};

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub app: Arc<App>,
    accept: Option<JoinHandle<()>>,
    stop_pinger: Arc<AtomicBool>,
}

/// Open the database (migrating it), bind the listener and start serving in background threads.
pub fn start(config: Config) -> Result<Running> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| Error::internal(format!("cannot create data directory {}: {e}", config.data_dir.display())))?;
    let db_path = config.db_path();
    let mut conn = db::connect(&db_path, config.synchronous_full)?;
    if db::stored_version(&conn)? == db::schema_version() {
        // No migration this time: the copy taken before the last one has served its purpose.
        for copy in db::files::pre_migration_copies(&db_path) {
            match std::fs::remove_file(&copy) {
                Ok(()) => log::info!("removed {}, the copy taken before the last migration", copy.display()),
                Err(e) => log::warn!("cannot remove {}: {e}", copy.display()),
            }
        }
    }
    db::migrate(&mut conn)?;
    let settings = db::settings::load(&conn)?;
    let away = db::assignment::away(&conn)?.into_iter().collect();
    let files_dir = config.files_dir();

    let (events_tx, events_rx) = mpsc::channel();
    let clock = app::Clock::default();
    let writer = db::Writer::start(conn, events_tx, clock.clone(), config.search_idle, config.wal_checkpoint_pages);
    let pool = db::Pool::new(&db_path, config.synchronous_full);

    let (flush_tx, flush_rx) = mpsc::channel();
    std::thread::Builder::new().name("ws-flusher".into()).spawn(move || ws::outbox::run_flusher(flush_rx, ws::outbox::CUT_GRACE))?;
    let budget = ws::budget::Budget::new(config.max_backlog_memory_mb as usize * 1024 * 1024);
    log::info!(
        "outgoing backlog budget {} MiB for all sockets together ({} KiB per socket; the readers furthest behind are cut first)",
        config.max_backlog_memory_mb,
        ws::outbox::MAX_BACKLOG / 1024
    );
    let hub = Arc::new(hub::Hub::new(flush_tx, budget, desk::customer::frame));

    let listener = TcpListener::bind(config.addr).map_err(|e| Error::internal(format!("cannot listen on {}: {e}", config.addr)))?;
    let addr = listener.local_addr()?;
    let mut config = config;
    config.public_url_set = !(config.public_url.is_empty() || config.public_url == format!("http://{}", config.addr));
    if !config.public_url_set {
        // The default public URL follows the port actually bound (port 0 in tests).
        config.public_url = format!("http://{addr}");
        log::info!(
            "public URL {} (not set: pages opened at the address the browser used for this server are accepted too; \
             set --public-url to the address people use, e.g. --public-url https://chat.example.com)",
            config.public_url
        );
    } else {
        log::info!("public URL {}", config.public_url);
    }
    // Measured after the database and the listener are open, so their descriptors are counted.
    let cap = limits::connection_cap(config.max_connections, &limits::measure());
    log::info!("{}", cap.describe(config.max_connections));
    if cap.room == 0 {
        log::warn!("this process has no room for connections beyond one at a time: raise the limit named above");
    }
    config.max_connections = cap.connections;

    let app = Arc::new(App {
        hasher: passwords::Hasher::new(config.argon2_m_kib, config.argon2_t, config.max_hashing),
        throttle: passwords::Throttle::new(),
        limiter: Arc::new(ratelimit::RateLimiter::new(config.rate_limits)),
        config,
        db: db::Db { pool, writer },
        hub: hub.clone(),
        settings: RwLock::new(settings),
        net: Arc::new(http::server::State::default()),
        started: std::time::Instant::now(),
        clock,
        helpdesk: std::sync::Mutex::new(None),
        url_token_warning: app::Throttled::new(std::time::Duration::from_secs(60)),
        away: RwLock::new(away),
        files: files::Store::new(files_dir),
        metrics: metrics::Metrics::default(),
    });
    api::socket::install_presence(&app);
    app.db.writer.hooks.install(desk::webhook_events::enqueue);
    app.db.writer.hooks.set(app.db.read(db::webhooks::targets)?);
    desk::availability::remember(&app, app.helpdesk_status());

    std::thread::Builder::new().name("fanout".into()).spawn(move || hub::run_fanout(hub, events_rx))?;
    let stop_pinger = Arc::new(AtomicBool::new(false));
    {
        let (h, s, k) = (app.hub.clone(), stop_pinger.clone(), app.config.widget_keepalive);
        std::thread::Builder::new().name("pinger".into()).spawn(move || hub::run_pinger(h, k, s))?;
    }
    {
        let a = app.clone();
        std::thread::Builder::new().name("maintenance".into()).spawn(move || desk::maintenance::run(a))?;
    }
    {
        let (a, s) = (app.clone(), stop_pinger.clone());
        std::thread::Builder::new().name("outbox".into()).spawn(move || desk::outbox::run(a, s))?;
        let (a, s) = (app.clone(), stop_pinger.clone());
        std::thread::Builder::new().name("webhooks".into()).spawn(move || desk::webhook_send::run(a, s))?;
        let (a, s) = (app.clone(), stop_pinger.clone());
        std::thread::Builder::new().name("imap".into()).spawn(move || desk::inbound::run(a, s))?;
    }
    if app.config.backup_every_hours > 0.0 {
        let a = app.clone();
        std::thread::Builder::new().name("backups".into()).spawn(move || desk::backups::run(a))?;
    }
    let a = app.clone();
    let server = Arc::new(http::server::Server {
        service: Arc::new(api::Frontdesk(a.clone())),
        limits: http::server::Limits {
            max_connections: a.config.max_connections,
            head_timeout: a.config.head_timeout,
            idle_timeout: a.config.idle_timeout,
            connection_stack: a.config.connection_stack,
            trusted_proxies: a.config.trusted_proxies.clone(),
            access_log: a.config.access_log,
        },
        state: a.net.clone(),
    });
    let accept = std::thread::Builder::new().name("accept".into()).spawn(move || http::server::accept_loop(server, listener))?;
    Ok(Running { addr, app, accept: Some(accept), stop_pinger })
}

impl Running {
    /// Graceful stop: refuse new connections, tell sockets to reconnect (1012), commit queued
    /// writes, checkpoint the WAL.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if self.app.net.stopping.swap(true, Ordering::AcqRel) {
            return;
        }
        // Wake the accept loop so it sees `stopping`.
        let _ = TcpStream::connect(self.addr);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
        // Also stops the outbox sender and the IMAP poller (between deliveries; a row being sent
        // when the process ends is sent again at the next start).
        self.stop_pinger.store(true, Ordering::Relaxed);
        self.app.db.writer.waker.wake();
        self.app.db.writer.hooks.waker.wake();
        self.app.hub.close_all(tungstenite::protocol::frame::coding::CloseCode::Restart, "server restarting");
        self.app.db.writer.stop();
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}
