//! Customer records: what a customer-support agent may correct or add about a customer (name,
//! email, phone, a note), checked, audited (old → new; a long note by its length only) and
//! announced to the agents who see live chats (`customer.updated`). The customer's search text
//! (`conversations_fts`) follows their name and email. A customer is not told: their own widget
//! never receives `customer.updated` (nor the note or phone, in any answer).
//!
//! Also how far a customer has read their conversation, which the widget reports: agents see
//! "Seen" under their messages up to there (`conversation.seen` to the conversation's agents).

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::app::App;
use crate::db::customers::{self, Customer, Record};
use crate::db::events::Audience;
use crate::db::{self, conversations as convs};
use crate::error::{Error, Result};

const MAX_NAME: usize = 80;
const MAX_PHONE: usize = 40;
/// A note is at most 4 KiB (of UTF-8).
pub const MAX_NOTE: usize = 4 * 1024;
/// A note up to this many characters is audited word for word; a longer one by its length.
const NOTE_IN_AUDIT: usize = 200;

/// An agent's change: any of the fields (`email: ""` removes the address).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RecordForm {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub note: Option<String>,
}

pub fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    let n = name.chars().count();
    if n == 0 || n > MAX_NAME || name.chars().any(char::is_control) {
        return Err(Error::new(422, format!("name: 1 to {MAX_NAME} characters")));
    }
    Ok(name.to_string())
}

/// An address like `name@example.com` (empty: none).
pub fn check_email(email: &str) -> Result<Option<String>> {
    let e = email.trim();
    if e.is_empty() {
        return Ok(None);
    }
    let ok = e.len() <= 254 && !e.contains(char::is_whitespace) && e.chars().all(|c| !c.is_control()) && {
        match e.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
            }
            None => false,
        }
    };
    if !ok {
        return Err(Error::new(422, "email: enter an address like name@example.com"));
    }
    Ok(Some(e.to_string()))
}

/// Digits, spaces and `+ ( ) - .`, at most 40 (empty: none).
pub fn check_phone(phone: &str) -> Result<String> {
    let p = phone.trim();
    if p.chars().count() > MAX_PHONE || !p.chars().all(|c| c.is_ascii_digit() || " +()-.".contains(c)) {
        return Err(Error::new(422, format!("phone: at most {MAX_PHONE} digits, spaces and + ( ) - .")));
    }
    Ok(p.to_string())
}

pub fn check_note(note: &str) -> Result<String> {
    let n = note.trim_end();
    if n.len() > MAX_NOTE {
        return Err(Error::new(422, format!("note: at most 4 KiB ({} KiB now)", n.len().div_ceil(1024))));
    }
    if n.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Error::new(422, "note: no control characters"));
    }
    Ok(n.to_string())
}

/// How the audit log records a change of the note: word for word when short, else by length.
fn note_change(from: &str, to: &str) -> Value {
    let (a, b) = (from.chars().count(), to.chars().count());
    if a <= NOTE_IN_AUDIT && b <= NOTE_IN_AUDIT {
        json!({"from": from, "to": to})
    } else {
        json!({"from": format!("({a} characters)"), "to": format!("({b} characters)")})
    }
}

