//! Encrypted inference.
pub mod poly;
