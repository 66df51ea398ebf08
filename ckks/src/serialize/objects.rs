//! Encoding and decoding of plaintexts, ciphertexts and keys, and their public methods.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::Arc;

use zeroize::{Zeroize, Zeroizing};

use super::bitpack::{
    UnpackError, pack, pack_ternary, packed_len, residue_bits, unpack, unpack_ternary,
};
use super::io::{Hashing, ReadSource, Sink, SliceSource, Source, WriteSink, into_ok};
use super::{
    CHECKSUM_LEN, FLAG_COEFFICIENT, FLAG_SEEDED, HEADER_LEN, Header, ObjectKind, read_header,
    write_header,
};
use crate::ciphertext::Ciphertext;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::keys::packed::PackedQp;
use crate::keys::switching::QpPoly;
use crate::keys::{GaloisKeys, PublicKey, RelinearizationKey, SecretKey, SwitchingKey};
use crate::math::sampling::Seed;
use crate::plaintext::Plaintext;
use crate::ring::{Representation, RnsBasis, RnsPoly};

const SEED_LEN: usize = 32;

/// The encoding of one object type.
pub(super) trait Codec: Sized {
    const KIND: ObjectKind;
    /// The exact encoded size.
    fn encoded_len(&self) -> u64;
    /// Header and body (the caller adds the checksum).
    fn encode<S: Sink>(&self, out: &mut Hashing<'_, S>) -> Result<(), S::Error>;
    /// Header and body (the caller checks the checksum).
    fn decode<S: Source>(src: &mut S, ctx: &Context) -> Result<Self>;
}

pub(super) fn encode_into<T: Codec, S: Sink>(x: &T, sink: &mut S) -> Result<(), S::Error> {
    let mut out = Hashing::new(sink);
    x.encode(&mut out)?;
    out.finish()
}

pub(super) fn to_bytes<T: Codec>(x: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(usize::try_from(x.encoded_len()).unwrap_or(0));
    into_ok(encode_into(x, &mut out));
    out
}

pub(super) fn write_to<T: Codec, W: Write>(x: &T, writer: W) -> Result<()> {
    encode_into(x, &mut WriteSink(writer))
}

pub(super) fn from_bytes<T: Codec>(bytes: &[u8], ctx: &Context) -> Result<T> {
    let mut src = SliceSource::new(bytes);
    let x = T::decode(&mut src, ctx)?;
    src.finish(T::KIND.name())?;
    src.end(T::KIND.name())?;
    Ok(x)
}

pub(super) fn read_from<T: Codec, R: Read>(reader: R, ctx: &Context) -> Result<T> {
    let mut src = ReadSource::new(reader);
    let x = T::decode(&mut src, ctx)?;
    src.finish(T::KIND.name())?;
    Ok(x)
}

/// The public serialization methods of a type, documented once.
macro_rules! public_methods {
    ($ty:ty, $name:literal) => {
        impl $ty {
            #[doc = concat!("The size of the serialized ", $name, " in bytes.")]
            pub fn serialized_size(&self) -> usize {
                usize::try_from(Codec::encoded_len(self)).unwrap_or(usize::MAX)
            }

            #[doc = concat!("Writes the ", $name, " to `writer` in the [`serialize`](crate::serialize) format (wrap files in a `BufWriter`).")]
            pub fn write_to<W: Write>(&self, writer: W) -> Result<()> {
                write_to(self, writer)
            }

            #[doc = concat!("Reads one ", $name, " from `reader` (exactly its bytes: objects can follow one another in a stream) and validates it against `ctx`; see [`serialize`](crate::serialize) for what is checked.")]
            pub fn read_from<R: Read>(reader: R, ctx: &Context) -> Result<Self> {
                read_from(reader, ctx)
            }

            #[doc = concat!("Loads a ", $name, " from exactly `bytes` and validates it against `ctx`; see [`serialize`](crate::serialize) for what is checked.")]
            pub fn from_bytes(bytes: &[u8], ctx: &Context) -> Result<Self> {
                from_bytes(bytes, ctx)
            }
        }
    };
}

public_methods!(Plaintext, "plaintext");
public_methods!(Ciphertext, "ciphertext");
public_methods!(PublicKey, "public key");
public_methods!(RelinearizationKey, "relinearization key");
public_methods!(GaloisKeys, "Galois keys");
public_methods!(SecretKey, "secret key");

impl Plaintext {
    /// The serialized plaintext.
    pub fn to_bytes(&self) -> Vec<u8> {
        to_bytes(self)
    }
}

impl Ciphertext {
    /// The serialized ciphertext (`c_1` as its seed for an untouched secret-key encryption).
    pub fn to_bytes(&self) -> Vec<u8> {
        to_bytes(self)
    }
}

impl PublicKey {
    /// The serialized public key (`a` as its seed).
    pub fn to_bytes(&self) -> Vec<u8> {
        to_bytes(self)
    }
}

impl RelinearizationKey {
    /// The serialized key (the `a_j` as their seed).
    pub fn to_bytes(&self) -> Vec<u8> {
        to_bytes(self)
    }
}

impl GaloisKeys {
    /// The serialized keys (each key's `a_j` as its seed).
    pub fn to_bytes(&self) -> Vec<u8> {
        to_bytes(self)
    }
}

impl SecretKey {
    /// The serialized secret key, for the key owner's own storage: its coefficients at two bits
    /// each. The buffer is zeroized when dropped; protect the file (permissions, encryption at
    /// rest) as you would the key.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(self.serialized_size()));
        into_ok(encode_into(self, &mut *out));
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------

/// The packed size of `limbs` limbs over `basis`.
fn poly_len(basis: &RnsBasis, limbs: usize) -> u64 {
    let n = basis.degree();
    basis
        .moduli()
        .iter()
        .take(limbs)
        .map(|q| packed_len(n, residue_bits(q.value())) as u64)
        .sum()
}

fn put_poly<S: Sink>(
    out: &mut Hashing<'_, S>,
    poly: &RnsPoly,
    scratch: &mut Vec<u8>,
) -> Result<(), S::Error> {
    for (limb, q) in poly.limbs().zip(poly.moduli()) {
        scratch.clear();
        pack(limb, residue_bits(q.value()), scratch);
        out.put(scratch)?;
    }
    Ok(())
}

/// Reads `limbs` limbs over `basis` (the caller checked `limbs` against the context), each
/// residue checked below its prime.
fn take_poly<S: Source>(
    src: &mut S,
    basis: &Arc<RnsBasis>,
    limbs: usize,
    repr: Representation,
    what: &'static str,
) -> Result<RnsPoly> {
    if limbs == 0 || limbs > basis.len() {
        return Err(Error::InvalidLimbCount {
            limbs,
            max: basis.len(),
        });
    }
    let n = basis.degree();
    let mut coeffs = vec![0u64; limbs * n];
    for (limb, (chunk, q)) in coeffs.chunks_exact_mut(n).zip(basis.moduli()).enumerate() {
        let (q, bits) = (q.value(), residue_bits(q.value()));
        let read = src.take(packed_len(n, bits), what, |bytes| {
            unpack(bytes, bits, q, chunk).map_err(|e| match e {
                UnpackError::OutOfRange { index, value } => Error::ResidueOutOfRange {
                    value,
                    modulus: q,
                    limb,
                    index,
                },
                UnpackError::Short => Error::Truncated {
                    what,
                    needed: packed_len(n, bits) as u64,
                    available: bytes.len() as u64,
                },
                UnpackError::NonZeroPadding => Error::MalformedObject {
                    what,
                    reason: format!(
                        "limb {limb}: the padding bits after the last residue are not zero"
                    ),
                },
            })
        });
        if let Err(e) = read {
            // The polynomial may be a decrypted plaintext.
            coeffs.zeroize();
            return Err(e);
        }
    }
    RnsPoly::from_parts(basis, repr, coeffs)
}

fn put_qp<S: Sink>(
    out: &mut Hashing<'_, S>,
    poly: &QpPoly,
    scratch: &mut Vec<u8>,
) -> Result<(), S::Error> {
    put_poly(out, &poly.q, scratch)?;
    put_poly(out, &poly.p, scratch)
}

fn take_qp<S: Source>(src: &mut S, ctx: &Context, what: &'static str) -> Result<QpPoly> {
    let (qb, pb) = (ctx.q_basis(), ctx.p_basis());
    Ok(QpPoly {
        q: take_poly(src, qb, qb.len(), Representation::Ntt, what)?,
        p: take_poly(src, pb, pb.len(), Representation::Ntt, what)?,
    })
}

/// The size of a polynomial over every prime of `Q_L * P`.
fn qp_len(ctx: &Context) -> u64 {
    poly_len(ctx.q_basis(), ctx.q_basis().len()) + poly_len(ctx.p_basis(), ctx.p_basis().len())
}

fn put_u32<S: Sink>(out: &mut Hashing<'_, S>, x: usize) -> Result<(), S::Error> {
    out.put(&u32::try_from(x).unwrap_or(u32::MAX).to_le_bytes())
}

fn representation(flags: u8) -> Representation {
    if flags & FLAG_COEFFICIENT != 0 {
        Representation::Coefficient
    } else {
        Representation::Ntt
    }
}

fn repr_flag(poly: &RnsPoly) -> u8 {
    match poly.representation() {
        Representation::Coefficient => FLAG_COEFFICIENT,
        Representation::Ntt => 0,
    }
}

/// The level of a plaintext or ciphertext header, checked against the chain.
fn checked_level(ctx: &Context, h: &Header) -> Result<usize> {
    let level = h.level as usize;
    if level > ctx.max_level() {
        return Err(Error::LevelOutOfRange {
            level,
            max_level: ctx.max_level(),
        });
    }
    Ok(level)
}

fn check_scale(scale: f64, what: &'static str) -> Result<()> {
    if !(scale.is_finite() && scale > 0.0) {
        return Err(Error::MalformedObject {
            what,
            reason: format!("scale {scale} is not a finite positive number"),
        });
    }
    Ok(())
}

fn check_slots(ctx: &Context, slots: u32) -> Result<usize> {
    let slots = slots as usize;
    let max = ctx.params().max_slots();
    if !slots.is_power_of_two() || slots > max {
        return Err(Error::InvalidSlotCount {
            slots,
            n: ctx.n(),
            max,
        });
    }
    Ok(slots)
}

/// Keys cover every prime (level `L`) and have no scale; an empty Galois key set carries
/// parameter id 0 and level 0.
fn check_key_header(ctx: &Context, h: &Header, what: &'static str) -> Result<()> {
    if h.level as usize != ctx.max_level() {
        return Err(Error::MalformedObject {
            what,
            reason: format!(
                "the header gives level {}, keys are over every prime (level {})",
                h.level,
                ctx.max_level()
            ),
        });
    }
    if h.scale.to_bits() != 0 {
        return Err(Error::MalformedObject {
            what,
            reason: format!("the header gives scale {}, keys have none (0)", h.scale),
        });
    }
    Ok(())
}

fn with_checksum(len: u64) -> u64 {
    len.saturating_add(CHECKSUM_LEN as u64)
}

// ---------------------------------------------------------------------------------------------
// Plaintext
// ---------------------------------------------------------------------------------------------

impl Codec for Plaintext {
    const KIND: ObjectKind = ObjectKind::Plaintext;

