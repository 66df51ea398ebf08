//! The library half of the `ckks` command-line tool: the encrypted-inference HTTP service
//! ([`serve`]) and its Rust client SDK ([`client`]), which share the wire format ([`wire`]).
//!
//! The server holds evaluation keys and public models only; the secret key stays with the
//! client. See [`serve`] for the API and [`client`] for an end-to-end example.

pub mod client;
mod error;
pub mod loadtest;
pub mod serve;
pub mod wire;

pub use error::{Error, Result};
