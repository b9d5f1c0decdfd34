//! The `settings` table: one row per key that differs from its default. The typed view, defaults
//! and validation are `Settings`; this is the only place settings are read or written.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::hours::{Period, Status};
use crate::error::{Error, Result};

/// Chats are handed out by hand unless an admin chooses round robin (read on every customer message,
/// so without building the whole `Settings::default()`).
pub const AUTO_ASSIGN_DEFAULT: &str = "off";

/// Every setting, with its default. Unknown keys in the table are ignored.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Settings {
    pub helpdesk_name: String,
    /// The manual online/offline switch ([S12]).
    pub online: bool,
    pub greeting: String,
    pub online_message: String,
    pub offline_message: String,
    /// Origins allowed to embed the widget and open its socket; empty = any.
    pub allowed_origins: Vec<String>,
    /// The widget's look: accent colour `#rrggbb`, corner (`left`|`right`), header title, the
    /// launcher's label (empty: icon only) and the typical reply time shown while online.
    pub widget_color: String,
    pub widget_position: String,
    pub widget_title: String,
    pub launcher_text: String,
    pub reply_time: String,
    /// Pre-chat form asking name and email: `off`, `optional` or `required`.
    pub prechat: String,
    /// Play a sound for a new reply while the widget is closed.
    pub sound: bool,
    /// Widget language: `auto` (the visitor's browser), `en` or `pt`.
    pub language: String,
    /// HMAC-SHA256 key for identity verification (`user_hash`); empty = off. Never public.
    pub identity_secret: String,
    /// Shown after an offline visitor leaves their email; `{email}` is replaced by the address.
    pub email_saved_message: String,
    /// Portuguese versions of the messages; empty falls back to the English one.
    pub greeting_pt: String,
    pub online_message_pt: String,
    pub offline_message_pt: String,
    pub email_saved_message_pt: String,
    pub reply_time_pt: String,
    /// Business hours: outside them the help desk is offline by itself (`db::hours`).
    pub hours_enabled: bool,
    /// An IANA time zone name (`Europe/Lisbon`), checked against the bundled tz database.
    pub timezone: String,
    pub hours: Vec<Period>,
    /// Until when (Unix ms) the manual switch overrides business hours; 0 = no override.
    pub override_until: i64,
    /// Show offline while no agent has the Messenger open.
    pub offline_when_no_agents: bool,
    /// Delete closed conversations whose last message is older than this many days; 0 = keep all.
    pub retention_days: u32,
    /// An agent's reply to an unassigned live chat assigns it to them (`desk::assignment`).
    pub assign_on_reply: bool,
    /// Auto-assignment of new and waiting chats: `off` or `round_robin` (among available agents).
    pub auto_assign: String,
    /// Auto-assignment gives an agent at most this many open chats.
    pub assign_cap: u32,
    /// Email (issue 16, `desk::mail`): the SMTP server mails go out through. `smtp_security` is
    /// `starttls`, `tls` or `none`; the passwords are write-only (never returned, exported or
    /// audited). `FRONTDESK_SMTP_URL` / `FRONTDESK_IMAP_URL` win over these.
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: String,
    pub smtp_user: String,
    pub smtp_password: String,
    /// The From address and name; the reply addresses are made from this address (`local+c…@domain`).
    pub mail_from: String,
    pub mail_from_name: String,
    /// The mailbox replies are fetched from (IMAP).
    pub imap_host: String,
    pub imap_port: u16,
    pub imap_security: String,
    pub imap_user: String,
    pub imap_password: String,
    pub imap_folder: String,
    /// Unseen agent replies go to a customer who left an email after this many minutes (0 = off).
    pub email_delay_minutes: u32,
    /// Where the link in a mail reopens the chat: empty = the widget preview page.
    pub website_url: String,
    /// Mail the support agents when a customer waits this long with no reply and nobody online (0 = off).
    pub alert_waiting_minutes: u32,
    /// Mail an agent who is mentioned while offline.
    pub mail_mentions: bool,
    /// The largest file a customer or agent may send, in MiB.
    pub max_file_mb: u32,
    /// The types (as the file's bytes show them, `files::sniff::KINDS`) that may be sent.
    pub file_types: Vec<String>,
    /// Ask customers to rate a closed chat: `off`, `stars` (1–5) or `thumbs` (up or down).
    pub csat: String,
    /// A low rating (1–2 stars, thumbs down) notifies the agent the chat is credited to.
    pub csat_notify_low: bool,
    /// Webhooks may go to loopback, private and link-local addresses (off: refused, `outbound`).
    pub webhooks_allow_private: bool,
}

