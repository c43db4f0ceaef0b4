//! Design matrices: the only view of X the solvers have. A dense column-major and a CSC
//! implementation of one trait; solvers are generic over it and monomorphised.

use std::sync::OnceLock;

use crate::error::{FastregError, Result};

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

/// Dense kernels. Each body is written once, with independent accumulators so it vectorises,
/// for the portable baseline (x86-64-v1: SSE2); on x86_64 CPUs that have AVX2 + FMA a second
/// version is chosen at run time, so the wheel never uses an instruction the CPU lacks: `axpy`
/// recompiled with those features, the two reductions written with 256-bit intrinsics (see
/// `avx2`). `FMA` selects fused multiply-adds, which the baseline build would emulate slowly.
/// Measured: about 1.15× on a dense 1000 × 5000 Lasso fit, 1.1–1.5× on in-cache dot + axpy
/// (recompiled bodies); the intrinsics then took a weighted wide-dense fold path from 1.28 s to
/// 0.77 s.
pub(crate) mod kernels {
    #[inline(always)]
    pub(crate) fn madd<const FMA: bool>(a: f64, b: f64, c: f64) -> f64 {
        if FMA {
            a.mul_add(b, c)
        } else {
            a * b + c
        }
    }

    /// Elements per step of the reductions: sixteen independent accumulators, four 256-bit
    /// registers in the AVX2 kernels.
    pub(super) const LANES: usize = 16;

    /// `Σ_k acc[k]`, summed as four 4-wide vectors, then across.
    #[inline(always)]
    fn reduce(acc: &[f64; LANES]) -> f64 {
        let mut v = [0.0f64; 4];
        for k in 0..4 {
            v[k] = (acc[k] + acc[k + 4]) + (acc[k + 8] + acc[k + 12]);
        }
        (v[0] + v[2]) + (v[1] + v[3])
    }

    #[inline(always)]
    pub(super) fn dot<const FMA: bool>(a: &[f64], b: &[f64]) -> f64 {
        let n = a.len().min(b.len());
        let (a, b) = (&a[..n], &b[..n]);
        let mut acc = [0.0f64; LANES];
        let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
        let (ra, rb) = (ca.remainder(), cb.remainder());
        for (x, y) in ca.zip(cb) {
            for k in 0..LANES {
                acc[k] = madd::<FMA>(x[k], y[k], acc[k]);
            }
        }
        let mut tail = 0.0;
        for (x, y) in ra.iter().zip(rb) {
            tail = madd::<FMA>(*x, *y, tail);
        }
        reduce(&acc) + tail
    }

    #[inline(always)]
    pub(super) fn dot3<const FMA: bool>(a: &[f64], b: &[f64], c: &[f64]) -> f64 {
        let n = a.len().min(b.len()).min(c.len());
        let (a, b, c) = (&a[..n], &b[..n], &c[..n]);
        let mut acc = [0.0f64; LANES];
        let (ca, cb, cc) = (
            a.chunks_exact(LANES),
            b.chunks_exact(LANES),
            c.chunks_exact(LANES),
        );
        let (ra, rb, rc) = (ca.remainder(), cb.remainder(), cc.remainder());
        for ((x, y), z) in ca.zip(cb).zip(cc) {
            for k in 0..LANES {
                acc[k] = madd::<FMA>(x[k] * y[k], z[k], acc[k]);
            }
        }
        let mut tail = 0.0;
        for ((x, y), z) in ra.iter().zip(rb).zip(rc) {
            tail = madd::<FMA>(*x * *y, *z, tail);
        }
        reduce(&acc) + tail
    }

    #[inline(always)]
    pub(super) fn sum(a: &[f64]) -> f64 {
        let mut acc = [0.0f64; LANES];
        let ca = a.chunks_exact(LANES);
        let tail: f64 = ca.remainder().iter().sum();
        for x in ca {
            for k in 0..LANES {
                acc[k] += x[k];
            }
        }
        reduce(&acc) + tail
    }

    /// `(Σ (a_i − s), Σ (a_i − s)²)`
    #[inline(always)]
    pub(super) fn centred_sums<const FMA: bool>(a: &[f64], s: f64) -> (f64, f64) {
        let (mut d, mut q) = ([0.0f64; LANES], [0.0f64; LANES]);
        let ca = a.chunks_exact(LANES);
        let (mut td, mut tq) = (0.0, 0.0);
        for x in ca.remainder() {
            let e = x - s;
            td += e;
            tq = madd::<FMA>(e, e, tq);
        }
        for x in ca {
            for k in 0..LANES {
                let e = x[k] - s;
                d[k] += e;
                q[k] = madd::<FMA>(e, e, q[k]);
            }
        }
        (reduce(&d) + td, reduce(&q) + tq)
    }

