//! Binary logistic regression.

use ndarray::{Array1, ArrayView2};
use serde::{Deserialize, Serialize};

use super::linear::fold;
use super::{
    Model, TrainOptions, check_finite, check_input, check_standardizer, minimize, wrong_kind,
};
use crate::activation::{PolySigmoid, sigmoid};
use crate::data::Standardizer;
use crate::error::{Error, Result};

/// Options of [`LogisticRegression::fit`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogisticOptions {
    /// Optimizer, step, iterations, L2 penalty.
    pub train: TrainOptions,
    /// The degree of the polynomial sigmoid fitted after training (default 3).
    pub sigmoid_degree: usize,
    /// The polynomial sigmoid is fitted on `[-R, R]` with `R = sigmoid_margin * max |logit|`
    /// over the training rows (default 1.0).
    pub sigmoid_margin: f64,
}

impl Default for LogisticOptions {
    fn default() -> Self {
        Self {
            train: TrainOptions::default(),
            sigmoid_degree: 3,
            sigmoid_margin: 1.0,
        }
    }
}

/// `P(y = 1 | x) = sigmoid(w . standardize(x) + b)`.
///
/// Trained on the mean cross-entropy plus `l2 / 2 * |w|^2` by full-batch gradient descent or
/// Nesterov's accelerated gradient. After training, [`fit`](Self::fit) fits the polynomial
/// sigmoid the encrypted model evaluates ([`PolySigmoid`]) to the logits the model takes on its
/// training rows: least squares on `[-R, R]`, `R` the largest `|logit|` (times the margin). The
/// interval is symmetric so that the polynomial crosses 1/2 exactly at logit 0: where it is
/// monotone, its decisions are the exact sigmoid's.
///
/// [`predict_proba`](Self::predict_proba) uses the exact sigmoid,
/// [`predict_proba_poly`](Self::predict_proba_poly) the polynomial: the latter is the plaintext
/// twin of the encrypted model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegression {
    /// Input normalization (fitted on the training rows).
    pub standardizer: Standardizer,
    /// One weight per standardized feature.
    pub weights: Vec<f64>,
    /// The intercept.
    pub bias: f64,
    /// The polynomial sigmoid of the encrypted model.
    pub sigmoid: PolySigmoid,
}

impl LogisticRegression {
    /// Trains on raw features `x` (rows) and labels `y`.
    pub fn fit(x: ArrayView2<'_, f64>, y: &[bool], opts: &LogisticOptions) -> Result<Self> {
        check_input(x, x.ncols(), Some(y.len()))?;
        let standardizer = Standardizer::fit(x)?;
        let xs = standardizer.transform(x)?;
        let d = xs.ncols();
        let n = xs.nrows() as f64;
        let yv: Array1<f64> = y.iter().map(|&b| f64::from(u8::from(b))).collect();
        let l2 = opts.train.l2;
        // theta = [w, b].
        let mut theta = vec![0.0; d + 1];
        minimize(&mut theta, &opts.train, |th, grad| {
            let w = ndarray::ArrayView1::from(&th[..d]);
            let z = xs.dot(&w) + th[d];
            let mut loss = 0.0;
            let mut r = Array1::<f64>::zeros(z.len());
            for ((ri, &zi), &yi) in r.iter_mut().zip(&z).zip(&yv) {
                let p = sigmoid(zi);
                *ri = p - yi;
                // log(1 + e^z) - y z, computed stably.
                loss += zi.max(0.0) + (-zi.abs()).exp().ln_1p() - yi * zi;
            }
            let gw = xs.t().dot(&r) / n;
            for j in 0..d {
                grad[j] = gw[j] + l2 * th[j];
            }
            grad[d] = r.sum() / n;
            Ok(loss / n + 0.5 * l2 * th[..d].iter().map(|v| v * v).sum::<f64>())
        })?;
        let mut model = Self {
            standardizer,
            weights: theta[..d].to_vec(),
            bias: theta[d],
            sigmoid: PolySigmoid::fit(-1.0, 1.0, opts.sigmoid_degree)?,
        };
        model.refit_sigmoid(x, opts.sigmoid_degree, opts.sigmoid_margin)?;
        Ok(model)
    }

    /// Refits the polynomial sigmoid to the logits on the rows of `x` (see the type's doc).
    pub fn refit_sigmoid(
        &mut self,
        x: ArrayView2<'_, f64>,
        degree: usize,
        margin: f64,
    ) -> Result<()> {
        if !(margin.is_finite() && margin > 0.0) {
            return Err(Error::InvalidArgument {
                name: "sigmoid_margin",
                value: margin.to_string(),
                expected: "finite and positive",
            });
        }
        let r = self
            .logits(x)?
            .iter()
            .fold(0.0f64, |m, z| m.max(z.abs()))
            .max(1e-3)
            * margin;
        self.sigmoid = PolySigmoid::fit(-r, r, degree)?;
        Ok(())
    }

