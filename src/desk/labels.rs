//! Labels: what a valid label is (a name unique whatever its case, 1–40 characters; a `#rrggbb`
//! colour; an optional description), the admin's changes to them, and agents putting them on the
//! conversations they may see. Each change is audited and announced in its own write job:
//! `labels.updated` (every label, to every agent) for definitions, `conversation.updated` with
//! `"change": "labels"` to the conversation's agents for a conversation's labels. Customers never
//! receive either (`desk::customer` has no rendering for them, and neither audience admits them).
//! Also the `label:NAME` terms of a search.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::App;
use crate::db::conversations::{self as convs, Conversation};
use crate::db::events::Audience;
use crate::db::labels::{self, Label};
use crate::db::users::User;
use crate::db::{self, WriteCtx, is_unique_violation};
use crate::error::{Error, Result};

/// How many labels a help desk may define (every agent receives all of them with each change).
pub const MAX_LABELS: i64 = 200;
/// How many labels one conversation may carry.
pub const MAX_PER_CONVERSATION: usize = 20;
const MAX_NAME: usize = 40;
const MAX_DESCRIPTION: usize = 200;

/// The form of a name that decides sameness: lower case (Unicode), so "VIP" and "vip" are one label.
pub fn fold(name: &str) -> String {
    name.to_lowercase()
}

/// A name as stored: trimmed, inner runs of spaces made one; 1–40 characters, no quote (search
/// writes `label:"two words"`) and no control characters.
pub fn clean_name(name: &str) -> Result<String> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = name.chars().count();
    if n == 0 || n > MAX_NAME {
        return Err(Error::new(422, format!("name: 1 to {MAX_NAME} characters")));
    }
    if name.chars().any(|c| c == '"' || c.is_control()) {
        return Err(Error::new(422, "name: no quotes or control characters"));
    }
    Ok(name)
}

/// `#rrggbb`, stored in lower case.
pub fn clean_color(color: &str) -> Result<String> {
    let c = color.trim();
    if c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(c.to_ascii_lowercase())
    } else {
        Err(Error::new(422, "color: a colour as #rrggbb"))
    }
}

fn clean_description(d: &str) -> Result<String> {
    let d = d.trim();
    if d.chars().count() > MAX_DESCRIPTION {
        return Err(Error::new(422, format!("description: at most {MAX_DESCRIPTION} characters")));
    }
    if d.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::new(422, "description: no control characters"));
    }
    Ok(d.to_string())
}

/// What an admin sends to create (name and colour required) or change (any of them) a label.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LabelForm {
    pub name: Option<String>,
    pub color: Option<String>,
    pub description: Option<String>,
}

/// Tell every agent the labels as they are now (the list is short: `MAX_LABELS`).
fn announce(w: &mut WriteCtx<'_>) -> Result<()> {
    let all = labels::list(w.conn)?;
    w.emit("labels.updated", None, Audience::Agents, json!({"labels": all}))?;
    Ok(())
}

fn taken(e: rusqlite::Error) -> Error {
    if is_unique_violation(&e) { Error::conflict("name: a label with this name already exists") } else { e.into() }
}

/// An admin defines a label.
pub fn create(app: &Arc<App>, admin: &User, ip: String, f: LabelForm) -> Result<Label> {
    let name = clean_name(f.name.as_deref().ok_or_else(|| Error::new(422, "name: required"))?)?;
    let color = clean_color(f.color.as_deref().ok_or_else(|| Error::new(422, "color: required"))?)?;
    let description = clean_description(f.description.as_deref().unwrap_or(""))?;
    let by = admin.id;
    app.db.write(move |w| {
        if labels::count(w.conn)? >= MAX_LABELS {
            return Err(Error::new(422, format!("There are already {MAX_LABELS} labels: delete one first.")));
        }
        let id = labels::insert(w.conn, &name, &fold(&name), &color, &description, by).map_err(taken)?;
        let detail = json!({"name": name, "color": color});
        db::audit::append(w.conn, Some(by), &ip, "label.create", &format!("label:{id}"), detail)?;
        announce(w)?;
        labels::get(w.conn, id)?.ok_or_else(|| Error::internal("label vanished"))
    })
}

