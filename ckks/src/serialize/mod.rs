//! Serialization: a compact binary format for parameters, plaintexts, ciphertexts and keys,
//! validated in full on load.
//!
//! Every object has `write_to(impl Write)` and `to_bytes()`, and loads with
//! `read_from(impl Read, &Context)` or `from_bytes(&[u8], &Context)` ([`Parameters`] load
//! without a context: they are what a context is built from). [`ParametersLiteral`] is also
//! `serde`-serializable, for human-edited JSON.
//!
//! ```
//! use ckks::{Ciphertext, Context, Decryptor, Encoder, Encryptor, SecretKey, params::Preset};
//! use ckks::math::sampling::os_seeded_rng;
//! let ctx = Context::new(Preset::RefA.literal().build()?)?;
//! let mut rng = os_seeded_rng()?;
//! let sk = SecretKey::generate(&ctx, &mut rng)?;
//! let enc = Encoder::new(&ctx);
//! let pt = enc.encode(&[1.5, -2.0], ctx.max_level(), ctx.default_scale())?;
//! let ct = Encryptor::with_secret_key(&sk).encrypt(&pt, &mut rng)?;
//! let bytes = ct.to_bytes();
//! assert!(bytes.len() < 150_000); // c_1 is stored as its 32-byte seed
//! let back = Ciphertext::from_bytes(&bytes, &ctx)?;
//! let v = enc.decode(&Decryptor::new(&sk).decrypt(&back)?)?;
//! assert!((v[0] - 1.5).abs() < 1e-6);
//! // Corrupted data is an error, never a panic or a wrong object.
//! assert!(Ciphertext::from_bytes(&bytes[..bytes.len() - 1], &ctx).is_err());
//! # Ok::<(), ckks::Error>(())
//! ```
//!
//! # Format (version 1)
//!
//! Integers are little-endian. Every object is a 28-byte header, a body, and an 8-byte
//! checksum:
//!
//! | bytes | field |
//! |---|---|
//! | 0..4 | magic, `b"CKRS"` |
//! | 4..6 | format version, `u16` ([`FORMAT_VERSION`]) |
//! | 6 | object kind ([`ObjectKind`]) |
//! | 7 | flags: bit 0 = `c_1` stored as a seed (ciphertexts), bit 1 = coefficient form (plaintexts and ciphertexts); the other bits are zero |
//! | 8..16 | parameter id ([`Parameters::id`]), `u64` |
//! | 16..20 | level, `u32` (`L` for keys and parameters) |
//! | 20..28 | scale, `f64` (0 for keys; the default scale for parameters) |
//! | 28.. | body, by kind, below |
//! | last 8 | checksum: FNV-1a-64 of every byte before it ([`checksum`]) |
//!
//! A polynomial over `l` primes is its limbs in order; limb `i` is its `N` residues packed at
//! `ceil(log2 q_i)` bits each, least significant bit first, zero-padded to a byte boundary.
//! A uniform component made with the secret key is stored as the 32-byte ChaCha20 seed it is
//! expanded from.
//!
//! | kind | body |
//! |---|---|
//! | parameters | `log_n: u32`, `log_scale: u32`, secret distribution `u8`, security level `u8`, security-checked `u8`, `sigma: f64`, then the lists `log_q`, `log_p` (`u64` count, `u32` items) and `q`, `p` (`u64` count, `u64` items), as in the [`ParametersLiteral`] |
//! | plaintext | slots `u32`, the polynomial (`level + 1` limbs) |
//! | ciphertext | slots `u32`, degree `u8`, `c_0, ..., c_degree`; if seeded, `c_0` then the seed of `c_1` |
//! | public key | `b` over `q_0..q_L`, `b` over `P`, the seed of `a` |
//! | relinearization key | a switching key: digit count `u32`, for each digit `b_j` over `q_0..q_L` then over `P`; the seed of the `a_j` |
//! | Galois keys | count `u64`, then for each key in increasing order of Galois element: the element `u64`, a switching key |
//! | secret key | the `N` coefficients at 2 bits each (`00` = 0, `01` = 1, `11` = -1), four per byte, first in the low bits |
//!
//! An empty [`GaloisKeys`] carries parameter id 0 and level 0 (it has no parameters); it loads
//! under any context.
//!
//! Sizes at `ref-a` (`N = 2^13`, 60 + 40 + 40-bit q, 60-bit P), from `ckks bench sizes`:
//!
//! | object | bytes |
//! |---|---|
//! | ciphertext, secret-key encrypted (seeded) | 143,433 |
//! | ciphertext, public-key encrypted | 286,761 |
//! | public key | 204,868 |
//! | relinearization key (3 digits) | 614,472 |
//! | Galois keys for every `+-2^i` rotation and conjugation (24 elements) | 14,746,700 |
//! | secret key | 2,084 |
//!
//! (As 64-bit words a polynomial over `Q` takes 196,608 bytes; packed at 60 + 40 + 40 bits per
//! coefficient, 143,360. Seeds replace the uniform halves of secret-key objects.)
//!
//! # Validation
//!
//! Loading checks everything and returns an [`Error`] (never panics) on: a wrong
//! magic, version or kind; a parameter id other than the context's; unknown flags; a level
//! beyond the chain (or other than `L` for keys); a scale that is not finite and positive
//! (not exactly 0 for keys); a slot count that is not a power of two up to `N/2`; a degree
//! outside `1..=2` (exactly 1 when seeded); a digit count other than the parameters'; a
//! residue not below its prime; non-zero padding; a Galois element that is even, `>= 2N` or 1,
//! or not above the previous one; a ternary code `10`; a truncated input or trailing bytes; a
//! checksum mismatch. Loaded parameters are rebuilt and validated like new ones.
//!
//! Sizes are bounded before anything is allocated: from a byte slice, the object's full size
//! (computed from the header and the context) must equal the slice's length; from a stream,
//! every declared count is bounded by the context (at most `L + 1` limbs, degree 4, `N - 1`
//! Galois keys, 256 primes), and memory is allocated one polynomial at a time as the data
//! arrives. A seeded component is expanded only after the level it is expanded to was checked.
//!
//! The encoding is canonical: an object that loads writes back to the same bytes.

