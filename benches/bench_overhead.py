"""Per-call overhead: small fits and predictions, fastreg against scikit-learn in the same run.

An embedded model is fitted thousands of times per second on small data, so what matters there
is the fixed cost of a call (validation, conversion, dispatch), not the solver's speed. Each case
is timed as the median over ``--repeats`` rounds of the mean of ``--calls`` back-to-back calls,
one thread, after a warm-up; times are microseconds per call, and the ratio is scikit-learn's
time over fastreg's. Nothing here is asserted.

    python benches/bench_overhead.py                    # all cases
    python benches/bench_overhead.py --cases lasso-fit,predict --repeats 9
    python benches/bench_overhead.py --out benches/results/overhead

Cases (issue 29's targets in brackets; float64 C-ordered unless said):

- ``lasso-fit``, ``enet-fit``, ``ridge-fit``: ``fit`` on 50 × 5 dense  [≤ 25 µs]
- ``lasso-fit-f32``: ``Lasso.fit`` on the same data in float32
- ``lasso-fit-csr``: ``Lasso.fit`` on the same data as CSR
- ``predict``: ``Lasso.predict`` on 50 × 5 dense  [≤ 5 µs]; ``predict-csr`` the same as CSR
- ``lassocv``: ``LassoCV(cv=5).fit`` on 200 × 20  [≥ 20× scikit-learn]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402


def data(n: int, p: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X @ rng.standard_normal(p) + 0.5 * rng.standard_normal(n)
    return X, y


def cases(lib):
    """(name, callable) pairs; each callable makes one call of the case with ``lib``'s classes."""
    X, y = data(50, 5)
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    Xcsr = sp.csr_matrix(X)
    Xcv, ycv = data(200, 20, seed=1)
    fitted = lib.Lasso(alpha=0.1).fit(X, y)
    return {
        "lasso-fit": lambda: lib.Lasso(alpha=0.1).fit(X, y),
        "enet-fit": lambda: lib.ElasticNet(alpha=0.1, l1_ratio=0.5).fit(X, y),
        "ridge-fit": lambda: lib.Ridge(alpha=1.0).fit(X, y),
        "lasso-fit-f32": lambda: lib.Lasso(alpha=0.1).fit(X32, y32),
        "lasso-fit-csr": lambda: lib.Lasso(alpha=0.1).fit(Xcsr, y),
        "predict": lambda: fitted.predict(X),
        "predict-csr": lambda: fitted.predict(Xcsr),
        "lassocv": lambda: lib.LassoCV(cv=5).fit(Xcv, ycv),
    }


def per_call_us(fn, calls: int, repeats: int) -> float:
    for _ in range(max(1, calls // 10)):
        fn()
    rounds = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        rounds.append((time.perf_counter() - t0) / calls * 1e6)
    return statistics.median(rounds)


def main(argv=None) -> int:
    import warnings

    import fastreg
    import sklearn
    import sklearn.linear_model as sk

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default="", help="comma-separated subset of the cases")
    ap.add_argument("--repeats", type=int, default=7, help="rounds per case (median reported)")
    ap.add_argument("--calls", type=int, default=200, help="calls per round (LassoCV: a tenth)")
    ap.add_argument("--out", type=Path, help="directory for overhead.md and overhead.json")
    args = ap.parse_args(argv)

    warnings.simplefilter("ignore")
    ours, theirs = cases(fastreg), cases(sk)
    names = [c for c in args.cases.split(",") if c] or list(ours)
    unknown = sorted(set(names) - set(ours))
    if unknown:
        ap.error(f"unknown case(s) {unknown}; choose from {list(ours)}")
    rows = []
    for name in names:
        calls = max(1, args.calls // 10) if name == "lassocv" else args.calls
        f = per_call_us(ours[name], calls, args.repeats)
        s = per_call_us(theirs[name], calls, args.repeats)
        rows.append({"case": name, "fastreg_us": f, "sklearn_us": s, "ratio": s / f})
        print(f"{name:15s} fastreg {f:9.1f} µs   scikit-learn {s:9.1f} µs   ×{s / f:5.1f}")
        sys.stdout.flush()

    header = (
        f"fastreg {fastreg.__version__}, scikit-learn {sklearn.__version__}, numpy "
        f"{np.__version__}, Python {platform.python_version()}, {dt.date.today()}, one thread; "
        f"median of {args.repeats} rounds of {args.calls} calls."
    )
    table = ["| case | fastreg µs | scikit-learn µs | ratio |", "|---|---:|---:|---:|"]
    table += [
        f"| {r['case']} | {r['fastreg_us']:.1f} | {r['sklearn_us']:.1f} | {r['ratio']:.1f}× |"
        for r in rows
    ]
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        cmd = "python benches/bench_overhead.py " + " ".join(argv or sys.argv[1:])
        (args.out / "overhead.md").write_text(
            f"# Per-call overhead\n\n`{cmd.strip()}`\n\n{header}\n\n" + "\n".join(table) + "\n"
        )
        (args.out / "overhead.json").write_text(
            json.dumps({"header": header, "rows": rows}, indent=1) + "\n"
        )
    print(header)
    return 0


if __name__ == "__main__":
    sys.exit(main())
