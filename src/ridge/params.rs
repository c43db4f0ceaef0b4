//! Ridge's parameters: the requested solver, the builder checked once into [`RidgeParams`]
//! (one α per target), and the solver actually used, reported back as `solver_`.

use crate::error::{invalid, FastregError, Result};

/// Requested solver; `Auto` picks by shape and sparsity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RidgeSolver {
    Auto,
    Cholesky,
    Eigh,
    Cg,
}

/// The solver actually used (reported as `solver_`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SolverUsed {
    Cholesky,
    CholeskyDual,
    Eigh,
    EighDual,
    Cg,
    PositiveCd,
}

impl SolverUsed {
    pub fn name(self) -> &'static str {
        match self {
            SolverUsed::Cholesky => "cholesky",
            SolverUsed::CholeskyDual => "cholesky_dual",
            SolverUsed::Eigh => "eigh",
            SolverUsed::EighDual => "eigh_dual",
            SolverUsed::Cg => "sparse_cg",
            SolverUsed::PositiveCd => "positive_cd",
        }
    }
}

/// Unchecked parameters; [`RidgeParamsBuilder::check`] turns them into [`RidgeParams`].
#[derive(Clone, Debug)]
pub struct RidgeParamsBuilder {
    /// One α for all targets, or one per target.
    pub alphas: Vec<f64>,
    pub fit_intercept: bool,
    pub solver: RidgeSolver,
    pub positive: bool,
    /// Relative residual `‖r‖ ≤ tol·‖b‖` for CG; for `positive`, projected gradient and duality gap.
    pub tol: f64,
    pub max_iter: Option<usize>,
}

impl Default for RidgeParamsBuilder {
    fn default() -> Self {
        Self {
            alphas: vec![1.0],
            fit_intercept: true,
            solver: RidgeSolver::Auto,
            positive: false,
            tol: 1e-4,
            max_iter: None,
        }
    }
}

impl RidgeParamsBuilder {
    pub fn check(self, n_targets: usize) -> Result<RidgeParams> {
        check_alphas(&self.alphas, false)?;
        if self.alphas.len() != 1 && self.alphas.len() != n_targets {
            return Err(FastregError::Shape(format!(
                "{} alphas given for {n_targets} targets",
                self.alphas.len()
            )));
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(invalid(
                "tol",
                format!("must be finite and >= 0, got {}", self.tol),
            ));
        }
        if self.max_iter == Some(0) {
            return Err(invalid("max_iter", "must be >= 1"));
        }
        if self.positive && self.solver == RidgeSolver::Cg {
            return Err(invalid(
                "solver",
                "positive=True is solved on the Gram; use 'auto'",
            ));
        }
        let alphas = if self.alphas.len() == 1 {
            vec![self.alphas[0]; n_targets]
        } else {
            self.alphas.clone()
        };
        Ok(RidgeParams(RidgeParamsBuilder { alphas, ..self }))
    }
}

/// Checked parameters: one α per target.
#[derive(Clone, Debug)]
pub struct RidgeParams(RidgeParamsBuilder);

impl RidgeParams {
    pub fn alphas(&self) -> &[f64] {
        &self.0.alphas
    }
    pub fn fit_intercept(&self) -> bool {
        self.0.fit_intercept
    }
    pub fn solver(&self) -> RidgeSolver {
        self.0.solver
    }
    pub fn positive(&self) -> bool {
        self.0.positive
    }
    pub fn tol(&self) -> f64 {
        self.0.tol
    }
    pub fn max_iter(&self) -> Option<usize> {
        self.0.max_iter
    }
}

pub fn check_alphas(alphas: &[f64], strictly_positive: bool) -> Result<()> {
    if alphas.is_empty() {
        return Err(invalid("alpha", "at least one value is needed"));
    }
    for &a in alphas {
        if !a.is_finite() || a < 0.0 || (strictly_positive && a == 0.0) {
            let bound = if strictly_positive { "> 0" } else { ">= 0" };
            return Err(invalid(
                "alpha",
                format!("must be finite and {bound}, got {a}"),
            ));
        }
    }
    Ok(())
}

/// The checked parameters hold one α per target; a call with `t` targets must match them.
pub(super) fn check_one_alpha_per_target(prm: &RidgeParams, t: usize) -> Result<()> {
    if prm.alphas().len() != t {
        return Err(FastregError::Shape("one alpha per target expected".into()));
    }
    Ok(())
}
