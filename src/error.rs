//! The crate's error type.

use std::path::PathBuf;

use crate::wire::ErrorCode;

/// Everything that can go wrong in the service's library half (configuration, model loading,
/// key files, the client's requests).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An error of the CKKS scheme (parameters, keys, a malformed serialized object).
    #[error("ckks: {0}")]
    Ckks(#[from] ckks::Error),
    /// An error of the ML layer (a model file, a plan, encryption in a layout).
    #[error("ckks-ml: {0}")]
    Ml(#[from] ckks_ml::Error),
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A setting is out of range or inconsistent.
    #[error("configuration: {0}")]
    Config(String),
    /// A model in the model directory cannot be served.
    #[error("model {name}: {reason}")]
    Model {
        /// The model's name (its file name without `.json`).
        name: String,
        /// Why.
        reason: String,
    },
    /// A key directory is incomplete, unsafe or for another model.
    #[error("key directory {path}: {reason}")]
    KeyDir {
        /// The directory.
        path: PathBuf,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// A message in the wire format is malformed.
    #[error("malformed message: {0}")]
    Wire(String),
    /// The server could not be reached or the connection failed.
    #[error("HTTP transport: {0}")]
    Transport(String),
    /// The server answered with an error.
    #[error("server answered {status} {code}: {message}")]
    Server {
        /// The HTTP status.
        status: u16,
        /// The stable error code.
        code: ErrorCode,
        /// The server's message.
        message: String,
    },
    /// The input data cannot be used with the model.
    #[error("input: {0}")]
    Input(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The I/O error for `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
