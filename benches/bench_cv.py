"""Cross-validation benchmark: fastreg's LassoCV / ElasticNetCV against scikit-learn's and R's
cv.glmnet on the benchmark suite's problems, the same folds and the same α/λ grid for all three.

    python benches/bench_cv.py                         # cv-sparse and cv-wide, full size
    python benches/bench_cv.py --problems cv-wide      # one problem
    python benches/bench_cv.py --smoke --out /tmp/cv   # tiny sizes (what the smoke test runs)

Problems (data from ``problems.build``):

- ``cv-sparse``: ``ElasticNetCV(l1_ratio=[.1, .5, .9, 1], cv=5)`` on ``sparse-text``.
- ``cv-wide``: ``LassoCV(cv=10)`` on ``wide-dense``.

Every solver configuration (fastreg at each ``--fastreg-jobs`` and ``--fastreg-tol``,
scikit-learn at each ``--sklearn-jobs``, R at each ``--r-thresh``) runs in a child process of its
own with a hard wall-clock limit (``--timeout``); a configuration killed before its first timed
run is reported as "> limit", never extrapolated. Benchmarks are not tests: nothing here asserts
a time.

Accuracy. A looser tolerance makes a faster but less accurate CV curve, so times are also
compared at equal accuracy. A reference run (no contender), fastreg at ``--reference-tol``
(1e-10) on all cores, gives the fold-mean held-out MSE per (l1_ratio, α); a configuration's
*CV-error accuracy* is the worst relative difference of its own curve (R: ``cvm``) from the
reference's over every l1_ratio and α, and the report says whether it chooses the reference's
``alpha_``, ``l1_ratio_`` and ``alpha_1se_`` (R: ``lambda.min``, its mixing value,
``lambda.1se``).

Conventions. Folds: ``KFold(shuffle=True, random_state=0)`` turned into a fold-id vector, given
to scikit-learn and fastreg as explicit (train, test) splits and to cv.glmnet as ``foldid``.
Grid: given explicitly, the same for every solver and every l1_ratio. scikit-learn and fastreg
minimise ``1/(2n)‖y − Xw − b‖² + α·r‖w‖₁ + α(1 − r)/2‖w‖²``; glmnet with ``standardize=FALSE``
minimises the same with ``lambda = α``, ``alpha = r``, except that it divides y by its standard
deviation s internally, which leaves the Lasso unchanged but divides the ridge part by s. For
the elastic net y is therefore divided by its (1/n) standard deviation for all three solvers, so
that s = 1 on the full data; in a training fold s differs from 1 by what ``cv.md`` reports.
The agreement of cv.glmnet's ``cvm`` with scikit-learn's fold-mean ``mse_path_`` checks all this.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from problems import build, lambda_grid  # noqa: E402
from solvers import BLAS_THREAD_VARS, thread_env, write_glmnet_data  # noqa: E402

CV_PROBLEMS = {
    "cv-sparse": dict(
        suite="sparse-text",
        estimator="ElasticNetCV",
        l1_ratio=[0.1, 0.5, 0.9, 1.0],
        folds=5,
        scale_y=True,
    ),
    "cv-wide": dict(
        suite="wide-dense", estimator="LassoCV", l1_ratio=[1.0], folds=10, scale_y=False
    ),
}
# CV-error accuracies at which the solvers' fastest configurations are compared.
ACCURACY_TARGETS = (1e-2, 1e-3, 1e-4)


def setup(name: str, smoke: bool, seed: int):
    """The problem as every solver sees it: X, y, the descending grid and 0-based fold ids."""
    from sklearn.model_selection import KFold

    cfg = CV_PROBLEMS[name]
    ds = build(cfg["suite"], seed=seed, smoke=smoke)
    X, y = ds.X, ds.y
    meta = dict(ds.meta)
    if cfg["scale_y"]:
        y_sd = float(np.std(y))
        y = y / y_sd
        meta["y_divided_by"] = y_sd
    if cfg["l1_ratio"] == [1.0]:
        grid = ds.lambdas  # the suite's λ grid
    else:
        # One grid for every l1_ratio: from where the smallest l1_ratio's solution is zero
        # (λmax / r_min) down to the suite's λmin = λmax · ratio.
        _, lam_max = lambda_grid(X, y, meta["lambda_ratio"], meta["n_lambdas"])
        grid = np.geomspace(
            lam_max / min(cfg["l1_ratio"]),
            lam_max * meta["lambda_ratio"],
            meta["n_lambdas"],
        )
    foldid = np.empty(X.shape[0], dtype=np.int32)
    kf = KFold(cfg["folds"], shuffle=True, random_state=0)
    for k, (_, test) in enumerate(kf.split(np.zeros((X.shape[0], 1)))):
        foldid[test] = k
    # The standard deviation of y in each training fold: glmnet's internal s (see above).
    train_sd = [float(np.std(y[foldid != k])) for k in range(cfg["folds"])]
    meta.update(train_fold_y_sd=[min(train_sd), max(train_sd)], grid=[grid[0], grid[-1]])
    return X, y, np.asarray(grid, dtype=np.float64), foldid, meta


def write_data(tmp: Path, X, y, grid, foldid):
    if sp.issparse(X):
        sp.save_npz(tmp / "X.npz", sp.csc_matrix(X), compressed=False)
    else:
        np.save(tmp / "X.npy", np.asfortranarray(X))
    np.save(tmp / "y.npy", y)
    np.save(tmp / "grid.npy", grid)
    np.save(tmp / "foldid.npy", foldid)


def load_data(data: Path):
    """(X, y, grid, foldid) as ``write_data`` stored them."""
    X = (
        sp.csc_matrix(sp.load_npz(data / "X.npz"))
        if (data / "X.npz").exists()
        else np.load(data / "X.npy")
    )
    y, grid, foldid = (np.load(data / f) for f in ("y.npy", "grid.npy", "foldid.npy"))
    return X, y, grid, foldid


def child_env(threads: int) -> dict:
    """BLAS pools pinned to ``threads``; RAYON_NUM_THREADS is left alone, so fastreg's
    ``n_jobs`` decides its threads."""
    return thread_env(threads, BLAS_THREAD_VARS)


def run_limited(cmd, env, timeout: float):
    """Runs ``cmd`` in its own process group, killed (with its children) after ``timeout``
    seconds. Returns (exit code or None when killed, seconds, stderr tail)."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=err, env=env, start_new_session=True
        )
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            rc = None
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        err.seek(0)
        tail = err.read().strip()[-1500:]
    return rc, time.perf_counter() - t0, tail


