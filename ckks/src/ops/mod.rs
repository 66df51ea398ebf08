//! The [`Evaluator`]: homomorphic operations on ciphertexts, with evaluation keys only.
//!
//! - [`arith`]: addition, subtraction, negation (ciphertext, plaintext, constant operands),
//!   multiplication by plaintexts and constants;
//! - [`mul`]: ciphertext multiplication, relinearization, rescaling, level management;
//! - [`rotate`]: slot rotations and conjugation;
//! - [`hoisting`]: many rotations of one ciphertext sharing one decomposition;
//! - [`sums`]: slot sums, block sums, replication and inner products;
//! - [`linear`]: plaintext matrix times encrypted vector ([`LinearTransform`]);
//! - [`poly`]: polynomial evaluation and Newton-type iterations.
//!
//! Every operation checks parameter ids, levels, scales and degrees, and returns an error that
//! names the numbers and the fix rather than a wrong result. Operations come in an allocating
//! form (`add(&a, &b) -> Result<Ciphertext>`) and an in-place form (`add_assign(&mut a, &b)`).

mod arith;
mod hoisting;
mod linear;
mod mul;
mod poly;
mod rotate;
mod sums;

pub use linear::LinearTransform;

use std::collections::BTreeMap;

use crate::ciphertext::Ciphertext;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::keys::EvaluationKeys;
use crate::ring::AutomorphismIndex;

/// The default relative tolerance on the scales of the operands of an addition: `2^-20`.
///
/// Within it, the result takes the first operand's scale and the second operand's values are
/// off by at most this relative amount; beyond it, the addition is refused.
pub const DEFAULT_SCALE_TOLERANCE: f64 = 1.0 / (1u64 << 20) as f64;

/// Evaluates circuits on ciphertexts. Holds evaluation keys only, never a secret key; `Send`
/// and `Sync`, so one evaluator serves many threads.
///
/// ```
/// use ckks::{Context, Decryptor, Encoder, Encryptor, EvaluationKeys, Evaluator, SecretKey, params::Preset};
/// use rand_chacha::ChaCha20Rng;
/// use rand_core::SeedableRng;
/// let ctx = Context::new(Preset::RefA.literal().build()?)?;
/// let mut rng = ChaCha20Rng::from_seed([9; 32]);
/// let sk = SecretKey::generate(&ctx, &mut rng)?;
/// let evk = EvaluationKeys::builder(&sk).relinearization().rotations(&[1]).build(&mut rng)?;
/// let eval = Evaluator::new(&ctx, evk)?;
/// let enc = Encoder::new(&ctx);
/// let x = [0.5, -0.25, 0.75, 1.0];
/// let ct = Encryptor::with_secret_key(&sk)
///     .encrypt(&enc.encode(&x, ctx.max_level(), ctx.default_scale())?, &mut rng)?;
/// let sq = eval.rescale(&eval.mul_relin(&ct, &ct)?)?;     // x^2, one level down
/// let r = eval.rotate(&sq, 1)?;                           // slot i <- slot i + 1
/// let v = enc.decode(&Decryptor::new(&sk).decrypt(&r)?)?;
/// assert!((v[0] - 0.0625).abs() < 1e-6 && (v[3] - 0.25).abs() < 1e-6);
/// assert!(matches!(eval.rotate(&sq, 2), Err(ckks::Error::MissingGaloisKey { step: 2, .. })));
/// # Ok::<(), ckks::Error>(())
/// ```
#[derive(Debug)]
pub struct Evaluator {
    ctx: Context,
    keys: EvaluationKeys,
    automorphisms: BTreeMap<u64, AutomorphismIndex>,
    scale_tolerance: f64,
    allow_transparent: bool,
}

impl Evaluator {
    /// An evaluator with the given keys (their parameter ids must match the context).
    pub fn new(ctx: &Context, keys: EvaluationKeys) -> Result<Self> {
        ctx.check_id("evaluation keys", keys.param_id)?;
        let mut automorphisms = BTreeMap::new();
        for k in keys.galois.elements() {
            automorphisms.insert(k, AutomorphismIndex::new(ctx.n(), k)?);
        }
        Ok(Self {
            ctx: ctx.clone(),
            keys,
            automorphisms,
            scale_tolerance: DEFAULT_SCALE_TOLERANCE,
            allow_transparent: false,
        })
    }

    /// An evaluator without keys: additions and plaintext or constant multiplications only.
    pub fn without_keys(ctx: &Context) -> Self {
        Self {
            ctx: ctx.clone(),
            keys: EvaluationKeys {
                param_id: ctx.id(),
                relin: None,
                galois: Default::default(),
            },
            automorphisms: BTreeMap::new(),
            scale_tolerance: DEFAULT_SCALE_TOLERANCE,
            allow_transparent: false,
        }
    }

    /// The context.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// The evaluation keys.
    pub fn keys(&self) -> &EvaluationKeys {
        &self.keys
    }

    /// Sets the relative tolerance on operand scales in additions (default
    /// [`DEFAULT_SCALE_TOLERANCE`]).
    pub fn set_scale_tolerance(&mut self, tolerance: f64) {
        self.scale_tolerance = tolerance.abs();
    }

    /// Allows results whose every part but `c_0` is zero (refused by default: such a
    /// "ciphertext" reveals its plaintext to anyone).
    pub fn set_allow_transparent(&mut self, allow: bool) {
        self.allow_transparent = allow;
    }

    fn check(&self, ct: &Ciphertext) -> Result<()> {
        self.ctx.check_id("ciphertext", ct.param_id)
    }

    fn check_transparent(&self, ct: &Ciphertext, op: &'static str) -> Result<()> {
        if !self.allow_transparent && ct.is_transparent() {
            return Err(Error::TransparentResult { op });
        }
        Ok(())
    }

    fn check_scales(&self, op: &'static str, a: f64, b: f64) -> Result<()> {
        let rel = (a / b - 1.0).abs();
        if rel.is_finite() && rel <= self.scale_tolerance {
            Ok(())
        } else {
            Err(Error::ScaleMismatch {
                op,
                log2_a: a.log2(),
                log2_b: b.log2(),
                relative: rel,
                tolerance: self.scale_tolerance,
            })
        }
    }
}

#[cfg(test)]
mod circuit_tests;
#[cfg(test)]
mod noise_tests;
#[cfg(test)]
mod tests;
