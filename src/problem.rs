//! A least-squares problem: design, response, sample weights, intercept, standardisation and
//! the per-feature penalty factors and box constraints. Centring and standardisation are
//! implicit (column means and scale factors), so X is never copied or densified.
//!
//! Internally a coefficient `b_j` multiplies the column `x̂_j = (x_j − μ_j) / s_j` (s_j = 1
//! without standardisation); the original-scale coefficient is `β_j = b_j / s_j`.

use std::ops::Index;

use crate::design::Design;
use crate::error::{invalid, FastregError, Result};
use crate::gram::GramStats;

/// A value per feature, stored once when every feature has the same one (the default penalty
/// factor, bound or scale): then it costs no p-length array, and no load per feature in the
/// solver's inner loop. Read it as `v[j]` either way.
#[derive(Clone, Debug, PartialEq)]
pub enum PerFeature {
    Same(f64),
    Each(Vec<f64>),
}

impl PerFeature {
    /// `values`, stored once if they are all equal (or empty).
    pub fn from_vec(values: Vec<f64>) -> Self {
        match values.first() {
            None => PerFeature::Same(0.0),
            Some(&a) if values.iter().all(|&b| b == a) => PerFeature::Same(a),
            Some(_) => PerFeature::Each(values),
        }
    }

    /// `f` applied to each value (a shared value stays shared).
    pub fn map(&self, f: impl Fn(f64) -> f64) -> Self {
        match self {
            PerFeature::Same(v) => PerFeature::Same(f(*v)),
            PerFeature::Each(v) => PerFeature::from_vec(v.iter().map(|&x| f(x)).collect()),
        }
    }
}

impl Index<usize> for PerFeature {
    type Output = f64;
    #[inline(always)]
    fn index(&self, j: usize) -> &f64 {
        match self {
            PerFeature::Same(v) => v,
            PerFeature::Each(v) => &v[j],
        }
    }
}

pub struct Problem<'a, D: Design> {
    pub(crate) design: &'a D,
    /// Weights rescaled to sum to n (scikit-learn's convention), or `None` for unit weights.
    pub(crate) weights: Option<Vec<f64>>,
    pub(crate) fit_intercept: bool,
    /// Weighted column means (zeros without intercept).
    pub(crate) x_mean: PerFeature,
    /// `Σ_i w_i x̂_ij²`, the curvature of coordinate j; 0 for an excluded feature (the
    /// coordinate update skips a feature of zero curvature, so it stays at 0).
    pub(crate) col_norm2: Vec<f64>,
    /// `1 / s_j`: the column scale applied implicitly (1 without standardisation).
    pub(crate) inv_scale: PerFeature,
    /// Penalty factors rescaled to sum to p (excluded features counted as 1), as glmnet.
    pub(crate) penalty_factor: PerFeature,
    /// Box constraints on the internal (standardised) coefficients. Always
    /// `lower ≤ 0 ≤ upper`.
    pub(crate) lower: PerFeature,
    pub(crate) upper: PerFeature,
    /// Features whose coefficient is held at 0: an infinite penalty factor, a zero (once
    /// centred) column, or the box `[0, 0]`. No solver ever visits them.
    pub(crate) excluded: Vec<bool>,
    /// Unpenalised, non-excluded features (penalty factor 0).
    pub(crate) unpenalised: Vec<usize>,
    pub(crate) y_mean: f64,
    /// The response centred by its weighted mean (when fitting an intercept).
    pub(crate) y_centred: Vec<f64>,
    /// `Σ_i w_i ỹ_i²`
    pub(crate) y_norm2: f64,
}

/// Per-feature options of a problem, on the original scale of X. `None` means the default:
/// penalty factor 1, bounds `(−∞, ∞)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct FeatureOptions<'o> {
    /// glmnet's `penalty.factor`: rescaled to sum to p; 0 = unpenalised, ∞ = excluded.
    pub penalty_factor: Option<&'o [f64]>,
    pub lower_bounds: Option<&'o [f64]>,
    pub upper_bounds: Option<&'o [f64]>,
    /// Scale each column by its weighted population standard deviation (glmnet's
    /// `standardize`); coefficients are still returned on the original scale.
    pub standardize: bool,
}

