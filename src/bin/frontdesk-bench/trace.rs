//! `BENCH_DEBUG` only: when each message was sent and acked, and who received it when (µs since the
//! drivers' epoch), to say exactly which frames a lossy run missed (`tail::explain_losses`).

use std::collections::HashMap;

#[derive(Default)]
pub struct Trace {
    pub sent_at: HashMap<u64, (usize, u64)>,
    pub acked_at: HashMap<u64, u64>,
    /// Receipts: (conn, when, the event's position).
    pub got: HashMap<u64, Vec<(usize, u64, i64)>>,
    pub closed: Vec<(usize, u64, String)>,
    /// `resumed` answers that reached a driver: (conn, when, the position it went live after).
    pub resumed: Vec<(usize, u64, i64)>,
}

impl Trace {
    pub fn merge(&mut self, o: Trace) {
        self.sent_at.extend(o.sent_at);
        self.acked_at.extend(o.acked_at);
        for (k, v) in o.got {
            self.got.entry(k).or_default().extend(v);
        }
        self.closed.extend(o.closed);
        self.resumed.extend(o.resumed);
    }
}
