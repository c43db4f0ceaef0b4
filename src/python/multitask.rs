//! Binding behind `enet_path` / `lasso_path` with several targets: a multi-task elastic-net
//! path on either layout of X, returned as a [`MultiTaskPathResult`].

use numpy::{IntoPyArray, PyArray1, PyArray2, PyArray3, PyArrayMethods, PyReadonlyArray1};
use pyo3::prelude::*;

use super::design::{opt_slice, slice, DesignArg, DesignTask};
use crate::cd::multitask::{
    fit_multitask_path, MultiTaskParams, MultiTaskParamsBuilder, MultiTaskPathFit,
};
use crate::design::Design;
use crate::params::Selection;

/// A fitted multi-task path, one entry per α.
#[pyclass(
    name = "MultiTaskPathResult",
    module = "fastreg._fastreg",
    frozen,
    get_all
)]
pub(crate) struct MultiTaskPathResult {
    alphas: Py<PyArray1<f64>>,
    /// `(n_targets, n_features, n_alphas)`, scikit-learn's layout.
    coefs: Py<PyArray3<f64>>,
    /// `(n_targets, n_alphas)`
    intercepts: Py<PyArray2<f64>>,
    /// Duality gap of each point (objective units, per sample).
    dual_gaps: Py<PyArray1<f64>>,
    /// Primal objective of each point.
    objectives: Py<PyArray1<f64>>,
    /// Epochs run at each α.
    n_iters: Py<PyArray1<usize>>,
    converged: Py<PyArray1<bool>>,
}

impl MultiTaskPathResult {
    fn new(py: Python<'_>, fit: MultiTaskPathFit) -> PyResult<Self> {
        let (t, p, m) = (fit.n_tasks, fit.n_features, fit.alphas.len());
        Ok(Self {
            alphas: fit.alphas.into_pyarray(py).unbind(),
            coefs: fit.coefs.into_pyarray(py).reshape([t, p, m])?.unbind(),
            intercepts: fit.intercepts.into_pyarray(py).reshape([t, m])?.unbind(),
            dual_gaps: fit.dual_gaps.into_pyarray(py).unbind(),
            objectives: fit.primals.into_pyarray(py).unbind(),
            n_iters: fit.n_iters.into_pyarray(py).unbind(),
            converged: fit.converged.into_pyarray(py).unbind(),
        })
    }
}

/// Everything but X, borrowed.
struct MultiTaskArgs<'s> {
    y: &'s [f64],
    n_tasks: usize,
    sample_weight: Option<&'s [f64]>,
    coef_init: Option<&'s [f64]>,
    fit_intercept: bool,
    params: MultiTaskParams,
}

impl DesignTask for MultiTaskArgs<'_> {
    type Output = MultiTaskPathFit;
    fn run<D: Design>(&self, design: &D) -> crate::Result<MultiTaskPathFit> {
        fit_multitask_path(
            design,
            self.y,
            self.n_tasks,
            self.sample_weight,
            self.fit_intercept,
            &self.params,
            self.coef_init,
        )
    }
}

/// The options of a multi-task path (a dict with these keys).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct MultiTaskKwargs {
    alphas: Vec<f64>,
    l1_ratio: f64,
    fit_intercept: bool,
    max_iter: usize,
    tol: f64,
    random_seed: Option<u64>,
    screening: bool,
}

/// Multi-task elastic-net path on X (a dense Fortran-ordered float64 array or a CSC triple;
/// never densified). `y` holds the `n_tasks` targets column after column; `coef_init` is
/// `(n_tasks, n_features)` flattened row by row. `opts` is a dict with the keys of
/// `MultiTaskKwargs`.
#[pyfunction]
#[pyo3(signature = (x, y, n_tasks, sample_weight, coef_init, opts))]
fn enet_path_multitask<'py>(
    py: Python<'py>,
    x: DesignArg<'py>,
    y: PyReadonlyArray1<'py, f64>,
    n_tasks: usize,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    coef_init: Option<PyReadonlyArray1<'py, f64>>,
    opts: MultiTaskKwargs,
) -> PyResult<MultiTaskPathResult> {
    let params = MultiTaskParamsBuilder {
        alphas: opts.alphas,
        l1_ratio: opts.l1_ratio,
        max_iter: opts.max_iter,
        tol: opts.tol,
        screening: opts.screening,
        selection: opts
            .random_seed
            .map_or(Selection::Cyclic, |seed| Selection::Random { seed }),
    }
    .check()?;
    let args = MultiTaskArgs {
        y: slice(&y, "y")?,
        n_tasks,
        sample_weight: opt_slice(&sample_weight, "sample_weight")?,
        coef_init: opt_slice(&coef_init, "coef_init")?,
        fit_intercept: opts.fit_intercept,
        params,
    };
    let fit = x.run(py, &args)?;
    MultiTaskPathResult::new(py, fit)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(enet_path_multitask, m)?)?;
    m.add_class::<MultiTaskPathResult>()?;
    Ok(())
}
