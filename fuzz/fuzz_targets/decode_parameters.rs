//! Fuzzes `Parameters::from_bytes` / `read_from`: parameters are rebuilt and validated from untrusted bytes.
//! See `common/mod.rs` for the input modes and the checks.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

use ckks::params::Preset;
use rand_chacha::rand_core::Rng;

fuzz_target!(|data: &[u8]| {
    let Some(bytes) = common::input(data, |rng| {
        let choice = rng.next_u32() as usize;
        let params = match Preset::ALL.get(choice % 8) {
            Some(preset) => preset.literal().build(),
            None => common::literal().build_insecure_for_tests(),
        };
        params.map(|p| p.to_bytes()).unwrap_or_default()
    }) else {
        return;
    };
    common::check_parameters(&bytes);
});
