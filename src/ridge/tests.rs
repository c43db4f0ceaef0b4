use super::*;
use crate::design::{CscDesign, DenseDesign, Design};
use crate::error::FastregError;
use crate::gram::tests_support::{rand_vec, rows};
use crate::gram::GramStats;

fn close(a: &[f64], b: &[f64], tol: f64) {
    let scale = b.iter().fold(1e-300f64, |m, v| m.max(v.abs()));
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= tol * scale, "{x} vs {y} (scale {scale})");
    }
}

fn params(alphas: Vec<f64>, solver: RidgeSolver, t: usize, fi: bool) -> RidgeParams {
    RidgeParamsBuilder {
        alphas,
        fit_intercept: fi,
        solver,
        tol: 1e-13,
        max_iter: Some(100_000),
        ..Default::default()
    }
    .check(t)
    .unwrap()
}

fn to_csc(x: &[f64], n: usize, p: usize) -> (Vec<f64>, Vec<i32>, Vec<i32>) {
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
    (data, indices, indptr)
}

/// Residual of the weighted normal equations with intercept, computed directly from X:
/// X̃ᵀW(ỹ − X̃β) − αβ must vanish, and Σ w (y − Xβ − b) = 0.
#[allow(clippy::too_many_arguments)]
fn normal_eq_residual(
    x: &[f64],
    n: usize,
    p: usize,
    y: &[f64],
    w: &[f64],
    alpha: f64,
    beta: &[f64],
    b: f64,
) -> (f64, f64) {
    let r: Vec<f64> = (0..n)
        .map(|i| y[i] - b - (0..p).map(|j| x[j * n + i] * beta[j]).sum::<f64>())
        .collect();
    let mut worst: f64 = 0.0;
    for j in 0..p {
        let g: f64 = (0..n).map(|i| w[i] * x[j * n + i] * r[i]).sum::<f64>() - alpha * beta[j];
        worst = worst.max(g.abs());
    }
    let icpt: f64 = (0..n).map(|i| w[i] * r[i]).sum();
    (worst, icpt.abs())
}

#[test]
fn closed_form_single_feature_without_intercept() {
    // β = Σ x y / (Σ x² + α)
    let x = [1.0, 2.0, 3.0];
    let y = [1.0, 1.0, 2.0];
    let d = DenseDesign::new(&x, 3, 1).unwrap();
    for solver in [RidgeSolver::Cholesky, RidgeSolver::Eigh, RidgeSolver::Cg] {
        let f = fit(&d, &y, 1, None, &params(vec![0.5], solver, 1, false)).unwrap();
        assert!((f.coef[0] - 9.0 / 14.5).abs() < 1e-12, "{solver:?}");
        assert_eq!(f.intercept[0], 0.0);
    }
}

#[test]
fn normal_equations_hold_for_every_solver_dense_and_sparse() {
    for (n, p) in [(40, 6), (8, 15)] {
        let mut x = rand_vec(n * p, 11);
        for v in x.iter_mut() {
            if v.abs() < 0.3 {
                *v = 0.0;
            }
        }
        let y = rand_vec(n, 12);
        let w: Vec<f64> = rand_vec(n, 13).iter().map(|v| v.abs() + 0.2).collect();
        let (data, indices, indptr) = to_csc(&x, n, p);
        let dense = DenseDesign::new(&x, n, p).unwrap();
        let csc = CscDesign::new(&data, &indices, &indptr, n).unwrap();
        let alpha = 0.7;
        for solver in [
            RidgeSolver::Auto,
            RidgeSolver::Cholesky,
            RidgeSolver::Eigh,
            RidgeSolver::Cg,
        ] {
            let prm = params(vec![alpha], solver, 1, true);
            for f in [
                fit(&dense, &y, 1, Some(&w), &prm).unwrap(),
                fit(&csc, &y, 1, Some(&w), &prm).unwrap(),
            ] {
                let (g, i) = normal_eq_residual(&x, n, p, &y, &w, alpha, &f.coef, f.intercept[0]);
                assert!(g < 1e-9 && i < 1e-9, "{solver:?} {n}x{p}: {g} {i}");
            }
        }
    }
}

