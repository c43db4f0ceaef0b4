//! Ridge regression, `min Σ w_i (y_i − x_iᵀβ − b)² + α‖β‖²`, through the normal equations:
//! Cholesky on the Gram (n ≥ p) or the kernel (p > n), one eigendecomposition for many α
//! (paths, leave-one-out), matrix-free conjugate gradients for sparse X, and coordinate
//! descent on the Gram for `positive`. Centring for the intercept is applied to the Gram or the
//! operator, never by copying X.

// `!(a > b)` is deliberate: it is also true for NaN. Index loops mirror the formulas.
#![allow(clippy::neg_cmp_op_on_partial_ord, clippy::needless_range_loop)]

use faer::{Accum, MatMut, MatRef};
use rayon::prelude::*;

use crate::design::{dot, CscDesign, DenseDesign, Design, SparseIndex};
use crate::error::{invalid, FastregError, Result};
use crate::gram::{current_par, mirror_lower, GramStats};
use crate::linalg::conjugate_gradients;
// `crate::ridge::{cholesky, cholesky_solve, Eigh}` stay valid paths for existing callers.
pub use crate::linalg::Eigh;
pub(crate) use crate::linalg::{cholesky, cholesky_solve};

/// Requested solver; `Auto` picks by shape and sparsity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RidgeSolver {
    Auto,
    Cholesky,
    Eigh,
    Cg,
}

/// The solver actually used (reported as `solver_`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SolverUsed {
    Cholesky,
    CholeskyDual,
    Eigh,
    EighDual,
    Cg,
    PositiveCd,
}

impl SolverUsed {
    pub fn name(self) -> &'static str {
        match self {
            SolverUsed::Cholesky => "cholesky",
            SolverUsed::CholeskyDual => "cholesky_dual",
            SolverUsed::Eigh => "eigh",
            SolverUsed::EighDual => "eigh_dual",
            SolverUsed::Cg => "sparse_cg",
            SolverUsed::PositiveCd => "positive_cd",
        }
    }
}

/// Unchecked parameters; [`RidgeParamsBuilder::check`] turns them into [`RidgeParams`].
#[derive(Clone, Debug)]
pub struct RidgeParamsBuilder {
    /// One α for all targets, or one per target.
    pub alphas: Vec<f64>,
    pub fit_intercept: bool,
    pub solver: RidgeSolver,
    pub positive: bool,
    /// Relative residual `‖r‖ ≤ tol·‖b‖` for CG; projected-gradient rule for `positive`.
    pub tol: f64,
    pub max_iter: Option<usize>,
}

impl Default for RidgeParamsBuilder {
    fn default() -> Self {
        Self {
            alphas: vec![1.0],
            fit_intercept: true,
            solver: RidgeSolver::Auto,
            positive: false,
            tol: 1e-4,
            max_iter: None,
        }
    }
}

impl RidgeParamsBuilder {
    pub fn check(self, n_targets: usize) -> Result<RidgeParams> {
        check_alphas(&self.alphas, false)?;
        if self.alphas.len() != 1 && self.alphas.len() != n_targets {
            return Err(FastregError::Shape(format!(
                "{} alphas given for {n_targets} targets",
                self.alphas.len()
            )));
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(invalid(
                "tol",
                format!("must be finite and >= 0, got {}", self.tol),
            ));
        }
        if self.max_iter == Some(0) {
            return Err(invalid("max_iter", "must be >= 1"));
        }
        if self.positive && self.solver == RidgeSolver::Cg {
            return Err(invalid(
                "solver",
                "positive=True is solved on the Gram; use 'auto'",
            ));
        }
        let alphas = if self.alphas.len() == 1 {
            vec![self.alphas[0]; n_targets]
        } else {
            self.alphas.clone()
        };
        Ok(RidgeParams(RidgeParamsBuilder { alphas, ..self }))
    }
}

/// Checked parameters: one α per target.
#[derive(Clone, Debug)]
pub struct RidgeParams(RidgeParamsBuilder);

impl RidgeParams {
    pub fn alphas(&self) -> &[f64] {
        &self.0.alphas
    }
    pub fn fit_intercept(&self) -> bool {
        self.0.fit_intercept
    }
    pub fn solver(&self) -> RidgeSolver {
        self.0.solver
    }
    pub fn positive(&self) -> bool {
        self.0.positive
    }
    pub fn tol(&self) -> f64 {
        self.0.tol
    }
    pub fn max_iter(&self) -> Option<usize> {
        self.0.max_iter
    }
}

pub fn check_alphas(alphas: &[f64], strictly_positive: bool) -> Result<()> {
    if alphas.is_empty() {
        return Err(invalid("alpha", "at least one value is needed"));
    }
    for &a in alphas {
        if !a.is_finite() || a < 0.0 || (strictly_positive && a == 0.0) {
            let bound = if strictly_positive { "> 0" } else { ">= 0" };
            return Err(invalid(
                "alpha",
                format!("must be finite and {bound}, got {a}"),
            ));
        }
    }
    Ok(())
}

/// One fit: `coef` is `t × p` (target-major), `intercept` has `t` entries.
#[derive(Clone, Debug)]
pub struct RidgeFit {
    pub coef: Vec<f64>,
    pub intercept: Vec<f64>,
    pub solver: SolverUsed,
    pub n_iter: usize,
    pub converged: bool,
}

/// Coefficients for a grid of α: `coef` is `A × t × p`, `intercept` is `A × t`.
#[derive(Clone, Debug)]
pub struct RidgePath {
    pub coef: Vec<f64>,
    pub intercept: Vec<f64>,
}

/// Leave-one-out results over a grid of α: `errors` is `A × t × n` (LOO residuals in the
/// √w-scaled space, as scikit-learn's `_RidgeGCV`), `path` the coefficients for every α.
#[derive(Clone, Debug)]
pub struct RidgeLoo {
    pub errors: Vec<f64>,
    pub path: RidgePath,
}

// ---------------------------------------------------------------------------------------------
// Designs: what the drivers need beyond column access.

/// Products with X that the Ridge drivers need; implemented with GEMM for dense X and with
/// sparse loops for CSC (never densified).
pub trait RidgeDesign: Design {
    fn nnz(&self) -> usize;
    fn all_finite(&self) -> bool;
    /// `D (X − 1μᵀ)(X − 1μᵀ)ᵀ D` with `D = diag(sqrt_w)`, `n × n`; `spread` holds the centred
    /// column sums of squares (or is empty) to judge whether centring on the kernel is exact.
    fn kernel(&self, mean: &[f64], spread: &[f64], sqrt_w: &[f64]) -> Vec<f64>;
    /// `X B` for a column-major `p × m` matrix B.
    fn x_mul(&self, b: &[f64], m: usize) -> Vec<f64>;
    /// `Xᵀ V` for a column-major `n × m` matrix V.
    fn xt_mul(&self, v: &[f64], m: usize) -> Vec<f64>;

    /// `out = X̃ X̃ᵀ s` with `X̃ = X − 1μᵀ`, the kernel applied without forming it. Each column
    /// is read once: its dot with `s` and its axpy into `out` run while it is in cache, so an
    /// iteration costs one pass over X instead of two. Columns are split into one fixed range
    /// per thread (each with its own accumulator, summed in order), so the result does not
    /// depend on scheduling.
    fn kernel_apply(&self, mean: &[f64], s: &[f64], out: &mut [f64]) {
        let s_sum: f64 = s.iter().sum();
        // Returns μᵀu over the range, u_j = x̃_jᵀ s.
        let mu_u = split_accumulate(self.n_features(), 64, out, |cols, acc| {
            let mut mu_u = 0.0;
            for j in cols {
                let u = self.col_dot(j, s) - mean[j] * s_sum;
                if u != 0.0 {
                    self.col_axpy(j, u, acc);
                }
                mu_u += mean[j] * u;
            }
            mu_u
        });
        out.iter_mut().for_each(|e| *e -= mu_u);
    }

    /// `out = X̃ᵀ W X̃ v` with `X̃ = X − 1μᵀ`: column axpys into `X̃v`, then column dots.
    fn gram_apply(&self, mean: &[f64], weights: &[f64], v: &[f64], out: &mut [f64]) {
        let mut u = vec![0.0; self.n_samples()];
        for (j, &vj) in v.iter().enumerate() {
            if vj != 0.0 {
                self.col_axpy(j, vj, &mut u);
            }
        }
        let shift = dot(mean, v);
        u.iter_mut()
            .zip(weights)
            .for_each(|(e, wi)| *e = (*e - shift) * wi);
        let u_sum: f64 = u.iter().sum();
        out.par_iter_mut()
            .enumerate()
            .for_each(|(j, o)| *o = self.col_dot(j, &u) - mean[j] * u_sum);
    }
}

/// Splits `0..len` into one fixed range per thread (at least `min_len` long), runs `pass` on
/// each with its own zeroed accumulator of length `acc_len`, and sums the accumulators into
/// `out` in order, with the scalars `pass` returns; the result does not depend on scheduling.
fn split_accumulate(
    len: usize,
    min_len: usize,
    out: &mut [f64],
    pass: impl Fn(std::ops::Range<usize>, &mut [f64]) -> f64 + Sync,
) -> f64 {
    out.iter_mut().for_each(|e| *e = 0.0);
    let parts = rayon::current_num_threads()
        .min(len / min_len.max(1))
        .max(1);
    if parts == 1 {
        return pass(0..len, out);
    }
    let bounds = |k: usize| k * len / parts;
    let partial: Vec<(Vec<f64>, f64)> = (0..parts)
        .into_par_iter()
        .map(|k| {
            let mut acc = vec![0.0; out.len()];
            let s = pass(bounds(k)..bounds(k + 1), &mut acc);
            (acc, s)
        })
        .collect();
    let mut total = 0.0;
    for (acc, s) in &partial {
        out.iter_mut().zip(acc).for_each(|(o, a)| *o += a);
        total += s;
    }
    total
}

