//! Exact conversions between real numbers and RNS residues.
//!
//! Encoding rounds a scaled real value to the nearest integer and reduces it modulo every
//! prime of the basis; decoding reconstructs the centered integer in `(-Q/2, Q/2]` from its
//! residues (Garner's mixed-radix algorithm) and converts it to `f64` only at the end, so
//! the result keeps full relative precision however many bits `Q` has.

use crate::error::{Error, Result};
use crate::math::Modulus;

/// `2^63` as an `f64`.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// A rounded finite value, split for reduction.
enum Rounded {
    /// `|r| < 2^63`: the integer itself.
    Small(i64),
    /// `|r| >= 2^63`: `(-1)^negative * mantissa * 2^exponent` with `mantissa < 2^53` and
    /// `exponent >= 11`.
    Large {
        negative: bool,
        mantissa: u64,
        exponent: u32,
    },
}

/// Splits a finite, already rounded value.
#[inline]
fn split(r: f64) -> Rounded {
    if r.abs() < TWO_POW_63 {
        // Exact: `r` is an integer below 2^63 in magnitude.
        return Rounded::Small(r as i64);
    }
    let bits = r.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as u32;
    Rounded::Large {
        negative: r.is_sign_negative(),
        mantissa: (bits & ((1 << 52) - 1)) | (1 << 52),
        // |r| >= 2^63 means biased >= 1023 + 63, so this is at least 11.
        exponent: biased.saturating_sub(1075),
    }
}

/// The residue of a split value modulo `q`.
#[inline]
fn residue(q: &Modulus, r: &Rounded) -> u64 {
    match *r {
        Rounded::Small(v) => q.from_i64(v),
        Rounded::Large {
            negative,
            mantissa,
            exponent,
        } => {
            let power = q.pow(q.reduce(2), u64::from(exponent));
            let x = q.mul(q.reduce(mantissa), power);
            if negative { q.neg(x) } else { x }
        }
    }
}

fn non_finite(value: f64) -> Error {
    Error::NonFiniteValue { value }
}

/// Rounds `x` (an already scaled value) to the nearest integer, ties away from zero, and
/// writes its residue modulo each `moduli[i]` to `out[i]`.
///
/// The reduction is exact for every finite `x`, also beyond `2^64`: the value is split into
/// its 53-bit mantissa and a power of two, reduced separately. It does not check that the
/// value fits the modulus; see [`check_magnitude`] (values must stay at most `(Q-1)/2` in
/// magnitude to decode correctly). An error for NaN or infinite `x`, or if
/// `out.len() != moduli.len()`.
///
/// ```
/// use ckks::{encoding::f64_to_residues, math::Modulus};
/// let moduli = [Modulus::new(97)?, Modulus::new(101)?];
/// let mut r = [0u64; 2];
/// f64_to_residues(-2.6, &moduli, &mut r)?;
/// assert_eq!(r, [94, 98]); // -3
/// f64_to_residues(2f64.powi(70), &moduli, &mut r)?;
/// assert_eq!(r, [((1u128 << 70) % 97) as u64, ((1u128 << 70) % 101) as u64]);
/// assert!(f64_to_residues(f64::NAN, &moduli, &mut r).is_err());
/// # Ok::<(), ckks::Error>(())
/// ```
pub fn f64_to_residues(x: f64, moduli: &[Modulus], out: &mut [u64]) -> Result<()> {
    if out.len() != moduli.len() {
        return Err(Error::ShapeMismatch {
            what: "residue buffer length (one per modulus)",
            expected: moduli.len(),
            got: out.len(),
        });
    }
    let r = x.round();
    if !r.is_finite() {
        return Err(non_finite(x));
    }
    let r = split(r);
    for (o, q) in out.iter_mut().zip(moduli) {
        *o = residue(q, &r);
    }
    Ok(())
}

/// [`f64_to_residues`] for a whole polynomial: rounds each `values[k]` and writes its residue
/// modulo `moduli[i]` to `out[i * n + k]` (`n = values.len()`, limb-major storage, so
/// `out.len()` must be `moduli.len() * n`).
///
/// Every value is checked to be finite before anything is written. Values below `2^63` in
/// magnitude (the common case) cost one Barrett reduction per limb.
///
/// ```
/// use ckks::{encoding::f64s_to_limbs, math::Modulus};
/// let moduli = [Modulus::new(97)?, Modulus::new(101)?];
/// let mut limbs = [0u64; 6];
/// f64s_to_limbs(&[1.2, -1.0, 100.0], &moduli, &mut limbs)?;
/// assert_eq!(limbs, [1, 96, 3, 1, 100, 100]);
/// # Ok::<(), ckks::Error>(())
/// ```
pub fn f64s_to_limbs(values: &[f64], moduli: &[Modulus], out: &mut [u64]) -> Result<()> {
    let n = values.len();
    if out.len() != moduli.len() * n {
        return Err(Error::ShapeMismatch {
            what: "limb buffer length (moduli * values)",
            expected: moduli.len() * n,
            got: out.len(),
        });
    }
    if let Some(&bad) = values.iter().find(|v| !v.is_finite()) {
        return Err(non_finite(bad));
    }
    // Round a block of values once, then reduce it modulo every prime.
    let mut rounded = [0i64; ENCODE_BLOCK];
    for (k0, vals) in (0..n)
        .step_by(ENCODE_BLOCK)
        .zip(values.chunks(ENCODE_BLOCK))
    {
        let mut all_small = true;
        for (r, &x) in rounded.iter_mut().zip(vals) {
            if x.abs() < TWO_POW_63 {
                *r = round_small(x);
            } else {
                all_small = false;
            }
        }
        for (i, q) in moduli.iter().enumerate() {
            let dst = &mut out[i * n + k0..i * n + k0 + vals.len()];
            if all_small {
                for (o, &r) in dst.iter_mut().zip(&rounded) {
                    *o = q.from_i64(r);
                }
            } else {
                for ((o, &r), &x) in dst.iter_mut().zip(&rounded).zip(vals) {
                    *o = if x.abs() < TWO_POW_63 {
                        q.from_i64(r)
                    } else {
                        residue(q, &split(x.round()))
                    };
                }
            }
        }
    }
    Ok(())
}

