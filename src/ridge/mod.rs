//! Ridge regression, `min Σ w_i (y_i − x_iᵀβ − b)² + α‖β‖²`, through the normal equations:
//! Cholesky on the Gram (n ≥ p) or the kernel (p > n), one eigendecomposition for many α
//! (paths, leave-one-out), matrix-free conjugate gradients for sparse X, and coordinate
//! descent on the Gram for `positive`. Centring for the intercept is applied to the Gram or the
//! operator, never by copying X.

// `!(a > b)` is deliberate: it is also true for NaN. Index loops mirror the formulas.
#![allow(clippy::neg_cmp_op_on_partial_ord, clippy::needless_range_loop)]

mod cg;
mod direct;
mod fit;
mod fused_gram;
mod kfold;
mod loo;
mod params;
mod path;
mod positive;
mod prepared;
mod products;
mod results;
mod rows;
#[cfg(test)]
mod tests;

pub use direct::fit_stats;
pub use fit::fit;
pub use kfold::{kfold_from_parts, kfold_paths, stats_mse};
pub use loo::{loo, LooMode};
pub use params::{check_alphas, RidgeParams, RidgeParamsBuilder, RidgeSolver, SolverUsed};
pub use path::{path, path_stats};
pub use products::RidgeDesign;
pub use results::{RidgeFit, RidgeLoo, RidgePath};
pub use rows::RowsCopy;

use prepared::prepare;

// `crate::ridge::Eigh` stays a valid path for existing callers (cd calls `crate::linalg`).
pub use crate::linalg::Eigh;
