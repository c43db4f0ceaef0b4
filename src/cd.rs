//! Coordinate descent for the elastic net on one penalty value (the point solver), generic over
//! the design, with per-feature penalty factors and box constraints. The duality gap is both
//! the stopping rule and the certificate returned.
//!
//! Objective (× n, internal standardised coefficients b):
//! `P(b) = ½‖ỹ − X̂b‖²_W + Σ_j h_j(b_j)`, `h_j(b) = pf_j(l1|b| + l2/2 b²) + ι[lo_j, hi_j](b)`.
//! Dual: `D(θ) = ⟨ỹ, θ⟩_W − ½‖θ‖²_W − Σ_j h_j*(x̂_jᵀWθ)`, maximised at θ* = r*. The dual point
//! is built from the residual r. An unpenalised feature has `h_j*(u) = max(hi_j·u, lo_j·u)`,
//! infinite for u ≠ 0 towards an unbounded side, so r is first projected W-orthogonally onto
//! `{θ : X̂_Pᵀ W θ = 0}` for the set P of unpenalised features that are strictly inside their
//! box, or whose correlation would otherwise point towards an unbounded side (a small Cholesky
//! solve; `X̂ᵀWX̂_U` is cached for all unpenalised U). Unpenalised features resting on a finite
//! bound are left out of P, since their optimal dual correlation is not zero. The projected
//! point is then scaled by c ∈ (0, 1] into the domain of the penalised conjugates. For j ∈ P,
//! `x̂_jᵀWθ` is zero up to rounding and is taken as exactly zero (`h_j*(0) = 0` for any box).

use rayon::prelude::*;

use crate::design::{axpy, dot, dot3, prefetch, Design};
use crate::error::{FastregError, Result};
use crate::gram::GramStats;
use crate::params::{EnetParams, Selection};
use crate::problem::{PerFeature, Problem};
use crate::screening::{gap_safe_keep, FeatureRules};

/// Result of one fit. `dual_gap` is in the units of the objective (divided by n); `coef` is on
/// the original scale of X.
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
        (((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as u128 * n as u128) >> 53) as usize
    }
}

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

/// `h*(u) = sup_{b ∈ [lo, hi]} u·b − l1|b| − l2/2·b²` (requires lo ≤ 0 ≤ hi). Infinite when
/// the supremum is; a point within rounding of the domain's edge is treated as on it.
#[inline]
pub fn conjugate(u: f64, l1: f64, l2: f64, lo: f64, hi: f64) -> f64 {
    let b = if l2 > 0.0 {
        (soft_threshold(u, l1) / l2).clamp(lo, hi)
    } else if u > l1 {
        hi
    } else if u < -l1 {
        lo
    } else {
        0.0
    };
    if b == 0.0 {
        return 0.0;
    }
    if b.is_infinite() {
        // only possible with l2 = 0: (|u| − l1)·∞
        let excess = u.abs() - l1;
        return if excess <= 1e-12 * l1.max(f64::MIN_POSITIVE) {
            0.0
        } else {
            f64::INFINITY
        };
    }
    u * b - l1 * b.abs() - 0.5 * l2 * b * b
}

/// Stopping target for the duality gap (solver units): scikit-learn's `tol·‖ỹ‖²_W`, or
/// `rel_tol·P`, whichever is larger.
#[derive(Clone, Copy, Debug)]
pub struct GapTarget {
    pub scaled: f64,
    pub relative: f64,
}

impl GapTarget {
    fn of(prm: &EnetParams, y_norm2: f64) -> Self {
        GapTarget {
            scaled: prm.tol() * y_norm2,
            relative: prm.rel_tol(),
        }
    }
    #[inline]
    pub fn reached(&self, gap: f64, primal: f64) -> bool {
        gap <= self.scaled.max(self.relative * primal)
    }
}

/// Time of one flop of the Newton step's Cholesky factorisation over that of one flop of a
/// coordinate-descent epoch. Measured on the `wide-dense` path (500 × 10,000, supports up to
/// 400 features, tol 1e-6): 1.07 s with 1 (flops counted alike), 0.77 s with 0.3, 0.73 s with
/// 0.1, 0.78 s with 0.03; `tall-dense` 0.42 s → 0.39 s; the other suite problems unchanged.
const CHOLESKY_FLOP_COST: f64 = 0.1;

/// How many coordinates ahead an epoch prefetches (see `prefetch_ahead`), from how many
/// features on (below, the per-feature arrays stay in cache and the hints cost a little:
/// wide-dense, p = 10,000, 0.656 s → 0.674 s). Paths at tol 1e-6: `very-sparse` (p = 10⁶)
/// 69 s → 60 s, `sparse-text` (p = 50,000) 2.87 s → 2.61 s.
const PREFETCH_FAR: usize = 16;
const PREFETCH_NEAR: usize = 4;
const PREFETCH_MIN_FEATURES: usize = 32_768;

/// Conjugate-gradient iterations a Newton step is costed at when it solves by CG (the solve
/// stops earlier when converged, or at [`CG_MAX_ITERATIONS`]). Measured at tol 1e-6: with 40,
/// `very-sparse` (supports up to 17,000 features, beyond a Cholesky factor) took 69 s against
/// 80 s without CG (epochs 44,580 → 33,751); the other suite problems kept the Cholesky step
/// and did not change. With 10, `wide-dense` chose CG over a cold Gram cache and went from
/// 0.65 s to 0.94 s. After the path's extrapolated warm starts, 20: `very-sparse` tol 1e-4
/// 23.0 s → 21.4 s, tol 1e-6 34.9 s → 32.5 s, though there every CG solve runs all
/// [`CG_MAX_ITERATIONS`] (a step of 100 products gains more than 20 steps' worth of epochs);
/// `wide-dense`, `sparse-text`, `genomic` unchanged.
const CG_NOMINAL_ITERATIONS: f64 = 20.0;
const CG_MAX_ITERATIONS: usize = 100;

/// Primal, dual and gap at the current iterate, with what gap-safe screening needs.
#[derive(Clone, Copy, Debug)]
pub struct GapInfo {
    pub primal: f64,
    pub dual: f64,
    pub gap: f64,
    /// Scaling c of the dual point θ = c·θ'.
    pub scale: f64,
}

/// Cached quantities for projecting out the unpenalised features.
struct Projection {
    features: Vec<usize>,
    /// `G = X̂_UᵀWX̂_U`, row-major.
    gram: Vec<f64>,
    /// `X̂ᵀWX̂_U`, row j has the |U| entries of feature j.
    cross: Vec<f64>,
    /// `X̂_UᵀWỹ`
    xty: Vec<f64>,
}

impl Projection {
    fn new<D: Design>(pb: &Problem<'_, D>) -> Option<Self> {
        let u = pb.unpenalised.clone();
        if u.is_empty() {
            return None;
        }
        let (n, p, m) = (pb.n_samples(), pb.n_features(), u.len());
        let mut cross = vec![0.0; p * m];
        let (mut col, mut wcol) = (vec![0.0; n], Vec::new());
        let all: Vec<usize> = (0..p).collect();
        for (k, &ju) in u.iter().enumerate() {
            for (j, v) in inner_products(pb, ju, &all, &mut col, &mut wcol)
                .into_iter()
                .enumerate()
            {
                cross[j * m + k] = v;
            }
        }
        let mut gram = vec![0.0; m * m];
        for (a, &ja) in u.iter().enumerate() {
            for b in 0..m {
                gram[a * m + b] = cross[ja * m + b];
            }
        }
        let xty = u
            .iter()
            .map(|&j| pb.centred_wdot(j, &pb.y_centred, weighted_sum(pb, &pb.y_centred)))
            .collect();
        Some(Projection {
            features: u,
            gram,
            cross,
            xty,
        })
    }

    /// Solves `G_PP a = rhs` for the subset P (indices into `features`).
    fn solve(&self, subset: &[usize], rhs: &[f64]) -> Vec<f64> {
        let m_all = self.features.len();
        let m = subset.len();
        let mut g = vec![0.0; m * m];
        for (a, &ia) in subset.iter().enumerate() {
            for (b, &ib) in subset.iter().enumerate() {
                g[a * m + b] = self.gram[ia * m_all + ib];
            }
        }
        let trace: f64 = (0..m).map(|a| g[a * m + a]).sum();
        let l = cholesky(&g, m, 1e-12 * trace.max(f64::MIN_POSITIVE));
        let mut z = rhs.to_vec();
        for i in 0..m {
            let s: f64 = (0..i).map(|k| l[i * m + k] * z[k]).sum();
            z[i] = (z[i] - s) / l[i * m + i];
        }
        for i in (0..m).rev() {
            let s: f64 = (i + 1..m).map(|k| l[k * m + i] * z[k]).sum();
            z[i] = (z[i] - s) / l[i * m + i];
        }
        z
    }
}

/// Cholesky factor of a symmetric positive semi-definite m×m matrix, with `jitter` added to
/// the diagonal so collinear unpenalised columns still factor.
fn cholesky(a: &[f64], m: usize, jitter: f64) -> Vec<f64> {
    let mut l = vec![0.0; m * m];
    for i in 0..m {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i * m + k] * l[j * m + k]).sum();
            if i == j {
                l[i * m + i] = (a[i * m + i] + jitter - s).max(jitter).sqrt();
            } else {
                l[i * m + j] = (a[i * m + j] - s) / l[j * m + j];
            }
        }
    }
    l
}

/// Cache of inner products `x̂_jᵀWx̂_k` among a growing set of features (for the Newton step
/// in residual mode).
#[derive(Default)]
struct SupportGram {
    features: Vec<usize>,
    position: std::collections::HashMap<usize, usize>,
    /// `cols[c][d]` = inner product of `features[c]` and `features[d]`.
    cols: Vec<Vec<f64>>,
}

impl SupportGram {
    /// Entries the cache may always hold (512 KiB), whatever X's size.
    const MIN_CAP: f64 = 65536.0;
    /// Entries it never exceeds (4096 features, 128 MiB).
    const MAX_CAP: f64 = 4096.0 * 4096.0;

    fn has(&self, j: usize) -> bool {
        self.position.contains_key(&j)
    }

    fn clear(&mut self) {
        self.features.clear();
        self.position.clear();
        self.cols.clear();
    }

    /// Adds `new` (not yet cached): each new column of X is scattered once and dotted with
    /// every cached feature and the new ones by the design's multi-column dots.
    fn extend<D: Design>(&mut self, pb: &Problem<'_, D>, new: &[usize]) {
        if new.is_empty() {
            return;
        }
        for &k in new {
            self.position.insert(k, self.features.len());
            self.features.push(k);
        }
        let first_new = self.features.len() - new.len();
        let mut col = vec![0.0; pb.n_samples()];
        let mut wcol = Vec::new();
        for (i, &k) in new.iter().enumerate() {
            let upto = first_new + i + 1;
            let column = inner_products(pb, k, &self.features[..upto], &mut col, &mut wcol);
            for (c, &v) in column[..upto - 1].iter().enumerate() {
                self.cols[c].push(v);
            }
            self.cols.push(column);
        }
    }
}

