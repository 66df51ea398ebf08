//! Training on encrypted data: linear and logistic regression by gradient descent or
//! Nesterov's accelerated gradient over a packed, encrypted data set.
//!
//! The method is the iDASH 2017 winner's (Kim, Song, Kim, Lee, Cheon 2018, "HELR"), as re-run
//! at 128-bit security by Ogilvie, Player and Rowell (2020), with one level per iteration saved
//! by folding the block mask into the data.
//!
//! # Roles
//!
//! The **client** owns the data and the secret key. It standardizes the features, builds the
//! rows `z_i` ([`prepare_logistic`], [`prepare_linear`]), encrypts them
//! ([`TrainClient::encrypt_data`]) and generates the evaluation keys the [`TrainPlan`] lists.
//! The **server** ([`TrainServer`]) holds an [`Evaluator`], the public plan
//! and the ciphertexts: it never decrypts, and returns encrypted weights, which only the client
//! decrypts ([`TrainClient::decrypt_weights`]).
//!
//! # Rows
//!
//! - Logistic regression: `z_i = y'_i (x_i, 1)` with `y'_i` in `{-1, 1}` and `x_i` the
//!   standardized features; the gradient of the log-likelihood is `sum_i sigmoid(-z_i . w) z_i`.
//! - Linear regression: `z_i = (x_i, 1, y_i)` with the weight of the last column held at `-1`,
//!   so that `z_i . w` is the residual; the gradient of the mean squared error / 2 is
//!   `sum_i (z_i . w) z_i` over the feature and bias columns.
//!
//! # Packing
//!
//! Rows are padded to `width` columns (a power of two) and laid out sample-major: slot
//! `r * width + j` of chunk `c` holds `z_(c R + r, j)`, `R = slots / width` rows per
//! ciphertext (1024 Edinburgh rows in one ciphertext at `N = 2^15`). For each column `j` the
//! client encrypts the *masked* ciphertext `Z_j` (column `j` only, zeros elsewhere); the
//! server adds them into `Z = sum_j Z_j`. The weights are replicated: slot `r * width + j`
//! holds `w_j` for every row `r`.
//!
//! # One iteration
//!
//! With `v` the look-ahead weights at level `l` and scale `Delta`:
//!
//! 1. `M = Z * v` (relinearize, rescale: level `l - 1`);
//! 2. `S = sum_within_blocks(M, width)`: slot `r * width` holds `a_r = z_r . v`
//!    (`log2(width)` rotations; the other slots hold partial sums nobody reads);
//! 3. `Q = k_t P(S)`, the activation polynomial times the step, evaluated by
//!    [`Evaluator::evaluate_polynomial_to`](ckks::Evaluator::evaluate_polynomial_to) at its
//!    depth (2 levels for degree 3, 3 for degree 5 and 7, 1 for linear regression's `-a`);
//! 4. `G = sum_j rotate(Q, -j) * Z_j` over the gradient columns: the rotations are hoisted
//!    (one decomposition of `Q`), the products are summed before one relinearization, and the
//!    zeros of the masked `Z_j` keep only slot `r * width + j`, which now holds
//!    `q_r z_(r, j)`: the mask HELR multiplies by (one level) is folded into the data;
//!    rescale: one level;
//! 5. `G = sum_across_blocks(G, width)`: every row block holds the gradient step, so the
//!    weights stay replicated (`log2(R)` rotations).
//!
//! Depth per iteration: `2 + depth(P)`: **4** for the degree-3 sigmoid, **5** for degrees 5 and
//! 7, **3** for linear regression. The first iteration of logistic regression from zero
//! weights costs **one** level: every `a_r` is 0, so `G = k_0 P(0) sum_across_blocks(Z)`, a
//! constant multiplication. Five degree-3 iterations take `1 + 4 * 4 = 17` levels, which fit
//! `N = 2^15` at 128-bit security with 40-bit primes ([`default_params`]).
//!
//! # Nesterov's update without a level
//!
//! With `lambda_0 = 1`, `lambda_(t+1) = (1 + sqrt(1 + 4 lambda_t^2)) / 2`, the momentum
//! `mu_t = (lambda_t - 1) / lambda_(t+1)` and the step `alpha_t` ([`TrainConfig`]):
//! `w_(t+1) = v_t + g_t`, `v_(t+1) = (1 + mu_t) w_(t+1) - mu_t w_t`. The server computes
//! `G_t = (1 + mu_t) g_t` directly (the factor and `alpha_t / n` are folded into the
//! polynomial's coefficients, as the sigmoid's input scale `1 / h` is folded into the weights,
//! which are kept divided by `h`), and then
//!
//! `v_(t+1) = (1 + mu_t) v_t - mu_t w_t + G_t`,
//!
//! where `v_t` and `w_t = v_(t-1) + G_(t-1) / (1 + mu_(t-1))` are combinations of ciphertexts
//! at *higher* levels than `G_t`: their constant multiplications are rescaled on the way down
//! and cost no level on the critical path. `w_t` is never materialized; the state carries it as
//! a list of (ciphertext, coefficient) terms ([`EncryptedState`]). The last iteration uses the
//! factor 1 and returns `w_T = v_(T-1) + G_(T-1)`.
//!
//! # Scales
//!
//! Every state ciphertext (`v`, the terms of `w`, the result) sits at exactly the default scale
//! `Delta`. The polynomial is evaluated to the exact scale `Delta q_l / Delta_Z`, so that the
//! product with `Z_j` lands at `Delta` after the rescale by `q_l`; a constant multiplication
//! of a state term is encoded at `Delta q / scale` for the prime `q` it is rescaled by. No
//! addition ever meets two different scales, and no level is spent on matching them.
//!
//! # Client refresh (optional)
//!
//! Without bootstrapping the modulus chain bounds the iterations of one encrypted round. With
//! [`TrainConfig::rounds`] above 1, after each round the client decrypts the state (the
//! weights `v_t` and the terms of `w_t`) and encrypts it afresh at the top level
//! ([`TrainClient::refresh`]), as TenSEAL's training tutorial does. What it reveals: the
//! **client** sees every intermediate model (it is the data owner and gets the final model
//! anyway, so it learns little more, but in a setting where the model must stay with the server
//! or a third party this mode is not acceptable); the **server** still sees only ciphertexts,
//! but learns the number of rounds and their timing, and must trust the client to return an
//! honest refreshed state (a malicious client can steer the model; it could anyway, being the
//! data owner). The data never leave encryption.
//!
//! # Plaintext twin
//!
//! [`twin`] runs the same rows, polynomial, schedule and iterations in `f64`; the decrypted
//! weights agree with it to CKKS precision (the tests and the `idash_logreg` example check
//! `1e-3` relative).

