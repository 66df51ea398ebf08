//! Keys: the secret key, the public key, and the evaluation keys (relinearization and Galois
//! keys) that a server needs, built by [`EvaluationKeys::builder`].

mod inner_product;
pub(crate) mod packed;
mod secret;
pub(crate) mod switching;

use std::collections::{BTreeMap, BTreeSet};

use rand_core::CryptoRng;
use zeroize::Zeroizing;

pub use secret::SecretKey;
pub use switching::SwitchingKey;

use rand_core::SeedableRng;
use switching::QpPoly;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::math::sampling::{Seed, random_seed};
use crate::par::map_items;
use crate::ring::{AutomorphismIndex, Representation, RnsPoly};

/// The public key `(b, a)` with `b = -a s + e`, over every prime (`q_0, ..., q_L` and `P`, NTT
/// form); `a` is expanded from a 32-byte seed.
///
/// Encryption happens over `Q_level * P` and is then divided by `P` (as SEAL does), which
/// shrinks the fresh noise from `v e + e_1 s` to the rounding term: about 4 bits of precision
/// gained for the cost of the special primes' limbs.
#[derive(Clone)]
pub struct PublicKey {
    pub(crate) ctx: Context,
    pub(crate) b: QpPoly,
    pub(crate) a: QpPoly,
    pub(crate) seed: Seed,
}

impl PublicKey {
    /// Generates the public key of `sk`.
    pub fn generate<R: CryptoRng + ?Sized>(sk: &SecretKey, rng: &mut R) -> Result<Self> {
        let ctx = &sk.ctx;
        let seed = random_seed(rng);
        let a = Self::expand_a(ctx, &seed)?;
        let mut errors = vec![0i8; ctx.n()];
        ctx.gaussian().sample(rng, &mut errors);
        let mut b_q = RnsPoly::from_small(ctx.q_basis(), ctx.q_basis().len(), &errors)?;
        let mut b_p = RnsPoly::from_small(ctx.p_basis(), ctx.p_basis().len(), &errors)?;
        errors.iter_mut().for_each(|e| *e = 0);
        b_q.to_ntt();
        b_p.to_ntt();
        b_q.sub_assign(&Zeroizing::new(a.q.mul(&sk.s_q)?))?;
        b_p.sub_assign(&Zeroizing::new(a.p.mul(&sk.s_p)?))?;
        Ok(Self {
            ctx: ctx.clone(),
            b: QpPoly { q: b_q, p: b_p },
            a,
            seed,
        })
    }

    /// The uniform polynomial `a` expanded from `seed`: the part over Q, then over P.
    pub(crate) fn expand_a(ctx: &Context, seed: &Seed) -> Result<QpPoly> {
        let mut rng = rand_chacha::ChaCha20Rng::from_seed(*seed);
        let (qb, pb) = (ctx.q_basis(), ctx.p_basis());
        Ok(QpPoly {
            q: RnsPoly::uniform(qb, qb.len(), Representation::Ntt, &mut rng)?,
            p: RnsPoly::uniform(pb, pb.len(), Representation::Ntt, &mut rng)?,
        })
    }

    /// The context of the key.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// The seed `a` is expanded from (public, like the key).
    pub fn seed(&self) -> &Seed {
        &self.seed
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicKey")
            .field("param_id", &format_args!("{:016x}", self.ctx.id()))
            .finish_non_exhaustive()
    }
}

/// The relinearization key: switches `s^2` to `s`.
#[derive(Clone, Debug)]
pub struct RelinearizationKey(pub(crate) SwitchingKey);

impl RelinearizationKey {
    /// Generates the relinearization key of `sk`.
    pub fn generate<R: CryptoRng + ?Sized>(sk: &SecretKey, rng: &mut R) -> Result<Self> {
        let s2 = Zeroizing::new(sk.s_q.mul(&sk.s_q)?);
        Ok(Self(SwitchingKey::generate(sk, &s2, rng)?))
    }
}

/// Galois keys: for each Galois element `k`, a key for the automorphism `X -> X^k` (a slot
/// rotation, or conjugation for `k = 2N - 1`).
///
/// Each is stored pre-permuted, as a key switching from `sigma_k^-1(s)` to `s`: a rotation
/// then key-switches `c_1` as it is and applies `sigma_k` once to the two result polynomials,
/// instead of reading every extended digit through the permutation.
#[derive(Clone, Debug, Default)]
pub struct GaloisKeys {
    pub(crate) keys: BTreeMap<u64, SwitchingKey>,
}