/// `x̂_jᵀWx̂_k` for every j of `features`, using `col` (n zeros, left zero) to hold column k
/// and `wcol` as scratch: x̂_jᵀW x̂_k = s_k·x̂_jᵀW x_k because x̂_j is W-centred (or μ = 0
/// without an intercept).
fn inner_products<D: Design>(
    pb: &Problem<'_, D>,
    k: usize,
    features: &[usize],
    col: &mut [f64],
    wcol: &mut Vec<f64>,
) -> Vec<f64> {
    // unscaled, so that subtracting the column again leaves exact zeros
    pb.design.col_axpy(k, 1.0, col);
    let col_sum = weighted_sum(pb, col);
    wcol.clear();
    match pb.weights() {
        None => wcol.extend_from_slice(col),
        Some(w) => wcol.extend(w.iter().zip(col.iter()).map(|(a, b)| a * b)),
    }
    let mut out = vec![0.0; features.len()];
    pb.centred_dots(features, wcol, col_sum, &mut out);
    let s = pb.inv_scale[k];
    out.iter_mut().for_each(|v| *v *= s);
    pb.design.col_axpy(k, -1.0, col);
    out
}

/// State of coordinate descent on a support through its Gram block: the gradients of the
/// support's features kept up to date by O(|support|) updates, and the coefficient changes not
/// yet applied to the residual.
struct SupportEpochs {
    /// `X̂_SᵀWX̂_S`, column-major.
    block: Vec<f64>,
    grad: Vec<f64>,
    pending: Vec<f64>,
    /// Whether the residual has every change (`pending` is zero).
    flushed: bool,
}

impl SupportEpochs {
    /// The support's gradients after its k-th coefficient changed by `delta`.
    #[inline]
    fn coef_moved(&mut self, k: usize, delta: f64) {
        let m = self.grad.len();
        axpy(-delta, &self.block[k * m..(k + 1) * m], &mut self.grad);
    }
}

fn sign_of(b: f64) -> i8 {
    if b > 0.0 {
        1
    } else if b < 0.0 {
        -1
    } else {
        0
    }
}

fn weighted_sum<D: Design>(pb: &Problem<'_, D>, v: &[f64]) -> f64 {
    match pb.weights() {
        None => v.iter().sum(),
        Some(w) => dot(w, v),
    }
}

/// Rolling window of the last iterates (CD coefficients on a fixed feature list, or residuals)
/// for Anderson extrapolation.
///
/// The coefficient window is not cleared when signs change. It once was, and on a large
/// support, where a few of 10,000 coordinates cross zero in most windows, extrapolation then
/// hardly ever ran, and when it ran from a fresh window it was mostly rejected (`sparse-text`,
/// the last third of the path). Windows that roll on, tried every [`Self::EXTRAPOLATE_EVERY`]
/// epochs with the crossing coordinates held at zero, are mostly accepted there.
struct Anderson {
    hist: Vec<Vec<f64>>,
}

impl Anderson {
    /// Iterates kept: K + 1 with K = 5 differences, as skglm and celer.
    const DEPTH: usize = 6;
    /// Epochs between trials of a full window (a trial saves the residual and updates it over
    /// the support; a rejected one copies it back).
    const EXTRAPOLATE_EVERY: usize = 3;

    fn new() -> Self {
        Anderson {
            hist: Vec::with_capacity(Self::DEPTH),
        }
    }

    /// Records a vector in a rolling window of the last `DEPTH`.
    fn push_rolling(&mut self, v: Vec<f64>) {
        if self.hist.len() == Self::DEPTH {
            self.hist.remove(0);
        }
        self.hist.push(v);
    }

    fn is_full(&self) -> bool {
        self.hist.len() == Self::DEPTH
    }

    /// `Σ c_k w_k` with `c = (UᵀU)⁻¹1 / 1ᵀ(UᵀU)⁻¹1`, U the iterate differences. None if the
    /// system is degenerate.
    fn extrapolate(&self) -> Option<Vec<f64>> {
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
        let l = cholesky(&gram, k, 1e-10 * trace);
        let mut z = vec![1.0; k];
        for i in 0..k {
            let s: f64 = (0..i).map(|m| l[i * k + m] * z[m]).sum();
            z[i] = (z[i] - s) / l[i * k + i];
        }
        for i in (0..k).rev() {
            let s: f64 = (i + 1..k).map(|m| l[m * k + i] * z[m]).sum();
            z[i] = (z[i] - s) / l[i * k + i];
        }
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

/// Runs `f` on fixed chunks of `features` and the matching chunks of `out`, over `pool`'s
/// threads when it has several: the chunks are the same for any thread count, so are the
/// results.
fn in_chunks<T: Send>(
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

/// The features a gap is taken over: all p of them (no index list, which at a million
/// features would cost as much memory as the gradient), or a list.
#[derive(Clone, Copy, Debug)]
pub enum Features<'a> {
    All(usize),
    Of(&'a [usize]),
}

impl Features<'_> {
    pub fn len(&self) -> usize {
        match self {
            Features::All(p) => *p,
            Features::Of(f) => f.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The k-th feature.
    #[inline]
    pub fn get(&self, k: usize) -> usize {
        match self {
            Features::All(_) => k,
            Features::Of(f) => f[k],
        }
    }
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).map(|k| self.get(k))
    }
}

/// Outcome of [`CoordinateDescent::solve_on`].
#[derive(Clone, Debug)]
pub struct PointSolve {
    pub info: GapInfo,
    pub n_iter: usize,
    pub converged: bool,
    /// When converged: features (a subset of the given ones, in their order) and their
    /// gradients at the final iterate, from the gap that certified it, for a gradient sweep
    /// not to redo them.
    pub gradients: Option<(Vec<usize>, Vec<f64>)>,
}

/// Features per block of [`CoordinateDescent::gradient_sweep`]: its lists of features and
/// values are at most this long (64 chunks of [`in_chunks`]).
const SWEEP_BLOCK: usize = 1 << 14;

/// What [`CoordinateDescent::gradient_sweep`] remembers between sweeps: each feature's |g_j|
/// at its last evaluation and the residual's travelled distance then, the travelled distance
/// so far and the last residual. The per-feature values are kept in f32, rounded outwards
/// (|g_j| up, the distance down), so the bound they give is only ever looser: half the room
/// of f64 for what is only a bound. Once a sweep skips fewer than half the features it
/// examines, the bounds are dropped and later sweeps compute every gradient (`off`).
#[derive(Clone, Debug, Default)]
pub struct SweepBounds {
    abs_grad: Vec<f32>,
    travelled_at: Vec<f32>,
    travelled: f64,
    last_resid: Vec<f64>,
    off: bool,
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
    fn record(&mut self, j: usize, bound: f64) {
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
    fn turn_off(&mut self) {
        *self = SweepBounds {
            off: true,
            ..Default::default()
        };
    }

    /// A bound on |g_j| now, for a column of norm `norm` (Cauchy–Schwarz), with `slack` added
    /// to the distance for rounding.
    #[inline]
    fn bound(&self, j: usize, norm: f64, slack: f64) -> f64 {
        self.abs_grad[j] as f64 + norm * (self.travelled - self.travelled_at[j] as f64 + slack)
    }
}

/// What the solver keeps up to date as coefficients change: the residual (n values, a
/// coordinate update costs one column of X), or, in covariance mode, the gradient (p values,
/// an update costs one column of the Gram matrix X̂ᵀWX̂, computed once). The algorithm above
/// the two is the same.
enum State {
    /// The residual kept uncentred (`r_raw = ỹ − Xβ`) with two scalars that apply the centring
    /// implicitly: the true residual is `r_raw + shift`.
    Residual {
        resid: Vec<f64>,
        /// `Σ_i w_i r_raw_i`
        wsum: f64,
        /// `μᵀβ`
        shift: f64,
    },
    /// Covariance mode (glmnet's `type.gaussian = "covariance"`): `gram` = X̂ᵀWX̂ (p × p,
    /// column-major), `xty` = X̂ᵀWỹ, and `grad` = xty − gram·b.
    Gram {
        gram: Vec<f64>,
        xty: Vec<f64>,
        grad: Vec<f64>,
    },
}

/// Whether to solve in covariance mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Precompute {
    /// Covariance mode for dense X with n > p and p ≤ [`GRAM_MAX_FEATURES`].
    #[default]
    Auto,
    Always,
    Never,
}

/// Largest p for which `Precompute::Auto` builds a Gram matrix (p² doubles: 72 MB here).
pub const GRAM_MAX_FEATURES: usize = 3000;

impl Precompute {
    pub fn wanted<D: Design>(self, design: &D) -> bool {
        match self {
            Precompute::Always => true,
            Precompute::Never => false,
            Precompute::Auto => {
                let (n, p) = (design.n_samples(), design.n_features());
                !design.is_sparse() && n > p && p <= GRAM_MAX_FEATURES
            }
        }
    }
}

/// Coordinate-descent state on one problem.
pub struct CoordinateDescent<'p, 'a, D: Design> {
    pb: &'p Problem<'a, D>,
    l1: f64,
    l2: f64,
    lower: PerFeature,
    upper: PerFeature,
    /// Internal (standardised-scale) coefficients.
    coef: Vec<f64>,
    state: State,
    rng: Option<Rng>,
    projection: Option<Projection>,
    /// Scratch gradient buffer for gap evaluations on a feature list.
    scratch: Vec<f64>,
    /// Extrapolated residual (celer's dual extrapolation) that gave the last solve's gap.
    best_dual: Option<Vec<f64>>,
    /// Inner products of the features the Newton step has used, kept across penalties (the
    /// support grows along a path, so each column is computed once), in residual mode only.
    support_gram: SupportGram,
    /// Stored entries of X (they set [`Self::support_gram_cap`]).
    x_nnz: f64,
    /// Epochs run through a support's Gram block (see [`Self::support_epochs`]).
    pub(crate) n_support_epochs: usize,
}

impl<'p, 'a, D: Design> CoordinateDescent<'p, 'a, D> {
    /// `coef_init` is on the original scale of X.
    pub fn new(
        pb: &'p Problem<'a, D>,
        prm: &EnetParams,
        coef_init: Option<&[f64]>,
    ) -> Result<Self> {
        let p = pb.n_features();
        let mut coef = match coef_init {
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
            Some(c) => pb.to_internal(c),
        };
        let lower = if prm.positive() {
            pb.lower.map(|l| l.max(0.0))
        } else {
            pb.lower.clone()
        };
        let upper = pb.upper.clone();
        for (j, b) in coef.iter_mut().enumerate() {
            *b = if pb.excluded[j] {
                0.0
            } else {
                b.clamp(lower[j], upper[j])
            };
        }
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
            lower,
            upper,
            coef: vec![0.0; p],
            state: State::Residual {
                resid: pb.y_centred.clone(),
                wsum: weighted_sum(pb, &pb.y_centred),
                shift: 0.0,
            },
            rng,
            projection: Projection::new(pb),
            scratch: Vec::new(),
            best_dual: None,
            support_gram: SupportGram::default(),
            x_nnz: (0..p).map(|j| pb.design.col_nnz(j) as f64).sum(),
            n_support_epochs: 0,
        };
        let start: Vec<usize> = (0..p).filter(|&j| coef[j] != 0.0).collect();
        let values: Vec<f64> = start.iter().map(|&j| coef[j]).collect();
        cd.assign(&start, &values);
        Ok(cd)
    }

    /// Switches to covariance mode: builds X̂ᵀWX̂ and X̂ᵀWỹ from the design (one pass over X,
    /// a symmetric rank-k product), after which an update costs O(p) whatever n is.
    pub fn into_gram_mode(self) -> Result<Self> {
        let pb = self.pb;
        let y: Vec<f64> = pb.y_centred.iter().map(|v| v + pb.y_mean).collect();
        let stats = pb.design.gram_stats(&y, 1, pb.weights())?;
        self.into_gram_mode_from(&stats)
    }

    /// Covariance mode from statistics of this problem's rows, response and weights made
    /// elsewhere (e.g. a CV fold's, by down-dating the totals); the weights may be on any
    /// scale (the problem's sum to n).
    pub fn into_gram_mode_from(mut self, stats: &GramStats) -> Result<Self> {
        let pb = self.pb;
        let p = pb.n_features();
        if stats.n_features() != p
            || stats.n_targets() != 1
            || stats.w_sum().partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
        {
            return Err(FastregError::Shape(format!(
                "Gram statistics of {} features and {} targets for a problem with {p} features",
                stats.n_features(),
                stats.n_targets()
            )));
        }
        let (mut gram, mut xty) = stats.system(pb.fit_intercept);
        let c = pb.n_samples() as f64 / stats.w_sum();
        let s = &pb.inv_scale;
        for k in 0..p {
            for j in 0..p {
                gram[k * p + j] *= c * s[j] * s[k];
            }
            xty[k] *= c * s[k];
        }
        self.state = State::Gram {
            grad: vec![0.0; p],
            gram,
            xty,
        };
        self.refresh();
        Ok(self)
    }

    /// Recomputes the gradient in covariance mode from scratch (rounding in the O(p) updates
    /// accumulates over many epochs); nothing to do for the residual.
    pub fn refresh(&mut self) {
        if let State::Gram { gram, xty, grad } = &mut self.state {
            let p = xty.len();
            grad.copy_from_slice(xty);
            for (k, &b) in self.coef.iter().enumerate() {
                if b != 0.0 {
                    axpy(-b, &gram[k * p..(k + 1) * p], grad);
                }
            }
        }
    }

    pub fn in_gram_mode(&self) -> bool {
        matches!(self.state, State::Gram { .. })
    }

    /// Records the change `delta` of internal coefficient j (already applied to `coef`).
    #[inline]
    fn apply(&mut self, j: usize, delta: f64) {
        let pb = self.pb;
        match &mut self.state {
            State::Residual { resid, wsum, shift } => {
                let step = delta * pb.inv_scale[j];
                pb.design.col_axpy(j, -step, resid);
                let mean = pb.x_mean[j];
                *wsum -= step * mean * pb.n_samples() as f64;
                *shift += step * mean;
            }
            State::Gram { gram, grad, .. } => {
                let p = grad.len();
                axpy(-delta, &gram[j * p..(j + 1) * p], grad);
            }
        }
    }

    /// Changes the penalty (original units, i.e. per sample) for the next solve.
    pub fn set_penalty(&mut self, l1: f64, l2: f64) {
        let n = self.pb.n_samples() as f64;
        self.l1 = l1 * n;
        self.l2 = l2 * n;
        self.refresh();
    }

    /// l1 penalty in solver units (× n).
    pub fn l1_scaled(&self) -> f64 {
        self.l1
    }

    pub fn lower(&self) -> &PerFeature {
        &self.lower
    }
    pub fn upper(&self) -> &PerFeature {
        &self.upper
    }

    /// What the screening rules read per feature.
    pub fn rules(&self) -> FeatureRules<'_> {
        FeatureRules {
            penalty_factor: &self.pb.penalty_factor,
            lower: &self.lower,
            upper: &self.upper,
            excluded: &self.pb.excluded,
        }
    }

