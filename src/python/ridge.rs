//! Ridge bindings: a design argument (dense Fortran array or CSC triple, see [`DesignArg`]), a
//! column-major response, optional weights; each call borrows, checks layout, releases the GIL
//! and returns flat arrays that `_ridge.py` reshapes. Ridge from accumulated statistics is in
//! `gram.rs`.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::design::{CscDesign, DenseDesign, SparseIndex};
use crate::gram::GramStats;
use crate::ridge::{
    self, LooMode, RidgeDesign, RidgeFit, RidgeLoo, RidgeParams, RidgeParamsBuilder, RidgePath,
    RidgeSolver,
};

use super::design::{opt_slice, DesignArg, LayoutTask};

/// A Ridge computation with everything but X borrowed; unlike a [`super::DesignTask`] it needs
/// the [`RidgeDesign`] products, so it reaches the shared layout dispatch through [`OnRidge`].
pub(super) trait RidgeTask: Sync {
    type Output: Send;
    fn run<D: RidgeDesign>(&self, x: &D) -> crate::Result<Self::Output>;
}

/// Adapter running a [`RidgeTask`] with `run_on_dense` / `run_on_csc` (both layouts implement
/// [`RidgeDesign`]).
pub(super) struct OnRidge<T>(pub(super) T);

impl<T: RidgeTask> LayoutTask for OnRidge<T> {
    type Output = T::Output;
    fn run_dense(&self, x: &DenseDesign<'_>) -> crate::Result<T::Output> {
        self.0.run(x)
    }
    fn run_csc<I: SparseIndex>(&self, x: &CscDesign<'_, I>) -> crate::Result<T::Output> {
        self.0.run(x)
    }
}

/// The response, weights and thread count every Ridge entry point borrows.
pub(super) struct Data<'s> {
    y: &'s [f64],
    t: usize,
    w: Option<&'s [f64]>,
    threads: Option<usize>,
}

impl<'s> Data<'s> {
    pub(super) fn borrow(
        y: &'s PyReadonlyArray2<'_, f64>,
        w: &'s Option<PyReadonlyArray1<'_, f64>>,
        threads: Option<usize>,
    ) -> PyResult<Self> {
        let (y, t) = response(y)?;
        Ok(Self {
            y,
            t,
            w: opt_slice(w, "sample_weight")?,
            threads,
        })
    }

    /// Runs `f(x, y, t, w)` on the requested pool.
    fn on_pool<D: RidgeDesign, R: Send>(
        &self,
        x: &D,
        f: impl FnOnce(&D, &[f64], usize, Option<&[f64]>) -> crate::Result<R> + Send,
    ) -> crate::Result<R> {
        with_threads(self.threads, || f(x, self.y, self.t, self.w))
    }
}

struct FitTask<'s>(Data<'s>, RidgeParams);
impl RidgeTask for FitTask<'_> {
    type Output = RidgeFit;
    fn run<D: RidgeDesign>(&self, x: &D) -> crate::Result<RidgeFit> {
        self.0
            .on_pool(x, |x, y, t, w| ridge::fit(x, y, t, w, &self.1))
    }
}

struct PathTask<'s>(Data<'s>, Vec<f64>, bool);
impl RidgeTask for PathTask<'_> {
    type Output = RidgePath;
    fn run<D: RidgeDesign>(&self, x: &D) -> crate::Result<RidgePath> {
        self.0
            .on_pool(x, |x, y, t, w| ridge::path(x, y, t, w, &self.1, self.2))
    }
}

struct LooTask<'s>(Data<'s>, Vec<f64>, bool, LooMode);
impl RidgeTask for LooTask<'_> {
    type Output = RidgeLoo;
    fn run<D: RidgeDesign>(&self, x: &D) -> crate::Result<RidgeLoo> {
        self.0.on_pool(x, |x, y, t, w| {
            ridge::loo(x, y, t, w, &self.1, self.2, self.3)
        })
    }
}

struct KfoldTask<'s>(Data<'s>, Vec<Vec<usize>>, Vec<f64>, bool);
impl RidgeTask for KfoldTask<'_> {
    type Output = Vec<RidgePath>;
    fn run<D: RidgeDesign>(&self, x: &D) -> crate::Result<Vec<RidgePath>> {
        self.0.on_pool(x, |x, y, t, w| {
            ridge::kfold_paths(x, y, t, w, &self.1, &self.2, self.3)
        })
    }
}

pub(super) struct StatsTask<'s>(pub(super) Data<'s>);
impl RidgeTask for StatsTask<'_> {
    type Output = GramStats;
    fn run<D: RidgeDesign>(&self, x: &D) -> crate::Result<GramStats> {
        x.gram_stats(self.0.y, self.0.t, self.0.w)
    }
}

