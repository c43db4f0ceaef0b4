//! Design matrices: the only view of X the solvers have. A dense column-major and a CSC
//! implementation of one trait; solvers are generic over it and monomorphised.

use std::sync::OnceLock;

use crate::error::{FastregError, Result};
// (the kernels lived here once; their paths stay for the code that imports them from here)
pub(crate) use crate::kernels::portable as kernels;
pub use crate::kernels::{axpy, centred_sums, dot, dot3, dot4, dot4_f32, prefetch, sum};

/// Column access to an `n_samples × n_features` matrix. Centring and sample weights are not
/// the design's business: the solver applies them implicitly through column means.
pub trait Design: Sync {
    fn n_samples(&self) -> usize;
    fn n_features(&self) -> usize;
    /// `Σ_i x_ij v_i`
    fn col_dot(&self, j: usize, v: &[f64]) -> f64;
    /// `Σ_i x_ij w_i v_i`
    fn col_wdot(&self, j: usize, w: &[f64], v: &[f64]) -> f64;
    /// `out[k] = Σ_i x_{i,j} v_i` for `j = features[k]`: the column dots of a full-gradient
    /// sweep. One column at a time unless a design does better.
    fn cols_dot(&self, features: &[usize], v: &[f64], out: &mut [f64]) {
        for (o, &j) in out.iter_mut().zip(features) {
            *o = self.col_dot(j, v);
        }
    }
    /// Coarse column dots for screening: `out[k]` ≈ `Σ_i x_{i,j} v_i` for `j = features[k]`
    /// with `err[k]` a rigorous bound on `|out[k] − Σ_i x_{i,j} v_i|` (exact arithmetic),
    /// given `v_norm ≥ ‖v‖₂`. Cheaper than [`Design::cols_dot`] where a design keeps a
    /// lower-precision copy of X; returns false and writes nothing where it has none.
    fn cols_dot_coarse(
        &self,
        _features: &[usize],
        _v: &[f64],
        _v_norm: f64,
        _out: &mut [f64],
        _err: &mut [f64],
    ) -> bool {
        false
    }
    /// `v += a · x_j`
    fn col_axpy(&self, j: usize, a: f64, v: &mut [f64]);
    /// Weighted mean and centred sum of squares of column j, `(μ_j, Σ_i w_i (x_ij − μ_j)²)`,
    /// with `w_i = 1` when `w` is `None` and `w_sum = Σ_i w_i`. Two passes, so a large mean
    /// does not cancel the variance away.
    fn col_moments(&self, j: usize, w: Option<&[f64]>, w_sum: f64) -> (f64, f64);
    /// Prefetch hints for column j, ahead of a coordinate update: with `entries` false, for
    /// the location of its entries (a sparse column's offsets); with `entries` true, for its
    /// first stored entries, reading the location (so that should have been asked for
    /// earlier). Nothing for dense columns, which start at a computed address and are read
    /// sequentially.
    fn prefetch_col(&self, _j: usize, _entries: bool) {}
    /// Number of stored entries of column j (n for dense); a cost estimate.
    fn col_nnz(&self, j: usize) -> usize;
    /// Whether X is stored sparse (covariance mode is not chosen automatically then).
    fn is_sparse(&self) -> bool {
        false
    }
    /// Weighted sufficient statistics of `(X, Y)` for `t` targets (the Gram matrix of Ridge and
    /// of covariance mode).
    fn gram_stats(&self, y: &[f64], t: usize, w: Option<&[f64]>) -> Result<crate::gram::GramStats>;
    /// Statistics of the rows `rows` only.
    fn row_stats(
        &self,
        rows: &[usize],
        y: &[f64],
        t: usize,
        w: Option<&[f64]>,
    ) -> Result<crate::gram::GramStats>;
}

/// Dense column-major matrix borrowed from the caller (a Fortran-ordered numpy array).
#[derive(Debug)]
pub struct DenseDesign<'a> {
    data: &'a [f64],
    n_samples: usize,
    n_features: usize,
    /// The single-precision copy behind [`Design::cols_dot_coarse`], made on first use.
    coarse: OnceLock<Option<CoarseCopy>>,
    /// Smallest X (entries) given a coarse copy: a smaller one is read from cache anyway.
    coarse_min_len: usize,
}

