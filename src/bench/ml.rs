//! `ckks bench ml --params <set>`: encrypted heart-disease inference (logistic regression one
//! sample and batched, a network with 16 hidden units and `x^2`), server side and round trip,
//! and the digits CNN (one image, server side; accuracy encrypted vs plaintext).

use std::time::Duration;

use ckks::math::sampling::os_seeded_rng;
use ckks::params::Preset;
use ckks::{Context, Evaluator, PublicKey, SecretKey};
use ckks_ml::data::{MissingPolicy, sets, split};
use ckks_ml::infer::{Client, LinearModel, LinearServer, NetworkServer, Plan};
use ckks_ml::metrics;
use ckks_ml::ndarray::Array2;
use ckks_ml::plain::{LogisticOptions, LogisticRegression, Network, NetworkOptions};
use serde_json::{Value, json};

use super::Record;
use super::timing::{Budget, measure};

type BoxError = Box<dyn std::error::Error>;

/// Times the encrypted heart-disease models at `preset`.
pub(crate) fn run(preset: Preset, threads: usize) -> Result<Vec<Record>, BoxError> {
    let heart = sets::heart_cleveland(MissingPolicy::DropRow)?;
    let labels = heart.class_labels()?;
    let s = split::stratified(&labels, 0.2, 2024)?;
    let (train, test) = (heart.subset(&s.train), heart.subset(&s.test));
    let y_train: Vec<bool> = s.train.iter().map(|&i| labels[i] == 1).collect();
    let lr = LogisticRegression::fit(train.x.view(), &y_train, &LogisticOptions::default())?;
    let model = LinearModel::from_logistic(&lr);
    let yl: Vec<usize> = y_train.iter().map(|&b| usize::from(b)).collect();
    let net = Network::fit(train.x.view(), &yl, 2, &NetworkOptions::default())?;
    let x0 = test.x.row(0).to_vec();

    let fast = Budget::default();
    let slow = Budget {
        min_runs: 5,
        min_time: Duration::from_secs(1),
        max_runs: 51,
    };
    let mut out = Vec::new();
    let mut failure: Option<ckks_ml::Error> = None;
    let mut push = |op: &str, plan: &Plan, t: super::timing::Timing, samples: usize| {
        let v: Value = json!({
            "group": "ml", "op": op, "params": preset.name(), "log_n": plan.params.log_n,
            "depth": plan.depth, "rotations": plan.rotations.len(), "threads": threads,
            "median_ns": t.median_ns, "min_ns": t.min_ns, "runs": t.runs, "samples": samples,
            "per_sample_ns": t.median_ns / samples.max(1) as u64,
            "per_sample_min_ns": t.min_ns / samples.max(1) as u64,
        });
        if let Value::Object(m) = v {
            out.push(Record(m));
        }
    };

    // Accuracy lines: `value` is the figure; `vs` says against what.
    let mut values: Vec<Record> = Vec::new();
    let mut value = |op: &str, v: f64, vs: &str, samples: usize| {
        values.extend(Record::from_json(json!({
            "group": "ml", "op": op, "params": preset.name(), "value": v, "vs": vs,
            "samples": samples,
        })));
    };
    let twin_p = lr.predict_proba_poly(test.x.view())?;
    let exact_p = lr.predict_proba(test.x.view())?;

    let mut rng = os_seeded_rng()?;
    // Logistic regression, one sample.
    {
        let plan = Plan::linear_single(&model, preset.literal())?;
        let ctx = Context::new(plan.params.build()?)?;
        let sk = SecretKey::generate(&ctx, &mut rng)?;
        let pk = PublicKey::generate(&sk, &mut rng)?;
        let t = measure(slow, || {
            if let Err(e) = plan.evaluation_keys(&sk, &mut rng) {
                failure.get_or_insert(e);
            }
        });
        push("heart_lr_keygen", &plan, t, 1);
        let eval = Evaluator::new(&ctx, plan.evaluation_keys(&sk, &mut rng)?)?;
        let server = LinearServer::new(&eval, &model, &plan)?;
        let client = Client::new(&plan, &sk)?;
        let client_pk = Client::with_public_key(&plan, &pk, &sk)?;
        let ct = client.encrypt_sample(&x0, &mut rng)?;
        let result = server.infer(&eval, &ct)?;
        let mut note = |r: ckks_ml::Result<()>| {
            if let Err(e) = r {
                failure.get_or_insert(e);
            }
        };
        let t = measure(fast, || {
            note(client.encrypt_sample(&x0, &mut rng).map(drop))
        });
        push("heart_lr_single_client_encrypt_sk", &plan, t, 1);
        let t = measure(fast, || {
            note(client_pk.encrypt_sample(&x0, &mut rng).map(drop))
        });
        push("heart_lr_single_client_encrypt_pk", &plan, t, 1);
        let t = measure(fast, || note(server.infer(&eval, &ct).map(drop)));
        push("heart_lr_single_server", &plan, t, 1);
        let t = measure(fast, || note(client.decrypt_value(&result).map(drop)));
        push("heart_lr_single_client_decrypt", &plan, t, 1);
        let t = measure(fast, || {
            note((|| {
                let ct = client.encrypt_sample(&x0, &mut rng)?;
                client.decrypt_value(&server.infer(&eval, &ct)?).map(drop)
            })())
        });
        push("heart_lr_single_roundtrip", &plan, t, 1);
        let t = measure(fast, || {
            note((|| {
                let ct = client_pk.encrypt_sample(&x0, &mut rng)?;
                client_pk
                    .decrypt_value(&server.infer(&eval, &ct)?)
                    .map(drop)
            })())
        });
        push("heart_lr_single_roundtrip_pk", &plan, t, 1);
        // Every test sample, encrypted one by one.
        let enc_p = test
            .x
            .rows()
            .into_iter()
            .map(|r| {
                let ct = client.encrypt_sample(&r.to_vec(), &mut rng)?;
                client.decrypt_value(&server.infer(&eval, &ct)?)
            })
            .collect::<ckks_ml::Result<Vec<f64>>>()?;
        let m = test.n_samples();
        let twin = "plaintext twin (same polynomial sigmoid)";
        let exact = "plaintext model (exact sigmoid)";
        value(
            "heart_lr_agreement",
            metrics::decision_agreement(&enc_p, &exact_p, 0.5)?,
            exact,
            m,
        );
        value(
            "heart_lr_agreement_twin",
            metrics::decision_agreement(&enc_p, &twin_p, 0.5)?,
            twin,
            m,
        );
        value(
            "heart_lr_max_prob_diff",
            metrics::max_abs_difference(&enc_p, &twin_p)?,
            twin,
            m,
        );
        value(
            "heart_lr_max_prob_diff_exact",
            metrics::max_abs_difference(&enc_p, &exact_p)?,
            exact,
            m,
        );
    }
    // Logistic regression, a full feature-major batch (test rows repeated to fill the slots).
    {
        let plan = Plan::linear_batched(&model, preset.literal())?;
        let ctx = Context::new(plan.params.build()?)?;
        let sk = SecretKey::generate(&ctx, &mut rng)?;
        let eval = Evaluator::new(&ctx, plan.evaluation_keys(&sk, &mut rng)?)?;
        let server = LinearServer::new(&eval, &model, &plan)?;
        let client = Client::new(&plan, &sk)?;
        let rows = full_batch(&test.x, plan.layout.slots());
        let batches = client.encrypt_batches(rows.view(), &mut rng)?;
        let batch = batches.first().ok_or("no batch")?;
        let mut note = |r: ckks_ml::Result<()>| {
            if let Err(e) = r {
                failure.get_or_insert(e);
            }
        };
        let t = measure(fast, || {
            note(server.infer_batch(&eval, &batch.features).map(drop))
        });
        push("heart_lr_batch_per_sample", &plan, t, batch.samples);
        let enc_p = client.decrypt_batch(
            &server.infer_batch(&eval, &batch.features)?,
            test.n_samples(),
        )?;
        value(
            "heart_lr_batch_max_prob_diff",
            metrics::max_abs_difference(&enc_p, &twin_p)?,
            "plaintext twin (same polynomial sigmoid)",
            test.n_samples(),
        );
        let t = measure(slow, || {
            note(client.encrypt_batches(rows.view(), &mut rng).map(drop))
        });
        push("heart_lr_batch_client_encrypt_sk", &plan, t, batch.samples);
        // The feature-major layout with a single sample: 13 ciphertexts, no rotation.
        let one = test.x.slice(ckks_ml::ndarray::s![0..1, ..]);
        let single = client.encrypt_batches(one, &mut rng)?;
        let single = single.first().ok_or("no batch")?;
        let t = measure(fast, || {
            note(server.infer_batch(&eval, &single.features).map(drop))
        });
        push("heart_lr_feature_major_one_sample_server", &plan, t, 1);
        let t = measure(fast, || {
            note((|| {
                let b = client.encrypt_batches(one, &mut rng)?;
                let b = b.first().ok_or(ckks_ml::Error::Empty {
                    what: "batch",
                    fix: "",
                })?;
                client
                    .decrypt_batch(&server.infer_batch(&eval, &b.features)?, 1)
                    .map(drop)
            })())
        });
        push("heart_lr_feature_major_one_sample_roundtrip", &plan, t, 1);
    }
    // Network, 16 hidden units, x^2, a full feature-major batch (test rows repeated).
    {
        let plan = Plan::network_batched(&net, preset.literal())?;
        let ctx = Context::new(plan.params.build()?)?;
        let sk = SecretKey::generate(&ctx, &mut rng)?;
        let eval = Evaluator::new(&ctx, plan.evaluation_keys(&sk, &mut rng)?)?;
        let server = NetworkServer::new(&eval, &net, &plan)?;
        let client = Client::new(&plan, &sk)?;
        let rows = full_batch(&test.x, plan.layout.slots());
        let batches = client.encrypt_batches(rows.view(), &mut rng)?;
        let batch = batches.first().ok_or("no batch")?;
        let t = measure(slow, || {
            if let Err(e) = server.infer_batch(&eval, &batch.features) {
                failure.get_or_insert(e);
            }
        });
        push("heart_nn_batch_per_sample", &plan, t, batch.samples);
    }
    // Network, 16 hidden units, x^2, one sample.
    {
        let plan = Plan::network(&net, preset.literal())?;
        let ctx = Context::new(plan.params.build()?)?;
        let sk = SecretKey::generate(&ctx, &mut rng)?;
        let eval = Evaluator::new(&ctx, plan.evaluation_keys(&sk, &mut rng)?)?;
        let server = NetworkServer::new(&eval, &net, &plan)?;
        let client = Client::new(&plan, &sk)?;
        let ct = client.encrypt_sample(&x0, &mut rng)?;
        let mut note = |r: ckks_ml::Result<()>| {
            if let Err(e) = r {
                failure.get_or_insert(e);
            }
        };
        let t = measure(fast, || note(server.infer(&eval, &ct).map(drop)));
        push("heart_nn_single_server", &plan, t, 1);
        let t = measure(fast, || {
            note((|| {
                let ct = client.encrypt_sample(&x0, &mut rng)?;
                client
                    .decrypt_outputs(&server.infer(&eval, &ct)?, 1)
                    .map(drop)
            })())
        });
        push("heart_nn_single_roundtrip", &plan, t, 1);
        let plain = net.logits(test.x.view())?;
        let mut enc_z = Vec::with_capacity(test.n_samples());
        for r in test.x.rows() {
            let ct = client.encrypt_sample(&r.to_vec(), &mut rng)?;
            enc_z.extend(client.decrypt_outputs(&server.infer(&eval, &ct)?, 1)?);
        }
        let plain_z: Vec<f64> = plain.column(0).to_vec();
        let vs = "plaintext network (same x^2 activation)";
        value(
            "heart_nn_agreement",
            metrics::decision_agreement(&enc_z, &plain_z, 0.0)?,
            vs,
            enc_z.len(),
        );
        value(
            "heart_nn_max_logit_diff",
            metrics::max_abs_difference(&enc_z, &plain_z)?,
            vs,
            enc_z.len(),
        );
    }
    // Digits CNN (4 kernels 3x3 stride 2, x^2, dense to 10): the convolution as the 64 x 64
    // first-layer matrix of a network, one image, server side; accuracy encrypted vs plaintext
    // on as many test images as the client + server round trips do in 10 s.
    {
        use ckks_ml::plain::{ConvNet, ConvNetOptions};
        let digits = sets::digits()?;
        let dl = digits.class_labels()?;
        let ds = split::stratified(&dl, 0.2, 2024)?;
        let (dtrain, dtest) = (digits.subset(&ds.train), digits.subset(&ds.test));
        let dy_train: Vec<usize> = ds.train.iter().map(|&i| dl[i]).collect();
        let dy_test: Vec<usize> = ds.test.iter().map(|&i| dl[i]).collect();
        let cnn = ConvNet::fit(dtrain.x.view(), &dy_train, 10, &ConvNetOptions::default())?;
        let cnet = cnn.to_network();
        let plan = Plan::network(&cnet, preset.literal())?;
        let ctx = Context::new(plan.params.build()?)?;
        let sk = SecretKey::generate(&ctx, &mut rng)?;
        let eval = Evaluator::new(&ctx, plan.evaluation_keys(&sk, &mut rng)?)?;
        let server = NetworkServer::new(&eval, &cnet, &plan)?;
        let client = Client::new(&plan, &sk)?;
        let ct = client.encrypt_sample(&dtest.x.row(0).to_vec(), &mut rng)?;
        let t = measure(fast, || {
            if let Err(e) = server.infer(&eval, &ct) {
                failure.get_or_insert(e);
            }
        });
        push("digits_cnn_single", &plan, t, 1);
        let plain_pred = cnn.predict(dtest.x.view())?;
        let start = std::time::Instant::now();
        let mut enc_pred = Vec::new();
        for row in dtest.x.rows() {
            if start.elapsed() >= Duration::from_secs(10) {
                break;
            }
            let ct = client.encrypt_sample(&row.to_vec(), &mut rng)?;
            let z = client.decrypt_outputs(&server.infer(&eval, &ct)?, server.outputs())?;
            let z = Array2::from_shape_vec((1, z.len()), z)?;
            enc_pred.extend(metrics::argmax_rows(z.view()));
        }
        let m = enc_pred.len();
        let truth = dy_test
            .get(..m)
            .ok_or("more predictions than test images")?;
        let plain = plain_pred
            .get(..m)
            .ok_or("more predictions than test images")?;
        let vs = "test labels (stratified 20% split)";
        value(
            "digits_cnn_accuracy_plain",
            metrics::accuracy(plain, truth)?,
            vs,
            m,
        );
        value(
            "digits_cnn_accuracy_encrypted",
            metrics::accuracy(&enc_pred, truth)?,
            vs,
            m,
        );
    }
    if let Some(e) = failure {
        return Err(e.into());
    }
    out.extend(values);
    Ok(out)
}

/// `n` rows: the rows of `x` repeated, to fill every slot of a feature-major batch.
fn full_batch(x: &Array2<f64>, n: usize) -> Array2<f64> {
    Array2::from_shape_fn((n, x.ncols()), |(i, j)| x[[i % x.nrows(), j]])
}
