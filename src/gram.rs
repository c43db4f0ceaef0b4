//! Weighted sufficient statistics of a least-squares problem (`GramStats`): centred XᵀWX, XᵀWy,
//! yᵀWy, weighted means and counts. Built from dense or CSC designs in one shot or chunk by
//! chunk, merged with Chan et al.'s pairwise update so chunk order does not matter.

// `!(a > b)` is deliberate: it is also true for NaN. Index loops mirror the formulas.
#![allow(clippy::neg_cmp_op_on_partial_ord, clippy::needless_range_loop)]

use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::{Accum, MatMut, MatRef, Par};
use rayon::prelude::*;

use crate::alloc::{try_copy, try_zeros};
use crate::design::{CscDesign, Design, SparseIndex};
use crate::error::{invalid, FastregError, Result};
// The thread-pool helpers live in `parallel`; these paths stay for existing callers.
pub(crate) use crate::parallel::thread_pool;
pub use crate::parallel::{current_par, within};

/// `(0..p).map(f)`, over the current context's threads.
fn per_feature<T: Send>(p: usize, f: impl Fn(usize) -> T + Sync + Send) -> Vec<T> {
    match current_par() {
        Par::Seq => (0..p).map(f).collect(),
        _ => (0..p).into_par_iter().map(f).collect(),
    }
}

/// Copy the lower triangle of a column-major `p × p` matrix into its upper triangle.
pub(crate) fn mirror_lower(g: &mut [f64], p: usize) {
    for j in 0..p {
        for i in (j + 1)..p {
            g[i * p + j] = g[j * p + i];
        }
    }
}

/// On one thread, [`gram_lower`] hands faer products `SLICE_DEPTH` deep when the number of
/// features is in `SLICE_FEATURES`.
const SLICE_DEPTH: usize = 256;
const SLICE_FEATURES: std::ops::RangeInclusive<usize> = 257..=512;

/// Lower triangle of `dst (+)= lhsᵀ · rhs` for `lhs`, `rhs` of shape `depth × p`.
///
/// On one thread with 257–512 features, faer would pack a 512-deep slice of all p columns at
/// once, a whole L2; slices 256 deep halve that (benches/DECISIONS.md).
pub(crate) fn gram_lower(
    mut dst: MatMut<'_, f64>,
    lhs: MatRef<'_, f64>,
    rhs: MatRef<'_, f64>,
    add: bool,
    par: Par,
) {
    let depth = lhs.nrows();
    let step = if matches!(par, Par::Seq) && SLICE_FEATURES.contains(&lhs.ncols()) {
        SLICE_DEPTH
    } else {
        depth.max(1)
    };
    let mut r0 = 0;
    loop {
        let rows = step.min(depth - r0);
        triangular::matmul(
            dst.as_mut(),
            BlockStructure::TriangularLower,
            if add || r0 > 0 {
                Accum::Add
            } else {
                Accum::Replace
            },
            lhs.subrows(r0, rows).transpose(),
            BlockStructure::Rectangular,
            rhs.subrows(r0, rows),
            BlockStructure::Rectangular,
            1.0,
            par,
        );
        r0 += rows;
        if r0 >= depth {
            break;
        }
    }
}

/// Weighted sufficient statistics of `(X, Y)` with `p` features and `t` targets.
///
/// All second moments are centred about the weighted means, so merging chunks never subtracts
/// two large numbers (Chan, Golub & LeVeque, 1979).
#[derive(Clone, Debug, PartialEq)]
pub struct GramStats {
    n_features: usize,
    n_targets: usize,
    /// Rows seen, whatever their weight.
    count: usize,
    w_sum: f64,
    x_mean: Vec<f64>,
    y_mean: Vec<f64>,
    /// `Σ w (x − μ)(x − μ)ᵀ`, `p × p` column-major, both triangles.
    xx: Vec<f64>,
    /// `Σ w (x − μ)(y − ȳ)ᵀ`, `p × t` column-major.
    xy: Vec<f64>,
    /// `Σ w (y − ȳ)(y − ȳ)ᵀ`, `t × t`.
    yy: Vec<f64>,
}

/// Checks sample weights (length n, finite, non-negative) and returns their total (n without).
pub(crate) fn check_weights(w: Option<&[f64]>, n: usize) -> Result<f64> {
    match w {
        None => Ok(n as f64),
        Some(w) => {
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
            Ok(w.iter().sum())
        }
    }
}

