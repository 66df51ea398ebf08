//! Parameters: a literal the user writes, validated into [`Parameters`].
//!
//! [`ParametersLiteral::build`] checks everything before any table is computed: the ring degree,
//! every prime (size, NTT-friendliness, distinctness), that the rescale primes sit close to the
//! scale, that the first prime leaves room for the message, the error distribution, and the
//! HomomorphicEncryption.org security table. Parameters outside the table can only be built with
//! the loudly named [`ParametersLiteral::build_insecure_for_tests`].

mod presets;
mod security;

use serde::{Deserialize, Serialize};

pub use presets::Preset;
pub use security::{SecurityLevel, max_log_qp};

use crate::error::{Error, Result};
use crate::math::{MAX_MODULUS_BITS, is_ntt_friendly, prime_chain};

/// The distribution of the secret key's coefficients.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SecretDistribution {
    /// Coefficients uniform in `{-1, 0, 1}` (the security standard's assumption).
    #[default]
    UniformTernary,
}

/// The parameters as a user writes them. Serializes to JSON.
///
/// The modulus chain is given either as bit sizes (`log_q`, `log_p`: primes are generated
/// deterministically, as SEAL generates them) or as explicit primes (`q`, `p`); not both for the
/// same chain.
///
/// ```
/// use ckks::params::ParametersLiteral;
/// let params = ParametersLiteral {
///     log_n: 13,
///     log_q: vec![60, 40, 40],
///     log_p: vec![60],
///     log_scale: 40,
///     ..Default::default()
/// }
/// .build()?;
/// assert_eq!(params.q()[0], 1152921504606748673); // SEAL's first prime for [60, 40, 40, 60]
/// assert_eq!(params.max_level(), 2);
/// let json = serde_json::to_string(&params.literal())?;
/// assert!(json.contains("\"log_n\":13"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ParametersLiteral {
    /// log2 of the ring degree N; the slot count is N/2.
    pub log_n: u32,
    /// Bit sizes of the ciphertext primes `q_0, ..., q_L` (`q_0` first: it holds the message at
    /// level 0; the others are the rescale primes, close to the scale).
    pub log_q: Vec<u32>,
    /// Bit sizes of the key-switching primes `p_0, ..., p_{k-1}`.
    pub log_p: Vec<u32>,
    /// Explicit ciphertext primes (instead of `log_q`).
    pub q: Vec<u64>,
    /// Explicit key-switching primes (instead of `log_p`).
    pub p: Vec<u64>,
    /// log2 of the default scale.
    pub log_scale: u32,
    /// The secret key's distribution.
    pub secret: SecretDistribution,
    /// Standard deviation of the error distribution.
    pub sigma: f64,
    /// The security level the parameters must reach.
    pub security: SecurityLevel,
}

impl Default for ParametersLiteral {
    fn default() -> Self {
        Self {
            log_n: 14,
            log_q: Vec::new(),
            log_p: Vec::new(),
            q: Vec::new(),
            p: Vec::new(),
            log_scale: 40,
            secret: SecretDistribution::UniformTernary,
            sigma: DEFAULT_SIGMA,
            security: SecurityLevel::Classical128,
        }
    }
}

/// The standard deviation of the error distribution used by SEAL, Lattigo and the standard.
pub const DEFAULT_SIGMA: f64 = 3.2;

/// The smallest ring degree exponent accepted by [`ParametersLiteral::build`] (the security
/// table starts there).
pub const MIN_SECURE_LOG_N: u32 = 10;
/// The smallest ring degree exponent accepted by the insecure test constructor.
pub const MIN_LOG_N: u32 = 2;
/// The largest ring degree exponent.
pub const MAX_LOG_N: u32 = 17;

/// How far a rescale prime may be from the scale before building warns: relative distance
/// `|q_i / scale - 1|`. Every rescale multiplies the scale by `scale / q_i`; this keeps the drift
/// below 2^-10 per level.
pub const RESCALE_WARN_DISTANCE: f64 = 1.0 / 1024.0;

/// Validated parameters. Build them from a [`ParametersLiteral`] or a [`Preset`].
#[derive(Clone, Debug, PartialEq)]
pub struct Parameters {
    literal: ParametersLiteral,
    q: Vec<u64>,
    p: Vec<u64>,
    secure: bool,
    warnings: Vec<String>,
}