mod bitpack;
mod io;
mod objects;
mod params;
pub use params::MAX_SERIALIZED_PRIMES;
#[cfg(test)]
mod tests;

use crate::error::{Error, Result};
#[cfg(doc)]
use crate::{GaloisKeys, params::Parameters, params::ParametersLiteral};

use io::{Hashing, Sink, Source};

/// The magic number every serialized object starts with.
pub const MAGIC: [u8; 4] = *b"CKRS";

/// The format version this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;

/// The size of the header in bytes.
pub const HEADER_LEN: usize = 28;

/// The size of the checksum that ends every object, in bytes.
pub const CHECKSUM_LEN: usize = 8;

/// Header flag: the ciphertext's `c_1` is stored as its seed.
const FLAG_SEEDED: u8 = 1;
/// Header flag: the polynomials are in coefficient form (NTT form otherwise).
const FLAG_COEFFICIENT: u8 = 2;

/// The kind of a serialized object (byte 6 of the header).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ObjectKind {
    /// [`Parameters`].
    Parameters = 1,
    /// [`Plaintext`](crate::Plaintext).
    Plaintext = 2,
    /// [`Ciphertext`](crate::Ciphertext).
    Ciphertext = 3,
    /// [`PublicKey`](crate::PublicKey).
    PublicKey = 4,
    /// [`RelinearizationKey`](crate::RelinearizationKey).
    RelinearizationKey = 5,
    /// [`GaloisKeys`].
    GaloisKeys = 6,
    /// [`SecretKey`](crate::SecretKey).
    SecretKey = 7,
}

impl ObjectKind {
    /// Every kind.
    pub const ALL: [ObjectKind; 7] = [
        ObjectKind::Parameters,
        ObjectKind::Plaintext,
        ObjectKind::Ciphertext,
        ObjectKind::PublicKey,
        ObjectKind::RelinearizationKey,
        ObjectKind::GaloisKeys,
        ObjectKind::SecretKey,
    ];

    /// The kind with the given code.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The code stored in the header.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The kind's name, for messages: `"ciphertext"`, `"public key"`, ...
    pub const fn name(self) -> &'static str {
        match self {
            ObjectKind::Parameters => "parameters",
            ObjectKind::Plaintext => "plaintext",
            ObjectKind::Ciphertext => "ciphertext",
            ObjectKind::PublicKey => "public key",
            ObjectKind::RelinearizationKey => "relinearization key",
            ObjectKind::GaloisKeys => "Galois keys",
            ObjectKind::SecretKey => "secret key",
        }
    }
}

