//! Full-gradient sweeps (the KKT check and the strong rule read them) and the bounds that let a
//! sweep skip the features it can prove far from entering.

use rayon::prelude::*;

use crate::design::Design;

use super::state::{CoordinateDescent, State};

/// Runs `f` on fixed chunks of `features` and the matching chunks of `out`, over `pool`'s
/// threads when it has several: the chunks are the same for any thread count, so are the
/// results.
pub(super) fn in_chunks<T: Send>(
    features: &[usize],
    out: &mut [T],
    pool: Option<&rayon::ThreadPool>,
    f: impl Fn(&[usize], &mut [T]) + Sync,
) {
    const CHUNK: usize = 256;
    match pool {
        Some(pool) if pool.current_num_threads() > 1 => pool.install(|| {
            features
                .par_chunks(CHUNK)
                .zip(out.par_chunks_mut(CHUNK))
                .for_each(|(js, o)| f(js, o))
        }),
        _ => features
            .chunks(CHUNK)
            .zip(out.chunks_mut(CHUNK))
            .for_each(|(js, o)| f(js, o)),
    }
}

/// Features per block of [`CoordinateDescent::gradient_sweep`]: its lists of features and
/// values are at most this long (64 chunks of [`in_chunks`]).
pub(super) const SWEEP_BLOCK: usize = 1 << 14;

/// What [`CoordinateDescent::gradient_sweep`] remembers between sweeps: each feature's |g_j|
/// at its last evaluation and the residual's travelled distance then, the travelled distance
/// so far and the last residual. The per-feature values are kept in f32, rounded outwards
/// (|g_j| up, the distance down), so the bound they give is only ever looser: half the room
/// of f64 for what is only a bound. Once a sweep skips fewer than half the features it
/// examines, the bounds are dropped and later sweeps compute every gradient (`off`).
#[derive(Clone, Debug, Default)]
pub struct SweepBounds {
    pub(super) abs_grad: Vec<f32>,
    pub(super) travelled_at: Vec<f32>,
    pub(super) travelled: f64,
    pub(super) last_resid: Vec<f64>,
    pub(super) off: bool,
}

impl SweepBounds {
    pub fn new(n_features: usize) -> Self {
        SweepBounds {
            abs_grad: vec![0.0; n_features],
            travelled_at: vec![0.0; n_features],
            ..Default::default()
        }
    }

    /// Records `bound ≥ |g_j|` at the current travelled distance (both non-negative).
    #[inline]
    pub(super) fn record(&mut self, j: usize, bound: f64) {
        // the next f32 up or down, for a non-negative finite one (f32::next_up needs Rust 1.86)
        let up = bound as f32;
        self.abs_grad[j] = if (up as f64) < bound && up.is_finite() {
            f32::from_bits(up.to_bits() + 1)
        } else {
            up
        };
        let down = self.travelled as f32;
        self.travelled_at[j] = if (down as f64) > self.travelled {
            f32::from_bits(down.to_bits() - 1)
        } else {
            down
        };
    }

    /// Stops bounding: from now on every sweep computes every gradient.
    pub(super) fn turn_off(&mut self) {
        *self = SweepBounds {
            off: true,
            ..Default::default()
        };
    }

    /// A bound on |g_j| now, for a column of norm `norm` (Cauchy–Schwarz), with `slack` added
    /// to the distance for rounding.
    #[inline]
    pub(super) fn bound(&self, j: usize, norm: f64, slack: f64) -> f64 {
        self.abs_grad[j] as f64 + norm * (self.travelled - self.travelled_at[j] as f64 + slack)
    }
}

impl<'p, 'a, D: Design> CoordinateDescent<'p, 'a, D> {
    /// All p gradients into `out` (the full sweep of the KKT check, never a CD epoch); 0 for
    /// an excluded feature, which takes part in no decision.
    pub fn gradient_all(&self, out: &mut [f64], pool: Option<&rayon::ThreadPool>) {
        self.gradients_except(out, &[], &[], pool);
    }

    /// `out[k]` = the gradient of `features[k]`, split over `pool`'s threads when given. The
    /// weights are applied to the residual once, then the design's multi-column dots run
    /// over fixed chunks of `features`, the same for any thread count, so are the results.
    pub(super) fn gradients_of(
        &self,
        features: &[usize],
        out: &mut [f64],
        pool: Option<&rayon::ThreadPool>,
    ) {
        let Some((wv, wsum)) = self.weighted_residual() else {
            if let State::Gram { grad, .. } = &self.state {
                for (o, &j) in out.iter_mut().zip(features) {
                    *o = grad[j];
                }
            }
            return;
        };
        in_chunks(features, out, pool, |js, o| {
            self.pb.centred_dots(js, &wv, wsum, o);
        });
    }

