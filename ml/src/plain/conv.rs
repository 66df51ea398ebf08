//! A convolutional network in miniature (CryptoNets' shape): one convolution layer with shared
//! kernels, a polynomial activation, one dense layer.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use super::network::{decisions, loss_and_gradients, probabilities, targets};
use super::softmax::shape_error;
use super::{Model, Network, TrainOptions, check_finite, check_input, minimize, wrong_kind};
use crate::activation::Activation;
use crate::data::Standardizer;
use crate::error::{Error, Result};
use crate::rng::SplitMix64;

/// The geometry of a convolution layer over one-channel images stored row-major (pixel
/// `(i, j)` is feature `i * width + j`): `filters` square kernels of `kernel x kernel` taps,
/// applied with `stride` over the image zero-padded by `padding` on every side.
///
/// Hidden unit `f * positions + oi * out_width + oj` is filter `f` at output position
/// `(oi, oj)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConvShape {
    /// Image rows.
    pub height: usize,
    /// Image columns.
    pub width: usize,
    /// Kernel side (taps per kernel: `kernel^2`).
    pub kernel: usize,
    /// Step between output positions, in pixels.
    pub stride: usize,
    /// Zero padding on each side, in pixels.
    pub padding: usize,
    /// The number of kernels (output channels).
    pub filters: usize,
}

impl Default for ConvShape {
    /// The digits geometry: 8 x 8 images, 4 kernels of 3 x 3, stride 2, padding 1: 4 x 4
    /// positions per kernel, 64 hidden units.
    fn default() -> Self {
        Self {
            height: 8,
            width: 8,
            kernel: 3,
            stride: 2,
            padding: 1,
            filters: 4,
        }
    }
}

impl ConvShape {
    /// Output rows: `(height + 2 padding - kernel) / stride + 1`.
    pub fn out_height(&self) -> usize {
        (self.height + 2 * self.padding - self.kernel) / self.stride + 1
    }

    /// Output columns: `(width + 2 padding - kernel) / stride + 1`.
    pub fn out_width(&self) -> usize {
        (self.width + 2 * self.padding - self.kernel) / self.stride + 1
    }

    /// Output positions per filter.
    pub fn positions(&self) -> usize {
        self.out_height() * self.out_width()
    }

    /// Input features (pixels).
    pub fn inputs(&self) -> usize {
        self.height * self.width
    }

    /// Taps per kernel.
    pub fn taps(&self) -> usize {
        self.kernel * self.kernel
    }

    /// Hidden units: `filters x positions`.
    pub fn hidden(&self) -> usize {
        self.filters * self.positions()
    }

    /// Checks that every size is positive and the kernel fits the padded image.
    pub fn validate(&self) -> Result<()> {
        if self.height == 0
            || self.width == 0
            || self.kernel == 0
            || self.stride == 0
            || self.filters == 0
            || self.kernel > self.height + 2 * self.padding
            || self.kernel > self.width + 2 * self.padding
        {
            return Err(Error::InvalidArgument {
                name: "convolution shape",
                value: format!("{self:?}"),
                expected: "positive sizes and a kernel no larger than the padded image",
            });
        }
        Ok(())
    }

    /// The input pixel that tap `t` of a kernel reads at output position `p`, or `None` in the
    /// padding.
    fn source(&self, p: usize, t: usize) -> Option<usize> {
        let (oi, oj) = (p / self.out_width(), p % self.out_width());
        let (ki, kj) = (t / self.kernel, t % self.kernel);
        let i = (oi * self.stride + ki).checked_sub(self.padding)?;
        let j = (oj * self.stride + kj).checked_sub(self.padding)?;
        (i < self.height && j < self.width).then_some(i * self.width + j)
    }

