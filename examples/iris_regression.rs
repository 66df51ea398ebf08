//! # Encrypted linear regression on IRIS (the CrypTen seed's task)
//!
//! The reference system trained a linear regression on scikit-learn's IRIS data and evaluated it
//! on encrypted features. Here: ridge regression predicting the petal width from the sepal
//! length, sepal width and petal length, trained in the clear on 80% of the flowers; the test
//! flowers' features are encrypted by the client, the server evaluates the public model on the
//! ciphertexts (one flower per ciphertext, then all of them in one feature-major batch), and the
//! client decrypts. r2 and RMSE of the encrypted predictions beside the plaintext twin's.
//!
//! (Training the regression on encrypted IRIS is `ckks train`, issue #7.)
//!
//! Run with `cargo run --release --example iris_regression`.

use std::time::Instant;

use ckks::math::sampling::os_seeded_rng;
use ckks::params::Preset;
use ckks::{Context, Evaluator, SecretKey};
use ckks_ml::data::{Dataset, sets, split};
use ckks_ml::evaluation::RegressionReport;
use ckks_ml::infer::{Client, LinearModel, LinearServer, Plan};
use ckks_ml::ndarray::s;
use ckks_ml::plain::{LinearOptions, LinearRegression};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Features: the first three measurements; target: the petal width.
    let iris = sets::iris()?;
    let data = Dataset::new(
        iris.x.slice(s![.., 0..3]).to_owned(),
        iris.x.column(3).to_owned(),
        iris.feature_names[..3].to_vec(),
        iris.feature_names[3].clone(),
    )?;
    let sp = split::shuffled(data.n_samples(), 0.2, 7)?;
    let (train, test) = (data.subset(&sp.train), data.subset(&sp.test));
    let ridge = LinearRegression::fit(train.x.view(), train.y.view(), &LinearOptions::default())?;
    let plain = ridge.predict(test.x.view())?;
    println!(
        "plaintext ridge regression of {} on {:?}: {} training flowers, {} test flowers",
        data.target_name,
        data.feature_names,
        train.n_samples(),
        test.n_samples()
    );

    // The plan, the client's keys, the server's evaluator (evaluation keys only).
    let model = LinearModel::from_linear(&ridge);
    let single = Plan::linear_single(&model, Preset::N13.literal())?;
    let batched = Plan::linear_batched(&model, Preset::N13.literal())?;
    let ctx = Context::new(single.params.build()?)?;
    let mut rng = os_seeded_rng()?;
    let sk = SecretKey::generate(&ctx, &mut rng)?;
    let eval = Evaluator::new(&ctx, single.evaluation_keys(&sk, &mut rng)?)?;
    println!(
        "plan: N = 2^{}, depth {}, rotations {:?} (one flower per ciphertext); none batched",
        single.params.log_n, single.depth, single.rotations
    );

    // One flower per ciphertext.
    let client = Client::new(&single, &sk)?;
    let server = LinearServer::new(&eval, &model, &single)?;
    let t = Instant::now();
    let mut encrypted = Vec::with_capacity(test.n_samples());
    for row in test.x.rows() {
        let ct = client.encrypt_sample(&row.to_vec(), &mut rng)?;
        encrypted.push(client.decrypt_value(&server.infer(&eval, &ct)?)?);
    }
    let per_flower = t.elapsed() / test.n_samples() as u32;
    let truth = test.y.to_vec();
    println!("\none flower per ciphertext ({per_flower:?} per round trip):");
    print!("{}", RegressionReport::new(&plain, &encrypted, &truth)?);

    // Every test flower in one feature-major batch: no rotation at all.
    let client = Client::new(&batched, &sk)?;
    let server = LinearServer::new(&eval, &model, &batched)?;
    let t = Instant::now();
    let batches = client.encrypt_batches(test.x.view(), &mut rng)?;
    let mut encrypted = Vec::with_capacity(test.n_samples());
    for b in &batches {
        let out = server.infer_batch(&eval, &b.features)?;
        encrypted.extend(client.decrypt_batch(&out, b.samples)?);
    }
    println!(
        "\nbatched ({} ciphertexts, {:?} for the whole test set):",
        batches.iter().map(|b| b.features.len()).sum::<usize>(),
        t.elapsed()
    );
    let report = RegressionReport::new(&plain, &encrypted, &truth)?;
    print!("{report}");
    if report.max_abs_difference > 1e-4 {
        return Err(format!(
            "encrypted predictions differ from the plaintext twin by {:.2e}",
            report.max_abs_difference
        )
        .into());
    }
    Ok(())
}
