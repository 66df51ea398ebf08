//! [`RnsPoly`]: a polynomial in RNS form, in coefficient or NTT representation.

use std::fmt;
use std::slice::{ChunksExact, ChunksExactMut};
use std::sync::Arc;

use rand_core::CryptoRng;
use zeroize::Zeroize;

use super::{PAR_MIN_COEFFS, RnsBasis, for_each_limb};
use crate::error::{Error, Result};
use crate::math::Modulus;
use crate::math::sampling::{Seed, expand_seed_uniform, sample_uniform, signed_to_residues};

/// How an [`RnsPoly`] stores its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Representation {
    /// Coefficients `a_0, ..., a_{N-1}` of `a(X) = sum a_j X^j`, in natural order.
    Coefficient,
    /// NTT evaluations, in the order of [`NttTable::forward`](crate::ntt::NttTable::forward):
    /// index `i` holds `a(psi^(2 * bitrev(i) + 1))`. Products are point-wise in this form.
    Ntt,
}

impl Representation {
    /// `"coefficient"` or `"NTT"`, for messages.
    pub const fn name(self) -> &'static str {
        match self {
            Representation::Coefficient => "coefficient",
            Representation::Ntt => "NTT",
        }
    }

    /// The method that converts a polynomial into this representation.
    pub(crate) const fn fix(self) -> &'static str {
        match self {
            Representation::Coefficient => "RnsPoly::to_coeff",
            Representation::Ntt => "RnsPoly::to_ntt",
        }
    }
}

impl fmt::Display for Representation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A polynomial of `Z_Q[X]/(X^N + 1)` in RNS form over a prefix `q_0, ..., q_{l-1}` of an
/// [`RnsBasis`] (its `l` "limbs").
///
/// Storage is one flat vector, limb-major: limb `i` (the residues modulo `q_i`) occupies
/// `coeffs[i * N..(i + 1) * N]`. Every residue lies in `[0, q_i)`. The polynomial carries its
/// [`Representation`], and every operation checks it, together with the basis and the limb
/// count of its operands.
///
/// Operations come in an allocating form (`add(&self, &other) -> Result<RnsPoly>`) and an
/// in-place form (`add_assign(&mut self, &other) -> Result<()>`).
///
/// Two polynomials are compatible when their bases are the same `Arc` or describe the same
/// ring (same degree and moduli, see [`RnsBasis::same_as`]) and they have the same number of
/// limbs.
///
/// `Debug` prints the shape only, never the coefficients (a polynomial may be a secret key).
/// [`Zeroize`] overwrites the coefficients (and the vector's spare capacity) with zeros and
/// leaves the zero polynomial; types holding secrets should call it on drop. Equality
/// (`PartialEq`) is not constant-time.
#[derive(Clone)]
pub struct RnsPoly {
    pub(super) basis: Arc<RnsBasis>,
    pub(super) limbs: usize,
    pub(super) repr: Representation,
    pub(super) coeffs: Vec<u64>,
}

impl RnsPoly {
    // ----------------------------------------------------------------------------------------
    // Construction
    // ----------------------------------------------------------------------------------------

    fn check_limbs(basis: &RnsBasis, limbs: usize) -> Result<()> {
        if limbs == 0 || limbs > basis.len() {
            return Err(Error::InvalidLimbCount {
                limbs,
                max: basis.len(),
            });
        }
        Ok(())
    }

    /// The zero polynomial with `limbs` limbs (`1..=basis.len()`), in the given representation.
    pub fn zero(basis: &Arc<RnsBasis>, limbs: usize, repr: Representation) -> Result<Self> {
        Self::check_limbs(basis, limbs)?;
        Ok(Self {
            basis: Arc::clone(basis),
            limbs,
            repr,
            coeffs: vec![0; limbs * basis.degree()],
        })
    }

    /// A polynomial from its residues, limb-major (`coeffs.len() = limbs * N`), each below its
    /// limb's modulus; the limb count is `coeffs.len() / N`.
    ///
    /// Errors: [`Error::ShapeMismatch`] if the length is not a multiple of `N`,
    /// [`Error::InvalidLimbCount`], [`Error::ResidueOutOfRange`] naming the first bad residue.
    pub fn from_residues(
        basis: &Arc<RnsBasis>,
        repr: Representation,
        coeffs: Vec<u64>,
    ) -> Result<Self> {
        let n = basis.degree();
        if !coeffs.len().is_multiple_of(n) {
            return Err(Error::ShapeMismatch {
                what: "residue vector length (a multiple of N)",
                expected: coeffs.len().div_ceil(n) * n,
                got: coeffs.len(),
            });
        }
        let limbs = coeffs.len() / n;
        Self::check_limbs(basis, limbs)?;
        for (limb, (values, q)) in coeffs.chunks_exact(n).zip(basis.moduli()).enumerate() {
            if let Some(index) = values.iter().position(|&v| v >= q.value()) {
                return Err(Error::ResidueOutOfRange {
                    value: values[index],
                    modulus: q.value(),
                    limb,
                    index,
                });
            }
        }
        Ok(Self {
            basis: Arc::clone(basis),
            limbs,
            repr,
            coeffs,
        })
    }

