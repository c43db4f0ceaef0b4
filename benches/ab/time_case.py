# ruff: noqa: E402, E731  (threads are pinned before numpy loads; each case is one lambda)
"""Times one fastreg case in this process (one thread, after a warm-up), for compare_builds.py.

    python benches/ab/time_case.py REPO_ROOT CASE REPEATS   # one JSON line {case: [seconds]}

Cases: path:<problem>:<tol>, cv:sparse, cv:wide, ridge:<tall|cvtall|wide|widecg|sparse>,
small:lasso (200 Lasso fits on 50 × 5).
"""

import gc
import json
import os
import sys
import time

for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
    os.environ[v] = "1"
import warnings

import numpy as np
import scipy.sparse as sp

warnings.simplefilter("ignore")
root, case, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, f"{root}/benches")
import fastreg
import problems


def dense(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = np.asfortranarray(rng.standard_normal((n, p)))
    y = X[:, : min(p, 50)] @ rng.standard_normal(min(p, 50)) + rng.standard_normal(n)
    return X, y


kind, *rest = case.split(":")
if kind == "path":
    d = problems.build(rest[0], seed=0)
    tol = float(rest[1])
    fn = lambda: fastreg.path(d.X, d.y, alphas=d.lambdas, tol=tol, max_iter=100_000, n_jobs=1)
elif kind == "cv":
    if rest[0] == "sparse":
        d = problems.build("sparse-text", seed=0)
        y = d.y / d.y.std()
        lam, _ = problems.lambda_grid(d.X, y, 1e-3, 100)
        lam = np.geomspace(lam[0] / 0.1, lam[0] * 1e-2, 100)
        from sklearn.model_selection import KFold

        cv = list(KFold(5, shuffle=True, random_state=0).split(d.X))
        fn = lambda: fastreg.ElasticNetCV(
            l1_ratio=[0.1, 0.5, 0.9, 1], cv=cv, alphas=lam, n_jobs=1
        ).fit(d.X, y)
    else:
        d = problems.build("wide-dense", seed=0)
        from sklearn.model_selection import KFold

        cv = list(KFold(10, shuffle=True, random_state=0).split(d.X))
        fn = lambda: fastreg.LassoCV(cv=cv, alphas=d.lambdas, n_jobs=1).fit(d.X, d.y)
elif kind == "ridge":
    w = rest[0]
    if w == "tall":
        X, y = dense(200_000, 1_000)
        fn = lambda: fastreg.Ridge(alpha=1.0).fit(X, y)
    elif w == "cvtall":
        X, y = dense(200_000, 1_000, seed=1)
        fn = lambda: fastreg.RidgeCV(alphas=np.logspace(-3, 4, 50)).fit(X, y)
    elif w == "wide":
        X, y = dense(2_000, 50_000, seed=2)
        fn = lambda: fastreg.Ridge(alpha=1.0).fit(X, y)
    elif w == "widecg":
        X, y = dense(2_000, 50_000, seed=2)
        fn = lambda: fastreg.Ridge(alpha=1.0, solver="sparse_cg", tol=1e-6).fit(X, y)
    elif w == "sparse":
        rng = np.random.default_rng(3)
        X = sp.random(20_000, 50_000, density=0.002, format="csc", random_state=rng)
        y = X @ rng.standard_normal(50_000) + 0.1 * rng.standard_normal(20_000)
        fn = lambda: fastreg.Ridge(alpha=1.0).fit(X, y)
elif kind == "small":
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 5))
    y = rng.standard_normal(50)
    fn = lambda: [fastreg.Lasso(alpha=0.1).fit(X, y) for _ in range(200)]
fn()  # warm-up
gc.collect()
gc.disable()
ts = []
for _ in range(repeats):
    t = time.perf_counter()
    fn()
    ts.append(time.perf_counter() - t)
print(json.dumps({case: ts}))
