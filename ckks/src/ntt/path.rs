//! The NTT implementations and the run-time choice between them.

use std::fmt;

/// An implementation of the NTT butterflies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NttPath {
    /// Portable scalar code: the reference every other path is tested against.
    Scalar,
}

impl NttPath {
    /// Every path, fastest last.
    pub const ALL: &'static [NttPath] = &[NttPath::Scalar];

    /// The short name used in benchmark output (`"scalar"`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            NttPath::Scalar => "scalar",
        }
    }

    /// Whether this CPU can run the path for a prime of `modulus_bits` bits.
    pub fn is_available(self, modulus_bits: u32) -> bool {
        let _ = modulus_bits;
        match self {
            NttPath::Scalar => true,
        }
    }

    /// The fastest path this CPU supports for a prime of `modulus_bits` bits.
    pub fn best(modulus_bits: u32) -> NttPath {
        NttPath::ALL
            .iter()
            .rev()
            .copied()
            .find(|p| p.is_available(modulus_bits))
            .unwrap_or(NttPath::Scalar)
    }

    /// The paths this CPU supports for a prime of `modulus_bits` bits.
    pub fn available(modulus_bits: u32) -> Vec<NttPath> {
        NttPath::ALL
            .iter()
            .copied()
            .filter(|p| p.is_available(modulus_bits))
            .collect()
    }
}

impl fmt::Display for NttPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
