//! Per-thread reuse of the batch engine's large buffers (states, fields and products,
//! `N × B` each).
//!
//! A synchronous step allocates and frees buffers of a few hundred kilobytes to megabytes.
//! The system allocator (glibc's, on Linux) hands such blocks back to the operating system
//! when they are freed, and the next batch faults the pages in again, which measured up to a
//! sixth of a recall's CPU time. Each thread keeps a few of them instead.

use std::cell::RefCell;
use std::thread::LocalKey;

/// Buffers a thread keeps at most, per scalar type.
const KEEP: usize = 4;
/// Bytes a thread keeps at most, per scalar type, all its buffers together (larger buffers go
/// back to the allocator, and the smallest kept ones make room for a larger one).
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
        p.push(v);
        let bytes = |p: &Vec<Vec<T>>| -> usize {
            p.iter()
                .map(|b| b.capacity() * std::mem::size_of::<T>())
                .sum()
        };
        while p.len() > KEEP || bytes(&p) > MAX_BYTES {
            let smallest = (0..p.len())
                .min_by_key(|&k| p[k].capacity())
                .expect("not empty");
            p.swap_remove(smallest);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_reused_and_sized() {
        // Start from empty pools (other tests may have run on this thread).
        F32.with(|p| p.borrow_mut().clear());
        F64.with(|p| p.borrow_mut().clear());
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
        // At most KEEP buffers, the largest ones.
        for k in 0..10 {
            give(vec![0f32; 100 + k]);
        }
        F32.with(|p| {
            let p = p.borrow();
            assert!(p.len() <= KEEP);
            assert!(p.iter().all(|v| v.capacity() >= 100 + 10 - KEEP));
        });
        // At most MAX_BYTES together: a large buffer evicts smaller ones.
        give(vec![0f32; MAX_BYTES / 4 - 50]);
        F32.with(|p| {
            let p = p.borrow();
            let bytes: usize = p.iter().map(|v| v.capacity() * 4).sum();
            assert!(bytes <= MAX_BYTES, "{bytes}");
            assert!(p.iter().any(|v| v.capacity() >= MAX_BYTES / 4 - 50));
        });
    }
}
