//! Ciphertext multiplication, relinearization, rescaling and levels.

use std::borrow::Cow;

use super::Evaluator;
use crate::ciphertext::Ciphertext;
use crate::error::{Error, Result};
use crate::keys::switching::key_switch_add;
use crate::noise::key_switch_term;
use crate::ring::RnsPoly;

impl Evaluator {
    /// `a * b` without relinearization: the tensor product, a ciphertext of degree
    /// `a.degree() + b.degree()` (at most [`MAX_DEGREE`](Self::MAX_DEGREE)) whose scale is the
    /// product of the scales: `d_k = sum_{i + j = k} a_i b_j` decrypts under `(1, s, s^2, ...)`.
    /// Operands at different levels are aligned to the lower one.
    ///
    /// Two degree-1 operands give the usual degree-2 product, which
    /// [`relinearize`](Self::relinearize) brings back to degree 1. A result that is only ever
    /// decrypted needs no relinearization at all: the [`Decryptor`](crate::Decryptor) takes any
    /// degree, so `x^3 = x * mul(x, x)` can be computed without a single key switch, at the
    /// price of a larger ciphertext (one polynomial per degree) and of precision after a
    /// rescale: the rounding of component `k` is multiplied by `s^k` at decryption (at
    /// `N = 2^13`, scale `2^40`: about 18 bits for a rescaled degree-3 result against 26 for a
    /// relinearized one).
    ///
    /// ```
    /// use ckks::{Context, Decryptor, Encoder, Encryptor, EvaluationKeys, Evaluator, SecretKey};
    /// use ckks::params::Preset;
    /// use rand_chacha::ChaCha20Rng;
    /// use rand_core::SeedableRng;
    /// let ctx = Context::new(Preset::RefA.literal().build()?)?;
    /// let mut rng = ChaCha20Rng::from_seed([4; 32]);
    /// let sk = SecretKey::generate(&ctx, &mut rng)?;
    /// let eval = Evaluator::new(&ctx, EvaluationKeys::builder(&sk).build(&mut rng)?)?; // no keys
    /// let enc = Encoder::new(&ctx);
    /// let ct = Encryptor::with_secret_key(&sk)
    ///     .encrypt(&enc.encode(&[0.5, -1.5], ctx.max_level(), ctx.default_scale())?, &mut rng)?;
    /// let sq = eval.rescale(&eval.mul(&ct, &ct)?)?;            // degree 2
    /// let cube = eval.rescale(&eval.mul(&ct, &sq)?)?;          // degree 3
    /// assert_eq!(cube.degree(), 3);
    /// let v = enc.decode(&Decryptor::new(&sk).decrypt(&cube)?)?;
    /// assert!((v[0] - 0.125).abs() < 1e-6 && (v[1] + 3.375).abs() < 1e-6);
    /// # Ok::<(), ckks::Error>(())
    /// ```
    pub fn mul(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext> {
        self.check(a)?;
        self.check(b)?;
        let degree = a.degree() + b.degree();
        if degree > Self::MAX_DEGREE {
            return Err(Error::DegreeTooHigh {
                op: "mul (the product's degree)",
                degree,
                max: Self::MAX_DEGREE,
            });
        }
        let level = a.level().min(b.level());
        let scale = a.scale * b.scale;
        self.check_scale_fits("mul", scale, level)?;
        let limbs = level + 1;
        // Borrow the parts at the right level; copy only the ones that must drop limbs.
        fn trunc(part: &RnsPoly, limbs: usize) -> Result<Cow<'_, RnsPoly>> {
            Ok(if part.limb_count() == limbs {
                Cow::Borrowed(part)
            } else {
                Cow::Owned(part.truncated(limbs)?)
            })
        }
        let a_parts = a
            .parts
            .iter()
            .map(|p| trunc(p, limbs))
            .collect::<Result<Vec<_>>>()?;
        let b_parts = b
            .parts
            .iter()
            .map(|p| trunc(p, limbs))
            .collect::<Result<Vec<_>>>()?;
        let mut parts: Vec<Option<RnsPoly>> = (0..=degree).map(|_| None).collect();
        for (i, ai) in a_parts.iter().enumerate() {
            for (j, bj) in b_parts.iter().enumerate() {
                match &mut parts[i + j] {
                    Some(acc) => acc.mul_add_assign(ai, bj)?,
                    slot => *slot = Some(ai.mul(bj)?),
                }
            }
        }
        Ok(Ciphertext {
            // Every degree 0..=a.degree() + b.degree() receives at least a_0 b_k or a_k b_0.
            parts: parts.into_iter().flatten().collect(),
            scale,
            slots: a.slots.max(b.slots),
            param_id: a.param_id,
            seed: None,
            noise: match (a.noise, b.noise) {
                (Some(x), Some(y)) => Some(x.mul(&y, self.ctx.n())),
                _ => None,
            },
        })
    }

