//! Connection threads with two memory mappings each instead of four (issue 21, idle).
//!
//! `std::thread` gives every thread a stack with its guard page (two mappings) and, because std
//! reports stack overflows itself, a signal stack with its own guard page (two more). With
//! `vm.max_map_count` at its default 65,530, four mappings a thread stop a thread-per-connection
//! server near 16,000 connections, below the 20,000 descriptors a process may hold here. A
//! connection thread made with `pthread_create` directly keeps the stack and its guard page and has
//! no signal stack: an overflow still hits the guard page, and the process still dies of it (by
//! SIGSEGV, without std's "thread overflowed its stack" line: with no signal stack the handler cannot
//! run on the overflowed one). Everything else std offers a thread works in such a thread: locals,
//! `thread::current()` (unnamed), panics (caught here and logged, as a std thread's would end).

use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// How much lower bulk work runs than chat (`background`): at nice 10 a thread gets about a tenth of
/// a nice-0 thread's share of a busy core.
const BACKGROUND_NICE: i32 = 10;

/// Run `f` on a thread of its own at a lower CPU priority and wait for it: for bulk work a request
/// asks for (a copy of the whole database, an export) that would otherwise take a core from chat on
/// a small machine (`frontdesk-bench mixed`: back-to-back backups held one of two cores). A thread of
/// its own because an unprivileged process can lower a thread's priority but not raise it back, and
/// the connection thread goes on serving its socket afterwards. If no thread can be had, `f` runs
/// here at the usual priority.
pub fn background<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    let f = std::sync::Mutex::new(Some(f));
    let take = || f.lock().unwrap_or_else(|p| p.into_inner()).take().expect("run once");
    let done = std::thread::scope(|s| {
        let worker = std::thread::Builder::new().name("background".into()).spawn_scoped(s, || {
            lower_this_thread();
            take()()
        });
        worker.ok().map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    });
    done.unwrap_or_else(|| take()())
}

/// Linux sets `nice` per thread: `setpriority(PRIO_PROCESS, tid)` changes only the caller. Relative
/// to the thread's own value, so a server already run under `nice` goes lower still, never higher.
fn lower_this_thread() {
    // SAFETY: gettid has no preconditions; getpriority and setpriority only read their arguments.
    unsafe {
        let tid = libc::gettid() as libc::id_t;
        let now = libc::getpriority(libc::PRIO_PROCESS, tid);
        libc::setpriority(libc::PRIO_PROCESS, tid, (now + BACKGROUND_NICE).min(19));
    }
}

/// The closure a new thread runs, boxed twice so a thin pointer crosses `pthread_create`.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// Start a detached thread with a `stack`-byte stack (at least the platform's minimum) running `f`.
/// On error `f` is dropped unrun.
pub fn spawn(stack: usize, f: impl FnOnce() + Send + 'static) -> io::Result<()> {
    let job: Box<Job> = Box::new(Box::new(f));
    let arg = Box::into_raw(job).cast::<libc::c_void>();
    // SAFETY: `attr` is initialised by pthread_attr_init before use and destroyed after; `arg` is a
    // leaked Box<Job> that exactly one side reclaims: `run` when the thread starts, or this function
    // when pthread_create fails (then no thread saw it).
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        let rc = libc::pthread_attr_init(&mut attr);
        if rc != 0 {
            drop(Box::from_raw(arg.cast::<Job>()));
            return Err(io::Error::from_raw_os_error(rc));
        }
        let mut rc = libc::pthread_attr_setstacksize(&mut attr, stack.max(libc::PTHREAD_STACK_MIN));
        if rc == 0 {
            rc = libc::pthread_attr_setdetachstate(&mut attr, libc::PTHREAD_CREATE_DETACHED);
        }
        if rc == 0 {
            let mut id: libc::pthread_t = std::mem::zeroed();
            rc = libc::pthread_create(&mut id, &attr, run, arg);
        }
        libc::pthread_attr_destroy(&mut attr);
        if rc != 0 {
            drop(Box::from_raw(arg.cast::<Job>()));
            return Err(io::Error::from_raw_os_error(rc));
        }
    }
    Ok(())
}

