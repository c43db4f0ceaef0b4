//! PyO3 bindings: borrow the numpy buffers, check layout, release the GIL, call the core, hand
//! the results back. No numerics here.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::design::{CscDesign, DenseDesign, Design, SparseIndex};
use crate::error::FastregError;
use crate::params::{EnetParams, EnetParamsBuilder, Selection};
use crate::problem::Problem;
use crate::{fit_enet, EnetFit};

mod cv;
mod path;
mod ridge;

impl From<FastregError> for PyErr {
    fn from(e: FastregError) -> PyErr {
        PyValueError::new_err(e.to_string())
    }
}

/// scipy stores sparse indices as int32 or int64.
#[derive(FromPyObject)]
pub(crate) enum IndexArray<'py> {
    I32(PyReadonlyArray1<'py, i32>),
    I64(PyReadonlyArray1<'py, i64>),
}

fn slice<'a, T: numpy::Element>(a: &'a PyReadonlyArray1<'_, T>, name: &str) -> PyResult<&'a [T]> {
    a.as_slice()
        .map_err(|_| PyValueError::new_err(format!("{name} must be contiguous")))
}

fn opt_slice<'a>(
    a: &'a Option<PyReadonlyArray1<'_, f64>>,
    name: &str,
) -> PyResult<Option<&'a [f64]>> {
    a.as_ref().map(|a| slice(a, name)).transpose()
}

type FitTuple<'py> = (Bound<'py, PyArray1<f64>>, f64, f64, usize, bool);

fn into_tuple(py: Python<'_>, fit: EnetFit) -> FitTuple<'_> {
    (
        fit.coef.into_pyarray(py),
        fit.intercept,
        fit.dual_gap,
        fit.n_iter,
        fit.converged,
    )
}

/// Shared arguments of the enet entry points, already extracted.
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

/// A core computation over any design, with everything but X already borrowed. Each entry
/// point describes its work once; `run_on_dense` / `run_on_csc` check the layout of X, build
/// the design and run the task with the GIL released.
pub(crate) trait DesignTask: Sync {
    type Output: Send;
    fn run<D: Design>(&self, design: &D) -> crate::Result<Self::Output>;
}

/// What `run_on_dense` / `run_on_csc` call once X is built: one method per layout. Every
/// [`DesignTask`] is one, running its generic body on either; a task whose core needs more of X
/// than [`Design`] (Ridge's GEMM products) implements it directly.
pub(crate) trait LayoutTask: Sync {
    type Output: Send;
    fn run_dense(&self, design: &DenseDesign<'_>) -> crate::Result<Self::Output>;
    fn run_csc<I: SparseIndex>(&self, design: &CscDesign<'_, I>) -> crate::Result<Self::Output>;
}

impl<T: DesignTask> LayoutTask for T {
    type Output = T::Output;
    fn run_dense(&self, design: &DenseDesign<'_>) -> crate::Result<T::Output> {
        self.run(design)
    }
    fn run_csc<I: SparseIndex>(&self, design: &CscDesign<'_, I>) -> crate::Result<T::Output> {
        self.run(design)
    }
}

/// X for entry points that take either layout: a dense Fortran-ordered float64 array, or a
/// CSC matrix as `(data, indices, indptr, n_samples)`.
#[derive(FromPyObject)]
pub(crate) enum DesignArg<'py> {
    Dense(PyReadonlyArray2<'py, f64>),
    Csc(
        PyReadonlyArray1<'py, f64>,
        IndexArray<'py>,
        IndexArray<'py>,
        usize,
    ),
}

impl DesignArg<'_> {
    /// Runs `task` on X with `run_on_dense` or `run_on_csc`.
    pub(crate) fn run<T: LayoutTask>(&self, py: Python<'_>, task: &T) -> PyResult<T::Output> {
        match self {
            DesignArg::Dense(x) => run_on_dense(py, x, task),
            DesignArg::Csc(data, indices, indptr, n_samples) => {
                run_on_csc(py, data, indices, indptr, *n_samples, task)
            }
        }
    }
}

/// Runs `task` on a dense Fortran-ordered float64 matrix.
pub(crate) fn run_on_dense<T: LayoutTask>(
    py: Python<'_>,
    x: &PyReadonlyArray2<'_, f64>,
    task: &T,
) -> PyResult<T::Output> {
    let (n, p) = (x.shape()[0], x.shape()[1]);
    if !x.is_fortran_contiguous() && p > 1 && n > 1 {
        return Err(PyValueError::new_err(
            "X must be Fortran-contiguous (column-major)",
        ));
    }
    let xs = x
        .as_slice()
        .map_err(|_| PyValueError::new_err("X must be contiguous"))?;
    Ok(py.detach(|| DenseDesign::new(xs, n, p).and_then(|d| task.run_dense(&d)))?)
}

/// Runs `task` on a CSC matrix given by scipy's three arrays (int32 or int64 indices).
pub(crate) fn run_on_csc<T: LayoutTask>(
    py: Python<'_>,
    data: &PyReadonlyArray1<'_, f64>,
    indices: &IndexArray<'_>,
    indptr: &IndexArray<'_>,
    n_samples: usize,
    task: &T,
) -> PyResult<T::Output> {
    fn detached<I: SparseIndex, T: LayoutTask>(
        py: Python<'_>,
        data: &[f64],
        indices: &[I],
        indptr: &[I],
        n_samples: usize,
        task: &T,
    ) -> PyResult<T::Output> {
        Ok(py.detach(|| {
            CscDesign::new(data, indices, indptr, n_samples).and_then(|d| task.run_csc(&d))
        })?)
    }
    let data = slice(data, "data")?;
    match (indices, indptr) {
        (IndexArray::I32(i), IndexArray::I32(p)) => detached(
            py,
            data,
            slice(i, "indices")?,
            slice(p, "indptr")?,
            n_samples,
            task,
        ),
        (IndexArray::I64(i), IndexArray::I64(p)) => detached(
            py,
            data,
            slice(i, "indices")?,
            slice(p, "indptr")?,
            n_samples,
            task,
        ),
        _ => Err(PyValueError::new_err(
            "indices and indptr must have the same integer dtype",
        )),
    }
}

#[allow(clippy::too_many_arguments)]
fn params(
    l1: f64,
    l2: f64,
    max_iter: usize,
    tol: f64,
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
        positive,
        selection,
    }
    .check()?)
}

