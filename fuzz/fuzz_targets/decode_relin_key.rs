//! Fuzzes `RelinearizationKey::from_bytes` / `read_from`.
//! See `common/mod.rs` for the input modes and the checks.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

use ckks::RelinearizationKey;

fuzz_target!(|data: &[u8]| {
    let ctx = common::ctx();
    let Some(bytes) = common::input(data, |rng| common::relin_key(rng).to_bytes()) else {
        return;
    };
    common::check(
        &bytes,
        |b| RelinearizationKey::from_bytes(b, ctx),
        |r| RelinearizationKey::read_from(r, ctx),
        RelinearizationKey::to_bytes,
    );
});
