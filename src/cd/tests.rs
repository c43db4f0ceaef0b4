//! Tests of the point solver: optimality (KKT, gap) at the solution, the gap as a bound at
//! any iterate, epochs that never raise the objective, sweeps, support epochs, Newton steps.

use super::*;
use crate::anderson::Anderson;
use crate::design::dot;
use crate::design::{CscDesign, DenseDesign};
use crate::error::FastregError;
use crate::params::{EnetParamsBuilder, Selection};
use crate::problem::Problem;
use crate::test_fixtures::{csc_of, weighted_sparse_truth, Lcg};

fn params(l1: f64, l2: f64, tol: f64, positive: bool) -> EnetParams {
    EnetParamsBuilder {
        l1,
        l2,
        tol,
        positive,
        max_iter: 100_000,
        ..Default::default()
    }
    .check()
    .unwrap()
}

/// Independent objective evaluation from the definition, with an explicit intercept.
fn objective(
    x: &[f64],
    y: &[f64],
    w: Option<&[f64]>,
    n: usize,
    fit: &EnetFit,
    l1: f64,
    l2: f64,
) -> f64 {
    let p = fit.coef.len();
    let wsum: f64 = w.map_or(n as f64, |w| w.iter().sum());
    let mut loss = 0.0;
    for i in 0..n {
        let pred: f64 = fit.intercept + (0..p).map(|j| x[j * n + i] * fit.coef[j]).sum::<f64>();
        loss += w.map_or(1.0, |w| w[i]) * (y[i] - pred).powi(2);
    }
    0.5 * loss / wsum
        + l1 * fit.coef.iter().map(|c| c.abs()).sum::<f64>()
        + 0.5 * l2 * dot(&fit.coef, &fit.coef)
}

/// KKT conditions of the (centred, weighted) problem from first principles.
#[allow(clippy::too_many_arguments)]
fn assert_kkt(
    x: &[f64],
    y: &[f64],
    w: Option<&[f64]>,
    n: usize,
    fit: &EnetFit,
    l1: f64,
    l2: f64,
    positive: bool,
    slack: f64,
) {
    let p = fit.coef.len();
    let wsum: f64 = w.map_or(n as f64, |w| w.iter().sum());
    let resid: Vec<f64> = (0..n)
        .map(|i| y[i] - fit.intercept - (0..p).map(|j| x[j * n + i] * fit.coef[j]).sum::<f64>())
        .collect();
    for j in 0..p {
        let g: f64 = (0..n)
            .map(|i| w.map_or(1.0, |w| w[i]) * x[j * n + i] * resid[i])
            .sum::<f64>()
            / wsum
            - l2 * fit.coef[j];
        let b = fit.coef[j];
        if b > 0.0 {
            assert!(
                (g - l1).abs() < slack,
                "feature {j}: β={b} gradient {g} ≠ {l1}"
            );
        } else if b < 0.0 {
            assert!(
                !positive && (g + l1).abs() < slack,
                "feature {j}: β={b} gradient {g} ≠ −{l1}"
            );
        } else if positive {
            assert!(g < l1 + slack, "feature {j}: β=0 gradient {g} > {l1}");
        } else {
            assert!(
                g.abs() < l1 + slack,
                "feature {j}: β=0 |gradient| {g} > {l1}"
            );
        }
    }
    // The intercept makes the weighted residual sum zero.
    let rsum: f64 = (0..n).map(|i| w.map_or(1.0, |w| w[i]) * resid[i]).sum();
    assert!(rsum.abs() < slack * wsum, "weighted residual sum {rsum}");
}

#[test]
fn kkt_and_gap_at_solution() {
    let (n, p) = (60, 40);
    let (x, y, w) = weighted_sparse_truth(n, p, 1.0, 1);
    let d = DenseDesign::new(&x, n, p).unwrap();
    for (l1, l2, positive, weighted) in [
        (0.3, 0.0, false, false),
        (0.1, 0.2, false, true),
        (0.2, 0.05, true, true),
    ] {
        let wopt = weighted.then_some(&w[..]);
        let pb = Problem::new(&d, &y, wopt, true).unwrap();
        let prm = params(l1, l2, 1e-14, positive);
        let fit = fit_enet(&pb, &prm, None).unwrap();
        assert!(fit.converged);
        assert!(fit.dual_gap >= -1e-12, "gap {}", fit.dual_gap);
        assert!(fit.dual_gap <= 1e-14 * pb.y_norm2 / n as f64);
        assert_kkt(&x, &y, wopt, n, &fit, l1, l2, positive, 1e-6);
        if positive {
            assert!(fit.coef.iter().all(|&c| c >= 0.0));
            assert!(fit.coef.iter().any(|&c| c > 0.0));
        }
    }
}

#[test]
fn gap_bounds_suboptimality() {
    // P(β_k) − P* ≤ gap(β_k) at any iterate: run a few epochs, compare with the optimum.
    let (n, p) = (50, 80);
    let (x, y, _) = weighted_sparse_truth(n, p, 1.0, 2);
    let d = DenseDesign::new(&x, n, p).unwrap();
    let pb = Problem::new(&d, &y, None, true).unwrap();
    let prm = params(0.05, 0.01, 1e-14, false);
    let best = fit_enet(&pb, &prm, None).unwrap();
    let p_star = objective(&x, &y, None, n, &best, 0.05, 0.01);
    let mut cd = CoordinateDescent::new(&pb, &prm, None).unwrap();
    let all: Vec<usize> = (0..p).collect();
    for _ in 0..5 {
        cd.epoch(&all);
        let gap = cd.dual_gap_scaled() / n as f64;
        assert!(
            cd.primal() - p_star <= gap + 1e-12,
            "suboptimality above gap"
        );
        assert!(gap >= 0.0);
    }
}

