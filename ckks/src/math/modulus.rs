//! Arithmetic modulo a word-sized modulus: Barrett and Shoup multiplication, lazy forms.
//!
//! Every conditional correction is a branch-free select ([`select_unpredictable`]): on
//! ciphertext data the conditions are coin flips, so branches would mispredict half the time,
//! and on secret data a branch would leak timing. The operations are constant-time in their
//! operands (`pow` and `inv` excepted: their loops depend on the exponent and the values).
//!
//! Conventions for the lazy forms: a function whose name ends in `_lazy` returns a value in a
//! wider range than `[0, q)`; the range is stated in its documentation and checked with
//! `debug_assert!`. Every modulus is below 2^61, so values up to `8q` fit in a `u64` and
//! products of two reduced values leave headroom in a `u128` for lazy sums.

use std::hint::select_unpredictable;

use crate::error::{Error, Result};

/// The largest supported modulus bit size: every modulus is below `2^MAX_MODULUS_BITS`.
pub const MAX_MODULUS_BITS: u32 = 61;

/// A modulus `q` in `[2, 2^61)` with the constants for Barrett reduction.
///
/// ```
/// use ckks::math::Modulus;
/// let q = Modulus::new(1_152_921_504_606_584_833)?;
/// assert_eq!(q.mul(q.value() - 1, q.value() - 1), 1); // (-1)^2 = 1
/// # Ok::<(), ckks::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Modulus {
    value: u64,
    /// floor(2^128 / q) as (low word, high word).
    ratio: (u64, u64),
}

/// A multiplicand `w` with its Shoup precomputation `floor(w * 2^64 / q)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShoupOperand {
    /// The operand, in `[0, q)`.
    pub value: u64,
    /// `floor(value * 2^64 / q)`.
    pub quotient: u64,
}

#[inline(always)]
fn mul_hi(a: u64, b: u64) -> u64 {
    ((a as u128 * b as u128) >> 64) as u64
}

impl Modulus {
    /// Creates a modulus; `value` must lie in `[2, 2^61)`.
    pub fn new(value: u64) -> Result<Self> {
        if !(2..(1u64 << MAX_MODULUS_BITS)).contains(&value) {
            return Err(Error::InvalidModulus {
                value,
                max_bits: MAX_MODULUS_BITS,
            });
        }
        // floor(2^128 / q) = floor((2^128 - 1) / q) because q > 1 does not divide 2^128 unless
        // it is a power of two, and for a power of two the two floors still agree (q >= 2).
        let ratio = u128::MAX / value as u128;
        let ratio = if value.is_power_of_two() {
            ratio + 1
        } else {
            ratio
        };
        Ok(Self {
            value,
            ratio: (ratio as u64, (ratio >> 64) as u64),
        })
    }

    /// The modulus `q`.
    #[inline(always)]
    pub const fn value(&self) -> u64 {
        self.value
    }

    /// The number of bits of `q`, `ceil(log2(q + 1))`.
    #[inline]
    pub const fn bits(&self) -> u32 {
        64 - self.value.leading_zeros()
    }

    /// `a + b mod q` for `a, b < q`.
    #[inline(always)]
    pub fn add(&self, a: u64, b: u64) -> u64 {
        debug_assert!(a < self.value && b < self.value, "add: inputs must be < q");
        let s = a + b;
        select_unpredictable(s >= self.value, s.wrapping_sub(self.value), s)
    }

    /// `a - b mod q` for `a, b < q`.
    #[inline(always)]
    pub fn sub(&self, a: u64, b: u64) -> u64 {
        debug_assert!(a < self.value && b < self.value, "sub: inputs must be < q");
        let d = a.wrapping_sub(b);
        select_unpredictable(a >= b, d, d.wrapping_add(self.value))
    }

    /// `-a mod q` for `a < q`.
    #[inline(always)]
    pub fn neg(&self, a: u64) -> u64 {
        debug_assert!(a < self.value, "neg: input must be < q");
        select_unpredictable(a == 0, 0, self.value - a)
    }

    /// `a mod q` for any `a`.
    #[inline(always)]
    pub fn reduce(&self, a: u64) -> u64 {
        // One Barrett step with the high word of the ratio: floor(a * ratio_hi / 2^64) is at most
        // one below floor(a / q) for a < 2^64 (the low ratio word contributes less than 1).
        let quotient = mul_hi(a, self.ratio.1);
        let r = a.wrapping_sub(quotient.wrapping_mul(self.value));
        self.reduce_2q(r)
    }