    /// Four column dots with one vector (the portable body: four separate reductions).
    #[inline(always)]
    pub(super) fn dot4<const FMA: bool>(x: [&[f64]; 4], v: &[f64]) -> [f64; 4] {
        x.map(|c| dot::<FMA>(c, v))
    }

    /// Four single-precision column dots with one vector, accumulated in double precision.
    #[inline(always)]
    pub(super) fn dot4_f32<const FMA: bool>(x: [&[f32]; 4], v: &[f64]) -> [f64; 4] {
        x.map(|c| {
            let mut acc = [0.0f64; 4];
            let (cc, cv) = (c[..v.len()].chunks_exact(4), v.chunks_exact(4));
            let (rc, rv) = (cc.remainder(), cv.remainder());
            for (a, b) in cc.zip(cv) {
                for k in 0..4 {
                    acc[k] = madd::<FMA>(f64::from(a[k]), b[k], acc[k]);
                }
            }
            let mut tail = 0.0;
            for (a, b) in rc.iter().zip(rv) {
                tail = madd::<FMA>(f64::from(*a), *b, tail);
            }
            (acc[0] + acc[2]) + (acc[1] + acc[3]) + tail
        })
    }

    #[inline(always)]
    pub(super) fn axpy<const FMA: bool>(a: f64, x: &[f64], y: &mut [f64]) {
        for (yi, xi) in y.iter_mut().zip(x) {
            *yi = madd::<FMA>(a, *xi, *yi);
        }
    }

    #[cfg(target_arch = "x86_64")]
    pub(super) mod avx2 {
        //! The reductions with explicit 256-bit intrinsics: from the portable bodies LLVM's
        //! SLP vectoriser builds 128-bit code, half the width (measured 1.4× slower on
        //! in-cache columns). `axpy` has no reduction and vectorises to 256 bits as written.
        use super::LANES;
        use std::arch::x86_64::*;

        /// `Σ_k` of four 4-wide accumulators.
        #[inline]
        #[target_feature(enable = "avx2,fma")]
        unsafe fn hsum(a: [__m256d; 4]) -> f64 {
            let v = _mm256_add_pd(_mm256_add_pd(a[0], a[1]), _mm256_add_pd(a[2], a[3]));
            let mut out = [0.0f64; 4];
            _mm256_storeu_pd(out.as_mut_ptr(), v);
            (out[0] + out[2]) + (out[1] + out[3])
        }

        #[target_feature(enable = "avx2,fma")]
        pub(crate) unsafe fn dot(a: &[f64], b: &[f64]) -> f64 {
            let n = a.len().min(b.len());
            let m = n - n % LANES;
            let (pa, pb) = (a.as_ptr(), b.as_ptr());
            let mut acc = [_mm256_setzero_pd(); 4];
            let mut i = 0;
            while i < m {
                for (k, s) in acc.iter_mut().enumerate() {
                    let o = i + 4 * k;
                    // SAFETY: o + 4 <= m <= n, within both slices.
                    *s =
                        _mm256_fmadd_pd(_mm256_loadu_pd(pa.add(o)), _mm256_loadu_pd(pb.add(o)), *s);
                }
                i += LANES;
            }
            hsum(acc) + super::dot::<true>(&a[m..n], &b[m..n])
        }

        #[target_feature(enable = "avx2,fma")]
        pub(crate) unsafe fn dot3(a: &[f64], b: &[f64], c: &[f64]) -> f64 {
            let n = a.len().min(b.len()).min(c.len());
            let m = n - n % LANES;
            let (pa, pb, pc) = (a.as_ptr(), b.as_ptr(), c.as_ptr());
            let mut acc = [_mm256_setzero_pd(); 4];
            let mut i = 0;
            while i < m {
                for (k, s) in acc.iter_mut().enumerate() {
                    let o = i + 4 * k;
                    // SAFETY: o + 4 <= m <= n, within all three slices.
                    let ab = _mm256_mul_pd(_mm256_loadu_pd(pa.add(o)), _mm256_loadu_pd(pb.add(o)));
                    *s = _mm256_fmadd_pd(ab, _mm256_loadu_pd(pc.add(o)), *s);
                }
                i += LANES;
            }
            hsum(acc) + super::dot3::<true>(&a[m..n], &b[m..n], &c[m..n])
        }

