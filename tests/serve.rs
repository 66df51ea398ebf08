//! The service end to end on loopback: a server started in-process on an ephemeral port,
//! encrypted predictions compared with the plaintext model, every kind of malformed request
//! answered with its 4xx, backpressure (429), metrics and graceful shutdown.

use std::path::PathBuf;
use std::time::Duration;

use ckks::params::Preset;
use ckks_cli::client::Client;
use ckks_cli::loadtest::{Adversary, MalformedKind, TempKeys, Twin, metric};
use ckks_cli::serve::{Config, Server};
use ckks_cli::wire::{ErrorBody, ErrorCode, pack};
use ckks_ml::data::{MissingPolicy, sets};
use hyper::Method;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn models_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/models"))
}

fn code_of(body: &[u8]) -> Option<ErrorCode> {
    serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .map(|e| e.error.code)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_end_to_end() -> TestResult {
    let config = Config {
        listen: "127.0.0.1:0".parse()?,
        models: models_dir(),
        max_body_bytes: 4 << 20,
        max_key_set_bytes: 8 << 20,
        workers: 1,
        queue: 2,
        ..Config::default()
    };
    let server = Server::bind(config).await?.spawn()?;
    let client = Client::new(&server.url())?;
    assert_eq!(client.health().await?.models, 1);

    // The listing says what keys the model needs.
    let info = client.model("heart").await?;
    assert_eq!(
        (info.features, info.plan.rotations.clone()),
        (13, vec![1, 2, 3, 4, 8, 12])
    );
    // The degree-3 sigmoid's result is decrypted unrelinearized: no relinearization key.
    assert!(!info.plan.relinearization);

    // Keys, upload (the secret key file is private), prediction against the plaintext model.
    let keys = TempKeys::generate(&info, "test")?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let secret = keys.keys.path().join("secret.key");
        assert_eq!(
            std::fs::metadata(secret)?.permissions().mode() & 0o777,
            0o600
        );
    }
    let created = client.upload_keys(&keys.keys).await?;
    assert_eq!(created.galois_elements.len(), 6);
    let heart = sets::heart_cleveland(MissingPolicy::DropRow)?;
    let rows: Vec<Vec<f64>> = (0..12).map(|i| heart.x.row(i * 20).to_vec()).collect();
    let got = client.predict(&keys.keys, &created.key_set, &rows).await?;
    let want = Twin::load(&models_dir(), "heart")?
        .predict(&rows)?
        .ok_or("the heart model has a plaintext twin")?;
    for (g, w) in got.iter().zip(&want) {
        assert!(
            (g[0] - w).abs() < 1e-4,
            "encrypted {} vs plaintext {w}",
            g[0]
        );
    }

    // Every kind of malformed request gets its 4xx and code.
    let adversary = Adversary::new(&client, &keys.keys, &created.key_set).await?;
    for (kind, r) in adversary.requests() {
        let (status, body) = client
            .send(r.method.clone(), &r.path, r.body.clone())
            .await?;
        let expected = kind.expected();
        assert_eq!(
            (status.as_u16(), code_of(&body)),
            (expected.status(), Some(expected)),
            "{kind:?}: {}",
            String::from_utf8_lossy(&body)
        );
        // The missing Galois key is named.
        if *kind == MalformedKind::MissingGaloisKeys {
            assert!(String::from_utf8_lossy(&body).contains("step 1 (Galois element 5)"));
        }
    }

    // Uploads and routes: parameters no model runs under, an oversized upload, an empty
    // body, a wrong method, an unknown route, a prediction without a key set.
    let other = Preset::RefA.literal().build()?;
    let cases = [
        (
            Method::POST,
            "/v1/keys",
            pack(&[other.to_bytes()]),
            ErrorCode::UnsupportedParameters,
        ),
        (
            Method::POST,
            "/v1/keys",
            vec![7; (8 << 20) + 1],
            ErrorCode::BodyTooLarge,
        ),
        (
            Method::POST,
            "/v1/keys",
            Vec::new(),
            ErrorCode::MalformedBody,
        ),
        (
            Method::GET,
            "/v1/keys",
            Vec::new(),
            ErrorCode::MethodNotAllowed,
        ),
        (
            Method::GET,
            "/nothing/here",
            Vec::new(),
            ErrorCode::NotFound,
        ),
        (
            Method::POST,
            "/v1/models/heart/predict",
            Vec::new(),
            ErrorCode::MissingKeySet,
        ),
    ];
    for (method, path, body, code) in cases {
        let (status, answer) = client.send(method, path, body).await?;
        assert_eq!(
            (status.as_u16(), code_of(&answer)),
            (code.status(), Some(code)),
            "{path}"
        );
    }

    // Backpressure: one worker and a queue of two; eight requests at once (each of 8
    // samples) get some 429s with Retry-After, the others succeed.
    let body = keys.keys.encrypt_request(&rows[..8])?;
    let path = format!("/v1/models/heart/predict?key_set={}", created.key_set);
    let burst: Vec<_> = (0..8)
        .map(|_| {
            let (c, p, b) = (client.clone(), path.clone(), body.clone());
            tokio::spawn(async move { c.send(Method::POST, &p, b).await })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in burst {
        let (status, answer) = t.await??;
        if status.as_u16() == 429 {
            assert_eq!(code_of(&answer), Some(ErrorCode::Busy));
        }
        statuses.push(status.as_u16());
    }
    assert!(
        statuses.contains(&429) && statuses.contains(&200),
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [200, 429].contains(s)),
        "{statuses:?}"
    );

    // Metrics.
    let (_, text) = client.send(Method::GET, "/metrics", Vec::new()).await?;
    let text = String::from_utf8_lossy(&text);
    assert!(
        text.contains(
            "ckks_requests_total{route=\"POST /v1/models/{name}/predict\",status=\"429\"}"
        )
    );
    assert!(text.contains("ckks_request_duration_seconds_bucket{route=\"POST /v1/keys\""));
    assert!(
        metric(&client, "ckks_key_set_bytes")
            .await?
            .is_some_and(|b| b > 10 << 20)
    );
    assert!(
        metric(&client, "process_resident_memory_max_bytes")
            .await?
            .is_some_and(|b| b > 0)
    );

    // Graceful shutdown: a request in flight when shutdown starts still gets its answer.
    let in_flight = {
        let (c, p, b) = (client.clone(), path.clone(), body.clone());
        tokio::spawn(async move { c.send(Method::POST, &p, b).await })
    };
    for _ in 0..500 {
        if metric(&client, "ckks_queue_running").await? == Some(1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    server.shutdown().await?;
    let (status, answer) = in_flight.await??;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(keys.keys.decrypt_response(&answer, 8)?.len(), 8);
    assert!(client.health().await.is_err(), "the server stopped");
    Ok(())
}
