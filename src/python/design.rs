//! The design argument every binding takes (a dense Fortran array or a CSC triple), its layout
//! checks, and the dispatch that builds the core's design and runs a task on it with the GIL
//! released (and Ctrl-C polled, see `signals`).

use numpy::{PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::design::{CscDesign, DenseDesign, Design, SparseIndex};

/// scipy stores sparse indices as int32 or int64.
#[derive(FromPyObject)]
pub(crate) enum IndexArray<'py> {
    I32(PyReadonlyArray1<'py, i32>),
    I64(PyReadonlyArray1<'py, i64>),
}

/// A contiguous 1-D array as a slice; `name` is the argument named in the error.
pub(crate) fn slice<'a, T: numpy::Element>(
    a: &'a PyReadonlyArray1<'_, T>,
    name: &str,
) -> PyResult<&'a [T]> {
    a.as_slice()
        .map_err(|_| PyValueError::new_err(format!("{name} must be contiguous")))
}

/// [`slice`] of an optional array.
pub(crate) fn opt_slice<'a>(
    a: &'a Option<PyReadonlyArray1<'_, f64>>,
    name: &str,
) -> PyResult<Option<&'a [f64]>> {
    a.as_ref().map(|a| slice(a, name)).transpose()
}

/// A core computation over any design, with everything but X already borrowed. Each binding
/// describes its work once; [`DesignArg::run`] checks the layout of X, builds the design and
/// runs the task with the GIL released.
pub(crate) trait DesignTask: Sync {
    type Output: Send;
    fn run<D: Design>(&self, design: &D) -> crate::Result<Self::Output>;
}

/// What [`DesignArg::run`] calls once X is built: one method per layout. Every [`DesignTask`]
/// is one, running its generic body on either; a task whose core needs more of X than
/// [`Design`] (Ridge's GEMM products) implements it directly.
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

/// X for every binding: a dense Fortran-ordered float64 array, or a CSC matrix as
/// `(data, indices, indptr, n_samples)`.
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
    /// Runs `task` on X, dense or CSC, with the GIL released.
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
fn run_on_dense<T: LayoutTask>(
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
    super::signals::detach(py, || {
        DenseDesign::new(xs, n, p).and_then(|d| task.run_dense(&d))
    })
}

/// Runs `task` on a CSC matrix given by scipy's three arrays (int32 or int64 indices).
fn run_on_csc<T: LayoutTask>(
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
        super::signals::detach(py, || {
            CscDesign::new(data, indices, indptr, n_samples).and_then(|d| task.run_csc(&d))
        })
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