#[test]
fn objective_never_increases_across_epochs() {
    let (n, p) = (40, 100);
    let (x, y, w) = weighted_sparse_truth(n, p, 0.3, 3);
    let d = DenseDesign::new(&x, n, p).unwrap();
    let pb = Problem::new(&d, &y, Some(&w), true).unwrap();
    for selection in [Selection::Cyclic, Selection::Random { seed: 7 }] {
        let prm = EnetParamsBuilder {
            l1: 0.02,
            l2: 0.01,
            selection,
            ..Default::default()
        }
        .check()
        .unwrap();
        let mut cd = CoordinateDescent::new(&pb, &prm, None).unwrap();
        let all: Vec<usize> = (0..p).collect();
        let mut prev = cd.primal();
        for _ in 0..50 {
            cd.epoch(&all);
            let now = cd.primal();
            assert!(
                now <= prev * (1.0 + 1e-14),
                "objective rose from {prev} to {now}"
            );
            prev = now;
        }
    }
}

/// The f32 record of a sweep bound never tightens it: what it gives back is at least the
/// |gradient| recorded, and the distance since is at least the true one.
#[test]
fn sweep_bounds_round_outwards() {
    let mut b = SweepBounds::new(1);
    let mut x = 0.1234567890123f64;
    for _ in 0..2000 {
        b.travelled = x * 7.77;
        b.record(0, x);
        assert!(b.bound(0, 0.0, 0.0) >= x, "|g| {x}");
        // zero distance travelled since, up to the f32 rounding of the record
        let since = b.bound(0, 1.0, 0.0) - b.bound(0, 0.0, 0.0);
        assert!(since >= 0.0 && since <= 1e-6 * b.travelled, "{since}");
        x = x * 1.37 % 1000.0 + 1e-3;
    }
}

#[test]
fn sweep_bounds_turn_off_once_they_skip_little() {
    // A sweep at a zero limit can skip nothing: the bounds are dropped, and a later sweep
    // at a limit that would have let them skip computes every gradient exactly.
    let (n, p) = (40, 90);
    let (x, y, _) = weighted_sparse_truth(n, p, 0.3, 5);
    let (data_, indices, indptr) = csc_of(&x, n, p);
    let csc = CscDesign::new(&data_, &indices, &indptr, n).unwrap();
    let pb = Problem::new(&csc, &y, None, true).unwrap();
    let prm = params(0.1, 0.0, 1e-10, false);
    let mut cd = CoordinateDescent::new(&pb, &prm, None).unwrap();
    let all: Vec<usize> = (0..p).collect();
    let mut bounds = SweepBounds::new(p);
    let (mut out, mut exact) = (vec![0.0; p], vec![0.0; p]);
    cd.gradient_sweep(&mut out, 0.0, &mut bounds, None, None);
    cd.epoch(&all);
    cd.gradient_sweep(&mut out, 0.0, &mut bounds, None, None);
    assert!(bounds.off && bounds.abs_grad.is_empty());
    cd.epoch(&all);
    cd.gradient_all(&mut exact, None);
    let huge = 1e3 * exact.iter().fold(0.0f64, |m, g| m.max(g.abs()));
    cd.gradient_sweep(&mut out, huge, &mut bounds, None, None);
    assert_eq!(out, exact);
}

