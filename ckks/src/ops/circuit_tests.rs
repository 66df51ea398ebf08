//! Tests of the circuits: hoisted rotations, slot sums, linear transforms, polynomials and the
//! inverse, against f64 (precision in bits), with the levels they consume and the keys they
//! report.

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

use crate::circuits::{CircuitPlan, LinearTransform, Polynomial};
use crate::keys::SecretKey;
use crate::params::{ParametersLiteral, Preset};
use crate::precision::PrecisionStats;
use crate::{Ciphertext, Context, Decryptor, Encoder, Encryptor, Error, EvaluationKeys, Evaluator};

struct Setup {
    ctx: Context,
    sk: SecretKey,
    enc: Encoder,
    rng: ChaCha20Rng,
}

impl Setup {
    fn new(literal: ParametersLiteral) -> Self {
        let ctx = Context::new(literal.build_insecure_for_tests().unwrap()).unwrap();
        let mut rng = ChaCha20Rng::from_seed([23; 32]);
        let sk = SecretKey::generate(&ctx, &mut rng).unwrap();
        Self {
            enc: Encoder::new(&ctx),
            ctx,
            sk,
            rng,
        }
    }

    /// N = 2^10, 8 levels of 40 bits.
    fn small() -> Self {
        Self::new(ParametersLiteral {
            log_n: 10,
            log_q: [55].into_iter().chain([40; 8]).collect(),
            log_p: vec![56, 56],
            log_scale: 40,
            ..Default::default()
        })
    }

    fn eval(&mut self, relin: bool, steps: &[i64]) -> Evaluator {
        let mut b = EvaluationKeys::builder(&self.sk).rotations(steps);
        if relin {
            b = b.relinearization();
        }
        Evaluator::new(&self.ctx, b.build(&mut self.rng).unwrap()).unwrap()
    }

    fn eval_for(&mut self, plan: &CircuitPlan) -> Evaluator {
        let evk = plan
            .keys(EvaluationKeys::builder(&self.sk))
            .build(&mut self.rng)
            .unwrap();
        Evaluator::new(&self.ctx, evk).unwrap()
    }

