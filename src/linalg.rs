//! Dense linear algebra, the crate's one home for it (faer underneath, no system BLAS):
//!
//! - [`cholesky`]`(a, dim, α)` factors `A + αI` (column-major, lower) or returns `None` when it
//!   is not numerically positive definite (an error when it cannot be allocated); [`cholesky_solve`] then solves `L Lᵀ X = B` in place.
//! - [`Eigh`] is the symmetric eigendecomposition, with the shifted pseudo-inverse solves
//!   (`shrink`, `project`, `expand`, `solve_projected`) that serve many α from one factorisation.
//! - [`conjugate_gradients`] solves `(A + αI) x = b` with A given as an operator closure, optionally
//!   Jacobi-preconditioned, with a true-residual check before it reports convergence.
//! - [`least_squares`] solves `min ‖AX − B‖` by Householder QR; [`thin_qr`] gives Q and R.
//! - [`matmul_to`] writes the product of two faer views into a column-major slice.

// `!(a > b)` is deliberate: it is also true for NaN. Index loops mirror the formulas.
#![allow(clippy::neg_cmp_op_on_partial_ord, clippy::needless_range_loop)]

use faer::diag::DiagMut;
use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::cholesky::llt::{factor, solve};
use faer::linalg::evd::{self_adjoint_evd, self_adjoint_evd_scratch, ComputeEigenvectors};
use faer::linalg::solvers::SolveLstsq;
use faer::{Accum, Conj, Mat, MatMut, MatRef};

use crate::alloc::{try_copy, try_zeros};
use crate::design::dot;
use crate::error::{invalid, FastregError, Result};
use crate::parallel::current_par;

/// Cholesky factor of `A + αI` (lower, column-major), or `None` when A + αI is not numerically
/// positive definite: a non-positive pivot, or squared pivots spread by more than 1e12 (a
/// condition number that large leaves no trustworthy digits in a Cholesky solve).
/// `OutOfMemory` when the factor cannot be allocated.
pub(crate) fn cholesky(a: &[f64], dim: usize, alpha: f64) -> Result<Option<Vec<f64>>> {
    let mut l = try_copy(a, dim, dim, || factor_name(dim))?;
    for j in 0..dim {
        l[j * dim + j] += alpha;
    }
    let par = current_par();
    let mut mem = scratch(
        factor::cholesky_in_place_scratch::<f64>(dim, par, Default::default()),
        dim,
    )?;
    let factored = factor::cholesky_in_place(
        MatMut::from_column_major_slice_mut(&mut l, dim, dim),
        Default::default(),
        par,
        MemStack::new(&mut mem),
        Default::default(),
    );
    if factored.is_err() {
        return Ok(None);
    }
    let pivots = (0..dim).map(|j| l[j * dim + j] * l[j * dim + j]);
    let (lo, hi) = pivots.fold((f64::INFINITY, 0.0f64), |(lo, hi), d| {
        (lo.min(d), hi.max(d))
    });
    if !(lo > hi * 1e-12) {
        return Ok(None);
    }
    for j in 0..dim {
        for i in 0..j {
            l[j * dim + i] = 0.0;
        }
    }
    Ok(Some(l))
}

/// How an error names a `dim × dim` factorisation.
fn factor_name(dim: usize) -> String {
    format!("the factorisation of a {dim} × {dim} matrix")
}

/// faer's workspace for a factorisation of a `dim × dim` matrix, or `OutOfMemory`.
fn scratch(req: StackReq, dim: usize) -> Result<MemBuffer> {
    MemBuffer::try_new(req).map_err(|_| FastregError::OutOfMemory {
        what: format!("the workspace of {}", factor_name(dim)),
        bytes: req.size_bytes() as u128,
    })
}

/// Solve `L Lᵀ X = B` in place for a column-major `dim × m` B.
pub(crate) fn cholesky_solve(l: &[f64], dim: usize, b: &mut [f64], m: usize) {
    let par = current_par();
    let mut mem = MemBuffer::new(solve::solve_in_place_scratch::<f64>(dim, m, par));
    solve::solve_in_place_with_conj(
        MatRef::from_column_major_slice(l, dim, dim),
        Conj::No,
        MatMut::from_column_major_slice_mut(b, dim, m),
        par,
        MemStack::new(&mut mem),
    );
}

