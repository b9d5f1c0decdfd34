//! Mails written when they fall due rather than when queued: the continuity mail (only the replies
//! the customer has still not seen, through the customer projection), a mention (only while the
//! agent is still offline) and the "customer waiting" alert (only while nobody answered). Each
//! returns the mail, or why nothing is to be sent any more (the row is then `dropped`).

use serde_json::{Value, json};

use super::mail::{self as m, Continuity};
use super::mail_text::{self as text, Body, Line};
use super::outbox::Compose;
use crate::db::settings::Settings;
use crate::db::{self, WriteCtx};
use crate::error::Result;
use crate::mailer::smtp::Mail;

type Due = std::result::Result<Mail, String>;

pub fn compose(w: &mut WriteCtx<'_>, what: &Value, ctx: &Compose, s: &Settings, now: i64) -> Result<Due> {
    if let Some(id) = what.get("continuity").and_then(Value::as_i64) {
        return continuity(w, id, ctx, s, now);
    }
    if let Some(x) = what.get("mention") {
        return mention(w, x, ctx, s);
    }
    if let Some(x) = what.get("waiting") {
        return waiting(w, x, ctx, s);
    }
    Ok(Err("nothing to send".into()))
}

fn continuity(w: &mut WriteCtx<'_>, id: i64, ctx: &Compose, s: &Settings, now: i64) -> Result<Due> {
    let Some(c) = db::conversations::get(w.conn, id)? else { return Ok(Err("the conversation was deleted".into())) };
    let Some(cid) = c.customer_id else { return Ok(Err("not a live chat".into())) };
    let Some(cust) = db::customers::get(w.conn, cid)? else { return Ok(Err("no customer".into())) };
    let Some(to) = cust.email.clone().filter(|e| !e.is_empty()) else { return Ok(Err("the customer left no email".into())) };
    if db::mail::opted_out(w.conn, cid)? {
        return Ok(Err("the customer stopped these emails".into()));
    }
    let (seen, mailed) = db::mail::marks(w.conn, id)?;
    // What the customer has not seen and no mail carried yet, as the customer sees it.
    let projected = super::customer::page(w.conn, id, None, Some(seen.max(mailed)))?;
    let replies: Vec<Value> = projected
        .into_iter()
        .filter(|p| p.pointer("/author/kind").and_then(Value::as_str) == Some("user") && p["deleted_at"].is_null())
        .collect();
    let Some(last) = replies.iter().filter_map(|p| p["seq"].as_i64()).max() else {
        return Ok(Err("the customer saw every reply".into()));
    };
    let lang = text::lang(&cust.language);
    let open = m::open_link_at(&ctx.public_url, &m::open_token(w.conn, id, now)?);
    let stop = m::stop_link_at(&ctx.public_url, &m::stop_token(w.conn, cid)?);
    let body = Body {
        lang,
        intro: text::words(lang, "continuity.intro", s),
        lines: text::lines(&replies, lang),
        link: Some((text::words(lang, "continuity.open", s), open)),
        after: vec![text::words(lang, "continuity.reply", s)],
        stop: Some(stop.clone()),
    };
    let mut mail = text::mail(&ctx.server, &to, text::words(lang, "continuity.subject", s), text::render(s, &body));
    mail.reply_to = m::reply_address(w.conn, &ctx.server.from, id)?;
    mail.headers.push(("List-Unsubscribe".into(), format!("<{stop}>")));
    mail.headers.push(("List-Unsubscribe-Post".into(), "List-Unsubscribe=One-Click".into()));
    db::mail::set_mailed(w.conn, id, last)?;
    Ok(Ok(mail))
}

fn agent(w: &WriteCtx<'_>, id: i64) -> Result<Option<db::users::User>> {
    Ok(db::users::get(w.conn, id)?.filter(|u| u.active))
}

fn agent_lang(u: &db::users::User) -> &'static str {
    text::lang(u.prefs.get("language").and_then(Value::as_str).unwrap_or("en"))
}

fn mention(w: &mut WriteCtx<'_>, x: &Value, ctx: &Compose, s: &Settings) -> Result<Due> {
    let (uid, mid) = (x["user"].as_i64().unwrap_or(0), x["message"].as_i64().unwrap_or(0));
    if !s.mail_mentions {
        return Ok(Err("mention mails are off".into()));
    }
    if ctx.online.contains(&uid) {
        return Ok(Err("the agent is online".into()));
    }
    let (Some(u), Some(msg)) = (agent(w, uid)?, db::messages::get(w.conn, mid)?) else { return Ok(Err("gone".into())) };
    if msg.deleted_at.is_some() {
        return Ok(Err("the message was deleted".into()));
    }
    let lang = agent_lang(&u);
    let body = Body {
        lang,
        intro: text::words(lang, "mention.subject", s).replace("{name}", &msg.author.name),
        lines: vec![Line { who: msg.author.name.clone(), body: msg.body.clone() }],
        link: Some((text::words(lang, "open.messenger", s), format!("{}/", ctx.public_url))),
        after: Vec::new(),
        stop: None,
    };
    let subject = text::words(lang, "mention.subject", s).replace("{name}", &msg.author.name);
    Ok(Ok(text::mail(&ctx.server, &u.email, subject, text::render(s, &body))))
}

fn waiting(w: &mut WriteCtx<'_>, x: &Value, ctx: &Compose, s: &Settings) -> Result<Due> {
    let (uid, cid, seq) = (x["user"].as_i64().unwrap_or(0), x["conversation"].as_i64().unwrap_or(0), x["seq"].as_i64().unwrap_or(0));
    let Some(u) = agent(w, uid)? else { return Ok(Err("gone".into())) };
    if ctx.support_online {
        return Ok(Err("a support agent is online".into()));
    }
    let Some(c) = db::conversations::get(w.conn, cid)? else { return Ok(Err("gone".into())) };
    if c.status != "open" || db::mail::waiting_seq(w.conn, cid)? != Some(seq) {
        return Ok(Err("answered".into()));
    }
    let lang = agent_lang(&u);
    let words = text::words(lang, "waiting.body", s).replace("{minutes}", &s.alert_waiting_minutes.to_string());
    let body = Body {
        lang,
        intro: words,
        lines: vec![Line { who: c.customer_name.clone().unwrap_or_default(), body: c.preview.clone() }],
        link: Some((text::words(lang, "open.messenger", s), format!("{}/", ctx.public_url))),
        after: Vec::new(),
        stop: None,
    };
    Ok(Ok(text::mail(&ctx.server, &u.email, text::words(lang, "waiting.subject", s), text::render(s, &body))))
}

/// Queue a mention mail for each mentioned teammate (sent only if they are still offline when due).
pub fn on_mention(w: &mut WriteCtx<'_>, mail: Option<Continuity>, message_id: i64, users: &[i64], now: i64) -> Result<()> {
    if mail.is_none() {
        return Ok(());
    }
    for uid in users {
        let what = json!({"mention": {"user": uid, "message": message_id}});
        m::queue_later(w, &format!("mention:{message_id}:{uid}"), what, now + 60_000, now)?;
    }
    Ok(())
}
