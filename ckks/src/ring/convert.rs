//! RNS base conversion (basis extension), `ModDown` (division by the special modulus `P` in
//! key switching) and rescaling (division by the last modulus).
//!
//! # Base conversion
//!
//! For `x` given by its residues `x_i` modulo `q_0, ..., q_{L-1}` (`Q` their product), the fast
//! conversion of Halevi, Polyakov and Shoup computes, modulo each target `p_j`,
//!
//! ```text
//! y_i = x_i * (Q/q_i)^-1 mod q_i,        sum_i y_i * (Q/q_i) = x + u * Q,   0 <= u < L,
//! ```
//!
//! with no division: the sum is accumulated lazily in 128 bits and reduced once per target
//! residue (or once per group of terms for long bases of 61-bit primes). The overflow count `u`
//! is left in ([`BasisConverter::convert`]) or removed with a 64-bit fixed-point estimate of
//! `sum_i y_i / q_i` ([`BasisConverter::convert_centered`]), which yields the centered
//! representative of `x mod Q`.
//!
//! # ModDown and rescaling
//!
//! [`ModDown`] computes `round(x / P)` over `Q_l` from `x` over `Q_l * P` by converting the
//! centered `x mod P` into `Q_l`, subtracting, and multiplying by `P^-1 mod q_i`; it is exact
//! except in a negligible window around ties (see [`ModDown`]).
//! [`RnsPoly::divide_round_by_last`] computes `round(x / q_last)` exactly.

use std::borrow::Cow;
use std::sync::Arc;

use super::{PAR_MIN_COEFFS, Representation, RnsBasis, RnsPoly, for_each_limb, for_each_limb_pair};
use crate::error::{Error, Result};
use crate::math::{Modulus, ShoupOperand, ifma52};

#[inline(always)]
fn mul_hi(a: u64, b: u64) -> u64 {
    ((a as u128 * b as u128) >> 64) as u64
}

/// Fast (HPS-style) conversion of RNS residues from one set of moduli to another.
///
/// ```
/// use ckks::math::{Modulus, prime_chain};
/// use ckks::ring::BasisConverter;
/// let primes = prime_chain(&[40, 40, 50], 16)?;
/// let m: Vec<Modulus> = primes.iter().map(|&q| Modulus::new(q)).collect::<Result<_, _>>()?;
/// let conv = BasisConverter::new(&m[..2], &m[2..])?;
/// // x = 5 in every coefficient, over q_0 and q_1 (N = 4 here: the converter is degree-free).
/// let input = [5u64; 8];
/// let mut output = [0u64; 4];
/// conv.convert(&input, &mut output, 4)?;
/// // 5 + u * q_0 * q_1 modulo q_2, for some u in {0, 1}.
/// let q01 = (primes[0] as u128 * primes[1] as u128 % primes[2] as u128) as u64;
/// assert!(output.iter().all(|&v| v == 5 || v == (5 + q01) % primes[2]));
/// // The centered conversion removes u.
/// conv.convert_centered(&input, &mut output, 4)?;
/// assert_eq!(output, [5; 4]);
/// # Ok::<(), ckks::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct BasisConverter {
    from: Vec<Modulus>,
    to: Vec<Modulus>,
    /// `(Q / q_i)^-1 mod q_i`, Shoup form.
    hat_inv: Vec<ShoupOperand>,
    /// `(Q / q_i) mod p_j` at `[j * L + i]`.
    hat_mod_to: Vec<u64>,
    /// `-Q mod p_j`, Shoup form.
    neg_q_mod_to: Vec<ShoupOperand>,
    /// `floor(2^128 / q_i)` as (low, high) words.
    inv_ratio: Vec<(u64, u64)>,
    /// How many products `y_i * (Q/q_i mod p_j)` the 128-bit accumulator takes between two
    /// reductions.
    chunk: usize,
}

