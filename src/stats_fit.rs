//! The elastic net from sufficient statistics alone, as a cluster's reduction hands them over:
//! paths (a point fit is a one-α path) and exact K-fold CV from [`GramStats`], no rows needed.
//!
//! The solver runs in covariance mode on the statistics themselves (its duality gap is then a
//! function of them: ‖r‖²_W = ỹᵀWỹ − 2bᵀX̂ᵀWỹ + bᵀX̂ᵀWX̂b). The few quantities a [`Problem`]
//! reads from rows (the response's norm, the unpenalised features' projection, α_max) come
//! from p + 2 pseudo-rows whose moments are the statistics ([`PseudoRows`]), so the path
//! driver, screening and options are the in-memory ones, not a second copy.

use rayon::prelude::*;

use crate::alloc::try_zeros;
use crate::cv::{CvFit, CvParams, FoldResult};
use crate::design::DenseDesign;
use crate::error::{invalid, FastregError, Result};
use crate::gram::GramStats;
use crate::linalg::Eigh;
use crate::path::{fit_path_from, PathFit, PathParams};
use crate::problem::{FeatureOptions, Problem};

/// `m = p + 2` unweighted rows with the statistics' means and, once centred, cross-products
/// `(m / W)·[[XᵀWX, XᵀWy], [yᵀWX, yᵀWy]]`: the moments of the data on a total weight of m. A
/// square root `R` of that `(p + 1)²` matrix (from its eigendecomposition, so a singular one
/// is fine) is rotated by a Householder reflection into the orthogonal complement of the
/// ones vector, which makes every pseudo-column sum to zero before the means are added back.
pub struct PseudoRows {
    /// Column-major `rows × p`.
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub rows: usize,
}

/// Some positive total weight (false for a NaN one too).
fn has_weight(stats: &GramStats) -> bool {
    stats.w_sum() > 0.0
}

/// Checks that `stats` are those of one target with some positive weight.
fn check_stats(stats: &GramStats, what: &str) -> Result<()> {
    if stats.n_targets() != 1 {
        return Err(FastregError::Shape(format!(
            "{what} hold {} targets; the elastic net fits one",
            stats.n_targets()
        )));
    }
    if stats.n_features() == 0 {
        return Err(FastregError::Shape(format!("{what} have 0 features")));
    }
    if !has_weight(stats) {
        return Err(invalid(
            "sample_weight",
            format!("{what} have no rows of positive weight"),
        ));
    }
    Ok(())
}

impl PseudoRows {
    pub fn of(stats: &GramStats) -> Result<Self> {
        check_stats(stats, "the statistics")?;
        let p = stats.n_features();
        let (d, m) = (p + 1, p + 2);
        let scale = m as f64 / stats.w_sum();
        let mut a = try_zeros(d, d, || format!("the moment matrix of {p} features"))?;
        let (xx, xy, yy) = (stats.xx(), stats.xy(), stats.yy()[0]);
        for k in 0..p {
            a[k * d..k * d + p].copy_from_slice(&xx[k * p..(k + 1) * p]);
            a[k * d + p] = xy[k];
            a[p * d + k] = xy[k];
        }
        a[p * d + p] = yy;
        a.iter_mut().for_each(|v| *v *= scale);
        let eig = Eigh::new(&a, d)?;
        drop(a);
        let root: Vec<f64> = eig.values.iter().map(|&l| l.max(0.0).sqrt()).collect();
        let mut z = try_zeros(m, d, || format!("the pseudo-rows of {p} features"))?;
        let sqrt_m = (m as f64).sqrt();
        for k in 0..d {
            // column k of R = diag(√λ) Vᵀ, below a zero first row: v = (0, R[·, k])
            let col = &mut z[k * m..(k + 1) * m];
            for i in 0..d {
                col[i + 1] = root[i] * eig.vectors[i * d + k];
            }
            // H v = v + u Σr / (√m − 1), u = e₁ − 1/√m: H maps e₁ to 1/√m and back, so the
            // other columns of H, which v lives on, are orthogonal to the ones vector
            let c = col.iter().sum::<f64>() / (sqrt_m - 1.0);
            col[0] += c;
            col.iter_mut().for_each(|v| *v -= c / sqrt_m);
        }
        for (j, &mu) in stats.x_mean().iter().enumerate() {
            z[j * m..(j + 1) * m].iter_mut().for_each(|v| *v += mu);
        }
        let y_mean = stats.y_mean()[0];
        let y = z[p * m..].iter().map(|v| v + y_mean).collect();
        z.truncate(p * m);
        Ok(Self { x: z, y, rows: m })
    }
}

