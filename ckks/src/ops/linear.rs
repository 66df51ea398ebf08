//! [`LinearTransform`]: a plaintext matrix times an encrypted vector, by the diagonal method
//! with baby-step giant-step and hoisted rotations.
//!
//! # Layout
//!
//! The input vector is encrypted in ciphertexts of `p` slots (`p` a power of two, at most
//! `N/2`): block `b` holds entries `b p .. (b + 1) p`. Output block `o` holds rows
//! `o N/2 .. ` in `n_o` slots (`n_o` the power of two at or above its row count). With
//! `w = max(n_o, p)` and `d = min(n_o, p)`, the matrix block is stored as `d` generalized
//! diagonals of length `w`,
//!
//! ```text
//! diag_i[j] = M[j mod n_o][(j + i) mod p]        (zero outside the matrix)
//! ```
//!
//! and `y = sum_i diag_i * rotate(x, i)` (an input with `p` slots repeats with period `p`, so
//! a rotation is cyclic modulo `p`). For a square or tall block (`n_o >= p`) that is the
//! product; for a wide block (`n_o < p`), each slot holds a partial sum over `n_o` columns and
//! `log2(p / n_o)` rotate-and-sum steps (by `n_o, 2 n_o, ...`) complete it (the result repeats
//! with period `n_o`).
//!
//! # Baby-step giant-step
//!
//! With `i = g k + j` (`g` baby steps),
//! `y = sum_k rotate(sum_j rotate(diag_(gk+j), -gk) * rotate(x, j), gk)`: the `g - 1` baby
//! rotations of `x` share one decomposition ([`Evaluator::rotate_many`]), the inner sums are
//! plaintext products with pre-rotated diagonals, and only `d / g - 1` giant rotations remain.
//! The diagonals are encoded once, at the scale of the prime the result is rescaled by, so a
//! transform costs one level and returns the input's exact scale.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use super::Evaluator;
use crate::ciphertext::Ciphertext;
use crate::encoding::Encoder;
use crate::error::{Error, Result};
use crate::noise::NoiseBound;
use crate::plaintext::Plaintext;
use crate::ring::{Representation, RnsPoly};

/// A plaintext matrix, pre-encoded as rotated diagonals, to multiply encrypted vectors by with
/// [`Evaluator::linear_transform`] (one ciphertext in, one out) or
/// [`Evaluator::linear_transform_blocks`] (inputs or outputs larger than one ciphertext).
///
/// Any shape: rows and columns up to the slot count fit in one ciphertext each (padded to
/// powers of two; wide matrices are folded with a rotate-and-sum), larger ones are split into
/// blocks of `N/2`. Construction encodes every non-zero diagonal, so serving pays only for the
/// evaluation; [`galois_steps`](Self::galois_steps) lists the rotation keys the evaluation
/// needs and [`depth`](Self::depth) its levels (one).
///
/// ```
/// use ckks::{Context, Decryptor, Encoder, Encryptor, EvaluationKeys, Evaluator, SecretKey};
/// use ckks::{circuits::LinearTransform, params::Preset, precision::PrecisionStats};
/// use rand_chacha::ChaCha20Rng;
/// use rand_core::SeedableRng;
/// let ctx = Context::new(Preset::RefA.literal().build()?)?;
/// let enc = Encoder::new(&ctx);
/// // A 3 x 4 matrix (padded to 4 x 4) for inputs at the top level.
/// let m = vec![vec![1.0, 2.0, 0.0, -1.0], vec![0.5, 0.0, 1.0, 0.0], vec![0.0, -2.0, 0.0, 3.0]];
/// let lt = LinearTransform::new(&enc, &m, ctx.max_level())?;
/// let mut rng = ChaCha20Rng::from_seed([1; 32]);
/// let sk = SecretKey::generate(&ctx, &mut rng)?;
/// let evk = EvaluationKeys::builder(&sk).rotations(&lt.galois_steps()).build(&mut rng)?;
/// let eval = Evaluator::new(&ctx, evk)?;
/// let x = [0.25, -0.5, 1.0, 0.75];
/// let ct = Encryptor::with_secret_key(&sk)
///     .encrypt(&enc.encode(&x, ctx.max_level(), ctx.default_scale())?, &mut rng)?;
/// let y = eval.linear_transform(&lt, &ct)?;
/// assert_eq!((y.level(), y.scale()), (ct.level() - 1, ct.scale()));
/// let got = enc.decode(&Decryptor::new(&sk).decrypt(&y)?)?;
/// let want: Vec<f64> = m.iter().map(|r| r.iter().zip(&x).map(|(a, b)| a * b).sum()).collect();
/// assert!(PrecisionStats::real(&want, &got).min_bits > 25.0);
/// # Ok::<(), ckks::Error>(())
/// ```
pub struct LinearTransform {
    rows: usize,
    cols: usize,
    in_slots: usize,
    level: usize,
    scale: f64,
    baby: usize,
    /// Per input block: the baby rotations used.
    babies: Vec<Vec<usize>>,
    out: Vec<OutputBlock>,
    param_id: u64,
}