    /// `x mod q` for `x < q * 2^64` (Barrett reduction with the 128-bit ratio).
    ///
    /// Products of two values below `q`, and sums of up to `2^64 / q` such products, satisfy the
    /// precondition.
    #[inline(always)]
    pub fn reduce_u128(&self, x: u128) -> u64 {
        debug_assert!(
            (x >> 64) < self.value as u128,
            "reduce_u128: input must be < q * 2^64"
        );
        let x_lo = x as u64;
        let x_hi = (x >> 64) as u64;
        let (r0, r1) = self.ratio;
        // High 128 bits of the 256-bit product x * ratio, computed exactly except for the part
        // above 2^192, which is zero under the precondition.
        let carry = mul_hi(x_lo, r0);
        let tmp1 = x_lo as u128 * r1 as u128 + carry as u128;
        let tmp2 = x_hi as u128 * r0 as u128 + (tmp1 as u64) as u128;
        let quotient = x_hi
            .wrapping_mul(r1)
            .wrapping_add((tmp1 >> 64) as u64)
            .wrapping_add((tmp2 >> 64) as u64);
        // The estimate is at most one below floor(x / q): one conditional subtraction.
        let r = x_lo.wrapping_sub(quotient.wrapping_mul(self.value));
        self.reduce_2q(r)
    }

    /// `a * b mod q` for `a, b < q` (Barrett).
    #[inline(always)]
    pub fn mul(&self, a: u64, b: u64) -> u64 {
        debug_assert!(a < self.value && b < self.value, "mul: inputs must be < q");
        self.reduce_u128(a as u128 * b as u128)
    }

    /// `a * b + c mod q` for `a, b, c < q`.
    #[inline(always)]
    pub fn mul_add(&self, a: u64, b: u64, c: u64) -> u64 {
        debug_assert!(
            a < self.value && b < self.value && c < self.value,
            "mul_add: inputs must be < q"
        );
        self.reduce_u128(a as u128 * b as u128 + c as u128)
    }

    /// Precomputes `w` (which must be `< q`) for Shoup multiplication.
    #[inline]
    pub fn shoup(&self, w: u64) -> ShoupOperand {
        debug_assert!(w < self.value, "shoup: operand must be < q");
        ShoupOperand {
            value: w,
            quotient: (((w as u128) << 64) / self.value as u128) as u64,
        }
    }

    /// `x * w mod q` in `[0, 2q)`, for any `x < 2^64` (Shoup's lazy multiplication).
    #[inline(always)]
    pub fn mul_shoup_lazy(&self, x: u64, w: ShoupOperand) -> u64 {
        let quotient = mul_hi(x, w.quotient);
        let r = x
            .wrapping_mul(w.value)
            .wrapping_sub(quotient.wrapping_mul(self.value));
        debug_assert!(r < 2 * self.value, "mul_shoup_lazy: result must be < 2q");
        r
    }

    /// `x * w mod q` in `[0, q)`, for any `x < 2^64`.
    #[inline(always)]
    pub fn mul_shoup(&self, x: u64, w: ShoupOperand) -> u64 {
        self.reduce_2q(self.mul_shoup_lazy(x, w))
    }

    /// Maps `x < 2q` to `[0, q)`.
    #[inline(always)]
    pub fn reduce_2q(&self, x: u64) -> u64 {
        debug_assert!(x < 2 * self.value, "reduce_2q: input must be < 2q");
        select_unpredictable(x >= self.value, x.wrapping_sub(self.value), x)
    }

    /// Maps `x < 4q` to `[0, q)`.
    #[inline(always)]
    pub fn reduce_4q(&self, x: u64) -> u64 {
        debug_assert!(x < 4 * self.value, "reduce_4q: input must be < 4q");
        let two_q = 2 * self.value;
        let x = select_unpredictable(x >= two_q, x.wrapping_sub(two_q), x);
        self.reduce_2q(x)
    }

    /// `a^e mod q` for `a < q` (square and multiply).
    pub fn pow(&self, a: u64, mut e: u64) -> u64 {
        debug_assert!(a < self.value, "pow: base must be < q");
        let mut base = a;
        let mut acc = 1 % self.value;
        while e > 0 {
            if e & 1 == 1 {
                acc = self.mul(acc, base);
            }
            base = self.mul(base, base);
            e >>= 1;
        }
        acc
    }

