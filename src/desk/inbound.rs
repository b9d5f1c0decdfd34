//! Replies by email come back (issue 16): a thread polls the IMAP mailbox, and each new mail sent
//! to a signed reply address (`local+c<id>.<sig>@domain`, `desk::mail`) is posted into that
//! conversation as the customer — the quoted history and signature stripped, HTML turned to text,
//! idempotent by Message-ID (a mail fetched twice is one message). A mail from another address
//! than the customer's is held for an agent to accept. Anything else — too big, not MIME, not to
//! a reply address of ours, a forged signature — is flagged seen and left alone, with a log line.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mail_parser::{Address, MessageParser};
use serde_json::json;

use super::conversations::{self as chat, Actor, Post};
use crate::app::App;
use crate::db::{self, WriteCtx};
use crate::error::{Error, Result};
use crate::mailer::imap::{self, Fetched};

/// Mails bigger than this are never downloaded.
pub const MAX_MAIL: u32 = 512 * 1024;

/// Poll the mailbox every `config.imap_poll_secs` while IMAP is set up, until `stop`.
pub fn run(app: Arc<App>, stop: Arc<AtomicBool>) {
    let mut failures = 0u32;
    while !stop.load(Ordering::Relaxed) {
        if let Some(server) = super::mail::imap(&app) {
            match poll(&app, &server) {
                Ok(n) => {
                    failures = 0;
                    if n > 0 {
                        log::info!("imap: {n} mails taken from {}", server.folder);
                    }
                }
                Err(e) => {
                    failures += 1;
                    if failures == 1 || failures.is_power_of_two() {
                        log::warn!("imap: {e} ({failures} failures in a row)");
                    }
                }
            }
        }
        // Looks at `stop` once a second (ten wake-ups a second did nothing for an idle desk).
        let mut left = app.config.imap_poll_secs;
        while left > 0 && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_secs(1));
            left -= 1;
        }
    }
}

/// One pass over the mailbox; the number of mails dealt with.
pub fn poll(app: &Arc<App>, server: &crate::mailer::Server) -> std::result::Result<usize, String> {
    imap::fetch_unseen(server, MAX_MAIL, &mut |f: Fetched| match take(app, &f) {
        Ok(what) => {
            log::info!("imap: mail uid {} ({} bytes): {what}", f.uid, f.size);
            true
        }
        Err(e) => {
            // Left unseen: tried again next time (idempotent by Message-ID).
            log::error!("imap: mail uid {}: {e}", f.uid);
            false
        }
    })
}

fn addresses(a: Option<&Address<'_>>) -> Vec<String> {
    a.map(|a| a.iter().filter_map(|x| x.address.as_deref().map(str::to_string)).collect()).unwrap_or_default()
}

/// Deal with one fetched mail: what became of it, for the log.
pub fn take(app: &Arc<App>, f: &Fetched) -> Result<String> {
    let Some(raw) = &f.raw else { return Ok(format!("refused: over {} KiB", MAX_MAIL / 1024)) };
    let Some(msg) = MessageParser::default().parse(raw.as_slice()) else { return Ok("refused: not a mail".into()) };
    let Some(from_addr) = super::mail::smtp(app).map(|s| s.from).filter(|f| !f.is_empty()) else {
        return Ok("left: no From address is set".into());
    };
    let Some(secret) = app.db.read(super::mail::existing_secret)? else { return Ok("refused: we sent no reply address yet".into()) };
    let mut to = addresses(msg.to());
    to.extend(addresses(msg.cc()));
    for h in ["Delivered-To", "X-Original-To"] {
        if let Some(v) = msg.header_raw(h) {
            to.push(v.trim().trim_start_matches('<').trim_end_matches('>').to_string());
        }
    }
    let Some(conv) = to.iter().find_map(|a| super::mail::conversation_of(&secret, &from_addr, a)) else {
        return Ok("refused: not addressed to a reply address of ours".into());
    };
    let sender = addresses(msg.from()).into_iter().next().unwrap_or_default();
    let message_id = match msg.message_id() {
        Some(id) if !id.is_empty() && id.len() <= 500 => id.to_string(),
        _ => format!("sha256:{}", crate::auth::hex(&crate::auth::sha256(&String::from_utf8_lossy(raw)))),
    };
    let text = msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default();
    let body = strip_reply(&text);
    if body.is_empty() {
        return Ok("refused: nothing but quoted text".into());
    }
    let subject: String = msg.subject().unwrap_or("").chars().take(200).collect();
    let now = app.clock.now_ms();
    let hub = app.hub.clone();
    let held = HeldMail {
        message_id: message_id.clone(),
        conversation_id: conv,
        from: sender.clone(),
        subject: subject.clone(),
        body: body.clone(),
    };
    let held_here = held.clone();
    let r = app.db.write(move |w| {
        if db::mail::seen_message_id(w.conn, &message_id)? {
            return Ok("already taken (same Message-ID)".to_string());
        }
        let Some(c) = db::conversations::get(w.conn, conv)? else { return Ok("refused: the conversation was deleted".into()) };
        let Some(cid) = c.customer_id else { return Ok("refused: not a live chat".into()) };
        let customer = db::customers::get(w.conn, cid)?.and_then(|c| c.email).unwrap_or_default();
        if customer.is_empty() || !customer.eq_ignore_ascii_case(&sender) {
            return Ok(match store_held(w, &c, &held_here, now)? {
                Some(_) => format!("held: from {sender}, not the customer's address"),
                None => "already taken".into(),
            });
        }
        let new = db::mail::NewInbound {
            message_id: &message_id,
            conversation_id: conv,
            from_addr: &sender,
            subject: &subject,
            body: &body,
            state: "posted",
            at: now,
        };
        let Some(row) = db::mail::insert_inbound(w.conn, &new)? else { return Ok("already taken".into()) };
        let m = post(w, conv, cid, &message_id, &body, &hub)?;
        db::mail::set_inbound_state(w.conn, row, "posted", Some(m), None)?;
        Ok(format!("posted into conversation {conv}"))
    });
    match r {
        // A rule refused the post (e.g. the customer has another open chat, so this one cannot
        // reopen): held for an agent rather than fetched again and again.
        Err(e) if e.status < 500 => hold(app, held, now, &e.message),
        other => other,
    }
}

