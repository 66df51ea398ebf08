//! Precision in bits of decoded values against expected ones.
//!
//! The bits of precision of one value are `-log2(|got - expected|)`, with the error floored at
//! `2^-60` (so exact agreement counts as 60 bits). This is the measure the peer benchmarks use
//! for SEAL and OpenFHE (mean over the slots of the per-slot bits), so figures compare directly.

use crate::encoding::Complex64;

/// The largest number of bits reported for one value (error floored at `2^-PRECISION_CAP_BITS`).
pub const PRECISION_CAP_BITS: f64 = 60.0;

/// Summary of the precision of a vector of values.
///
/// ```
/// use ckks::precision::PrecisionStats;
/// let s = PrecisionStats::real(&[1.0, 2.0], &[1.0 + 2f64.powi(-20), 2.0 - 2f64.powi(-30)]);
/// assert_eq!(s.min_bits, 20.0);
/// assert_eq!(s.max_bits, 30.0);
/// assert_eq!(s.mean_bits, 25.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrecisionStats {
    /// Mean over the values of their bits of precision.
    pub mean_bits: f64,
    /// The worst value's bits.
    pub min_bits: f64,
    /// The best value's bits.
    pub max_bits: f64,
    /// The largest absolute error.
    pub max_abs_error: f64,
    /// The number of values compared.
    pub count: usize,
}

impl PrecisionStats {
    /// Compares real values; extra values in the longer slice are ignored.
    pub fn real(expected: &[f64], got: &[f64]) -> Self {
        Self::from_errors(expected.iter().zip(got).map(|(e, g)| (e - g).abs()))
    }

    /// Compares complex values by the modulus of the difference.
    pub fn complex(expected: &[Complex64], got: &[Complex64]) -> Self {
        Self::from_errors(expected.iter().zip(got).map(|(e, g)| (*e - *g).norm()))
    }

    fn from_errors(errors: impl Iterator<Item = f64>) -> Self {
        let floor = 2f64.powf(-PRECISION_CAP_BITS);
        let mut stats = PrecisionStats {
            mean_bits: 0.0,
            min_bits: f64::INFINITY,
            max_bits: f64::NEG_INFINITY,
            max_abs_error: 0.0,
            count: 0,
        };
        let mut sum = 0.0;
        for err in errors {
            // NaN errors count as zero bits.
            let bits = if err.is_nan() {
                0.0
            } else {
                -err.max(floor).log2()
            };
            sum += bits;
            stats.min_bits = stats.min_bits.min(bits);
            stats.max_bits = stats.max_bits.max(bits);
            stats.max_abs_error =
                stats
                    .max_abs_error
                    .max(if err.is_nan() { f64::INFINITY } else { err });
            stats.count += 1;
        }
        if stats.count > 0 {
            stats.mean_bits = sum / stats.count as f64;
        } else {
            stats.min_bits = 0.0;
            stats.max_bits = 0.0;
        }
        stats
    }
}

impl std::fmt::Display for PrecisionStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "mean {:.2} bits, min {:.2}, max {:.2}, max |error| {:.3e} over {} values",
            self.mean_bits, self.min_bits, self.max_bits, self.max_abs_error, self.count
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_values_cap_at_60_bits() {
        let s = PrecisionStats::real(&[0.5, 0.25], &[0.5, 0.25]);
        assert_eq!(
            (s.mean_bits, s.min_bits, s.max_abs_error),
            (60.0, 60.0, 0.0)
        );
    }

    #[test]
    fn nan_counts_as_zero_bits() {
        let s = PrecisionStats::real(&[1.0, 1.0], &[f64::NAN, 1.0]);
        assert_eq!(s.min_bits, 0.0);
        assert_eq!(s.mean_bits, 30.0);
        assert!(s.max_abs_error.is_infinite());
    }

    #[test]
    fn complex_uses_modulus() {
        let e = [Complex64 { re: 0.0, im: 0.0 }];
        let g = [Complex64 {
            re: 3.0 * 2f64.powi(-12),
            im: 4.0 * 2f64.powi(-12),
        }];
        // |err| = 5 * 2^-12
        let s = PrecisionStats::complex(&e, &g);
        assert!((s.mean_bits - (12.0 - 5f64.log2())).abs() < 1e-12);
    }
}
