"""Comparative Lasso-path benchmark: fastreg against scikit-learn, R glmnet, glmnet-rs, celer,
skglm and adelie, on the problems of ``problems.PROBLEMS``.

Every solver fits the same λ grid with an intercept over a ladder of its own tolerances; the
harness times each rung (median of ``--repeats`` runs after a warm-up) and scores it itself:
accuracy is the worst relative objective excess ``(P(w) − P*)/P*`` over the grid, P* being the
best objective any run reached at that λ, a high-precision reference run included.

    python benches/run.py                         # everything, 1 thread and all cores
    python benches/run.py --smoke                 # tiny sizes, well under a minute
    python benches/run.py --problems wide-dense,genomic --solvers fastreg,celer --threads 1

Writes ``bench-threads{N}.json`` (raw), ``results.md`` (tables) and
``time_vs_accuracy-threads{N}.png`` under ``--out`` (default ``benches/results``).

Each solver's ladder, and the reference run, is a child process with a hard wall-clock limit:
one that hangs or crashes is killed and noted, and the suite moves on. Results accumulate:
a run replaces only the (problem, solver) entries it measured in ``bench-threads{N}.json``.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

TARGETS = (1e-4, 1e-6)


def parse_args(argv=None):
    from problems import PROBLEMS
    from solvers import SOLVERS

    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--problems", default=",".join(PROBLEMS), help="comma-separated; default all")
    ap.add_argument("--solvers", default=",".join(SOLVERS), help="comma-separated; default all")
    ap.add_argument("--threads", default="1,all", help="comma-separated thread counts or 'all'")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes and short ladders")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per rung (median)")
    ap.add_argument(
        "--max-rung-seconds",
        type=float,
        default=None,
        help="a rung slower than this gets one timed run and ends the ladder (default 60, smoke 5)",
    )
    ap.add_argument(
        "--max-solver-seconds",
        type=float,
        default=None,
        help="end a ladder once its runs have taken this long in all (default 180, smoke 10)",
    )
    ap.add_argument(
        "--stop-accuracy",
        type=float,
        default=1e-9,
        help="end a ladder once a rung is this accurate",
    )
    ap.add_argument(
        "--solver-timeout",
        type=float,
        default=None,
        help="hard wall-clock limit on one solver's ladder (data loading, warm-up and every "
        "rung): the process is killed, the rungs it finished are kept (default 600, smoke 60)",
    )
    ap.add_argument(
        "--reference-timeout",
        type=float,
        default=None,
        help="hard limit on the untimed reference run; past it P* is the best objective any "
        "run reached (default 300, smoke 60)",
    )
    ap.add_argument("--max-rungs", type=int, default=None, help="cap on ladder length")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--reference",
        default="auto",
        help="solver of the untimed high-precision reference run "
        "(auto: scikit-learn for tall dense data, else fastreg)",
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output directory (default benches/results, smoke: benches/results/smoke)",
    )
    ap.add_argument(
        "--report-only",
        action="store_true",
        help="rebuild results.md and the plots from the JSON files in --out",
    )
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    # A child process: "reference" or a solver name, on the dataset saved in --data.
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--data", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--events", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.max_rung_seconds is None:
        args.max_rung_seconds = 5.0 if args.smoke else 60.0
    if args.max_solver_seconds is None:
        args.max_solver_seconds = 10.0 if args.smoke else 180.0
    if args.solver_timeout is None:
        args.solver_timeout = 60.0 if args.smoke else 600.0
    if args.reference_timeout is None:
        args.reference_timeout = 60.0 if args.smoke else 300.0
    if args.out is None:
        args.out = HERE / "results" / ("smoke" if args.smoke else "")
    return args


def thread_counts(spec: str) -> list[int]:
    out = []
    for tok in spec.split(","):
        tok = tok.strip()
        n = (os.cpu_count() or 1) if tok == "all" else int(tok)
        if n not in out:
            out.append(n)
    return out


# ----------------------------------------------------------------------------- accuracy


def assess(ds, W, b):
    """Per λ_k: the objective ``P_k = 1/(2n)‖y − X w_k − b_k‖² + λ_k‖w_k‖₁`` and a lower bound
    on the optimum from the dual point θ = s·r_c (r_c the centred residual, s scaling ‖Xᵀθ‖∞ to
    ≤ nλ_k). The bounds certify P* independently of any solver's stopping rule. A solver that
    stopped the path early has not solved the λ it skipped: +inf objective, −inf bound there.
    Done a block of λ at a time so that p × n_lambdas is never dense at once."""
    import numpy as np
    import scipy.sparse as sp

    n = ds.X.shape[0]
    Wm = sp.csc_matrix(W) if sp.issparse(W) else np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64).ravel()
    L = min(Wm.shape[1], len(b), len(ds.lambdas))
    obj = np.full(len(ds.lambdas), np.inf)
    lower = np.full(len(ds.lambdas), -np.inf)
    yc = ds.y - ds.y.mean()
    for k0 in range(0, L, 10):
        k1 = min(L, k0 + 10)
        Wb = Wm[:, k0:k1]
        Wb = Wb.toarray() if sp.issparse(Wb) else Wb
        lam = ds.lambdas[k0:k1]
        R = ds.y[:, None] - np.asarray(ds.X @ Wb) - b[None, k0:k1]
        obj[k0:k1] = 0.5 * np.einsum("ij,ij->j", R, R) / n + lam * np.abs(Wb).sum(axis=0)
        Rc = R - R.mean(axis=0)
        # Xᵀr_c = X̃ᵀr_c since r_c sums to zero.
        dnorm = np.abs(np.asarray(ds.X.T @ Rc)).max(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.where(dnorm > 0, np.minimum(1.0, n * lam / dnorm), 1.0)
        lower[k0:k1] = (s * (Rc.T @ yc) - 0.5 * s * s * np.einsum("ij,ij->j", Rc, Rc)) / n
    bad = ~np.isfinite(obj)
    obj[bad], lower[bad] = np.inf, -np.inf
    return obj, lower


# ------------------------------------------------------------------------------- worker


def time_floor(ds, repeats):
    """The cost below which no path solver can go: one gradient pass Xᵀr, and for tall dense
    data the Gram matrix XᵀX that covariance-update solvers form."""
    import scipy.sparse as sp

    r = ds.y - ds.y.mean()
    out = {}

    def med(fn):
        fn()
        ts = []
        for _ in range(max(repeats, 5)):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
        return statistics.median(ts)

    out["Xt_r"] = med(lambda: ds.X.T @ r)
    n, p = ds.X.shape
    if not sp.issparse(ds.X) and n >= 10 * p:
        out["XtX"] = med(lambda: ds.X.T @ ds.X)
    return out


REFERENCE_TOL = 1e-10


REFERENCE_ORDER = ("fastreg", "scikit-learn")


def reference_run(ds, choice, emit=None):
    """A run at a very tight duality-gap tolerance (not timed), by ``choice`` or, for
    ``auto``, fastreg (else scikit-learn): both stop on the gap the harness recomputes.
    (celer at tol 1e-10 and 1e-12 stopped well short of the gap it was asked for, so it is no
    reference.) P* is certified by ``assess``'s dual bounds, so it rests on no solver's stopping
    rule. Runs in a child process with a time limit."""
    import numpy as np
    import scipy.sparse as sp
    from solvers import SOLVERS

    names = REFERENCE_ORDER if choice == "auto" else (choice,)
    n, p = ds.X.shape
    if choice == "auto" and not sp.issparse(ds.X) and n >= 10 * p:
        # Tall dense: scikit-learn's Gram-matrix CD gets to 1e-10 in a fraction of the time.
        names = ("scikit-learn", "fastreg")
    solver = next(SOLVERS[n] for n in names if SOLVERS[n].unavailable() is None)
    if emit:
        emit(start=dict(solver=solver.name))
    ctx = solver.prepare(ds, 1)
    saved = solver.default_max_iter
    solver.default_max_iter = 10_000  # 10× this at a tolerance below the default
    try:
        W, b = solver.run(ctx, REFERENCE_TOL)
    finally:
        solver.default_max_iter = saved
    return solver.name, W, np.asarray(b)


def ladder_tols(solver, args):
    tols = solver.tols[: args.max_rungs] if args.max_rungs else solver.tols
    if args.smoke:
        tols = [t for t in tols if t in (solver.tols[0], solver.default_tol, solver.tols[-3])]
    return tols


def run_solver(solver, ds, args, threads, log, emit):
    """Runs one solver's ladder (in a child process), handing each finished rung to ``emit``
    at once, so that a parent that kills this process still has them. A rung that raises ends
    the ladder; the rungs before it are kept."""
    import numpy as np
    from solvers import thread_env

    tols = ladder_tols(solver, args)

    def rung(tol, times, W, b):
        obj, lower = assess(ds, W, b)
        r = dict(tol=tol, times=times, time=statistics.median(times), objectives=obj.tolist())
        emit(rung=dict(r, dual_bounds=lower.tolist()))
        return r, obj

    if solver.external:
        emit(info=dict(note=solver.note))
        # R stops a little before this process is killed, so the rungs it finished are read.
        margin = min(10.0, 0.1 * args.solver_timeout)
        deadline = args.solver_timeout - (time.perf_counter() - T_CHILD) - margin
        for tol, times, W, b in solver.run_ladder(
            ds,
            tols,
            args.repeats,
            args.max_rung_seconds,
            args.max_solver_seconds,
            thread_env(threads),
            max(deadline, 1.0),
        ):
            r, _ = rung(tol, times, W, b)
            log(f"    tol={tol:.0e}: {r['time']:.4f}s")
        if solver.timed_out:
            emit(timed_out=f"R killed after {solver.timed_out:.0f} s")
        return
    ctx = solver.prepare(ds, threads)
    emit(info=dict(mode=getattr(solver, "mode", None), note=solver.note))
    # Warm-up: lazy imports, numba's compile, the data paged in. On the first three λ only,
    # so that a peer whose whole path is slow does not pay for it twice.
    warm = copy.copy(ctx)
    warm.lambdas = ctx.lambdas[:3]
    t0 = time.perf_counter()
    solver.run(warm, tols[0])
    emit(warmup=time.perf_counter() - t0)
    spent = 0.0
    for tol in tols:
        times = []
        # The repeats run back to back, as R's do inside R: the garbage collector runs once
        # before them and not during them. (A full collection before each run walks the whole
        # heap, about 70 ms with scipy and scikit-learn loaded, and leaves the next run to
        # refill every cache, which on a sub-millisecond path costs about as much as the path.)
        gc.collect()
        gc.disable()
        try:
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                W, b = solver.run(ctx, tol)
                times.append(time.perf_counter() - t0)
                if times[0] > args.max_rung_seconds:
                    break
        except Exception as exc:  # a peer failing at one tolerance keeps its other rungs
            emit(failure=f"tol {tol:.0e}: {type(exc).__name__}: {str(exc)[:200]}")
            log(f"    tol={tol:.0e} failed: {type(exc).__name__}: {exc}")
            break
        finally:
            gc.enable()
        spent += sum(times)
        r, obj = rung(tol, times, W, b)
        log(f"    tol={tol:.0e}: {r['time']:.4f}s ({len(times)} runs)")
        if r["time"] > args.max_rung_seconds:
            log("    rung over the time budget: ladder ends here")
            break
        if spent > args.max_solver_seconds:
            log("    solver over its total time budget: ladder ends here")
            break
        # Early end once this rung is far more accurate than any target (scored against
        # what is known so far; the final score uses the final P*).
        # The default tolerance is always run: its time and accuracy are reported.
        best = np.asarray(ds.best_known)
        with np.errstate(invalid="ignore"):
            rel = np.max((obj - best) / np.abs(best))
        if rel <= args.stop_accuracy and tol <= solver.default_tol:
            break


T_CHILD = time.perf_counter()


def child(args):
    """Child process: the reference run or one solver's ladder on the dataset in ``--data``;
    every result is appended to ``--events`` (JSON lines) as soon as it exists."""
    import numpy as np
    from solvers import SOLVERS
    from threadpoolctl import threadpool_limits

    threads = int(os.environ.get("FASTREG_BENCH_THREADS", "1"))
    threadpool_limits(threads)
    ds = load_dataset(args.data)
    events = args.events.open("a")

    def emit(**event):
        events.write(json.dumps(event, default=float) + "\n")
        events.flush()

    def log(msg):
        print(f"[{time.perf_counter() - T_CHILD:7.1f}s] {msg}", flush=True)

    if args.child == "reference":
        t0 = time.perf_counter()
        name, W, b = reference_run(ds, args.reference, emit)
        obj, lower = assess(ds, W, b)
        emit(
            reference=dict(
                solver=name,
                tol=REFERENCE_TOL,
                seconds=time.perf_counter() - t0,
                objectives=obj.tolist(),
                dual_bounds=lower.tolist(),
            )
        )
    else:
        ds.best_known = np.load(args.data / "best_known.npy")
        run_solver(SOLVERS[args.child], ds, args, threads, log, emit)
    events.close()
    return 0


def save_dataset(ds, path: Path):
    """The problem as files a child process loads (faster than rebuilding it)."""
    import numpy as np
    import scipy.sparse as sp

    if sp.issparse(ds.X):
        sp.save_npz(path / "X.npz", ds.X, compressed=False)
    else:
        np.save(path / "X.npy", ds.X)  # keeps Fortran order
    np.save(path / "y.npy", ds.y)
    np.save(path / "lambdas.npy", ds.lambdas)
    (path / "meta.json").write_text(json.dumps(dict(name=ds.name, meta=ds.meta)))


def load_dataset(path: Path):
    import numpy as np
    import scipy.sparse as sp
    from problems import Dataset

    info = json.loads((path / "meta.json").read_text())
    if (path / "X.npz").exists():
        X = sp.csc_matrix(sp.load_npz(path / "X.npz"))
    else:
        X = np.load(path / "X.npy")
    y, lambdas = np.load(path / "y.npy"), np.load(path / "lambdas.npy")
    return Dataset(info["name"], X, y, lambdas, info["meta"])


def run_child(kind, data: Path, timeout: float, log):
    """Runs a child in its own process group; kills the group (R included) after ``timeout``
    seconds. Returns (events, exit code or None if killed, seconds, stderr tail)."""
    events = data / f"events-{kind}.jsonl"
    events.unlink(missing_ok=True)
    errfile = data / f"stderr-{kind}.txt"
    argv = [a for a in sys.argv[1:] if a != "--worker"]
    cmd = [sys.executable, str(HERE / "run.py"), *argv]
    cmd += ["--child", kind, "--data", str(data), "--events", str(events)]
    t0 = time.perf_counter()
    with errfile.open("w") as err:
        proc = subprocess.Popen(cmd, stderr=err, start_new_session=True)
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            rc = None
            log(f"    killed after {timeout:.0f} s")
        finally:
            if proc.poll() is None or rc is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
    seconds = time.perf_counter() - t0
    out = []
    if events.exists():
        for line in events.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:  # a line cut short by the kill
                pass
    tail = errfile.read_text().strip()[-500:] if rc else ""
    return out, rc, seconds, tail


def ladder_entry(solver, args, run_index, events, rc, seconds, tail):
    """A solver's stored entry from its child's events."""
    entry = dict(tols=solver.tols, default_tol=solver.default_tol, run=run_index, rungs=[])
    failures = []
    for ev in events:
        if "info" in ev:
            entry.update({k: v for k, v in ev["info"].items() if v})
        elif "rung" in ev:
            entry["rungs"].append(ev["rung"])
        elif "failure" in ev:
            failures.append(ev["failure"])
        elif "timed_out" in ev:
            entry["timed_out"] = ev["timed_out"]
    if failures:
        entry["failed_rungs"] = failures
    if rc is None:
        tols = ladder_tols(solver, args)
        done = len(entry["rungs"])
        if not solver.external and not any("warmup" in ev for ev in events):
            where = "during set-up or the warm-up"
        elif done < len(tols):
            where = f"during the tol {tols[done]:.0e} rung"
        else:
            where = "after its last rung"
        entry["timed_out"] = f"killed after {args.solver_timeout:.0f} s {where}"
    elif rc != 0:
        entry["error"] = f"crashed (exit code {rc}): {tail[-200:]}"
    return entry


def score(pr, pool=None):
    """Accuracies against P*_k, the lowest objective any stored run reached at λ_k: every rung
    of every solver and the reference if it finished, over ``pool`` (the same problem in every
    stored thread setting; default just ``pr``). The best dual bound of those runs certifies P*."""
    import numpy as np

    objs, bounds = [], []
    for q in pool or [pr]:
        ref = q.get("reference", {})
        if "objectives" in ref:
            objs.append(ref["objectives"])
            bounds.append(ref["dual_bounds"])
        for s in q["solvers"].values():
            for r in s.get("rungs", []):
                objs.append(r["objectives"])
                if "dual_bounds" in r:
                    bounds.append(r["dual_bounds"])
    L = len(pr["lambdas"])
    p_star = np.min(np.asarray(objs, dtype=float), axis=0) if objs else np.full(L, np.inf)
    lower = np.max(np.asarray(bounds, dtype=float), axis=0) if bounds else np.full(L, -np.inf)
    pr["p_star"] = p_star.tolist()
    with np.errstate(invalid="ignore"):
        gap = np.max((p_star - lower) / p_star)
    pr["certified_rel_gap"] = float(gap) if np.isfinite(gap) else float("inf")
    for s in pr["solvers"].values():
        for r in s.get("rungs", []):
            obj = np.asarray(r["objectives"], dtype=float)
            with np.errstate(invalid="ignore"):
                rel = np.maximum((obj - p_star) / p_star, 0.0)
            r["accuracy"] = float(np.max(rel)) if np.all(np.isfinite(rel)) else float("inf")
        rungs = s.get("rungs", [])
        for eps in TARGETS:
            ok = [r["time"] for r in rungs if r["accuracy"] <= eps]
            s[f"time_to_{eps:.0e}"] = min(ok) if ok else None
        default = [r for r in rungs if np.isclose(r["tol"], s["default_tol"])]
        s["default"] = (
            dict(time=default[0]["time"], accuracy=default[0]["accuracy"]) if default else None
        )


def rescore(results: list[dict]):
    """P* per problem over every stored file whose problem is the same (same λ grid)."""
    pools = {}
    for res in results:
        for pname, pr in res["problems"].items():
            pools.setdefault((pname, tuple(pr["lambdas"])), []).append(pr)
    for pool in pools.values():
        for pr in pool:
            score(pr, pool)


def load_store(path: Path, threads: int, smoke: bool) -> dict:
    """The results stored so far for this thread setting, or an empty store."""
    if path.exists():
        store = json.loads(path.read_text())
        if "runs" not in store:
            raise SystemExit(
                f"{path} is in the format before results accumulated; move it away first"
            )
        return store
    return dict(
        threads=threads,
        smoke=smoke,
        runs=[],
        problems={},
        skipped_problems={},
        skipped_solvers={},
    )


def same_problem(pr: dict, ds) -> bool:
    """Do stored results belong to this dataset (same sizes, seed and λ grid)?"""
    import numpy as np

    keys = ("n_samples", "n_features", "nnz", "seed")
    return all(pr["meta"].get(k) == ds.meta.get(k) for k in keys) and np.allclose(
        pr["lambdas"], ds.lambdas, rtol=1e-12, atol=0
    )


def worker(args):
    """One thread setting: builds each problem, runs the reference and every solver's ladder
    in child processes with hard time limits, and merges what they measured into the store."""
    import numpy as np
    from problems import PROBLEMS, build, unavailable_reason
    from solvers import SOLVERS
    from threadpoolctl import threadpool_info, threadpool_limits

    threads = int(os.environ.get("FASTREG_BENCH_THREADS", "1"))
    threadpool_limits(threads)
    out_path = args.out / f"bench-threads{threads}.json"
    args.out.mkdir(parents=True, exist_ok=True)

    t_start = time.perf_counter()

    def log(msg):
        print(f"[{time.perf_counter() - t_start:7.1f}s] {msg}", flush=True)

    store = load_store(out_path, threads, args.smoke)
    run_index = len(store["runs"])
    store["runs"].append(
        dict(
            started=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            argv=[a for a in sys.argv[1:] if a != "--worker"],
            protocol=dict(
                repeats=args.repeats,
                max_rung_seconds=args.max_rung_seconds,
                max_solver_seconds=args.max_solver_seconds,
                solver_timeout=args.solver_timeout,
                reference_timeout=args.reference_timeout,
                stop_accuracy=args.stop_accuracy,
                max_rungs=args.max_rungs,
            ),
        )
    )
    store["machine"] = dict(
        platform=platform.platform(),
        python=platform.python_version(),
        cpu_count=os.cpu_count(),
        threadpools=[
            {k: v for k, v in d.items() if k in ("internal_api", "num_threads", "version")}
            for d in threadpool_info()
        ],
    )

    def save():
        for pr in store["problems"].values():
            score(pr)
        out_path.write_text(json.dumps(store, indent=1, default=float))

    solvers = {}
    for name in args.solvers.split(","):
        solver = SOLVERS[name.strip()]
        why = solver.unavailable()
        if why:
            log(f"skip solver {solver.name}: {why}")
            store["skipped_solvers"][solver.name] = why
        else:
            solvers[solver.name] = solver
            store["skipped_solvers"].pop(solver.name, None)
    for name in args.problems.split(","):
        name = name.strip()
        why = unavailable_reason(PROBLEMS[name])
        if why:
            log(f"skip problem {name}: {why}")
            store["skipped_problems"][name] = why
            continue
        store["skipped_problems"].pop(name, None)
        t0 = time.perf_counter()
        ds = build(name, seed=args.seed, smoke=args.smoke)
        log(
            f"{name}: {ds.meta['n_samples']}×{ds.meta['n_features']}"
            f"{' sparse' if ds.meta['sparse'] else ''}, built in {time.perf_counter() - t0:.1f}s"
        )
        pr = store["problems"].get(name)
        if pr is not None and not same_problem(pr, ds):
            log(f"  stored {name} results are for other data (size or seed): dropped")
            pr = None
        pr = pr or dict(solvers={})
        pr.update(
            meta=ds.meta,
            lambdas=ds.lambdas.tolist(),
            floor=time_floor(ds, args.repeats),
        )
        store["problems"][name] = pr
        with tempfile.TemporaryDirectory(prefix="fastreg-bench-") as tmp:
            data = Path(tmp)
            save_dataset(ds, data)
            # The reference is kept once made (or once it has failed): P* only improves as
            # runs accumulate, and a later run of one solver need not pay for it again.
            if "reference" not in pr:
                events, rc, secs, tail = run_child("reference", data, args.reference_timeout, log)
                ref = next((e["reference"] for e in events if "reference" in e), None)
                if ref is None:
                    started = [e["start"]["solver"] for e in events if "start" in e]
                    why = (
                        f"timed out after {args.reference_timeout:.0f} s"
                        if rc is None
                        else f"crashed (exit code {rc}): {tail[-200:]}"
                    )
                    ref = dict(
                        solver=started[0] if started else args.reference,
                        tol=REFERENCE_TOL,
                        seconds=secs,
                        failed=why,
                    )
                    log(f"  reference {ref['solver']} {why}")
                else:
                    log(f"  reference {ref['solver']} in {ref['seconds']:.1f}s")
                pr["reference"] = dict(ref, run=run_index)
            else:
                log(f"  reference: stored one reused ({pr['reference']['solver']})")
            save()
            for sname, solver in solvers.items():
                score(pr)
                np.save(data / "best_known.npy", np.asarray(pr["p_star"], dtype=float))
                log(f"  {sname}")
                events, rc, secs, tail = run_child(sname, data, args.solver_timeout, log)
                entry = ladder_entry(solver, args, run_index, events, rc, secs, tail)
                if "error" in entry:
                    log(f"    {entry['error']}")
                pr["solvers"][sname] = entry
                save()
        del ds
        gc.collect()
    store["runs"][run_index]["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    save()
    return 0


# ------------------------------------------------------------------------------- report


def fmt_time(t):
    if t is None:
        return "—"
    return f"{t * 1e3:.1f} ms" if t < 1 else f"{t:.2f} s"


def fmt_acc(a):
    if a is None or a != a:
        return "—"
    if a == float("inf"):
        return "failed"
    return "<1e-15" if a < 1e-15 else f"{a:.1e}"


def markdown(results: list[dict]) -> str:
    lines = ["# fastreg Lasso-path benchmark", ""]
    for res in results:
        lines += [
            f"## {res['threads']} thread{'s' if res['threads'] > 1 else ''}"
            f"{' (smoke sizes)' if res['smoke'] else ''}",
            "",
            "Times are medians; accuracy is the worst relative objective excess over the grid; "
            "×best is the time over the fastest solver's time to the same accuracy. "
            "The runs these entries come from:",
            "",
        ]
        for i, run in enumerate(res["runs"]):
            covered = {}
            for pname, pr in res["problems"].items():
                for sname, s in pr["solvers"].items():
                    if s.get("run") == i:
                        covered.setdefault(pname, []).append(sname)
            if covered:
                what = "; ".join(f"{p}: {', '.join(ss)}" for p, ss in covered.items())
                lines.append(
                    f"- run {i}, {run['started']}–{run.get('finished', 'unfinished')}, "
                    f"`python benches/run.py {' '.join(run['argv'])}` ({what})"
                )
        lines += [
            "",
            "| problem | solver | t(≤1e-4) | ×best | t(≤1e-6) | ×best "
            "| default: time | default: accuracy |",
            "|---|---|---|---|---|---|---|---|",
        ]
        summary = []
        for pname, pr in res["problems"].items():
            best = {}
            for eps in TARGETS:
                ts = [
                    s[f"time_to_{eps:.0e}"]
                    for s in pr["solvers"].values()
                    if s.get(f"time_to_{eps:.0e}") is not None
                ]
                best[eps] = min(ts) if ts else None
            for sname, s in pr["solvers"].items():
                cells = [pname, sname]
                for eps in TARGETS:
                    t = s.get(f"time_to_{eps:.0e}")
                    cells += [
                        fmt_time(t),
                        f"{t / best[eps]:.2f}" if t and best[eps] else "—",
                    ]
                if s.get("default"):
                    cells += [
                        fmt_time(s["default"]["time"]),
                        fmt_acc(s["default"]["accuracy"]),
                    ]
                elif "error" in s:
                    cells += [
                        "error",
                        s["error"][:60].replace("|", "/").replace("\n", " "),
                    ]
                elif "timed_out" in s:
                    cells += ["not run", "(timed out)"]
                else:
                    cells += ["not run", "(budget)"]
                lines.append("| " + " | ".join(cells) + " |")
            floor = pr["floor"]
            fl = f"Xᵀr {fmt_time(floor['Xt_r'])}" + (
                f", XᵀX {fmt_time(floor['XtX'])}" if "XtX" in floor else ""
            )
            lines.append(f"| {pname} | *floor* | {fl} | | | | | |")
            # fastreg against the fastest peer.
            fr = pr["solvers"].get("fastreg")
            if fr:
                row = [pname]
                for eps in TARGETS:
                    key = f"time_to_{eps:.0e}"
                    peers = [
                        (s[key], n)
                        for n, s in pr["solvers"].items()
                        if n != "fastreg" and s.get(key) is not None
                    ]
                    if fr.get(key) is not None and peers:
                        t, n = min(peers)
                        row.append(f"{fr[key] / t:.2f} (vs {n})")
                    else:
                        row.append("—")
                summary.append(row)
        if summary:
            lines += [
                "",
                "fastreg time over the fastest peer's (below 1 means fastreg is faster):",
                "",
                "| problem | ≤1e-4 | ≤1e-6 |",
                "|---|---|---|",
            ]
            lines += ["| " + " | ".join(r) + " |" for r in summary]
        notes = []
        for pname, pr in res["problems"].items():
            ref = pr["reference"]
            if "objectives" in ref:
                pstar = (
                    f"P* is the best objective of any stored run, the reference included "
                    f"({ref['solver']} at tol {ref['tol']:.0e}, {ref['seconds']:.0f} s)"
                )
            else:
                pstar = (
                    f"reference {ref['solver']} at tol {ref['tol']:.0e} {ref['failed']}, so P* "
                    "is the best objective reached by any stored solver run"
                )
            notes.append(
                f"{pname}: {pr['meta']['n_samples']}×{pr['meta']['n_features']}"
                f"{', sparse, nnz ' + str(pr['meta']['nnz']) if pr['meta']['sparse'] else ''}; "
                f"{pstar}; P* within {pr['certified_rel_gap']:.1e} of the optimum "
                "(best dual bound of those runs)"
            )
            for sname, s in pr["solvers"].items():
                ladder = (
                    ", ".join(
                        f"tol {r['tol']:.0e}: {fmt_time(r['time'])} ({len(r['times'])} run"
                        f"{'s' if len(r['times']) > 1 else ''}), "
                        f"accuracy {fmt_acc(r['accuracy'])}"
                        for r in s.get("rungs", [])
                    )
                    or "no rung finished"
                )
                if "timed_out" in s:
                    notes.append(f"{pname}: {sname} {s['timed_out']}; {ladder}")
                elif "error" in s:
                    notes.append(f"{pname}: {sname} {s['error']}; {ladder}")
                elif not s.get("default") and s.get("rungs"):
                    notes.append(
                        f"{pname}: {sname} ended on the time budget before its "
                        f"default tolerance: {ladder}"
                    )
                for failure in s.get("failed_rungs", []):
                    notes.append(f"{pname}: {sname} failed at {failure} (ladder ended there)")
            fr = pr["solvers"].get("fastreg", {})
            if "mode" in fr:
                notes.append(f"{pname}: fastreg via {fr['mode']}")
        for sname, why in res["skipped_solvers"].items():
            notes.append(f"solver {sname} skipped: {why}")
        for pname, why in res["skipped_problems"].items():
            notes.append(f"problem {pname} skipped: {why}")
        lines += ["", "Notes:", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(lines)


def plot(res: dict, path: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    probs = list(res["problems"].items())
    if not probs:
        return
    cols = min(3, len(probs))
    rows = (len(probs) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 4.0 * rows), squeeze=False)
    # One colour per solver in every panel, whichever solvers a panel has points for.
    names = list(dict.fromkeys(n for _, pr in probs for n in pr["solvers"]))
    for ax, (pname, pr) in zip(axes.ravel(), probs):
        for sname, s in pr["solvers"].items():
            pts = [
                (max(r["accuracy"], 1e-16), r["time"])
                for r in s.get("rungs", [])
                if r["accuracy"] != float("inf")
            ]
            if pts:
                pts.sort()
                ax.plot(
                    [p[0] for p in pts],
                    [p[1] for p in pts],
                    marker="o",
                    label=sname,
                    color=f"C{names.index(sname) % 10}",
                    lw=2.2 if sname == "fastreg" else 1.2,
                )
        ax.axhline(pr["floor"]["Xt_r"], color="grey", ls=":", lw=1, label="Xᵀr pass")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.invert_xaxis()
        ax.set_title(f"{pname} ({pr['meta']['n_samples']}×{pr['meta']['n_features']})")
        ax.set_xlabel("worst relative objective excess over the grid")
        ax.set_ylabel("time for the whole path (s)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    for ax in axes.ravel()[len(probs) :]:
        ax.set_visible(False)
    fig.suptitle(f"Lasso path: time vs accuracy, {res['threads']} thread(s)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        return child(args)
    if args.worker:
        return worker(args)
    from solvers import thread_env

    args.out.mkdir(parents=True, exist_ok=True)
    worker_argv = [a for a in (sys.argv[1:] if argv is None else argv)]
    status = 0
    for threads in [] if args.report_only else thread_counts(args.threads):
        env = thread_env(threads)
        env["FASTREG_BENCH_THREADS"] = str(threads)
        print(f"=== {threads} thread(s)", flush=True)
        proc = subprocess.run(
            [
                sys.executable,
                str(HERE / "run.py"),
                "--worker",
                *worker_argv,
                *([] if "--out" in worker_argv else ["--out", str(args.out)]),
            ],
            env=env,
        )
        status = status or proc.returncode
    # Tables and plots from every thread setting stored, so separate runs add up.
    loaded = [(json.loads(p.read_text()), p) for p in args.out.glob("bench-threads*.json")]
    loaded.sort(key=lambda rp: (rp[0]["threads"], rp[1].name))
    results, paths = [r for r, _ in loaded], [p for _, p in loaded]
    rescore(results)  # P* over everything stored, so the JSON is rescored too
    for path, res in zip(paths, results):
        path.write_text(json.dumps(res, indent=1, default=float))
    (args.out / "results.md").write_text(markdown(results))
    for path, res in zip(paths, results):
        plot(res, args.out / f"time_vs_accuracy-{path.stem.removeprefix('bench-')}.png")
    print(f"wrote {args.out / 'results.md'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
