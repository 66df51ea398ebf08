//! # iDASH 2017 reproduction: logistic regression trained on encrypted data
//!
//! Kim, Song, Kim, Lee and Cheon's method (the iDASH 2017 winner), re-run at 128-bit security
//! by Ogilvie, Player and Rowell (2020): Edinburgh myocardial infarction data (1253 x 9),
//! 5-fold cross-validation, 5 Nesterov iterations with a degree-3 polynomial sigmoid, no
//! bootstrapping. Published: 42.5 s per fold on 10 cores, AUC 0.96, accuracy 88.9% (plaintext
//! ceiling 91%). The same on the UCI heart-disease (Cleveland) data.
//!
//! For every fold the client standardizes and encrypts its training rows, the server runs the
//! iterations on ciphertexts with evaluation keys only, the client decrypts the weights and
//! scores the held-out rows; beside it, the plaintext twin (same rows, polynomial, schedule and
//! iterations in `f64`) and a plaintext model trained to convergence with the exact sigmoid.
//!
//! Run with `cargo run --release --example idash_logreg [edin|heart|all] [degree ...]`
//! (default: all, degree 3; degrees 5 and 7 take N = 2^16).

use std::time::Instant;

use ckks::math::sampling::os_seeded_rng;
use ckks_ml::data::{Dataset, MissingPolicy, sets, split};
use ckks_ml::metrics;
use ckks_ml::plain::{LogisticOptions, LogisticRegression};
use ckks_ml::train::{self, Session, Task, TrainConfig, TrainPlan};

type BoxError = Box<dyn std::error::Error>;

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let which = args.first().map_or("all", String::as_str);
    let degrees: Vec<usize> = args
        .iter()
        .skip(1)
        .map(|d| d.parse())
        .collect::<Result<_, _>>()?;
    let degrees = if degrees.is_empty() { vec![3] } else { degrees };
    let mut sets_to_run = Vec::new();
    if matches!(which, "edin" | "all") {
        sets_to_run.push(("Edinburgh", sets::edin()?));
    }
    if matches!(which, "heart" | "all") {
        sets_to_run.push((
            "heart-cleveland",
            sets::heart_cleveland(MissingPolicy::DropRow)?,
        ));
    }
    if sets_to_run.is_empty() {
        return Err(format!("unknown data set `{which}`: edin, heart or all").into());
    }
    for (name, data) in &sets_to_run {
        for &degree in &degrees {
            cross_validate(name, data, degree)?;
        }
    }
    println!(
        "published (Ogilvie-Player-Rowell 2020, SEAL, N = 2^15, 10 cores, Edinburgh): 42.5 s per fold, AUC 0.96, accuracy 88.9%"
    );
    if let Some(bytes) = train::peak_memory_bytes() {
        println!("peak resident memory: {:.2} GB", bytes as f64 / 1e9);
    }
    Ok(())
}

/// Per-fold figures.
#[derive(Default)]
struct Totals {
    auc: [f64; 3],
    accuracy: [f64; 3],
    seconds: f64,
    worst_twin: f64,
}

fn cross_validate(name: &str, data: &Dataset, degree: usize) -> Result<(), BoxError> {
    let labels = data.binary_labels(0.5);
    let folds = split::stratified_k_fold(&data.class_labels()?, 5, 2017)?;
    let config = TrainConfig::default();
    let task = Task::logistic(degree, 8.0)?;
    let mut rng = os_seeded_rng()?;
    let mut session: Option<Session> = None;
    let mut totals = Totals::default();
    println!(
        "\n{name}: {} rows x {} features, 5 folds, degree-{degree} sigmoid on [-8, 8], {} Nesterov iterations",
        data.n_samples(),
        data.n_features(),
        config.iterations
    );
    println!(
        "fold | encrypted AUC  acc   | twin AUC  acc   | plaintext AUC  acc   | encrypt + train + decrypt | weights vs twin"
    );
    for (f, fold) in folds.iter().enumerate() {
        let (train_set, test_set) = (data.subset(&fold.train), data.subset(&fold.test));
        let y_train: Vec<bool> = fold.train.iter().map(|&i| labels[i]).collect();
        let y_test: Vec<bool> = fold.test.iter().map(|&i| labels[i]).collect();

        // Client: rows z_i = y'_i (standardized x_i, 1); the plan fixes parameters and keys.
        let (rows, standardizer) = train::prepare_logistic(train_set.x.view(), &y_train)?;
        let plan = TrainPlan::with_default_params(
            task.clone(),
            config,
            rows.len(),
            data.n_features() + 1,
        )?;
        let s = match session.take() {
            None => {
                let s = Session::new(&plan, &mut rng)?;
                println!(
                    "     N = 2^{}, {} levels ({} per iteration, the first from zero weights in 1), log2(PQ) = {:.0}, {} rows per ciphertext, {} rotation keys: key generation {:.1} s",
                    plan.params.log_n,
                    plan.depth,
                    plan.depth_per_iteration,
                    plan.params.build()?.log_qp(),
                    plan.rows_per_chunk,
                    plan.rotations.len(),
                    s.keygen_time().as_secs_f64()
                );
                s
            }
            Some(s) => s.reuse(&plan, &mut rng)?,
        };
        // Client encrypts, server trains on ciphertexts, client decrypts.
        let start = Instant::now();
        let run = s.run(&rows, &mut rng, |_| {})?;
        let seconds = start.elapsed().as_secs_f64();
        let twin = train::twin(&plan, &rows)?;
        let rel = train::relative_difference(&run.weights, &twin)?;

        let encrypted = train::logistic_model(&plan, standardizer.clone(), &run.weights)?;
        let twin_model = train::logistic_model(&plan, standardizer, &twin)?;
        let plain =
            LogisticRegression::fit(train_set.x.view(), &y_train, &LogisticOptions::default())?;
        let mut scores = [0.0; 6];
        for (k, m) in [&encrypted, &twin_model, &plain].into_iter().enumerate() {
            let logits = m.logits(test_set.x.view())?;
            let decisions: Vec<bool> = logits.iter().map(|&z| z > 0.0).collect();
            scores[2 * k] = metrics::auc(&logits, &y_test)?;
            scores[2 * k + 1] = metrics::accuracy(&decisions, &y_test)?;
            totals.auc[k] += scores[2 * k] / 5.0;
            totals.accuracy[k] += scores[2 * k + 1] / 5.0;
        }
        if rel > 1e-3 {
            return Err(
                format!("fold {f}: weights {rel:.1e} from the twin, more than 1e-3").into(),
            );
        }
        totals.seconds += seconds / 5.0;
        totals.worst_twin = totals.worst_twin.max(rel);
        println!(
            "{f:>4} | {:.4} {:.2}% | {:.4} {:.2}% | {:.4} {:.2}% | {:.2} + {:.2} + {:.3} s | {rel:.1e}",
            scores[0],
            100.0 * scores[1],
            scores[2],
            100.0 * scores[3],
            scores[4],
            100.0 * scores[5],
            run.encrypt.as_secs_f64(),
            run.train.as_secs_f64(),
            run.decrypt.as_secs_f64(),
        );
        session = Some(s);
    }
    println!(
        "mean | {:.4} {:.2}% | {:.4} {:.2}% | {:.4} {:.2}% | {:.2} s per fold on {} threads | worst {:.1e}",
        totals.auc[0],
        100.0 * totals.accuracy[0],
        totals.auc[1],
        100.0 * totals.accuracy[1],
        totals.auc[2],
        100.0 * totals.accuracy[2],
        totals.seconds,
        rayon_threads(),
        totals.worst_twin
    );
    Ok(())
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
