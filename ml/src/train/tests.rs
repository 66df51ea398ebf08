use ckks::Context;
use ckks::params::ParametersLiteral;
use ndarray::Array2;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use super::*;
use crate::metrics::accuracy;
use crate::plain::LinearOptions;
use crate::rng::SplitMix64;

/// N = 2^12, 9 levels of 40 bits: small and fast, and *insecure* (tests only).
fn small_params(depth: usize) -> ckks::params::Parameters {
    ParametersLiteral {
        log_n: 12,
        log_q: std::iter::once(60)
            .chain(std::iter::repeat_n(40, depth))
            .collect(),
        log_p: vec![60, 60],
        log_scale: 40,
        ..Default::default()
    }
    .build_insecure_for_tests()
    .unwrap()
}

/// 60 rows, 3 features; labels from a known linear rule with noise; targets linear + noise.
fn toy() -> (Array2<f64>, Vec<bool>, Vec<f64>) {
    let mut rng = SplitMix64::new(7);
    let n = 60;
    let mut x = Array2::zeros((n, 3));
    let mut labels = Vec::new();
    let mut targets = Vec::new();
    for i in 0..n {
        for j in 0..3 {
            x[[i, j]] = 2.0 * rng.normal() + j as f64;
        }
        let score = x[[i, 0]] - 0.5 * x[[i, 1]] + 0.3 * rng.normal();
        labels.push(score > 0.0);
        targets.push(1.5 * x[[i, 0]] - x[[i, 2]] + 4.0 + 0.1 * rng.normal());
    }
    (x, labels, targets)
}

/// Trains encrypted per `plan` (refreshing between rounds) and returns (decrypted weights,
/// twin weights).
fn run(plan: &TrainPlan, rows: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) {
    let ctx = Context::new(plan.params.build_insecure_for_tests().unwrap()).unwrap();
    let mut rng = ChaCha20Rng::from_seed([3; 32]);
    let session = Session::with_context(&ctx, plan, &mut rng).unwrap();
    let mut events = Vec::new();
    let out = session.run(rows, &mut rng, |p| events.push(p)).unwrap();
    let iterations = plan.config.iterations * plan.config.rounds;
    assert_eq!(
        events.last(),
        Some(&Progress::Iteration {
            done: iterations,
            total: iterations
        })
    );
    let refreshes = events
        .iter()
        .filter(|e| matches!(e, Progress::Refreshed { .. }))
        .count();
    assert_eq!(refreshes, plan.config.rounds - 1);
    (out.weights, twin(plan, rows).unwrap())
}

#[test]
fn logistic_matches_twin_and_learns() {
    let (x, y, _) = toy();
    let (rows, standardizer) = prepare_logistic(x.view(), &y).unwrap();
    let config = TrainConfig {
        iterations: 3,
        ..TrainConfig::default()
    };
    let task = Task::logistic(3, 8.0).unwrap();
    let (per_iteration, depth) = round_depth(&task, &config).unwrap();
    assert_eq!((per_iteration, depth), (4, 9));
    let plan = TrainPlan::new(&small_params(depth), task, config, rows.len(), 4).unwrap();
    assert_eq!((plan.width, plan.rows_per_chunk, plan.chunks), (4, 64, 1));
    assert_eq!(
        plan.rotations,
        vec![-3, -2, -1, 1, 2, 4, 8, 16, 32, 64, 128]
    );
    let (got, want) = run(&plan, &rows);
    let rel = relative_difference(&got, &want).unwrap();
    assert!(rel < 1e-4, "{got:?} vs {want:?}: {rel}");
    // The trained model separates the toy classes.
    let model = logistic_model(&plan, standardizer, &got).unwrap();
    let acc = accuracy(&model.predict(x.view()).unwrap(), &y).unwrap();
    assert!(acc > 0.85, "{acc}");
}

#[test]
fn linear_with_refresh_matches_twin() {
    let (x, _, t) = toy();
    let t = ndarray::Array1::from(t);
    let (rows, standardizer) = prepare_linear(x.view(), t.view()).unwrap();
    let config = TrainConfig {
        iterations: 2,
        rounds: 3,
        learning_rate: 0.5,
        harmonic_decay: false,
        nesterov: true,
    };
    let (_, depth) = round_depth(&Task::Linear, &config).unwrap();
    assert_eq!(depth, 6);
    let plan = TrainPlan::new(&small_params(depth), Task::Linear, config, rows.len(), 5).unwrap();
    let (got, want) = run(&plan, &rows);
    let rel = relative_difference(&got, &want).unwrap();
    assert!(rel < 1e-4, "{got:?} vs {want:?}: {rel}");
    assert_eq!(got.len(), 5);
    assert!(
        (got[4] + 1.0).abs() < 1e-6,
        "the target column keeps -1: {}",
        got[4]
    );
    let model = linear_model(&plan, standardizer, &got).unwrap();
    // Six Nesterov steps get the intercept (the mean target) and the main weight close.
    assert!(
        (model.bias - t.mean().unwrap()).abs() < 0.2,
        "{}",
        model.bias
    );
}

