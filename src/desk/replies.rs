//! The rules of saved replies: a shared reply is seen by every agent and changed only by admins
//! (audited); a personal one exists only for its owner (anyone else, admins too, gets a 404). The
//! fields' limits, the shortcut's uniqueness within its scope, and announcing every change live
//! (`replies.updated`: shared ones to every agent, personal ones to their owner's tabs).

use serde::Deserialize;
use serde_json::json;

use crate::db::events::Audience;
use crate::db::replies::{self, Fields, Reply};
use crate::db::users::User;
use crate::db::{self, WriteCtx};
use crate::error::{Error, Result};

/// Replies per scope (the shared ones; each agent's own).
pub const MAX_PER_SCOPE: i64 = 500;
pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_SHORTCUT_CHARS: usize = 32;
pub const MAX_BODY_BYTES: usize = 8 * 1024;

/// `POST /api/replies`.
#[derive(Deserialize)]
pub struct Form {
    pub scope: String,
    pub title: String,
    pub shortcut: String,
    pub body: String,
    #[serde(default)]
    pub title_pt: String,
    #[serde(default)]
    pub body_pt: String,
}

/// `PATCH /api/replies/:id`: any field; `""` removes a Portuguese variant.
#[derive(Deserialize)]
pub struct Patch {
    pub scope: Option<String>,
    pub title: Option<String>,
    pub shortcut: Option<String>,
    pub body: Option<String>,
    pub title_pt: Option<String>,
    pub body_pt: Option<String>,
}

/// The shared replies and `user`'s own.
pub fn visible(conn: &rusqlite::Connection, user: &User) -> Result<Vec<Reply>> {
    replies::visible_to(conn, user.id)
}

/// Reply `id` if `user` may see it: shared, or their own. Someone else's is "not found".
fn seen_by(conn: &rusqlite::Connection, user: &User, id: i64) -> Result<Reply> {
    replies::get(conn, id)?
        .filter(|r| r.owner_id.is_none_or(|o| o == user.id))
        .ok_or_else(|| Error::not_found(format!("No saved reply with id {id}.")))
}

/// Shared replies are the admins' to change.
fn may_change(user: &User, owner: Option<i64>) -> Result<()> {
    if owner.is_none() && !user.is_admin() {
        return Err(Error::forbidden("Only admins can change shared replies; add a personal one in your settings instead."));
    }
    Ok(())
}

/// Create a reply in `f.scope` (shared: admins only).
pub fn create(w: &mut WriteCtx<'_>, user: &User, ip: &str, f: &Form, now: i64) -> Result<Reply> {
    let owner = match f.scope.as_str() {
        "shared" => None,
        "personal" => Some(user.id),
        _ => return Err(Error::new(422, "scope: shared or personal")),
    };
    may_change(user, owner)?;
    let fields = clean(&f.title, &f.shortcut, &f.body, &f.title_pt, &f.body_pt);
    check(w.conn, owner, &fields, 0)?;
    if replies::count(w.conn, owner)? >= MAX_PER_SCOPE {
        return Err(Error::new(422, format!("At most {MAX_PER_SCOPE} saved replies per scope: delete one you no longer use.")));
    }
    let id = replies::insert(w.conn, owner, &fields.as_fields(), now)?;
    let r = replies::get(w.conn, id)?.ok_or_else(|| Error::internal("saved reply vanished"))?;
    if owner.is_none() {
        let detail = json!({"shortcut": r.shortcut, "title": r.title});
        db::audit::append(w.conn, Some(user.id), ip, "reply.create", &target(&r), detail)?;
    }
    broadcast(w, "created", &r)?;
    Ok(r)
}

/// Change reply `id`; its scope stays what it is.
pub fn update(w: &mut WriteCtx<'_>, user: &User, ip: &str, id: i64, p: &Patch, now: i64) -> Result<Reply> {
    let old = seen_by(w.conn, user, id)?;
    may_change(user, old.owner_id)?;
    if p.scope.as_deref().is_some_and(|s| s != old.scope) {
        return Err(Error::new(422, "scope: cannot change; create the reply again in the other scope"));
    }
    let pick = |new: &Option<String>, old: &str| new.clone().unwrap_or_else(|| old.to_string());
    let fields = clean(
        &pick(&p.title, &old.title),
        &pick(&p.shortcut, &old.shortcut),
        &pick(&p.body, &old.body),
        &pick(&p.title_pt, &old.title_pt),
        &pick(&p.body_pt, &old.body_pt),
    );
    check(w.conn, old.owner_id, &fields, id)?;
    let changed: Vec<&str> = [
        ("title", old.title.as_str(), fields.title.as_str()),
        ("shortcut", &old.shortcut, &fields.shortcut),
        ("body", &old.body, &fields.body),
        ("title_pt", &old.title_pt, &fields.title_pt),
        ("body_pt", &old.body_pt, &fields.body_pt),
    ]
    .into_iter()
    .filter(|(_, a, b)| a != b)
    .map(|(k, _, _)| k)
    .collect();
    if changed.is_empty() {
        return Ok(old);
    }
    replies::update(w.conn, id, &fields.as_fields(), now)?;
    let r = replies::get(w.conn, id)?.ok_or_else(|| Error::internal("saved reply vanished"))?;
    if r.owner_id.is_none() {
        db::audit::append(w.conn, Some(user.id), ip, "reply.update", &target(&r), json!({"changed": changed}))?;
    }
    broadcast(w, "updated", &r)?;
    Ok(r)
}

