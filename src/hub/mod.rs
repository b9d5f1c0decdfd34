//! Who is connected to what, and fan-out. `join()` registers a socket and returns a guard that
//! removes it however the socket's thread ends. Committed events arrive from the writer in commit
//! order on one channel; the fan-out thread sends each to every socket whose viewer its audience
//! admits. Sending never blocks (see `ws::outbox`), so fan-out never holds the write path.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tungstenite::protocol::frame::coding::CloseCode;

use crate::db::events::{Audience, Event, Viewer};
use crate::ws::budget::Budget;
use crate::ws::outbox::Outbox;

mod fanout;
pub use fanout::run_fanout;

const MAX_HELD: usize = 10_000;

/// Close code: the session this socket was opened with has ended (signed out, password changed,
/// expired, account deactivated). The client should not reconnect with it: sign in again.
pub const SESSION_ENDED: u16 = 4001;
/// Close code: the user's role or customer-support flag changed. Reconnect: the new socket sees
/// what the user may see now.
pub const PERMISSIONS_CHANGED: u16 = 4002;

/// How a customer sees an event (`kind`, position, payload), or `None`: the customer projection,
/// given to the hub by whoever starts it, so the hub itself knows no desk rule.
pub type CustomerFrame = fn(&str, i64, &str) -> Option<String>;

/// Told an agent's id and whether they are now online (first socket) or offline (last one closed).
pub type PresenceFn = Box<dyn Fn(i64, bool) + Send + Sync>;

pub struct Conn {
    pub outbox: Arc<Outbox>,
    /// Visibility may change while connected (an admin toggles customer support).
    pub viewer: RwLock<Viewer>,
    /// The hashed session token an agent socket belongs to (`None` for customers).
    pub session: Option<Vec<u8>>,
    /// Position of the last event sent to this socket: live pushes at or below it are skipped, so
    /// an event replayed by resume is never delivered twice.
    pub pos: AtomicU64,
    /// While true, live events are held back (resume in progress) and replayed afterwards.
    pub resuming: Mutex<Option<Vec<Arc<Event>>>>,
}

impl Conn {
    pub fn viewer(&self) -> Viewer {
        self.viewer.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Hold live events back until history has been replayed (a resume in progress).
    pub fn hold(&self) {
        *self.resuming.lock().unwrap_or_else(|p| p.into_inner()) = Some(Vec::new());
    }
}

#[derive(Default)]
struct Registry {
    agents: HashMap<u64, Arc<Conn>>,
    /// Customer sockets by customer id: most events go to one customer, so look them up directly.
    customers: HashMap<i64, HashMap<u64, Arc<Conn>>>,
}

pub struct Hub {
    reg: RwLock<Registry>,
    next_id: AtomicU64,
    pub flusher: Mutex<Sender<Arc<Outbox>>>,
    /// The memory all sockets' outgoing backlogs may hold together (`--max-backlog-memory`).
    pub budget: Arc<Budget>,
    pub delivered: AtomicU64,
    /// Of `delivered`, the frames that went through the fan-out's slow lane (`fanout::SlowLane`).
    pub slow_lane: AtomicU64,
    /// Called when an agent's first socket opens or last one closes (presence).
    presence: Mutex<Option<PresenceFn>>,
    customer_frame: CustomerFrame,
}

/// Removes the connection from the hub when dropped.
pub struct Membership {
    hub: Arc<Hub>,
    pub conn: Arc<Conn>,
}

impl Drop for Membership {
    fn drop(&mut self) {
        self.hub.leave(&self.conn);
    }
}

impl Hub {
    pub fn new(flusher: Sender<Arc<Outbox>>, budget: Arc<Budget>, customer_frame: CustomerFrame) -> Hub {
        Hub {
            budget,
            customer_frame,
            reg: RwLock::new(Registry::default()),
            next_id: AtomicU64::new(1),
            flusher: Mutex::new(flusher),
            delivered: AtomicU64::new(0),
            slow_lane: AtomicU64::new(0),
            presence: Mutex::new(None),
        }
    }

    /// The write side of a new socket, with its id and the flusher that drains its backlog.
    pub fn new_outbox(&self, stream: Arc<std::net::TcpStream>) -> Arc<Outbox> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        Outbox::new(id, stream, self.flusher.lock().unwrap_or_else(|p| p.into_inner()).clone(), self.budget.clone())
    }

