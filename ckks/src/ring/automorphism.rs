//! The automorphisms `X -> X^k` of `Z_Q[X]/(X^N + 1)`, `k` odd.

use super::{PAR_MIN_COEFFS, Representation, RnsPoly, for_each_limb};
use crate::error::{Error, Result};
use crate::ntt::{bit_reverse, checked_log_degree};

/// The automorphism `sigma_k: a(X) -> a(X^k)` for one Galois element `k` (odd, below `2N`),
/// with the index permutation it induces on NTT-form polynomials precomputed.
///
/// Building the index costs `O(N)`; callers that apply the same automorphism repeatedly
/// (rotations in key switching) build it once and cache it.
///
/// In coefficient form, coefficient `i` moves to `i * k mod 2N`, negated if that lands at or
/// past `N` (because `X^N = -1`). In NTT form (output `i` = `a(psi^(2 * bitrev(i) + 1))`),
/// `sigma_k(a)` at `psi^e` is `a(psi^(e * k))`, so the result is a permutation of the input:
/// `out[i] = in[perm[i]]` with `2 * bitrev(perm[i]) + 1 = (2 * bitrev(i) + 1) * k mod 2N`.
///
/// ```
/// use ckks::math::prime_chain;
/// use ckks::ring::{AutomorphismIndex, RnsBasis, RnsPoly};
/// let n = 8;
/// let basis = RnsBasis::new(n, &prime_chain(&[40], n)?)?;
/// // X -> X^3 maps X^3 to X^9 = -X (since X^8 = -1).
/// let a = RnsPoly::from_signed(&basis, 1, &[0, 0, 0, 1, 0, 0, 0, 0])?;
/// let index = AutomorphismIndex::new(n, 3)?;
/// let b = a.automorphism_with(&index)?;
/// assert_eq!(b, RnsPoly::from_signed(&basis, 1, &[0, -1, 0, 0, 0, 0, 0, 0])?);
/// // The same in NTT form.
/// let mut a_ntt = a.clone();
/// a_ntt.to_ntt();
/// let mut b_ntt = a_ntt.automorphism_with(&index)?;
/// b_ntt.to_coeff();
/// assert_eq!(b_ntt, b);
/// # Ok::<(), ckks::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutomorphismIndex {
    n: usize,
    k: u64,
    /// `out[i] = in[perm[i]]` in NTT form.
    perm: Vec<u32>,
}

impl AutomorphismIndex {
    /// The automorphism `X -> X^k` of the ring of degree `n` (a power of two, `2^1..=2^17`).
    ///
    /// Errors: [`Error::InvalidDegree`], and [`Error::InvalidGaloisElement`] unless `k` is odd
    /// and below `2n`.
    pub fn new(n: usize, k: u64) -> Result<Self> {
        let log_n = checked_log_degree(n)?;
        let two_n = 2 * n as u64;
        if k.is_multiple_of(2) || k >= two_n {
            return Err(Error::InvalidGaloisElement { k, n, two_n });
        }
        let mask = two_n - 1;
        let perm = (0..n)
            .map(|i| {
                let e = 2 * bit_reverse(i, log_n) as u64 + 1;
                let image = (e * k) & mask; // odd, since e and k are
                bit_reverse(((image - 1) / 2) as usize, log_n) as u32
            })
            .collect();
        Ok(Self { n, k, perm })
    }

    /// The Galois element `k`.
    #[inline]
    pub fn galois_element(&self) -> u64 {
        self.k
    }

    /// The ring degree `N`.
    #[inline]
    pub fn degree(&self) -> usize {
        self.n
    }

    /// The NTT-form permutation: `out[i] = in[perm[i]]`.
    #[inline]
    pub fn ntt_permutation(&self) -> &[u32] {
        &self.perm
    }