#[test]
fn eigh_equals_cholesky_and_cg_equals_cholesky_multi_target() {
    let (n, p, t) = (50, 8, 3);
    let x = rand_vec(n * p, 21);
    let y = rand_vec(n * t, 22);
    let d = DenseDesign::new(&x, n, p).unwrap();
    let alphas = vec![0.1, 1.0, 0.1];
    let c = fit(
        &d,
        &y,
        t,
        None,
        &params(alphas.clone(), RidgeSolver::Cholesky, t, true),
    )
    .unwrap();
    assert_eq!(c.solver, SolverUsed::Cholesky);
    let e = fit(
        &d,
        &y,
        t,
        None,
        &params(alphas.clone(), RidgeSolver::Eigh, t, true),
    )
    .unwrap();
    let g = fit(
        &d,
        &y,
        t,
        None,
        &params(alphas.clone(), RidgeSolver::Cg, t, true),
    )
    .unwrap();
    close(&e.coef, &c.coef, 1e-10);
    close(&g.coef, &c.coef, 1e-9);
    close(&e.intercept, &c.intercept, 1e-10);
    // Per-target α really differs: target 1 with its own α equals a single-target fit.
    let one = fit(
        &d,
        &y[n..2 * n],
        1,
        None,
        &params(vec![1.0], RidgeSolver::Cholesky, 1, true),
    )
    .unwrap();
    close(&c.coef[p..2 * p], &one.coef, 1e-12);
}

#[test]
fn kernel_apply_equals_explicit_product_dense_and_sparse_any_thread_count() {
    let (n, p) = (30, 700);
    let mut x: Vec<f64> = rand_vec(n * p, 41).iter().map(|v| v + 0.5).collect();
    for v in x.iter_mut() {
        if v.abs() < 0.6 {
            *v = 0.0;
        }
    }
    let mean = rand_vec(p, 42);
    let s = rand_vec(n, 43);
    // X̃ X̃ᵀ s with X̃ = X − 1μᵀ, formed explicitly.
    let u: Vec<f64> = (0..p)
        .map(|j| (0..n).map(|i| (x[j * n + i] - mean[j]) * s[i]).sum())
        .collect();
    let want: Vec<f64> = (0..n)
        .map(|i| (0..p).map(|j| (x[j * n + i] - mean[j]) * u[j]).sum())
        .collect();
    let (data, indices, indptr) = to_csc(&x, n, p);
    let dense = DenseDesign::new(&x, n, p).unwrap();
    let csc = CscDesign::new(&data, &indices, &indptr, n).unwrap();
    for threads in [1, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut got = vec![0.0; n];
        pool.install(|| dense.kernel_apply(&mean, &s, &mut got));
        close(&got, &want, 1e-12);
        pool.install(|| csc.kernel_apply(&mean, &s, &mut got));
        close(&got, &want, 1e-12);
    }
}

#[test]
fn gram_apply_equals_explicit_product_dense_and_sparse_any_thread_count() {
    // Tall enough for several row blocks per thread in the dense fused product; p not a
    // multiple of four and ragged blocks exercise the kernels' remainder loops.
    let (n, p) = (5000, 43);
    let mut x: Vec<f64> = rand_vec(n * p, 44).iter().map(|v| v - 0.3).collect();
    for v in x.iter_mut() {
        if v.abs() < 0.5 {
            *v = 0.0;
        }
    }
    let mean = rand_vec(p, 45);
    let v = rand_vec(p, 46);
    let w: Vec<f64> = rand_vec(n, 47).iter().map(|a| a.abs() + 0.1).collect();
    // X̃ᵀ W X̃ v with X̃ = X − 1μᵀ, formed explicitly.
    let u: Vec<f64> = (0..n)
        .map(|i| w[i] * (0..p).map(|j| (x[j * n + i] - mean[j]) * v[j]).sum::<f64>())
        .collect();
    let want: Vec<f64> = (0..p)
        .map(|j| (0..n).map(|i| (x[j * n + i] - mean[j]) * u[i]).sum())
        .collect();
    let (data, indices, indptr) = to_csc(&x, n, p);
    let dense = DenseDesign::new(&x, n, p).unwrap();
    let csc = CscDesign::new(&data, &indices, &indptr, n).unwrap();
    for threads in [1, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut got = vec![0.0; p];
        pool.install(|| dense.gram_apply(&mean, &w, &v, &mut got));
        close(&got, &want, 1e-12);
        pool.install(|| csc.gram_apply(&mean, &w, &v, &mut got));
        close(&got, &want, 1e-12);
    }
}

