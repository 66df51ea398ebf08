//! 52-bit vector arithmetic (AVX-512 IFMA) for primes below `2^50`: a Shoup-style reduction
//! of 104-bit values held as two 52-bit halves, shared by the key-switching inner product and
//! the pointwise products of polynomials ([`mul_assign`], [`mul_add_assign`]), with the portable
//! scalar code as the fallback and the reference the tests compare against.

use super::{Modulus, ShoupOperand};

/// The largest prime size, in bits, of the IFMA kernels: products of values below `2^50` fit
/// the 104 bits that two 52-bit halves hold, and the inputs fit the 52 bits IFMA reads.
pub(crate) const MAX_BITS: u32 = 50;

/// Whether the IFMA kernels run for `q` on this CPU.
#[inline]
pub(crate) fn available(q: &Modulus) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        q.bits() <= MAX_BITS
            && std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512ifma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = q;
        false
    }
}

/// `a[i] = a[i] * b[i] mod q` (all values below `q`, slices of one length).
pub(crate) fn mul_assign(q: &Modulus, a: &mut [u64], b: &[u64]) {
    #[cfg(target_arch = "x86_64")]
    if a.len() == b.len() && a.len().is_multiple_of(8) && available(q) {
        // SAFETY: the CPU supports AVX-512 F and IFMA and q < 2^50 (checked by `available`).
        unsafe { kernels::mul_assign(q, a, b) };
        return;
    }
    for (x, &y) in a.iter_mut().zip(b) {
        *x = q.mul(*x, y);
    }
}

/// `acc[i] = acc[i] + a[i] * b[i] mod q` (all values below `q`, slices of one length).
pub(crate) fn mul_add_assign(q: &Modulus, acc: &mut [u64], a: &[u64], b: &[u64]) {
    #[cfg(target_arch = "x86_64")]
    if acc.len() == a.len() && acc.len() == b.len() && acc.len().is_multiple_of(8) && available(q) {
        // SAFETY: the CPU supports AVX-512 F and IFMA and q < 2^50 (checked by `available`).
        unsafe { kernels::mul_add_assign(q, acc, a, b) };
        return;
    }
    for ((x, &y), &z) in acc.iter_mut().zip(a).zip(b) {
        *x = q.mul_add(y, z, *x);
    }
}

/// `x[i] = (x[i] - t[i]) * w mod q` (all values below `q`, slices of one length): the last
/// step of ModDown, with `w = P^-1 mod q`.
pub(crate) fn sub_mul_assign(q: &Modulus, w: ShoupOperand, x: &mut [u64], t: &[u64]) {
    #[cfg(target_arch = "x86_64")]
    if x.len() == t.len() && x.len().is_multiple_of(8) && available(q) {
        // SAFETY: the CPU supports AVX-512 F and IFMA and q < 2^50 (checked by `available`).
        unsafe { kernels::sub_mul(q, w, x, t) };
        return;
    }
    for (x, &t) in x.iter_mut().zip(t) {
        *x = q.mul_shoup(q.sub(*x, t), w);
    }
}

/// `acc[i] = acc[i] + (x[i] - t[i]) * w mod q` (all values below `q`, slices of one length):
/// the last step of ModDown fused with the addition to a destination.
pub(crate) fn sub_mul_add_assign(
    q: &Modulus,
    w: ShoupOperand,
    acc: &mut [u64],
    x: &[u64],
    t: &[u64],
) {
    #[cfg(target_arch = "x86_64")]
    if acc.len() == x.len() && acc.len() == t.len() && acc.len().is_multiple_of(8) && available(q) {
        // SAFETY: the CPU supports AVX-512 F and IFMA and q < 2^50 (checked by `available`).
        unsafe { kernels::sub_mul_add(q, w, acc, x, t) };
        return;
    }
    for ((o, &x), &t) in acc.iter_mut().zip(x).zip(t) {
        *o = q.add(*o, q.mul_shoup(q.sub(x, t), w));
    }
}

/// `out[i] = lift(x[i]) mod p` where `lift` maps `[0, q)` to the centered range
/// `(-q/2, q/2]` (values above `q/2` lose `q`): base conversion from the single prime `q`.
/// `q` may be any size below `2^61`; the vector kernel needs `p < 2^50`.
pub(crate) fn reduce_centered(p: &Modulus, q: u64, input: &[u64], out: &mut [u64]) {
    let half = q / 2;
    let q_mod_p = p.reduce(q);
    #[cfg(target_arch = "x86_64")]
    if input.len() == out.len() && out.len().is_multiple_of(8) && available(p) {
        // SAFETY: the CPU supports AVX-512 F and IFMA and p < 2^50 (checked by `available`).
        unsafe { kernels::reduce_centered(p, half, q_mod_p, input, out) };
        return;
    }
    for (o, &x) in out.iter_mut().zip(input) {
        let r = p.reduce(x);
        *o = std::hint::select_unpredictable(x > half, p.sub(r, q_mod_p), r);
    }
}

