//! Keeping idle sockets open through proxies, and noticing the ones whose peer is gone, at the least
//! cost per socket. What costs here is a wake-up: a ping's pong wakes the socket's reader thread
//! (~21 µs on this VM's loopback), a `send` costs ~12 µs (BENCHMARKS.md, "Idle at 19,000 widgets").
//! Agents' sockets (few) get a real ping every round; widgets' sockets (thousands) get a `tick` text
//! frame every round (answered by nothing, so no thread wakes), and with it, in the same `send`, a
//! real ping after `PING_EVERY_NTH - 1` rounds in which their peer said nothing. The tick is a frame
//! the widget's script can see (a browser hides pings and pongs from it): while ticks come, the
//! script knows its socket is alive and sends no `ping` of its own (assets/shared/socket.js), so an
//! open widget costs one `send` per round and one pong's wake-up every `PING_EVERY_NTH` rounds.
//!
//! Pings also ask whether an agent's client reads what it is sent (`Outbox::reading`): its
//! pong comes after everything before the ping, and until it comes the fan-out serves the socket in
//! its slow lane (`hub::fanout`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering::Relaxed};

use super::outbox::{Frame, Outbox};

/// An empty ping (FIN + opcode 9, no payload: a server's frames are unmasked).
const PING: &[u8] = b"\x89\x00";
/// The text frame of a keepalive round (FIN + opcode 1, 15 bytes): `{"type":"tick"}`.
const TICK: &[u8] = b"\x81\x0f{\"type\":\"tick\"}";
/// A round that also needs a real ping: both frames in one buffer, so one `send`.
const PING_TICK: &[u8] = b"\x89\x00\x81\x0f{\"type\":\"tick\"}";

/// The keepalive round's text frame, for clients and tests that look for it.
pub const TICK_TEXT: &str = r#"{"type":"tick"}"#;

/// Bytes an agent's client may be sent past what it has shown that it read before its socket goes to
/// the fan-out's slow lane (`hub::fanout`). A client shows it by answering a ping: its pong comes
/// after it has read everything before the ping. At half the limit a ping asks (at most one is out);
/// a new socket is asked once it has resumed (`ask`), and goes to the slow lane until it answers. A
/// client that reads answers within its next read, and leaves the lane at the next round; one that
/// stopped reading never does. Any other frame from the client shows nothing about its reading (the
/// flood's clients send `resume`, then read no more). Measured on loopback, a client that reads
/// nothing takes 142–169 KiB into its kernel buffers before a `send` is refused: without this the
/// fan-out copied that much into each of 5,000 such sockets before telling them from readers.
pub const UNCONFIRMED_LIMIT: usize = 8 * 1024;

/// What a socket's keepalive rounds need to know, kept in its `Outbox`.
#[derive(Default)]
pub struct Liveness {
    /// The reader got a frame (any: text, ping, pong, close) since the last round.
    heard: AtomicBool,
    /// Rounds in a row in which the peer said nothing (only the pinger thread touches it).
    silent: AtomicU8,
    /// Bytes queued for the peer since the socket opened (`Outbox::reading`).
    pub(super) queued: AtomicUsize,
    /// How far into `queued` the client has shown that it read, plus one: the position of the last
    /// asking ping it answered. 0: not yet, so a new socket starts as one that has not shown it.
    pub(super) read_to: AtomicUsize,
    /// The position of the asking ping that is out, plus one (0: none).
    pub(super) asked_at: AtomicUsize,
}

impl Liveness {
    /// Called by the reader for every frame (a load first: most frames find it set already).
    pub fn heard(&self) {
        if !self.heard.load(Relaxed) {
            self.heard.store(true, Relaxed);
        }
    }

    /// Called by the reader for a pong. A client sends it after reading everything before the ping,
    /// so an asking ping's pong shows it read up to there. (A pong to an older keepalive ping that
    /// comes while an asking ping is out credits the client too early: it only moves the socket
    /// out of the slow lane a little sooner.)
    pub fn answered(&self) {
        let at = self.asked_at.swap(0, Relaxed);
        if at != 0 {
            self.read_to.fetch_max(at, Relaxed);
        }
    }
}

