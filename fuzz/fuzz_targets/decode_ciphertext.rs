//! Fuzzes `Ciphertext::from_bytes` / `read_from`: degrees 1 to 4, public- and secret-key (seeded) encryptions, every level.
//! See `common/mod.rs` for the input modes and the checks.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

use ckks::Ciphertext;

fuzz_target!(|data: &[u8]| {
    let ctx = common::ctx();
    let Some(bytes) = common::input(data, |rng| common::ciphertext(rng).to_bytes()) else {
        return;
    };
    common::check(
        &bytes,
        |b| Ciphertext::from_bytes(b, ctx),
        |r| Ciphertext::read_from(r, ctx),
        Ciphertext::to_bytes,
    );
});