/// The header of a serialized object, as read by [`peek_header`].
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Header {
    /// The format version.
    pub version: u16,
    /// The object kind.
    pub kind: ObjectKind,
    /// The flags byte.
    pub flags: u8,
    /// The id of the parameters the object was made under.
    pub param_id: u64,
    /// The level (`L` for keys and parameters).
    pub level: u32,
    /// The scale (0 for keys).
    pub scale: f64,
}

/// Reads the header at the start of `bytes` without loading the object: to see what a file
/// holds before choosing how to load it. Checks the magic, the version and the kind code only.
///
/// ```
/// use ckks::serialize::{ObjectKind, peek_header};
/// use ckks::params::Preset;
/// let params = Preset::RefA.literal().build()?;
/// let h = peek_header(&params.to_bytes())?;
/// assert_eq!(h.kind, ObjectKind::Parameters);
/// assert_eq!(h.param_id, params.id());
/// # Ok::<(), ckks::Error>(())
/// ```
pub fn peek_header(bytes: &[u8]) -> Result<Header> {
    read_header_any(&mut io::SliceSource::new(bytes))
}

/// The checksum that ends every serialized object: FNV-1a-64 of the bytes before it. It
/// detects every change of a single byte (each step of FNV-1a is a bijection of its state),
/// and random corruption with probability `1 - 2^-64`; it is not a MAC (anyone can recompute
/// it), so authenticity needs a signature or a MAC on top.
///
/// ```
/// use ckks::serialize::{CHECKSUM_LEN, checksum};
/// let bytes = ckks::params::Preset::RefA.literal().build()?.to_bytes();
/// let (body, sum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
/// assert_eq!(sum, checksum(body).to_le_bytes());
/// # Ok::<(), ckks::Error>(())
/// ```
pub fn checksum(bytes: &[u8]) -> u64 {
    let mut h = Fnv1a::default();
    h.write(bytes);
    h.0
}

/// FNV-1a, 64 bits.
#[derive(Clone, Copy)]
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// Writes a header.
fn write_header<S: Sink>(
    out: &mut Hashing<'_, S>,
    kind: ObjectKind,
    flags: u8,
    param_id: u64,
    level: usize,
    scale: f64,
) -> Result<(), S::Error> {
    let mut h = [0u8; HEADER_LEN];
    let fields: [&[u8]; 7] = [
        &MAGIC,
        &FORMAT_VERSION.to_le_bytes(),
        &[kind.code()],
        &[flags],
        &param_id.to_le_bytes(),
        &u32::try_from(level).unwrap_or(u32::MAX).to_le_bytes(),
        &scale.to_le_bytes(),
    ];
    for (dst, &src) in h.iter_mut().zip(fields.iter().flat_map(|f| f.iter())) {
        *dst = src;
    }
    out.put(&h)
}

/// Reads and checks magic, version and kind code.
fn read_header_any<S: Source>(src: &mut S) -> Result<Header> {
    let magic = src.array::<4>("header")?;
    if magic != MAGIC {
        return Err(Error::BadMagic {
            found: magic,
            expected: MAGIC,
        });
    }
    let version = src.u16("header")?;
    if version != FORMAT_VERSION {
        return Err(Error::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let code = src.u8("header")?;
    let Some(kind) = ObjectKind::from_code(code) else {
        return Err(Error::WrongObjectKind {
            expected: "ckks-rs object",
            found: format!("unknown object kind {code}"),
        });
    };
    Ok(Header {
        version,
        kind,
        flags: src.u8("header")?,
        param_id: src.u64("header")?,
        level: src.u32("header")?,
        scale: src.f64("header")?,
    })
}

/// Reads the header of an object that must be of kind `expected`, and checks its flags
/// against `allowed`.
fn read_header<S: Source>(src: &mut S, expected: ObjectKind, allowed_flags: u8) -> Result<Header> {
    let h = read_header_any(src)?;
    if h.kind != expected {
        return Err(Error::WrongObjectKind {
            expected: expected.name(),
            found: format!("a {}", h.kind.name()),
        });
    }
    if h.flags & !allowed_flags != 0 {
        return Err(Error::MalformedObject {
            what: expected.name(),
            reason: format!(
                "unknown header flags {:#04x} (this kind allows {allowed_flags:#04x})",
                h.flags
            ),
        });
    }
    Ok(h)
}
