//! Encrypted inference of a one-hidden-layer network, one sample or a batch.

use ckks::{Ciphertext, Encoder, Evaluator, Plaintext};

use super::dense::{BlockLayer, Folded, feature_major};
use super::linalg::rotate_and_sum;
use super::poly::eval_poly_at_scale;
use super::{Layout, Plan, check_context, check_input};
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

/// The server side of encrypted network inference, for one sample
/// ([`RotatedBlocks`](Layout::RotatedBlocks), [`Plan::network`]) or a feature-major batch
/// ([`FeatureMajor`](Layout::FeatureMajor), [`Plan::network_batched`]).
///
/// One sample, `d x d` slots with `d` the padded width:
///
/// 1. Hidden layer by the diagonal method, with the rotations of the input done by the client:
///    the input holds `x` rotated by `b` in block `b`, so one `mul_plain` by the `d` generalised
///    diagonals (one per block) and a sum over the blocks (radix-4 hoisted stages of rotations
///    by multiples of `d`) leave `W1 x` in every block. Add `b1`.
/// 2. The activation (`h^2`: one multiplication, relinearized only after the output layer's
///    plaintext product and rescale, where key switching is cheaper; a polynomial:
///    [`eval_poly_at_scale`]).
/// 3. Output layer: `mul_plain` by a plaintext holding row `k` of `W2` in block `k`, and a sum
///    inside each block: output `k` lands in slot `k d`. Add `b2`.
///
/// A batch (`N/2` samples, sample `s` in slot `s` of every ciphertext, one ciphertext per
/// feature): each hidden unit is a weighted sum of the feature ciphertexts (`mul_const`, one
/// rescale), the activation runs on each hidden ciphertext, and each output is a weighted sum of
/// those; no rotation, one ciphertext per output. Depth, both layouts: 2 plus the activation's.
#[derive(Clone, Debug)]
pub struct NetworkServer {
    plan: Plan,
    outputs: usize,
    activation: CompiledActivation,
    compiled: Compiled,
    input_scale: f64,
}

#[derive(Clone, Debug)]
enum Compiled {
    Single(Box<SingleLayers>),
    Batched {
        layer1: Folded,
        w2: Vec<Vec<f64>>,
        b2: Vec<f64>,
    },
}

/// The one-sample layers: plaintexts in the rotated-blocks layout of width `d`.
#[derive(Clone, Debug)]
struct SingleLayers {
    d: usize,
    layer1: BlockLayer,
    w2: Plaintext,
    b2: Plaintext,
    output_scale: f64,
}

