//! Regularisation paths: a driver over the point solver. The driver owns the λ grid, warm
//! starts, the sequential strong rule that picks each λ's working set, and the full KKT check
//! after convergence (re-solving when a screened-out feature violates it); the point solver
//! owns one λ on its working set, including gap-safe screening inside it.

use crate::cd::{CoordinateDescent, Features, GapInfo, GapTarget, Precompute, SweepBounds};
use crate::design::Design;
use crate::error::{invalid, Result};
use crate::gram::GramStats;
use crate::params::{EnetParams, EnetParamsBuilder};
use crate::problem::{FeatureOptions, Problem};
use crate::screening::{kkt_violations, FeatureRules};

/// Where the α values come from.
#[derive(Clone, Debug)]
pub enum AlphaGrid {
    /// Explicit values; solved in the order given (warm starts follow that order).
    Given(Vec<f64>),
    /// `count` values log-spaced from α_max down to `min_ratio · α_max`.
    Auto { count: usize, min_ratio: f64 },
}

/// Unchecked path parameters. `point` carries tol, rel_tol, max_iter (per α), positive and
/// selection; its l1/l2 are ignored.
#[derive(Clone, Debug)]
pub struct PathParamsBuilder {
    pub point: EnetParamsBuilder,
    pub l1_ratio: f64,
    pub alphas: AlphaGrid,
    /// Strong-rule working sets + KKT check; off = every α solved on all features.
    pub screening: bool,
    /// Threads for the full-gradient sweeps (1 = sequential).
    pub n_jobs: usize,
    /// glmnet's early stop: once 5 α are done, stop when the deviance explained grows by less
    /// than 1e-5 relative, or exceeds 0.999.
    pub early_stop: bool,
    /// Covariance (Gram) mode: automatic, forced or off.
    pub precompute: Precompute,
    /// A Newton step on each certified point's support where it costs at most half a
    /// full-gradient pass (see [`CoordinateDescent::polish`]).
    pub polish: bool,
}

impl Default for PathParamsBuilder {
    fn default() -> Self {
        Self {
            point: EnetParamsBuilder::default(),
            l1_ratio: 1.0,
            alphas: AlphaGrid::Auto {
                count: 100,
                min_ratio: 1e-3,
            },
            screening: true,
            n_jobs: 1,
            early_stop: false,
            precompute: Precompute::Auto,
            polish: true,
        }
    }
}

/// Checked path parameters; construct with [`PathParamsBuilder::check`].
#[derive(Clone, Debug)]
pub struct PathParams {
    point: EnetParams,
    l1_ratio: f64,
    alphas: AlphaGrid,
    screening: bool,
    n_jobs: usize,
    early_stop: bool,
    precompute: Precompute,
    polish: bool,
}

impl PathParams {
    pub fn precompute(&self) -> Precompute {
        self.precompute
    }
}

impl PathParamsBuilder {
    pub fn check(self) -> Result<PathParams> {
        let point = self.point.check()?;
        if !(self.l1_ratio.is_finite() && (0.0..=1.0).contains(&self.l1_ratio)) {
            return Err(invalid(
                "l1_ratio",
                format!("must be in [0, 1], got {}", self.l1_ratio),
            ));
        }
        match &self.alphas {
            AlphaGrid::Given(a) => {
                if a.is_empty() {
                    return Err(invalid("alphas", "must not be empty"));
                }
                if a.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
                    return Err(invalid("alphas", "must be finite and >= 0"));
                }
            }
            AlphaGrid::Auto { count, min_ratio } => {
                if *count == 0 {
                    return Err(invalid("n_alphas", "must be >= 1"));
                }
                if !(min_ratio.is_finite() && *min_ratio > 0.0 && *min_ratio <= 1.0) {
                    return Err(invalid(
                        "eps",
                        format!("must be in (0, 1], got {min_ratio}"),
                    ));
                }
            }
        }
        if self.n_jobs == 0 {
            return Err(invalid("n_jobs", "must be >= 1"));
        }
        Ok(PathParams {
            point,
            l1_ratio: self.l1_ratio,
            alphas: self.alphas,
            screening: self.screening,
            n_jobs: self.n_jobs,
            early_stop: self.early_stop,
            precompute: self.precompute,
            polish: self.polish,
        })
    }
}

/// A fitted path. Coefficients are on the original scale, stored sparse, one column per α
/// (compressed sparse columns of the p × n_alphas matrix: the non-zeros of `alphas[k]` are
/// `coef_indptr[k]..coef_indptr[k + 1]`), so a path over a million features stays small. Gaps
/// and primals are per sample.
#[derive(Clone, Debug)]
pub struct PathFit {
    pub n_features: usize,
    pub alphas: Vec<f64>,
    pub coef_indptr: Vec<usize>,
    /// (u32: a path holds at most 2³² − 1 features, and its indices take half the room)
    pub coef_indices: Vec<u32>,
    pub coef_values: Vec<f64>,
    pub intercepts: Vec<f64>,
    pub dual_gaps: Vec<f64>,
    pub primals: Vec<f64>,
    pub n_iters: Vec<usize>,
    pub converged: Vec<bool>,
    /// Fraction of (weighted) null deviance explained, glmnet's `dev.ratio`.
    pub dev_ratio: Vec<f64>,
    /// Re-solves triggered by KKT violations of strong-rule-discarded features.
    pub kkt_resolves: usize,
}

