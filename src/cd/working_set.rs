//! The point solve on a working set: outer rounds (an epoch, the gap, gap-safe screening) and
//! between them inner epochs over the support and the features about to enter, accelerated by
//! Newton steps and Anderson extrapolation, with dual extrapolation of the residuals.

use crate::anderson::Anderson;
use crate::design::Design;

use super::epoch::SupportEpochs;
use super::gap::{Features, GapInfo, GapTarget};
use super::sign_of;
use super::state::CoordinateDescent;

/// Outcome of [`CoordinateDescent::solve_on`].
#[derive(Clone, Debug)]
pub struct PointSolve {
    pub info: GapInfo,
    pub n_iter: usize,
    /// The gap reached its target and the last epoch over the working set settled.
    pub converged: bool,
    /// The last epoch over the working set settled ([`GapTarget::settled`]); always with a
    /// target without `coef_tol`.
    pub settled: bool,
    /// When converged: features (a subset of the given ones, in their order) and their
    /// gradients at the final iterate, from the gap that certified it, for a gradient sweep
    /// not to redo them.
    pub gradients: Option<(Vec<usize>, Vec<f64>)>,
}

/// Gap below which an inner round stops, as a fraction of the working set's last gap.
const SUB_GAP_FRACTION: f64 = 0.1;
/// Inner epochs between two gaps of the sub-problem (besides those after a jump or a stall).
const SUB_GAP_EVERY: usize = 10;
/// Epochs the support's signs must hold before a Newton step.
const NEWTON_MIN_STABLE: usize = 3;

/// An inner round's state: the epochs' mode (through the support's Gram block or not), the
/// costs that time the Newton step, the signs it waits on, and the coefficient window of
/// Anderson extrapolation.
struct InnerRound {
    support: Option<SupportEpochs>,
    epoch_cost: f64,
    newton_cost: f64,
    signs: Vec<i8>,
    stable: usize,
    since_newton: usize,
    anderson: Anderson,
    /// The support's coefficients before a Newton step or an extrapolation.
    before: Vec<f64>,
    /// Scratch for the sub-problem's dual correlations.
    sub_corr: Vec<f64>,
    /// Epochs run in this round.
    epochs: usize,
}

impl InnerRound {
    /// Counts the epochs the signs of `coefs` (the support's coefficients) have held.
    fn track_signs(&mut self, coefs: &[f64]) {
        let support_changed = self.signs.len() != coefs.len()
            || coefs
                .iter()
                .zip(&self.signs)
                .any(|(&b, &s)| sign_of(b) != s);
        if support_changed {
            self.signs.clear();
            self.signs.extend(coefs.iter().map(|&b| sign_of(b)));
            self.stable = 0;
        } else {
            self.stable += 1;
        }
    }
}

