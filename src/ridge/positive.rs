//! `positive=True`: projected coordinate descent on the Gram.

/// Coordinate descent for `min ½βᵀ(G + αI)β − cᵀβ` subject to `β ≥ 0`. Stops when the largest
/// projected-gradient entry is below `tol · ‖c‖∞`.
pub(super) fn positive_cd(
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
