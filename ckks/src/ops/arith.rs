//! Additive operations, and multiplication by plaintexts and constants.

use super::Evaluator;
use crate::ciphertext::Ciphertext;
use crate::encoding::f64_to_residues;
use crate::error::{Error, Result};
use crate::noise::NoiseBound;
use crate::plaintext::Plaintext;
use crate::ring::RnsPoly;

impl Evaluator {
    /// `a + b`. Operands at different levels are aligned to the lower one; their scales must
    /// agree within the tolerance.
    pub fn add(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext> {
        let mut out = a.clone();
        self.add_assign(&mut out, b)?;
        Ok(out)
    }

    /// `a += b`.
    pub fn add_assign(&self, a: &mut Ciphertext, b: &Ciphertext) -> Result<()> {
        self.combine(a, b, "add", |x, y| x.add_assign(y))
    }

    /// `a - b`.
    pub fn sub(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext> {
        let mut out = a.clone();
        self.sub_assign(&mut out, b)?;
        Ok(out)
    }

    /// `a -= b`.
    pub fn sub_assign(&self, a: &mut Ciphertext, b: &Ciphertext) -> Result<()> {
        self.combine(a, b, "sub", |x, y| x.sub_assign(y))
    }

    fn combine(
        &self,
        a: &mut Ciphertext,
        b: &Ciphertext,
        op: &'static str,
        f: impl Fn(&mut RnsPoly, &RnsPoly) -> Result<()>,
    ) -> Result<()> {
        self.check(a)?;
        self.check(b)?;
        self.check_scales(op, a.scale, b.scale)?;
        let n = self.ctx.n();
        a.noise = match (a.noise, b.noise) {
            (Some(x), Some(y)) => Some(x.add(&y, b.scale / a.scale - 1.0, n)),
            _ => None,
        };
        let level = a.level().min(b.level());
        self.drop_to_level_assign(a, level)?;
        let limbs = level + 1;
        if a.parts.len() < b.parts.len() {
            let zero = RnsPoly::zero(self.ctx.q_basis(), limbs, crate::ring::Representation::Ntt)?;
            a.parts.resize(b.parts.len(), zero);
        }
        for (x, y) in a.parts.iter_mut().zip(&b.parts) {
            if y.limb_count() == limbs {
                f(x, y)?;
            } else {
                f(x, &y.truncated(limbs)?)?;
            }
        }
        a.seed = None;
        a.slots = a.slots.max(b.slots);
        self.check_transparent(a, op)
    }

    /// `-a`.
    pub fn neg(&self, a: &Ciphertext) -> Result<Ciphertext> {
        let mut out = a.clone();
        self.neg_assign(&mut out)?;
        Ok(out)
    }

    /// `a = -a`.
    pub fn neg_assign(&self, a: &mut Ciphertext) -> Result<()> {
        self.check(a)?;
        for p in a.parts.iter_mut() {
            p.neg_assign();
        }
        a.seed = None;
        Ok(())
    }

    /// `ct + pt`. The plaintext must be at the ciphertext's level or above (its extra limbs are
    /// ignored) and at the same scale.
    pub fn add_plain(&self, ct: &Ciphertext, pt: &Plaintext) -> Result<Ciphertext> {
        let mut out = ct.clone();
        self.add_plain_assign(&mut out, pt)?;
        Ok(out)
    }

    /// `ct += pt`.
    pub fn add_plain_assign(&self, ct: &mut Ciphertext, pt: &Plaintext) -> Result<()> {
        self.plain_c0(ct, pt, "add_plain", |x, y| x.add_assign(y))
    }

    /// `ct - pt`.
    pub fn sub_plain(&self, ct: &Ciphertext, pt: &Plaintext) -> Result<Ciphertext> {
        let mut out = ct.clone();
        self.sub_plain_assign(&mut out, pt)?;
        Ok(out)
    }

    /// `ct -= pt`.
    pub fn sub_plain_assign(&self, ct: &mut Ciphertext, pt: &Plaintext) -> Result<()> {
        self.plain_c0(ct, pt, "sub_plain", |x, y| x.sub_assign(y))
    }

    fn plain_c0(
        &self,
        ct: &mut Ciphertext,
        pt: &Plaintext,
        op: &'static str,
        f: impl Fn(&mut RnsPoly, &RnsPoly) -> Result<()>,
    ) -> Result<()> {
        self.check(ct)?;
        self.ctx.check_id("plaintext", pt.param_id)?;
        self.check_scales(op, ct.scale, pt.scale)?;
        let pt_poly = self.plain_at_level(pt, ct.level(), op)?;
        f(&mut ct.parts[0], &pt_poly)?;
        let n = self.ctx.n();
        ct.noise = match (ct.noise, pt.bound) {
            (Some(x), Some(y)) => Some(x.add(&y, pt.scale / ct.scale - 1.0, n)),
            _ => None,
        };
        ct.slots = ct.slots.max(pt.slots);
        Ok(())
    }

    /// The plaintext's polynomial restricted to `level`, or a level error.
    fn plain_at_level<'p>(
        &self,
        pt: &'p Plaintext,
        level: usize,
        op: &'static str,
    ) -> Result<std::borrow::Cow<'p, RnsPoly>> {
        if pt.level() < level {
            return Err(Error::LevelMismatch {
                op,
                ciphertext: level,
                plaintext: pt.level(),
            });
        }
        Ok(if pt.level() == level {
            std::borrow::Cow::Borrowed(&pt.poly)
        } else {
            std::borrow::Cow::Owned(pt.poly.truncated(level + 1)?)
        })
    }

    /// `ct * pt`: the scale becomes the product of the scales (rescale afterwards).
    pub fn mul_plain(&self, ct: &Ciphertext, pt: &Plaintext) -> Result<Ciphertext> {
        let mut out = ct.clone();
        self.mul_plain_assign(&mut out, pt)?;
        Ok(out)
    }