# ----------------------------------------------------------------------------- the child side


def child(args):
    """Times one Python solver configuration; writes one JSON line per finished run."""
    data, out = Path(args.data), Path(args.result)
    cfg = CV_PROBLEMS[args.problem]
    X, y, grid, foldid = load_data(data)
    splits = [
        (np.flatnonzero(foldid != k), np.flatnonzero(foldid == k)) for k in range(cfg["folds"])
    ]
    if args.child == "fastreg":
        import fastreg as lib
    else:
        from sklearn import linear_model as lib

    def make(alphas):
        kw = dict(alphas=alphas, cv=splits, n_jobs=args.jobs)
        if args.tol is not None:
            kw["tol"] = args.tol
        if args.max_iter is not None:
            kw["max_iter"] = args.max_iter
        if cfg["estimator"] == "ElasticNetCV":
            return lib.ElasticNetCV(l1_ratio=cfg["l1_ratio"], **kw)
        return lib.LassoCV(**kw)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make(grid[:3]).fit(X, y)  # warm-up (untimed): imports, pages, thread pools
    spent = 0.0
    for r in range(args.repeats):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t0, c0 = time.perf_counter(), time.process_time()
            model = make(grid).fit(X, y)
            seconds = time.perf_counter() - t0
            cpu = time.process_time() - c0  # every thread of the process
        rec = dict(run=r, seconds=seconds, cpu_seconds=cpu, n_warnings=len(caught))
        if r == 0:
            mse = np.asarray(model.mse_path_)
            if mse.ndim == 2:
                mse = mse[None]
            rec.update(
                mse_path=mse.tolist(),  # (n_l1_ratio, n_alphas, n_folds)
                alpha=float(model.alpha_),
                l1_ratio=float(getattr(model, "l1_ratio_", 1.0)),
                alpha_1se=float(getattr(model, "alpha_1se_", np.nan)),
                warnings=sorted({str(w.message)[:400] for w in caught}),
            )
        with out.open("a") as fh:
            fh.write(json.dumps(rec) + "\n")
        spent += seconds
        if spent > args.budget:
            break


# ---------------------------------------------------------------------------- the parent side


