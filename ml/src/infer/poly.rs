//! Encrypted polynomial evaluation.

/// The multiplicative depth of a degree-`degree` polynomial evaluated by
/// [`eval_poly`]: `ceil(log2(degree + 1))`.
pub fn depth_for_degree(degree: usize) -> usize {
    (usize::BITS - degree.leading_zeros()) as usize
}
