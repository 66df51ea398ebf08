//! Precomputed twiddle factors for one prime and one degree.

use super::aligned::AlignedU64s;
use super::path::NttPath;
#[cfg(target_arch = "x86_64")]
use super::{avx2, avx512, ifma};
use super::{bit_reverse, scalar};
use crate::error::{Error, Result};
use crate::math::{Modulus, ShoupOperand, is_ntt_friendly, minimal_primitive_root};

/// Twiddle factors for the negacyclic NTT of size `N` modulo one NTT-friendly prime.
#[derive(Clone, Debug)]
pub struct NttTable {
    pub(super) n: usize,
    pub(super) log_n: u32,
    pub(super) modulus: Modulus,
    pub(super) root: u64,
    /// `psi^bitrev(i)` for `i < N` (index 0 unused by the transform).
    pub(super) fwd: AlignedU64s,
    /// Shoup quotients of `fwd`.
    pub(super) fwd_shoup: AlignedU64s,
    /// `psi^-bitrev(i)` for `i < N`.
    pub(super) inv: AlignedU64s,
    /// Shoup quotients of `inv`.
    pub(super) inv_shoup: AlignedU64s,
    /// `N^-1 mod q`.
    pub(super) n_inv: ShoupOperand,
    /// `inv[1] * N^-1 mod q`: the twiddle of the last inverse stage with the factor `1/N`
    /// folded in, for the paths that fuse the scaling into that stage.
    #[cfg_attr(
        not(target_arch = "x86_64"),
        allow(dead_code, reason = "read by the x86-64 SIMD paths only")
    )]
    pub(super) inv_n_last: ShoupOperand,
    /// Shoup quotients with the scale a SIMD path prefers; empty for the other paths.
    #[cfg_attr(
        not(target_arch = "x86_64"),
        allow(dead_code, reason = "read by the x86-64 SIMD paths only")
    )]
    pub(super) simd_q: SimdQuotients,
    pub(super) path: NttPath,
}

/// The form of a SIMD path's Shoup quotients, when it differs from the scalar path's
/// `floor(w * 2^64 / q)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(
    not(target_arch = "x86_64"),
    allow(dead_code, reason = "read by the x86-64 SIMD paths only")
)]
pub(super) enum QuotientForm {
    /// One plane: `floor(w * 2^52 / q)`, for the IFMA path, whose multiply-add instructions
    /// take 52-bit operands.
    Scaled52,
    /// Three planes cut from `w' = floor(w * 2^64 / q) = h * 2^32 + l`: `h`, `h * 2^20` and
    /// `l * 2^20 mod 2^64`, the operands the AVX-512 path reads when IFMA computes its
    /// quotient estimate (precomputed so that no twiddle needs a shift in the transforms).
    Split64,
}

/// Shoup quotients of the twiddles in the form a SIMD path prefers, as planes (one array per
/// piece of the quotient, each indexed like the twiddles). Empty for the other paths.
#[derive(Clone, Debug, Default)]
#[cfg_attr(
    not(target_arch = "x86_64"),
    allow(dead_code, reason = "read by the x86-64 SIMD paths only")
)]
pub(super) struct SimdQuotients {
    /// The form (`None` when empty).
    form: Option<QuotientForm>,
    /// The planes of the quotients of `NttTable::fwd`.
    fwd: Vec<AlignedU64s>,
    /// The planes of the quotients of `NttTable::inv`.
    inv: Vec<AlignedU64s>,
    /// The pieces of the quotient of `N^-1`.
    n_inv: Vec<u64>,
    /// The pieces of the quotient of `inv[1] * N^-1`.
    inv_n_last: Vec<u64>,
}

