//! Per-thread reuse of the batch engine's large buffers (states, fields and products,
//! `N × B` each).
//!
//! A synchronous step allocates and frees buffers of a few hundred kilobytes to megabytes.
//! The system allocator (glibc's, on Linux) hands such blocks back to the operating system
//! when they are freed, and the next batch faults the pages in again, which measured up to a
//! sixth of a recall's CPU time. Each thread keeps a few of them instead.

use std::cell::RefCell;
use std::thread::LocalKey;

/// Buffers a thread keeps at most.
const KEEP: usize = 4;
/// Largest buffer kept, in bytes (larger ones go back to the allocator).
const MAX_BYTES: usize = 64 << 20;

thread_local! {
    static F32: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
    static F64: RefCell<Vec<Vec<f64>>> = const { RefCell::new(Vec::new()) };
}

/// Scalars with a buffer pool.
pub(crate) trait Pooled: Copy + Default + 'static {
    fn pool() -> &'static LocalKey<RefCell<Vec<Vec<Self>>>>;
}

impl Pooled for f32 {
    fn pool() -> &'static LocalKey<RefCell<Vec<Vec<Self>>>> {
        &F32
    }
}

impl Pooled for f64 {
    fn pool() -> &'static LocalKey<RefCell<Vec<Vec<Self>>>> {
        &F64
    }
}

/// A vector of `len` elements whose values are unspecified (left from an earlier use): the
/// caller overwrites every one.
pub(crate) fn take<T: Pooled>(len: usize) -> Vec<T> {
    let reused = T::pool().with(|p| {
        let mut p = p.borrow_mut();
        // The smallest kept buffer that is large enough, else the largest.
        let best = (0..p.len())
            .filter(|&k| p[k].capacity() >= len)
            .min_by_key(|&k| p[k].capacity())
            .or_else(|| (0..p.len()).max_by_key(|&k| p[k].capacity()));
        best.map(|k| p.swap_remove(k))
    });
    let mut v = reused.unwrap_or_default();
    if v.len() >= len {
        v.truncate(len);
    } else {
        v.resize(len, T::default());
    }
    v
}

/// Returns a buffer to this thread's pool.
pub(crate) fn give<T: Pooled>(v: Vec<T>) {
    if v.capacity() == 0 || v.capacity() * std::mem::size_of::<T>() > MAX_BYTES {
        return;
    }
    T::pool().with(|p| {
        let mut p = p.borrow_mut();
        if p.len() < KEEP {
            p.push(v);
        } else if let Some(k) = (0..p.len()).min_by_key(|&k| p[k].capacity())
            && p[k].capacity() < v.capacity()
        {
            p[k] = v;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_reused_and_sized() {
        let mut a = take::<f32>(1000);
        assert_eq!(a.len(), 1000);
        a.fill(3.0);
        let ptr = a.as_ptr();
        give(a);
        // A smaller request reuses the buffer (same allocation, truncated).
        let b = take::<f32>(10);
        assert_eq!(b.len(), 10);
        assert_eq!(b.as_ptr(), ptr);
        give(b);
        // A larger one grows it to the requested length.
        let c = take::<f32>(5000);
        assert_eq!(c.len(), 5000);
        give(c);
        // Other types have their own pool.
        let d = take::<f64>(7);
        assert_eq!(d.len(), 7);
        // Buffers above the size limit are not kept.
        give(vec![0f64; MAX_BYTES / 8 + 1]);
        assert!(F64.with(|p| p.borrow().iter().all(|v| v.capacity() <= MAX_BYTES / 8)));
        // At most KEEP buffers.
        for k in 0..10 {
            give(vec![0f32; 100 + k]);
        }
        assert!(F32.with(|p| p.borrow().len()) <= KEEP);
    }
}
