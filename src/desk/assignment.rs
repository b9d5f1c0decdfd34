//! Assignment and availability: a live chat's one assignee (someone who may take live chats:
//! customer support, or an admin), set by hand (assign, transfer with a note, unassign), by replying
//! to an unassigned chat (`assign_on_reply`), or by auto-assignment: round robin among the agents who
//! are available — Online by their own choice and with a Messenger connected — each up to
//! `assign_cap` open chats. Chats over capacity wait, oldest first, and are handed out as agents free
//! up. Every decision runs inside a write job, so the one writer orders them all: no two jobs can
//! hand the same chat out, or one agent more than the cap. Each change is a system line agents see
//! (never customers: `desk::customer` has no rendering for these codes) and a `conversation.updated`
//! event with `change: "assignee"` to the chat's agents.

use std::sync::Arc;

use serde_json::{Value, json};

use super::system_lines::{self, Line};
use crate::app::App;
use crate::db::conversations::{self as convs, Conversation};
use crate::db::events::Audience;
use crate::db::settings::{self as settings_db, Settings};
use crate::db::users::User;
use crate::db::{self, WriteCtx, assignment as data};
use crate::error::{Error, Result};
use crate::hub::Hub;

/// Longest note a transfer may carry.
pub const MAX_NOTE: usize = 500;

/// Who changes an assignment: a person, or auto-assignment.
pub enum By {
    Agent { id: i64, name: String },
    Auto,
}

impl By {
    pub fn agent(u: &User) -> By {
        By::Agent { id: u.id, name: u.name.clone() }
    }
    fn id(&self) -> Option<i64> {
        match self {
            By::Agent { id, .. } => Some(*id),
            By::Auto => None,
        }
    }
}

/// Inside a write: give `c` to `to` (id and name), or to nobody, as `by`, with the line and the
/// event. The line is `assigned` when nobody had it (and no note), `transferred` from someone else
/// or with a note, `unassigned` for nobody. Returns the conversation as it is now.
pub fn set_assignee(w: &mut WriteCtx<'_>, c: &Conversation, to: Option<(i64, &str)>, by: &By, note: Option<&str>) -> Result<Conversation> {
    if c.assignee_id == to.map(|(id, _)| id) {
        return Ok(c.clone());
    }
    let now = db::now_ms();
    data::set(w.conn, c.id, to.map(|(id, _)| id), now)?;
    let by_name = match by {
        By::Agent { name, .. } => Some(name.as_str()),
        By::Auto => None,
    };
    let line = match (to, by_name) {
        (None, by) => Line::Unassigned { by: by.unwrap_or("") },
        (Some((_, to)), by) if c.assignee_id.is_none() && note.is_none() => Line::Assigned { to, by },
        (Some((_, to)), by) => Line::Transferred { to, by: by.unwrap_or(""), note },
    };
    system_lines::post(w, c, line)?;
    let now_c = convs::get(w.conn, c.id)?.ok_or_else(|| Error::internal("conversation vanished"))?;
    let mut data = json!({"conversation": now_c, "change": "assignee", "from": c.assignee_id, "by": by.id()});
    if let Some(n) = note {
        data["note"] = json!(n);
    }
    w.emit("conversation.updated", Some(c.id), now_c.agent_audience(), data)?;
    Ok(now_c)
}

/// `POST /api/conversations/:id/assignee`: `user` gives live chat `id` to `to` (themselves, a
/// teammate who may take live chats) or to nobody, with an optional note for the new assignee. A place
/// freed this way goes to the next waiting chat at once.
pub fn assign(app: &Arc<App>, user: &User, id: i64, to: Option<i64>, note: Option<String>) -> Result<Conversation> {
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE) {
        return Err(Error::new(422, format!("note: at most {MAX_NOTE} characters")));
    }
    if note.is_some() && to.is_none() {
        return Err(Error::new(422, "note: a note goes to the new assignee; choose one"));
    }
    let (user, hub) = (user.clone(), app.hub.clone());
    app.db.write(move |w| {
        let c = super::visibility::conversation(w.conn, id, &user)?;
        if c.kind != "live_chat" {
            return Err(Error::new(422, "Only live chats have an assignee."));
        }
        let target = match to {
            Some(uid) => {
                let u = db::users::get(w.conn, uid)?.filter(|_| data::may_take(w.conn, uid).unwrap_or(false));
                let u = u.ok_or_else(|| Error::new(422, format!("user_id: user {uid} cannot take live chats")))?;
                Some((u.id, u.name))
            }
            None => None,
        };
        let c = set_assignee(w, &c, target.as_ref().map(|(i, n)| (*i, n.as_str())), &By::agent(&user), note.as_deref())?;
        dispatch(w, &hub)?;
        Ok(convs::get(w.conn, id)?.unwrap_or(c))
    })
}

/// Inside `post_to`, before an agent's reply to an open live chat nobody has: with `assign_on_reply`
/// on, the chat becomes theirs in the same transaction as the message.
pub fn on_reply(w: &mut WriteCtx<'_>, c: Conversation, u: &User) -> Result<Conversation> {
    if c.kind != "live_chat" || c.status != "open" || c.assignee_id.is_some() || !u.sees_customers() {
        return Ok(c);
    }
    if !settings_db::value(w.conn, "assign_on_reply", Settings::default().assign_on_reply)? {
        return Ok(c);
    }
    set_assignee(w, &c, Some((u.id, &u.name)), &By::agent(u), None)
}

