//! [`Polynomial`]: a polynomial to evaluate on ciphertexts, in the power (monomial) or the
//! Chebyshev basis, with its evaluation plan (baby-step giant-step splitting at minimal depth).
//!
//! # How a polynomial is evaluated
//!
//! A polynomial of degree `d` is evaluated at depth `ceil(log2(d + 1))`, plus one level for the
//! affine change of variable `y = (2x - a - b) / (b - a)` of a Chebyshev series on `[a, b]`
//! (none when `2 / (b - a)` is an integer, as on `[-1, 1]`).
//!
//! 1. **Powers.** `T_1 = y`; `T_2k = 2 T_k^2 - 1`; `T_(a+b) = 2 T_a T_b - T_(a-b)` with `a`
//!    the largest power of two below `k = a + b`: `T_k` sits at depth `ceil(log2 k)`. (In the
//!    power basis, `x^(a+b) = x^a x^b`.) Only the powers the plan uses are computed.
//! 2. **Splitting** (Paterson-Stockmeyer / baby-step giant-step): `p = q T_(2^j) + r` with
//!    `2^j` the largest power of two not above the degree (for Chebyshev series,
//!    `T_(2^j + i) = 2 T_(2^j) T_i - T_(2^j - i)` gives `q` and `r`), recursively, until a part
//!    has degree below the baby-step bound `B`: it is then a linear combination of
//!    `T_1, ..., T_(B-1)` (scalar multiplications only). A part on the critical path whose
//!    scalar multiplications would cost one level too many is split further. `B` is chosen to
//!    minimise the number of ciphertext-ciphertext multiplications.
//! 3. **Scales.** Every part is computed to land at a prescribed level and *exact* scale: a
//!    linear combination multiplies `c_i T_i` by `c_i` encoded at `target * q / scale(T_i)`
//!    (`q` the prime the sum is then rescaled by), and a quotient `q` is evaluated at scale
//!    `target * q_l / scale(T_(2^j))`, so that every addition adds equal scales and the result
//!    arrives at the requested scale (as Lattigo's evaluator does).

use std::collections::BTreeSet;

use crate::error::{Error, Result};

/// The basis of a [`Polynomial`]'s coefficients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// `p(x) = c_0 + c_1 x + c_2 x^2 + ...` (no change of variable).
    Monomial,
    /// `p(x) = c_0 T_0(y) + c_1 T_1(y) + ...` with `y = (2x - a - b) / (b - a)` on `[a, b]`
    /// (Chebyshev polynomials of the first kind). Well conditioned: prefer it for degrees above
    /// a few, and for inputs that are not in `[-1, 1]`.
    Chebyshev,
}

/// A part of the evaluation plan.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    /// A constant.
    Const(f64),
    /// `c_0 + sum c_i T_i` (scalar multiplications of baby-step powers only).
    Leaf(Vec<f64>),
    /// `q T_power + r`.
    Split {
        power: usize,
        q: Box<Node>,
        r: Box<Node>,
    },
}

/// How a polynomial is evaluated: the tree of splits, the powers it uses, its costs.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Plan {
    /// The tree (the root is not a constant unless the polynomial is).
    pub(crate) root: Node,
    /// Levels consumed by the tree (without the change of variable).
    pub(crate) depth: usize,
    /// Every power `T_k` (or `x^k`) the evaluation computes, `T_1` included.
    pub(crate) powers: BTreeSet<usize>,
    /// Ciphertext-ciphertext multiplications (each followed by a relinearization).
    pub(crate) products: usize,
    /// The baby-step bound `B`.
    pub(crate) baby: usize,
}

/// A polynomial to evaluate homomorphically with
/// [`Evaluator::evaluate_polynomial`](crate::Evaluator::evaluate_polynomial): its coefficients,
/// basis and interval, and the evaluation plan, computed once at construction so that
/// [`depth`](Self::depth) and the multiplication count are known before any key exists.
///
/// ```
/// use ckks::circuits::Polynomial;
/// // A Chebyshev interpolant of tanh on [-4, 4]: degree 31, 5 levels + 1 for the change of
/// // variable to [-1, 1].
/// let p = Polynomial::interpolate(f64::tanh, -4.0, 4.0, 31)?;
/// assert_eq!((p.degree(), p.depth()), (31, 6));
/// assert!((p.evaluate(1.0) - 1f64.tanh()).abs() < 1e-4);
/// // The built-in sigmoid fit of degree 7 on [-8, 8]: 3 levels + 1.
/// let s = Polynomial::sigmoid(7)?;
/// assert_eq!(s.depth(), 4);
/// assert!((s.evaluate(2.0) - 0.8808).abs() < 0.01);
/// # Ok::<(), ckks::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Polynomial {
    basis: Basis,
    coeffs: Vec<f64>,
    interval: (f64, f64),
    plan: Plan,
}

