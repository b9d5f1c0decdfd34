//! The widget's rules: the limits that keep a script from flooding the desk through the widget
//! (new visitors, new chats and messages, per address and per visitor), and the customer's send
//! path (HTTP and socket alike): pre-chat requirement, their conversation (started within the
//! limits, reopened if closed), the idempotent post.

use std::sync::Arc;

use serde::Deserialize;

use crate::app::App;
use crate::db;
use crate::desk::conversations::{self as chat, Actor};
use crate::error::{Error, Result};
use crate::ratelimit::RateLimiter;

/// A limit: at most `n` actions per `window_ms`.
pub struct Limit {
    pub n: i64,
    pub window_ms: i64,
}

/// New visitors (tokens) per address.
pub const VISITORS_PER_ADDRESS: Limit = Limit { n: 20, window_ms: 600_000 };
/// New conversations per address, and how many may be open at once from one address.
pub const STARTS_PER_ADDRESS: Limit = Limit { n: 10, window_ms: 600_000 };
pub const OPEN_PER_ADDRESS: i64 = 20;
/// Messages per visitor token (faster than anyone types, slower than a script) and per address.
pub const MESSAGES_PER_TOKEN: Limit = Limit { n: 20, window_ms: 30_000 };
pub const MESSAGES_PER_ADDRESS: Limit = Limit { n: 120, window_ms: 60_000 };

/// Loopback is the server's own machine: tests, benchmarks, or a reverse proxy run without
/// `--trusted-proxies`, where every visitor shares one address and a limit would throttle them all
/// together. Limits apply to real client addresses only.
pub fn exempt(ip: &str) -> bool {
    ip.parse::<std::net::IpAddr>().map(|a| a.is_loopback()).unwrap_or(false)
}

/// Count one action under `kind:key`; `429` with Retry-After past the limit.
pub fn limit(rl: &RateLimiter, key: &str, kind: &str, l: Limit, what: &str) -> Result<()> {
    match rl.hit(&format!("{kind}:{key}"), l.window_ms, l.n as usize, db::now_ms()) {
        None => Ok(()),
        Some(secs) => Err(Error::too_many(secs, format!("Slow down: too many {what}. Try again in {secs} seconds."))),
    }
}

/// The customer's conversation, creating it within the per-address limits.
pub fn conversation(w: &mut db::WriteCtx<'_>, rl: &RateLimiter, cid: i64, ip: &str) -> Result<db::conversations::Conversation> {
    if let Some(c) = db::conversations::latest_for_customer(w.conn, cid)? {
        return Ok(c);
    }
    if !exempt(ip) {
        if db::customers::open_chats_from(w.conn, ip)? >= OPEN_PER_ADDRESS {
            return Err(Error::too_many(600, "Slow down: too many open chats from your network. Try again later."));
        }
        limit(rl, ip, "c", STARTS_PER_ADDRESS, "new chats from your network")?;
    }
    chat::customer_conversation(w, cid)
}

#[derive(Deserialize)]
pub struct SendForm {
    #[serde(default)]
    pub body: String,
    pub client_msg_id: Option<String>,
    /// Uploads sent with the message (`desk::attachments`).
    #[serde(default)]
    pub attachments: Vec<String>,
}

/// Post as the customer, starting their conversation if needed; a closed one reopens ([S6]).
/// Socket sends carry no address: the customer's first-seen address stands in.
pub fn send_as(app: &Arc<App>, cid: i64, f: SendForm) -> Result<chat::Posted> {
    send_from(app, cid, f, None)
}

pub fn send_from(app: &Arc<App>, cid: i64, f: SendForm, addr: Option<String>) -> Result<chat::Posted> {
    chat::check_content(&f.body, f.attachments.len())?;
    let prechat_required = app.settings.read().map(|s| s.prechat == "required").unwrap_or(false);
    let (rl, hub) = (app.limiter.clone(), app.hub.clone());
    app.db.write(move |w| {
        let ip = match addr {
            Some(a) => a,
            None => db::customers::ip(w.conn, cid)?,
        };
        if prechat_required {
            let cu = db::customers::get(w.conn, cid)?.ok_or_else(|| Error::new(401, "Unknown visitor token."))?;
            if cu.email.is_none() && !cu.verified {
                return Err(Error::new(422, "email: please tell us your email before you start"));
            }
        }
        let mut c = conversation(w, &rl, cid, &ip)?;
        // A chat nobody has may be handed out now (auto-assignment). An open one before the message,
        // so the customer's words stay its latest (the list's preview); a closed one once the message
        // has reopened it. A retried message changes nothing, so it is checked first (only when chats are
        // handed out automatically: `post_to` checks it anyway).
        let retry = |c: &db::conversations::Conversation| match f.client_msg_id.as_deref() {
            Some(m) => db::messages::by_client_id(w.conn, c.id, "customer", Some(cid), m).map(|found| found.is_some()),
            None => Ok(false),
        };
        let waiting = c.assignee_id.is_none() && crate::desk::assignment::automatic(w)? && !retry(&c)?;
        if waiting && c.status == "open" && crate::desk::assignment::dispatch(w, &hub)? > 0 {
            c = db::conversations::get(w.conn, c.id)?.unwrap_or(c);
        }
        let reopens = c.status == "closed";
        let post =
            chat::Post { body: &f.body, client_msg_id: f.client_msg_id.as_deref(), attachments: &f.attachments, ..chat::Post::default() };
        let p = chat::post_to(w, c, &Actor::Customer(cid), &post)?;
        if waiting && reopens {
            crate::desk::assignment::dispatch(w, &hub)?;
        }
        // Counted only for new messages: a retry of an acknowledged one is free.
        if p.created && !exempt(&ip) {
            limit(&rl, &cid.to_string(), "m", MESSAGES_PER_TOKEN, "messages")?;
            limit(&rl, &ip, "ma", MESSAGES_PER_ADDRESS, "messages from your network")?;
        }
        Ok(p)
    })
}