/// What the fan-out needs to know of an agent's client before it sends it a share.
pub struct Reading {
    /// The client has shown that it reads what it is sent (`Outbox::reading`).
    pub promptly: bool,
    /// A ping must go now, to ask again: no other ping asks until its pong comes. The fan-out
    /// sends it before the share, in the same `sendmsg` when the share goes at once (`ping_frame`).
    pub ask: bool,
}

impl Outbox {
    /// Whether the client shows that it reads what it is sent: nothing waits in its backlog, and it
    /// has answered a ping within the last `UNCONFIRMED_LIMIT` bytes sent to it. Past half of that,
    /// the caller is told to ask with a ping. A client that does not show it is not cut for it: the
    /// fan-out sends to it after the ones that do (`hub::fanout`, the slow lane).
    pub fn reading(&self) -> Reading {
        if !self.keeping_up() {
            return Reading { promptly: false, ask: false };
        }
        let l = &self.live;
        let queued = l.queued.load(Relaxed);
        let unconfirmed = match l.read_to.load(Relaxed) {
            0 => usize::MAX,
            read_to => queued.saturating_sub(read_to - 1),
        };
        // Until the first answer only `ask` asks (after `resumed`): asked by an event that came
        // before it, a client that reads until `resumed` and no further would answer too.
        let mut ask = false;
        if unconfirmed >= UNCONFIRMED_LIMIT / 2 && unconfirmed != usize::MAX && l.asked_at.load(Relaxed) == 0 {
            // Set before the ping goes: its pong may come back before the `send` returns. The ping
            // goes after at least `queued` bytes, so a pong shows at least this much read.
            l.asked_at.store(queued + PING.len() + 1, Relaxed);
            ask = true;
        }
        Reading { promptly: unconfirmed < UNCONFIRMED_LIMIT, ask }
    }
}

/// The first question, asked when an agent's socket has resumed (`api::socket`), after its
/// `resumed`: a client that reads on answers before the first event, so the fan-out serves it at
/// once; one that stopped reading once resumed (the flood's clients) never does, and its sockets are
/// in the slow lane from their first event without a ping each then. Asked there, by the fan-out,
/// 5,000 new sockets cost the flood's first round 5,000 `send`s: ~70 ms that every reader waited.
pub fn ask(o: &Arc<Outbox>) {
    let l = &o.live;
    if l.asked_at.load(Relaxed) == 0 {
        l.asked_at.store(l.queued.load(Relaxed) + PING.len() + 1, Relaxed);
        ping(o);
    }
}

/// The asking ping as a frame to send with others (`Reading::ask`).
pub fn ping_frame() -> Frame {
    static FRAME: std::sync::LazyLock<Frame> = std::sync::LazyLock::new(|| Frame::from(PING));
    FRAME.clone()
}

/// A real ping: its pong proves the peer (the browser, not a proxy between) is there.
pub fn ping(o: &Arc<Outbox>) -> bool {
    o.raw(PING)
}

/// One keepalive round for a widget's socket: a `tick`, after a real ping if the peer has said
/// nothing for `nth - 1` rounds. A peer that answers pings is then heard from at least every `nth`
/// rounds; one that stops is dropped by its reader's timeout (`ws::widget_silence_limit`).
pub fn round(o: &Arc<Outbox>, nth: u8) {
    let l = &o.live;
    let silent = if l.heard.swap(false, Relaxed) { 0 } else { l.silent.load(Relaxed).saturating_add(1) };
    l.silent.store(silent, Relaxed);
    o.raw(if silent.saturating_add(1) >= nth { PING_TICK } else { TICK });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tick_frames_are_what_they_say() {
        assert_eq!(&TICK[2..], TICK_TEXT.as_bytes());
        assert_eq!(usize::from(TICK[1]), TICK_TEXT.len());
        assert_eq!(PING_TICK, [PING, TICK].concat());
    }
}
