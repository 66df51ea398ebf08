//! Parallel loops over RNS limbs and key-switching digits.
//!
//! With the `parallel` feature and a rayon pool of more than one thread, each helper runs one
//! task per item when the caller says the work is large enough; otherwise it runs in the
//! calling thread. Running in the calling thread matters even with a one-thread pool: handing
//! work to a pool thread and waiting for it costs a futex round trip per call.

/// Whether parallel loops can use more than one thread.
#[inline]
pub(crate) fn enabled() -> bool {
    #[cfg(feature = "parallel")]
    {
        rayon::current_num_threads() > 1
    }
    #[cfg(not(feature = "parallel"))]
    {
        false
    }
}

/// Runs `f(i, limb_i)` on every `n`-sized limb of `data`.
pub(crate) fn for_each_limb<F>(data: &mut [u64], n: usize, parallel: bool, f: F)
where
    F: Fn(usize, &mut [u64]) + Sync + Send,
{
    if n == 0 {
        return;
    }
    #[cfg(feature = "parallel")]
    if parallel && data.len() > n && enabled() {
        use rayon::prelude::*;
        data.par_chunks_exact_mut(n)
            .enumerate()
            .for_each(|(i, limb)| f(i, limb));
        return;
    }
    let _ = parallel;
    for (i, limb) in data.chunks_exact_mut(n).enumerate() {
        f(i, limb);
    }
}

/// Runs `f(i, a_i, b_i)` on the limbs of two buffers side by side (as many limbs as the
/// shorter one has).
pub(crate) fn for_each_limb_pair<F>(a: &mut [u64], b: &mut [u64], n: usize, parallel: bool, f: F)
where
    F: Fn(usize, &mut [u64], &mut [u64]) + Sync + Send,
{
    if n == 0 {
        return;
    }
    #[cfg(feature = "parallel")]
    if parallel && a.len().min(b.len()) > n && enabled() {
        use rayon::prelude::*;
        a.par_chunks_exact_mut(n)
            .zip(b.par_chunks_exact_mut(n))
            .enumerate()
            .for_each(|(i, (x, y))| f(i, x, y));
        return;
    }
    let _ = parallel;
    for (i, (x, y)) in a.chunks_exact_mut(n).zip(b.chunks_exact_mut(n)).enumerate() {
        f(i, x, y);
    }
}

/// Runs the fallible `f(i, limb_i)` on every `n`-sized limb of `data`, stopping at the first
/// error.
pub(crate) fn try_for_each_limb<E, F>(
    data: &mut [u64],
    n: usize,
    parallel: bool,
    f: F,
) -> Result<(), E>
where
    E: Send,
    F: Fn(usize, &mut [u64]) -> Result<(), E> + Sync + Send,
{
    if n == 0 {
        return Ok(());
    }
    #[cfg(feature = "parallel")]
    if parallel && data.len() > n && enabled() {
        use rayon::prelude::*;
        return data
            .par_chunks_exact_mut(n)
            .enumerate()
            .try_for_each(|(i, limb)| f(i, limb));
    }
    let _ = parallel;
    data.chunks_exact_mut(n)
        .enumerate()
        .try_for_each(|(i, limb)| f(i, limb))
}

/// Runs `a` and `b`, concurrently when parallel loops are enabled.
pub(crate) fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    #[cfg(feature = "parallel")]
    if enabled() {
        return rayon::join(a, b);
    }
    (a(), b())
}

/// A buffer of `limbs` limbs, limb `i` being what `f(i, out)` appends to `out` (exactly `n`
/// values): limbs in parallel when the caller says the work is large enough, else appended to
/// one buffer (written once, never zeroed first).
pub(crate) fn collect_limbs<E, F>(
    limbs: usize,
    n: usize,
    parallel: bool,
    f: F,
) -> Result<Vec<u64>, E>
where
    E: Send,
    F: Fn(usize, &mut Vec<u64>) -> Result<(), E> + Sync + Send,
{
    #[cfg(feature = "parallel")]
    if parallel && limbs > 1 && enabled() {
        use rayon::prelude::*;
        let parts: Vec<Vec<u64>> = (0..limbs)
            .into_par_iter()
            .map(|i| {
                let mut v = Vec::with_capacity(n);
                f(i, &mut v)?;
                debug_assert_eq!(v.len(), n, "collect_limbs: limb {i} is not n values");
                Ok(v)
            })
            .collect::<Result<_, E>>()?;
        return Ok(parts.concat());
    }
    let _ = parallel;
    let mut out = Vec::with_capacity(limbs * n);
    for i in 0..limbs {
        f(i, &mut out)?;
        debug_assert_eq!(
            out.len(),
            (i + 1) * n,
            "collect_limbs: limb {i} is not n values"
        );
    }
    Ok(out)
}

/// `f` of every item, in order (one task per item when the caller says the work is large
/// enough).
pub(crate) fn map_items<T, R, F>(items: Vec<T>, parallel: bool, f: F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync + Send,
{
    #[cfg(feature = "parallel")]
    if parallel && items.len() > 1 && enabled() {
        use rayon::prelude::*;
        return items.into_par_iter().map(f).collect();
    }
    let _ = parallel;
    items.into_iter().map(f).collect()
}