#[cfg(target_arch = "x86_64")]
pub(crate) use kernels::{Reducer, load, store};

#[cfg(target_arch = "x86_64")]
mod kernels {
    use core::arch::x86_64::*;

    use super::{Modulus, ShoupOperand};

    /// `a *= b` eight coefficients at a time. Requires `q < 2^50`, equal lengths, a multiple
    /// of 8.
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(super) fn mul_assign(q: &Modulus, a: &mut [u64], b: &[u64]) {
        let red = Reducer::new(q);
        let zero = _mm512_setzero_si512();
        for (x, y) in a.chunks_exact_mut(8).zip(b.chunks_exact(8)) {
            let (xv, yv) = (load(x), load(y));
            let lo = _mm512_madd52lo_epu64(zero, xv, yv);
            let hi = _mm512_madd52hi_epu64(zero, xv, yv);
            store(x, red.reduce(lo, hi));
        }
    }

    /// `acc += a * b` eight coefficients at a time. Requires `q < 2^50`, equal lengths, a
    /// multiple of 8.
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(super) fn mul_add_assign(q: &Modulus, acc: &mut [u64], a: &[u64], b: &[u64]) {
        let red = Reducer::new(q);
        let zero = _mm512_setzero_si512();
        for ((c, x), y) in acc
            .chunks_exact_mut(8)
            .zip(a.chunks_exact(8))
            .zip(b.chunks_exact(8))
        {
            let (xv, yv) = (load(x), load(y));
            // c < q < 2^50 joins the low half; the reduction carries it over.
            let lo = _mm512_madd52lo_epu64(load(c), xv, yv);
            let hi = _mm512_madd52hi_epu64(zero, xv, yv);
            store(c, red.reduce(lo, hi));
        }
    }

    /// `(x - t) * w mod q` in `[0, q)` for `x, t < q < 2^50`: Shoup's multiplication with
    /// 52-bit words (`x - t + q < 2^51` fits the multiplier's input).
    #[derive(Clone, Copy)]
    struct SubMul {
        q: __m512i,
        w: __m512i,
        /// `floor(w * 2^52 / q)`.
        w_quotient: __m512i,
        mask: __m512i,
    }

    impl SubMul {
        #[target_feature(enable = "avx512f")]
        fn new(q: &Modulus, w: ShoupOperand) -> Self {
            let splat = |x: u64| _mm512_set1_epi64(x as i64);
            Self {
                q: splat(q.value()),
                w: splat(w.value),
                // floor(floor(w 2^64 / q) / 2^12) = floor(w 2^52 / q).
                w_quotient: splat(w.quotient >> 12),
                mask: splat((1 << 52) - 1),
            }
        }

        #[target_feature(enable = "avx512f,avx512ifma")]
        #[inline]
        fn apply(self, x: __m512i, t: __m512i) -> __m512i {
            let zero = _mm512_setzero_si512();
            let d = _mm512_add_epi64(_mm512_sub_epi64(x, t), self.q);
            // d * w - floor(d * w' / 2^52) * q lies in [0, 2q): exact modulo 2^52.
            let quotient = _mm512_madd52hi_epu64(zero, d, self.w_quotient);
            let r = _mm512_and_si512(
                _mm512_sub_epi64(
                    _mm512_madd52lo_epu64(zero, d, self.w),
                    _mm512_madd52lo_epu64(zero, quotient, self.q),
                ),
                self.mask,
            );
            _mm512_min_epu64(r, _mm512_sub_epi64(r, self.q))
        }
    }

    /// `x = (x - t) * w`, eight coefficients at a time. Requires `q < 2^50`, values below
    /// `q`, equal lengths, a multiple of 8.
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(super) fn sub_mul(q: &Modulus, w: ShoupOperand, x: &mut [u64], t: &[u64]) {
        let k = SubMul::new(q, w);
        for (x, t) in x.chunks_exact_mut(8).zip(t.chunks_exact(8)) {
            store(x, k.apply(load(x), load(t)));
        }
    }

