//! Activations that CKKS can evaluate: polynomials.
//!
//! - [`Polynomial`]: a polynomial in power basis, evaluated by Horner's rule.
//! - [`PolySigmoid`]: the least-squares polynomial approximation of the logistic sigmoid on an
//!   interval `[lo, hi]`, fitted in the normalized variable `u = (x - center) / half_width`
//!   (in `[-1, 1]` on the interval) so that its coefficients stay of order one at any degree.
//! - [`Activation`]: the hidden activations of [`Network`](crate::plain::Network): `x^2`, a
//!   polynomial sigmoid, and the affine `0.5 x + 0.5`.
//!
//! ```
//! use ckks_ml::activation::PolySigmoid;
//! let s = PolySigmoid::fit(-8.0, 8.0, 3)?;
//! // Least squares on Chebyshev nodes of [-8, 8]: 0.5 + 0.14048 x - 0.0013146 x^3, max error
//! // 0.113 (the uniform least-squares fit, 0.5 + 0.15012 x - 0.001593 x^3, reaches 0.114).
//! let c = s.power_coefficients_in_x();
//! assert!((c[0] - 0.5).abs() < 1e-12 && (c[1] - 0.14048).abs() < 1e-5 && (c[3] + 0.0013146).abs() < 1e-7);
//! assert!(s.max_error(1000) < 0.114);
//! # Ok::<(), ckks_ml::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The logistic sigmoid `1 / (1 + e^-x)`, computed without overflow.
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// A polynomial `c_0 + c_1 x + ... + c_d x^d`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Polynomial {
    /// Coefficients, constant term first.
    pub coeffs: Vec<f64>,
}

impl Polynomial {
    /// The polynomial with these coefficients (constant term first).
    pub fn new(coeffs: Vec<f64>) -> Self {
        Self { coeffs }
    }

    /// The degree (0 for the empty and the constant polynomial), ignoring zero leading terms.
    pub fn degree(&self) -> usize {
        self.coeffs.iter().rposition(|&c| c != 0.0).unwrap_or(0)
    }

    /// `p(x)` by Horner's rule.
    pub fn eval(&self, x: f64) -> f64 {
        self.coeffs.iter().rev().fold(0.0, |acc, &c| acc * x + c)
    }

    /// `p'(x)`.
    pub fn derivative(&self, x: f64) -> f64 {
        self.coeffs
            .iter()
            .enumerate()
            .skip(1)
            .rev()
            .fold(0.0, |acc, (k, &c)| acc * x + k as f64 * c)
    }
}

/// A least-squares polynomial approximation of the sigmoid on `[lo, hi]`.
///
/// `poly` is a polynomial in `u = (x - center) / half_width`, with `center = (lo + hi) / 2`
/// and `half_width = (hi - lo) / 2`. It is fitted by least squares on `nodes` Chebyshev nodes of
/// the interval: on those nodes the Chebyshev polynomials are discretely orthogonal, so the
/// least-squares coefficients in Chebyshev basis are exact sums, and the power basis follows by
/// the three-term recurrence (well conditioned in `u`, which stays in `[-1, 1]`).
///
/// On a symmetric interval (`center = 0`) the fit is `1/2` plus an odd polynomial: it crosses
/// `1/2` exactly at 0, so where it is monotone its decisions are the exact sigmoid's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolySigmoid {
    /// The polynomial in the normalized variable `u`.
    pub poly: Polynomial,
    /// The midpoint of the fitting interval.
    pub center: f64,
    /// Half the length of the fitting interval.
    pub half_width: f64,
}

/// The number of Chebyshev nodes [`PolySigmoid::fit`] uses.
pub const FIT_NODES: usize = 256;

impl PolySigmoid {
    /// Fits a degree-`degree` polynomial to the sigmoid on `[lo, hi]` (least squares on
    /// [`FIT_NODES`] Chebyshev nodes).
    pub fn fit(lo: f64, hi: f64, degree: usize) -> Result<Self> {
        if !(lo.is_finite() && hi.is_finite() && hi > lo) {
            return Err(Error::InvalidArgument {
                name: "interval",
                value: format!("[{lo}, {hi}]"),
                expected: "a finite interval with lo < hi",
            });
        }
        if degree == 0 || degree >= FIT_NODES / 4 {
            return Err(Error::InvalidArgument {
                name: "degree",
                value: degree.to_string(),
                expected: "between 1 and 63",
            });
        }
        let center = 0.5 * (lo + hi);
        let half_width = 0.5 * (hi - lo);
        let cheb = chebyshev_fit(|u| sigmoid(center + half_width * u), degree, FIT_NODES);
        let mut coeffs = chebyshev_to_power(&cheb);
        if center == 0.0 {
            // Symmetry makes the even terms (but the constant 1/2) vanish; remove rounding.
            coeffs[0] = 0.5;
            for c in coeffs.iter_mut().skip(2).step_by(2) {
                *c = 0.0;
            }
        }
        Ok(Self {
            poly: Polynomial::new(coeffs),
            center,
            half_width,
        })
    }

