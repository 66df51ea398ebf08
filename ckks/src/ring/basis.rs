//! The RNS basis: the ring degree, the moduli and their NTT tables, built once and shared.

use std::fmt;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::math::{Modulus, ShoupOperand};
use crate::ntt::NttTable;

use super::scratch::ScratchPool;

/// An RNS basis `q_0, ..., q_{L-1}` for the ring `Z_Q[X]/(X^N + 1)`, `Q = q_0 * ... * q_{L-1}`:
/// the degree, the moduli, one NTT table per modulus and the constants that operations on
/// prefixes of the basis need.
///
/// A basis is built once and shared through an [`Arc`]; every [`RnsPoly`](super::RnsPoly)
/// holds one. Polynomials use a prefix `q_0, ..., q_{l-1}` of the basis (their "limbs"), so
/// one basis serves every level of a modulus chain.
///
/// ```
/// use ckks::math::prime_chain;
/// use ckks::ring::RnsBasis;
/// let primes = prime_chain(&[60, 40, 40], 1 << 10)?;
/// let basis = RnsBasis::new(1 << 10, &primes)?;
/// assert_eq!(basis.len(), 3);
/// assert_eq!(basis.degree(), 1024);
/// assert_eq!(basis.modulus(1).value(), primes[1]);
/// # Ok::<(), ckks::Error>(())
/// ```
pub struct RnsBasis {
    n: usize,
    log_n: u32,
    moduli: Vec<Modulus>,
    tables: Vec<NttTable>,
    /// `rescale[j][i] = q_j^-1 mod q_i` for `i < j` (Shoup form): dividing a polynomial with
    /// `j + 1` limbs by its last modulus.
    rescale: Vec<Vec<ShoupOperand>>,
    /// `half_last[j][i] = floor(q_j / 2) mod q_i` for `i < j`.
    half_last: Vec<Vec<u64>>,
    /// Reusable buffers for temporaries of operations over this basis.
    scratch: ScratchPool,
}

impl RnsBasis {
    /// A basis of degree `n` (a power of two, `2^1..=2^17`) over the given moduli, which must be
    /// distinct primes `q = 1 mod 2n` below `2^61`.
    ///
    /// Errors: [`Error::EmptyBasis`], [`Error::DuplicateModulus`], and the errors of
    /// [`NttTable::new`] ([`Error::InvalidDegree`], [`Error::InvalidModulus`],
    /// [`Error::NotNttFriendly`]).
    pub fn new(n: usize, moduli: &[u64]) -> Result<Arc<Self>> {
        if moduli.is_empty() {
            return Err(Error::EmptyBasis);
        }
        for (second, &value) in moduli.iter().enumerate() {
            if let Some(first) = moduli[..second].iter().position(|&q| q == value) {
                return Err(Error::DuplicateModulus {
                    value,
                    first,
                    second,
                });
            }
        }
        let tables = moduli
            .iter()
            .map(|&q| NttTable::new(n, q))
            .collect::<Result<Vec<_>>>()?;
        let moduli: Vec<Modulus> = tables.iter().map(|t| *t.modulus()).collect();
        let log_n = tables[0].log_degree();
        let mut rescale = Vec::with_capacity(moduli.len());
        let mut half_last = Vec::with_capacity(moduli.len());
        for (j, qj) in moduli.iter().enumerate() {
            let mut inv = Vec::with_capacity(j);
            let mut half = Vec::with_capacity(j);
            for qi in &moduli[..j] {
                inv.push(qi.shoup(qi.inv(qj.value())?));
                half.push(qi.reduce(qj.value() / 2));
            }
            rescale.push(inv);
            half_last.push(half);
        }
        Ok(Arc::new(Self {
            n,
            log_n,
            moduli,
            tables,
            rescale,
            half_last,
            scratch: ScratchPool::default(),
        }))
    }

    /// The ring degree `N`.
    #[inline]
    pub fn degree(&self) -> usize {
        self.n
    }

    /// `log2(N)`.
    #[inline]
    pub fn log_degree(&self) -> u32 {
        self.log_n
    }

    /// The number of moduli `L`.
    #[inline]
    pub fn len(&self) -> usize {
        self.moduli.len()
    }