    /// A polynomial from residues computed by the crate itself (already reduced): the
    /// validation of [`from_residues`](Self::from_residues) runs in debug builds only.
    pub(crate) fn from_parts(
        basis: &Arc<RnsBasis>,
        repr: Representation,
        coeffs: Vec<u64>,
    ) -> Result<Self> {
        if cfg!(debug_assertions) {
            return Self::from_residues(basis, repr, coeffs);
        }
        let n = basis.degree();
        let limbs = coeffs.len() / n;
        if limbs * n != coeffs.len() {
            return Err(Error::ShapeMismatch {
                what: "residue vector length (a multiple of N)",
                expected: coeffs.len().div_ceil(n) * n,
                got: coeffs.len(),
            });
        }
        Self::check_limbs(basis, limbs)?;
        Ok(Self {
            basis: Arc::clone(basis),
            limbs,
            repr,
            coeffs,
        })
    }

    /// The polynomial with the given signed coefficients (`values.len() = N`), reduced into
    /// every one of `limbs` limbs, in coefficient form.
    ///
    /// Not constant-time in the values; for secrets use [`from_small`](Self::from_small).
    pub fn from_signed(basis: &Arc<RnsBasis>, limbs: usize, values: &[i64]) -> Result<Self> {
        let mut poly = Self::zero(basis, limbs, Representation::Coefficient)?;
        check_len("signed coefficient count", basis.degree(), values.len())?;
        let n = basis.degree();
        for (limb, q) in poly.coeffs.chunks_exact_mut(n).zip(basis.moduli()) {
            for (x, &v) in limb.iter_mut().zip(values) {
                *x = q.from_i64(v);
            }
        }
        Ok(poly)
    }

    /// The polynomial with small signed coefficients (`values.len() = N`, `|v| < q_i` for every
    /// limb, e.g. ternary secrets or Gaussian errors) in coefficient form. The mapping is
    /// branch-free ([`signed_to_residues`]), so suitable for secrets.
    pub fn from_small(basis: &Arc<RnsBasis>, limbs: usize, values: &[i8]) -> Result<Self> {
        let mut poly = Self::zero(basis, limbs, Representation::Coefficient)?;
        check_len("small coefficient count", basis.degree(), values.len())?;
        let n = basis.degree();
        for (limb, q) in poly.coeffs.chunks_exact_mut(n).zip(basis.moduli()) {
            signed_to_residues(values, q, limb);
        }
        Ok(poly)
    }

    /// A polynomial with every residue uniform and independent in `[0, q_i)`, labelled with
    /// `repr` (the uniform distribution is the same in both representations).
    pub fn uniform<R: CryptoRng + ?Sized>(
        basis: &Arc<RnsBasis>,
        limbs: usize,
        repr: Representation,
        rng: &mut R,
    ) -> Result<Self> {
        let mut poly = Self::zero(basis, limbs, repr)?;
        let n = basis.degree();
        for (limb, q) in poly.coeffs.chunks_exact_mut(n).zip(basis.moduli()) {
            sample_uniform(rng, q, limb);
        }
        Ok(poly)
    }

    /// The uniform polynomial expanded from a 32-byte seed with [`expand_seed_uniform`]: the
    /// same seed always gives the same polynomial, and the first limbs do not depend on
    /// `limbs` (so a seeded polynomial can be re-expanded at any level).
    pub fn from_seed(
        basis: &Arc<RnsBasis>,
        limbs: usize,
        repr: Representation,
        seed: &Seed,
    ) -> Result<Self> {
        let mut poly = Self::zero(basis, limbs, repr)?;
        expand_seed_uniform(
            seed,
            &basis.moduli()[..limbs],
            basis.degree(),
            &mut poly.coeffs,
        )?;
        Ok(poly)
    }

    // ----------------------------------------------------------------------------------------
    // Accessors
    // ----------------------------------------------------------------------------------------

    /// The basis.
    #[inline]
    pub fn basis(&self) -> &Arc<RnsBasis> {
        &self.basis
    }

    /// The ring degree `N`.
    #[inline]
    pub fn degree(&self) -> usize {
        self.basis.degree()
    }

    /// The number of limbs `l`: the polynomial lives modulo `q_0 * ... * q_{l-1}`.
    #[inline]
    pub fn limb_count(&self) -> usize {
        self.limbs
    }