/// One output ciphertext's part of the transform.
struct OutputBlock {
    /// Its slot count `n_o`.
    slots: usize,
    /// The working width `w = max(n_o, p)`.
    width: usize,
    giants: Vec<GiantStep>,
    /// The rotate-and-sum steps of a wide block.
    sum_steps: Vec<i64>,
}

struct GiantStep {
    step: usize,
    /// `(input block, baby step, rotated diagonal)`.
    terms: Vec<(usize, usize, Plaintext)>,
}

impl std::fmt::Debug for LinearTransform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinearTransform")
            .field("rows", &self.rows)
            .field("cols", &self.cols)
            .field("input_slots", &self.in_slots)
            .field("output_blocks", &self.out.len())
            .field("level", &self.level)
            .field("baby_steps", &self.baby)
            .field("diagonals", &self.diagonals())
            .finish_non_exhaustive()
    }
}

impl LinearTransform {
    /// Encodes `matrix` (rows of equal length) for inputs at `level` with
    /// `min(cols.next_power_of_two(), N/2)` slots per ciphertext (what [`Encoder::encode`]
    /// gives a vector of `cols` values).
    pub fn new<R: AsRef<[f64]>>(enc: &Encoder, matrix: &[R], level: usize) -> Result<Self> {
        let cols = matrix.first().map_or(0, |r| r.as_ref().len());
        let max = enc.context().params().max_slots();
        Self::with_input_slots(enc, matrix, level, cols.max(1).next_power_of_two().min(max))
    }

