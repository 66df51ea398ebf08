//! [`NoiseBound`]: a worst-case bound on the error of a ciphertext, carried by every
//! [`Ciphertext`](crate::Ciphertext) and updated by every evaluator operation.
//!
//! # What is bounded
//!
//! A ciphertext at scale `Delta` that is meant to hold the slot values `z` decrypts to a
//! polynomial `p` with `sigma(p) = Delta z + E`, where `sigma` is the canonical embedding
//! (the `N` evaluations of `p` at the primitive `2N`-th roots of unity: the `N/2` slots and
//! their conjugates). `z` is the exact result of the circuit on the encoded inputs, computed
//! in exact arithmetic. A bound holds four numbers, all absolute (at the ciphertext's scale,
//! not divided by it) and stored as base-2 logarithms:
//!
//! - the **error** `||E||_inf` in the canonical embedding (what decoding sees: every slot is
//!   off by at most `2^log2_error / Delta`);
//! - the error's coefficient `l2` norm `||e||_2 = ||E||_2 / sqrt(N)` and coefficient
//!   infinity norm `||e||_inf` (what the flooding of
//!   [`Decryptor::decrypt_for_release`](crate::Decryptor::decrypt_for_release) is sized from);
//! - the **message** `||Delta z||_inf`, needed because a product's error contains
//!   `m_1 e_2 + m_2 e_1`.
//!
//! Between the norms, `||e||_inf <= ||e||_2 <= ||E||_inf <= sqrt(N) ||e||_2` and
//! `||E||_inf <= N ||e||_inf`; the canonical norms are sub-multiplicative
//! (`sigma(ab) = sigma(a) sigma(b)` slot by slot), so `||ab||_can <= ||a||_can ||b||_can` and
//! `||ab||_2 <= ||a||_can ||b||_2`. Every bound below is the best of these relations after
//! each operation.
//!
//! # Where the terms come from (worst case, not a heuristic)
//!
//! With `B = floor(6 sigma)` (the Gaussian sampler cuts there, so `|e_i| <= B` always), a
//! ternary secret (`||s||_1 <= N`, so `||r s^k||_inf <= ||r||_inf N^k`), and rounding errors
//! of at most 1/2 per coefficient:
//!
//! | operation | error added |
//! |---|---|
//! | encoding | coefficient rounding: `1/2` per coefficient, plus the floating-point FFT's error, below `2^-45 ||Delta z||` in `l2` norm |
//! | secret-key encryption | `e`: `B` per coefficient |
//! | public-key encryption | `(v e + e_0 + e_1 s) / P + r_0 + r_1 s`: `(2 N B + B) / P + (1 + N) / 2` per coefficient |
//! | add, sub | the sum of the bounds (plus `|1 - Delta_b / Delta_a| ||m_b||` when the scales differ within the tolerance) |
//! | constant `c` at scale `Delta_c` (`k = round(c Delta_c)`) | `|k| E + |k - c Delta_c| ||m||` |
//! | plaintext or ciphertext product | `||m_1|| E_2 + ||m_2|| E_1 + E_1 E_2` |
//! | rescale by `q` | `E / q` plus `r_0 + r_1 s (+ r_2 s^2)`: `(1 + N + N^2) / 2` per coefficient |
//! | key switching (relinearization, rotation) | `sum_j d_j e_j / P + r_0 + r_1 s` with centered digits `|d_j| <= D_j / 2`: `N B sum_j D_j / (2P) + (1 + N) / 2` per coefficient |
//! | rotation, conjugation | none beyond the key switch: automorphisms permute the slots and the coefficients (up to sign), so every norm is preserved |
//!
//! A per-coefficient bound `c` of an added term counts as `sqrt(N) c` in the `l2` norm and
//! `N c` in the canonical norm. Hoisted rotations, slot sums, linear transforms and polynomial
//! evaluation are compositions of these steps and are tracked step by step.
//!
//! The bound is valid while the decryption does not wrap around modulo `Q_level`, that is
//! while `||m|| + ||E|| < Q_level / 2` ([`NoiseBound::fits`]).
//!
//! # Bounds of received ciphertexts
//!
//! A ciphertext loaded from bytes has no bound (`None`): the format does not carry one, and a
//! bound stated by whoever sent the bytes is only as trustworthy as the sender. A client that
//! receives a result from a server can
//!
//! - accept the server's bound as metadata (it serializes with serde, e.g. JSON beside the
//!   ciphertext) and attach it with [`Ciphertext::set_noise_bound`](crate::Ciphertext::set_noise_bound).
//!   This is sound under the honest-but-curious model of `SECURITY.md` (the server runs the
//!   agreed computation, so its evaluator's bound is the true bound); a malicious server could
//!   understate it and weaken the flooding of a release;
//! - or recompute it: run the same circuit with its own [`Evaluator`](crate::Evaluator) on
//!   encryptions of inputs of the same magnitudes (the bound depends on the operations, the
//!   parameters and the message bounds only, never on the ciphertexts' contents) and attach
//!   the bound of that result.