impl PathFit {
    /// How many points did not converge, and the worst gap relative to its primal (absolute
    /// where the primal is zero): what CV reports of its fold paths.
    pub fn convergence_summary(&self) -> (usize, f64) {
        let unconverged = self.converged.iter().filter(|&&c| !c).count();
        let worst_gap = self
            .dual_gaps
            .iter()
            .zip(&self.primals)
            .map(|(g, pr)| if *pr > 0.0 { g / pr } else { *g })
            .fold(0.0, f64::max);
        (unconverged, worst_gap)
    }

    /// The non-zero coefficients at `alphas[k]`: (feature indices, values).
    pub fn nonzeros(&self, k: usize) -> (&[u32], &[f64]) {
        let r = self.coef_indptr[k]..self.coef_indptr[k + 1];
        (&self.coef_indices[r.clone()], &self.coef_values[r])
    }

    /// The coefficients at `alphas[k]` as a dense vector.
    pub fn coef(&self, k: usize) -> Vec<f64> {
        let mut coef = vec![0.0; self.n_features];
        let (idx, val) = self.nonzeros(k);
        for (&j, &v) in idx.iter().zip(val) {
            coef[j as usize] = v;
        }
        coef
    }
}

/// Log-spaced grid from `alpha_max` down to `min_ratio · alpha_max` (scikit-learn's and
/// glmnet's spacing).
pub fn log_grid(alpha_max: f64, min_ratio: f64, count: usize) -> Vec<f64> {
    if alpha_max <= 0.0 {
        // Nothing correlates with y (e.g. X all zero): scikit-learn's floor, 1e-15 throughout,
        // rather than the NaNs of a log grid down from 0.
        return vec![1e-15; count];
    }
    if count == 1 {
        return vec![alpha_max];
    }
    let (hi, lo) = (alpha_max.ln(), (alpha_max * min_ratio).ln());
    (0..count)
        .map(|k| (hi + (lo - hi) * k as f64 / (count - 1) as f64).exp())
        .collect()
}

/// Smallest α at which all penalised coefficients are zero, given the gradients at the fit of
/// the unpenalised features alone. With l1_ratio = 0 glmnet's convention is used (l1_ratio
/// taken as 1e-3) so the grid stays finite.
fn alpha_max_from(grad: &[f64], n: f64, l1_ratio: f64, rules: &FeatureRules) -> f64 {
    let ratio = l1_ratio.max(1e-3);
    let pf = rules.penalty_factor;
    let mut m = 0.0f64;
    for j in 0..grad.len() {
        if pf[j] > 0.0 {
            m = m.max(rules.score(j, grad[j]) / pf[j]);
        }
    }
    m / (n * ratio)
}

/// Fits the unpenalised features alone (they are never screened) before the first α.
fn fit_unpenalised<D: Design>(
    cd: &mut CoordinateDescent<'_, '_, D>,
    pb: &Problem<'_, D>,
    prm: &EnetParams,
) {
    if pb.unpenalised.is_empty() {
        return;
    }
    cd.set_penalty(0.0, 0.0);
    let target = GapTarget::gap_only(1e-12 * pb.y_norm2, 0.0);
    cd.solve_on(&pb.unpenalised, target, prm.max_iter());
}

/// The α_max of a problem: see [`alpha_max_from`].
pub fn alpha_max<D: Design>(pb: &Problem<'_, D>, l1_ratio: f64, positive: bool) -> Result<f64> {
    let prm = EnetParamsBuilder {
        positive,
        ..EnetParamsBuilder::default()
    }
    .check()?;
    let mut cd = CoordinateDescent::new(pb, &prm, None)?;
    fit_unpenalised(&mut cd, pb, &prm);
    let mut g = vec![0.0; pb.n_features()];
    cd.gradient_all(&mut g, None);
    Ok(alpha_max_from(
        &g,
        pb.n_samples() as f64,
        l1_ratio,
        &cd.rules(),
    ))
}

/// The warm start for the next α from the last two solutions (sparse, sorted by feature):
/// on a fixed support with fixed signs the lasso solution is linear in λ, so `b + t (b − b_old)`
/// with `t` the ratio of the λ steps; a coefficient that would cross zero stops at zero, and
/// one that is zero now stays zero.
fn path_extrapolation(
    current: &[(usize, f64)],
    old: &[(usize, f64)],
    t: f64,
) -> (Vec<usize>, Vec<f64>) {
    let mut o = old.iter().peekable();
    let mut feats = Vec::with_capacity(current.len());
    let mut cand = Vec::with_capacity(current.len());
    for &(j, b) in current {
        while o.peek().is_some_and(|&&(i, _)| i < j) {
            o.next();
        }
        let b_old = match o.peek() {
            Some(&&(i, v)) if i == j => v,
            _ => 0.0,
        };
        let v = b + t * (b - b_old);
        feats.push(j);
        cand.push(if v * b > 0.0 { v } else { 0.0 });
    }
    (feats, cand)
}

/// Fits the path. `coef_init` (original scale) warm-starts the first α.
pub fn fit_path<D: Design>(
    pb: &Problem<'_, D>,
    prm: &PathParams,
    coef_init: Option<&[f64]>,
) -> Result<PathFit> {
    fit_path_from(pb, prm, coef_init, None)
}

/// Builds the problem of `design` (as [`Problem::with_options`]) and fits its path. When
/// covariance mode is wanted, its statistics are made first and the problem's column moments
/// read from them, so the columns are summed once, not twice.
#[allow(clippy::too_many_arguments)]
pub fn fit_design_path<D: Design>(
    design: &D,
    y: &[f64],
    sample_weight: Option<&[f64]>,
    fit_intercept: bool,
    opts: &FeatureOptions<'_>,
    prm: &PathParams,
    coef_init: Option<&[f64]>,
) -> Result<PathFit> {
    if !prm.precompute.wanted(design) {
        let pb = Problem::with_options(design, y, sample_weight, fit_intercept, opts)?;
        return fit_path_from(&pb, prm, coef_init, None);
    }
    // (a pool that cannot start leaves the path on this thread)
    let pool = crate::gram::thread_pool(prm.n_jobs).unwrap_or(None);
    let pool = pool.as_deref();
    let stats = crate::gram::within(pool, || design.gram_stats(y, 1, sample_weight))?;
    let pb = Problem::with_stats(design, y, sample_weight, fit_intercept, opts, &stats)?;
    fit_path_in(&pb, prm, coef_init, Some(&stats), pool)
}

