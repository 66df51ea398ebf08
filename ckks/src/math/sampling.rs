//! Randomness: the ChaCha20 CSPRNG and the samplers the scheme needs.
//!
//! Every sampling function takes `&mut R` with `R: CryptoRng`, so tests can pass a seeded
//! [`ChaCha20Rng`] and applications use [`os_seeded_rng`]. There is no global generator.
//!
//! # Side channels
//!
//! | sampler | constant-time? |
//! |---|---|
//! | [`sample_uniform`] | rejection sampling: the running time depends on how many raw words were rejected, which is independent of the accepted values; used for public polynomials only |
//! | [`sample_ternary`] | the rejection step looks at raw random bytes only; the mapping of the accepted values to residues is branch-free |
//! | [`GaussianSampler`] | yes: a full scan of the cumulative table with branch-free comparisons, and a branch-free sign |
//! | [`expand_seed_uniform`] | as [`sample_uniform`]; the seed is public in every use |
//! | [`sample_flooding`] | branch-free, but through `ln`, `sqrt`, `sin` and `cos` of the platform's math library, whose running time is not guaranteed independent of the operands |
//!
//! # The error distribution
//!
//! The error is a discrete Gaussian of standard deviation sigma (3.2 by default, as in SEAL
//! and Lattigo), cut at 6 sigma, sampled by inversion of its cumulative distribution held to
//! 64 bits. We chose it over a centered binomial because no binomial has variance exactly
//! 3.2^2 = 10.24 (it would need eta = 20.48; eta = 21 gives sigma = 3.24), and matching the
//! parameters of the HomomorphicEncryption.org security tables, which assume sigma = 3.2,
//! matters more than the speed of a binomial sampler, which is not a bottleneck here.

use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, SeedableRng};

use super::modulus::Modulus;
use crate::error::{Error, Result};

pub use rand_chacha::ChaCha20Rng as Csprng;

/// A 32-byte seed for [`expand_seed_uniform`] and for seeded objects.
pub type Seed = [u8; 32];

/// A ChaCha20 generator seeded from the operating system's entropy source.
///
/// ```
/// let mut rng = ckks::math::sampling::os_seeded_rng()?;
/// let seed = ckks::math::sampling::random_seed(&mut rng);
/// assert_ne!(seed, [0u8; 32]);
/// # Ok::<(), ckks::Error>(())
/// ```
pub fn os_seeded_rng() -> Result<ChaCha20Rng> {
    ChaCha20Rng::try_from_rng(&mut rand::rngs::SysRng).map_err(|e| Error::Randomness(e.to_string()))
}

/// A fresh 32-byte seed drawn from `rng`.
pub fn random_seed<R: CryptoRng + ?Sized>(rng: &mut R) -> Seed {
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    seed
}

/// Fills `out` with values uniform in `[0, q)`, without bias (rejection sampling).
pub fn sample_uniform<R: CryptoRng + ?Sized>(rng: &mut R, q: &Modulus, out: &mut [u64]) {
    let mask = u64::MAX >> (q.value() - 1).leading_zeros().min(63);
    for x in out.iter_mut() {
        // q > 2^(bits - 1), so each draw is accepted with probability above 1/2.
        loop {
            let candidate = rng.next_u64() & mask;
            if candidate < q.value() {
                *x = candidate;
                break;
            }
        }
    }
}

/// Fills `out` with values uniform in `{-1, 0, 1}`.
pub fn sample_ternary<R: CryptoRng + ?Sized>(rng: &mut R, out: &mut [i8]) {
    let mut buf = [0u8; 64];
    let mut used = buf.len();
    for x in out.iter_mut() {
        loop {
            if used == buf.len() {
                rng.fill_bytes(&mut buf);
                used = 0;
            }
            let byte = buf[used];
            used += 1;
            // 255 = 3 * 85: reject 255 so that byte % 3 is uniform.
            if byte < 255 {
                *x = (byte % 3) as i8 - 1;
                break;
            }
        }
    }
    buf.fill(0);
}

/// Maps small signed values to residues modulo `q`, branch-free (for secret values).
///
/// `values` must satisfy `|v| < q`.
pub fn signed_to_residues(values: &[i8], q: &Modulus, out: &mut [u64]) {
    for (o, &v) in out.iter_mut().zip(values) {
        let v = v as i64;
        // mask is all ones when v < 0.
        let mask = (v >> 63) as u64;
        *o = (v as u64).wrapping_add(q.value() & mask);
    }
}