#[test]
fn auto_on_dense_wide_uses_cg_when_it_converges_and_the_kernel_otherwise() {
    let (n, p) = (256, 2000);
    let x = rand_vec(n * p, 51);
    let y = rand_vec(n, 52);
    let w: Vec<f64> = rand_vec(n, 53).iter().map(|v| v.abs() + 0.1).collect();
    let d = DenseDesign::new(&x, n, p).unwrap();
    let auto = |alpha: f64| {
        let prm = RidgeParamsBuilder {
            alphas: vec![alpha],
            ..Default::default()
        }
        .check(1)
        .unwrap();
        fit(&d, &y, 1, Some(&w), &prm).unwrap()
    };
    let direct = |alpha: f64| {
        let prm = params(vec![alpha], RidgeSolver::Cholesky, 1, true);
        fit(&d, &y, 1, Some(&w), &prm).unwrap()
    };
    // Well conditioned: CG reaches the direct solution within its budget.
    let (a, b) = (auto(1e4), direct(1e4));
    assert_eq!(a.solver, SolverUsed::Cg);
    assert_eq!(b.solver, SolverUsed::CholeskyDual);
    close(&a.coef, &b.coef, 1e-10);
    close(&a.intercept, &b.intercept, 1e-10);
    // Poorly conditioned for the budget: falls back to the kernel Cholesky.
    let (a, b) = (auto(1e-3), direct(1e-3));
    assert_eq!(a.solver, SolverUsed::CholeskyDual);
    close(&a.coef, &b.coef, 1e-12);
}

#[test]
fn auto_on_dense_tall_cg_agrees_with_the_gram() {
    let (n, p) = (3000, 300);
    let x = rand_vec(n * p, 61);
    let y = rand_vec(2 * n, 62);
    let d = DenseDesign::new(&x, n, p).unwrap();
    let prm = RidgeParamsBuilder {
        alphas: vec![1e5, 2e5],
        ..Default::default()
    }
    .check(2)
    .unwrap();
    let a = fit(&d, &y, 2, None, &prm).unwrap();
    assert_eq!(a.solver, SolverUsed::Cg);
    let b = fit(
        &d,
        &y,
        2,
        None,
        &params(vec![1e5, 2e5], RidgeSolver::Cholesky, 2, true),
    )
    .unwrap();
    close(&a.coef, &b.coef, 1e-10);
    close(&a.intercept, &b.intercept, 1e-10);
}

#[test]
fn primal_equals_dual() {
    let (n, p) = (12, 30);
    let x: Vec<f64> = rand_vec(n * p, 31).iter().map(|v| v + 2.0).collect();
    let y = rand_vec(n, 32);
    let w: Vec<f64> = rand_vec(n, 33).iter().map(|v| v.abs() + 0.1).collect();
    let d = DenseDesign::new(&x, n, p).unwrap();
    let prm = params(vec![0.3], RidgeSolver::Cholesky, 1, true);
    let dual = fit(&d, &y, 1, Some(&w), &prm).unwrap();
    assert_eq!(dual.solver, SolverUsed::CholeskyDual);
    let primal = fit_stats(&d.gram_stats(&y, 1, Some(&w)).unwrap(), &prm).unwrap();
    close(&dual.coef, &primal.coef, 1e-10);
    close(&dual.intercept, &primal.intercept, 1e-10);
}

#[test]
fn singular_system_gives_minimum_norm_solution_not_garbage() {
    // Two identical columns, α = 0: the minimum-norm solution splits the weight evenly.
    let n = 20;
    let c = rand_vec(n, 41);
    let mut x = c.clone();
    x.extend(&c);
    let y: Vec<f64> = c.iter().map(|v| 2.0 * v + 1.0).collect();
    let d = DenseDesign::new(&x, n, 2).unwrap();
    let f = fit(
        &d,
        &y,
        1,
        None,
        &params(vec![0.0], RidgeSolver::Cholesky, 1, true),
    )
    .unwrap();
    assert_eq!(f.solver, SolverUsed::Eigh);
    close(&f.coef, &[1.0, 1.0], 1e-8);
    assert!((f.intercept[0] - 1.0).abs() < 1e-8);
}

#[test]
fn positive_satisfies_kkt() {
    let (n, p) = (60, 7);
    let x = rand_vec(n * p, 51);
    let y = rand_vec(n, 52);
    let d = DenseDesign::new(&x, n, p).unwrap();
    let prm = RidgeParamsBuilder {
        alphas: vec![0.5],
        positive: true,
        tol: 1e-12,
        ..Default::default()
    }
    .check(1)
    .unwrap();
    let f = fit(&d, &y, 1, None, &prm).unwrap();
    assert!(f.converged);
    assert!(f.coef.iter().all(|&b| b >= 0.0));
    assert!(f.coef.contains(&0.0) && f.coef.iter().any(|&b| b > 0.0));
    let ones = vec![1.0; n];
    let r: Vec<f64> = (0..n)
        .map(|i| y[i] - f.intercept[0] - (0..p).map(|j| x[j * n + i] * f.coef[j]).sum::<f64>())
        .collect();
    for j in 0..p {
        // gradient of ½ objective: −x_jᵀr + αβ_j; zero if β_j > 0, ≥ 0 if β_j = 0.
        let g = -(0..n).map(|i| ones[i] * x[j * n + i] * r[i]).sum::<f64>() + 0.5 * f.coef[j];
        if f.coef[j] > 0.0 {
            assert!(g.abs() < 1e-9, "{j}: {g}");
        } else {
            assert!(g > -1e-9, "{j}: {g}");
        }
    }
}