    /// The normalized variable `u = (x - center) / half_width`.
    pub fn normalize(&self, x: f64) -> f64 {
        (x - self.center) / self.half_width
    }

    /// The approximation at `x`.
    pub fn eval(&self, x: f64) -> f64 {
        self.poly.eval(self.normalize(x))
    }

    /// Its derivative at `x`.
    pub fn derivative(&self, x: f64) -> f64 {
        self.poly.derivative(self.normalize(x)) / self.half_width
    }

    /// The interval it was fitted on.
    pub fn interval(&self) -> (f64, f64) {
        (self.center - self.half_width, self.center + self.half_width)
    }

    /// The degree.
    pub fn degree(&self) -> usize {
        self.poly.degree()
    }

    /// The same polynomial in power basis of `x` itself (for display and comparison with
    /// published approximations; evaluation should use [`eval`](Self::eval)).
    pub fn power_coefficients_in_x(&self) -> Vec<f64> {
        // p((x - c) / h): expand each (x - c)^k / h^k by the binomial theorem.
        let d = self.poly.coeffs.len();
        let mut out = vec![0.0; d];
        for (k, &ck) in self.poly.coeffs.iter().enumerate() {
            let scale = ck / self.half_width.powi(k as i32);
            let mut binom = 1.0;
            for (j, o) in out.iter_mut().enumerate().take(k + 1) {
                // Term C(k, j) x^j (-c)^(k-j).
                *o += scale * binom * (-self.center).powi((k - j) as i32);
                binom = binom * (k - j) as f64 / (j + 1) as f64;
            }
        }
        out
    }

    /// The largest `|approximation - sigmoid|` over `samples + 1` evenly spaced points of the
    /// interval.
    pub fn max_error(&self, samples: usize) -> f64 {
        let (lo, hi) = self.interval();
        let samples = samples.max(1);
        (0..=samples)
            .map(|i| {
                let x = lo + (hi - lo) * i as f64 / samples as f64;
                (self.eval(x) - sigmoid(x)).abs()
            })
            .fold(0.0, f64::max)
    }

    /// Checks that the fit is usable: finite coefficients, positive width.
    pub fn validate(&self) -> Result<()> {
        if self.poly.coeffs.is_empty()
            || self.poly.coeffs.iter().any(|c| !c.is_finite())
            || !(self.half_width.is_finite() && self.half_width > 0.0 && self.center.is_finite())
        {
            return Err(Error::InvalidModel(
                "polynomial sigmoid: coefficients must be finite and the interval non-empty".into(),
            ));
        }
        Ok(())
    }
}

/// Least-squares Chebyshev coefficients of `f` on `[-1, 1]` up to `degree`, from `m` Chebyshev
/// nodes `u_j = cos(pi (j + 1/2) / m)`.
fn chebyshev_fit(f: impl Fn(f64) -> f64, degree: usize, m: usize) -> Vec<f64> {
    let values: Vec<(f64, f64)> = (0..m)
        .map(|j| {
            let theta = std::f64::consts::PI * (j as f64 + 0.5) / m as f64;
            (theta, f(theta.cos()))
        })
        .collect();
    (0..=degree)
        .map(|k| {
            let s: f64 = values
                .iter()
                .map(|&(theta, v)| v * (k as f64 * theta).cos())
                .sum();
            s * if k == 0 { 1.0 } else { 2.0 } / m as f64
        })
        .collect()
}

/// Power-basis coefficients of `sum_k a_k T_k(u)`.
fn chebyshev_to_power(a: &[f64]) -> Vec<f64> {
    let d = a.len();
    let mut out = vec![0.0; d];
    // T_0 = 1, T_1 = u, T_{k+1} = 2u T_k - T_{k-1}, as power-basis vectors.
    let mut prev = vec![0.0; d];
    let mut cur = vec![0.0; d];
    if d > 0 {
        prev[0] = 1.0;
    }
    if d > 1 {
        cur[1] = 1.0;
    }
    for (k, &ak) in a.iter().enumerate() {
        let t = if k == 0 { &prev } else { &cur };
        for (o, &c) in out.iter_mut().zip(t) {
            *o += ak * c;
        }
        if k >= 1 && k + 1 < d {
            let mut next = vec![0.0; d];
            for i in 0..d - 1 {
                next[i + 1] += 2.0 * cur[i];
            }
            for (n, &p) in next.iter_mut().zip(&prev) {
                *n -= p;
            }
            prev = std::mem::replace(&mut cur, next);
        }
    }
    out
}