impl<'p, 'a, D: Design> CoordinateDescent<'p, 'a, D> {
    /// Solves the problem restricted to the working set `features` (others held at zero; must
    /// contain every unpenalised feature) until its duality gap reaches `target`. Each outer
    /// round is a pass over the working set followed by its gap and gap-safe screening (which
    /// removes features for the rest of this solve); between outer rounds, passes over the
    /// non-zero coefficients and the zero ones about to violate their KKT condition only
    /// ([`FeatureRules::near`]), until that sub-problem's gap falls below a fraction of the
    /// working set's gap, so a feature waiting to enter is not kept out by over-solving.
    ///
    /// With `target.coef_tol` > 0 (scikit-learn's rule) the solve also needs its last epoch
    /// over the working set (at least one, unless `target.certified_start`) to settle the
    /// coefficients; while the gap is met but the epochs still move them, each inner round
    /// runs until its own epochs settle instead of to a gap.
    ///
    /// [`FeatureRules::near`]: crate::screening::FeatureRules::near
    pub fn solve_on(
        &mut self,
        features: &[usize],
        target: GapTarget,
        max_iter: usize,
    ) -> PointSolve {
        let mut ws: Vec<usize> = features.to_vec();
        let mut n_iter = 0;
        // Residuals of the last epochs for dual extrapolation (celer, Massias et al. 2018):
        // CD residuals converge like a linear recurrence, so an Anderson combination of them
        // is a much better dual point than the last residual.
        let extrapolate_dual = self.projection.is_none() && !self.in_gram_mode();
        let mut residuals = Anderson::new();
        self.best_dual = None;
        let (mut info, _) = self.gap_on(&ws);
        // (with coef_tol the condition is on an epoch: unless the target accepts a certified
        // start, at least one runs, so a warm start gets its coefficients settled)
        let mut settled = target.coef_tol == 0.0 || ws.is_empty() || target.certified_start;
        let mut converged = settled && target.reached(info.gap, info.primal);
        while !converged && n_iter < max_iter {
            // (an interrupted solve returns unconverged; the caller's `check` turns it into
            // the error)
            if crate::interrupt::requested() {
                break;
            }
            let (w_max, d_max) = self.epoch(&ws);
            n_iter += 1;
            settled = target.settled(w_max, d_max);
            if extrapolate_dual {
                residuals.push_rolling(self.true_residual().unwrap_or_default());
            }
            let corr;
            (info, corr) = self.working_set_gap(&ws, &residuals, target);
            let gap_met = target.reached(info.gap, info.primal);
            converged = gap_met && settled;
            if converged {
                break;
            }
            // (no screening once the gap is met: a gap near zero would screen out, by rounding,
            // features that sit exactly on their KKT boundary)
            let (kept, moved) = if gap_met {
                ((0..ws.len()).collect(), false)
            } else {
                self.gap_safe_filter(&ws, &corr, &info)
            };
            let (active, active_grad) = self.inner_features(&ws, &kept);
            ws = kept.iter().map(|&k| ws[k]).collect();
            let sub_target = GapTarget::gap_only(
                (SUB_GAP_FRACTION * info.gap).max(0.5 * target.scaled),
                0.5 * target.relative,
            );
            let grad = (!moved).then_some(&active_grad[..]);
            let mut round = self.start_inner_round(&active, grad);
            while n_iter < max_iter && !crate::interrupt::requested() {
                let (due, moves) = self.inner_epoch(&active, &mut round);
                n_iter += 1;
                let jumped = self.accelerate(&active, &mut round, due);
                if extrapolate_dual && round.support.as_ref().is_none_or(|se| se.flushed) {
                    residuals.push_rolling(self.true_residual().unwrap_or_default());
                }
                let done = if gap_met {
                    // (settling: the gap is met already; an extrapolation or a Newton step is
                    // not an epoch, the next epoch measures where it landed)
                    !jumped && target.settled(moves.0, moves.1)
                } else {
                    (due || jumped)
                        && self.sub_problem_solved(&active, &mut round, &residuals, sub_target)
                };
                if done {
                    break;
                }
            }
            if let Some(se) = &mut round.support {
                self.flush(&active, se);
            }
        }
        // (converged is only ever set by a gap of all of ws, at the iterate it stops on)
        let gradients = converged.then(|| {
            let g = self.scratch[..ws.len()].to_vec();
            (ws, g)
        });
        PointSolve {
            info,
            n_iter,
            converged,
            settled,
            gradients,
        }
    }

    /// The working set's gap with its dual correlations, from the residual or, where it is
    /// higher, from the extrapolated residuals (then kept as [`Self::best_dual_point`]).
    fn working_set_gap(
        &mut self,
        ws: &[usize],
        residuals: &Anderson,
        target: GapTarget,
    ) -> (GapInfo, Vec<f64>) {
        let (mut info, mut corr) = self.gap_on(ws);
        self.best_dual = None;
        if let Some((v, c)) = self.extrapolated_dual(residuals, &mut info, ws, target) {
            corr = c;
            self.best_dual = Some(v);
        }
        (info, corr)
    }

    /// With a full window of residuals and `info` short of `target`: the extrapolated residual
    /// as a dual point over `features`, raising `info`'s dual where it is higher. Returns the
    /// point and its correlations when it did.
    fn extrapolated_dual(
        &self,
        residuals: &Anderson,
        info: &mut GapInfo,
        features: &[usize],
        target: GapTarget,
    ) -> Option<(Vec<f64>, Vec<f64>)> {
        if !residuals.is_full() || target.reached(info.gap, info.primal) {
            return None;
        }
        let v = residuals.extrapolate()?;
        let corr = self.raise_dual(info, Features::Of(features), &v, None)?;
        Some((v, corr))
    }

    /// The inner epochs' features among the working set's `kept` positions: the support, and
    /// the zero features about to violate the KKT condition (on a growing support they are
    /// the ones that would enter in the next outer epoch, and wait a whole round for it). With
    /// their gradients from the gap's (still exact unless a dropped feature moved the
    /// residual).
    fn inner_features(&self, ws: &[usize], kept: &[usize]) -> (Vec<usize>, Vec<f64>) {
        let mut active: Vec<usize> = Vec::with_capacity(ws.len());
        let mut active_grad: Vec<f64> = Vec::with_capacity(ws.len());
        let rules = self.rules();
        for &k in kept {
            let (j, g) = (ws[k], self.scratch[k]);
            if self.coef[j] != 0.0 || rules.near(j, g, self.l1) {
                active.push(j);
                active_grad.push(g);
            }
        }
        (active, active_grad)
    }

