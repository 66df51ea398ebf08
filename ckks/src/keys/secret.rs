//! [`SecretKey`]: uniform ternary, zeroized on drop, never printed.

use std::fmt;
use std::sync::Mutex;

use rand_core::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::context::Context;
use crate::error::Result;
use crate::math::sampling::sample_ternary;
use crate::ring::RnsPoly;

/// The secret key `s`: a polynomial with coefficients uniform in `{-1, 0, 1}`.
///
/// Held in NTT form over every prime of the context (`q_0, ..., q_L` and `P`), plus its small
/// coefficients. Everything is overwritten with zeros when the key is dropped, and `Debug`
/// prints no coefficient.
///
/// ```
/// use ckks::{Context, SecretKey, params::Preset, math::sampling::os_seeded_rng};
/// let ctx = Context::new(Preset::RefA.literal().build()?)?;
/// let sk = SecretKey::generate(&ctx, &mut os_seeded_rng()?)?;
/// assert!(!format!("{sk:?}").contains('1'));
/// # Ok::<(), ckks::Error>(())
/// ```
pub struct SecretKey {
    pub(crate) ctx: Context,
    /// The coefficients, in `{-1, 0, 1}`.
    pub(crate) ternary: Vec<i8>,
    /// `s` over `q_0, ..., q_L`, NTT form.
    pub(crate) s_q: RnsPoly,
    /// `s` over `P`, NTT form.
    pub(crate) s_p: RnsPoly,
    /// The privacy loss (KL divergence) spent by releases of decryptions under this key (see
    /// [`Decryptor::decrypt_for_release`](crate::Decryptor::decrypt_for_release)).
    pub(crate) released: Mutex<ReleaseLedger>,
}

/// What the releases under a key have spent.
#[derive(Debug, Default)]
pub(crate) struct ReleaseLedger {
    /// The sum of the releases' KL divergences (nats).
    pub(crate) kl: f64,
    /// The number of releases.
    pub(crate) count: u64,
}

impl SecretKey {
    /// Samples a fresh secret key (constant-time in the key's coefficients, see
    /// [`sample_ternary`]).
    pub fn generate<R: CryptoRng + ?Sized>(ctx: &Context, rng: &mut R) -> Result<Self> {
        let mut ternary = vec![0i8; ctx.n()];
        sample_ternary(rng, &mut ternary);
        Self::from_ternary(ctx, ternary)
    }

    /// A key from given coefficients in `{-1, 0, 1}` (for loading a stored key).
    pub(crate) fn from_ternary(ctx: &Context, mut ternary: Vec<i8>) -> Result<Self> {
        let built = (|| {
            let mut s_q = RnsPoly::from_small(ctx.q_basis(), ctx.max_level() + 1, &ternary)?;
            let mut s_p = RnsPoly::from_small(ctx.p_basis(), ctx.p_basis().len(), &ternary)?;
            s_q.to_ntt();
            s_p.to_ntt();
            Ok((s_q, s_p))
        })();
        match built {
            Ok((s_q, s_p)) => Ok(Self {
                ctx: ctx.clone(),
                ternary,
                s_q,
                s_p,
                released: Mutex::new(ReleaseLedger::default()),
            }),
            Err(e) => {
                ternary.zeroize();
                Err(e)
            }
        }
    }

    /// Runs `f` on the release ledger (a poisoned lock is taken over: the ledger is a pair of
    /// numbers, valid whatever a panicking holder did).
    pub(crate) fn with_ledger<T>(&self, f: impl FnOnce(&mut ReleaseLedger) -> T) -> T {
        let mut guard = match self.released.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// The context the key belongs to.
    pub fn context(&self) -> &Context {
        &self.ctx
    }
}

impl Zeroize for SecretKey {
    fn zeroize(&mut self) {
        self.ternary.zeroize();
        self.s_q.zeroize();
        self.s_p.zeroize();
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl ZeroizeOnDrop for SecretKey {}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey { <secret> }")
    }
}
