//! The Newton step on the support (Cholesky on its Gram block, or conjugate gradients without
//! forming it), its cost model, and the polish of a certified point.

use crate::design::{axpy, dot, Design};

use super::sign_of;
use super::state::{weighted_sum, CoordinateDescent, State};

/// Time of one flop of the Newton step's Cholesky factorisation over that of one flop of a
/// coordinate-descent epoch: the factorisation is blocked and cache-resident, an epoch streams
/// columns through memory (measurements in `benches/DECISIONS.md`).
pub(super) const CHOLESKY_FLOP_COST: f64 = 0.1;

/// Conjugate-gradient iterations a Newton step is costed at when it solves by CG (the solve
/// stops earlier when converged, or at [`CG_MAX_ITERATIONS`]): enough for CG to win where a
/// support is beyond a Cholesky factor, not so few that it displaces a cheap Cholesky step
/// (measurements in `benches/DECISIONS.md`).
pub(super) const CG_NOMINAL_ITERATIONS: f64 = 20.0;
pub(super) const CG_MAX_ITERATIONS: usize = 100;

impl<'p, 'a, D: Design> CoordinateDescent<'p, 'a, D> {
    /// Costs of one epoch over `features` and of one [`Self::support_newton`] on them, in the
    /// time of one flop of an epoch (its dot products and axpys stream columns through memory;
    /// the Cholesky factorisation is blocked and cache-resident, see [`CHOLESKY_FLOP_COST`]),
    /// and whether the step should solve by conjugate gradients (when that is the cheaper).
    pub(super) fn newton_costs(&self, features: &[usize]) -> (f64, f64, bool) {
        let m = features.len() as f64;
        let factor = CHOLESKY_FLOP_COST * m * m * m / 3.0;
        match &self.state {
            State::Gram { xty, .. } => {
                let p = xty.len() as f64;
                (m * p, factor + m * p, false)
            }
            State::Residual { .. } => {
                let (nnz, missing, cached) = self.support_gram_costs(features);
                let cap = self.support_gram_cap();
                // each missing column is dotted with every cached one and the other missing
                // ones; past the cap the cache starts again from these features, and a block
                // larger than the cap is not formed at all
                let fill = if cached * cached <= cap {
                    missing * cached * nnz / m.max(1.0)
                } else {
                    m * nnz
                };
                let cholesky = if m * m <= cap {
                    fill + factor + 2.0 * nnz
                } else {
                    f64::INFINITY
                };
                // each iteration: a product with the support's columns and one with their
                // transposes, plus vector work over the samples
                let n = self.pb.n_samples() as f64;
                let cg = CG_NOMINAL_ITERATIONS * (2.0 * nnz + 4.0 * n + 6.0 * m);
                (2.0 * nnz, cholesky.min(cg), cg < cholesky)
            }
        }
    }

    /// `(X̂_FᵀWX̂_F + l2·diag(pf_F))·v` for the features F without forming the matrix: one
    /// pass over F's columns builds `u = X̂_F v` (raw columns suffice, x̂_j being W-centred),
    /// one more takes the correlations.
    pub(super) fn hessian_product(
        &self,
        features: &[usize],
        v: &[f64],
        u: &mut Vec<f64>,
        out: &mut [f64],
    ) {
        let pb = self.pb;
        u.clear();
        u.resize(pb.n_samples(), 0.0);
        for (&j, &vj) in features.iter().zip(v) {
            if vj != 0.0 {
                pb.design.col_axpy(j, vj * pb.inv_scale[j], u);
            }
        }
        let u_sum = weighted_sum(pb, u);
        for ((o, &j), &vj) in out.iter_mut().zip(features).zip(v) {
            *o = pb.centred_wdot(j, u, u_sum) + self.l2 * pb.penalty_factor[j] * vj;
        }
    }