/// A SIMD path's quotients with `P` planes, borrowed from a [`SimdQuotients`] (or, for `P =
/// 1` and the scalar form, from the table itself).
#[derive(Clone, Copy)]
#[cfg_attr(
    not(target_arch = "x86_64"),
    allow(dead_code, reason = "read by the x86-64 SIMD paths only")
)]
pub(super) struct QuotientPlanes<'a, const P: usize> {
    /// Planes of the quotients of the forward twiddles.
    pub(super) fwd: [&'a [u64]; P],
    /// Planes of the quotients of the inverse twiddles.
    pub(super) inv: [&'a [u64]; P],
    /// Pieces of the quotient of `N^-1`.
    pub(super) n_inv: [u64; P],
    /// Pieces of the quotient of `inv[1] * N^-1`.
    pub(super) inv_n_last: [u64; P],
}

impl SimdQuotients {
    /// The form the path uses for a prime of `bits` bits, if it differs from the scalar one.
    fn form_for(path: NttPath, bits: u32) -> Option<QuotientForm> {
        match path {
            NttPath::Avx512Ifma if bits <= super::path::IFMA_MAX_MODULUS_BITS => {
                Some(QuotientForm::Scaled52)
            }
            NttPath::Avx512 if super::path::cpu::has_avx512_ifma() => Some(QuotientForm::Split64),
            _ => None,
        }
    }

    /// The pieces of the quotient of `w` in `form`.
    fn pieces(form: QuotientForm, modulus: &Modulus, w: u64) -> Vec<u64> {
        let q = modulus.value() as u128;
        match form {
            QuotientForm::Scaled52 => vec![(((w as u128) << 52) / q) as u64],
            QuotientForm::Split64 => {
                let quotient = modulus.shoup(w).quotient;
                let hi = quotient >> 32;
                vec![hi, hi << 20, quotient << 20]
            }
        }
    }

    fn new(
        form: QuotientForm,
        modulus: &Modulus,
        fwd: &[u64],
        inv: &[u64],
        n_inv: u64,
        last: u64,
    ) -> Self {
        let pieces = |w: u64| Self::pieces(form, modulus, w);
        let planes = |ws: &[u64]| -> Vec<AlignedU64s> {
            let per_twiddle: Vec<Vec<u64>> = ws.iter().map(|&w| pieces(w)).collect();
            let count = pieces(0).len();
            (0..count)
                .map(|k| per_twiddle.iter().map(|p| p[k]).collect::<Vec<_>>().into())
                .collect()
        };
        Self {
            form: Some(form),
            fwd: planes(fwd),
            inv: planes(inv),
            n_inv: pieces(n_inv),
            inv_n_last: pieces(last),
        }
    }

    /// The quotients, if they are present in `form` with `P` planes for a table of degree
    /// `n`.
    #[cfg_attr(
        not(target_arch = "x86_64"),
        allow(dead_code, reason = "used by the x86-64 SIMD paths only")
    )]
    pub(super) fn planes<const P: usize>(
        &self,
        form: QuotientForm,
        n: usize,
    ) -> Option<QuotientPlanes<'_, P>> {
        let fwd: &[AlignedU64s; P] = self.fwd.as_slice().try_into().ok()?;
        let inv: &[AlignedU64s; P] = self.inv.as_slice().try_into().ok()?;
        let sized = fwd.iter().chain(inv).all(|p| p.len() == n);
        (self.form == Some(form) && sized).then_some(())?;
        Some(QuotientPlanes {
            fwd: fwd.each_ref().map(|p| &**p),
            inv: inv.each_ref().map(|p| &**p),
            n_inv: self.n_inv.as_slice().try_into().ok()?,
            inv_n_last: self.inv_n_last.as_slice().try_into().ok()?,
        })
    }
}

