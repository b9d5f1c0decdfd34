//! The command-line entry: subcommands, logging set-up, signals, the data-directory lock.

use std::fs::File;
use std::io::{BufRead, Write};
use std::os::fd::AsRawFd;
use std::path::Path;

use crate::config::{self, Command, Config};
use crate::error::{Error, Result};
use crate::help::{HELP, command_help};

/// Run the command line; returns the process exit code (2 for usage errors).
pub fn main(args: Vec<String>) -> i32 {
    let env = |k: &str| std::env::var(k).ok();
    let cmd = match config::parse(&args, &env) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("frontdesk: {e}");
            return 2;
        }
    };
    let result = match cmd {
        Command::Help => {
            print!("{HELP}");
            Ok(())
        }
        Command::HelpFor(cmd) => {
            print!("{}", command_help(cmd));
            Ok(())
        }
        Command::Version => {
            println!("frontdesk {} (SQLite {})", env!("CARGO_PKG_VERSION"), rusqlite::version());
            Ok(())
        }
        Command::Serve(c) => serve(c),
        Command::AdminCreate { config, email, name } => admin_create(&config, &email, &name),
        Command::AdminResetPassword { config, email } => admin_reset_password(&config, &email),
        Command::Backup { config, file } => backup(&config, &file),
        Command::Restore { config, file } => restore(&config, &file),
        Command::Check(c) => check(&c),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("frontdesk: {}", if e.detail.is_empty() { &e.message } else { &e.detail });
            1
        }
    }
}

fn init_logging(level: log::LevelFilter) {
    let cfg = simplelog::ConfigBuilder::new()
        .set_time_format_rfc3339()
        .set_thread_level(log::LevelFilter::Off)
        .set_target_level(log::LevelFilter::Off)
        .build();
    // Logs go to stderr: stdout's first line is the address, for scripts.
    let _ = simplelog::WriteLogger::init(level, cfg, std::io::stderr());
}

/// An exclusive lock on the data directory: one server per directory, and `restore` can tell
/// whether a server is running.
fn lock_data_dir(config: &Config) -> Result<File> {
    std::fs::create_dir_all(&config.data_dir).map_err(|e| Error::internal(format!("cannot create {}: {e}", config.data_dir.display())))?;
    let path = config.data_dir.join("frontdesk.lock");
    let f = File::create(&path).map_err(|e| Error::internal(format!("cannot open {}: {e}", path.display())))?;
    // SAFETY: flock on a valid, open descriptor.
    let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if r != 0 {
        return Err(Error::internal(format!("another frontdesk is using {} (stop it first)", config.data_dir.display())));
    }
    Ok(f)
}

fn serve(config: Config) -> Result<()> {
    init_logging(config.log_level);
    // Block SIGTERM/SIGINT in every thread (the mask is inherited), and wait for them here.
    // SAFETY: plain libc signal-mask calls on a local, initialized set.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    };
    let _lock = lock_data_dir(&config)?;
    log::info!("SQLite {}", rusqlite::version());
    if config.public_url.starts_with("http://") && !config.addr.ip().is_loopback() {
        log::warn!(
            "the public URL {} is plain http on a non-loopback address: widgets on https sites cannot talk to it; put a TLS proxy in front (see README)",
            config.public_url
        );
    }
    let running = crate::start(config)?;
    println!("listening on {}", running.url());
    let _ = std::io::stdout().flush();
    let mut sig: libc::c_int = 0;
    // SAFETY: `set` was initialized above; `sig` is a valid out pointer.
    unsafe { libc::sigwait(&set, &mut sig) };
    log::info!("signal {sig}: shutting down");
    let t = std::time::Instant::now();
    running.shutdown();
    log::info!("stopped in {:?}", t.elapsed());
    Ok(())
}

fn open_db(config: &Config) -> Result<rusqlite::Connection> {
    let mut conn = crate::db::connect(&config.db_path(), config.synchronous_full)?;
    crate::db::migrate(&mut conn)?;
    Ok(conn)
}

fn admin_create(config: &Config, email: &str, name: &str) -> Result<()> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']);
    crate::auth::check_password_rules(password)?;
    crate::desk::team::check_identity(email, name)?;
    std::fs::create_dir_all(&config.data_dir).map_err(|e| Error::internal(format!("cannot create {}: {e}", config.data_dir.display())))?;
    let conn = open_db(config)?;
    let hash = crate::passwords::Hasher::new(config.argon2_m_kib, config.argon2_t, 1).hash(password)?;
    let id = crate::db::users::insert(
        &conn,
        &crate::db::users::NewUser { email, name, password_hash: &hash, role: "admin", customer_support: true },
    )
    .map_err(|e| Error::internal(e.message))?;
    println!("created admin {email} (id {id})");
    Ok(())
}