/// An admin renames, recolours or describes a label: every agent sees it at once, wherever it shows.
pub fn update(app: &Arc<App>, admin: &User, ip: String, id: i64, f: LabelForm) -> Result<Label> {
    let name = f.name.as_deref().map(clean_name).transpose()?;
    let color = f.color.as_deref().map(clean_color).transpose()?;
    let description = f.description.as_deref().map(clean_description).transpose()?;
    let by = admin.id;
    app.db.write(move |w| {
        let old = labels::get(w.conn, id)?.ok_or_else(|| Error::not_found("No such label."))?;
        let new = Label {
            name: name.unwrap_or_else(|| old.name.clone()),
            color: color.unwrap_or_else(|| old.color.clone()),
            description: description.unwrap_or_else(|| old.description.clone()),
            ..old.clone()
        };
        if new == old {
            return Ok(old);
        }
        labels::update(w.conn, id, &new.name, &fold(&new.name), &new.color, &new.description).map_err(taken)?;
        let mut detail = serde_json::Map::new();
        for (field, from, to) in
            [("name", &old.name, &new.name), ("color", &old.color, &new.color), ("description", &old.description, &new.description)]
        {
            if from != to {
                detail.insert(field.into(), json!({"from": from, "to": to}));
            }
        }
        db::audit::append(w.conn, Some(by), &ip, "label.update", &format!("label:{id}"), Value::Object(detail))?;
        announce(w)?;
        Ok(new)
    })
}

/// An admin deletes a label: it leaves every conversation (agents drop it on `labels.updated`).
pub fn delete(app: &Arc<App>, admin: &User, ip: String, id: i64) -> Result<Value> {
    let by = admin.id;
    app.db.write(move |w| {
        let old = labels::get(w.conn, id)?.ok_or_else(|| Error::not_found("No such label."))?;
        let carried = labels::delete(w.conn, id)?;
        let detail = json!({"name": old.name, "conversations": carried.len()});
        db::audit::append(w.conn, Some(by), &ip, "label.delete", &format!("label:{id}"), detail)?;
        announce(w)?;
        Ok(json!({"deleted": id, "conversations": carried.len()}))
    })
}

/// An agent sets the labels of a conversation they may see (the whole set: last writer wins).
/// Nothing changes, and nothing is announced, when the set is the same.
pub fn set_for_conversation(app: &Arc<App>, user: &User, ip: String, id: i64, wanted: Vec<i64>) -> Result<Conversation> {
    let mut wanted = wanted;
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.len() > MAX_PER_CONVERSATION {
        return Err(Error::new(422, format!("labels: at most {MAX_PER_CONVERSATION} on one conversation")));
    }
    let user = user.clone();
    app.db.write(move |w| {
        let c = convs::get(w.conn, id)?.filter(|c| c.visible_to(&user)).ok_or_else(|| Error::not_found("No such conversation."))?;
        let mut named = Vec::new();
        for l in &wanted {
            named.push(labels::get(w.conn, *l)?.ok_or_else(|| Error::new(422, format!("labels: no label with id {l}")))?);
        }
        let have = labels::of_conversation(w.conn, id)?;
        let added: Vec<&Label> = named.iter().filter(|l| !have.contains(&l.id)).collect();
        let removed: Vec<i64> = have.iter().copied().filter(|l| !wanted.contains(l)).collect();
        if added.is_empty() && removed.is_empty() {
            return Ok(c);
        }
        let mut removed_names = Vec::new();
        for l in &removed {
            removed_names.push(labels::get(w.conn, *l)?.map(|l| l.name).unwrap_or_default());
            labels::remove(w.conn, id, *l)?;
        }
        for l in &added {
            labels::add(w.conn, id, l.id, user.id)?;
        }
        let detail = json!({"added": added.iter().map(|l| &l.name).collect::<Vec<_>>(), "removed": removed_names});
        db::audit::append(w.conn, Some(user.id), &ip, "conversation.labels", &format!("conversation:{id}"), detail)?;
        let c = convs::get(w.conn, id)?.ok_or_else(|| Error::internal("conversation vanished"))?;
        let data = json!({"conversation": super::conversations::summary(&c), "change": "labels"});
        w.emit("conversation.updated", Some(id), c.agent_audience(), data)?;
        Ok(c)
    })
}

