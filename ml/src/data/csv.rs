//! Delimited text files (CSV, TSV, whitespace-separated) into a [`Dataset`].

use std::path::Path;

use ndarray::{Array1, Array2};

use super::Dataset;
use crate::error::{Error, Result};

/// How fields are separated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delimiter {
    /// One character, such as `,` or `\t`. Empty fields are missing values.
    Char(char),
    /// Runs of spaces and tabs (no empty fields).
    Whitespace,
}

/// Whether the first line names the columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Header {
    /// Detect it: the first line is a header when one of its fields is neither a number nor a
    /// missing-value token.
    #[default]
    Auto,
    /// The first line is a header.
    Present,
    /// There is no header; columns are named `column1`, `column2`, ...
    Absent,
    /// The first line is not data but does not name the columns either (scikit-learn's
    /// `n_samples,n_features,class names` line): skip it and name columns as for `Absent`.
    Skip,
}

/// Which column holds the target.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TargetColumn {
    /// The last column.
    #[default]
    Last,
    /// The column with this 0-based index.
    Index(usize),
    /// The column with this header name.
    Name(String),
    /// No target: every column is a feature and the targets are all 0.
    None,
}

/// What to do with a missing value (a field equal to one of the missing-value tokens, such as
/// `?` or an empty field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MissingPolicy {
    /// Refuse the file with an error naming the line and column of the first missing value.
    #[default]
    Error,
    /// Drop every row with a missing value (feature or target).
    DropRow,
    /// Replace a missing feature by the mean of its column over the rows where it is present.
    /// The mean is taken over the whole file: for imputation fitted on a training split only,
    /// load with [`MissingPolicy::Keep`] and use [`Imputer`](super::Imputer). A missing
    /// target is an error.
    MeanImpute,
    /// Keep missing features as `NaN` (impute them later, for example with an
    /// [`Imputer`](super::Imputer) fitted on the training split). A missing target is an error.
    Keep,
}

/// Options of [`read_csv`].
///
/// ```
/// use ckks_ml::data::{read_csv_str, CsvOptions, MissingPolicy};
/// let text = "a,b,label\n1,2,0\n?,4,1\n5,6,1\n";
/// let err = read_csv_str(text, &CsvOptions::default()).unwrap_err();
/// assert!(err.to_string().contains("line 3, column 1 (`a`)"));
/// let d = read_csv_str(text, &CsvOptions { missing: MissingPolicy::MeanImpute, ..Default::default() })?;
/// assert_eq!(d.x[[1, 0]], 3.0);                 // mean of 1 and 5
/// assert_eq!(d.feature_names, ["a", "b"]);
/// # Ok::<(), ckks_ml::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CsvOptions {
    /// The field separator (default `,`).
    pub delimiter: Delimiter,
    /// Header handling (default: detected).
    pub header: Header,
    /// The target column (default: the last one).
    pub target: TargetColumn,
    /// The missing-value policy (default: an error).
    pub missing: MissingPolicy,
    /// Fields (after trimming spaces) read as missing values. Default: the empty field, `?`,
    /// `NA`, `N/A`, `NaN`, `nan`.
    pub missing_tokens: Vec<String>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            delimiter: Delimiter::Char(','),
            header: Header::Auto,
            target: TargetColumn::Last,
            missing: MissingPolicy::Error,
            missing_tokens: ["", "?", "NA", "N/A", "NaN", "nan"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

impl CsvOptions {
    /// Tab-separated values, otherwise the defaults.
    pub fn tsv() -> Self {
        Self {
            delimiter: Delimiter::Char('\t'),
            ..Default::default()
        }
    }

    /// Whitespace-separated values, otherwise the defaults.
    pub fn whitespace() -> Self {
        Self {
            delimiter: Delimiter::Whitespace,
            ..Default::default()
        }
    }

    fn is_missing(&self, field: &str) -> bool {
        self.missing_tokens.iter().any(|t| t == field)
    }

    fn split<'a>(&self, line: &'a str) -> Vec<&'a str> {
        match self.delimiter {
            Delimiter::Whitespace => line.split_whitespace().collect(),
            Delimiter::Char(c) => line.split(c).map(clean_field).collect(),
        }
    }
}

/// Trims spaces and one pair of surrounding double quotes.
fn clean_field(field: &str) -> &str {
    let f = field.trim();
    f.strip_prefix('"')
        .and_then(|g| g.strip_suffix('"'))
        .unwrap_or(f)
}

/// Reads a delimited file. Blank lines are skipped; line numbers in errors count every line of
/// the file from 1.
pub fn read_csv(path: impl AsRef<Path>, options: &CsvOptions) -> Result<Dataset> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_csv_str(&text, options)
}

