//! Email's rules (issue 16): which servers are in force (the environment wins over the admin's
//! settings), the signed links and reply addresses, and queueing a mail as part of the write that
//! causes it (`desk::outbox` delivers it). What a mail says is `mail_text.rs`; replies coming back
//! are `inbound.rs`. Only what the customer projection (`desk::customer`) lets through is ever
//! mailed to a customer: never a note, an internal line or an agent's email.

use std::sync::Arc;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};

use crate::app::App;
use crate::db::settings::Settings;
use crate::db::{self, WriteCtx};
use crate::error::Result;
use crate::mailer::{Security, Server, smtp::Mail};

/// The secret of signed links and reply addresses (`desk_secrets`).
const SECRET: &str = "mail_hmac";
/// How long the link in a mail reopens the conversation.
pub const LINK_VALID_MS: i64 = 30 * 24 * 3600 * 1000;

/// The SMTP server in force: `FRONTDESK_SMTP_URL`, else the admin's settings (if a host is set).
pub fn smtp(app: &App) -> Option<Server> {
    smtp_from(app.config.smtp_url.as_ref(), &app.settings())
}

pub fn smtp_from(env: Option<&Server>, s: &Settings) -> Option<Server> {
    if let Some(e) = env {
        let mut e = e.clone();
        if e.from.is_empty() {
            e.from = if s.mail_from.is_empty() { e.user.clone() } else { s.mail_from.clone() };
        }
        if e.from_name.is_empty() {
            e.from_name = if s.mail_from_name.is_empty() { s.helpdesk_name.clone() } else { s.mail_from_name.clone() };
        }
        return Some(e);
    }
    (!s.smtp_host.is_empty()).then(|| Server {
        host: s.smtp_host.clone(),
        port: s.smtp_port,
        security: Security::parse(&s.smtp_security).unwrap_or(Security::StartTls),
        user: s.smtp_user.clone(),
        password: s.smtp_password.clone(),
        from: s.mail_from.clone(),
        from_name: if s.mail_from_name.is_empty() { s.helpdesk_name.clone() } else { s.mail_from_name.clone() },
        folder: String::new(),
    })
}

/// The IMAP mailbox in force: `FRONTDESK_IMAP_URL`, else the admin's settings.
pub fn imap(app: &App) -> Option<Server> {
    if let Some(e) = &app.config.imap_url {
        return Some(e.clone());
    }
    let s = app.settings();
    (!s.imap_host.is_empty()).then(|| Server {
        host: s.imap_host.clone(),
        port: s.imap_port,
        security: Security::parse(&s.imap_security).unwrap_or(Security::Tls),
        user: s.imap_user.clone(),
        password: s.imap_password.clone(),
        from: String::new(),
        from_name: String::new(),
        folder: s.imap_folder.clone(),
    })
}

/// Whether mail can go out at all.
pub fn enabled(app: &App) -> bool {
    smtp(app).is_some_and(|s| !s.from.is_empty())
}

/// The continuity mail's delay: `FRONTDESK_EMAIL_DELAY_SECS`, else the admin's minutes.
pub fn delay_ms(app: &App) -> Option<i64> {
    if let Some(secs) = app.config.email_delay_secs {
        return Some(secs as i64 * 1000);
    }
    let m = app.settings().email_delay_minutes;
    (m > 0).then_some(m as i64 * 60_000)
}

/// What a reply transaction needs to decide about a continuity mail, taken before the write job
/// (the writer has no `App`): `None` when no mail can go out.
/// `delay_ms` is `None` when continuity mails are off (mentions may still be mailed).
#[derive(Clone, Copy, Debug)]
pub struct Continuity {
    pub delay_ms: Option<i64>,
}

pub fn continuity(app: &App) -> Option<Continuity> {
    enabled(app).then(|| Continuity { delay_ms: delay_ms(app) })
}

fn secret(conn: &rusqlite::Connection) -> Result<String> {
    db::mail::secret(conn, SECRET, crate::auth::random_token)
}

fn sign(secret: &str, what: &str, len: usize) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(what.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>()[..len].to_string()
}

/// Constant-time comparison of two signatures.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The reply address of a conversation: `local+c<id>.<sig>@domain` from the From address.
pub fn reply_address(conn: &rusqlite::Connection, from: &str, conversation_id: i64) -> Result<Option<String>> {
    let Some((local, domain)) = from.split_once('@') else { return Ok(None) };
    let local = local.split('+').next().unwrap_or(local);
    let sig = sign(&secret(conn)?, &format!("reply:{conversation_id}"), 16);
    Ok(Some(format!("{local}+c{conversation_id}.{sig}@{domain}")))
}

/// The conversation a reply address names, if its signature is ours and it is at our From address.
pub fn conversation_of(secret: &str, from: &str, addr: &str) -> Option<i64> {
    let (ours_local, ours_domain) = from.split_once('@')?;
    let ours_local = ours_local.split('+').next().unwrap_or(ours_local);
    let (local, domain) = addr.trim().rsplit_once('@')?;
    let (base, tag) = local.split_once('+')?;
    if !base.eq_ignore_ascii_case(ours_local) || !domain.eq_ignore_ascii_case(ours_domain) {
        return None;
    }
    let (id, sig) = tag.strip_prefix('c')?.split_once('.')?;
    let id: i64 = id.parse().ok().filter(|n| *n > 0)?;
    same(&sign(secret, &format!("reply:{id}"), 16), &sig.to_ascii_lowercase()).then_some(id)
}

