//! Encrypted linear algebra on the Evaluator's primitives: rotate-and-sum and the layout
//! helpers of the diagonal method. A later circuits toolkit (hoisted rotations, baby-step
//! giant-step linear transforms) can replace these functions one for one.

use ckks::{Ciphertext, Evaluator};

use crate::error::Result;

/// The rotation steps [`rotate_and_sum`] uses: `stride, 2 stride, 4 stride, ...` below
/// `stride * count` (`count` a power of two).
pub fn sum_steps(stride: usize, count: usize) -> Vec<i64> {
    let mut steps = Vec::new();
    let mut s = stride;
    while s < stride * count {
        steps.push(s as i64);
        s *= 2;
    }
    steps
}

/// `ct <- sum_{t < count} rotate(ct, t * stride)`: afterwards slot `i` holds the sum of slots
/// `i, i + stride, ..., i + (count - 1) stride` (cyclically in the packing's period), in
/// `log2(count)` rotations.
pub fn rotate_and_sum(
    eval: &Evaluator,
    ct: &mut Ciphertext,
    stride: usize,
    count: usize,
) -> Result<()> {
    for step in sum_steps(stride, count) {
        let r = eval.rotate(ct, step)?;
        eval.add_assign(ct, &r)?;
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
        assert_eq!(sum_steps(1, 16), vec![1, 2, 4, 8]);
        assert_eq!(sum_steps(16, 16), vec![16, 32, 64, 128]);
        assert!(sum_steps(4, 1).is_empty());
    }
}
