//! [`Encryptor`] (public-key or secret-key) and [`Decryptor`].

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::ciphertext::Ciphertext;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::keys::{PublicKey, SecretKey};
use crate::math::sampling::{random_seed, sample_flooding, sample_ternary};
use crate::noise::{self, NoiseBound};
use crate::plaintext::Plaintext;
use crate::ring::{Representation, RnsPoly};

enum EncryptionKey<'a> {
    Public(&'a PublicKey),
    Secret(&'a SecretKey),
}

/// Encrypts plaintexts, with the public key (anyone) or the secret key (the key owner: the
/// result's `c_1` is expanded from a 32-byte seed, so it serializes at half size).
///
/// ```
/// use ckks::{Context, Decryptor, Encoder, Encryptor, PublicKey, SecretKey, params::Preset};
/// use ckks::math::sampling::os_seeded_rng;
/// let ctx = Context::new(Preset::RefA.literal().build()?)?;
/// let mut rng = os_seeded_rng()?;
/// let sk = SecretKey::generate(&ctx, &mut rng)?;
/// let pk = PublicKey::generate(&sk, &mut rng)?;
/// let enc = Encoder::new(&ctx);
/// let pt = enc.encode(&[0.5, -1.25, 3.0], ctx.max_level(), ctx.default_scale())?;
/// let ct = Encryptor::new(&pk).encrypt(&pt, &mut rng)?;
/// let back = enc.decode(&Decryptor::new(&sk).decrypt(&ct)?)?;
/// assert!((back[1] + 1.25).abs() < 1e-6);
/// # Ok::<(), ckks::Error>(())
/// ```
pub struct Encryptor<'a> {
    ctx: &'a Context,
    key: EncryptionKey<'a>,
}

impl std::fmt::Debug for Encryptor<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.key {
            EncryptionKey::Public(_) => "public key",
            EncryptionKey::Secret(_) => "secret key",
        };
        f.debug_struct("Encryptor").field("key", &kind).finish()
    }
}

impl<'a> Encryptor<'a> {
    /// Public-key encryption.
    pub fn new(pk: &'a PublicKey) -> Self {
        Self {
            ctx: &pk.ctx,
            key: EncryptionKey::Public(pk),
        }
    }

    /// Secret-key encryption (smaller ciphertexts and less noise; only the key owner can use
    /// it).
    pub fn with_secret_key(sk: &'a SecretKey) -> Self {
        Self {
            ctx: &sk.ctx,
            key: EncryptionKey::Secret(sk),
        }
    }

    /// Encrypts `pt` at its level and scale.
    pub fn encrypt<R: CryptoRng + ?Sized>(
        &self,
        pt: &Plaintext,
        rng: &mut R,
    ) -> Result<Ciphertext> {
        self.ctx.check_id("plaintext", pt.param_id)?;
        let ctx = self.ctx;
        let limbs = pt.poly.limb_count();
        let n = ctx.n();
        let mut small = vec![0i8; n];
        let gaussian_ntt = |small: &mut [i8], rng: &mut R| -> Result<RnsPoly> {
            ctx.gaussian().sample(rng, small);
            let mut e = RnsPoly::from_small(ctx.q_basis(), limbs, small)?;
            e.to_ntt();
            Ok(e)
        };
        let result = match self.key {
            EncryptionKey::Public(pk) => {
                // Over Q_level * P: c = v (b, a) + (e0, e1), v ternary; then divided by P,
                // which leaves the rounding noise only; then m added.
                let k = ctx.p_basis().len();
                let qp = |small: &[i8]| -> Result<(RnsPoly, RnsPoly)> {
                    let mut q = RnsPoly::from_small(ctx.q_basis(), limbs, small)?;
                    let mut p = RnsPoly::from_small(ctx.p_basis(), k, small)?;
                    q.to_ntt();
                    p.to_ntt();
                    Ok((q, p))
                };
                sample_ternary(rng, &mut small);
                let (v_q, v_p) = qp(&small)?;
                let mut parts = Vec::with_capacity(2);
                for key_part in [&pk.b, &pk.a] {
                    ctx.gaussian().sample(rng, &mut small);
                    let (mut c_q, mut c_p) = qp(&small)?;
                    c_q.mul_add_assign(&v_q, &key_part.q.truncated(limbs)?)?;
                    c_p.mul_add_assign(&v_p, &key_part.p)?;
                    ctx.mod_down().apply(&mut c_q, &c_p)?;
                    parts.push(c_q);
                }
                parts[0].add_assign(&pt.poly)?;
                Ciphertext {
                    parts,
                    scale: pt.scale,
                    slots: pt.slots,
                    param_id: ctx.id(),
                    seed: None,
                    noise: pt
                        .bound
                        .map(|b| b.add_per_coeff(ctx.n(), noise::public_key_term(ctx))),
                }
            }
            EncryptionKey::Secret(sk) => {
                // c = (-a s + e + m, a), a from a fresh seed.
                let seed = random_seed(rng);
                let c1 = RnsPoly::from_seed(ctx.q_basis(), limbs, Representation::Ntt, &seed)?;
                let mut c0 = gaussian_ntt(&mut small, rng)?;
                // s and a s are secret: both temporaries are wiped when dropped.
                let s = Zeroizing::new(sk.s_q.truncated(limbs)?);
                let a_s = Zeroizing::new(c1.mul(&s)?);
                c0.sub_assign(&a_s)?;
                c0.add_assign(&pt.poly)?;
                Ciphertext {
                    parts: vec![c0, c1],
                    scale: pt.scale,
                    slots: pt.slots,
                    param_id: ctx.id(),
                    seed: Some(seed),
                    noise: pt
                        .bound
                        .map(|b| b.add_per_coeff(ctx.n(), noise::secret_key_term(ctx))),
                }
            }
        };
        small.iter_mut().for_each(|x| *x = 0);
        Ok(result)
    }
}

