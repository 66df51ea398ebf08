//! Evaluation metrics shared by plaintext and encrypted models.
//!
//! ```
//! use ckks_ml::metrics;
//! let scores = [0.9, 0.8, 0.3, 0.2];
//! let labels = [true, false, true, false];
//! assert_eq!(metrics::auc(&scores, &labels)?, 0.75);
//! assert_eq!(metrics::accuracy(&[1, 0, 1], &[1, 1, 1])?, 2.0 / 3.0);
//! assert_eq!(metrics::decision_agreement(&[0.6, 0.4], &[0.51, 0.52], 0.5)?, 0.5);
//! assert_eq!(metrics::max_abs_difference(&[1.0, 2.0], &[1.5, 1.75])?, 0.5);
//! # Ok::<(), ckks_ml::Error>(())
//! ```

use crate::error::{Error, Result};

fn same_length(what: &'static str, a: usize, b: usize) -> Result<()> {
    if a == b {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            what,
            expected: a,
            found: b,
        })
    }
}

fn non_empty(metric: &'static str, n: usize) -> Result<()> {
    if n == 0 {
        Err(Error::UndefinedMetric {
            metric,
            reason: "no values were given".into(),
        })
    } else {
        Ok(())
    }
}

/// The fraction of predictions equal to the truth (any comparable label type).
pub fn accuracy<T: PartialEq>(predicted: &[T], truth: &[T]) -> Result<f64> {
    same_length("predictions vs truths", truth.len(), predicted.len())?;
    non_empty("accuracy", truth.len())?;
    let hits = predicted.iter().zip(truth).filter(|(p, t)| p == t).count();
    Ok(hits as f64 / truth.len() as f64)
}

