//! Bit packing: residues modulo `q` at `ceil(log2 q)` bits each, and ternary coefficients at
//! two bits each. Bits are taken least significant first, in little-endian byte order; a packed
//! limb ends on a byte boundary, its padding bits zero.

/// The number of bits a residue modulo `q` takes: the bit length of `q - 1`'s upper bound,
/// `ceil(log2 q)` for a `q` that is not a power of two (every prime but 2).
pub(crate) fn residue_bits(q: u64) -> u32 {
    u64::BITS - q.leading_zeros()
}

/// The bytes of `n` values packed at `bits` bits each.
pub(crate) fn packed_len(n: usize, bits: u32) -> usize {
    n.saturating_mul(bits as usize).div_ceil(8)
}

/// Appends `values` (each below `2^bits`, `1 <= bits <= 64`) packed at `bits` bits each.
pub(crate) fn pack(values: &[u64], bits: u32, out: &mut Vec<u8>) {
    let mask = mask(bits);
    out.reserve(packed_len(values.len(), bits));
    let mut acc: u128 = 0;
    let mut filled = 0u32;
    for &v in values {
        acc |= u128::from(v & mask) << filled;
        filled += bits;
        if filled >= 64 {
            out.extend_from_slice(&(acc as u64).to_le_bytes());
            acc >>= 64;
            filled -= 64;
        }
    }
    let tail = filled.div_ceil(8) as usize;
    out.extend((acc as u64).to_le_bytes().iter().take(tail));
}

fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

/// Why a packed limb was rejected.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum UnpackError {
    /// The value at `index` is not below the modulus.
    OutOfRange {
        /// Its position.
        index: usize,
        /// The value.
        value: u64,
    },
    /// The input is shorter than `out.len()` values.
    Short,
    /// Padding bits or bytes after the last value are not zero.
    NonZeroPadding,
}

/// Unpacks `out.len()` values of `bits` bits each (`1 <= bits <= 64`) from `bytes`, checking
/// that each is below `q` and that everything after the last value is zero.
pub(crate) fn unpack(bytes: &[u8], bits: u32, q: u64, out: &mut [u64]) -> Result<(), UnpackError> {
    let mask = mask(bits);
    let (words, tail) = bytes.as_chunks::<8>();
    let mut words = words.iter();
    let mut tail = tail.iter();
    let mut acc: u128 = 0;
    let mut filled = 0u32;
    for (index, x) in out.iter_mut().enumerate() {
        if filled < bits {
            if let Some(w) = words.next() {
                acc |= u128::from(u64::from_le_bytes(*w)) << filled;
                filled += 64;
            } else {
                while filled < bits {
                    let Some(&b) = tail.next() else {
                        return Err(UnpackError::Short);
                    };
                    acc |= u128::from(b) << filled;
                    filled += 8;
                }
            }
        }
        let value = (acc as u64) & mask;
        acc >>= bits;
        filled -= bits;
        if value >= q {
            return Err(UnpackError::OutOfRange { index, value });
        }
        *x = value;
    }
    if acc != 0 || words.any(|w| *w != [0; 8]) || tail.any(|&b| b != 0) {
        return Err(UnpackError::NonZeroPadding);
    }
    Ok(())
}

/// Appends ternary values (in `{-1, 0, 1}`) at two bits each, four per byte, the first in the
/// low bits: `00` is 0, `01` is 1, `11` is -1. Branch-free (the values are a secret key).
pub(crate) fn pack_ternary(values: &[i8], out: &mut Vec<u8>) {
    out.reserve(values.len().div_ceil(4));
    for group in values.chunks(4) {
        let mut byte = 0u8;
        for (j, &v) in group.iter().enumerate() {
            byte |= ((v as u8) & 3) << (2 * j);
        }
        out.push(byte);
    }
}

