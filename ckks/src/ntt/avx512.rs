//! AVX-512 (F + DQ) transforms for every supported prime (below 2^61), and the vector pieces
//! the IFMA path shares with them.
//!
//! # Arithmetic
//!
//! AVX-512 has no 64 x 64 -> 128-bit multiply, so the Shoup quotient `hi64(y * w')` (with
//! `w' = floor(w * 2^64 / q)`) is estimated from three 32 x 32-bit partial products, dropping
//! the low x low product and the carries out of the two cross products. The estimate `e` is
//! less than 3 below `y * w' / 2^64`, which is itself less than 1 below `y * w / q`; so for
//! every `y < 2^64` the remainder `t = y * w - e * q`, computed with two 64-bit low
//! multiplies, lies in `[0, 4q)`. It is not reduced further: the butterflies keep their
//! values below `8q` instead of `4q` (both fit in 64 bits because `q < 2^61`), and the last
//! stage brings them back to the documented ranges. For primes below `2^60` (headroom:
//! `16q <= 2^64`) the bounds are wider still: forward values below `16q`, so that every
//! other stage skips the reduction of `x`, and inverse values below `8q`, so that the sum
//! of two products (each below `4q`) is not reduced.
//!
//! On CPUs with AVX-512 IFMA the same estimate is computed with one 32-bit multiply and two
//! 52-bit multiply-adds (module `dq_ifma`), which saves three of the butterfly's twenty
//! vector operations; the outputs are identical. The pieces of the quotients it reads are
//! precomputed in the table.
//!
//! # Data movement
//!
//! Stages whose butterfly gap is at least 16 run two at a time (radix 4: four registers are
//! loaded, go through two butterfly levels and are stored), depth first: a block of at most
//! [`BLOCK`] values goes through all its remaining stages while it sits in the L1 cache. The
//! rows of a radix-4 pass are software-pipelined: the first level of a row runs with the
//! second level of the row before it. The four last forward stages (gaps 8, 4, 2, 1), and
//! the four first inverse ones, run on groups of 16 values held in two registers, eight
//! groups going through each stage together (their long dependency chains overlap). The
//! gap-8 stage pairs the two registers as they are; before each other stage the values of
//! each register pair are permuted with the same two-register "perfect shuffle"
//! (`vpermt2q`), which rotates the 4-bit index of each value within the 16 so that the bit
//! the next stage pairs on selects the register. The lane orders that result make the
//! twiddles of those stages a 128-bit broadcast, a 256-bit broadcast and a plain load, so no
//! twiddle needs a shuffle; a fourth shuffle restores the natural order. The inverse runs
//! the inverse permutation.
//!
//! The forward transform folds its final reduction into its last stage, and the inverse
//! folds the factor `1/N` (and its final reduction) into its last stage.

use core::arch::x86_64::*;

use super::table::{QuotientForm, QuotientPlanes};
use super::{NttTable, scalar};

/// The largest block, in values, that goes through its remaining stages on its own (depth
/// first): 8 KiB of data and at most 16 KiB of twiddles, well inside the L1 data cache.
pub(super) const BLOCK: usize = 1 << 10;

/// Loads eight values.
#[target_feature(enable = "avx512f")]
#[inline]
pub(super) fn load(src: &[u64; 8]) -> __m512i {
    // SAFETY: `src` is 64 readable bytes; the unaligned load has no alignment requirement.
    unsafe { _mm512_loadu_si512(src.as_ptr().cast()) }
}

/// Stores eight values.
#[target_feature(enable = "avx512f")]
#[inline]
pub(super) fn store(dst: &mut [u64; 8], v: __m512i) {
    // SAFETY: `dst` is 64 writable bytes; the unaligned store has no alignment requirement.
    unsafe { _mm512_storeu_si512(dst.as_mut_ptr().cast(), v) }
}

/// Loads two values and repeats them: `[s0, s1, s0, s1, ...]`.
#[target_feature(enable = "avx512f")]
#[inline]
pub(super) fn load_repeat2(src: &[u64; 2]) -> __m512i {
    // SAFETY: `src` is 16 readable bytes; the unaligned load has no alignment requirement.
    let v = unsafe { _mm_loadu_si128(src.as_ptr().cast()) };
    _mm512_broadcast_i32x4(v)
}

/// Loads four values and repeats them: `[s0, s1, s2, s3, s0, s1, s2, s3]`.
#[target_feature(enable = "avx512f")]
#[inline]
pub(super) fn load_repeat4(src: &[u64; 4]) -> __m512i {
    // SAFETY: `src` is 32 readable bytes; the unaligned load has no alignment requirement.
    let v = unsafe { _mm256_loadu_si256(src.as_ptr().cast()) };
    _mm512_broadcast_i64x4(v)
}

/// Loads `K` values, `K` being 1, 2, 4 or 8, and repeats them to fill the eight lanes.
#[target_feature(enable = "avx512f")]
#[inline]
pub(super) fn load_repeat<const K: usize>(src: &[u64; K]) -> __m512i {
    if let Ok([x]) = <&[u64; 1]>::try_from(src.as_slice()) {
        splat(*x)
    } else if let Ok(src) = <&[u64; 2]>::try_from(src.as_slice()) {
        load_repeat2(src)
    } else if let Ok(src) = <&[u64; 4]>::try_from(src.as_slice()) {
        load_repeat4(src)
    } else if let Ok(src) = <&[u64; 8]>::try_from(src.as_slice()) {
        load(src)
    } else {
        const { assert!(K == 1 || K == 2 || K == 4 || K == 8, "1, 2, 4 or 8 values") };
        _mm512_setzero_si512()
    }
}

/// `x` broadcast to every lane.
#[target_feature(enable = "avx512f")]
#[inline]
pub(super) fn splat(x: u64) -> __m512i {
    _mm512_set1_epi64(x as i64)
}

/// Maps each lane from `[0, 2m)` to `[0, m)`: `min(x, x - m)` with wrapping subtraction.
#[target_feature(enable = "avx512f")]
#[inline]
pub(super) fn reduce_once(x: __m512i, m: __m512i) -> __m512i {
    _mm512_min_epu64(x, _mm512_sub_epi64(x, m))
}

/// The perfect shuffle of 16 values held in `(a, b)`: returns
/// `([a0, b0, a1, b1, a2, b2, a3, b3], [a4, b4, a5, b5, a6, b6, a7, b7])`.
#[target_feature(enable = "avx512f")]
#[inline]
pub(super) fn shuffle(a: __m512i, b: __m512i) -> (__m512i, __m512i) {
    let lo = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0);
    let hi = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
    (
        _mm512_permutex2var_epi64(a, lo, b),
        _mm512_permutex2var_epi64(a, hi, b),
    )
}

/// The inverse of [`shuffle`]: even-indexed values of the concatenation `(x, y)` in the
/// first register, odd-indexed ones in the second.
#[target_feature(enable = "avx512f")]
#[inline]
pub(super) fn unshuffle(x: __m512i, y: __m512i) -> (__m512i, __m512i) {
    let even = _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0);
    let odd = _mm512_set_epi64(15, 13, 11, 9, 7, 5, 3, 1);
    (
        _mm512_permutex2var_epi64(x, even, y),
        _mm512_permutex2var_epi64(x, odd, y),
    )
}

