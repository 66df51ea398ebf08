//! Fuzzes `SecretKey::from_bytes` / `read_from`: ternary codes.
//! See `common/mod.rs` for the input modes and the checks.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

use ckks::SecretKey;

fuzz_target!(|data: &[u8]| {
    let ctx = common::ctx();
    let Some(bytes) = common::input(data, |rng| common::secret_key(rng).to_bytes().to_vec()) else {
        return;
    };
    common::check(
        &bytes,
        |b| SecretKey::from_bytes(b, ctx),
        |r| SecretKey::read_from(r, ctx),
        |sk| sk.to_bytes().to_vec(),
    );
});
