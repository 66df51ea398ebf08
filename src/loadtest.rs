//! Load and abuse tests against a running service, on loopback only: `ckks loadtest`.
//!
//! - [`run_load`]: `clients` concurrent clients send encrypted predictions for `seconds`
//!   seconds; reports throughput, latency percentiles, errors by code, a check of answers
//!   against the plaintext model, and the server's peak memory (from `/metrics`).
//! - [`run_flood`]: `count` malformed requests of every [`MalformedKind`]; each must be
//!   answered with its 4xx, and the server must still predict correctly afterwards.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ckks::params::Preset;
use ckks::{Context, Encoder, Encryptor, SecretKey};
use ckks_ml::ndarray::Array2;
use ckks_ml::plain::Model;
use hyper::Method;

use crate::client::{Client, KeyDir};
use crate::error::{Error, Result};
use crate::wire::{ErrorCode, ModelInfo, pack};

/// The most clients, seconds and malformed requests a run accepts.
pub const MAX_CLIENTS: usize = 256;
/// See [`MAX_CLIENTS`].
pub const MAX_SECONDS: u64 = 600;
/// See [`MAX_CLIENTS`].
pub const MAX_MALFORMED: usize = 100_000;

/// Refuses a server URL that is not on loopback.
pub fn check_loopback(url: &str) -> Result<()> {
    let host = url
        .trim_start_matches("http://")
        .split(['/', '?'])
        .next()
        .unwrap_or_default();
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    if matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        Ok(())
    } else {
        Err(Error::Input(format!(
            "the load test runs against loopback servers only (127.0.0.1, localhost, [::1]), not {host:?}"
        )))
    }
}

/// The plaintext twin of a served model (its JSON file in the model directory), to check
/// decrypted answers.
#[derive(Debug)]
pub struct Twin(Model);

impl Twin {
    /// Loads `dir/name.json`.
    pub fn load(dir: &Path, name: &str) -> Result<Self> {
        let path = dir.join(format!("{name}.json"));
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        Ok(Self(Model::from_json(&text)?))
    }

    /// The model's first output on rows of raw features, as [`KeyDir::decrypt_response`]
    /// reports it (a linear model's value, a logistic regression's polynomial-sigmoid
    /// probability); `None` for other models.
    pub fn predict(&self, rows: &[Vec<f64>]) -> Result<Option<Vec<f64>>> {
        let d = rows.first().map_or(0, Vec::len);
        let flat: Vec<f64> = rows.iter().flatten().copied().collect();
        let x = Array2::from_shape_vec((rows.len(), d), flat)
            .map_err(|e| Error::Input(format!("rows of unequal length: {e}")))?;
        Ok(match &self.0 {
            Model::LogisticRegression(m) => Some(m.predict_proba_poly(x.view())?),
            Model::LinearRegression(m) => Some(m.predict(x.view())?),
            _ => None,
        })
    }
}

/// Sample rows for a model: its training means shifted by `k / 4` standard deviations per
/// feature (in turn), so that every sample is plausible and they differ.
pub fn sample_rows(model: &ModelInfo, count: usize) -> Vec<Vec<f64>> {
    let s = &model.standardizer;
    (0..count)
        .map(|k| {
            s.mean
                .iter()
                .zip(&s.std)
                .enumerate()
                .map(|(j, (m, sd))| m + sd * (((k + j) % 9) as f64 - 4.0) / 4.0)
                .collect()
        })
        .collect()
}

/// A temporary key directory, removed on drop.
#[derive(Debug)]
pub struct TempKeys {
    /// The keys.
    pub keys: KeyDir,
    path: PathBuf,
}

impl TempKeys {
    /// Generates keys for `model` in a fresh directory under the system's temporary folder.
    pub fn generate(model: &ModelInfo, tag: &str) -> Result<Self> {
        let path = std::env::temp_dir().join(format!(
            "ckks-{tag}-{}-{}",
            std::process::id(),
            ckks::math::sampling::random_seed(&mut ckks::math::sampling::os_seeded_rng()?)[0]
        ));
        let keys = KeyDir::generate(&path, model, true)?;
        Ok(Self { keys, path })
    }
}

