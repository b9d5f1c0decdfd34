//! How many connections this process can really hold. Each costs one descriptor, one thread and
//! the thread's memory mappings; past any of those limits a thread-per-connection server does not
//! slow down, it fails (a std thread that cannot map its signal stack aborts the process; ours,
//! `http::thread`, have none, but the cap keeps them clear of the limit anyway). `measure` reads the
//! limits from the OS once at start; `connection_cap` is the arithmetic, kept pure.

use std::path::Path;

/// Mappings per connection thread: its stack and the stack's guard page. (A std thread has a signal
/// stack and its guard page too: 2,000 idle connections took 8,018 more lines in /proc/PID/maps, 4.01
/// each, which capped this machine near 15,300; `http::thread` makes connection threads without.)
pub const MAPS_PER_CONNECTION: u64 = 2;
/// Descriptors for everything but connections: the database (writer, read pool with its WAL files,
/// each connection two), logs, the listener, the lock file, one accepted socket awaiting its 503.
pub const FD_RESERVE: u64 = 64 + 2 * crate::db::POOL_KEEP as u64;
/// Mappings the process adds beyond the threads: malloc arenas (8 per core), SQLite's shared memory,
/// large buffers mapped on their own. Generous: being short here is a crash, being long a few
/// hundred connections fewer.
pub const MAP_RESERVE: u64 = 4096;
/// Threads of ours besides connections (about 7), plus room for other processes' growth, since
/// thread ids are counted machine-wide.
pub const THREAD_RESERVE: u64 = 64;

/// The numbers the cap is computed from. `None` is unlimited or unknown.
#[derive(Clone, Debug, Default)]
pub struct Measured {
    /// Soft `RLIMIT_NOFILE`, and the descriptors open now.
    pub nofile: Option<u64>,
    pub fds_open: u64,
    /// `vm.max_map_count`, and the mappings this process has now.
    pub max_map_count: Option<u64>,
    pub maps_open: u64,
    /// Soft `RLIMIT_NPROC`, only where the kernel enforces it (not for root).
    pub nproc: Option<u64>,
    pub threads_max: Option<u64>,
    pub pid_max: Option<u64>,
    /// Threads running on the whole machine now (what `threads-max` and `pid_max` count).
    pub threads_open: u64,
}

/// The cap to apply, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Cap {
    pub connections: usize,
    /// What the process could hold, whatever was asked.
    pub room: usize,
    /// The limit that set the cap below what was asked, as the operator would name it.
    pub limited_by: Option<String>,
}

impl Cap {
    /// The start-up log line: `connection cap 14,900 (asked 30,000; limited by ...)`.
    pub fn describe(&self, asked: usize) -> String {
        match (&self.limited_by, self.room) {
            (Some(why), _) => format!("connection cap {} (asked {}; limited by {why})", thousands(self.connections), thousands(asked)),
            (None, usize::MAX) => format!("connection cap {} (as asked; no limit measured)", thousands(self.connections)),
            (None, room) => {
                format!("connection cap {} (as asked; the process could hold {})", thousands(self.connections), thousands(room))
            }
        }
    }
}

/// The connection cap: `asked`, lowered to the tightest limit in `m` (never below 1).
pub fn connection_cap(asked: usize, m: &Measured) -> Cap {
    let mut limits: Vec<(u64, String)> = Vec::new();
    if let Some(n) = m.nofile {
        limits.push((n.saturating_sub(m.fds_open + FD_RESERVE), format!("descriptors: RLIMIT_NOFILE {n}")));
    }
    if let Some(n) = m.max_map_count {
        let room = n.saturating_sub(m.maps_open + MAP_RESERVE) / MAPS_PER_CONNECTION;
        limits.push((room, format!("memory mappings: vm.max_map_count {n}")));
    }
    for (n, name) in [(m.nproc, "RLIMIT_NPROC"), (m.threads_max, "kernel.threads-max"), (m.pid_max, "kernel.pid_max")] {
        if let Some(n) = n {
            limits.push((n.saturating_sub(m.threads_open + THREAD_RESERVE), format!("threads: {name} {n}")));
        }
    }
    // The first of equals wins: descriptors are the limit an operator can most easily raise.
    let tightest = limits.into_iter().reduce(|a, b| if b.0 < a.0 { b } else { a });
    let room = tightest.as_ref().map_or(usize::MAX, |(n, _)| usize::try_from(*n).unwrap_or(usize::MAX));
    let limited_by = tightest.filter(|_| room < asked).map(|(_, why)| why);
    Cap { connections: asked.min(room).max(1), room, limited_by }
}