/// X in single precision, for the coarse dots that let a bounded sweep skip most of the
/// features it must otherwise compute (half the memory traffic of X), with each column's
/// Euclidean norm, which bounds their rounding.
#[derive(Debug)]
struct CoarseCopy {
    data: Vec<f32>,
    norms: Vec<f64>,
}

impl CoarseCopy {
    /// None when an entry is outside single precision's normal range, where rounding to it
    /// is not relative (or overflows).
    fn of(data: &[f64], n: usize) -> Option<Self> {
        let representable = |x: f64| {
            x == 0.0 || (x.abs() >= f64::from(f32::MIN_POSITIVE) && x.abs() <= f64::from(f32::MAX))
        };
        if !data.iter().all(|&x| representable(x)) {
            return None;
        }
        let norms = data.chunks(n.max(1)).map(|c| dot(c, c).sqrt()).collect();
        Some(CoarseCopy {
            data: data.iter().map(|&x| x as f32).collect(),
            norms,
        })
    }
}

/// X of at least this many entries (4 MiB) gets a coarse copy.
const COARSE_MIN_LEN: usize = 1 << 19;

impl<'a> DenseDesign<'a> {
    pub fn new(data: &'a [f64], n_samples: usize, n_features: usize) -> Result<Self> {
        if n_samples.checked_mul(n_features) != Some(data.len()) {
            return Err(FastregError::Shape(format!(
                "dense buffer of length {} is not {n_samples} × {n_features}",
                data.len()
            )));
        }
        Ok(Self {
            data,
            n_samples,
            n_features,
            coarse: OnceLock::new(),
            coarse_min_len: COARSE_MIN_LEN,
        })
    }

    /// The same design with coarse dots at any size (tests exercise them on small X).
    #[cfg(test)]
    pub fn with_coarse_always(mut self) -> Self {
        self.coarse_min_len = 0;
        self
    }

    /// The whole column-major buffer.
    pub fn data(&self) -> &'a [f64] {
        self.data
    }

    #[inline]
    pub fn col(&self, j: usize) -> &'a [f64] {
        &self.data[j * self.n_samples..(j + 1) * self.n_samples]
    }
}

