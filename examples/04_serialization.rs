//! # 04: serialization
//!
//! A client and a server that share nothing but files. The client writes the parameters, the
//! evaluation keys and two encrypted vectors to a directory; the server, which never sees the
//! secret key, loads what it needs, computes the dot product of the vectors and writes the
//! encrypted result back; the client loads it and decrypts.
//!
//! Every load validates the data against the parameters (sizes, every residue, levels, scales,
//! Galois elements, a checksum): a truncated, corrupted or mismatched file is an error, never a
//! panic or a silently wrong result.
//!
//! Run with `cargo run --release --example 04_serialization`.

use std::error::Error;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use ckks::math::sampling::os_seeded_rng;
use ckks::params::{Parameters, ParametersLiteral, Preset};
use ckks::{
    Ciphertext, Context, Decryptor, Encoder, Encryptor, EvaluationKeys, Evaluator, GaloisKeys,
    PublicKey, RelinearizationKey, SecretKey,
};

/// The vectors have 8 entries: the server sums 8 slots with rotations by 1, 2 and 4.
const LEN: usize = 8;

fn main() -> Result<(), Box<dyn Error>> {
    let dir = TempDir::new()?;
    println!("working in {}", dir.0.display());
    let (x, y) = client_setup(&dir.0)?;
    server(&dir.0)?;
    client_finish(&dir.0, &x, &y)?;
    Ok(())
}

/// The client: parameters, keys, and two encrypted vectors, all to files.
fn client_setup(dir: &Path) -> Result<(Vec<f64>, Vec<f64>), Box<dyn Error>> {
    let params = Preset::RefA.literal().build()?;
    let ctx = Context::new(params)?;

    // Parameters twice: as JSON for people (the literal), and in the binary format, which
    // carries the parameter id every other file is checked against.
    std::fs::write(
        dir.join("params.json"),
        serde_json::to_string_pretty(ctx.params().literal())?,
    )?;
    save(dir, "params.bin", |w| ctx.params().write_to(w))?;

    // Keys. The secret key goes to the client's own disk only (2 bits per coefficient: about
    // 2 KB at N = 2^13); the server gets the public key and the evaluation keys, whose uniform
    // halves are stored as 32-byte seeds.
    let mut rng = os_seeded_rng()?;
    let sk = SecretKey::generate(&ctx, &mut rng)?;
    let pk = PublicKey::generate(&sk, &mut rng)?;
    let relin = RelinearizationKey::generate(&sk, &mut rng)?;
    let steps = [1, 2, 4].map(|s| ckks::keys::galois_element(s, ctx.n()));
    let galois = GaloisKeys::generate(&sk, &steps, &mut rng)?;
    save(dir, "secret.key", |w| sk.write_to(w))?;
    save(dir, "public.key", |w| pk.write_to(w))?;
    save(dir, "relin.key", |w| relin.write_to(w))?;
    save(dir, "galois.keys", |w| galois.write_to(w))?;

    // Two vectors. x is encrypted with the secret key: its c_1 is a seed, so the file is half
    // the size of y's, encrypted with the public key (as anyone could).
    let encoder = Encoder::new(&ctx);
    let x: Vec<f64> = (0..LEN).map(|i| (i as f64 - 3.5) / 4.0).collect();
    let y: Vec<f64> = (0..LEN).map(|i| 1.0 + i as f64 / 8.0).collect();
    let (level, scale) = (ctx.max_level(), ctx.default_scale());
    let ct_x =
        Encryptor::with_secret_key(&sk).encrypt(&encoder.encode(&x, level, scale)?, &mut rng)?;
    let ct_y = Encryptor::new(&pk).encrypt(&encoder.encode(&y, level, scale)?, &mut rng)?;
    let size_x = save(dir, "x.ct", |w| ct_x.write_to(w))?;
    let size_y = save(dir, "y.ct", |w| ct_y.write_to(w))?;
    assert!(
        size_x < size_y / 2 + 1000,
        "a seeded ciphertext is about half the size"
    );
    Ok((x, y))
}

