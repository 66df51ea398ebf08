//! [`Encryptor`] (public-key or secret-key) and [`Decryptor`].

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::ciphertext::Ciphertext;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::keys::{PublicKey, SecretKey};
use crate::math::sampling::{random_seed, sample_ternary};
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
                }
            }
        };
        small.iter_mut().for_each(|x| *x = 0);
        Ok(result)
    }
}

/// Decrypts ciphertexts with the secret key.
pub struct Decryptor<'a> {
    sk: &'a SecretKey,
}

impl std::fmt::Debug for Decryptor<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Decryptor { <secret key> }")
    }
}

impl<'a> Decryptor<'a> {
    /// A decryptor for `sk`.
    pub fn new(sk: &'a SecretKey) -> Self {
        Self { sk }
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
        })
    }
}