thread_local! {
    /// The lowest usable address of this connection thread's stack (0 in other threads).
    static STACK_LOW: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Stack kept below the caller's frame by `trim_stack`: what the blocking read under it uses
/// (tungstenite's read, our stream's, the syscall's wrapper), rounded down to a page boundary.
/// Called from the reader loop, `trim_stack` ran 7,553 bytes below the top of its stack with a change
/// tried on 2026-11-30 (the flood's peer window, reverted): with 1 KiB kept, an idle thread then kept three
/// pages instead of two (23.2 KiB per idle connection instead of 19.0, `frontdesk-bench idle -n 3000
/// --quick`); with 512 bytes the blocking read faults nothing back (19.0 KiB). The margin to the next page is
/// small: a change that deepens the frames above the loop shows as +4 KiB in that row.
const TRIM_KEEP: usize = 512;

/// Give back the pages of this connection thread's stack more than `TRIM_KEEP` below the caller's
/// frame. The handshake (HTTP parsing, session lookup in SQLite) and the last frame's handler touch
/// pages far below the reader loop (which itself sits ~7 KiB below the top); without this an idle
/// socket's thread keeps them resident for its whole life (16 KiB of its ~28 KiB, measured at 5,000
/// idle widgets). They come back as zero pages when the next message needs them: one page fault
/// each, against a syscall here per frame read (issue 21, idle: 27.8 → 19.8 KiB per connection).
pub fn trim_stack() {
    let low = STACK_LOW.with(std::cell::Cell::get);
    if low == 0 {
        return;
    }
    let marker = 0u8;
    let here = std::ptr::addr_of!(marker) as usize;
    let page = page_size();
    let end = here.saturating_sub(TRIM_KEEP) & !(page - 1);
    let start = (low + page - 1) & !(page - 1);
    if end > start {
        // SAFETY: [start, end) lies inside this thread's own stack, below the live frames by more than
        // TRIM_KEEP (the stack grows down; no signal handler runs on it while this thread is here):
        // nothing refers to it; MADV_DONTNEED only drops its pages, which read back as zeros.
        unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED) };
    }
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
        n if n > 0 => n as usize,
        _ => 4096,
    }
}

/// The lowest usable address of the calling thread's stack.
fn stack_low() -> usize {
    // SAFETY: pthread_getattr_np fills `attr`, which is destroyed after reading the stack's bounds.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return 0;
        }
        let (mut addr, mut size) = (std::ptr::null_mut(), 0usize);
        let rc = libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        if rc == 0 { addr as usize } else { 0 }
    }
}

