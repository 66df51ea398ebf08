//! Named parameter sets.

use super::ParametersLiteral;

/// Named parameter sets, all at 128-bit classical security.
///
/// ```
/// use ckks::params::Preset;
/// let params = Preset::N14.literal().build()?;
/// assert_eq!(params.max_level(), 7);
/// assert_eq!(Preset::from_name("ref-a"), Some(Preset::RefA));
/// # Ok::<(), ckks::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Preset {
    /// N = 2^13, depth 3 at scale 2^40: q = [48, 40, 40, 40], p = \[50\] (218 bits, the most the
    /// standard allows at this degree). The 48-bit first prime leaves 8 bits for the integer
    /// part of results (|x| < 128); one key-switching prime larger than every digit keeps the
    /// chain inside the budget, at the price of four single-prime digits. 4096 slots.
    N13,
    /// N = 2^14, depth 7 at scale 2^40: q = [55, 40 x 7], p = [50, 50] (435 of 438 bits). Two
    /// key-switching primes make four digits of two primes each, so key switching costs half
    /// as many decompositions as with one prime per digit, and P (100 bits) exceeds every digit.
    /// 8192 slots.
    N14,
    /// N = 2^15, depth 16 at scale 2^40: q = [60, 40 x 16], p = [60, 60, 60] (880 of 881 bits).
    /// Three key-switching primes make six digits; P (180 bits) exceeds every digit. For
    /// training on encrypted data and deep polynomial evaluation. 16384 slots.
    N15,
    /// Benchmark reference set A: N = 2^13, q = \[60, 40, 40\], p = \[60\], scale 2^40: the primes
    /// SEAL generates for [60, 40, 40, 60], so figures compare one to one with SEAL's.
    RefA,
    /// Benchmark reference set B: N = 2^14, q = \[60, 40 x 6\], p = \[60\], scale 2^40: SEAL's
    /// [60, 40 x 6, 60].
    RefB,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 5] = [
        Preset::N13,
        Preset::N14,
        Preset::N15,
        Preset::RefA,
        Preset::RefB,
    ];

    /// The preset's name on the command line: `n13`, `n14`, `n15`, `ref-a`, `ref-b`.
    pub const fn name(self) -> &'static str {
        match self {
            Preset::N13 => "n13",
            Preset::N14 => "n14",
            Preset::N15 => "n15",
            Preset::RefA => "ref-a",
            Preset::RefB => "ref-b",
        }
    }

    /// The preset with the given name.
    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The literal of the preset.
    pub fn literal(self) -> ParametersLiteral {
        let (log_n, log_q, log_p): (u32, Vec<u32>, Vec<u32>) = match self {
            Preset::N13 => (13, vec![48, 40, 40, 40], vec![50]),
            Preset::N14 => (14, [55].into_iter().chain([40; 7]).collect(), vec![50, 50]),
            Preset::N15 => (
                15,
                [60].into_iter().chain([40; 16]).collect(),
                vec![60, 60, 60],
            ),
            Preset::RefA => (13, vec![60, 40, 40], vec![60]),
            Preset::RefB => (14, [60].into_iter().chain([40; 6]).collect(), vec![60]),
        };
        ParametersLiteral {
            log_n,
            log_q,
            log_p,
            log_scale: 40,
            ..Default::default()
        }
    }
}
