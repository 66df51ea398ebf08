//! AVX2 transforms, four lanes of 64 bits, for every supported prime (below 2^61).
//!
//! AVX2 has neither a 64-bit low multiply nor unsigned 64-bit comparisons, so both are built
//! from `vpmuludq` (32 x 32 -> 64 bits) and signed comparisons; the latter are exact because
//! every value the transforms compare is below `4q < 2^63`. The Shoup quotient is estimated
//! from three partial products exactly as on the AVX-512 path (see [`super::avx512`]), which
//! leaves the remainder in `[0, 3.5q)` before one conditional subtraction of `2q`; the
//! remainder itself is `lo64(y w) - lo64(estimate q)` assembled from six partial products.
//!
//! Stages whose gap is at least 4 work on whole vectors; the last two forward stages (gaps
//! 2 and 1) and the first two inverse stages run on 8 values held in two registers,
//! rearranged with 128-bit lane permutes and 64-bit unpacks. The forward transform folds its
//! final reduction into the last stage and the inverse folds in the factor `1/N`.

use core::arch::x86_64::*;

use super::{NttTable, scalar};

/// Loads four values.
#[target_feature(enable = "avx2")]
#[inline]
fn load(src: &[u64; 4]) -> __m256i {
    // SAFETY: `src` is 32 readable bytes; the unaligned load has no alignment requirement.
    unsafe { _mm256_loadu_si256(src.as_ptr().cast()) }
}

/// Stores four values.
#[target_feature(enable = "avx2")]
#[inline]
fn store(dst: &mut [u64; 4], v: __m256i) {
    // SAFETY: `dst` is 32 writable bytes; the unaligned store has no alignment requirement.
    unsafe { _mm256_storeu_si256(dst.as_mut_ptr().cast(), v) }
}

/// Loads two values and doubles each: `[s0, s0, s1, s1]`.
#[target_feature(enable = "avx2")]
#[inline]
fn load_doubled(src: &[u64; 2]) -> __m256i {
    // SAFETY: `src` is 16 readable bytes; the unaligned load has no alignment requirement.
    let v = unsafe { _mm_loadu_si128(src.as_ptr().cast()) };
    _mm256_permute4x64_epi64::<0b01_01_00_00>(_mm256_castsi128_si256(v))
}

/// `x` broadcast to every lane.
#[target_feature(enable = "avx2")]
#[inline]
fn splat(x: u64) -> __m256i {
    _mm256_set1_epi64x(x as i64)
}

/// Constants broadcast to every lane.
#[derive(Clone, Copy)]
struct Consts {
    q: __m256i,
    q_hi: __m256i,
    q_minus_1: __m256i,
    two_q: __m256i,
    two_q_minus_1: __m256i,
}

impl Consts {
    #[target_feature(enable = "avx2")]
    #[inline]
    fn new(t: &NttTable) -> Self {
        let q = t.modulus.value();
        Self {
            q: splat(q),
            q_hi: splat(q >> 32),
            q_minus_1: splat(q - 1),
            two_q: splat(2 * q),
            two_q_minus_1: splat(2 * q - 1),
        }
    }
}

/// Maps each lane from `[0, 2m)` to `[0, m)` given `m` and `m - 1` (lanes below `2^63`).
#[target_feature(enable = "avx2")]
#[inline]
fn reduce_once(x: __m256i, m: __m256i, m_minus_1: __m256i) -> __m256i {
    let ge = _mm256_cmpgt_epi64(x, m_minus_1);
    _mm256_sub_epi64(x, _mm256_and_si256(ge, m))
}

/// A twiddle per lane with its 64-bit Shoup quotient, and the high halves of both.
#[derive(Clone, Copy)]
struct Tw {
    w: __m256i,
    w_hi: __m256i,
    quotient: __m256i,
    quotient_hi: __m256i,
}

