//! Binding behind `ElasticNetCV` / `LassoCV`: every (l1_ratio, fold) path on either layout of
//! X, returned as the held-out errors of a [`CvResult`]. The optional progress callback
//! re-attaches to Python once per finished pair.

use numpy::PyReadonlyArray1;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use super::design::{opt_slice, slice, DesignArg, DesignTask};
use crate::cv::{cross_validate, CvFit, CvParams, CvParamsBuilder, Split};
use crate::design::Design;
use crate::params::{EnetParamsBuilder, Selection};
use crate::path::PathParamsBuilder;
use crate::problem::FeatureOptions;

/// The held-out errors of every (l1_ratio, fold, α) fit.
#[pyclass(name = "CvResult", module = "fastreg._fastreg", frozen, get_all)]
pub(crate) struct CvResult {
    /// Held-out mean squared error, `mse[l1_ratio][fold][alpha]`.
    mse: Vec<Vec<Vec<f64>>>,
    /// Non-zero coefficients of each fold's fit, indexed like `mse`.
    n_nonzero: Vec<Vec<Vec<usize>>>,
    /// Fits that did not reach the duality-gap target.
    n_unconverged: usize,
    /// Largest relative duality gap (gap / objective) over every fit.
    max_relative_gap: f64,
}

impl From<CvFit> for CvResult {
    fn from(fit: CvFit) -> Self {
        Self {
            mse: fit.mse,
            n_nonzero: fit.n_nonzero,
            n_unconverged: fit.n_unconverged,
            max_relative_gap: fit.max_dual_gap,
        }
    }
}

/// The options of a cross-validation (a dict with these keys, like the path binding's).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(super) struct CvKwargs {
    l1_ratios: Vec<f64>,
    alphas: Vec<Vec<f64>>,
    pub(super) fit_intercept: bool,
    pub(super) standardize: bool,
    max_iter: usize,
    tol: f64,
    /// scikit-learn's coefficient-change condition (see `EnetParamsBuilder::coef_tol`); 0: off
    coef_tol: f64,
    positive: bool,
    random_seed: Option<u64>,
    screening: bool,
    n_jobs: usize,
    precompute: String,
}

impl CvKwargs {
    pub(super) fn params(&self) -> PyResult<CvParams> {
        let selection = self
            .random_seed
            .map_or(Selection::Cyclic, |seed| Selection::Random { seed });
        Ok(CvParamsBuilder {
            path: PathParamsBuilder {
                point: EnetParamsBuilder {
                    max_iter: self.max_iter,
                    tol: self.tol,
                    coef_tol: self.coef_tol,
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

/// Cross-validated elastic-net paths on X (a dense Fortran-ordered float64 array or a CSC
/// triple; never densified); a fold is X with its held-out rows given weight zero.
#[pyfunction]
#[pyo3(signature = (x, y, sample_weight, penalty_factor, lower_bounds, upper_bounds, train, test, opts, progress=None))]
#[allow(clippy::too_many_arguments)]
fn enet_cv<'py>(
    py: Python<'py>,
    x: DesignArg<'py>,
    y: PyReadonlyArray1<'py, f64>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    penalty_factor: Option<PyReadonlyArray1<'py, f64>>,
    lower_bounds: Option<PyReadonlyArray1<'py, f64>>,
    upper_bounds: Option<PyReadonlyArray1<'py, f64>>,
    train: Vec<PyReadonlyArray1<'py, i64>>,
    test: Vec<PyReadonlyArray1<'py, i64>>,
    opts: CvKwargs,
    progress: Option<Py<PyAny>>,
) -> PyResult<CvResult> {
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
    Ok(x.run(py, &args)?.into())
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(enet_cv, m)?)?;
    m.add_class::<CvResult>()?;
    Ok(())
}