impl Polynomial {
    /// `p(x) = sum coeffs[k] x^k`, evaluated in the power basis on `x` itself. For inputs
    /// outside `[-1, 1]` or degrees above a few, [`monomial_on`](Self::monomial_on) (the same
    /// polynomial in the Chebyshev basis of an interval) is better conditioned.
    pub fn monomial(coeffs: &[f64]) -> Result<Self> {
        Self::build(Basis::Monomial, coeffs, (-1.0, 1.0))
    }

    /// `p(x) = sum coeffs[k] T_k((2x - a - b) / (b - a))`: a Chebyshev series on `[a, b]`.
    pub fn chebyshev(coeffs: &[f64], a: f64, b: f64) -> Result<Self> {
        check_interval(a, b)?;
        Self::build(Basis::Chebyshev, coeffs, (a, b))
    }

    /// The power-basis polynomial `sum coeffs[k] x^k` re-expressed exactly (up to rounding) as
    /// a Chebyshev series on `[a, b]`: the same function, evaluated stably for `x` in `[a, b]`.
    ///
    /// ```
    /// use ckks::circuits::{Basis, Polynomial};
    /// let p = Polynomial::monomial_on(&[1.0, -2.0, 0.0, 0.5], -3.0, 3.0)?;
    /// assert_eq!(p.basis(), Basis::Chebyshev);
    /// let x: f64 = 2.5;
    /// assert!((p.evaluate(x) - (1.0 - 2.0 * x + 0.5 * x.powi(3))).abs() < 1e-12);
    /// # Ok::<(), ckks::Error>(())
    /// ```
    pub fn monomial_on(coeffs: &[f64], a: f64, b: f64) -> Result<Self> {
        check_interval(a, b)?;
        check_coeffs(coeffs)?;
        // x = m y + h, and Horner's rule in Chebyshev arithmetic.
        let (m, h) = ((b - a) / 2.0, (a + b) / 2.0);
        let mut acc: Vec<f64> = Vec::with_capacity(coeffs.len());
        for &c in coeffs.iter().rev() {
            let mut next = vec![0.0; acc.len() + 1];
            for (j, &p) in acc.iter().enumerate() {
                // (m y + h) T_j = m (T_(j+1) + T_|j-1|) / 2 + h T_j, and y T_0 = T_1.
                next[j] += h * p;
                if j == 0 {
                    next[1] += m * p;
                } else {
                    next[j + 1] += m * p / 2.0;
                    next[j - 1] += m * p / 2.0;
                }
            }
            next[0] += c;
            acc = next;
        }
        Self::build(Basis::Chebyshev, &acc, (a, b))
    }

    /// The Chebyshev interpolant of `f` on `[a, b]` of the given degree: the series matching
    /// `f` at the `degree + 1` Chebyshev nodes (near-minimax for smooth functions).
    ///
    /// ```
    /// use ckks::circuits::Polynomial;
    /// let p = Polynomial::interpolate(f64::sin, 0.0, 3.0, 12)?;
    /// assert!((0..=30).all(|i| { let x = i as f64 / 10.0; (p.evaluate(x) - x.sin()).abs() < 1e-9 }));
    /// # Ok::<(), ckks::Error>(())
    /// ```
    pub fn interpolate(f: impl Fn(f64) -> f64, a: f64, b: f64, degree: usize) -> Result<Self> {
        check_interval(a, b)?;
        let n = degree + 1;
        let (m, h) = ((b - a) / 2.0, (a + b) / 2.0);
        let angles: Vec<f64> = (0..n)
            .map(|j| std::f64::consts::PI * (j as f64 + 0.5) / n as f64)
            .collect();
        let values: Vec<f64> = angles.iter().map(|t| f(m * t.cos() + h)).collect();
        if let Some(&bad) = values.iter().find(|v| !v.is_finite()) {
            return Err(Error::NonFiniteValue { value: bad });
        }
        let coeffs: Vec<f64> = (0..n)
            .map(|k| {
                let s: f64 = values
                    .iter()
                    .zip(&angles)
                    .map(|(v, t)| v * (k as f64 * t).cos())
                    .sum();
                s * if k == 0 { 1.0 } else { 2.0 } / n as f64
            })
            .collect();
        Self::build(Basis::Chebyshev, &coeffs, (a, b))
    }

