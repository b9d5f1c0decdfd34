//! Reports (issue 20): for a range of days in the desk's time zone, and optionally one agent or one
//! label, the figures a team lead asks for first. The SQL is `db::reports`; here are the rules: which
//! days a range covers, who may see what (an admin everything; an agent only their own work), how a
//! 15-minute bucket falls into a local day and hour, percentiles (nearest rank), and first response
//! times that count only the hours the desk was open when business hours are on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use crate::app::App;
use crate::db::reports::{self as sql, BUCKET_MS, Filter};
use crate::db::users::User;
use crate::db::{self, hours};
use crate::error::{Error, Result};

/// The longest custom range, in days.
pub const MAX_DAYS: i64 = 400;
/// How many comments a report lists.
const COMMENTS: i64 = 10;
/// One report computed at a time. A year's report keeps a core busy for ~0.1 s; two at once took
/// both cores of the benchmark's machine and a customer's send waited for CPU (its p95 rose). A
/// second report waits here for the first, on a reader thread, and the writer keeps a core.
static GATE: Mutex<()> = Mutex::new(());

/// What a report is asked for: `range` (`today`, `7d`, `30d`, `custom` with `from` and `to`,
/// inclusive `YYYY-MM-DD` dates), and optionally `agent` and `label` ids.
#[derive(Clone, Debug, Default)]
pub struct Query {
    pub range: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub agent: Option<i64>,
    pub label: Option<i64>,
}

/// The local days a report covers, and the instants they start and end.
pub struct Days {
    pub tz: TimeZone,
    pub first: Date,
    /// The start of each day and, last, the end of the range (Unix ms): `days + 1` boundaries.
    pub bounds: Vec<i64>,
}

fn parse_date(field: &str, s: &str) -> Result<Date> {
    s.parse::<Date>().map_err(|_| Error::new(422, format!("{field}: a date like 2026-11-30")))
}

fn start_of(tz: &TimeZone, d: Date) -> Result<i64> {
    Ok(tz
        .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
        .map_err(|e| Error::internal(format!("time zone: {e}")))?
        .as_millisecond())
}

/// The days of `q.range` in time zone `tz_name`, today being the local date at `now_ms`.
pub fn days(tz_name: &str, now_ms: i64, q: &Query) -> Result<Days> {
    let tz = hours::time_zone(tz_name).unwrap_or(TimeZone::UTC);
    let now = Timestamp::from_millisecond(now_ms).map_err(|e| Error::internal(format!("clock: {e}")))?;
    let today = tz.to_datetime(now).date();
    let back = |n: i64| today.checked_sub(jiff::Span::new().days(n)).map_err(|e| Error::internal(format!("date: {e}")));
    let (first, last) = match q.range.as_str() {
        "today" => (today, today),
        "" | "7d" => (back(6)?, today),
        "30d" => (back(29)?, today),
        "custom" => {
            let from = parse_date("from", q.from.as_deref().unwrap_or(""))?;
            let to = parse_date("to", q.to.as_deref().unwrap_or(""))?;
            if to < from {
                return Err(Error::new(422, "to: the last day must not be before the first"));
            }
            (from, to)
        }
        other => return Err(Error::new(422, format!("range: '{other}' is not one of today, 7d, 30d, custom"))),
    };
    let mut bounds = Vec::new();
    let mut d = first;
    while d <= last {
        if bounds.len() as i64 >= MAX_DAYS {
            return Err(Error::new(422, format!("range: at most {MAX_DAYS} days")));
        }
        bounds.push(start_of(&tz, d)?);
        d = d.tomorrow().map_err(|e| Error::internal(format!("date: {e}")))?;
    }
    bounds.push(start_of(&tz, d)?);
    Ok(Days { tz, first, bounds })
}

impl Days {
    fn start(&self) -> i64 {
        self.bounds[0]
    }
    fn end(&self) -> i64 {
        self.bounds[self.bounds.len() - 1]
    }
    fn count(&self) -> usize {
        self.bounds.len() - 1
    }
    /// The day (index) a bucket falls in.
    fn day_of(&self, bucket: i64) -> Option<usize> {
        let t = bucket * BUCKET_MS;
        let i = self.bounds.partition_point(|b| *b <= t);
        (i >= 1 && i <= self.count()).then(|| i - 1)
    }
    /// Monday-first weekday (0–6) and hour (0–23) of a bucket, local.
    fn weekday_hour(&self, bucket: i64) -> Option<(usize, usize)> {
        let dt = self.tz.to_datetime(Timestamp::from_millisecond(bucket * BUCKET_MS).ok()?);
        Some((dt.weekday().to_monday_zero_offset() as usize, dt.hour() as usize))
    }
    fn date(&self, i: usize) -> String {
        self.first.checked_add(jiff::Span::new().days(i as i64)).map(|d| d.to_string()).unwrap_or_default()
    }
}

