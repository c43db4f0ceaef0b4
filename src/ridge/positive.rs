//! `positive=True`: projected coordinate descent on the Gram, one target at a time.

use super::RidgeParams;

/// Coordinate descent for `min ½βᵀ(G + αI)β − cᵀβ` subject to `β ≥ 0`. Stops when the largest
/// projected-gradient entry is below `tol · ‖c‖∞`.
fn positive_cd(
    g: &[f64],
    p: usize,
    c: &[f64],
    alpha: f64,
    tol: f64,
    max_iter: usize,
) -> (Vec<f64>, usize, bool) {
    let mut beta = vec![0.0; p];
    let mut grad: Vec<f64> = c.iter().map(|v| -v).collect();
    let scale = c.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if scale == 0.0 {
        return (beta, 0, true);
    }
    for epoch in 1..=max_iter {
        for j in 0..p {
            let h = g[j * p + j] + alpha;
            if h <= 0.0 {
                continue;
            }
            let new = (beta[j] - grad[j] / h).max(0.0);
            let d = new - beta[j];
            if d != 0.0 {
                beta[j] = new;
                let col = &g[j * p..(j + 1) * p];
                for (gi, ci) in grad.iter_mut().zip(col) {
                    *gi += d * ci;
                }
                grad[j] += d * alpha;
            }
        }
        let violation = (0..p).fold(0.0f64, |m, j| {
            let v = if beta[j] > 0.0 {
                grad[j].abs()
            } else {
                (-grad[j]).max(0.0)
            };
            m.max(v)
        });
        if violation <= tol * scale {
            return (beta, epoch, true);
        }
    }
    (beta, max_iter, false)
}

/// [`positive_cd`] for each target's right-hand side (`c` is `p × t`); returns the
/// coefficients, the largest epoch count and whether every target converged.
pub(super) fn fit_positive(
    g: &[f64],
    c: &[f64],
    p: usize,
    t: usize,
    prm: &RidgeParams,
) -> (Vec<f64>, usize, bool) {
    let max_iter = prm.max_iter().unwrap_or(100_000);
    let mut coef = vec![0.0; p * t];
    let (mut it, mut conv) = (0, true);
    for k in 0..t {
        let (b, i, ok) = positive_cd(
            g,
            p,
            &c[k * p..(k + 1) * p],
            prm.alphas()[k],
            prm.tol(),
            max_iter,
        );
        coef[k * p..(k + 1) * p].copy_from_slice(&b);
        it = it.max(i);
        conv &= ok;
    }
    (coef, it, conv)
}
