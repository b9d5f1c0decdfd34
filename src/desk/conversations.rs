//! The conversation rules shared by the HTTP API and the WebSocket: posting (idempotent), closing
//! and reopening, reading, editing and deleting ([S5]–[S7], [S10]). Each runs as one write job; the
//! events it emits reach sockets only after COMMIT.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::app::App;
use crate::db::conversations::{self as convs, Conversation};
use crate::db::events::Audience;
use crate::db::messages::{self, Message};
use crate::db::users::User;
use crate::db::{self, WriteCtx};
use crate::desk::system_lines::{self, Line};
use crate::desk::{attachments, customer, mentions, notes};
use crate::error::{Error, Result};

use super::post_checks::preview_of;
pub use super::post_checks::{check_body, check_client_id, check_content};

/// Who is acting.
#[derive(Clone, Debug)]
pub enum Actor {
    Agent(User),
    Customer(i64),
}

impl Actor {
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::Agent(_) => "user",
            Actor::Customer(_) => "customer",
        }
    }
    pub fn id(&self) -> i64 {
        match self {
            Actor::Agent(u) => u.id,
            Actor::Customer(c) => *c,
        }
    }
    fn can_see(&self, c: &Conversation) -> bool {
        match self {
            Actor::Agent(u) => c.visible_to(u),
            Actor::Customer(id) => c.customer_id == Some(*id),
        }
    }
}

/// A message to post: its text, the client's idempotency key, and what kind of message it is.
#[derive(Clone, Copy, Debug, Default)]
pub struct Post<'a> {
    pub body: &'a str,
    pub client_msg_id: Option<&'a str>,
    /// An agent's message reopens a closed conversation only when asked (a note never does).
    pub reopen: bool,
    /// A private note: for the desk only, never the customer (`desk::notes`).
    pub note: bool,
    /// Teammates named with `@Name`, as user ids (`desk::mentions` keeps those who may see it).
    pub mentions: &'a [i64],
    /// Email is set up (`desk::mail::continuity`, taken before the write): an agent's reply queues
    /// a continuity mail, a mention a mail to an offline teammate. `None` for customers' posts.
    pub mail: Option<super::mail::Continuity>,
    /// Uploads to send with it (their ids from the upload answer), at most 10 (`desk::attachments`).
    pub attachments: &'a [String],
}

/// The result of a post: the stored message and whether this call created it (false = a retry).
pub struct Posted {
    pub message: Message,
    pub created: bool,
}

/// The conversation as events carry it.
pub fn summary(c: &Conversation) -> Value {
    serde_json::to_value(c).unwrap_or(Value::Null)
}

fn load(w: &WriteCtx<'_>, id: i64, actor: &Actor) -> Result<Conversation> {
    convs::get(w.conn, id)?.filter(|c| actor.can_see(c)).ok_or_else(|| Error::not_found("No such conversation."))
}

fn actor_name(w: &WriteCtx<'_>, actor: &Actor) -> Result<String> {
    Ok(match actor {
        Actor::Agent(u) => u.name.clone(),
        Actor::Customer(id) => db::customers::get(w.conn, *id)?.map(|c| c.name).unwrap_or_else(|| "The customer".into()),
    })
}

/// Open or close, with a system message. Closing moves it to Closed ([S6]).
fn change_status(w: &mut WriteCtx<'_>, c: &Conversation, actor: &Actor, status: &str) -> Result<Conversation> {
    if c.status == status {
        return Ok(c.clone());
    }
    if let Err(e) = convs::set_status(w.conn, c.id, status) {
        if let rusqlite::Error::SqliteFailure(f, _) = &e
            && f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
        {
            return Err(Error::conflict("This customer already has another open conversation."));
        }
        return Err(e.into());
    }
    if status == "open" {
        super::assignment::reopened(w, c)?;
    }
    let by = actor_name(w, actor)?;
    let line = if status == "closed" { Line::Closed { by: &by } } else { Line::Reopened { by: &by } };
    system_lines::post(w, &Conversation { status: status.into(), ..c.clone() }, line)?;
    // Every closing of a live chat is recorded (reports), and may ask the customer for a rating.
    if status == "closed" {
        let by = if let Actor::Agent(u) = actor { Some(u.id) } else { None };
        super::csat::closed(w, &Conversation { status: status.into(), ..c.clone() }, by)?;
    } else {
        super::csat::reopened(w, c)?;
    }
    let updated = convs::get(w.conn, c.id)?.ok_or_else(|| Error::internal("conversation vanished"))?;
    w.emit("conversation.updated", Some(c.id), updated.audience(), json!({"conversation": summary(&updated), "change": "status"}))?;
    if let Actor::Agent(u) = actor {
        convs::mark_read(w.conn, u.id, c.id, updated.last_seq)?;
    }
    Ok(updated)
}

