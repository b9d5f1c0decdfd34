//! @mentions (issue 15): in a private note or a team chat an agent names teammates — `@Name` in the
//! text, their user ids in `mentions`. The client resolves names to ids; here only ids of active
//! teammates who may see the conversation are kept (anyone else is dropped, so a mention never
//! tells someone about a conversation they may not open). Each kept teammate is recorded, becomes a
//! participant, so the conversation is in their "My conversations" ([S4]: they now take part), and
//! receives `mention.created`, for them alone.
//!
//! A reply the customer reads cannot mention anyone: the customer would read "@Ana" while the
//! agent believed Ana was told, so it is refused (`422`) rather than silently sent without it.

use serde_json::json;

use crate::db::conversations::{self as convs, Conversation};
use crate::db::events::Audience;
use crate::db::messages::Message;
use crate::db::{self, WriteCtx};
use crate::desk::conversations::{Actor, summary};
use crate::error::{Error, Result};

/// At most this many ids in one message's `mentions`.
pub const MAX: usize = 50;

/// The ids of `wanted` that `actor` may mention in `c` (deduplicated, in order; never the author):
/// `422` where mentions are not allowed (a reply a customer reads) or too many.
pub fn check(conn: &rusqlite::Connection, c: &Conversation, actor: &Actor, note: bool, wanted: &[i64]) -> Result<Vec<i64>> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let Actor::Agent(me) = actor else {
        return Err(Error::new(422, "mentions: only teammates can mention teammates"));
    };
    if c.kind == "live_chat" && !note {
        return Err(Error::new(
            422,
            "mentions: a reply the customer reads cannot mention teammates; write a private note to mention someone",
        ));
    }
    if wanted.len() > MAX {
        return Err(Error::new(422, format!("mentions: at most {MAX} teammates")));
    }
    let mut out = Vec::new();
    for id in wanted {
        if *id == me.id || out.contains(id) {
            continue;
        }
        if let Some(u) = db::users::get(conn, *id)?
            && u.active
            && c.visible_to(&u)
        {
            out.push(*id);
        }
    }
    Ok(out)
}

/// Record the mentions of message `message_id` (seq `seq`, by `by`) and make each mentioned
/// teammate a participant of `c` (kept current in `c.participants`).
pub fn record(w: &mut WriteCtx<'_>, c: &mut Conversation, message_id: i64, seq: i64, by: i64, at: i64, ids: &[i64]) -> Result<()> {
    for uid in ids {
        db::mentions::insert(w.conn, message_id, *uid, c.id, seq, by, at)?;
        if convs::add_participant(w.conn, c.id, *uid)? {
            c.participants.push(*uid);
        }
    }
    Ok(())
}

/// Tell each teammate `m` mentions, on all their tabs and no one else's: `mention.created` with the
/// message and the conversation (now in their "My conversations").
pub fn notify(w: &mut WriteCtx<'_>, c: &Conversation, m: &Message) -> Result<()> {
    for uid in &m.mentions {
        w.emit(
            "mention.created",
            Some(c.id),
            Audience::Users { ids: vec![*uid] },
            json!({"user_id": uid, "conversation_id": c.id, "message": m, "conversation": summary(c)}),
        )?;
    }
    Ok(())
}