/// Reads delimited text (see [`read_csv`]).
pub fn read_csv_str(text: &str, options: &CsvOptions) -> Result<Dataset> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty())
        .peekable();
    let Some(&(_, first)) = lines.peek() else {
        return Err(Error::Empty {
            what: "the file",
            fix: "give a file with at least one data row",
        });
    };
    let first_fields = options.split(first);
    let header_present = match options.header {
        Header::Present => true,
        Header::Absent => false,
        Header::Skip => {
            lines.next();
            false
        }
        Header::Auto => first_fields
            .iter()
            .any(|f| !options.is_missing(f) && f.parse::<f64>().is_err()),
    };
    let header: Option<Vec<String>> = if header_present {
        lines.next();
        Some(first_fields.iter().map(|s| s.to_string()).collect())
    } else {
        None
    };

    // Rows of fields, parsed; `None` is a missing value.
    let mut rows: Vec<(usize, Vec<Option<f64>>)> = Vec::new();
    let mut width = header.as_ref().map(Vec::len);
    let mut names: Vec<String> = header.clone().unwrap_or_default();
    for (line, text) in lines {
        let fields = options.split(text);
        let expected = *width.get_or_insert(fields.len());
        if names.is_empty() {
            names = (1..=expected).map(|c| format!("column{c}")).collect();
        }
        if fields.len() != expected {
            return Err(Error::RaggedRow {
                line,
                expected,
                found: fields.len(),
            });
        }
        let mut row = Vec::with_capacity(expected);
        for (c, f) in fields.iter().enumerate() {
            if options.is_missing(f) {
                row.push(None);
                continue;
            }
            match f.parse::<f64>() {
                Ok(v) if v.is_finite() => row.push(Some(v)),
                _ => {
                    return Err(Error::Parse {
                        line,
                        column: c + 1,
                        name: names[c].clone(),
                        value: f.to_string(),
                        tokens: options.missing_tokens.clone(),
                    });
                }
            }
        }
        rows.push((line, row));
    }
    let width = width.unwrap_or(0);
    if rows.is_empty() || width == 0 {
        return Err(Error::Empty {
            what: "the file's data rows",
            fix: "give a file with at least one data row after the header",
        });
    }

    let target = match &options.target {
        TargetColumn::None => None,
        TargetColumn::Last => Some(width - 1),
        TargetColumn::Index(i) if *i < width => Some(*i),
        TargetColumn::Name(n) => match names.iter().position(|h| h == n) {
            Some(i) => Some(i),
            None => {
                return Err(Error::NoSuchColumn {
                    column: format!("`{n}`"),
                    columns: width,
                    names,
                });
            }
        },
        TargetColumn::Index(i) => {
            return Err(Error::NoSuchColumn {
                column: i.to_string(),
                columns: width,
                names,
            });
        }
    };
    let feature_cols: Vec<usize> = (0..width).filter(|&c| Some(c) != target).collect();

    let mut x_rows: Vec<f64> = Vec::with_capacity(rows.len() * feature_cols.len());
    let mut y: Vec<f64> = Vec::with_capacity(rows.len());
    'rows: for (line, row) in &rows {
        let target_value = match target {
            None => 0.0,
            Some(t) => match row[t] {
                Some(v) => v,
                None if options.missing == MissingPolicy::DropRow => continue 'rows,
                None => {
                    return Err(Error::MissingTarget {
                        line: *line,
                        name: names[t].clone(),
                    });
                }
            },
        };
        for &c in &feature_cols {
            if row[c].is_none() {
                match options.missing {
                    MissingPolicy::Error => {
                        return Err(Error::MissingValue {
                            line: *line,
                            column: c + 1,
                            name: names[c].clone(),
                        });
                    }
                    MissingPolicy::DropRow => continue 'rows,
                    MissingPolicy::MeanImpute | MissingPolicy::Keep => {}
                }
            }
        }
        x_rows.extend(feature_cols.iter().map(|&c| row[c].unwrap_or(f64::NAN)));
        y.push(target_value);
    }
    if y.is_empty() {
        return Err(Error::Empty {
            what: "the data set after dropping rows with missing values",
            fix: "use MissingPolicy::MeanImpute or Keep",
        });
    }
    let n = y.len();
    let mut x = Array2::from_shape_vec((n, feature_cols.len()), x_rows).map_err(|_| {
        Error::ShapeMismatch {
            what: "parsed feature values",
            expected: n * feature_cols.len(),
            found: 0,
        }
    })?;
    if options.missing == MissingPolicy::MeanImpute {
        let imputer = super::Imputer::fit(x.view())?;
        x = imputer.transform(x.view())?;
    }
    let feature_names = feature_cols.iter().map(|&c| names[c].clone()).collect();
    let target_name = target.map(|t| names[t].clone()).unwrap_or_default();
    Dataset::new(x, Array1::from(y), feature_names, target_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "a,b,label\n1,2,0\n\n?,4,1\n5,,1\n7,8,0\n";

    fn opts(missing: MissingPolicy) -> CsvOptions {
        CsvOptions {
            missing,
            ..Default::default()
        }
    }

    #[test]
    fn missing_value_policies() {
        // Error names the line (blank lines count) and the column.
        match read_csv_str(TEXT, &opts(MissingPolicy::Error)) {
            Err(Error::MissingValue { line, column, name }) => {
                assert_eq!((line, column, name.as_str()), (4, 1, "a"));
            }
            other => panic!("{other:?}"),
        }
        let d = read_csv_str(TEXT, &opts(MissingPolicy::DropRow)).unwrap();
        assert_eq!(d.n_samples(), 2);
        assert_eq!(d.x.row(1).to_vec(), vec![7.0, 8.0]);
        let d = read_csv_str(TEXT, &opts(MissingPolicy::MeanImpute)).unwrap();
        assert_eq!(d.n_samples(), 4);
        assert_eq!(d.x[[1, 0]], (1.0 + 5.0 + 7.0) / 3.0);
        assert_eq!(d.x[[2, 1]], (2.0 + 4.0 + 8.0) / 3.0);
        assert_eq!(d.y.to_vec(), vec![0.0, 1.0, 1.0, 0.0]);
        let d = read_csv_str(TEXT, &opts(MissingPolicy::Keep)).unwrap();
        assert!(d.x[[1, 0]].is_nan() && d.x[[2, 1]].is_nan());
    }

    #[test]
    fn missing_target_is_never_imputed() {
        let text = "1,2,0\n3,4,?\n";
        assert!(matches!(
            read_csv_str(text, &opts(MissingPolicy::MeanImpute)),
            Err(Error::MissingTarget { line: 2, .. })
        ));
        assert_eq!(
            read_csv_str(text, &opts(MissingPolicy::DropRow))
                .unwrap()
                .n_samples(),
            1
        );
    }

    #[test]
    fn header_detection_and_targets() {
        let no_header = read_csv_str("1,2,3\n4,5,6\n", &CsvOptions::default()).unwrap();
        assert_eq!(no_header.n_samples(), 2);
        assert_eq!(no_header.feature_names, ["column1", "column2"]);
        assert_eq!(no_header.target_name, "column3");
        // A first row with a missing token is still data.
        let d = read_csv_str("?,2,3\n4,5,6\n", &opts(MissingPolicy::DropRow)).unwrap();
        assert_eq!(d.n_samples(), 1);
        let named = CsvOptions {
            target: TargetColumn::Name("a".into()),
            ..Default::default()
        };
        let d = read_csv_str("a,b\n1,2\n3,4\n", &named).unwrap();
        assert_eq!(d.y.to_vec(), vec![1.0, 3.0]);
        assert_eq!(d.feature_names, ["b"]);
        let skip = CsvOptions {
            header: Header::Skip,
            ..Default::default()
        };
        let d = read_csv_str("3,2,x,y\n1,2,0\n3,4,1\n5,6,1\n", &skip).unwrap();
        assert_eq!(d.n_samples(), 3);
        let tsv = read_csv_str("1\t2\t0\n3\t4\t1\n", &CsvOptions::tsv()).unwrap();
        assert_eq!(tsv.x.row(1).to_vec(), vec![3.0, 4.0]);
        let ws = read_csv_str("1  2 0\n 3\t4 1\n", &CsvOptions::whitespace()).unwrap();
        assert_eq!(ws.x.row(1).to_vec(), vec![3.0, 4.0]);
    }

    #[test]
    fn malformed_input_is_an_error() {
        assert!(matches!(
            read_csv_str("1,2\n3\n", &CsvOptions::default()),
            Err(Error::RaggedRow {
                line: 2,
                expected: 2,
                found: 1
            })
        ));
        match read_csv_str("a,b\n1,2\n3,x\n", &CsvOptions::default()) {
            Err(Error::Parse {
                line,
                column,
                value,
                ..
            }) => assert_eq!((line, column, value.as_str()), (3, 2, "x")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            read_csv_str("", &CsvOptions::default()),
            Err(Error::Empty { .. })
        ));
        assert!(matches!(
            read_csv_str("a,b\n", &CsvOptions::default()),
            Err(Error::Empty { .. })
        ));
        let bad_target = CsvOptions {
            target: TargetColumn::Name("z".into()),
            ..Default::default()
        };
        assert!(matches!(
            read_csv_str("a,b\n1,2\n", &bad_target),
            Err(Error::NoSuchColumn { .. })
        ));
    }
}
