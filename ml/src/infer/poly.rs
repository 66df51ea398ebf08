//! Encrypted polynomial evaluation at minimal depth with exact scale management.
//!
//! [`eval_poly`] evaluates `c_0 + c_1 x + ... + c_d x^d` on a ciphertext in
//! `ceil(log2(d + 1))` levels, the least any circuit needs. It splits
//! `p = q + x^m r` with `m` the largest power of two `<= d`, recursively, over the powers
//! `x, x^2, x^4, ...` (each a squaring and a rescale). Every partial result is produced at a
//! target level and an exact target scale: a product `x^m * r` is formed with `r` evaluated at
//! scale `target * q_l / scale(x^m)`, so that the rescale by the prime `q_l` lands on `target`;
//! degree-1 terms `c x` are `mul_const` at the scale that does the same. All the terms of a sum
//! therefore share one scale exactly and the additions never need `match_scale`.
//!
//! A later circuits toolkit (Chebyshev basis, Paterson-Stockmeyer, baby-step giant-step) can
//! replace this function; its contract is the input level minus [`depth_for_degree`] and the
//! requested scale.

use ckks::{Ciphertext, Evaluator};

use crate::error::{Error, Result};

/// The multiplicative depth [`eval_poly`] uses for a degree-`degree` polynomial:
/// `ceil(log2(degree + 1))` (0 for a constant, 1 for degree 1, 2 for degrees 2..3, 3 for 4..7).
pub fn depth_for_degree(degree: usize) -> usize {
    (usize::BITS - degree.leading_zeros()) as usize
}

/// The degree of `coeffs`, ignoring zero leading coefficients.
fn degree(coeffs: &[f64]) -> usize {
    coeffs.iter().rposition(|&c| c != 0.0).unwrap_or(0)
}

/// `p(x)` at level `x.level() - depth_for_degree(deg p)` and scale exactly `scale`.
///
/// `coeffs` are in power basis, constant term first; the polynomial must not be constant. See
/// [`eval_poly`] for a faster form when the result's scale may be any (exactly tracked) value.
///
/// ```
/// use ckks::{Context, Decryptor, Encoder, Encryptor, EvaluationKeys, Evaluator, SecretKey, params::Preset};
/// use rand_chacha::ChaCha20Rng;
/// use rand_core::SeedableRng;
/// let ctx = Context::new(Preset::N13.literal().build()?)?;
/// let mut rng = ChaCha20Rng::from_seed([3; 32]);
/// let sk = SecretKey::generate(&ctx, &mut rng)?;
/// let eval = Evaluator::new(&ctx, EvaluationKeys::builder(&sk).relinearization().build(&mut rng)?)?;
/// let enc = Encoder::new(&ctx);
/// let x = [0.5, -0.75, 0.25, 1.0];
/// let ct = Encryptor::with_secret_key(&sk).encrypt(&enc.encode(&x, 3, ctx.default_scale())?, &mut rng)?;
/// let p = [0.5, 0.2, -0.1, 0.05];                    // 0.5 + 0.2 x - 0.1 x^2 + 0.05 x^3
/// let y = ckks_ml::infer::poly::eval_poly_at_scale(&eval, &ct, &p, ctx.default_scale())?;
/// assert_eq!((y.level(), y.scale()), (1, ctx.default_scale()));
/// let got = enc.decode(&Decryptor::new(&sk).decrypt(&y)?)?;
/// for (g, &v) in got.iter().zip(&x) {
///     assert!((g - (0.5 + 0.2 * v - 0.1 * v * v + 0.05 * v * v * v)).abs() < 1e-6);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn eval_poly_at_scale(
    eval: &Evaluator,
    x: &Ciphertext,
    coeffs: &[f64],
    scale: f64,
) -> Result<Ciphertext> {
    let (d, depth) = check_poly(x, coeffs)?;
    // Powers x^(2^i) for i < depth.
    let mut powers = vec![x.clone()];
    for _ in 1..depth {
        let last = &powers[powers.len() - 1];
        let mut sq = eval.mul_relin(last, last)?;
        eval.rescale_assign(&mut sq)?;
        powers.push(sq);
    }
    let level = x.level() - depth;
    let Some(mut out) = non_constant_part(eval, &powers, &coeffs[..=d], level, scale)? else {
        return Err(Error::InvalidArgument {
            name: "polynomial",
            value: format!("{coeffs:?}"),
            expected: "a non-constant polynomial",
        });
    };
    if coeffs[0] != 0.0 {
        eval.add_const_assign(&mut out, coeffs[0])?;
    }
    Ok(out)
}