    /// The inverse of `a` modulo `q` (extended Euclid; `q` need not be prime).
    pub fn inv(&self, a: u64) -> Result<u64> {
        let a_red = self.reduce(a);
        let (mut r0, mut r1) = (self.value as i128, a_red as i128);
        let (mut t0, mut t1) = (0i128, 1i128);
        while r1 != 0 {
            let quotient = r0 / r1;
            (r0, r1) = (r1, r0 - quotient * r1);
            (t0, t1) = (t1, t0 - quotient * t1);
        }
        if r0 != 1 {
            return Err(Error::NotInvertible {
                value: a,
                modulus: self.value,
            });
        }
        Ok(t0.rem_euclid(self.value as i128) as u64)
    }

    /// Maps a signed integer to `[0, q)`.
    #[inline(always)]
    pub fn from_i64(&self, a: i64) -> u64 {
        let r = self.reduce(a.unsigned_abs());
        select_unpredictable(a < 0, self.neg(r), r)
    }

    /// The centered representative of `a < q`, in `(-q/2, q/2]`.
    #[inline(always)]
    pub fn centered(&self, a: u64) -> i64 {
        debug_assert!(a < self.value, "centered: input must be < q");
        select_unpredictable(
            a > self.value / 2,
            (a as i64).wrapping_sub(self.value as i64),
            a as i64,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const Q60: u64 = 1_152_921_504_606_584_833;

    fn moduli() -> impl Strategy<Value = Modulus> {
        (2u64..(1 << 61)).prop_map(|v| Modulus::new(v).unwrap())
    }

    #[test]
    fn rejects_out_of_range() {
        assert!(Modulus::new(0).is_err());
        assert!(Modulus::new(1).is_err());
        assert!(Modulus::new(1 << 61).is_err());
        assert!(Modulus::new((1 << 61) - 1).is_ok());
    }

    #[test]
    fn small_and_power_of_two_moduli() {
        for v in [2u64, 3, 4, 1 << 40, (1 << 40) + 1] {
            let q = Modulus::new(v).unwrap();
            for a in [0u64, 1, v - 1, u64::MAX, 1 << 63] {
                assert_eq!(q.reduce(a), a % v, "reduce {a} mod {v}");
            }
            assert_eq!(
                q.reduce_u128((v as u128 - 1) << 64),
                (((v as u128 - 1) << 64) % v as u128) as u64
            );
        }
    }

    proptest! {
        #[test]
        fn barrett_matches_u128(q in moduli(), a: u64, b: u64, hi: u64) {
            let (a, b) = (a % q.value(), b % q.value());
            prop_assert_eq!(q.mul(a, b), ((a as u128 * b as u128) % q.value() as u128) as u64);
            let x = ((hi % q.value()) as u128) << 64 | a as u128;
            prop_assert_eq!(q.reduce_u128(x), (x % q.value() as u128) as u64);
        }

        #[test]
        fn reduce_matches_rem(q in moduli(), a: u64) {
            prop_assert_eq!(q.reduce(a), a % q.value());
        }

        #[test]
        fn add_sub_neg(q in moduli(), a: u64, b: u64) {
            let (a, b) = (a % q.value(), b % q.value());
            let m = q.value() as u128;
            prop_assert_eq!(q.add(a, b) as u128, (a as u128 + b as u128) % m);
            prop_assert_eq!(q.sub(a, b) as u128, (a as u128 + m - b as u128) % m);
            prop_assert_eq!(q.add(q.neg(a), a), 0);
        }

        #[test]
        fn shoup_matches_barrett(q in moduli(), x: u64, w: u64) {
            let w = w % q.value();
            let op = q.shoup(w);
            let lazy = q.mul_shoup_lazy(x, op);
            prop_assert!(lazy < 2 * q.value());
            prop_assert_eq!(q.mul_shoup(x, op), q.mul(q.reduce(x), w));
        }

        #[test]
        fn inverse_and_pow(a in 1u64..Q60) {
            let q = Modulus::new(Q60).unwrap();
            let inv = q.inv(a).unwrap();
            prop_assert_eq!(q.mul(a, inv), 1);
            prop_assert_eq!(q.pow(a, Q60 - 2), inv); // Fermat
        }

        #[test]
        fn signed_round_trip(q in moduli(), a: i64) {
            let a = a % (q.value() / 2) as i64;
            prop_assert_eq!(q.centered(q.from_i64(a)), a);
        }
    }

    #[test]
    fn non_invertible() {
        let q = Modulus::new(15).unwrap();
        assert_eq!(
            q.inv(5),
            Err(Error::NotInvertible {
                value: 5,
                modulus: 15
            })
        );
        assert_eq!(q.inv(2).unwrap(), 8);
    }
}
