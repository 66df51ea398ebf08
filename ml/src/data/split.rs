//! Train/test splits and k-fold partitions: seeded and deterministic (the same seed gives the
//! same split on every platform and in every version of this crate).
//!
//! ```
//! use ckks_ml::data::split;
//! let labels = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
//! let s = split::stratified(&labels, 0.5, 7)?;
//! let positives = s.test.iter().filter(|&&i| labels[i] == 1).count();
//! assert_eq!((s.test.len(), positives), (5, 3));                  // 2 of 4 and 3 of 6
//! let folds = split::k_fold(10, 3, 7)?;
//! assert_eq!(folds.iter().map(|f| f.test.len()).collect::<Vec<_>>(), [4, 3, 3]);
//! # Ok::<(), ckks_ml::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::rng::SplitMix64;

/// Row indices of a training and a test part (each sorted ascending, disjoint).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    /// Training rows.
    pub train: Vec<usize>,
    /// Test rows.
    pub test: Vec<usize>,
}

fn check_fraction(test_fraction: f64) -> Result<()> {
    if test_fraction > 0.0 && test_fraction < 1.0 {
        Ok(())
    } else {
        Err(Error::InvalidArgument {
            name: "test_fraction",
            value: test_fraction.to_string(),
            expected: "strictly between 0 and 1",
        })
    }
}

fn finish(mut train: Vec<usize>, mut test: Vec<usize>) -> Result<Split> {
    if train.is_empty() || test.is_empty() {
        return Err(Error::Empty {
            what: "one side of the split",
            fix: "use more rows or a test fraction further from 0 and 1",
        });
    }
    train.sort_unstable();
    test.sort_unstable();
    Ok(Split { train, test })
}

/// Indices grouped by label, in label order, each group shuffled.
fn shuffled_groups(labels: &[usize], rng: &mut SplitMix64) -> Vec<Vec<usize>> {
    let classes = labels.iter().copied().max().map_or(0, |m| m + 1);
    let mut groups = vec![Vec::new(); classes];
    for (i, &l) in labels.iter().enumerate() {
        groups[l].push(i);
    }
    for g in groups.iter_mut() {
        rng.shuffle(g);
    }
    groups.retain(|g| !g.is_empty());
    groups
}

/// A random split of `n` rows: `round(test_fraction * n)` rows go to the test part.
pub fn shuffled(n: usize, test_fraction: f64, seed: u64) -> Result<Split> {
    check_fraction(test_fraction)?;
    let mut rng = SplitMix64::new(seed);
    let mut idx: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut idx);
    let n_test = (test_fraction * n as f64).round() as usize;
    let train = idx.split_off(n_test.min(n));
    finish(train, idx)
}

/// A stratified split: each class sends `round(test_fraction * class size)` of its rows to the
/// test part, so both parts keep the class proportions.
pub fn stratified(labels: &[usize], test_fraction: f64, seed: u64) -> Result<Split> {
    check_fraction(test_fraction)?;
    let mut rng = SplitMix64::new(seed);
    let mut train = Vec::new();
    let mut test = Vec::new();
    for mut g in shuffled_groups(labels, &mut rng) {
        let n_test = (test_fraction * g.len() as f64).round() as usize;
        train.extend(g.split_off(n_test.min(g.len())));
        test.extend(g);
    }
    finish(train, test)
}

fn check_folds(n: usize, k: usize) -> Result<()> {
    if k >= 2 && k <= n {
        Ok(())
    } else {
        Err(Error::InvalidArgument {
            name: "k",
            value: k.to_string(),
            expected: "at least 2 and at most the number of rows",
        })
    }
}

fn folds_from_assignment(n: usize, k: usize, fold_of: &[usize]) -> Vec<Split> {
    (0..k)
        .map(|f| {
            let (test, train): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| fold_of[i] == f);
            Split { train, test }
        })
        .collect()
}

