//! The wire format shared by the server ([`crate::serve`]) and the client ([`crate::client`]).
//!
//! # Binary bodies
//!
//! Key sets, ciphertexts and results travel as `application/octet-stream` bodies holding an
//! *envelope*: a list of objects in the `ckks` crate's validated binary format
//! ([`ckks::serialize`]). Integers are little-endian:
//!
//! | bytes | field |
//! |---|---|
//! | 0..4 | magic, `b"CKSV"` ([`ENVELOPE_MAGIC`]) |
//! | 4 | envelope version, `1` ([`ENVELOPE_VERSION`]) |
//! | 5..8 | reserved, zero |
//! | 8..12 | object count `n`, `u32` (at least 1) |
//! | 12.. | `n` times: the object's length `u64`, then its bytes |
//!
//! Nothing may follow the last object. Each object carries its own header (kind, parameter id,
//! level, scale) and checksum, and is validated in full against the server's context on load.
//!
//! - `POST /v1/keys`: the [`Parameters`](ckks::params::Parameters) first, then any of a
//!   [`PublicKey`](ckks::PublicKey), a [`RelinearizationKey`](ckks::RelinearizationKey) and
//!   [`GaloisKeys`](ckks::GaloisKeys), at most one of each. A secret key is refused
//!   ([`ErrorCode::SecretKeySent`]).
//! - `POST /v1/models/{name}/predict?key_set=ID`: one ciphertext per sample, encrypted in the
//!   model's layout at its plan's input level; the answer holds one result ciphertext per
//!   sample, in order.
//!
//! # JSON
//!
//! Listings and errors are JSON. Every error is `{"error": {"code": "...", "message": "..."}}`
//! with a stable [`ErrorCode`]; the message is for people and may change.

use ckks_ml::data::Standardizer;
use ckks_ml::infer::Plan;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The magic number every envelope starts with.
pub const ENVELOPE_MAGIC: [u8; 4] = *b"CKSV";

/// The envelope version this build writes and reads.
pub const ENVELOPE_VERSION: u8 = 1;

/// The bytes before the first object: magic, version, reserved, count.
const ENVELOPE_HEADER: usize = 12;

/// Packs serialized objects into an envelope.
///
/// ```
/// use ckks_cli::wire::{pack, unpack};
/// let body = pack(&[b"first".as_slice(), b"second"]);
/// assert_eq!(unpack(&body, 4)?, [b"first".as_slice(), b"second"]);
/// assert!(unpack(&body[..body.len() - 1], 4).is_err());      // truncated
/// assert!(unpack(&body, 1).is_err());                         // more objects than allowed
/// # Ok::<(), ckks_cli::Error>(())
/// ```
pub fn pack<B: AsRef<[u8]>>(objects: &[B]) -> Vec<u8> {
    let total: usize = objects.iter().map(|o| o.as_ref().len() + 8).sum();
    let mut out = Vec::with_capacity(ENVELOPE_HEADER + total);
    out.extend_from_slice(&ENVELOPE_MAGIC);
    out.extend_from_slice(&[ENVELOPE_VERSION, 0, 0, 0]);
    out.extend_from_slice(
        &u32::try_from(objects.len())
            .unwrap_or(u32::MAX)
            .to_le_bytes(),
    );
    for o in objects {
        let o = o.as_ref();
        out.extend_from_slice(&(o.len() as u64).to_le_bytes());
        out.extend_from_slice(o);
    }
    out
}