/// The bounded sweep along a descending sequence of penalties, on dense and sparse X,
/// weighted or not, with and without intercept, standardised or not, with box
/// constraints: every entry it computes is the full sweep's, every entry it skips has a
/// zero coefficient and |gradient| below `pf_j · limit`, the gap from its output is the
/// full sweep's, and it does skip.
#[test]
fn bounded_sweep_skips_only_what_it_may() {
    use crate::problem::FeatureOptions;
    fn check<D: Design>(pb: &Problem<'_, D>, tag: &str) -> usize {
        let p = pb.n_features();
        let prm = params(1.0, 0.0, 1e-10, false);
        let mut cd = CoordinateDescent::new(pb, &prm, None).unwrap();
        let all: Vec<usize> = (0..p).collect();
        let mut exact = vec![0.0; p];
        cd.gradient_all(&mut exact, None);
        let n = pb.n_samples() as f64;
        let amax = exact.iter().map(|g| g.abs()).fold(0.0, f64::max) / n;
        let mut bounds = SweepBounds::new(p);
        let mut out = vec![0.0; p];
        cd.gradient_sweep(&mut out, 0.0, &mut bounds, None, None);
        assert_eq!(out, exact, "{tag}: the first sweep is full");
        let mut skipped = 0;
        for k in 1..30 {
            let (l1, next) = (amax * 0.9f64.powi(k), amax * 0.9f64.powi(k + 1));
            cd.set_penalty(0.7 * l1, 0.3 * l1);
            for _ in 0..3 {
                cd.epoch(&all);
            }
            let limit = (0.7 * l1 * n).min(2.0 * 0.7 * next * n - 0.7 * l1 * n);
            cd.gradient_all(&mut exact, None);
            // every other sweep is given a third of the gradients (as a converged solve
            // gives its working set's)
            let given: Vec<usize> = (0..p).filter(|j| k % 2 == 0 && j % 3 == 0).collect();
            let given_grad: Vec<f64> = given.iter().map(|&j| exact[j]).collect();
            let known = Some((&given[..], &given_grad[..]));
            cd.gradient_sweep(&mut out, limit, &mut bounds, known, None);
            for j in 0..p {
                if out[j] == 0.0 && exact[j] != 0.0 && pb.excluded[j] {
                    // never a candidate: its gradient is not needed
                    assert_eq!(cd.coef_internal()[j], 0.0, "{tag}: an excluded moved");
                } else if out[j] == 0.0 && exact[j] != 0.0 {
                    skipped += 1;
                    assert_eq!(cd.coef_internal()[j], 0.0, "{tag}: skipped a non-zero");
                    let pf = pb.penalty_factor[j];
                    assert!(
                        exact[j].abs() < pf * limit,
                        "{tag}: skipped |g| {} >= {}",
                        exact[j].abs(),
                        pf * limit
                    );
                } else {
                    assert!(
                        (out[j] - exact[j]).abs() <= 1e-12 * exact[j].abs().max(1.0),
                        "{tag}: {} vs {}",
                        out[j],
                        exact[j]
                    );
                }
            }
            let (a, b) = (
                cd.gap_from_gradient(Features::Of(&all), &out),
                cd.gap_from_gradient(Features::Of(&all), &exact),
            );
            assert!(
                (a.gap - b.gap).abs() <= 1e-10 * b.primal.abs().max(1e-300),
                "{tag}: gap {} vs {}",
                a.gap,
                b.gap
            );
        }
        // given gradients are taken as they are, not recomputed
        let given_grad = [exact[0] + 1.0, exact[2] - 1.0];
        cd.gradient_sweep(
            &mut out,
            0.0,
            &mut bounds,
            Some((&[0, 2], &given_grad)),
            None,
        );
        assert_eq!(
            (out[0], out[2]),
            (given_grad[0], given_grad[1]),
            "{tag}: given"
        );
        assert!(
            (out[1] - exact[1]).abs() <= 1e-12 * exact[1].abs().max(1.0),
            "{tag}"
        );
        skipped
    }
    let (n, p) = (60, 150);
    let (x, y, w) = weighted_sparse_truth(n, p, 0.3, 11);
    let (data_, indices, indptr) = csc_of(&x, n, p);
    let dense = DenseDesign::new(&x, n, p).unwrap();
    let csc = CscDesign::new(&data_, &indices, &indptr, n).unwrap();
    // the same dense X with the single-precision pre-filter
    let coarse = DenseDesign::new(&x, n, p).unwrap().with_coarse_always();
    let pf: Vec<f64> = (0..p).map(|j| 0.5 + (j % 4) as f64 * 0.5).collect();
    let lo: Vec<f64> = (0..p)
        .map(|j| if j % 5 == 0 { 0.0 } else { f64::NEG_INFINITY })
        .collect();
    let hi: Vec<f64> = (0..p)
        .map(|j| if j % 7 == 0 { 0.0 } else { f64::INFINITY })
        .collect();
    let (mut skipped, mut skipped_dense, mut skipped_coarse) = (0, 0, 0);
    for case in 0..8 {
        let (intercept, weighted, standardize) = (case % 2 == 0, case % 4 < 2, case < 4);
        let opts = FeatureOptions {
            penalty_factor: Some(&pf),
            lower_bounds: Some(&lo),
            upper_bounds: Some(&hi),
            standardize,
        };
        let wopt = weighted.then_some(&w[..]);
        let a = Problem::with_options(&dense, &y, wopt, intercept, &opts).unwrap();
        let b = Problem::with_options(&csc, &y, wopt, intercept, &opts).unwrap();
        let c = Problem::with_options(&coarse, &y, wopt, intercept, &opts).unwrap();
        skipped_dense += check(&a, &format!("dense case {case}"));
        skipped += check(&b, &format!("csc case {case}"));
        skipped_coarse += check(&c, &format!("coarse case {case}"));
    }
    skipped += skipped_dense;
    assert!(skipped > 1000, "the sweeps skipped only {skipped} entries");
    // the coarse dots prove more gradients small than the travelled-distance bound alone
    assert!(
        skipped_coarse > skipped_dense + 1000,
        "coarse {skipped_coarse} vs bounds alone {skipped_dense}"
    );
}