/// The secret, if one was ever made (a reader: the IMAP side never makes one).
pub fn existing_secret(conn: &rusqlite::Connection) -> Result<Option<String>> {
    db::mail::secret_if_made(conn, SECRET)
}

/// `conv.expires.sig`: reopens conversation `conv` in the browser until `expires` (Unix ms).
pub fn open_token(conn: &rusqlite::Connection, conversation_id: i64, now: i64) -> Result<String> {
    let exp = now + LINK_VALID_MS;
    Ok(format!("{conversation_id}.{exp}.{}", sign(&secret(conn)?, &format!("open:{conversation_id}:{exp}"), 32)))
}

/// The conversation an open token names, if it is ours and not expired.
pub fn check_open_token(secret: &str, token: &str, now: i64) -> Option<i64> {
    let mut p = token.split('.');
    let (id, exp, sig) = (p.next()?.parse::<i64>().ok()?, p.next()?.parse::<i64>().ok()?, p.next()?);
    (p.next().is_none() && exp > now && same(&sign(secret, &format!("open:{id}:{exp}"), 32), sig)).then_some(id)
}

/// `customer.sig`: the "stop these emails" token (no expiry: it only ever turns mail off).
pub fn stop_token(conn: &rusqlite::Connection, customer_id: i64) -> Result<String> {
    Ok(format!("{customer_id}.{}", sign(&secret(conn)?, &format!("stop:{customer_id}"), 32)))
}

pub fn check_stop_token(secret: &str, token: &str) -> Option<i64> {
    let (id, sig) = token.split_once('.')?;
    let id: i64 = id.parse().ok()?;
    same(&sign(secret, &format!("stop:{id}"), 32), sig).then_some(id)
}

/// A new Message-ID at the From address's domain.
pub fn message_id(from: &str) -> String {
    let domain = from.rsplit_once('@').map_or("frontdesk.invalid", |(_, d)| d);
    format!("fd.{}@{domain}", crate::auth::random_token())
}

/// A ready mail as an outbox payload.
pub fn payload(m: &Mail) -> Value {
    json!({
        "to": m.to, "from": m.from, "from_name": m.from_name, "reply_to": m.reply_to, "subject": m.subject,
        "text": m.text, "html": m.html, "message_id": m.message_id, "headers": m.headers,
    })
}

/// A payload back into a mail (`None`: not a ready mail, e.g. a continuity row not yet composed).
pub fn from_payload(v: &Value) -> Option<Mail> {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    Some(Mail {
        to: s("to")?,
        from: s("from")?,
        from_name: s("from_name").unwrap_or_default(),
        reply_to: s("reply_to"),
        subject: s("subject")?,
        text: s("text")?,
        html: s("html")?,
        message_id: s("message_id")?,
        headers: serde_json::from_value(v.get("headers").cloned().unwrap_or(Value::Null)).unwrap_or_default(),
    })
}

/// Queue a ready mail for `cause` inside the caller's transaction (`None`: that cause was queued
/// before). The sender is woken once the transaction commits.
pub fn queue(w: &mut WriteCtx<'_>, cause: &str, m: &Mail, not_before: i64, now: i64) -> Result<Option<i64>> {
    let id = db::outbox::queue(w.conn, "mail", cause, &payload(m), not_before, now)?;
    if id.is_some() {
        w.delivery_queued();
    }
    Ok(id)
}

/// Queue a row whose mail is written when it falls due (`desk::mail_text` composes it then).
pub fn queue_later(w: &mut WriteCtx<'_>, cause: &str, what: Value, not_before: i64, now: i64) -> Result<Option<i64>> {
    let id = db::outbox::queue(w.conn, "mail", cause, &what, not_before, now)?;
    if id.is_some() {
        w.delivery_queued();
    }
    Ok(id)
}

/// After an agent's reply is inserted: if the customer left an email and did not stop mails, a
/// continuity mail falls due after the delay, unless one is already pending for the replies they
/// have not seen (one cause per conversation and first unseen, unmailed reply).
pub fn on_agent_reply(w: &mut WriteCtx<'_>, conversation_id: i64, customer_id: Option<i64>, c: Option<Continuity>, now: i64) -> Result<()> {
    let (Some(Continuity { delay_ms: Some(delay_ms) }), Some(cid)) = (c, customer_id) else { return Ok(()) };
    let Some(cust) = db::customers::get(w.conn, cid)? else { return Ok(()) };
    if cust.email.as_deref().is_none_or(str::is_empty) || db::mail::opted_out(w.conn, cid)? {
        return Ok(());
    }
    let (seen, mailed) = db::mail::marks(w.conn, conversation_id)?;
    let first = seen.max(mailed) + 1;
    let cause = format!("continuity:{conversation_id}:{first}");
    queue_later(w, &cause, json!({"continuity": conversation_id}), now + delay_ms, now)?;
    Ok(())
}

/// The link that reopens a conversation: our `/mail/open` (which sends the browser on to the
/// website, or the preview page).
pub fn open_link_at(public_url: &str, token: &str) -> String {
    format!("{public_url}/mail/open?r={token}")
}

pub fn stop_link_at(public_url: &str, token: &str) -> String {
    format!("{public_url}/mail/stop?r={token}")
}

/// Where `/mail/open` sends the browser: the admin's website address, else the preview page;
/// the token rides in the fragment (never sent to any server), for the widget to take.
pub fn open_target(app: &Arc<App>, token: &str) -> String {
    let site = app.settings().website_url;
    let base = if site.is_empty() { format!("{}/widget/preview", app.config.public_url) } else { site };
    format!("{base}#frontdesk-resume={token}")
}
