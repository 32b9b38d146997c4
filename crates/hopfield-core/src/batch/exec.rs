//! Splitting preparation work over threads that the caller owns.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

/// Runs independent tasks, possibly in parallel. hopfield-core starts no threads: a caller
/// with a thread pool passes an executor over it to [`BatchPlan::prepare`], which then splits
/// the building of its `N × N` columns into tasks. Results never depend on the executor: the
/// tasks write disjoint parts, each computed the same way whichever thread runs it.
///
/// ```
/// use hopfield_core::batch::{Executor, Sequential};
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// // An executor that runs every task on the calling thread, counting them.
/// struct Counting(AtomicUsize);
/// impl Executor for Counting {
///     fn for_each(&self, count: usize, task: &(dyn Fn(usize) + Sync)) {
///         for k in 0..count {
///             self.0.fetch_add(1, Ordering::Relaxed);
///             task(k);
///         }
///     }
/// }
/// let exec = Counting(AtomicUsize::new(0));
/// let sum = AtomicUsize::new(0);
/// exec.for_each(4, &|k| {
///     sum.fetch_add(k, Ordering::Relaxed);
/// });
/// assert_eq!((exec.0.into_inner(), sum.into_inner()), (4, 6));
///
/// // The executor hopfield-core uses when none is given: the calling thread, in order.
/// let order = std::sync::Mutex::new(Vec::new());
/// Sequential.for_each(3, &|k| order.lock().unwrap().push(k));
/// assert_eq!(order.into_inner().unwrap(), [0, 1, 2]);
/// ```
///
/// With rayon (as hopfield-memory does):
/// ```text
/// struct Rayon;
/// impl Executor for Rayon {
///     fn for_each(&self, count: usize, task: &(dyn Fn(usize) + Sync)) {
///         (0..count).into_par_iter().with_max_len(1).for_each(task);
///     }
/// }
/// ```
///
/// [`BatchPlan::prepare`]: crate::BatchPlan::prepare
pub trait Executor: Sync {
    /// Calls `task(k)` exactly once for every `k` in `0..count`, in any order and from any
    /// threads, and returns when every call has returned.
    fn for_each(&self, count: usize, task: &(dyn Fn(usize) + Sync));
}

/// Runs every task on the calling thread, in order.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sequential;

impl Executor for Sequential {
    fn for_each(&self, count: usize, task: &(dyn Fn(usize) + Sync)) {
        for k in 0..count {
            task(k);
        }
    }
}

/// Columns per task when the `N × N` columns are built.
pub(crate) const COLUMN_BLOCK: usize = 64;

/// Runs `task(k)` for every `k` in `0..count` through `exec`, then, on the calling thread,
/// every task the executor skipped: an executor that breaks its contract costs time, never a
/// wrong result. Calls with `k ≥ count` are ignored.
pub(crate) fn run_all(exec: &dyn Executor, count: usize, task: &(dyn Fn(usize) + Sync)) {
    let done: Vec<AtomicBool> = (0..count).map(|_| AtomicBool::new(false)).collect();
    exec.for_each(count, &|k| {
        if let Some(flag) = done.get(k) {
            task(k);
            flag.store(true, Ordering::Release);
        }
    });
    for (k, flag) in done.iter().enumerate() {
        if !flag.load(Ordering::Acquire) {
            task(k);
        }
    }
}

/// Disjoint parts of one buffer (or one value per part), each written by one task.
pub(crate) struct Parts<T>(Vec<Mutex<T>>);

impl<T> Parts<T> {
    pub(crate) fn new(parts: impl IntoIterator<Item = T>) -> Self {
        Parts(parts.into_iter().map(Mutex::new).collect())
    }

    /// Calls `f` on part `k`. A part is locked by one task at a time; a task that panicked
    /// leaves its part to be overwritten by the next one.
    pub(crate) fn with<R>(&self, k: usize, f: impl FnOnce(&mut T) -> R) -> R {
        let mut guard = self.0[k].lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }

    pub(crate) fn into_inner(self) -> Vec<T> {
        self.0
            .into_iter()
            .map(|m| m.into_inner().unwrap_or_else(PoisonError::into_inner))
            .collect()
    }
}

/// Executors for tests: threads in a scrambled order, and executors that break the contract.
#[cfg(test)]
pub(crate) mod testing {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::Executor;

    /// Three scoped threads taking tasks last to first.
    pub(crate) struct Threads;

    impl Executor for Threads {
        fn for_each(&self, count: usize, task: &(dyn Fn(usize) + Sync)) {
            let next = AtomicUsize::new(0);
            std::thread::scope(|scope| {
                for _ in 0..3 {
                    scope.spawn(|| {
                        loop {
                            let t = next.fetch_add(1, Ordering::Relaxed);
                            if t >= count {
                                break;
                            }
                            task(count - 1 - t);
                        }
                    });
                }
            });
        }
    }

    /// Runs only the even tasks, then calls one out of range.
    pub(crate) struct Skipping;

    impl Executor for Skipping {
        fn for_each(&self, count: usize, task: &(dyn Fn(usize) + Sync)) {
            for k in (0..count).step_by(2) {
                task(k);
            }
            task(count + 3);
        }
    }

    /// Runs every task twice, last to first.
    pub(crate) struct Twice;

    impl Executor for Twice {
        fn for_each(&self, count: usize, task: &(dyn Fn(usize) + Sync)) {
            for k in (0..count).rev() {
                task(k);
                task(k);
            }
        }
    }
}
