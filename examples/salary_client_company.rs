//! # A client and a company that only exchange files (the Paillier seed's split)
//!
//! The reference system had a company predict a customer's salary with a linear regression
//! over Paillier-encrypted features, keys and ciphertexts passed between the two as JSON files.
//! The same split with CKKS, on the diabetes data set (ten measurements of a patient ->
//! disease progression after one year), in three steps that share nothing but a directory:
//!
//! 1. **company**: trains the regression in the clear and publishes `model.json` (weights and
//!    normalization statistics) and `plan.json` (parameters, depth, Galois keys it needs).
//! 2. **client**: reads the plan, generates keys, keeps `secret.key` in its own directory
//!    (mode 0600 on Unix), writes `params.bin`, `galois.keys` and one `query-<i>.ct` per
//!    patient to the shared directory.
//! 3. **company**: loads and validates those files (never the secret key: it has no path to
//!    it), predicts on the ciphertexts, writes `answer-<i>.ct`.
//! 4. **client**: decrypts the answers.
//!
//! Run with `cargo run --release --example salary_client_company`.

use std::error::Error;
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use ckks::math::sampling::os_seeded_rng;
use ckks::params::Parameters;
use ckks::{Ciphertext, Context, EvaluationKeys, Evaluator, GaloisKeys, SecretKey};
use ckks_ml::data::{Dataset, sets, split};
use ckks_ml::evaluation::RegressionReport;
use ckks_ml::infer::{Client, LinearModel, LinearServer, Plan};
use ckks_ml::plain::{LinearOptions, LinearRegression};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// How many answers the client prints (it asks about every test patient).
const SHOWN: usize = 8;

fn main() -> Result<()> {
    let root = TempDir::new()?;
    let (shared, private) = (root.0.join("shared"), root.0.join("client-private"));
    fs::create_dir_all(&shared)?;
    fs::create_dir_all(&private)?;
    println!("shared directory: {}", shared.display());

    let data = sets::diabetes()?;
    let sp = split::shuffled(data.n_samples(), 0.2, 11)?;
    let (train, test) = (data.subset(&sp.train), data.subset(&sp.test));

    company_publish(&train, &shared)?;
    client_query(&test, &shared, &private)?;
    company_answer(&shared)?;
    client_read(&test, &shared, &private)
}

/// Step 1: train in the clear and publish the model and its plan.
fn company_publish(train: &Dataset, shared: &Path) -> Result<()> {
    let ridge = LinearRegression::fit(train.x.view(), train.y.view(), &LinearOptions::default())?;
    let plan = Plan::linear_single(
        &LinearModel::from_linear(&ridge),
        ckks::params::Preset::N13.literal(),
    )?;
    fs::write(shared.join("model.json"), ridge.to_json()?)?;
    fs::write(
        shared.join("plan.json"),
        serde_json::to_string_pretty(&plan)?,
    )?;
    println!(
        "company: ridge regression on {} patients published (model.json, plan.json: N = 2^{}, depth {}, rotations {:?})",
        train.n_samples(),
        plan.params.log_n,
        plan.depth,
        plan.rotations
    );
    Ok(())
}

/// Step 2: keys and encrypted queries.
fn client_query(test: &Dataset, shared: &Path, private: &Path) -> Result<()> {
    let plan: Plan = serde_json::from_str(&fs::read_to_string(shared.join("plan.json"))?)?;
    let ctx = Context::new(plan.params.build()?)?;
    let mut rng = os_seeded_rng()?;
    let sk = SecretKey::generate(&ctx, &mut rng)?;
    let evk = plan.evaluation_keys(&sk, &mut rng)?;
    write_private(&private.join("secret.key"), &sk.to_bytes())?;
    save(shared, "params.bin", |w| ctx.params().write_to(w))?;
    save(shared, "galois.keys", |w| evk.galois_keys().write_to(w))?;
    let client = Client::new(&plan, &sk)?;
    for (i, row) in test.x.rows().into_iter().enumerate() {
        let ct = client.encrypt_sample(&row.to_vec(), &mut rng)?;
        save(shared, &format!("query-{i}.ct"), |w| ct.write_to(w))?;
    }
    fs::write(shared.join("queries.txt"), test.n_samples().to_string())?;
    println!(
        "client: keys generated, secret key kept in its own directory, {} encrypted queries written",
        test.n_samples()
    );
    Ok(())
}

