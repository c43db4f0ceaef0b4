//! What the Ridge drivers return: one fit, a path over a grid of α, leave-one-out residuals.

use super::SolverUsed;

/// One fit: `coef` is `t × p` (target-major), `intercept` has `t` entries.
#[derive(Clone, Debug)]
pub struct RidgeFit {
    pub coef: Vec<f64>,
    pub intercept: Vec<f64>,
    pub solver: SolverUsed,
    pub n_iter: usize,
    pub converged: bool,
}

/// Coefficients for a grid of α: `coef` is `A × t × p`, `intercept` is `A × t`.
#[derive(Clone, Debug)]
pub struct RidgePath {
    pub coef: Vec<f64>,
    pub intercept: Vec<f64>,
}

/// Leave-one-out results over a grid of α: `errors` is `A × t × n` (LOO residuals in the
/// √w-scaled space, as scikit-learn's `_RidgeGCV`), `path` the coefficients for every α.
#[derive(Clone, Debug)]
pub struct RidgeLoo {
    pub errors: Vec<f64>,
    pub path: RidgePath,
}