    /// The current representation.
    #[inline]
    pub fn representation(&self) -> Representation {
        self.repr
    }

    /// The moduli of the limbs, `q_0, ..., q_{l-1}`.
    #[inline]
    pub fn moduli(&self) -> &[Modulus] {
        &self.basis.moduli()[..self.limbs]
    }

    /// All residues, limb-major (`l * N` values).
    #[inline]
    pub fn coeffs(&self) -> &[u64] {
        &self.coeffs
    }

    /// All residues, mutable. The caller keeps every residue of limb `i` below `q_i` and the
    /// values consistent with [`representation`](Self::representation).
    #[inline]
    pub fn coeffs_mut(&mut self) -> &mut [u64] {
        &mut self.coeffs
    }

    /// Limb `i` (the `N` residues modulo `q_i`), or `None` if `i >= l`.
    #[inline]
    pub fn limb(&self, i: usize) -> Option<&[u64]> {
        if i >= self.limbs {
            return None;
        }
        let n = self.degree();
        self.coeffs.get(i * n..(i + 1) * n)
    }

    /// Limb `i`, mutable (residues must stay below `q_i`), or `None` if `i >= l`.
    #[inline]
    pub fn limb_mut(&mut self, i: usize) -> Option<&mut [u64]> {
        if i >= self.limbs {
            return None;
        }
        let n = self.degree();
        self.coeffs.get_mut(i * n..(i + 1) * n)
    }