/// As [`fit_path`]; given `stats` (sufficient statistics of exactly this problem's rows,
/// response and weights), solves in covariance mode from them instead of building its own.
pub fn fit_path_from<D: Design>(
    pb: &Problem<'_, D>,
    prm: &PathParams,
    coef_init: Option<&[f64]>,
    stats: Option<&GramStats>,
) -> Result<PathFit> {
    // (a pool that cannot start leaves the path on this thread)
    let pool = crate::gram::thread_pool(prm.n_jobs).unwrap_or(None);
    fit_path_in(pb, prm, coef_init, stats, pool.as_deref())
}

/// [`fit_path_from`] on `pool`'s threads (`None`: this thread alone).
fn fit_path_in<D: Design>(
    pb: &Problem<'_, D>,
    prm: &PathParams,
    coef_init: Option<&[f64]>,
    stats: Option<&GramStats>,
    pool: Option<&rayon::ThreadPool>,
) -> Result<PathFit> {
    let p = pb.n_features();
    if u32::try_from(p).is_err() {
        return Err(invalid("X", "a path holds at most 2^32 - 1 features"));
    }
    let mut cd = path_solver(pb, prm, coef_init, stats, pool)?;
    let mut grad = vec![0.0; p];
    let mut bounds = SweepBounds::new(p);
    let (alphas, alpha_max_value) =
        alpha_grid(&mut cd, pb, prm, coef_init, &mut grad, &mut bounds, pool);
    let mut fit = PathFit::with_capacity(p, alphas.len());
    let mut path = PathDriver::new(cd, pb, prm, pool, grad, bounds);
    path.l1_prev = path.l1_of(alpha_max_value.unwrap_or(alphas[0]).max(alphas[0]));
    for (k, &alpha) in alphas.iter().enumerate() {
        crate::interrupt::check()?;
        let l1 = path.start_alpha(alpha, k);
        let next_l1 = alphas.get(k + 1).map(|&next| path.l1_of(next));
        let (mut info, n_iter, settled) = path.solve_and_check(l1, next_l1, &mut fit.kkt_resolves);
        path.polish(l1, &mut info);
        let dev = path.record(&mut fit, alpha, &info, n_iter, settled);
        path.l1_prev = l1;
        if prm.early_stop && k >= 4 {
            let prev = fit.dev_ratio[k - 1];
            if dev - prev < 1e-5 * dev || dev > 0.999 {
                break;
            }
        }
    }
    crate::interrupt::check()?;
    Ok(fit)
}

/// The point solver of a path, in covariance mode when given statistics or when wanted.
fn path_solver<'p, 'a, D: Design>(
    pb: &'p Problem<'a, D>,
    prm: &PathParams,
    coef_init: Option<&[f64]>,
    stats: Option<&GramStats>,
    pool: Option<&rayon::ThreadPool>,
) -> Result<CoordinateDescent<'p, 'a, D>> {
    let mut cd = CoordinateDescent::new(pb, &prm.point, coef_init)?;
    if let Some(stats) = stats {
        cd = cd.into_gram_mode_from(stats)?;
    } else if prm.precompute.wanted(pb.design) {
        cd = crate::gram::within(pool, || cd.into_gram_mode())?;
    }
    Ok(cd)
}

/// The α values: the given ones, or a log grid down from α_max (after fitting the unpenalised
/// features, unless warm-started), with α_max. Also the first full-gradient sweep into `grad`,
/// which the first strong set reads.
fn alpha_grid<D: Design>(
    cd: &mut CoordinateDescent<'_, '_, D>,
    pb: &Problem<'_, D>,
    prm: &PathParams,
    coef_init: Option<&[f64]>,
    grad: &mut [f64],
    bounds: &mut SweepBounds,
    pool: Option<&rayon::ThreadPool>,
) -> (Vec<f64>, Option<f64>) {
    match &prm.alphas {
        AlphaGrid::Given(a) => {
            cd.gradient_sweep(grad, 0.0, bounds, None, pool);
            (a.clone(), None)
        }
        AlphaGrid::Auto { count, min_ratio } => {
            if coef_init.is_none() {
                fit_unpenalised(cd, pb, &prm.point);
            }
            cd.gradient_sweep(grad, 0.0, bounds, None, pool);
            let n = pb.n_samples() as f64;
            let amax = alpha_max_from(grad, n, prm.l1_ratio, &cd.rules());
            (log_grid(amax, *min_ratio, *count), Some(amax))
        }
    }
}

impl PathFit {
    /// An empty path of `n_features` with room for `n_alphas` points.
    fn with_capacity(n_features: usize, n_alphas: usize) -> Self {
        PathFit {
            n_features,
            alphas: Vec::with_capacity(n_alphas),
            coef_indptr: vec![0],
            coef_indices: Vec::new(),
            coef_values: Vec::new(),
            intercepts: Vec::with_capacity(n_alphas),
            dual_gaps: Vec::with_capacity(n_alphas),
            primals: Vec::with_capacity(n_alphas),
            n_iters: Vec::with_capacity(n_alphas),
            converged: Vec::with_capacity(n_alphas),
            dev_ratio: Vec::with_capacity(n_alphas),
            kkt_resolves: 0,
        }
    }
}