    /// The least-squares sigmoid fits on `[-8, 8]` used for logistic regression on encrypted
    /// data (degrees 3, 5 and 7), in the Chebyshev basis of `[-8, 8]`:
    ///
    /// - 3: `0.5 + 0.15012 x - 0.001593 x^3`;
    /// - 5: `0.5 + 0.19131 x - 0.0045963 x^3 + 0.0000412332 x^5`;
    /// - 7: `0.5 + 0.216884 x - 0.00819276 x^3 + 0.000165861 x^5 - 0.00000119581 x^7`.
    ///
    /// Depth: `ceil(log2(degree + 1)) + 1`. Another degree is [`Error::InvalidArgument`].
    pub fn sigmoid(degree: usize) -> Result<Self> {
        let coeffs = sigmoid_monomial(degree)?;
        Self::monomial_on(&coeffs, -8.0, 8.0)
    }

    /// `x^2` (power basis). Its depth is 2 by the general rule (a scalar multiplication after
    /// the product, to land at an exact scale); `Evaluator::mul_relin` then `rescale` squares
    /// in one level when the natural scale `scale^2 / q` will do.
    pub fn square() -> Self {
        Self {
            basis: Basis::Monomial,
            coeffs: vec![0.0, 0.0, 1.0],
            interval: (-1.0, 1.0),
            plan: plan(Basis::Monomial, &[0.0, 0.0, 1.0]),
        }
    }

    /// The Chebyshev interpolant of `exp` on `[a, b]` of the given degree.
    pub fn exp(a: f64, b: f64, degree: usize) -> Result<Self> {
        Self::interpolate(f64::exp, a, b, degree)
    }

    /// The Chebyshev interpolant of the square root on `[a, b]` (`0 <= a < b`) of the given
    /// degree. Accurate away from 0 (the square root is not smooth there): on `[a, b]` with
    /// `a > 0` the error falls geometrically with the degree.
    pub fn sqrt(a: f64, b: f64, degree: usize) -> Result<Self> {
        if a.is_nan() || a < 0.0 {
            return Err(Error::InvalidArgument {
                op: "Polynomial::sqrt",
                reason: format!("the interval [{a}, {b}] must lie in [0, infinity)"),
            });
        }
        Self::interpolate(f64::sqrt, a, b, degree)
    }

    fn build(basis: Basis, coeffs: &[f64], interval: (f64, f64)) -> Result<Self> {
        check_coeffs(coeffs)?;
        let coeffs = trimmed(&cleaned(coeffs));
        let plan = plan(basis, &coeffs);
        Ok(Self {
            basis,
            coeffs,
            interval,
            plan,
        })
    }

    /// The basis of the coefficients.
    pub fn basis(&self) -> Basis {
        self.basis
    }

    /// The coefficients (trailing zeros removed; at least one).
    pub fn coefficients(&self) -> &[f64] {
        &self.coeffs
    }

    /// The interval `[a, b]` of a Chebyshev series (`[-1, 1]` for the power basis).
    pub fn interval(&self) -> (f64, f64) {
        self.interval
    }

    /// The degree.
    pub fn degree(&self) -> usize {
        self.coeffs.len() - 1
    }

    /// The levels an evaluation consumes: `ceil(log2(degree + 1))`, plus
    /// [`change_of_variable_depth`](Self::change_of_variable_depth).
    pub fn depth(&self) -> usize {
        self.plan.depth + self.change_of_variable_depth()
    }

    /// Levels spent on the change of variable `y = alpha x + beta` to `[-1, 1]`: 1, or 0 in the
    /// power basis and when `alpha = 2 / (b - a)` is an integer (a multiplication by an
    /// integer costs no level).
    pub fn change_of_variable_depth(&self) -> usize {
        match self.affine() {
            Some((alpha, _)) if !is_small_integer(alpha) => 1,
            _ => 0,
        }
    }

