//! The [`Context`]: validated parameters plus every table derived from them, shared by `Arc`.

use std::fmt;
use std::sync::Arc;

use crate::encoding::SlotFft;
use crate::error::{Error, Result};
use crate::math::Modulus;
use crate::math::sampling::GaussianSampler;
use crate::params::Parameters;
use crate::ring::{BasisConverter, ModDown, RnsBasis};

/// Parameters and precomputed tables: NTT tables for every prime, the key-switching base
/// converters for every level and digit, the encoder's FFT tables, and the parameter id that
/// every object made under this context carries.
///
/// Cloning is cheap (an `Arc`).
///
/// ```
/// use ckks::{Context, params::Preset};
/// let ctx = Context::new(Preset::RefA.literal().build()?)?;
/// assert_eq!(ctx.max_level(), 2);
/// assert_eq!(ctx.params().n(), 8192);
/// # Ok::<(), ckks::Error>(())
/// ```
#[derive(Clone)]
pub struct Context(Arc<Inner>);

struct Inner {
    params: Parameters,
    id: u64,
    q: Arc<RnsBasis>,
    p: Arc<RnsBasis>,
    fft: SlotFft,
    gaussian: GaussianSampler,
    /// `mod_up[level][digit]`: from the digit's primes (within `Q_level`) to `Q_level` then `P`.
    mod_up: Vec<Vec<BasisConverter>>,
    mod_down: ModDown,
    /// `P mod q_i`, for key generation.
    p_mod_q: Vec<u64>,
}

impl Context {
    /// Builds every table for `params`.
    pub fn new(params: Parameters) -> Result<Self> {
        let n = params.n();
        let q = RnsBasis::new(n, params.q())?;
        let p = RnsBasis::new(n, params.p())?;
        let alpha = params.digit_size();
        let mut mod_up = Vec::with_capacity(q.len());
        for level in 0..q.len() {
            let q_level = &q.moduli()[..=level];
            let targets: Vec<Modulus> = q_level.iter().chain(p.moduli()).copied().collect();
            let converters = q_level
                .chunks(alpha)
                .map(|digit| BasisConverter::new(digit, &targets))
                .collect::<Result<Vec<_>>>()?;
            mod_up.push(converters);
        }
        let mod_down = ModDown::new(&q, &p)?;
        let p_mod_q = q
            .moduli()
            .iter()
            .map(|qi| {
                p.moduli()
                    .iter()
                    .fold(1 % qi.value(), |acc, pj| qi.mul(acc, qi.reduce(pj.value())))
            })
            .collect();
        let fft = SlotFft::new(n)?;
        let gaussian = GaussianSampler::new(params.sigma())?;
        let id = params.id();
        Ok(Self(Arc::new(Inner {
            params,
            id,
            q,
            p,
            fft,
            gaussian,
            mod_up,
            mod_down,
            p_mod_q,
        })))
    }

    /// The parameters.
    pub fn params(&self) -> &Parameters {
        &self.0.params
    }

    /// The parameter id every object made under this context carries.
    pub fn id(&self) -> u64 {
        self.0.id
    }

    /// The highest level.
    pub fn max_level(&self) -> usize {
        self.0.params.max_level()
    }

    /// The default scale `2^log_scale`.
    pub fn default_scale(&self) -> f64 {
        self.0.params.default_scale()
    }

    /// The ring degree N.
    pub fn n(&self) -> usize {
        self.0.params.n()
    }

    /// The ciphertext basis `q_0, ..., q_L`.
    pub fn q_basis(&self) -> &Arc<RnsBasis> {
        &self.0.q
    }

    /// The key-switching basis `p_0, ..., p_{k-1}`.
    pub fn p_basis(&self) -> &Arc<RnsBasis> {
        &self.0.p
    }

    pub(crate) fn fft(&self) -> &SlotFft {
        &self.0.fft
    }

    pub(crate) fn gaussian(&self) -> &GaussianSampler {
        &self.0.gaussian
    }

    pub(crate) fn mod_up(&self, level: usize) -> &[BasisConverter] {
        &self.0.mod_up[level]
    }

    pub(crate) fn mod_down(&self) -> &ModDown {
        &self.0.mod_down
    }

    pub(crate) fn p_mod_q(&self) -> &[u64] {
        &self.0.p_mod_q
    }

    /// Whether two contexts are the same object or describe the same parameters.
    pub fn same_as(&self, other: &Context) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.id == other.0.id
    }

    /// Checks that an object carrying `id` belongs to this context.
    pub(crate) fn check_id(&self, what: &'static str, id: u64) -> Result<()> {
        if id == self.0.id {
            Ok(())
        } else {
            Err(Error::ParameterMismatch {
                what,
                expected: self.0.id,
                got: id,
            })
        }
    }

    /// `log2(Q_level)`.
    pub fn log_q_at(&self, level: usize) -> f64 {
        self.0.params.log_q_at(level)
    }

    /// The prime `q_level`.
    pub fn q_at(&self, level: usize) -> u64 {
        self.0.q.moduli()[level.min(self.max_level())].value()
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("log_n", &self.0.params.log_n())
            .field("levels", &(self.max_level() + 1))
            .field("special_primes", &self.0.p.len())
            .field("log_scale", &self.0.params.log_scale())
            .field("id", &format_args!("{:016x}", self.0.id))
            .finish()
    }
}
