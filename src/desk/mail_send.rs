//! Mails written when they are queued: the admin's test mail (whose answer the admin waits for),
//! password reset links ("Forgot password?" and the Team page), invites, the customer's transcript,
//! and the "customer waiting" alerts the maintenance loop queues. Also the two links every
//! continuity mail carries: reopen the conversation, and stop these mails.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::mail::{self as m};
use super::mail_text::{self as text, Body};
use crate::app::App;
use crate::auth;
use crate::db::{self, WriteCtx};
use crate::error::{Error, Result};

fn not_set_up() -> Error {
    Error::conflict("Email is not set up: an admin sets the SMTP server in Admin → Email.")
}

/// Send a test mail to `to` through the queue and wait for the server's answer (up to 40 s):
/// `{"ok": true, "answer": "250 …"}` or `{"ok": false, "error": "the server's exact words"}`.
pub fn test(app: &Arc<App>, by: i64, ip: String, to: String) -> Result<Value> {
    if !db::mail_settings::is_address(&to) {
        return Err(Error::new(422, "to: enter an address like name@example.com"));
    }
    let server = m::smtp(app).ok_or_else(not_set_up)?;
    let s = app.settings();
    let lang = "en";
    let body = Body { lang, intro: text::words(lang, "test.body", &s), lines: vec![], link: None, after: vec![], stop: None };
    let mail = text::mail(&server, &to, text::words(lang, "test.subject", &s), text::render(&s, &body));
    let (cause, now) = (format!("test:{}", auth::random_token()), app.clock.now_ms());
    let id = app.db.write(move |w| {
        db::audit::append(w.conn, Some(by), &ip, "email.test", "email", json!({"to": to}))?;
        m::queue(w, &cause, &mail, now, now)
    })?;
    let Some(id) = id else { return Err(Error::internal("test mail not queued")) };
    let until = std::time::Instant::now() + Duration::from_secs(40);
    while std::time::Instant::now() < until {
        if let Some(e) = app.db.read(|c| db::outbox::get(c, id))? {
            match e.state.as_str() {
                "sent" => return Ok(json!({"ok": true, "answer": e.answer, "id": id})),
                "failed" => return Ok(json!({"ok": false, "error": e.last_error, "id": id})),
                _ => {}
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(json!({"ok": false, "error": "no answer from the mail server within 40 seconds (the mail stays queued)", "id": id}))
}

/// Queue the mail of a reset link just made (`desk::recovery::issue`), in the same transaction.
pub fn reset_mail(w: &mut WriteCtx<'_>, app: &App, issued: &super::recovery::Issued, now: i64) -> Result<()> {
    let server = m::smtp(app).ok_or_else(not_set_up)?;
    let s = app.settings();
    let lang = text::lang(issued.user.prefs.get("language").and_then(Value::as_str).unwrap_or("en"));
    let url = format!("{}{}", app.config.public_url, super::recovery::path(&issued.token));
    let body = Body {
        lang,
        intro: text::words(lang, "reset.body", &s),
        lines: vec![],
        link: Some((text::words(lang, "reset.open", &s), url)),
        after: vec![],
        stop: None,
    };
    let mail = text::mail(&server, &issued.user.email, text::words(lang, "reset.subject", &s), text::render(&s, &body));
    m::queue(w, &format!("reset:{}", issued.reset.id), &mail, now, now)?;
    Ok(())
}

/// "Forgot password?": if `email` is an active account, a reset link goes to it by mail. The
/// answer is the same whether or not the account exists; asking is throttled per address.
pub fn forgot(app: &Arc<App>, email: &str, remote: IpAddr) -> Result<()> {
    if !m::enabled(app) {
        return Err(not_set_up());
    }
    let key = format!("reset mail {}", email.trim().to_lowercase());
    app.throttle.check_for(&key, remote, "password reset mails")?;
    app.throttle.failed(&key, remote);
    let (ip, now, email) = (remote.to_string(), app.clock.now_ms(), email.trim().to_string());
    let a = app.clone();
    app.db.write(move |w| {
        let Some((user, _)) = db::users::by_email(w.conn, &email)? else { return Ok(()) };
        if !user.active {
            return Ok(());
        }
        let issued = super::recovery::issue(w.conn, user.id, Some(user.id), &ip, now)?;
        reset_mail(w, &a, &issued, now)
    })
}

/// An admin makes a reset link and has it mailed, in one transaction.
pub fn reset_link_by_mail(app: &Arc<App>, by: i64, remote: IpAddr, user_id: i64) -> Result<super::recovery::Issued> {
    if !m::enabled(app) {
        return Err(not_set_up());
    }
    let (ip, now, a) = (remote.to_string(), app.clock.now_ms(), app.clone());
    app.db.write(move |w| {
        let issued = super::recovery::issue(w.conn, user_id, Some(by), &ip, now)?;
        reset_mail(w, &a, &issued, now)?;
        Ok(issued)
    })
}

/// Queue the invite's mail (the link is in it and nowhere else but the admin's answer).
pub fn invite_mail(w: &mut WriteCtx<'_>, app: &App, invite_id: i64, email: &str, token: &str, now: i64) -> Result<()> {
    let server = m::smtp(app).ok_or_else(not_set_up)?;
    let s = app.settings();
    let url = format!("{}/invite/{token}", app.config.public_url);
    let lang = "en";
    let body = Body {
        lang,
        intro: text::words(lang, "invite.body", &s),
        lines: vec![],
        link: Some((text::words(lang, "invite.open", &s), url)),
        after: vec![],
        stop: None,
    };
    let mail = text::mail(&server, email, text::words(lang, "invite.subject", &s), text::render(&s, &body));
    m::queue(w, &format!("invite:{invite_id}"), &mail, now, now)?;
    Ok(())
}

/// The customer asks for their conversation by mail (the widget's "Send me the transcript"): to
/// the address they left, or the one they give now (which is then kept as theirs).
pub fn transcript(app: &Arc<App>, cid: i64, email: Option<String>) -> Result<Value> {
    let server = m::smtp(app).ok_or_else(not_set_up)?;
    if let Some(e) = &email
        && !db::mail_settings::is_address(e)
    {
        return Err(Error::new(422, "email: enter an address like name@example.com"));
    }
    let (s, now, public_url) = (app.settings(), app.clock.now_ms(), app.config.public_url.clone());
    app.db.write(move |w| {
        let cust = db::customers::get(w.conn, cid)?.ok_or_else(|| Error::new(401, "Unknown visitor token."))?;
        let to = match (&email, &cust.email) {
            (Some(e), _) => e.clone(),
            (None, Some(e)) if !e.is_empty() => e.clone(),
            _ => return Err(Error::new(422, "email: leave your email first")),
        };
        if email.is_some() && !cust.verified && cust.email.as_deref() != Some(&to) {
            db::customers::set_identity(w.conn, cid, None, Some(&to))?;
            super::identity::announce(w, cid)?;
        }
        let c = db::conversations::latest_for_customer(w.conn, cid)?.ok_or_else(|| Error::new(409, "There is no conversation yet."))?;
        let lang = text::lang(&cust.language);
        let mut all = Vec::new();
        let mut after = 0;
        loop {
            let page = super::customer::page(w.conn, c.id, None, Some(after))?;
            let Some(last) = page.last().and_then(|p| p["seq"].as_i64()) else { break };
            after = last;
            all.extend(page.into_iter().filter(|p| p["deleted_at"].is_null()));
            if all.len() > 2000 {
                break;
            }
        }
        let body = Body {
            lang,
            intro: text::words(lang, "transcript.intro", &s),
            lines: text::lines(&all, lang),
            link: Some((text::words(lang, "continuity.open", &s), m::open_link_at(&public_url, &m::open_token(w.conn, c.id, now)?))),
            after: vec![],
            stop: None,
        };
        let mut mail = text::mail(&server, &to, text::words(lang, "transcript.subject", &s), text::render(&s, &body));
        mail.reply_to = m::reply_address(w.conn, &server.from, c.id)?;
        let cause = format!("transcript:{}:{}:{}", c.id, c.last_seq, auth::random_token());
        m::queue(w, &cause, &mail, now, now)?;
        Ok(json!({"queued": true, "email": to}))
    })
}

/// The maintenance loop's tick: with nobody online, each customer waiting longer than the admin's
/// minutes gets one alert per support agent (one cause per waiting message and agent).
pub fn alert_waiting(app: &Arc<App>) -> Result<usize> {
    let minutes = app.settings().alert_waiting_minutes;
    if minutes == 0 || !m::enabled(app) || support_online(app)? {
        return Ok(0);
    }
    let now = app.clock.now_ms();
    let before = now - minutes as i64 * 60_000;
    app.db.write(move |w| {
        let mut n = 0;
        let waiting = db::mail::waiting_since_before(w.conn, before)?;
        if waiting.is_empty() {
            return Ok(0);
        }
        for (uid, ..) in db::mail::support_agents(w.conn)? {
            for (cid, seq) in &waiting {
                let what = json!({"waiting": {"user": uid, "conversation": cid, "seq": seq}});
                if m::queue_later(w, &format!("waiting:{cid}:{seq}:{uid}"), what, now, now)?.is_some() {
                    n += 1;
                }
            }
        }
        Ok(n)
    })
}

/// Whether a customer-support agent or an admin has the Messenger open and is not Away.
pub fn support_online(app: &App) -> Result<bool> {
    let online = app.hub.online_agents();
    if online.is_empty() {
        return Ok(false);
    }
    let away = app.away.read().unwrap_or_else(|p| p.into_inner()).clone();
    let support = app.db.read(db::mail::support_agents)?;
    Ok(support.iter().any(|(id, ..)| online.contains(id) && !away.contains(id)))
}

/// `/mail/stop?r=…`: the customer stops continuity mails. `Ok(false)`: the token is not ours.
pub fn stop(app: &Arc<App>, token: &str) -> Result<bool> {
    let Some(secret) = app.db.read(m::existing_secret)? else { return Ok(false) };
    let Some(cid) = m::check_stop_token(&secret, token) else { return Ok(false) };
    app.db.write(move |w| {
        if db::mail::set_optout(w.conn, cid, true)? {
            db::audit::append(w.conn, None, "", "email.stop", &format!("customer:{cid}"), json!({}))?;
        }
        Ok(true)
    })
}

/// The widget takes a reopen link's token (`#frontdesk-resume=…`): a new visitor token for the
/// conversation's customer, so this browser continues the same conversation. Not throttled: the
/// signature is 128 bits of HMAC, and the sign-in throttle's per-address count is not for this.
pub fn resume(app: &Arc<App>, token: &str) -> Result<String> {
    let secret = app.db.read(m::existing_secret)?;
    let conv = secret.and_then(|s| m::check_open_token(&s, token, app.clock.now_ms()));
    let Some(conv) = conv else {
        return Err(Error::new(410, "This link has expired or is not valid. Open the chat to write to us again."));
    };
    let visitor = auth::random_token();
    let hash = auth::sha256(&visitor);
    app.db.write(move |w| {
        let c = db::conversations::get(w.conn, conv)?.ok_or_else(|| Error::new(410, "This conversation no longer exists."))?;
        let cid = c.customer_id.ok_or_else(|| Error::new(410, "This conversation no longer exists."))?;
        db::customers::add_token(w.conn, cid, &hash)
    })?;
    Ok(visitor)
}