/// Values rounded per block in [`f64s_to_limbs`].
const ENCODE_BLOCK: usize = 256;

/// `x.round()` (ties away from zero) as an `i64`, for `|x| < 2^63`, without a library call:
/// truncate, then correct by the fractional part, which `x - trunc(x)` gives exactly.
#[inline(always)]
fn round_small(x: f64) -> i64 {
    let t = x as i64;
    let frac = x - t as f64;
    // |x| >= 2^52 is an integer (frac = 0), so t +- 1 cannot overflow.
    if frac >= 0.5 {
        t + 1
    } else if frac <= -0.5 {
        t - 1
    } else {
        t
    }
}

/// The largest `f64` that is at most `(Q-1)/2`, `Q` the product of `moduli`: every integer
/// of at most this magnitude survives [`f64_to_residues`] followed by
/// [`CrtReconstructor::to_centered_f64`] unchanged. (`0` for an empty basis.)
///
/// ```
/// use ckks::{encoding::max_centered_magnitude, math::Modulus};
/// assert_eq!(max_centered_magnitude(&[Modulus::new(97)?, Modulus::new(101)?]), 4898.0);
/// # Ok::<(), ckks::Error>(())
/// ```
pub fn max_centered_magnitude(moduli: &[Modulus]) -> f64 {
    let mut b = product_words(moduli);
    sub_one(&mut b);
    shr_one(&mut b);
    words_to_f64_toward_zero(&b)
}

/// Checks that `x` rounds to an integer of magnitude at most `(Q-1)/2`, `Q` the product of
/// `moduli`, so that its residues decode back to it; an error naming the numbers otherwise
/// (and for NaN or infinite `x`).
///
/// This costs `O(moduli.len()^2)`: check the largest magnitude of a polynomial once, or use
/// [`CrtReconstructor::check_magnitude`], which has the bound precomputed.
///
/// ```
/// use ckks::{encoding::check_magnitude, math::Modulus};
/// let moduli = [Modulus::new(97)?, Modulus::new(101)?];
/// assert!(check_magnitude(-4898.4, &moduli).is_ok());
/// assert!(check_magnitude(4898.5, &moduli).is_err()); // rounds to 4899
/// # Ok::<(), ckks::Error>(())
/// ```
pub fn check_magnitude(x: f64, moduli: &[Modulus]) -> Result<()> {
    let q = product_words(moduli);
    magnitude_within(x, max_centered_magnitude(moduli), bit_len(&q))
}

fn magnitude_within(x: f64, max: f64, modulus_bits: u32) -> Result<()> {
    let r = x.round();
    if !r.is_finite() {
        return Err(non_finite(x));
    }
    if r.abs() > max {
        return Err(Error::ValueOutOfRange {
            value: x,
            max,
            modulus_bits,
        });
    }
    Ok(())
}

/// Reconstructs centered integers from their residues modulo a basis of pairwise coprime
/// moduli `q_0, ..., q_{L-1}` (product `Q`) and converts them to `f64`.
///
/// The reconstruction is exact: Garner's algorithm computes the mixed-radix digits of the
/// value `x` in `[0, Q)` in word arithmetic (each digit as one dot product with precomputed
/// constants, over blocks of coefficients so that the products of different coefficients
/// overlap in the CPU); comparing them with the digits of `floor(Q/2)` decides the sign, and
/// `Q - x` is formed digit-wise for negative values. Only then is the magnitude converted to
/// `f64`, from the most significant digit down with a 64-bit mantissa, so the result is
/// within `2^-52` (relative) of the exact value even when `Q` has thousands of bits. Values
/// beyond the `f64` range (possible when `Q` exceeds `2^1024`) become infinite.
///
/// The precomputed constants for the first `l` moduli do not depend on the others, so one
/// reconstructor serves every prefix of its basis (every level of a modulus chain).
///
/// ```
/// use ckks::{encoding::{CrtReconstructor, f64s_to_limbs}, math::{Modulus, prime_chain}};
/// let moduli: Vec<Modulus> = prime_chain(&[60, 50, 50, 60], 1 << 12)?
///     .into_iter()
///     .map(Modulus::new)
///     .collect::<Result<_, _>>()?;
/// let crt = CrtReconstructor::new(&moduli)?;
/// let values = [-3.0e60, 1.0, 0.0, 2f64.powi(200)];
/// let mut limbs = vec![0u64; 4 * values.len()];
/// f64s_to_limbs(&values, &moduli, &mut limbs)?;
/// let mut back = [0.0; 4];
/// crt.to_centered_f64(&limbs, values.len(), &mut back)?;
/// assert_eq!(back, values);
/// // The first two moduli alone: the first two limbs of each coefficient.
/// crt.to_centered_f64(&limbs[..2 * values.len()], values.len(), &mut back)?;
/// assert_eq!(back[1], 1.0);
/// # Ok::<(), ckks::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct CrtReconstructor {
    moduli: Vec<Modulus>,
    /// For `1 <= i < L`, entries `i(i-1)/2 + k`, `k < i`: `-P_k * C_i mod q_i`, where
    /// `P_k = q_0 * ... * q_{k-1}` and `C_i = P_i^-1 mod q_i`.
    garner: Vec<u64>,
    /// Entry `i >= 1`: `C_i`; entry 0 unused.
    inv_prefix: Vec<u64>,
    /// For each prefix length `l` in `1..=L`, at offset `l(l-1)/2`: the `l` mixed-radix
    /// digits of `floor(Q_l / 2)`, `Q_l = q_0 * ... * q_{l-1}`.
    half: Vec<u64>,
    /// For each prefix length `l` (index `l - 1`): `(Q_l, floor(Q_l / 2))` when
    /// `Q_l < 2^127`, for the 128-bit path.
    small: Vec<Option<(u128, u128)>>,
    /// The largest `f64` at most `(Q-1)/2`.
    max_magnitude: f64,
    /// The bit size of `Q`.
    modulus_bits: u32,
}