/// Two identical columns and a small α: descent splits the weight between them and crawls; the
/// answer is the closed form `β₁ = β₂ = xᵀy / (2xᵀx + α)`, certified by the duality gap.
#[test]
fn positive_identical_columns_reach_the_closed_form() {
    let col = [414.60378617, 387.14282497];
    let y = [511.95788603, 497.76742598];
    let x: Vec<f64> = col.iter().chain(col.iter()).copied().collect();
    let d = DenseDesign::new(&x, 2, 2).unwrap();
    let xtx: f64 = col.iter().map(|v| v * v).sum();
    let xty: f64 = col.iter().zip(&y).map(|(a, b)| a * b).sum();
    let alpha = 0.0754;
    let prm = RidgeParamsBuilder {
        alphas: vec![alpha],
        fit_intercept: false,
        positive: true,
        tol: 1e-12,
        max_iter: Some(100_000),
        ..Default::default()
    }
    .check(1)
    .unwrap();
    let f = fit(&d, &y, 1, None, &prm).unwrap();
    assert!(f.converged);
    let b = xty / (2.0 * xtx + alpha);
    close(&f.coef, &[b, b], 1e-9);
}

#[test]
fn positive_gap_is_zero_at_the_optimum_and_bounds_the_excess() {
    // min ½βᵀHβ − cᵀβ, H = diag(2, 2) (G = I, α = 1), c = (2, −1): β* = (1, 0), f* = −1.
    let alpha = 1.0;
    let at = |beta: [f64; 2]| {
        let grad = [2.0 * beta[0] - 2.0, 2.0 * beta[1] + 1.0];
        let f = beta[0] * beta[0] + beta[1] * beta[1] - 2.0 * beta[0] + beta[1];
        (positive::positive_gap(&beta, &grad, alpha), f + 1.0)
    };
    assert_eq!(at([1.0, 0.0]).0, 0.0);
    for beta in [[0.0, 0.0], [0.5, 0.3], [2.0, 1.0]] {
        let (gap, excess) = at(beta);
        assert!(gap >= excess - 1e-15 && excess > 0.0, "{gap} < {excess}");
    }
}

/// Leave-one-out by brute force: refit without each sample.
fn brute_loo(x: &[f64], n: usize, p: usize, y: &[f64], w: &[f64], alpha: f64) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let keep: Vec<usize> = (0..n).filter(|&r| r != i).collect();
            let xs: Vec<f64> = (0..p)
                .flat_map(|j| keep.iter().map(move |&r| x[j * n + r]))
                .collect();
            let ys: Vec<f64> = keep.iter().map(|&r| y[r]).collect();
            let ws: Vec<f64> = keep.iter().map(|&r| w[r]).collect();
            let d = DenseDesign::new(&xs, n - 1, p).unwrap();
            let f = fit(
                &d,
                &ys,
                1,
                Some(&ws),
                &params(vec![alpha], RidgeSolver::Cholesky, 1, true),
            )
            .unwrap();
            let pred = f.intercept[0] + (0..p).map(|j| x[j * n + i] * f.coef[j]).sum::<f64>();
            w[i].sqrt() * (y[i] - pred)
        })
        .collect()
}

#[test]
fn loo_matches_brute_force_in_gram_and_kernel_modes() {
    let (n, p) = (15, 4);
    let x = rand_vec(n * p, 61);
    let y = rand_vec(n, 62);
    let w: Vec<f64> = rand_vec(n, 63).iter().map(|v| v.abs() + 0.3).collect();
    let d = DenseDesign::new(&x, n, p).unwrap();
    let alphas = [0.3, 3.0];
    for mode in [LooMode::Gram, LooMode::Kernel] {
        let l = loo(&d, &y, 1, Some(&w), &alphas, true, mode).unwrap();
        for (a, &alpha) in alphas.iter().enumerate() {
            let brute = brute_loo(&x, n, p, &y, &w, alpha);
            close(&l.errors[a * n..(a + 1) * n], &brute, 1e-9);
        }
    }
}