impl ParametersLiteral {
    /// Validates the literal, including the security standard at its `security` level.
    pub fn build(&self) -> Result<Parameters> {
        self.build_inner(true)
    }

    /// Validates the literal *without* the security check and with ring degrees down to 2^2.
    ///
    /// **The result may offer no security at all.** It exists so that tests can run on tiny
    /// rings; never use it for data that matters.
    pub fn build_insecure_for_tests(&self) -> Result<Parameters> {
        self.build_inner(false)
    }

    fn build_inner(&self, secure: bool) -> Result<Parameters> {
        let min_log_n = if secure { MIN_SECURE_LOG_N } else { MIN_LOG_N };
        if !(min_log_n..=MAX_LOG_N).contains(&self.log_n) {
            return Err(Error::InvalidDegree {
                n: 1usize.checked_shl(self.log_n).unwrap_or(0),
                min_log: min_log_n,
                max_log: MAX_LOG_N,
            });
        }
        let n = 1usize << self.log_n;
        let (q, p) = self.primes(n)?;
        let mut warnings = Vec::new();
        self.check_primes(n, &q, &p)?;
        self.check_scale(&q, &mut warnings)?;
        check_digits(&q, &p, &mut warnings);
        if !(self.sigma.is_finite() && self.sigma > 0.0 && self.sigma <= 20.0) {
            return Err(Error::InvalidSigma {
                sigma: self.sigma,
                max: 20.0,
            });
        }
        if secure {
            // The standard's tables assume sigma ~ 3.2 (OpenFHE uses 3.19).
            if self.sigma < 3.19 {
                return Err(Error::InsecureParameters {
                    reason: format!(
                        "error standard deviation {} is below the 3.19 the security standard assumes: use 3.2",
                        self.sigma
                    ),
                });
            }
            let log_qp = log2_product(q.iter().chain(&p));
            let Some(max) = max_log_qp(self.log_n, self.security) else {
                return Err(Error::InsecureParameters {
                    reason: format!("no security table entry for N = 2^{}", self.log_n),
                });
            };
            if log_qp > max as f64 {
                return Err(Error::InsecureParameters {
                    reason: format!(
                        "log2(PQ) = {log_qp:.1} exceeds {max}, the largest modulus with {}-bit security at N = 2^{}: \
                         remove primes, use smaller ones, or raise log_n to {}",
                        self.security.bits(),
                        self.log_n,
                        self.log_n + 1
                    ),
                });
            }
        }
        Ok(Parameters {
            literal: self.clone(),
            q,
            p,
            secure,
            warnings,
        })
    }

    /// The primes of the literal: explicit ones, or generated from the bit sizes (Q and P from
    /// one chain, so that they are distinct and match SEAL's choice for the same sizes).
    fn primes(&self, n: usize) -> Result<(Vec<u64>, Vec<u64>)> {
        if !self.q.is_empty() && !self.log_q.is_empty() {
            return Err(Error::InvalidParameters {
                reason: "both q (explicit primes) and log_q (bit sizes) are set: give one".into(),
            });
        }
        if !self.p.is_empty() && !self.log_p.is_empty() {
            return Err(Error::InvalidParameters {
                reason: "both p (explicit primes) and log_p (bit sizes) are set: give one".into(),
            });
        }
        let mut sizes = Vec::new();
        if self.q.is_empty() {
            sizes.extend_from_slice(&self.log_q);
        }
        if self.p.is_empty() {
            sizes.extend_from_slice(&self.log_p);
        }
        let mut generated = prime_chain(&sizes, n)?.into_iter();
        let q = if self.q.is_empty() {
            generated.by_ref().take(self.log_q.len()).collect()
        } else {
            self.q.clone()
        };
        let p = if self.p.is_empty() {
            generated.collect()
        } else {
            self.p.clone()
        };
        Ok((q, p))
    }

