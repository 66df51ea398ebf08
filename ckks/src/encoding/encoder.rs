//! [`Encoder`]: vectors of real or complex numbers to plaintexts and back.

use crate::context::Context;
use crate::error::{Error, Result};
use crate::noise::NoiseBound;
use crate::plaintext::Plaintext;
use crate::ring::{Representation, RnsPoly};

use super::{Complex64, CrtReconstructor, f64_to_residues, f64s_to_limbs};

/// Encodes vectors into plaintexts through the canonical embedding, and decodes them.
///
/// `m` values are packed into `m` slots, `m` rounded up to a power of two (padding with
/// zeros), up to `N/2`. Fewer slots than `N/2` is sparse packing: the encoding lies in a
/// subring, and the `m` values repeat `N/(2m)` times across the full slot vector, which is
/// what slot rotations act on.
///
/// ```
/// use ckks::{Context, Encoder, params::Preset};
/// let ctx = Context::new(Preset::RefA.literal().build()?)?;
/// let enc = Encoder::new(&ctx);
/// let pt = enc.encode(&[1.5, -2.0, 0.25], 1, 2f64.powi(40))?;
/// assert_eq!((pt.level(), pt.slots()), (1, 4));
/// let v = enc.decode(&pt)?;
/// assert!((v[0] - 1.5).abs() < 1e-9 && (v[1] + 2.0).abs() < 1e-9 && v[3].abs() < 1e-9);
/// # Ok::<(), ckks::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Encoder {
    ctx: Context,
    /// One reconstructor per level (index = level).
    crt: Vec<CrtReconstructor>,
}

impl Encoder {
    /// An encoder for the context.
    pub fn new(ctx: &Context) -> Self {
        let moduli = ctx.q_basis().moduli();
        // A reconstructor exists for any prefix of distinct primes, which the context
        // guarantees; `filter_map` keeps the construction infallible.
        let crt = (1..=moduli.len())
            .filter_map(|l| CrtReconstructor::new(&moduli[..l]).ok())
            .collect();
        Self {
            ctx: ctx.clone(),
            crt,
        }
    }

    /// The context.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// Encodes real values at `level` and `scale`.
    pub fn encode(&self, values: &[f64], level: usize, scale: f64) -> Result<Plaintext> {
        let slots: Vec<Complex64> = values.iter().map(|&x| Complex64::new(x, 0.0)).collect();
        self.encode_complex(&slots, level, scale)
    }

    /// Encodes complex values at `level` and `scale`.
    pub fn encode_complex(
        &self,
        values: &[Complex64],
        level: usize,
        scale: f64,
    ) -> Result<Plaintext> {
        self.check_level_scale(level, scale)?;
        let max = self.ctx.params().max_slots();
        if values.is_empty() || values.len() > max {
            return Err(Error::InvalidSlotCount {
                slots: values.len(),
                n: self.ctx.n(),
                max,
            });
        }
        if let Some(bad) = values.iter().find(|z| !z.is_finite()) {
            return Err(Error::NonFiniteValue {
                value: if bad.re.is_finite() { bad.im } else { bad.re },
            });
        }
        let max_abs = values.iter().map(|z| z.norm()).fold(0.0f64, f64::max);
        let m = values.len().next_power_of_two();
        let mut slots = values.to_vec();
        slots.resize(m, Complex64::new(0.0, 0.0));
        let n = self.ctx.n();
        let mut coeffs = vec![0.0f64; n];
        self.ctx.fft().slots_to_coeffs(&slots, &mut coeffs)?;
        let mut largest = 0.0f64;
        for c in coeffs.iter_mut() {
            *c *= scale;
            largest = largest.max(c.abs());
        }
        self.crt[level]
            .check_magnitude(largest)
            .map_err(|_| Error::ValueTooLarge {
                log2_value: (largest / scale).log2(),
                log2_scale: scale.log2(),
                log2_modulus: self.ctx.log_q_at(level),
                level,
            })?;
        let moduli = &self.ctx.q_basis().moduli()[..=level];
        let mut residues = vec![0u64; (level + 1) * n];
        f64s_to_limbs(&coeffs, moduli, &mut residues)?;
        let mut poly =
            RnsPoly::from_parts(self.ctx.q_basis(), Representation::Coefficient, residues)?;
        poly.to_ntt();
        Ok(Plaintext {
            poly,
            scale,
            slots: m,
            param_id: self.ctx.id(),
            bound: Some(NoiseBound::encoding(n, max_abs, scale)),
        })
    }

    /// Encodes the same real constant in every slot (a constant polynomial: cheap, and exact up
    /// to rounding of `value * scale`).
    pub fn encode_constant(&self, value: f64, level: usize, scale: f64) -> Result<Plaintext> {
        self.check_level_scale(level, scale)?;
        if !value.is_finite() {
            return Err(Error::NonFiniteValue { value });
        }
        let scaled = value * scale;
        self.crt[level]
            .check_magnitude(scaled)
            .map_err(|_| Error::ValueTooLarge {
                log2_value: value.abs().log2(),
                log2_scale: scale.log2(),
                log2_modulus: self.ctx.log_q_at(level),
                level,
            })?;
        let n = self.ctx.n();
        let moduli = &self.ctx.q_basis().moduli()[..=level];
        let mut residues = vec![0u64; level + 1];
        f64_to_residues(scaled, moduli, &mut residues)?;
        // A constant polynomial evaluates to the constant at every NTT point.
        let coeffs: Vec<u64> = residues
            .iter()
            .flat_map(|&r| std::iter::repeat_n(r, n))
            .collect();
        Ok(Plaintext {
            poly: RnsPoly::from_parts(self.ctx.q_basis(), Representation::Ntt, coeffs)?,
            scale,
            slots: self.ctx.params().max_slots(),
            param_id: self.ctx.id(),
            bound: Some(NoiseBound::constant(value, scale)),
        })
    }

    /// Decodes the real parts of the slots.
    pub fn decode(&self, pt: &Plaintext) -> Result<Vec<f64>> {
        Ok(self.decode_complex(pt)?.into_iter().map(|z| z.re).collect())
    }

    /// Decodes the slots. Exact CRT reconstruction over every limb of the plaintext, then the
    /// division by the scale in floating point.
    pub fn decode_complex(&self, pt: &Plaintext) -> Result<Vec<Complex64>> {
        self.ctx.check_id("plaintext", pt.param_id)?;
        let n = self.ctx.n();
        let mut poly = zeroize::Zeroizing::new(pt.poly.clone());
        poly.to_coeff();
        let mut coeffs = zeroize::Zeroizing::new(vec![0.0f64; n]);
        self.crt[pt.level()].to_centered_f64(poly.coeffs(), n, &mut coeffs)?;
        let inv_scale = 1.0 / pt.scale;
        for c in coeffs.iter_mut() {
            *c *= inv_scale;
        }
        let mut slots = vec![Complex64::new(0.0, 0.0); pt.slots];
        self.ctx.fft().coeffs_to_slots(&coeffs, &mut slots)?;
        Ok(slots)
    }

    fn check_level_scale(&self, level: usize, scale: f64) -> Result<()> {
        let max_level = self.ctx.max_level();
        if level > max_level {
            return Err(Error::LevelOutOfRange { level, max_level });
        }
        let log_q = self.ctx.log_q_at(level);
        if !(scale.is_finite() && scale >= 1.0) || scale.log2() >= log_q - 1.0 {
            return Err(Error::InvalidScale {
                log2_scale: scale.log2(),
                log2_modulus: log_q,
                level,
            });
        }
        Ok(())
    }
}
