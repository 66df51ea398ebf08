//! # Export the heart-disease model that `ckks serve` ships with
//!
//! Trains the logistic regression of the `heart_disease` example (UCI Cleveland, complete
//! rows, stratified 80/20 split with seed 2024, default options) and writes:
//!
//! - `models/heart.json`: the model with its standardization statistics and polynomial sigmoid,
//!   in `ckks-ml`'s JSON format (what `ckks serve --models models` serves as `heart`);
//! - `models/heart-sample.csv`: the first 10 held-out patients (13 raw features and the 0/1
//!   label), an input for `ckks client predict --model heart --input models/heart-sample.csv`.
//!
//! Training is deterministic (full-batch Nesterov from zero weights, a seeded split), so the
//! files are reproduced byte for byte. Run with
//! `cargo run --release --example export_heart_model [-- OUTPUT_DIR]`.

use std::fmt::Write;

use ckks_ml::data::{MissingPolicy, sets, split};
use ckks_ml::plain::{LogisticOptions, LogisticRegression, Model};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "models".into());
    let heart = sets::heart_cleveland(MissingPolicy::DropRow)?;
    let labels = heart.class_labels()?;
    let s = split::stratified(&labels, 0.2, 2024)?;
    let train = heart.subset(&s.train);
    let y_train: Vec<bool> = s.train.iter().map(|&i| labels[i] == 1).collect();
    let lr = LogisticRegression::fit(train.x.view(), &y_train, &LogisticOptions::default())?;

    std::fs::create_dir_all(&out)?;
    let model_path = format!("{out}/heart.json");
    std::fs::write(&model_path, Model::LogisticRegression(lr).to_json()? + "\n")?;

    let mut csv = heart.feature_names.join(",") + ",label\n";
    for &i in s.test.iter().take(10) {
        let row: Vec<String> = heart.x.row(i).iter().map(|v| v.to_string()).collect();
        writeln!(csv, "{},{}", row.join(","), labels[i])?;
    }
    let sample_path = format!("{out}/heart-sample.csv");
    std::fs::write(&sample_path, csv)?;
    println!("wrote {model_path} and {sample_path}");
    Ok(())
}
