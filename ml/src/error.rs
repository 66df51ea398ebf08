//! The crate's error type.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong in `ckks-ml`.
///
/// Every variant names the numbers involved and, where there is one, the fix. Errors of the
/// scheme itself arrive wrapped as [`Error::Ckks`].
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// An error of the CKKS scheme (parameters, levels, scales, keys).
    #[error("ckks: {0}")]
    Ckks(#[from] ckks::Error),
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A model could not be written to or read from JSON.
    #[error("model JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A field of a delimited file is missing and the missing-value policy is `Error`.
    #[error(
        "missing value at line {line}, column {column} (`{name}`): choose MissingPolicy::DropRow, MeanImpute or Keep to accept missing values"
    )]
    MissingValue {
        /// 1-based line number in the file (the header, if any, is line 1).
        line: usize,
        /// 1-based column number.
        column: usize,
        /// The column's name (from the header, or `column<N>`).
        name: String,
    },
    /// A target value is missing (targets are never imputed).
    #[error(
        "missing target at line {line} (`{name}`): targets are never imputed; use MissingPolicy::DropRow to drop such rows"
    )]
    MissingTarget {
        /// 1-based line number.
        line: usize,
        /// The target column's name.
        name: String,
    },
    /// A field is neither a number nor a missing-value token.
    #[error(
        "line {line}, column {column} (`{name}`): `{value}` is not a number (missing values are recognised as {tokens:?})"
    )]
    Parse {
        /// 1-based line number.
        line: usize,
        /// 1-based column number.
        column: usize,
        /// The column's name.
        name: String,
        /// The offending text.
        value: String,
        /// The tokens read as missing values.
        tokens: Vec<String>,
    },
    /// A row has a different number of fields from the first one.
    #[error("line {line} has {found} fields, the file's first row has {expected}")]
    RaggedRow {
        /// 1-based line number.
        line: usize,
        /// The number of fields of the first row.
        expected: usize,
        /// The number of fields of this row.
        found: usize,
    },
    /// A named or numbered column does not exist.
    #[error("no column {column} in a file with {columns} columns ({names:?})")]
    NoSuchColumn {
        /// The requested column.
        column: String,
        /// The number of columns.
        columns: usize,
        /// The names of the columns.
        names: Vec<String>,
    },
    /// A data set, or the part of it an operation needs, is empty.
    #[error("{what} is empty: {fix}")]
    Empty {
        /// What is empty.
        what: &'static str,
        /// How to avoid it.
        fix: &'static str,
    },
    /// Two inputs that must have the same length or width do not.
    #[error("{what}: expected {expected}, got {found}")]
    ShapeMismatch {
        /// What was compared.
        what: &'static str,
        /// The expected size.
        expected: usize,
        /// The size found.
        found: usize,
    },
    /// An argument is out of range.
    #[error("{name} = {value} is out of range: {expected}")]
    InvalidArgument {
        /// The argument.
        name: &'static str,
        /// Its value, printed.
        value: String,
        /// The accepted range.
        expected: &'static str,
    },
    /// Targets that should be class labels are not small non-negative integers.
    #[error(
        "target {value} at row {row} is not a class label: class labels are integers in 0..{max_classes}"
    )]
    NotALabel {
        /// 0-based row index in the data set.
        row: usize,
        /// The target value.
        value: f64,
        /// The largest number of classes accepted.
        max_classes: usize,
    },
    /// A metric is undefined for its input (for example AUC with one class only).
    #[error("{metric} is undefined: {reason}")]
    UndefinedMetric {
        /// The metric.
        metric: &'static str,
        /// Why.
        reason: String,
    },
    /// A linear system is singular (or not positive definite).
    #[error(
        "the {n}x{n} normal equations are singular at pivot {pivot}: add ridge regularisation (l2 > 0) or remove constant or duplicate features"
    )]
    Singular {
        /// The system's size.
        n: usize,
        /// The pivot that vanished.
        pivot: usize,
    },
    /// Training diverged (a loss or weight became infinite or NaN).
    #[error(
        "training diverged at iteration {iteration} (loss {loss:.3e}): lower the learning rate (now {learning_rate}) or set a gradient clip"
    )]
    Diverged {
        /// The iteration.
        iteration: usize,
        /// The last loss.
        loss: f64,
        /// The learning rate used.
        learning_rate: f64,
    },
    /// A model read from JSON, or handed to an encrypted plan, is inconsistent.
    #[error("invalid model: {0}")]
    InvalidModel(String),
    /// The parameters cannot run the model.
    #[error("the plan needs {needed} but the parameters offer {available}: {fix}")]
    PlanDoesNotFit {
        /// What the model needs.
        needed: String,
        /// What the parameters offer.
        available: String,
        /// How to fix it.
        fix: &'static str,
    },
    /// A ciphertext or batch given to a server does not match the plan's layout.
    #[error("input does not match the plan's layout: {0}")]
    LayoutMismatch(String),
}

/// `Result` with the crate's [`enum@Error`].
pub type Result<T> = std::result::Result<T, Error>;