def run_python(kind, problem, data, args, log, *, jobs, tol, max_iter, timeout, repeats=None):
    """Runs one Python solver configuration (``tol`` / ``max_iter`` None: the library's
    default) in a child process killed after ``timeout`` seconds."""
    result = data / f"result-{kind}-{jobs}-{tol or 'default'}.jsonl"
    result.unlink(missing_ok=True)
    cmd = [
        sys.executable,
        str(HERE / "bench_cv.py"),
        "--child",
        kind,
        "--problem",
        problem,
    ]
    cmd += ["--data", str(data), "--result", str(result), "--jobs", str(jobs)]
    cmd += ["--repeats", str(repeats or args.repeats), "--budget", str(args.budget)]
    if tol is not None:
        cmd += ["--tol", str(tol)]
    if max_iter is not None:
        cmd += ["--max-iter", str(max_iter)]
    # BLAS pinned to one thread; parallelism is what n_jobs asks for.
    rc, seconds, tail = run_limited(cmd, child_env(1), timeout)
    runs = []
    if result.exists():
        for line in result.read_text().splitlines():
            with contextlib.suppress(json.JSONDecodeError):
                runs.append(json.loads(line))
    entry = dict(
        solver=kind,
        n_jobs=jobs,
        tol=tol,
        max_iter=max_iter,
        times=[r["seconds"] for r in runs],
        cpu_times=[r.get("cpu_seconds") for r in runs],
        killed=rc is None,
        wall=seconds,
        limit=timeout,
    )
    if runs:
        entry.update({k: runs[0][k] for k in ("mse_path", "alpha", "l1_ratio", "alpha_1se")})
        entry["warnings"] = runs[0]["warnings"]
    if rc not in (0, None):
        entry["error"] = tail
    log(f"  {config_label(entry)}: {describe(entry, timeout)}")
    return entry


def run_r(problem, data, thresh, args, log):
    cfg = CV_PROBLEMS[problem]
    rdir = data / f"r-{thresh:g}"
    rdir.mkdir()
    X, y, grid, foldid = load_data(data)
    write_glmnet_data(
        rdir,
        X,
        y,
        grid,
        alphas=",".join(f"{r:.17g}" for r in cfg["l1_ratio"]),
        threshes=f"{thresh:.17g}",
        repeats=args.repeats,
        budget=args.budget,
    )
    (foldid + 1).astype("<i4").tofile(rdir / "foldid.bin")  # 1-based for R
    cmd = ["Rscript", str(HERE / "cvglmnet_bench.R"), str(rdir)]
    rc, seconds, tail = run_limited(cmd, child_env(1), args.timeout)
    cpu_file = rdir / "t1_cpu.txt"
    cpu_times = [float(v) for v in cpu_file.read_text().split()] if cpu_file.exists() else []
    times_file = rdir / "t1_times.txt"
    times = [float(v) for v in times_file.read_text().split()] if times_file.exists() else []
    entry = dict(
        solver="R-glmnet",
        thresh=thresh,
        n_jobs=1,
        times=times,
        cpu_times=cpu_times[: len(times)],
        killed=rc is None,
        wall=seconds,
        limit=args.timeout,
    )
    fits = rdir / "t1_fits.txt"
    if fits.exists():
        entry["fit_times_first_repeat"] = [
            float(line.split()[2])
            for line in fits.read_text().splitlines()
            if line.split()[0] == "1"
        ]
    cvm, cvsd, choice = [], [], []
    for m in range(1, len(cfg["l1_ratio"]) + 1):
        base = rdir / f"t1_m{m}"
        if not Path(f"{base}_choice.txt").exists():
            break
        cvm.append([float(v) for v in Path(f"{base}_cvm.txt").read_text().split()])
        cvsd.append([float(v) for v in Path(f"{base}_cvsd.txt").read_text().split()])
        choice.append([float(v) for v in Path(f"{base}_choice.txt").read_text().split()])
    if len(cvm) == len(cfg["l1_ratio"]):
        entry.update(cvm=cvm, cvsd=cvsd, lambda_min_1se=choice)
        # The choice across mixing values as scikit-learn makes it: the smallest mean error.
        best = int(np.argmin([min(c) for c in cvm]))
        entry.update(
            l1_ratio=cfg["l1_ratio"][best],
            alpha=choice[best][0],
            alpha_1se=choice[best][1],
        )
    if rc not in (0, None):
        entry["error"] = tail
    log(f"  {config_label(entry)}: {describe(entry, args.timeout)}")
    return entry