        #[target_feature(enable = "avx2,fma")]
        pub(crate) unsafe fn sum(a: &[f64]) -> f64 {
            let m = a.len() - a.len() % LANES;
            let pa = a.as_ptr();
            let mut acc = [_mm256_setzero_pd(); 4];
            let mut i = 0;
            while i < m {
                for (k, s) in acc.iter_mut().enumerate() {
                    // SAFETY: i + 4k + 4 <= m <= a.len().
                    *s = _mm256_add_pd(_mm256_loadu_pd(pa.add(i + 4 * k)), *s);
                }
                i += LANES;
            }
            hsum(acc) + super::sum(&a[m..])
        }

        /// `(Σ (a_i − s), Σ (a_i − s)²)` with two 4-wide accumulators per sum.
        #[target_feature(enable = "avx2,fma")]
        pub(crate) unsafe fn centred_sums(a: &[f64], s: f64) -> (f64, f64) {
            let m = a.len() - a.len() % 8;
            let pa = a.as_ptr();
            let shift = _mm256_set1_pd(s);
            let zero = _mm256_setzero_pd();
            let (mut d, mut q) = ([zero; 2], [zero; 2]);
            let mut i = 0;
            while i < m {
                for k in 0..2 {
                    // SAFETY: i + 4k + 4 <= m <= a.len().
                    let e = _mm256_sub_pd(_mm256_loadu_pd(pa.add(i + 4 * k)), shift);
                    d[k] = _mm256_add_pd(d[k], e);
                    q[k] = _mm256_fmadd_pd(e, e, q[k]);
                }
                i += 8;
            }
            let (td, tq) = super::centred_sums::<true>(&a[m..], s);
            (
                hsum([d[0], d[1], zero, zero]) + td,
                hsum([q[0], q[1], zero, zero]) + tq,
            )
        }

        /// Four column dots with one vector, as in a matrix–vector product: each load of `v`
        /// serves four columns, two 4-wide accumulators per column. Each column must be at
        /// least as long as `v`.
        #[target_feature(enable = "avx2,fma")]
        pub(crate) unsafe fn dot4(x: [&[f64]; 4], v: &[f64]) -> [f64; 4] {
            let n = v.len();
            assert!(
                x.iter().all(|c| c.len() >= n),
                "dot4: column shorter than v"
            );
            let m = n - n % 8;
            let pv = v.as_ptr();
            let px = x.map(|c| c.as_ptr());
            let mut acc = [[_mm256_setzero_pd(); 2]; 4];
            let mut i = 0;
            while i < m {
                // SAFETY: i + 8 <= m <= n, within v and (asserted) within every column.
                let v0 = _mm256_loadu_pd(pv.add(i));
                let v1 = _mm256_loadu_pd(pv.add(i + 4));
                for (s, p) in acc.iter_mut().zip(&px) {
                    s[0] = _mm256_fmadd_pd(_mm256_loadu_pd(p.add(i)), v0, s[0]);
                    s[1] = _mm256_fmadd_pd(_mm256_loadu_pd(p.add(i + 4)), v1, s[1]);
                }
                i += 8;
            }
            let zero = _mm256_setzero_pd();
            let mut out = [0.0f64; 4];
            for c in 0..4 {
                out[c] = hsum([acc[c][0], acc[c][1], zero, zero])
                    + super::dot::<true>(&x[c][m..n], &v[m..n]);
            }
            out
        }

        /// `dot4` on single-precision columns, widened to double on load: half the memory
        /// traffic of `dot4`, the same double-precision accumulation.
        #[target_feature(enable = "avx2,fma")]
        pub(crate) unsafe fn dot4_f32(x: [&[f32]; 4], v: &[f64]) -> [f64; 4] {
            let n = v.len();
            assert!(
                x.iter().all(|c| c.len() >= n),
                "dot4_f32: column shorter than v"
            );
            let m = n - n % 8;
            let pv = v.as_ptr();
            let px = x.map(|c| c.as_ptr());
            let mut acc = [[_mm256_setzero_pd(); 2]; 4];
            let mut i = 0;
            while i < m {
                // SAFETY: i + 8 <= m <= n, within v and (asserted) within every column.
                let v0 = _mm256_loadu_pd(pv.add(i));
                let v1 = _mm256_loadu_pd(pv.add(i + 4));
                for (s, p) in acc.iter_mut().zip(&px) {
                    // (a hint 1 KiB ahead: without it this loop reached 15 GB/s, with it the
                    // 20 GB/s of `dot4`, so twice its speed in entries)
                    _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(i + 256).cast());
                    let lo = _mm256_cvtps_pd(_mm_loadu_ps(p.add(i)));
                    let hi = _mm256_cvtps_pd(_mm_loadu_ps(p.add(i + 4)));
                    s[0] = _mm256_fmadd_pd(lo, v0, s[0]);
                    s[1] = _mm256_fmadd_pd(hi, v1, s[1]);
                }
                i += 8;
            }
            let zero = _mm256_setzero_pd();
            let mut out = [0.0f64; 4];
            for c in 0..4 {
                let tail = super::dot4_f32::<true>([&x[c][m..n]; 4], &v[m..n])[0];
                out[c] = hsum([acc[c][0], acc[c][1], zero, zero]) + tail;
            }
            out
        }

