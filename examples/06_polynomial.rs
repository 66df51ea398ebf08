//! # 06: polynomials
//!
//! Non-linear functions on encrypted data are polynomials. A polynomial of degree `d` is
//! evaluated at the minimal depth `ceil(log2(d + 1))` (plus one level to map an interval
//! `[a, b]` to `[-1, 1]`), with baby-step giant-step splitting to keep the number of
//! ciphertext multiplications near `2 sqrt(d)`, and with exact scale management: the result
//! arrives at the requested scale, so it can be added to other ciphertexts directly.
//!
//! - the degree-7 sigmoid fit on [-8, 8] used for encrypted logistic regression;
//! - any function by Chebyshev interpolation (here `tanh` and `exp`);
//! - the inverse `1/x` on a stated range ([1, 4]) by Newton's iteration.
//!
//! Run with `cargo run --release --example 06_polynomial`.

use ckks::circuits::{CircuitPlan, Polynomial};
use ckks::math::sampling::os_seeded_rng;
use ckks::params::Preset;
use ckks::precision::PrecisionStats;
use ckks::{
    Ciphertext, Context, Decryptor, Encoder, Encryptor, Error, EvaluationKeys, Evaluator, SecretKey,
};

fn main() -> Result<(), Error> {
    // N = 2^14 with 7 levels of 40 bits.
    let ctx = Context::new(Preset::N14.literal().build()?)?;
    let encoder = Encoder::new(&ctx);
    let level = ctx.max_level();

    // --- The functions, and what they cost, known before any key. ---
    let sigmoid = Polynomial::sigmoid(7)?;
    let tanh = Polynomial::interpolate(f64::tanh, -4.0, 4.0, 31)?;
    let exp = Polynomial::exp(-1.0, 1.0, 12)?;
    for (name, p) in [("sigmoid", &sigmoid), ("tanh", &tanh), ("exp", &exp)] {
        println!(
            "{name:>8}: degree {:2}, depth {} ({} for the change of variable), \
             {} ciphertext multiplications (powers {:?})",
            p.degree(),
            p.depth(),
            p.change_of_variable_depth(),
            p.nonscalar_multiplications(),
            p.powers()
        );
    }
    assert_eq!(sigmoid.depth(), 3 + 1);
    assert_eq!(tanh.depth(), 5 + 1);
    // exp on [-1, 1] needs no change of variable.
    assert_eq!(exp.depth(), 4);
    let iterations = Evaluator::inverse_iterations(1.0, 4.0, 22.0);
    let plan = CircuitPlan::new()
        .polynomial(&sigmoid)
        .alongside(&CircuitPlan::new().polynomial(&tanh))
        .alongside(&CircuitPlan::new().polynomial(&exp))
        .alongside(&CircuitPlan::new().inverse(iterations));
    println!(
        "inverse on [1, 4]: {iterations} Newton iterations, depth {}; \
         the deepest branch needs {} of the {level} levels",
        Evaluator::inverse_depth(iterations),
        plan.depth()
    );
    assert!(plan.depth() <= level);

    // --- Client: keys (only relinearization: no rotation here) and data. ---
    let mut rng = os_seeded_rng()?;
    let sk = SecretKey::generate(&ctx, &mut rng)?;
    let evk = plan.keys(EvaluationKeys::builder(&sk)).build(&mut rng)?;
    let mut encrypt = |x: &[f64]| -> Result<Ciphertext, Error> {
        Encryptor::with_secret_key(&sk)
            .encrypt(&encoder.encode(x, level, ctx.default_scale())?, &mut rng)
    };
    let n = 1024;
    let grid = |a: f64, b: f64| -> Vec<f64> {
        (0..n)
            .map(|i| a + (b - a) * i as f64 / (n - 1) as f64)
            .collect()
    };
    let x_sig = grid(-8.0, 8.0);
    let x_tanh = grid(-4.0, 4.0);
    let x_exp = grid(-1.0, 1.0);
    let x_inv = grid(1.0, 4.0);
    let (c_sig, c_tanh, c_exp, c_inv) = (
        encrypt(&x_sig)?,
        encrypt(&x_tanh)?,
        encrypt(&x_exp)?,
        encrypt(&x_inv)?,
    );

    // --- Server. ---
    let eval = Evaluator::new(&ctx, evk)?;
    let y_sig = eval.evaluate_polynomial(&c_sig, &sigmoid)?;
    let y_tanh = eval.evaluate_polynomial(&c_tanh, &tanh)?;
    let y_exp = eval.evaluate_polynomial(&c_exp, &exp)?;
    let y_inv = eval.inverse(&c_inv, 1.0, 4.0, iterations)?;
    // Exact scales: each result is at the input's scale, so results add without match_scale.
    assert_eq!(y_sig.scale(), c_sig.scale());
    let y_exp_low = eval.drop_to_level(&y_exp, y_tanh.level())?;
    let tanh_plus_exp = eval.add(&y_tanh, &y_exp_low)?;

    // --- Client: check. ---
    let dec = Decryptor::new(&sk);
    let decode = |c: &Ciphertext| -> Result<Vec<f64>, Error> { encoder.decode(&dec.decrypt(c)?) };
    let report = |name: &str,
                  ct: &Ciphertext,
                  depth: usize,
                  want: Vec<f64>,
                  min_bits: f64|
     -> Result<(), Error> {
        let s = PrecisionStats::real(&want, &decode(ct)?);
        println!("{name:>14}: {} levels, {s}", level - ct.level());
        assert_eq!(level - ct.level(), depth, "{name}: levels consumed");
        assert!(s.mean_bits >= min_bits, "{name}: {s}");
        Ok(())
    };
    // Against the polynomial itself (the homomorphic error).
    let want: Vec<f64> = x_sig.iter().map(|&v| sigmoid.evaluate(v)).collect();
    report("sigmoid7", &y_sig, 4, want, 25.0)?;
    // Against the functions (interpolation error included).
    let want: Vec<f64> = x_tanh.iter().map(|v| v.tanh()).collect();
    report("tanh (deg 31)", &y_tanh, 6, want, 12.0)?;
    let want: Vec<f64> = x_exp.iter().map(|v| v.exp()).collect();
    report("exp (deg 12)", &y_exp, 4, want, 25.0)?;
    let want: Vec<f64> = x_inv.iter().map(|v| 1.0 / v).collect();
    report(
        "1/x",
        &y_inv,
        Evaluator::inverse_depth(iterations),
        want,
        20.0,
    )?;
    let want: Vec<f64> = x_tanh
        .iter()
        .zip(&x_exp)
        .map(|(a, b)| a.tanh() + b.exp())
        .collect();
    let s = PrecisionStats::real(&want, &decode(&tanh_plus_exp)?);
    println!("  tanh(x) + exp(y): {s}");
    assert!(s.mean_bits > 12.0);

    // Too few levels: an error that says how many the polynomial needs.
    let low = eval.drop_to_level(&c_sig, 2)?;
    let err = eval.evaluate_polynomial(&low, &sigmoid);
    assert!(matches!(err, Err(Error::NotEnoughLevels { needed: 4, .. })));
    if let Err(e) = err {
        println!("as expected: {e}");
    }
    Ok(())
}