fn check_len(v: Option<&[f64]>, p: usize, name: &'static str) -> Result<()> {
    match v {
        Some(v) if v.len() != p => Err(FastregError::Shape(format!(
            "X has {p} features but {name} has {}",
            v.len()
        ))),
        _ => Ok(()),
    }
}

impl<'a, D: Design> Problem<'a, D> {
    pub fn new(
        design: &'a D,
        y: &[f64],
        sample_weight: Option<&[f64]>,
        fit_intercept: bool,
    ) -> Result<Self> {
        Self::with_options(
            design,
            y,
            sample_weight,
            fit_intercept,
            &FeatureOptions::default(),
        )
    }

    pub fn with_options(
        design: &'a D,
        y: &[f64],
        sample_weight: Option<&[f64]>,
        fit_intercept: bool,
        opts: &FeatureOptions<'_>,
    ) -> Result<Self> {
        Self::build(design, y, sample_weight, fit_intercept, opts, None)
    }

    /// As [`Self::with_options`], with the column moments read from `stats`, statistics of
    /// exactly these rows, response and weights (covariance mode's, which sum each column
    /// while it is in cache for the Gram matrix anyway) instead of another pass over X.
    pub fn with_stats(
        design: &'a D,
        y: &[f64],
        sample_weight: Option<&[f64]>,
        fit_intercept: bool,
        opts: &FeatureOptions<'_>,
        stats: &GramStats,
    ) -> Result<Self> {
        Self::build(design, y, sample_weight, fit_intercept, opts, Some(stats))
    }

    fn build(
        design: &'a D,
        y: &[f64],
        sample_weight: Option<&[f64]>,
        fit_intercept: bool,
        opts: &FeatureOptions<'_>,
        stats: Option<&GramStats>,
    ) -> Result<Self> {
        let n = design.n_samples();
        let p = design.n_features();
        check_response(n, p, y)?;
        let weights = normalised_weights(sample_weight, n)?;
        check_len(opts.penalty_factor, p, "penalty_factor")?;
        check_len(opts.lower_bounds, p, "lower_bounds")?;
        check_len(opts.upper_bounds, p, "upper_bounds")?;
        let w = weights.as_deref();
        let w_sum = n as f64;
        let columns = ColumnScaling::of(design, w, fit_intercept, opts.standardize, stats)?;
        let mut col_norm2 = columns.col_norm2;
        let x_mean = PerFeature::from_vec(columns.x_mean);
        let inv_scale = if opts.standardize {
            PerFeature::from_vec(columns.scale)
        } else {
            PerFeature::Same(1.0)
        };
        let (penalty_factor, mut excluded) = rescale_penalty_factor(opts.penalty_factor, p)?;
        // A column that is zero (once centred, with an intercept: a constant one) cannot change
        // the fit; its coefficient is held at 0 like an excluded feature's. Left free, its
        // gradient is rounding noise, which an unpenalised feature's dual point cannot absorb
        // (its Gram block is singular).
        for (e, &c) in excluded.iter_mut().zip(&col_norm2) {
            *e |= c == 0.0;
        }
        let lower = internal_bound(opts, opts.lower_bounds, f64::NEG_INFINITY, &inv_scale, p)?;
        let upper = internal_bound(opts, opts.upper_bounds, f64::INFINITY, &inv_scale, p)?;
        for (j, e) in excluded.iter_mut().enumerate() {
            *e |= lower[j] == 0.0 && upper[j] == 0.0;
            if *e {
                col_norm2[j] = 0.0;
            }
        }
        let unpenalised = (0..p)
            .filter(|&j| !excluded[j] && penalty_factor[j] == 0.0)
            .collect();
        let y_mean = if fit_intercept {
            match w {
                None => y.iter().sum::<f64>() / w_sum,
                Some(w) => crate::design::dot(w, y) / w_sum,
            }
        } else {
            0.0
        };
        let y_centred: Vec<f64> = y.iter().map(|v| v - y_mean).collect();
        let y_norm2 = match w {
            None => crate::design::dot(&y_centred, &y_centred),
            Some(w) => crate::design::dot3(w, &y_centred, &y_centred),
        };
        Ok(Self {
            design,
            weights,
            fit_intercept,
            x_mean,
            col_norm2,
            inv_scale,
            penalty_factor,
            lower,
            upper,
            excluded,
            unpenalised,
            y_mean,
            y_centred,
            y_norm2,
        })
    }

