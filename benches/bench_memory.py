"""Peak memory of a whole fastreg path over the size of its input X, on the suite's problems.

Each problem runs in a child process of its own: the data are built, the kernel's record of the
peak resident set is reset (``/proc/self/clear_refs``), and ``fastreg.path`` fits the suite's
100-value λ grid at its default tolerance. What the fit adds is the peak resident set during
the fit minus the resident set before it. Linux only.

    python benches/bench_memory.py                          # every problem of the suite
    python benches/bench_memory.py --problems sparse-text,very-sparse
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = "wine,genomic,tall-dense,sparse-text,very-sparse,wide-dense"


def status_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def child(name: str) -> dict:
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    sys.path.insert(0, HERE)
    import ctypes
    import gc

    import fastreg
    import numpy as np
    import problems
    import scipy.sparse as sp

    ds = problems.build(name)
    X = ds.X
    x_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes if sp.issparse(X) else X.nbytes
    fastreg.path(X[:50], ds.y[:50], alphas=ds.lambdas[:2])  # load and warm up first
    gc.collect()
    # hand freed heap back to the kernel, so the fit cannot reuse pages counted before it
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # reset the peak resident set (VmHWM) to the current one
    before = status_kib("VmRSS")
    fit = fastreg.path(X, ds.y, alphas=ds.lambdas, n_jobs=1)
    peak = status_kib("VmHWM")
    coef_bytes = (
        fit.coef_.data.nbytes + fit.coef_.indices.nbytes + fit.coef_.indptr.nbytes
        if sp.issparse(fit.coef_)
        else np.asarray(fit.coef_).nbytes
    )
    return dict(
        problem=name,
        shape=f"{X.shape[0]}×{X.shape[1]}" + (" CSC" if sp.issparse(X) else ""),
        x_mib=x_bytes / 2**20,
        extra_mib=(peak - before) / 1024,
        coef_mib=coef_bytes / 2**20,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--problems", default=DEFAULT)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    print(
        "| problem | X | X (MiB) | peak added by the fit (MiB) | ÷ size of X "
        "| of which the returned coef_ (MiB) |"
    )
    print("|---|---|---|---|---|---|")
    for name in args.problems.split(","):
        out = subprocess.run(
            [sys.executable, __file__, "--child", name], capture_output=True, text=True
        )
        if out.returncode != 0:
            print(f"| {name} | failed: {out.stderr.strip().splitlines()[-1:]} |||||")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"| {r['problem']} | {r['shape']} | {r['x_mib']:.1f} | {r['extra_mib']:.1f} | "
            f"{r['extra_mib'] / r['x_mib']:.2f} | {r['coef_mib']:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
