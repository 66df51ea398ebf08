//! The data owner's side of training: encrypts the packed rows and the weights, decrypts and
//! refreshes states.

use ckks::{Ciphertext, Encryptor, PublicKey, SecretKey};
use rand_core::CryptoRng;

use super::{EncryptedState, TrainPlan};
use crate::error::{Error, Result};
use crate::key_owner::KeyOwner;

/// The encrypted training set: for each chunk of `rows_per_chunk` rows, one masked ciphertext
/// per column (column `j` of row `r` in slot `r * width + j`, zeros elsewhere).
#[derive(Clone, Debug)]
pub struct EncryptedData {
    /// `chunks[c][j]`: column `j` of chunk `c`.
    pub chunks: Vec<Vec<Ciphertext>>,
}

/// The key owner's side of training. Only the client holds the secret key.
#[derive(Debug)]
pub struct TrainClient<'a> {
    plan: TrainPlan,
    owner: KeyOwner<'a>,
}

impl<'a> TrainClient<'a> {
    /// A client that encrypts with the secret key (less noise, half-size ciphertexts).
    pub fn new(plan: &TrainPlan, sk: &'a SecretKey) -> Result<Self> {
        Self::build(plan, Encryptor::with_secret_key(sk), sk)
    }

    /// A client that encrypts with the public key.
    pub fn with_public_key(plan: &TrainPlan, pk: &'a PublicKey, sk: &'a SecretKey) -> Result<Self> {
        plan.check_context(pk.context())?;
        Self::build(plan, Encryptor::new(pk), sk)
    }

    fn build(plan: &TrainPlan, encryptor: Encryptor<'a>, sk: &'a SecretKey) -> Result<Self> {
        let ctx = sk.context();
        plan.check_context(ctx)?;
        Ok(Self {
            plan: plan.clone(),
            owner: KeyOwner::new(encryptor, sk),
        })
    }

    /// The plan.
    pub fn plan(&self) -> &TrainPlan {
        &self.plan
    }

    fn encrypt_slots<R: CryptoRng + ?Sized>(
        &self,
        slots: &[f64],
        rng: &mut R,
    ) -> Result<Ciphertext> {
        self.owner.encrypt(slots, self.plan.input_level, rng)
    }

    /// Encrypts the training rows (from [`prepare_logistic`](super::prepare_logistic) or
    /// [`prepare_linear`](super::prepare_linear)): `chunks x columns` ciphertexts.
    pub fn encrypt_data<R: CryptoRng + ?Sized>(
        &self,
        rows: &[Vec<f64>],
        rng: &mut R,
    ) -> Result<EncryptedData> {
        self.encrypt_data_with_progress(rows, rng, |_| {})
    }

    /// [`encrypt_data`](Self::encrypt_data), calling `progress` after each ciphertext.
    pub fn encrypt_data_with_progress<R: CryptoRng + ?Sized>(
        &self,
        rows: &[Vec<f64>],
        rng: &mut R,
        mut progress: impl FnMut(usize),
    ) -> Result<EncryptedData> {
        self.plan.check_rows(rows)?;
        let p = &self.plan;
        let mut chunks = Vec::with_capacity(p.chunks);
        let mut done = 0;
        for chunk in rows.chunks(p.rows_per_chunk) {
            let mut columns = Vec::with_capacity(p.columns);
            for j in 0..p.columns {
                let mut slots = vec![0.0; p.slots];
                for (r, row) in chunk.iter().enumerate() {
                    slots[r * p.width + j] = row[j];
                }
                columns.push(self.encrypt_slots(&slots, rng)?);
                done += 1;
                progress(done);
            }
            chunks.push(columns);
        }
        Ok(EncryptedData { chunks })
    }

    /// Encrypts weights (model units, `columns` of them) replicated in every row block: a
    /// starting point, or a refreshed state.
    pub fn encrypt_weights<R: CryptoRng + ?Sized>(
        &self,
        weights: &[f64],
        rng: &mut R,
    ) -> Result<Ciphertext> {
        let h = self.plan.task.weight_scale();
        let scaled: Vec<f64> = weights.iter().map(|w| w / h).collect();
        self.encrypt_block(&scaled, rng)
    }

    fn encrypt_block<R: CryptoRng + ?Sized>(
        &self,
        block: &[f64],
        rng: &mut R,
    ) -> Result<Ciphertext> {
        if block.len() != self.plan.columns {
            return Err(Error::ShapeMismatch {
                what: "weights (one per column)",
                expected: self.plan.columns,
                found: block.len(),
            });
        }
        let mut slots = vec![0.0; self.plan.slots];
        for row in slots.chunks_mut(self.plan.width) {
            row[..block.len()].copy_from_slice(block);
        }
        self.encrypt_slots(&slots, rng)
    }

    fn decrypt_block(&self, ct: &Ciphertext) -> Result<Vec<f64>> {
        let v = self.owner.decrypt(ct)?;
        if v.len() < self.plan.columns {
            return Err(Error::ShapeMismatch {
                what: "slots of the decrypted weights",
                expected: self.plan.columns,
                found: v.len(),
            });
        }
        Ok(v[..self.plan.columns].to_vec())
    }

    /// The trained weights (model units: one per column, the bias after the features; for
    /// linear regression the target column's `-1` last).
    pub fn decrypt_weights(&self, ct: &Ciphertext) -> Result<Vec<f64>> {
        let h = self.plan.task.weight_scale();
        Ok(self.decrypt_block(ct)?.iter().map(|w| w * h).collect())
    }

    /// The state training starts from: zero weights for logistic regression (the server's
    /// first iteration then costs one level and needs no ciphertext), else the encrypted
    /// [`initial_weights`](TrainPlan::initial_weights).
    pub fn start<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> Result<EncryptedState> {
        if self.plan.zero_start() {
            return Ok(EncryptedState::zero());
        }
        let v = self.encrypt_weights(&self.plan.initial_weights(), rng)?;
        Ok(EncryptedState {
            w: vec![(v.clone(), 1.0)],
            v: Some(v),
            iteration: 0,
        })
    }

    /// Client refresh: decrypts the state (the look-ahead weights and the terms of the current
    /// weights) and encrypts it afresh at the top level, for another round. See the module
    /// docs for what this reveals.
    pub fn refresh<R: CryptoRng + ?Sized>(
        &self,
        state: &EncryptedState,
        rng: &mut R,
    ) -> Result<EncryptedState> {
        let columns = self.plan.columns;
        let v = match &state.v {
            Some(ct) => Some(self.encrypt_block(&self.decrypt_block(ct)?, rng)?),
            None => None,
        };
        let mut w = vec![0.0; columns];
        for (ct, c) in &state.w {
            for (acc, x) in w.iter_mut().zip(self.decrypt_block(ct)?) {
                *acc += c * x;
            }
        }
        let w = if state.w.is_empty() {
            Vec::new()
        } else {
            vec![(self.encrypt_block(&w, rng)?, 1.0)]
        };
        Ok(EncryptedState {
            v,
            w,
            iteration: state.iteration,
        })
    }
}