impl RidgeDesign for DenseDesign<'_> {
    fn nnz(&self) -> usize {
        self.data().len()
    }
    fn all_finite(&self) -> bool {
        self.data().iter().all(|v| v.is_finite())
    }
    fn kernel(&self, mean: &[f64], spread: &[f64], sqrt_w: &[f64]) -> Vec<f64> {
        let (n, p) = (self.n_samples(), self.n_features());
        let x = self.data();
        let mut k = vec![0.0; n * n];
        let par = current_par();
        // Explicit centring (column blocks are contiguous) only when the means dwarf the
        // spread; otherwise XXᵀ straight from the caller's buffer and a rank-two correction.
        let ill = mean
            .iter()
            .zip(spread)
            .any(|(&m, &ss)| ss > 0.0 && n as f64 * m * m > 1e8 * ss);
        if !ill {
            let xm = MatRef::from_column_major_slice(x, n, p);
            gram_lower_t(
                MatMut::from_column_major_slice_mut(&mut k, n, n),
                xm,
                false,
                par,
            );
            if mean.iter().any(|&m| m != 0.0) {
                let v = self.x_mul(mean, 1);
                let c = dot(mean, mean);
                for j in 0..n {
                    for i in j..n {
                        k[j * n + i] += c - v[i] - v[j];
                    }
                }
            }
        } else {
            let bp = ((1 << 21) / n.max(1)).max(16).min(p);
            let mut buf = vec![0.0; n * bp];
            let mut j0 = 0;
            let mut first = true;
            while j0 < p {
                let j1 = (j0 + bp).min(p);
                for j in j0..j1 {
                    let dst = &mut buf[(j - j0) * n..(j - j0 + 1) * n];
                    for (d, v) in dst.iter_mut().zip(self.col(j)) {
                        *d = v - mean[j];
                    }
                }
                let b = MatRef::from_column_major_slice(&buf[..n * (j1 - j0)], n, j1 - j0);
                gram_lower_t(
                    MatMut::from_column_major_slice_mut(&mut k, n, n),
                    b,
                    !first,
                    par,
                );
                first = false;
                j0 = j1;
            }
        }
        for j in 0..n {
            for i in j..n {
                k[j * n + i] *= sqrt_w[i] * sqrt_w[j];
            }
        }
        mirror_lower(&mut k, n);
        k
    }
    fn x_mul(&self, b: &[f64], m: usize) -> Vec<f64> {
        let (n, p) = (self.n_samples(), self.n_features());
        let mut out = vec![0.0; n * m];
        faer::linalg::matmul::matmul(
            MatMut::from_column_major_slice_mut(&mut out, n, m),
            Accum::Replace,
            MatRef::from_column_major_slice(self.data(), n, p),
            MatRef::from_column_major_slice(b, p, m),
            1.0,
            current_par(),
        );
        out
    }
    fn xt_mul(&self, v: &[f64], m: usize) -> Vec<f64> {
        let (n, p) = (self.n_samples(), self.n_features());
        let mut out = vec![0.0; p * m];
        faer::linalg::matmul::matmul(
            MatMut::from_column_major_slice_mut(&mut out, p, m),
            Accum::Replace,
            MatRef::from_column_major_slice(self.data(), n, p).transpose(),
            MatRef::from_column_major_slice(v, n, m),
            1.0,
            current_par(),
        );
        out
    }
    /// One pass over X per call, fused by row blocks: `u_B = W_B(X_B v − μᵀv)` and then
    /// `X_Bᵀ u_B` while the block is still in cache (`fused_gram_block`). Each thread takes a
    /// fixed range of blocks with its own accumulator, summed in order.
    fn gram_apply(&self, mean: &[f64], weights: &[f64], v: &[f64], out: &mut [f64]) {
        let (n, p) = (self.n_samples(), self.n_features());
        let x = self.data();
        let shift = dot(mean, v);
        let rows = fused_block_rows(p);
        let u_sum = split_accumulate(n, rows, out, |range, acc| {
            let mut u = vec![0.0; rows];
            let mut u_sum = 0.0;
            let mut r0 = range.start;
            while r0 < range.end {
                let r1 = (r0 + rows).min(range.end);
                u_sum += fused_gram_block(x, n, r0..r1, v, &weights[r0..r1], shift, &mut u, acc);
                r0 = r1;
            }
            u_sum
        });
        out.iter_mut().zip(mean).for_each(|(o, m)| *o -= m * u_sum);
    }
}

/// Rows per block of the fused `X̃ᵀWX̃v`: the block (rows × p doubles) stays in a core's L2
/// between its two sweeps, and each column segment is at least a few cache lines long.
fn fused_block_rows(p: usize) -> usize {
    // 512 KB: measured on 200,000 × 1,000 (one thread) about as fast as 256 KB and faster than
    // 1-4 MB blocks, which spill from L2 before the second sweep.
    ((1usize << 19) / (8 * p.max(1))).clamp(64, 1 << 14) & !7
}

/// `u = W_B(X_B v − shift)`, then `acc += X_Bᵀu`, for the rows `rows` of a column-major `n × p`
/// X; returns `Σ u`. Kernels in `fused`: four columns per sweep, so four memory streams are in
/// flight and `u` is loaded and stored once per four columns.
#[allow(clippy::too_many_arguments)]
fn fused_gram_block(
    x: &[f64],
    n: usize,
    rows: std::ops::Range<usize>,
    v: &[f64],
    w: &[f64],
    shift: f64,
    u: &mut [f64],
    acc: &mut [f64],
) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA (checked just above).
        return unsafe { fused::avx2::gram_block(x, n, rows, v, w, shift, u, acc) };
    }
    fused::gram_block::<false>(x, n, rows, v, w, shift, u, acc)
}

/// The fused block kernel, written once and compiled for the baseline and for AVX2 + FMA
/// (chosen at run time), as the kernels in `design`.
mod fused {
    use crate::design::kernels::madd;

    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn gram_block<const FMA: bool>(
        x: &[f64],
        n: usize,
        rows: std::ops::Range<usize>,
        v: &[f64],
        w: &[f64],
        shift: f64,
        u: &mut [f64],
        acc: &mut [f64],
    ) -> f64 {
        let len = rows.len();
        let p = v.len();
        let (u, w, acc) = (&mut u[..len], &w[..len], &mut acc[..p]);
        let col = |j: usize| &x[j * n + rows.start..j * n + rows.start + len];
        u.fill(-shift);
        let mut j = 0;
        while j + 4 <= p {
            let (c0, c1, c2, c3) = (col(j), col(j + 1), col(j + 2), col(j + 3));
            let (a0, a1, a2, a3) = (v[j], v[j + 1], v[j + 2], v[j + 3]);
            for i in 0..len {
                let s = madd::<FMA>(a0, c0[i], u[i]);
                let s = madd::<FMA>(a1, c1[i], s);
                let s = madd::<FMA>(a2, c2[i], s);
                u[i] = madd::<FMA>(a3, c3[i], s);
            }
            j += 4;
        }
        while j < p {
            let (c0, a0) = (col(j), v[j]);
            for i in 0..len {
                u[i] = madd::<FMA>(a0, c0[i], u[i]);
            }
            j += 1;
        }
        let mut u_sum = 0.0;
        for (e, wi) in u.iter_mut().zip(w) {
            *e *= wi;
            u_sum += *e;
        }
        let body = len & !3;
        let mut j = 0;
        while j + 4 <= p {
            let (c0, c1, c2, c3) = (col(j), col(j + 1), col(j + 2), col(j + 3));
            let mut d = [[0.0f64; 4]; 4];
            let chunks = u[..body]
                .chunks_exact(4)
                .zip(c0[..body].chunks_exact(4))
                .zip(c1[..body].chunks_exact(4))
                .zip(c2[..body].chunks_exact(4))
                .zip(c3[..body].chunks_exact(4));
            for ((((uc, x0), x1), x2), x3) in chunks {
                for k in 0..4 {
                    d[0][k] = madd::<FMA>(x0[k], uc[k], d[0][k]);
                    d[1][k] = madd::<FMA>(x1[k], uc[k], d[1][k]);
                    d[2][k] = madd::<FMA>(x2[k], uc[k], d[2][k]);
                    d[3][k] = madd::<FMA>(x3[k], uc[k], d[3][k]);
                }
            }
            for (c, dc) in [c0, c1, c2, c3].into_iter().zip(d.iter_mut()) {
                for i in body..len {
                    dc[0] = madd::<FMA>(c[i], u[i], dc[0]);
                }
            }
            for (a, dc) in acc[j..j + 4].iter_mut().zip(&d) {
                *a += (dc[0] + dc[2]) + (dc[1] + dc[3]);
            }
            j += 4;
        }
        while j < p {
            let c0 = col(j);
            let mut d = 0.0;
            for i in 0..len {
                d = madd::<FMA>(c0[i], u[i], d);
            }
            acc[j] += d;
            j += 1;
        }
        u_sum
    }

    #[cfg(target_arch = "x86_64")]
    pub(super) mod avx2 {
        #[target_feature(enable = "avx2,fma")]
        #[allow(clippy::too_many_arguments)]
        pub(crate) unsafe fn gram_block(
            x: &[f64],
            n: usize,
            rows: std::ops::Range<usize>,
            v: &[f64],
            w: &[f64],
            shift: f64,
            u: &mut [f64],
            acc: &mut [f64],
        ) -> f64 {
            super::gram_block::<true>(x, n, rows, v, w, shift, u, acc)
        }
    }
}

