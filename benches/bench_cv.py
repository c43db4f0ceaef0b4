"""Cross-validation timings: fastreg's LassoCV / ElasticNetCV against scikit-learn's on the same
folds and α grid, n_jobs = 1 and 2, reported as ratios measured in the same run.

    python benches/bench_cv.py                  # both problems, full size
    python benches/bench_cv.py --scale 0.25     # rows and columns scaled down
    python benches/bench_cv.py --only dense     # one problem

Benchmarks are not tests: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import time

import fastreg
import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn import linear_model as sk
from sklearn.model_selection import KFold


def sparse_problem(n, p, density, seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(
        n, p, density=density, format="csc", random_state=seed, dtype=np.float64
    )
    beta = np.zeros(p)
    beta[rng.choice(p, 20, replace=False)] = rng.uniform(-3, 3, 20)
    y = X @ beta + 0.5 * rng.standard_normal(n)
    return X, y


def dense_problem(n, p, rho, seed=0):
    rng = np.random.default_rng(seed)
    X = np.sqrt(1 - rho) * rng.standard_normal((n, p)) + np.sqrt(
        rho
    ) * rng.standard_normal((n, 1))
    X = np.asfortranarray(X)
    beta = np.zeros(p)
    beta[:20] = rng.uniform(-2, 2, 20)
    y = X @ beta + rng.standard_normal(n)
    return X, y


def timed(make, X, y):
    start = time.perf_counter()
    model = make().fit(X, y)
    return time.perf_counter() - start, model


def compare(label, ours, theirs, X, y, n_jobs_list, repeat):
    print(f"\n{label}", flush=True)
    for n_jobs in n_jobs_list:
        runs_ours = [timed(lambda j=n_jobs: ours(j), X, y) for _ in range(repeat)]
        runs_sk = [timed(lambda j=n_jobs: theirs(j), X, y) for _ in range(repeat)]
        t_ours, m_ours = min(runs_ours, key=lambda r: r[0])
        t_sk, m_sk = min(runs_sk, key=lambda r: r[0])
        rel = np.max(np.abs(m_ours.mse_path_ - m_sk.mse_path_) / m_sk.mse_path_)
        same = m_ours.alpha_ == m_sk.alpha_ and getattr(
            m_ours, "l1_ratio_", 1
        ) == getattr(m_sk, "l1_ratio_", 1)
        print(
            f"  n_jobs={n_jobs}: fastreg {t_ours:8.2f} s   scikit-learn {t_sk:8.2f} s   "
            f"ratio sklearn/fastreg {t_sk / t_ours:6.2f}   "
            f"max rel. mse_path_ diff {rel:.1e}   same alpha_/l1_ratio_: {same}",
            flush=True,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="scale rows and columns"
    )
    parser.add_argument("--only", choices=["sparse", "dense"])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--n-jobs", default="1,2")
    args = parser.parse_args()
    n_jobs_list = [int(v) for v in args.n_jobs.split(",")]
    print(f"fastreg {fastreg.__version__}, scikit-learn {sklearn.__version__}")
    folds5, folds10 = (
        KFold(5, shuffle=True, random_state=0),
        KFold(10, shuffle=True, random_state=0),
    )

    if args.only in (None, "sparse"):
        n, p = int(20_000 * args.scale), int(50_000 * args.scale)
        X, y = sparse_problem(n, p, 0.002)
        kw = {"l1_ratio": [0.1, 0.5, 0.9, 1.0], "cv": folds5, "alphas": 100}
        compare(
            f"ElasticNetCV(l1_ratio=[.1,.5,.9,1], cv=5) on {n}x{p} CSC, density 0.2%",
            lambda j: fastreg.ElasticNetCV(n_jobs=j, **kw),
            lambda j: sk.ElasticNetCV(n_jobs=j, **kw),
            X,
            y,
            n_jobs_list,
            args.repeat,
        )
    if args.only in (None, "dense"):
        n, p = int(500 * args.scale), int(10_000 * args.scale)
        X, y = dense_problem(n, p, 0.5)
        kw = {"cv": folds10, "alphas": 100}
        compare(
            f"LassoCV(cv=10) on {n}x{p} dense, rho=0.5",
            lambda j: fastreg.LassoCV(n_jobs=j, **kw),
            lambda j: sk.LassoCV(n_jobs=j, **kw),
            X,
            y,
            n_jobs_list,
            args.repeat,
        )


if __name__ == "__main__":
    main()
