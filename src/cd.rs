//! Coordinate descent for the elastic net on one penalty value (the point solver), generic over
//! the design. The duality gap is both the stopping rule and the certificate returned.

use crate::design::{dot, dot3, Design};
use crate::error::{FastregError, Result};
use crate::params::{EnetParams, Selection};
use crate::problem::Problem;

/// Result of one fit. `dual_gap` is in the units of the objective (divided by n).
#[derive(Clone, Debug)]
pub struct EnetFit {
    pub coef: Vec<f64>,
    pub intercept: f64,
    pub dual_gap: f64,
    pub n_iter: usize,
    pub converged: bool,
}

/// Small, fast generator for random coordinate selection (xorshift64*).
#[derive(Clone, Debug)]
struct Rng(u64);
impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as u128 * n as u128 >> 53) as usize
    }
}

/// Coordinate-descent state on one problem. The residual is kept uncentred (`r_raw = ỹ − Xβ`)
/// with two scalars that apply the centring implicitly: the true residual is `r_raw + shift`.
pub struct CoordinateDescent<'p, 'a, D: Design> {
    pb: &'p Problem<'a, D>,
    l1: f64,
    l2: f64,
    positive: bool,
    coef: Vec<f64>,
    resid: Vec<f64>,
    /// `Σ_i w_i r_raw_i`
    resid_wsum: f64,
    /// `μᵀβ`
    shift: f64,
    rng: Option<Rng>,
}

impl<'p, 'a, D: Design> CoordinateDescent<'p, 'a, D> {
    pub fn new(
        pb: &'p Problem<'a, D>,
        prm: &EnetParams,
        coef_init: Option<&[f64]>,
    ) -> Result<Self> {
        let p = pb.n_features();
        let coef = match coef_init {
            None => vec![0.0; p],
            Some(c) if c.len() != p => {
                return Err(FastregError::Shape(format!(
                    "coef_init has {} entries, X has {p} features",
                    c.len()
                )))
            }
            Some(c) if c.iter().any(|v| !v.is_finite()) => {
                return Err(FastregError::NonFinite("coef_init"))
            }
            Some(c) => c.to_vec(),
        };
        let n = pb.n_samples() as f64;
        let rng = match prm.selection() {
            Selection::Cyclic => None,
            Selection::Random { seed } => Some(Rng::new(seed)),
        };
        let mut cd = Self {
            pb,
            // The solver works with the objective multiplied by n.
            l1: prm.l1() * n,
            l2: prm.l2() * n,
            positive: prm.positive(),
            coef,
            resid: pb.y_centred.clone(),
            resid_wsum: 0.0,
            shift: 0.0,
            rng,
        };
        if cd.positive {
            cd.coef.iter_mut().for_each(|c| *c = c.max(0.0));
        }
        for j in 0..p {
            let c = cd.coef[j];
            if c != 0.0 {
                pb.design.col_axpy(j, -c, &mut cd.resid);
            }
        }
        cd.resid_wsum = cd.weighted_sum(&cd.resid);
        cd.shift = dot(&pb.x_mean, &cd.coef);
        Ok(cd)
    }

    fn weighted_sum(&self, v: &[f64]) -> f64 {
        match self.pb.weights() {
            None => v.iter().sum(),
            Some(w) => dot(w, v),
        }
    }

    pub fn coef(&self) -> &[f64] {
        &self.coef
    }

    /// `x̃_jᵀ W r`, the negative partial derivative of the smooth part.
    #[inline]
    fn gradient(&self, j: usize) -> f64 {
        self.pb.centred_wdot(j, &self.resid, self.resid_wsum)
    }

