//! Fan-out: committed events, in commit order, to every socket whose viewer their audience admits.
//!
//! The fan-out thread works in rounds: a round is every event that queued while the last round was
//! being sent (up to `MAX_ROUND`), and each socket gets all of its frames of a round in one
//! `sendmsg`. Under a light load a round is one group commit's events. When sends fall behind —
//! thousands of sockets whose clients stopped reading still take frames into their kernel buffers,
//! a `send` each — the next round is bigger, and its cost grows with sockets, not with sockets ×
//! events (BENCHMARKS.md, "Fan-out in rounds").
//!
//! Agents' sockets whose clients do not show that they read (`Outbox::reading`) go to the
//! **slow lane**: their shares wait here, per socket and in order, and are sent in slices of at
//! least `SLICE` between rounds, until something new is queued. A round therefore reaches the
//! customers and the agents who read within one slice of its commit, however many sockets stopped
//! reading: before, each round waited for its turn behind every earlier round's sends into
//! thousands of kernel buffers that still took frames (the flood's warm-up, seconds). The slow lane
//! only decides *when* a socket is sent to, never *what*: every socket still gets every frame, in
//! order, and the kernel and the backlog budget see the same bytes as before.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use super::{Conn, Hub, MAX_HELD};
use crate::db::events::{Audience, Event};
use crate::ws::keepalive;
use crate::ws::outbox::{Frame, text_frame};

/// Events in one round at most: what queued beyond it waits for the next. A round's share goes to
/// a socket at once, so it should fit in a reader's kernel buffer: measured in the flood (normal
/// readers on a starved load generator), rounds of up to 64 or 1,024 events left readers that keep
/// up with a backlog as large as a dead socket's, and the budget cut some of them (1 of 3 runs and
/// 1 of 1); rounds of 8 cut none (0 of 8 runs) and already take most of the sends off (BENCHMARKS.md).
const MAX_ROUND: usize = 8;

/// Events that may wait in the slow lane for one socket (6 KiB of references at most, 24 bytes
/// each): the lane holds no frame bytes of its own (frames are shared), so what it adds to memory
/// is per socket and bounded by this, outside the backlog budget like the rest of a connection's
/// cost.
const MAX_WAITING: usize = 256;

/// The slow lane's work between two rounds, at least: then it stops as soon as an event is queued.
const SLICE: Duration = Duration::from_millis(2);

/// The fan-out thread: takes what is queued, publishes it in rounds of `MAX_ROUND` at most, and
/// gives the slow lane a slice after each.
pub fn run_fanout(hub: Arc<Hub>, rx: Receiver<Vec<Event>>) {
    let mut queued: VecDeque<Arc<Event>> = VecDeque::new();
    let mut slow = SlowLane::default();
    loop {
        if queued.is_empty() && slow.is_empty() {
            let Ok(first) = rx.recv() else { return };
            queued.extend(first.into_iter().map(Arc::new));
        }
        while queued.len() < MAX_ROUND {
            match rx.try_recv() {
                Ok(more) => queued.extend(more.into_iter().map(Arc::new)),
                Err(_) => break,
            }
        }
        if !queued.is_empty() {
            let round: Vec<Arc<Event>> = queued.drain(..queued.len().min(MAX_ROUND)).collect();
            hub.publish(&round, &mut slow);
        }
        let start = Instant::now();
        slow.work(|| {
            if start.elapsed() < SLICE {
                return false;
            }
            if let Ok(more) = rx.try_recv() {
                queued.extend(more.into_iter().map(Arc::new));
            }
            !queued.is_empty()
        });
    }
}

/// One socket's share of a round: the events it gets and their frames.
type Share = Vec<(Arc<Event>, Frame)>;

/// Shares waiting for sockets in the slow lane, per socket in commit order; sockets in the order
/// they joined the lane. A socket with shares waiting gets every later share here too, so no frame
/// overtakes another.
#[derive(Default)]
pub struct SlowLane {
    waiting: HashMap<u64, (Arc<Conn>, Share)>,
    order: VecDeque<u64>,
}

impl SlowLane {
    fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    fn holds(&self, c: &Conn) -> bool {
        self.waiting.contains_key(&c.outbox.id)
    }