/// Delete reply `id`; returns it as it was.
pub fn delete(w: &mut WriteCtx<'_>, user: &User, ip: &str, id: i64) -> Result<Reply> {
    let r = seen_by(w.conn, user, id)?;
    may_change(user, r.owner_id)?;
    replies::delete(w.conn, id)?;
    if r.owner_id.is_none() {
        let detail = json!({"shortcut": r.shortcut, "title": r.title});
        db::audit::append(w.conn, Some(user.id), ip, "reply.delete", &target(&r), detail)?;
    }
    broadcast(w, "deleted", &r)?;
    Ok(r)
}

/// How the audit log names a reply: its id and shortcut, as they were.
fn target(r: &Reply) -> String {
    format!("reply:{} /{}", r.id, r.shortcut)
}

/// `replies.updated` to whoever sees the reply: every agent for a shared one, its owner's tabs for
/// a personal one (never a teammate's).
fn broadcast(w: &mut WriteCtx<'_>, change: &str, r: &Reply) -> Result<()> {
    let audience = match r.owner_id {
        None => Audience::Agents,
        Some(owner) => Audience::Users { ids: vec![owner] },
    };
    w.emit("replies.updated", None, audience, json!({"change": change, "reply": r}))?;
    Ok(())
}

/// The fields as stored: trimmed, and a shortcut typed as `/greet` kept as `greet`.
struct Clean {
    title: String,
    shortcut: String,
    body: String,
    title_pt: String,
    body_pt: String,
}

impl Clean {
    fn as_fields(&self) -> Fields<'_> {
        Fields { title: &self.title, shortcut: &self.shortcut, body: &self.body, title_pt: &self.title_pt, body_pt: &self.body_pt }
    }
}

fn clean(title: &str, shortcut: &str, body: &str, title_pt: &str, body_pt: &str) -> Clean {
    let shortcut = shortcut.trim();
    Clean {
        title: title.trim().to_string(),
        shortcut: shortcut.strip_prefix('/').unwrap_or(shortcut).to_string(),
        body: body.trim().to_string(),
        title_pt: title_pt.trim().to_string(),
        body_pt: body_pt.trim().to_string(),
    }
}

/// Each field within its limits, and the shortcut free in its scope (`except`: the reply itself).
fn check(conn: &rusqlite::Connection, owner: Option<i64>, f: &Clean, except: i64) -> Result<()> {
    let n = f.title.chars().count();
    if n == 0 || n > MAX_TITLE_CHARS {
        return Err(Error::new(422, format!("title: 1 to {MAX_TITLE_CHARS} characters")));
    }
    if !valid_shortcut(&f.shortcut) {
        return Err(Error::new(422, format!("shortcut: 1 to {MAX_SHORTCUT_CHARS} characters, only lowercase letters, digits, - and _")));
    }
    if f.body.is_empty() || f.body.len() > MAX_BODY_BYTES {
        return Err(Error::new(422, "body: 1 byte to 8 KiB of text"));
    }
    if f.title_pt.chars().count() > MAX_TITLE_CHARS {
        return Err(Error::new(422, format!("title_pt: at most {MAX_TITLE_CHARS} characters")));
    }
    if f.body_pt.len() > MAX_BODY_BYTES {
        return Err(Error::new(422, "body_pt: at most 8 KiB of text"));
    }
    if replies::with_shortcut(conn, owner, &f.shortcut, except)?.is_some() {
        let whose = if owner.is_none() { "another shared reply" } else { "another of your replies" };
        return Err(Error::conflict(format!("shortcut: /{} is already used by {whose}; pick another", f.shortcut)));
    }
    Ok(())
}

/// 1 to 32 of `a-z`, `0-9`, `-`, `_`.
pub fn valid_shortcut(s: &str) -> bool {
    (1..=MAX_SHORTCUT_CHARS).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::valid_shortcut;

    #[test]
    fn shortcuts() {
        for ok in ["greet", "a", "order-late_2", &"x".repeat(32)] {
            assert!(valid_shortcut(ok), "{ok}");
        }
        for bad in ["", "Greet", "gr eet", "olá", "/greet", "a.b", &"x".repeat(33)] {
            assert!(!valid_shortcut(bad), "{bad}");
        }
    }
}
