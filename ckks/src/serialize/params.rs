//! Encoding and decoding of [`Parameters`]: the literal, rebuilt and validated on load.

use std::io::{Read, Write};

use super::io::{Hashing, ReadSource, Sink, SliceSource, Source, WriteSink, into_ok};
use super::{HEADER_LEN, ObjectKind, read_header, write_header};
use crate::error::{Error, Result};
use crate::params::{Parameters, ParametersLiteral, SecretDistribution, SecurityLevel};

/// The most primes a serialized list may hold (far beyond any secure chain: 2^17 allows about
/// 3,500 bits, 58 primes of 60 bits).
pub const MAX_SERIALIZED_PRIMES: u64 = 256;

const WHAT: &str = "parameters";

impl Parameters {
    /// The size of the serialized parameters in bytes.
    pub fn serialized_size(&self) -> usize {
        let l = &self.literal();
        HEADER_LEN
            + 4
            + 4
            + 3
            + 8
            + 4 * 8
            + 4 * (l.log_q.len() + l.log_p.len())
            + 8 * (l.q.len() + l.p.len())
            + super::CHECKSUM_LEN
    }

    /// The serialized parameters: the literal they were built from (so they load to equal
    /// parameters, with the same id) and whether they passed the security check.
    ///
    /// ```
    /// use ckks::params::{Parameters, Preset};
    /// let params = Preset::N14.literal().build()?;
    /// let back = Parameters::from_bytes(&params.to_bytes())?;
    /// assert_eq!(back, params);
    /// assert_eq!(back.id(), params.id());
    /// # Ok::<(), ckks::Error>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.serialized_size());
        into_ok(encode_into(self, &mut out));
        out
    }

    /// Writes the parameters to `writer`.
    pub fn write_to<W: Write>(&self, writer: W) -> Result<()> {
        encode_into(self, &mut WriteSink(writer))
    }

    /// Loads parameters from exactly `bytes`: the literal is rebuilt (with the security check
    /// if the stored parameters passed it) and its id must match the header's.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut src = SliceSource::new(bytes);
        let params = decode(&mut src)?;
        src.finish(WHAT)?;
        src.end(WHAT)?;
        Ok(params)
    }

    /// Reads parameters from `reader` (exactly their bytes), as [`from_bytes`](Self::from_bytes).
    pub fn read_from<R: Read>(reader: R) -> Result<Self> {
        let mut src = ReadSource::new(reader);
        let params = decode(&mut src)?;
        src.finish(WHAT)?;
        Ok(params)
    }
}

fn encode_into<S: Sink>(params: &Parameters, sink: &mut S) -> Result<(), S::Error> {
    let mut out = Hashing::new(sink);
    let l = params.literal();
    write_header(
        &mut out,
        ObjectKind::Parameters,
        0,
        params.id(),
        params.max_level(),
        params.default_scale(),
    )?;
    out.put(&l.log_n.to_le_bytes())?;
    out.put(&l.log_scale.to_le_bytes())?;
    let secret = match l.secret {
        SecretDistribution::UniformTernary => 0u8,
    };
    let security = match l.security {
        SecurityLevel::Classical128 => 0u8,
        SecurityLevel::Classical192 => 1,
        SecurityLevel::Classical256 => 2,
    };
    out.put(&[secret, security, u8::from(params.is_secure())])?;
    out.put(&l.sigma.to_le_bytes())?;
    for list in [&l.log_q, &l.log_p] {
        out.put(&(list.len() as u64).to_le_bytes())?;
        for x in list.iter() {
            out.put(&x.to_le_bytes())?;
        }
    }
    for list in [&l.q, &l.p] {
        out.put(&(list.len() as u64).to_le_bytes())?;
        for x in list.iter() {
            out.put(&x.to_le_bytes())?;
        }
    }
    out.finish()
}

fn malformed(reason: String) -> Error {
    Error::MalformedObject { what: WHAT, reason }
}

fn count<S: Source>(src: &mut S, what: &'static str) -> Result<usize> {
    let declared = src.u64(what)?;
    if declared > MAX_SERIALIZED_PRIMES {
        return Err(Error::DeclaredSizeTooLarge {
            what,
            declared,
            max: MAX_SERIALIZED_PRIMES,
        });
    }
    Ok(declared as usize)
}

fn list_u32<S: Source>(src: &mut S, what: &'static str) -> Result<Vec<u32>> {
    let len = count(src, what)?;
    src.take(4 * len, what, |b| {
        Ok(b.as_chunks::<4>()
            .0
            .iter()
            .map(|w| u32::from_le_bytes(*w))
            .collect())
    })
}

fn list_u64<S: Source>(src: &mut S, what: &'static str) -> Result<Vec<u64>> {
    let len = count(src, what)?;
    src.take(8 * len, what, |b| {
        Ok(b.as_chunks::<8>()
            .0
            .iter()
            .map(|w| u64::from_le_bytes(*w))
            .collect())
    })
}

fn decode<S: Source>(src: &mut S) -> Result<Parameters> {
    let h = read_header(src, ObjectKind::Parameters, 0)?;
    let log_n = src.u32("log_n")?;
    let log_scale = src.u32("log_scale")?;
    let [secret, security, secure] = src.array::<3>("parameter flags")?;
    let secret = match secret {
        0 => SecretDistribution::UniformTernary,
        other => return Err(malformed(format!("unknown secret distribution {other}"))),
    };
    let security = match security {
        0 => SecurityLevel::Classical128,
        1 => SecurityLevel::Classical192,
        2 => SecurityLevel::Classical256,
        other => return Err(malformed(format!("unknown security level {other}"))),
    };
    let secure = match secure {
        0 => false,
        1 => true,
        other => {
            return Err(malformed(format!(
                "security-checked flag {other}, expected 0 or 1"
            )));
        }
    };
    let sigma = src.f64("sigma")?;
    let literal = ParametersLiteral {
        log_n,
        log_scale,
        secret,
        security,
        sigma,
        log_q: list_u32(src, "number of q prime sizes")?,
        log_p: list_u32(src, "number of P prime sizes")?,
        q: list_u64(src, "number of q primes")?,
        p: list_u64(src, "number of P primes")?,
    };
    let params = if secure {
        literal.build()?
    } else {
        literal.build_insecure_for_tests()?
    };
    if params.id() != h.param_id {
        return Err(malformed(format!(
            "the header names parameters {:016x}, the body describes {:016x}",
            h.param_id,
            params.id()
        )));
    }
    if h.level as usize != params.max_level()
        || h.scale.to_bits() != params.default_scale().to_bits()
    {
        return Err(malformed(format!(
            "the header gives level {} and scale {}, the parameters have {} and 2^{}",
            h.level,
            h.scale,
            params.max_level(),
            params.log_scale()
        )));
    }
    Ok(params)
}