    /// Queue `share` for `c`. Once `MAX_WAITING` shares' events wait for one socket, they go to it
    /// at once instead: into its kernel buffers and backlog, where its cap and the budget see them.
    fn add(&mut self, c: &Arc<Conn>, share: Share) {
        let id = c.outbox.id;
        // `order` may still hold the id of a socket taken out of the lane: it is then processed at
        // the earlier of its two places, and the later finds nothing.
        match self.waiting.get_mut(&id) {
            Some((_, waiting)) => {
                waiting.extend(share);
                if waiting.len() >= MAX_WAITING {
                    c.deliver(&self.take(c), false);
                }
            }
            None => {
                self.waiting.insert(id, (c.clone(), share));
                self.order.push_back(id);
                // Places left by sockets taken out: dropped once they are as many as the live ones.
                if self.order.len() > 2 * self.waiting.len() + 64 {
                    self.order.retain(|id| self.waiting.contains_key(id));
                }
            }
        }
    }

    /// What waits for `c`, taken out of the lane (its place in `order` is skipped when it comes up).
    fn take(&mut self, c: &Conn) -> Share {
        self.waiting.remove(&c.outbox.id).map(|(_, share)| share).unwrap_or_default()
    }

    /// Send each waiting socket all it has waiting, the longest waiting first, until none is left or
    /// `enough` (asked after each socket) says so.
    fn work(&mut self, mut enough: impl FnMut() -> bool) {
        while let Some(id) = self.order.pop_front() {
            if let Some((c, share)) = self.waiting.remove(&id) {
                c.deliver(&share, false);
            }
            if enough() {
                return;
            }
        }
    }
}

impl Conn {
    /// Send its share of a round, skipping events already sent (a resume's replay overlapped
    /// them), or hold them back while it resumes. `ask`: an asking ping goes first, in the same
    /// `sendmsg` (`Reading::ask`).
    fn deliver(&self, share: &[(Arc<Event>, Frame)], ask: bool) {
        let mut hold = self.resuming.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(q) = hold.as_mut() {
            if ask {
                keepalive::ping(&self.outbox);
            }
            for (ev, _) in share {
                if q.len() >= MAX_HELD {
                    // A client that never resumes: cut it rather than hold events forever.
                    self.outbox.kill();
                    return;
                }
                q.push(ev.clone());
            }
            return;
        }
        drop(hold);
        let fresh: Vec<Frame> = ask
            .then(keepalive::ping_frame)
            .into_iter()
            .chain(
                share
                    .iter()
                    .filter(|(ev, _)| {
                        let id = ev.id as u64;
                        self.pos.fetch_max(id, Ordering::AcqRel) < id
                    })
                    .map(|(_, f)| f.clone()),
            )
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
    /// socket). Customers first, then the agents that read promptly; the other agents' shares go to
    /// the slow lane.
    pub fn publish(&self, round: &[Arc<Event>], slow: &mut SlowLane) {
        let reg = self.reg.read().unwrap_or_else(|p| p.into_inner());
        let mut customers: HashMap<u64, (&Arc<Conn>, Share)> = HashMap::new();
        for ev in round {
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
                customers.entry(c.outbox.id).or_insert_with(|| (c, Vec::new())).1.push((ev.clone(), frame.clone()));
            }
        }
        let frames: Vec<Frame> = round.iter().map(|ev| text_frame(&ev.frame()).into()).collect();
        let mut n = 0;
        for (c, share) in customers.values() {
            c.deliver(share, false);
            n += share.len();
        }
        // Thousands of sockets cut in a flood stay registered until their clients go: they cost a
        // round one atomic load each.
        for c in reg.agents.values().filter(|c| c.outbox.takes_frames()) {
            let viewer = c.viewer();
            let share: Share =
                round.iter().zip(&frames).filter(|(ev, _)| ev.audience.admits(&viewer)).map(|(ev, f)| (ev.clone(), f.clone())).collect();
            if share.is_empty() {
                continue;
            }
            n += share.len();
            let waiting = slow.holds(c);
            let reading = c.outbox.reading();
            if !reading.promptly {
                // The ping asks now, not when the lane gets to this socket: a reader that fell
                // behind for a moment answers it and leaves the lane at the next round.
                if reading.ask {
                    keepalive::ping(&c.outbox);
                }
                self.slow_lane.fetch_add(share.len() as u64, Ordering::Relaxed);
                slow.add(c, share);
                continue;
            }
            // A socket in the lane whose client has answered since (a reader that stalled for a
            // moment) leaves it now: what waits for it first, then this round.
            if waiting {
                c.deliver(&slow.take(c), false);
            }
            c.deliver(&share, reading.ask);
        }
        self.delivered.fetch_add(n as u64, Ordering::Relaxed);
    }
}