    /// An inner round over `active`, through its Gram block where that is the cheaper; `grad`,
    /// when given, holds their current gradients.
    fn start_inner_round(&mut self, active: &[usize], grad: Option<&[f64]>) -> InnerRound {
        let support = self.support_epochs(active, grad);
        let (mut epoch_cost, newton_cost, _) = self.newton_costs(active);
        if support.is_some() {
            // the block's updates; the residual takes the changes every few epochs
            epoch_cost = (active.len() * active.len()) as f64 + 0.125 * epoch_cost;
        }
        InnerRound {
            support,
            epoch_cost,
            newton_cost,
            signs: Vec::with_capacity(active.len()),
            stable: 0,
            since_newton: 0,
            anderson: Anderson::new(),
            before: Vec::new(),
            sub_corr: Vec::new(),
            epochs: 0,
        }
    }

    /// One inner epoch. Returns whether the sub-problem's gap is due (every [`SUB_GAP_EVERY`]
    /// epochs, and once an epoch moves nothing), and the epoch's `(max |β_j|, max |Δβ_j|)`.
    fn inner_epoch(&mut self, active: &[usize], round: &mut InnerRound) -> (bool, (f64, f64)) {
        let (w_max, d_max) = match &mut round.support {
            Some(se) => self.support_epoch(active, se),
            None => self.epoch(active),
        };
        round.epochs += 1;
        let due = w_max == 0.0 || d_max == 0.0 || round.epochs % SUB_GAP_EVERY == 0;
        (due, (w_max, d_max))
    }

    /// After an inner epoch: a Newton step on the support once its signs have held for a few
    /// epochs and as many epochs as the step costs have passed since the last one (so it at
    /// most doubles the work when coordinate descent was about to finish anyway), otherwise
    /// every few epochs an Anderson extrapolation of the coefficients. Counting from the last
    /// step, not from the last sign change, keeps the step coming on a large support where
    /// some sign flips every few epochs. The residual takes the block's pending changes where
    /// it is read (`gap_due`, a step). Returns whether the iterate jumped.
    fn accelerate(&mut self, active: &[usize], round: &mut InnerRound, gap_due: bool) -> bool {
        // (gathered once: on a million features each read of coef[j] is a cache miss)
        let coefs: Vec<f64> = active.iter().map(|&j| self.coef[j]).collect();
        round.track_signs(&coefs);
        round.since_newton += 1;
        let newton = round.stable >= NEWTON_MIN_STABLE
            && round.since_newton as f64 * round.epoch_cost >= round.newton_cost;
        if !newton {
            round.anderson.push_rolling(coefs);
        }
        let extrapolate =
            !newton && round.anderson.is_full() && round.epochs % Anderson::EXTRAPOLATE_EVERY == 0;
        if let Some(se) = &mut round.support {
            if newton || extrapolate || gap_due {
                self.flush(active, se);
            }
            if newton || extrapolate {
                round.before.clear();
                round.before.extend(active.iter().map(|&j| self.coef[j]));
            }
        }
        let mut jumped = false;
        if newton {
            round.stable = 0;
            round.since_newton = 0;
            if self.support_newton(active) {
                round.anderson = Anderson::new();
                jumped = true;
            }
        } else if extrapolate && self.try_extrapolation(active, &mut round.anderson) {
            jumped = true;
        }
        if let Some(se) = round.support.as_mut().filter(|_| newton || extrapolate) {
            self.support_moved(active, &round.before, se);
        }
        jumped
    }

    /// Whether the sub-problem on `active` has reached `sub_target`. Its gap only decides when
    /// to stop the inner epochs (the certificate is the working set's), so the block's updated
    /// gradients serve, and the extrapolated residuals may lower it.
    fn sub_problem_solved(
        &mut self,
        active: &[usize],
        round: &mut InnerRound,
        residuals: &Anderson,
        sub_target: GapTarget,
    ) -> bool {
        let mut sub = match &round.support {
            Some(se) => self.gap_with_corr(Features::Of(active), &se.grad, &mut round.sub_corr),
            None => self.gap_on(active).0,
        };
        self.extrapolated_dual(residuals, &mut sub, active, sub_target);
        sub_target.reached(sub.gap, sub.primal)
    }
}
