//! Round trips of every object, and a corpus of corrupted inputs: every one must be an error,
//! never a panic.

use std::io::Read;

use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use super::{CHECKSUM_LEN, HEADER_LEN, ObjectKind, checksum, peek_header};
use crate::keys::galois_element;
use crate::params::{Parameters, ParametersLiteral, Preset};
use crate::ring::{Representation, RnsPoly};
use crate::{
    Ciphertext, Context, Decryptor, Encoder, Encryptor, Error, EvaluationKeys, Evaluator,
    GaloisKeys, Plaintext, PublicKey, RelinearizationKey, SecretKey,
};

/// N = 16, q = 30 + 20 + 20 bits, P = 2 x 30 bits (two digits of two primes): small objects.
fn tiny_literal() -> ParametersLiteral {
    ParametersLiteral {
        log_n: 4,
        log_q: vec![30, 20, 20],
        log_p: vec![30, 30],
        log_scale: 20,
        ..Default::default()
    }
}

fn tiny() -> Context {
    Context::new(tiny_literal().build_insecure_for_tests().unwrap()).unwrap()
}

/// Other parameters of the same shape (different scale): a different id.
fn tiny_other() -> Context {
    let mut l = tiny_literal();
    l.log_scale = 19;
    Context::new(l.build_insecure_for_tests().unwrap()).unwrap()
}

/// Every kind of object at the tiny parameters.
struct Objects {
    ctx: Context,
    params: Parameters,
    sk: SecretKey,
    pk: PublicKey,
    relin: RelinearizationKey,
    galois: GaloisKeys,
    pt: Plaintext,
    ct_pk: Ciphertext,
    ct_sk: Ciphertext,
    ct_deg2: Ciphertext,
}

impl Objects {
    fn new() -> Self {
        let ctx = tiny();
        let mut rng = ChaCha20Rng::from_seed([3; 32]);
        let sk = SecretKey::generate(&ctx, &mut rng).unwrap();
        let pk = PublicKey::generate(&sk, &mut rng).unwrap();
        let relin = RelinearizationKey::generate(&sk, &mut rng).unwrap();
        let elements = [galois_element(1, 16), galois_element(-1, 16), 31];
        let galois = GaloisKeys::generate(&sk, &elements, &mut rng).unwrap();
        let enc = Encoder::new(&ctx);
        let pt = enc.encode(&[0.5, -0.25, 1.0], 2, 2f64.powi(20)).unwrap();
        let ct_pk = Encryptor::new(&pk).encrypt(&pt, &mut rng).unwrap();
        let ct_sk = Encryptor::with_secret_key(&sk)
            .encrypt(&pt, &mut rng)
            .unwrap();
        assert!(ct_sk.seed().is_some());
        let evk = EvaluationKeys::from_parts(&ctx, Some(relin.clone()), galois.clone()).unwrap();
        let eval = Evaluator::new(&ctx, evk).unwrap();
        let ct_deg2 = eval.mul(&ct_pk, &ct_sk).unwrap();
        assert_eq!(ct_deg2.degree(), 2);
        Self {
            params: ctx.params().clone(),
            ctx,
            sk,
            pk,
            relin,
            galois,
            pt,
            ct_pk,
            ct_sk,
            ct_deg2,
        }
    }

    /// Every object's bytes and its loader (which also checks a successful load writes back
    /// to the same bytes).
    fn all(&self) -> Vec<(&'static str, Vec<u8>, Loader)> {
        vec![
            ("parameters", self.params.to_bytes(), load_params),
            ("secret key", self.sk.to_bytes().to_vec(), load_sk),
            ("public key", self.pk.to_bytes(), load_pk),
            ("relinearization key", self.relin.to_bytes(), load_relin),
            ("Galois keys", self.galois.to_bytes(), load_galois),
            ("plaintext", self.pt.to_bytes(), load_pt),
            ("ciphertext (public key)", self.ct_pk.to_bytes(), load_ct),
            ("ciphertext (secret key)", self.ct_sk.to_bytes(), load_ct),
            ("ciphertext (degree 2)", self.ct_deg2.to_bytes(), load_ct),
        ]
    }
}

type Loader = fn(&[u8], &Context) -> Result<(), Error>;

/// Loads from a slice and from a stream; both must agree, and a loaded object must write back
/// to the same bytes.
fn check_load<T>(
    bytes: &[u8],
    from: impl Fn(&[u8]) -> Result<T, Error>,
    read: impl Fn(&mut dyn Read) -> Result<T, Error>,
    to: impl Fn(&T) -> Vec<u8>,
) -> Result<(), Error> {
    let a = from(bytes);
    let mut stream = bytes;
    let b = read(&mut stream);
    match (&a, &b) {
        (Ok(x), Ok(y)) => {
            assert_eq!(to(x), bytes, "a loaded object writes back to other bytes");
            assert_eq!(to(y), bytes);
            // The stream read exactly the object and stopped there.
            assert!(stream.is_empty());
        }
        (Err(_), Err(_)) => {}
        // A slice rejects trailing bytes, a stream leaves them: only possible with extra bytes.
        (Err(Error::TrailingBytes { .. }), Ok(_)) => {}
        _ => panic!(
            "slice and stream loads disagree: {a:?} / {b:?}",
            a = a.as_ref().err(),
            b = b.as_ref().err()
        ),
    }
    a.map(drop)
}

