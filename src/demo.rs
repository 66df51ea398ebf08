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
    scheme()?;
    println!(
        "\nFull benchmarks: cargo run --release -- bench ntt --json, bench ops --params ref-a --json"
    );
    Ok(())
}

/// The scheme end to end: a client encrypts, a server with evaluation keys only computes
/// `x * y + x` and a rotation, the client decrypts; precision against f64.
fn scheme() -> Result<(), Box<dyn std::error::Error>> {
    use ckks::params::Preset;
    use ckks::precision::PrecisionStats;
    use ckks::{
        Context, Decryptor, Encoder, Encryptor, EvaluationKeys, Evaluator, PublicKey, SecretKey,
    };
    use std::time::Instant;

    println!(
        "\nCKKS end to end (ref-a: N = 2^13, q = [60, 40, 40], p = [60], scale 2^40, 128-bit):"
    );
    let ctx = Context::new(Preset::RefA.literal().build()?)?;
    let mut rng = sampling::os_seeded_rng()?;
    let t = Instant::now();
    let sk = SecretKey::generate(&ctx, &mut rng)?;
    let pk = PublicKey::generate(&sk, &mut rng)?;
    let evk = EvaluationKeys::builder(&sk)
        .relinearization()
        .rotations(&[1])
        .build(&mut rng)?;
    println!(
        "  client: keys generated in {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
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
    let eval = Evaluator::new(&ctx, evk)?;
    let server = || -> Result<ckks::Ciphertext, ckks::Error> {
        let xy = eval.rescale(&eval.mul_relin(&ct_x, &ct_y)?)?;
        let sum = eval.add(&xy, &eval.match_scale(&ct_x, xy.scale())?)?;
        eval.rotate(&sum, 1)
    };
    server()?; // the first call also sets up buffers: time the second
    let t = Instant::now();
    let rotated = server()?;
    println!(
        "  server: x * y + x, then a rotation, in {:.2} ms (no secret key)",
        t.elapsed().as_secs_f64() * 1e3
    );
    let got = enc.decode(&Decryptor::new(&sk).decrypt(&rotated)?)?;
    let expected: Vec<f64> = (0..slots)
        .map(|i| {
            let j = (i + 1) % slots;
            x[j] * y[j] + x[j]
        })
        .collect();
    let stats = PrecisionStats::real(&expected, &got);
    println!("  client: decrypted {slots} slots, {stats}");
    if stats.min_bits < 20.0 {
        return Err(format!("CKKS self-check failed: {stats}").into());
    }
    Ok(())
}