/// Hand waiting chats out, oldest first, round robin among the available agents (those with a socket
/// open in `hub` now, who chose Online and may take live chats), each up to the cap. Does nothing
/// unless auto-assignment is on. The position is kept in the database, so a restart goes on with the
/// next agent. Returns how many chats were handed out.
pub fn dispatch(w: &mut WriteCtx<'_>, hub: &Hub) -> Result<usize> {
    if !automatic(w)? {
        return Ok(0);
    }
    let defaults = Settings::default();
    let cap = i64::from(settings_db::value(w.conn, "assign_cap", defaults.assign_cap)?);
    let online = hub.online_agents();
    let agents: Vec<i64> =
        data::takers(w.conn)?.into_iter().filter(|(id, a)| a == "online" && online.contains(id)).map(|(id, _)| id).collect();
    if agents.is_empty() {
        return Ok(0);
    }
    let mut load: Vec<i64> = vec![0; agents.len()];
    for (uid, n) in data::open_counts(w.conn)? {
        if let Some(i) = agents.iter().position(|a| *a == uid) {
            load[i] = n;
        }
    }
    let free: i64 = load.iter().map(|n| (cap - n).max(0)).sum();
    if free == 0 {
        return Ok(0);
    }
    let mut last = data::rr_last(w.conn)?;
    let mut handed = 0;
    for cid in data::waiting(w.conn, free)? {
        // The next agent after the last one served, in id order, wrapping around, who is under the cap.
        let start = agents.iter().position(|a| last.is_none_or(|l| *a > l)).unwrap_or(0);
        let Some(i) = (0..agents.len()).map(|k| (start + k) % agents.len()).find(|i| load[*i] < cap) else { break };
        let Some(c) = convs::get(w.conn, cid)? else { continue };
        let name = db::users::get(w.conn, agents[i])?.map(|u| u.name).unwrap_or_default();
        set_assignee(w, &c, Some((agents[i], &name)), &By::Auto, None)?;
        load[i] += 1;
        last = Some(agents[i]);
        handed += 1;
    }
    if let Some(l) = last.filter(|_| handed > 0) {
        data::set_rr_last(w.conn, l)?;
    }
    Ok(handed)
}

/// Whether chats are handed out automatically (round robin), as stored in this transaction.
pub fn automatic(w: &WriteCtx<'_>) -> Result<bool> {
    Ok(settings_db::value::<String>(w.conn, "auto_assign", settings_db::AUTO_ASSIGN_DEFAULT.into())? == "round_robin")
}

/// `dispatch` as a write of its own: after something outside a write freed a place or an agent.
pub fn dispatch_now(app: &Arc<App>) -> Result<usize> {
    let hub = app.hub.clone();
    app.db.write(move |w| dispatch(w, &hub))
}

/// Inside a write: user `user_id` can no longer take live chats (deactivated, or no longer customer
/// support): their open chats go back to Unassigned, with a line by `by`; closed ones lose their
/// assignee silently, so a reopened one waits like any other. Returns how many open chats came back.
pub fn release(w: &mut WriteCtx<'_>, user_id: i64, by: &By) -> Result<usize> {
    let held = data::open_held_by(w.conn, user_id)?;
    for cid in &held {
        if let Some(c) = convs::get(w.conn, *cid)? {
            set_assignee(w, &c, None, by, None)?;
        }
    }
    data::clear_closed(w.conn, user_id)?;
    Ok(held.len())
}

/// Inside `change_status`: a chat that opens again with nobody on it waits from now.
pub fn reopened(w: &mut WriteCtx<'_>, c: &Conversation) -> Result<()> {
    if c.assignee_id.is_none() {
        data::mark_waiting(w.conn, c.id, db::now_ms())?;
    }
    Ok(())
}

/// What others see of an agent: `offline` without a socket, else what they chose (`online`, `away`).
pub fn effective(availability: &str, connected: bool) -> &'static str {
    match (connected, availability) {
        (false, _) => "offline",
        (true, "away") => "away",
        (true, _) => "online",
    }
}

/// Announce agent `user_id`'s status to every agent (`user.status`).
fn announce(w: &mut WriteCtx<'_>, user_id: i64, availability: &str, connected: bool) -> Result<()> {
    let data = json!({"user_id": user_id, "status": effective(availability, connected), "availability": availability});
    w.emit("user.status", None, Audience::Agents, data)?;
    Ok(())
}

/// `POST /api/me/status`: the agent chooses Online or Away. Away takes no auto-assignments and does
/// not count as an agent being there for "offline when no agent is online"; back Online, waiting chats
/// may come at once. The help desk's state is re-evaluated (and announced if it changed) right away.
pub fn set_availability(app: &Arc<App>, user: &User, availability: &str) -> Result<Value> {
    if availability != "online" && availability != "away" {
        return Err(Error::new(422, "status: must be online or away"));
    }
    let (uid, a, hub) = (user.id, availability.to_string(), app.hub.clone());
    app.db.write(move |w| {
        if data::availability(w.conn, uid)? != a {
            data::set_availability(w.conn, uid, &a)?;
            announce(w, uid, &a, hub.online_agents().contains(&uid))?;
        }
        if a == "online" {
            dispatch(w, &hub)?;
        }
        Ok(())
    })?;
    {
        let mut away = app.away.write().unwrap_or_else(|p| p.into_inner());
        if availability == "away" {
            away.insert(uid);
        } else {
            away.remove(&uid);
        }
    }
    super::availability::tick(app)?;
    let connected = app.hub.online_agents().contains(&uid);
    Ok(json!({"user_id": uid, "status": effective(availability, connected), "availability": availability}))
}

/// Inside the presence write (an agent's first socket opened, or last one closed): announce their
/// status, and an agent who came online may take waiting chats.
pub fn presence(w: &mut WriteCtx<'_>, user_id: i64, connected: bool, hub: &Hub) -> Result<()> {
    let availability = data::availability(w.conn, user_id)?;
    announce(w, user_id, &availability, connected)?;
    if connected {
        dispatch(w, hub)?;
    }
    Ok(())
}