def describe(entry, limit):
    if entry["times"]:
        s = f"median {np.median(entry['times']):.2f} s over {len(entry['times'])} run(s)"
        return s + (" (killed during a later repeat)" if entry["killed"] else "")
    if entry["killed"]:
        return f"> {limit:g} s (killed, no run finished)"
    return "failed: " + entry.get("error", "")[-300:]


def config_label(e):
    """A solver configuration as the report names it."""
    if e.get("reference"):
        return f"reference (fastreg n_jobs={e['n_jobs']} tol={e['tol']:.0e})"
    if e["solver"] == "R-glmnet":
        return f"R-glmnet thresh={e['thresh']:g}"
    label = f"{e['solver']} n_jobs={e['n_jobs']}"
    return label + (f" tol={e['tol']:.0e}" if e["solver"] == "fastreg" else "")


def rel_diff(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.abs(b)))


def cv_error(e):
    """The result of a CV: the fold-mean held-out MSE, (n_l1_ratio, n_alphas); None when the
    configuration has none."""
    if "cvm" in e:
        return np.asarray(e["cvm"], dtype=float)
    if "mse_path" in e:
        return np.asarray(e["mse_path"], dtype=float).mean(axis=2)
    return None


def score(entries, reference):
    """Sets each configuration's (and the reference's own) CV-error accuracy, the worst
    relative difference of its CV error from the reference's, and whether it makes the
    reference's choices; None without a result on either side."""
    ref_err = cv_error(reference)
    for e in [*entries, reference]:
        err = cv_error(e)
        if ref_err is None or err is None:
            e["cv_error_accuracy"] = e["same_choice"] = None
            continue
        e["cv_error_accuracy"] = rel_diff(err, ref_err)
        if len(err) > 1:
            e["cv_error_accuracy_per_l1_ratio"] = [rel_diff(a, b) for a, b in zip(err, ref_err)]
        same_1se = np.isclose(e["alpha_1se"], reference["alpha_1se"], rtol=1e-9)
        e["same_choice"] = {
            "alpha": bool(np.isclose(e["alpha"], reference["alpha"], rtol=1e-9)),
            "l1_ratio": bool(e["l1_ratio"] == reference["l1_ratio"]),
            # scikit-learn has no alpha_1se_.
            "alpha_1se": None if np.isnan(e["alpha_1se"]) else bool(same_1se),
        }


def fastest_reaching(entries, target):
    """{solver: (median time, configuration)}: each solver's fastest configuration whose
    CV-error accuracy is at most ``target``."""
    best = {}
    for e in entries:
        acc = e.get("cv_error_accuracy")
        if e["times"] and acc is not None and acc <= target:
            t = float(np.median(e["times"]))
            if e["solver"] not in best or t < best[e["solver"]][0]:
                best[e["solver"]] = (t, e)
    return best


def fastreg_over_peer(best):
    """fastreg's time over the fastest peer's, as "0.52 (vs R-glmnet)", or "—"."""
    peers = [(t, s) for s, (t, _) in best.items() if s != "fastreg"]
    if "fastreg" not in best or not peers:
        return "—"
    t, name = min(peers)
    return f"{best['fastreg'][0] / t:.2f} (vs {name})"


