//! Criterion benchmarks of every CKKS primitive at the reference sets, with sealbench-like ids:
//! `logN=13/L=3/mul_relin`. (`L` counts the ciphertext primes of a fresh ciphertext.)
#![expect(
    clippy::unwrap_used,
    reason = "benchmark set-up: a failure should abort the run"
)]

use ckks::keys::power_of_two_elements;
use ckks::params::Preset;
use ckks::{
    Context, Decryptor, Encoder, Encryptor, EvaluationKeys, Evaluator, GaloisKeys, PublicKey,
    RelinearizationKey, SecretKey,
};
use criterion::{Criterion, criterion_group, criterion_main};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn ops(c: &mut Criterion) {
    for preset in [Preset::RefA, Preset::RefB] {
        let ctx = Context::new(preset.literal().build().unwrap()).unwrap();
        let mut rng = ChaCha20Rng::from_seed([7; 32]);
        let sk = SecretKey::generate(&ctx, &mut rng).unwrap();
        let pk = PublicKey::generate(&sk, &mut rng).unwrap();
        let evk = EvaluationKeys::builder(&sk)
            .relinearization()
            .rotations(&[1])
            .build(&mut rng)
            .unwrap();
        let eval = Evaluator::new(&ctx, evk).unwrap();
        let enc = Encoder::new(&ctx);
        let slots = ctx.params().max_slots();
        let x: Vec<f64> = (0..slots)
            .map(|i| (i as f64 / slots as f64) * 2.0 - 1.0)
            .collect();
        let (level, scale) = (ctx.max_level(), ctx.default_scale());
        let pt = enc.encode(&x, level, scale).unwrap();
        let ct = Encryptor::new(&pk).encrypt(&pt, &mut rng).unwrap();
        let product = eval.mul_relin(&ct, &ct).unwrap();
        let id = format!("logN={}/L={}", ctx.params().log_n(), level + 1);
        let mut g = c.benchmark_group(id);
        g.sample_size(20);
        g.bench_function("keygen_relin", |b| {
            b.iter(|| RelinearizationKey::generate(&sk, &mut rng).unwrap())
        });
        g.bench_function("encode", |b| {
            b.iter(|| enc.encode(&x, level, scale).unwrap())
        });
        g.bench_function("encode_encrypt_pk", |b| {
            b.iter(|| {
                Encryptor::new(&pk)
                    .encrypt(&enc.encode(&x, level, scale).unwrap(), &mut rng)
                    .unwrap()
            })
        });
        g.bench_function("encrypt_sk", |b| {
            b.iter(|| {
                Encryptor::with_secret_key(&sk)
                    .encrypt(&pt, &mut rng)
                    .unwrap()
            })
        });
        g.bench_function("decrypt_decode", |b| {
            b.iter(|| {
                enc.decode(&Decryptor::new(&sk).decrypt(&ct).unwrap())
                    .unwrap()
            })
        });
        g.bench_function("add", |b| b.iter(|| eval.add(&ct, &ct).unwrap()));
        g.bench_function("mul_pt", |b| b.iter(|| eval.mul_plain(&ct, &pt).unwrap()));
        g.bench_function("mul_relin", |b| {
            b.iter(|| eval.mul_relin(&ct, &ct).unwrap())
        });
        g.bench_function("rescale", |b| b.iter(|| eval.rescale(&product).unwrap()));
        g.bench_function("mul_relin_rescale", |b| {
            b.iter(|| eval.rescale(&eval.mul_relin(&ct, &ct).unwrap()).unwrap())
        });
        g.bench_function("rotate_1", |b| b.iter(|| eval.rotate(&ct, 1).unwrap()));
        g.sample_size(10);
        let elements = power_of_two_elements(ctx.n());
        g.bench_function("keygen_galois_pow2", |b| {
            b.iter(|| GaloisKeys::generate(&sk, &elements, &mut rng).unwrap())
        });
        g.finish();
    }
}

criterion_group!(benches, ops);
criterion_main!(benches);
