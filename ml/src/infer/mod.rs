//! Encrypted inference.
//!
//! A [`Plan`] says, before any key exists, what a model needs: the parameters, the packing
//! [`Layout`], the multiplicative depth, whether a relinearization key is needed, and the
//! rotation steps whose Galois keys the client must generate. The client makes exactly those
//! keys ([`Plan::evaluation_keys`]), encrypts with a [`Client`], and sends ciphertexts and
//! evaluation keys; the server ([`LinearServer`], [`NetworkServer`], [`SoftmaxServer`]) holds an
//! [`Evaluator`](ckks::Evaluator) and the public model only, so no secret key is reachable
//! from it; the client decrypts.
//!
//! | model | layout | depth | Galois keys | relinearization key |
//! |---|---|---|---|---|
//! | linear regression, one sample | [`Layout::Slots`] | 1 | 3 per factor 4 of `width` | no |
//! | logistic regression, one sample | [`Layout::Slots`] | 1 + 2 (degree-3 sigmoid) | 3 per factor 4 of `width` | no (the result is decrypted as a degree-3 ciphertext) |
//! | linear / logistic, batched | [`Layout::FeatureMajor`] | 1 / 3 | none | no |
//! | network, one hidden layer, one sample | [`Layout::RotatedBlocks`] | 2 + activation (`x^2`: 1) | 3 per factor 4 of `d`, twice | yes |
//! | network, batched | [`Layout::FeatureMajor`] | 2 + activation | none | yes |
//! | softmax regression (class scores), one sample | [`Layout::RotatedBlocks`] | 1 | 3 per factor 4 of `d` | no |
//! | softmax regression, batched | [`Layout::FeatureMajor`] | 1 | none | no |
//!
//! Slot sums run in radix-4 hoisted stages ([`ckks::Evaluator::sum_strided`]): 16 slots take two
//! stages of 3 rotations (keys for steps 1, 2, 3, 4, 8, 12).
//!
//! ```
//! use ckks::{Context, Evaluator, PublicKey, SecretKey, params::Preset};
//! use ckks_ml::data::{sets, MissingPolicy};
//! use ckks_ml::infer::{Client, LinearModel, LinearServer, Plan};
//! use ckks_ml::plain::{LogisticOptions, LogisticRegression};
//! use rand_chacha::ChaCha20Rng;
//! use rand_core::SeedableRng;
//!
//! let heart = sets::heart_cleveland(MissingPolicy::DropRow)?;
//! let lr = LogisticRegression::fit(heart.x.view(), &heart.binary_labels(0.5), &LogisticOptions::default())?;
//! let model = LinearModel::from_logistic(&lr);                       // public
//! let plan = Plan::linear_single(&model, Preset::N13.literal())?;
//! assert_eq!((plan.depth, plan.rotations.clone()), (3, vec![1, 2, 3, 4, 8, 12]));
//!
//! // Client: keys as the plan says.
//! let ctx = Context::new(plan.params.build()?)?;
//! let mut rng = ChaCha20Rng::from_seed([1; 32]);
//! let sk = SecretKey::generate(&ctx, &mut rng)?;
//! let pk = PublicKey::generate(&sk, &mut rng)?;
//! let evk = plan.evaluation_keys(&sk, &mut rng)?;
//! let client = Client::with_public_key(&plan, &pk, &sk)?;
//! let x = heart.x.row(0).to_vec();
//! let ct = client.encrypt_sample(&x, &mut rng)?;
//!
//! // Server: evaluation keys and the public model only.
//! let eval = Evaluator::new(&ctx, evk)?;
//! let server = LinearServer::new(&eval, &model, &plan)?;
//! let out = server.infer(&eval, &ct)?;
//!
//! let p = client.decrypt_value(&out)?;
//! assert!((p - model.predict(&x)?).abs() < 1e-4);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod client;
mod dense;
pub mod linalg;
mod linear;
mod network;
pub mod poly;
mod softmax;

pub use client::{Batch, Client};
pub use linear::{LinearModel, LinearServer, Link};
pub use network::NetworkServer;
pub use softmax::SoftmaxServer;

use ckks::params::ParametersLiteral;
use ckks::{Context, EvaluationKeys, SecretKey};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::plain::{Network, SoftmaxRegression};

