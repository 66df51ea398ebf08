//! The canonical embedding restricted to the rotation group: CKKS's slot transform.

use super::complex::Complex64;
use crate::error::{Error, Result};
use crate::math::log2_exact;

/// The generator of the rotation group: slot `j` is the evaluation at `zeta^(5^j)`.
pub const ROTATION_GENERATOR: u64 = 5;

/// The slot transform of CKKS for ring degree `N`: between the real coefficients of a
/// polynomial in `R[X]/(X^N + 1)` and its `N/2` complex slots.
///
/// # Conventions (the rest of the library relies on these)
///
/// With `zeta = exp(i * pi / N)`, a primitive `2N`-th root of unity, **slot `j` of a
/// real-coefficient polynomial `m(X)` is `m(zeta^(5^j mod 2N))` for `j < N/2`**: the canonical
/// embedding restricted to the powers of the Galois generator 5, as in HEAAN, Lattigo and
/// OpenFHE (the other `N/2` evaluations are the complex conjugates of these). It follows that
///
/// - multiplying polynomials in `R[X]/(X^N + 1)` multiplies their slots element-wise;
/// - the automorphism `X -> X^(5^r mod 2N)` rotates the slots **left** by `r`: slot `j` of the
///   result is slot `j + r mod N/2` of the input ([`SlotFft::galois_element`] gives the
///   element for a rotation, negative `r` rotating right);
/// - the automorphism `X -> X^(2N - 1)` conjugates every slot
///   ([`SlotFft::conjugation_element`]).
///
/// # Sparse packing
///
/// The methods accept `m` slots, `m` a power of two in `[1, N/2]`. With `m < N/2` the
/// polynomial lives in the subring `R[Y]/(Y^(2m) + 1)`, `Y = X^gap` with `gap = N/(2m)`: only
/// the coefficients at multiples of `gap` are non-zero, and the full slot vector is the `m`
/// values repeated `N/(2m)` times (slot `j + m*t` equals slot `j`). Decoding an arbitrary
/// polynomial with `m` slots reads only the coefficients at multiples of `gap`, which returns
/// the average of the slots `j, j + m, j + 2m, ...`: the projection onto the subring.
///
/// Inside the subring, coefficient `gap * j` holds `Re(u_j)` and coefficient `gap * (j + m)`
/// holds `Im(u_j)` for `j < m`, where `u` is the special inverse FFT of the slots (HEAAN's
/// `fftSpecialInv`): `sum_k u_k w^k` evaluated at `w = zeta^(gap * 5^j)` is slot `j`.
///
/// Both directions run in `O(m log m)` with twiddles precomputed once (each computed directly
/// from `sin` and `cos`, see [`Complex64::root_of_unity`]) and allocate nothing.
///
/// ```
/// use ckks::{Complex64, encoding::SlotFft};
/// let fft = SlotFft::new(16)?;
/// let slots: Vec<Complex64> = (0..8).map(|j| Complex64::new(j as f64, -1.0)).collect();
/// let mut coeffs = vec![0.0; 16];
/// fft.slots_to_coeffs(&slots, &mut coeffs)?; // encode direction (before scaling)
/// let mut back = vec![Complex64::ZERO; 8];
/// fft.coeffs_to_slots(&coeffs, &mut back)?; // decode direction
/// for (a, b) in slots.iter().zip(&back) {
///     assert!((*a - *b).norm() < 1e-14);
/// }
/// // X -> X^(5^r) rotates left by r.
/// assert_eq!(fft.galois_element(1), 5);
/// assert_eq!(fft.galois_element(-1), fft.galois_element(7));
/// # Ok::<(), ckks::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct SlotFft {
    n: usize,
    /// `5^j mod 2N` for `j < N/2`.
    rot_group: Vec<u64>,
    /// For every butterfly stage of half-length `h` (`h = 1, 2, ..., N/4`), entry `h + j`
    /// (`j < h`) holds `exp(2 * pi * i * (5^j mod 8h) / 8h)`. Entry 0 is unused.
    twiddles: Vec<Complex64>,
}

