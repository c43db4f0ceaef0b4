//! Stopping a long computation early: a stop flag shared by the threads working for one call,
//! raised when the caller's poll (Python's signal check, in the bindings) asks to stop. Loops
//! ask [`requested`], layers that return a `Result` call [`check`]. Outside [`run_polled`]
//! nothing is ever requested, so the core used from Rust runs exactly as before.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{FastregError, Result};

/// Least time between two polls: a poll takes the GIL, so it stays rare next to the work,
/// and a Ctrl-C is still seen well within a second.
pub const POLL_EVERY: Duration = Duration::from_millis(100);

/// The stop flag of one call; clones share it with the threads that work for the call.
#[derive(Clone, Debug, Default)]
pub struct StopFlag(Arc<AtomicBool>);

impl StopFlag {
    fn is_raised(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    fn raise(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

type Poll = Box<dyn FnMut() -> bool>;

/// What this thread obeys: the flag of the call it works for, and on the thread that made
/// the call, the poll and when it is next due.
#[derive(Default)]
struct Local {
    flag: Option<StopFlag>,
    poll: Option<(Poll, Instant)>,
}

thread_local! {
    static LOCAL: RefCell<Local> = RefCell::new(Local::default());
}

/// Puts `local` in place for the life of the guard, and the previous state back after (also
/// on unwinding), so that nested calls, e.g. from a signal handler, each see their own.
struct Installed(Option<Local>);

impl Installed {
    fn new(local: Local) -> Self {
        Installed(Some(LOCAL.with(|l| l.replace(local))))
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        if let Some(previous) = self.0.take() {
            LOCAL.with(|l| *l.borrow_mut() = previous);
        }
    }
}

/// Runs `f` on this thread with `poll` consulted at most every [`POLL_EVERY`] by
/// [`requested`] (here and while [`crate::parallel::within`] waits for a pool); once `poll`
/// returns true, every thread working for the call sees the stop. Returns `f`'s output and
/// whether a stop was requested.
pub fn run_polled<T>(poll: impl FnMut() -> bool + 'static, f: impl FnOnce() -> T) -> (T, bool) {
    let flag = StopFlag::default();
    let _installed = Installed::new(Local {
        flag: Some(flag.clone()),
        poll: Some((Box::new(poll), Instant::now() + POLL_EVERY)),
    });
    let out = f();
    (out, flag.is_raised())
}

/// The stop flag this thread obeys, to hand to threads that work for the same call.
pub fn current() -> Option<StopFlag> {
    LOCAL.with_borrow(|l| l.flag.clone())
}

/// Whether this thread polls (it made the call, see [`run_polled`]).
pub fn polls_here() -> bool {
    LOCAL.with_borrow(|l| l.poll.is_some())
}

/// Runs `f` on this thread obeying `flag` (from [`current`] on the calling thread).
pub fn with_flag<T>(flag: Option<&StopFlag>, f: impl FnOnce() -> T) -> T {
    let _installed = Installed::new(Local {
        flag: flag.cloned(),
        poll: None,
    });
    f()
}

/// Whether the work should stop: the flag is raised, or this is the polling thread and its
/// poll, when due, says so. Cheap enough for every epoch.
pub fn requested() -> bool {
    let due = LOCAL.with_borrow_mut(|l| {
        let Some(flag) = &l.flag else { return None };
        if flag.is_raised() {
            return Some(true);
        }
        match &mut l.poll {
            Some((_, next)) => {
                let now = Instant::now();
                if now < *next {
                    return Some(false);
                }
                *next = now + POLL_EVERY;
                None
            }
            None => Some(false),
        }
    });
    if let Some(stop) = due {
        return stop;
    }
    // The poll may run arbitrary code (a Python signal handler), even a nested fit: it is
    // taken out of the thread's state while it runs.
    let Some((mut poll, next)) = LOCAL.with_borrow_mut(|l| l.poll.take()) else {
        return false;
    };
    let stop = poll();
    LOCAL.with_borrow_mut(|l| {
        l.poll = Some((poll, next));
        if stop {
            if let Some(flag) = &l.flag {
                flag.raise();
            }
        }
    });
    stop
}

/// [`requested`] as an error, for the layers that return a `Result`.
pub fn check() -> Result<()> {
    if requested() {
        Err(FastregError::Interrupted)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;

    /// Without a poll nothing is ever requested.
    #[test]
    fn never_requested_outside_a_polled_call() {
        assert!(!requested());
        assert!(check().is_ok());
        assert!(!with_flag(None, requested));
    }

    /// A poll that says stop raises the flag for the calling thread and for threads given
    /// it, and the state is restored after the call.
    #[test]
    fn a_stop_reaches_every_thread_of_the_call() {
        let calls = Rc::new(Cell::new(0));
        let seen = calls.clone();
        let (worker_saw, stopped) = run_polled(
            move || {
                seen.set(seen.get() + 1);
                true
            },
            || {
                let flag = current();
                std::thread::sleep(POLL_EVERY);
                assert!(requested());
                assert!(check().is_err());
                std::thread::spawn(move || with_flag(flag.as_ref(), requested))
                    .join()
                    .unwrap()
            },
        );
        assert!(worker_saw && stopped);
        assert_eq!(calls.get(), 1);
        assert!(!requested() && !polls_here() && current().is_none());
    }

    /// The poll runs at most once per [`POLL_EVERY`].
    #[test]
    fn polls_are_throttled() {
        let calls = Rc::new(Cell::new(0));
        let seen = calls.clone();
        let (_, stopped) = run_polled(
            move || {
                seen.set(seen.get() + 1);
                false
            },
            || {
                for _ in 0..100_000 {
                    assert!(!requested());
                }
            },
        );
        assert!(!stopped);
        assert!(calls.get() <= 1);
    }
}
