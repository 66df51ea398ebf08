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

pub use automorphism::AutomorphismIndex;
pub use basis::RnsBasis;
pub use convert::{BasisConverter, ModDown};
pub use poly::{Representation, RnsPoly};

/// The number of coefficients (over all limbs) below which a cheap element-wise operation
/// stays on one thread: handing limbs to other threads costs more than it saves. (Measured on
/// a busy two-core machine: at `3 * 2^14` coefficients, additions and products ran about
/// twice as fast on one thread.) NTTs are always split across limbs.
const PAR_MIN_COEFFS: usize = 1 << 17;

/// Runs `f(i, limb_i)` on every limb of `data` (limbs of `n` values), one rayon task per limb
/// when `parallel` is set and the `parallel` feature is on.
fn for_each_limb<F>(data: &mut [u64], n: usize, parallel: bool, f: F)
where
    F: Fn(usize, &mut [u64]) + Sync + Send,
{
    if n == 0 {
        return;
    }
    #[cfg(feature = "parallel")]
    if parallel && data.len() > n {
        use rayon::prelude::*;
        data.par_chunks_exact_mut(n)
            .enumerate()
            .for_each(|(i, limb)| f(i, limb));
        return;
    }
    let _ = parallel;
    for (i, limb) in data.chunks_exact_mut(n).enumerate() {
        f(i, limb);
    }
}

/// Runs `f(i, a_i, b_i)` on the limbs of two buffers side by side (as many limbs as the
/// shorter one has), in parallel like [`for_each_limb`].
fn for_each_limb_pair<F>(a: &mut [u64], b: &mut [u64], n: usize, parallel: bool, f: F)
where
    F: Fn(usize, &mut [u64], &mut [u64]) + Sync + Send,
{
    if n == 0 {
        return;
    }
    #[cfg(feature = "parallel")]
    if parallel && a.len().min(b.len()) > n {
        use rayon::prelude::*;
        a.par_chunks_exact_mut(n)
            .zip(b.par_chunks_exact_mut(n))
            .enumerate()
            .for_each(|(i, (x, y))| f(i, x, y));
        return;
    }
    let _ = parallel;
    for (i, (x, y)) in a.chunks_exact_mut(n).zip(b.chunks_exact_mut(n)).enumerate() {
        f(i, x, y);
    }
}

#[cfg(test)]
mod test_util;
