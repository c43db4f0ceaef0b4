//! Block coordinate descent for the multi-task elastic net at one penalty: feature j's row of
//! coefficients across tasks moves at once, by the group soft-threshold
//! `W_j ← max(0, 1 − l1/‖z‖)·z / (‖x̂_j‖² + l2)` with `z = x̂_jᵀWR + ‖x̂_j‖²·W_j`.
//! The stopping rule is scikit-learn's (`enet_coordinate_descent_multi_task`), so that the
//! answers and epoch counts agree with it.

use crate::design::{dot, Design};
use crate::error::{FastregError, Result};
use crate::params::Selection;

use super::gap::{gap_safe_keep, MultiTaskGap};
use super::problem::MultiTaskProblem;
use crate::cd::epoch::Rng;

/// The solver's state, kept across the penalties of a path (warm starts).
pub(crate) struct BlockDescent<'p, 'a, D: Design> {
    pub(super) pb: &'p MultiTaskProblem<'a, D>,
    /// Internal coefficients, feature-major: feature j's row is `coef[j·t..(j+1)·t]`.
    pub(super) coef: Vec<f64>,
    /// Per task, the residual kept uncentred (`ỹ_k − X W_k`), column-major `n × t`; the true
    /// residual is `resid_k + shift_k` (the one-target solver's implicit centring).
    pub(super) resid: Vec<f64>,
    /// `Σ_i w_i resid_ik`
    pub(super) wsum: Vec<f64>,
    /// `μᵀW_k`
    pub(super) shift: Vec<f64>,
    /// The features a solve may move (non-zero curvature).
    pub(super) features: Vec<usize>,
    /// Penalties in solver units (× n).
    pub(super) l1: f64,
    pub(super) l2: f64,
    rng: Option<Rng>,
    /// A row being updated: `z`, then the previous coefficients.
    z: Vec<f64>,
    old: Vec<f64>,
}

/// One penalty's solve: the gap that ended it, the epochs run and whether it met the tolerance.
pub(crate) struct PointResult {
    pub(crate) gap: MultiTaskGap,
    pub(crate) n_iter: usize,
    pub(crate) converged: bool,
}

impl<'p, 'a, D: Design> BlockDescent<'p, 'a, D> {
    /// Starts at `coef_init` (original scale, `t × p` row-major as scikit-learn's `W`), or at 0.
    pub(crate) fn new(
        pb: &'p MultiTaskProblem<'a, D>,
        coef_init: Option<&[f64]>,
        selection: Selection,
    ) -> Result<Self> {
        let (n, p, t) = (pb.n_samples(), pb.n_features(), pb.n_tasks);
        let wsum = pb
            .y_centred
            .chunks_exact(n)
            .map(|r| match pb.x.weights() {
                None => r.iter().sum::<f64>(),
                Some(w) => dot(w, r),
            })
            .collect();
        let mut bd = Self {
            pb,
            coef: crate::alloc::try_zeros(p, t, || {
                format!("the coefficients of {p} features × {t} targets")
            })?,
            resid: pb.y_centred.clone(),
            wsum,
            shift: vec![0.0; t],
            features: (0..p).filter(|&j| !pb.x.excluded[j]).collect(),
            l1: 0.0,
            l2: 0.0,
            rng: match selection {
                Selection::Cyclic => None,
                Selection::Random { seed } => Some(Rng::new(seed)),
            },
            z: vec![0.0; t],
            old: vec![0.0; t],
        };
        if let Some(init) = coef_init {
            if init.len() != p * t {
                return Err(FastregError::Shape(format!(
                    "coef_init has {} values, not {t} targets × {p} features",
                    init.len()
                )));
            }
            if init.iter().any(|v| !v.is_finite()) {
                return Err(FastregError::NonFinite("coef_init"));
            }
            // a zero column's coefficients stay 0, as the one-target solver's
            for j in bd.features.clone() {
                for k in 0..t {
                    let b = init[k * p + j] / pb.x.inv_scale[j];
                    if b != 0.0 {
                        bd.coef[j * t + k] = b;
                        bd.apply(j, k, b);
                    }
                }
            }
        }
        Ok(bd)
    }

    /// Records the change `delta` of internal coefficient `(j, k)` in task k's residual.
    #[inline]
    fn apply(&mut self, j: usize, k: usize, delta: f64) {
        let pb = self.pb;
        let n = pb.n_samples();
        let step = delta * pb.x.inv_scale[j];
        pb.x.design
            .col_axpy(j, -step, &mut self.resid[k * n..(k + 1) * n]);
        let mean = pb.x.x_mean[j];
        self.wsum[k] -= step * mean * n as f64;
        self.shift[k] += step * mean;
    }