impl BasisConverter {
    /// Precomputes the conversion from the moduli `from` (pairwise coprime, e.g. distinct
    /// primes) to the moduli `to`.
    ///
    /// Errors: [`Error::EmptyBasis`] if either set is empty, [`Error::DuplicateModulus`] if
    /// `from` repeats a modulus, [`Error::NotInvertible`] if `from` is not pairwise coprime.
    pub fn new(from: &[Modulus], to: &[Modulus]) -> Result<Self> {
        if from.is_empty() || to.is_empty() {
            return Err(Error::EmptyBasis);
        }
        for (second, q) in from.iter().enumerate() {
            if let Some(first) = from[..second].iter().position(|p| p == q) {
                return Err(Error::DuplicateModulus {
                    value: q.value(),
                    first,
                    second,
                });
            }
        }
        let hat_inv = from
            .iter()
            .enumerate()
            .map(|(i, qi)| {
                let hat = from
                    .iter()
                    .enumerate()
                    .filter(|&(k, _)| k != i)
                    .fold(1 % qi.value(), |acc, (_, qk)| {
                        qi.mul(acc, qi.reduce(qk.value()))
                    });
                Ok(qi.shoup(qi.inv(hat)?))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut hat_mod_to = Vec::with_capacity(from.len() * to.len());
        let mut neg_q_mod_to = Vec::with_capacity(to.len());
        for p in to {
            let residues: Vec<u64> = from.iter().map(|q| p.reduce(q.value())).collect();
            for i in 0..from.len() {
                let hat = residues
                    .iter()
                    .enumerate()
                    .filter(|&(k, _)| k != i)
                    .fold(1 % p.value(), |acc, (_, &r)| p.mul(acc, r));
                hat_mod_to.push(hat);
            }
            let q_mod_p = residues.iter().fold(1 % p.value(), |acc, &r| p.mul(acc, r));
            neg_q_mod_to.push(p.shoup(p.neg(q_mod_p)));
        }
        let inv_ratio = from
            .iter()
            .map(|q| {
                // floor((2^128 - 1) / q) <= 2^128 / q: a lower bound is all the estimate needs.
                let r = u128::MAX / q.value() as u128;
                (r as u64, (r >> 64) as u64)
            })
            .collect();
        let max_q = from.iter().map(Modulus::value).max().unwrap_or(2);
        Ok(Self {
            from: from.to_vec(),
            to: to.to_vec(),
            hat_inv,
            hat_mod_to,
            neg_q_mod_to,
            inv_ratio,
            // A reduced accumulator (< p) plus `chunk` products below max_q * p stays below
            // p * 2^64, the precondition of `reduce_u128`, when chunk * max_q <= 2^64 - 1.
            chunk: ((u64::MAX / max_q) as usize).max(1),
        })
    }

    /// The source moduli.
    pub fn from_moduli(&self) -> &[Modulus] {
        &self.from
    }

    /// The target moduli.
    pub fn to_moduli(&self) -> &[Modulus] {
        &self.to
    }

    /// Fast base conversion of coefficient-domain residues.
    ///
    /// `input` holds `L = from.len()` limbs of `n` values, limb-major (limb `i` modulo
    /// `q_i`; values need not be reduced); `output` receives `m` limbs of `n` values, where
    /// `output.len() = m * n` with `1 <= m <= to.len()`: the first `m` target moduli. For each
    /// coefficient with value `x` in `[0, Q)`,
    ///
    /// `output_j = (x + u * Q) mod p_j` for one integer `u` with `0 <= u < L`
    ///
    /// (the same `u` for every target of a coefficient). Use
    /// [`convert_centered`](Self::convert_centered) when `u` must be removed.
    pub fn convert(&self, input: &[u64], output: &mut [u64], n: usize) -> Result<()> {
        self.check_shapes(input, output, n)?;
        if self.from.len() == 1 {
            self.convert_single(input, output, n, false);
            return Ok(());
        }
        let y = self.scaled_inputs(input, n, None);
        self.accumulate_all(&y, None, output, n);
        Ok(())
    }

    /// Base conversion of the centered representative: for each coefficient with value `x` in
    /// `[0, Q)`, `output_j = x' mod p_j` where `x' = x - Q * round(x / Q)` lies in
    /// `[-Q/2, Q/2]`.
    ///
    /// The overflow count is estimated with 64-bit fixed-point arithmetic (each
    /// `y_i / q_i` to within `2^-63`), so the result is exact unless `x / Q` lies in
    /// `[1/2, 1/2 + L * 2^-63)`, where `x` itself may be returned instead of `x - Q` (both are
    /// representatives of `x mod Q` of magnitude about `Q/2`).
    ///
    /// Shapes as in [`convert`](Self::convert).
    pub fn convert_centered(&self, input: &[u64], output: &mut [u64], n: usize) -> Result<()> {
        self.check_shapes(input, output, n)?;
        if self.from.len() == 1 {
            self.convert_single(input, output, n, true);
            return Ok(());
        }
        let mut u = vec![0u64; n];
        let y = self.scaled_inputs(input, n, Some(&mut u));
        self.accumulate_all(&y, Some(&u), output, n);
        Ok(())
    }

    /// One source prime `q`: `Q/q = 1`, so the conversion is a reduction modulo each target
    /// (exact, `u = 0`), and the centered form subtracts `q` from values above `q/2`.
    fn convert_single(&self, input: &[u64], output: &mut [u64], n: usize, centered: bool) {
        let q = self.from[0].value();
        let half = q / 2;
        let parallel = output.len() >= PAR_MIN_COEFFS;
        for_each_limb(output, n, parallel, |j, out| {
            let p = &self.to[j];
            // When q <= 2p a value (or its centered form) is within p of its residue: one
            // branch-free correction instead of a reduction (and the loop vectorizes).
            let small = q <= 2 * p.value();
            match (centered, small) {
                (true, true) => {
                    let p_minus_q = p.value().wrapping_sub(q);
                    for (o, &x) in out.iter_mut().zip(input) {
                        *o =
                            std::hint::select_unpredictable(x > half, x.wrapping_add(p_minus_q), x);
                    }
                }
                (true, false) => ifma52::reduce_centered(p, q, input, out),
                (false, true) => {
                    for (o, &x) in out.iter_mut().zip(input) {
                        *o = std::hint::select_unpredictable(
                            x >= p.value(),
                            x.wrapping_sub(p.value()),
                            x,
                        );
                    }
                }
                (false, false) => {
                    for (o, &x) in out.iter_mut().zip(input) {
                        *o = p.reduce(x);
                    }
                }
            }
        });
    }

    fn check_shapes(&self, input: &[u64], output: &[u64], n: usize) -> Result<()> {
        if n == 0 {
            return Err(Error::ShapeMismatch {
                what: "base conversion degree (must be positive)",
                expected: 1,
                got: 0,
            });
        }
        if input.len() != self.from.len() * n {
            return Err(Error::ShapeMismatch {
                what: "base conversion input length (source limbs * N)",
                expected: self.from.len() * n,
                got: input.len(),
            });
        }
        let m = output.len() / n;
        if !output.len().is_multiple_of(n) || m == 0 || m > self.to.len() {
            return Err(Error::ShapeMismatch {
                what: "base conversion output length (m * N for 1 <= m <= target count; the expected value is the largest)",
                expected: self.to.len() * n,
                got: output.len(),
            });
        }
        Ok(())
    }

    /// `y_i = x_i * (Q/q_i)^-1 mod q_i`, coefficient-major (`y[c * L + i]`), so that the
    /// accumulation reads each coefficient's terms contiguously. With `u`, also the rounded
    /// estimate `round(sum_i y_i / q_i)` per coefficient.
    fn scaled_inputs(&self, input: &[u64], n: usize, mut u: Option<&mut [u64]>) -> Vec<u64> {
        let l = self.from.len();
        let mut y = vec![0u64; l * n];
        for (c, yc) in y.chunks_exact_mut(l).enumerate() {
            let mut acc: u128 = 0;
            for (i, ((yi, q), w)) in yc.iter_mut().zip(&self.from).zip(&self.hat_inv).enumerate() {
                *yi = q.mul_shoup(input[i * n + c], *w);
                if u.is_some() {
                    let (lo, hi) = self.inv_ratio[i];
                    // floor(y * floor(2^128 / q) / 2^64) <= y * 2^64 / q < 2^64, and it is
                    // more than y * 2^64 / q - 2: no overflow, error below 2 units.
                    acc += (*yi * hi + mul_hi(*yi, lo)) as u128;
                }
            }
            if let Some(u) = u.as_deref_mut() {
                u[c] = ((acc + (1u128 << 63)) >> 64) as u64;
            }
        }
        y
    }

    fn accumulate_all(&self, y: &[u64], u: Option<&[u64]>, output: &mut [u64], n: usize) {
        let parallel = output.len() * self.from.len() >= PAR_MIN_COEFFS;
        for_each_limb(output, n, parallel, |j, out| self.accumulate(y, u, j, out));
    }

    /// `out[c] = sum_i y[c][i] * (Q/q_i mod p_j) mod p_j`, minus `u[c] * Q` if given.
    fn accumulate(&self, y: &[u64], u: Option<&[u64]>, j: usize, out: &mut [u64]) {
        let p = &self.to[j];
        let l = self.from.len();
        let w = &self.hat_mod_to[j * l..(j + 1) * l];
        if l <= self.chunk {
            // The common case: one reduction per residue.
            for (o, yc) in out.iter_mut().zip(y.chunks_exact(l)) {
                let acc = yc
                    .iter()
                    .zip(w)
                    .fold(0u128, |acc, (&yi, &wi)| acc + yi as u128 * wi as u128);
                *o = p.reduce_u128(acc);
            }
        } else {
            for (o, yc) in out.iter_mut().zip(y.chunks_exact(l)) {
                let mut acc: u128 = 0;
                for (ys, ws) in yc.chunks(self.chunk).zip(w.chunks(self.chunk)) {
                    for (&yi, &wi) in ys.iter().zip(ws) {
                        acc += yi as u128 * wi as u128;
                    }
                    acc = p.reduce_u128(acc) as u128;
                }
                *o = acc as u64;
            }
        }
        if let Some(u) = u {
            let neg_q = self.neg_q_mod_to[j];
            for (o, &uc) in out.iter_mut().zip(u) {
                *o = p.add(*o, p.mul_shoup(uc, neg_q));
            }
        }
    }
}

/// `ModDown`: from `x` over `Q_l * P` (residues modulo `q_0, ..., q_{l-1}` and modulo the
/// special primes `p_0, ..., p_{k-1}`), computes `round(x / P)` over `Q_l`: the last step of
/// hybrid key switching.
///
/// The centered `x mod P` is converted into `Q_l` with
/// [`BasisConverter::convert_centered`], subtracted, and the difference (an exact multiple of
/// `P`) multiplied by `P^-1 mod q_i`.
///
/// **Accuracy.** The result is exactly `round(x / P)` (`P` is odd, so there are no ties),
/// except when the fractional part of `x / P` lies in `[1/2, 1/2 + k * 2^-63)`, where it may be
/// `floor(x / P)` instead. Either way `|result - x / P| <= 1/2 + k * 2^-63`. The result mod
/// `Q_l` does not depend on whether `x` is taken in `[0, Q_l P)` or centered.
///
/// ```
/// use ckks::math::prime_chain;
/// use ckks::ring::{ModDown, Representation, RnsBasis, RnsPoly};
/// let n = 16;
/// let primes = prime_chain(&[50, 50, 60], n)?;
/// let q = RnsBasis::new(n, &primes[..2])?;
/// let p = RnsBasis::new(n, &primes[2..])?;
/// let md = ModDown::new(&q, &p)?;
/// // x = 7 * P + 3 in every coefficient: round(x / P) = 7.
/// let x_q = RnsPoly::from_signed(&q, 2, &[7 * (primes[2] as i64) + 3; 16])?;
/// let x_p = RnsPoly::from_signed(&p, 1, &[3; 16])?;
/// assert_eq!(md.mod_down(&x_q, &x_p)?, RnsPoly::from_signed(&q, 2, &[7; 16])?);
/// # Ok::<(), ckks::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ModDown {
    q: Arc<RnsBasis>,
    p: Arc<RnsBasis>,
    /// From P to all of Q (a prefix of the targets serves lower levels).
    converter: BasisConverter,
    /// `P^-1 mod q_i`, Shoup form.
    p_inv: Vec<ShoupOperand>,
}

impl ModDown {
    /// Precomputes `ModDown` from `Q * P` to `Q` (and to every prefix `Q_l` of `Q`).
    ///
    /// Errors: [`Error::ShapeMismatch`] if the degrees differ, [`Error::DuplicateModulus`] if a
    /// prime is in both bases (positions counted in the joint basis `q_0, ..., p_0, ...`).
    pub fn new(q: &Arc<RnsBasis>, p: &Arc<RnsBasis>) -> Result<Self> {
        if q.degree() != p.degree() {
            return Err(Error::ShapeMismatch {
                what: "degree of the special-prime basis P, which must match the degree of Q",
                expected: q.degree(),
                got: p.degree(),
            });
        }
        for (j, pj) in p.moduli().iter().enumerate() {
            if let Some(i) = q.moduli().iter().position(|qi| qi == pj) {
                return Err(Error::DuplicateModulus {
                    value: pj.value(),
                    first: i,
                    second: q.len() + j,
                });
            }
        }
        let converter = BasisConverter::new(p.moduli(), q.moduli())?;
        let p_inv = q
            .moduli()
            .iter()
            .map(|qi| {
                let p_mod = p
                    .moduli()
                    .iter()
                    .fold(1 % qi.value(), |acc, pj| qi.mul(acc, qi.reduce(pj.value())));
                Ok(qi.shoup(qi.inv(p_mod)?))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            q: Arc::clone(q),
            p: Arc::clone(p),
            converter,
            p_inv,
        })
    }