    /// The ciphertext-ciphertext multiplications an evaluation performs (powers and giant
    /// steps); each needs the relinearization key.
    pub fn nonscalar_multiplications(&self) -> usize {
        self.plan.products
    }

    /// The powers `T_k` (or `x^k`) an evaluation computes.
    pub fn powers(&self) -> Vec<usize> {
        self.plan.powers.iter().copied().collect()
    }

    /// The baby-step bound `B` of the plan: parts of degree below `B` are evaluated as linear
    /// combinations of `T_1 .. T_(B-1)`.
    pub fn baby_steps(&self) -> usize {
        self.plan.baby
    }

    /// `p(x)` in `f64` (Clenshaw's recurrence for Chebyshev series, Horner's rule otherwise).
    pub fn evaluate(&self, x: f64) -> f64 {
        match self.basis {
            Basis::Monomial => self.coeffs.iter().rev().fold(0.0, |acc, &c| acc * x + c),
            Basis::Chebyshev => {
                let (a, b) = self.interval;
                let y = (2.0 * x - a - b) / (b - a);
                let (mut b1, mut b2) = (0.0, 0.0);
                for &c in self.coeffs.iter().skip(1).rev() {
                    let b0 = 2.0 * y * b1 - b2 + c;
                    b2 = b1;
                    b1 = b0;
                }
                y * b1 - b2 + self.coeffs[0]
            }
        }
    }

    /// The change of variable `(alpha, beta)` to `[-1, 1]` of a Chebyshev series, `None` if it
    /// is the identity or the basis is the power basis.
    pub(crate) fn affine(&self) -> Option<(f64, f64)> {
        if self.basis != Basis::Chebyshev {
            return None;
        }
        let (a, b) = self.interval;
        let alpha = 2.0 / (b - a);
        let beta = -(a + b) / (b - a);
        if alpha == 1.0 && beta == 0.0 {
            None
        } else {
            Some((alpha, beta))
        }
    }

    pub(crate) fn plan(&self) -> &Plan {
        &self.plan
    }
}

/// Whether `x` is an integer small enough to multiply ciphertexts by (`mul_int`).
pub(crate) fn is_small_integer(x: f64) -> bool {
    x.fract() == 0.0 && x.abs() <= (1u64 << 31) as f64
}

fn check_interval(a: f64, b: f64) -> Result<()> {
    if !(a.is_finite() && b.is_finite() && a < b) {
        return Err(Error::InvalidArgument {
            op: "Polynomial",
            reason: format!("the interval [{a}, {b}] must be finite with a < b"),
        });
    }
    Ok(())
}

fn check_coeffs(coeffs: &[f64]) -> Result<()> {
    if coeffs.is_empty() {
        return Err(Error::InvalidArgument {
            op: "Polynomial",
            reason: "no coefficients: give at least the constant term".into(),
        });
    }
    if let Some(&bad) = coeffs.iter().find(|c| !c.is_finite()) {
        return Err(Error::NonFiniteValue { value: bad });
    }
    Ok(())
}

/// The power-basis coefficients of the sigmoid fits on `[-8, 8]`.
fn sigmoid_monomial(degree: usize) -> Result<Vec<f64>> {
    Ok(match degree {
        3 => vec![0.5, 0.15012, 0.0, -0.001593],
        5 => vec![0.5, 0.19131, 0.0, -0.0045963, 0.0, 0.0000412332],
        7 => vec![
            0.5,
            0.216884,
            0.0,
            -0.00819276,
            0.0,
            0.000165861,
            0.0,
            -0.00000119581,
        ],
        _ => {
            return Err(Error::InvalidArgument {
                op: "Polynomial::sigmoid",
                reason: format!(
                    "no built-in sigmoid fit of degree {degree}: use 3, 5 or 7, or \
                     Polynomial::interpolate for another degree"
                ),
            });
        }
    })
}

/// The coefficients with those below `2^-52` times the sum of their magnitudes set to zero:
/// they change no `f64` evaluation, and are the rounding noise of an interpolation (the even
/// coefficients of an odd function), whose removal lets the plan skip their powers.
fn cleaned(coeffs: &[f64]) -> Vec<f64> {
    let total: f64 = coeffs.iter().map(|c| c.abs()).sum();
    let floor = total * f64::EPSILON;
    coeffs
        .iter()
        .map(|&c| if c.abs() <= floor { 0.0 } else { c })
        .collect()
}