/// The degree and depth of `coeffs`, checked against the ciphertext's level.
fn check_poly(x: &Ciphertext, coeffs: &[f64]) -> Result<(usize, usize)> {
    if coeffs.iter().any(|c| !c.is_finite()) {
        return Err(Error::InvalidArgument {
            name: "coefficients",
            value: format!("{coeffs:?}"),
            expected: "finite values",
        });
    }
    let d = degree(coeffs);
    let depth = depth_for_degree(d);
    if d == 0 {
        return Err(Error::InvalidArgument {
            name: "polynomial degree",
            value: "0".into(),
            expected: "at least 1 (a constant needs no ciphertext)",
        });
    }
    if depth > x.level() {
        return Err(Error::PlanDoesNotFit {
            needed: format!("depth {depth} for a degree-{d} polynomial"),
            available: format!("a ciphertext at level {}", x.level()),
            fix: "encrypt at a higher level or use parameters with more rescale primes",
        });
    }
    Ok((d, depth))
}

/// The range of `|c|` for which [`eval_poly`] multiplies by `c` by changing the scale: within it
/// the scale moves by at most 8 bits.
const FREE_CONSTANT_RANGE: (f64, f64) = (1.0 / 256.0, 256.0);

/// `p(x)` at level `x.level() - depth_for_degree(deg p)`, at a scale near `x`'s (tracked
/// exactly, like every scale).
///
/// Degree 3 (the default sigmoid) takes a faster route than
/// [`eval_poly_at_scale`]: `p = a_0 + a_2 x^2 + x (a_1 + a_3 x^2)`, where `a_3 x^2` is `x^2`
/// with its scale divided by `|a_3|` (multiplying the value by a constant by reinterpreting
/// the scale is exact and free) and `a_1` is added as a constant: two relinearized products
/// and two rescales, plus one `mul_const` and rescale for `a_2 x^2` if `a_2 != 0`. Other
/// degrees, and coefficients `a_3` too small or too large for the scale to absorb, use
/// [`eval_poly_at_scale`] with the scale of `x`.
///
/// ```
/// use ckks::{Context, Decryptor, Encoder, Encryptor, EvaluationKeys, Evaluator, SecretKey, params::Preset};
/// use rand_chacha::ChaCha20Rng;
/// use rand_core::SeedableRng;
/// let ctx = Context::new(Preset::N13.literal().build()?)?;
/// let mut rng = ChaCha20Rng::from_seed([4; 32]);
/// let sk = SecretKey::generate(&ctx, &mut rng)?;
/// let eval = Evaluator::new(&ctx, EvaluationKeys::builder(&sk).relinearization().build(&mut rng)?)?;
/// let enc = Encoder::new(&ctx);
/// let x = [0.5, -0.75, 0.25, 1.0];
/// let ct = Encryptor::with_secret_key(&sk).encrypt(&enc.encode(&x, 3, ctx.default_scale())?, &mut rng)?;
/// let p = [0.5, 1.1, 0.0, -0.6];                      // a sigmoid-like odd cubic
/// let y = ckks_ml::infer::poly::eval_poly(&eval, &ct, &p)?;
/// assert_eq!(y.level(), 1);
/// let got = enc.decode(&Decryptor::new(&sk).decrypt(&y)?)?;
/// for (g, &v) in got.iter().zip(&x) {
///     assert!((g - (0.5 + 1.1 * v - 0.6 * v * v * v)).abs() < 1e-6);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn eval_poly(eval: &Evaluator, x: &Ciphertext, coeffs: &[f64]) -> Result<Ciphertext> {
    eval_poly_inner(eval, x, coeffs, true)
}

/// [`eval_poly`] for a result that is only decrypted. The degree-3 route relinearizes
/// nothing: `x^2` stays a degree-2 ciphertext and `x (a_1 + a_3 x^2)` a degree-3 one, which the
/// [`Decryptor`](ckks::Decryptor) handles; no key switch at all, so no relinearization key
/// ([`needs_relinearization_for_decryption`]), for a response two polynomials larger and a few
/// bits of precision (the final rescale's rounding is multiplied by `s^3` at decryption: about
/// 18 bits on `[-1, 1]` at `N = 2^13`, against 26 relinearized; far below the error of a
/// degree-3 sigmoid fit). Other routes are [`eval_poly`]'s.
pub fn eval_poly_for_decryption(
    eval: &Evaluator,
    x: &Ciphertext,
    coeffs: &[f64],
) -> Result<Ciphertext> {
    eval_poly_inner(eval, x, coeffs, false)
}

