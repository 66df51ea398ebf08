//! A read-only array of `u64` whose first element sits on a 64-byte boundary, so that the
//! SIMD paths' vector loads of twiddles never straddle two cache lines.

use std::fmt;
use std::ops::Deref;

/// The alignment, in `u64`s, of the first element (64 bytes).
const ALIGN: usize = 8;

/// A read-only `[u64]` aligned to 64 bytes (built without `unsafe`: the values live inside
/// a slightly larger `Vec`, at the first 64-byte boundary).
#[derive(Default)]
pub(super) struct AlignedU64s {
    buf: Vec<u64>,
    start: usize,
    len: usize,
}

impl AlignedU64s {
    /// Copies `values` into aligned storage.
    pub(super) fn new(values: &[u64]) -> Self {
        let len = values.len();
        let mut buf = vec![0u64; len + ALIGN - 1];
        // The heap block never moves while `buf` lives (it is never resized), so the offset
        // computed from its address stays valid; `Vec<u64>` is at least 8-byte aligned.
        let misalignment = (buf.as_ptr() as usize / size_of::<u64>()) % ALIGN;
        let start = (ALIGN - misalignment) % ALIGN;
        buf[start..start + len].copy_from_slice(values);
        Self { buf, start, len }
    }
}

impl Deref for AlignedU64s {
    type Target = [u64];

    #[inline]
    fn deref(&self) -> &[u64] {
        &self.buf[self.start..self.start + self.len]
    }
}

impl Clone for AlignedU64s {
    /// A fresh aligned copy (the clone's heap block has its own alignment).
    fn clone(&self) -> Self {
        Self::new(self)
    }
}

impl fmt::Debug for AlignedU64s {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl From<Vec<u64>> for AlignedU64s {
    fn from(values: Vec<u64>) -> Self {
        Self::new(&values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_and_equal() {
        for len in [0usize, 1, 7, 8, 9, 1000] {
            let values: Vec<u64> = (0..len as u64).collect();
            let a = AlignedU64s::new(&values);
            let b = a.clone();
            for x in [&a, &b] {
                assert_eq!(&x[..], &values[..]);
                assert_eq!(x.as_ptr() as usize % 64, 0, "len {len}");
            }
        }
    }
}