/// The value at quantile `p` (0–1] of `values` by nearest rank: the smallest value with at least
/// `p` of the values at or below it. `None` for no values. Selects in linear time (reordering
/// `values`), not a sort: a year holds 100,000 closings.
pub fn nearest_rank(values: &mut [i64], p: f64) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let rank = ((p * values.len() as f64).ceil() as usize).clamp(1, values.len());
    Some(*values.select_nth_unstable(rank - 1).1)
}

fn spread(mut v: Vec<i64>) -> Value {
    let (median, p90) = (nearest_rank(&mut v, 0.5), nearest_rank(&mut v, 0.9));
    json!({"count": v.len(), "median_ms": median, "p90_ms": p90})
}

/// Time the desk was open between `a` and `b`, given merged opening spans (sorted).
fn open_between(spans: &[(i64, i64)], a: i64, b: i64) -> i64 {
    let start = spans.partition_point(|s| s.1 <= a);
    let mut total = 0;
    for (s, e) in &spans[start..] {
        if *s >= b {
            break;
        }
        total += (*e).min(b) - (*s).max(a);
    }
    total
}

/// Satisfaction over some closings, counted one closing at a time: asked, answered, average stars,
/// share satisfied (4–5 stars or thumbs up), and how the answers spread.
#[derive(Default)]
struct Tally {
    closed: i64,
    asked: i64,
    rated: i64,
    stars: [i64; 5],
    stars_sum: i64,
    happy: i64,
    up: i64,
    down: i64,
}

impl Tally {
    fn add(&mut self, k: &sql::ClosingRow) {
        self.closed += 1;
        let Some(scale) = k.scale else { return };
        self.asked += 1;
        let Some(score) = k.score else { return };
        self.rated += 1;
        if scale == "thumbs" {
            if score == 1 {
                self.up += 1
            } else {
                self.down += 1
            }
            self.happy += score;
        } else {
            self.stars[(score.clamp(1, 5) - 1) as usize] += 1;
            self.stars_sum += score;
            self.happy += (score >= 4) as i64;
        }
    }

    fn json(&self) -> Value {
        let starred: i64 = self.stars.iter().sum();
        let ratio = |a: i64, b: i64| if b == 0 { Value::Null } else { json!(a as f64 / b as f64) };
        json!({
            "asked": self.asked, "rated": self.rated, "response_rate": ratio(self.rated, self.asked),
            "average": ratio(self.stars_sum, starred), "satisfied": ratio(self.happy, self.rated),
            "stars": self.stars, "thumbs": {"up": self.up, "down": self.down},
        })
    }
}