fn load_params(b: &[u8], _: &Context) -> Result<(), Error> {
    check_load(
        b,
        Parameters::from_bytes,
        |r| Parameters::read_from(r),
        |x| x.to_bytes(),
    )
}
fn load_sk(b: &[u8], ctx: &Context) -> Result<(), Error> {
    check_load(
        b,
        |b| SecretKey::from_bytes(b, ctx),
        |r| SecretKey::read_from(r, ctx),
        |x| x.to_bytes().to_vec(),
    )
}
fn load_pk(b: &[u8], ctx: &Context) -> Result<(), Error> {
    check_load(
        b,
        |b| PublicKey::from_bytes(b, ctx),
        |r| PublicKey::read_from(r, ctx),
        PublicKey::to_bytes,
    )
}
fn load_relin(b: &[u8], ctx: &Context) -> Result<(), Error> {
    check_load(
        b,
        |b| RelinearizationKey::from_bytes(b, ctx),
        |r| RelinearizationKey::read_from(r, ctx),
        RelinearizationKey::to_bytes,
    )
}
fn load_galois(b: &[u8], ctx: &Context) -> Result<(), Error> {
    check_load(
        b,
        |b| GaloisKeys::from_bytes(b, ctx),
        |r| GaloisKeys::read_from(r, ctx),
        GaloisKeys::to_bytes,
    )
}
fn load_pt(b: &[u8], ctx: &Context) -> Result<(), Error> {
    check_load(
        b,
        |b| Plaintext::from_bytes(b, ctx),
        |r| Plaintext::read_from(r, ctx),
        Plaintext::to_bytes,
    )
}
fn load_ct(b: &[u8], ctx: &Context) -> Result<(), Error> {
    check_load(
        b,
        |b| Ciphertext::from_bytes(b, ctx),
        |r| Ciphertext::read_from(r, ctx),
        Ciphertext::to_bytes,
    )
}

/// Recomputes the checksum after a deliberate edit, so that the edit itself is what the
/// decoder sees.
fn reseal(bytes: &mut [u8]) {
    let split = bytes.len() - CHECKSUM_LEN;
    let sum = checksum(&bytes[..split]);
    bytes[split..].copy_from_slice(&sum.to_le_bytes());
}

fn patched(bytes: &[u8], at: usize, value: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[at..at + value.len()].copy_from_slice(value);
    reseal(&mut b);
    b
}

// -------------------------------------------------------------------------------------------
// Round trips
// -------------------------------------------------------------------------------------------

#[test]
fn every_object_round_trips() {
    let o = Objects::new();
    for (name, bytes, load) in o.all() {
        assert_eq!(load(&bytes, &o.ctx), Ok(()), "{name}");
        assert_eq!(peek_header(&bytes).unwrap().param_id, o.ctx.id(), "{name}");
    }
    // Field by field.
    let sk = SecretKey::from_bytes(&o.sk.to_bytes(), &o.ctx).unwrap();
    assert_eq!(sk.ternary, o.sk.ternary);
    assert_eq!(sk.s_q, o.sk.s_q);
    assert_eq!(sk.s_p, o.sk.s_p);
    let pk = PublicKey::from_bytes(&o.pk.to_bytes(), &o.ctx).unwrap();
    assert_eq!((&pk.b.q, &pk.b.p), (&o.pk.b.q, &o.pk.b.p));
    assert_eq!((&pk.a.q, &pk.a.p), (&o.pk.a.q, &o.pk.a.p));
    let relin = RelinearizationKey::from_bytes(&o.relin.to_bytes(), &o.ctx).unwrap();
    assert_eq!(relin.0.b.len(), 2);
    for (x, y) in relin
        .0
        .b
        .iter()
        .zip(&o.relin.0.b)
        .chain(relin.0.a.iter().zip(&o.relin.0.a))
    {
        let (x, y) = (x.unpack().unwrap(), y.unpack().unwrap());
        assert_eq!((&x.q, &x.p), (&y.q, &y.p));
    }
    let galois = GaloisKeys::from_bytes(&o.galois.to_bytes(), &o.ctx).unwrap();
    assert_eq!(
        galois.elements().collect::<Vec<_>>(),
        o.galois.elements().collect::<Vec<_>>()
    );
    for ct in [&o.ct_pk, &o.ct_sk, &o.ct_deg2] {
        let back = Ciphertext::from_bytes(&ct.to_bytes(), &o.ctx).unwrap();
        assert_eq!(back.parts, ct.parts);
        assert_eq!(back.seed, ct.seed);
        assert_eq!(back.scale.to_bits(), ct.scale.to_bits());
        assert_eq!(back.slots, ct.slots);
    }
    let pt = Plaintext::from_bytes(&o.pt.to_bytes(), &o.ctx).unwrap();
    assert_eq!(pt.poly, o.pt.poly);
    assert_eq!((pt.scale, pt.slots), (o.pt.scale, o.pt.slots));
    // The sizes the methods announce.
    assert_eq!(o.ct_sk.serialized_size(), o.ct_sk.to_bytes().len());
    assert_eq!(o.ct_deg2.serialized_size(), o.ct_deg2.to_bytes().len());
    assert_eq!(o.galois.serialized_size(), o.galois.to_bytes().len());
    assert_eq!(o.relin.serialized_size(), o.relin.to_bytes().len());
    assert_eq!(o.pk.serialized_size(), o.pk.to_bytes().len());
    assert_eq!(o.sk.serialized_size(), o.sk.to_bytes().len());
    assert_eq!(o.pt.serialized_size(), o.pt.to_bytes().len());
    assert_eq!(o.params.serialized_size(), o.params.to_bytes().len());
}