/// Splits an envelope into its objects (borrowed from `bytes`), refusing more than
/// `max_objects`. Lengths are checked against the bytes present before anything is sliced, so
/// a hostile length is an error, never an allocation or a panic.
pub fn unpack(bytes: &[u8], max_objects: usize) -> Result<Vec<&[u8]>> {
    let bad = |why: String| Error::Wire(why);
    if bytes.len() < ENVELOPE_HEADER {
        return Err(bad(format!(
            "{} bytes is shorter than the {ENVELOPE_HEADER}-byte envelope header",
            bytes.len()
        )));
    }
    let (head, mut rest) = bytes.split_at(ENVELOPE_HEADER);
    if head[..4] != ENVELOPE_MAGIC {
        return Err(bad(format!(
            "the body starts with {:02x?}, not the envelope magic \"CKSV\"",
            &head[..4]
        )));
    }
    if head[4] != ENVELOPE_VERSION || head[5..8] != [0, 0, 0] {
        return Err(bad(format!(
            "envelope version {} with reserved bytes {:?} (this build reads version {ENVELOPE_VERSION}, reserved zero)",
            head[4],
            &head[5..8]
        )));
    }
    let count = u32::from_le_bytes([head[8], head[9], head[10], head[11]]) as usize;
    if count == 0 || count > max_objects {
        return Err(bad(format!(
            "the envelope holds {count} objects; between 1 and {max_objects} are accepted here"
        )));
    }
    // Every object takes at least its 8-byte length: no capacity beyond what the bytes hold.
    let mut objects = Vec::with_capacity(count.min(rest.len() / 8));
    for i in 0..count {
        let Some((len, tail)) = rest.split_first_chunk::<8>() else {
            return Err(bad(format!("truncated before the length of object {i}")));
        };
        let len = u64::from_le_bytes(*len);
        if len > tail.len() as u64 {
            return Err(bad(format!(
                "object {i} declares {len} bytes, {} remain",
                tail.len()
            )));
        }
        let (object, next) = tail.split_at(len as usize);
        objects.push(object);
        rest = next;
    }
    if !rest.is_empty() {
        return Err(bad(format!(
            "{} bytes follow the last of {count} objects",
            rest.len()
        )));
    }
    Ok(objects)
}

/// The stable error codes of the service, with their HTTP status ([`ErrorCode::status`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// 400: the body is not a well-formed envelope, or holds objects in the wrong order.
    MalformedBody,
    /// 400: a serialized object fails validation (truncated, corrupted, wrong kind).
    InvalidObject,
    /// 400: a secret key was sent; it never leaves the client.
    SecretKeySent,
    /// 400: the `key_set` query parameter is missing.
    MissingKeySet,
    /// 400: more ciphertexts in one request than the server accepts.
    TooManyCiphertexts,
    /// 404: no such key set (never uploaded, expired, or evicted): upload the keys again.
    UnknownKeySet,
    /// 404: no such model.
    UnknownModel,
    /// 404: no such route.
    NotFound,
    /// 405: the route exists with another method.
    MethodNotAllowed,
    /// 413: the body exceeds the route's size limit.
    BodyTooLarge,
    /// 413: the key set needs more memory than the key store's whole cap.
    KeySetTooLarge,
    /// 422: the key set's parameters are not those of any served model.
    UnsupportedParameters,
    /// 422: an object or key set belongs to other parameters than the model's.
    ParameterMismatch,
    /// 422: the key set lacks a Galois key the model's rotations need (the message names the
    /// step).
    MissingGaloisKey,
    /// 422: the key set lacks the relinearization key the model needs.
    MissingRelinearizationKey,
    /// 422: a ciphertext is not at the model's input level.
    WrongLevel,
    /// 422: a ciphertext is not at the model's input scale.
    WrongScale,
    /// 422: a ciphertext does not use the model's slot count (the layout's width).
    WrongSlots,
    /// 422: the model could not be evaluated on a well-formed input (for example a transparent
    /// ciphertext, which the evaluator refuses).
    InferenceFailed,
    /// 429: the work queue is full; retry after the `Retry-After` seconds.
    Busy,
    /// 500: a bug; the message says what failed.
    Internal,
    /// 503: the server is shutting down.
    ShuttingDown,
    /// A code this build does not know (sent by a newer server).
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status the server answers with.
    pub const fn status(self) -> u16 {
        match self {
            ErrorCode::MalformedBody
            | ErrorCode::InvalidObject
            | ErrorCode::SecretKeySent
            | ErrorCode::MissingKeySet
            | ErrorCode::TooManyCiphertexts => 400,
            ErrorCode::UnknownKeySet | ErrorCode::UnknownModel | ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::BodyTooLarge | ErrorCode::KeySetTooLarge => 413,
            ErrorCode::UnsupportedParameters
            | ErrorCode::ParameterMismatch
            | ErrorCode::MissingGaloisKey
            | ErrorCode::MissingRelinearizationKey
            | ErrorCode::WrongLevel
            | ErrorCode::WrongScale
            | ErrorCode::WrongSlots
            | ErrorCode::InferenceFailed => 422,
            ErrorCode::Busy => 429,
            ErrorCode::Internal | ErrorCode::Unknown => 500,
            ErrorCode::ShuttingDown => 503,
        }
    }

    /// The code as it appears in JSON, e.g. `"missing_galois_key"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedBody => "malformed_body",
            ErrorCode::InvalidObject => "invalid_object",
            ErrorCode::SecretKeySent => "secret_key_sent",
            ErrorCode::MissingKeySet => "missing_key_set",
            ErrorCode::TooManyCiphertexts => "too_many_ciphertexts",
            ErrorCode::UnknownKeySet => "unknown_key_set",
            ErrorCode::UnknownModel => "unknown_model",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::BodyTooLarge => "body_too_large",
            ErrorCode::KeySetTooLarge => "key_set_too_large",
            ErrorCode::UnsupportedParameters => "unsupported_parameters",
            ErrorCode::ParameterMismatch => "parameter_mismatch",
            ErrorCode::MissingGaloisKey => "missing_galois_key",
            ErrorCode::MissingRelinearizationKey => "missing_relinearization_key",
            ErrorCode::WrongLevel => "wrong_level",
            ErrorCode::WrongScale => "wrong_scale",
            ErrorCode::WrongSlots => "wrong_slots",
            ErrorCode::InferenceFailed => "inference_failed",
            ErrorCode::Busy => "busy",
            ErrorCode::Internal => "internal",
            ErrorCode::ShuttingDown => "shutting_down",
            ErrorCode::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON body of every error answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// A code and a message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// The stable code.
    pub code: ErrorCode,
    /// What went wrong and how to fix it.
    pub message: String,
}

