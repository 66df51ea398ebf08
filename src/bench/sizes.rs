//! `ckks bench sizes --params <set>`: the serialized size of every object, in bytes.

use ckks::keys::power_of_two_elements;
use ckks::math::sampling::os_seeded_rng;
use ckks::params::Preset;
use ckks::{
    Context, Encoder, Encryptor, EvaluationKeys, Evaluator, GaloisKeys, PublicKey,
    RelinearizationKey, SecretKey,
};
use serde_json::json;

use super::Record;

/// Builds every object at `preset` and reports its serialized size.
pub(crate) fn run(preset: Preset) -> Result<Vec<Record>, ckks::Error> {
    let ctx = Context::new(preset.literal().build()?)?;
    let mut rng = os_seeded_rng()?;
    let sk = SecretKey::generate(&ctx, &mut rng)?;
    let pk = PublicKey::generate(&sk, &mut rng)?;
    let relin = RelinearizationKey::generate(&sk, &mut rng)?;
    let n = ctx.n();
    let galois_pow2 = GaloisKeys::generate(&sk, &power_of_two_elements(n), &mut rng)?;
    let galois_one = GaloisKeys::generate(&sk, &[ckks::keys::galois_element(1, n)], &mut rng)?;
    let enc = Encoder::new(&ctx);
    let values: Vec<f64> = (0..ctx.params().max_slots())
        .map(|i| (i % 17) as f64 / 17.0)
        .collect();
    let pt = enc.encode(&values, ctx.max_level(), ctx.default_scale())?;
    let ct_pk = Encryptor::new(&pk).encrypt(&pt, &mut rng)?;
    let ct_sk = Encryptor::with_secret_key(&sk).encrypt(&pt, &mut rng)?;
    let eval = Evaluator::new(
        &ctx,
        EvaluationKeys::from_parts(&ctx, None, GaloisKeys::default())?,
    )?;
    let ct_degree2 = eval.mul(&ct_pk, &ct_pk)?;
    let ct_level0 = eval.drop_to_level(&ct_pk, 0)?;
    let sizes = [
        ("parameters", ctx.params().to_bytes().len()),
        ("secret_key", sk.to_bytes().len()),
        ("public_key", pk.to_bytes().len()),
        ("plaintext", pt.to_bytes().len()),
        ("ciphertext_pk", ct_pk.to_bytes().len()),
        ("ciphertext_sk", ct_sk.to_bytes().len()),
        ("ciphertext_degree2", ct_degree2.to_bytes().len()),
        ("ciphertext_level0", ct_level0.to_bytes().len()),
        ("relin_key", relin.to_bytes().len()),
        ("galois_key_single", galois_one.to_bytes().len()),
        ("galois_keys_pow2", galois_pow2.to_bytes().len()),
    ];
    Ok(sizes
        .into_iter()
        .filter_map(|(object, bytes)| {
            let v = json!({
                "group": "sizes", "object": object, "bytes": bytes, "params": preset.name(),
            });
            match v {
                serde_json::Value::Object(m) => Some(Record(m)),
                _ => None,
            }
        })
        .collect())
}
