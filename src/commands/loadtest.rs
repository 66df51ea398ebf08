//! `ckks loadtest`: concurrent clients, or a flood of malformed requests, on loopback.

use std::path::PathBuf;

use ckks_cli::client::Client;
use ckks_cli::loadtest::{Twin, check_loopback, run_flood, run_load};
use ckks_cli::serve::{Config, Server};

/// Arguments of `ckks loadtest`.
#[derive(Debug, clap::Args)]
pub(crate) struct LoadtestArgs {
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Duration of the load run, in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// The model.
    #[arg(long, default_value = "heart")]
    model: String,
    /// The model directory (for the in-process server, and the plaintext twin that answers
    /// are checked against).
    #[arg(long, default_value = "models")]
    models: PathBuf,
    /// A running server on loopback; without it a server is started in this process.
    #[arg(long)]
    server: Option<String>,
    /// Instead of the load run, send this many malformed requests, then check a prediction.
    #[arg(long)]
    malformed: Option<usize>,
    /// Workers of the in-process server (0: one per core).
    #[arg(long, default_value_t = 0)]
    workers: usize,
    /// Queue of the in-process server.
    #[arg(long, default_value_t = 32)]
    queue: usize,
}

pub(crate) fn run(args: &LoadtestArgs) -> Result<(), Box<dyn std::error::Error>> {
    let twin = Twin::load(&args.models, &args.model).ok();
    super::runtime()?.block_on(async {
        let (url, server) = match &args.server {
            Some(url) => {
                check_loopback(url)?;
                (url.clone(), None)
            }
            None => {
                let config = Config {
                    listen: "127.0.0.1:0".parse()?,
                    models: args.models.clone(),
                    workers: args.workers,
                    queue: args.queue,
                    ..Config::default()
                };
                let running = Server::bind(config).await?.spawn()?;
                (running.url(), Some(running))
            }
        };
        let client = Client::new(&url)?;
        let place = if server.is_some() { "in-process server (the memory figure covers clients and server)" } else { "server" };
        match args.malformed {
            Some(count) => {
                println!("flood: {count} malformed requests from {} clients against {} at {url}, {place}", args.clients, args.model);
                let report = run_flood(&client, &args.model, twin.as_ref(), args.clients, count).await?;
                println!("{report}");
                if report.unexpected > 0 || !report.still_correct {
                    return Err("the server answered a malformed request unexpectedly, or mispredicted afterwards".into());
                }
            }
            None => {
                println!("load: {} clients for {} s against {} at {url}, {place}", args.clients, args.seconds, args.model);
                let report = run_load(&client, &args.model, twin.as_ref(), args.clients, args.seconds).await?;
                println!("{report}");
            }
        }
        if let Some(s) = server {
            s.shutdown().await?;
        }
        Ok(())
    })
}
