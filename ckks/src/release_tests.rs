//! [`Decryptor::decrypt_for_release`]: the Li-Micciancio key-recovery attack succeeds against
//! plain decryption and fails against the release; refusals; the precision cost at the
//! presets.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::params::{ParametersLiteral, Preset};
use crate::precision::PrecisionStats;
use crate::{
    Ciphertext, Complex64, Context, Decryptor, Encoder, Encryptor, Error, EvaluationKeys,
    Evaluator, Plaintext, PublicKey, ReleasePolicy, SecretKey,
};

fn context(literal: ParametersLiteral) -> Context {
    Context::new(literal.build_insecure_for_tests().unwrap()).unwrap()
}

fn small() -> Context {
    context(ParametersLiteral {
        log_n: 10,
        log_q: [55].into_iter().chain([40; 4]).collect(),
        log_p: vec![56, 56],
        log_scale: 40,
        ..Default::default()
    })
}

fn values(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| ((i * 7919 % 1000) as f64 / 500.0) - 1.0)
        .collect()
}

/// Li-Micciancio (Eurocrypt 2021): from the shared decoded slots of one decryption, re-encode
/// them (exactly `c_0 + c_1 s mod q_0` when the decoding is exact), solve
/// `s = (p - c_0) / c_1` point-wise in NTT form modulo `q_0`, and return the candidate key's
/// centered coefficients.
fn attack(ctx: &Context, enc: &Encoder, ct: &Ciphertext, shared: &[Complex64]) -> Vec<i64> {
    let n = ctx.n();
    let pt = enc.encode_complex(shared, 0, ct.scale()).unwrap();
    let q = ctx.q_basis().moduli()[0];
    let p = &pt.poly().coeffs()[..n];
    let c0 = &ct.parts()[0].coeffs()[..n];
    let c1 = &ct.parts()[1].coeffs()[..n];
    let mut s: Vec<u64> = (0..n)
        .map(|i| {
            let inv = q.inv(c1[i]).unwrap_or(0);
            q.mul(q.sub(p[i], c0[i]), inv)
        })
        .collect();
    ctx.q_basis().table(0).inverse(&mut s);
    s.iter().map(|&x| q.centered(x)).collect()
}

fn all_slots(pt: &Plaintext, ctx: &Context, enc: &Encoder) -> Vec<Complex64> {
    let mut full = pt.clone();
    full.slots = ctx.params().max_slots();
    enc.decode_complex(&full).unwrap()
}

#[test]
fn key_recovery_succeeds_on_decryptions_and_fails_on_releases() {
    let ctx = small();
    let enc = Encoder::new(&ctx);
    let mut rng = ChaCha20Rng::from_seed([31; 32]);
    let sk = SecretKey::generate(&ctx, &mut rng).unwrap();
    let secret: Vec<i64> = sk.ternary.iter().map(|&x| i64::from(x)).collect();
    let evk = EvaluationKeys::builder(&sk)
        .relinearization()
        .build(&mut rng)
        .unwrap();
    let eval = Evaluator::new(&ctx, evk).unwrap();
    let x = values(ctx.params().max_slots());
    let pt = enc
        .encode(&x, ctx.max_level(), ctx.default_scale())
        .unwrap();
    let fresh = Encryptor::with_secret_key(&sk)
        .encrypt(&pt, &mut rng)
        .unwrap();
    let evaluated = eval
        .rescale(&eval.mul_relin(&fresh, &fresh).unwrap())
        .unwrap();
    let dec = Decryptor::new(&sk).with_release_policy(ReleasePolicy::default().with_budget(4));
    for (what, ct) in [("fresh", &fresh), ("evaluated", &evaluated)] {
        // A plain decryption, shared: the key falls.
        let shared = all_slots(&dec.decrypt(ct).unwrap(), &ctx, &enc);
        assert_eq!(
            attack(&ctx, &enc, ct, &shared),
            secret,
            "{what}: the attack should recover the key from a plain decryption"
        );
        // A release: the candidate is not the key, not even a ternary polynomial.
        let released = dec.decrypt_for_release(ct, &mut rng).unwrap();
        let candidate = attack(&ctx, &enc, ct, &all_slots(&released, &ctx, &enc));
        let ternary = candidate.iter().filter(|c| c.abs() <= 1).count();
        let right = candidate
            .iter()
            .zip(&secret)
            .filter(|(a, b)| a == b)
            .count();
        assert!(
            ternary < ctx.n() / 50 && right < ctx.n() / 50,
            "{what}: the release leaks ({ternary} ternary, {right} right coefficients)"
        );
        // And the released values keep a few bits of precision.
        let expected: Vec<f64> = if what == "fresh" {
            x.clone()
        } else {
            x.iter().map(|v| v * v).collect()
        };
        let got = enc.decode(&released).unwrap();
        let stats = PrecisionStats::real(&expected, &got);
        assert!(stats.mean_bits > 1.0, "{what}: {stats}");
    }
}