impl NttTable {
    /// The scalar path's 64-bit Shoup quotients as one plane each.
    #[cfg_attr(
        not(target_arch = "x86_64"),
        allow(dead_code, reason = "used by the x86-64 SIMD paths only")
    )]
    pub(super) fn shoup_planes(&self) -> QuotientPlanes<'_, 1> {
        QuotientPlanes {
            fwd: [&self.fwd_shoup],
            inv: [&self.inv_shoup],
            n_inv: [self.n_inv.quotient],
            inv_n_last: [self.inv_n_last.quotient],
        }
    }

    /// Tables for degree `n` (a power of two, `2^1 ..= 2^17`) and the prime `q = 1 mod 2n`,
    /// using the fastest path this CPU supports.
    pub fn new(n: usize, q: u64) -> Result<Self> {
        let modulus = Modulus::new(q)?;
        Self::with_path(n, q, NttPath::best(modulus.bits()))
    }

    /// Tables that use a given implementation; an error if this CPU cannot run it.
    pub fn with_path(n: usize, q: u64, path: NttPath) -> Result<Self> {
        let log_n = super::checked_log_degree(n)?;
        let modulus = Modulus::new(q)?;
        if !is_ntt_friendly(q, n) {
            return Err(Error::NotNttFriendly {
                value: q,
                n,
                two_n: 2 * n as u64,
            });
        }
        if !path.is_available(modulus.bits()) {
            return Err(Error::NttPathUnavailable {
                path: path.name(),
                reason: "this CPU lacks the instructions or the prime is too large for it",
            });
        }
        let root = minimal_primitive_root(2 * n as u64, &modulus)?;
        let root_inv = modulus.inv(root)?;
        let mut fwd = vec![0u64; n];
        let mut inv = vec![0u64; n];
        let (mut power, mut power_inv) = (1u64, 1u64);
        for i in 0..n {
            let j = bit_reverse(i, log_n);
            fwd[j] = power;
            inv[j] = power_inv;
            power = modulus.mul(power, root);
            power_inv = modulus.mul(power_inv, root_inv);
        }
        let fwd_shoup = fwd
            .iter()
            .map(|&w| modulus.shoup(w).quotient)
            .collect::<Vec<_>>();
        let inv_shoup = inv
            .iter()
            .map(|&w| modulus.shoup(w).quotient)
            .collect::<Vec<_>>();
        let n_inv = modulus.shoup(modulus.inv(n as u64)?);
        let inv_n_last = modulus.shoup(modulus.mul(inv[1], n_inv.value));
        let simd_q = match SimdQuotients::form_for(path, modulus.bits()) {
            Some(form) => {
                SimdQuotients::new(form, &modulus, &fwd, &inv, n_inv.value, inv_n_last.value)
            }
            None => SimdQuotients::default(),
        };
        Ok(Self {
            n,
            log_n,
            modulus,
            root,
            fwd: fwd.into(),
            fwd_shoup: fwd_shoup.into(),
            inv: inv.into(),
            inv_shoup: inv_shoup.into(),
            n_inv,
            inv_n_last,
            simd_q,
            path,
        })
    }

    /// The degree `N`.
    pub fn degree(&self) -> usize {
        self.n
    }

    /// `log2(N)`.
    pub fn log_degree(&self) -> u32 {
        self.log_n
    }

    /// The prime.
    pub fn modulus(&self) -> &Modulus {
        &self.modulus
    }

    /// The minimal primitive `2N`-th root of unity `psi` the transform uses.
    pub fn root(&self) -> u64 {
        self.root
    }

    /// The powers `psi^bitrev(i)`, `i < N`, in the order the forward transform reads them.
    pub fn root_powers(&self) -> &[u64] {
        &self.fwd
    }

    /// The implementation this table runs.
    pub fn path(&self) -> NttPath {
        self.path
    }

    /// Forward transform in place: coefficients in `[0, q)` (natural order) to evaluations in
    /// `[0, q)` (bit-reversed order). `a.len()` must be `N`.
    pub fn forward(&self, a: &mut [u64]) {
        assert_len(a, self.n);
        self.dispatch_forward::<true>(a);
    }

    /// Forward transform without the final reduction: inputs in `[0, 4q)`, outputs in `[0, 4q)`.
    pub fn forward_lazy(&self, a: &mut [u64]) {
        assert_len(a, self.n);
        self.dispatch_forward::<false>(a);
    }

    /// Runs the forward transform on this table's path; `REDUCE` selects outputs in `[0, q)`
    /// (fused into the last stage by the SIMD paths) instead of `[0, 4q)`.
    #[inline]
    fn dispatch_forward<const REDUCE: bool>(&self, a: &mut [u64]) {
        match self.path {
            #[cfg(target_arch = "x86_64")]
            NttPath::Avx2 => avx2::forward::<REDUCE>(self, a),
            #[cfg(target_arch = "x86_64")]
            NttPath::Avx512 => avx512::forward::<REDUCE>(self, a),
            #[cfg(target_arch = "x86_64")]
            NttPath::Avx512Ifma => ifma::forward::<REDUCE>(self, a),
            // The SIMD paths are never available elsewhere; scalar code is always correct.
            _ => scalar::forward::<REDUCE>(self, a),
        }
    }

    /// Inverse transform in place, including the factor `1/N`: inputs in `[0, 2q)`, outputs in
    /// `[0, q)`. `a.len()` must be `N`.
    pub fn inverse(&self, a: &mut [u64]) {
        assert_len(a, self.n);
        self.dispatch_inverse::<true>(a);
    }

    /// Inverse transform without the final reduction: inputs in `[0, 2q)`, outputs in `[0, 2q)`.
    pub fn inverse_lazy(&self, a: &mut [u64]) {
        assert_len(a, self.n);
        self.dispatch_inverse::<false>(a);
    }

    /// Runs the inverse transform on this table's path; `REDUCE` selects outputs in `[0, q)`
    /// (fused into the last stage by the SIMD paths) instead of `[0, 2q)`.
    #[inline]
    fn dispatch_inverse<const REDUCE: bool>(&self, a: &mut [u64]) {
        match self.path {
            #[cfg(target_arch = "x86_64")]
            NttPath::Avx2 => avx2::inverse::<REDUCE>(self, a),
            #[cfg(target_arch = "x86_64")]
            NttPath::Avx512 => avx512::inverse::<REDUCE>(self, a),
            #[cfg(target_arch = "x86_64")]
            NttPath::Avx512Ifma => ifma::inverse::<REDUCE>(self, a),
            // The SIMD paths are never available elsewhere; scalar code is always correct.
            _ => scalar::inverse::<REDUCE>(self, a),
        }
    }
}

