//! `ckks serve`: flags over an optional TOML file over the defaults.

use std::net::SocketAddr;
use std::path::PathBuf;

use ckks_cli::serve::{Config, Server, shutdown_signal};

/// Arguments of `ckks serve` (each flag overrides the TOML file's setting).
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// TOML configuration file (see `ckks_cli::serve::Config` for every key).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Model directory: every ckks-ml JSON model in it [default: models].
    #[arg(long)]
    models: Option<PathBuf>,
    /// Largest prediction body, in bytes [default: 16 MiB].
    #[arg(long)]
    max_body_bytes: Option<usize>,
    /// Largest key-set upload, in bytes [default: 64 MiB].
    #[arg(long)]
    max_key_set_bytes: Option<usize>,
    /// Memory cap of all key sets, in bytes (LRU eviction beyond) [default: 1 GiB].
    #[arg(long)]
    key_store_bytes: Option<usize>,
    /// Seconds a key set stays after its last use [default: 3600].
    #[arg(long)]
    key_set_ttl_seconds: Option<u64>,
    /// Concurrent CPU jobs (0: one per core) [default: 0].
    #[arg(long)]
    workers: Option<usize>,
    /// Jobs admitted at once, running or waiting, before 429 [default: 32].
    #[arg(long)]
    queue: Option<usize>,
    /// Most ciphertexts per prediction request [default: 64].
    #[arg(long)]
    max_ciphertexts: Option<usize>,
}

impl ServeArgs {
    /// The configuration: defaults, then the file, then the flags.
    pub(crate) fn config(&self) -> ckks_cli::Result<Config> {
        let mut c = match &self.config {
            Some(path) => Config::from_toml_file(path)?,
            None => Config::default(),
        };
        macro_rules! apply {
            ($($field:ident),*) => { $( if let Some(v) = &self.$field { c.$field = v.clone(); } )* };
        }
        apply!(
            listen,
            models,
            max_body_bytes,
            max_key_set_bytes,
            key_store_bytes,
            key_set_ttl_seconds,
            workers,
            queue,
            max_ciphertexts
        );
        c.validate()?;
        Ok(c)
    }
}

pub(crate) fn run(args: &ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let config = args.config()?;
    super::runtime()?.block_on(async {
        let server = Server::bind(config.clone()).await?;
        println!(
            "ckks serve: listening on http://{} ({} workers, queue {}, key store {} MiB)",
            server.local_addr()?,
            config.worker_count(),
            config.queue,
            config.key_store_bytes >> 20
        );
        for m in server.models() {
            println!(
                "  model {:<12} {} on {} features, N = 2^{}, depth {}, rotations {:?}",
                m.name, m.kind, m.features, m.plan.params.log_n, m.plan.depth, m.plan.rotations
            );
        }
        server.run(shutdown_signal()).await?;
        println!("ckks serve: stopped");
        Ok(())
    })
}