#[test]
fn parameters_round_trip() {
    for preset in Preset::ALL {
        let p = preset.literal().build().unwrap();
        let back = Parameters::from_bytes(&p.to_bytes()).unwrap();
        assert_eq!(back, p);
        assert_eq!(back.id(), p.id());
        assert!(back.is_secure());
        // And the literal as JSON.
        let json = serde_json::to_string(p.literal()).unwrap();
        let lit: ParametersLiteral = serde_json::from_str(&json).unwrap();
        assert_eq!(lit.build().unwrap().id(), p.id());
    }
    // Explicit primes, 192-bit security, insecure test parameters.
    let mut l = Preset::RefA.literal();
    l.log_q.clear();
    l.q = vec![1152921504606748673, 1099510890497, 1099511480321];
    l.security = crate::params::SecurityLevel::Classical128;
    let p = l.build().unwrap();
    assert_eq!(Parameters::from_bytes(&p.to_bytes()).unwrap(), p);
    let tiny = tiny_literal().build_insecure_for_tests().unwrap();
    let back = Parameters::from_bytes(&tiny.to_bytes()).unwrap();
    assert_eq!(back, tiny);
    assert!(!back.is_secure());
    // Every security level; 192 bits at N = 2^13 allows 152 bits of PQ.
    for security in [
        crate::params::SecurityLevel::Classical192,
        crate::params::SecurityLevel::Classical256,
    ] {
        let mut l = tiny_literal();
        l.security = security;
        let p = l.build_insecure_for_tests().unwrap();
        assert_eq!(Parameters::from_bytes(&p.to_bytes()).unwrap(), p);
    }
    let l = ParametersLiteral {
        log_n: 13,
        log_q: vec![50, 40],
        log_p: vec![50],
        security: crate::params::SecurityLevel::Classical192,
        ..Default::default()
    };
    let p = l.build().unwrap();
    let back = Parameters::from_bytes(&p.to_bytes()).unwrap();
    assert_eq!(back, p);
    assert!(back.is_secure());
}

#[test]
fn empty_galois_keys_round_trip() {
    let ctx = tiny();
    let empty = GaloisKeys::default();
    let bytes = empty.to_bytes();
    assert_eq!(bytes.len(), HEADER_LEN + 8 + CHECKSUM_LEN);
    assert!(GaloisKeys::from_bytes(&bytes, &ctx).unwrap().is_empty());
    // Unbound: loads under any parameters.
    assert!(GaloisKeys::from_bytes(&bytes, &tiny_other()).is_ok());
}

