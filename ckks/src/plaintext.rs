//! [`Plaintext`]: an encoded message, a polynomial in NTT form with its level and scale.

use std::fmt;

use zeroize::Zeroize;

use crate::noise::NoiseBound;
use crate::ring::RnsPoly;

/// An encoded message: a polynomial over `q_0, ..., q_level` in NTT form, the scale its values
/// were multiplied by, and how many slots it packs.
///
/// Made by [`Encoder`](crate::Encoder) and by decryption; its buffer is zeroized on drop (a
/// decrypted plaintext is as sensitive as the data). `Debug` prints the metadata only.
#[derive(Clone)]
pub struct Plaintext {
    pub(crate) poly: RnsPoly,
    pub(crate) scale: f64,
    pub(crate) slots: usize,
    pub(crate) param_id: u64,
    /// The bound on its error and message: the encoding's rounding for an encoded plaintext,
    /// the ciphertext's bound for a decrypted one; `None` when unknown.
    pub(crate) bound: Option<NoiseBound>,
}

impl Plaintext {
    /// The level (the number of RNS limbs minus one).
    pub fn level(&self) -> usize {
        self.poly.limb_count() - 1
    }

    /// The scale the values were multiplied by.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// The number of slots the message packs (a power of two up to N/2).
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// The id of the parameters this plaintext was made under.
    pub fn param_id(&self) -> u64 {
        self.param_id
    }

    /// The bound on its error (encoding rounding, or the decrypted ciphertext's error) and on
    /// its message, when known.
    pub fn noise_bound(&self) -> Option<NoiseBound> {
        self.bound
    }

    /// The polynomial (NTT form).
    pub fn poly(&self) -> &RnsPoly {
        &self.poly
    }
}

impl Drop for Plaintext {
    fn drop(&mut self) {
        self.poly.zeroize();
    }
}

impl fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plaintext")
            .field("level", &self.level())
            .field("log2_scale", &self.scale.log2())
            .field("slots", &self.slots)
            .finish_non_exhaustive()
    }
}
