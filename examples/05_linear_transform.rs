//! # 05: linear transforms
//!
//! A dense layer `y = W x` on an encrypted vector: the server holds `W` in the clear, the
//! client holds `x`. The matrix is encoded once as rotated diagonals (a `LinearTransform`);
//! each product then costs one level, a few hoisted rotations (baby steps) and a few ordinary
//! ones (giant steps), and keeps the input's exact scale.
//!
//! The transform lists the rotation keys it needs before any key exists, so the client
//! generates exactly those. Rectangular matrices are padded to powers of two (wide ones are
//! folded with a rotate-and-sum); vectors larger than one ciphertext are split into blocks.
//!
//! Run with `cargo run --release --example 05_linear_transform`.

use ckks::circuits::{CircuitPlan, LinearTransform};
use ckks::math::sampling::os_seeded_rng;
use ckks::params::Preset;
use ckks::precision::PrecisionStats;
use ckks::{
    Ciphertext, Context, Decryptor, Encoder, Encryptor, Error, EvaluationKeys, Evaluator, SecretKey,
};

/// A deterministic test matrix with entries in [-1, 1].
fn matrix(rows: usize, cols: usize, seed: usize) -> Vec<Vec<f64>> {
    (0..rows)
        .map(|i| {
            (0..cols)
                .map(|j| (((i * 31 + j * 17 + seed * 7) % 97) as f64 / 48.0) - 1.0)
                .collect()
        })
        .collect()
}

fn product(m: &[Vec<f64>], x: &[f64]) -> Vec<f64> {
    m.iter()
        .map(|r| r.iter().zip(x).map(|(a, b)| a * b).sum())
        .collect()
}

fn main() -> Result<(), Error> {
    let ctx = Context::new(Preset::RefB.literal().build()?)?;
    let encoder = Encoder::new(&ctx);
    let level = ctx.max_level();
    println!("parameters: {ctx:?}");

    // --- Server side, before any key: encode the layers. ---
    // A 128 x 128 layer, and a 10 x 128 read-out (wide: 10 rows padded to 16, folded).
    let w1 = matrix(128, 128, 1);
    let w2 = matrix(10, 128, 2);
    let layer1 = LinearTransform::new(&encoder, &w1, level)?;
    let layer2 = LinearTransform::new(&encoder, &w2, level - 1)?;
    println!(
        "layer 1: {layer1:?}\n  {} rotation keys: {:?}",
        layer1.galois_steps().len(),
        layer1.galois_steps()
    );
    println!(
        "layer 2: {} diagonals, output in {} slots, keys {:?}",
        layer2.diagonals(),
        layer2.output_slots(),
        layer2.galois_steps()
    );

    // The plan of the whole circuit: its depth and the exact key set.
    let plan = CircuitPlan::new()
        .linear_transform(&layer1)
        .linear_transform(&layer2);
    println!(
        "circuit: depth {}, {} Galois keys, relinearization: {}",
        plan.depth(),
        plan.galois_elements(ctx.n()).len(),
        plan.needs_relinearization()
    );
    assert_eq!(plan.depth(), 2);

    // --- Client: keys for exactly that plan, and the encrypted input. ---
    let mut rng = os_seeded_rng()?;
    let sk = SecretKey::generate(&ctx, &mut rng)?;
    let evk = plan.keys(EvaluationKeys::builder(&sk)).build(&mut rng)?;
    let x: Vec<f64> = (0..128)
        .map(|i| ((i * 13) % 29) as f64 / 14.5 - 1.0)
        .collect();
    let ct = Encryptor::with_secret_key(&sk)
        .encrypt(&encoder.encode(&x, level, ctx.default_scale())?, &mut rng)?;

    // --- Server: two layers, one level each, scale unchanged. ---
    let eval = Evaluator::new(&ctx, evk)?;
    let start = std::time::Instant::now();
    let h = eval.linear_transform(&layer1, &ct)?;
    println!(
        "layer 1 in {:.1?}: level {} -> {}, scale 2^{:.6} -> 2^{:.6}",
        start.elapsed(),
        ct.level(),
        h.level(),
        ct.scale().log2(),
        h.scale().log2()
    );
    assert_eq!((h.level(), h.scale()), (level - 1, ct.scale()));
    let y = eval.linear_transform(&layer2, &h)?;
    assert_eq!(y.slots(), 16);

    // --- Client: decrypt and compare with the f64 products. ---
    let dec = Decryptor::new(&sk);
    let decode = |c: &Ciphertext| -> Result<Vec<f64>, Error> { encoder.decode(&dec.decrypt(c)?) };
    let h_want = product(&w1, &x);
    let s1 = PrecisionStats::real(&h_want, &decode(&h)?);
    let y_want = product(&w2, &h_want);
    let y_got = decode(&y)?;
    let s2 = PrecisionStats::real(&y_want, &y_got[..10]);
    println!("layer 1 precision: {s1}");
    println!("layer 2 precision: {s2}");
    for i in 0..3 {
        println!("  y[{i}] = {:+.6} (expected {:+.6})", y_got[i], y_want[i]);
    }
    assert!(s1.mean_bits > 20.0, "layer 1: {s1}");
    assert!(s2.mean_bits > 15.0, "layer 2: {s2}");

    // A missing key is an error naming the step, before any work.
    let partial = EvaluationKeys::builder(&sk)
        .rotations(&layer1.galois_steps()[1..])
        .build(&mut rng)?;
    let result = Evaluator::new(&ctx, partial)?.linear_transform(&layer1, &ct);
    assert!(matches!(result, Err(Error::MissingGaloisKey { .. })));
    println!(
        "with a key missing: {}",
        result.err().map(|e| e.to_string()).unwrap_or_default()
    );
    Ok(())
}