#[test]
fn support_epochs_reach_the_covariance_mode_solution() {
    use crate::problem::FeatureOptions;
    // p > n with held-out rows (zero weights, as a CV fold): the passes over the support run
    // through its Gram block; the solution must be covariance mode's, and satisfy KKT.
    let (n, p) = (50, 120);
    let (x, y, mut w) = weighted_sparse_truth(n, p, 1.0, 21);
    for i in (0..n).step_by(5) {
        w[i] = 0.0;
    }
    let design = DenseDesign::new(&x, n, p).unwrap();
    for (case, (standardize, l1, l2, random)) in [
        (false, 0.02, 0.0, false),
        (true, 0.01, 0.005, false),
        (true, 0.03, 0.0, true),
    ]
    .into_iter()
    .enumerate()
    {
        let opts = FeatureOptions {
            standardize,
            ..Default::default()
        };
        let pb = Problem::with_options(&design, &y, Some(&w), true, &opts).unwrap();
        let prm = EnetParamsBuilder {
            l1,
            l2,
            tol: 1e-13,
            max_iter: 200_000,
            selection: if random {
                Selection::Random { seed: 3 }
            } else {
                Selection::Cyclic
            },
            ..Default::default()
        }
        .check()
        .unwrap();
        let all: Vec<usize> = (0..p).collect();
        let target = GapTarget::of(&prm, pb.y_norm2);
        let mut cd = CoordinateDescent::new(&pb, &prm, None).unwrap();
        let res = cd.solve_on(&all, target, prm.max_iter());
        assert!(res.converged, "case {case}");
        assert!(cd.n_support_epochs > 0, "case {case}: no support epoch ran");
        let mut cov = CoordinateDescent::new(&pb, &prm, None)
            .unwrap()
            .into_gram_mode()
            .unwrap();
        let cov_res = cov.solve_on(&all, target, prm.max_iter());
        assert!(cov_res.converged);
        // the same algorithm with exact gradients: updated ones that drift would show here
        assert!(
            res.n_iter <= cov_res.n_iter + cov_res.n_iter / 2 + 10,
            "case {case}: {} epochs against {} in covariance mode",
            res.n_iter,
            cov_res.n_iter
        );
        let (a, b) = (cd.coef(), cov.coef());
        let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(scale > 0.0 && a.iter().filter(|v| **v != 0.0).count() > 5);
        for j in 0..p {
            assert!(
                (a[j] - b[j]).abs() <= 1e-5 * scale,
                "case {case} feature {j}: {} vs {}",
                a[j],
                b[j]
            );
        }
        // the residual the epochs left behind is the true one: the gap from scratch agrees
        let fresh = CoordinateDescent::new(&pb, &prm, Some(&a)).unwrap();
        assert!((fresh.primal() - cd.primal()).abs() <= 1e-10 * pb.y_norm2);
    }
}

#[test]
fn dense_and_csc_agree() {
    let (n, p) = (80, 60);
    let (x, y, w) = weighted_sparse_truth(n, p, 0.2, 4);
    let (data_, indices, indptr) = csc_of(&x, n, p);
    let dense = DenseDesign::new(&x, n, p).unwrap();
    let csc = CscDesign::new(&data_, &indices, &indptr, n).unwrap();
    for (intercept, weighted) in [(true, false), (true, true), (false, true)] {
        let wopt = weighted.then_some(&w[..]);
        let prm = params(0.02, 0.01, 1e-13, false);
        let a = fit_enet(
            &Problem::new(&dense, &y, wopt, intercept).unwrap(),
            &prm,
            None,
        )
        .unwrap();
        let b = fit_enet(
            &Problem::new(&csc, &y, wopt, intercept).unwrap(),
            &prm,
            None,
        )
        .unwrap();
        let oa = objective(&x, &y, wopt, n, &a, 0.02, 0.01);
        let ob = objective(&x, &y, wopt, n, &b, 0.02, 0.01);
        assert!((oa - ob).abs() <= 1e-10 * oa, "objectives {oa} vs {ob}");
        for j in 0..p {
            assert!(
                (a.coef[j] - b.coef[j]).abs() < 1e-6,
                "coef {j}: {} vs {}",
                a.coef[j],
                b.coef[j]
            );
        }
        assert!((a.intercept - b.intercept).abs() < 1e-6);
    }
}

#[test]
fn one_feature_closed_form() {
    // With one feature the solution is soft-thresholding of the centred covariance.
    let n = 30;
    let (x, y, _) = weighted_sparse_truth(n, 1, 1.0, 5);
    let d = DenseDesign::new(&x, n, 1).unwrap();
    let pb = Problem::new(&d, &y, None, true).unwrap();
    let (xm, ym) = (
        x.iter().sum::<f64>() / n as f64,
        y.iter().sum::<f64>() / n as f64,
    );
    let sxy: f64 = (0..n).map(|i| (x[i] - xm) * (y[i] - ym)).sum::<f64>() / n as f64;
    let sxx: f64 = (0..n).map(|i| (x[i] - xm).powi(2)).sum::<f64>() / n as f64;
    for (l1, l2) in [(0.1, 0.0), (0.05, 0.3), (sxy.abs() * 2.0, 0.0)] {
        let fit = fit_enet(&pb, &params(l1, l2, 1e-14, false), None).unwrap();
        let expect = sxy.signum() * (sxy.abs() - l1).max(0.0) / (sxx + l2);
        assert!(
            (fit.coef[0] - expect).abs() < 1e-12,
            "{} vs {expect}",
            fit.coef[0]
        );
        assert!((fit.intercept - (ym - xm * expect)).abs() < 1e-12);
    }
}

