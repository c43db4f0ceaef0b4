//! Direct solves of the normal equations: Cholesky (eigh when asked, or when `A + αI` is
//! singular) on the Gram for n ≥ p, on the kernel for p > n; `positive` goes to coordinate
//! descent on the Gram.

use super::params::check_one_alpha_per_target;
use super::positive::fit_positive;
use super::prepared::{check_has_rows, dual_to_primal, intercepts, scaled_centred_y, Prepared};
use super::{prepare, RidgeDesign, RidgeFit, RidgeParams, RidgeSolver, SolverUsed};
use crate::alloc::try_zeros;
use crate::error::{invalid, Result};
use crate::gram::GramStats;
use crate::linalg::{cholesky, cholesky_solve, least_squares, matmul_to, thin_qr, Eigh};
use faer::MatRef;

/// Solve `(A + α_k I) x_k = b_k` for every column k: Cholesky once per distinct α, falling
/// back to the eigendecomposition (minimum-norm solution) when A + αI is singular.
fn solve_shifted(
    a: &[f64],
    dim: usize,
    b: &[f64],
    alphas: &[f64],
    use_eigh: bool,
) -> Result<(Vec<f64>, bool)> {
    let m = alphas.len();
    let mut x = b.to_vec();
    if !use_eigh {
        let mut distinct: Vec<f64> = alphas.to_vec();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        let mut ok = true;
        for &alpha in &distinct {
            let Some(l) = cholesky(a, dim, alpha)? else {
                ok = false;
                break;
            };
            let cols: Vec<usize> = (0..m).filter(|&k| alphas[k] == alpha).collect();
            let mut rhs: Vec<f64> = cols
                .iter()
                .flat_map(|&k| b[k * dim..(k + 1) * dim].iter().copied())
                .collect();
            cholesky_solve(&l, dim, &mut rhs, cols.len());
            for (c, &k) in cols.iter().enumerate() {
                x[k * dim..(k + 1) * dim].copy_from_slice(&rhs[c * dim..(c + 1) * dim]);
            }
        }
        if ok {
            return Ok((x, false));
        }
    }
    let e = Eigh::new(a, dim)?;
    let z = e.project(b, m);
    Ok((e.solve_projected(&z, alphas), true))
}

/// Fit from sufficient statistics (Cholesky, eigh or positive CD on the Gram).
pub fn fit_stats(stats: &GramStats, prm: &RidgeParams) -> Result<RidgeFit> {
    let (p, t) = (stats.n_features(), stats.n_targets());
    check_one_alpha_per_target(prm, t)?;
    check_has_rows(stats)?;
    if prm.solver() == RidgeSolver::Cg {
        return Err(invalid(
            "solver",
            "'sparse_cg' needs X; use 'auto', 'cholesky' or 'eigh'",
        ));
    }
    let fi = prm.fit_intercept();
    let (g, c) = stats.system(fi)?;
    let (coef, solver, n_iter, converged) = if prm.positive() {
        let y_norm2: Vec<f64> = (0..t).map(|k| stats.y_norm2(k, fi)).collect();
        let (coef, it, conv) = fit_positive(&g, &c, &y_norm2, p, t, prm)?;
        (coef, SolverUsed::PositiveCd, it, conv)
    } else {
        let use_eigh = prm.solver() == RidgeSolver::Eigh;
        let (coef, fell_back) = solve_shifted(&g, p, &c, prm.alphas(), use_eigh)?;
        let s = if use_eigh || fell_back {
            SolverUsed::Eigh
        } else {
            SolverUsed::Cholesky
        };
        (coef, s, 1, true)
    };
    let intercept = intercepts(&coef, p, stats.x_mean(), stats.y_mean(), fi);
    Ok(RidgeFit {
        coef,
        intercept,
        solver,
        n_iter,
        converged,
    })
}

/// Cholesky or eigh on the Gram (n ≥ p) or on the kernel (p > n).
pub(super) fn fit_direct<D: RidgeDesign>(
    x: &D,
    y: &[f64],
    t: usize,
    w: Option<&[f64]>,
    prm: &RidgeParams,
) -> Result<RidgeFit> {
    if x.n_samples() >= x.n_features() {
        fit_stats(&x.gram_stats(y, t, w)?, prm)
    } else {
        let pr = prepare(x, y, t, w, prm.fit_intercept(), true, false)?;
        fit_dual(x, y, t, prm, &pr)
    }
}