/// Decrypts ciphertexts with the secret key: [`decrypt`](Self::decrypt) for the key owner's
/// own use, [`decrypt_for_release`](Self::decrypt_for_release) for results shared with others.
pub struct Decryptor<'a> {
    sk: &'a SecretKey,
    policy: ReleasePolicy,
}

impl std::fmt::Debug for Decryptor<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Decryptor { <secret key> }")
    }
}

impl<'a> Decryptor<'a> {
    /// A decryptor for `sk`.
    pub fn new(sk: &'a SecretKey) -> Self {
        Self {
            sk,
            policy: ReleasePolicy::default(),
        }
    }

    /// `c_0 + c_1 s (+ c_2 s^2)`: the plaintext, at the ciphertext's level and scale.
    pub fn decrypt(&self, ct: &Ciphertext) -> Result<Plaintext> {
        let ctx = &self.sk.ctx;
        ctx.check_id("ciphertext", ct.param_id)?;
        let limbs = ct.level() + 1;
        let s = Zeroizing::new(self.sk.s_q.truncated(limbs)?);
        // Horner: ((c_d s + c_{d-1}) s + ...) + c_0.
        let mut acc = ct.parts[ct.degree()].clone();
        for part in ct.parts[..ct.degree()].iter().rev() {
            acc.mul_assign(&s)?;
            acc.add_assign(part)?;
        }
        if acc.representation() != Representation::Ntt {
            return Err(Error::WrongRepresentation {
                expected: "NTT",
                got: "coefficient",
                fix: "RnsPoly::to_ntt",
            });
        }
        Ok(Plaintext {
            poly: acc,
            scale: ct.scale,
            slots: ct.slots,
            param_id: ctx.id(),
            bound: ct.noise,
        })
    }