impl Drop for TempKeys {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// What a load run measured.
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// Requests answered 2xx.
    pub ok: usize,
    /// Failed requests by error code (`transport` for connection failures, `wrong_answer` for
    /// an answer that does not match the plaintext model).
    pub errors: BTreeMap<String, usize>,
    /// The run's duration.
    pub elapsed: Duration,
    /// Latency percentiles of successful requests: p50, p99, max.
    pub latency: [Duration; 3],
    /// Answers decrypted and compared with the plaintext model, and the largest difference.
    pub checked: usize,
    /// The largest |encrypted - plaintext| over the checked answers.
    pub max_error: f64,
    /// The server's peak resident memory (`process_resident_memory_max_bytes`).
    pub peak_memory: Option<u64>,
    /// The key-set memory and the cap (`ckks_key_set_bytes`, `ckks_key_set_capacity_bytes`).
    pub key_set_memory: (Option<u64>, Option<u64>),
}

impl LoadReport {
    /// Successful requests per second.
    pub fn throughput(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl std::fmt::Display for LoadReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let mib =
            |b: Option<u64>| b.map_or("?".into(), |b| format!("{:.1} MiB", b as f64 / 1048576.0));
        writeln!(
            f,
            "  {} ok in {:.1} s: {:.1} predictions/s",
            self.ok,
            self.elapsed.as_secs_f64(),
            self.throughput()
        )?;
        writeln!(
            f,
            "  latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            ms(self.latency[0]),
            ms(self.latency[1]),
            ms(self.latency[2])
        )?;
        let errors: Vec<String> = self
            .errors
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        writeln!(
            f,
            "  errors: {}",
            if errors.is_empty() {
                "none".into()
            } else {
                errors.join(", ")
            }
        )?;
        writeln!(
            f,
            "  {} answers decrypted and compared with the plaintext model: max |difference| {:.2e}",
            self.checked, self.max_error
        )?;
        write!(
            f,
            "  server peak memory (VmHWM) {}, key sets {} of a {} cap",
            mib(self.peak_memory),
            mib(self.key_set_memory.0),
            mib(self.key_set_memory.1)
        )
    }
}

/// A value of the server's `/metrics`.
pub async fn metric(client: &Client, name: &str) -> Result<Option<u64>> {
    let (_, body) = client.send(Method::GET, "/metrics", Vec::new()).await?;
    Ok(String::from_utf8_lossy(&body)
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok()))
}

/// The code of a failed call, as counted in reports.
fn error_label(e: &Error) -> String {
    match e {
        Error::Server { code, .. } => code.to_string(),
        Error::Transport(_) => "transport".into(),
        _ => "client".into(),
    }
}

/// How many answers each load client decrypts and checks (the first, then one in this many).
const CHECK_EVERY: usize = 25;