def compare(problem, entries, grid):
    """Agreement between the solvers, from their first runs."""
    by = {config_label(e): e for e in entries}
    out = {}
    fr_all = [e for e in entries if e["solver"] == "fastreg" and "mse_path" in e]
    # fastreg at its tightest tolerance checks the conventions against the others.
    fr = min(fr_all, key=lambda e: e["tol"], default=None)
    sk = next((e for e in entries if e["solver"] == "scikit-learn" and "mse_path" in e), None)
    by_tol = {}
    for e in fr_all:
        by_tol.setdefault(e["tol"], []).append(e)
    if any(len(group) > 1 for group in by_tol.values()):
        out["fastreg n_jobs agree (mse_path_ max rel. diff)"] = max(
            rel_diff(e["mse_path"], group[0]["mse_path"])
            for group in by_tol.values()
            for e in group[1:]
        )
    if fr:
        out["fastreg configuration compared below"] = config_label(fr)
        out["alpha_ / l1_ratio_ / alpha_1se_ (fastreg)"] = [
            fr["alpha"],
            fr["l1_ratio"],
            fr["alpha_1se"],
        ]
    if fr and sk:
        out["fastreg vs scikit-learn: max rel. mse_path_ diff"] = rel_diff(
            fr["mse_path"], sk["mse_path"]
        )
        if len(fr["mse_path"]) > 1:
            out["fastreg vs scikit-learn: max rel. mse_path_ diff per l1_ratio"] = [
                rel_diff(a, b) for a, b in zip(fr["mse_path"], sk["mse_path"])
            ]
        out["fastreg vs scikit-learn: same alpha_ and l1_ratio_"] = bool(
            fr["alpha"] == sk["alpha"] and fr["l1_ratio"] == sk["l1_ratio"]
        )
        out["alpha_ / l1_ratio_ (scikit-learn)"] = [sk["alpha"], sk["l1_ratio"]]
    for k, e in by.items():
        if not k.startswith("R-glmnet") or "cvm" not in e:
            continue
        for ref_name, ref in (("scikit-learn", sk), ("fastreg", fr)):
            if ref is None:
                continue
            mean = cv_error(ref)
            out[f"{k} cvm vs {ref_name} fold-mean mse_path_: max rel. diff"] = rel_diff(
                e["cvm"], mean
            )
            if mean.shape[0] > 1:
                out[f"{k} cvm vs {ref_name}: max rel. diff per l1_ratio"] = [
                    rel_diff(c, m) for c, m in zip(e["cvm"], mean)
                ]
        out[f"{k}: lambda.min / alpha (mixing), lambda.1se"] = [
            e["alpha"],
            e["l1_ratio"],
            e["alpha_1se"],
        ]
        if fr:
            out[f"{k}: same choice as fastreg (lambda.min = alpha_, alpha = l1_ratio_)"] = bool(
                np.isclose(e["alpha"], fr["alpha"], rtol=1e-9) and e["l1_ratio"] == fr["l1_ratio"]
            )
            out[f"{k}: lambda.1se vs fastreg alpha_1se_"] = [
                e["alpha_1se"],
                fr["alpha_1se"],
            ]
            i_r = int(np.argmin(np.abs(grid - e["alpha_1se"])))
            i_f = int(np.argmin(np.abs(grid - fr["alpha_1se"])))
            out[f"{k}: lambda.1se grid index minus fastreg alpha_1se_ index"] = i_r - i_f
    return out


def table(problem, entries, limit):
    """Markdown rows: median time, runs, and ratios to fastreg at n_jobs=1 (same run)."""
    base = next(
        (e for e in entries if e["solver"] == "fastreg" and e["n_jobs"] == 1 and e["times"]),
        None,
    )
    t_base = float(np.median(base["times"])) if base else None
    rows = []
    for e in entries:
        if e["times"]:
            ratio = f"{np.median(e['times']) / t_base:.2f}" if t_base else "—"
        elif e["killed"]:
            ratio = f"> {e.get('limit', limit) / t_base:.1f}" if t_base else "—"
        else:
            ratio = "—"
        runs = ", ".join(f"{v:.2f}" for v in e["times"]) or "none finished"
        cpu = [c for c in e.get("cpu_times", []) if c is not None]
        share = f"{np.median([c / w for c, w in zip(cpu, e['times'])]):.2f}" if cpu else "—"
        rows.append(
            f"| {problem} | {config_label(e)} | {median_time(e, limit)} | {ratio} "
            f"| {share} | {runs} |"
        )
    return rows


def median_time(e, limit):
    if e["times"]:
        return f"{np.median(e['times']):.2f} s"
    if e["killed"]:
        return f"> {e.get('limit', limit):g} s (killed)"
    return "failed"


def fmt_accuracy(acc):
    if acc is None:
        return "—"
    return f"{acc:.1e}" if acc else "0"


def choice_cell(e):
    """Whether a configuration chooses as the reference does: "yes", or which choice differs."""
    same = e.get("same_choice")
    if same is None:
        return "—"
    differ = [f"{k}_" for k, v in same.items() if v is False]
    if differ:
        return "no: " + ", ".join(differ) + " differ" + ("s" if len(differ) == 1 else "")
    return "yes" if same["alpha_1se"] is not None else "yes (no alpha_1se_)"


