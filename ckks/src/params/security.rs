//! The HomomorphicEncryption.org security standard: the largest modulus for a ring degree.

use serde::{Deserialize, Serialize};

/// A classical security level of the HomomorphicEncryption.org standard (ternary secret,
/// error standard deviation 3.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SecurityLevel {
    /// 128-bit classical security (the default).
    #[default]
    #[serde(rename = "128")]
    Classical128,
    /// 192-bit classical security.
    #[serde(rename = "192")]
    Classical192,
    /// 256-bit classical security.
    #[serde(rename = "256")]
    Classical256,
}

impl SecurityLevel {
    /// The number of bits of security.
    pub const fn bits(self) -> u32 {
        match self {
            SecurityLevel::Classical128 => 128,
            SecurityLevel::Classical192 => 192,
            SecurityLevel::Classical256 => 256,
        }
    }
}

/// The largest `log2(PQ)` (bits of the whole key-switching modulus) that reaches `level` at
/// ring degree `2^log_n`, for a uniform ternary secret; `None` outside `log_n = 10..=17`.
///
/// ```
/// use ckks::params::{max_log_qp, SecurityLevel};
/// assert_eq!(max_log_qp(13, SecurityLevel::Classical128), Some(218));
/// assert_eq!(max_log_qp(15, SecurityLevel::Classical256), Some(476));
/// ```
pub fn max_log_qp(log_n: u32, level: SecurityLevel) -> Option<u32> {
    const TABLE_128: [u32; 8] = [27, 54, 109, 218, 438, 881, 1747, 3523];
    const TABLE_192: [u32; 8] = [19, 37, 75, 152, 305, 611, 1199, 2411];
    const TABLE_256: [u32; 8] = [14, 29, 58, 118, 237, 476, 929, 1866];
    let table = match level {
        SecurityLevel::Classical128 => &TABLE_128,
        SecurityLevel::Classical192 => &TABLE_192,
        SecurityLevel::Classical256 => &TABLE_256,
    };
    log_n
        .checked_sub(10)
        .and_then(|i| table.get(i as usize))
        .copied()
}
