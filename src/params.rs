//! Solver parameters: a builder anyone can fill in, validated once into `EnetParams`, the only
//! form a solver accepts.

use crate::error::{invalid, Result};

/// Order in which coordinates are visited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    Cyclic,
    /// A uniformly random coordinate at each update (with replacement), as scikit-learn.
    Random {
        seed: u64,
    },
}

/// Unchecked elastic-net parameters for the objective
/// `1/(2n)·Σ w_i (y_i − x_iᵀβ − b)² + l1·‖β‖₁ + l2/2·‖β‖²` (weights summing to n).
#[derive(Clone, Debug)]
pub struct EnetParamsBuilder {
    pub l1: f64,
    pub l2: f64,
    pub max_iter: usize,
    /// Stop when the duality gap is below `tol · Σ w_i ỹ_i² / n` (scikit-learn's rule) …
    pub tol: f64,
    /// … or below `rel_tol · primal objective` (a bound on the relative objective excess).
    pub rel_tol: f64,
    /// When > 0, converged also needs the last plain epoch over the working set to have moved
    /// no coefficient by more than `coef_tol · max_j |β_j|` on the original scale of X
    /// (scikit-learn's `d_w_tol`, which makes the coefficients, not only the objective,
    /// accurate); 0 leaves the gap alone to decide.
    pub coef_tol: f64,
    pub positive: bool,
    pub selection: Selection,
}

impl Default for EnetParamsBuilder {
    fn default() -> Self {
        Self {
            l1: 1.0,
            l2: 0.0,
            max_iter: 1000,
            tol: 1e-4,
            rel_tol: 0.0,
            coef_tol: 0.0,
            positive: false,
            selection: Selection::Cyclic,
        }
    }
}

impl EnetParamsBuilder {
    /// `alpha` and `l1_ratio` as scikit-learn names them.
    pub fn from_alpha(alpha: f64, l1_ratio: f64) -> Self {
        Self {
            l1: alpha * l1_ratio,
            l2: alpha * (1.0 - l1_ratio),
            ..Self::default()
        }
    }

    pub fn check(self) -> Result<EnetParams> {
        if !(self.l1.is_finite() && self.l1 >= 0.0) {
            return Err(invalid(
                "l1",
                format!("must be finite and >= 0, got {}", self.l1),
            ));
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return Err(invalid(
                "l2",
                format!("must be finite and >= 0, got {}", self.l2),
            ));
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(invalid(
                "tol",
                format!("must be finite and >= 0, got {}", self.tol),
            ));
        }
        if !(self.rel_tol.is_finite() && self.rel_tol >= 0.0) {
            return Err(invalid(
                "rel_tol",
                format!("must be finite and >= 0, got {}", self.rel_tol),
            ));
        }
        if !(self.coef_tol.is_finite() && self.coef_tol >= 0.0) {
            return Err(invalid(
                "coef_tol",
                format!("must be finite and >= 0, got {}", self.coef_tol),
            ));
        }
        if self.max_iter == 0 {
            return Err(invalid("max_iter", "must be >= 1"));
        }
        Ok(EnetParams(self))
    }
}

/// Validated parameters; construct with [`EnetParamsBuilder::check`].
#[derive(Clone, Debug)]
pub struct EnetParams(EnetParamsBuilder);

impl EnetParams {
    pub fn l1(&self) -> f64 {
        self.0.l1
    }
    pub fn l2(&self) -> f64 {
        self.0.l2
    }
    pub fn max_iter(&self) -> usize {
        self.0.max_iter
    }
    pub fn tol(&self) -> f64 {
        self.0.tol
    }
    pub fn rel_tol(&self) -> f64 {
        self.0.rel_tol
    }
    pub fn coef_tol(&self) -> f64 {
        self.0.coef_tol
    }
    pub fn positive(&self) -> bool {
        self.0.positive
    }
    pub fn selection(&self) -> Selection {
        self.0.selection
    }
}
