//! The numeric core of the CKKS encoder: slot transforms and exact RNS conversions.
//!
//! Encoding a vector of complex slots is
//!
//! 1. [`SlotFft::slots_to_coeffs`]: the special inverse FFT, giving the real coefficients of
//!    the polynomial whose slots are the inputs;
//! 2. scaling by `Delta` and [`f64s_to_limbs`]: rounding to integers, reduced exactly modulo
//!    each prime (check the largest magnitude first with [`CrtReconstructor::check_magnitude`]
//!    or [`check_magnitude`]).
//!
//! Decoding reverses it: [`CrtReconstructor::to_centered_f64`] reconstructs the centered
//! coefficients exactly and converts them to `f64`, then after scaling by `1/Delta`,
//! [`SlotFft::coeffs_to_slots`] evaluates the slots.
//!
//! The functions here work on plain slices so they do not depend on the polynomial types.
//! The slot conventions (generator 5, left rotations, conjugation) are documented on
//! [`SlotFft`].
//!
//! ```
//! use ckks::{Complex64, encoding::{CrtReconstructor, SlotFft, f64s_to_limbs}};
//! use ckks::math::{Modulus, prime_chain};
//!
//! let n = 1 << 10;
//! let moduli: Vec<Modulus> =
//!     prime_chain(&[60, 40], n)?.into_iter().map(Modulus::new).collect::<Result<_, _>>()?;
//! let fft = SlotFft::new(n)?;
//! let crt = CrtReconstructor::new(&moduli)?;
//! let delta = 2f64.powi(40);
//!
//! // Encode.
//! let slots: Vec<Complex64> = (0..n / 2).map(|j| Complex64::new(j as f64, 0.5)).collect();
//! let mut coeffs = vec![0.0; n];
//! fft.slots_to_coeffs(&slots, &mut coeffs)?;
//! coeffs.iter_mut().for_each(|c| *c *= delta);
//! let largest = coeffs.iter().fold(0.0f64, |m, c| m.max(c.abs()));
//! crt.check_magnitude(largest)?;
//! let mut limbs = vec![0u64; moduli.len() * n];
//! f64s_to_limbs(&coeffs, &moduli, &mut limbs)?;
//!
//! // Decode.
//! let mut back = vec![0.0; n];
//! crt.to_centered_f64(&limbs, n, &mut back)?;
//! back.iter_mut().for_each(|c| *c /= delta);
//! let mut decoded = vec![Complex64::ZERO; n / 2];
//! fft.coeffs_to_slots(&back, &mut decoded)?;
//! for (a, b) in slots.iter().zip(&decoded) {
//!     assert!((*a - *b).norm() < 1e-9);
//! }
//! # Ok::<(), ckks::Error>(())
//! ```

mod complex;
mod crt;
mod encoder;
mod fft;

pub use complex::Complex64;
pub use crt::{
    CrtReconstructor, check_magnitude, f64_to_residues, f64s_to_limbs, max_centered_magnitude,
};
pub use encoder::Encoder;
pub use fft::{ROTATION_GENERATOR, SlotFft, naive_slots};