#[test]
fn objects_follow_one_another_in_a_stream() {
    let o = Objects::new();
    let mut file = Vec::new();
    o.params.write_to(&mut file).unwrap();
    o.pk.write_to(&mut file).unwrap();
    o.ct_sk.write_to(&mut file).unwrap();
    o.galois.write_to(&mut file).unwrap();
    o.sk.write_to(&mut file).unwrap();
    // A reader that returns one byte at a time.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if buf.is_empty() || self.0.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }
    let mut r = Trickle(&file);
    let params = Parameters::read_from(&mut r).unwrap();
    let ctx = Context::new(params).unwrap();
    assert!(ctx.same_as(&o.ctx));
    PublicKey::read_from(&mut r, &ctx).unwrap();
    let ct = Ciphertext::read_from(&mut r, &ctx).unwrap();
    assert_eq!(ct.parts, o.ct_sk.parts);
    assert_eq!(GaloisKeys::read_from(&mut r, &ctx).unwrap().len(), 3);
    let sk = SecretKey::read_from(&mut r, &ctx).unwrap();
    assert_eq!(sk.ternary, o.sk.ternary);
    assert!(r.0.is_empty());
    // A reader that fails.
    struct Failing;
    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    let err = Ciphertext::read_from(Failing, &ctx).unwrap_err();
    assert!(matches!(err, Error::Io { op: "reading", .. }), "{err}");
    assert!(err.to_string().contains("disk on fire"));
    // A writer that fails.
    struct Full;
    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("no space left"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let err = o.ct_pk.write_to(Full).unwrap_err();
    assert!(matches!(err, Error::Io { op: "writing", .. }), "{err}");
}

#[test]
fn decrypting_a_round_tripped_ciphertext_gives_the_same_values() {
    let ctx = Context::new(Preset::RefA.literal().build().unwrap()).unwrap();
    let mut rng = ChaCha20Rng::from_seed([11; 32]);
    let sk = SecretKey::generate(&ctx, &mut rng).unwrap();
    let pk = PublicKey::generate(&sk, &mut rng).unwrap();
    let enc = Encoder::new(&ctx);
    let x: Vec<f64> = (0..64).map(|i| i as f64 / 8.0 - 4.0).collect();
    let pt = enc
        .encode(&x, ctx.max_level(), ctx.default_scale())
        .unwrap();
    let dec = Decryptor::new(&sk);
    for ct in [
        Encryptor::new(&pk).encrypt(&pt, &mut rng).unwrap(),
        Encryptor::with_secret_key(&sk)
            .encrypt(&pt, &mut rng)
            .unwrap(),
    ] {
        let bytes = ct.to_bytes();
        let back = Ciphertext::from_bytes(&bytes, &ctx).unwrap();
        assert_eq!(
            enc.decode(&dec.decrypt(&back).unwrap()).unwrap(),
            enc.decode(&dec.decrypt(&ct).unwrap()).unwrap()
        );
        // And with a loaded secret key.
        let sk2 = SecretKey::from_bytes(&sk.to_bytes(), &ctx).unwrap();
        let v = enc
            .decode(&Decryptor::new(&sk2).decrypt(&back).unwrap())
            .unwrap();
        assert!(x.iter().zip(&v).all(|(a, b)| (a - b).abs() < 1e-6));
    }
}

#[test]
fn evaluator_from_loaded_keys_computes_correctly() {
    let ctx = Context::new(Preset::RefA.literal().build().unwrap()).unwrap();
    let mut rng = ChaCha20Rng::from_seed([12; 32]);
    let sk = SecretKey::generate(&ctx, &mut rng).unwrap();
    let pk = PublicKey::generate(&sk, &mut rng).unwrap();
    let relin = RelinearizationKey::generate(&sk, &mut rng).unwrap();
    let n = ctx.n();
    let galois = GaloisKeys::generate(
        &sk,
        &[galois_element(1, n), crate::keys::conjugation_element(n)],
        &mut rng,
    )
    .unwrap();
    // The server's view: parameters and evaluation keys from bytes only.
    let ctx2 = Context::new(Parameters::from_bytes(&ctx.params().to_bytes()).unwrap()).unwrap();
    let relin2 = RelinearizationKey::from_bytes(&relin.to_bytes(), &ctx2).unwrap();
    let galois2 = GaloisKeys::from_bytes(&galois.to_bytes(), &ctx2).unwrap();
    let pk2 = PublicKey::from_bytes(&pk.to_bytes(), &ctx2).unwrap();
    let eval = Evaluator::new(
        &ctx2,
        EvaluationKeys::from_parts(&ctx2, Some(relin2), galois2).unwrap(),
    )
    .unwrap();
    let enc = Encoder::new(&ctx2);
    let x: Vec<f64> = (0..16).map(|i| (i as f64 - 8.0) / 4.0).collect();
    let y: Vec<f64> = (0..16).map(|i| 1.0 - i as f64 / 16.0).collect();
    let encode = |v: &[f64]| {
        enc.encode(v, ctx2.max_level(), ctx2.default_scale())
            .unwrap()
    };
    let cx = Ciphertext::from_bytes(
        &Encryptor::new(&pk2)
            .encrypt(&encode(&x), &mut rng)
            .unwrap()
            .to_bytes(),
        &ctx2,
    )
    .unwrap();
    let cy = Ciphertext::from_bytes(
        &Encryptor::with_secret_key(&sk)
            .encrypt(&encode(&y), &mut rng)
            .unwrap()
            .to_bytes(),
        &ctx2,
    )
    .unwrap();
    let prod = eval.rescale(&eval.mul_relin(&cx, &cy).unwrap()).unwrap();
    let rotated = eval.rotate(&prod, 1).unwrap();
    let conj = eval.conjugate(&rotated).unwrap();
    let result = Ciphertext::from_bytes(&conj.to_bytes(), &ctx).unwrap();
    let v = enc
        .decode(&Decryptor::new(&sk).decrypt(&result).unwrap())
        .unwrap();
    // 16 values pack 16 slots, which rotate among themselves.
    assert_eq!(v.len(), 16);
    for (i, got) in v.iter().enumerate() {
        let j = (i + 1) % 16;
        let expected = x[j] * y[j];
        assert!(
            (got - expected).abs() < 1e-4,
            "slot {i}: {got} vs {expected}"
        );
    }
}

fn arb_ciphertext_case() -> impl Strategy<Value = (usize, usize, bool, bool, f64, u32, [u8; 32])> {
    (
        0usize..=2,
        1usize..=2,
        any::<bool>(),
        any::<bool>(),
        1e-3f64..1e30,
        0u32..=3,
        any::<[u8; 32]>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn ciphertexts_round_trip((level, degree, seeded, coeff, scale, log_slots, seed) in arb_ciphertext_case()) {
        let ctx = tiny();
        let seeded = seeded && degree == 1 && !coeff;
        let repr = if coeff { Representation::Coefficient } else { Representation::Ntt };
        let parts: Vec<RnsPoly> = (0..=degree)
            .map(|i| {
                let mut s = seed;
                s[0] ^= i as u8 ^ 0x80;
                if seeded && i == 1 { s = seed; }
                RnsPoly::from_seed(ctx.q_basis(), level + 1, repr, &s).unwrap()
            })
            .collect();
        let ct = Ciphertext {
            parts,
            scale,
            slots: 1 << log_slots,
            param_id: ctx.id(),
            seed: seeded.then_some(seed),
            noise: None,
        };
        let bytes = ct.to_bytes();
        prop_assert_eq!(bytes.len(), ct.serialized_size());
        let back = Ciphertext::from_bytes(&bytes, &ctx).unwrap();
        prop_assert!(back.parts == ct.parts);
        prop_assert_eq!(back.seed, ct.seed);
        prop_assert_eq!(back.scale.to_bits(), scale.to_bits());
        prop_assert_eq!(back.slots, ct.slots);
        prop_assert_eq!(back.to_bytes(), bytes);
    }

    #[test]
    fn plaintexts_round_trip((level, _, _, coeff, scale, log_slots, seed) in arb_ciphertext_case()) {
        let ctx = tiny();
        let repr = if coeff { Representation::Coefficient } else { Representation::Ntt };
        let pt = Plaintext {
            poly: RnsPoly::from_seed(ctx.q_basis(), level + 1, repr, &seed).unwrap(),
            scale,
            slots: 1 << log_slots,
            param_id: ctx.id(),
            bound: None,
        };
        let back = Plaintext::from_bytes(&pt.to_bytes(), &ctx).unwrap();
        prop_assert!(back.poly == pt.poly);
        prop_assert_eq!(back.scale.to_bits(), scale.to_bits());
        prop_assert_eq!(back.slots, pt.slots);
    }

    #[test]
    fn keys_round_trip(seed in any::<[u8; 32]>()) {
        let ctx = tiny();
        let mut rng = ChaCha20Rng::from_seed(seed);
        let sk = SecretKey::generate(&ctx, &mut rng).unwrap();
        let back = SecretKey::from_bytes(&sk.to_bytes(), &ctx).unwrap();
        prop_assert_eq!(&back.ternary, &sk.ternary);
        let pk = PublicKey::generate(&sk, &mut rng).unwrap();
        prop_assert_eq!(PublicKey::from_bytes(&pk.to_bytes(), &ctx).unwrap().to_bytes(), pk.to_bytes());
        let steps = [1 + (seed[0] % 7) as i64, -1];
        let gk = GaloisKeys::generate(&sk, &steps.map(|s| galois_element(s, 16)), &mut rng).unwrap();
        prop_assert_eq!(GaloisKeys::from_bytes(&gk.to_bytes(), &ctx).unwrap().to_bytes(), gk.to_bytes());
    }

    /// Random corruption (a few bytes overwritten, possibly resealed so the decoder sees the
    /// edit, possibly truncated or extended): an error or a canonical object, never a panic.
    #[test]
    fn random_corruption_never_panics(
        which in 0usize..9,
        edits in proptest::collection::vec((any::<u16>(), any::<u8>()), 1..6),
        reseal_it in any::<bool>(),
        cut in proptest::option::of(any::<u16>()),
    ) {
        let o = objects();
        let all = o.all();
        let (_, bytes, load) = &all[which];
        let mut b = bytes.clone();
        for (at, v) in edits {
            let at = at as usize % b.len();
            b[at] = v;
        }
        if reseal_it {
            reseal(&mut b);
        }
        if let Some(cut) = cut {
            b.truncate(cut as usize % (b.len() + 1));
        }
        let _ = load(&b, &o.ctx);
    }
}

/// The objects, built once for the property tests.
fn objects() -> &'static Objects {
    static OBJECTS: std::sync::OnceLock<Objects> = std::sync::OnceLock::new();
    OBJECTS.get_or_init(Objects::new)
}

// -------------------------------------------------------------------------------------------
// The corpus of corrupted inputs
// -------------------------------------------------------------------------------------------

#[test]
fn every_truncation_is_an_error() {
    let o = objects();
    for (name, bytes, load) in o.all() {
        for len in 0..bytes.len() {
            let err = load(&bytes[..len], &o.ctx);
            assert!(err.is_err(), "{name} truncated to {len} bytes loaded");
        }
        // One byte too many.
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(
            matches!(
                load(&longer, &o.ctx),
                Err(Error::TrailingBytes { extra: 1, .. })
            ),
            "{name}"
        );
    }
}

#[test]
fn every_bit_flip_is_an_error() {
    let o = objects();
    for (name, bytes, load) in o.all() {
        for bit in 0..8 * bytes.len() {
            let mut b = bytes.clone();
            b[bit / 8] ^= 1 << (bit % 8);
            assert!(
                load(&b, &o.ctx).is_err(),
                "{name}: flipping bit {bit} went unnoticed"
            );
        }
    }
}

#[test]
fn every_resealed_header_byte_change_is_handled() {
    // Each value of each header byte, with the checksum fixed: the decoder sees the edit.
    let o = objects();
    for (name, bytes, load) in o.all() {
        for at in 0..HEADER_LEN {
            for v in 0..=255u8 {
                if v == bytes[at] {
                    continue;
                }
                let b = patched(&bytes, at, &[v]);
                if let Ok(()) = load(&b, &o.ctx) {
                    // Only a scale, or the representation flag of a plaintext or an unseeded
                    // ciphertext, may change and stay valid.
                    let flag = at == 7 && v == super::FLAG_COEFFICIENT;
                    assert!(
                        (20..28).contains(&at) || flag,
                        "{name}: header byte {at} = {v} loaded"
                    );
                }
            }
        }
    }
}

#[test]
fn wrong_parameter_id() {
    let o = objects();
    let other = tiny_other();
    for (name, bytes, load) in o.all() {
        if name == "parameters" {
            continue;
        }
        let err = load(&bytes, &other).unwrap_err();
        assert!(
            matches!(err, Error::ParameterMismatch { expected, got, .. } if expected == other.id() && got == o.ctx.id()),
            "{name}: {err}"
        );
        // A forged id (the other context's): the id catches mix-ups, not forgeries (parameters
        // are public). Here the shapes agree, so the body is validated against `other` in
        // full and may load; it must not panic.
        let forged = patched(&bytes, 8, &other.id().to_le_bytes());
        let _ = load(&forged, &other);
    }
    // Parameters whose header id does not match the body.
    let b = patched(&o.params.to_bytes(), 8, &other.id().to_le_bytes());
    assert!(matches!(
        Parameters::from_bytes(&b),
        Err(Error::MalformedObject { .. })
    ));
}

#[test]
fn wrong_kind() {
    let o = objects();
    let all = o.all();
    for (name, bytes, _) in &all {
        let kind = peek_header(bytes).unwrap().kind;
        for (other_name, _, load) in &all {
            let other_kind = ObjectKind::ALL
                .into_iter()
                .find(|k| other_name.starts_with(k.name()))
                .unwrap();
            if other_kind == kind {
                continue;
            }
            let err = load(bytes, &o.ctx).unwrap_err();
            assert!(
                matches!(err, Error::WrongObjectKind { .. }),
                "{name} as {other_name}: {err}"
            );
        }
    }
    // An unknown kind code, a bad magic, another version.
    let ct = o.ct_pk.to_bytes();
    for (at, v, check) in [
        (6, 0u8, "WrongObjectKind"),
        (6, 99, "WrongObjectKind"),
        (0, b'X', "BadMagic"),
        (4, 2, "UnsupportedVersion"),
    ] {
        let err = Ciphertext::from_bytes(&patched(&ct, at, &[v]), &o.ctx).unwrap_err();
        assert!(format!("{err:?}").starts_with(check), "{err:?}");
    }
}

#[test]
fn coefficient_equal_to_its_prime_is_rejected() {
    let o = objects();
    let n = o.ctx.n();
    // In each limb of a ciphertext (each prime has its own bit width).
    for limb in 0..3 {
        let mut ct = o.ct_pk.clone();
        let q = o.ctx.q_at(limb);
        ct.parts[1].limb_mut(limb).unwrap()[5] = q;
        let err = Ciphertext::from_bytes(&ct.to_bytes(), &o.ctx).unwrap_err();
        assert_eq!(
            err,
            Error::ResidueOutOfRange {
                value: q,
                modulus: q,
                limb,
                index: 5
            }
        );
        // The largest value the bit width holds.
        ct.parts[1].limb_mut(limb).unwrap()[n - 1] = (1 << super::bitpack::residue_bits(q)) - 1;
        assert!(Ciphertext::from_bytes(&ct.to_bytes(), &o.ctx).is_err());
    }
    // In the P part of a key.
    let mut relin = o.relin.clone();
    let p1 = o.ctx.p_basis().moduli()[1].value();
    let mut poly = relin.0.b[1].unpack().unwrap();
    poly.p.limb_mut(1).unwrap()[0] = p1;
    relin.0.b[1] = crate::keys::packed::PackedQp::pack(&poly);
    assert!(matches!(
        RelinearizationKey::from_bytes(&relin.to_bytes(), &o.ctx),
        Err(Error::ResidueOutOfRange { value, .. }) if value == p1
    ));
    let mut pk = o.pk.clone();
    pk.b.q.limb_mut(0).unwrap()[3] = o.ctx.q_at(0);
    assert!(matches!(
        PublicKey::from_bytes(&pk.to_bytes(), &o.ctx),
        Err(Error::ResidueOutOfRange { .. })
    ));
    let mut pt = o.pt.clone();
    pt.poly.limb_mut(2).unwrap()[15] = o.ctx.q_at(2);
    assert!(matches!(
        Plaintext::from_bytes(&pt.to_bytes(), &o.ctx),
        Err(Error::ResidueOutOfRange {
            limb: 2,
            index: 15,
            ..
        })
    ));
}

#[test]
fn declared_size_of_2_pow_60() {
    let o = objects();
    let huge = (1u64 << 60).to_le_bytes();
    // The Galois key count (right after the header).
    let b = patched(&o.galois.to_bytes(), HEADER_LEN, &huge);
    for err in [
        GaloisKeys::from_bytes(&b, &o.ctx).unwrap_err(),
        GaloisKeys::read_from(&b[..], &o.ctx).unwrap_err(),
    ] {
        assert!(
            matches!(err, Error::DeclaredSizeTooLarge { declared, max: 15, .. } if declared == 1 << 60),
            "{err}"
        );
    }
    // Each list length of the parameters: log_q's count sits after 28 + 4 + 4 + 3 + 8 bytes.
    let p = o.params.to_bytes();
    let b = patched(&p, HEADER_LEN + 19, &huge);
    for err in [
        Parameters::from_bytes(&b).unwrap_err(),
        Parameters::read_from(&b[..]).unwrap_err(),
    ] {
        assert!(matches!(err, Error::DeclaredSizeTooLarge { .. }), "{err}");
    }
    // A large but allowed count: sizes are checked against the input before allocating.
    let b = patched(&o.galois.to_bytes(), HEADER_LEN, &15u64.to_le_bytes());
    assert!(matches!(
        GaloisKeys::from_bytes(&b, &o.ctx),
        Err(Error::Truncated { .. })
    ));
    // Levels (u32) and degrees (u8) cannot reach 2^60; their maxima are refused.
    let ct = o.ct_pk.to_bytes();
    let b = patched(&ct, 16, &u32::MAX.to_le_bytes());
    assert!(matches!(
        Ciphertext::from_bytes(&b, &o.ctx),
        Err(Error::LevelOutOfRange { .. })
    ));
    let b = patched(&ct, HEADER_LEN + 4, &[255]);
    assert!(matches!(
        Ciphertext::from_bytes(&b, &o.ctx),
        Err(Error::DeclaredSizeTooLarge {
            declared: 255,
            max: 4,
            ..
        })
    ));
}

#[test]
fn seeded_ciphertext_with_forged_level() {
    let o = objects();
    let ct = o.ct_sk.to_bytes();
    assert_eq!(peek_header(&ct).unwrap().flags & super::FLAG_SEEDED, 1);
    for level in [3u32, 1000, 1 << 31, u32::MAX] {
        let b = patched(&ct, 16, &level.to_le_bytes());
        for err in [
            Ciphertext::from_bytes(&b, &o.ctx).unwrap_err(),
            Ciphertext::read_from(&b[..], &o.ctx).unwrap_err(),
        ] {
            assert!(matches!(err, Error::LevelOutOfRange { .. }), "{err}");
        }
    }
    // A level within the chain but not the object's: sizes differ (slice), or the bytes are
    // read as another object and the checksum fails (stream).
    for level in [0u32, 1] {
        let b = patched(&ct, 16, &level.to_le_bytes());
        assert!(matches!(
            Ciphertext::from_bytes(&b, &o.ctx),
            Err(Error::TrailingBytes { .. })
        ));
        assert!(Ciphertext::read_from(&b[..], &o.ctx).is_err());
    }
    // The seeded flag on a degree-2 ciphertext, or in coefficient form.
    let d2 = o.ct_deg2.to_bytes();
    let b = patched(&d2, 7, &[super::FLAG_SEEDED]);
    assert!(matches!(
        Ciphertext::from_bytes(&b, &o.ctx),
        Err(Error::MalformedObject { .. })
    ));
    let b = patched(&ct, 7, &[super::FLAG_SEEDED | super::FLAG_COEFFICIENT]);
    assert!(matches!(
        Ciphertext::from_bytes(&b, &o.ctx),
        Err(Error::MalformedObject { .. })
    ));
}

#[test]
fn invalid_fields_are_rejected() {
    let o = objects();
    let ct = o.ct_pk.to_bytes();
    let load = |b: &[u8]| Ciphertext::from_bytes(b, &o.ctx);
    // Scales: NaN, infinities, zero, negative, subnormal is positive and allowed.
    for scale in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0, -1.0] {
        let b = patched(&ct, 20, &scale.to_le_bytes());
        assert!(
            matches!(load(&b), Err(Error::MalformedObject { .. })),
            "scale {scale}"
        );
    }
    // Slot counts.
    for slots in [0u32, 3, 16, u32::MAX] {
        let b = patched(&ct, HEADER_LEN, &slots.to_le_bytes());
        assert!(
            matches!(load(&b), Err(Error::InvalidSlotCount { .. })),
            "slots {slots}"
        );
    }
    // Degree 0, unknown flags.
    assert!(matches!(
        load(&patched(&ct, HEADER_LEN + 4, &[0])),
        Err(Error::MalformedObject { .. })
    ));
    assert!(matches!(
        load(&patched(&ct, 7, &[4])),
        Err(Error::MalformedObject { .. })
    ));
    // Keys: level other than L, a scale.
    let relin = o.relin.to_bytes();
    assert!(matches!(
        RelinearizationKey::from_bytes(&patched(&relin, 16, &1u32.to_le_bytes()), &o.ctx),
        Err(Error::MalformedObject { .. })
    ));
    assert!(matches!(
        RelinearizationKey::from_bytes(&patched(&relin, 20, &1f64.to_le_bytes()), &o.ctx),
        Err(Error::MalformedObject { .. })
    ));
    // Digit counts.
    for digits in [0u32, 1, 3, u32::MAX] {
        let b = patched(&relin, HEADER_LEN, &digits.to_le_bytes());
        assert!(
            RelinearizationKey::from_bytes(&b, &o.ctx).is_err(),
            "{digits} digits"
        );
    }
}

