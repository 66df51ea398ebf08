//! Hybrid key switching: switching keys, their generation, and the three steps of a switch
//! (decompose and extend, inner product with the key, divide by P).
//!
//! The ciphertext primes `q_0, ..., q_level` are grouped into digits of `alpha` primes
//! (`alpha` = the number of special primes P). To switch `d` from a key `s'` to `s`:
//!
//! 1. **Decompose**: for each digit `D_j`, the centered `d mod D_j` is extended to every prime
//!    of `Q_level * P` by base conversion and brought to NTT form.
//! 2. **Inner product** with the key's digits `(b_j, a_j)`, `b_j = -a_j s + e_j + P T_j s'`,
//!    where `T_j` is 1 modulo the primes of `D_j` and 0 modulo the others: products are summed
//!    in 128 bits and reduced once per coefficient.
//! 3. **ModDown**: both results are divided by P with rounding, back to `Q_level`.
//!
//! The decomposition does not depend on the key, so rotations of one ciphertext by many steps
//! share it (hoisting): Galois keys are stored pre-permuted (switching from `sigma^-1(s)`), so
//! each rotation runs steps 2 and 3 on the shared decomposition as it is and applies `sigma`
//! to the two results.

use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, SeedableRng};
use zeroize::Zeroizing;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::math::ifma52;
use crate::math::sampling::{Seed, random_seed};
use crate::par::{for_each_limb, for_each_limb_pair, join, map_items, try_for_each_limb};
use crate::ring::{Representation, RnsPoly};

use super::inner_product::{Terms, inner_product};
use super::packed::{PackedLimb, PackedQp};
use super::secret::SecretKey;

/// A polynomial over `Q_L * P`: its part over the ciphertext primes and its part over P.
#[derive(Clone, Debug)]
pub(crate) struct QpPoly {
    pub(crate) q: RnsPoly,
    pub(crate) p: RnsPoly,
}

