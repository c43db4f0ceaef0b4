//! Bindings for Gram statistics accumulated chunk by chunk (`GramStatsCore`, the core of
//! `fastreg.GramStats`) and the fits computed from them alone: Ridge fits, paths and K-fold
//! CV, elastic-net paths and K-fold CV.

use std::sync::{Mutex, MutexGuard};

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use super::cv::{CvKwargs, CvResult};
use super::design::{opt_slice, DesignArg};
use super::path::{PathKwargs, PathResult};
use super::ridge::{
    ridge_params, Data, OnRidge, RidgeCvResult, RidgePathResult, RidgeResult, StatsTask,
};
use crate::gram::GramStats;
use crate::problem::FeatureOptions;
use crate::ridge;
use crate::stats_fit;

/// Copies of the statistics behind `parts` (each lock is held only for its copy).
fn copies(parts: &[PyRef<'_, PyGramStats>]) -> crate::error::Result<Vec<GramStats>> {
    parts.iter().map(|f| f.stats().try_clone()).collect()
}

/// Elastic-net path from the statistics alone (covariance mode); same return as `enet_path`.
/// `opts` has `enet_path`'s keys (its `precompute` is ignored).
#[pyfunction]
#[pyo3(signature = (stats, penalty_factor, lower_bounds, upper_bounds, opts))]
fn enet_path_stats<'py>(
    py: Python<'py>,
    stats: PyRef<'py, PyGramStats>,
    penalty_factor: Option<PyReadonlyArray1<'py, f64>>,
    lower_bounds: Option<PyReadonlyArray1<'py, f64>>,
    upper_bounds: Option<PyReadonlyArray1<'py, f64>>,
    opts: PathKwargs,
) -> PyResult<PathResult> {
    let options = FeatureOptions {
        penalty_factor: opt_slice(&penalty_factor, "penalty_factor")?,
        lower_bounds: opt_slice(&lower_bounds, "lower_bounds")?,
        upper_bounds: opt_slice(&upper_bounds, "upper_bounds")?,
        standardize: opts.standardize,
    };
    let params = opts.params()?;
    let core: &PyGramStats = &stats;
    let fit_intercept = opts.fit_intercept;
    let fit =
        py.detach(|| stats_fit::path_from_stats(&core.stats(), fit_intercept, &options, &params))?;
    PathResult::new(py, fit, opts.dense_coef)
}

/// Elastic-net K-fold CV from each fold's statistics alone; same return as `enet_cv`. `opts`
/// has `enet_cv`'s keys (its `precompute` is ignored).
#[pyfunction]
#[pyo3(signature = (folds, penalty_factor, lower_bounds, upper_bounds, opts))]
fn enet_cv_stats<'py>(
    py: Python<'py>,
    folds: Vec<PyRef<'py, PyGramStats>>,
    penalty_factor: Option<PyReadonlyArray1<'py, f64>>,
    lower_bounds: Option<PyReadonlyArray1<'py, f64>>,
    upper_bounds: Option<PyReadonlyArray1<'py, f64>>,
    opts: CvKwargs,
) -> PyResult<CvResult> {
    let options = FeatureOptions {
        penalty_factor: opt_slice(&penalty_factor, "penalty_factor")?,
        lower_bounds: opt_slice(&lower_bounds, "lower_bounds")?,
        upper_bounds: opt_slice(&upper_bounds, "upper_bounds")?,
        standardize: opts.standardize,
    };
    let params = opts.params()?;
    let parts = copies(&folds)?;
    let fit_intercept = opts.fit_intercept;
    let fit =
        py.detach(|| stats_fit::cross_validate_stats(&parts, fit_intercept, &options, &params))?;
    Ok(fit.into())
}

/// K-fold cross-validation from per-fold statistics alone: coef `F×A×t×p` flat, intercept
/// `F×A×t` flat, errors the test MSE `F×A×t` flat.
#[pyfunction]
#[pyo3(signature = (folds, alphas, *, fit_intercept))]
fn ridge_kfold_stats<'py>(
    py: Python<'py>,
    folds: Vec<PyRef<'py, PyGramStats>>,
    alphas: Vec<f64>,
    fit_intercept: bool,
) -> PyResult<RidgeCvResult> {
    let parts = copies(&folds)?;
    let (paths, mse) = py.detach(|| ridge::kfold_from_parts(&parts, &alphas, fit_intercept))?;
    Ok(RidgeCvResult::new(
        py,
        mse,
        RidgePathResult::concat(py, paths),
    ))
}

/// Weighted sufficient statistics accumulated chunk by chunk (the core of `fastreg.GramStats`).
/// Frozen with a lock inside, so one object shared by several Python threads takes their
/// updates one at a time instead of failing to borrow. The lock is only ever taken either
/// with the GIL held and released before returning, or inside `detach` (never both at
/// once), so a thread waiting for it cannot hold the GIL another thread needs.
#[pyclass(name = "GramStatsCore", module = "fastreg._fastreg", frozen)]
struct PyGramStats {
    inner: Mutex<GramStats>,
    // Fixed at construction; kept outside the lock so shape checks never wait on a fit.
    n_features: usize,
    n_targets: usize,
}

impl PyGramStats {
    fn wrap(stats: GramStats) -> Self {
        Self {
            n_features: stats.n_features(),
            n_targets: stats.n_targets(),
            inner: Mutex::new(stats),
        }
    }

