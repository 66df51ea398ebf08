//! Polynomial evaluation (baby-step giant-step at minimal depth, exact scales) and the inverse
//! by Newton's iteration. The plan is computed by [`Polynomial`]; see
//! [`circuits::polynomial`](crate::circuits::polynomial) for the method.

use std::collections::BTreeMap;

use super::Evaluator;
use crate::ciphertext::Ciphertext;
use crate::circuits::Polynomial;
use crate::circuits::polynomial::{Basis, Node, is_small_integer, power_factors};
use crate::encoding::f64_to_residues;
use crate::error::{Error, Result};

/// The powers `T_k` (or `x^k`) computed so far.
type Powers = BTreeMap<usize, Ciphertext>;

/// How far (as a factor) the scale of a power may drift from the default scale before the
/// evaluation refuses to go on (the scales of `T_(2^j)` drift like `(scale / q)^(2^j)`).
const MAX_SCALE_DRIFT_BITS: f64 = 8.0;

impl Evaluator {
    /// `p(ct)`, slot-wise, at the input's scale, [`p.depth()`](Polynomial::depth) levels
    /// below the input. See [`evaluate_polynomial_to`](Self::evaluate_polynomial_to) for
    /// another level or scale.
    ///
    /// ```
    /// use ckks::{Context, Decryptor, Encoder, Encryptor, EvaluationKeys, Evaluator, SecretKey};
    /// use ckks::{circuits::Polynomial, params::Preset, precision::PrecisionStats};
    /// use rand_chacha::ChaCha20Rng;
    /// use rand_core::SeedableRng;
    /// let ctx = Context::new(Preset::N14.literal().build()?)?;
    /// let mut rng = ChaCha20Rng::from_seed([4; 32]);
    /// let sk = SecretKey::generate(&ctx, &mut rng)?;
    /// let eval = Evaluator::new(&ctx, EvaluationKeys::builder(&sk).relinearization().build(&mut rng)?)?;
    /// let enc = Encoder::new(&ctx);
    /// let x = [-6.0, -1.5, 0.0, 2.0, 7.5];
    /// let ct = Encryptor::with_secret_key(&sk)
    ///     .encrypt(&enc.encode(&x, ctx.max_level(), ctx.default_scale())?, &mut rng)?;
    /// let sigmoid = Polynomial::sigmoid(7)?;                 // on [-8, 8]: 3 levels + 1
    /// let y = eval.evaluate_polynomial(&ct, &sigmoid)?;
    /// assert_eq!(y.level(), ctx.max_level() - 4);
    /// assert_eq!(y.scale(), ct.scale());
    /// let got = enc.decode(&Decryptor::new(&sk).decrypt(&y)?)?;
    /// let want: Vec<f64> = x.iter().map(|&v| sigmoid.evaluate(v)).collect();
    /// assert!(PrecisionStats::real(&want, &got).min_bits > 20.0);
    /// # Ok::<(), ckks::Error>(())
    /// ```
    pub fn evaluate_polynomial(&self, ct: &Ciphertext, p: &Polynomial) -> Result<Ciphertext> {
        let level = ct.level().saturating_sub(p.depth());
        self.evaluate_polynomial_to(ct, p, level, ct.scale)
    }

    /// `p(ct)` at exactly `level` and `scale` (for example those of another operand it will
    /// be added to). The level must be at most `ct.level() - p.depth()`; a lower one is
    /// cheaper (the input is first dropped to `level + p.depth()`).
    ///
    /// Needs the relinearization key when the degree is 2 or more. Errors: a constant
    /// polynomial ([`Error::InvalidArgument`]: it would be a transparent ciphertext), too few
    /// levels ([`Error::NotEnoughLevels`]), an input scale far from the default scale (the
    /// scales of the powers would drift: bring it back with `match_scale`).
    pub fn evaluate_polynomial_to(
        &self,
        ct: &Ciphertext,
        p: &Polynomial,
        level: usize,
        scale: f64,
    ) -> Result<Ciphertext> {
        self.check(ct)?;
        if p.degree() == 0 {
            return Err(Error::InvalidArgument {
                op: "evaluate_polynomial",
                reason: "a constant polynomial needs no evaluation (and its encryption would \
                         be transparent): use the constant"
                    .into(),
            });
        }
        if ct.degree() != 1 {
            return Err(Error::DegreeTooHigh {
                op: "evaluate_polynomial",
                degree: ct.degree(),
                max: 1,
            });
        }
        if ct.level() < p.depth() + level {
            return Err(Error::NotEnoughLevels {
                op: "evaluate_polynomial",
                needed: p.depth() + level,
                level: ct.level(),
            });
        }
        if !(scale.is_finite() && scale >= 1.0) {
            return Err(Error::InvalidScale {
                log2_scale: scale.log2(),
                log2_modulus: self.ctx.log_q_at(level),
                level,
            });
        }
        if p.nonscalar_multiplications() > 0 && self.keys.relin.is_none() {
            return Err(Error::MissingRelinearizationKey);
        }
        let input = self.drop_to_level(ct, level + p.depth())?;
        let t1 = self.change_of_variable(&input, p)?;
        let plan = p.plan();
        let target = level;
        let mut powers = Powers::new();
        powers.insert(1, t1);
        // The powers first (in increasing order), then the tree.
        for &k in &plan.powers {
            self.power(p.basis(), k, &mut powers)?;
        }
        let out = self.eval_node(&plan.root, target, scale, &powers)?;
        self.check_transparent(&out, "evaluate_polynomial")?;
        Ok(out)
    }

