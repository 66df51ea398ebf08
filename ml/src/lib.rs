//! # ckks-ml: machine learning on CKKS ciphertexts
//!
//! Encrypted inference and training for linear models and shallow networks, with plaintext
//! twins, on top of the [`ckks`] crate.

pub mod metrics;