impl Design for DenseDesign<'_> {
    fn n_samples(&self) -> usize {
        self.n_samples
    }
    fn row_stats(
        &self,
        rows: &[usize],
        y: &[f64],
        t: usize,
        w: Option<&[f64]>,
    ) -> Result<crate::gram::GramStats> {
        let (n, p) = (self.n_samples(), self.n_features());
        crate::gram::check_rows(rows, n)?;
        let xs = crate::gram::gather_rows(self.data, n, p, rows);
        let ys = crate::gram::gather_rows(y, n, t, rows);
        let ws = w.map(|w| rows.iter().map(|&i| w[i]).collect::<Vec<_>>());
        crate::gram::GramStats::from_dense(&xs, rows.len(), p, &ys, t, ws.as_deref())
    }
    fn gram_stats(&self, y: &[f64], t: usize, w: Option<&[f64]>) -> Result<crate::gram::GramStats> {
        crate::gram::GramStats::from_dense(self.data, self.n_samples, self.n_features, y, t, w)
    }
    fn n_features(&self) -> usize {
        self.n_features
    }
    #[inline]
    fn col_dot(&self, j: usize, v: &[f64]) -> f64 {
        dot(self.col(j), v)
    }
    #[inline]
    fn col_wdot(&self, j: usize, w: &[f64], v: &[f64]) -> f64 {
        dot3(self.col(j), w, v)
    }
    /// Four columns per pass over `v` (`dot4`: sweeps are memory-bound); a last group of fewer
    /// repeats its final column, so every column's value is the same whatever its neighbours.
    fn cols_dot(&self, features: &[usize], v: &[f64], out: &mut [f64]) {
        for (js, o) in features.chunks(4).zip(out.chunks_mut(4)) {
            let at = |k: usize| self.col(js[k.min(js.len() - 1)]);
            let four = dot4([at(0), at(1), at(2), at(3)], v);
            o.copy_from_slice(&four[..js.len()]);
        }
    }
    /// From the single-precision copy. Rounding X to it moves a dot by at most
    /// `2⁻²⁴ Σ_i |x_ij v_i|`; summing n products in double precision, by at most
    /// `γ_n Σ_i |x̃_ij v_i|` with `γ_n < 2(n+4)·2⁻⁵³`; and `Σ_i |x_ij v_i| ≤ ‖x_j‖‖v‖`. A margin
    /// covers the rounding of the norms, and an absolute term products that underflow.
    fn cols_dot_coarse(
        &self,
        features: &[usize],
        v: &[f64],
        v_norm: f64,
        out: &mut [f64],
        err: &mut [f64],
    ) -> bool {
        if self.data.len() < self.coarse_min_len {
            return false;
        }
        let n = self.n_samples;
        let Some(c) = self.coarse.get_or_init(|| CoarseCopy::of(self.data, n)) else {
            return false;
        };
        let rel = (0.5 * f64::from(f32::EPSILON) + (n as f64 + 4.0) * f64::EPSILON) * (1.0 + 1e-6);
        let floor = (n as f64 + 1.0) * f64::MIN_POSITIVE;
        let col = |j: usize| &c.data[j * n..(j + 1) * n];
        for ((js, o), e) in features
            .chunks(4)
            .zip(out.chunks_mut(4))
            .zip(err.chunks_mut(4))
        {
            let at = |k: usize| col(js[k.min(js.len() - 1)]);
            let four = dot4_f32([at(0), at(1), at(2), at(3)], v);
            o.copy_from_slice(&four[..js.len()]);
            for (e, &j) in e.iter_mut().zip(js) {
                *e = rel * c.norms[j] * v_norm + floor;
            }
        }
        true
    }
    #[inline]
    fn col_axpy(&self, j: usize, a: f64, v: &mut [f64]) {
        axpy(a, self.col(j), v)
    }
    fn col_moments(&self, j: usize, w: Option<&[f64]>, w_sum: f64) -> (f64, f64) {
        crate::gram::column_moments(self.col(j), w, w_sum)
    }
    fn col_nnz(&self, _j: usize) -> usize {
        self.n_samples
    }
}

/// Index types scipy uses for sparse matrices.
pub trait SparseIndex: Copy + Send + Sync + 'static {
    fn to_usize(self) -> usize;
    fn try_usize(self) -> Option<usize>;
}
impl SparseIndex for i32 {
    #[inline(always)]
    fn to_usize(self) -> usize {
        self as usize
    }
    fn try_usize(self) -> Option<usize> {
        usize::try_from(self).ok()
    }
}
impl SparseIndex for i64 {
    #[inline(always)]
    fn to_usize(self) -> usize {
        self as usize
    }
    fn try_usize(self) -> Option<usize> {
        usize::try_from(self).ok()
    }
}

/// Compressed sparse column matrix borrowed from a scipy CSC matrix; never densified.
#[derive(Clone, Copy, Debug)]
pub struct CscDesign<'a, I: SparseIndex> {
    data: &'a [f64],
    indices: &'a [I],
    indptr: &'a [I],
    n_samples: usize,
}

/// The first `(column, row)` stored twice, if any. The solvers read each stored entry as the
/// value at its row (moments, Gram), so duplicates would be counted apart, not summed as scipy
/// does. Unsorted rows are fine; sorted columns are checked without the marker array.
fn duplicate_entry<I: SparseIndex>(
    indices: &[I],
    indptr: &[I],
    n_samples: usize,
) -> Option<(usize, usize)> {
    let mut last_col: Vec<usize> = Vec::new();
    for j in 0..indptr.len() - 1 {
        let col = &indices[indptr[j].to_usize()..indptr[j + 1].to_usize()];
        if col.windows(2).all(|w| w[0].to_usize() < w[1].to_usize()) {
            continue;
        }
        if last_col.is_empty() {
            last_col = vec![usize::MAX; n_samples];
        }
        for i in col {
            let i = i.to_usize();
            if std::mem::replace(&mut last_col[i], j) == j {
                return Some((j, i));
            }
        }
    }
    None
}

