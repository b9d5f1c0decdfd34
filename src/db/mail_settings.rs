//! The email settings' validation (issue 16), beside `settings.rs` (which keeps every field).

use super::settings::Settings;
use crate::error::{Error, Result};

impl Settings {
    /// SMTP and IMAP servers, the From address, the delays and the website address.
    pub(crate) fn validate_mail(&self) -> Result<()> {
        let field = |name: &str, msg: &str| Err(Error::new(422, format!("{name}: {msg}")));
        for (name, v) in [("smtp_host", &self.smtp_host), ("imap_host", &self.imap_host)] {
            if v.len() > 253 || !v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']')) {
                return field(name, "must be a host name or address, like smtp.example.com");
            }
        }
        for (name, v) in [("smtp_port", self.smtp_port), ("imap_port", self.imap_port)] {
            if v == 0 {
                return field(name, "must be 1 to 65535");
            }
        }
        for (name, v) in [
            ("smtp_user", &self.smtp_user),
            ("smtp_password", &self.smtp_password),
            ("imap_user", &self.imap_user),
            ("imap_password", &self.imap_password),
            ("mail_from_name", &self.mail_from_name),
            ("imap_folder", &self.imap_folder),
        ] {
            if v.chars().count() > 200 || v.chars().any(char::is_control) {
                return field(name, "must be at most 200 characters, on one line");
            }
        }
        if !self.mail_from.is_empty() && !is_address(&self.mail_from) {
            return field("mail_from", "must be an address like support@example.com");
        }
        if !self.smtp_host.is_empty() && self.mail_from.is_empty() {
            return field("mail_from", "is needed to send mail: the address mails come from");
        }
        if self.imap_folder.trim().is_empty() {
            return field("imap_folder", "must not be empty (INBOX)");
        }
        if self.email_delay_minutes > 1440 || self.alert_waiting_minutes > 1440 {
            return field(
                if self.email_delay_minutes > 1440 { "email_delay_minutes" } else { "alert_waiting_minutes" },
                "must be 0 to 1440 minutes",
            );
        }
        if !self.website_url.is_empty()
            && (self.website_url.len() > 2000
                || !(self.website_url.starts_with("https://") || self.website_url.starts_with("http://"))
                || self.website_url.contains(char::is_whitespace)
                || self.website_url.contains('#'))
        {
            return field("website_url", "must be empty or an http(s) address without #, like https://example.com/help");
        }
        Ok(())
    }
}

/// A plain `local@domain` mail address (what we send from and accept in forms).
pub fn is_address(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else { return false };
    e.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && e.bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b'(' | b')' | b',' | b';' | b':' | b'"' | b'[' | b']' | b'\\'))
        && !domain.contains('@')
}
