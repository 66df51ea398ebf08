//! Evaluation metrics shared by plaintext and encrypted models.

/// Bits of precision of `approx` against `exact`: `-log2(|approx - exact|)`, capped at 64 bits
/// for exact agreement.
///
/// ```
/// assert_eq!(ckks_ml::metrics::precision_bits(1.0, 1.0 + 2f64.powi(-20)), 20.0);
/// ```
pub fn precision_bits(exact: f64, approx: f64) -> f64 {
    let err = (exact - approx).abs();
    if err == 0.0 {
        64.0
    } else {
        (-err.log2()).min(64.0)
    }
}

/// The fraction of positions where the two label vectors agree; 0 for empty input.
///
/// ```
/// assert_eq!(ckks_ml::metrics::agreement(&[true, false, true, true], &[true, true, true, true]), 0.75);
/// ```
pub fn agreement(a: &[bool], b: &[bool]) -> f64 {
    let n = a.len().min(b.len());
    if n == 0 {
        return 0.0;
    }
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_of_exact_and_close_values() {
        assert_eq!(precision_bits(0.5, 0.5), 64.0);
        assert!((precision_bits(0.0, 1e-3) - 9.965_784).abs() < 1e-5);
    }

    #[test]
    fn agreement_counts() {
        assert_eq!(agreement(&[], &[]), 0.0);
        assert_eq!(agreement(&[true, false], &[false, true]), 0.0);
        assert_eq!(agreement(&[true, false], &[true, false]), 1.0);
    }
}
