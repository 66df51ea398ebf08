//! Encrypted inference of a one-hidden-layer network on one sample.

use ckks::{Ciphertext, Encoder, Evaluator, Plaintext};

use super::linalg::{block_diagonals, rotate_and_sum};
use super::poly::eval_poly_at_scale;
use super::{Layout, Plan, check_context};
use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::plain::Network;

/// The hidden activation as the server evaluates it.
#[derive(Clone, Debug)]
enum CompiledActivation {
    /// `h^2`: one multiplication, one rescale.
    Square,
    /// A polynomial of the (already normalized) pre-activation.
    Poly(Vec<f64>),
}

/// The server side of encrypted network inference (layout
/// [`RotatedBlocks`](Layout::RotatedBlocks), `d x d` slots with `d` the padded width).
///
/// 1. Hidden layer by the diagonal method, with the rotations of the input done by the client:
///    the input holds `x` rotated by `b` in block `b`, so one `mul_plain` by the `d` generalised
///    diagonals (one per block) and a sum over the blocks (`log2 d` rotations by multiples of
///    `d`) leave `W1 x` in every block. Add `b1`.
/// 2. The activation (`h^2`: one multiplication, relinearized only after the output layer's
///    plaintext product and rescale, where key switching is cheaper; a polynomial:
///    [`eval_poly_at_scale`]).
/// 3. Output layer: `mul_plain` by a plaintext holding row `k` of `W2` in block `k`, and a sum
///    inside each block (`log2 d` rotations): output `k` lands in slot `k d`. Add `b2`.
///
/// Rotations: `2 log2 d` in all (8 for 13 inputs and 16 hidden units), keys for steps
/// `1, 2, .., d/2` and `d, 2d, .., d^2/2`. Depth: 2 plus the activation's.
#[derive(Clone, Debug)]
pub struct NetworkServer {
    plan: Plan,
    d: usize,
    outputs: usize,
    w1: Plaintext,
    b1: Plaintext,
    activation: CompiledActivation,
    w2: Plaintext,
    b2: Plaintext,
    input_scale: f64,
    output_scale: f64,
}

impl NetworkServer {
    /// Compiles `net` for `plan` (made by [`Plan::network`] for this network).
    pub fn new(eval: &Evaluator, net: &Network, plan: &Plan) -> Result<Self> {
        net.validate()?;
        let ctx = eval.context();
        check_context(ctx, plan)?;
        let Layout::RotatedBlocks { features, block: d } = plan.layout else {
            return Err(Error::LayoutMismatch(
                "a network runs on the RotatedBlocks layout: make the plan with Plan::network"
                    .into(),
            ));
        };
        if features != net.inputs()
            || plan.depth != network_depth(net)
            || net.hidden() > d
            || net.outputs() > d
        {
            return Err(Error::LayoutMismatch(format!(
                "the plan is for {features} inputs, width {d} and depth {}; the network has {} inputs, {} hidden units, {} outputs and depth {}",
                plan.depth,
                net.inputs(),
                net.hidden(),
                net.outputs(),
                network_depth(net)
            )));
        }
        let enc = Encoder::new(ctx);
        let delta = ctx.default_scale();
        let l_in = plan.input_level;
        let q_in = ctx.q_at(l_in) as f64;

        // Fold the standardization (and a polynomial activation's normalization) into layer 1.
        let (shift, width) = match &net.activation {
            Activation::PolySigmoid(p) => (p.center, p.half_width),
            _ => (0.0, 1.0),
        };
        let s = &net.standardizer;
        let w1: Vec<Vec<f64>> = net
            .w1
            .iter()
            .map(|row| {
                row.iter()
                    .zip(&s.std)
                    .map(|(w, sd)| w / sd / width)
                    .collect()
            })
            .collect();
        let b1: Vec<f64> = net
            .w1
            .iter()
            .zip(&net.b1)
            .map(|(row, b)| {
                let shift_in: f64 = row
                    .iter()
                    .zip(s.mean.iter().zip(&s.std))
                    .map(|(w, (m, sd))| w * m / sd)
                    .sum();
                (b - shift_in - shift) / width
            })
            .collect();

        // Scales, predicted with the same floating-point operations the evaluator performs.
        let h_scale = delta * q_in / q_in;
        let h_level = l_in - 1;
        let w1_pt = enc.encode(&block_diagonals(&w1, d), l_in, q_in)?;
        let mut b1_slots = vec![0.0; d * d];
        for block in b1_slots.chunks_mut(d) {
            block[..b1.len()].copy_from_slice(&b1);
        }
        let b1_pt = enc.encode(&b1_slots, h_level, h_scale)?;
        let (activation, a_level, a_scale) = match &net.activation {
            Activation::Square => (
                CompiledActivation::Square,
                h_level - 1,
                h_scale * h_scale / ctx.q_at(h_level) as f64,
            ),
            Activation::PolySigmoid(p) => (
                CompiledActivation::Poly(p.poly.coeffs.clone()),
                h_level - super::poly::depth_for_degree(p.degree()),
                delta,
            ),
            Activation::HalfLinear => {
                (CompiledActivation::Poly(vec![0.5, 0.5]), h_level - 1, delta)
            }
        };
        let q_a = ctx.q_at(a_level) as f64;
        let mut w2_slots = vec![0.0; d * d];
        for (k, row) in net.w2.iter().enumerate() {
            w2_slots[k * d..k * d + row.len()].copy_from_slice(row);
        }
        let w2_pt = enc.encode(&w2_slots, a_level, delta * q_a / a_scale)?;
        let mut b2_slots = vec![0.0; d * d];
        for (k, b) in net.b2.iter().enumerate() {
            b2_slots[k * d] = *b;
        }
        let b2_pt = enc.encode(&b2_slots, a_level - 1, delta)?;
        Ok(Self {
            plan: plan.clone(),
            d,
            outputs: net.outputs(),
            w1: w1_pt,
            b1: b1_pt,
            activation,
            w2: w2_pt,
            b2: b2_pt,
            input_scale: delta,
            output_scale: delta,
        })
    }

