//! Exact leave-one-out residuals for a grid of α from one eigendecomposition, on the Gram
//! (n > p) or the kernel (p ≥ n), as scikit-learn's `_RidgeGCV`.

use faer::MatRef;

use super::path::coef_name;
use super::prepared::{dual_to_primal, path_intercepts, scaled_centred_y, Prepared};
use super::{check_alphas, prepare, RidgeDesign, RidgeLoo, RidgePath};
use crate::alloc::try_zeros;
use crate::error::Result;
use crate::linalg::{matmul_to, Eigh};

/// Where the leave-one-out computation works: on the `p × p` Gram or the `n × n` kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LooMode {
    Auto,
    Gram,
    Kernel,
}

/// Exact leave-one-out residuals for every α from one eigendecomposition (scikit-learn's
/// `_RidgeGCV`): `e_i = r_i / (1 − h_i − w_i/W)` with the hat diagonal `h` of the centred
/// problem and the unpenalised intercept adding `w_i/W`. α must be > 0.
pub fn loo<D: RidgeDesign>(
    x: &D,
    y: &[f64],
    t: usize,
    w: Option<&[f64]>,
    alphas: &[f64],
    fit_intercept: bool,
    mode: LooMode,
) -> Result<RidgeLoo> {
    check_alphas(alphas, true)?;
    let pr = prepare(x, y, t, w, fit_intercept, true, false)?;
    let ys = scaled_centred_y(y, &pr);
    let use_gram = match mode {
        LooMode::Gram => true,
        LooMode::Kernel => false,
        LooMode::Auto => pr.n > pr.p,
    };
    if use_gram {
        loo_on_gram(x, y, w, alphas, fit_intercept, &pr, &ys)
    } else {
        loo_on_kernel(x, alphas, fit_intercept, &pr, &ys)
    }
}

/// Gram form: with `Z = D(X − 1μᵀ)V` the design in the Gram's eigenbasis and `s_α = 1/(λ + α)`,
/// the hat diagonal is `Z² s_α` and the fitted values are `Z (s_α ∘ Vᵀc)`.
fn loo_on_gram<D: RidgeDesign>(
    x: &D,
    y: &[f64],
    w: Option<&[f64]>,
    alphas: &[f64],
    fit_intercept: bool,
    pr: &Prepared,
    ys: &[f64],
) -> Result<RidgeLoo> {
    let (n, p, t, na) = (pr.n, pr.p, pr.t, alphas.len());
    let icpt = intercept_leverage(pr, fit_intercept);
    let stats = x.gram_stats(y, t, w)?;
    let (g, c) = stats.system(fit_intercept)?;
    let e = Eigh::new(&g, p)?;
    let z = design_in_eigenbasis(x, &e, pr);
    let shrink: Vec<f64> = alphas.iter().flat_map(|&a| e.shrink(a)).collect();
    let hat = squared_times(&z, n, p, &shrink, na);
    let zc = e.project(&c, t);
    let mut errors = vec![0.0; na * t * n];
    let mut coef = try_zeros(na * t, p, || coef_name(na, p))?;
    let mut fitted = vec![0.0; n * na];
    for k in 0..t {
        let s = scale_rows(&shrink, &zc[k * p..(k + 1) * p], na);
        matmul_to(
            &mut fitted,
            MatRef::from_column_major_slice(&z, n, p),
            MatRef::from_column_major_slice(&s, p, na),
        );
        let b = e.expand(&s, na);
        for a in 0..na {
            coef[(a * t + k) * p..(a * t + k + 1) * p].copy_from_slice(&b[a * p..(a + 1) * p]);
            let out = &mut errors[(a * t + k) * n..(a * t + k + 1) * n];
            for i in 0..n {
                let r = ys[k * n + i] - fitted[a * n + i];
                out[i] = r / (1.0 - hat[a * n + i] - icpt[i]);
            }
        }
    }
    let intercept = path_intercepts(&coef, p, t, stats.x_mean(), stats.y_mean(), fit_intercept);
    Ok(RidgeLoo {
        errors,
        path: RidgePath { coef, intercept },
    })
}