        #[target_feature(enable = "avx2,fma")]
        pub(crate) unsafe fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
            super::axpy::<true>(a, x, y)
        }
    }
}

/// Whether the AVX2 + FMA kernels can run here (detected once, then a cached load).
#[cfg(target_arch = "x86_64")]
#[inline]
fn use_avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

/// Asks the CPU to bring the cache line holding `x` closer (a hint: no effect on results).
#[inline(always)]
pub fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults, and `x` is a valid reference besides.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((x as *const T).cast());
    }
}

/// `Σ a_i b_i`
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if use_avx2() {
        // SAFETY: the CPU supports AVX2 and FMA (checked at run time).
        return unsafe { kernels::avx2::dot(a, b) };
    }
    kernels::dot::<false>(a, b)
}

/// `Σ a_i b_i c_i`
#[inline]
pub fn dot3(a: &[f64], b: &[f64], c: &[f64]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if use_avx2() {
        // SAFETY: as in `dot`.
        return unsafe { kernels::avx2::dot3(a, b, c) };
    }
    kernels::dot3::<false>(a, b, c)
}

/// `Σ a_i`
#[inline]
pub fn sum(a: &[f64]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if use_avx2() {
        // SAFETY: as in `dot`.
        return unsafe { kernels::avx2::sum(a) };
    }
    kernels::sum(a)
}

/// `(Σ (a_i − s), Σ (a_i − s)²)`
#[inline]
pub fn centred_sums(a: &[f64], s: f64) -> (f64, f64) {
    #[cfg(target_arch = "x86_64")]
    if use_avx2() {
        // SAFETY: as in `dot`.
        return unsafe { kernels::avx2::centred_sums(a, s) };
    }
    kernels::centred_sums::<false>(a, s)
}

/// `[Σ x_k,i v_i]` for four columns `x_k` at least as long as `v`.
#[inline]
pub fn dot4(x: [&[f64]; 4], v: &[f64]) -> [f64; 4] {
    #[cfg(target_arch = "x86_64")]
    if use_avx2() {
        // SAFETY: as in `dot`.
        return unsafe { kernels::avx2::dot4(x, v) };
    }
    kernels::dot4::<false>(x.map(|c| &c[..v.len()]), v)
}

/// `[Σ x_k,i v_i]` for four single-precision columns `x_k` at least as long as `v`,
/// accumulated in double precision.
#[inline]
pub fn dot4_f32(x: [&[f32]; 4], v: &[f64]) -> [f64; 4] {
    #[cfg(target_arch = "x86_64")]
    if use_avx2() {
        // SAFETY: as in `dot`.
        return unsafe { kernels::avx2::dot4_f32(x, v) };
    }
    kernels::dot4_f32::<false>(x, v)
}

/// `y += a·x`
#[inline]
pub fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if use_avx2() {
        // SAFETY: as in `dot`.
        return unsafe { kernels::avx2::axpy(a, x, y) };
    }
    kernels::axpy::<false>(a, x, y)
}

#[cfg(test)]
mod kernel_tests {
    use super::kernels;

