//! fastreg: L1, L2 and elastic-net regularised linear regression.
//!
//! The core is pure Rust (designs, problems, solvers); `src/python/` adds the PyO3 bindings
//! behind the `python` feature.

mod alloc;
mod anderson;
pub mod cd;
pub mod cv;
pub mod design;
pub mod error;
pub mod gram;
pub mod interrupt;
pub mod kernels;
pub mod linalg;
pub mod parallel;
pub mod params;
pub mod path;
pub mod problem;
pub mod ridge;
pub mod screening;
pub mod stats_fit;
#[cfg(test)]
mod test_fixtures;

#[cfg(feature = "python")]
mod python;

pub use cd::{fit_enet, CoordinateDescent, EnetFit};
pub use design::{CscDesign, DenseDesign, Design};
pub use error::{FastregError, Result};
pub use gram::GramStats;
pub use params::{EnetParams, EnetParamsBuilder, Selection};
pub use path::{fit_design_path, fit_path, AlphaGrid, PathFit, PathParams, PathParamsBuilder};
pub use problem::{FeatureOptions, Problem};
pub use ridge::{RidgeFit, RidgeParams, RidgeParamsBuilder, RidgeSolver};
