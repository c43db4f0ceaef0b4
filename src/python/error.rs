//! The one conversion of the core's error into a Python exception: every core error is a
//! `ValueError` carrying the core's message.

use pyo3::exceptions::PyValueError;
use pyo3::PyErr;

use crate::error::FastregError;

impl From<FastregError> for PyErr {
    fn from(e: FastregError) -> PyErr {
        PyValueError::new_err(e.to_string())
    }
}