/// Lower triangle of `dst (+)= B Bᵀ` for a column-major `n × q` block B.
fn gram_lower_t(dst: MatMut<'_, f64>, b: MatRef<'_, f64>, add: bool, par: faer::Par) {
    crate::gram::gram_lower(dst, b.transpose(), b.transpose(), add, par);
}

impl<I: SparseIndex> RidgeDesign for CscDesign<'_, I> {
    fn nnz(&self) -> usize {
        self.raw().0.len()
    }
    fn all_finite(&self) -> bool {
        self.raw().0.iter().all(|v| v.is_finite())
    }
    fn kernel(&self, mean: &[f64], _spread: &[f64], sqrt_w: &[f64]) -> Vec<f64> {
        let n = self.n_samples();
        let (data, indices, indptr) = self.raw();
        // Rows of X as (column, value) lists; column k of XXᵀ is Σ_{j ∈ row k} x_kj · X[:, j].
        let mut row_ptr = vec![0usize; n + 1];
        for i in indices {
            row_ptr[i.to_usize() + 1] += 1;
        }
        for i in 0..n {
            row_ptr[i + 1] += row_ptr[i];
        }
        let mut fill = row_ptr.clone();
        let mut row_col = vec![0usize; data.len()];
        let mut row_val = vec![0.0; data.len()];
        for j in 0..self.n_features() {
            for k in indptr[j].to_usize()..indptr[j + 1].to_usize() {
                let i = indices[k].to_usize();
                row_col[fill[i]] = j;
                row_val[fill[i]] = data[k];
                fill[i] += 1;
            }
        }
        let v = self.x_mul(mean, 1);
        let c = dot(mean, mean);
        let mut k = vec![0.0; n * n];
        k.par_chunks_mut(n).enumerate().for_each(|(kc, col)| {
            for r in row_ptr[kc]..row_ptr[kc + 1] {
                let (j, a) = (row_col[r], row_val[r]);
                for q in indptr[j].to_usize()..indptr[j + 1].to_usize() {
                    col[indices[q].to_usize()] += a * data[q];
                }
            }
            for (i, e) in col.iter_mut().enumerate() {
                *e = (*e + c - v[i] - v[kc]) * sqrt_w[i] * sqrt_w[kc];
            }
        });
        k
    }
    fn x_mul(&self, b: &[f64], m: usize) -> Vec<f64> {
        let (n, p) = (self.n_samples(), self.n_features());
        let mut out = vec![0.0; n * m];
        out.par_chunks_mut(n).enumerate().for_each(|(c, o)| {
            for j in 0..p {
                let a = b[c * p + j];
                if a != 0.0 {
                    self.col_axpy(j, a, o);
                }
            }
        });
        out
    }
    fn xt_mul(&self, v: &[f64], m: usize) -> Vec<f64> {
        let (n, p) = (self.n_samples(), self.n_features());
        let mut out = vec![0.0; p * m];
        out.par_chunks_mut(p).enumerate().for_each(|(c, o)| {
            let vc = &v[c * n..(c + 1) * n];
            for (j, e) in o.iter_mut().enumerate() {
                *e = self.col_dot(j, vc);
            }
        });
        out
    }
}

/// Solve `(A + α_k I) x_k = b_k` for every column k: Cholesky once per distinct α, falling
/// back to the eigendecomposition (minimum-norm solution) when A + αI is singular.
fn solve_shifted(
    a: &[f64],
    dim: usize,
    b: &[f64],
    alphas: &[f64],
    use_eigh: bool,
) -> Result<(Vec<f64>, bool)> {
    let m = alphas.len();
    let mut x = b.to_vec();
    if !use_eigh {
        let mut distinct: Vec<f64> = alphas.to_vec();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        let mut ok = true;
        for &alpha in &distinct {
            let Some(l) = cholesky(a, dim, alpha) else {
                ok = false;
                break;
            };
            let cols: Vec<usize> = (0..m).filter(|&k| alphas[k] == alpha).collect();
            let mut rhs: Vec<f64> = cols
                .iter()
                .flat_map(|&k| b[k * dim..(k + 1) * dim].iter().copied())
                .collect();
            cholesky_solve(&l, dim, &mut rhs, cols.len());
            for (c, &k) in cols.iter().enumerate() {
                x[k * dim..(k + 1) * dim].copy_from_slice(&rhs[c * dim..(c + 1) * dim]);
            }
        }
        if ok {
            return Ok((x, false));
        }
    }
    let e = Eigh::new(a, dim)?;
    let z = e.project(b, m);
    Ok((e.solve_projected(&z, alphas), true))
}

/// Coordinate descent for `min ½βᵀ(G + αI)β − cᵀβ` subject to `β ≥ 0`. Stops when the largest
/// projected-gradient entry is below `tol · ‖c‖∞`.
fn positive_cd(
    g: &[f64],
    p: usize,
    c: &[f64],
    alpha: f64,
    tol: f64,
    max_iter: usize,
) -> (Vec<f64>, usize, bool) {
    let mut beta = vec![0.0; p];
    let mut grad: Vec<f64> = c.iter().map(|v| -v).collect();
    let scale = c.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if scale == 0.0 {
        return (beta, 0, true);
    }
    for epoch in 1..=max_iter {
        for j in 0..p {
            let h = g[j * p + j] + alpha;
            if h <= 0.0 {
                continue;
            }
            let new = (beta[j] - grad[j] / h).max(0.0);
            let d = new - beta[j];
            if d != 0.0 {
                beta[j] = new;
                let col = &g[j * p..(j + 1) * p];
                for (gi, ci) in grad.iter_mut().zip(col) {
                    *gi += d * ci;
                }
                grad[j] += d * alpha;
            }
        }
        let violation = (0..p).fold(0.0f64, |m, j| {
            let v = if beta[j] > 0.0 {
                grad[j].abs()
            } else {
                (-grad[j]).max(0.0)
            };
            m.max(v)
        });
        if violation <= tol * scale {
            return (beta, epoch, true);
        }
    }
    (beta, max_iter, false)
}

// ---------------------------------------------------------------------------------------------
// Drivers.

/// Validated response and weights with their derived quantities.
struct Prepared {
    n: usize,
    p: usize,
    t: usize,
    w_sum: f64,
    sqrt_w: Vec<f64>,
    x_mean: Vec<f64>,
    /// Centred weighted sums of squares of the columns (empty unless means were computed).
    x_ss: Vec<f64>,
    y_mean: Vec<f64>,
    /// `X̃ᵀW(y_k − ȳ_k)`, `p × t` column-major, when asked for with the means (else empty):
    /// read in the same pass over X as the means.
    xt_wy: Vec<f64>,
}

fn prepare<D: RidgeDesign>(
    x: &D,
    y: &[f64],
    t: usize,
    w: Option<&[f64]>,
    fit_intercept: bool,
    need_means: bool,
    need_xt_wy: bool,
) -> Result<Prepared> {
    let (n, p) = (x.n_samples(), x.n_features());
    if n == 0 || p == 0 || t == 0 {
        return Err(FastregError::Shape(format!(
            "need at least one sample, feature and target, got {n} × {p} and {t} targets"
        )));
    }
    if n.checked_mul(t) != Some(y.len()) {
        return Err(FastregError::Shape(format!(
            "X has {n} samples but y has {} values for {t} targets",
            y.len()
        )));
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(FastregError::NonFinite("y"));
    }
    if let Some(w) = w {
        if w.len() != n {
            return Err(FastregError::Shape(format!(
                "X has {n} samples but sample_weight has {}",
                w.len()
            )));
        }
        if w.iter().any(|v| !v.is_finite()) {
            return Err(FastregError::NonFinite("sample_weight"));
        }
        if w.iter().any(|&v| v < 0.0) {
            return Err(invalid("sample_weight", "must be non-negative"));
        }
    }
    let w_sum = w.map_or(n as f64, |w| w.iter().sum());
    if !(w_sum > 0.0) {
        return Err(invalid("sample_weight", "must have a positive sum"));
    }
    let sqrt_w = w.map_or_else(|| vec![1.0; n], |w| w.iter().map(|v| v.sqrt()).collect());
    let (mut x_mean, mut x_ss, mut y_mean) = (vec![0.0; p], Vec::new(), vec![0.0; t]);
    let mut xt_wy = Vec::new();
    if fit_intercept && need_means {
        for (k, m) in y_mean.iter_mut().enumerate() {
            let yk = &y[k * n..(k + 1) * n];
            *m = w.map_or_else(|| yk.iter().sum::<f64>(), |w| dot(w, yk)) / w_sum;
        }
        // W(y − ȳ) per target, for X̃ᵀW(y − ȳ).
        let wy: Vec<f64> = if need_xt_wy {
            (0..n * t)
                .map(|ik| w.map_or(1.0, |w| w[ik % n]) * (y[ik] - y_mean[ik / n]))
                .collect()
        } else {
            Vec::new()
        };
        // Non-finite entries make their column's moments non-finite: no separate check pass.
        // The column is read once for its moments and its products with W(y − ȳ).
        let moments: Vec<(f64, f64, Vec<f64>)> = (0..p)
            .into_par_iter()
            .map(|j| {
                let (m, ss) = x.col_moments(j, w, w_sum);
                let xy = wy.chunks(n).map(|r| x.col_dot(j, r)).collect();
                (m, ss, xy)
            })
            .collect();
        if moments
            .iter()
            .any(|(m, d, _)| !(m.is_finite() && d.is_finite()))
        {
            return Err(FastregError::NonFinite("X"));
        }
        x_mean = moments.iter().map(|m| m.0).collect();
        x_ss = moments.iter().map(|m| m.1).collect();
        if need_xt_wy {
            // Σ W(y − ȳ) is zero up to rounding; subtracting μ times it keeps this X̃ᵀ exactly.
            let wy_sum: Vec<f64> = wy.chunks(n).map(|r| r.iter().sum()).collect();
            xt_wy = vec![0.0; p * t];
            for (j, m) in moments.iter().enumerate() {
                for (k, v) in m.2.iter().enumerate() {
                    xt_wy[k * p + j] = v - m.0 * wy_sum[k];
                }
            }
        }
    } else if !x.all_finite() {
        return Err(FastregError::NonFinite("X"));
    }
    Ok(Prepared {
        n,
        p,
        t,
        w_sum,
        sqrt_w,
        x_mean,
        x_ss,
        y_mean,
        xt_wy,
    })
}