    /// Minimises over coordinate j exactly; returns |change| and |new value|.
    #[inline]
    fn update(&mut self, j: usize) -> (f64, f64) {
        let norm2 = self.pb.col_norm2[j];
        if norm2 == 0.0 {
            return (0.0, self.coef[j].abs());
        }
        let old = self.coef[j];
        let z = self.gradient(j) + norm2 * old;
        let shrunk = if z > self.l1 {
            z - self.l1
        } else if z < -self.l1 && !self.positive {
            z + self.l1
        } else {
            0.0
        };
        let new = shrunk / (norm2 + self.l2);
        let delta = new - old;
        if delta != 0.0 {
            self.coef[j] = new;
            self.pb.design.col_axpy(j, -delta, &mut self.resid);
            let mean = self.pb.x_mean[j];
            self.resid_wsum -= delta * mean * self.pb.n_samples() as f64;
            self.shift += delta * mean;
        }
        (delta.abs(), new.abs())
    }

    /// One pass over `features` (or, with random selection, as many random draws from them).
    /// Returns `(max |β_j|, max |Δβ_j|)` over the visited coordinates.
    pub fn epoch(&mut self, features: &[usize]) -> (f64, f64) {
        let (mut w_max, mut d_max) = (0.0f64, 0.0f64);
        for k in 0..features.len() {
            let j = match &mut self.rng {
                None => features[k],
                Some(rng) => features[rng.below(features.len())],
            };
            let (d, w) = self.update(j);
            d_max = d_max.max(d);
            w_max = w_max.max(w);
        }
        (w_max, d_max)
    }

    /// `Σ w r²` and `Σ w r ỹ` for the true (centred) residual.
    fn residual_products(&self) -> (f64, f64) {
        let pb = self.pb;
        let (s, n) = (self.shift, pb.n_samples() as f64);
        let (rr, ry, y_sum) = match pb.weights() {
            None => (
                dot(&self.resid, &self.resid),
                dot(&self.resid, &pb.y_centred),
                pb.y_centred.iter().sum::<f64>(),
            ),
            Some(w) => (
                dot3(w, &self.resid, &self.resid),
                dot3(w, &self.resid, &pb.y_centred),
                dot(w, &pb.y_centred),
            ),
        };
        (rr + 2.0 * s * self.resid_wsum + s * s * n, ry + s * y_sum)
    }

    /// Primal objective `1/(2n) Σ w r² + l1‖β‖₁ + l2/2 ‖β‖²`.
    pub fn primal(&self) -> f64 {
        let (rr, _) = self.residual_products();
        let n = self.pb.n_samples() as f64;
        let l1_norm: f64 = self.coef.iter().map(|c| c.abs()).sum();
        (0.5 * rr + self.l1 * l1_norm + 0.5 * self.l2 * dot(&self.coef, &self.coef)) / n
    }

    /// Duality gap in the solver's units (objective × n). Two dual points are scored, both built
    /// from the residual, and the smaller gap kept: the residual rescaled into the lasso dual
    /// feasible set (scikit-learn's certificate), and, when l2 > 0, the residual itself, which is
    /// always feasible for the elastic net and stays informative as l1 → 0.
    pub fn dual_gap_scaled(&self) -> f64 {
        self.dual_gap_on(None)
    }

