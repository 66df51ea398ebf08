//! Encrypted linear algebra on the Evaluator's primitives: strided sums and the layout
//! helpers of the diagonal method.

use ckks::{Ciphertext, Evaluator};

use crate::error::Result;

/// The radix of the inner sums: each stage sums 4 rotations with one key-switch decomposition
/// and one division by `P` ([`Evaluator::rotate_sum`]). At `N = 2^13` a sum over 16 slots takes
/// two such stages (6 Galois keys) in 0.82x the time of 4 rotations (4 keys); radix 16 (15
/// keys, one stage) is slower than both: each inner product streams a key from memory
/// (`cargo run --release -p ckks-ml --example profile_steps`).
pub const SUM_RADIX: usize = 4;

/// The rotation steps [`rotate_and_sum`] uses (see [`Evaluator::sum_strided_steps`]).
pub fn sum_steps(stride: usize, count: usize) -> Vec<i64> {
    Evaluator::sum_strided_steps(stride, count, SUM_RADIX)
}

/// `ct <- sum_{t < count} rotate(ct, t * stride)`: afterwards slot `i` holds the sum of slots
/// `i, i + stride, ..., i + (count - 1) stride` (cyclically in the packing's period), in
/// `log4(count)` hoisted stages ([`Evaluator::sum_strided`]).
pub fn rotate_and_sum(
    eval: &Evaluator,
    ct: &mut Ciphertext,
    stride: usize,
    count: usize,
) -> Result<()> {
    if count > 1 {
        *ct = eval.sum_strided(ct, stride, count, SUM_RADIX)?;
    }
    Ok(())
}

/// The generalised diagonals of a `d x d` matrix laid out in `d` blocks of `d` slots:
/// block `i`, slot `j` holds `m[j][(j + i) mod d]` (entries outside `m` are 0).
///
/// Multiplied slot-wise with the input in the [`RotatedBlocks`](super::Layout::RotatedBlocks)
/// layout (block `i` holds the input rotated by `i`), block `i` holds
/// `m[j][(j + i) mod d] x[(j + i) mod d]`, and summing the blocks gives `(m x)_j` in every block.
pub fn block_diagonals(m: &[Vec<f64>], d: usize) -> Vec<f64> {
    let at = |r: usize, c: usize| m.get(r).and_then(|row| row.get(c)).copied().unwrap_or(0.0);
    let mut out = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..d {
            out[i * d + j] = at(j, (j + i) % d);
        }
    }
    out
}

/// The input of the diagonal method: block `b` holds `x` (padded to `d`) rotated left by `b`.
pub fn rotated_blocks(x: &[f64], d: usize) -> Vec<f64> {
    let at = |k: usize| x.get(k).copied().unwrap_or(0.0);
    let mut out = vec![0.0; d * d];
    for b in 0..d {
        for j in 0..d {
            out[b * d + j] = at((j + b) % d);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagonal_method_in_the_clear() {
        let m = vec![vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]];
        let x = [1.0, -1.0, 2.0];
        let d = 4;
        let diag = block_diagonals(&m, d);
        let input = rotated_blocks(&x, d);
        let prod: Vec<f64> = diag.iter().zip(&input).map(|(a, b)| a * b).collect();
        let y: Vec<f64> = (0..d)
            .map(|j| (0..d).map(|i| prod[i * d + j]).sum())
            .collect();
        assert_eq!(y, vec![5.0, 11.0, 0.0, 0.0]);
        assert_eq!(sum_steps(1, 16), vec![1, 2, 3, 4, 8, 12]);
        assert_eq!(sum_steps(16, 16), vec![16, 32, 48, 64, 128, 192]);
        assert!(sum_steps(4, 1).is_empty());
    }
}