#[test]
fn warm_start_and_invalid_input() {
    let (n, p) = (30, 10);
    let (x, y, _) = weighted_sparse_truth(n, p, 1.0, 6);
    let d = DenseDesign::new(&x, n, p).unwrap();
    let pb = Problem::new(&d, &y, None, true).unwrap();
    let prm = params(0.1, 0.0, 1e-10, false);
    let cold = fit_enet(&pb, &prm, None).unwrap();
    let warm = fit_enet(&pb, &prm, Some(&cold.coef)).unwrap();
    assert!(warm.n_iter <= 2 && warm.converged);
    assert!(fit_enet(&pb, &prm, Some(&[0.0; 3])).is_err());
    assert!(Problem::new(&d, &y[..n - 1], None, true).is_err());
    assert!(Problem::new(&d, &y, Some(&vec![-1.0; n]), true).is_err());
    let mut bad = x.clone();
    bad[3] = f64::NAN;
    let dbad = DenseDesign::new(&bad, n, p).unwrap();
    assert!(matches!(
        Problem::new(&dbad, &y, None, true),
        Err(FastregError::NonFinite("X"))
    ));
    assert!(EnetParamsBuilder {
        l1: -1.0,
        ..Default::default()
    }
    .check()
    .is_err());
    assert!(CscDesign::new(&[1.0], &[5i32], &[0, 1], 3).is_err());
}

#[test]
fn conjugate_matches_brute_force() {
    let cases = [
        (1.5, 1.0, 0.0, -2.0, 3.0),
        (-1.5, 1.0, 0.5, -2.0, 3.0),
        (4.0, 1.0, 0.5, -2.0, 3.0),
        (0.5, 1.0, 0.0, f64::NEG_INFINITY, f64::INFINITY),
        (2.0, 0.0, 1.0, 0.0, f64::INFINITY),
        (-2.0, 0.0, 1.0, 0.0, f64::INFINITY),
    ];
    for (u, l1, l2, lo, hi) in cases {
        let (a, b) = (f64::max(lo, -10.0), f64::min(hi, 10.0));
        let best = (0..=200_000)
            .map(|i| a + (b - a) * i as f64 / 200_000.0)
            .map(|x: f64| u * x - l1 * x.abs() - 0.5 * l2 * x * x)
            .fold(f64::NEG_INFINITY, f64::max);
        let c = conjugate(u, l1, l2, lo, hi);
        assert!(
            (c - best).abs() < 1e-3,
            "{u} {l1} {l2} {lo} {hi}: {c} vs {best}"
        );
    }
    assert!(conjugate(2.0, 1.0, 0.0, -1.0, f64::INFINITY).is_infinite());
}

/// The matrix-free Hessian product and the conjugate-gradient solve of the Newton step
/// against the explicit Gram block and its Cholesky solve, on dense and sparse X with
/// weights, intercept, standardisation and a ridge part.
#[test]
fn newton_cg_solves_the_gram_block_system() {
    fn check<D: Design>(pb: &Problem<'_, D>, tag: &str) {
        let prm = params(0.01, 0.3, 1e-10, false);
        let mut cd = CoordinateDescent::new(pb, &prm, None).unwrap();
        let features: Vec<usize> = (0..pb.n_features()).step_by(3).collect();
        let m = features.len();
        let v: Vec<f64> = (0..m).map(|k| ((k * 37) % 11) as f64 - 5.0).collect();
        let mut h = cd.gram_block(&features);
        for (a, &j) in features.iter().enumerate() {
            h[a * m + a] += cd.l2 * pb.penalty_factor[j];
        }
        let (mut u, mut hv) = (Vec::new(), vec![0.0; m]);
        cd.hessian_product(&features, &v, &mut u, &mut hv);
        for a in 0..m {
            let want: f64 = (0..m).map(|b| h[b * m + a] * v[b]).sum();
            assert!(
                (hv[a] - want).abs() <= 1e-9 * want.abs().max(1.0),
                "{tag}: H v[{a}] {} vs {want}",
                hv[a]
            );
        }
        let l = crate::linalg::cholesky(&h, m, 0.0).unwrap().unwrap();
        let mut direct = v.clone();
        crate::linalg::cholesky_solve(&l, m, &mut direct, 1);
        let cg = cd.newton_cg(&features, &v);
        for (a, b) in cg.iter().zip(&direct) {
            assert!(
                (a - b).abs() <= 1e-7 * b.abs().max(1.0),
                "{tag}: CG {a} vs {b}"
            );
        }
    }
    let (n, p) = (70, 40);
    let (x, y, w) = weighted_sparse_truth(n, p, 0.4, 21);
    let (data_, indices, indptr) = csc_of(&x, n, p);
    let dense = DenseDesign::new(&x, n, p).unwrap();
    let csc = CscDesign::new(&data_, &indices, &indptr, n).unwrap();
    let opts = crate::problem::FeatureOptions {
        penalty_factor: None,
        lower_bounds: None,
        upper_bounds: None,
        standardize: true,
    };
    for (intercept, weighted) in [(true, true), (false, false)] {
        let wopt = weighted.then_some(&w[..]);
        check(
            &Problem::with_options(&dense, &y, wopt, intercept, &opts).unwrap(),
            "dense",
        );
        check(
            &Problem::with_options(&csc, &y, wopt, intercept, &opts).unwrap(),
            "csc",
        );
    }
}