/// Kernel (dual) solve for p > n: `a = (K + αI)⁻¹ √w(y − ȳ)`, `β = (X − 1μᵀ)ᵀ D a`.
pub(super) fn fit_dual<D: RidgeDesign>(
    x: &D,
    y: &[f64],
    t: usize,
    prm: &RidgeParams,
    pr: &Prepared,
) -> Result<RidgeFit> {
    let fi = prm.fit_intercept();
    let (n, p) = (pr.n, pr.p);
    let k = x.kernel(&pr.x_mean, &pr.x_ss, &pr.sqrt_w)?;
    let rhs = scaled_centred_y(y, pr);
    let use_eigh = prm.solver() == RidgeSolver::Eigh;
    let (a, fell_back) = solve_shifted(&k, n, &rhs, prm.alphas(), use_eigh)?;
    let in_row_space = fell_back && !use_eigh && prm.alphas().iter().all(|&alpha| alpha > 0.0);
    let coef = match x.dense_values() {
        Some(values) if in_row_space => ridge_in_row_space(values, pr, &rhs, prm.alphas())?,
        _ => dual_to_primal(x, &a, t, pr),
    };
    let intercept = intercepts(&coef, p, &pr.x_mean, &pr.y_mean, fi);
    Ok(RidgeFit {
        coef,
        intercept,
        solver: if use_eigh || fell_back {
            SolverUsed::EighDual
        } else {
            SolverUsed::CholeskyDual
        },
        n_iter: 1,
        converged: true,
    })
}

/// Ridge on dense X when Cholesky gave up on the kernel `K + αI` (every α > 0): with the thin
/// QR `Zᵀ = QR` of `Z = D(X − 1μᵀ)` (p × n), β lies in the span of Q, `β = Qγ`, and γ solves
/// the n × n Ridge problem `min ‖Rᵀγ − b‖² + α‖γ‖²` as the least-squares problem
/// `[Rᵀ; √α I] γ ≈ [b; 0]`. Working with Z and R instead of `K = RᵀR` keeps the digits that
/// squaring costs when weights span many decades or rows are nearly collinear, and β comes out
/// directly rather than through `Zᵀa`, which amplifies the error of `a`.
fn ridge_in_row_space(x: &[f64], pr: &Prepared, b: &[f64], alphas: &[f64]) -> Result<Vec<f64>> {
    let (n, p) = (pr.n, pr.p);
    let mut zt = try_zeros(p, n, || format!("a copy of the {n} × {p} design"))?;
    for i in 0..n {
        for j in 0..p {
            zt[i * p + j] = pr.sqrt_w[i] * (x[j * n + i] - pr.x_mean[j]);
        }
    }
    let (q, r) = thin_qr(&zt, p, n);
    drop(zt);
    let mut coef = vec![0.0; p * alphas.len()];
    let mut distinct: Vec<f64> = alphas.to_vec();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    let rows = 2 * n;
    for &alpha in &distinct {
        let mut stacked = vec![0.0; rows * n];
        for c in 0..n {
            for i in 0..n {
                stacked[c * rows + i] = r[i * n + c];
            }
            stacked[c * rows + n + c] = alpha.sqrt();
        }
        let cols: Vec<usize> = (0..alphas.len()).filter(|&k| alphas[k] == alpha).collect();
        let mut rhs = vec![0.0; rows * cols.len()];
        for (c, &k) in cols.iter().enumerate() {
            rhs[c * rows..c * rows + n].copy_from_slice(&b[k * n..(k + 1) * n]);
        }
        let gamma = least_squares(&stacked, rows, n, &rhs, cols.len());
        let mut beta = vec![0.0; p * cols.len()];
        matmul_to(
            &mut beta,
            MatRef::from_column_major_slice(&q, p, n),
            MatRef::from_column_major_slice(&gamma, n, cols.len()),
        );
        for (c, &k) in cols.iter().enumerate() {
            coef[k * p..(k + 1) * p].copy_from_slice(&beta[c * p..(c + 1) * p]);
        }
    }
    Ok(coef)
}
