//! Files in conversations (issue 17): the rules. An upload is its own request, answered with an
//! attachment id once the file is durably stored; a message then names its attachments through
//! the same idempotent send path as its text (`desk::conversations::post_to` calls `claim`). Here:
//! the limits (size, the admin's allow-list by the type the bytes show, a name that must agree,
//! per-visitor rates), who may read a file (the conversation's visibility rule, and a note's files
//! never reach a customer), and the sweep of files nothing refers to any more.

use std::sync::Arc;

use crate::app::App;
use crate::db::attachments::{self as rows, Attachment, Stored};
use crate::db::{self, WriteCtx};
use crate::desk::conversations::Actor;
use crate::desk::widget::{Limit, exempt, limit};
use crate::error::{Error, Result};
use crate::files::sniff::{self, Detected};
use crate::files::{SNIFF_BYTES, thumb};
use crate::http::body::BodyStream;

/// Files one message may carry.
pub const MAX_PER_MESSAGE: usize = 10;
/// Uploads per visitor token and per address (like messages: more than a person sends, fewer than
/// a script would).
pub const UPLOADS_PER_TOKEN: Limit = Limit { n: 20, window_ms: 600_000 };
pub const UPLOADS_PER_ADDRESS: Limit = Limit { n: 60, window_ms: 600_000 };
/// An upload never sent with a message is forgotten after this long.
pub const UNSENT_MS: i64 = 24 * 3600 * 1000;
/// A stored file no row names is deleted once it is this old (it may be an upload whose row is
/// about to commit: files are in place before the rows that name them).
pub const GRACE_MS: i64 = 3600 * 1000;

const MIB: usize = 1024 * 1024;

/// The upload size limit now, in bytes.
pub fn max_bytes(app: &App) -> usize {
    app.settings().max_file_mb as usize * MIB
}

/// What a refused over-sized upload is told (before any of it is read).
pub fn too_large(app: &App) -> String {
    format!("The file is too large: the limit is {} MiB a file.", app.settings().max_file_mb)
}

fn check_upload_id(id: &str) -> Result<()> {
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::new(422, "upload_id: 1 to 64 printable ASCII characters, made by the client for each file"));
    }
    Ok(())
}

fn uploader(actor: &Actor) -> (&'static str, i64) {
    (actor.kind(), actor.id())
}

/// An upload as it arrives: the client's idempotency key, the file's name, its bytes.
pub struct Upload<'a> {
    pub upload_id: &'a str,
    pub name: &'a str,
    pub body: &'a mut BodyStream,
    /// The client's address (widget uploads: the per-address limit).
    pub ip: &'a str,
}

/// Receive, check and store an upload; returns the attachment and whether this call made it (a
/// retried `upload_id` returns the first one and reads nothing).
pub fn upload(app: &Arc<App>, actor: &Actor, up: Upload<'_>) -> Result<(Attachment, bool)> {
    check_upload_id(up.upload_id)?;
    let (kind, id) = uploader(actor);
    let upload_id = up.upload_id.to_string();
    if let Some(done) = app.db.read(|c| rows::by_upload_id(c, kind, id, &upload_id))? {
        return Ok((done.att, false));
    }
    if matches!(actor, Actor::Customer(_)) && !exempt(up.ip) {
        limit(&app.limiter, &id.to_string(), "u", UPLOADS_PER_TOKEN, "files")?;
        limit(&app.limiter, up.ip, "ua", UPLOADS_PER_ADDRESS, "files from your network")?;
    }
    let len = up.body.len();
    if len > max_bytes(app) {
        return Err(Error::new(413, too_large(app)));
    }
    if len == 0 {
        return Err(Error::new(422, "The file is empty."));
    }
    let received = app.files.receive(up.body, len as u64)?;
    let k = match sniff::detect(&received.head, received.size as usize <= SNIFF_BYTES) {
        Detected::Known(k) if app.settings().file_types.iter().any(|t| t == k.mime) => k,
        Detected::Known(k) => return Err(Error::new(415, format!("Files of this type ({}) are not accepted here.", k.mime))),
        Detected::Other(m) => return Err(Error::new(415, format!("Files of this type ({m}) are not accepted here."))),
    };
    let mut name = sniff::clean_name(up.name);
    let ext = sniff::extension(&name);
    if ext.is_empty() {
        name = format!("{name}.{}", k.exts[0]);
    } else if !k.exts.contains(&ext.as_str()) {
        return Err(Error::new(
            415,
            format!("The file's name ends in .{ext} but its contents are {}: rename it or send another file.", k.mime),
        ));
    }
    let mut dims = (None, None);
    let mut thumb_sha = None;
    if k.raster {
        let (path, mime) = (received.tmp.clone(), k.mime);
        match app.files.decode(move || thumb::make(&path, mime))? {
            Ok(t) => {
                dims = (Some(i64::from(t.width)), Some(i64::from(t.height)));
                thumb_sha = Some(app.files.put(&t.bytes)?);
            }
            Err(thumb::Refused::TooLarge) => {
                return Err(Error::new(422, format!("This image is too large to process (at most {0} × {0} pixels).", thumb::MAX_SIDE)));
            }
            Err(thumb::Refused::Unreadable(e)) => {
                return Err(Error::new(422, "This image could not be read: it is damaged or not what it seems.").detail(e));
            }
        }
    }
    let size = received.size as i64;
    let sha = app.files.keep(received)?;
    let key = crate::auth::random_token();
    let at = app.clock.now_ms();
    app.db.write(move |w| {
        // Two tries of the same upload at once: the first row stands (the bytes are one file anyway).
        if let Some(done) = rows::by_upload_id(w.conn, kind, id, &upload_id)? {
            return Ok((done.att, false));
        }
        let new = rows::NewAttachment {
            key: &key,
            uploader_kind: kind,
            uploader_id: id,
            upload_id: &upload_id,
            name: &name,
            mime: k.mime,
            size,
            sha256: &sha,
            width: dims.0,
            height: dims.1,
            thumb_sha256: thumb_sha.as_deref(),
            at,
        };
        rows::insert(w.conn, &new)?;
        let row = rows::by_key(w.conn, &key)?.ok_or_else(|| Error::internal("attachment vanished"))?;
        Ok((row.att, true))
    })
}

