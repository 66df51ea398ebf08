//! `ckks bench ntt`: forward and inverse NTT of one limb on the path the run-time dispatch picks.

use std::ops::RangeInclusive;

use ckks::math::{Modulus, ntt_primes, sampling::sample_uniform};
use ckks::ntt::NttTable;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use serde_json::json;

use super::Record;
use super::timing::{Budget, measure};

/// Measures `fwd` and `inv` for every `log_n` in `log_ns` and every prime size in `bits`.
pub(crate) fn run(
    log_ns: RangeInclusive<u32>,
    bits: &[u32],
    threads: usize,
) -> Result<Vec<Record>, ckks::Error> {
    let mut out = Vec::new();
    for log_n in log_ns {
        let n = 1usize << log_n;
        for &b in bits {
            let q = ntt_primes(b, n, 1)?[0];
            let table = NttTable::new(n, q)?;
            let mut a = vec![0u64; n];
            sample_uniform(
                &mut ChaCha20Rng::from_seed([1; 32]),
                &Modulus::new(q)?,
                &mut a,
            );
            let fwd = measure(Budget::default(), || table.forward(&mut a));
            // The forward output is in [0, q): a valid inverse input.
            let inv = measure(Budget::default(), || table.inverse(&mut a));
            for (op, t) in [("fwd", fwd), ("inv", inv)] {
                let v = json!({
                    "group": "ntt", "op": op, "log_n": log_n, "bits": b,
                    "path": table.path().name(), "threads": threads,
                    "median_ns": t.median_ns, "runs": t.runs,
                });
                if let serde_json::Value::Object(m) = v {
                    out.push(Record(m));
                }
            }
        }
    }
    Ok(out)
}