/// The coefficients without trailing zeros (at least the constant).
fn trimmed(coeffs: &[f64]) -> Vec<f64> {
    let len = coeffs.iter().rposition(|&c| c != 0.0).map_or(1, |i| i + 1);
    let mut out = coeffs[..len.min(coeffs.len())].to_vec();
    if out.is_empty() {
        out.push(0.0);
    }
    out
}

/// `ceil(log2(k))`: the depth of `T_k` (0 for `k <= 1`).
pub(crate) fn power_depth(k: usize) -> usize {
    if k <= 1 {
        0
    } else {
        (usize::BITS - (k - 1).leading_zeros()) as usize
    }
}

/// The number of bits of `d`: `ceil(log2(d + 1))`, the minimal depth of a degree-`d` part.
fn bits(d: usize) -> usize {
    (usize::BITS - d.leading_zeros()) as usize
}

/// How `T_k` (`k >= 2`) is computed: `(a, b)` with `a` the largest power of two below `k` and
/// `b = k - a`; `T_k = 2 T_a T_b - T_(a-b)` (Chebyshev) or `x^k = x^a x^b` (power basis).
pub(crate) fn power_factors(k: usize) -> (usize, usize) {
    let a = 1usize << (power_depth(k) - 1);
    (a, k - a)
}

/// `p = q T_n + r` (or `q x^n + r`) for `n <= degree < 2n`.
pub(crate) fn factorize(basis: Basis, coeffs: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    match basis {
        Basis::Monomial => (coeffs[n..].to_vec(), coeffs[..n].to_vec()),
        Basis::Chebyshev => {
            let mut r = coeffs[..n].to_vec();
            let mut q = vec![0.0; coeffs.len() - n];
            q[0] = coeffs[n];
            for (j, &c) in coeffs
                .iter()
                .enumerate()
                .skip(n + 1)
                .map(|(i, c)| (i - n, c))
            {
                // T_(n+j) = 2 T_n T_j - T_(n-j).
                q[j] = 2.0 * c;
                r[n - j] -= c;
            }
            (q, r)
        }
    }
}

/// The plan with the fewest ciphertext multiplications among baby-step bounds `2, 4, ...`, at
/// the minimal depth `ceil(log2(d + 1))` (a larger depth only if none fits, which the tests
/// show does not happen).
pub(crate) fn plan(basis: Basis, coeffs: &[f64]) -> Plan {
    let coeffs = trimmed(coeffs);
    let d = coeffs.len() - 1;
    if d == 0 {
        return Plan {
            root: Node::Const(coeffs[0]),
            depth: 0,
            powers: BTreeSet::new(),
            products: 0,
            baby: 1,
        };
    }
    let mut depth = bits(d);
    loop {
        let mut best: Option<Plan> = None;
        for s in 1..=bits(d) {
            let baby = 1usize << s;
            let Some(root) = plan_node(basis, &coeffs, depth, baby) else {
                continue;
            };
            let mut powers = BTreeSet::from([1usize]);
            let mut splits = 0usize;
            collect(&root, &mut powers, &mut splits);
            let powers = closure(basis, &powers);
            let products = powers.len() - 1 + splits;
            let candidate = Plan {
                root,
                depth,
                powers,
                products,
                baby,
            };
            if best
                .as_ref()
                .is_none_or(|b| candidate.products < b.products)
            {
                best = Some(candidate);
            }
        }
        if let Some(best) = best {
            return best;
        }
        depth += 1;
    }
}

/// The plan of one part, to be produced at depth `t` (levels below `T_1`), or `None` if it
/// does not fit.
fn plan_node(basis: Basis, coeffs: &[f64], t: usize, baby: usize) -> Option<Node> {
    let coeffs = trimmed(coeffs);
    let d = coeffs.len() - 1;
    if d == 0 {
        return Some(Node::Const(coeffs[0]));
    }
    let leaf_depth = coeffs
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, c)| **c != 0.0)
        .map(|(i, _)| power_depth(i) + 1)
        .max()
        .unwrap_or(0);
    if d < baby && leaf_depth <= t {
        return Some(Node::Leaf(coeffs));
    }
    let n = 1usize << (bits(d) - 1);
    if power_depth(n) + 1 > t {
        return None;
    }
    let (q, r) = factorize(basis, &coeffs, n);
    let q = plan_node(basis, &q, t - 1, baby)?;
    let r = plan_node(basis, &r, t, baby)?;
    Some(Node::Split {
        power: n,
        q: Box::new(q),
        r: Box::new(r),
    })
}