    /// The limbs in order, each a slice of `N` residues.
    #[inline]
    pub fn limbs(&self) -> ChunksExact<'_, u64> {
        let n = self.degree();
        self.coeffs.chunks_exact(n)
    }

    /// The limbs in order, mutable (residues must stay below their modulus).
    #[inline]
    pub fn limbs_mut(&mut self) -> ChunksExactMut<'_, u64> {
        let n = self.degree();
        self.coeffs.chunks_exact_mut(n)
    }

    // ----------------------------------------------------------------------------------------
    // Checks
    // ----------------------------------------------------------------------------------------

    /// An error unless the polynomial is in `expected` form.
    pub(crate) fn check_repr(&self, expected: Representation) -> Result<()> {
        if self.repr != expected {
            return Err(Error::WrongRepresentation {
                expected: expected.name(),
                got: self.repr.name(),
                fix: expected.fix(),
            });
        }
        Ok(())
    }

    /// An error unless `other` lives over the same basis with the same number of limbs.
    pub(crate) fn check_compatible(&self, other: &Self, op: &'static str) -> Result<()> {
        if !self.basis.same_as(&other.basis) {
            return Err(Error::BasisMismatch {
                detail: format!(
                    "{op}: the first operand has {}, the second has {}",
                    self.basis.describe(),
                    other.basis.describe()
                ),
            });
        }
        if self.limbs != other.limbs {
            return Err(Error::ShapeMismatch {
                what: "number of RNS limbs of the second operand, which must match the first operand's",
                expected: self.limbs,
                got: other.limbs,
            });
        }
        Ok(())
    }

    fn parallel(&self) -> bool {
        self.coeffs.len() >= PAR_MIN_COEFFS
    }

    /// Applies `f(q_i, self_limb_i, other_limb_i)` limb by limb.
    fn zip_with<F>(&mut self, other: &Self, f: F)
    where
        F: Fn(&Modulus, &mut [u64], &[u64]) + Sync + Send,
    {
        let n = self.degree();
        let parallel = self.parallel();
        let moduli = self.basis.moduli();
        let src = &other.coeffs;
        for_each_limb(&mut self.coeffs, n, parallel, |i, limb| {
            f(&moduli[i], limb, &src[i * n..(i + 1) * n]);
        });
    }

    /// Applies `f(i, q_i, limb_i)` limb by limb.
    fn map_limbs<F>(&mut self, f: F)
    where
        F: Fn(usize, &Modulus, &mut [u64]) + Sync + Send,
    {
        let n = self.degree();
        let parallel = self.parallel();
        let moduli = self.basis.moduli();
        for_each_limb(&mut self.coeffs, n, parallel, |i, limb| {
            f(i, &moduli[i], limb)
        });
    }

    // ----------------------------------------------------------------------------------------
    // Representation
    // ----------------------------------------------------------------------------------------

    /// Converts every limb to NTT form (a no-op if already there), in parallel across limbs.
    pub fn to_ntt(&mut self) {
        if self.repr == Representation::Ntt {
            return;
        }
        let n = self.degree();
        let tables = self.basis.tables();
        for_each_limb(&mut self.coeffs, n, true, |i, limb| tables[i].forward(limb));
        self.repr = Representation::Ntt;
    }

    /// Converts every limb to coefficient form (a no-op if already there), in parallel across
    /// limbs.
    pub fn to_coeff(&mut self) {
        if self.repr == Representation::Coefficient {
            return;
        }
        let n = self.degree();
        let tables = self.basis.tables();
        for_each_limb(&mut self.coeffs, n, true, |i, limb| tables[i].inverse(limb));
        self.repr = Representation::Coefficient;
    }

    // ----------------------------------------------------------------------------------------
    // Additive operations (either representation, both operands in the same one)
    // ----------------------------------------------------------------------------------------

    /// `self + other`. Both in the same representation, over the same basis and limbs.
    pub fn add(&self, other: &Self) -> Result<Self> {
        let mut out = self.clone();
        out.add_assign(other)?;
        Ok(out)
    }

    /// `self += other`.
    pub fn add_assign(&mut self, other: &Self) -> Result<()> {
        self.check_compatible(other, "add")?;
        other.check_repr(self.repr)?;
        self.zip_with(other, |q, a, b| {
            for (x, &y) in a.iter_mut().zip(b) {
                *x = q.add(*x, y);
            }
        });
        Ok(())
    }

    /// `self - other`.
    pub fn sub(&self, other: &Self) -> Result<Self> {
        let mut out = self.clone();
        out.sub_assign(other)?;
        Ok(out)
    }

    /// `self -= other`.
    pub fn sub_assign(&mut self, other: &Self) -> Result<()> {
        self.check_compatible(other, "sub")?;
        other.check_repr(self.repr)?;
        self.zip_with(other, |q, a, b| {
            for (x, &y) in a.iter_mut().zip(b) {
                *x = q.sub(*x, y);
            }
        });
        Ok(())
    }

    /// `-self`.
    pub fn neg(&self) -> Self {
        let mut out = self.clone();
        out.neg_assign();
        out
    }

    /// `self = -self`.
    pub fn neg_assign(&mut self) {
        self.map_limbs(|_, q, a| {
            for x in a.iter_mut() {
                *x = q.neg(*x);
            }
        });
    }

    // ----------------------------------------------------------------------------------------
    // Products
    // ----------------------------------------------------------------------------------------

    /// The ring product `self * other`, point-wise: both operands must be in NTT form.
    pub fn mul(&self, other: &Self) -> Result<Self> {
        let mut out = self.clone();
        out.mul_assign(other)?;
        Ok(out)
    }

    /// `self *= other` (both in NTT form).
    pub fn mul_assign(&mut self, other: &Self) -> Result<()> {
        self.check_compatible(other, "mul")?;
        self.check_repr(Representation::Ntt)?;
        other.check_repr(Representation::Ntt)?;
        self.zip_with(other, crate::math::ifma52::mul_assign);
        Ok(())
    }

    /// `self += a * b` (all three in NTT form, over the same basis and limbs).
    pub fn mul_add_assign(&mut self, a: &Self, b: &Self) -> Result<()> {
        self.check_compatible(a, "mul_add_assign")?;
        self.check_compatible(b, "mul_add_assign")?;
        self.check_repr(Representation::Ntt)?;
        a.check_repr(Representation::Ntt)?;
        b.check_repr(Representation::Ntt)?;
        let n = self.degree();
        let parallel = self.parallel();
        let moduli = self.basis.moduli();
        let (sa, sb) = (&a.coeffs, &b.coeffs);
        for_each_limb(&mut self.coeffs, n, parallel, |i, acc| {
            let range = i * n..(i + 1) * n;
            crate::math::ifma52::mul_add_assign(&moduli[i], acc, &sa[range.clone()], &sb[range]);
        });
        Ok(())
    }

    /// `self * s` for an RNS scalar given by its residues, `scalars[i] < q_i`, one per limb
    /// (Shoup multiplication). Either representation.
    pub fn mul_scalar_limbs(&self, scalars: &[u64]) -> Result<Self> {
        let mut out = self.clone();
        out.mul_scalar_limbs_assign(scalars)?;
        Ok(out)
    }

    /// `self *= s` for an RNS scalar given by its residues, one per limb.
    pub fn mul_scalar_limbs_assign(&mut self, scalars: &[u64]) -> Result<()> {
        check_len("scalar count (one per limb)", self.limbs, scalars.len())?;
        for (limb, (&s, q)) in scalars.iter().zip(self.moduli()).enumerate() {
            if s >= q.value() {
                return Err(Error::ResidueOutOfRange {
                    value: s,
                    modulus: q.value(),
                    limb,
                    index: 0,
                });
            }
        }
        self.map_limbs(|i, q, a| {
            let w = q.shoup(scalars[i]);
            for x in a.iter_mut() {
                *x = q.mul_shoup(*x, w);
            }
        });
        Ok(())
    }

    /// `self * c` for a signed integer `c`. Either representation.
    pub fn mul_small(&self, c: i64) -> Self {
        let mut out = self.clone();
        out.mul_small_assign(c);
        out
    }

    /// `self *= c` for a signed integer `c`.
    pub fn mul_small_assign(&mut self, c: i64) {
        self.map_limbs(|_, q, a| {
            let w = q.shoup(q.from_i64(c));
            for x in a.iter_mut() {
                *x = q.mul_shoup(*x, w);
            }
        });
    }

    // ----------------------------------------------------------------------------------------
    // Limbs
    // ----------------------------------------------------------------------------------------

    /// Keeps the first `limbs` limbs (`1..=l`), i.e. reduces modulo `q_0 * ... * q_{limbs-1}`.
    /// The dropped residues are overwritten with zeros before they are released.
    pub fn truncate(&mut self, limbs: usize) -> Result<()> {
        self.truncate_check(limbs)?;
        let keep = limbs * self.degree();
        self.coeffs[keep..].fill(0);
        self.coeffs.truncate(keep);
        self.limbs = limbs;
        Ok(())
    }

    /// A copy holding the first `limbs` limbs (`1..=l`), copying only those.
    pub fn truncated(&self, limbs: usize) -> Result<Self> {
        self.truncate_check(limbs)?;
        Ok(Self {
            basis: Arc::clone(&self.basis),
            limbs,
            repr: self.repr,
            coeffs: self.coeffs[..limbs * self.degree()].to_vec(),
        })
    }

    fn truncate_check(&self, limbs: usize) -> Result<()> {
        if limbs == 0 {
            return Err(Error::InvalidLimbCount {
                limbs,
                max: self.limbs,
            });
        }
        if limbs > self.limbs {
            return Err(Error::NotEnoughLimbs {
                what: "truncating",
                needed: limbs,
                have: self.limbs,
                fix: "truncate to at most the current number of limbs",
            });
        }
        Ok(())
    }
}