/// `clients` clients send one-sample predictions for `seconds` seconds (after keys are made
/// and uploaded, and each client's request is encrypted once).
pub async fn run_load(
    client: &Client,
    model: &str,
    twin: Option<&Twin>,
    clients: usize,
    seconds: u64,
) -> Result<LoadReport> {
    if clients == 0 || clients > MAX_CLIENTS || seconds == 0 || seconds > MAX_SECONDS {
        return Err(Error::Input(format!(
            "clients must be 1..={MAX_CLIENTS} and seconds 1..={MAX_SECONDS}"
        )));
    }
    check_loopback(client.base_url())?;
    let info = client.model(model).await?;
    let keys = Arc::new(TempKeys::generate(&info, "loadtest")?);
    let key_set = client.upload_keys(&keys.keys).await?.key_set;
    let rows = sample_rows(&info, clients);
    let expected = match twin {
        Some(t) => t.predict(&rows)?,
        None => None,
    };
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        let body = keys.keys.encrypt_request(std::slice::from_ref(&row))?;
        let (client, keys, key_set, model) = (
            client.clone(),
            keys.clone(),
            key_set.clone(),
            model.to_string(),
        );
        let want = expected.as_ref().map(|e| e[i]);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors: BTreeMap<String, usize> = BTreeMap::new();
            let (mut checked, mut max_error) = (0usize, 0f64);
            while Instant::now() < deadline {
                let t = Instant::now();
                match client
                    .predict_encrypted(&model, &key_set, body.clone())
                    .await
                {
                    Ok(answer) => {
                        latencies.push(t.elapsed());
                        if latencies.len() % CHECK_EVERY == 1 {
                            let got = keys.keys.decrypt_response(&answer, 1).map(|v| v[0][0]);
                            match (got, want) {
                                (Ok(g), Some(w)) => {
                                    checked += 1;
                                    max_error = max_error.max((g - w).abs());
                                    if (g - w).abs() > 1e-3 {
                                        *errors.entry("wrong_answer".into()).or_default() += 1;
                                    }
                                }
                                (Ok(_), None) => {}
                                (Err(e), _) => *errors.entry(error_label(&e)).or_default() += 1,
                            }
                        }
                    }
                    Err(e) => {
                        if let Error::Server {
                            code: ErrorCode::Busy,
                            ..
                        } = e
                        {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        *errors.entry(error_label(&e)).or_default() += 1;
                    }
                }
            }
            (latencies, errors, checked, max_error)
        }));
    }
    let mut latencies = Vec::new();
    let mut report = LoadReport {
        ok: 0,
        errors: BTreeMap::new(),
        elapsed: Duration::ZERO,
        latency: [Duration::ZERO; 3],
        checked: 0,
        max_error: 0.0,
        peak_memory: None,
        key_set_memory: (None, None),
    };
    for task in tasks {
        let (l, e, c, m) = task
            .await
            .map_err(|e| Error::Transport(format!("a load client failed: {e}")))?;
        latencies.extend(l);
        for (k, v) in e {
            *report.errors.entry(k).or_default() += v;
        }
        report.checked += c;
        report.max_error = report.max_error.max(m);
    }
    report.elapsed = start.elapsed();
    latencies.sort_unstable();
    report.ok = latencies.len();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    report.latency = [
        pct(0.50),
        pct(0.99),
        latencies.last().copied().unwrap_or_default(),
    ];
    report.peak_memory = metric(client, "process_resident_memory_max_bytes").await?;
    report.key_set_memory = (
        metric(client, "ckks_key_set_bytes").await?,
        metric(client, "ckks_key_set_capacity_bytes").await?,
    );
    let _ = client.delete_keys(&key_set).await;
    Ok(report)
}

/// The kinds of malformed request of the abuse test (and of the service's tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum MalformedKind {
    /// A valid prediction body cut in half.
    Truncated,
    /// A valid prediction body with bytes flipped inside the ciphertext.
    Garbled,
    /// Random bytes.
    Garbage,
    /// A ciphertext made under other parameters.
    WrongParameters,
    /// A key-set id that was never issued.
    UnknownKeySet,
    /// A body one byte over the server's limit.
    Oversized,
    /// A key set without the Galois keys the model's rotations need.
    MissingGaloisKeys,
    /// A ciphertext one level below the model's input level.
    WrongLevel,
    /// A key-set upload that includes the secret key.
    SecretKeyUpload,
    /// A model that does not exist.
    UnknownModel,
}

impl MalformedKind {
    /// Every kind.
    pub const ALL: [MalformedKind; 10] = [
        MalformedKind::Truncated,
        MalformedKind::Garbled,
        MalformedKind::Garbage,
        MalformedKind::WrongParameters,
        MalformedKind::UnknownKeySet,
        MalformedKind::Oversized,
        MalformedKind::MissingGaloisKeys,
        MalformedKind::WrongLevel,
        MalformedKind::SecretKeyUpload,
        MalformedKind::UnknownModel,
    ];

    /// The answer the server must give.
    pub fn expected(self) -> ErrorCode {
        match self {
            MalformedKind::Truncated | MalformedKind::Garbage => ErrorCode::MalformedBody,
            MalformedKind::Garbled => ErrorCode::InvalidObject,
            MalformedKind::WrongParameters => ErrorCode::ParameterMismatch,
            MalformedKind::UnknownKeySet => ErrorCode::UnknownKeySet,
            MalformedKind::Oversized => ErrorCode::BodyTooLarge,
            MalformedKind::MissingGaloisKeys => ErrorCode::MissingGaloisKey,
            MalformedKind::WrongLevel => ErrorCode::WrongLevel,
            MalformedKind::SecretKeyUpload => ErrorCode::SecretKeySent,
            MalformedKind::UnknownModel => ErrorCode::UnknownModel,
        }
    }
}

/// One request: method, path, body.
#[derive(Clone, Debug)]
pub struct RawRequest {
    /// The method.
    pub method: Method,
    /// The path and query.
    pub path: String,
    /// The body.
    pub body: Vec<u8>,
}