    /// Internal (standardised-scale) coefficients.
    pub fn coef_internal(&self) -> &[f64] {
        &self.coef
    }

    /// Coefficients on the original scale.
    pub fn coef(&self) -> Vec<f64> {
        self.pb.to_original(&self.coef)
    }

    /// `x̂_jᵀ W r`, the negative partial derivative of the smooth part.
    #[inline]
    pub fn gradient(&self, j: usize) -> f64 {
        match &self.state {
            State::Residual { resid, wsum, .. } => self.pb.centred_wdot(j, resid, *wsum),
            State::Gram { grad, .. } => grad[j],
        }
    }

    /// All p gradients into `out` (the full sweep of the KKT check, never a CD epoch); 0 for
    /// an excluded feature, which takes part in no decision.
    pub fn gradient_all(&self, out: &mut [f64], pool: Option<&rayon::ThreadPool>) {
        self.gradients_except(out, &[], &[], pool);
    }

    /// `out[k]` = the gradient of `features[k]`, split over `pool`'s threads when given. The
    /// weights are applied to the residual once, then the design's multi-column dots run
    /// over fixed chunks of `features`, the same for any thread count, so are the results.
    fn gradients_of(&self, features: &[usize], out: &mut [f64], pool: Option<&rayon::ThreadPool>) {
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
    fn coarse_gradients_of(
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
    fn weighted_residual(&self) -> Option<(std::borrow::Cow<'_, [f64]>, f64)> {
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
    fn coarse_filter(
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
    /// as given. The bounds pay only while they skip most features: filtering and recording
    /// cost about a column dot of a sparse column each, so once a sweep skips fewer than half
    /// of the features it examines the rest of the path computes them all (on the suite,
    /// sparse-text's sweeps skip none after the first third of its path, wide-dense's 98%).
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
    fn gradients_except(
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

    /// Minimises over coordinate j exactly (soft-threshold, then clip to the box: the exact
    /// minimiser of a convex function of one variable on an interval); returns |change| and
    /// |new value|.
    #[inline]
    fn update(&mut self, j: usize) -> (f64, f64) {
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
    fn coordinate_minimiser(&self, j: usize, grad: f64) -> f64 {
        let norm2 = self.pb.col_norm2[j];
        let pf = self.pb.penalty_factor[j];
        let z = grad + norm2 * self.coef[j];
        (soft_threshold(z, self.l1 * pf) / (norm2 + self.l2 * pf))
            .clamp(self.lower[j], self.upper[j])
    }

    /// One pass over `features` (or, with random selection, as many random draws from them).
    /// Returns `(max |β_j|, max |Δβ_j|)` over the visited coordinates.
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
            d_max = d_max.max(d);
            w_max = w_max.max(w);
        }
        (w_max, d_max)
    }

    /// Epochs over `support` through its Gram block when they are the cheaper: an update then
    /// costs O(|support|) for the gradients, and every few epochs one pass applies the changes
    /// to the residual, instead of a column dot and a column axpy per update. Chosen when the
    /// block's updates cost at most the dots (|S|² ≤ nnz(X_S)) and the cache of inner products
    /// it comes from stays within its cap ([`Self::support_gram_cap`]). None in covariance
    /// mode. `grad`, when given, holds the support's current gradients.
    fn support_epochs(&mut self, support: &[usize], grad: Option<&[f64]>) -> Option<SupportEpochs> {
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
    /// columns); the changes wait in `se` for [`Self::flush`] to reach the residual.
    fn support_epoch(&mut self, support: &[usize], se: &mut SupportEpochs) -> (f64, f64) {
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
            if self.pb.col_norm2[j] == 0.0 {
                w_max = w_max.max(old.abs());
                continue;
            }
            let new = self.coordinate_minimiser(j, se.grad[k]);
            let delta = new - old;
            if delta != 0.0 {
                self.coef[j] = new;
                se.pending[k] += delta;
                se.coef_moved(k, delta);
            }
            d_max = d_max.max(delta.abs());
            w_max = w_max.max(new.abs());
        }
        se.flushed = false;
        (w_max, d_max)
    }

    /// Applies the coefficient changes `se` holds back to the residual.
    fn flush(&mut self, support: &[usize], se: &mut SupportEpochs) {
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
    fn support_moved(&self, support: &[usize], before: &[f64], se: &mut SupportEpochs) {
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
    fn prefetch_ahead(&self, features: &[usize], k: usize) {
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

    /// Sets coefficient j to zero, updating the residual.
    fn zero_out(&mut self, j: usize) {
        let old = self.coef[j];
        if old != 0.0 {
            self.coef[j] = 0.0;
            self.apply(j, -old);
        }
    }

    /// `Σ w r²` and `Σ w r ỹ` for the true (centred) residual.
    fn residual_products(&self) -> (f64, f64) {
        let pb = self.pb;
        let (resid, wsum, s) = match &self.state {
            State::Residual { resid, wsum, shift } => (resid, *wsum, *shift),
            State::Gram { xty, grad, .. } => {
                // r = ỹ − X̂b: ‖r‖² = ‖ỹ‖² − bᵀ(X̂ᵀWỹ + g), ⟨r, ỹ⟩ = ‖ỹ‖² − bᵀX̂ᵀWỹ.
                let (bc, bg) = (dot(&self.coef, xty), dot(&self.coef, grad));
                return ((pb.y_norm2 - bc - bg).max(0.0), pb.y_norm2 - bc);
            }
        };
        let n = pb.n_samples() as f64;
        let (rr, ry, y_sum) = match pb.weights() {
            None => (
                dot(resid, resid),
                dot(resid, &pb.y_centred),
                pb.y_centred.iter().sum::<f64>(),
            ),
            Some(w) => (
                dot3(w, resid, resid),
                dot3(w, resid, &pb.y_centred),
                dot(w, &pb.y_centred),
            ),
        };
        ((rr + 2.0 * s * wsum + s * s * n).max(0.0), ry + s * y_sum)
    }

    /// `Σ w r²` for the true residual (solver units): twice the loss.
    pub fn residual_norm2(&self) -> f64 {
        self.residual_products().0
    }

    #[inline]
    fn penalty_value(&self, j: usize) -> f64 {
        let b = self.coef[j];
        let pf = self.pb.penalty_factor[j];
        pf * (self.l1 * b.abs() + 0.5 * self.l2 * b * b)
    }

    /// Primal objective `1/(2n) Σ w r² + Σ_j pf_j (l1|β_j| + l2/2 β_j²)` (internal scale).
    pub fn primal(&self) -> f64 {
        let (rr, _) = self.residual_products();
        let n = self.pb.n_samples() as f64;
        let pen: f64 = (0..self.coef.len()).map(|j| self.penalty_value(j)).sum();
        (0.5 * rr + pen) / n
    }

    /// Duality gap in the solver's units (objective × n) of the full problem.
    pub fn dual_gap_scaled(&mut self) -> f64 {
        let p = self.pb.n_features();
        let mut g = std::mem::take(&mut self.scratch);
        g.clear();
        g.extend((0..p).map(|j| self.gradient(j)));
        let info = self.gap_from_gradient(Features::All(p), &g);
        self.scratch = g;
        info.gap
    }

    /// The dual direction θ' (see the module doc) for `features` with gradients `grad`:
    /// returns `(⟨θ',θ'⟩, ⟨θ',ỹ⟩)` and writes `x̂_jᵀWθ'` into `corr` (exact zeros for the
    /// projected features).
    fn dual_direction(
        &self,
        features: Features<'_>,
        grad: &[f64],
        corr: &mut Vec<f64>,
    ) -> (f64, f64) {
        let (rr, ry) = self.residual_products();
        corr.clear();
        corr.extend_from_slice(grad);
        let Some(pr) = &self.projection else {
            return (rr, ry);
        };
        let m_all = pr.features.len();
        let g_u: Vec<f64> = pr.features.iter().map(|&j| self.gradient(j)).collect();
        let mut in_p: Vec<bool> = pr
            .features
            .iter()
            .map(|&j| self.coef[j] > self.lower[j] && self.coef[j] < self.upper[j])
            .collect();
        let mut a_full = vec![0.0; m_all];
        loop {
            let subset: Vec<usize> = (0..m_all).filter(|&k| in_p[k]).collect();
            a_full.iter_mut().for_each(|v| *v = 0.0);
            if !subset.is_empty() {
                let rhs: Vec<f64> = subset.iter().map(|&k| g_u[k]).collect();
                for (a, &k) in pr.solve(&subset, &rhs).iter().zip(&subset) {
                    a_full[k] = *a;
                }
            }
            // An unprojected unpenalised feature must not point towards an unbounded side.
            let mut grew = false;
            for k in 0..m_all {
                if in_p[k] {
                    continue;
                }
                let j = pr.features[k];
                let u = g_u[k] - dot(&pr.cross[j * m_all..(j + 1) * m_all], &a_full);
                if conjugate(u, 0.0, 0.0, self.lower[j], self.upper[j]).is_infinite() {
                    in_p[k] = true;
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
        let ag = dot(&a_full, &g_u);
        let mut aga = 0.0;
        for i in 0..m_all {
            aga += a_full[i] * dot(&pr.gram[i * m_all..(i + 1) * m_all], &a_full);
        }
        for (c, j) in corr.iter_mut().zip(features.iter()) {
            *c -= dot(&pr.cross[j * m_all..(j + 1) * m_all], &a_full);
            if self.pb.penalty_factor[j] == 0.0 {
                if let Some(k) = pr.features.iter().position(|&u| u == j) {
                    if in_p[k] {
                        *c = 0.0;
                    }
                }
            }
        }
        ((rr - 2.0 * ag + aga).max(0.0), ry - dot(&a_full, &pr.xty))
    }

    /// Primal, dual and gap of the problem restricted to `features` (coefficients outside must
    /// be zero), given the gradients `grad[k] = x̂_{features[k]}ᵀ W r`. Unpenalised features
    /// must all be in `features`. Also returns the dual point's scaling c; its correlations
    /// `c · corr` (written to `corr`) are what gap-safe screening needs.
    pub fn gap_with_corr(
        &self,
        features: Features<'_>,
        grad: &[f64],
        corr: &mut Vec<f64>,
    ) -> GapInfo {
        let (tt, ty) = self.dual_direction(features, grad, corr);
        self.gap_along(features, corr, tt, ty)
    }

    /// Primal, dual and gap given the dual direction's correlations and products.
    fn gap_along(&self, features: Features<'_>, corr: &[f64], tt: f64, ty: f64) -> GapInfo {
        let pen: f64 = features.iter().map(|j| self.penalty_value(j)).sum();
        let primal = 0.5 * self.residual_products().0 + pen;
        let (dual, scale) = self.dual_best_scale(features, corr, tt, ty);
        GapInfo {
            primal,
            dual,
            gap: (primal - dual).max(0.0),
            scale,
        }
    }

    /// The dual objective at c·θ for the best c ∈ (0, c_max] tried, given a W-centred direction
    /// θ through its correlations `corr[k] = x̂_{features[k]}ᵀWθ` (zero for features projected
    /// out), `⟨θ,θ⟩_W` and `⟨θ,ỹ⟩_W`. Returns `(dual, c)`. Excluded features, held at zero,
    /// take no part (their correlations may be anything).
    fn dual_best_scale(
        &self,
        features: Features<'_>,
        corr: &[f64],
        tt: f64,
        ty: f64,
    ) -> (f64, f64) {
        let pb = self.pb;
        let (l1, l2) = (self.l1, self.l2);
        // Largest c keeping every penalised conjugate finite.
        let mut c_max = 1.0f64;
        for (k, j) in features.iter().enumerate() {
            let pf = pb.penalty_factor[j];
            if pf == 0.0 || l2 * pf > 0.0 || pb.excluded[j] {
                continue;
            }
            let u = corr[k];
            let l1j = l1 * pf;
            if u > l1j && self.upper[j].is_infinite() {
                c_max = c_max.min(l1j / u);
            } else if u < -l1j && self.lower[j].is_infinite() {
                c_max = c_max.min(l1j / -u);
            }
        }
        let dual_at = |c: f64| -> f64 {
            let mut conj = 0.0;
            for (k, j) in features.iter().enumerate() {
                let pf = pb.penalty_factor[j];
                if corr[k] != 0.0 && !pb.excluded[j] {
                    conj += conjugate(c * corr[k], l1 * pf, l2 * pf, self.lower[j], self.upper[j]);
                }
            }
            c * ty - 0.5 * c * c * tt - conj
        };
        let mut best = (dual_at(c_max), c_max);
        if tt > 0.0 {
            let c_q = (ty / tt).clamp(0.0, c_max);
            if c_q < c_max {
                let d = dual_at(c_q);
                if d > best.0 {
                    best = (d, c_q);
                }
            }
        }
        best
    }

    /// The true residual `r_raw + shift` as a vector (for dual extrapolation); `None` in
    /// covariance mode, which keeps no residual.
    fn true_residual(&self) -> Option<Vec<f64>> {
        match &self.state {
            State::Residual { resid, shift, .. } => Some(resid.iter().map(|r| r + shift).collect()),
            State::Gram { .. } => None,
        }
    }

    /// `(⟨θ,θ⟩_W, ⟨θ,ỹ⟩_W)` for θ = v centred (when fitting an intercept).
    fn direction_products(&self, v: &[f64]) -> (f64, f64) {
        let pb = self.pb;
        let n = pb.n_samples() as f64;
        let (vv, vy, v_sum) = match pb.weights() {
            None => (dot(v, v), dot(v, &pb.y_centred), v.iter().sum::<f64>()),
            Some(w) => (dot3(w, v, v), dot3(w, v, &pb.y_centred), dot(w, v)),
        };
        if pb.fit_intercept {
            // ỹ is W-centred, so only ⟨θ,θ⟩ needs the mean removed.
            ((vv - v_sum * v_sum / n).max(0.0), vy)
        } else {
            (vv, vy)
        }
    }

    /// Dual value at an extrapolated residual `v` (W-centred implicitly) over `features`, with
    /// its correlations written to `corr`; `pool` parallelises the sweep. `None` when
    /// unpenalised features need the projection (not supported for extrapolated points).
    pub fn dual_at_point(
        &self,
        features: Features<'_>,
        v: &[f64],
        corr: &mut Vec<f64>,
        pool: Option<&rayon::ThreadPool>,
    ) -> Option<(f64, f64)> {
        if self.projection.is_some() || self.in_gram_mode() {
            return None;
        }
        let v_sum = weighted_sum(self.pb, v);
        corr.clear();
        corr.resize(features.len(), 0.0);
        let pb = self.pb;
        match pool {
            Some(pool) if pool.current_num_threads() > 1 => pool.install(|| {
                corr.par_iter_mut().enumerate().for_each(|(k, c)| {
                    let j = features.get(k);
                    if !pb.excluded[j] {
                        *c = pb.centred_wdot(j, v, v_sum);
                    }
                })
            }),
            _ => {
                for (k, c) in corr.iter_mut().enumerate() {
                    let j = features.get(k);
                    if !pb.excluded[j] {
                        *c = pb.centred_wdot(j, v, v_sum);
                    }
                }
            }
        }
        let (tt, ty) = self.direction_products(v);
        Some(self.dual_best_scale(features, corr, tt, ty))
    }

    /// The extrapolated dual point of the last solve, if it beat the residual's.
    pub fn best_dual_point(&self) -> Option<&[f64]> {
        self.best_dual.as_deref()
    }

    /// As [`Self::gap_with_corr`], discarding the correlations.
    pub fn gap_from_gradient(&self, features: Features<'_>, grad: &[f64]) -> GapInfo {
        if self.projection.is_none() {
            // the direction is the residual itself: its correlations are the gradients
            let (rr, ry) = self.residual_products();
            return self.gap_along(features, grad, rr, ry);
        }
        let mut corr = Vec::with_capacity(features.len());
        self.gap_with_corr(features, grad, &mut corr)
    }

    /// Gap-safe screening of `features` given the dual correlations `corr` and gap info
    /// computed with them: returns the features to keep. Features found inactive are zeroed.
    /// Returns the positions in `features` of those kept, and whether a dropped feature had a
    /// non-zero coefficient (the residual moved).
    fn gap_safe_filter(
        &mut self,
        features: &[usize],
        corr: &[f64],
        info: &GapInfo,
    ) -> (Vec<usize>, bool) {
        let mut keep = Vec::with_capacity(features.len());
        let mut drop = Vec::new();
        for (k, &j) in features.iter().enumerate() {
            let pf = self.pb.penalty_factor[j];
            if pf == 0.0
                || gap_safe_keep(
                    info.scale * corr[k],
                    self.pb.col_norm2[j].sqrt(),
                    info.gap,
                    self.l1 * pf,
                    self.lower[j],
                    self.upper[j],
                )
            {
                keep.push(k);
            } else {
                drop.push(j);
            }
        }
        let moved = drop.iter().any(|&j| self.coef[j] != 0.0);
        for j in drop {
            self.zero_out(j);
        }
        (keep, moved)
    }

    /// Gap of the problem restricted to `features`, with the dual correlations.
    fn gap_on(&mut self, features: &[usize]) -> (GapInfo, Vec<f64>) {
        let mut g = std::mem::take(&mut self.scratch);
        g.clear();
        g.extend(features.iter().map(|&j| self.gradient(j)));
        let mut corr = Vec::with_capacity(features.len());
        let info = self.gap_with_corr(Features::Of(features), &g, &mut corr);
        self.scratch = g;
        (info, corr)
    }

    /// Solves the problem restricted to the working set `features` (others held at zero; must
    /// contain every unpenalised feature) until its duality gap reaches `target`. Each outer
    /// round is a pass over the working set followed by its gap and gap-safe screening (which
    /// removes features for the rest of this solve); between outer rounds, passes over the
    /// non-zero coefficients and the zero ones about to violate their KKT condition only
    /// ([`FeatureRules::near`]), until that sub-problem's gap falls below a fraction of the
    /// working set's gap, so a feature waiting to enter is not kept out by over-solving.
    pub fn solve_on(
        &mut self,
        features: &[usize],
        target: GapTarget,
        max_iter: usize,
    ) -> PointSolve {
        const SUB_GAP_FRACTION: f64 = 0.1;
        const SUB_GAP_EVERY: usize = 10;
        const NEWTON_MIN_STABLE: usize = 3;
        let mut ws: Vec<usize> = features.to_vec();
        let mut n_iter = 0;
        let mut active: Vec<usize> = Vec::with_capacity(ws.len());
        let mut active_grad: Vec<f64> = Vec::with_capacity(ws.len());
        // Residuals of the last epochs for dual extrapolation (celer, Massias et al. 2018):
        // CD residuals converge like a linear recurrence, so an Anderson combination of them
        // is a much better dual point than the last residual.
        let extrapolate_dual = self.projection.is_none() && !self.in_gram_mode();
        let mut residuals = Anderson::new();
        self.best_dual = None;
        let (mut info, _) = self.gap_on(&ws);
        let mut converged = target.reached(info.gap, info.primal);
        while !converged && n_iter < max_iter {
            self.epoch(&ws);
            n_iter += 1;
            if extrapolate_dual {
                residuals.push_rolling(self.true_residual().unwrap_or_default());
            }
            let mut corr;
            (info, corr) = self.gap_on(&ws);
            self.best_dual = None;
            if residuals.is_full() && !target.reached(info.gap, info.primal) {
                if let Some(v) = residuals.extrapolate() {
                    let mut corr_acc = Vec::new();
                    if let Some((dual, scale)) =
                        self.dual_at_point(Features::Of(&ws), &v, &mut corr_acc, None)
                    {
                        if dual > info.dual {
                            info = GapInfo {
                                dual,
                                gap: (info.primal - dual).max(0.0),
                                scale,
                                ..info
                            };
                            corr = corr_acc;
                            self.best_dual = Some(v);
                        }
                    }
                }
            }
            converged = target.reached(info.gap, info.primal);
            if converged {
                break;
            }
            let (kept, moved) = self.gap_safe_filter(&ws, &corr, &info);
            // The inner epochs' features: the support, and the zero features about to violate
            // the KKT condition (on a growing support they are the ones that would enter in
            // the next outer epoch, and wait a whole round for it). With their gradients from
            // the gap's (still exact unless a dropped feature moved the residual).
            active.clear();
            active_grad.clear();
            let rules = self.rules();
            for &k in &kept {
                let (j, g) = (ws[k], self.scratch[k]);
                if self.coef[j] != 0.0 || rules.near(j, g, self.l1) {
                    active.push(j);
                    active_grad.push(g);
                }
            }
            ws = kept.iter().map(|&k| ws[k]).collect();
            let sub_target = GapTarget {
                scaled: (SUB_GAP_FRACTION * info.gap).max(0.5 * target.scaled),
                relative: 0.5 * target.relative,
            };
            let mut inner = 0;
            let mut anderson = Anderson::new();
            // A Newton step on the support once its signs have held for a few epochs and as
            // many epochs as the step costs have passed since the last one (so it at most
            // doubles the work when coordinate descent was about to finish anyway). Counting
            // from the last step, not from the last sign change, keeps the step coming on a
            // large support where some sign flips every few epochs.
            let mut support = self.support_epochs(&active, (!moved).then_some(&active_grad[..]));
            let (mut epoch_cost, newton_cost, _) = self.newton_costs(&active);
            if support.is_some() {
                // the block's updates; the residual takes the changes every few epochs
                epoch_cost = (active.len() * active.len()) as f64 + 0.125 * epoch_cost;
            }
            let mut signs: Vec<i8> = Vec::with_capacity(active.len());
            let mut stable = 0usize;
            let mut since_newton = 0usize;
            let mut before: Vec<f64> = Vec::new();
            let mut sub_corr: Vec<f64> = Vec::new();
            while n_iter < max_iter {
                let (w_max, d_max) = match &mut support {
                    Some(se) => self.support_epoch(&active, se),
                    None => self.epoch(&active),
                };
                n_iter += 1;
                inner += 1;
                let mut check_gap = w_max == 0.0 || d_max == 0.0 || inner % SUB_GAP_EVERY == 0;
                // (gathered once: on a million features each read of coef[j] is a cache miss)
                let coefs: Vec<f64> = active.iter().map(|&j| self.coef[j]).collect();
                let support_changed = signs.len() != coefs.len()
                    || coefs.iter().zip(&signs).any(|(&b, &s)| sign_of(b) != s);
                if support_changed {
                    signs.clear();
                    signs.extend(coefs.iter().map(|&b| sign_of(b)));
                    stable = 0;
                } else {
                    stable += 1;
                }
                since_newton += 1;
                let newton =
                    stable >= NEWTON_MIN_STABLE && since_newton as f64 * epoch_cost >= newton_cost;
                if !newton {
                    anderson.push_rolling(coefs);
                }
                let extrapolate =
                    !newton && anderson.is_full() && inner % Anderson::EXTRAPOLATE_EVERY == 0;
                if let Some(se) = &mut support {
                    // the residual is brought up to date only where it is read
                    if newton || extrapolate || check_gap {
                        self.flush(&active, se);
                    }
                    if newton || extrapolate {
                        before.clear();
                        before.extend(active.iter().map(|&j| self.coef[j]));
                    }
                }
                if newton {
                    stable = 0;
                    since_newton = 0;
                    if self.support_newton(&active) {
                        anderson = Anderson::new();
                        check_gap = true;
                    }
                } else if extrapolate && self.try_extrapolation(&active, &mut anderson) {
                    check_gap = true;
                }
                if let Some(se) = support.as_mut().filter(|_| newton || extrapolate) {
                    self.support_moved(&active, &before, se);
                }
                if extrapolate_dual && support.as_ref().is_none_or(|se| se.flushed) {
                    residuals.push_rolling(self.true_residual().unwrap_or_default());
                }
                if check_gap {
                    // the sub-problem's gap only decides when to stop these epochs (the
                    // certificate is the caller's): the updated gradients serve
                    let mut sub = match &support {
                        Some(se) => {
                            self.gap_with_corr(Features::Of(&active), &se.grad, &mut sub_corr)
                        }
                        None => self.gap_on(&active).0,
                    };
                    if residuals.is_full() && !sub_target.reached(sub.gap, sub.primal) {
                        if let Some(v) = residuals.extrapolate() {
                            let mut c = Vec::new();
                            if let Some((dual, _)) =
                                self.dual_at_point(Features::Of(&active), &v, &mut c, None)
                            {
                                sub.gap = sub.gap.min((sub.primal - dual).max(0.0));
                            }
                        }
                    }
                    if sub_target.reached(sub.gap, sub.primal) {
                        break;
                    }
                }
            }
            if let Some(se) = &mut support {
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
            gradients,
        }
    }

    /// Sets the coefficients of `features` to `values`, updating the residual.
    fn assign(&mut self, features: &[usize], values: &[f64]) {
        for (&j, &v) in features.iter().zip(values) {
            let delta = v - self.coef[j];
            if delta != 0.0 {
                self.coef[j] = v;
                self.apply(j, delta);
            }
        }
    }

    /// What the coefficient updates change besides the coefficients: the residual and its two
    /// scalars, or covariance mode's gradient.
    fn save_updated(&self) -> (Vec<f64>, f64, f64) {
        match &self.state {
            State::Residual { resid, wsum, shift } => (resid.clone(), *wsum, *shift),
            State::Gram { grad, .. } => (grad.clone(), 0.0, 0.0),
        }
    }

    /// Puts back what [`Self::save_updated`] saved, with the coefficients of `features` at
    /// `values`: exact, where undoing a large step by its negative would leave its rounding in
    /// the residual.
    fn restore_updated(
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

    /// Primal objective (solver units) with coefficients outside `features` zero.
    fn primal_on(&self, features: &[usize]) -> f64 {
        let pen: f64 = features.iter().map(|&j| self.penalty_value(j)).sum();
        0.5 * self.residual_products().0 + pen
    }

    /// Anderson extrapolation of the last CD iterates on `features` (Bertrand & Massias 2021),
    /// with the coordinates it would carry across zero set to zero: the iterates follow one
    /// affine map only while the signs hold, and on a large support a few coordinates cross
    /// zero in most windows (see [`Anderson`]). The point, clipped to the box, replaces the
    /// iterate only if it lowers the objective, so an epoch never increases it; true if it did.
    /// A success clears the history (the iterate jumped); a failure keeps it rolling.
    fn try_extrapolation(&mut self, features: &[usize], anderson: &mut Anderson) -> bool {
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

    /// `X̂_FᵀWX̂_F` for the features F (column-major |F| × |F|): read from the Gram matrix in
    /// covariance mode, otherwise from the cache of inner products, extended with the
    /// features it lacks.
    fn gram_block(&mut self, features: &[usize]) -> Vec<f64> {
        let m = features.len();
        let mut h = vec![0.0; m * m];
        if let State::Gram { gram, xty, .. } = &self.state {
            let p = xty.len();
            for (b, &k) in features.iter().enumerate() {
                for (a, &j) in features.iter().enumerate() {
                    h[b * m + a] = gram[k * p + j];
                }
            }
            return h;
        }
        let cap = self.support_gram_cap();
        let cache = &mut self.support_gram;
        let missing: Vec<usize> = features
            .iter()
            .copied()
            .filter(|&j| !cache.has(j))
            .collect();
        let after = (cache.features.len() + missing.len()) as f64;
        if after * after > cap {
            cache.clear();
            cache.extend(self.pb, features);
        } else {
            cache.extend(self.pb, &missing);
        }
        let at: Vec<usize> = features.iter().map(|j| cache.position[j]).collect();
        for (b, &cb) in at.iter().enumerate() {
            let col = &cache.cols[cb];
            for (a, &ca) in at.iter().enumerate() {
                h[b * m + a] = col[ca];
            }
        }
        h
    }

    /// Costs of one epoch over `features` and of one [`Self::support_newton`] on them, in the
    /// time of one flop of an epoch (its dot products and axpys stream columns through memory;
    /// the Cholesky factorisation is blocked and cache-resident, see [`CHOLESKY_FLOP_COST`]),
    /// and whether the step should solve by conjugate gradients (when that is the cheaper).
    fn newton_costs(&self, features: &[usize]) -> (f64, f64, bool) {
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

    /// Entries the cache of inner products may hold: a quarter of X's stored entries (so it
    /// stays well below a copy of X), within [`SupportGram::MIN_CAP`] and
    /// [`SupportGram::MAX_CAP`].
    fn support_gram_cap(&self) -> f64 {
        (0.25 * self.x_nnz).clamp(SupportGram::MIN_CAP, SupportGram::MAX_CAP)
    }

    /// For the features F: the entries their columns store, how many the cache of inner
    /// products lacks, and its size once they are added.
    fn support_gram_costs(&self, features: &[usize]) -> (f64, f64, f64) {
        let nnz: f64 = features
            .iter()
            .map(|&j| self.pb.design.col_nnz(j) as f64)
            .sum();
        let missing = features
            .iter()
            .filter(|&&j| !self.support_gram.has(j))
            .count();
        let cached = self.support_gram.features.len() + missing;
        (nnz, missing as f64, cached as f64)
    }

    /// `(X̂_FᵀWX̂_F + l2·diag(pf_F))·v` for the features F without forming the matrix: one
    /// pass over F's columns builds `u = X̂_F v` (raw columns suffice, x̂_j being W-centred),
    /// one more takes the correlations.
    fn hessian_product(&self, features: &[usize], v: &[f64], u: &mut Vec<f64>, out: &mut [f64]) {
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
    fn newton_cg(&self, features: &[usize], rhs: &[f64]) -> Vec<f64> {
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
    fn support_newton(&mut self, features: &[usize]) -> bool {
        let pf = &self.pb.penalty_factor;
        let free: Vec<usize> = features
            .iter()
            .copied()
            .filter(|&j| {
                let b = self.coef[j];
                (b != 0.0 || pf[j] == 0.0) && b > self.lower[j] && b < self.upper[j]
            })
            .collect();
        let m = free.len();
        if m == 0 {
            return false;
        }
        let mut step: Vec<f64> = free
            .iter()
            .map(|&j| {
                let b = self.coef[j];
                self.gradient(j) - pf[j] * (self.l1 * f64::from(sign_of(b)) + self.l2 * b)
            })
            .collect();
        if self.newton_costs(&free).2 {
            step = self.newton_cg(&free, &step);
        } else {
            let mut h = self.gram_block(&free);
            for (a, &j) in free.iter().enumerate() {
                h[a * m + a] += self.l2 * pf[j];
            }
            let Some(l) = crate::ridge::cholesky(&h, m, 0.0) else {
                return false;
            };
            crate::ridge::cholesky_solve(&l, m, &mut step, 1);
        }
        // The step's first zero crossing or bound
        let mut t_first = 1.0f64;
        for (&j, &d) in free.iter().zip(&step) {
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

    /// Runs to convergence on all features (the single-penalty estimators' entry point).
    pub fn run(mut self, prm: &EnetParams) -> EnetFit {
        let pb = self.pb;
        let all: Vec<usize> = (0..pb.n_features()).filter(|&j| !pb.excluded[j]).collect();
        let target = GapTarget::of(prm, pb.y_norm2);
        let res = self.solve_on(&all, target, prm.max_iter());
        let n = pb.n_samples() as f64;
        let coef = self.coef();
        let intercept = pb.intercept(&coef);
        EnetFit {
            coef,
            intercept,
            dual_gap: res.info.gap / n,
            n_iter: res.n_iter,
            converged: res.converged,
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
    #[allow(clippy::too_many_arguments)]
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

    /// The f32 record of a sweep bound never tightens it: what it gives back is at least the
    /// |gradient| recorded, and the distance since is at least the true one.
    #[test]
    fn sweep_bounds_round_outwards() {
        let mut b = SweepBounds::new(1);
        let mut x = 0.1234567890123f64;
        for _ in 0..2000 {
            b.travelled = x * 7.77;
            b.record(0, x);
            assert!(b.bound(0, 0.0, 0.0) >= x, "|g| {x}");
            // zero distance travelled since, up to the f32 rounding of the record
            let since = b.bound(0, 1.0, 0.0) - b.bound(0, 0.0, 0.0);
            assert!(since >= 0.0 && since <= 1e-6 * b.travelled, "{since}");
            x = x * 1.37 % 1000.0 + 1e-3;
        }
    }

    #[test]
    fn sweep_bounds_turn_off_once_they_skip_little() {
        // A sweep at a zero limit can skip nothing: the bounds are dropped, and a later sweep
        // at a limit that would have let them skip computes every gradient exactly.
        let (n, p) = (40, 90);
        let (x, y, _) = data(n, p, 0.3, 5);
        let (data_, indices, indptr) = csc_of(&x, n, p);
        let csc = CscDesign::new(&data_, &indices, &indptr, n).unwrap();
        let pb = Problem::new(&csc, &y, None, true).unwrap();
        let prm = params(0.1, 0.0, 1e-10, false);
        let mut cd = CoordinateDescent::new(&pb, &prm, None).unwrap();
        let all: Vec<usize> = (0..p).collect();
        let mut bounds = SweepBounds::new(p);
        let (mut out, mut exact) = (vec![0.0; p], vec![0.0; p]);
        cd.gradient_sweep(&mut out, 0.0, &mut bounds, None, None);
        cd.epoch(&all);
        cd.gradient_sweep(&mut out, 0.0, &mut bounds, None, None);
        assert!(bounds.off && bounds.abs_grad.is_empty());
        cd.epoch(&all);
        cd.gradient_all(&mut exact, None);
        let huge = 1e3 * exact.iter().fold(0.0f64, |m, g| m.max(g.abs()));
        cd.gradient_sweep(&mut out, huge, &mut bounds, None, None);
        assert_eq!(out, exact);
    }

    /// The bounded sweep along a descending sequence of penalties, on dense and sparse X,
    /// weighted or not, with and without intercept, standardised or not, with box
    /// constraints: every entry it computes is the full sweep's, every entry it skips has a
    /// zero coefficient and |gradient| below `pf_j · limit`, the gap from its output is the
    /// full sweep's, and it does skip.
    #[test]
    fn bounded_sweep_skips_only_what_it_may() {
        use crate::problem::FeatureOptions;
        fn check<D: Design>(pb: &Problem<'_, D>, tag: &str) -> usize {
            let p = pb.n_features();
            let prm = params(1.0, 0.0, 1e-10, false);
            let mut cd = CoordinateDescent::new(pb, &prm, None).unwrap();
            let all: Vec<usize> = (0..p).collect();
            let mut exact = vec![0.0; p];
            cd.gradient_all(&mut exact, None);
            let n = pb.n_samples() as f64;
            let amax = exact.iter().map(|g| g.abs()).fold(0.0, f64::max) / n;
            let mut bounds = SweepBounds::new(p);
            let mut out = vec![0.0; p];
            cd.gradient_sweep(&mut out, 0.0, &mut bounds, None, None);
            assert_eq!(out, exact, "{tag}: the first sweep is full");
            let mut skipped = 0;
            for k in 1..30 {
                let (l1, next) = (amax * 0.9f64.powi(k), amax * 0.9f64.powi(k + 1));
                cd.set_penalty(0.7 * l1, 0.3 * l1);
                for _ in 0..3 {
                    cd.epoch(&all);
                }
                let limit = (0.7 * l1 * n).min(2.0 * 0.7 * next * n - 0.7 * l1 * n);
                cd.gradient_all(&mut exact, None);
                // every other sweep is given a third of the gradients (as a converged solve
                // gives its working set's)
                let given: Vec<usize> = (0..p).filter(|j| k % 2 == 0 && j % 3 == 0).collect();
                let given_grad: Vec<f64> = given.iter().map(|&j| exact[j]).collect();
                let known = Some((&given[..], &given_grad[..]));
                cd.gradient_sweep(&mut out, limit, &mut bounds, known, None);
                for j in 0..p {
                    if out[j] == 0.0 && exact[j] != 0.0 && pb.excluded[j] {
                        // never a candidate: its gradient is not needed
                        assert_eq!(cd.coef_internal()[j], 0.0, "{tag}: an excluded moved");
                    } else if out[j] == 0.0 && exact[j] != 0.0 {
                        skipped += 1;
                        assert_eq!(cd.coef_internal()[j], 0.0, "{tag}: skipped a non-zero");
                        let pf = pb.penalty_factor[j];
                        assert!(
                            exact[j].abs() < pf * limit,
                            "{tag}: skipped |g| {} >= {}",
                            exact[j].abs(),
                            pf * limit
                        );
                    } else {
                        assert!(
                            (out[j] - exact[j]).abs() <= 1e-12 * exact[j].abs().max(1.0),
                            "{tag}: {} vs {}",
                            out[j],
                            exact[j]
                        );
                    }
                }
                let (a, b) = (
                    cd.gap_from_gradient(Features::Of(&all), &out),
                    cd.gap_from_gradient(Features::Of(&all), &exact),
                );
                assert!(
                    (a.gap - b.gap).abs() <= 1e-10 * b.primal.abs().max(1e-300),
                    "{tag}: gap {} vs {}",
                    a.gap,
                    b.gap
                );
            }
            // given gradients are taken as they are, not recomputed
            let given_grad = [exact[0] + 1.0, exact[2] - 1.0];
            cd.gradient_sweep(
                &mut out,
                0.0,
                &mut bounds,
                Some((&[0, 2], &given_grad)),
                None,
            );
            assert_eq!(
                (out[0], out[2]),
                (given_grad[0], given_grad[1]),
                "{tag}: given"
            );
            assert!(
                (out[1] - exact[1]).abs() <= 1e-12 * exact[1].abs().max(1.0),
                "{tag}"
            );
            skipped
        }
        let (n, p) = (60, 150);
        let (x, y, w) = data(n, p, 0.3, 11);
        let (data_, indices, indptr) = csc_of(&x, n, p);
        let dense = DenseDesign::new(&x, n, p).unwrap();
        let csc = CscDesign::new(&data_, &indices, &indptr, n).unwrap();
        // the same dense X with the single-precision pre-filter
        let coarse = DenseDesign::new(&x, n, p).unwrap().with_coarse_always();
        let pf: Vec<f64> = (0..p).map(|j| 0.5 + (j % 4) as f64 * 0.5).collect();
        let lo: Vec<f64> = (0..p)
            .map(|j| if j % 5 == 0 { 0.0 } else { f64::NEG_INFINITY })
            .collect();
        let hi: Vec<f64> = (0..p)
            .map(|j| if j % 7 == 0 { 0.0 } else { f64::INFINITY })
            .collect();
        let (mut skipped, mut skipped_dense, mut skipped_coarse) = (0, 0, 0);
        for case in 0..8 {
            let (intercept, weighted, standardize) = (case % 2 == 0, case % 4 < 2, case < 4);
            let opts = FeatureOptions {
                penalty_factor: Some(&pf),
                lower_bounds: Some(&lo),
                upper_bounds: Some(&hi),
                standardize,
            };
            let wopt = weighted.then_some(&w[..]);
            let a = Problem::with_options(&dense, &y, wopt, intercept, &opts).unwrap();
            let b = Problem::with_options(&csc, &y, wopt, intercept, &opts).unwrap();
            let c = Problem::with_options(&coarse, &y, wopt, intercept, &opts).unwrap();
            skipped_dense += check(&a, &format!("dense case {case}"));
            skipped += check(&b, &format!("csc case {case}"));
            skipped_coarse += check(&c, &format!("coarse case {case}"));
        }
        skipped += skipped_dense;
        assert!(skipped > 1000, "the sweeps skipped only {skipped} entries");
        // the coarse dots prove more gradients small than the travelled-distance bound alone
        assert!(
            skipped_coarse > skipped_dense + 1000,
            "coarse {skipped_coarse} vs bounds alone {skipped_dense}"
        );
    }

    #[test]
    fn support_epochs_reach_the_covariance_mode_solution() {
        use crate::problem::FeatureOptions;
        // p > n with held-out rows (zero weights, as a CV fold): the passes over the support run
        // through its Gram block; the solution must be covariance mode's, and satisfy KKT.
        let (n, p) = (50, 120);
        let (x, y, mut w) = data(n, p, 1.0, 21);
        for i in (0..n).step_by(5) {
            w[i] = 0.0;
        }
        let design = DenseDesign::new(&x, n, p).unwrap();
        for (case, (standardize, l1, l2, random)) in [
            (false, 0.02, 0.0, false),
            (true, 0.01, 0.005, false),
            (true, 0.03, 0.0, true),
        ]
        .into_iter()
        .enumerate()
        {
            let opts = FeatureOptions {
                standardize,
                ..Default::default()
            };
            let pb = Problem::with_options(&design, &y, Some(&w), true, &opts).unwrap();
            let prm = EnetParamsBuilder {
                l1,
                l2,
                tol: 1e-13,
                max_iter: 200_000,
                selection: if random {
                    Selection::Random { seed: 3 }
                } else {
                    Selection::Cyclic
                },
                ..Default::default()
            }
            .check()
            .unwrap();
            let all: Vec<usize> = (0..p).collect();
            let target = GapTarget::of(&prm, pb.y_norm2);
            let mut cd = CoordinateDescent::new(&pb, &prm, None).unwrap();
            let res = cd.solve_on(&all, target, prm.max_iter());
            assert!(res.converged, "case {case}");
            assert!(cd.n_support_epochs > 0, "case {case}: no support epoch ran");
            let mut cov = CoordinateDescent::new(&pb, &prm, None)
                .unwrap()
                .into_gram_mode()
                .unwrap();
            let cov_res = cov.solve_on(&all, target, prm.max_iter());
            assert!(cov_res.converged);
            // the same algorithm with exact gradients: updated ones that drift would show here
            assert!(
                res.n_iter <= cov_res.n_iter + cov_res.n_iter / 2 + 10,
                "case {case}: {} epochs against {} in covariance mode",
                res.n_iter,
                cov_res.n_iter
            );
            let (a, b) = (cd.coef(), cov.coef());
            let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            assert!(scale > 0.0 && a.iter().filter(|v| **v != 0.0).count() > 5);
            for j in 0..p {
                assert!(
                    (a[j] - b[j]).abs() <= 1e-5 * scale,
                    "case {case} feature {j}: {} vs {}",
                    a[j],
                    b[j]
                );
            }
            // the residual the epochs left behind is the true one: the gap from scratch agrees
            let fresh = CoordinateDescent::new(&pb, &prm, Some(&a)).unwrap();
            assert!((fresh.primal() - cd.primal()).abs() <= 1e-10 * pb.y_norm2);
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

    #[test]
    fn conjugate_matches_brute_force() {
        let cases = [
            (1.5, 1.0, 0.0, -2.0, 3.0),
            (-1.5, 1.0, 0.5, -2.0, 3.0),
            (4.0, 1.0, 0.5, -2.0, 3.0),
            (0.5, 1.0, 0.0, f64::NEG_INFINITY, f64::INFINITY),
            (2.0, 0.0, 1.0, 0.0, f64::INFINITY),
            (-2.0, 0.0, 1.0, 0.0, f64::INFINITY),
        ];
        for (u, l1, l2, lo, hi) in cases {
            let (a, b) = (f64::max(lo, -10.0), f64::min(hi, 10.0));
            let best = (0..=200_000)
                .map(|i| a + (b - a) * i as f64 / 200_000.0)
                .map(|x: f64| u * x - l1 * x.abs() - 0.5 * l2 * x * x)
                .fold(f64::NEG_INFINITY, f64::max);
            let c = conjugate(u, l1, l2, lo, hi);
            assert!(
                (c - best).abs() < 1e-3,
                "{u} {l1} {l2} {lo} {hi}: {c} vs {best}"
            );
        }
        assert!(conjugate(2.0, 1.0, 0.0, -1.0, f64::INFINITY).is_infinite());
    }

    /// The matrix-free Hessian product and the conjugate-gradient solve of the Newton step
    /// against the explicit Gram block and its Cholesky solve, on dense and sparse X with
    /// weights, intercept, standardisation and a ridge part.
    #[test]
    fn newton_cg_solves_the_gram_block_system() {
        fn check<D: Design>(pb: &Problem<'_, D>, tag: &str) {
            let prm = params(0.01, 0.3, 1e-10, false);
            let mut cd = CoordinateDescent::new(pb, &prm, None).unwrap();
            let features: Vec<usize> = (0..pb.n_features()).step_by(3).collect();
            let m = features.len();
            let v: Vec<f64> = (0..m).map(|k| ((k * 37) % 11) as f64 - 5.0).collect();
            let mut h = cd.gram_block(&features);
            for (a, &j) in features.iter().enumerate() {
                h[a * m + a] += cd.l2 * pb.penalty_factor[j];
            }
            let (mut u, mut hv) = (Vec::new(), vec![0.0; m]);
            cd.hessian_product(&features, &v, &mut u, &mut hv);
            for a in 0..m {
                let want: f64 = (0..m).map(|b| h[b * m + a] * v[b]).sum();
                assert!(
                    (hv[a] - want).abs() <= 1e-9 * want.abs().max(1.0),
                    "{tag}: H v[{a}] {} vs {want}",
                    hv[a]
                );
            }
            let l = crate::ridge::cholesky(&h, m, 0.0).unwrap();
            let mut direct = v.clone();
            crate::ridge::cholesky_solve(&l, m, &mut direct, 1);
            let cg = cd.newton_cg(&features, &v);
            for (a, b) in cg.iter().zip(&direct) {
                assert!(
                    (a - b).abs() <= 1e-7 * b.abs().max(1.0),
                    "{tag}: CG {a} vs {b}"
                );
            }
        }
        let (n, p) = (70, 40);
        let (x, y, w) = data(n, p, 0.4, 21);
        let (data_, indices, indptr) = csc_of(&x, n, p);
        let dense = DenseDesign::new(&x, n, p).unwrap();
        let csc = CscDesign::new(&data_, &indices, &indptr, n).unwrap();
        let opts = crate::problem::FeatureOptions {
            penalty_factor: None,
            lower_bounds: None,
            upper_bounds: None,
            standardize: true,
        };
        for (intercept, weighted) in [(true, true), (false, false)] {
            let wopt = weighted.then_some(&w[..]);
            check(
                &Problem::with_options(&dense, &y, wopt, intercept, &opts).unwrap(),
                "dense",
            );
            check(
                &Problem::with_options(&csc, &y, wopt, intercept, &opts).unwrap(),
                "csc",
            );
        }
    }

    #[test]
    fn newton_step_on_the_optimal_support_lands_on_the_solution() {
        use crate::design::DenseDesign;
        use crate::params::EnetParamsBuilder;
        use crate::problem::FeatureOptions;
        // wide (residual mode, cached inner products) and tall (covariance mode), with
        // weights, an unpenalised feature, a bound and standardisation
        for (case, &(n, p, gram)) in [(25usize, 60usize, false), (80, 12, true)]
            .iter()
            .enumerate()
        {
            let (x, y, w) = data(n, p, 1.0, 40 + case as u64);
            let pf: Vec<f64> = (0..p).map(|j| if j == 2 { 0.0 } else { 1.0 }).collect();
            let lo: Vec<f64> = (0..p)
                .map(|j| if j == 3 { 0.0 } else { f64::NEG_INFINITY })
                .collect();
            let opts = FeatureOptions {
                penalty_factor: Some(&pf),
                lower_bounds: Some(&lo),
                upper_bounds: None,
                standardize: true,
            };
            let design = DenseDesign::new(&x, n, p).unwrap();
            let pb = Problem::with_options(&design, &y, Some(&w), true, &opts).unwrap();
            let prm = EnetParamsBuilder::from_alpha(0.02, 0.8).check().unwrap();
            let mut cd = CoordinateDescent::new(&pb, &prm, None).unwrap();
            if gram {
                cd = cd.into_gram_mode().unwrap();
            }
            // the optimum by plain coordinate descent (no Newton step), to rounding
            let all: Vec<usize> = (0..p).collect();
            for _ in 0..200_000 {
                cd.epoch(&all);
            }
            let best = cd.primal();
            let solution = cd.coef_internal().to_vec();
            assert!(
                cd.dual_gap_scaled() <= 1e-11 * pb.y_norm2(),
                "case {case}: not converged"
            );
            // move inside the same orthant (the bound's feature stays on its side), then one step
            let moved: Vec<f64> = solution
                .iter()
                .enumerate()
                .map(|(j, &b)| {
                    b * (1.0 + 0.3 * ((j % 5) as f64 - 2.0) / 2.0)
                        + if pf[j] == 0.0 { 0.5 } else { 0.0 }
                })
                .collect();
            cd.assign(&all, &moved);
            assert!(
                cd.primal() > best * (1.0 + 1e-6),
                "case {case}: the move did nothing"
            );
            assert!(cd.support_newton(&all), "case {case}: no step taken");
            let after = cd.primal();
            assert!(
                (after - best).abs() <= 1e-12 * best,
                "case {case}: {after} vs {best}"
            );
            for (j, (&a, &b)) in cd.coef_internal().iter().zip(&solution).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-8 * (1.0 + b.abs()),
                    "case {case} feature {j}: {a} vs {b}"
                );
            }
            assert!(
                cd.dual_gap_scaled() <= 1e-10 * pb.y_norm2(),
                "case {case}: gap"
            );
        }
    }

    #[test]
    fn newton_step_projects_a_wrong_sign_to_zero() {
        use crate::design::DenseDesign;
        use crate::params::EnetParamsBuilder;
        // Orthogonal columns with x_jᵀx_j/n = 1, y = 0.1·x1 + 2·x2, α = 0.2: the solution is
        // (0, 1.8). From (−0.05, 0.5) the sign-fixed step sends β1 across zero to 0.3; set to
        // zero, the rest of the step lands on the solution. Stopped at the crossing instead
        // (t = 1/7), β2 would only reach 0.686.
        let (n, p) = (4, 2);
        let x = [1.0, 1.0, -1.0, -1.0, 1.0, -1.0, 1.0, -1.0];
        let y: Vec<f64> = (0..n).map(|i| 0.1 * x[i] + 2.0 * x[n + i]).collect();
        let design = DenseDesign::new(&x, n, p).unwrap();
        let pb = Problem::new(&design, &y, None, false).unwrap();
        let prm = EnetParamsBuilder::from_alpha(0.2, 1.0).check().unwrap();
        let mut cd = CoordinateDescent::new(&pb, &prm, Some(&[-0.05, 0.5])).unwrap();
        assert!(cd.support_newton(&[0, 1]));
        let coef = cd.coef();
        assert!(coef[0] == 0.0 && (coef[1] - 1.8).abs() < 1e-12, "{coef:?}");
    }

    #[test]
    fn anderson_is_exact_on_an_affine_map() {
        // Iterates of x ← Ax + b in 4 dimensions: K = 5 differences are linearly dependent
        // (Cayley–Hamilton), so some combination of the iterates summing to one is the fixed
        // point (I − A)⁻¹b; the Cholesky's jitter (the differences' Gram matrix is singular)
        // leaves it off by far less than the last iterate.
        let a = [
            [0.5, 0.1, 0.0, -0.2],
            [0.1, 0.3, 0.2, 0.0],
            [0.0, -0.1, 0.6, 0.1],
            [0.2, 0.0, 0.1, 0.4],
        ];
        let b = [1.0, -2.0, 0.5, 3.0];
        let step = |x: &[f64]| -> Vec<f64> {
            (0..4)
                .map(|i| (0..4).map(|k| a[i][k] * x[k]).sum::<f64>() + b[i])
                .collect()
        };
        let mut x = vec![0.0; 4];
        let mut window = Anderson::new();
        for _ in 0..Anderson::DEPTH + 3 {
            x = step(&x);
            window.push_rolling(x.clone());
        }
        assert!(window.is_full());
        let fixed = window.extrapolate().unwrap();
        let residual: f64 = step(&fixed)
            .iter()
            .zip(&fixed)
            .map(|(s, f)| (s - f).abs())
            .fold(0.0, f64::max);
        let last_residual: f64 = step(&x)
            .iter()
            .zip(&x)
            .map(|(s, f)| (s - f).abs())
            .fold(0.0, f64::max);
        assert!(
            residual < 1e-3 * last_residual,
            "fixed-point residual {residual}, the last iterate's {last_residual}"
        );
    }

    #[test]
    fn extrapolation_holds_a_crossing_coordinate_at_zero() {
        // A window converging geometrically to the solution except at one feature that is zero
        // there, where its limit is negative while its iterates are positive: the extrapolated
        // point is the solution except there, and that coordinate is held at zero, not carried
        // across. Without the hold the candidate (−0.01 there) would be accepted too.
        let (n, p) = (40, 10);
        let (x, y, _) = data(n, p, 1.0, 11);
        let design = DenseDesign::new(&x, n, p).unwrap();
        let pb = Problem::new(&design, &y, None, true).unwrap();
        let prm = params(0.05, 0.0, 1e-14, false);
        let mut cd = CoordinateDescent::new(&pb, &prm, None).unwrap();
        let all: Vec<usize> = (0..p).collect();
        cd.solve_on(&all, GapTarget::of(&prm, pb.y_norm2), 100_000);
        let solution = cd.coef.clone();
        let j0 = (0..p)
            .find(|&j| solution[j] == 0.0)
            .expect("a zero coefficient");
        let mut limit = solution.clone();
        limit[j0] = -0.01;
        // (the other coordinates stay on their limit's side)
        let start: Vec<f64> = (0..p)
            .map(|j| match limit[j] {
                _ if j == j0 => 0.5,
                0.0 => 0.3,
                l => 2.0 * l,
            })
            .collect();
        let mut window = Anderson::new();
        let mut iterate = start.clone();
        for k in 0..Anderson::DEPTH {
            let f = 0.7f64.powi(k as i32 + 1);
            iterate = (0..p)
                .map(|j| limit[j] + f * (start[j] - limit[j]))
                .collect();
            window.push_rolling(iterate.clone());
        }
        assert!(iterate[j0] > 0.0);
        cd.assign(&all, &iterate);
        let before = cd.primal();
        assert!(cd.try_extrapolation(&all, &mut window));
        assert_eq!(cd.coef[j0], 0.0);
        for j in (0..p).filter(|&j| j != j0) {
            assert!(
                (cd.coef[j] - solution[j]).abs() < 1e-9,
                "feature {j}: {} vs {}",
                cd.coef[j],
                solution[j]
            );
        }
        assert!(cd.primal() < before);
        assert!(!window.is_full(), "an accepted point clears the window");
    }

    #[test]
    fn a_rejected_trial_is_undone_exactly() {
        // Undoing a step of 1e12 by its negative leaves its rounding in the residual (the
        // objective 6e-6 relative off, here); the saved copy puts the residual back bit for bit.
        let (n, p) = (30, 12);
        let (x, y, _) = data(n, p, 1.0, 5);
        let design = DenseDesign::new(&x, n, p).unwrap();
        let pb = Problem::new(&design, &y, None, true).unwrap();
        let prm = params(0.01, 0.0, 1e-8, false);
        let mut cd = CoordinateDescent::new(&pb, &prm, None).unwrap();
        let all: Vec<usize> = (0..p).collect();
        cd.epoch(&all);
        let features = [1, 4, 7];
        let current: Vec<f64> = features.iter().map(|&j| cd.coef[j]).collect();
        let before = cd.primal();
        let saved = cd.save_updated();
        cd.assign(&features, &[1e12, -3e12, 2e12]);
        cd.restore_updated(&saved, &features, &current);
        assert_eq!(cd.primal(), before);
        cd.assign(&features, &[1e12, -3e12, 2e12]);
        cd.assign(&features, &current);
        assert!(
            (cd.primal() - before).abs() > 1e-9 * before,
            "the naive undo was exact"
        );
    }

    #[test]
    fn newton_step_never_increases_the_objective() {
        use crate::design::DenseDesign;
        use crate::params::EnetParamsBuilder;
        // from arbitrary iterates (wrong support, wrong signs) the step may stop at the orthant's
        // edge but never increases the objective, and keeps the box
        for seed in 0..30u64 {
            let (n, p) = (20 + (seed % 4) as usize * 10, 15 + (seed % 5) as usize * 8);
            let (x, y, _) = data(n, p, 0.7, 100 + seed);
            let design = DenseDesign::new(&x, n, p).unwrap();
            let pb = Problem::new(&design, &y, None, seed % 2 == 0).unwrap();
            let prm = EnetParamsBuilder {
                positive: seed % 4 == 1,
                ..EnetParamsBuilder::from_alpha(0.05, if seed % 3 == 0 { 1.0 } else { 0.5 })
            }
            .check()
            .unwrap();
            let mut g = Lcg(seed);
            let init: Vec<f64> = (0..p)
                .map(|j| if j % 3 == 0 { g.normal() } else { 0.0 })
                .collect();
            let mut cd = CoordinateDescent::new(&pb, &prm, Some(&init)).unwrap();
            let all: Vec<usize> = (0..p).collect();
            for _ in 0..(seed % 3) {
                cd.epoch(&all);
            }
            let before = cd.primal();
            cd.support_newton(&all);
            let after = cd.primal();
            assert!(
                after <= before * (1.0 + 1e-13),
                "seed {seed}: {after} > {before}"
            );
            for (j, &b) in cd.coef_internal().iter().enumerate() {
                assert!(
                    b >= cd.lower()[j] && b <= cd.upper()[j],
                    "seed {seed}: feature {j} out of its box"
                );
            }
        }
    }

    #[test]
    fn polish_lets_a_violating_feature_enter_before_the_newton_step() {
        // From the solution with one support feature set to zero (it then violates its KKT
        // condition), the polish given that feature as entering lands back on the solution;
        // a Newton step on the rest of the support alone cannot bring it back.
        use crate::design::DenseDesign;
        let (n, p) = (50, 60);
        let (x, y, _) = data(n, p, 1.0, 31);
        let design = DenseDesign::new(&x, n, p).unwrap();
        let pb = Problem::new(&design, &y, None, true).unwrap();
        let prm = params(0.3, 0.0, 1e-15, false);
        let best = fit_enet(&pb, &prm, None).unwrap();
        let p_star = CoordinateDescent::new(&pb, &prm, Some(&best.coef))
            .unwrap()
            .primal();
        let support: Vec<usize> = (0..p).filter(|&j| best.coef[j] != 0.0).collect();
        assert!((3..=8).contains(&support.len()), "support {support:?}");
        let j = *support
            .iter()
            .max_by(|&&a, &&b| best.coef[a].abs().total_cmp(&best.coef[b].abs()))
            .unwrap();
        let mut start = best.coef.clone();
        start[j] = 0.0;
        let rest: Vec<usize> = support.iter().copied().filter(|&k| k != j).collect();
        let polished = |entering: &[usize]| {
            let mut cd = CoordinateDescent::new(&pb, &prm, Some(&start)).unwrap();
            let rules = cd.rules();
            assert!(rules.score(j, cd.gradient(j)) > rules.penalty_factor[j] * cd.l1_scaled());
            let before = cd.primal();
            // (polish reports the solver's units, the objective times n)
            let after = cd.polish(&rest, entering).map_or(before, |v| v / n as f64);
            assert!(
                (after - cd.primal()).abs() <= 1e-12 * after,
                "reported objective"
            );
            after
        };
        let with = polished(&[j]);
        let without = polished(&[]);
        assert!(with - p_star <= 1e-12 * p_star, "{with} against {p_star}");
        assert!(
            without - p_star > 1e-6 * p_star,
            "{without} against {p_star}"
        );
    }

    /// Random small problems with penalty factors (incl. 0) and boxes: every epoch lowers the
    /// objective, the gap is never negative and bounds the distance to the best objective seen.
    #[test]
    fn epochs_never_increase_objective_and_gap_is_valid() {
        use crate::design::DenseDesign;
        use crate::params::EnetParamsBuilder;
        use crate::problem::FeatureOptions;
        let mut state = 12345u64;
        let mut rnd = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        };
        for case in 0..20 {
            let (n, p) = (15 + case % 7, 8 + (case * 3) % 17);
            let x: Vec<f64> = (0..n * p).map(|_| rnd()).collect();
            let y: Vec<f64> = (0..n).map(|_| rnd() * 3.0).collect();
            let pf: Vec<f64> = (0..p)
                .map(|j| if j == 1 { 0.0 } else { 0.5 + rnd().abs() })
                .collect();
            let lo: Vec<f64> = (0..p)
                .map(|j| if j % 3 == 0 { 0.0 } else { -0.3 })
                .collect();
            let hi: Vec<f64> = (0..p)
                .map(|j| if j % 4 == 0 { 0.2 } else { f64::INFINITY })
                .collect();
            let design = DenseDesign::new(&x, n, p).unwrap();
            let opts = FeatureOptions {
                penalty_factor: Some(&pf),
                lower_bounds: Some(&lo),
                upper_bounds: Some(&hi),
                standardize: case % 2 == 0,
            };
            let pb = Problem::with_options(&design, &y, None, case % 3 != 0, &opts).unwrap();
            let l1_ratio = if case % 2 == 0 { 1.0 } else { 0.6 };
            let prm = EnetParamsBuilder::from_alpha(0.05, l1_ratio)
                .check()
                .unwrap();
            let mut cd = CoordinateDescent::new(&pb, &prm, None).unwrap();
            let all: Vec<usize> = (0..p).collect();
            let mut prev = cd.primal();
            let mut gaps = Vec::new();
            for _ in 0..200 {
                cd.epoch(&all);
                let obj = cd.primal();
                assert!(
                    obj <= prev * (1.0 + 1e-13) + 1e-15,
                    "case {case}: {obj} > {prev}"
                );
                prev = obj;
                let gap = cd.dual_gap_scaled() / n as f64;
                assert!(gap >= 0.0);
                gaps.push((obj, gap));
            }
            let best = prev;
            for (obj, gap) in gaps {
                // a valid gap bounds the suboptimality: obj − best ≤ obj − P* ≤ gap
                assert!(
                    obj - best <= gap + 1e-12 * best.abs().max(1.0),
                    "case {case}"
                );
            }
            for j in 0..p {
                let b = cd.coef()[j];
                assert!(b >= lo[j] - 1e-12 && b <= hi[j] + 1e-12);
            }
        }
    }
}
