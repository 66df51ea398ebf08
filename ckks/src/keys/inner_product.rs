//! The inner product of key switching, one RNS limb at a time:
//! `out_b[c] = sum_j x_j[c] * b_j[c] mod q` and the same with `a_j`, where `x_j` are the
//! extended digits.
//!
//! Three implementations compute the same values: a portable scalar one (128-bit sums, one
//! reduction per coefficient); for primes below 2^50 on CPUs with AVX-512 IFMA, one that
//! accumulates the 104-bit products as two 52-bit halves in vector registers (eight
//! coefficients at a time, two fused multiply-adds per product) and reduces each coefficient
//! once at the end; and, for larger primes on CPUs with AVX-512 DQ, one that forms each 122-bit
//! product from four 32 x 32-bit ones and sums them in three columns (counting the carries)
//! before one reduction per coefficient. The tests compare them on random and extreme inputs.
//!
//! The key's limbs are packed (see [`super::packed`]): the vector paths widen eight residues
//! with one masked load and one byte expansion (AVX-512 BW and VBMI2, which both need), the
//! scalar path reads masked words.

use super::packed::PackedLimb;
use crate::math::Modulus;

/// The operands of the inner product of one limb: digit `j` contributes `ext[j]` times `kb[j]`
/// and `ka[j]`. Every slice and limb has the length of the outputs.
pub(super) struct Terms<'a> {
    pub(super) ext: &'a [&'a [u64]],
    pub(super) kb: &'a [PackedLimb<'a>],
    pub(super) ka: &'a [PackedLimb<'a>],
}

#[cfg(target_arch = "x86_64")]
impl Terms<'_> {
    /// Whether every slice, and the second output (of length `out_a`), has the length `n` of
    /// the first output, and the key has one pair per digit: the vector paths' precondition.
    fn lengths_match(&self, n: usize, out_a: usize) -> bool {
        out_a == n
            && self.ext.iter().all(|s| s.len() == n)
            && self.kb.iter().chain(self.ka).all(|s| s.len() == n)
            && self.kb.len() == self.ext.len()
            && self.ka.len() == self.ext.len()
    }
}

/// Computes the inner products of one limb modulo `q` into `out_b` and `out_a`.
pub(super) fn inner_product(q: &Modulus, terms: &Terms<'_>, out_b: &mut [u64], out_a: &mut [u64]) {
    #[cfg(target_arch = "x86_64")]
    if out_b.len().is_multiple_of(8)
        && terms.lengths_match(out_b.len(), out_a.len())
        && widen::available()
    {
        if terms.ext.len() <= ifma::MAX_DIGITS && crate::math::ifma52::available(q) {
            // SAFETY: the CPU supports AVX-512 F, BW, VBMI2 and IFMA (checked just above).
            unsafe { ifma::inner_product(q, terms, out_b, out_a) };
            return;
        }
        if terms.ext.len() <= wide::MAX_DIGITS && std::arch::is_x86_feature_detected!("avx512dq") {
            // SAFETY: the CPU supports AVX-512 F, BW, VBMI2 and DQ (checked just above).
            unsafe { wide::inner_product(q, terms, out_b, out_a) };
            return;
        }
    }
    scalar(q, terms, out_b, out_a);
}

/// Coefficients per block: within a block the loops run digit by digit over short contiguous
/// runs, so only three input streams are live at a time (all digits at once would be
/// `3 * digits` streams, more than the hardware prefetchers follow), and the accumulators
/// stay in the L1 cache.
const BLOCK: usize = 256;

