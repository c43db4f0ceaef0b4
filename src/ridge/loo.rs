//! Exact leave-one-out residuals for a grid of α from one eigendecomposition, on the Gram
//! (n > p) or the kernel (p ≥ n), as scikit-learn's `_RidgeGCV`.

use faer::{Accum, MatMut, MatRef};

use super::prepared::{dual_to_primal, intercepts, scaled_centred_y};
use super::{check_alphas, prepare, RidgeDesign, RidgeLoo, RidgePath};
use crate::error::Result;
use crate::gram::current_par;
use crate::linalg::Eigh;

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
