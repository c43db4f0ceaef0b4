//! A multi-task least-squares problem: one design and sample weights shared by t responses.
//! The X side (weights, column means, curvatures, zero columns) is the single-target
//! [`Problem`]'s; only the responses' centring is per task.

use crate::design::{dot, Design};
use crate::error::{FastregError, Result};
use crate::problem::Problem;

pub struct MultiTaskProblem<'a, D: Design> {
    /// The X side, built with the first response (its response fields are not read).
    pub(crate) x: Problem<'a, D>,
    pub(crate) n_tasks: usize,
    /// Weighted mean of each response (zeros without intercept).
    pub(crate) y_mean: Vec<f64>,
    /// The responses centred by their means, column-major `n × t`.
    pub(crate) y_centred: Vec<f64>,
    /// `Σ_t Σ_i w_i ỹ_it²`
    pub(crate) y_norm2: f64,
}

impl<'a, D: Design> MultiTaskProblem<'a, D> {
    /// `y` is column-major `n × n_tasks`.
    pub fn new(
        design: &'a D,
        y: &[f64],
        n_tasks: usize,
        sample_weight: Option<&[f64]>,
        fit_intercept: bool,
    ) -> Result<Self> {
        let n = design.n_samples();
        if n_tasks == 0 {
            return Err(FastregError::Shape("Y has 0 targets".into()));
        }
        if n.checked_mul(n_tasks) != Some(y.len()) {
            return Err(FastregError::Shape(format!(
                "X has {n} samples but Y has {} values for {n_tasks} targets",
                y.len()
            )));
        }
        if y.iter().any(|v| !v.is_finite()) {
            return Err(FastregError::NonFinite("Y"));
        }
        let x = Problem::new(design, &y[..n], sample_weight, fit_intercept)?;
        let w = x.weights();
        let mut y_mean = vec![0.0; n_tasks];
        let mut y_centred = Vec::with_capacity(y.len());
        let mut y_norm2 = 0.0;
        for (k, yk) in y.chunks_exact(n).enumerate() {
            // as `Problem` centres its one response
            if fit_intercept {
                y_mean[k] = match w {
                    None => yk.iter().sum::<f64>() / n as f64,
                    Some(w) => dot(w, yk) / n as f64,
                };
            }
            let start = y_centred.len();
            y_centred.extend(yk.iter().map(|v| v - y_mean[k]));
            let c = &y_centred[start..];
            y_norm2 += match w {
                None => dot(c, c),
                Some(w) => crate::design::dot3(w, c, c),
            };
        }
        Ok(Self {
            x,
            n_tasks,
            y_mean,
            y_centred,
            y_norm2,
        })
    }

    pub fn n_samples(&self) -> usize {
        self.x.n_samples()
    }
    pub fn n_features(&self) -> usize {
        self.x.n_features()
    }
    pub fn n_tasks(&self) -> usize {
        self.n_tasks
    }

    /// The intercept of task k that goes with its original-scale coefficients `coef`.
    pub fn intercept(&self, k: usize, coef: impl Iterator<Item = (usize, f64)>) -> f64 {
        if self.x.fit_intercept() {
            self.y_mean[k] - coef.map(|(j, b)| self.x.x_mean[j] * b).sum::<f64>()
        } else {
            0.0
        }
    }
}
