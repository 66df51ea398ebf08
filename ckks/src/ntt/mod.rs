//! Negacyclic number-theoretic transforms over `Z_q[X]/(X^N + 1)`.
//!
//! The forward transform is Cooley-Tukey with Harvey's lazy butterflies and Shoup-precomputed
//! twiddles stored in bit-reversed order; it takes coefficients in natural order and returns
//! evaluations in bit-reversed order, exactly as Microsoft SEAL does, so SEAL's known answers
//! hold: output `i` is `a(psi^(2 * bitrev(i) + 1))` for the minimal primitive `2N`-th root
//! `psi`. The inverse is Gentleman-Sande and undoes it, including the factor `1/N`.
//!
//! Implementations ([`NttPath`]): a portable scalar reference and x86-64 SIMD paths, picked
//! once per table at run time from what the CPU supports. Every path computes the same
//! function; the tests check each one against the scalar path and against a naive evaluation.
//!
//! ```
//! use ckks::ntt::NttTable;
//! let table = NttTable::new(1 << 12, 0xffffffffffc0001)?;
//! let mut a: Vec<u64> = (0..1u64 << 12).collect();
//! let original = a.clone();
//! table.forward(&mut a);
//! table.inverse(&mut a);
//! assert_eq!(a, original);
//! # Ok::<(), ckks::Error>(())
//! ```

mod aligned;
#[cfg(target_arch = "x86_64")]
mod avx2;
// The AVX-512 intrinsics are stable since Rust 1.89 (the workspace still declares 1.88).
#[cfg(target_arch = "x86_64")]
#[clippy::msrv = "1.89"]
mod avx512;
#[cfg(target_arch = "x86_64")]
#[clippy::msrv = "1.89"]
mod ifma;
mod path;
pub mod reference;
mod scalar;
mod table;

pub use path::NttPath;
pub use table::NttTable;

/// The smallest supported ring degree exponent for tables (SEAL's known answers use N = 2 and 4).
pub const MIN_LOG_N: u32 = 1;
/// The largest supported ring degree exponent.
pub const MAX_LOG_N: u32 = 17;

/// `log2(n)` for a supported ring degree `n` (a power of two in `2^MIN_LOG_N..=2^MAX_LOG_N`),
/// else [`Error::InvalidDegree`](crate::Error::InvalidDegree).
pub(crate) fn checked_log_degree(n: usize) -> crate::Result<u32> {
    crate::math::log2_exact(n)
        .filter(|l| (MIN_LOG_N..=MAX_LOG_N).contains(l))
        .ok_or(crate::Error::InvalidDegree {
            n,
            min_log: MIN_LOG_N,
            max_log: MAX_LOG_N,
        })
}

/// The `bits`-bit reversal of `i < 2^bits`: the index order of the twiddles and of the NTT
/// output.
pub(crate) fn bit_reverse(i: usize, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        i.reverse_bits() >> (usize::BITS - bits)
    }
}

/// Forward transforms of several limbs stored one after the other (`tables.len()` limbs of
/// `N` coefficients each), in parallel across limbs when the `parallel` feature is on.
///
/// `data.len()` must be `tables.len() * N`; extra limbs without a table are left unchanged.
pub fn forward_limbs(tables: &[&NttTable], data: &mut [u64]) {
    for_each_limb(tables, data, |t, limb| t.forward(limb));
}

/// Inverse transforms of several limbs, the counterpart of [`forward_limbs`].
pub fn inverse_limbs(tables: &[&NttTable], data: &mut [u64]) {
    for_each_limb(tables, data, |t, limb| t.inverse(limb));
}