    /// `acc += (x - t) * w`, eight coefficients at a time. Requires `q < 2^50`, values below
    /// `q`, equal lengths, a multiple of 8.
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(super) fn sub_mul_add(q: &Modulus, w: ShoupOperand, acc: &mut [u64], x: &[u64], t: &[u64]) {
        let k = SubMul::new(q, w);
        for ((o, x), t) in acc
            .chunks_exact_mut(8)
            .zip(x.chunks_exact(8))
            .zip(t.chunks_exact(8))
        {
            let s = _mm512_add_epi64(load(o), k.apply(load(x), load(t)));
            store(o, _mm512_min_epu64(s, _mm512_sub_epi64(s, k.q)));
        }
    }

    /// `out = lift(x) mod p`, eight values at a time (see [`super::reduce_centered`]).
    /// Requires `p < 2^50`, `x < 2^61`, equal lengths, a multiple of 8.
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(super) fn reduce_centered(
        p: &Modulus,
        half: u64,
        q_mod_p: u64,
        input: &[u64],
        out: &mut [u64],
    ) {
        let red = Reducer::new(p);
        let splat = |x: u64| _mm512_set1_epi64(x as i64);
        let (half, p_minus_q) = (splat(half), splat(p.value() - q_mod_p));
        let mask = splat((1 << 52) - 1);
        for (o, x) in out.chunks_exact_mut(8).zip(input.chunks_exact(8)) {
            let x = load(x);
            // x = high * 2^52 + low with high < 2^9.
            let r = red.reduce(_mm512_and_si512(x, mask), _mm512_srli_epi64::<52>(x));
            let shifted = _mm512_add_epi64(r, p_minus_q);
            let shifted = _mm512_min_epu64(shifted, _mm512_sub_epi64(shifted, red.q));
            let above = _mm512_cmpgt_epu64_mask(x, half);
            store(o, _mm512_mask_blend_epi64(above, r, shifted));
        }
    }

    /// Reduction of `high * 2^52 + low` modulo `q < 2^50` in vector registers, for `high`
    /// and `low` sums of at most 15 products' halves (each half below `2^48` for `q < 2^50`, so the
    /// sums and the carry stay below `2^52`).
    #[derive(Clone, Copy)]
    pub(crate) struct Reducer {
        q: __m512i,
        two_q: __m512i,
        mask: __m512i,
        /// `R = 2^52 mod q` and its Shoup quotient `floor(R * 2^52 / q)`.
        r: __m512i,
        r_quotient: __m512i,
        /// The Shoup quotient of 1, `floor(2^52 / q)`.
        one_quotient: __m512i,
    }

    impl Reducer {
        #[target_feature(enable = "avx512f")]
        pub(crate) fn new(q: &Modulus) -> Self {
            let qv = q.value();
            let r = (1u64 << 52) % qv;
            let splat = |x: u64| _mm512_set1_epi64(x as i64);
            Self {
                q: splat(qv),
                two_q: splat(2 * qv),
                mask: splat((1 << 52) - 1),
                r: splat(r),
                r_quotient: splat((((r as u128) << 52) / qv as u128) as u64),
                one_quotient: splat((1u64 << 52) / qv),
            }
        }

        /// `high * 2^52 + low mod q`: the carry of `low` moves to `high` (both then below
        /// 2^52), `high * R` and `low * 1` are Shoup-reduced to `[0, 2q)` each, and the sum
        /// is brought from `[0, 4q)` to `[0, q)`.
        #[target_feature(enable = "avx512f,avx512ifma")]
        #[inline]
        pub(crate) fn reduce(self, low: __m512i, high: __m512i) -> __m512i {
            let zero = _mm512_setzero_si512();
            let high = _mm512_add_epi64(high, _mm512_srli_epi64::<52>(low));
            let low = _mm512_and_si512(low, self.mask);
            // Shoup with 52-bit words: x * w - floor(x * w' / 2^52) * q lies in [0, 2q), so
            // its value modulo 2^52 is exact.
            let quotient = _mm512_madd52hi_epu64(zero, high, self.r_quotient);
            let product = _mm512_madd52lo_epu64(zero, high, self.r);
            let high_part = _mm512_and_si512(
                _mm512_sub_epi64(product, _mm512_madd52lo_epu64(zero, quotient, self.q)),
                self.mask,
            );
            let quotient = _mm512_madd52hi_epu64(zero, low, self.one_quotient);
            let low_part = _mm512_and_si512(
                _mm512_sub_epi64(low, _mm512_madd52lo_epu64(zero, quotient, self.q)),
                self.mask,
            );
            let sum = _mm512_add_epi64(high_part, low_part);
            // x - 2q wraps to a huge value when x < 2q, so the unsigned minimum corrects.
            let sum = _mm512_min_epu64(sum, _mm512_sub_epi64(sum, self.two_q));
            _mm512_min_epu64(sum, _mm512_sub_epi64(sum, self.q))
        }
    }

