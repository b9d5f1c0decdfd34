//! Where attachments' bytes live: `<data dir>/files/ab/cdef…`, each file named by the SHA-256 of
//! its content, written by the thread that received it (never by the database writer), fsynced and
//! renamed into place before the row that names it commits. The same bytes uploaded twice are one
//! file. No rules here (who may upload or read, which types): those are `desk::attachments`; this
//! module stores, finds, sweeps and checks bytes. `sniff` says what bytes are; `thumb` makes the
//! small images the Messenger and the widget list.

pub mod sniff;
pub mod thumb;

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// How many bytes of a file `sniff` looks at.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// The files directory of a data directory.
pub struct Store {
    root: PathBuf,
    /// Image decodes running at once (each may hold tens of MiB): at most `DECODERS`.
    decoding: Mutex<usize>,
    decoded: Condvar,
}

const DECODERS: usize = 2;

/// A received upload in a temporary file, removed on drop unless kept.
pub struct Received {
    pub tmp: PathBuf,
    pub sha256: String,
    pub size: u64,
    /// The first `SNIFF_BYTES` (or all, if smaller), for `sniff`.
    pub head: Vec<u8>,
    kept: bool,
}

impl Drop for Received {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

fn io(what: &str, path: &Path) -> impl Fn(std::io::Error) -> Error {
    let what = format!("{what} {}", path.display());
    move |e| Error::internal(format!("{what}: {e}"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    pub fn new(root: PathBuf) -> Store {
        Store { root, decoding: Mutex::new(0), decoded: Condvar::new() }
    }

    /// The directory (`<data dir>/files`).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the file with this hash lives (whether or not it exists).
    pub fn path(&self, sha256: &str) -> PathBuf {
        let (dir, rest) = sha256.split_at(2.min(sha256.len()));
        self.root.join(dir).join(rest)
    }

    fn tmp_path(&self) -> Result<PathBuf> {
        let dir = self.root.join("tmp");
        std::fs::create_dir_all(&dir).map_err(io("cannot create", &dir))?;
        let mut b = [0u8; 12];
        rand::fill(&mut b);
        Ok(dir.join(format!("{}.part", hex(&b))))
    }

    /// Copy exactly `len` bytes of `body` into a temporary file, hashing as it goes. A body that ends
    /// early or stalls is an error (`408`): the client retries with the same upload id.
    pub fn receive(&self, body: &mut impl Read, len: u64) -> Result<Received> {
        let tmp = self.tmp_path()?;
        let mut out = File::create(&tmp).map_err(io("cannot create", &tmp))?;
        let mut r = Received { tmp, sha256: String::new(), size: 0, head: Vec::new(), kept: false };
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        while r.size < len {
            let want = buf.len().min((len - r.size) as usize);
            let n = match body.read(&mut buf[..want]) {
                Ok(0) => return Err(Error::new(408, "The upload ended before the whole file arrived; send it again.")),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(Error::new(408, "The upload stopped before the whole file arrived; send it again.").detail(e.to_string()));
                }
            };
            hasher.update(&buf[..n]);
            if r.head.len() < SNIFF_BYTES {
                let take = n.min(SNIFF_BYTES - r.head.len());
                r.head.extend_from_slice(&buf[..take]);
            }
            out.write_all(&buf[..n]).map_err(|e| disk_error(&r.tmp, e))?;
            r.size += n as u64;
        }
        out.sync_all().map_err(|e| disk_error(&r.tmp, e))?;
        r.sha256 = hex(&hasher.finalize());
        Ok(r)
    }

    /// Move a received file to its place (durably: the directory entry is synced too). The same
    /// content already there stays (one copy); the temporary file goes.
    pub fn keep(&self, mut r: Received) -> Result<String> {
        let dst = self.path(&r.sha256);
        self.place(&r.tmp, &dst)?;
        r.kept = true;
        Ok(r.sha256.clone())
    }

    fn place(&self, tmp: &Path, dst: &Path) -> Result<()> {
        let dir = dst.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir).map_err(io("cannot create", dir))?;
        // Renaming over an existing copy replaces it with identical bytes and a fresh mtime, which
        // also tells the sweep it was just wanted (its grace period starts again).
        std::fs::rename(tmp, dst).map_err(io("cannot store", dst))?;
        File::open(dir).and_then(|d| d.sync_all()).map_err(io("cannot sync", dir))?;
        Ok(())
    }

    /// Store small bytes made here (a thumbnail); returns their hash.
    pub fn put(&self, bytes: &[u8]) -> Result<String> {
        let sha = hex(&Sha256::digest(bytes));
        let tmp = self.tmp_path()?;
        let written = File::create(&tmp).and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        });
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(disk_error(&tmp, e));
        }
        self.place(&tmp, &self.path(&sha)).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })?;
        Ok(sha)
    }

    /// Open a stored file and its length.
    pub fn open(&self, sha256: &str) -> Result<(File, u64)> {
        let p = self.path(sha256);
        let f =
            File::open(&p).map_err(|e| Error::not_found("This file is no longer available.").detail(format!("{}: {e}", p.display())))?;
        let len = f.metadata().map_err(io("cannot read", &p))?.len();
        Ok((f, len))
    }

    /// Run `f` (an image decode) when fewer than `DECODERS` are running, on a thread with a stack
    /// big enough for the decoders (connection threads have 256 KiB).
    pub fn decode<T: Send>(&self, f: impl FnOnce() -> T + Send) -> Result<T> {
        {
            let mut n = self.decoding.lock().unwrap_or_else(|p| p.into_inner());
            while *n >= DECODERS {
                n = self.decoded.wait(n).unwrap_or_else(|p| p.into_inner());
            }
            *n += 1;
        }
        let out = std::thread::scope(|s| {
            std::thread::Builder::new().name("thumbnail".into()).stack_size(8 << 20).spawn_scoped(s, f).map(|h| h.join())
        });
        *self.decoding.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
        self.decoded.notify_one();
        match out {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(_)) => Err(Error::new(422, "This image could not be read.").detail("image decoder panicked")),
            Err(e) => Err(Error::internal(format!("cannot start a thumbnail thread: {e}"))),
        }
    }

    /// Every stored file as (hash, path), for the sweep and `frontdesk check`.
    pub fn list(&self) -> Vec<(String, PathBuf)> {
        let mut out = Vec::new();
        let Ok(dirs) = std::fs::read_dir(&self.root) else { return out };
        for d in dirs.flatten() {
            let name = d.file_name().to_string_lossy().to_string();
            if name.len() != 2 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
                continue;
            }
            let Ok(files) = std::fs::read_dir(d.path()) else { continue };
            for f in files.flatten() {
                let rest = f.file_name().to_string_lossy().to_string();
                if rest.len() == 62 && rest.bytes().all(|b| b.is_ascii_hexdigit()) {
                    out.push((format!("{name}{rest}"), f.path()));
                }
            }
        }
        out
    }

    /// Temporary files older than `cutoff` (uploads cut off mid-way and never cleaned up).
    pub fn stale_temps(&self, cutoff: std::time::SystemTime) -> Vec<PathBuf> {
        let Ok(files) = std::fs::read_dir(self.root.join("tmp")) else { return Vec::new() };
        files.flatten().filter(|f| f.metadata().and_then(|m| m.modified()).is_ok_and(|t| t < cutoff)).map(|f| f.path()).collect()
    }

    /// Whether the file at `path` was last written before `cutoff`.
    pub fn older_than(path: &Path, cutoff: std::time::SystemTime) -> bool {
        std::fs::metadata(path).and_then(|m| m.modified()).is_ok_and(|t| t < cutoff)
    }

    /// Recompute a stored file's hash (for `frontdesk check`).
    pub fn verify(&self, sha256: &str) -> std::result::Result<(), String> {
        let p = self.path(sha256);
        let mut f = File::open(&p).map_err(|e| format!("missing {}: {e}", p.display()))?;
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match f.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => h.update(&buf[..n]),
                Err(e) => return Err(format!("cannot read {}: {e}", p.display())),
            }
        }
        let got = hex(&h.finalize());
        if got != sha256 { Err(format!("{} holds other bytes (hash {got})", p.display())) } else { Ok(()) }
    }
}

