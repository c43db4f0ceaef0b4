//! The duality-gap certificate: primal value, the dual point built from the residual (or an
//! extrapolated one), the gap, its stopping target, and gap-safe screening.

use rayon::prelude::*;

use crate::design::{dot, dot3, Design};
use crate::params::EnetParams;
use crate::screening::gap_safe_keep;

use super::epoch::soft_threshold;
use super::state::{weighted_sum, CoordinateDescent, State};

/// `h*(u) = sup_{b ∈ [lo, hi]} u·b − l1|b| − l2/2·b²` (requires lo ≤ 0 ≤ hi). Infinite when
/// the supremum is; a point within rounding of the domain's edge is treated as on it.
#[inline]
pub fn conjugate(u: f64, l1: f64, l2: f64, lo: f64, hi: f64) -> f64 {
    let b = if l2 > 0.0 {
        (soft_threshold(u, l1) / l2).clamp(lo, hi)
    } else if u > l1 {
        hi
    } else if u < -l1 {
        lo
    } else {
        0.0
    };
    if b == 0.0 {
        return 0.0;
    }
    if b.is_infinite() {
        // only possible with l2 = 0: (|u| − l1)·∞
        let excess = u.abs() - l1;
        return if excess <= 1e-12 * l1.max(f64::MIN_POSITIVE) {
            0.0
        } else {
            f64::INFINITY
        };
    }
    u * b - l1 * b.abs() - 0.5 * l2 * b * b
}

/// Stopping target (solver units): the duality gap below scikit-learn's `tol·‖ỹ‖²_W` or
/// `rel_tol·P`, whichever is larger, and, with `coef_tol` > 0, the last plain epoch over the
/// working set settled (see [`GapTarget::settled`]).
#[derive(Clone, Copy, Debug)]
pub struct GapTarget {
    pub scaled: f64,
    pub relative: f64,
    pub coef_tol: f64,
    /// With `coef_tol`: a start the gap already certifies stops before any epoch, as
    /// scikit-learn's point fit does. A path's warm start is extrapolated, so there it is
    /// false and an epoch must settle the coefficients first.
    pub certified_start: bool,
}

impl GapTarget {
    /// The target `prm` asks for, on a problem with `‖ỹ‖²_W = y_norm2`.
    pub fn of(prm: &EnetParams, y_norm2: f64) -> Self {
        GapTarget {
            scaled: prm.tol() * y_norm2,
            relative: prm.rel_tol(),
            coef_tol: prm.coef_tol(),
            certified_start: false,
        }
    }
    /// The gap alone: `scaled` and `relative`, no condition on the epochs.
    pub fn gap_only(scaled: f64, relative: f64) -> Self {
        GapTarget {
            scaled,
            relative,
            coef_tol: 0.0,
            certified_start: false,
        }
    }
    /// Both gap parts multiplied by `factor`.
    pub fn times(self, factor: f64) -> Self {
        GapTarget {
            scaled: factor * self.scaled,
            relative: factor * self.relative,
            coef_tol: self.coef_tol,
            certified_start: self.certified_start,
        }
    }
    #[inline]
    pub fn reached(&self, gap: f64, primal: f64) -> bool {
        gap <= self.scaled.max(self.relative * primal)
    }
    /// Whether an epoch whose largest |β_j| and largest |Δβ_j| (original scale) are `w_max` and
    /// `d_max` settled the coefficients: scikit-learn's `w_max == 0 or d_w_max / w_max <=
    /// d_w_tol`. Always with `coef_tol` 0.
    #[inline]
    pub fn settled(&self, w_max: f64, d_max: f64) -> bool {
        self.coef_tol == 0.0 || w_max == 0.0 || d_max <= self.coef_tol * w_max
    }
}

/// Primal, dual and gap at the current iterate, with what gap-safe screening needs.
#[derive(Clone, Copy, Debug)]
pub struct GapInfo {
    pub primal: f64,
    pub dual: f64,
    pub gap: f64,
    /// Scaling c of the dual point θ = c·θ'.
    pub scale: f64,
}

/// The features a gap is taken over: all p of them (no index list, which at a million
/// features would cost as much memory as the gradient), or a list.
#[derive(Clone, Copy, Debug)]
pub enum Features<'a> {
    All(usize),
    Of(&'a [usize]),
}

impl Features<'_> {
    pub fn len(&self) -> usize {
        match self {
            Features::All(p) => *p,
            Features::Of(f) => f.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The k-th feature.
    #[inline]
    pub fn get(&self, k: usize) -> usize {
        match self {
            Features::All(_) => k,
            Features::Of(f) => f[k],
        }
    }
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).map(|k| self.get(k))
    }
}