    /// Minimises over feature j's row exactly; returns `(max_k |ΔW_jk|, max_k |W_jk|)`.
    fn update(&mut self, j: usize) -> (f64, f64) {
        let pb = self.pb;
        let (n, t) = (pb.n_samples(), pb.n_tasks);
        let norm2 = pb.x.col_norm2[j];
        for k in 0..t {
            let grad =
                pb.x.centred_wdot(j, &self.resid[k * n..(k + 1) * n], self.wsum[k]);
            self.old[k] = self.coef[j * t + k];
            self.z[k] = grad + norm2 * self.old[k];
        }
        let z_norm = dot(&self.z, &self.z).sqrt();
        let keep = if z_norm > self.l1 {
            1.0 - self.l1 / z_norm
        } else {
            0.0
        };
        let factor = keep / (norm2 + self.l2);
        let (mut d_max, mut w_max) = (0.0f64, 0.0f64);
        for k in 0..t {
            let new = self.z[k] * factor;
            let delta = new - self.old[k];
            if delta != 0.0 {
                self.coef[j * t + k] = new;
                self.apply(j, k, delta);
            }
            d_max = d_max.max(delta.abs());
            w_max = w_max.max(new.abs());
        }
        (d_max, w_max)
    }

    /// One pass over `active` (with random selection, as many random draws from it); returns
    /// `(max |ΔW|, max |W|)` over the visited rows.
    fn epoch(&mut self, active: &[usize]) -> (f64, f64) {
        let (mut d_max, mut w_max) = (0.0f64, 0.0f64);
        for i in 0..active.len() {
            let j = match &mut self.rng {
                None => active[i],
                Some(rng) => active[rng.below(active.len())],
            };
            let (d, w) = self.update(j);
            d_max = d_max.max(d);
            w_max = w_max.max(w);
        }
        (d_max, w_max)
    }

    /// Holds at zero the rows of `active` the gap-safe rule rules out, and drops them.
    fn screen(&mut self, active: &mut Vec<usize>, g: &MultiTaskGap) {
        let t = self.pb.n_tasks;
        let (l1, l2) = (self.l1, self.l2);
        let col_norm2 = &self.pb.x.col_norm2;
        let (keep, drop): (Vec<usize>, Vec<usize>) = active.iter().copied().partition(|&j| {
            gap_safe_keep(g.row_norms[j], g.dual_norm, col_norm2[j], l1, l2, g.gap)
        });
        for j in drop {
            for k in 0..t {
                let b = self.coef[j * t + k];
                if b != 0.0 {
                    self.coef[j * t + k] = 0.0;
                    self.apply(j, k, -b);
                }
            }
        }
        *active = keep;
    }

    /// Solves at the penalties `l1`, `l2` (per sample) from the current point, by
    /// scikit-learn's rule: the gap is computed first, then after each epoch whose largest
    /// change is at most `tol` times the largest coefficient (and after the last), and the
    /// solve stops once it is at most `tol·Σ_k ‖ỹ_k‖²_W`.
    pub(crate) fn solve(
        &mut self,
        l1: f64,
        l2: f64,
        tol: f64,
        max_iter: usize,
        screening: bool,
    ) -> Result<PointResult> {
        let n = self.pb.n_samples() as f64;
        self.l1 = l1 * n;
        self.l2 = l2 * n;
        let target = tol * self.pb.y_norm2;
        let screening = screening && self.l1 > 0.0;
        let mut active = self.features.clone();
        let mut gap = self.gap();
        if gap.gap <= target {
            return Ok(PointResult {
                gap,
                n_iter: 0,
                converged: true,
            });
        }
        if screening {
            self.screen(&mut active, &gap);
        }
        for epoch in 0..max_iter {
            if crate::interrupt::requested() {
                return Err(FastregError::Interrupted);
            }
            let (d_max, w_max) = self.epoch(&active);
            if w_max == 0.0 || d_max / w_max <= tol || epoch + 1 == max_iter {
                gap = self.gap();
                if gap.gap <= target {
                    return Ok(PointResult {
                        gap,
                        n_iter: epoch + 1,
                        converged: true,
                    });
                }
                if screening {
                    self.screen(&mut active, &gap);
                }
            }
        }
        Ok(PointResult {
            gap,
            n_iter: max_iter,
            converged: false,
        })
    }

    /// Task k's coefficients on the original scale, as `(feature, value)` for the non-zero ones.
    pub(crate) fn task_coef(&self, k: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let t = self.pb.n_tasks;
        self.features
            .iter()
            .map(move |&j| (j, self.coef[j * t + k] * self.pb.x.inv_scale[j]))
            .filter(|&(_, b)| b != 0.0)
    }
}
