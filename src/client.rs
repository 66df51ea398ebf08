//! The client SDK: make keys for a served model, upload the evaluation keys, encrypt samples,
//! send them, decrypt the answers. The secret key stays in the key directory on the client's
//! disk (mode 0600) and is never sent or printed.
//!
//! ```no_run
//! # async fn run() -> ckks_cli::Result<()> {
//! use ckks_cli::client::{Client, KeyDir};
//! let client = Client::new("http://127.0.0.1:8080")?;
//! let model = client.model("heart").await?;                  // plan, parameters, statistics
//! let keys = KeyDir::generate("keys/heart".as_ref(), &model, false)?;
//! let key_set = client.upload_keys(&keys).await?.key_set;     // evaluation keys only
//! // Raw features (the 13 columns of data/heart-cleveland.csv without `num`).
//! let patient = vec![63.0, 1.0, 1.0, 145.0, 233.0, 1.0, 2.0, 150.0, 0.0, 2.3, 3.0, 0.0, 6.0];
//! let out = client.predict(&keys, &key_set, &[patient]).await?;
//! println!("probability of heart disease: {:.3}", out[0][0]);
//! # Ok(())
//! # }
//! ```
//!
//! A key directory holds `params.bin`, `secret.key`, `public.key`, `relin.key` (if the model
//! multiplies ciphertexts), `galois.keys`, `model.json` (the [`ModelInfo`] the keys were made
//! for) and, after an upload, `key-set` (the id the server answered).

use std::io::Write;
use std::path::{Path, PathBuf};

use ckks::params::Parameters;
use ckks::{Ciphertext, Context, PublicKey, SecretKey};
use ckks_ml::activation::sigmoid;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::wire::{
    ErrorBody, ErrorCode, Health, KeySetCreated, ModelInfo, ModelList, OutputKind, format_param_id,
    pack, unpack,
};

/// A connection to a `ckks serve` instance (HTTP/1.1 over TCP, connections kept alive and
/// reused). Cheap to clone; every method may run concurrently.
#[derive(Clone, Debug)]
pub struct Client {
    base: String,
    http: HttpClient<HttpConnector, Full<Bytes>>,
}

