//! Standardization and mean imputation, each fitted on training rows and applied to any rows.

use ndarray::{Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Per-column means and standard deviations of `NaN`-free values; columns with no value are an
/// error.
fn column_moments(x: ArrayView2<'_, f64>) -> Result<(Vec<f64>, Vec<f64>)> {
    if x.nrows() == 0 {
        return Err(Error::Empty {
            what: "the training rows",
            fix: "fit on at least one row",
        });
    }
    let mut means = Vec::with_capacity(x.ncols());
    let mut stds = Vec::with_capacity(x.ncols());
    for (c, col) in x.columns().into_iter().enumerate() {
        let present: Vec<f64> = col.iter().copied().filter(|v| !v.is_nan()).collect();
        if present.is_empty() {
            return Err(Error::InvalidArgument {
                name: "column",
                value: c.to_string(),
                expected: "a column with at least one value that is not missing",
            });
        }
        let n = present.len() as f64;
        let mean = present.iter().sum::<f64>() / n;
        let var = present.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        means.push(mean);
        stds.push(var.sqrt());
    }
    Ok((means, stds))
}

fn check_width(expected: usize, found: usize) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            what: "feature columns",
            expected,
            found,
        })
    }
}

/// Standardization `(x - mean) / std` per feature, fitted on training rows only.
///
/// Standard deviations are population ones (divided by `n`, as scikit-learn's
/// `StandardScaler`); a constant column gets standard deviation 1 (it becomes all zeros). Missing
/// values (`NaN`) are ignored by [`fit`](Self::fit) and stay `NaN`.
///
/// ```
/// use ckks_ml::data::Standardizer;
/// use ndarray::array;
/// let s = Standardizer::fit(array![[1.0, 5.0], [3.0, 5.0]].view())?;
/// assert_eq!(s.mean, [2.0, 5.0]);
/// assert_eq!(s.std, [1.0, 1.0]);
/// assert_eq!(s.transform(array![[4.0, 6.0]].view())?, array![[2.0, 1.0]]);
/// # Ok::<(), ckks_ml::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    /// Per-feature means of the training rows.
    pub mean: Vec<f64>,
    /// Per-feature standard deviations of the training rows (1 for constant features).
    pub std: Vec<f64>,
}

impl Standardizer {
    /// Fits on the rows of `x` (the training split only).
    pub fn fit(x: ArrayView2<'_, f64>) -> Result<Self> {
        let (mean, std) = column_moments(x)?;
        let std = std
            .into_iter()
            .map(|s| if s > 1e-12 { s } else { 1.0 })
            .collect();
        Ok(Self { mean, std })
    }

    /// The identity on `n` features.
    pub fn identity(n: usize) -> Self {
        Self {
            mean: vec![0.0; n],
            std: vec![1.0; n],
        }
    }

    /// The number of features.
    pub fn len(&self) -> usize {
        self.mean.len()
    }

    /// Whether it has no feature.
    pub fn is_empty(&self) -> bool {
        self.mean.is_empty()
    }

    /// Standardizes the rows of `x`.
    pub fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_width(self.len(), x.ncols())?;
        let mut out = x.to_owned();
        for (mut col, (m, s)) in out
            .columns_mut()
            .into_iter()
            .zip(self.mean.iter().zip(&self.std))
        {
            col.mapv_inplace(|v| (v - m) / s);
        }
        Ok(out)
    }

    /// Standardizes one sample.
    pub fn transform_row(&self, x: ArrayView1<'_, f64>) -> Result<Vec<f64>> {
        check_width(self.len(), x.len())?;
        Ok(x.iter()
            .zip(self.mean.iter().zip(&self.std))
            .map(|(v, (m, s))| (v - m) / s)
            .collect())
    }

    /// Checks that the statistics are finite and the deviations positive.
    pub fn validate(&self) -> Result<()> {
        check_width(self.mean.len(), self.std.len())?;
        if self.mean.iter().any(|m| !m.is_finite())
            || self.std.iter().any(|s| !(s.is_finite() && *s > 0.0))
        {
            return Err(Error::InvalidModel(
                "standardizer: means must be finite and standard deviations finite and positive"
                    .into(),
            ));
        }
        Ok(())
    }
}

/// Mean imputation: a missing value (`NaN`) becomes its column's mean over the training rows.
///
/// ```
/// use ckks_ml::data::Imputer;
/// use ndarray::array;
/// let imp = Imputer::fit(array![[1.0, f64::NAN], [3.0, 4.0]].view())?;
/// assert_eq!(imp.transform(array![[f64::NAN, f64::NAN]].view())?, array![[2.0, 4.0]]);
/// # Ok::<(), ckks_ml::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Imputer {
    /// Per-feature means of the values present in the training rows.
    pub mean: Vec<f64>,
}

impl Imputer {
    /// Fits on the rows of `x` (the training split only); a column with no value is an error.
    pub fn fit(x: ArrayView2<'_, f64>) -> Result<Self> {
        Ok(Self {
            mean: column_moments(x)?.0,
        })
    }

    /// Replaces every `NaN` of `x` by its column's mean.
    pub fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_width(self.mean.len(), x.ncols())?;
        let mut out = x.to_owned();
        for (mut col, m) in out.columns_mut().into_iter().zip(&self.mean) {
            col.mapv_inplace(|v| if v.is_nan() { *m } else { v });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn standardizer_uses_training_rows_only() {
        let train = array![[0.0, 1.0], [2.0, 1.0], [4.0, 1.0]];
        let s = Standardizer::fit(train.view()).unwrap();
        let var: f64 = (4.0 + 0.0 + 4.0) / 3.0;
        assert_eq!(s.mean, vec![2.0, 1.0]);
        assert!((s.std[0] - var.sqrt()).abs() < 1e-15);
        assert_eq!(s.std[1], 1.0);
        let t = s.transform(array![[2.0, 7.0]].view()).unwrap();
        assert_eq!(t, array![[0.0, 6.0]]);
        assert!(s.transform(array![[1.0]].view()).is_err());
        assert_eq!(s.transform_row(array![4.0, 1.0].view()).unwrap()[1], 0.0);
        s.validate().unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Standardizer>(&json).unwrap(), s);
    }

    #[test]
    fn imputer_and_empty_columns() {
        assert!(Imputer::fit(array![[f64::NAN], [f64::NAN]].view()).is_err());
        assert!(Standardizer::fit(Array2::<f64>::zeros((0, 3)).view()).is_err());
        let s = Standardizer::fit(array![[1.0, f64::NAN], [3.0, 2.0]].view()).unwrap();
        assert_eq!(s.mean, vec![2.0, 2.0]);
    }
}
