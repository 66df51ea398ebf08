//! The tracked noise bound against the measured error, and robustness of the evaluator, on
//! random circuits (proptest) and on the composite circuits (hoisting, sums, linear
//! transforms, polynomials, the inverse).
//!
//! The measured error is `max_i |sigma(decrypt(ct))_i - Delta z_i|` over all `N/2` slots (the
//! canonical-embedding infinity norm: the other `N/2` evaluations are the conjugates), with `z`
//! computed in complex f64 alongside the ciphertext.

use std::sync::OnceLock;

use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

use crate::circuits::{LinearTransform, Polynomial};
use crate::keys::SecretKey;
use crate::params::ParametersLiteral;
use crate::{
    Ciphertext, Complex64, Context, Decryptor, Encoder, Encryptor, Error, EvaluationKeys,
    Evaluator, PublicKey,
};

struct Fixture {
    ctx: Context,
    sk: SecretKey,
    pk: PublicKey,
    enc: Encoder,
    eval: Evaluator,
}

const STEPS: [i64; 5] = [1, -1, 3, 16, 100];

/// N = 2^10, eight 40-bit levels: fast, and deep enough for random circuits.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let literal = ParametersLiteral {
            log_n: 10,
            log_q: [55].into_iter().chain([40; 8]).collect(),
            log_p: vec![56, 56],
            log_scale: 40,
            ..Default::default()
        };
        let ctx = Context::new(literal.build_insecure_for_tests().unwrap()).unwrap();
        let mut rng = ChaCha20Rng::from_seed([77; 32]);
        let sk = SecretKey::generate(&ctx, &mut rng).unwrap();
        let pk = PublicKey::generate(&sk, &mut rng).unwrap();
        let mut steps = STEPS.to_vec();
        steps.extend(Evaluator::sum_slots_steps(64));
        let evk = EvaluationKeys::builder(&sk)
            .relinearization()
            .conjugation()
            .rotations(&steps)
            .build(&mut rng)
            .unwrap();
        let eval = Evaluator::new(&ctx, evk).unwrap();
        Fixture {
            enc: Encoder::new(&ctx),
            ctx,
            sk,
            pk,
            eval,
        }
    })
}

/// A ciphertext with the exact slot values it should hold.
struct Tracked {
    ct: Ciphertext,
    z: Vec<Complex64>,
}

impl Fixture {
    fn slots(&self) -> usize {
        self.ctx.params().max_slots()
    }