impl NetworkServer {
    /// Compiles `net` for `plan` (made by [`Plan::network`] or [`Plan::network_batched`] for
    /// this network, and `eval` for the plan's parameters).
    pub fn new(eval: &Evaluator, net: &Network, plan: &Plan) -> Result<Self> {
        net.validate()?;
        let ctx = eval.context();
        check_context(ctx, plan)?;
        let width = match plan.layout {
            Layout::RotatedBlocks { block, .. } => block,
            Layout::FeatureMajor { .. } => usize::MAX,
            Layout::Slots { .. } => {
                return Err(Error::LayoutMismatch(
                    "a network runs on the RotatedBlocks or FeatureMajor layouts: make the plan with Plan::network or Plan::network_batched"
                        .into(),
                ));
            }
        };
        let features = plan.layout.features();
        if features != net.inputs()
            || plan.depth != network_depth(net)
            || net.hidden() > width
            || net.outputs() > width
        {
            return Err(Error::LayoutMismatch(format!(
                "the plan is for {features} inputs, layout {:?} and depth {}; the network has {} inputs, {} hidden units, {} outputs and depth {}",
                plan.layout,
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

        // Fold the standardization (and a polynomial activation's normalization) into layer 1.
        let (shift, half_width) = match &net.activation {
            Activation::PolySigmoid(p) => (p.center, p.half_width),
            _ => (0.0, 1.0),
        };
        let layer1 = Folded::new(&net.w1, &net.b1, &net.standardizer, shift, half_width);
        let activation = match &net.activation {
            Activation::Square => CompiledActivation::Square,
            Activation::PolySigmoid(p) => CompiledActivation::Poly(p.poly.coeffs.clone()),
            Activation::HalfLinear => CompiledActivation::Poly(vec![0.5, 0.5]),
        };
        let compiled = match plan.layout {
            Layout::RotatedBlocks { block: d, .. } => {
                // Scales, predicted with the same floating-point operations the evaluator
                // performs.
                let q_in = ctx.q_at(l_in) as f64;
                let h_scale = delta * q_in / q_in;
                let h_level = l_in - 1;
                let a_level = h_level - net.activation.depth();
                let a_scale = match &activation {
                    CompiledActivation::Square => h_scale * h_scale / ctx.q_at(h_level) as f64,
                    CompiledActivation::Poly(_) => delta,
                };
                let q_a = ctx.q_at(a_level) as f64;
                let mut w2_slots = vec![0.0; d * d];
                for (k, row) in net.w2.iter().enumerate() {
                    w2_slots[k * d..k * d + row.len()].copy_from_slice(row);
                }
                let mut b2_slots = vec![0.0; d * d];
                for (k, b) in net.b2.iter().enumerate() {
                    b2_slots[k * d] = *b;
                }
                Compiled::Single(Box::new(SingleLayers {
                    d,
                    layer1: BlockLayer::new(&enc, &layer1, d, l_in, delta)?,
                    w2: enc.encode(&w2_slots, a_level, delta * q_a / a_scale)?,
                    b2: enc.encode(&b2_slots, a_level - 1, delta)?,
                    output_scale: delta,
                }))
            }
            _ => Compiled::Batched {
                layer1,
                w2: net.w2.clone(),
                b2: net.b2.clone(),
            },
        };
        Ok(Self {
            plan: plan.clone(),
            outputs: net.outputs(),
            activation,
            compiled,
            input_scale: delta,
        })
    }

    /// The plan it was compiled for.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The number of outputs (one sample: the client reads slot `k * d` for output `k`; a
    /// batch: one ciphertext per output).
    pub fn outputs(&self) -> usize {
        self.outputs
    }

    fn check_input(&self, ct: &Ciphertext) -> Result<()> {
        check_input(&self.plan, self.input_scale, ct)
    }

    /// One encrypted sample (layout [`RotatedBlocks`](Layout::RotatedBlocks)) to its encrypted
    /// outputs (logits), output `k` in slot `k * d`.
    pub fn infer(&self, eval: &Evaluator, ct: &Ciphertext) -> Result<Ciphertext> {
        let Compiled::Single(single) = &self.compiled else {
            return Err(Error::LayoutMismatch(
                "this server was compiled for a batched plan: use infer_batch".into(),
            ));
        };
        self.check_input(ct)?;
        let SingleLayers {
            d,
            layer1,
            w2,
            b2,
            output_scale,
        } = single.as_ref();
        let h = layer1.apply(eval, ct)?;
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
                eval_poly_at_scale(eval, &h, coeffs, *output_scale)?
            }
        };
        let mut z = eval.mul_plain(&a, w2)?;
        eval.rescale_assign(&mut z)?;
        eval.relinearize_assign(&mut z)?;
        z.set_scale(*output_scale);
        rotate_and_sum(eval, &mut z, 1, *d)?;
        eval.add_plain_assign(&mut z, b2)?;
        Ok(z)
    }

    /// One encrypted feature-major batch ([`FeatureMajor`](Layout::FeatureMajor): ciphertext
    /// `j` holds feature `j` of every sample) to one ciphertext per output, sample `s` in slot
    /// `s` (read them with [`Client::decrypt_batch`](super::Client::decrypt_batch)).
    pub fn infer_batch(
        &self,
        eval: &Evaluator,
        features: &[Ciphertext],
    ) -> Result<Vec<Ciphertext>> {
        let Compiled::Batched { layer1, w2, b2 } = &self.compiled else {
            return Err(Error::LayoutMismatch(
                "this server was compiled for a single-sample plan: use infer".into(),
            ));
        };
        for ct in features {
            self.check_input(ct)?;
        }
        let hidden = feature_major(eval, features, &layer1.w, &layer1.b)?;
        let activated = hidden
            .iter()
            .map(|h| match &self.activation {
                CompiledActivation::Square => {
                    let mut a = eval.mul_relin(h, h)?;
                    eval.rescale_assign(&mut a)?;
                    Ok(a)
                }
                CompiledActivation::Poly(coeffs) => {
                    eval_poly_at_scale(eval, h, coeffs, self.input_scale)
                }
            })
            .collect::<Result<Vec<_>>>()?;
        feature_major(eval, &activated, w2, b2)
    }
}

/// The depth of a network's encrypted evaluation: two plaintext products and the activation.
pub(crate) fn network_depth(net: &Network) -> usize {
    2 + net.activation.depth()
}
