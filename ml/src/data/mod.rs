//! Data sets: delimited-file loading with an explicit missing-value policy, standardization
//! and imputation fitted on a training split, stratified and shuffled splits, k-fold.
//!
//! ```
//! use ckks_ml::data::{sets, split, Standardizer, MissingPolicy};
//!
//! let heart = sets::heart_cleveland(MissingPolicy::DropRow)?;      // 297 complete rows
//! assert_eq!((heart.n_samples(), heart.n_features()), (297, 13));
//! let labels = heart.class_labels()?;                                 // 0 = no disease, 1 = disease
//! let s = split::stratified(&labels, 0.2, 42)?;                       // seeded, deterministic
//! let (train, test) = (heart.subset(&s.train), heart.subset(&s.test));
//! let std = Standardizer::fit(train.x.view())?;                       // training rows only
//! let x_test = std.transform(test.x.view())?;
//! assert_eq!(x_test.ncols(), 13);
//! # Ok::<(), ckks_ml::Error>(())
//! ```

mod csv;
mod preprocess;
pub mod sets;
pub mod split;

pub use csv::{CsvOptions, Delimiter, Header, MissingPolicy, TargetColumn, read_csv, read_csv_str};
pub use preprocess::{Imputer, Standardizer};

use ndarray::{Array1, Array2, Axis};

use crate::error::{Error, Result};

/// The largest number of classes [`Dataset::class_labels`] accepts.
pub const MAX_CLASSES: usize = 1 << 16;

/// A table of samples: one row of `x` per sample, its target in `y`.
///
/// Missing feature values are `NaN` only under [`MissingPolicy::Keep`]; every other policy
/// leaves `x` complete.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Features, one row per sample.
    pub x: Array2<f64>,
    /// Targets, one per sample: class labels as `0.0, 1.0, ...` or regression values.
    pub y: Array1<f64>,
    /// The name of each feature column.
    pub feature_names: Vec<String>,
    /// The name of the target column.
    pub target_name: String,
}

impl Dataset {
    /// A data set from its parts; the row counts and the number of names must agree.
    pub fn new(
        x: Array2<f64>,
        y: Array1<f64>,
        feature_names: Vec<String>,
        target_name: String,
    ) -> Result<Self> {
        if x.nrows() != y.len() {
            return Err(Error::ShapeMismatch {
                what: "targets (one per row of x)",
                expected: x.nrows(),
                found: y.len(),
            });
        }
        if feature_names.len() != x.ncols() {
            return Err(Error::ShapeMismatch {
                what: "feature names (one per column of x)",
                expected: x.ncols(),
                found: feature_names.len(),
            });
        }
        Ok(Self {
            x,
            y,
            feature_names,
            target_name,
        })
    }

    /// The number of samples.
    pub fn n_samples(&self) -> usize {
        self.x.nrows()
    }

    /// The number of features.
    pub fn n_features(&self) -> usize {
        self.x.ncols()
    }

    /// The rows at `indices`, in that order (indices out of range are skipped).
    pub fn subset(&self, indices: &[usize]) -> Dataset {
        let keep: Vec<usize> = indices
            .iter()
            .copied()
            .filter(|&i| i < self.n_samples())
            .collect();
        Dataset {
            x: self.x.select(Axis(0), &keep),
            y: self.y.select(Axis(0), &keep),
            feature_names: self.feature_names.clone(),
            target_name: self.target_name.clone(),
        }
    }

    /// The targets as class labels `0, 1, ...`: each must be a non-negative integer below
    /// [`MAX_CLASSES`].
    pub fn class_labels(&self) -> Result<Vec<usize>> {
        self.y
            .iter()
            .enumerate()
            .map(|(row, &value)| {
                if value >= 0.0 && value < MAX_CLASSES as f64 && value.fract() == 0.0 {
                    Ok(value as usize)
                } else {
                    Err(Error::NotALabel {
                        row,
                        value,
                        max_classes: MAX_CLASSES,
                    })
                }
            })
            .collect()
    }

    /// The targets as booleans `y > threshold` (for binary tasks: `binary_labels(0.5)` on 0/1
    /// labels, `binary_labels(0.0)` on heart-disease `num`).
    pub fn binary_labels(&self, threshold: f64) -> Vec<bool> {
        self.y.iter().map(|&v| v > threshold).collect()
    }

    /// The number of classes: one more than the largest label.
    pub fn n_classes(&self) -> Result<usize> {
        Ok(self.class_labels()?.into_iter().max().map_or(0, |m| m + 1))
    }

    /// Replaces every target by `f(target)` (for example the heart-disease `num > 0`).
    pub fn map_targets(mut self, f: impl Fn(f64) -> f64) -> Self {
        self.y.mapv_inplace(f);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn subset_and_labels() {
        let d = Dataset::new(
            array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]],
            array![0.0, 2.0, 1.0],
            vec!["a".into(), "b".into()],
            "t".into(),
        )
        .unwrap();
        let s = d.subset(&[2, 0, 9]);
        assert_eq!(s.x, array![[5.0, 6.0], [1.0, 2.0]]);
        assert_eq!(s.y, array![1.0, 0.0]);
        assert_eq!(d.class_labels().unwrap(), vec![0, 2, 1]);
        assert_eq!(d.n_classes().unwrap(), 3);
        assert_eq!(d.binary_labels(0.5), vec![false, true, true]);
        let bad = d.clone().map_targets(|v| v - 0.5);
        assert!(matches!(
            bad.class_labels(),
            Err(Error::NotALabel { row: 0, .. })
        ));
        assert!(
            Dataset::new(
                array![[1.0]],
                array![1.0, 2.0],
                vec!["a".into()],
                "t".into()
            )
            .is_err()
        );
    }
}