    /// `T_1 = alpha x + beta`: free for an integer `alpha`, else one level, at which the scale
    /// is also brought to the default scale.
    fn change_of_variable(&self, ct: &Ciphertext, p: &Polynomial) -> Result<Ciphertext> {
        let Some((alpha, beta)) = p.affine() else {
            return Ok(ct.clone());
        };
        let mut y = if is_small_integer(alpha) {
            self.mul_int(ct, alpha as i64)?
        } else {
            let level = ct.level();
            let target = self.ctx.default_scale();
            let factor = target * self.ctx.q_at(level) as f64 / ct.scale;
            let mut y = self.mul_const(ct, alpha, factor)?;
            self.rescale_assign(&mut y)?;
            self.relabel_scale(&mut y, target);
            y
        };
        if beta != 0.0 {
            self.add_const_assign(&mut y, beta)?;
        }
        Ok(y)
    }

    /// Computes `T_k` (and what it depends on) into `powers`.
    fn power(&self, basis: Basis, k: usize, powers: &mut Powers) -> Result<()> {
        if k <= 1 || powers.contains_key(&k) {
            return Ok(());
        }
        let (a, b) = power_factors(k);
        self.power(basis, a, powers)?;
        self.power(basis, b, powers)?;
        let (Some(ta), Some(tb)) = (powers.get(&a), powers.get(&b)) else {
            return Err(internal("a power's factors were not computed"));
        };
        let mut prod = self.mul_relin(ta, tb)?;
        if basis == Basis::Chebyshev {
            // T_(a+b) = 2 T_a T_b - T_(a-b), with T_(a-b) brought to the product's scale
            // before the rescale (no level spent, exact scale).
            self.mul_int_assign(&mut prod, 2)?;
            if a != b {
                self.power(basis, a - b, powers)?;
                let Some(tc) = powers.get(&(a - b)) else {
                    return Err(internal("T_(a-b) was not computed"));
                };
                let mut tc = self.drop_to_level(tc, prod.level())?;
                let factor = prod.scale / tc.scale;
                self.mul_const_assign(&mut tc, 1.0, factor)?;
                self.relabel_scale(&mut tc, prod.scale);
                self.sub_assign(&mut prod, &tc)?;
            }
        }
        self.rescale_assign(&mut prod)?;
        if basis == Basis::Chebyshev && a == b {
            self.add_const_assign(&mut prod, -1.0)?;
        }
        let drift = (prod.scale / self.ctx.default_scale()).log2().abs();
        if drift > MAX_SCALE_DRIFT_BITS {
            return Err(Error::InvalidArgument {
                op: "evaluate_polynomial",
                reason: format!(
                    "the scale of power {k} drifted to 2^{:.1} (default 2^{:.1}): the input's \
                     scale must be close to the default scale; bring it there with match_scale",
                    prod.scale.log2(),
                    self.ctx.default_scale().log2()
                ),
            });
        }
        powers.insert(k, prod);
        Ok(())
    }