    /// The basis `Q` of the result.
    pub fn q_basis(&self) -> &Arc<RnsBasis> {
        &self.q
    }

    /// The basis `P` of the special primes.
    pub fn p_basis(&self) -> &Arc<RnsBasis> {
        &self.p
    }

    /// `P^-1 mod q_i`, Shoup form.
    pub(crate) fn p_inv(&self) -> &[ShoupOperand] {
        &self.p_inv
    }

    /// The converter from `P` to `Q` this uses.
    pub fn converter(&self) -> &BasisConverter {
        &self.converter
    }

    /// The slice-level core, in coefficient form: `x_q` holds `l` limbs (`1 <= l <= Q.len()`,
    /// residues reduced modulo `q_0, ..., q_{l-1}`), `x_p` all `k` limbs modulo `P`; on return
    /// `x_q` holds `round(x / P)` modulo `q_0, ..., q_{l-1}`.
    pub fn apply_coeff(&self, x_q: &mut [u64], x_p: &[u64]) -> Result<()> {
        let n = self.q.degree();
        let l = self.check_q_len(x_q.len())?;
        let mut scratch = vec![0u64; l * n];
        self.converter.convert_centered(x_p, &mut scratch, n)?;
        self.finish(x_q, &mut scratch, false);
        Ok(())
    }

