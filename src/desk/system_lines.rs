//! System lines: what happened in a conversation ("Closed by Ana", "Ticket #4 created by Ana"),
//! written in one place. Each is stored as a code with parameters, so readers see it in their own
//! language, plus its English text for search and exports. Whether a customer sees one is decided
//! by `desk::customer`, from the code.

use serde_json::{Value, json};

use crate::db::conversations::{self as convs, Conversation};
use crate::db::messages::{self, Message, SystemLine};
use crate::db::{self, WriteCtx};
use crate::error::{Error, Result};

/// Something worth a line in the timeline.
pub enum Line<'a> {
    Closed {
        by: &'a str,
    },
    Reopened {
        by: &'a str,
    },
    ItemCreated {
        kind: &'a str,
        number: i64,
        by: &'a str,
    },
    ItemLinked {
        kind: &'a str,
        number: i64,
        by: &'a str,
    },
    ItemUnlinked {
        kind: &'a str,
        number: i64,
        by: &'a str,
    },
    /// Assigned while nobody had it; `by: None` is auto-assignment.
    Assigned {
        to: &'a str,
        by: Option<&'a str>,
    },
    Unassigned {
        by: &'a str,
    },
    /// Handed from one assignee to another, or to anyone with a note for them.
    Transferred {
        to: &'a str,
        by: &'a str,
        note: Option<&'a str>,
    },
    /// The satisfaction question after closing `closing` (customers see it and answer it).
    CsatRequested {
        closing: i64,
        scale: &'a str,
    },
    /// The customer's answer, for the desk (stars 1–5; thumbs 1 up, 0 down).
    CsatRated {
        closing: i64,
        scale: &'a str,
        score: i64,
        comment: &'a str,
    },
}

/// Every code a system line may carry (`item.legacy`: lines written before codes existed).
pub const CODES: &[&str] = &[
    "conversation.closed",
    "conversation.reopened",
    "item.created",
    "item.linked",
    "item.unlinked",
    "item.legacy",
    "conversation.assigned",
    "conversation.unassigned",
    "conversation.transferred",
    "csat.requested",
    "csat.rated",
];

fn item_label(kind: &str) -> &'static str {
    if kind == "task" { "Task" } else { "Ticket" }
}

/// A rating in English words: "4/5", "thumbs up".
pub fn score_words(scale: &str, score: i64) -> String {
    match (scale, score) {
        ("thumbs", 1) => "thumbs up".into(),
        ("thumbs", _) => "thumbs down".into(),
        (_, n) => format!("{n}/5"),
    }
}

impl Line<'_> {
    pub fn code(&self) -> &'static str {
        match self {
            Line::Closed { .. } => "conversation.closed",
            Line::Reopened { .. } => "conversation.reopened",
            Line::ItemCreated { .. } => "item.created",
            Line::ItemLinked { .. } => "item.linked",
            Line::ItemUnlinked { .. } => "item.unlinked",
            Line::Assigned { .. } => "conversation.assigned",
            Line::Unassigned { .. } => "conversation.unassigned",
            Line::Transferred { .. } => "conversation.transferred",
            Line::CsatRequested { .. } => "csat.requested",
            Line::CsatRated { .. } => "csat.rated",
        }
    }

    fn params(&self) -> Value {
        match self {
            Line::Closed { by } | Line::Reopened { by } => json!({"by": by}),
            Line::ItemCreated { kind, number, by } | Line::ItemLinked { kind, number, by } | Line::ItemUnlinked { kind, number, by } => {
                json!({"kind": kind, "number": number, "by": by})
            }
            Line::Assigned { to, by: Some(by) } => json!({"to": to, "by": by}),
            Line::Assigned { to, by: None } => json!({"to": to, "by": "", "auto": true}),
            Line::Unassigned { by } => json!({"by": by}),
            Line::Transferred { to, by, note } => match note {
                Some(n) => json!({"to": to, "by": by, "note": n}),
                None => json!({"to": to, "by": by}),
            },
            Line::CsatRequested { closing, scale } => json!({"closing": closing, "scale": scale}),
            Line::CsatRated { closing, scale, score, comment } => {
                json!({"closing": closing, "scale": scale, "score": score, "comment": comment})
            }
        }
    }

    /// The English text, stored as the body.
    pub fn english(&self) -> String {
        match self {
            Line::Closed { by } => format!("Closed by {by}"),
            Line::Reopened { by } => format!("Reopened by {by}"),
            Line::ItemCreated { kind, number, by } => format!("{} #{number} created by {by}", item_label(kind)),
            Line::ItemLinked { kind, number, by } => format!("Linked to {} #{number} by {by}", item_label(kind).to_lowercase()),
            Line::ItemUnlinked { kind, number, by } => format!("Unlinked from {} #{number} by {by}", item_label(kind).to_lowercase()),
            Line::Assigned { to, by: None } => format!("Assigned to {to} automatically"),
            Line::Assigned { to, by: Some(by) } if to == by => format!("{by} took this conversation"),
            Line::Assigned { to, by: Some(by) } => format!("Assigned to {to} by {by}"),
            Line::Unassigned { by } => format!("Unassigned by {by}"),
            Line::Transferred { to, by, note } => {
                let head = if to == by { format!("{by} took over this conversation") } else { format!("Transferred to {to} by {by}") };
                match note {
                    Some(n) => format!("{head}: {n}"),
                    None => head,
                }
            }
            Line::CsatRequested { .. } => "How would you rate this conversation?".into(),
            Line::CsatRated { scale, score, comment, .. } => {
                let head = format!("The customer rated this conversation {}", score_words(scale, *score));
                if comment.is_empty() { head } else { format!("{head}: {comment}") }
            }
        }
    }
}

/// Write the line into conversation `c` and announce it (`message.created`): to the conversation's
/// audience when customers may see lines with its code (they receive it only through their
/// projection), else to its agents only, so it never even reaches a customer's socket.
pub fn post(w: &mut WriteCtx<'_>, c: &Conversation, line: Line<'_>) -> Result<Message> {
    let now = db::now_ms();
    let text = line.english();
    let seq = convs::next_seq(w.conn, c.id, &text, now)?;
    let meaning = SystemLine { code: line.code().into(), params: line.params() };
    let id = messages::insert_system(w.conn, c.id, seq, &text, &meaning, now)?;
    let m = messages::get(w.conn, id)?.ok_or_else(|| Error::internal("message vanished"))?;
    let mut c = convs::get(w.conn, c.id)?.ok_or_else(|| Error::internal("conversation vanished"))?;
    c.last_seq = seq;
    let audience = if super::customer::sees_line(&meaning.code) { c.audience() } else { c.agent_audience() };
    w.emit("message.created", Some(c.id), audience, json!({"message": m, "conversation": c}))?;
    Ok(m)
}