    fn encoded_len(&self) -> u64 {
        with_checksum(HEADER_LEN as u64 + 4 + poly_len(self.poly.basis(), self.poly.limb_count()))
    }

    fn encode<S: Sink>(&self, out: &mut Hashing<'_, S>) -> Result<(), S::Error> {
        let flags = repr_flag(&self.poly);
        write_header(
            out,
            Self::KIND,
            flags,
            self.param_id,
            self.level(),
            self.scale,
        )?;
        put_u32(out, self.slots)?;
        let mut scratch = Zeroizing::new(Vec::new());
        put_poly(out, &self.poly, &mut scratch)
    }

    fn decode<S: Source>(src: &mut S, ctx: &Context) -> Result<Self> {
        let what = Self::KIND.name();
        let h = read_header(src, Self::KIND, FLAG_COEFFICIENT)?;
        ctx.check_id(what, h.param_id)?;
        let level = checked_level(ctx, &h)?;
        check_scale(h.scale, what)?;
        let slots = check_slots(ctx, src.u32("plaintext slot count")?)?;
        src.expect_exact(with_checksum(poly_len(ctx.q_basis(), level + 1)), what)?;
        let poly = take_poly(src, ctx.q_basis(), level + 1, representation(h.flags), what)?;
        Ok(Plaintext {
            poly,
            scale: h.scale,
            slots,
            param_id: ctx.id(),
            bound: None,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Ciphertext
// ---------------------------------------------------------------------------------------------

/// The largest ciphertext degree: what [`Evaluator::mul`](crate::Evaluator::mul) produces
/// (unrelinearized products, decrypted as they are).
const MAX_DEGREE: usize = crate::Evaluator::MAX_DEGREE;

impl Ciphertext {
    /// Whether `c_1` is stored as its seed.
    fn stores_seed(&self) -> bool {
        self.seed.is_some()
            && self.parts.len() == 2
            && self.parts[1].representation() == Representation::Ntt
    }
}

impl Codec for Ciphertext {
    const KIND: ObjectKind = ObjectKind::Ciphertext;

    fn encoded_len(&self) -> u64 {
        let poly = poly_len(self.parts[0].basis(), self.parts[0].limb_count());
        let body = if self.stores_seed() {
            poly + SEED_LEN as u64
        } else {
            poly * self.parts.len() as u64
        };
        with_checksum(HEADER_LEN as u64 + 5 + body)
    }

    fn encode<S: Sink>(&self, out: &mut Hashing<'_, S>) -> Result<(), S::Error> {
        let seeded = self.stores_seed();
        let flags = repr_flag(&self.parts[0]) | if seeded { FLAG_SEEDED } else { 0 };
        write_header(
            out,
            Self::KIND,
            flags,
            self.param_id,
            self.level(),
            self.scale,
        )?;
        put_u32(out, self.slots)?;
        out.put(&[u8::try_from(self.degree()).unwrap_or(u8::MAX)])?;
        let mut scratch = Vec::new();
        match (&self.seed, seeded) {
            (Some(seed), true) => {
                put_poly(out, &self.parts[0], &mut scratch)?;
                out.put(seed)
            }
            _ => {
                for part in &self.parts {
                    put_poly(out, part, &mut scratch)?;
                }
                Ok(())
            }
        }
    }

    fn decode<S: Source>(src: &mut S, ctx: &Context) -> Result<Self> {
        let what = Self::KIND.name();
        let h = read_header(src, Self::KIND, FLAG_SEEDED | FLAG_COEFFICIENT)?;
        ctx.check_id(what, h.param_id)?;
        let seeded = h.flags & FLAG_SEEDED != 0;
        let repr = representation(h.flags);
        if seeded && repr != Representation::Ntt {
            return Err(Error::MalformedObject {
                what,
                reason: "a seeded ciphertext is in NTT form, the header says coefficient form"
                    .into(),
            });
        }
        let level = checked_level(ctx, &h)?;
        check_scale(h.scale, what)?;
        let slots = check_slots(ctx, src.u32("ciphertext slot count")?)?;
        let degree = usize::from(src.u8("ciphertext degree")?);
        if degree > MAX_DEGREE {
            return Err(Error::DeclaredSizeTooLarge {
                what: "ciphertext degree",
                declared: degree as u64,
                max: MAX_DEGREE as u64,
            });
        }
        if degree == 0 || (seeded && degree != 1) {
            return Err(Error::MalformedObject {
                what,
                reason: format!(
                    "degree {degree}: a ciphertext has degree 1 or 2, a seeded one degree 1"
                ),
            });
        }
        let limbs = level + 1;
        let poly = poly_len(ctx.q_basis(), limbs);
        let body = if seeded {
            poly + SEED_LEN as u64
        } else {
            poly * (degree as u64 + 1)
        };
        src.expect_exact(with_checksum(body), what)?;
        let mut parts = Vec::with_capacity(degree + 1);
        let stored = if seeded { 1 } else { degree + 1 };
        for _ in 0..stored {
            parts.push(take_poly(src, ctx.q_basis(), limbs, repr, what)?);
        }
        let seed = if seeded {
            let seed: Seed = src.array("ciphertext seed")?;
            parts.push(RnsPoly::from_seed(
                ctx.q_basis(),
                limbs,
                Representation::Ntt,
                &seed,
            )?);
            Some(seed)
        } else {
            None
        };
        Ok(Ciphertext {
            parts,
            scale: h.scale,
            slots,
            param_id: ctx.id(),
            seed,
            noise: None,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Public key
// ---------------------------------------------------------------------------------------------

impl Codec for PublicKey {
    const KIND: ObjectKind = ObjectKind::PublicKey;

    fn encoded_len(&self) -> u64 {
        with_checksum(HEADER_LEN as u64 + qp_len(&self.ctx) + SEED_LEN as u64)
    }

    fn encode<S: Sink>(&self, out: &mut Hashing<'_, S>) -> Result<(), S::Error> {
        let ctx = &self.ctx;
        write_header(out, Self::KIND, 0, ctx.id(), ctx.max_level(), 0.0)?;
        put_qp(out, &self.b, &mut Vec::new())?;
        out.put(&self.seed)
    }

    fn decode<S: Source>(src: &mut S, ctx: &Context) -> Result<Self> {
        let what = Self::KIND.name();
        let h = read_header(src, Self::KIND, 0)?;
        ctx.check_id(what, h.param_id)?;
        check_key_header(ctx, &h, what)?;
        src.expect_exact(with_checksum(qp_len(ctx) + SEED_LEN as u64), what)?;
        let b = take_qp(src, ctx, what)?;
        let seed: Seed = src.array("public key seed")?;
        let a = PublicKey::expand_a(ctx, &seed)?;
        Ok(PublicKey {
            ctx: ctx.clone(),
            b,
            a,
            seed,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Switching keys: relinearization and Galois keys
// ---------------------------------------------------------------------------------------------

/// The size of a switching key's body at these parameters.
fn switching_key_len(ctx: &Context) -> u64 {
    let digits = ctx.params().digits_at(ctx.max_level()) as u64;
    4 + digits * qp_len(ctx) + SEED_LEN as u64
}

fn switching_key_encoded_len(key: &SwitchingKey) -> u64 {
    let per_digit: u64 = key
        .b
        .first()
        .map(|b| {
            let (q, q_limbs, p, p_limbs) = b.shape();
            poly_len(q, q_limbs) + poly_len(p, p_limbs)
        })
        .unwrap_or(0);
    4 + per_digit * key.b.len() as u64 + SEED_LEN as u64
}

fn put_switching_key<S: Sink>(
    out: &mut Hashing<'_, S>,
    key: &SwitchingKey,
) -> Result<(), S::Error> {
    put_u32(out, key.b.len())?;
    let (mut words, mut scratch) = (Vec::new(), Vec::new());
    for b in &key.b {
        for t in 0..b.limb_count() {
            words.clear();
            words.extend(b.limb(t).values());
            scratch.clear();
            pack(&words, residue_bits(b.modulus(t).value()), &mut scratch);
            out.put(&scratch)?;
        }
    }
    out.put(&key.seed)
}

fn take_switching_key<S: Source>(
    src: &mut S,
    ctx: &Context,
    what: &'static str,
) -> Result<SwitchingKey> {
    let expected = ctx.params().digits_at(ctx.max_level());
    let digits = src.u32("switching key digit count")? as usize;
    if digits > expected {
        return Err(Error::DeclaredSizeTooLarge {
            what: "switching key digit count",
            declared: digits as u64,
            max: expected as u64,
        });
    }
    if digits != expected {
        return Err(Error::MalformedObject {
            what,
            reason: format!(
                "{digits} key-switching digits, these parameters have {expected} at level {}",
                ctx.max_level()
            ),
        });
    }
    let mut b = Vec::with_capacity(digits);
    for _ in 0..digits {
        b.push(PackedQp::pack(&take_qp(src, ctx, what)?));
    }
    let seed: Seed = src.array("switching key seed")?;
    let a = SwitchingKey::expand_a(ctx, &seed, digits)?;
    Ok(SwitchingKey {
        b,
        a: a.iter().map(PackedQp::pack).collect(),
        seed,
        param_id: ctx.id(),
    })
}

/// The level of a switching key's polynomials (`L`).
fn key_level(key: &SwitchingKey) -> usize {
    key.b.first().map_or(0, |b| b.shape().1.saturating_sub(1))
}

impl Codec for RelinearizationKey {
    const KIND: ObjectKind = ObjectKind::RelinearizationKey;

    fn encoded_len(&self) -> u64 {
        with_checksum(HEADER_LEN as u64 + switching_key_encoded_len(&self.0))
    }

    fn encode<S: Sink>(&self, out: &mut Hashing<'_, S>) -> Result<(), S::Error> {
        let key = &self.0;
        write_header(out, Self::KIND, 0, key.param_id, key_level(key), 0.0)?;
        put_switching_key(out, key)
    }

    fn decode<S: Source>(src: &mut S, ctx: &Context) -> Result<Self> {
        let what = Self::KIND.name();
        let h = read_header(src, Self::KIND, 0)?;
        ctx.check_id(what, h.param_id)?;
        check_key_header(ctx, &h, what)?;
        src.expect_exact(with_checksum(switching_key_len(ctx)), what)?;
        Ok(RelinearizationKey(take_switching_key(src, ctx, what)?))
    }
}

impl Codec for GaloisKeys {
    const KIND: ObjectKind = ObjectKind::GaloisKeys;

    fn encoded_len(&self) -> u64 {
        let keys: u64 = self
            .keys
            .values()
            .map(|k| 8 + switching_key_encoded_len(k))
            .sum();
        with_checksum(HEADER_LEN as u64 + 8 + keys)
    }

    fn encode<S: Sink>(&self, out: &mut Hashing<'_, S>) -> Result<(), S::Error> {
        let (param_id, level) = self
            .keys
            .values()
            .next()
            .map_or((0, 0), |k| (k.param_id, key_level(k)));
        write_header(out, Self::KIND, 0, param_id, level, 0.0)?;
        out.put(&(self.keys.len() as u64).to_le_bytes())?;
        for (&element, key) in &self.keys {
            out.put(&element.to_le_bytes())?;
            put_switching_key(out, key)?;
        }
        Ok(())
    }

    fn decode<S: Source>(src: &mut S, ctx: &Context) -> Result<Self> {
        let what = Self::KIND.name();
        let h = read_header(src, Self::KIND, 0)?;
        // An empty set carries no parameters (id 0, level 0).
        let unbound = h.param_id == 0 && h.level == 0 && h.scale.to_bits() == 0;
        if !unbound {
            ctx.check_id(what, h.param_id)?;
            check_key_header(ctx, &h, what)?;
        }
        let n = ctx.n() as u64;
        // Every odd element below 2N but 1.
        let max = n - 1;
        let count = src.u64("Galois key count")?;
        if count > max {
            return Err(Error::DeclaredSizeTooLarge {
                what: "Galois key count",
                declared: count,
                max,
            });
        }
        if unbound && count > 0 {
            ctx.check_id(what, h.param_id)?;
        }
        src.expect_exact(with_checksum(count * (8 + switching_key_len(ctx))), what)?;
        let mut keys = BTreeMap::new();
        let mut previous = None;
        for _ in 0..count {
            let k = src.u64("Galois element")?;
            if k % 2 == 0 || k >= 2 * n {
                return Err(Error::InvalidGaloisElement {
                    k,
                    n: ctx.n(),
                    two_n: 2 * n,
                });
            }
            if k == 1 {
                return Err(Error::MalformedObject {
                    what,
                    reason: "Galois element 1 is the identity, no key is stored for it".into(),
                });
            }
            if let Some(prev) = previous {
                if k == prev {
                    return Err(Error::MalformedObject {
                        what,
                        reason: format!("Galois element {k} appears twice"),
                    });
                }
                if k < prev {
                    return Err(Error::MalformedObject {
                        what,
                        reason: format!(
                            "Galois elements are stored in increasing order, {k} follows {prev}"
                        ),
                    });
                }
            }
            previous = Some(k);
            keys.insert(k, take_switching_key(src, ctx, what)?);
        }
        Ok(GaloisKeys { keys })
    }
}

// ---------------------------------------------------------------------------------------------
// Secret key
// ---------------------------------------------------------------------------------------------

impl Codec for SecretKey {
    const KIND: ObjectKind = ObjectKind::SecretKey;

    fn encoded_len(&self) -> u64 {
        with_checksum((HEADER_LEN + self.ternary.len().div_ceil(4)) as u64)
    }

    fn encode<S: Sink>(&self, out: &mut Hashing<'_, S>) -> Result<(), S::Error> {
        let ctx = &self.ctx;
        write_header(out, Self::KIND, 0, ctx.id(), ctx.max_level(), 0.0)?;
        let mut packed = Zeroizing::new(Vec::with_capacity(self.ternary.len().div_ceil(4)));
        pack_ternary(&self.ternary, &mut packed);
        out.put(&packed)
    }

    fn decode<S: Source>(src: &mut S, ctx: &Context) -> Result<Self> {
        let what = Self::KIND.name();
        let h = read_header(src, Self::KIND, 0)?;
        ctx.check_id(what, h.param_id)?;
        check_key_header(ctx, &h, what)?;
        let n = ctx.n();
        let len = n.div_ceil(4);
        src.expect_exact(with_checksum(len as u64), what)?;
        let mut ternary = vec![0i8; n];
        let valid = src.take(len, "secret key coefficients", |bytes| {
            Ok(unpack_ternary(bytes, &mut ternary))
        });
        if !matches!(valid, Ok(true)) {
            ternary.zeroize();
            valid?;
            return Err(Error::MalformedObject {
                what,
                reason: "a coefficient has the code 10, which stands for no value of {-1, 0, 1}"
                    .into(),
            });
        }
        SecretKey::from_ternary(ctx, ternary)
    }
}