/// A slice of twiddles with the matching slices of the `P` planes of their Shoup quotients
/// (in the form of the path).
#[derive(Clone, Copy)]
pub(super) struct Twiddles<'a, const P: usize> {
    /// The twiddles.
    pub(super) w: &'a [u64],
    /// The planes of their Shoup quotients.
    pub(super) q: [&'a [u64]; P],
}

impl<'a, const P: usize> Twiddles<'a, P> {
    /// The twiddles of the butterfly blocks of gap `gap` that cover `len` values starting at
    /// offset `off`, in a transform of `n` values (`off` and `len` multiples of `2 * gap`).
    #[inline]
    pub(super) fn stage(self, n: usize, gap: usize, off: usize, len: usize) -> Self {
        let start = n / (2 * gap) + off / (2 * gap);
        let end = start + len / (2 * gap);
        Self {
            w: &self.w[start..end],
            q: self.q.map(|q| &q[start..end]),
        }
    }

    /// `(w, quotient pieces)` pairs.
    #[inline]
    pub(super) fn pairs(self) -> impl Iterator<Item = (u64, [u64; P])> + 'a {
        let q = self.q;
        self.w.iter().enumerate().map(move |(i, &w)| {
            let mut pieces = [0; P];
            for (p, q) in pieces.iter_mut().zip(q) {
                *p = q[i];
            }
            (w, pieces)
        })
    }

    /// The `(w, quotient pieces)` of the `K` consecutive twiddles from `K * i`.
    #[inline]
    pub(super) fn chunk<const K: usize>(self, i: usize) -> (&'a [u64; K], [&'a [u64; K]; P]) {
        (
            &self.w.as_chunks::<K>().0[i],
            self.q.map(|q| &q.as_chunks::<K>().0[i]),
        )
    }
}

/// The pieces of the `k`-th quotient of a group of `K`.
#[inline]
pub(super) fn pieces<const K: usize, const P: usize>(q: [&[u64; K]; P], k: usize) -> [u64; P] {
    let mut out = [0; P];
    for (o, q) in out.iter_mut().zip(q) {
        *o = q[k];
    }
    out
}

/// The `y` operand of a multiplication as it is: for the multipliers that need nothing else.
#[derive(Clone, Copy)]
pub(super) struct Plain(pub(super) __m512i);

impl Plain {
    /// The operand `y`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(super) fn of(y: __m512i) -> Self {
        Self(y)
    }

    /// The operand loaded from memory.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(super) fn load(src: &[u64; 8]) -> Self {
        Self(load(src))
    }
}

/// Runs `$body` with the constant `K` set to 0, 1, .., 7 in turn, skipping the values not
/// below `$g`: a loop over at most eight groups of registers, unrolled so that the groups
/// stay in registers.
macro_rules! unroll8 {
    (K < $g:expr => $body:block) => {
        unroll8!(@ $g, $body, 0 1 2 3 4 5 6 7)
    };
    (@ $g:expr, $body:block, $($i:literal)*) => {
        $({
            const K: usize = $i;
            if K < $g $body
        })*
    };
}
pub(super) use unroll8;