/// Post a message. Idempotent by `client_msg_id`: a retry returns the original row and emits
/// nothing. A customer message reopens a closed conversation; an agent's only with `reopen`, and
/// a note never.
pub fn post(w: &mut WriteCtx<'_>, conversation_id: i64, actor: &Actor, p: &Post<'_>) -> Result<Posted> {
    let c = load(w, conversation_id, actor)?;
    post_to(w, c, actor, p)
}

/// `post` into a conversation the caller has already loaded and checked. This is the hot path of
/// every message, so it builds the answer from what it knows instead of reading it back.
pub fn post_to(w: &mut WriteCtx<'_>, mut c: Conversation, actor: &Actor, p: &Post<'_>) -> Result<Posted> {
    let (body, client_msg_id) = (p.body, p.client_msg_id);
    check_content(body, p.attachments.len())?;
    check_client_id(client_msg_id)?;
    if let Some(cmid) = client_msg_id
        && let Some(m) = messages::by_client_id(w.conn, c.id, actor.kind(), Some(actor.id()), cmid)?
    {
        return Ok(Posted { message: m, created: false });
    }
    let claimed = attachments::claim(w.conn, p.attachments, actor)?;
    notes::check(&c, actor, p.note)?;
    let mentioned = mentions::check(w.conn, &c, actor, p.note, p.mentions)?;
    if c.status == "closed" && (matches!(actor, Actor::Customer(_)) || (p.reopen && !p.note)) {
        c = change_status(w, &c, actor, "open")?;
    }
    // A note is not a reply: it does not take the chat (a teammate asked for advice stays out of it).
    if let Actor::Agent(u) = actor
        && !p.note
    {
        c = super::assignment::on_reply(w, c, u)?;
    }
    let now = db::now_ms();
    let preview = preview_of(body, &claimed);
    let seq = convs::next_seq(w.conn, c.id, &preview, now)?;
    let row = messages::NewMessage {
        conversation_id: c.id,
        seq,
        author_kind: actor.kind(),
        author_id: Some(actor.id()),
        body,
        client_msg_id,
        at: now,
        note: p.note,
    };
    let id = messages::insert(w.conn, &row)?;
    let files = attachments::attach(w.conn, claimed, id)?;
    if c.kind == "live_chat" && !p.note {
        w.count_message(now, matches!(actor, Actor::Customer(_)), actor.id());
    }
    // First response times (reports): the customer's first message, the desk's first reply.
    match actor {
        Actor::Customer(_) => db::closings::note_customer_message(w.conn, c.id, now)?,
        Actor::Agent(u) if !p.note => db::closings::note_reply(w.conn, c.id, u.id, now)?,
        Actor::Agent(_) => {}
    }
    let author_name = match actor {
        Actor::Agent(u) => {
            // Taking part puts the conversation in the agent's "My conversations" ([S4]).
            if convs::add_participant(w.conn, c.id, u.id)? {
                c.participants.push(u.id);
            }
            convs::mark_read(w.conn, u.id, c.id, seq)?;
            u.name.clone()
        }
        Actor::Customer(_) => c.customer_name.clone().unwrap_or_default(),
    };
    mentions::record(w, &mut c, id, seq, actor.id(), now, &mentioned)?;
    let m = Message {
        id,
        conversation_id: c.id,
        seq,
        author: messages::Author { kind: actor.kind().into(), id: Some(actor.id()), name: author_name },
        body: body.to_string(),
        client_msg_id: client_msg_id.map(str::to_string),
        created_at: now,
        edited_at: None,
        deleted_at: None,
        system: None,
        note: p.note,
        mentions: mentioned,
        attachments: files,
    };
    c.last_seq = seq;
    c.last_message_at = now;
    c.preview = preview.chars().take(140).collect();
    (c.preview_deleted, c.preview_system, c.preview_note) = (false, None, p.note);
    // Serialized once, straight from the structs (no `Value` tree): this runs for every message.
    #[derive(serde::Serialize)]
    struct Created<'a> {
        message: &'a Message,
        conversation: &'a Conversation,
    }
    w.emit("message.created", Some(c.id), notes::audience(&c, m.note), Created { message: &m, conversation: &c })?;
    if let Actor::Agent(u) = actor {
        w.emit(
            "conversation.read",
            Some(c.id),
            Audience::Users { ids: vec![u.id] },
            json!({"conversation_id": c.id, "last_read_seq": seq, "unread": 0}),
        )?;
    }
    mentions::notify(w, &c, &m)?;
    if matches!(actor, Actor::Agent(_)) {
        super::mail_due::on_mention(w, p.mail, m.id, &m.mentions, now)?;
        if !p.note {
            super::mail::on_agent_reply(w, c.id, c.customer_id, p.mail, now)?;
        }
    }
    Ok(Posted { message: m, created: true })
}

