//! Fuzzes the NTT: for any degree, prime size, path and input, every path agrees with the
//! scalar reference and the inverse restores the input.
#![no_main]

use ckks::math::ntt_primes;
use ckks::ntt::{NttPath, NttTable};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [log_n, bits, rest @ ..] = data else { return };
    let log_n = 1 + u32::from(*log_n) % 12;
    let n = 1usize << log_n;
    let bits = 20 + u32::from(*bits) % 42;
    let Ok(primes) = ntt_primes(bits, n, 1) else { return };
    let q = primes[0];
    let input: Vec<u64> = (0..n)
        .map(|i| {
            let mut w = [0u8; 8];
            for (j, b) in w.iter_mut().enumerate() {
                *b = rest.get((8 * i + j) % rest.len().max(1)).copied().unwrap_or(0);
            }
            u64::from_le_bytes(w) % q
        })
        .collect();
    let Ok(reference) = NttTable::with_path(n, q, NttPath::Scalar) else { return };
    let mut expected = input.clone();
    reference.forward(&mut expected);
    for path in NttPath::available(bits) {
        let Ok(t) = NttTable::with_path(n, q, path) else { continue };
        let mut a = input.clone();
        t.forward(&mut a);
        assert_eq!(a, expected, "path {path}");
        t.inverse(&mut a);
        assert_eq!(a, input, "path {path}");
    }
});