impl CrtReconstructor {
    /// Precomputes the constants for the basis `moduli` (at least one, pairwise coprime).
    pub fn new(moduli: &[Modulus]) -> Result<Self> {
        let l = moduli.len();
        if l == 0 {
            return Err(Error::NotEnoughLimbs {
                what: "CRT reconstruction",
                needed: 1,
                have: 0,
                fix: "pass at least one modulus",
            });
        }
        for (i, a) in moduli.iter().enumerate() {
            for b in &moduli[..i] {
                if gcd(a.value(), b.value()) != 1 {
                    return Err(Error::ModuliNotCoprime {
                        a: b.value(),
                        b: a.value(),
                    });
                }
            }
        }
        let mut garner = Vec::with_capacity(l * l.saturating_sub(1) / 2);
        let mut inv_prefix = Vec::with_capacity(l);
        inv_prefix.push(0);
        for (i, q) in moduli.iter().enumerate().skip(1) {
            // P_k mod q_i for k <= i.
            let mut prefixes = Vec::with_capacity(i + 1);
            prefixes.push(1 % q.value());
            for p in &moduli[..i] {
                let last = prefixes[prefixes.len() - 1];
                prefixes.push(q.mul(last, q.reduce(p.value())));
            }
            let c = q.inv(prefixes[i])?;
            inv_prefix.push(c);
            garner.extend(prefixes[..i].iter().map(|&p| q.neg(q.mul(p, c))));
        }
        let mut half = Vec::with_capacity(l * (l + 1) / 2);
        let mut small = Vec::with_capacity(l);
        for len in 1..=l {
            half.extend(half_digits(&moduli[..len]));
            let q = product_words(&moduli[..len]);
            small.push(match q[..] {
                [lo] => Some((u128::from(lo), u128::from(lo) / 2)),
                [lo, hi] if hi < 1 << 63 => {
                    let q = u128::from(lo) | u128::from(hi) << 64;
                    Some((q, q / 2))
                }
                _ => None,
            });
        }
        let q = product_words(moduli);
        Ok(Self {
            moduli: moduli.to_vec(),
            garner,
            inv_prefix,
            half,
            small,
            max_magnitude: max_centered_magnitude(moduli),
            modulus_bits: bit_len(&q),
        })
    }

    /// The basis.
    pub fn moduli(&self) -> &[Modulus] {
        &self.moduli
    }

    /// The bit size of `Q`, the product of the moduli.
    pub fn modulus_bits(&self) -> u32 {
        self.modulus_bits
    }

    /// The largest `f64` of magnitude at most `(Q-1)/2` (see [`max_centered_magnitude`]).
    pub fn max_magnitude(&self) -> f64 {
        self.max_magnitude
    }

    /// [`check_magnitude`] against the whole basis, in constant time.
    pub fn check_magnitude(&self, x: f64) -> Result<()> {
        magnitude_within(x, self.max_magnitude, self.modulus_bits)
    }

