//! Shared server state, the bounded work queue, and the error answer.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use super::config::Config;
use super::keystore::KeyStore;
use super::metrics::{Gauges, Metrics};
use super::models::ServedModel;
use crate::wire::{ErrorBody, ErrorCode, ErrorDetail};

/// What every handler sees.
#[derive(Debug)]
pub(crate) struct AppState {
    pub(crate) config: Config,
    pub(crate) models: HashMap<String, ServedModel>,
    /// The models' names in directory order, for listings.
    pub(crate) model_order: Vec<String>,
    pub(crate) keys: KeyStore,
    pub(crate) queue: WorkQueue,
    pub(crate) metrics: Metrics,
}

impl AppState {
    pub(crate) fn gauges(&self) -> Gauges {
        Gauges {
            queued: self.queue.waiting.load(Ordering::Relaxed),
            running: self.queue.running.load(Ordering::Relaxed),
            queue_capacity: self.queue.capacity,
            rejected_busy: self.queue.rejected.load(Ordering::Relaxed),
            store: self.keys.stats(),
        }
    }
}

/// An error answer: a status from the code, and `{"error": {"code", "message"}}`.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
    pub(crate) retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            retry_after: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// The bounded queue in front of the CPU-heavy work: at most `capacity` jobs are admitted
/// (running or waiting), and at most `workers` run at once on the blocking pool. Admission is
/// a `try_acquire`: when the queue is full the answer is 429 at once, never a growing backlog.
#[derive(Debug)]
pub(crate) struct WorkQueue {
    admitted: Arc<Semaphore>,
    workers: Arc<Semaphore>,
    capacity: usize,
    retry_after: u64,
    waiting: Arc<AtomicUsize>,
    running: Arc<AtomicUsize>,
    rejected: AtomicU64,
}

/// Decrements a gauge when dropped (also when the request is cancelled).
struct GaugeGuard(Arc<AtomicUsize>);

impl GaugeGuard {
    fn new(gauge: &Arc<AtomicUsize>) -> Self {
        gauge.fetch_add(1, Ordering::Relaxed);
        Self(gauge.clone())
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl WorkQueue {
    pub(crate) fn new(capacity: usize, workers: usize, retry_after: u64) -> Self {
        Self {
            admitted: Arc::new(Semaphore::new(capacity)),
            workers: Arc::new(Semaphore::new(workers.max(1))),
            capacity,
            retry_after,
            waiting: Arc::default(),
            running: Arc::default(),
            rejected: AtomicU64::new(0),
        }
    }

    /// Runs `job` on the blocking pool once a worker is free, or refuses with 429 if the queue
    /// is full. The permits move into the job: a request cancelled by its client still holds
    /// its worker until the job ends, so the bound holds.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let Ok(admission) = self.admitted.clone().try_acquire_owned() else {
            self.rejected.fetch_add(1, Ordering::Relaxed);
            return Err(ApiError {
                retry_after: Some(self.retry_after),
                ..ApiError::new(
                    ErrorCode::Busy,
                    format!(
                        "the work queue is full ({} jobs admitted): retry after {} s",
                        self.capacity, self.retry_after
                    ),
                )
            });
        };
        let waiting = GaugeGuard::new(&self.waiting);
        let worker =
            self.workers.clone().acquire_owned().await.map_err(|_| {
                ApiError::new(ErrorCode::ShuttingDown, "the server is shutting down")
            })?;
        drop(waiting);
        let running = self.running.clone();
        tokio::task::spawn_blocking(move || {
            let _permits = (admission, worker, GaugeGuard::new(&running));
            job()
        })
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("a worker failed: {e}")))?
    }
}