fn check_len(what: &'static str, expected: usize, got: usize) -> Result<()> {
    if expected != got {
        return Err(Error::ShapeMismatch {
            what,
            expected,
            got,
        });
    }
    Ok(())
}

impl fmt::Debug for RnsPoly {
    /// The shape only: degree, limb count, representation and moduli, never the residues.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let moduli: Vec<u64> = self.moduli().iter().map(Modulus::value).collect();
        f.debug_struct("RnsPoly")
            .field("n", &self.degree())
            .field("limbs", &self.limbs)
            .field("representation", &self.repr)
            .field("moduli", &moduli)
            .finish_non_exhaustive()
    }
}

impl PartialEq for RnsPoly {
    /// Same ring, same limbs, same representation, same residues (not constant-time).
    fn eq(&self, other: &Self) -> bool {
        self.basis.same_as(&other.basis)
            && self.limbs == other.limbs
            && self.repr == other.repr
            && self.coeffs == other.coeffs
    }
}

impl Eq for RnsPoly {}

impl Zeroize for RnsPoly {
    /// Overwrites every residue and the spare capacity of the storage with zeros; the
    /// polynomial becomes the zero polynomial of the same shape.
    fn zeroize(&mut self) {
        let len = self.coeffs.len();
        self.coeffs.zeroize();
        self.coeffs.resize(len, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use crate::math::sampling::Csprng;
    use num_bigint::BigInt;
    use proptest::prelude::*;
    use rand_core::SeedableRng;

    fn seeded(basis: &Arc<RnsBasis>, limbs: usize, repr: Representation, seed: u8) -> RnsPoly {
        RnsPoly::from_seed(basis, limbs, repr, &[seed; 32]).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// add, sub, neg, scalar products against big-integer arithmetic modulo Q.
        #[test]
        fn additive_ops_match_bigint(
            setup in ring_setup(),
            sa: [u8; 32],
            sb: [u8; 32],
            scalar_seed: u64,
            c: i64,
        ) {
            let (basis, limbs) = setup;
            let a = RnsPoly::from_seed(&basis, limbs, Representation::Coefficient, &sa).unwrap();
            let b = RnsPoly::from_seed(&basis, limbs, Representation::Coefficient, &sb).unwrap();
            let q = modulus_product(&a);
            let (av, bv) = (to_big(&a), to_big(&b));

            let sum = a.add(&b).unwrap();
            let diff = a.sub(&b).unwrap();
            let neg = a.neg();
            let expect_sum: Vec<BigInt> = av.iter().zip(&bv).map(|(x, y)| x + y).collect();
            let expect_diff: Vec<BigInt> = av.iter().zip(&bv).map(|(x, y)| x - y).collect();
            let expect_neg: Vec<BigInt> = av.iter().map(|x| -x).collect();
            prop_assert_eq!(to_big(&sum), reduce_all(&expect_sum, &q));
            prop_assert_eq!(to_big(&diff), reduce_all(&expect_diff, &q));
            prop_assert_eq!(to_big(&neg), reduce_all(&expect_neg, &q));

            // In-place forms agree with the allocating ones.
            let mut t = a.clone();
            t.add_assign(&b).unwrap();
            prop_assert_eq!(&t, &sum);
            t.sub_assign(&b).unwrap();
            prop_assert_eq!(&t, &a);
            t.neg_assign();
            prop_assert_eq!(&t, &neg);

            // An RNS scalar s (given by its residues) and a small integer c.
            let scalars: Vec<u64> = a
                .moduli()
                .iter()
                .enumerate()
                .map(|(i, m)| m.reduce(scalar_seed.wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(i as u64 * 12345)))
                .collect();
            let s = crt(&scalars, &moduli_u64(&a), 1).remove(0);
            let prod = a.mul_scalar_limbs(&scalars).unwrap();
            let expect: Vec<BigInt> = av.iter().map(|x| x * &s).collect();
            prop_assert_eq!(to_big(&prod), reduce_all(&expect, &q));
            let small = a.mul_small(c);
            let expect: Vec<BigInt> = av.iter().map(|x| x * BigInt::from(c)).collect();
            prop_assert_eq!(to_big(&small), reduce_all(&expect, &q));
            let mut t = a.clone();
            t.mul_small_assign(c);
            prop_assert_eq!(t, small);

            // Linear operations commute with the NTT.
            let mut a_ntt = a.clone();
            a_ntt.to_ntt();
            let mut b_ntt = b.clone();
            b_ntt.to_ntt();
            let mut sum_ntt = a_ntt.add(&b_ntt).unwrap();
            sum_ntt.to_coeff();
            prop_assert_eq!(&sum_ntt, &sum);
            let mut prod_ntt = a_ntt.mul_scalar_limbs(&scalars).unwrap();
            prod_ntt.to_coeff();
            prop_assert_eq!(prod_ntt, prod);
        }

        /// NTT -> point-wise product -> inverse NTT is the negacyclic product, computed here
        /// by schoolbook multiplication on big integers.
        #[test]
        fn ntt_product_is_negacyclic_product(
            (log_n, bits) in (4u32..=6, prime_bits(2..=4)),
            sa: [u8; 32],
            sb: [u8; 32],
            sc: [u8; 32],
        ) {
            let n = 1usize << log_n;
            let basis = basis_from_bits(n, &bits);
            let limbs = basis.len();
            let a = RnsPoly::from_seed(&basis, limbs, Representation::Coefficient, &sa).unwrap();
            let b = RnsPoly::from_seed(&basis, limbs, Representation::Coefficient, &sb).unwrap();
            let c = RnsPoly::from_seed(&basis, limbs, Representation::Coefficient, &sc).unwrap();
            let q = modulus_product(&a);
            let (av, bv, cv) = (to_big(&a), to_big(&b), to_big(&c));
            let mut expected = vec![BigInt::from(0); n];
            for (i, x) in av.iter().enumerate() {
                for (j, y) in bv.iter().enumerate() {
                    if i + j < n {
                        expected[i + j] += x * y;
                    } else {
                        expected[i + j - n] -= x * y;
                    }
                }
            }
            let (mut a_ntt, mut b_ntt, mut c_ntt) = (a.clone(), b.clone(), c.clone());
            a_ntt.to_ntt();
            b_ntt.to_ntt();
            c_ntt.to_ntt();
            let mut prod = a_ntt.mul(&b_ntt).unwrap();
            prod.to_coeff();
            prop_assert_eq!(to_big(&prod), reduce_all(&expected, &q));

            // c + a * b
            c_ntt.mul_add_assign(&a_ntt, &b_ntt).unwrap();
            c_ntt.to_coeff();
            let expect_fma: Vec<BigInt> = expected.iter().zip(&cv).map(|(x, y)| x + y).collect();
            prop_assert_eq!(to_big(&c_ntt), reduce_all(&expect_fma, &q));

            let mut t = a_ntt.clone();
            t.mul_assign(&b_ntt).unwrap();
            t.to_coeff();
            prop_assert_eq!(t, prod);
        }

        /// to_ntt then to_coeff is the identity on every limb count.
        #[test]
        fn ntt_round_trip(setup in ring_setup(), seed: [u8; 32]) {
            let (basis, limbs) = setup;
            let a = RnsPoly::from_seed(&basis, limbs, Representation::Coefficient, &seed).unwrap();
            let mut b = a.clone();
            b.to_ntt();
            prop_assert_eq!(b.representation(), Representation::Ntt);
            let once = b.clone();
            b.to_ntt(); // no-op
            prop_assert_eq!(&b, &once);
            b.to_coeff();
            prop_assert_eq!(b, a);
        }
    }

    #[test]
    fn constructors() {
        let basis = basis_from_bits(16, &[30, 45, 61]);
        let z = RnsPoly::zero(&basis, 2, Representation::Ntt).unwrap();
        assert_eq!(z.limb_count(), 2);
        assert_eq!(z.degree(), 16);
        assert_eq!(z.coeffs().len(), 32);
        assert!(z.coeffs().iter().all(|&x| x == 0));
        assert_eq!(z.moduli().len(), 2);
        assert!(Arc::ptr_eq(z.basis(), &basis));

        for bad in [0, 4] {
            assert_eq!(
                RnsPoly::zero(&basis, bad, Representation::Ntt).unwrap_err(),
                Error::InvalidLimbCount { limbs: bad, max: 3 }
            );
        }

        // Residues: validated, and the limb count follows the length.
        let q0 = basis.modulus(0).value();
        let mut residues = vec![1u64; 32];
        let p =
            RnsPoly::from_residues(&basis, Representation::Coefficient, residues.clone()).unwrap();
        assert_eq!(p.limb_count(), 2);
        residues[5] = q0;
        assert_eq!(
            RnsPoly::from_residues(&basis, Representation::Coefficient, residues).unwrap_err(),
            Error::ResidueOutOfRange {
                value: q0,
                modulus: q0,
                limb: 0,
                index: 5
            }
        );
        assert!(matches!(
            RnsPoly::from_residues(&basis, Representation::Coefficient, vec![0; 17]),
            Err(Error::ShapeMismatch { got: 17, .. })
        ));
        assert!(matches!(
            RnsPoly::from_residues(&basis, Representation::Coefficient, vec![0; 64]),
            Err(Error::InvalidLimbCount { limbs: 4, max: 3 })
        ));

        // Signed and small agree, and reconstruct to the centered values.
        let small: Vec<i8> = (0..16).map(|i| (i % 5) as i8 - 2).collect();
        let wide: Vec<i64> = small.iter().map(|&v| v as i64).collect();
        let a = RnsPoly::from_small(&basis, 3, &small).unwrap();
        let b = RnsPoly::from_signed(&basis, 3, &wide).unwrap();
        assert_eq!(a, b);
        let q = modulus_product(&a);
        let expect: Vec<BigInt> = wide.iter().map(|&v| BigInt::from(v)).collect();
        assert_eq!(to_big(&a), reduce_all(&expect, &q));
        assert!(matches!(
            RnsPoly::from_signed(&basis, 3, &wide[..15]),
            Err(Error::ShapeMismatch {
                expected: 16,
                got: 15,
                ..
            })
        ));
        assert!(RnsPoly::from_small(&basis, 3, &small[..3]).is_err());

        // Uniform: in range; seeded: deterministic, prefix-stable.
        let mut rng = Csprng::from_seed([3; 32]);
        let u = RnsPoly::uniform(&basis, 3, Representation::Ntt, &mut rng).unwrap();
        assert_eq!(u.representation(), Representation::Ntt);
        for (limb, m) in u.limbs().zip(u.moduli()) {
            assert!(limb.iter().all(|&x| x < m.value()));
        }
        let s3 = seeded(&basis, 3, Representation::Ntt, 9);
        assert_eq!(s3, seeded(&basis, 3, Representation::Ntt, 9));
        assert_ne!(s3, seeded(&basis, 3, Representation::Ntt, 10));
        let s2 = seeded(&basis, 2, Representation::Ntt, 9);
        assert_eq!(s3.truncated(2).unwrap(), s2);
    }

    #[test]
    fn limbs_and_truncation() {
        let basis = basis_from_bits(16, &[40, 40, 40]);
        let mut a = seeded(&basis, 3, Representation::Coefficient, 1);
        let second = a.limb(1).unwrap().to_vec();
        assert_eq!(a.limbs().count(), 3);
        assert!(a.limb(3).is_none());
        assert!(a.limb(usize::MAX).is_none());
        a.limb_mut(2).unwrap()[0] = 7;
        assert_eq!(a.limb(2).unwrap()[0], 7);
        assert_eq!(a.limbs_mut().count(), 3);
        a.coeffs_mut()[0] = 1;
        assert_eq!(a.coeffs()[0], 1);

        let t = a.truncated(2).unwrap();
        assert_eq!(t.limb_count(), 2);
        assert_eq!(t.limb(1).unwrap(), &second[..]);
        a.truncate(2).unwrap();
        assert_eq!(a, t);
        assert_eq!(a.coeffs().len(), 32);
        assert!(matches!(
            a.truncate(3),
            Err(Error::NotEnoughLimbs {
                needed: 3,
                have: 2,
                ..
            })
        ));
        assert!(matches!(
            a.truncated(0),
            Err(Error::InvalidLimbCount { limbs: 0, .. })
        ));
        a.truncate(1).unwrap();
        assert_eq!(a.limb_count(), 1);
    }

    #[test]
    fn operand_checks() {
        let basis = basis_from_bits(16, &[40, 40]);
        let other_basis = basis_from_bits(16, &[50, 50]);
        let coeff = seeded(&basis, 2, Representation::Coefficient, 1);
        let ntt = seeded(&basis, 2, Representation::Ntt, 2);

        // Wrong representation.
        assert_eq!(
            coeff.mul(&coeff).unwrap_err(),
            Error::WrongRepresentation {
                expected: "NTT",
                got: "coefficient",
                fix: "RnsPoly::to_ntt"
            }
        );
        assert!(matches!(
            ntt.mul(&coeff),
            Err(Error::WrongRepresentation { .. })
        ));
        assert_eq!(
            coeff.add(&ntt).unwrap_err(),
            Error::WrongRepresentation {
                expected: "coefficient",
                got: "NTT",
                fix: "RnsPoly::to_coeff"
            }
        );
        assert!(matches!(
            ntt.sub(&coeff),
            Err(Error::WrongRepresentation { .. })
        ));
        let mut acc = ntt.clone();
        assert!(matches!(
            acc.mul_add_assign(&ntt, &coeff),
            Err(Error::WrongRepresentation { .. })
        ));

        // Different bases: the message names both.
        let foreign = seeded(&other_basis, 2, Representation::Coefficient, 3);
        let err = coeff.add(&foreign).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, Error::BasisMismatch { .. }));
        assert!(msg.contains(&basis.modulus(0).value().to_string()), "{msg}");
        assert!(
            msg.contains(&other_basis.modulus(0).value().to_string()),
            "{msg}"
        );

        // A structurally equal basis built separately is the same ring.
        let twin =
            RnsBasis::new(16, &[basis.modulus(0).value(), basis.modulus(1).value()]).unwrap();
        let twin_poly = RnsPoly::zero(&twin, 2, Representation::Coefficient).unwrap();
        assert_eq!(coeff.add(&twin_poly).unwrap(), coeff);

        // Different limb counts.
        let short = coeff.truncated(1).unwrap();
        assert_eq!(
            coeff.add(&short).unwrap_err(),
            Error::ShapeMismatch {
                what: "number of RNS limbs of the second operand, which must match the first operand's",
                expected: 2,
                got: 1
            }
        );

        // Scalars: one per limb, reduced.
        assert!(matches!(
            coeff.mul_scalar_limbs(&[1]),
            Err(Error::ShapeMismatch { .. })
        ));
        let q1 = basis.modulus(1).value();
        assert_eq!(
            coeff.mul_scalar_limbs(&[1, q1]).unwrap_err(),
            Error::ResidueOutOfRange {
                value: q1,
                modulus: q1,
                limb: 1,
                index: 0
            }
        );
    }