#[test]
fn newton_step_on_the_optimal_support_lands_on_the_solution() {
    use crate::design::DenseDesign;
    use crate::params::EnetParamsBuilder;
    use crate::problem::FeatureOptions;
    // wide (residual mode, cached inner products) and tall (covariance mode), with
    // weights, an unpenalised feature, a bound and standardisation
    for (case, &(n, p, gram)) in [(25usize, 60usize, false), (80, 12, true)]
        .iter()
        .enumerate()
    {
        let (x, y, w) = weighted_sparse_truth(n, p, 1.0, 40 + case as u64);
        let pf: Vec<f64> = (0..p).map(|j| if j == 2 { 0.0 } else { 1.0 }).collect();
        let lo: Vec<f64> = (0..p)
            .map(|j| if j == 3 { 0.0 } else { f64::NEG_INFINITY })
            .collect();
        let opts = FeatureOptions {
            penalty_factor: Some(&pf),
            lower_bounds: Some(&lo),
            upper_bounds: None,
            standardize: true,
        };
        let design = DenseDesign::new(&x, n, p).unwrap();
        let pb = Problem::with_options(&design, &y, Some(&w), true, &opts).unwrap();
        let prm = EnetParamsBuilder::from_alpha(0.02, 0.8).check().unwrap();
        let mut cd = CoordinateDescent::new(&pb, &prm, None).unwrap();
        if gram {
            cd = cd.into_gram_mode().unwrap();
        }
        // the optimum by plain coordinate descent (no Newton step), to rounding
        let all: Vec<usize> = (0..p).collect();
        for _ in 0..200_000 {
            cd.epoch(&all);
        }
        let best = cd.primal();
        let solution = cd.coef_internal().to_vec();
        assert!(
            cd.dual_gap_scaled() <= 1e-11 * pb.y_norm2(),
            "case {case}: not converged"
        );
        // move inside the same orthant (the bound's feature stays on its side), then one step
        let moved: Vec<f64> = solution
            .iter()
            .enumerate()
            .map(|(j, &b)| {
                b * (1.0 + 0.3 * ((j % 5) as f64 - 2.0) / 2.0)
                    + if pf[j] == 0.0 { 0.5 } else { 0.0 }
            })
            .collect();
        cd.assign(&all, &moved);
        assert!(
            cd.primal() > best * (1.0 + 1e-6),
            "case {case}: the move did nothing"
        );
        assert!(cd.support_newton(&all), "case {case}: no step taken");
        let after = cd.primal();
        assert!(
            (after - best).abs() <= 1e-12 * best,
            "case {case}: {after} vs {best}"
        );
        for (j, (&a, &b)) in cd.coef_internal().iter().zip(&solution).enumerate() {
            assert!(
                (a - b).abs() <= 1e-8 * (1.0 + b.abs()),
                "case {case} feature {j}: {a} vs {b}"
            );
        }
        assert!(
            cd.dual_gap_scaled() <= 1e-10 * pb.y_norm2(),
            "case {case}: gap"
        );
    }
}

#[test]
fn newton_step_projects_a_wrong_sign_to_zero() {
    use crate::design::DenseDesign;
    use crate::params::EnetParamsBuilder;
    // Orthogonal columns with x_jᵀx_j/n = 1, y = 0.1·x1 + 2·x2, α = 0.2: the solution is
    // (0, 1.8). From (−0.05, 0.5) the sign-fixed step sends β1 across zero to 0.3; set to
    // zero, the rest of the step lands on the solution. Stopped at the crossing instead
    // (t = 1/7), β2 would only reach 0.686.
    let (n, p) = (4, 2);
    let x = [1.0, 1.0, -1.0, -1.0, 1.0, -1.0, 1.0, -1.0];
    let y: Vec<f64> = (0..n).map(|i| 0.1 * x[i] + 2.0 * x[n + i]).collect();
    let design = DenseDesign::new(&x, n, p).unwrap();
    let pb = Problem::new(&design, &y, None, false).unwrap();
    let prm = EnetParamsBuilder::from_alpha(0.2, 1.0).check().unwrap();
    let mut cd = CoordinateDescent::new(&pb, &prm, Some(&[-0.05, 0.5])).unwrap();
    assert!(cd.support_newton(&[0, 1]));
    let coef = cd.coef();
    assert!(coef[0] == 0.0 && (coef[1] - 1.8).abs() < 1e-12, "{coef:?}");
}

#[test]
fn anderson_is_exact_on_an_affine_map() {
    // Iterates of x ← Ax + b in 4 dimensions: K = 5 differences are linearly dependent
    // (Cayley–Hamilton), so some combination of the iterates summing to one is the fixed
    // point (I − A)⁻¹b; the Cholesky's jitter (the differences' Gram matrix is singular)
    // leaves it off by far less than the last iterate.
    let a = [
        [0.5, 0.1, 0.0, -0.2],
        [0.1, 0.3, 0.2, 0.0],
        [0.0, -0.1, 0.6, 0.1],
        [0.2, 0.0, 0.1, 0.4],
    ];
    let b = [1.0, -2.0, 0.5, 3.0];
    let step = |x: &[f64]| -> Vec<f64> {
        (0..4)
            .map(|i| (0..4).map(|k| a[i][k] * x[k]).sum::<f64>() + b[i])
            .collect()
    };
    let mut x = vec![0.0; 4];
    let mut window = Anderson::new();
    for _ in 0..Anderson::DEPTH + 3 {
        x = step(&x);
        window.push_rolling(x.clone());
    }
    assert!(window.is_full());
    let fixed = window.extrapolate().unwrap();
    let residual: f64 = step(&fixed)
        .iter()
        .zip(&fixed)
        .map(|(s, f)| (s - f).abs())
        .fold(0.0, f64::max);
    let last_residual: f64 = step(&x)
        .iter()
        .zip(&x)
        .map(|(s, f)| (s - f).abs())
        .fold(0.0, f64::max);
    assert!(
        residual < 1e-3 * last_residual,
        "fixed-point residual {residual}, the last iterate's {last_residual}"
    );
}

