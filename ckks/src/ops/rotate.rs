//! Slot rotations and conjugation (Galois automorphisms followed by key switching).

use super::Evaluator;
use crate::ciphertext::Ciphertext;
use crate::error::{Error, Result};
use crate::keys::{conjugation_element, galois_element};

impl Evaluator {
    /// Rotates the slots left by `step` (right for negative steps): slot `i` of the result is
    /// slot `i + step` of the input. Needs the Galois key for `step`
    /// ([`Error::MissingGaloisKey`] otherwise; see [`rotate_composed`](Self::rotate_composed)).
    pub fn rotate(&self, ct: &Ciphertext, step: i64) -> Result<Ciphertext> {
        let half = (self.ctx.n() / 2) as i64;
        if step.rem_euclid(half) == 0 {
            self.check(ct)?;
            return Ok(ct.clone());
        }
        let k = galois_element(step, self.ctx.n());
        if !self.automorphisms.contains_key(&k) {
            return Err(Error::MissingGaloisKey { step, element: k });
        }
        self.automorphism(ct, k)
    }

    /// In-place [`rotate`](Self::rotate).
    pub fn rotate_assign(&self, ct: &mut Ciphertext, step: i64) -> Result<()> {
        *ct = self.rotate(ct, step)?;
        Ok(())
    }

    /// Rotates by `step` using the keys present: the key for `step` itself if there is one,
    /// otherwise a composition of rotations by powers of two (from the signed binary expansion
    /// of the step, so at most about `log2(N)/2 + 1` rotations). An error names the first
    /// missing key.
    pub fn rotate_composed(&self, ct: &Ciphertext, step: i64) -> Result<Ciphertext> {
        let half = (self.ctx.n() / 2) as i64;
        let step = step.rem_euclid(half);
        if step == 0
            || self
                .automorphisms
                .contains_key(&galois_element(step, self.ctx.n()))
        {
            return self.rotate(ct, step);
        }
        let mut out = ct.clone();
        for part in signed_binary(step) {
            out = self.rotate(&out, part)?;
        }
        Ok(out)
    }

    /// Conjugates every slot. Needs the conjugation key.
    pub fn conjugate(&self, ct: &Ciphertext) -> Result<Ciphertext> {
        let k = conjugation_element(self.ctx.n());
        if !self.automorphisms.contains_key(&k) {
            return Err(Error::MissingConjugationKey);
        }
        self.automorphism(ct, k)
    }

    /// In-place [`conjugate`](Self::conjugate).
    pub fn conjugate_assign(&self, ct: &mut Ciphertext) -> Result<()> {
        *ct = self.conjugate(ct)?;
        Ok(())
    }

    /// `X -> X^k` on a degree-1 ciphertext, switched back to the secret key.
    fn automorphism(&self, ct: &Ciphertext, k: u64) -> Result<Ciphertext> {
        self.apply_galois(&self.hoist(ct)?, k)
    }
}

/// The signed binary expansion of `x > 0`: powers of two with signs whose sum is `x`, with no
/// two adjacent non-zero digits (non-adjacent form), so as few terms as possible.
fn signed_binary(mut x: i64) -> Vec<i64> {
    let mut out = Vec::new();
    let mut bit = 1i64;
    while x != 0 {
        if x & 1 == 1 {
            // Digit +1 if x = 1 mod 4, else -1.
            let digit = 2 - (x & 3);
            out.push(digit * bit);
            x -= digit;
        }
        x >>= 1;
        bit <<= 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::signed_binary;

    #[test]
    fn non_adjacent_form() {
        for x in 1..2000i64 {
            let digits = signed_binary(x);
            assert_eq!(digits.iter().sum::<i64>(), x);
            assert!(digits.len() <= (64 - x.leading_zeros()) as usize / 2 + 1);
        }
        assert_eq!(signed_binary(7), vec![-1, 8]);
    }
}