fn eval_poly_inner(
    eval: &Evaluator,
    x: &Ciphertext,
    coeffs: &[f64],
    relinearize: bool,
) -> Result<Ciphertext> {
    let (d, _) = check_poly(x, coeffs)?;
    if !takes_cubic_route(d, coeffs) {
        return eval_poly_at_scale(eval, x, coeffs, x.scale());
    }
    let (a0, a1, a2, a3) = (coeffs[0], coeffs[1], coeffs[2], coeffs[3].abs());
    let mut sq = if relinearize {
        eval.mul_relin(x, x)?
    } else {
        eval.mul(x, x)?
    };
    eval.rescale_assign(&mut sq)?;
    // t = a_1 + a_3 x^2: x^2 read at scale / |a_3| (negated first if a_3 < 0).
    let mut t = if coeffs[3] < 0.0 {
        eval.neg(&sq)?
    } else {
        sq.clone()
    };
    t.set_scale(sq.scale() / a3);
    if a1 != 0.0 {
        eval.add_const_assign(&mut t, a1)?;
    }
    let mut out = if relinearize {
        eval.mul_relin(x, &t)?
    } else {
        eval.mul(x, &t)?
    };
    eval.rescale_assign(&mut out)?;
    if a2 != 0.0 {
        let term = scaled_term(eval, &sq, a2, out.level(), out.scale())?;
        eval.add_assign(&mut out, &term)?;
    }
    if a0 != 0.0 {
        eval.add_const_assign(&mut out, a0)?;
    }
    Ok(out)
}

/// Whether [`eval_poly_for_decryption`] needs a relinearization key for `coeffs`: only off its
/// key-switch-free degree-3 route (other degrees, or `|a_3|` outside the range the scale absorbs).
pub fn needs_relinearization_for_decryption(coeffs: &[f64]) -> bool {
    let d = degree(coeffs);
    d > 1 && !takes_cubic_route(d, coeffs)
}

/// Whether a degree-`d` polynomial takes the cubic route of [`eval_poly`]: `d = 3` and `|a_3|`
/// within what the scale absorbs.
fn takes_cubic_route(d: usize, coeffs: &[f64]) -> bool {
    d == 3 && (FREE_CONSTANT_RANGE.0..=FREE_CONSTANT_RANGE.1).contains(&coeffs[3].abs())
}

/// `c * x` (for `x` any ciphertext) at exactly `level` and `scale`: `mul_const` at the scale
/// that the rescale by `x`'s last prime turns into `scale`, then dropped to `level`.
fn scaled_term(
    eval: &Evaluator,
    x: &Ciphertext,
    c: f64,
    level: usize,
    scale: f64,
) -> Result<Ciphertext> {
    let q = eval.context().q_at(x.level()) as f64;
    let mut t = eval.mul_const(x, c, scale * q / x.scale())?;
    eval.rescale_assign(&mut t)?;
    t.set_scale(scale);
    eval.drop_to_level_assign(&mut t, level)?;
    Ok(t)
}

fn add_opt(eval: &Evaluator, acc: Option<Ciphertext>, t: Ciphertext) -> Result<Option<Ciphertext>> {
    Ok(Some(match acc {
        None => t,
        Some(mut a) => {
            eval.add_assign(&mut a, &t)?;
            a
        }
    }))
}

/// `sum_{k >= 1} coeffs[k] x^k` at `level` and exactly `scale`; `None` if every such
/// coefficient is zero. `powers[i]` is `x^(2^i)`.
fn non_constant_part(
    eval: &Evaluator,
    powers: &[Ciphertext],
    coeffs: &[f64],
    level: usize,
    scale: f64,
) -> Result<Option<Ciphertext>> {
    let d = degree(coeffs);
    if d == 0 {
        return Ok(None);
    }
    if d == 1 {
        return Ok(Some(scaled_term(
            eval, &powers[0], coeffs[1], level, scale,
        )?));
    }
    // p = q + x^m r with m = 2^(k-1) <= d < 2^k.
    let k = depth_for_degree(d);
    let m = 1usize << (k - 1);
    let xm = &powers[k - 1];
    let (q_part, r_part) = coeffs.split_at(m);
    let mut acc = non_constant_part(eval, powers, q_part, level, scale)?;
    // x^m * (r - r_0): r at x^m's level, at the scale the rescale after the product turns into
    // `scale`.
    let lm = xm.level();
    let r_scale = scale * eval.context().q_at(lm) as f64 / xm.scale();
    if let Some(r) = non_constant_part(eval, powers, r_part, lm, r_scale)? {
        let mut prod = eval.mul_relin(xm, &r)?;
        eval.rescale_assign(&mut prod)?;
        prod.set_scale(scale);
        eval.drop_to_level_assign(&mut prod, level)?;
        acc = add_opt(eval, acc, prod)?;
    }
    // r_0 x^m.
    if r_part[0] != 0.0 {
        acc = add_opt(eval, acc, scaled_term(eval, xm, r_part[0], level, scale)?)?;
    }
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depths() {
        let got: Vec<usize> = (0..9).map(depth_for_degree).collect();
        assert_eq!(got, vec![0, 1, 2, 2, 3, 3, 3, 3, 4]);
    }
}