/// A fetched reply that could not be posted by itself.
#[derive(Clone)]
struct HeldMail {
    message_id: String,
    conversation_id: i64,
    from: String,
    subject: String,
    body: String,
}

fn hold(app: &Arc<App>, h: HeldMail, now: i64, why: &str) -> Result<String> {
    let why = why.to_string();
    app.db.write(move |w| {
        let Some(c) = db::conversations::get(w.conn, h.conversation_id)? else { return Ok("refused: the conversation was deleted".into()) };
        Ok(match store_held(w, &c, &h, now)? {
            Some(_) => format!("held: could not be posted ({why})"),
            None => "already taken".into(),
        })
    })
}

/// Keep a reply for an agent to accept or reject, and tell the conversation's agents; `None` if
/// that Message-ID was taken already.
fn store_held(w: &mut db::WriteCtx<'_>, c: &db::conversations::Conversation, h: &HeldMail, now: i64) -> Result<Option<i64>> {
    let new = db::mail::NewInbound {
        message_id: &h.message_id,
        conversation_id: c.id,
        from_addr: &h.from,
        subject: &h.subject,
        body: &h.body,
        state: "held",
        at: now,
    };
    let Some(row) = db::mail::insert_inbound(w.conn, &new)? else { return Ok(None) };
    w.emit("mail.held", Some(c.id), c.audience(), json!({"conversation_id": c.id, "id": row, "from": h.from}))?;
    Ok(Some(row))
}

/// Post a mail's text as the customer, idempotent by the Message-ID's hash as `client_msg_id`.
fn post(w: &mut WriteCtx<'_>, conv: i64, cid: i64, message_id: &str, body: &str, hub: &Arc<crate::hub::Hub>) -> Result<i64> {
    let key = format!("mail-{}", &crate::auth::hex(&crate::auth::sha256(message_id))[..32]);
    let p = Post { body, client_msg_id: Some(&key), ..Post::default() };
    let posted = chat::post(w, conv, &Actor::Customer(cid), &p)?;
    super::assignment::dispatch(w, hub)?;
    Ok(posted.message.id)
}

/// An agent accepts (posted as the customer) or rejects a held reply.
pub fn decide(app: &Arc<App>, user: &db::users::User, id: i64, accept: bool) -> Result<serde_json::Value> {
    let user = user.clone();
    let hub = app.hub.clone();
    app.db.write(move |w| {
        let m = db::mail::inbound(w.conn, id)?.filter(|m| m.state == "held").ok_or_else(|| Error::not_found("No such held reply."))?;
        let c = db::conversations::get(w.conn, m.conversation_id)?.filter(|c| c.visible_to(&user));
        let Some(c) = c else { return Err(Error::not_found("No such held reply.")) };
        let cid = c.customer_id.ok_or_else(|| Error::not_found("No such held reply."))?;
        let posted = if accept { Some(post(w, c.id, cid, &m.message_id, &m.body, &hub)?) } else { None };
        db::mail::set_inbound_state(w.conn, id, if accept { "accepted" } else { "rejected" }, posted, Some(user.id))?;
        w.emit("mail.held", Some(c.id), c.audience(), json!({"conversation_id": c.id, "id": id, "decided": true}))?;
        Ok(json!({"id": id, "state": if accept { "accepted" } else { "rejected" }, "message_id": posted}))
    })
}

/// The reply without the quoted history (`> …`, "On … wrote:", Outlook's header block) and without
/// the signature (`-- `), trimmed, at most 16 KiB.
pub fn strip_reply(text: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        let starts_quote = t.starts_with('>')
            || t == "-- "
            || line.trim_end_matches('\r') == "-- "
            || t == "--"
            || t.starts_with("-----Original Message")
            || t.starts_with("----- Original Message")
            || t.starts_with("________________________________")
            || (t.starts_with("On ") && (t.ends_with("wrote:") || lines.get(i + 1).is_some_and(|n| n.trim().ends_with("wrote:"))))
            || (t.starts_with("Em ") && t.ends_with("escreveu:"))
            || (t.starts_with("From:") && i > 0 && lines[i - 1].trim().is_empty() && out.iter().any(|l| !l.trim().is_empty()))
            || t == "Sent from my iPhone"
            || t == "Enviado do meu iPhone";
        if starts_quote {
            break;
        }
        out.push(line);
    }
    let joined = out.join("\n");
    let mut s = joined.trim().to_string();
    if s.len() > db::messages::MAX_BODY {
        let mut cut = db::messages::MAX_BODY;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::strip_reply;

    #[test]
    fn quoted_history_and_signature_are_stripped() {
        let t = "Thanks, that works!\n\nOn Mon, 30 Nov 2026 at 10:00, Acme <help@acme.test> wrote:\n> We replied\n";
        assert_eq!(strip_reply(t), "Thanks, that works!");
        assert_eq!(strip_reply("Yes\n-- \nAna\nCEO"), "Yes");
        assert_eq!(strip_reply("Sim\n\nEm seg., 30/11/2026, Acme escreveu:\n> olá"), "Sim");
        assert_eq!(strip_reply("> only quoted"), "");
    }
}