/// The files directory that goes with a database copy: `backup.db` → `backup.db.files`.
pub fn beside(db_copy: &Path) -> PathBuf {
    let mut p = db_copy.as_os_str().to_owned();
    p.push(".files");
    PathBuf::from(p)
}

/// Copy every stored file of `from` that `to` does not hold yet (names are content hashes, so a
/// file already there is the same file: a repeated backup into the same place copies only what is
/// new). Each copy is written aside, synced, then renamed. Returns how many were copied.
pub fn copy_all(from: &Store, to: &Store) -> Result<usize> {
    let mut n = 0;
    for (sha, src) in from.list() {
        let dst = to.path(&sha);
        if dst.exists() {
            continue;
        }
        let tmp = to.tmp_path()?;
        let copied = std::fs::copy(&src, &tmp).and_then(|_| File::open(&tmp)?.sync_all());
        if let Err(e) = copied {
            let _ = std::fs::remove_file(&tmp);
            return Err(disk_error(&tmp, e));
        }
        to.place(&tmp, &dst)?;
        n += 1;
    }
    let _ = std::fs::remove_dir(to.root.join("tmp"));
    Ok(n)
}

/// A write that failed: a full disk says so (507, as for messages), anything else is ours.
fn disk_error(path: &Path, e: std::io::Error) -> Error {
    if e.raw_os_error() == Some(libc::ENOSPC) {
        let mut err = Error::disk_full(format!("{}: {e}", path.display()));
        err.message = "The server's disk is full; the file was not saved. Please tell the help desk's administrator.".into();
        return err;
    }
    Error::internal(format!("cannot write {}: {e}", path.display()))
}