impl<'a, I: SparseIndex> CscDesign<'a, I> {
    /// Checks the structure once so the solvers can index without further checks.
    pub fn new(
        data: &'a [f64],
        indices: &'a [I],
        indptr: &'a [I],
        n_samples: usize,
    ) -> Result<Self> {
        if indptr.is_empty() {
            return Err(FastregError::InvalidSparse("indptr is empty".into()));
        }
        if data.len() != indices.len() {
            return Err(FastregError::InvalidSparse(format!(
                "data has {} entries but indices has {}",
                data.len(),
                indices.len()
            )));
        }
        let mut prev = 0usize;
        for (k, p) in indptr.iter().enumerate() {
            let p = p
                .try_usize()
                .ok_or_else(|| FastregError::InvalidSparse("negative indptr".into()))?;
            if (k == 0 && p != 0) || p < prev || p > data.len() {
                return Err(FastregError::InvalidSparse(
                    "indptr is not a valid offset array".into(),
                ));
            }
            prev = p;
        }
        if prev != data.len() {
            return Err(FastregError::InvalidSparse(
                "indptr does not end at nnz".into(),
            ));
        }
        if indices
            .iter()
            .any(|i| i.try_usize().is_none_or(|i| i >= n_samples))
        {
            return Err(FastregError::InvalidSparse("row index out of range".into()));
        }
        if let Some((j, i)) = duplicate_entry(indices, indptr, n_samples) {
            return Err(FastregError::InvalidSparse(format!(
                "column {j} stores row {i} more than once; sum duplicate entries first \
                 (scipy: sum_duplicates())"
            )));
        }
        Ok(Self {
            data,
            indices,
            indptr,
            n_samples,
        })
    }

    /// The three CSC arrays `(data, indices, indptr)`, already checked.
    pub fn raw(&self) -> (&'a [f64], &'a [I], &'a [I]) {
        (self.data, self.indices, self.indptr)
    }

    #[inline]
    fn range(&self, j: usize) -> std::ops::Range<usize> {
        self.indptr[j].to_usize()..self.indptr[j + 1].to_usize()
    }

    /// The CSC arrays of the rows `rows` (distinct, in range), renumbered by their place in
    /// `rows`; each column keeps its stored order.
    pub fn select_rows(&self, rows: &[usize]) -> (Vec<f64>, Vec<i64>, Vec<i64>) {
        let mut new_index = vec![usize::MAX; self.n_samples()];
        for (k, &i) in rows.iter().enumerate() {
            new_index[i] = k;
        }
        let (mut d, mut ix, mut ip) = (Vec::new(), Vec::new(), vec![0i64]);
        for j in 0..self.n_features() {
            for k in self.range(j) {
                let r = new_index[self.indices[k].to_usize()];
                if r != usize::MAX {
                    d.push(self.data[k]);
                    ix.push(r as i64);
                }
            }
            ip.push(d.len() as i64);
        }
        (d, ix, ip)
    }
}

/// `Σ_k data_k · f(indices_k)` with four independent accumulators, so the additions of
/// consecutive stored entries overlap instead of waiting on each other (a column of a few dozen
/// entries is otherwise one long chain of dependent additions).
#[inline(always)]
fn gather_sum<I: SparseIndex>(data: &[f64], indices: &[I], f: impl Fn(usize) -> f64) -> f64 {
    let mut acc = [0.0f64; 4];
    let (cd, ci) = (data.chunks_exact(4), indices.chunks_exact(4));
    let (rd, ri) = (cd.remainder(), ci.remainder());
    for (x, i) in cd.zip(ci) {
        for k in 0..4 {
            acc[k] += x[k] * f(i[k].to_usize());
        }
    }
    let mut tail = 0.0;
    for (x, i) in rd.iter().zip(ri) {
        tail += x * f(i.to_usize());
    }
    (acc[0] + acc[2]) + (acc[1] + acc[3]) + tail
}

