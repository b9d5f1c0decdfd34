//! A driver thread: owns a set of non-blocking WebSockets on one epoll instance, sends on a
//! schedule from its own connections, and records what arrives. Several drivers share one clock
//! (`Instant`), so a message sent by one and received by another still has a true latency.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::client::{self, Poll, Ws};
pub use crate::trace::Trace;
use crate::watch::Watch;

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Role {
    Customer,
    Agent,
}

pub struct Conn {
    pub ws: Option<Ws>,
    pub role: Role,
    /// Widget token or agent cookie, for reconnecting.
    pub cred: String,
    /// The customer's conversation (from the first ack).
    pub conversation: Option<i64>,
    /// Last event position seen, for resume.
    pub pos: i64,
    pub resumed: bool,
    /// The keepalive interval its `hello` gave (a widget's socket on a server with keepalive rounds).
    pub keepalive: Option<Duration>,
}

impl Conn {
    /// A connection not resumed yet (`None`: it could not be opened).
    pub fn new(ws: Option<Ws>, role: Role, cred: String) -> Conn {
        Conn { ws, role, cred, conversation: None, pos: 0, resumed: false, keepalive: None }
    }
}

/// What a driver does on each tick; everything it learns goes into `Stats`.
pub struct Plan {
    /// Customer→agent messages per second from this driver.
    pub customer_rate: f64,
    /// Agent→customer messages per second from this driver.
    pub agent_rate: f64,
    pub send_for: Duration,
    /// Keep running (reading) until this flag is set.
    pub stop: Arc<AtomicBool>,
    /// Persist mode: each customer keeps one message in flight, sending the next on its ack.
    pub closed_loop: bool,
    /// Reconnect storm: at this offset, drop every customer socket and reconnect them spread over
    /// `storm_spread`, resuming from the last position.
    pub storm_at: Option<Duration>,
    pub storm_spread: Duration,
    /// Echo baseline: send bare `bm:` texts and count any `bm:` text that comes back.
    pub raw: bool,
    /// Latencies of messages sent before this offset (warm-up) are not recorded.
    pub measure_after: Duration,
    /// Extra customer messages per second during the first `warm_for` (each customer opens their
    /// conversation), on top of `customer_rate`.
    pub warm_rate: f64,
    pub warm_for: Duration,
    /// Bytes of padding after each message's marker (flood: bigger events).
    pub pad: usize,
    /// Ping like the widget's script when nothing came for its quiet time (`watch`): idle.
    pub script_pings: bool,
}

#[derive(Default)]
pub struct Stats {
    pub latencies_us: Vec<u64>,
    /// Send → the sender's own `ack` (after commit), for messages sent after `measure_after`:
    /// customers' and agents' apart.
    pub ack_us: Vec<u64>,
    pub agent_ack_us: Vec<u64>,
    /// Ids of the messages whose `ack` came back (committed).
    pub acked: std::collections::HashSet<u64>,
    /// The agent→customer part of `latencies_us` (received by customers) on its own.
    pub to_customer_us: Vec<u64>,
    /// When each of `latencies_us` was sent (µs since the drivers' epoch), in the same order.
    pub sent_us: Vec<u64>,
    /// Receipts per message id.
    pub receipts: HashMap<u64, u32>,
    /// Sent message ids by direction: true = agent→customer (expect 1 receipt), false = customer→agent.
    pub sent: Vec<(u64, bool)>,
    /// agent→customer message id → the customer conn index it targets.
    pub targets: HashMap<u64, usize>,
    pub acks: u64,
    pub errors: u64,
    pub error_samples: Vec<String>,
    pub resumed: u64,
    /// Resumes completed after the storm began.
    pub storm_resumed: u64,
    pub storm_done_after: Option<Duration>,
    pub reloads: u64,
    /// Per customer conn: message ids received.
    pub received_by: HashMap<usize, Vec<u64>>,
    /// `BENCH_DEBUG` only: when each message was sent and acked, and who received it when (µs
    /// since the drivers' epoch), to say exactly which frames a lossy run missed.
    pub trace: Option<Trace>,
}

impl Stats {
    fn error(&mut self, e: String) {
        self.errors += 1;
        if self.error_samples.len() < 5 {
            self.error_samples.push(e);
        }
    }
}

