//! Switching keys in memory with the fewest whole bytes per residue.
//!
//! Key switching streams its key from memory once per use (a Galois key at `ref-b` is 14.7 MB
//! as 64-bit words, and the inner product is bound by reading it), so keys are held with
//! `ceil(bits / 8)` bytes per residue: 5 bytes for a 40-bit prime instead of 8. The vector
//! inner products widen eight residues at a time with one byte expansion; the portable path
//! reads each residue as a masked little-endian word.

#[cfg(test)]
use crate::error::Result;
use crate::math::Modulus;
use crate::ring::RnsBasis;
#[cfg(test)]
use crate::ring::{Representation, RnsPoly};
use std::sync::Arc;

use super::switching::QpPoly;

/// Bytes of padding after the last limb, so that any residue can be read as a whole `u64`.
const PADDING: usize = 8;

/// The bytes per residue modulo `q`.
pub(crate) fn width(q: &Modulus) -> usize {
    (q.bits() as usize).div_ceil(8)
}

/// A polynomial over `Q_L * P` (NTT form), each limb's residues in [`width`] bytes,
/// little-endian, limb after limb.
#[derive(Clone)]
pub(crate) struct PackedQp {
    bytes: Vec<u8>,
    /// The byte offset and width of each limb: the limbs over Q, then those over P.
    limbs: Vec<(usize, usize)>,
    q: Arc<RnsBasis>,
    p: Arc<RnsBasis>,
    q_limbs: usize,
    n: usize,
}

/// One limb of a [`PackedQp`] (or a run of it): `len` residues of `width` bytes, followed by
/// at least [`PADDING`] readable bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PackedLimb<'a> {
    bytes: &'a [u8],
    width: usize,
    len: usize,
}

impl PackedQp {
    /// Packs `poly` (residues below their primes).
    pub(crate) fn pack(poly: &QpPoly) -> Self {
        let n = poly.q.degree();
        let moduli = poly.q.moduli().iter().chain(poly.p.moduli());
        let values = poly.q.limbs().chain(poly.p.limbs());
        let limbs: Vec<(usize, usize)> = moduli
            .scan(0, |offset, q| {
                let w = width(q);
                *offset += n * w;
                Some((*offset - n * w, w))
            })
            .collect();
        let total = limbs.last().map_or(0, |&(offset, w)| offset + n * w);
        let mut bytes = vec![0u8; total + PADDING];
        for (&(offset, w), limb) in limbs.iter().zip(values) {
            // Whole little-endian words, in order: each word's high bytes are zero (x < 2^(8w))
            // and the next residue's word overwrites them; the padding takes the last one.
            for (i, &x) in limb.iter().enumerate() {
                let at = offset + i * w;
                bytes[at..at + 8].copy_from_slice(&x.to_le_bytes());
            }
        }
        Self {
            bytes,
            limbs,
            q: Arc::clone(poly.q.basis()),
            p: Arc::clone(poly.p.basis()),
            q_limbs: poly.q.limb_count(),
            n,
        }
    }

    /// The polynomial as 64-bit residues (for tests).
    #[cfg(test)]
    pub(crate) fn unpack(&self) -> Result<QpPoly> {
        let (q, p) = (&self.q, &self.p);
        let words = |range: std::ops::Range<usize>| -> Vec<u64> {
            range.flat_map(|t| self.limb(t).values()).collect()
        };
        Ok(QpPoly {
            q: RnsPoly::from_parts(q, Representation::Ntt, words(0..self.q_limbs))?,
            p: RnsPoly::from_parts(
                p,
                Representation::Ntt,
                words(self.q_limbs..self.limbs.len()),
            )?,
        })
    }

    /// The bases over Q and over P, and the number of limbs over each.
    pub(crate) fn shape(&self) -> (&Arc<RnsBasis>, usize, &Arc<RnsBasis>, usize) {
        (
            &self.q,
            self.q_limbs,
            &self.p,
            self.limbs.len() - self.q_limbs,
        )
    }

    /// The prime of limb `t`.
    pub(crate) fn modulus(&self, t: usize) -> Modulus {
        if t < self.q_limbs {
            self.q.moduli()[t]
        } else {
            self.p.moduli()[t - self.q_limbs]
        }
    }

    /// The number of limbs (over Q, then over P).
    pub(crate) fn limb_count(&self) -> usize {
        self.limbs.len()
    }

