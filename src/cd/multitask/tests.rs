use super::*;
use crate::design::{CscDesign, DenseDesign};
use crate::params::EnetParamsBuilder;
use crate::test_fixtures::{csc_of, rand_vec};

/// A sparse-ish X (about a third zeros) with `t` responses built from three shared features.
fn data(n: usize, p: usize, t: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut x = rand_vec(n * p, seed);
    for (i, v) in x.iter_mut().enumerate() {
        if i % 3 == 1 {
            *v = 0.0;
        }
    }
    let noise = rand_vec(n * t, seed + 1);
    let mut y = vec![0.0; n * t];
    for k in 0..t {
        for i in 0..n {
            let signal: f64 = (0..3).map(|j| (j + k + 1) as f64 * x[j * n + i]).sum();
            y[k * n + i] = signal + 0.3 * noise[k * n + i];
        }
    }
    (x, y)
}

fn params(alphas: Vec<f64>, l1_ratio: f64, tol: f64) -> MultiTaskParams {
    MultiTaskParamsBuilder {
        alphas,
        l1_ratio,
        max_iter: 100_000,
        tol,
        screening: true,
        selection: Selection::Cyclic,
    }
    .check()
    .unwrap()
}

/// `max|a − b|`
fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |m, (u, v)| m.max((u - v).abs()))
}

/// The optimality conditions, from first principles: with `G_j = x_jᵀW(Y − XWᵀ − 1b)/n` (the
/// negative gradient of the smooth part, per sample), a non-zero row has
/// `G_j − l2·W_j = l1·W_j/‖W_j‖` and a zero row `‖G_j‖ ≤ l1`.
#[test]
fn the_path_satisfies_the_multitask_kkt_conditions_with_weights_and_intercept() {
    let (n, p, t) = (40, 12, 3);
    let (x, y) = data(n, p, t, 3);
    let w: Vec<f64> = (0..n).map(|i| 0.5 + (i % 4) as f64).collect();
    let w_sum: f64 = w.iter().sum();
    let design = DenseDesign::new(&x, n, p).unwrap();
    let (ratio, alphas) = (0.7, vec![0.5, 0.1, 0.02]);
    let fit = fit_multitask_path(
        &design,
        &y,
        t,
        Some(&w),
        true,
        &params(alphas.clone(), ratio, 1e-14),
        None,
    )
    .unwrap();
    let m = alphas.len();
    for (c, &alpha) in alphas.iter().enumerate() {
        assert!(fit.converged[c] && fit.dual_gaps[c] >= -1e-15);
        let (l1, l2) = (alpha * ratio, alpha * (1.0 - ratio));
        let coef = |k: usize, j: usize| fit.coefs[(k * p + j) * m + c];
        let mut grad = vec![0.0; p * t];
        for k in 0..t {
            for i in 0..n {
                let fitted: f64 = fit.intercepts[k * m + c]
                    + (0..p).map(|j| x[j * n + i] * coef(k, j)).sum::<f64>();
                let r = y[k * n + i] - fitted;
                for j in 0..p {
                    grad[j * t + k] += w[i] / w_sum * x[j * n + i] * r;
                }
            }
        }
        let mut active = 0;
        for j in 0..p {
            let row: Vec<f64> = (0..t).map(|k| coef(k, j)).collect();
            let g = &grad[j * t..(j + 1) * t];
            let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm > 0.0 {
                active += 1;
                for k in 0..t {
                    let want = l2 * row[k] + l1 * row[k] / norm;
                    assert!((g[k] - want).abs() < 1e-7, "α {alpha} feature {j}");
                }
            } else {
                let g_norm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
                assert!(g_norm <= l1 * (1.0 + 1e-7), "α {alpha} feature {j}");
            }
        }
        assert!(active > 0 || c == 0, "α {alpha}: no feature active");
        // the intercept is each task's weighted mean residual
        for k in 0..t {
            let mean_r: f64 = (0..n)
                .map(|i| {
                    let xb: f64 = (0..p).map(|j| x[j * n + i] * coef(k, j)).sum();
                    w[i] * (y[k * n + i] - xb)
                })
                .sum::<f64>()
                / w_sum;
            assert!((mean_r - fit.intercepts[k * m + c]).abs() < 1e-12);
        }
    }
}

