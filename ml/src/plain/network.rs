//! A network with one hidden layer and a polynomial activation.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::softmax::{one_hot, shape_error, softmax_rows};
use super::{
    Model, TrainOptions, check_finite, check_input, check_standardizer, minimize, wrong_kind,
};
use crate::activation::{Activation, sigmoid};
use crate::data::Standardizer;
use crate::error::{Error, Result};
use crate::rng::SplitMix64;

/// Options of [`Network::fit`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkOptions {
    /// The number of hidden units.
    pub hidden: usize,
    /// The hidden activation.
    pub activation: Activation,
    /// Optimizer, step, iterations, L2 penalty, gradient clipping.
    pub train: TrainOptions,
    /// Seed of the weight initialisation.
    pub seed: u64,
}

impl Default for NetworkOptions {
    fn default() -> Self {
        Self {
            hidden: 16,
            activation: Activation::Square,
            train: TrainOptions {
                learning_rate: 0.05,
                iterations: 400,
                l2: 1e-2,
                gradient_clip: Some(1.0),
                ..TrainOptions::default()
            },
            seed: 1,
        }
    }
}

/// `x -> W2 act(W1 standardize(x) + b1) + b2`: one hidden layer with a polynomial activation.
///
/// With two classes the network has one output, the logit of class 1 (`P = sigmoid(logit)`);
/// with more it has one output per class and a softmax. The activations are those CKKS can
/// evaluate (see [`Activation`]); with [`Activation::HalfLinear`] (`0.5 x + 0.5`) the whole
/// network is an affine map of its input, i.e. exactly a linear model.
///
/// ```
/// use ckks_ml::data::{sets, split, MissingPolicy};
/// use ckks_ml::plain::{Network, NetworkOptions};
/// let heart = sets::heart_cleveland(MissingPolicy::DropRow)?;
/// let labels = heart.class_labels()?;
/// let s = split::stratified(&labels, 0.2, 1)?;
/// let y: Vec<usize> = s.train.iter().map(|&i| labels[i]).collect();
/// let net = Network::fit(heart.subset(&s.train).x.view(), &y, 2, &NetworkOptions::default())?;
/// assert_eq!((net.hidden(), net.outputs()), (16, 1));
/// let back = Network::from_json(&net.to_json()?)?;
/// assert_eq!(back, net);
/// # Ok::<(), ckks_ml::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Network {
    /// Input normalization (fitted on the training rows).
    pub standardizer: Standardizer,
    /// Hidden weights, one row of `inputs` weights per hidden unit.
    pub w1: Vec<Vec<f64>>,
    /// Hidden biases.
    pub b1: Vec<f64>,
    /// The hidden activation.
    pub activation: Activation,
    /// Output weights, one row of `hidden` weights per output.
    pub w2: Vec<Vec<f64>>,
    /// Output biases.
    pub b2: Vec<f64>,
}

fn to_matrix(rows: &[Vec<f64>], cols: usize) -> Array2<f64> {
    let mut m = Array2::zeros((rows.len(), cols));
    for (mut dst, src) in m.rows_mut().into_iter().zip(rows) {
        for (d, s) in dst.iter_mut().zip(src) {
            *d = *s;
        }
    }
    m
}

/// The training targets: one column of 0/1 for two classes, else one-hot rows.
pub(crate) fn targets(y: &[usize], classes: usize) -> Result<Array2<f64>> {
    if classes > 2 {
        return one_hot(y, classes);
    }
    let mut t = Array2::zeros((y.len(), 1));
    for (i, &l) in y.iter().enumerate() {
        if l >= 2 {
            return Err(Error::InvalidArgument {
                name: "label",
                value: l.to_string(),
                expected: "0 or 1 for two classes",
            });
        }
        t[[i, 0]] = l as f64;
    }
    Ok(t)
}

/// The mean loss of a one-hidden-layer network over the rows of `xs` (already standardized)
/// and its gradient with respect to every parameter (the penalty is the caller's).
pub(crate) struct Gradients {
    /// Mean logistic loss (one output) or cross-entropy (softmax).
    pub loss: f64,
    /// d loss / d w1, `hidden x inputs`.
    pub w1: Array2<f64>,
    /// d loss / d b1.
    pub b1: Array1<f64>,
    /// d loss / d w2, `outputs x hidden`.
    pub w2: Array2<f64>,
    /// d loss / d b2.
    pub b2: Array1<f64>,
}

