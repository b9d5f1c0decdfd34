//! Who may see what: conversations and items, for every list, fetch and event (the audience of
//! an event is derived from the same rule, so live pushes, resume and HTTP agree). Data lives in
//! `db/`; these are the rules that guard it ([S3], [S4]).

use rusqlite::Connection;

use crate::db::conversations::{self as convs, Conversation};
use crate::db::events::Audience;
use crate::db::items::{self, Item};
use crate::db::users::User;
use crate::error::{Error, Result};

impl Conversation {
    /// Who may receive events about this conversation.
    pub fn audience(&self) -> Audience {
        match self.customer_id {
            Some(c) => Audience::Support { customer: Some(c) },
            None => Audience::Users { ids: self.participants.clone() },
        }
    }

    /// The same audience without the customer: for agent-only events about a live chat.
    pub fn agent_audience(&self) -> Audience {
        match self.customer_id {
            Some(_) => Audience::Support { customer: None },
            None => Audience::Users { ids: self.participants.clone() },
        }
    }

    pub fn visible_to(&self, user: &User) -> bool {
        match self.kind.as_str() {
            "live_chat" => user.sees_customers(),
            _ => self.participants.contains(&user.id),
        }
    }
}

/// The conversation if `user` may see it; otherwise 404 (not 403: existence is not disclosed).
pub fn conversation(conn: &Connection, id: i64, user: &User) -> Result<Conversation> {
    convs::get(conn, id)?.filter(|c| c.visible_to(user)).ok_or_else(|| Error::not_found("No such conversation."))
}

/// May `user` see `item`? Items that face a customer need customer support; items linked to a team
/// conversation need membership of every such conversation.
pub fn visible(conn: &Connection, user: &User, item: &Item) -> Result<bool> {
    if item.customer_facing() && !user.sees_customers() {
        return Ok(false);
    }
    for (cid, kind) in &item.conversations {
        if kind == "team" && !convs::participants(conn, *cid)?.contains(&user.id) {
            return Ok(false);
        }
    }
    Ok(true)
}

pub fn item(conn: &Connection, user: &User, id: i64) -> Result<Item> {
    match items::get(conn, id)? {
        Some(it) if visible(conn, user, &it)? => Ok(it),
        _ => Err(Error::not_found("No such ticket or task.")),
    }
}

/// Who receives events about `item`: the same rule as `visible`.
pub fn audience(conn: &Connection, item: &Item) -> Result<Audience> {
    let mut members: Option<Vec<i64>> = None;
    for (cid, kind) in &item.conversations {
        if kind == "team" {
            let p = convs::participants(conn, *cid)?;
            members = Some(match members {
                None => p,
                Some(m) => m.into_iter().filter(|u| p.contains(u)).collect(),
            });
        }
    }
    Ok(match (members, item.customer_facing()) {
        (Some(ids), _) => Audience::Users { ids },
        (None, true) => Audience::Support { customer: None },
        (None, false) => Audience::Agents,
    })
}
