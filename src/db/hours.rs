//! Business hours and the help desk's effective online state ([S12]). Pure functions of the
//! settings, a time and the number of connected agents: no SQL, no clock of its own (callers pass
//! `app.clock.now_ms()`), so tests move time instead of sleeping. Time zones come from jiff's bundled
//! tz database, so a host without /usr/share/zoneinfo validates them the same way.

use jiff::Timestamp;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::settings::Settings;
use crate::error::{Error, Result};

/// One opening period on one weekday, local to the configured time zone. `end` may be `24:00`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Period {
    /// `mon` … `sun`.
    pub day: String,
    /// `HH:MM`.
    pub start: String,
    pub end: String,
}

pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_NAMES: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

fn day_index(d: &str) -> Option<usize> {
    DAYS.iter().position(|x| *x == d)
}

/// Minutes since midnight of `HH:MM` (`24:00` allowed as an end only).
fn minutes(t: &str, end: bool) -> Option<u32> {
    let (h, m) = t.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) if end => Some(24 * 60),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

pub fn time_zone(name: &str) -> Result<TimeZone> {
    TimeZone::get(name)
        .map_err(|_| Error::new(422, format!("timezone: '{name}' is not a known time zone (e.g. Europe/Lisbon, America/New_York, UTC)")))
}

/// The time zone exists; every period is a real weekday and time, starts before it ends, and does
/// not overlap another period of the same day.
pub fn validate(tz: &str, periods: &[Period], enabled: bool) -> Result<()> {
    let field = |msg: String| Err(Error::new(422, format!("hours: {msg}")));
    time_zone(tz)?;
    if periods.len() > 70 {
        return field("at most 70 periods".into());
    }
    let mut spans: Vec<(usize, u32, u32)> = Vec::new();
    for p in periods {
        let Some(d) = day_index(&p.day) else {
            return field(format!("'{}' is not a weekday (use mon, tue, wed, thu, fri, sat, sun)", p.day));
        };
        let (Some(s), Some(e)) = (minutes(&p.start, false), minutes(&p.end, true)) else {
            return field(format!("{} {}–{}: times must be HH:MM, from 00:00 to 24:00", DAY_NAMES[d], p.start, p.end));
        };
        if s >= e {
            return field(format!("{} {}–{}: the start must be before the end", DAY_NAMES[d], p.start, p.end));
        }
        if let Some(o) = spans.iter().find(|(od, os, oe)| *od == d && s < *oe && *os < e) {
            let hm = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
            return field(format!("{} {}–{} overlaps {}–{}", DAY_NAMES[d], p.start, p.end, hm(o.1), hm(o.2)));
        }
        spans.push((d, s, e));
    }
    if enabled && periods.is_empty() {
        return field("add at least one opening period, or turn business hours off".into());
    }
    Ok(())
}

fn weekday_index(w: Weekday) -> usize {
    w.to_monday_zero_offset() as usize
}

/// A local date and minute in `tz` as Unix milliseconds (a time skipped by a DST jump moves forward).
fn at(tz: &TimeZone, date: Date, minute: u32) -> Option<i64> {
    let (date, minute) = if minute == 24 * 60 { (date.tomorrow().ok()?, 0) } else { (date, minute) };
    let dt = date.at((minute / 60) as i8, (minute % 60) as i8, 0, 0);
    Some(tz.to_timestamp(dt).ok()?.as_millisecond())
}

/// Every opening period as `[start, end)` in Unix ms, for the local days from yesterday to a week ahead.
fn windows(tz: &TimeZone, periods: &[Period], now_ms: i64) -> Vec<(i64, i64)> {
    let Ok(now) = Timestamp::from_millisecond(now_ms) else {
        return Vec::new();
    };
    let today = tz.to_datetime(now).date();
    let mut out = Vec::new();
    for offset in -1i32..=8 {
        let Ok(date) = today.checked_add(jiff::Span::new().days(offset)) else { continue };
        let wd = weekday_index(date.weekday());
        for p in periods.iter().filter(|p| day_index(&p.day) == Some(wd)) {
            if let (Some(s), Some(e)) = (minutes(&p.start, false), minutes(&p.end, true))
                && let (Some(a), Some(b)) = (at(tz, date, s), at(tz, date, e))
            {
                out.push((a, b));
            }
        }
    }
    out
}