/// Forward and backward pass of `W2 act(W1 xs + b1) + b2` against `targets` (from
/// [`targets`]): logistic loss for one output, softmax cross-entropy for more.
pub(crate) fn loss_and_gradients(
    xs: &Array2<f64>,
    targets: &Array2<f64>,
    w1: ArrayView2<'_, f64>,
    b1: ArrayView1<'_, f64>,
    act: &Activation,
    w2: ArrayView2<'_, f64>,
    b2: ArrayView1<'_, f64>,
) -> Gradients {
    let n = xs.nrows();
    let nf = n as f64;
    let pre = xs.dot(&w1.t()) + b1;
    let a = pre.mapv(|v| act.eval(v));
    let z = a.dot(&w2.t()) + b2;
    let (loss, dz) = if targets.ncols() == 1 {
        let mut loss = 0.0;
        let mut dz = Array2::zeros((n, 1));
        for i in 0..n {
            let (zi, yi) = (z[[i, 0]], targets[[i, 0]]);
            loss += zi.max(0.0) + (-zi.abs()).exp().ln_1p() - yi * zi;
            dz[[i, 0]] = (sigmoid(zi) - yi) / nf;
        }
        (loss / nf, dz)
    } else {
        let mut p = z;
        softmax_rows(&mut p);
        let loss = -(targets * &p.mapv(|v| v.max(1e-300).ln())).sum() / nf;
        (loss, (p - targets) / nf)
    };
    let gw2 = dz.t().dot(&a);
    let gb2 = dz.sum_axis(Axis(0));
    let dpre = dz.dot(&w2) * pre.mapv(|v| act.derivative(v));
    Gradients {
        loss,
        w1: dpre.t().dot(xs),
        b1: dpre.sum_axis(Axis(0)),
        w2: gw2,
        b2: gb2,
    }
}

/// Class probabilities from logits: `[1 - p, p]` per row for one output, else the softmax.
pub(crate) fn probabilities(z: Array2<f64>) -> Array2<f64> {
    if z.ncols() == 1 {
        let mut p = Array2::zeros((z.nrows(), 2));
        for (i, &zi) in z.column(0).iter().enumerate() {
            let s = sigmoid(zi);
            p[[i, 0]] = 1.0 - s;
            p[[i, 1]] = s;
        }
        p
    } else {
        let mut p = z;
        softmax_rows(&mut p);
        p
    }
}

/// The most likely class from logits: `logit > 0` for one output, else the argmax.
pub(crate) fn decisions(z: ArrayView2<'_, f64>) -> Vec<usize> {
    if z.ncols() == 1 {
        z.column(0).iter().map(|&v| usize::from(v > 0.0)).collect()
    } else {
        crate::metrics::argmax_rows(z)
    }
}

impl Network {
    /// Trains on raw features `x` and labels `y` in `0..classes` (full batch).
    pub fn fit(
        x: ArrayView2<'_, f64>,
        y: &[usize],
        classes: usize,
        opts: &NetworkOptions,
    ) -> Result<Self> {
        check_input(x, x.ncols(), Some(y.len()))?;
        if classes < 2 || opts.hidden == 0 {
            return Err(Error::InvalidArgument {
                name: "classes / hidden",
                value: format!("{classes} / {}", opts.hidden),
                expected: "at least 2 classes and 1 hidden unit",
            });
        }
        let standardizer = Standardizer::fit(x)?;
        let xs = standardizer.transform(x)?;
        let (d, h) = (xs.ncols(), opts.hidden);
        let targets = targets(y, classes)?;
        let k = targets.ncols();
        let mut rng = SplitMix64::new(opts.seed);
        let (s1, s2) = (1.0 / (d as f64).sqrt(), 1.0 / (h as f64).sqrt());
        let mut theta: Vec<f64> = Vec::with_capacity(h * d + h + k * h + k);
        theta.extend((0..h * d).map(|_| s1 * rng.normal()));
        theta.extend(std::iter::repeat_n(0.0, h));
        theta.extend((0..k * h).map(|_| s2 * rng.normal()));
        theta.extend(std::iter::repeat_n(0.0, k));
        let act = opts.activation.clone();
        let l2 = opts.train.l2;
        let (o_b1, o_w2, o_b2) = (h * d, h * d + h, h * d + h + k * h);
        minimize(&mut theta, &opts.train, |th, grad| {
            let w1 = ArrayView2::from_shape((h, d), &th[..o_b1]).map_err(shape_error)?;
            let b1 = ArrayView1::from(&th[o_b1..o_w2]);
            let w2 = ArrayView2::from_shape((k, h), &th[o_w2..o_b2]).map_err(shape_error)?;
            let b2 = ArrayView1::from(&th[o_b2..]);
            let g = loss_and_gradients(&xs, &targets, w1, b1, &act, w2, b2);
            for (gr, (gv, wv)) in grad[..o_b1].iter_mut().zip(g.w1.iter().zip(w1.iter())) {
                *gr = gv + l2 * wv;
            }
            for (gr, v) in grad[o_b1..o_w2].iter_mut().zip(g.b1.iter()) {
                *gr = *v;
            }
            for (gr, (gv, wv)) in grad[o_w2..o_b2].iter_mut().zip(g.w2.iter().zip(w2.iter())) {
                *gr = gv + l2 * wv;
            }
            for (gr, v) in grad[o_b2..].iter_mut().zip(g.b2.iter()) {
                *gr = *v;
            }
            let penalty = th[..o_b1]
                .iter()
                .chain(&th[o_w2..o_b2])
                .map(|v| v * v)
                .sum::<f64>();
            Ok(g.loss + 0.5 * l2 * penalty)
        })?;
        Ok(Self {
            standardizer,
            w1: theta[..o_b1].chunks(d).map(<[f64]>::to_vec).collect(),
            b1: theta[o_b1..o_w2].to_vec(),
            activation: opts.activation.clone(),
            w2: theta[o_w2..o_b2].chunks(h).map(<[f64]>::to_vec).collect(),
            b2: theta[o_b2..].to_vec(),
        })
    }

