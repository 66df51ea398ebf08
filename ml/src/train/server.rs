//! The server's side of training: iterations on ciphertexts with evaluation keys only.

use ckks::circuits::Polynomial;
use ckks::{Ciphertext, Evaluator};

use super::{EncryptedData, Step, TrainPlan};
use crate::error::{Error, Result};

/// The state between iterations: the look-ahead weights `v_t` and the current weights `w_t` as
/// a combination of ciphertexts with public coefficients (see the module docs). Every
/// ciphertext sits at the default scale; weights are divided by
/// [`Task::weight_scale`](super::Task::weight_scale).
#[derive(Clone, Debug)]
pub struct EncryptedState {
    /// `v_t`; `None` for zero weights (the start of logistic regression). After the last
    /// iteration, `w_T`.
    pub v: Option<Ciphertext>,
    /// `w_t = sum c_k ct_k` (empty: zero).
    pub w: Vec<(Ciphertext, f64)>,
    /// The number of iterations done (over all rounds).
    pub iteration: usize,
}

impl EncryptedState {
    /// Zero weights, no iteration done.
    pub fn zero() -> Self {
        Self {
            v: None,
            w: Vec::new(),
            iteration: 0,
        }
    }

    /// The lowest level of the state's ciphertexts (what the next iteration starts from).
    pub fn level(&self) -> Option<usize> {
        self.v.as_ref().map(Ciphertext::level)
    }
}

/// One chunk of rows: the masked columns that enter the gradient, and their sum `Z`.
#[derive(Debug)]
struct Chunk {
    z: Ciphertext,
    gradient_columns: Vec<Ciphertext>,
}

/// Trains on an encrypted data set. Holds an [`Evaluator`] (evaluation keys only), the public
/// plan and the ciphertexts: no secret key is reachable from it.
#[derive(Debug)]
pub struct TrainServer<'a> {
    eval: &'a Evaluator,
    plan: TrainPlan,
    chunks: Vec<Chunk>,
    /// `sum_across_blocks(sum of the chunks' Z)`: the first gradient from zero weights.
    z_total: Option<Ciphertext>,
    steps: Vec<Step>,
    activation: Vec<f64>,
}

impl<'a> TrainServer<'a> {
    /// A server for `plan` over `data` (as [`TrainClient::encrypt_data`](super::TrainClient::encrypt_data)
    /// made it).
    pub fn new(eval: &'a Evaluator, plan: &TrainPlan, data: EncryptedData) -> Result<Self> {
        plan.check_context(eval.context())?;
        if data.chunks.len() != plan.chunks {
            return Err(Error::ShapeMismatch {
                what: "chunks of the encrypted data",
                expected: plan.chunks,
                found: data.chunks.len(),
            });
        }
        let gradient_columns = plan.gradient_columns();
        let mut chunks = Vec::with_capacity(plan.chunks);
        for columns in data.chunks {
            if columns.len() != plan.columns {
                return Err(Error::ShapeMismatch {
                    what: "column ciphertexts of a chunk",
                    expected: plan.columns,
                    found: columns.len(),
                });
            }
            if let Some(ct) = columns
                .iter()
                .find(|ct| ct.slots() != plan.slots || ct.level() < plan.depth)
            {
                return Err(Error::LayoutMismatch(format!(
                    "a data ciphertext has {} slots at level {}; the plan needs {} slots at level {} or above",
                    ct.slots(),
                    ct.level(),
                    plan.slots,
                    plan.depth
                )));
            }
            let mut z = columns[0].clone();
            for c in &columns[1..] {
                eval.add_assign(&mut z, c)?;
            }
            let mut gradient = columns;
            gradient.truncate(gradient_columns);
            chunks.push(Chunk {
                z,
                gradient_columns: gradient,
            });
        }
        let z_total = if plan.zero_start() {
            let mut total = chunks[0].z.clone();
            for c in &chunks[1..] {
                eval.add_assign(&mut total, &c.z)?;
            }
            Some(eval.sum_across_blocks(&total, plan.width)?)
        } else {
            None
        };
        Ok(Self {
            eval,
            steps: plan.config.steps(),
            activation: plan.task.activation()?,
            plan: plan.clone(),
            chunks,
            z_total,
        })
    }

    /// The plan.
    pub fn plan(&self) -> &TrainPlan {
        &self.plan
    }

    /// One round: [`TrainConfig::iterations`](super::TrainConfig::iterations) iterations from
    /// `state`, calling `progress(i)` after the `i`-th.
    pub fn round(
        &self,
        state: EncryptedState,
        mut progress: impl FnMut(usize),
    ) -> Result<EncryptedState> {
        let mut state = state;
        for i in 0..self.plan.config.iterations {
            state = self.step(&state)?;
            progress(i + 1);
        }
        Ok(state)
    }