    /// Encodes `matrix` for inputs at `level` encrypted with `in_slots` slots per ciphertext
    /// (a power of two up to `N/2`; entries beyond the matrix's columns must be zero).
    pub fn with_input_slots<R: AsRef<[f64]>>(
        enc: &Encoder,
        matrix: &[R],
        level: usize,
        in_slots: usize,
    ) -> Result<Self> {
        let ctx = enc.context();
        let max = ctx.params().max_slots();
        let rows = matrix.len();
        let cols = matrix.first().map_or(0, |r| r.as_ref().len());
        if rows == 0 || cols == 0 {
            return Err(Error::InvalidArgument {
                op: "LinearTransform",
                reason: format!("the matrix is empty ({rows} x {cols})"),
            });
        }
        if let Some(bad) = matrix.iter().map(|r| r.as_ref().len()).find(|&l| l != cols) {
            return Err(Error::ShapeMismatch {
                what: "matrix row length",
                expected: cols,
                got: bad,
            });
        }
        if let Some(&bad) = matrix
            .iter()
            .flat_map(|r| r.as_ref())
            .find(|v| !v.is_finite())
        {
            return Err(Error::NonFiniteValue { value: bad });
        }
        if !in_slots.is_power_of_two() || in_slots > max {
            return Err(Error::InvalidSlotCount {
                slots: in_slots,
                n: ctx.n(),
                max,
            });
        }
        if level == 0 || level > ctx.max_level() {
            return Err(Error::InvalidArgument {
                op: "LinearTransform",
                reason: format!(
                    "level {level} is not usable: a transform consumes one level, so its \
                     inputs must be at a level in 1..={}",
                    ctx.max_level()
                ),
            });
        }
        let p = in_slots;
        let in_blocks = cols.div_ceil(p);
        let out_rows: Vec<(usize, usize)> = (0..rows.div_ceil(max))
            .map(|o| (o * max, max.min(rows - o * max)))
            .collect();
        let max_d = out_rows
            .iter()
            .map(|&(_, r)| r.next_power_of_two().min(p))
            .max()
            .unwrap_or(1);
        let baby = choose_baby(max_d, in_blocks, out_rows.len());
        let scale = ctx.q_at(level) as f64;
        let mut babies = vec![BTreeSet::new(); in_blocks];
        let mut out = Vec::with_capacity(out_rows.len());
        for &(r0, r_len) in &out_rows {
            let n_o = r_len.next_power_of_two();
            let width = n_o.max(p);
            let d = n_o.min(p);
            let entry = |b: usize, row: usize, col: usize| -> f64 {
                let (r, c) = (r0 + row, b * p + col);
                if row < r_len && c < cols {
                    matrix[r].as_ref()[c]
                } else {
                    0.0
                }
            };
            let mut giants: BTreeMap<usize, Vec<(usize, usize, Plaintext)>> = BTreeMap::new();
            for i in 0..d {
                let (k, j) = (i / baby, i % baby);
                let shift = (baby * k) % width;
                for (b, used) in babies.iter_mut().enumerate() {
                    let diag: Vec<f64> =
                        (0..width).map(|t| entry(b, t % n_o, (t + i) % p)).collect();
                    if diag.iter().all(|&v| v == 0.0) {
                        continue;
                    }
                    // Pre-rotated by -g k: rotated[t] = diag[t - g k].
                    let rotated: Vec<f64> = (0..width)
                        .map(|t| diag[(t + width - shift) % width])
                        .collect();
                    let pt = enc.encode(&rotated, level, scale)?;
                    giants.entry(baby * k).or_default().push((b, j, pt));
                    used.insert(j);
                }
            }
            if giants.is_empty() {
                // An all-zero block: one zero diagonal keeps the evaluation uniform.
                giants.insert(
                    0,
                    vec![(0, 0, enc.encode(&vec![0.0; width], level, scale)?)],
                );
                babies[0].insert(0);
            }
            out.push(OutputBlock {
                slots: n_o,
                width,
                giants: giants
                    .into_iter()
                    .map(|(step, terms)| GiantStep { step, terms })
                    .collect(),
                sum_steps: if p > n_o {
                    let mut s = Vec::new();
                    let mut step = n_o;
                    while step < p {
                        s.push(step as i64);
                        step *= 2;
                    }
                    s
                } else {
                    Vec::new()
                },
            });
        }
        Ok(Self {
            rows,
            cols,
            in_slots,
            level,
            scale,
            baby,
            babies: babies
                .into_iter()
                .map(|s| s.into_iter().collect())
                .collect(),
            out,
            param_id: ctx.id(),
        })
    }

    /// The rotation steps the evaluation uses (baby steps, giant steps, and the rotate-and-sum
    /// steps of wide blocks), sorted: generate exactly these Galois keys.
    pub fn galois_steps(&self) -> Vec<i64> {
        let mut steps = BTreeSet::new();
        for b in &self.babies {
            steps.extend(b.iter().filter(|&&j| j != 0).map(|&j| j as i64));
        }
        for o in &self.out {
            steps.extend(
                o.giants
                    .iter()
                    .filter(|g| g.step != 0)
                    .map(|g| g.step as i64),
            );
            steps.extend(o.sum_steps.iter().copied());
        }
        steps.into_iter().collect()
    }

