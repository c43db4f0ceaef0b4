//! The coordinate update and the epochs built from it: over a feature list (with prefetch
//! hints on wide problems), or over a support through its Gram block.

use crate::design::{axpy, prefetch, Design};

use super::state::CoordinateDescent;

/// Soft-thresholding `sign(z)·(|z| − t)_+`.
#[inline]
pub fn soft_threshold(z: f64, t: f64) -> f64 {
    if z > t {
        z - t
    } else if z < -t {
        z + t
    } else {
        0.0
    }
}

/// Small, fast generator for random coordinate selection (xorshift64*).
#[derive(Clone, Debug)]
pub(super) struct Rng(u64);
impl Rng {
    pub(super) fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub(super) fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as u128 * n as u128) >> 53) as usize
    }
}

/// How many coordinates ahead an epoch prefetches (see `prefetch_ahead`), from how many
/// features on: below, the per-feature arrays stay in cache and the hints only cost
/// (measurements in `benches/DECISIONS.md`).
pub(super) const PREFETCH_FAR: usize = 16;
pub(super) const PREFETCH_NEAR: usize = 4;
pub(super) const PREFETCH_MIN_FEATURES: usize = 32_768;

/// State of coordinate descent on a support through its Gram block: the gradients of the
/// support's features kept up to date by O(|support|) updates, and the coefficient changes not
/// yet applied to the residual.
pub(super) struct SupportEpochs {
    /// `X̂_SᵀWX̂_S`, column-major.
    pub(super) block: Vec<f64>,
    pub(super) grad: Vec<f64>,
    pub(super) pending: Vec<f64>,
    /// Whether the residual has every change (`pending` is zero).
    pub(super) flushed: bool,
}

impl SupportEpochs {
    /// The support's gradients after its k-th coefficient changed by `delta`.
    #[inline]
    pub(super) fn coef_moved(&mut self, k: usize, delta: f64) {
        let m = self.grad.len();
        axpy(-delta, &self.block[k * m..(k + 1) * m], &mut self.grad);
    }
}

impl<'p, 'a, D: Design> CoordinateDescent<'p, 'a, D> {
    /// Minimises over coordinate j exactly (soft-threshold, then clip to the box: the exact
    /// minimiser of a convex function of one variable on an interval); returns |change| and
    /// |new value|.
    #[inline]
    pub(super) fn update(&mut self, j: usize) -> (f64, f64) {
        if self.pb.col_norm2[j] == 0.0 {
            return (0.0, self.coef[j].abs());
        }
        let old = self.coef[j];
        let new = self.coordinate_minimiser(j, self.gradient(j));
        let delta = new - old;
        if delta != 0.0 {
            self.coef[j] = new;
            self.apply(j, delta);
        }
        (delta.abs(), new.abs())
    }

    /// The minimiser over coordinate j given its gradient (column norm non-zero).
    #[inline]
    pub(super) fn coordinate_minimiser(&self, j: usize, grad: f64) -> f64 {
        let norm2 = self.pb.col_norm2[j];
        let pf = self.pb.penalty_factor[j];
        let z = grad + norm2 * self.coef[j];
        (soft_threshold(z, self.l1 * pf) / (norm2 + self.l2 * pf))
            .clamp(self.lower[j], self.upper[j])
    }

    /// One pass over `features` (or, with random selection, as many random draws from them).
    /// Returns `(max |β_j|, max |Δβ_j|)` over the visited coordinates, on the original scale
    /// of X (what scikit-learn's stopping rule compares; b_j is standardised).
    pub fn epoch(&mut self, features: &[usize]) -> (f64, f64) {
        let (mut w_max, mut d_max) = (0.0f64, 0.0f64);
        let prefetching = self.pb.n_features() >= PREFETCH_MIN_FEATURES;
        for k in 0..features.len() {
            let j = match &mut self.rng {
                None => {
                    if prefetching {
                        self.prefetch_ahead(features, k);
                    }
                    features[k]
                }
                Some(rng) => features[rng.below(features.len())],
            };
            let (d, w) = self.update(j);
            let s = self.pb.inv_scale[j];
            d_max = d_max.max(d * s);
            w_max = w_max.max(w * s);
        }
        (w_max, d_max)
    }

