//! Matrix-free conjugate gradients on the centred normal equations (or the kernel system when
//! p > n), and the budget under which `Auto` tries them before a direct solve on dense X.

use rayon::prelude::*;

use super::prepared::{dual_to_primal, intercepts, scaled_centred_y, Prepared};
use super::{RidgeDesign, RidgeFit, RidgeParams, SolverUsed};
use crate::error::Result;
use crate::linalg::conjugate_gradients;

/// Tolerance and iteration cap of conjugate gradients run in place of a direct solve.
#[derive(Clone, Copy, Debug)]
pub(super) struct CgBudget {
    tol: f64,
    max_iter: usize,
}

/// Relative residual at which `Auto`'s CG stands in for the direct solve: the residual is
/// re-checked against the true one, so the solution is as good as a Cholesky one up to the
/// condition number times this.
const AUTO_CG_TOL: f64 = 1e-12;

/// Whether `Auto` should try CG first on dense X, and with what budget. The direct solve costs
/// about `m²·M` flops for `m = min(n, p)`, `M = max(n, p)`, compute-bound; a CG iteration is one
/// memory-bound pass over X (kernel form for p > n, the row-block fused `X̃ᵀWX̃v` for n ≥ p),
/// about as long as `m/12` of those flops at one pass ≈ 8·n·p bytes. The cap keeps a failed
/// attempt below half the direct cost; small problems go straight to the direct solve.
pub(super) fn auto_cg_budget(n: usize, p: usize, tol: f64) -> Option<CgBudget> {
    let m = n.min(p);
    if m < 256 {
        return None;
    }
    Some(CgBudget {
        tol: tol.min(AUTO_CG_TOL),
        max_iter: m / 24,
    })
}

/// Matrix-free conjugate gradients with `X̃ = X − 1μᵀ` applied implicitly (X is only touched
/// through column dots and axpys, never densified or copied). When n ≥ p: Jacobi-preconditioned
/// CG on `(X̃ᵀWX̃ + αI)β = X̃ᵀW(y − ȳ)`; when p > n, as scikit-learn's `sparse_cg`, on the
/// n-dimensional kernel system `(D X̃X̃ᵀ D + αI)a = D(y − ȳ)` with `β = X̃ᵀDa`.
///
/// With a `budget` (the `Auto` choice on dense wide X), its tolerance and iteration cap replace
/// the user's, and the fit stops at the first target that misses them so the caller can fall
/// back to the direct solve.
pub(super) fn fit_cg<D: RidgeDesign>(
    x: &D,
    y: &[f64],
    t: usize,
    w: Option<&[f64]>,
    prm: &RidgeParams,
    pr: &Prepared,
    budget: Option<CgBudget>,
) -> Result<RidgeFit> {
    let (n, p) = (pr.n, pr.p);
    let limits = CgBudget {
        tol: budget.map_or(prm.tol(), |b| b.tol),
        max_iter: budget.map_or_else(
            || prm.max_iter().unwrap_or(10 * p.max(n).max(100)),
            |b| b.max_iter,
        ),
    };
    let stop_on_miss = budget.is_some();
    let ys = scaled_centred_y(y, pr);
    let (coef, n_iter, converged) = if p > n {
        cg_on_kernel(x, t, prm, pr, &ys, limits, stop_on_miss)
    } else {
        cg_on_gram(x, t, w, prm, pr, &ys, limits, stop_on_miss)
    };
    crate::interrupt::check()?;
    let intercept = intercepts(&coef, p, &pr.x_mean, &pr.y_mean, prm.fit_intercept());
    Ok(RidgeFit {
        coef,
        intercept,
        solver: SolverUsed::Cg,
        n_iter,
        converged,
    })
}

/// p > n: CG on the kernel system `(D X̃X̃ᵀ D + αI)a = D(y − ȳ)` per target, then `β = X̃ᵀDa`.
fn cg_on_kernel<D: RidgeDesign>(
    x: &D,
    t: usize,
    prm: &RidgeParams,
    pr: &Prepared,
    ys: &[f64],
    limits: CgBudget,
    stop_on_miss: bool,
) -> (Vec<f64>, usize, bool) {
    let n = pr.n;
    let mu = &pr.x_mean;
    let apply = |v: &[f64], out: &mut [f64]| {
        let s: Vec<f64> = v.iter().zip(&pr.sqrt_w).map(|(a, b)| a * b).collect();
        x.kernel_apply(mu, &s, out);
        out.iter_mut().zip(&pr.sqrt_w).for_each(|(o, s)| *o *= s);
    };
    let mut dual = vec![0.0; n * t];
    let (n_iter, converged) = solve_targets(t, n, &mut dual, stop_on_miss, |k| {
        conjugate_gradients(
            apply,
            &ys[k * n..(k + 1) * n],
            None,
            prm.alphas()[k],
            limits.tol,
            limits.max_iter,
        )
    });
    (dual_to_primal(x, &dual, t, pr), n_iter, converged)
}

