//! Plaintext reference models: what the encrypted models compute, in `f64`.
//!
//! - [`LinearRegression`]: ridge regression by the normal equations.
//! - [`LogisticRegression`]: binary logistic regression by gradient descent or Nesterov's
//!   accelerated gradient, with L2 regularisation, and its polynomial sigmoid.
//! - [`SoftmaxRegression`]: multi-class logistic regression (iris, digits).
//! - [`Network`]: one hidden layer with a polynomial activation (`x^2`, a polynomial sigmoid,
//!   or `0.5 x + 0.5`, which makes the network linear).
//! - [`ConvNet`]: a convolution layer with shared kernels, `x^2`, a dense layer (CryptoNets in
//!   miniature); [`ConvNet::to_network`] writes the convolution as the matrix of a [`Network`].
//!
//! Every model standardizes its input with a [`crate::data::Standardizer`] fitted
//! on its training rows, takes raw features at prediction time, and round-trips through JSON
//! with those statistics ([`Model`]).
//!
//! ```
//! use ckks_ml::data::{sets, split, MissingPolicy};
//! use ckks_ml::plain::{LogisticOptions, LogisticRegression};
//!
//! let heart = sets::heart_cleveland(MissingPolicy::DropRow)?;
//! let labels = heart.binary_labels(0.5);
//! let s = split::stratified(&heart.class_labels()?, 0.2, 1)?;
//! let (train, test) = (heart.subset(&s.train), heart.subset(&s.test));
//! let y_train: Vec<bool> = s.train.iter().map(|&i| labels[i]).collect();
//! let model = LogisticRegression::fit(train.x.view(), &y_train, &LogisticOptions::default())?;
//! let json = model.to_json()?;
//! let back = LogisticRegression::from_json(&json)?;
//! assert_eq!(back.predict(test.x.view())?, model.predict(test.x.view())?);
//! # Ok::<(), ckks_ml::Error>(())
//! ```

mod conv;
mod linalg;
mod linear;
mod logistic;
mod network;
mod softmax;

pub use conv::{ConvNet, ConvNetOptions, ConvShape};
pub use linear::{LinearOptions, LinearRegression};
pub use logistic::{LogisticOptions, LogisticRegression};
pub use network::{Network, NetworkOptions};
pub use softmax::SoftmaxRegression;

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::data::Standardizer;
use crate::error::{Error, Result};

/// The version of the JSON model format written by [`Model::to_json`].
pub const FORMAT_VERSION: u32 = 1;

/// The first-order method used to train a model.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Optimizer {
    /// Full-batch gradient descent.
    GradientDescent,
    /// Nesterov's accelerated gradient with the momentum schedule `t / (t + 3)` (as in HELR's
    /// encrypted training).
    Nesterov,
}

/// Options of iterative training.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    /// The method.
    pub optimizer: Optimizer,
    /// The step size.
    pub learning_rate: f64,
    /// The number of full-batch iterations.
    pub iterations: usize,
    /// The L2 penalty `l2 / 2 * |w|^2` on the weights (never on biases).
    pub l2: f64,
    /// If set, gradients longer than this are scaled down to it (stabilises `x^2` networks).
    pub gradient_clip: Option<f64>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            optimizer: Optimizer::Nesterov,
            learning_rate: 0.5,
            iterations: 300,
            l2: 1e-3,
            gradient_clip: None,
        }
    }
}

impl TrainOptions {
    fn validate(&self) -> Result<()> {
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(Error::InvalidArgument {
                name: "learning_rate",
                value: self.learning_rate.to_string(),
                expected: "finite and positive",
            });
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return Err(Error::InvalidArgument {
                name: "l2",
                value: self.l2.to_string(),
                expected: "finite and non-negative",
            });
        }
        Ok(())
    }
}