#[test]
fn extrapolation_holds_a_crossing_coordinate_at_zero() {
    // A window converging geometrically to the solution except at one feature that is zero
    // there, where its limit is negative while its iterates are positive: the extrapolated
    // point is the solution except there, and that coordinate is held at zero, not carried
    // across. Without the hold the candidate (−0.01 there) would be accepted too.
    let (n, p) = (40, 10);
    let (x, y, _) = weighted_sparse_truth(n, p, 1.0, 11);
    let design = DenseDesign::new(&x, n, p).unwrap();
    let pb = Problem::new(&design, &y, None, true).unwrap();
    let prm = params(0.05, 0.0, 1e-14, false);
    let mut cd = CoordinateDescent::new(&pb, &prm, None).unwrap();
    let all: Vec<usize> = (0..p).collect();
    cd.solve_on(&all, GapTarget::of(&prm, pb.y_norm2), 100_000);
    let solution = cd.coef.clone();
    let j0 = (0..p)
        .find(|&j| solution[j] == 0.0)
        .expect("a zero coefficient");
    let mut limit = solution.clone();
    limit[j0] = -0.01;
    // (the other coordinates stay on their limit's side)
    let start: Vec<f64> = (0..p)
        .map(|j| match limit[j] {
            _ if j == j0 => 0.5,
            0.0 => 0.3,
            l => 2.0 * l,
        })
        .collect();
    let mut window = Anderson::new();
    let mut iterate = start.clone();
    for k in 0..Anderson::DEPTH {
        let f = 0.7f64.powi(k as i32 + 1);
        iterate = (0..p)
            .map(|j| limit[j] + f * (start[j] - limit[j]))
            .collect();
        window.push_rolling(iterate.clone());
    }
    assert!(iterate[j0] > 0.0);
    cd.assign(&all, &iterate);
    let before = cd.primal();
    assert!(cd.try_extrapolation(&all, &mut window));
    assert_eq!(cd.coef[j0], 0.0);
    for j in (0..p).filter(|&j| j != j0) {
        assert!(
            (cd.coef[j] - solution[j]).abs() < 1e-9,
            "feature {j}: {} vs {}",
            cd.coef[j],
            solution[j]
        );
    }
    assert!(cd.primal() < before);
    assert!(!window.is_full(), "an accepted point clears the window");
}

#[test]
fn a_rejected_trial_is_undone_exactly() {
    // Undoing a step of 1e12 by its negative leaves its rounding in the residual (the
    // objective 6e-6 relative off, here); the saved copy puts the residual back bit for bit.
    let (n, p) = (30, 12);
    let (x, y, _) = weighted_sparse_truth(n, p, 1.0, 5);
    let design = DenseDesign::new(&x, n, p).unwrap();
    let pb = Problem::new(&design, &y, None, true).unwrap();
    let prm = params(0.01, 0.0, 1e-8, false);
    let mut cd = CoordinateDescent::new(&pb, &prm, None).unwrap();
    let all: Vec<usize> = (0..p).collect();
    cd.epoch(&all);
    let features = [1, 4, 7];
    let current: Vec<f64> = features.iter().map(|&j| cd.coef[j]).collect();
    let before = cd.primal();
    let saved = cd.save_updated();
    cd.assign(&features, &[1e12, -3e12, 2e12]);
    cd.restore_updated(&saved, &features, &current);
    assert_eq!(cd.primal(), before);
    cd.assign(&features, &[1e12, -3e12, 2e12]);
    cd.assign(&features, &current);
    assert!(
        (cd.primal() - before).abs() > 1e-9 * before,
        "the naive undo was exact"
    );
}

#[test]
fn newton_step_never_increases_the_objective() {
    use crate::design::DenseDesign;
    use crate::params::EnetParamsBuilder;
    // from arbitrary iterates (wrong support, wrong signs) the step may stop at the orthant's
    // edge but never increases the objective, and keeps the box
    for seed in 0..30u64 {
        let (n, p) = (20 + (seed % 4) as usize * 10, 15 + (seed % 5) as usize * 8);
        let (x, y, _) = weighted_sparse_truth(n, p, 0.7, 100 + seed);
        let design = DenseDesign::new(&x, n, p).unwrap();
        let pb = Problem::new(&design, &y, None, seed % 2 == 0).unwrap();
        let prm = EnetParamsBuilder {
            positive: seed % 4 == 1,
            ..EnetParamsBuilder::from_alpha(0.05, if seed % 3 == 0 { 1.0 } else { 0.5 })
        }
        .check()
        .unwrap();
        let mut g = Lcg(seed);
        let init: Vec<f64> = (0..p)
            .map(|j| if j % 3 == 0 { g.normal() } else { 0.0 })
            .collect();
        let mut cd = CoordinateDescent::new(&pb, &prm, Some(&init)).unwrap();
        let all: Vec<usize> = (0..p).collect();
        for _ in 0..(seed % 3) {
            cd.epoch(&all);
        }
        let before = cd.primal();
        cd.support_newton(&all);
        let after = cd.primal();
        assert!(
            after <= before * (1.0 + 1e-13),
            "seed {seed}: {after} > {before}"
        );
        for (j, &b) in cd.coef_internal().iter().enumerate() {
            assert!(
                b >= cd.lower()[j] && b <= cd.upper()[j],
                "seed {seed}: feature {j} out of its box"
            );
        }
    }
}