    pub fn on_presence(&self, f: PresenceFn) {
        *self.presence.lock().unwrap_or_else(|p| p.into_inner()) = Some(f);
    }

    pub fn join(self: &Arc<Self>, outbox: Arc<Outbox>, viewer: Viewer, session: Option<Vec<u8>>) -> Membership {
        // Live events are held until the client says where to start (`resume`), so none is missed.
        let conn = Arc::new(Conn {
            outbox,
            viewer: RwLock::new(viewer.clone()),
            session,
            pos: AtomicU64::new(0),
            resuming: Mutex::new(Some(Vec::new())),
        });
        let first_for_user = {
            let mut reg = self.reg.write().unwrap_or_else(|p| p.into_inner());
            match viewer {
                Viewer::Agent { user_id, .. } => {
                    let first = !reg.agents.values().any(|c| matches!(c.viewer(), Viewer::Agent { user_id: u, .. } if u == user_id));
                    reg.agents.insert(conn.outbox.id, conn.clone());
                    first.then_some(user_id)
                }
                Viewer::Customer { customer_id } => {
                    reg.customers.entry(customer_id).or_default().insert(conn.outbox.id, conn.clone());
                    None
                }
            }
        };
        if let Some(uid) = first_for_user {
            self.presence_changed(uid, true);
        }
        Membership { hub: self.clone(), conn }
    }

    fn leave(&self, conn: &Arc<Conn>) {
        let id = conn.outbox.id;
        let last_for_user = {
            let mut reg = self.reg.write().unwrap_or_else(|p| p.into_inner());
            match conn.viewer() {
                Viewer::Agent { user_id, .. } => {
                    reg.agents.remove(&id);
                    let any = reg.agents.values().any(|c| matches!(c.viewer(), Viewer::Agent { user_id: u, .. } if u == user_id));
                    (!any).then_some(user_id)
                }
                Viewer::Customer { customer_id } => {
                    if let Some(m) = reg.customers.get_mut(&customer_id) {
                        m.remove(&id);
                        if m.is_empty() {
                            reg.customers.remove(&customer_id);
                        }
                    }
                    None
                }
            }
        };
        if let Some(uid) = last_for_user {
            self.presence_changed(uid, false);
        }
    }

