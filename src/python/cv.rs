//! Bindings for cross-validation: borrow, check, detach, call `cross_validate`, hand back the
//! held-out errors. The optional progress callback re-attaches to Python once per finished pair.

use numpy::{PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use super::{opt_slice, run_on_csc, run_on_dense, slice, DesignTask, IndexArray};
use crate::cv::{cross_validate, CvFit, CvParams, CvParamsBuilder, Split};
use crate::design::Design;
use crate::params::{EnetParamsBuilder, Selection};
use crate::path::PathParamsBuilder;
use crate::problem::FeatureOptions;

/// (mse[l1_ratio][fold][alpha], n_nonzero (same indexing), n_unconverged, max relative gap)
type CvTuple = (Vec<Vec<Vec<f64>>>, Vec<Vec<Vec<usize>>>, usize, f64);

/// Keyword arguments of both entry points (a dict, like the path bindings').
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct CvKwargs {
    l1_ratios: Vec<f64>,
    alphas: Vec<Vec<f64>>,
    fit_intercept: bool,
    standardize: bool,
    max_iter: usize,
    tol: f64,
    positive: bool,
    random_seed: Option<u64>,
    screening: bool,
    n_jobs: usize,
    precompute: String,
}

impl CvKwargs {
    fn params(&self) -> PyResult<CvParams> {
        let selection = self
            .random_seed
            .map_or(Selection::Cyclic, |seed| Selection::Random { seed });
        Ok(CvParamsBuilder {
            path: PathParamsBuilder {
                point: EnetParamsBuilder {
                    max_iter: self.max_iter,
                    tol: self.tol,
                    positive: self.positive,
                    selection,
                    ..EnetParamsBuilder::default()
                },
                screening: self.screening,
                precompute: super::path::precompute_mode(&self.precompute)?,
                ..PathParamsBuilder::default()
            },
            l1_ratios: self.l1_ratios.clone(),
            alphas: self.alphas.clone(),
            n_jobs: self.n_jobs,
        }
        .check()?)
    }
}

/// Train and test row indices of each fold (as `split()` of a scikit-learn splitter yields).
fn splits(
    train: &[PyReadonlyArray1<'_, i64>],
    test: &[PyReadonlyArray1<'_, i64>],
) -> PyResult<Vec<Split>> {
    if train.len() != test.len() {
        return Err(PyValueError::new_err(
            "need as many train as test index arrays",
        ));
    }
    let rows = |a: &PyReadonlyArray1<'_, i64>, name: &str| -> PyResult<Vec<usize>> {
        slice(a, name)?
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .map_err(|_| PyValueError::new_err(format!("{name} index {i} is negative")))
            })
            .collect()
    };
    train
        .iter()
        .zip(test)
        .map(|(tr, te)| {
            Ok(Split {
                train: rows(tr, "train")?,
                test: rows(te, "test")?,
            })
        })
        .collect()
}

/// Everything but X, borrowed.
struct CvArgs<'s> {
    y: &'s [f64],
    sample_weight: Option<&'s [f64]>,
    fit_intercept: bool,
    options: FeatureOptions<'s>,
    params: CvParams,
    splits: Vec<Split>,
    progress: Option<Py<PyAny>>,
}

impl DesignTask for CvArgs<'_> {
    type Output = CvFit;
    fn run<D: Design>(&self, design: &D) -> crate::Result<CvFit> {
        let tick = |cb: &Py<PyAny>| {
            // A failing callback (e.g. a closed terminal) must not abort the fit.
            Python::attach(|py| {
                let _ = cb.call0(py);
            })
        };
        let progress = self.progress.as_ref().map(|cb| move || tick(cb));
        cross_validate(
            design,
            self.y,
            self.sample_weight,
            self.fit_intercept,
            &self.options,
            &self.params,
            &self.splits,
            progress.as_ref().map(|f| f as &(dyn Fn() + Sync)),
        )
    }
}

fn into_tuple(fit: CvFit) -> CvTuple {
    (fit.mse, fit.n_nonzero, fit.n_unconverged, fit.max_dual_gap)
}

/// Cross-validated elastic-net paths on a dense Fortran-ordered float64 matrix.
#[pyfunction]
#[pyo3(signature = (x, y, sample_weight, penalty_factor, lower_bounds, upper_bounds, train, test, opts, progress=None))]
#[allow(clippy::too_many_arguments)]
fn enet_cv_dense<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    penalty_factor: Option<PyReadonlyArray1<'py, f64>>,
    lower_bounds: Option<PyReadonlyArray1<'py, f64>>,
    upper_bounds: Option<PyReadonlyArray1<'py, f64>>,
    train: Vec<PyReadonlyArray1<'py, i64>>,
    test: Vec<PyReadonlyArray1<'py, i64>>,
    opts: CvKwargs,
    progress: Option<Py<PyAny>>,
) -> PyResult<CvTuple> {
    let args = CvArgs {
        y: slice(&y, "y")?,
        sample_weight: opt_slice(&sample_weight, "sample_weight")?,
        fit_intercept: opts.fit_intercept,
        options: FeatureOptions {
            penalty_factor: opt_slice(&penalty_factor, "penalty_factor")?,
            lower_bounds: opt_slice(&lower_bounds, "lower_bounds")?,
            upper_bounds: opt_slice(&upper_bounds, "upper_bounds")?,
            standardize: opts.standardize,
        },
        params: opts.params()?,
        splits: splits(&train, &test)?,
        progress,
    };
    let fit = run_on_dense(py, &x, &args)?;
    Ok(into_tuple(fit))
}

/// Cross-validated elastic-net paths on a CSC matrix given by its three arrays; never densified.
#[pyfunction]
#[pyo3(signature = (data, indices, indptr, n_samples, y, sample_weight, penalty_factor, lower_bounds, upper_bounds, train, test, opts, progress=None))]
#[allow(clippy::too_many_arguments)]
fn enet_cv_csc<'py>(
    py: Python<'py>,
    data: PyReadonlyArray1<'py, f64>,
    indices: IndexArray<'py>,
    indptr: IndexArray<'py>,
    n_samples: usize,
    y: PyReadonlyArray1<'py, f64>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    penalty_factor: Option<PyReadonlyArray1<'py, f64>>,
    lower_bounds: Option<PyReadonlyArray1<'py, f64>>,
    upper_bounds: Option<PyReadonlyArray1<'py, f64>>,
    train: Vec<PyReadonlyArray1<'py, i64>>,
    test: Vec<PyReadonlyArray1<'py, i64>>,
    opts: CvKwargs,
    progress: Option<Py<PyAny>>,
) -> PyResult<CvTuple> {
    let args = CvArgs {
        y: slice(&y, "y")?,
        sample_weight: opt_slice(&sample_weight, "sample_weight")?,
        fit_intercept: opts.fit_intercept,
        options: FeatureOptions {
            penalty_factor: opt_slice(&penalty_factor, "penalty_factor")?,
            lower_bounds: opt_slice(&lower_bounds, "lower_bounds")?,
            upper_bounds: opt_slice(&upper_bounds, "upper_bounds")?,
            standardize: opts.standardize,
        },
        params: opts.params()?,
        splits: splits(&train, &test)?,
        progress,
    };
    let fit = run_on_csc(py, &data, &indices, &indptr, n_samples, &args)?;
    Ok(into_tuple(fit))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(enet_cv_dense, m)?)?;
    m.add_function(wrap_pyfunction!(enet_cv_csc, m)?)?;
    Ok(())
}
