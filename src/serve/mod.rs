//! `ckks serve`: the encrypted-inference HTTP service (axum + tokio).
//!
//! The server holds public models and evaluation keys only. A client downloads a model's plan,
//! generates keys for it, uploads the evaluation keys (never the secret key), sends encrypted
//! samples and decrypts the results.
//!
//! | route | in | out |
//! |---|---|---|
//! | `GET /health` | | [`Health`](crate::wire::Health) JSON |
//! | `GET /metrics` | | Prometheus text: requests by route and status, latency histograms, queue depth, key-set memory, peak resident memory |
//! | `GET /v1/models` | | [`ModelList`](crate::wire::ModelList) JSON: each model's plan (parameters, layout, depth, rotations), parameter id, Galois elements, standardization statistics; the server's limits |
//! | `POST /v1/keys` | envelope: parameters, public, relinearization and Galois keys | 201, [`KeySetCreated`](crate::wire::KeySetCreated) JSON with the key-set id |
//! | `DELETE /v1/keys/{id}` | | 204 |
//! | `POST /v1/models/{name}/predict?key_set=ID` | envelope: ciphertexts | envelope: result ciphertexts |
//!
//! The binary envelope and the JSON shapes are in [`crate::wire`].
//!
//! # Limits and safety
//!
//! - Bodies are bounded ([`Config::max_body_bytes`], [`Config::max_key_set_bytes`]): a larger
//!   declared or actual body is a 413 before it is buffered.
//! - Every object is validated in full against the parameters of a served model (sizes, every
//!   residue, levels, scales, checksums); the server never builds a context from client data.
//! - A key set is checked against the model's plan before any work: a missing Galois key is a
//!   422 naming the rotation step, so is a missing relinearization key, other parameters, or
//!   a ciphertext at the wrong level, scale or slot count.
//! - Key sets live in a store with a memory cap ([`Config::key_store_bytes`], LRU eviction)
//!   and a time to live after their last use.
//! - CPU-heavy work (loading keys, inference) runs on the blocking pool, at most
//!   [`Config::workers`] jobs at once, behind a queue of [`Config::queue`] admitted jobs:
//!   when it is full the answer is 429 with `Retry-After`.
//! - Every error is JSON with a stable code ([`ErrorCode`](crate::wire::ErrorCode)); every
//!   client mistake is a 4xx.
//! - Shutdown (Ctrl-C, SIGTERM, or [`RunningServer::shutdown`]) stops accepting connections
//!   and lets in-flight requests finish.
//!
//! ```no_run
//! # async fn run() -> ckks_cli::Result<()> {
//! use ckks_cli::serve::{Config, Server, shutdown_signal};
//! let server = Server::bind(Config::default()).await?;   // serves ./models on 127.0.0.1:8080
//! server.run(shutdown_signal()).await
//! # }
//! ```

mod config;
mod keystore;
mod metrics;
mod models;
mod routes;
mod state;

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

pub use config::Config;
pub use metrics::peak_resident_bytes;

use crate::error::{Error, Result};
use crate::wire::ModelInfo;
use keystore::KeyStore;
use state::{AppState, WorkQueue};

/// A bound, not yet running server: models loaded, listener open.
#[derive(Debug)]
pub struct Server {
    state: Arc<AppState>,
    listener: tokio::net::TcpListener,
}

impl Server {
    /// Validates `config`, loads and compiles the models of its model directory, and binds its
    /// address (port 0: an ephemeral port, see [`local_addr`](Self::local_addr)).
    pub async fn bind(config: Config) -> Result<Self> {
        config.validate()?;
        let models = models::load_dir(&config.models)?;
        if models.is_empty() {
            return Err(Error::Config(format!(
                "no servable model in {} (export one with `cargo run --release --example export_heart_model`)",
                config.models.display()
            )));
        }
        let model_order = models.iter().map(|m| m.info.name.clone()).collect();
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| Error::Config(format!("cannot listen on {}: {e}", config.listen)))?;
        let state = AppState {
            models: models
                .into_iter()
                .map(|m| (m.info.name.clone(), m))
                .collect::<HashMap<_, _>>(),
            model_order,
            keys: KeyStore::new(config.key_store_bytes, config.ttl()),
            queue: WorkQueue::new(
                config.queue,
                config.worker_count(),
                config.retry_after_seconds,
            ),
            metrics: Default::default(),
            config,
        };
        Ok(Self {
            state: Arc::new(state),
            listener,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.listener
            .local_addr()
            .map_err(|e| Error::Config(format!("no local address: {e}")))
    }

    /// The models served, in name order.
    pub fn models(&self) -> Vec<ModelInfo> {
        self.state
            .model_order
            .iter()
            .filter_map(|n| self.state.models.get(n))
            .map(|m| m.info.clone())
            .collect()
    }

    /// Serves until `shutdown` completes, then stops accepting connections and waits for the
    /// in-flight requests to finish.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<()> {
        axum::serve(self.listener, routes::router(self.state))
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(|e| Error::Transport(format!("server: {e}")))
    }

    /// Runs the server on the current tokio runtime in the background.
    pub fn spawn(self) -> Result<RunningServer> {
        let addr = self.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(self.run(async {
            let _ = rx.await;
        }));
        Ok(RunningServer {
            addr,
            shutdown: tx,
            task,
        })
    }
}

/// A server running in the background ([`Server::spawn`]).
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<()>>,
}

impl RunningServer {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, `http://addr`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections, lets in-flight requests finish, and waits for the server
    /// to stop.
    pub async fn shutdown(self) -> Result<()> {
        let _ = self.shutdown.send(());
        self.task
            .await
            .map_err(|e| Error::Transport(format!("server task: {e}")))?
    }
}

/// Completes on Ctrl-C or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