pub struct Env {
    pub addr: SocketAddr,
    pub origin: String,
    pub epoch: Instant,
    pub next_id: Arc<AtomicU64>,
    /// Conversation ids known to all drivers (agents reply into them), with their customer conn.
    pub conversations: Arc<std::sync::Mutex<Vec<(i64, usize)>>>,
}

/// Open a socket as the real client does: a customer offers its visitor token as a subprotocol
/// next to `frontdesk` (the widget's form, which keeps it out of the URL); an agent sends its cookie.
pub fn open(addr: SocketAddr, origin: &str, role: Role, cred: &str) -> std::io::Result<Ws> {
    match role {
        Role::Customer => {
            client::connect(addr, "/ws/widget", origin, &[("Sec-WebSocket-Protocol", &format!("frontdesk, frontdesk.token.{cred}"))])
        }
        Role::Agent => client::connect(addr, "/ws/agent", origin, &[("Cookie", cred)]),
    }
}

pub fn reconnect(env: &Env, c: &Conn) -> Result<Ws, String> {
    open(env.addr, &env.origin, c.role, &c.cred).map_err(|e| e.to_string())
}

/// Run until `plan.stop`; `conns` are indexed by their global index in `ids`.
pub fn run(env: Env, mut conns: Vec<(usize, Conn)>, plan: Plan) -> Stats {
    let poll = Poll::new();
    for (slot, (_, c)) in conns.iter().enumerate() {
        if let Some(ws) = &c.ws {
            poll.add(ws.get_ref(), slot as u64);
        }
    }
    let mut st = Stats { trace: std::env::var_os("BENCH_DEBUG").map(|_| Trace::default()), ..Stats::default() };
    let mut watch = Watch::new(plan.script_pings, conns.iter().map(|(_, c)| c.keepalive));
    let started = Instant::now();
    let customers: Vec<usize> = (0..conns.len()).filter(|i| conns[*i].1.role == Role::Customer).collect();
    let agents: Vec<usize> = (0..conns.len()).filter(|i| conns[*i].1.role == Role::Agent).collect();
    let (mut sent_c, mut sent_a) = (0u64, 0u64);
    let mut rng_state = 0x9e3779b97f4a7c15u64 ^ (conns.len() as u64);
    let mut rnd = move |n: usize| -> usize {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        (rng_state % n.max(1) as u64) as usize
    };
    let mut ready = Vec::new();
    // Open-loop sends not acked yet: id → when sent (µs since the epoch).
    let mut sent_time: HashMap<u64, u64> = HashMap::new();
    let mut storm: Option<(Instant, Vec<(Duration, usize)>)> = None;
    let mut storm_pending = 0usize;
    // Connections with frames that may still sit in tungstenite's buffer.
    let mut dirty: Vec<usize> = Vec::new();
    // Persist mode starts one message per customer.
    let pad = "x".repeat(plan.pad);
    // A message as sent: the bare body to the echo baseline, else a `send` frame (`p`: persist ids, `c`: chat).
    let body = |id: u64, env: &Env| format!("bm:{id}:{}:{pad}", env.epoch.elapsed().as_micros());
    let frame = |id: u64, env: &Env, tag: char| {
        let b = body(id, env);
        if plan.raw { b } else { format!("{{\"type\":\"send\",\"body\":\"{b}\",\"client_msg_id\":\"{tag}{id}\"}}") }
    };
    if plan.closed_loop {
        for &i in &customers {
            let id = env.next_id.fetch_add(1, Ordering::Relaxed);
            let text = frame(id, &env, 'p');
            if let Some(ws) = conns[i].1.ws.as_mut()
                && let Err(e) = client::send(ws, text)
            {
                st.error(e);
            }
            dirty.push(i);
        }
    }
    while !plan.stop.load(Ordering::Relaxed) {
        poll.wait(&mut ready, 1);
        for &slot in &ready {
            let slot = slot as usize;
            let gidx = conns[slot].0;
            let (_, c) = &mut conns[slot];
            let role = c.role;
            let Some(ws) = c.ws.as_mut() else { continue };
            let mut acked = 0u32;
            let mut texts: Vec<String> = Vec::new();
            let r = client::drain(ws, |t| texts.push(t.to_string()));
            watch.heard(slot, texts.len());
            for t in &texts {
                if let Some(p) = client::int_after(t, "\"pos\":") {
                    c.pos = c.pos.max(p);
                }
                if plan.raw || t.contains("\"type\":\"message.created\"") {
                    let from_customer = t.contains("\"kind\":\"customer\"");
                    // Count only what crosses to the other side.
                    if (plan.raw || (role == Role::Agent) == from_customer)
                        && let Some(i) = t.find("bm:")
                    {
                        let rest = &t[i + 3..];
                        let mut parts = rest.split([':', '"']);
                        if let (Some(Ok(id)), Some(Ok(t0))) = (parts.next().map(str::parse::<u64>), parts.next().map(str::parse::<u64>)) {
                            let now = env.epoch.elapsed().as_micros() as u64;
                            if t0 >= plan.measure_after.as_micros() as u64 {
                                st.latencies_us.push(now.saturating_sub(t0));
                                st.sent_us.push(t0);
                                if role == Role::Customer && !plan.raw {
                                    st.to_customer_us.push(now.saturating_sub(t0));
                                }
                            }
                            *st.receipts.entry(id).or_default() += 1;
                            // Echo ceiling of persist: the echoed text is the "ack".
                            if plan.raw && plan.closed_loop {
                                st.acks += 1;
                                acked += 1;
                            }
                            if let Some(tr) = st.trace.as_mut() {
                                tr.got.entry(id).or_default().push((gidx, now, client::int_after(t, "\"pos\":").unwrap_or(-1)));
                            }
                            if role == Role::Customer {
                                st.received_by.entry(gidx).or_default().push(id);
                            }
                        }
                    }
                } else if t.contains("\"type\":\"ack\"") {
                    st.acks += 1;
                    acked += 1;
                    if let Some(i) = t.find("\"client_msg_id\":\"")
                        && let Some(Ok(id)) = t[i + 17..].split('"').next().and_then(|s| s.get(1..)).map(str::parse::<u64>)
                    {
                        let now = env.epoch.elapsed().as_micros() as u64;
                        st.acked.insert(id);
                        if let Some(t0) = sent_time.remove(&id)
                            && t0 >= plan.measure_after.as_micros() as u64
                        {
                            if role == Role::Agent { &mut st.agent_ack_us } else { &mut st.ack_us }.push(now.saturating_sub(t0));
                        }
                        if let Some(tr) = st.trace.as_mut() {
                            tr.acked_at.insert(id, now);
                        }
                    }
                    if role == Role::Customer
                        && c.conversation.is_none()
                        && let Some(cid) = client::int_after(t, "\"conversation_id\":")
                    {
                        c.conversation = Some(cid);
                        env.conversations.lock().unwrap_or_else(|p| p.into_inner()).push((cid, gidx));
                    }
                } else if t.contains("\"type\":\"resumed\"") {
                    if let Some(tr) = st.trace.as_mut() {
                        tr.resumed.push((gidx, env.epoch.elapsed().as_micros() as u64, client::int_after(t, "\"pos\":").unwrap_or(-1)));
                    }
                    if !c.resumed {
                        c.resumed = true;
                        st.resumed += 1;
                        if storm.is_some() {
                            st.storm_resumed += 1;
                            storm_pending = storm_pending.saturating_sub(1);
                            if storm_pending == 0 && st.storm_done_after.is_none() {
                                st.storm_done_after = storm.as_ref().map(|(t, _)| t.elapsed());
                            }
                        }
                    }
                } else if t.contains("\"type\":\"reload\"") {
                    st.reloads += 1;
                } else if t.contains("\"type\":\"error\"") {
                    st.error(t.chars().take(200).collect());
                }
            }
            if let Err(e) = r {
                if let Some(tr) = st.trace.as_mut() {
                    tr.closed.push((gidx, env.epoch.elapsed().as_micros() as u64, e.clone()));
                }
                st.error(e);
                poll.remove(conns[slot].1.ws.as_ref().expect("ws").get_ref());
                conns[slot].1.ws = None;
                continue;
            }
            if plan.closed_loop && acked > 0 && started.elapsed() < plan.send_for {
                for _ in 0..acked {
                    let id = env.next_id.fetch_add(1, Ordering::Relaxed);
                    let text = frame(id, &env, 'p');
                    if let Some(ws) = conns[slot].1.ws.as_mut()
                        && let Err(e) = client::send(ws, text)
                    {
                        st.error(e);
                    }
                    dirty.push(slot);
                }
            }
        }
        let elapsed = started.elapsed();
        // Open-loop sending on schedule.
        if elapsed < plan.send_for && !plan.closed_loop {
            let secs = elapsed.as_secs_f64();
            let due_c = secs * plan.customer_rate + secs.min(plan.warm_for.as_secs_f64()) * plan.warm_rate;
            while (sent_c as f64) < due_c && !customers.is_empty() {
                let i = customers[rnd(customers.len())];
                let id = env.next_id.fetch_add(1, Ordering::Relaxed);
                let text = frame(id, &env, 'c');
                sent_c += 1;
                dirty.push(i);
                if let Some(ws) = conns[i].1.ws.as_mut() {
                    match client::send(ws, text) {
                        Ok(()) => {
                            st.sent.push((id, false));
                            sent_time.insert(id, env.epoch.elapsed().as_micros() as u64);
                            if let Some(tr) = st.trace.as_mut() {
                                tr.sent_at.insert(id, (conns[i].0, env.epoch.elapsed().as_micros() as u64));
                            }
                        }
                        Err(e) => st.error(e),
                    }
                }
            }
            while (sent_a as f64) < secs * plan.agent_rate && !agents.is_empty() {
                sent_a += 1;
                let target = {
                    let convs = env.conversations.lock().unwrap_or_else(|p| p.into_inner());
                    if convs.is_empty() { None } else { Some(convs[rnd(convs.len())]) }
                };
                let Some((conv, cust)) = target else { continue };
                let i = agents[rnd(agents.len())];
                let id = env.next_id.fetch_add(1, Ordering::Relaxed);
                let text =
                    format!("{{\"type\":\"send\",\"conversation_id\":{conv},\"body\":\"{}\",\"client_msg_id\":\"a{id}\"}}", body(id, &env));
                dirty.push(i);
                if let Some(ws) = conns[i].1.ws.as_mut() {
                    match client::send(ws, text) {
                        Ok(()) => {
                            st.sent.push((id, true));
                            sent_time.insert(id, env.epoch.elapsed().as_micros() as u64);
                            st.targets.insert(id, cust);
                            if let Some(tr) = st.trace.as_mut() {
                                tr.sent_at.insert(id, (conns[i].0, env.epoch.elapsed().as_micros() as u64));
                            }
                        }
                        Err(e) => st.error(e),
                    }
                }
            }
        }
        // Reconnect storm.
        if let Some(at) = plan.storm_at
            && storm.is_none()
            && elapsed >= at
        {
            let n = customers.len().max(1);
            let schedule: Vec<(Duration, usize)> =
                customers.iter().enumerate().map(|(k, &i)| (plan.storm_spread.mul_f64(k as f64 / n as f64), i)).collect();
            for &i in &customers {
                if let Some(ws) = conns[i].1.ws.take() {
                    poll.remove(ws.get_ref());
                }
                conns[i].1.resumed = false;
            }
            storm_pending = customers.len();
            storm = Some((Instant::now(), schedule));
        }
        if let Some((t0, schedule)) = storm.as_mut() {
            let since = t0.elapsed();
            while let Some(&(due, i)) = schedule.first() {
                if due > since {
                    break;
                }
                schedule.remove(0);
                match reconnect(&env, &conns[i].1) {
                    Ok(mut ws) => {
                        let resume = format!("{{\"type\":\"resume\",\"pos\":{}}}", conns[i].1.pos);
                        match client::send(&mut ws, resume) {
                            Ok(()) => {
                                poll.add(ws.get_ref(), i as u64);
                                conns[i].1.ws = Some(ws);
                                dirty.push(i);
                            }
                            Err(e) => st.error(e),
                        }
                    }
                    Err(e) => st.error(e),
                }
            }
        }
        for slot in watch.due() {
            st.errors += u64::from(conns[slot].1.ws.as_mut().is_some_and(|ws| client::send(ws, crate::watch::PING.into()).is_err()));
            dirty.push(slot);
        }
        dirty.sort_unstable();
        dirty.dedup();
        dirty.retain(|&i| conns[i].1.ws.as_mut().is_some_and(client::flush));
    }
    st
}
