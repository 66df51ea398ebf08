//! Hybrid key switching: switching keys, their generation, and the three steps of a switch
//! (decompose and extend, inner product with the key, divide by P).
//!
//! The ciphertext primes `q_0, ..., q_level` are grouped into digits of `alpha` primes
//! (`alpha` = the number of special primes P). To switch `d` from a key `s'` to `s`:
//!
//! 1. **Decompose**: for each digit `D_j`, `d mod D_j` is extended to every prime of
//!    `Q_level * P` by fast base conversion (the error it leaves is a multiple of `D_j`, which the
//!    key's gadget cancels) and brought to NTT form.
//! 2. **Inner product** with the key's digits `(b_j, a_j)`, `b_j = -a_j s + e_j + P T_j s'`,
//!    where `T_j` is 1 modulo the primes of `D_j` and 0 modulo the others: products are summed
//!    in 128 bits and reduced once per coefficient.
//! 3. **ModDown**: both results are divided by P with rounding, back to `Q_level`.
//!
//! The decomposition does not depend on the key, so rotations of one ciphertext by many steps
//! share it (hoisting): in NTT form an automorphism is a permutation, applied to the
//! decomposition by reading it permuted in step 2.

use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, SeedableRng};
use zeroize::Zeroizing;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::math::sampling::{Seed, random_seed};
use crate::ring::{Representation, RnsPoly};

use super::secret::SecretKey;

/// A polynomial over `Q_L * P`: its part over the ciphertext primes and its part over P.
#[derive(Clone, Debug)]
pub(crate) struct QpPoly {
    pub(crate) q: RnsPoly,
    pub(crate) p: RnsPoly,
}

/// A key that switches a ciphertext component from a key `s'` to the secret key `s`.
///
/// One `(b_j, a_j)` pair per digit, over every prime, in NTT form. The `a_j` are expanded from a
/// 32-byte seed, which is what serialization stores.
#[derive(Clone)]
pub struct SwitchingKey {
    pub(crate) b: Vec<QpPoly>,
    pub(crate) a: Vec<QpPoly>,
    pub(crate) seed: Seed,
    pub(crate) param_id: u64,
}

impl std::fmt::Debug for SwitchingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SwitchingKey")
            .field("digits", &self.b.len())
            .field("param_id", &format_args!("{:016x}", self.param_id))
            .finish_non_exhaustive()
    }
}

impl SwitchingKey {
    /// The uniform components `a_j` expanded from `seed`: for each digit, the part over Q
    /// then the part over P, from one ChaCha20 stream.
    pub(crate) fn expand_a(ctx: &Context, seed: &Seed, digits: usize) -> Result<Vec<QpPoly>> {
        let mut rng = ChaCha20Rng::from_seed(*seed);
        let (qb, pb) = (ctx.q_basis(), ctx.p_basis());
        (0..digits)
            .map(|_| {
                Ok(QpPoly {
                    q: RnsPoly::uniform(qb, qb.len(), Representation::Ntt, &mut rng)?,
                    p: RnsPoly::uniform(pb, pb.len(), Representation::Ntt, &mut rng)?,
                })
            })
            .collect()
    }

    /// A key switching from `target` (a polynomial over `q_0..q_L` in NTT form: `s^2`, or
    /// `s(X^k)`) to `sk`.
    pub(crate) fn generate<R: CryptoRng + ?Sized>(
        sk: &SecretKey,
        target: &RnsPoly,
        rng: &mut R,
    ) -> Result<Self> {
        let ctx = &sk.ctx;
        let params = ctx.params();
        let alpha = params.digit_size();
        let digits = params.digits_at(ctx.max_level());
        let seed = random_seed(rng);
        let a = Self::expand_a(ctx, &seed, digits)?;
        let n = ctx.n();
        let mut errors = vec![0i8; n];
        let mut b = Vec::with_capacity(digits);
        for (j, a_j) in a.iter().enumerate() {
            ctx.gaussian().sample(rng, &mut errors);
            let mut b_q = RnsPoly::from_small(ctx.q_basis(), ctx.q_basis().len(), &errors)?;
            let mut b_p = RnsPoly::from_small(ctx.p_basis(), ctx.p_basis().len(), &errors)?;
            b_q.to_ntt();
            b_p.to_ntt();
            // b = e - a s
            b_q.sub_assign(&Zeroizing::new(a_j.q.mul(&sk.s_q)?))?;
            b_p.sub_assign(&Zeroizing::new(a_j.p.mul(&sk.s_p)?))?;
            // + P s' on the digit's primes (P = 0 modulo the special primes).
            let lo = j * alpha;
            let hi = (lo + alpha).min(ctx.max_level() + 1);
            for i in lo..hi {
                let qi = ctx.q_basis().moduli()[i];
                let p_mod = qi.shoup(ctx.p_mod_q()[i]);
                let (Some(limb), Some(t)) = (b_q.limb_mut(i), target.limb(i)) else {
                    return Err(Error::ShapeMismatch {
                        what: "switching-key target limbs",
                        expected: ctx.max_level() + 1,
                        got: target.limb_count(),
                    });
                };
                for (x, &s) in limb.iter_mut().zip(t) {
                    *x = qi.add(*x, qi.mul_shoup(s, p_mod));
                }
            }
            b.push(QpPoly { q: b_q, p: b_p });
        }
        errors.iter_mut().for_each(|e| *e = 0);
        Ok(Self {
            b,
            a,
            seed,
            param_id: ctx.id(),
        })
    }