impl<I: SparseIndex> Design for CscDesign<'_, I> {
    fn n_samples(&self) -> usize {
        self.n_samples
    }
    #[inline]
    fn prefetch_col(&self, j: usize, entries: bool) {
        if !entries {
            prefetch(&self.indptr[j]);
            return;
        }
        let start = self.indptr[j].to_usize();
        if start < self.data.len() {
            prefetch(&self.data[start]);
            prefetch(&self.indices[start]);
        }
    }
    fn row_stats(
        &self,
        rows: &[usize],
        y: &[f64],
        t: usize,
        w: Option<&[f64]>,
    ) -> Result<crate::gram::GramStats> {
        let n = self.n_samples();
        crate::gram::check_rows(rows, n)?;
        // Row order inside a column does not matter to the statistics.
        let (d, ix, ip) = self.select_rows(rows);
        let sub = CscDesign::new(&d, &ix, &ip, rows.len())?;
        let ys = crate::gram::gather_rows(y, n, t, rows);
        let ws = w.map(|w| rows.iter().map(|&i| w[i]).collect::<Vec<_>>());
        crate::gram::GramStats::from_csc(&sub, &ys, t, ws.as_deref())
    }
    fn gram_stats(&self, y: &[f64], t: usize, w: Option<&[f64]>) -> Result<crate::gram::GramStats> {
        crate::gram::GramStats::from_csc(self, y, t, w)
    }
    fn is_sparse(&self) -> bool {
        true
    }
    fn n_features(&self) -> usize {
        self.indptr.len() - 1
    }
    #[inline]
    fn col_dot(&self, j: usize, v: &[f64]) -> f64 {
        let r = self.range(j);
        assert!(v.len() >= self.n_samples);
        // SAFETY: indices were checked `< n_samples` in `new`, and v has n_samples entries.
        gather_sum(&self.data[r.clone()], &self.indices[r], |i| unsafe {
            *v.get_unchecked(i)
        })
    }
    #[inline]
    fn col_wdot(&self, j: usize, w: &[f64], v: &[f64]) -> f64 {
        let r = self.range(j);
        assert!(v.len() >= self.n_samples && w.len() >= self.n_samples);
        // SAFETY: as in col_dot, for w and v.
        gather_sum(&self.data[r.clone()], &self.indices[r], |i| unsafe {
            *w.get_unchecked(i) * *v.get_unchecked(i)
        })
    }
    #[inline]
    fn col_axpy(&self, j: usize, a: f64, v: &mut [f64]) {
        let r = self.range(j);
        assert!(v.len() >= self.n_samples);
        for (x, i) in self.data[r.clone()].iter().zip(&self.indices[r]) {
            // SAFETY: as in col_dot.
            unsafe { *v.get_unchecked_mut(i.to_usize()) += a * x };
        }
    }
    fn col_moments(&self, j: usize, w: Option<&[f64]>, w_sum: f64) -> (f64, f64) {
        let r = self.range(j);
        let entries = || {
            self.data[r.clone()]
                .iter()
                .zip(&self.indices[r.clone()])
                .map(|(x, i)| (*x, w.map_or(1.0, |w| w[i.to_usize()])))
        };
        let mean = entries().map(|(x, wi)| wi * x).sum::<f64>() / w_sum;
        // Implicit zeros contribute μ² times their total weight: none when every row is stored
        // (so a constant column's sum of squares stays a sum of tiny squares, not the
        // difference of two large numbers).
        let zero_weight = if r.len() == self.n_samples {
            0.0
        } else {
            (w_sum - entries().map(|(_, wi)| wi).sum::<f64>()).max(0.0)
        };
        let stored: f64 = entries().map(|(x, wi)| wi * (x - mean) * (x - mean)).sum();
        (mean, stored + mean * mean * zero_weight)
    }
    fn col_nnz(&self, j: usize) -> usize {
        self.range(j).len()
    }
}

#[cfg(test)]
mod coarse_tests {
    use super::*;

