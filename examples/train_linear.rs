//! # Linear regression trained on encrypted data
//!
//! The CrypTen seed system trains a linear regression on encrypted IRIS data; here the client
//! encrypts its standardized rows `(x_i, 1, y_i)`, the server runs Nesterov's accelerated
//! gradient on the ciphertexts (3 levels per iteration), and the client decrypts the weights.
//! Five iterations fit one round at N = 2^15; between rounds the client refreshes the
//! encrypted weights (it sees the intermediate models, the server sees ciphertexts only). The
//! decrypted model is compared with its plaintext twin (same steps in `f64`) and with least
//! squares, on IRIS (target: the class index, as the seed does) and on diabetes.
//!
//! Run with `cargo run --release --example train_linear [rounds]` (default 4 rounds).

use ckks::math::sampling::os_seeded_rng;
use ckks_ml::data::{Dataset, sets, split};
use ckks_ml::metrics;
use ckks_ml::plain::{LinearOptions, LinearRegression};
use ckks_ml::train::{self, Session, Task, TrainConfig, TrainPlan};

type BoxError = Box<dyn std::error::Error>;

fn main() -> Result<(), BoxError> {
    let rounds = match std::env::args().nth(1) {
        Some(r) => r.parse()?,
        None => 4,
    };
    for (name, data) in [("iris", sets::iris()?), ("diabetes", sets::diabetes()?)] {
        fit(name, &data, rounds)?;
    }
    if let Some(bytes) = train::peak_memory_bytes() {
        println!("peak resident memory: {:.2} GB", bytes as f64 / 1e9);
    }
    Ok(())
}

fn fit(name: &str, data: &Dataset, rounds: usize) -> Result<(), BoxError> {
    let s = split::shuffled(data.n_samples(), 0.2, 7)?;
    let (tr, te) = (data.subset(&s.train), data.subset(&s.test));
    let (rows, standardizer) = train::prepare_linear(tr.x.view(), tr.y.view())?;
    let config = TrainConfig {
        iterations: 5,
        rounds,
        learning_rate: 0.25,
        harmonic_decay: false,
        nesterov: true,
    };
    let plan =
        TrainPlan::with_default_params(Task::Linear, config, rows.len(), data.n_features() + 2)?;
    let mut rng = os_seeded_rng()?;
    let session = Session::new(&plan, &mut rng)?;
    let run = session.run(&rows, &mut rng, |_| {})?;
    let twin = train::twin(&plan, &rows)?;
    let rel = train::relative_difference(&run.weights, &twin)?;
    if rel > 1e-3 {
        return Err(format!("{name}: weights {rel:.1e} from the twin, more than 1e-3").into());
    }
    let encrypted = train::linear_model(&plan, standardizer.clone(), &run.weights)?;
    let twin_model = train::linear_model(&plan, standardizer, &twin)?;
    let ols = LinearRegression::fit(tr.x.view(), tr.y.view(), &LinearOptions { l2: 0.0 })?;
    let y = te.y.to_vec();
    let r2 = |m: &LinearRegression| -> Result<f64, BoxError> {
        Ok(metrics::r2(&y, &m.predict(te.x.view())?)?)
    };
    println!(
        "{name}: {} training rows x {} features, N = 2^{}, {} levels per round, {} rounds x {} iterations",
        rows.len(),
        data.n_features(),
        plan.params.log_n,
        plan.depth,
        rounds,
        config.iterations
    );
    println!(
        "  held-out r2: encrypted {:.4}, twin {:.4}, least squares {:.4}; weights vs twin {:.1e} relative",
        r2(&encrypted)?,
        r2(&twin_model)?,
        r2(&ols)?,
        rel
    );
    println!(
        "  keys {:.1} s, encrypt {:.2} s, train {:.2} s (with {} refreshes), decrypt {:.3} s",
        session.keygen_time().as_secs_f64(),
        run.encrypt.as_secs_f64(),
        run.train.as_secs_f64(),
        rounds - 1,
        run.decrypt.as_secs_f64()
    );
    Ok(())
}
