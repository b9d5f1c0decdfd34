//! Sliding-window rate limits kept in memory: at most `max` actions per key in `window_ms`. Nothing
//! here needs to survive a restart, and checking must cost nothing next to the work it guards
//! (a message's write job), so no SQL.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

pub struct RateLimiter {
    enabled: bool,
    hits: Mutex<HashMap<String, VecDeque<i64>>>,
}

/// Keys are forgotten after this long without a hit (longer than any window in use).
const KEEP_MS: i64 = 3_600_000;

impl RateLimiter {
    pub fn new(enabled: bool) -> RateLimiter {
        RateLimiter { enabled, hits: Mutex::new(HashMap::new()) }
    }

    /// Count one action under `key` at `now_ms`, unless `max` were already counted in the last
    /// `window_ms`: then `Some(seconds until one expires)` and nothing is counted.
    pub fn hit(&self, key: &str, window_ms: i64, max: usize, now_ms: i64) -> Option<u64> {
        if !self.enabled {
            return None;
        }
        let mut map = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, q| q.back().is_some_and(|t| now_ms - t < KEEP_MS));
        }
        let q = map.entry(key.to_string()).or_default();
        while q.front().is_some_and(|t| now_ms - t >= window_ms) {
            q.pop_front();
        }
        if q.len() >= max {
            let oldest = q.front().copied().unwrap_or(now_ms);
            return Some(((oldest + window_ms - now_ms).max(1000) / 1000) as u64);
        }
        q.push_back(now_ms);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::RateLimiter;

    #[test]
    fn sliding_window() {
        let r = RateLimiter::new(true);
        assert_eq!(r.hit("a", 10_000, 2, 0), None);
        assert_eq!(r.hit("a", 10_000, 2, 1_000), None);
        assert_eq!(r.hit("a", 10_000, 2, 2_000), Some(8));
        assert_eq!(r.hit("b", 10_000, 2, 2_000), None, "keys are separate");
        assert_eq!(r.hit("a", 10_000, 2, 10_000), None, "the first hit expired");
        assert_eq!(RateLimiter::new(false).hit("a", 1, 0, 0), None);
    }
}