    #[test]
    fn dispatched_kernels_match_portable_ones() {
        let a: Vec<f64> = (0..1003)
            .map(|i| ((i * 7919) % 113) as f64 / 17.0 - 3.0)
            .collect();
        let b: Vec<f64> = (0..1003)
            .map(|i| ((i * 104729) % 97) as f64 / 13.0 - 3.5)
            .collect();
        let c: Vec<f64> = (0..1003).map(|i| 1.0 + (i % 5) as f64).collect();
        let (d0, d1) = (kernels::dot::<false>(&a, &b), super::dot(&a, &b));
        assert!((d0 - d1).abs() <= 1e-12 * d0.abs().max(1.0));
        let (t0, t1) = (kernels::dot3::<false>(&a, &b, &c), super::dot3(&a, &b, &c));
        assert!((t0 - t1).abs() <= 1e-12 * t0.abs().max(1.0));
        let naive: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((naive - d1).abs() <= 1e-10 * naive.abs().max(1.0));
        let (mut y0, mut y1) = (b.clone(), b.clone());
        kernels::axpy::<false>(0.37, &a, &mut y0);
        super::axpy(0.37, &a, &mut y1);
        for (u, v) in y0.iter().zip(&y1) {
            assert!((u - v).abs() <= 1e-14 * u.abs().max(1.0));
        }
    }

    /// The AVX2 reductions step 16 elements at a time: every length around that step, and
    /// slices of unequal lengths (the kernels use the shortest), against plain sums.
    #[test]
    fn dispatched_reductions_handle_every_tail_length() {
        let a: Vec<f64> = (0..70).map(|i| (i as f64 * 0.37).sin()).collect();
        let b: Vec<f64> = (0..70).map(|i| (i as f64 * 0.11).cos() + 0.5).collect();
        let c: Vec<f64> = (0..75).map(|i| 1.0 + (i % 3) as f64).collect();
        for n in 0..70 {
            let (a, b) = (&a[..n], &b[..n]);
            let naive: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
            assert!((super::dot(a, b) - naive).abs() <= 1e-12, "dot, n = {n}");
            let naive3: f64 = a.iter().zip(b).zip(&c).map(|((x, y), z)| x * y * z).sum();
            assert!(
                (super::dot3(a, b, &c) - naive3).abs() <= 1e-12,
                "dot3, n = {n}"
            );
            let (plain_d, plain_q) = a.iter().fold((0.0, 0.0), |(d, q), x| {
                let e = x - 0.25;
                (d + e, q + e * e)
            });
            let (d, q) = super::centred_sums(a, 0.25);
            assert!((d - plain_d).abs() <= 1e-12, "centred_sums, n = {n}");
            assert!((q - plain_q).abs() <= 1e-12, "centred_sums, n = {n}");
            assert!(
                (super::sum(a) - a.iter().sum::<f64>()).abs() <= 1e-12,
                "sum, n = {n}"
            );
            // four columns (the last longer than v) against the same plain sums
            let cols = [a, b, &c[..n], &c[1..n + 2]];
            let four = super::dot4(cols, b);
            for (k, col) in cols.iter().enumerate() {
                let naive: f64 = col.iter().zip(b).map(|(x, y)| x * y).sum();
                assert!((four[k] - naive).abs() <= 1e-12, "dot4 column {k}, n = {n}");
            }
            // the single-precision version: each column rounded, then summed in double
            let single: Vec<Vec<f32>> = cols
                .iter()
                .map(|c| c.iter().map(|&v| v as f32).collect())
                .collect();
            let four = super::dot4_f32([&single[0], &single[1], &single[2], &single[3]], b);
            let portable = super::kernels::dot4_f32::<true>(
                [&single[0], &single[1], &single[2], &single[3]],
                b,
            );
            for k in 0..4 {
                let naive: f64 = single[k]
                    .iter()
                    .zip(b)
                    .map(|(x, y)| f64::from(*x) * y)
                    .sum();
                assert!(
                    (four[k] - naive).abs() <= 1e-12,
                    "dot4_f32 column {k}, n = {n}"
                );
                assert!(
                    (portable[k] - naive).abs() <= 1e-12,
                    "portable dot4_f32 {k}, n = {n}"
                );
            }
        }
    }
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
    /// Four columns per pass over `v` (`dot4`: a weighted wide-dense fold path went from
    /// 0.65 s to 0.58 s, its sweeps being memory-bound); a last group of fewer repeats its final
    /// column, so every column's value is the same whatever its neighbours.
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
        let mut new_index = vec![usize::MAX; n];
        for (k, &i) in rows.iter().enumerate() {
            new_index[i] = k;
        }
        let (data, indices, indptr) = self.raw();
        let (mut d, mut ix, mut ip) = (Vec::new(), Vec::new(), vec![0i64]);
        for j in 0..self.n_features() {
            for k in indptr[j].to_usize()..indptr[j + 1].to_usize() {
                let r = new_index[indices[k].to_usize()];
                if r != usize::MAX {
                    d.push(data[k]);
                    ix.push(r as i64);
                }
            }
            // Row order inside a column does not matter to the statistics.
            ip.push(d.len() as i64);
        }
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