/// Apply an agent's change to customer `id` (`by` the agent, from `ip`); an unchanged record is
/// neither written, audited nor announced.
pub fn update(app: &Arc<App>, by: i64, ip: String, id: i64, f: RecordForm) -> Result<Customer> {
    let name = f.name.as_deref().map(check_name).transpose()?;
    let email = f.email.as_deref().map(check_email).transpose()?;
    let phone = f.phone.as_deref().map(check_phone).transpose()?;
    let note = f.note.as_deref().map(check_note).transpose()?;
    app.db.write(move |w| {
        let old = customers::get(w.conn, id)?.ok_or_else(|| Error::not_found("No such customer."))?;
        let new = Record {
            name: name.as_deref().unwrap_or(&old.name),
            email: match &email {
                Some(e) => e.as_deref(),
                None => old.email.as_deref(),
            },
            phone: phone.as_deref().unwrap_or(&old.phone),
            note: note.as_deref().unwrap_or(&old.note),
        };
        let mut detail = Map::new();
        if new.name != old.name {
            detail.insert("name".into(), json!({"from": old.name, "to": new.name}));
        }
        if new.email != old.email.as_deref() {
            detail.insert("email".into(), json!({"from": old.email, "to": new.email}));
        }
        if new.phone != old.phone {
            detail.insert("phone".into(), json!({"from": old.phone, "to": new.phone}));
        }
        if new.note != old.note {
            detail.insert("note".into(), note_change(&old.note, new.note));
        }
        if detail.is_empty() {
            return Ok(old);
        }
        let searchable = detail.contains_key("name") || detail.contains_key("email");
        customers::set_record(w.conn, id, &new)?;
        db::audit::append(w.conn, Some(by), &ip, "customer.update", &format!("customer:{id}"), Value::Object(detail))?;
        if searchable {
            for c in customers::conversation_ids(w.conn, id)? {
                convs::reindex(w.conn, c)?;
            }
        }
        let cu = customers::get(w.conn, id)?.ok_or_else(|| Error::internal("customer vanished"))?;
        w.emit("customer.updated", None, Audience::Support { customer: None }, json!({"customer": cu}))?;
        Ok(cu)
    })
}

/// The customer has read their conversation up to `seq` (the widget says so while the chat is open
/// and in view). Only a move forward is written and announced to the conversation's agents; the
/// answer is the mark as it stands. The mark only ever names a message the customer sees: a private
/// note or an internal line after it is not theirs to know about (`customer::last_seq`).
pub fn seen(app: &Arc<App>, customer: i64, seq: i64) -> Result<Value> {
    let (c, seq) = app
        .db
        .read(|conn| {
            let Some(c) = convs::latest_for_customer(conn, customer)? else { return Ok(None) };
            let seq = super::customer::last_seq(conn, c.id, seq.clamp(0, c.last_seq))?;
            Ok(Some((c, seq)))
        })?
        .ok_or_else(|| Error::not_found("No conversation yet."))?;
    if seq <= c.customer_seen_seq {
        return Ok(json!({"conversation_id": c.id, "seq": c.customer_seen_seq}));
    }
    app.db.write(move |w| {
        let now = match convs::set_customer_seen(w.conn, c.id, seq)? {
            Some(now) => {
                let data = json!({"conversation_id": c.id, "seq": now, "by": "customer"});
                w.emit("conversation.seen", Some(c.id), c.agent_audience(), data)?;
                now
            }
            None => seq.max(c.customer_seen_seq),
        };
        Ok(json!({"conversation_id": c.id, "seq": now}))
    })
}

#[cfg(test)]
mod tests {
    use super::{check_email, check_name, check_note, check_phone};

    #[test]
    fn a_record_is_checked_field_by_field() {
        assert_eq!(check_name("  Sally Carter ").unwrap(), "Sally Carter");
        assert!(check_name(" ").is_err() && check_name(&"n".repeat(81)).is_err());
        assert_eq!(check_email("").unwrap(), None);
        assert_eq!(check_email(" sally@example.com ").unwrap().as_deref(), Some("sally@example.com"));
        for bad in ["sally", "@example.com", "sally@", "sally@example", "sa lly@example.com", "a@b@c.com", "a@.com", "a@b..com"] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
        assert_eq!(check_phone(" +351 (21) 123-45.67 ").unwrap(), "+351 (21) 123-45.67");
        assert!(check_phone("call me").is_err() && check_phone(&"1".repeat(41)).is_err());
        assert!(check_note(&"a".repeat(4096)).is_ok() && check_note(&"a".repeat(4097)).is_err());
        assert!(check_note(&"é".repeat(2049)).is_err(), "4 KiB of UTF-8, not 4096 characters");
    }
}
