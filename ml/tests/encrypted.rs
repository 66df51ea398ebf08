//! Encrypted inference agrees with its plaintext twin at 128-bit parameters (Preset::N13).

use ckks::params::Preset;
use ckks::{Context, Evaluator, PublicKey, SecretKey};
use ckks_ml::data::{Dataset, MissingPolicy, sets, split};
use ckks_ml::infer::{Client, LinearModel, LinearServer, NetworkServer, Plan};
use ckks_ml::metrics;
use ckks_ml::plain::{
    LinearOptions, LinearRegression, LogisticOptions, LogisticRegression, Network, NetworkOptions,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

type Parts = (Dataset, Dataset, Vec<bool>, Vec<bool>);

fn heart_parts() -> ckks_ml::Result<Parts> {
    let d = sets::heart_cleveland(MissingPolicy::DropRow)?;
    let labels = d.class_labels()?;
    let s = split::stratified(&labels, 0.2, 2024)?;
    let yb = |idx: &[usize]| idx.iter().map(|&i| labels[i] == 1).collect::<Vec<bool>>();
    Ok((
        d.subset(&s.train),
        d.subset(&s.test),
        yb(&s.train),
        yb(&s.test),
    ))
}

struct Keys {
    ctx: Context,
    sk: SecretKey,
    pk: PublicKey,
    rng: ChaCha20Rng,
}

fn keys(plan: &Plan, seed: u8) -> Result<Keys, Box<dyn std::error::Error>> {
    let ctx = Context::new(plan.params.build()?)?;
    let mut rng = ChaCha20Rng::from_seed([seed; 32]);
    let sk = SecretKey::generate(&ctx, &mut rng)?;
    let pk = PublicKey::generate(&sk, &mut rng)?;
    Ok(Keys { ctx, sk, pk, rng })
}

#[test]
fn heart_logistic_regression_single_and_batched() {
    let (train, test, y_train, y_test) = heart_parts().unwrap();
    let lr =
        LogisticRegression::fit(train.x.view(), &y_train, &LogisticOptions::default()).unwrap();
    let model = LinearModel::from_logistic(&lr);
    let twin: Vec<f64> = test
        .x
        .rows()
        .into_iter()
        .map(|r| model.predict(&r.to_vec()).unwrap())
        .collect();
    assert!(
        metrics::max_abs_difference(&twin, &lr.predict_proba_poly(test.x.view()).unwrap()).unwrap()
            < 1e-12
    );

    // One sample per ciphertext.
    let plan = Plan::linear_single(&model, Preset::N13.literal()).unwrap();
    let mut k = keys(&plan, 7).unwrap();
    let eval = Evaluator::new(&k.ctx, plan.evaluation_keys(&k.sk, &mut k.rng).unwrap()).unwrap();
    let server = LinearServer::new(&eval, &model, &plan).unwrap();
    let client = Client::with_public_key(&plan, &k.pk, &k.sk).unwrap();
    let mut enc = Vec::new();
    for row in test.x.rows() {
        let ct = client.encrypt_sample(&row.to_vec(), &mut k.rng).unwrap();
        let out = server.infer(&eval, &ct).unwrap();
        assert_eq!(out.level(), plan.output_level);
        enc.push(client.decrypt_value(&out).unwrap());
    }
    let agree = metrics::decision_agreement(&enc, &twin, 0.5).unwrap();
    let max_diff = metrics::max_abs_difference(&enc, &twin).unwrap();
    let acc =
        metrics::accuracy(&enc.iter().map(|&p| p > 0.5).collect::<Vec<_>>(), &y_test).unwrap();
    println!(
        "heart LR single, N13: {} samples, decisions agree {agree:.4}, max |p_enc - p_plain| {max_diff:.2e}, encrypted accuracy {acc:.4}",
        enc.len()
    );
    assert!(agree >= 0.995);
    assert!(max_diff <= 1e-3);

    // Feature-major batch: every test sample in one batch, no rotation key.
    let plan = Plan::linear_batched(&model, Preset::N13.literal()).unwrap();
    assert!(plan.rotations.is_empty());
    let mut k = keys(&plan, 8).unwrap();
    let eval = Evaluator::new(&k.ctx, plan.evaluation_keys(&k.sk, &mut k.rng).unwrap()).unwrap();
    let server = LinearServer::new(&eval, &model, &plan).unwrap();
    let client = Client::new(&plan, &k.sk).unwrap();
    let batches = client.encrypt_batches(test.x.view(), &mut k.rng).unwrap();
    assert_eq!(batches.len(), 1);
    let out = server.infer_batch(&eval, &batches[0].features).unwrap();
    let enc = client.decrypt_batch(&out, batches[0].samples).unwrap();
    let agree = metrics::decision_agreement(&enc, &twin, 0.5).unwrap();
    let max_diff = metrics::max_abs_difference(&enc, &twin).unwrap();
    println!(
        "heart LR batched, N13: decisions agree {agree:.4}, max |p_enc - p_plain| {max_diff:.2e}"
    );
    assert!(agree >= 0.995);
    assert!(max_diff <= 1e-3);
    // A batch server refuses single samples and vice versa.
    assert!(server.infer(&eval, &batches[0].features[0]).is_err());
}

#[test]
fn diabetes_linear_regression_single_and_batched() {
    let d = sets::diabetes().unwrap();
    let s = split::shuffled(d.n_samples(), 0.2, 3).unwrap();
    let (train, test) = (d.subset(&s.train), d.subset(&s.test));
    let m =
        LinearRegression::fit(train.x.view(), train.y.view(), &LinearOptions::default()).unwrap();
    let model = LinearModel::from_linear(&m);
    let plain = m.predict(test.x.view()).unwrap();
    for batched in [false, true] {
        let plan = if batched {
            Plan::linear_batched(&model, Preset::N13.literal()).unwrap()
        } else {
            Plan::linear_single(&model, Preset::N13.literal()).unwrap()
        };
        assert_eq!((plan.depth, plan.relinearization), (1, false));
        let mut k = keys(&plan, 9).unwrap();
        let eval =
            Evaluator::new(&k.ctx, plan.evaluation_keys(&k.sk, &mut k.rng).unwrap()).unwrap();
        let server = LinearServer::new(&eval, &model, &plan).unwrap();
        let client = Client::new(&plan, &k.sk).unwrap();
        let enc: Vec<f64> = if batched {
            let b = client.encrypt_batches(test.x.view(), &mut k.rng).unwrap();
            client
                .decrypt_batch(
                    &server.infer_batch(&eval, &b[0].features).unwrap(),
                    b[0].samples,
                )
                .unwrap()
        } else {
            test.x
                .rows()
                .into_iter()
                .take(20)
                .map(|r| {
                    let ct = client.encrypt_sample(&r.to_vec(), &mut k.rng).unwrap();
                    client
                        .decrypt_value(&server.infer(&eval, &ct).unwrap())
                        .unwrap()
                })
                .collect()
        };
        let diff = metrics::max_abs_difference(&enc, &plain[..enc.len()]).unwrap();
        println!(
            "diabetes ridge, batched = {batched}: max |y_enc - y_plain| {diff:.2e} over {} samples",
            enc.len()
        );
        assert!(diff < 1e-4);
    }
}

#[test]
fn heart_network_square_activation_single() {
    let (train, test, y_train, _) = heart_parts().unwrap();
    let yl: Vec<usize> = y_train.iter().map(|&b| usize::from(b)).collect();
    let net = Network::fit(train.x.view(), &yl, 2, &NetworkOptions::default()).unwrap();
    let plan = Plan::network(&net, Preset::N13.literal()).unwrap();
    assert_eq!(plan.depth, 3);
    assert_eq!(
        plan.rotations,
        vec![1, 2, 3, 4, 8, 12, 16, 32, 48, 64, 128, 192]
    );
    let mut k = keys(&plan, 10).unwrap();
    let eval = Evaluator::new(&k.ctx, plan.evaluation_keys(&k.sk, &mut k.rng).unwrap()).unwrap();
    let server = NetworkServer::new(&eval, &net, &plan).unwrap();
    let client = Client::new(&plan, &k.sk).unwrap();
    let plain = net.logits(test.x.view()).unwrap();
    let mut enc = Vec::new();
    for row in test.x.rows() {
        let ct = client.encrypt_sample(&row.to_vec(), &mut k.rng).unwrap();
        let out = server.infer(&eval, &ct).unwrap();
        enc.push(client.decrypt_outputs(&out, 1).unwrap()[0]);
    }
    let twin = plain.column(0).to_vec();
    let diff = metrics::max_abs_difference(&enc, &twin).unwrap();
    let agree = metrics::decision_agreement(&enc, &twin, 0.0).unwrap();
    println!(
        "heart NN 16 hidden x^2, N13: max |logit_enc - logit_plain| {diff:.2e} (logits up to {:.1}), decisions agree {agree:.4}",
        twin.iter().fold(0.0f64, |m, v| m.max(v.abs()))
    );
    assert!(diff < 1e-3);
    assert_eq!(agree, 1.0);
}

#[test]
fn heart_network_batched_feature_major() {
    let (train, test, y_train, _) = heart_parts().unwrap();
    let yl: Vec<usize> = y_train.iter().map(|&b| usize::from(b)).collect();
    let net = Network::fit(train.x.view(), &yl, 2, &NetworkOptions::default()).unwrap();
    let plan = Plan::network_batched(&net, Preset::N13.literal()).unwrap();
    assert_eq!((plan.depth, plan.rotations.len()), (3, 0));
    let mut k = keys(&plan, 12).unwrap();
    let eval = Evaluator::new(&k.ctx, plan.evaluation_keys(&k.sk, &mut k.rng).unwrap()).unwrap();
    let server = NetworkServer::new(&eval, &net, &plan).unwrap();
    let client = Client::new(&plan, &k.sk).unwrap();
    let batches = client.encrypt_batches(test.x.view(), &mut k.rng).unwrap();
    assert_eq!(batches.len(), 1);
    let out = server.infer_batch(&eval, &batches[0].features).unwrap();
    assert_eq!(out.len(), 1);
    let enc = client.decrypt_batch(&out[0], test.n_samples()).unwrap();
    let twin = net.logits(test.x.view()).unwrap().column(0).to_vec();
    let diff = metrics::max_abs_difference(&enc, &twin).unwrap();
    println!("heart NN batched, N13: max |logit diff| {diff:.2e}");
    assert!(diff < 1e-3);
    assert_eq!(metrics::decision_agreement(&enc, &twin, 0.0).unwrap(), 1.0);
    // The batched server refuses single samples and the reverse.
    assert!(server.infer(&eval, &batches[0].features[0]).is_err());
}

#[test]
fn iris_softmax_class_scores_single_and_batched() {
    use ckks_ml::infer::SoftmaxServer;
    use ckks_ml::plain::{SoftmaxRegression, TrainOptions};
    let iris = sets::iris().unwrap();
    let labels = iris.class_labels().unwrap();
    let s = split::stratified(&labels, 0.2, 5).unwrap();
    let (train, test) = (iris.subset(&s.train), iris.subset(&s.test));
    let y: Vec<usize> = s.train.iter().map(|&i| labels[i]).collect();
    let model = SoftmaxRegression::fit(train.x.view(), &y, 3, &TrainOptions::default()).unwrap();
    let plain = model.logits(test.x.view()).unwrap();
    for batched in [false, true] {
        let plan = if batched {
            Plan::softmax_batched(&model, Preset::N13.literal()).unwrap()
        } else {
            Plan::softmax(&model, Preset::N13.literal()).unwrap()
        };
        let mut k = keys(&plan, 13).unwrap();
        let eval =
            Evaluator::new(&k.ctx, plan.evaluation_keys(&k.sk, &mut k.rng).unwrap()).unwrap();
        let server = SoftmaxServer::new(&eval, &model, &plan).unwrap();
        let client = Client::new(&plan, &k.sk).unwrap();
        // Scores per sample, one row of 3 classes each.
        let enc: Vec<Vec<f64>> = if batched {
            let b = client.encrypt_batches(test.x.view(), &mut k.rng).unwrap();
            let per_class: Vec<Vec<f64>> = server
                .infer_batch(&eval, &b[0].features)
                .unwrap()
                .iter()
                .map(|ct| client.decrypt_batch(ct, test.n_samples()).unwrap())
                .collect();
            (0..test.n_samples())
                .map(|i| per_class.iter().map(|c| c[i]).collect())
                .collect()
        } else {
            test.x
                .rows()
                .into_iter()
                .map(|r| {
                    let ct = client.encrypt_sample(&r.to_vec(), &mut k.rng).unwrap();
                    client
                        .decrypt_batch(&server.infer(&eval, &ct).unwrap(), 3)
                        .unwrap()
                })
                .collect()
        };
        let plain_rows: Vec<Vec<f64>> = plain.rows().into_iter().map(|r| r.to_vec()).collect();
        let truth: Vec<usize> = s.test.iter().map(|&i| labels[i]).collect();
        let report = ckks_ml::evaluation::MulticlassReport::new(&plain_rows, &enc, &truth).unwrap();
        println!("iris softmax, batched = {batched}:\n{report}");
        assert!(report.max_abs_difference < 1e-4, "{report}");
        assert_eq!(report.argmax_agreement, 1.0);
        assert!(report.accuracy.encrypted > 0.85);
    }
}

#[test]
fn plans_refuse_what_the_parameters_cannot_do() {
    let model = LinearModel {
        weights: vec![0.5; 13],
        bias: 0.1,
        link: ckks_ml::infer::Link::Sigmoid(
            ckks_ml::activation::PolySigmoid::fit(-4.0, 4.0, 3).unwrap(),
        ),
    };
    // Depth 3 does not fit ref-a's two levels.
    let err = Plan::linear_single(&model, Preset::RefA.literal()).unwrap_err();
    assert!(err.to_string().contains("depth 3"), "{err}");
    // A degree-7 sigmoid needs depth 4: N14.
    let mut deep = model.clone();
    deep.link =
        ckks_ml::infer::Link::Sigmoid(ckks_ml::activation::PolySigmoid::fit(-4.0, 4.0, 7).unwrap());
    assert!(Plan::linear_single(&deep, Preset::N13.literal()).is_err());
    let plan = Plan::linear_single(&deep, Preset::N14.literal()).unwrap();
    assert_eq!((plan.depth, plan.input_level, plan.output_level), (4, 7, 3));
    // A hand-edited layout that cannot hold the features is refused.
    let mut bad = Plan::linear_single(&model, Preset::N13.literal()).unwrap();
    bad.layout = ckks_ml::infer::Layout::Slots {
        features: 13,
        width: 8,
    };
    let ctx = Context::new(bad.params.build().unwrap()).unwrap();
    let eval = Evaluator::without_keys(&ctx);
    assert!(matches!(
        LinearServer::new(&eval, &model, &bad),
        Err(ckks_ml::Error::LayoutMismatch(_))
    ));
    // Plans are JSON, so a client can receive one.
    let json = serde_json::to_string(&plan).unwrap();
    assert_eq!(serde_json::from_str::<Plan>(&json).unwrap(), plan);
}

#[test]
fn polynomial_routes_agree_with_horner() {
    use ckks::{Decryptor, Encoder, Encryptor, EvaluationKeys};
    use ckks_ml::activation::Polynomial;
    use ckks_ml::infer::poly::{eval_poly, eval_poly_at_scale, eval_poly_for_decryption};
    let ctx = Context::new(Preset::N13.literal().build().unwrap()).unwrap();
    let mut rng = ChaCha20Rng::from_seed([11; 32]);
    let sk = SecretKey::generate(&ctx, &mut rng).unwrap();
    let evk = EvaluationKeys::builder(&sk)
        .relinearization()
        .build(&mut rng)
        .unwrap();
    let eval = Evaluator::new(&ctx, evk).unwrap();
    let enc = Encoder::new(&ctx);
    let x: Vec<f64> = (0..64).map(|i| -1.0 + 2.0 * i as f64 / 63.0).collect();
    let ct = Encryptor::with_secret_key(&sk)
        .encrypt(&enc.encode(&x, 3, ctx.default_scale()).unwrap(), &mut rng)
        .unwrap();
    let dec = Decryptor::new(&sk);
    let cases: [&[f64]; 6] = [
        &[0.5, 1.1, 0.0, -0.6],   // odd cubic: the fast route
        &[0.49, 0.8, 0.03, -0.3], // a_2 != 0
        &[0.1, -0.2, 0.0, 1e-4],  // a_3 too small for the scale: the generic route
        &[0.25, 0.5],             // degree 1
        &[0.0, 0.0, 2.0],         // x^2 times a constant
        &[-0.3, 0.2, -0.7, 0.1],  // negative constant and a_2
    ];
    for coeffs in cases {
        let p = Polynomial::new(coeffs.to_vec());
        let want: Vec<f64> = x.iter().map(|&v| p.eval(v)).collect();
        for (route, out) in [
            ("fast", eval_poly(&eval, &ct, coeffs).unwrap()),
            (
                "for decryption",
                eval_poly_for_decryption(&eval, &ct, coeffs).unwrap(),
            ),
            (
                "exact scale",
                eval_poly_at_scale(&eval, &ct, coeffs, ctx.default_scale()).unwrap(),
            ),
        ] {
            let depth = ckks_ml::infer::poly::depth_for_degree(p.degree());
            assert_eq!(out.level(), 3 - depth, "{coeffs:?} {route}");
            if route == "exact scale" {
                assert_eq!(out.scale(), ctx.default_scale());
            }
            let got = enc.decode(&dec.decrypt(&out).unwrap()).unwrap();
            let err = metrics::max_abs_difference(&got[..x.len()], &want).unwrap();
            // The key-switch-free route for decryption ends in a degree-3 ciphertext whose
            // last rescale's rounding is multiplied by s^3: about 18 bits instead of 26.
            let bound = if route == "for decryption" {
                2e-5
            } else {
                1e-6
            };
            assert!(err < bound, "{coeffs:?} {route}: {err}");
        }
    }
    // Constant polynomials and too-deep ones are refused.
    assert!(eval_poly(&eval, &ct, &[1.0, 0.0]).is_err());
    let low = eval.drop_to_level(&ct, 1).unwrap();
    assert!(eval_poly(&eval, &low, &[0.0, 1.0, 0.0, 1.0]).is_err());
}

#[test]
fn network_with_polynomial_sigmoid_on_n14() {
    use ckks_ml::activation::Activation;
    let (train, test, y_train, _) = heart_parts().unwrap();
    let yl: Vec<usize> = y_train.iter().map(|&b| usize::from(b)).collect();
    let opts = NetworkOptions {
        activation: Activation::default_poly_sigmoid().unwrap(),
        ..Default::default()
    };
    let net = Network::fit(train.x.view(), &yl, 2, &opts).unwrap();
    // x^2 fits N13; the degree-3 sigmoid needs depth 4.
    assert!(Plan::network(&net, Preset::N13.literal()).is_err());
    let plan = Plan::network(&net, Preset::N14.literal()).unwrap();
    assert_eq!(plan.depth, 4);
    let mut k = keys(&plan, 12).unwrap();
    let eval = Evaluator::new(&k.ctx, plan.evaluation_keys(&k.sk, &mut k.rng).unwrap()).unwrap();
    let server = NetworkServer::new(&eval, &net, &plan).unwrap();
    let client = Client::new(&plan, &k.sk).unwrap();
    let plain = net.logits(test.x.view()).unwrap();
    for (i, row) in test.x.rows().into_iter().enumerate().take(5) {
        let ct = client.encrypt_sample(&row.to_vec(), &mut k.rng).unwrap();
        let z = client
            .decrypt_outputs(&server.infer(&eval, &ct).unwrap(), 1)
            .unwrap()[0];
        assert!((z - plain[[i, 0]]).abs() < 1e-4, "{z} vs {}", plain[[i, 0]]);
    }
}

#[test]
fn servers_refuse_mismatched_inputs_and_keys() {
    let (train, test, y_train, _) = heart_parts().unwrap();
    let lr =
        LogisticRegression::fit(train.x.view(), &y_train, &LogisticOptions::default()).unwrap();
    let model = LinearModel::from_logistic(&lr);
    let plan = Plan::linear_single(&model, Preset::N13.literal()).unwrap();
    let mut k = keys(&plan, 13).unwrap();
    // Keys without the plan's rotations: the server fails with the ckks error naming the step.
    let relin_only = ckks::EvaluationKeys::builder(&k.sk)
        .relinearization()
        .build(&mut k.rng)
        .unwrap();
    let eval = Evaluator::new(&k.ctx, relin_only).unwrap();
    let server = LinearServer::new(&eval, &model, &plan).unwrap();
    let client = Client::new(&plan, &k.sk).unwrap();
    let x = test.x.row(0).to_vec();
    let ct = client.encrypt_sample(&x, &mut k.rng).unwrap();
    let err = server.infer(&eval, &ct).unwrap_err();
    assert!(
        matches!(
            err,
            ckks_ml::Error::Ckks(ckks::Error::MissingGaloisKey { .. })
        ),
        "{err}"
    );
    // Wrong number of features, wrong level.
    assert!(client.encrypt_sample(&x[..5], &mut k.rng).is_err());
    let low = eval.drop_to_level(&ct, 2).unwrap();
    assert!(matches!(
        server.infer(&eval, &low),
        Err(ckks_ml::Error::LayoutMismatch(_))
    ));
    // A context of other parameters.
    let other = Context::new(Preset::RefA.literal().build().unwrap()).unwrap();
    let eval_other = Evaluator::without_keys(&other);
    assert!(matches!(
        LinearServer::new(&eval_other, &model, &plan),
        Err(ckks_ml::Error::LayoutMismatch(_))
    ));
}

#[test]
fn digits_cnn_agrees_with_its_plaintext_twin() {
    use ckks_ml::plain::{ConvNet, ConvNetOptions};
    let d = sets::digits().unwrap();
    let labels = d.class_labels().unwrap();
    let s = split::stratified(&labels, 0.2, 2024).unwrap();
    let (train, test) = (d.subset(&s.train), d.subset(&s.test));
    let yl: Vec<usize> = s.train.iter().map(|&i| labels[i]).collect();
    let yt: Vec<usize> = s.test.iter().map(|&i| labels[i]).collect();
    let cnn = ConvNet::fit(train.x.view(), &yl, 10, &ConvNetOptions::default()).unwrap();
    let plain = cnn.logits(test.x.view()).unwrap();
    let acc = metrics::accuracy(&metrics::argmax_rows(plain.view()), &yt).unwrap();
    assert!(acc >= 0.95, "plaintext accuracy {acc}");
    // The convolution as a 64 x 64 matrix: 64 blocks of 64 slots fill N13's 4096 slots.
    let net = cnn.to_network();
    let plan = Plan::network(&net, Preset::N13.literal()).unwrap();
    assert_eq!(
        plan.layout,
        ckks_ml::infer::Layout::RotatedBlocks {
            features: 64,
            block: 64
        }
    );
    let mut k = keys(&plan, 14).unwrap();
    let eval = Evaluator::new(&k.ctx, plan.evaluation_keys(&k.sk, &mut k.rng).unwrap()).unwrap();
    let server = NetworkServer::new(&eval, &net, &plan).unwrap();
    let client = Client::new(&plan, &k.sk).unwrap();
    let mut max_diff = 0.0_f64;
    for (row, twin) in test.x.rows().into_iter().zip(plain.rows()).take(8) {
        let ct = client.encrypt_sample(&row.to_vec(), &mut k.rng).unwrap();
        let z = client
            .decrypt_outputs(&server.infer(&eval, &ct).unwrap(), 10)
            .unwrap();
        let twin = twin.to_vec();
        max_diff = max_diff.max(metrics::max_abs_difference(&z, &twin).unwrap());
        let z = ckks_ml::ndarray::Array2::from_shape_vec((2, 10), [z, twin].concat()).unwrap();
        let argmax = metrics::argmax_rows(z.view());
        assert_eq!(argmax[0], argmax[1]);
    }
    println!(
        "digits CNN, N13: plaintext accuracy {acc:.4}, 8 encrypted images, max |logit diff| {max_diff:.2e}"
    );
    assert!(max_diff < 1e-3, "{max_diff}");
}