/// Generates the transforms of an eight-lane path from its modular multiplication.
///
/// The invoking module imports [`BLOCK`], [`Twiddles`] and [`QuotientPlanes`] and provides,
/// with target features that are a subset of `$features`: `Consts::new(&NttTable) -> Consts`
/// whose field `s` is the lazy bound `s` described below, `WIDE_S` (whether `s >= 4q`),
/// `CLEAN_MATTERS` (whether its
/// multiplier may return unclean values, below), the number `PLANES` of pieces of its
/// Shoup quotients, a twiddle type `Tw` with `Tw::splat(w, pieces)` and `Tw::vector(w,
/// pieces)` (the pieces as `[u64; PLANES]` and `[__m512i; PLANES]`), `mul_lazy::<CLEAN>(y, Tw,
/// Consts)` returning a value `< s` congruent to `y * w` for every `y < 2s`, and
/// `fwd_finish::<REDUCE>(x, Consts)` / `inv_finish::<REDUCE>(x, Consts)` mapping outputs of
/// the last stage (`< 2s` forward, `< s` inverse) to `[0, 4q)` / `[0, 2q)`, or to `[0, q)`
/// when `REDUCE`. The butterflies keep forward values below `2s` and inverse values below
/// `s`; `2q <= s` and `2s` fits the multiplier's input.
///
/// With `CLEAN = false` the multiplication may instead return its value plus a multiple of
/// a power of two `2^k > 2s` that the multiplier ignores (the IFMA path, `k = 52`, skips a
/// mask that way). The forward passes use it for the values whose next use is as the `y`
/// operand of a butterfly, which only feeds the multiplier: the outputs of the first half
/// of every block of a radix-2 pass, and the first-level outputs that are `y` operands of
/// the second level, or the outputs in the second half of each quarter, of a radix-4 pass
/// (the next stage, of gap `gap / 4`, pairs the two halves of each quarter).
///
/// With headroom (`H`: `4s <= 2^64`, which the module's `headroom(&NttTable)` reports;
/// then `Consts::new(t, true)` sets the field `xr` to `2s`, else to `s`), the forward
/// butterflies skip the reduction of `x` every other stage: values below `3s` go through a
/// stage that leaves `x` as it is (outputs below `3s + s = 4s`), then through one that
/// maps `x` from `[0, 4s)` to `[0, 2s)` (outputs below `3s`). `fwd_finish::<REDUCE, true>`
/// then maps outputs below `4s` instead of `2s`.
macro_rules! eight_lane_transforms {
    (features = $features:literal $(,)?) => {
        /// The Harvey forward butterfly: `x, y < 2s` to `x + w y, x - w y`, both `< 2s`
        /// (up to a multiple of `2^k` unless `CLEAN`; `y` may carry one). With headroom
        /// (`c.xr = 2s`): `x < 4s` to outputs `< 3s`, or with `SKIP`, `x < 3s` to outputs
        /// `< 4s`.
        #[target_feature(enable = $features)]
        #[inline]
        fn fwd_bf<const CLEAN: bool, const SKIP: bool>(
            x: __m512i,
            y: Operand,
            tw: Tw,
            c: Consts,
        ) -> (__m512i, __m512i) {
            let x = if SKIP { x } else { reduce_once(x, c.xr) };
            let t = mul_lazy::<CLEAN>(y, tw, c);
            (
                _mm512_add_epi64(x, t),
                _mm512_sub_epi64(_mm512_add_epi64(x, c.s), t),
            )
        }

        /// The last forward butterfly with its outputs in `[0, q)`: `x < 2s` (`< 4s` with
        /// headroom, `H`) and `y` to `(x + w y) mod q, (x - w y) mod q`. `x` and `w y` are
        /// reduced first (`x` by `fwd_finish`, `w y < s` by `inv_finish`), then the sum
        /// once, and the difference, taken with wrapping, by `min(d, d + q)`; cheaper than
        /// finishing both outputs of [`fwd_bf`].
        #[target_feature(enable = $features)]
        #[inline]
        fn fwd_bf_reduced<const H: bool>(
            x: __m512i,
            y: Operand,
            tw: Tw,
            c: Consts,
        ) -> (__m512i, __m512i) {
            let x = fwd_finish::<true, H>(x, c);
            let t = inv_finish::<true>(mul_lazy::<true>(y, tw, c), c);
            let d = _mm512_sub_epi64(x, t);
            (
                reduce_once(_mm512_add_epi64(x, t), c.q),
                _mm512_min_epu64(d, _mm512_add_epi64(d, c.q)),
            )
        }

        /// The Harvey inverse butterfly: `x, y < b` to `x + y, (x - y) w`, both `< b`,
        /// for the inverse bound `b = c.ir` (`s`, or `2s` with headroom); with `SKIP` the
        /// caller knows that `x + y < b` already (two products, each `< s`, with
        /// headroom; or two values below `s / 2`).
        #[target_feature(enable = $features)]
        #[inline]
        fn inv_bf<const SKIP: bool>(
            x: __m512i,
            y: __m512i,
            tw: Tw,
            c: Consts,
        ) -> (__m512i, __m512i) {
            let sum = _mm512_add_epi64(x, y);
            let sum = if SKIP { sum } else { reduce_once(sum, c.ir) };
            let d = _mm512_sub_epi64(_mm512_add_epi64(x, c.ir), y);
            (sum, mul_lazy::<true>(Operand::of(d), tw, c))
        }

        /// The last inverse butterfly with the factor `1/N`: `x, y < s` to
        /// `(x + y) / N, (x - y) (w / N)`, finished to the output range.
        #[target_feature(enable = $features)]
        #[inline]
        fn inv_bf_last<const REDUCE: bool>(
            x: __m512i,
            y: __m512i,
            scale: (Tw, Tw),
            c: Consts,
        ) -> (__m512i, __m512i) {
            let sum = mul_lazy::<true>(Operand::of(_mm512_add_epi64(x, y)), scale.0, c);
            let d = _mm512_sub_epi64(_mm512_add_epi64(x, c.ir), y);
            let d = mul_lazy::<true>(Operand::of(d), scale.1, c);
            (inv_finish::<REDUCE>(sum, c), inv_finish::<REDUCE>(d, c))
        }

        /// One forward stage of gap `gap >= 8` over `a` (a whole number of blocks of
        /// `2 * gap` values, twiddle `w[i]` for block `i`).
        #[target_feature(enable = $features)]
        #[inline]
        fn fwd_radix2(a: &mut [u64], gap: usize, w: Twiddles<'_, PLANES>, c: Consts) {
            for (block, (w, wq)) in a.chunks_exact_mut(2 * gap).zip(w.pairs()) {
                let tw = Tw::splat(w, wq);
                let (xs, ys) = block.split_at_mut(gap);
                let (xs, ys) = (xs.as_chunks_mut::<8>().0, ys.as_chunks_mut::<8>().0);
                let clean = if CLEAN_MATTERS {
                    xs.len() / 2
                } else {
                    xs.len()
                };
                let (xs_x, xs_y) = xs.split_at_mut(clean);
                let (ys_x, ys_y) = ys.split_at_mut(clean);
                fwd_radix2_rows::<true>(xs_x, ys_x, tw, c);
                fwd_radix2_rows::<false>(xs_y, ys_y, tw, c);
            }
        }

        /// The butterflies of [`fwd_radix2`] over rows of 8 values with one twiddle.
        #[target_feature(enable = $features)]
        #[inline]
        fn fwd_radix2_rows<const CLEAN: bool>(
            xs: &mut [[u64; 8]],
            ys: &mut [[u64; 8]],
            tw: Tw,
            c: Consts,
        ) {
            for (x, y) in xs.iter_mut().zip(ys) {
                let (u, v) = fwd_bf::<CLEAN, false>(load(x), Operand::load(y), tw, c);
                store(x, u);
                store(y, v);
            }
        }

        /// Two forward stages, gaps `gap` and `gap / 2 >= 8`, over `a` (a whole number of
        /// blocks of `2 * gap` values): `w1[i]` is the twiddle of block `i` at gap `gap`,
        /// `w2[2i]` and `w2[2i + 1]` those of its halves at gap `gap / 2`. `FIRST` (with
        /// headroom only): the first two stages of the transform, whose inputs are below
        /// `4q`, so that neither level reduces `x` (outputs below `12q`).
        #[target_feature(enable = $features)]
        #[inline]
        fn fwd_radix4<const H: bool, const FIRST: bool>(
            a: &mut [u64],
            gap: usize,
            w1: Twiddles<'_, PLANES>,
            w2: Twiddles<'_, PLANES>,
            c: Consts,
        ) {
            let h = gap / 2;
            // The rows whose outputs must be clean: the first half of each quarter (a
            // one-row quarter, were `gap` 16, would hold both halves); all of them when
            // `CLEAN` makes no difference to the multiplier.
            let rows = h / 8;
            let clean = if CLEAN_MATTERS {
                rows.div_ceil(2)
            } else {
                rows
            };
            // Software-pipelined across the rows of all blocks: the first level of a row
            // runs with the second level of the row before it, whose inputs are ready, so
            // that the long dependency chain of a row does not fill the scheduler.
            let mut pending: Option<Pending<'_>> = None;
            for (i, (block, (w1, w1q))) in a.chunks_exact_mut(2 * gap).zip(w1.pairs()).enumerate() {
                let (w2, w2q) = w2.chunk::<2>(i);
                let tw1 = Tw::splat(w1, w1q);
                let tw2 = Tw::splat(w2[0], pieces(w2q, 0));
                let tw3 = Tw::splat(w2[1], pieces(w2q, 1));
                let (p0, rest) = block.split_at_mut(h);
                let (p1, rest) = rest.split_at_mut(h);
                let (p2, p3) = rest.split_at_mut(h);
                let quarters = p0
                    .as_chunks_mut::<8>()
                    .0
                    .iter_mut()
                    .zip(p1.as_chunks_mut::<8>().0);
                let quarters = quarters.zip(
                    p2.as_chunks_mut::<8>()
                        .0
                        .iter_mut()
                        .zip(p3.as_chunks_mut::<8>().0),
                );
                for (j, ((x0, x1), (x2, x3))) in quarters.enumerate() {
                    let row = [x0, x1, x2, x3];
                    let level1 = fwd_radix4_first::<H>(&row, tw1, c);
                    if let Some(p) = pending.take() {
                        fwd_radix4_second::<FIRST>(p, c);
                    }
                    pending = Some(Pending {
                        row,
                        level1,
                        tw: (tw2, tw3),
                        clean: j < clean,
                    });
                }
            }
            if let Some(p) = pending {
                fwd_radix4_second::<FIRST>(p, c);
            }
        }

        /// The first level of a radix-4 row (see [`fwd_radix4_rows`]): `a0` and `a2` are
        /// `x` operands of the second level, `a1` and `a3` `y` operands.
        #[target_feature(enable = $features)]
        #[inline]
        fn fwd_radix4_first<const H: bool>(
            [x0, x1, x2, x3]: &[&mut [u64; 8]; 4],
            tw1: Tw,
            c: Consts,
        ) -> [__m512i; 4] {
            let (a0, a2) = fwd_bf::<true, H>(load(x0), Operand::load(x2), tw1, c);
            let (a1, a3) = fwd_bf::<false, H>(load(x1), Operand::load(x3), tw1, c);
            [a0, a1, a2, a3]
        }

        /// A forward radix-4 row between its two levels: its slots, the outputs of the
        /// first level, the twiddles of the second, whether its outputs must be clean.
        struct Pending<'a> {
            row: [&'a mut [u64; 8]; 4],
            level1: [__m512i; 4],
            tw: (Tw, Tw),
            clean: bool,
        }

        /// The second level of a radix-4 row, stored.
        #[target_feature(enable = $features)]
        #[inline]
        fn fwd_radix4_second<const SKIP: bool>(p: Pending<'_>, c: Consts) {
            let [x0, x1, x2, x3] = p.row;
            let [a0, a1, a2, a3] = p.level1;
            let (tw2, tw3) = p.tw;
            let ((a0, a1), (a2, a3)) = if p.clean {
                (
                    fwd_bf::<true, SKIP>(a0, Operand::of(a1), tw2, c),
                    fwd_bf::<true, SKIP>(a2, Operand::of(a3), tw3, c),
                )
            } else {
                (
                    fwd_bf::<false, SKIP>(a0, Operand::of(a1), tw2, c),
                    fwd_bf::<false, SKIP>(a2, Operand::of(a3), tw3, c),
                )
            };
            store(x0, a0);
            store(x1, a1);
            store(x2, a2);
            store(x3, a3);
        }

        /// The `K` (1, 2, 4 or 8) twiddles `w` with their quotient pieces `q`, repeated to
        /// fill the eight lanes.
        #[target_feature(enable = $features)]
        #[inline]
        fn load_tw<const K: usize>((w, q): (&[u64; K], [&[u64; K]; PLANES])) -> Tw {
            let mut v = [_mm512_setzero_si512(); PLANES];
            for (v, q) in v.iter_mut().zip(q) {
                *v = load_repeat(q);
            }
            Tw::vector(load_repeat(w), v)
        }

        /// The forward stages of gaps 8, 4, 2 and 1 over `a` (a multiple of 32 values at
        /// offset `off`), finished by `fwd_finish`; with headroom (`H`), the stages of gaps
        /// 8 and 2 skip the reduction of `x`.
        ///
        /// Each group of 16 values is two registers; eight groups go through each stage
        /// together, so that their long dependency chains overlap (see
        /// [`fwd_tail_groups`]).
        #[target_feature(enable = $features)]
        #[inline]
        fn fwd_tail<const REDUCE: bool, const H: bool>(
            a: &mut [u64],
            n: usize,
            off: usize,
            tw: Twiddles<'_, PLANES>,
            c: Consts,
        ) {
            let len = a.len();
            let ts = [
                tw.stage(n, 8, off, len),
                tw.stage(n, 4, off, len),
                tw.stage(n, 2, off, len),
                tw.stage(n, 1, off, len),
            ];
            let (octs, rest) = a.as_chunks_mut::<16>().0.as_chunks_mut::<8>();
            for (i, groups) in octs.iter_mut().enumerate() {
                fwd_tail_groups::<8, REDUCE, H>(groups, 8 * i, &ts, c);
            }
            let g0 = 8 * octs.len();
            for (i, groups) in rest.as_chunks_mut::<2>().0.iter_mut().enumerate() {
                fwd_tail_groups::<2, REDUCE, H>(groups, g0 + 2 * i, &ts, c);
            }
        }

        /// The body of [`fwd_tail`]: `G` groups of 16 values, the groups `g0..g0 + G` of
        /// the twiddles `ts` of the stages of gaps 8, 4, 2 and 1 (1, 2, 4 and 8 twiddles
        /// per group). The gap-8 stage pairs the two registers of a group as they are
        /// loaded; before each of the others the values of the pair go through the same
        /// perfect shuffle, which puts the pairs of that stage in different registers and
        /// repeats the twiddles of a group 4 times, twice and once; a fourth shuffle
        /// restores the natural order.
        #[target_feature(enable = $features)]
        #[inline]
        fn fwd_tail_groups<const G: usize, const REDUCE: bool, const H: bool>(
            groups: &mut [[u64; 16]; G],
            g0: usize,
            [t8, t4, t2, t1]: &[Twiddles<'_, PLANES>; 4],
            c: Consts,
        ) {
            let zero = _mm512_setzero_si512();
            let mut v = [(zero, zero); G];
            unroll8!(K < G => {
                let [lo, hi, ..] = groups[K].as_chunks::<8>().0 else {
                    return; // unreachable: 16 values are two groups of 8
                };
                let tw = load_tw(t8.chunk::<1>(g0 + K));
                let (x, y) = fwd_bf::<true, H>(load(lo), Operand::load(hi), tw, c);
                v[K] = shuffle(x, y);
            });
            unroll8!(K < G => {
                let tw = load_tw(t4.chunk::<2>(g0 + K));
                let (x, y) = fwd_bf::<true, false>(v[K].0, Operand::of(v[K].1), tw, c);
                v[K] = shuffle(x, y);
            });
            unroll8!(K < G => {
                let tw = load_tw(t2.chunk::<4>(g0 + K));
                let (x, y) = fwd_bf::<true, H>(v[K].0, Operand::of(v[K].1), tw, c);
                v[K] = shuffle(x, y);
            });
            unroll8!(K < G => {
                let tw = load_tw(t1.chunk::<8>(g0 + K));
                let (x, y) = if REDUCE {
                    fwd_bf_reduced::<H>(v[K].0, Operand::of(v[K].1), tw, c)
                } else {
                    fwd_bf::<true, false>(v[K].0, Operand::of(v[K].1), tw, c)
                };
                v[K] = shuffle(x, y);
            });
            unroll8!(K < G => {
                let [lo, hi, ..] = groups[K].as_chunks_mut::<8>().0 else {
                    return; // unreachable: 16 values are two groups of 8
                };
                if REDUCE {
                    store(lo, v[K].0);
                    store(hi, v[K].1);
                } else {
                    store(lo, fwd_finish::<false, H>(v[K].0, c));
                    store(hi, fwd_finish::<false, H>(v[K].1, c));
                }
            });
        }

        /// All forward stages from gap `gap` down to 1 over `a` (one block of `2 * gap`
        /// values at offset `off`, `32 <= 2 * gap <= BLOCK`), radix 4 while possible.
        #[target_feature(enable = $features)]
        fn fwd_block<const REDUCE: bool, const H: bool>(
            a: &mut [u64],
            n: usize,
            off: usize,
            mut gap: usize,
            tw: Twiddles<'_, PLANES>,
            c: Consts,
        ) {
            let len = a.len();
            // The stages of gap 16 and more: radix 2 first if their number is odd.
            if gap >= 16 && gap.trailing_zeros() % 2 == 0 {
                fwd_radix2(a, gap, tw.stage(n, gap, off, len), c);
                gap /= 2;
            }
            while gap >= 32 {
                let (w1, w2) = (tw.stage(n, gap, off, len), tw.stage(n, gap / 2, off, len));
                if H && gap == n / 2 {
                    fwd_radix4::<H, true>(a, gap, w1, w2, c);
                } else {
                    fwd_radix4::<H, false>(a, gap, w1, w2, c);
                }
                gap /= 4;
            }
            fwd_tail::<REDUCE, H>(a, n, off, tw, c);
        }

        /// All forward stages from gap `gap` down to 1 over `a`, one block of `2 * gap`
        /// values at offset `off`: radix 4 over the whole block, then each quarter on its
        /// own, until the blocks fit [`BLOCK`].
        #[target_feature(enable = $features)]
        fn fwd_rec<const REDUCE: bool, const H: bool>(
            a: &mut [u64],
            n: usize,
            off: usize,
            gap: usize,
            tw: Twiddles<'_, PLANES>,
            c: Consts,
        ) {
            let len = a.len();
            if len <= BLOCK {
                fwd_block::<REDUCE, H>(a, n, off, gap, tw, c);
                return;
            }
            let (w1, w2) = (tw.stage(n, gap, off, len), tw.stage(n, gap / 2, off, len));
            if H && gap == n / 2 {
                fwd_radix4::<H, true>(a, gap, w1, w2, c);
            } else {
                fwd_radix4::<H, false>(a, gap, w1, w2, c);
            }
            let quarter = gap / 2;
            for (k, sub) in a.chunks_exact_mut(quarter).enumerate() {
                fwd_rec::<REDUCE, H>(sub, n, off + k * quarter, gap / 4, tw, c);
            }
        }

        /// Forward transform, `N >= 32`: inputs in `[0, 4q)`, outputs in `[0, 4q)`, or in
        /// `[0, q)` when `REDUCE`.
        #[target_feature(enable = $features)]
        pub(super) fn forward_impl<const REDUCE: bool>(
            t: &NttTable,
            quotients: QuotientPlanes<'_, PLANES>,
            a: &mut [u64],
        ) {
            let tw = Twiddles {
                w: &t.fwd,
                q: quotients.fwd,
            };
            if headroom(t) {
                fwd_rec::<REDUCE, true>(a, t.n, 0, t.n / 2, tw, Consts::new(t, true));
            } else {
                fwd_rec::<REDUCE, false>(a, t.n, 0, t.n / 2, tw, Consts::new(t, false));
            }
        }

        /// One inverse stage of gap `gap >= 8` over `a` (a whole number of blocks of
        /// `2 * gap` values, twiddle `w[i]` for block `i`); the last stage of the transform
        /// when `scale` is given (then `a` is one block).
        #[target_feature(enable = $features)]
        #[inline]
        fn inv_radix2<const REDUCE: bool>(
            a: &mut [u64],
            gap: usize,
            w: Twiddles<'_, PLANES>,
            scale: Option<(Tw, Tw)>,
            c: Consts,
        ) {
            for (block, (w, wq)) in a.chunks_exact_mut(2 * gap).zip(w.pairs()) {
                let tw = Tw::splat(w, wq);
                let (xs, ys) = block.split_at_mut(gap);
                let (xs, ys) = (xs.as_chunks_mut::<8>().0, ys.as_chunks_mut::<8>().0);
                for (x, y) in xs.iter_mut().zip(ys) {
                    let (u, v) = match scale {
                        Some(scale) => inv_bf_last::<REDUCE>(load(x), load(y), scale, c),
                        None => inv_bf::<false>(load(x), load(y), tw, c),
                    };
                    store(x, u);
                    store(y, v);
                }
            }
        }

        /// Two inverse stages, gaps `gap >= 8` and `2 * gap`, over `a` (a whole number of
        /// blocks of `4 * gap` values): `w1[2i]` and `w1[2i + 1]` are the twiddles of the
        /// halves of block `i` at gap `gap`, `w2[i]` that of block `i` at gap `2 * gap`. The
        /// second stage is the last of the transform when `scale` is given.
        #[target_feature(enable = $features)]
        #[inline]
        fn inv_radix4<const REDUCE: bool, const H: bool>(
            a: &mut [u64],
            gap: usize,
            w1: Twiddles<'_, PLANES>,
            w2: Twiddles<'_, PLANES>,
            scale: Option<(Tw, Tw)>,
            c: Consts,
        ) {
            for (i, (block, (w2, w2q))) in a.chunks_exact_mut(4 * gap).zip(w2.pairs()).enumerate() {
                let (w1, w1q) = w1.chunk::<2>(i);
                let tw0 = Tw::splat(w1[0], pieces(w1q, 0));
                let tw1 = Tw::splat(w1[1], pieces(w1q, 1));
                let tw2 = Tw::splat(w2, w2q);
                let (p0, rest) = block.split_at_mut(gap);
                let (p1, rest) = rest.split_at_mut(gap);
                let (p2, p3) = rest.split_at_mut(gap);
                // The rows in the second half of each quarter hold products of the stage of
                // gap `gap / 2` (unless a row holds both halves); without headroom they go
                // through the same code as the others (one loop).
                let rows = gap / 8;
                let sums = if H { rows.div_ceil(2) } else { rows };
                let (p0x, p0y) = p0.as_chunks_mut::<8>().0.split_at_mut(sums);
                let (p1x, p1y) = p1.as_chunks_mut::<8>().0.split_at_mut(sums);
                let (p2x, p2y) = p2.as_chunks_mut::<8>().0.split_at_mut(sums);
                let (p3x, p3y) = p3.as_chunks_mut::<8>().0.split_at_mut(sums);
                let tws = (tw0, tw1, tw2);
                inv_radix4_rows::<REDUCE, false, H>([p0x, p1x, p2x, p3x], tws, scale, c);
                if H {
                    inv_radix4_rows::<REDUCE, true, H>([p0y, p1y, p2y, p3y], tws, scale, c);
                }
            }
        }

        /// The butterflies of [`inv_radix4`] over rows of 8 values of the four quarters of
        /// a block, with its three twiddles, software-pipelined as in
        /// [`fwd_radix4_rows`]. `SKIP1`: the rows hold products, whose sums in the first
        /// level need no reduction (with headroom); with headroom (`H`), the second level
        /// adds the two products of the first without reducing.
        #[target_feature(enable = $features)]
        #[inline]
        fn inv_radix4_rows<const REDUCE: bool, const SKIP1: bool, const H: bool>(
            quarters: [&mut [[u64; 8]]; 4],
            (tw0, tw1, tw2): (Tw, Tw, Tw),
            scale: Option<(Tw, Tw)>,
            c: Consts,
        ) {
            let [p0, p1, p2, p3] = quarters;
            let mut rows = p0.iter_mut().zip(p1).zip(p2.iter_mut().zip(p3));
            let Some(((x0, x1), (x2, x3))) = rows.next() else {
                return;
            };
            let mut row = [x0, x1, x2, x3];
            let mut level1 = inv_radix4_first::<SKIP1>(&row, (tw0, tw1), c);
            for ((x0, x1), (x2, x3)) in rows {
                let next = [x0, x1, x2, x3];
                let next_level1 = inv_radix4_first::<SKIP1>(&next, (tw0, tw1), c);
                inv_radix4_second::<REDUCE, H>(row, level1, tw2, scale, c);
                (row, level1) = (next, next_level1);
            }
            inv_radix4_second::<REDUCE, H>(row, level1, tw2, scale, c);
        }

        /// The first level of an inverse radix-4 row: `a0`, `a2` sums, `a1`, `a3` products.
        #[target_feature(enable = $features)]
        #[inline]
        fn inv_radix4_first<const SKIP: bool>(
            [x0, x1, x2, x3]: &[&mut [u64; 8]; 4],
            (tw0, tw1): (Tw, Tw),
            c: Consts,
        ) -> [__m512i; 4] {
            let (a0, a1) = inv_bf::<SKIP>(load(x0), load(x1), tw0, c);
            let (a2, a3) = inv_bf::<SKIP>(load(x2), load(x3), tw1, c);
            [a0, a1, a2, a3]
        }

        /// The second level of an inverse radix-4 row (the last stage of the transform
        /// when `scale` is given), stored.
        #[target_feature(enable = $features)]
        #[inline]
        fn inv_radix4_second<const REDUCE: bool, const H: bool>(
            [x0, x1, x2, x3]: [&mut [u64; 8]; 4],
            [a0, a1, a2, a3]: [__m512i; 4],
            tw2: Tw,
            scale: Option<(Tw, Tw)>,
            c: Consts,
        ) {
            let ((a0, a2), (a1, a3)) = match scale {
                Some(scale) => (
                    inv_bf_last::<REDUCE>(a0, a2, scale, c),
                    inv_bf_last::<REDUCE>(a1, a3, scale, c),
                ),
                None => (inv_bf::<false>(a0, a2, tw2, c), inv_bf::<H>(a1, a3, tw2, c)),
            };
            store(x0, a0);
            store(x1, a1);
            store(x2, a2);
            store(x3, a3);
        }

        /// The inverse stages of gaps 1, 2, 4 and 8 over `a` (a multiple of 32 values at
        /// offset `off`), eight groups of 16 values at a time, as in [`fwd_tail`].
        #[target_feature(enable = $features)]
        #[inline]
        fn inv_head<const H: bool>(
            a: &mut [u64],
            n: usize,
            off: usize,
            tw: Twiddles<'_, PLANES>,
            c: Consts,
        ) {
            let len = a.len();
            let ts = [
                tw.stage(n, 8, off, len),
                tw.stage(n, 4, off, len),
                tw.stage(n, 2, off, len),
                tw.stage(n, 1, off, len),
            ];
            let (octs, rest) = a.as_chunks_mut::<16>().0.as_chunks_mut::<8>();
            for (i, groups) in octs.iter_mut().enumerate() {
                inv_head_groups::<8, H>(groups, 8 * i, &ts, c);
            }
            let g0 = 8 * octs.len();
            for (i, groups) in rest.as_chunks_mut::<2>().0.iter_mut().enumerate() {
                inv_head_groups::<2, H>(groups, g0 + 2 * i, &ts, c);
            }
        }

        /// The body of [`inv_head`]: `G` groups of 16 values in lockstep, the inverse of
        /// [`fwd_tail_groups`]. The inputs are below `2q`, so the sums of the gap-1 stage
        /// are below `4q`, which needs no reduction when `4q <= s` (`WIDE_S`), and those of
        /// the gap-2 stage below `8q` (no reduction with headroom, `H`).
        #[target_feature(enable = $features)]
        #[inline]
        fn inv_head_groups<const G: usize, const H: bool>(
            groups: &mut [[u64; 16]; G],
            g0: usize,
            [t8, t4, t2, t1]: &[Twiddles<'_, PLANES>; 4],
            c: Consts,
        ) {
            let zero = _mm512_setzero_si512();
            let mut v = [(zero, zero); G];
            unroll8!(K < G => {
                let [lo, hi, ..] = groups[K].as_chunks::<8>().0 else {
                    return; // unreachable: 16 values are two groups of 8
                };
                v[K] = unshuffle(load(lo), load(hi));
            });
            unroll8!(K < G => {
                let tw = load_tw(t1.chunk::<8>(g0 + K));
                let (x, y) = inv_bf::<WIDE_S>(v[K].0, v[K].1, tw, c);
                v[K] = unshuffle(x, y);
            });
            unroll8!(K < G => {
                let tw = load_tw(t2.chunk::<4>(g0 + K));
                let (x, y) = inv_bf::<H>(v[K].0, v[K].1, tw, c);
                v[K] = unshuffle(x, y);
            });
            unroll8!(K < G => {
                let tw = load_tw(t4.chunk::<2>(g0 + K));
                let (x, y) = inv_bf::<false>(v[K].0, v[K].1, tw, c);
                v[K] = unshuffle(x, y);
            });
            unroll8!(K < G => {
                let [lo, hi, ..] = groups[K].as_chunks_mut::<8>().0 else {
                    return; // unreachable: 16 values are two groups of 8
                };
                let tw = load_tw(t8.chunk::<1>(g0 + K));
                let (x, y) = inv_bf::<false>(v[K].0, v[K].1, tw, c);
                store(lo, x);
                store(hi, y);
            });
        }

        /// All inverse stages from gap 1 up to `gap` over `a` (one block of `2 * gap` values
        /// at offset `off`, `32 <= 2 * gap <= BLOCK`); the last stage is the transform's when
        /// `scale` is given.
        #[target_feature(enable = $features)]
        fn inv_block<const REDUCE: bool, const H: bool>(
            a: &mut [u64],
            n: usize,
            off: usize,
            top: usize,
            tw: Twiddles<'_, PLANES>,
            scale: Option<(Tw, Tw)>,
            c: Consts,
        ) {
            let len = a.len();
            inv_head::<H>(a, n, off, tw, c);
            let mut gap = 16;
            while 2 * gap <= top {
                let (w1, w2) = (tw.stage(n, gap, off, len), tw.stage(n, 2 * gap, off, len));
                let scale = if 2 * gap == top { scale } else { None };
                inv_radix4::<REDUCE, H>(a, gap, w1, w2, scale, c);
                gap *= 4;
            }
            if gap == top {
                inv_radix2::<REDUCE>(a, gap, tw.stage(n, gap, off, len), scale, c);
            }
        }

        /// All inverse stages from gap 1 up to `top` over `a`, one block of `2 * top` values
        /// at offset `off`: each quarter on its own (until the blocks fit [`BLOCK`]), then
        /// radix 4 over the whole block.
        #[target_feature(enable = $features)]
        fn inv_rec<const REDUCE: bool, const H: bool>(
            a: &mut [u64],
            n: usize,
            off: usize,
            top: usize,
            tw: Twiddles<'_, PLANES>,
            scale: Option<(Tw, Tw)>,
            c: Consts,
        ) {
            let len = a.len();
            if len <= BLOCK {
                inv_block::<REDUCE, H>(a, n, off, top, tw, scale, c);
                return;
            }
            let quarter = top / 2;
            for (k, sub) in a.chunks_exact_mut(quarter).enumerate() {
                inv_rec::<REDUCE, H>(sub, n, off + k * quarter, top / 4, tw, None, c);
            }
            let (w1, w2) = (tw.stage(n, top / 2, off, len), tw.stage(n, top, off, len));
            inv_radix4::<REDUCE, H>(a, top / 2, w1, w2, scale, c);
        }

        /// Inverse transform, `N >= 32`, including the factor `1/N`: inputs in `[0, 2q)`,
        /// outputs in `[0, 2q)`, or in `[0, q)` when `REDUCE`.
        #[target_feature(enable = $features)]
        pub(super) fn inverse_impl<const REDUCE: bool>(
            t: &NttTable,
            quotients: QuotientPlanes<'_, PLANES>,
            a: &mut [u64],
        ) {
            let tw = Twiddles {
                w: &t.inv,
                q: quotients.inv,
            };
            let n_inv = Tw::splat(t.n_inv.value, quotients.n_inv);
            let last = Tw::splat(t.inv_n_last.value, quotients.inv_n_last);
            let scale = Some((n_inv, last));
            if headroom(t) {
                inv_rec::<REDUCE, true>(a, t.n, 0, t.n / 2, tw, scale, Consts::new(t, true));
            } else {
                inv_rec::<REDUCE, false>(a, t.n, 0, t.n / 2, tw, scale, Consts::new(t, false));
            }
        }
    };
}
pub(super) use eight_lane_transforms;

/// Constants broadcast to every lane.
#[derive(Clone, Copy)]
struct Consts {
    q: __m512i,
    two_q: __m512i,
    /// The lazy bound `s = 4q`: forward values stay below `8q` (below `16q` with
    /// headroom), inverse ones below `4q`.
    s: __m512i,
    /// What the forward butterflies subtract from `x` when they reduce it: `s`, or `2s =
    /// 8q` with headroom.
    xr: __m512i,
    /// The inverse bound: `s`, or `2s = 8q` with headroom (the same value as `xr`).
    ir: __m512i,
}

impl Consts {
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn new(t: &NttTable, headroom: bool) -> Self {
        let q = t.modulus.value();
        Self {
            q: splat(q),
            two_q: splat(2 * q),
            s: splat(4 * q),
            xr: splat(if headroom { 8 * q } else { 4 * q }),
            ir: splat(if headroom { 8 * q } else { 4 * q }),
        }
    }
}

/// Whether the forward transforms have headroom: `16q <= 2^64`, that is `q < 2^60`.
fn headroom(t: &NttTable) -> bool {
    t.modulus.value() < 1 << 60
}

/// Maps a forward output `< 8q` (`< 16q` with headroom, `H`) to `[0, 4q)`, or to `[0, q)`
/// when `REDUCE`.
#[target_feature(enable = "avx512f")]
#[inline]
fn fwd_finish<const REDUCE: bool, const H: bool>(x: __m512i, c: Consts) -> __m512i {
    let x = if H { reduce_once(x, c.xr) } else { x };
    let x = reduce_once(x, c.s);
    if REDUCE {
        reduce_once(reduce_once(x, c.two_q), c.q)
    } else {
        x
    }
}

/// Maps an inverse output `< 4q` to `[0, 2q)`, or to `[0, q)` when `REDUCE`.
#[target_feature(enable = "avx512f")]
#[inline]
fn inv_finish<const REDUCE: bool>(x: __m512i, c: Consts) -> __m512i {
    let x = reduce_once(x, c.two_q);
    if REDUCE { reduce_once(x, c.q) } else { x }
}

/// The transforms proper (a module so the macro's items stay private to them).
mod dq {
    use core::arch::x86_64::*;

    use super::{
        BLOCK, Consts, NttTable, Plain as Operand, QuotientPlanes, Twiddles, fwd_finish, headroom,
        inv_finish, load, load_repeat, pieces, reduce_once, shuffle, splat, store, unshuffle,
    };

    /// One plane: the 64-bit Shoup quotients.
    const PLANES: usize = 1;

    /// The multiplier's outputs are always clean.
    const CLEAN_MATTERS: bool = false;

    /// `s = 4q`.
    const WIDE_S: bool = true;

    /// A twiddle per lane with its 64-bit Shoup quotient; the multiplies read the low 32
    /// bits of `quotient` and of `quotient_hi = quotient >> 32`.
    #[derive(Clone, Copy)]
    struct Tw {
        w: __m512i,
        quotient: __m512i,
        quotient_hi: __m512i,
    }

    impl Tw {
        #[target_feature(enable = "avx512f")]
        #[inline]
        fn vector(w: __m512i, [quotient]: [__m512i; PLANES]) -> Self {
            Self {
                w,
                quotient,
                quotient_hi: _mm512_srli_epi64::<32>(quotient),
            }
        }

        #[target_feature(enable = "avx512f")]
        #[inline]
        fn splat(w: u64, [quotient]: [u64; PLANES]) -> Self {
            Self {
                w: splat(w),
                quotient: splat(quotient),
                quotient_hi: splat(quotient >> 32),
            }
        }
    }

    /// A value in `[0, 4q)` congruent to `y * w`, for any `y` (always exact: `CLEAN` only
    /// matters to the IFMA path).
    #[target_feature(enable = "avx512f,avx512dq")]
    #[inline]
    fn mul_lazy<const CLEAN: bool>(Operand(y): Operand, tw: Tw, c: Consts) -> __m512i {
        let y_hi = _mm512_srli_epi64::<32>(y);
        let lo_hi = _mm512_mul_epu32(y, tw.quotient_hi);
        let hi_lo = _mm512_mul_epu32(y_hi, tw.quotient);
        let hi_hi = _mm512_mul_epu32(y_hi, tw.quotient_hi);
        let estimate = _mm512_add_epi64(
            hi_hi,
            _mm512_add_epi64(
                _mm512_srli_epi64::<32>(lo_hi),
                _mm512_srli_epi64::<32>(hi_lo),
            ),
        );
        _mm512_sub_epi64(
            _mm512_mullo_epi64(y, tw.w),
            _mm512_mullo_epi64(estimate, c.q),
        )
    }

    eight_lane_transforms!(features = "avx512f,avx512dq");
}

/// The transforms of [`dq`] with the quotient estimate computed by one 32-bit multiply and
/// two IFMA multiply-adds instead of three 32-bit multiplies, two shifts and two additions
/// (CPUs with AVX-512 IFMA). `vpmadd52huq` adds `floor(a * b / 2^52)` for 52-bit `a` and
/// `b`; with `a < 2^32` and `b = c * 2^20` (`c < 2^32`) that is `floor(a * c / 2^32)`, one
/// shifted cross product of [`dq`]'s estimate, added for free. The estimate, and so every
/// output, is the same as [`dq`]'s, bit for bit. The pieces of the quotients it reads are
/// precomputed in the table ([`QuotientForm::Split64`]), so twiddles need no shifts.
mod dq_ifma {
    use core::arch::x86_64::*;

    use super::{
        BLOCK, Consts, NttTable, QuotientPlanes, Twiddles, fwd_finish, headroom, inv_finish, load,
        load_repeat, pieces, reduce_once, shuffle, splat, store, unshuffle,
    };

    /// Three planes: `h`, `h * 2^20` and `l * 2^20` for each 64-bit Shoup quotient `h * 2^32
    /// + l` ([`super::QuotientForm::Split64`]).
    const PLANES: usize = 3;

    /// The multiplier's outputs are always clean.
    const CLEAN_MATTERS: bool = false;

    /// `s = 4q`.
    const WIDE_S: bool = true;

    /// A twiddle per lane with the halves of its 64-bit Shoup quotient `quotient = h * 2^32 +
    /// l`: `h` (read by a 32-bit multiply), `h * 2^20` and `l * 2^20` (whose low 52 bits the
    /// IFMA multiplies read).
    #[derive(Clone, Copy)]
    struct Tw {
        w: __m512i,
        hi: __m512i,
        hi20: __m512i,
        lo20: __m512i,
    }

    impl Tw {
        #[target_feature(enable = "avx512f")]
        #[inline]
        fn vector(w: __m512i, [hi, hi20, lo20]: [__m512i; PLANES]) -> Self {
            Self { w, hi, hi20, lo20 }
        }

        #[target_feature(enable = "avx512f")]
        #[inline]
        fn splat(w: u64, [hi, hi20, lo20]: [u64; PLANES]) -> Self {
            Self {
                w: splat(w),
                hi: splat(hi),
                hi20: splat(hi20),
                lo20: splat(lo20),
            }
        }
    }

    /// The `y` operand of a multiplication with its 32-bit halves, each in the low half of
    /// its lane.
    #[derive(Clone, Copy)]
    struct Operand {
        y: __m512i,
        hi: __m512i,
        lo: __m512i,
    }

    impl Operand {
        #[target_feature(enable = "avx512f")]
        #[inline]
        fn of(y: __m512i) -> Self {
            Self {
                y,
                hi: _mm512_srli_epi64::<32>(y),
                lo: _mm512_and_si512(y, splat(u64::from(u32::MAX))),
            }
        }

        /// Loads `y`, and its low halves with a masked load (the even 32-bit words).
        #[target_feature(enable = "avx512f")]
        #[inline]
        fn load(src: &[u64; 8]) -> Self {
            let y = load(src);
            // SAFETY: the mask enables the words 0, 2, .., 14 of the 64 readable bytes of
            // `src`; unaligned loads have no alignment requirement.
            let lo = unsafe { _mm512_maskz_loadu_epi32(0x5555, src.as_ptr().cast()) };
            Self {
                y,
                hi: _mm512_srli_epi64::<32>(y),
                lo,
            }
        }
    }

    /// A value in `[0, 4q)` congruent to `y * w`, for any `y`: [`super::dq`]'s `mul_lazy`
    /// with the same estimate `y_hi * h + floor(y_lo * h / 2^32) + floor(y_hi * l / 2^32)`.
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    #[inline]
    fn mul_lazy<const CLEAN: bool>(op: Operand, tw: Tw, c: Consts) -> __m512i {
        let Operand {
            y,
            hi: y_hi,
            lo: y_lo,
        } = op;
        let hi_hi = _mm512_mul_epu32(y_hi, tw.hi);
        let estimate = _mm512_madd52hi_epu64(hi_hi, y_lo, tw.hi20);
        let estimate = _mm512_madd52hi_epu64(estimate, y_hi, tw.lo20);
        _mm512_sub_epi64(
            _mm512_mullo_epi64(y, tw.w),
            _mm512_mullo_epi64(estimate, c.q),
        )
    }

    eight_lane_transforms!(features = "avx512f,avx512dq,avx512ifma");
}

/// The smallest degree the eight-lane transforms handle; smaller ones run scalar code.
pub(super) const MIN_N: usize = 32;

/// The quotients of [`dq_ifma`], when it can run on this table: `N >=` [`MIN_N`], the
/// table holds them and the CPU has AVX-512 F, DQ and IFMA.
fn split_quotients(t: &NttTable) -> Option<QuotientPlanes<'_, 3>> {
    if t.n >= MIN_N && super::path::cpu::has_avx512_ifma() {
        t.simd_q.planes::<3>(QuotientForm::Split64, t.n)
    } else {
        None
    }
}

/// Forward transform on the AVX-512 path (scalar code below [`MIN_N`] or without the CPU
/// features): inputs in `[0, 4q)`, outputs in `[0, q)` when `REDUCE`, else `[0, 4q)`.
pub(super) fn forward<const REDUCE: bool>(t: &NttTable, a: &mut [u64]) {
    if let Some(split) = split_quotients(t) {
        // SAFETY: the CPU supports AVX-512 F, DQ and IFMA (checked by `split_quotients`).
        unsafe { dq_ifma::forward_impl::<REDUCE>(t, split, a) }
    } else if t.n >= MIN_N && super::path::cpu::has_avx512() {
        // SAFETY: the CPU supports AVX-512 F and DQ (checked just above).
        unsafe { dq::forward_impl::<REDUCE>(t, t.shoup_planes(), a) }
    } else {
        scalar::forward::<REDUCE>(t, a);
    }
}

/// Inverse transform on the AVX-512 path (scalar code below [`MIN_N`] or without the CPU
/// features): inputs in `[0, 2q)`, outputs in `[0, q)` when `REDUCE`, else `[0, 2q)`.
pub(super) fn inverse<const REDUCE: bool>(t: &NttTable, a: &mut [u64]) {
    if let Some(split) = split_quotients(t) {
        // SAFETY: the CPU supports AVX-512 F, DQ and IFMA (checked by `split_quotients`).
        unsafe { dq_ifma::inverse_impl::<REDUCE>(t, split, a) }
    } else if t.n >= MIN_N && super::path::cpu::has_avx512() {
        // SAFETY: the CPU supports AVX-512 F and DQ (checked just above).
        unsafe { dq::inverse_impl::<REDUCE>(t, t.shoup_planes(), a) }
    } else {
        scalar::inverse::<REDUCE>(t, a);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{MAX_LOG_N, NttPath, NttTable, path::cpu};
    use super::{dq, dq_ifma, split_quotients};
    use crate::math::{Modulus, ntt_primes, sampling::sample_uniform};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    /// The transforms with and without the IFMA quotient estimate give the same outputs, bit
    /// for bit, lazy and reduced, at every size, for random inputs spread over the whole lazy
    /// input ranges and for inputs at their top (the path itself runs only one of them on a
    /// given CPU; the other path tests compare that one with the scalar reference).
    #[test]
    fn both_multipliers_agree() {
        if !cpu::has_avx512_ifma() {
            return;
        }
        for log_n in 5..=MAX_LOG_N {
            let n = 1usize << log_n;
            for bits in [61u32, 60, 50, 30] {
                let Ok(primes) = ntt_primes(bits, n, 1) else {
                    continue;
                };
                let q = primes[0];
                let t = NttTable::with_path(n, q, NttPath::Avx512).unwrap();
                let (plain, split) = (t.shoup_planes(), split_quotients(&t).unwrap());
                let mut random = vec![0u64; n];
                sample_uniform(
                    &mut ChaCha20Rng::from_seed([log_n as u8; 32]),
                    &Modulus::new(q).unwrap(),
                    &mut random,
                );
                let spread = |k: u64| -> Vec<u64> {
                    random
                        .iter()
                        .enumerate()
                        .map(|(i, &x)| x + (i as u64 % k) * q)
                        .collect()
                };
                let what = format!("N = 2^{log_n}, q = {q:#x}");
                for input in [spread(4), vec![4 * q - 1; n]] {
                    let (mut a, mut b) = (input.clone(), input.clone());
                    // SAFETY: the CPU has AVX-512 F, DQ and IFMA (checked above).
                    unsafe {
                        dq::forward_impl::<false>(&t, plain, &mut a);
                        dq_ifma::forward_impl::<false>(&t, split, &mut b);
                    }
                    assert_eq!(a, b, "forward_lazy, {what}");
                    let (mut a, mut b) = (input.clone(), input);
                    // SAFETY: as above.
                    unsafe {
                        dq::forward_impl::<true>(&t, plain, &mut a);
                        dq_ifma::forward_impl::<true>(&t, split, &mut b);
                    }
                    assert_eq!(a, b, "forward, {what}");
                }
                for input in [spread(2), vec![2 * q - 1; n]] {
                    let (mut a, mut b) = (input.clone(), input.clone());
                    // SAFETY: as above.
                    unsafe {
                        dq::inverse_impl::<false>(&t, plain, &mut a);
                        dq_ifma::inverse_impl::<false>(&t, split, &mut b);
                    }
                    assert_eq!(a, b, "inverse_lazy, {what}");
                    let (mut a, mut b) = (input.clone(), input);
                    // SAFETY: as above.
                    unsafe {
                        dq::inverse_impl::<true>(&t, plain, &mut a);
                        dq_ifma::inverse_impl::<true>(&t, split, &mut b);
                    }
                    assert_eq!(a, b, "inverse, {what}");
                }
            }
        }
    }
}
