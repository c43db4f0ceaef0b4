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
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
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
    args = ap.parse_args(argv)
    if args.max_rung_seconds is None:
        args.max_rung_seconds = 5.0 if args.smoke else 60.0
    if args.max_solver_seconds is None:
        args.max_solver_seconds = 10.0 if args.smoke else 180.0
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


def objectives(ds, W, b):
    """``P_k = 1/(2n)‖y − X w_k − b_k‖² + λ_k‖w_k‖₁`` for every column k, in float64."""
    import numpy as np
    import scipy.sparse as sp

    n = ds.X.shape[0]
    Wm = sp.csc_matrix(W) if sp.issparse(W) else np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64).ravel()
    # A solver that stopped the path early has not solved the λ it skipped: +inf there.
    L = min(Wm.shape[1], len(b), len(ds.lambdas))
    Wm, b = Wm[:, :L], b[:L]
    if sp.issparse(Wm):
        l1 = np.asarray(abs(Wm).sum(axis=0)).ravel()
        if sp.issparse(ds.X):
            fit = (ds.X @ Wm).toarray()
        else:
            fit = np.asarray(Wm.T @ ds.X.T).T  # dense X, sparse W: (Wᵀ Xᵀ)ᵀ
    else:
        l1 = np.abs(Wm).sum(axis=0)
        fit = np.asarray(ds.X @ Wm)
    out = np.full(len(ds.lambdas), np.inf)
    for k in range(L):
        r = ds.y - fit[:, k] - b[k]
        out[k] = 0.5 * float(r @ r) / n + ds.lambdas[k] * l1[k]
    out[~np.isfinite(out)] = np.inf
    return out


def dual_bounds(ds, W, b):
    """A lower bound on the optimum at each λ from the dual point θ = s·r_c (r_c the centred
    residual, s scaling ‖X̃ᵀθ‖∞ to ≤ nλ): certifies the reference run independently of any
    solver's own stopping rule."""
    import numpy as np
    import scipy.sparse as sp

    n = ds.X.shape[0]
    W = W.toarray() if sp.issparse(W) else np.asarray(W)
    yc = ds.y - ds.y.mean()
    out = np.full(len(ds.lambdas), -np.inf)  # no bound where the path stopped early
    for k in range(min(W.shape[1], len(b), len(ds.lambdas))):
        lam = ds.lambdas[k]
        r = ds.y - np.asarray(ds.X @ W[:, k]).ravel() - b[k]
        rc = r - r.mean()
        # Xᵀr_c = X̃ᵀr_c since r_c sums to zero.
        dnorm = float(np.max(np.abs(ds.X.T @ rc)))
        s = min(1.0, n * lam / dnorm) if dnorm > 0 else 1.0
        out[k] = (s * float(rc @ yc) - 0.5 * s * s * float(rc @ rc)) / n
    return out


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


def reference_run(ds, choice):
    """A run at a very tight duality-gap tolerance (not timed), by ``choice`` or, for
    ``auto``, fastreg (else scikit-learn): both stop on the gap the harness recomputes.
    (celer at tol 1e-10 and 1e-12 stopped well short of the gap it was asked for, so it is no
    reference.) P* is certified by ``dual_bounds``, so it rests on no solver's stopping rule."""
    import numpy as np
    from solvers import SOLVERS

    import scipy.sparse as sp

    names = REFERENCE_ORDER if choice == "auto" else (choice,)
    n, p = ds.X.shape
    if choice == "auto" and not sp.issparse(ds.X) and n >= 10 * p:
        # Tall dense: scikit-learn's Gram-matrix CD gets to 1e-10 in a fraction of the time.
        names = ("scikit-learn", "fastreg")
    solver = next(SOLVERS[n] for n in names if SOLVERS[n].unavailable() is None)
    ctx = solver.prepare(ds, 1)
    saved = solver.default_max_iter
    solver.default_max_iter = 10_000  # 10× this at a tolerance below the default
    try:
        W, b = solver.run(ctx, REFERENCE_TOL)
    finally:
        solver.default_max_iter = saved
    W = W.toarray() if hasattr(W, "toarray") else np.asarray(W)
    return solver.name, W, np.asarray(b)