/// Unpacks `out.len()` ternary values from `bytes` (at least `out.len() / 4` rounded up).
/// Branch-free in the values; returns false if some code is `10` (no value) or the input is
/// short. `out` is filled even when the input is invalid (the caller zeroizes it).
pub(crate) fn unpack_ternary(bytes: &[u8], out: &mut [i8]) -> bool {
    let mut bad = 0u8;
    let mut groups = 0usize;
    for (group, &byte) in out.chunks_mut(4).zip(bytes) {
        for (j, v) in group.iter_mut().enumerate() {
            let code = (byte >> (2 * j)) & 3;
            // Sign-extend the two bits: 00 -> 0, 01 -> 1, 11 -> -1, 10 -> -2 (invalid).
            *v = ((code << 6) as i8) >> 6;
            bad |= (code >> 1) & !code & 1;
        }
        // Unused codes of a last partial group must be zero.
        if group.len() < 4 {
            bad |= byte >> (2 * group.len());
        }
        groups += 1;
    }
    bad == 0 && groups == out.len().div_ceil(4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bits_of_moduli() {
        assert_eq!(residue_bits(3), 2);
        assert_eq!(residue_bits(17), 5);
        assert_eq!(residue_bits(65537), 17);
        assert_eq!(residue_bits(1152921504606748673), 60);
        assert_eq!(residue_bits(1099510890497), 40);
        assert_eq!(packed_len(8192, 60), 61440);
        assert_eq!(packed_len(4, 5), 3);
    }

    #[test]
    fn unpack_rejects() {
        let q = 17;
        let mut out = vec![0u64; 4];
        let mut bytes = Vec::new();
        pack(&[1, 2, 16, 0], 5, &mut bytes);
        assert_eq!(unpack(&bytes, 5, q, &mut out), Ok(()));
        assert_eq!(out, [1, 2, 16, 0]);
        // A value equal to q.
        let mut bad = Vec::new();
        pack(&[1, 17, 0, 0], 5, &mut bad);
        assert_eq!(
            unpack(&bad, 5, q, &mut out),
            Err(UnpackError::OutOfRange {
                index: 1,
                value: 17
            })
        );
        // 20 bits in 3 bytes: the top 4 bits are padding.
        let mut padded = bytes.clone();
        padded[2] |= 0x80;
        assert_eq!(
            unpack(&padded, 5, q, &mut out),
            Err(UnpackError::NonZeroPadding)
        );
        assert_eq!(unpack(&bytes[..2], 5, q, &mut out), Err(UnpackError::Short));
        let mut longer = bytes.clone();
        longer.push(1);
        assert_eq!(
            unpack(&longer, 5, q, &mut out),
            Err(UnpackError::NonZeroPadding)
        );
    }

    #[test]
    fn ternary_codes() {
        let mut bytes = Vec::new();
        pack_ternary(&[0, 1, -1, 0, 1], &mut bytes);
        assert_eq!(bytes, [0b00_11_01_00, 0b01]);
        let mut out = [9i8; 5];
        assert!(unpack_ternary(&bytes, &mut out));
        assert_eq!(out, [0, 1, -1, 0, 1]);
        // 10 is no value.
        assert!(!unpack_ternary(&[0b10, 0], &mut out));
        // Unused codes of the last byte must be zero.
        assert!(!unpack_ternary(&[bytes[0], 0b0101], &mut out));
        // Short input.
        assert!(!unpack_ternary(&bytes[..1], &mut out));
    }

    proptest! {
        #[test]
        fn pack_round_trip(bits in 1u32..=64, len in 0usize..70, seed in any::<u64>()) {
            let q = if bits == 64 { u64::MAX } else { (1u64 << bits) - 1 }.max(1);
            let mut x = seed | 1;
            let values: Vec<u64> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x % q
                })
                .collect();
            let mut bytes = Vec::new();
            pack(&values, bits, &mut bytes);
            prop_assert_eq!(bytes.len(), packed_len(len, bits));
            let mut out = vec![0u64; len];
            prop_assert_eq!(unpack(&bytes, bits, q, &mut out), Ok(()));
            prop_assert_eq!(out, values);
        }

        #[test]
        fn ternary_round_trip(values in proptest::collection::vec(-1i8..=1, 0..40)) {
            let mut bytes = Vec::new();
            pack_ternary(&values, &mut bytes);
            prop_assert_eq!(bytes.len(), values.len().div_ceil(4));
            let mut out = vec![0i8; values.len()];
            prop_assert!(unpack_ternary(&bytes, &mut out));
            prop_assert_eq!(out, values);
        }
    }
}
