//! RNS polynomials over `Z_Q[X]/(X^N + 1)`: arithmetic, NTT conversion, automorphisms, basis
//! extension, `ModDown` and rescaling.
//!
//! - [`RnsBasis`]: the degree, the moduli `q_0, ..., q_{L-1}` and their NTT tables, built once
//!   and shared through an `Arc`.
//! - [`RnsPoly`]: a polynomial over a prefix `q_0, ..., q_{l-1}` of a basis, stored limb after
//!   limb in one flat vector, tagged with its [`Representation`] (coefficients or NTT
//!   evaluations). Every operation checks the representation, the basis and the limb count of
//!   its operands and returns an error rather than computing garbage.
//! - [`AutomorphismIndex`]: `X -> X^k` in both representations; in NTT form a precomputed
//!   permutation that callers cache.
//! - [`BasisConverter`]: fast (HPS-style) base conversion with lazy 128-bit accumulation;
//!   [`ModDown`]: `round(x / P)` for key switching; [`RnsPoly::divide_round_by_last`]:
//!   rescaling.
//!
//! ```
//! use ckks::math::prime_chain;
//! use ckks::ring::{Representation, RnsBasis, RnsPoly};
//! let n = 16;
//! let basis = RnsBasis::new(n, &prime_chain(&[50, 40], n)?)?;
//! // (1 + X) * (1 - X) = 1 - X^2
//! let mut a = RnsPoly::from_signed(&basis, 2, &[&[1i64, 1][..], &[0; 14]].concat())?;
//! let mut b = RnsPoly::from_signed(&basis, 2, &[&[1i64, -1][..], &[0; 14]].concat())?;
//! a.to_ntt();
//! b.to_ntt();
//! let mut c = a.mul(&b)?;
//! c.to_coeff();
//! let expected = RnsPoly::from_signed(&basis, 2, &[&[1i64, 0, -1][..], &[0; 13]].concat())?;
//! assert_eq!(c, expected);
//! assert_eq!(c.representation(), Representation::Coefficient);
//! # Ok::<(), ckks::Error>(())
//! ```
//!
//! # Parallelism
//!
//! With the `parallel` feature, NTTs, base conversion, rescaling and element-wise operations on
//! large enough polynomials run one limb per rayon task.

mod automorphism;
mod basis;
mod convert;
mod poly;
mod scratch;

pub use automorphism::AutomorphismIndex;
pub use basis::RnsBasis;
pub use convert::{BasisConverter, ModDown};
pub use poly::{Representation, RnsPoly};

use crate::par::{for_each_limb, for_each_limb_pair};

/// The number of coefficients (over all limbs) below which a cheap element-wise operation
/// stays on one thread: handing limbs to other threads costs more than it saves below it.
/// (On a busy two-core machine, `3 * 2^14` coefficients ran faster on one thread; on an idle
/// one, ciphertexts of the `ref-b` size, `7 * 2^14`, gain from two.) NTTs are always split
/// across limbs.
const PAR_MIN_COEFFS: usize = 1 << 16;

#[cfg(test)]
mod test_util;