/// Kernel form, as scikit-learn's "gram" mode: G = K + αI, c = G⁻¹ys, d = diag(G⁻¹) minus the
/// intercept term (G⁻¹√w)∘√w / W, looe = c / d.
fn loo_on_kernel<D: RidgeDesign>(
    x: &D,
    alphas: &[f64],
    fit_intercept: bool,
    pr: &Prepared,
    ys: &[f64],
) -> Result<RidgeLoo> {
    let (n, p, t, na) = (pr.n, pr.p, pr.t, alphas.len());
    let k = x.kernel(&pr.x_mean, &pr.x_ss, &pr.sqrt_w)?;
    let e = Eigh::new(&k, n)?;
    drop(k);
    let inv: Vec<f64> = alphas
        .iter()
        .flat_map(|&a| e.values.iter().map(move |l| 1.0 / (l + a)))
        .collect();
    let q = MatRef::from_column_major_slice(&e.vectors, n, n);
    let d = kernel_inverse_diagonal(&e, &inv, na, fit_intercept, pr);
    let qy = e.project(ys, t);
    let mut errors = vec![0.0; na * t * n];
    let mut dual = vec![0.0; na * t * n];
    for kk in 0..t {
        let s = scale_rows(&inv, &qy[kk * n..(kk + 1) * n], na);
        let mut cvals = vec![0.0; n * na];
        matmul_to(&mut cvals, q, MatRef::from_column_major_slice(&s, n, na));
        for a in 0..na {
            let col = &cvals[a * n..(a + 1) * n];
            dual[(a * t + kk) * n..(a * t + kk + 1) * n].copy_from_slice(col);
            let out = &mut errors[(a * t + kk) * n..(a * t + kk + 1) * n];
            for i in 0..n {
                out[i] = col[i] / d[a * n + i];
            }
        }
    }
    let coef = dual_to_primal(x, &dual, na * t, pr);
    let intercept = path_intercepts(&coef, p, t, &pr.x_mean, &pr.y_mean, fit_intercept);
    Ok(RidgeLoo {
        errors,
        path: RidgePath { coef, intercept },
    })
}

/// `w_i / W`, the unpenalised intercept's share of each sample's leverage (0 without one).
fn intercept_leverage(pr: &Prepared, fit_intercept: bool) -> Vec<f64> {
    (0..pr.n)
        .map(|i| {
            if fit_intercept {
                pr.sqrt_w[i] * pr.sqrt_w[i] / pr.w_sum
            } else {
                0.0
            }
        })
        .collect()
}

/// `Z = D (X − 1μᵀ) V`, the design in the eigenbasis of the Gram, column-major `n × p`.
fn design_in_eigenbasis<D: RidgeDesign>(x: &D, e: &Eigh, pr: &Prepared) -> Vec<f64> {
    let (n, p) = (pr.n, pr.p);
    let mut z = x.x_mul(&e.vectors, p);
    let mu_v = e.project(&pr.x_mean, 1);
    for j in 0..p {
        let col = &mut z[j * n..(j + 1) * n];
        for i in 0..n {
            col[i] = pr.sqrt_w[i] * (col[i] - mu_v[j]);
        }
    }
    z
}

/// `(A ∘ A) S` for a column-major `rows × inner` A and `inner × m` S: the diagonals of
/// `A diag(s_k) Aᵀ` for every column `s_k` of S.
fn squared_times(a: &[f64], rows: usize, inner: usize, s: &[f64], m: usize) -> Vec<f64> {
    let a2: Vec<f64> = a.iter().map(|v| v * v).collect();
    let mut out = vec![0.0; rows * m];
    matmul_to(
        &mut out,
        MatRef::from_column_major_slice(&a2, rows, inner),
        MatRef::from_column_major_slice(s, inner, m),
    );
    out
}

/// `diag(G⁻¹)` for every α with `G = K + αI = Q diag(λ + α) Qᵀ` (`inv` = `1/(λ + α)`,
/// `dim × na`), less the intercept term `(G⁻¹√w)∘√w / W` when an intercept is fitted.
fn kernel_inverse_diagonal(
    e: &Eigh,
    inv: &[f64],
    na: usize,
    fit_intercept: bool,
    pr: &Prepared,
) -> Vec<f64> {
    let n = pr.n;
    let mut d = squared_times(&e.vectors, n, n, inv, na);
    if fit_intercept {
        let qs = e.project(&pr.sqrt_w, 1);
        let s = scale_rows(inv, &qs, na);
        let mut gs = vec![0.0; n * na];
        matmul_to(
            &mut gs,
            MatRef::from_column_major_slice(&e.vectors, n, n),
            MatRef::from_column_major_slice(&s, n, na),
        );
        for a in 0..na {
            for i in 0..n {
                d[a * n + i] -= gs[a * n + i] * pr.sqrt_w[i] / pr.w_sum;
            }
        }
    }
    d
}

/// Each of the `m` columns of a column-major `by.len() × m` matrix times `by`, entry by entry.
fn scale_rows(columns: &[f64], by: &[f64], m: usize) -> Vec<f64> {
    let dim = by.len();
    let mut s = columns.to_vec();
    for a in 0..m {
        for j in 0..dim {
            s[a * dim + j] *= by[j];
        }
    }
    s
}