mod client;
mod server;
mod session;

pub use client::{EncryptedData, TrainClient};
pub use server::{EncryptedState, TrainServer};
pub use session::{Progress, Run, Session, peak_memory_bytes};

use ckks::params::{ParametersLiteral, SecurityLevel, max_log_qp};
use ckks::{Context, EvaluationKeys, Evaluator, SecretKey};
use ndarray::{ArrayView1, ArrayView2};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::activation::PolySigmoid;
use crate::data::Standardizer;
use crate::error::{Error, Result};
use crate::plain::{LinearRegression, LogisticRegression};

/// What is trained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Task {
    /// Logistic regression with a polynomial sigmoid fitted on a symmetric interval
    /// `[-h, h]` ([`PolySigmoid::fit`]); rows from [`prepare_logistic`].
    Logistic {
        /// The sigmoid approximation.
        sigmoid: PolySigmoid,
    },
    /// Linear regression (least squares); rows from [`prepare_linear`], whose last column is
    /// the target.
    Linear,
}

impl Task {
    /// Logistic regression with the least-squares sigmoid fit of `degree` on `[-h, h]`.
    pub fn logistic(degree: usize, h: f64) -> Result<Self> {
        Ok(Task::Logistic {
            sigmoid: PolySigmoid::fit(-h, h, degree)?,
        })
    }

