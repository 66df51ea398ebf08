#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
use ckks::params::Preset;
use ckks::*;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
fn main() -> Result<(), Error> {
    let p = std::env::args().nth(1).unwrap_or("ref-b".into());
    let ctx = Context::new(Preset::from_name(&p).unwrap().literal().build()?)?;
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let sk = SecretKey::generate(&ctx, &mut rng)?;
    let steps: Vec<i64> = (1..=8).collect();
    let evk = EvaluationKeys::builder(&sk)
        .relinearization()
        .rotations(&steps)
        .build(&mut rng)?;
    let eval = Evaluator::new(&ctx, evk)?;
    let enc = Encoder::new(&ctx);
    let ct = Encryptor::with_secret_key(&sk).encrypt(
        &enc.encode(&[0.5; 16], ctx.max_level(), ctx.default_scale())?,
        &mut rng,
    )?;
    for _ in 0..2 {
        eval.rotate_many(&ct, &steps)?;
    }
    let reps: usize = std::env::var("REPS")
        .map(|v| v.parse().unwrap())
        .unwrap_or(10);
    let t = std::time::Instant::now();
    for _ in 0..reps {
        std::hint::black_box(eval.rotate_many(&ct, &steps)?);
    }
    let many = t.elapsed().as_secs_f64() * 1e3 / reps as f64;
    if std::env::var("ONLYMANY").is_ok() {
        return Ok(());
    }
    let t = std::time::Instant::now();
    for _ in 0..reps {
        for &s in &steps {
            std::hint::black_box(eval.rotate(&ct, s)?);
        }
    }
    let seq = t.elapsed().as_secs_f64() * 1e3 / reps as f64;
    eprintln!(
        "many {many:.2} ms, sequential {seq:.2} ms, ratio {:.3}",
        many / seq
    );
    Ok(())
}
