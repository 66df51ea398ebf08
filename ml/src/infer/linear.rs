//! Encrypted linear and logistic regression: one sample per ciphertext, or many.

use ckks::{Ciphertext, Encoder, Evaluator, Plaintext};
use serde::{Deserialize, Serialize};

use super::dense::feature_major;
use super::linalg::rotate_and_sum;
use super::poly::{
    depth_for_degree, eval_poly_for_decryption, needs_relinearization_for_decryption,
};
use super::{Layout, Plan, check_context, check_input};
use crate::activation::PolySigmoid;
use crate::error::{Error, Result};
use crate::plain::{LinearRegression, LogisticRegression};

/// What follows the affine score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Link {
    /// The score itself (linear regression).
    Identity,
    /// A polynomial sigmoid of the score (logistic regression).
    Sigmoid(PolySigmoid),
}

/// The public model a server evaluates: an affine map of the *raw* features (the training
/// standardization folded in) and a link. Nothing in it is secret to the server.
///
/// ```
/// use ckks_ml::data::{sets, MissingPolicy};
/// use ckks_ml::infer::LinearModel;
/// use ckks_ml::plain::{LogisticOptions, LogisticRegression};
/// let heart = sets::heart_cleveland(MissingPolicy::DropRow)?;
/// let y = heart.binary_labels(0.5);
/// let lr = LogisticRegression::fit(heart.x.view(), &y, &LogisticOptions::default())?;
/// let public = LinearModel::from_logistic(&lr);
/// assert_eq!((public.features(), public.depth()), (13, 3));      // score 1 + sigmoid 2
/// let twin = public.predict(heart.x.row(0).as_slice().unwrap_or(&[]))?;
/// assert!((twin - lr.predict_proba_poly(heart.x.slice(ndarray::s![0..1, ..]))?[0]).abs() < 1e-12);
/// # Ok::<(), ckks_ml::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinearModel {
    /// Weights on raw features.
    pub weights: Vec<f64>,
    /// The intercept on raw features.
    pub bias: f64,
    /// The link.
    pub link: Link,
}

impl LinearModel {
    /// The public form of a trained logistic regression (its polynomial sigmoid as the link).
    pub fn from_logistic(m: &LogisticRegression) -> Self {
        let (weights, bias) = m.folded();
        Self {
            weights,
            bias,
            link: Link::Sigmoid(m.sigmoid.clone()),
        }
    }

    /// The public form of a trained linear regression.
    pub fn from_linear(m: &LinearRegression) -> Self {
        let (weights, bias) = m.folded();
        Self {
            weights,
            bias,
            link: Link::Identity,
        }
    }

    /// The number of features.
    pub fn features(&self) -> usize {
        self.weights.len()
    }

    /// Whether the server needs a relinearization key: the link's polynomial is evaluated for
    /// decryption, and its degree-3 route needs none (see
    /// [`eval_poly_for_decryption`](super::poly::eval_poly_for_decryption)).
    pub fn needs_relinearization(&self) -> bool {
        match &self.link {
            Link::Identity => false,
            Link::Sigmoid(p) => needs_relinearization_for_decryption(&p.poly.coeffs),
        }
    }

    /// Multiplicative depth: 1 for the score, plus the link's.
    pub fn depth(&self) -> usize {
        1 + match &self.link {
            Link::Identity => 0,
            Link::Sigmoid(p) => depth_for_degree(p.degree()),
        }
    }

    /// The affine map the server evaluates, in the link polynomial's variable: for a sigmoid
    /// fitted on `[c - h, c + h]` that is `u = (w . x + b - c) / h`.
    pub(crate) fn score_map(&self) -> (Vec<f64>, f64) {
        match &self.link {
            Link::Identity => (self.weights.clone(), self.bias),
            Link::Sigmoid(p) => (
                self.weights.iter().map(|w| w / p.half_width).collect(),
                (self.bias - p.center) / p.half_width,
            ),
        }
    }

    /// The plaintext twin on one sample of raw features: exactly what the encrypted model
    /// computes, in `f64`.
    pub fn predict(&self, x: &[f64]) -> Result<f64> {
        if x.len() != self.features() {
            return Err(Error::ShapeMismatch {
                what: "features of the sample",
                expected: self.features(),
                found: x.len(),
            });
        }
        let score = self.weights.iter().zip(x).map(|(w, v)| w * v).sum::<f64>() + self.bias;
        Ok(match &self.link {
            Link::Identity => score,
            Link::Sigmoid(p) => p.eval(score),
        })
    }

    /// Checks finiteness.
    pub fn validate(&self) -> Result<()> {
        crate::plain::check_finite("weights", &self.weights)?;
        crate::plain::check_finite("bias", &[self.bias])?;
        if self.weights.is_empty() {
            return Err(Error::InvalidModel(
                "a linear model needs at least one weight".into(),
            ));
        }
        if let Link::Sigmoid(p) = &self.link {
            p.validate()?;
        }
        Ok(())
    }
}