def accuracy_section(entries, reference, limit):
    """Markdown lines: each configuration's time, CV-error accuracy and choice against the
    reference, then each solver's fastest configuration to each accuracy target."""
    lines = [
        "| configuration | median time | CV-error accuracy | same choice as reference |",
        "|---|---|---|---|",
    ]
    for e in [*entries, reference]:
        acc = e.get("cv_error_accuracy")
        lines.append(
            f"| {config_label(e)} | {median_time(e, limit)} | "
            f"{fmt_accuracy(acc)} | {choice_cell(e)} |"
        )
    parts = []
    for target in ACCURACY_TARGETS:
        best = fastest_reaching(entries, target)
        reached = ", ".join(f"{config_label(e)} {t:.2f} s" for t, e in best.values())
        parts.append(f"≤{target:.0e}: {reached or 'none'} → {fastreg_over_peer(best)}")
    lines += [
        "",
        "Each solver's fastest configuration to a CV-error accuracy, and fastreg's time over "
        "the fastest peer's (below 1: fastreg is faster): " + "; ".join(parts) + ".",
    ]
    return lines


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "uptime unavailable"


def versions() -> dict:
    import fastreg
    import sklearn

    v = dict(
        python=platform.python_version(),
        fastreg=fastreg.__version__,
        scikit_learn=sklearn.__version__,
        numpy=np.__version__,
    )
    if shutil.which("Rscript"):
        proc = subprocess.run(
            [
                "Rscript",
                "-e",
                "cat(R.version.string, as.character(packageVersion('glmnet')))",
            ],
            capture_output=True,
            text=True,
        )
        v["R, glmnet"] = proc.stdout.strip() if proc.returncode == 0 else "not installed"
    return v


def r_available() -> str | None:
    if shutil.which("Rscript") is None:
        return "Rscript not found (apt-get install r-base-core r-cran-glmnet)"
    proc = subprocess.run(["Rscript", "-e", "library(glmnet)"], capture_output=True)
    return None if proc.returncode == 0 else "R package glmnet missing (r-cran-glmnet)"


