//! Encrypted class scores of a softmax regression, one sample or a batch.

use ckks::{Ciphertext, Encoder, Evaluator};

use super::dense::{BlockLayer, Folded, feature_major};
use super::{Layout, Plan, check_context, check_input};
use crate::error::{Error, Result};
use crate::plain::SoftmaxRegression;

/// The server side of a softmax regression: the class scores (logits) `W standardize(x) + b`
/// on encrypted features. The client decrypts them and takes the arg-max or the softmax in
/// the clear (the softmax itself is not evaluated under encryption: it changes no decision).
///
/// - One sample ([`Plan::softmax`], [`RotatedBlocks`](Layout::RotatedBlocks)): the diagonal
///   method, class `k` in slot `k` ([`Client::decrypt_batch`](super::Client::decrypt_batch)
///   with the number of classes reads them).
/// - A batch ([`Plan::softmax_batched`], [`FeatureMajor`](Layout::FeatureMajor)): one
///   ciphertext per class, sample `s` in slot `s`.
///
/// ```
/// use ckks::{Context, Evaluator, SecretKey, params::Preset};
/// use ckks_ml::data::{sets, split};
/// use ckks_ml::infer::{Client, Plan, SoftmaxServer};
/// use ckks_ml::plain::{SoftmaxRegression, TrainOptions};
/// use rand_chacha::ChaCha20Rng;
/// use rand_core::SeedableRng;
///
/// let iris = sets::iris()?;
/// let labels = iris.class_labels()?;
/// let model = SoftmaxRegression::fit(iris.x.view(), &labels, 3, &TrainOptions::default())?;
/// let plan = Plan::softmax(&model, Preset::N13.literal())?;
/// let ctx = Context::new(plan.params.build()?)?;
/// let mut rng = ChaCha20Rng::from_seed([2; 32]);
/// let sk = SecretKey::generate(&ctx, &mut rng)?;
/// let eval = Evaluator::new(&ctx, plan.evaluation_keys(&sk, &mut rng)?)?;
/// let server = SoftmaxServer::new(&eval, &model, &plan)?;
/// let client = Client::new(&plan, &sk)?;
/// let x = iris.x.row(120).to_vec();
/// let scores = client.decrypt_batch(&server.infer(&eval, &client.encrypt_sample(&x, &mut rng)?)?, 3)?;
/// let plain = model.logits(iris.x.slice(ckks_ml::ndarray::s![120..121, ..]))?;
/// for (e, p) in scores.iter().zip(plain.row(0)) {
///     assert!((e - p).abs() < 1e-4);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct SoftmaxServer {
    plan: Plan,
    classes: usize,
    compiled: Compiled,
    input_scale: f64,
}

#[derive(Clone, Debug)]
enum Compiled {
    Single(BlockLayer),
    Batched(Folded),
}

impl SoftmaxServer {
    /// Compiles `model` for `plan` (made by [`Plan::softmax`] or [`Plan::softmax_batched`] for
    /// this model, and `eval` for the plan's parameters).
    pub fn new(eval: &Evaluator, model: &SoftmaxRegression, plan: &Plan) -> Result<Self> {
        model.validate()?;
        let ctx = eval.context();
        check_context(ctx, plan)?;
        let features = model.standardizer.len();
        if plan.layout.features() != features || plan.depth != 1 {
            return Err(Error::LayoutMismatch(format!(
                "the plan is for {} features at depth {}; the model has {features} features and depth 1",
                plan.layout.features(),
                plan.depth
            )));
        }
        let layer = Folded::new(&model.weights, &model.biases, &model.standardizer, 0.0, 1.0);
        let delta = ctx.default_scale();
        let compiled = match plan.layout {
            Layout::RotatedBlocks { block, .. } if block >= model.classes() => Compiled::Single(
                BlockLayer::new(&Encoder::new(ctx), &layer, block, plan.input_level, delta)?,
            ),
            Layout::FeatureMajor { .. } => Compiled::Batched(layer),
            other => {
                return Err(Error::LayoutMismatch(format!(
                    "{other:?}: a softmax regression runs on RotatedBlocks (as wide as the features and the classes) or FeatureMajor: make the plan with Plan::softmax or Plan::softmax_batched"
                )));
            }
        };
        Ok(Self {
            plan: plan.clone(),
            classes: model.classes(),
            compiled,
            input_scale: delta,
        })
    }

    /// The plan it was compiled for.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    fn check_input(&self, ct: &Ciphertext) -> Result<()> {
        check_input(&self.plan, self.input_scale, ct)
    }

    /// One encrypted sample to its class scores, class `k` in slot `k`.
    pub fn infer(&self, eval: &Evaluator, ct: &Ciphertext) -> Result<Ciphertext> {
        let Compiled::Single(layer) = &self.compiled else {
            return Err(Error::LayoutMismatch(
                "this server was compiled for a batched plan: use infer_batch".into(),
            ));
        };
        self.check_input(ct)?;
        layer.apply(eval, ct)
    }

    /// One encrypted feature-major batch to one class-score ciphertext per class, sample `s`
    /// in slot `s`.
    pub fn infer_batch(
        &self,
        eval: &Evaluator,
        features: &[Ciphertext],
    ) -> Result<Vec<Ciphertext>> {
        let Compiled::Batched(layer) = &self.compiled else {
            return Err(Error::LayoutMismatch(
                "this server was compiled for a single-sample plan: use infer".into(),
            ));
        };
        for ct in features {
            self.check_input(ct)?;
        }
        feature_major(eval, features, &layer.w, &layer.b)
    }
}