/// A column-major `n × t` response as a flat slice and its number of columns.
fn response<'a>(y: &'a PyReadonlyArray2<'_, f64>) -> PyResult<(&'a [f64], usize)> {
    let t = y.shape()[1];
    if !y.is_fortran_contiguous() && y.shape()[0] > 1 && t > 1 {
        return Err(PyValueError::new_err(
            "y must be Fortran-contiguous (column-major)",
        ));
    }
    Ok((
        y.as_slice()
            .map_err(|_| PyValueError::new_err("y must be contiguous"))?,
        t,
    ))
}

/// Run `f` on a pool of `threads` threads, by default as many as rayon's global pool has
/// (a cached pool of that size rather than the global pool itself, so that Ctrl-C is polled
/// while it works, see `parallel::within`).
fn with_threads<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> crate::Result<T> + Send,
) -> crate::Result<T> {
    let threads = threads.unwrap_or_else(rayon::current_num_threads);
    match crate::parallel::cached_pool(threads) {
        Ok(pool) => crate::parallel::within(Some(&pool), f),
        Err(_) => f(),
    }
}

fn parse_solver(name: &str) -> PyResult<RidgeSolver> {
    Ok(match name {
        "auto" => RidgeSolver::Auto,
        "cholesky" => RidgeSolver::Cholesky,
        "eigh" => RidgeSolver::Eigh,
        "cg" => RidgeSolver::Cg,
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown core solver {other:?} (expected auto, cholesky, eigh or cg)"
            )))
        }
    })
}

fn parse_loo_mode(name: &str) -> PyResult<LooMode> {
    Ok(match name {
        "auto" => LooMode::Auto,
        "gram" => LooMode::Gram,
        "kernel" => LooMode::Kernel,
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown LOO mode {other:?} (expected auto, gram or kernel)"
            )))
        }
    })
}

#[allow(clippy::too_many_arguments)]
pub(super) fn ridge_params(
    alphas: Vec<f64>,
    t: usize,
    fit_intercept: bool,
    solver: &str,
    positive: bool,
    tol: f64,
    max_iter: Option<usize>,
) -> PyResult<RidgeParams> {
    Ok(RidgeParamsBuilder {
        alphas,
        fit_intercept,
        solver: parse_solver(solver)?,
        positive,
        tol,
        max_iter,
    }
    .check(t)?)
}

/// A Ridge fit: `coef` is `t × p` flat, `intercept` has one entry per target.
#[pyclass(name = "RidgeResult", module = "fastreg._fastreg", frozen, get_all)]
pub(super) struct RidgeResult {
    coef: Py<PyArray1<f64>>,
    intercept: Py<PyArray1<f64>>,
    /// The solver that produced the solution (may differ from the one asked for).
    solver: &'static str,
    /// Iterations of an iterative solver.
    n_iter: usize,
    converged: bool,
}

impl RidgeResult {
    pub(super) fn new(py: Python<'_>, f: RidgeFit) -> Self {
        Self {
            coef: f.coef.into_pyarray(py).unbind(),
            intercept: f.intercept.into_pyarray(py).unbind(),
            solver: f.solver.name(),
            n_iter: f.n_iter,
            converged: f.converged,
        }
    }
}

/// Ridge coefficients for every α (and every fold, for K-fold paths), flat in the order the
/// producing function documents.
#[pyclass(name = "RidgePathResult", module = "fastreg._fastreg", frozen, get_all)]
pub(super) struct RidgePathResult {
    coef: Py<PyArray1<f64>>,
    intercept: Py<PyArray1<f64>>,
}

impl RidgePathResult {
    pub(super) fn new(py: Python<'_>, p: RidgePath) -> Self {
        Self::from_parts(py, p.coef, p.intercept)
    }

    /// The paths of the folds one after the other.
    pub(super) fn concat(py: Python<'_>, paths: Vec<RidgePath>) -> Self {
        let mut coef = Vec::new();
        let mut intercept = Vec::new();
        for p in paths {
            coef.extend(p.coef);
            intercept.extend(p.intercept);
        }
        Self::from_parts(py, coef, intercept)
    }

    fn from_parts(py: Python<'_>, coef: Vec<f64>, intercept: Vec<f64>) -> Self {
        Self {
            coef: coef.into_pyarray(py).unbind(),
            intercept: intercept.into_pyarray(py).unbind(),
        }
    }
}

