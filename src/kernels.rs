//! Dense kernels: dot products, sums and axpy over `&[f64]`, each body written once so it
//! vectorises, for the portable baseline (x86-64-v1: SSE2); on x86_64 CPUs that have AVX2 + FMA
//! a second version is chosen at run time, so the wheel never uses an instruction the CPU lacks:
//! `axpy` recompiled with those features, the reductions written with 256-bit intrinsics (see
//! `avx2`). `FMA` selects fused multiply-adds, which the baseline build would emulate slowly.
//! (Measurements in `benches/DECISIONS.md`.)

/// The portable bodies, generic over fused multiply-adds (`FMA`).
pub(crate) mod portable {
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
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2 {
    //! The reductions with explicit 256-bit intrinsics: from the portable bodies LLVM's SLP
    //! vectoriser builds 128-bit code, half the width. `axpy` has no reduction and vectorises
    //! to 256 bits as written.
    use super::portable::LANES;
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
                *s = _mm256_fmadd_pd(_mm256_loadu_pd(pa.add(o)), _mm256_loadu_pd(pb.add(o)), *s);
            }
            i += LANES;
        }
        hsum(acc) + super::portable::dot::<true>(&a[m..n], &b[m..n])
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
        hsum(acc) + super::portable::dot3::<true>(&a[m..n], &b[m..n], &c[m..n])
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
        hsum(acc) + super::portable::sum(&a[m..])
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
        let (td, tq) = super::portable::centred_sums::<true>(&a[m..], s);
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
                + super::portable::dot::<true>(&x[c][m..n], &v[m..n]);
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
                // (a hint 1 KiB ahead: the widening loads alone do not keep memory busy)
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
            let tail = super::portable::dot4_f32::<true>([&x[c][m..n]; 4], &v[m..n])[0];
            out[c] = hsum([acc[c][0], acc[c][1], zero, zero]) + tail;
        }
        out
    }

    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
        super::portable::axpy::<true>(a, x, y)
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
        return unsafe { avx2::dot(a, b) };
    }
    portable::dot::<false>(a, b)
}

/// `Σ a_i b_i c_i`
#[inline]
pub fn dot3(a: &[f64], b: &[f64], c: &[f64]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if use_avx2() {
        // SAFETY: as in `dot`.
        return unsafe { avx2::dot3(a, b, c) };
    }
    portable::dot3::<false>(a, b, c)
}

/// `Σ a_i`
#[inline]
pub fn sum(a: &[f64]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if use_avx2() {
        // SAFETY: as in `dot`.
        return unsafe { avx2::sum(a) };
    }
    portable::sum(a)
}

/// `(Σ (a_i − s), Σ (a_i − s)²)`
#[inline]
pub fn centred_sums(a: &[f64], s: f64) -> (f64, f64) {
    #[cfg(target_arch = "x86_64")]
    if use_avx2() {
        // SAFETY: as in `dot`.
        return unsafe { avx2::centred_sums(a, s) };
    }
    portable::centred_sums::<false>(a, s)
}

/// `[Σ x_k,i v_i]` for four columns `x_k` at least as long as `v`.
#[inline]
pub fn dot4(x: [&[f64]; 4], v: &[f64]) -> [f64; 4] {
    #[cfg(target_arch = "x86_64")]
    if use_avx2() {
        // SAFETY: as in `dot`.
        return unsafe { avx2::dot4(x, v) };
    }
    portable::dot4::<false>(x.map(|c| &c[..v.len()]), v)
}

/// `[Σ x_k,i v_i]` for four single-precision columns `x_k` at least as long as `v`,
/// accumulated in double precision.
#[inline]
pub fn dot4_f32(x: [&[f32]; 4], v: &[f64]) -> [f64; 4] {
    #[cfg(target_arch = "x86_64")]
    if use_avx2() {
        // SAFETY: as in `dot`.
        return unsafe { avx2::dot4_f32(x, v) };
    }
    portable::dot4_f32::<false>(x, v)
}

/// `y += a·x`
#[inline]
pub fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if use_avx2() {
        // SAFETY: as in `dot`.
        return unsafe { avx2::axpy(a, x, y) };
    }
    portable::axpy::<false>(a, x, y)
}

#[cfg(test)]
mod kernel_tests {
    use super::portable;

    #[test]
    fn dispatched_kernels_match_portable_ones() {
        let a: Vec<f64> = (0..1003)
            .map(|i| ((i * 7919) % 113) as f64 / 17.0 - 3.0)
            .collect();
        let b: Vec<f64> = (0..1003)
            .map(|i| ((i * 104729) % 97) as f64 / 13.0 - 3.5)
            .collect();
        let c: Vec<f64> = (0..1003).map(|i| 1.0 + (i % 5) as f64).collect();
        let (d0, d1) = (portable::dot::<false>(&a, &b), super::dot(&a, &b));
        assert!((d0 - d1).abs() <= 1e-12 * d0.abs().max(1.0));
        let (t0, t1) = (portable::dot3::<false>(&a, &b, &c), super::dot3(&a, &b, &c));
        assert!((t0 - t1).abs() <= 1e-12 * t0.abs().max(1.0));
        let naive: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((naive - d1).abs() <= 1e-10 * naive.abs().max(1.0));
        let (mut y0, mut y1) = (b.clone(), b.clone());
        portable::axpy::<false>(0.37, &a, &mut y0);
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
            let portable = super::portable::dot4_f32::<true>(
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