/// Eigendecomposition `A = V diag(λ) Vᵀ` of a symmetric matrix, eigenvalues ascending.
pub struct Eigh {
    pub values: Vec<f64>,
    /// Column-major `dim × dim`.
    pub vectors: Vec<f64>,
    dim: usize,
}

impl Eigh {
    pub fn new(a: &[f64], dim: usize) -> Result<Self> {
        let par = current_par();
        let mut values = vec![0.0; dim];
        let mut vectors = try_zeros(dim, dim, || {
            format!("the eigenvectors of {}", factor_name(dim))
        })?;
        let mut mem = scratch(
            self_adjoint_evd_scratch::<f64>(dim, ComputeEigenvectors::Yes, par, Default::default()),
            dim,
        )?;
        self_adjoint_evd(
            MatRef::from_column_major_slice(a, dim, dim),
            DiagMut::from_slice_mut(&mut values),
            Some(MatMut::from_column_major_slice_mut(&mut vectors, dim, dim)),
            par,
            MemStack::new(&mut mem),
            Default::default(),
        )
        .map_err(|_| invalid("X", "the symmetric eigensolver did not converge"))?;
        Ok(Self {
            values,
            vectors,
            dim,
        })
    }

    /// `1/(λ + α)`, or 0 for directions that are numerically null at α (pseudo-inverse).
    pub fn shrink(&self, alpha: f64) -> Vec<f64> {
        let top = self.values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let cutoff = top * self.dim as f64 * f64::EPSILON;
        self.values
            .iter()
            .map(|&l| {
                let d = l.max(0.0) + alpha;
                if d <= cutoff || d == 0.0 {
                    0.0
                } else {
                    1.0 / d
                }
            })
            .collect()
    }

    /// `Vᵀ B` for a column-major `dim × m` B.
    pub fn project(&self, b: &[f64], m: usize) -> Vec<f64> {
        let mut out = vec![0.0; self.dim * m];
        matmul_to(
            &mut out,
            MatRef::from_column_major_slice(&self.vectors, self.dim, self.dim).transpose(),
            MatRef::from_column_major_slice(b, self.dim, m),
        );
        out
    }

    /// `V Z` for a column-major `dim × m` Z.
    pub fn expand(&self, z: &[f64], m: usize) -> Vec<f64> {
        let mut out = vec![0.0; self.dim * m];
        matmul_to(
            &mut out,
            MatRef::from_column_major_slice(&self.vectors, self.dim, self.dim),
            MatRef::from_column_major_slice(z, self.dim, m),
        );
        out
    }

    /// `(A + α_k I)⁺ b_k` for each column k of B (`z = Vᵀb` precomputed): O(dim²) per column.
    pub fn solve_projected(&self, z: &[f64], alphas: &[f64]) -> Vec<f64> {
        let mut scaled = z.to_vec();
        for (k, &a) in alphas.iter().enumerate() {
            let s = self.shrink(a);
            for (v, si) in scaled[k * self.dim..(k + 1) * self.dim].iter_mut().zip(&s) {
                *v *= si;
            }
        }
        self.expand(&scaled, alphas.len())
    }
}

/// Conjugate gradients for `(A + αI) x = b`, A symmetric positive semi-definite applied by
/// `apply`, optionally Jacobi-preconditioned; stops when `‖r‖ ≤ tol·‖b‖` (scipy's `rtol`).
pub(crate) fn conjugate_gradients(
    apply: impl Fn(&[f64], &mut [f64]),
    b: &[f64],
    precond: Option<&[f64]>,
    alpha: f64,
    tol: f64,
    max_iter: usize,
) -> (Vec<f64>, usize, bool) {
    let m = b.len();
    let mut x = vec![0.0; m];
    let b_norm = dot(b, b).sqrt();
    if b_norm == 0.0 {
        return (x, 0, true);
    }
    let scale = |r: &[f64]| -> Vec<f64> {
        match precond {
            Some(d) => r.iter().zip(d).map(|(a, m)| a * m).collect(),
            None => r.to_vec(),
        }
    };
    let mut r = b.to_vec();
    let mut z = scale(&r);
    let mut d = z.clone();
    let mut rz = dot(&r, &z);
    let mut q = vec![0.0; m];
    let mut it = 0;
    let mut true_residual = vec![0.0; m];
    // (an interrupted solve returns unconverged; the caller's `check` turns it into the error)
    while it < max_iter && !crate::interrupt::requested() {
        if dot(&r, &r).sqrt() <= tol * b_norm {
            // The updated residual drifts from b − (A + αI)x in floating point: recompute it
            // before declaring convergence, and carry on from it if they disagree.
            apply(&x, &mut true_residual);
            for k in 0..m {
                true_residual[k] = b[k] - true_residual[k] - alpha * x[k];
            }
            if dot(&true_residual, &true_residual).sqrt() <= tol * b_norm {
                return (x, it, true);
            }
            r.copy_from_slice(&true_residual);
            z = scale(&r);
            d.copy_from_slice(&z);
            rz = dot(&r, &z);
        }
        it += 1;
        apply(&d, &mut q);
        for (qi, di) in q.iter_mut().zip(&d) {
            *qi += alpha * di;
        }
        let dq = dot(&d, &q);
        if !(dq > 0.0) {
            break;
        }
        let step = rz / dq;
        for k in 0..m {
            x[k] += step * d[k];
            r[k] -= step * q[k];
        }
        z = scale(&r);
        let rz_new = dot(&r, &z);
        let ratio = rz_new / rz;
        rz = rz_new;
        for k in 0..m {
            d[k] = z[k] + ratio * d[k];
        }
    }
    let ok = dot(&r, &r).sqrt() <= tol * b_norm;
    (x, it, ok)
}

