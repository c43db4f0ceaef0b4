//! [`RidgeDesign`]: the products with X the Ridge drivers need beyond column access (kernel,
//! `XB`, `XᵀV`, the centred operators for CG), with GEMM for dense X and sparse loops for CSC,
//! which is never densified.

use faer::{MatMut, MatRef};
use rayon::prelude::*;

use super::fused_gram::{fused_block_rows, fused_gram_block};
use super::rows::RowsCopy;
use crate::alloc::try_zeros;
use crate::design::{dot, CscDesign, DenseDesign, Design, SparseIndex};
use crate::error::Result;
use crate::gram::mirror_lower;
use crate::linalg::matmul_to;
use crate::parallel::current_par;

/// Products with X that the Ridge drivers need; implemented with GEMM for dense X and with
/// sparse loops for CSC (never densified).
pub trait RidgeDesign: Design {
    fn nnz(&self) -> usize;
    fn all_finite(&self) -> bool;
    /// `D (X − 1μᵀ)(X − 1μᵀ)ᵀ D` with `D = diag(sqrt_w)`, `n × n`; `spread` holds the centred
    /// column sums of squares (or is empty) to judge whether centring on the kernel is exact.
    /// `OutOfMemory` when the `n × n` matrix cannot be held.
    fn kernel(&self, mean: &[f64], spread: &[f64], sqrt_w: &[f64]) -> Result<Vec<f64>>;
    /// `X B` for a column-major `p × m` matrix B.
    fn x_mul(&self, b: &[f64], m: usize) -> Vec<f64>;
    /// `Xᵀ V` for a column-major `n × m` matrix V.
    fn xt_mul(&self, v: &[f64], m: usize) -> Vec<f64>;
    /// An owned copy of the rows `rows` (ascending).
    fn copy_rows(&self, rows: &[usize]) -> Result<RowsCopy>;
    /// X's column-major values when X is dense (for solves that need X itself).
    fn dense_values(&self) -> Option<&[f64]> {
        None
    }

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
    fn kernel(&self, mean: &[f64], spread: &[f64], sqrt_w: &[f64]) -> Result<Vec<f64>> {
        let n = self.n_samples();
        // Explicit centring (column blocks are contiguous) only when the means dwarf the
        // spread; otherwise XXᵀ straight from the caller's buffer and a rank-two correction.
        let ill = mean
            .iter()
            .zip(spread)
            .any(|(&m, &ss)| ss > 0.0 && n as f64 * m * m > 1e8 * ss);
        let mut k = kernel_zeros(n)?;
        if !ill {
            kernel_lower_rank_two_centred(self, mean, &mut k)
        } else {
            kernel_lower_explicitly_centred(self, mean, &mut k)
        };
        for j in 0..n {
            for i in j..n {
                k[j * n + i] *= sqrt_w[i] * sqrt_w[j];
            }
        }
        mirror_lower(&mut k, n);
        Ok(k)
    }
    fn x_mul(&self, b: &[f64], m: usize) -> Vec<f64> {
        let (n, p) = (self.n_samples(), self.n_features());
        let mut out = vec![0.0; n * m];
        matmul_to(
            &mut out,
            MatRef::from_column_major_slice(self.data(), n, p),
            MatRef::from_column_major_slice(b, p, m),
        );
        out
    }
    fn xt_mul(&self, v: &[f64], m: usize) -> Vec<f64> {
        let (n, p) = (self.n_samples(), self.n_features());
        let mut out = vec![0.0; p * m];
        matmul_to(
            &mut out,
            MatRef::from_column_major_slice(self.data(), n, p).transpose(),
            MatRef::from_column_major_slice(v, n, m),
        );
        out
    }
    fn copy_rows(&self, rows: &[usize]) -> Result<RowsCopy> {
        RowsCopy::of_dense(self, rows)
    }
    fn dense_values(&self) -> Option<&[f64]> {
        Some(self.data())
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

/// Lower triangle of `(X − 1μᵀ)(X − 1μᵀ)ᵀ` as `XXᵀ` from the caller's buffer plus the rank-two
/// correction `μᵀμ − v_i − v_j` with `v = Xμ`.
fn kernel_lower_rank_two_centred(x: &DenseDesign<'_>, mean: &[f64], k: &mut [f64]) {
    let (n, p) = (x.n_samples(), x.n_features());
    let xm = MatRef::from_column_major_slice(x.data(), n, p);
    gram_lower_t(
        MatMut::from_column_major_slice_mut(k, n, n),
        xm,
        false,
        current_par(),
    );
    if mean.iter().any(|&m| m != 0.0) {
        let v = x.x_mul(mean, 1);
        let c = dot(mean, mean);
        for j in 0..n {
            for i in j..n {
                k[j * n + i] += c - v[i] - v[j];
            }
        }
    }
}

/// Lower triangle of `(X − 1μᵀ)(X − 1μᵀ)ᵀ` accumulated over blocks of centred columns copied
/// into a buffer of about 16 MB.
fn kernel_lower_explicitly_centred(x: &DenseDesign<'_>, mean: &[f64], k: &mut [f64]) {
    let (n, p) = (x.n_samples(), x.n_features());
    let par = current_par();
    let bp = ((1 << 21) / n.max(1)).max(16).min(p);
    let mut buf = vec![0.0; n * bp];
    let mut j0 = 0;
    let mut first = true;
    while j0 < p {
        let j1 = (j0 + bp).min(p);
        for j in j0..j1 {
            let dst = &mut buf[(j - j0) * n..(j - j0 + 1) * n];
            for (d, v) in dst.iter_mut().zip(x.col(j)) {
                *d = v - mean[j];
            }
        }
        let b = MatRef::from_column_major_slice(&buf[..n * (j1 - j0)], n, j1 - j0);
        gram_lower_t(MatMut::from_column_major_slice_mut(k, n, n), b, !first, par);
        first = false;
        j0 = j1;
    }
}

/// A zeroed `n × n` kernel, or `OutOfMemory` naming it.
fn kernel_zeros(n: usize) -> Result<Vec<f64>> {
    try_zeros(n, n, || format!("the kernel matrix of {n} samples"))
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
    fn kernel(&self, mean: &[f64], _spread: &[f64], sqrt_w: &[f64]) -> Result<Vec<f64>> {
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
        let mut k = kernel_zeros(n)?;
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
        Ok(k)
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
    fn copy_rows(&self, rows: &[usize]) -> Result<RowsCopy> {
        RowsCopy::of_csc(self, rows)
    }
}
