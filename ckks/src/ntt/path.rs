//! The NTT implementations and the run-time choice between them.

use std::fmt;

/// An implementation of the NTT butterflies.
///
/// The SIMD variants exist on every target but only report themselves available on x86-64
/// CPUs with the instructions they need.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NttPath {
    /// Portable scalar code: the reference every other path is tested against.
    Scalar,
    /// AVX2, four lanes of 64 bits; any supported prime (below 2^61).
    Avx2,
    /// AVX-512 F + DQ, eight lanes of 64 bits; any supported prime (below 2^61). The high half
    /// of the 64 x 64-bit Shoup product is emulated with 32-bit multiplies (and, on CPUs with
    /// AVX-512 IFMA, 52-bit multiply-adds).
    Avx512,
    /// AVX-512 IFMA (52-bit multiply-add), eight lanes; primes below 2^50 only.
    Avx512Ifma,
}

/// The largest prime size, in bits, the IFMA path accepts: values up to `4q` must fit in the
/// 52 bits the multiply-add instructions read.
pub(super) const IFMA_MAX_MODULUS_BITS: u32 = 50;

impl NttPath {
    /// Every path, slowest first and fastest last.
    pub const ALL: &'static [NttPath] = &[
        NttPath::Scalar,
        NttPath::Avx2,
        NttPath::Avx512,
        NttPath::Avx512Ifma,
    ];

    /// The short name used in benchmark output (`"scalar"`, `"avx2"`, `"avx512"`,
    /// `"avx512ifma"`).
    pub const fn name(self) -> &'static str {
        match self {
            NttPath::Scalar => "scalar",
            NttPath::Avx2 => "avx2",
            NttPath::Avx512 => "avx512",
            NttPath::Avx512Ifma => "avx512ifma",
        }
    }

    /// Whether this CPU can run the path for a prime of `modulus_bits` bits.
    pub fn is_available(self, modulus_bits: u32) -> bool {
        match self {
            NttPath::Scalar => true,
            NttPath::Avx2 => cpu::has_avx2(),
            NttPath::Avx512 => cpu::has_avx512(),
            NttPath::Avx512Ifma => modulus_bits <= IFMA_MAX_MODULUS_BITS && cpu::has_avx512_ifma(),
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

/// Run-time CPU feature detection (cached by the standard library).
pub(super) mod cpu {
    /// AVX2, needed by [`super::NttPath::Avx2`].
    #[cfg(target_arch = "x86_64")]
    #[inline]
    pub(in crate::ntt) fn has_avx2() -> bool {
        std::arch::is_x86_feature_detected!("avx2")
    }

    /// AVX-512 F and DQ, needed by [`super::NttPath::Avx512`].
    #[cfg(target_arch = "x86_64")]
    #[inline]
    pub(in crate::ntt) fn has_avx512() -> bool {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512dq")
    }

    /// AVX-512 F, DQ and IFMA, needed by [`super::NttPath::Avx512Ifma`].
    #[cfg(target_arch = "x86_64")]
    #[inline]
    pub(in crate::ntt) fn has_avx512_ifma() -> bool {
        has_avx512() && std::arch::is_x86_feature_detected!("avx512ifma")
    }

    /// AVX2 exists only on x86-64.
    #[cfg(not(target_arch = "x86_64"))]
    #[inline]
    pub(in crate::ntt) fn has_avx2() -> bool {
        false
    }

    /// AVX-512 exists only on x86-64.
    #[cfg(not(target_arch = "x86_64"))]
    #[inline]
    pub(in crate::ntt) fn has_avx512() -> bool {
        false
    }

    /// AVX-512 IFMA exists only on x86-64.
    #[cfg(not(target_arch = "x86_64"))]
    #[inline]
    pub(in crate::ntt) fn has_avx512_ifma() -> bool {
        false
    }
}
