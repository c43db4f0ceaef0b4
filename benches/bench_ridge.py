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
    """``ours`` and ``peers`` map a label to ``(seconds, error or None)``; every peer gets a
    ratio against each fastreg variant (peer time / fastreg time)."""
    print(f"\n== {case} {note}")
    names = list(ours)
    for name, (t, err) in ours.items():
        extra = "" if err is None else f"   err {err:.1e}"
        print(f"   {name:<40} {t:9.3f} s{extra}")
    for name, (t, err) in peers.items():
        ratios = "  ".join(f"{t / ours[o][0]:6.2f}x" for o in names)
        extra = "" if err is None else f"   err {err:.1e}"
        print(f"   {name:<40} {t:9.3f} s   ratio {ratios}{extra}")
    if len(names) > 1:
        print(f"   (ratios against: {', '.join(names)})")
    sys.stdout.flush()


def dense(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = np.asfortranarray(rng.standard_normal((n, p)))
    y = X[:, : min(p, 50)] @ rng.standard_normal(min(p, 50)) + rng.standard_normal(n)
    return X, y


def bench_dense_ridge(case, X, y, repeat, sk_solvers, gram_peer):
    """fastreg's 'auto' and its direct Gram/kernel solve against scikit-learn's solvers; 'err'
    is the max relative coefficient difference from scikit-learn's Cholesky solution (the
    exact solution to about 1e-12), so iterative solvers are compared at the accuracy they
    reached as well as at their speed."""
    n, p = X.shape
    t_ref, ref = median_time(lambda: sk.Ridge(alpha=1.0, solver="cholesky").fit(X, y), repeat)
    exact = ref.coef_
    ours = {}
    t, fit = median_time(lambda: fastreg.Ridge(alpha=1.0).fit(X, y), repeat)
    iters = "" if fit.n_iter_ is None else f", n_iter_={fit.n_iter_}"
    ours[f"fastreg auto [{fit.solver_}{iters}]"] = (t, rel_diff(fit.coef_, exact))
    t, fit = median_time(lambda: fastreg.Ridge(alpha=1.0, solver="cholesky").fit(X, y), repeat)
    ours[f"fastreg cholesky [{fit.solver_}]"] = (t, rel_diff(fit.coef_, exact))
    peers = {}
    if gram_peer:
        t, _ = median_time(lambda: X.T @ X, repeat)
        peers["numpy X.T @ X (BLAS)"] = (t, None)
    peers["sklearn Ridge(cholesky)"] = (t_ref, 0.0)
    for solver, tol in sk_solvers:
        t, fit = median_time(
            lambda s=solver, tol=tol: sk.Ridge(alpha=1.0, solver=s, tol=tol).fit(X, y), repeat
        )
        peers[f"sklearn Ridge({solver}, tol={tol:g})"] = (t, rel_diff(fit.coef_, exact))
    report(case, ours, peers, f"n={n} p={p} dense")


def bench_ridge_tall(size, repeat):
    X, y = dense(*size)
    solvers = [("lsqr", 1e-4), ("lsqr", 1e-10), ("sparse_cg", 1e-4), ("sparse_cg", 1e-10)]
    bench_dense_ridge("ridge-tall", X, y, repeat, solvers, gram_peer=True)


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
    label = f"fastreg RidgeCV [alpha_={ours.alpha_:.3g}]"
    report("ridgecv-tall", {label: (t_ours, None)}, peers, f"n={n} p={p} dense, 50 alphas, LOO")


def bench_ridge_wide(size, repeat):
    X, y = dense(*size, seed=2)
    solvers = [("sparse_cg", 1e-4), ("sparse_cg", 1e-10)]
    bench_dense_ridge("ridge-wide", X, y, repeat, solvers, gram_peer=False)


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
        peers[f"sklearn Ridge({solver})"] = (t, rel_diff(ref.coef_, tight))
    label = f"fastreg auto [{ours.solver_}, n_iter_={ours.n_iter_}]"
    note = f"n={n} p={p} CSC density 0.2%"
    report("ridge-sparse", {label: (t_ours, rel_diff(ours.coef_, tight))}, peers, note)


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