impl<'p, 'a, D: Design> CoordinateDescent<'p, 'a, D> {
    /// `Σ w r²` and `Σ w r ỹ` for the true (centred) residual.
    pub(super) fn residual_products(&self) -> (f64, f64) {
        let pb = self.pb;
        let (resid, wsum, s) = match &self.state {
            State::Residual { resid, wsum, shift } => (resid, *wsum, *shift),
            State::Gram { xty, grad, .. } => {
                // r = ỹ − X̂b: ‖r‖² = ‖ỹ‖² − bᵀ(X̂ᵀWỹ + g), ⟨r, ỹ⟩ = ‖ỹ‖² − bᵀX̂ᵀWỹ.
                let (bc, bg) = (dot(&self.coef, xty), dot(&self.coef, grad));
                return ((pb.y_norm2 - bc - bg).max(0.0), pb.y_norm2 - bc);
            }
        };
        let n = pb.n_samples() as f64;
        let (rr, ry, y_sum) = match pb.weights() {
            None => (
                dot(resid, resid),
                dot(resid, &pb.y_centred),
                pb.y_centred.iter().sum::<f64>(),
            ),
            Some(w) => (
                dot3(w, resid, resid),
                dot3(w, resid, &pb.y_centred),
                dot(w, &pb.y_centred),
            ),
        };
        ((rr + 2.0 * s * wsum + s * s * n).max(0.0), ry + s * y_sum)
    }

    /// `Σ w r²` for the true residual (solver units): twice the loss.
    pub fn residual_norm2(&self) -> f64 {
        self.residual_products().0
    }

    #[inline]
    pub(super) fn penalty_value(&self, j: usize) -> f64 {
        let b = self.coef[j];
        let pf = self.pb.penalty_factor[j];
        pf * (self.l1 * b.abs() + 0.5 * self.l2 * b * b)
    }

    /// Primal objective `1/(2n) Σ w r² + Σ_j pf_j (l1|β_j| + l2/2 β_j²)` (internal scale).
    pub fn primal(&self) -> f64 {
        let (rr, _) = self.residual_products();
        let n = self.pb.n_samples() as f64;
        let pen: f64 = (0..self.coef.len()).map(|j| self.penalty_value(j)).sum();
        (0.5 * rr + pen) / n
    }

    /// Primal objective (solver units) with coefficients outside `features` zero.
    pub(super) fn primal_on(&self, features: &[usize]) -> f64 {
        let pen: f64 = features.iter().map(|&j| self.penalty_value(j)).sum();
        0.5 * self.residual_products().0 + pen
    }

    /// Duality gap in the solver's units (objective × n) of the full problem.
    pub fn dual_gap_scaled(&mut self) -> f64 {
        let p = self.pb.n_features();
        let mut g = std::mem::take(&mut self.scratch);
        g.clear();
        g.extend((0..p).map(|j| self.gradient(j)));
        let info = self.gap_from_gradient(Features::All(p), &g);
        self.scratch = g;
        info.gap
    }

