//! Primality, NTT-friendly prime generation and primitive roots of unity.

use super::modulus::{MAX_MODULUS_BITS, Modulus};
use crate::error::{Error, Result};

/// Deterministic Miller-Rabin test, exact for every `u64`.
///
/// The first twelve primes as witnesses are enough for all `n < 3.3 * 10^24`.
///
/// ```
/// use ckks::math::is_prime;
/// assert!(is_prime(1_152_921_504_606_584_833));
/// assert!(!is_prime(3_215_031_751)); // a strong pseudoprime to bases 2, 3, 5 and 7
/// ```
pub fn is_prime(n: u64) -> bool {
    const WITNESSES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    if n < 2 {
        return false;
    }
    for p in WITNESSES {
        if n.is_multiple_of(p) {
            return n == p;
        }
    }
    let d = (n - 1) >> (n - 1).trailing_zeros();
    let s = (n - 1).trailing_zeros();
    let mul = |a: u64, b: u64| ((a as u128 * b as u128) % n as u128) as u64;
    let pow = |mut base: u64, mut e: u64| {
        let mut acc = 1u64;
        while e > 0 {
            if e & 1 == 1 {
                acc = mul(acc, base);
            }
            base = mul(base, base);
            e >>= 1;
        }
        acc
    };
    'witness: for a in WITNESSES {
        let mut x = pow(a, d);
        if x == 1 || x == n - 1 {
            continue;
        }
        for _ in 1..s {
            x = mul(x, x);
            if x == n - 1 {
                continue 'witness;
            }
        }
        return false;
    }
    true
}

/// Checks that `n` is a power of two and returns its base-2 logarithm.
pub(crate) fn log2_exact(n: usize) -> Option<u32> {
    n.is_power_of_two().then(|| n.trailing_zeros())
}

/// The primes `q = 1 mod 2n` of exactly `bits` bits, largest first, `count` of them.
///
/// The search descends from the largest candidate below `2^bits` in steps of `2n`, as
/// Microsoft SEAL does, so the result is deterministic.
///
/// ```
/// use ckks::math::ntt_primes;
/// let p = ntt_primes(40, 8192, 2)?;
/// assert_eq!(p, vec![1_099_511_480_321, 1_099_510_890_497]);
/// # Ok::<(), ckks::Error>(())
/// ```
pub fn ntt_primes(bits: u32, n: usize, count: usize) -> Result<Vec<u64>> {
    let two_n = 2 * n as u64;
    let min_bits = two_n.ilog2() + 2;
    if log2_exact(n).is_none() || n < 2 {
        return Err(Error::InvalidDegree {
            n,
            min_log: 1,
            max_log: 17,
        });
    }
    if !(min_bits..=MAX_MODULUS_BITS).contains(&bits) {
        return Err(Error::InvalidPrimeSize {
            bits,
            n,
            min_bits,
            max_bits: MAX_MODULUS_BITS,
        });
    }
    let lower = 1u64 << (bits - 1);
    let mut candidate = ((1u64 << bits) - 1) / two_n * two_n + 1;
    let mut out = Vec::with_capacity(count);
    while out.len() < count && candidate > lower {
        if is_prime(candidate) {
            out.push(candidate);
        }
        candidate -= two_n;
    }
    if out.len() < count {
        return Err(Error::NotEnoughPrimes {
            bits,
            n,
            wanted: count,
            found: out.len(),
        });
    }
    Ok(out)
}

/// A chain of distinct NTT-friendly primes with the given bit sizes, assigned as SEAL's
/// `CoeffModulus::Create` assigns them.
///
/// For each bit size the primes are generated largest first; each position in `bit_sizes`
/// then takes the smallest prime of its size not yet used. With the same sizes as SEAL this
/// returns SEAL's primes, so the reference parameter sets of the benchmarks match SEAL's.
///
/// ```
/// use ckks::math::prime_chain;
/// let q = prime_chain(&[60, 40, 40, 60], 8192)?;
/// assert_eq!(q, vec![1152921504606748673, 1099510890497, 1099511480321, 1152921504606830593]);
/// # Ok::<(), ckks::Error>(())
/// ```
pub fn prime_chain(bit_sizes: &[u32], n: usize) -> Result<Vec<u64>> {
    let mut pools: std::collections::BTreeMap<u32, Vec<u64>> = Default::default();
    for &bits in bit_sizes {
        if let std::collections::btree_map::Entry::Vacant(slot) = pools.entry(bits) {
            let count = bit_sizes.iter().filter(|&&b| b == bits).count();
            slot.insert(ntt_primes(bits, n, count)?);
        }
    }
    let mut out = Vec::with_capacity(bit_sizes.len());
    for bits in bit_sizes {
        // Every size in `bit_sizes` has a pool holding as many primes as it occurs.
        if let Some(prime) = pools.get_mut(bits).and_then(Vec::pop) {
            out.push(prime);
        }
    }
    Ok(out)
}

/// Whether `q` is a prime with `q = 1 mod 2n`, so that it supports a negacyclic NTT of size `n`.
pub fn is_ntt_friendly(q: u64, n: usize) -> bool {
    q % (2 * n as u64) == 1 && is_prime(q)
}