    /// Coarse gradients of `features` ([`Problem::centred_dots_coarse`]): `out[k]` within
    /// `err[k]` of the gradient. False where the design has no coarse dots (or in covariance
    /// mode).
    pub(super) fn coarse_gradients_of(
        &self,
        features: &[usize],
        out: &mut [f64],
        err: &mut [f64],
        pool: Option<&rayon::ThreadPool>,
    ) -> bool {
        let Some((wv, wsum)) = self.weighted_residual() else {
            return false;
        };
        let wv_norm = crate::design::dot(&wv, &wv).sqrt() * (1.0 + 1e-9);
        let mut both: Vec<[f64; 2]> = vec![[0.0; 2]; features.len()];
        let ok = std::sync::atomic::AtomicBool::new(true);
        in_chunks(features, &mut both, pool, |js, o| {
            let (mut g, mut e) = (vec![0.0; js.len()], vec![0.0; js.len()]);
            if self
                .pb
                .centred_dots_coarse(js, &wv, wsum, wv_norm, &mut g, &mut e)
            {
                for ((o, g), e) in o.iter_mut().zip(g).zip(e) {
                    *o = [g, e];
                }
            } else {
                ok.store(false, std::sync::atomic::Ordering::Relaxed);
            }
        });
        for ((o, e), [g, b]) in out.iter_mut().zip(err.iter_mut()).zip(both) {
            (*o, *e) = (g, b);
        }
        ok.into_inner()
    }

    /// The weighted residual `W r` (the residual itself when unweighted) and `Σ_i w_i r_i`;
    /// None in covariance mode.
    pub(super) fn weighted_residual(&self) -> Option<(std::borrow::Cow<'_, [f64]>, f64)> {
        let State::Residual { resid, wsum, .. } = &self.state else {
            return None;
        };
        let wv = match self.pb.weights() {
            Some(w) => std::borrow::Cow::Owned(w.iter().zip(resid).map(|(a, b)| a * b).collect()),
            None => std::borrow::Cow::Borrowed(resid.as_slice()),
        };
        Some((wv, *wsum))
    }

    /// Drops from `needed` the zero-coefficient features whose coarse gradient plus its error
    /// bound is below `pf_j · limit` (so their exact one would be too), remembering that bound
    /// as their |gradient| in `bounds`. `needed` is returned unchanged where the design has no
    /// coarse dots.
    pub(super) fn coarse_filter(
        &self,
        needed: Vec<usize>,
        limit: f64,
        bounds: &mut SweepBounds,
        pool: Option<&rayon::ThreadPool>,
    ) -> Vec<usize> {
        let candidates: Vec<usize> = needed
            .iter()
            .copied()
            .filter(|&j| self.coef[j] == 0.0)
            .collect();
        if candidates.is_empty() || limit.is_nan() || limit <= 0.0 {
            return needed;
        }
        let mut approx = vec![0.0; candidates.len()];
        let mut err = vec![0.0; candidates.len()];
        if !self.coarse_gradients_of(&candidates, &mut approx, &mut err, pool) {
            return needed;
        }
        let mut skipped = Vec::with_capacity(candidates.len());
        for ((&j, g), e) in candidates.iter().zip(approx).zip(err) {
            let bound = g.abs() + e;
            // (written so that a NaN bound keeps the feature)
            if bound * (1.0 + 1e-9) < self.pb.penalty_factor[j] * limit {
                bounds.record(j, bound);
                skipped.push(j);
            }
        }
        // both lists ascending
        let mut skipped = skipped.into_iter().peekable();
        needed
            .into_iter()
            .filter(|&j| {
                let skip = skipped.peek() == Some(&j);
                if skip {
                    skipped.next();
                }
                !skip
            })
            .collect()
    }