    /// `Σ a_i b_i` nearly exactly (Ogita, Rump & Oishi's Dot2: the products' and the sums'
    /// rounding errors are accumulated and added back).
    fn dot_exact(a: &[f64], b: &[f64]) -> f64 {
        let (mut s, mut c) = (0.0f64, 0.0f64);
        for (&x, &y) in a.iter().zip(b) {
            let p = x * y;
            let e = x.mul_add(y, -p);
            let t = s + p;
            let z = t - s;
            c += (s - (t - z)) + (p - z) + e;
            s = t;
        }
        s + c
    }

    /// The coarse dots stay within their bound, on columns whose entries span many orders of
    /// magnitude and on dots that cancel, and the bound is tight enough to screen with; X
    /// outside single precision's normal range gets no coarse dots.
    #[test]
    fn coarse_dots_stay_within_their_bound() {
        let (n, p) = (1001, 24);
        let mut s = 7u64;
        let mut next = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        };
        let v: Vec<f64> = (0..n).map(|_| next()).collect();
        let mut x = vec![0.0; n * p];
        for j in 0..p {
            for i in 0..n {
                let u = next();
                x[j * n + i] = match j % 5 {
                    0 => u,
                    // magnitudes from 1e-30 to 1e30
                    1 => u * 10f64.powf(30.0 * next()),
                    // a column that nearly cancels against v
                    2 => v[i] * if i % 2 == 0 { 1.0 } else { -1.0 } + 1e-9 * u,
                    // exact zeros among large values
                    3 => {
                        if i % 3 == 0 {
                            0.0
                        } else {
                            1e20 * u
                        }
                    }
                    // every entry rounds down by almost 2⁻²⁴ relative, and the errors add up
                    // (to 0.87 of the bound)
                    _ => v[i].signum() * (1.0 + 0.4999 * f64::from(f32::EPSILON)),
                };
            }
        }
        let d = DenseDesign::new(&x, n, p).unwrap().with_coarse_always();
        let v_norm = dot_exact(&v, &v).sqrt() * (1.0 + 1e-12);
        let features: Vec<usize> = (0..p).rev().collect(); // any order, a short last group
        let (mut out, mut err) = (vec![0.0; p], vec![0.0; p]);
        assert!(d.cols_dot_coarse(&features, &v, v_norm, &mut out, &mut err));
        for (k, &j) in features.iter().enumerate() {
            let col = &x[j * n..(j + 1) * n];
            let exact = dot_exact(col, &v);
            let scale = dot_exact(col, col).sqrt() * v_norm;
            assert!(
                (out[k] - exact).abs() <= err[k],
                "column {j}: |{} - {exact}| > {}",
                out[k],
                err[k]
            );
            assert!(
                err[k] <= 1e-7 * scale,
                "column {j}: bound {} of {scale}",
                err[k]
            );
        }
        // entries single precision cannot hold with relative rounding
        for bad in [1e-40, -1e39] {
            let mut y = x.clone();
            y[5] = bad;
            let d = DenseDesign::new(&y, n, p).unwrap().with_coarse_always();
            assert!(!d.cols_dot_coarse(&features, &v, v_norm, &mut out, &mut err));
        }
        // below the size threshold: none
        let d = DenseDesign::new(&x, n, p).unwrap();
        assert!(!d.cols_dot_coarse(&features, &v, v_norm, &mut out, &mut err));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csc_with_duplicate_entries_is_refused_and_unsorted_rows_are_not() {
        let data = [1.0, 2.0, 3.0, 4.0];
        // column 0: rows 2, 0 (unsorted, legal); column 1: row 1 twice
        let unsorted = CscDesign::new(&data[..2], &[2i32, 0], &[0i32, 2, 2], 3).unwrap();
        assert_eq!(unsorted.col_dot(0, &[1.0, 10.0, 100.0]), 102.0);
        let err = CscDesign::new(&data, &[2i32, 0, 1, 1], &[0i32, 2, 4], 3).unwrap_err();
        assert!(err.to_string().contains("column 1 stores row 1"), "{err}");
        let err = CscDesign::new(&data[..3], &[0i64, 1, 0], &[0i64, 3], 2).unwrap_err();
        assert!(matches!(err, FastregError::InvalidSparse(_)));
    }
}
