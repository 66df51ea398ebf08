//! # ckks: full-RNS CKKS homomorphic encryption in pure Rust
//!
//! A client encrypts vectors of real (or complex) numbers and keeps the secret key; a server
//! holding only evaluation keys computes on the ciphertexts; only the client can decrypt.
//!
//! ```
//! use ckks::{Context, Decryptor, Encoder, Encryptor, EvaluationKeys, Evaluator, PublicKey, SecretKey};
//! use ckks::{math::sampling::os_seeded_rng, params::ParametersLiteral};
//!
//! let params = ParametersLiteral { log_n: 13, log_q: vec![60, 40, 40], log_p: vec![60],
//!                                  log_scale: 40, ..Default::default() }.build()?; // 128-bit checked
//! let ctx = Context::new(params)?;
//! let mut rng = os_seeded_rng()?;
//! let sk = SecretKey::generate(&ctx, &mut rng)?;                 // client
//! let pk = PublicKey::generate(&sk, &mut rng)?;
//! let evk = EvaluationKeys::builder(&sk).relinearization().rotations(&[1, 2]).build(&mut rng)?;
//! let enc = Encoder::new(&ctx);
//! let x = [0.5, 1.5, -2.0, 0.25];
//! let ct = Encryptor::new(&pk).encrypt(&enc.encode(&x, ctx.max_level(), ctx.default_scale())?, &mut rng)?;
//!
//! let eval = Evaluator::new(&ctx, evk)?;                          // server: no secret key
//! let y = eval.rescale(&eval.mul_relin(&ct, &ct)?)?;
//! let r = eval.rotate(&y, 2)?;
//! assert!(matches!(eval.rotate(&y, 3), Err(ckks::Error::MissingGaloisKey { step: 3, .. })));
//!
//! let v = enc.decode(&Decryptor::new(&sk).decrypt(&r)?)?;        // client
//! assert!((v[0] - 4.0).abs() < 1e-6 && (v[1] - 0.0625).abs() < 1e-6);
//! # Ok::<(), ckks::Error>(())
//! ```
//!
//! Layers, bottom to top (nothing below knows about anything above it):
//!
//! - [`math`]: arithmetic modulo word-sized primes (Barrett, Shoup, lazy forms), primality and
//!   NTT-friendly prime generation, and the samplers (a ChaCha20 CSPRNG).
//! - [`ntt`]: negacyclic number-theoretic transforms, a scalar reference and SIMD paths chosen
//!   at run time.
//! - [`ring`]: RNS polynomials over `Z_Q[X]/(X^N + 1)`, basis extension, rescaling and
//!   automorphisms.
//! - [`params`], [`Context`]: validated, security-checked parameters and their tables.
//! - [`encoding`], [`Encoder`]: the canonical embedding, vectors to plaintexts and back.
//! - [`keys`]: secret, public, relinearization and Galois keys; hybrid key switching.
//! - [`Encryptor`], [`Decryptor`], [`Evaluator`]: the scheme's operations.
//! - [`circuits`]: hoisted rotations, slot sums, linear transforms, polynomial evaluation, and
//!   the planning of depth and keys.
//! - [`noise`]: the worst-case error bound every ciphertext carries ([`NoiseBound`]).
//! - [`precision`]: bits of precision of results against expected values.
//! - [`serialize`]: a compact binary format for parameters, plaintexts, ciphertexts and keys,
//!   validated in full on load.
#![deny(missing_docs)]

mod ciphertext;
pub mod circuits;
mod context;
pub mod encoding;
mod encrypt;
mod error;
pub mod keys;
pub mod math;
pub mod noise;
pub mod ntt;
mod ops;
mod par;
pub mod params;
mod plaintext;
pub mod precision;
pub mod ring;
pub mod serialize;

#[cfg(test)]
mod release_tests;

pub use ciphertext::Ciphertext;
pub use context::Context;
pub use encoding::{Complex64, Encoder};
pub use encrypt::{Decryptor, Encryptor, ReleasePolicy};
pub use error::{Error, Result};
pub use keys::{
    EvaluationKeys, GaloisKeys, PublicKey, RelinearizationKey, SecretKey, SwitchingKey,
};
pub use noise::NoiseBound;
pub use ops::{DEFAULT_SCALE_TOLERANCE, Evaluator};
pub use plaintext::Plaintext;