    /// Evaluates a part of the plan to exactly `level` and `scale`.
    fn eval_node(
        &self,
        node: &Node,
        level: usize,
        scale: f64,
        powers: &Powers,
    ) -> Result<Ciphertext> {
        let q_next = self.ctx.q_at(level + 1) as f64;
        match node {
            Node::Const(_) => Err(internal("a constant part reached the ciphertext evaluator")),
            Node::Leaf(coeffs) => {
                let mut acc: Option<Ciphertext> = None;
                for (i, &c) in coeffs.iter().enumerate().skip(1) {
                    if c == 0.0 {
                        continue;
                    }
                    let t = self.scaled_power(powers, i, c, level + 1, scale * q_next)?;
                    match acc.as_mut() {
                        None => acc = Some(t),
                        Some(a) => self.add_assign(a, &t)?,
                    }
                }
                let Some(mut acc) = acc else {
                    return Err(internal("a leaf without a non-constant term"));
                };
                if coeffs[0] != 0.0 {
                    self.add_const_assign(&mut acc, coeffs[0])?;
                }
                self.rescale_assign(&mut acc)?;
                self.relabel_scale(&mut acc, scale);
                Ok(acc)
            }
            Node::Split { power, q, r } => {
                let Some(x) = powers.get(power) else {
                    return Err(internal("a giant-step power was not computed"));
                };
                let mut out = match **q {
                    Node::Const(c) => {
                        self.scaled_power(powers, *power, c, level + 1, scale * q_next)?
                    }
                    _ => {
                        let q_scale = scale * q_next / x.scale;
                        let q_ct = self.eval_node(q, level + 1, q_scale, powers)?;
                        let mut prod = self.mul_relin(&q_ct, x)?;
                        self.relabel_scale(&mut prod, scale * q_next);
                        prod
                    }
                };
                self.rescale_assign(&mut out)?;
                self.relabel_scale(&mut out, scale);
                match **r {
                    Node::Const(c) => {
                        if c != 0.0 {
                            self.add_const_assign(&mut out, c)?;
                        }
                    }
                    _ => {
                        let r_ct = self.eval_node(r, level, scale, powers)?;
                        self.add_assign(&mut out, &r_ct)?;
                    }
                }
                Ok(out)
            }
        }
    }

    /// `c T_i` at `level` and exactly `scale` (before a rescale): `T_i` dropped to `level`,
    /// times `c` encoded at `scale / scale(T_i)`.
    fn scaled_power(
        &self,
        powers: &Powers,
        i: usize,
        c: f64,
        level: usize,
        scale: f64,
    ) -> Result<Ciphertext> {
        let Some(t) = powers.get(&i) else {
            return Err(internal("a baby-step power was not computed"));
        };
        if t.level() < level {
            return Err(internal("a power sits below the level of its use"));
        }
        let mut t = self.drop_to_level(t, level)?;
        // As mul_const, without its refusal of a transparent result: a coefficient that rounds
        // to zero at this scale contributes zero to a sum that is not transparent.
        self.check_scale_fits("evaluate_polynomial", scale, level)?;
        let mut residues = vec![0u64; level + 1];
        let exact = c * scale / t.scale;
        f64_to_residues(exact, &self.ctx.q_basis().moduli()[..=level], &mut residues)?;
        for part in t.parts.iter_mut() {
            part.mul_scalar_limbs_assign(&residues)?;
        }
        let n = self.ctx.n();
        t.noise = t.noise.map(|b| b.mul_constant(exact, exact.round(), n));
        t.scale = scale;
        Ok(t)
    }