    /// The factor the weights are divided by while training (`h` for logistic regression, so
    /// that `z . w / h` is the sigmoid polynomial's normalized input; 1 for linear).
    pub fn weight_scale(&self) -> f64 {
        match self {
            Task::Logistic { sigmoid } => sigmoid.half_width,
            Task::Linear => 1.0,
        }
    }

    /// The per-sample gradient weight `P(s)` as a function of `s = z . (w / h)`, power basis:
    /// `sigmoid(-h s)` approximated by the fitted polynomial (logistic), `-s` (linear).
    pub fn activation(&self) -> Result<Vec<f64>> {
        match self {
            Task::Logistic { sigmoid } => {
                sigmoid.validate()?;
                if sigmoid.center != 0.0 {
                    return Err(Error::InvalidModel(format!(
                        "the sigmoid must be fitted on a symmetric interval [-h, h], not centred at {}",
                        sigmoid.center
                    )));
                }
                Ok(sigmoid
                    .poly
                    .coeffs
                    .iter()
                    .enumerate()
                    .map(|(k, &c)| if k % 2 == 1 { -c } else { c })
                    .collect())
            }
            Task::Linear => Ok(vec![0.0, -1.0]),
        }
    }

    /// Levels taken by the activation polynomial (monomial basis: `ceil(log2(degree + 1))`).
    pub fn activation_depth(&self) -> Result<usize> {
        Ok(ckks::circuits::Polynomial::monomial(&self.activation()?)?.depth())
    }

    /// The number of trailing columns that are not trained (the target column of linear
    /// regression).
    fn fixed_columns(&self) -> usize {
        match self {
            Task::Logistic { .. } => 0,
            Task::Linear => 1,
        }
    }
}

/// Step sizes, momentum and the number of iterations.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Iterations per encrypted round (bounded by the modulus chain).
    pub iterations: usize,
    /// Rounds; above 1, the client refreshes the state between rounds (see the module docs).
    pub rounds: usize,
    /// The step `alpha_0` applied to the mean gradient.
    pub learning_rate: f64,
    /// `alpha_t = learning_rate / (t + 1)` if set, else constant.
    pub harmonic_decay: bool,
    /// Nesterov's accelerated gradient (else plain gradient descent).
    pub nesterov: bool,
}

impl Default for TrainConfig {
    /// HELR's setting: 5 Nesterov iterations, `alpha_t = 3 / (t + 1)`, one round.
    fn default() -> Self {
        Self {
            iterations: 5,
            rounds: 1,
            learning_rate: 3.0,
            harmonic_decay: true,
            nesterov: true,
        }
    }
}

/// The coefficients of iteration `t` (global, across rounds).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// The step on the mean gradient.
    pub alpha: f64,
    /// Nesterov's momentum `mu_t` (0 for gradient descent).
    pub momentum: f64,
    /// The factor the gradient step is computed with: `1 + mu_t`, or 1 on the last iteration
    /// (which returns `w_T` and no look-ahead).
    pub factor: f64,
}

impl TrainConfig {
    /// Checks the numbers.
    pub fn validate(&self) -> Result<()> {
        if self.iterations == 0 || self.rounds == 0 {
            return Err(Error::InvalidArgument {
                name: "iterations and rounds",
                value: format!("{} x {}", self.iterations, self.rounds),
                expected: "at least one iteration in at least one round",
            });
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(Error::InvalidArgument {
                name: "learning_rate",
                value: self.learning_rate.to_string(),
                expected: "finite and positive",
            });
        }
        Ok(())
    }

