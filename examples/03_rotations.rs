//! # 03: rotations
//!
//! Slots rotate with Galois automorphisms, each needing its own key. Generate exactly the keys
//! you need; `rotate_composed` builds other steps from power-of-two keys. Rotate-and-add in
//! log2(slots) steps sums a vector.
//!
//! Run with `cargo run --release --example 03_rotations`.

use ckks::math::sampling::os_seeded_rng;
use ckks::params::Preset;
use ckks::{
    Complex64, Context, Decryptor, Encoder, Encryptor, Error, EvaluationKeys, Evaluator, SecretKey,
};

fn main() -> Result<(), Error> {
    let ctx = Context::new(Preset::RefA.literal().build()?)?;
    let mut rng = os_seeded_rng()?;
    let sk = SecretKey::generate(&ctx, &mut rng)?;
    // Keys for +-2^i and conjugation (SEAL's default set), plus a direct key for step 3.
    let evk = EvaluationKeys::builder(&sk)
        .power_of_two_rotations()
        .rotations(&[3])
        .build(&mut rng)?;
    println!("{} Galois keys", evk.galois_keys().len());
    let eval = Evaluator::new(&ctx, evk)?;
    let encoder = Encoder::new(&ctx);
    let slots = ctx.params().max_slots();
    let x: Vec<f64> = (0..slots).map(|i| (i % 100) as f64 / 100.0).collect();
    let ct = Encryptor::with_secret_key(&sk).encrypt(
        &encoder.encode(&x, ctx.max_level(), ctx.default_scale())?,
        &mut rng,
    )?;
    let dec = Decryptor::new(&sk);
    let decode =
        |c: &ckks::Ciphertext| -> Result<Vec<f64>, Error> { encoder.decode(&dec.decrypt(c)?) };

    // Left by 3 with its own key; right by 5 (= left by -5), composed as -4 - 1.
    let r3 = decode(&eval.rotate(&ct, 3)?)?;
    assert!((r3[0] - x[3]).abs() < 1e-6 && (r3[slots - 1] - x[2]).abs() < 1e-6);
    println!("rotate 3: slot 0 = {:.6} (x[3] = {:.6})", r3[0], x[3]);
    let r5 = decode(&eval.rotate_composed(&ct, -5)?)?;
    assert!((r5[5] - x[0]).abs() < 1e-6);
    println!(
        "rotate -5 (composed): slot 5 = {:.6} (x[0] = {:.6})",
        r5[5], x[0]
    );
    // A missing key is an error that names it.
    if let Err(e) = eval.rotate(&ct, 7) {
        println!("as expected: {e}");
    }

    // Sum of all slots by rotate-and-add: log2(slots) rotations.
    let mut acc = ct.clone();
    let mut step = 1;
    while step < slots {
        let r = eval.rotate(&acc, step as i64)?;
        eval.add_assign(&mut acc, &r)?;
        step *= 2;
    }
    let total: f64 = x.iter().sum();
    let got = decode(&acc)?;
    println!("sum of {slots} slots: {:.6} (expected {total:.6})", got[0]);
    assert!((got[0] - total).abs() < 1e-4 && (got[slots / 2] - total).abs() < 1e-4);

    // Conjugation on complex slots.
    let z: Vec<Complex64> = (0..4).map(|i| Complex64::new(i as f64, 1.0)).collect();
    let cz = Encryptor::with_secret_key(&sk).encrypt(
        &encoder.encode_complex(&z, ctx.max_level(), ctx.default_scale())?,
        &mut rng,
    )?;
    let conj = encoder.decode_complex(&dec.decrypt(&eval.conjugate(&cz)?)?)?;
    println!("conjugate of {} = {}", z[1], conj[1]);
    assert!((conj[1] - z[1].conj()).norm() < 1e-6);
    Ok(())
}
