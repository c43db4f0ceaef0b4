//! Anderson extrapolation: a rolling window of iterates of a fixed-point iteration and the
//! affine combination of them that the differences of the window suggest is its limit (skglm's
//! `utils/anderson.py`; Bertrand & Massias 2021).

use crate::design::dot;
use crate::linalg::{cholesky_jittered, cholesky_jittered_solve};

/// Rolling window of the last iterates (CD coefficients on a fixed feature list, or residuals)
/// for Anderson extrapolation.
///
/// The coefficient window is not cleared when signs change. It once was, and on a large
/// support, where a few of 10,000 coordinates cross zero in most windows, extrapolation then
/// hardly ever ran, and when it ran from a fresh window it was mostly rejected (`sparse-text`,
/// the last third of the path). Windows that roll on, tried every [`Self::EXTRAPOLATE_EVERY`]
/// epochs with the crossing coordinates held at zero, are mostly accepted there.
pub(crate) struct Anderson {
    hist: Vec<Vec<f64>>,
}

impl Anderson {
    /// Iterates kept: K + 1 with K = 5 differences, as skglm and celer.
    pub(crate) const DEPTH: usize = 6;
    /// Epochs between trials of a full window (a trial saves the residual and updates it over
    /// the support; a rejected one copies it back).
    pub(crate) const EXTRAPOLATE_EVERY: usize = 3;

    pub(crate) fn new() -> Self {
        Anderson {
            hist: Vec::with_capacity(Self::DEPTH),
        }
    }

    /// Records a vector in a rolling window of the last `DEPTH`.
    pub(crate) fn push_rolling(&mut self, v: Vec<f64>) {
        if self.hist.len() == Self::DEPTH {
            self.hist.remove(0);
        }
        self.hist.push(v);
    }

    pub(crate) fn is_full(&self) -> bool {
        self.hist.len() == Self::DEPTH
    }

    /// `Σ c_k w_k` with `c = (UᵀU)⁻¹1 / 1ᵀ(UᵀU)⁻¹1`, U the iterate differences. None if the
    /// system is degenerate.
    pub(crate) fn extrapolate(&self) -> Option<Vec<f64>> {
        let hist = &self.hist;
        let k = hist.len() - 1;
        let diffs: Vec<Vec<f64>> = (0..k)
            .map(|i| {
                hist[i + 1]
                    .iter()
                    .zip(&hist[i])
                    .map(|(a, b)| a - b)
                    .collect()
            })
            .collect();
        let mut gram = vec![0.0; k * k];
        for a in 0..k {
            for b in 0..=a {
                let v = dot(&diffs[a], &diffs[b]);
                gram[a * k + b] = v;
                gram[b * k + a] = v;
            }
        }
        let trace: f64 = (0..k).map(|a| gram[a * k + a]).sum();
        if !(trace > 0.0 && trace.is_finite()) {
            return None;
        }
        // (jittered: the differences are often linearly dependent)
        let l = cholesky_jittered(&gram, k, 1e-10 * trace);
        let mut z = vec![1.0; k];
        cholesky_jittered_solve(&l, k, &mut z);
        let total: f64 = z.iter().sum();
        if !(total.is_finite() && total.abs() > 0.0) {
            return None;
        }
        let len = hist[0].len();
        let mut out = vec![0.0; len];
        for (c, w) in z.iter().zip(&hist[1..]) {
            let c = c / total;
            for (o, v) in out.iter_mut().zip(w) {
                *o += c * v;
            }
        }
        out.iter().all(|v| v.is_finite()).then_some(out)
    }
}