    /// The number of digits.
    pub fn digits(&self) -> usize {
        self.b.len()
    }

    /// The seed the uniform components are expanded from (public, like the key).
    pub fn seed(&self) -> &Seed {
        &self.seed
    }
}

/// The extended digits of a polynomial at some level: digit `j` holds `d mod D_j` extended to
/// `q_0, ..., q_level, p_0, ...` (limb-major, NTT form).
#[derive(Debug)]
pub(crate) struct Decomposition {
    pub(crate) level: usize,
    pub(crate) digits: Vec<Vec<u64>>,
}

/// Step 1: decompose `d` (NTT form, over `q_0..q_level`) into extended digits.
pub(crate) fn decompose(ctx: &Context, d: &RnsPoly) -> Result<Decomposition> {
    if d.representation() != Representation::Ntt {
        return Err(Error::WrongRepresentation {
            expected: "NTT",
            got: "coefficient",
            fix: "RnsPoly::to_ntt",
        });
    }
    let n = ctx.n();
    let l1 = d.limb_count();
    let level = l1 - 1;
    let k = ctx.p_basis().len();
    let alpha = ctx.params().digit_size();
    let mut d_coeff = d.clone();
    d_coeff.to_coeff();
    let converters = ctx.mod_up(level);
    let extend = |j: usize| -> Result<Vec<u64>> {
        let lo = j * alpha;
        let hi = (lo + alpha).min(l1);
        let mut ext = vec![0u64; (l1 + k) * n];
        converters[j].convert(&d_coeff.coeffs()[lo * n..hi * n], &mut ext, n)?;
        for_each_chunk(&mut ext, n, |t, limb| {
            if (lo..hi).contains(&t) {
                limb.copy_from_slice(&d.coeffs()[t * n..(t + 1) * n]);
            } else if t < l1 {
                ctx.q_basis().table(t).forward(limb);
            } else {
                ctx.p_basis().table(t - l1).forward(limb);
            }
        });
        Ok(ext)
    };
    #[cfg(feature = "parallel")]
    let digits = {
        use rayon::prelude::*;
        (0..converters.len())
            .into_par_iter()
            .map(extend)
            .collect::<Result<Vec<_>>>()?
    };
    #[cfg(not(feature = "parallel"))]
    let digits = (0..converters.len())
        .map(extend)
        .collect::<Result<Vec<_>>>()?;
    Ok(Decomposition { level, digits })
}