    /// Appends `sigma(a)` for one NTT-form limb `a`, or `sigma(a + b) mod q` when `b` is
    /// given, to `out` (`N` values; `a`, `b` below `q`). With AVX-512 the permutation reads
    /// eight values per gather.
    ///
    /// Errors: [`Error::ShapeMismatch`] unless `a` and `b` have length `N`.
    pub(crate) fn extend_permuted(
        &self,
        q: &crate::math::Modulus,
        a: &[u64],
        b: Option<&[u64]>,
        out: &mut Vec<u64>,
    ) -> Result<()> {
        for x in std::iter::once(a).chain(b) {
            if x.len() != self.n {
                return Err(Error::ShapeMismatch {
                    what: "limb length (the automorphism's degree)",
                    expected: self.n,
                    got: x.len(),
                });
            }
        }
        out.reserve(self.n);
        #[cfg(target_arch = "x86_64")]
        if self.n.is_multiple_of(8) && std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: AVX-512 F is available (checked just above); `a` and `b` have length
            // N (checked above) and every entry of `perm` is below N (see `gather`).
            unsafe { gather::extend_permuted(&self.perm, q, a, b, out) };
            return Ok(());
        }
        match b {
            Some(b) => out.extend(
                self.perm
                    .iter()
                    .map(|&p| q.add(a[p as usize], b[p as usize])),
            ),
            None => out.extend(self.perm.iter().map(|&p| a[p as usize])),
        }
        Ok(())
    }

    /// Applies the automorphism to one limb modulo `q` (`out` and `input` of length `N`,
    /// distinct), in the given representation.
    fn apply_limb(
        &self,
        q: &crate::math::Modulus,
        repr: Representation,
        input: &[u64],
        out: &mut [u64],
    ) {
        match repr {
            Representation::Ntt => {
                for (o, &p) in out.iter_mut().zip(&self.perm) {
                    *o = input[p as usize];
                }
            }
            Representation::Coefficient => {
                let mask = 2 * self.n - 1;
                let k = self.k as usize;
                for (i, &x) in input.iter().enumerate() {
                    // i * k < 2^17 * 2^18: no overflow.
                    let j = (i * k) & mask;
                    if j < self.n {
                        out[j] = x;
                    } else {
                        out[j - self.n] = q.neg(x);
                    }
                }
            }
        }
    }
}

/// The NTT-form permutation with AVX-512 gathers.
#[cfg(target_arch = "x86_64")]
mod gather {
    use core::arch::x86_64::*;

    use crate::math::Modulus;

    /// Eight values of `x` at the indices `idx`.
    ///
    /// # Safety
    /// AVX-512 F must be available and every index below `x.len()`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn eight(x: &[u64], idx: __m256i) -> __m512i {
        // SAFETY: the caller guarantees every index is below x.len(): each 8-byte read stays
        // inside `x`.
        unsafe { _mm512_i32gather_epi64::<8>(idx, x.as_ptr().cast()) }
    }

    /// See [`super::AutomorphismIndex::extend_permuted`].
    ///
    /// # Safety
    /// AVX-512 F must be available, `a` and `b` (when given) at least `perm.len()` long,
    /// `perm.len()` a multiple of 8 and every entry of `perm` below `perm.len()` (true of every
    /// `AutomorphismIndex`: the entries are bit reversals of `0..N`, a permutation of it).
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn extend_permuted(
        perm: &[u32],
        q: &Modulus,
        a: &[u64],
        b: Option<&[u64]>,
        out: &mut Vec<u64>,
    ) {
        debug_assert!(perm.iter().all(|&p| (p as usize) < perm.len()));
        let qv = _mm512_set1_epi64(q.value() as i64);
        let mut block = [0u64; 8];
        for chunk in perm.chunks_exact(8) {
            // SAFETY: an unaligned 32-byte load of exactly the 8 entries of `chunk`.
            let idx = unsafe { _mm256_loadu_si256(chunk.as_ptr().cast()) };
            // SAFETY: every index is below perm.len() <= a.len(), b.len() (the caller's
            // contract).
            let mut v = unsafe { eight(a, idx) };
            if let Some(b) = b {
                // SAFETY: as above.
                let sum = _mm512_add_epi64(v, unsafe { eight(b, idx) });
                v = _mm512_min_epu64(sum, _mm512_sub_epi64(sum, qv));
            }
            // SAFETY: an unaligned 64-byte store into the 8 values of `block`.
            unsafe { _mm512_storeu_si512(block.as_mut_ptr().cast(), v) };
            out.extend_from_slice(&block);
        }
    }
}