    /// Every iteration's coefficients, over all rounds.
    pub fn steps(&self) -> Vec<Step> {
        let total = self.iterations * self.rounds;
        let mut lambda = 1.0f64;
        (0..total)
            .map(|t| {
                let next = (1.0 + (1.0 + 4.0 * lambda * lambda).sqrt()) / 2.0;
                let momentum = if self.nesterov {
                    (lambda - 1.0) / next
                } else {
                    0.0
                };
                lambda = next;
                let alpha = if self.harmonic_decay {
                    self.learning_rate / (t + 1) as f64
                } else {
                    self.learning_rate
                };
                let factor = if t + 1 == total { 1.0 } else { 1.0 + momentum };
                Step {
                    alpha,
                    momentum,
                    factor,
                }
            })
            .collect()
    }
}

/// Everything the server and the client agree on before any key exists: the parameters, the
/// packing, the depth and the rotation keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainPlan {
    /// The parameters.
    pub params: ParametersLiteral,
    /// Their id (a context must match it).
    pub param_id: u64,
    /// What is trained.
    pub task: Task,
    /// Iterations, rounds, steps.
    pub config: TrainConfig,
    /// The number of training rows.
    pub samples: usize,
    /// Columns of a row (bias included, and the target for linear regression).
    pub columns: usize,
    /// Columns padded to a power of two: the row block.
    pub width: usize,
    /// Rows per ciphertext.
    pub rows_per_chunk: usize,
    /// Ciphertexts per column.
    pub chunks: usize,
    /// Slots per ciphertext (`width * rows_per_chunk`).
    pub slots: usize,
    /// Levels per iteration (`2 + depth` of the activation).
    pub depth_per_iteration: usize,
    /// Levels of one round.
    pub depth: usize,
    /// The rotation steps whose Galois keys the server needs.
    pub rotations: Vec<i64>,
    /// The level the data and refreshed states are encrypted at.
    pub input_level: usize,
    /// log2 of the scale.
    pub log_scale: u32,
}

/// Levels per iteration and levels of one round: `2 + depth(P)` per iteration, `T` iterations,
/// and the first iteration of a single-round logistic regression (from zero weights) in one
/// level.
pub fn round_depth(task: &Task, config: &TrainConfig) -> Result<(usize, usize)> {
    config.validate()?;
    let per_iteration = 2 + task.activation_depth()?;
    let saving = match task {
        Task::Logistic { .. } if config.rounds == 1 => per_iteration - 1,
        _ => 0,
    };
    Ok((per_iteration, per_iteration * config.iterations - saving))
}

/// The log2 of the first prime of [`default_params`] (it holds the result: 20 bits above the
/// scale).
pub const DEFAULT_LOG_Q0: u32 = 60;
/// The log2 of the scale and of the rescaling primes of [`default_params`].
pub const DEFAULT_LOG_SCALE: u32 = 40;
/// The log2 of the key-switching primes of [`default_params`].
pub const DEFAULT_LOG_P: u32 = 60;

/// 128-bit parameters for `depth` levels with at least `slots` slots: the smallest ring degree
/// from `2^15` whose modulus budget holds `q = [60, 40 x depth]` and `p = [60 x alpha]`, with
/// the largest `alpha` (the fewest key-switching digits) that fits, up to 3.
///
/// ```
/// let p = ckks_ml::train::default_params(17, 16384)?;
/// assert_eq!((p.log_n, p.log_q.len(), p.log_p.len()), (15, 18, 2));       // 860 of 881 bits
/// assert_eq!(ckks_ml::train::default_params(21, 16384)?.log_n, 16);
/// # Ok::<(), ckks_ml::Error>(())
/// ```
pub fn default_params(depth: usize, slots: usize) -> Result<ParametersLiteral> {
    let min_log_n = (2 * slots.max(1))
        .next_power_of_two()
        .trailing_zeros()
        .max(15);
    let q_bits = DEFAULT_LOG_Q0 as usize + DEFAULT_LOG_SCALE as usize * depth;
    for log_n in min_log_n..=16 {
        let Some(budget) = max_log_qp(log_n, SecurityLevel::Classical128) else {
            continue;
        };
        for alpha in (1..=3usize).rev() {
            if q_bits + DEFAULT_LOG_P as usize * alpha <= budget as usize {
                return Ok(ParametersLiteral {
                    log_n,
                    log_q: std::iter::once(DEFAULT_LOG_Q0)
                        .chain(std::iter::repeat_n(DEFAULT_LOG_SCALE, depth))
                        .collect(),
                    log_p: vec![DEFAULT_LOG_P; alpha],
                    log_scale: DEFAULT_LOG_SCALE,
                    ..Default::default()
                });
            }
        }
    }
    Err(Error::PlanDoesNotFit {
        needed: format!("{depth} levels of 40 bits and {slots} slots"),
        available: "at most 1747 bits of modulus at N = 2^16 (128-bit security)".into(),
        fix: "lower the iterations per round and use client refresh (rounds > 1), or a lower sigmoid degree",
    })
}

