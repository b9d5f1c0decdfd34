//! Private notes (issue 15): a message in a live chat that only the desk sees. A note is posted,
//! sequenced, acknowledged, replayed, edited and deleted like any message (`desk::conversations`);
//! what keeps it from the customer is, in order: its events go to the agents' audience only (here),
//! the customer projection drops every note whatever the path (`desk::customer::message`), and the
//! customer's reads leave notes out in SQL (`db::messages::customer_page`). A note never reopens a
//! closed chat and never changes what the customer sees as the last message or the "seen" mark.

use crate::db::conversations::Conversation;
use crate::db::events::Audience;
use crate::desk::conversations::Actor;
use crate::error::{Error, Result};

/// May `actor` post a note (`note`) into `c`? Only agents, and only in live chats: a team chat is
/// private to its members already, so a "note" there would mean nothing.
pub fn check(c: &Conversation, actor: &Actor, note: bool) -> Result<()> {
    if !note {
        return Ok(());
    }
    if matches!(actor, Actor::Customer(_)) {
        return Err(Error::forbidden("Customers cannot write private notes."));
    }
    if c.kind != "live_chat" {
        return Err(Error::new(422, "note: private notes are for chats with customers; a team chat is already private to its members"));
    }
    Ok(())
}

/// Who receives the events of a message in `c` (created, edited, deleted): a note only the agents
/// who may see the conversation, never its customer.
pub fn audience(c: &Conversation, note: bool) -> Audience {
    if note { c.agent_audience() } else { c.audience() }
}