use serde::{Deserialize, Serialize};

use crate::context::Context;

/// Relative margin applied to every bound after each operation, for the floating-point
/// rounding of the bound arithmetic itself (and of the centered base conversions, exact up to
/// `2^-60` relative).
const MARGIN_LOG2: f64 = 1e-9;

/// A worst-case bound on the error of a ciphertext (see the [module documentation](self)).
///
/// All fields are base-2 logarithms of absolute quantities at the ciphertext's scale;
/// `f64::NEG_INFINITY` stands for zero.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoiseBound {
    log2_error: f64,
    log2_error_l2: f64,
    log2_error_coeff: f64,
    log2_message: f64,
}

/// `log2(2^a + 2^b)`.
fn log_add(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
    if lo == f64::NEG_INFINITY {
        return hi;
    }
    hi + (1.0 + (lo - hi).exp2()).log2()
}

impl NoiseBound {
    /// A bound from its four logarithms (for a bound received as metadata): canonical-norm
    /// error, coefficient `l2` error, coefficient infinity-norm error, message. Returns `None`
    /// unless every value is a number (`-inf` meaning zero is allowed, `+inf` and NaN are not).
    pub fn from_log2(error: f64, error_l2: f64, error_coeff: f64, message: f64) -> Option<Self> {
        let ok = |x: f64| !x.is_nan() && x != f64::INFINITY;
        if [error, error_l2, error_coeff, message].into_iter().all(ok) {
            Some(Self {
                log2_error: error,
                log2_error_l2: error_l2,
                log2_error_coeff: error_coeff,
                log2_message: message,
            })
        } else {
            None
        }
    }

    /// `log2` of the bound on the error in the canonical embedding (the slot domain): every
    /// decoded slot is within `2^log2_error() / scale` of the exact value.
    pub fn log2_error(&self) -> f64 {
        self.log2_error
    }

    /// `log2` of the bound on the `l2` norm of the error's coefficients.
    pub fn log2_error_l2(&self) -> f64 {
        self.log2_error_l2
    }

    /// `log2` of the bound on the largest coefficient of the error.
    pub fn log2_error_coeff(&self) -> f64 {
        self.log2_error_coeff
    }

    /// `log2` of the bound on the message `||Delta z||_inf` (the scale times the largest
    /// exact slot magnitude).
    pub fn log2_message(&self) -> f64 {
        self.log2_message
    }

    /// The guaranteed precision in bits of every slot at `scale`:
    /// `log2(scale) - log2_error()`.
    pub fn precision_bits(&self, scale: f64) -> f64 {
        scale.log2() - self.log2_error
    }

    /// Whether the decryption cannot wrap around modulo a modulus of `log2_modulus` bits
    /// (`||m|| + ||E|| < Q / 2`): the bound is valid only then.
    pub fn fits(&self, log2_modulus: f64) -> bool {
        log_add(self.log2_message, self.log2_error) < log2_modulus - 1.0
    }

    /// An exact message of magnitude `2^log2_message`.
    pub(crate) fn exact(log2_message: f64) -> Self {
        Self {
            log2_error: f64::NEG_INFINITY,
            log2_error_l2: f64::NEG_INFINITY,
            log2_error_coeff: f64::NEG_INFINITY,
            log2_message,
        }
    }

    /// A fresh encoding of values of largest magnitude `max_abs` at `scale` in a ring of
    /// degree `n`: coefficient rounding, plus the floating-point error of the FFT.
    ///
    /// The FFT's error: the coefficient vector `c` has `||c||_2 <= ||Delta z||_inf`, and a
    /// radix-2 FFT of `log2(N) <= 17` stages in f64 computes it to within `l2` relative error
    /// `log2(N) eta / (1 - log2(N) eta)` with `eta <= 6 * 2^-53` (Higham, *Accuracy and
    /// Stability of Numerical Algorithms*, Theorem 24.2, twiddles correct to `2^-53`):
    /// below `2^-45 ||Delta z||_inf` in `l2` norm.
    pub(crate) fn encoding(n: usize, max_abs: f64, scale: f64) -> Self {
        let log2_message = (max_abs * scale).log2();
        let fft = log2_message - 45.0;
        let log_n = (n as f64).log2();
        let mut b = Self::exact(log2_message).add_per_coeff(n, -1.0);
        b.log2_error = log_add(b.log2_error, fft + 0.5 * log_n);
        b.log2_error_l2 = log_add(b.log2_error_l2, fft);
        b.log2_error_coeff = log_add(b.log2_error_coeff, fft);
        b.tightened(n)
    }

