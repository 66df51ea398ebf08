//! Where bytes go and come from: sinks (a `Vec`, infallibly, or any [`Write`]) and sources (a
//! byte slice, whose length is known up front, or any [`Read`]), both keeping the running
//! checksum.

use std::convert::Infallible;
use std::io::{ErrorKind, Read, Write};

use zeroize::Zeroize;

use super::{CHECKSUM_LEN, Fnv1a};
use crate::error::{Error, Result};

/// Somewhere to put bytes. `Vec<u8>` cannot fail (`Error = Infallible`), a writer can.
pub(crate) trait Sink {
    /// What can go wrong.
    type Error;
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]) -> Result<(), Self::Error>;
}

impl Sink for Vec<u8> {
    type Error = Infallible;
    fn put(&mut self, bytes: &[u8]) -> Result<(), Infallible> {
        self.extend_from_slice(bytes);
        Ok(())
    }
}

/// A [`Write`] as a sink: I/O errors become [`Error::Io`].
pub(crate) struct WriteSink<W>(pub(crate) W);

impl<W: Write> Sink for WriteSink<W> {
    type Error = Error;
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.0.write_all(bytes).map_err(|e| Error::Io {
            op: "writing",
            message: e.to_string(),
        })
    }
}

/// A sink that hashes what goes through it, and ends the object with the checksum.
pub(crate) struct Hashing<'a, S> {
    inner: &'a mut S,
    hash: Fnv1a,
}

impl<'a, S: Sink> Hashing<'a, S> {
    pub(crate) fn new(inner: &'a mut S) -> Self {
        Self {
            inner,
            hash: Fnv1a::default(),
        }
    }

    pub(crate) fn put(&mut self, bytes: &[u8]) -> Result<(), S::Error> {
        self.hash.write(bytes);
        self.inner.put(bytes)
    }

    /// Writes the checksum of everything written so far.
    pub(crate) fn finish(self) -> Result<(), S::Error> {
        self.inner.put(&self.hash.0.to_le_bytes())
    }
}

/// Where a decoder reads from.
pub(crate) trait Source {
    /// The number of bytes left, when known (byte slices); `None` for streams.
    fn remaining(&self) -> Option<u64>;

    /// Calls `f` with the next `len` bytes. `len` is bounded by the caller (by the parameters,
    /// never by a size read from the input alone); a byte slice checks it against its length
    /// first.
    fn take<T>(
        &mut self,
        len: usize,
        what: &'static str,
        f: impl FnOnce(&[u8]) -> Result<T>,
    ) -> Result<T>;

    /// Reads the checksum and compares it with that of every byte read before it.
    fn finish(&mut self, what: &'static str) -> Result<()>;

    /// For a byte slice: an error unless exactly `needed` bytes are left (counting the
    /// checksum). Decoders call it as soon as the object's size is known, before allocating.
    fn expect_exact(&self, needed: u64, what: &'static str) -> Result<()> {
        match self.remaining() {
            Some(left) if left < needed => Err(Error::Truncated {
                what,
                needed,
                available: left,
            }),
            Some(left) if left > needed => Err(Error::TrailingBytes {
                what,
                extra: left - needed,
            }),
            _ => Ok(()),
        }
    }

    /// The next `N` bytes as an array.
    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N]> {
        self.take(N, what, |b| {
            let mut out = [0u8; N];
            for (o, &x) in out.iter_mut().zip(b) {
                *o = x;
            }
            Ok(out)
        })
    }

    fn u8(&mut self, what: &'static str) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }

    fn u16(&mut self, what: &'static str) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }

    fn u32(&mut self, what: &'static str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    fn u64(&mut self, what: &'static str) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    fn f64(&mut self, what: &'static str) -> Result<f64> {
        Ok(f64::from_le_bytes(self.array(what)?))
    }
}

/// A byte slice: its length is known, so every declared size is checked against it before
/// anything is allocated.
pub(crate) struct SliceSource<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> SliceSource<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    /// An error unless every byte was consumed.
    pub(crate) fn end(&self, what: &'static str) -> Result<()> {
        let extra = self.data.len().saturating_sub(self.pos);
        if extra > 0 {
            return Err(Error::TrailingBytes {
                what,
                extra: extra as u64,
            });
        }
        Ok(())
    }
}

impl Source for SliceSource<'_> {
    fn remaining(&self) -> Option<u64> {
        Some(self.data.len().saturating_sub(self.pos) as u64)
    }