def write_report(out: Path, res: dict):
    lines = [
        "# Cross-validation benchmark",
        "",
        "Written by `benches/bench_cv.py` (do not edit by hand; see `benches/README.md`).",
        "",
        f"- command: `{res['command']}`",
        f"- started {res['started']}, finished {res['finished']}",
        f"- machine: {res['machine']}",
        f"- `uptime` before: {res['uptime_before']}",
        f"- `uptime` after: {res['uptime_after']}",
        f"- versions: {', '.join(f'{k} {v}' for k, v in res['versions'].items())}",
        f"- hard limit per solver configuration: {res['timeout']:g} s (scikit-learn: see "
        "cv.json's `limit`, long enough to decide a 5x ratio unless capped); repeats: up to "
        f"{res['repeats']}, none started once a configuration's runs total {res['budget']:g} s",
        f"- fastreg: tol as listed; scikit-learn: tol "
        f"{res['sklearn_tol'] if res['sklearn_tol'] is not None else 'default (1e-4)'}; "
        f"both max_iter {res['max_iter'] or 'default (1000)'}; R: thresh as listed, maxit "
        "default",
        f"- reference: fastreg at tol {res['reference_tol']:.0e}, max_iter "
        f"{res['reference_max_iter']}, n_jobs {res['reference_jobs']}, hard limit "
        f"{res['reference_timeout']:g} s; not a contender",
        "",
        "Times are medians of the runs that finished, each the whole `fit` (CV and the final "
        "refit; R: `cv.glmnet`, which also fits the full-data path, once per mixing value, "
        "summed). Ratio = time / fastreg's at n_jobs=1 and the first tol listed, in the same "
        "run (above 1: fastreg is faster). CPU time ÷ wall (median over runs): the cores the run "
        "actually got, at most n_jobs; "
        "below that, other jobs on the machine took the rest.",
        "",
        "| problem | solver | median time | ÷ fastreg n_jobs=1 | CPU time ÷ wall | runs (s) |",
        "|---|---|---|---|---|---|",
    ]
    for name, p in res["problems"].items():
        lines += table(name, p["entries"], res["timeout"])
    lines += [
        "",
        "CV-error accuracy: the worst relative difference, over every l1_ratio and α, of a "
        "configuration's fold-mean held-out MSE (R: `cvm`) from the reference's. fastreg's "
        "time to an accuracy over the fastest peer's (below 1 means fastreg is faster; each "
        "solver's fastest configuration that reaches it):",
        "",
        "| problem | " + " | ".join(f"≤{t:.0e}" for t in ACCURACY_TARGETS) + " |",
        "|---|" + "---|" * len(ACCURACY_TARGETS),
    ]
    for name, p in res["problems"].items():
        cells = [fastreg_over_peer(fastest_reaching(p["entries"], t)) for t in ACCURACY_TARGETS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    for name, p in res["problems"].items():
        m = p["meta"]
        lines += [
            "",
            f"## {name}",
            "",
            f"{p['estimator']} on `{p['suite']}` ({m['n_samples']} × {m['n_features']}, "
            f"{'CSC, nnz ' + str(m['nnz']) if m['sparse'] else 'dense'}), "
            f"{p['folds']} folds, l1_ratio {p['l1_ratio']}, {len(p['grid'])} α values from "
            f"{p['grid'][0]:.4g} to {p['grid'][-1]:.4g}"
            + (
                f"; y divided by its standard deviation {m['y_divided_by']:.4g}"
                if "y_divided_by" in m
                else ""
            )
            + f"; training-fold sd(y) in [{m['train_fold_y_sd'][0]:.4f}, "
            f"{m['train_fold_y_sd'][1]:.4f}].",
            "",
        ]
        lines += accuracy_section(p["entries"], p["reference"], res["timeout"])
        lines.append("")
        for e in p["entries"]:
            if e["solver"] == "R-glmnet" and "cv_error_accuracy_per_l1_ratio" in e:
                per = ", ".join(f"{a:.1e}" for a in e["cv_error_accuracy_per_l1_ratio"])
                lines.append(
                    f"- {config_label(e)}: CV-error accuracy per l1_ratio {per}; for "
                    "l1_ratio < 1 it includes glmnet's ridge part divided by the training "
                    "fold's sd(y), which no thresh removes"
                )
        for k, v in p["agreement"].items():
            if isinstance(v, float):
                v = f"{v:.2e}"
            elif isinstance(v, list):
                v = ", ".join(f"{x:.6g}" if isinstance(x, float) else str(x) for x in v)
            lines.append(f"- {k}: {v}")
        for e in [*p["entries"], p["reference"]]:
            if e.get("warnings"):
                lines.append(f"- {config_label(e)} warnings: " + "; ".join(e["warnings"]))
            if e.get("error"):
                lines.append(f"- {config_label(e)} failed: `{e['error'][-300:]}`")
        for note in p.get("notes", []):
            lines.append(f"- {note}")
    (out / "cv.md").write_text("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--problems", default="cv-sparse,cv-wide")
    parser.add_argument("--solvers", default="fastreg,scikit-learn,R-glmnet")
    parser.add_argument("--fastreg-jobs", default="1,2")
    parser.add_argument("--fastreg-tol", default="1e-4", help="fastreg tol values (1e-4: default)")
    parser.add_argument("--sklearn-jobs", default="1")
    parser.add_argument("--r-thresh", default="1e-7", help="glmnet thresh values (1e-7: default)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="no new repeat once a configuration's runs total this (s)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        help="hard wall-clock limit per solver configuration (s)",
    )
    parser.add_argument(
        "--sklearn-timeout",
        type=float,
        default=0.0,
        help="scikit-learn's hard limit (s); 0: the larger of --timeout and "
        "6x fastreg's n_jobs=1 time + 30 s, at most --sklearn-timeout-cap",
    )
    parser.add_argument("--sklearn-timeout-cap", type=float, default=1800.0)
    parser.add_argument(
        "--sklearn-tol",
        type=float,
        default=None,
        help="scikit-learn's tol (default: its default, 1e-4)",
    )
    parser.add_argument(
        "--max-iter",
        type=int,
        default=None,
        help="max_iter of fastreg and scikit-learn (default: their default, 1000)",
    )
    parser.add_argument(
        "--reference-tol",
        type=float,
        default=1e-10,
        help="tol of the reference run (fastreg, all cores) the accuracies are measured from",
    )
    parser.add_argument("--reference-max-iter", type=int, default=100_000)
    parser.add_argument(
        "--reference-timeout",
        type=float,
        default=3600.0,
        help="hard wall-clock limit of the reference run (s)",
    )
    parser.add_argument("--smoke", action="store_true", help="the suite's smoke sizes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="default benches/results (smoke: …/smoke)")
    # Child mode (internal).
    parser.add_argument("--child", choices=["fastreg", "scikit-learn"], help=argparse.SUPPRESS)
    parser.add_argument("--problem", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--tol", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    out = Path(args.out) if args.out else HERE / "results" / ("smoke" if args.smoke else "")
    out.mkdir(parents=True, exist_ok=True)
    solvers = args.solvers.split(",")
    notes_global = []
    if "R-glmnet" in solvers and (why := r_available()):
        solvers.remove("R-glmnet")
        notes_global.append(f"R-glmnet skipped: {why}")
        print(notes_global[-1], flush=True)
    res = dict(
        command="python benches/bench_cv.py " + " ".join(sys.argv[1:]),
        started=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        machine=f"{platform.machine()}, {os.cpu_count()} logical CPUs, {platform.platform()}",
        uptime_before=uptime(),
        versions=versions(),
        timeout=args.timeout,
        repeats=args.repeats,
        budget=args.budget,
        fastreg_tols=[float(v) for v in args.fastreg_tol.split(",")],
        sklearn_tol=args.sklearn_tol,
        max_iter=args.max_iter,
        reference_tol=args.reference_tol,
        reference_max_iter=args.reference_max_iter,
        reference_jobs=os.cpu_count(),
        reference_timeout=args.reference_timeout,
        smoke=args.smoke,
        problems={},
    )
    print(f"{res['uptime_before']}\n{res['versions']}", flush=True)
    for name in args.problems.split(","):
        cfg = CV_PROBLEMS[name]
        print(f"\n{name}: {cfg['estimator']} on {cfg['suite']}", flush=True)
        X, y, grid, foldid, meta = setup(name, args.smoke, args.seed)
        entries = []
        with tempfile.TemporaryDirectory(prefix="fastreg-cv-") as tmp:
            tmp = Path(tmp)
            write_data(tmp, X, y, grid, foldid)
            del X
            print("  the reference (not a contender):", flush=True)
            reference = run_python(
                "fastreg",
                name,
                tmp,
                args,
                print,
                jobs=res["reference_jobs"],
                tol=args.reference_tol,
                max_iter=args.reference_max_iter,
                timeout=args.reference_timeout,
                repeats=1,
            )
            reference["reference"] = True
            if "fastreg" in solvers:
                for tol in res["fastreg_tols"]:
                    for j in (int(v) for v in args.fastreg_jobs.split(",")):
                        entries.append(
                            run_python(
                                "fastreg",
                                name,
                                tmp,
                                args,
                                print,
                                jobs=j,
                                tol=tol,
                                max_iter=args.max_iter,
                                timeout=args.timeout,
                            )
                        )
            if "scikit-learn" in solvers:
                limit = args.sklearn_timeout
                base = [e for e in entries if e["n_jobs"] == 1 and e["times"]]
                if not limit:  # auto: long enough to tell whether fastreg is 5x faster
                    limit = args.timeout
                    if base:
                        limit = min(
                            args.sklearn_timeout_cap,
                            max(limit, 6 * float(np.median(base[0]["times"])) + 30),
                        )
                for j in (int(v) for v in args.sklearn_jobs.split(",")):
                    entries.append(
                        run_python(
                            "scikit-learn",
                            name,
                            tmp,
                            args,
                            print,
                            jobs=j,
                            tol=args.sklearn_tol,
                            max_iter=args.max_iter,
                            timeout=limit,
                        )
                    )
            if "R-glmnet" in solvers:
                for t in (float(v) for v in args.r_thresh.split(",")):
                    entries.append(run_r(name, tmp, t, args, print))
        agreement = compare(name, entries, grid)
        for k, v in agreement.items():
            print(f"  {k}: {v}", flush=True)
        score(entries, reference)
        for e in entries:
            print(
                f"  {config_label(e)}: CV-error accuracy {e['cv_error_accuracy']}, "
                f"same choice as the reference {e['same_choice']}",
                flush=True,
            )
        res["problems"][name] = dict(
            suite=cfg["suite"],
            estimator=cfg["estimator"],
            l1_ratio=cfg["l1_ratio"],
            folds=cfg["folds"],
            grid=grid.tolist(),
            meta=meta,
            entries=entries,
            reference=reference,
            agreement=agreement,
            notes=notes_global,
        )
        res["finished"] = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        res["uptime_after"] = uptime()
        (out / "cv.json").write_text(json.dumps(res, indent=1))
        write_report(out, res)  # after each problem, so a later failure loses nothing
    res["finished"] = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    res["uptime_after"] = uptime()
    (out / "cv.json").write_text(json.dumps(res, indent=1))
    write_report(out, res)
    print(f"\nwrote {out / 'cv.md'} and {out / 'cv.json'}", flush=True)


if __name__ == "__main__":
    main()
