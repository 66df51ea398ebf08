//! Circuits every encrypted model is made of, and their planning.
//!
//! - [`Polynomial`]: polynomials in the power or the Chebyshev basis (Chebyshev interpolation
//!   of any function, the sigmoid fits, `exp`, the square root), evaluated by
//!   [`Evaluator::evaluate_polynomial`](crate::Evaluator::evaluate_polynomial) at minimal depth
//!   with baby-step giant-step splitting and exact scales;
//! - [`LinearTransform`]: a plaintext matrix times an encrypted vector (diagonal method with
//!   baby-step giant-step and hoisted rotations), evaluated by
//!   [`Evaluator::linear_transform`](crate::Evaluator::linear_transform);
//! - [`CircuitPlan`]: the depth and the Galois keys of a circuit, known before any key is
//!   generated.
//!
//! The evaluator also provides, with the rotation steps each needs:
//! [`rotate_many`](crate::Evaluator::rotate_many) (hoisted rotations),
//! [`sum_slots`](crate::Evaluator::sum_slots), [`sum_within_blocks`](crate::Evaluator::sum_within_blocks),
//! [`sum_across_blocks`](crate::Evaluator::sum_across_blocks),
//! [`replicate`](crate::Evaluator::replicate), [`inner_product`](crate::Evaluator::inner_product),
//! [`inner_product_plain`](crate::Evaluator::inner_product_plain) and
//! [`inverse`](crate::Evaluator::inverse).

mod plan;
pub mod polynomial;

pub use crate::ops::LinearTransform;
pub use plan::CircuitPlan;
pub use polynomial::{Basis, Polynomial};
