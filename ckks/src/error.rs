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
    /// An object was made under other parameters than the context or evaluator it is used with.
    #[error(
        "{what} belongs to parameters {got:016x}, this context has {expected:016x}: use objects made under the same parameters"
    )]
    ParameterMismatch {
        /// The object.
        what: &'static str,
        /// The context's parameter id.
        expected: u64,
        /// The object's parameter id.
        got: u64,
    },
    /// The scales of two operands of an addition differ.
    #[error(
        "{op}: scales 2^{log2_a:.4} and 2^{log2_b:.4} differ by {relative:.3e} relative (tolerance {tolerance:.3e}): encode the plaintext at the ciphertext's scale, or bring both operands to the same scale (same primes rescaled, or mul_const by a compensating constant)"
    )]
    ScaleMismatch {
        /// The operation.
        op: &'static str,
        /// log2 of the first scale.
        log2_a: f64,
        /// log2 of the second scale.
        log2_b: f64,
        /// |a / b - 1|.
        relative: f64,
        /// The evaluator's tolerance.
        tolerance: f64,
    },
    /// A result's scale leaves no room in the remaining modulus.
    #[error(
        "{op}: scale 2^{log2_scale:.1} exceeds the remaining modulus 2^{log2_modulus:.1} at level {level}: rescale first"
    )]
    ScaleOverflow {
        /// The operation.
        op: &'static str,
        /// log2 of the resulting scale.
        log2_scale: f64,
        /// log2 of the modulus at that level.
        log2_modulus: f64,
        /// The level.
        level: usize,
    },
    /// A scale that is not finite, below 1, or too large for the modulus at the level.
    #[error(
        "scale 2^{log2_scale:.2} is invalid at level {level} (modulus 2^{log2_modulus:.1}): use a finite scale >= 1 and well below the modulus"
    )]
    InvalidScale {
        /// log2 of the scale.
        log2_scale: f64,
        /// log2 of the modulus at that level.
        log2_modulus: f64,
        /// The level.
        level: usize,
    },
    /// A plaintext operand is at a lower level than the ciphertext.
    #[error(
        "{op}: the plaintext is at level {plaintext}, below the ciphertext's level {ciphertext}: encode the plaintext at level {ciphertext}, or drop the ciphertext with drop_to_level"
    )]
    LevelMismatch {
        /// The operation.
        op: &'static str,
        /// The ciphertext's level.
        ciphertext: usize,
        /// The plaintext's level.
        plaintext: usize,
    },
    /// A level outside `0..=max_level`.
    #[error("level {level} is out of range: the highest available is {max_level}")]
    LevelOutOfRange {
        /// The requested level.
        level: usize,
        /// The highest valid level.
        max_level: usize,
    },
    /// No prime left to rescale by.
    #[error(
        "{op}: the ciphertext is at level 0, the end of the modulus chain: use parameters with more levels (or bootstrap)"
    )]
    EndOfModulusChain {
        /// The operation.
        op: &'static str,
    },
    /// An operation produced a ciphertext whose every part but `c_0` is zero.
    #[error(
        "{op} produced a transparent ciphertext (it reveals its plaintext): this usually means x - x or a product by zero; Evaluator::set_allow_transparent(true) permits it"
    )]
    TransparentResult {
        /// The operation.
        op: &'static str,
    },
    /// No Galois key for a rotation.
    #[error(
        "no Galois key for a rotation by {step} (Galois element {element}): generate it with EvaluationKeysBuilder::rotations(&[{step}]), or use rotate_composed with power-of-two keys"
    )]
    MissingGaloisKey {
        /// The rotation step.
        step: i64,
        /// The Galois element.
        element: u64,
    },
    /// No Galois key for conjugation.
    #[error("no Galois key for conjugation: generate it with EvaluationKeysBuilder::conjugation()")]
    MissingConjugationKey,
    /// No relinearization key.
    #[error("no relinearization key: generate it with EvaluationKeysBuilder::relinearization()")]
    MissingRelinearizationKey,
    /// A ciphertext of too high a degree for the operation.
    #[error(
        "{op} takes ciphertexts of degree at most {max}, got degree {degree}: relinearize first"
    )]
    DegreeTooHigh {
        /// The operation.
        op: &'static str,
        /// The degree found.
        degree: usize,
        /// The largest degree accepted.
        max: usize,
    },
    /// Values too large for the modulus at the requested level and scale.
    #[error(
        "values up to 2^{log2_value:.1} at scale 2^{log2_scale:.1} need more than the modulus 2^{log2_modulus:.1} at level {level}: lower the scale, encode at a higher level, or scale the values down"
    )]
    ValueTooLarge {
        /// log2 of the largest value.
        log2_value: f64,
        /// log2 of the scale.
        log2_scale: f64,
        /// log2 of the modulus at the level.
        log2_modulus: f64,
        /// The level.
        level: usize,
    },
    /// A circuit needs more levels than the ciphertext has left.
    #[error(
        "{op} consumes {needed} levels but the ciphertext is at level {level}: encrypt at a higher level, use parameters with more primes, or a shallower circuit (CircuitPlan::depth tells how many levels a circuit needs)"
    )]
    NotEnoughLevels {
        /// The operation.
        op: &'static str,
        /// The levels the operation consumes.
        needed: usize,
        /// The ciphertext's level.
        level: usize,
    },
    /// An argument outside the domain of a circuit (an interval, a block size, a matrix
    /// shape...).
    #[error("{op}: {reason}")]
    InvalidArgument {
        /// The operation.
        op: &'static str,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// Reading or writing a serialized object failed in the underlying reader or writer.
    #[error("I/O error while {op} a serialized object: {message}")]
    Io {
        /// `"reading"` or `"writing"`.
        op: &'static str,
        /// The I/O error's message.
        message: String,
    },
    /// The bytes do not start with the magic number of a serialized ckks-rs object.
    #[error(
        "not a serialized ckks-rs object: it starts with {found:02x?}, expected {expected:02x?} (\"CKRS\"): check the file, or the offset in the stream"
    )]
    BadMagic {
        /// The first four bytes found.
        found: [u8; 4],
        /// The magic number, `b"CKRS"`.
        expected: [u8; 4],
    },
    /// A serialized object of a format version this build cannot read.
    #[error(
        "serialization format version {found} is not supported: this build reads version {supported}; serialize the object again with a matching version of ckks"
    )]
    UnsupportedVersion {
        /// The version in the header.
        found: u16,
        /// The version this build reads and writes.
        supported: u16,
    },
    /// A serialized object of another kind than the one being loaded.
    #[error(
        "expected a serialized {expected}, found {found}: load it with the from_bytes or read_from of its own type"
    )]
    WrongObjectKind {
        /// The kind being loaded.
        expected: &'static str,
        /// The kind in the header (or its unknown code).
        found: String,
    },
    /// The input ends before the object does.
    #[error(
        "the input ends early: {what} needs {needed} bytes, only {available} remain: the data is truncated or corrupted"
    )]
    Truncated {
        /// The part being read.
        what: &'static str,
        /// The bytes it needs.
        needed: u64,
        /// The bytes that were left.
        available: u64,
    },
    /// Bytes left over after a complete object in a byte slice.
    #[error(
        "{extra} bytes follow the serialized {what}: from_bytes takes exactly one object (read_from reads objects one after another from a stream)"
    )]
    TrailingBytes {
        /// The object.
        what: &'static str,
        /// The number of extra bytes.
        extra: u64,
    },
    /// A serialized size (a count of keys, primes, ...) larger than the parameters allow.
    #[error(
        "{what} is declared as {declared}, at most {max} is possible under these parameters: the data is corrupted or forged"
    )]
    DeclaredSizeTooLarge {
        /// What the size counts.
        what: &'static str,
        /// The declared value.
        declared: u64,
        /// The largest valid value.
        max: u64,
    },
    /// A serialized object whose content is invalid.
    #[error("malformed serialized {what}: {reason}")]
    MalformedObject {
        /// The object.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The checksum at the end of a serialized object does not match its content.
    #[error(
        "checksum mismatch in the serialized {what}: stored {stored:016x}, computed {computed:016x}: the data was corrupted in storage or transit"
    )]
    ChecksumMismatch {
        /// The object.
        what: &'static str,
        /// The checksum stored in the object.
        stored: u64,
        /// The checksum of the bytes read.
        computed: u64,
    },
    /// A release of a decryption was asked for a ciphertext without a noise bound.
    #[error(
        "decrypt_for_release needs the ciphertext's noise bound to size the flooding noise, and this ciphertext has none (it was loaded from bytes or computed from an operand without one): attach the bound computed by the evaluator with Ciphertext::set_noise_bound (see the ckks::noise module), or use decrypt and do not share the result"
    )]
    UnknownNoiseBound,
    /// The noise bound is too large for the modulus: the decryption may have wrapped around.
    #[error(
        "the ciphertext's message and noise bound 2^{log2_bound:.1} reach half the modulus 2^{log2_modulus:.1} at level {level}: its decryption is not guaranteed correct, so it is not released; use a smaller scale or values, or more levels"
    )]
    NoiseBoundExceedsModulus {
        /// log2 of the message bound plus the error bound.
        log2_bound: f64,
        /// log2 of the modulus at the ciphertext's level.
        log2_modulus: f64,
        /// The level.
        level: usize,
    },
    /// The release budget of the secret key is spent.
    #[error(
        "the release budget is spent: {released} releases at {security} bits of statistical security were made with this secret key (budget {budget}); a further release would exceed the security target: generate a new key (and re-encrypt), or choose a larger budget before the first release (ReleasePolicy::with_budget; each doubling costs half a bit of precision)"
    )]
    ReleaseBudgetExhausted {
        /// Releases made so far with this key (at the current policy's cost each).
        released: u64,
        /// The budget of the policy.
        budget: u64,
        /// The statistical security parameter, in bits.
        security: u32,
    },
    /// The flooding noise a release needs would leave too little precision.
    #[error(
        "releasing this ciphertext needs flooding noise of 2^{log2_noise:.1} per slot (noise bound 2^{log2_bound:.1}, {security} bits of statistical security, budget {budget}), which leaves {precision_bits:.1} bits of precision at scale 2^{log2_scale:.1}, below the minimum of {min_bits:.1}: use a scale of at least 2^{log2_scale_needed:.1} at this level (more bits in the last primes), a shorter circuit, a smaller budget or a lower security parameter"
    )]
    ReleasePrecisionTooLow {
        /// log2 of the flooding noise's magnitude in a slot (at the scale).
        log2_noise: f64,
        /// log2 of the ciphertext's noise bound (coefficient l2 norm).
        log2_bound: f64,
        /// The statistical security parameter, in bits.
        security: u32,
        /// The release budget.
        budget: u64,
        /// The precision that would remain, in bits.
        precision_bits: f64,
        /// The minimum precision asked for.
        min_bits: f64,
        /// log2 of the ciphertext's scale.
        log2_scale: f64,
        /// log2 of the scale that would leave the minimum precision.
        log2_scale_needed: f64,
    },
    /// The operating system's random number generator failed.
    #[error("the operating system's random number generator failed: {0}")]
    Randomness(String),
}

/// `Result` with the crate's [`Error`](enum@Error).
pub type Result<T, E = Error> = std::result::Result<T, E>;
