//! A minimal double-precision complex number.

use std::f64::consts::TAU;
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

/// A complex number `re + i * im` in double precision: the value held by one CKKS slot.
///
/// A plain `Copy` pair with the arithmetic the encoder needs; products use the schoolbook
/// formula (no fused multiply-add), so results are reproducible on every target.
///
/// ```
/// use ckks::Complex64;
/// let z = Complex64::new(1.0, 2.0);
/// assert_eq!(z * z.conj(), Complex64::from(5.0)); // |z|^2
/// assert_eq!(z * Complex64::I, Complex64::new(-2.0, 1.0));
/// let w = Complex64::cis(std::f64::consts::FRAC_PI_2); // exp(i * pi / 2)
/// assert!((w - Complex64::I).norm() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Complex64 {
    /// The real part.
    pub re: f64,
    /// The imaginary part.
    pub im: f64,
}

impl Complex64 {
    /// `0`.
    pub const ZERO: Self = Self::new(0.0, 0.0);
    /// `1`.
    pub const ONE: Self = Self::new(1.0, 0.0);
    /// The imaginary unit `i`.
    pub const I: Self = Self::new(0.0, 1.0);

    /// `re + i * im`.
    #[inline(always)]
    pub const fn new(re: f64, im: f64) -> Self {
        Self { re, im }
    }

    /// `r * exp(i * theta)`.
    #[inline]
    pub fn from_polar(r: f64, theta: f64) -> Self {
        let (s, c) = theta.sin_cos();
        Self::new(r * c, r * s)
    }

    /// `exp(i * theta) = cos(theta) + i * sin(theta)`.
    #[inline]
    pub fn cis(theta: f64) -> Self {
        Self::from_polar(1.0, theta)
    }

    /// The root of unity `exp(2 * pi * i * k / order)`, as accurate as the platform's `sin`
    /// and `cos`: the angle is first reduced to `[0, pi/4]` by the symmetries of the circle, so
    /// `k / order` in `{0, 1/4, 1/2, 3/4}` gives exactly `1, i, -1, -i` and the conjugate of
    /// a root is computed bit-for-bit as the negated imaginary part.
    ///
    /// `order` must be a power of two (the only orders the encoder uses); for any other order
    /// the result is computed directly from the angle without the symmetry reduction.
    ///
    /// ```
    /// use ckks::Complex64;
    /// assert_eq!(Complex64::root_of_unity(3, 4), Complex64::new(0.0, -1.0));
    /// let w = Complex64::root_of_unity(5, 16);
    /// assert_eq!(w.conj(), Complex64::root_of_unity(11, 16));
    /// ```
    pub fn root_of_unity(k: u64, order: u64) -> Self {
        if order == 0 {
            return Self::ONE;
        }
        if !order.is_power_of_two() {
            let k = k % order;
            return Self::cis(TAU * (k as f64 / order as f64));
        }
        // Express the angle in units of 2*pi / order with order >= 8, so it splits into an
        // octant and an offset inside the octant.
        let (k, order) = if order < 8 {
            ((k % order) * (8 / order), 8)
        } else {
            (k % order, order)
        };
        let eighth = order / 8;
        let octant = k / eighth;
        let r = k % eighth;
        if r == 0 {
            // Multiples of pi/4: exact, and sin(pi/4) = cos(pi/4) bit for bit.
            let h = std::f64::consts::FRAC_1_SQRT_2;
            let (re, im) = match octant {
                0 => (1.0, 0.0),
                1 => (h, h),
                2 => (0.0, 1.0),
                3 => (-h, h),
                4 => (-1.0, 0.0),
                5 => (-h, -h),
                6 => (0.0, -1.0),
                _ => (h, -h),
            };
            return Self::new(re, im);
        }
        // cos and sin of 2*pi*t/order for 0 < t < order/8, i.e. angles in (0, pi/4).
        let cs = |t: u64| {
            let (s, c) = (TAU * (t as f64 / order as f64)).sin_cos();
            (c, s)
        };
        let (re, im) = if octant.is_multiple_of(2) {
            let (c, s) = cs(r);
            match octant {
                0 => (c, s),
                2 => (-s, c),
                4 => (-c, -s),
                _ => (s, -c),
            }
        } else {
            // Odd octants reflect: the angle is a multiple of pi/2 plus or minus
            // (pi/4 - offset), so the offset from the far end of the octant is used.
            let (c, s) = cs(eighth - r);
            match octant {
                1 => (s, c),
                3 => (-c, s),
                5 => (-s, -c),
                _ => (c, -s),
            }
        };
        Self::new(re, im)
    }

    /// The complex conjugate `re - i * im`.
    #[inline(always)]
    #[must_use]
    pub fn conj(self) -> Self {
        Self::new(self.re, -self.im)
    }

    /// The modulus `|z|` (computed with `hypot`, so it neither overflows nor underflows
    /// needlessly).
    #[inline]
    pub fn norm(self) -> f64 {
        self.re.hypot(self.im)
    }

    /// The squared modulus `re^2 + im^2`.
    #[inline(always)]
    pub fn norm_sqr(self) -> f64 {
        self.re * self.re + self.im * self.im
    }

    /// The argument in `(-pi, pi]`.
    #[inline]
    pub fn arg(self) -> f64 {
        self.im.atan2(self.re)
    }

    /// `self * s` for a real `s`.
    #[inline(always)]
    #[must_use]
    pub fn scale(self, s: f64) -> Self {
        Self::new(self.re * s, self.im * s)
    }

