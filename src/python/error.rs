//! The one conversion of the core's error into a Python exception: a buffer that cannot be
//! allocated is a `MemoryError`, every other core error a `ValueError`; both carry the core's
//! message.

use pyo3::exceptions::{PyMemoryError, PyValueError};
use pyo3::PyErr;

use crate::error::FastregError;

impl From<FastregError> for PyErr {
    fn from(e: FastregError) -> PyErr {
        match e {
            FastregError::OutOfMemory { .. } => PyMemoryError::new_err(e.to_string()),
            _ => PyValueError::new_err(e.to_string()),
        }
    }
}
