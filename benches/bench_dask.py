"""fastreg.dask on a LocalCluster: one pass of statistics over data generated per partition on
the workers (never on the client), then Ridge and ElasticNetCV(cv=5) solved from them, against
one local ``GramStats`` pass over the same bytes. Reports wall time and throughput.
(Issue 30's comparison with dask-ml on the same cluster is still to be added.)

    python benches/bench_dask.py --rows 2000000 --features 100 --partitions 40 --workers 2
"""

from __future__ import annotations

import argparse
import time

import dask
import dask.array as da
import fastreg
import fastreg.dask as fdask
import numpy as np
from distributed import Client, LocalCluster


def _block(seed, rows, p):
    """One partition of the synthetic problem: X, and y from a sparse truth plus noise."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, p))
    beta = np.zeros(p)
    beta[: max(1, p // 10)] = np.linspace(1.0, 0.1, max(1, p // 10))
    y = x @ beta + rng.standard_normal(rows)
    return x, y


def _data(n, p, parts):
    rows = [n // parts + (i < n % parts) for i in range(parts)]
    blocks = [dask.delayed(_block, nout=2)(i, r, p) for i, r in enumerate(rows)]
    X = da.concatenate(
        [da.from_delayed(b[0], shape=(r, p), dtype=float) for b, r in zip(blocks, rows)]
    )
    y = da.concatenate(
        [da.from_delayed(b[1], shape=(r,), dtype=float) for b, r in zip(blocks, rows)]
    )
    return X, y


def _objective(stats, coef, intercept, alpha, l1_ratio):
    """Elastic-net objective 1/(2W)·Σw r² + α(l1|β|₁ + (1 − l1)/2‖β‖²) from the statistics."""
    G, c = stats.xtx, stats.xty[:, 0]
    yy = float(stats.yty[0, 0])
    off = float(stats.y_mean[0] - intercept - stats.x_mean @ coef)
    sse = yy - 2 * coef @ c + coef @ G @ coef + stats.weight_sum * off * off
    pen = alpha * (l1_ratio * np.abs(coef).sum() + 0.5 * (1 - l1_ratio) * coef @ coef)
    return sse / (2 * stats.weight_sum) + pen


def _timed(f):
    t = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--features", type=int, default=100)
    ap.add_argument("--partitions", type=int, default=40)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    n, p = args.rows, args.features
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True)
    client = Client(cluster)
    X, y = _data(n, p, args.partitions)
    gb = n * p * 8 / 1e9
    print(
        f"{n} rows x {p} features ({gb:.2f} GB), {args.partitions} partitions, "
        f"{args.workers} workers"
    )

    # warm-up: the workers import fastreg and scikit-learn on their first task
    client.run(lambda: __import__("fastreg.dask"))
    (total,), t_stats = _timed(lambda: fdask.statistics(X, y))
    print(f"fastreg.dask statistics pass: {t_stats:.2f} s ({gb / t_stats:.2f} GB/s)")
    x0, y0 = _block(0, n // args.partitions, p)
    fastreg.GramStats().update(x0[:10], y0[:10])
    _, t_local = _timed(lambda: fastreg.GramStats().update(x0, y0))
    local_rate = x0.nbytes / 1e9 / t_local
    print(f"one local GramStats pass on one partition: {local_rate:.2f} GB/s per core")

    ridge, t_ridge = _timed(lambda: fdask.Ridge(alpha=1.0).fit(X, y))
    print(f"fastreg.dask Ridge: {t_ridge:.2f} s")
    cv, t_cv = _timed(lambda: fdask.ElasticNetCV(cv=5, l1_ratio=0.5).fit(X, y))
    print(f"fastreg.dask ElasticNetCV(cv=5): {t_cv:.2f} s, alpha_={cv.alpha_:.4g}")
    exact = _objective(total, cv.coef_, cv.intercept_, cv.alpha_, 0.5)

    client.close()
    cluster.close()
    del ridge, exact


if __name__ == "__main__":
    main()
