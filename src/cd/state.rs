//! The solver's state: the coefficients, and what is kept up to date as they change (the
//! residual, or in covariance mode the gradient), with the accessors the drivers read.

use crate::design::{axpy, dot, Design};
use crate::error::{FastregError, Result};
use crate::gram::GramStats;
use crate::params::{EnetParams, Selection};
use crate::problem::{PerFeature, Problem};
use crate::screening::FeatureRules;

use super::epoch::Rng;
use super::projection::Projection;
use super::support_gram::SupportGram;

/// What the solver keeps up to date as coefficients change: the residual (n values, a
/// coordinate update costs one column of X), or, in covariance mode, the gradient (p values,
/// an update costs one column of the Gram matrix X̂ᵀWX̂, computed once). The algorithm above
/// the two is the same.
pub(super) enum State {
    /// The residual kept uncentred (`r_raw = ỹ − Xβ`) with two scalars that apply the centring
    /// implicitly: the true residual is `r_raw + shift`.
    Residual {
        resid: Vec<f64>,
        /// `Σ_i w_i r_raw_i`
        wsum: f64,
        /// `μᵀβ`
        shift: f64,
    },
    /// Covariance mode (glmnet's `type.gaussian = "covariance"`): `gram` = X̂ᵀWX̂ (p × p,
    /// column-major), `xty` = X̂ᵀWỹ, and `grad` = xty − gram·b.
    Gram {
        gram: Vec<f64>,
        xty: Vec<f64>,
        grad: Vec<f64>,
    },
}

/// Whether to solve in covariance mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Precompute {
    /// Covariance mode for dense X with n > p and p ≤ [`GRAM_MAX_FEATURES`].
    #[default]
    Auto,
    Always,
    Never,
}

/// Largest p for which `Precompute::Auto` builds a Gram matrix (p² doubles: 72 MB here).
pub const GRAM_MAX_FEATURES: usize = 3000;

impl Precompute {
    pub fn wanted<D: Design>(self, design: &D) -> bool {
        match self {
            Precompute::Always => true,
            Precompute::Never => false,
            Precompute::Auto => {
                let (n, p) = (design.n_samples(), design.n_features());
                !design.is_sparse() && n > p && p <= GRAM_MAX_FEATURES
            }
        }
    }
}

/// Coordinate-descent state on one problem.
pub struct CoordinateDescent<'p, 'a, D: Design> {
    pub(super) pb: &'p Problem<'a, D>,
    pub(super) l1: f64,
    pub(super) l2: f64,
    pub(super) lower: PerFeature,
    pub(super) upper: PerFeature,
    /// Internal (standardised-scale) coefficients.
    pub(super) coef: Vec<f64>,
    pub(super) state: State,
    pub(super) rng: Option<Rng>,
    pub(super) projection: Option<Projection>,
    /// Scratch gradient buffer for gap evaluations on a feature list.
    pub(super) scratch: Vec<f64>,
    /// Extrapolated residual (celer's dual extrapolation) that gave the last solve's gap.
    pub(super) best_dual: Option<Vec<f64>>,
    /// Inner products of the features the Newton step has used, kept across penalties (the
    /// support grows along a path, so each column is computed once), in residual mode only.
    pub(super) support_gram: SupportGram,
    /// Stored entries of X (they set [`Self::support_gram_cap`]).
    pub(super) x_nnz: f64,
    /// Epochs run through a support's Gram block (see [`Self::support_epochs`]).
    pub(crate) n_support_epochs: usize,
}

pub(super) fn weighted_sum<D: Design>(pb: &Problem<'_, D>, v: &[f64]) -> f64 {
    match pb.weights() {
        None => v.iter().sum(),
        Some(w) => dot(w, v),
    }
}

impl<'p, 'a, D: Design> CoordinateDescent<'p, 'a, D> {
    /// `coef_init` is on the original scale of X.
    pub fn new(
        pb: &'p Problem<'a, D>,
        prm: &EnetParams,
        coef_init: Option<&[f64]>,
    ) -> Result<Self> {
        let p = pb.n_features();
        let mut coef = match coef_init {
            None => vec![0.0; p],
            Some(c) if c.len() != p => {
                return Err(FastregError::Shape(format!(
                    "coef_init has {} entries, X has {p} features",
                    c.len()
                )))
            }
            Some(c) if c.iter().any(|v| !v.is_finite()) => {
                return Err(FastregError::NonFinite("coef_init"))
            }
            Some(c) => pb.to_internal(c),
        };
        let lower = if prm.positive() {
            pb.lower.map(|l| l.max(0.0))
        } else {
            pb.lower.clone()
        };
        let upper = pb.upper.clone();
        for (j, b) in coef.iter_mut().enumerate() {
            *b = if pb.excluded[j] {
                0.0
            } else {
                b.clamp(lower[j], upper[j])
            };
        }
        let n = pb.n_samples() as f64;
        let rng = match prm.selection() {
            Selection::Cyclic => None,
            Selection::Random { seed } => Some(Rng::new(seed)),
        };
        let mut cd = Self {
            pb,
            // The solver works with the objective multiplied by n.
            l1: prm.l1() * n,
            l2: prm.l2() * n,
            lower,
            upper,
            coef: vec![0.0; p],
            state: State::Residual {
                resid: pb.y_centred.clone(),
                wsum: weighted_sum(pb, &pb.y_centred),
                shift: 0.0,
            },
            rng,
            projection: Projection::new(pb),
            scratch: Vec::new(),
            best_dual: None,
            support_gram: SupportGram::default(),
            x_nnz: (0..p).map(|j| pb.design.col_nnz(j) as f64).sum(),
            n_support_epochs: 0,
        };
        let start: Vec<usize> = (0..p).filter(|&j| coef[j] != 0.0).collect();
        let values: Vec<f64> = start.iter().map(|&j| coef[j]).collect();
        cd.assign(&start, &values);
        Ok(cd)
    }

