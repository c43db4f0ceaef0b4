//! Screening rules as pure functions of gradients, penalties and bounds, so each is tested on
//! its own: the sequential strong rule (heuristic, checked by KKT afterwards), the KKT check of
//! zero coefficients, and the gap-safe rule (certain). All quantities are in the solver's units
//! (objective × n): `grad_j = x̂_jᵀ W r`, `l1_j = n · λ · l1_ratio · penalty_factor_j`.
//!
//! A zero coefficient is optimal iff `grad_j ∈ ∂h_j(0)`, which with box constraints
//! `lower ≤ 0 ≤ upper` is `[−l1_j, l1_j]` widened to −∞ when `lower = 0` and to +∞ when
//! `upper = 0`. Every rule below reads the bounds through [`zero_score`].

use crate::problem::PerFeature;

/// What the rules read per feature: penalty factor, box, and which features are excluded
/// (held at zero, never candidates).
#[derive(Clone, Copy)]
pub struct FeatureRules<'a> {
    pub penalty_factor: &'a PerFeature,
    pub lower: &'a PerFeature,
    pub upper: &'a PerFeature,
    pub excluded: &'a [bool],
}

impl FeatureRules<'_> {
    /// The sequential strong rule for feature j (see [`strong_set`]), excluded features never.
    #[inline]
    pub fn strong(&self, j: usize, grad: f64, l1_next: f64, l1_prev: f64) -> bool {
        self.reaches(j, grad, 2.0 * l1_next - l1_prev)
    }

    /// Whether feature j, at zero with gradient `grad`, is within [`NEAR_KKT`] of violating
    /// the KKT condition at penalty `l1` (unpenalised features always are).
    #[inline]
    pub fn near(&self, j: usize, grad: f64, l1: f64) -> bool {
        self.reaches(j, grad, NEAR_KKT * l1)
    }

    /// Whether feature j's score reaches `pf_j · threshold`: always for an unpenalised
    /// feature, never for an excluded one.
    #[inline]
    fn reaches(&self, j: usize, grad: f64, threshold: f64) -> bool {
        let pf = self.penalty_factor[j];
        !self.excluded[j] && (pf == 0.0 || self.score(j, grad) >= pf * threshold)
    }

    /// [`zero_score`] of feature j; −∞ for an excluded one.
    #[inline]
    pub fn score(&self, j: usize, grad: f64) -> f64 {
        if self.excluded[j] {
            f64::NEG_INFINITY
        } else {
            zero_score(grad, self.lower[j], self.upper[j])
        }
    }
}

/// The fraction of its KKT threshold above which [`FeatureRules::near`] counts a zero
/// feature's score as about to violate it: at 1 a feature about to enter waits a whole round,
/// lower lets in the features of equicorrelated problems that hover below the threshold
/// without entering (measurements in `benches/DECISIONS.md`).
pub const NEAR_KKT: f64 = 0.98;

/// How strongly the data pull feature j away from zero, in the directions its box allows:
/// the largest of `grad` (if `upper > 0`) and `−grad` (if `lower < 0`); −∞ if neither.
#[inline]
pub fn zero_score(grad: f64, lower: f64, upper: f64) -> f64 {
    let up = if upper > 0.0 { grad } else { f64::NEG_INFINITY };
    let down = if lower < 0.0 {
        -grad
    } else {
        f64::NEG_INFINITY
    };
    up.max(down)
}

/// Sequential strong rule (Tibshirani et al. 2012): moving from `l1_prev` to `l1_next`, keep
/// feature j as a candidate iff `score_j ≥ pf_j · (2·l1_next − l1_prev)`, where the gradient is
/// taken at the solution for `l1_prev`. Unpenalised features are always kept.
pub fn strong_set(grad: &[f64], l1_next: f64, l1_prev: f64, rules: &FeatureRules) -> Vec<bool> {
    (0..grad.len())
        .map(|j| rules.strong(j, grad[j], l1_next, l1_prev))
        .collect()
}

/// Features outside the working set whose zero coefficient violates the KKT conditions at
/// penalty `l1`: `score_j > pf_j · l1`.
pub fn kkt_violations(
    grad: &[f64],
    l1: f64,
    rules: &FeatureRules,
    in_working_set: &[bool],
) -> Vec<usize> {
    (0..grad.len())
        .filter(|&j| !in_working_set[j] && rules.score(j, grad[j]) > rules.penalty_factor[j] * l1)
        .collect()
}