/// The accent of Frontdesk's own pages (`--accent` in assets/shared/style.css, which the Messenger uses):
/// a widget nobody has restyled wears the same brand colour.
pub const DEFAULT_COLOR: &str = "#2f6fec";
/// The widget's title until the admin sets one, in each language the widget speaks.
const DEFAULT_TITLE: &str = "Chat with us";
const DEFAULT_TITLE_PT: &str = "Fale connosco";

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            helpdesk_name: "Frontdesk".into(),
            online: true,
            greeting: "Hi! How can we help?".into(),
            // The widget's header already says "Online · <reply_time>" (or "Away · <offline_message>"),
            // so the body under the greeting says something else: how the chat works.
            online_message: "Ask us anything: someone from our team will answer right here.".into(),
            offline_message: "Leave a message and we'll answer as soon as we can.".into(),
            allowed_origins: Vec::new(),
            widget_color: DEFAULT_COLOR.into(),
            widget_position: "right".into(),
            widget_title: DEFAULT_TITLE.into(),
            launcher_text: String::new(),
            reply_time: "Usually replies in a few minutes".into(),
            prechat: "off".into(),
            sound: true,
            language: "auto".into(),
            identity_secret: String::new(),
            email_saved_message: "Thanks! We'll reply to {email}.".into(),
            greeting_pt: "Olá! Como podemos ajudar?".into(),
            online_message_pt: "Pergunte o que quiser: alguém da nossa equipa responde aqui mesmo.".into(),
            offline_message_pt: "Deixe uma mensagem e respondemos assim que pudermos.".into(),
            email_saved_message_pt: "Obrigado! Respondemos para {email}.".into(),
            reply_time_pt: "Costuma responder em poucos minutos".into(),
            hours_enabled: false,
            timezone: "UTC".into(),
            hours: Vec::new(),
            override_until: 0,
            offline_when_no_agents: false,
            retention_days: 0,
            assign_on_reply: true,
            auto_assign: AUTO_ASSIGN_DEFAULT.into(),
            assign_cap: 5,
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_security: "starttls".into(),
            smtp_user: String::new(),
            smtp_password: String::new(),
            mail_from: String::new(),
            mail_from_name: String::new(),
            imap_host: String::new(),
            imap_port: 993,
            imap_security: "tls".into(),
            imap_user: String::new(),
            imap_password: String::new(),
            imap_folder: "INBOX".into(),
            email_delay_minutes: 2,
            website_url: String::new(),
            alert_waiting_minutes: 10,
            mail_mentions: true,
            max_file_mb: 10,
            file_types: crate::files::sniff::KINDS.iter().map(|k| k.mime.to_string()).collect(),
            csat: "off".into(),
            csat_notify_low: true,
            webhooks_allow_private: false,
        }
    }
}