    /// The levels an evaluation consumes: 1.
    pub fn depth(&self) -> usize {
        1
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The slot count of each input ciphertext.
    pub fn input_slots(&self) -> usize {
        self.in_slots
    }

    /// The slot count of the (first) output ciphertext: the row count rounded up to a power of
    /// two, at most `N/2` (a last output block may have fewer).
    pub fn output_slots(&self) -> usize {
        self.out.first().map_or(1, |o| o.slots)
    }

    /// The number of input ciphertexts (`ceil(cols / input_slots)`).
    pub fn input_blocks(&self) -> usize {
        self.babies.len()
    }

    /// The number of output ciphertexts (`ceil(rows / (N/2))`).
    pub fn output_blocks(&self) -> usize {
        self.out.len()
    }

    /// The level the diagonals are encoded at (the inputs' level).
    pub fn level(&self) -> usize {
        self.level
    }

    /// The baby-step count `g`.
    pub fn baby_steps(&self) -> usize {
        self.baby
    }

    /// The number of encoded (non-zero) diagonals.
    pub fn diagonals(&self) -> usize {
        self.out
            .iter()
            .flat_map(|o| &o.giants)
            .map(|g| g.terms.len())
            .sum()
    }
}

/// The baby-step count minimising `0.5 (g - 1) in_blocks + (d / g - 1) out_blocks` (a hoisted
/// rotation costs about half a rotation).
fn choose_baby(d: usize, in_blocks: usize, out_blocks: usize) -> usize {
    let mut best = (f64::INFINITY, 1usize);
    let mut g = 1usize;
    while g <= d.next_power_of_two() {
        let cost = 0.5 * (g.min(d) - 1) as f64 * in_blocks as f64
            + (d.div_ceil(g) - 1) as f64 * out_blocks as f64;
        if cost < best.0 {
            best = (cost, g);
        }
        g *= 2;
    }
    best.1
}

impl Evaluator {
    /// `M x` for a transform with one input and one output ciphertext: one level, the input's
    /// exact scale (when the input is at the transform's level), `lt.output_slots()` slots.
    /// Needs the Galois keys of [`LinearTransform::galois_steps`].
    pub fn linear_transform(&self, lt: &LinearTransform, ct: &Ciphertext) -> Result<Ciphertext> {
        if lt.input_blocks() != 1 || lt.output_blocks() != 1 {
            return Err(Error::InvalidArgument {
                op: "linear_transform",
                reason: format!(
                    "the transform takes {} input and gives {} output ciphertexts: use \
                     linear_transform_blocks",
                    lt.input_blocks(),
                    lt.output_blocks()
                ),
            });
        }
        let mut out = self.linear_transform_blocks(lt, std::slice::from_ref(ct))?;
        out.pop().ok_or(Error::ShapeMismatch {
            what: "linear transform outputs",
            expected: 1,
            got: 0,
        })
    }