    /// Switches to covariance mode: builds X̂ᵀWX̂ and X̂ᵀWỹ from the design (one pass over X,
    /// a symmetric rank-k product), after which an update costs O(p) whatever n is.
    pub fn into_gram_mode(self) -> Result<Self> {
        let pb = self.pb;
        let y: Vec<f64> = pb.y_centred.iter().map(|v| v + pb.y_mean).collect();
        let stats = pb.design.gram_stats(&y, 1, pb.weights())?;
        self.into_gram_mode_from(&stats)
    }

    /// Covariance mode from statistics of this problem's rows, response and weights made
    /// elsewhere (e.g. a CV fold's, by down-dating the totals); the weights may be on any
    /// scale (the problem's sum to n).
    pub fn into_gram_mode_from(mut self, stats: &GramStats) -> Result<Self> {
        let pb = self.pb;
        let p = pb.n_features();
        if stats.n_features() != p
            || stats.n_targets() != 1
            || stats.w_sum().partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
        {
            return Err(FastregError::Shape(format!(
                "Gram statistics of {} features and {} targets for a problem with {p} features",
                stats.n_features(),
                stats.n_targets()
            )));
        }
        let (mut gram, mut xty) = stats.system(pb.fit_intercept)?;
        let c = pb.n_samples() as f64 / stats.w_sum();
        let s = &pb.inv_scale;
        for k in 0..p {
            for j in 0..p {
                gram[k * p + j] *= c * s[j] * s[k];
            }
            xty[k] *= c * s[k];
        }
        self.state = State::Gram {
            grad: vec![0.0; p],
            gram,
            xty,
        };
        self.refresh();
        Ok(self)
    }

    /// Recomputes the gradient in covariance mode from scratch (rounding in the O(p) updates
    /// accumulates over many epochs); nothing to do for the residual.
    pub fn refresh(&mut self) {
        if let State::Gram { gram, xty, grad } = &mut self.state {
            let p = xty.len();
            grad.copy_from_slice(xty);
            for (k, &b) in self.coef.iter().enumerate() {
                if b != 0.0 {
                    axpy(-b, &gram[k * p..(k + 1) * p], grad);
                }
            }
        }
    }

    pub fn in_gram_mode(&self) -> bool {
        matches!(self.state, State::Gram { .. })
    }

    /// Records the change `delta` of internal coefficient j (already applied to `coef`).
    #[inline]
    pub(super) fn apply(&mut self, j: usize, delta: f64) {
        let pb = self.pb;
        match &mut self.state {
            State::Residual { resid, wsum, shift } => {
                let step = delta * pb.inv_scale[j];
                pb.design.col_axpy(j, -step, resid);
                let mean = pb.x_mean[j];
                *wsum -= step * mean * pb.n_samples() as f64;
                *shift += step * mean;
            }
            State::Gram { gram, grad, .. } => {
                let p = grad.len();
                axpy(-delta, &gram[j * p..(j + 1) * p], grad);
            }
        }
    }

    /// Changes the penalty (original units, i.e. per sample) for the next solve.
    pub fn set_penalty(&mut self, l1: f64, l2: f64) {
        let n = self.pb.n_samples() as f64;
        self.l1 = l1 * n;
        self.l2 = l2 * n;
        self.refresh();
    }

    /// l1 penalty in solver units (× n).
    pub fn l1_scaled(&self) -> f64 {
        self.l1
    }

    pub fn lower(&self) -> &PerFeature {
        &self.lower
    }
    pub fn upper(&self) -> &PerFeature {
        &self.upper
    }

    /// What the screening rules read per feature.
    pub fn rules(&self) -> FeatureRules<'_> {
        FeatureRules {
            penalty_factor: &self.pb.penalty_factor,
            lower: &self.lower,
            upper: &self.upper,
            excluded: &self.pb.excluded,
        }
    }

    /// Internal (standardised-scale) coefficients.
    pub fn coef_internal(&self) -> &[f64] {
        &self.coef
    }

    /// Coefficients on the original scale.
    pub fn coef(&self) -> Vec<f64> {
        self.pb.to_original(&self.coef)
    }

    /// `x̂_jᵀ W r`, the negative partial derivative of the smooth part.
    #[inline]
    pub fn gradient(&self, j: usize) -> f64 {
        match &self.state {
            State::Residual { resid, wsum, .. } => self.pb.centred_wdot(j, resid, *wsum),
            State::Gram { grad, .. } => grad[j],
        }
    }

    /// Sets coefficient j to zero, updating the residual.
    pub(super) fn zero_out(&mut self, j: usize) {
        let old = self.coef[j];
        if old != 0.0 {
            self.coef[j] = 0.0;
            self.apply(j, -old);
        }
    }

    /// Sets the coefficients of `features` to `values`, updating the residual.
    pub(super) fn assign(&mut self, features: &[usize], values: &[f64]) {
        for (&j, &v) in features.iter().zip(values) {
            let delta = v - self.coef[j];
            if delta != 0.0 {
                self.coef[j] = v;
                self.apply(j, delta);
            }
        }
    }
}