impl GaloisKeys {
    /// Generates the keys for the given Galois elements (see [`galois_element`] and
    /// [`conjugation_element`]); duplicates are generated once.
    pub fn generate<R: CryptoRng + ?Sized>(
        sk: &SecretKey,
        elements: &[u64],
        rng: &mut R,
    ) -> Result<Self> {
        let unique: BTreeSet<u64> = elements.iter().copied().collect();
        // One ChaCha20 stream per key, seeded from `rng`: the keys are independent of one
        // another and are generated in parallel.
        let work: Vec<(u64, Zeroizing<Seed>)> = unique
            .into_iter()
            .map(|k| (k, Zeroizing::new(random_seed(rng))))
            .collect();
        let generated = map_items(work, true, |(k, seed)| -> Result<(u64, SwitchingKey)> {
            let mut key_rng = rand_chacha::ChaCha20Rng::from_seed(*seed);
            // Stored pre-permuted: the key switches from sigma^-1(s) to s, so a rotation
            // key-switches c_1 unpermuted and applies sigma once to the result (no permuted
            // reads of the decomposition in the inner product).
            let two_n = 2 * sk.ctx.n() as u64;
            let k_inv = inverse_mod_power_of_two(k, two_n);
            let inverse = AutomorphismIndex::new(sk.ctx.n(), k_inv)?;
            let u_q = Zeroizing::new(sk.s_q.automorphism_with(&inverse)?);
            let u_p = Zeroizing::new(sk.s_p.automorphism_with(&inverse)?);
            let key = SwitchingKey::generate_for(sk, (&u_q, &u_p), &sk.s_q, &mut key_rng)?;
            Ok((k, key))
        });
        let keys = generated.into_iter().collect::<Result<BTreeMap<_, _>>>()?;
        Ok(Self { keys })
    }

    /// The Galois elements present.
    pub fn elements(&self) -> impl Iterator<Item = u64> + '_ {
        self.keys.keys().copied()
    }

    /// The key for element `k`, if present.
    pub fn get(&self, k: u64) -> Option<&SwitchingKey> {
        self.keys.get(&k)
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there is no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The inverse of the odd `k` modulo the power of two `m` (Newton's iteration, exact in
/// wrapping arithmetic).
fn inverse_mod_power_of_two(k: u64, m: u64) -> u64 {
    let mut x = k; // k * k = 1 mod 8 for odd k: 3 correct bits
    for _ in 0..6 {
        x = x.wrapping_mul(2u64.wrapping_sub(k.wrapping_mul(x)));
    }
    x & (m - 1)
}

/// The Galois element `5^step mod 2N` of the rotation of the slots left by `step` (right for a
/// negative step), for a ring of degree `n`.
///
/// ```
/// assert_eq!(ckks::keys::galois_element(1, 8192), 5);
/// assert_eq!(ckks::keys::galois_element(-1, 16), 13); // 5^7 mod 32 = 13: 5 * 13 = 65 = 1 mod 32
/// ```
pub fn galois_element(step: i64, n: usize) -> u64 {
    let two_n = 2 * n as u64;
    let half = (n / 2).max(1) as i64;
    let mut e = step.rem_euclid(half) as u64;
    let (mut result, mut base) = (1u64, 5u64 % two_n);
    while e > 0 {
        if e & 1 == 1 {
            result = result * base % two_n;
        }
        base = base * base % two_n;
        e >>= 1;
    }
    result
}

/// The Galois element `2N - 1` of complex conjugation of the slots.
pub fn conjugation_element(n: usize) -> u64 {
    2 * n as u64 - 1
}

/// The Galois elements of the rotations by `+-2^i` for every `i` with `2^i < N/2`, plus
/// conjugation: SEAL's default set, enough for any rotation by composition.
pub fn power_of_two_elements(n: usize) -> Vec<u64> {
    let half = (n / 2) as i64;
    let mut out = Vec::new();
    let mut step = 1i64;
    while step < half {
        out.push(galois_element(step, n));
        out.push(galois_element(-step, n));
        step *= 2;
    }
    out.push(conjugation_element(n));
    out.sort_unstable();
    out.dedup();
    out
}

/// The keys a server needs: relinearization and Galois keys. No secret.
#[derive(Clone, Debug)]
pub struct EvaluationKeys {
    pub(crate) param_id: u64,
    pub(crate) relin: Option<RelinearizationKey>,
    pub(crate) galois: GaloisKeys,
}

impl EvaluationKeys {
    /// Starts building evaluation keys for `sk`.
    ///
    /// ```
    /// use ckks::{Context, EvaluationKeys, SecretKey, params::Preset};
    /// use rand_chacha::ChaCha20Rng;
    /// use rand_core::SeedableRng;
    /// let ctx = Context::new(Preset::RefA.literal().build()?)?;
    /// let mut rng = ChaCha20Rng::from_seed([1; 32]);
    /// let sk = SecretKey::generate(&ctx, &mut rng)?;
    /// let evk = EvaluationKeys::builder(&sk).relinearization().rotations(&[1, -1]).build(&mut rng)?;
    /// assert!(evk.relinearization_key().is_some());
    /// assert_eq!(evk.galois_keys().len(), 2);
    /// # Ok::<(), ckks::Error>(())
    /// ```
    pub fn builder(sk: &SecretKey) -> EvaluationKeysBuilder<'_> {
        EvaluationKeysBuilder {
            sk,
            relin: false,
            elements: Vec::new(),
        }
    }

    /// Assembles evaluation keys from parts (e.g. loaded from storage).
    pub fn from_parts(
        ctx: &Context,
        relin: Option<RelinearizationKey>,
        galois: GaloisKeys,
    ) -> Result<Self> {
        if let Some(r) = &relin {
            ctx.check_id("relinearization key", r.0.param_id)?;
        }
        for key in galois.keys.values() {
            ctx.check_id("Galois key", key.param_id)?;
        }
        Ok(Self {
            param_id: ctx.id(),
            relin,
            galois,
        })
    }

    /// The relinearization key, if present.
    pub fn relinearization_key(&self) -> Option<&RelinearizationKey> {
        self.relin.as_ref()
    }

    /// The Galois keys.
    pub fn galois_keys(&self) -> &GaloisKeys {
        &self.galois
    }
}

/// Builder of [`EvaluationKeys`]: choose what the computation needs, then `build`.
#[derive(Debug)]
pub struct EvaluationKeysBuilder<'a> {
    sk: &'a SecretKey,
    relin: bool,
    elements: Vec<u64>,
}