#[test]
fn twin_converges_to_least_squares() {
    let (x, _, t) = toy();
    let t = ndarray::Array1::from(t);
    let (rows, _) = prepare_linear(x.view(), t.view()).unwrap();
    let config = TrainConfig {
        iterations: 300,
        rounds: 1,
        learning_rate: 0.5,
        harmonic_decay: false,
        nesterov: false,
    };
    // The twin reads the rows' shape, the task and the schedule; the depth does not matter.
    let one = TrainConfig {
        iterations: 1,
        ..config
    };
    let plan = TrainPlan::new(&small_params(3), Task::Linear, one, rows.len(), 5).unwrap();
    let plan = TrainPlan { config, ..plan };
    let w = twin(&plan, &rows).unwrap();
    let exact = LinearRegression::fit(x.view(), t.view(), &LinearOptions { l2: 0.0 }).unwrap();
    for (a, b) in w.iter().zip(exact.weights.iter().chain([&exact.bias])) {
        assert!((a - b).abs() < 1e-6, "{w:?} vs {exact:?}");
    }
}

#[test]
fn schedule_and_plans() {
    let steps = TrainConfig::default().steps();
    assert_eq!(steps.len(), 5);
    assert_eq!(steps[0].momentum, 0.0);
    // lambda_1 = golden ratio, lambda_2 = (1 + sqrt(1 + 4 phi^2)) / 2.
    let phi = (1.0 + 5f64.sqrt()) / 2.0;
    let l2 = (1.0 + (1.0 + 4.0 * phi * phi).sqrt()) / 2.0;
    assert!((steps[1].momentum - (phi - 1.0) / l2).abs() < 1e-15);
    assert!((steps[2].alpha - 1.0).abs() < 1e-15);
    assert_eq!(steps[4].factor, 1.0);
    assert!((steps[3].factor - 1.0 - steps[3].momentum).abs() < 1e-15);
    // Five degree-3 iterations: 17 levels at N = 2^15; degree 7: 21 levels, N = 2^16.
    let plan = TrainPlan::with_default_params(
        Task::logistic(3, 8.0).unwrap(),
        TrainConfig::default(),
        1002,
        10,
    )
    .unwrap();
    assert_eq!((plan.params.log_n, plan.depth, plan.chunks), (15, 17, 1));
    assert_eq!(plan.rotations.len(), 4 + 9 + 10);
    let plan = TrainPlan::with_default_params(
        Task::logistic(7, 8.0).unwrap(),
        TrainConfig::default(),
        1002,
        10,
    )
    .unwrap();
    assert_eq!((plan.params.log_n, plan.depth), (16, 21));
    let too_deep = TrainConfig {
        iterations: 40,
        ..TrainConfig::default()
    };
    assert!(matches!(
        TrainPlan::with_default_params(Task::Linear, too_deep, 100, 5),
        Err(Error::PlanDoesNotFit { .. })
    ));
    assert!(matches!(
        TrainPlan::new(
            &small_params(3),
            Task::Linear,
            TrainConfig::default(),
            10,
            3
        ),
        Err(Error::PlanDoesNotFit { .. })
    ));
}

#[test]
fn mismatched_inputs_are_errors() {
    let (x, y, t) = toy();
    let t = ndarray::Array1::from(t);
    assert!(matches!(
        prepare_logistic(x.view(), &y[..10]),
        Err(Error::ShapeMismatch { .. })
    ));
    let (rows, standardizer) = prepare_linear(x.view(), t.view()).unwrap();
    let config = TrainConfig {
        iterations: 1,
        ..TrainConfig::default()
    };
    let plan = TrainPlan::new(&small_params(3), Task::Linear, config, rows.len(), 5).unwrap();
    assert!(logistic_model(&plan, standardizer, &[0.0; 5]).is_err());
    assert!(matches!(
        twin(&plan, &rows[1..]),
        Err(Error::ShapeMismatch { .. })
    ));

    let ctx = Context::new(plan.params.build_insecure_for_tests().unwrap()).unwrap();
    let other = Context::new(small_params(4)).unwrap();
    assert!(matches!(
        plan.check_context(&other),
        Err(Error::LayoutMismatch(_))
    ));
    let mut rng = ChaCha20Rng::from_seed([5; 32]);
    let sk = ckks::SecretKey::generate(&ctx, &mut rng).unwrap();
    let client = TrainClient::new(&plan, &sk).unwrap();
    assert!(client.encrypt_data(&rows[1..], &mut rng).is_err());
    assert!(client.encrypt_weights(&[0.0; 3], &mut rng).is_err());
    let data = client.encrypt_data(&rows, &mut rng).unwrap();
    // Additions only: no key is needed to build the server.
    let eval = ckks::Evaluator::without_keys(&ctx);
    let short = EncryptedData {
        chunks: vec![data.chunks[0][..4].to_vec()],
    };
    assert!(matches!(
        TrainServer::new(&eval, &plan, short),
        Err(Error::ShapeMismatch { .. })
    ));
    let server = TrainServer::new(&eval, &plan, data).unwrap();
    // Linear regression has no zero start, and the schedule has one iteration.
    assert!(matches!(
        server.step(&EncryptedState::zero()),
        Err(Error::InvalidArgument { .. })
    ));
    let mut state = client.start(&mut rng).unwrap();
    state.iteration = 1;
    assert!(matches!(
        server.step(&state),
        Err(Error::InvalidArgument { .. })
    ));
}
