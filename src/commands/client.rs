//! `ckks client`: keygen, upload-keys, predict, models.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ckks_cli::client::{Client, KeyDir};
use ckks_cli::wire::{ErrorCode, OutputKind};
use ckks_ml::data::{CsvOptions, MissingPolicy, TargetColumn, read_csv};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Arguments of `ckks client`.
#[derive(Debug, clap::Args)]
pub(crate) struct ClientArgs {
    /// The server.
    #[arg(long, global = true, default_value = "http://127.0.0.1:8080")]
    server: String,
    #[command(subcommand)]
    command: ClientCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ClientCommand {
    /// List the server's models and what keys each needs.
    Models,
    /// Generate keys for a model into a key directory (the secret key file gets mode 0600).
    Keygen {
        /// The model.
        #[arg(long)]
        model: String,
        /// The key directory [default: keys/MODEL].
        #[arg(long)]
        keys: Option<PathBuf>,
        /// Replace an existing secret key.
        #[arg(long)]
        force: bool,
    },
    /// Upload the evaluation keys of a key directory (never the secret key); saves the id.
    UploadKeys {
        /// The model the keys were made for.
        #[arg(long)]
        model: String,
        /// The key directory [default: keys/MODEL].
        #[arg(long)]
        keys: Option<PathBuf>,
    },
    /// Encrypt the rows of a CSV file, have the server run the model, decrypt, print a table.
    Predict {
        /// The model.
        #[arg(long)]
        model: String,
        /// The key directory [default: keys/MODEL].
        #[arg(long)]
        keys: Option<PathBuf>,
        /// CSV of raw features (a header is optional; one extra last column is read as the
        /// label and shown beside the prediction; empty or `?` fields take the training mean).
        #[arg(long)]
        input: PathBuf,
        /// Also write the predictions to this CSV file.
        #[arg(long)]
        csv: Option<PathBuf>,
    },
}

fn key_dir(keys: &Option<PathBuf>, model: &str) -> PathBuf {
    keys.clone()
        .unwrap_or_else(|| Path::new("keys").join(model))
}

pub(crate) fn run(args: &ClientArgs) -> Result<()> {
    let client = Client::new(&args.server)?;
    super::runtime()?.block_on(async {
        match &args.command {
            ClientCommand::Models => models(&client).await,
            ClientCommand::Keygen { model, keys, force } => {
                let info = client.model(model).await?;
                let dir = key_dir(keys, model);
                let k = KeyDir::generate(&dir, &info, *force)?;
                println!(
                    "keys for {model} in {} (N = 2^{}, relinearization {}, rotations {:?}); secret.key is mode 0600 and stays here",
                    k.path().display(),
                    info.plan.params.log_n,
                    info.plan.relinearization,
                    info.plan.rotations
                );
                Ok(())
            }
            ClientCommand::UploadKeys { model, keys } => {
                let k = open_checked(&client, model, &key_dir(keys, model)).await?;
                let id = upload(&client, &k).await?;
                println!("key set {id} (saved in {})", k.path().display());
                Ok(())
            }
            ClientCommand::Predict {
                model,
                keys,
                input,
                csv,
            } => predict(&client, model, &key_dir(keys, model), input, csv.as_deref()).await,
        }
    })
}

async fn models(client: &Client) -> Result<()> {
    let list = client.models().await?;
    for m in &list.models {
        println!(
            "{:<12} {:<20} {} features -> {} {:?}; N = 2^{}, depth {}, parameters {}, relinearization {}, rotations {:?}",
            m.name,
            m.kind,
            m.features,
            m.outputs,
            m.output,
            m.plan.params.log_n,
            m.plan.depth,
            m.param_id,
            m.plan.relinearization,
            m.plan.rotations
        );
    }
    let l = list.limits;
    println!(
        "limits: body {} bytes, key set {} bytes, {} ciphertexts per request, key sets kept {} s after last use",
        l.max_body_bytes, l.max_key_set_bytes, l.max_ciphertexts, l.key_set_ttl_seconds
    );
    Ok(())
}

async fn open_checked(client: &Client, model: &str, dir: &Path) -> Result<KeyDir> {
    let keys = KeyDir::open(dir).map_err(|e| {
        format!(
            "{e} (make keys first: ckks client keygen --model {model} --keys {})",
            dir.display()
        )
    })?;
    keys.check_model(&client.model(model).await?)?;
    Ok(keys)
}

async fn upload(client: &Client, keys: &KeyDir) -> Result<String> {
    let id = client.upload_keys(keys).await?.key_set;
    keys.save_key_set(&id)?;
    Ok(id)
}

async fn predict(
    client: &Client,
    model: &str,
    dir: &Path,
    input: &Path,
    csv_out: Option<&Path>,
) -> Result<()> {
    let keys = open_checked(client, model, dir).await?;
    let info = keys.model().clone();
    let data = read_csv(
        input,
        &CsvOptions {
            target: TargetColumn::None,
            missing: MissingPolicy::Keep,
            ..Default::default()
        },
    )?;
    let columns = data.n_features();
    let labelled = columns == info.features + 1;
    if columns != info.features && !labelled {
        return Err(format!(
            "{}: {columns} columns; model {model} takes {} features (and optionally a label last)",
            input.display(),
            info.features
        )
        .into());
    }
    let rows: Vec<Vec<f64>> = data
        .x
        .rows()
        .into_iter()
        .map(|r| r.iter().take(info.features).copied().collect())
        .collect();
    let labels: Vec<Option<f64>> = data
        .x
        .rows()
        .into_iter()
        .map(|r| {
            if labelled {
                r.get(info.features).copied()
            } else {
                None
            }
        })
        .collect();

    let key_set = match keys.saved_key_set() {
        Some(id) => id,
        None => upload(client, &keys).await?,
    };
    let results = match client.predict(&keys, &key_set, &rows).await {
        Err(ckks_cli::Error::Server {
            code: ErrorCode::UnknownKeySet,
            ..
        }) => {
            // Expired or evicted: upload again, once.
            let id = upload(client, &keys).await?;
            client.predict(&keys, &id, &rows).await?
        }
        other => other?,
    };

    let headers: Vec<String> = match (info.output, info.outputs) {
        (OutputKind::Value, _) => vec!["prediction".into()],
        (OutputKind::Probability, _) | (OutputKind::Logits, 1) => {
            vec!["probability".into(), "decision".into()]
        }
        _ => (0..info.outputs)
            .map(|k| format!("p(class {k})"))
            .chain(["class".into()])
            .collect(),
    };
    let mut table = Vec::new();
    for (values, label) in results.iter().zip(&labels) {
        let mut cells: Vec<String> = values.iter().map(|v| format!("{v:.4}")).collect();
        match (info.output, values.len()) {
            (OutputKind::Value, _) => {}
            (_, 1) => cells.push(u8::from(values[0] > 0.5).to_string()),
            _ => cells.push(
                values
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .map_or(0, |(k, _)| k)
                    .to_string(),
            ),
        }
        if let Some(l) = label {
            cells.push(l.to_string());
        }
        table.push(cells);
    }
    let mut head = headers.clone();
    if labelled {
        head.push("label".into());
    }
    print!("{}", render_table(&head, &table));
    println!(
        "{} samples encrypted, evaluated by {} under encryption, decrypted here (key set {key_set})",
        rows.len(),
        client.base_url()
    );
    if let Some(path) = csv_out {
        let mut text = format!("row,{}\n", head.join(","));
        for (i, cells) in table.iter().enumerate() {
            let _ = writeln!(text, "{i},{}", cells.join(","));
        }
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

fn render_table(head: &[String], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = head.iter().map(String::len).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.len());
        }
    }
    let line = |cells: &[String], first: &str| {
        let mut s = format!("{first:>5}");
        for (c, w) in cells.iter().zip(&widths) {
            let _ = write!(s, "  {c:>w$}");
        }
        s + "\n"
    };
    let mut out = line(head, "row");
    for (i, r) in rows.iter().enumerate() {
        out += &line(r, &i.to_string());
    }
    out
}