/// Read the limits of this process and machine (Linux; elsewhere, what can be read).
pub fn measure() -> Measured {
    let count = |dir: &str| std::fs::read_dir(dir).map(|d| d.count() as u64).unwrap_or(0);
    let lines = |file: &str| std::fs::read_to_string(file).map(|s| s.lines().count() as u64).unwrap_or(0);
    // SAFETY: geteuid has no failure mode.
    let root = unsafe { libc::geteuid() } == 0;
    Measured {
        // SAFETY (both): getrlimit writes only into the struct it is given.
        nofile: soft_limit(|r| unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, r) }),
        // read_dir holds one descriptor of its own while counting: it is gone when we use the number.
        fds_open: count("/proc/self/fd").saturating_sub(1),
        max_map_count: read_number("/proc/sys/vm/max_map_count"),
        maps_open: lines("/proc/self/maps"),
        nproc: if root { None } else { soft_limit(|r| unsafe { libc::getrlimit(libc::RLIMIT_NPROC, r) }) },
        threads_max: read_number("/proc/sys/kernel/threads-max"),
        pid_max: read_number("/proc/sys/kernel/pid_max"),
        threads_open: threads_on_machine(),
    }
}

/// The soft limit `get` reads; `None` if unlimited or unreadable. (A closure, because the type of
/// the resource argument differs between libcs.)
fn soft_limit(get: impl FnOnce(&mut libc::rlimit) -> libc::c_int) -> Option<u64> {
    let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    if get(&mut r) != 0 || r.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    #[allow(clippy::unnecessary_cast)] // rlim_t is 32 bits on some targets
    Some(r.rlim_cur as u64)
}

fn read_number(path: impl AsRef<Path>) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// The fourth field of /proc/loadavg is `running/total` scheduling entities: every thread.
fn threads_on_machine() -> u64 {
    let s = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    s.split_whitespace().nth(3).and_then(|f| f.split_once('/')).and_then(|(_, t)| t.parse().ok()).unwrap_or(0)
}

/// `14900` -> `14,900`, for log lines people read.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This machine as measured: 20,000 descriptors, 65,530 mappings, pid_max 32,768.
    fn here() -> Measured {
        Measured {
            nofile: Some(20_000),
            fds_open: 8,
            max_map_count: Some(65_530),
            maps_open: 80,
            nproc: None,
            threads_max: Some(192_729),
            pid_max: Some(32_768),
            threads_open: 105,
        }
    }

    #[test]
    fn descriptors_bind_first_on_this_machine() {
        let c = connection_cap(30_000, &here());
        assert_eq!(c.connections, 20_000 - 8 - FD_RESERVE as usize);
        assert!(c.connections > 19_020, "19,000 widgets and 20 agents fit");
        assert_eq!(c.limited_by.as_deref(), Some("descriptors: RLIMIT_NOFILE 20000"));
        let asked = connection_cap(10_000, &here());
        assert_eq!((asked.connections, asked.limited_by.as_deref()), (10_000, None), "what was asked fits");
        assert_eq!(asked.room, c.connections);
        assert_eq!(c.describe(30_000), "connection cap 19,896 (asked 30,000; limited by descriptors: RLIMIT_NOFILE 20000)");
        assert_eq!(asked.describe(10_000), "connection cap 10,000 (as asked; the process could hold 19,896)");
        // Memory mappings bind where descriptors are plentiful: two a connection.
        let many_fds = connection_cap(100_000, &Measured { nofile: Some(1_000_000), ..here() });
        assert_eq!(many_fds.connections, (65_530 - 80 - MAP_RESERVE as usize) / 2);
        assert_eq!(many_fds.limited_by.as_deref(), Some("memory mappings: vm.max_map_count 65530"));
    }

    #[test]
    fn descriptors_threads_and_the_floor() {
        let m = Measured { nofile: Some(120), fds_open: 9, ..here() };
        let c = connection_cap(10_000, &m);
        assert_eq!(c.connections, 120 - 9 - FD_RESERVE as usize);
        assert_eq!(c.limited_by.as_deref(), Some("descriptors: RLIMIT_NOFILE 120"));

        let m = Measured { pid_max: Some(4_096), threads_open: 1_000, ..here() };
        let c = connection_cap(10_000, &m);
        assert_eq!(c.connections, 4_096 - 1_000 - THREAD_RESERVE as usize);
        assert_eq!(c.limited_by.as_deref(), Some("threads: kernel.pid_max 4096"));
        let m = Measured { nproc: Some(2_000), ..here() };
        assert_eq!(connection_cap(10_000, &m).limited_by.as_deref(), Some("threads: RLIMIT_NPROC 2000"));

        let starved = connection_cap(10_000, &Measured { nofile: Some(50), ..here() });
        assert_eq!((starved.connections, starved.room), (1, 0), "still serves one connection at a time");
        let unknown = connection_cap(7, &Measured::default());
        assert_eq!((unknown.connections, unknown.room, unknown.limited_by), (7, usize::MAX, None));
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(14_900), "14,900");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