    fn values(&mut self, count: usize, bound: f64) -> Vec<f64> {
        (0..count)
            .map(|_| ((self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) * bound)
            .collect()
    }

    fn encrypt(&mut self, x: &[f64]) -> Ciphertext {
        let pt = self
            .enc
            .encode(x, self.ctx.max_level(), self.ctx.default_scale())
            .unwrap();
        Encryptor::with_secret_key(&self.sk)
            .encrypt(&pt, &mut self.rng)
            .unwrap()
    }

    fn decrypt(&self, ct: &Ciphertext) -> Vec<f64> {
        self.enc
            .decode(&Decryptor::new(&self.sk).decrypt(ct).unwrap())
            .unwrap()
    }

    fn max_slots(&self) -> usize {
        self.ctx.params().max_slots()
    }
}

fn bits(what: &str, expected: &[f64], got: &[f64], min_mean: f64) -> PrecisionStats {
    let s = PrecisionStats::real(expected, got);
    assert!(
        s.mean_bits >= min_mean,
        "{what}: {s} (wanted a mean of at least {min_mean} bits)"
    );
    s
}

fn rotated(x: &[f64], step: i64) -> Vec<f64> {
    let n = x.len() as i64;
    (0..n)
        .map(|i| x[(i + step).rem_euclid(n) as usize])
        .collect()
}

fn matvec(m: &[Vec<f64>], x: &[f64]) -> Vec<f64> {
    m.iter()
        .map(|r| r.iter().zip(x).map(|(a, b)| a * b).sum())
        .collect()
}

// ---------------------------------------------------------------- hoisted rotations

#[test]
fn rotate_many_matches_sequential_rotations() {
    let mut s = Setup::small();
    // More keyed steps than one pass over the digits takes (KEYS_PER_PASS = 8); 0 and
    // N/2 = 512 are identities: no key.
    let steps = [0i64, 1, 2, 3, 4, 5, 6, -1, -7, 9, 100, 512];
    let eval = s.eval(false, &steps[1..11]);
    let x = s.values(s.max_slots(), 1.0);
    let top = s.encrypt(&x);
    // At the top level and below it (fewer primes than the keys hold).
    for ct in [top.clone(), eval.drop_to_level(&top, 3).unwrap()] {
        let many = eval.rotate_many(&ct, &steps).unwrap();
        assert_eq!(many.len(), steps.len());
        for (&step, r) in steps.iter().zip(&many) {
            assert_eq!(
                (r.level(), r.scale(), r.slots()),
                (ct.level(), ct.scale(), ct.slots())
            );
            let one = eval.rotate(&ct, step).unwrap();
            let (a, b) = (s.decrypt(r), s.decrypt(&one));
            let at = format!("{step} at level {}", ct.level());
            bits(&format!("rotate_many {at}"), &rotated(&x, step), &a, 30.0);
            // Same key switch, same permutation: the same ciphertext.
            bits(&format!("hoisted = sequential {at}"), &b, &a, 50.0);
        }
    }
    // A sparse ciphertext rotates cyclically within its slots.
    let y = s.values(16, 1.0);
    let cy = s.encrypt(&y);
    let r = eval.rotate_many(&cy, &[3, -1]).unwrap();
    bits(
        "sparse rotate_many 3",
        &rotated(&y, 3),
        &s.decrypt(&r[0]),
        30.0,
    );
    bits(
        "sparse rotate_many -1",
        &rotated(&y, -1),
        &s.decrypt(&r[1]),
        30.0,
    );
}

#[test]
fn rotate_many_errors() {
    let mut s = Setup::small();
    let eval = s.eval(true, &[1, 2]);
    let ct = s.encrypt(&[1.0, 2.0]);
    assert!(matches!(
        eval.rotate_many(&ct, &[1, 4, 2]),
        Err(Error::MissingGaloisKey { step: 4, .. })
    ));
    let sq = eval.mul(&ct, &ct).unwrap();
    assert!(matches!(
        eval.rotate_many(&sq, &[1]),
        Err(Error::DegreeTooHigh { .. })
    ));
    // No key needed for identities.
    assert_eq!(eval.rotate_many(&ct, &[0]).unwrap().len(), 1);
    assert!(eval.rotate_many(&ct, &[]).unwrap().is_empty());
}

// ---------------------------------------------------------------- sums

#[test]
fn slot_sums_and_replication() {
    let mut s = Setup::small();
    let n = 64usize;
    let (b, slots) = (8usize, n);
    let plan = CircuitPlan::new()
        .sum_slots(n)
        .sum_within_blocks(b)
        .sum_across_blocks(b, slots)
        .replicate(b, slots)
        .inner_product(n)
        .inner_product_plain(n);
    let eval = s.eval_for(&plan);
    let x = s.values(n, 1.0);
    let ct = s.encrypt(&x);
    let total: f64 = x.iter().sum();
    bits(
        "sum_slots",
        &vec![total; n],
        &s.decrypt(&eval.sum_slots(&ct).unwrap()),
        30.0,
    );

    let within: Vec<f64> = (0..n)
        .map(|i| (0..b).map(|t| x[(i + t) % n]).sum())
        .collect();
    let got = eval.sum_within_blocks(&ct, b).unwrap();
    assert_eq!(got.level(), ct.level());
    bits("sum_within_blocks", &within, &s.decrypt(&got), 30.0);

    let across: Vec<f64> = (0..n)
        .map(|j| (0..n / b).map(|k| x[(j + k * b) % n]).sum())
        .collect();
    bits(
        "sum_across_blocks",
        &across,
        &s.decrypt(&eval.sum_across_blocks(&ct, b).unwrap()),
        30.0,
    );

    let mut head = x.clone();
    head[b..].iter_mut().for_each(|v| *v = 0.0);
    let ch = s.encrypt(&head);
    let rep: Vec<f64> = (0..n).map(|j| x[j % b]).collect();
    bits(
        "replicate",
        &rep,
        &s.decrypt(&eval.replicate(&ch, b).unwrap()),
        30.0,
    );

    let y = s.values(n, 1.0);
    let cy = s.encrypt(&y);
    let dot: f64 = x.iter().zip(&y).map(|(a, b)| a * b).sum();
    let ip = eval.inner_product(&ct, &cy).unwrap();
    assert_eq!(ip.level(), ct.level() - 1);
    bits("inner_product", &vec![dot; n], &s.decrypt(&ip), 28.0);

    let level = ct.level();
    let w = s.enc.encode(&y, level, s.ctx.q_at(level) as f64).unwrap();
    let ipp = eval.inner_product_plain(&ct, &w).unwrap();
    assert_eq!((ipp.level(), ipp.scale()), (level - 1, ct.scale()));
    bits("inner_product_plain", &vec![dot; n], &s.decrypt(&ipp), 28.0);

    // The helpers list exactly the keys used: with one key fewer, an error names it.
    let steps = Evaluator::sum_slots_steps(n);
    assert_eq!(steps, vec![1, 2, 4, 8, 16, 32]);
    assert_eq!(Evaluator::replicate_steps(8, 64), vec![-8, -16, -32]);
    assert_eq!(Evaluator::sum_across_blocks_steps(8, 64), vec![8, 16, 32]);
    assert_eq!(Evaluator::sum_within_blocks_steps(8), vec![1, 2, 4]);
    let partial = s.eval(false, &steps[..5]);
    assert!(matches!(
        partial.sum_slots(&ct),
        Err(Error::MissingGaloisKey { step: 32, .. })
    ));
    assert!(matches!(
        eval.sum_within_blocks(&ct, 6),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        eval.replicate(&ct, 128),
        Err(Error::InvalidArgument { .. })
    ));
}

// ---------------------------------------------------------------- linear transforms

fn random_matrix(s: &mut Setup, rows: usize, cols: usize) -> Vec<Vec<f64>> {
    (0..rows).map(|_| s.values(cols, 1.0)).collect()
}

/// Encrypts `x` in blocks of `p` slots.
fn encrypt_blocks(s: &mut Setup, x: &[f64], p: usize) -> Vec<Ciphertext> {
    x.chunks(p)
        .map(|c| {
            let mut v = c.to_vec();
            v.resize(p, 0.0);
            s.encrypt(&v)
        })
        .collect()
}

fn check_transform(s: &mut Setup, rows: usize, cols: usize, in_slots: Option<usize>) {
    let m = random_matrix(s, rows, cols);
    let level = s.ctx.max_level();
    let lt = match in_slots {
        Some(p) => LinearTransform::with_input_slots(&s.enc, &m, level, p).unwrap(),
        None => LinearTransform::new(&s.enc, &m, level).unwrap(),
    };
    // Keys generated from the transform's own list only.
    let plan = CircuitPlan::new().linear_transform(&lt);
    assert_eq!(plan.depth(), 1);
    let eval = s.eval_for(&plan);
    let x = s.values(cols, 1.0);
    let cts = encrypt_blocks(s, &x, lt.input_slots());
    assert_eq!(cts.len(), lt.input_blocks());
    let outs = eval.linear_transform_blocks(&lt, &cts).unwrap();
    assert_eq!(outs.len(), lt.output_blocks());
    let want = matvec(&m, &x);
    let max = s.max_slots();
    for (o, y) in outs.iter().enumerate() {
        assert_eq!(y.level(), level - 1, "{rows} x {cols}: one level");
        assert_eq!(y.scale(), cts[0].scale(), "{rows} x {cols}: exact scale");
        let got = s.decrypt(y);
        let expect = &want[o * max..(o * max + max).min(rows)];
        assert_eq!(y.slots(), expect.len().next_power_of_two());
        // Mean error of a dot product of `cols` terms in [-1, 1]: allow log2(cols) / 2 bits.
        let floor = 29.0 - (cols as f64).log2() / 2.0;
        bits(&format!("{rows} x {cols} block {o}"), expect, &got, floor);
    }
    // One key fewer: the first missing step is named.
    let steps = lt.galois_steps();
    if let Some((&last, rest)) = steps.split_last() {
        let partial = s.eval(false, rest);
        assert!(matches!(
            partial.linear_transform_blocks(&lt, &cts),
            Err(Error::MissingGaloisKey { step, .. }) if step == last
        ));
    }
}

#[test]
fn linear_transform_square() {
    let mut s = Setup::small();
    check_transform(&mut s, 16, 16, None);
    check_transform(&mut s, 64, 64, None);
    // Full slots: 512 x 512.
    check_transform(&mut s, 512, 512, None);
}

#[test]
fn linear_transform_rectangular_and_padded() {
    let mut s = Setup::small();
    // Wide: folded by a rotate-and-sum; the output repeats with period 8.
    check_transform(&mut s, 8, 64, None);
    // Tall: the input repeats with period 8 in 64 slots.
    check_transform(&mut s, 64, 8, None);
    // Not powers of two: padded.
    check_transform(&mut s, 13, 10, None);
    check_transform(&mut s, 3, 100, None);
    check_transform(&mut s, 100, 3, None);
    // Inputs in more slots than the columns need (zero padding).
    check_transform(&mut s, 16, 16, Some(64));
    check_transform(&mut s, 100, 20, Some(128));
}

#[test]
fn linear_transform_blocks_beyond_one_ciphertext() {
    let mut s = Setup::small();
    // 512 slots: two input blocks and two output blocks.
    check_transform(&mut s, 700, 600, None);
    // Wide across blocks: 1 output block, 3 input blocks.
    check_transform(&mut s, 40, 1100, None);
}

#[test]
fn linear_transform_errors() {
    let mut s = Setup::small();
    let level = s.ctx.max_level();
    let m = random_matrix(&mut s, 8, 8);
    let lt = LinearTransform::new(&s.enc, &m, level).unwrap();
    let eval = s.eval(false, &lt.galois_steps());
    // Wrong slot count.
    let v16 = s.values(16, 1.0);
    let ct = s.encrypt(&v16);
    assert!(matches!(
        eval.linear_transform(&lt, &ct),
        Err(Error::ShapeMismatch {
            expected: 8,
            got: 16,
            ..
        })
    ));
    // Ragged, empty, non-finite matrices; level 0.
    let ragged = vec![vec![1.0, 2.0], vec![1.0]];
    assert!(LinearTransform::new(&s.enc, &ragged, level).is_err());
    let empty: Vec<Vec<f64>> = Vec::new();
    assert!(LinearTransform::new(&s.enc, &empty, level).is_err());
    assert!(LinearTransform::new(&s.enc, &[vec![f64::NAN]], level).is_err());
    assert!(LinearTransform::new(&s.enc, &m, 0).is_err());
    // A ciphertext above the diagonals' level.
    let low = LinearTransform::new(&s.enc, &m, level - 2).unwrap();
    let v8 = s.values(8, 1.0);
    let ct8 = s.encrypt(&v8);
    assert!(matches!(
        eval.linear_transform(&low, &ct8),
        Err(Error::LevelMismatch { .. })
    ));
    // Below it: fine (the diagonals are truncated), one level consumed.
    let down = eval.drop_to_level(&ct8, level - 3).unwrap();
    let eval_low = s.eval(false, &low.galois_steps());
    let y = eval_low.linear_transform(&low, &down).unwrap();
    assert_eq!(y.level(), level - 4);
}

// ---------------------------------------------------------------- polynomials

fn check_polynomial(s: &mut Setup, eval: &Evaluator, p: &Polynomial, bound: f64, min_bits: f64) {
    let (a, b) = p.interval();
    let (lo, hi) = if p.basis() == crate::circuits::Basis::Chebyshev {
        (a, b)
    } else {
        (-bound, bound)
    };
    let n = 256;
    let x: Vec<f64> = s
        .values(n, 1.0)
        .iter()
        .map(|v| lo + (v + 1.0) / 2.0 * (hi - lo))
        .collect();
    let ct = s.encrypt(&x);
    let y = eval.evaluate_polynomial(&ct, p).unwrap();
    assert_eq!(
        y.level(),
        ct.level() - p.depth(),
        "degree {}: levels consumed",
        p.degree()
    );
    assert_eq!(y.scale(), ct.scale(), "degree {}: exact scale", p.degree());
    let want: Vec<f64> = x.iter().map(|&v| p.evaluate(v)).collect();
    bits(
        &format!("degree {} polynomial", p.degree()),
        &want,
        &s.decrypt(&y),
        min_bits,
    );
}

#[test]
fn chebyshev_series_every_degree_at_minimal_depth() {
    let mut s = Setup::small();
    let eval = s.eval(true, &[]);
    for d in 1..=40usize {
        let c = s.values(d + 1, 1.0);
        let c: Vec<f64> = c
            .iter()
            .enumerate()
            .map(|(k, v)| v / (1.0 + k as f64))
            .collect();
        let p = Polynomial::chebyshev(&c, -1.0, 1.0).unwrap();
        assert_eq!(p.depth(), (usize::BITS - d.leading_zeros()) as usize);
        check_polynomial(&mut s, &eval, &p, 1.0, 24.0);
    }
    // With a change of variable.
    let c = s.values(20, 0.5);
    let p = Polynomial::chebyshev(&c, -3.0, 5.0).unwrap();
    assert_eq!(p.depth(), 5 + 1);
    check_polynomial(&mut s, &eval, &p, 1.0, 24.0);
    // An integer change of variable costs no level: [0, 1] is y = 2x - 1.
    let p = Polynomial::chebyshev(&c, 0.0, 1.0).unwrap();
    assert_eq!(p.depth(), 5);
    check_polynomial(&mut s, &eval, &p, 1.0, 24.0);
}

#[test]
fn power_basis_polynomials() {
    let mut s = Setup::small();
    let eval = s.eval(true, &[]);
    for d in [1usize, 2, 3, 4, 5, 7, 8, 9, 15, 16] {
        let c: Vec<f64> = s.values(d + 1, 1.0);
        let p = Polynomial::monomial(&c).unwrap();
        assert_eq!(p.depth(), (usize::BITS - d.leading_zeros()) as usize);
        check_polynomial(&mut s, &eval, &p, 1.0, 24.0);
    }
    check_polynomial(&mut s, &eval, &Polynomial::square(), 1.0, 28.0);
}

#[test]
fn builtin_functions() {
    let mut s = Setup::small();
    let eval = s.eval(true, &[]);
    for d in [3, 5, 7] {
        let p = Polynomial::sigmoid(d).unwrap();
        check_polynomial(&mut s, &eval, &p, 8.0, 25.0);
    }
    // exp on [-2, 2] at degree 15: the interpolant is within 1e-12 of exp, so compare with exp.
    let p = Polynomial::exp(-2.0, 2.0, 15).unwrap();
    check_polynomial(&mut s, &eval, &p, 2.0, 24.0);
    let x = s.values(64, 2.0);
    let y = eval.evaluate_polynomial(&s.encrypt(&x), &p).unwrap();
    let want: Vec<f64> = x.iter().map(|v| v.exp()).collect();
    bits("exp", &want, &s.decrypt(&y), 24.0);
    // sqrt on [0.5, 4].
    let p = Polynomial::sqrt(0.5, 4.0, 31).unwrap();
    let x: Vec<f64> = s.values(64, 1.0).iter().map(|v| 2.25 + 1.75 * v).collect();
    let y = eval.evaluate_polynomial(&s.encrypt(&x), &p).unwrap();
    let want: Vec<f64> = x.iter().map(|v| v.sqrt()).collect();
    bits("sqrt", &want, &s.decrypt(&y), 18.0);
    // Any function by interpolation.
    let f = |x: f64| (3.0 * x).sin() / (1.0 + x * x);
    let p = Polynomial::interpolate(f, -1.0, 1.0, 31).unwrap();
    let x = s.values(64, 1.0);
    let y = eval.evaluate_polynomial(&s.encrypt(&x), &p).unwrap();
    let want: Vec<f64> = x.iter().map(|&v| f(v)).collect();
    bits("interpolated function", &want, &s.decrypt(&y), 24.0);
}

#[test]
fn polynomial_at_requested_scale_and_errors() {
    let mut s = Setup::small();
    let eval = s.eval(true, &[]);
    let p = Polynomial::sigmoid(5).unwrap();
    let x = s.values(32, 8.0);
    let ct = s.encrypt(&x);
    // Land at the scale of another ciphertext, then add them.
    let other = eval.rescale(&eval.mul_relin(&ct, &ct).unwrap()).unwrap();
    let y = eval
        .evaluate_polynomial_to(&ct, &p, other.level() - 3, other.scale())
        .unwrap();
    assert_eq!((y.level(), y.scale()), (other.level() - 3, other.scale()));
    let too_high = eval.evaluate_polynomial_to(&ct, &p, ct.level() - 3, other.scale());
    assert!(matches!(too_high, Err(Error::NotEnoughLevels { .. })));
    let sum = eval.add(&y, &other).unwrap();
    let want: Vec<f64> = x.iter().map(|&v| p.evaluate(v) + v * v).collect();
    bits("sigmoid + x^2", &want, &s.decrypt(&sum), 20.0);
    // Too few levels.
    let low = eval.drop_to_level(&ct, 3).unwrap();
    assert!(matches!(
        eval.evaluate_polynomial(&low, &p),
        Err(Error::NotEnoughLevels {
            needed: 4,
            level: 3,
            ..
        })
    ));
    // No relinearization key.
    let no_relin = s.eval(false, &[]);
    assert!(matches!(
        no_relin.evaluate_polynomial(&ct, &p),
        Err(Error::MissingRelinearizationKey)
    ));
    // Degree 1 needs no key.
    let line = Polynomial::chebyshev(&[0.5, 2.0], -8.0, 8.0).unwrap();
    let y = no_relin.evaluate_polynomial(&ct, &line).unwrap();
    let want: Vec<f64> = x.iter().map(|&v| line.evaluate(v)).collect();
    bits("degree 1", &want, &s.decrypt(&y), 28.0);
    // A constant.
    let c = Polynomial::monomial(&[2.0, 0.0]).unwrap();
    assert!(matches!(
        eval.evaluate_polynomial(&ct, &c),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn inverse_by_newton_iterations() {
    let mut s = Setup::small();
    let eval = s.eval(true, &[]);
    let (lo, hi) = (0.5, 4.0);
    let x: Vec<f64> = s.values(128, 1.0).iter().map(|v| 2.25 + 1.75 * v).collect();
    let ct = s.encrypt(&x);
    let want: Vec<f64> = x.iter().map(|v| 1.0 / v).collect();
    let mut last = f64::NEG_INFINITY;
    for k in 1..=5 {
        let y = eval.inverse(&ct, lo, hi, k).unwrap();
        assert_eq!(y.level(), ct.level() - Evaluator::inverse_depth(k));
        assert_eq!(y.scale(), ct.scale());
        let st = PrecisionStats::real(&want, &s.decrypt(&y));
        // The error squares with every iteration until the CKKS noise dominates.
        assert!(
            st.mean_bits > last + 0.5 || st.mean_bits > 24.0,
            "k = {k}: {st}"
        );
        last = st.mean_bits;
    }
    let k = Evaluator::inverse_iterations(lo, hi, 24.0);
    let y = eval.inverse(&ct, lo, hi, k).unwrap();
    let st = bits("inverse", &want, &s.decrypt(&y), 24.0);
    assert!(st.min_bits > 22.0, "{st}");
    assert!(matches!(
        eval.inverse(&ct, 0.0, 1.0, 2),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn plan_accumulates_depth_and_keys() {
    let mut s = Setup::small();
    let level = s.ctx.max_level();
    let m = random_matrix(&mut s, 32, 32);
    let lt = LinearTransform::new(&s.enc, &m, level).unwrap();
    let sig = Polynomial::sigmoid(3).unwrap();
    let plan = CircuitPlan::new()
        .linear_transform(&lt)
        .polynomial(&sig)
        .sum_slots(32);
    assert_eq!(plan.depth(), 1 + 3);
    assert!(plan.needs_relinearization());
    let mut expected: Vec<i64> = lt.galois_steps();
    expected.extend(Evaluator::sum_slots_steps(32));
    expected.sort_unstable();
    expected.dedup();
    assert_eq!(plan.rotation_steps(), expected);
    // Generate exactly the planned keys and run the circuit.
    let eval = s.eval_for(&plan);
    assert_eq!(
        eval.keys().galois_keys().len(),
        plan.galois_elements(s.ctx.n()).len()
    );
    let x = s.values(32, 0.5);
    let ct = s.encrypt(&x);
    let y = eval.linear_transform(&lt, &ct).unwrap();
    let y = eval.evaluate_polynomial(&y, &sig).unwrap();
    let y = eval.sum_slots(&y).unwrap();
    assert_eq!(y.level(), level - plan.depth());
    let total: f64 = matvec(&m, &x).iter().map(|&v| sig.evaluate(v)).sum();
    bits("layer", &vec![total; 32], &s.decrypt(&y), 20.0);
    let branch = CircuitPlan::new()
        .multiplication()
        .multiplication()
        .rotations(&[3]);
    let both = plan.clone().alongside(&branch);
    assert_eq!(both.depth(), 4);
    assert!(both.rotation_steps().contains(&3));
}

// ---------------------------------------------------------------- ref-b: the numbers

fn ref_b() -> Setup {
    Setup::new(Preset::RefB.literal())
}

#[test]
#[cfg_attr(debug_assertions, ignore = "N = 2^14: run with --release")]
fn ref_b_matvec_128() {
    let mut s = ref_b();
    let m: Vec<Vec<f64>> = random_matrix(&mut s, 128, 128);
    let level = s.ctx.max_level();
    let lt = LinearTransform::new(&s.enc, &m, level).unwrap();
    let eval = s.eval(false, &lt.galois_steps());
    let x = s.values(128, 1.0);
    let ct = s.encrypt(&x);
    let y = eval.linear_transform(&lt, &ct).unwrap();
    assert_eq!(y.level(), level - 1);
    let st = bits("matvec 128, ref-b", &matvec(&m, &x), &s.decrypt(&y), 20.0);
    assert!(st.min_bits >= 18.0, "{st}");
}

#[test]
#[cfg_attr(debug_assertions, ignore = "N = 2^14: run with --release")]
fn ref_b_sigmoid_7_and_chebyshev_63() {
    let mut s = ref_b();
    let eval = s.eval(true, &[]);
    let p = Polynomial::sigmoid(7).unwrap();
    assert_eq!(p.depth(), 3 + 1);
    check_polynomial(&mut s, &eval, &p, 8.0, 25.0);
    let c: Vec<f64> = s.values(64, 1.0);
    let c: Vec<f64> = c
        .iter()
        .enumerate()
        .map(|(k, v)| v / (1.0 + k as f64))
        .collect();
    let p = Polynomial::chebyshev(&c, -1.0, 1.0).unwrap();
    assert_eq!(p.depth(), 6);
    check_polynomial(&mut s, &eval, &p, 1.0, 20.0);
}
