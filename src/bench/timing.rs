//! A small timing harness: warm up, then time single runs until enough samples and enough time
//! have accumulated, and report the median.

use std::time::{Duration, Instant};

/// The outcome of timing one operation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    /// Median wall-clock time of one run, in nanoseconds.
    pub(crate) median_ns: u64,
    /// Number of timed runs.
    pub(crate) runs: usize,
    /// The fastest run (or batch mean): on a shared, noisy machine the best estimate of the
    /// undisturbed cost.
    pub(crate) min_ns: u64,
}

/// How long to sample each operation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    /// Minimum number of timed runs.
    pub(crate) min_runs: usize,
    /// Keep sampling until at least this much time was spent timing (unless `max_runs` is hit).
    pub(crate) min_time: Duration,
    /// Never take more runs than this.
    pub(crate) max_runs: usize,
}

impl Budget {
    /// For operations of tens of milliseconds and more: at least 5 runs and 2 s.
    pub(crate) const SLOW: Budget = Budget {
        min_runs: 5,
        min_time: Duration::from_secs(2),
        max_runs: 51,
    };
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            min_runs: 11,
            min_time: Duration::from_millis(400),
            max_runs: 2001,
        }
    }
}

/// Times `f` (after a short warm-up) and returns the median of single runs.
///
/// Runs shorter than 10 us are timed in batches so that clock overhead stays negligible; the
/// median is then taken over batch means.
pub(crate) fn measure(budget: Budget, mut f: impl FnMut()) -> Timing {
    // Warm-up: caches, lazily built tables, CPU frequency.
    let warm_start = Instant::now();
    let mut warm_runs = 0u32;
    while warm_runs < 3 || (warm_start.elapsed() < Duration::from_millis(50) && warm_runs < 1000) {
        f();
        warm_runs += 1;
    }
    let per_run = warm_start.elapsed() / warm_runs;
    let batch = if per_run < Duration::from_micros(10) {
        (Duration::from_micros(10).as_nanos() / per_run.as_nanos().max(1)) as u32 + 1
    } else {
        1
    };
    let mut samples = Vec::with_capacity(budget.min_runs);
    let start = Instant::now();
    while samples.len() < budget.max_runs
        && (samples.len() < budget.min_runs || start.elapsed() < budget.min_time)
    {
        let t = Instant::now();
        for _ in 0..batch {
            f();
        }
        samples.push(t.elapsed().as_nanos() as u64 / batch as u64);
    }
    samples.sort_unstable();
    Timing {
        median_ns: samples[samples.len() / 2],
        runs: samples.len() * batch as usize,
        min_ns: samples[0],
    }
}