/// What the path carries from one α to the next: the point solver, the full gradient of the
/// last check and the sweep bounds, the working set, and the previous solutions that the
/// warm start and the strong rule read.
struct PathDriver<'p, 'a, 'r, D: Design> {
    cd: CoordinateDescent<'p, 'a, D>,
    pb: &'p Problem<'a, D>,
    prm: &'r PathParams,
    pool: Option<&'r rayon::ThreadPool>,
    target: GapTarget,
    grad: Vec<f64>,
    bounds: SweepBounds,
    ever_active: Vec<bool>,
    /// The working set, as a mask and as an ascending list. It holds every feature ever
    /// active, so every non-zero coefficient: the per-α scans run over it, not over all p
    /// (with a million features they would cost more than the α's epochs).
    in_ws: Vec<bool>,
    ws: Vec<usize>,
    /// The solution before the current one: its l1 and its non-zero (feature, coefficient)s.
    previous: Option<(f64, Vec<(usize, f64)>)>,
    /// The l1 (solver units) of the last point solved.
    l1_prev: f64,
}

impl<'p, 'a, 'r, D: Design> PathDriver<'p, 'a, 'r, D> {
    fn new(
        cd: CoordinateDescent<'p, 'a, D>,
        pb: &'p Problem<'a, D>,
        prm: &'r PathParams,
        pool: Option<&'r rayon::ThreadPool>,
        grad: Vec<f64>,
        bounds: SweepBounds,
    ) -> Self {
        let p = pb.n_features();
        let ever_active = cd.coef_internal().iter().map(|&b| b != 0.0).collect();
        PathDriver {
            cd,
            pb,
            prm,
            pool,
            target: GapTarget::of(&prm.point, pb.y_norm2),
            grad,
            bounds,
            ever_active,
            in_ws: vec![false; p],
            ws: Vec::new(),
            previous: None,
            l1_prev: 0.0,
        }
    }

    /// The l1 penalty (solver units) at `alpha`.
    fn l1_of(&self, alpha: f64) -> f64 {
        alpha * self.prm.l1_ratio * self.pb.n_samples() as f64
    }

    /// Moves to the k-th α: its penalty, the warm start extrapolated from the last two
    /// solutions, and its working set. Returns its l1.
    fn start_alpha(&mut self, alpha: f64, k: usize) -> f64 {
        let l1_ratio = self.prm.l1_ratio;
        self.cd
            .set_penalty(alpha * l1_ratio, alpha * (1.0 - l1_ratio));
        let l1 = self.cd.l1_scaled();
        self.extrapolated_warm_start(l1, k);
        self.strong_working_set(l1);
        l1
    }

    /// Tries the warm start [`path_extrapolation`] gives (kept if it lowers the objective),
    /// and remembers the current solution as the previous one.
    fn extrapolated_warm_start(&mut self, l1: f64, k: usize) {
        let coef = self.cd.coef_internal();
        let current: Vec<(usize, f64)> = self
            .ws
            .iter()
            .filter(|&&j| coef[j] != 0.0)
            .map(|&j| (j, coef[j]))
            .collect();
        if let Some((l1_old, old)) = &self.previous {
            let t = (l1 - self.l1_prev) / (self.l1_prev - l1_old);
            // (t is the grid's constant ratio on a log grid; the cap only bounds a given
            // grid's uneven steps, where a long step follows a short one)
            if t.is_finite() && t > 0.0 {
                let (feats, cand) = path_extrapolation(&current, old, t.min(2.0));
                self.cd.try_coef(&feats, cand);
            }
        }
        if k > 0 {
            self.previous = Some((self.l1_prev, current));
        }
    }

    /// The working set at `l1`: every feature ever active and those the sequential strong
    /// rule keeps (all features without screening), excluded ones never.
    fn strong_working_set(&mut self, l1: f64) {
        let screening = self.prm.screening;
        self.ws.clear();
        let rules = self.cd.rules();
        for (j, &excluded) in self.pb.excluded.iter().enumerate() {
            let keep = !excluded
                && (!screening
                    || self.ever_active[j]
                    || rules.strong(j, self.grad[j], l1, self.l1_prev));
            self.in_ws[j] = keep;
            if keep {
                self.ws.push(j);
            }
        }
    }

