//! A least-squares problem: design, response, sample weights and intercept handling. Centring
//! for the intercept is implicit (column means), so X is never copied or densified.

use crate::design::Design;
use crate::error::{invalid, FastregError, Result};

pub struct Problem<'a, D: Design> {
    pub(crate) design: &'a D,
    /// Weights rescaled to sum to n (scikit-learn's convention), or `None` for unit weights.
    pub(crate) weights: Option<Vec<f64>>,
    pub(crate) fit_intercept: bool,
    /// Weighted column means (zeros without intercept).
    pub(crate) x_mean: Vec<f64>,
    /// `Σ_i w_i (x_ij − μ_j)²`, the curvature of coordinate j.
    pub(crate) col_norm2: Vec<f64>,
    pub(crate) y_mean: f64,
    /// The response centred by its weighted mean (when fitting an intercept).
    pub(crate) y_centred: Vec<f64>,
    /// `Σ_i w_i ỹ_i²`
    pub(crate) y_norm2: f64,
}

impl<'a, D: Design> Problem<'a, D> {
    pub fn new(
        design: &'a D,
        y: &[f64],
        sample_weight: Option<&[f64]>,
        fit_intercept: bool,
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
        let w = weights.as_deref();
        let w_sum = n as f64;
        let mut x_mean = vec![0.0; p];
        let mut col_norm2 = vec![0.0; p];
        for j in 0..p {
            let (mean, ss) = design.col_moments(j, w, w_sum);
            if !(mean.is_finite() && ss.is_finite()) {
                return Err(FastregError::NonFinite("X"));
            }
            if fit_intercept {
                x_mean[j] = mean;
                col_norm2[j] = ss;
            } else {
                col_norm2[j] = ss + w_sum * mean * mean;
            }
        }
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

    /// `Σ_i w_i x̃_ij v_i` for a raw (uncentred) vector v, given `v_sum = Σ_i w_i v_i`.
    #[inline]
    pub(crate) fn centred_wdot(&self, j: usize, v: &[f64], v_sum: f64) -> f64 {
        let raw = match &self.weights {
            None => self.design.col_dot(j, v),
            Some(w) => self.design.col_wdot(j, w, v),
        };
        raw - self.x_mean[j] * v_sum
    }

    /// Intercept that goes with coefficients `coef`.
    pub fn intercept(&self, coef: &[f64]) -> f64 {
        if self.fit_intercept {
            self.y_mean - crate::design::dot(&self.x_mean, coef)
        } else {
            0.0
        }
    }
}