    /// `x_q <- round(x / P)` for `x` given by `x_q` (over a prefix of `Q`, either
    /// representation) and `x_p` (over all of `P`, either representation; converted internally
    /// if in NTT form). The result stays in `x_q`'s representation: with NTT-form inputs this
    /// costs one inverse NTT per limb of `P` and one forward NTT per limb of the result.
    pub fn apply(&self, x_q: &mut RnsPoly, x_p: &RnsPoly) -> Result<()> {
        if !self.q.same_as(&x_q.basis) {
            return Err(Error::BasisMismatch {
                detail: format!(
                    "ModDown: the Q part must live over {}, it has {}",
                    self.q.describe(),
                    x_q.basis.describe()
                ),
            });
        }
        if !self.p.same_as(&x_p.basis) {
            return Err(Error::BasisMismatch {
                detail: format!(
                    "ModDown: the P part must live over {}, it has {}",
                    self.p.describe(),
                    x_p.basis.describe()
                ),
            });
        }
        if x_p.limbs != self.p.len() {
            return Err(Error::ShapeMismatch {
                what: "RNS limb count of the P part of ModDown (all special primes)",
                expected: self.p.len(),
                got: x_p.limbs,
            });
        }
        let n = self.q.degree();
        let p_coeff: Cow<'_, [u64]> = match x_p.repr {
            Representation::Coefficient => Cow::Borrowed(&x_p.coeffs),
            Representation::Ntt => {
                let mut data = x_p.coeffs.clone();
                let tables = self.p.tables();
                for_each_limb(&mut data, n, true, |j, limb| tables[j].inverse(limb));
                Cow::Owned(data)
            }
        };
        let mut scratch = vec![0u64; x_q.limbs * n];
        self.converter.convert_centered(&p_coeff, &mut scratch, n)?;
        self.finish(
            &mut x_q.coeffs,
            &mut scratch,
            x_q.repr == Representation::Ntt,
        );
        Ok(())
    }