    /// Solves on the working set until the full problem's gap is certified (and, with
    /// `coef_tol`, the working set's last epoch settled): after each solve a gradient sweep
    /// and the KKT check of the features outside it (violators join it and the solve resumes,
    /// counted in `kkt_resolves`), then the gap over every feature. Returns the certificate,
    /// the epochs run and whether the last solve's epoch settled.
    fn solve_and_check(
        &mut self,
        l1: f64,
        next_l1: Option<f64>,
        kkt_resolves: &mut usize,
    ) -> (GapInfo, usize, bool) {
        let prm = self.prm;
        let (point, target) = (&prm.point, self.target);
        let p = self.pb.n_features();
        let mut n_iter = 0;
        // The working set's gap can be below target while the full problem's is not: the dual
        // point's scaling and projection see every feature. Then re-solve to a tighter target.
        let mut ws_target = target;
        let mut settled;
        let info = loop {
            // Each working-set solve gets half the epochs left: one that cannot reach its
            // target (tol 0, or a target below rounding) still leaves epochs for the KKT
            // check's violators, instead of spending them all on a set that misses some.
            let res = self.cd.solve_on(
                &self.ws,
                ws_target,
                (point.max_iter().saturating_sub(n_iter) / 2).max(1),
            );
            n_iter += res.n_iter;
            settled = res.settled;
            if crate::interrupt::requested() {
                // (the path stops at its next α; this point is not recorded)
                break res.info;
            }
            // Gradients provably below both this α's KKT threshold and the next α's strong
            // rule threshold are not computed (they would change no decision).
            let limit = match next_l1 {
                Some(next) => l1.min(2.0 * next - l1),
                None => l1,
            };
            let known = res.gradients.as_ref().map(|(f, g)| (&f[..], &g[..]));
            self.cd
                .gradient_sweep(&mut self.grad, limit, &mut self.bounds, known, self.pool);
            let violations = kkt_violations(&self.grad, l1, &self.cd.rules(), &self.in_ws);
            if !violations.is_empty() && n_iter < point.max_iter() {
                *kkt_resolves += 1;
                for &j in &violations {
                    self.in_ws[j] = true;
                }
                self.ws = merge_ascending(&self.ws, &violations);
                continue;
            }
            // The certificate: the gap of the full problem, from the full gradient (excluded
            // features take no part).
            let mut info = self.cd.gap_from_gradient(Features::All(p), &self.grad);
            if !target.reached(info.gap, info.primal) {
                // the working set's extrapolated dual point, checked on every feature
                if let Some(v) = self.cd.best_dual_point() {
                    self.cd
                        .raise_dual(&mut info, Features::All(p), v, self.pool);
                }
            }
            // (a round at a zero target that ran no epoch would repeat forever)
            let stalled = res.n_iter == 0 && ws_target.scaled == 0.0 && ws_target.relative == 0.0;
            let gap_met = target.reached(info.gap, info.primal);
            if (gap_met && settled) || n_iter >= point.max_iter() || stalled {
                break info;
            }
            // (a certified gap whose solve ran out of epochs before settling resumes as it was)
            if !gap_met {
                ws_target = ws_target.times(0.1);
            }
        };
        (info, n_iter, settled)
    }

    /// A certified point polished: the zero features still violating their KKT condition
    /// (the check's gradients say which; all in the working set, or the check would have
    /// re-solved) enter, then a Newton step on the support where that is cheap next to the
    /// check just made. The objective only decreases, so the dual value that certified the
    /// point bounds the new one, and its gap is P_new − D.
    fn polish(&mut self, l1: f64, info: &mut GapInfo) {
        if !(self.prm.polish && self.target.reached(info.gap, info.primal)) {
            return;
        }
        let coef = self.cd.coef_internal();
        let rules = self.cd.rules();
        let (mut support, mut entering) = (Vec::new(), Vec::new());
        for &j in &self.ws {
            if coef[j] != 0.0 {
                support.push(j);
            } else if rules.score(j, self.grad[j]) > rules.penalty_factor[j] * l1 {
                entering.push(j);
            }
        }
        if let Some(primal) = self.cd.polish(&support, &entering) {
            info.primal = primal;
            info.gap = (primal - info.dual).max(0.0);
        }
    }

    /// Records the point at `alpha` in `fit` (coefficients on the original scale) and marks
    /// its support ever active; converged when its gap is certified and its last epoch
    /// `settled`. Returns its deviance ratio.
    fn record(
        &mut self,
        fit: &mut PathFit,
        alpha: f64,
        info: &GapInfo,
        n_iter: usize,
        settled: bool,
    ) -> f64 {
        let pb = self.pb;
        let n = pb.n_samples() as f64;
        let coef = self.cd.coef_internal();
        for &j in &self.ws {
            self.ever_active[j] |= coef[j] != 0.0;
        }
        let dev = if pb.y_norm2 > 0.0 {
            1.0 - self.cd.residual_norm2() / pb.y_norm2
        } else {
            0.0
        };
        fit.alphas.push(alpha);
        let first = fit.coef_indices.len();
        for &j in self.ws.iter().filter(|&&j| coef[j] != 0.0) {
            fit.coef_indices.push(j as u32);
            fit.coef_values.push(coef[j] * pb.inv_scale[j]);
        }
        let nonzeros = fit.coef_indices[first..].iter().map(|&j| j as usize);
        fit.intercepts
            .push(pb.intercept_of(nonzeros.zip(fit.coef_values[first..].iter().copied())));
        fit.coef_indptr.push(fit.coef_indices.len());
        fit.dual_gaps.push(info.gap / n);
        fit.primals.push(info.primal / n);
        fit.n_iters.push(n_iter);
        fit.converged
            .push(settled && self.target.reached(info.gap, info.primal));
        fit.dev_ratio.push(dev);
        dev
    }
}