    /// A full-gradient sweep that skips the features it can prove unneeded: a feature with a
    /// zero coefficient whose |gradient| is certainly below `pf_j · limit` gets 0 in `out`
    /// instead of its gradient, as does an excluded feature (never a candidate, and outside
    /// every gap). With `limit` at most the current l1 (and the next strong-rule
    /// threshold, `2·l1_next − l1`), those zeros change no decision: such a feature violates
    /// no KKT condition, enters no strong set, and (the dual scaling being at most 1) its
    /// conjugate term in the gap is zero either way, so the certificate is exact. The bound
    /// is Cauchy–Schwarz: between two sweeps g_j moves by at most ‖x̂_j‖_W·‖Δr‖_W, so |g_j| is
    /// below its value at its last evaluation plus ‖x̂_j‖_W times the distance the residual
    /// has travelled since (the sum of its moves between sweeps). Falls back to the full
    /// sweep in covariance mode (its gradient is kept anyway) and with unpenalised features
    /// (their projection changes every correlation). `known` gives features (ascending) and
    /// their gradients at the current iterate, a converged [`PointSolve`]'s: they are taken
    /// as given. Filtering and recording cost about a sparse column's dot each, so once a
    /// sweep skips fewer than half of the features it examines, later sweeps compute them all
    /// (see `benches/DECISIONS.md`).
    pub fn gradient_sweep(
        &self,
        out: &mut [f64],
        limit: f64,
        bounds: &mut SweepBounds,
        known: Option<(&[usize], &[f64])>,
        pool: Option<&rayon::ThreadPool>,
    ) {
        let pb = self.pb;
        let State::Residual { resid, .. } = &self.state else {
            return self.gradient_all(out, pool);
        };
        if self.projection.is_some() {
            return self.gradient_all(out, pool);
        }
        let (known, known_grad) = known.unwrap_or_default();
        debug_assert!(
            known.windows(2).all(|w| w[0] < w[1]),
            "known features not ascending"
        );
        if bounds.off {
            return self.gradients_except(out, known, known_grad, pool);
        }
        if bounds.last_resid.is_empty() {
            self.gradient_all(out, pool);
            for (j, g) in out.iter().enumerate() {
                bounds.record(j, g.abs());
            }
            bounds.last_resid.clone_from(resid);
            return;
        }
        // ‖Δr‖_W, centred when fitting an intercept (x̂_j is W-centred then, so a constant
        // shift of the residual does not move its gradient)
        let moved: Vec<f64> = resid
            .iter()
            .zip(&bounds.last_resid)
            .map(|(a, b)| a - b)
            .collect();
        bounds.travelled += self.direction_products(&moved).0.sqrt();
        bounds.last_resid.copy_from_slice(resid);
        // rounding slack: relative on the bound, absolute on the scale of ‖x̂_j‖·‖ỹ‖
        let slack = 1e-12 * pb.y_norm2.sqrt();
        out.iter_mut().for_each(|g| *g = 0.0);
        for (&j, &g) in known.iter().zip(known_grad) {
            out[j] = g;
            bounds.record(j, g.abs());
        }
        let mut next_known = known.iter().peekable();
        let (mut examined, mut computed) = (0usize, 0usize);
        // in blocks of features, so that the lists below stay small whatever p is
        let p = out.len();
        for start in (0..p).step_by(SWEEP_BLOCK) {
            let needed: Vec<usize> = (start..(start + SWEEP_BLOCK).min(p))
                .filter(|&j| {
                    if next_known.next_if_eq(&&j).is_some() || pb.excluded[j] {
                        return false;
                    }
                    examined += 1;
                    let pf = pb.penalty_factor[j];
                    let bound = bounds.bound(j, pb.col_norm2[j].sqrt(), slack);
                    // (written so that a NaN bound keeps the feature)
                    let provably_below = bound * (1.0 + 1e-9) < pf * limit;
                    self.coef[j] != 0.0 || !provably_below
                })
                .collect();
            let needed = self.coarse_filter(needed, limit, bounds, pool);
            let mut values = vec![0.0; needed.len()];
            self.gradients_of(&needed, &mut values, pool);
            computed += needed.len();
            for (&j, &g) in needed.iter().zip(&values) {
                out[j] = g;
                bounds.record(j, g.abs());
            }
        }
        if 2 * computed > examined {
            bounds.turn_off();
        }
    }

    /// `out[j]` = the gradient of every feature: `known`'s (ascending) as given, 0 for the
    /// excluded ones, the others computed, in blocks so the index list stays small whatever
    /// p is.
    pub(super) fn gradients_except(
        &self,
        out: &mut [f64],
        known: &[usize],
        known_grad: &[f64],
        pool: Option<&rayon::ThreadPool>,
    ) {
        let p = out.len();
        let mut next_known = known.iter().zip(known_grad).peekable();
        let mut block = Vec::with_capacity(SWEEP_BLOCK.min(p));
        let mut values = Vec::new();
        for start in (0..p).step_by(SWEEP_BLOCK) {
            block.clear();
            let end = (start + SWEEP_BLOCK).min(p);
            for (j, o) in out[start..end]
                .iter_mut()
                .enumerate()
                .map(|(k, o)| (start + k, o))
            {
                if let Some((_, &g)) = next_known.next_if(|(&k, _)| k == j) {
                    *o = g;
                } else if self.pb.excluded[j] {
                    *o = 0.0;
                } else {
                    block.push(j);
                }
            }
            if block.len() == end - start {
                // nothing known or excluded in this block: straight into out
                self.gradients_of(&block, &mut out[start..end], pool);
                continue;
            }
            values.clear();
            values.resize(block.len(), 0.0);
            self.gradients_of(&block, &mut values, pool);
            for (&j, &g) in block.iter().zip(&values) {
                out[j] = g;
            }
        }
    }
}
