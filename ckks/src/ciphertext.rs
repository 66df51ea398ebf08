//! [`Ciphertext`]: an encryption, a tuple of polynomials in NTT form with level and scale.

use std::fmt;

use crate::math::sampling::Seed;
use crate::noise::NoiseBound;
use crate::ring::RnsPoly;

/// An encryption: polynomials `(c_0, c_1)` (or `(c_0, c_1, c_2)` after a multiplication
/// without relinearization) over `q_0, ..., q_level` in NTT form, such that
/// `c_0 + c_1 s (+ c_2 s^2)` is the encoded message plus a small error.
///
/// It carries its level, its exact scale (rescaling divides it by the actual prime), its slot
/// count and the id of its parameters; every operation checks them.
#[derive(Clone)]
pub struct Ciphertext {
    pub(crate) parts: Vec<RnsPoly>,
    pub(crate) scale: f64,
    pub(crate) slots: usize,
    pub(crate) param_id: u64,
    /// For a fresh secret-key encryption: the seed `c_1` was expanded from (serialization stores
    /// the seed instead of `c_1`). Any operation that changes `c_1` clears it.
    pub(crate) seed: Option<Seed>,
    /// The worst-case bound on the error, when known (see [`NoiseBound`]).
    pub(crate) noise: Option<NoiseBound>,
}

impl Ciphertext {
    /// The level: the number of RNS limbs minus one. Each rescale lowers it by one.
    pub fn level(&self) -> usize {
        self.parts[0].limb_count() - 1
    }

    /// The exact scale of the encrypted values.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Overrides the scale, for callers that track it themselves (the values are reinterpreted:
    /// the decrypted numbers are divided by the new scale).
    pub fn set_scale(&mut self, scale: f64) {
        self.scale = scale;
    }

    /// The number of polynomials minus one: 1 for a normal ciphertext, 2 after a
    /// multiplication before relinearization.
    pub fn degree(&self) -> usize {
        self.parts.len() - 1
    }

    /// The number of slots it packs.
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// The id of the parameters it was made under.
    pub fn param_id(&self) -> u64 {
        self.param_id
    }

    /// The polynomials `c_0, c_1, ...` (NTT form).
    pub fn parts(&self) -> &[RnsPoly] {
        &self.parts
    }

    /// The seed of `c_1` if this is an untouched secret-key encryption.
    pub fn seed(&self) -> Option<&Seed> {
        self.seed.as_ref()
    }

    /// The worst-case bound on its error (see [`NoiseBound`]): tracked by every operation
    /// from the encryption on; `None` for a ciphertext loaded from bytes (or built from an
    /// operand without a bound) until one is attached with
    /// [`set_noise_bound`](Self::set_noise_bound).
    pub fn noise_bound(&self) -> Option<NoiseBound> {
        self.noise
    }

    /// Attaches (or clears) a noise bound, for a ciphertext received together with its bound:
    /// see the [`noise`](crate::noise) module for when a received bound can be trusted.
    pub fn set_noise_bound(&mut self, bound: Option<NoiseBound>) {
        self.noise = bound;
    }

    /// Whether every part but `c_0` is zero: such a ciphertext hides nothing.
    pub fn is_transparent(&self) -> bool {
        self.parts[1..]
            .iter()
            .all(|p| p.coeffs().iter().all(|&c| c == 0))
    }
}

impl fmt::Debug for Ciphertext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ciphertext")
            .field("level", &self.level())
            .field("degree", &self.degree())
            .field("log2_scale", &self.scale.log2())
            .field("slots", &self.slots)
            .field("param_id", &format_args!("{:016x}", self.param_id))
            .field("log2_noise_bound", &self.noise.map(|b| b.log2_error()))
            .finish_non_exhaustive()
    }
}