/// The new thread's entry: run the job; a panic ends this thread only (the panic hook has printed it).
extern "C" fn run(arg: *mut libc::c_void) -> *mut libc::c_void {
    STACK_LOW.with(|l| l.set(stack_low()));
    // SAFETY: `arg` is the Box<Job> leaked by `spawn`, handed to this thread alone.
    let job = unsafe { Box::from_raw(arg.cast::<Job>()) };
    // Unwinding out of an `extern "C"` function would abort the process: stop it here.
    let _ = catch_unwind(AssertUnwindSafe(move || (*job)()));
    std::ptr::null_mut()
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    /// This thread's nice value, from /proc (field 19 of `stat`, after the command's parentheses).
    fn nice_here() -> i64 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        stat[stat.rfind(')').unwrap() + 2..].split(' ').nth(16).unwrap().parse().unwrap()
    }

    #[test]
    fn background_work_runs_at_a_lower_priority_and_the_caller_keeps_its_own() {
        let before = nice_here();
        let (inside, value) = super::background(|| (nice_here(), 42));
        assert_eq!(value, 42);
        assert_eq!(inside, (before + super::BACKGROUND_NICE as i64).min(19), "the background thread is niced");
        assert_eq!(nice_here(), before, "the caller's priority is unchanged");
    }

    #[test]
    fn runs_the_closure_on_its_own_thread_and_survives_a_panic() {
        let (tx, rx) = mpsc::channel();
        let main = std::thread::current().id();
        super::spawn(64 * 1024, move || tx.send(std::thread::current().id()).unwrap()).unwrap();
        assert_ne!(rx.recv().unwrap(), main);
        let (tx, rx) = mpsc::channel::<()>();
        super::spawn(64 * 1024, move || {
            let _tx = tx; // dropped while unwinding: the receiver sees the end
            // resume_unwind unwinds as a panic does but skips the panic hook, so the test log carries
            // no panic message and backtrace for CI's summary to mistake for the failure.
            std::panic::resume_unwind(Box::new("a connection's bug ends its own thread only"));
        })
        .unwrap();
        assert!(rx.recv().is_err());
    }

    /// Touch `bytes` of stack below the caller (a page a frame), so those pages are resident.
    #[inline(never)]
    fn touch_deep(bytes: usize) {
        let mut page = [0u8; 4096];
        std::hint::black_box(&mut page);
        if bytes > page.len() {
            touch_deep(bytes - page.len());
        }
        std::hint::black_box(&page);
    }

    /// How many pages of this thread's stack are resident more than `skip` bytes below the caller.
    #[inline(never)]
    fn resident_below(skip: usize) -> usize {
        let low = super::STACK_LOW.with(std::cell::Cell::get);
        let marker = 0u8;
        let page = super::page_size();
        let start = (low + page - 1) & !(page - 1);
        let end = (std::ptr::addr_of!(marker) as usize - skip) & !(page - 1);
        let mut flags = vec![0u8; (end - start) / page];
        // SAFETY: [start, end) is inside this thread's stack mapping; `flags` has a byte per page.
        assert_eq!(unsafe { libc::mincore(start as *mut libc::c_void, end - start, flags.as_mut_ptr()) }, 0);
        flags.iter().filter(|f| **f & 1 == 1).count()
    }

    #[test]
    fn trimming_gives_back_the_stack_pages_below_the_caller() {
        let (tx, rx) = mpsc::channel();
        super::spawn(256 * 1024, move || {
            touch_deep(96 * 1024);
            let before = resident_below(8 * 1024);
            super::trim_stack();
            let after = resident_below(8 * 1024);
            touch_deep(96 * 1024); // the pages come back when needed
            tx.send((before, after, resident_below(8 * 1024))).unwrap();
        })
        .unwrap();
        let (before, after, again) = rx.recv().unwrap();
        assert!(before >= 16, "a deep call left {before} pages resident");
        assert_eq!(after, 0, "trimmed: nothing resident more than 8 KiB below the caller");
        assert!(again >= 16, "usable again: {again} pages");
    }

    /// What this thread has: (a signal stack, a stack guard of at least a page).
    fn signal_stack_and_guard() -> (bool, bool) {
        // SAFETY: sigaltstack with a null new stack only reads the current one into `old`;
        // pthread_getattr_np fills `attr`, which is destroyed after reading its guard size.
        unsafe {
            let mut old: libc::stack_t = std::mem::zeroed();
            assert_eq!(libc::sigaltstack(std::ptr::null(), &mut old), 0);
            let mut attr: libc::pthread_attr_t = std::mem::zeroed();
            assert_eq!(libc::pthread_getattr_np(libc::pthread_self(), &mut attr), 0);
            let mut guard = 0usize;
            assert_eq!(libc::pthread_attr_getguardsize(&attr, &mut guard), 0);
            libc::pthread_attr_destroy(&mut attr);
            (old.ss_flags & libc::SS_DISABLE == 0, guard >= 4096)
        }
    }

    #[test]
    fn a_guard_page_and_no_signal_stack_two_mappings_instead_of_four() {
        let (tx, rx) = mpsc::channel();
        super::spawn(256 * 1024, move || tx.send(signal_stack_and_guard()).unwrap()).unwrap();
        assert_eq!(rx.recv().unwrap(), (false, true), "ours: a stack guard, no signal stack");
        // The control: a std thread has both, which is the two extra mappings this module avoids.
        let std_thread = std::thread::Builder::new().stack_size(256 * 1024).spawn(signal_stack_and_guard).unwrap();
        assert_eq!(std_thread.join().unwrap(), (true, true), "std: a stack guard and a signal stack");
    }
}
