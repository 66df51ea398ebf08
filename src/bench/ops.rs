//! `ckks bench ops --params <set>`: every CKKS primitive, and the `precision` group.

use ckks::keys::power_of_two_elements;
use ckks::math::sampling::os_seeded_rng;
use ckks::params::Preset;
use ckks::precision::PrecisionStats;
use ckks::{
    Context, Decryptor, Encoder, Encryptor, EvaluationKeys, Evaluator, GaloisKeys, PublicKey,
    RelinearizationKey, SecretKey,
};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use serde_json::json;

use super::Record;
use super::timing::{Budget, measure};

/// Uniform values in [-1, 1].
pub(crate) fn uniform_values(rng: &mut ChaCha20Rng, count: usize) -> Vec<f64> {
    (0..count)
        .map(|_| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0)
        .collect()
}

/// Times every primitive at `preset` and measures precision.
pub(crate) fn run(preset: Preset, threads: usize) -> Result<Vec<Record>, ckks::Error> {
    let ctx = Context::new(preset.literal().build()?)?;
    let mut rng = os_seeded_rng()?;
    let mut data_rng = ChaCha20Rng::from_seed([5; 32]);
    let sk = SecretKey::generate(&ctx, &mut rng)?;
    let pk = PublicKey::generate(&sk, &mut rng)?;
    let evk = EvaluationKeys::builder(&sk)
        .relinearization()
        .power_of_two_rotations()
        .build(&mut rng)?;
    let eval = Evaluator::new(&ctx, evk)?;
    let enc = Encoder::new(&ctx);
    let encryptor = Encryptor::new(&pk);
    let sk_encryptor = Encryptor::with_secret_key(&sk);
    let decryptor = Decryptor::new(&sk);
    let slots = ctx.params().max_slots();
    let (level, scale) = (ctx.max_level(), ctx.default_scale());
    let x = uniform_values(&mut data_rng, slots);
    let y = uniform_values(&mut data_rng, slots);
    let pt_x = enc.encode(&x, level, scale)?;
    let pt_y = enc.encode(&y, level, scale)?;
    let ct_x = encryptor.encrypt(&pt_x, &mut rng)?;
    let ct_y = encryptor.encrypt(&pt_y, &mut rng)?;
    let product = eval.mul_relin(&ct_x, &ct_y)?;

    let fast = Budget::default();
    let slow = Budget::SLOW;
    let mut failure: Option<ckks::Error> = None;
    let mut note = |r: Result<(), ckks::Error>| {
        if let Err(e) = r {
            failure.get_or_insert(e);
        }
    };
    let galois_elements = power_of_two_elements(ctx.n());
    let log_slots = slots.trailing_zeros();
    let timings = vec![
        (
            "keygen_relin",
            measure(slow, || {
                note(RelinearizationKey::generate(&sk, &mut rng).map(drop))
            }),
        ),
        (
            "keygen_galois_pow2",
            measure(slow, || {
                note(GaloisKeys::generate(&sk, &galois_elements, &mut rng).map(drop))
            }),
        ),
        (
            "encode",
            measure(fast, || note(enc.encode(&x, level, scale).map(drop))),
        ),
        (
            "encode_encrypt_pk",
            measure(fast, || {
                note(
                    enc.encode(&x, level, scale)
                        .and_then(|p| encryptor.encrypt(&p, &mut rng))
                        .map(drop),
                )
            }),
        ),
        (
            "encrypt_sk",
            measure(fast, || {
                note(sk_encryptor.encrypt(&pt_x, &mut rng).map(drop))
            }),
        ),
        (
            "decrypt_decode",
            measure(fast, || {
                note(
                    decryptor
                        .decrypt(&ct_x)
                        .and_then(|p| enc.decode(&p))
                        .map(drop),
                )
            }),
        ),
        (
            "add",
            measure(fast, || note(eval.add(&ct_x, &ct_y).map(drop))),
        ),
        (
            "mul_pt",
            measure(fast, || note(eval.mul_plain(&ct_x, &pt_y).map(drop))),
        ),
        (
            "mul_relin",
            measure(fast, || note(eval.mul_relin(&ct_x, &ct_y).map(drop))),
        ),
        (
            "rescale",
            measure(fast, || note(eval.rescale(&product).map(drop))),
        ),
        (
            "mul_relin_rescale",
            measure(fast, || {
                note(
                    eval.mul_relin(&ct_x, &ct_y)
                        .and_then(|p| eval.rescale(&p))
                        .map(drop),
                )
            }),
        ),
        (
            "rotate_1",
            measure(fast, || note(eval.rotate(&ct_x, 1).map(drop))),
        ),
        (
            "sum_slots",
            measure(slow, || {
                note((|| {
                    let mut acc = ct_x.clone();
                    for i in 0..log_slots {
                        let r = eval.rotate(&acc, 1 << i)?;
                        eval.add_assign(&mut acc, &r)?;
                    }
                    Ok(())
                })())
            }),
        ),
    ];
    if let Some(e) = failure {
        return Err(e);
    }
    let mut out: Vec<Record> = timings
        .into_iter()
        .filter_map(|(op, t)| {
            Record::from_json(json!({
                "group": "ops", "op": op, "params": preset.name(), "log_n": ctx.params().log_n(),
                "levels": level + 1, "threads": threads, "median_ns": t.median_ns, "runs": t.runs,
            }))
        })
        .collect();

    // Precision, mean bits over all slots.
    let got = enc.decode(&decryptor.decrypt(&ct_x)?)?;
    let enc_dec = PrecisionStats::real(&x, &got);
    let ct_sk = sk_encryptor.encrypt(&pt_x, &mut rng)?;
    let enc_dec_sk = PrecisionStats::real(&x, &enc.decode(&decryptor.decrypt(&ct_sk)?)?);
    let got = enc.decode(&decryptor.decrypt(&eval.rescale(&product)?)?)?;
    let xy: Vec<f64> = x.iter().zip(&y).map(|(a, b)| a * b).collect();
    let mul = PrecisionStats::real(&xy, &got);
    // enc_dec_bits: public-key encryption (as the peers measure it); enc_dec_sk_bits: the
    // key owner's secret-key encryption.
    for (op, s) in [
        ("enc_dec_bits", enc_dec),
        ("enc_dec_sk_bits", enc_dec_sk),
        ("mul_bits", mul),
    ] {
        out.extend(Record::from_json(json!({
            "group": "precision", "op": op, "params": preset.name(), "value": s.mean_bits,
            "min_bits": s.min_bits, "max_abs_err": s.max_abs_error,
        })));
    }
    Ok(out)
}
