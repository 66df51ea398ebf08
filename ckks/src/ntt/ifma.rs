//! AVX-512 IFMA transforms for primes below 2^50.
//!
//! `vpmadd52huq` / `vpmadd52luq` multiply the low 52 bits of two lanes and add the high or
//! the low 52 bits of the 104-bit product to a third. Every operand the transforms multiply
//! is below `4q < 2^52`, so with the quotients `w' = floor(w * 2^52 / q)` precomputed in the
//! table, `hi52(y * w')` is exactly the Shoup quotient estimate (at most 1 below
//! `floor(y * w / q)`) and `lo52(y * w) - lo52(estimate * q)`, taken modulo `2^52`, is the
//! remainder in `[0, 2q)` once bit 52 is masked off. That mask is skipped for the values
//! whose next use is as a multiplier operand (which only reads the low 52 bits): they may
//! carry an extra `2^52` (or wrap below zero by it) until then. The data movement is the
//! AVX-512 path's (see [`super::avx512`]).

use core::arch::x86_64::*;

use super::avx512::unroll8;
use super::avx512::{
    BLOCK, MIN_N, Plain as Operand, Twiddles, eight_lane_transforms, load, load_repeat, pieces,
    reduce_once, shuffle, splat, store, unshuffle,
};
use super::table::{QuotientForm, QuotientPlanes};
use super::{NttTable, scalar};

/// One plane: the 52-bit Shoup quotients ([`QuotientForm::Scaled52`]).
const PLANES: usize = 1;

/// The multiplier skips its mask for the outputs that need not be clean.
const CLEAN_MATTERS: bool = true;

/// `s = 2q`.
const WIDE_S: bool = false;

/// Constants broadcast to every lane.
#[derive(Clone, Copy)]
struct Consts {
    q: __m512i,
    /// The lazy bound `s = 2q`: forward values stay below `4q`, inverse ones below `2q`.
    s: __m512i,
    /// `2^64 - q`, whose low 52 bits are `2^52 - q`.
    neg_q: __m512i,
    /// `2^52 - 1`.
    mask52: __m512i,
    /// What the forward butterflies subtract from `x` when they reduce it: `s` (this path
    /// has no headroom).
    xr: __m512i,
    /// The inverse bound: `s` (no headroom).
    ir: __m512i,
}

impl Consts {
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn new(t: &NttTable, _headroom: bool) -> Self {
        let q = t.modulus.value();
        Self {
            q: splat(q),
            s: splat(2 * q),
            xr: splat(2 * q),
            ir: splat(2 * q),
            neg_q: splat(q.wrapping_neg()),
            mask52: splat((1 << 52) - 1),
        }
    }
}

/// A twiddle per lane with its 52-bit Shoup quotient.
#[derive(Clone, Copy)]
struct Tw {
    w: __m512i,
    quotient: __m512i,
}

impl Tw {
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn vector(w: __m512i, [quotient]: [__m512i; PLANES]) -> Self {
        Self { w, quotient }
    }

    #[target_feature(enable = "avx512f")]
    #[inline]
    fn splat(w: u64, [quotient]: [u64; PLANES]) -> Self {
        Self::vector(splat(w), [splat(quotient)])
    }
}

/// A value in `[0, 2q)` congruent to `y * w`, or that value plus `2^52` unless `CLEAN`,
/// given the low 52 bits of `y` (see the module documentation).
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn mul_lazy<const CLEAN: bool>(Operand(y): Operand, tw: Tw, c: Consts) -> __m512i {
    let zero = _mm512_setzero_si512();
    let estimate = _mm512_madd52hi_epu64(zero, y, tw.quotient);
    let product = _mm512_madd52lo_epu64(zero, y, tw.w);
    // lo52(y w) + lo52(-estimate q): the remainder plus 0 or 2^52.
    let r = _mm512_madd52lo_epu64(product, estimate, c.neg_q);
    if CLEAN {
        _mm512_and_si512(r, c.mask52)
    } else {
        r
    }
}

/// The forward transforms never have headroom here: `4s = 8q` would not fit the 52 bits the
/// multiplier reads.
fn headroom(_t: &NttTable) -> bool {
    false
}

/// Maps a forward output `< 4q` to itself, or to `[0, q)` when `REDUCE` (`H` is always
/// false on this path).
#[target_feature(enable = "avx512f")]
#[inline]
fn fwd_finish<const REDUCE: bool, const H: bool>(x: __m512i, c: Consts) -> __m512i {
    if REDUCE {
        reduce_once(reduce_once(x, c.s), c.q)
    } else {
        x
    }
}

/// Maps an inverse output `< 2q` to itself, or to `[0, q)` when `REDUCE`.
#[target_feature(enable = "avx512f")]
#[inline]
fn inv_finish<const REDUCE: bool>(x: __m512i, c: Consts) -> __m512i {
    if REDUCE { reduce_once(x, c.q) } else { x }
}

eight_lane_transforms!(features = "avx512f,avx512dq,avx512ifma");

/// The 52-bit quotients, when the IFMA transforms can run on this table: `N >=` [`MIN_N`],
/// the quotients are present and the CPU has the instructions.
fn usable(t: &NttTable) -> Option<QuotientPlanes<'_, PLANES>> {
    if t.n >= MIN_N
        && t.modulus.bits() <= super::path::IFMA_MAX_MODULUS_BITS
        && super::path::cpu::has_avx512_ifma()
    {
        t.simd_q.planes::<PLANES>(QuotientForm::Scaled52, t.n)
    } else {
        None
    }
}

/// Forward transform on the IFMA path (scalar code below [`MIN_N`] or without the CPU
/// features): inputs in `[0, 4q)`, outputs in `[0, q)` when `REDUCE`, else `[0, 4q)`.
pub(super) fn forward<const REDUCE: bool>(t: &NttTable, a: &mut [u64]) {
    if let Some(quotients) = usable(t) {
        // SAFETY: the CPU supports AVX-512 F, DQ and IFMA (checked by `usable`).
        unsafe { forward_impl::<REDUCE>(t, quotients, a) }
    } else {
        scalar::forward::<REDUCE>(t, a);
    }
}

/// Inverse transform on the IFMA path (scalar code below [`MIN_N`] or without the CPU
/// features): inputs in `[0, 2q)`, outputs in `[0, q)` when `REDUCE`, else `[0, 2q)`.
pub(super) fn inverse<const REDUCE: bool>(t: &NttTable, a: &mut [u64]) {
    if let Some(quotients) = usable(t) {
        // SAFETY: the CPU supports AVX-512 F, DQ and IFMA (checked by `usable`).
        unsafe { inverse_impl::<REDUCE>(t, quotients, a) }
    } else {
        scalar::inverse::<REDUCE>(t, a);
    }
}