/// The minimal primitive `order`-th root of unity modulo the prime `q`, where `order` is a
/// power of two dividing `q - 1`.
///
/// "Minimal" is the smallest integer representative, which makes the choice canonical (SEAL
/// makes the same choice, so its NTT known answers apply).
///
/// ```
/// use ckks::math::{minimal_primitive_root, Modulus};
/// assert_eq!(minimal_primitive_root(8, &Modulus::new(1234565441)?)?, 249725733);
/// assert_eq!(minimal_primitive_root(4, &Modulus::new(29)?)?, 12);
/// # Ok::<(), ckks::Error>(())
/// ```
pub fn minimal_primitive_root(order: u64, q: &Modulus) -> Result<u64> {
    let qv = q.value();
    if !order.is_power_of_two() || order < 2 || !(qv - 1).is_multiple_of(order) || !is_prime(qv) {
        return Err(Error::NotNttFriendly {
            value: qv,
            n: (order / 2) as usize,
            two_n: order,
        });
    }
    // g is a primitive `order`-th root iff g^(order/2) = -1 (order is a power of two).
    let cofactor = (qv - 1) / order;
    let mut root = None;
    for x in 2..qv {
        let g = q.pow(x, cofactor);
        if q.pow(g, order / 2) == qv - 1 {
            root = Some(g);
            break;
        }
    }
    // A prime q with order | q - 1 always has a primitive root of that order, and half of all
    // residues yield one, so the search above ends after a few candidates.
    let Some(g) = root else {
        return Err(Error::NotNttFriendly {
            value: qv,
            n: (order / 2) as usize,
            two_n: order,
        });
    };
    // The primitive roots are exactly g^k for odd k.
    let g2 = q.mul(g, g);
    let mut current = g;
    let mut minimal = g;
    for _ in 0..order / 2 {
        minimal = minimal.min(current);
        current = q.mul(current, g2);
    }
    Ok(minimal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn miller_rabin_known_values() {
        let primes = [
            2u64,
            3,
            5,
            61,
            1_099_511_480_321,
            (1 << 61) - 1,
            u64::MAX - 58,
        ];
        let composites = [
            0u64,
            1,
            4,
            561,                       // Carmichael
            3_215_031_751,             // strong pseudoprime to 2, 3, 5, 7
            3_825_123_056_546_413_051, // strong pseudoprime to bases up to 23
            u64::MAX,
            (1 << 61) + 1,
        ];
        for p in primes {
            assert!(is_prime(p), "{p} is prime");
        }
        for c in composites {
            assert!(!is_prime(c), "{c} is composite");
        }
    }

    #[test]
    fn miller_rabin_matches_trial_division() {
        let trial = |n: u64| {
            n >= 2
                && (2..)
                    .take_while(|d| d * d <= n)
                    .all(|d| !n.is_multiple_of(d))
        };
        for n in 0..20_000u64 {
            assert_eq!(is_prime(n), trial(n), "n = {n}");
        }
    }

    #[test]
    fn seal_chain_known_answer() {
        assert_eq!(
            prime_chain(&[60, 40, 40, 60], 8192).unwrap(),
            vec![
                1_152_921_504_606_748_673,
                1_099_510_890_497,
                1_099_511_480_321,
                1_152_921_504_606_830_593
            ]
        );
    }

    #[test]
    fn chain_primes_are_distinct_friendly_and_sized() {
        let sizes = [60, 40, 40, 40, 40, 40, 40, 60, 50, 50];
        let n = 1 << 14;
        let chain = prime_chain(&sizes, n).unwrap();
        for (p, bits) in chain.iter().zip(sizes) {
            assert!(is_ntt_friendly(*p, n));
            assert_eq!(64 - p.leading_zeros(), bits);
        }
        let mut sorted = chain.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), chain.len());
    }

    #[test]
    fn prime_errors() {
        assert!(matches!(
            ntt_primes(62, 1024, 1),
            Err(Error::InvalidPrimeSize { .. })
        ));
        assert!(matches!(
            ntt_primes(14, 1 << 12, 1),
            Err(Error::InvalidPrimeSize { .. })
        ));
        assert!(matches!(
            ntt_primes(17, 1 << 14, 5),
            Err(Error::NotEnoughPrimes { .. })
        ));
    }

    #[test]
    fn primitive_roots_known_answers() {
        let q = Modulus::new(1_152_921_504_606_584_833).unwrap();
        // SEAL: N = 2 uses the minimal primitive 4th root.
        assert_eq!(
            minimal_primitive_root(4, &q).unwrap(),
            288_794_978_602_139_552
        );
        assert_eq!(
            minimal_primitive_root(8, &Modulus::new(1_234_565_441).unwrap()).unwrap(),
            249_725_733
        );
        assert_eq!(
            minimal_primitive_root(4, &Modulus::new(29).unwrap()).unwrap(),
            12
        );
        assert!(minimal_primitive_root(16, &Modulus::new(29).unwrap()).is_err());
    }
}