/// Dense and CSC X give the same path, with and without screening, cyclic or random.
#[test]
fn dense_and_sparse_designs_agree() {
    let (n, p, t) = (30, 15, 2);
    let (x, y) = data(n, p, t, 11);
    let (d, i, ip) = csc_of(&x, n, p);
    let dense = DenseDesign::new(&x, n, p).unwrap();
    let sparse = CscDesign::new(&d, &i, &ip, n).unwrap();
    let w: Vec<f64> = (0..n).map(|i| 1.0 + (i % 3) as f64).collect();
    for (screening, selection) in [
        (true, Selection::Cyclic),
        (false, Selection::Random { seed: 5 }),
    ] {
        let prm = MultiTaskParamsBuilder {
            alphas: vec![0.3, 0.05, 0.0],
            l1_ratio: 0.8,
            max_iter: 100_000,
            tol: 1e-14,
            screening,
            selection,
        }
        .check()
        .unwrap();
        for intercept in [false, true] {
            let a = fit_multitask_path(&dense, &y, t, Some(&w), intercept, &prm, None).unwrap();
            let b = fit_multitask_path(&sparse, &y, t, Some(&w), intercept, &prm, None).unwrap();
            assert!(
                max_diff(&a.coefs, &b.coefs) < 1e-8,
                "{screening} {intercept}"
            );
            assert!(max_diff(&a.intercepts, &b.intercepts) < 1e-8);
        }
    }
}

/// One task is the one-target elastic net (a row norm of one entry is |·|).
#[test]
fn one_task_is_the_elastic_net() {
    let (n, p) = (25, 10);
    let (x, y) = data(n, p, 1, 21);
    let design = DenseDesign::new(&x, n, p).unwrap();
    let (alpha, ratio) = (0.05, 0.6);
    let fit = fit_multitask_path(
        &design,
        &y,
        1,
        None,
        true,
        &params(vec![alpha], ratio, 1e-14),
        None,
    )
    .unwrap();
    let pb = crate::problem::Problem::new(&design, &y, None, true).unwrap();
    let prm = EnetParamsBuilder {
        tol: 1e-14,
        max_iter: 100_000,
        ..EnetParamsBuilder::from_alpha(alpha, ratio)
    }
    .check()
    .unwrap();
    let single = crate::cd::fit_enet(&pb, &prm, None).unwrap();
    assert!(max_diff(&fit.coefs, &single.coef) < 1e-9);
    assert!((fit.intercepts[0] - single.intercept).abs() < 1e-9);
}

/// A warm start at the solution converges at once; a warm start of the wrong size or with a
/// NaN is an error, as are an empty or negative grid.
#[test]
fn warm_starts_and_bad_options() {
    let (n, p, t) = (20, 6, 2);
    let (x, y) = data(n, p, t, 31);
    let design = DenseDesign::new(&x, n, p).unwrap();
    let prm = params(vec![0.1], 1.0, 1e-10);
    let fit = fit_multitask_path(&design, &y, t, None, false, &prm, None).unwrap();
    assert!(fit.n_iters[0] > 1);
    let again = fit_multitask_path(&design, &y, t, None, false, &prm, Some(&fit.coefs)).unwrap();
    assert_eq!(again.n_iters[0], 0);
    assert!(fit_multitask_path(&design, &y, t, None, false, &prm, Some(&[0.0; 3])).is_err());
    let mut nan = fit.coefs.clone();
    nan[0] = f64::NAN;
    assert!(fit_multitask_path(&design, &y, t, None, false, &prm, Some(&nan)).is_err());
    assert!(fit_multitask_path(&design, &y[..n], t, None, false, &prm, None).is_err());
    for alphas in [vec![], vec![-1.0], vec![f64::NAN]] {
        let b = MultiTaskParamsBuilder {
            alphas,
            l1_ratio: 1.0,
            max_iter: 10,
            tol: 1e-4,
            screening: true,
            selection: Selection::Cyclic,
        };
        assert!(b.check().is_err());
    }
}

/// The gap's three cases: zero at a ridge solution (l1 = 0) and at the zero solution above
/// α_max; the screening rule keeps a feature whose correlation reaches the penalty.
#[test]
fn gap_formulas() {
    let sums = GapSums {
        r_norm2: 2.0,
        r_dot_y: 2.0,
        w_l21: 0.0,
        w_norm2: 0.0,
    };
    // W = 0, R = Y: gap is 0 when ‖XᵀY‖ ≤ l1
    assert_eq!(dual_gap(sums, 1.5, 0.0, 1.0), 0.0);
    assert!(dual_gap(sums, 0.5, 0.0, 1.0) > 0.0);
    assert_eq!(dual_gap(sums, 0.0, 0.0, 3.0), 9.0);
    assert!(gap_safe_keep(1.0, 1.0, 4.0, 1.0, 0.0, 0.0));
    assert!(!gap_safe_keep(0.1, 1.0, 4.0, 1.0, 0.0, 1e-6));
}
