//! What a post must be before it is written: a text within limits (or files), a client id the
//! idempotency index can hold; and the preview a list shows for it. Used by `desk::conversations`.

use crate::db::messages::MAX_BODY;
use crate::error::{Error, Result};

pub fn check_body(body: &str) -> Result<()> {
    if body.trim().is_empty() {
        return Err(Error::new(422, "body: the message is empty"));
    }
    if body.len() > MAX_BODY {
        return Err(Error::new(413, format!("body: the message is too long ({} KiB, limit 16 KiB)", body.len().div_ceil(1024))));
    }
    Ok(())
}

/// A message's text, which may be empty when it carries files.
pub fn check_content(body: &str, files: usize) -> Result<()> {
    if files == 0 {
        return check_body(body);
    }
    if body.len() > MAX_BODY {
        return check_body(body);
    }
    Ok(())
}

/// What the conversation list shows for a message: its text, or the names of its files.
pub(super) fn preview_of(body: &str, files: &[crate::db::attachments::Stored]) -> String {
    if !body.trim().is_empty() || files.is_empty() {
        return body.to_string();
    }
    let names: Vec<&str> = files.iter().map(|f| f.att.name.as_str()).collect();
    format!("📎 {}", names.join(", "))
}

pub fn check_client_id(id: Option<&str>) -> Result<()> {
    if let Some(id) = id
        && (id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_graphic()))
    {
        return Err(Error::new(422, "client_msg_id: 1 to 64 printable ASCII characters"));
    }
    Ok(())
}