    /// The largest ciphertext degree [`mul`](Self::mul) produces (a degree-`d` ciphertext holds
    /// `d + 1` polynomials).
    pub const MAX_DEGREE: usize = 4;

    /// `a *= b` (degree `a.degree() + b.degree()` afterwards).
    pub fn mul_assign(&self, a: &mut Ciphertext, b: &Ciphertext) -> Result<()> {
        *a = self.mul(a, b)?;
        Ok(())
    }

    /// Relinearization: a degree-2 ciphertext back to degree 1 with the relinearization key.
    /// A degree-1 ciphertext is returned unchanged.
    pub fn relinearize(&self, ct: &Ciphertext) -> Result<Ciphertext> {
        let mut out = ct.clone();
        self.relinearize_assign(&mut out)?;
        Ok(out)
    }

    /// In-place relinearization.
    pub fn relinearize_assign(&self, ct: &mut Ciphertext) -> Result<()> {
        self.check(ct)?;
        match ct.degree() {
            1 => Ok(()),
            2 => {
                let Some(rk) = self.keys.relin.as_ref() else {
                    return Err(Error::MissingRelinearizationKey);
                };
                let Some(d2) = ct.parts.pop() else {
                    return Err(Error::DegreeTooHigh {
                        op: "relinearize",
                        degree: 0,
                        max: 2,
                    });
                };
                let [c0, c1] = &mut ct.parts[..] else {
                    return Err(Error::DegreeTooHigh {
                        op: "relinearize",
                        degree: 0,
                        max: 2,
                    });
                };
                key_switch_add(&self.ctx, &d2, &rk.0, c0, c1)?;
                let term = key_switch_term(&self.ctx, c0.limb_count() - 1);
                ct.noise = ct.noise.map(|b| b.add_per_coeff(self.ctx.n(), term));
                Ok(())
            }
            degree => Err(Error::DegreeTooHigh {
                op: "relinearize",
                degree,
                max: 2,
            }),
        }
    }

