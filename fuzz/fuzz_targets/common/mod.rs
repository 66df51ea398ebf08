//! Shared by the decoder targets: a small context, valid objects made from a seed, and the
//! harness that mutates an input, decodes it from a slice and from a stream, and checks the
//! decoders' promises.
//!
//! The first input byte picks the mode:
//!
//! - bit 7 clear: the rest of the input is the encoded object as is (raw mode);
//! - bit 7 set: a valid object is made from the seed in bytes 1..9 and then edited by the rest
//!   of the input, three bytes per edit (position `u16`, value) (structured mode; reaches deep
//!   into the decoder without a seed corpus);
//!
//! and bit 0 set recomputes the checksum after the edits, so that the decoder's checks behind
//! it are exercised; bit 1 set truncates the bytes to the length in the last two input bytes.
//!
//! Every decode must return (no panic, no abort on a huge allocation), the slice and the
//! stream decoders must agree, and an object that loads must write back to exactly the bytes
//! it was loaded from (the encoding is canonical).

#![allow(dead_code)]

use std::fmt::Debug;
use std::sync::OnceLock;

use ckks::math::sampling::Csprng;
use ckks::params::{Parameters, ParametersLiteral};
use ckks::serialize::{CHECKSUM_LEN, checksum};
use ckks::{
    Ciphertext, Context, Encoder, Encryptor, Error, EvaluationKeys, Evaluator, GaloisKeys,
    PublicKey, RelinearizationKey, SecretKey,
};
use rand_chacha::rand_core::{Rng, SeedableRng};

/// N = 16, q = 30 + 20 + 20 bits, P = 2 x 30 bits: the decoders' full logic on small objects.
pub fn literal() -> ParametersLiteral {
    ParametersLiteral {
        log_n: 4,
        log_q: vec![30, 20, 20],
        log_p: vec![30, 30],
        log_scale: 20,
        ..Default::default()
    }
}

pub fn ctx() -> &'static Context {
    static CTX: OnceLock<Context> = OnceLock::new();
    CTX.get_or_init(|| {
        let params = literal()
            .build_insecure_for_tests()
            .expect("fuzz parameters");
        Context::new(params).expect("fuzz context")
    })
}

pub fn rng(seed: u64) -> Csprng {
    Csprng::seed_from_u64(seed)
}

pub fn secret_key(rng: &mut Csprng) -> SecretKey {
    SecretKey::generate(ctx(), rng).expect("secret key")
}

pub fn galois_keys(rng: &mut Csprng) -> GaloisKeys {
    let sk = secret_key(rng);
    let count = 1 + rng.next_u32() % 4;
    let elements: Vec<u64> = (0..count)
        .map(|_| 3 + 2 * u64::from(rng.next_u32() % 14))
        .collect();
    GaloisKeys::generate(&sk, &elements, rng).expect("Galois keys")
}

/// A ciphertext of degree 1 or 2, public- or secret-key encrypted, at any level.
pub fn ciphertext(rng: &mut Csprng) -> Ciphertext {
    let ctx = ctx();
    let sk = secret_key(rng);
    let enc = Encoder::new(ctx);
    let choice = rng.next_u32();
    let level = (choice % 3) as usize;
    let values: Vec<f64> = (0..1 + (choice >> 2) % 8)
        .map(|i| f64::from(i) / 4.0)
        .collect();
    let pt = enc
        .encode(&values, level, ctx.default_scale())
        .expect("encode");
    let ct = if choice & 0x100 != 0 {
        Encryptor::with_secret_key(&sk).encrypt(&pt, rng)
    } else {
        let pk = PublicKey::generate(&sk, rng).expect("public key");
        Encryptor::new(&pk).encrypt(&pt, rng)
    }
    .expect("encrypt");
    if choice & 0x200 != 0 {
        let eval = Evaluator::new(
            ctx,
            EvaluationKeys::from_parts(ctx, None, GaloisKeys::default()).expect("keys"),
        )
        .expect("evaluator");
        if let Ok(product) = eval.mul(&ct, &ct) {
            // Degrees 2 to 4: unrelinearized products, decrypted as they are.
            let extra = (choice >> 10) % 3;
            let mut out = product;
            for _ in 0..extra {
                match eval.mul(&out, &ct) {
                    Ok(next) => out = next,
                    Err(_) => break,
                }
            }
            return out;
        }
    }
    ct
}

/// The bytes to decode, from the fuzzer's input and the maker of valid objects.
pub fn input(data: &[u8], make: impl Fn(&mut Csprng) -> Vec<u8>) -> Option<Vec<u8>> {
    let (&mode, rest) = data.split_first()?;
    let mut bytes = if mode & 0x80 == 0 {
        rest.to_vec()
    } else {
        let seed = rest.get(..8)?;
        let mut b = make(&mut rng(u64::from_le_bytes(seed.try_into().ok()?)));
        if b.is_empty() {
            return None;
        }
        for edit in rest[8..].chunks_exact(3) {
            let at = usize::from(u16::from_le_bytes([edit[0], edit[1]])) % b.len();
            b[at] = edit[2];
        }
        b
    };
    if mode & 1 != 0 && bytes.len() >= CHECKSUM_LEN {
        let split = bytes.len() - CHECKSUM_LEN;
        let sum = checksum(&bytes[..split]);
        bytes[split..].copy_from_slice(&sum.to_le_bytes());
    }
    if mode & 2 != 0 && data.len() >= 2 {
        let len = u16::from_le_bytes([data[data.len() - 2], data[data.len() - 1]]);
        bytes.truncate(usize::from(len));
    }
    Some(bytes)
}

/// Decodes `bytes` from a slice and from a stream and checks the promises.
pub fn check<T: Debug>(
    bytes: &[u8],
    from_bytes: impl Fn(&[u8]) -> Result<T, Error>,
    read_from: impl Fn(&mut &[u8]) -> Result<T, Error>,
    to_bytes: impl Fn(&T) -> Vec<u8>,
) {
    let sliced = from_bytes(bytes);
    let mut stream = bytes;
    let streamed = read_from(&mut stream);
    let consumed = bytes.len() - stream.len();
    if let Ok(x) = &sliced {
        assert_eq!(
            to_bytes(x),
            bytes,
            "a loaded object writes back to other bytes"
        );
        assert!(
            streamed.is_ok(),
            "the slice loads, the stream does not: {streamed:?}"
        );
    }
    if let Ok(y) = &streamed {
        assert_eq!(
            to_bytes(y),
            &bytes[..consumed],
            "a streamed object writes back to other bytes"
        );
        if consumed == bytes.len() {
            assert!(
                sliced.is_ok(),
                "the stream loads, the slice does not: {sliced:?}"
            );
        } else {
            assert!(
                matches!(sliced, Err(Error::TrailingBytes { .. })),
                "{sliced:?}"
            );
        }
    }
}

/// Parameters have no context: their own harness.
pub fn check_parameters(bytes: &[u8]) {
    check(
        bytes,
        Parameters::from_bytes,
        |r| Parameters::read_from(r),
        Parameters::to_bytes,
    );
}

pub fn relin_key(rng: &mut Csprng) -> RelinearizationKey {
    let sk = secret_key(rng);
    RelinearizationKey::generate(&sk, rng).expect("relinearization key")
}