fn check_y(y: &[f64], n: usize, t: usize) -> Result<()> {
    if n.checked_mul(t) != Some(y.len()) {
        return Err(FastregError::Shape(format!(
            "y buffer of length {} is not {n} samples × {t} targets",
            y.len()
        )));
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(FastregError::NonFinite("y"));
    }
    Ok(())
}

/// Weighted mean of a column, refined by a second pass so a large mean keeps full precision.
fn weighted_mean(c: &[f64], w: Option<&[f64]>, w_sum: f64) -> f64 {
    let raw = match w {
        None => c.iter().sum::<f64>(),
        Some(w) => crate::design::dot(c, w),
    } / w_sum;
    let corr = match w {
        None => c.iter().map(|x| x - raw).sum::<f64>(),
        Some(w) => c.iter().zip(w).map(|(x, wi)| wi * (x - raw)).sum::<f64>(),
    } / w_sum;
    raw + corr
}

/// Weighted mean and centred sum of squares of one column in two passes (the second pass
/// corrects the mean, Chan's "corrected two-pass" formula).
pub(crate) fn column_moments(c: &[f64], w: Option<&[f64]>, w_sum: f64) -> (f64, f64) {
    match w {
        None => {
            // the vectorised kernels: one pass from memory, the second from cache
            let raw = crate::design::sum(c) / w_sum;
            let (d, ss) = crate::design::centred_sums(c, raw);
            (raw + d / w_sum, (ss - d * d / w_sum).max(0.0))
        }
        Some(w) => weighted_moments(c, &w[..c.len()], w_sum),
    }
}

/// [`column_moments`] with weights. Eight independent accumulators per sum, so the additions
/// overlap instead of forming one chain of dependent additions per column.
fn weighted_moments(c: &[f64], w: &[f64], w_sum: f64) -> (f64, f64) {
    const K: usize = 8;
    let body = c.len() - c.len() % K;
    let mut acc = [0.0f64; K];
    for b in (0..body).step_by(K) {
        for k in 0..K {
            acc[k] += w[b + k] * c[b + k];
        }
    }
    let tail: f64 = (body..c.len()).map(|i| w[i] * c[i]).sum();
    let raw = (acc.iter().sum::<f64>() + tail) / w_sum;
    let (mut d, mut ss) = ([0.0f64; K], [0.0f64; K]);
    for b in (0..body).step_by(K) {
        for k in 0..K {
            let e = c[b + k] - raw;
            let we = w[b + k] * e;
            d[k] += we;
            ss[k] += we * e;
        }
    }
    let (mut d, mut ss) = (d.iter().sum::<f64>(), ss.iter().sum::<f64>());
    for i in body..c.len() {
        let e = c[i] - raw;
        d += w[i] * e;
        ss += w[i] * e * e;
    }
    (raw + d / w_sum, (ss - d * d / w_sum).max(0.0))
}

pub(crate) fn gather_rows(a: &[f64], n: usize, q: usize, rows: &[usize]) -> Vec<f64> {
    let mut out = Vec::with_capacity(rows.len() * q);
    for j in 0..q {
        let c = &a[j * n..(j + 1) * n];
        out.extend(rows.iter().map(|&i| c[i]));
    }
    out
}

pub(crate) fn check_rows(rows: &[usize], n: usize) -> Result<()> {
    if rows.iter().any(|&i| i >= n) {
        return Err(FastregError::Shape("row index out of range".into()));
    }
    Ok(())
}

/// How an error names the `p × p` Gram matrix.
pub(crate) fn gram_name(p: usize) -> String {
    format!("the Gram matrix of {p} features")
}

/// Rows per block when X has to be copied block by block (weights or explicit centring).
fn block_rows(p: usize) -> usize {
    (1 << 21) / p.max(1) + 64
}

impl GramStats {
    /// Empty statistics (no rows yet); `OutOfMemory` when the `p × p` Gram cannot be held.
    pub fn new(n_features: usize, n_targets: usize) -> Result<Self> {
        let (p, t) = (n_features, n_targets);
        Ok(Self {
            n_features,
            n_targets,
            count: 0,
            w_sum: 0.0,
            x_mean: vec![0.0; p],
            y_mean: vec![0.0; t],
            xx: try_zeros(p, p, || gram_name(p))?,
            xy: try_zeros(p, t, || {
                format!("the cross-products of {p} features and {t} targets")
            })?,
            yy: try_zeros(t, t, || format!("the cross-products of {t} targets"))?,
        })
    }

