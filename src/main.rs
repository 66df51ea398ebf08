//! `ckks`: the command-line tool of ckks-rs.
//!
//! `ckks demo` runs the main story end to end; `ckks bench <group> --json` prints one JSON
//! object per measurement, the format every issue's progress is measured in; `ckks train`
//! trains a model on encrypted data from a CSV file.

use clap::{Parser, Subcommand};

mod bench;
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
    about = "CKKS homomorphic encryption: demo, benchmarks, training on encrypted data"
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
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo => demo::run(),
        Command::Bench(args) => bench::run(&args),
        Command::Train(args) => train::run(&args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
