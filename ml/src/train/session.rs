//! Both parties of a training run in one process, for examples, benchmarks and the command
//! line: the client's keys and encryption, the server's rounds, the client's refreshes and
//! decryption, timed, with progress events.

use std::time::{Duration, Instant};

use ckks::{Context, Evaluator, SecretKey};
use rand_core::CryptoRng;

use super::{TrainClient, TrainPlan, TrainServer};
use crate::error::{Error, Result};

/// What a [`Session::run`] reports while it works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress {
    /// The client encrypted `done` of `total` data ciphertexts.
    Encrypted {
        /// Ciphertexts done.
        done: usize,
        /// Ciphertexts in all.
        total: usize,
    },
    /// The server finished iteration `done` of `total` (over all rounds).
    Iteration {
        /// Iterations done.
        done: usize,
        /// Iterations in all.
        total: usize,
    },
    /// The client refreshed the state before round `round` (0-based).
    Refreshed {
        /// The round about to start.
        round: usize,
    },
}

/// The outcome of a [`Session::run`].
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    /// The decrypted weights (model units: features, bias, and the target column's `-1` for
    /// linear regression).
    pub weights: Vec<f64>,
    /// Client: encrypting the data.
    pub encrypt: Duration,
    /// Server: every round (and the client's refreshes between them).
    pub train: Duration,
    /// Client: decrypting the weights.
    pub decrypt: Duration,
}

impl Run {
    /// Encryption, training and decryption.
    pub fn total(&self) -> Duration {
        self.encrypt + self.train + self.decrypt
    }
}

/// A client's secret key and the server's evaluator for one plan's parameters and keys.
#[derive(Debug)]
pub struct Session {
    plan: TrainPlan,
    sk: SecretKey,
    eval: Evaluator,
    keygen: Duration,
}

impl Session {
    /// Generates the client's secret key and the evaluation keys `plan` lists.
    pub fn new<R: CryptoRng + ?Sized>(plan: &TrainPlan, rng: &mut R) -> Result<Self> {
        Self::with_context(&Context::new(plan.params.build()?)?, plan, rng)
    }

    /// [`new`](Self::new) on a given context (for example one built from parameters without the
    /// security check, in tests).
    pub fn with_context<R: CryptoRng + ?Sized>(
        ctx: &Context,
        plan: &TrainPlan,
        rng: &mut R,
    ) -> Result<Self> {
        plan.check_context(ctx)?;
        let start = Instant::now();
        let sk = SecretKey::generate(ctx, rng)?;
        let eval = Evaluator::new(ctx, plan.evaluation_keys(&sk, rng)?)?;
        Ok(Self {
            plan: plan.clone(),
            sk,
            eval,
            keygen: start.elapsed(),
        })
    }

    /// This session for another plan with the same parameters and rotations (another fold of
    /// the same size), keeping the keys; new keys for other rotations on the same parameters
    /// (another parameter set is an error: start a new session).
    pub fn reuse<R: CryptoRng + ?Sized>(self, plan: &TrainPlan, rng: &mut R) -> Result<Self> {
        if plan.param_id == self.plan.param_id && plan.rotations == self.plan.rotations {
            Ok(Self {
                plan: plan.clone(),
                ..self
            })
        } else {
            let ctx = self.eval.context().clone();
            Self::with_context(&ctx, plan, rng)
        }
    }

    /// The time key generation took.
    pub fn keygen_time(&self) -> Duration {
        self.keygen
    }

    /// The plan.
    pub fn plan(&self) -> &TrainPlan {
        &self.plan
    }

    /// Encrypts `rows`, trains every round on the ciphertexts (refreshing the state between
    /// rounds), decrypts the weights.
    pub fn run<R: CryptoRng + ?Sized>(
        &self,
        rows: &[Vec<f64>],
        rng: &mut R,
        mut progress: impl FnMut(Progress),
    ) -> Result<Run> {
        let plan = &self.plan;
        let client = TrainClient::new(plan, &self.sk)?;
        let start = Instant::now();
        let total = plan.chunks * plan.columns;
        let data = client.encrypt_data_with_progress(rows, rng, |done| {
            progress(Progress::Encrypted { done, total })
        })?;
        let encrypt = start.elapsed();

        let start = Instant::now();
        let server = TrainServer::new(&self.eval, plan, data)?;
        let mut state = client.start(rng)?;
        let per_round = plan.config.iterations;
        let total = per_round * plan.config.rounds;
        for round in 0..plan.config.rounds {
            if round > 0 {
                state = client.refresh(&state, rng)?;
                progress(Progress::Refreshed { round });
            }
            state = server.round(state, |i| {
                progress(Progress::Iteration {
                    done: round * per_round + i,
                    total,
                })
            })?;
        }
        let train = start.elapsed();

        let start = Instant::now();
        let Some(w) = &state.v else {
            return Err(Error::Empty {
                what: "the trained state",
                fix: "run at least one iteration",
            });
        };
        let weights = client.decrypt_weights(w)?;
        Ok(Run {
            weights,
            encrypt,
            train,
            decrypt: start.elapsed(),
        })
    }
}

/// The process's peak resident memory (`VmHWM` of `/proc/self/status`), in bytes; `None` where
/// the file does not exist (not Linux).
pub fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}
