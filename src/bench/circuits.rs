//! `ckks bench circuits --params <set>`: hoisted against sequential rotations, a 128 x 128
//! matrix-vector product, the degree-7 sigmoid and a degree-63 Chebyshev series, with the
//! precision (and levels consumed) of each circuit.

use std::time::Duration;

use ckks::circuits::{CircuitPlan, LinearTransform, Polynomial};
use ckks::math::sampling::os_seeded_rng;
use ckks::params::Preset;
use ckks::precision::PrecisionStats;
use ckks::{
    Ciphertext, Context, Decryptor, Encoder, Encryptor, EvaluationKeys, Evaluator, SecretKey,
};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use serde_json::json;

use super::Record;
use super::ops::uniform_values;
use super::timing::{Budget, measure};

/// Times the circuits at `preset` and measures their precision.
pub(crate) fn run(preset: Preset, threads: usize) -> Result<Vec<Record>, ckks::Error> {
    let ctx = Context::new(preset.literal().build()?)?;
    let mut rng = os_seeded_rng()?;
    let mut data_rng = ChaCha20Rng::from_seed([7; 32]);
    let enc = Encoder::new(&ctx);
    let (level, scale) = (ctx.max_level(), ctx.default_scale());
    let slots = ctx.params().max_slots();

    // The circuits, built before any key: their plan says which keys to generate.
    let dim = 128;
    let matrix: Vec<Vec<f64>> = (0..dim)
        .map(|_| uniform_values(&mut data_rng, dim))
        .collect();
    let lt = LinearTransform::new(&enc, &matrix, level)?;
    let sigmoid = Polynomial::sigmoid(7)?;
    let cheb_coeffs: Vec<f64> = uniform_values(&mut data_rng, 64)
        .iter()
        .enumerate()
        .map(|(k, c)| c / (1.0 + k as f64))
        .collect();
    let cheb = Polynomial::chebyshev(&cheb_coeffs, -1.0, 1.0)?;
    let rotations: Vec<i64> = (1..=8).collect();
    let plan = CircuitPlan::new()
        .rotations(&rotations)
        .alongside(&CircuitPlan::new().linear_transform(&lt))
        .alongside(&CircuitPlan::new().polynomial(&sigmoid))
        .alongside(&CircuitPlan::new().polynomial(&cheb));

    let sk = SecretKey::generate(&ctx, &mut rng)?;
    let evk = plan.keys(EvaluationKeys::builder(&sk)).build(&mut rng)?;
    let eval = Evaluator::new(&ctx, evk)?;
    let encryptor = Encryptor::with_secret_key(&sk);
    let decryptor = Decryptor::new(&sk);
    let mut encrypt = |x: &[f64]| -> Result<Ciphertext, ckks::Error> {
        encryptor.encrypt(&enc.encode(x, level, scale)?, &mut rng)
    };
    let x_full = uniform_values(&mut data_rng, slots);
    let ct_full = encrypt(&x_full)?;
    let x_vec = uniform_values(&mut data_rng, dim);
    let ct_vec = encrypt(&x_vec)?;
    let x_sig: Vec<f64> = uniform_values(&mut data_rng, slots)
        .iter()
        .map(|v| 8.0 * v)
        .collect();
    let ct_sig = encrypt(&x_sig)?;

    let fast = Budget {
        min_runs: 7,
        min_time: Duration::from_secs(1),
        max_runs: 201,
    };
    let slow = Budget::SLOW;
    let mut failure: Option<ckks::Error> = None;
    let mut note = |r: Result<(), ckks::Error>| {
        if let Err(e) = r {
            failure.get_or_insert(e);
        }
    };
    let timings = vec![
        (
            "rotate_many_8",
            measure(fast, || {
                note(eval.rotate_many(&ct_full, &rotations).map(drop))
            }),
        ),
        (
            "rotate_8_sequential",
            measure(fast, || {
                note(
                    rotations
                        .iter()
                        .try_for_each(|&s| eval.rotate(&ct_full, s).map(drop)),
                )
            }),
        ),
        (
            "matvec_128",
            measure(slow, || note(eval.linear_transform(&lt, &ct_vec).map(drop))),
        ),
        (
            "sigmoid_deg7",
            measure(slow, || {
                note(eval.evaluate_polynomial(&ct_sig, &sigmoid).map(drop))
            }),
        ),
        (
            "chebyshev_deg63",
            measure(slow, || {
                note(eval.evaluate_polynomial(&ct_full, &cheb).map(drop))
            }),
        ),
    ];
    if let Some(e) = failure {
        return Err(e);
    }
    let mut out: Vec<Record> = timings
        .into_iter()
        .filter_map(|(op, t)| {
            Record::from_json(json!({
                "group": "circuits", "op": op, "params": preset.name(),
                "log_n": ctx.params().log_n(), "levels": level + 1, "threads": threads,
                "median_ns": t.median_ns, "runs": t.runs,
            }))
        })
        .collect();

    // Precision: mean bits over the slots against f64, and the levels each circuit consumed.
    let decrypt =
        |ct: &Ciphertext| -> Result<Vec<f64>, ckks::Error> { enc.decode(&decryptor.decrypt(ct)?) };
    let y = eval.linear_transform(&lt, &ct_vec)?;
    let want: Vec<f64> = matrix
        .iter()
        .map(|r| r.iter().zip(&x_vec).map(|(a, b)| a * b).sum())
        .collect();
    let matvec = (
        PrecisionStats::real(&want, &decrypt(&y)?),
        level - y.level(),
    );
    let y = eval.evaluate_polynomial(&ct_sig, &sigmoid)?;
    let want: Vec<f64> = x_sig.iter().map(|&v| sigmoid.evaluate(v)).collect();
    let sig = (
        PrecisionStats::real(&want, &decrypt(&y)?),
        level - y.level(),
    );
    let y = eval.evaluate_polynomial(&ct_full, &cheb)?;
    let want: Vec<f64> = x_full.iter().map(|&v| cheb.evaluate(v)).collect();
    let ch = (
        PrecisionStats::real(&want, &decrypt(&y)?),
        level - y.level(),
    );
    for (op, (s, used)) in [
        ("matvec_128_bits", matvec),
        ("sigmoid_deg7_bits", sig),
        ("chebyshev_deg63_bits", ch),
    ] {
        out.extend(Record::from_json(json!({
            "group": "precision", "op": op, "params": preset.name(), "value": s.mean_bits,
            "min_bits": s.min_bits, "max_abs_err": s.max_abs_error, "levels_consumed": used,
        })));
    }
    Ok(out)
}
