//! Encrypted and plaintext results side by side.
//!
//! Every encrypted model has a plaintext twin: the same weights and the same polynomial
//! activations, evaluated in `f64`. A report puts the two next to each other: how far the
//! encrypted outputs are from the twin's (the CKKS error alone), how often they take the same
//! decision, and the task metric (accuracy and AUC, or r2) of each against the truth.
//!
//! The reference systems "calibrated" their encrypted scores after the fact (a threshold or an
//! affine correction fitted on decrypted outputs, because `0.5 x + 0.5` is not a sigmoid). Here
//! the encrypted probability is a least-squares polynomial fit of the sigmoid on the range the
//! model's logits take ([`PolySigmoid`](crate::activation::PolySigmoid)), evaluated exactly as
//! its twin evaluates it, so no calibration step exists: the report measures the CKKS error,
//! not a correction for a wrong activation.
//!
//! ```
//! use ckks_ml::evaluation::{BinaryReport, RegressionReport};
//! let plain = [0.9, 0.2, 0.6, 0.4];
//! let encrypted = [0.9 + 1e-7, 0.2, 0.6 - 2e-7, 0.4];
//! let truth = [true, false, false, false];
//! let r = BinaryReport::new(&plain, &encrypted, 0.5, &truth)?;
//! assert_eq!(r.decision_agreement, 1.0);
//! assert!(r.max_abs_difference < 3e-7);
//! assert_eq!((r.accuracy.plain, r.accuracy.encrypted), (0.75, 0.75));
//! assert_eq!(r.auc.plain, 1.0);
//! println!("{r}");
//!
//! let y = [1.0, 2.0, 3.0];
//! let r = RegressionReport::new(&[1.1, 1.9, 3.0], &[1.1, 1.9, 3.0 + 1e-6], &y)?;
//! assert!((r.r2.plain - r.r2.encrypted).abs() < 1e-5);
//! # Ok::<(), ckks_ml::Error>(())
//! ```

use std::fmt;

use crate::error::{Error, Result};
use crate::metrics;

/// A metric for the plaintext twin and for the encrypted model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pair {
    /// The plaintext twin's value.
    pub plain: f64,
    /// The encrypted model's value.
    pub encrypted: f64,
}

impl Pair {
    fn of(plain: &[f64], encrypted: &[f64], f: impl Fn(&[f64]) -> Result<f64>) -> Result<Self> {
        Ok(Self {
            plain: f(plain)?,
            encrypted: f(encrypted)?,
        })
    }
}

/// A binary classifier's scores (probabilities or logits) side by side.
#[derive(Clone, Debug, PartialEq)]
pub struct BinaryReport {
    /// The number of samples.
    pub samples: usize,
    /// The largest `|encrypted - plain|` score difference.
    pub max_abs_difference: f64,
    /// The fraction of samples with the same decision `score > threshold`.
    pub decision_agreement: f64,
    /// Accuracy against the truth.
    pub accuracy: Pair,
    /// Area under the ROC curve against the truth.
    pub auc: Pair,
}

impl BinaryReport {
    /// Compares `encrypted` with `plain` scores, deciding positive above `threshold` (0.5 for
    /// probabilities, 0 for logits). Errors: [`Error::ShapeMismatch`] for lengths that differ,
    /// [`Error::UndefinedMetric`] for no samples or a truth with one class only.
    pub fn new(plain: &[f64], encrypted: &[f64], threshold: f64, truth: &[bool]) -> Result<Self> {
        check_lengths(plain.len(), encrypted.len(), truth.len())?;
        let decide = |s: &[f64]| -> Vec<bool> { s.iter().map(|&v| v > threshold).collect() };
        Ok(Self {
            samples: truth.len(),
            max_abs_difference: metrics::max_abs_difference(plain, encrypted)?,
            decision_agreement: metrics::decision_agreement(plain, encrypted, threshold)?,
            accuracy: Pair::of(plain, encrypted, |s| metrics::accuracy(&decide(s), truth))?,
            auc: Pair::of(plain, encrypted, |s| metrics::auc(s, truth))?,
        })
    }
}

/// Writes the table header, then one row per named pair.
fn table(f: &mut fmt::Formatter<'_>, rows: &[(&str, Pair)]) -> fmt::Result {
    writeln!(f, "  {:<22} {:>10} {:>10}", "", "plaintext", "encrypted")?;
    for (name, p) in rows {
        writeln!(f, "  {name:<22} {:>10.4} {:>10.4}", p.plain, p.encrypted)?;
    }
    Ok(())
}

impl fmt::Display for BinaryReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        table(f, &[("accuracy", self.accuracy), ("AUC", self.auc)])?;
        writeln!(
            f,
            "  decisions agree on {:.2}% of {} samples, max |score difference| {:.2e}",
            100.0 * self.decision_agreement,
            self.samples,
            self.max_abs_difference
        )
    }
}

/// A multi-class classifier's per-class scores (logits) side by side, one row per sample.
#[derive(Clone, Debug, PartialEq)]
pub struct MulticlassReport {
    /// The number of samples.
    pub samples: usize,
    /// The largest `|encrypted - plain|` over every sample and class.
    pub max_abs_difference: f64,
    /// The fraction of samples with the same arg-max class.
    pub argmax_agreement: f64,
    /// Accuracy of the arg-max class against the truth.
    pub accuracy: Pair,
}