/// Minimizes `f` from `theta` (`f` writes the gradient and returns the loss). Returns the last
/// loss.
pub(crate) fn minimize(
    theta: &mut [f64],
    opts: &TrainOptions,
    mut f: impl FnMut(&[f64], &mut [f64]) -> Result<f64>,
) -> Result<f64> {
    opts.validate()?;
    let mut grad = vec![0.0; theta.len()];
    let mut prev = theta.to_vec();
    let mut look = theta.to_vec();
    let mut loss = f64::NAN;
    for t in 0..opts.iterations {
        match opts.optimizer {
            Optimizer::GradientDescent => look.copy_from_slice(theta),
            Optimizer::Nesterov => {
                let mu = t as f64 / (t as f64 + 3.0);
                for ((l, &th), &p) in look.iter_mut().zip(theta.iter()).zip(&prev) {
                    *l = th + mu * (th - p);
                }
            }
        }
        loss = f(&look, &mut grad)?;
        if let Some(clip) = opts.gradient_clip {
            let norm = grad.iter().map(|g| g * g).sum::<f64>().sqrt();
            if norm > clip {
                grad.iter_mut().for_each(|g| *g *= clip / norm);
            }
        }
        if !loss.is_finite() || grad.iter().any(|g| !g.is_finite()) {
            return Err(Error::Diverged {
                iteration: t,
                loss,
                learning_rate: opts.learning_rate,
            });
        }
        prev.copy_from_slice(theta);
        for ((th, &l), &g) in theta.iter_mut().zip(&look).zip(&grad) {
            *th = l - opts.learning_rate * g;
        }
    }
    Ok(loss)
}

/// Checks that `x` has `n` rows of `d` features and no missing value.
pub(crate) fn check_input(x: ArrayView2<'_, f64>, d: usize, rows: Option<usize>) -> Result<()> {
    if x.ncols() != d {
        return Err(Error::ShapeMismatch {
            what: "feature columns",
            expected: d,
            found: x.ncols(),
        });
    }
    if let Some(n) = rows
        && x.nrows() != n
    {
        return Err(Error::ShapeMismatch {
            what: "labels (one per row of x)",
            expected: x.nrows(),
            found: n,
        });
    }
    if x.nrows() == 0 {
        return Err(Error::Empty {
            what: "the input rows",
            fix: "give at least one row",
        });
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(Error::InvalidArgument {
            name: "x",
            value: "a value that is NaN or infinite".into(),
            expected: "finite features (impute missing values first)",
        });
    }
    Ok(())
}

pub(crate) fn check_finite(what: &str, values: &[f64]) -> Result<()> {
    if values.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(Error::InvalidModel(format!("{what} must be finite")))
    }
}

pub(crate) fn check_standardizer(s: &Standardizer, d: usize) -> Result<()> {
    s.validate()?;
    if s.len() != d {
        return Err(Error::InvalidModel(format!(
            "the standardizer has {} features, the weights {d}",
            s.len()
        )));
    }
    Ok(())
}

/// Any model, as stored in JSON: `{"format_version": 1, "model": {"kind": "...", ...}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Model {
    /// A [`LinearRegression`].
    LinearRegression(LinearRegression),
    /// A [`LogisticRegression`].
    LogisticRegression(LogisticRegression),
    /// A [`SoftmaxRegression`].
    SoftmaxRegression(SoftmaxRegression),
    /// A [`Network`].
    Network(Network),
    /// A [`ConvNet`].
    ConvNet(ConvNet),
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    format_version: u32,
    model: Model,
}

impl Model {
    /// JSON text of the model with its normalization statistics.
    pub fn to_json(&self) -> Result<String> {
        Ok(serde_json::to_string_pretty(&Envelope {
            format_version: FORMAT_VERSION,
            model: self.clone(),
        })?)
    }

    /// Reads and validates a model written by [`to_json`](Self::to_json).
    pub fn from_json(text: &str) -> Result<Self> {
        let env: Envelope = serde_json::from_str(text)?;
        if env.format_version != FORMAT_VERSION {
            return Err(Error::InvalidModel(format!(
                "format version {} is not supported (this build reads version {FORMAT_VERSION})",
                env.format_version
            )));
        }
        env.model.validate()?;
        Ok(env.model)
    }

    /// Checks shapes and finiteness.
    pub fn validate(&self) -> Result<()> {
        match self {
            Model::LinearRegression(m) => m.validate(),
            Model::LogisticRegression(m) => m.validate(),
            Model::SoftmaxRegression(m) => m.validate(),
            Model::Network(m) => m.validate(),
            Model::ConvNet(m) => m.validate(),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Model::LinearRegression(_) => "linear_regression",
            Model::LogisticRegression(_) => "logistic_regression",
            Model::SoftmaxRegression(_) => "softmax_regression",
            Model::Network(_) => "network",
            Model::ConvNet(_) => "conv_net",
        }
    }
}

/// The error for a JSON model of another kind.
pub(crate) fn wrong_kind(expected: &str, m: &Model) -> Error {
    Error::InvalidModel(format!(
        "expected a {expected}, the JSON holds a {}",
        m.kind()
    ))
}
