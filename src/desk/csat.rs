//! Customer satisfaction (issue 20). Every closing of a live chat is a row in `closings` (the
//! reports read them); with the `csat` setting on, the closing also puts a question in the
//! conversation, a line the customer sees in their own language and may answer at once or later
//! (`rate`): one answer per closing, and a reopen followed by a new closing asks again. The answer is
//! written on the closing, shown on the question (the customer sees their stars), told to the desk
//! as an agents-only line, and a low one can notify the agent the closing is credited to.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::app::App;
use crate::db::closings::{self, Closing};
use crate::db::conversations::{self as convs, Conversation};
use crate::db::events::Audience;
use crate::db::{self, WriteCtx, messages};
use crate::desk::system_lines::{self, Line};
use crate::error::{Error, Result};

/// The longest comment a customer may leave, in characters.
pub const MAX_COMMENT: usize = 1000;

/// Conversation `c` (a live chat) was just closed by `by` (an agent; `None`: the desk itself).
/// Records the closing and, when the desk asks, posts the question.
pub fn closed(w: &mut WriteCtx<'_>, c: &Conversation, by: Option<i64>) -> Result<()> {
    if c.kind != "live_chat" {
        return Ok(());
    }
    let now = db::now_ms();
    let agent = c.assignee_id.or(by);
    let id = closings::insert(w.conn, c.id, c.customer_id, agent, by, now)?;
    let scale: String = db::settings::value(w.conn, "csat", "off".to_string())?;
    if scale == "stars" || scale == "thumbs" {
        let c = convs::get(w.conn, c.id)?.ok_or_else(|| Error::internal("conversation vanished"))?;
        let line = system_lines::post(w, &c, Line::CsatRequested { closing: id, scale: &scale })?;
        closings::set_question(w.conn, id, &scale, line.id)?;
    }
    Ok(())
}

/// Conversation `c` was reopened: its last closing's stretch ends (the next closing starts a new one).
pub fn reopened(w: &mut WriteCtx<'_>, c: &Conversation) -> Result<()> {
    if c.kind == "live_chat" {
        closings::reopened(w.conn, c.id, db::now_ms())?;
    }
    Ok(())
}

/// Whether a score is low enough to tell the agent: 1–2 stars, or thumbs down.
pub fn is_low(scale: &str, score: i64) -> bool {
    if scale == "thumbs" { score == 0 } else { score <= 2 }
}

fn check(c: &Closing, score: i64, comment: &str) -> Result<()> {
    let ok = match c.scale.as_deref() {
        Some("stars") => (1..=5).contains(&score),
        Some("thumbs") => score == 0 || score == 1,
        _ => return Err(Error::not_found("No such rating question.")),
    };
    if !ok {
        return Err(Error::new(
            422,
            if c.scale.as_deref() == Some("thumbs") { "score: 1 (up) or 0 (down)" } else { "score: 1 to 5 stars" },
        ));
    }
    if comment.chars().count() > MAX_COMMENT {
        return Err(Error::new(422, format!("comment: at most {MAX_COMMENT} characters")));
    }
    Ok(())
}

/// The customer `customer` rates closing `closing` with `score` (stars 1–5; thumbs 1 up, 0 down) and
/// an optional comment. Idempotent: the same answer again is accepted and changes nothing; another
/// answer to a closing already rated is a `409`. A closing that is not this customer's is a `404`.
/// The widget calls this, and so may any other path a customer answers by (a link in an email).
pub fn rate(app: &Arc<App>, customer: i64, closing: i64, score: i64, comment: &str) -> Result<Value> {
    let comment = comment.trim().to_string();
    let notify = app.settings().csat_notify_low;
    app.db.write(move |w| {
        let c = closings::get(w.conn, closing)?
            .filter(|c| c.customer_id == Some(customer))
            .ok_or_else(|| Error::not_found("No such rating question."))?;
        check(&c, score, &comment)?;
        if c.score.is_some() {
            return if c.score == Some(score) && c.comment == comment {
                Ok(rating(&c))
            } else {
                Err(Error::conflict("This conversation has already been rated."))
            };
        }
        let now = db::now_ms();
        closings::rate(w.conn, c.id, score, &comment, now)?;
        let rated = closings::get(w.conn, c.id)?.ok_or_else(|| Error::internal("closing vanished"))?;
        let conv = convs::get(w.conn, c.conversation_id)?.ok_or_else(|| Error::internal("conversation vanished"))?;
        let scale = rated.scale.clone().unwrap_or_default();
        // The question now carries the answer: the widget shows the stars given, on every tab.
        if let Some(mid) = rated.message_id
            && let Some(mut m) = messages::get(w.conn, mid)?
            && let Some(line) = m.system.as_mut()
        {
            line.params["score"] = json!(score);
            messages::set_system_params(w.conn, mid, &line.params)?;
            w.emit(
                "message.updated",
                Some(conv.id),
                conv.audience(),
                json!({"message": m, "conversation": crate::desk::conversations::summary(&conv)}),
            )?;
        }
        let line = Line::CsatRated { closing: c.id, scale: &scale, score, comment: &comment };
        let m = system_lines::post(w, &conv, line)?;
        if notify
            && is_low(&scale, score)
            && let Some(agent) = rated.agent_id
        {
            w.emit(
                "csat.low",
                Some(conv.id),
                Audience::Users { ids: vec![agent] },
                json!({"conversation_id": conv.id, "customer_name": conv.customer_name, "rating": rating(&rated), "message": m}),
            )?;
        }
        Ok(rating(&rated))
    })
}

/// A rating as the desk and the customer's answer read it.
pub fn rating(c: &Closing) -> Value {
    json!({
        "closing": c.id, "conversation_id": c.conversation_id, "scale": c.scale, "score": c.score,
        "comment": c.comment, "rated_at": c.rated_at, "closed_at": c.closed_at,
    })
}

/// A customer's latest ratings, newest first (the customer panel).
pub fn for_customer(conn: &rusqlite::Connection, customer: i64) -> Result<Vec<Value>> {
    Ok(closings::rated_for_customer(conn, customer, 10)?.iter().map(rating).collect())
}
