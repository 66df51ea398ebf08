//! Shared test helpers: random bases and CRT reconstruction with big integers.

use std::sync::Arc;

use num_bigint::BigInt;
use num_traits::{One, Zero};
use proptest::prelude::*;

use super::{Representation, RnsBasis, RnsPoly};
use crate::math::prime_chain;

/// A basis of degree `n` with primes of the given sizes.
pub(super) fn basis_from_bits(n: usize, bits: &[u32]) -> Arc<RnsBasis> {
    RnsBasis::new(n, &prime_chain(bits, n).unwrap()).unwrap()
}

/// Bit sizes of `count` primes, each in 30..=61.
pub(super) fn prime_bits(
    count: std::ops::RangeInclusive<usize>,
) -> impl Strategy<Value = Vec<u32>> {
    prop::collection::vec(30u32..=61, count)
}

/// A basis with N in 16..=256 and 2 to 4 primes of 30..=61 bits, and a limb count in
/// `1..=len`.
pub(super) fn ring_setup() -> impl Strategy<Value = (Arc<RnsBasis>, usize)> {
    (4u32..=8, prime_bits(2..=4)).prop_flat_map(|(log_n, bits)| {
        let basis = basis_from_bits(1 << log_n, &bits);
        let len = basis.len();
        (Just(basis), 1..=len)
    })
}

/// The product of the moduli of the polynomial's limbs.
pub(super) fn modulus_product(a: &RnsPoly) -> BigInt {
    product(&moduli_u64(a))
}

pub(super) fn moduli_u64(a: &RnsPoly) -> Vec<u64> {
    a.moduli().iter().map(|q| q.value()).collect()
}

pub(super) fn product(moduli: &[u64]) -> BigInt {
    moduli
        .iter()
        .fold(BigInt::one(), |acc, &q| acc * BigInt::from(q))
}

/// CRT reconstruction, in `[0, Q)`, of limb-major residues over `moduli` (`n` per limb).
pub(super) fn crt(data: &[u64], moduli: &[u64], n: usize) -> Vec<BigInt> {
    let q = product(moduli);
    let weights: Vec<BigInt> = moduli
        .iter()
        .map(|&qi| {
            let qi_big = BigInt::from(qi);
            let hat = &q / &qi_big;
            let hat_inv = (&hat % &qi_big).modpow(&(&qi_big - 2u32), &qi_big);
            hat * hat_inv
        })
        .collect();
    (0..n)
        .map(|c| {
            let mut x = BigInt::zero();
            for (i, w) in weights.iter().enumerate() {
                x += w * BigInt::from(data[i * n + c]);
            }
            x % &q
        })
        .collect()
}

/// The coefficients (or NTT values) of a polynomial, reconstructed in `[0, Q)`.
pub(super) fn to_big(a: &RnsPoly) -> Vec<BigInt> {
    crt(a.coeffs(), &moduli_u64(a), a.degree())
}

/// `x mod q` in `[0, q)`.
pub(super) fn modq(x: &BigInt, q: &BigInt) -> BigInt {
    let r = x % q;
    if r < BigInt::zero() { r + q } else { r }
}

pub(super) fn reduce_all(xs: &[BigInt], q: &BigInt) -> Vec<BigInt> {
    xs.iter().map(|x| modq(x, q)).collect()
}

/// Limb-major residues of big integers modulo each of `moduli`.
pub(super) fn residues(xs: &[BigInt], moduli: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(xs.len() * moduli.len());
    for &q in moduli {
        let qb = BigInt::from(q);
        for x in xs {
            out.push(u64::try_from(modq(x, &qb)).unwrap());
        }
    }
    out
}

/// The polynomial with the given integer coefficients, in coefficient form over `limbs` limbs.
pub(super) fn from_big(basis: &Arc<RnsBasis>, limbs: usize, xs: &[BigInt]) -> RnsPoly {
    let moduli: Vec<u64> = basis.moduli()[..limbs].iter().map(|q| q.value()).collect();
    RnsPoly::from_residues(basis, Representation::Coefficient, residues(xs, &moduli)).unwrap()
}

/// `round(x / d) = floor(x / d + 1/2)` for `d > 0` (ties cannot occur for odd `d`).
pub(super) fn round_div(x: &BigInt, d: &BigInt) -> BigInt {
    // floor((2x + d) / (2d))
    let num = x * 2 + d;
    let den = d * 2;
    let q = &num / &den;
    // BigInt division truncates toward zero: fix up to floor.
    if (&num % &den) < BigInt::zero() {
        q - 1
    } else {
        q
    }
}