#[test]
fn release_refuses_unknown_bounds_spent_budgets_and_lost_precision() {
    let ctx = small();
    let enc = Encoder::new(&ctx);
    let mut rng = ChaCha20Rng::from_seed([32; 32]);
    let sk = SecretKey::generate(&ctx, &mut rng).unwrap();
    let pt = enc
        .encode(&[0.5, 0.25], ctx.max_level(), ctx.default_scale())
        .unwrap();
    let ct = Encryptor::with_secret_key(&sk)
        .encrypt(&pt, &mut rng)
        .unwrap();
    // Loaded from bytes: no bound, no release.
    let loaded = Ciphertext::from_bytes(&ct.to_bytes(), &ctx).unwrap();
    let dec = Decryptor::new(&sk).with_release_policy(ReleasePolicy::default().with_budget(2));
    let err = dec.decrypt_for_release(&loaded, &mut rng).unwrap_err();
    assert!(matches!(err, Error::UnknownNoiseBound));
    assert!(err.to_string().contains("set_noise_bound"));
    // The budget: two releases, then a refusal, for every decryptor of the key.
    assert_eq!(dec.releases_remaining(), 2);
    dec.decrypt_for_release(&ct, &mut rng).unwrap();
    Decryptor::new(&sk)
        .with_release_policy(ReleasePolicy::default().with_budget(2))
        .decrypt_for_release(&ct, &mut rng)
        .unwrap();
    assert_eq!(dec.releases_remaining(), 0);
    let err = dec.decrypt_for_release(&ct, &mut rng).unwrap_err();
    assert!(
        matches!(
            err,
            Error::ReleaseBudgetExhausted {
                released: 2,
                budget: 2,
                ..
            }
        ),
        "{err}"
    );
    // A policy with a larger budget charges less per release, but the key's spent share
    // counts: with 2 of 2 spent at budget 2, budget 4 has nothing left either.
    let wide = Decryptor::new(&sk).with_release_policy(ReleasePolicy::default().with_budget(4));
    assert_eq!(wide.releases_remaining(), 0);
    // Precision: 100 bits of statistical security leave nothing at scale 2^40.
    let sk2 = SecretKey::generate(&ctx, &mut rng).unwrap();
    let ct2 = Encryptor::with_secret_key(&sk2)
        .encrypt(&pt, &mut rng)
        .unwrap();
    let strict =
        Decryptor::new(&sk2).with_release_policy(ReleasePolicy::default().with_security_bits(100));
    let err = strict.decrypt_for_release(&ct2, &mut rng).unwrap_err();
    let Error::ReleasePrecisionTooLow {
        log2_scale_needed, ..
    } = err
    else {
        panic!("expected a precision refusal, got {err}");
    };
    assert!(log2_scale_needed > 40.0 && err.to_string().contains("use a scale of at least"));
}