    /// A copy, failing with `OutOfMemory` (not aborting) when the Gram cannot be copied.
    pub fn try_clone(&self) -> Result<Self> {
        let (p, t) = (self.n_features, self.n_targets);
        Ok(Self {
            x_mean: self.x_mean.clone(),
            y_mean: self.y_mean.clone(),
            xx: try_copy(&self.xx, p, p, || gram_name(p))?,
            xy: try_copy(&self.xy, p, t, || {
                format!("the cross-products of {p} features")
            })?,
            yy: self.yy.clone(),
            ..*self
        })
    }

    pub fn n_features(&self) -> usize {
        self.n_features
    }
    pub fn n_targets(&self) -> usize {
        self.n_targets
    }
    pub fn count(&self) -> usize {
        self.count
    }
    /// Column j's weighted mean and centred sum of squares `Σ w (x − μ)²`, the latter for
    /// weights rescaled to sum to `w_sum`.
    pub(crate) fn moments(&self, j: usize, w_sum: f64) -> (f64, f64) {
        let p = self.n_features;
        (self.x_mean[j], self.xx[j * p + j] * (w_sum / self.w_sum))
    }

    pub fn w_sum(&self) -> f64 {
        self.w_sum
    }
    pub fn x_mean(&self) -> &[f64] {
        &self.x_mean
    }
    pub fn y_mean(&self) -> &[f64] {
        &self.y_mean
    }
    /// Centred `XᵀWX`, `p × p` column-major.
    pub fn xx(&self) -> &[f64] {
        &self.xx
    }
    /// Centred `XᵀWY`, `p × t` column-major.
    pub fn xy(&self) -> &[f64] {
        &self.xy
    }
    /// Centred `YᵀWY`, `t × t`.
    pub fn yy(&self) -> &[f64] {
        &self.yy
    }

    /// Statistics of a dense column-major chunk `x` (`n × p`) and `y` (`n × t`).
    pub fn from_dense(
        x: &[f64],
        n: usize,
        p: usize,
        y: &[f64],
        t: usize,
        w: Option<&[f64]>,
    ) -> Result<Self> {
        if n.checked_mul(p) != Some(x.len()) {
            return Err(FastregError::Shape(format!(
                "dense buffer of length {} is not {n} × {p}",
                x.len()
            )));
        }
        check_y(y, n, t)?;
        let w_sum = check_weights(w, n)?;
        let mut s = Self::new(p, t)?;
        s.count = n;
        if n == 0 || w_sum <= 0.0 {
            if x.iter().any(|v| !v.is_finite()) {
                return Err(FastregError::NonFinite("X"));
            }
            return Ok(s);
        }
        s.w_sum = w_sum;
        let col = |j: usize| &x[j * n..(j + 1) * n];
        s.y_mean = (0..t)
            .map(|k| weighted_mean(&y[k * n..(k + 1) * n], w, w_sum))
            .collect();
        let v = centred_weighted_response(y, n, t, w, &s.y_mean);
        // Per column, while it is in cache: mean and exact centred sum of squares (a NaN or
        // infinity anywhere makes them non-finite) and the raw cross products x_jᵀv_k, so X is
        // read from memory once before the Gram.
        let moments: Vec<(f64, f64, Vec<f64>)> = per_feature(p, |j| {
            let (m, d) = column_moments(col(j), w, w_sum);
            let xv = (0..t)
                .map(|k| crate::design::dot(col(j), &v[k * n..(k + 1) * n]))
                .collect();
            (m, d, xv)
        });
        if moments
            .iter()
            .any(|(m, d, _)| !(m.is_finite() && d.is_finite()))
        {
            return Err(FastregError::NonFinite("X"));
        }
        s.x_mean = moments.iter().map(|m| m.0).collect();
        let diag: Vec<f64> = moments.iter().map(|m| m.1).collect();
        // Centring on the Gram (XᵀWX − Wμμᵀ) loses about log10(Wμ²/d) digits; beyond 1e8 the
        // blocks of X are centred explicitly instead.
        let ill = (0..p).any(|j| {
            let m2 = w_sum * s.x_mean[j] * s.x_mean[j];
            diag[j] > 0.0 && m2 > 1e8 * diag[j]
        });
        dense_centred_gram(x, n, p, w, w_sum, &s.x_mean, ill, &mut s.xx);
        repair_diag(&mut s.xx, p, &diag);
        mirror_lower(&mut s.xx, p);
        // Cross products with the centred, weighted response: Xᵀ v − μ (Σ v), Σ v ≈ 0.
        for (j, (_, _, xv)) in moments.iter().enumerate() {
            for k in 0..t {
                s.xy[k * p + j] = xv[k];
            }
        }
        for k in 0..t {
            let vk = &v[k * n..(k + 1) * n];
            let vsum: f64 = vk.iter().sum();
            for j in 0..p {
                let m = s.x_mean[j];
                if diag[j] > 0.0 && w_sum * m * m > 1e8 * diag[j] {
                    // Xᵀv would cancel for an offset column: centre it explicitly.
                    s.xy[k * p + j] = col(j).iter().zip(vk).map(|(a, b)| (a - m) * b).sum();
                } else {
                    s.xy[k * p + j] -= m * vsum;
                }
            }
        }
        s.yy = centred_yy(y, n, t, w, &s.y_mean);
        Ok(s)
    }