fn intercepts(coef: &[f64], p: usize, x_mean: &[f64], y_mean: &[f64], fit: bool) -> Vec<f64> {
    y_mean
        .iter()
        .enumerate()
        .map(|(k, ym)| {
            if fit {
                ym - dot(x_mean, &coef[k * p..(k + 1) * p])
            } else {
                0.0
            }
        })
        .collect()
}

/// Fit from sufficient statistics (Cholesky, eigh or positive CD on the Gram).
pub fn fit_stats(stats: &GramStats, prm: &RidgeParams) -> Result<RidgeFit> {
    let (p, t) = (stats.n_features(), stats.n_targets());
    if prm.alphas().len() != t {
        return Err(FastregError::Shape("one alpha per target expected".into()));
    }
    if !(stats.w_sum() > 0.0) {
        return Err(invalid(
            "stats",
            "no rows with positive weight have been added",
        ));
    }
    if prm.solver() == RidgeSolver::Cg {
        return Err(invalid(
            "solver",
            "'sparse_cg' needs X; use 'auto', 'cholesky' or 'eigh'",
        ));
    }
    let fi = prm.fit_intercept();
    let (g, c) = stats.system(fi);
    let (coef, solver, n_iter, converged) = if prm.positive() {
        let max_iter = prm.max_iter().unwrap_or(100_000);
        let mut coef = vec![0.0; p * t];
        let (mut it, mut conv) = (0, true);
        for k in 0..t {
            let (b, i, ok) = positive_cd(
                &g,
                p,
                &c[k * p..(k + 1) * p],
                prm.alphas()[k],
                prm.tol(),
                max_iter,
            );
            coef[k * p..(k + 1) * p].copy_from_slice(&b);
            it = it.max(i);
            conv &= ok;
        }
        (coef, SolverUsed::PositiveCd, it, conv)
    } else {
        let use_eigh = prm.solver() == RidgeSolver::Eigh;
        let (coef, fell_back) = solve_shifted(&g, p, &c, prm.alphas(), use_eigh)?;
        let s = if use_eigh || fell_back {
            SolverUsed::Eigh
        } else {
            SolverUsed::Cholesky
        };
        (coef, s, 1, true)
    };
    let intercept = intercepts(&coef, p, stats.x_mean(), stats.y_mean(), fi);
    Ok(RidgeFit {
        coef,
        intercept,
        solver,
        n_iter,
        converged,
    })
}

/// Fit Ridge on `x` with `y` column-major `n × t` and optional sample weights.
pub fn fit<D: RidgeDesign>(
    x: &D,
    y: &[f64],
    t: usize,
    w: Option<&[f64]>,
    prm: &RidgeParams,
) -> Result<RidgeFit> {
    let (n, p) = (x.n_samples(), x.n_features());
    if prm.alphas().len() != t {
        return Err(FastregError::Shape("one alpha per target expected".into()));
    }
    if prm.positive() {
        let stats = x.gram_stats(y, t, w)?;
        return fit_stats(&stats, prm);
    }
    let fi = prm.fit_intercept();
    let solver = prm.solver();
    // The sparse Gram is dense p × p; worth it only for few features.
    let sparse_gram = p <= 2048 && p <= n;
    match solver {
        RidgeSolver::Cg => fit_cg(
            x,
            y,
            t,
            w,
            prm,
            &prepare(x, y, t, w, fi, true, p <= n)?,
            None,
        ),
        RidgeSolver::Auto if x.is_sparse() => {
            if sparse_gram {
                fit_stats(&x.gram_stats(y, t, w)?, prm)
            } else {
                fit_cg(
                    x,
                    y,
                    t,
                    w,
                    prm,
                    &prepare(x, y, t, w, fi, true, p <= n)?,
                    None,
                )
            }
        }
        RidgeSolver::Auto => {
            if let Some(budget) = auto_cg_budget(n, p, prm.tol()) {
                let pr = prepare(x, y, t, w, fi, true, p <= n)?;
                let f = fit_cg(x, y, t, w, prm, &pr, Some(budget))?;
                if f.converged {
                    return Ok(f);
                }
                if p > n {
                    return fit_dual(x, y, t, prm, &pr);
                }
            }
            fit_direct(x, y, t, w, prm)
        }
        RidgeSolver::Cholesky | RidgeSolver::Eigh => fit_direct(x, y, t, w, prm),
    }
}

/// Cholesky or eigh on the Gram (n ≥ p) or on the kernel (p > n).
fn fit_direct<D: RidgeDesign>(
    x: &D,
    y: &[f64],
    t: usize,
    w: Option<&[f64]>,
    prm: &RidgeParams,
) -> Result<RidgeFit> {
    if x.n_samples() >= x.n_features() {
        fit_stats(&x.gram_stats(y, t, w)?, prm)
    } else {
        let pr = prepare(x, y, t, w, prm.fit_intercept(), true, false)?;
        fit_dual(x, y, t, prm, &pr)
    }
}

/// Tolerance and iteration cap of conjugate gradients run in place of a direct solve.
#[derive(Clone, Copy, Debug)]
struct CgBudget {
    tol: f64,
    max_iter: usize,
}

/// Relative residual at which `Auto`'s CG stands in for the direct solve: the residual is
/// re-checked against the true one, so the solution is as good as a Cholesky one up to the
/// condition number times this.
const AUTO_CG_TOL: f64 = 1e-12;

/// Whether `Auto` should try CG first on dense X, and with what budget. The direct solve costs
/// about `m²·M` flops for `m = min(n, p)`, `M = max(n, p)`, compute-bound; a CG iteration is one
/// memory-bound pass over X (kernel form for p > n, the row-block fused `X̃ᵀWX̃v` for n ≥ p),
/// about as long as `m/12` of those flops at one pass ≈ 8·n·p bytes. The cap keeps a failed
/// attempt below half the direct cost; small problems go straight to the direct solve.
fn auto_cg_budget(n: usize, p: usize, tol: f64) -> Option<CgBudget> {
    let m = n.min(p);
    if m < 256 {
        return None;
    }
    Some(CgBudget {
        tol: tol.min(AUTO_CG_TOL),
        max_iter: m / 24,
    })
}

/// Kernel (dual) solve for p > n: `a = (K + αI)⁻¹ √w(y − ȳ)`, `β = (X − 1μᵀ)ᵀ D a`.
fn fit_dual<D: RidgeDesign>(
    x: &D,
    y: &[f64],
    t: usize,
    prm: &RidgeParams,
    pr: &Prepared,
) -> Result<RidgeFit> {
    let fi = prm.fit_intercept();
    let (n, p) = (pr.n, pr.p);
    let k = x.kernel(&pr.x_mean, &pr.x_ss, &pr.sqrt_w);
    let rhs = scaled_centred_y(y, pr);
    let use_eigh = prm.solver() == RidgeSolver::Eigh;
    let (a, fell_back) = solve_shifted(&k, n, &rhs, prm.alphas(), use_eigh)?;
    let coef = dual_to_primal(x, &a, t, pr);
    let intercept = intercepts(&coef, p, &pr.x_mean, &pr.y_mean, fi);
    Ok(RidgeFit {
        coef,
        intercept,
        solver: if use_eigh || fell_back {
            SolverUsed::EighDual
        } else {
            SolverUsed::CholeskyDual
        },
        n_iter: 1,
        converged: true,
    })
}

/// `√w ∘ (y_k − ȳ_k)` for every target, column-major `n × t`.
fn scaled_centred_y(y: &[f64], pr: &Prepared) -> Vec<f64> {
    let n = pr.n;
    let mut out = vec![0.0; n * pr.t];
    for k in 0..pr.t {
        for i in 0..n {
            out[k * n + i] = pr.sqrt_w[i] * (y[k * n + i] - pr.y_mean[k]);
        }
    }
    out
}

/// `(X − 1μᵀ)ᵀ D A` for a column-major `n × m` A; returns `p × m`.
fn dual_to_primal<D: RidgeDesign>(x: &D, a: &[f64], m: usize, pr: &Prepared) -> Vec<f64> {
    let (n, p) = (pr.n, pr.p);
    let mut da = a.to_vec();
    for c in 0..m {
        for i in 0..n {
            da[c * n + i] *= pr.sqrt_w[i];
        }
    }
    let mut coef = x.xt_mul(&da, m);
    for c in 0..m {
        let s: f64 = da[c * n..(c + 1) * n].iter().sum();
        for j in 0..p {
            coef[c * p + j] -= pr.x_mean[j] * s;
        }
    }
    coef
}