    /// Every `(hidden unit, tap, input pixel)` connection: the sparsity pattern of the
    /// convolution's matrix, and the weight tying (every unit of filter `f` uses its kernel).
    fn connections(&self) -> impl Iterator<Item = (usize, usize, usize, usize)> + '_ {
        let positions = self.positions();
        (0..self.filters).flat_map(move |f| {
            (0..positions).flat_map(move |p| {
                (0..self.taps()).filter_map(move |t| {
                    self.source(p, t).map(|src| (f, f * positions + p, t, src))
                })
            })
        })
    }
}

/// Options of [`ConvNet::fit`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConvNetOptions {
    /// The convolution's geometry.
    pub shape: ConvShape,
    /// The activation after the convolution.
    pub activation: Activation,
    /// Optimizer, step, iterations, L2 penalty (on kernels and dense weights), clipping.
    pub train: TrainOptions,
    /// Seed of the weight initialisation.
    pub seed: u64,
}

impl Default for ConvNetOptions {
    /// The digits network: [`ConvShape::default`], `x^2`, Nesterov.
    fn default() -> Self {
        Self {
            shape: ConvShape::default(),
            activation: Activation::Square,
            train: TrainOptions {
                learning_rate: 0.1,
                iterations: 600,
                l2: 1e-3,
                gradient_clip: Some(1.0),
                ..TrainOptions::default()
            },
            seed: 1,
        }
    }
}

/// `x -> W2 act(conv(normalize(x)) + b) + b2`: a convolution layer with shared kernels, a
/// polynomial activation and a dense output layer (softmax for more than two classes).
///
/// Pixels are normalized by one mean and one standard deviation over all training pixels
/// (per-pixel standardization would break the weight sharing). The convolution is linear, so
/// the whole first layer is one matrix: [`to_network`](Self::to_network) gives the equivalent
/// one-hidden-layer [`Network`], whose `w1` is that matrix, and which the encrypted
/// [`NetworkServer`](crate::infer::NetworkServer) evaluates. [`logits`](Self::logits)
/// computes the convolution directly.
///
/// ```
/// use ckks_ml::ndarray::Array2;
/// use ckks_ml::plain::{ConvNet, ConvNetOptions, ConvShape};
/// // Vertical or horizontal bars on 4 x 4 images.
/// let x = Array2::from_shape_fn((8, 16), |(n, p)| {
///     let (i, j) = (p / 4, p % 4);
///     f64::from(if n % 2 == 0 { j == n / 2 % 4 } else { i == n / 2 % 4 })
/// });
/// let y: Vec<usize> = (0..8).map(|n| n % 2).collect();
/// let opts = ConvNetOptions {
///     shape: ConvShape { height: 4, width: 4, kernel: 3, stride: 1, padding: 1, filters: 2 },
///     ..ConvNetOptions::default()
/// };
/// let cnn = ConvNet::fit(x.view(), &y, 2, &opts)?;
/// assert_eq!(cnn.predict(x.view())?, y);
/// assert_eq!((cnn.hidden(), cnn.to_network().w1.len()), (32, 32));
/// assert_eq!(ConvNet::from_json(&cnn.to_json()?)?, cnn);
/// # Ok::<(), ckks_ml::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConvNet {
    /// The convolution's geometry.
    pub shape: ConvShape,
    /// Mean of the training pixels.
    pub pixel_mean: f64,
    /// Standard deviation of the training pixels.
    pub pixel_std: f64,
    /// One kernel of `kernel^2` taps (row-major) per filter.
    pub kernels: Vec<Vec<f64>>,
    /// One bias per filter.
    pub conv_bias: Vec<f64>,
    /// The activation after the convolution.
    pub activation: Activation,
    /// Output weights, one row of `hidden` weights per output.
    pub w2: Vec<Vec<f64>>,
    /// Output biases.
    pub b2: Vec<f64>,
}

/// `to[f * positions + p] = from[f]`: per-filter values spread over the filter's units.
fn per_unit(shape: &ConvShape, per_filter: &[f64]) -> Array1<f64> {
    Array1::from_shape_fn(shape.hidden(), |u| per_filter[u / shape.positions()])
}