/// A hidden-layer activation of [`Network`](crate::plain::Network).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Activation {
    /// `x^2`: one multiplication, the cheapest non-linearity under CKKS (CryptoNets).
    Square,
    /// A polynomial approximation of the sigmoid.
    PolySigmoid(PolySigmoid),
    /// `0.5 x + 0.5`, the "sigmoid" of the seed heart-disease system. It is affine: it keeps the
    /// sign of the pre-activation but not the sigmoid's values, and as a hidden activation it
    /// makes the whole network an affine function of its input, so a one-hidden-layer network
    /// with it is exactly a linear model (no more expressive than logistic regression).
    HalfLinear,
}

impl Activation {
    /// The degree-3 least-squares sigmoid on `[-8, 8]` (`0.5 + 0.14048 x - 0.0013146 x^3`).
    pub fn default_poly_sigmoid() -> Result<Self> {
        Ok(Activation::PolySigmoid(PolySigmoid::fit(-8.0, 8.0, 3)?))
    }

    /// The activation at `x`.
    pub fn eval(&self, x: f64) -> f64 {
        match self {
            Activation::Square => x * x,
            Activation::PolySigmoid(p) => p.eval(x),
            Activation::HalfLinear => 0.5 * x + 0.5,
        }
    }

    /// Its derivative at `x`.
    pub fn derivative(&self, x: f64) -> f64 {
        match self {
            Activation::Square => 2.0 * x,
            Activation::PolySigmoid(p) => p.derivative(x),
            Activation::HalfLinear => 0.5,
        }
    }

    /// The number of multiplicative levels its encrypted evaluation takes.
    pub fn depth(&self) -> usize {
        match self {
            Activation::Square | Activation::HalfLinear => 1,
            Activation::PolySigmoid(p) => crate::infer::poly::depth_for_degree(p.degree()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_fits_on_minus_eight_eight() {
        // Chebyshev-node least squares weights the ends more than uniform least squares
        // (published: degree 5 max error 0.047, degree 7 0.032), so it is nearer minimax at
        // higher degrees.
        let s5 = PolySigmoid::fit(-8.0, 8.0, 5).unwrap();
        let c = s5.power_coefficients_in_x();
        assert!((c[1] - 0.184774).abs() < 1e-6, "{c:?}");
        assert!((c[3] + 0.00408286).abs() < 1e-8, "{c:?}");
        assert!(s5.max_error(2000) < 0.055);
        let s7 = PolySigmoid::fit(-8.0, 8.0, 7).unwrap();
        assert!(s7.max_error(2000) < 0.027);
        assert_eq!(s7.degree(), 7);
    }

    #[test]
    fn asymmetric_interval_and_derivative() {
        let s = PolySigmoid::fit(-3.0, 5.0, 3).unwrap();
        assert_eq!(s.interval(), (-3.0, 5.0));
        assert!(s.max_error(1000) < 0.047);
        let c = s.power_coefficients_in_x();
        let direct = Polynomial::new(c);
        for x in [-3.0, -1.0, 0.5, 4.0] {
            assert!((direct.eval(x) - s.eval(x)).abs() < 1e-12);
            let h = 1e-6;
            let num = (s.eval(x + h) - s.eval(x - h)) / (2.0 * h);
            assert!((num - s.derivative(x)).abs() < 1e-7);
        }
        assert!(PolySigmoid::fit(1.0, 1.0, 3).is_err());
        assert!(PolySigmoid::fit(-1.0, 1.0, 0).is_err());
    }

    #[test]
    fn sigmoid_is_stable() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert!(sigmoid(-1000.0) >= 0.0 && sigmoid(1000.0) <= 1.0);
        assert!((sigmoid(2.0) + sigmoid(-2.0) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn activations() {
        assert_eq!(Activation::Square.eval(-3.0), 9.0);
        assert_eq!(Activation::HalfLinear.eval(1.0), 1.0);
        assert_eq!(Activation::HalfLinear.derivative(7.0), 0.5);
        let p = Activation::default_poly_sigmoid().unwrap();
        assert!((p.eval(0.0) - 0.5).abs() < 1e-15);
        assert_eq!(p.depth(), 2);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Activation>(&json).unwrap(), p);
    }
}