/// Cholesky factor (lower, row-major) of a small symmetric positive semi-definite m×m matrix,
/// with `jitter` added to the diagonal and every pivot kept at least `jitter`, so that a
/// singular matrix still factors: Anderson's window of iterate differences and the Gram block
/// of collinear unpenalised columns are singular by nature, where [`cholesky`] gives up. Kept
/// apart from [`cholesky`] because its answers differ in rounding (faer's order of summation),
/// which changes the solvers' iterates and epochs.
pub(crate) fn cholesky_jittered(a: &[f64], m: usize, jitter: f64) -> Vec<f64> {
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

/// Solves `L Lᵀ z = rhs` in place (`z` holds rhs) with a factor of [`cholesky_jittered`].
pub(crate) fn cholesky_jittered_solve(l: &[f64], m: usize, z: &mut [f64]) {
    for i in 0..m {
        let s: f64 = (0..i).map(|k| l[i * m + k] * z[k]).sum();
        z[i] = (z[i] - s) / l[i * m + i];
    }
    for i in (0..m).rev() {
        let s: f64 = (i + 1..m).map(|k| l[k * m + i] * z[k]).sum();
        z[i] = (z[i] - s) / l[i * m + i];
    }
}

/// `argmin ‖A X − B‖` by Householder QR, for a column-major `rows × cols` A of full column
/// rank (`rows ≥ cols`) and `rows × m` B; returns the column-major `cols × m` X.
pub(crate) fn least_squares(a: &[f64], rows: usize, cols: usize, b: &[f64], m: usize) -> Vec<f64> {
    let qr = MatRef::from_column_major_slice(a, rows, cols).qr();
    let mut x = Mat::<f64>::zeros(rows, m);
    x.copy_from(MatRef::from_column_major_slice(b, rows, m));
    qr.solve_lstsq_in_place(x.as_mut());
    (0..m)
        .flat_map(|c| (0..cols).map(move |i| (c, i)))
        .map(|(c, i)| x[(i, c)])
        .collect()
}

/// Thin QR `A = QR` of a column-major `rows × cols` A (`rows ≥ cols`): Q (`rows × cols`) and
/// the upper-triangular R (`cols × cols`), both column-major.
pub(crate) fn thin_qr(a: &[f64], rows: usize, cols: usize) -> (Vec<f64>, Vec<f64>) {
    let qr = MatRef::from_column_major_slice(a, rows, cols).qr();
    let q = qr.compute_thin_Q();
    let r = qr.thin_R();
    let q = (0..cols)
        .flat_map(|c| (0..rows).map(move |i| (i, c)))
        .map(|(i, c)| q[(i, c)])
        .collect();
    let r = (0..cols)
        .flat_map(|c| (0..cols).map(move |i| (i, c)))
        .map(|(i, c)| if i <= c { r[(i, c)] } else { 0.0 })
        .collect();
    (q, r)
}

/// `out = A B` for faer views A (`r × k`) and B (`k × c`), into a column-major `r × c` slice.
pub(crate) fn matmul_to(out: &mut [f64], a: MatRef<'_, f64>, b: MatRef<'_, f64>) {
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
