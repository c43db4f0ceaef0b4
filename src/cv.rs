//! K-fold cross-validation of elastic-net paths. A fold never copies X: its training set is the
//! sample-weight vector with zeros on the held-out rows (so centring and standardisation use the
//! training rows only, as a refit on the train split would), and its error is the weighted mean
//! squared error of the held-out rows. Every (l1_ratio, fold) pair is independent and
//! deterministic, so they run in parallel and the result does not depend on the thread count.

use rayon::prelude::*;

use crate::design::Design;
use crate::error::{invalid, FastregError, Result};
use crate::gram::GramStats;
use crate::params::EnetParamsBuilder;
use crate::path::{fit_path_from, AlphaGrid, PathParams, PathParamsBuilder};
use crate::problem::{FeatureOptions, Problem};

/// One train / test split, as row indices. A row may repeat (its weight is then counted once per
/// occurrence, as a bootstrap sample would) and rows may be in neither set.
#[derive(Clone, Debug)]
pub struct Split {
    pub train: Vec<usize>,
    pub test: Vec<usize>,
}

impl Split {
    /// glmnet's `foldid`: fold k tests the rows labelled k and trains on all the others.
    pub fn from_fold_ids(fold_id: &[usize]) -> Vec<Split> {
        let n_folds = fold_id.iter().map(|&k| k + 1).max().unwrap_or(0);
        (0..n_folds)
            .map(|k| {
                let (test, train) = (0..fold_id.len()).partition(|&i| fold_id[i] == k);
                Split { train, test }
            })
            .collect()
    }
}

/// Unchecked CV parameters. `path` is the template for every fold's path (tol, max_iter,
/// positive, selection, screening); its `l1_ratio`, `alphas` and `n_jobs` are replaced.
#[derive(Clone, Debug)]
pub struct CvParamsBuilder {
    pub path: PathParamsBuilder,
    pub l1_ratios: Vec<f64>,
    /// One α grid per l1_ratio, shared by all folds.
    pub alphas: Vec<Vec<f64>>,
    /// Threads over the (l1_ratio, fold) pairs.
    pub n_jobs: usize,
}

/// Checked CV parameters; construct with [`CvParamsBuilder::check`].
#[derive(Clone, Debug)]
pub struct CvParams {
    paths: Vec<PathParams>,
    n_jobs: usize,
}

impl CvParams {
    /// One path's parameters per l1_ratio.
    pub fn paths(&self) -> &[PathParams] {
        &self.paths
    }
    pub fn n_jobs(&self) -> usize {
        self.n_jobs
    }
}