    /// A constant polynomial `round(value * scale)`: rounding by at most 1/2 (a constant has
    /// every norm equal to its absolute value).
    pub(crate) fn constant(value: f64, scale: f64) -> Self {
        let mut b = Self::exact((value * scale).abs().log2());
        b.log2_error = -1.0;
        b.log2_error_l2 = -1.0;
        b.log2_error_coeff = -1.0;
        b
    }

    /// Adds an error term with every coefficient at most `2^log2_c` in magnitude.
    pub(crate) fn add_per_coeff(self, n: usize, log2_c: f64) -> Self {
        let log_n = (n as f64).log2();
        Self {
            log2_error: log_add(self.log2_error, log2_c + log_n),
            log2_error_l2: log_add(self.log2_error_l2, log2_c + 0.5 * log_n),
            log2_error_coeff: log_add(self.log2_error_coeff, log2_c),
            log2_message: self.log2_message,
        }
        .tightened(n)
    }

    /// Adds an error term bounded (in every norm) by `2^log2_t`, such as a multiple of the
    /// message (`||m||_coeff <= ||m||_2 <= ||m||_can`).
    fn add_uniform(self, log2_t: f64) -> Self {
        Self {
            log2_error: log_add(self.log2_error, log2_t),
            log2_error_l2: log_add(self.log2_error_l2, log2_t),
            log2_error_coeff: log_add(self.log2_error_coeff, log2_t),
            log2_message: self.log2_message,
        }
    }

    /// The bound of a sum (or difference) of two ciphertexts: `other` taken at a scale off by
    /// the relative amount `relative` from the result's.
    pub(crate) fn add(self, other: &Self, relative: f64, n: usize) -> Self {
        let mut b = Self {
            log2_error: log_add(self.log2_error, other.log2_error),
            log2_error_l2: log_add(self.log2_error_l2, other.log2_error_l2),
            log2_error_coeff: log_add(self.log2_error_coeff, other.log2_error_coeff),
            log2_message: log_add(self.log2_message, other.log2_message),
        };
        if relative != 0.0 {
            b = b.add_uniform(relative.abs().log2() + other.log2_message);
        }
        b.tightened(n)
    }

    /// The bound of the product of two ciphertexts (or a ciphertext and a plaintext).
    pub(crate) fn mul(&self, other: &Self, n: usize) -> Self {
        let (m1, m2) = (self.log2_message, other.log2_message);
        let (c1, c2) = (self.log2_error, other.log2_error);
        let (l1, l2) = (self.log2_error_l2, other.log2_error_l2);
        let can = log_add(log_add(m1 + c2, m2 + c1), c1 + c2);
        let l2n = log_add(log_add(m1 + l2, m2 + l1), (c1 + l2).min(l1 + c2));
        Self {
            log2_error: can,
            log2_error_l2: l2n,
            log2_error_coeff: l2n,
            log2_message: m1 + m2,
        }
        .tightened(n)
    }

    /// The bound after multiplying by the integer `rounded` standing for the real `exact`
    /// (the intended factor): `|k| E + |k - exact| ||m||`, message `|exact| ||m||`.
    pub(crate) fn mul_constant(&self, exact: f64, rounded: f64, n: usize) -> Self {
        let lk = rounded.abs().log2();
        let b = Self {
            log2_error: self.log2_error + lk,
            log2_error_l2: self.log2_error_l2 + lk,
            log2_error_coeff: self.log2_error_coeff + lk,
            log2_message: self.log2_message + exact.abs().log2(),
        };
        let gap = (rounded - exact).abs();
        if gap > 0.0 {
            b.add_uniform(gap.log2() + self.log2_message).tightened(n)
        } else {
            b.tightened(n)
        }
    }

    /// The bound after relabelling the scale from `old` to `new` while meaning the same
    /// values: `|1 - new / old| ||m||` is added, and the message scales by `new / old`.
    pub(crate) fn rescaled_label(&self, old: f64, new: f64, n: usize) -> Self {
        let ratio = new / old;
        let mut b = *self;
        b.log2_message += ratio.log2();
        let gap = (1.0 - ratio).abs();
        if gap > 0.0 {
            b = b.add_uniform(gap.log2() + self.log2_message);
        }
        b.tightened(n)
    }