/// Fills `out` with independent samples of the Gaussian of standard deviation `sigma`
/// rounded to the nearest integer (the flooding noise of
/// [`Decryptor::decrypt_for_release`](crate::Decryptor::decrypt_for_release)).
///
/// Box-Muller on 64-bit uniform words: the magnitude is cut at `sqrt(130 ln 2) sigma ~ 9.49
/// sigma` (probability below `2^-68` per sample). Rounding is harmless for flooding: adding the
/// rounded sample to an integer error is rounding the continuous sum, a post-processing.
/// `sigma` must be finite, positive and below `2^52` (the samples must be integers exactly
/// representable in `f64`); other values give zeros.
pub fn sample_flooding<R: CryptoRng + ?Sized>(rng: &mut R, sigma: f64, out: &mut [i64]) {
    if !(sigma.is_finite() && sigma > 0.0 && sigma < (1u64 << 52) as f64) {
        out.fill(0);
        return;
    }
    let unit = |w: u64| (w as f64 + 0.5) * (-64f64).exp2();
    for pair in out.chunks_mut(2) {
        let u1 = unit(rng.next_u64());
        let theta = std::f64::consts::TAU * unit(rng.next_u64());
        let r = sigma * (-2.0 * u1.ln()).sqrt();
        let (sin, cos) = theta.sin_cos();
        for (o, z) in pair.iter_mut().zip([r * cos, r * sin]) {
            *o = z.round() as i64;
        }
    }
}

/// A constant-time sampler for the discrete Gaussian of standard deviation sigma on the
/// integers, cut at `6 sigma`.
///
/// ```
/// use ckks::math::sampling::{GaussianSampler, Csprng};
/// use rand_core::SeedableRng;
/// let g = GaussianSampler::new(3.2)?;
/// let mut rng = Csprng::from_seed([7; 32]);
/// let mut e = vec![0i8; 1024];
/// g.sample(&mut rng, &mut e);
/// assert!(e.iter().all(|&x| x.abs() <= 19));
/// # Ok::<(), ckks::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct GaussianSampler {
    sigma: f64,
    bound: u32,
    /// `thresholds[k]` = 2^64 * P(|X| > k), so |X| = the number of thresholds above a uniform
    /// 64-bit word.
    thresholds: Vec<u64>,
}

/// The largest standard deviation the sampler accepts (values must fit an `i8`).
pub const MAX_SIGMA: f64 = 20.0;

impl GaussianSampler {
    /// A sampler for standard deviation `sigma` in `(0, 20]`, cut at `floor(6 sigma)`.
    pub fn new(sigma: f64) -> Result<Self> {
        if !(sigma.is_finite() && sigma > 0.0 && sigma <= MAX_SIGMA) {
            return Err(Error::InvalidSigma {
                sigma,
                max: MAX_SIGMA,
            });
        }
        let bound = (6.0 * sigma).floor() as u32;
        let weight = |k: u32| (-(k as f64).powi(2) / (2.0 * sigma * sigma)).exp();
        // Probability mass of |X| = k: one point for k = 0, two for k > 0.
        let masses: Vec<f64> = (0..=bound)
            .map(|k| if k == 0 { weight(0) } else { 2.0 * weight(k) })
            .collect();
        let total: f64 = masses.iter().sum();
        let mut tail = 1.0;
        let thresholds = masses[..masses.len() - 1]
            .iter()
            .map(|m| {
                tail -= m / total;
                // 2^64 * tail, clamped into u64 (tail < 1).
                (tail.max(0.0) * 18_446_744_073_709_551_616.0) as u64
            })
            .collect();
        Ok(Self {
            sigma,
            bound,
            thresholds,
        })
    }

    /// The standard deviation.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    /// The largest absolute value the sampler returns, `floor(6 sigma)`.
    pub fn bound(&self) -> u32 {
        self.bound
    }

    /// Fills `out` with independent samples. Constant-time in the sampled values.
    pub fn sample<R: CryptoRng + ?Sized>(&self, rng: &mut R, out: &mut [i8]) {
        for x in out.iter_mut() {
            let r = rng.next_u64();
            let sign_bit = rng.next_u32() & 1;
            // Count of thresholds strictly above r, without branches.
            let magnitude: u32 = self
                .thresholds
                .iter()
                .map(|&t| ((r as u128).wrapping_sub(t as u128) >> 127) as u32)
                .sum();
            let m = magnitude as i32;
            // sign = +1 or -1 from the bit, branch-free.
            let signed = m - 2 * m * sign_bit as i32;
            *x = signed as i8;
        }
    }
}