/// What a model's outputs mean, for the client to present them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OutputKind {
    /// One value: a regression's prediction (slot 0).
    Value,
    /// One value: the probability of the positive class through the model's polynomial
    /// sigmoid (slot 0).
    Probability,
    /// `outputs` logits of a network (output `k` in slot `k * d`): the client applies the
    /// sigmoid (one output) or the softmax in the clear.
    Logits,
}

/// One served model, as listed by `GET /v1/models`: what a client needs to make keys for it,
/// encrypt its inputs and read its outputs. The weights are not disclosed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The model's name (its file name in the model directory without `.json`).
    pub name: String,
    /// The kind of model (`logistic_regression`, `linear_regression`, `network`).
    pub kind: String,
    /// The number of input features.
    pub features: usize,
    /// The number of outputs.
    pub outputs: usize,
    /// What the outputs mean.
    pub output: OutputKind,
    /// The plan: parameters, layout, depth, rotations, relinearization, levels.
    pub plan: Plan,
    /// The parameter id (hexadecimal, as in serialized headers) the keys must be made under.
    pub param_id: String,
    /// The Galois elements of the plan's rotations, for reference (the steps are in the plan).
    pub galois_elements: Vec<u64>,
    /// The training statistics the client standardizes raw features with before encryption.
    pub standardizer: Standardizer,
}

/// The answer of `GET /v1/models`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelList {
    /// The models, by name.
    pub models: Vec<ModelInfo>,
    /// The server's limits.
    pub limits: Limits,
}

/// The limits a client must respect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// The largest prediction body, in bytes.
    pub max_body_bytes: usize,
    /// The largest key-set upload, in bytes.
    pub max_key_set_bytes: usize,
    /// The most ciphertexts one prediction request may carry.
    pub max_ciphertexts: usize,
    /// Seconds a key set stays after its last use.
    pub key_set_ttl_seconds: u64,
}

/// The answer of `POST /v1/keys` (status 201).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeySetCreated {
    /// The key set's id, for `?key_set=` on predictions.
    pub key_set: String,
    /// The parameter id of the keys (hexadecimal).
    pub param_id: String,
    /// The server memory the key set takes, in bytes (counted against the store's cap).
    pub memory_bytes: usize,
    /// The Galois elements present.
    pub galois_elements: Vec<u64>,
    /// Whether a relinearization key is present.
    pub relinearization: bool,
    /// Seconds the key set stays after its last use.
    pub ttl_seconds: u64,
}

/// The answer of `GET /health`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Health {
    /// `"ok"`.
    pub status: String,
    /// The number of models served.
    pub models: usize,
    /// The number of key sets held.
    pub key_sets: usize,
}

/// The parameter id as written in listings (16 hexadecimal digits).
pub fn format_param_id(id: u64) -> String {
    format!("{id:016x}")
}