impl RnsPoly {
    /// `sigma_k(self)`: the automorphism `X -> X^k` (k odd, below `2N`), in either
    /// representation; the result is in the same representation. Builds the
    /// [`AutomorphismIndex`]; cache one and use [`automorphism_with`](Self::automorphism_with)
    /// to apply the same `k` repeatedly.
    pub fn automorphism(&self, k: u64) -> Result<Self> {
        self.automorphism_with(&AutomorphismIndex::new(self.degree(), k)?)
    }

    /// `sigma_k(self)` with a precomputed index.
    pub fn automorphism_with(&self, index: &AutomorphismIndex) -> Result<Self> {
        let mut out = Self {
            basis: std::sync::Arc::clone(&self.basis),
            limbs: self.limbs,
            repr: self.repr,
            coeffs: vec![0; self.coeffs.len()],
        };
        self.automorphism_into(index, &mut out)?;
        Ok(out)
    }

    /// Writes `sigma_k(self)` into `out`, which must live over the same basis with the same
    /// number of limbs (its contents and representation are overwritten): no allocation.
    pub fn automorphism_into(&self, index: &AutomorphismIndex, out: &mut Self) -> Result<()> {
        if index.n != self.degree() {
            return Err(Error::ShapeMismatch {
                what: "degree of the automorphism index, which must match the polynomial's",
                expected: self.degree(),
                got: index.n,
            });
        }
        self.check_compatible(out, "automorphism_into (output)")?;
        let n = self.degree();
        let moduli = self.basis.moduli();
        let repr = self.repr;
        let input = &self.coeffs;
        for_each_limb(
            &mut out.coeffs,
            n,
            input.len() >= PAR_MIN_COEFFS,
            |i, limb| index.apply_limb(&moduli[i], repr, &input[i * n..(i + 1) * n], limb),
        );
        out.repr = repr;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use proptest::prelude::*;

    /// The permuting append (AVX-512 gathers where available) equals the reference
    /// permutation, plain and with a modular sum at the largest values, and refuses limbs of
    /// the wrong length.
    #[test]
    fn extend_permuted_matches_reference() {
        use crate::math::sampling::sample_uniform;
        use rand_chacha::ChaCha20Rng;
        use rand_core::SeedableRng;
        let mut rng = ChaCha20Rng::from_seed([6; 32]);
        for (n, bits) in [(8usize, 30u32), (64, 40), (4096, 60), (16, 61)] {
            let basis = basis_from_bits(n, &[bits]);
            let q = basis.moduli()[0];
            let (mut a, mut b) = (vec![0u64; n], vec![0u64; n]);
            sample_uniform(&mut rng, &q, &mut a);
            sample_uniform(&mut rng, &q, &mut b);
            a[..2].fill(q.value() - 1);
            b[..2].fill(q.value() - 1);
            for k in [3u64, 5, 2 * n as u64 - 1] {
                let index = AutomorphismIndex::new(n, k).unwrap();
                let sum: Vec<u64> = a.iter().zip(&b).map(|(&x, &y)| q.add(x, y)).collect();
                for (operand, second) in [(&a, None), (&a, Some(b.as_slice()))] {
                    let mut want = vec![0u64; n];
                    let input = if second.is_some() { &sum } else { operand };
                    index.apply_limb(&q, Representation::Ntt, input, &mut want);
                    let mut got = vec![7u64];
                    index
                        .extend_permuted(&q, operand, second, &mut got)
                        .unwrap();
                    assert_eq!(got[0], 7, "appends after what is there");
                    assert_eq!(
                        &got[1..],
                        &want[..],
                        "n = {n}, k = {k}, sum: {}",
                        second.is_some()
                    );
                }
            }
            let index = AutomorphismIndex::new(n, 3).unwrap();
            assert!(matches!(
                index.extend_permuted(&q, &a[..n - 1], None, &mut Vec::new()),
                Err(Error::ShapeMismatch { .. })
            ));
        }
    }

    #[test]
    fn rejects_invalid_elements() {
        for k in [0u64, 2, 32, 33, 1000] {
            assert_eq!(
                AutomorphismIndex::new(16, k).unwrap_err(),
                Error::InvalidGaloisElement {
                    k,
                    n: 16,
                    two_n: 32
                }
            );
        }
        assert!(matches!(
            AutomorphismIndex::new(24, 5),
            Err(Error::InvalidDegree { .. })
        ));
        let basis = basis_from_bits(16, &[40]);
        let a = RnsPoly::zero(&basis, 1, Representation::Ntt).unwrap();
        assert!(matches!(
            a.automorphism(4),
            Err(Error::InvalidGaloisElement { k: 4, .. })
        ));
        let other = AutomorphismIndex::new(32, 5).unwrap();
        assert!(matches!(
            a.automorphism_with(&other),
            Err(Error::ShapeMismatch { .. })
        ));
        let mut out =
            RnsPoly::zero(&basis_from_bits(16, &[40, 40]), 2, Representation::Ntt).unwrap();
        assert!(matches!(
            a.automorphism_into(&AutomorphismIndex::new(16, 5).unwrap(), &mut out),
            Err(Error::BasisMismatch { .. })
        ));
    }

    #[test]
    fn identity_and_permutation() {
        let idx = AutomorphismIndex::new(64, 1).unwrap();
        assert!(
            idx.ntt_permutation()
                .iter()
                .enumerate()
                .all(|(i, &p)| p as usize == i)
        );
        let idx = AutomorphismIndex::new(64, 5).unwrap();
        let mut seen = [false; 64];
        for &p in idx.ntt_permutation() {
            seen[p as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert_eq!(idx.galois_element(), 5);
        assert_eq!(idx.degree(), 64);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Coefficient form against the definition on big integers, NTT form against
        /// coefficient form, and sigma_k1(sigma_k2(a)) = sigma_{k1 k2}(a).
        #[test]
        fn matches_definition(setup in ring_setup(), k_raw: u64, k2_raw: u64, seed: [u8; 32]) {
            let (basis, limbs) = setup;
            let n = basis.degree();
            let two_n = 2 * n as u64;
            let k = (k_raw % n as u64) * 2 + 1;
            let k2 = (k2_raw % n as u64) * 2 + 1;
            let a = RnsPoly::from_seed(&basis, limbs, Representation::Coefficient, &seed).unwrap();
            let b = a.automorphism(k).unwrap();
            prop_assert_eq!(b.representation(), Representation::Coefficient);
            // Definition: b = sum a_i X^(i k), reduced with X^N = -1, over Z_Q.
            let q = modulus_product(&a);
            let av = to_big(&a);
            let mut expected = vec![num_bigint::BigInt::from(0); n];
            for (i, c) in av.iter().enumerate() {
                let e = (i as u64 * k) % two_n;
                if e < n as u64 {
                    expected[e as usize] += c;
                } else {
                    expected[(e - n as u64) as usize] -= c;
                }
            }
            prop_assert_eq!(to_big(&b), reduce_all(&expected, &q));

            let mut a_ntt = a.clone();
            a_ntt.to_ntt();
            let index = AutomorphismIndex::new(n, k).unwrap();
            let mut b_ntt = a_ntt.automorphism_with(&index).unwrap();
            prop_assert_eq!(b_ntt.representation(), Representation::Ntt);
            b_ntt.to_coeff();
            prop_assert_eq!(&b_ntt, &b);

            let composed = b.automorphism(k2).unwrap();
            prop_assert_eq!(composed, a.automorphism((k * k2) % two_n).unwrap());
        }
    }
}
