//! Binding behind `fastreg.path`, `enet_path` and the one-α fits with glmnet's options: an
//! elastic-net path on either layout of X, returned as a [`PathResult`].

use numpy::{IntoPyArray, PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::prelude::*;

use super::design::{opt_slice, slice, DesignArg, DesignTask};
use crate::cd::Precompute;
use crate::design::Design;
use crate::params::{EnetParamsBuilder, Selection};
use crate::path::{fit_design_path, AlphaGrid, PathFit, PathParams, PathParamsBuilder};
use crate::problem::FeatureOptions;

/// Dense coefficient arrays up to this size are returned dense even where the sparse form
/// would be smaller: making a scipy matrix took 0.26 ms of a cold 0.84 ms wine path.
const SMALL_DENSE_BYTES: usize = 1 << 20;

/// The path's coefficients for Python: dense when asked for, when the dense array is at most
/// `SMALL_DENSE_BYTES`, or when it is no larger than the sparse form (12 bytes per non-zero
/// against 8 per entry); otherwise CSC with int32 indices (p < 2³¹ is checked before the
/// fit), which scipy keeps without a copy.
fn coefs_to_python<'py>(
    py: Python<'py>,
    fit: &mut PathFit,
    dense: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let (p, k) = (fit.n_features, fit.alphas.len());
    let dense_bytes = 8 * p * k;
    if dense
        || dense_bytes <= SMALL_DENSE_BYTES
        || dense_bytes <= 12 * fit.coef_values.len() + 4 * k
    {
        let mut out = vec![0.0; p * k];
        for c in 0..k {
            let (idx, val) = fit.nonzeros(c);
            for (&j, &v) in idx.iter().zip(val) {
                out[j as usize * k + c] = v;
            }
        }
        return Ok(out.into_pyarray(py).reshape([p, k])?.into_any());
    }
    // (same-size element types: collected in place, no second buffer)
    let indptr: Vec<i64> = std::mem::take(&mut fit.coef_indptr)
        .into_iter()
        .map(|i| i as i64)
        .collect();
    let indices: Vec<i32> = std::mem::take(&mut fit.coef_indices)
        .into_iter()
        .map(|j| j as i32)
        .collect();
    let mut values = std::mem::take(&mut fit.coef_values);
    values.shrink_to_fit();
    Ok((
        indptr.into_pyarray(py),
        indices.into_pyarray(py),
        values.into_pyarray(py),
    )
        .into_pyobject(py)?
        .into_any())
}

/// A fitted path, one entry per α (largest first).
#[pyclass(name = "PathResult", module = "fastreg._fastreg", frozen, get_all)]
pub(crate) struct PathResult {
    alphas: Py<PyArray1<f64>>,
    /// A dense `n_features × n_alphas` array, or its compressed sparse columns
    /// `(indptr, indices, values)` (see [`coefs_to_python`]).
    coefs: Py<PyAny>,
    intercepts: Py<PyArray1<f64>>,
    /// Duality gap of each point (objective units).
    dual_gaps: Py<PyArray1<f64>>,
    /// Primal objective of each point.
    objectives: Py<PyArray1<f64>>,
    /// Epochs run at each α.
    n_iters: Py<PyArray1<usize>>,
    converged: Py<PyArray1<bool>>,
    /// Fraction of (weighted) null deviance explained, glmnet's `dev.ratio`.
    dev_ratio: Py<PyArray1<f64>>,
    /// Re-solves triggered by KKT violations of strong-rule-discarded features.
    kkt_resolves: usize,
}

impl PathResult {
    pub(super) fn new(py: Python<'_>, mut fit: PathFit, dense: bool) -> PyResult<Self> {
        let coefs = coefs_to_python(py, &mut fit, dense)?.unbind();
        Ok(Self {
            alphas: fit.alphas.into_pyarray(py).unbind(),
            coefs,
            intercepts: fit.intercepts.into_pyarray(py).unbind(),
            dual_gaps: fit.dual_gaps.into_pyarray(py).unbind(),
            objectives: fit.primals.into_pyarray(py).unbind(),
            n_iters: fit.n_iters.into_pyarray(py).unbind(),
            converged: fit.converged.into_pyarray(py).unbind(),
            dev_ratio: fit.dev_ratio.into_pyarray(py).unbind(),
            kkt_resolves: fit.kkt_resolves,
        })
    }
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
        fit_design_path(
            design,
            self.y,
            self.sample_weight,
            self.fit_intercept,
            &self.options,
            &self.params,
            self.coef_init,
        )
    }
}

/// The options of a path (a dict with these keys).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(super) struct PathKwargs {
    alphas: Option<Vec<f64>>,
    n_alphas: usize,
    eps: f64,
    l1_ratio: f64,
    pub(super) fit_intercept: bool,
    pub(super) standardize: bool,
    max_iter: usize,
    tol: f64,
    rel_tol: f64,
    /// scikit-learn's coefficient-change condition (see `EnetParamsBuilder::coef_tol`); 0: off
    coef_tol: f64,
    positive: bool,
    random_seed: Option<u64>,
    screening: bool,
    n_jobs: usize,
    early_stop: bool,
    precompute: String,
    /// coefficients always as a dense array (else dense or sparse, whichever `coefs_to_python`
    /// picks)
    pub(super) dense_coef: bool,
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
    pub(super) fn params(&self) -> PyResult<PathParams> {
        let selection = self
            .random_seed
            .map_or(Selection::Cyclic, |seed| Selection::Random { seed });
        Ok(PathParamsBuilder {
            point: EnetParamsBuilder {
                max_iter: self.max_iter,
                tol: self.tol,
                rel_tol: self.rel_tol,
                coef_tol: self.coef_tol,
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
            polish: true,
        }
        .check()?)
    }
}

/// Elastic-net path on X (a dense Fortran-ordered float64 array or a CSC triple; never
/// densified). `opts` is a dict with the keys of `PathKwargs`.
#[pyfunction]
#[pyo3(signature = (x, y, sample_weight, coef_init, penalty_factor, lower_bounds, upper_bounds, opts))]
#[allow(clippy::too_many_arguments)]
fn enet_path<'py>(
    py: Python<'py>,
    x: DesignArg<'py>,
    y: PyReadonlyArray1<'py, f64>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    coef_init: Option<PyReadonlyArray1<'py, f64>>,
    penalty_factor: Option<PyReadonlyArray1<'py, f64>>,
    lower_bounds: Option<PyReadonlyArray1<'py, f64>>,
    upper_bounds: Option<PyReadonlyArray1<'py, f64>>,
    opts: PathKwargs,
) -> PyResult<PathResult> {
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
    let fit = x.run(py, &args)?;
    PathResult::new(py, fit, opts.dense_coef)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(enet_path, m)?)?;
    m.add_class::<PathResult>()?;
    Ok(())
}