#[test]
fn path_matches_pointwise_fits_primal_and_dual() {
    for (n, p) in [(30, 5), (6, 20)] {
        let x = rand_vec(n * p, 71);
        let y = rand_vec(2 * n, 72);
        let d = DenseDesign::new(&x, n, p).unwrap();
        let alphas = [0.01, 1.0, 100.0];
        let path = path(&d, &y, 2, None, &alphas, true).unwrap();
        for (a, &alpha) in alphas.iter().enumerate() {
            let f = fit(
                &d,
                &y,
                2,
                None,
                &params(vec![alpha], RidgeSolver::Cholesky, 2, true),
            )
            .unwrap();
            close(&path.coef[a * 2 * p..(a + 1) * 2 * p], &f.coef, 1e-9);
            close(&path.intercept[a * 2..(a + 1) * 2], &f.intercept, 1e-9);
        }
    }
}

#[test]
fn kfold_downdating_equals_refitting_on_training_rows() {
    let (n, p) = (40, 5);
    let x = rand_vec(n * p, 81);
    let y = rand_vec(n, 82);
    let d = DenseDesign::new(&x, n, p).unwrap();
    let folds: Vec<Vec<usize>> = (0..3)
        .map(|k| (0..n).filter(|i| i % 3 == k).collect())
        .collect();
    let alphas = [0.5, 5.0];
    let paths = kfold_paths(&d, &y, 1, None, &folds, &alphas, true).unwrap();
    for (f, fold) in folds.iter().enumerate() {
        let train: Vec<usize> = (0..n).filter(|i| !fold.contains(i)).collect();
        let xr = &x;
        let xs: Vec<f64> = (0..p)
            .flat_map(|j| train.iter().map(move |&r| xr[j * n + r]))
            .collect();
        let ys: Vec<f64> = train.iter().map(|&r| y[r]).collect();
        let dt = DenseDesign::new(&xs, train.len(), p).unwrap();
        let direct = path(&dt, &ys, 1, None, &alphas, true).unwrap();
        close(&paths[f].coef, &direct.coef, 1e-9);
        close(&paths[f].intercept, &direct.intercept, 1e-9);
    }
    let _ = rows(&x, n, p, 0, 1);
}

#[test]
fn kfold_from_parts_mse_equals_direct_prediction_error() {
    let (n, p) = (45, 4);
    let x = rand_vec(n * p, 91);
    let y = rand_vec(n, 92);
    let w: Vec<f64> = rand_vec(n, 93).iter().map(|v| v.abs() + 0.1).collect();
    let cuts = [0, 15, 30, 45];
    let parts: Vec<GramStats> = cuts
        .windows(2)
        .map(|c| {
            GramStats::from_dense(
                &rows(&x, n, p, c[0], c[1]),
                c[1] - c[0],
                p,
                &y[c[0]..c[1]],
                1,
                Some(&w[c[0]..c[1]]),
            )
            .unwrap()
        })
        .collect();
    let alphas = [0.1, 10.0];
    let (paths, mse) = kfold_from_parts(&parts, &alphas, true).unwrap();
    for (f, c) in cuts.windows(2).enumerate() {
        for a in 0..2 {
            let (beta, b) = (&paths[f].coef[a * p..(a + 1) * p], paths[f].intercept[a]);
            let (mut num, mut den) = (0.0, 0.0);
            for i in c[0]..c[1] {
                let r = y[i] - b - (0..p).map(|j| x[j * n + i] * beta[j]).sum::<f64>();
                num += w[i] * r * r;
                den += w[i];
            }
            let direct = num / den;
            assert!((mse[f * 2 + a] - direct).abs() < 1e-10 * direct, "{f} {a}");
        }
    }
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let x = [1.0, f64::NAN, 3.0];
    let d = DenseDesign::new(&x, 3, 1).unwrap();
    let prm = params(vec![1.0], RidgeSolver::Auto, 1, true);
    assert_eq!(
        fit(&d, &[1.0, 2.0, 3.0], 1, None, &prm).unwrap_err(),
        FastregError::NonFinite("X")
    );
    assert!(RidgeParamsBuilder {
        alphas: vec![-1.0],
        ..Default::default()
    }
    .check(1)
    .is_err());
    let x = [1.0, 2.0, 3.0];
    let d = DenseDesign::new(&x, 3, 1).unwrap();
    assert!(fit(&d, &[1.0, 2.0], 1, None, &prm).is_err());
    assert!(fit(&d, &[1.0, 2.0, 3.0], 1, Some(&[1.0, -1.0, 1.0]), &prm).is_err());
}
