//! A copy of some rows of X as an owned design (dense or CSC, as X), for K-fold training sets
//! solved through their own kernel when p > n, where the p × p Gram of the down-dating route
//! would not fit.

use super::{path, RidgePath};
use crate::alloc::try_zeros;
use crate::design::{CscDesign, DenseDesign, Design, SparseIndex};
use crate::error::Result;
use crate::gram::gather_rows;

/// Rows of X, owned: column-major dense, or CSC with int64 indices (row order kept).
pub enum RowsCopy {
    Dense {
        data: Vec<f64>,
        n: usize,
        p: usize,
    },
    Csc {
        data: Vec<f64>,
        indices: Vec<i64>,
        indptr: Vec<i64>,
        n: usize,
    },
}

impl RowsCopy {
    /// The rows `rows` of a dense X, or `OutOfMemory`.
    pub(super) fn of_dense(x: &DenseDesign<'_>, rows: &[usize]) -> Result<Self> {
        let (m, p) = (rows.len(), x.n_features());
        let mut data = try_zeros(m, p, || format!("a copy of {m} rows of X"))?;
        for j in 0..p {
            let (src, dst) = (x.col(j), &mut data[j * m..(j + 1) * m]);
            for (d, &i) in dst.iter_mut().zip(rows) {
                *d = src[i];
            }
        }
        Ok(RowsCopy::Dense { data, n: m, p })
    }

    /// The rows `rows` (ascending, so each column's row order is kept) of a CSC X.
    pub(super) fn of_csc<I: SparseIndex>(x: &CscDesign<'_, I>, rows: &[usize]) -> Result<Self> {
        let (data, indices, indptr) = x.select_rows(rows);
        Ok(RowsCopy::Csc {
            data,
            indices,
            indptr,
            n: rows.len(),
        })
    }

    /// The Ridge path on these rows, with `y` and `w` (of all of X's `n_all` rows) gathered.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn path(
        &self,
        rows: &[usize],
        n_all: usize,
        y: &[f64],
        t: usize,
        w: Option<&[f64]>,
        alphas: &[f64],
        fit_intercept: bool,
    ) -> Result<RidgePath> {
        let ys = gather_rows(y, n_all, t, rows);
        let ws = w.map(|w| rows.iter().map(|&i| w[i]).collect::<Vec<_>>());
        let ws = ws.as_deref();
        match self {
            RowsCopy::Dense { data, n, p } => path(
                &DenseDesign::new(data, *n, *p)?,
                &ys,
                t,
                ws,
                alphas,
                fit_intercept,
            ),
            RowsCopy::Csc {
                data,
                indices,
                indptr,
                n,
            } => path(
                &CscDesign::new(data, indices, indptr, *n)?,
                &ys,
                t,
                ws,
                alphas,
                fit_intercept,
            ),
        }
    }
}