    /// Decrypts a ciphertext whose result will leave the key owner (shared with parties who
    /// must not learn the key): the decryption plus discrete-Gaussian flooding noise in the
    /// coefficient domain, sized from the ciphertext's tracked [`NoiseBound`] and the
    /// decryptor's [`ReleasePolicy`].
    ///
    /// A plain CKKS decryption contains the encryption and evaluation noise, which depends on
    /// the secret key: from one shared decryption and its ciphertext, Li and Micciancio
    /// (Eurocrypt 2021) recover the key with linear algebra. Flooding with a Gaussian of
    /// standard deviation `sigma = sqrt(64 t) 2^(s/2) B`, where `B` bounds the `l2` norm of
    /// the error's coefficients, `s` is the statistical security parameter and `t` the release
    /// budget, bounds the KL divergence between the releases of two ciphertexts with the same
    /// message by `t B^2 / (2 sigma^2) = 2^-s / 128` over all `t` releases, which gives `s` bits
    /// of security against key recovery in the bit-security framework (Micciancio-Walter 2018),
    /// as in Li, Micciancio, Schultz and Sorrell (CRYPTO 2022) and OpenFHE's
    /// `NOISE_FLOODING_DECRYPT`.
    ///
    /// Every release is charged to the secret key (shared by all its decryptors): a release
    /// that would exceed the privacy loss allowed by the policy's budget and security is
    /// refused. The count restarts when a key is loaded from bytes: keep the key in memory
    /// between releases, or track the count in the application.
    ///
    /// Precision: each slot receives a Gaussian of standard deviation about
    /// `sigma sqrt(N/2)`, that is `log2(sigma) + (log2 N - 1) / 2` bits at the scale; the
    /// returned plaintext's [`noise_bound`](Plaintext::noise_bound) includes it (cut at
    /// `9.5 sigma` per coefficient).
    ///
    /// Errors: [`Error::UnknownNoiseBound`] (no bound: see [`crate::noise`] for how a client
    /// obtains one), [`Error::NoiseBoundExceedsModulus`], [`Error::ReleaseBudgetExhausted`],
    /// [`Error::ReleasePrecisionTooLow`] (naming the scale that would do).
    ///
    /// ```
    /// use ckks::{Context, Decryptor, Encoder, Encryptor, SecretKey, ReleasePolicy};
    /// use ckks::math::sampling::os_seeded_rng;
    /// use ckks::params::ParametersLiteral;
    /// // Results meant for release need a large scale: flooding costs 30-40 bits.
    /// let literal = ParametersLiteral {
    ///     log_n: 14, log_q: vec![60, 55, 55], log_p: vec![60], log_scale: 55, ..Default::default()
    /// };
    /// let ctx = Context::new(literal.build()?)?;
    /// let mut rng = os_seeded_rng()?;
    /// let sk = SecretKey::generate(&ctx, &mut rng)?;
    /// let enc = Encoder::new(&ctx);
    /// let pt = enc.encode(&[0.5, -1.25, 3.0], ctx.max_level(), ctx.default_scale())?;
    /// let ct = Encryptor::with_secret_key(&sk).encrypt(&pt, &mut rng)?;
    /// let dec = Decryptor::new(&sk).with_release_policy(ReleasePolicy::default().with_budget(16));
    /// let shared = enc.decode(&dec.decrypt_for_release(&ct, &mut rng)?)?;
    /// assert!((shared[1] + 1.25).abs() < 1e-3);
    /// # Ok::<(), ckks::Error>(())
    /// ```
    pub fn decrypt_for_release<R: CryptoRng + ?Sized>(
        &self,
        ct: &Ciphertext,
        rng: &mut R,
    ) -> Result<Plaintext> {
        let ctx = &self.sk.ctx;
        ctx.check_id("ciphertext", ct.param_id)?;
        let bound = ct.noise.ok_or(Error::UnknownNoiseBound)?;
        let level = ct.level();
        let log_q = ctx.log_q_at(level);
        if !bound.fits(log_q) {
            return Err(Error::NoiseBoundExceedsModulus {
                log2_bound: bound.log2_message().max(bound.log2_error()) + 1.0,
                log2_modulus: log_q,
                level,
            });
        }
        let plan = self.policy.flooding(&bound, ctx.n(), ct.scale);
        if plan.precision_bits < self.policy.min_precision_bits {
            return Err(Error::ReleasePrecisionTooLow {
                log2_noise: plan.log2_slot_noise,
                log2_bound: bound.log2_error_l2(),
                security: self.policy.security_bits,
                budget: self.policy.budget,
                precision_bits: plan.precision_bits,
                min_bits: self.policy.min_precision_bits,
                log2_scale: ct.scale.log2(),
                log2_scale_needed: ct.scale.log2() - plan.precision_bits
                    + self.policy.min_precision_bits,
            });
        }
        // Charge the key before decrypting: a refused release costs nothing, and a charged one
        // whose decryption then fails is only conservative.
        let allowance = self.policy.allowance();
        self.sk.with_ledger(|ledger| {
            if ledger.kl + plan.kl > allowance * (1.0 + 1e-9) {
                return Err(Error::ReleaseBudgetExhausted {
                    released: ledger.count,
                    budget: self.policy.budget,
                    security: self.policy.security_bits,
                });
            }
            ledger.kl += plan.kl;
            ledger.count += 1;
            Ok(())
        })?;
        let mut pt = self.decrypt(ct)?;
        let n = ctx.n();
        let mut noise = Zeroizing::new(vec![0i64; n]);
        sample_flooding(rng, plan.sigma, &mut noise);
        pt.poly.to_coeff();
        for (i, q) in ctx.q_basis().moduli()[..=level].iter().enumerate() {
            if let Some(limb) = pt.poly.limb_mut(i) {
                for (x, &e) in limb.iter_mut().zip(noise.iter()) {
                    *x = q.add(*x, q.from_i64(e));
                }
            }
        }
        pt.poly.to_ntt();
        pt.bound = Some(bound.add_per_coeff(n, (9.5 * plan.sigma + 0.5).log2()));
        Ok(pt)
    }