/// Ready-made malformed requests against one model, built once from real keys and
/// ciphertexts (and a second key set lacking Galois keys, uploaded by [`Adversary::new`]).
#[derive(Debug)]
pub struct Adversary {
    requests: Vec<(MalformedKind, RawRequest)>,
}

impl Adversary {
    /// Builds one request of every kind for `model`, whose valid key set is `key_set` (made
    /// from `keys`).
    pub async fn new(client: &Client, keys: &KeyDir, key_set: &str) -> Result<Self> {
        let info = keys.model().clone();
        let name = &info.name;
        let limits = client.models().await?.limits;
        let predict = |set: &str| format!("/v1/models/{name}/predict?key_set={set}");
        let valid = keys.encrypt_request(&sample_rows(&info, 1))?;

        // Garbled: flip bytes in the middle of the ciphertext (the envelope stays valid).
        let mut garbled = valid.clone();
        let mid = garbled.len() / 2;
        for b in garbled.iter_mut().skip(mid).take(16) {
            *b ^= 0x5a;
        }
        let mut garbage = vec![0u8; 4096];
        for (i, b) in garbage.iter_mut().enumerate() {
            *b = (i * 7919 % 251) as u8;
        }

        // Objects made with keys of our own: other parameters, a lower level, a secret key.
        let mut rng = ckks::math::sampling::os_seeded_rng()?;
        let own = keys.context().clone();
        let own_sk = SecretKey::generate(&own, &mut rng)?;
        let slots = info.plan.layout.slots();
        let low = Encoder::new(&own).encode(
            &vec![0.5; slots],
            info.plan.input_level.saturating_sub(1),
            own.default_scale(),
        )?;
        let wrong_level = pack(&[Encryptor::with_secret_key(&own_sk)
            .encrypt(&low, &mut rng)?
            .to_bytes()]);
        let other = Context::new(
            if own.n() == 1 << 13 {
                Preset::RefA
            } else {
                Preset::N13
            }
            .literal()
            .build()?,
        )?;
        let other_sk = SecretKey::generate(&other, &mut rng)?;
        let other_pt = Encoder::new(&other).encode(
            &vec![0.5; slots],
            other.max_level(),
            other.default_scale(),
        )?;
        let wrong_params = pack(&[Encryptor::with_secret_key(&other_sk)
            .encrypt(&other_pt, &mut rng)?
            .to_bytes()]);
        let secret_upload = pack(&[own.params().to_bytes(), own_sk.to_bytes().to_vec()]);

        // A key set without Galois keys (the relinearization key only).
        let relin = ckks::RelinearizationKey::generate(&own_sk, &mut rng)?;
        let no_galois = client
            .upload_key_set(pack(&[own.params().to_bytes(), relin.to_bytes()]))
            .await?
            .key_set;

        let post = |path: String, body: Vec<u8>| RawRequest {
            method: Method::POST,
            path,
            body,
        };
        let requests = MalformedKind::ALL
            .iter()
            .map(|&kind| {
                let request = match kind {
                    MalformedKind::Truncated => {
                        post(predict(key_set), valid[..valid.len() / 2].to_vec())
                    }
                    MalformedKind::Garbled => post(predict(key_set), garbled.clone()),
                    MalformedKind::Garbage => post(predict(key_set), garbage.clone()),
                    MalformedKind::WrongParameters => post(predict(key_set), wrong_params.clone()),
                    MalformedKind::UnknownKeySet => {
                        post(predict("0123456789abcdef0123456789abcdef"), valid.clone())
                    }
                    MalformedKind::Oversized => {
                        post(predict(key_set), vec![0u8; limits.max_body_bytes + 1])
                    }
                    MalformedKind::MissingGaloisKeys => post(predict(&no_galois), valid.clone()),
                    MalformedKind::WrongLevel => post(predict(key_set), wrong_level.clone()),
                    MalformedKind::SecretKeyUpload => {
                        post("/v1/keys".into(), secret_upload.clone())
                    }
                    MalformedKind::UnknownModel => post(
                        format!("/v1/models/no-such-model/predict?key_set={key_set}"),
                        valid.clone(),
                    ),
                };
                (kind, request)
            })
            .collect();
        Ok(Self { requests })
    }

    /// The requests, one of every kind.
    pub fn requests(&self) -> &[(MalformedKind, RawRequest)] {
        &self.requests
    }
}