/// Expands a 32-byte seed into a uniform RNS polynomial: `moduli.len()` limbs of `n`
/// coefficients each, limb after limb, into `out` (length `moduli.len() * n`).
///
/// The expansion is ChaCha20 keyed with the seed, so the same seed always gives the same
/// polynomial: seeded ciphertexts and keys store the seed instead of the polynomial.
pub fn expand_seed_uniform(
    seed: &Seed,
    moduli: &[Modulus],
    n: usize,
    out: &mut [u64],
) -> Result<()> {
    if out.len() != moduli.len() * n {
        return Err(Error::ShapeMismatch {
            what: "seed expansion output length",
            expected: moduli.len() * n,
            got: out.len(),
        });
    }
    let mut rng = ChaCha20Rng::from_seed(*seed);
    for (limb, q) in out.chunks_exact_mut(n.max(1)).zip(moduli) {
        sample_uniform(&mut rng, q, limb);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng() -> ChaCha20Rng {
        ChaCha20Rng::from_seed([42; 32])
    }

    #[test]
    fn uniform_is_in_range_and_unbiased() {
        // q just above a power of two is the worst case for a masked sampler.
        let q = Modulus::new((1 << 20) + 7).unwrap();
        let mut v = vec![0u64; 200_000];
        sample_uniform(&mut rng(), &q, &mut v);
        assert!(v.iter().all(|&x| x < q.value()));
        let mean = v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64;
        let expected = (q.value() - 1) as f64 / 2.0;
        // standard error of the mean: q / sqrt(12 * len) ~ 677
        assert!(
            (mean - expected).abs() < 5.0 * 700.0,
            "mean {mean} vs {expected}"
        );
        // The top 1/8 of the range is hit about 1/8 of the time.
        let top = v.iter().filter(|&&x| x >= q.value() / 8 * 7).count() as f64 / v.len() as f64;
        assert!((top - 0.125).abs() < 0.005, "top fraction {top}");
    }

    #[test]
    fn ternary_is_balanced() {
        let mut v = vec![0i8; 300_000];
        sample_ternary(&mut rng(), &mut v);
        for t in [-1i8, 0, 1] {
            let f = v.iter().filter(|&&x| x == t).count() as f64 / v.len() as f64;
            assert!((f - 1.0 / 3.0).abs() < 0.005, "fraction of {t}: {f}");
        }
        assert!(v.iter().all(|&x| (-1..=1).contains(&x)));
    }

    #[test]
    fn signed_residues() {
        let q = Modulus::new(97).unwrap();
        let mut out = [0u64; 5];
        signed_to_residues(&[-19, -1, 0, 1, 19], &q, &mut out);
        assert_eq!(out, [78, 96, 0, 1, 19]);
    }

    #[test]
    fn gaussian_moments_and_tail() {
        let g = GaussianSampler::new(3.2).unwrap();
        assert_eq!(g.bound(), 19);
        let mut v = vec![0i8; 400_000];
        g.sample(&mut rng(), &mut v);
        let n = v.len() as f64;
        let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
        let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var.sqrt() - 3.2).abs() < 0.03, "sigma {}", var.sqrt());
        assert!(v.iter().all(|&x| x.abs() <= 19));
        // P(X = 0) = 1 / (sqrt(2 pi) sigma) ~ 0.1247 for the discrete Gaussian at sigma = 3.2.
        let p0 = v.iter().filter(|&&x| x == 0).count() as f64 / n;
        assert!((p0 - 0.1247).abs() < 0.003, "P(0) = {p0}");
        // Symmetric.
        let pos = v.iter().filter(|&&x| x > 0).count() as f64 / n;
        let neg = v.iter().filter(|&&x| x < 0).count() as f64 / n;
        assert!((pos - neg).abs() < 0.005);
    }

    #[test]
    fn flooding_moments() {
        let sigma = 2f64.powi(30);
        let mut v = vec![0i64; 100_000];
        sample_flooding(&mut rng(), sigma, &mut v);
        let n = v.len() as f64;
        let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
        let sd = (v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n).sqrt();
        assert!(mean.abs() < 0.02 * sigma, "mean {mean}");
        assert!((sd / sigma - 1.0).abs() < 0.02, "sd {sd}");
        assert!(v.iter().all(|&x| (x as f64).abs() <= 9.5 * sigma));
        // Beyond 2 sigma: 4.55 %.
        let tail = v
            .iter()
            .filter(|&&x| (x as f64).abs() > 2.0 * sigma)
            .count() as f64
            / n;
        assert!((tail - 0.0455).abs() < 0.004, "tail {tail}");
        sample_flooding(&mut rng(), f64::NAN, &mut v);
        assert!(v.iter().all(|&x| x == 0));
    }

    #[test]
    fn gaussian_rejects_bad_sigma() {
        for s in [0.0, -1.0, f64::NAN, f64::INFINITY, 21.0] {
            assert!(GaussianSampler::new(s).is_err(), "sigma {s}");
        }
    }

    #[test]
    fn seed_expansion_is_deterministic() {
        let moduli = [
            Modulus::new(1_099_511_480_321).unwrap(),
            Modulus::new(1_152_921_504_606_748_673).unwrap(),
        ];
        let mut a = vec![0u64; 2 * 64];
        let mut b = vec![0u64; 2 * 64];
        expand_seed_uniform(&[1; 32], &moduli, 64, &mut a).unwrap();
        expand_seed_uniform(&[1; 32], &moduli, 64, &mut b).unwrap();
        assert_eq!(a, b);
        expand_seed_uniform(&[2; 32], &moduli, 64, &mut b).unwrap();
        assert_ne!(a, b);
        assert!(a[..64].iter().all(|&x| x < moduli[0].value()));
        assert!(a[64..].iter().all(|&x| x < moduli[1].value()));
        assert!(expand_seed_uniform(&[1; 32], &moduli, 64, &mut b[..10]).is_err());
    }

    #[test]
    fn os_rng_works() {
        let mut r = os_seeded_rng().unwrap();
        assert_ne!(random_seed(&mut r), random_seed(&mut r));
    }
}
