//! The portable scalar transforms: the reference for every other path. Branch-free (the
//! lazy corrections are selects), so constant-time in the data, like the SIMD paths.

use super::NttTable;
use crate::math::ShoupOperand;
use std::hint::select_unpredictable;

/// Cooley-Tukey, Harvey butterflies. Inputs in `[0, 4q)`, outputs in `[0, 4q)`.
pub(super) fn forward_lazy(t: &NttTable, a: &mut [u64]) {
    let q = t.modulus;
    let two_q = 2 * q.value();
    let mut gap = t.n;
    let mut m = 1;
    while m < t.n {
        gap >>= 1;
        for (i, block) in a.chunks_exact_mut(2 * gap).enumerate() {
            let w = ShoupOperand {
                value: t.fwd[m + i],
                quotient: t.fwd_shoup[m + i],
            };
            let (xs, ys) = block.split_at_mut(gap);
            for (x, y) in xs.iter_mut().zip(ys.iter_mut()) {
                debug_assert!(
                    *x < 2 * two_q && *y < 2 * two_q,
                    "forward: inputs must be < 4q"
                );
                let u = select_unpredictable(*x >= two_q, x.wrapping_sub(two_q), *x);
                let v = q.mul_shoup_lazy(*y, w);
                *x = u + v;
                *y = u + two_q - v;
            }
        }
        m <<= 1;
    }
}

/// Gentleman-Sande, Harvey butterflies, then the factor `1/N`. Inputs in `[0, 2q)`, outputs in
/// `[0, 2q)`.
pub(super) fn inverse_lazy(t: &NttTable, a: &mut [u64]) {
    let q = t.modulus;
    let two_q = 2 * q.value();
    let mut gap = 1;
    let mut m = t.n >> 1;
    while m >= 1 {
        for (i, block) in a.chunks_exact_mut(2 * gap).enumerate() {
            let w = ShoupOperand {
                value: t.inv[m + i],
                quotient: t.inv_shoup[m + i],
            };
            let (xs, ys) = block.split_at_mut(gap);
            for (x, y) in xs.iter_mut().zip(ys.iter_mut()) {
                debug_assert!(*x < two_q && *y < two_q, "inverse: inputs must be < 2q");
                let (u, v) = (*x, *y);
                let s = u + v;
                *x = select_unpredictable(s >= two_q, s.wrapping_sub(two_q), s);
                *y = q.mul_shoup_lazy(u + two_q - v, w);
            }
        }
        gap <<= 1;
        m >>= 1;
    }
    for x in a.iter_mut() {
        *x = q.mul_shoup_lazy(*x, t.n_inv);
    }
}

/// The forward transform with outputs in `[0, q)` when `REDUCE`, else `[0, 4q)`.
pub(super) fn forward<const REDUCE: bool>(t: &NttTable, a: &mut [u64]) {
    forward_lazy(t, a);
    if REDUCE {
        for x in a.iter_mut() {
            *x = t.modulus.reduce_4q(*x);
        }
    }
}

/// The inverse transform with outputs in `[0, q)` when `REDUCE`, else `[0, 2q)`.
pub(super) fn inverse<const REDUCE: bool>(t: &NttTable, a: &mut [u64]) {
    inverse_lazy(t, a);
    if REDUCE {
        for x in a.iter_mut() {
            *x = t.modulus.reduce_2q(*x);
        }
    }
}