/// The server: loads the parameters, the evaluation keys and the ciphertexts (and nothing
/// else: it is never given the secret key's file), computes `sum_i x_i y_i`, saves the result.
fn server(dir: &Path) -> Result<(), Box<dyn Error>> {
    // The parameters are rebuilt and validated (including the security check) as if they had
    // been written by hand; the JSON form gives the same parameters.
    let params = Parameters::read_from(BufReader::new(File::open(dir.join("params.bin"))?))?;
    let json: ParametersLiteral =
        serde_json::from_str(&std::fs::read_to_string(dir.join("params.json"))?)?;
    assert_eq!(json.build()?.id(), params.id());
    let ctx = Context::new(params)?;

    // Evaluation keys: each file is checked against the context (parameter id, sizes, every
    // residue below its prime, valid and distinct Galois elements).
    let relin = RelinearizationKey::read_from(open(dir, "relin.key")?, &ctx)?;
    let galois = GaloisKeys::read_from(open(dir, "galois.keys")?, &ctx)?;
    let eval = Evaluator::new(&ctx, EvaluationKeys::from_parts(&ctx, Some(relin), galois)?)?;

    let ct_x = Ciphertext::read_from(open(dir, "x.ct")?, &ctx)?;
    let ct_y = Ciphertext::read_from(open(dir, "y.ct")?, &ctx)?;
    // x * y, then rotate-and-add: after steps 1, 2, 4 every slot holds the sum of all 8.
    let mut acc = eval.rescale(&eval.mul_relin(&ct_x, &ct_y)?)?;
    for step in [1, 2, 4] {
        let rotated = eval.rotate(&acc, step)?;
        eval.add_assign(&mut acc, &rotated)?;
    }
    save(dir, "result.ct", |w| acc.write_to(w))?;

    // A damaged file is refused: one flipped bit in the result fails the checksum.
    let mut damaged = std::fs::read(dir.join("result.ct"))?;
    damaged[1000] ^= 0x10;
    match Ciphertext::from_bytes(&damaged, &ctx) {
        Err(e) => println!("server: a damaged copy is refused: {e}"),
        Ok(_) => return Err("a damaged ciphertext loaded".into()),
    }
    Ok(())
}

/// The client again: loads its secret key and the result, decrypts.
fn client_finish(dir: &Path, x: &[f64], y: &[f64]) -> Result<(), Box<dyn Error>> {
    let params = Parameters::read_from(open(dir, "params.bin")?)?;
    let ctx = Context::new(params)?;
    let sk = SecretKey::read_from(open(dir, "secret.key")?, &ctx)?;
    let result = Ciphertext::read_from(open(dir, "result.ct")?, &ctx)?;
    let v = Encoder::new(&ctx).decode(&Decryptor::new(&sk).decrypt(&result)?)?;
    let expected: f64 = x.iter().zip(y).map(|(a, b)| a * b).sum();
    println!("client: dot product {:.6} (expected {expected:.6})", v[0]);
    assert!(v.iter().all(|s| (s - expected).abs() < 1e-4));
    Ok(())
}

/// Writes one object to `dir/name` through a buffered writer; returns the file's size.
fn save(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&mut BufWriter<File>) -> ckks::Result<()>,
) -> Result<u64, Box<dyn Error>> {
    let path = dir.join(name);
    let mut w = BufWriter::new(File::create(&path)?);
    write(&mut w)?;
    w.flush()?;
    let size = std::fs::metadata(&path)?.len();
    println!("{name:>12}: {size:>9} bytes");
    Ok(size)
}

fn open(dir: &Path, name: &str) -> Result<BufReader<File>, Box<dyn Error>> {
    Ok(BufReader::new(File::open(dir.join(name))?))
}

/// A fresh directory under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<Self> {
        let path =
            std::env::temp_dir().join(format!("ckks-04-serialization-{}", std::process::id()));
        std::fs::create_dir_all(&path)?;
        Ok(Self(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