/// A key that switches a ciphertext component from a key `s'` to the secret key `s`.
///
/// One `(b_j, a_j)` pair per digit, over every prime, in NTT form, held with the fewest whole
/// bytes per residue (see [`super::packed`]). The `a_j` are expanded from a 32-byte seed, which
/// is what serialization stores.
#[derive(Clone)]
pub struct SwitchingKey {
    pub(crate) b: Vec<PackedQp>,
    pub(crate) a: Vec<PackedQp>,
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
        Self::generate_for(sk, (&sk.s_q, &sk.s_p), target, rng)
    }

    /// A key with `b_j = -a_j u + e_j + P T_j target` for a secret-dependent `u` given over Q
    /// and over P (NTT form): `u = s` for an ordinary switching key; `u = sigma^-1(s)` with
    /// `target = s` for a Galois key stored pre-permuted (see [`crate::ops`] rotations).
    pub(crate) fn generate_for<R: CryptoRng + ?Sized>(
        sk: &SecretKey,
        u: (&RnsPoly, &RnsPoly),
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
            // b = e - a u
            b_q.sub_assign(&Zeroizing::new(a_j.q.mul(u.0)?))?;
            b_p.sub_assign(&Zeroizing::new(a_j.p.mul(u.1)?))?;
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
            b.push(PackedQp::pack(&QpPoly { q: b_q, p: b_p }));
        }
        errors.iter_mut().for_each(|e| *e = 0);
        Ok(Self {
            b,
            a: a.iter().map(PackedQp::pack).collect(),
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
/// `q_0, ..., q_level, p_0, ...` (limb-major, NTT form), the digits one after the other in one
/// buffer borrowed from the context's pool (given back on drop).
#[derive(Debug)]
pub(crate) struct Decomposition {
    ctx: Context,
    pub(crate) level: usize,
    pub(crate) count: usize,
    data: Vec<u64>,
}

impl Decomposition {
    /// Limb `t` of digit `j`.
    fn limb(&self, j: usize, t: usize) -> &[u64] {
        let n = self.ctx.n();
        let width = (self.level + 1 + self.ctx.p_basis().len()) * n;
        &self.data[j * width + t * n..j * width + (t + 1) * n]
    }
}

impl Drop for Decomposition {
    fn drop(&mut self) {
        self.ctx
            .q_basis()
            .scratch()
            .give_back(std::mem::take(&mut self.data));
    }
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
    let (qb, pb) = (ctx.q_basis(), ctx.p_basis());
    let pool = qb.scratch();
    let mut d_coeff = pool.take(l1 * n);
    for_each_limb(&mut d_coeff, n, true, |i, limb| {
        limb.copy_from_slice(&d.coeffs()[i * n..(i + 1) * n]);
        qb.table(i).inverse(limb);
    });
    let converters = ctx.mod_up(level);
    let width = (l1 + k) * n;
    let mut data = pool.take_vec(converters.len() * width);
    let used = &mut data[..converters.len() * width];
    // Conversions one digit per task, then the NTTs one (digit, limb) pair per task: many
    // more tasks than threads, so the work balances.
    let converted = try_for_each_limb(used, width, true, |j, ext| {
        let lo = j * alpha;
        let hi = (lo + alpha).min(l1);
        // Centered lift: a digit lifted to [0, D_j) carries a mean of D_j / 2 in every
        // coefficient, and the constant polynomial concentrates on the slots next to the real
        // axis (slots 0, N/2 - 1, ...): centered digits keep the key-switching noise flat.
        converters[j].convert_centered(&d_coeff[lo * n..hi * n], ext, n)?;
        ext[lo * n..hi * n].copy_from_slice(&d.coeffs()[lo * n..hi * n]);
        Ok(())
    });
    if converted.is_ok() {
        for_each_limb(used, n, true, |index, limb| {
            let (j, t) = (index / (l1 + k), index % (l1 + k));
            let lo = j * alpha;
            if (lo..(lo + alpha).min(l1)).contains(&t) {
                // The digit's own primes: copied in NTT form above.
            } else if t < l1 {
                qb.table(t).forward(limb);
            } else {
                pb.table(t - l1).forward(limb);
            }
        });
    }
    let result = converted;
    let dec = Decomposition {
        ctx: ctx.clone(),
        level,
        count: converters.len(),
        data,
    };
    result.map(|()| dec)
}

/// A pair of polynomials over `Q_level * P` in NTT form (the `b` half then the `a` half, each
/// `l1` limbs over Q then the limbs over P): key-switching inner products before the division
/// by P. Sums of several key switches (such as hoisted rotations that are added together)
/// accumulate here and pay one division by P for all of them, which also adds the rounding
/// error of that division once instead of once per term.
pub(crate) struct QpAccumulator {
    ctx: Context,
    level: usize,
    /// From the context's scratch pool; only the first `len` elements are used.
    data: Vec<u64>,
    len: usize,
    /// Nothing accumulated yet: `data` holds garbage, the first term is written, not added.
    empty: bool,
}

impl QpAccumulator {
    /// An empty (zero) accumulator at `level`.
    pub(crate) fn new(ctx: &Context, level: usize) -> Self {
        let len = 2 * (level + 1 + ctx.p_basis().len()) * ctx.n();
        Self {
            ctx: ctx.clone(),
            level,
            data: ctx.q_basis().scratch().take_vec(len),
            len,
            empty: true,
        }
    }

    fn check_level(&self, dec: &Decomposition) -> Result<()> {
        if dec.level != self.level {
            return Err(Error::ShapeMismatch {
                what: "decomposition level (the accumulator's)",
                expected: self.level,
                got: dec.level,
            });
        }
        Ok(())
    }

    fn as_mut_slice(&mut self) -> &mut [u64] {
        &mut self.data[..self.len]
    }

    /// `self += sigma(inner product of dec with key)`, `sigma` given by its NTT-form
    /// permutation (`out[i] = in[perm[i]]`, the same on every limb).
    pub(crate) fn add_permuted(
        &mut self,
        dec: &Decomposition,
        key: &SwitchingKey,
        perm: &[u32],
    ) -> Result<()> {
        self.check_level(dec)?;
        let ctx = self.ctx.clone();
        let n = ctx.n();
        let pool = ctx.q_basis().scratch();
        let mut tmp = pool.take(self.len);
        inner_product_qp(&ctx, dec, key, &mut tmp)?;
        let l1 = self.level + 1;
        let half = self.len / (2 * n);
        let first = self.empty;
        let tmp: &[u64] = &tmp;
        for_each_limb(self.as_mut_slice(), n, true, |index, limb| {
            let src = &tmp[index * n..(index + 1) * n];
            if first {
                for (o, &p) in limb.iter_mut().zip(perm) {
                    *o = src[p as usize];
                }
            } else {
                let q = modulus_at(&ctx, index % half, l1);
                for (o, &p) in limb.iter_mut().zip(perm) {
                    *o = q.add(*o, src[p as usize]);
                }
            }
        });
        self.empty = false;
        Ok(())
    }

    /// `out0 += round(b / P)`, `out1 += round(a / P)` (NTT form over `q_0..q_level`).
    pub(crate) fn mod_down_add(mut self, out0: &mut RnsPoly, out1: &mut RnsPoly) -> Result<()> {
        let l1 = self.level + 1;
        for out in [&*out0, &*out1] {
            if out.limb_count() != l1 || out.representation() != Representation::Ntt {
                return Err(Error::ShapeMismatch {
                    what: "key-switching output limbs (NTT form, at the decomposition's level)",
                    expected: l1,
                    got: out.limb_count(),
                });
            }
        }
        if self.empty {
            return Ok(());
        }
        let ctx = self.ctx.clone();
        let half = self.len / 2;
        let (acc_b, acc_a) = self.as_mut_slice().split_at_mut(half);
        let (r0, r1) = join(
            || mod_down(&ctx, acc_b, l1, Some(out0)),
            || mod_down(&ctx, acc_a, l1, Some(out1)),
        );
        r0.and(r1)
    }

    /// Divides both halves by P in place and hands `f` the two results (NTT form over
    /// `q_0..q_level`, limb after limb): for callers that do not simply add them somewhere,
    /// such as rotations, which permute them.
    pub(crate) fn mod_down_then<T>(mut self, f: impl FnOnce(&[u64], &[u64]) -> T) -> Result<T> {
        if self.empty {
            return Err(Error::InvalidArgument {
                op: "QpAccumulator::mod_down_then",
                reason: "nothing accumulated".into(),
            });
        }
        let ctx = self.ctx.clone();
        let l1 = self.level + 1;
        let half = self.len / 2;
        let (acc_b, acc_a) = self.as_mut_slice().split_at_mut(half);
        let (r0, r1) = join(
            || mod_down(&ctx, acc_b, l1, None),
            || mod_down(&ctx, acc_a, l1, None),
        );
        r0.and(r1)?;
        let q_len = l1 * ctx.n();
        Ok(f(&acc_b[..q_len], &acc_a[..q_len]))
    }

    /// Sets the accumulator to the inner product of `dec` with `key`.
    pub(crate) fn set_inner_product(
        &mut self,
        dec: &Decomposition,
        key: &SwitchingKey,
    ) -> Result<()> {
        self.check_level(dec)?;
        let ctx = self.ctx.clone();
        inner_product_qp(&ctx, dec, key, self.as_mut_slice())?;
        self.empty = false;
        Ok(())
    }
}

impl Drop for QpAccumulator {
    fn drop(&mut self) {
        self.ctx
            .q_basis()
            .scratch()
            .give_back(std::mem::take(&mut self.data));
    }
}

/// The modulus of limb `t` of a polynomial over `Q_level * P` (`l1` limbs over Q first).
fn modulus_at(ctx: &Context, t: usize, l1: usize) -> crate::math::Modulus {
    if t < l1 {
        ctx.q_basis().moduli()[t]
    } else {
        ctx.p_basis().moduli()[t - l1]
    }
}

/// Step 2: the inner product of a decomposition with `key`, over `Q_level * P` in NTT form,
/// written to `acc` (the `b` half then the `a` half).
fn inner_product_qp(
    ctx: &Context,
    dec: &Decomposition,
    key: &SwitchingKey,
    acc: &mut [u64],
) -> Result<()> {
    inner_products_qp(ctx, dec, &[key], &mut [acc])
}

/// How many coefficients of every digit [`inner_products_qp`] reads at a time: small enough
/// that the digits' runs (`digits * CHUNK * 8` bytes) stay in the L2 cache while every key
/// streams past them.
const CHUNK: usize = 2048;

/// Step 2 for several keys at once: `accs[r]` (laid out as in [`inner_product_qp`]) receives
/// the inner product of `dec` with `keys[r]`. Chunk by chunk of coefficients, the digits are
/// read from memory once for all the keys.
fn inner_products_qp(
    ctx: &Context,
    dec: &Decomposition,
    keys: &[&SwitchingKey],
    accs: &mut [&mut [u64]],
) -> Result<()> {
    let n = ctx.n();
    let l1 = dec.level + 1;
    let width = l1 + ctx.p_basis().len();
    let digits = dec.count;
    for key in keys {
        ctx.check_id("switching key", key.param_id)?;
        if key.b.len() < digits {
            return Err(Error::ShapeMismatch {
                what: "switching-key digits",
                expected: digits,
                got: key.b.len(),
            });
        }
    }
    if keys.len() != accs.len() {
        return Err(Error::ShapeMismatch {
            what: "key-switching accumulators (one per key)",
            expected: keys.len(),
            got: accs.len(),
        });
    }
    if let Some(acc) = accs.iter().find(|a| a.len() != 2 * width * n) {
        return Err(Error::ShapeMismatch {
            what: "key-switching accumulator length (2 * limbs over Q_level * P * N)",
            expected: 2 * width * n,
            got: acc.len(),
        });
    }
    // Limb t of every accumulator's two halves, gathered per limb for the parallel loop.
    let mut per_limb: Vec<Vec<(&mut [u64], &mut [u64])>> =
        (0..width).map(|_| Vec::with_capacity(keys.len())).collect();
    for acc in accs.iter_mut() {
        let (b, a) = acc.split_at_mut(width * n);
        for (t, pair) in b.chunks_exact_mut(n).zip(a.chunks_exact_mut(n)).enumerate() {
            per_limb[t].push(pair);
        }
    }
    let per_limb: Vec<_> = per_limb.into_iter().enumerate().collect();
    map_items(per_limb, true, |(t, mut outs)| {
        let q = modulus_at(ctx, t, l1);
        let ext: Vec<&[u64]> = (0..digits).map(|j| dec.limb(j, t)).collect();
        let limbs = |polys| digit_limbs(polys, digits, t, l1);
        let key_limbs: Vec<_> = keys.iter().map(|k| (limbs(&k.b), limbs(&k.a))).collect();
        for c0 in (0..n).step_by(CHUNK) {
            let range = c0..(c0 + CHUNK).min(n);
            let ext = sub_slices(&ext, &range);
            for ((kb, ka), (out_b, out_a)) in key_limbs.iter().zip(outs.iter_mut()) {
                let (kb, ka) = (sub_limbs(kb, &range), sub_limbs(ka, &range));
                let terms = Terms {
                    ext: &ext,
                    kb: &kb,
                    ka: &ka,
                };
                inner_product(
                    &q,
                    &terms,
                    &mut out_b[range.clone()],
                    &mut out_a[range.clone()],
                );
            }
        }
    });
    Ok(())
}

/// Inner products of one decomposition with each of `keys` (at most
/// [`KEYS_PER_PASS`] is best), one accumulator each.
pub(crate) fn inner_products(
    ctx: &Context,
    dec: &Decomposition,
    keys: &[&SwitchingKey],
) -> Result<Vec<QpAccumulator>> {
    let mut accs: Vec<QpAccumulator> = keys
        .iter()
        .map(|_| QpAccumulator::new(ctx, dec.level))
        .collect();
    let mut slices: Vec<&mut [u64]> = accs.iter_mut().map(QpAccumulator::as_mut_slice).collect();
    inner_products_qp(ctx, dec, keys, &mut slices)?;
    for acc in &mut accs {
        acc.empty = false;
    }
    Ok(accs)
}

/// How many keys hoisted rotations pass over the digits at once: enough to read the digits
/// from memory once for many keys, few enough that the accumulators (each `2 (L + 2) N`
/// words) stay a modest amount of memory.
pub(crate) const KEYS_PER_PASS: usize = 8;

/// Limb `t` of the product over `Q_level * P` (`l1` limbs over Q first) in each of the first
/// `digits` key polynomials, which hold every prime of Q.
fn digit_limbs(polys: &[PackedQp], digits: usize, t: usize, l1: usize) -> Vec<PackedLimb<'_>> {
    polys[..digits]
        .iter()
        .map(|p| p.limb(if t < l1 { t } else { p.shape().1 + t - l1 }))
        .collect()
}

/// The same `range` of each slice.
fn sub_slices<'a>(slices: &[&'a [u64]], range: &std::ops::Range<usize>) -> Vec<&'a [u64]> {
    slices.iter().map(|x| &x[range.clone()]).collect()
}

