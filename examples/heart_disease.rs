//! # 04: encrypted heart-disease prediction
//!
//! Train a logistic regression on the UCI Cleveland data in the clear, then predict for test
//! patients whose features stay encrypted: the plan names the parameters, depth and Galois keys
//! before any key exists; the client generates exactly those keys and encrypts; the server holds
//! an `Evaluator` and the public model only; the client decrypts. Every encrypted probability is
//! compared with its plaintext twin (the same polynomial sigmoid in `f64`).
//!
//! Run with `cargo run --release --example heart_disease`.

use std::time::Instant;

use ckks::math::sampling::os_seeded_rng;
use ckks::params::Preset;
use ckks::{Context, Evaluator, SecretKey};
use ckks_ml::data::{MissingPolicy, sets, split};
use ckks_ml::infer::{Client, LinearModel, LinearServer, Plan};
use ckks_ml::metrics;
use ckks_ml::plain::{LogisticOptions, LogisticRegression};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Plaintext training on 80% of the complete rows (stratified, seeded).
    let heart = sets::heart_cleveland(MissingPolicy::DropRow)?;
    let labels = heart.class_labels()?;
    let s = split::stratified(&labels, 0.2, 2024)?;
    let (train, test) = (heart.subset(&s.train), heart.subset(&s.test));
    let y_train: Vec<bool> = s.train.iter().map(|&i| labels[i] == 1).collect();
    let y_test: Vec<bool> = s.test.iter().map(|&i| labels[i] == 1).collect();
    let lr = LogisticRegression::fit(train.x.view(), &y_train, &LogisticOptions::default())?;
    let (lo, hi) = lr.sigmoid.interval();
    println!(
        "plaintext: test accuracy {:.3}, sigmoid fitted on [{lo:.2}, {hi:.2}] (max error {:.3})",
        metrics::accuracy(&lr.predict(test.x.view())?, &y_test)?,
        lr.sigmoid.max_error(1000)
    );

    // The plan, before any key.
    let model = LinearModel::from_logistic(&lr);
    let plan = Plan::linear_single(&model, Preset::N13.literal())?;
    println!(
        "plan: N = 2^{}, depth {}, rotations {:?}, relinearization {}",
        plan.params.log_n, plan.depth, plan.rotations, plan.relinearization
    );

    // Client: keys as the plan says.
    let ctx = Context::new(plan.params.build()?)?;
    let mut rng = os_seeded_rng()?;
    let sk = SecretKey::generate(&ctx, &mut rng)?;
    let evk = plan.evaluation_keys(&sk, &mut rng)?;
    let client = Client::new(&plan, &sk)?;

    // Server: evaluation keys and the public model, nothing else.
    let eval = Evaluator::new(&ctx, evk)?;
    let server = LinearServer::new(&eval, &model, &plan)?;

    let mut encrypted = Vec::new();
    let start = Instant::now();
    for row in test.x.rows() {
        let ct = client.encrypt_sample(&row.to_vec(), &mut rng)?;
        let out = server.infer(&eval, &ct)?;
        encrypted.push(client.decrypt_value(&out)?);
    }
    let per_sample = start.elapsed() / test.n_samples() as u32;
    let twin = lr.predict_proba_poly(test.x.view())?;
    println!(
        "encrypted: {} patients, {per_sample:?} per round trip, decisions agree {:.3}, max |p_enc - p_plain| {:.1e}, accuracy {:.3}",
        test.n_samples(),
        metrics::decision_agreement(&encrypted, &twin, 0.5)?,
        metrics::max_abs_difference(&encrypted, &twin)?,
        metrics::accuracy(
            &encrypted.iter().map(|&p| p > 0.5).collect::<Vec<_>>(),
            &y_test
        )?
    );
    Ok(())
}
