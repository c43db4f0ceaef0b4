//! Ridge paths: coefficients for a grid of α from one eigendecomposition, of the Gram (n ≥ p,
//! or from statistics alone) or of the kernel (p > n).

use super::prepared::{
    check_has_rows, dual_to_primal, intercepts, path_intercepts, scaled_centred_y,
};
use super::{check_alphas, prepare, RidgeDesign, RidgePath};
use crate::alloc::try_with_capacity;
use crate::error::Result;
use crate::gram::GramStats;
use crate::linalg::Eigh;

/// Coefficients for every α of a grid from one eigendecomposition of the Gram.
pub fn path_stats(stats: &GramStats, alphas: &[f64], fit_intercept: bool) -> Result<RidgePath> {
    check_alphas(alphas, false)?;
    check_has_rows(stats)?;
    let (p, t) = (stats.n_features(), stats.n_targets());
    let (g, c) = stats.system(fit_intercept)?;
    let e = Eigh::new(&g, p)?;
    let z = e.project(&c, t);
    let mut coef = try_with_capacity(alphas.len() * t, p, || coef_name(alphas.len(), p))?;
    let mut intercept = Vec::with_capacity(alphas.len() * t);
    for &a in alphas {
        let b = e.solve_projected(&z, &vec![a; t]);
        intercept.extend(intercepts(
            &b,
            p,
            stats.x_mean(),
            stats.y_mean(),
            fit_intercept,
        ));
        coef.extend(b);
    }
    Ok(RidgePath { coef, intercept })
}

/// Ridge path on a design: the Gram's eigendecomposition when n ≥ p, the kernel's otherwise.
pub fn path<D: RidgeDesign>(
    x: &D,
    y: &[f64],
    t: usize,
    w: Option<&[f64]>,
    alphas: &[f64],
    fit_intercept: bool,
) -> Result<RidgePath> {
    check_alphas(alphas, false)?;
    let (n, p) = (x.n_samples(), x.n_features());
    if n >= p {
        let stats = x.gram_stats(y, t, w)?;
        return path_stats(&stats, alphas, fit_intercept);
    }
    let pr = prepare(x, y, t, w, fit_intercept, true, false)?;
    let k = x.kernel(&pr.x_mean, &pr.x_ss, &pr.sqrt_w)?;
    let e = Eigh::new(&k, n)?;
    let z = e.project(&scaled_centred_y(y, &pr), t);
    let mut dual = Vec::with_capacity(alphas.len() * t * n);
    for &a in alphas {
        dual.extend(e.solve_projected(&z, &vec![a; t]));
    }
    let coef = dual_to_primal(x, &dual, alphas.len() * t, &pr);
    let intercept = path_intercepts(&coef, p, t, &pr.x_mean, &pr.y_mean, fit_intercept);
    Ok(RidgePath { coef, intercept })
}

/// How an error names the coefficients of a path.
pub(super) fn coef_name(n_alphas: usize, p: usize) -> String {
    format!("the coefficients of {n_alphas} alphas × {p} features")
}
