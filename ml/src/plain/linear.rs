//! Ridge linear regression by the normal equations.

use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::{Model, check_finite, check_input, check_standardizer, linalg, wrong_kind};
use crate::data::Standardizer;
use crate::error::{Error, Result};

/// Options of [`LinearRegression::fit`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinearOptions {
    /// The ridge penalty `l2 / 2 * |w|^2` added to the mean squared error / 2 (on standardized
    /// features; the intercept is not penalized). 0 is ordinary least squares.
    pub l2: f64,
}

impl Default for LinearOptions {
    fn default() -> Self {
        Self { l2: 1e-3 }
    }
}

/// `y = w . standardize(x) + b`, fitted by ridge regression.
///
/// Minimizes `|y - X w - b|^2 / (2n) + l2 |w|^2 / 2` on standardized features: the intercept is
/// the training mean of `y`, and `w` solves `(X^T X / n + l2 I) w = X^T (y - mean) / n`
/// (Cholesky).
///
/// ```
/// use ckks_ml::plain::{LinearOptions, LinearRegression};
/// use ndarray::array;
/// let x = array![[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 1.0]];
/// let y = array![2.0, 3.0, 7.0, 8.0];                  // 2 x_0 + x_1 + 1
/// let m = LinearRegression::fit(x.view(), y.view(), &LinearOptions { l2: 0.0 })?;
/// let (w, b) = m.folded();                               // weights on raw features
/// assert!((w[0] - 2.0).abs() < 1e-9 && (w[1] - 1.0).abs() < 1e-9 && (b - 1.0).abs() < 1e-9);
/// assert!((m.predict(x.view())?[2] - 7.0).abs() < 1e-9);
/// # Ok::<(), ckks_ml::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinearRegression {
    /// Input normalization (fitted on the training rows).
    pub standardizer: Standardizer,
    /// One weight per standardized feature.
    pub weights: Vec<f64>,
    /// The intercept.
    pub bias: f64,
}

impl LinearRegression {
    /// Fits on raw training features `x` and targets `y`.
    pub fn fit(
        x: ArrayView2<'_, f64>,
        y: ndarray::ArrayView1<'_, f64>,
        opts: &LinearOptions,
    ) -> Result<Self> {
        check_input(x, x.ncols(), Some(y.len()))?;
        if !(opts.l2.is_finite() && opts.l2 >= 0.0) {
            return Err(Error::InvalidArgument {
                name: "l2",
                value: opts.l2.to_string(),
                expected: "finite and non-negative",
            });
        }
        let standardizer = Standardizer::fit(x)?;
        let xs = standardizer.transform(x)?;
        let n = x.nrows() as f64;
        let y_mean = y.mean().unwrap_or(0.0);
        let yc: Array1<f64> = y.mapv(|v| v - y_mean);
        let mut gram: Array2<f64> = xs.t().dot(&xs) / n;
        for i in 0..gram.nrows() {
            gram[[i, i]] += opts.l2;
        }
        let rhs = xs.t().dot(&yc) / n;
        let w = linalg::solve_spd(&gram, &rhs)?;
        Ok(Self {
            standardizer,
            weights: w.to_vec(),
            bias: y_mean,
        })
    }

    /// Predictions for raw features.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>> {
        check_input(x, self.weights.len(), None)?;
        let xs = self.standardizer.transform(x)?;
        Ok((xs.dot(&Array1::from(self.weights.clone())) + self.bias).to_vec())
    }

    /// The same affine map on raw features: `(w', b')` with `w' . x + b' = predict(x)`.
    pub fn folded(&self) -> (Vec<f64>, f64) {
        fold(&self.standardizer, &self.weights, self.bias)
    }

    /// Checks shapes and finiteness.
    pub fn validate(&self) -> Result<()> {
        check_standardizer(&self.standardizer, self.weights.len())?;
        check_finite("linear regression weights", &self.weights)?;
        check_finite("linear regression bias", &[self.bias])
    }

    /// JSON with the normalization statistics.
    pub fn to_json(&self) -> Result<String> {
        Model::LinearRegression(self.clone()).to_json()
    }

    /// Reads a model written by [`to_json`](Self::to_json).
    pub fn from_json(text: &str) -> Result<Self> {
        match Model::from_json(text)? {
            Model::LinearRegression(m) => Ok(m),
            other => Err(wrong_kind("linear_regression", &other)),
        }
    }

    /// The mean squared error on raw features and targets.
    pub fn mse(&self, x: ArrayView2<'_, f64>, y: ndarray::ArrayView1<'_, f64>) -> Result<f64> {
        let p = Array1::from(self.predict(x)?);
        Ok((&p - &y).mapv(|d| d * d).mean().unwrap_or(f64::NAN))
    }
}

/// Folds a standardizer into an affine map: `w . ((x - mean) / std) + b = w' . x + b'`.
pub(crate) fn fold(s: &Standardizer, w: &[f64], b: f64) -> (Vec<f64>, f64) {
    let wf: Vec<f64> = w.iter().zip(&s.std).map(|(w, sd)| w / sd).collect();
    let bf = b - wf.iter().zip(&s.mean).map(|(w, m)| w * m).sum::<f64>();
    (wf, bf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn recovers_a_noiseless_affine_map_and_round_trips() {
        let x = array![
            [1.0, 10.0],
            [2.0, 30.0],
            [3.0, 20.0],
            [4.0, 50.0],
            [5.0, 40.0]
        ];
        let y: Array1<f64> = x
            .rows()
            .into_iter()
            .map(|r| 2.0 * r[0] - 0.5 * r[1] + 7.0)
            .collect();
        let m = LinearRegression::fit(x.view(), y.view(), &LinearOptions { l2: 0.0 }).unwrap();
        let (w, b) = m.folded();
        assert!((w[0] - 2.0).abs() < 1e-9 && (w[1] + 0.5).abs() < 1e-9 && (b - 7.0).abs() < 1e-8);
        assert!(m.mse(x.view(), y.view()).unwrap() < 1e-18);
        let back = LinearRegression::from_json(&m.to_json().unwrap()).unwrap();
        assert_eq!(back, m);
        // Ridge shrinks the weights.
        let r = LinearRegression::fit(x.view(), y.view(), &LinearOptions { l2: 1.0 }).unwrap();
        assert!(
            r.weights.iter().map(|w| w * w).sum::<f64>()
                < m.weights.iter().map(|w| w * w).sum::<f64>()
        );
        assert!(
            LinearRegression::fit(
                x.view(),
                y.slice(ndarray::s![..3]),
                &LinearOptions::default()
            )
            .is_err()
        );
    }
}