/// Matrix-free conjugate gradients with `X̃ = X − 1μᵀ` applied implicitly (X is only touched
/// through column dots and axpys, never densified or copied). When n ≥ p: Jacobi-preconditioned
/// CG on `(X̃ᵀWX̃ + αI)β = X̃ᵀW(y − ȳ)`; when p > n, as scikit-learn's `sparse_cg`, on the
/// n-dimensional kernel system `(D X̃X̃ᵀ D + αI)a = D(y − ȳ)` with `β = X̃ᵀDa`.
///
/// With a `budget` (the `Auto` choice on dense wide X), its tolerance and iteration cap replace
/// the user's, and the fit stops at the first target that misses them so the caller can fall
/// back to the direct solve.
fn fit_cg<D: RidgeDesign>(
    x: &D,
    y: &[f64],
    t: usize,
    w: Option<&[f64]>,
    prm: &RidgeParams,
    pr: &Prepared,
    budget: Option<CgBudget>,
) -> Result<RidgeFit> {
    let fi = prm.fit_intercept();
    let (n, p) = (pr.n, pr.p);
    let tol = budget.map_or(prm.tol(), |b| b.tol);
    let max_iter = budget.map_or_else(
        || prm.max_iter().unwrap_or(10 * p.max(n).max(100)),
        |b| b.max_iter,
    );
    let weights: Vec<f64> = w.map_or_else(|| vec![1.0; n], |w| w.to_vec());
    let mu = &pr.x_mean;
    let ys = scaled_centred_y(y, pr);
    let mut coef = vec![0.0; p * t];
    let (mut n_iter, mut converged) = (0, true);
    if p > n {
        let apply = |v: &[f64], out: &mut [f64]| {
            let s: Vec<f64> = v.iter().zip(&pr.sqrt_w).map(|(a, b)| a * b).collect();
            x.kernel_apply(mu, &s, out);
            out.iter_mut().zip(&pr.sqrt_w).for_each(|(o, s)| *o *= s);
        };
        let mut dual = vec![0.0; n * t];
        for k in 0..t {
            let (a, it, ok) = conjugate_gradients(
                apply,
                &ys[k * n..(k + 1) * n],
                None,
                prm.alphas()[k],
                tol,
                max_iter,
            );
            dual[k * n..(k + 1) * n].copy_from_slice(&a);
            n_iter = n_iter.max(it);
            converged &= ok;
            if !ok && budget.is_some() {
                break;
            }
        }
        coef = dual_to_primal(x, &dual, t, pr);
    } else {
        // diag(X̃ᵀWX̃) for the Jacobi preconditioner and b = X̃ᵀW(y − ȳ): from `prepare` when it
        // computed them (intercept fitted), else in one pass over X.
        let (diag, rhs) = if !pr.x_ss.is_empty() && !pr.xt_wy.is_empty() {
            (pr.x_ss.clone(), pr.xt_wy.clone())
        } else {
            let wy: Vec<f64> = (0..n * t).map(|ik| pr.sqrt_w[ik % n] * ys[ik]).collect();
            let wy_sum: Vec<f64> = wy.chunks(n).map(|r| r.iter().sum()).collect();
            let cols: Vec<(f64, Vec<f64>)> = (0..p)
                .into_par_iter()
                .map(|j| {
                    let (m, ss) = x.col_moments(j, Some(&weights), pr.w_sum);
                    let d = if fi { ss } else { ss + pr.w_sum * m * m };
                    let b = wy
                        .chunks(n)
                        .zip(&wy_sum)
                        .map(|(r, s)| x.col_dot(j, r) - mu[j] * s)
                        .collect();
                    (d, b)
                })
                .collect();
            let mut rhs = vec![0.0; p * t];
            for (j, c) in cols.iter().enumerate() {
                for (k, v) in c.1.iter().enumerate() {
                    rhs[k * p + j] = *v;
                }
            }
            (cols.into_iter().map(|c| c.0).collect::<Vec<f64>>(), rhs)
        };
        let apply = |v: &[f64], out: &mut [f64]| x.gram_apply(mu, &weights, v, out);
        for k in 0..t {
            let alpha = prm.alphas()[k];
            let b = &rhs[k * p..(k + 1) * p];
            let precond: Vec<f64> = diag
                .iter()
                .map(|d| {
                    if d + alpha > 0.0 {
                        1.0 / (d + alpha)
                    } else {
                        1.0
                    }
                })
                .collect();
            let (beta, it, ok) =
                conjugate_gradients(apply, b, Some(&precond), alpha, tol, max_iter);
            coef[k * p..(k + 1) * p].copy_from_slice(&beta);
            n_iter = n_iter.max(it);
            converged &= ok;
            if !ok && budget.is_some() {
                break;
            }
        }
    }
    let intercept = intercepts(&coef, p, &pr.x_mean, &pr.y_mean, fi);
    Ok(RidgeFit {
        coef,
        intercept,
        solver: SolverUsed::Cg,
        n_iter,
        converged,
    })
}

/// Coefficients for every α of a grid from one eigendecomposition of the Gram.
pub fn path_stats(stats: &GramStats, alphas: &[f64], fit_intercept: bool) -> Result<RidgePath> {
    check_alphas(alphas, false)?;
    if !(stats.w_sum() > 0.0) {
        return Err(invalid(
            "stats",
            "no rows with positive weight have been added",
        ));
    }
    let (p, t) = (stats.n_features(), stats.n_targets());
    let (g, c) = stats.system(fit_intercept);
    let e = Eigh::new(&g, p)?;
    let z = e.project(&c, t);
    let mut coef = Vec::with_capacity(alphas.len() * t * p);
    let mut intercept = Vec::with_capacity(alphas.len() * t);
    for &a in alphas {
        let b = e.solve_projected(&z, &vec![a; t]);
        intercept.extend(intercepts(
            &b,
            p,
            stats.x_mean(),
            stats.y_mean(),
            fit_intercept,
        ));
        coef.extend(b);
    }
    Ok(RidgePath { coef, intercept })
}

/// Ridge path on a design: the Gram's eigendecomposition when n ≥ p, the kernel's otherwise.
pub fn path<D: RidgeDesign>(
    x: &D,
    y: &[f64],
    t: usize,
    w: Option<&[f64]>,
    alphas: &[f64],
    fit_intercept: bool,
) -> Result<RidgePath> {
    check_alphas(alphas, false)?;
    let (n, p) = (x.n_samples(), x.n_features());
    if n >= p {
        let stats = x.gram_stats(y, t, w)?;
        return path_stats(&stats, alphas, fit_intercept);
    }
    let pr = prepare(x, y, t, w, fit_intercept, true, false)?;
    let k = x.kernel(&pr.x_mean, &pr.x_ss, &pr.sqrt_w);
    let e = Eigh::new(&k, n)?;
    let z = e.project(&scaled_centred_y(y, &pr), t);
    let mut dual = Vec::with_capacity(alphas.len() * t * n);
    for &a in alphas {
        dual.extend(e.solve_projected(&z, &vec![a; t]));
    }
    let coef = dual_to_primal(x, &dual, alphas.len() * t, &pr);
    let intercept = coef
        .chunks(p * t)
        .flat_map(|c| intercepts(c, p, &pr.x_mean, &pr.y_mean, fit_intercept))
        .collect();
    Ok(RidgePath { coef, intercept })
}

/// Where the leave-one-out computation works: on the `p × p` Gram or the `n × n` kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LooMode {
    Auto,
    Gram,
    Kernel,
}

fn matmul_to(out: &mut [f64], a: MatRef<'_, f64>, b: MatRef<'_, f64>) {
    let (r, c) = (a.nrows(), b.ncols());
    faer::linalg::matmul::matmul(
        MatMut::from_column_major_slice_mut(out, r, c),
        Accum::Replace,
        a,
        b,
        1.0,
        current_par(),
    );
}