    /// The logits `w . standardize(x) + b` of raw features.
    pub fn logits(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>> {
        check_input(x, self.weights.len(), None)?;
        let xs = self.standardizer.transform(x)?;
        Ok((xs.dot(&Array1::from(self.weights.clone())) + self.bias).to_vec())
    }

    /// Probabilities with the exact sigmoid.
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>> {
        Ok(self.logits(x)?.into_iter().map(sigmoid).collect())
    }

    /// Probabilities with the polynomial sigmoid: what the encrypted model computes.
    pub fn predict_proba_poly(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>> {
        Ok(self
            .logits(x)?
            .into_iter()
            .map(|z| self.sigmoid.eval(z))
            .collect())
    }

    /// Decisions `P(y = 1 | x) > 1/2`, i.e. logit `> 0`.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<bool>> {
        Ok(self.logits(x)?.into_iter().map(|z| z > 0.0).collect())
    }

    /// The logit as an affine map of raw features: `(w', b')` with `w' . x + b' = logit(x)`.
    pub fn folded(&self) -> (Vec<f64>, f64) {
        fold(&self.standardizer, &self.weights, self.bias)
    }

    /// Checks shapes and finiteness.
    pub fn validate(&self) -> Result<()> {
        check_standardizer(&self.standardizer, self.weights.len())?;
        check_finite("logistic regression weights", &self.weights)?;
        check_finite("logistic regression bias", &[self.bias])?;
        self.sigmoid.validate()
    }

    /// JSON with the normalization statistics and the polynomial sigmoid.
    pub fn to_json(&self) -> Result<String> {
        Model::LogisticRegression(self.clone()).to_json()
    }

    /// Reads a model written by [`to_json`](Self::to_json).
    pub fn from_json(text: &str) -> Result<Self> {
        match Model::from_json(text)? {
            Model::LogisticRegression(m) => Ok(m),
            other => Err(wrong_kind("logistic_regression", &other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plain::Optimizer;
    use ndarray::Array2;

    fn toy() -> (Array2<f64>, Vec<bool>) {
        // Two overlapping clouds along x_0 + x_1.
        let mut rng = crate::rng::SplitMix64::new(5);
        let mut rows = Vec::new();
        let mut y = Vec::new();
        for i in 0..200 {
            let label = i % 2 == 0;
            let shift = if label { 1.0 } else { -1.0 };
            rows.push(shift + rng.normal());
            rows.push(10.0 * (shift + rng.normal()) + 50.0);
            y.push(label);
        }
        (Array2::from_shape_vec((200, 2), rows).unwrap(), y)
    }

    #[test]
    fn gradient_descent_and_nesterov_agree() {
        let (x, y) = toy();
        let mut opts = LogisticOptions::default();
        opts.train.iterations = 2000;
        opts.train.optimizer = Optimizer::GradientDescent;
        let gd = LogisticRegression::fit(x.view(), &y, &opts).unwrap();
        opts.train.optimizer = Optimizer::Nesterov;
        opts.train.iterations = 300;
        let nag = LogisticRegression::fit(x.view(), &y, &opts).unwrap();
        for (a, b) in gd.weights.iter().zip(&nag.weights) {
            assert!((a - b).abs() < 1e-2, "{a} vs {b}");
        }
        let acc = nag
            .predict(x.view())
            .unwrap()
            .iter()
            .zip(&y)
            .filter(|(p, t)| p == t)
            .count();
        assert!(acc > 170, "{acc}");
        // The polynomial covers the training logits and keeps the decisions.
        let (lo, hi) = nag.sigmoid.interval();
        for z in nag.logits(x.view()).unwrap() {
            assert!(z >= lo && z <= hi);
            assert_eq!(nag.sigmoid.eval(z) > 0.5, z > 0.0);
        }
        let back = LogisticRegression::from_json(&nag.to_json().unwrap()).unwrap();
        assert_eq!(back, nag);
    }

    #[test]
    fn bad_options_and_inputs() {
        let (x, y) = toy();
        let mut opts = LogisticOptions::default();
        opts.train.learning_rate = -1.0;
        assert!(LogisticRegression::fit(x.view(), &y, &opts).is_err());
        assert!(LogisticRegression::fit(x.view(), &y[..10], &LogisticOptions::default()).is_err());
        let mut opts = LogisticOptions::default();
        opts.train.learning_rate = 1e6;
        opts.train.l2 = 0.0;
        opts.train.iterations = 50;
        // A huge step either diverges or lands far from the optimum; it must not panic.
        let _ = LogisticRegression::fit(x.view(), &y, &opts);
    }
}