/// Gap-safe rule (Fercoq, Gramfort, Salmon 2015; Ndiaye et al. 2017) for one feature: with a
/// feasible dual point θ of duality gap `gap`, the dual optimum lies in the ball of radius
/// `√(2·gap)` around θ (the dual is 1-strongly concave in the W-norm), so `x̂_jᵀθ*` lies within
/// `√(2·gap)·‖x̂_j‖` of `corr = x̂_jᵀθ`. If that interval lies inside `∂h_j(0)`, β*_j = 0.
/// Returns whether the feature must be kept.
#[inline]
pub fn gap_safe_keep(
    corr: f64,
    col_norm: f64,
    gap: f64,
    l1_j: f64,
    lower: f64,
    upper: f64,
) -> bool {
    let radius = (2.0 * gap.max(0.0)).sqrt() * col_norm;
    zero_score(corr, lower, upper) + radius >= l1_j
}

#[cfg(test)]
mod tests {
    use super::*;
    const INF: f64 = f64::INFINITY;

    #[test]
    fn zero_score_respects_bounds() {
        assert_eq!(zero_score(2.0, -INF, INF), 2.0);
        assert_eq!(zero_score(-3.0, -INF, INF), 3.0);
        // positive-only: a negative gradient cannot move it off zero
        assert_eq!(zero_score(-3.0, 0.0, INF), -3.0);
        assert_eq!(zero_score(2.0, -1.0, 0.0), -2.0);
        assert_eq!(zero_score(2.0, 0.0, 0.0), -INF);
    }

    fn each(v: &[f64]) -> PerFeature {
        PerFeature::Each(v.to_vec())
    }

    fn rules_of<'a>(
        penalty_factor: &'a PerFeature,
        lower: &'a PerFeature,
        upper: &'a PerFeature,
        excluded: &'a [bool],
    ) -> FeatureRules<'a> {
        FeatureRules {
            penalty_factor,
            lower,
            upper,
            excluded,
        }
    }

    #[test]
    fn strong_set_thresholds() {
        let g = [5.0, 1.5, -1.9, 0.5, 3.0, 1.0, 9.0];
        let pf = each(&[1.0, 1.0, 1.0, 0.0, 1.0, 2.0, 1.0]);
        let lo = each(&[-INF, -INF, -INF, -INF, -INF, 0.0, -INF]);
        let hi = each(&[INF, INF, INF, INF, 0.0, INF, INF]);
        // the last feature is excluded: never kept, however large its gradient
        let excluded = [false, false, false, false, false, false, true];
        let rules = rules_of(&pf, &lo, &hi, &excluded);
        // 2·1 − 0.5 = 1.5
        let s = strong_set(&g, 1.0, 0.5, &rules);
        assert_eq!(s, vec![true, true, true, true, false, false, false]);
    }

    #[test]
    fn near_kkt_thresholds() {
        // threshold 0.98 · pf · l1 with l1 = 2: 1.96 for pf 1, 3.92 for pf 2
        let g = [1.97, -1.97, 1.95, 3.9, -2.5, 0.0, 9.0];
        let pf = each(&[1.0, 1.0, 1.0, 2.0, 1.0, 0.0, 1.0]);
        // the fifth may only go up, so its negative gradient never brings it near
        let lo = each(&[-INF, -INF, -INF, -INF, 0.0, -INF, -INF]);
        let hi = PerFeature::Same(INF);
        let excluded = [false, false, false, false, false, false, true];
        let rules = rules_of(&pf, &lo, &hi, &excluded);
        let near: Vec<bool> = (0..g.len()).map(|j| rules.near(j, g[j], 2.0)).collect();
        assert_eq!(near, vec![true, true, false, false, false, true, false]);
    }

    #[test]
    fn kkt_violations_outside_working_set() {
        let g = [2.0, 0.9, -1.1, 3.0, -3.0, 5.0];
        let lo = each(&[-INF, -INF, -INF, -INF, 0.0, -INF]);
        let (pf, hi) = (PerFeature::Same(1.0), PerFeature::Same(INF));
        let excluded = [false, false, false, false, false, true];
        let rules = rules_of(&pf, &lo, &hi, &excluded);
        let ws = [true, false, false, false, false, false];
        assert_eq!(kkt_violations(&g, 1.0, &rules, &ws), vec![2, 3]);
    }

    #[test]
    fn gap_safe_is_conservative() {
        // zero gap: exact KKT test
        assert!(!gap_safe_keep(0.5, 1.0, 0.0, 1.0, -INF, INF));
        assert!(gap_safe_keep(1.0, 1.0, 0.0, 1.0, -INF, INF));
        // radius √(2·0.125)·1 = 0.5 brings 0.6 to 1.1 > 1
        assert!(gap_safe_keep(0.6, 1.0, 0.125, 1.0, -INF, INF));
        assert!(!gap_safe_keep(0.4, 1.0, 0.125, 1.0, -INF, INF));
        // positive-only feature with strongly negative correlation is discarded at any gap < ∞
        assert!(!gap_safe_keep(-5.0, 1.0, 0.5, 1.0, 0.0, INF));
        // unpenalised features are always kept
        assert!(gap_safe_keep(0.0, 1.0, 0.0, 0.0, -INF, INF));
    }
}