impl MulticlassReport {
    /// Compares per-sample class scores. Errors: [`Error::ShapeMismatch`] when the numbers of
    /// samples or of classes differ, [`Error::UndefinedMetric`] for no samples.
    pub fn new(plain: &[Vec<f64>], encrypted: &[Vec<f64>], truth: &[usize]) -> Result<Self> {
        check_lengths(plain.len(), encrypted.len(), truth.len())?;
        let mut max = 0.0f64;
        for (p, e) in plain.iter().zip(encrypted) {
            max = max.max(metrics::max_abs_difference(p, e)?);
        }
        let argmax = |rows: &[Vec<f64>]| -> Vec<usize> {
            rows.iter()
                .map(|r| metrics::argmax(r.iter().copied()))
                .collect()
        };
        let (ap, ae) = (argmax(plain), argmax(encrypted));
        Ok(Self {
            samples: truth.len(),
            max_abs_difference: max,
            argmax_agreement: metrics::accuracy(&ae, &ap)?,
            accuracy: Pair {
                plain: metrics::accuracy(&ap, truth)?,
                encrypted: metrics::accuracy(&ae, truth)?,
            },
        })
    }
}

impl fmt::Display for MulticlassReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        table(f, &[("accuracy", self.accuracy)])?;
        writeln!(
            f,
            "  predicted classes agree on {:.2}% of {} samples, max |logit difference| {:.2e}",
            100.0 * self.argmax_agreement,
            self.samples,
            self.max_abs_difference
        )
    }
}

/// A regression's predictions side by side.
#[derive(Clone, Debug, PartialEq)]
pub struct RegressionReport {
    /// The number of samples.
    pub samples: usize,
    /// The largest `|encrypted - plain|` prediction difference.
    pub max_abs_difference: f64,
    /// The coefficient of determination against the truth.
    pub r2: Pair,
    /// The root-mean-square error against the truth.
    pub rmse: Pair,
}

impl RegressionReport {
    /// Compares predictions. Errors: [`Error::ShapeMismatch`] for lengths that differ,
    /// [`Error::UndefinedMetric`] for no samples or a constant truth.
    pub fn new(plain: &[f64], encrypted: &[f64], truth: &[f64]) -> Result<Self> {
        check_lengths(plain.len(), encrypted.len(), truth.len())?;
        let rmse = |s: &[f64]| -> Result<f64> {
            let sum: f64 = s.iter().zip(truth).map(|(p, t)| (p - t) * (p - t)).sum();
            Ok((sum / truth.len() as f64).sqrt())
        };
        Ok(Self {
            samples: truth.len(),
            max_abs_difference: metrics::max_abs_difference(plain, encrypted)?,
            r2: Pair::of(plain, encrypted, |s| metrics::r2(truth, s))?,
            rmse: Pair::of(plain, encrypted, rmse)?,
        })
    }
}

impl fmt::Display for RegressionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        table(f, &[("r2", self.r2), ("RMSE", self.rmse)])?;
        writeln!(
            f,
            "  {} samples, max |prediction difference| {:.2e}",
            self.samples, self.max_abs_difference
        )
    }
}

fn check_lengths(plain: usize, encrypted: usize, truth: usize) -> Result<()> {
    for (what, n) in [
        ("encrypted results vs plaintext results", encrypted),
        ("truths vs plaintext results", truth),
    ] {
        if n != plain {
            return Err(Error::ShapeMismatch {
                what,
                expected: plain,
                found: n,
            });
        }
    }
    if plain == 0 {
        return Err(Error::UndefinedMetric {
            metric: "evaluation report",
            reason: "no samples were given".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiclass_counts_disagreements_and_errors() {
        let plain = vec![vec![0.1, 0.9], vec![0.8, 0.2], vec![0.4, 0.6]];
        let enc = vec![vec![0.1, 0.9], vec![0.8, 0.2], vec![0.7, 0.6]];
        let r = MulticlassReport::new(&plain, &enc, &[1, 0, 1]).unwrap();
        assert!((r.argmax_agreement - 2.0 / 3.0).abs() < 1e-12);
        assert!((r.max_abs_difference - 0.3).abs() < 1e-12);
        assert_eq!(r.accuracy.plain, 1.0);
        assert!((r.accuracy.encrypted - 2.0 / 3.0).abs() < 1e-12);
        assert!(r.to_string().contains("66.67%"));
        assert!(MulticlassReport::new(&plain, &enc[..2], &[1, 0, 1]).is_err());
        assert!(MulticlassReport::new(&[], &[], &[]).is_err());
    }

    #[test]
    fn binary_and_regression_reports_check_their_inputs() {
        assert!(BinaryReport::new(&[0.1], &[0.1, 0.2], 0.5, &[true]).is_err());
        // One class only: AUC is undefined.
        assert!(BinaryReport::new(&[0.1, 0.7], &[0.1, 0.7], 0.5, &[true, true]).is_err());
        let r = RegressionReport::new(&[1.0, 3.0], &[1.0, 3.5], &[1.0, 3.0]).unwrap();
        assert_eq!((r.r2.plain, r.rmse.plain), (1.0, 0.0));
        assert!((r.rmse.encrypted - 0.125f64.sqrt()).abs() < 1e-12);
        assert_eq!(r.max_abs_difference, 0.5);
    }
}