    /// `a * b` relinearized (scale: the product of the scales; rescale afterwards).
    pub fn mul_relin(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext> {
        let mut out = self.mul(a, b)?;
        self.relinearize_assign(&mut out)?;
        Ok(out)
    }

    /// `a *= b`, relinearized.
    pub fn mul_relin_assign(&self, a: &mut Ciphertext, b: &Ciphertext) -> Result<()> {
        *a = self.mul_relin(a, b)?;
        Ok(())
    }

    /// Divides by the last prime `q_level` with rounding: one level down, and the scale divided
    /// by that exact prime.
    pub fn rescale(&self, ct: &Ciphertext) -> Result<Ciphertext> {
        let mut out = ct.clone();
        self.rescale_assign(&mut out)?;
        Ok(out)
    }

    /// In-place rescale.
    pub fn rescale_assign(&self, ct: &mut Ciphertext) -> Result<()> {
        self.check(ct)?;
        let level = ct.level();
        if level == 0 {
            return Err(Error::EndOfModulusChain { op: "rescale" });
        }
        let q_last = self.ctx.q_at(level) as f64;
        match &mut ct.parts[..] {
            [c0, c1] => {
                let (r0, r1) = crate::par::join(
                    || c0.divide_round_by_last_assign(),
                    || c1.divide_round_by_last_assign(),
                );
                r0.and(r1)?;
            }
            parts => {
                for p in parts.iter_mut() {
                    p.divide_round_by_last_assign()?;
                }
            }
        }
        ct.scale /= q_last;
        ct.seed = None;
        let degree = ct.degree();
        ct.noise = ct
            .noise
            .map(|b| b.rescaled(q_last.log2(), degree, self.ctx.n()));
        Ok(())
    }

    /// Brings `ct` to exactly `target` scale, one level down: multiplies by 1 encoded at
    /// `target * q_level / ct.scale()`, then rescales by `q_level`. The only error is the
    /// rounding of that constant (relative `2^-log2(constant)`).
    ///
    /// Use it before adding ciphertexts whose scales drifted apart (a rescaled product has
    /// scale `Delta^2 / q`, not `Delta`): `match_scale(&fresh, product.scale())`.
    pub fn match_scale(&self, ct: &Ciphertext, target: f64) -> Result<Ciphertext> {
        self.check(ct)?;
        let level = ct.level();
        if level == 0 {
            return Err(Error::EndOfModulusChain { op: "match_scale" });
        }
        let factor = target * self.ctx.q_at(level) as f64 / ct.scale;
        let mut out = self.mul_const(ct, 1.0, factor)?;
        self.rescale_assign(&mut out)?;
        // The product of the scales divided by the prime is `target` up to floating-point
        // rounding; record the exact target.
        self.relabel_scale(&mut out, target);
        Ok(out)
    }

    /// Sets the scale of `ct` to `scale`, meaning the same values (the scale was meant to be
    /// `scale` and is off by floating-point rounding or a constant's rounding): the noise
    /// bound accounts for the relative difference.
    pub(crate) fn relabel_scale(&self, ct: &mut Ciphertext, scale: f64) {
        let n = self.ctx.n();
        ct.noise = ct.noise.map(|b| b.rescaled_label(ct.scale, scale, n));
        ct.scale = scale;
    }

    /// The worst-case bound on the error of `ct` in bits: `log2` of a bound on the canonical
    /// embedding infinity norm of `Delta z - sigma(decrypt(ct))` at the ciphertext's scale
    /// (every slot is within `2^bits / scale` of the exact result). `None` when unknown (a
    /// ciphertext loaded from bytes without an attached bound), and `None` when the bound no
    /// longer guarantees anything: when the message and error bounds reach half the modulus
    /// at the ciphertext's level (the decryption may wrap around; [`crate::NoiseBound::fits`]).
    /// See [`crate::noise`].
    ///
    /// ```
    /// use ckks::{Context, Encoder, Encryptor, EvaluationKeys, Evaluator, SecretKey, params::Preset};
    /// use ckks::math::sampling::os_seeded_rng;
    /// let ctx = Context::new(Preset::RefA.literal().build()?)?;
    /// let mut rng = os_seeded_rng()?;
    /// let sk = SecretKey::generate(&ctx, &mut rng)?;
    /// let eval = Evaluator::new(&ctx, EvaluationKeys::builder(&sk).relinearization().build(&mut rng)?)?;
    /// let enc = Encoder::new(&ctx);
    /// let ct = Encryptor::with_secret_key(&sk)
    ///     .encrypt(&enc.encode(&[1.0, 2.0], ctx.max_level(), ctx.default_scale())?, &mut rng)?;
    /// let fresh = eval.noise_bound_bits(&ct).unwrap();
    /// let sq = eval.rescale(&eval.mul_relin(&ct, &ct)?)?;
    /// assert!(eval.noise_bound_bits(&sq).unwrap() > fresh);
    /// assert!(sq.scale().log2() - eval.noise_bound_bits(&sq).unwrap() > 10.0); // bits guaranteed
    /// # Ok::<(), ckks::Error>(())
    /// ```
    pub fn noise_bound_bits(&self, ct: &Ciphertext) -> Option<f64> {
        let log_q = self.ctx.log_q_at(ct.level());
        ct.noise.filter(|b| b.fits(log_q)).map(|b| b.log2_error())
    }

    /// Drops the ciphertext to `level` (discarding limbs; the values and the scale are
    /// unchanged).
    pub fn drop_to_level(&self, ct: &Ciphertext, level: usize) -> Result<Ciphertext> {
        let mut out = ct.clone();
        self.drop_to_level_assign(&mut out, level)?;
        Ok(out)
    }

    /// In-place [`drop_to_level`](Self::drop_to_level).
    pub fn drop_to_level_assign(&self, ct: &mut Ciphertext, level: usize) -> Result<()> {
        if level > ct.level() {
            return Err(Error::LevelOutOfRange {
                level,
                max_level: ct.level(),
            });
        }
        if level < ct.level() {
            for p in ct.parts.iter_mut() {
                p.truncate(level + 1)?;
            }
            ct.seed = None;
        }
        Ok(())
    }
}