    pub fn n_samples(&self) -> usize {
        self.design.n_samples()
    }
    pub fn n_features(&self) -> usize {
        self.design.n_features()
    }
    pub fn weights(&self) -> Option<&[f64]> {
        self.weights.as_deref()
    }
    pub fn x_mean(&self) -> &PerFeature {
        &self.x_mean
    }
    pub fn y_mean(&self) -> f64 {
        self.y_mean
    }
    pub fn fit_intercept(&self) -> bool {
        self.fit_intercept
    }

    pub fn standardized(&self) -> bool {
        self.inv_scale != PerFeature::Same(1.0)
    }
    /// `Σ_i w_i ỹ_i²`, the null deviance.
    pub fn y_norm2(&self) -> f64 {
        self.y_norm2
    }

    /// `Σ_i w_i x̂_ij v_i` for a raw (uncentred) vector v, given `v_sum = Σ_i w_i v_i`.
    #[inline]
    pub(crate) fn centred_wdot(&self, j: usize, v: &[f64], v_sum: f64) -> f64 {
        let raw = match &self.weights {
            None => self.design.col_dot(j, v),
            Some(w) => self.design.col_wdot(j, w, v),
        };
        (raw - self.x_mean[j] * v_sum) * self.inv_scale[j]
    }

    /// [`Self::centred_wdot`] for each of `features`, given the weighted vector `wv = W v`
    /// (`v` itself when unweighted) and `v_sum = Σ w_i v_i`.
    pub(crate) fn centred_dots(&self, features: &[usize], wv: &[f64], v_sum: f64, out: &mut [f64]) {
        self.design.cols_dot(features, wv, out);
        for (o, &j) in out.iter_mut().zip(features) {
            *o = (*o - self.x_mean[j] * v_sum) * self.inv_scale[j];
        }
    }

    /// [`Self::centred_dots`] from the design's coarse dots, with `err[k]` bounding the
    /// distance of `out[k]` from the exact value (the centring's own rounding included);
    /// `wv_norm ≥ ‖wv‖₂`. False, with nothing written, where the design has no coarse dots.
    pub(crate) fn centred_dots_coarse(
        &self,
        features: &[usize],
        wv: &[f64],
        v_sum: f64,
        wv_norm: f64,
        out: &mut [f64],
        err: &mut [f64],
    ) -> bool {
        if !self.design.cols_dot_coarse(features, wv, wv_norm, out, err) {
            return false;
        }
        for ((o, e), &j) in out.iter_mut().zip(err.iter_mut()).zip(features) {
            let shift = self.x_mean[j] * v_sum;
            let s = self.inv_scale[j].abs();
            *e = (*e + 4.0 * f64::EPSILON * (o.abs() + shift.abs())) * s;
            *o = (*o - shift) * self.inv_scale[j];
        }
        true
    }

    /// Original-scale coefficients from internal ones.
    pub fn to_original(&self, internal: &[f64]) -> Vec<f64> {
        internal
            .iter()
            .enumerate()
            .map(|(j, b)| b * self.inv_scale[j])
            .collect()
    }