/// Exact leave-one-out residuals for every α from one eigendecomposition (scikit-learn's
/// `_RidgeGCV`): `e_i = r_i / (1 − h_i − w_i/W)` with the hat diagonal `h` of the centred
/// problem and the unpenalised intercept adding `w_i/W`. α must be > 0.
pub fn loo<D: RidgeDesign>(
    x: &D,
    y: &[f64],
    t: usize,
    w: Option<&[f64]>,
    alphas: &[f64],
    fit_intercept: bool,
    mode: LooMode,
) -> Result<RidgeLoo> {
    check_alphas(alphas, true)?;
    let pr = prepare(x, y, t, w, fit_intercept, true, false)?;
    let (n, p, na) = (pr.n, pr.p, alphas.len());
    let ys = scaled_centred_y(y, &pr);
    let icpt: Vec<f64> = (0..n)
        .map(|i| {
            if fit_intercept {
                pr.sqrt_w[i] * pr.sqrt_w[i] / pr.w_sum
            } else {
                0.0
            }
        })
        .collect();
    let use_gram = match mode {
        LooMode::Gram => true,
        LooMode::Kernel => false,
        LooMode::Auto => n > p,
    };
    let mut errors = vec![0.0; na * t * n];
    if use_gram {
        let stats = x.gram_stats(y, t, w)?;
        let (g, c) = stats.system(fit_intercept);
        let e = Eigh::new(&g, p)?;
        // Z = D (X − 1μᵀ) V, the design in the eigenbasis.
        let mut z = x.x_mul(&e.vectors, p);
        let mu_v = e.project(&pr.x_mean, 1);
        for j in 0..p {
            let col = &mut z[j * n..(j + 1) * n];
            for i in 0..n {
                col[i] = pr.sqrt_w[i] * (col[i] - mu_v[j]);
            }
        }
        let z2: Vec<f64> = z.iter().map(|v| v * v).collect();
        let shrink: Vec<f64> = alphas.iter().flat_map(|&a| e.shrink(a)).collect();
        let mut hat = vec![0.0; n * na];
        matmul_to(
            &mut hat,
            MatRef::from_column_major_slice(&z2, n, p),
            MatRef::from_column_major_slice(&shrink, p, na),
        );
        drop(z2);
        let zc = e.project(&c, t);
        let mut coef = vec![0.0; na * t * p];
        let mut fitted = vec![0.0; n * na];
        for k in 0..t {
            let mut s = shrink.clone();
            for a in 0..na {
                for j in 0..p {
                    s[a * p + j] *= zc[k * p + j];
                }
            }
            matmul_to(
                &mut fitted,
                MatRef::from_column_major_slice(&z, n, p),
                MatRef::from_column_major_slice(&s, p, na),
            );
            let b = e.expand(&s, na);
            for a in 0..na {
                coef[(a * t + k) * p..(a * t + k + 1) * p].copy_from_slice(&b[a * p..(a + 1) * p]);
                let out = &mut errors[(a * t + k) * n..(a * t + k + 1) * n];
                for i in 0..n {
                    let r = ys[k * n + i] - fitted[a * n + i];
                    out[i] = r / (1.0 - hat[a * n + i] - icpt[i]);
                }
            }
        }
        let intercept = coef
            .chunks(p * t)
            .flat_map(|c| intercepts(c, p, stats.x_mean(), stats.y_mean(), fit_intercept))
            .collect();
        return Ok(RidgeLoo {
            errors,
            path: RidgePath { coef, intercept },
        });
    }
    // Kernel form, as scikit-learn's "gram" mode: G = K + αI, c = G⁻¹ys, d = diag(G⁻¹) minus the
    // intercept term (G⁻¹√w)∘√w / W, looe = c / d.
    let k = x.kernel(&pr.x_mean, &pr.x_ss, &pr.sqrt_w);
    let e = Eigh::new(&k, n)?;
    drop(k);
    let inv: Vec<f64> = alphas
        .iter()
        .flat_map(|&a| e.values.iter().map(move |l| 1.0 / (l + a)))
        .collect();
    let q = MatRef::from_column_major_slice(&e.vectors, n, n);
    let q2: Vec<f64> = e.vectors.iter().map(|v| v * v).collect();
    let mut d = vec![0.0; n * na];
    matmul_to(
        &mut d,
        MatRef::from_column_major_slice(&q2, n, n),
        MatRef::from_column_major_slice(&inv, n, na),
    );
    drop(q2);
    if fit_intercept {
        let qs = e.project(&pr.sqrt_w, 1);
        let mut s = inv.clone();
        for a in 0..na {
            for j in 0..n {
                s[a * n + j] *= qs[j];
            }
        }
        let mut gs = vec![0.0; n * na];
        matmul_to(&mut gs, q, MatRef::from_column_major_slice(&s, n, na));
        for a in 0..na {
            for i in 0..n {
                d[a * n + i] -= gs[a * n + i] * pr.sqrt_w[i] / pr.w_sum;
            }
        }
    }
    let qy = e.project(&ys, t);
    let mut dual = vec![0.0; na * t * n];
    for kk in 0..t {
        let mut s = inv.clone();
        for a in 0..na {
            for j in 0..n {
                s[a * n + j] *= qy[kk * n + j];
            }
        }
        let mut cvals = vec![0.0; n * na];
        matmul_to(&mut cvals, q, MatRef::from_column_major_slice(&s, n, na));
        for a in 0..na {
            let col = &cvals[a * n..(a + 1) * n];
            dual[(a * t + kk) * n..(a * t + kk + 1) * n].copy_from_slice(col);
            let out = &mut errors[(a * t + kk) * n..(a * t + kk + 1) * n];
            for i in 0..n {
                out[i] = col[i] / d[a * n + i];
            }
        }
    }
    let coef = dual_to_primal(x, &dual, na * t, &pr);
    let intercept = coef
        .chunks(p * t)
        .flat_map(|c| intercepts(c, p, &pr.x_mean, &pr.y_mean, fit_intercept))
        .collect();
    Ok(RidgeLoo {
        errors,
        path: RidgePath { coef, intercept },
    })
}

/// K-fold cross-validation by Gram down-dating: the statistics of each test fold are formed
/// once, the training statistics are `total ⊖ fold`, and each fold's path comes from one
/// eigendecomposition. `folds` must partition the rows. Returns one path per fold.
pub fn kfold_paths<D: RidgeDesign>(
    x: &D,
    y: &[f64],
    t: usize,
    w: Option<&[f64]>,
    folds: &[Vec<usize>],
    alphas: &[f64],
    fit_intercept: bool,
) -> Result<Vec<RidgePath>> {
    check_alphas(alphas, false)?;
    let n = x.n_samples();
    prepare(x, y, t, w, fit_intercept, false, false)?;
    let mut seen = vec![false; n];
    for f in folds {
        for &i in f {
            if i >= n || seen[i] {
                return Err(invalid("cv", "test folds must partition the samples"));
            }
            seen[i] = true;
        }
    }
    if seen.iter().any(|s| !s) {
        return Err(invalid("cv", "test folds must partition the samples"));
    }
    let parts: Vec<GramStats> = folds
        .iter()
        .map(|f| x.row_stats(f, y, t, w))
        .collect::<Result<_>>()?;
    let mut total = GramStats::new(x.n_features(), t);
    for s in &parts {
        total.merge(s)?;
    }
    parts
        .par_iter()
        .map(|part| {
            let mut train = total.clone();
            train.remove(part)?;
            path_stats(&train, alphas, fit_intercept)
        })
        .collect()
}

/// Weighted mean squared error `Σ w (y − xᵀβ − b)² / W` of a fit on the rows summarised by
/// `part`, from its statistics alone: the centred part plus the squared mean residual.
pub fn stats_mse(part: &GramStats, coef: &[f64], intercept: &[f64]) -> Vec<f64> {
    let (p, t) = (part.n_features(), part.n_targets());
    let w = part.w_sum();
    (0..t)
        .map(|k| {
            if w <= 0.0 {
                return f64::NAN;
            }
            let beta = &coef[k * p..(k + 1) * p];
            let g_beta: Vec<f64> = (0..p)
                .map(|i| dot(&part.xx()[i * p..(i + 1) * p], beta))
                .collect();
            let centred = part.yy()[k * t + k] - 2.0 * dot(beta, &part.xy()[k * p..(k + 1) * p])
                + dot(beta, &g_beta);
            let mean_resid = part.y_mean()[k] - dot(part.x_mean(), beta) - intercept[k];
            (centred.max(0.0) + w * mean_resid * mean_resid) / w
        })
        .collect()
}