/// How inputs are packed into slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Layout {
    /// One sample per ciphertext: feature `j` in slot `j`, zero-padded to `width` (a power of
    /// two) slots. The inner product with the weights is a `mul_plain` and a rotate-and-sum.
    Slots {
        /// The number of features.
        features: usize,
        /// The number of slots packed (features rounded up to a power of two).
        width: usize,
    },
    /// Feature-major batches: one ciphertext per feature, sample `i` in slot `i`, up to
    /// `samples_per_ciphertext` samples per batch. The score is a sum of ciphertext-scalar
    /// products: no rotation at all, and the whole slot vector works.
    FeatureMajor {
        /// The number of features (ciphertexts per batch).
        features: usize,
        /// Samples per batch: the slot count `N / 2`.
        samples_per_ciphertext: usize,
    },
    /// One sample for the diagonal method: `block` blocks of `block` slots, block `b` holding
    /// the features (zero-padded to `block`) rotated left by `b`, so that the server needs no
    /// rotation of the input.
    RotatedBlocks {
        /// The number of features.
        features: usize,
        /// The padded width `d`: a power of two at least the inputs, hidden units and outputs.
        block: usize,
    },
}

impl Layout {
    /// The number of input features.
    pub fn features(&self) -> usize {
        match *self {
            Layout::Slots { features, .. }
            | Layout::FeatureMajor { features, .. }
            | Layout::RotatedBlocks { features, .. } => features,
        }
    }

    /// Checks the layout's own invariants: at least one feature, widths powers of two that hold
    /// the features.
    pub fn validate(&self) -> Result<()> {
        let (features, width) = match *self {
            Layout::Slots { features, width } => (features, width),
            Layout::FeatureMajor {
                features,
                samples_per_ciphertext,
            } => (features.min(1), samples_per_ciphertext),
            Layout::RotatedBlocks { features, block } => (features, block),
        };
        if features == 0 || !width.is_power_of_two() || width < features {
            return Err(Error::LayoutMismatch(format!(
                "{self:?}: widths must be powers of two holding at least one feature"
            )));
        }
        Ok(())
    }

    /// The number of slots one input ciphertext uses.
    pub fn slots(&self) -> usize {
        match *self {
            Layout::Slots { width, .. } => width,
            Layout::FeatureMajor {
                samples_per_ciphertext,
                ..
            } => samples_per_ciphertext,
            Layout::RotatedBlocks { block, .. } => block * block,
        }
    }
}

/// What a model needs from the parameters and the keys, known before any key is generated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The parameters (128-bit checked when built).
    pub params: ParametersLiteral,
    /// The packing of the inputs.
    pub layout: Layout,
    /// Multiplicative depth: the levels the evaluation consumes.
    pub depth: usize,
    /// The rotation steps whose Galois keys the server needs (empty: none).
    pub rotations: Vec<i64>,
    /// Whether a relinearization key is needed (any ciphertext-ciphertext product).
    pub relinearization: bool,
    /// The level the client encrypts at (the top of the chain).
    pub input_level: usize,
    /// The level of the results.
    pub output_level: usize,
    /// log2 of the scale inputs are encrypted at and outputs come back at.
    pub log_scale: u32,
}

impl Plan {
    fn new(
        params: ParametersLiteral,
        layout: Layout,
        depth: usize,
        rotations: Vec<i64>,
        relinearization: bool,
        what: &str,
    ) -> Result<Self> {
        let built = params.build()?;
        let max_level = built.max_level();
        if depth > max_level {
            return Err(Error::PlanDoesNotFit {
                needed: format!("depth {depth} ({what})"),
                available: format!("{max_level} levels (log_q = {:?})", params.log_q),
                fix: "add rescale primes of about log_scale bits to log_q (Preset::N13 has depth 3, N14 depth 7)",
            });
        }
        if layout.slots() > built.max_slots() {
            return Err(Error::PlanDoesNotFit {
                needed: format!("{} slots ({what})", layout.slots()),
                available: format!("{} slots at N = 2^{}", built.max_slots(), params.log_n),
                fix: "use a larger ring degree (log_n) or a smaller model",
            });
        }
        Ok(Self {
            log_scale: built.log_scale(),
            params,
            layout,
            depth,
            rotations,
            relinearization,
            input_level: max_level,
            output_level: max_level - depth,
        })
    }

    /// Plan for one sample per ciphertext of a linear or logistic model.
    pub fn linear_single(model: &LinearModel, params: ParametersLiteral) -> Result<Self> {
        model.validate()?;
        let width = model.features().next_power_of_two();
        Self::new(
            params,
            Layout::Slots {
                features: model.features(),
                width,
            },
            model.depth(),
            linalg::sum_steps(1, width),
            model.needs_relinearization(),
            "the score and the link polynomial",
        )
    }

    /// Plan for feature-major batches of a linear or logistic model (`N / 2` samples per
    /// batch; no Galois key).
    pub fn linear_batched(model: &LinearModel, params: ParametersLiteral) -> Result<Self> {
        model.validate()?;
        let slots = params.build()?.max_slots();
        Self::new(
            params,
            Layout::FeatureMajor {
                features: model.features(),
                samples_per_ciphertext: slots,
            },
            model.depth(),
            Vec::new(),
            model.needs_relinearization(),
            "the score and the link polynomial",
        )
    }