/// The report `q` as `user` may see it: an admin any agent's or everyone's, an agent only their own
/// (asking for someone else's is a `403`).
pub fn report(app: &Arc<App>, user: &User, mut q: Query) -> Result<Value> {
    if !user.is_admin() {
        match q.agent {
            Some(id) if id != user.id => return Err(Error::forbidden("You can see only your own reports.")),
            _ => q.agent = Some(user.id),
        }
    }
    let s = app.settings();
    let d = days(&s.timezone, app.clock.now_ms(), &q)?;
    let f = Filter { agent: q.agent, label: q.label };
    let (from, to) = (d.start(), d.end());
    let hours_on = s.hours_enabled;
    let _turn = GATE.lock().unwrap_or_else(|e| e.into_inner());
    app.db.read(|conn| {
        let n = d.count();
        let mut per_day = vec![[0i64; 5]; n];
        let mut heat = vec![[0i64; 24]; 7];
        for a in sql::activity(conn, from, to, f)? {
            if let Some(i) = d.day_of(a.bucket) {
                per_day[i][0] += a.started;
                per_day[i][3] += a.customers;
                per_day[i][4] += a.agents;
            }
            if a.customers > 0
                && let Some((wd, h)) = d.weekday_hour(a.bucket)
            {
                heat[wd][h] += a.customers;
            }
        }
        // Closings are read once, in one pass: per day, times to close, ratings overall and per agent.
        let mut durations = Vec::new();
        let mut csat_all = Tally::default();
        let mut credited_to: HashMap<i64, Tally> = HashMap::new();
        sql::closings(conn, from, to, f, |k| {
            if let Some(i) = d.day_of(k.closed_at.div_euclid(BUCKET_MS)) {
                per_day[i][1] += 1;
            }
            durations.push(k.duration);
            csat_all.add(&k);
            if let Some(a) = k.agent {
                credited_to.entry(a).or_default().add(&k);
            }
        })?;
        for (b, n) in sql::reopened(conn, from, to, f)? {
            if let Some(i) = d.day_of(b) {
                per_day[i][2] += n;
            }
        }
        let names = ["started", "closed", "reopened", "customer_messages", "agent_messages"];
        let mut totals = [0i64; 5];
        let days: Vec<Value> = per_day
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let mut o = json!({"date": d.date(i)});
                for (k, v) in names.iter().zip(row) {
                    o[*k] = json!(v);
                }
                for (t, v) in totals.iter_mut().zip(row) {
                    *t += v;
                }
                o
            })
            .collect();
        let totals: serde_json::Map<String, Value> = names.iter().zip(totals).map(|(k, v)| (k.to_string(), json!(v))).collect();

        // First responses: waiting time, counting only open hours when business hours are on.
        let frs = sql::first_responses(conn, from, to, f)?;
        let spans = match (hours_on, frs.iter().filter_map(|r| r.replied_at).max()) {
            (true, Some(last)) => hours::open_spans(&s.timezone, &s.hours, from, last.max(to)),
            _ => Vec::new(),
        };
        let wait = |a: i64, b: i64| if hours_on { open_between(&spans, a, b.max(a)) } else { (b - a).max(0) };
        let mut by_agent: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut waits = Vec::new();
        let mut unanswered = 0;
        for r in &frs {
            match r.replied_at {
                Some(at) => {
                    let w = wait(r.asked_at, at);
                    waits.push(w);
                    if let Some(by) = r.by {
                        by_agent.entry(by).or_default().push(w);
                    }
                }
                None => unanswered += 1,
            }
        }
        let mut first_response = spread(waits);
        first_response["unanswered"] = json!(unanswered);
        first_response["business_hours"] = json!(hours_on);

        let time_to_close = spread(durations);
        let mut csat = csat_all.json();
        csat["comments"] = json!(
            sql::comments(conn, from, to, f, COMMENTS)?
                .into_iter()
                .map(|c| json!({"conversation_id": c.conversation_id, "customer": c.customer, "agent": c.agent, "scale": c.scale,
                                "score": c.score, "comment": c.comment, "rated_at": c.rated_at}))
                .collect::<Vec<_>>()
        );

        // Per agent: conversations they wrote in, their first responses, the ratings credited to them.
        let handled: HashMap<i64, i64> = sql::handled(conn, from, to, f)?.into_iter().collect();
        let mut agents = Vec::new();
        for (id, name) in sql::agent_names(conn)? {
            if q.agent.is_some_and(|a| a != id) {
                continue;
            }
            let credited = credited_to.remove(&id).unwrap_or_default();
            let h = handled.get(&id).copied().unwrap_or(0);
            let fr = by_agent.remove(&id).unwrap_or_default();
            if h == 0 && fr.is_empty() && credited.closed == 0 && q.agent.is_none() {
                continue;
            }
            let frs = spread(fr);
            let sat = credited.json();
            agents.push(json!({
                "id": id, "name": name, "handled": h, "closed": credited.closed,
                "first_responses": frs["count"], "first_response_median_ms": frs["median_ms"],
                "csat_rated": sat["rated"], "csat_average": sat["average"], "csat_satisfied": sat["satisfied"],
            }));
        }

        Ok(json!({
            "range": {"range": if q.range.is_empty() { "7d" } else { q.range.as_str() }, "from": d.date(0), "to": d.date(n - 1), "days": n,
                      "start_ms": from, "end_ms": to, "timezone": s.timezone},
            "filter": {"agent": q.agent, "label": q.label},
            "days": days, "totals": totals, "first_response": first_response, "time_to_close": time_to_close,
            "csat": csat, "heatmap": heat, "agents": agents,
            "generated_at": db::now_ms(),
        }))
    })
}
