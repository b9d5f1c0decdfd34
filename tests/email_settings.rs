//! Email's settings and the mails around the team (issue 16), against a real SMTP server
//! (aiosmtpd, `tests/mail/`): the password is write-only (never in answers, exports, the audit log
//! or the logs), the environment locks the form, the test mail reports the server's exact answer,
//! "Forgot password?", invites and reset links by mail, the customer's transcript, mentions while
//! offline and the "customer waiting" alert.

mod common;
mod mail;

use std::time::Duration;

use common::{Proc, Server, TempDir, raw_request};
use mail::Smtp;
use serde_json::json;

fn desk(smtp: &Smtp) -> Server {
    let su = smtp.url();
    Server::start_with(move |c| {
        c.smtp_url = Some(frontdesk::mailer::parse_url(&su, "smtp").unwrap());
        c.email_delay_secs = Some(0);
    })
}

#[test]
fn the_smtp_password_is_write_only_never_in_answers_exports_the_audit_log_or_the_logs() {
    const PW: &str = "Sup3r-Secret-Smtp-Pw";
    const PW2: &str = "Imap-Secret-Pw-42";
    let data = TempDir::new();
    let p = Proc::serve_env(&data.0, &[], &[("FRONTDESK_LOG", "debug")]);
    let s = p.server();
    let admin = s.admin();
    let closed = mail::free_port();
    let r = admin.patch_json(
        "/api/settings",
        &json!({"smtp_host": "127.0.0.1", "smtp_port": closed, "smtp_security": "none", "smtp_user": "desk", "smtp_password": PW,
                "mail_from": "help@acme.test", "imap_host": "127.0.0.1", "imap_port": closed, "imap_security": "none",
                "imap_user": "desk", "imap_password": PW2}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let settings = admin.get("/api/settings");
    assert_eq!(settings.json()["settings"]["smtp_password_set"], true);
    let email = admin.get("/api/admin/email");
    assert_eq!(email.json()["email"]["smtp_password_set"], true);
    assert_eq!(email.json()["email"]["locked"]["smtp"], false);
    // A test mail to a closed port: the error is reported, the password is not.
    let test = admin.post_json("/api/admin/email/test", &json!({"to": "me@example.org"}));
    assert_eq!(test.status, 200, "{}", test.text());
    assert_eq!(test.json()["ok"], false);
    assert!(!test.json()["error"].as_str().unwrap().is_empty());
    std::thread::sleep(Duration::from_millis(1500)); // an IMAP poll fails too, and is logged
    let answers =
        [r.text(), settings.text(), email.text(), test.text(), admin.get("/api/admin/export").text(), admin.get("/api/audit").text()];
    for a in &answers {
        assert!(!a.contains(PW) && !a.contains(PW2), "a password in an answer: {a}");
    }
    assert!(answers[5].contains("smtp_password"), "the audit names the changed field: {}", answers[5]);
    let log = p.stderr();
    assert!(!log.contains(PW) && !log.contains(PW2), "a password in the log");
    assert!(log.contains("outbox") || log.contains("imap"), "{log}");
}

#[test]
fn the_environment_wins_and_locks_the_smtp_form() {
    let s = Server::start_with(|c| {
        c.smtp_url = Some(frontdesk::mailer::parse_url("smtps://desk:EnvSecret9@mail.example.com?from=help%40acme.test", "smtp").unwrap());
    });
    let admin = s.admin();
    let r = admin.get("/api/admin/email");
    let v = r.json();
    assert_eq!(v["email"]["locked"]["smtp"], true);
    assert_eq!(v["email"]["locked"]["imap"], false);
    assert_eq!(v["email"]["env"]["smtp"]["host"], "mail.example.com");
    assert_eq!(v["email"]["env"]["smtp"]["port"], 465);
    assert!(!r.text().contains("EnvSecret9"));
    let r = admin.patch_json("/api/settings", &json!({"smtp_host": "other.example.com"}));
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.text().contains("FRONTDESK_SMTP_URL"));
    assert_eq!(admin.patch_json("/api/settings", &json!({"imap_host": "imap.example.com"})).status, 200);
    // A mail's link goes on to the admin's website (or the preview page), the token in the fragment.
    let open = |s: &Server| raw_request(s.addr, "GET", "/mail/open?r=12.345.abc", &[], b"").header("location").unwrap().to_string();
    assert_eq!(open(&s), format!("{}/widget/preview#frontdesk-resume=12.345.abc", s.origin()));
    assert_eq!(admin.patch_json("/api/settings", &json!({"website_url": "https://shop.example/help"})).status, 200);
    assert_eq!(open(&s), "https://shop.example/help#frontdesk-resume=12.345.abc");
    assert_eq!(admin.patch_json("/api/settings", &json!({"website_url": "javascript:alert(1)"})).status, 422);
}

#[test]
fn a_test_email_reports_the_servers_exact_answer() {
    let Some(smtp) = Smtp::start() else { return };
    let s = desk(&smtp);
    let admin = s.admin();
    smtp.set("reject", Some("1"));
    let r = admin.post_json("/api/admin/email/test", &json!({"to": "me@example.org"}));
    assert_eq!(r.json()["ok"], false, "{}", r.text());
    assert_eq!(r.json()["error"], "550 5.7.1 Relaying denied for this test");
    smtp.set("reject", None);
    let r = admin.post_json("/api/admin/email/test", &json!({"to": "me@example.org"}));
    assert_eq!(r.json()["ok"], true, "{}", r.text());
    assert!(r.json()["answer"].as_str().unwrap().starts_with("250"), "{}", r.text());
    let mails = smtp.wait_for(1, Duration::from_secs(5));
    assert_eq!(mails.len(), 1);
    assert_eq!(mail::header(&mails[0], "To").unwrap(), "me@example.org");
    assert_eq!(admin.post_json("/api/admin/email/test", &json!({"to": "not an address"})).status, 422);
}

#[test]
fn forgot_password_mails_a_working_link_and_says_nothing_about_unknown_accounts() {
    let Some(smtp) = Smtp::start() else { return };
    let s = desk(&smtp);
    let admin = s.admin();
    s.agent(&admin, "sam@example.com", "Sam", true);
    let anon = s.client();
    assert_eq!(anon.get("/api/password/forgot").json()["available"], true);
    let known = anon.post_json("/api/password/forgot", &json!({"email": "sam@example.com"}));
    let unknown = anon.post_json("/api/password/forgot", &json!({"email": "nobody@example.com"}));
    assert_eq!((known.status, unknown.status), (202, 202));
    assert_eq!(known.text(), unknown.text());
    let mails = smtp.wait_for(1, Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(smtp.mails().len(), 1);
    assert_eq!(mail::header(&mails[0], "To").unwrap(), "sam@example.com");
    let link = mail::link(&mail::text(&mails[0]), "/reset/").unwrap();
    let token = link.rsplit('/').next().unwrap();
    let r = anon.get(&format!("/api/reset/{token}"));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["email"], "sam@example.com");
    // Without email set up the page does not offer it.
    let plain = Server::start();
    plain.admin();
    assert_eq!(plain.client().get("/api/password/forgot").json()["available"], false);
}

#[test]
fn invites_and_reset_links_can_be_mailed() {
    let Some(smtp) = Smtp::start() else { return };
    let s = desk(&smtp);
    let admin = s.admin();
    let r = admin.post_json("/api/invites", &json!({"email": "newbie@example.com", "send_email": true}));
    assert_eq!(r.status, 201, "{}", r.text());
    let url = r.json()["url"].as_str().unwrap().to_string();
    let mails = smtp.wait_for(1, Duration::from_secs(10));
    assert_eq!(mail::header(&mails[0], "To").unwrap(), "newbie@example.com");
    assert_eq!(mail::link(&mail::text(&mails[0]), "/invite/").unwrap(), url);
    let sam = s.agent(&admin, "sam@example.com", "Sam", true);
    let r = admin.post_json(&format!("/api/users/{}/password-reset", sam.id()), &json!({"send_email": true}));
    assert_eq!(r.status, 201, "{}", r.text());
    let mails = smtp.wait_for(2, Duration::from_secs(10));
    assert_eq!(mail::header(&mails[1], "To").unwrap(), "sam@example.com");
    assert_eq!(mail::link(&mail::text(&mails[1]), "/reset/").unwrap(), r.json()["url"].as_str().unwrap());
}

#[test]
fn the_customer_gets_the_transcript_by_mail_without_notes() {
    let Some(smtp) = Smtp::start() else { return };
    let s = desk(&smtp);
    let admin = s.admin();
    let cust = s.customer(Some("Gil"));
    let conv = cust.say("Where is my parcel?")["conversation_id"].as_i64().unwrap();
    admin.post_json(&format!("/api/conversations/{conv}/messages"), &json!({"body": "note: VIP", "note": true}));
    admin.reply(conv, "In Lisbon, arriving tomorrow.");
    let r = cust.request("POST", "/api/widget/transcript", Some(&json!({})));
    assert_eq!(r.status, 422, "no email yet: {}", r.text());
    let r = cust.request("POST", "/api/widget/transcript", Some(&json!({"email": "gil@example.org"})));
    assert_eq!(r.status, 202, "{}", r.text());
    let mails = smtp.wait_for(1, Duration::from_secs(10));
    let t = mail::text(&mails[0]);
    assert_eq!(mail::header(&mails[0], "To").unwrap(), "gil@example.org");
    assert!(t.contains("Where is my parcel?") && t.contains("In Lisbon, arriving tomorrow."), "{t}");
    assert!(!mails[0].contains("VIP"), "a note in the transcript");
    // The visitor's language (pt-BR in the harness): Portuguese words.
    assert!(mail::header(&mails[0], "Subject").unwrap().contains("A sua conversa"), "{}", mails[0]);
}

#[test]
fn a_mention_while_offline_is_mailed_and_a_customer_waiting_alerts_the_support_agents() {
    let Some(smtp) = Smtp::start() else { return };
    let s = desk(&smtp);
    let app = &s.running.as_ref().unwrap().app;
    let admin = s.admin();
    let sam = s.agent(&admin, "sam@example.com", "Sam", true);
    let sam_id = sam.id();
    let cust = s.customer(Some("Hal"));
    let conv = cust.say("Hello?")["conversation_id"].as_i64().unwrap();
    // Sam has no Messenger open: the mention is mailed once its minute has passed.
    let r = admin.post_json(
        &format!("/api/conversations/{conv}/messages"),
        &json!({"body": "@Sam can you take this?", "note": true, "mentions": [sam_id]}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(smtp.mails().len(), 0, "mailed before the minute passed");
    app.clock.advance(61_000);
    let mails = smtp.wait_for(1, Duration::from_secs(10));
    assert_eq!(mail::header(&mails[0], "To").unwrap(), "sam@example.com");
    assert!(mail::text(&mails[0]).contains("@Sam can you take this?"));
    // Online, no mail.
    let mut ws = sam.ws();
    ws.resume(None);
    admin.post_json(&format!("/api/conversations/{conv}/messages"), &json!({"body": "@Sam again", "note": true, "mentions": [sam_id]}));
    app.clock.advance(61_000);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(smtp.mails().len(), 1, "mailed a mention to an online agent");
    drop(ws);
}

#[test]
fn a_customer_waiting_with_nobody_online_alerts_each_support_agent_once() {
    let Some(smtp) = Smtp::start() else { return };
    let s = desk(&smtp);
    let app = &s.running.as_ref().unwrap().app;
    let admin = s.admin();
    s.agent(&admin, "sam@example.com", "Sam", true);
    let tom = s.agent(&admin, "tom@example.com", "Tom", false);
    assert_eq!(admin.patch_json("/api/settings", &json!({"alert_waiting_minutes": 5})).status, 200);
    // Tom is online but takes no live chats: the customer is still waiting for nobody.
    let mut tom_ws = tom.ws();
    tom_ws.resume(None);
    let cust = s.customer(Some("Ida"));
    cust.say("Anyone there?");
    app.clock.advance(4 * 60_000);
    assert_eq!(frontdesk::desk::mail_send::alert_waiting(app).unwrap(), 0, "alerted too early");
    app.clock.advance(2 * 60_000);
    assert_eq!(frontdesk::desk::mail_send::alert_waiting(app).unwrap(), 2, "the admin and Sam (Tom is not customer support)");
    assert_eq!(frontdesk::desk::mail_send::alert_waiting(app).unwrap(), 0, "one alert per waiting message");
    let mails = smtp.wait_for(2, Duration::from_secs(10));
    let mut to: Vec<String> = mails.iter().map(|m| mail::header(m, "To").unwrap()).collect();
    to.sort();
    assert_eq!(to, ["ada@example.com", "sam@example.com"]);
    assert!(mail::text(&mails[0]).contains("Anyone there?"));
    drop(tom_ws);
}