/// The attachments a message being posted names, checked: at most `MAX_PER_MESSAGE`, each an
/// upload of the poster's own not yet sent with another message. Returns their rows.
pub fn claim(conn: &rusqlite::Connection, keys: &[String], actor: &Actor) -> Result<Vec<Stored>> {
    if keys.len() > MAX_PER_MESSAGE {
        return Err(Error::new(422, format!("attachments: at most {MAX_PER_MESSAGE} files a message")));
    }
    let (kind, id) = uploader(actor);
    let mut out: Vec<Stored> = Vec::with_capacity(keys.len());
    for key in keys {
        let row = rows::by_key(conn, key)?
            .filter(|r| r.uploader_kind == kind && r.uploader_id == id)
            .ok_or_else(|| Error::new(422, format!("attachments: {key} is not a file you uploaded")))?;
        if row.message_id.is_some() || out.iter().any(|o| o.row_id == row.row_id) {
            return Err(Error::new(422, format!("attachments: {} is already sent with a message", row.att.name)));
        }
        out.push(row);
    }
    Ok(out)
}

/// Attach claimed rows to the new message `message_id`; returns them as the message carries them.
pub fn attach(conn: &rusqlite::Connection, claimed: Vec<Stored>, message_id: i64) -> Result<Vec<Attachment>> {
    let ids: Vec<i64> = claimed.iter().map(|r| r.row_id).collect();
    rows::attach(conn, &ids, message_id)?;
    Ok(claimed.into_iter().map(|r| r.att).collect())
}

/// The file `key` if `viewer` may read it, else 404 (never 403: existence is not disclosed). A sent
/// file follows its message: visible where the conversation is (`desk::visibility`), a note's only
/// to the desk, a deleted message's to nobody. An unsent upload only to its uploader.
pub fn readable(conn: &rusqlite::Connection, key: &str, viewer: &Actor) -> Result<Stored> {
    let missing = || Error::not_found("No such file.");
    let row = rows::by_key(conn, key)?.ok_or_else(missing)?;
    let Some(mid) = row.message_id else {
        return if (row.uploader_kind.as_str(), row.uploader_id) == uploader(viewer) { Ok(row) } else { Err(missing()) };
    };
    let (conv_id, note, deleted) = rows::message_place(conn, mid)?.ok_or_else(missing)?;
    if deleted {
        return Err(missing());
    }
    let visible = match viewer {
        Actor::Agent(u) => crate::desk::visibility::conversation(conn, conv_id, u).is_ok(),
        Actor::Customer(cid) => !note && db::conversations::get(conn, conv_id)?.is_some_and(|c| c.customer_id == Some(*cid)),
    };
    if visible { Ok(row) } else { Err(missing()) }
}

/// A deleted message's files are no longer its: their rows go now, the bytes with the next sweep.
pub fn forget_message(w: &mut WriteCtx<'_>, message_id: i64) -> Result<()> {
    rows::detach_message(w.conn, message_id)?;
    Ok(())
}

/// Maintenance: forget uploads never sent (older than `UNSENT_MS`), then delete stored files that
/// no row names and that are older than `GRACE_MS`, and temporary files of abandoned uploads.
/// Each deletion is decided inside a write job, so no upload can commit a row naming a file between
/// the check and the unlink. Returns (uploads forgotten, files deleted).
pub fn sweep(app: &App) -> Result<(usize, usize)> {
    let now = app.clock.now_ms();
    let unsent = app.db.write(move |w| rows::delete_unsent_before(w.conn, now - UNSENT_MS))?;
    let cutoff = std::time::UNIX_EPOCH + std::time::Duration::from_millis((now - GRACE_MS).max(0) as u64);
    let stored = app.files.list();
    let mut deleted = 0;
    for batch in stored.chunks(200) {
        let batch = batch.to_vec();
        deleted += app.db.write(move |w| {
            let mut n = 0;
            for (sha, path) in batch {
                if crate::files::Store::older_than(&path, cutoff) && !rows::references(w.conn, &sha)? && std::fs::remove_file(&path).is_ok()
                {
                    n += 1;
                }
            }
            Ok(n)
        })?;
    }
    for tmp in app.files.stale_temps(cutoff - std::time::Duration::from_millis(UNSENT_MS as u64)) {
        let _ = std::fs::remove_file(tmp);
    }
    Ok((unsent, deleted))
}