    /// `ct *= pt`.
    pub fn mul_plain_assign(&self, ct: &mut Ciphertext, pt: &Plaintext) -> Result<()> {
        self.check(ct)?;
        self.ctx.check_id("plaintext", pt.param_id)?;
        let pt_poly = self.plain_at_level(pt, ct.level(), "mul_plain")?;
        let scale = ct.scale * pt.scale;
        self.check_scale_fits("mul_plain", scale, ct.level())?;
        for p in ct.parts.iter_mut() {
            p.mul_assign(&pt_poly)?;
        }
        ct.scale = scale;
        ct.seed = None;
        ct.slots = ct.slots.max(pt.slots);
        let n = self.ctx.n();
        ct.noise = match (ct.noise, pt.bound) {
            (Some(x), Some(y)) => Some(x.mul(&y, n)),
            _ => None,
        };
        self.check_transparent(ct, "mul_plain")
    }

    /// `ct + c` for a real constant `c` (added to every slot at the ciphertext's scale).
    pub fn add_const(&self, ct: &Ciphertext, c: f64) -> Result<Ciphertext> {
        let mut out = ct.clone();
        self.add_const_assign(&mut out, c)?;
        Ok(out)
    }

    /// `ct += c`.
    pub fn add_const_assign(&self, ct: &mut Ciphertext, c: f64) -> Result<()> {
        self.check(ct)?;
        let residues = self.constant_residues(c * ct.scale, ct.level())?;
        let constant = NoiseBound::constant(c, ct.scale);
        ct.noise = ct.noise.map(|b| b.add(&constant, 0.0, self.ctx.n()));
        // A constant polynomial is the same constant at every NTT point.
        let n = self.ctx.n();
        let moduli = self.ctx.q_basis().moduli();
        for (i, r) in residues.iter().enumerate() {
            let q = moduli[i];
            if let Some(limb) = ct.parts[0].limb_mut(i) {
                for x in limb.iter_mut().take(n) {
                    *x = q.add(*x, *r);
                }
            }
        }
        Ok(())
    }

    /// `ct - c` for a real constant.
    pub fn sub_const(&self, ct: &Ciphertext, c: f64) -> Result<Ciphertext> {
        self.add_const(ct, -c)
    }

    /// `ct -= c`.
    pub fn sub_const_assign(&self, ct: &mut Ciphertext, c: f64) -> Result<()> {
        self.add_const_assign(ct, -c)
    }

    /// `ct * c` for an integer constant: the scale is unchanged and no level is consumed.
    pub fn mul_int(&self, ct: &Ciphertext, c: i64) -> Result<Ciphertext> {
        let mut out = ct.clone();
        self.mul_int_assign(&mut out, c)?;
        Ok(out)
    }

    /// `ct *= c` for an integer constant.
    pub fn mul_int_assign(&self, ct: &mut Ciphertext, c: i64) -> Result<()> {
        self.check(ct)?;
        for p in ct.parts.iter_mut() {
            p.mul_small_assign(c);
        }
        ct.seed = None;
        let n = self.ctx.n();
        ct.noise = ct.noise.map(|b| b.mul_constant(c as f64, c as f64, n));
        self.check_transparent(ct, "mul_int")
    }

    /// `ct * c` for a real constant encoded at `scale`: the result's scale is
    /// `ct.scale() * scale` (rescale afterwards). Choosing `scale` equal to the next prime to be
    /// rescaled by makes the scale come back exactly to `ct.scale()` after the rescale.
    pub fn mul_const(&self, ct: &Ciphertext, c: f64, scale: f64) -> Result<Ciphertext> {
        let mut out = ct.clone();
        self.mul_const_assign(&mut out, c, scale)?;
        Ok(out)
    }

    /// `ct *= c` at `scale`.
    pub fn mul_const_assign(&self, ct: &mut Ciphertext, c: f64, scale: f64) -> Result<()> {
        self.check(ct)?;
        if !(scale.is_finite() && scale >= 1.0) {
            return Err(Error::InvalidScale {
                log2_scale: scale.log2(),
                log2_modulus: self.ctx.log_q_at(ct.level()),
                level: ct.level(),
            });
        }
        let new_scale = ct.scale * scale;
        self.check_scale_fits("mul_const", new_scale, ct.level())?;
        let residues = self.constant_residues(c * scale, ct.level())?;
        for p in ct.parts.iter_mut() {
            p.mul_scalar_limbs_assign(&residues)?;
        }
        let exact = c * scale;
        let n = self.ctx.n();
        ct.noise = ct.noise.map(|b| b.mul_constant(exact, exact.round(), n));
        ct.scale = new_scale;
        ct.seed = None;
        self.check_transparent(ct, "mul_const")
    }

    /// The residues of `round(value)` modulo `q_0..q_level`.
    fn constant_residues(&self, value: f64, level: usize) -> Result<Vec<u64>> {
        if !value.is_finite() {
            return Err(Error::NonFiniteValue { value });
        }
        let mut residues = vec![0u64; level + 1];
        f64_to_residues(value, &self.ctx.q_basis().moduli()[..=level], &mut residues)?;
        Ok(residues)
    }

    /// Refuses a scale that leaves no room for the message in `Q_level`.
    pub(crate) fn check_scale_fits(
        &self,
        op: &'static str,
        scale: f64,
        level: usize,
    ) -> Result<()> {
        let log_q = self.ctx.log_q_at(level);
        if scale.log2() >= log_q - 1.0 {
            return Err(Error::ScaleOverflow {
                op,
                log2_scale: scale.log2(),
                log2_modulus: log_q,
                level,
            });
        }
        Ok(())
    }
}