    /// The duality gap of the problem restricted to `features` (all features for `None`);
    /// coefficients outside the set must be zero.
    fn dual_gap_on(&self, features: Option<&[usize]>) -> f64 {
        let (rr, ry) = self.residual_products();
        let (l1, l2) = (self.l1, self.l2);
        let l1_norm: f64 = self.coef.iter().map(|c| c.abs()).sum();
        let w_norm2 = dot(&self.coef, &self.coef);
        let primal = 0.5 * rr + l1 * l1_norm + 0.5 * l2 * w_norm2;

        let mut dual_norm = 0.0f64; // max_j |x̃_jᵀr − l2 β_j| (signed for positive)
        let mut conj = 0.0f64; // Σ_j (|x̃_jᵀr| − l1)_+² / (2 l2)
        let all = 0..self.pb.n_features();
        let subset = features.map(|f| f.iter().copied());
        let visit: Box<dyn Iterator<Item = usize>> = match subset {
            Some(it) => Box::new(it),
            None => Box::new(all),
        };
        for j in visit {
            let g = self.gradient(j);
            let xta = g - l2 * self.coef[j];
            let (m, e) = if self.positive {
                (xta, g - l1)
            } else {
                (xta.abs(), g.abs() - l1)
            };
            dual_norm = dual_norm.max(m);
            if e > 0.0 {
                conj += e * e;
            }
        }
        // Dual 1: θ = c·r with c scaling x̃ᵀθ − l2β into the l1 ball.
        let c = if dual_norm > l1 { l1 / dual_norm } else { 1.0 };
        let dual1 = -0.5 * c * c * rr + c * ry - 0.5 * l2 * c * c * w_norm2;
        let gap1 = primal - dual1;
        // Dual 2 (l2 > 0): θ = r; D = ½‖ỹ‖² − ½‖ỹ − r‖² − Σ conj = ry − ½ rr − Σ conj.
        let gap2 = if l2 > 0.0 {
            primal - (ry - 0.5 * rr - conj / (2.0 * l2))
        } else {
            f64::INFINITY
        };
        gap1.min(gap2)
    }

    /// Runs to convergence. Each outer round is a full pass followed by the full duality gap;
    /// between full passes, passes over the non-zero coefficients only (where the work is)
    /// until the gap of that sub-problem falls below a fraction of the full gap, so that a
    /// feature waiting to enter is not kept out by over-solving the sub-problem.
    pub fn run(mut self, prm: &EnetParams) -> EnetFit {
        const SUB_GAP_FRACTION: f64 = 0.1;
        const SUB_GAP_EVERY: usize = 5;
        let p = self.pb.n_features();
        let all: Vec<usize> = (0..p).collect();
        let tol_gap = prm.tol() * self.pb.y_norm2;
        let max_iter = prm.max_iter();
        let mut n_iter = 0;
        let mut gap = f64::INFINITY;
        let mut active: Vec<usize> = Vec::with_capacity(p);
        while n_iter < max_iter {
            self.epoch(&all);
            n_iter += 1;
            gap = self.dual_gap_scaled();
            if gap <= tol_gap {
                break;
            }
            active.clear();
            active.extend((0..p).filter(|&j| self.coef[j] != 0.0));
            let sub_target = (SUB_GAP_FRACTION * gap).max(0.5 * tol_gap);
            let mut inner = 0;
            while n_iter < max_iter {
                let (w_max, d_max) = self.epoch(&active);
                n_iter += 1;
                inner += 1;
                let settled = w_max == 0.0 || d_max <= prm.tol() * w_max;
                if (settled || inner % SUB_GAP_EVERY == 0)
                    && self.dual_gap_on(Some(&active)) <= sub_target
                {
                    break;
                }
            }
        }
        let converged = gap <= tol_gap;
        if !converged {
            gap = self.dual_gap_scaled();
        }
        let n = self.pb.n_samples() as f64;
        let intercept = self.pb.intercept(&self.coef);
        EnetFit {
            coef: self.coef,
            intercept,
            dual_gap: gap / n,
            n_iter,
            converged: gap <= tol_gap,
        }
    }
}

