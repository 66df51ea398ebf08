//! Fuzzes `GaloisKeys::from_bytes` / `read_from`: counts, element validity, order and uniqueness.
//! See `common/mod.rs` for the input modes and the checks.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

use ckks::GaloisKeys;

fuzz_target!(|data: &[u8]| {
    let ctx = common::ctx();
    let Some(bytes) = common::input(data, |rng| common::galois_keys(rng).to_bytes()) else {
        return;
    };
    common::check(
        &bytes,
        |b| GaloisKeys::from_bytes(b, ctx),
        |r| GaloisKeys::read_from(r, ctx),
        GaloisKeys::to_bytes,
    );
});
