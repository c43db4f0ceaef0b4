"""Ad-hoc comparison of fastreg.lasso_path with sklearn.linear_model.lasso_path (not a
benchmark suite: those live in benches/). Same data, same 100-α grid to eps=1e-2, same `tol`
(scikit-learn's rule: duality gap ≤ tol·‖y‖²/n), single-threaded; the achieved accuracy is
measured, not assumed: each α's objective is compared with a reference solved by fastreg.path
to a 1e-10 relative duality gap.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python scripts/compare_lasso_path.py [dense|sparse|all]
"""

import sys
import time
import warnings

import fastreg
import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import lasso_path as sk_lasso_path


def dense_problem(n=500, p=10_000, rho=0.5, k=20, seed=0):
    rng = np.random.default_rng(seed)
    X = np.sqrt(1 - rho) * rng.standard_normal((n, p)) + np.sqrt(rho) * rng.standard_normal((n, 1))
    beta = np.zeros(p)
    beta[rng.choice(p, k, replace=False)] = rng.standard_normal(k) * 2
    y = X @ beta + rng.standard_normal(n)
    X -= X.mean(axis=0)
    y -= y.mean()
    return np.asfortranarray(X), y


def sparse_problem(n=20_000, p=50_000, density=0.002, k=100, seed=1):
    rng = np.random.default_rng(seed)
    X = sp.random(
        n, p, density=density, format="csc", random_state=seed, data_rvs=rng.standard_normal
    )
    beta = np.zeros(p)
    beta[rng.choice(p, k, replace=False)] = rng.standard_normal(k) * 2
    y = X @ beta + 0.5 * rng.standard_normal(n)
    return X, y


def objectives(X, y, alphas, coefs):
    n = X.shape[0]
    R = y[:, None] - np.asarray(X @ coefs)
    return 0.5 * np.sum(R * R, axis=0) / n + alphas * np.abs(coefs).sum(axis=0)


def timed(f, repeat):
    best, out = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def compare(name, X, y, tol=1e-4, repeat=1):
    kw = dict(alphas=100, eps=1e-2, max_iter=100_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t_sk, (a_sk, c_sk, _) = timed(lambda: sk_lasso_path(X, y, tol=tol, **kw), repeat)
    t = time.perf_counter()
    ref = fastreg.path(X, y, alphas=a_sk, fit_intercept=False, tol=1e-10, max_iter=1_000_000)
    print(f"{name}: X {X.shape}; reference path (rel. gap 1e-10) {time.perf_counter() - t:.1f} s")
    ref_obj = ref.objective_

    def excess(alphas, coefs):
        return float(np.max((objectives(X, y, alphas, coefs) - ref_obj) / ref_obj))

    ex_sk = excess(a_sk, c_sk)
    print(f"  sklearn lasso_path tol={tol:g}: {t_sk:8.3f} s, max rel. objective excess {ex_sk:.2e}")
    # fastreg.lasso_path with scikit-learn's tol rule, tightened until it is at least as
    # accurate as scikit-learn was (same achieved accuracy, measured against the reference)
    for tol_fr in [tol, tol / 10, tol / 100, tol / 1e3, tol / 1e4, tol / 1e5, tol / 1e6]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            t_fr, (a_fr, c_fr, _) = timed(
                lambda tol_fr=tol_fr: fastreg.lasso_path(X, y, tol=tol_fr, **kw), repeat
            )
        ex_fr = excess(a_fr, c_fr)
        print(
            f"  fastreg lasso_path tol={tol_fr:g}: {t_fr:8.3f} s, max rel. objective excess "
            f"{ex_fr:.2e}, sklearn/fastreg time ratio {t_sk / t_fr:.2f}"
        )
        if ex_fr <= ex_sk:
            break
    # the certified variant: gap ≤ rel·objective at every α, rel = scikit-learn's excess
    rel = max(ex_sk, 1e-12)
    t_rel, fit = timed(
        lambda: fastreg.path(X, y, alphas=a_sk, fit_intercept=False, tol=rel, max_iter=100_000),
        repeat,
    )
    ex_rel = float(np.max((fit.objective_ - ref_obj) / ref_obj))
    print(
        f"  fastreg.path certified rel. gap {rel:.1e}: {t_rel:8.3f} s, max excess "
        f"{ex_rel:.2e}, sklearn/fastreg time ratio {t_sk / t_rel:.2f}"
    )


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    if which in ("dense", "all"):
        compare("dense 500x10000 rho=0.5", *dense_problem(), repeat=1)
    if which in ("sparse", "all"):
        compare("sparse CSC 20000x50000 0.2%", *sparse_problem(), repeat=1)