/// Ridge cross-validation: per-α coefficients and the held-out errors.
#[pyclass(name = "RidgeCvResult", module = "fastreg._fastreg", frozen, get_all)]
pub(super) struct RidgeCvResult {
    /// Leave-one-out residuals (`A×t×n` flat) or K-fold test MSE (`F×A×t` flat).
    errors: Py<PyArray1<f64>>,
    coef: Py<PyArray1<f64>>,
    intercept: Py<PyArray1<f64>>,
}

impl RidgeCvResult {
    pub(super) fn new(py: Python<'_>, errors: Vec<f64>, path: RidgePathResult) -> Self {
        Self {
            errors: errors.into_pyarray(py).unbind(),
            coef: path.coef,
            intercept: path.intercept,
        }
    }
}

/// Fit Ridge on X (a dense Fortran-ordered float64 array or a CSC triple).
#[pyfunction]
#[pyo3(signature = (x, y, sample_weight, alphas, *, fit_intercept, solver, positive, tol, max_iter, threads))]
#[allow(clippy::too_many_arguments)]
fn ridge_fit<'py>(
    py: Python<'py>,
    x: DesignArg<'py>,
    y: PyReadonlyArray2<'py, f64>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    alphas: Vec<f64>,
    fit_intercept: bool,
    solver: &str,
    positive: bool,
    tol: f64,
    max_iter: Option<usize>,
    threads: Option<usize>,
) -> PyResult<RidgeResult> {
    let data = Data::borrow(&y, &sample_weight, threads)?;
    let prm = ridge_params(
        alphas,
        data.t,
        fit_intercept,
        solver,
        positive,
        tol,
        max_iter,
    )?;
    let fit = x.run(py, &OnRidge(FitTask(data, prm)))?;
    Ok(RidgeResult::new(py, fit))
}

/// Coefficients for every α: coef `A×t×p` flat, intercept `A×t` flat.
#[pyfunction]
#[pyo3(signature = (x, y, sample_weight, alphas, *, fit_intercept, threads))]
fn ridge_path<'py>(
    py: Python<'py>,
    x: DesignArg<'py>,
    y: PyReadonlyArray2<'py, f64>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    alphas: Vec<f64>,
    fit_intercept: bool,
    threads: Option<usize>,
) -> PyResult<RidgePathResult> {
    let data = Data::borrow(&y, &sample_weight, threads)?;
    let path = x.run(py, &OnRidge(PathTask(data, alphas, fit_intercept)))?;
    Ok(RidgePathResult::new(py, path))
}

/// Leave-one-out residuals and coefficients for every α: errors `A×t×n` flat, coef `A×t×p`
/// flat, intercept `A×t` flat.
#[pyfunction]
#[pyo3(signature = (x, y, sample_weight, alphas, *, fit_intercept, mode, threads))]
#[allow(clippy::too_many_arguments)]
fn ridge_loo<'py>(
    py: Python<'py>,
    x: DesignArg<'py>,
    y: PyReadonlyArray2<'py, f64>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    alphas: Vec<f64>,
    fit_intercept: bool,
    mode: &str,
    threads: Option<usize>,
) -> PyResult<RidgeCvResult> {
    let data = Data::borrow(&y, &sample_weight, threads)?;
    let task = LooTask(data, alphas, fit_intercept, parse_loo_mode(mode)?);
    let loo = x.run(py, &OnRidge(task))?;
    Ok(RidgeCvResult::new(
        py,
        loo.errors,
        RidgePathResult::new(py, loo.path),
    ))
}

/// K-fold paths by Gram down-dating; `folds` are the test rows of each fold and must partition
/// the samples. Returns coef `F×A×t×p` flat, intercept `F×A×t` flat.
#[pyfunction]
#[pyo3(signature = (x, y, sample_weight, folds, alphas, *, fit_intercept, threads))]
#[allow(clippy::too_many_arguments)]
fn ridge_kfold<'py>(
    py: Python<'py>,
    x: DesignArg<'py>,
    y: PyReadonlyArray2<'py, f64>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    folds: Vec<Vec<usize>>,
    alphas: Vec<f64>,
    fit_intercept: bool,
    threads: Option<usize>,
) -> PyResult<RidgePathResult> {
    let data = Data::borrow(&y, &sample_weight, threads)?;
    let paths = x.run(py, &OnRidge(KfoldTask(data, folds, alphas, fit_intercept)))?;
    Ok(RidgePathResult::concat(py, paths))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ridge_fit, m)?)?;
    m.add_function(wrap_pyfunction!(ridge_path, m)?)?;
    m.add_function(wrap_pyfunction!(ridge_loo, m)?)?;
    m.add_function(wrap_pyfunction!(ridge_kfold, m)?)?;
    m.add_class::<RidgeResult>()?;
    m.add_class::<RidgePathResult>()?;
    m.add_class::<RidgeCvResult>()?;
    Ok(())
}