/// A search split into its words and its `label:NAME` terms (`label:"vip customer"` for a name with
/// spaces; `label:` in any case). Each name is folded; the words keep their order.
pub fn split_query(input: &str) -> (String, Vec<String>) {
    let mut words = String::new();
    let mut names = Vec::new();
    let mut rest = input;
    while let Some(start) = find_term(rest) {
        words.push_str(&rest[..start]);
        words.push(' ');
        let after = &rest[start + "label:".len()..];
        let (name, next) = match after.strip_prefix('"') {
            Some(quoted) => match quoted.find('"') {
                Some(end) => (&quoted[..end], &quoted[end + 1..]),
                None => (quoted, ""),
            },
            None => {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if !name.is_empty() {
            names.push(fold(&name));
        }
        rest = next;
    }
    words.push_str(rest);
    (words, names)
}

/// Where the next `label:` term starts: at the beginning or after white space, in any case.
fn find_term(s: &str) -> Option<usize> {
    let lower = s.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("label:") {
        let at = from + i;
        if at == 0 || s[..at].ends_with(char::is_whitespace) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The ids of the labels `names` (folded) name, or `None` when one of them names no label: then
/// nothing can match.
pub fn resolve(conn: &rusqlite::Connection, names: &[String]) -> Result<Option<Vec<i64>>> {
    let mut ids = Vec::new();
    for n in names.iter().take(MAX_PER_CONVERSATION) {
        match labels::by_key(conn, n)? {
            Some(l) => ids.push(l.id),
            None => return Ok(None),
        }
    }
    Ok(Some(ids))
}

#[cfg(test)]
mod tests {
    use super::{clean_color, clean_name, split_query};

    #[test]
    fn label_terms_come_out_of_a_search_and_the_words_stay() {
        let split = |q: &str| {
            let (words, names) = split_query(q);
            (words.split_whitespace().collect::<Vec<_>>().join(" "), names)
        };
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(split("refund label:VIP late"), ("refund late".into(), names(&["vip"])));
        assert_eq!(split("Label:\"VIP  customer\" parcel"), ("parcel".into(), names(&["vip customer"])));
        assert_eq!(split("label:a label:b"), (String::new(), names(&["a", "b"])));
        assert_eq!(split("relabel:x"), ("relabel:x".into(), names(&[])));
        assert_eq!(split("label:\"open"), (String::new(), names(&["open"])));
        assert_eq!(split("label:"), (String::new(), names(&[])));
        assert_eq!(split("ação label:Ação"), ("ação".into(), names(&["ação"])));
    }

    #[test]
    fn names_and_colours_are_checked() {
        assert_eq!(clean_name("  VIP   customer ").unwrap(), "VIP customer");
        assert!(clean_name("").is_err());
        assert!(clean_name(&"x".repeat(41)).is_err());
        assert!(clean_name("a\"b").is_err());
        assert_eq!(clean_name(&"é".repeat(40)).unwrap().chars().count(), 40);
        assert_eq!(clean_color("#A1B2C3").unwrap(), "#a1b2c3");
        for bad in ["a1b2c3", "#abc", "#12345g", "red"] {
            assert!(clean_color(bad).is_err(), "{bad}");
        }
    }
}
