//! The HTTP routes.

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use ckks::params::Parameters;
use ckks::serialize::{Header, ObjectKind, peek_header};
use ckks::{
    Ciphertext, Context, EvaluationKeys, Evaluator, GaloisKeys, PublicKey, RelinearizationKey,
};
use http_body_util::BodyExt;
use serde::Deserialize;

use super::keystore::KeySet;
use super::metrics::route_label;
use super::models::ServedModel;
use super::state::{ApiError, AppState};
use crate::wire::{
    ErrorCode, Health, KeySetCreated, Limits, ModelList, format_param_id, pack, unpack,
};

type Shared = Arc<AppState>;

/// The service's routes, with request metrics around every one.
pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/v1/models", get(list_models))
        .route("/v1/keys", post(upload_keys))
        .route("/v1/keys/{id}", delete(delete_keys))
        .route("/v1/models/{name}/predict", post(predict))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .with_state(state)
}

async fn track(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let route = route_label(req.method().as_str(), req.uri().path());
    let start = Instant::now();
    let response = next.run(req).await;
    st.metrics
        .record(route, response.status().as_u16(), start.elapsed());
    response
}

async fn not_found() -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        "no such route: see GET /v1/models, POST /v1/keys, POST /v1/models/{name}/predict, GET /health, GET /metrics",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this route exists with another method",
    )
}

async fn health(State(st): State<Shared>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        models: st.models.len(),
        key_sets: st.keys.stats().sets,
    })
}

async fn metrics(State(st): State<Shared>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        st.metrics.render(&st.gauges()),
    )
        .into_response()
}

async fn list_models(State(st): State<Shared>) -> Json<ModelList> {
    let c = &st.config;
    Json(ModelList {
        models: st
            .model_order
            .iter()
            .filter_map(|n| st.models.get(n))
            .map(|m| m.info.clone())
            .collect(),
        limits: Limits {
            max_body_bytes: c.max_body_bytes,
            max_key_set_bytes: c.max_key_set_bytes,
            max_ciphertexts: c.max_ciphertexts,
            key_set_ttl_seconds: c.key_set_ttl_seconds,
        },
    })
}

/// Reads a body of at most `limit` bytes. A larger body is a 413: it is drained (not kept)
/// up to twice the limit so that the client reads the answer on a clean connection; a body
/// declared larger than that is refused at once and the connection closed.
async fn read_body(headers: &HeaderMap, mut body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            ErrorCode::BodyTooLarge,
            format!("the body exceeds this route's limit of {limit} bytes"),
        )
    };
    let drain_limit = limit.saturating_mul(2);
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > drain_limit as u64) {
        return Err(too_large());
    }
    let mut kept = Vec::with_capacity(declared.map_or(0, |n| (n as usize).min(limit)));
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            ApiError::new(
                ErrorCode::MalformedBody,
                format!("the body could not be read: {e}"),
            )
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        total = total.saturating_add(data.len());
        if total > drain_limit {
            break;
        }
        if total <= limit {
            kept.extend_from_slice(&data);
        }
    }
    if total > limit {
        return Err(too_large());
    }
    Ok(Bytes::from(kept))
}

fn malformed(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::MalformedBody, e.to_string())
}

fn invalid(i: usize, e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::InvalidObject, format!("object {i}: {e}"))
}

fn headers_of(objects: &[&[u8]]) -> Result<Vec<Header>, ApiError> {
    objects
        .iter()
        .enumerate()
        .map(|(i, o)| peek_header(o).map_err(|e| invalid(i, e)))
        .collect()
}

/// The context of a served model with parameter id `id`.
fn context_of(st: &AppState, id: u64) -> Option<Context> {
    st.models
        .values()
        .find(|m| m.ctx.id() == id)
        .map(|m| m.ctx.clone())
}

/// The most objects a key-set upload holds: parameters, public, relinearization, Galois keys.
const KEY_SET_OBJECTS: usize = 4;