impl TrainPlan {
    /// The plan for `samples` rows of `columns` columns, on the parameters `params` (any
    /// security: tests pass `build_insecure_for_tests` parameters).
    pub fn new(
        params: &ckks::params::Parameters,
        task: Task,
        config: TrainConfig,
        samples: usize,
        columns: usize,
    ) -> Result<Self> {
        config.validate()?;
        if samples == 0 {
            return Err(Error::Empty {
                what: "the training set",
                fix: "pass at least one row",
            });
        }
        if columns <= task.fixed_columns() {
            return Err(Error::ShapeMismatch {
                what: "columns of a training row (at least one trained column)",
                expected: task.fixed_columns() + 1,
                found: columns,
            });
        }
        let width = columns.next_power_of_two();
        let max_slots = params.max_slots();
        if width > max_slots {
            return Err(Error::PlanDoesNotFit {
                needed: format!("{width} slots for one row"),
                available: format!("{max_slots} slots"),
                fix: "use a larger ring degree",
            });
        }
        let rows_per_chunk = (max_slots / width).min(samples.next_power_of_two());
        let chunks = samples.div_ceil(rows_per_chunk);
        let slots = width * rows_per_chunk;
        let (depth_per_iteration, depth) = round_depth(&task, &config)?;
        let max_level = params.max_level();
        if depth > max_level {
            return Err(Error::PlanDoesNotFit {
                needed: format!(
                    "depth {depth} ({} iterations of {depth_per_iteration} levels)",
                    config.iterations
                ),
                available: format!("{max_level} levels"),
                fix: "use train::default_params(depth, slots), fewer iterations per round, or client refresh (rounds > 1)",
            });
        }
        let gradient_columns = columns - task.fixed_columns();
        let mut rotations = Evaluator::sum_within_blocks_steps(width);
        rotations.extend((1..gradient_columns).map(|j| -(j as i64)));
        rotations.extend(Evaluator::sum_across_blocks_steps(width, slots));
        rotations.sort_unstable();
        rotations.dedup();
        Ok(Self {
            params: params.literal().clone(),
            param_id: params.id(),
            task,
            config,
            samples,
            columns,
            width,
            rows_per_chunk,
            chunks,
            slots,
            depth_per_iteration,
            depth,
            rotations,
            input_level: max_level,
            log_scale: params.log_scale(),
        })
    }

    /// The plan on [`default_params`] (128-bit security).
    pub fn with_default_params(
        task: Task,
        config: TrainConfig,
        samples: usize,
        columns: usize,
    ) -> Result<Self> {
        let (_, depth) = round_depth(&task, &config)?;
        // More rows than one ciphertext at N = 2^15 holds go to more ciphertexts, not to a
        // larger ring.
        let slots = columns.next_power_of_two() * samples.max(1).next_power_of_two();
        let literal = default_params(depth, slots.min(1 << 14))?;
        Self::new(&literal.build()?, task, config, samples, columns)
    }

