//! Checked response and weights with what every driver derives from them: √w, column means and
//! centred sums of squares, ȳ, `X̃ᵀW(y − ȳ)`; and the small conversions the drivers share
//! (intercepts from coefficients, the scaled centred response, kernel to primal coefficients).

use rayon::prelude::*;

use super::RidgeDesign;
use crate::design::dot;
use crate::error::{invalid, FastregError, Result};
use crate::gram::GramStats;

/// Validated response and weights with their derived quantities.
pub(super) struct Prepared {
    pub(super) n: usize,
    pub(super) p: usize,
    pub(super) t: usize,
    pub(super) w_sum: f64,
    pub(super) sqrt_w: Vec<f64>,
    pub(super) x_mean: Vec<f64>,
    /// Centred weighted sums of squares of the columns (empty unless means were computed).
    pub(super) x_ss: Vec<f64>,
    pub(super) y_mean: Vec<f64>,
    /// `X̃ᵀW(y_k − ȳ_k)`, `p × t` column-major, when asked for with the means (else empty):
    /// read in the same pass over X as the means.
    pub(super) xt_wy: Vec<f64>,
}

/// Checks `y` and `w` against X and derives what the drivers share. With `need_means` (and an
/// intercept) one pass over X gives the column moments and, with `need_xt_wy`, `X̃ᵀW(y − ȳ)`;
/// otherwise X is only checked for non-finite entries.
pub(super) fn prepare<D: RidgeDesign>(
    x: &D,
    y: &[f64],
    t: usize,
    w: Option<&[f64]>,
    fit_intercept: bool,
    need_means: bool,
    need_xt_wy: bool,
) -> Result<Prepared> {
    let (n, p) = (x.n_samples(), x.n_features());
    let w_sum = check_response_and_weights(n, p, y, t, w)?;
    let sqrt_w = w.map_or_else(|| vec![1.0; n], |w| w.iter().map(|v| v.sqrt()).collect());
    let (mut x_mean, mut x_ss, mut y_mean) = (vec![0.0; p], Vec::new(), vec![0.0; t]);
    let mut xt_wy = Vec::new();
    if fit_intercept && need_means {
        y_mean = weighted_means(y, n, t, w, w_sum);
        (x_mean, x_ss, xt_wy) = column_moments_and_xt_wy(x, y, t, w, w_sum, &y_mean, need_xt_wy)?;
    } else if !x.all_finite() {
        return Err(FastregError::NonFinite("X"));
    }
    Ok(Prepared {
        n,
        p,
        t,
        w_sum,
        sqrt_w,
        x_mean,
        x_ss,
        y_mean,
        xt_wy,
    })
}

/// Shapes of X, y and w, finiteness of y and w, non-negative weights with a positive sum;
/// returns that sum `W`.
fn check_response_and_weights(
    n: usize,
    p: usize,
    y: &[f64],
    t: usize,
    w: Option<&[f64]>,
) -> Result<f64> {
    if n == 0 || p == 0 || t == 0 {
        return Err(FastregError::Shape(format!(
            "need at least one sample, feature and target, got {n} × {p} and {t} targets"
        )));
    }
    if n.checked_mul(t) != Some(y.len()) {
        return Err(FastregError::Shape(format!(
            "X has {n} samples but y has {} values for {t} targets",
            y.len()
        )));
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(FastregError::NonFinite("y"));
    }
    let w_sum = crate::gram::check_weights(w, n)?;
    if !(w_sum > 0.0) {
        return Err(invalid("sample_weight", "must have a positive sum"));
    }
    Ok(w_sum)
}

/// Weighted mean `ȳ_k` of each target, column-major `n × t` y.
fn weighted_means(y: &[f64], n: usize, t: usize, w: Option<&[f64]>, w_sum: f64) -> Vec<f64> {
    let mut y_mean = vec![0.0; t];
    for (k, m) in y_mean.iter_mut().enumerate() {
        let yk = &y[k * n..(k + 1) * n];
        *m = w.map_or_else(|| yk.iter().sum::<f64>(), |w| dot(w, yk)) / w_sum;
    }
    y_mean
}