/// `k` folds of a random permutation of `n` rows: every row is in exactly one test part; fold
/// sizes differ by at most one (the first `n % k` folds have one more).
pub fn k_fold(n: usize, k: usize, seed: u64) -> Result<Vec<Split>> {
    check_folds(n, k)?;
    let mut rng = SplitMix64::new(seed);
    let mut idx: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut idx);
    let mut fold_of = vec![0; n];
    let (base, extra) = (n / k, n % k);
    let mut pos = 0;
    for f in 0..k {
        let size = base + usize::from(f < extra);
        for &i in &idx[pos..pos + size] {
            fold_of[i] = f;
        }
        pos += size;
    }
    Ok(folds_from_assignment(n, k, &fold_of))
}

/// Stratified `k` folds: the rows of each class (shuffled) are dealt to the folds in turn, so
/// each fold keeps the class proportions and fold sizes differ by at most one.
pub fn stratified_k_fold(labels: &[usize], k: usize, seed: u64) -> Result<Vec<Split>> {
    let n = labels.len();
    check_folds(n, k)?;
    let mut rng = SplitMix64::new(seed);
    let mut fold_of = vec![0; n];
    for (pos, i) in shuffled_groups(labels, &mut rng)
        .into_iter()
        .flatten()
        .enumerate()
    {
        fold_of[i] = pos % k;
    }
    Ok(folds_from_assignment(n, k, &fold_of))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_partition(folds: &[Split], n: usize) {
        let mut seen = vec![0; n];
        for f in folds {
            assert_eq!(f.train.len() + f.test.len(), n);
            for &i in &f.test {
                seen[i] += 1;
                assert!(f.train.binary_search(&i).is_err());
            }
        }
        assert!(
            seen.iter().all(|&c| c == 1),
            "every row in exactly one test fold"
        );
    }

    #[test]
    fn stratified_keeps_proportions_and_is_deterministic() {
        let labels: Vec<usize> = (0..300).map(|i| usize::from(i % 3 == 0)).collect(); // 100 ones
        let a = stratified(&labels, 0.2, 11).unwrap();
        let b = stratified(&labels, 0.2, 11).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, stratified(&labels, 0.2, 12).unwrap());
        assert_eq!(a.test.len(), 60);
        assert_eq!(a.test.iter().filter(|&&i| labels[i] == 1).count(), 20);
        assert_eq!(a.train.iter().filter(|&&i| labels[i] == 1).count(), 80);
        assert!(stratified(&labels, 1.0, 0).is_err());
        assert!(stratified(&labels, 0.0, 0).is_err());
    }

    #[test]
    fn shuffled_split_sizes() {
        let s = shuffled(10, 0.3, 5).unwrap();
        assert_eq!((s.train.len(), s.test.len()), (7, 3));
        assert!(shuffled(1, 0.3, 5).is_err());
    }

    #[test]
    fn k_fold_partitions() {
        for (n, k) in [(10, 3), (7, 7), (100, 5)] {
            let folds = k_fold(n, k, 3).unwrap();
            assert_eq!(folds.len(), k);
            is_partition(&folds, n);
            let sizes: Vec<usize> = folds.iter().map(|f| f.test.len()).collect();
            assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
        }
        assert!(k_fold(5, 1, 0).is_err());
        assert!(k_fold(5, 6, 0).is_err());
    }

    #[test]
    fn stratified_k_fold_partitions_and_balances() {
        let labels: Vec<usize> = (0..103).map(|i| usize::from(i % 4 == 0)).collect(); // 26 ones
        let folds = stratified_k_fold(&labels, 5, 9).unwrap();
        is_partition(&folds, 103);
        for f in &folds {
            let ones = f.test.iter().filter(|&&i| labels[i] == 1).count();
            assert!((5..=6).contains(&ones), "{ones}");
            assert!((20..=21).contains(&f.test.len()));
        }
    }
}
