//! [`CircuitPlan`]: the depth and the keys of a circuit, accumulated step by step before any
//! key exists.

use std::collections::BTreeSet;

use super::{LinearTransform, Polynomial};
use crate::Evaluator;
use crate::keys::{EvaluationKeysBuilder, galois_element};

/// The levels and evaluation keys a circuit needs, accumulated stage by stage, so that a
/// client generates exactly the keys the server will use and picks parameters with enough
/// levels.
///
/// ```
/// use ckks::{Context, Encoder, EvaluationKeys, SecretKey, params::Preset};
/// use ckks::circuits::{CircuitPlan, LinearTransform, Polynomial};
/// use rand_chacha::ChaCha20Rng;
/// use rand_core::SeedableRng;
/// let ctx = Context::new(Preset::N14.literal().build()?)?;
/// let enc = Encoder::new(&ctx);
/// // A layer: 16 x 16 matrix, then the degree-7 sigmoid, then the sum of the 16 outputs.
/// let m: Vec<Vec<f64>> = (0..16).map(|i| (0..16).map(|j| ((i + j) % 5) as f64 / 10.0).collect()).collect();
/// let lt = LinearTransform::new(&enc, &m, ctx.max_level())?;
/// let sigmoid = Polynomial::sigmoid(7)?;
/// let plan = CircuitPlan::new().linear_transform(&lt).polynomial(&sigmoid).sum_slots(16);
/// assert_eq!(plan.depth(), 1 + 4);
/// assert!(plan.depth() <= ctx.max_level());
/// let mut rng = ChaCha20Rng::from_seed([0; 32]);
/// let sk = SecretKey::generate(&ctx, &mut rng)?;
/// let evk = plan.keys(EvaluationKeys::builder(&sk)).build(&mut rng)?;
/// assert!(evk.relinearization_key().is_some());
/// assert_eq!(evk.galois_keys().len(), plan.galois_elements(ctx.n()).len());
/// # Ok::<(), ckks::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CircuitPlan {
    depth: usize,
    steps: BTreeSet<i64>,
    relinearization: bool,
}

impl CircuitPlan {
    /// An empty plan: depth 0, no key.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a polynomial evaluation.
    pub fn polynomial(mut self, p: &Polynomial) -> Self {
        self.depth += p.depth();
        self.relinearization |= p.nonscalar_multiplications() > 0;
        self
    }

    /// Adds a linear transform.
    pub fn linear_transform(mut self, lt: &LinearTransform) -> Self {
        self.depth += lt.depth();
        self.steps.extend(lt.galois_steps());
        self
    }

    /// Adds rotations by `steps` (for example [`Evaluator::rotate_many`]).
    pub fn rotations(mut self, steps: &[i64]) -> Self {
        self.steps.extend(steps.iter().copied().filter(|&s| s != 0));
        self
    }

    /// Adds [`Evaluator::sum_slots`] on `slots` slots.
    pub fn sum_slots(self, slots: usize) -> Self {
        self.rotations(&Evaluator::sum_slots_steps(slots))
    }

    /// Adds [`Evaluator::sum_within_blocks`].
    pub fn sum_within_blocks(self, block: usize) -> Self {
        self.rotations(&Evaluator::sum_within_blocks_steps(block))
    }

    /// Adds [`Evaluator::sum_across_blocks`] on `slots` slots.
    pub fn sum_across_blocks(self, block: usize, slots: usize) -> Self {
        self.rotations(&Evaluator::sum_across_blocks_steps(block, slots))
    }

    /// Adds [`Evaluator::replicate`] on `slots` slots.
    pub fn replicate(self, block: usize, slots: usize) -> Self {
        self.rotations(&Evaluator::replicate_steps(block, slots))
    }

    /// Adds an [`Evaluator::inner_product`] of two encrypted vectors of `slots` slots (one
    /// level).
    pub fn inner_product(mut self, slots: usize) -> Self {
        self.relinearization = true;
        self.depth += 1;
        self.sum_slots(slots)
    }

    /// Adds an [`Evaluator::inner_product_plain`] on `slots` slots (one level).
    pub fn inner_product_plain(mut self, slots: usize) -> Self {
        self.depth += 1;
        self.sum_slots(slots)
    }

    /// Adds an [`Evaluator::inverse`] with `iterations` Newton iterations.
    pub fn inverse(mut self, iterations: usize) -> Self {
        self.depth += Evaluator::inverse_depth(iterations);
        self.relinearization |= iterations > 1;
        self
    }

    /// Adds a ciphertext-ciphertext multiplication followed by a rescale (one level).
    pub fn multiplication(mut self) -> Self {
        self.depth += 1;
        self.relinearization = true;
        self
    }

    /// Adds `levels` levels (plaintext multiplications, `match_scale`, ...).
    pub fn levels(mut self, levels: usize) -> Self {
        self.depth += levels;
        self
    }

    /// Combines with a branch evaluated alongside (on other ciphertexts): the depth is the
    /// larger of the two, the keys the union.
    pub fn alongside(mut self, other: &CircuitPlan) -> Self {
        self.depth = self.depth.max(other.depth);
        self.steps.extend(other.steps.iter().copied());
        self.relinearization |= other.relinearization;
        self
    }

    /// The levels the circuit consumes: the input must be at this level or above.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Whether the circuit needs the relinearization key.
    pub fn needs_relinearization(&self) -> bool {
        self.relinearization
    }

    /// The rotation steps, sorted.
    pub fn rotation_steps(&self) -> Vec<i64> {
        self.steps.iter().copied().collect()
    }

    /// The distinct Galois elements of the rotations for ring degree `n` (steps that coincide
    /// modulo `N/2` share one; identities are dropped), sorted.
    pub fn galois_elements(&self, n: usize) -> Vec<u64> {
        let set: BTreeSet<u64> = self
            .steps
            .iter()
            .map(|&s| galois_element(s, n))
            .filter(|&k| k != 1)
            .collect();
        set.into_iter().collect()
    }

    /// Adds exactly the keys of the plan to a key builder.
    pub fn keys<'a>(&self, builder: EvaluationKeysBuilder<'a>) -> EvaluationKeysBuilder<'a> {
        let builder = if self.relinearization {
            builder.relinearization()
        } else {
            builder
        };
        let elements = self.galois_elements(builder.ring_degree());
        builder.galois_elements(&elements)
    }
}