    /// Epochs over `support` through its Gram block when they are the cheaper: an update then
    /// costs O(|support|) for the gradients, and every few epochs one pass applies the changes
    /// to the residual, instead of a column dot and a column axpy per update. Chosen when the
    /// block's updates cost at most the dots (|S|² ≤ nnz(X_S)) and the cache of inner products
    /// it comes from stays within its cap ([`Self::support_gram_cap`]). None in covariance
    /// mode. `grad`, when given, holds the support's current gradients.
    pub(super) fn support_epochs(
        &mut self,
        support: &[usize],
        grad: Option<&[f64]>,
    ) -> Option<SupportEpochs> {
        let m = support.len();
        if self.in_gram_mode() || m < 2 {
            return None;
        }
        let (nnz, _, cached) = self.support_gram_costs(support);
        if (m * m) as f64 > nnz || cached * cached > self.support_gram_cap() {
            return None;
        }
        let block = self.gram_block(support);
        let grad = match grad {
            Some(g) => g.to_vec(),
            None => support.iter().map(|&j| self.gradient(j)).collect(),
        };
        Some(SupportEpochs {
            block,
            grad,
            pending: vec![0.0; m],
            flushed: true,
        })
    }

    /// [`Self::epoch`] over `support` with the gradients from `se` (updated by the block's
    /// columns); the changes wait in `se` for [`Self::flush`] to reach the residual. Returns
    /// what [`Self::epoch`] does.
    pub(super) fn support_epoch(
        &mut self,
        support: &[usize],
        se: &mut SupportEpochs,
    ) -> (f64, f64) {
        let m = support.len();
        self.n_support_epochs += 1;
        let (mut w_max, mut d_max) = (0.0f64, 0.0f64);
        for t in 0..m {
            let k = match &mut self.rng {
                None => t,
                Some(rng) => rng.below(m),
            };
            let j = support[k];
            let old = self.coef[j];
            let s = self.pb.inv_scale[j];
            if self.pb.col_norm2[j] == 0.0 {
                w_max = w_max.max(old.abs() * s);
                continue;
            }
            let new = self.coordinate_minimiser(j, se.grad[k]);
            let delta = new - old;
            if delta != 0.0 {
                self.coef[j] = new;
                se.pending[k] += delta;
                se.coef_moved(k, delta);
            }
            d_max = d_max.max(delta.abs() * s);
            w_max = w_max.max(new.abs() * s);
        }
        se.flushed = false;
        (w_max, d_max)
    }

    /// Applies the coefficient changes `se` holds back to the residual.
    pub(super) fn flush(&mut self, support: &[usize], se: &mut SupportEpochs) {
        if se.flushed {
            return;
        }
        for (&j, p) in support.iter().zip(se.pending.iter_mut()) {
            if *p != 0.0 {
                self.apply(j, *p);
                *p = 0.0;
            }
        }
        se.flushed = true;
    }

    /// Brings `se`'s gradients up to date after the coefficients of `support` moved from
    /// `before` by other means (residual already updated).
    pub(super) fn support_moved(&self, support: &[usize], before: &[f64], se: &mut SupportEpochs) {
        for (k, (&j, &b)) in support.iter().zip(before).enumerate() {
            let delta = self.coef[j] - b;
            if delta != 0.0 {
                se.coef_moved(k, delta);
            }
        }
    }

    /// Prefetch hints for the coordinates a cyclic epoch visits next: their per-feature
    /// values and where their columns start [`PREFETCH_FAR`] coordinates ahead, the columns'
    /// first entries [`PREFETCH_NEAR`] ahead. Over a sparse working set of a wide problem
    /// each of these is otherwise a cache miss that the update waits for.
    #[inline(always)]
    pub(super) fn prefetch_ahead(&self, features: &[usize], k: usize) {
        let pb = self.pb;
        if let Some(&j) = features.get(k + PREFETCH_FAR) {
            prefetch(&self.coef[j]);
            prefetch(&pb.col_norm2[j]);
            prefetch(&pb.penalty_factor[j]);
            prefetch(&pb.x_mean[j]);
            prefetch(&pb.inv_scale[j]);
            prefetch(&self.lower[j]);
            prefetch(&self.upper[j]);
            pb.design.prefetch_col(j, false);
        }
        if let Some(&j) = features.get(k + PREFETCH_NEAR) {
            pb.design.prefetch_col(j, true);
        }
    }
}