    /// `1 / ct` for slot values in `[lo, hi]` (`0 < lo < hi`; negate the input for negative
    /// ranges) by Newton's iteration `y <- y (2 - x y)` from `y_0 = 2 / (lo + hi)`, `iterations`
    /// times, at exactly the input's scale.
    ///
    /// The iterates are computed in Goldschmidt's product form: with `e = 1 - x y_0`,
    /// Newton's `k`-th iterate is `y_0 (1 + e)(1 + e^2)(1 + e^4)...(1 + e^(2^(k-1)))`, whose
    /// factors come from repeated squaring, so the depth is `k + 1` levels for `k >= 2` (1 for
    /// `k = 1`) instead of `2k`; see [`inverse_depth`](Self::inverse_depth). The relative error
    /// is `|e|^(2^k)` with `|e| <= (hi - lo) / (hi + lo)`;
    /// [`inverse_iterations`](Self::inverse_iterations) gives the `k` for a precision.
    ///
    /// ```
    /// use ckks::{Context, Decryptor, Encoder, Encryptor, EvaluationKeys, Evaluator, SecretKey};
    /// use ckks::params::Preset;
    /// use rand_chacha::ChaCha20Rng;
    /// use rand_core::SeedableRng;
    /// let ctx = Context::new(Preset::N14.literal().build()?)?;
    /// let mut rng = ChaCha20Rng::from_seed([6; 32]);
    /// let sk = SecretKey::generate(&ctx, &mut rng)?;
    /// let eval = Evaluator::new(&ctx, EvaluationKeys::builder(&sk).relinearization().build(&mut rng)?)?;
    /// let enc = Encoder::new(&ctx);
    /// let x = [1.0, 2.5, 4.0, 7.0];
    /// let ct = Encryptor::with_secret_key(&sk)
    ///     .encrypt(&enc.encode(&x, ctx.max_level(), ctx.default_scale())?, &mut rng)?;
    /// let k = Evaluator::inverse_iterations(1.0, 8.0, 20.0);   // 20 bits on [1, 8]
    /// let inv = eval.inverse(&ct, 1.0, 8.0, k)?;
    /// assert_eq!(inv.level(), ctx.max_level() - Evaluator::inverse_depth(k));
    /// let got = enc.decode(&Decryptor::new(&sk).decrypt(&inv)?)?;
    /// for (g, v) in got.iter().zip(x) { assert!((g - 1.0 / v).abs() < 1e-5); }
    /// # Ok::<(), ckks::Error>(())
    /// ```
    pub fn inverse(
        &self,
        ct: &Ciphertext,
        lo: f64,
        hi: f64,
        iterations: usize,
    ) -> Result<Ciphertext> {
        self.check(ct)?;
        if !(lo.is_finite() && hi.is_finite() && 0.0 < lo && lo < hi) || iterations == 0 {
            return Err(Error::InvalidArgument {
                op: "inverse",
                reason: format!(
                    "the range [{lo}, {hi}] must satisfy 0 < lo < hi (negate negative inputs) \
                     and the iteration count {iterations} must be at least 1"
                ),
            });
        }
        let depth = Self::inverse_depth(iterations);
        if ct.level() < depth {
            return Err(Error::NotEnoughLevels {
                op: "inverse",
                needed: depth,
                level: ct.level(),
            });
        }
        if iterations > 1 && self.keys.relin.is_none() {
            return Err(Error::MissingRelinearizationKey);
        }
        let level = ct.level();
        let q_top = self.ctx.q_at(level) as f64;
        let c = 2.0 / (lo + hi);
        let target = ct.scale;
        // The scales of every step are known in advance: choose the scale of y_1 so that the
        // last product lands exactly on `target`.
        let mut e_scale = self.ctx.default_scale();
        let mut e_level = level - 1;
        let mut y_level = level - 1;
        let mut y_scale = 1.0;
        for _ in 1..iterations {
            e_scale = e_scale * e_scale / self.ctx.q_at(e_level) as f64;
            e_level -= 1;
            let at = y_level.min(e_level);
            y_scale = y_scale * e_scale / self.ctx.q_at(at) as f64;
            y_level = at - 1;
        }
        let y1_scale = target / y_scale;
        // y_1 = 2c - c^2 x = c (1 + e).
        let mut y = self.mul_const(ct, -c * c, y1_scale * q_top / ct.scale)?;
        self.rescale_assign(&mut y)?;
        self.relabel_scale(&mut y, y1_scale);
        self.add_const_assign(&mut y, 2.0 * c)?;
        if iterations == 1 {
            self.relabel_scale(&mut y, target);
            return Ok(y);
        }
        // e = 1 - c x.
        let mut e = self.mul_const(ct, -c, self.ctx.default_scale() * q_top / ct.scale)?;
        self.rescale_assign(&mut e)?;
        self.relabel_scale(&mut e, self.ctx.default_scale());
        self.add_const_assign(&mut e, 1.0)?;
        for _ in 1..iterations {
            e = self.mul_relin(&e, &e)?;
            self.rescale_assign(&mut e)?;
            let f = self.add_const(&e, 1.0)?;
            y = self.mul_relin(&y, &f)?;
            self.rescale_assign(&mut y)?;
        }
        self.relabel_scale(&mut y, target);
        Ok(y)
    }

    /// The levels [`inverse`](Self::inverse) consumes for `iterations` Newton iterations:
    /// 1 for one iteration, `iterations + 1` otherwise.
    pub fn inverse_depth(iterations: usize) -> usize {
        if iterations <= 1 { 1 } else { iterations + 1 }
    }

    /// The Newton iterations [`inverse`](Self::inverse) needs on `[lo, hi]` for a relative
    /// error of `2^-bits` (ignoring the CKKS noise): the least `k` with
    /// `((hi - lo) / (hi + lo))^(2^k) <= 2^-bits`.
    ///
    /// ```
    /// use ckks::Evaluator;
    /// assert_eq!(Evaluator::inverse_iterations(1.0, 3.0, 20.0), 5); // (1/2)^(2^5) = 2^-32
    /// ```
    pub fn inverse_iterations(lo: f64, hi: f64, bits: f64) -> usize {
        let rho = ((hi - lo) / (hi + lo)).abs();
        if !(rho > 0.0 && rho < 1.0 && bits.is_finite()) {
            return 1;
        }
        let mut k = 1;
        // rho^(2^k) <= 2^-bits  <=>  2^k * log2(1 / rho) >= bits
        while (1u64 << k) as f64 * -rho.log2() < bits && k < 62 {
            k += 1;
        }
        k
    }
}

fn internal(what: &str) -> Error {
    Error::InvalidArgument {
        op: "evaluate_polynomial",
        reason: format!("internal plan inconsistency ({what}); please report it"),
    }
}
