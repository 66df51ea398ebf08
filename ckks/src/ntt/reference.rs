//! A naive quadratic-time negacyclic transform: the definition the fast transforms must match.

use super::NttTable;

/// Evaluates `a` at the points the forward transform uses, in its output order:
/// output `i` is `a(psi^(2 * bitrev(i) + 1)) mod q`. Quadratic time: for tests and self-checks.
///
/// ```
/// use ckks::ntt::{reference, NttTable};
/// let t = NttTable::new(16, 97)?;
/// let a: Vec<u64> = (0..16).collect();
/// let mut fast = a.clone();
/// t.forward(&mut fast);
/// assert_eq!(fast, reference::forward_naive(&t, &a));
/// # Ok::<(), ckks::Error>(())
/// ```
pub fn forward_naive(table: &NttTable, a: &[u64]) -> Vec<u64> {
    let q = table.modulus();
    let n = table.degree();
    let psi = table.root();
    let log_n = table.log_degree();
    (0..n)
        .map(|i| {
            let rev = super::bit_reverse(i, log_n);
            let point = q.pow(psi, 2 * rev as u64 + 1);
            // Horner's rule.
            a.iter()
                .rev()
                .fold(0u64, |acc, &c| q.mul_add(acc, point, q.reduce(c)))
        })
        .collect()
}