/// The elastic-net path of the data summarised by `stats` (solved in covariance mode from
/// them, whatever `prm.precompute` says).
pub fn path_from_stats(
    stats: &GramStats,
    fit_intercept: bool,
    opts: &FeatureOptions<'_>,
    prm: &PathParams,
) -> Result<PathFit> {
    let rows = PseudoRows::of(stats)?;
    let design = DenseDesign::new(&rows.x, rows.rows, stats.n_features())?;
    let pb = Problem::with_stats(&design, &rows.y, None, fit_intercept, opts, stats)?;
    fit_path_from(&pb, prm, None, Some(stats))
}

/// `Σ w (y − b₀ − xᵀβ)² / Σ w` over the rows summarised by `test`, from the statistics:
/// `yᵀWy − 2βᵀXᵀWy + βᵀXᵀWXβ` (centred) plus `W (ȳ − b₀ − μᵀβ)²`, β given by its non-zeros.
/// The quadratic form loses about log10(‖ỹ‖² / SSE) digits to cancellation.
pub fn held_out_mse(test: &GramStats, features: &[u32], values: &[f64], intercept: f64) -> f64 {
    let p = test.n_features();
    let (xx, xy) = (test.xx(), test.xy());
    let mut quad = 0.0;
    let mut cross = 0.0;
    let mut shift = 0.0;
    for (&j, &bj) in features.iter().zip(values) {
        let j = j as usize;
        cross += bj * xy[j];
        shift += bj * test.x_mean()[j];
        let col = &xx[j * p..(j + 1) * p];
        quad += bj
            * features
                .iter()
                .zip(values)
                .map(|(&k, &bk)| col[k as usize] * bk)
                .sum::<f64>();
    }
    let w = test.w_sum();
    let offset = test.y_mean()[0] - intercept - shift;
    let sse = (test.yy()[0] - 2.0 * cross + quad).max(0.0) + w * offset * offset;
    sse / w
}

/// K-fold cross-validation from each fold's statistics: fold k's training statistics are the
/// total less fold k's (Chan's down-date of centred moments, so only the rounding of the total
/// is amplified, by ‖total‖ / ‖train‖ ≈ K / (K − 1)), and its held-out error is a quadratic
/// form in fold k's own statistics. Every (l1_ratio, fold) path runs on `prm`'s threads.
pub fn cross_validate_stats(
    folds: &[GramStats],
    fit_intercept: bool,
    opts: &FeatureOptions<'_>,
    prm: &CvParams,
) -> Result<CvFit> {
    if folds.len() < 2 {
        return Err(invalid(
            "cv",
            format!("need at least 2 folds, got {}", folds.len()),
        ));
    }
    for (f, s) in folds.iter().enumerate() {
        if s.n_features() != folds[0].n_features() {
            return Err(FastregError::Shape(format!(
                "fold {f} has {} features, fold 0 has {}",
                s.n_features(),
                folds[0].n_features()
            )));
        }
        if !has_weight(s) {
            return Err(invalid(
                "cv",
                format!("fold {f}: the held-out rows have zero total weight"),
            ));
        }
    }
    let mut total = folds[0].try_clone()?;
    for s in &folds[1..] {
        total.merge(s)?;
    }
    let n_folds = folds.len();
    let pairs: Vec<(usize, usize)> = (0..prm.paths().len())
        .flat_map(|l| (0..n_folds).map(move |f| (l, f)))
        .collect();
    let run = |&(l, f): &(usize, usize)| -> Result<FoldResult> {
        crate::interrupt::check()?;
        let mut train = total.try_clone()?;
        train.remove(&folds[f])?;
        check_stats(&train, &format!("the training rows of fold {f}"))?;
        let fit = path_from_stats(&train, fit_intercept, opts, &prm.paths()[l])?;
        fold_errors(&fit, &folds[f])
    };
    let pool = crate::gram::thread_pool(prm.n_jobs())?;
    let results: Vec<Result<FoldResult>> = match pool.as_deref() {
        None => crate::gram::within(None, || pairs.iter().map(run).collect()),
        Some(pool) => {
            let flag = crate::interrupt::current();
            let run = |pair| crate::interrupt::with_flag(flag.as_ref(), || run(pair));
            crate::gram::within(Some(pool), || pairs.par_iter().map(run).collect())
        }
    };
    let mut fit = CvFit {
        mse: vec![Vec::with_capacity(n_folds); prm.paths().len()],
        n_nonzero: vec![Vec::with_capacity(n_folds); prm.paths().len()],
        n_unconverged: 0,
        max_dual_gap: 0.0,
    };
    for (&(l, _), r) in pairs.iter().zip(results) {
        let (mse, nnz, unconverged, gap) = r?;
        fit.mse[l].push(mse);
        fit.n_nonzero[l].push(nnz);
        fit.n_unconverged += unconverged;
        fit.max_dual_gap = fit.max_dual_gap.max(gap);
    }
    Ok(fit)
}

