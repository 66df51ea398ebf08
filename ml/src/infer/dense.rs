//! Dense layers `y = W x + b` on encrypted inputs, shared by the networks and the softmax
//! regression: the standardization folded into the weights, and the two packings.
//!
//! - **Feature-major** (many samples per ciphertext): input `j` is ciphertext `j`, sample `s`
//!   in slot `s`; output `i` is `sum_j W[i][j] ct_j + b_i` by `mul_const` at the inputs' top
//!   prime and one rescale, so its scale is the inputs' exactly. No rotation.
//! - **Rotated blocks** (one sample): the diagonal method (see
//!   [`block_diagonals`](super::linalg::block_diagonals)): one plaintext product, one rescale
//!   and a strided sum across the `d` blocks; output `i` lands in slot `i` of every block.

use ckks::{Ciphertext, Encoder, Evaluator, Plaintext};

use super::linalg::{block_diagonals, rotate_and_sum};
use crate::data::Standardizer;
use crate::error::{Error, Result};

/// A dense layer on raw inputs: the standardization (and an activation's input normalization
/// `(u - shift) / width`) folded into the weights and biases.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Folded {
    pub(crate) w: Vec<Vec<f64>>,
    pub(crate) b: Vec<f64>,
}

impl Folded {
    /// `((w . standardize(x) + b) - shift) / width` as `w' . x + b'`.
    pub(crate) fn new(w: &[Vec<f64>], b: &[f64], s: &Standardizer, shift: f64, width: f64) -> Self {
        let folded_w = w
            .iter()
            .map(|row| {
                row.iter()
                    .zip(&s.std)
                    .map(|(w, sd)| w / sd / width)
                    .collect()
            })
            .collect();
        let folded_b = w
            .iter()
            .zip(b)
            .map(|(row, b)| {
                let shift_in: f64 = row
                    .iter()
                    .zip(s.mean.iter().zip(&s.std))
                    .map(|(w, (m, sd))| w * m / sd)
                    .sum();
                (b - shift_in - shift) / width
            })
            .collect();
        Self {
            w: folded_w,
            b: folded_b,
        }
    }
}

/// Feature-major: output `i` is `sum_j w[i][j] xs[j] + b[i]` (zero weights skipped), one
/// rescale each; the outputs keep the inputs' scale. Errors: an output row with no non-zero
/// weight (a constant needs no ciphertext), shape mismatches, and the evaluator's errors.
pub(crate) fn feature_major(
    eval: &Evaluator,
    xs: &[Ciphertext],
    w: &[Vec<f64>],
    b: &[f64],
) -> Result<Vec<Ciphertext>> {
    let Some(first) = xs.first() else {
        return Err(Error::Empty {
            what: "feature ciphertexts",
            fix: "encrypt the batch with Client::encrypt_batches",
        });
    };
    let q = eval.context().q_at(first.level()) as f64;
    w.iter()
        .zip(b)
        .map(|(row, &bias)| {
            if row.len() != xs.len() {
                return Err(Error::ShapeMismatch {
                    what: "feature ciphertexts in the batch",
                    expected: row.len(),
                    found: xs.len(),
                });
            }
            let mut acc: Option<Ciphertext> = None;
            for (ct, &wj) in xs.iter().zip(row) {
                if wj == 0.0 {
                    continue;
                }
                let t = eval.mul_const(ct, wj, q)?;
                acc = Some(match acc {
                    None => t,
                    Some(mut a) => {
                        eval.add_assign(&mut a, &t)?;
                        a
                    }
                });
            }
            let Some(mut acc) = acc else {
                return Err(Error::InvalidModel(
                    "every weight of an output is zero: the output is the constant bias, no ciphertext needed"
                        .into(),
                ));
            };
            eval.rescale_assign(&mut acc)?;
            if bias != 0.0 {
                eval.add_const_assign(&mut acc, bias)?;
            }
            Ok(acc)
        })
        .collect()
}

/// A dense layer compiled for the rotated-blocks layout of width `d`.
#[derive(Clone, Debug)]
pub(crate) struct BlockLayer {
    d: usize,
    w: Plaintext,
    b: Plaintext,
}

impl BlockLayer {
    /// Encodes the block diagonals at `level` with scale `q_level` (so that the rescale
    /// restores the input's scale `input_scale`) and the biases, replicated in every block, at
    /// the output level and scale.
    pub(crate) fn new(
        enc: &Encoder,
        layer: &Folded,
        d: usize,
        level: usize,
        input_scale: f64,
    ) -> Result<Self> {
        if level == 0 {
            return Err(Error::LayoutMismatch(
                "a dense layer needs a level to rescale: encrypt at a higher level".into(),
            ));
        }
        let q = enc.context().q_at(level) as f64;
        let w = enc.encode(&block_diagonals(&layer.w, d), level, q)?;
        let mut b_slots = vec![0.0; d * d];
        for block in b_slots.chunks_mut(d) {
            block[..layer.b.len()].copy_from_slice(&layer.b);
        }
        let b = enc.encode(&b_slots, level - 1, input_scale * q / q)?;
        Ok(Self { d, w, b })
    }

    /// `W x + b` for `x` in the rotated-blocks layout: output `i` in slot `i` of every block.
    pub(crate) fn apply(&self, eval: &Evaluator, ct: &Ciphertext) -> Result<Ciphertext> {
        let mut h = eval.mul_plain(ct, &self.w)?;
        eval.rescale_assign(&mut h)?;
        rotate_and_sum(eval, &mut h, self.d, self.d)?;
        eval.add_plain_assign(&mut h, &self.b)?;
        Ok(h)
    }
}