async fn upload_keys(
    State(st): State<Shared>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<KeySetCreated>), ApiError> {
    let bytes = read_body(&headers, body, st.config.max_key_set_bytes).await?;
    // The cheap checks, from the headers, before the work is queued.
    let objects = unpack(&bytes, KEY_SET_OBJECTS).map_err(malformed)?;
    let kinds = headers_of(&objects)?;
    if kinds.iter().any(|h| h.kind == ObjectKind::SecretKey) {
        return Err(ApiError::new(
            ErrorCode::SecretKeySent,
            "a secret key was sent: it must never leave the client; send the parameters and the public, relinearization and Galois keys only",
        ));
    }
    let params = kinds[0];
    if params.kind != ObjectKind::Parameters {
        return Err(malformed(format!(
            "the first object must be the parameters, not a {}",
            params.kind.name()
        )));
    }
    let Some(ctx) = context_of(&st, params.param_id) else {
        let served: Vec<String> = st
            .models
            .values()
            .map(|m| format!("{} ({})", m.info.param_id, m.info.name))
            .collect();
        return Err(ApiError::new(
            ErrorCode::UnsupportedParameters,
            format!(
                "parameters {} are not those of any served model; served: {}",
                format_param_id(params.param_id),
                served.join(", ")
            ),
        ));
    };
    let mut seen = Vec::new();
    for (i, h) in kinds.iter().enumerate().skip(1) {
        if !matches!(
            h.kind,
            ObjectKind::PublicKey | ObjectKind::RelinearizationKey | ObjectKind::GaloisKeys
        ) || seen.contains(&h.kind)
        {
            return Err(malformed(format!(
                "object {i} is a {}: a key set holds the parameters, then at most one public key, relinearization key and set of Galois keys",
                h.kind.name()
            )));
        }
        seen.push(h.kind);
        // An empty set of Galois keys carries parameter id 0.
        let empty_galois = h.kind == ObjectKind::GaloisKeys && h.param_id == 0;
        if h.param_id != ctx.id() && !empty_galois {
            return Err(ApiError::new(
                ErrorCode::ParameterMismatch,
                format!(
                    "object {i} ({}) belongs to parameters {}, the key set's are {}",
                    h.kind.name(),
                    format_param_id(h.param_id),
                    format_param_id(ctx.id())
                ),
            ));
        }
    }
    let job_state = st.clone();
    let created = st
        .queue
        .run(move || load_key_set(&job_state, &ctx, &bytes))
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Loads and validates a key set (CPU-heavy: seeds are expanded, every residue is checked)
/// and stores it.
fn load_key_set(st: &AppState, ctx: &Context, bytes: &[u8]) -> Result<KeySetCreated, ApiError> {
    let objects = unpack(bytes, KEY_SET_OBJECTS).map_err(malformed)?;
    let params = Parameters::from_bytes(objects[0]).map_err(|e| invalid(0, e))?;
    if params.id() != ctx.id() {
        return Err(invalid(0, "the parameters do not match their header's id"));
    }
    let (mut relin, mut galois) = (None, GaloisKeys::default());
    for (i, o) in objects.iter().enumerate().skip(1) {
        match peek_header(o).map_err(|e| invalid(i, e))?.kind {
            // Validated, then dropped: no model evaluates with the public key.
            ObjectKind::PublicKey => {
                drop(PublicKey::from_bytes(o, ctx).map_err(|e| invalid(i, e))?)
            }
            ObjectKind::RelinearizationKey => {
                relin = Some(RelinearizationKey::from_bytes(o, ctx).map_err(|e| invalid(i, e))?);
            }
            _ => galois = GaloisKeys::from_bytes(o, ctx).map_err(|e| invalid(i, e))?,
        }
    }
    let internal = |e: ckks::Error| ApiError::new(ErrorCode::Internal, e.to_string());
    let keys = EvaluationKeys::from_parts(ctx, relin, galois).map_err(internal)?;
    let set = KeySet::new(ctx, Evaluator::new(ctx, keys).map_err(internal)?);
    let id = new_key_set_id().map_err(internal)?;
    let created = KeySetCreated {
        key_set: id.clone(),
        param_id: format_param_id(ctx.id()),
        memory_bytes: set.memory,
        galois_elements: set.galois.iter().copied().collect(),
        relinearization: set.eval.keys().relinearization_key().is_some(),
        ttl_seconds: st.config.key_set_ttl_seconds,
    };
    st.keys.insert(id, set).map_err(|memory| {
        ApiError::new(
            ErrorCode::KeySetTooLarge,
            format!(
                "the key set takes {} bytes in memory, more than the key store's cap of {} bytes",
                memory,
                st.keys.cap()
            ),
        )
    })?;
    Ok(created)
}

/// 128 random bits from the OS-seeded ChaCha20 generator, in hexadecimal.
fn new_key_set_id() -> ckks::Result<String> {
    let seed = ckks::math::sampling::random_seed(&mut ckks::math::sampling::os_seeded_rng()?);
    Ok(seed[..16].iter().map(|b| format!("{b:02x}")).collect())
}

async fn delete_keys(
    State(st): State<Shared>,
    path: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path(id) = path.map_err(malformed)?;
    if st.keys.remove(&id) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(unknown_key_set(&id))
    }
}

fn unknown_key_set(id: &str) -> ApiError {
    let shown: String = id.chars().take(64).collect();
    ApiError::new(
        ErrorCode::UnknownKeySet,
        format!(
            "no key set {shown:?}: it was never uploaded, or expired, or was evicted; upload the keys again (POST /v1/keys)"
        ),
    )
}

/// The query of a prediction.
#[derive(Debug, Deserialize)]
struct PredictQuery {
    key_set: Option<String>,
}

