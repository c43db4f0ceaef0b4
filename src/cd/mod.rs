//! Coordinate descent for the elastic net on one penalty value (the point solver), generic over
//! the design, with per-feature penalty factors and box constraints. The duality gap is both
//! the stopping rule and the certificate returned.
//!
//! Objective (× n, internal standardised coefficients b):
//! `P(b) = ½‖ỹ − X̂b‖²_W + Σ_j h_j(b_j)`, `h_j(b) = pf_j(l1|b| + l2/2 b²) + ι[lo_j, hi_j](b)`.
//! Dual: `D(θ) = ⟨ỹ, θ⟩_W − ½‖θ‖²_W − Σ_j h_j*(x̂_jᵀWθ)`, maximised at θ* = r*. The dual point
//! is built from the residual r. An unpenalised feature has `h_j*(u) = max(hi_j·u, lo_j·u)`,
//! infinite for u ≠ 0 towards an unbounded side, so r is first projected W-orthogonally onto
//! `{θ : X̂_Pᵀ W θ = 0}` for the set P of unpenalised features that are strictly inside their
//! box, or whose correlation would otherwise point towards an unbounded side (a small Cholesky
//! solve; `X̂ᵀWX̂_U` is cached for all unpenalised U). Unpenalised features resting on a finite
//! bound are left out of P, since their optimal dual correlation is not zero. The projected
//! point is then scaled by c ∈ (0, 1] into the domain of the penalised conjugates. For j ∈ P,
//! `x̂_jᵀWθ` is zero up to rounding and is taken as exactly zero (`h_j*(0) = 0` for any box).
//!
//! The solver is one type, [`CoordinateDescent`], whose `impl` spans the files of this module,
//! one job each: `state` (the residual or covariance state and its accessors), `epoch` (the
//! coordinate update and the epochs), `sweep` (full-gradient sweeps and their bounds), `gap`
//! (primal, dual point, duality gap and gap-safe screening), `projection` (projecting out the
//! unpenalised features), `working_set` (the point solve on a working set), `support_gram`
//! (the cache of the support's inner products), `newton` (the Newton step on the support and
//! the polish) and `trial` (moves kept only where they lower the objective).
//!
//! `multitask` is a solver of its own: block coordinate descent for several responses
//! sharing one design (the row-group penalty of scikit-learn's multi-task paths).

mod epoch;
mod gap;
pub mod multitask;
mod newton;
mod projection;
mod state;
mod support_gram;
mod sweep;
mod trial;
mod working_set;

#[cfg(test)]
mod tests;

pub use epoch::soft_threshold;
pub use gap::{conjugate, Features, GapInfo, GapTarget};
pub use state::{CoordinateDescent, Precompute, GRAM_MAX_FEATURES};
pub use sweep::SweepBounds;
pub use working_set::PointSolve;

use crate::design::Design;
use crate::error::Result;
use crate::params::EnetParams;
use crate::problem::Problem;

/// Result of one fit. `dual_gap` is in the units of the objective (divided by n); `coef` is on
/// the original scale of X.
#[derive(Clone, Debug)]
pub struct EnetFit {
    pub coef: Vec<f64>,
    pub intercept: f64,
    pub dual_gap: f64,
    pub n_iter: usize,
    pub converged: bool,
}

/// The sign of `b` as −1, 0 or 1.
fn sign_of(b: f64) -> i8 {
    if b > 0.0 {
        1
    } else if b < 0.0 {
        -1
    } else {
        0
    }
}

impl<'p, 'a, D: Design> CoordinateDescent<'p, 'a, D> {
    /// Runs to convergence on all features (the single-penalty estimators' entry point).
    pub fn run(mut self, prm: &EnetParams) -> EnetFit {
        let pb = self.pb;
        let all: Vec<usize> = (0..pb.n_features()).filter(|&j| !pb.excluded[j]).collect();
        let target = GapTarget {
            certified_start: true,
            ..GapTarget::of(prm, pb.y_norm2)
        };
        let res = self.solve_on(&all, target, prm.max_iter());
        let n = pb.n_samples() as f64;
        let coef = self.coef();
        let intercept = pb.intercept(&coef);
        EnetFit {
            coef,
            intercept,
            dual_gap: res.info.gap / n,
            n_iter: res.n_iter,
            converged: res.converged,
        }
    }
}

/// Fits the elastic net at one penalty, warm-started from `coef_init` when given.
pub fn fit_enet<D: Design>(
    pb: &Problem<'_, D>,
    prm: &EnetParams,
    coef_init: Option<&[f64]>,
) -> Result<EnetFit> {
    let fit = CoordinateDescent::new(pb, prm, coef_init)?.run(prm);
    crate::interrupt::check()?;
    Ok(fit)
}
