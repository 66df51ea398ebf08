//! # 01: the basics
//!
//! A client encrypts a vector, a server that holds only evaluation keys computes on it, and the
//! client decrypts the result.
//!
//! Run with `cargo run --release --example 01_basics`.

use ckks::math::sampling::os_seeded_rng;
use ckks::params::Preset;
use ckks::precision::PrecisionStats;
use ckks::{
    Context, Decryptor, Encoder, Encryptor, EvaluationKeys, Evaluator, PublicKey, SecretKey,
};

fn main() -> Result<(), ckks::Error> {
    // Parameters: N = 2^13 (4096 slots), a chain of 3 primes, 128-bit secure (checked).
    let params = Preset::RefA.literal().build()?;
    let ctx = Context::new(params)?;
    println!("parameters: {ctx:?}");

    // --- Client: keys. The secret key never leaves the client. ---
    let mut rng = os_seeded_rng()?;
    let sk = SecretKey::generate(&ctx, &mut rng)?;
    let pk = PublicKey::generate(&sk, &mut rng)?;
    let evk = EvaluationKeys::builder(&sk)
        .relinearization()
        .build(&mut rng)?;

    // --- Client: encode and encrypt two vectors. ---
    let encoder = Encoder::new(&ctx);
    let x: Vec<f64> = (0..8).map(|i| i as f64 / 8.0).collect();
    let y: Vec<f64> = (0..8).map(|i| 1.0 - i as f64 / 16.0).collect();
    let level = ctx.max_level();
    let scale = ctx.default_scale();
    let ct_x = Encryptor::new(&pk).encrypt(&encoder.encode(&x, level, scale)?, &mut rng)?;
    let ct_y = Encryptor::new(&pk).encrypt(&encoder.encode(&y, level, scale)?, &mut rng)?;

    // --- Server: evaluation keys only. Computes x * y + x. ---
    let eval = Evaluator::new(&ctx, evk)?;
    let product = eval.rescale(&eval.mul_relin(&ct_x, &ct_y)?)?;
    // The product's scale is Delta^2 / q_2, about 2^-23 away from x's Delta: adding them as they
    // are would cost precision. match_scale brings x to exactly the product's scale (one level).
    let x_matched = eval.match_scale(&ct_x, product.scale())?;
    let result = eval.add(&product, &x_matched)?;
    println!(
        "server result: level {}, scale 2^{:.6} (tracked exactly)",
        result.level(),
        result.scale().log2()
    );

    // --- Client: decrypt and decode. ---
    let got = encoder.decode(&Decryptor::new(&sk).decrypt(&result)?)?;
    let expected: Vec<f64> = x.iter().zip(&y).map(|(a, b)| a * b + a).collect();
    for i in 0..4 {
        println!("  slot {i}: {:.10} (expected {:.10})", got[i], expected[i]);
    }
    let stats = PrecisionStats::real(&expected, &got);
    println!("precision: {stats}");
    assert!(stats.min_bits > 27.0, "precision too low: {stats}");
    Ok(())
}
