//! One memory budget for every socket's outgoing backlog. Each `Outbox` adds what its backlog holds
//! (the bytes it has allocated, not just the bytes it still has to send) to `used` and takes it back
//! as the backlog drains. An append that would take `used` over `limit` first cuts the readers with
//! the largest backlogs until it fits: the largest backlog is the reader furthest behind in bytes,
//! and cutting it frees the most memory for one disconnected client (cutting the oldest unread
//! would cut a slow phone that is 2 KiB behind before a dead tab that is 900 KiB behind). A cut client
//! gets close code `CUT_CODE` and reconnects and resumes from its last event, so nothing is lost.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use super::outbox::Outbox;

/// Close code for a client cut because it reads too slowly (its backlog overflowed, or the budget was
/// spent and it was among the furthest behind): 1013, "try again later". Reconnect and `resume`.
pub const CUT_CODE: u16 = 1013;

pub struct Budget {
    /// Bytes all backlogs may hold together.
    pub limit: usize,
    used: AtomicUsize,
    cuts: AtomicU64,
    /// Every open outbox, for choosing whom to cut (scanned only when the budget is spent).
    all: Mutex<HashMap<u64, Weak<Outbox>>>,
    /// One cutter at a time, so two appends do not both cut for the same shortfall.
    cutting: Mutex<()>,
    /// Backlogs were cut since the last `give_back_freed_memory`.
    freed: AtomicBool,
}

impl Budget {
    pub fn new(limit: usize) -> Arc<Budget> {
        Arc::new(Budget {
            limit,
            used: AtomicUsize::new(0),
            cuts: AtomicU64::new(0),
            all: Mutex::default(),
            cutting: Mutex::default(),
            freed: AtomicBool::new(false),
        })
    }

    /// Bytes the backlogs hold now.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// Clients cut to keep within the budget (or their own backlog's cap) since start.
    pub fn cuts(&self) -> u64 {
        self.cuts.load(Ordering::Relaxed)
    }

    pub(super) fn counted_cut(&self) {
        self.cuts.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn register(&self, o: &Arc<Outbox>) {
        self.all.lock().unwrap_or_else(|p| p.into_inner()).insert(o.id, Arc::downgrade(o));
    }

    pub(super) fn unregister(&self, id: u64) {
        self.all.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
    }

    /// Account a change of what one backlog holds (`from` -> `to` bytes).
    pub(super) fn adjust(&self, from: usize, to: usize) {
        if to > from {
            self.used.fetch_add(to - from, Ordering::Relaxed);
        } else {
            self.used.fetch_sub(from - to, Ordering::Relaxed);
        }
    }

    /// Whether `more` bytes fit now.
    pub(super) fn fits(&self, more: usize) -> bool {
        self.used().saturating_add(more) <= self.limit
    }

    /// Cut the readers furthest behind (largest backlog first) until `more` bytes fit. The caller
    /// holds no backlog lock. Returns false when nothing is left to cut and it still does not fit.
    pub(super) fn make_room(&self, more: usize) -> bool {
        let _one = self.cutting.lock().unwrap_or_else(|p| p.into_inner());
        if self.fits(more) {
            return true;
        }
        // The registry's lock is released before any `Arc` is dropped (an outbox's drop takes it).
        let open: Vec<Arc<Outbox>> = self.all.lock().unwrap_or_else(|p| p.into_inner()).values().filter_map(Weak::upgrade).collect();
        let mut behind: Vec<(usize, Arc<Outbox>)> =
            open.into_iter().map(|o| (o.held(), o)).filter(|(held, o)| *held > 0 && !o.is_cut()).collect();
        behind.sort_unstable_by_key(|b| std::cmp::Reverse(b.0));
        // Cut down to 7/8 of the budget, not just until `more` fits: otherwise during a flood the
        // next append is over again, and every append scans and sorts every socket (measured: normal
        // clients' p99 in seconds, behind the fan-out thread doing that).
        let target = (self.limit - self.limit / 8).saturating_sub(more);
        let mut cut = 0;
        for (held, o) in behind {
            if self.used() <= target {
                break;
            }
            cut += 1;
            log::info!("ws {}: reader too slow ({} KiB waiting) and the backlog budget is spent, disconnecting", o.id, held / 1024);
            o.cut();
        }
        if cut > 0 {
            self.freed.store(true, Ordering::Relaxed);
        }
        self.fits(more)
    }

    /// After a cut wave, return the heap pages the cut backlogs freed to the system: glibc's malloc
    /// keeps them in its arenas otherwise. Called by the pinger every half second, not by the
    /// cutter: a trim took 1-20 ms each (measured in the flood), and the cutter is the fan-out thread.
    pub fn give_back_freed_memory(&self) {
        if self.freed.swap(false, Ordering::Relaxed) {
            trim();
        }
    }
}

/// `malloc_trim` (glibc). musl's allocator (the static release builds) gives pages back by itself.
fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim has no preconditions; it only releases free memory.
    unsafe {
        libc::malloc_trim(0);
    }
}
