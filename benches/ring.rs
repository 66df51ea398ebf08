//! Criterion benchmarks of `ckks::ring`: ids `ring/logN=<13|14>/limbs=3/<op>` for
//! `add`, `mul`, `mul_add`, `to_ntt`, `to_coeff`, `automorphism` (NTT form), `basis_extension`
//! (3 limbs -> 1 limb), `rescale` (NTT form, 3 -> 2 limbs) and `mod_down` (NTT form, Q with 3
//! limbs and P with 1 limb). Q = 60 + 40 + 40 bits, P = 60 bits (SEAL's primes).
//!
//! Needs `[[bench]] name = "ring", harness = false` in the root Cargo.toml.
#![expect(
    clippy::unwrap_used,
    reason = "benchmark set-up: a failure should abort the run"
)]

use std::hint::black_box;

use ckks::math::prime_chain;
use ckks::ring::{AutomorphismIndex, BasisConverter, ModDown, Representation, RnsBasis, RnsPoly};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

fn ring(c: &mut Criterion) {
    let mut group = c.benchmark_group("ring");
    for log_n in [13u32, 14] {
        let n = 1usize << log_n;
        let primes = prime_chain(&[60, 40, 40, 60], n).unwrap();
        let q = RnsBasis::new(n, &primes[..3]).unwrap();
        let p = RnsBasis::new(n, &primes[3..]).unwrap();
        let limbs = q.len();
        let id = |op: &str| format!("logN={log_n}/limbs={limbs}/{op}");
        let a = RnsPoly::from_seed(&q, limbs, Representation::Ntt, &[1; 32]).unwrap();
        let b = RnsPoly::from_seed(&q, limbs, Representation::Ntt, &[2; 32]).unwrap();

        group.bench_function(id("add"), |bench| {
            bench.iter_batched_ref(
                || a.clone(),
                |x| x.add_assign(black_box(&b)).unwrap(),
                BatchSize::SmallInput,
            )
        });
        group.bench_function(id("mul"), |bench| {
            bench.iter_batched_ref(
                || a.clone(),
                |x| x.mul_assign(black_box(&b)).unwrap(),
                BatchSize::SmallInput,
            )
        });
        group.bench_function(id("mul_add"), |bench| {
            bench.iter_batched_ref(
                || a.clone(),
                |x| x.mul_add_assign(black_box(&a), black_box(&b)).unwrap(),
                BatchSize::SmallInput,
            )
        });
        let coeff = RnsPoly::from_seed(&q, limbs, Representation::Coefficient, &[3; 32]).unwrap();
        group.bench_function(id("to_ntt"), |bench| {
            bench.iter_batched_ref(|| coeff.clone(), |x| x.to_ntt(), BatchSize::SmallInput)
        });
        group.bench_function(id("to_coeff"), |bench| {
            bench.iter_batched_ref(|| a.clone(), |x| x.to_coeff(), BatchSize::SmallInput)
        });

        let index = AutomorphismIndex::new(n, 5).unwrap();
        let mut out = RnsPoly::zero(&q, limbs, Representation::Ntt).unwrap();
        group.bench_function(id("automorphism"), |bench| {
            bench.iter(|| a.automorphism_into(black_box(&index), &mut out).unwrap())
        });

        let converter = BasisConverter::new(q.moduli(), p.moduli()).unwrap();
        let mut extended = vec![0u64; n];
        group.bench_function(id("basis_extension"), |bench| {
            bench.iter(|| {
                converter
                    .convert(black_box(coeff.coeffs()), &mut extended, n)
                    .unwrap()
            })
        });

        group.bench_function(id("rescale"), |bench| {
            bench.iter_batched_ref(
                || a.clone(),
                |x| x.divide_round_by_last_assign().unwrap(),
                BatchSize::SmallInput,
            )
        });

        let md = ModDown::new(&q, &p).unwrap();
        let x_p = RnsPoly::from_seed(&p, 1, Representation::Ntt, &[4; 32]).unwrap();
        group.bench_function(id("mod_down"), |bench| {
            bench.iter_batched_ref(
                || a.clone(),
                |x| md.apply(x, black_box(&x_p)).unwrap(),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, ring);
criterion_main!(benches);