    /// The columns whose weights are trained (the target column of linear regression is not).
    pub fn gradient_columns(&self) -> usize {
        self.columns - self.task.fixed_columns()
    }

    /// Whether the first round starts from zero weights (logistic regression), which the
    /// server does in one level without an encrypted start.
    pub fn zero_start(&self) -> bool {
        matches!(self.task, Task::Logistic { .. })
    }

    /// The weights training starts from: zero, and `-1` on the target column of linear
    /// regression.
    pub fn initial_weights(&self) -> Vec<f64> {
        let mut w = vec![0.0; self.columns];
        if let Task::Linear = self.task {
            w[self.columns - 1] = -1.0;
        }
        w
    }

    /// The evaluation keys the server needs (relinearization and [`rotations`](Self::rotations)),
    /// generated by the client.
    pub fn evaluation_keys<R: CryptoRng + ?Sized>(
        &self,
        sk: &SecretKey,
        rng: &mut R,
    ) -> Result<EvaluationKeys> {
        Ok(EvaluationKeys::builder(sk)
            .relinearization()
            .rotations(&self.rotations)
            .build(rng)?)
    }

    /// Checks that `ctx` runs the plan's parameters.
    pub fn check_context(&self, ctx: &Context) -> Result<()> {
        if ctx.id() != self.param_id {
            return Err(Error::LayoutMismatch(format!(
                "the context's parameters (id {:#x}) are not the training plan's (id {:#x}): build the context from plan.params",
                ctx.id(),
                self.param_id
            )));
        }
        Ok(())
    }

    pub(crate) fn check_rows(&self, rows: &[Vec<f64>]) -> Result<()> {
        if rows.len() != self.samples {
            return Err(Error::ShapeMismatch {
                what: "training rows",
                expected: self.samples,
                found: rows.len(),
            });
        }
        if let Some(r) = rows.iter().find(|r| r.len() != self.columns) {
            return Err(Error::ShapeMismatch {
                what: "columns of a training row",
                expected: self.columns,
                found: r.len(),
            });
        }
        Ok(())
    }
}

/// The training rows of logistic regression, `z_i = y'_i (standardize(x_i), 1)`, and the
/// standardizer (fitted on `x`).
pub fn prepare_logistic(
    x: ArrayView2<'_, f64>,
    y: &[bool],
) -> Result<(Vec<Vec<f64>>, Standardizer)> {
    standardized_rows(x, y, "labels (one per row of x)", |r, &label| {
        let sign = if label { 1.0 } else { -1.0 };
        r.iter()
            .chain(std::iter::once(&1.0))
            .map(|v| sign * v)
            .collect()
    })
}

/// The training rows of linear regression, `(standardize(x_i), 1, y_i)`, and the standardizer.
pub fn prepare_linear(
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, f64>,
) -> Result<(Vec<Vec<f64>>, Standardizer)> {
    let y: Vec<f64> = y.to_vec();
    standardized_rows(x, &y, "targets (one per row of x)", |r, &t| {
        r.iter().copied().chain([1.0, t]).collect()
    })
}

