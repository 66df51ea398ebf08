//! # 02: levels and rescaling
//!
//! Every multiplication multiplies the scales; `rescale` divides by the last prime of the chain
//! and drops one level. The scale is tracked exactly: rescaling divides it by the actual prime,
//! not by a nominal 2^40, so results stay correct even when primes are far from the scale.
//! At level 0 the chain ends and the evaluator says so.
//!
//! Run with `cargo run --release --example 02_levels_and_rescale`.

use ckks::math::sampling::os_seeded_rng;
use ckks::params::Preset;
use ckks::precision::PrecisionStats;
use ckks::{Context, Decryptor, Encoder, Encryptor, Error, EvaluationKeys, Evaluator, SecretKey};

fn main() -> Result<(), Error> {
    // N = 2^14 with 7 ciphertext primes: depth 6.
    let ctx = Context::new(Preset::RefB.literal().build()?)?;
    let mut rng = os_seeded_rng()?;
    let sk = SecretKey::generate(&ctx, &mut rng)?;
    let eval = Evaluator::new(
        &ctx,
        EvaluationKeys::builder(&sk)
            .relinearization()
            .build(&mut rng)?,
    )?;
    let encoder = Encoder::new(&ctx);
    let x: Vec<f64> = (0..16).map(|i| 0.5 + i as f64 / 40.0).collect();

    // Secret-key encryption: the key owner can use it; the ciphertext's c1 is a 32-byte seed.
    let pt = encoder.encode(&x, ctx.max_level(), ctx.default_scale())?;
    let mut ct = Encryptor::with_secret_key(&sk).encrypt(&pt, &mut rng)?;
    let mut expected = x.clone();
    println!("level {} scale 2^{:.6}", ct.level(), ct.scale().log2());

    // Square six times: x^64. Each step: multiply (scale^2), relinearize, rescale (/ q_level).
    for step in 1..=6 {
        let q = ctx.q_at(ct.level());
        ct = eval.rescale(&eval.mul_relin(&ct, &ct)?)?;
        expected.iter_mut().for_each(|v| *v *= *v);
        println!(
            "after squaring {step}: level {}, scale 2^{:.6} (divided by q = {q})",
            ct.level(),
            ct.scale().log2()
        );
    }
    let got = encoder.decode(&Decryptor::new(&sk).decrypt(&ct)?)?;
    let stats = PrecisionStats::real(&expected, &got);
    println!("x^64: {stats}");
    assert!(stats.mean_bits > 20.0, "{stats}");

    // The end of the chain: one more rescale is an error that says what to do.
    let end = eval.rescale(&ct);
    assert!(matches!(end, Err(Error::EndOfModulusChain { .. })));
    if let Err(e) = end {
        println!("as expected: {e}");
    }

    // Dropping levels without rescaling: the values and the scale are unchanged.
    let fresh = Encryptor::with_secret_key(&sk).encrypt(&pt, &mut rng)?;
    let low = eval.drop_to_level(&fresh, 2)?;
    let got = encoder.decode(&Decryptor::new(&sk).decrypt(&low)?)?;
    let stats = PrecisionStats::real(&x, &got);
    println!("dropped to level 2: {stats}");
    assert!(stats.mean_bits > 25.0);
    Ok(())
}