    /// Reconstructs `n` coefficients from limb-major residues (`limbs[i * n + k]` is
    /// coefficient `k` modulo `q_i`, each below `q_i`) and writes their centered values in
    /// `(-Q/2, Q/2]`, as `f64`, to `out` (length `n`).
    ///
    /// `limbs.len()` must be `l * n` for some `1 <= l <= L`; the first `l` moduli are then
    /// used (`Q` is their product). One limb takes a direct path, products below `2^127`
    /// a 128-bit path, and larger ones the general mixed-radix path; all are exact up to the
    /// final rounding. Allocates `65 l` words of scratch per call (none for one limb).
    ///
    /// Residues at or above their modulus are a caller bug: debug builds may panic on them,
    /// release builds return a meaningless value for that coefficient.
    pub fn to_centered_f64(&self, limbs: &[u64], n: usize, out: &mut [f64]) -> Result<()> {
        if out.len() != n {
            return Err(Error::ShapeMismatch {
                what: "output length (one value per coefficient)",
                expected: n,
                got: out.len(),
            });
        }
        let l = limbs.len().checked_div(n).unwrap_or(0);
        if n == 0 || l * n != limbs.len() || l == 0 || l > self.moduli.len() {
            if n == 0 && limbs.is_empty() {
                return Ok(());
            }
            return Err(Error::ShapeMismatch {
                what: "limbs length (n times at most one limb per modulus)",
                expected: self.moduli.len() * n,
                got: limbs.len(),
            });
        }
        if l == 1 {
            let q = &self.moduli[0];
            for (o, &a) in out.iter_mut().zip(limbs) {
                *o = q.centered(a) as f64;
            }
            return Ok(());
        }
        let moduli = &self.moduli[..l];
        let half = &self.half[l * (l - 1) / 2..l * (l + 1) / 2];
        let small = self.small.get(l - 1).copied().flatten();
        // Digit-major block of mixed-radix digits, then one coefficient's digits.
        let mut block = vec![0u64; l * GARNER_BLOCK];
        let mut digits = vec![0u64; l];
        for (start, out_block) in (0..n)
            .step_by(GARNER_BLOCK)
            .zip(out.chunks_mut(GARNER_BLOCK))
        {
            let b = out_block.len();
            self.garner_block(limbs, n, start, b, &mut block);
            for (kk, o) in out_block.iter_mut().enumerate() {
                for (d, row) in digits.iter_mut().zip(block.chunks_exact(GARNER_BLOCK)) {
                    *d = row[kk];
                }
                *o = match small {
                    Some((q_big, q_half)) => {
                        let mut x = 0u128;
                        for (&d, q) in digits.iter().zip(moduli).rev() {
                            x = x * u128::from(q.value()) + u128::from(d);
                        }
                        // Branch-free: the sign of decrypted values is random.
                        let negative = x > q_half;
                        let magnitude = std::hint::select_unpredictable(negative, q_big - x, x);
                        with_sign(u128_to_f64(magnitude), negative)
                    }
                    None => {
                        let negative = mixed_radix_greater(&digits, half);
                        negate_mixed_radix_if(&mut digits, moduli, negative);
                        with_sign(mixed_radix_to_f64(&digits, moduli), negative)
                    }
                };
            }
        }
        Ok(())
    }

    /// The mixed-radix digits of coefficients `start .. start + b` (`b <= GARNER_BLOCK`) over
    /// the first `block.len() / GARNER_BLOCK` moduli: `block[i * GARNER_BLOCK + kk]` is digit
    /// `i` of coefficient `start + kk`, so that `x = sum_i v_i * P_i` with `v_i < q_i`.
    ///
    /// Digit `i` is `(a_i - sum_{k<i} v_k P_k) * C_i mod q_i`, computed as the dot product
    /// `a_i C_i + sum_k v_k (-P_k C_i)` accumulated in 128 bits: every term is below
    /// `2^61 q_i`, so eight of them stay below `q_i 2^64`, the limit of one Barrett
    /// reduction; longer sums are reduced every seven terms.
    #[inline]
    fn garner_block(&self, limbs: &[u64], n: usize, start: usize, b: usize, block: &mut [u64]) {
        let l = block.len() / GARNER_BLOCK;
        block[..b].copy_from_slice(&limbs[start..start + b]);
        for i in 1..l {
            let q = &self.moduli[i];
            let c = u128::from(self.inv_prefix[i]);
            let consts = &self.garner[i * (i - 1) / 2..i * (i + 1) / 2];
            let a_row = &limbs[i * n + start..i * n + start + b];
            let (lower, upper) = block.split_at_mut(i * GARNER_BLOCK);
            let mut acc = [0u128; GARNER_BLOCK];
            for (x, &a) in acc.iter_mut().zip(a_row) {
                *x = u128::from(a) * c;
            }
            for (k, (&w, row)) in consts
                .iter()
                .zip(lower.chunks_exact(GARNER_BLOCK))
                .enumerate()
            {
                if k > 0 && k.is_multiple_of(7) {
                    for x in acc[..b].iter_mut() {
                        *x = u128::from(q.reduce_u128(*x));
                    }
                }
                for (x, &v) in acc[..b].iter_mut().zip(&row[..b]) {
                    *x += u128::from(v) * u128::from(w);
                }
            }
            for (v, &x) in upper[..b].iter_mut().zip(&acc[..b]) {
                *v = q.reduce_u128(x);
            }
        }
    }
}

/// Coefficients per block of the Garner step.
const GARNER_BLOCK: usize = 64;

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The mixed-radix digits of `floor(Q/2)` for the radices `moduli` (product `Q`).
fn half_digits(moduli: &[Modulus]) -> Vec<u64> {
    // Halve Q - 1 (digits q_i - 1) from the most significant digit down: a remainder of 1 at
    // position i + 1 is worth q_i at position i.
    let mut digits = vec![0u64; moduli.len()];
    let mut rem = 0u128;
    for (d, q) in digits.iter_mut().zip(moduli).rev() {
        let q = u128::from(q.value());
        let cur = rem * q + (q - 1);
        *d = (cur / 2) as u64;
        rem = cur % 2;
    }
    // floor((Q-1)/2) = floor(Q/2) for odd Q; for even Q (Q - 1 odd) add one.
    if rem == 1 {
        add_one_mixed_radix(&mut digits, moduli);
    }
    digits
}

/// Whether the mixed-radix number `a` exceeds `b` (same radices).
#[inline(always)]
fn mixed_radix_greater(a: &[u64], b: &[u64]) -> bool {
    // Every digit is read and no branch depends on them (decrypted values are secret): from
    // the most significant digit down, the first difference decides.
    let (mut greater, mut decided) = (0u64, 0u64);
    for (&x, &y) in a.iter().zip(b).rev() {
        let gt = u64::from(x > y);
        let ne = u64::from(x != y);
        greater |= gt & !decided & 1;
        decided |= ne;
    }
    greater == 1
}