/// `row(standardize(x_i), y_i)` for every row, and the standardizer fitted on `x`; `what`
/// names `y` in the error when its length is not the number of rows.
fn standardized_rows<T>(
    x: ArrayView2<'_, f64>,
    y: &[T],
    what: &'static str,
    row: impl Fn(ArrayView1<'_, f64>, &T) -> Vec<f64>,
) -> Result<(Vec<Vec<f64>>, Standardizer)> {
    if y.len() != x.nrows() {
        return Err(Error::ShapeMismatch {
            what,
            expected: x.nrows(),
            found: y.len(),
        });
    }
    let standardizer = Standardizer::fit(x)?;
    let xs = standardizer.transform(x)?;
    let rows = xs
        .rows()
        .into_iter()
        .zip(y)
        .map(|(r, t)| row(r, t))
        .collect();
    Ok((rows, standardizer))
}

/// The logistic model from trained weights (as [`TrainClient::decrypt_weights`] returns them:
/// features, then bias).
pub fn logistic_model(
    plan: &TrainPlan,
    standardizer: Standardizer,
    weights: &[f64],
) -> Result<LogisticRegression> {
    let Task::Logistic { sigmoid } = &plan.task else {
        return Err(Error::InvalidModel(
            "the plan trains a linear regression".into(),
        ));
    };
    let (bias, w) = split_bias(weights, plan.columns)?;
    Ok(LogisticRegression {
        standardizer,
        weights: w,
        bias,
        sigmoid: sigmoid.clone(),
    })
}

/// The linear model from trained weights (features, bias, and the target column's `-1`).
pub fn linear_model(
    plan: &TrainPlan,
    standardizer: Standardizer,
    weights: &[f64],
) -> Result<LinearRegression> {
    if !matches!(plan.task, Task::Linear) {
        return Err(Error::InvalidModel(
            "the plan trains a logistic regression".into(),
        ));
    }
    let (bias, w) = split_bias(
        &weights[..weights.len().saturating_sub(1)],
        plan.columns - 1,
    )?;
    Ok(LinearRegression {
        standardizer,
        weights: w,
        bias,
    })
}

fn split_bias(weights: &[f64], columns: usize) -> Result<(f64, Vec<f64>)> {
    match weights.split_last() {
        Some((&bias, w)) if weights.len() == columns => Ok((bias, w.to_vec())),
        _ => Err(Error::ShapeMismatch {
            what: "trained weights",
            expected: columns,
            found: weights.len(),
        }),
    }
}

/// The plaintext twin: the same rows, polynomial, schedule, iterations and start as the
/// encrypted training, in `f64`. Returns the weights (in the units of
/// [`TrainClient::decrypt_weights`]).
pub fn twin(plan: &TrainPlan, rows: &[Vec<f64>]) -> Result<Vec<f64>> {
    plan.check_rows(rows)?;
    let task = &plan.task;
    let h = task.weight_scale();
    let p = task.activation()?;
    let grad_cols = plan.gradient_columns();
    let n = plan.samples as f64;
    let mut v: Vec<f64> = plan.initial_weights().iter().map(|w| w / h).collect();
    let mut w = v.clone();
    for s in plan.config.steps() {
        let k = s.factor * s.alpha / (n * h);
        let mut g = vec![0.0; plan.columns];
        for z in rows {
            let a: f64 = z.iter().zip(&v).map(|(a, b)| a * b).sum();
            let q = k * p.iter().rev().fold(0.0, |acc, &c| acc * a + c);
            for (gj, zj) in g.iter_mut().zip(z).take(grad_cols) {
                *gj += q * zj;
            }
        }
        // w' = v + g / factor; v' = (1 + mu) v - mu w + g (factor = 1 + mu but on the last).
        let w_next: Vec<f64> = v.iter().zip(&g).map(|(v, g)| v + g / s.factor).collect();
        v = v
            .iter()
            .zip(&w)
            .zip(&g)
            .map(|((v, w), g)| (1.0 + s.momentum) * v - s.momentum * w + g)
            .collect();
        w = w_next;
    }
    Ok(w.iter().map(|x| x * h).collect())
}

/// `max_j |a_j - b_j| / max_j |b_j|`: the agreement of trained weights with their twin,
/// relative to the largest weight.
pub fn relative_difference(a: &[f64], b: &[f64]) -> Result<f64> {
    if a.len() != b.len() {
        return Err(Error::ShapeMismatch {
            what: "weights compared",
            expected: b.len(),
            found: a.len(),
        });
    }
    let norm = b
        .iter()
        .fold(0.0f64, |m, x| m.max(x.abs()))
        .max(f64::MIN_POSITIVE);
    Ok(a.iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
        / norm)
}

#[cfg(test)]
mod tests;