/// The precision of plain decryption and of release at the presets (`ref-a`: N = 2^13,
/// `n14`: N = 2^14; scale 2^40; and N = 2^14 at scale 2^55), fresh and after one multiplication: printed for the
/// documentation, and checked against the estimate the release computes.
#[test]
fn release_precision_cost_at_presets() {
    let wide = ParametersLiteral {
        log_n: 14,
        log_q: vec![60, 55, 55, 55, 55],
        log_p: vec![60, 60],
        log_scale: 55,
        ..Default::default()
    };
    for (name, literal) in [
        ("ref-a", Preset::RefA.literal()),
        ("n14", Preset::N14.literal()),
        ("N=2^14, scale 2^55", wide),
    ] {
        let ctx = Context::new(literal.build().unwrap()).unwrap();
        let enc = Encoder::new(&ctx);
        let mut rng = ChaCha20Rng::from_seed([33; 32]);
        let sk = SecretKey::generate(&ctx, &mut rng).unwrap();
        let pk = PublicKey::generate(&sk, &mut rng).unwrap();
        let evk = EvaluationKeys::builder(&sk)
            .relinearization()
            .build(&mut rng)
            .unwrap();
        let eval = Evaluator::new(&ctx, evk).unwrap();
        let x = values(ctx.params().max_slots());
        let pt = enc
            .encode(&x, ctx.max_level(), ctx.default_scale())
            .unwrap();
        let sk_ct = Encryptor::with_secret_key(&sk)
            .encrypt(&pt, &mut rng)
            .unwrap();
        let pk_ct = Encryptor::new(&pk).encrypt(&pt, &mut rng).unwrap();
        let sq = eval
            .rescale(&eval.mul_relin(&sk_ct, &sk_ct).unwrap())
            .unwrap();
        let x2: Vec<f64> = x.iter().map(|v| v * v).collect();
        let dec = Decryptor::new(&sk);
        for (what, ct, want) in [
            ("fresh sk", &sk_ct, &x),
            ("fresh pk", &pk_ct, &x),
            ("x^2", &sq, &x2),
        ] {
            let plain = PrecisionStats::real(want, &enc.decode(&dec.decrypt(ct).unwrap()).unwrap());
            let bound = eval.noise_bound_bits(ct).unwrap();
            match dec.decrypt_for_release(ct, &mut rng) {
                Ok(released) => {
                    let rel = PrecisionStats::real(want, &enc.decode(&released).unwrap());
                    eprintln!(
                        "{}: {what}: bound 2^{bound:.1} (guaranteed {:.1} bits); plain mean {:.1} \
                         bits, released mean {:.1} / min {:.1} bits (cost {:.1} bits)",
                        name,
                        ct.scale().log2() - bound,
                        plain.mean_bits,
                        rel.mean_bits,
                        rel.min_bits,
                        plain.mean_bits - rel.mean_bits
                    );
                    assert!(rel.mean_bits > 1.0 && rel.mean_bits < plain.mean_bits);
                }
                Err(e) => {
                    eprintln!(
                        "{}: {what}: bound 2^{bound:.1}; plain mean {:.1} bits; release refused: {e}",
                        name, plain.mean_bits
                    );
                    assert!(matches!(e, Error::ReleasePrecisionTooLow { .. }), "{e}");
                }
            }
        }
    }
}

/// No secret in `Debug`, `Display` or error messages of the secret-bearing types, and the
/// secret key's buffers are zeroed by `zeroize` (which `Drop` calls).
#[test]
fn secrets_are_not_printed_and_keys_are_zeroized() {
    use zeroize::Zeroize;
    let ctx = small();
    let enc = Encoder::new(&ctx);
    let mut rng = ChaCha20Rng::from_seed([34; 32]);
    let mut sk = SecretKey::generate(&ctx, &mut rng).unwrap();
    let x = values(ctx.params().max_slots());
    let pt = enc
        .encode(&x, ctx.max_level(), ctx.default_scale())
        .unwrap();
    let ct = Encryptor::with_secret_key(&sk)
        .encrypt(&pt, &mut rng)
        .unwrap();
    let dec = Decryptor::new(&sk);
    let decrypted = dec.decrypt(&ct).unwrap();
    let released = dec.decrypt_for_release(&ct, &mut rng).unwrap();
    // Residues of the key (NTT form, both bases) and of the decrypted polynomials, as text.
    let mut secrets: Vec<String> = sk.s_q.coeffs()[..64]
        .iter()
        .chain(&sk.s_p.coeffs()[..64])
        .chain(&decrypted.poly().coeffs()[..64])
        .chain(&released.poly().coeffs()[..64])
        .filter(|&&v| v > 1_000_000)
        .map(|v| v.to_string())
        .collect();
    let ternary: String = sk.ternary[..64]
        .iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    secrets.push(ternary);
    let loaded = Ciphertext::from_bytes(&ct.to_bytes(), &ctx).unwrap();
    let errors = [
        dec.decrypt_for_release(&loaded, &mut rng).unwrap_err(),
        Decryptor::new(&sk)
            .with_release_policy(ReleasePolicy::default().with_security_bits(120))
            .decrypt_for_release(&ct, &mut rng)
            .unwrap_err(),
    ];
    let mut printed = vec![
        format!("{sk:?}"),
        format!("{dec:?}"),
        format!("{decrypted:?}"),
        format!("{released:?}"),
        format!("{ct:?}"),
    ];
    for e in &errors {
        printed.push(e.to_string());
        printed.push(format!("{e:?}"));
    }
    for text in &printed {
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "{text} contains a secret value");
        }
    }
    assert_eq!(format!("{sk:?}"), "SecretKey { <secret> }");
    sk.zeroize();
    assert!(sk.ternary.iter().all(|&t| t == 0));
    assert!(sk.s_q.coeffs().iter().all(|&v| v == 0));
    assert!(sk.s_p.coeffs().iter().all(|&v| v == 0));
}
