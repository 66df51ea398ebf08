//! Fuzzes `Plaintext::from_bytes` / `read_from`.
//! See `common/mod.rs` for the input modes and the checks.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

use ckks::{Encoder, Plaintext};
use rand_chacha::rand_core::Rng;

fuzz_target!(|data: &[u8]| {
    let ctx = common::ctx();
    let Some(bytes) = common::input(data, |rng| {
        let choice = rng.next_u32();
        let values: Vec<f64> = (0..1 + choice % 8).map(|i| f64::from(i) - 2.5).collect();
        Encoder::new(ctx)
            .encode(&values, ((choice >> 3) % 3) as usize, ctx.default_scale())
            .map(|pt| pt.to_bytes())
            .unwrap_or_default()
    }) else {
        return;
    };
    common::check(
        &bytes,
        |b| Plaintext::from_bytes(b, ctx),
        |r| Plaintext::read_from(r, ctx),
        Plaintext::to_bytes,
    );
});