/// If `negate`, `x -> Q - x` for `1 <= x < Q` in mixed radix: `(Q - 1) - x` digit by digit
/// (digits of `Q - 1` are `q_i - 1`, so there is no borrow), then plus one. Without
/// data-dependent branches, as the sign of decrypted values is unpredictable.
#[inline(always)]
fn negate_mixed_radix_if(digits: &mut [u64], moduli: &[Modulus], negate: bool) {
    let mut carry = u64::from(negate);
    for (d, q) in digits.iter_mut().zip(moduli) {
        let v = std::hint::select_unpredictable(negate, q.value() - 1 - *d, *d) + carry;
        let wrap = v == q.value();
        *d = std::hint::select_unpredictable(wrap, 0, v);
        carry = u64::from(wrap);
    }
}

/// `x` with its sign bit set if `negative` (`x >= 0`).
#[inline(always)]
fn with_sign(x: f64, negative: bool) -> f64 {
    f64::from_bits(x.to_bits() | u64::from(negative) << 63)
}

#[inline(always)]
fn add_one_mixed_radix(digits: &mut [u64], moduli: &[Modulus]) {
    for (d, q) in digits.iter_mut().zip(moduli) {
        *d += 1;
        if *d < q.value() {
            return;
        }
        *d = 0;
    }
}

/// `sum_i digits[i] * q_0 * ... * q_{i-1}` as an `f64`, by Horner's rule from the most
/// significant digit with a 64-bit truncated mantissa `m * 2^e`: exact while the value
/// fits in 64 bits, then each step loses less than `2^-62` (relative), and the final
/// conversion rounds to nearest; over `L` digits the error stays below `2^-53 + L 2^-62`.
#[inline(always)]
fn mixed_radix_to_f64(digits: &[u64], moduli: &[Modulus]) -> f64 {
    // Leading zero digits (most of them for the small values decryption yields) cost nothing.
    let len = digits.iter().rposition(|&d| d != 0).map_or(0, |i| i + 1);
    let mut iter = digits[..len].iter().zip(moduli).rev();
    let Some((&top, _)) = iter.next() else {
        return 0.0;
    };
    let mut m = top;
    let mut e = 0u32;
    for (&d, q) in iter {
        let p = u128::from(m) * u128::from(q.value()) + u128::from(d.checked_shr(e).unwrap_or(0));
        let bits = 128 - p.leading_zeros();
        if bits > 64 {
            let s = bits - 64;
            m = (p >> s) as u64;
            e += s;
        } else {
            m = p as u64;
        }
    }
    ldexp(m as f64, e)
}

/// `x as f64` (rounded to nearest), without the slow library conversion: the top 64 bits
/// with the lower ones folded into a sticky bit round the same way.
#[inline(always)]
fn u128_to_f64(x: u128) -> f64 {
    let hi = (x >> 64) as u64;
    // 0 when x < 2^64: then x converts directly (and the sticky mask is empty).
    let shift = 64 - hi.leading_zeros();
    let sticky = u64::from(x & ((1u128 << shift) - 1) != 0);
    let m = (x >> shift) as u64 | sticky;
    m as f64 * f64::from_bits(u64::from(shift + 1023) << 52)
}

/// `x * 2^e`, exact unless it overflows to infinity.
fn ldexp(mut x: f64, mut e: u32) -> f64 {
    const STEP: u32 = 960;
    while e > STEP && x.is_finite() {
        x *= f64::from_bits(u64::from(STEP + 1023) << 52);
        e -= STEP;
    }
    if e > STEP {
        return x;
    }
    x * f64::from_bits(u64::from(e + 1023) << 52)
}

/// The product of the moduli as little-endian 64-bit words (no trailing zero words; `[1]`
/// for an empty basis).
fn product_words(moduli: &[Modulus]) -> Vec<u64> {
    let mut words = vec![1u64];
    for q in moduli {
        let mut carry = 0u128;
        for w in words.iter_mut() {
            let t = u128::from(*w) * u128::from(q.value()) + carry;
            *w = t as u64;
            carry = t >> 64;
        }
        if carry != 0 {
            words.push(carry as u64);
        }
    }
    words
}

/// `words -= 1` for a non-zero number.
fn sub_one(words: &mut Vec<u64>) {
    for w in words.iter_mut() {
        let (v, borrow) = w.overflowing_sub(1);
        *w = v;
        if !borrow {
            break;
        }
    }
    trim(words);
}

/// `words >>= 1`.
fn shr_one(words: &mut Vec<u64>) {
    let mut carry = 0u64;
    for w in words.iter_mut().rev() {
        let v = (*w >> 1) | (carry << 63);
        carry = *w & 1;
        *w = v;
    }
    trim(words);
}

fn trim(words: &mut Vec<u64>) {
    while words.last() == Some(&0) {
        words.pop();
    }
}

/// The number of significant bits.
fn bit_len(words: &[u64]) -> u32 {
    let mut len = words.len();
    while len > 0 && words[len - 1] == 0 {
        len -= 1;
    }
    match len {
        0 => 0,
        _ => (len as u32 - 1) * 64 + (64 - words[len - 1].leading_zeros()),
    }
}

