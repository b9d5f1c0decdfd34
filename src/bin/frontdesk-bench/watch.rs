//! The liveness watchdog of the widget's script (assets/shared/socket.js), for clients that should
//! cost the server what a real browser does: a socket that has received no text frame (a browser
//! sees no ping or pong) for its quiet time sends `{"type":"ping"}`. The quiet time comes from the
//! socket's `hello`: `keepalive_ms` plus a third of it (at least 2 s) when the server sends a `tick`
//! every keepalive round, else 25 s (a server without ticks: the script's fixed ping).

use std::time::{Duration, Instant};

pub const PING: &str = r#"{"type":"ping"}"#;
/// The script's quiet time without `keepalive_ms`.
const QUIET: Duration = Duration::from_secs(25);
/// How often the watchdogs are looked at (a ping up to this late costs the server the same).
const CHECK_EVERY: Duration = Duration::from_millis(100);

/// The script's quiet time for a socket whose `hello` gave this keepalive interval.
pub fn quiet(keepalive: Option<Duration>) -> Duration {
    match keepalive {
        Some(k) if !k.is_zero() => k + (k / 3).max(Duration::from_secs(2)),
        _ => QUIET,
    }
}

/// The watchdogs of one driver's sockets, by slot.
pub struct Watch {
    on: bool,
    quiet: Vec<Duration>,
    /// When each socket last got a text frame (or sent its last ping).
    last: Vec<Instant>,
    next_check: Instant,
}

impl Watch {
    /// Watchdogs for sockets with these `hello` keepalive intervals (`on: false`: never pings). A
    /// socket with ticks starts its watchdog now (it was resumed just before; the server's rounds
    /// then restart every socket's at once); one without starts in any phase of its quiet time, as
    /// widgets opened at any time would, rather than all pinging at once.
    pub fn new(on: bool, keepalives: impl Iterator<Item = Option<Duration>>) -> Watch {
        let keepalives: Vec<Option<Duration>> = if on { keepalives.collect() } else { Vec::new() };
        let (now, n) = (Instant::now(), keepalives.len().max(1) as f64);
        let quiet: Vec<Duration> = keepalives.iter().map(|k| quiet(*k)).collect();
        let phase = |i: usize| if keepalives[i].is_some() { Duration::ZERO } else { quiet[i].mul_f64(i as f64 / n) };
        let last = (0..quiet.len()).map(|i| now.checked_sub(phase(i)).unwrap_or(now)).collect();
        Watch { on, last, quiet, next_check: now + CHECK_EVERY }
    }

    /// The socket in `slot` got `texts` text frames: a frame restarts its watchdog.
    pub fn heard(&mut self, slot: usize, texts: usize) {
        if self.on && texts > 0 {
            self.last[slot] = Instant::now();
        }
    }

    /// The sockets whose script pings now; each one's quiet time starts again (its `pong` restarts it
    /// too; the script would drop a socket that answers nothing within 10 s, the bench pings again).
    pub fn due(&mut self) -> Vec<usize> {
        let now = Instant::now();
        if !self.on || now < self.next_check {
            return Vec::new();
        }
        self.next_check = now + CHECK_EVERY;
        let mut out = Vec::new();
        for (slot, (last, quiet)) in self.last.iter_mut().zip(&self.quiet).enumerate() {
            if now.duration_since(*last) >= *quiet {
                *last = now;
                out.push(slot);
            }
        }
        out
    }
}