    /// The bound after dividing by `q` with rounding, for a ciphertext of `degree`.
    pub(crate) fn rescaled(&self, log2_q: f64, degree: usize, n: usize) -> Self {
        let b = Self {
            log2_error: self.log2_error - log2_q,
            log2_error_l2: self.log2_error_l2 - log2_q,
            log2_error_coeff: self.log2_error_coeff - log2_q,
            log2_message: self.log2_message - log2_q,
        };
        b.add_per_coeff(n, rounding_term(n, degree))
    }

    /// Applies the relations between the norms, and the safety margin.
    fn tightened(mut self, n: usize) -> Self {
        let log_n = (n as f64).log2();
        self.log2_error_coeff = self.log2_error_coeff.min(self.log2_error_l2);
        self.log2_error_l2 = self
            .log2_error_l2
            .min(self.log2_error)
            .min(self.log2_error_coeff + 0.5 * log_n);
        self.log2_error = self
            .log2_error
            .min(self.log2_error_l2 + 0.5 * log_n)
            .min(self.log2_error_coeff + log_n);
        self.log2_error += MARGIN_LOG2;
        self.log2_error_l2 += MARGIN_LOG2;
        self.log2_error_coeff += MARGIN_LOG2;
        self.log2_message += MARGIN_LOG2;
        self
    }
}

/// `log2` of the per-coefficient bound of `r_0 + r_1 s + ... + r_d s^d` with `|r_i| <= 1/2`:
/// `(1 + N + ... + N^d) / 2`.
fn rounding_term(n: usize, degree: usize) -> f64 {
    let log_n = (n as f64).log2();
    (0..=degree).fold(f64::NEG_INFINITY, |acc, k| {
        log_add(acc, k as f64 * log_n - 1.0)
    })
}

/// `log2` of the per-coefficient error a key switch at `level` adds:
/// `N B sum_j D_j / (2P) + (1 + N) / 2`.
pub(crate) fn key_switch_term(ctx: &Context, level: usize) -> f64 {
    let n = ctx.n();
    let log_n = (n as f64).log2();
    let alpha = ctx.params().digit_size().max(1);
    let log_b = f64::from(ctx.gaussian().bound()).log2();
    let log_p: f64 = ctx
        .p_basis()
        .moduli()
        .iter()
        .map(|p| (p.value() as f64).log2())
        .sum();
    let q = ctx.q_basis().moduli();
    let digits = (0..=level)
        .step_by(alpha)
        .fold(f64::NEG_INFINITY, |acc, lo| {
            let hi = (lo + alpha).min(level + 1);
            let log_d: f64 = q[lo..hi].iter().map(|m| (m.value() as f64).log2()).sum();
            log_add(acc, log_d)
        });
    log_add(log_n + log_b + digits - 1.0 - log_p, rounding_term(n, 1))
}

/// `log2` of the per-coefficient error of a public-key encryption (before the message):
/// `(2 N B + B) / P + (1 + N) / 2`.
pub(crate) fn public_key_term(ctx: &Context) -> f64 {
    let n = ctx.n() as f64;
    let b = f64::from(ctx.gaussian().bound());
    let log_p: f64 = ctx
        .p_basis()
        .moduli()
        .iter()
        .map(|p| (p.value() as f64).log2())
        .sum();
    log_add((2.0 * n * b + b).log2() - log_p, rounding_term(ctx.n(), 1))
}

/// `log2` of the per-coefficient error of a secret-key encryption: `B`.
pub(crate) fn secret_key_term(ctx: &Context) -> f64 {
    f64::from(ctx.gaussian().bound()).log2()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_add_is_exact_enough() {
        assert_eq!(log_add(3.0, 3.0), 4.0);
        assert_eq!(log_add(5.0, f64::NEG_INFINITY), 5.0);
        assert!((log_add(10.0, 0.0) - 1025f64.log2()).abs() < 1e-12);
    }

    #[test]
    fn norms_stay_consistent() {
        let n = 1 << 12;
        let b = NoiseBound::encoding(n, 3.0, 2f64.powi(30)).add_per_coeff(n, 4.0);
        assert!(b.log2_error_coeff <= b.log2_error_l2 && b.log2_error_l2 <= b.log2_error);
        let p = b.mul(&b, n);
        assert!((p.log2_message - 2.0 * b.log2_message).abs() < 1e-6);
        assert!(p.log2_error > b.log2_error);
        let r = p.rescaled(30.0, 1, n);
        assert!(r.log2_error < p.log2_error);
        assert!(NoiseBound::from_log2(1.0, f64::NAN, 0.0, 0.0).is_none());
        assert!(NoiseBound::from_log2(1.0, 0.0, f64::NEG_INFINITY, 3.0).is_some());
    }
}