#[test]
fn invalid_galois_elements_are_rejected() {
    let o = objects();
    let bytes = o.galois.to_bytes();
    let elements: Vec<u64> = o.galois.elements().collect();
    assert_eq!(elements, [5, 13, 31]);
    let key_len = (bytes.len() - HEADER_LEN - 8 - CHECKSUM_LEN) / 3;
    let at = |i: usize| HEADER_LEN + 8 + i * key_len;
    let load = |b: &[u8]| GaloisKeys::from_bytes(b, &o.ctx);
    for (k, expect) in [
        (4u64, "InvalidGaloisElement"),
        (32, "InvalidGaloisElement"),
        (33, "InvalidGaloisElement"),
        (u64::MAX, "InvalidGaloisElement"),
        (1, "MalformedObject"),
    ] {
        let err = load(&patched(&bytes, at(0), &k.to_le_bytes())).unwrap_err();
        assert!(format!("{err:?}").starts_with(expect), "{k}: {err:?}");
    }
    // A duplicate, and a decreasing order.
    let err = load(&patched(&bytes, at(1), &5u64.to_le_bytes())).unwrap_err();
    assert!(err.to_string().contains("twice"), "{err}");
    let err = load(&patched(&bytes, at(2), &7u64.to_le_bytes())).unwrap_err();
    assert!(err.to_string().contains("increasing"), "{err}");
    // A valid but different element loads (the key is then for another automorphism: only
    // the key owner can tell; the format cannot).
    assert!(load(&patched(&bytes, at(2), &29u64.to_le_bytes())).is_ok());
    // An empty set with a count: parameter id 0 does not belong to the context.
    let mut empty = GaloisKeys::default().to_bytes();
    empty[HEADER_LEN..HEADER_LEN + 8].copy_from_slice(&1u64.to_le_bytes());
    reseal(&mut empty);
    assert!(matches!(
        load(&empty),
        Err(Error::ParameterMismatch { got: 0, .. })
    ));
}

