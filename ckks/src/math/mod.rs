//! Modular arithmetic, primes and sampling: the bottom layer of the crate.

pub(crate) mod ifma52;
mod modulus;
mod primes;
pub mod sampling;

pub use modulus::{MAX_MODULUS_BITS, Modulus, ShoupOperand};
pub(crate) use primes::log2_exact;
pub use primes::{is_ntt_friendly, is_prime, minimal_primitive_root, ntt_primes, prime_chain};