    /// Stores 8 values.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(crate) fn store(dst: &mut [u64], v: __m512i) {
        debug_assert_eq!(dst.len(), 8);
        // SAFETY: every caller passes a slice of exactly 8 u64 (a 512-bit unaligned store).
        unsafe { _mm512_storeu_si512(dst.as_mut_ptr().cast(), v) }
    }

    /// Loads 8 values.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(crate) fn load(src: &[u64]) -> __m512i {
        debug_assert_eq!(src.len(), 8);
        // SAFETY: every caller passes a slice of exactly 8 u64 (a 512-bit unaligned load).
        unsafe { _mm512_loadu_si512(src.as_ptr().cast()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::{ntt_primes, sampling::sample_uniform};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    /// The dispatched products (IFMA where available) equal the scalar reference, for primes
    /// up to and beyond the IFMA bound, with extreme values, and for lengths that are not a
    /// multiple of 8 (the scalar fallback).
    #[test]
    fn pointwise_products_match_scalar() {
        let mut rng = ChaCha20Rng::from_seed([9; 32]);
        for bits in [20u32, 30, 40, 49, 50, 51, 60] {
            let q = Modulus::new(ntt_primes(bits, 1024, 1).unwrap()[0]).unwrap();
            for n in [8usize, 64, 1024, 1000] {
                let mut random = || {
                    let mut v = vec![0u64; n];
                    sample_uniform(&mut rng, &q, &mut v);
                    v[0] = q.value() - 1;
                    v[n - 1] = 0;
                    v
                };
                let (a, b, c) = (random(), random(), random());
                let mut got = a.clone();
                mul_assign(&q, &mut got, &b);
                let want: Vec<u64> = a.iter().zip(&b).map(|(&x, &y)| q.mul(x, y)).collect();
                assert_eq!(got, want, "mul, {bits} bits, n = {n}");
                let mut got = c.clone();
                mul_add_assign(&q, &mut got, &a, &b);
                let want: Vec<u64> = c
                    .iter()
                    .zip(a.iter().zip(&b))
                    .map(|(&z, (&x, &y))| q.mul_add(x, y, z))
                    .collect();
                assert_eq!(got, want, "mul_add, {bits} bits, n = {n}");
                // ModDown's last step: (x - t) * w, written or added; with x = t (first and
                // last values) and x = 0, t = q - 1.
                let (mut a, mut b) = (a.clone(), b.clone());
                a[1] = 0;
                b[1] = q.value() - 1;
                let w = q.shoup(b[2]);
                let diff: Vec<u64> = a
                    .iter()
                    .zip(&b)
                    .map(|(&x, &t)| q.mul(q.sub(x, t), w.value))
                    .collect();
                let mut got = a.clone();
                sub_mul_assign(&q, w, &mut got, &b);
                assert_eq!(got, diff, "sub_mul, {bits} bits, n = {n}");
                let mut got = c.clone();
                sub_mul_add_assign(&q, w, &mut got, &a, &b);
                let want: Vec<u64> = c.iter().zip(&diff).map(|(&z, &d)| q.add(z, d)).collect();
                assert_eq!(got, want, "sub_mul_add, {bits} bits, n = {n}");
            }
        }
    }

    /// The centered reduction (vector where available) equals the definition computed with
    /// signed integers, at the edges of the centered range too.
    #[test]
    fn reduce_centered_matches_definition() {
        let mut rng = ChaCha20Rng::from_seed([10; 32]);
        for q_bits in [40u32, 60, 61] {
            let q = Modulus::new(ntt_primes(q_bits, 1024, 1).unwrap()[0]).unwrap();
            for p_bits in [30u32, 40, 49, 50, 51, 60] {
                let p = Modulus::new(ntt_primes(p_bits, 2048, 1).unwrap()[0]).unwrap();
                for n in [8usize, 1024, 1000] {
                    let mut x = vec![0u64; n];
                    sample_uniform(&mut rng, &q, &mut x);
                    let half = q.value() / 2;
                    x[..4].copy_from_slice(&[0, q.value() - 1, half, half + 1]);
                    let mut got = vec![0u64; n];
                    reduce_centered(&p, q.value(), &x, &mut got);
                    for (&x, &g) in x.iter().zip(&got) {
                        let lifted = if x > half {
                            x as i128 - q.value() as i128
                        } else {
                            x as i128
                        };
                        let want = lifted.rem_euclid(p.value() as i128) as u64;
                        assert_eq!(
                            g, want,
                            "x = {x}, q {q_bits} bits, p {p_bits} bits, n = {n}"
                        );
                    }
                }
            }
        }
    }
}
