//! `ckks bench train`: logistic regression trained on encrypted Edinburgh data (5-fold
//! cross-validation, 5 Nesterov iterations, degree-3 sigmoid, N = 2^15 at 128-bit security):
//! seconds per fold (client encryption, server training, client decryption), held-out AUC and
//! accuracy of the decrypted models, agreement with the plaintext twin, peak memory.
//!
//! Each fold is one real run (a fold takes seconds; the records give the median and the
//! fastest of the five).

use ckks::math::sampling::os_seeded_rng;
use ckks_ml::data::{sets, split};
use ckks_ml::metrics;
use ckks_ml::train::{self, Session, Task, TrainConfig, TrainPlan};
use serde_json::{Value, json};

use super::Record;

type BoxError = Box<dyn std::error::Error>;

/// Runs the five folds and returns the records `edin_fold_seconds`, `edin_auc`,
/// `edin_accuracy`, `edin_twin_relative`, `edin_keygen_seconds` and `peak_rss_bytes`.
pub(crate) fn run(threads: usize) -> Result<Vec<Record>, BoxError> {
    let data = sets::edin()?;
    let labels = data.binary_labels(0.5);
    let folds = split::stratified_k_fold(&data.class_labels()?, 5, 2017)?;
    let task = Task::logistic(3, 8.0)?;
    let config = TrainConfig::default();
    let mut rng = os_seeded_rng()?;
    let mut session: Option<Session> = None;
    let (mut seconds, mut aucs, mut accs, mut worst) = (Vec::new(), Vec::new(), Vec::new(), 0.0f64);
    let mut keygen = 0.0;
    let mut plan_info = (0, 0);
    for fold in &folds {
        let (tr, te) = (data.subset(&fold.train), data.subset(&fold.test));
        let y_train: Vec<bool> = fold.train.iter().map(|&i| labels[i]).collect();
        let y_test: Vec<bool> = fold.test.iter().map(|&i| labels[i]).collect();
        let (rows, standardizer) = train::prepare_logistic(tr.x.view(), &y_train)?;
        let plan = TrainPlan::with_default_params(
            task.clone(),
            config,
            rows.len(),
            data.n_features() + 1,
        )?;
        plan_info = (plan.params.log_n, plan.depth);
        let s = match session.take() {
            None => {
                let s = Session::new(&plan, &mut rng)?;
                keygen = s.keygen_time().as_secs_f64();
                s
            }
            Some(s) => s.reuse(&plan, &mut rng)?,
        };
        let out = s.run(&rows, &mut rng, |_| {})?;
        seconds.push(out.total().as_secs_f64());
        worst = worst.max(train::relative_difference(
            &out.weights,
            &train::twin(&plan, &rows)?,
        )?);
        let model = train::logistic_model(&plan, standardizer, &out.weights)?;
        let logits = model.logits(te.x.view())?;
        let decisions: Vec<bool> = logits.iter().map(|&z| z > 0.0).collect();
        aucs.push(metrics::auc(&logits, &y_test)?);
        accs.push(metrics::accuracy(&decisions, &y_test)?);
        session = Some(s);
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let mut sorted = seconds.clone();
    sorted.sort_by(f64::total_cmp);
    let base = |op: &str| {
        json!({
            "group": "train", "op": op, "data": "edin", "folds": folds.len(),
            "iterations": config.iterations, "sigmoid_degree": 3, "log_n": plan_info.0,
            "depth": plan_info.1, "threads": threads,
        })
    };
    let mut records = Vec::new();
    let mut push = |op: &str, extra: Value| {
        if let (Value::Object(mut m), Value::Object(e)) = (base(op), extra) {
            m.extend(e);
            records.push(Record(m));
        }
    };
    push(
        "edin_fold_seconds",
        json!({
            "median_s": sorted.get(sorted.len() / 2), "min_s": sorted.first(), "mean_s": mean(&seconds),
            "per_fold_s": seconds,
        }),
    );
    push("edin_auc", json!({ "mean": mean(&aucs), "per_fold": aucs }));
    push(
        "edin_accuracy",
        json!({ "mean": mean(&accs), "per_fold": accs }),
    );
    push("edin_twin_relative", json!({ "max": worst }));
    push("edin_keygen_seconds", json!({ "seconds": keygen }));
    push(
        "peak_rss_bytes",
        json!({ "bytes": train::peak_memory_bytes() }),
    );
    Ok(records)
}