/// K-fold cross-validation from per-fold statistics only (e.g. gathered chunk by chunk): the
/// training statistics of fold f are the pooled total minus fold f, and the test error is
/// [`stats_mse`] on fold f. Returns each fold's path and the test MSE, `F × A × t`.
pub fn kfold_from_parts(
    parts: &[GramStats],
    alphas: &[f64],
    fit_intercept: bool,
) -> Result<(Vec<RidgePath>, Vec<f64>)> {
    check_alphas(alphas, false)?;
    let first = parts
        .first()
        .ok_or_else(|| invalid("folds", "at least two folds are needed"))?;
    if parts.len() < 2 {
        return Err(invalid("folds", "at least two folds are needed"));
    }
    let mut total = GramStats::new(first.n_features(), first.n_targets());
    for s in parts {
        total.merge(s)?;
    }
    let (p, t) = (first.n_features(), first.n_targets());
    let results: Vec<(RidgePath, Vec<f64>)> = parts
        .par_iter()
        .map(|part| {
            let mut train = total.clone();
            train.remove(part)?;
            let path = path_stats(&train, alphas, fit_intercept)?;
            let mut mse = Vec::with_capacity(alphas.len() * t);
            for a in 0..alphas.len() {
                mse.extend(stats_mse(
                    part,
                    &path.coef[a * t * p..(a + 1) * t * p],
                    &path.intercept[a * t..(a + 1) * t],
                ));
            }
            Ok((path, mse))
        })
        .collect::<Result<_>>()?;
    let mut paths = Vec::with_capacity(parts.len());
    let mut mse = Vec::new();
    for (path, m) in results {
        paths.push(path);
        mse.extend(m);
    }
    Ok((paths, mse))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gram::tests_support::{rand_vec, rows};

    fn close(a: &[f64], b: &[f64], tol: f64) {
        let scale = b.iter().fold(1e-300f64, |m, v| m.max(v.abs()));
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() <= tol * scale, "{x} vs {y} (scale {scale})");
        }
    }

    fn params(alphas: Vec<f64>, solver: RidgeSolver, t: usize, fi: bool) -> RidgeParams {
        RidgeParamsBuilder {
            alphas,
            fit_intercept: fi,
            solver,
            tol: 1e-13,
            max_iter: Some(100_000),
            ..Default::default()
        }
        .check(t)
        .unwrap()
    }

    fn to_csc(x: &[f64], n: usize, p: usize) -> (Vec<f64>, Vec<i32>, Vec<i32>) {
        let (mut data, mut indices, mut indptr) = (vec![], vec![], vec![0i32]);
        for j in 0..p {
            for i in 0..n {
                if x[j * n + i] != 0.0 {
                    data.push(x[j * n + i]);
                    indices.push(i as i32);
                }
            }
            indptr.push(data.len() as i32);
        }
        (data, indices, indptr)
    }

    /// Residual of the weighted normal equations with intercept, computed directly from X:
    /// X̃ᵀW(ỹ − X̃β) − αβ must vanish, and Σ w (y − Xβ − b) = 0.
    #[allow(clippy::too_many_arguments)]
    fn normal_eq_residual(
        x: &[f64],
        n: usize,
        p: usize,
        y: &[f64],
        w: &[f64],
        alpha: f64,
        beta: &[f64],
        b: f64,
    ) -> (f64, f64) {
        let r: Vec<f64> = (0..n)
            .map(|i| y[i] - b - (0..p).map(|j| x[j * n + i] * beta[j]).sum::<f64>())
            .collect();
        let mut worst: f64 = 0.0;
        for j in 0..p {
            let g: f64 = (0..n).map(|i| w[i] * x[j * n + i] * r[i]).sum::<f64>() - alpha * beta[j];
            worst = worst.max(g.abs());
        }
        let icpt: f64 = (0..n).map(|i| w[i] * r[i]).sum();
        (worst, icpt.abs())
    }

    #[test]
    fn closed_form_single_feature_without_intercept() {
        // β = Σ x y / (Σ x² + α)
        let x = [1.0, 2.0, 3.0];
        let y = [1.0, 1.0, 2.0];
        let d = DenseDesign::new(&x, 3, 1).unwrap();
        for solver in [RidgeSolver::Cholesky, RidgeSolver::Eigh, RidgeSolver::Cg] {
            let f = fit(&d, &y, 1, None, &params(vec![0.5], solver, 1, false)).unwrap();
            assert!((f.coef[0] - 9.0 / 14.5).abs() < 1e-12, "{solver:?}");
            assert_eq!(f.intercept[0], 0.0);
        }
    }

    #[test]
    fn normal_equations_hold_for_every_solver_dense_and_sparse() {
        for (n, p) in [(40, 6), (8, 15)] {
            let mut x = rand_vec(n * p, 11);
            for v in x.iter_mut() {
                if v.abs() < 0.3 {
                    *v = 0.0;
                }
            }
            let y = rand_vec(n, 12);
            let w: Vec<f64> = rand_vec(n, 13).iter().map(|v| v.abs() + 0.2).collect();
            let (data, indices, indptr) = to_csc(&x, n, p);
            let dense = DenseDesign::new(&x, n, p).unwrap();
            let csc = CscDesign::new(&data, &indices, &indptr, n).unwrap();
            let alpha = 0.7;
            for solver in [
                RidgeSolver::Auto,
                RidgeSolver::Cholesky,
                RidgeSolver::Eigh,
                RidgeSolver::Cg,
            ] {
                let prm = params(vec![alpha], solver, 1, true);
                for f in [
                    fit(&dense, &y, 1, Some(&w), &prm).unwrap(),
                    fit(&csc, &y, 1, Some(&w), &prm).unwrap(),
                ] {
                    let (g, i) =
                        normal_eq_residual(&x, n, p, &y, &w, alpha, &f.coef, f.intercept[0]);
                    assert!(g < 1e-9 && i < 1e-9, "{solver:?} {n}x{p}: {g} {i}");
                }
            }
        }
    }

    #[test]
    fn eigh_equals_cholesky_and_cg_equals_cholesky_multi_target() {
        let (n, p, t) = (50, 8, 3);
        let x = rand_vec(n * p, 21);
        let y = rand_vec(n * t, 22);
        let d = DenseDesign::new(&x, n, p).unwrap();
        let alphas = vec![0.1, 1.0, 0.1];
        let c = fit(
            &d,
            &y,
            t,
            None,
            &params(alphas.clone(), RidgeSolver::Cholesky, t, true),
        )
        .unwrap();
        assert_eq!(c.solver, SolverUsed::Cholesky);
        let e = fit(
            &d,
            &y,
            t,
            None,
            &params(alphas.clone(), RidgeSolver::Eigh, t, true),
        )
        .unwrap();
        let g = fit(
            &d,
            &y,
            t,
            None,
            &params(alphas.clone(), RidgeSolver::Cg, t, true),
        )
        .unwrap();
        close(&e.coef, &c.coef, 1e-10);
        close(&g.coef, &c.coef, 1e-9);
        close(&e.intercept, &c.intercept, 1e-10);
        // Per-target α really differs: target 1 with its own α equals a single-target fit.
        let one = fit(
            &d,
            &y[n..2 * n],
            1,
            None,
            &params(vec![1.0], RidgeSolver::Cholesky, 1, true),
        )
        .unwrap();
        close(&c.coef[p..2 * p], &one.coef, 1e-12);
    }

    #[test]
    fn kernel_apply_equals_explicit_product_dense_and_sparse_any_thread_count() {
        let (n, p) = (30, 700);
        let mut x: Vec<f64> = rand_vec(n * p, 41).iter().map(|v| v + 0.5).collect();
        for v in x.iter_mut() {
            if v.abs() < 0.6 {
                *v = 0.0;
            }
        }
        let mean = rand_vec(p, 42);
        let s = rand_vec(n, 43);
        // X̃ X̃ᵀ s with X̃ = X − 1μᵀ, formed explicitly.
        let u: Vec<f64> = (0..p)
            .map(|j| (0..n).map(|i| (x[j * n + i] - mean[j]) * s[i]).sum())
            .collect();
        let want: Vec<f64> = (0..n)
            .map(|i| (0..p).map(|j| (x[j * n + i] - mean[j]) * u[j]).sum())
            .collect();
        let (data, indices, indptr) = to_csc(&x, n, p);
        let dense = DenseDesign::new(&x, n, p).unwrap();
        let csc = CscDesign::new(&data, &indices, &indptr, n).unwrap();
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut got = vec![0.0; n];
            pool.install(|| dense.kernel_apply(&mean, &s, &mut got));
            close(&got, &want, 1e-12);
            pool.install(|| csc.kernel_apply(&mean, &s, &mut got));
            close(&got, &want, 1e-12);
        }
    }

    #[test]
    fn gram_apply_equals_explicit_product_dense_and_sparse_any_thread_count() {
        // Tall enough for several row blocks per thread in the dense fused product; p not a
        // multiple of four and ragged blocks exercise the kernels' remainder loops.
        let (n, p) = (5000, 43);
        let mut x: Vec<f64> = rand_vec(n * p, 44).iter().map(|v| v - 0.3).collect();
        for v in x.iter_mut() {
            if v.abs() < 0.5 {
                *v = 0.0;
            }
        }
        let mean = rand_vec(p, 45);
        let v = rand_vec(p, 46);
        let w: Vec<f64> = rand_vec(n, 47).iter().map(|a| a.abs() + 0.1).collect();
        // X̃ᵀ W X̃ v with X̃ = X − 1μᵀ, formed explicitly.
        let u: Vec<f64> = (0..n)
            .map(|i| w[i] * (0..p).map(|j| (x[j * n + i] - mean[j]) * v[j]).sum::<f64>())
            .collect();
        let want: Vec<f64> = (0..p)
            .map(|j| (0..n).map(|i| (x[j * n + i] - mean[j]) * u[i]).sum())
            .collect();
        let (data, indices, indptr) = to_csc(&x, n, p);
        let dense = DenseDesign::new(&x, n, p).unwrap();
        let csc = CscDesign::new(&data, &indices, &indptr, n).unwrap();
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut got = vec![0.0; p];
            pool.install(|| dense.gram_apply(&mean, &w, &v, &mut got));
            close(&got, &want, 1e-12);
            pool.install(|| csc.gram_apply(&mean, &w, &v, &mut got));
            close(&got, &want, 1e-12);
        }
    }

    #[test]
    fn auto_on_dense_wide_uses_cg_when_it_converges_and_the_kernel_otherwise() {
        let (n, p) = (256, 2000);
        let x = rand_vec(n * p, 51);
        let y = rand_vec(n, 52);
        let w: Vec<f64> = rand_vec(n, 53).iter().map(|v| v.abs() + 0.1).collect();
        let d = DenseDesign::new(&x, n, p).unwrap();
        let auto = |alpha: f64| {
            let prm = RidgeParamsBuilder {
                alphas: vec![alpha],
                ..Default::default()
            }
            .check(1)
            .unwrap();
            fit(&d, &y, 1, Some(&w), &prm).unwrap()
        };
        let direct = |alpha: f64| {
            let prm = params(vec![alpha], RidgeSolver::Cholesky, 1, true);
            fit(&d, &y, 1, Some(&w), &prm).unwrap()
        };
        // Well conditioned: CG reaches the direct solution within its budget.
        let (a, b) = (auto(1e4), direct(1e4));
        assert_eq!(a.solver, SolverUsed::Cg);
        assert_eq!(b.solver, SolverUsed::CholeskyDual);
        close(&a.coef, &b.coef, 1e-10);
        close(&a.intercept, &b.intercept, 1e-10);
        // Poorly conditioned for the budget: falls back to the kernel Cholesky.
        let (a, b) = (auto(1e-3), direct(1e-3));
        assert_eq!(a.solver, SolverUsed::CholeskyDual);
        close(&a.coef, &b.coef, 1e-12);
    }

    #[test]
    fn auto_on_dense_tall_cg_agrees_with_the_gram() {
        let (n, p) = (3000, 300);
        let x = rand_vec(n * p, 61);
        let y = rand_vec(2 * n, 62);
        let d = DenseDesign::new(&x, n, p).unwrap();
        let prm = RidgeParamsBuilder {
            alphas: vec![1e5, 2e5],
            ..Default::default()
        }
        .check(2)
        .unwrap();
        let a = fit(&d, &y, 2, None, &prm).unwrap();
        assert_eq!(a.solver, SolverUsed::Cg);
        let b = fit(
            &d,
            &y,
            2,
            None,
            &params(vec![1e5, 2e5], RidgeSolver::Cholesky, 2, true),
        )
        .unwrap();
        close(&a.coef, &b.coef, 1e-10);
        close(&a.intercept, &b.intercept, 1e-10);
    }

    #[test]
    fn primal_equals_dual() {
        let (n, p) = (12, 30);
        let x: Vec<f64> = rand_vec(n * p, 31).iter().map(|v| v + 2.0).collect();
        let y = rand_vec(n, 32);
        let w: Vec<f64> = rand_vec(n, 33).iter().map(|v| v.abs() + 0.1).collect();
        let d = DenseDesign::new(&x, n, p).unwrap();
        let prm = params(vec![0.3], RidgeSolver::Cholesky, 1, true);
        let dual = fit(&d, &y, 1, Some(&w), &prm).unwrap();
        assert_eq!(dual.solver, SolverUsed::CholeskyDual);
        let primal = fit_stats(&d.gram_stats(&y, 1, Some(&w)).unwrap(), &prm).unwrap();
        close(&dual.coef, &primal.coef, 1e-10);
        close(&dual.intercept, &primal.intercept, 1e-10);
    }

    #[test]
    fn singular_system_gives_minimum_norm_solution_not_garbage() {
        // Two identical columns, α = 0: the minimum-norm solution splits the weight evenly.
        let n = 20;
        let c = rand_vec(n, 41);
        let mut x = c.clone();
        x.extend(&c);
        let y: Vec<f64> = c.iter().map(|v| 2.0 * v + 1.0).collect();
        let d = DenseDesign::new(&x, n, 2).unwrap();
        let f = fit(
            &d,
            &y,
            1,
            None,
            &params(vec![0.0], RidgeSolver::Cholesky, 1, true),
        )
        .unwrap();
        assert_eq!(f.solver, SolverUsed::Eigh);
        close(&f.coef, &[1.0, 1.0], 1e-8);
        assert!((f.intercept[0] - 1.0).abs() < 1e-8);
    }

    #[test]
    fn positive_satisfies_kkt() {
        let (n, p) = (60, 7);
        let x = rand_vec(n * p, 51);
        let y = rand_vec(n, 52);
        let d = DenseDesign::new(&x, n, p).unwrap();
        let prm = RidgeParamsBuilder {
            alphas: vec![0.5],
            positive: true,
            tol: 1e-12,
            ..Default::default()
        }
        .check(1)
        .unwrap();
        let f = fit(&d, &y, 1, None, &prm).unwrap();
        assert!(f.converged);
        assert!(f.coef.iter().all(|&b| b >= 0.0));
        assert!(f.coef.contains(&0.0) && f.coef.iter().any(|&b| b > 0.0));
        let ones = vec![1.0; n];
        let r: Vec<f64> = (0..n)
            .map(|i| y[i] - f.intercept[0] - (0..p).map(|j| x[j * n + i] * f.coef[j]).sum::<f64>())
            .collect();
        for j in 0..p {
            // gradient of ½ objective: −x_jᵀr + αβ_j; zero if β_j > 0, ≥ 0 if β_j = 0.
            let g = -(0..n).map(|i| ones[i] * x[j * n + i] * r[i]).sum::<f64>() + 0.5 * f.coef[j];
            if f.coef[j] > 0.0 {
                assert!(g.abs() < 1e-9, "{j}: {g}");
            } else {
                assert!(g > -1e-9, "{j}: {g}");
            }
        }
    }

    /// Leave-one-out by brute force: refit without each sample.
    fn brute_loo(x: &[f64], n: usize, p: usize, y: &[f64], w: &[f64], alpha: f64) -> Vec<f64> {
        (0..n)
            .map(|i| {
                let keep: Vec<usize> = (0..n).filter(|&r| r != i).collect();
                let xs: Vec<f64> = (0..p)
                    .flat_map(|j| keep.iter().map(move |&r| x[j * n + r]))
                    .collect();
                let ys: Vec<f64> = keep.iter().map(|&r| y[r]).collect();
                let ws: Vec<f64> = keep.iter().map(|&r| w[r]).collect();
                let d = DenseDesign::new(&xs, n - 1, p).unwrap();
                let f = fit(
                    &d,
                    &ys,
                    1,
                    Some(&ws),
                    &params(vec![alpha], RidgeSolver::Cholesky, 1, true),
                )
                .unwrap();
                let pred = f.intercept[0] + (0..p).map(|j| x[j * n + i] * f.coef[j]).sum::<f64>();
                w[i].sqrt() * (y[i] - pred)
            })
            .collect()
    }

    #[test]
    fn loo_matches_brute_force_in_gram_and_kernel_modes() {
        let (n, p) = (15, 4);
        let x = rand_vec(n * p, 61);
        let y = rand_vec(n, 62);
        let w: Vec<f64> = rand_vec(n, 63).iter().map(|v| v.abs() + 0.3).collect();
        let d = DenseDesign::new(&x, n, p).unwrap();
        let alphas = [0.3, 3.0];
        for mode in [LooMode::Gram, LooMode::Kernel] {
            let l = loo(&d, &y, 1, Some(&w), &alphas, true, mode).unwrap();
            for (a, &alpha) in alphas.iter().enumerate() {
                let brute = brute_loo(&x, n, p, &y, &w, alpha);
                close(&l.errors[a * n..(a + 1) * n], &brute, 1e-9);
            }
        }
    }

    #[test]
    fn path_matches_pointwise_fits_primal_and_dual() {
        for (n, p) in [(30, 5), (6, 20)] {
            let x = rand_vec(n * p, 71);
            let y = rand_vec(2 * n, 72);
            let d = DenseDesign::new(&x, n, p).unwrap();
            let alphas = [0.01, 1.0, 100.0];
            let path = path(&d, &y, 2, None, &alphas, true).unwrap();
            for (a, &alpha) in alphas.iter().enumerate() {
                let f = fit(
                    &d,
                    &y,
                    2,
                    None,
                    &params(vec![alpha], RidgeSolver::Cholesky, 2, true),
                )
                .unwrap();
                close(&path.coef[a * 2 * p..(a + 1) * 2 * p], &f.coef, 1e-9);
                close(&path.intercept[a * 2..(a + 1) * 2], &f.intercept, 1e-9);
            }
        }
    }

    #[test]
    fn kfold_downdating_equals_refitting_on_training_rows() {
        let (n, p) = (40, 5);
        let x = rand_vec(n * p, 81);
        let y = rand_vec(n, 82);
        let d = DenseDesign::new(&x, n, p).unwrap();
        let folds: Vec<Vec<usize>> = (0..3)
            .map(|k| (0..n).filter(|i| i % 3 == k).collect())
            .collect();
        let alphas = [0.5, 5.0];
        let paths = kfold_paths(&d, &y, 1, None, &folds, &alphas, true).unwrap();
        for (f, fold) in folds.iter().enumerate() {
            let train: Vec<usize> = (0..n).filter(|i| !fold.contains(i)).collect();
            let xr = &x;
            let xs: Vec<f64> = (0..p)
                .flat_map(|j| train.iter().map(move |&r| xr[j * n + r]))
                .collect();
            let ys: Vec<f64> = train.iter().map(|&r| y[r]).collect();
            let dt = DenseDesign::new(&xs, train.len(), p).unwrap();
            let direct = path(&dt, &ys, 1, None, &alphas, true).unwrap();
            close(&paths[f].coef, &direct.coef, 1e-9);
            close(&paths[f].intercept, &direct.intercept, 1e-9);
        }
        let _ = rows(&x, n, p, 0, 1);
    }

    #[test]
    fn kfold_from_parts_mse_equals_direct_prediction_error() {
        let (n, p) = (45, 4);
        let x = rand_vec(n * p, 91);
        let y = rand_vec(n, 92);
        let w: Vec<f64> = rand_vec(n, 93).iter().map(|v| v.abs() + 0.1).collect();
        let cuts = [0, 15, 30, 45];
        let parts: Vec<GramStats> = cuts
            .windows(2)
            .map(|c| {
                GramStats::from_dense(
                    &rows(&x, n, p, c[0], c[1]),
                    c[1] - c[0],
                    p,
                    &y[c[0]..c[1]],
                    1,
                    Some(&w[c[0]..c[1]]),
                )
                .unwrap()
            })
            .collect();
        let alphas = [0.1, 10.0];
        let (paths, mse) = kfold_from_parts(&parts, &alphas, true).unwrap();
        for (f, c) in cuts.windows(2).enumerate() {
            for a in 0..2 {
                let (beta, b) = (&paths[f].coef[a * p..(a + 1) * p], paths[f].intercept[a]);
                let (mut num, mut den) = (0.0, 0.0);
                for i in c[0]..c[1] {
                    let r = y[i] - b - (0..p).map(|j| x[j * n + i] * beta[j]).sum::<f64>();
                    num += w[i] * r * r;
                    den += w[i];
                }
                let direct = num / den;
                assert!((mse[f * 2 + a] - direct).abs() < 1e-10 * direct, "{f} {a}");
            }
        }
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let x = [1.0, f64::NAN, 3.0];
        let d = DenseDesign::new(&x, 3, 1).unwrap();
        let prm = params(vec![1.0], RidgeSolver::Auto, 1, true);
        assert_eq!(
            fit(&d, &[1.0, 2.0, 3.0], 1, None, &prm).unwrap_err(),
            FastregError::NonFinite("X")
        );
        assert!(RidgeParamsBuilder {
            alphas: vec![-1.0],
            ..Default::default()
        }
        .check(1)
        .is_err());
        let x = [1.0, 2.0, 3.0];
        let d = DenseDesign::new(&x, 3, 1).unwrap();
        assert!(fit(&d, &[1.0, 2.0], 1, None, &prm).is_err());
        assert!(fit(&d, &[1.0, 2.0, 3.0], 1, Some(&[1.0, -1.0, 1.0]), &prm).is_err());
    }
}
