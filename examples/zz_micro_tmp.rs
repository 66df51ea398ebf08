#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
use ckks::params::Preset;
use ckks::*;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
fn main() -> Result<(), Error> {
    let ctx = Context::new(Preset::RefB.literal().build()?)?;
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let sk = SecretKey::generate(&ctx, &mut rng)?;
    let evk = EvaluationKeys::builder(&sk)
        .relinearization()
        .rotations(&[1])
        .build(&mut rng)?;
    let eval = Evaluator::new(&ctx, evk)?;
    let enc = Encoder::new(&ctx);
    let ct = Encryptor::with_secret_key(&sk).encrypt(
        &enc.encode(&[0.5; 16], ctx.max_level(), ctx.default_scale())?,
        &mut rng,
    )?;
    let mut res = vec![];
    for (name, f) in [("mul_relin", 0), ("rotate", 1)] {
        let run = || -> Result<(), Error> {
            if f == 0 {
                eval.mul_relin(&ct, &ct)?;
            } else {
                eval.rotate(&ct, 1)?;
            }
            Ok(())
        };
        for _ in 0..3 {
            run()?;
        }
        let mut best = f64::MAX;
        let mut all = vec![];
        for _ in 0..30 {
            let t = std::time::Instant::now();
            run()?;
            let e = t.elapsed().as_secs_f64() * 1e3;
            best = best.min(e);
            all.push(e);
        }
        all.sort_by(|a, b| a.partial_cmp(b).unwrap());
        res.push(format!("{name}: median {:.2} ms min {:.2}", all[15], best));
    }
    eprintln!(
        "threads {}: {}",
        rayon::current_num_threads(),
        res.join(", ")
    );
    Ok(())
}