/// What the server precomputed for its layout.
#[derive(Clone, Debug)]
enum Compiled {
    /// The weights in slots `0..features` of one plaintext at the input level and at scale
    /// `q_input`, so the rescale after `mul_plain` restores the input scale exactly.
    Single { weights: Plaintext, width: usize },
    /// Scalar weights multiplied into each feature ciphertext at scale `q_input`.
    Batched { weights: Vec<f64> },
}

/// The server side of encrypted linear and logistic regression: the public model, compiled
/// for its plan. It holds no key at all; every call takes the [`Evaluator`] (evaluation keys
/// only).
///
/// - One sample ([`Layout::Slots`]): `mul_plain` by the weights, rescale, rotate-and-sum
///   (`log2(width)` rotations), add the bias, then the link polynomial.
/// - Many samples ([`Layout::FeatureMajor`]): `sum_j w_j * ct_j` by `mul_const`, one rescale,
///   the bias, the link: no rotation at all, and every slot is a sample.
///
/// The results are for the client to decrypt, so the link's last product is left
/// unrelinearized ([`eval_poly_for_decryption`]): a degree-2 result, one key switch saved.
#[derive(Clone, Debug)]
pub struct LinearServer {
    plan: Plan,
    compiled: Compiled,
    bias: f64,
    link: Option<Vec<f64>>,
    input_scale: f64,
}

impl LinearServer {
    /// Compiles `model` for `plan` (the plan must have been made for this model, and `eval`
    /// for the plan's parameters).
    pub fn new(eval: &Evaluator, model: &LinearModel, plan: &Plan) -> Result<Self> {
        model.validate()?;
        let ctx = eval.context();
        check_context(ctx, plan)?;
        if plan.depth != model.depth() || plan.layout.features() != model.features() {
            return Err(Error::LayoutMismatch(format!(
                "the plan is for {} features at depth {}, the model has {} features and depth {}",
                plan.layout.features(),
                plan.depth,
                model.features(),
                model.depth()
            )));
        }
        let (weights, bias) = model.score_map();
        let q_in = ctx.q_at(plan.input_level) as f64;
        let compiled = match plan.layout {
            Layout::Slots { width, .. } => {
                let mut padded = weights;
                padded.resize(width, 0.0);
                Compiled::Single {
                    weights: Encoder::new(ctx).encode(&padded, plan.input_level, q_in)?,
                    width,
                }
            }
            Layout::FeatureMajor { .. } => Compiled::Batched { weights },
            Layout::RotatedBlocks { .. } => {
                return Err(Error::LayoutMismatch(
                    "a linear model runs on the Slots or FeatureMajor layouts".into(),
                ));
            }
        };
        let link = match &model.link {
            Link::Identity => None,
            Link::Sigmoid(p) => Some(p.poly.coeffs.clone()),
        };
        Ok(Self {
            plan: plan.clone(),
            compiled,
            bias,
            link,
            input_scale: ctx.default_scale(),
        })
    }

    /// The plan it was compiled for.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    fn check_input(&self, ct: &Ciphertext) -> Result<()> {
        check_input(&self.plan, self.input_scale, ct)
    }

    fn finish(&self, eval: &Evaluator, mut score: Ciphertext) -> Result<Ciphertext> {
        eval.add_const_assign(&mut score, self.bias)?;
        match &self.link {
            None => Ok(score),
            Some(coeffs) => eval_poly_for_decryption(eval, &score, coeffs),
        }
    }

    /// One encrypted sample (features in slots, [`Layout::Slots`]) to its encrypted output in
    /// every slot (the client reads slot 0).
    pub fn infer(&self, eval: &Evaluator, ct: &Ciphertext) -> Result<Ciphertext> {
        let Compiled::Single { weights, width } = &self.compiled else {
            return Err(Error::LayoutMismatch(
                "this server was compiled for a batched plan: use infer_batch".into(),
            ));
        };
        self.check_input(ct)?;
        let mut acc = eval.mul_plain(ct, weights)?;
        eval.rescale_assign(&mut acc)?;
        rotate_and_sum(eval, &mut acc, 1, *width)?;
        self.finish(eval, acc)
    }

    /// One encrypted batch ([`Layout::FeatureMajor`]: ciphertext `j` holds feature `j` of every
    /// sample) to the encrypted outputs, sample `i` in slot `i`.
    pub fn infer_batch(&self, eval: &Evaluator, features: &[Ciphertext]) -> Result<Ciphertext> {
        let Compiled::Batched { weights } = &self.compiled else {
            return Err(Error::LayoutMismatch(
                "this server was compiled for a single-sample plan: use infer".into(),
            ));
        };
        if features.len() != weights.len() {
            return Err(Error::ShapeMismatch {
                what: "feature ciphertexts in the batch",
                expected: weights.len(),
                found: features.len(),
            });
        }
        for ct in features {
            self.check_input(ct)?;
        }
        let mut scores = feature_major(eval, features, std::slice::from_ref(weights), &[0.0])?;
        let Some(acc) = scores.pop() else {
            return Err(Error::InvalidModel("the linear model has no output".into()));
        };
        self.finish(eval, acc)
    }
}
