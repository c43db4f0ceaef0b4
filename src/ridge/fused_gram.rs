//! The dense `X̃ᵀWX̃v` fused by row blocks: each block of X is swept twice (`u = W(Xv − shift)`,
//! then `Xᵀu`) while it is still in L2, one kernel compiled for the baseline and AVX2 + FMA.

use crate::design::kernels::madd;

/// Rows per block of the fused `X̃ᵀWX̃v`: the block (rows × p doubles) stays in a core's L2
/// between its two sweeps, and each column segment is at least a few cache lines long.
pub(super) fn fused_block_rows(p: usize) -> usize {
    // 512 KB: larger blocks spill from L2 before the second sweep (benches/DECISIONS.md).
    ((1usize << 19) / (8 * p.max(1))).clamp(64, 1 << 14) & !7
}

/// `u = W_B(X_B v − shift)`, then `acc += X_Bᵀu`, for the rows `rows` of a column-major `n × p`
/// X; returns `Σ u`. Kernels below: four columns per sweep, so four memory streams are in
/// flight and `u` is loaded and stored once per four columns.
#[allow(clippy::too_many_arguments)]
pub(super) fn fused_gram_block(
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
        return unsafe { avx2::gram_block(x, n, rows, v, w, shift, u, acc) };
    }
    gram_block::<false>(x, n, rows, v, w, shift, u, acc)
}

/// The fused block kernel, written once and compiled for the baseline and for AVX2 + FMA
/// (chosen at run time), as the kernels in `design`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn gram_block<const FMA: bool>(
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
mod avx2 {
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
