//! PyO3 bindings, one file per domain: each `#[pyfunction]` borrows the numpy buffers, checks
//! their layout, releases the GIL, calls the core and hands the results back as a
//! `#[pyclass]` with named fields. No numerics here.
//!
//! - `design`: the design argument (dense | CSC) and the layout dispatch
//! - `enet`: one elastic-net fit (`enet_fit`)
//! - `path`: regularisation paths (`enet_path`)
//! - `multitask`: multi-task regularisation paths (`enet_path_multitask`)
//! - `cv`: cross-validated paths (`enet_cv`)
//! - `ridge`: Ridge fits, paths, leave-one-out and K-fold
//! - `gram`: Gram statistics accumulated in chunks (`GramStatsCore`) and the fits from them
//!   alone (`enet_path_stats`, `enet_cv_stats`, `ridge_kfold_stats`)
//! - `error`: the core's error as a Python exception
//! - `signals`: the GIL released around the core, with Ctrl-C polled

use pyo3::prelude::*;

mod cv;
mod design;
mod enet;
mod error;
mod gram;
mod multitask;
mod path;
mod ridge;
mod signals;

#[pymodule]
fn _fastreg(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    enet::register(m)?;
    path::register(m)?;
    multitask::register(m)?;
    cv::register(m)?;
    ridge::register(m)?;
    gram::register(m)?;
    Ok(())
}
