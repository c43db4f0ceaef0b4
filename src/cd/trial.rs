//! Trial moves kept only where they lower the objective (Anderson-extrapolated coefficients, a
//! path's extrapolated warm start), undone exactly otherwise.

use crate::anderson::Anderson;
use crate::design::Design;

use super::state::{CoordinateDescent, State};

impl<'p, 'a, D: Design> CoordinateDescent<'p, 'a, D> {
    /// What the coefficient updates change besides the coefficients: the residual and its two
    /// scalars, or covariance mode's gradient.
    pub(super) fn save_updated(&self) -> (Vec<f64>, f64, f64) {
        match &self.state {
            State::Residual { resid, wsum, shift } => (resid.clone(), *wsum, *shift),
            State::Gram { grad, .. } => (grad.clone(), 0.0, 0.0),
        }
    }

    /// Puts back what [`Self::save_updated`] saved, with the coefficients of `features` at
    /// `values`: exact, where undoing a large step by its negative would leave its rounding in
    /// the residual.
    pub(super) fn restore_updated(
        &mut self,
        saved: &(Vec<f64>, f64, f64),
        features: &[usize],
        values: &[f64],
    ) {
        for (&j, &v) in features.iter().zip(values) {
            self.coef[j] = v;
        }
        match &mut self.state {
            State::Residual { resid, wsum, shift } => {
                resid.copy_from_slice(&saved.0);
                (*wsum, *shift) = (saved.1, saved.2);
            }
            State::Gram { grad, .. } => grad.copy_from_slice(&saved.0),
        }
    }

    /// Anderson extrapolation of the last CD iterates on `features` (Bertrand & Massias 2021),
    /// with the coordinates it would carry across zero set to zero: the iterates follow one
    /// affine map only while the signs hold, and on a large support a few coordinates cross
    /// zero in most windows (see [`Anderson`]). The point, clipped to the box, replaces the
    /// iterate only if it lowers the objective, so an epoch never increases it; true if it did.
    /// A success clears the history (the iterate jumped); a failure keeps it rolling.
    pub(super) fn try_extrapolation(
        &mut self,
        features: &[usize],
        anderson: &mut Anderson,
    ) -> bool {
        let Some(mut cand) = anderson.extrapolate() else {
            return false;
        };
        for (v, &j) in cand.iter_mut().zip(features) {
            if *v * self.coef[j] < 0.0 {
                *v = 0.0;
            }
        }
        let accepted = self.try_coef(features, cand);
        if accepted {
            *anderson = Anderson::new();
        }
        accepted
    }

    /// Moves the coefficients of `features` to `values` clipped to the box, and keeps them only
    /// if that lowers the objective (the other coefficients are left as they are); a rejected
    /// move is undone exactly, as the Newton step's trials are. True if kept.
    pub fn try_coef(&mut self, features: &[usize], mut values: Vec<f64>) -> bool {
        for (v, &j) in values.iter_mut().zip(features) {
            *v = v.clamp(self.lower[j], self.upper[j]);
        }
        let before = self.primal_on(features);
        let current: Vec<f64> = features.iter().map(|&j| self.coef[j]).collect();
        let saved = self.save_updated();
        self.assign(features, &values);
        let lower = self.primal_on(features) < before;
        if !lower {
            self.restore_updated(&saved, features, &current);
        }
        lower
    }
}
