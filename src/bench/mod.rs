//! `ckks bench <group>`: measurements printed as JSON lines (with `--json`) or as a table.

use clap::Args;

mod circuits;
mod ml;
mod ntt;
mod ops;
mod sizes;
pub(crate) mod timing;
mod train;

/// Arguments of `ckks bench`.
#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    /// What to measure: `ntt` (one-limb transforms), `ops` (every CKKS primitive and the
    /// precision group), `circuits` (hoisted rotations, matrix-vector product, polynomials,
    /// with their precision), `sizes` (the serialized size of every object), `ml` (encrypted
    /// heart-disease inference), `train` (Edinburgh 5-fold logistic regression trained on
    /// encrypted data).
    group: String,
    /// The parameter set: n13, n14, n15, ref-a, ref-b (default: n13 for ml, ref-a otherwise).
    #[arg(long)]
    params: Option<String>,
    /// Print one JSON object per line instead of a table.
    #[arg(long)]
    json: bool,
    /// Number of threads for the parallel parts (rayon); 1 measures single-threaded code.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Smallest log2 of the ring degree (ntt group).
    #[arg(long, default_value_t = 12)]
    min_log_n: u32,
    /// Largest log2 of the ring degree (ntt group).
    #[arg(long, default_value_t = 16)]
    max_log_n: u32,
    /// Prime sizes in bits (ntt group), comma separated.
    #[arg(long, value_delimiter = ',', default_value = "60,50")]
    bits: Vec<u32>,
}

/// One measurement, printed as a JSON line or a table row.
pub(crate) struct Record(pub(crate) serde_json::Map<String, serde_json::Value>);

impl Record {
    /// A record from a JSON object (`None` for any other JSON value).
    pub(crate) fn from_json(v: serde_json::Value) -> Option<Record> {
        match v {
            serde_json::Value::Object(m) => Some(Record(m)),
            _ => None,
        }
    }

    fn print(&self, json: bool) {
        if json {
            println!("{}", serde_json::Value::Object(self.0.clone()));
        } else {
            let row: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
            println!("{}", row.join("  "));
        }
    }
}

/// Runs the benchmark group named in `args`.
pub(crate) fn run(args: &BenchArgs) -> Result<(), Box<dyn std::error::Error>> {
    rayon_threads(args.threads)?;
    let params = |default: &'static str| args.params.as_deref().unwrap_or(default);
    let records = match args.group.as_str() {
        "ntt" => ntt::run(args.min_log_n..=args.max_log_n, &args.bits, args.threads)?,
        "ops" => ops::run(preset(params("ref-a"))?, args.threads)?,
        "circuits" => circuits::run(preset(params("ref-a"))?, args.threads)?,
        "sizes" => sizes::run(preset(params("ref-a"))?)?,
        "ml" => ml::run(preset(params("n13"))?, args.threads)?,
        "train" => train::run(args.threads)?,
        other => {
            return Err(format!(
                "unknown bench group `{other}`: known groups are ntt, ops, circuits, sizes, ml, train"
            )
            .into());
        }
    };
    for r in &records {
        r.print(args.json);
    }
    Ok(())
}

fn preset(name: &str) -> Result<ckks::params::Preset, Box<dyn std::error::Error>> {
    ckks::params::Preset::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = ckks::params::Preset::ALL.iter().map(|p| p.name()).collect();
        format!(
            "unknown parameter set `{name}`: known sets are {}",
            names.join(", ")
        )
        .into()
    })
}

pub(crate) fn rayon_threads(threads: usize) -> Result<(), Box<dyn std::error::Error>> {
    if threads == 0 {
        return Err("--threads must be at least 1".into());
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .map_err(|e| format!("could not configure {threads} threads: {e}").into())
}
