"""Ridge benchmarks: fastreg against scikit-learn (and one numpy XᵀX) measured in the same run.

Reports medians of ``--repeat`` runs, each solver's accuracy as the relative objective excess
against an exact solution, and ratios (row time / fastreg 'auto' time, > 1 means fastreg is
faster). Iterative solvers run over a tolerance ladder (scikit-learn's default 1e-4 first), and
for each ``--target`` excess the fastest scikit-learn row that reached it is set against the
fastest fastreg row that did: the comparison at equal achieved accuracy. Single-threaded by
default (BLAS, OpenMP and rayon pinned to one thread before numpy is imported);
``--threads all`` leaves every library its default thread count.

    python benches/bench_ridge.py                 # full sizes, 1 thread
    python benches/bench_ridge.py --threads all   # full sizes, all cores
    python benches/bench_ridge.py --smoke         # tiny sizes, checks the script runs
    python benches/bench_ridge.py --only ridge-tall ridge-sparse
    python benches/bench_ridge.py --target 1e-10   # compare at another accuracy
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
    ap.add_argument(
        "--target",
        type=float,
        nargs="*",
        default=[1e-8, 1e-12],
        help="relative objective excesses at which solvers are compared (default 1e-8 1e-12)",
    )
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


class Objective:
    """Relative objective excess ``(F(β) − F*) / F*`` of Ridge's objective
    ``F(β) = ‖ỹ − X̃β‖² + α‖β‖²`` with the intercept profiled out (X̃, ỹ centred), which is what
    every solver here returns. Computed exactly from the coefficient error ``e = β − β*`` as
    ``(‖X̃e‖² + α‖e‖²) / F*`` (no cancellation), against an exact reference solution β*."""

    def __init__(self, X, y, alpha, exact):
        self.X, self.alpha, self.exact = X, alpha, np.asarray(exact)
        self.x_mean = np.asarray(X.mean(axis=0)).ravel()
        resid = (y - y.mean()) - self._xc(self.exact)
        self.f_star = float(resid @ resid + alpha * self.exact @ self.exact)

    def _xc(self, v):
        return self.X @ v - self.x_mean @ v

    def excess(self, coef):
        e = np.asarray(coef) - self.exact
        xe = self._xc(e)
        return float((xe @ xe + self.alpha * e @ e) / self.f_star)


def report(case, ours, peers, note="", targets=()):
    """``ours`` and ``peers`` map a label to ``(seconds, excess or None)``, where excess is the
    relative objective excess (``Objective``); ratio = time / the first fastreg row's time. For
    each of ``targets``, a line compares the fastest fastreg row and the fastest peer row whose
    excess is at most the target (time to reach that accuracy)."""
    print(f"\n== {case} {note}")
    rows = {**ours, **peers}
    first = next(iter(ours))
    for name, (t, err) in rows.items():
        extra = "" if err is None else f"   excess {err:.1e}"
        ratio = "" if name == first else f"   ratio {t / ours[first][0]:6.2f}x"
        print(f"   {name:<46} {t:9.3f} s{ratio}{extra}")
    print(f"   (ratio = row time / time of '{first}'; > 1: that fastreg row is faster)")
    for target in targets:

        def fastest(group, target=target):
            ok = [
                (t, name) for name, (t, err) in group.items() if err is not None and err <= target
            ]
            return min(ok) if ok else None

        a, b = fastest(ours), fastest({k: v for k, v in peers.items() if "sklearn" in k})
        if a is None or b is None:
            print(f"   excess <= {target:g}: fastreg {a}, scikit-learn {b}")
        else:
            print(
                f"   excess <= {target:g}: scikit-learn's fastest / fastreg's fastest = "
                f"{b[0] / a[0]:.2f}x  ({b[1]} {b[0]:.3f} s; {a[1]} {a[0]:.3f} s)"
            )
    sys.stdout.flush()


def dense(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = np.asfortranarray(rng.standard_normal((n, p)))
    y = X[:, : min(p, 50)] @ rng.standard_normal(min(p, 50)) + rng.standard_normal(n)
    return X, y


def ladder(label, make, tols, repeat, objective):
    """One row per tolerance of an iterative solver: ``make(tol)`` fits."""
    rows = {}
    for tol in tols:
        t, fit = median_time(lambda tol=tol: make(tol), repeat)
        iters = getattr(fit, "n_iter_", None)
        iters = "" if iters is None else f", n_iter_={np.max(iters)}"
        rows[f"{label}, tol={tol:g}{iters})"] = (t, objective.excess(fit.coef_))
    return rows


SK_TOLS = [1e-4, 1e-6, 1e-8, 1e-10]
OUR_CG_TOLS = [1e-4, 1e-6, 1e-8]


def bench_dense_ridge(case, X, y, repeat, sk_solvers, gram_peer, targets):
    """fastreg's 'auto', its direct solve and its 'sparse_cg' at a few tolerances against
    scikit-learn's Cholesky and its iterative solvers over a tolerance ladder (its default 1e-4
    first). Accuracy is the relative objective excess against scikit-learn's Cholesky solution
    (exact to about 1e-15 on these well-conditioned systems)."""
    n, p = X.shape
    alpha = 1.0
    t_ref, ref = median_time(lambda: sk.Ridge(alpha=alpha, solver="cholesky").fit(X, y), repeat)
    obj = Objective(X, y, alpha, ref.coef_)
    ours = {}
    t, fit = median_time(lambda: fastreg.Ridge(alpha=alpha).fit(X, y), repeat)
    iters = "" if fit.n_iter_ is None else f", n_iter_={fit.n_iter_}"
    ours[f"fastreg auto [{fit.solver_}{iters}]"] = (t, obj.excess(fit.coef_))
    t, fit = median_time(lambda: fastreg.Ridge(alpha=alpha, solver="cholesky").fit(X, y), repeat)
    ours[f"fastreg cholesky [{fit.solver_}]"] = (t, obj.excess(fit.coef_))
    ours.update(
        ladder(
            "fastreg (sparse_cg",
            lambda tol: fastreg.Ridge(alpha=alpha, solver="sparse_cg", tol=tol).fit(X, y),
            OUR_CG_TOLS,
            repeat,
            obj,
        )
    )
    peers = {}
    if gram_peer:
        t, _ = median_time(lambda: X.T @ X, repeat)
        peers["numpy X.T @ X (BLAS)"] = (t, None)
    peers["sklearn (cholesky)"] = (t_ref, 0.0)
    for solver in sk_solvers:
        peers.update(
            ladder(
                f"sklearn ({solver}",
                lambda tol, s=solver: sk.Ridge(alpha=alpha, solver=s, tol=tol).fit(X, y),
                SK_TOLS,
                repeat,
                obj,
            )
        )
    report(case, ours, peers, f"n={n} p={p} dense", targets)


def bench_ridge_tall(size, repeat, targets):
    X, y = dense(*size)
    bench_dense_ridge("ridge-tall", X, y, repeat, ["lsqr", "sparse_cg"], True, targets)


def bench_ridgecv_tall(size, repeat, targets):
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
        peers[
            f"sklearn RidgeCV(gcv_mode={mode!r}) [{same}, max rel coef diff "
            f"{rel_diff(ours.coef_, ref.coef_):.1e}]"
        ] = (t, None)
    label = f"fastreg RidgeCV [alpha_={ours.alpha_:.3g}]"
    report("ridgecv-tall", {label: (t_ours, None)}, peers, f"n={n} p={p} dense, 50 alphas, LOO")


def bench_ridge_wide(size, repeat, targets):
    X, y = dense(*size, seed=2)
    bench_dense_ridge("ridge-wide", X, y, repeat, ["sparse_cg"], False, targets)


def bench_ridge_sparse(size, repeat, targets):
    n, p = size
    alpha = 1.0
    rng = np.random.default_rng(3)
    X = sp.random(n, p, density=0.002, format="csc", random_state=rng)
    y = X @ rng.standard_normal(p) + 0.1 * rng.standard_normal(n)
    # Exact reference: scikit-learn's sparse_cg (scipy's CG, independent of fastreg) run to a
    # 1e-14 residual; a direct solve would need a dense 20,000² kernel.
    exact = sk.Ridge(alpha=alpha, solver="sparse_cg", tol=1e-14, max_iter=100_000).fit(X, y)
    obj = Objective(X, y, alpha, exact.coef_)
    t, fit = median_time(lambda: fastreg.Ridge(alpha=alpha).fit(X, y), repeat)
    ours = {f"fastreg auto [{fit.solver_}, n_iter_={fit.n_iter_}]": (t, obj.excess(fit.coef_))}
    ours.update(
        ladder(
            "fastreg (sparse_cg",
            lambda tol: fastreg.Ridge(alpha=alpha, solver="sparse_cg", tol=tol).fit(X, y),
            [1e-6, 1e-8],
            repeat,
            obj,
        )
    )
    peers = {}
    for solver in ["sparse_cg", "lsqr"]:
        peers.update(
            ladder(
                f"sklearn ({solver}",
                lambda tol, s=solver: sk.Ridge(alpha=alpha, solver=s, tol=tol).fit(X, y),
                SK_TOLS,
                repeat,
                obj,
            )
        )
    report("ridge-sparse", ours, peers, f"n={n} p={p} CSC density 0.2%", targets)


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
    print("excess = relative objective excess against an exact solution (see Objective)")
    for case in ARGS.only or CASES:
        full, smoke = SIZES[case]
        RUN[case](smoke if ARGS.smoke else full, ARGS.repeat, ARGS.target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
