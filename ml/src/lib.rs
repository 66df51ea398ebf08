//! # ckks-ml: machine learning on CKKS ciphertexts
//!
//! Encrypted inference for linear models and shallow networks, and encrypted training of linear
//! and logistic regression, with plaintext twins, on top of the [`ckks`] crate.
//!
//! - [`data`]: delimited-file loading with an explicit missing-value policy, standardization,
//!   stratified splits and k-fold, and the data sets shipped in the repository.
//! - [`plain`]: plaintext reference models (ridge, logistic and softmax regression, a network
//!   with one hidden layer, a small convolutional network), exported to and imported from JSON.
//! - [`activation`]: polynomial activations (least-squares sigmoid fits, `x^2`).
//! - [`infer`]: encrypted inference: a [`Plan`](infer::Plan) states parameters, depth and keys;
//!   servers hold an [`Evaluator`](ckks::Evaluator) and the public model only.
//! - [`train`]: training on encrypted data: linear and logistic regression by (Nesterov's)
//!   gradient descent over a packed encrypted data set, with a plaintext twin.
//! - [`metrics`]: accuracy, AUC, r2, agreement between encrypted and plaintext results.
//! - [`evaluation`]: encrypted and plaintext-twin results side by side (accuracy / AUC / r2 of
//!   both, decision agreement, largest difference).

#![deny(missing_docs)]

pub mod activation;
pub mod data;
mod error;
pub mod evaluation;
pub mod infer;
mod key_owner;
pub mod metrics;
pub mod plain;
mod rng;
pub mod train;

pub use error::{Error, Result};
/// The `ndarray` version this crate's API uses (data sets and models take its arrays).
pub use ndarray;