#[test]
fn invalid_ternary_codes_are_rejected() {
    let o = objects();
    let bytes = o.sk.to_bytes();
    for at in HEADER_LEN..HEADER_LEN + 4 {
        for code in [0b10u8, 0b1000, 0b10_0000, 0b1000_0000] {
            let b = patched(&bytes, at, &[bytes[at] & !(code | code >> 1) | code]);
            let err = SecretKey::from_bytes(&b, &o.ctx).unwrap_err();
            assert!(matches!(err, Error::MalformedObject { .. }), "{err}");
            // The message names no coefficient.
            assert!(!err.to_string().contains("index"));
        }
    }
}

#[test]
fn non_zero_padding_is_rejected() {
    // At N = 4 a limb of 5-bit residues is 20 bits: 4 bits of padding.
    let l = ParametersLiteral {
        log_n: 2,
        q: vec![17],
        p: vec![41],
        log_scale: 3,
        ..Default::default()
    };
    let ctx = Context::new(l.build_insecure_for_tests().unwrap()).unwrap();
    let pt = Plaintext {
        poly: RnsPoly::from_seed(ctx.q_basis(), 1, Representation::Ntt, &[1; 32]).unwrap(),
        scale: 8.0,
        slots: 2,
        param_id: ctx.id(),
        bound: None,
    };
    let bytes = pt.to_bytes();
    assert_eq!(bytes.len(), HEADER_LEN + 4 + 3 + CHECKSUM_LEN);
    assert!(Plaintext::from_bytes(&bytes, &ctx).is_ok());
    let last = HEADER_LEN + 4 + 2;
    let b = patched(&bytes, last, &[bytes[last] | 0x80]);
    let err = Plaintext::from_bytes(&b, &ctx).unwrap_err();
    assert!(err.to_string().contains("padding"), "{err}");
}