    /// Allocating form of [`apply`](Self::apply).
    pub fn mod_down(&self, x_q: &RnsPoly, x_p: &RnsPoly) -> Result<RnsPoly> {
        let mut out = x_q.clone();
        self.apply(&mut out, x_p)?;
        Ok(out)
    }

    fn check_q_len(&self, len: usize) -> Result<usize> {
        let n = self.q.degree();
        if !len.is_multiple_of(n) {
            return Err(Error::ShapeMismatch {
                what: "ModDown Q-part length (a multiple of N)",
                expected: len.div_ceil(n) * n,
                got: len,
            });
        }
        let l = len / n;
        if l == 0 || l > self.q.len() {
            return Err(Error::InvalidLimbCount {
                limbs: l,
                max: self.q.len(),
            });
        }
        Ok(l)
    }

    /// `x_i <- (x_i - s_i) * P^-1 mod q_i`, transforming `s` to NTT form first if `ntt`.
    fn finish(&self, x_q: &mut [u64], scratch: &mut [u64], ntt: bool) {
        let n = self.q.degree();
        let moduli = self.q.moduli();
        let tables = self.q.tables();
        let p_inv = &self.p_inv;
        let parallel = ntt || x_q.len() >= PAR_MIN_COEFFS;
        for_each_limb_pair(x_q, scratch, n, parallel, |i, x, s| {
            if ntt {
                tables[i].forward(s);
            }
            let (q, w) = (&moduli[i], p_inv[i]);
            for (a, &b) in x.iter_mut().zip(s.iter()) {
                *a = q.mul_shoup(q.sub(*a, b), w);
            }
        });
    }
}

impl RnsPoly {
    /// Rescaling: `round(x / q_{l-1})` over `q_0, ..., q_{l-2}`, exactly, dropping the last
    /// limb. Either representation (the result keeps it).
    ///
    /// `x` may be read in `[0, Q)` or centered in `(-Q/2, Q/2)`: the two results agree modulo
    /// `Q / q_{l-1}`. In NTT form this costs one inverse NTT (of the last limb) and one forward
    /// NTT per remaining limb.
    ///
    /// Errors: [`Error::NotEnoughLimbs`] with a single limb.
    ///
    /// ```
    /// use ckks::math::prime_chain;
    /// use ckks::ring::{RnsBasis, RnsPoly};
    /// let n = 8;
    /// let primes = prime_chain(&[50, 40], n)?;
    /// let basis = RnsBasis::new(n, &primes)?;
    /// let q1 = primes[1] as i64;
    /// let mut x = RnsPoly::from_signed(&basis, 2, &[5 * q1, 5 * q1 + q1 / 2 + 1, -3 * q1 - 7, 0, 1, -1, q1 / 2, -q1 / 2])?;
    /// x.to_ntt();
    /// let mut y = x.divide_round_by_last()?;
    /// y.to_coeff();
    /// assert_eq!(y, RnsPoly::from_signed(&basis, 1, &[5, 6, -3, 0, 0, 0, 0, 0])?);
    /// # Ok::<(), ckks::Error>(())
    /// ```
    pub fn divide_round_by_last(&self) -> Result<Self> {
        let l = self.check_rescale()?;
        let n = self.degree();
        let mut out = Self {
            basis: Arc::clone(&self.basis),
            limbs: l - 1,
            repr: self.repr,
            coeffs: self.coeffs[..(l - 1) * n].to_vec(),
        };
        rescale_into(
            &self.basis,
            l,
            self.repr,
            &self.coeffs[(l - 1) * n..],
            &mut out.coeffs,
        )?;
        Ok(out)
    }

    /// In-place form of [`divide_round_by_last`](Self::divide_round_by_last); the dropped
    /// limb is overwritten with zeros.
    pub fn divide_round_by_last_assign(&mut self) -> Result<()> {
        let l = self.check_rescale()?;
        let n = self.degree();
        let (head, last) = self.coeffs.split_at_mut((l - 1) * n);
        rescale_into(&self.basis, l, self.repr, last, head)?;
        last.fill(0);
        self.coeffs.truncate((l - 1) * n);
        self.limbs = l - 1;
        Ok(())
    }

    fn check_rescale(&self) -> Result<usize> {
        if self.limbs < 2 {
            return Err(Error::NotEnoughLimbs {
                what: "rescaling (dividing by the last modulus)",
                needed: 2,
                have: self.limbs,
                fix: "a polynomial at the last level cannot be rescaled; rescale before reaching it or use larger parameters",
            });
        }
        Ok(self.limbs)
    }
}