    /// One iteration.
    pub fn step(&self, state: &EncryptedState) -> Result<EncryptedState> {
        let t = state.iteration;
        let Some(s) = self.steps.get(t) else {
            return Err(Error::InvalidArgument {
                name: "iteration",
                value: t.to_string(),
                expected: "below the configured iterations x rounds",
            });
        };
        let n = self.plan.samples as f64;
        let k = s.factor * s.alpha / (n * self.plan.task.weight_scale());
        let g = match &state.v {
            None => self.zero_gradient(k)?,
            Some(v) => self.gradient(v, k)?,
        };
        let (level, scale) = (g.level(), g.scale());
        let last = t + 1 == self.steps.len();
        // w_(t+1) = v_t + G_t / factor.
        let mut w_next = vec![(g.clone(), 1.0 / s.factor)];
        if let Some(v) = &state.v {
            w_next.push((v.clone(), 1.0));
        }
        if last {
            let w = self.combine(&w_next, level, scale)?;
            return Ok(EncryptedState {
                v: Some(w.clone()),
                w: vec![(w, 1.0)],
                iteration: t + 1,
            });
        }
        // v_(t+1) = (1 + mu) v_t - mu w_t + G_t.
        let mut terms: Vec<(Ciphertext, f64)> = vec![(g, 1.0)];
        if let Some(v) = &state.v {
            terms.push((v.clone(), 1.0 + s.momentum));
        }
        if s.momentum != 0.0 {
            terms.extend(state.w.iter().map(|(ct, c)| (ct.clone(), -s.momentum * c)));
        }
        let v = self.combine(&terms, level, scale)?;
        Ok(EncryptedState {
            v: Some(v),
            w: w_next,
            iteration: t + 1,
        })
    }

    /// `k P(0) sum_i z_i`: the gradient step from zero weights, one level.
    fn zero_gradient(&self, k: f64) -> Result<Ciphertext> {
        let Some(total) = &self.z_total else {
            return Err(Error::InvalidArgument {
                name: "state",
                value: "zero weights".into(),
                expected: "an encrypted start for linear regression (TrainClient::start)",
            });
        };
        let c = k * self.activation.first().copied().unwrap_or(0.0);
        self.scaled(total, c, total.level() - 1, self.default_scale())
    }

    /// `G = sum_across_blocks(sum_j rotate(Q, -j) * Z_j)`, `Q = k P(Z . v)` (see the module
    /// docs), at the default scale, `depth_per_iteration` levels below `v`.
    fn gradient(&self, v: &Ciphertext, k: f64) -> Result<Ciphertext> {
        let eval = self.eval;
        let level = v.level();
        if level < self.plan.depth_per_iteration {
            return Err(Error::PlanDoesNotFit {
                needed: format!("{} levels for an iteration", self.plan.depth_per_iteration),
                available: format!("level {level}"),
                fix: "refresh the state (client refresh) or plan fewer iterations per round",
            });
        }
        let coeffs: Vec<f64> = self.activation.iter().map(|c| k * c).collect();
        let poly = Polynomial::monomial(&coeffs)?;
        let q_level = level - 1 - poly.depth();
        let steps: Vec<i64> = (0..self.plan.gradient_columns())
            .map(|j| -(j as i64))
            .collect();
        let ctx = eval.context();
        let mut acc: Option<Ciphertext> = None;
        for chunk in &self.chunks {
            let mut m = eval.mul_relin(&chunk.z, v)?;
            eval.rescale_assign(&mut m)?;
            let s = eval.sum_within_blocks(&m, self.plan.width)?;
            // Q at the scale that makes Q * Z_j land at the default scale after the rescale.
            let q_scale = self.default_scale() * ctx.q_at(q_level) as f64 / chunk.z.scale();
            let q = eval.evaluate_polynomial_to(&s, &poly, q_level, q_scale)?;
            for (qj, zj) in eval
                .rotate_many(&q, &steps)?
                .iter()
                .zip(&chunk.gradient_columns)
            {
                let p = eval.mul(qj, zj)?;
                match acc.as_mut() {
                    None => acc = Some(p),
                    Some(a) => eval.add_assign(a, &p)?,
                }
            }
        }
        let Some(mut g) = acc else {
            return Err(Error::Empty {
                what: "the encrypted data",
                fix: "encrypt at least one chunk",
            });
        };
        eval.relinearize_assign(&mut g)?;
        eval.rescale_assign(&mut g)?;
        g.set_scale(self.default_scale());
        Ok(eval.sum_across_blocks(&g, self.plan.width)?)
    }

    fn default_scale(&self) -> f64 {
        self.eval.context().default_scale()
    }

    /// `c ct` at exactly `level` and `scale`: a constant multiplication rescaled on the way
    /// down from a higher level.
    fn scaled(&self, ct: &Ciphertext, c: f64, level: usize, scale: f64) -> Result<Ciphertext> {
        if ct.level() <= level {
            return Err(Error::LayoutMismatch(format!(
                "a state term at level {} cannot be scaled to level {level}",
                ct.level()
            )));
        }
        let x = self.eval.drop_to_level(ct, level + 1)?;
        let factor = scale * self.eval.context().q_at(level + 1) as f64 / x.scale();
        let mut y = self.eval.mul_const(&x, c, factor)?;
        self.eval.rescale_assign(&mut y)?;
        y.set_scale(scale);
        Ok(y)
    }

    /// `sum c_k ct_k` at `level` and `scale`: terms with coefficient 1 at that scale are only
    /// dropped; the others are scaled from a higher level (no level on the critical path).
    fn combine(&self, terms: &[(Ciphertext, f64)], level: usize, scale: f64) -> Result<Ciphertext> {
        let mut acc: Option<Ciphertext> = None;
        for (ct, c) in terms {
            if *c == 0.0 {
                continue;
            }
            let t = if *c == 1.0 && ct.scale() == scale {
                self.eval.drop_to_level(ct, level)?
            } else {
                self.scaled(ct, *c, level, scale)?
            };
            match acc.as_mut() {
                None => acc = Some(t),
                Some(a) => self.eval.add_assign(a, &t)?,
            }
        }
        acc.ok_or(Error::Empty {
            what: "the terms of a weight combination",
            fix: "start from TrainClient::start",
        })
    }
}