pub fn set_status(app: &Arc<App>, user: &User, id: i64, status: &str) -> Result<Conversation> {
    if status != "open" && status != "closed" {
        return Err(Error::new(422, "status: must be open or closed"));
    }
    let actor = Actor::Agent(user.clone());
    let status = status.to_string();
    let hub = app.hub.clone();
    app.db.write(move |w| {
        let c = load(w, id, &actor)?;
        let c = change_status(w, &c, &actor, &status)?;
        // A closed chat frees its assignee's place for a waiting one; a reopened one may wait.
        super::assignment::dispatch(w, &hub)?;
        Ok(convs::get(w.conn, id)?.unwrap_or(c))
    })
}

/// Mark read up to `seq` (default: everything). Clears unread marks on the user's other tabs too.
pub fn mark_read(app: &Arc<App>, user: &User, id: i64, seq: Option<i64>) -> Result<Value> {
    let actor = Actor::Agent(user.clone());
    let uid = user.id;
    app.db.write(move |w| {
        let c = load(w, id, &actor)?;
        let upto = seq.unwrap_or(c.last_seq).clamp(0, c.last_seq);
        let before = convs::last_read(w.conn, uid, id)?;
        let now = convs::mark_read(w.conn, uid, id, upto)?;
        let out = json!({"conversation_id": id, "last_read_seq": now, "unread": db::conversation_lists::unread(w.conn, uid, id, now)?});
        if now != before {
            w.emit("conversation.read", Some(id), Audience::Users { ids: vec![uid] }, out.clone())?;
            if let Some(cid) = c.customer_id {
                // The widget shows "seen" once an agent has read: up to the last message the
                // customer sees (a note read after it is not theirs to know about).
                let seen = customer::last_seq(w.conn, id, now)?;
                w.emit("conversation.seen", Some(id), Audience::Customer { id: cid }, json!({"conversation_id": id, "seq": seen}))?;
            }
        }
        Ok(out)
    })
}