/// What a flood of malformed requests got back.
#[derive(Debug, Clone)]
pub struct FloodReport {
    /// Answers by kind, status and code.
    pub answers: BTreeMap<(MalformedKind, u16, String), usize>,
    /// Requests whose answer was not the expected 4xx (or that failed in transport).
    pub unexpected: usize,
    /// The run's duration.
    pub elapsed: Duration,
    /// Whether a valid prediction afterwards matched the plaintext model.
    pub still_correct: bool,
    /// The server's peak resident memory.
    pub peak_memory: Option<u64>,
}

impl std::fmt::Display for FloodReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let total: usize = self.answers.values().sum();
        writeln!(
            f,
            "  {total} malformed requests in {:.1} s, {} not answered with the expected 4xx",
            self.elapsed.as_secs_f64(),
            self.unexpected
        )?;
        for ((kind, status, code), n) in &self.answers {
            writeln!(f, "    {kind:?}: {status} {code} x {n}")?;
        }
        write!(
            f,
            "  a valid prediction afterwards: {}; server peak memory (VmHWM) {}",
            if self.still_correct {
                "correct"
            } else {
                "WRONG"
            },
            self.peak_memory
                .map_or("?".into(), |b| format!("{:.1} MiB", b as f64 / 1048576.0))
        )
    }
}

/// Sends `count` malformed requests (the kinds in turn) from `clients` concurrent clients,
/// then checks one valid prediction against the plaintext twin (or, without a twin, that it
/// succeeds).
pub async fn run_flood(
    client: &Client,
    model: &str,
    twin: Option<&Twin>,
    clients: usize,
    count: usize,
) -> Result<FloodReport> {
    if clients == 0 || clients > MAX_CLIENTS || count > MAX_MALFORMED {
        return Err(Error::Input(format!(
            "clients must be 1..={MAX_CLIENTS} and the count at most {MAX_MALFORMED}"
        )));
    }
    check_loopback(client.base_url())?;
    let info = client.model(model).await?;
    let keys = TempKeys::generate(&info, "flood")?;
    let key_set = client.upload_keys(&keys.keys).await?.key_set;
    let adversary = Arc::new(Adversary::new(client, &keys.keys, &key_set).await?);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, adversary, next) = (client.clone(), adversary.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut answers: BTreeMap<(MalformedKind, u16, String), usize> = BTreeMap::new();
            let mut unexpected = 0;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let requests = adversary.requests();
                let (kind, r) = &requests[i % requests.len()];
                let (status, code) =
                    match client.send(r.method.clone(), &r.path, r.body.clone()).await {
                        Ok((status, body)) => (
                            status.as_u16(),
                            serde_json::from_slice::<crate::wire::ErrorBody>(&body).map_or_else(
                                |_| "no JSON error".to_string(),
                                |e| e.error.code.to_string(),
                            ),
                        ),
                        Err(e) => (0, error_label(&e)),
                    };
                let expected = kind.expected();
                // A full queue (429 busy) is an intended answer too.
                if !((status == expected.status() && code == expected.as_str())
                    || (status == 429 && code == "busy"))
                {
                    unexpected += 1;
                }
                *answers.entry((*kind, status, code)).or_default() += 1;
            }
            (answers, unexpected)
        }));
    }
    let mut report = FloodReport {
        answers: BTreeMap::new(),
        unexpected: 0,
        elapsed: Duration::ZERO,
        still_correct: false,
        peak_memory: None,
    };
    for task in tasks {
        let (a, u) = task
            .await
            .map_err(|e| Error::Transport(format!("a flood client failed: {e}")))?;
        for (k, v) in a {
            *report.answers.entry(k).or_default() += v;
        }
        report.unexpected += u;
    }
    report.elapsed = start.elapsed();
    let rows = sample_rows(&info, 3);
    let got = client.predict(&keys.keys, &key_set, &rows).await?;
    report.still_correct = match twin.map(|t| t.predict(&rows)).transpose()?.flatten() {
        Some(want) => got.iter().zip(&want).all(|(g, w)| (g[0] - w).abs() < 1e-3),
        None => got.len() == rows.len(),
    };
    report.peak_memory = metric(client, "process_resident_memory_max_bytes").await?;
    let _ = client.delete_keys(&key_set).await;
    Ok(report)
}