/// The powers used by the tree, and the number of splits with a non-constant quotient.
fn collect(node: &Node, powers: &mut BTreeSet<usize>, splits: &mut usize) {
    match node {
        Node::Const(_) => {}
        Node::Leaf(c) => {
            powers.extend(
                c.iter()
                    .enumerate()
                    .skip(1)
                    .filter(|(_, c)| **c != 0.0)
                    .map(|(i, _)| i),
            );
        }
        Node::Split { power, q, r } => {
            powers.insert(*power);
            if !matches!(**q, Node::Const(_)) {
                *splits += 1;
            }
            collect(q, powers, splits);
            collect(r, powers, splits);
        }
    }
}

/// The powers needed to compute `wanted` (their factors, recursively).
fn closure(basis: Basis, wanted: &BTreeSet<usize>) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    let mut stack: Vec<usize> = wanted.iter().copied().collect();
    while let Some(k) = stack.pop() {
        if k == 0 || !out.insert(k) || k == 1 {
            continue;
        }
        let (a, b) = power_factors(k);
        stack.push(a);
        stack.push(b);
        if basis == Basis::Chebyshev && a != b {
            stack.push(a - b);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((*seed >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }

    /// Evaluates a plan in f64, tracking the depth of every value as the homomorphic
    /// evaluation does; returns (value, depth of the result).
    fn run_plan(basis: Basis, node: &Node, y: f64, t: usize) -> (f64, usize) {
        let pw = |k: usize| -> f64 {
            match basis {
                Basis::Monomial => y.powi(k as i32),
                Basis::Chebyshev => (k as f64 * y.acos()).cos(),
            }
        };
        match node {
            Node::Const(c) => (*c, 0),
            Node::Leaf(c) => {
                let mut v = c[0];
                let mut dep = 0;
                for (i, &ci) in c.iter().enumerate().skip(1) {
                    if ci != 0.0 {
                        v += ci * pw(i);
                        dep = dep.max(power_depth(i) + 1);
                    }
                }
                assert!(dep <= t, "leaf at depth {dep} > {t}");
                (v, t)
            }
            Node::Split { power, q, r } => {
                let (qv, qd) = run_plan(basis, q, y, t - 1);
                assert!(qd < t && power_depth(*power) < t);
                let (rv, rd) = run_plan(basis, r, y, t);
                assert!(rd <= t);
                (qv * pw(*power) + rv, t)
            }
        }
    }

    #[test]
    fn minimal_depth_for_every_degree_and_basis() {
        let mut seed = 7u64;
        for basis in [Basis::Chebyshev, Basis::Monomial] {
            for d in 1..=140usize {
                for pattern in 0..3 {
                    // Dense, odd (plus a constant) and even coefficient patterns.
                    let coeffs: Vec<f64> = (0..=d)
                        .map(|i| {
                            let keep = match pattern {
                                0 => true,
                                1 => i % 2 == 1 || i == 0,
                                _ => i % 2 == 0,
                            };
                            if keep || i == d {
                                lcg(&mut seed) / (1.0 + i as f64)
                            } else {
                                0.0
                            }
                        })
                        .collect();
                    let p = plan(basis, &coeffs);
                    assert_eq!(p.depth, bits(d), "degree {d} {basis:?} pattern {pattern}");
                    for &y in &[-0.9, -0.3, 0.2, 0.7] {
                        let (v, _) = run_plan(basis, &p.root, y, p.depth);
                        let direct = match basis {
                            Basis::Monomial => coeffs.iter().rev().fold(0.0, |acc, &c| acc * y + c),
                            Basis::Chebyshev => coeffs
                                .iter()
                                .enumerate()
                                .map(|(k, c)| c * (k as f64 * y.acos()).cos())
                                .sum(),
                        };
                        assert!((v - direct).abs() < 1e-9, "degree {d}: {v} vs {direct}");
                    }
                }
            }
        }
    }

    #[test]
    fn baby_step_giant_step_saves_multiplications() {
        let coeffs: Vec<f64> = (0..=63).map(|i| 1.0 / (1.0 + i as f64)).collect();
        let p = plan(Basis::Chebyshev, &coeffs);
        assert_eq!(p.depth, 6);
        // Naively 62 products; Paterson-Stockmeyer needs about 2 sqrt(63) + log2(63).
        assert!(p.products <= 20, "{} products", p.products);
        let odd: Vec<f64> = (0..=7)
            .map(|i| if i % 2 == 1 { 1.0 } else { 0.0 })
            .collect();
        let p = plan(Basis::Chebyshev, &odd);
        assert_eq!(p.depth, 3);
        assert!(p.products <= 5, "{} products", p.products);
    }

    #[test]
    fn factorize_chebyshev_is_exact() {
        let coeffs = [0.3, -1.0, 0.5, 0.25, 2.0, -0.75, 0.125];
        let (q, r) = factorize(Basis::Chebyshev, &coeffs, 4);
        for &y in &[-0.8f64, 0.1, 0.6] {
            let t = |k: usize| (k as f64 * y.acos()).cos();
            let p: f64 = coeffs.iter().enumerate().map(|(k, c)| c * t(k)).sum();
            let qv: f64 = q.iter().enumerate().map(|(k, c)| c * t(k)).sum();
            let rv: f64 = r.iter().enumerate().map(|(k, c)| c * t(k)).sum();
            assert!((p - (qv * t(4) + rv)).abs() < 1e-12);
        }
    }

    #[test]
    fn sigmoid_fits_match_their_power_form() {
        for d in [3, 5, 7] {
            let s = Polynomial::sigmoid(d).unwrap();
            let m = Polynomial::monomial(&sigmoid_monomial(d).unwrap()).unwrap();
            assert_eq!(s.degree(), d);
            assert_eq!(s.depth(), bits(d) + 1);
            for i in -80..=80 {
                let x = i as f64 / 10.0;
                assert!((s.evaluate(x) - m.evaluate(x)).abs() < 1e-12);
            }
            // A sigmoid approximation on [-8, 8]: within 0.115, 0.048, 0.033 of the sigmoid.
            let tolerance = [0.115, 0.048, 0.033][(d - 3) / 2];
            for i in -80..=80 {
                let x = i as f64 / 10.0;
                let sig = 1.0 / (1.0 + (-x).exp());
                assert!((s.evaluate(x) - sig).abs() < tolerance, "degree {d} at {x}");
            }
        }
        assert!(matches!(
            Polynomial::sigmoid(4),
            Err(Error::InvalidArgument { .. })
        ));
    }

    #[test]
    fn interpolation_converges() {
        let p = Polynomial::exp(-2.0, 2.0, 20).unwrap();
        for i in -20..=20 {
            let x = i as f64 / 10.0;
            assert!((p.evaluate(x) - x.exp()).abs() < 1e-12);
        }
        let s = Polynomial::sqrt(0.25, 4.0, 30).unwrap();
        for i in 1..=16 {
            let x = i as f64 / 4.0;
            assert!((s.evaluate(x) - x.sqrt()).abs() < 1e-7, "sqrt({x})");
        }
        assert!(Polynomial::sqrt(-1.0, 1.0, 3).is_err());
        assert!(Polynomial::interpolate(f64::ln, -1.0, 1.0, 4).is_err());
        assert!(Polynomial::chebyshev(&[1.0], 1.0, 1.0).is_err());
        assert!(Polynomial::monomial(&[]).is_err());
    }

    #[test]
    fn change_of_variable_depth() {
        let c = [0.0, 1.0, 0.5];
        assert_eq!(
            Polynomial::chebyshev(&c, -1.0, 1.0)
                .unwrap()
                .change_of_variable_depth(),
            0
        );
        // alpha = 2 / (b - a) = 4: a multiplication by an integer.
        assert_eq!(
            Polynomial::chebyshev(&c, 0.0, 0.5)
                .unwrap()
                .change_of_variable_depth(),
            0
        );
        assert_eq!(
            Polynomial::chebyshev(&c, -8.0, 8.0)
                .unwrap()
                .change_of_variable_depth(),
            1
        );
        assert_eq!(Polynomial::monomial(&c).unwrap().depth(), 2);
        assert_eq!(Polynomial::square().depth(), 2);
    }
}