impl Settings {
    /// What customers may see of the settings, with the effective online state (`db::hours::status`:
    /// the switch, business hours, connected agents) in `online`. The messages are also under
    /// `messages.en` / `messages.pt`, Portuguese falling back to English where left empty; the title
    /// is there too, the default one translated (an admin's own title is shown as written).
    pub fn public_with(&self, status: &Status) -> Value {
        let or_en = |pt: &str, en: &str| if pt.trim().is_empty() { en.to_string() } else { pt.to_string() };
        let title_pt = if self.widget_title == DEFAULT_TITLE { DEFAULT_TITLE_PT } else { self.widget_title.as_str() };
        serde_json::json!({
            "helpdesk_name": self.helpdesk_name,
            "online": status.online,
            "status": status,
            "greeting": self.greeting,
            "online_message": self.online_message,
            "offline_message": self.offline_message,
            "email_saved_message": self.email_saved_message,
            "messages": {
                "en": {
                    "greeting": self.greeting, "online_message": self.online_message, "offline_message": self.offline_message,
                    "email_saved_message": self.email_saved_message, "reply_time": self.reply_time,
                    "widget_title": self.widget_title,
                },
                "pt": {
                    "greeting": or_en(&self.greeting_pt, &self.greeting),
                    "online_message": or_en(&self.online_message_pt, &self.online_message),
                    "offline_message": or_en(&self.offline_message_pt, &self.offline_message),
                    "email_saved_message": or_en(&self.email_saved_message_pt, &self.email_saved_message),
                    "reply_time": or_en(&self.reply_time_pt, &self.reply_time),
                    "widget_title": title_pt,
                },
            },
            "widget_color": self.widget_color,
            "widget_position": self.widget_position,
            "widget_title": self.widget_title,
            "launcher_text": self.launcher_text,
            "reply_time": self.reply_time,
            "prechat": self.prechat,
            "sound": self.sound,
            "language": self.language,
            "max_file_mb": self.max_file_mb,
            "file_types": self.file_types,
        })
    }

    /// Check every field; the error names the field.
    pub fn validate(&self) -> Result<()> {
        let field = |name: &str, msg: &str| Err(Error::new(422, format!("{name}: {msg}")));
        if self.helpdesk_name.trim().is_empty() || self.helpdesk_name.len() > 100 {
            return field("helpdesk_name", "must be 1 to 100 characters");
        }
        for (name, v) in [
            ("greeting", &self.greeting),
            ("online_message", &self.online_message),
            ("offline_message", &self.offline_message),
            ("email_saved_message", &self.email_saved_message),
        ] {
            if v.trim().is_empty() {
                return field(name, "must not be empty");
            }
        }
        for (name, v) in [
            ("greeting", &self.greeting),
            ("online_message", &self.online_message),
            ("offline_message", &self.offline_message),
            ("email_saved_message", &self.email_saved_message),
            ("greeting_pt", &self.greeting_pt),
            ("online_message_pt", &self.online_message_pt),
            ("offline_message_pt", &self.offline_message_pt),
            ("email_saved_message_pt", &self.email_saved_message_pt),
        ] {
            if v.chars().count() > 1000 {
                return field(name, "must be at most 1000 characters");
            }
        }
        for o in &self.allowed_origins {
            if !is_origin(o) {
                return field("allowed_origins", &format!("'{o}' is not an origin (expected https://host[:port])"));
            }
        }
        let c = self.widget_color.as_bytes();
        if c.len() != 7 || c[0] != b'#' || !c[1..].iter().all(u8::is_ascii_hexdigit) {
            return field("widget_color", "must be a colour like #4f46e5");
        }
        for (name, v, allowed) in [
            ("widget_position", &self.widget_position, &["left", "right"][..]),
            ("prechat", &self.prechat, &["off", "optional", "required"][..]),
            ("language", &self.language, &["auto", "en", "pt"][..]),
            ("auto_assign", &self.auto_assign, &["off", "round_robin"][..]),
            ("smtp_security", &self.smtp_security, &["starttls", "tls", "none"][..]),
            ("imap_security", &self.imap_security, &["starttls", "tls", "none"][..]),
            ("csat", &self.csat, &["off", "stars", "thumbs"][..]),
        ] {
            if !allowed.contains(&v.as_str()) {
                return field(name, &format!("must be one of {}", allowed.join(", ")));
            }
        }
        if self.widget_title.trim().is_empty() || self.widget_title.chars().count() > 60 {
            return field("widget_title", "must be 1 to 60 characters");
        }
        for (name, v) in [("launcher_text", &self.launcher_text), ("reply_time", &self.reply_time), ("reply_time_pt", &self.reply_time_pt)]
        {
            if v.chars().count() > 60 {
                return field(name, "must be at most 60 characters");
            }
        }
        let s = &self.identity_secret;
        if !s.is_empty() && (s.len() < 32 || s.len() > 128 || !s.bytes().all(|b| b.is_ascii_graphic())) {
            return field("identity_secret", "must be empty (off) or 32 to 128 printable characters without spaces");
        }
        super::hours::validate(&self.timezone, &self.hours, self.hours_enabled)?;
        if self.override_until < 0 {
            return field("override_until", "must be a time in Unix milliseconds, or 0 for none");
        }
        if self.retention_days > 36_500 {
            return field("retention_days", "must be 0 (keep everything) to 36500 days");
        }
        if !(1..=1000).contains(&self.assign_cap) {
            return field("assign_cap", "must be 1 to 1000 open chats");
        }
        if !(1..=100).contains(&self.max_file_mb) {
            return field("max_file_mb", "must be 1 to 100 MiB");
        }
        if let Some(t) = self.file_types.iter().find(|t| crate::files::sniff::kind(t).is_none()) {
            return field("file_types", &format!("'{t}' is not a type Frontdesk accepts (images, PDF, plain text, office documents, zip)"));
        }
        self.validate_mail()
    }
}

