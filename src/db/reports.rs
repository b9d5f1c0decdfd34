//! The SQL behind the reports (`desk::reports` turns it into figures). Every query takes a range
//! `[from, to)` in Unix ms and the same optional filter, and counts in 15-minute buckets
//! (`created_at / BUCKET_MS`): every time zone's offset is a multiple of 15 minutes, so the rules
//! place each bucket in a local day and hour exactly, DST included, without a tz database in SQL.
//! Only live chats count (customers' conversations); private notes and system lines are not messages.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, params};

use crate::error::Result;

/// The width of a counting bucket.
pub const BUCKET_MS: i64 = 15 * 60_000;

/// Narrow a report to one agent's work and/or one label.
#[derive(Clone, Copy, Debug, Default)]
pub struct Filter {
    pub agent: Option<i64>,
    pub label: Option<i64>,
}

/// The agent (`?3`) handled conversation `c`: they took part in it or have it (`report_handlers`,
/// kept by triggers from `participants` and the assignee).
const HANDLED: &str = "(?3 IS NULL OR EXISTS (SELECT 1 FROM report_handlers h WHERE h.conversation_id = c.id AND h.user_id = ?3))";
/// The chats agent `?3` handled, as a set to drive from.
const HANDLED_SET: &str = "(SELECT conversation_id FROM report_handlers WHERE user_id = ?3)";
/// The chats carrying label `?4`.
const LABEL_SET: &str = "(SELECT conversation_id FROM conversation_labels WHERE label_id = ?4)";

