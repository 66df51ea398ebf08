//! The client: encodes and encrypts inputs in the plan's layout, decrypts results.

use ckks::{Ciphertext, Encryptor, PublicKey, SecretKey};
use ndarray::ArrayView2;
use rand_core::CryptoRng;

use super::linalg::rotated_blocks;
use super::{Layout, Plan};
use crate::error::{Error, Result};
use crate::key_owner::KeyOwner;

/// One feature-major batch: ciphertext `j` holds feature `j` of `samples` samples.
#[derive(Clone, Debug)]
pub struct Batch {
    /// One ciphertext per feature.
    pub features: Vec<Ciphertext>,
    /// The number of samples in the batch (slots beyond it are padding).
    pub samples: usize,
}

/// The key owner's side: encrypts inputs in the plan's layout and decrypts results. Only the
/// client ever holds the secret key.
///
/// [`Client::new`] encrypts with the secret key (the owner may: less noise, faster, and the
/// second component is a 32-byte seed, so ciphertexts serialize at half size);
/// [`Client::with_public_key`] encrypts with the public key, as a party without the secret key
/// would.
#[derive(Debug)]
pub struct Client<'a> {
    plan: Plan,
    owner: KeyOwner<'a>,
}

impl<'a> Client<'a> {
    /// A client for `plan` that encrypts with the secret key (the key's parameters must be the
    /// plan's).
    pub fn new(plan: &Plan, sk: &'a SecretKey) -> Result<Self> {
        Self::build(plan, Encryptor::with_secret_key(sk), sk)
    }

    /// A client for `plan` that encrypts with the public key.
    pub fn with_public_key(plan: &Plan, pk: &'a PublicKey, sk: &'a SecretKey) -> Result<Self> {
        super::check_context(pk.context(), plan)?;
        Self::build(plan, Encryptor::new(pk), sk)
    }

    fn build(plan: &Plan, encryptor: Encryptor<'a>, sk: &'a SecretKey) -> Result<Self> {
        let ctx = sk.context();
        super::check_context(ctx, plan)?;
        Ok(Self {
            plan: plan.clone(),
            owner: KeyOwner::new(encryptor, sk),
        })
    }

    /// The plan.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    fn check_features(&self, found: usize) -> Result<()> {
        let expected = self.plan.layout.features();
        if found == expected {
            Ok(())
        } else {
            Err(Error::ShapeMismatch {
                what: "features of the sample",
                expected,
                found,
            })
        }
    }

    fn encrypt_slots<R: CryptoRng + ?Sized>(
        &self,
        slots: &[f64],
        rng: &mut R,
    ) -> Result<Ciphertext> {
        self.owner.encrypt(slots, self.plan.input_level, rng)
    }

    /// Encrypts one sample of raw features (layouts [`Layout::Slots`] and
    /// [`Layout::RotatedBlocks`]).
    pub fn encrypt_sample<R: CryptoRng + ?Sized>(
        &self,
        x: &[f64],
        rng: &mut R,
    ) -> Result<Ciphertext> {
        self.check_features(x.len())?;
        match self.plan.layout {
            Layout::Slots { width, .. } => {
                let mut slots = x.to_vec();
                slots.resize(width, 0.0);
                self.encrypt_slots(&slots, rng)
            }
            Layout::RotatedBlocks { block, .. } => {
                self.encrypt_slots(&rotated_blocks(x, block), rng)
            }
            Layout::FeatureMajor { .. } => Err(Error::LayoutMismatch(
                "a feature-major plan takes batches: use encrypt_batches".into(),
            )),
        }
    }

    /// Encrypts the rows of `x` (raw features) as feature-major batches of up to
    /// `samples_per_ciphertext` samples each (layout [`Layout::FeatureMajor`]).
    pub fn encrypt_batches<R: CryptoRng + ?Sized>(
        &self,
        x: ArrayView2<'_, f64>,
        rng: &mut R,
    ) -> Result<Vec<Batch>> {
        let Layout::FeatureMajor {
            samples_per_ciphertext,
            ..
        } = self.plan.layout
        else {
            return Err(Error::LayoutMismatch(
                "a single-sample plan takes one sample at a time: use encrypt_sample".into(),
            ));
        };
        self.check_features(x.ncols())?;
        let mut batches = Vec::new();
        let mut start = 0;
        while start < x.nrows() {
            let end = (start + samples_per_ciphertext).min(x.nrows());
            let chunk = x.slice(ndarray::s![start..end, ..]);
            let features = chunk
                .columns()
                .into_iter()
                .map(|col| self.encrypt_slots(&col.to_vec(), rng))
                .collect::<Result<Vec<_>>>()?;
            batches.push(Batch {
                features,
                samples: end - start,
            });
            start = end;
        }
        Ok(batches)
    }

    /// The result of a single-sample linear or logistic inference (slot 0).
    pub fn decrypt_value(&self, ct: &Ciphertext) -> Result<f64> {
        self.owner
            .decrypt(ct)?
            .first()
            .copied()
            .ok_or(Error::Empty {
                what: "the decrypted slots",
                fix: "decrypt a ciphertext returned by the server",
            })
    }

    /// The results of a batch: sample `i` from slot `i`, for the first `samples` samples.
    pub fn decrypt_batch(&self, ct: &Ciphertext, samples: usize) -> Result<Vec<f64>> {
        let v = self.owner.decrypt(ct)?;
        if samples > v.len() {
            return Err(Error::ShapeMismatch {
                what: "samples in the batch (slots of the result)",
                expected: v.len(),
                found: samples,
            });
        }
        Ok(v[..samples].to_vec())
    }

    /// The `outputs` results of a network inference (output `k` from slot `k * d`).
    pub fn decrypt_outputs(&self, ct: &Ciphertext, outputs: usize) -> Result<Vec<f64>> {
        let Layout::RotatedBlocks { block, .. } = self.plan.layout else {
            return Err(Error::LayoutMismatch(
                "decrypt_outputs reads a network's result: use decrypt_value or decrypt_batch"
                    .into(),
            ));
        };
        let v = self.owner.decrypt(ct)?;
        (0..outputs)
            .map(|k| {
                v.get(k * block).copied().ok_or(Error::ShapeMismatch {
                    what: "slots of the network's result",
                    expected: outputs * block,
                    found: v.len(),
                })
            })
            .collect()
    }
}