/// Checks that a key set can run a model: same parameters, the relinearization key if the
/// plan needs one, a Galois key for every rotation step of the plan.
fn check_key_set(model: &ServedModel, set: &KeySet) -> Result<(), ApiError> {
    if set.ctx.id() != model.ctx.id() {
        return Err(ApiError::new(
            ErrorCode::ParameterMismatch,
            format!(
                "the key set is for parameters {}, model {} runs under {}: make keys for this model",
                format_param_id(set.ctx.id()),
                model.info.name,
                model.info.param_id
            ),
        ));
    }
    let plan = model.plan();
    if plan.relinearization && set.eval.keys().relinearization_key().is_none() {
        return Err(ApiError::new(
            ErrorCode::MissingRelinearizationKey,
            format!(
                "model {} multiplies ciphertexts: the key set needs a relinearization key",
                model.info.name
            ),
        ));
    }
    let missing: Vec<String> = plan
        .rotations
        .iter()
        .zip(&model.info.galois_elements)
        .filter(|(_, k)| !set.galois.contains(k))
        .map(|(step, k)| format!("step {step} (Galois element {k})"))
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::new(
            ErrorCode::MissingGaloisKey,
            format!(
                "model {} rotates by {:?}: the key set lacks the Galois key for {}",
                model.info.name,
                plan.rotations,
                missing.join(", ")
            ),
        ));
    }
    Ok(())
}

/// Checks a ciphertext's header against the model's plan: kind, parameters, level, scale.
fn check_input_header(i: usize, h: &Header, model: &ServedModel) -> Result<(), ApiError> {
    let plan = model.plan();
    if h.kind != ObjectKind::Ciphertext {
        return Err(invalid(
            i,
            format!("a {} where a ciphertext was expected", h.kind.name()),
        ));
    }
    if h.param_id != model.ctx.id() {
        return Err(ApiError::new(
            ErrorCode::ParameterMismatch,
            format!(
                "ciphertext {i} belongs to parameters {}, model {} runs under {}",
                format_param_id(h.param_id),
                model.info.name,
                model.info.param_id
            ),
        ));
    }
    if h.level as usize != plan.input_level {
        return Err(ApiError::new(
            ErrorCode::WrongLevel,
            format!(
                "ciphertext {i} is at level {}, model {} takes inputs at level {} (encrypt at the top of the chain)",
                h.level, model.info.name, plan.input_level
            ),
        ));
    }
    let scale = model.ctx.default_scale();
    if !(h.scale / scale - 1.0)
        .abs()
        .le(&ckks::DEFAULT_SCALE_TOLERANCE)
    {
        return Err(ApiError::new(
            ErrorCode::WrongScale,
            format!(
                "ciphertext {i} is at scale 2^{:.3}, model {} takes inputs at scale 2^{}",
                h.scale.log2(),
                model.info.name,
                plan.log_scale
            ),
        ));
    }
    Ok(())
}

async fn predict(
    State(st): State<Shared>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<PredictQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    // The body first (bounded): an early error answer on a half-read request would cost the
    // client its connection.
    let bytes = read_body(&headers, body, st.config.max_body_bytes).await?;
    let Path(name) = path.map_err(malformed)?;
    let Some(model) = st.models.get(&name) else {
        let shown: String = name.chars().take(64).collect();
        return Err(ApiError::new(
            ErrorCode::UnknownModel,
            format!("no model {shown:?}; served: {}", st.model_order.join(", ")),
        ));
    };
    let Query(q) = query.map_err(malformed)?;
    let Some(id) = q.key_set else {
        return Err(ApiError::new(
            ErrorCode::MissingKeySet,
            "name the key set: POST /v1/models/{name}/predict?key_set=ID (the id POST /v1/keys answered)",
        ));
    };
    let set = st.keys.get(&id).ok_or_else(|| unknown_key_set(&id))?;
    check_key_set(model, &set)?;
    let objects = unpack(&bytes, usize::MAX).map_err(malformed)?;
    if objects.len() > st.config.max_ciphertexts {
        return Err(ApiError::new(
            ErrorCode::TooManyCiphertexts,
            format!(
                "{} ciphertexts in one request; at most {} are accepted: split the samples over several requests",
                objects.len(),
                st.config.max_ciphertexts
            ),
        ));
    }
    for (i, h) in headers_of(&objects)?.iter().enumerate() {
        check_input_header(i, h, model)?;
    }
    let job_state = st.clone();
    let results = st
        .queue
        .run(move || run_model(&job_state, &name, &set, &bytes))
        .await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        )],
        pack(&results),
    )
        .into_response())
}

/// Loads the ciphertexts (validated in full) and runs the model on each.
fn run_model(
    st: &AppState,
    name: &str,
    set: &KeySet,
    bytes: &[u8],
) -> Result<Vec<Vec<u8>>, ApiError> {
    let model = st
        .models
        .get(name)
        .ok_or_else(|| ApiError::new(ErrorCode::Internal, "the model disappeared"))?;
    let objects = unpack(bytes, usize::MAX).map_err(malformed)?;
    let slots = model.plan().layout.slots();
    objects
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let ct = Ciphertext::from_bytes(o, &model.ctx).map_err(|e| invalid(i, e))?;
            if ct.slots() != slots {
                return Err(ApiError::new(
                    ErrorCode::WrongSlots,
                    format!(
                        "ciphertext {i} packs {} slots, model {name} takes {slots} (its layout's width)",
                        ct.slots()
                    ),
                ));
            }
            let out = model.infer(&set.eval, &ct).map_err(|e| {
                ApiError::new(
                    ErrorCode::InferenceFailed,
                    format!("ciphertext {i}: {e}"),
                )
            })?;
            Ok(out.to_bytes())
        })
        .collect()
}
