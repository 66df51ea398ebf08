//! `ckks demo`: encrypted heart-disease prediction, the whole story.
//!
//! A model owner trains a logistic regression and a small network on the UCI Cleveland data in
//! the clear; the models are public. A clinic (the client) generates keys, encrypts its
//! patients' features and sends ciphertexts and evaluation keys (as bytes, in the project's
//! validated binary format); the server, which holds the public models and an `Evaluator` and
//! never a secret key, predicts on ciphertexts, one patient per ciphertext and many patients per
//! ciphertext; the clinic decrypts. The report puts encrypted and plaintext results side by side.

use std::time::{Duration, Instant};

use ckks::math::sampling::os_seeded_rng;
use ckks::params::Preset;
use ckks::{
    Ciphertext, Context, EvaluationKeys, Evaluator, GaloisKeys, RelinearizationKey, SecretKey,
};
use ckks_ml::data::{MissingPolicy, sets, split};
use ckks_ml::evaluation::BinaryReport;
use ckks_ml::infer::{Client, LinearModel, LinearServer, NetworkServer, Plan};
use ckks_ml::plain::{LogisticOptions, LogisticRegression, Network, NetworkOptions};
use indicatif::{ProgressBar, ProgressStyle};

type BoxError = Box<dyn std::error::Error>;