    /// Limb `t` (`t < q_limbs`: over Q; then over P).
    pub(crate) fn limb(&self, t: usize) -> PackedLimb<'_> {
        let (offset, width) = self.limbs[t];
        PackedLimb {
            bytes: &self.bytes[offset..],
            width,
            len: self.n,
        }
    }

    /// The bytes held (the memory the key occupies).
    #[cfg(test)]
    pub(crate) fn byte_len(&self) -> usize {
        self.bytes.len()
    }
}

impl<'a> PackedLimb<'a> {
    /// The number of residues.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Bytes per residue.
    pub(crate) fn width(&self) -> usize {
        self.width
    }

    /// The residues `range` (within `0..len`).
    pub(crate) fn slice(&self, range: std::ops::Range<usize>) -> PackedLimb<'a> {
        debug_assert!(range.start <= range.end && range.end <= self.len);
        PackedLimb {
            bytes: &self.bytes[range.start * self.width..],
            width: self.width,
            len: range.len(),
        }
    }

    /// The packed bytes of residues `start..start + 8`, exactly `8 * width` of them.
    pub(crate) fn eight(&self, start: usize) -> &'a [u8] {
        debug_assert!(start + 8 <= self.len);
        &self.bytes[start * self.width..(start + 8) * self.width]
    }

    /// Residue `i`.
    #[inline(always)]
    pub(crate) fn get(&self, i: usize) -> u64 {
        debug_assert!(i < self.len);
        let at = i * self.width;
        let mut word = [0u8; 8];
        word.copy_from_slice(&self.bytes[at..at + 8]);
        let mask = u64::MAX >> (64 - 8 * self.width as u32);
        u64::from_le_bytes(word) & mask
    }

    /// Every residue, in order.
    pub(crate) fn values(self) -> impl Iterator<Item = u64> + 'a {
        (0..self.len).map(move |i| self.get(i))
    }
}

/// `values` packed in `width` bytes each with the padding of a [`PackedQp`] (for tests).
#[cfg(test)]
pub(crate) fn pack_values(values: &[u64], width: usize) -> Vec<u8> {
    let mut bytes: Vec<u8> = values
        .iter()
        .flat_map(|x| x.to_le_bytes()[..width].to_vec())
        .collect();
    bytes.resize(bytes.len() + PADDING, 0);
    bytes
}

/// A limb over bytes from [`pack_values`] (for tests).
#[cfg(test)]
pub(crate) fn limb_of_bytes(bytes: &[u8], width: usize) -> PackedLimb<'_> {
    PackedLimb {
        bytes,
        width,
        len: (bytes.len() - PADDING) / width,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Context;
    use crate::params::Preset;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    /// Packing keeps every residue (the largest too) in 5 bytes for a 40-bit prime and 8 for
    /// a 60-bit one; unpacking restores the polynomial exactly.
    #[test]
    fn pack_round_trip() {
        let ctx = Context::new(Preset::RefA.literal().build().unwrap()).unwrap();
        let mut rng = ChaCha20Rng::from_seed([4; 32]);
        let (qb, pb) = (ctx.q_basis(), ctx.p_basis());
        let mut poly = QpPoly {
            q: RnsPoly::uniform(qb, qb.len(), Representation::Ntt, &mut rng).unwrap(),
            p: RnsPoly::uniform(pb, pb.len(), Representation::Ntt, &mut rng).unwrap(),
        };
        let top = qb.moduli()[1].value() - 1;
        poly.q.limb_mut(1).unwrap()[7] = top;
        let packed = PackedQp::pack(&poly);
        assert_eq!(packed.limb(1).get(7), top);
        assert_eq!(packed.limb(1).width(), 5, "a 40-bit prime takes 5 bytes");
        assert_eq!(packed.limb(0).width(), 8, "a 60-bit prime takes 8 bytes");
        let n = ctx.n();
        assert_eq!(packed.byte_len(), n * (8 + 5 + 5 + 8) + PADDING);
        let back = packed.unpack().unwrap();
        assert_eq!((&back.q, &back.p), (&poly.q, &poly.p));
        let part = packed.limb(2).slice(16..24);
        assert_eq!(part.len(), 8);
        assert!(
            part.values()
                .eq(poly.q.limb(2).unwrap()[16..24].iter().copied())
        );
    }
}
