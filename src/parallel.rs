//! Per-call thread control: a pool of `n_jobs` threads (capped at the cores the process may
//! use, cached across calls), or the calling thread alone for `n_jobs = 1`, and the faer
//! parallelism ([`current_par`]) that matches the current context.

use std::sync::{Arc, Condvar, Mutex, PoisonError};

use faer::Par;

use crate::error::{invalid, Result};
use crate::interrupt;

thread_local! {
    /// Set while [`within`] runs work without a pool: the statistics are then built on this
    /// thread alone, not on rayon's global pool.
    static ONE_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The cores this process may run on (affinity mask and cgroup CPU quota, as the standard
/// library reads them); 1 when unknown.
pub fn usable_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Pools built so far, by size, and the process that built them: a forked child inherits
/// the pools but not their threads, so it builds its own.
struct PoolCache {
    pid: u32,
    pools: Vec<(usize, Arc<rayon::ThreadPool>)>,
}

static POOLS: Mutex<PoolCache> = Mutex::new(PoolCache {
    pid: 0,
    pools: Vec::new(),
});

/// A pool of exactly `threads` threads (at least one, at most [`usable_cores`]), built once
/// per size and process: starting threads on every call cost more than a small fit.
pub fn cached_pool(threads: usize) -> Result<Arc<rayon::ThreadPool>> {
    let threads = threads.clamp(1, usable_cores());
    let mut cache = POOLS.lock().unwrap_or_else(PoisonError::into_inner);
    let pid = std::process::id();
    if cache.pid != pid {
        // (the parent's pools have no threads here: dropping one would wait on none, so
        // they are leaked rather than joined)
        std::mem::forget(std::mem::take(&mut cache.pools));
        cache.pid = pid;
    }
    if let Some((_, pool)) = cache.pools.iter().find(|(k, _)| *k == threads) {
        return Ok(pool.clone());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("fastreg-{i}"))
        .build()
        .map(Arc::new)
        .map_err(|e| invalid("n_jobs", format!("cannot start the thread pool: {e}")))?;
    cache.pools.push((threads, pool.clone()));
    Ok(pool)
}

/// A pool of `n_jobs` threads (at most [`usable_cores`]), or `None` for one thread (see
/// [`within`]).
pub(crate) fn thread_pool(n_jobs: usize) -> Result<Option<Arc<rayon::ThreadPool>>> {
    if n_jobs.min(usable_cores()) <= 1 {
        return Ok(None);
    }
    cached_pool(n_jobs).map(Some)
}

/// Runs `f` on `pool`'s threads, or on the calling thread alone when there is no pool, so
/// that `n_jobs = 1` is one thread also while the Gram matrix is built: rayon's hand-offs, even
/// to a pool of one, cost more than a small path (benches/DECISIONS.md).
pub fn within<T: Send>(pool: Option<&rayon::ThreadPool>, f: impl FnOnce() -> T + Send) -> T {
    match pool {
        Some(pool) if interrupt::polls_here() => install_polled(pool, f),
        Some(pool) => pool.install(f),
        None => {
            struct Restore(bool);
            impl Drop for Restore {
                fn drop(&mut self) {
                    ONE_THREAD.set(self.0);
                }
            }
            let _restore = Restore(ONE_THREAD.replace(true));
            f()
        }
    }
}

/// `pool.install(f)` for the thread that polls for a stop (see [`interrupt::run_polled`]): it
/// would be blocked for all of `f`, so `f` runs as a task of the pool, obeying this call's
/// stop flag, while this thread waits and polls.
fn install_polled<T: Send>(pool: &rayon::ThreadPool, f: impl FnOnce() -> T + Send) -> T {
    /// Marks the task finished however it ends (a panic is re-raised by the scope).
    struct Finished<'a>(&'a (Mutex<bool>, Condvar));
    impl Drop for Finished<'_> {
        fn drop(&mut self) {
            *self.0 .0.lock().unwrap_or_else(PoisonError::into_inner) = true;
            self.0 .1.notify_all();
        }
    }
    let flag = interrupt::current();
    let finished = (Mutex::new(false), Condvar::new());
    let mut out = None;
    pool.in_place_scope(|scope| {
        let (out, finished) = (&mut out, &finished);
        scope.spawn(move |_| {
            let _finished = Finished(finished);
            *out = Some(interrupt::with_flag(flag.as_ref(), f));
        });
        let (done, wake) = finished;
        let mut done_now = *done.lock().unwrap_or_else(PoisonError::into_inner);
        while !done_now {
            let guard = done.lock().unwrap_or_else(PoisonError::into_inner);
            let (guard, _) = wake
                .wait_timeout_while(guard, interrupt::POLL_EVERY, |d| !*d)
                .unwrap_or_else(PoisonError::into_inner);
            done_now = *guard;
            drop(guard);
            if !done_now {
                interrupt::requested();
            }
        }
    });
    out.expect("the pool ran the task")
}

/// The parallelism the current context allows: `Par::Seq` on one thread, so that a
/// single-threaded run never pays for task spawning.
pub fn current_par() -> Par {
    let threads = rayon::current_num_threads();
    if threads <= 1 || ONE_THREAD.get() {
        Par::Seq
    } else {
        Par::rayon(threads)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `within(None, …)` is one thread even inside a pool of two, and only while it runs.
    #[test]
    fn within_no_pool_is_one_thread() {
        let two = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        two.install(|| {
            assert!(matches!(current_par(), Par::Rayon(_)));
            assert!(matches!(within(None, current_par), Par::Seq));
            assert!(matches!(
                within(None, || within(None, current_par)),
                Par::Seq
            ));
            assert!(matches!(within(Some(&two), current_par), Par::Rayon(_)));
            assert!(matches!(current_par(), Par::Rayon(_)));
        });
    }
}