/// n ≥ p: Jacobi-preconditioned CG on `(X̃ᵀWX̃ + αI)β = X̃ᵀW(y − ȳ)` per target.
#[allow(clippy::too_many_arguments)]
fn cg_on_gram<D: RidgeDesign>(
    x: &D,
    t: usize,
    w: Option<&[f64]>,
    prm: &RidgeParams,
    pr: &Prepared,
    ys: &[f64],
    limits: CgBudget,
    stop_on_miss: bool,
) -> (Vec<f64>, usize, bool) {
    let p = pr.p;
    let weights: Vec<f64> = w.map_or_else(|| vec![1.0; pr.n], |w| w.to_vec());
    let mu = &pr.x_mean;
    let (diag, rhs) = gram_diagonal_and_rhs(x, t, &weights, prm.fit_intercept(), pr, ys);
    let apply = |v: &[f64], out: &mut [f64]| x.gram_apply(mu, &weights, v, out);
    let mut coef = vec![0.0; p * t];
    let (n_iter, converged) = solve_targets(t, p, &mut coef, stop_on_miss, |k| {
        let alpha = prm.alphas()[k];
        let b = &rhs[k * p..(k + 1) * p];
        let precond = jacobi(&diag, alpha);
        conjugate_gradients(apply, b, Some(&precond), alpha, limits.tol, limits.max_iter)
    });
    (coef, n_iter, converged)
}

/// Runs `solve(k)` for the targets in order, copying each solution (length `dim`) into `out`;
/// returns the largest iteration count and whether every target converged. With `stop_on_miss`
/// it stops at the first target that does not, leaving the rest zero.
fn solve_targets(
    t: usize,
    dim: usize,
    out: &mut [f64],
    stop_on_miss: bool,
    mut solve: impl FnMut(usize) -> (Vec<f64>, usize, bool),
) -> (usize, bool) {
    let (mut n_iter, mut converged) = (0, true);
    for k in 0..t {
        let (sol, it, ok) = solve(k);
        out[k * dim..(k + 1) * dim].copy_from_slice(&sol);
        n_iter = n_iter.max(it);
        converged &= ok;
        if !ok && stop_on_miss {
            break;
        }
    }
    (n_iter, converged)
}

/// diag(X̃ᵀWX̃) for the Jacobi preconditioner and b = X̃ᵀW(y − ȳ) (`p × t`): from `prepare` when
/// it computed them (intercept fitted), else in one pass over X.
fn gram_diagonal_and_rhs<D: RidgeDesign>(
    x: &D,
    t: usize,
    weights: &[f64],
    fit_intercept: bool,
    pr: &Prepared,
    ys: &[f64],
) -> (Vec<f64>, Vec<f64>) {
    if !pr.x_ss.is_empty() && !pr.xt_wy.is_empty() {
        return (pr.x_ss.clone(), pr.xt_wy.clone());
    }
    let (n, p) = (pr.n, pr.p);
    let mu = &pr.x_mean;
    let wy: Vec<f64> = (0..n * t).map(|ik| pr.sqrt_w[ik % n] * ys[ik]).collect();
    let wy_sum: Vec<f64> = wy.chunks(n).map(|r| r.iter().sum()).collect();
    let cols: Vec<(f64, Vec<f64>)> = (0..p)
        .into_par_iter()
        .map(|j| {
            let (m, ss) = x.col_moments(j, Some(weights), pr.w_sum);
            let d = if fit_intercept {
                ss
            } else {
                ss + pr.w_sum * m * m
            };
            let b = wy
                .chunks(n)
                .zip(&wy_sum)
                .map(|(r, s)| x.col_dot(j, r) - mu[j] * s)
                .collect();
            (d, b)
        })
        .collect();
    let mut rhs = vec![0.0; p * t];
    for (j, c) in cols.iter().enumerate() {
        for (k, v) in c.1.iter().enumerate() {
            rhs[k * p + j] = *v;
        }
    }
    (cols.into_iter().map(|c| c.0).collect::<Vec<f64>>(), rhs)
}

/// `1/(d_j + α)`, or 1 where that is not positive.
fn jacobi(diag: &[f64], alpha: f64) -> Vec<f64> {
    diag.iter()
        .map(|d| {
            if d + alpha > 0.0 {
                1.0 / (d + alpha)
            } else {
                1.0
            }
        })
        .collect()
}
