//! `ckks`: the command-line tool of ckks-rs.
//!
//! `ckks demo` runs the main story end to end; `ckks bench <group> --json` prints one JSON
//! object per measurement, the format every issue's progress is measured in; `ckks train`
//! trains a model on encrypted data from a CSV file. `ckks serve`, `ckks client` and
//! `ckks loadtest` are the encrypted-inference service, its client and its load test (the
//! library half, `ckks_cli`, holds their code).

use clap::{Parser, Subcommand};

mod bench;
mod commands;
mod demo;
mod train;

/// mimalloc keeps freed memory for reuse instead of trimming the heap after every large
/// ciphertext temporary (see the comment in Cargo.toml).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Command-line interface.
#[derive(Debug, Parser)]
#[command(
    name = "ckks",
    version,
    about = "CKKS homomorphic encryption: demo, benchmarks, training on encrypted data, encrypted-inference service"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run what the library can do, with self-checks against reference implementations.
    Demo,
    /// Measure a group of operations and print medians.
    Bench(bench::BenchArgs),
    /// Train a linear or logistic regression on encrypted data from a CSV file, end to end.
    Train(train::TrainArgs),
    /// Serve encrypted inference over HTTP for the models of a directory.
    Serve(commands::serve::ServeArgs),
    /// Talk to a server: make and upload keys, predict on encrypted data.
    Client(commands::client::ClientArgs),
    /// Load-test a server on loopback (concurrent clients, or a flood of malformed requests).
    Loadtest(commands::loadtest::LoadtestArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo => demo::run(),
        Command::Bench(args) => bench::run(&args),
        Command::Train(args) => train::run(&args),
        Command::Serve(args) => commands::serve::run(&args),
        Command::Client(args) => commands::client::run(&args),
        Command::Loadtest(args) => commands::loadtest::run(&args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