/// Step 3: the company sees only public files.
fn company_answer(shared: &Path) -> Result<()> {
    let params = Parameters::read_from(open(shared, "params.bin")?)?;
    let plan: Plan = serde_json::from_str(&fs::read_to_string(shared.join("plan.json"))?)?;
    if plan.params.build()?.id() != params.id() {
        return Err("the client's parameters are not the plan's".into());
    }
    let ctx = Context::new(params)?;
    let galois = GaloisKeys::read_from(open(shared, "galois.keys")?, &ctx)?;
    let eval = Evaluator::new(&ctx, EvaluationKeys::from_parts(&ctx, None, galois)?)?;
    let ridge = LinearRegression::from_json(&fs::read_to_string(shared.join("model.json"))?)?;
    let server = LinearServer::new(&eval, &LinearModel::from_linear(&ridge), &plan)?;
    let queries: usize = fs::read_to_string(shared.join("queries.txt"))?
        .trim()
        .parse()?;
    for i in 0..queries {
        let query = Ciphertext::read_from(open(shared, &format!("query-{i}.ct"))?, &ctx)?;
        let answer = server.infer(&eval, &query)?;
        save(shared, &format!("answer-{i}.ct"), |w| answer.write_to(w))?;
    }
    println!("company: {queries} encrypted predictions written (it never held a secret key)");
    Ok(())
}

/// Step 4: decrypt and compare with the plaintext model (which the client may compute: the
/// model is public) and the truth.
fn client_read(test: &Dataset, shared: &Path, private: &Path) -> Result<()> {
    let params = Parameters::read_from(open(shared, "params.bin")?)?;
    let ctx = Context::new(params)?;
    let sk = SecretKey::from_bytes(&fs::read(private.join("secret.key"))?, &ctx)?;
    let plan: Plan = serde_json::from_str(&fs::read_to_string(shared.join("plan.json"))?)?;
    let client = Client::new(&plan, &sk)?;
    let ridge = LinearRegression::from_json(&fs::read_to_string(shared.join("model.json"))?)?;
    let plain = ridge.predict(test.x.view())?;
    println!("\n  patient  encrypted  plaintext  truth");
    let mut encrypted = Vec::with_capacity(test.n_samples());
    for (i, (&p, &t)) in plain.iter().zip(&test.y).enumerate() {
        let answer = Ciphertext::read_from(open(shared, &format!("answer-{i}.ct"))?, &ctx)?;
        let y = client.decrypt_value(&answer)?;
        if i < SHOWN {
            println!("  {i:>7}  {y:>9.3}  {p:>9.3}  {t:>5.0}");
        }
        encrypted.push(y);
    }
    println!("  ... ({} patients in all)", test.n_samples());
    let report = RegressionReport::new(&plain, &encrypted, &test.y.to_vec())?;
    print!("\n{report}");
    if report.max_abs_difference > 1e-3 {
        return Err("encrypted predictions differ from the plaintext model".into());
    }
    Ok(())
}

/// Writes the secret key readable by its owner only (mode 0600 on Unix).
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)?;
    Ok(())
}

fn save(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&mut BufWriter<File>) -> ckks::Result<()>,
) -> Result<()> {
    let mut w = BufWriter::new(File::create(dir.join(name))?);
    write(&mut w)?;
    w.flush()?;
    Ok(())
}

fn open(dir: &Path, name: &str) -> Result<BufReader<File>> {
    Ok(BufReader::new(File::open(dir.join(name))?))
}

/// A fresh directory under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<Self> {
        let path = std::env::temp_dir().join(format!("ckks-salary-{}", std::process::id()));
        fs::create_dir_all(&path)?;
        Ok(Self(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}
