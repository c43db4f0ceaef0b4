//! A least-squares problem: design, response, sample weights, intercept, standardisation and
//! the per-feature penalty factors and box constraints. Centring and standardisation are
//! implicit (column means and scale factors), so X is never copied or densified.
//!
//! Internally a coefficient `b_j` multiplies the column `x̂_j = (x_j − μ_j) / s_j` (s_j = 1
//! without standardisation); the original-scale coefficient is `β_j = b_j / s_j`.

use crate::design::Design;
use crate::error::{invalid, FastregError, Result};

pub struct Problem<'a, D: Design> {
    pub(crate) design: &'a D,
    /// Weights rescaled to sum to n (scikit-learn's convention), or `None` for unit weights.
    pub(crate) weights: Option<Vec<f64>>,
    pub(crate) fit_intercept: bool,
    /// Weighted column means (zeros without intercept).
    pub(crate) x_mean: Vec<f64>,
    /// `Σ_i w_i x̂_ij²`, the curvature of coordinate j.
    pub(crate) col_norm2: Vec<f64>,
    /// `1 / s_j`: the column scale applied implicitly (1 without standardisation).
    pub(crate) inv_scale: Vec<f64>,
    /// Penalty factors rescaled to sum to p (excluded features counted as 1), as glmnet.
    pub(crate) penalty_factor: Vec<f64>,
    /// Box constraints on the internal (standardised) coefficients; excluded features have
    /// `[0, 0]`. Always `lower ≤ 0 ≤ upper`.
    pub(crate) lower: Vec<f64>,
    pub(crate) upper: Vec<f64>,
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
        let n = design.n_samples();
        let p = design.n_features();
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
        let weights = match sample_weight {
            None => None,
            Some(w) => {
                if w.len() != n {
                    return Err(FastregError::Shape(format!(
                        "X has {n} samples but sample_weight has {}",
                        w.len()
                    )));
                }
                if w.iter().any(|v| !v.is_finite()) {
                    return Err(FastregError::NonFinite("sample_weight"));
                }
                if w.iter().any(|&v| v < 0.0) {
                    return Err(invalid("sample_weight", "must be non-negative"));
                }
                let total: f64 = w.iter().sum();
                if total <= 0.0 {
                    return Err(invalid("sample_weight", "must have a positive sum"));
                }
                let scale = n as f64 / total;
                Some(w.iter().map(|v| v * scale).collect::<Vec<_>>())
            }
        };
        check_len(opts.penalty_factor, p, "penalty_factor")?;
        check_len(opts.lower_bounds, p, "lower_bounds")?;
        check_len(opts.upper_bounds, p, "upper_bounds")?;
        let w = weights.as_deref();
        let w_sum = n as f64;
        let mut x_mean = vec![0.0; p];
        let mut col_norm2 = vec![0.0; p];
        let mut inv_scale = vec![1.0; p];
        for j in 0..p {
            let (mean, mut ss) = design.col_moments(j, w, w_sum);
            if !(mean.is_finite() && ss.is_finite()) {
                return Err(FastregError::NonFinite("X"));
            }
            // constant up to rounding (a weighted mean of equal values need not be exact)
            if fit_intercept && ss <= 1e-20 * w_sum * mean * mean {
                ss = 0.0;
            }
            if opts.standardize && ss > 0.0 {
                // glmnet: weighted population sd, centred even without an intercept.
                inv_scale[j] = 1.0 / (ss / w_sum).sqrt();
            }
            let s2 = inv_scale[j] * inv_scale[j];
            if fit_intercept {
                x_mean[j] = mean;
                col_norm2[j] = ss * s2;
            } else {
                col_norm2[j] = (ss + w_sum * mean * mean) * s2;
            }
        }
        let (penalty_factor, mut excluded) = rescale_penalty_factor(opts.penalty_factor, p)?;
        // A column that is zero (once centred, with an intercept: a constant one) cannot change
        // the fit; its coefficient is held at 0 like an excluded feature's. Left free, its
        // gradient is rounding noise, which an unpenalised feature's dual point cannot absorb
        // (its Gram block is singular).
        for (e, &c) in excluded.iter_mut().zip(&col_norm2) {
            *e |= c == 0.0;
        }
        let mut lower = vec![f64::NEG_INFINITY; p];
        let mut upper = vec![f64::INFINITY; p];
        for j in 0..p {
            let lo = opts.lower_bounds.map_or(f64::NEG_INFINITY, |v| v[j]);
            let hi = opts.upper_bounds.map_or(f64::INFINITY, |v| v[j]);
            if lo.is_nan() || hi.is_nan() || lo > 0.0 || hi < 0.0 {
                return Err(invalid(
                    "lower_bounds/upper_bounds",
                    format!("need lower ≤ 0 ≤ upper, feature {j} has [{lo}, {hi}]"),
                ));
            }
            // Bounds are given on the original scale; β = b / s, so b's bound is s · bound.
            let s = 1.0 / inv_scale[j];
            (lower[j], upper[j]) = if excluded[j] {
                (0.0, 0.0)
            } else {
                (lo * s, hi * s)
            };
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
    pub fn x_mean(&self) -> &[f64] {
        &self.x_mean
    }
    pub fn y_mean(&self) -> f64 {
        self.y_mean
    }
    pub fn fit_intercept(&self) -> bool {
        self.fit_intercept
    }

    pub fn standardized(&self) -> bool {
        self.inv_scale.iter().any(|&s| s != 1.0)
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
            .zip(&self.inv_scale)
            .map(|(b, s)| b * s)
            .collect()
    }

    /// Internal coefficients from original-scale ones.
    pub fn to_internal(&self, original: &[f64]) -> Vec<f64> {
        original
            .iter()
            .zip(&self.inv_scale)
            .map(|(b, s)| b / s)
            .collect()
    }

    /// Intercept that goes with original-scale coefficients `coef`.
    pub fn intercept(&self, coef: &[f64]) -> f64 {
        if self.fit_intercept {
            self.y_mean - crate::design::dot(&self.x_mean, coef)
        } else {
            0.0
        }
    }
}

/// glmnet's convention: infinite factors mark excluded features (counted as 1 for the
/// rescaling), the rest are rescaled to sum to p. Returns the factors and the excluded mask.
pub fn rescale_penalty_factor(pf: Option<&[f64]>, p: usize) -> Result<(Vec<f64>, Vec<bool>)> {
    let Some(pf) = pf else {
        return Ok((vec![1.0; p], vec![false; p]));
    };
    if pf.iter().any(|v| v.is_nan() || *v < 0.0) {
        return Err(invalid(
            "penalty_factor",
            "must be >= 0 (inf excludes a feature)",
        ));
    }
    let excluded: Vec<bool> = pf.iter().map(|v| v.is_infinite()).collect();
    let counted: Vec<f64> = pf
        .iter()
        .map(|&v| if v.is_infinite() { 1.0 } else { v })
        .collect();
    let total: f64 = counted.iter().sum();
    if total <= 0.0 {
        return Err(invalid("penalty_factor", "must not be all zero"));
    }
    let scale = p as f64 / total;
    Ok((counted.iter().map(|v| v * scale).collect(), excluded))
}
