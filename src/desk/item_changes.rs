//! Changes to tickets and tasks, each inside one write job: create (also from a conversation),
//! edit in place (every change logged), link and unlink conversations (with system lines), follow.
//! Each checks visibility and who may be put on the item, and announces the new state.

use serde::Deserialize;
use serde_json::{Value, json};

use super::items::{announce, check_fields, check_people};
use super::system_lines::{self, Line};
use super::visibility;
use crate::db::conversations::{self as convs, Conversation};
use crate::db::items::{self, Item, NewItem};
use crate::db::users::User;
use crate::db::{self, WriteCtx};
use crate::error::{Error, Result};

#[derive(Deserialize)]
pub struct ItemForm {
    pub kind: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "new_status")]
    pub status: String,
    #[serde(default = "normal")]
    pub priority: String,
    pub requester_id: Option<i64>,
    #[serde(default)]
    pub assignee_ids: Vec<i64>,
    #[serde(default)]
    pub follower_ids: Vec<i64>,
}

fn new_status() -> String {
    "new".into()
}
fn normal() -> String {
    "normal".into()
}

/// Create an item (linked to `link_to` when made from a conversation, with a system line there).
pub fn create(w: &mut WriteCtx<'_>, user: &User, f: &ItemForm, link_to: Option<&Conversation>) -> Result<Item> {
    if f.kind != "ticket" && f.kind != "task" {
        return Err(Error::new(422, "kind: ticket or task"));
    }
    check_fields(&f.title, &f.description, &f.status, &f.priority)?;
    if let Some(r) = f.requester_id {
        if !user.sees_customers() {
            return Err(Error::new(422, "requester_id: only customer-support agents can file work for a customer"));
        }
        db::customers::get(w.conn, r)?.ok_or_else(|| Error::new(422, format!("requester_id: no customer {r}")))?;
    }
    let id = items::insert(
        w.conn,
        &NewItem {
            kind: &f.kind,
            title: f.title.trim(),
            description: &f.description,
            status: &f.status,
            priority: &f.priority,
            requester_id: f.requester_id,
            created_by: user.id,
        },
    )?;
    items::log(w.conn, id, Some(user.id), "created", None, Some(f.title.trim()))?;
    if let Some(c) = link_to {
        if c.item.is_some() {
            return Err(Error::conflict("This conversation is already linked to an item: unlink it first."));
        }
        items::link(w.conn, c.id, Some(id))?;
    }
    let it = items::get(w.conn, id)?.ok_or_else(|| Error::internal("item vanished"))?;
    check_people(w.conn, &it, "assignee_ids", &f.assignee_ids)?;
    check_people(w.conn, &it, "follower_ids", &f.follower_ids)?;
    items::set_people(w.conn, id, false, &f.assignee_ids)?;
    items::set_people(w.conn, id, true, &f.follower_ids)?;
    if let Some(c) = link_to {
        let it = items::get(w.conn, id)?.ok_or_else(|| Error::internal("item vanished"))?;
        items::log(w.conn, id, Some(user.id), "linked", None, Some(&format!("conversation {}", c.id)))?;
        system_lines::post(w, c, Line::ItemCreated { kind: &it.kind, number: it.number, by: &user.name })?;
    }
    announce(w, id, "item.created")
}

#[derive(Deserialize)]
pub struct Patch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub assignee_ids: Option<Vec<i64>>,
    pub follower_ids: Option<Vec<i64>>,
}