    /// The dual direction θ' (see the module doc) for `features` with gradients `grad`:
    /// returns `(⟨θ',θ'⟩, ⟨θ',ỹ⟩)` and writes `x̂_jᵀWθ'` into `corr` (exact zeros for the
    /// projected features).
    pub(super) fn dual_direction(
        &self,
        features: Features<'_>,
        grad: &[f64],
        corr: &mut Vec<f64>,
    ) -> (f64, f64) {
        let (rr, ry) = self.residual_products();
        corr.clear();
        corr.extend_from_slice(grad);
        let Some(pr) = &self.projection else {
            return (rr, ry);
        };
        let m_all = pr.features.len();
        let g_u: Vec<f64> = pr.features.iter().map(|&j| self.gradient(j)).collect();
        let mut in_p: Vec<bool> = pr
            .features
            .iter()
            .map(|&j| self.coef[j] > self.lower[j] && self.coef[j] < self.upper[j])
            .collect();
        let mut a_full = vec![0.0; m_all];
        loop {
            let subset: Vec<usize> = (0..m_all).filter(|&k| in_p[k]).collect();
            a_full.iter_mut().for_each(|v| *v = 0.0);
            if !subset.is_empty() {
                let rhs: Vec<f64> = subset.iter().map(|&k| g_u[k]).collect();
                for (a, &k) in pr.solve(&subset, &rhs).iter().zip(&subset) {
                    a_full[k] = *a;
                }
            }
            // An unprojected unpenalised feature must not point towards an unbounded side.
            let mut grew = false;
            for k in 0..m_all {
                if in_p[k] {
                    continue;
                }
                let j = pr.features[k];
                let u = g_u[k] - dot(&pr.cross[j * m_all..(j + 1) * m_all], &a_full);
                if conjugate(u, 0.0, 0.0, self.lower[j], self.upper[j]).is_infinite() {
                    in_p[k] = true;
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
        let ag = dot(&a_full, &g_u);
        let mut aga = 0.0;
        for i in 0..m_all {
            aga += a_full[i] * dot(&pr.gram[i * m_all..(i + 1) * m_all], &a_full);
        }
        for (c, j) in corr.iter_mut().zip(features.iter()) {
            *c -= dot(&pr.cross[j * m_all..(j + 1) * m_all], &a_full);
            if self.pb.penalty_factor[j] == 0.0 {
                if let Some(k) = pr.features.iter().position(|&u| u == j) {
                    if in_p[k] {
                        *c = 0.0;
                    }
                }
            }
        }
        ((rr - 2.0 * ag + aga).max(0.0), ry - dot(&a_full, &pr.xty))
    }

    /// Primal, dual and gap of the problem restricted to `features` (coefficients outside must
    /// be zero), given the gradients `grad[k] = x̂_{features[k]}ᵀ W r`. Unpenalised features
    /// must all be in `features`. Also returns the dual point's scaling c; its correlations
    /// `c · corr` (written to `corr`) are what gap-safe screening needs.
    pub fn gap_with_corr(
        &self,
        features: Features<'_>,
        grad: &[f64],
        corr: &mut Vec<f64>,
    ) -> GapInfo {
        let (tt, ty) = self.dual_direction(features, grad, corr);
        self.gap_along(features, corr, tt, ty)
    }

    /// Primal, dual and gap given the dual direction's correlations and products.
    pub(super) fn gap_along(
        &self,
        features: Features<'_>,
        corr: &[f64],
        tt: f64,
        ty: f64,
    ) -> GapInfo {
        let pen: f64 = features.iter().map(|j| self.penalty_value(j)).sum();
        let primal = 0.5 * self.residual_products().0 + pen;
        let (dual, scale) = self.dual_best_scale(features, corr, tt, ty);
        GapInfo {
            primal,
            dual,
            gap: (primal - dual).max(0.0),
            scale,
        }
    }

    /// The dual objective at c·θ for the best c ∈ (0, c_max] tried, given a W-centred direction
    /// θ through its correlations `corr[k] = x̂_{features[k]}ᵀWθ` (zero for features projected
    /// out), `⟨θ,θ⟩_W` and `⟨θ,ỹ⟩_W`. Returns `(dual, c)`. Excluded features, held at zero,
    /// take no part (their correlations may be anything).
    pub(super) fn dual_best_scale(
        &self,
        features: Features<'_>,
        corr: &[f64],
        tt: f64,
        ty: f64,
    ) -> (f64, f64) {
        let pb = self.pb;
        let (l1, l2) = (self.l1, self.l2);
        // Largest c keeping every penalised conjugate finite.
        let mut c_max = 1.0f64;
        for (k, j) in features.iter().enumerate() {
            let pf = pb.penalty_factor[j];
            if pf == 0.0 || l2 * pf > 0.0 || pb.excluded[j] {
                continue;
            }
            let u = corr[k];
            let l1j = l1 * pf;
            if u > l1j && self.upper[j].is_infinite() {
                c_max = c_max.min(l1j / u);
            } else if u < -l1j && self.lower[j].is_infinite() {
                c_max = c_max.min(l1j / -u);
            }
        }
        let dual_at = |c: f64| -> f64 {
            let mut conj = 0.0;
            for (k, j) in features.iter().enumerate() {
                let pf = pb.penalty_factor[j];
                if corr[k] != 0.0 && !pb.excluded[j] {
                    conj += conjugate(c * corr[k], l1 * pf, l2 * pf, self.lower[j], self.upper[j]);
                }
            }
            c * ty - 0.5 * c * c * tt - conj
        };
        let mut best = (dual_at(c_max), c_max);
        if tt > 0.0 {
            let c_q = (ty / tt).clamp(0.0, c_max);
            if c_q < c_max {
                let d = dual_at(c_q);
                if d > best.0 {
                    best = (d, c_q);
                }
            }
        }
        best
    }

    /// The true residual `r_raw + shift` as a vector (for dual extrapolation); `None` in
    /// covariance mode, which keeps no residual.
    pub(super) fn true_residual(&self) -> Option<Vec<f64>> {
        match &self.state {
            State::Residual { resid, shift, .. } => Some(resid.iter().map(|r| r + shift).collect()),
            State::Gram { .. } => None,
        }
    }

    /// `(⟨θ,θ⟩_W, ⟨θ,ỹ⟩_W)` for θ = v centred (when fitting an intercept).
    pub(super) fn direction_products(&self, v: &[f64]) -> (f64, f64) {
        let pb = self.pb;
        let n = pb.n_samples() as f64;
        let (vv, vy, v_sum) = match pb.weights() {
            None => (dot(v, v), dot(v, &pb.y_centred), v.iter().sum::<f64>()),
            Some(w) => (dot3(w, v, v), dot3(w, v, &pb.y_centred), dot(w, v)),
        };
        if pb.fit_intercept {
            // ỹ is W-centred, so only ⟨θ,θ⟩ needs the mean removed.
            ((vv - v_sum * v_sum / n).max(0.0), vy)
        } else {
            (vv, vy)
        }
    }

    /// Dual value at an extrapolated residual `v` (W-centred implicitly) over `features`, with
    /// its correlations written to `corr`; `pool` parallelises the sweep. `None` when
    /// unpenalised features need the projection (not supported for extrapolated points).
    pub fn dual_at_point(
        &self,
        features: Features<'_>,
        v: &[f64],
        corr: &mut Vec<f64>,
        pool: Option<&rayon::ThreadPool>,
    ) -> Option<(f64, f64)> {
        if self.projection.is_some() || self.in_gram_mode() {
            return None;
        }
        let v_sum = weighted_sum(self.pb, v);
        corr.clear();
        corr.resize(features.len(), 0.0);
        let pb = self.pb;
        match pool {
            Some(pool) if pool.current_num_threads() > 1 => pool.install(|| {
                corr.par_iter_mut().enumerate().for_each(|(k, c)| {
                    let j = features.get(k);
                    if !pb.excluded[j] {
                        *c = pb.centred_wdot(j, v, v_sum);
                    }
                })
            }),
            _ => {
                for (k, c) in corr.iter_mut().enumerate() {
                    let j = features.get(k);
                    if !pb.excluded[j] {
                        *c = pb.centred_wdot(j, v, v_sum);
                    }
                }
            }
        }
        let (tt, ty) = self.direction_products(v);
        Some(self.dual_best_scale(features, corr, tt, ty))
    }

    /// Raises `info`'s dual (and so lowers its gap) to the dual value at the point `v` (an
    /// extrapolated residual, see [`Self::dual_at_point`]) over `features` where that is
    /// higher. Returns the point's correlations when it was.
    pub fn raise_dual(
        &self,
        info: &mut GapInfo,
        features: Features<'_>,
        v: &[f64],
        pool: Option<&rayon::ThreadPool>,
    ) -> Option<Vec<f64>> {
        let mut corr = Vec::new();
        let (dual, scale) = self.dual_at_point(features, v, &mut corr, pool)?;
        if dual > info.dual {
            *info = GapInfo {
                dual,
                gap: (info.primal - dual).max(0.0),
                scale,
                ..*info
            };
            return Some(corr);
        }
        None
    }

    /// The extrapolated dual point of the last solve, if it beat the residual's.
    pub fn best_dual_point(&self) -> Option<&[f64]> {
        self.best_dual.as_deref()
    }

    /// As [`Self::gap_with_corr`], discarding the correlations.
    pub fn gap_from_gradient(&self, features: Features<'_>, grad: &[f64]) -> GapInfo {
        if self.projection.is_none() {
            // the direction is the residual itself: its correlations are the gradients
            let (rr, ry) = self.residual_products();
            return self.gap_along(features, grad, rr, ry);
        }
        let mut corr = Vec::with_capacity(features.len());
        self.gap_with_corr(features, grad, &mut corr)
    }

    /// Gap of the problem restricted to `features`, with the dual correlations.
    pub(super) fn gap_on(&mut self, features: &[usize]) -> (GapInfo, Vec<f64>) {
        let mut g = std::mem::take(&mut self.scratch);
        g.clear();
        g.extend(features.iter().map(|&j| self.gradient(j)));
        let mut corr = Vec::with_capacity(features.len());
        let info = self.gap_with_corr(Features::Of(features), &g, &mut corr);
        self.scratch = g;
        (info, corr)
    }

    /// Gap-safe screening of `features` given the dual correlations `corr` and gap info
    /// computed with them: returns the features to keep. Features found inactive are zeroed.
    /// Returns the positions in `features` of those kept, and whether a dropped feature had a
    /// non-zero coefficient (the residual moved).
    pub(super) fn gap_safe_filter(
        &mut self,
        features: &[usize],
        corr: &[f64],
        info: &GapInfo,
    ) -> (Vec<usize>, bool) {
        let mut keep = Vec::with_capacity(features.len());
        let mut drop = Vec::new();
        for (k, &j) in features.iter().enumerate() {
            let pf = self.pb.penalty_factor[j];
            if pf == 0.0
                || gap_safe_keep(
                    info.scale * corr[k],
                    self.pb.col_norm2[j].sqrt(),
                    info.gap,
                    self.l1 * pf,
                    self.lower[j],
                    self.upper[j],
                )
            {
                keep.push(k);
            } else {
                drop.push(j);
            }
        }
        let moved = drop.iter().any(|&j| self.coef[j] != 0.0);
        for j in drop {
            self.zero_out(j);
        }
        (keep, moved)
    }
}
