//! Sending one mail over SMTP with lettre's blocking transport (no pool, no async runtime): a
//! connection per delivery, which is plenty for a help desk's volume and keeps no socket open idle.

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};

use super::{Security, Server, TIMEOUT};

/// One mail: plain text and HTML of the same content, a fixed Message-ID (kept across retries, so
/// a receiver can drop a second copy) and extra headers (`List-Unsubscribe`, …).
#[derive(Clone, Debug)]
pub struct Mail {
    pub from: String,
    pub from_name: String,
    pub to: String,
    pub reply_to: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Without the angle brackets: `<id>@<domain>`.
    pub message_id: String,
    pub headers: Vec<(String, String)>,
}

/// What went wrong, as the server said it when it said something (`550 5.1.1 …`), and whether
/// trying later may help.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub permanent: bool,
}

fn mailbox(name: &str, addr: &str) -> Result<Mailbox, Failure> {
    let a = addr.parse().map_err(|e| Failure { message: format!("invalid address '{addr}': {e}"), permanent: true })?;
    Ok(Mailbox::new((!name.is_empty()).then(|| name.to_string()), a))
}

/// Build the message (RFC 5322 bytes through lettre's builder).
pub fn build(m: &Mail) -> Result<Message, Failure> {
    let mut b = Message::builder()
        .from(mailbox(&m.from_name, &m.from)?)
        .to(mailbox("", &m.to)?)
        .subject(&m.subject)
        .message_id(Some(format!("<{}>", m.message_id)));
    if let Some(r) = &m.reply_to {
        b = b.reply_to(mailbox(&m.from_name, r)?);
    }
    for (k, v) in &m.headers {
        let name =
            HeaderName::new_from_ascii(k.clone()).map_err(|_| Failure { message: format!("bad header name {k}"), permanent: true })?;
        b = b.raw_header(HeaderValue::new(name, v.clone()));
    }
    b.multipart(MultiPart::alternative_plain_html(m.text.clone(), m.html.clone()))
        .map_err(|e| Failure { message: format!("cannot build the mail: {e}"), permanent: true })
}

fn transport(s: &Server) -> Result<SmtpTransport, Failure> {
    let tls = |s: &Server| {
        TlsParameters::builder(s.host.clone()).build_rustls().map_err(|e| Failure { message: format!("TLS setup: {e}"), permanent: true })
    };
    let mode = match s.security {
        Security::None => Tls::None,
        Security::StartTls => Tls::Required(tls(s)?),
        Security::Tls => Tls::Wrapper(tls(s)?),
    };
    let mut b = SmtpTransport::builder_dangerous(s.host.clone()).port(s.port).tls(mode).timeout(Some(TIMEOUT));
    if !s.user.is_empty() {
        b = b.credentials(Credentials::new(s.user.clone(), s.password.clone()));
    }
    Ok(b.build())
}

/// Deliver `m` through `s`: `Ok(the server's answer to the message, e.g. "250 OK")`.
pub fn send(s: &Server, m: &Mail) -> Result<String, Failure> {
    let msg = build(m)?;
    let t = transport(s)?;
    match t.send(&msg) {
        Ok(r) => Ok(format!("{} {}", r.code(), r.message().collect::<Vec<_>>().join(" ")).trim().to_string()),
        Err(e) => {
            // lettre says "permanent error (550): 5.7.1 …"; the admin reads the server's own words.
            let said = e.to_string();
            let message = match (e.status(), said.split_once("): ")) {
                (Some(code), Some((_, rest))) => format!("{code} {rest}"),
                _ => said,
            };
            Err(Failure { message, permanent: e.is_permanent() })
        }
    }
}