    /// Solves `(X̂_FᵀWX̂_F + l2·diag(pf_F)) d = rhs` approximately by conjugate gradients with
    /// the diagonal as preconditioner, from d = 0: at most [`CG_MAX_ITERATIONS`] products,
    /// stopping when the residual is below 1e-10 of `rhs`. Every iterate lowers the quadratic,
    /// so a truncated solve is still a descent step.
    pub(super) fn newton_cg(&self, features: &[usize], rhs: &[f64]) -> Vec<f64> {
        let pb = self.pb;
        let m = features.len();
        // inverse diagonal; 0 for an empty (or, centred, constant) column, which the
        // products leave at 0 too
        let diag: Vec<f64> = features
            .iter()
            .map(|&j| {
                let h = pb.col_norm2[j] + self.l2 * pb.penalty_factor[j];
                if h > 0.0 {
                    1.0 / h
                } else {
                    0.0
                }
            })
            .collect();
        let mut d = vec![0.0; m];
        let mut r = rhs.to_vec();
        let stop = 1e-20 * dot(rhs, rhs);
        let mut z: Vec<f64> = r.iter().zip(&diag).map(|(a, b)| a * b).collect();
        let mut dir = z.clone();
        let mut rz = dot(&r, &z);
        let (mut u, mut q) = (Vec::new(), vec![0.0; m]);
        for _ in 0..CG_MAX_ITERATIONS {
            if dot(&r, &r) <= stop {
                break;
            }
            self.hessian_product(features, &dir, &mut u, &mut q);
            let curv = dot(&dir, &q);
            // (a zero or NaN curvature ends the solve)
            let positive = curv > 0.0;
            if !positive {
                break;
            }
            let a = rz / curv;
            axpy(a, &dir, &mut d);
            axpy(-a, &q, &mut r);
            for ((zk, rk), dk) in z.iter_mut().zip(&r).zip(&diag) {
                *zk = rk * dk;
            }
            let rz_next = dot(&r, &z);
            let beta = rz_next / rz;
            rz = rz_next;
            for (pk, zk) in dir.iter_mut().zip(&z) {
                *pk = zk + beta * *pk;
            }
        }
        d
    }

    /// One Newton step on the current support. With the signs of the non-zero coefficients
    /// fixed, the objective is a quadratic on their orthant; its minimiser is one linear solve
    /// with the support's Gram block. The step goes there with every coefficient that would
    /// change sign set to zero and every bound enforced (tried at full, half and quarter
    /// length, kept where it lowers the objective); failing that, it stops where the first
    /// coefficient reaches zero or a bound (the objective decreases all along that segment).
    /// Coordinate descent needs many epochs where the support's columns are strongly
    /// correlated (p ≫ n, small α); this step ends that phase once the support is found.
    /// Returns whether the iterate moved.
    pub(super) fn support_newton(&mut self, features: &[usize]) -> bool {
        let pf = &self.pb.penalty_factor;
        let free: Vec<usize> = features
            .iter()
            .copied()
            .filter(|&j| {
                let b = self.coef[j];
                (b != 0.0 || pf[j] == 0.0) && b > self.lower[j] && b < self.upper[j]
            })
            .collect();
        if free.is_empty() {
            return false;
        }
        let Some(step) = self.newton_direction(&free) else {
            return false;
        };
        let t_first = self.first_stop(&free, &step);
        // The point t·step away, with every coefficient that changed sign (or landed within
        // rounding of zero) set to zero and the box enforced.
        let point = |cd: &Self, t: f64| -> Vec<f64> {
            free.iter()
                .zip(&step)
                .map(|(&j, &d)| {
                    let b = cd.coef[j];
                    let v = b + t * d;
                    if pf[j] > 0.0 && (v * b <= 0.0 || v.abs() <= 1e-12 * b.abs()) {
                        0.0
                    } else {
                        v.clamp(cd.lower[j], cd.upper[j])
                    }
                })
                .collect()
        };
        // The projected full step keeps the step's progress on every other coordinate when
        // a few signs are wrong; then half and a quarter of it; last, the segment up to the
        // first crossing, along which the objective decreases.
        // A rejected trial is undone from a copy: on a rank-deficient support a CG step can be
        // huge, and subtracting it again left the residual wrong by its rounding (a random-
        // selection solve then never converged).
        let before = self.primal_on(features);
        let current: Vec<f64> = free.iter().map(|&j| self.coef[j]).collect();
        let saved = self.save_updated();
        let first_crossing = (t_first > 0.0 && t_first < 1.0).then_some(t_first);
        for t in [1.0, 0.5, 0.25].into_iter().chain(first_crossing) {
            let values = point(self, t);
            if !values.iter().all(|v| v.is_finite()) {
                continue;
            }
            self.assign(&free, &values);
            if self.primal_on(features) <= before {
                return true;
            }
            self.restore_updated(&saved, &free, &current);
        }
        false
    }