/// The transforms take a slice of exactly `N` values; a different length is a bug in the
/// caller (every polynomial type checks its shape on construction), not a recoverable error.
#[expect(
    clippy::panic,
    reason = "a slice of the wrong length is a caller bug; see above"
)]
#[inline]
fn assert_len(a: &[u64], n: usize) {
    if a.len() != n {
        panic!("NTT of size {n} called on a slice of length {}", a.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q: u64 = 1_152_921_504_606_584_833; // 0xffffffffffc0001, from SEAL's tests

    #[test]
    fn seal_known_answers() {
        let t = NttTable::new(4, Q).unwrap();
        assert_eq!(
            t.root_powers(),
            &[
                1,
                288794978602139552,
                178930308976060547,
                748001537669050592
            ]
        );
        let t = NttTable::new(2, Q).unwrap();
        let mut a = [1u64, 1];
        t.forward(&mut a);
        assert_eq!(a, [288794978602139553, 864126526004445282]);
        t.inverse(&mut a);
        assert_eq!(a, [1, 1]);
    }

    #[test]
    fn rejects_bad_inputs() {
        assert!(matches!(
            NttTable::new(3, Q),
            Err(Error::InvalidDegree { .. })
        ));
        assert!(matches!(
            NttTable::new(1 << 18, Q),
            Err(Error::InvalidDegree { .. })
        ));
        // 1 mod 8 but not 1 mod 2^15.
        assert!(matches!(
            NttTable::new(1 << 14, 17),
            Err(Error::NotNttFriendly { .. })
        ));
        assert!(matches!(
            NttTable::new(4, 1 << 61),
            Err(Error::InvalidModulus { .. })
        ));
    }
}