/// Steps 2 and 3: the inner product of a decomposition (read through the NTT-form permutation
/// `perm` if given: the decomposition of `sigma(d)`) with `key`, divided by P. Returns the two
/// polynomials `(c_0', c_1')` over `q_0..q_level` (NTT form) with
/// `c_0' + c_1' s = d s' + small`.
pub(crate) fn key_switch_from(
    ctx: &Context,
    dec: &Decomposition,
    key: &SwitchingKey,
    perm: Option<&[u32]>,
) -> Result<(RnsPoly, RnsPoly)> {
    ctx.check_id("switching key", key.param_id)?;
    let n = ctx.n();
    let l1 = dec.level + 1;
    let k = ctx.p_basis().len();
    let digits = dec.digits.len();
    if key.b.len() < digits {
        return Err(Error::ShapeMismatch {
            what: "switching-key digits",
            expected: digits,
            got: key.b.len(),
        });
    }
    let mut acc_b = vec![0u64; (l1 + k) * n];
    let mut acc_a = vec![0u64; (l1 + k) * n];
    fn limb_of(poly: &QpPoly, t: usize, l1: usize, n: usize) -> &[u64] {
        if t < l1 {
            &poly.q.coeffs()[t * n..(t + 1) * n]
        } else {
            &poly.p.coeffs()[(t - l1) * n..(t - l1 + 1) * n]
        }
    }
    let modulus_of = |t: usize| {
        if t < l1 {
            ctx.q_basis().moduli()[t]
        } else {
            ctx.p_basis().moduli()[t - l1]
        }
    };
    let product = |t: usize, out_b: &mut [u64], out_a: &mut [u64]| {
        let q = modulus_of(t);
        // Sums of `batch` products of values below q stay below q * 2^64, the precondition of
        // `reduce_u128`; longer sums are reduced in between.
        let batch = ((u64::MAX / q.value()) as usize).clamp(1, digits);
        let ext: Vec<&[u64]> = dec.digits.iter().map(|e| &e[t * n..(t + 1) * n]).collect();
        let kb: Vec<&[u64]> = key
            .b
            .iter()
            .take(digits)
            .map(|p| limb_of(p, t, l1, n))
            .collect();
        let ka: Vec<&[u64]> = key
            .a
            .iter()
            .take(digits)
            .map(|p| limb_of(p, t, l1, n))
            .collect();
        for c in 0..n {
            let src = perm.map_or(c, |p| p[c] as usize);
            let (mut sb, mut sa) = (0u128, 0u128);
            for start in (0..digits).step_by(batch) {
                if start > 0 {
                    sb = q.reduce_u128(sb) as u128;
                    sa = q.reduce_u128(sa) as u128;
                }
                for j in start..(start + batch).min(digits) {
                    let x = ext[j][src] as u128;
                    sb += x * kb[j][c] as u128;
                    sa += x * ka[j][c] as u128;
                }
            }
            out_b[c] = q.reduce_u128(sb);
            out_a[c] = q.reduce_u128(sa);
        }
    };
    for_each_chunk_pair(&mut acc_b, &mut acc_a, n, product);
    let (b_q, b_p) = split_qp(ctx, acc_b, l1)?;
    let (a_q, a_p) = split_qp(ctx, acc_a, l1)?;
    let md = ctx.mod_down();
    let c0 = md.mod_down(&b_q, &b_p)?;
    let c1 = md.mod_down(&a_q, &a_p)?;
    Ok((c0, c1))
}

/// Key switching of one polynomial: decomposition then inner product.
pub(crate) fn key_switch(
    ctx: &Context,
    d: &RnsPoly,
    key: &SwitchingKey,
) -> Result<(RnsPoly, RnsPoly)> {
    let dec = decompose(ctx, d)?;
    key_switch_from(ctx, &dec, key, None)
}

fn split_qp(ctx: &Context, mut data: Vec<u64>, l1: usize) -> Result<(RnsPoly, RnsPoly)> {
    let n = ctx.n();
    let p_part = data.split_off(l1 * n);
    Ok((
        RnsPoly::from_parts(ctx.q_basis(), Representation::Ntt, data)?,
        RnsPoly::from_parts(ctx.p_basis(), Representation::Ntt, p_part)?,
    ))
}

/// Runs `f(t, chunk_t)` over the `n`-sized chunks of `data`, in parallel with the `parallel`
/// feature.
fn for_each_chunk(data: &mut [u64], n: usize, f: impl Fn(usize, &mut [u64]) + Send + Sync) {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        data.par_chunks_exact_mut(n)
            .enumerate()
            .for_each(|(t, c)| f(t, c));
    }
    #[cfg(not(feature = "parallel"))]
    for (t, c) in data.chunks_exact_mut(n).enumerate() {
        f(t, c);
    }
}

fn for_each_chunk_pair(
    a: &mut [u64],
    b: &mut [u64],
    n: usize,
    f: impl Fn(usize, &mut [u64], &mut [u64]) + Send + Sync,
) {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        a.par_chunks_exact_mut(n)
            .zip(b.par_chunks_exact_mut(n))
            .enumerate()
            .for_each(|(t, (x, y))| f(t, x, y));
    }
    #[cfg(not(feature = "parallel"))]
    for (t, (x, y)) in a.chunks_exact_mut(n).zip(b.chunks_exact_mut(n)).enumerate() {
        f(t, x, y);
    }
}