impl Client {
    /// A client for the server at `base_url` (`http://host:port`; TLS is for a reverse proxy
    /// in front of the service).
    pub fn new(base_url: &str) -> Result<Self> {
        let base = base_url.trim_end_matches('/').to_string();
        if !base.starts_with("http://") || base.len() <= "http://".len() {
            return Err(Error::Input(format!(
                "server URL {base_url:?}: expected http://host:port"
            )));
        }
        Ok(Self {
            base,
            http: HttpClient::builder(TokioExecutor::new()).build_http(),
        })
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Sends a request; returns the status and the body (for every status).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Vec<u8>,
    ) -> Result<(StatusCode, Bytes)> {
        let request = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header(hyper::header::CONTENT_TYPE, "application/octet-stream")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| Error::Transport(e.to_string()))?;
        let response = self
            .http
            .request(request)
            .await
            .map_err(|e| Error::Transport(format!("{} {path}: {e}", self.base)))?;
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| Error::Transport(format!("reading the answer to {path}: {e}")))?
            .to_bytes();
        Ok((status, bytes))
    }

    /// Sends a request and returns the body of a 2xx answer; any other status becomes
    /// [`Error::Server`] with the server's code and message.
    async fn call(&self, method: Method, path: &str, body: Vec<u8>) -> Result<Bytes> {
        let (status, bytes) = self.send(method, path, body).await?;
        if status.is_success() {
            Ok(bytes)
        } else {
            Err(server_error(status, &bytes))
        }
    }

    async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let bytes = self.call(Method::GET, path, Vec::new()).await?;
        serde_json::from_slice(&bytes).map_err(|e| Error::Wire(format!("{path}: {e}")))
    }

    /// `GET /health`.
    pub async fn health(&self) -> Result<Health> {
        self.get_json("/health").await
    }

    /// `GET /v1/models`: the models and the server's limits.
    pub async fn models(&self) -> Result<ModelList> {
        self.get_json("/v1/models").await
    }

    /// The listing of one model.
    pub async fn model(&self, name: &str) -> Result<ModelInfo> {
        let list = self.models().await?;
        let names: Vec<String> = list.models.iter().map(|m| m.name.clone()).collect();
        list.models
            .into_iter()
            .find(|m| m.name == name)
            .ok_or_else(|| {
                Error::Input(format!(
                    "the server has no model {name:?}; it serves {names:?}"
                ))
            })
    }

    /// `POST /v1/keys` with the evaluation keys of a key directory.
    pub async fn upload_keys(&self, keys: &KeyDir) -> Result<KeySetCreated> {
        self.upload_key_set(keys.key_set_body()?).await
    }

    /// `POST /v1/keys` with a key-set envelope built by the caller.
    pub async fn upload_key_set(&self, body: Vec<u8>) -> Result<KeySetCreated> {
        let bytes = self.call(Method::POST, "/v1/keys", body).await?;
        serde_json::from_slice(&bytes).map_err(|e| Error::Wire(format!("/v1/keys: {e}")))
    }

    /// `DELETE /v1/keys/{id}`.
    pub async fn delete_keys(&self, key_set: &str) -> Result<()> {
        self.call(Method::DELETE, &format!("/v1/keys/{key_set}"), Vec::new())
            .await
            .map(drop)
    }

    /// `POST /v1/models/{model}/predict?key_set=ID` with an envelope of ciphertexts built by
    /// the caller ([`KeyDir::encrypt_request`]); the answer's envelope.
    pub async fn predict_encrypted(
        &self,
        model: &str,
        key_set: &str,
        body: Vec<u8>,
    ) -> Result<Bytes> {
        self.call(
            Method::POST,
            &format!("/v1/models/{model}/predict?key_set={key_set}"),
            body,
        )
        .await
    }

    /// Predicts for rows of raw features with the key directory's model: standardizes,
    /// encrypts, sends (in requests of at most the server's `max_ciphertexts`), decrypts. One
    /// vector per row, see [`KeyDir::decrypt_response`].
    pub async fn predict(
        &self,
        keys: &KeyDir,
        key_set: &str,
        rows: &[Vec<f64>],
    ) -> Result<Vec<Vec<f64>>> {
        let per_request = self.models().await?.limits.max_ciphertexts.max(1);
        let mut out = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(per_request) {
            let body = keys.encrypt_request(chunk)?;
            let answer = self
                .predict_encrypted(&keys.model.name, key_set, body)
                .await?;
            out.extend(keys.decrypt_response(&answer, chunk.len())?);
        }
        Ok(out)
    }
}

/// The error of a non-2xx answer.
fn server_error(status: StatusCode, body: &[u8]) -> Error {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(e) => Error::Server {
            status: status.as_u16(),
            code: e.error.code,
            message: e.error.message,
        },
        Err(_) => Error::Server {
            status: status.as_u16(),
            code: ErrorCode::Unknown,
            message: String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
        },
    }
}

/// A key directory: the secret key and the model it was made for, on the client's disk.
#[derive(Debug)]
pub struct KeyDir {
    path: PathBuf,
    ctx: Context,
    sk: SecretKey,
    model: ModelInfo,
}

const PARAMS: &str = "params.bin";
const SECRET: &str = "secret.key";
const PUBLIC: &str = "public.key";
const RELIN: &str = "relin.key";
const GALOIS: &str = "galois.keys";
const MODEL: &str = "model.json";
const KEY_SET: &str = "key-set";

