//! # ckks: full-RNS CKKS homomorphic encryption in pure Rust
//!
//! Layers, bottom to top (nothing below knows about anything above it):
//!
//! - [`math`]: arithmetic modulo word-sized primes (Barrett, Shoup, lazy forms), primality and
//!   NTT-friendly prime generation, and the samplers (a ChaCha20 CSPRNG).
//! - [`ntt`]: negacyclic number-theoretic transforms, a scalar reference and SIMD paths chosen
//!   at run time.
//! - [`ring`]: RNS polynomials over `Z_Q[X]/(X^N + 1)`, basis extension, rescaling and
//!   automorphisms.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod encoding;
mod error;
pub mod math;
pub mod ntt;
pub mod params;
pub mod ring;

pub use encoding::Complex64;
pub use error::{Error, Result};