impl EvaluationKeysBuilder<'_> {
    /// The ring degree N of the keys being built.
    pub(crate) fn ring_degree(&self) -> usize {
        self.sk.ctx.n()
    }

    /// Adds the relinearization key (needed by ciphertext-ciphertext multiplication).
    pub fn relinearization(mut self) -> Self {
        self.relin = true;
        self
    }

    /// Adds Galois keys for rotations of the slots by these steps (positive: left).
    pub fn rotations(mut self, steps: &[i64]) -> Self {
        let n = self.sk.ctx.n();
        self.elements
            .extend(steps.iter().map(|&s| galois_element(s, n)));
        self
    }

    /// Adds the Galois key for complex conjugation.
    pub fn conjugation(mut self) -> Self {
        self.elements.push(conjugation_element(self.sk.ctx.n()));
        self
    }

    /// Adds the keys for rotations by every `+-2^i` and conjugation (SEAL's default set).
    pub fn power_of_two_rotations(mut self) -> Self {
        self.elements.extend(power_of_two_elements(self.sk.ctx.n()));
        self
    }

    /// Adds keys for explicit Galois elements.
    pub fn galois_elements(mut self, elements: &[u64]) -> Self {
        self.elements.extend_from_slice(elements);
        self
    }

    /// Generates the keys.
    pub fn build<R: CryptoRng + ?Sized>(self, rng: &mut R) -> Result<EvaluationKeys> {
        let ctx = &self.sk.ctx;
        if self.elements.contains(&1) {
            return Err(Error::InvalidGaloisElement {
                k: 1,
                n: ctx.n(),
                two_n: 2 * ctx.n() as u64,
            });
        }
        let relin = if self.relin {
            Some(RelinearizationKey::generate(self.sk, rng)?)
        } else {
            None
        };
        let galois = GaloisKeys::generate(self.sk, &self.elements, rng)?;
        Ok(EvaluationKeys {
            param_id: ctx.id(),
            relin,
            galois,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverses_modulo_powers_of_two() {
        for m in [4u64, 32, 1 << 18] {
            for k in (1..m.min(5000)).step_by(2) {
                assert_eq!(
                    k * inverse_mod_power_of_two(k, m) % m,
                    1,
                    "k = {k}, m = {m}"
                );
            }
        }
    }

    #[test]
    fn galois_elements() {
        let n = 1 << 13;
        assert_eq!(galois_element(0, n), 1);
        assert_eq!(galois_element(1, n), 5);
        assert_eq!(galois_element(2, n), 25);
        // Rotating left by -1 is rotating left by N/2 - 1.
        assert_eq!(galois_element(-1, n), galois_element((n / 2 - 1) as i64, n));
        // 5^(N/2) = 1 mod 2N: the rotation group has order N/2.
        assert_eq!(galois_element((n / 2) as i64, n), 1);
        let set = power_of_two_elements(n);
        // +-1, ..., +-2^11 (2^12 = N/2 is the identity), and conjugation; +2^11 = -2^11.
        assert_eq!(set.len(), 2 * 12 - 1 + 1);
        assert!(set.contains(&conjugation_element(n)));
    }
}
