//! Bindings for regularisation paths: borrow, check, detach, call `fit_path`, hand back.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use super::{opt_slice, run_on_csc, run_on_dense, slice, DesignTask, IndexArray};
use crate::cd::Precompute;
use crate::design::Design;
use crate::params::{EnetParamsBuilder, Selection};
use crate::path::{fit_path, AlphaGrid, PathFit, PathParams, PathParamsBuilder};
use crate::problem::{FeatureOptions, Problem};

/// Compressed sparse columns of the p × n_alphas coefficients: (indptr, indices, values).
type SparseColumns<'py> = (
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<i32>>,
    Bound<'py, PyArray1<f64>>,
);

/// (alphas, coefs, intercepts, dual_gaps, primals, n_iters, converged, dev_ratio,
/// kkt_resolves)
type PathTuple<'py> = (
    Bound<'py, PyArray1<f64>>,
    SparseColumns<'py>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<usize>>,
    Bound<'py, PyArray1<bool>>,
    Bound<'py, PyArray1<f64>>,
    usize,
);

fn into_tuple(py: Python<'_>, fit: PathFit) -> PyResult<PathTuple<'_>> {
    // int32 indices (p < 2³¹ is checked before the fit), which scipy keeps without a copy
    let indptr: Vec<i64> = fit.coef_indptr.iter().map(|&i| i as i64).collect();
    let indices: Vec<i32> = fit.coef_indices.iter().map(|&j| j as i32).collect();
    drop(fit.coef_indices);
    let mut values = fit.coef_values;
    values.shrink_to_fit();
    let coefs = (
        indptr.into_pyarray(py),
        indices.into_pyarray(py),
        values.into_pyarray(py),
    );
    Ok((
        fit.alphas.into_pyarray(py),
        coefs,
        fit.intercepts.into_pyarray(py),
        fit.dual_gaps.into_pyarray(py),
        fit.primals.into_pyarray(py),
        fit.n_iters.into_pyarray(py),
        fit.converged.into_pyarray(py),
        fit.dev_ratio.into_pyarray(py),
        fit.kkt_resolves,
    ))
}

/// Everything but X, borrowed.
struct PathArgs<'s> {
    y: &'s [f64],
    sample_weight: Option<&'s [f64]>,
    coef_init: Option<&'s [f64]>,
    fit_intercept: bool,
    options: FeatureOptions<'s>,
    params: PathParams,
}

impl DesignTask for PathArgs<'_> {
    type Output = PathFit;
    fn run<D: Design>(&self, design: &D) -> crate::Result<PathFit> {
        if i32::try_from(design.n_features()).is_err() {
            return Err(crate::error::invalid(
                "X",
                "a path returned to Python holds at most 2^31 - 1 features",
            ));
        }
        let pb = Problem::with_options(
            design,
            self.y,
            self.sample_weight,
            self.fit_intercept,
            &self.options,
        )?;
        fit_path(&pb, &self.params, self.coef_init)
    }
}

/// Keyword arguments shared by both entry points.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct PathKwargs {
    alphas: Option<Vec<f64>>,
    n_alphas: usize,
    eps: f64,
    l1_ratio: f64,
    fit_intercept: bool,
    standardize: bool,
    max_iter: usize,
    tol: f64,
    rel_tol: f64,
    positive: bool,
    random_seed: Option<u64>,
    screening: bool,
    n_jobs: usize,
    early_stop: bool,
    precompute: String,
}

/// `'auto'`, `'always'` or `'never'` (the Python layer maps scikit-learn's values onto these).
pub(super) fn precompute_mode(s: &str) -> PyResult<Precompute> {
    match s {
        "auto" => Ok(Precompute::Auto),
        "always" => Ok(Precompute::Always),
        "never" => Ok(Precompute::Never),
        other => Err(pyo3::exceptions::PyValueError::new_err(format!(
            "precompute mode must be 'auto', 'always' or 'never', got {other:?}"
        ))),
    }
}