    /// `M x` for a vector given as `lt.input_blocks()` ciphertexts (block `b` holding entries
    /// `b p .. (b + 1) p`, `p = lt.input_slots()`), returning `lt.output_blocks()` ciphertexts
    /// (block `o` holding rows `o N/2 ..`). The baby-step rotations of each input are hoisted
    /// and shared by every output block.
    pub fn linear_transform_blocks(
        &self,
        lt: &LinearTransform,
        cts: &[Ciphertext],
    ) -> Result<Vec<Ciphertext>> {
        const OP: &str = "linear_transform";
        self.ctx.check_id("linear transform", lt.param_id)?;
        if cts.len() != lt.input_blocks() {
            return Err(Error::ShapeMismatch {
                what: "input ciphertexts of the linear transform",
                expected: lt.input_blocks(),
                got: cts.len(),
            });
        }
        let mut level = usize::MAX;
        for ct in cts {
            self.check(ct)?;
            if ct.degree() != 1 {
                return Err(Error::DegreeTooHigh {
                    op: OP,
                    degree: ct.degree(),
                    max: 1,
                });
            }
            if ct.slots != lt.in_slots {
                return Err(Error::ShapeMismatch {
                    what: "input ciphertext slots (LinearTransform::input_slots)",
                    expected: lt.in_slots,
                    got: ct.slots,
                });
            }
            self.check_scales(OP, cts[0].scale, ct.scale)?;
            level = level.min(ct.level());
        }
        if level == 0 {
            return Err(Error::NotEnoughLevels {
                op: OP,
                needed: 1,
                level,
            });
        }
        if level > lt.level {
            return Err(Error::LevelMismatch {
                op: OP,
                ciphertext: level,
                plaintext: lt.level,
            });
        }
        self.check_sum_keys(&lt.galois_steps())?;
        let scale = cts[0].scale * lt.scale;
        self.check_scale_fits(OP, scale, level)?;
        // Baby steps: hoisted rotations of every input block.
        let mut babies: Vec<BTreeMap<usize, Ciphertext>> = Vec::with_capacity(cts.len());
        for (ct, steps) in cts.iter().zip(&lt.babies) {
            let ct = self.drop_to_level(ct, level)?;
            let signed: Vec<i64> = steps.iter().map(|&j| j as i64).collect();
            let rotated = self.rotate_many(&ct, &signed)?;
            babies.push(steps.iter().copied().zip(rotated).collect());
        }
        let mut outputs = Vec::with_capacity(lt.out.len());
        for block in &lt.out {
            let mut total: Option<Ciphertext> = None;
            for giant in &block.giants {
                let zero = RnsPoly::zero(self.ctx.q_basis(), level + 1, Representation::Ntt)?;
                let mut inner = Ciphertext {
                    parts: vec![zero.clone(), zero],
                    scale,
                    slots: block.width,
                    param_id: self.ctx.id(),
                    seed: None,
                    noise: Some(NoiseBound::exact(f64::NEG_INFINITY)),
                };
                for (b, j, pt) in &giant.terms {
                    let Some(u) = babies.get(*b).and_then(|m| m.get(j)) else {
                        return Err(Error::ShapeMismatch {
                            what: "baby-step rotations of the linear transform",
                            expected: *j,
                            got: 0,
                        });
                    };
                    let diag = if pt.level() == level {
                        Cow::Borrowed(&pt.poly)
                    } else {
                        Cow::Owned(pt.poly.truncated(level + 1)?)
                    };
                    for (acc, part) in inner.parts.iter_mut().zip(&u.parts) {
                        acc.mul_add_assign(part, &diag)?;
                    }
                    inner.noise = match (inner.noise, u.noise, pt.bound) {
                        (Some(acc), Some(x), Some(d)) => {
                            Some(acc.add(&x.mul(&d, self.ctx.n()), 0.0, self.ctx.n()))
                        }
                        _ => None,
                    };
                }
                if giant.step != 0 {
                    inner = self.rotate(&inner, giant.step as i64)?;
                }
                match total.as_mut() {
                    None => total = Some(inner),
                    Some(t) => self.add_assign(t, &inner)?,
                }
            }
            let Some(mut y) = total else {
                return Err(Error::ShapeMismatch {
                    what: "diagonals of an output block",
                    expected: 1,
                    got: 0,
                });
            };
            self.rescale_assign(&mut y)?;
            for &s in &block.sum_steps {
                let r = self.rotate(&y, s)?;
                self.add_assign(&mut y, &r)?;
            }
            y.slots = block.slots;
            outputs.push(y);
        }
        Ok(outputs)
    }
}