/// The convolution's matrix (`hidden x inputs`), from the flat kernels (`filters x taps`).
fn conv_matrix(shape: &ConvShape, kernels: &[f64]) -> Array2<f64> {
    let mut m = Array2::zeros((shape.hidden(), shape.inputs()));
    for (f, unit, t, src) in shape.connections() {
        m[[unit, src]] += kernels[f * shape.taps() + t];
    }
    m
}

impl ConvNet {
    /// Trains on raw pixels `x` (one image per row) and labels `y` in `0..classes` (full
    /// batch). The kernels' gradient is the dense first-layer gradient folded over the taps
    /// each kernel weight is tied to.
    pub fn fit(
        x: ArrayView2<'_, f64>,
        y: &[usize],
        classes: usize,
        opts: &ConvNetOptions,
    ) -> Result<Self> {
        let shape = opts.shape;
        shape.validate()?;
        check_input(x, shape.inputs(), Some(y.len()))?;
        if classes < 2 {
            return Err(Error::InvalidArgument {
                name: "classes",
                value: classes.to_string(),
                expected: "at least 2",
            });
        }
        let targets = targets(y, classes)?;
        let n_pix = x.len() as f64;
        let pixel_mean = x.sum() / n_pix;
        let var = x.iter().map(|v| (v - pixel_mean).powi(2)).sum::<f64>() / n_pix;
        let pixel_std = if var.sqrt() > 1e-12 { var.sqrt() } else { 1.0 };
        let xs = x.mapv(|v| (v - pixel_mean) / pixel_std);

        let (f, t, h, k) = (shape.filters, shape.taps(), shape.hidden(), targets.ncols());
        let mut rng = SplitMix64::new(opts.seed);
        let (s1, s2) = (1.0 / (t as f64).sqrt(), 1.0 / (h as f64).sqrt());
        let mut theta: Vec<f64> = Vec::with_capacity(f * t + f + k * h + k);
        theta.extend((0..f * t).map(|_| s1 * rng.normal()));
        theta.extend(std::iter::repeat_n(0.0, f));
        theta.extend((0..k * h).map(|_| s2 * rng.normal()));
        theta.extend(std::iter::repeat_n(0.0, k));
        let (o_b1, o_w2, o_b2) = (f * t, f * t + f, f * t + f + k * h);
        let l2 = opts.train.l2;
        minimize(&mut theta, &opts.train, |th, grad| {
            let w1 = conv_matrix(&shape, &th[..o_b1]);
            let b1 = per_unit(&shape, &th[o_b1..o_w2]);
            let w2 = ArrayView2::from_shape((k, h), &th[o_w2..o_b2]).map_err(shape_error)?;
            let b2 = ArrayView1::from(&th[o_b2..]);
            let g = loss_and_gradients(
                &xs,
                &targets,
                w1.view(),
                b1.view(),
                &opts.activation,
                w2,
                b2,
            );
            grad.iter_mut().for_each(|v| *v = 0.0);
            for (fi, unit, tap, src) in shape.connections() {
                grad[fi * t + tap] += g.w1[[unit, src]];
            }
            for (unit, v) in g.b1.iter().enumerate() {
                grad[o_b1 + unit / shape.positions()] += v;
            }
            for (gr, gv) in grad[o_w2..o_b2].iter_mut().zip(g.w2.iter()) {
                *gr = *gv;
            }
            for (gr, gv) in grad[o_b2..].iter_mut().zip(g.b2.iter()) {
                *gr = *gv;
            }
            let mut penalty = 0.0;
            for i in (0..o_b1).chain(o_w2..o_b2) {
                grad[i] += l2 * th[i];
                penalty += th[i] * th[i];
            }
            Ok(g.loss + 0.5 * l2 * penalty)
        })?;
        Ok(Self {
            shape,
            pixel_mean,
            pixel_std,
            kernels: theta[..o_b1].chunks(t).map(<[f64]>::to_vec).collect(),
            conv_bias: theta[o_b1..o_w2].to_vec(),
            activation: opts.activation.clone(),
            w2: theta[o_w2..o_b2].chunks(h).map(<[f64]>::to_vec).collect(),
            b2: theta[o_b2..].to_vec(),
        })
    }