impl PathKwargs {
    fn params(&self) -> PyResult<PathParams> {
        let selection = self
            .random_seed
            .map_or(Selection::Cyclic, |seed| Selection::Random { seed });
        Ok(PathParamsBuilder {
            point: EnetParamsBuilder {
                max_iter: self.max_iter,
                tol: self.tol,
                rel_tol: self.rel_tol,
                positive: self.positive,
                selection,
                ..EnetParamsBuilder::default()
            },
            l1_ratio: self.l1_ratio,
            alphas: match &self.alphas {
                Some(a) => AlphaGrid::Given(a.clone()),
                None => AlphaGrid::Auto {
                    count: self.n_alphas,
                    min_ratio: self.eps,
                },
            },
            screening: self.screening,
            n_jobs: self.n_jobs,
            early_stop: self.early_stop,
            precompute: precompute_mode(&self.precompute)?,
        }
        .check()?)
    }
}

/// Elastic-net path on a dense Fortran-ordered float64 matrix. `opts` is a dict with the keys of
/// `PathKwargs`.
#[pyfunction]
#[pyo3(signature = (x, y, sample_weight, coef_init, penalty_factor, lower_bounds, upper_bounds, opts))]
#[allow(clippy::too_many_arguments)]
fn enet_path_dense<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    coef_init: Option<PyReadonlyArray1<'py, f64>>,
    penalty_factor: Option<PyReadonlyArray1<'py, f64>>,
    lower_bounds: Option<PyReadonlyArray1<'py, f64>>,
    upper_bounds: Option<PyReadonlyArray1<'py, f64>>,
    opts: PathKwargs,
) -> PyResult<PathTuple<'py>> {
    let args = PathArgs {
        y: slice(&y, "y")?,
        sample_weight: opt_slice(&sample_weight, "sample_weight")?,
        coef_init: opt_slice(&coef_init, "coef_init")?,
        fit_intercept: opts.fit_intercept,
        options: FeatureOptions {
            penalty_factor: opt_slice(&penalty_factor, "penalty_factor")?,
            lower_bounds: opt_slice(&lower_bounds, "lower_bounds")?,
            upper_bounds: opt_slice(&upper_bounds, "upper_bounds")?,
            standardize: opts.standardize,
        },
        params: opts.params()?,
    };
    let fit = run_on_dense(py, &x, &args)?;
    into_tuple(py, fit)
}

/// Elastic-net path on a CSC matrix given by its three arrays; never densified.
#[pyfunction]
#[pyo3(signature = (data, indices, indptr, n_samples, y, sample_weight, coef_init, penalty_factor, lower_bounds, upper_bounds, opts))]
#[allow(clippy::too_many_arguments)]
fn enet_path_csc<'py>(
    py: Python<'py>,
    data: PyReadonlyArray1<'py, f64>,
    indices: IndexArray<'py>,
    indptr: IndexArray<'py>,
    n_samples: usize,
    y: PyReadonlyArray1<'py, f64>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    coef_init: Option<PyReadonlyArray1<'py, f64>>,
    penalty_factor: Option<PyReadonlyArray1<'py, f64>>,
    lower_bounds: Option<PyReadonlyArray1<'py, f64>>,
    upper_bounds: Option<PyReadonlyArray1<'py, f64>>,
    opts: PathKwargs,
) -> PyResult<PathTuple<'py>> {
    let args = PathArgs {
        y: slice(&y, "y")?,
        sample_weight: opt_slice(&sample_weight, "sample_weight")?,
        coef_init: opt_slice(&coef_init, "coef_init")?,
        fit_intercept: opts.fit_intercept,
        options: FeatureOptions {
            penalty_factor: opt_slice(&penalty_factor, "penalty_factor")?,
            lower_bounds: opt_slice(&lower_bounds, "lower_bounds")?,
            upper_bounds: opt_slice(&upper_bounds, "upper_bounds")?,
            standardize: opts.standardize,
        },
        params: opts.params()?,
    };
    let fit = run_on_csc(py, &data, &indices, &indptr, n_samples, &args)?;
    into_tuple(py, fit)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(enet_path_dense, m)?)?;
    m.add_function(wrap_pyfunction!(enet_path_csc, m)?)?;
    Ok(())
}
