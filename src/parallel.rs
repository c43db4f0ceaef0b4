//! Per-call thread control: a pool of `n_jobs` threads, or the calling thread alone for
//! `n_jobs = 1`, and the faer parallelism ([`current_par`]) that matches the current context.

use faer::Par;

use crate::error::{invalid, Result};

thread_local! {
    /// Set while [`within`] runs work without a pool: the statistics are then built on this
    /// thread alone, not on rayon's global pool.
    static ONE_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// A pool of `n_jobs` threads, or `None` for one thread (see [`within`]).
pub(crate) fn thread_pool(n_jobs: usize) -> Result<Option<rayon::ThreadPool>> {
    if n_jobs <= 1 {
        return Ok(None);
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(n_jobs)
        .build()
        .map(Some)
        .map_err(|e| invalid("n_jobs", format!("cannot start the thread pool: {e}")))
}

/// Runs `f` on `pool`'s threads, or on the calling thread alone when there is no pool, so
/// that `n_jobs = 1` is one thread also while the Gram matrix is built: rayon's hand-offs, even
/// to a pool of one, cost more than a small path (benches/DECISIONS.md).
pub fn within<T: Send>(pool: Option<&rayon::ThreadPool>, f: impl FnOnce() -> T + Send) -> T {
    match pool {
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
