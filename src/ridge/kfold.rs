//! K-fold cross-validation by down-dating sufficient statistics: the training Gram of each
//! fold is the total minus the fold's, so no fold refits from X. With more features than
//! samples each training set is solved through its own `n × n` kernel instead.

use rayon::prelude::*;

use super::{check_alphas, path_stats, prepare, RidgeDesign, RidgePath};
use crate::design::dot;
use crate::error::{invalid, Result};
use crate::gram::GramStats;

/// K-fold cross-validation by Gram down-dating: the statistics of each test fold are formed
/// once, the training statistics are `total ⊖ fold`, and each fold's path comes from one
/// eigendecomposition. `folds` must partition the rows. Returns one path per fold. When
/// p > n the p × p Gram is the larger matrix (and may not fit): each fold's training rows
/// are then copied and solved through their kernel, one fold at a time.
pub fn kfold_paths<D: RidgeDesign>(
    x: &D,
    y: &[f64],
    t: usize,
    w: Option<&[f64]>,
    folds: &[Vec<usize>],
    alphas: &[f64],
    fit_intercept: bool,
) -> Result<Vec<RidgePath>> {
    check_alphas(alphas, false)?;
    let n = x.n_samples();
    prepare(x, y, t, w, fit_intercept, false, false)?;
    check_partition(folds, n)?;
    if x.n_features() > n {
        return folds
            .iter()
            .map(|fold| {
                let train = training_rows(fold, n);
                let rows = x.copy_rows(&train)?;
                rows.path(&train, n, y, t, w, alphas, fit_intercept)
            })
            .collect();
    }
    let parts: Vec<GramStats> = folds
        .iter()
        .map(|f| {
            crate::interrupt::check()?;
            x.row_stats(f, y, t, w)
        })
        .collect::<Result<_>>()?;
    let total = pooled(&parts, x.n_features(), t)?;
    let flag = crate::interrupt::current();
    parts
        .par_iter()
        .map(|part| {
            crate::interrupt::with_flag(flag.as_ref(), || {
                crate::interrupt::check()?;
                path_stats(&training_stats(&total, part)?, alphas, fit_intercept)
            })
        })
        .collect()
}

/// The rows outside `fold`, ascending.
fn training_rows(fold: &[usize], n: usize) -> Vec<usize> {
    let mut held_out = vec![false; n];
    for &i in fold {
        held_out[i] = true;
    }
    (0..n).filter(|&i| !held_out[i]).collect()
}

/// Every row in exactly one test fold.
fn check_partition(folds: &[Vec<usize>], n: usize) -> Result<()> {
    let mut seen = vec![false; n];
    for f in folds {
        for &i in f {
            if i >= n || seen[i] {
                return Err(invalid("cv", "test folds must partition the samples"));
            }
            seen[i] = true;
        }
    }
    if seen.iter().any(|s| !s) {
        return Err(invalid("cv", "test folds must partition the samples"));
    }
    Ok(())
}

/// The statistics of all folds together, merged in fold order.
fn pooled(parts: &[GramStats], p: usize, t: usize) -> Result<GramStats> {
    let mut total = GramStats::new(p, t)?;
    for s in parts {
        total.merge(s)?;
    }
    Ok(total)
}

/// The training statistics of a fold: the pooled total down-dated by the fold.
fn training_stats(total: &GramStats, part: &GramStats) -> Result<GramStats> {
    let mut train = total.try_clone()?;
    train.remove(part)?;
    Ok(train)
}

/// Weighted mean squared error `Σ w (y − xᵀβ − b)² / W` of a fit on the rows summarised by
/// `part`, from its statistics alone: the centred part plus the squared mean residual.
pub fn stats_mse(part: &GramStats, coef: &[f64], intercept: &[f64]) -> Vec<f64> {
    let (p, t) = (part.n_features(), part.n_targets());
    let w = part.w_sum();
    (0..t)
        .map(|k| {
            if w <= 0.0 {
                return f64::NAN;
            }
            let beta = &coef[k * p..(k + 1) * p];
            let g_beta: Vec<f64> = (0..p)
                .map(|i| dot(&part.xx()[i * p..(i + 1) * p], beta))
                .collect();
            let centred = part.yy()[k * t + k] - 2.0 * dot(beta, &part.xy()[k * p..(k + 1) * p])
                + dot(beta, &g_beta);
            let mean_resid = part.y_mean()[k] - dot(part.x_mean(), beta) - intercept[k];
            (centred.max(0.0) + w * mean_resid * mean_resid) / w
        })
        .collect()
}

/// K-fold cross-validation from per-fold statistics only (e.g. gathered chunk by chunk): the
/// training statistics of fold f are the pooled total minus fold f, and the test error is
/// [`stats_mse`] on fold f. Returns each fold's path and the test MSE, `F × A × t`.
pub fn kfold_from_parts(
    parts: &[GramStats],
    alphas: &[f64],
    fit_intercept: bool,
) -> Result<(Vec<RidgePath>, Vec<f64>)> {
    check_alphas(alphas, false)?;
    let first = parts
        .first()
        .ok_or_else(|| invalid("folds", "at least two folds are needed"))?;
    if parts.len() < 2 {
        return Err(invalid("folds", "at least two folds are needed"));
    }
    let (p, t) = (first.n_features(), first.n_targets());
    let total = pooled(parts, p, t)?;
    let flag = crate::interrupt::current();
    let results: Vec<(RidgePath, Vec<f64>)> = parts
        .par_iter()
        .map(|part| {
            crate::interrupt::with_flag(flag.as_ref(), crate::interrupt::check)?;
            let path = path_stats(&training_stats(&total, part)?, alphas, fit_intercept)?;
            let mut mse = Vec::with_capacity(alphas.len() * t);
            for a in 0..alphas.len() {
                mse.extend(stats_mse(
                    part,
                    &path.coef[a * t * p..(a + 1) * t * p],
                    &path.intercept[a * t..(a + 1) * t],
                ));
            }
            Ok((path, mse))
        })
        .collect::<Result<_>>()?;
    let mut paths = Vec::with_capacity(parts.len());
    let mut mse = Vec::new();
    for (path, m) in results {
        paths.push(path);
        mse.extend(m);
    }
    Ok((paths, mse))
}