/// Elastic net on a dense Fortran-ordered float64 matrix.
#[pyfunction]
#[pyo3(signature = (x, y, sample_weight, coef_init, *, l1, l2, fit_intercept, max_iter, tol, positive, random_seed))]
#[allow(clippy::too_many_arguments)]
fn enet_fit_dense<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    coef_init: Option<PyReadonlyArray1<'py, f64>>,
    l1: f64,
    l2: f64,
    fit_intercept: bool,
    max_iter: usize,
    tol: f64,
    positive: bool,
    random_seed: Option<u64>,
) -> PyResult<FitTuple<'py>> {
    let args = EnetArgs {
        y: slice(&y, "y")?,
        sample_weight: opt_slice(&sample_weight, "sample_weight")?,
        coef_init: opt_slice(&coef_init, "coef_init")?,
        fit_intercept,
        params: params(l1, l2, max_iter, tol, positive, random_seed)?,
    };
    let fit = run_on_dense(py, &x, &args)?;
    Ok(into_tuple(py, fit))
}

/// Elastic net on a CSC matrix given by its three arrays; never densified.
#[pyfunction]
#[pyo3(signature = (data, indices, indptr, n_samples, y, sample_weight, coef_init, *, l1, l2, fit_intercept, max_iter, tol, positive, random_seed))]
#[allow(clippy::too_many_arguments)]
fn enet_fit_csc<'py>(
    py: Python<'py>,
    data: PyReadonlyArray1<'py, f64>,
    indices: IndexArray<'py>,
    indptr: IndexArray<'py>,
    n_samples: usize,
    y: PyReadonlyArray1<'py, f64>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    coef_init: Option<PyReadonlyArray1<'py, f64>>,
    l1: f64,
    l2: f64,
    fit_intercept: bool,
    max_iter: usize,
    tol: f64,
    positive: bool,
    random_seed: Option<u64>,
) -> PyResult<FitTuple<'py>> {
    let args = EnetArgs {
        y: slice(&y, "y")?,
        sample_weight: opt_slice(&sample_weight, "sample_weight")?,
        coef_init: opt_slice(&coef_init, "coef_init")?,
        fit_intercept,
        params: params(l1, l2, max_iter, tol, positive, random_seed)?,
    };
    let fit = run_on_csc(py, &data, &indices, &indptr, n_samples, &args)?;
    Ok(into_tuple(py, fit))
}

#[pymodule]
fn _fastreg(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(enet_fit_dense, m)?)?;
    m.add_function(wrap_pyfunction!(enet_fit_csc, m)?)?;
    ridge::register(m)?;
    path::register(m)?;
    cv::register(m)?;
    Ok(())
}