    #[test]
    fn zeroize_and_debug() {
        let basis = basis_from_bits(16, &[40, 40]);
        let secret: Vec<i8> = (0..16).map(|i| [1i8, -1, 0][i % 3]).collect();
        let mut s = RnsPoly::from_small(&basis, 2, &secret).unwrap();
        s.to_ntt();
        let shown = format!("{s:?}");
        assert!(shown.contains("limbs: 2"), "{shown}");
        // The residue of -1 mod q_0 must not be printed.
        let minus_one = (basis.modulus(0).value() - 1).to_string();
        assert!(!shown.contains(&minus_one), "{shown}");
        s.zeroize();
        assert_eq!(s, RnsPoly::zero(&basis, 2, Representation::Ntt).unwrap());
    }

    #[test]
    fn large_polynomials_take_the_parallel_path() {
        // Above PAR_MIN_COEFFS, element-wise operations split across limbs; results agree with
        // a limb-by-limb computation.
        let basis = basis_from_bits(1 << 15, &[50, 50, 50, 50]);
        let a = seeded(&basis, 4, Representation::Ntt, 5);
        let b = seeded(&basis, 4, Representation::Ntt, 6);
        assert!(a.coeffs().len() >= PAR_MIN_COEFFS);
        let prod = a.mul(&b).unwrap();
        for ((limb, (la, lb)), q) in prod.limbs().zip(a.limbs().zip(b.limbs())).zip(a.moduli()) {
            for ((&p, &x), &y) in limb.iter().zip(la).zip(lb) {
                assert_eq!(p, q.mul(x, y));
            }
        }
    }
}
