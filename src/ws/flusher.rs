//! The flusher thread: drains backlogged sockets as they become writable. Each backlogged socket is
//! registered with an epoll set (edge-triggered: told when it has room again) until its backlog is
//! empty, so a wait costs what is ready, not what is waiting: with `poll` over every backlogged
//! socket, 5,000 clients that had stopped reading cost 8 ms of kernel time a call and this thread a
//! third of a core (BENCHMARKS.md, "Fan-out in rounds"). A cut client that has not taken its close
//! frame within the grace (`CUT_GRACE`) is not reading at all: its socket is closed (its reader
//! thread ends with it) and its backlog freed.

use std::collections::HashMap;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, TryRecvError};

use super::outbox::{Outbox, clock_ms};

/// How long a cut client has to take the rest of its frame and its close frame. Left open until
/// the silence limit (75 s), 5,000 cut sockets kept 23 MiB of the budget that long.
pub const CUT_GRACE: std::time::Duration = std::time::Duration::from_secs(30);
/// How long a wait lasts at most (ms): new backlogged sockets are picked up at least this often.
const TICK_MS: i32 = 20;

/// Run until every sender of `rx` is gone; cut sockets are closed `grace` after their cut.
pub fn run_flusher(rx: Receiver<Arc<Outbox>>, grace: std::time::Duration) {
    let grace_ms = grace.as_millis() as u64;
    // SAFETY: epoll_create1 has no preconditions; the descriptor is checked below.
    let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    if ep < 0 {
        log::error!("ws: no epoll set for the flusher ({}); backlogs drain only as new frames come", std::io::Error::last_os_error());
        return;
    }
    let mut waiting: HashMap<u64, Arc<Outbox>> = HashMap::new();
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 256];
    let mut swept = clock_ms();
    loop {
        if waiting.is_empty() {
            match rx.recv() {
                Ok(o) => add(ep, &mut waiting, o),
                Err(_) => return,
            }
        }
        loop {
            match rx.try_recv() {
                Ok(o) => add(ep, &mut waiting, o),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return,
            }
        }
        // SAFETY: `events` has room for `events.len()` entries for the duration of the call.
        let n = unsafe { libc::epoll_wait(ep, events.as_mut_ptr(), events.len() as i32, TICK_MS) };
        for e in &events[..n.max(0) as usize] {
            let id = e.u64;
            if let Some(o) = waiting.get(&id)
                && o.flush_some()
            {
                remove(ep, &mut waiting, id);
            }
        }
        let now = clock_ms();
        if now.saturating_sub(swept) >= grace_ms.clamp(10, 1_000) {
            swept = now;
            let gone: Vec<u64> = waiting
                .values()
                .filter(|o| {
                    if o.is_cut() && now.saturating_sub(o.cut_at.load(Ordering::Relaxed)) >= grace_ms {
                        o.kill();
                    }
                    o.is_closed()
                })
                .map(|o| o.id)
                .collect();
            for id in gone {
                remove(ep, &mut waiting, id);
            }
        }
    }
}

/// Register a socket with a backlog. It may have room already (the flusher was told after the
/// kernel took part of a frame): an edge-triggered set reports that once, at registration.
fn add(ep: i32, waiting: &mut HashMap<u64, Arc<Outbox>>, o: Arc<Outbox>) {
    if waiting.contains_key(&o.id) {
        return;
    }
    let mut ev = libc::epoll_event { events: (libc::EPOLLOUT | libc::EPOLLET) as u32, u64: o.id };
    // SAFETY: `ep` is an epoll descriptor and the socket's descriptor is open while `o` lives.
    if unsafe { libc::epoll_ctl(ep, libc::EPOLL_CTL_ADD, o.stream.as_raw_fd(), &mut ev) } == 0 {
        waiting.insert(o.id, o);
    } else {
        // Not pollable any more (closed meanwhile): nothing will drain it.
        o.kill();
    }
}

fn remove(ep: i32, waiting: &mut HashMap<u64, Arc<Outbox>>, id: u64) {
    if let Some(o) = waiting.remove(&id) {
        // SAFETY: as in `add`; the descriptor is still open (`o` is alive until after the call).
        unsafe { libc::epoll_ctl(ep, libc::EPOLL_CTL_DEL, o.stream.as_raw_fd(), std::ptr::null_mut()) };
    }
}