    /// The Newton direction on the `free` coefficients with their signs fixed: the solve with
    /// their Gram block plus the ridge part, by conjugate gradients or Cholesky, whichever
    /// [`Self::newton_costs`] finds cheaper. None when the block does not factor.
    fn newton_direction(&mut self, free: &[usize]) -> Option<Vec<f64>> {
        let pf = &self.pb.penalty_factor;
        let m = free.len();
        let mut step: Vec<f64> = free
            .iter()
            .map(|&j| {
                let b = self.coef[j];
                self.gradient(j) - pf[j] * (self.l1 * f64::from(sign_of(b)) + self.l2 * b)
            })
            .collect();
        if self.newton_costs(free).2 {
            step = self.newton_cg(free, &step);
        } else {
            let mut h = self.gram_block(free);
            for (a, &j) in free.iter().enumerate() {
                h[a * m + a] += self.l2 * pf[j];
            }
            // A block too large to factor is no Newton step, as one that does not factor.
            let l = crate::linalg::cholesky(&h, m, 0.0).ok().flatten()?;
            crate::linalg::cholesky_solve(&l, m, &mut step, 1);
        }
        Some(step)
    }

    /// How far along `step` (at most 1) the `free` coefficients go before the first reaches
    /// zero (crossing it) or a bound.
    fn first_stop(&self, free: &[usize], step: &[f64]) -> f64 {
        let pf = &self.pb.penalty_factor;
        let mut t_first = 1.0f64;
        for (&j, &d) in free.iter().zip(step) {
            let b = self.coef[j];
            let end = b + d;
            if pf[j] > 0.0 && end * b < 0.0 {
                t_first = t_first.min(-b / d);
            }
            if end > self.upper[j] {
                t_first = t_first.min((self.upper[j] - b) / d);
            } else if end < self.lower[j] {
                t_first = t_first.min((self.lower[j] - b) / d);
            }
        }
        t_first
    }

    /// After a point is certified: one coordinate step for each zero feature of `entering`
    /// (those violating their KKT condition there), then one Newton step on the support
    /// (`support`, every non-zero coefficient, with those that entered) when that costs at
    /// most half a full-gradient pass, the check the point has just paid for (residual mode
    /// only: in covariance mode a step costs more than the check). A feature left out of the
    /// support would steer the step to the wrong orthant's optimum: early in a loose path,
    /// where a warm start is certified before the features about to enter have moved, that
    /// was the worst point's error. Neither step increases the objective, so the certificate's
    /// dual value still bounds the new point. Returns the new primal objective (scaled) when
    /// the point moved.
    pub fn polish(&mut self, support: &[usize], entering: &[usize]) -> Option<f64> {
        if self.in_gram_mode() {
            return None;
        }
        let entered = !entering.is_empty() && self.epoch(entering).1 > 0.0;
        let mut features = support.to_vec();
        if entered {
            features.extend(entering.iter().filter(|&&j| self.coef[j] != 0.0));
            features.sort_unstable();
        }
        if features.is_empty() {
            return None;
        }
        let (_, newton_cost, _) = self.newton_costs(&features);
        let stepped = newton_cost <= self.x_nnz && self.support_newton(&features);
        (entered || stepped).then(|| self.primal_on(&features))
    }
}
