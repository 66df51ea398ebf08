//! Per-step timings of the encrypted heart-disease logistic regression (minimum of many runs).
use std::time::Instant;

use ckks::params::Preset;
use ckks::{Context, Encoder, Encryptor, EvaluationKeys, Evaluator, SecretKey};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn min_time(mut f: impl FnMut()) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..30 {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed().as_secs_f64() * 1e3);
    }
    best
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ctx = Context::new(Preset::N13.literal().build()?)?;
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let sk = SecretKey::generate(&ctx, &mut rng)?;
    let evk = EvaluationKeys::builder(&sk)
        .relinearization()
        .rotations(&(1..16).collect::<Vec<i64>>())
        .build(&mut rng)?;
    let eval = Evaluator::new(&ctx, evk)?;
    let enc = Encoder::new(&ctx);
    let x: Vec<f64> = (0..16).map(|i| i as f64 / 16.0).collect();
    let ct3 = Encryptor::with_secret_key(&sk)
        .encrypt(&enc.encode(&x, 3, ctx.default_scale())?, &mut rng)?;
    let ct2 = eval.drop_to_level(&ct3, 2)?;
    let ct1 = eval.drop_to_level(&ct3, 1)?;
    let pt = enc.encode(&x, 3, ctx.q_at(3) as f64)?;
    println!(
        "mul_plain l3      {:.3} ms",
        min_time(|| {
            let _ = eval.mul_plain(&ct3, &pt);
        })
    );
    let prod = eval.mul_plain(&ct3, &pt)?;
    println!(
        "rescale l3        {:.3} ms",
        min_time(|| {
            let _ = eval.rescale(&prod);
        })
    );
    println!(
        "rotate l3         {:.3} ms",
        min_time(|| {
            let _ = eval.rotate(&ct3, 1);
        })
    );
    println!(
        "rotate l2         {:.3} ms",
        min_time(|| {
            let _ = eval.rotate(&ct2, 1);
        })
    );
    println!(
        "rotate l1         {:.3} ms",
        min_time(|| {
            let _ = eval.rotate(&ct1, 1);
        })
    );
    for radix in [2, 4, 16] {
        println!(
            "sum 16 radix {radix:<2} l2 {:.3} ms",
            min_time(|| {
                let _ = eval.sum_strided(&ct2, 1, 16, radix);
            })
        );
    }
    println!(
        "sum 16 doubling l2 {:.3} ms",
        min_time(|| {
            let _ = eval.sum_within_blocks(&ct2, 16);
        })
    );
    println!(
        "mul_relin l2      {:.3} ms",
        min_time(|| {
            let _ = eval.mul_relin(&ct2, &ct2);
        })
    );
    println!(
        "mul l2 (no relin) {:.3} ms",
        min_time(|| {
            let _ = eval.mul(&ct2, &ct2);
        })
    );
    println!(
        "mul_relin l1      {:.3} ms",
        min_time(|| {
            let _ = eval.mul_relin(&ct1, &ct1);
        })
    );
    let sq = eval.mul_relin(&ct2, &ct2)?;
    println!(
        "rescale l2        {:.3} ms",
        min_time(|| {
            let _ = eval.rescale(&sq);
        })
    );
    println!(
        "mul_const l2      {:.3} ms",
        min_time(|| {
            let _ = eval.mul_const(&ct2, 0.3, 1e12);
        })
    );
    println!(
        "add l2            {:.3} ms",
        min_time(|| {
            let _ = eval.add(&ct2, &ct2);
        })
    );
    println!(
        "clone l3          {:.3} ms",
        min_time(|| {
            let _ = ct3.clone();
        })
    );
    println!(
        "poly3 exact l2    {:.3} ms",
        min_time(|| {
            let _ = ckks_ml::infer::poly::eval_poly_at_scale(
                &eval,
                &ct2,
                &[0.5, 0.2, 0.0, -0.05],
                ctx.default_scale(),
            );
        })
    );
    println!(
        "poly3 fast l2     {:.3} ms",
        min_time(|| {
            let _ = ckks_ml::infer::poly::eval_poly(&eval, &ct2, &[0.5, 1.1, 0.0, -0.6]);
        })
    );
    println!(
        "encode 16 slots   {:.3} ms",
        min_time(|| {
            let _ = enc.encode(&x, 3, ctx.default_scale());
        })
    );
    Ok(())
}