    /// How many more releases at this decryptor's policy the key's budget allows.
    pub fn releases_remaining(&self) -> u64 {
        let per_release = self.policy.allowance() / self.policy.budget as f64;
        let left = self.policy.allowance() * (1.0 + 1e-9) - self.sk.with_ledger(|l| l.kl);
        if left <= 0.0 {
            0
        } else {
            ((left / per_release).floor() as u64).min(self.policy.budget)
        }
    }

    /// This decryptor with `policy` for [`decrypt_for_release`](Self::decrypt_for_release).
    pub fn with_release_policy(mut self, policy: ReleasePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The release policy.
    pub fn release_policy(&self) -> &ReleasePolicy {
        &self.policy
    }
}

/// How [`Decryptor::decrypt_for_release`] sizes its flooding noise: the statistical security
/// parameter `s` (default 30 bits, as OpenFHE), the number of releases `t` the key may make
/// (default 256; the noise grows as `sqrt(t)`: half a bit of precision per doubling), and the
/// least precision a release must keep (default 1 bit: below it the release is refused and the
/// error names the scale that would do).
///
/// ```
/// use ckks::ReleasePolicy;
/// let p = ReleasePolicy::default().with_security_bits(40).with_budget(1000);
/// assert_eq!((p.security_bits(), p.budget()), (40, 1000));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReleasePolicy {
    security_bits: u32,
    budget: u64,
    min_precision_bits: f64,
}

impl Default for ReleasePolicy {
    fn default() -> Self {
        Self {
            security_bits: 30,
            budget: 256,
            min_precision_bits: 1.0,
        }
    }
}

/// The flooding of one release.
struct Flooding {
    sigma: f64,
    /// The KL divergence one release spends.
    kl: f64,
    /// log2 of the flooding's standard deviation in a slot (real part).
    log2_slot_noise: f64,
    precision_bits: f64,
}

impl ReleasePolicy {
    /// With the statistical security parameter `bits` (clamped to 8..=128).
    pub fn with_security_bits(mut self, bits: u32) -> Self {
        self.security_bits = bits.clamp(8, 128);
        self
    }

    /// With a budget of `releases` (at least 1) per secret key.
    pub fn with_budget(mut self, releases: u64) -> Self {
        self.budget = releases.max(1);
        self
    }

    /// With a minimum precision in bits (refusing releases that would keep less).
    pub fn with_min_precision_bits(mut self, bits: f64) -> Self {
        self.min_precision_bits = if bits.is_finite() { bits } else { 1.0 };
        self
    }

    /// The statistical security parameter, in bits.
    pub fn security_bits(&self) -> u32 {
        self.security_bits
    }

    /// The number of releases per key.
    pub fn budget(&self) -> u64 {
        self.budget
    }

    /// The least precision a release keeps, in bits.
    pub fn min_precision_bits(&self) -> f64 {
        self.min_precision_bits
    }

    /// The total KL divergence the releases of a key may spend: `2^-s / 128`.
    fn allowance(&self) -> f64 {
        (-f64::from(self.security_bits)).exp2() / 128.0
    }

    /// `log2` of the flooding standard deviation for an error whose coefficient `l2` norm is
    /// at most `2^log2_l2`: `log2(sqrt(64 t) 2^(s/2) 2^log2_l2)`.
    pub fn log2_flooding_sigma(&self, log2_l2: f64) -> f64 {
        3.0 + 0.5 * (self.budget as f64).log2() + 0.5 * f64::from(self.security_bits) + log2_l2
    }

    fn flooding(&self, bound: &NoiseBound, n: usize, scale: f64) -> Flooding {
        // A bound below 1 is rounded up: flooding must at least cover one unit.
        let log2_l2 = bound.log2_error_l2().max(0.0);
        let log2_sigma = self.log2_flooding_sigma(log2_l2);
        let sigma = log2_sigma.exp2();
        let log2_slot_noise = log2_sigma + 0.5 * ((n as f64).log2() - 1.0);
        // The precision left: the scale against the tracked error plus the flooding's
        // standard deviation in a slot.
        let total = bound.log2_error().max(log2_slot_noise)
            + (1.0 + (-(bound.log2_error() - log2_slot_noise).abs()).exp2()).log2();
        Flooding {
            sigma,
            kl: (2.0 * log2_l2 - 2.0 * log2_sigma).exp2() / 2.0,
            log2_slot_noise,
            precision_bits: scale.log2() - total,
        }
    }
}
