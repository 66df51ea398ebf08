//! Request counters and latency histograms, rendered in the Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::keystore::StoreStats;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The route label of a request path: one of a fixed set, so that hostile paths cannot grow
/// the label space.
pub(crate) fn route_label(method: &str, path: &str) -> &'static str {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        ("GET", ["health"]) => "GET /health",
        ("GET", ["metrics"]) => "GET /metrics",
        ("GET", ["v1", "models"]) => "GET /v1/models",
        ("POST", ["v1", "keys"]) => "POST /v1/keys",
        ("DELETE", ["v1", "keys", _]) => "DELETE /v1/keys/{id}",
        ("POST", ["v1", "models", _, "predict"]) => "POST /v1/models/{name}/predict",
        _ => "other",
    }
}

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Debug, Default)]
struct Inner {
    requests: BTreeMap<(&'static str, u16), u64>,
    latency: BTreeMap<&'static str, Histogram>,
}

/// The server's counters.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    inner: Mutex<Inner>,
}

/// Gauges sampled when `/metrics` is rendered.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Gauges {
    pub(crate) queued: usize,
    pub(crate) running: usize,
    pub(crate) queue_capacity: usize,
    pub(crate) rejected_busy: u64,
    pub(crate) store: StoreStats,
}

impl Metrics {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts one answered request.
    pub(crate) fn record(&self, route: &'static str, status: u16, elapsed: Duration) {
        let mut inner = self.lock();
        *inner.requests.entry((route, status)).or_default() += 1;
        let h = inner.latency.entry(route).or_default();
        let secs = elapsed.as_secs_f64();
        for (c, &le) in h.counts.iter_mut().zip(&BUCKETS) {
            if secs <= le {
                *c += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
    }

    /// The Prometheus text exposition of the counters and `gauges`.
    pub(crate) fn render(&self, g: &Gauges) -> String {
        let mut out = String::new();
        let inner = self.lock();
        let _ = writeln!(
            out,
            "# HELP ckks_requests_total Requests answered, by route and status.\n# TYPE ckks_requests_total counter"
        );
        for ((route, status), n) in &inner.requests {
            let _ = writeln!(
                out,
                "ckks_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP ckks_request_duration_seconds Request latency, by route.\n# TYPE ckks_request_duration_seconds histogram"
        );
        for (route, h) in &inner.latency {
            for (c, le) in h.counts.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "ckks_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {c}"
                );
            }
            let _ = writeln!(
                out,
                "ckks_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\nckks_request_duration_seconds_sum{{route=\"{route}\"}} {}\nckks_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count, h.sum, h.count
            );
        }
        drop(inner);
        let peak = peak_resident_bytes().unwrap_or(0);
        let gauges: [(&str, &str, &str, u64); 10] = [
            (
                "ckks_queue_waiting",
                "gauge",
                "Jobs admitted and waiting for a worker.",
                g.queued as u64,
            ),
            (
                "ckks_queue_running",
                "gauge",
                "Jobs running on a worker.",
                g.running as u64,
            ),
            (
                "ckks_queue_capacity",
                "gauge",
                "Jobs admitted at once (running or waiting) before 429.",
                g.queue_capacity as u64,
            ),
            (
                "ckks_queue_rejected_total",
                "counter",
                "Requests refused with 429 because the queue was full.",
                g.rejected_busy,
            ),
            (
                "ckks_key_sets",
                "gauge",
                "Key sets held.",
                g.store.sets as u64,
            ),
            (
                "ckks_key_set_bytes",
                "gauge",
                "Memory of the key sets held, in bytes.",
                g.store.bytes as u64,
            ),
            (
                "ckks_key_set_capacity_bytes",
                "gauge",
                "The key store's memory cap, in bytes.",
                g.store.cap as u64,
            ),
            (
                "ckks_key_sets_evicted_total",
                "counter",
                "Key sets evicted to stay under the cap.",
                g.store.evicted,
            ),
            (
                "ckks_key_sets_expired_total",
                "counter",
                "Key sets dropped after their time to live.",
                g.store.expired,
            ),
            (
                "process_resident_memory_max_bytes",
                "gauge",
                "Peak resident memory of the process (VmHWM), in bytes.",
                peak,
            ),
        ];
        for (name, kind, help, v) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}"
            );
        }
        out
    }
}

/// The process's peak resident memory (`VmHWM` of `/proc/self/status`), where available.
pub fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_histogram() {
        assert_eq!(
            route_label("POST", "/v1/models/heart/predict"),
            "POST /v1/models/{name}/predict"
        );
        assert_eq!(route_label("GET", "/v1/models/../../etc"), "other");
        let m = Metrics::default();
        m.record("GET /health", 200, Duration::from_millis(3));
        m.record("GET /health", 200, Duration::from_millis(30));
        let text = m.render(&Gauges {
            queued: 1,
            running: 2,
            queue_capacity: 8,
            rejected_busy: 0,
            store: StoreStats {
                sets: 0,
                bytes: 0,
                cap: 10,
                evicted: 0,
                expired: 0,
            },
        });
        assert!(text.contains("ckks_requests_total{route=\"GET /health\",status=\"200\"} 2"));
        assert!(text.contains("route=\"GET /health\",le=\"0.005\"} 1"));
        assert!(text.contains("route=\"GET /health\",le=\"0.05\"} 2"));
        assert!(text.contains("ckks_queue_running 2"));
    }
}