/// Runs the demo.
pub(crate) fn run() -> Result<(), BoxError> {
    let start = Instant::now();
    println!("ckks demo: encrypted heart-disease prediction (UCI Cleveland, 297 complete rows)\n");

    // 1. The model owner trains in the clear, on 80% of the rows (stratified, seeded).
    let heart = sets::heart_cleveland(MissingPolicy::DropRow)?;
    let labels = heart.class_labels()?;
    let s = split::stratified(&labels, 0.2, 2024)?;
    let (train, test) = (heart.subset(&s.train), heart.subset(&s.test));
    let y_train: Vec<bool> = s.train.iter().map(|&i| labels[i] == 1).collect();
    let y_test: Vec<bool> = s.test.iter().map(|&i| labels[i] == 1).collect();
    let t = Instant::now();
    let lr = LogisticRegression::fit(train.x.view(), &y_train, &LogisticOptions::default())?;
    let yl: Vec<usize> = y_train.iter().map(|&b| usize::from(b)).collect();
    let net = Network::fit(train.x.view(), &yl, 2, &NetworkOptions::default())?;
    let (lo, hi) = lr.sigmoid.interval();
    println!(
        "[1] model owner: logistic regression and a 16-unit x^2 network trained on {} patients in {:.0} ms",
        train.n_samples(),
        ms(t.elapsed())
    );
    println!(
        "    encrypted probability = degree-{} least-squares sigmoid fit on [{lo:.1}, {hi:.1}], the logits' range (max error {:.3})",
        lr.sigmoid.degree(),
        lr.sigmoid.max_error(1000)
    );

    // 2. Plans: parameters, depth and Galois keys, before any key exists.
    let model = LinearModel::from_logistic(&lr);
    let single = Plan::linear_single(&model, Preset::N13.literal())?;
    let batched = Plan::linear_batched(&model, Preset::N13.literal())?;
    let network = Plan::network(&net, Preset::N13.literal())?;
    let mut steps: Vec<i64> = single
        .rotations
        .iter()
        .chain(&network.rotations)
        .copied()
        .collect();
    steps.sort_unstable();
    steps.dedup();
    let p = &single.params;
    println!(
        "[2] plans: N = 2^{}, q = {:?} bits, p = {:?} bits, scale 2^{}, 128-bit security; depth {} (LR) / {} (network); rotations {steps:?}",
        p.log_n, p.log_q, p.log_p, p.log_scale, single.depth, network.depth
    );

    // 3. The clinic: keys. The secret key stays here; evaluation keys travel as bytes.
    let t = Instant::now();
    let ctx = Context::new(single.params.build()?)?;
    let mut rng = os_seeded_rng()?;
    let sk = SecretKey::generate(&ctx, &mut rng)?;
    let relin = RelinearizationKey::generate(&sk, &mut rng)?;
    let elements: Vec<u64> = steps
        .iter()
        .map(|&s| ckks::keys::galois_element(s, ctx.n()))
        .collect();
    let galois = GaloisKeys::generate(&sk, &elements, &mut rng)?;
    let (relin_bytes, galois_bytes) = (relin.to_bytes(), galois.to_bytes());
    println!(
        "[3] clinic: keys in {:.0} ms; sent to the server: relinearization key {}, {} Galois keys {} (secret key: never sent)",
        ms(t.elapsed()),
        mib(relin_bytes.len()),
        galois.len(),
        mib(galois_bytes.len())
    );

    // 4. The server loads (and validates) the keys: it holds no secret.
    let server_ctx = Context::new(single.params.build()?)?;
    let evk = EvaluationKeys::from_parts(
        &server_ctx,
        Some(RelinearizationKey::from_bytes(&relin_bytes, &server_ctx)?),
        GaloisKeys::from_bytes(&galois_bytes, &server_ctx)?,
    )?;
    let eval = Evaluator::new(&server_ctx, evk)?;
    let lr_server = LinearServer::new(&eval, &model, &single)?;
    let lr_batch_server = LinearServer::new(&eval, &model, &batched)?;
    let nn_server = NetworkServer::new(&eval, &net, &network)?;

    // 5. Encrypted inference, one patient per ciphertext.
    let m = test.n_samples();
    let client = Client::new(&single, &sk)?;
    let nn_client = Client::new(&network, &sk)?;
    let mut timing = Timing::default();
    let bar = progress(m as u64 * 2, "[4] one patient per ciphertext");
    let (mut lr_p, mut nn_z) = (Vec::with_capacity(m), Vec::with_capacity(m));
    for row in test.x.rows() {
        let x = row.to_vec();
        let upload = wire(&client.encrypt_sample(&x, &mut rng)?, &server_ctx)?;
        let t = Instant::now();
        let out = lr_server.infer(&eval, &upload.0)?;
        timing.lr += t.elapsed();
        let download = wire(&out, &ctx)?;
        timing.lr_bytes = (upload.1, download.1);
        lr_p.push(client.decrypt_value(&download.0)?);
        bar.inc(1);

        let upload = wire(&nn_client.encrypt_sample(&x, &mut rng)?, &server_ctx)?;
        let t = Instant::now();
        let out = nn_server.infer(&eval, &upload.0)?;
        timing.nn += t.elapsed();
        nn_z.extend(nn_client.decrypt_outputs(&wire(&out, &ctx)?.0, 1)?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    println!(
        "[4] one patient per ciphertext: {m} patients; server {:.2} ms (LR) and {:.2} ms (network) per patient; {} up, {} down",
        ms(timing.lr) / m as f64,
        ms(timing.nn) / m as f64,
        kib(timing.lr_bytes.0),
        kib(timing.lr_bytes.1)
    );

    // 6. Batched: every test patient in one set of feature-major ciphertexts.
    let batch_client = Client::new(&batched, &sk)?;
    let batches = batch_client.encrypt_batches(test.x.view(), &mut rng)?;
    let batch = batches.first().ok_or("no batch")?;
    let t = Instant::now();
    let out = lr_batch_server.infer_batch(&eval, &batch.features)?;
    let batch_time = t.elapsed();
    let lr_batch_p = batch_client.decrypt_batch(&out, m)?;
    println!(
        "[5] batched: {m} patients (room for {}) in {} ciphertexts, server {:.2} ms in all, {:.2} us per slot",
        batched.layout.slots(),
        batch.features.len(),
        ms(batch_time),
        ms(batch_time) * 1e3 / batched.layout.slots() as f64
    );

    // 7. The report.
    let twin_p = lr.predict_proba_poly(test.x.view())?;
    let plain_z: Vec<f64> = net.logits(test.x.view())?.column(0).to_vec();
    println!("\n[6] the clinic decrypts; encrypted results beside their plaintext twins:");
    println!("logistic regression, one patient per ciphertext (probabilities):");
    print!("{}", BinaryReport::new(&twin_p, &lr_p, 0.5, &y_test)?);
    println!("logistic regression, batched (probabilities):");
    print!("{}", BinaryReport::new(&twin_p, &lr_batch_p, 0.5, &y_test)?);
    println!("network, 16 hidden units, x^2 (logits):");
    print!("{}", BinaryReport::new(&plain_z, &nn_z, 0.0, &y_test)?);
    let worst = ckks_ml::metrics::max_abs_difference(&twin_p, &lr_p)?;
    println!(
        "precision of the encrypted probabilities: {:.1} bits (worst patient); the exact logistic model differs from the polynomial one by up to {:.3}",
        -worst.log2(),
        ckks_ml::metrics::max_abs_difference(&lr.predict_proba(test.x.view())?, &twin_p)?
    );
    println!(
        "\ndone in {:.1} s. More: cargo run --release --example heart_disease | iris_regression | salary_client_company | digits_cnn; cargo run --release -- bench ml --json",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

#[derive(Default)]
struct Timing {
    lr: Duration,
    nn: Duration,
    lr_bytes: (usize, usize),
}

/// A ciphertext through the wire format: serialized, then loaded and validated by the receiver.
fn wire(ct: &Ciphertext, receiver: &Context) -> Result<(Ciphertext, usize), BoxError> {
    let bytes = ct.to_bytes();
    Ok((Ciphertext::from_bytes(&bytes, receiver)?, bytes.len()))
}

fn progress(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} {elapsed}") {
        bar.set_style(style);
    }
    bar.set_message(what.to_string());
    bar
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn kib(bytes: usize) -> String {
    format!("{:.0} KiB", bytes as f64 / 1024.0)
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}