    fn check_primes(&self, n: usize, q: &[u64], p: &[u64]) -> Result<()> {
        if q.is_empty() {
            return Err(Error::InvalidParameters {
                reason:
                    "the ciphertext modulus chain is empty: give at least one prime in log_q or q"
                        .into(),
            });
        }
        if p.is_empty() {
            return Err(Error::InvalidParameters {
                reason: "no key-switching prime: give at least one in log_p or p (relinearization and rotations need them)".into(),
            });
        }
        for &prime in q.iter().chain(p) {
            if prime >= 1 << MAX_MODULUS_BITS {
                return Err(Error::InvalidModulus {
                    value: prime,
                    max_bits: MAX_MODULUS_BITS,
                });
            }
            if !is_ntt_friendly(prime, n) {
                return Err(Error::NotNttFriendly {
                    value: prime,
                    n,
                    two_n: 2 * n as u64,
                });
            }
        }
        let mut all: Vec<u64> = q.iter().chain(p).copied().collect();
        all.sort_unstable();
        if let Some(w) = all.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::InvalidParameters {
                reason: format!(
                    "prime {} appears twice in the chain: primes must be distinct",
                    w[0]
                ),
            });
        }
        Ok(())
    }

    fn check_scale(&self, q: &[u64], warnings: &mut Vec<String>) -> Result<()> {
        if self.log_scale == 0 || self.log_scale >= MAX_MODULUS_BITS {
            return Err(Error::InvalidParameters {
                reason: format!(
                    "log_scale {} is out of range: use 1..{}",
                    self.log_scale, MAX_MODULUS_BITS
                ),
            });
        }
        let scale = 2f64.powi(self.log_scale as i32);
        let q0_bits = (q[0] as f64).log2();
        if q0_bits < self.log_scale as f64 + 1.0 {
            return Err(Error::InvalidParameters {
                reason: format!(
                    "the first prime has {q0_bits:.1} bits, no more than the scale 2^{}: it must exceed the scale \
                     to hold a message at level 0 (use about log_scale + 10 to 20 bits)",
                    self.log_scale
                ),
            });
        }
        for (i, &qi) in q.iter().enumerate().skip(1) {
            let ratio = qi as f64 / scale;
            if !(0.5..=2.0).contains(&ratio) {
                return Err(Error::InvalidParameters {
                    reason: format!(
                        "rescale prime q_{i} = {qi} (2^{:.2}) is more than a factor 2 from the scale 2^{}: \
                         each rescale would change the scale by {ratio:.3}x; use primes of log_scale bits",
                        (qi as f64).log2(),
                        self.log_scale
                    ),
                });
            }
            if (ratio - 1.0).abs() > RESCALE_WARN_DISTANCE {
                warnings.push(format!(
                    "rescale prime q_{i} = {qi} is {:.2}% away from the scale 2^{}: the scale drifts by that much per \
                     rescale (it is tracked exactly, but operands at different levels need care)",
                    (ratio - 1.0).abs() * 100.0,
                    self.log_scale
                ));
            }
        }
        Ok(())
    }
}

/// Warns when the key-switching modulus P is smaller than the largest digit of Q: key switching
/// then adds noise of about `digit / P` times the fresh noise.
fn check_digits(q: &[u64], p: &[u64], warnings: &mut Vec<String>) {
    let log_p = log2_product(p);
    let alpha = p.len();
    for (d, digit) in q.chunks(alpha).enumerate() {
        let log_digit = log2_product(digit);
        if log_digit > log_p + 1.0 {
            warnings.push(format!(
                "key-switching digit {d} has {log_digit:.1} bits, more than P's {log_p:.1}: key switching adds about \
                 2^{:.1} times more noise than with a larger P",
                log_digit - log_p
            ));
        }
    }
}

fn log2_product<'a>(primes: impl IntoIterator<Item = &'a u64>) -> f64 {
    primes.into_iter().map(|&p| (p as f64).log2()).sum()
}

impl Parameters {
    /// The literal these parameters were built from.
    pub fn literal(&self) -> &ParametersLiteral {
        &self.literal
    }

    /// log2 of the ring degree.
    pub fn log_n(&self) -> u32 {
        self.literal.log_n
    }

    /// The ring degree N.
    pub fn n(&self) -> usize {
        1 << self.literal.log_n
    }

