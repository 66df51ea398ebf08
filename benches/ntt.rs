//! Criterion benchmarks of the NTT: `ntt/logN=14/bits=60/fwd` on the dispatched path, and
//! `ntt_paths/logN=14/bits=60/fwd/<path>` for every path this CPU supports.
#![expect(
    clippy::unwrap_used,
    reason = "benchmark set-up: a failure should abort the run"
)]

use ckks::math::{Modulus, ntt_primes, sampling::sample_uniform};
use ckks::ntt::{NttPath, NttTable};
use criterion::{Criterion, criterion_group, criterion_main};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

fn input(n: usize, q: u64) -> Vec<u64> {
    let mut a = vec![0u64; n];
    sample_uniform(
        &mut ChaCha20Rng::from_seed([3; 32]),
        &Modulus::new(q).unwrap(),
        &mut a,
    );
    a
}

fn ntt(c: &mut Criterion) {
    let mut group = c.benchmark_group("ntt");
    for log_n in 12..=16u32 {
        let n = 1usize << log_n;
        for bits in [60u32, 50] {
            let q = ntt_primes(bits, n, 1).unwrap()[0];
            let table = NttTable::new(n, q).unwrap();
            let mut a = input(n, q);
            group.bench_function(format!("logN={log_n}/bits={bits}/fwd"), |b| {
                b.iter(|| table.forward(&mut a))
            });
            group.bench_function(format!("logN={log_n}/bits={bits}/inv"), |b| {
                b.iter(|| table.inverse(&mut a))
            });
        }
    }
    group.finish();
}

fn ntt_paths(c: &mut Criterion) {
    let mut group = c.benchmark_group("ntt_paths");
    for log_n in [13u32, 14, 16] {
        let n = 1usize << log_n;
        for bits in [60u32, 50] {
            let q = ntt_primes(bits, n, 1).unwrap()[0];
            for path in NttPath::available(bits) {
                let table = NttTable::with_path(n, q, path).unwrap();
                let mut a = input(n, q);
                group.bench_function(format!("logN={log_n}/bits={bits}/fwd/{path}"), |b| {
                    b.iter(|| table.forward(&mut a))
                });
                group.bench_function(format!("logN={log_n}/bits={bits}/inv/{path}"), |b| {
                    b.iter(|| table.inverse(&mut a))
                });
            }
        }
    }
    group.finish();
}

criterion_group!(benches, ntt, ntt_paths);
criterion_main!(benches);