/// `?1`–`?4` bound (from, to, agent, label); SQL that leaves the agent or label out still names them
/// in a no-op (`?3 IS NULL`) so every statement takes the same four.
fn buckets(conn: &Connection, sql: &str, from: i64, to: i64, f: Filter) -> Result<Vec<(i64, i64)>> {
    let mut st = conn.prepare_cached(sql)?;
    let rows = st.query_map(params![from, to, f.agent, f.label], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The filter's terms for a conversation `alias`, driving from the agent's or the label's chats
/// when given; without them the unfiltered query reads its index alone.
fn narrow(alias: &str, f: Filter) -> String {
    let agent = if f.agent.is_some() { format!("{alias}.id IN {HANDLED_SET}") } else { "?3 IS NULL".into() };
    let label = if f.label.is_some() { format!("{alias}.id IN {LABEL_SET}") } else { "?4 IS NULL".into() };
    format!("{agent} AND {label}")
}

/// The buckets covering `[from, to)`: `[b0, b1)`.
fn bucket_range(from: i64, to: i64) -> (i64, i64) {
    (from.div_euclid(BUCKET_MS), (to + BUCKET_MS - 1).div_euclid(BUCKET_MS))
}

/// Live chats started (created), per bucket; with an agent, those they handled. Unfiltered from
/// `report_buckets`, an agent's from `report_handlers`, a label's from its chats.
fn started(conn: &Connection, from: i64, to: i64, f: Filter) -> Result<Vec<(i64, i64)>> {
    if f.label.is_none() {
        return match f.agent {
            None => {
                let (b0, b1) = bucket_range(from, to);
                let sql = "SELECT bucket, started FROM report_buckets WHERE bucket >= ?1 AND bucket < ?2 AND started > 0 AND ?3 IS NULL AND ?4 IS NULL";
                buckets(conn, sql, b0, b1, f)
            }
            Some(_) => buckets(
                conn,
                &format!(
                    "SELECT started_at / {BUCKET_MS}, count(*) FROM report_handlers
                     WHERE user_id = ?3 AND started_at >= ?1 AND started_at < ?2 AND ?4 IS NULL GROUP BY 1"
                ),
                from,
                to,
                f,
            ),
        };
    }
    let sql = format!(
        "SELECT c.created_at / {BUCKET_MS}, count(*) FROM conversations c
         WHERE c.kind = 'live_chat' AND c.created_at >= ?1 AND c.created_at < ?2 AND {} GROUP BY 1",
        narrow("c", f)
    );
    buckets(conn, &sql, from, to, f)
}

/// The filter's terms for a closing `k`: credited to the agent, its chat carrying the label.
fn narrow_closing(f: Filter) -> String {
    let agent = if f.agent.is_some() { "k.agent_id = ?3" } else { "?3 IS NULL" };
    let label = if f.label.is_some() { format!("k.conversation_id IN {LABEL_SET}") } else { "?4 IS NULL".into() };
    format!("{agent} AND {label}")
}

/// Reopenings per bucket (a closed chat opened again, by the customer writing or an agent).
pub fn reopened(conn: &Connection, from: i64, to: i64, f: Filter) -> Result<Vec<(i64, i64)>> {
    let sql = format!(
        "SELECT k.reopened_at / {BUCKET_MS}, count(*) FROM closings k WHERE k.reopened_at >= ?1 AND k.reopened_at < ?2 AND {} GROUP BY 1",
        narrow_closing(f)
    );
    buckets(conn, &sql, from, to, f)
}

/// What happened in a 15-minute bucket: live chats started, customers' and agents' messages.
pub struct Activity {
    pub bucket: i64,
    pub started: i64,
    pub customers: i64,
    pub agents: i64,
}

/// Starts and messages per bucket. Unfiltered: one read of `report_buckets`, which holds both;
/// filtered: `started` and `messages`, one row each.
pub fn activity(conn: &Connection, from: i64, to: i64, f: Filter) -> Result<Vec<Activity>> {
    if f.agent.is_none() && f.label.is_none() {
        let (b0, b1) = bucket_range(from, to);
        let mut st = conn.prepare_cached(
            "SELECT bucket, started, customer_messages, agent_messages FROM report_buckets
             WHERE bucket >= ?1 AND bucket < ?2 AND (started > 0 OR customer_messages > 0 OR agent_messages > 0)",
        )?;
        let rows =
            st.query_map([b0, b1], |r| Ok(Activity { bucket: r.get(0)?, started: r.get(1)?, customers: r.get(2)?, agents: r.get(3)? }))?;
        return Ok(rows.collect::<rusqlite::Result<_>>()?);
    }
    let mut out: Vec<Activity> =
        started(conn, from, to, f)?.into_iter().map(|(bucket, n)| Activity { bucket, started: n, customers: 0, agents: 0 }).collect();
    out.extend(messages(conn, from, to, f)?.into_iter().map(|(bucket, customers, agents)| Activity {
        bucket,
        started: 0,
        customers,
        agents,
    }));
    Ok(out)
}

/// Messages per bucket: `(bucket, from customers, from agents)`. With an agent: the customers'
/// messages in chats they handled and their own replies. Unfiltered from `report_buckets`, the
/// agent's own replies from `message_counts`; the rest from the messages of the chats concerned.
fn messages(conn: &Connection, from: i64, to: i64, f: Filter) -> Result<Vec<(i64, i64, i64)>> {
    let (b0, b1) = bucket_range(from, to);
    let rows = |sql: &str, p: &[&dyn rusqlite::ToSql]| -> Result<Vec<(i64, i64, i64)>> {
        let mut st = conn.prepare_cached(sql)?;
        let rows = st.query_map(p, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    match (f.agent, f.label) {
        (None, None) => rows(
            "SELECT bucket, customer_messages, agent_messages FROM report_buckets
             WHERE bucket >= ?1 AND bucket < ?2 AND (customer_messages > 0 OR agent_messages > 0)",
            &[&b0, &b1],
        ),
        (Some(agent), None) => {
            let mut out = rows(
                "SELECT bucket, 0, n FROM message_counts WHERE author_kind = 'user' AND author_id = ?3 AND bucket >= ?1 AND bucket < ?2",
                &[&b0, &b1, &agent],
            )?;
            out.extend(rows(
                &format!(
                    "SELECT m.created_at / {BUCKET_MS}, count(*), 0 FROM messages m
                     WHERE m.conversation_id IN {HANDLED_SET}
                       AND m.author_kind = 'customer' AND m.created_at >= ?1 AND m.created_at < ?2
                     GROUP BY 1"
                ),
                &[&from, &to, &agent],
            )?);
            Ok(out)
        }
        (agent, Some(label)) => rows(
            &format!(
                "SELECT m.created_at / {BUCKET_MS}, sum(m.author_kind = 'customer'), sum(m.author_kind = 'user') FROM messages m
                 WHERE m.conversation_id IN (SELECT l.conversation_id FROM conversation_labels l JOIN conversations c ON c.id = l.conversation_id
                                             WHERE l.label_id = ?4 AND c.kind = 'live_chat' AND {HANDLED})
                   AND m.created_at >= ?1 AND m.created_at < ?2 AND m.note = 0
                   AND (m.author_kind = 'customer' OR (m.author_kind = 'user' AND (?3 IS NULL OR m.author_id = ?3)))
                 GROUP BY 1"
            ),
            &[&from, &to, &agent, &label],
        ),
    }
}

/// Messages counted for reports over one group commit (`db::writer`), added to `message_counts` and
/// `report_buckets` in one upsert per bucket and author just before the group's COMMIT, instead of a
/// trigger's two upserts per message: a customer's or an agent's message (not a note) in a live chat.
#[derive(Default)]
pub struct Tally(Vec<(i64, bool, i64)>);

impl Tally {
    /// A message at `at`, from the customer or else from agent `agent`.
    pub fn message(&mut self, at: i64, customer: bool, agent: i64) {
        self.0.push((at / BUCKET_MS, customer, if customer { 0 } else { agent }));
    }

    pub(super) fn len(&self) -> usize {
        self.0.len()
    }

    /// Forget what was counted after the first `n` (a job that failed).
    pub(super) fn truncate(&mut self, n: usize) {
        self.0.truncate(n);
    }

    /// Add what was counted, in the caller's transaction, and start again from nothing.
    pub(super) fn flush(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        self.0.sort_unstable();
        let mut counts = conn.prepare_cached(
            "INSERT INTO message_counts (bucket, author_kind, author_id, n) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (bucket, author_kind, author_id) DO UPDATE SET n = n + excluded.n",
        )?;
        let mut buckets = conn.prepare_cached(
            "INSERT INTO report_buckets (bucket, customer_messages, agent_messages) VALUES (?1, ?2, ?3)
             ON CONFLICT (bucket) DO UPDATE SET customer_messages = customer_messages + excluded.customer_messages,
                                                agent_messages = agent_messages + excluded.agent_messages",
        )?;
        let (mut i, mut bucket_sums) = (0, (0, 0));
        while i < self.0.len() {
            let key = self.0[i];
            let n = self.0[i..].iter().take_while(|k| **k == key).count();
            let (bucket, customer, agent) = key;
            counts.execute(params![bucket, if customer { "customer" } else { "user" }, agent, n as i64])?;
            if customer {
                bucket_sums.0 += n as i64
            } else {
                bucket_sums.1 += n as i64
            }
            i += n;
            if self.0.get(i).is_none_or(|k| k.0 != bucket) {
                buckets.execute(params![bucket, bucket_sums.0, bucket_sums.1])?;
                bucket_sums = (0, 0);
            }
        }
        self.0.clear();
        Ok(())
    }
}

/// Conversation `id` is about to be deleted (retention): its messages stop counting.
pub fn uncount(conn: &Connection, id: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE message_counts SET n = n - x.k
         FROM (SELECT m.created_at / 900000 AS b, m.author_kind AS a, CASE WHEN m.author_kind = 'user' THEN coalesce(m.author_id, 0) ELSE 0 END AS u, count(*) AS k
               FROM messages m JOIN conversations c ON c.id = m.conversation_id
               WHERE m.conversation_id = ?1 AND c.kind = 'live_chat' AND m.author_kind IN ('customer', 'user') AND m.note = 0
               GROUP BY 1, 2, 3) AS x
         WHERE message_counts.bucket = x.b AND message_counts.author_kind = x.a AND message_counts.author_id = x.u",
    )?
    .execute([id])?;
    // The per-bucket totals: its messages, and its start. (`report_handlers` goes by the cascade.)
    conn.prepare_cached(
        "UPDATE report_buckets SET customer_messages = customer_messages - x.cu, agent_messages = agent_messages - x.ag
         FROM (SELECT m.created_at / 900000 AS b, sum(m.author_kind = 'customer') AS cu, sum(m.author_kind = 'user') AS ag
               FROM messages m JOIN conversations c ON c.id = m.conversation_id
               WHERE m.conversation_id = ?1 AND c.kind = 'live_chat' AND m.author_kind IN ('customer', 'user') AND m.note = 0
               GROUP BY 1) AS x
         WHERE report_buckets.bucket = x.b",
    )?
    .execute([id])?;
    conn.prepare_cached(
        "UPDATE report_buckets SET started = started - 1
         WHERE bucket = (SELECT created_at / 900000 FROM conversations WHERE id = ?1 AND kind = 'live_chat')",
    )?
    .execute([id])?;
    Ok(())
}

/// One conversation's first response: when the customer first wrote, when (and by whom) the desk
/// first replied (`None`: not yet).
pub struct FirstResponse {
    pub asked_at: i64,
    pub replied_at: Option<i64>,
    pub by: Option<i64>,
}

/// Live chats whose customer first wrote in the range; with an agent, those they answered first.
pub fn first_responses(conn: &Connection, from: i64, to: i64, f: Filter) -> Result<Vec<FirstResponse>> {
    let label = if f.label.is_some() { format!("c.id IN {LABEL_SET}") } else { "?4 IS NULL".into() };
    let agent = if f.agent.is_some() { "c.first_reply_by = ?3" } else { "?3 IS NULL" };
    let sql = format!(
        "SELECT c.first_customer_at, c.first_reply_at, c.first_reply_by FROM conversations c
         WHERE c.kind = 'live_chat' AND c.first_customer_at >= ?1 AND c.first_customer_at < ?2 AND {agent} AND {label}"
    );
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map(params![from, to, f.agent, f.label], |r| {
        Ok(FirstResponse { asked_at: r.get(0)?, replied_at: r.get(1)?, by: r.get(2)? })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A closing in the range: when, how long its stretch was open, who it is credited to, its rating.
pub struct ClosingRow {
    pub closed_at: i64,
    pub duration: i64,
    pub agent: Option<i64>,
    /// `stars` or `thumbs` (`None`: not asked); a year holds 100,000 of these, so not an owned string.
    pub scale: Option<&'static str>,
    pub score: Option<i64>,
}

/// Every closing in the range, handed to `each` as it is read (from the index alone when
/// unfiltered): a year's 100,000 are counted in one pass, not collected first.
pub fn closings(conn: &Connection, from: i64, to: i64, f: Filter, mut each: impl FnMut(ClosingRow)) -> Result<()> {
    let sql = format!(
        "SELECT k.closed_at, k.closed_at - k.opened_at, k.agent_id, k.csat_scale, k.csat_score FROM closings k
         WHERE k.closed_at >= ?1 AND k.closed_at < ?2 AND {}",
        narrow_closing(f)
    );
    let mut st = conn.prepare_cached(&sql)?;
    let mut rows = st.query(params![from, to, f.agent, f.label])?;
    while let Some(r) = rows.next()? {
        let scale = match r.get_ref(3)? {
            ValueRef::Null => None,
            ValueRef::Text(b"thumbs") => Some("thumbs"),
            _ => Some("stars"),
        };
        each(ClosingRow { closed_at: r.get(0)?, duration: r.get(1)?, agent: r.get(2)?, scale, score: r.get(4)? });
    }
    Ok(())
}

/// A comment left with a rating.
pub struct Comment {
    pub conversation_id: i64,
    pub customer: String,
    pub agent: Option<String>,
    pub scale: String,
    pub score: i64,
    pub comment: String,
    pub rated_at: i64,
}

/// The latest comments on closings in the range, newest first: chosen from the covering index
/// `closings_commented` (a year holds ~10,000), then only those read.
pub fn comments(conn: &Connection, from: i64, to: i64, f: Filter, limit: i64) -> Result<Vec<Comment>> {
    let sql = format!(
        "SELECT x.conversation_id, coalesce(cu.name, ''), u.name, x.csat_scale, x.csat_score, x.csat_comment, x.csat_rated_at
         FROM closings x LEFT JOIN customers cu ON cu.id = x.customer_id LEFT JOIN users u ON u.id = x.agent_id
         WHERE x.id IN (SELECT k.id FROM closings k
                        WHERE k.closed_at >= ?1 AND k.closed_at < ?2 AND k.csat_comment <> '' AND k.csat_score IS NOT NULL AND {}
                        ORDER BY k.csat_rated_at DESC, k.id DESC LIMIT ?5)
         ORDER BY x.csat_rated_at DESC, x.id DESC",
        narrow_closing(f)
    );
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map(params![from, to, f.agent, f.label, limit], |r| {
        Ok(Comment {
            conversation_id: r.get(0)?,
            customer: r.get(1)?,
            agent: r.get(2)?,
            scale: r.get(3)?,
            score: r.get(4)?,
            comment: r.get(5)?,
            rated_at: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Live chats started in the range that each agent handled (took part in, or has): `(agent, count)`,
/// the per-agent table's "handled", equal to "started" in that agent's own report. One index range
/// per agent (`report_handlers_user`), not a probe per conversation.
pub fn handled(conn: &Connection, from: i64, to: i64, f: Filter) -> Result<Vec<(i64, i64)>> {
    let label = if f.label.is_some() { format!("h.conversation_id IN {LABEL_SET}") } else { "?4 IS NULL".into() };
    let agent = if f.agent.is_some() { "u.id = ?3" } else { "?3 IS NULL" };
    let sql = format!(
        "SELECT id, n FROM (
             SELECT u.id, (SELECT count(*) FROM report_handlers h WHERE h.user_id = u.id AND h.started_at >= ?1 AND h.started_at < ?2 AND {label}) AS n
             FROM users u WHERE {agent})
         WHERE n > 0"
    );
    buckets(conn, &sql, from, to, f)
}

/// Agents' names by id (the per-agent table), every agent who ever had an account.
pub fn agent_names(conn: &Connection) -> Result<Vec<(i64, String)>> {
    let mut st = conn.prepare_cached("SELECT id, name FROM users ORDER BY name, id")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