    /// Plan for feature-major batches of a network with one hidden layer (`N / 2` samples per
    /// batch; no Galois key; one output ciphertext per network output).
    pub fn network_batched(net: &Network, params: ParametersLiteral) -> Result<Self> {
        net.validate()?;
        let slots = params.build()?.max_slots();
        Self::new(
            params,
            Layout::FeatureMajor {
                features: net.inputs(),
                samples_per_ciphertext: slots,
            },
            network::network_depth(net),
            Vec::new(),
            true,
            "two layers of plaintext weights and the activation",
        )
    }

    /// Plan for one sample of a softmax regression: its class scores (logits), class `k` in
    /// slot `k`, by the diagonal method (depth 1, rotations by multiples of `d`).
    pub fn softmax(model: &SoftmaxRegression, params: ParametersLiteral) -> Result<Self> {
        model.validate()?;
        let d = model
            .standardizer
            .len()
            .max(model.classes())
            .next_power_of_two();
        Self::new(
            params,
            Layout::RotatedBlocks {
                features: model.standardizer.len(),
                block: d,
            },
            1,
            linalg::sum_steps(d, d),
            false,
            "one layer of plaintext weights",
        )
    }

    /// Plan for feature-major batches of a softmax regression: one class-score ciphertext per
    /// class (depth 1, no Galois key).
    pub fn softmax_batched(model: &SoftmaxRegression, params: ParametersLiteral) -> Result<Self> {
        model.validate()?;
        let slots = params.build()?.max_slots();
        Self::new(
            params,
            Layout::FeatureMajor {
                features: model.standardizer.len(),
                samples_per_ciphertext: slots,
            },
            1,
            Vec::new(),
            false,
            "one layer of plaintext weights",
        )
    }

    /// Plan for one sample of a network with one hidden layer.
    pub fn network(net: &Network, params: ParametersLiteral) -> Result<Self> {
        net.validate()?;
        let d = net
            .inputs()
            .max(net.hidden())
            .max(net.outputs())
            .next_power_of_two();
        let mut rotations = linalg::sum_steps(1, d);
        rotations.extend(linalg::sum_steps(d, d));
        Self::new(
            params,
            Layout::RotatedBlocks {
                features: net.inputs(),
                block: d,
            },
            network::network_depth(net),
            rotations,
            true,
            "two plaintext products and the activation",
        )
    }

    /// The evaluation keys the plan needs, generated by the secret key's owner (the client).
    pub fn evaluation_keys<R: CryptoRng + ?Sized>(
        &self,
        sk: &SecretKey,
        rng: &mut R,
    ) -> Result<EvaluationKeys> {
        let mut b = EvaluationKeys::builder(sk);
        if self.relinearization {
            b = b.relinearization();
        }
        if !self.rotations.is_empty() {
            b = b.rotations(&self.rotations);
        }
        Ok(b.build(rng)?)
    }
}

/// Checks that an input ciphertext is at the plan's input level and at `scale` (what
/// [`Client`] produces).
pub(crate) fn check_input(plan: &Plan, scale: f64, ct: &ckks::Ciphertext) -> Result<()> {
    if ct.level() != plan.input_level
        || (ct.scale() / scale - 1.0).abs() > ckks::DEFAULT_SCALE_TOLERANCE
    {
        return Err(Error::LayoutMismatch(format!(
            "inputs must be encrypted at level {} and scale 2^{:.2} (got level {} and scale 2^{:.2}): use Client::encrypt_sample or encrypt_batches",
            plan.input_level,
            scale.log2(),
            ct.level(),
            ct.scale().log2()
        )));
    }
    Ok(())
}

/// Checks that `ctx` runs the plan's parameters and that the plan's levels are consistent.
pub(crate) fn check_context(ctx: &Context, plan: &Plan) -> Result<()> {
    plan.layout.validate()?;
    let id = plan.params.build()?.id();
    if id != ctx.id() {
        return Err(Error::LayoutMismatch(format!(
            "the evaluator's parameters (id {:#x}) are not the plan's (id {id:#x}): build the context from plan.params",
            ctx.id()
        )));
    }
    if plan.input_level > ctx.max_level() || plan.depth > plan.input_level {
        return Err(Error::LayoutMismatch(format!(
            "input level {} and depth {} do not fit a chain of {} levels",
            plan.input_level,
            plan.depth,
            ctx.max_level()
        )));
    }
    Ok(())
}