    /// Statistics of a CSC chunk; the sparse Gram is formed row by row, never densifying X.
    pub fn from_csc<I: SparseIndex>(
        x: &CscDesign<'_, I>,
        y: &[f64],
        t: usize,
        w: Option<&[f64]>,
    ) -> Result<Self> {
        let (n, p) = (x.n_samples(), x.n_features());
        check_y(y, n, t)?;
        let w_sum = check_weights(w, n)?;
        let (data, indices, indptr) = x.raw();
        if data.iter().any(|v| !v.is_finite()) {
            return Err(FastregError::NonFinite("X"));
        }
        let mut s = Self::new(p, t)?;
        s.count = n;
        if n == 0 || w_sum <= 0.0 {
            return Ok(s);
        }
        s.w_sum = w_sum;
        let ones;
        let wv = match w {
            Some(w) => w,
            None => {
                ones = vec![1.0; n];
                &ones[..]
            }
        };
        s.y_mean = (0..t)
            .map(|k| weighted_mean(&y[k * n..(k + 1) * n], w, w_sum))
            .collect();
        let moments: Vec<(f64, f64)> = per_feature(p, |j| x.col_moments(j, Some(wv), w_sum));
        s.x_mean = moments.iter().map(|m| m.0).collect();
        // Row-major copy of the pattern so that each Gram column is a sum of sparse rows.
        let nnz = data.len();
        let mut row_ptr = vec![0usize; n + 1];
        for i in indices {
            row_ptr[i.to_usize() + 1] += 1;
        }
        for i in 0..n {
            row_ptr[i + 1] += row_ptr[i];
        }
        let mut fill = row_ptr.clone();
        let mut row_col = vec![0usize; nnz];
        let mut row_val = vec![0.0f64; nnz];
        for j in 0..p {
            for k in indptr[j].to_usize()..indptr[j + 1].to_usize() {
                let i = indices[k].to_usize();
                row_col[fill[i]] = j;
                row_val[fill[i]] = data[k];
                fill[i] += 1;
            }
        }
        let x_mean = &s.x_mean;
        let column = |(j, gcol): (usize, &mut [f64])| {
            for k in indptr[j].to_usize()..indptr[j + 1].to_usize() {
                let i = indices[k].to_usize();
                let a = wv[i] * data[k];
                for r in row_ptr[i]..row_ptr[i + 1] {
                    gcol[row_col[r]] += a * row_val[r];
                }
            }
            for (i, g) in gcol.iter_mut().enumerate() {
                *g -= w_sum * x_mean[i] * x_mean[j];
            }
        };
        match current_par() {
            Par::Seq => s.xx.chunks_mut(p).enumerate().for_each(column),
            _ => s.xx.par_chunks_mut(p).enumerate().for_each(column),
        }
        let diag: Vec<f64> = moments.iter().map(|m| m.1).collect();
        repair_diag(&mut s.xx, p, &diag);
        for k in 0..t {
            let yk = &y[k * n..(k + 1) * n];
            let v: Vec<f64> = (0..n).map(|i| wv[i] * (yk[i] - s.y_mean[k])).collect();
            let vsum: f64 = v.iter().sum();
            let col: Vec<f64> = per_feature(p, |j| x.col_dot(j, &v) - x_mean[j] * vsum);
            s.xy[k * p..(k + 1) * p].copy_from_slice(&col);
        }
        s.yy = centred_yy(y, n, t, w, &s.y_mean);
        Ok(s)
    }