fn for_each_limb(
    tables: &[&NttTable],
    data: &mut [u64],
    f: impl Fn(&NttTable, &mut [u64]) + Sync + Send,
) {
    let Some(n) = tables.first().map(|t| t.degree()) else {
        return;
    };
    crate::par::for_each_limb(data, n, true, |i, limb| {
        if let Some(t) = tables.get(i) {
            f(t, limb);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::{Modulus, ntt_primes, sampling::sample_uniform};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn random_poly(q: u64, n: usize, seed: u8) -> Vec<u64> {
        let mut a = vec![0u64; n];
        sample_uniform(
            &mut ChaCha20Rng::from_seed([seed; 32]),
            &Modulus::new(q).unwrap(),
            &mut a,
        );
        a
    }

    /// Every path on this CPU, every supported size, 60-, 50- and 30-bit primes: the forward
    /// transform matches the scalar reference and the inverse undoes it.
    #[test]
    fn every_path_matches_scalar_at_every_size() {
        for log_n in MIN_LOG_N..=MAX_LOG_N {
            let n = 1usize << log_n;
            for bits in [60u32, 50, 30] {
                let Ok(primes) = ntt_primes(bits, n, 1) else {
                    continue; // no prime of this size for this N
                };
                let q = primes[0];
                let scalar = NttTable::with_path(n, q, NttPath::Scalar).unwrap();
                let input = random_poly(q, n, log_n as u8);
                let mut expected = input.clone();
                scalar.forward(&mut expected);
                for path in NttPath::available(bits) {
                    let t = NttTable::with_path(n, q, path).unwrap();
                    let mut a = input.clone();
                    t.forward(&mut a);
                    assert_eq!(
                        a, expected,
                        "forward, path {path}, N = 2^{log_n}, {bits} bits"
                    );
                    t.inverse(&mut a);
                    assert_eq!(a, input, "inverse, path {path}, N = 2^{log_n}, {bits} bits");
                }
            }
        }
    }

    /// The fast transform is the negacyclic evaluation it claims to be.
    #[test]
    fn forward_matches_naive_evaluation() {
        for log_n in 1..=8 {
            let n = 1usize << log_n;
            let q = ntt_primes(50, n, 1).unwrap()[0];
            let input = random_poly(q, n, 100 + log_n as u8);
            for path in NttPath::available(50) {
                let t = NttTable::with_path(n, q, path).unwrap();
                let mut a = input.clone();
                t.forward(&mut a);
                assert_eq!(
                    a,
                    reference::forward_naive(&t, &input),
                    "path {path}, N = {n}"
                );
            }
        }
    }

    /// Lazy forms accept their full documented input range: forward [0, 4q), inverse [0, 2q).
    #[test]
    fn lazy_input_ranges() {
        let n = 1 << 10;
        let q = ntt_primes(60, n, 1).unwrap()[0];
        let m = Modulus::new(q).unwrap();
        let input = random_poly(q, n, 9);
        for path in NttPath::available(60) {
            let t = NttTable::with_path(n, q, path).unwrap();
            let mut expected = input.clone();
            t.forward(&mut expected);
            // Same residues, shifted by multiples of q up to the bound.
            let mut a: Vec<u64> = input
                .iter()
                .enumerate()
                .map(|(i, &x)| x + (i as u64 % 4) * q)
                .collect();
            t.forward_lazy(&mut a);
            assert!(
                a.iter().all(|&x| x < 4 * q),
                "path {path}: forward_lazy output < 4q"
            );
            let reduced: Vec<u64> = a.iter().map(|&x| m.reduce(x)).collect();
            assert_eq!(reduced, expected, "path {path}");
            let mut b: Vec<u64> = expected
                .iter()
                .enumerate()
                .map(|(i, &x)| x + (i as u64 % 2) * q)
                .collect();
            t.inverse_lazy(&mut b);
            assert!(
                b.iter().all(|&x| x < 2 * q),
                "path {path}: inverse_lazy output < 2q"
            );
            let reduced: Vec<u64> = b.iter().map(|&x| m.reduce(x)).collect();
            assert_eq!(reduced, input, "path {path}");
        }
    }

    /// Inputs at the very top of the lazy ranges (every value `4q - 1` forward, `2q - 1`
    /// inverse, then random values shifted up by `3q` / `q`), for primes just below 2^61,
    /// just below 2^60, just below 2^50 and smaller ones, and sizes on both sides of the
    /// SIMD paths' scalar fallback and cache blocking.
    #[test]
    fn every_path_at_the_top_of_the_lazy_ranges() {
        for log_n in [2u32, 3, 4, 5, 6, 9, 10, 11, 12, 13] {
            let n = 1usize << log_n;
            for bits in [61u32, 60, 59, 51, 50, 49, 40, 30, 20] {
                let Ok(primes) = ntt_primes(bits, n, 1) else {
                    continue;
                };
                let q = primes[0];
                let m = Modulus::new(q).unwrap();
                let scalar = NttTable::with_path(n, q, NttPath::Scalar).unwrap();
                let top_fwd = vec![q - 1; n];
                let mut expected_fwd = top_fwd.clone();
                scalar.forward(&mut expected_fwd);
                let random = random_poly(q, n, 7 + log_n as u8);
                let mut expected_random = random.clone();
                scalar.forward(&mut expected_random);
                for path in NttPath::available(bits) {
                    let t = NttTable::with_path(n, q, path).unwrap();
                    let what = format!("path {path}, N = 2^{log_n}, q = {q:#x}");
                    // Forward, all inputs 4q - 1.
                    let mut a = vec![4 * q - 1; n];
                    t.forward_lazy(&mut a);
                    assert!(a.iter().all(|&x| x < 4 * q), "forward_lazy < 4q, {what}");
                    let reduced: Vec<u64> = a.iter().map(|&x| m.reduce(x)).collect();
                    assert_eq!(reduced, expected_fwd, "forward_lazy of 4q - 1, {what}");
                    let mut a = vec![4 * q - 1; n];
                    t.forward(&mut a);
                    assert_eq!(a, expected_fwd, "forward of 4q - 1, {what}");
                    // Forward, random inputs in [3q, 4q).
                    let mut a: Vec<u64> = random.iter().map(|&x| x + 3 * q).collect();
                    t.forward(&mut a);
                    assert_eq!(a, expected_random, "forward of x + 3q, {what}");
                    // Inverse, all inputs 2q - 1, and random inputs in [q, 2q).
                    let mut b = vec![2 * q - 1; n];
                    t.inverse_lazy(&mut b);
                    assert!(b.iter().all(|&x| x < 2 * q), "inverse_lazy < 2q, {what}");
                    let reduced: Vec<u64> = b.iter().map(|&x| m.reduce(x)).collect();
                    let mut c = vec![2 * q - 1; n];
                    t.inverse(&mut c);
                    assert_eq!(reduced, c, "inverse_lazy vs inverse of 2q - 1, {what}");
                    t.forward(&mut c);
                    assert_eq!(c, vec![q - 1; n], "round trip of 2q - 1, {what}");
                    let mut b: Vec<u64> = expected_random.iter().map(|&x| x + q).collect();
                    t.inverse_lazy(&mut b);
                    assert!(b.iter().all(|&x| x < 2 * q), "inverse_lazy < 2q, {what}");
                    let reduced: Vec<u64> = b.iter().map(|&x| m.reduce(x)).collect();
                    assert_eq!(reduced, random, "inverse of x + q, {what}");
                }
            }
        }
    }

    /// The SIMD paths read and write through unaligned slices.
    #[test]
    fn every_path_on_unaligned_slices() {
        let n = 1 << 11;
        for bits in [60u32, 50] {
            let q = ntt_primes(bits, n, 1).unwrap()[0];
            let input = random_poly(q, n, 3);
            let mut expected = input.clone();
            NttTable::with_path(n, q, NttPath::Scalar)
                .unwrap()
                .forward(&mut expected);
            for path in NttPath::available(bits) {
                let t = NttTable::with_path(n, q, path).unwrap();
                for offset in 0..8 {
                    let mut buf = vec![0u64; n + 8];
                    buf[offset..offset + n].copy_from_slice(&input);
                    t.forward(&mut buf[offset..offset + n]);
                    assert_eq!(&buf[offset..offset + n], &expected[..], "{path}, +{offset}");
                    t.inverse(&mut buf[offset..offset + n]);
                    assert_eq!(&buf[offset..offset + n], &input[..], "{path}, +{offset}");
                }
            }
        }
    }

    /// The choice of path follows the documented order, and IFMA never takes a prime of
    /// more than 50 bits.
    #[test]
    fn path_choice() {
        for bits in [20u32, 50, 51, 60, 61] {
            let available = NttPath::available(bits);
            assert_eq!(available[0], NttPath::Scalar);
            assert_eq!(Some(&NttPath::best(bits)), available.last(), "{bits} bits");
            assert_eq!(
                NttPath::Avx512Ifma.is_available(bits),
                bits <= 50 && NttPath::Avx512Ifma.is_available(50)
            );
        }
        assert!(!NttPath::Avx512Ifma.is_available(51));
        let names: Vec<&str> = NttPath::ALL.iter().map(|p| p.name()).collect();
        assert_eq!(names, ["scalar", "avx2", "avx512", "avx512ifma"]);
        #[cfg(not(target_arch = "x86_64"))]
        assert_eq!(NttPath::available(50), [NttPath::Scalar]);
        let q = ntt_primes(55, 1 << 10, 1).unwrap()[0];
        if !NttPath::Avx512Ifma.is_available(55) {
            assert!(matches!(
                NttTable::with_path(1 << 10, q, NttPath::Avx512Ifma),
                Err(crate::Error::NttPathUnavailable { .. })
            ));
        }
    }

    #[test]
    fn limbs_in_parallel_match_one_by_one() {
        let n = 1 << 12;
        let primes = ntt_primes(50, n, 3).unwrap();
        let tables: Vec<NttTable> = primes
            .iter()
            .map(|&q| NttTable::new(n, q).unwrap())
            .collect();
        let refs: Vec<&NttTable> = tables.iter().collect();
        let mut data: Vec<u64> = primes
            .iter()
            .enumerate()
            .flat_map(|(i, &q)| random_poly(q, n, i as u8))
            .collect();
        let original = data.clone();
        forward_limbs(&refs, &mut data);
        for (i, t) in tables.iter().enumerate() {
            let mut limb = original[i * n..(i + 1) * n].to_vec();
            t.forward(&mut limb);
            assert_eq!(&data[i * n..(i + 1) * n], &limb[..]);
        }
        inverse_limbs(&refs, &mut data);
        assert_eq!(data, original);
    }
}