    /// Whether both parts are finite.
    #[inline]
    pub fn is_finite(self) -> bool {
        self.re.is_finite() && self.im.is_finite()
    }
}

impl From<f64> for Complex64 {
    /// The real number `re + 0i`.
    #[inline(always)]
    fn from(re: f64) -> Self {
        Self::new(re, 0.0)
    }
}

impl From<(f64, f64)> for Complex64 {
    /// `(re, im)` as `re + i * im`.
    #[inline(always)]
    fn from((re, im): (f64, f64)) -> Self {
        Self::new(re, im)
    }
}

impl fmt::Display for Complex64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.im.is_sign_negative() {
            write!(f, "{}-{}i", self.re, -self.im)
        } else {
            write!(f, "{}+{}i", self.re, self.im)
        }
    }
}

impl Add for Complex64 {
    type Output = Self;
    #[inline(always)]
    fn add(self, rhs: Self) -> Self {
        Self::new(self.re + rhs.re, self.im + rhs.im)
    }
}

impl Sub for Complex64 {
    type Output = Self;
    #[inline(always)]
    fn sub(self, rhs: Self) -> Self {
        Self::new(self.re - rhs.re, self.im - rhs.im)
    }
}

impl Mul for Complex64 {
    type Output = Self;
    #[inline(always)]
    fn mul(self, rhs: Self) -> Self {
        Self::new(
            self.re * rhs.re - self.im * rhs.im,
            self.re * rhs.im + self.im * rhs.re,
        )
    }
}

impl Mul<f64> for Complex64 {
    type Output = Self;
    #[inline(always)]
    fn mul(self, rhs: f64) -> Self {
        self.scale(rhs)
    }
}

impl Div<f64> for Complex64 {
    type Output = Self;
    #[inline(always)]
    fn div(self, rhs: f64) -> Self {
        Self::new(self.re / rhs, self.im / rhs)
    }
}

impl Neg for Complex64 {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        Self::new(-self.re, -self.im)
    }
}

impl AddAssign for Complex64 {
    #[inline(always)]
    fn add_assign(&mut self, rhs: Self) {
        *self = *self + rhs;
    }
}

impl SubAssign for Complex64 {
    #[inline(always)]
    fn sub_assign(&mut self, rhs: Self) {
        *self = *self - rhs;
    }
}

impl MulAssign for Complex64 {
    #[inline(always)]
    fn mul_assign(&mut self, rhs: Self) {
        *self = *self * rhs;
    }
}

impl MulAssign<f64> for Complex64 {
    #[inline(always)]
    fn mul_assign(&mut self, rhs: f64) {
        *self = self.scale(rhs);
    }
}

impl Sum for Complex64 {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::ZERO, Add::add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic() {
        let a = Complex64::new(1.5, -2.0);
        let b = Complex64::new(-0.5, 4.0);
        assert_eq!(a + b, Complex64::new(1.0, 2.0));
        assert_eq!(a - b, Complex64::new(2.0, -6.0));
        assert_eq!(a * b, Complex64::new(-0.75 + 8.0, 6.0 + 1.0));
        assert_eq!(-a, Complex64::new(-1.5, 2.0));
        assert_eq!(a * 2.0, Complex64::new(3.0, -4.0));
        assert_eq!(a / 2.0, Complex64::new(0.75, -1.0));
        assert_eq!(Complex64::new(3.0, 4.0).norm(), 5.0);
        assert_eq!(Complex64::new(3.0, 4.0).norm_sqr(), 25.0);
        let mut c = a;
        c += b;
        c -= b;
        c *= Complex64::ONE;
        c *= 1.0;
        assert_eq!(c, a);
        assert_eq!([a, b].into_iter().sum::<Complex64>(), a + b);
        assert_eq!(Complex64::from((1.0, 2.0)), Complex64::new(1.0, 2.0));
        assert_eq!(format!("{a}"), "1.5-2i");
        assert_eq!(format!("{b}"), "-0.5+4i");
    }

    #[test]
    fn roots_of_unity() {
        for order in [1u64, 2, 4, 8, 16, 1 << 10, 1 << 18] {
            for k in 0..order.min(4096) {
                let k = k * (order / order.min(4096));
                let w = Complex64::root_of_unity(k, order);
                // The direct formula loses accuracy for large angles; ours reduces them first.
                let direct = Complex64::cis(TAU * k as f64 / order as f64);
                assert!((w - direct).norm() < 2e-15, "k={k} order={order}");
                assert!((w.norm() - 1.0).abs() < 3e-16);
                // Exact symmetry: the conjugate is the root of the opposite index.
                assert_eq!(w.conj(), Complex64::root_of_unity(order - k, order));
            }
        }
        assert_eq!(Complex64::root_of_unity(0, 8), Complex64::ONE);
        assert_eq!(Complex64::root_of_unity(2, 8), Complex64::I);
        assert_eq!(Complex64::root_of_unity(4, 8), -Complex64::ONE);
        assert_eq!(
            Complex64::root_of_unity(9, 8),
            Complex64::root_of_unity(1, 8)
        );
        assert!((Complex64::root_of_unity(1, 3) - Complex64::cis(TAU / 3.0)).norm() < 1e-15);
        let p = Complex64::from_polar(2.0, 1.0);
        assert!((p.norm() - 2.0).abs() < 1e-15 && (p.arg() - 1.0).abs() < 1e-15);
    }
}
