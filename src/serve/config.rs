//! Server configuration: defaults, an optional TOML file, command-line flags on top.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Everything the server can be told. Every field has a default; a TOML file may set any of
/// them (unknown keys are an error):
///
/// ```toml
/// listen = "127.0.0.1:8080"
/// models = "models"
/// max_body_bytes = 16777216      # one prediction request
/// max_key_set_bytes = 67108864   # one key-set upload
/// key_store_bytes = 1073741824   # all key sets together (LRU eviction beyond it)
/// key_set_ttl_seconds = 3600     # a key set unused this long is dropped
/// workers = 0                    # concurrent CPU jobs (0: one per core)
/// queue = 32                     # jobs admitted at once, running or waiting; then 429
/// max_ciphertexts = 64           # ciphertexts per prediction request
/// retry_after_seconds = 1        # the Retry-After of a 429
/// ```
///
/// ```
/// let c = ckks_cli::serve::Config::from_toml_str("queue = 8\nworkers = 2")?;
/// assert_eq!((c.queue, c.workers, c.max_ciphertexts), (8, 2, 64));
/// assert!(ckks_cli::serve::Config::from_toml_str("queue = 0").is_err());
/// assert!(ckks_cli::serve::Config::from_toml_str("no_such_setting = 1").is_err());
/// # Ok::<(), ckks_cli::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The address to listen on.
    pub listen: SocketAddr,
    /// The model directory: every `*.json` model exported by `ckks-ml` in it is served under
    /// its file name without `.json`.
    pub models: PathBuf,
    /// The largest prediction body, in bytes.
    pub max_body_bytes: usize,
    /// The largest key-set upload, in bytes.
    pub max_key_set_bytes: usize,
    /// The memory cap of all key sets together, in bytes: beyond it the least recently used
    /// key sets are evicted.
    pub key_store_bytes: usize,
    /// Seconds after its last use a key set is dropped.
    pub key_set_ttl_seconds: u64,
    /// The number of CPU-heavy jobs run at once (0: one per core).
    pub workers: usize,
    /// The number of jobs admitted at once, running or waiting; when full, requests get 429.
    pub queue: usize,
    /// The most ciphertexts one prediction request may carry.
    pub max_ciphertexts: usize,
    /// The `Retry-After` of a 429, in seconds.
    pub retry_after_seconds: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            models: PathBuf::from("models"),
            max_body_bytes: 16 << 20,
            max_key_set_bytes: 64 << 20,
            key_store_bytes: 1 << 30,
            key_set_ttl_seconds: 3600,
            workers: 0,
            queue: 32,
            max_ciphertexts: 64,
            retry_after_seconds: 1,
        }
    }
}

impl Config {
    /// Reads a TOML file (missing keys take their defaults) and validates it.
    pub fn from_toml_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_toml_str(&text).map_err(|e| Error::Config(format!("{}: {e}", path.display())))
    }

    /// Parses TOML text and validates it.
    pub fn from_toml_str(text: &str) -> Result<Self> {
        let c: Self = toml::from_str(text).map_err(|e| Error::Config(e.to_string()))?;
        c.validate()?;
        Ok(c)
    }

    /// Checks that every limit is usable.
    pub fn validate(&self) -> Result<()> {
        let positive = [
            ("max_body_bytes", self.max_body_bytes),
            ("max_key_set_bytes", self.max_key_set_bytes),
            ("key_store_bytes", self.key_store_bytes),
            ("queue", self.queue),
            ("max_ciphertexts", self.max_ciphertexts),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(Error::Config(format!("{name} must be positive")));
        }
        if self.key_set_ttl_seconds == 0 {
            return Err(Error::Config("key_set_ttl_seconds must be positive".into()));
        }
        if self.key_store_bytes < self.max_key_set_bytes {
            return Err(Error::Config(format!(
                "key_store_bytes ({}) must hold at least one key set of max_key_set_bytes ({})",
                self.key_store_bytes, self.max_key_set_bytes
            )));
        }
        Ok(())
    }

    /// The number of concurrent CPU jobs: `workers`, or one per core.
    pub fn worker_count(&self) -> usize {
        if self.workers > 0 {
            self.workers
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        }
    }

    /// The key-set time to live.
    pub fn ttl(&self) -> Duration {
        Duration::from_secs(self.key_set_ttl_seconds)
    }
}
