//! The flusher thread: drains the backlogs of sockets that could not take a frame when it was
//! pushed. A socket whose kernel buffer was full is polled until it is writable; one held back
//! because its peer had not read (`ws::window`) is looked at again on a timer, first after
//! `RECHECK_FIRST`, then at doubling intervals up to `RECHECK_MAX` while its peer reads nothing
//! (a flood of sockets that never read is cut by the budget within a few events; until then each
//! costs a `getsockopt` per look), and from the start again whenever a look finds room.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use super::outbox::{Flushed, Outbox};

const RECHECK_FIRST: Duration = Duration::from_millis(2);
const RECHECK_MAX: Duration = Duration::from_millis(50);
/// Sockets waiting for their peers looked at in one round, at most.
const PEER_ROUND: usize = 256;
/// How long a poll waits at most, so newly backlogged sockets join the poll set quickly.
const POLL_MAX: Duration = Duration::from_millis(20);

pub fn run_flusher(rx: Receiver<Arc<Outbox>>) {
    // Sockets waiting for the kernel (polled), and those waiting for their peer (when to look, and
    // the interval that led there).
    let mut kernel: HashMap<u64, Arc<Outbox>> = HashMap::new();
    let mut peer: HashMap<u64, (Arc<Outbox>, Instant, Duration)> = HashMap::new();
    loop {
        if kernel.is_empty() && peer.is_empty() {
            match rx.recv() {
                Ok(o) => {
                    kernel.insert(o.id, o);
                }
                Err(_) => return,
            }
        }
        while let Ok(o) = rx.try_recv() {
            peer.remove(&o.id);
            kernel.insert(o.id, o);
        }
        kernel.retain(|_, o| !o.is_closed());
        peer.retain(|_, (o, _, _)| !o.is_closed());
        let now = Instant::now();
        let wait = peer.values().map(|p| p.1.saturating_duration_since(now)).min().unwrap_or(POLL_MAX).min(POLL_MAX);
        let list: Vec<Arc<Outbox>> = kernel.values().cloned().collect();
        let mut fds: Vec<libc::pollfd> = list.iter().map(|o| libc::pollfd { fd: o.fd(), events: libc::POLLOUT, revents: 0 }).collect();
        // SAFETY: `fds` is a valid array of `fds.len()` pollfd structs for the duration of the call.
        unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, wait.as_micros().div_ceil(1000) as libc::c_int) };
        for (o, fd) in list.iter().zip(&fds) {
            if fd.revents == 0 {
                continue;
            }
            match o.flush_some().0 {
                Flushed::Empty => {
                    kernel.remove(&o.id);
                }
                Flushed::KernelFull => {}
                Flushed::PeerBehind => {
                    kernel.remove(&o.id);
                    peer.insert(o.id, (o.clone(), Instant::now() + RECHECK_FIRST, RECHECK_FIRST));
                }
            }
        }
        let now = Instant::now();
        // A bounded round, so the sockets waiting for the kernel are polled again soon however many
        // wait for their peers (a flood: thousands, each a `getsockopt` and maybe a probe).
        let due: Vec<(Arc<Outbox>, Duration)> = peer.values().filter(|p| p.1 <= now).take(PEER_ROUND).map(|p| (p.0.clone(), p.2)).collect();
        for (o, interval) in due {
            match o.flush_some() {
                (Flushed::Empty, _) => {
                    peer.remove(&o.id);
                }
                (Flushed::KernelFull, _) => {
                    peer.remove(&o.id);
                    kernel.insert(o.id, o);
                }
                (Flushed::PeerBehind, moved) => {
                    let interval = if moved { RECHECK_FIRST } else { (interval * 2).min(RECHECK_MAX) };
                    peer.insert(o.id, (o, now + interval, interval));
                }
            }
        }
    }
}
