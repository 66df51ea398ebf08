//! `ckks train <csv>`: trains a linear or logistic regression on encrypted data, end to end.
//!
//! The client reads and standardizes the CSV, generates the keys the plan lists and encrypts
//! the training rows; the server trains on the ciphertexts with evaluation keys only; the
//! client decrypts the model, scores it on held-out rows beside its plaintext twin and a
//! plaintext model, and reports times and peak memory.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ckks::math::sampling::os_seeded_rng;
use ckks_ml::data::{CsvOptions, Dataset, MissingPolicy, TargetColumn, read_csv, split};
use ckks_ml::metrics;
use ckks_ml::plain::{LinearOptions, LinearRegression, LogisticOptions, LogisticRegression};
use ckks_ml::train::{self, Progress, Session, Task, TrainConfig, TrainPlan};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

type BoxError = Box<dyn std::error::Error>;

/// What `ckks train` fits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Model {
    /// Logistic regression (labels: target > threshold), Nesterov with a polynomial sigmoid.
    Logistic,
    /// Linear regression (least squares), Nesterov.
    Linear,
}

/// Arguments of `ckks train`.
#[derive(Debug, Args)]
pub(crate) struct TrainArgs {
    /// The CSV file (comma-separated; a header row is detected).
    csv: PathBuf,
    /// The target column: a header name or a 0-based index (default: the last column).
    #[arg(long)]
    target: Option<String>,
    /// The model.
    #[arg(long, value_enum, default_value_t = Model::Logistic)]
    model: Model,
    /// Logistic regression: label = target > threshold.
    #[arg(long, default_value_t = 0.5)]
    threshold: f64,
    /// The degree of the polynomial sigmoid (3, 5 or 7; fitted on [-8, 8]).
    #[arg(long, default_value_t = 3)]
    degree: usize,
    /// Iterations per encrypted round.
    #[arg(long, default_value_t = 5)]
    iterations: usize,
    /// Rounds; above 1 the client refreshes the encrypted weights between rounds (it then sees
    /// the intermediate models).
    #[arg(long, default_value_t = 1)]
    rounds: usize,
    /// The step (default: 3 / (t + 1) for logistic, 0.25 constant for linear regression).
    #[arg(long)]
    learning_rate: Option<f64>,
    /// The fraction of rows held out for the report (0: train on every row).
    #[arg(long, default_value_t = 0.2)]
    test_fraction: f64,
    /// The seed of the train/test split.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Drop rows with missing values (else a missing value is an error).
    #[arg(long)]
    drop_missing: bool,
    /// Write the decrypted model as JSON to this file.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Threads for the parallel parts (default: every core).
    #[arg(long)]
    threads: Option<usize>,
}