    fn check_compatible(&self, other: &Self) -> Result<()> {
        if self.n_features != other.n_features || self.n_targets != other.n_targets {
            return Err(FastregError::Shape(format!(
                "cannot merge statistics of {} features × {} targets with {} × {}",
                self.n_features, self.n_targets, other.n_features, other.n_targets
            )));
        }
        Ok(())
    }

    /// Pool two sets of statistics (Chan et al.): `M = M_a + M_b + (W_a W_b / W) δ δᵀ`.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        self.check_compatible(other)?;
        self.count += other.count;
        if other.w_sum <= 0.0 {
            return Ok(());
        }
        if self.w_sum <= 0.0 {
            let count = self.count;
            *self = other.try_clone()?;
            self.count = count;
            return Ok(());
        }
        let (wa, wb) = (self.w_sum, other.w_sum);
        let w = wa + wb;
        let f = wa * wb / w;
        self.combine(other, f, wb / w, 1.0);
        self.w_sum = w;
        Ok(())
    }

    /// Remove the rows of `part` (a subset of the rows pooled into `self`): the inverse of
    /// [`merge`](Self::merge), used to form K-fold training statistics by down-dating.
    pub fn remove(&mut self, part: &Self) -> Result<()> {
        self.check_compatible(part)?;
        if part.count > self.count {
            return Err(invalid(
                "part",
                "has more rows than the statistics it leaves",
            ));
        }
        self.count -= part.count;
        if part.w_sum <= 0.0 {
            return Ok(());
        }
        let w = self.w_sum;
        let wa = w - part.w_sum;
        if wa <= w * 1e-12 {
            *self = Self {
                count: self.count,
                ..Self::new(self.n_features, self.n_targets)?
            };
            return Ok(());
        }
        // Means of the remaining rows, then M_a = M − M_b − (W_a W_b / W) δ δᵀ with δ = μ_a − μ_b.
        let mut rest = self.try_clone()?;
        for (m, mb) in rest.x_mean.iter_mut().zip(&part.x_mean) {
            *m = (w * *m - part.w_sum * mb) / wa;
        }
        for (m, mb) in rest.y_mean.iter_mut().zip(&part.y_mean) {
            *m = (w * *m - part.w_sum * mb) / wa;
        }
        let f = wa * part.w_sum / w;
        let delta_x: Vec<f64> = rest
            .x_mean
            .iter()
            .zip(&part.x_mean)
            .map(|(a, b)| a - b)
            .collect();
        let delta_y: Vec<f64> = rest
            .y_mean
            .iter()
            .zip(&part.y_mean)
            .map(|(a, b)| a - b)
            .collect();
        let (p, t) = (self.n_features, self.n_targets);
        outer_update(&mut rest.xx, &part.xx, &delta_x, &delta_x, -1.0, -f, p);
        outer_update(&mut rest.xy, &part.xy, &delta_x, &delta_y, -1.0, -f, p);
        outer_update(&mut rest.yy, &part.yy, &delta_y, &delta_y, -1.0, -f, t);
        rest.w_sum = wa;
        *self = rest;
        Ok(())
    }

    /// `self ← self + sign·other + f·δδᵀ`, means moved by `step·δ` (δ = μ_other − μ_self).
    fn combine(&mut self, other: &Self, f: f64, step: f64, sign: f64) {
        let (p, t) = (self.n_features, self.n_targets);
        let delta_x: Vec<f64> = other
            .x_mean
            .iter()
            .zip(&self.x_mean)
            .map(|(b, a)| b - a)
            .collect();
        let delta_y: Vec<f64> = other
            .y_mean
            .iter()
            .zip(&self.y_mean)
            .map(|(b, a)| b - a)
            .collect();
        outer_update(&mut self.xx, &other.xx, &delta_x, &delta_x, sign, f, p);
        outer_update(&mut self.xy, &other.xy, &delta_x, &delta_y, sign, f, p);
        outer_update(&mut self.yy, &other.yy, &delta_y, &delta_y, sign, f, t);
        for (m, d) in self.x_mean.iter_mut().zip(&delta_x) {
            *m += step * d;
        }
        for (m, d) in self.y_mean.iter_mut().zip(&delta_y) {
            *m += step * d;
        }
    }

    /// The normal equations `(G, C)` of the problem: centred when fitting an intercept,
    /// otherwise the raw second moments `M + W μ μᵀ`.
    pub fn system(&self, fit_intercept: bool) -> Result<(Vec<f64>, Vec<f64>)> {
        let (p, t) = (self.n_features, self.n_targets);
        let mut g = try_copy(&self.xx, p, p, || gram_name(p))?;
        let mut c = self.xy.clone();
        if !fit_intercept {
            let w = self.w_sum;
            for j in 0..p {
                for i in 0..p {
                    g[j * p + i] += w * self.x_mean[i] * self.x_mean[j];
                }
            }
            for k in 0..t {
                for j in 0..p {
                    c[k * p + j] += w * self.x_mean[j] * self.y_mean[k];
                }
            }
        }
        Ok((g, c))
    }

    /// `Σ w (y_k − ȳ_k)²` (centred) or `Σ w y_k²` for target k.
    pub fn y_norm2(&self, k: usize, fit_intercept: bool) -> f64 {
        let c = self.yy[k * self.n_targets + k];
        if fit_intercept {
            c
        } else {
            c + self.w_sum * self.y_mean[k] * self.y_mean[k]
        }
    }

    /// Rebuild from raw parts (e.g. after pickling); checks the shapes.
    #[allow(clippy::too_many_arguments)]
    pub fn from_parts(
        n_features: usize,
        n_targets: usize,
        count: usize,
        w_sum: f64,
        x_mean: Vec<f64>,
        y_mean: Vec<f64>,
        xx: Vec<f64>,
        xy: Vec<f64>,
        yy: Vec<f64>,
    ) -> Result<Self> {
        let (p, t) = (n_features, n_targets);
        if x_mean.len() != p
            || y_mean.len() != t
            || xx.len() != p * p
            || xy.len() != p * t
            || yy.len() != t * t
        {
            return Err(FastregError::Shape("inconsistent GramStats parts".into()));
        }
        if !(w_sum.is_finite() && w_sum >= 0.0) {
            return Err(invalid("w_sum", "must be finite and >= 0"));
        }
        Ok(Self {
            n_features,
            n_targets,
            count,
            w_sum,
            x_mean,
            y_mean,
            xx,
            xy,
            yy,
        })
    }
}

