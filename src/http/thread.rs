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

/// The new thread's entry: run the job; a panic ends this thread only (the panic hook has printed it).
extern "C" fn run(arg: *mut libc::c_void) -> *mut libc::c_void {
    // SAFETY: `arg` is the Box<Job> leaked by `spawn`, handed to this thread alone.
    let job = unsafe { Box::from_raw(arg.cast::<Job>()) };
    // Unwinding out of an `extern "C"` function would abort the process: stop it here.
    let _ = catch_unwind(AssertUnwindSafe(move || (*job)()));
    std::ptr::null_mut()
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

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