    /// The statistics, locked; a panic in another holder leaves them whole (every update is
    /// computed before the lock is taken), so a poisoned lock is still usable.
    fn stats(&self) -> MutexGuard<'_, GramStats> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[pymethods]
impl PyGramStats {
    #[new]
    fn new(n_features: usize, n_targets: usize) -> PyResult<Self> {
        Ok(Self::wrap(GramStats::new(n_features, n_targets)?))
    }

    /// Add a chunk of rows.
    #[pyo3(signature = (x, y, sample_weight))]
    fn update<'py>(
        &self,
        py: Python<'py>,
        x: DesignArg<'py>,
        y: PyReadonlyArray2<'py, f64>,
        sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    ) -> PyResult<()> {
        let chunk = x.run(
            py,
            &OnRidge(StatsTask(Data::borrow(&y, &sample_weight, None)?)),
        )?;
        let (n_features, n_targets) = (self.n_features, self.n_targets);
        if chunk.n_features() != n_features {
            return Err(PyValueError::new_err(format!(
                "X has {} features, the statistics have {}",
                chunk.n_features(),
                n_features
            )));
        }
        if chunk.n_targets() != n_targets {
            return Err(PyValueError::new_err(format!(
                "y has {} targets, the statistics have {}",
                chunk.n_targets(),
                n_targets
            )));
        }
        py.detach(|| self.stats().merge(&chunk))?;
        Ok(())
    }

    /// Pool another set of statistics into this one. `other` is copied first, so merging an
    /// object with itself (the same data twice) is well defined and two threads merging a
    /// and b in opposite directions never wait on each other's lock.
    fn merge(&self, py: Python<'_>, other: PyRef<'_, PyGramStats>) -> PyResult<()> {
        let theirs = other.stats().try_clone()?;
        Ok(py.detach(|| self.stats().merge(&theirs))?)
    }

    /// Rebuild from the values of the getters (used for pickling).
    #[staticmethod]
    #[allow(clippy::too_many_arguments)]
    fn from_parts(
        n_features: usize,
        n_targets: usize,
        count: usize,
        weight_sum: f64,
        x_mean: Vec<f64>,
        y_mean: Vec<f64>,
        xtx: Vec<f64>,
        xty: Vec<f64>,
        yty: Vec<f64>,
    ) -> PyResult<Self> {
        Ok(Self::wrap(GramStats::from_parts(
            n_features, n_targets, count, weight_sum, x_mean, y_mean, xtx, xty, yty,
        )?))
    }

    fn copy(&self) -> PyResult<Self> {
        Ok(Self::wrap(self.stats().try_clone()?))
    }

    #[getter]
    fn n_features(&self) -> usize {
        self.n_features
    }
    #[getter]
    fn n_targets(&self) -> usize {
        self.n_targets
    }
    #[getter]
    fn count(&self) -> usize {
        self.stats().count()
    }
    #[getter]
    fn weight_sum(&self) -> f64 {
        self.stats().w_sum()
    }
    #[getter]
    fn x_mean<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.stats().x_mean().to_vec().into_pyarray(py)
    }
    #[getter]
    fn y_mean<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.stats().y_mean().to_vec().into_pyarray(py)
    }
    /// Centred XᵀWX, flat column-major p × p.
    #[getter]
    fn xtx<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.stats().xx().to_vec().into_pyarray(py)
    }
    /// Centred XᵀWY, flat column-major p × t.
    #[getter]
    fn xty<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.stats().xy().to_vec().into_pyarray(py)
    }
    /// Centred YᵀWY, flat t × t.
    #[getter]
    fn yty<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.stats().yy().to_vec().into_pyarray(py)
    }

    /// Ridge from the statistics; same return as `ridge_fit`.
    #[pyo3(signature = (alphas, *, fit_intercept, solver, positive, tol, max_iter))]
    #[allow(clippy::too_many_arguments)]
    fn fit<'py>(
        &self,
        py: Python<'py>,
        alphas: Vec<f64>,
        fit_intercept: bool,
        solver: &str,
        positive: bool,
        tol: f64,
        max_iter: Option<usize>,
    ) -> PyResult<RidgeResult> {
        let prm = ridge_params(
            alphas,
            self.n_targets,
            fit_intercept,
            solver,
            positive,
            tol,
            max_iter,
        )?;
        let fit = py.detach(|| ridge::fit_stats(&self.stats(), &prm))?;
        Ok(RidgeResult::new(py, fit))
    }

    /// Ridge path from the statistics; same return as `ridge_path`.
    #[pyo3(signature = (alphas, *, fit_intercept))]
    fn path<'py>(
        &self,
        py: Python<'py>,
        alphas: Vec<f64>,
        fit_intercept: bool,
    ) -> PyResult<RidgePathResult> {
        let path = py.detach(|| ridge::path_stats(&self.stats(), &alphas, fit_intercept))?;
        Ok(RidgePathResult::new(py, path))
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ridge_kfold_stats, m)?)?;
    m.add_function(wrap_pyfunction!(enet_path_stats, m)?)?;
    m.add_function(wrap_pyfunction!(enet_cv_stats, m)?)?;
    m.add_class::<PyGramStats>()?;
    Ok(())
}