/// The same `range` of each packed limb.
fn sub_limbs<'a>(limbs: &[PackedLimb<'a>], range: &std::ops::Range<usize>) -> Vec<PackedLimb<'a>> {
    limbs.iter().map(|x| x.slice(range.clone())).collect()
}

/// `round(x / P)` for `x` over `Q_level * P` in NTT form (`acc`: the `l1` limbs over Q then
/// the limbs over P; the P limbs are overwritten): added to `out` when given, else written over
/// the Q limbs of `acc`.
fn mod_down(ctx: &Context, acc: &mut [u64], l1: usize, out: Option<&mut RnsPoly>) -> Result<()> {
    let n = ctx.n();
    let (qb, pb) = (ctx.q_basis(), ctx.p_basis());
    let (x_q, x_p) = acc.split_at_mut(l1 * n);
    for_each_limb(x_p, n, true, |j, limb| pb.table(j).inverse(limb));
    let md = ctx.mod_down();
    let mut conv = qb.scratch().take(l1 * n);
    md.converter().convert_centered(x_p, &mut conv, n)?;
    let p_inv = md.p_inv();
    match out {
        Some(out) => {
            let x_q: &[u64] = x_q;
            for_each_limb_pair(&mut conv, out.coeffs_mut(), n, true, |i, t, o| {
                qb.table(i).forward(t);
                let x = &x_q[i * n..(i + 1) * n];
                ifma52::sub_mul_add_assign(&qb.moduli()[i], p_inv[i], o, x, t);
            });
        }
        None => for_each_limb_pair(&mut conv, x_q, n, true, |i, t, x| {
            qb.table(i).forward(t);
            ifma52::sub_mul_assign(&qb.moduli()[i], p_inv[i], x, t);
        }),
    }
    Ok(())
}

/// Key switching of one polynomial, added to `(out0, out1)` (NTT form over `q_0..q_level`) so
/// that `out0' + out1' s = out0 + out1 s + d s' + small`: all three steps.
pub(crate) fn key_switch_add(
    ctx: &Context,
    d: &RnsPoly,
    key: &SwitchingKey,
    out0: &mut RnsPoly,
    out1: &mut RnsPoly,
) -> Result<()> {
    let dec = decompose(ctx, d)?;
    let mut acc = QpAccumulator::new(ctx, dec.level);
    acc.set_inner_product(&dec, key)?;
    acc.mod_down_add(out0, out1)
}