fn fold_errors(fit: &PathFit, test: &GramStats) -> Result<FoldResult> {
    let k = fit.alphas.len();
    let mut mse = Vec::with_capacity(k);
    let mut nnz = Vec::with_capacity(k);
    for a in 0..k {
        let (features, values) = fit.nonzeros(a);
        mse.push(held_out_mse(test, features, values, fit.intercepts[a]));
        nnz.push(features.len());
    }
    let (unconverged, worst_gap) = fit.convergence_summary();
    Ok((mse, nnz, unconverged, worst_gap))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cd::Precompute;
    use crate::cv::{cross_validate, CvParamsBuilder, Split};
    use crate::design::Design;
    use crate::params::EnetParamsBuilder;
    use crate::path::{fit_design_path, AlphaGrid, PathParamsBuilder};
    use crate::test_fixtures::{rand_vec, rows};

    fn data(n: usize, p: usize, seed: u64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let mut x = rand_vec(n * p, seed);
        // an offset column and a correlated pair
        x[..n].iter_mut().for_each(|v| *v += 50.0);
        for i in 0..n {
            x[n + i] = 0.8 * x[2 * n + i] + 0.2 * x[n + i];
        }
        let noise = rand_vec(n, seed + 1);
        let y = (0..n)
            .map(|i| 3.0 * x[i] - 2.0 * x[2 * n + i] + x[3 * n + i] + 0.5 * noise[i] + 7.0)
            .collect();
        let w = rand_vec(n, seed + 2)
            .iter()
            .map(|v| v.abs() + 0.2)
            .collect();
        (x, y, w)
    }

    fn path_params(alphas: AlphaGrid, l1_ratio: f64) -> PathParams {
        PathParamsBuilder {
            point: EnetParamsBuilder {
                tol: 1e-10,
                ..EnetParamsBuilder::default()
            },
            l1_ratio,
            alphas,
            precompute: Precompute::Always,
            ..PathParamsBuilder::default()
        }
        .check()
        .unwrap()
    }

    fn close(a: &[f64], b: &[f64], rtol: f64) {
        let scale = b.iter().fold(1e-300f64, |m, v| m.max(v.abs()));
        for (u, v) in a.iter().zip(b) {
            assert!((u - v).abs() <= rtol * scale, "{u} vs {v} (scale {scale})");
        }
    }

    #[test]
    fn pseudo_rows_reproduce_the_statistics() {
        let (n, p) = (60, 5);
        let (x, y, w) = data(n, p, 11);
        let stats = GramStats::from_dense(&x, n, p, &y, 1, Some(&w)).unwrap();
        let rows = PseudoRows::of(&stats).unwrap();
        let again = GramStats::from_dense(&rows.x, rows.rows, p, &rows.y, 1, None).unwrap();
        close(again.x_mean(), stats.x_mean(), 1e-13);
        close(again.y_mean(), stats.y_mean(), 1e-13);
        let s = rows.rows as f64 / stats.w_sum();
        let scaled = |v: &[f64]| v.iter().map(|a| a * s).collect::<Vec<_>>();
        close(again.xx(), &scaled(stats.xx()), 1e-12);
        close(again.xy(), &scaled(stats.xy()), 1e-12);
        close(again.yy(), &scaled(stats.yy()), 1e-12);
    }

    /// Paths from statistics equal the row-based covariance-mode paths, with every option.
    #[test]
    fn path_from_stats_matches_the_row_based_path() {
        let (n, p) = (80, 6);
        let (x, y, w) = data(n, p, 21);
        let design = DenseDesign::new(&x, n, p).unwrap();
        let pf = [1.0, 0.0, 2.0, 1.0, 1.0, 0.5];
        let lo = [-10.0, -10.0, -1.0, 0.0, -10.0, -10.0];
        let hi = [10.0, 10.0, 10.0, 10.0, 0.5, 10.0];
        for (weights, intercept, standardize, options, l1_ratio) in [
            (None, true, false, false, 1.0),
            (Some(&w[..]), true, true, false, 0.5),
            (Some(&w[..]), false, false, true, 0.9),
            (None, true, true, true, 1.0),
        ] {
            let opts = FeatureOptions {
                penalty_factor: options.then_some(&pf[..]),
                lower_bounds: options.then_some(&lo[..]),
                upper_bounds: options.then_some(&hi[..]),
                standardize,
            };
            let prm = path_params(
                AlphaGrid::Auto {
                    count: 12,
                    min_ratio: 1e-3,
                },
                l1_ratio,
            );
            let rows = fit_design_path(&design, &y, weights, intercept, &opts, &prm, None).unwrap();
            let stats = design.gram_stats(&y, 1, weights).unwrap();
            let from = path_from_stats(&stats, intercept, &opts, &prm).unwrap();
            close(&from.alphas, &rows.alphas, 1e-12);
            for k in 0..rows.alphas.len() {
                close(&from.coef(k), &rows.coef(k), 1e-9);
            }
            close(&from.intercepts, &rows.intercepts, 1e-9);
        }
    }

    #[test]
    fn held_out_mse_is_the_weighted_mean_of_squared_residuals() {
        let (n, p) = (40, 4);
        let (x, y, w) = data(n, p, 31);
        let stats = GramStats::from_dense(&x, n, p, &y, 1, Some(&w)).unwrap();
        let beta = [0.5, 0.0, -1.5, 2.0];
        let b0 = 3.0;
        let direct: f64 = (0..n)
            .map(|i| {
                let r = y[i] - b0 - (0..p).map(|j| x[j * n + i] * beta[j]).sum::<f64>();
                w[i] * r * r
            })
            .sum::<f64>()
            / w.iter().sum::<f64>();
        let got = held_out_mse(&stats, &[0, 2, 3], &[0.5, -1.5, 2.0], b0);
        assert!((got - direct).abs() <= 1e-11 * direct, "{got} vs {direct}");
    }

    /// K-fold CV from per-fold statistics equals the row-based K-fold CV (covariance mode).
    #[test]
    fn kfold_from_fold_statistics_matches_the_row_based_cv() {
        let (n, p, k) = (90, 5, 3);
        let (x, y, w) = data(n, p, 41);
        let design = DenseDesign::new(&x, n, p).unwrap();
        let fold_of: Vec<usize> = (0..n).map(|i| (i * 7) % k).collect();
        let splits = Split::from_fold_ids(&fold_of);
        let opts = FeatureOptions {
            standardize: true,
            ..FeatureOptions::default()
        };
        let prm = CvParamsBuilder {
            path: PathParamsBuilder {
                point: EnetParamsBuilder {
                    tol: 1e-10,
                    ..EnetParamsBuilder::default()
                },
                precompute: Precompute::Always,
                ..PathParamsBuilder::default()
            },
            l1_ratios: vec![1.0, 0.5],
            alphas: vec![vec![1.0, 0.3, 0.1, 0.01]; 2],
            n_jobs: 2,
        }
        .check()
        .unwrap();
        let rows_cv =
            cross_validate(&design, &y, Some(&w), true, &opts, &prm, &splits, None).unwrap();
        let folds: Vec<GramStats> = (0..k)
            .map(|f| {
                let idx: Vec<usize> = (0..n).filter(|&i| fold_of[i] == f).collect();
                design.row_stats(&idx, &y, 1, Some(&w)).unwrap()
            })
            .collect();
        let stats_cv = cross_validate_stats(&folds, true, &opts, &prm).unwrap();
        for l in 0..2 {
            for f in 0..k {
                close(&stats_cv.mse[l][f], &rows_cv.mse[l][f], 1e-9);
                assert_eq!(stats_cv.n_nonzero[l][f], rows_cv.n_nonzero[l][f]);
            }
        }
        // a fold of zero weight is refused in words
        let mut empty = folds.clone();
        empty[1] = GramStats::from_dense(&rows(&x, n, p, 0, 0), 0, p, &[], 1, None).unwrap();
        let err = cross_validate_stats(&empty, true, &opts, &prm).unwrap_err();
        assert!(err.to_string().contains("fold 1"), "{err}");
    }
}
