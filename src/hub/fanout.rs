//! Fan-out: committed events, in commit order, to every socket whose viewer their audience admits.
//!
//! The fan-out thread works in rounds: a round is every event that queued while the last round was
//! being sent (up to `MAX_ROUND`), and each socket gets all of its frames of a round in one
//! `sendmsg`. Under a light load a round is one group commit's events. When sends fall behind —
//! thousands of sockets whose clients stopped reading still take frames into their kernel buffers,
//! a `send` each — the next round is bigger, and its cost grows with sockets, not with sockets ×
//! events (BENCHMARKS.md, "Fan-out in rounds").

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Receiver;

use super::{Conn, Hub, MAX_HELD};
use crate::db::events::{Audience, Event};
use crate::ws::outbox::{Frame, text_frame};

/// Events in one round at most: what queued beyond it waits for the next. A round's share goes to
/// a socket at once, so it should fit in a reader's kernel buffer: measured in the flood (normal
/// readers on a starved load generator), rounds of up to 64 or 1,024 events left readers that keep
/// up with a backlog as large as a dead socket's, and the budget cut some of them (1 of 3 runs and
/// 1 of 1); rounds of 8 cut none (0 of 8 runs) and already take most of the sends off (BENCHMARKS.md).
const MAX_ROUND: usize = 8;

/// The fan-out thread: takes what is queued, publishes it in rounds of `MAX_ROUND` at most.
pub fn run_fanout(hub: Arc<Hub>, rx: Receiver<Vec<Event>>) {
    let mut queued: std::collections::VecDeque<Arc<Event>> = std::collections::VecDeque::new();
    loop {
        if queued.is_empty() {
            let Ok(first) = rx.recv() else { return };
            queued.extend(first.into_iter().map(Arc::new));
        }
        while queued.len() < MAX_ROUND {
            match rx.try_recv() {
                Ok(more) => queued.extend(more.into_iter().map(Arc::new)),
                Err(_) => break,
            }
        }
        let round: Vec<Arc<Event>> = queued.drain(..queued.len().min(MAX_ROUND)).collect();
        hub.publish(&round);
    }
}

/// One socket's share of a round: the events it gets (by index in the round) and their frames.
type Share = Vec<(usize, Frame)>;

impl Conn {
    /// Send its share of a round, skipping events already sent (a resume's replay overlapped
    /// them), or hold them back while it resumes.
    fn deliver(&self, round: &[Arc<Event>], share: &Share) {
        let mut hold = self.resuming.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(q) = hold.as_mut() {
            for (i, _) in share {
                if q.len() >= MAX_HELD {
                    // A client that never resumes: cut it rather than hold events forever.
                    self.outbox.kill();
                    return;
                }
                q.push(round[*i].clone());
            }
            return;
        }
        drop(hold);
        let fresh: Vec<Frame> = share
            .iter()
            .filter(|(i, _)| {
                let id = round[*i].id as u64;
                self.pos.fetch_max(id, Ordering::AcqRel) < id
            })
            .map(|(_, f)| f.clone())
            .collect();
        if !fresh.is_empty() {
            self.outbox.shared_all(&fresh);
        }
    }
}

impl Hub {
    /// Deliver a round of committed events: agents receive each as stored, customers its customer
    /// projection (built once per event, and only if one of its customers is connected). Each
    /// WebSocket frame is encoded once (a server's frames are not masked: the same bytes for every
    /// socket). Customers first, then the agents that keep up, those with a backlog last: a flood
    /// of readers that stopped reading costs the ones that read nothing but the end of the round.
    pub fn publish(&self, round: &[Arc<Event>]) {
        let reg = self.reg.read().unwrap_or_else(|p| p.into_inner());
        let mut customers: HashMap<u64, (&Arc<Conn>, Share)> = HashMap::new();
        for (i, ev) in round.iter().enumerate() {
            let targets: Vec<&Arc<Conn>> = match &ev.audience {
                Audience::Support { customer: Some(cid) } | Audience::Customer { id: cid } => {
                    reg.customers.get(cid).into_iter().flat_map(|m| m.values()).collect()
                }
                Audience::Everyone => reg.customers.values().flat_map(|m| m.values()).collect(),
                _ => Vec::new(),
            };
            if targets.is_empty() {
                continue;
            }
            let Some(text) = (self.customer_frame)(&ev.kind, ev.id, &ev.payload) else { continue };
            let frame: Frame = text_frame(&text).into();
            for c in targets {
                customers.entry(c.outbox.id).or_insert_with(|| (c, Vec::new())).1.push((i, frame.clone()));
            }
        }
        let frames: Vec<Frame> = round.iter().map(|ev| text_frame(&ev.frame()).into()).collect();
        let mut n = 0;
        for (c, share) in customers.values() {
            c.deliver(round, share);
            n += share.len();
        }
        let mut behind = Vec::new();
        // Thousands of sockets cut in a flood stay registered until their clients go: they cost a
        // round one atomic load each.
        for c in reg.agents.values().filter(|c| c.outbox.takes_frames()) {
            let viewer = c.viewer();
            let share: Share =
                round.iter().enumerate().filter(|(_, ev)| ev.audience.admits(&viewer)).map(|(i, _)| (i, frames[i].clone())).collect();
            if share.is_empty() {
                continue;
            }
            n += share.len();
            if c.outbox.keeping_up() {
                c.deliver(round, &share);
            } else {
                behind.push((c, share));
            }
        }
        for (c, share) in behind {
            c.deliver(round, &share);
        }
        self.delivered.fetch_add(n as u64, Ordering::Relaxed);
    }
}