    /// Internal coefficients from original-scale ones.
    pub fn to_internal(&self, original: &[f64]) -> Vec<f64> {
        original
            .iter()
            .enumerate()
            .map(|(j, b)| b / self.inv_scale[j])
            .collect()
    }

    /// Intercept that goes with original-scale coefficients `coef`.
    pub fn intercept(&self, coef: &[f64]) -> f64 {
        self.intercept_of(coef.iter().copied().enumerate())
    }

    /// Intercept that goes with the original-scale coefficients given as (feature, value)
    /// pairs (the non-zero ones suffice).
    pub fn intercept_of(&self, coef: impl Iterator<Item = (usize, f64)>) -> f64 {
        if self.fit_intercept {
            let shift: f64 = coef
                .filter(|&(_, b)| b != 0.0)
                .map(|(j, b)| self.x_mean[j] * b)
                .sum();
            self.y_mean - shift
        } else {
            0.0
        }
    }
}

/// glmnet's convention: infinite factors mark excluded features (counted as 1 for the
/// rescaling), the rest are rescaled to sum to p. Returns the factors and the excluded mask.
pub fn rescale_penalty_factor(pf: Option<&[f64]>, p: usize) -> Result<(PerFeature, Vec<bool>)> {
    let Some(pf) = pf else {
        return Ok((PerFeature::Same(1.0), vec![false; p]));
    };
    if pf.iter().any(|v| v.is_nan() || *v < 0.0) {
        return Err(invalid(
            "penalty_factor",
            "must be >= 0 (inf excludes a feature)",
        ));
    }
    let excluded: Vec<bool> = pf.iter().map(|v| v.is_infinite()).collect();
    if !excluded.is_empty() && excluded.iter().all(|&e| e) {
        // as glmnet, which stops with "all used predictors have zero variance": there is no
        // model to fit, and no α_max to start a grid from
        return Err(invalid(
            "penalty_factor",
            "excludes every feature (all infinite)",
        ));
    }
    let counted: Vec<f64> = pf
        .iter()
        .map(|&v| if v.is_infinite() { 1.0 } else { v })
        .collect();
    let total: f64 = counted.iter().sum();
    if total <= 0.0 {
        return Err(invalid("penalty_factor", "must not be all zero"));
    }
    let scale = p as f64 / total;
    Ok((
        PerFeature::from_vec(counted.iter().map(|v| v * scale).collect()),
        excluded,
    ))
}

/// X and y shapes agree, neither is empty, and y is finite.
fn check_response(n: usize, p: usize, y: &[f64]) -> Result<()> {
    if n == 0 {
        return Err(FastregError::Shape("X has 0 samples".into()));
    }
    if p == 0 {
        return Err(FastregError::Shape("X has 0 features".into()));
    }
    if y.len() != n {
        return Err(FastregError::Shape(format!(
            "X has {n} samples but y has {}",
            y.len()
        )));
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(FastregError::NonFinite("y"));
    }
    Ok(())
}

/// The sample weights checked and rescaled to sum to n.
fn normalised_weights(sample_weight: Option<&[f64]>, n: usize) -> Result<Option<Vec<f64>>> {
    let total = crate::gram::check_weights(sample_weight, n)?;
    let Some(w) = sample_weight else {
        return Ok(None);
    };
    if total <= 0.0 {
        return Err(invalid("sample_weight", "must have a positive sum"));
    }
    let scale = n as f64 / total;
    Ok(Some(w.iter().map(|v| v * scale).collect::<Vec<_>>()))
}

/// Per-column centring and scaling: the means (with an intercept), the squared norms of the
/// internal columns, and the inverse standard deviations (when standardising).
struct ColumnScaling {
    x_mean: Vec<f64>,
    col_norm2: Vec<f64>,
    scale: Vec<f64>,
}

