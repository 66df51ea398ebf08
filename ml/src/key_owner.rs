//! The key owner's side shared by the inference and the training clients: encode and encrypt
//! slots at a level, decrypt and decode.

use ckks::{Ciphertext, Context, Decryptor, Encoder, Encryptor, SecretKey};
use rand_core::CryptoRng;

use crate::error::Result;

/// An encoder, an encryptor (secret- or public-key) and the decryptor of one secret key.
#[derive(Debug)]
pub(crate) struct KeyOwner<'a> {
    ctx: Context,
    encoder: Encoder,
    encryptor: Encryptor<'a>,
    decryptor: Decryptor<'a>,
}

impl<'a> KeyOwner<'a> {
    /// The owner of `sk`, encrypting with `encryptor`.
    pub(crate) fn new(encryptor: Encryptor<'a>, sk: &'a SecretKey) -> Self {
        let ctx = sk.context().clone();
        Self {
            encoder: Encoder::new(&ctx),
            ctx,
            encryptor,
            decryptor: Decryptor::new(sk),
        }
    }

    /// `slots` encoded at `level` and the default scale, encrypted.
    pub(crate) fn encrypt<R: CryptoRng + ?Sized>(
        &self,
        slots: &[f64],
        level: usize,
        rng: &mut R,
    ) -> Result<Ciphertext> {
        let pt = self
            .encoder
            .encode(slots, level, self.ctx.default_scale())?;
        Ok(self.encryptor.encrypt(&pt, rng)?)
    }

    /// `ct` decrypted and decoded (every slot).
    pub(crate) fn decrypt(&self, ct: &Ciphertext) -> Result<Vec<f64>> {
        Ok(self.encoder.decode(&self.decryptor.decrypt(ct)?)?)
    }
}
