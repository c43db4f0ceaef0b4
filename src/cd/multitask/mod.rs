//! The multi-task elastic net (scikit-learn's `MultiTaskElasticNet`, glmnet's `mgaussian`):
//! t responses sharing one design, coefficients `W` (t × p) penalised by rows,
//! `1/(2n)·‖Ỹ − X̂Wᵀ‖²_W + l1·Σ_j ‖W_{:,j}‖₂ + l2/2·‖W‖²_F`, so that a feature enters every
//! task's model or none. A path driver (warm starts over a given α grid) over a block
//! coordinate descent point solver (`solver`), certified by the duality gap (`gap`), on a
//! problem whose X side is the one-target [`crate::problem::Problem`]'s (`problem`).

mod gap;
mod problem;
mod solver;

#[cfg(test)]
mod tests;

pub use gap::{dual_gap, gap_safe_keep, GapSums, MultiTaskGap};
pub use problem::MultiTaskProblem;

use crate::design::Design;
use crate::error::{invalid, Result};
use crate::params::Selection;

use solver::BlockDescent;

/// Unchecked options of a multi-task path; `alphas` and `l1_ratio` as scikit-learn names
/// them (l1 = α·l1_ratio, l2 = α·(1 − l1_ratio), per sample).
#[derive(Clone, Debug)]
pub struct MultiTaskParamsBuilder {
    /// The grid, solved in the order given (warm starts follow it).
    pub alphas: Vec<f64>,
    pub l1_ratio: f64,
    pub max_iter: usize,
    /// scikit-learn's: the gap is checked once the largest change of an epoch is at most
    /// `tol` × the largest coefficient, and must be at most `tol·Σ_k ‖ỹ_k‖²_W / n`.
    pub tol: f64,
    /// Gap-safe screening of whole rows (the answers are the same either way).
    pub screening: bool,
    pub selection: Selection,
}

impl MultiTaskParamsBuilder {
    pub fn check(self) -> Result<MultiTaskParams> {
        if self.alphas.is_empty() {
            return Err(invalid("alphas", "must not be empty"));
        }
        if let Some(a) = self.alphas.iter().find(|a| !(a.is_finite() && **a >= 0.0)) {
            return Err(invalid(
                "alphas",
                format!("must be finite and >= 0, got {a}"),
            ));
        }
        if !(0.0..=1.0).contains(&self.l1_ratio) {
            return Err(invalid(
                "l1_ratio",
                format!("must be in [0, 1], got {}", self.l1_ratio),
            ));
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(invalid(
                "tol",
                format!("must be finite and >= 0, got {}", self.tol),
            ));
        }
        if self.max_iter == 0 {
            return Err(invalid("max_iter", "must be >= 1"));
        }
        Ok(MultiTaskParams(self))
    }
}

/// Validated options; construct with [`MultiTaskParamsBuilder::check`].
#[derive(Clone, Debug)]
pub struct MultiTaskParams(MultiTaskParamsBuilder);

/// A fitted multi-task path, one entry per α.
#[derive(Clone, Debug)]
pub struct MultiTaskPathFit {
    pub n_tasks: usize,
    pub n_features: usize,
    pub alphas: Vec<f64>,
    /// Original-scale coefficients, `t × p × n_alphas` row-major (scikit-learn's layout).
    pub coefs: Vec<f64>,
    /// `t × n_alphas` row-major.
    pub intercepts: Vec<f64>,
    /// Duality gap and primal objective of each point, per sample.
    pub dual_gaps: Vec<f64>,
    pub primals: Vec<f64>,
    pub n_iters: Vec<usize>,
    pub converged: Vec<bool>,
}

/// Fits the multi-task elastic net along `params`' grid. `y` is column-major `n × n_tasks`;
/// `coef_init` (original scale, `n_tasks × p` row-major) warm-starts the first α.
pub fn fit_multitask_path<D: Design>(
    design: &D,
    y: &[f64],
    n_tasks: usize,
    sample_weight: Option<&[f64]>,
    fit_intercept: bool,
    params: &MultiTaskParams,
    coef_init: Option<&[f64]>,
) -> Result<MultiTaskPathFit> {
    let prm = &params.0;
    let pb = MultiTaskProblem::new(design, y, n_tasks, sample_weight, fit_intercept)?;
    let mut solver = BlockDescent::new(&pb, coef_init, prm.selection)?;
    let (p, t, m) = (pb.n_features(), n_tasks, prm.alphas.len());
    let n = pb.n_samples() as f64;
    let mut coefs = crate::alloc::try_zeros(t * p, m, || {
        format!("the path's coefficients ({t} targets × {p} features × {m} alphas)")
    })?;
    let mut fit = MultiTaskPathFit {
        n_tasks: t,
        n_features: p,
        alphas: prm.alphas.clone(),
        coefs: Vec::new(),
        intercepts: vec![0.0; t * m],
        dual_gaps: Vec::with_capacity(m),
        primals: Vec::with_capacity(m),
        n_iters: Vec::with_capacity(m),
        converged: Vec::with_capacity(m),
    };
    for (c, &alpha) in prm.alphas.iter().enumerate() {
        let point = solver.solve(
            alpha * prm.l1_ratio,
            alpha * (1.0 - prm.l1_ratio),
            prm.tol,
            prm.max_iter,
            prm.screening,
        )?;
        for k in 0..t {
            for (j, b) in solver.task_coef(k) {
                coefs[(k * p + j) * m + c] = b;
            }
            fit.intercepts[k * m + c] = pb.intercept(k, solver.task_coef(k));
        }
        fit.dual_gaps.push(point.gap.gap / n);
        fit.primals.push(point.gap.primal / n);
        fit.n_iters.push(point.n_iter);
        fit.converged.push(point.converged);
    }
    fit.coefs = coefs;
    Ok(fit)
}