impl ColumnScaling {
    /// From the design's column moments, or from `stats` when given (weights `w` summing to n).
    fn of<D: Design>(
        design: &D,
        w: Option<&[f64]>,
        fit_intercept: bool,
        standardize: bool,
        stats: Option<&GramStats>,
    ) -> Result<Self> {
        let (n, p) = (design.n_samples(), design.n_features());
        let w_sum = n as f64;
        let mut x_mean = vec![0.0; if fit_intercept { p } else { 0 }];
        let mut col_norm2 = vec![0.0; p];
        let mut scale = vec![1.0; if standardize { p } else { 0 }];
        if let Some(s) = stats {
            if s.n_features() != p || s.w_sum().is_nan() || s.w_sum() <= 0.0 {
                return Err(FastregError::Shape(format!(
                    "statistics of {} features (total weight {}) for X with {p} features",
                    s.n_features(),
                    s.w_sum()
                )));
            }
        }
        for j in 0..p {
            let (mean, mut ss) = match stats {
                Some(s) => s.moments(j, w_sum),
                None => design.col_moments(j, w, w_sum),
            };
            if !(mean.is_finite() && ss.is_finite()) {
                return Err(FastregError::NonFinite("X"));
            }
            // Constant up to rounding (a weighted mean of equal values need not be exact). Also
            // without an intercept: standardising divides by this centred sd, and there the
            // clamp cannot change `ss + w_sum·mean²`.
            if ss <= 1e-20 * w_sum * mean * mean {
                ss = 0.0;
            }
            let mut s2 = 1.0;
            if standardize && ss > 0.0 {
                // glmnet: weighted population sd, centred even without an intercept.
                scale[j] = 1.0 / (ss / w_sum).sqrt();
                s2 = scale[j] * scale[j];
            }
            if fit_intercept {
                x_mean[j] = mean;
                col_norm2[j] = ss * s2;
            } else {
                col_norm2[j] = (ss + w_sum * mean * mean) * s2;
            }
        }
        Ok(ColumnScaling {
            x_mean,
            col_norm2,
            scale,
        })
    }
}