/// The area under the ROC curve of `scores` for the positive labels: the probability that a
/// random positive scores above a random negative, ties counting one half (Mann-Whitney U with
/// average ranks). Undefined unless both classes are present.
pub fn auc(scores: &[f64], labels: &[bool]) -> Result<f64> {
    same_length("scores vs labels", labels.len(), scores.len())?;
    if let Some(bad) = scores.iter().find(|s| s.is_nan()) {
        return Err(Error::UndefinedMetric {
            metric: "AUC",
            reason: format!("a score is {bad}"),
        });
    }
    let positives = labels.iter().filter(|&&l| l).count();
    let negatives = labels.len() - positives;
    if positives == 0 || negatives == 0 {
        return Err(Error::UndefinedMetric {
            metric: "AUC",
            reason: format!(
                "{positives} positive and {negatives} negative labels: both classes are needed"
            ),
        });
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Sum of the (1-based, tie-averaged) ranks of the positives.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += avg_rank * order[i..=j].iter().filter(|&&k| labels[k]).count() as f64;
        i = j + 1;
    }
    let (p, n) = (positives as f64, negatives as f64);
    Ok((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

/// The coefficient of determination `1 - SS_res / SS_tot` of predictions against truths
/// (undefined when the truths are constant).
pub fn r2(truth: &[f64], predicted: &[f64]) -> Result<f64> {
    same_length("truths vs predictions", truth.len(), predicted.len())?;
    non_empty("r2", truth.len())?;
    let mean = truth.iter().sum::<f64>() / truth.len() as f64;
    let ss_tot: f64 = truth.iter().map(|t| (t - mean) * (t - mean)).sum();
    let ss_res: f64 = truth
        .iter()
        .zip(predicted)
        .map(|(t, p)| (t - p) * (t - p))
        .sum();
    if ss_tot == 0.0 {
        return Err(Error::UndefinedMetric {
            metric: "r2",
            reason: "the truths are constant".into(),
        });
    }
    Ok(1.0 - ss_res / ss_tot)
}

/// The fraction of positions where two score vectors take the same decision
/// `score > threshold` (for example encrypted against plaintext probabilities at 0.5).
pub fn decision_agreement(a: &[f64], b: &[f64], threshold: f64) -> Result<f64> {
    same_length("score vectors", a.len(), b.len())?;
    non_empty("decision agreement", a.len())?;
    let same = a
        .iter()
        .zip(b)
        .filter(|(x, y)| (**x > threshold) == (**y > threshold))
        .count();
    Ok(same as f64 / a.len() as f64)
}

/// The largest `|a_i - b_i|` (NaN anywhere gives NaN).
pub fn max_abs_difference(a: &[f64], b: &[f64]) -> Result<f64> {
    same_length("value vectors", a.len(), b.len())?;
    non_empty("max |difference|", a.len())?;
    Ok(a.iter().zip(b).fold(0.0, |m: f64, (x, y)| {
        let d = (x - y).abs();
        if d.is_nan() || m.is_nan() {
            f64::NAN
        } else {
            m.max(d)
        }
    }))
}

/// The index of the largest value of each row (ties: the first), for multi-class scores.
pub fn argmax_rows(scores: ndarray::ArrayView2<'_, f64>) -> Vec<usize> {
    scores
        .rows()
        .into_iter()
        .map(|r| argmax(r.iter().copied()))
        .collect()
}

/// The index of the largest value (ties: the first; 0 for no values).
///
/// ```
/// assert_eq!(ckks_ml::metrics::argmax([0.1, 0.7, 0.7, -1.0]), 1);
/// ```
pub fn argmax(values: impl IntoIterator<Item = f64>) -> usize {
    values
        .into_iter()
        .enumerate()
        .fold((0, f64::NEG_INFINITY), |(bi, bv), (i, v)| {
            if v > bv { (i, v) } else { (bi, bv) }
        })
        .0
}

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
    fn auc_handles_ties_and_degenerate_inputs() {
        // Perfect, reversed, all tied.
        assert_eq!(
            auc(&[0.1, 0.2, 0.8, 0.9], &[false, false, true, true]).unwrap(),
            1.0
        );
        assert_eq!(
            auc(&[0.9, 0.8, 0.2, 0.1], &[false, false, true, true]).unwrap(),
            0.0
        );
        assert_eq!(auc(&[0.5; 4], &[false, true, false, true]).unwrap(), 0.5);
        // One tie between a positive and a negative counts one half: pairs (p, n) =
        // (0.7 > 0.2), (0.7 > 0.4), (0.4 = 0.4): (2 + 0.5) / 4 ... with 2 positives, 2 negatives.
        let a = auc(&[0.2, 0.4, 0.4, 0.7], &[false, false, true, true]).unwrap();
        assert_eq!(a, (2.0 + 1.5) / 4.0);
        assert!(auc(&[0.1, 0.2], &[true, true]).is_err());
        assert!(auc(&[0.1], &[true, false]).is_err());
        assert!(auc(&[f64::NAN, 0.2], &[true, false]).is_err());
    }

    #[test]
    fn auc_matches_pairwise_count() {
        let scores = [0.3, 0.1, 0.3, 0.9, 0.5, 0.5, 0.2, 0.3];
        let labels = [true, false, false, true, false, true, true, false];
        let mut wins = 0.0;
        let mut pairs = 0.0;
        for (i, &li) in labels.iter().enumerate() {
            for (j, &lj) in labels.iter().enumerate() {
                if li && !lj {
                    pairs += 1.0;
                    wins += if scores[i] > scores[j] {
                        1.0
                    } else if scores[i] == scores[j] {
                        0.5
                    } else {
                        0.0
                    };
                }
            }
        }
        assert!((auc(&scores, &labels).unwrap() - wins / pairs).abs() < 1e-15);
    }

    #[test]
    fn r2_accuracy_and_differences() {
        assert_eq!(r2(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]).unwrap(), 1.0);
        assert_eq!(r2(&[1.0, 2.0, 3.0], &[2.0, 2.0, 2.0]).unwrap(), 0.0);
        assert!(r2(&[1.0, 1.0], &[1.0, 2.0]).is_err());
        assert!(accuracy::<usize>(&[], &[]).is_err());
        assert!(accuracy(&[1], &[1, 2]).is_err());
        assert_eq!(
            decision_agreement(&[0.2, 0.7, 0.5], &[0.3, 0.6, 0.6], 0.5).unwrap(),
            2.0 / 3.0
        );
        assert!(
            max_abs_difference(&[1.0, f64::NAN], &[1.0, 0.0])
                .unwrap()
                .is_nan()
        );
        let s = ndarray::array![[0.1, 0.7, 0.2], [0.5, 0.5, 0.0]];
        assert_eq!(argmax_rows(s.view()), vec![1, 0]);
    }

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