    /// Always `false`: a basis has at least one modulus. (Present for API symmetry with
    /// [`len`](Self::len).)
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.moduli.is_empty()
    }

    /// The moduli, in basis order.
    #[inline]
    pub fn moduli(&self) -> &[Modulus] {
        &self.moduli
    }

    /// The modulus `q_i`. Panics if `i >= len()`, like slice indexing.
    #[inline]
    pub fn modulus(&self, i: usize) -> &Modulus {
        &self.moduli[i]
    }

    /// The NTT tables, one per modulus, in basis order.
    #[inline]
    pub fn tables(&self) -> &[NttTable] {
        &self.tables
    }

    /// The NTT table of `q_i`. Panics if `i >= len()`, like slice indexing.
    #[inline]
    pub fn table(&self, i: usize) -> &NttTable {
        &self.tables[i]
    }

    /// For a polynomial with `limbs` limbs: `q_{limbs-1}^-1 mod q_i` for `i < limbs - 1`, in
    /// Shoup form (the constants of rescaling). `None` unless `2 <= limbs <= len()`.
    pub fn rescale_inverses(&self, limbs: usize) -> Option<&[ShoupOperand]> {
        if limbs < 2 {
            return None;
        }
        self.rescale.get(limbs - 1).map(Vec::as_slice)
    }

    /// For a polynomial with `limbs` limbs: `floor(q_{limbs-1} / 2) mod q_i` for
    /// `i < limbs - 1`. `None` unless `2 <= limbs <= len()`.
    pub fn rescale_halves(&self, limbs: usize) -> Option<&[u64]> {
        if limbs < 2 {
            return None;
        }
        self.half_last.get(limbs - 1).map(Vec::as_slice)
    }

    /// Whether two bases describe the same ring: the same degree and the same moduli in the same
    /// order. True for the same `Arc` without looking further.
    pub fn same_as(self: &Arc<Self>, other: &Arc<Self>) -> bool {
        Arc::ptr_eq(self, other) || (self.n == other.n && self.moduli == other.moduli)
    }

    /// A short description (`N = 1024, moduli [q_0, q_1]`) for error messages.
    /// The pool of reusable buffers of this basis.
    pub(crate) fn scratch(&self) -> &ScratchPool {
        &self.scratch
    }

    pub(crate) fn describe(&self) -> String {
        let moduli: Vec<u64> = self.moduli.iter().map(Modulus::value).collect();
        format!("N = {}, moduli {:?}", self.n, moduli)
    }
}

impl fmt::Debug for RnsBasis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let moduli: Vec<u64> = self.moduli.iter().map(Modulus::value).collect();
        f.debug_struct("RnsBasis")
            .field("n", &self.n)
            .field("moduli", &moduli)
            .finish_non_exhaustive()
    }
}

impl PartialEq for RnsBasis {
    /// Same degree and same moduli in the same order.
    fn eq(&self, other: &Self) -> bool {
        self.n == other.n && self.moduli == other.moduli
    }
}

impl Eq for RnsBasis {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::prime_chain;

    #[test]
    fn builds_and_precomputes() {
        let n = 64;
        let primes = prime_chain(&[40, 50, 60], n).unwrap();
        let b = RnsBasis::new(n, &primes).unwrap();
        assert_eq!(b.len(), 3);
        assert!(!b.is_empty());
        assert_eq!(b.log_degree(), 6);
        assert_eq!(b.tables().len(), 3);
        assert_eq!(b.table(2).modulus().value(), primes[2]);
        assert!(b.rescale_inverses(1).is_none());
        assert!(b.rescale_inverses(4).is_none());
        let inv = b.rescale_inverses(3).unwrap();
        assert_eq!(inv.len(), 2);
        for (i, w) in inv.iter().enumerate() {
            let qi = b.modulus(i);
            assert_eq!(qi.mul(w.value, qi.reduce(primes[2])), 1);
        }
        let half = b.rescale_halves(2).unwrap();
        assert_eq!(half, &[(primes[1] / 2) % primes[0]]);
    }

    #[test]
    fn rejects_bad_moduli() {
        let n = 16;
        let primes = prime_chain(&[40, 40], n).unwrap();
        assert_eq!(RnsBasis::new(n, &[]).unwrap_err(), Error::EmptyBasis);
        assert_eq!(
            RnsBasis::new(n, &[primes[0], primes[1], primes[0]]).unwrap_err(),
            Error::DuplicateModulus {
                value: primes[0],
                first: 0,
                second: 2
            }
        );
        assert!(matches!(
            RnsBasis::new(n, &[primes[0], 101]),
            Err(Error::NotNttFriendly { value: 101, .. })
        ));
        assert!(matches!(
            RnsBasis::new(12, &[primes[0]]),
            Err(Error::InvalidDegree { n: 12, .. })
        ));
    }

    #[test]
    fn equality_by_content() {
        let primes = prime_chain(&[40, 40], 16).unwrap();
        let a = RnsBasis::new(16, &primes).unwrap();
        let b = RnsBasis::new(16, &primes).unwrap();
        let c = RnsBasis::new(16, &primes[..1]).unwrap();
        assert!(a.same_as(&b));
        assert_eq!(*a, *b);
        assert!(!a.same_as(&c));
        assert!(format!("{a:?}").contains(&primes[0].to_string()));
    }
}