impl SlotFft {
    /// Precomputes the transform for ring degree `n`, a power of two in `[2^1, 2^17]`.
    pub fn new(n: usize) -> Result<Self> {
        crate::ntt::checked_log_degree(n)?;
        let two_n = 2 * n as u64;
        let half = n / 2;
        let mut rot_group = Vec::with_capacity(half);
        let mut g = 1u64;
        for _ in 0..half {
            rot_group.push(g);
            g = g * ROTATION_GENERATOR % two_n;
        }
        let mut twiddles = vec![Complex64::ONE; half.max(1)];
        let mut h = 1;
        while h < half {
            let order = 8 * h as u64;
            for j in 0..h {
                twiddles[h + j] = Complex64::root_of_unity(rot_group[j] % order, order);
            }
            h *= 2;
        }
        Ok(Self {
            n,
            rot_group,
            twiddles,
        })
    }

    /// The ring degree `N`.
    pub fn degree(&self) -> usize {
        self.n
    }

    /// The largest number of slots, `N/2`.
    pub fn max_slots(&self) -> usize {
        self.n / 2
    }

    /// The rotation group: entry `j` is `5^j mod 2N`, for `j < N/2`.
    pub fn rotation_group(&self) -> &[u64] {
        &self.rot_group
    }

    /// The Galois element `5^r mod 2N` of the automorphism that rotates the slots left by `r`
    /// (right by `-r` for negative `r`); `r` is taken modulo `N/2`. With `m < N/2` slots it
    /// rotates those `m` slots by `r mod m`.
    pub fn galois_element(&self, r: i64) -> u64 {
        let half = self.rot_group.len() as i64;
        let idx = r.rem_euclid(half) as usize;
        self.rot_group.get(idx).copied().unwrap_or(1)
    }

    /// The Galois element `2N - 1` of the automorphism `X -> X^-1` that conjugates every slot.
    pub fn conjugation_element(&self) -> u64 {
        2 * self.n as u64 - 1
    }

    /// The root `zeta^k = exp(i * pi * k / N)`, computed directly.
    pub fn root(&self, k: u64) -> Complex64 {
        Complex64::root_of_unity(k, 2 * self.n as u64)
    }

    /// Checks a slot count: a power of two in `[1, N/2]`; returns its base-2 logarithm.
    fn check_slots(&self, m: usize) -> Result<u32> {
        match log2_exact(m) {
            Some(l) if m <= self.max_slots() => Ok(l),
            _ => Err(Error::InvalidSlotCount {
                slots: m,
                n: self.n,
                max: self.max_slots(),
            }),
        }
    }

    fn check_degree_len(&self, what: &'static str, got: usize) -> Result<()> {
        if got == self.n {
            Ok(())
        } else {
            Err(Error::ShapeMismatch {
                what,
                expected: self.n,
                got,
            })
        }
    }

    /// The encode direction: writes to `out` (length `N`) the real coefficients of the
    /// polynomial whose slots are `slots` (before scaling by `Delta` and rounding).
    ///
    /// `slots.len() = m` must be a power of two in `[1, N/2]`; with `m < N/2` the result lies
    /// in the subring `X -> X^(N/(2m))` and its full slot vector repeats the `m` values (see
    /// the type's documentation). Allocation-free: `out` serves as scratch.
    pub fn slots_to_coeffs(&self, slots: &[Complex64], out: &mut [f64]) -> Result<()> {
        let m = slots.len();
        let log_m = self.check_slots(m)?;
        self.check_degree_len("coefficient buffer length", out.len())?;
        let gap = self.n / (2 * m);
        {
            let (re, rest) = out.split_at_mut(m);
            let im = &mut rest[..m];
            for ((r, i), z) in re.iter_mut().zip(im.iter_mut()).zip(slots) {
                *r = z.re;
                *i = z.im;
            }
            self.inverse_split(re, im, log_m);
        }
        let scale = 1.0 / m as f64;
        if gap == 1 {
            for c in out.iter_mut() {
                *c *= scale;
            }
            return Ok(());
        }
        // Spread the compact [re | im] layout to the multiples of `gap`, moving the imaginary
        // half first and both from the top down, so that no value is overwritten before it is
        // read: for gap >= 2 every target index is at least its source index and above every
        // source not yet moved.
        for j in (0..m).rev() {
            out[gap * (j + m)] = out[m + j] * scale;
        }
        for j in (0..m).rev() {
            out[gap * j] = out[j] * scale;
        }
        for chunk in out.chunks_exact_mut(gap) {
            chunk[1..].fill(0.0);
        }
        Ok(())
    }