/// `scheme://host[:port]` with nothing after it.
pub fn is_origin(o: &str) -> bool {
    let Some(rest) = o.strip_prefix("https://").or_else(|| o.strip_prefix("http://")) else {
        return false;
    };
    !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

pub fn load(conn: &Connection) -> Result<Settings> {
    let mut map = match serde_json::to_value(Settings::default())? {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let mut st = conn.prepare_cached("SELECT key, value FROM settings")?;
    let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (k, v) = row?;
        if map.contains_key(&k)
            && let Ok(v) = serde_json::from_str(&v)
        {
            map.insert(k, v);
        }
    }
    // A stored value of the wrong type falls back to defaults rather than failing start-up.
    Ok(serde_json::from_value(Value::Object(map)).unwrap_or_default())
}

/// One setting, for a rule on a hot path that needs one value rather than all of them (a lookup by
/// key): the stored value, else `default` (the caller passes `Settings::default()`'s).
pub fn value<T: serde::de::DeserializeOwned>(conn: &Connection, key: &str, default: T) -> Result<T> {
    let stored: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .map(Some)
        .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(e) })?;
    Ok(stored.and_then(|v| serde_json::from_str(&v).ok()).unwrap_or(default))
}

/// Apply a partial update (only known keys), validate the result, store the changed keys.
/// Returns the new settings and the names of the keys that changed.
pub fn update(conn: &Connection, patch: &Map<String, Value>, by: Option<i64>) -> Result<(Settings, Vec<String>)> {
    let current = load(conn)?;
    let mut map = match serde_json::to_value(&current)? {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    for (k, v) in patch {
        if !map.contains_key(k) {
            return Err(Error::new(422, format!("{k}: unknown setting")));
        }
        map.insert(k.clone(), v.clone());
    }
    let next: Settings = match serde_json::from_value(Value::Object(map.clone())) {
        Ok(s) => s,
        Err(e) => {
            // Name the field whose value has the wrong shape: try each patched key alone.
            let base = serde_json::to_value(&current)?;
            let bad = patch.iter().find(|(k, v)| {
                let mut one = base.clone();
                one[k.as_str()] = (*v).clone();
                serde_json::from_value::<Settings>(one).is_err()
            });
            return Err(match bad {
                Some((k, v)) => Error::new(422, format!("{k}: {} is not a valid value", short(v))),
                None => Error::new(422, format!("invalid value: {e}")),
            });
        }
    };
    next.validate()?;
    let old = serde_json::to_value(&current)?;
    let mut changed = Vec::new();
    for (k, v) in serde_json::to_value(&next)?.as_object().into_iter().flatten() {
        if old.get(k) != Some(v) {
            conn.execute(
                "INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                params![k, v.to_string(), super::now_ms(), by],
            )?;
            changed.push(k.clone());
        }
    }
    Ok((next, changed))
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 { format!("{}…", s.chars().take(40).collect::<String>()) } else { s }
}

/// `/readyz`'s proof that the writer commits: one small row, rewritten each time (a key that no
/// setting has, so `load` passes over it).
pub fn heartbeat(conn: &Connection, now: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO settings (key, value, updated_at) VALUES ('_heartbeat', ?1, ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )?
    .execute([now])?;
    Ok(())
}