impl Tw {
    #[target_feature(enable = "avx2")]
    #[inline]
    fn vector(w: __m256i, quotient: __m256i) -> Self {
        Self {
            w,
            w_hi: _mm256_srli_epi64::<32>(w),
            quotient,
            quotient_hi: _mm256_srli_epi64::<32>(quotient),
        }
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn splat(w: u64, quotient: u64) -> Self {
        Self::vector(splat(w), splat(quotient))
    }
}

/// `y * w mod q` in `[0, 2q)` for `y < 2^63`.
#[target_feature(enable = "avx2")]
#[inline]
fn mul_lazy(y: __m256i, tw: Tw, c: Consts) -> __m256i {
    let y_hi = _mm256_srli_epi64::<32>(y);
    // The Shoup quotient, up to 2 too small.
    let lo_hi = _mm256_mul_epu32(y, tw.quotient_hi);
    let hi_lo = _mm256_mul_epu32(y_hi, tw.quotient);
    let hi_hi = _mm256_mul_epu32(y_hi, tw.quotient_hi);
    let e = _mm256_add_epi64(
        hi_hi,
        _mm256_add_epi64(
            _mm256_srli_epi64::<32>(lo_hi),
            _mm256_srli_epi64::<32>(hi_lo),
        ),
    );
    let e_hi = _mm256_srli_epi64::<32>(e);
    // lo64(y w - e q) = (yl wl - el ql) + 2^32 (yl wh + yh wl - el qh - eh ql).
    let low = _mm256_sub_epi64(_mm256_mul_epu32(y, tw.w), _mm256_mul_epu32(e, c.q));
    let cross = _mm256_sub_epi64(
        _mm256_add_epi64(_mm256_mul_epu32(y, tw.w_hi), _mm256_mul_epu32(y_hi, tw.w)),
        _mm256_add_epi64(_mm256_mul_epu32(e, c.q_hi), _mm256_mul_epu32(e_hi, c.q)),
    );
    let r = _mm256_add_epi64(low, _mm256_slli_epi64::<32>(cross));
    reduce_once(r, c.two_q, c.two_q_minus_1)
}

/// The Harvey forward butterfly: `x, y < 4q` to `x + w y, x - w y`, both `< 4q`.
#[target_feature(enable = "avx2")]
#[inline]
fn fwd_butterfly(x: __m256i, y: __m256i, tw: Tw, c: Consts) -> (__m256i, __m256i) {
    let x = reduce_once(x, c.two_q, c.two_q_minus_1);
    let t = mul_lazy(y, tw, c);
    (
        _mm256_add_epi64(x, t),
        _mm256_sub_epi64(_mm256_add_epi64(x, c.two_q), t),
    )
}

/// The Harvey inverse butterfly: `x, y < 2q` to `x + y, (x - y) w`, both `< 2q`.
#[target_feature(enable = "avx2")]
#[inline]
fn inv_butterfly(x: __m256i, y: __m256i, tw: Tw, c: Consts) -> (__m256i, __m256i) {
    let s = reduce_once(_mm256_add_epi64(x, y), c.two_q, c.two_q_minus_1);
    let d = _mm256_sub_epi64(_mm256_add_epi64(x, c.two_q), y);
    (s, mul_lazy(d, tw, c))
}

/// Swaps the middle index bit of 8 values with the register bit:
/// `([a0, a1, a2, a3], [b0, b1, b2, b3])` to `([a0, a1, b0, b1], [a2, a3, b2, b3])`.
#[target_feature(enable = "avx2")]
#[inline]
fn swap_halves(a: __m256i, b: __m256i) -> (__m256i, __m256i) {
    (
        _mm256_permute2x128_si256::<0x20>(a, b),
        _mm256_permute2x128_si256::<0x31>(a, b),
    )
}

/// `([a0, a1, a2, a3], [b0, b1, b2, b3])` to `([a0, b0, a2, b2], [a1, b1, a3, b3])`.
#[target_feature(enable = "avx2")]
#[inline]
fn unpack(a: __m256i, b: __m256i) -> (__m256i, __m256i) {
    (_mm256_unpacklo_epi64(a, b), _mm256_unpackhi_epi64(a, b))
}

/// Forward transform, `N >= 8`: inputs in `[0, 4q)`, outputs in `[0, 4q)`, or in `[0, q)`
/// when `REDUCE`.
#[target_feature(enable = "avx2")]
fn forward_impl<const REDUCE: bool>(t: &NttTable, a: &mut [u64]) {
    let n = t.n;
    let c = Consts::new(t);
    let mut m = 1;
    let mut gap = n >> 1;
    while gap >= 4 {
        let ws = t.fwd[m..2 * m].iter().zip(&t.fwd_shoup[m..2 * m]);
        for (block, (&w, &wq)) in a.chunks_exact_mut(2 * gap).zip(ws) {
            let tw = Tw::splat(w, wq);
            let (xs, ys) = block.split_at_mut(gap);
            let (xs, ys) = (xs.as_chunks_mut::<4>().0, ys.as_chunks_mut::<4>().0);
            for (x, y) in xs.iter_mut().zip(ys) {
                let (u, v) = fwd_butterfly(load(x), load(y), tw, c);
                store(x, u);
                store(y, v);
            }
        }
        m <<= 1;
        gap >>= 1;
    }
    // Now gap = 2 and m = N / 4: the last two stages, 8 values at a time.
    let w2 = t.fwd[m..2 * m].as_chunks::<2>().0;
    let w2q = t.fwd_shoup[m..2 * m].as_chunks::<2>().0;
    let w1 = t.fwd[2 * m..4 * m].as_chunks::<4>().0;
    let w1q = t.fwd_shoup[2 * m..4 * m].as_chunks::<4>().0;
    let twiddles = w2.iter().zip(w2q).zip(w1.iter().zip(w1q));
    for (chunk, (w2, w1)) in a.as_chunks_mut::<8>().0.iter_mut().zip(twiddles) {
        let [lo, hi] = chunk.as_chunks_mut::<4>().0 else {
            continue; // unreachable: a chunk of 8 is two chunks of 4
        };
        // [0 1 4 5], [2 3 6 7]: pairs at distance 2, twiddles [w0 w0 w1 w1].
        let (x, y) = swap_halves(load(lo), load(hi));
        let tw = Tw::vector(load_doubled(w2.0), load_doubled(w2.1));
        let (x, y) = fwd_butterfly(x, y, tw, c);
        // [0 2 4 6], [1 3 5 7]: pairs at distance 1, twiddles [w0 w1 w2 w3].
        let (x, y) = unpack(x, y);
        let tw = Tw::vector(load(w1.0), load(w1.1));
        let (mut x, mut y) = fwd_butterfly(x, y, tw, c);
        if REDUCE {
            x = reduce_once(x, c.two_q, c.two_q_minus_1);
            x = reduce_once(x, c.q, c.q_minus_1);
            y = reduce_once(y, c.two_q, c.two_q_minus_1);
            y = reduce_once(y, c.q, c.q_minus_1);
        }
        let (x, y) = unpack(x, y);
        let (x, y) = swap_halves(x, y);
        store(lo, x);
        store(hi, y);
    }
}

/// Inverse transform, `N >= 8`, including the factor `1/N`: inputs in `[0, 2q)`, outputs in
/// `[0, 2q)`, or in `[0, q)` when `REDUCE`.
#[target_feature(enable = "avx2")]
fn inverse_impl<const REDUCE: bool>(t: &NttTable, a: &mut [u64]) {
    let n = t.n;
    let c = Consts::new(t);
    // The first two stages (gaps 1 and 2), 8 values at a time.
    let m = n >> 2;
    let w2 = t.inv[m..2 * m].as_chunks::<2>().0;
    let w2q = t.inv_shoup[m..2 * m].as_chunks::<2>().0;
    let w1 = t.inv[2 * m..4 * m].as_chunks::<4>().0;
    let w1q = t.inv_shoup[2 * m..4 * m].as_chunks::<4>().0;
    let twiddles = w2.iter().zip(w2q).zip(w1.iter().zip(w1q));
    for (chunk, (w2, w1)) in a.as_chunks_mut::<8>().0.iter_mut().zip(twiddles) {
        let [lo, hi] = chunk.as_chunks_mut::<4>().0 else {
            continue; // unreachable: a chunk of 8 is two chunks of 4
        };
        let (x, y) = swap_halves(load(lo), load(hi));
        let (x, y) = unpack(x, y);
        let tw = Tw::vector(load(w1.0), load(w1.1));
        let (x, y) = inv_butterfly(x, y, tw, c);
        let (x, y) = unpack(x, y);
        let tw = Tw::vector(load_doubled(w2.0), load_doubled(w2.1));
        let (x, y) = inv_butterfly(x, y, tw, c);
        let (x, y) = swap_halves(x, y);
        store(lo, x);
        store(hi, y);
    }
    // The middle stages, gap 4 to N / 4.
    let mut m = n >> 3;
    let mut gap = 4;
    while m >= 2 {
        let ws = t.inv[m..2 * m].iter().zip(&t.inv_shoup[m..2 * m]);
        for (block, (&w, &wq)) in a.chunks_exact_mut(2 * gap).zip(ws) {
            let tw = Tw::splat(w, wq);
            let (xs, ys) = block.split_at_mut(gap);
            let (xs, ys) = (xs.as_chunks_mut::<4>().0, ys.as_chunks_mut::<4>().0);
            for (x, y) in xs.iter_mut().zip(ys) {
                let (u, v) = inv_butterfly(load(x), load(y), tw, c);
                store(x, u);
                store(y, v);
            }
        }
        m >>= 1;
        gap <<= 1;
    }
    // The last stage (gap N / 2) with the factor 1/N folded in.
    let n_inv = Tw::splat(t.n_inv.value, t.n_inv.quotient);
    let last = Tw::splat(t.inv_n_last.value, t.inv_n_last.quotient);
    let (xs, ys) = a.split_at_mut(n >> 1);
    let (xs, ys) = (xs.as_chunks_mut::<4>().0, ys.as_chunks_mut::<4>().0);
    for (x, y) in xs.iter_mut().zip(ys) {
        let (u, v) = (load(x), load(y));
        let s = _mm256_add_epi64(u, v);
        let d = _mm256_sub_epi64(_mm256_add_epi64(u, c.two_q), v);
        let mut s = mul_lazy(s, n_inv, c);
        let mut d = mul_lazy(d, last, c);
        if REDUCE {
            s = reduce_once(s, c.q, c.q_minus_1);
            d = reduce_once(d, c.q, c.q_minus_1);
        }
        store(x, s);
        store(y, d);
    }
}

/// Forward transform on the AVX2 path (scalar code below `N = 8` or without AVX2): inputs in
/// `[0, 4q)`, outputs in `[0, q)` when `REDUCE`, else `[0, 4q)`.
pub(super) fn forward<const REDUCE: bool>(t: &NttTable, a: &mut [u64]) {
    if t.n >= 8 && super::path::cpu::has_avx2() {
        // SAFETY: the CPU supports AVX2 (checked just above).
        unsafe { forward_impl::<REDUCE>(t, a) }
    } else {
        scalar::forward::<REDUCE>(t, a);
    }
}

/// Inverse transform on the AVX2 path (scalar code below `N = 8` or without AVX2): inputs in
/// `[0, 2q)`, outputs in `[0, q)` when `REDUCE`, else `[0, 2q)`.
pub(super) fn inverse<const REDUCE: bool>(t: &NttTable, a: &mut [u64]) {
    if t.n >= 8 && super::path::cpu::has_avx2() {
        // SAFETY: the CPU supports AVX2 (checked just above).
        unsafe { inverse_impl::<REDUCE>(t, a) }
    } else {
        scalar::inverse::<REDUCE>(t, a);
    }
}
