//! One Ridge fit on a design: picks the solver (`Auto` by shape, sparsity and a CG budget) and
//! falls back to the direct solve when the budgeted CG misses its tolerance.

use super::cg::{auto_cg_budget, fit_cg};
use super::direct::{fit_direct, fit_dual, fit_stats};
use super::params::check_one_alpha_per_target;
use super::{prepare, RidgeDesign, RidgeFit, RidgeParams, RidgeSolver};
use crate::error::Result;

/// Fit Ridge on `x` with `y` column-major `n × t` and optional sample weights.
pub fn fit<D: RidgeDesign>(
    x: &D,
    y: &[f64],
    t: usize,
    w: Option<&[f64]>,
    prm: &RidgeParams,
) -> Result<RidgeFit> {
    let (n, p) = (x.n_samples(), x.n_features());
    check_one_alpha_per_target(prm, t)?;
    if prm.positive() {
        let stats = x.gram_stats(y, t, w)?;
        return fit_stats(&stats, prm);
    }
    let fi = prm.fit_intercept();
    let cg = || {
        fit_cg(
            x,
            y,
            t,
            w,
            prm,
            &prepare(x, y, t, w, fi, true, p <= n)?,
            None,
        )
    };
    // The sparse Gram is dense p × p; worth it only for few features.
    let sparse_gram = p <= 2048 && p <= n;
    match prm.solver() {
        RidgeSolver::Cg => cg(),
        RidgeSolver::Auto if x.is_sparse() => {
            if sparse_gram {
                fit_stats(&x.gram_stats(y, t, w)?, prm)
            } else {
                cg()
            }
        }
        RidgeSolver::Auto => fit_auto_dense(x, y, t, w, prm),
        RidgeSolver::Cholesky | RidgeSolver::Eigh => fit_direct(x, y, t, w, prm),
    }
}

/// `Auto` on dense X: CG within [`auto_cg_budget`] when the problem is large enough, keeping
/// the kernel statistics for the dual solve if it misses; the direct solve otherwise.
fn fit_auto_dense<D: RidgeDesign>(
    x: &D,
    y: &[f64],
    t: usize,
    w: Option<&[f64]>,
    prm: &RidgeParams,
) -> Result<RidgeFit> {
    let (n, p) = (x.n_samples(), x.n_features());
    if let Some(budget) = auto_cg_budget(n, p, prm.tol()) {
        let pr = prepare(x, y, t, w, prm.fit_intercept(), true, p <= n)?;
        let f = fit_cg(x, y, t, w, prm, &pr, Some(budget))?;
        if f.converged {
            return Ok(f);
        }
        if p > n {
            return fit_dual(x, y, t, prm, &pr);
        }
    }
    fit_direct(x, y, t, w, prm)
}