    fn random_values(&self, rng: &mut ChaCha20Rng, bound: f64) -> Vec<Complex64> {
        let mut u = || ((rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) * bound;
        (0..self.slots())
            .map(|_| Complex64::new(u(), u()))
            .collect()
    }

    fn encrypt_at(
        &self,
        z: Vec<Complex64>,
        level: usize,
        scale: f64,
        public: bool,
        rng: &mut ChaCha20Rng,
    ) -> Result<Tracked, Error> {
        let pt = self.enc.encode_complex(&z, level, scale)?;
        let ct = if public {
            Encryptor::new(&self.pk).encrypt(&pt, rng)?
        } else {
            Encryptor::with_secret_key(&self.sk).encrypt(&pt, rng)?
        };
        Ok(Tracked { ct, z })
    }

    /// `log2` of the measured canonical-norm error, and `log2` of the tolerance for the
    /// floating-point error of the measurement itself.
    fn measured(&self, t: &Tracked) -> (f64, f64) {
        let mut pt = Decryptor::new(&self.sk).decrypt(&t.ct).unwrap();
        pt.slots = self.slots();
        let got = self.enc.decode_complex(&pt).unwrap();
        let scale = t.ct.scale();
        let z_at = |i: usize| t.z[i % t.z.len()];
        let err = got
            .iter()
            .enumerate()
            .map(|(i, g)| (*g - z_at(i)).norm() * scale)
            .fold(0.0f64, f64::max);
        let largest = t.z.iter().map(|v| v.norm()).fold(0.0f64, f64::max) * scale;
        // Decoding divides by the scale and runs an FFT in f64.
        (err.log2(), (largest * 2f64.powi(-40)).log2().max(-10.0))
    }

    /// Asserts the measured error is within the tracked bound; returns the slack in bits.
    fn check(&self, what: &str, t: &Tracked) -> f64 {
        let tracked =
            t.ct.noise_bound()
                .unwrap_or_else(|| panic!("{what}: no noise bound"));
        let Some(bound) = self.eval.noise_bound_bits(&t.ct) else {
            // Only a bound reaching the modulus is withheld (the decryption may wrap).
            assert!(!tracked.fits(self.ctx.log_q_at(t.ct.level())), "{what}");
            return 0.0;
        };
        let (measured, tolerance) = self.measured(t);
        let allowed = bound.max(tolerance) + (1.0 + (-(bound - tolerance).abs()).exp2()).log2();
        assert!(
            measured <= allowed,
            "{what}: measured error 2^{measured:.2} exceeds the bound 2^{bound:.2}"
        );
        bound - measured
    }
}

fn rotate_vec(z: &[Complex64], step: i64) -> Vec<Complex64> {
    let n = z.len() as i64;
    (0..n)
        .map(|i| z[(i + step).rem_euclid(n) as usize])
        .collect()
}

#[derive(Clone, Debug)]
enum Op {
    Add(bool),
    Sub(bool),
    MulRelin,
    Square,
    MulNoRelin,
    Relinearize,
    MulPlain,
    AddPlain,
    MulConst(f64),
    AddConst(f64),
    MulInt(i64),
    Rescale,
    Rotate(usize),
    RotateMany,
    RotateSum,
    Conjugate,
    DropLevel,
    Neg,
    MatchScale,
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<bool>().prop_map(Op::Add),
        any::<bool>().prop_map(Op::Sub),
        Just(Op::MulRelin),
        Just(Op::Square),
        Just(Op::MulNoRelin),
        Just(Op::Relinearize),
        Just(Op::MulPlain),
        Just(Op::AddPlain),
        (-3.0f64..3.0).prop_map(Op::MulConst),
        (-2.0f64..2.0).prop_map(Op::AddConst),
        (-4i64..5).prop_map(Op::MulInt),
        Just(Op::Rescale),
        Just(Op::Rescale),
        (0..STEPS.len()).prop_map(Op::Rotate),
        Just(Op::RotateMany),
        Just(Op::RotateSum),
        Just(Op::Conjugate),
        Just(Op::DropLevel),
        Just(Op::Neg),
        Just(Op::MatchScale),
    ]
}

/// The errors a random circuit may meet (a level, scale or degree the operation refuses):
/// documented refusals, not failures.
fn documented(e: &Error) -> bool {
    matches!(
        e,
        Error::EndOfModulusChain { .. }
            | Error::ScaleOverflow { .. }
            | Error::ScaleMismatch { .. }
            | Error::DegreeTooHigh { .. }
            | Error::InvalidScale { .. }
            | Error::ValueTooLarge { .. }
            | Error::LevelOutOfRange { .. }
            | Error::TransparentResult { .. }
    )
}

