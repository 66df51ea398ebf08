//! The inner product of key switching, one RNS limb at a time:
//! `out_b[c] = sum_j x_j[c] * b_j[c] mod q` and the same with `a_j`, where `x_j` are the
//! extended digits.
//!
//! Two implementations compute the same values: a portable scalar one (128-bit sums, one
//! reduction per coefficient) and, for primes below 2^50 on CPUs with AVX-512 IFMA, one that
//! accumulates the 104-bit products as two 52-bit halves in vector registers (eight
//! coefficients at a time, two fused multiply-adds per product) and reduces each coefficient
//! once at the end. The tests compare them on random inputs.

use crate::math::Modulus;

/// The operands of the inner product of one limb: digit `j` contributes `ext[j]` times `kb[j]`
/// and `ka[j]`. Every slice has the length of the outputs.
pub(super) struct Terms<'a> {
    pub(super) ext: &'a [&'a [u64]],
    pub(super) kb: &'a [&'a [u64]],
    pub(super) ka: &'a [&'a [u64]],
}

/// Computes the inner products of one limb modulo `q` into `out_b` and `out_a`.
pub(super) fn inner_product(q: &Modulus, terms: &Terms<'_>, out_b: &mut [u64], out_a: &mut [u64]) {
    #[cfg(target_arch = "x86_64")]
    if terms.ext.len() <= ifma::MAX_DIGITS
        && out_b.len().is_multiple_of(8)
        && crate::math::ifma52::available(q)
    {
        // SAFETY: the CPU supports AVX-512 F and IFMA (checked just above).
        unsafe { ifma::inner_product(q, terms, out_b, out_a) };
        return;
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
            let (e, b, a) = (&e[c0..c0 + len], &b[c0..c0 + len], &a[c0..c0 + len]);
            for ((((sb, sa), &x), &kb), &ka) in
                acc_b.iter_mut().zip(acc_a.iter_mut()).zip(e).zip(b).zip(a)
            {
                *sb += x as u128 * kb as u128;
                *sa += x as u128 * ka as u128;
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
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(super) fn inner_product(
        q: &Modulus,
        terms: &Terms<'_>,
        out_b: &mut [u64],
        out_a: &mut [u64],
    ) {
        let n = out_b.len();
        let lengths_ok = out_a.len() == n
            && terms
                .ext
                .iter()
                .chain(terms.kb)
                .chain(terms.ka)
                .all(|s| s.len() == n)
            && terms.kb.len() == terms.ext.len()
            && terms.ka.len() == terms.ext.len();
        if !lengths_ok {
            super::scalar(q, terms, out_b, out_a);
            return;
        }
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
                    let (kb, ka) = (load(&b[base..base + 8]), load(&a[base..base + 8]));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::{ntt_primes, sampling::sample_uniform};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    /// The dispatched implementation (IFMA where available) equals the scalar one, for primes
    /// at the IFMA bound and for larger ones, several sizes and digit counts.
    #[test]
    fn dispatch_matches_scalar() {
        let mut rng = ChaCha20Rng::from_seed([3; 32]);
        for (n, bits) in [8usize, 256, 1024]
            .into_iter()
            .flat_map(|n| [30u32, 40, 49, 50, 51, 60].map(|b| (n, b)))
        {
            let q = Modulus::new(ntt_primes(bits, n.max(16), 1).unwrap()[0]).unwrap();
            for digits in [1usize, 3, 7, 12, 15, 16] {
                let mut random = || {
                    let mut v = vec![0u64; n];
                    sample_uniform(&mut rng, &q, &mut v);
                    v
                };
                let ext: Vec<Vec<u64>> = (0..digits).map(|_| random()).collect();
                let kb: Vec<Vec<u64>> = (0..digits).map(|_| random()).collect();
                let ka: Vec<Vec<u64>> = (0..digits).map(|_| random()).collect();
                let e: Vec<&[u64]> = ext.iter().map(Vec::as_slice).collect();
                let b: Vec<&[u64]> = kb.iter().map(Vec::as_slice).collect();
                let a: Vec<&[u64]> = ka.iter().map(Vec::as_slice).collect();
                {
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
                    // And the scalar one against the definition for one coefficient.
                    let c = 5 % n;
                    let expected =
                        (0..digits).fold(0u64, |acc, j| q.add(acc, q.mul(e[j][c], b[j][c])));
                    assert_eq!(sb[c], expected);
                }
            }
        }
    }
}
