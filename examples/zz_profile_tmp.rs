#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
use ckks::params::Preset;
use ckks::*;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
fn main() -> Result<(), Error> {
    let p = std::env::args().nth(1).unwrap_or("ref-a".into());
    let op = std::env::args().nth(2).unwrap_or("relin".into());
    let ctx = Context::new(Preset::from_name(&p).unwrap().literal().build()?)?;
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let sk = SecretKey::generate(&ctx, &mut rng)?;
    let evk = EvaluationKeys::builder(&sk)
        .relinearization()
        .rotations(&[1])
        .build(&mut rng)?;
    let eval = Evaluator::new(&ctx, evk)?;
    let enc = Encoder::new(&ctx);
    let x = vec![0.5; 16];
    let ct = Encryptor::with_secret_key(&sk).encrypt(
        &enc.encode(&x, ctx.max_level(), ctx.default_scale())?,
        &mut rng,
    )?;
    let d2 = eval.mul(&ct, &ct)?;
    let prod = eval.relinearize(&d2)?;
    let t = std::time::Instant::now();
    for _ in 0..1000 {
        match op.as_str() {
            "relin" => {
                std::hint::black_box(eval.relinearize(&d2)?);
            }
            "rescale" => {
                std::hint::black_box(eval.rescale(&prod)?);
            }
            _ => {
                std::hint::black_box(eval.rotate(&ct, 1)?);
            }
        }
    }
    eprintln!("{op}: {:.1} us", t.elapsed().as_secs_f64() * 1e3);
    Ok(())
}