/// The portable implementation: 128-bit sums, reduced once per coefficient (or once per
/// `batch` digits for long sums of large primes).
pub(super) fn scalar(q: &Modulus, terms: &Terms<'_>, out_b: &mut [u64], out_a: &mut [u64]) {
    let digits = terms.ext.len();
    let n = out_b.len();
    // Sums of `batch` products of values below q stay below q * 2^64, the precondition of
    // `reduce_u128`; longer sums are reduced in between.
    let batch = ((u64::MAX / q.value()) as usize).clamp(1, digits.max(1));
    let mut acc_b = [0u128; BLOCK];
    let mut acc_a = [0u128; BLOCK];
    for c0 in (0..n).step_by(BLOCK) {
        let len = BLOCK.min(n - c0);
        let (acc_b, acc_a) = (&mut acc_b[..len], &mut acc_a[..len]);
        acc_b.fill(0);
        acc_a.fill(0);
        for (j, ((e, b), a)) in terms.ext.iter().zip(terms.kb).zip(terms.ka).enumerate() {
            if j > 0 && j % batch == 0 {
                for x in acc_b.iter_mut().chain(acc_a.iter_mut()) {
                    *x = q.reduce_u128(*x) as u128;
                }
            }
            let e = &e[c0..c0 + len];
            for (i, ((sb, sa), &x)) in acc_b.iter_mut().zip(acc_a.iter_mut()).zip(e).enumerate() {
                *sb += x as u128 * b.get(c0 + i) as u128;
                *sa += x as u128 * a.get(c0 + i) as u128;
            }
        }
        for (o, &x) in out_b[c0..c0 + len].iter_mut().zip(acc_b.iter()) {
            *o = q.reduce_u128(x);
        }
        for (o, &x) in out_a[c0..c0 + len].iter_mut().zip(acc_a.iter()) {
            *o = q.reduce_u128(x);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod ifma {
    use core::arch::x86_64::*;

    use super::Terms;
    use super::widen::widen;
    use crate::math::Modulus;
    use crate::math::ifma52::{Reducer, load, store};

    /// The most digits the IFMA path sums: the sums of the high halves (each below
    /// `2^48` for primes below `2^50`) plus the carries of the low ones stay below `2^52`.
    pub(super) const MAX_DIGITS: usize = 15;

    /// Eight coefficients at a time, in blocks: the sums of the low and of the high 52-bit
    /// halves of the products, then one reduction of `high * 2^52 + low` per coefficient.
    ///
    /// Requires: `q < 2^50`, at most [`MAX_DIGITS`] digits,
    /// every slice of `terms` and both outputs of one length, a multiple of 8.
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi2,avx512ifma")]
    pub(super) fn inner_product(
        q: &Modulus,
        terms: &Terms<'_>,
        out_b: &mut [u64],
        out_a: &mut [u64],
    ) {
        let n = out_b.len();
        debug_assert!(terms.lengths_match(n, out_a.len()));
        const VECTORS: usize = super::BLOCK / 8;
        let zero = _mm512_setzero_si512();
        // Per block: the sums of the low and high 52-bit halves, for b and for a.
        let mut acc = [[zero; VECTORS]; 4];
        let red = Reducer::new(q);
        for c0 in (0..n).step_by(super::BLOCK) {
            let vectors = super::BLOCK.min(n - c0) / 8;
            for a in acc.iter_mut() {
                a[..vectors].fill(zero);
            }
            for ((e, b), a) in terms.ext.iter().zip(terms.kb).zip(terms.ka) {
                let [lo_b, hi_b, lo_a, hi_a] = &mut acc;
                let sums = lo_b[..vectors]
                    .iter_mut()
                    .zip(hi_b.iter_mut())
                    .zip(lo_a.iter_mut())
                    .zip(hi_a.iter_mut());
                for (v, (((lb, hb), la), ha)) in sums.enumerate() {
                    let base = c0 + 8 * v;
                    let x = load(&e[base..base + 8]);
                    let (kb, ka) = (widen(b, base), widen(a, base));
                    *lb = _mm512_madd52lo_epu64(*lb, x, kb);
                    *hb = _mm512_madd52hi_epu64(*hb, x, kb);
                    *la = _mm512_madd52lo_epu64(*la, x, ka);
                    *ha = _mm512_madd52hi_epu64(*ha, x, ka);
                }
            }
            for (v, (ob, oa)) in out_b[c0..c0 + 8 * vectors]
                .chunks_exact_mut(8)
                .zip(out_a[c0..c0 + 8 * vectors].chunks_exact_mut(8))
                .enumerate()
            {
                let b = red.reduce(acc[0][v], acc[1][v]);
                let a = red.reduce(acc[2][v], acc[3][v]);
                store(ob, b);
                store(oa, a);
            }
        }
    }
}

/// Eight packed residues widened to 64-bit lanes.
#[cfg(target_arch = "x86_64")]
mod widen {
    use core::arch::x86_64::*;

    use crate::keys::packed::PackedLimb;

    /// Whether the CPU can widen packed residues (AVX-512 F, BW and VBMI2).
    pub(super) fn available() -> bool {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vbmi2")
    }

    /// Residues `start..start + 8` of `limb` in the eight 64-bit lanes.
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi2")]
    #[inline]
    pub(super) fn widen(limb: &PackedLimb<'_>, start: usize) -> __m512i {
        let bytes = limb.eight(start);
        let width = limb.width();
        debug_assert_eq!(bytes.len(), 8 * width);
        // The first 8 * width bytes, then byte i of residue j moved to byte 8 j + i.
        let loaded = u64::MAX >> (64 - 8 * width);
        let lanes = (u64::MAX >> (64 - width)) * 0x0101_0101_0101_0101;
        // SAFETY: `bytes` holds exactly 8 * width bytes and the masked load reads only the
        // first 8 * width (the bits set in `loaded`); masked-off bytes are not accessed.
        let v = unsafe { _mm512_maskz_loadu_epi8(loaded, bytes.as_ptr().cast()) };
        _mm512_maskz_expand_epi8(lanes, v)
    }
}

/// The AVX-512 F implementation for primes too large for IFMA (up to `2^61`).
#[cfg(target_arch = "x86_64")]
mod wide {
    use core::arch::x86_64::*;

    use super::Terms;
    use super::widen::widen;
    use crate::math::Modulus;
    use crate::math::ifma52::{load, store};

    /// The most digits summed before the reduction: the high column grows by less than
    /// `2^58` per digit, the carry counts by one at most, and the combined high word must stay
    /// below `2^64`.
    pub(super) const MAX_DIGITS: usize = 32;

    /// The sums of one output's products, eight coefficients: for `x = x_h 2^32 + x_l` and
    /// `k = k_h 2^32 + k_l` (halves of 32 bits; `x_h, k_h < 2^29` as `x, k < 2^61`),
    /// `x k = x_l k_l + (x_l k_h + x_h k_l) 2^32 + x_h k_h 2^64`. The first two columns wrap
    /// modulo `2^64` and count their carries.
    #[derive(Clone, Copy)]
    struct Columns {
        low: __m512i,
        low_carries: __m512i,
        mid: __m512i,
        mid_carries: __m512i,
        high: __m512i,
    }

    impl Columns {
        #[target_feature(enable = "avx512f")]
        #[inline]
        fn zero() -> Self {
            let z = _mm512_setzero_si512();
            Self {
                low: z,
                low_carries: z,
                mid: z,
                mid_carries: z,
                high: z,
            }
        }

        /// Adds `x k` (lanes below `2^61`), given `x_h = x >> 32`.
        #[target_feature(enable = "avx512f")]
        #[inline]
        fn add_product(&mut self, x: __m512i, x_h: __m512i, k: __m512i) {
            let one = _mm512_set1_epi64(1);
            let k_h = _mm512_srli_epi64::<32>(k);
            let ll = _mm512_mul_epu32(x, k);
            // Each cross product is below 2^61, their sum below 2^62.
            let mid = _mm512_add_epi64(_mm512_mul_epu32(x, k_h), _mm512_mul_epu32(x_h, k));
            let hh = _mm512_mul_epu32(x_h, k_h);
            let low = _mm512_add_epi64(self.low, ll);
            let wrapped = _mm512_cmplt_epu64_mask(low, ll);
            self.low_carries =
                _mm512_mask_add_epi64(self.low_carries, wrapped, self.low_carries, one);
            self.low = low;
            let m = _mm512_add_epi64(self.mid, mid);
            let wrapped = _mm512_cmplt_epu64_mask(m, mid);
            self.mid_carries =
                _mm512_mask_add_epi64(self.mid_carries, wrapped, self.mid_carries, one);
            self.mid = m;
            self.high = _mm512_add_epi64(self.high, hh);
        }

        /// The sums reduced modulo `q`, in `[0, q)`.
        #[target_feature(enable = "avx512f,avx512dq")]
        #[inline]
        fn reduce(self, c: &Reduction) -> __m512i {
            let one = _mm512_set1_epi64(1);
            // value = lo + hi 2^64 with lo = low + (mid mod 2^32) 2^32 and
            // hi = high + low_carries + (mid >> 32) + mid_carries 2^32 + the carry of lo:
            // below 32 * 2^58 + 2^38 < 2^64.
            let lo = _mm512_add_epi64(self.low, _mm512_slli_epi64::<32>(self.mid));
            let hi = _mm512_add_epi64(
                _mm512_add_epi64(self.high, self.low_carries),
                _mm512_add_epi64(
                    _mm512_srli_epi64::<32>(self.mid),
                    _mm512_slli_epi64::<32>(self.mid_carries),
                ),
            );
            let hi = _mm512_mask_add_epi64(hi, _mm512_cmplt_epu64_mask(lo, self.low), hi, one);
            // hi * (2^64 mod q) + lo * 1, each by Shoup's method with an estimated quotient.
            let r1 = c.mul_shoup(hi, c.r64, c.r64_quotient);
            let r2 = c.mul_shoup(lo, c.one, c.one_quotient);
            let sum = _mm512_add_epi64(r1, r2);
            let sum = _mm512_min_epu64(sum, _mm512_sub_epi64(sum, c.four_q));
            let sum = _mm512_min_epu64(sum, _mm512_sub_epi64(sum, c.two_q));
            _mm512_min_epu64(sum, _mm512_sub_epi64(sum, c.q))
        }
    }

    /// The constants of the final reduction modulo `q`.
    struct Reduction {
        q: __m512i,
        two_q: __m512i,
        four_q: __m512i,
        one: __m512i,
        /// `floor(2^64 / q)`.
        one_quotient: __m512i,
        /// `2^64 mod q` and `floor(r64 2^64 / q)`.
        r64: __m512i,
        r64_quotient: __m512i,
    }

    impl Reduction {
        #[target_feature(enable = "avx512f")]
        fn new(q: &Modulus) -> Self {
            let qv = q.value();
            let splat = |x: u64| _mm512_set1_epi64(x as i64);
            let r64 = ((1u128 << 64) % qv as u128) as u64;
            Self {
                q: splat(qv),
                two_q: splat(2 * qv),
                four_q: splat(4 * qv),
                one: splat(1),
                one_quotient: splat(u64::MAX / qv),
                r64: splat(r64),
                r64_quotient: splat((((r64 as u128) << 64) / qv as u128) as u64),
            }
        }

        /// `x w mod q` in `[0, 4q)` for any `x`, `w < q` with `w_quotient = floor(w 2^64 / q)`:
        /// Shoup's method with the quotient estimated from three 32 x 32-bit products (the
        /// dropped low product and carries make it at most 2 short of the exact one, which
        /// alone would give `[0, 2q)`). `4q < 2^63` for `q < 2^61`.
        #[target_feature(enable = "avx512f,avx512dq")]
        #[inline]
        fn mul_shoup(&self, x: __m512i, w: __m512i, w_quotient: __m512i) -> __m512i {
            let x_h = _mm512_srli_epi64::<32>(x);
            let w_h = _mm512_srli_epi64::<32>(w_quotient);
            let estimate = _mm512_add_epi64(
                _mm512_mul_epu32(x_h, w_h),
                _mm512_add_epi64(
                    _mm512_srli_epi64::<32>(_mm512_mul_epu32(x, w_h)),
                    _mm512_srli_epi64::<32>(_mm512_mul_epu32(x_h, w_quotient)),
                ),
            );
            _mm512_sub_epi64(
                _mm512_mullo_epi64(x, w),
                _mm512_mullo_epi64(estimate, self.q),
            )
        }
    }

    /// Eight coefficients at a time, in blocks as in the IFMA path.
    ///
    /// Requires: AVX-512 F, DQ, BW and VBMI2, `q < 2^61` (every `Modulus`), at most
    /// [`MAX_DIGITS`] digits, every slice of `terms` and both outputs of one length, a
    /// multiple of 8.
    #[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vbmi2")]
    pub(super) fn inner_product(
        q: &Modulus,
        terms: &Terms<'_>,
        out_b: &mut [u64],
        out_a: &mut [u64],
    ) {
        let n = out_b.len();
        debug_assert!(terms.lengths_match(n, out_a.len()));
        const VECTORS: usize = super::BLOCK / 8;
        let red = Reduction::new(q);
        let mut acc_b = [Columns::zero(); VECTORS];
        let mut acc_a = [Columns::zero(); VECTORS];
        for c0 in (0..n).step_by(super::BLOCK) {
            let vectors = super::BLOCK.min(n - c0) / 8;
            acc_b[..vectors].fill(Columns::zero());
            acc_a[..vectors].fill(Columns::zero());
            for ((e, b), a) in terms.ext.iter().zip(terms.kb).zip(terms.ka) {
                for (v, (cb, ca)) in acc_b[..vectors].iter_mut().zip(&mut acc_a).enumerate() {
                    let base = c0 + 8 * v;
                    let x = load(&e[base..base + 8]);
                    let x_h = _mm512_srli_epi64::<32>(x);
                    cb.add_product(x, x_h, widen(b, base));
                    ca.add_product(x, x_h, widen(a, base));
                }
            }
            let outputs = out_b[c0..c0 + 8 * vectors]
                .chunks_exact_mut(8)
                .zip(out_a[c0..c0 + 8 * vectors].chunks_exact_mut(8));
            for ((ob, oa), (cb, ca)) in outputs.zip(acc_b.iter().zip(&acc_a)) {
                store(ob, cb.reduce(&red));
                store(oa, ca.reduce(&red));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::packed::{limb_of_bytes, pack_values, width};
    use crate::math::{ntt_primes, sampling::sample_uniform};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    /// The dispatched implementation (IFMA or wide AVX-512 where available) equals the scalar
    /// one, for primes at the IFMA bound and up to 61 bits, several sizes and digit counts
    /// (beyond each vector path's limit too), on random and on all-maximal inputs.
    #[test]
    fn dispatch_matches_scalar() {
        let mut rng = ChaCha20Rng::from_seed([3; 32]);
        for (n, bits) in [8usize, 256, 1024]
            .into_iter()
            .flat_map(|n| [30u32, 40, 49, 50, 51, 60, 61].map(|b| (n, b)))
        {
            let q = Modulus::new(ntt_primes(bits, n.max(16), 1).unwrap()[0]).unwrap();
            for (digits, extreme) in [1usize, 3, 7, 12, 15, 16, 32, 33]
                .into_iter()
                .map(|d| (d, false))
                .chain([(7, true), (32, true)])
            {
                let mut random = || {
                    let mut v = vec![0u64; n];
                    sample_uniform(&mut rng, &q, &mut v);
                    if extreme {
                        // Every product at its largest: the most carries.
                        v.fill(q.value() - 1);
                    }
                    v
                };
                let ext: Vec<Vec<u64>> = (0..digits).map(|_| random()).collect();
                let kb: Vec<Vec<u64>> = (0..digits).map(|_| random()).collect();
                let ka: Vec<Vec<u64>> = (0..digits).map(|_| random()).collect();
                let e: Vec<&[u64]> = ext.iter().map(Vec::as_slice).collect();
                let w = width(&q);
                let (pb, pa): (Vec<Vec<u8>>, Vec<Vec<u8>>) = (
                    kb.iter().map(|v| pack_values(v, w)).collect(),
                    ka.iter().map(|v| pack_values(v, w)).collect(),
                );
                let b: Vec<PackedLimb<'_>> = pb.iter().map(|v| limb_of_bytes(v, w)).collect();
                let a: Vec<PackedLimb<'_>> = pa.iter().map(|v| limb_of_bytes(v, w)).collect();
                let terms = Terms {
                    ext: &e,
                    kb: &b,
                    ka: &a,
                };
                let (mut fb, mut fa) = (vec![0u64; n], vec![0u64; n]);
                let (mut sb, mut sa) = (vec![0u64; n], vec![0u64; n]);
                inner_product(&q, &terms, &mut fb, &mut fa);
                scalar(&q, &terms, &mut sb, &mut sa);
                assert_eq!(fb, sb, "{bits} bits, {digits} digits");
                assert_eq!(fa, sa, "{bits} bits, {digits} digits");
                // And the scalar one against the definition.
                let definition = |k: &[Vec<u64>]| -> Vec<u64> {
                    (0..n)
                        .map(|c| (0..digits).fold(0, |acc, j| q.add(acc, q.mul(e[j][c], k[j][c]))))
                        .collect()
                };
                assert_eq!(sb, definition(&kb), "{bits} bits, {digits} digits");
                assert_eq!(sa, definition(&ka), "{bits} bits, {digits} digits");
            }
        }
    }
}