impl KeyDir {
    /// Generates keys for `model` into `path` (created if needed): exactly the evaluation keys
    /// the model's plan names. Refuses to replace an existing secret key unless `overwrite`.
    pub fn generate(path: &Path, model: &ModelInfo, overwrite: bool) -> Result<Self> {
        let params = model.plan.params.build()?;
        if format_param_id(params.id()) != model.param_id {
            return Err(Error::Input(format!(
                "model {}: its plan's parameters have id {}, the listing says {}",
                model.name,
                format_param_id(params.id()),
                model.param_id
            )));
        }
        let dir_error = |reason: String| Error::KeyDir {
            path: path.to_path_buf(),
            reason,
        };
        if path.join(SECRET).exists() && !overwrite {
            return Err(dir_error(
                "a secret key exists already: choose another directory, or overwrite it on purpose"
                    .into(),
            ));
        }
        create_private_dir(path)?;
        let ctx = Context::new(params)?;
        let mut rng = ckks::math::sampling::os_seeded_rng()?;
        let sk = SecretKey::generate(&ctx, &mut rng)?;
        let pk = PublicKey::generate(&sk, &mut rng)?;
        let evk = model.plan.evaluation_keys(&sk, &mut rng)?;
        write_private(&path.join(SECRET), &sk.to_bytes())?;
        write_file(&path.join(PARAMS), &ctx.params().to_bytes())?;
        write_file(&path.join(PUBLIC), &pk.to_bytes())?;
        let relin_path = path.join(RELIN);
        match evk.relinearization_key() {
            Some(r) => write_file(&relin_path, &r.to_bytes())?,
            None if relin_path.exists() => {
                std::fs::remove_file(&relin_path).map_err(|e| Error::io(&relin_path, e))?;
            }
            None => {}
        }
        write_file(&path.join(GALOIS), &evk.galois_keys().to_bytes())?;
        let json =
            serde_json::to_vec_pretty(model).map_err(|e| dir_error(format!("model.json: {e}")))?;
        write_file(&path.join(MODEL), &json)?;
        let stale = path.join(KEY_SET);
        if stale.exists() {
            std::fs::remove_file(&stale).map_err(|e| Error::io(&stale, e))?;
        }
        Ok(Self {
            path: path.to_path_buf(),
            ctx,
            sk,
            model: model.clone(),
        })
    }

