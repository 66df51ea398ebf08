//! The service's subcommands: `ckks serve`, `ckks client ...`, `ckks loadtest`.

pub(crate) mod client;
pub(crate) mod loadtest;
pub(crate) mod serve;

/// A multi-threaded tokio runtime for one command.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}