/// The centred, weighted response `v = W(y − ȳ)`, column-major `n × t`.
fn centred_weighted_response(
    y: &[f64],
    n: usize,
    t: usize,
    w: Option<&[f64]>,
    y_mean: &[f64],
) -> Vec<f64> {
    let mut v = vec![0.0; n * t];
    for k in 0..t {
        let yk = &y[k * n..(k + 1) * n];
        let vk = &mut v[k * n..(k + 1) * n];
        for i in 0..n {
            vk[i] = w.map_or(1.0, |w| w[i]) * (yk[i] - y_mean[k]);
        }
    }
    v
}

/// Lower triangle of the centred `X̃ᵀWX̃` of a dense chunk into `xx`: one GEMM on X and the
/// rank-one `Wμμᵀ` removed when that is exact enough (no weights, not `ill`), else by row
/// blocks, centred explicitly when `ill`.
#[allow(clippy::too_many_arguments)]
fn dense_centred_gram(
    x: &[f64],
    n: usize,
    p: usize,
    w: Option<&[f64]>,
    w_sum: f64,
    x_mean: &[f64],
    ill: bool,
    xx: &mut [f64],
) {
    let xm = MatRef::from_column_major_slice(x, n, p);
    if w.is_none() && !ill {
        let g = MatMut::from_column_major_slice_mut(xx, p, p);
        gram_lower(g, xm, xm, false, current_par());
        subtract_mean_outer(xx, p, w_sum, x_mean);
    } else {
        let centre = if ill { Some(x_mean) } else { None };
        dense_blocks_gram(x, n, p, w, centre, xx);
        if !ill {
            subtract_mean_outer(xx, p, w_sum, x_mean);
        }
    }
}

/// Lower triangle of `xx −= W μμᵀ`.
fn subtract_mean_outer(xx: &mut [f64], p: usize, w_sum: f64, x_mean: &[f64]) {
    for j in 0..p {
        for i in j..p {
            xx[j * p + i] -= w_sum * x_mean[i] * x_mean[j];
        }
    }
}

