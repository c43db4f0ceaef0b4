"""First comparison: fastreg.Lasso against scikit-learn's Lasso at one alpha, on one dense and
one sparse problem, at the same achieved accuracy.

A high-precision reference run gives P*; each solver then runs over a ladder of its own
tolerances, loosest first, until the harness (evaluating the objective itself) sees a relative
objective excess (P - P*)/P* <= 1e-6; the reported time is the median of that run. Usage:
    python benches/compare_sklearn.py [--repeat 5]

``--same-tol 1e-4,1e-6`` instead fits Lasso and ElasticNet (l1_ratio 0.5) of both libraries at
each given tol, as a user would: epochs (``n_iter_``), median time, scikit-learn's time over
fastreg's, and how far fastreg's coefficients are from scikit-learn's (max |Δw| / max |w|).
"""

import argparse
import os
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import fastreg  # noqa: E402
import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
import sklearn.linear_model as sk  # noqa: E402

TOLS = [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10]


def problems(seed=0):
    rng = np.random.default_rng(seed)
    n, p = 500, 2000
    X = np.sqrt(0.5) * rng.standard_normal((n, 1)) + np.sqrt(0.5) * rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[rng.choice(p, p // 50, replace=False)] = rng.standard_normal(p // 50)
    y = X @ beta
    y += 0.5 * y.std() * rng.standard_normal(n) + 1.0
    yield "dense 500x2000 rho=0.5", np.asfortranarray(X), y
    n, p = 5000, 20000
    Xs = sp.random(
        n, p, density=0.002, format="csc", random_state=seed, data_rvs=rng.standard_normal
    )
    beta = np.zeros(p)
    beta[rng.choice(p, p // 50, replace=False)] = rng.standard_normal(p // 50)
    y = Xs @ beta
    y += 0.5 * y.std() * rng.standard_normal(n) + 1.0
    yield "sparse 5000x20000 0.2%", Xs, y


def objective(coef, intercept, X, y, alpha):
    r = y - X @ coef - intercept
    return 0.5 * r @ r / len(y) + alpha * np.abs(coef).sum()


def time_to_reach(make, X, y, alpha, p_star, target, repeat):
    """Median time of the loosest tolerance whose result is within target of P*."""
    for tol in TOLS:
        m = make(alpha, tol)
        m.fit(X, y)  # warm-up
        times = []
        for _ in range(repeat):
            m = make(alpha, tol)
            t0 = time.perf_counter()
            m.fit(X, y)
            times.append(time.perf_counter() - t0)
        if objective(m.coef_, m.intercept_, X, y, alpha) - p_star <= target * p_star:
            return float(np.median(times))
    return float("nan")


def median_fit(make, X, y, repeat):
    """The last of ``repeat`` timed fits (after a warm-up) and their median time."""
    make().fit(X, y)
    times = []
    for _ in range(repeat):
        m = make()
        t0 = time.perf_counter()
        m.fit(X, y)
        times.append(time.perf_counter() - t0)
    return m, float(np.median(times))


def same_tol(tols, repeat):
    print(
        "| problem | α/α_max | estimator | tol | fastreg epochs | fastreg (s) "
        "| scikit-learn epochs | scikit-learn (s) | speed-up | max|Δw|/max|w| |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, X, y in problems():
        Xc = X if sp.issparse(X) else X - X.mean(0)
        alpha_max = np.abs(Xc.T @ (y - y.mean())).max() / len(y)
        for frac in (0.1, 0.02):
            for est, l1_ratio in (("Lasso", 1.0), ("ElasticNet", 0.5)):
                a = frac * alpha_max / l1_ratio
                for tol in tols:
                    kw = dict(alpha=a, l1_ratio=l1_ratio, tol=tol, max_iter=100_000)
                    fr, t_fr = median_fit(lambda kw=kw: fastreg.ElasticNet(**kw), X, y, repeat)
                    sl, t_sl = median_fit(lambda kw=kw: sk.ElasticNet(**kw), X, y, repeat)
                    diff = np.abs(fr.coef_ - sl.coef_).max() / max(np.abs(sl.coef_).max(), 1e-300)
                    print(
                        f"| {name} | {frac:g} | {est} | {tol:g} | {fr.n_iter_} | {t_fr:.4f} "
                        f"| {sl.n_iter_} | {t_sl:.4f} | {t_sl / t_fr:.1f}x | {diff:.1e} |",
                        flush=True,
                    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--target", type=float, default=1e-6)
    ap.add_argument("--same-tol", default=None, help="comma-separated tols (see the docstring)")
    args = ap.parse_args()
    if args.same_tol:
        same_tol([float(t) for t in args.same_tol.split(",")], args.repeat)
        return
    solvers = {
        "fastreg": lambda a, t: fastreg.Lasso(alpha=a, tol=t, max_iter=100_000),
        "scikit-learn": lambda a, t: sk.Lasso(alpha=a, tol=t, max_iter=100_000),
    }
    print(
        "| problem | alpha/alpha_max | fastreg (s) | scikit-learn (s) | speed-up "
        f"| accuracy ≤ {args.target:g} |"
    )
    print("|---|---|---|---|---|---|")
    for name, X, y in problems():
        Xc = X if sp.issparse(X) else X - X.mean(0)
        alpha_max = np.abs(Xc.T @ (y - y.mean())).max() / len(y)
        for frac in (0.1, 0.02):
            alpha = frac * alpha_max
            ref = fastreg.Lasso(alpha=alpha, tol=1e-13, max_iter=1_000_000).fit(X, y)
            p_star = objective(ref.coef_, ref.intercept_, X, y, alpha)
            reach = {
                s: time_to_reach(make, X, y, alpha, p_star, args.target, args.repeat)
                for s, make in solvers.items()
            }
            print(
                f"| {name} | {frac:g} | {reach['fastreg']:.4f} | {reach['scikit-learn']:.4f} "
                f"| {reach['scikit-learn'] / reach['fastreg']:.1f}x | relative objective excess |"
            )


if __name__ == "__main__":
    main()