/// The ascending union of two ascending lists without common entries.
fn merge_ascending(a: &[usize], b: &[usize]) -> Vec<usize> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut k) = (0, 0);
    while i < a.len() && k < b.len() {
        if a[i] < b[k] {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[k]);
            k += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[k..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cd::soft_threshold;
    use crate::design::{CscDesign, DenseDesign};
    use crate::problem::FeatureOptions;
    use crate::screening::zero_score;
    use crate::test_fixtures::{correlated_columns, csc_of, lcg};

    fn params(l1_ratio: f64, screening: bool) -> PathParams {
        builder(l1_ratio, screening).check().unwrap()
    }

    fn builder(l1_ratio: f64, screening: bool) -> PathParamsBuilder {
        PathParamsBuilder {
            point: EnetParamsBuilder {
                tol: 0.0,
                rel_tol: 1e-10,
                max_iter: 100_000,
                ..Default::default()
            },
            l1_ratio,
            alphas: AlphaGrid::Auto {
                count: 30,
                min_ratio: 1e-3,
            },
            screening,
            n_jobs: 1,
            early_stop: false,
            precompute: Precompute::Never,
            polish: true,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn objective(
        x: &[f64],
        y: &[f64],
        n: usize,
        coef: &[f64],
        b0: f64,
        l1: f64,
        l2: f64,
        pf: &[f64],
    ) -> f64 {
        let p = coef.len();
        let mut loss = 0.0;
        for i in 0..n {
            let mut r = y[i] - b0;
            for j in 0..p {
                r -= x[j * n + i] * coef[j];
            }
            loss += r * r;
        }
        let pen: f64 = (0..p)
            .map(|j| pf[j] * (l1 * coef[j].abs() + 0.5 * l2 * coef[j] * coef[j]))
            .sum();
        loss / (2.0 * n as f64) + pen
    }

    #[test]
    fn screened_path_equals_unscreened_path() {
        for &(n, p, l1_ratio) in &[(40, 120, 1.0), (100, 30, 0.5), (30, 200, 0.9)] {
            let d = correlated_columns(n, p, 7);
            let design = DenseDesign::new(&d.x, n, p).unwrap();
            let pb = Problem::new(&design, &d.y, None, true).unwrap();
            let a = fit_path(&pb, &params(l1_ratio, true), None).unwrap();
            let b = fit_path(&pb, &params(l1_ratio, false), None).unwrap();
            assert_eq!(a.alphas, b.alphas);
            for k in 0..a.alphas.len() {
                let rel = (a.primals[k] - b.primals[k]).abs() / b.primals[k];
                assert!(rel < 1e-8, "α[{k}]: {} vs {}", a.primals[k], b.primals[k]);
                assert!(a.dual_gaps[k] >= 0.0 && a.converged[k]);
            }
        }
    }

    #[test]
    fn an_unreachable_target_still_finds_the_whole_solution() {
        // With no target a working-set solve can reach (tol 0), every α still ends at the
        // solution: the epochs it may run are shared with the KKT check's violators, not all
        // spent on the first strong set. A single small α (the estimators' one-α path, cold)
        // and a whole path, in covariance and residual modes, p > n and n > p.
        for &(n, p, seed) in &[(60, 200, 23), (200, 40, 29)] {
            let d = correlated_columns(n, p, seed);
            let design = DenseDesign::new(&d.x, n, p).unwrap();
            let pb = Problem::new(&design, &d.y, None, true).unwrap();
            let tight = fit_path(&pb, &params(1.0, true), None).unwrap();
            let small = tight.alphas[tight.alphas.len() - 5];
            for precompute in [Precompute::Always, Precompute::Never] {
                for grid in [
                    AlphaGrid::Given(vec![small]),
                    AlphaGrid::Given(tight.alphas.clone()),
                ] {
                    let mut b = builder(1.0, true);
                    b.point.rel_tol = 0.0;
                    b.point.max_iter = 3000;
                    b.precompute = precompute;
                    b.alphas = grid;
                    let fit = fit_path(&pb, &b.check().unwrap(), None).unwrap();
                    for (k, &alpha) in fit.alphas.iter().enumerate() {
                        let t = tight.alphas.iter().position(|&a| a == alpha).unwrap();
                        let excess = (fit.primals[k] - tight.primals[t]) / tight.primals[t];
                        assert!(
                            excess <= 1e-9 && fit.dual_gaps[k] <= 1e-9 * tight.primals[t],
                            "{n}×{p} {precompute:?}, α {alpha}: excess {excess:e}, gap {:e}",
                            fit.dual_gaps[k]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn kkt_holds_at_every_point_and_gap_is_nonnegative() {
        let (n, p) = (50, 150);
        let d = correlated_columns(n, p, 11);
        let design = DenseDesign::new(&d.x, n, p).unwrap();
        let pf: Vec<f64> = (0..p)
            .map(|j| if j == 5 { 0.0 } else { 1.0 + (j % 3) as f64 })
            .collect();
        let lo: Vec<f64> = (0..p)
            .map(|j| if j % 4 == 0 { 0.0 } else { -1.0 })
            .collect();
        let hi: Vec<f64> = (0..p).map(|j| if j == 1 { 0.0 } else { 2.5 }).collect();
        let opts = FeatureOptions {
            penalty_factor: Some(&pf),
            lower_bounds: Some(&lo),
            upper_bounds: Some(&hi),
            standardize: true,
        };
        let pb = Problem::with_options(&design, &d.y, None, true, &opts).unwrap();
        let prm = params(0.8, true);
        let fit = fit_path(&pb, &prm, None).unwrap();
        let pf_scaled = &pb.penalty_factor;
        for k in 0..fit.alphas.len() {
            assert!(fit.dual_gaps[k] >= 0.0);
            assert!(
                fit.converged[k],
                "α[{k}] not converged, gap {}",
                fit.dual_gaps[k]
            );
            let coef = &fit.coef(k);
            // bounds respected (original scale)
            for j in 0..p {
                assert!(
                    coef[j] >= lo[j] - 1e-12 && coef[j] <= hi[j] + 1e-12,
                    "bound {j}"
                );
            }
            // KKT on the original scale: g_j = x̃_jᵀr/n in ∂ of pf_j(l1|β|·s + ...) — checked on
            // the internal scale via a fresh CD state.
            let internal = pb.to_internal(coef);
            let alpha = fit.alphas[k];
            let e = EnetParamsBuilder::from_alpha(alpha, 0.8).check().unwrap();
            let cd = CoordinateDescent::new(&pb, &e, Some(coef)).unwrap();
            let (l1, l2) = (alpha * 0.8 * n as f64, alpha * 0.2 * n as f64);
            let slack = 1e-5 * (1.0 + pb.y_norm2.sqrt());
            for j in 0..p {
                if pb.excluded[j] {
                    assert_eq!(internal[j], 0.0, "excluded feature {j} moved at α[{k}]");
                    continue;
                }
                let g = cd.gradient(j) - l2 * pf_scaled[j] * internal[j];
                let t = l1 * pf_scaled[j];
                let b = internal[j];
                let (lo_j, hi_j) = (pb.lower[j], pb.upper[j]);
                let ok = if b > lo_j && b < hi_j && b != 0.0 {
                    (g - t * b.signum()).abs() <= slack
                } else if b == 0.0 {
                    zero_score(g, lo_j, hi_j) <= t + slack
                } else if b >= hi_j {
                    g >= t - slack
                } else {
                    g <= -t + slack
                };
                assert!(ok, "KKT fails at α[{k}], feature {j}: b={b}, g={g}, t={t}");
            }
        }
    }

    #[test]
    fn polished_points_stay_certified_and_gain_accuracy() {
        // On a loose path each certified point is polished (violators enter, then a Newton
        // step on the support): it stays certified (its gap P_new − D still bounds its excess
        // over a tight path's objective), the objective it reports is that of its
        // coefficients, and the worst excess over the path is well below the unpolished
        // path's.
        for &(n, p, l1_ratio, seed) in &[(60, 200, 1.0, 13), (200, 40, 0.7, 17)] {
            let d = correlated_columns(n, p, seed);
            let design = DenseDesign::new(&d.x, n, p).unwrap();
            let pb = Problem::new(&design, &d.y, None, true).unwrap();
            let tight = fit_path(&pb, &params(l1_ratio, true), None).unwrap();
            let loose = |polish: bool| {
                let mut b = builder(l1_ratio, true);
                b.point.rel_tol = 1e-3;
                b.polish = polish;
                fit_path(&pb, &b.check().unwrap(), None).unwrap()
            };
            let excess =
                |f: &PathFit, k: usize| (f.primals[k] - tight.primals[k]) / tight.primals[k];
            let (a, b) = (loose(true), loose(false));
            assert_eq!(a.alphas, tight.alphas);
            let (mut worst_a, mut worst_b) = (0.0f64, 0.0f64);
            for k in 0..a.alphas.len() {
                assert!(a.converged[k]);
                let ex = excess(&a, k);
                assert!(ex >= -1e-9, "α[{k}] below the optimum: {ex}");
                assert!(
                    a.dual_gaps[k] >= (ex - 1e-9) * tight.primals[k],
                    "α[{k}]: gap {} below the excess {}",
                    a.dual_gaps[k],
                    ex * tight.primals[k]
                );
                let alpha = a.alphas[k];
                let obj = objective(
                    &d.x,
                    &d.y,
                    n,
                    &a.coef(k),
                    a.intercepts[k],
                    l1_ratio * alpha,
                    (1.0 - l1_ratio) * alpha,
                    &vec![1.0; p],
                );
                assert!(
                    (obj - a.primals[k]).abs() <= 1e-10 * obj,
                    "α[{k}] objective"
                );
                worst_a = worst_a.max(ex);
                worst_b = worst_b.max(excess(&b, k));
            }
            assert!(
                worst_a < 0.1 * worst_b,
                "n={n}: worst excess {worst_a:.2e} polished, {worst_b:.2e} not"
            );
        }
    }

    #[test]
    fn penalty_factor_zero_and_inf() {
        let (n, p) = (60, 20);
        let d = correlated_columns(n, p, 3);
        let design = DenseDesign::new(&d.x, n, p).unwrap();
        let mut pf = vec![1.0; p];
        pf[7] = 0.0;
        pf[0] = f64::INFINITY;
        let opts = FeatureOptions {
            penalty_factor: Some(&pf),
            ..Default::default()
        };
        let pb = Problem::with_options(&design, &d.y, None, true, &opts).unwrap();
        let fit = fit_path(&pb, &params(1.0, true), None).unwrap();
        for k in 0..fit.alphas.len() {
            let coef = &fit.coef(k);
            assert_eq!(coef[0], 0.0);
            assert!(coef[7] != 0.0, "unpenalised feature must be in the model");
            assert!(fit.converged[k]);
        }
        // at α_max only the unpenalised feature is non-zero
        let first = &fit.coef(0);
        assert!(first.iter().enumerate().all(|(j, &c)| j == 7 || c == 0.0));
    }

    #[test]
    fn path_objective_matches_brute_force_check() {
        // The objective reported by the path equals the objective evaluated from scratch.
        let (n, p) = (30, 10);
        let d = correlated_columns(n, p, 5);
        let design = DenseDesign::new(&d.x, n, p).unwrap();
        let pb = Problem::new(&design, &d.y, None, true).unwrap();
        let fit = fit_path(&pb, &params(0.7, true), None).unwrap();
        for k in 0..fit.alphas.len() {
            let coef = &fit.coef(k);
            let a = fit.alphas[k];
            let obj = objective(
                &d.x,
                &d.y,
                n,
                coef,
                fit.intercepts[k],
                0.7 * a,
                0.3 * a,
                &vec![1.0; p],
            );
            assert!((obj - fit.primals[k]).abs() <= 1e-10 * obj.max(1.0));
        }
    }

    #[test]
    fn sparse_equals_dense_with_weights_and_standardize() {
        let (n, p) = (40, 25);
        let mut d = correlated_columns(n, p, 9);
        // sparsify
        for (i, v) in d.x.iter_mut().enumerate() {
            if i % 3 != 0 {
                *v = 0.0;
            }
        }
        let (vals, indices, indptr) = csc_of(&d.x, n, p);
        let w: Vec<f64> = lcg(99, n).iter().map(|v| v.abs() + 0.1).collect();
        let opts = FeatureOptions {
            standardize: true,
            ..Default::default()
        };
        let dense = DenseDesign::new(&d.x, n, p).unwrap();
        let csc = CscDesign::new(&vals, &indices, &indptr, n).unwrap();
        for intercept in [true, false] {
            let pa = Problem::with_options(&dense, &d.y, Some(&w), intercept, &opts).unwrap();
            let pbs = Problem::with_options(&csc, &d.y, Some(&w), intercept, &opts).unwrap();
            let a = fit_path(&pa, &params(1.0, true), None).unwrap();
            let b = fit_path(&pbs, &params(1.0, true), None).unwrap();
            for k in 0..a.alphas.len() {
                assert!((a.alphas[k] - b.alphas[k]).abs() <= 1e-12 * a.alphas[0]);
                let rel = (a.primals[k] - b.primals[k]).abs() / b.primals[k];
                assert!(rel < 1e-8);
            }
        }
    }

    #[test]
    fn covariance_mode_equals_residual_mode() {
        // Gram mode keeps the gradient instead of the residual; the path must not change,
        // whatever the weights, intercept, standardisation, penalty factors and bounds.
        let (n, p) = (80, 12);
        let d = correlated_columns(n, p, 21);
        let w: Vec<f64> = lcg(5, n).iter().map(|v| v.abs() + 0.2).collect();
        let mut pf = vec![1.0; p];
        pf[2] = 0.0;
        pf[4] = 3.0;
        let lo: Vec<f64> = (0..p)
            .map(|j| if j == 1 { -0.5 } else { f64::NEG_INFINITY })
            .collect();
        let hi: Vec<f64> = (0..p)
            .map(|j| if j == 3 { 0.0 } else { f64::INFINITY })
            .collect();
        let design = DenseDesign::new(&d.x, n, p).unwrap();
        for (intercept, standardize, weights) in [
            (true, false, false),
            (true, true, true),
            (false, true, true),
        ] {
            let opts = FeatureOptions {
                penalty_factor: Some(&pf),
                lower_bounds: Some(&lo),
                upper_bounds: Some(&hi),
                standardize,
            };
            let pb =
                Problem::with_options(&design, &d.y, weights.then_some(&w[..]), intercept, &opts)
                    .unwrap();
            for l1_ratio in [1.0, 0.6] {
                let residual = fit_path(&pb, &params(l1_ratio, true), None).unwrap();
                let mut prm = params(l1_ratio, true);
                prm.precompute = Precompute::Always;
                let gram = fit_path(&pb, &prm, None).unwrap();
                for k in 0..gram.alphas.len() {
                    assert!((residual.alphas[k] - gram.alphas[k]).abs() <= 1e-12 * gram.alphas[0]);
                    let rel = (gram.primals[k] - residual.primals[k]).abs() / residual.primals[k];
                    assert!(
                        rel < 1e-9,
                        "α[{k}]: {} vs {}",
                        gram.primals[k],
                        residual.primals[k]
                    );
                    assert!(gram.converged[k] && gram.dual_gaps[k] >= 0.0);
                    assert!((gram.intercepts[k] - residual.intercepts[k]).abs() < 1e-6);
                }
            }
        }
    }

    #[test]
    fn extrapolated_warm_start_is_exact_on_a_fixed_support() {
        // Orthogonal centred columns with xᵀx = n: the lasso solution is soft-thresholding of
        // c = Xᵀy/n, linear in α between the points where a feature enters.
        let (n, p) = (8, 3);
        let sign = |i: usize, m: usize| if (i >> m) & 1 == 0 { 1.0 } else { -1.0 };
        let x: Vec<f64> = (0..p)
            .flat_map(|j| (0..n).map(move |i| sign(i, j)))
            .collect();
        let c = [3.0, -2.0, 1.0];
        let y: Vec<f64> = (0..n)
            .map(|i| 0.5 + (0..p).map(|j| c[j] * x[j * n + i]).sum::<f64>())
            .collect();
        let design = DenseDesign::new(&x, n, p).unwrap();
        let pb = Problem::new(&design, &y, None, true).unwrap();
        let fit = fit_path(&pb, &params(1.0, true), None).unwrap();
        let support = |k: usize| fit.nonzeros(k).0.to_vec();
        let mut exact_starts = 0;
        for (k, &alpha) in fit.alphas.iter().enumerate() {
            let (idx, val) = fit.nonzeros(k);
            let closed: Vec<f64> = c.iter().map(|&v| soft_threshold(v, alpha)).collect();
            for (j, &want) in closed.iter().enumerate() {
                let b = idx
                    .iter()
                    .position(|&i| i as usize == j)
                    .map_or(0.0, |q| val[q]);
                assert!((b - want).abs() < 1e-9, "α[{k}] coef {j}: {b} vs {want}");
            }
            // the last two solutions and this one share a support: the warm start is already
            // the solution, so no epoch is run
            if k >= 3 && support(k - 2) == support(k) && support(k - 1) == support(k) {
                assert_eq!(fit.n_iters[k], 0, "α[{k}]");
                exact_starts += 1;
            }
        }
        assert!(exact_starts >= 15, "{exact_starts}");
    }

    #[test]
    fn bad_params_rejected() {
        let b = PathParamsBuilder {
            l1_ratio: 1.5,
            ..Default::default()
        };
        assert!(b.check().is_err());
        let b = PathParamsBuilder {
            alphas: AlphaGrid::Given(vec![]),
            ..Default::default()
        };
        assert!(b.check().is_err());
    }
}