#[test]
fn polish_lets_a_violating_feature_enter_before_the_newton_step() {
    // From the solution with one support feature set to zero (it then violates its KKT
    // condition), the polish given that feature as entering lands back on the solution;
    // a Newton step on the rest of the support alone cannot bring it back.
    use crate::design::DenseDesign;
    let (n, p) = (50, 60);
    let (x, y, _) = weighted_sparse_truth(n, p, 1.0, 31);
    let design = DenseDesign::new(&x, n, p).unwrap();
    let pb = Problem::new(&design, &y, None, true).unwrap();
    let prm = params(0.3, 0.0, 1e-15, false);
    let best = fit_enet(&pb, &prm, None).unwrap();
    let p_star = CoordinateDescent::new(&pb, &prm, Some(&best.coef))
        .unwrap()
        .primal();
    let support: Vec<usize> = (0..p).filter(|&j| best.coef[j] != 0.0).collect();
    assert!((3..=8).contains(&support.len()), "support {support:?}");
    let j = *support
        .iter()
        .max_by(|&&a, &&b| best.coef[a].abs().total_cmp(&best.coef[b].abs()))
        .unwrap();
    let mut start = best.coef.clone();
    start[j] = 0.0;
    let rest: Vec<usize> = support.iter().copied().filter(|&k| k != j).collect();
    let polished = |entering: &[usize]| {
        let mut cd = CoordinateDescent::new(&pb, &prm, Some(&start)).unwrap();
        let rules = cd.rules();
        assert!(rules.score(j, cd.gradient(j)) > rules.penalty_factor[j] * cd.l1_scaled());
        let before = cd.primal();
        // (polish reports the solver's units, the objective times n)
        let after = cd.polish(&rest, entering).map_or(before, |v| v / n as f64);
        assert!(
            (after - cd.primal()).abs() <= 1e-12 * after,
            "reported objective"
        );
        after
    };
    let with = polished(&[j]);
    let without = polished(&[]);
    assert!(with - p_star <= 1e-12 * p_star, "{with} against {p_star}");
    assert!(
        without - p_star > 1e-6 * p_star,
        "{without} against {p_star}"
    );
}

/// Random small problems with penalty factors (incl. 0) and boxes: every epoch lowers the
/// objective, the gap is never negative and bounds the distance to the best objective seen.
#[test]
fn epochs_never_increase_objective_and_gap_is_valid() {
    use crate::design::DenseDesign;
    use crate::params::EnetParamsBuilder;
    use crate::problem::FeatureOptions;
    let mut state = 12345u64;
    let mut rnd = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    };
    for case in 0..20 {
        let (n, p) = (15 + case % 7, 8 + (case * 3) % 17);
        let x: Vec<f64> = (0..n * p).map(|_| rnd()).collect();
        let y: Vec<f64> = (0..n).map(|_| rnd() * 3.0).collect();
        let pf: Vec<f64> = (0..p)
            .map(|j| if j == 1 { 0.0 } else { 0.5 + rnd().abs() })
            .collect();
        let lo: Vec<f64> = (0..p)
            .map(|j| if j % 3 == 0 { 0.0 } else { -0.3 })
            .collect();
        let hi: Vec<f64> = (0..p)
            .map(|j| if j % 4 == 0 { 0.2 } else { f64::INFINITY })
            .collect();
        let design = DenseDesign::new(&x, n, p).unwrap();
        let opts = FeatureOptions {
            penalty_factor: Some(&pf),
            lower_bounds: Some(&lo),
            upper_bounds: Some(&hi),
            standardize: case % 2 == 0,
        };
        let pb = Problem::with_options(&design, &y, None, case % 3 != 0, &opts).unwrap();
        let l1_ratio = if case % 2 == 0 { 1.0 } else { 0.6 };
        let prm = EnetParamsBuilder::from_alpha(0.05, l1_ratio)
            .check()
            .unwrap();
        let mut cd = CoordinateDescent::new(&pb, &prm, None).unwrap();
        let all: Vec<usize> = (0..p).collect();
        let mut prev = cd.primal();
        let mut gaps = Vec::new();
        for _ in 0..200 {
            cd.epoch(&all);
            let obj = cd.primal();
            assert!(
                obj <= prev * (1.0 + 1e-13) + 1e-15,
                "case {case}: {obj} > {prev}"
            );
            prev = obj;
            let gap = cd.dual_gap_scaled() / n as f64;
            assert!(gap >= 0.0);
            gaps.push((obj, gap));
        }
        let best = prev;
        for (obj, gap) in gaps {
            // a valid gap bounds the suboptimality: obj − best ≤ obj − P* ≤ gap
            assert!(
                obj - best <= gap + 1e-12 * best.abs().max(1.0),
                "case {case}"
            );
        }
        for j in 0..p {
            let b = cd.coef()[j];
            assert!(b >= lo[j] - 1e-12 && b <= hi[j] + 1e-12);
        }
    }
}
