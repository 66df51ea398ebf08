//! `ckks demo`: what the library can do today, with self-checks.

use ckks::math::{Modulus, ntt_primes, sampling};
use ckks::ntt::{NttPath, NttTable, reference};

use crate::bench::timing::{Budget, measure};

/// Runs the demo: checks every NTT path against the naive reference, then times the transform.
pub(crate) fn run() -> Result<(), Box<dyn std::error::Error>> {
    println!("ckks-rs demo: foundation layer (modular arithmetic, NTT)");
    let mut rng = sampling::os_seeded_rng()?;

    // 1. Self-check: every available path against the quadratic-time definition.
    let n = 1 << 10;
    for bits in [60u32, 50] {
        let q = ntt_primes(bits, n, 1)?[0];
        let mut input = vec![0u64; n];
        sampling::sample_uniform(&mut rng, &Modulus::new(q)?, &mut input);
        for path in NttPath::available(bits) {
            let table = NttTable::with_path(n, q, path)?;
            let mut a = input.clone();
            table.forward(&mut a);
            if a != reference::forward_naive(&table, &input) {
                return Err(format!("NTT self-check failed: path {path}, {bits}-bit prime").into());
            }
            table.inverse(&mut a);
            if a != input {
                return Err(format!("inverse NTT self-check failed: path {path}").into());
            }
            println!(
                "  self-check  N = 2^10, {bits}-bit prime {q}, path {path:<10} ok (forward = naive evaluation, inverse restores input)"
            );
        }
    }

    // 2. A short benchmark on the path the dispatcher picks.
    println!("\n  forward / inverse NTT, one prime, single thread (medians):");
    let budget = Budget {
        min_runs: 11,
        min_time: std::time::Duration::from_millis(100),
        max_runs: 1001,
    };
    for log_n in [12u32, 14, 16] {
        let n = 1 << log_n;
        for bits in [60u32, 50] {
            let q = ntt_primes(bits, n, 1)?[0];
            let table = NttTable::new(n, q)?;
            let mut a = vec![0u64; n];
            sampling::sample_uniform(&mut rng, table.modulus(), &mut a);
            let fwd = measure(budget, || table.forward(&mut a));
            let inv = measure(budget, || table.inverse(&mut a));
            println!(
                "  N = 2^{log_n:<2} {bits} bits  path {:<10}  forward {:>8.1} us  inverse {:>8.1} us",
                table.path().name(),
                fwd.median_ns as f64 / 1e3,
                inv.median_ns as f64 / 1e3
            );
        }
    }
    println!("\nFull benchmarks: cargo run --release -- bench ntt --json");
    Ok(())
}