    /// The decode direction: writes to `slots` (length `m`) the first `m` slots of the
    /// polynomial with real coefficients `coeffs` (length `N`, after scaling down by `Delta`).
    ///
    /// `m` must be a power of two in `[1, N/2]`. Only the coefficients at multiples of
    /// `gap = N/(2m)` are read; for a polynomial outside the subring this yields the average
    /// of the slots `j, j + m, j + 2m, ...` (see the type's documentation). Allocation-free.
    pub fn coeffs_to_slots(&self, coeffs: &[f64], slots: &mut [Complex64]) -> Result<()> {
        let m = slots.len();
        let log_m = self.check_slots(m)?;
        self.check_degree_len("coefficient slice length", coeffs.len())?;
        let gap = self.n / (2 * m);
        let half = self.n / 2;
        for (j, z) in slots.iter_mut().enumerate() {
            *z = Complex64::new(coeffs[gap * j], coeffs[gap * j + half]);
        }
        self.forward(slots, log_m);
        Ok(())
    }

    /// The special FFT in place: `vals` (length `m`, a power of two in `[1, N/2]`) holds the
    /// coefficients `u_k` of `U(Y) = sum_k u_k Y^k` and is replaced by the evaluations
    /// `U(w^(5^j mod 4m))`, `j < m`, with `w = exp(i * pi / (2m))`. This is
    /// [`SlotFft::coeffs_to_slots`] without the gathering of coefficients.
    pub fn special_fft(&self, vals: &mut [Complex64]) -> Result<()> {
        let log_m = self.check_slots(vals.len())?;
        self.forward(vals, log_m);
        Ok(())
    }

    /// The inverse of [`SlotFft::special_fft`] in place, including the factor `1/m`.
    pub fn special_ifft(&self, vals: &mut [Complex64]) -> Result<()> {
        let m = vals.len();
        let log_m = self.check_slots(m)?;
        let mut h = m / 2;
        while h >= 1 {
            let tw = &self.twiddles[h..2 * h];
            for chunk in vals.chunks_exact_mut(2 * h) {
                let (lo, hi) = chunk.split_at_mut(h);
                for ((a, b), w) in lo.iter_mut().zip(hi.iter_mut()).zip(tw) {
                    let (x, y) = (*a, *b);
                    *a = x + y;
                    *b = (x - y) * w.conj();
                }
            }
            h /= 2;
        }
        bit_reverse_permute(log_m, |i, j| vals.swap(i, j));
        let scale = 1.0 / m as f64;
        for v in vals.iter_mut() {
            *v = v.scale(scale);
        }
        Ok(())
    }

    /// Bit-reversal, then Cooley-Tukey butterflies with the rotation-group twiddles (HEAAN's
    /// `fftSpecial`). `vals.len() = 2^log_m <= N/2`.
    fn forward(&self, vals: &mut [Complex64], log_m: u32) {
        let m = vals.len();
        bit_reverse_permute(log_m, |i, j| vals.swap(i, j));
        let mut h = 1;
        while h < m {
            let tw = &self.twiddles[h..2 * h];
            for chunk in vals.chunks_exact_mut(2 * h) {
                let (lo, hi) = chunk.split_at_mut(h);
                for ((a, b), w) in lo.iter_mut().zip(hi.iter_mut()).zip(tw) {
                    let t = *b * *w;
                    let x = *a;
                    *a = x + t;
                    *b = x - t;
                }
            }
            h *= 2;
        }
    }

    /// The inverse of `forward` on split real and imaginary parts (each of length `2^log_m`),
    /// without the factor `1/m`: Gentleman-Sande butterflies with conjugated twiddles, then
    /// bit-reversal (HEAAN's `fftSpecialInv`).
    fn inverse_split(&self, re: &mut [f64], im: &mut [f64], log_m: u32) {
        let m = re.len();
        let mut h = m / 2;
        while h >= 1 {
            let tw = &self.twiddles[h..2 * h];
            for (re_chunk, im_chunk) in re.chunks_exact_mut(2 * h).zip(im.chunks_exact_mut(2 * h)) {
                let (re_lo, re_hi) = re_chunk.split_at_mut(h);
                let (im_lo, im_hi) = im_chunk.split_at_mut(h);
                for ((((ar, br), ai), bi), w) in re_lo
                    .iter_mut()
                    .zip(re_hi.iter_mut())
                    .zip(im_lo.iter_mut())
                    .zip(im_hi.iter_mut())
                    .zip(tw)
                {
                    let (xr, xi, yr, yi) = (*ar, *ai, *br, *bi);
                    *ar = xr + yr;
                    *ai = xi + yi;
                    let (dr, di) = (xr - yr, xi - yi);
                    // (dr + i di) * conj(w)
                    *br = dr * w.re + di * w.im;
                    *bi = di * w.re - dr * w.im;
                }
            }
            h /= 2;
        }
        bit_reverse_permute(log_m, |i, j| {
            re.swap(i, j);
            im.swap(i, j);
        });
    }
}

