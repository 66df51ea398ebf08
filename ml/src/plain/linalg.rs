//! Dense linear algebra the trainers need: a symmetric positive-definite solve.

use ndarray::{Array1, Array2};

use crate::error::{Error, Result};

/// Solves `a x = b` for symmetric positive-definite `a` by Cholesky factorisation.
pub(crate) fn solve_spd(a: &Array2<f64>, b: &Array1<f64>) -> Result<Array1<f64>> {
    let n = a.nrows();
    if a.ncols() != n || b.len() != n {
        return Err(Error::ShapeMismatch {
            what: "linear system",
            expected: n,
            found: b.len(),
        });
    }
    // Lower factor L with a = L L^T.
    let mut l = Array2::<f64>::zeros((n, n));
    let scale = (0..n).map(|i| a[[i, i]].abs()).fold(0.0, f64::max).max(1.0);
    for j in 0..n {
        let mut d = a[[j, j]];
        for k in 0..j {
            d -= l[[j, k]] * l[[j, k]];
        }
        if d.is_nan() || d <= 1e-13 * scale {
            return Err(Error::Singular { n, pivot: j });
        }
        let d = d.sqrt();
        l[[j, j]] = d;
        for i in j + 1..n {
            let mut s = a[[i, j]];
            for k in 0..j {
                s -= l[[i, k]] * l[[j, k]];
            }
            l[[i, j]] = s / d;
        }
    }
    // Forward then backward substitution.
    let mut y = Array1::<f64>::zeros(n);
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= l[[i, k]] * y[k];
        }
        y[i] = s / l[[i, i]];
    }
    let mut x = Array1::<f64>::zeros(n);
    for i in (0..n).rev() {
        let mut s = y[i];
        for k in i + 1..n {
            s -= l[[k, i]] * x[k];
        }
        x[i] = s / l[[i, i]];
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn solves_and_detects_singular() {
        let a = array![[4.0, 2.0, 0.6], [2.0, 5.0, 1.0], [0.6, 1.0, 3.0]];
        let x = array![1.0, -2.0, 0.5];
        let b = a.dot(&x);
        let got = solve_spd(&a, &b).unwrap();
        for (g, e) in got.iter().zip(&x) {
            assert!((g - e).abs() < 1e-12);
        }
        let s = array![[1.0, 1.0], [1.0, 1.0]];
        assert!(matches!(
            solve_spd(&s, &array![1.0, 1.0]),
            Err(Error::Singular { n: 2, pivot: 1 })
        ));
    }
}