/// The number rounded toward zero to an `f64` (its top 53 bits).
fn words_to_f64_toward_zero(words: &[u64]) -> f64 {
    let bits = bit_len(words);
    if bits <= 64 {
        let v = words.first().copied().unwrap_or(0);
        let shift = bits.saturating_sub(53);
        return ldexp((v >> shift) as f64, shift);
    }
    // The 53 bits from `start = bits - 53` upwards, spread over at most two words.
    let start = bits - 53;
    let (word, offset) = ((start / 64) as usize, start % 64);
    let lo = words.get(word).copied().unwrap_or(0) >> offset;
    let hi = match offset {
        0 => 0,
        _ => words.get(word + 1).copied().unwrap_or(0) << (64 - offset),
    };
    let top = (lo | hi) & ((1u64 << 53) - 1);
    ldexp(top as f64, start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::prime_chain;
    use num_bigint::{BigInt, BigUint, Sign};
    use num_traits::{One, Signed, ToPrimitive, Zero};
    use proptest::prelude::*;

    fn basis(bits: &[u32]) -> Vec<Modulus> {
        prime_chain(bits, 1 << 10)
            .unwrap()
            .into_iter()
            .map(|q| Modulus::new(q).unwrap())
            .collect()
    }

    fn big_q(moduli: &[Modulus]) -> BigInt {
        moduli.iter().map(|q| BigInt::from(q.value())).product()
    }

    /// CRT by the textbook formula, then centering into (-Q/2, Q/2].
    fn big_centered(residues: &[u64], moduli: &[Modulus]) -> BigInt {
        let q = big_q(moduli);
        let mut x = BigInt::zero();
        for (&a, m) in residues.iter().zip(moduli) {
            let qi = BigInt::from(m.value());
            let rest = &q / &qi;
            let inv = (&rest % &qi).modpow(&(&qi - 2), &qi); // qi is prime
            x += BigInt::from(a) * rest * inv;
        }
        x %= &q;
        if BigInt::from(2) * &x > q { x - q } else { x }
    }

    fn big_residues(x: &BigInt, moduli: &[Modulus]) -> Vec<u64> {
        moduli
            .iter()
            .map(|m| {
                let qi = BigInt::from(m.value());
                (((x % &qi) + &qi) % &qi).to_u64().unwrap()
            })
            .collect()
    }

    /// An integral f64 as an exact BigInt.
    fn big_from_f64(x: f64) -> BigInt {
        let r = x.round();
        if r.abs() < TWO_POW_63 {
            return BigInt::from(r as i64);
        }
        let bits = r.to_bits();
        let mant = (bits & ((1 << 52) - 1)) | (1 << 52);
        let exp = ((bits >> 52) & 0x7ff) as usize - 1075;
        let mag = BigInt::from(mant) << exp;
        if r < 0.0 { -mag } else { mag }
    }

    fn reconstruct(crt: &CrtReconstructor, residues: &[u64]) -> f64 {
        let mut out = [0.0];
        crt.to_centered_f64(residues, 1, &mut out).unwrap();
        out[0]
    }

    fn assert_close(got: f64, want: &BigInt) {
        let want = want.to_f64().unwrap();
        if want == 0.0 {
            assert_eq!(got, 0.0);
        } else {
            let rel = ((got - want) / want).abs();
            assert!(rel <= f64::EPSILON, "got {got:e} want {want:e} rel {rel:e}");
        }
    }

    fn bit_sizes() -> impl Strategy<Value = Vec<u32>> {
        prop::collection::vec(30u32..=61, 1..=8)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Random residues reconstruct to the BigInt centered value within 2^-52.
        #[test]
        fn reconstruction_matches_bigint(bits in bit_sizes(), seed in any::<[u64; 8]>()) {
            let moduli = basis(&bits);
            let crt = CrtReconstructor::new(&moduli).unwrap();
            let residues: Vec<u64> =
                moduli.iter().zip(seed).map(|(q, s)| s % q.value()).collect();
            let want = big_centered(&residues, &moduli);
            assert_close(reconstruct(&crt, &residues), &want);
        }

        /// Small centered values (the common case after decryption) too.
        #[test]
        fn small_values_match(bits in bit_sizes(), v in any::<i64>(), shift in 0u32..64) {
            let moduli = basis(&bits);
            let crt = CrtReconstructor::new(&moduli).unwrap();
            let x = BigInt::from(v >> shift);
            let want = big_centered(&big_residues(&x, &moduli), &moduli);
            let got = reconstruct(&crt, &big_residues(&x, &moduli));
            assert_close(got, &want);
        }

        /// f64 -> residues -> f64 is the identity on rounded values that fit.
        #[test]
        fn round_trip(bits in bit_sizes(), mant in -1.0f64..1.0, e in 0i32..=100) {
            let moduli = basis(&bits);
            let crt = CrtReconstructor::new(&moduli).unwrap();
            let x = mant * 2f64.powi(e);
            prop_assume!(crt.check_magnitude(x).is_ok());
            let mut r = vec![0u64; moduli.len()];
            f64_to_residues(x, &moduli, &mut r).unwrap();
            prop_assert_eq!(&r, &big_residues(&big_from_f64(x), &moduli));
            prop_assert_eq!(reconstruct(&crt, &r), x.round());
        }

        /// Reduction of huge values is exact.
        #[test]
        fn huge_values_reduce_exactly(bits in bit_sizes(), mant in -1.0f64..1.0, e in 60i32..1000) {
            let moduli = basis(&bits);
            let x = mant * 2f64.powi(e);
            let mut r = vec![0u64; moduli.len()];
            f64_to_residues(x, &moduli, &mut r).unwrap();
            prop_assert_eq!(&r, &big_residues(&big_from_f64(x), &moduli));
            let mut bulk = vec![0u64; moduli.len() * 2];
            f64s_to_limbs(&[x, -x], &moduli, &mut bulk).unwrap();
            for (i, q) in moduli.iter().enumerate() {
                prop_assert_eq!(bulk[2 * i], r[i]);
                prop_assert_eq!(bulk[2 * i + 1], q.neg(r[i]));
            }
        }

        /// The magnitude bound is (Q-1)/2 rounded down to an f64, exactly.
        #[test]
        fn magnitude_bound_is_exact(bits in bit_sizes()) {
            let moduli = basis(&bits);
            let half: BigInt = (big_q(&moduli) - 1) / 2;
            let max = max_centered_magnitude(&moduli);
            // The next integer f64 above the bound.
            let above = if max < 2f64.powi(53) { max + 1.0 } else { max.next_up() };
            prop_assert!(big_from_f64(max) <= half);
            prop_assert!(big_from_f64(above) > half);
            let crt = CrtReconstructor::new(&moduli).unwrap();
            prop_assert_eq!(crt.max_magnitude(), max);
            prop_assert!(crt.check_magnitude(max).is_ok());
            prop_assert!(crt.check_magnitude(-max).is_ok());
            let err = crt.check_magnitude(above).unwrap_err();
            let is_out_of_range = matches!(err, Error::ValueOutOfRange { .. });
            prop_assert!(is_out_of_range);
            prop_assert!(check_magnitude(-above, &moduli).is_err());
            prop_assert!(check_magnitude(-max, &moduli).is_ok());
            prop_assert_eq!(crt.modulus_bits() as u64, big_q(&moduli).bits());
        }
    }

    /// Exactness at the edges of the centered range, for every path.
    #[test]
    fn boundaries() {
        for bits in [
            vec![30],
            vec![61],
            vec![30, 30],
            vec![61, 61],
            vec![40, 40, 40],
            vec![61, 61, 61],
            vec![30, 61, 45, 50, 61, 33, 58, 61],
        ] {
            let moduli = basis(&bits);
            let crt = CrtReconstructor::new(&moduli).unwrap();
            let q = big_q(&moduli);
            let h: BigInt = (&q - 1) / 2;
            let one = BigInt::one();
            let cases = [
                BigInt::zero(),
                one.clone(),
                -one.clone(),
                h.clone(),
                -h.clone(),
                &h - 1,
                1 - &h,
                &h + 1, // wraps to -(Q-1)/2
                &q - 1, // -1
                BigInt::from(moduli[0].value()),
                -BigInt::from(moduli[0].value()),
            ];
            for x in cases {
                let r = big_residues(&x, &moduli);
                let want = big_centered(&r, &moduli);
                assert!(want.abs() <= h);
                assert_close(reconstruct(&crt, &r), &want);
            }
        }
    }

    /// More than eight limbs (the dot products are then reduced in chunks), and a modulus
    /// beyond the f64 range (only values that fit convert to finite numbers).
    #[test]
    fn many_limbs() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        for bits in [
            vec![61; 9],
            vec![61; 16],
            vec![40; 24],
            vec![35; 15],
            vec![60; 30],
        ] {
            let moduli = basis(&bits);
            let crt = CrtReconstructor::new(&moduli).unwrap();
            let big_range = crt.modulus_bits() < 1020;
            let n = 100;
            let mut limbs = vec![0u64; moduli.len() * n];
            let mut want = Vec::with_capacity(n);
            for k in 0..n {
                let x = if big_range && k.is_multiple_of(2) {
                    let r: Vec<u64> = moduli
                        .iter()
                        .map(|q| rng.random_range(0..q.value()))
                        .collect();
                    big_centered(&r, &moduli)
                } else {
                    BigInt::from(rng.random::<i64>()) << rng.random_range(0..300usize)
                };
                for (i, r) in big_residues(&x, &moduli).into_iter().enumerate() {
                    limbs[i * n + k] = r;
                }
                want.push(x);
            }
            let mut out = vec![0.0; n];
            crt.to_centered_f64(&limbs, n, &mut out).unwrap();
            for (got, x) in out.iter().zip(&want) {
                assert_close(*got, x);
            }
            if !big_range {
                let h: BigInt = (big_q(&moduli) - 1) / 2;
                assert_eq!(reconstruct(&crt, &big_residues(&h, &moduli)), f64::INFINITY);
                assert_eq!(
                    reconstruct(&crt, &big_residues(&-h, &moduli)),
                    f64::NEG_INFINITY
                );
            }
        }
    }

    /// Prefixes of the basis, several coefficients at once, limb-major.
    #[test]
    fn prefixes_and_layout() {
        let moduli = basis(&[60, 40, 40, 50, 60]);
        let crt = CrtReconstructor::new(&moduli).unwrap();
        let values: Vec<f64> = (0..64)
            .map(|k| (k as f64 - 31.5) * 1.7e10 * (k as f64).powi(3))
            .collect();
        for l in 1..=moduli.len() {
            let mut limbs = vec![0u64; l * values.len()];
            f64s_to_limbs(&values, &moduli[..l], &mut limbs).unwrap();
            let mut out = vec![0.0; values.len()];
            crt.to_centered_f64(&limbs, values.len(), &mut out).unwrap();
            let sub = CrtReconstructor::new(&moduli[..l]).unwrap();
            let mut out2 = vec![0.0; values.len()];
            sub.to_centered_f64(&limbs, values.len(), &mut out2)
                .unwrap();
            assert_eq!(out, out2);
            for (k, (&got, &x)) in out.iter().zip(&values).enumerate() {
                let r: Vec<u64> = (0..l).map(|i| limbs[i * values.len() + k]).collect();
                assert_close(got, &big_centered(&r, &moduli[..l]));
                if sub.check_magnitude(x).is_ok() {
                    assert_eq!(got, x.round());
                }
            }
        }
    }

    /// Even moduli are allowed (pairwise coprime), centering stays in (-Q/2, Q/2].
    #[test]
    fn even_modulus() {
        let big = basis(&[61, 61, 61]);
        for moduli in [
            vec![Modulus::new(2).unwrap(), Modulus::new(3).unwrap()],
            vec![Modulus::new(4).unwrap(), big[0], big[1], big[2]],
        ] {
            let crt = CrtReconstructor::new(&moduli).unwrap();
            let q = big_q(&moduli);
            for x in [&q / 2, &q / 2 + 1, &q / 2 - 1, BigInt::zero(), &q - 1] {
                let r = big_residues(&x, &moduli);
                let xx = if BigInt::from(2) * &x > q {
                    &x - &q
                } else {
                    x.clone()
                };
                assert_close(reconstruct(&crt, &r), &xx);
            }
        }
    }

    #[test]
    fn errors() {
        let moduli = basis(&[40, 40]);
        let mut r = [0u64; 2];
        assert_eq!(
            f64_to_residues(f64::INFINITY, &moduli, &mut r),
            Err(Error::NonFiniteValue {
                value: f64::INFINITY
            })
        );
        assert!(f64_to_residues(f64::NAN, &moduli, &mut r).is_err());
        assert!(f64_to_residues(1.0, &moduli, &mut r[..1]).is_err());
        let mut limbs = [7u64; 4];
        assert!(f64s_to_limbs(&[1.0, f64::NEG_INFINITY], &moduli, &mut limbs).is_err());
        assert_eq!(limbs, [7; 4], "nothing written on error");
        assert!(f64s_to_limbs(&[1.0], &moduli, &mut limbs).is_err());
        assert!(f64s_to_limbs(&[], &moduli, &mut []).is_ok());

        assert!(matches!(
            CrtReconstructor::new(&[]),
            Err(Error::NotEnoughLimbs { .. })
        ));
        let dup = [moduli[0], moduli[1], moduli[0]];
        assert_eq!(
            CrtReconstructor::new(&dup).unwrap_err(),
            Error::ModuliNotCoprime {
                a: moduli[0].value(),
                b: moduli[0].value()
            }
        );
        let crt = CrtReconstructor::new(&moduli).unwrap();
        let mut out = [0.0; 2];
        assert!(crt.to_centered_f64(&[0; 3], 2, &mut out).is_err());
        assert!(crt.to_centered_f64(&[0; 6], 2, &mut out).is_err());
        assert!(crt.to_centered_f64(&[], 2, &mut out).is_err());
        assert!(crt.to_centered_f64(&[0; 4], 2, &mut out[..1]).is_err());
        assert!(crt.to_centered_f64(&[], 0, &mut []).is_ok());
        assert!(crt.check_magnitude(f64::NAN).is_err());
        let msg = crt.check_magnitude(1e300).unwrap_err().to_string();
        assert!(msg.contains("80-bit") || msg.contains("79-bit"), "{msg}");
    }

    #[test]
    fn rounding_matches_std() {
        let mut cases: Vec<f64> = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -1.5,
            2.5,
            -2.5,
            0.49999999999999994,
            -0.49999999999999994,
            4503599627370495.5,
            -4503599627370495.5,
            4503599627370497.0,
            9.223372036854775e18,
            -9.223372036854775e18,
        ];
        let mut x = 1.2345e-3f64;
        while x < 9e18 {
            cases.extend([x, -x, x + 0.5, -(x + 0.5), x.next_up(), x.next_down()]);
            x *= 1.37;
        }
        for x in cases {
            assert_eq!(round_small(x), x.round() as i64, "{x}");
        }
    }

    #[test]
    fn u128_conversion_rounds_to_nearest() {
        let mut cases = vec![
            0u128,
            1,
            u64::MAX as u128,
            1 << 64,
            u128::MAX,
            (1 << 127) + 1,
        ];
        for s in 0..75 {
            // Halfway cases and their neighbours at every shift.
            let base = ((1u128 << 53) | 1) << s;
            let half = 1u128 << s >> 1;
            cases.extend([
                base,
                base + half,
                base.saturating_sub(half),
                base + half + 1,
            ]);
            cases.extend([base | (half.saturating_sub(1)), (base << 1) + half]);
        }
        for x in cases {
            assert_eq!(u128_to_f64(x), x as f64, "{x}");
        }
    }

    #[test]
    fn word_helpers() {
        let moduli = basis(&[61, 61, 61, 61, 61]);
        let q = product_words(&moduli);
        let big = BigUint::from_slice(
            &q.iter()
                .flat_map(|w| [*w as u32, (*w >> 32) as u32])
                .collect::<Vec<_>>(),
        );
        assert_eq!(BigInt::from_biguint(Sign::Plus, big), big_q(&moduli));
        assert_eq!(words_to_f64_toward_zero(&[]), 0.0);
        assert_eq!(
            words_to_f64_toward_zero(&[u64::MAX]),
            (u64::MAX >> 11 << 11) as f64
        );
        assert_eq!(words_to_f64_toward_zero(&[0, 1]), 2f64.powi(64));
        assert_eq!(ldexp(1.0, 2000), f64::INFINITY);
        assert_eq!(ldexp(1.5, 1000), 1.5 * 2f64.powi(1000));
    }
}
