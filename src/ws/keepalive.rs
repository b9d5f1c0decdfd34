//! Keeping idle sockets open through proxies, and noticing the ones whose peer is gone, at the least
//! cost per socket. What costs here is a wake-up: a ping's pong wakes the socket's reader thread
//! (~21 µs on this VM's loopback), a `send` costs ~12 µs (BENCHMARKS.md, "Idle at 19,000 widgets").
//! Agents' sockets (few) get a real ping every round; widgets' sockets (thousands) get a real ping
//! only after `PING_EVERY_NTH - 1` rounds in which their peer said nothing, and otherwise an
//! unsolicited pong (RFC 6455 §5.5.3: a unidirectional heartbeat, answered by nothing). Every round
//! sends one or the other, so bytes reach the client at least every round whatever else it gets. A
//! browser running our widget pings every 25 s itself (assets/shared/socket.js): its socket is heard
//! every round and never pinged by us.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering::Relaxed};

use super::outbox::Outbox;

/// An empty ping (FIN + opcode 9, no payload: a server's frames are unmasked).
const PING: [u8; 2] = [0x89, 0x00];
/// An empty unsolicited pong (FIN + opcode 10): bytes that keep proxies' idle timers from running out.
const PONG: [u8; 2] = [0x8A, 0x00];

/// What a socket's keepalive rounds need to know, kept in its `Outbox`.
#[derive(Default)]
pub struct Liveness {
    /// The reader got a frame (any: text, ping, pong, close) since the last round.
    heard: AtomicBool,
    /// Rounds in a row in which the peer said nothing (only the pinger thread touches it).
    silent: AtomicU8,
}

impl Liveness {
    /// Called by the reader for every frame (a load first: most frames find it set already).
    pub fn heard(&self) {
        if !self.heard.load(Relaxed) {
            self.heard.store(true, Relaxed);
        }
    }
}

/// A real ping: its pong proves the peer (the browser, not a proxy between) is there.
pub fn ping(o: &Arc<Outbox>) -> bool {
    o.raw(&PING)
}

/// One keepalive round for a widget's socket: a real ping if the peer has said nothing for `nth - 1`
/// rounds, else an unsolicited pong. A
/// peer that answers pings is then heard from at least every `nth` rounds; one that stops is dropped
/// by its reader's timeout (`ws::widget_silence_limit`).
pub fn round(o: &Arc<Outbox>, nth: u8) {
    let l = &o.live;
    let silent = if l.heard.swap(false, Relaxed) { 0 } else { l.silent.load(Relaxed).saturating_add(1) };
    l.silent.store(silent, Relaxed);
    o.raw(if silent.saturating_add(1) >= nth { &PING } else { &PONG });
}