/// Fits the elastic net at one penalty, warm-started from `coef_init` when given.
pub fn fit_enet<D: Design>(
    pb: &Problem<'_, D>,
    prm: &EnetParams,
    coef_init: Option<&[f64]>,
) -> Result<EnetFit> {
    Ok(CoordinateDescent::new(pb, prm, coef_init)?.run(prm))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::{CscDesign, DenseDesign};
    use crate::params::EnetParamsBuilder;

    /// Deterministic pseudo-random numbers for test data (no extra dependency).
    struct Lcg(u64);
    impl Lcg {
        fn uniform(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 11) as f64) / ((1u64 << 53) as f64)
        }
        fn normal(&mut self) -> f64 {
            let (u, v) = (self.uniform().max(1e-300), self.uniform());
            (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
        }
    }

    /// Column-major X with about `density` non-zeros, offset columns, and y from a sparse truth.
    fn data(n: usize, p: usize, density: f64, seed: u64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let mut g = Lcg(seed);
        let mut x = vec![0.0; n * p];
        for j in 0..p {
            for i in 0..n {
                if g.uniform() < density {
                    x[j * n + i] = g.normal() + 0.3 * (j % 3) as f64;
                }
            }
        }
        let mut y: Vec<f64> = (0..n).map(|_| 0.5 * g.normal() + 2.0).collect();
        for j in 0..p.min(5) {
            let b = g.normal() * 2.0;
            for i in 0..n {
                y[i] += b * x[j * n + i];
            }
        }
        let w: Vec<f64> = (0..n).map(|_| 0.2 + g.uniform()).collect();
        (x, y, w)
    }

    fn csc_of(x: &[f64], n: usize, p: usize) -> (Vec<f64>, Vec<i64>, Vec<i64>) {
        let (mut data, mut indices, mut indptr) = (vec![], vec![], vec![0i64]);
        for j in 0..p {
            for i in 0..n {
                if x[j * n + i] != 0.0 {
                    data.push(x[j * n + i]);
                    indices.push(i as i64);
                }
            }
            indptr.push(data.len() as i64);
        }
        (data, indices, indptr)
    }

    fn params(l1: f64, l2: f64, tol: f64, positive: bool) -> EnetParams {
        EnetParamsBuilder {
            l1,
            l2,
            tol,
            positive,
            max_iter: 100_000,
            ..Default::default()
        }
        .check()
        .unwrap()
    }

    /// Independent objective evaluation from the definition, with an explicit intercept.
    fn objective(
        x: &[f64],
        y: &[f64],
        w: Option<&[f64]>,
        n: usize,
        fit: &EnetFit,
        l1: f64,
        l2: f64,
    ) -> f64 {
        let p = fit.coef.len();
        let wsum: f64 = w.map_or(n as f64, |w| w.iter().sum());
        let mut loss = 0.0;
        for i in 0..n {
            let pred: f64 = fit.intercept + (0..p).map(|j| x[j * n + i] * fit.coef[j]).sum::<f64>();
            loss += w.map_or(1.0, |w| w[i]) * (y[i] - pred).powi(2);
        }
        0.5 * loss / wsum
            + l1 * fit.coef.iter().map(|c| c.abs()).sum::<f64>()
            + 0.5 * l2 * dot(&fit.coef, &fit.coef)
    }

    /// KKT conditions of the (centred, weighted) problem from first principles.
    fn assert_kkt(
        x: &[f64],
        y: &[f64],
        w: Option<&[f64]>,
        n: usize,
        fit: &EnetFit,
        l1: f64,
        l2: f64,
        positive: bool,
        slack: f64,
    ) {
        let p = fit.coef.len();
        let wsum: f64 = w.map_or(n as f64, |w| w.iter().sum());
        let resid: Vec<f64> = (0..n)
            .map(|i| y[i] - fit.intercept - (0..p).map(|j| x[j * n + i] * fit.coef[j]).sum::<f64>())
            .collect();
        for j in 0..p {
            let g: f64 = (0..n)
                .map(|i| w.map_or(1.0, |w| w[i]) * x[j * n + i] * resid[i])
                .sum::<f64>()
                / wsum
                - l2 * fit.coef[j];
            let b = fit.coef[j];
            if b > 0.0 {
                assert!(
                    (g - l1).abs() < slack,
                    "feature {j}: β={b} gradient {g} ≠ {l1}"
                );
            } else if b < 0.0 {
                assert!(
                    !positive && (g + l1).abs() < slack,
                    "feature {j}: β={b} gradient {g} ≠ −{l1}"
                );
            } else if positive {
                assert!(g < l1 + slack, "feature {j}: β=0 gradient {g} > {l1}");
            } else {
                assert!(
                    g.abs() < l1 + slack,
                    "feature {j}: β=0 |gradient| {g} > {l1}"
                );
            }
        }
        // The intercept makes the weighted residual sum zero.
        let rsum: f64 = (0..n).map(|i| w.map_or(1.0, |w| w[i]) * resid[i]).sum();
        assert!(rsum.abs() < slack * wsum, "weighted residual sum {rsum}");
    }

    #[test]
    fn kkt_and_gap_at_solution() {
        let (n, p) = (60, 40);
        let (x, y, w) = data(n, p, 1.0, 1);
        let d = DenseDesign::new(&x, n, p).unwrap();
        for (l1, l2, positive, weighted) in [
            (0.3, 0.0, false, false),
            (0.1, 0.2, false, true),
            (0.2, 0.05, true, true),
        ] {
            let wopt = weighted.then_some(&w[..]);
            let pb = Problem::new(&d, &y, wopt, true).unwrap();
            let prm = params(l1, l2, 1e-14, positive);
            let fit = fit_enet(&pb, &prm, None).unwrap();
            assert!(fit.converged);
            assert!(fit.dual_gap >= -1e-12, "gap {}", fit.dual_gap);
            assert!(fit.dual_gap <= 1e-14 * pb.y_norm2 / n as f64);
            assert_kkt(&x, &y, wopt, n, &fit, l1, l2, positive, 1e-6);
            if positive {
                assert!(fit.coef.iter().all(|&c| c >= 0.0));
                assert!(fit.coef.iter().any(|&c| c > 0.0));
            }
        }
    }

    #[test]
    fn gap_bounds_suboptimality() {
        // P(β_k) − P* ≤ gap(β_k) at any iterate: run a few epochs, compare with the optimum.
        let (n, p) = (50, 80);
        let (x, y, _) = data(n, p, 1.0, 2);
        let d = DenseDesign::new(&x, n, p).unwrap();
        let pb = Problem::new(&d, &y, None, true).unwrap();
        let prm = params(0.05, 0.01, 1e-14, false);
        let best = fit_enet(&pb, &prm, None).unwrap();
        let p_star = objective(&x, &y, None, n, &best, 0.05, 0.01);
        let mut cd = CoordinateDescent::new(&pb, &prm, None).unwrap();
        let all: Vec<usize> = (0..p).collect();
        for _ in 0..5 {
            cd.epoch(&all);
            let gap = cd.dual_gap_scaled() / n as f64;
            assert!(
                cd.primal() - p_star <= gap + 1e-12,
                "suboptimality above gap"
            );
            assert!(gap >= 0.0);
        }
    }

    #[test]
    fn objective_never_increases_across_epochs() {
        let (n, p) = (40, 100);
        let (x, y, w) = data(n, p, 0.3, 3);
        let d = DenseDesign::new(&x, n, p).unwrap();
        let pb = Problem::new(&d, &y, Some(&w), true).unwrap();
        for selection in [Selection::Cyclic, Selection::Random { seed: 7 }] {
            let prm = EnetParamsBuilder {
                l1: 0.02,
                l2: 0.01,
                selection,
                ..Default::default()
            }
            .check()
            .unwrap();
            let mut cd = CoordinateDescent::new(&pb, &prm, None).unwrap();
            let all: Vec<usize> = (0..p).collect();
            let mut prev = cd.primal();
            for _ in 0..50 {
                cd.epoch(&all);
                let now = cd.primal();
                assert!(
                    now <= prev * (1.0 + 1e-14),
                    "objective rose from {prev} to {now}"
                );
                prev = now;
            }
        }
    }

    #[test]
    fn dense_and_csc_agree() {
        let (n, p) = (80, 60);
        let (x, y, w) = data(n, p, 0.2, 4);
        let (data_, indices, indptr) = csc_of(&x, n, p);
        let dense = DenseDesign::new(&x, n, p).unwrap();
        let csc = CscDesign::new(&data_, &indices, &indptr, n).unwrap();
        for (intercept, weighted) in [(true, false), (true, true), (false, true)] {
            let wopt = weighted.then_some(&w[..]);
            let prm = params(0.02, 0.01, 1e-13, false);
            let a = fit_enet(
                &Problem::new(&dense, &y, wopt, intercept).unwrap(),
                &prm,
                None,
            )
            .unwrap();
            let b = fit_enet(
                &Problem::new(&csc, &y, wopt, intercept).unwrap(),
                &prm,
                None,
            )
            .unwrap();
            let oa = objective(&x, &y, wopt, n, &a, 0.02, 0.01);
            let ob = objective(&x, &y, wopt, n, &b, 0.02, 0.01);
            assert!((oa - ob).abs() <= 1e-10 * oa, "objectives {oa} vs {ob}");
            for j in 0..p {
                assert!(
                    (a.coef[j] - b.coef[j]).abs() < 1e-6,
                    "coef {j}: {} vs {}",
                    a.coef[j],
                    b.coef[j]
                );
            }
            assert!((a.intercept - b.intercept).abs() < 1e-6);
        }
    }

    #[test]
    fn one_feature_closed_form() {
        // With one feature the solution is soft-thresholding of the centred covariance.
        let n = 30;
        let (x, y, _) = data(n, 1, 1.0, 5);
        let d = DenseDesign::new(&x, n, 1).unwrap();
        let pb = Problem::new(&d, &y, None, true).unwrap();
        let (xm, ym) = (
            x.iter().sum::<f64>() / n as f64,
            y.iter().sum::<f64>() / n as f64,
        );
        let sxy: f64 = (0..n).map(|i| (x[i] - xm) * (y[i] - ym)).sum::<f64>() / n as f64;
        let sxx: f64 = (0..n).map(|i| (x[i] - xm).powi(2)).sum::<f64>() / n as f64;
        for (l1, l2) in [(0.1, 0.0), (0.05, 0.3), (sxy.abs() * 2.0, 0.0)] {
            let fit = fit_enet(&pb, &params(l1, l2, 1e-14, false), None).unwrap();
            let expect = sxy.signum() * (sxy.abs() - l1).max(0.0) / (sxx + l2);
            assert!(
                (fit.coef[0] - expect).abs() < 1e-12,
                "{} vs {expect}",
                fit.coef[0]
            );
            assert!((fit.intercept - (ym - xm * expect)).abs() < 1e-12);
        }
    }

    #[test]
    fn warm_start_and_invalid_input() {
        let (n, p) = (30, 10);
        let (x, y, _) = data(n, p, 1.0, 6);
        let d = DenseDesign::new(&x, n, p).unwrap();
        let pb = Problem::new(&d, &y, None, true).unwrap();
        let prm = params(0.1, 0.0, 1e-10, false);
        let cold = fit_enet(&pb, &prm, None).unwrap();
        let warm = fit_enet(&pb, &prm, Some(&cold.coef)).unwrap();
        assert!(warm.n_iter <= 2 && warm.converged);
        assert!(fit_enet(&pb, &prm, Some(&[0.0; 3])).is_err());
        assert!(Problem::new(&d, &y[..n - 1], None, true).is_err());
        assert!(Problem::new(&d, &y, Some(&vec![-1.0; n]), true).is_err());
        let mut bad = x.clone();
        bad[3] = f64::NAN;
        let dbad = DenseDesign::new(&bad, n, p).unwrap();
        assert!(matches!(
            Problem::new(&dbad, &y, None, true),
            Err(FastregError::NonFinite("X"))
        ));
        assert!(EnetParamsBuilder {
            l1: -1.0,
            ..Default::default()
        }
        .check()
        .is_err());
        assert!(CscDesign::new(&[1.0], &[5i32], &[0, 1], 3).is_err());
    }
}