/// Whether `now` falls inside business hours, and the next time that answer changes.
pub fn open_at(tz_name: &str, periods: &[Period], now_ms: i64) -> (bool, Option<i64>) {
    let Ok(tz) = time_zone(tz_name) else {
        return (true, None);
    };
    let w = windows(&tz, periods, now_ms);
    let open = w.iter().any(|(a, b)| *a <= now_ms && now_ms < *b);
    // Adjacent periods (17:00–24:00 then 00:00–02:00) are one stretch: skip boundaries that do not flip.
    let mut edges: Vec<i64> = w.iter().flat_map(|(a, b)| [*a, *b]).filter(|t| *t > now_ms).collect();
    edges.sort_unstable();
    let next = edges.into_iter().find(|t| w.iter().any(|(a, b)| *a <= *t && *t < *b) != open);
    (open, next)
}

/// The help desk's effective state: what customers see, and why.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Status {
    pub online: bool,
    /// `manual` (the switch), `override` (the switch, until the next business-hours boundary),
    /// `business_hours`, `outside_business_hours`, or `no_agents`.
    pub reason: &'static str,
    /// A short text for people: "online", "offline — outside business hours", ….
    pub label: String,
    /// When the state will change by itself (a business-hours boundary), if known.
    pub until: Option<i64>,
}

/// Evaluate the rules in order: the manual switch (or its override, while it lasts), business
/// hours, then "offline when no agent is connected".
pub fn status(s: &Settings, now_ms: i64, agents_online: usize) -> Status {
    let (mut online, mut reason, until) = if s.hours_enabled {
        let (open, next) = open_at(&s.timezone, &s.hours, now_ms);
        if s.override_until > now_ms {
            (s.online, "override", Some(s.override_until))
        } else {
            (open, if open { "business_hours" } else { "outside_business_hours" }, next)
        }
    } else {
        (s.online, "manual", None)
    };
    if online && s.offline_when_no_agents && agents_online == 0 {
        online = false;
        reason = "no_agents";
    }
    let label = match (online, reason) {
        (true, "override") => "online — switched on until the next business-hours change",
        (true, _) => "online",
        (false, "outside_business_hours") => "offline — outside business hours",
        (false, "no_agents") => "offline — no agent connected",
        (false, "override") => "offline — switched off until the next business-hours change",
        (false, _) => "offline",
    };
    Status { online, reason, label: label.into(), until }
}

/// When the manual switch is used while business hours are on, it holds until the next boundary.
pub fn override_until(s: &Settings, now_ms: i64) -> i64 {
    if !s.hours_enabled {
        return 0;
    }
    open_at(&s.timezone, &s.hours, now_ms).1.unwrap_or(now_ms + 7 * 24 * 3600 * 1000)
}

/// The opening periods between two times as merged `[start, end)` spans in Unix ms, sorted (reports
/// count a first response's waiting time only while the desk was open).
pub fn open_spans(tz_name: &str, periods: &[Period], from_ms: i64, to_ms: i64) -> Vec<(i64, i64)> {
    let (Ok(tz), Ok(a), Ok(b)) = (time_zone(tz_name), Timestamp::from_millisecond(from_ms), Timestamp::from_millisecond(to_ms)) else {
        return Vec::new();
    };
    let (first, last) = (tz.to_datetime(a).date(), tz.to_datetime(b).date());
    let mut out: Vec<(i64, i64)> = Vec::new();
    let mut date = first.yesterday().unwrap_or(first);
    while date <= last {
        let wd = weekday_index(date.weekday());
        for p in periods.iter().filter(|p| day_index(&p.day) == Some(wd)) {
            if let (Some(s), Some(e)) = (minutes(&p.start, false), minutes(&p.end, true))
                && let (Some(a), Some(b)) = (at(&tz, date, s), at(&tz, date, e))
                && a < b
            {
                out.push((a, b));
            }
        }
        let Ok(next) = date.tomorrow() else { break };
        date = next;
    }
    out.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(out.len());
    for (a, b) in out {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}
