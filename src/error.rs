//! The one error type of the core. Every fallible public function returns it; the Python
//! bindings map it to `ValueError` (`MemoryError` for `OutOfMemory`) in a single `From` impl.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum FastregError {
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter { name: &'static str, reason: String },
    #[error("shape mismatch: {0}")]
    Shape(String),
    #[error("{0} contains NaN or infinity")]
    NonFinite(&'static str),
    #[error("invalid sparse matrix: {0}")]
    InvalidSparse(String),
    /// The caller asked to stop (Ctrl-C, see `interrupt`); the bindings raise what the
    /// signal handler raised instead.
    #[error("interrupted")]
    Interrupted,
    /// A buffer sized by the data that cannot be allocated (`what` names it for the user).
    #[error("{what} needs {}, more memory than could be allocated", crate::alloc::human_bytes(*.bytes))]
    OutOfMemory { what: String, bytes: u128 },
}

pub type Result<T> = std::result::Result<T, FastregError>;

pub(crate) fn invalid(name: &'static str, reason: impl Into<String>) -> FastregError {
    FastregError::InvalidParameter {
        name,
        reason: reason.into(),
    }
}