/// A box's side on the internal scale from the bounds `given` on the original scale (`default`
/// when none): each must be on its side of zero (`opts` names the feature's box otherwise).
fn internal_bound(
    opts: &FeatureOptions<'_>,
    given: Option<&[f64]>,
    default: f64,
    inv_scale: &PerFeature,
    p: usize,
) -> Result<PerFeature> {
    let Some(v) = given else {
        return Ok(PerFeature::Same(default));
    };
    let wrong_side = |x: f64| if default < 0.0 { x > 0.0 } else { x < 0.0 };
    if let Some(j) = (0..p).find(|&j| v[j].is_nan() || wrong_side(v[j])) {
        let (lo, hi) = (
            opts.lower_bounds.map_or(f64::NEG_INFINITY, |v| v[j]),
            opts.upper_bounds.map_or(f64::INFINITY, |v| v[j]),
        );
        return Err(invalid(
            "lower_bounds/upper_bounds",
            format!("need lower ≤ 0 ≤ upper, feature {j} has [{lo}, {hi}]"),
        ));
    }
    // Bounds are given on the original scale; β = b / s, so b's bound is s · bound.
    Ok(PerFeature::from_vec(
        (0..p).map(|j| v[j] / inv_scale[j]).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::DenseDesign;

    /// The moments read from Gram statistics (weights on another scale, a large offset, a
    /// constant column) give the problem the direct pass over X gives, to rounding.
    #[test]
    fn moments_from_gram_statistics_match_the_direct_pass() {
        let (n, p) = (9, 4);
        let x: Vec<f64> = (0..n * p)
            .map(|k| match k / n {
                1 => 3.5,
                3 => 1e6 + ((k * 5) % 7) as f64,
                _ => ((k * 7) % 11) as f64 - 4.0,
            })
            .collect();
        let y: Vec<f64> = (0..n).map(|i| (i * i % 5) as f64).collect();
        let w: Vec<f64> = (0..n).map(|i| 0.25 + (i % 3) as f64).collect();
        let design = DenseDesign::new(&x, n, p).unwrap();
        for (weights, intercept, standardize) in [
            (None, true, false),
            (Some(&w[..]), true, true),
            (Some(&w[..]), false, true),
            (None, false, false),
        ] {
            let opts = FeatureOptions {
                standardize,
                ..Default::default()
            };
            let stats = design.gram_stats(&y, 1, weights).unwrap();
            let a = Problem::with_options(&design, &y, weights, intercept, &opts).unwrap();
            let b = Problem::with_stats(&design, &y, weights, intercept, &opts, &stats).unwrap();
            assert_eq!(a.excluded, b.excluded);
            for j in 0..p {
                let close = |u: f64, v: f64| (u - v).abs() <= 1e-12 * u.abs().max(v.abs());
                assert!(close(a.x_mean[j], b.x_mean[j]), "mean {j}");
                assert!(close(a.inv_scale[j], b.inv_scale[j]), "scale {j}");
                assert!(
                    close(a.col_norm2[j], b.col_norm2[j]),
                    "curvature {j}: {} vs {}",
                    a.col_norm2[j],
                    b.col_norm2[j]
                );
            }
        }
        let other = DenseDesign::new(&x[..n * 3], n, 3).unwrap();
        let stats = other.gram_stats(&y, 1, None).unwrap();
        let opts = FeatureOptions::default();
        assert!(Problem::with_stats(&design, &y, None, true, &opts, &stats).is_err());
    }

    #[test]
    fn per_feature_values_are_stored_once_when_shared() {
        assert_eq!(PerFeature::from_vec(vec![2.0; 5]), PerFeature::Same(2.0));
        let v = PerFeature::from_vec(vec![1.0, 2.0, 1.0]);
        assert_eq!((v[0], v[1], v[2]), (1.0, 2.0, 1.0));
        // a map that makes them equal shares them
        assert_eq!(v.map(|x| x.min(1.0)), PerFeature::Same(1.0));
        assert_eq!(PerFeature::Same(-3.0).map(f64::abs)[7], 3.0);
    }

    /// The defaults cost no p-length vector; given options do, and excluded features (infinite
    /// factor, zero column, box [0, 0]) are marked and get zero curvature.
    #[test]
    fn options_and_exclusions() {
        let (n, p) = (6, 4);
        // column 2 constant (zero once centred)
        let x: Vec<f64> = (0..n * p)
            .map(|k| {
                if k / n == 2 {
                    5.0
                } else {
                    ((k * 7) % 11) as f64
                }
            })
            .collect();
        let y: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let design = DenseDesign::new(&x, n, p).unwrap();
        let pb = Problem::new(&design, &y, None, true).unwrap();
        assert_eq!(pb.penalty_factor, PerFeature::Same(1.0));
        assert_eq!(pb.inv_scale, PerFeature::Same(1.0));
        assert_eq!(pb.lower, PerFeature::Same(f64::NEG_INFINITY));
        assert_eq!(pb.excluded, vec![false, false, true, false]);
        let pf = [1.0, f64::INFINITY, 1.0, 1.0];
        let lo = [0.0, -1.0, -1.0, 0.0];
        let hi = [1.0, 1.0, 1.0, 0.0];
        let opts = FeatureOptions {
            penalty_factor: Some(&pf),
            lower_bounds: Some(&lo),
            upper_bounds: Some(&hi),
            standardize: false,
        };
        let pb = Problem::with_options(&design, &y, None, true, &opts).unwrap();
        assert_eq!(pb.excluded, vec![false, true, true, true]);
        assert!(pb
            .excluded
            .iter()
            .zip(&pb.col_norm2)
            .all(|(&e, &c)| e == (c == 0.0)));
        assert_eq!((pb.lower[0], pb.upper[3]), (0.0, 0.0));
        // glmnet's rescaling: the excluded one counts as 1, the rest sum to p
        assert_eq!(pb.penalty_factor, PerFeature::Same(1.0));
    }
}
