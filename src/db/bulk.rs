//! The benchmark's history for the reports scenario: a year of live chats written straight into a
//! stopped server's database in big transactions (the API would take hours for a million messages).
//! Rows look like the engine's own: customers, conversations with their first-response columns,
//! participants, messages (indexed for search and counted for reports in the same transaction, as the
//! writer does), and a closing per chat, half of them rated.
//! It lives here because it is SQL, and all SQL lives in `db/`.

use std::path::Path;

use rusqlite::{Connection, params};

/// What to write: `conversations` chats of `per_chat` messages each, spread evenly over the `days`
/// before `now_ms`, answered and closed by the agents `agents` (user ids) in turn.
pub struct History<'a> {
    pub conversations: usize,
    pub per_chat: usize,
    pub days: i64,
    pub now_ms: i64,
    pub agents: &'a [i64],
}

const WORDS: [&str; 12] =
    ["order", "delivery", "refund", "account", "password", "invoice", "shipping", "payment", "late", "broken", "thanks", "help"];

fn body(i: u64) -> String {
    let mut x = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xdead_beef;
    let mut out = Vec::new();
    for _ in 0..(5 + (x % 6)) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push(WORDS[(x % WORDS.len() as u64) as usize]);
    }
    out.join(" ")
}

/// Write the history; returns the number of messages written.
pub fn write_history(path: &Path, h: &History<'_>) -> rusqlite::Result<u64> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    let span = h.days * 86_400_000;
    let start = h.now_ms - span;
    let step = span / h.conversations.max(1) as i64;
    let mut written = 0u64;
    let batch = 10_000;
    for chunk in (0..h.conversations).collect::<Vec<_>>().chunks(batch) {
        let tx = conn.transaction()?;
        let mut tally = super::reports::Tally::default();
        {
            let mut cu = tx.prepare_cached(
                "INSERT INTO customers (token_hash, name, first_seen_at, last_seen_at, language) VALUES (?1, ?2, ?3, ?3, 'en')",
            )?;
            let mut cv = tx.prepare_cached(
                "INSERT INTO conversations (kind, status, customer_id, last_seq, last_message_at, preview, created_at, assignee_id,
                                            first_customer_at, first_reply_at, first_reply_by)
                 VALUES ('live_chat', 'closed', ?1, ?2, ?3, ?4, ?5, ?6, ?5, ?7, ?6)",
            )?;
            let mut pa = tx.prepare_cached("INSERT INTO participants (conversation_id, user_id, joined_at) VALUES (?1, ?2, ?3)")?;
            let mut ms = tx.prepare_cached(
                "INSERT INTO messages (conversation_id, seq, author_kind, author_id, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let mut cl = tx.prepare_cached(
                "INSERT INTO closings (conversation_id, customer_id, agent_id, closed_by, opened_at, closed_at, csat_scale, csat_score, csat_comment, csat_rated_at)
                 VALUES (?1, ?2, ?3, ?3, ?4, ?5, 'stars', ?6, ?7, ?8)",
            )?;
            for &i in chunk {
                let i64_ = i as i64;
                let created = start + i64_ * step;
                let agent = h.agents[i % h.agents.len().max(1)];
                let cid = {
                    let mut hash = [0u8; 32];
                    hash[..8].copy_from_slice(&(i as u64).to_le_bytes());
                    hash[8..16].copy_from_slice(b"benchcus");
                    cu.execute(params![&hash[..], format!("Customer {i}"), created])?;
                    tx.last_insert_rowid()
                };
                // Messages a minute or so apart: the customer first, the agent answers within 1–9 minutes.
                let first_reply = created + 60_000 * (1 + (i64_ % 9));
                let last = first_reply + 60_000 * h.per_chat as i64;
                cv.execute(params![cid, h.per_chat as i64, last, "thanks", created, agent, first_reply])?;
                let conv = tx.last_insert_rowid();
                pa.execute(params![conv, agent, first_reply])?;
                for k in 0..h.per_chat {
                    let customer = k % 2 == 0;
                    let at = if k == 0 { created } else { first_reply + 60_000 * (k as i64 - 1) };
                    let (kind, author) = if customer { ("customer", cid) } else { ("user", agent) };
                    ms.execute(params![conv, k as i64 + 1, kind, author, body(written), at])?;
                    tally.message(at, customer, author);
                    written += 1;
                }
                let rated = i % 2 == 0;
                let score = (i % 5) as i64 + 1;
                cl.execute(params![
                    conv,
                    cid,
                    agent,
                    created,
                    last + 60_000,
                    rated.then_some(score),
                    if rated && i % 10 == 0 { "Quick and kind" } else { "" },
                    rated.then_some(last + 120_000)
                ])?;
            }
        }
        // What the server's writer would otherwise index at its next start, in the middle of a run.
        super::search_index::index_next(&tx, i64::MAX)?;
        tally.flush(&tx)?;
        tx.commit()?;
    }
    conn.execute_batch("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);")?;
    Ok(written)
}
