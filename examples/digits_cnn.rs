//! # CryptoNets in miniature: an encrypted convolutional network on handwritten digits
//!
//! Train a small convolutional network on the scikit-learn digits (8 x 8 images, 10 classes)
//! in the clear: 4 kernels of 3 x 3 with stride 2 and padding 1 (64 hidden units), `x^2`, a
//! dense layer to 10 logits. The convolution is linear, so it is one 64 x 64 matrix: the
//! server evaluates the equivalent one-hidden-layer network (`ConvNet::to_network`) with the
//! diagonal method on one ciphertext of 64 blocks of 64 slots (N = 2^13, depth 3). The client
//! encrypts each test image, the server holds an `Evaluator` (evaluation keys only) and the
//! public model, the client decrypts 10 logits and takes the argmax. Encrypted results are
//! compared with the plaintext twin (the same network in `f64`).
//!
//! Run with `cargo run --release --example digits_cnn`.

use std::time::{Duration, Instant};

use ckks::math::sampling::os_seeded_rng;
use ckks::params::Preset;
use ckks::{Context, Evaluator, SecretKey};
use ckks_ml::data::{sets, split};
use ckks_ml::infer::{Client, NetworkServer, Plan};
use ckks_ml::metrics;
use ckks_ml::plain::{ConvNet, ConvNetOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Plaintext training on 80% of the images (stratified, seeded).
    let digits = sets::digits()?;
    let labels = digits.class_labels()?;
    let s = split::stratified(&labels, 0.2, 2024)?;
    let (train, test) = (digits.subset(&s.train), digits.subset(&s.test));
    let y_train: Vec<usize> = s.train.iter().map(|&i| labels[i]).collect();
    let y_test: Vec<usize> = s.test.iter().map(|&i| labels[i]).collect();
    let start = Instant::now();
    let cnn = ConvNet::fit(train.x.view(), &y_train, 10, &ConvNetOptions::default())?;
    let plain_pred = cnn.predict(test.x.view())?;
    println!(
        "plaintext: {} kernels of {}x{}, {} hidden units, trained in {:.1?}; test accuracy {:.4} ({} images)",
        cnn.shape.filters,
        cnn.shape.kernel,
        cnn.shape.kernel,
        cnn.hidden(),
        start.elapsed(),
        metrics::accuracy(&plain_pred, &y_test)?,
        test.n_samples()
    );

    // The convolution as a linear transform, and the plan, before any key.
    let net = cnn.to_network();
    let plan = Plan::network(&net, Preset::N13.literal())?;
    println!(
        "plan: N = 2^{}, layout {:?}, depth {}, {} rotation keys",
        plan.params.log_n,
        plan.layout,
        plan.depth,
        plan.rotations.len()
    );

    // Client: keys as the plan says.
    let ctx = Context::new(plan.params.build()?)?;
    let mut rng = os_seeded_rng()?;
    let sk = SecretKey::generate(&ctx, &mut rng)?;
    let evk = plan.evaluation_keys(&sk, &mut rng)?;
    let client = Client::new(&plan, &sk)?;

    // Server: evaluation keys and the public model, nothing else.
    let eval = Evaluator::new(&ctx, evk)?;
    let server = NetworkServer::new(&eval, &net, &plan)?;

    let twin = cnn.logits(test.x.view())?;
    let mut server_time = Duration::ZERO;
    let mut max_diff = 0.0_f64;
    let mut enc_pred = Vec::with_capacity(test.n_samples());
    for (row, twin_row) in test.x.rows().into_iter().zip(twin.rows()) {
        let ct = client.encrypt_sample(&row.to_vec(), &mut rng)?;
        let t = Instant::now();
        let out = server.infer(&eval, &ct)?;
        server_time += t.elapsed();
        let z = client.decrypt_outputs(&out, server.outputs())?;
        max_diff = max_diff.max(metrics::max_abs_difference(&z, &twin_row.to_vec())?);
        let z = ckks_ml::ndarray::Array2::from_shape_vec((1, z.len()), z)?;
        enc_pred.extend(metrics::argmax_rows(z.view()));
    }
    let n = test.n_samples();
    println!(
        "encrypted: {n} images, {:.1?} per image on the server, argmax agrees with the plaintext twin on {:.4}, max |logit diff| {max_diff:.1e}, accuracy {:.4} (plaintext {:.4})",
        server_time / n as u32,
        metrics::accuracy(&enc_pred, &plain_pred)?,
        metrics::accuracy(&enc_pred, &y_test)?,
        metrics::accuracy(&plain_pred, &y_test)?,
    );
    Ok(())
}
