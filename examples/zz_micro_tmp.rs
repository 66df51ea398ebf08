#![allow(clippy::unwrap_used)]
use ckks::params::Preset;
use ckks::precision::PrecisionStats;
use ckks::*;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
fn main() -> Result<(), Error> {
    let ctx = Context::new(Preset::RefA.literal().build()?)?;
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let sk = SecretKey::generate(&ctx, &mut rng)?;
    let pk = PublicKey::generate(&sk, &mut rng)?;
    let evk = EvaluationKeys::builder(&sk)
        .relinearization()
        .rotations(&[1])
        .build(&mut rng)?;
    let eval = Evaluator::new(&ctx, evk)?;
    let enc = Encoder::new(&ctx);
    let slots = ctx.params().max_slots();
    let x: Vec<f64> = (0..slots)
        .map(|i| ((i * 37) % 200) as f64 / 100.0 - 1.0)
        .collect();
    let y: Vec<f64> = (0..slots)
        .map(|i| ((i * 91) % 200) as f64 / 100.0 - 1.0)
        .collect();
    let (level, scale) = (ctx.max_level(), ctx.default_scale());
    let ct_x = Encryptor::new(&pk).encrypt(&enc.encode(&x, level, scale)?, &mut rng)?;
    let ct_y = Encryptor::new(&pk).encrypt(&enc.encode(&y, level, scale)?, &mut rng)?;
    let dec = |c: &Ciphertext| {
        enc.decode(&Decryptor::new(&sk).decrypt(c).unwrap())
            .unwrap()
    };
    println!("x: {}", PrecisionStats::real(&x, &dec(&ct_x)));
    let xy = eval.rescale(&eval.mul_relin(&ct_x, &ct_y)?)?;
    let e: Vec<f64> = x.iter().zip(&y).map(|(a, b)| a * b).collect();
    println!("xy: {}", PrecisionStats::real(&e, &dec(&xy)));
    let m = eval.match_scale(&ct_x, xy.scale())?;
    println!("matched x: {}", PrecisionStats::real(&x, &dec(&m)));
    let m2 = eval.rescale(&eval.mul_const(&ct_x, 1.0, 2f64.powi(40))?)?;
    println!("x*1 rescaled: {}", PrecisionStats::real(&x, &dec(&m2)));
    let m3 = eval.rescale(&eval.mul_const(&ct_x, 0.5, 2f64.powi(40))?)?;
    println!(
        "x*0.5 rescaled: {}",
        PrecisionStats::real(&x.iter().map(|v| v * 0.5).collect::<Vec<_>>(), &dec(&m3))
    );
    let rot = |v: &[f64]| -> Vec<f64> { (0..v.len()).map(|i| v[(i + 1) % v.len()]).collect() };
    println!(
        "rot x (L2): {}",
        PrecisionStats::real(&rot(&x), &dec(&eval.rotate(&ct_x, 1)?))
    );
    println!(
        "rot xy (L1): {}",
        PrecisionStats::real(&rot(&e), &dec(&eval.rotate(&xy, 1)?))
    );
    let xd = eval.drop_to_level(&ct_x, 1)?;
    println!(
        "rot x dropped (L1): {}",
        PrecisionStats::real(&rot(&x), &dec(&eval.rotate(&xd, 1)?))
    );
    let xd0 = eval.drop_to_level(&ct_x, 0)?;
    println!(
        "rot x dropped (L0): {}",
        PrecisionStats::real(&rot(&x), &dec(&eval.rotate(&xd0, 1)?))
    );
    let got = dec(&eval.rotate(&ct_x, 1)?);
    let ex = rot(&x);
    let mut errs: Vec<(f64, usize)> = got
        .iter()
        .zip(&ex)
        .enumerate()
        .map(|(i, (g, e))| ((g - e).abs(), i))
        .collect();
    errs.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
    for (e, i) in &errs[..8] {
        println!("slot {i}: err {e:.3e} got {} expected {}", got[*i], ex[*i]);
    }
    for seed in 0..3u8 {
        let mut r2 = ChaCha20Rng::from_seed([seed + 10; 32]);
        let evk = EvaluationKeys::builder(&sk)
            .rotations(&[1, -1])
            .build(&mut r2)?;
        let ev2 = Evaluator::new(&ctx, evk)?;
        let mut xx = x.clone();
        xx[0] = 0.25;
        let c =
            Encryptor::with_secret_key(&sk).encrypt(&enc.encode(&xx, level, scale)?, &mut r2)?;
        for step in [1i64, -1] {
            let got = dec(&ev2.rotate(&c, step)?);
            let ex: Vec<f64> = (0..slots)
                .map(|i| xx[(i as i64 + step).rem_euclid(slots as i64) as usize])
                .collect();
            let mut errs: Vec<(f64, usize)> = got
                .iter()
                .zip(&ex)
                .enumerate()
                .map(|(i, (g, e))| ((g - e).abs(), i))
                .collect();
            errs.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
            println!("seed {seed} step {step}: worst {:?}", &errs[..3]);
        }
    }
    Ok(())
}