    /// The plan it was compiled for.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The number of outputs (the client reads slot `k * d` for output `k`).
    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// One encrypted sample (layout [`RotatedBlocks`](Layout::RotatedBlocks)) to its encrypted
    /// outputs (logits), output `k` in slot `k * d`.
    pub fn infer(&self, eval: &Evaluator, ct: &Ciphertext) -> Result<Ciphertext> {
        if ct.level() != self.plan.input_level
            || (ct.scale() / self.input_scale - 1.0).abs() > ckks::DEFAULT_SCALE_TOLERANCE
        {
            return Err(Error::LayoutMismatch(format!(
                "inputs must be encrypted at level {} and scale 2^{:.2} (got level {} and scale 2^{:.2}): use Client::encrypt_sample",
                self.plan.input_level,
                self.input_scale.log2(),
                ct.level(),
                ct.scale().log2()
            )));
        }
        let d = self.d;
        let mut h = eval.mul_plain(ct, &self.w1)?;
        eval.rescale_assign(&mut h)?;
        rotate_and_sum(eval, &mut h, d, d)?;
        eval.add_plain_assign(&mut h, &self.b1)?;
        let a = match &self.activation {
            // Left unrelinearized: the output layer's plaintext product and rescale work on
            // the degree-2 ciphertext, and relinearizing one level lower (before the output
            // rotations) is cheaper.
            CompiledActivation::Square => {
                let mut a = eval.mul(&h, &h)?;
                eval.rescale_assign(&mut a)?;
                a
            }
            CompiledActivation::Poly(coeffs) => {
                eval_poly_at_scale(eval, &h, coeffs, self.output_scale)?
            }
        };
        let mut z = eval.mul_plain(&a, &self.w2)?;
        eval.rescale_assign(&mut z)?;
        eval.relinearize_assign(&mut z)?;
        z.set_scale(self.output_scale);
        rotate_and_sum(eval, &mut z, 1, d)?;
        eval.add_plain_assign(&mut z, &self.b2)?;
        Ok(z)
    }
}

/// The depth of a network's encrypted evaluation: two plaintext products and the activation.
pub(crate) fn network_depth(net: &Network) -> usize {
    2 + net.activation.depth()
}
