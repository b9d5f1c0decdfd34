//! The rules of tickets and tasks: who may see an item (`visible`, beside conversation visibility in
//! `desk::visibility`), who receives its events, who may be put on it, field validation, announcing
//! changes, and the text helpers for prefilled drafts. `api/items.rs` calls these.

use serde_json::json;

use super::visibility::{audience, visible};
use crate::db;
use crate::db::WriteCtx;
use crate::db::conversations as convs;
use crate::db::items::{self, Item, PRIORITIES, STATUSES};
use crate::error::{Error, Result};

/// Assignees and followers must be active and able to see the item.
pub fn check_people(conn: &rusqlite::Connection, item: &Item, field: &str, ids: &[i64]) -> Result<()> {
    if ids.len() > 50 {
        return Err(Error::new(422, format!("{field}: at most 50 people")));
    }
    for id in ids {
        let u = db::users::get(conn, *id)?
            .filter(|u| u.active)
            .ok_or_else(|| Error::new(422, format!("{field}: no active teammate with id {id}")))?;
        if !visible(conn, &u, item)? {
            return Err(Error::new(
                422,
                format!("{field}: {} cannot see this item's conversations (customer support or membership needed)", u.name),
            ));
        }
    }
    Ok(())
}

pub fn check_fields(title: &str, description: &str, status: &str, priority: &str) -> Result<()> {
    if title.trim().is_empty() || title.chars().count() > 200 {
        return Err(Error::new(422, "title: 1 to 200 characters"));
    }
    if description.len() > 64 * 1024 - 1024 {
        return Err(Error::new(422, "description: at most 63 KiB"));
    }
    if !STATUSES.contains(&status) {
        return Err(Error::new(422, format!("status: one of {}", STATUSES.join(", "))));
    }
    if !PRIORITIES.contains(&priority) {
        return Err(Error::new(422, format!("priority: one of {}", PRIORITIES.join(", "))));
    }
    Ok(())
}

/// Announce an item's new state to those who may see it, and refresh its conversations' links.
pub fn announce(w: &mut WriteCtx<'_>, id: i64, kind: &str) -> Result<Item> {
    let it = items::get(w.conn, id)?.ok_or_else(|| Error::internal("item vanished"))?;
    let aud = audience(w.conn, &it)?;
    w.emit(kind, None, aud, json!({"item": it}))?;
    for (cid, _) in &it.conversations {
        if let Some(c) = convs::get(w.conn, *cid)? {
            w.emit("conversation.updated", Some(c.id), c.agent_audience(), json!({"conversation": c, "change": "item"}))?;
        }
    }
    Ok(it)
}

/// `YYYY-MM-DD HH:MM` (UTC) from Unix milliseconds, for transcripts.
pub fn stamp(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", rem / 3600, rem % 3600 / 60)
}

/// A title from the first customer message: one line, cut at a word boundary near 80 characters.
pub fn title_from(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    if line.chars().count() <= 80 {
        return line.to_string();
    }
    let cut: String = line.chars().take(80).collect();
    let at = cut.rfind(char::is_whitespace).filter(|i| *i > 40).unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_and_titles() {
        assert_eq!(stamp(0), "1970-01-01 00:00");
        assert_eq!(stamp(1_795_538_172_580), "2026-11-24 16:36");
        assert_eq!(stamp(951_782_400_000), "2000-02-29 00:00", "leap day");
        assert_eq!(title_from("  \nMy order is late\nmore"), "My order is late");
        let long = "word ".repeat(40);
        let t = title_from(&long);
        assert!(t.ends_with('…') && t.chars().count() <= 81, "{t}");
    }
}
