//! The model directory: `ckks-ml` JSON models, each compiled for the smallest preset its plan
//! fits.

use std::collections::HashMap;
use std::path::Path;

use ckks::params::Preset;
use ckks::{Ciphertext, Context, Evaluator};
use ckks_ml::data::Standardizer;
use ckks_ml::infer::{LinearModel, LinearServer, Link, NetworkServer, Plan};
use ckks_ml::plain::{Model, Network};

use crate::error::{Error, Result};
use crate::wire::{ModelInfo, OutputKind, format_param_id};

/// The presets tried in order: the first the model's plan fits is used.
const PRESETS: [Preset; 3] = [Preset::N13, Preset::N14, Preset::N15];

/// A model compiled for its plan.
#[derive(Debug)]
enum Compiled {
    Linear(Box<LinearServer>),
    Network(Box<NetworkServer>),
}

/// A served model.
#[derive(Debug)]
pub(crate) struct ServedModel {
    pub(crate) info: ModelInfo,
    pub(crate) ctx: Context,
    compiled: Compiled,
}

impl ServedModel {
    /// The model's plan.
    pub(crate) fn plan(&self) -> &Plan {
        &self.info.plan
    }

    /// Runs the model on one ciphertext (checked by the caller against the plan's level,
    /// scale and slots) with a key set's evaluator.
    pub(crate) fn infer(&self, eval: &Evaluator, ct: &Ciphertext) -> ckks_ml::Result<Ciphertext> {
        match &self.compiled {
            Compiled::Linear(s) => s.infer(eval, ct),
            Compiled::Network(s) => s.infer(eval, ct),
        }
    }
}

/// Loads every `*.json` model in `dir` (sorted by name). Contexts are shared between models
/// of the same parameters. A softmax regression is skipped with a notice (there is no
/// encrypted inference for it); any other unreadable model is an error.
pub(crate) fn load_dir(dir: &Path) -> Result<Vec<ServedModel>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.extension().is_some_and(|e| e == "json") {
            paths.push(path);
        }
    }
    paths.sort();
    let mut contexts: HashMap<u64, Context> = HashMap::new();
    let mut models = Vec::new();
    for path in paths {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(Error::Model {
                name: path.display().to_string(),
                reason: "model file names must be letters, digits, '-' and '_' before .json".into(),
            });
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let model = Model::from_json(&text).map_err(|e| Error::Model {
            name: name.clone(),
            reason: e.to_string(),
        })?;
        match compile(&name, &model, &mut contexts)? {
            Some(m) => models.push(m),
            None => eprintln!(
                "ckks serve: {} is not served: only linear and logistic regressions and networks have encrypted inference",
                path.display()
            ),
        }
    }
    Ok(models)
}

/// The first preset the plan made by `make` fits.
fn plan_for(name: &str, make: impl Fn(Preset) -> ckks_ml::Result<Plan>) -> Result<Plan> {
    let mut last = None;
    for preset in PRESETS {
        match make(preset) {
            Ok(plan) => return Ok(plan),
            Err(e) => last = Some(e),
        }
    }
    Err(Error::Model {
        name: name.to_string(),
        reason: format!(
            "fits none of the presets n13, n14, n15: {}",
            last.map_or_else(String::new, |e| e.to_string())
        ),
    })
}

fn context_for(plan: &Plan, contexts: &mut HashMap<u64, Context>) -> Result<Context> {
    let params = plan.params.build()?;
    if let Some(ctx) = contexts.get(&params.id()) {
        return Ok(ctx.clone());
    }
    let ctx = Context::new(params)?;
    contexts.insert(ctx.id(), ctx.clone());
    Ok(ctx)
}

/// Compiles a model for the service. The server evaluates the model on *standardized*
/// features (the client standardizes with the statistics listed for the model), so the
/// standardization is not folded into the weights: encrypted inputs stay within a few units.
fn compile(
    name: &str,
    model: &Model,
    contexts: &mut HashMap<u64, Context>,
) -> Result<Option<ServedModel>> {
    let (kind, standardizer, linear, output) = match model {
        Model::LogisticRegression(m) => (
            "logistic_regression",
            m.standardizer.clone(),
            LinearModel {
                weights: m.weights.clone(),
                bias: m.bias,
                link: Link::Sigmoid(m.sigmoid.clone()),
            },
            OutputKind::Probability,
        ),
        Model::LinearRegression(m) => (
            "linear_regression",
            m.standardizer.clone(),
            LinearModel {
                weights: m.weights.clone(),
                bias: m.bias,
                link: Link::Identity,
            },
            OutputKind::Value,
        ),
        Model::Network(net) => return compile_network(name, net, contexts).map(Some),
        _ => return Ok(None),
    };
    let plan = plan_for(name, |p| Plan::linear_single(&linear, p.literal()))?;
    let ctx = context_for(&plan, contexts)?;
    let server = LinearServer::new(&Evaluator::without_keys(&ctx), &linear, &plan)?;
    Ok(Some(ServedModel {
        info: info(name, kind, &plan, &ctx, standardizer, 1, output),
        ctx,
        compiled: Compiled::Linear(Box::new(server)),
    }))
}

fn compile_network(
    name: &str,
    net: &Network,
    contexts: &mut HashMap<u64, Context>,
) -> Result<ServedModel> {
    let mut standardized = net.clone();
    standardized.standardizer = Standardizer::identity(net.inputs());
    let plan = plan_for(name, |p| Plan::network(&standardized, p.literal()))?;
    let ctx = context_for(&plan, contexts)?;
    let server = NetworkServer::new(&Evaluator::without_keys(&ctx), &standardized, &plan)?;
    Ok(ServedModel {
        info: info(
            name,
            "network",
            &plan,
            &ctx,
            net.standardizer.clone(),
            net.outputs(),
            OutputKind::Logits,
        ),
        ctx,
        compiled: Compiled::Network(Box::new(server)),
    })
}

fn info(
    name: &str,
    kind: &str,
    plan: &Plan,
    ctx: &Context,
    standardizer: Standardizer,
    outputs: usize,
    output: OutputKind,
) -> ModelInfo {
    ModelInfo {
        name: name.to_string(),
        kind: kind.to_string(),
        features: plan.layout.features(),
        outputs,
        output,
        galois_elements: plan
            .rotations
            .iter()
            .map(|&s| ckks::keys::galois_element(s, ctx.n()))
            .collect(),
        plan: plan.clone(),
        param_id: format_param_id(ctx.id()),
        standardizer,
    }
}