/// Edit (own messages only) or delete (own, or any as admin). Customers can do neither.
pub fn revise(app: &Arc<App>, user: &User, message_id: i64, new_body: Option<String>) -> Result<Message> {
    if let Some(b) = &new_body {
        check_body(b)?;
    }
    let user = user.clone();
    app.db.write(move |w| {
        let m = messages::get(w.conn, message_id)?.ok_or_else(|| Error::not_found("No such message."))?;
        let actor = Actor::Agent(user.clone());
        let c = load(w, m.conversation_id, &actor).map_err(|_| Error::not_found("No such message."))?;
        if m.deleted_at.is_some() {
            return Err(Error::conflict("This message was deleted."));
        }
        let own = m.author.kind == "user" && m.author.id == Some(user.id);
        let action = if new_body.is_some() { "edit" } else { "delete" };
        let allowed = own || (action == "delete" && user.is_admin() && m.author.kind != "system");
        if !allowed {
            return Err(Error::forbidden(if action == "edit" {
                "You can only edit your own messages."
            } else {
                "You can only delete your own messages."
            }));
        }
        messages::revise(w.conn, message_id, action, new_body.as_deref(), Some(user.id))?;
        if action == "delete" {
            attachments::forget_message(w, message_id)?;
        }
        let m = messages::get(w.conn, message_id)?.ok_or_else(|| Error::internal("message vanished"))?;
        if m.seq == c.last_seq {
            convs::set_preview(w.conn, c.id, if action == "edit" { &m.body } else { "Message deleted" })?;
        }
        let kind = if action == "edit" { "message.updated" } else { "message.deleted" };
        w.emit(kind, Some(c.id), notes::audience(&c, m.note), json!({"message": m}))?;
        Ok(m)
    })
}

/// Start a team conversation with chosen teammates ([S1]); `body` is the optional first message.
pub fn start_team(
    app: &Arc<App>,
    user: &User,
    members: Vec<i64>,
    subject: String,
    body: Option<String>,
    client_msg_id: Option<String>,
) -> Result<(Conversation, Option<Message>)> {
    if members.is_empty() || members.len() > 50 {
        return Err(Error::new(422, "user_ids: choose 1 to 50 teammates"));
    }
    if subject.chars().count() > 200 {
        return Err(Error::new(422, "subject: at most 200 characters"));
    }
    if let Some(b) = &body {
        check_body(b)?;
    }
    let user = user.clone();
    app.db.write(move |w| {
        for m in &members {
            match db::users::get(w.conn, *m)? {
                Some(u) if u.active => {}
                _ => return Err(Error::new(422, format!("user_ids: no active teammate with id {m}"))),
            }
        }
        let id = convs::insert(w.conn, "team", None, Some(user.id), subject.trim())?;
        convs::add_participant(w.conn, id, user.id)?;
        for m in &members {
            convs::add_participant(w.conn, id, *m)?;
        }
        convs::reindex(w.conn, id)?;
        let c = convs::get(w.conn, id)?.ok_or_else(|| Error::internal("conversation vanished"))?;
        w.emit("conversation.created", Some(id), c.audience(), json!({"conversation": summary(&c)}))?;
        let first = match body {
            Some(b) => {
                let p = Post { body: &b, client_msg_id: client_msg_id.as_deref(), ..Post::default() };
                Some(post(w, id, &Actor::Agent(user.clone()), &p)?.message)
            }
            None => None,
        };
        let c = convs::get(w.conn, id)?.ok_or_else(|| Error::internal("conversation vanished"))?;
        Ok((c, first))
    })
}

/// The customer's conversation: their latest one, or a new one if they have none (or `create_new`
/// is set and the latest is closed). Concurrent starts make one conversation: the writer runs them
/// one after the other, and a unique index backs that up.
pub fn customer_conversation(w: &mut WriteCtx<'_>, customer_id: i64) -> Result<Conversation> {
    if let Some(c) = convs::latest_for_customer(w.conn, customer_id)? {
        return Ok(c);
    }
    let id = convs::insert(w.conn, "live_chat", Some(customer_id), None, "")?;
    convs::reindex(w.conn, id)?;
    let c = convs::get(w.conn, id)?.ok_or_else(|| Error::internal("conversation vanished"))?;
    w.emit("conversation.created", Some(id), c.audience(), json!({"conversation": summary(&c)}))?;
    Ok(c)
}

/// Follow or unfollow ([S4]): a followed conversation is in "My conversations".
pub fn follow(app: &Arc<App>, user: &User, id: i64, on: bool) -> Result<Value> {
    let actor = Actor::Agent(user.clone());
    let uid = user.id;
    app.db.write(move |w| {
        load(w, id, &actor)?;
        convs::set_follow(w.conn, uid, id, on)?;
        let out = json!({"conversation_id": id, "following": on});
        w.emit("conversation.followed", Some(id), Audience::Users { ids: vec![uid] }, out.clone())?;
        Ok(out)
    })
}