    fn presence_changed(&self, user_id: i64, online: bool) {
        if let Some(f) = self.presence.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            f(user_id, online);
        }
    }

    /// Agent ids with at least one open socket.
    pub fn online_agents(&self) -> Vec<i64> {
        let reg = self.reg.read().unwrap_or_else(|p| p.into_inner());
        let mut ids: Vec<i64> = reg
            .agents
            .values()
            .filter_map(|c| match c.viewer() {
                Viewer::Agent { user_id, .. } => Some(user_id),
                _ => None,
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    pub fn counts(&self) -> (usize, usize) {
        let reg = self.reg.read().unwrap_or_else(|p| p.into_inner());
        (reg.agents.len(), reg.customers.values().map(|m| m.len()).sum())
    }

    /// The frame socket `conn` receives for `ev`, if any: agents get the event as stored, customers
    /// only its customer projection.
    pub fn frame_for(&self, conn: &Conn, ev: &Event) -> Option<String> {
        let viewer = conn.viewer();
        if !ev.audience.admits(&viewer) {
            return None;
        }
        match viewer {
            Viewer::Agent { .. } => Some(ev.frame()),
            Viewer::Customer { .. } => (self.customer_frame)(&ev.kind, ev.id, &ev.payload),
        }
    }

    /// Send a frame that is not part of the durable order (typing, presence) to an audience; its
    /// customers get `customer_frame` (their projection) or nothing.
    pub fn publish_ephemeral(&self, audience: &Audience, frame: &str, customer_frame: Option<&str>, except: Option<u64>) {
        let reg = self.reg.read().unwrap_or_else(|p| p.into_inner());
        let agents = reg.agents.values().filter(|c| audience.admits(&c.viewer()));
        let customers: Vec<&Arc<Conn>> = match audience {
            Audience::Support { customer: Some(cid) } | Audience::Customer { id: cid } => {
                reg.customers.get(cid).into_iter().flat_map(|m| m.values()).collect()
            }
            Audience::Everyone => reg.customers.values().flat_map(|m| m.values()).collect(),
            _ => Vec::new(),
        };
        for c in agents {
            if Some(c.outbox.id) != except {
                c.outbox.text(frame);
            }
        }
        for c in customers {
            if let Some(f) = customer_frame.filter(|_| Some(c.outbox.id) != except) {
                c.outbox.text(f);
            }
        }
    }

    /// Close the sockets of agent `user_id` with `code`, except those opened with session `keep`
    /// (the session that changed its own password). Returns how many were closed.
    pub fn disconnect_user(&self, user_id: i64, keep: Option<&[u8]>, code: u16, reason: &str) -> usize {
        self.disconnect(
            |c| matches!(c.viewer(), Viewer::Agent { user_id: u, .. } if u == user_id) && (keep.is_none() || c.session.as_deref() != keep),
            code,
            reason,
        )
    }

    /// Close the sockets opened with session `token_hash`.
    pub fn disconnect_session(&self, token_hash: &[u8], code: u16, reason: &str) -> usize {
        self.disconnect(|c| c.session.as_deref() == Some(token_hash), code, reason)
    }

    fn disconnect(&self, which: impl Fn(&Conn) -> bool, code: u16, reason: &str) -> usize {
        let reg = self.reg.read().unwrap_or_else(|p| p.into_inner());
        let mut n = 0;
        for c in reg.agents.values().filter(|c| which(c)) {
            c.outbox.close(CloseCode::from(code), reason);
            c.outbox.kill();
            n += 1;
        }
        n
    }

    /// The sessions agent sockets were opened with (each once), for the expiry sweep.
    pub fn agent_sessions(&self) -> Vec<Vec<u8>> {
        let reg = self.reg.read().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<Vec<u8>> = reg.agents.values().filter_map(|c| c.session.clone()).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Close every socket with `code` (1012 at restart: clients reconnect and resume).
    pub fn close_all(&self, code: CloseCode, reason: &str) {
        let reg = self.reg.read().unwrap_or_else(|p| p.into_inner());
        for c in reg.agents.values().chain(reg.customers.values().flat_map(|m| m.values())) {
            c.outbox.close(code, reason);
            c.outbox.kill();
        }
    }

    /// The agents' sockets, or the customers'.
    fn sockets(&self, agents: bool) -> Vec<Arc<Conn>> {
        let reg = self.reg.read().unwrap_or_else(|p| p.into_inner());
        if agents { reg.agents.values().cloned().collect() } else { reg.customers.values().flat_map(|m| m.values()).cloned().collect() }
    }
}

/// Pings every agent's socket every `ws::PING_EVERY` (a peer silent for `ws::SILENCE_LIMIT` is cut by
/// its reader's timeout); gives each widget's socket a keepalive round every `keepalive`
/// (`ws::keepalive::round`). Also gives back what a cut wave freed (`Budget::give_back_freed_memory`).
/// Rounds keep to a fixed schedule (no drift from the time a round takes), so a benchmark window of
/// whole cycles holds a whole number of rounds.
pub fn run_pinger(hub: Arc<Hub>, keepalive: Duration, stop: Arc<std::sync::atomic::AtomicBool>) {
    use crate::ws::{PING_EVERY, PING_EVERY_NTH, keepalive};
    let tick = Duration::from_millis(500).min(keepalive / 4);
    let start = std::time::Instant::now();
    let (mut agents_at, mut widgets_at) = (start + PING_EVERY, start + keepalive);
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(tick);
        hub.budget.give_back_freed_memory();
        let now = std::time::Instant::now();
        if now >= agents_at {
            agents_at = next(agents_at, PING_EVERY, now);
            for c in hub.sockets(true) {
                keepalive::ping(&c.outbox);
            }
        }
        if now >= widgets_at {
            widgets_at = next(widgets_at, keepalive, now);
            for c in hub.sockets(false) {
                keepalive::round(&c.outbox, PING_EVERY_NTH);
            }
        }
    }
}

/// The round after the one due at `at`; from `now` if the pinger fell a whole round behind.
fn next(at: std::time::Instant, every: Duration, now: std::time::Instant) -> std::time::Instant {
    if at + every > now { at + every } else { now + every }
}