/// Runs `ckks train`.
pub(crate) fn run(args: &TrainArgs) -> Result<(), BoxError> {
    if let Some(threads) = args.threads {
        crate::bench::rayon_threads(threads)?;
    }
    let target = match &args.target {
        None => TargetColumn::Last,
        Some(t) => t
            .parse()
            .map_or_else(|_| TargetColumn::Name(t.clone()), TargetColumn::Index),
    };
    let data = read_csv(
        &args.csv,
        &CsvOptions {
            target,
            missing: if args.drop_missing {
                MissingPolicy::DropRow
            } else {
                MissingPolicy::Error
            },
            ..Default::default()
        },
    )?;
    // With no held-out part the report scores the training rows.
    let (train_set, test_set) = if args.test_fraction > 0.0 {
        let s = split::shuffled(data.n_samples(), args.test_fraction, args.seed)?;
        (data.subset(&s.train), data.subset(&s.test))
    } else {
        (data.clone(), data.clone())
    };
    println!(
        "{}: {} rows x {} features, target `{}`; training on {} rows, {} held out",
        args.csv.display(),
        data.n_samples(),
        data.n_features(),
        data.target_name,
        train_set.n_samples(),
        if args.test_fraction > 0.0 {
            test_set.n_samples()
        } else {
            0
        }
    );

    let (task, rows, standardizer, default_rate, decay) = match args.model {
        Model::Logistic => {
            let y = train_set.binary_labels(args.threshold);
            let (rows, s) = train::prepare_logistic(train_set.x.view(), &y)?;
            (Task::logistic(args.degree, 8.0)?, rows, s, 3.0, true)
        }
        Model::Linear => {
            let (rows, s) = train::prepare_linear(train_set.x.view(), train_set.y.view())?;
            (Task::Linear, rows, s, 0.25, false)
        }
    };
    let config = TrainConfig {
        iterations: args.iterations,
        rounds: args.rounds,
        learning_rate: args.learning_rate.unwrap_or(default_rate),
        harmonic_decay: decay,
        nesterov: true,
    };
    let columns = rows.first().map_or(0, Vec::len);
    let plan = TrainPlan::with_default_params(task, config, rows.len(), columns)?;
    println!(
        "plan: N = 2^{}, {} levels ({} per iteration), log2(PQ) = {:.0} (128-bit), {} rows of {} slots per ciphertext, {} ciphertexts, {} rotation keys",
        plan.params.log_n,
        plan.depth,
        plan.depth_per_iteration,
        plan.params.build()?.log_qp(),
        plan.rows_per_chunk,
        plan.width,
        plan.chunks * plan.columns,
        plan.rotations.len()
    );

    let mut rng = os_seeded_rng()?;
    let spinner = ProgressBar::new_spinner().with_message("client: generating keys");
    spinner.enable_steady_tick(Duration::from_millis(120));
    let session = Session::new(&plan, &mut rng)?;
    spinner.finish_with_message(format!(
        "client: keys generated in {:.1} s",
        session.keygen_time().as_secs_f64()
    ));

    let style = ProgressStyle::with_template("{msg:32} [{bar:30}] {pos}/{len} {elapsed}")?
        .progress_chars("=> ");
    let encrypt_bar = ProgressBar::new((plan.chunks * plan.columns) as u64)
        .with_style(style.clone())
        .with_message("client: encrypting rows");
    let mut train_bar: Option<ProgressBar> = None;
    let start = Instant::now();
    let run = session.run(&rows, &mut rng, |p| match p {
        Progress::Encrypted { done, .. } => encrypt_bar.set_position(done as u64),
        Progress::Iteration { done, total } => {
            encrypt_bar.finish();
            let bar = train_bar.get_or_insert_with(|| {
                ProgressBar::new(total as u64)
                    .with_style(style.clone())
                    .with_message("server: training on ciphertexts")
            });
            bar.set_position(done as u64);
        }
        Progress::Refreshed { round } => {
            if let Some(bar) = &train_bar {
                bar.set_message(format!("server: round {} (client refresh)", round + 1));
            }
        }
        _ => {}
    })?;
    if let Some(bar) = &train_bar {
        bar.finish();
    }
    let wall = start.elapsed();
    let twin = train::twin(&plan, &rows)?;
    let agreement = train::relative_difference(&run.weights, &twin)?;

    println!(
        "times: encrypt {:.2} s, train {:.2} s, decrypt {:.3} s (total {:.2} s)",
        run.encrypt.as_secs_f64(),
        run.train.as_secs_f64(),
        run.decrypt.as_secs_f64(),
        wall.as_secs_f64()
    );
    println!(
        "weights vs plaintext twin (same polynomial, schedule, iterations): {agreement:.1e} relative"
    );
    let json = match args.model {
        Model::Logistic => report_logistic(
            &plan,
            standardizer,
            &run.weights,
            &twin,
            &train_set,
            &test_set,
            args.threshold,
        )?,
        Model::Linear => report_linear(
            &plan,
            standardizer,
            &run.weights,
            &twin,
            &train_set,
            &test_set,
        )?,
    };
    if let Some(bytes) = train::peak_memory_bytes() {
        println!("peak resident memory: {:.2} GB", bytes as f64 / 1e9);
    }
    if let Some(path) = &args.output {
        std::fs::write(path, json)?;
        println!("model written to {}", path.display());
    }
    Ok(())
}

fn report_logistic(
    plan: &TrainPlan,
    standardizer: ckks_ml::data::Standardizer,
    weights: &[f64],
    twin: &[f64],
    train_set: &Dataset,
    test: &Dataset,
    threshold: f64,
) -> Result<String, BoxError> {
    let encrypted = train::logistic_model(plan, standardizer.clone(), weights)?;
    let twin = train::logistic_model(plan, standardizer, twin)?;
    let plain = LogisticRegression::fit(
        train_set.x.view(),
        &train_set.binary_labels(threshold),
        &LogisticOptions::default(),
    )?;
    let y = test.binary_labels(threshold);
    println!(
        "{:<34} {:>8} {:>9}",
        "model (scored rows)", "AUC", "accuracy"
    );
    for (name, m) in [
        ("encrypted training", &encrypted),
        ("plaintext twin", &twin),
        ("plaintext, 300 iterations", &plain),
    ] {
        let logits = m.logits(test.x.view())?;
        let decisions: Vec<bool> = logits.iter().map(|&z| z > 0.0).collect();
        let auc = metrics::auc(&logits, &y).map_or("-".to_string(), |a| format!("{a:.4}"));
        println!(
            "{name:<34} {auc:>8} {:>8.2}%",
            100.0 * metrics::accuracy(&decisions, &y)?
        );
    }
    Ok(encrypted.to_json()?)
}

fn report_linear(
    plan: &TrainPlan,
    standardizer: ckks_ml::data::Standardizer,
    weights: &[f64],
    twin: &[f64],
    train_set: &Dataset,
    test: &Dataset,
) -> Result<String, BoxError> {
    let encrypted = train::linear_model(plan, standardizer.clone(), weights)?;
    let twin = train::linear_model(plan, standardizer, twin)?;
    let plain = LinearRegression::fit(
        train_set.x.view(),
        train_set.y.view(),
        &LinearOptions { l2: 0.0 },
    )?;
    let y = test.y.to_vec();
    println!("{:<34} {:>8}", "model (scored rows)", "r2");
    for (name, m) in [
        ("encrypted training", &encrypted),
        ("plaintext twin", &twin),
        ("least squares (normal equations)", &plain),
    ] {
        println!(
            "{name:<34} {:>8.4}",
            metrics::r2(&y, &m.predict(test.x.view())?)?
        );
    }
    Ok(encrypted.to_json()?)
}