/// The rescaling core: `head` holds limbs `0..l-1` and receives `round(x / q_{l-1})`; `last` is
/// limb `l - 1`, both in `repr`.
fn rescale_into(
    basis: &RnsBasis,
    l: usize,
    repr: Representation,
    last: &[u64],
    head: &mut [u64],
) -> Result<()> {
    let n = basis.degree();
    // Both tables exist for every l in 2..=basis.len(), which the callers check.
    let (Some(inverses), Some(halves)) = (basis.rescale_inverses(l), basis.rescale_halves(l))
    else {
        return Err(Error::NotEnoughLimbs {
            what: "rescaling (dividing by the last modulus)",
            needed: 2,
            have: l,
            fix: "rescale only polynomials with 2..=L limbs",
        });
    };
    let q_last = basis.modulus(l - 1);
    let half = q_last.value() / 2;
    // (x_last + floor(q_last / 2)) mod q_last, in coefficient form: lifted to q_i and shifted
    // back by floor(q_last / 2) this is the centered x mod q_last.
    let mut lifted = basis.scratch().take(n);
    lifted.copy_from_slice(last);
    if repr == Representation::Ntt {
        basis.table(l - 1).inverse(&mut lifted);
    }
    for x in lifted.iter_mut() {
        *x = q_last.add(*x, half);
    }
    let moduli = basis.moduli();
    let tables = basis.tables();
    match repr {
        Representation::Coefficient => {
            for_each_limb(head, n, head.len() >= PAR_MIN_COEFFS, |i, x| {
                let (q, h, w) = (&moduli[i], halves[i], inverses[i]);
                for (a, &b) in x.iter_mut().zip(lifted.iter()) {
                    let r = q.sub(q.reduce(b), h);
                    *a = q.mul_shoup(q.sub(*a, r), w);
                }
            });
        }
        Representation::Ntt => {
            let mut scratch = basis.scratch().take(head.len());
            for_each_limb_pair(head, &mut scratch, n, true, |i, x, t| {
                let (q, h, w) = (&moduli[i], halves[i], inverses[i]);
                for (r, &b) in t.iter_mut().zip(lifted.iter()) {
                    *r = q.sub(q.reduce(b), h);
                }
                tables[i].forward(t);
                for (a, &r) in x.iter_mut().zip(t.iter()) {
                    *a = q.mul_shoup(q.sub(*a, r), w);
                }
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use crate::math::prime_chain;
    use num_bigint::BigInt;
    use num_traits::{Signed, Zero};
    use proptest::prelude::*;

    fn moduli_of(primes: &[u64]) -> Vec<Modulus> {
        primes.iter().map(|&q| Modulus::new(q).unwrap()).collect()
    }

    /// Distinct primes: the first `count_a` with sizes `bits_a`, then the rest.
    fn split_primes(n: usize, bits_a: &[u32], bits_b: &[u32]) -> (Vec<u64>, Vec<u64>) {
        let all: Vec<u32> = bits_a.iter().chain(bits_b).copied().collect();
        let primes = prime_chain(&all, n).unwrap();
        let (a, b) = primes.split_at(bits_a.len());
        (a.to_vec(), b.to_vec())
    }

    /// Checks `out ≡ x + u Q (mod p_j)` with one `u` in `0..L` per coefficient.
    fn check_conversion(
        input: &[u64],
        from: &[u64],
        to: &[u64],
        out: &[u64],
        n: usize,
    ) -> Result<(), TestCaseError> {
        let xs = crt(input, from, n);
        let q = product(from);
        for (c, x) in xs.iter().enumerate() {
            let found = (0..from.len()).find(|&u| {
                let v = x + &q * u;
                to.iter()
                    .enumerate()
                    .all(|(j, &p)| modq(&v, &BigInt::from(p)) == BigInt::from(out[j * n + c]))
            });
            prop_assert!(
                found.is_some(),
                "coefficient {c}: no u in 0..{} fits",
                from.len()
            );
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// convert: x + u Q with 0 <= u < L; convert_centered: the centered x, exactly.
        #[test]
        fn base_conversion(
            log_n in 4u32..=8,
            bits_from in prime_bits(1..=4),
            bits_to in prime_bits(1..=3),
            seed: [u8; 32],
            prefix in 1usize..=3,
        ) {
            let n = 1usize << log_n;
            let (from, to) = split_primes(n, &bits_from, &bits_to);
            let (mf, mt) = (moduli_of(&from), moduli_of(&to));
            let conv = BasisConverter::new(&mf, &mt).unwrap();
            let mut input = vec![0u64; from.len() * n];
            crate::math::sampling::expand_seed_uniform(&seed, &mf, n, &mut input).unwrap();
            let m = prefix.min(to.len());
            let mut out = vec![0u64; m * n];
            conv.convert(&input, &mut out, n).unwrap();
            check_conversion(&input, &from, &to[..m], &out, n)?;

            conv.convert_centered(&input, &mut out, n).unwrap();
            let q = product(&from);
            let centered: Vec<BigInt> = crt(&input, &from, n)
                .into_iter()
                .map(|x| if &x * 2 > q { x - &q } else { x })
                .collect();
            prop_assert_eq!(out, residues(&centered, &to[..m]));
        }

        /// ModDown = round(x / P) exactly, from coefficient and NTT forms, at every prefix.
        #[test]
        fn mod_down_rounds(
            log_n in 4u32..=8,
            bits_q in prime_bits(1..=4),
            bits_p in prime_bits(1..=3),
            level_seed: usize,
            seed_q: [u8; 32],
            seed_p: [u8; 32],
        ) {
            let n = 1usize << log_n;
            let (qs, ps) = split_primes(n, &bits_q, &bits_p);
            let q_basis = RnsBasis::new(n, &qs).unwrap();
            let p_basis = RnsBasis::new(n, &ps).unwrap();
            let md = ModDown::new(&q_basis, &p_basis).unwrap();
            let l = 1 + level_seed % qs.len();
            let x_q = RnsPoly::from_seed(&q_basis, l, Representation::Coefficient, &seed_q).unwrap();
            let x_p = RnsPoly::from_seed(&p_basis, ps.len(), Representation::Coefficient, &seed_p).unwrap();
            // x over Q_l * P from both parts.
            let joint: Vec<u64> = qs[..l].iter().chain(&ps).copied().collect();
            let data: Vec<u64> = x_q.coeffs().iter().chain(x_p.coeffs()).copied().collect();
            let xs = crt(&data, &joint, n);
            let p_big = product(&ps);
            let expected: Vec<BigInt> = xs.iter().map(|x| round_div(x, &p_big)).collect();
            let expected = from_big(&q_basis, l, &expected);

            let got = md.mod_down(&x_q, &x_p).unwrap();
            prop_assert_eq!(&got, &expected);

            let mut slice = x_q.coeffs().to_vec();
            md.apply_coeff(&mut slice, x_p.coeffs()).unwrap();
            prop_assert_eq!(&slice[..], expected.coeffs());

            // NTT-form inputs (and a mixed pair): the result stays in x_q's form.
            let (mut q_ntt, mut p_ntt) = (x_q.clone(), x_p.clone());
            q_ntt.to_ntt();
            p_ntt.to_ntt();
            let mut got_ntt = md.mod_down(&q_ntt, &p_ntt).unwrap();
            prop_assert_eq!(got_ntt.representation(), Representation::Ntt);
            got_ntt.to_coeff();
            prop_assert_eq!(&got_ntt, &expected);
            prop_assert_eq!(&md.mod_down(&x_q, &p_ntt).unwrap(), &expected);
        }

        /// Rescale = round(x / q_last) exactly, for x read centered, in both forms.
        #[test]
        fn rescale_rounds(
            log_n in 4u32..=8,
            bits in prime_bits(2..=4),
            level_seed: usize,
            seed: [u8; 32],
        ) {
            let n = 1usize << log_n;
            let basis = basis_from_bits(n, &bits);
            let l = 2 + level_seed % (basis.len() - 1);
            let x = RnsPoly::from_seed(&basis, l, Representation::Coefficient, &seed).unwrap();
            let q = modulus_product(&x);
            let q_last = BigInt::from(basis.modulus(l - 1).value());
            // Centered reading: values above Q/2 are negative.
            let centered: Vec<BigInt> = to_big(&x)
                .into_iter()
                .map(|v| if &v * 2 > q { v - &q } else { v })
                .collect();
            prop_assert!(centered.iter().any(|v| v.is_negative()) || n < 32);
            let expected: Vec<BigInt> = centered.iter().map(|v| round_div(v, &q_last)).collect();
            let expected = from_big(&basis, l - 1, &expected);

            prop_assert_eq!(&x.divide_round_by_last().unwrap(), &expected);
            let mut y = x.clone();
            y.divide_round_by_last_assign().unwrap();
            prop_assert_eq!(&y, &expected);

            let mut x_ntt = x.clone();
            x_ntt.to_ntt();
            let mut y_ntt = x_ntt.divide_round_by_last().unwrap();
            prop_assert_eq!(y_ntt.representation(), Representation::Ntt);
            y_ntt.to_coeff();
            prop_assert_eq!(&y_ntt, &expected);
            x_ntt.divide_round_by_last_assign().unwrap();
            x_ntt.to_coeff();
            prop_assert_eq!(&x_ntt, &expected);
        }
    }

    /// Values at the edges: 0, +-1, around +-Q/2, around multiples of q_last / 2.
    #[test]
    fn rescale_edge_values() {
        let n = 16;
        let basis = basis_from_bits(n, &[61, 40, 30]);
        for l in 2..=3 {
            let moduli: Vec<u64> = basis.moduli()[..l].iter().map(|m| m.value()).collect();
            let q = product(&moduli);
            let ql = BigInt::from(moduli[l - 1]);
            let half_q: BigInt = &q / 2;
            let half_l: BigInt = &ql / 2;
            let values: Vec<BigInt> = vec![
                BigInt::zero(),
                BigInt::from(1),
                BigInt::from(-1),
                half_q.clone(),
                -half_q.clone(),
                &half_q - 1,
                -&half_q + 1,
                half_l.clone(),
                &half_l + 1,
                -half_l.clone(),
                -&half_l - 1,
                &ql * 5 + &half_l,
                &ql * -5 - &half_l,
                &ql * 3,
                &half_q - &half_l,
                -&half_q + &half_l + 1,
            ];
            let x = from_big(&basis, l, &values);
            let expected: Vec<BigInt> = values.iter().map(|v| round_div(v, &ql)).collect();
            let expected = from_big(&basis, l - 1, &expected);
            assert_eq!(x.divide_round_by_last().unwrap(), expected, "l = {l}");
            let mut x_ntt = x.clone();
            x_ntt.to_ntt();
            let mut y = x_ntt.divide_round_by_last().unwrap();
            y.to_coeff();
            assert_eq!(y, expected, "l = {l}, NTT form");
        }
    }

    /// Long bases of 61-bit primes exercise the grouped 128-bit accumulation.
    #[test]
    fn long_basis_conversion() {
        let n = 16;
        let bits = [61u32; 14];
        let (from, to) = split_primes(n, &bits[..12], &bits[12..]);
        let conv = BasisConverter::new(&moduli_of(&from), &moduli_of(&to)).unwrap();
        assert!(conv.chunk < 12);
        // The largest residues maximise every product.
        let input: Vec<u64> = from.iter().flat_map(|&q| vec![q - 1; n]).collect();
        let mut out = vec![0u64; 2 * n];
        conv.convert(&input, &mut out, n).unwrap();
        check_conversion(&input, &from, &to, &out, n).unwrap();
        let mut input = vec![0u64; 12 * n];
        crate::math::sampling::expand_seed_uniform(&[4; 32], &moduli_of(&from), n, &mut input)
            .unwrap();
        conv.convert(&input, &mut out, n).unwrap();
        check_conversion(&input, &from, &to, &out, n).unwrap();
        conv.convert_centered(&input, &mut out, n).unwrap();
        let q = product(&from);
        let centered: Vec<BigInt> = crt(&input, &from, n)
            .into_iter()
            .map(|x| if &x * 2 > q { x - &q } else { x })
            .collect();
        assert_eq!(out, residues(&centered, &to));
    }

    /// Large enough to take the parallel path across target limbs.
    #[test]
    fn large_conversion() {
        let n = 1 << 15;
        let (from, to) = split_primes(n, &[50, 50, 50, 50], &[60, 60]);
        let mf = moduli_of(&from);
        let conv = BasisConverter::new(&mf, &moduli_of(&to)).unwrap();
        let mut input = vec![0u64; from.len() * n];
        crate::math::sampling::expand_seed_uniform(&[8; 32], &mf, n, &mut input).unwrap();
        let mut out = vec![0u64; to.len() * n];
        assert!(out.len() * from.len() >= PAR_MIN_COEFFS);
        conv.convert(&input, &mut out, n).unwrap();
        check_conversion(&input, &from, &to, &out, n).unwrap();
    }

    #[test]
    fn errors() {
        let n = 16;
        let basis = basis_from_bits(n, &[40, 40]);
        let one = RnsPoly::zero(&basis, 1, Representation::Ntt).unwrap();
        assert!(matches!(
            one.divide_round_by_last(),
            Err(Error::NotEnoughLimbs {
                needed: 2,
                have: 1,
                ..
            })
        ));
        let mut one_mut = one.clone();
        assert!(matches!(
            one_mut.divide_round_by_last_assign(),
            Err(Error::NotEnoughLimbs {
                needed: 2,
                have: 1,
                ..
            })
        ));

        let (qs, ps) = split_primes(n, &[40, 40], &[50]);
        let (mq, mp) = (moduli_of(&qs), moduli_of(&ps));
        assert_eq!(
            BasisConverter::new(&[], &mp).unwrap_err(),
            Error::EmptyBasis
        );
        assert_eq!(
            BasisConverter::new(&mq, &[]).unwrap_err(),
            Error::EmptyBasis
        );
        assert!(matches!(
            BasisConverter::new(&[mq[0], mq[0]], &mp),
            Err(Error::DuplicateModulus {
                first: 0,
                second: 1,
                ..
            })
        ));
        let conv = BasisConverter::new(&mq, &mp).unwrap();
        assert_eq!(conv.from_moduli(), &mq[..]);
        assert_eq!(conv.to_moduli(), &mp[..]);
        let mut out = vec![0u64; n];
        assert!(matches!(
            conv.convert(&[0; 16], &mut out, n),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            conv.convert(&[0; 32], &mut [0u64; 32], n),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            conv.convert(&[0; 32], &mut [], n),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            conv.convert(&[], &mut [], 0),
            Err(Error::ShapeMismatch { .. })
        ));

        let q_basis = RnsBasis::new(n, &qs).unwrap();
        let p_basis = RnsBasis::new(n, &ps).unwrap();
        let md = ModDown::new(&q_basis, &p_basis).unwrap();
        assert!(Arc::ptr_eq(md.q_basis(), &q_basis));
        assert!(Arc::ptr_eq(md.p_basis(), &p_basis));
        assert_eq!(md.converter().to_moduli(), q_basis.moduli());
        let x_q = RnsPoly::zero(&q_basis, 2, Representation::Ntt).unwrap();
        let x_p = RnsPoly::zero(&p_basis, 1, Representation::Ntt).unwrap();
        // Swapped parts: the bases do not match.
        assert!(matches!(
            md.mod_down(&x_p, &x_q),
            Err(Error::BasisMismatch { .. })
        ));
        assert!(matches!(
            md.mod_down(&x_q, &x_q),
            Err(Error::BasisMismatch { .. })
        ));
        assert!(matches!(
            md.apply_coeff(&mut [0u64; 48], &[0u64; 16]),
            Err(Error::InvalidLimbCount { limbs: 3, max: 2 })
        ));
        assert!(matches!(
            md.apply_coeff(&mut [0u64; 32], &[0u64; 32]),
            Err(Error::ShapeMismatch { .. })
        ));
        // Shared primes and different degrees.
        assert!(matches!(
            ModDown::new(&q_basis, &RnsBasis::new(n, &[qs[1]]).unwrap()),
            Err(Error::DuplicateModulus {
                first: 1,
                second: 2,
                ..
            })
        ));
        let p32 = RnsBasis::new(32, &prime_chain(&[50], 32).unwrap()).unwrap();
        assert!(matches!(
            ModDown::new(&q_basis, &p32),
            Err(Error::ShapeMismatch { .. })
        ));
    }
}
