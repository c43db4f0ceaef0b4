"""Ctrl-C stops a long fit or path within about a second: KeyboardInterrupt is raised, no
thread keeps working, and the estimator keeps the state it had (no ``coef_``)."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "SIGINT") or not os.path.isdir("/proc/self/task"),
    reason="needs SIGINT and /proc",
)

SETUP = textwrap.dedent(
    """
    import json, os, signal, threading, time
    import numpy as np
    import scipy.sparse as sp
    import fastreg

    rng = np.random.default_rng(0)
    # correlated columns: coordinate descent and CG converge slowly
    base = rng.standard_normal((400, 40))
    X = base @ rng.standard_normal((40, 1500)) + 0.01 * rng.standard_normal((400, 1500))
    y = X[:, :30] @ rng.standard_normal(30) + rng.standard_normal(400)
    slow = dict(tol=0.0, max_iter=10**8)

    def cases(small):
        Xs, ys = (X[:40, :60], y[:40]) if small else (X, y)
        it = 5 if small else 10**8
        Xn = rng.standard_normal((100, 10) if small else (60000, 300))  # n >> p
        yn = Xn @ rng.standard_normal(Xn.shape[1])
        return {
            "lasso": lambda: fastreg.Lasso(alpha=1e-4, tol=0.0, max_iter=it),
            "enet_cv": lambda: fastreg.ElasticNetCV(
                l1_ratio=[0.5, 0.9], cv=3, n_jobs=2, tol=0.0, max_iter=it, alphas=5
            ),
            "ridge_cg": lambda: fastreg.Ridge(
                alpha=1e-10, solver="sparse_cg", tol=0.0, max_iter=it, n_jobs=2
            ),
            "enet_path": lambda: (
                fastreg.enet_path, dict(l1_ratio=0.9, alphas=[1e-4, 1e-5], tol=0.0, max_iter=it)
            ),
            "path": lambda: (fastreg.path, dict(tol=0.0, max_iter=it, n_jobs=2)),
            "ridge_cv": lambda: (fastreg.RidgeCV(alphas=[1.0, 2.0], cv=20), Xn, yn),
        }, Xs, ys

    def run(case, small):
        table, Xs, ys = cases(small)
        made = table[case]()
        if isinstance(made, tuple) and len(made) == 3:
            est, Xs, ys = made
            est.fit(Xs, ys)
            return est
        if isinstance(made, tuple):
            fn, kw = made
            fn(Xs, ys, **kw)
            return None
        made.fit(Xs, ys)
        return made
    """
)

CHILD = SETUP + textwrap.dedent(
    """
    import sys, warnings
    warnings.simplefilter("ignore")
    case = sys.argv[1]
    run(case, small=True)  # warm up: pools and imports exist before the baseline
    baseline = len(os.listdir("/proc/self/task"))
    table, Xs, ys = cases(False)
    made = table[case]()
    est = made[0] if isinstance(made, tuple) and len(made) == 3 else made
    sent = {}

    def interrupt():
        sent["at"] = time.perf_counter()
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(1.0, interrupt)
    timer.start()
    try:
        if isinstance(made, tuple) and len(made) == 3:
            est.fit(made[1], made[2])
        elif isinstance(made, tuple):
            made[0](Xs, ys, **made[1])
        else:
            est.fit(Xs, ys)
        outcome = "finished"
    except KeyboardInterrupt:
        outcome = "interrupted"
    delay = time.perf_counter() - sent.get("at", float("nan"))
    timer.join()
    time.sleep(0.3)
    cpu0 = time.process_time()
    time.sleep(0.5)
    cpu = time.process_time() - cpu0
    print(json.dumps({
        "outcome": outcome, "delay": delay, "cpu": cpu, "baseline": baseline,
        "threads": len(os.listdir("/proc/self/task")),
        "fitted": est is not None and hasattr(est, "coef_"),
    }))
    """
)


@pytest.mark.parametrize("case", ["lasso", "enet_cv", "ridge_cg", "enet_path", "path", "ridge_cv"])
def test_ctrl_c_stops_promptly(case):
    out = subprocess.run(
        [sys.executable, "-c", CHILD, case], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["outcome"] == "interrupted", got
    assert got["delay"] < 2.0, got
    assert got["threads"] <= got["baseline"], got
    assert got["cpu"] < 0.25, got  # nothing left running
    assert not got["fitted"], got


def test_estimator_keeps_its_previous_fit():
    script = SETUP + textwrap.dedent(
        """
        est = fastreg.Lasso(alpha=1.0).fit(X[:50, :20], y[:50])
        before = est.coef_.copy()
        est.set_params(alpha=1e-4, tol=0.0, max_iter=10**8)
        threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT)).start()
        try:
            est.fit(X, y)
        except KeyboardInterrupt:
            pass
        print(json.dumps({"same": est.coef_.shape == before.shape
                          and bool((est.coef_ == before).all())}))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1])["same"]
