//! What each mail says, in plain text and simple HTML, in its reader's language (English or
//! Portuguese), with the desk's name and colour. Customer mails are built only from what the
//! customer projection lets through (`desk::customer::message`); every piece of text from a person
//! is escaped in the HTML part.

use serde_json::Value;

use crate::db::settings::Settings;
use crate::mailer::smtp::Mail;

/// `pt` for a language tag starting with `pt`, else `en`.
pub fn lang(tag: &str) -> &'static str {
    if tag.trim().to_ascii_lowercase().starts_with("pt") { "pt" } else { "en" }
}

/// The words of every mail, by key and language.
fn t(lang: &str, key: &str) -> &'static str {
    let pt = lang == "pt";
    match key {
        "continuity.subject" => {
            if pt {
                "Nova resposta de {desk}"
            } else {
                "New reply from {desk}"
            }
        }
        "continuity.intro" => {
            if pt {
                "Respondemos à sua conversa:"
            } else {
                "We replied to your conversation:"
            }
        }
        "continuity.open" => {
            if pt {
                "Abrir a conversa"
            } else {
                "Open the conversation"
            }
        }
        "continuity.reply" => {
            if pt {
                "Pode também responder a este email."
            } else {
                "You can also reply to this email."
            }
        }
        "stop" => {
            if pt {
                "Não quero receber estes emails"
            } else {
                "Stop these emails"
            }
        }
        "transcript.subject" => {
            if pt {
                "A sua conversa com {desk}"
            } else {
                "Your conversation with {desk}"
            }
        }
        "transcript.intro" => {
            if pt {
                "Aqui está a sua conversa, como pediu:"
            } else {
                "Here is your conversation, as you asked:"
            }
        }
        "you" => {
            if pt {
                "Você"
            } else {
                "You"
            }
        }
        "test.subject" => {
            if pt {
                "Email de teste de {desk}"
            } else {
                "Test email from {desk}"
            }
        }
        "test.body" => {
            if pt {
                "Se está a ler isto, o envio de emails funciona."
            } else {
                "If you can read this, sending mail works."
            }
        }
        "reset.subject" => {
            if pt {
                "Redefinir a palavra-passe de {desk}"
            } else {
                "Reset your {desk} password"
            }
        }
        "reset.body" => {
            if pt {
                "Alguém pediu uma nova palavra-passe para esta conta. O link funciona uma vez, durante pouco tempo. Se não foi você, ignore este email."
            } else {
                "Someone asked for a new password for this account. The link works once, for a short time. If it was not you, ignore this email."
            }
        }
        "reset.open" => {
            if pt {
                "Escolher uma nova palavra-passe"
            } else {
                "Choose a new password"
            }
        }
        "invite.subject" => {
            if pt {
                "Convite para {desk}"
            } else {
                "You are invited to {desk}"
            }
        }
        "invite.body" => {
            if pt {
                "Foi convidado para a equipa de apoio. Crie a sua conta com este link:"
            } else {
                "You were invited to join the support team. Create your account with this link:"
            }
        }
        "invite.open" => {
            if pt {
                "Aceitar o convite"
            } else {
                "Accept the invite"
            }
        }
        "mention.subject" => {
            if pt {
                "{name} mencionou-o em {desk}"
            } else {
                "{name} mentioned you in {desk}"
            }
        }
        "waiting.subject" => {
            if pt {
                "Um cliente espera resposta em {desk}"
            } else {
                "A customer is waiting in {desk}"
            }
        }
        "waiting.body" => {
            if pt {
                "Um cliente espera há {minutes} minutos e nenhum agente está online."
            } else {
                "A customer has been waiting for {minutes} minutes and no agent is online."
            }
        }
        "open.messenger" => {
            if pt {
                "Abrir no Messenger"
            } else {
                "Open in the Messenger"
            }
        }
        _ => "",
    }
}

pub fn words(lang: &str, key: &str, s: &Settings) -> String {
    t(lang, key).replace("{desk}", &s.helpdesk_name)
}

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// One line of a conversation as it appears in a mail.
pub struct Line {
    pub who: String,
    pub body: String,
}

/// The lines a customer may see, from customer-projected messages (`desk::customer::message`).
pub fn lines(projected: &[Value], lang_: &str) -> Vec<Line> {
    projected
        .iter()
        .filter_map(|m| {
            let body = m.get("body")?.as_str()?.to_string();
            let who = match m.pointer("/author/kind").and_then(Value::as_str) {
                Some("customer") => t(lang_, "you").to_string(),
                Some("system") => String::new(),
                _ => m.pointer("/author/name").and_then(Value::as_str).unwrap_or("").to_string(),
            };
            Some(Line { who, body })
        })
        .collect()
}

/// The parts of a mail before it becomes text and HTML.
pub struct Body<'a> {
    pub lang: &'a str,
    pub intro: String,
    pub lines: Vec<Line>,
    pub link: Option<(String, String)>,
    pub after: Vec<String>,
    pub stop: Option<String>,
}

/// Plain text and HTML of `b`, with the desk's name and colour.
pub fn render(s: &Settings, b: &Body<'_>) -> (String, String) {
    let mut text = format!("{}\n\n", b.intro);
    let color = escape(&s.widget_color);
    let mut html = format!(
        "<!doctype html><html lang=\"{}\"><body style=\"font-family:sans-serif;color:#1f2328;line-height:1.5\">\
         <div style=\"border-top:4px solid {color};padding:12px 0\"><strong style=\"color:{color}\">{}</strong></div><p>{}</p>",
        b.lang,
        escape(&s.helpdesk_name),
        escape(&b.intro)
    );
    for l in &b.lines {
        if l.who.is_empty() {
            text.push_str(&format!("— {} —\n\n", l.body));
            html.push_str(&format!("<p style=\"color:#57606a\"><em>{}</em></p>", escape(&l.body)));
        } else {
            text.push_str(&format!("{}:\n{}\n\n", l.who, l.body));
            html.push_str(&format!("<p><strong>{}</strong><br>{}</p>", escape(&l.who), escape(&l.body).replace('\n', "<br>")));
        }
    }
    if let Some((label, url)) = &b.link {
        text.push_str(&format!("{label}: {url}\n\n"));
        html.push_str(&format!(
            "<p><a href=\"{}\" style=\"background:{color};color:#fff;padding:8px 14px;border-radius:6px;text-decoration:none\">{}</a></p>",
            escape(url),
            escape(label)
        ));
    }
    for a in &b.after {
        text.push_str(&format!("{a}\n\n"));
        html.push_str(&format!("<p>{}</p>", escape(a)));
    }
    text.push_str(&format!("— {}\n", s.helpdesk_name));
    if let Some(url) = &b.stop {
        let label = t(b.lang, "stop");
        text.push_str(&format!("\n{label}: {url}\n"));
        html.push_str(&format!("<p style=\"font-size:12px;color:#57606a\"><a href=\"{}\">{}</a></p>", escape(url), escape(label)));
    }
    html.push_str("</body></html>");
    (text, html)
}

/// A mail from the desk's From address.
pub fn mail(from: &crate::mailer::Server, to: &str, subject: String, (text, html): (String, String)) -> Mail {
    Mail {
        from: from.from.clone(),
        from_name: from.from_name.clone(),
        to: to.to_string(),
        reply_to: None,
        subject,
        text,
        html,
        message_id: super::mail::message_id(&from.from),
        headers: Vec::new(),
    }
}
