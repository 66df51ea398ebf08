//! Multi-class (softmax) logistic regression.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::{
    Model, TrainOptions, check_finite, check_input, check_standardizer, minimize, wrong_kind,
};
use crate::data::Standardizer;
use crate::error::{Error, Result};

/// Softmax of each row, in place (shifted by the row maximum for stability).
pub(crate) fn softmax_rows(z: &mut Array2<f64>) {
    for mut row in z.rows_mut() {
        let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        row.mapv_inplace(|v| (v - m).exp());
        let s = row.sum();
        row.mapv_inplace(|v| v / s);
    }
}

/// The error of an ndarray reshape (which the trainers' fixed sizes rule out).
pub(crate) fn shape_error(e: ndarray::ShapeError) -> Error {
    Error::InvalidModel(format!("internal shape error: {e}"))
}

/// One-hot rows of `labels` with `k` classes.
pub(crate) fn one_hot(labels: &[usize], k: usize) -> Result<Array2<f64>> {
    let mut y = Array2::zeros((labels.len(), k));
    for (i, &l) in labels.iter().enumerate() {
        if l >= k {
            return Err(Error::InvalidArgument {
                name: "label",
                value: l.to_string(),
                expected: "below the number of classes",
            });
        }
        y[[i, l]] = 1.0;
    }
    Ok(y)
}

/// `P(y = k | x) = softmax(W standardize(x) + b)_k`, trained on the mean cross-entropy plus
/// `l2 / 2 * |W|^2`.
///
/// ```
/// use ckks_ml::data::{sets, split};
/// use ckks_ml::plain::{SoftmaxRegression, TrainOptions};
/// let iris = sets::iris()?;
/// let labels = iris.class_labels()?;
/// let s = split::stratified(&labels, 0.3, 3)?;
/// let y: Vec<usize> = s.train.iter().map(|&i| labels[i]).collect();
/// let m = SoftmaxRegression::fit(iris.subset(&s.train).x.view(), &y, 3, &TrainOptions::default())?;
/// let pred = m.predict(iris.subset(&s.test).x.view())?;
/// let truth: Vec<usize> = s.test.iter().map(|&i| labels[i]).collect();
/// assert!(ckks_ml::metrics::accuracy(&pred, &truth)? > 0.9);
/// # Ok::<(), ckks_ml::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SoftmaxRegression {
    /// Input normalization (fitted on the training rows).
    pub standardizer: Standardizer,
    /// One row of weights per class.
    pub weights: Vec<Vec<f64>>,
    /// One intercept per class.
    pub biases: Vec<f64>,
}

impl SoftmaxRegression {
    /// Trains on raw features `x` and class labels `y` in `0..classes`.
    pub fn fit(
        x: ArrayView2<'_, f64>,
        y: &[usize],
        classes: usize,
        opts: &TrainOptions,
    ) -> Result<Self> {
        check_input(x, x.ncols(), Some(y.len()))?;
        if classes < 2 {
            return Err(Error::InvalidArgument {
                name: "classes",
                value: classes.to_string(),
                expected: "at least 2",
            });
        }
        let standardizer = Standardizer::fit(x)?;
        let xs = standardizer.transform(x)?;
        let (n, d, k) = (xs.nrows() as f64, xs.ncols(), classes);
        let yh = one_hot(y, k)?;
        let l2 = opts.l2;
        // theta = [W (k x d, row-major), b (k)].
        let mut theta = vec![0.0; k * d + k];
        minimize(&mut theta, opts, |th, grad| {
            let w = ndarray::ArrayView2::from_shape((k, d), &th[..k * d]).map_err(shape_error)?;
            let b = ndarray::ArrayView1::from(&th[k * d..]);
            let mut p = xs.dot(&w.t()) + b;
            softmax_rows(&mut p);
            let loss = -(&yh * &p.mapv(|v| v.max(1e-300).ln())).sum() / n;
            let r = &p - &yh;
            let gw = r.t().dot(&xs) / n;
            for (g, (gv, wv)) in grad[..k * d].iter_mut().zip(gw.iter().zip(w.iter())) {
                *g = gv + l2 * wv;
            }
            for (g, v) in grad[k * d..].iter_mut().zip(r.sum_axis(Axis(0)).iter()) {
                *g = v / n;
            }
            Ok(loss + 0.5 * l2 * th[..k * d].iter().map(|v| v * v).sum::<f64>())
        })?;
        Ok(Self {
            standardizer,
            weights: theta[..k * d].chunks(d).map(<[f64]>::to_vec).collect(),
            biases: theta[k * d..].to_vec(),
        })
    }

    /// The number of classes.
    pub fn classes(&self) -> usize {
        self.biases.len()
    }

    fn weight_matrix(&self) -> Array2<f64> {
        let d = self.standardizer.len();
        let mut w = Array2::zeros((self.classes(), d));
        for (mut row, src) in w.rows_mut().into_iter().zip(&self.weights) {
            row.assign(&ndarray::ArrayView1::from(&src[..]));
        }
        w
    }

    /// Per-class scores (logits) of raw features, one row per sample.
    pub fn logits(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_input(x, self.standardizer.len(), None)?;
        let xs = self.standardizer.transform(x)?;
        Ok(xs.dot(&self.weight_matrix().t()) + &Array1::from(self.biases.clone()))
    }

    /// Class probabilities, one row per sample.
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let mut z = self.logits(x)?;
        softmax_rows(&mut z);
        Ok(z)
    }

    /// The most likely class of each sample.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
        Ok(crate::metrics::argmax_rows(self.logits(x)?.view()))
    }

    /// Checks shapes and finiteness.
    pub fn validate(&self) -> Result<()> {
        let d = self.standardizer.len();
        if self.weights.len() != self.biases.len() || self.weights.iter().any(|r| r.len() != d) {
            return Err(Error::InvalidModel(format!(
                "softmax regression: {} weight rows for {} biases, each must have {d} weights",
                self.weights.len(),
                self.biases.len()
            )));
        }
        check_standardizer(&self.standardizer, d)?;
        for r in &self.weights {
            check_finite("softmax weights", r)?;
        }
        check_finite("softmax biases", &self.biases)
    }

    /// JSON with the normalization statistics.
    pub fn to_json(&self) -> Result<String> {
        Model::SoftmaxRegression(self.clone()).to_json()
    }

    /// Reads a model written by [`to_json`](Self::to_json).
    pub fn from_json(text: &str) -> Result<Self> {
        match Model::from_json(text)? {
            Model::SoftmaxRegression(m) => Ok(m),
            other => Err(wrong_kind("softmax_regression", &other)),
        }
    }
}