/// Column means and centred sums of squares, and (if `need_xt_wy`, else empty) `X̃ᵀW(y − ȳ)`
/// as `p × t`, in one parallel pass over X. Errors if X has a non-finite entry.
#[allow(clippy::type_complexity)]
fn column_moments_and_xt_wy<D: RidgeDesign>(
    x: &D,
    y: &[f64],
    t: usize,
    w: Option<&[f64]>,
    w_sum: f64,
    y_mean: &[f64],
    need_xt_wy: bool,
) -> Result<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    let (n, p) = (x.n_samples(), x.n_features());
    // W(y − ȳ) per target, for X̃ᵀW(y − ȳ).
    let wy: Vec<f64> = if need_xt_wy {
        (0..n * t)
            .map(|ik| w.map_or(1.0, |w| w[ik % n]) * (y[ik] - y_mean[ik / n]))
            .collect()
    } else {
        Vec::new()
    };
    // Non-finite entries make their column's moments non-finite: no separate check pass.
    // The column is read once for its moments and its products with W(y − ȳ).
    let moments: Vec<(f64, f64, Vec<f64>)> = (0..p)
        .into_par_iter()
        .map(|j| {
            let (m, ss) = x.col_moments(j, w, w_sum);
            let xy = wy.chunks(n).map(|r| x.col_dot(j, r)).collect();
            (m, ss, xy)
        })
        .collect();
    if moments
        .iter()
        .any(|(m, d, _)| !(m.is_finite() && d.is_finite()))
    {
        return Err(FastregError::NonFinite("X"));
    }
    let x_mean = moments.iter().map(|m| m.0).collect();
    let x_ss = moments.iter().map(|m| m.1).collect();
    let mut xt_wy = Vec::new();
    if need_xt_wy {
        // Σ W(y − ȳ) is zero up to rounding; subtracting μ times it keeps this X̃ᵀ exactly.
        let wy_sum: Vec<f64> = wy.chunks(n).map(|r| r.iter().sum()).collect();
        xt_wy = vec![0.0; p * t];
        for (j, m) in moments.iter().enumerate() {
            for (k, v) in m.2.iter().enumerate() {
                xt_wy[k * p + j] = v - m.0 * wy_sum[k];
            }
        }
    }
    Ok((x_mean, x_ss, xt_wy))
}

/// Statistics must summarise at least one row of positive weight before anything is fitted.
pub(super) fn check_has_rows(stats: &GramStats) -> Result<()> {
    if !(stats.w_sum() > 0.0) {
        return Err(invalid(
            "stats",
            "no rows with positive weight have been added",
        ));
    }
    Ok(())
}

/// `b_k = ȳ_k − μᵀβ_k` for each target's coefficients (`p × t`), or zeros without an intercept.
pub(super) fn intercepts(
    coef: &[f64],
    p: usize,
    x_mean: &[f64],
    y_mean: &[f64],
    fit: bool,
) -> Vec<f64> {
    y_mean
        .iter()
        .enumerate()
        .map(|(k, ym)| {
            if fit {
                ym - dot(x_mean, &coef[k * p..(k + 1) * p])
            } else {
                0.0
            }
        })
        .collect()
}

/// [`intercepts`] for every α of a path whose coefficients are `A × t × p`.
pub(super) fn path_intercepts(
    coef: &[f64],
    p: usize,
    t: usize,
    x_mean: &[f64],
    y_mean: &[f64],
    fit: bool,
) -> Vec<f64> {
    coef.chunks(p * t)
        .flat_map(|c| intercepts(c, p, x_mean, y_mean, fit))
        .collect()
}

/// `√w ∘ (y_k − ȳ_k)` for every target, column-major `n × t`.
pub(super) fn scaled_centred_y(y: &[f64], pr: &Prepared) -> Vec<f64> {
    let n = pr.n;
    let mut out = vec![0.0; n * pr.t];
    for k in 0..pr.t {
        for i in 0..n {
            out[k * n + i] = pr.sqrt_w[i] * (y[k * n + i] - pr.y_mean[k]);
        }
    }
    out
}

/// `(X − 1μᵀ)ᵀ D A` for a column-major `n × m` A; returns `p × m`.
pub(super) fn dual_to_primal<D: RidgeDesign>(
    x: &D,
    a: &[f64],
    m: usize,
    pr: &Prepared,
) -> Vec<f64> {
    let (n, p) = (pr.n, pr.p);
    let mut da = a.to_vec();
    for c in 0..m {
        for i in 0..n {
            da[c * n + i] *= pr.sqrt_w[i];
        }
    }
    let mut coef = x.xt_mul(&da, m);
    for c in 0..m {
        let s: f64 = da[c * n..(c + 1) * n].iter().sum();
        for j in 0..p {
            coef[c * p + j] -= pr.x_mean[j] * s;
        }
    }
    coef
}
