//! The crate's error type.

use thiserror::Error;

/// Everything that can go wrong in `ckks`.
///
/// Every variant names the numbers involved and, where there is one, the fix.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum Error {
    /// A modulus is outside the supported range.
    #[error("modulus {value} is not supported: moduli must lie in [2, 2^{max_bits})")]
    InvalidModulus {
        /// The rejected value.
        value: u64,
        /// The largest supported bit size.
        max_bits: u32,
    },
    /// A ring degree is not a supported power of two.
    #[error(
        "ring degree {n} is not supported: use a power of two between 2^{min_log} and 2^{max_log}"
    )]
    InvalidDegree {
        /// The rejected degree.
        n: usize,
        /// log2 of the smallest supported degree.
        min_log: u32,
        /// log2 of the largest supported degree.
        max_log: u32,
    },
    /// A prime does not support a negacyclic NTT of the requested degree.
    #[error(
        "{value} is not an NTT-friendly prime for N = {n}: need a prime q with q = 1 mod {two_n}"
    )]
    NotNttFriendly {
        /// The rejected modulus.
        value: u64,
        /// The ring degree.
        n: usize,
        /// 2N.
        two_n: u64,
    },
    /// Not enough primes of the requested size exist.
    #[error(
        "only {found} NTT-friendly primes of {bits} bits exist for N = {n}, {wanted} were requested: use fewer primes of this size or a smaller N"
    )]
    NotEnoughPrimes {
        /// Requested bit size.
        bits: u32,
        /// Ring degree.
        n: usize,
        /// How many were requested.
        wanted: usize,
        /// How many were found.
        found: usize,
    },
    /// A requested prime bit size is out of range.
    #[error(
        "a prime of {bits} bits is not supported for N = {n}: bit sizes must lie in [{min_bits}, {max_bits}]"
    )]
    InvalidPrimeSize {
        /// Requested bit size.
        bits: u32,
        /// Ring degree.
        n: usize,
        /// Smallest supported size for this degree.
        min_bits: u32,
        /// Largest supported size.
        max_bits: u32,
    },
    /// A value has no inverse modulo the given modulus.
    #[error("{value} has no inverse modulo {modulus}")]
    NotInvertible {
        /// The value.
        value: u64,
        /// The modulus.
        modulus: u64,
    },
    /// The requested NTT implementation is not available on this CPU or for this prime.
    #[error("the {path} NTT path is not available here: {reason}")]
    NttPathUnavailable {
        /// The requested path.
        path: &'static str,
        /// Why it cannot be used.
        reason: &'static str,
    },
    /// Two operands (or an operand and a buffer) have incompatible shapes.
    #[error("shape mismatch: {what}: expected {expected}, got {got}")]
    ShapeMismatch {
        /// What was compared.
        what: &'static str,
        /// The expected size.
        expected: usize,
        /// The size found.
        got: usize,
    },
    /// An operation needs a polynomial in the other representation.
    #[error(
        "polynomial is in {got} form, this operation needs {expected} form: convert with {fix}"
    )]
    WrongRepresentation {
        /// The form the operation needs.
        expected: &'static str,
        /// The form it got.
        got: &'static str,
        /// The method that converts.
        fix: &'static str,
    },
    /// Two polynomials live over different RNS bases.
    #[error("polynomials live over different RNS bases: {detail}")]
    BasisMismatch {
        /// Which bases differ.
        detail: String,
    },
    /// An automorphism index is not a unit of Z/2N.
    #[error("Galois element {k} is not valid for N = {n}: it must be odd and below 2N = {two_n}")]
    InvalidGaloisElement {
        /// The rejected element.
        k: u64,
        /// The ring degree.
        n: usize,
        /// 2N.
        two_n: u64,
    },
    /// A polynomial has too few limbs for the operation.
    #[error("{what} needs at least {needed} RNS limbs, the polynomial has {have}: {fix}")]
    NotEnoughLimbs {
        /// The operation.
        what: &'static str,
        /// Limbs needed.
        needed: usize,
        /// Limbs present.
        have: usize,
        /// How to fix it.
        fix: &'static str,
    },
    /// An RNS basis was given no moduli.
    #[error(
        "an RNS basis needs at least one modulus, none were given: pass one or more NTT-friendly primes"
    )]
    EmptyBasis,
    /// The same modulus appears twice in an RNS basis.
    #[error(
        "modulus {value} appears twice in the RNS basis (positions {first} and {second}): the moduli must be distinct primes"
    )]
    DuplicateModulus {
        /// The repeated modulus.
        value: u64,
        /// Its first position.
        first: usize,
        /// Its second position.
        second: usize,
    },
    /// A limb count outside `1..=L` for a basis of `L` moduli.
    #[error(
        "a polynomial over this RNS basis has between 1 and {max} limbs, {limbs} were requested: use a limb count in 1..={max} or a larger basis"
    )]
    InvalidLimbCount {
        /// The requested number of limbs.
        limbs: usize,
        /// The number of moduli in the basis.
        max: usize,
    },
    /// A residue is not reduced modulo its limb's modulus.
    #[error(
        "residue {value} (limb {limb}, coefficient {index}) is not reduced modulo {modulus}: residues must lie in [0, q)"
    )]
    ResidueOutOfRange {
        /// The rejected value.
        value: u64,
        /// The modulus of its limb.
        modulus: u64,
        /// The limb.
        limb: usize,
        /// The coefficient index within the limb.
        index: usize,
    },
    /// A standard deviation outside the supported range.
    #[error(
        "error standard deviation {sigma} is not supported: use a finite value in (0, {max}] (3.2 is the standard choice)"
    )]
    InvalidSigma {
        /// The rejected value.
        sigma: f64,
        /// The largest accepted value.
        max: f64,
    },
    /// Parameters that are inconsistent or unusable.
    #[error("invalid parameters: {reason}")]
    InvalidParameters {
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// Parameters that do not reach the requested security level.
    #[error(
        "insecure parameters: {reason} (ParametersLiteral::build_insecure_for_tests skips this check, for tests only)"
    )]
    InsecureParameters {
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// A slot count that is not a power of two in `[1, N/2]`.
    #[error(
        "{slots} slots are not supported for N = {n}: the slot count must be a power of two between 1 and N/2 = {max} (pad the input with zeros)"
    )]
    InvalidSlotCount {
        /// The rejected slot count.
        slots: usize,
        /// The ring degree.
        n: usize,
        /// The largest slot count, `N/2`.
        max: usize,
    },
    /// A value to convert to residues is NaN or infinite.
    #[error(
        "cannot convert {value} to RNS residues: only finite values can be encoded; check the input and the scale for NaN, infinity or an overflowing product"
    )]
    NonFiniteValue {
        /// The rejected value.
        value: f64,
    },
    /// A scaled value is too large for the modulus to represent it unambiguously.
    #[error(
        "scaled value {value:e} exceeds {max:e}, the largest magnitude a {modulus_bits}-bit modulus Q can hold ((Q-1)/2): lower the scale, scale the input down, or keep more primes"
    )]
    ValueOutOfRange {
        /// The rejected (already scaled) value.
        value: f64,
        /// The largest magnitude that decodes correctly, `(Q-1)/2` rounded down to an `f64`.
        max: f64,
        /// The bit size of `Q`.
        modulus_bits: u32,
    },
    /// Two moduli of an RNS basis share a factor.
    #[error(
        "moduli {a} and {b} are not coprime: an RNS basis needs pairwise coprime moduli (distinct primes)"
    )]
    ModuliNotCoprime {
        /// The first modulus.
        a: u64,
        /// The second modulus.
        b: u64,
    },
    /// The operating system's random number generator failed.
    #[error("the operating system's random number generator failed: {0}")]
    Randomness(String),
}

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
