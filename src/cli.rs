//! The command-line entry: subcommands, logging set-up, signals, the data-directory lock.
//! The database file commands (`backup`, `restore`, `check`) are in `cli/data.rs`.

mod data;

use std::fs::File;
use std::io::{BufRead, Write};
use std::os::fd::AsRawFd;

use crate::config::{self, Command, Config};
use crate::error::{Error, Result};
use crate::help::{HELP, command_help};

/// Run the command line; returns the process exit code (2 for usage errors).
pub fn main(args: Vec<String>) -> i32 {
    // Before anything opens a database: SQLite takes its page cache when it starts.
    crate::db::pcache::install();
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
            use crate::metrics::{BUILD_DATE, COMMIT, VERSION};
            println!("frontdesk {VERSION} (commit {COMMIT}, built {BUILD_DATE}, SQLite {})", rusqlite::version());
            Ok(())
        }
        Command::Health(c) => health(&c),
        Command::Serve(c) => serve(c),
        Command::AdminCreate { config, email, name } => admin_create(&config, &email, &name),
        Command::AdminResetPassword { config, email } => admin_reset_password(&config, &email),
        Command::Backup { config, file } => data::backup(&config, &file),
        Command::Restore { config, file } => data::restore(&config, &file),
        Command::Check { config, file } => data::check(&config, file.as_deref()),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("frontdesk: {}", if e.detail.is_empty() { &e.message } else { &e.detail });
            1
        }
    }
}

/// An exclusive lock on the data directory: one server per directory, and `restore` can tell
/// whether a server is running.
pub(crate) fn lock_data_dir(config: &Config) -> Result<File> {
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
    crate::logger::init(config.log_level, config.log_format);
    // Block SIGTERM/SIGINT/SIGHUP in every thread (the mask is inherited), and wait for them here.
    // SAFETY: plain libc signal-mask calls on a local, initialized set.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGHUP);
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
    loop {
        // SAFETY: `set` was initialized above; `sig` is a valid out pointer.
        unsafe { libc::sigwait(&set, &mut sig) };
        if sig != libc::SIGHUP {
            break;
        }
        // A terminal closing or `systemctl reload` sends it; it used to kill the server silently.
        log::info!("SIGHUP received and ignored: logs go to stderr (nothing to reopen) and settings are changed on the admin pages");
    }
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
    drop(conn);
    data::keep_owner(&config.data_dir);
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
    drop(conn);
    data::keep_owner(&config.data_dir);
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

/// `frontdesk health`: ask the server at `--addr` for `/readyz` (the container's HEALTHCHECK, with
/// no curl in the image). Exit 0 when ready; otherwise the reason and exit 1.
fn health(config: &Config) -> Result<()> {
    use std::io::Read;
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
    let mut addr = config.addr;
    if addr.ip().is_unspecified() {
        // Listening on every interface: ask over loopback.
        let ip = if addr.is_ipv4() { IpAddr::V4(Ipv4Addr::LOCALHOST) } else { IpAddr::V6(Ipv6Addr::LOCALHOST) };
        addr = SocketAddr::new(ip, addr.port());
    }
    let timeout = std::time::Duration::from_secs(4);
    let fail = |why: String| Error::internal(format!("not healthy: {why}"));
    let mut s = TcpStream::connect_timeout(&addr, timeout).map_err(|e| fail(format!("cannot connect to {addr}: {e}")))?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    write!(s, "GET /readyz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").map_err(|e| fail(e.to_string()))?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).map_err(|e| fail(format!("no answer from {addr}: {e}")))?;
    let text = String::from_utf8_lossy(&buf);
    let status = text.split_whitespace().nth(1).unwrap_or("");
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b).trim();
    if status == "200" {
        println!("{addr}: {body}");
        Ok(())
    } else {
        Err(fail(format!("{addr} answered {status}: {body}")))
    }
}