impl CvParamsBuilder {
    pub fn check(self) -> Result<CvParams> {
        if self.l1_ratios.is_empty() {
            return Err(invalid("l1_ratio", "must not be empty"));
        }
        if self.alphas.len() != self.l1_ratios.len() {
            return Err(invalid(
                "alphas",
                format!(
                    "need one grid per l1_ratio: {} grids for {} l1_ratios",
                    self.alphas.len(),
                    self.l1_ratios.len()
                ),
            ));
        }
        if self.n_jobs == 0 {
            return Err(invalid("n_jobs", "must be >= 1"));
        }
        let paths = self
            .l1_ratios
            .iter()
            .zip(self.alphas)
            .map(|(&l1_ratio, alphas)| {
                PathParamsBuilder {
                    l1_ratio,
                    alphas: AlphaGrid::Given(alphas),
                    // Parallelism is over pairs; a nested pool per fold would oversubscribe.
                    n_jobs: 1,
                    early_stop: false,
                    ..self.path.clone()
                }
                .check()
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(CvParams {
            paths,
            n_jobs: self.n_jobs,
        })
    }
}

impl Default for CvParamsBuilder {
    fn default() -> Self {
        Self {
            path: PathParamsBuilder {
                point: EnetParamsBuilder::default(),
                ..PathParamsBuilder::default()
            },
            l1_ratios: vec![1.0],
            alphas: vec![],
            n_jobs: 1,
        }
    }
}

/// The result of a cross-validation: for l1_ratio `l`, fold `f` and α index `k`,
/// `mse[l][f][k]` is the held-out weighted mean squared error.
#[derive(Clone, Debug)]
pub struct CvFit {
    pub mse: Vec<Vec<Vec<f64>>>,
    /// Non-zero coefficients of each fold's fit, indexed like `mse`.
    pub n_nonzero: Vec<Vec<Vec<usize>>>,
    /// Number of (l1_ratio, fold, α) fits that did not reach the duality-gap target.
    pub n_unconverged: usize,
    /// Largest relative duality gap (gap / primal) over every fit, for the warning message.
    pub max_dual_gap: f64,
}

/// Row weights of a split's training set: `sample_weight` (1 if none) on train rows, summed
/// over repeats; 0 elsewhere.
fn train_weights(split: &Split, sample_weight: Option<&[f64]>, n: usize) -> Vec<f64> {
    let mut w = vec![0.0; n];
    for &i in &split.train {
        w[i] += sample_weight.map_or(1.0, |sw| sw[i]);
    }
    w
}

fn check_splits(splits: &[Split], sample_weight: Option<&[f64]>, n: usize) -> Result<()> {
    if splits.len() < 2 {
        return Err(invalid(
            "cv",
            format!("need at least 2 folds, got {}", splits.len()),
        ));
    }
    for (f, s) in splits.iter().enumerate() {
        if s.train.is_empty() || s.test.is_empty() {
            return Err(invalid(
                "cv",
                format!("fold {f} has an empty train or test set"),
            ));
        }
        if let Some(&i) = s.train.iter().chain(&s.test).find(|&&i| i >= n) {
            return Err(FastregError::Shape(format!(
                "fold {f} refers to row {i} but X has {n} samples"
            )));
        }
        if let Some(sw) = sample_weight {
            let test_total: f64 = s.test.iter().map(|&i| sw[i]).sum();
            if test_total.is_nan() || test_total <= 0.0 {
                return Err(invalid(
                    "sample_weight",
                    format!("fold {f}: the held-out rows have zero total weight"),
                ));
            }
        }
    }
    Ok(())
}

/// Held-out errors and non-zero counts per α, unconverged count, worst relative gap.
pub(crate) type FoldResult = (Vec<f64>, Vec<usize>, usize, f64);

/// One pair: the path on the split's training rows, then the held-out error at every α.
#[allow(clippy::too_many_arguments)]
fn fold_mse<D: Design>(
    design: &D,
    y: &[f64],
    sample_weight: Option<&[f64]>,
    fit_intercept: bool,
    opts: &FeatureOptions<'_>,
    prm: &PathParams,
    split: &Split,
    stats: Option<&GramStats>,
) -> Result<FoldResult> {
    let n = design.n_samples();
    let w = train_weights(split, sample_weight, n);
    let pb = Problem::with_options(design, y, Some(&w), fit_intercept, opts)?;
    let fit = fit_path_from(&pb, prm, None, stats)?;
    let test_w: Vec<f64> = split
        .test
        .iter()
        .map(|&i| sample_weight.map_or(1.0, |sw| sw[i]))
        .collect();
    let test_total: f64 = test_w.iter().sum();
    let mut pred = vec![0.0; n];
    let mut mse = Vec::with_capacity(fit.alphas.len());
    let mut n_nonzero = Vec::with_capacity(fit.alphas.len());
    for k in 0..fit.alphas.len() {
        pred.iter_mut().for_each(|v| *v = 0.0);
        let mut nnz = 0;
        let (features, values) = fit.nonzeros(k);
        for (&j, &b) in features.iter().zip(values) {
            design.col_axpy(j as usize, b, &mut pred);
            nnz += 1;
        }
        n_nonzero.push(nnz);
        let b0 = fit.intercepts[k];
        let sse: f64 = split
            .test
            .iter()
            .zip(&test_w)
            .map(|(&i, &wi)| {
                let r = y[i] - b0 - pred[i];
                wi * r * r
            })
            .sum();
        mse.push(sse / test_total);
    }
    let (unconverged, worst_gap) = fit.convergence_summary();
    Ok((mse, n_nonzero, unconverged, worst_gap))
}

/// Covariance mode shared across folds: when the paths use covariance mode and the splits
/// partition the rows (K-fold), the statistics of all rows, made in one pass over X; a fold's
/// training statistics are then these with its held-out rows removed (down-dating: a pass over
/// the held-out rows only), instead of a pass over all of X per fold. `None` otherwise (each
/// fold then builds its own, if it uses covariance mode at all).
fn shared_statistics<D: Design>(
    design: &D,
    y: &[f64],
    sample_weight: Option<&[f64]>,
    prm: &CvParams,
    splits: &[Split],
) -> Result<Option<GramStats>> {
    let n = design.n_samples();
    if !prm.paths.iter().all(|p| p.precompute().wanted(design)) {
        return Ok(None);
    }
    let partitions = splits.iter().all(|s| {
        let mut seen = vec![false; n];
        s.train.len() + s.test.len() == n
            && s.train
                .iter()
                .chain(&s.test)
                .all(|&i| !std::mem::replace(&mut seen[i], true))
    });
    if !partitions {
        return Ok(None);
    }
    design.gram_stats(y, 1, sample_weight).map(Some)
}

/// Cross-validates the elastic-net path for every l1_ratio over every split. `progress` is
/// called once per finished (l1_ratio, fold) pair, from whichever thread finished it.
#[allow(clippy::too_many_arguments)]
pub fn cross_validate<D: Design>(
    design: &D,
    y: &[f64],
    sample_weight: Option<&[f64]>,
    fit_intercept: bool,
    opts: &FeatureOptions<'_>,
    prm: &CvParams,
    splits: &[Split],
    progress: Option<&(dyn Fn() + Sync)>,
) -> Result<CvFit> {
    let n = design.n_samples();
    if y.len() != n {
        return Err(FastregError::Shape(format!(
            "X has {n} samples but y has {}",
            y.len()
        )));
    }
    if let Some(sw) = sample_weight {
        if sw.len() != n {
            return Err(FastregError::Shape(format!(
                "X has {n} samples but sample_weight has {}",
                sw.len()
            )));
        }
    }
    check_splits(splits, sample_weight, n)?;
    let n_folds = splits.len();
    let pool = crate::gram::thread_pool(prm.n_jobs)?;
    let pool = pool.as_deref();
    // the statistics with the pairs' threads, or on this thread alone
    let total = crate::gram::within(pool, || {
        shared_statistics(design, y, sample_weight, prm, splits)
    })?;
    let pairs: Vec<(usize, usize)> = (0..prm.paths.len())
        .flat_map(|l| (0..n_folds).map(move |f| (l, f)))
        .collect();
    let run = |&(l, f): &(usize, usize)| {
        crate::interrupt::check()?;
        let stats = match &total {
            None => None,
            Some(total) => {
                let mut train = total.try_clone()?;
                let held_out = design.row_stats(&splits[f].test, y, 1, sample_weight)?;
                train.remove(&held_out)?;
                Some(train)
            }
        };
        let out = fold_mse(
            design,
            y,
            sample_weight,
            fit_intercept,
            opts,
            &prm.paths[l],
            &splits[f],
            stats.as_ref(),
        );
        if let Some(tick) = progress {
            tick();
        }
        out
    };
    let results: Vec<Result<FoldResult>> = match pool {
        None => crate::gram::within(None, || pairs.iter().map(run).collect()),
        // `collect` on an indexed parallel iterator keeps the input order.
        Some(pool) => {
            let flag = crate::interrupt::current();
            let run = |pair| crate::interrupt::with_flag(flag.as_ref(), || run(pair));
            crate::gram::within(Some(pool), || pairs.par_iter().map(run).collect())
        }
    };
    let mut mse = vec![Vec::with_capacity(n_folds); prm.paths.len()];
    let mut n_nonzero = vec![Vec::with_capacity(n_folds); prm.paths.len()];
    let (mut n_unconverged, mut max_dual_gap) = (0, 0.0f64);
    for (&(l, _), r) in pairs.iter().zip(results) {
        let (m, nz, u, g) = r?;
        mse[l].push(m);
        n_nonzero[l].push(nz);
        n_unconverged += u;
        max_dual_gap = max_dual_gap.max(g);
    }
    Ok(CvFit {
        mse,
        n_nonzero,
        n_unconverged,
        max_dual_gap,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cd::Precompute;
    use crate::design::{CscDesign, DenseDesign};
    use crate::test_fixtures::{lcg, three_feature_truth};

    fn path_template() -> PathParamsBuilder {
        PathParamsBuilder {
            point: EnetParamsBuilder {
                tol: 1e-12,
                max_iter: 100_000,
                ..Default::default()
            },
            // dense and CSC must run the same algorithm to agree to rounding
            precompute: Precompute::Never,
            ..Default::default()
        }
    }

    fn grid() -> Vec<f64> {
        (0..15).map(|k| 0.5 * 0.7f64.powi(k)).collect()
    }

    fn params(l1_ratios: &[f64], n_jobs: usize) -> CvParams {
        CvParamsBuilder {
            path: path_template(),
            l1_ratios: l1_ratios.to_vec(),
            alphas: vec![grid(); l1_ratios.len()],
            n_jobs,
        }
        .check()
        .unwrap()
    }

    fn fold_ids(n: usize, k: usize) -> Vec<usize> {
        (0..n).map(|i| (i * 7 + 3) % k).collect()
    }

    #[test]
    fn covariance_mode_with_down_dated_folds_equals_residual_mode() {
        // K-fold in covariance mode forms each fold's training Gram by removing its held-out
        // rows from the totals; the held-out errors must be those of residual mode.
        let (n, p) = (90, 10);
        let (x, y) = three_feature_truth(n, p, 4);
        let sw: Vec<f64> = lcg(8, n).iter().map(|v| v.abs() + 0.2).collect();
        let design = DenseDesign::new(&x, n, p).unwrap();
        let splits = Split::from_fold_ids(&fold_ids(n, 3));
        for standardize in [false, true] {
            let opts = FeatureOptions {
                standardize,
                ..Default::default()
            };
            let with = |precompute| {
                let prm = CvParamsBuilder {
                    path: PathParamsBuilder {
                        precompute,
                        ..path_template()
                    },
                    l1_ratios: vec![0.7],
                    alphas: vec![grid()],
                    n_jobs: 1,
                }
                .check()
                .unwrap();
                cross_validate(&design, &y, Some(&sw), true, &opts, &prm, &splits, None).unwrap()
            };
            let (gram, resid) = (with(Precompute::Always), with(Precompute::Never));
            for f in 0..3 {
                for k in 0..grid().len() {
                    let (u, v) = (gram.mse[0][f][k], resid.mse[0][f][k]);
                    assert!((u - v).abs() <= 1e-6 * v, "fold {f} α[{k}]: {u} vs {v}");
                }
            }
        }
    }

    #[test]
    fn a_fold_equals_a_direct_fit_on_the_training_subset() {
        let (n, p) = (60, 12);
        let (x, y) = three_feature_truth(n, p, 1);
        let sw: Vec<f64> = lcg(5, n).iter().map(|v| v.abs() + 0.2).collect();
        let design = DenseDesign::new(&x, n, p).unwrap();
        let splits = Split::from_fold_ids(&fold_ids(n, 4));
        let opts = FeatureOptions {
            standardize: true,
            ..Default::default()
        };
        let prm = params(&[0.6], 1);
        let cv = cross_validate(&design, &y, Some(&sw), true, &opts, &prm, &splits, None).unwrap();
        let split = &splits[2];
        // Copy the training rows into their own matrix and fit the path there.
        let nt = split.train.len();
        let xt: Vec<f64> = (0..p)
            .flat_map(|j| split.train.iter().map(move |&i| (j, i)))
            .map(|(j, i)| x[j * n + i])
            .collect();
        let yt: Vec<f64> = split.train.iter().map(|&i| y[i]).collect();
        let wt: Vec<f64> = split.train.iter().map(|&i| sw[i]).collect();
        let dt = DenseDesign::new(&xt, nt, p).unwrap();
        let pb = Problem::with_options(&dt, &yt, Some(&wt), true, &opts).unwrap();
        let fit = crate::path::fit_path(&pb, &prm.paths[0], None).unwrap();
        for (k, &m) in cv.mse[0][2].iter().enumerate() {
            let coef = &fit.coef(k);
            let (mut sse, mut tw) = (0.0, 0.0);
            for &i in &split.test {
                let pred: f64 =
                    fit.intercepts[k] + (0..p).map(|j| x[j * n + i] * coef[j]).sum::<f64>();
                sse += sw[i] * (y[i] - pred).powi(2);
                tw += sw[i];
            }
            let direct = sse / tw;
            assert!(
                (m - direct).abs() <= 1e-9 * direct,
                "α[{k}]: {m} vs {direct}"
            );
        }
    }

    #[test]
    fn thread_count_does_not_change_the_result() {
        let (n, p) = (80, 30);
        let (x, y) = three_feature_truth(n, p, 2);
        let design = DenseDesign::new(&x, n, p).unwrap();
        let splits = Split::from_fold_ids(&fold_ids(n, 5));
        let opts = FeatureOptions::default();
        let one = cross_validate(
            &design,
            &y,
            None,
            true,
            &opts,
            &params(&[0.2, 1.0], 1),
            &splits,
            None,
        )
        .unwrap();
        let two = cross_validate(
            &design,
            &y,
            None,
            true,
            &opts,
            &params(&[0.2, 1.0], 2),
            &splits,
            None,
        )
        .unwrap();
        assert_eq!(one.mse, two.mse);
        assert_eq!(one.mse.len(), 2);
        assert_eq!(one.mse[1].len(), 5);
        assert_eq!(one.mse[1][0].len(), grid().len());
        assert_eq!(one.n_unconverged, 0);
    }

    #[test]
    fn sparse_equals_dense() {
        let (n, p) = (50, 20);
        let (mut x, y) = three_feature_truth(n, p, 3);
        for (i, v) in x.iter_mut().enumerate() {
            if i % 3 == 1 && i >= 3 * n {
                *v = 0.0;
            }
        }
        let mut indptr = vec![0i32];
        let (mut indices, mut vals) = (Vec::new(), Vec::new());
        for j in 0..p {
            for i in 0..n {
                if x[j * n + i] != 0.0 {
                    indices.push(i as i32);
                    vals.push(x[j * n + i]);
                }
            }
            indptr.push(indices.len() as i32);
        }
        let dense = DenseDesign::new(&x, n, p).unwrap();
        let csc = CscDesign::new(&vals, &indices, &indptr, n).unwrap();
        let splits = Split::from_fold_ids(&fold_ids(n, 3));
        let opts = FeatureOptions::default();
        let prm = params(&[0.5], 2);
        let a = cross_validate(&dense, &y, None, true, &opts, &prm, &splits, None).unwrap();
        let b = cross_validate(&csc, &y, None, true, &opts, &prm, &splits, None).unwrap();
        for f in 0..3 {
            for k in 0..grid().len() {
                // The two storages may take different steps (the Newton step on the support
                // is triggered by a cost that counts stored entries); both solve to tol 1e-12,
                // which pins the held-out errors down to about 1e-8.
                let (u, v) = (a.mse[0][f][k], b.mse[0][f][k]);
                assert!((u - v).abs() <= 1e-7 * u, "fold {f} α[{k}]: {u} vs {v}");
            }
        }
    }

    #[test]
    fn progress_ticks_once_per_pair() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let (n, p) = (30, 5);
        let (x, y) = three_feature_truth(n, p, 4);
        let design = DenseDesign::new(&x, n, p).unwrap();
        let splits = Split::from_fold_ids(&fold_ids(n, 3));
        let count = AtomicUsize::new(0);
        let tick = || {
            count.fetch_add(1, Ordering::Relaxed);
        };
        let opts = FeatureOptions::default();
        cross_validate(
            &design,
            &y,
            None,
            true,
            &opts,
            &params(&[0.5, 1.0], 2),
            &splits,
            Some(&tick),
        )
        .unwrap();
        assert_eq!(count.load(Ordering::Relaxed), 6);
    }

    #[test]
    fn bad_splits_are_rejected() {
        let (n, p) = (20, 3);
        let (x, y) = three_feature_truth(n, p, 6);
        let design = DenseDesign::new(&x, n, p).unwrap();
        let opts = FeatureOptions::default();
        let prm = params(&[1.0], 1);
        let one_fold = vec![Split {
            train: (0..10).collect(),
            test: (10..20).collect(),
        }];
        assert!(cross_validate(&design, &y, None, true, &opts, &prm, &one_fold, None).is_err());
        let out_of_range = vec![
            Split {
                train: (0..10).collect(),
                test: vec![25],
            };
            2
        ];
        assert!(cross_validate(&design, &y, None, true, &opts, &prm, &out_of_range, None).is_err());
        let mismatched = CvParamsBuilder {
            l1_ratios: vec![0.5, 1.0],
            alphas: vec![grid()],
            ..Default::default()
        };
        assert!(mismatched.check().is_err());
    }
}