def run_solver(solver, ds, args, threads, log, failures):
    """Runs one solver's ladder; returns its rungs (times and per-λ objectives). A rung that
    raises ends the ladder; its error goes to ``failures`` and the rungs before it are kept."""
    import numpy as np
    from solvers import thread_env

    tols = solver.tols[: args.max_rungs] if args.max_rungs else solver.tols
    if args.smoke:
        tols = [t for t in tols if t in (solver.tols[0], solver.default_tol, solver.tols[-3])]
    rungs = []
    if solver.external:
        for tol, times, W, b in solver.run_ladder(
            ds, tols, args.repeats, args.max_rung_seconds, thread_env(threads)
        ):
            rungs.append(
                dict(
                    tol=tol,
                    times=times,
                    time=statistics.median(times),
                    objectives=objectives(ds, W, b).tolist(),
                )
            )
            log(f"    tol={tol:.0e}: {rungs[-1]['time']:.4f}s")
            last = (W, b)
        if rungs:
            rungs[-1]["dual_bounds"] = dual_bounds(ds, *last).tolist()
        return rungs
    ctx = solver.prepare(ds, threads)
    solver.run(ctx, tols[0])  # warm-up: caches, lazy imports, numba's compile
    spent = 0.0
    last = None
    for tol in tols:
        times = []
        try:
            for _ in range(args.repeats):
                gc.collect()
                t0 = time.perf_counter()
                W, b = solver.run(ctx, tol)
                times.append(time.perf_counter() - t0)
                if times[0] > args.max_rung_seconds:
                    break
        except Exception as exc:  # a peer failing at one tolerance keeps its other rungs
            failures.append(f"tol {tol:.0e}: {type(exc).__name__}: {str(exc)[:200]}")
            log(f"    tol={tol:.0e} failed: {failures[-1]}")
            break
        last = (W, b)
        spent += sum(times)
        obj = objectives(ds, W, b)
        rungs.append(
            dict(tol=tol, times=times, time=statistics.median(times), objectives=obj.tolist())
        )
        log(f"    tol={tol:.0e}: {rungs[-1]['time']:.4f}s ({len(times)} runs)")
        if rungs[-1]["time"] > args.max_rung_seconds:
            log("    rung over the time budget: ladder ends here")
            break
        if spent > args.max_solver_seconds:
            log("    solver over its total time budget: ladder ends here")
            break
        # Early end once this rung is far more accurate than any target (scored against
        # what is known so far; the final score uses the final P*).
        # The default tolerance is always run: its time and accuracy are reported.
        best = np.asarray(ds.best_known)
        rel = np.max((obj - best) / np.abs(best))
        if rel <= args.stop_accuracy and tol <= solver.default_tol:
            break
    # The tightest rung's dual point is a lower bound on every P*_k: it certifies P*.
    if last is not None:
        rungs[-1]["dual_bounds"] = dual_bounds(ds, *last).tolist()
    return rungs


def score(problem_result):
    """Final accuracies against P* = min over every run and the reference at each λ."""
    import numpy as np

    runs = [r for s in problem_result["solvers"].values() for r in s.get("rungs", [])]
    p_star = np.asarray(problem_result["reference"]["objectives"], dtype=float)
    for r in runs:
        p_star = np.minimum(p_star, np.asarray(r["objectives"], dtype=float))
    problem_result["p_star"] = p_star.tolist()
    lower = np.asarray(problem_result["reference"]["dual_bounds"])
    for r in runs:
        if "dual_bounds" in r:
            lower = np.maximum(lower, np.asarray(r["dual_bounds"], dtype=float))
    problem_result["reference"]["certified_rel_gap"] = float(np.max((p_star - lower) / p_star))
    for s in problem_result["solvers"].values():
        for r in s.get("rungs", []):
            obj = np.asarray(r["objectives"], dtype=float)
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