    /// Opens a key directory made by [`generate`](Self::generate). The secret key file must
    /// not be readable by group or others.
    pub fn open(path: &Path) -> Result<Self> {
        let dir_error = |reason: String| Error::KeyDir {
            path: path.to_path_buf(),
            reason,
        };
        let secret = path.join(SECRET);
        check_private(&secret)?;
        let params = Parameters::from_bytes(&read_file(&path.join(PARAMS))?)?;
        let ctx = Context::new(params)?;
        let sk = SecretKey::from_bytes(&read_file(&secret)?, &ctx)?;
        let model: ModelInfo = serde_json::from_slice(&read_file(&path.join(MODEL))?)
            .map_err(|e| dir_error(format!("model.json: {e}")))?;
        if model.param_id != format_param_id(ctx.id()) {
            return Err(dir_error(format!(
                "the keys are for parameters {}, model.json names {}",
                format_param_id(ctx.id()),
                model.param_id
            )));
        }
        Ok(Self {
            path: path.to_path_buf(),
            ctx,
            sk,
            model,
        })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The model the keys were made for.
    pub fn model(&self) -> &ModelInfo {
        &self.model
    }

    /// The context of the keys' parameters.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// Checks that `served` (the server's current listing) is the model the keys were made
    /// for: same parameters, layout and rotations.
    pub fn check_model(&self, served: &ModelInfo) -> Result<()> {
        if served.param_id != self.model.param_id || served.plan != self.model.plan {
            return Err(Error::KeyDir {
                path: self.path.clone(),
                reason: format!(
                    "the keys were made for another version of model {} (parameters {}, the server's are {}): generate keys again",
                    served.name, self.model.param_id, served.param_id
                ),
            });
        }
        Ok(())
    }

    /// The key-set envelope for `POST /v1/keys`: the parameters and the public,
    /// relinearization and Galois keys, as stored. Never the secret key.
    pub fn key_set_body(&self) -> Result<Vec<u8>> {
        let mut objects = vec![
            read_file(&self.path.join(PARAMS))?,
            read_file(&self.path.join(PUBLIC))?,
        ];
        let relin = self.path.join(RELIN);
        if relin.exists() {
            objects.push(read_file(&relin)?);
        }
        objects.push(read_file(&self.path.join(GALOIS))?);
        Ok(pack(&objects))
    }

    /// The key-set id saved by [`save_key_set`](Self::save_key_set), if any.
    pub fn saved_key_set(&self) -> Option<String> {
        std::fs::read_to_string(self.path.join(KEY_SET))
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }

    /// Remembers the id the server gave the uploaded keys.
    pub fn save_key_set(&self, id: &str) -> Result<()> {
        write_file(&self.path.join(KEY_SET), format!("{id}\n").as_bytes())
    }

    /// Standardizes rows of raw features with the model's statistics (a missing value, `NaN`,
    /// becomes the training mean) and encrypts each in the model's layout: the envelope for
    /// `POST /v1/models/{name}/predict`.
    pub fn encrypt_request(&self, rows: &[Vec<f64>]) -> Result<Vec<u8>> {
        let client = ckks_ml::infer::Client::new(&self.model.plan, &self.sk)?;
        let mut rng = ckks::math::sampling::os_seeded_rng()?;
        let s = &self.model.standardizer;
        let cts = rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                if row.len() != self.model.features {
                    return Err(Error::Input(format!(
                        "row {i} has {} features, model {} takes {}",
                        row.len(),
                        self.model.name,
                        self.model.features
                    )));
                }
                let x: Vec<f64> = row
                    .iter()
                    .zip(s.mean.iter().zip(&s.std))
                    .map(|(v, (m, sd))| if v.is_nan() { 0.0 } else { (v - m) / sd })
                    .collect();
                Ok(client.encrypt_sample(&x, &mut rng)?.to_bytes())
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(pack(&cts))
    }

    /// Decrypts the answer to a request of `samples` rows: per row, the probability of the
    /// positive class (logistic regression, binary network), the predicted value (linear
    /// regression), or the class probabilities (network with several outputs, softmax of the
    /// decrypted logits).
    pub fn decrypt_response(&self, body: &[u8], samples: usize) -> Result<Vec<Vec<f64>>> {
        let objects = unpack(body, samples)?;
        if objects.len() != samples {
            return Err(Error::Wire(format!(
                "{} results for {samples} samples",
                objects.len()
            )));
        }
        let client = ckks_ml::infer::Client::new(&self.model.plan, &self.sk)?;
        objects
            .iter()
            .map(|o| {
                let ct = Ciphertext::from_bytes(o, &self.ctx)?;
                Ok(match self.model.output {
                    OutputKind::Logits => {
                        let z = client.decrypt_outputs(&ct, self.model.outputs)?;
                        if z.len() == 1 {
                            vec![sigmoid(z[0])]
                        } else {
                            softmax(&z)
                        }
                    }
                    _ => vec![client.decrypt_value(&ct)?],
                })
            })
            .collect()
    }
}

fn softmax(z: &[f64]) -> Vec<f64> {
    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = z.iter().map(|v| (v - max).exp()).collect();
    let sum: f64 = e.iter().sum();
    e.iter().map(|v| v / sum).collect()
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

/// Creates `path` (mode 0700 on Unix when created here).
fn create_private_dir(path: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path).map_err(|e| Error::io(path, e))
}

/// Writes a new file readable by its owner only (mode 0600 on Unix), replacing any old one.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    if path.exists() {
        std::fs::remove_file(path).map_err(|e| Error::io(path, e))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path).map_err(|e| Error::io(path, e))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| Error::io(path, e))
}

/// Refuses a secret key file that group or others may read.
fn check_private(path: &Path) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(Error::KeyDir {
                path: path.to_path_buf(),
                reason: format!(
                    "the secret key file has mode {mode:o}, readable by others: chmod 600 it (or generate new keys if it may have leaked)"
                ),
            });
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    Ok(())
}