/// `dst ← dst + sign·src + f·a bᵀ` for column-major `rows × b.len()` matrices.
fn outer_update(
    dst: &mut [f64],
    src: &[f64],
    a: &[f64],
    b: &[f64],
    sign: f64,
    f: f64,
    rows: usize,
) {
    for (k, bk) in b.iter().enumerate() {
        let d = &mut dst[k * rows..(k + 1) * rows];
        let s = &src[k * rows..(k + 1) * rows];
        for i in 0..rows {
            d[i] += sign * s[i] + f * a[i] * bk;
        }
    }
}

/// Replace the Gram diagonal by the exact two-pass centred sums of squares; zero the row and
/// column of a constant feature, whose rank-one correction leaves only rounding noise.
fn repair_diag(g: &mut [f64], p: usize, diag: &[f64]) {
    for j in 0..p {
        g[j * p + j] = diag[j];
        if diag[j] == 0.0 {
            for i in 0..p {
                g[j * p + i] = 0.0;
                g[i * p + j] = 0.0;
            }
        }
    }
}

/// Lower triangle of `Σ_i w_i (x_i − c)(x_i − c)ᵀ` by row blocks copied into small buffers.
fn dense_blocks_gram(
    x: &[f64],
    n: usize,
    p: usize,
    w: Option<&[f64]>,
    centre: Option<&[f64]>,
    g: &mut [f64],
) {
    let m = block_rows(p).min(n);
    let mut lhs = vec![0.0; m * p];
    let mut rhs = vec![0.0; if w.is_some() { m * p } else { 0 }];
    let mut first = true;
    let mut r0 = 0;
    while r0 < n {
        let r1 = (r0 + m).min(n);
        let rows = r1 - r0;
        for j in 0..p {
            let c = centre.map_or(0.0, |c| c[j]);
            let src = &x[j * n + r0..j * n + r1];
            let dl = &mut lhs[j * rows..(j + 1) * rows];
            for (d, v) in dl.iter_mut().zip(src) {
                *d = v - c;
            }
            if let Some(w) = w {
                let dr = &mut rhs[j * rows..(j + 1) * rows];
                for ((d, v), wi) in dr.iter_mut().zip(dl.iter()).zip(&w[r0..r1]) {
                    *d = v * wi;
                }
            }
        }
        let l = MatRef::from_column_major_slice(&lhs[..rows * p], rows, p);
        let r = if w.is_some() {
            MatRef::from_column_major_slice(&rhs[..rows * p], rows, p)
        } else {
            l
        };
        gram_lower(
            MatMut::from_column_major_slice_mut(g, p, p),
            l,
            r,
            !first,
            current_par(),
        );
        first = false;
        r0 = r1;
    }
}

fn centred_yy(y: &[f64], n: usize, t: usize, w: Option<&[f64]>, y_mean: &[f64]) -> Vec<f64> {
    let mut yy = vec![0.0; t * t];
    for a in 0..t {
        for b in 0..=a {
            let (ya, yb) = (&y[a * n..(a + 1) * n], &y[b * n..(b + 1) * n]);
            let s: f64 = (0..n)
                .map(|i| w.map_or(1.0, |w| w[i]) * (ya[i] - y_mean[a]) * (yb[i] - y_mean[b]))
                .sum();
            yy[a * t + b] = s;
            yy[b * t + a] = s;
        }
    }
    yy
}

#[cfg(test)]
pub(crate) mod tests_support {
    //! (the generators moved to `crate::test_fixtures`; this path stays for ridge.rs's tests)
    pub(crate) use crate::test_fixtures::{rand_vec, rows};
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::DenseDesign;
    use crate::test_fixtures::{rand_vec, rows};

    fn naive(x: &[f64], n: usize, p: usize, y: &[f64], w: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let ws: f64 = w.iter().sum();
        // Two-pass means, so the reference itself is accurate for offset columns.
        let mu: Vec<f64> = (0..p)
            .map(|j| {
                let m = (0..n).map(|i| w[i] * x[j * n + i]).sum::<f64>() / ws;
                m + (0..n).map(|i| w[i] * (x[j * n + i] - m)).sum::<f64>() / ws
            })
            .collect();
        let ym = (0..n).map(|i| w[i] * y[i]).sum::<f64>() / ws;
        let mut g = vec![0.0; p * p];
        let mut c = vec![0.0; p];
        for a in 0..p {
            for b in 0..p {
                g[b * p + a] = (0..n)
                    .map(|i| w[i] * (x[a * n + i] - mu[a]) * (x[b * n + i] - mu[b]))
                    .sum();
            }
            c[a] = (0..n)
                .map(|i| w[i] * (x[a * n + i] - mu[a]) * (y[i] - ym))
                .sum();
        }
        (g, c)
    }

