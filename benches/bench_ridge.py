"""Ridge benchmarks: fastreg against scikit-learn (and one numpy XᵀX) measured in the same run.

Reports medians of ``--repeat`` runs and ratios (peer time / fastreg time; > 1 means fastreg is
faster). Single-threaded by default (BLAS, OpenMP and rayon pinned to one thread before numpy
is imported); ``--threads all`` leaves every library its default thread count.

    python benches/bench_ridge.py                 # full sizes, 1 thread
    python benches/bench_ridge.py --threads all   # full sizes, all cores
    python benches/bench_ridge.py --smoke         # tiny sizes, checks the script runs
    python benches/bench_ridge.py --only ridge-tall ridge-sparse
"""

from __future__ import annotations

import argparse
import os
import sys
import time

CASES = ["ridge-tall", "ridgecv-tall", "ridge-wide", "ridge-sparse"]


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", default="1", help="'1' (default), 'all', or a count")
    ap.add_argument("--repeat", type=int, default=3, help="runs per timing (median reported)")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes")
    ap.add_argument("--only", nargs="*", choices=CASES, help="run only these cases")
    return ap.parse_args(argv)


ARGS = parse_args()
if ARGS.threads != "all":
    for var in [
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "BLIS_NUM_THREADS",
        "VECLIB_MAXIMUM_THREADS",
        "RAYON_NUM_THREADS",
    ]:
        os.environ[var] = str(int(ARGS.threads))

import fastreg
import numpy as np
import scipy.sparse as sp
from sklearn import linear_model as sk


def median_time(fn, repeat):
    times = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def rel_diff(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def report(case, ours, peers, note=""):
    print(f"\n== {case} {note}")
    print(f"   fastreg: {ours:9.3f} s")
    for name, (t, diff) in peers.items():
        extra = "" if diff is None else f"   max rel coef diff {diff:.1e}"
        print(f"   {name:<34} {t:9.3f} s   ratio {t / ours:6.2f}x{extra}")
    sys.stdout.flush()


def dense(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = np.asfortranarray(rng.standard_normal((n, p)))
    y = X[:, : min(p, 50)] @ rng.standard_normal(min(p, 50)) + rng.standard_normal(n)
    return X, y


def bench_ridge_tall(size, repeat):
    n, p = size
    X, y = dense(n, p)
    t_ours, ours = median_time(lambda: fastreg.Ridge(alpha=1.0).fit(X, y), repeat)
    peers = {}
    t, _ = median_time(lambda: X.T @ X, repeat)
    peers["numpy X.T @ X (BLAS)"] = (t, None)
    for solver in ["cholesky", "lsqr", "sparse_cg"]:
        t, ref = median_time(lambda s=solver: sk.Ridge(alpha=1.0, solver=s).fit(X, y), repeat)
        peers[f"sklearn Ridge({solver})"] = (t, rel_diff(ours.coef_, ref.coef_))
    report("ridge-tall", t_ours, peers, f"n={n} p={p} dense, solver_={ours.solver_}")


def bench_ridgecv_tall(size, repeat):
    n, p = size
    X, y = dense(n, p, seed=1)
    alphas = np.logspace(-3, 4, 50)
    t_ours, ours = median_time(lambda: fastreg.RidgeCV(alphas=alphas).fit(X, y), repeat)
    peers = {}
    # scikit-learn's default mode for n > p ('cov') forms X·A for every alpha, O(n·p²) each:
    # about 50 Gram-sized products here, so it is only timed at smoke sizes. 'svd' is its
    # fastest mode for tall dense X.
    modes = ["svd", None] if n * p <= 10**7 else ["svd"]
    for mode in modes:
        t, ref = median_time(lambda m=mode: sk.RidgeCV(alphas=alphas, gcv_mode=m).fit(X, y), repeat)
        same = (
            "same alpha_" if ref.alpha_ == ours.alpha_ else f"alpha_ {ref.alpha_} vs {ours.alpha_}"
        )
        peers[f"sklearn RidgeCV(gcv_mode={mode!r}) [{same}]"] = (
            t,
            rel_diff(ours.coef_, ref.coef_),
        )
    report("ridgecv-tall", t_ours, peers, f"n={n} p={p} dense, 50 alphas, LOO")


def bench_ridge_wide(size, repeat):
    n, p = size
    X, y = dense(n, p, seed=2)
    t_ours, ours = median_time(lambda: fastreg.Ridge(alpha=1.0).fit(X, y), repeat)
    peers = {}
    for solver in ["cholesky", "sparse_cg"]:
        t, ref = median_time(lambda s=solver: sk.Ridge(alpha=1.0, solver=s).fit(X, y), repeat)
        peers[f"sklearn Ridge({solver})"] = (t, rel_diff(ours.coef_, ref.coef_))
    report("ridge-wide", t_ours, peers, f"n={n} p={p} dense, solver_={ours.solver_}")


def bench_ridge_sparse(size, repeat):
    n, p = size
    rng = np.random.default_rng(3)
    X = sp.random(n, p, density=0.002, format="csc", random_state=rng)
    y = X @ rng.standard_normal(p) + 0.1 * rng.standard_normal(n)
    t_ours, ours = median_time(lambda: fastreg.Ridge(alpha=1.0).fit(X, y), repeat)
    # Accuracy reference: our CG run to a tight tolerance.
    tight = fastreg.Ridge(alpha=1.0, tol=1e-10).fit(X, y).coef_
    peers = {}
    for solver in ["sparse_cg", "lsqr"]:
        t, ref = median_time(lambda s=solver: sk.Ridge(alpha=1.0, solver=s).fit(X, y), repeat)
        peers[f"sklearn Ridge({solver}) [err {rel_diff(ref.coef_, tight):.1e}]"] = (
            t,
            rel_diff(ours.coef_, ref.coef_),
        )
    note = (
        f"n={n} p={p} CSC density 0.2%, solver_={ours.solver_}, "
        f"n_iter_={ours.n_iter_}, err {rel_diff(ours.coef_, tight):.1e}"
    )
    report("ridge-sparse", t_ours, peers, note)


SIZES = {
    "ridge-tall": ((200_000, 1_000), (2_000, 50)),
    "ridgecv-tall": ((200_000, 1_000), (2_000, 50)),
    "ridge-wide": ((2_000, 50_000), (50, 2_000)),
    "ridge-sparse": ((20_000, 50_000), (2_000, 5_000)),
}
RUN = {
    "ridge-tall": bench_ridge_tall,
    "ridgecv-tall": bench_ridgecv_tall,
    "ridge-wide": bench_ridge_wide,
    "ridge-sparse": bench_ridge_sparse,
}


def main():
    threads = ARGS.threads if ARGS.threads == "all" else int(ARGS.threads)
    print(
        f"fastreg {fastreg.__version__}, numpy {np.__version__}, threads={threads}, "
        f"repeat={ARGS.repeat}{', smoke sizes' if ARGS.smoke else ''}"
    )
    print("ratio = peer time / fastreg time (> 1: fastreg faster)")
    for case in ARGS.only or CASES:
        full, smoke = SIZES[case]
        RUN[case](smoke if ARGS.smoke else full, ARGS.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
