//! `backup`, `restore` and `check`: commands that cannot hurt. Each refuses a file or directory that
//! holds no Frontdesk database (and never creates one); `restore` says what it replaces, wants
//! `--yes`, keeps the replaced database as a safety copy, and leaves the data directory's files
//! owned by the directory's owner when run as root. Attachments' files (`crate::files`) travel with
//! the database: a backup copies them beside it (`FILE.files/`), `restore` brings them back and `check`
//! verifies that every file a row names is there with its hash.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::db::files::{self, Summary};
use crate::error::{Error, Result};
use crate::files as store;

/// The data directory's database, which must exist.
fn existing_db(config: &Config) -> Result<(rusqlite::Connection, Summary)> {
    let path = config.db_path();
    if !path.exists() {
        return Err(Error::internal(format!(
            "no Frontdesk database in {}: name the data directory with --data DIR (or FRONTDESK_DATA)",
            config.data_dir.display()
        )));
    }
    files::open_existing(&path)
}

/// The database first, then the files: every file a committed row names was in place before the
/// row committed, so the copy of the files holds everything the database copy refers to (unless the
/// sweep deleted one in between, which `check` on the copy would name).
pub fn backup(config: &Config, file: &Path) -> Result<()> {
    let (conn, summary) = existing_db(config)?;
    let r = files::backup_to(&conn, file);
    keep_owner(&config.data_dir);
    r?;
    println!("backup written to {} ({summary})", file.display());
    let dir = store::beside(file);
    let n = store::copy_all(&store::Store::new(config.files_dir()), &store::Store::new(dir.clone()))?;
    println!("files copied to {} ({n} new)", dir.display());
    Ok(())
}

/// Every file the database `conn` names must be in `dir` with the bytes its name says.
fn check_files(conn: &rusqlite::Connection, dir: PathBuf) -> Result<()> {
    let store = store::Store::new(dir);
    let hashes = crate::db::attachments::all_hashes(conn)?;
    let bad: Vec<String> = hashes.iter().filter_map(|h| store.verify(h).err()).collect();
    println!("files: {} referenced, {} missing or damaged", hashes.len(), bad.len());
    for b in &bad {
        println!("  {b}");
    }
    if bad.is_empty() { Ok(()) } else { Err(Error::internal("file check failed")) }
}

pub fn check(config: &Config, file: Option<&Path>) -> Result<()> {
    let (conn, summary) = match file {
        Some(f) => files::open_existing(f)?,
        None => existing_db(config)?,
    };
    let ok = crate::db::integrity(&conn)?;
    let files_dir = match file {
        Some(f) => store::beside(f),
        None => config.files_dir(),
    };
    let files_ok = if ok == "ok" { Some(check_files(&conn, files_dir)) } else { None };
    drop(conn);
    if file.is_none() {
        keep_owner(&config.data_dir);
    }
    println!(
        "integrity: {ok}\nschema version: {} (this binary knows {})\ncontents: {} users, {} conversations, {} messages",
        summary.version,
        crate::db::schema_version(),
        summary.users,
        summary.conversations,
        summary.messages
    );
    match files_ok {
        None => Err(Error::internal("integrity check failed")),
        Some(r) => r,
    }
}

pub fn restore(config: &Config, file: &Path) -> Result<()> {
    let (src, incoming) = files::open_existing(file)?;
    let ok = crate::db::integrity(&src)?;
    if ok != "ok" {
        return Err(Error::internal(format!("{} fails its integrity check: {ok}", file.display())));
    }
    let existed = config.data_dir.exists();
    let _lock = super::lock_data_dir(config).map_err(|_| {
        Error::internal(format!("a frontdesk server is running on {}: stop it before restoring", config.data_dir.display()))
    })?;
    let db_path = config.db_path();
    let current = if db_path.exists() { Some(files::open_existing(&db_path)) } else { None };
    println!("restore {} ({incoming})", file.display());
    match &current {
        None => println!("into {}, which holds no database yet", config.data_dir.display()),
        Some(Ok((_, now))) => println!("replacing {} ({now})", db_path.display()),
        Some(Err(e)) => println!("replacing {} ({})", db_path.display(), e.message),
    }
    if !config.yes {
        if !existed {
            let _ = std::fs::remove_dir_all(&config.data_dir);
        }
        return Err(Error::internal("nothing changed: run again with --yes to replace it"));
    }
    let safety = match current {
        Some(cur) => {
            let copy = safety_copy_path(&db_path);
            match cur {
                Ok((conn, _)) => files::snapshot_to(&conn, &copy)?,
                // Not a database we can read: keep the file as it is.
                Err(_) => {
                    std::fs::copy(&db_path, &copy)?;
                }
            }
            Some(copy)
        }
        None => None,
    };
    let r = files::restore_into(&src, &db_path, config.synchronous_full);
    keep_owner(&config.data_dir);
    r?;
    println!("restored {} into {}", file.display(), db_path.display());
    let dir = store::beside(file);
    if dir.is_dir() {
        let n = store::copy_all(&store::Store::new(dir.clone()), &store::Store::new(config.files_dir()))?;
        keep_owner(&config.data_dir);
        println!("restored {n} files from {}", dir.display());
    }
    if let Some(copy) = safety {
        println!("the replaced database is kept in {} (delete it once you are sure)", copy.display());
    }
    Ok(())
}

fn safety_copy_path(db: &Path) -> PathBuf {
    let stamp = jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S").to_string();
    db.with_file_name(format!("frontdesk.db.before-restore-{stamp}"))
}

/// Run as root (sudo frontdesk restore …), the files we made or replaced in the data directory
/// would be root's, and the service (its own user) could no longer open them: give them to the
/// directory's owner. Only `frontdesk*` files directly in it, never following links.
pub fn keep_owner(dir: &Path) {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return;
    }
    let Ok(meta) = std::fs::metadata(dir) else { return };
    let (uid, gid) = (meta.uid(), meta.gid());
    let give = |path: &Path| {
        let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else { return };
        // SAFETY: a valid NUL-terminated path; lchown does not follow links.
        if unsafe { libc::lchown(c.as_ptr(), uid, gid) } != 0 {
            eprintln!("frontdesk: cannot give {} to {uid}:{gid}: {}", path.display(), std::io::Error::last_os_error());
        }
    };
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let Ok(m) = entry.path().symlink_metadata() else { continue };
        if !name.as_bytes().starts_with(b"frontdesk") || !m.is_file() || (m.uid(), m.gid()) == (uid, gid) {
            continue;
        }
        give(&entry.path());
    }
    // The attachments' tree (`files/ab/…`): directories and files, never following links.
    let mut todo = vec![dir.join("files")];
    while let Some(d) = todo.pop() {
        let Ok(m) = d.symlink_metadata() else { continue };
        if !m.is_dir() {
            continue;
        }
        if (m.uid(), m.gid()) != (uid, gid) {
            give(&d);
        }
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let Ok(m) = entry.path().symlink_metadata() else { continue };
            if m.is_dir() {
                todo.push(entry.path());
            } else if m.is_file() && (m.uid(), m.gid()) != (uid, gid) {
                give(&entry.path());
            }
        }
    }
}