    /// The maximum number of slots, N/2.
    pub fn max_slots(&self) -> usize {
        self.n() / 2
    }

    /// The ciphertext primes `q_0, ..., q_L`.
    pub fn q(&self) -> &[u64] {
        &self.q
    }

    /// The key-switching primes.
    pub fn p(&self) -> &[u64] {
        &self.p
    }

    /// The highest level `L` (a fresh ciphertext has `L + 1` limbs).
    pub fn max_level(&self) -> usize {
        self.q.len() - 1
    }

    /// The number of primes per key-switching digit (alpha = the number of P primes).
    pub fn digit_size(&self) -> usize {
        self.p.len()
    }

    /// The number of key-switching digits at level `level` (`ceil((level + 1) / alpha)`).
    pub fn digits_at(&self, level: usize) -> usize {
        (level + 1).div_ceil(self.p.len())
    }

    /// log2 of the default scale.
    pub fn log_scale(&self) -> u32 {
        self.literal.log_scale
    }

    /// The default scale, `2^log_scale`.
    pub fn default_scale(&self) -> f64 {
        2f64.powi(self.literal.log_scale as i32)
    }

    /// The error standard deviation.
    pub fn sigma(&self) -> f64 {
        self.literal.sigma
    }

    /// The secret distribution.
    pub fn secret_distribution(&self) -> SecretDistribution {
        self.literal.secret
    }

    /// log2 of the full modulus PQ.
    pub fn log_qp(&self) -> f64 {
        log2_product(self.q.iter().chain(&self.p))
    }

    /// log2 of `Q_level = q_0 ... q_level`.
    pub fn log_q_at(&self, level: usize) -> f64 {
        log2_product(self.q.iter().take(level + 1))
    }

    /// Whether the parameters passed the security check (false only for
    /// [`ParametersLiteral::build_insecure_for_tests`]).
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// Non-fatal findings of the validation (rescale primes far from the scale, small P).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// A 64-bit identifier of these parameters: equal parameters give equal ids, and every
    /// object made under them carries it. (FNV-1a over a canonical encoding. It catches mixed-up
    /// parameters, not forgeries: parameters are public, so a forger would copy the real id;
    /// untrusted objects are validated in full on load instead.)
    pub fn id(&self) -> u64 {
        let mut h = Fnv1a::default();
        h.write(b"ckks-rs parameters v1");
        h.write(&self.literal.log_n.to_le_bytes());
        h.write(&(self.q.len() as u64).to_le_bytes());
        for x in &self.q {
            h.write(&x.to_le_bytes());
        }
        h.write(&(self.p.len() as u64).to_le_bytes());
        for x in &self.p {
            h.write(&x.to_le_bytes());
        }
        h.write(&self.literal.log_scale.to_le_bytes());
        h.write(&[self.literal.secret as u8, self.secure as u8]);
        h.write(&self.literal.sigma.to_bits().to_le_bytes());
        h.0
    }
}

struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(log_n: u32, log_q: &[u32], log_p: &[u32], log_scale: u32) -> ParametersLiteral {
        ParametersLiteral {
            log_n,
            log_q: log_q.to_vec(),
            log_p: log_p.to_vec(),
            log_scale,
            ..Default::default()
        }
    }

    #[test]
    fn reference_sets_match_seal_primes() {
        let a = Preset::RefA.literal().build().unwrap();
        assert_eq!(a.q(), &[1152921504606748673, 1099510890497, 1099511480321]);
        assert_eq!(a.p(), &[1152921504606830593]);
        let b = Preset::RefB.literal().build().unwrap();
        assert_eq!(b.q().len(), 7);
        assert_eq!(b.p().len(), 1);
        assert!(b.warnings().is_empty(), "{:?}", b.warnings());
    }

    #[test]
    fn presets_are_secure_and_clean() {
        for preset in Preset::ALL {
            let p = preset.literal().build().unwrap();
            assert!(p.is_secure());
            assert!(p.warnings().is_empty(), "{preset:?}: {:?}", p.warnings());
        }
    }

    #[test]
    fn security_table_enforced() {
        // 2 x 60 + 2 x 50 = 220 > 218 at N = 2^13.
        let err = lit(13, &[60, 50, 50], &[60], 50).build().unwrap_err();
        assert!(matches!(err, Error::InsecureParameters { .. }), "{err}");
        assert!(err.to_string().contains("218"), "{err}");
        assert!(
            lit(13, &[60, 50, 50], &[60], 50)
                .build_insecure_for_tests()
                .is_ok()
        );
        // 192-bit: max 152 at N = 2^13.
        let mut l = lit(13, &[60, 40, 40], &[60], 40);
        l.security = SecurityLevel::Classical192;
        assert!(matches!(l.build(), Err(Error::InsecureParameters { .. })));
        l.security = SecurityLevel::Classical128;
        assert!(l.build().is_ok());
        // Small rings only through the insecure constructor.
        assert!(matches!(
            lit(5, &[30, 20], &[30], 20).build(),
            Err(Error::InvalidDegree { .. })
        ));
        assert!(
            lit(5, &[30, 20], &[30], 20)
                .build_insecure_for_tests()
                .is_ok()
        );
    }

    #[test]
    fn invalid_literals() {
        let mut l = lit(13, &[60, 40], &[60], 40);
        l.q = vec![1152921504606748673];
        assert!(matches!(l.build(), Err(Error::InvalidParameters { .. })));
        // Not NTT-friendly for N = 2^13.
        let mut l = lit(13, &[], &[60], 40);
        l.q = vec![1099511627791];
        assert!(matches!(l.build(), Err(Error::NotNttFriendly { .. })));
        // Duplicate primes.
        let mut l = lit(13, &[], &[60], 40);
        l.q = vec![1152921504606748673, 1099510890497, 1099510890497];
        assert!(matches!(l.build(), Err(Error::InvalidParameters { .. })));
        // First prime not above the scale.
        assert!(matches!(
            lit(13, &[40, 40], &[60], 40).build(),
            Err(Error::InvalidParameters { .. })
        ));
        // Rescale prime a factor 2^10 from the scale.
        let err = lit(13, &[60, 30], &[60], 40).build().unwrap_err();
        assert!(err.to_string().contains("q_1"), "{err}");
        // No P.
        assert!(matches!(
            lit(13, &[60, 40], &[], 40).build(),
            Err(Error::InvalidParameters { .. })
        ));
        // Sigma.
        let mut l = lit(13, &[60, 40], &[60], 40);
        l.sigma = 1.0;
        assert!(matches!(l.build(), Err(Error::InsecureParameters { .. })));
        l.sigma = f64::NAN;
        assert!(matches!(l.build(), Err(Error::InvalidSigma { .. })));
    }

    #[test]
    fn warns_on_far_rescale_prime_and_small_p() {
        // TenSEAL's tutorial chain: 21-bit primes at N = 8192 sit far from 2^21.
        let p = lit(13, &[40, 21, 21, 21], &[40], 21).build().unwrap();
        assert!(
            p.warnings().iter().any(|w| w.contains("q_1")),
            "{:?}",
            p.warnings()
        );
        let p = lit(14, &[60, 40], &[30], 40).build().unwrap();
        assert!(
            p.warnings().iter().any(|w| w.contains("digit 0")),
            "{:?}",
            p.warnings()
        );
    }

    #[test]
    fn json_round_trip_and_ids() {
        let p = Preset::N14.literal().build().unwrap();
        let json = serde_json::to_string(p.literal()).unwrap();
        let back: ParametersLiteral = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, p.literal());
        assert_eq!(back.build().unwrap().id(), p.id());
        assert_ne!(Preset::RefA.literal().build().unwrap().id(), p.id());
        // Partial JSON takes defaults.
        let l: ParametersLiteral =
            serde_json::from_str(r#"{"log_n":13,"log_q":[60,40,40],"log_p":[60]}"#).unwrap();
        assert_eq!(
            l.build().unwrap().id(),
            Preset::RefA.literal().build().unwrap().id()
        );
    }

    #[test]
    fn digits() {
        let p = Preset::N15.literal().build().unwrap();
        assert_eq!(p.digit_size(), 3);
        assert_eq!(p.digits_at(p.max_level()), 6);
        assert_eq!(p.digits_at(0), 1);
    }
}
