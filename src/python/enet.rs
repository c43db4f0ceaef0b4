//! Binding behind `ElasticNet.fit` / `Lasso.fit`: one elastic-net solve at one (l1, l2) on
//! either layout of X, returned as an [`EnetResult`].

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use super::design::{opt_slice, slice, DesignArg, DesignTask};
use crate::design::Design;
use crate::params::{EnetParams, EnetParamsBuilder, Selection};
use crate::problem::Problem;
use crate::{fit_enet, EnetFit};

/// One elastic-net solution and its certificate.
#[pyclass(name = "EnetResult", module = "fastreg._fastreg", frozen, get_all)]
pub(crate) struct EnetResult {
    /// Coefficients, shape (n_features,).
    coef: Py<PyArray1<f64>>,
    intercept: f64,
    /// Duality gap of the solution (objective units).
    dual_gap: f64,
    /// Epochs run.
    n_iter: usize,
    /// Whether the gap reached the target (and, with `coef_tol`, the last epoch settled)
    /// within `max_iter` epochs.
    converged: bool,
}

impl EnetResult {
    fn new(py: Python<'_>, fit: EnetFit) -> Self {
        Self {
            coef: fit.coef.into_pyarray(py).unbind(),
            intercept: fit.intercept,
            dual_gap: fit.dual_gap,
            n_iter: fit.n_iter,
            converged: fit.converged,
        }
    }
}

/// Everything but X, borrowed.
struct EnetArgs<'s> {
    y: &'s [f64],
    sample_weight: Option<&'s [f64]>,
    coef_init: Option<&'s [f64]>,
    fit_intercept: bool,
    params: EnetParams,
}

impl DesignTask for EnetArgs<'_> {
    type Output = EnetFit;
    fn run<D: Design>(&self, design: &D) -> crate::Result<EnetFit> {
        let pb = Problem::new(design, self.y, self.sample_weight, self.fit_intercept)?;
        fit_enet(&pb, &self.params, self.coef_init)
    }
}

fn params(
    l1: f64,
    l2: f64,
    max_iter: usize,
    tol: f64,
    coef_tol: f64,
    positive: bool,
    seed: Option<u64>,
) -> PyResult<EnetParams> {
    let selection = seed.map_or(Selection::Cyclic, |seed| Selection::Random { seed });
    Ok(EnetParamsBuilder {
        l1,
        l2,
        max_iter,
        tol,
        rel_tol: 0.0,
        coef_tol,
        positive,
        selection,
    }
    .check()?)
}

/// Elastic net on X (a dense Fortran-ordered float64 array or a CSC triple; never densified).
#[pyfunction]
#[pyo3(signature = (x, y, sample_weight, coef_init, *, l1, l2, fit_intercept, max_iter, tol, coef_tol, positive, random_seed))]
#[allow(clippy::too_many_arguments)]
fn enet_fit<'py>(
    py: Python<'py>,
    x: DesignArg<'py>,
    y: PyReadonlyArray1<'py, f64>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    coef_init: Option<PyReadonlyArray1<'py, f64>>,
    l1: f64,
    l2: f64,
    fit_intercept: bool,
    max_iter: usize,
    tol: f64,
    coef_tol: f64,
    positive: bool,
    random_seed: Option<u64>,
) -> PyResult<EnetResult> {
    let args = EnetArgs {
        y: slice(&y, "y")?,
        sample_weight: opt_slice(&sample_weight, "sample_weight")?,
        coef_init: opt_slice(&coef_init, "coef_init")?,
        fit_intercept,
        params: params(l1, l2, max_iter, tol, coef_tol, positive, random_seed)?,
    };
    let fit = x.run(py, &args)?;
    Ok(EnetResult::new(py, fit))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(enet_fit, m)?)?;
    m.add_class::<EnetResult>()?;
    Ok(())
}