/// Apply a patch to item `id`.
pub fn update(w: &mut WriteCtx<'_>, user: &User, id: i64, p: &Patch) -> Result<Item> {
    let it = visibility::item(w.conn, user, id)?;
    let title = p.title.clone().unwrap_or_else(|| it.title.clone());
    let description = p.description.clone().unwrap_or_else(|| it.description.clone());
    let status = p.status.clone().unwrap_or_else(|| it.status.clone());
    let priority = p.priority.clone().unwrap_or_else(|| it.priority.clone());
    check_fields(&title, &description, &status, &priority)?;
    for (field, old, new) in [
        ("title", &it.title, title.trim()),
        ("description", &it.description, description.as_str()),
        ("status", &it.status, status.as_str()),
        ("priority", &it.priority, priority.as_str()),
    ] {
        if old != new {
            items::set_field(w.conn, id, field, new)?;
            // Descriptions can be long: the log records that it changed, not both texts.
            let (o, n) = if field == "description" { (None, None) } else { (Some(old.as_str()), Some(new)) };
            items::log(w.conn, id, Some(user.id), field, o, n)?;
        }
    }
    for (followers, field, new) in [(false, "assignee_ids", &p.assignee_ids), (true, "follower_ids", &p.follower_ids)] {
        if let Some(new) = new {
            let mut new = new.clone();
            new.sort_unstable();
            new.dedup();
            let old = if followers { &it.followers } else { &it.assignees };
            if *old != new {
                check_people(w.conn, &it, field, &new)?;
                items::set_people(w.conn, id, followers, &new)?;
                let names = |ids: &[i64]| -> Result<String> {
                    let mut v = Vec::new();
                    for i in ids {
                        v.push(db::users::get(w.conn, *i)?.map(|u| u.name).unwrap_or_default());
                    }
                    Ok(v.join(", "))
                };
                items::log(
                    w.conn,
                    id,
                    Some(user.id),
                    if followers { "followers" } else { "assignees" },
                    Some(&names(old)?),
                    Some(&names(&new)?),
                )?;
            }
        }
    }
    announce(w, id, "item.updated")
}

#[derive(Deserialize)]
pub struct LinkForm {
    pub item_id: Option<i64>,
    pub number: Option<i64>,
}

/// Link conversation `conv` to an existing item.
pub fn link(w: &mut WriteCtx<'_>, user: &User, conv: i64, f: LinkForm) -> Result<Item> {
    let c = crate::desk::visibility::conversation(w.conn, conv, user)?;
    if c.item.is_some() {
        return Err(Error::conflict("This conversation is already linked to an item: unlink it first."));
    }
    let id = match (f.item_id, f.number) {
        (Some(id), _) => id,
        (None, Some(n)) => items::id_by_number(w.conn, n)?.ok_or_else(|| Error::not_found(format!("No item #{n}.")))?,
        (None, None) => return Err(Error::new(422, "item_id or number: required")),
    };
    let it = visibility::item(w.conn, user, id)?;
    items::link(w.conn, c.id, Some(id))?;
    // Everyone on the item must still be able to see it with this conversation attached.
    let after = items::get(w.conn, id)?.ok_or_else(|| Error::internal("item vanished"))?;
    check_people(w.conn, &after, "assignee_ids", &after.assignees)?;
    check_people(w.conn, &after, "follower_ids", &after.followers)?;
    items::log(w.conn, id, Some(user.id), "linked", None, Some(&format!("conversation {}", c.id)))?;
    system_lines::post(w, &c, Line::ItemLinked { kind: &it.kind, number: it.number, by: &user.name })?;
    announce(w, id, "item.updated")
}

/// Unlink conversation `conv` from its item.
pub fn unlink(w: &mut WriteCtx<'_>, user: &User, conv: i64) -> Result<Value> {
    let c = crate::desk::visibility::conversation(w.conn, conv, user)?;
    let Some(r) = c.item.clone() else { return Err(Error::conflict("This conversation is not linked to an item.")) };
    items::link(w.conn, c.id, None)?;
    items::log(w.conn, r.id, Some(user.id), "unlinked", Some(&format!("conversation {}", c.id)), None)?;
    system_lines::post(w, &c, Line::ItemUnlinked { kind: &r.kind, number: r.number, by: &user.name })?;
    let c = convs::get(w.conn, c.id)?.ok_or_else(|| Error::internal("conversation vanished"))?;
    w.emit("conversation.updated", Some(c.id), c.agent_audience(), json!({"conversation": c, "change": "item"}))?;
    announce(w, r.id, "item.updated")?;
    Ok(json!({"conversation": c}))
}

/// Follow or unfollow item `id`.
pub fn follow(w: &mut WriteCtx<'_>, user: &User, id: i64, on: bool) -> Result<Item> {
    visibility::item(w.conn, user, id)?;
    items::follow(w.conn, id, user.id, on)?;
    items::log(w.conn, id, Some(user.id), if on { "followed" } else { "unfollowed" }, None, None)?;
    announce(w, id, "item.updated")
}