    /// The number of input pixels.
    pub fn inputs(&self) -> usize {
        self.shape.inputs()
    }

    /// The number of hidden units (`filters x positions`).
    pub fn hidden(&self) -> usize {
        self.shape.hidden()
    }

    /// The number of outputs: 1 for a binary classifier, else one per class.
    pub fn outputs(&self) -> usize {
        self.b2.len()
    }

    /// The convolution's pre-activations of raw pixels, one row per image, computed directly
    /// (each unit sums its kernel's taps over its window of the padded image).
    pub fn hidden_pre_activations(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.validate()?;
        check_input(x, self.inputs(), None)?;
        let s = &self.shape;
        let (out_w, positions) = (s.out_width(), s.positions());
        let mut pre = Array2::zeros((x.nrows(), s.hidden()));
        for (img, mut row) in x.rows().into_iter().zip(pre.rows_mut()) {
            let pixel = |i: usize, j: usize| -> f64 {
                match (i.checked_sub(s.padding), j.checked_sub(s.padding)) {
                    (Some(i), Some(j)) if i < s.height && j < s.width => {
                        (img[i * s.width + j] - self.pixel_mean) / self.pixel_std
                    }
                    _ => 0.0,
                }
            };
            for (f, (kernel, bias)) in self.kernels.iter().zip(&self.conv_bias).enumerate() {
                for p in 0..positions {
                    let (top, left) = (p / out_w * s.stride, p % out_w * s.stride);
                    let mut acc = *bias;
                    for ki in 0..s.kernel {
                        for kj in 0..s.kernel {
                            acc += kernel[ki * s.kernel + kj] * pixel(top + ki, left + kj);
                        }
                    }
                    row[f * positions + p] = acc;
                }
            }
        }
        Ok(pre)
    }

    /// The outputs (logits) of raw pixels, one row per image.
    pub fn logits(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let a = self
            .hidden_pre_activations(x)?
            .mapv(|v| self.activation.eval(v));
        let mut z = Array2::from_shape_fn((x.nrows(), self.outputs()), |(_, o)| self.b2[o]);
        for (mut zr, ar) in z.rows_mut().into_iter().zip(a.rows()) {
            for (zo, w) in zr.iter_mut().zip(&self.w2) {
                *zo += w.iter().zip(ar.iter()).map(|(w, a)| w * a).sum::<f64>();
            }
        }
        Ok(z)
    }

