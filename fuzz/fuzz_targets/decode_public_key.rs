//! Fuzzes `PublicKey::from_bytes` / `read_from`.
//! See `common/mod.rs` for the input modes and the checks.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

use ckks::PublicKey;

fuzz_target!(|data: &[u8]| {
    let ctx = common::ctx();
    let Some(bytes) = common::input(data, |rng| {
        let sk = common::secret_key(rng);
        PublicKey::generate(&sk, rng)
            .map(|pk| pk.to_bytes())
            .unwrap_or_default()
    }) else {
        return;
    };
    common::check(
        &bytes,
        |b| PublicKey::from_bytes(b, ctx),
        |r| PublicKey::read_from(r, ctx),
        PublicKey::to_bytes,
    );
});