/// Print a one-time password reset link for the account `email` (the locked-out admin of a
/// one-admin desk, say). Safe while the server runs: one short write transaction beside the
/// server's (WAL), through the same rule as the Team page (`desk::recovery::issue`).
fn admin_reset_password(config: &Config, email: &str) -> Result<()> {
    let db_path = config.db_path();
    if !db_path.exists() {
        return Err(Error::internal(format!(
            "no Frontdesk database in {}: name the data directory with --data DIR (or FRONTDESK_DATA)",
            config.data_dir.display()
        )));
    }
    let mut conn = open_db(config)?;
    let user = crate::db::users::by_email(&conn, email)?
        .map(|(u, _)| u)
        .ok_or_else(|| Error::internal(format!("no account with the email {email} in {}", db_path.display())))?;
    // IMMEDIATE: take the write lock first (waiting for the server's writer), so the reads and the
    // writes of the rule see one snapshot.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let issued = crate::desk::recovery::issue(&tx, user.id, None, "command line", crate::db::now_ms())?;
    tx.commit()?;
    let path = crate::desk::recovery::path(&issued.token);
    let until = jiff::Timestamp::from_millisecond(issued.reset.expires_at)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .map_err(Error::internal)?;
    println!("Password reset link for {} <{}>; it works once, until {until}:\n", user.name, user.email);
    // `parse` defaults the public URL to the listen address: only a different one was set.
    if config.public_url != format!("http://{}", config.addr) {
        println!("    {}{path}\n", config.public_url);
    } else {
        let host = if config.addr.ip().is_unspecified() { format!("localhost:{}", config.addr.port()) } else { config.addr.to_string() };
        println!("    {path}\n");
        println!("No public URL is set (--public-url or FRONTDESK_PUBLIC_URL), so open this path at the address");
        println!("people use for Frontdesk, e.g. http://{host}{path}\n");
    }
    println!("Setting a new password with it signs {} out everywhere; any earlier link for them no longer works.", user.name);
    Ok(())
}

/// The database first, then the files: every file a committed row names was in place before the
/// row committed, so the copy of the files holds everything the database copy refers to (unless the
/// sweep deleted one in between, which `check` on the copy would name).
fn backup(config: &Config, file: &Path) -> Result<()> {
    let conn = crate::db::connect(&config.db_path(), config.synchronous_full)?;
    crate::db::backup_to(&conn, file)?;
    println!("backup written to {}", file.display());
    let dir = crate::files::beside(file);
    let n = crate::files::copy_all(&crate::files::Store::new(config.files_dir()), &crate::files::Store::new(dir.clone()))?;
    println!("files copied to {} ({n} new)", dir.display());
    Ok(())
}

fn restore(config: &Config, file: &Path) -> Result<()> {
    let _lock = lock_data_dir(config).map_err(|_| {
        Error::internal(format!("a frontdesk server is running on {}: stop it before restoring", config.data_dir.display()))
    })?;
    let src = rusqlite::Connection::open_with_flags(file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| Error::internal(format!("cannot open {}: {e}", file.display())))?;
    let ok: String =
        crate::db::integrity(&src).map_err(|e| Error::internal(format!("{} is not a Frontdesk database: {e}", file.display())))?;
    if ok != "ok" {
        return Err(Error::internal(format!("{} fails its integrity check: {ok}", file.display())));
    }
    let mut dst = crate::db::connect(&config.db_path(), config.synchronous_full)?;
    {
        let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
        backup.run_to_completion(256, std::time::Duration::ZERO, None)?;
    }
    crate::db::migrate(&mut dst)?;
    println!("restored {} into {}", file.display(), config.db_path().display());
    let dir = crate::files::beside(file);
    if dir.is_dir() {
        let n = crate::files::copy_all(&crate::files::Store::new(dir.clone()), &crate::files::Store::new(config.files_dir()))?;
        println!("restored {n} files from {}", dir.display());
    }
    Ok(())
}

fn check(config: &Config) -> Result<()> {
    let conn = crate::db::connect(&config.db_path(), config.synchronous_full)?;
    let ok = crate::db::integrity(&conn)?;
    let version = crate::db::stored_version(&conn)?;
    println!("integrity: {ok}\nschema version: {version} (this binary knows {})", crate::db::schema_version());
    if ok != "ok" {
        return Err(Error::internal("integrity check failed"));
    }
    // Every file a row names must be there with the bytes its name says.
    let store = crate::files::Store::new(config.files_dir());
    let hashes = crate::db::attachments::all_hashes(&conn)?;
    let bad: Vec<String> = hashes.iter().filter_map(|h| store.verify(h).err()).collect();
    println!("files: {} referenced, {} missing or damaged", hashes.len(), bad.len());
    for b in &bad {
        println!("  {b}");
    }
    if bad.is_empty() { Ok(()) } else { Err(Error::internal("file check failed")) }
}