/// Applies `op` to `t`; `Ok(false)` when the evaluator refused it with a documented error.
fn apply(f: &Fixture, t: &mut Tracked, op: &Op, rng: &mut ChaCha20Rng) -> Result<bool, Error> {
    let e = &f.eval;
    let (level, scale) = (t.ct.level(), t.ct.scale());
    let result: Result<Tracked, Error> = (|| {
        Ok(match op {
            Op::Add(public) | Op::Sub(public) => {
                let z = f.random_values(rng, 1.0);
                let other = f.encrypt_at(z, level, scale, *public, rng)?;
                let add = matches!(op, Op::Add(_));
                let ct = if add {
                    e.add(&t.ct, &other.ct)?
                } else {
                    e.sub(&t.ct, &other.ct)?
                };
                let z =
                    t.z.iter()
                        .zip(&other.z)
                        .map(|(a, b)| if add { *a + *b } else { *a - *b })
                        .collect();
                Tracked { ct, z }
            }
            Op::MulRelin | Op::MulNoRelin => {
                let z = f.random_values(rng, 1.0);
                let other = f.encrypt_at(z, level, f.ctx.default_scale(), false, rng)?;
                let ct = if matches!(op, Op::MulRelin) {
                    e.mul_relin(&t.ct, &other.ct)?
                } else {
                    e.mul(&t.ct, &other.ct)?
                };
                let z = t.z.iter().zip(&other.z).map(|(a, b)| *a * *b).collect();
                Tracked { ct, z }
            }
            Op::Square => Tracked {
                ct: e.mul_relin(&t.ct, &t.ct)?,
                z: t.z.iter().map(|a| *a * *a).collect(),
            },
            Op::Relinearize => Tracked {
                ct: e.relinearize(&t.ct)?,
                z: t.z.clone(),
            },
            Op::MulPlain | Op::AddPlain => {
                let z = f.random_values(rng, 1.5);
                let mul = matches!(op, Op::MulPlain);
                let pt_scale = if mul { f.ctx.q_at(level) as f64 } else { scale };
                let pt = f.enc.encode_complex(&z, level, pt_scale)?;
                let ct = if mul {
                    e.mul_plain(&t.ct, &pt)?
                } else {
                    e.add_plain(&t.ct, &pt)?
                };
                let z =
                    t.z.iter()
                        .zip(&z)
                        .map(|(a, b)| if mul { *a * *b } else { *a + *b })
                        .collect();
                Tracked { ct, z }
            }
            Op::MulConst(c) => Tracked {
                ct: e.mul_const(&t.ct, *c, f.ctx.q_at(level) as f64)?,
                z: t.z.iter().map(|a| *a * *c).collect(),
            },
            Op::AddConst(c) => Tracked {
                ct: e.add_const(&t.ct, *c)?,
                z: t.z.iter().map(|a| *a + Complex64::new(*c, 0.0)).collect(),
            },
            Op::MulInt(k) => Tracked {
                ct: e.mul_int(&t.ct, *k)?,
                z: t.z.iter().map(|a| *a * (*k as f64)).collect(),
            },
            Op::Rescale => Tracked {
                ct: e.rescale(&t.ct)?,
                z: t.z.clone(),
            },
            Op::Rotate(i) => Tracked {
                ct: e.rotate(&t.ct, STEPS[*i])?,
                z: rotate_vec(&t.z, STEPS[*i]),
            },
            Op::RotateMany => {
                let mut r = e.rotate_many(&t.ct, &[1, 3, 100])?;
                let ct = r.pop().ok_or(Error::EndOfModulusChain { op: "test" })?;
                Tracked {
                    ct,
                    z: rotate_vec(&t.z, 100),
                }
            }
            Op::RotateSum => {
                let (r1, r3) = (rotate_vec(&t.z, 1), rotate_vec(&t.z, 3));
                Tracked {
                    ct: e.rotate_sum(&t.ct, &[0, 1, 3])?,
                    z: t.z
                        .iter()
                        .zip(&r1)
                        .zip(&r3)
                        .map(|((a, b), c)| *a + *b + *c)
                        .collect(),
                }
            }
            Op::Conjugate => Tracked {
                ct: e.conjugate(&t.ct)?,
                z: t.z.iter().map(|a| a.conj()).collect(),
            },
            Op::DropLevel => Tracked {
                ct: e.drop_to_level(&t.ct, level.saturating_sub(1))?,
                z: t.z.clone(),
            },
            Op::Neg => Tracked {
                ct: e.neg(&t.ct)?,
                z: t.z.iter().map(|a| -*a).collect(),
            },
            Op::MatchScale => Tracked {
                ct: e.match_scale(&t.ct, f.ctx.default_scale())?,
                z: t.z.clone(),
            },
        })
    })();
    match result {
        Ok(next) => {
            *t = next;
            Ok(true)
        }
        Err(err) if documented(&err) => Ok(false),
        Err(err) => Err(err),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random circuits: never a panic, only documented refusals, and after every operation
    /// the measured error is within the tracked bound (so the result matches the f64
    /// computation to within the guaranteed precision).
    #[test]
    fn random_circuits_stay_within_their_noise_bound(
        seed in any::<[u8; 32]>(),
        public in any::<bool>(),
        ops in proptest::collection::vec(arb_op(), 1..10),
    ) {
        let f = fixture();
        let mut rng = ChaCha20Rng::from_seed(seed);
        let z = f.random_values(&mut rng, 1.0);
        let mut t = f.encrypt_at(z, f.ctx.max_level(), f.ctx.default_scale(), public, &mut rng).unwrap();
        f.check("fresh", &t);
        for op in &ops {
            let applied = apply(f, &mut t, op, &mut rng);
            prop_assert!(applied.is_ok(), "{op:?}: undocumented error {:?}", applied.err());
            // A degree-2 ciphertext decrypts too (with s^2): check it as well.
            f.check(&format!("{op:?} in {ops:?}"), &t);
        }
    }
}

/// The slack (bound minus measured, in bits) over a fixed set of circuits, printed for the
/// report and bounded: a bound more than 30 bits above the truth would be useless.
#[test]
fn slack_is_reported_and_bounded() {
    let f = fixture();
    let mut rng = ChaCha20Rng::from_seed([5; 32]);
    let mut report = Vec::new();
    let fresh = |rng: &mut ChaCha20Rng, public| {
        let z = f.random_values(rng, 1.0);
        f.encrypt_at(z, f.ctx.max_level(), f.ctx.default_scale(), public, rng)
            .unwrap()
    };
    for (name, public) in [("fresh sk", false), ("fresh pk", true)] {
        let t = fresh(&mut rng, public);
        report.push((name, f.check(name, &t)));
    }
    let mut t = fresh(&mut rng, false);
    for depth in 1..=4 {
        apply(f, &mut t, &Op::MulRelin, &mut rng).unwrap();
        apply(f, &mut t, &Op::Rescale, &mut rng).unwrap();
        let name = ["mul+rescale x1", "x2", "x3", "x4"][depth - 1];
        report.push((name, f.check(name, &t)));
    }
    let mut t = fresh(&mut rng, false);
    apply(f, &mut t, &Op::Rotate(0), &mut rng).unwrap();
    report.push(("rotation", f.check("rotation", &t)));
    for (name, slack) in &report {
        eprintln!("noise bound slack, {name}: {slack:.1} bits");
        assert!((0.0..30.0).contains(slack), "{name}: slack {slack:.1} bits");
    }
}

/// Hoisted rotations, slot sums, a linear transform, a polynomial and the inverse: the
/// bounds hold through the composite circuits.
#[test]
fn composite_circuits_stay_within_their_noise_bound() {
    let f = fixture();
    let e = &f.eval;
    let mut rng = ChaCha20Rng::from_seed([6; 32]);
    let slots = 64;
    let x: Vec<f64> = (0..slots)
        .map(|i| ((i * 37 % 64) as f64 / 32.0) - 1.0)
        .collect();
    let z: Vec<Complex64> = x.iter().map(|&v| Complex64::new(v, 0.0)).collect();
    let pt = f
        .enc
        .encode(&x, f.ctx.max_level(), f.ctx.default_scale())
        .unwrap();
    let ct = Encryptor::with_secret_key(&f.sk)
        .encrypt(&pt, &mut rng)
        .unwrap();
    let sum: f64 = x.iter().sum();
    let summed = Tracked {
        ct: e.sum_slots(&ct).unwrap(),
        z: vec![Complex64::new(sum, 0.0); slots],
    };
    f.check("sum_slots", &summed);
    let m: Vec<Vec<f64>> = (0..slots)
        .map(|r| {
            (0..slots)
                .map(|c| (((r * 7 + c * 3) % 11) as f64 - 5.0) / 8.0)
                .collect()
        })
        .collect();
    let lt = LinearTransform::new(&f.enc, &m, f.ctx.max_level()).unwrap();
    let keys = EvaluationKeys::builder(&f.sk)
        .relinearization()
        .rotations(&lt.galois_steps())
        .build(&mut rng)
        .unwrap();
    let lt_eval = Evaluator::new(&f.ctx, keys).unwrap();
    let y: Vec<Complex64> = m
        .iter()
        .map(|r| Complex64::new(r.iter().zip(&x).map(|(a, b)| a * b).sum(), 0.0))
        .collect();
    let transformed = Tracked {
        ct: lt_eval.linear_transform(&lt, &ct).unwrap(),
        z: y,
    };
    f.check("linear_transform", &transformed);
    let p = Polynomial::sigmoid(7).unwrap();
    let sig = Tracked {
        ct: e.evaluate_polynomial(&ct, &p).unwrap(),
        z: x.iter()
            .map(|&v| Complex64::new(p.evaluate(v), 0.0))
            .collect(),
    };
    f.check("sigmoid(7)", &sig);
    let shifted: Vec<f64> = x.iter().map(|v| v + 2.5).collect();
    let ct2 = Encryptor::with_secret_key(&f.sk)
        .encrypt(
            &f.enc
                .encode(&shifted, f.ctx.max_level(), f.ctx.default_scale())
                .unwrap(),
            &mut rng,
        )
        .unwrap();
    let k = Evaluator::inverse_iterations(1.0, 4.0, 30.0);
    let inv = e.inverse(&ct2, 1.0, 4.0, k).unwrap();
    // The bound covers the CKKS error, not the approximation error of Newton's iteration:
    // compare against the iteration run in f64.
    let newton = |v: f64| {
        let c = 2.0 / 5.0;
        let mut y = c * (2.0 - c * v);
        let mut err = 1.0 - c * v;
        for _ in 1..k {
            err *= err;
            y *= 1.0 + err;
        }
        y
    };
    let inv = Tracked {
        ct: inv,
        z: shifted
            .iter()
            .map(|&v| Complex64::new(newton(v), 0.0))
            .collect(),
    };
    f.check("inverse", &inv);
    let rotated = e.rotate_many(&ct, &[1, -1, 3]).unwrap();
    for (r, step) in rotated.iter().zip([1, -1, 3]) {
        let t = Tracked {
            ct: r.clone(),
            z: rotate_vec(&z, step),
        };
        f.check("rotate_many", &t);
    }
}

/// A loaded ciphertext has no bound until one is attached.
#[test]
fn loaded_ciphertexts_have_no_bound_until_attached() {
    let f = fixture();
    let mut rng = ChaCha20Rng::from_seed([8; 32]);
    let t = f
        .encrypt_at(
            f.random_values(&mut rng, 1.0),
            2,
            f.ctx.default_scale(),
            false,
            &mut rng,
        )
        .unwrap();
    let mut back = Ciphertext::from_bytes(&t.ct.to_bytes(), &f.ctx).unwrap();
    assert_eq!(f.eval.noise_bound_bits(&back), None);
    let sum = f.eval.add(&back, &t.ct).unwrap();
    assert_eq!(f.eval.noise_bound_bits(&sum), None);
    let json = serde_json::to_string(&t.ct.noise_bound().unwrap()).unwrap();
    back.set_noise_bound(Some(serde_json::from_str(&json).unwrap()));
    let (a, b) = (back.noise_bound().unwrap(), t.ct.noise_bound().unwrap());
    assert!((a.log2_error() - b.log2_error()).abs() < 1e-12);
    assert!((a.log2_message() - b.log2_message()).abs() < 1e-12);
}