    fn take<T>(
        &mut self,
        len: usize,
        what: &'static str,
        f: impl FnOnce(&[u8]) -> Result<T>,
    ) -> Result<T> {
        let chunk = self
            .pos
            .checked_add(len)
            .and_then(|end| self.data.get(self.pos..end));
        let Some(chunk) = chunk else {
            return Err(Error::Truncated {
                what,
                needed: len as u64,
                available: self.data.len().saturating_sub(self.pos) as u64,
            });
        };
        self.pos += len;
        f(chunk)
    }

    fn finish(&mut self, what: &'static str) -> Result<()> {
        let mut hash = Fnv1a::default();
        hash.write(self.data.get(..self.pos).unwrap_or_default());
        let stored = u64::from_le_bytes(self.array::<CHECKSUM_LEN>("checksum")?);
        check_sum(what, stored, hash.0)
    }
}

fn check_sum(what: &'static str, stored: u64, computed: u64) -> Result<()> {
    if stored != computed {
        return Err(Error::ChecksumMismatch {
            what,
            stored,
            computed,
        });
    }
    Ok(())
}

/// A [`Read`] stream: read exactly as much as the object needs, no further, so objects can
/// follow one another. Its buffer (which may have held a secret key) is zeroized on drop.
pub(crate) struct ReadSource<R> {
    reader: R,
    buf: Vec<u8>,
    hash: Fnv1a,
}

impl<R: Read> ReadSource<R> {
    pub(crate) fn new(reader: R) -> Self {
        Self {
            reader,
            buf: Vec::new(),
            hash: Fnv1a::default(),
        }
    }

    fn fill(&mut self, len: usize, what: &'static str) -> Result<()> {
        if len > self.buf.capacity() {
            self.buf.zeroize();
            self.buf = Vec::with_capacity(len);
        }
        self.buf.clear();
        self.buf.resize(len, 0);
        let mut got = 0;
        while got < len {
            let Some(rest) = self.buf.get_mut(got..) else {
                break;
            };
            match self.reader.read(rest) {
                Ok(0) => {
                    return Err(Error::Truncated {
                        what,
                        needed: len as u64,
                        available: got as u64,
                    });
                }
                Ok(k) => got = got.saturating_add(k),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(Error::Io {
                        op: "reading",
                        message: e.to_string(),
                    });
                }
            }
        }
        if got != len {
            return Err(Error::Io {
                op: "reading",
                message: format!("the reader returned {got} bytes for a buffer of {len}"),
            });
        }
        Ok(())
    }
}

impl<R: Read> Source for ReadSource<R> {
    fn remaining(&self) -> Option<u64> {
        None
    }

    fn take<T>(
        &mut self,
        len: usize,
        what: &'static str,
        f: impl FnOnce(&[u8]) -> Result<T>,
    ) -> Result<T> {
        self.fill(len, what)?;
        self.hash.write(&self.buf);
        f(&self.buf)
    }

    fn finish(&mut self, what: &'static str) -> Result<()> {
        let computed = self.hash.0;
        self.fill(CHECKSUM_LEN, "checksum")?;
        let mut stored = [0u8; CHECKSUM_LEN];
        for (s, &b) in stored.iter_mut().zip(&self.buf) {
            *s = b;
        }
        check_sum(what, u64::from_le_bytes(stored), computed)
    }
}

impl<R> Drop for ReadSource<R> {
    fn drop(&mut self) {
        self.buf.zeroize();
    }
}

/// The value of a computation that cannot fail.
pub(crate) fn into_ok<T>(r: Result<T, Infallible>) -> T {
    match r {
        Ok(v) => v,
        Err(never) => match never {},
    }
}
