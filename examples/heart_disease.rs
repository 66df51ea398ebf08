//! # Encrypted heart-disease prediction (the TenSEAL seed's task)
//!
//! Train a logistic regression and a network with 16 hidden units and the `x^2` activation on
//! the UCI Cleveland data in the clear, then predict for test
//! patients whose features stay encrypted: the plan names the parameters, depth and Galois keys
//! before any key exists; the client generates exactly those keys and encrypts; the server holds
//! an `Evaluator` and the public model only; the client decrypts. Every encrypted probability is
//! compared with its plaintext twin (the same polynomial sigmoid in `f64`), and so is every
//! encrypted network logit. (`cargo run --release -- demo` tells the same story with batching,
//! key and ciphertext sizes.)
//!
//! Run with `cargo run --release --example heart_disease`.

use std::time::Instant;

use ckks::math::sampling::os_seeded_rng;
use ckks::params::Preset;
use ckks::{Context, Evaluator, SecretKey};
use ckks_ml::data::{MissingPolicy, sets, split};
use ckks_ml::evaluation::BinaryReport;
use ckks_ml::infer::{Client, LinearModel, LinearServer, NetworkServer, Plan};
use ckks_ml::metrics;
use ckks_ml::plain::{LogisticOptions, LogisticRegression, Network, NetworkOptions};

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
        "\nlogistic regression, {} patients, {per_sample:?} per round trip (probabilities):",
        test.n_samples()
    );
    print!("{}", BinaryReport::new(&twin, &encrypted, 0.5, &y_test)?);

    // The network: its own plan (two plaintext products and x^2: depth 3, block rotations).
    let yl: Vec<usize> = y_train.iter().map(|&b| usize::from(b)).collect();
    let net = Network::fit(train.x.view(), &yl, 2, &NetworkOptions::default())?;
    let plan = Plan::network(&net, Preset::N13.literal())?;
    let ctx = Context::new(plan.params.build()?)?;
    let sk = SecretKey::generate(&ctx, &mut rng)?;
    let eval = Evaluator::new(&ctx, plan.evaluation_keys(&sk, &mut rng)?)?;
    let client = Client::new(&plan, &sk)?;
    let server = NetworkServer::new(&eval, &net, &plan)?;
    let start = Instant::now();
    let mut logits = Vec::new();
    for row in test.x.rows() {
        let ct = client.encrypt_sample(&row.to_vec(), &mut rng)?;
        logits.extend(client.decrypt_outputs(&server.infer(&eval, &ct)?, 1)?);
    }
    let per_sample = start.elapsed() / test.n_samples() as u32;
    let plain: Vec<f64> = net.logits(test.x.view())?.column(0).to_vec();
    println!(
        "\nnetwork, 16 hidden units, x^2, rotations {:?}, {per_sample:?} per round trip (logits):",
        plan.rotations
    );
    print!("{}", BinaryReport::new(&plain, &logits, 0.0, &y_test)?);
    Ok(())
}
