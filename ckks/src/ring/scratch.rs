//! A pool of reusable buffers for the temporaries of key switching, rescaling and base
//! conversion.
//!
//! Allocating a fresh multi-megabyte buffer for every operation costs page faults and cache
//! misses that, at these sizes, rival the arithmetic. The pool keeps a few buffers alive and
//! hands them out again. It is meant for public data (ciphertext components); secret data
//! never goes through it.

use std::ops::{Deref, DerefMut};
use std::sync::Mutex;

/// How many idle buffers the pool keeps.
const MAX_IDLE: usize = 16;

/// A pool of `Vec<u64>` buffers.
#[derive(Debug, Default)]
pub(crate) struct ScratchPool {
    idle: Mutex<Vec<Vec<u64>>>,
}

/// A buffer on loan from a [`ScratchPool`]; returned to it when dropped. Its contents are
/// unspecified when handed out: callers overwrite every element they read.
#[derive(Debug)]
pub(crate) struct Scratch<'a> {
    pool: &'a ScratchPool,
    /// Never shrunk: a buffer keeps the length of the largest request it served, so handing
    /// it out again never writes to it.
    buf: Vec<u64>,
    len: usize,
}

impl ScratchPool {
    /// A buffer of exactly `len` elements with unspecified contents.
    pub(crate) fn take(&self, len: usize) -> Scratch<'_> {
        Scratch {
            pool: self,
            buf: self.take_vec(len),
            len,
        }
    }

    /// An owned buffer of at least `len` elements with unspecified contents, for holders that
    /// give it back with [`give_back`](Self::give_back).
    pub(crate) fn take_vec(&self, len: usize) -> Vec<u64> {
        let mut buf = {
            let mut idle = self
                .idle
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            // The smallest idle buffer that is large enough, else the largest one.
            let fit = idle
                .iter()
                .enumerate()
                .filter(|(_, b)| b.len() >= len)
                .min_by_key(|(_, b)| b.len())
                .map(|(i, _)| i)
                .or_else(|| (0..idle.len()).max_by_key(|&i| idle[i].len()));
            fit.map(|i| idle.swap_remove(i)).unwrap_or_default()
        };
        if buf.len() < len {
            buf.resize(len, 0);
        }
        buf
    }

    /// Returns a buffer obtained from [`take_vec`](Self::take_vec) to the pool (an empty one
    /// is dropped: it would only take the place of a useful one).
    pub(crate) fn give_back(&self, buf: Vec<u64>) {
        if buf.is_empty() {
            return;
        }
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(buf);
        }
    }
}

impl Scratch<'_> {
    #[cfg(test)]
    fn capacity_hint(&self) -> usize {
        self.buf.capacity()
    }
}

impl Deref for Scratch<'_> {
    type Target = [u64];
    fn deref(&self) -> &[u64] {
        &self.buf[..self.len]
    }
}

impl DerefMut for Scratch<'_> {
    fn deref_mut(&mut self) -> &mut [u64] {
        let len = self.len;
        &mut self.buf[..len]
    }
}

impl Drop for Scratch<'_> {
    fn drop(&mut self) {
        self.pool.give_back(std::mem::take(&mut self.buf));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_reused_and_sized() {
        let pool = ScratchPool::default();
        let ptr = {
            let mut a = pool.take(1000);
            a[999] = 7;
            a.as_ptr()
        };
        let b = pool.take(500);
        assert_eq!(b.len(), 500);
        assert_eq!(b.as_ptr(), ptr, "the idle buffer is handed out again");
        let c = pool.take_vec(2000);
        assert!(c.len() >= 2000);
        pool.give_back(c);
        assert_eq!(pool.take(10).capacity_hint(), 2000);
    }

    /// Owned loans come back to the pool and are handed out again: taking them leaves no
    /// empty placeholder behind that would fill the pool and push real buffers out.
    #[test]
    fn owned_loans_are_reused() {
        let pool = ScratchPool::default();
        let first = pool.take_vec(4096);
        let ptr = first.as_ptr();
        pool.give_back(first);
        for _ in 0..2 * MAX_IDLE {
            let v = pool.take_vec(4096);
            assert_eq!(v.as_ptr(), ptr, "the returned buffer is handed out again");
            pool.give_back(v);
            drop(pool.take(1000));
        }
        let idle = pool.idle.lock().unwrap_or_else(|p| p.into_inner());
        assert_eq!(idle.len(), 1, "one buffer served every request");
    }
}