/// Calls `swap(i, bitrev(i))` once for every pair `i < bitrev(i)` among `0..2^log_m`.
#[inline]
fn bit_reverse_permute(log_m: u32, mut swap: impl FnMut(usize, usize)) {
    if log_m < 2 {
        return; // sizes 1 and 2 are fixed by bit reversal
    }
    let shift = usize::BITS - log_m;
    for i in 1..(1usize << log_m) - 1 {
        let j = i.reverse_bits() >> shift;
        if i < j {
            swap(i, j);
        }
    }
}

/// The first `slots` slots of the polynomial with real coefficients `coeffs`, by direct
/// evaluation at `zeta^(5^j mod 2N)` (`N = coeffs.len()`, `zeta = exp(i * pi / N)`): the
/// definition [`SlotFft`] must match. Time `O(N * slots)`: for tests and self-checks.
///
/// ```
/// use ckks::encoding::{SlotFft, naive_slots};
/// let fft = SlotFft::new(8)?;
/// let coeffs = [1.0, 2.0, 0.0, -1.0, 0.5, 0.0, 0.0, 3.0];
/// let mut fast = vec![ckks::Complex64::ZERO; 4];
/// fft.coeffs_to_slots(&coeffs, &mut fast)?;
/// for (a, b) in fast.iter().zip(naive_slots(&coeffs, 4)) {
///     assert!((*a - b).norm() < 1e-13);
/// }
/// # Ok::<(), ckks::Error>(())
/// ```
pub fn naive_slots(coeffs: &[f64], slots: usize) -> Vec<Complex64> {
    let n = coeffs.len();
    let two_n = 2 * n as u64;
    if n == 0 {
        return vec![Complex64::ZERO; slots];
    }
    let roots: Vec<Complex64> = (0..two_n)
        .map(|k| Complex64::root_of_unity(k, two_n))
        .collect();
    let mut g = 1u64;
    (0..slots)
        .map(|_| {
            let point = g;
            g = g * ROTATION_GENERATOR % two_n;
            coeffs
                .iter()
                .enumerate()
                .map(|(k, &c)| roots[(point * k as u64 % two_n) as usize] * c)
                .sum()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    fn random_slots(rng: &mut ChaCha20Rng, m: usize) -> Vec<Complex64> {
        (0..m)
            .map(|_| Complex64::new(rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)))
            .collect()
    }

    fn max_err(a: &[Complex64], b: &[Complex64]) -> f64 {
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(b)
            .map(|(x, y)| (*x - *y).norm())
            .fold(0.0, f64::max)
    }

    /// Negacyclic product in R[X]/(X^N + 1), quadratic time.
    fn negacyclic_mul(a: &[f64], b: &[f64]) -> Vec<f64> {
        let n = a.len();
        let mut c = vec![0.0; n];
        for (i, &x) in a.iter().enumerate() {
            for (j, &y) in b.iter().enumerate() {
                if i + j < n {
                    c[i + j] += x * y;
                } else {
                    c[i + j - n] -= x * y;
                }
            }
        }
        c
    }

    /// The automorphism X -> X^k on real coefficients.
    fn automorphism(a: &[f64], k: u64) -> Vec<f64> {
        let n = a.len();
        let two_n = 2 * n as u64;
        let mut out = vec![0.0; n];
        for (i, &x) in a.iter().enumerate() {
            let e = (i as u64 * k % two_n) as usize;
            if e < n {
                out[e] += x;
            } else {
                out[e - n] -= x;
            }
        }
        out
    }

    #[test]
    fn rejects_bad_shapes() {
        assert!(matches!(
            SlotFft::new(12),
            Err(Error::InvalidDegree { n: 12, .. })
        ));
        assert!(SlotFft::new(1).is_err());
        assert!(SlotFft::new(1 << 18).is_err());
        let fft = SlotFft::new(16).unwrap();
        let mut out = vec![0.0; 16];
        assert_eq!(
            fft.slots_to_coeffs(&[Complex64::ZERO; 3], &mut out),
            Err(Error::InvalidSlotCount {
                slots: 3,
                n: 16,
                max: 8
            })
        );
        assert!(
            fft.slots_to_coeffs(&[Complex64::ZERO; 16], &mut out)
                .is_err()
        );
        assert!(fft.slots_to_coeffs(&[], &mut out).is_err());
        assert!(matches!(
            fft.slots_to_coeffs(&[Complex64::ZERO; 4], &mut out[..15]),
            Err(Error::ShapeMismatch { .. })
        ));
        let mut slots = vec![Complex64::ZERO; 4];
        assert!(fft.coeffs_to_slots(&out[..8], &mut slots).is_err());
        assert!(fft.special_fft(&mut [Complex64::ZERO; 6]).is_err());
    }

    #[test]
    fn rotation_group_and_elements() {
        let fft = SlotFft::new(32).unwrap();
        assert_eq!(&fft.rotation_group()[..4], &[1, 5, 25, 125 % 64]);
        assert_eq!(fft.galois_element(0), 1);
        assert_eq!(fft.galois_element(2), 25);
        assert_eq!(fft.galois_element(16), 1);
        assert_eq!(fft.galois_element(-1), fft.galois_element(15));
        assert_eq!(fft.conjugation_element(), 63);
        // Every element of the group is 1 mod 4 and they are distinct.
        let mut g = fft.rotation_group().to_vec();
        assert!(g.iter().all(|x| x % 4 == 1));
        g.sort_unstable();
        g.dedup();
        assert_eq!(g.len(), 16);
        let fft = SlotFft::new(2).unwrap();
        assert_eq!(fft.galois_element(-3), 1);
        assert_eq!(fft.root(1), Complex64::I);
    }

    /// Both directions against the naive evaluation, for every degree up to 2^10 and every
    /// slot count.
    #[test]
    fn matches_naive_evaluation() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for log_n in 1..=10 {
            let n = 1usize << log_n;
            let fft = SlotFft::new(n).unwrap();
            let mut m = 1;
            while m <= n / 2 {
                let slots = random_slots(&mut rng, m);
                let mut coeffs = vec![f64::NAN; n];
                fft.slots_to_coeffs(&slots, &mut coeffs).unwrap();
                // The encoding lies in the subring and has the requested slots, repeated.
                let gap = n / (2 * m);
                assert!(
                    coeffs
                        .iter()
                        .enumerate()
                        .all(|(k, &c)| k.is_multiple_of(gap) || c == 0.0)
                );
                let full = naive_slots(&coeffs, n / 2);
                for (j, z) in full.iter().enumerate() {
                    assert!((*z - slots[j % m]).norm() < 1e-13, "n={n} m={m} j={j}");
                }
                // Decoding random coefficients matches the naive evaluation in the subring.
                let mut sub = vec![0.0; n];
                for k in (0..n).step_by(gap) {
                    sub[k] = rng.random_range(-1.0..1.0);
                }
                let mut fast = vec![Complex64::ZERO; m];
                fft.coeffs_to_slots(&sub, &mut fast).unwrap();
                let err = max_err(&fast, &naive_slots(&sub, m));
                assert!(err < 1e-12 * (n as f64).sqrt(), "n={n} m={m} err={err}");
                m *= 2;
            }
        }
    }

    /// Decoding with m < N/2 slots projects onto the subring: the average of slots j + m*t.
    #[test]
    fn sparse_decoding_averages() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let n = 64;
        let fft = SlotFft::new(n).unwrap();
        let coeffs: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
        let full = naive_slots(&coeffs, n / 2);
        for m in [1, 2, 4, 8, 16] {
            let mut fast = vec![Complex64::ZERO; m];
            fft.coeffs_to_slots(&coeffs, &mut fast).unwrap();
            for (j, z) in fast.iter().enumerate() {
                let reps = n / (2 * m);
                let avg: Complex64 = (0..reps).map(|t| full[j + m * t]).sum::<Complex64>();
                assert!((*z - avg / reps as f64).norm() < 1e-12, "m={m} j={j}");
            }
        }
    }

    #[test]
    fn round_trips_up_to_max_degree() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        for log_n in [1, 2, 3, 11, 13, 17] {
            let n = 1usize << log_n;
            let fft = SlotFft::new(n).unwrap();
            for m in [1, 2, n / 8, n / 2] {
                if m == 0 || m > n / 2 {
                    continue;
                }
                let slots = random_slots(&mut rng, m);
                let mut coeffs = vec![0.0; n];
                fft.slots_to_coeffs(&slots, &mut coeffs).unwrap();
                let mut back = vec![Complex64::ZERO; m];
                fft.coeffs_to_slots(&coeffs, &mut back).unwrap();
                let err = max_err(&slots, &back);
                assert!(err < 1e-14 * (log_n as f64 + 1.0), "n={n} m={m} err={err}");
                // And the special FFT pair directly.
                let mut v = slots.clone();
                fft.special_ifft(&mut v).unwrap();
                fft.special_fft(&mut v).unwrap();
                assert!(max_err(&slots, &v) < 1e-14 * (log_n as f64 + 1.0));
            }
        }
    }

    /// The encoding of a real vector is a polynomial whose coefficients match the special
    /// inverse FFT layout: coefficient gap*j = Re(u_j), gap*(j+m) = Im(u_j).
    #[test]
    fn coefficient_layout() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let n = 32;
        let fft = SlotFft::new(n).unwrap();
        let m = 4;
        let slots = random_slots(&mut rng, m);
        let mut u = slots.clone();
        fft.special_ifft(&mut u).unwrap();
        let mut coeffs = vec![0.0; n];
        fft.slots_to_coeffs(&slots, &mut coeffs).unwrap();
        let gap = n / (2 * m);
        for (j, z) in u.iter().enumerate() {
            assert_eq!(coeffs[gap * j], z.re);
            assert_eq!(coeffs[gap * (j + m)], z.im);
        }
    }

    /// The homomorphic property: the negacyclic product of two encodings has the slot-wise
    /// product as its slots, for full and sparse packing.
    #[test]
    fn multiplication_is_slotwise() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        for (n, m) in [(4, 2), (64, 32), (64, 8), (256, 128), (256, 1)] {
            let fft = SlotFft::new(n).unwrap();
            let a = random_slots(&mut rng, m);
            let b = random_slots(&mut rng, m);
            let (mut ca, mut cb) = (vec![0.0; n], vec![0.0; n]);
            fft.slots_to_coeffs(&a, &mut ca).unwrap();
            fft.slots_to_coeffs(&b, &mut cb).unwrap();
            let prod = negacyclic_mul(&ca, &cb);
            let mut got = vec![Complex64::ZERO; m];
            fft.coeffs_to_slots(&prod, &mut got).unwrap();
            let want: Vec<Complex64> = a.iter().zip(&b).map(|(x, y)| *x * *y).collect();
            assert!(max_err(&got, &want) < 1e-13, "n={n} m={m}");
            // The full slot vector of the product too.
            let full = naive_slots(&prod, n / 2);
            for (j, z) in full.iter().enumerate() {
                assert!((*z - want[j % m]).norm() < 1e-12);
            }
        }
    }

    /// X -> X^(5^r) rotates slots left by r; X -> X^(2N-1) conjugates them.
    #[test]
    fn automorphisms_rotate_and_conjugate() {
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        for (n, m) in [(8, 4), (64, 32), (64, 8), (512, 256)] {
            let fft = SlotFft::new(n).unwrap();
            let slots = random_slots(&mut rng, m);
            let mut coeffs = vec![0.0; n];
            fft.slots_to_coeffs(&slots, &mut coeffs).unwrap();
            for r in [1i64, 2, 3, -1, -5, (n / 2) as i64 - 1] {
                let k = fft.galois_element(r);
                let rotated = automorphism(&coeffs, k);
                let mut got = vec![Complex64::ZERO; m];
                fft.coeffs_to_slots(&rotated, &mut got).unwrap();
                let mm = m as i64;
                let want: Vec<Complex64> = (0..mm)
                    .map(|j| slots[(j + r).rem_euclid(mm) as usize])
                    .collect();
                assert!(max_err(&got, &want) < 1e-13, "n={n} m={m} r={r}");
            }
            let conj = automorphism(&coeffs, fft.conjugation_element());
            let mut got = vec![Complex64::ZERO; m];
            fft.coeffs_to_slots(&conj, &mut got).unwrap();
            let want: Vec<Complex64> = slots.iter().map(|z| z.conj()).collect();
            assert!(max_err(&got, &want) < 1e-13, "n={n} m={m} conj");
        }
    }

    /// Real slots give a real polynomial, and a constant slot vector c gives the constant c.
    #[test]
    fn constants_and_real_slots() {
        let n = 128;
        let fft = SlotFft::new(n).unwrap();
        let slots = vec![Complex64::from(2.5); n / 2];
        let mut coeffs = vec![0.0; n];
        fft.slots_to_coeffs(&slots, &mut coeffs).unwrap();
        assert!((coeffs[0] - 2.5).abs() < 1e-14);
        assert!(coeffs[1..].iter().all(|c| c.abs() < 1e-14));
    }
}