    fn close(a: &[f64], b: &[f64], tol: f64) {
        let scale = b.iter().fold(1e-300f64, |m, v| m.max(v.abs()));
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() <= tol * scale, "{x} vs {y} scale {scale}");
        }
    }

    #[test]
    fn dense_stats_match_naive_centred_sums() {
        // 300 features, 825 rows: the Gram in slices of 256 rows and a partial one
        for (n, p, offset) in [(57, 6, 1e5), (825, 300, 1e5), (825, 300, 0.0)] {
            let mut x = rand_vec(n * p, 1);
            // A large offset on one column exercises the explicit-centring fallback.
            for v in &mut x[2 * n..3 * n] {
                *v += offset;
            }
            let y = rand_vec(n, 2);
            let w: Vec<f64> = rand_vec(n, 3).iter().map(|v| v.abs() + 0.1).collect();
            // one thread slices the product, two do not
            for (weights, threads) in [(None, 1), (None, 2), (Some(&w[..]), 1), (Some(&w[..]), 2)] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let s = pool
                    .install(|| GramStats::from_dense(&x, n, p, &y, 1, weights))
                    .unwrap();
                let ones = vec![1.0; n];
                let (g, c) = naive(&x, n, p, &y, weights.unwrap_or(&ones));
                close(s.xx(), &g, 1e-11);
                close(s.xy(), &c, 1e-11);
            }
        }
    }

    #[test]
    fn sparse_stats_match_dense() {
        let (n, p) = (40, 7);
        let mut x = rand_vec(n * p, 4);
        for v in x.iter_mut() {
            if v.abs() < 0.6 {
                *v = 0.0;
            }
        }
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
        let csc = CscDesign::new(&data, &indices, &indptr, n).unwrap();
        let y = rand_vec(2 * n, 5);
        let w: Vec<f64> = rand_vec(n, 6).iter().map(|v| v.abs()).collect();
        let sd = GramStats::from_dense(&x, n, p, &y, 2, Some(&w)).unwrap();
        let ss = GramStats::from_csc(&csc, &y, 2, Some(&w)).unwrap();
        close(ss.xx(), sd.xx(), 1e-12);
        close(ss.xy(), sd.xy(), 1e-12);
        close(ss.x_mean(), sd.x_mean(), 1e-12);
        let _ = DenseDesign::new(&x, n, p).unwrap();
    }

    #[test]
    fn merge_is_order_invariant_and_matches_one_shot() {
        let (n, p, t) = (90, 5, 2);
        let x = rand_vec(n * p, 7)
            .iter()
            .map(|v| v + 3.0)
            .collect::<Vec<_>>();
        let y = rand_vec(n * t, 8);
        let w: Vec<f64> = rand_vec(n, 9).iter().map(|v| v.abs()).collect();
        let whole = GramStats::from_dense(&x, n, p, &y, t, Some(&w)).unwrap();
        let cuts = [0, 13, 14, 50, 90];
        let parts: Vec<GramStats> = cuts
            .windows(2)
            .map(|c| {
                GramStats::from_dense(
                    &rows(&x, n, p, c[0], c[1]),
                    c[1] - c[0],
                    p,
                    &rows(&y, n, t, c[0], c[1]),
                    t,
                    Some(&w[c[0]..c[1]]),
                )
                .unwrap()
            })
            .collect();
        for order in [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]] {
            let mut acc = GramStats::new(p, t).unwrap();
            for k in order {
                acc.merge(&parts[k]).unwrap();
            }
            assert_eq!(acc.count(), n);
            close(acc.xx(), whole.xx(), 1e-12);
            close(acc.xy(), whole.xy(), 1e-12);
            close(acc.yy(), whole.yy(), 1e-12);
            close(acc.x_mean(), whole.x_mean(), 1e-12);
        }
        // Down-dating a part gives the statistics of the rest.
        let mut rest = whole.clone();
        rest.remove(&parts[2]).unwrap();
        let mut direct = parts[0].clone();
        direct.merge(&parts[1]).unwrap();
        direct.merge(&parts[3]).unwrap();
        close(rest.xx(), direct.xx(), 1e-10);
        close(rest.xy(), direct.xy(), 1e-10);
        close(rest.x_mean(), direct.x_mean(), 1e-12);
    }
}