    /// The number of input features.
    pub fn inputs(&self) -> usize {
        self.standardizer.len()
    }

    /// The number of hidden units.
    pub fn hidden(&self) -> usize {
        self.b1.len()
    }

    /// The number of outputs: 1 for a binary classifier, else one per class.
    pub fn outputs(&self) -> usize {
        self.b2.len()
    }

    /// The hidden pre-activations `W1 standardize(x) + b1`, one row per sample.
    pub fn hidden_pre_activations(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_input(x, self.inputs(), None)?;
        let xs = self.standardizer.transform(x)?;
        Ok(xs.dot(&to_matrix(&self.w1, self.inputs()).t()) + &Array1::from(self.b1.clone()))
    }

    /// The outputs (logits) of raw features, one row per sample.
    pub fn logits(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let a = self
            .hidden_pre_activations(x)?
            .mapv(|v| self.activation.eval(v));
        Ok(a.dot(&to_matrix(&self.w2, self.hidden()).t()) + &Array1::from(self.b2.clone()))
    }

    /// Class probabilities: `[1 - p, p]` per row for a binary network, else the softmax.
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        Ok(probabilities(self.logits(x)?))
    }

    /// The most likely class of each sample.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
        Ok(decisions(self.logits(x)?.view()))
    }

    /// Checks shapes and finiteness.
    pub fn validate(&self) -> Result<()> {
        let (d, h, k) = (self.inputs(), self.hidden(), self.outputs());
        if self.w1.len() != h
            || self.w1.iter().any(|r| r.len() != d)
            || self.w2.len() != k
            || self.w2.iter().any(|r| r.len() != h)
            || h == 0
            || k == 0
        {
            return Err(Error::InvalidModel(format!(
                "network: w1 must be {h} x {d} and w2 {k} x {h} (from the biases and the standardizer)"
            )));
        }
        check_standardizer(&self.standardizer, d)?;
        for r in self.w1.iter().chain(&self.w2) {
            check_finite("network weights", r)?;
        }
        check_finite("network biases", &self.b1)?;
        check_finite("network biases", &self.b2)?;
        if let Activation::PolySigmoid(p) = &self.activation {
            p.validate()?;
        }
        Ok(())
    }

    /// JSON with the normalization statistics.
    pub fn to_json(&self) -> Result<String> {
        Model::Network(self.clone()).to_json()
    }

    /// Reads a model written by [`to_json`](Self::to_json).
    pub fn from_json(text: &str) -> Result<Self> {
        match Model::from_json(text)? {
            Model::Network(m) => Ok(m),
            other => Err(wrong_kind("network", &other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_linear_network_is_an_affine_map() {
        let mut rng = SplitMix64::new(3);
        let x = Array2::from_shape_fn((40, 3), |_| rng.normal());
        let y: Vec<usize> = x
            .rows()
            .into_iter()
            .map(|r| usize::from(r[0] + r[1] > 0.0))
            .collect();
        let opts = NetworkOptions {
            hidden: 4,
            activation: Activation::HalfLinear,
            ..Default::default()
        };
        let net = Network::fit(x.view(), &y, 2, &opts).unwrap();
        // Logits are affine: f(a) + f(b) = f(a + b - 0) + f(0) for any a, b.
        let probe = ndarray::array![
            [1.0, 2.0, -1.0],
            [0.5, -3.0, 2.0],
            [1.5, -1.0, 1.0],
            [0.0, 0.0, 0.0]
        ];
        let z = net.logits(probe.view()).unwrap();
        assert!((z[[0, 0]] + z[[1, 0]] - z[[2, 0]] - z[[3, 0]]).abs() < 1e-9);
    }

    #[test]
    fn gradients_match_finite_differences_through_training_step() {
        // One GD step of size lr from zero-gradient-free init must lower the loss.
        let mut rng = SplitMix64::new(4);
        let x = Array2::from_shape_fn((30, 2), |_| rng.normal());
        let y: Vec<usize> = x
            .rows()
            .into_iter()
            .map(|r| usize::from(r[0] * r[1] > 0.0))
            .collect();
        let opts = NetworkOptions {
            hidden: 4,
            train: TrainOptions {
                iterations: 300,
                learning_rate: 0.1,
                ..NetworkOptions::default().train
            },
            ..Default::default()
        };
        // XOR-like data: a square activation separates it, a linear model cannot.
        let net = Network::fit(x.view(), &y, 2, &opts).unwrap();
        let pred = net.predict(x.view()).unwrap();
        let acc = pred.iter().zip(&y).filter(|(p, t)| p == t).count();
        assert!(acc >= 27, "{acc}/30");
        assert!(Network::fit(x.view(), &y, 1, &opts).is_err());
    }
}