    /// Class probabilities: `[1 - p, p]` per row for a binary network, else the softmax.
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        Ok(probabilities(self.logits(x)?))
    }

    /// The most likely class of each image.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
        Ok(decisions(self.logits(x)?.view()))
    }

    /// The equivalent one-hidden-layer [`Network`]: the convolution as a linear transform
    /// (`w1` is its `hidden x inputs` matrix, with the kernels' weights repeated at every
    /// position and zeros outside each window), the per-filter bias repeated over the
    /// filter's units, and the pixel normalization as a standardizer with the same statistics
    /// for every pixel. It computes the same logits.
    pub fn to_network(&self) -> Network {
        let flat: Vec<f64> = self.kernels.concat();
        let w1 = conv_matrix(&self.shape, &flat);
        let n = self.inputs();
        Network {
            standardizer: Standardizer {
                mean: vec![self.pixel_mean; n],
                std: vec![self.pixel_std; n],
            },
            w1: w1.rows().into_iter().map(|r| r.to_vec()).collect(),
            b1: per_unit(&self.shape, &self.conv_bias).to_vec(),
            activation: self.activation.clone(),
            w2: self.w2.clone(),
            b2: self.b2.clone(),
        }
    }

    /// Checks shapes and finiteness.
    pub fn validate(&self) -> Result<()> {
        let s = &self.shape;
        s.validate()?;
        let (t, h, k) = (s.taps(), s.hidden(), self.outputs());
        if self.kernels.len() != s.filters
            || self.kernels.iter().any(|r| r.len() != t)
            || self.conv_bias.len() != s.filters
            || self.w2.len() != k
            || self.w2.iter().any(|r| r.len() != h)
            || k == 0
        {
            return Err(Error::InvalidModel(format!(
                "convolutional network: {} kernels of {t} taps, {} biases and w2 {k} x {h} expected (from the shape and b2)",
                s.filters, s.filters
            )));
        }
        if !(self.pixel_std.is_finite() && self.pixel_std > 0.0 && self.pixel_mean.is_finite()) {
            return Err(Error::InvalidModel(format!(
                "pixel mean {} and standard deviation {} must be finite, the deviation positive",
                self.pixel_mean, self.pixel_std
            )));
        }
        for r in self.kernels.iter().chain(&self.w2) {
            check_finite("convolutional network weights", r)?;
        }
        check_finite("convolutional network biases", &self.conv_bias)?;
        check_finite("convolutional network biases", &self.b2)?;
        if let Activation::PolySigmoid(p) = &self.activation {
            p.validate()?;
        }
        Ok(())
    }

    /// JSON with the normalization statistics.
    pub fn to_json(&self) -> Result<String> {
        Model::ConvNet(self.clone()).to_json()
    }

    /// Reads a model written by [`to_json`](Self::to_json).
    pub fn from_json(text: &str) -> Result<Self> {
        match Model::from_json(text)? {
            Model::ConvNet(m) => Ok(m),
            other => Err(wrong_kind("convolutional network", &other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random_images(n: usize, seed: u64) -> Array2<f64> {
        let mut rng = SplitMix64::new(seed);
        Array2::from_shape_fn((n, 64), |_| (8.0 + 5.0 * rng.normal()).clamp(0.0, 16.0))
    }

    fn random_net(shape: ConvShape, classes: usize, seed: u64) -> ConvNet {
        let mut rng = SplitMix64::new(seed);
        let mut rows = |r: usize, c: usize| -> Vec<Vec<f64>> {
            (0..r)
                .map(|_| (0..c).map(|_| rng.normal()).collect())
                .collect()
        };
        let kernels = rows(shape.filters, shape.taps());
        let conv_bias = rows(1, shape.filters).concat();
        let w2 = rows(classes, shape.hidden());
        let b2 = rows(1, classes).concat();
        ConvNet {
            shape,
            pixel_mean: 5.0,
            pixel_std: 6.0,
            kernels,
            conv_bias,
            activation: Activation::Square,
            w2,
            b2,
        }
    }

    #[test]
    fn convolution_matrix_gives_the_same_logits() {
        let x = random_images(20, 1);
        for shape in [
            ConvShape::default(),
            ConvShape {
                kernel: 2,
                stride: 1,
                padding: 0,
                filters: 3,
                ..ConvShape::default()
            },
            ConvShape {
                kernel: 5,
                stride: 3,
                padding: 2,
                filters: 2,
                ..ConvShape::default()
            },
        ] {
            let cnn = random_net(shape, 10, 2);
            let net = cnn.to_network();
            net.validate().unwrap();
            assert_eq!((net.inputs(), net.hidden()), (64, shape.hidden()));
            let (a, b) = (cnn.logits(x.view()).unwrap(), net.logits(x.view()).unwrap());
            let diff = (&a - &b).mapv(f64::abs).fold(0.0_f64, |m, &v| m.max(v));
            assert!(diff < 1e-9, "{shape:?}: {diff}");
        }
        // Default geometry: 4 x 4 positions; the corner unit sees a 2 x 2 window of pixels.
        let shape = ConvShape::default();
        assert_eq!(
            (shape.out_height(), shape.out_width(), shape.hidden()),
            (4, 4, 64)
        );
        let row0 = &random_net(shape, 10, 3).to_network().w1[0];
        let support: Vec<usize> = (0..64).filter(|&c| row0[c] != 0.0).collect();
        assert_eq!(support, [0, 1, 8, 9]);
    }

    #[test]
    fn kernel_gradient_matches_finite_differences() {
        // The loss `fit` minimizes, recomputed from the parameters through the direct
        // convolution, against the gradient `fit` uses after one plain GD step of size 1e-3:
        // theta_1 = theta_0 - lr * g(theta_0), so g = (theta_0 - theta_1) / lr.
        let shape = ConvShape {
            filters: 2,
            ..ConvShape::default()
        };
        let x = random_images(12, 4);
        let y: Vec<usize> = (0..12).map(|i| i % 3).collect();
        let loss = |net: &ConvNet| -> f64 {
            let p = net.predict_proba(x.view()).unwrap();
            let data = -y
                .iter()
                .enumerate()
                .map(|(i, &l)| p[[i, l]].ln())
                .sum::<f64>()
                / 12.0;
            let w: f64 = net
                .kernels
                .iter()
                .chain(&net.w2)
                .flatten()
                .map(|v| v * v)
                .sum();
            data + 0.5 * 0.01 * w
        };
        let train = |iterations: usize| -> ConvNet {
            let opts = ConvNetOptions {
                shape,
                train: TrainOptions {
                    optimizer: super::super::Optimizer::GradientDescent,
                    learning_rate: 1e-3,
                    iterations,
                    l2: 0.01,
                    gradient_clip: None,
                },
                seed: 9,
                ..ConvNetOptions::default()
            };
            ConvNet::fit(x.view(), &y, 3, &opts).unwrap()
        };
        let (start, step) = (train(0), train(1));
        let eps = 1e-6;
        let mut checked = 0;
        for f in 0..shape.filters {
            for t in 0..shape.taps() {
                let analytic = (start.kernels[f][t] - step.kernels[f][t]) / 1e-3;
                let (mut plus, mut minus) = (start.clone(), start.clone());
                plus.kernels[f][t] += eps;
                minus.kernels[f][t] -= eps;
                let numeric = (loss(&plus) - loss(&minus)) / (2.0 * eps);
                assert!(
                    (analytic - numeric).abs() < 1e-6 * (1.0 + numeric.abs()),
                    "kernel {f} tap {t}: {analytic} vs {numeric}"
                );
                checked += 1;
            }
            let analytic = (start.conv_bias[f] - step.conv_bias[f]) / 1e-3;
            let (mut plus, mut minus) = (start.clone(), start.clone());
            plus.conv_bias[f] += eps;
            minus.conv_bias[f] -= eps;
            let numeric = (loss(&plus) - loss(&minus)) / (2.0 * eps);
            assert!((analytic - numeric).abs() < 1e-6 * (1.0 + numeric.abs()));
        }
        assert_eq!(checked, 18);
    }

    #[test]
    fn json_round_trip_and_validation() {
        let cnn = random_net(ConvShape::default(), 10, 5);
        let json = cnn.to_json().unwrap();
        assert_eq!(ConvNet::from_json(&json).unwrap(), cnn);
        assert!(Network::from_json(&json).is_err());
        let mut bad = cnn.clone();
        bad.kernels[1].pop();
        assert!(bad.validate().is_err());
        let mut bad = cnn;
        bad.pixel_std = 0.0;
        assert!(bad.to_json().is_ok_and(|j| ConvNet::from_json(&j).is_err()));
        assert!(
            ConvShape {
                kernel: 11,
                ..ConvShape::default()
            }
            .validate()
            .is_err()
        );
    }
}