def worker(args):
    import numpy as np
    from problems import PROBLEMS, build, unavailable_reason
    from solvers import SOLVERS
    from threadpoolctl import threadpool_info, threadpool_limits

    threads = int(os.environ.get("FASTREG_BENCH_THREADS", "1"))
    threadpool_limits(threads)
    out_path = args.out / f"bench-threads{threads}.json"

    t_start = time.perf_counter()

    def log(msg):
        print(f"[{time.perf_counter() - t_start:7.1f}s] {msg}", flush=True)

    result = dict(
        threads=threads,
        smoke=args.smoke,
        argv=sys.argv[1:],
        started=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        machine=dict(
            platform=platform.platform(),
            python=platform.python_version(),
            cpu_count=os.cpu_count(),
            threadpools=[
                {k: v for k, v in d.items() if k in ("internal_api", "num_threads", "version")}
                for d in threadpool_info()
            ],
        ),
        protocol=dict(
            repeats=args.repeats,
            max_rung_seconds=args.max_rung_seconds,
            max_solver_seconds=args.max_solver_seconds,
            stop_accuracy=args.stop_accuracy,
            max_rungs=args.max_rungs,
        ),
        problems={},
        skipped_problems={},
        skipped_solvers={},
    )
    solvers = {}
    for name in args.solvers.split(","):
        solver = SOLVERS[name.strip()]
        why = solver.unavailable()
        if why:
            log(f"skip solver {solver.name}: {why}")
            result["skipped_solvers"][solver.name] = why
        else:
            solvers[solver.name] = solver
    for name in args.problems.split(","):
        name = name.strip()
        why = unavailable_reason(PROBLEMS[name])
        if why:
            log(f"skip problem {name}: {why}")
            result["skipped_problems"][name] = why
            continue
        t0 = time.perf_counter()
        ds = build(name, seed=args.seed, smoke=args.smoke)
        log(
            f"{name}: {ds.meta['n_samples']}×{ds.meta['n_features']}"
            f"{' sparse' if ds.meta['sparse'] else ''}, built in {time.perf_counter() - t0:.1f}s"
        )
        pr = dict(
            meta=ds.meta,
            lambdas=ds.lambdas.tolist(),
            floor=time_floor(ds, args.repeats),
            solvers={},
        )
        t0 = time.perf_counter()
        ref_name, W_ref, b_ref = reference_run(ds, args.reference)
        ref_obj = objectives(ds, W_ref, b_ref)
        pr["reference"] = dict(
            solver=ref_name,
            tol=REFERENCE_TOL,
            seconds=time.perf_counter() - t0,
            objectives=ref_obj.tolist(),
            dual_bounds=dual_bounds(ds, W_ref, b_ref).tolist(),
        )
        log(f"  reference in {pr['reference']['seconds']:.1f}s")
        ds.best_known = ref_obj.copy()
        for sname, solver in solvers.items():
            log(f"  {sname}")
            entry = dict(tols=solver.tols, default_tol=solver.default_tol)
            try:
                failures = []
                entry["rungs"] = run_solver(solver, ds, args, threads, log, failures)
                if failures:
                    entry["failed_rungs"] = failures
                if sname == "fastreg":
                    entry["mode"] = solver.mode
                if solver.note:
                    entry["note"] = solver.note
                for r in entry["rungs"]:
                    ds.best_known = np.minimum(ds.best_known, r["objectives"])
            except Exception as exc:  # a peer failing must not sink the suite
                log(f"    failed: {type(exc).__name__}: {exc}")
                entry["error"] = f"{type(exc).__name__}: {exc}"
                entry["rungs"] = []
            pr["solvers"][sname] = entry
        score(pr)
        result["problems"][name] = pr
        del ds
        gc.collect()
        args.out.mkdir(parents=True, exist_ok=True)
        out_path.write_text(json.dumps(result, indent=1, default=float))
    result["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    args.out.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(result, indent=1, default=float))
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
            f"Run {res['started']}–{res.get('finished', 'unfinished')}, "
            f"`python benches/run.py {' '.join(res['argv']).replace('--worker', '').strip()}`. "
            "Times are medians; accuracy is the worst relative objective excess over the grid; "
            "×best is the time over the fastest solver's time to the same accuracy.",
            "",
            "| problem | solver | t(≤1e-4) | ×best | t(≤1e-6) | ×best | default: time | default: accuracy |",
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
                    cells += [fmt_time(t), f"{t / best[eps]:.2f}" if t and best[eps] else "—"]
                if "error" in s:
                    cells += ["error", s["error"][:60].replace("|", "/")]
                elif s.get("default"):
                    cells += [fmt_time(s["default"]["time"]), fmt_acc(s["default"]["accuracy"])]
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
            notes.append(
                f"{pname}: {pr['meta']['n_samples']}×{pr['meta']['n_features']}"
                f"{', sparse, nnz ' + str(pr['meta']['nnz']) if pr['meta']['sparse'] else ''}; "
                f"reference {ref['solver']} at tol {ref['tol']:.0e} ({ref['seconds']:.0f} s); "
                f"P* within {ref['certified_rel_gap']:.1e} of the optimum (best dual bound)"
            )
            for sname, s in pr["solvers"].items():
                if not s.get("default") and s.get("rungs"):
                    ladder = ", ".join(
                        f"tol {r['tol']:.0e}: {fmt_time(r['time'])} ({len(r['times'])} run"
                        f"{'s' if len(r['times']) > 1 else ''}), accuracy {fmt_acc(r['accuracy'])}"
                        for r in s["rungs"]
                    )
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
                "--out",
                str(args.out),
            ],
            env=env,
        )
        status = status or proc.returncode
    # Tables and plots from every thread setting present, so separate runs add up.
    # A file renamed bench-threads1-NAME.json (a separate run) keeps its own table and plot.
    loaded = [(json.loads(p.read_text()), p) for p in args.out.glob("bench-threads*.json")]
    loaded.sort(key=lambda rp: (rp[0]["threads"], rp[0]["started"]))
    results, paths = [r for r, _ in loaded], [p for _, p in loaded]
    (args.out / "results.md").write_text(markdown(results))
    for path, res in zip(paths, results):
        plot(res, args.out / f"time_vs_accuracy-{path.stem.removeprefix('bench-')}.png")
    print(f"wrote {args.out / 'results.md'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
