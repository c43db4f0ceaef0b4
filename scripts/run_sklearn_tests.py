"""Run scikit-learn's own linear-model test files against fastreg (issue 28).

Each test file is taken from the *installed* scikit-learn, copied into a temporary directory and
run twice with pytest: once unmodified (the baseline: which tests scikit-learn itself passes) and
once with every ``from sklearn.linear_model import ...`` (and ``from sklearn import linear_model``)
pointed at a shim module whose names are scikit-learn's except those fastreg exports under the same
name (``fastreg.__all__`` ∩ ``sklearn.linear_model``: Lasso, ElasticNet, LassoCV, ElasticNetCV,
Ridge, RidgeCV, lasso_path, enet_path). The test code is otherwise untouched; private helpers
(``sklearn.utils._testing``, ``sklearn.linear_model._ridge`` ...) still come from scikit-learn.

scikit-learn's conftest is loaded as a pytest plugin (``-p sklearn.conftest``), so tests that use
its fixtures (``global_random_seed``, ``global_dtype``) run as they do in scikit-learn's own CI.
Without it those tests cannot even start in either run; that is how issue 28's first count got
237, 159 and 751 (against 289, 159 and 1088 with scikit-learn 1.9.1 here).

For each file it reports how many of the baseline's passing tests also pass with fastreg, and
each failure with a one-line reason, as markdown (stdout, ``--markdown``) and JSON (``--json``).
A test that crashes the interpreter or runs longer than ``--test-timeout`` is recorded as failed
and the run resumes after it. Exit status: 0 when every file reaches ``--threshold`` percent
(default 0: report only; issue 28's target is 97), 1 when a file falls below it, 2 when the
suite could not be run (e.g. the baseline passes nothing).

    python scripts/run_sklearn_tests.py [--threshold 97] [--json out.json] [--markdown out.md]
        [--files test_ridge.py ...] [-k EXPR] [--jobs 2] [--keep DIR]

Run it with the Python environment in which fastreg and scikit-learn are installed; it never
imports fastreg from the source tree (pytest runs in the temporary directory). No network.
"""

from __future__ import annotations

import argparse
import ast
import collections
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import fastreg
import pytest
import sklearn
import sklearn.linear_model

DEFAULT_FILES = (
    "test_coordinate_descent.py",
    "test_sparse_coordinate_descent.py",
    "test_ridge.py",
)
SHIM_MODULE = "_fastreg_linear_model"
RECORDER_MODULE = "_suite_recorder"

# Written next to the copied tests: sklearn.linear_model's namespace with fastreg's estimators and
# path functions in place of scikit-learn's.
SHIM_SOURCE = '''"""sklearn.linear_model with fastreg's public names in place of scikit-learn's."""
import importlib

import sklearn.linear_model
from sklearn.linear_model import *  # noqa: F403
from sklearn.linear_model import __all__  # noqa: F401
from fastreg import {names}  # noqa: F401


def __getattr__(name):
    # Private names and submodules (``from sklearn.linear_model import _cd_fast``) stay sklearn's.
    try:
        return getattr(sklearn.linear_model, name)
    except AttributeError:
        return importlib.import_module(f"sklearn.linear_model.{{name}}")
'''

# A pytest plugin recording one JSON line per test as it starts and as it ends, so a run that
# dies (abort, segfault, timeout) still tells what finished and which test was running. On start
# it deselects every test already recorded in the file, so rerunning the same command resumes.
RECORDER_SOURCE = r'''"""Record each test's outcome as a JSON line in $SUITE_RECORD.

See run_sklearn_tests.py."""
import json
import os

import pytest

_PATH = os.environ["SUITE_RECORD"]
_phases = {}


def _write(record):
    with open(_PATH, "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")
        f.flush()
        os.fsync(f.fileno())


def _done():
    seen = set()
    if os.path.exists(_PATH):
        with open(_PATH, encoding="utf-8") as f:
            for line in f:
                try:
                    seen.add(json.loads(line)["nodeid"])
                except (ValueError, KeyError):
                    pass  # a line cut short by a crash
    return seen


def pytest_collection_modifyitems(config, items):
    done = _done()
    if done:
        keep = [item for item in items if item.nodeid not in done]
        config.hook.pytest_deselected(items=[i for i in items if i.nodeid in done])
        items[:] = keep


def pytest_collectreport(report):
    if report.failed:
        _write({"nodeid": report.nodeid, "event": "collect", "outcome": "error",
                "reason": _reason(report)})


def pytest_runtest_logstart(nodeid, location):
    _write({"nodeid": nodeid, "event": "start"})


def pytest_runtest_logreport(report):
    _phases.setdefault(report.nodeid, []).append(report)


def pytest_runtest_logfinish(nodeid, location):
    reports = _phases.pop(nodeid, [])
    outcome, reason = "passed", ""
    for r in reports:
        if hasattr(r, "wasxfail"):
            outcome, reason = ("xfailed" if r.skipped else "xpassed"), str(r.wasxfail)
            break
        if r.failed:
            outcome = "failed" if r.when == "call" else "error"
            reason = ("" if r.when == "call" else f"in {r.when}: ") + _reason(r)
            break
        if r.skipped:
            outcome, reason = "skipped", _reason(r)
            break
    _write({"nodeid": nodeid, "event": "end", "outcome": outcome, "reason": reason})


def _reason(report):
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):  # a skip: (path, line, message)
        return str(longrepr[2])
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        return crash.message
    return str(longrepr)
'''

# An empty configuration pins pytest's rootdir to the work directory (no repository ini).
PYTEST_INI = "[pytest]\n"


@dataclass
class RunResult:
    """Outcome of every test of one file in one mode (baseline or fastreg)."""

    outcomes: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    collection_errors: list[str] = field(default_factory=list)
    restarts: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0


def substituted_names() -> list[str]:
    """fastreg's public names that scikit-learn's linear_model also exports."""
    return sorted(set(fastreg.__all__) & set(sklearn.linear_model.__all__))


def rewrite_imports(source: str) -> tuple[str, list[int]]:
    """Point scikit-learn's linear_model imports at the shim, keeping every line number.

    Handles ``from sklearn.linear_model import ...`` and ``from sklearn import linear_model``
    anywhere in the file (module level or inside a function); private submodules such as
    ``sklearn.linear_model._ridge`` are left alone. Returns the new source and the lines changed.
    """
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    edits = []  # (line index, col start, col end, replacement) on a single line
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.level != 0:
            continue
        line = lines[node.lineno - 1]
        if node.module == "sklearn.linear_model":
            match = re.compile(r"from\s+sklearn\.linear_model\b").match(line, node.col_offset)
            if match is None:
                raise ValueError(f"cannot rewrite the import on line {node.lineno}: {line!r}")
            edits.append((node.lineno - 1, match.start(), match.end(), f"from {SHIM_MODULE}"))
        elif node.module == "sklearn" and any(a.name == "linear_model" for a in node.names):
            if node.end_lineno != node.lineno:
                raise ValueError(f"multi-line 'from sklearn import' on line {node.lineno}")
            others = [a for a in node.names if a.name != "linear_model"]
            alias = next(a.asname or a.name for a in node.names if a.name == "linear_model")
            new = f"import {SHIM_MODULE} as {alias}"
            if others:
                names = ", ".join(ast.unparse(a) for a in others)
                new = f"from sklearn import {names}; {new}"
            edits.append((node.lineno - 1, node.col_offset, node.end_col_offset, new))
    for index, start, end, new in sorted(edits, reverse=True):
        lines[index] = lines[index][:start] + new + lines[index][end:]
    return "".join(lines), sorted({index + 1 for index, *_ in edits})


def leftover_references(source: str, names: list[str]) -> list[str]:
    """Uses of a substituted name the rewrite does not reach (e.g. ``sklearn.linear_model.Lasso``
    through ``import sklearn``), so the report can say the substitution is incomplete."""
    pattern = re.compile(r"\bsklearn\.linear_model\.(" + "|".join(map(re.escape, names)) + r")\b")
    found = []
    for number, line in enumerate(source.splitlines(), 1):
        if pattern.search(line) and not line.lstrip().startswith("#"):
            found.append(f"line {number}: {line.strip()}")
    return found


def read_records(path: Path) -> list[dict]:
    records = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                pass  # cut short by a crash
    return records


def run_pytest(
    workdir: Path, test_file: str, record: Path, args: argparse.Namespace, log
) -> RunResult:
    """Run pytest on one copied file until every test has an outcome (resuming after crashes)."""
    env = dict(os.environ)
    env.update(
        SUITE_RECORD=str(record),
        SKLEARN_SKIP_NETWORK_TESTS="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.pop("PYTHONPATH", None)  # never pick up python/fastreg from a source tree
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += ["-p", "sklearn.conftest", "-p", RECORDER_MODULE, "--color=no", "-rN"]
    if args.k:
        command += ["-k", args.k]
    command += [*args.pytest_arg, test_file]
    result = RunResult()
    started = time.perf_counter()
    cpu_before = os.times()
    with open(workdir / "pytest.log", "a", encoding="utf-8") as output:
        while True:
            proc = subprocess.Popen(
                command,
                cwd=workdir,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            timed_out = watch(proc, record, args.test_timeout)
            records = read_records(record)
            finished = {r["nodeid"] for r in records if r["event"] != "start"}
            running = [r["nodeid"] for r in records if r["event"] == "start"]
            running = [n for n in running if n not in finished]
            if not running:
                if proc.returncode not in (0, 1, 5) and not any(
                    r["event"] == "collect" for r in records
                ):
                    result.collection_errors.append(
                        f"pytest exited with status {proc.returncode}; see {workdir}/pytest.log"
                    )
                break
            # The test that was running took the interpreter down or hung: record it, resume.
            what = (
                f"timed out after {args.test_timeout:g} s"
                if timed_out
                else f"crashed the interpreter ({describe_status(proc.returncode)})"
            )
            with open(record, "a", encoding="utf-8") as f:
                f.write("\n")  # a crash may have left a line half written
                f.writelines(
                    json.dumps({"nodeid": n, "event": "end", "outcome": "failed", "reason": what})
                    + "\n"
                    for n in running
                )
            log(f"  {running[-1]}: {what}; resuming")
            result.restarts += 1
            if result.restarts > args.max_restarts:
                result.collection_errors.append(f"gave up after {args.max_restarts} restarts")
                break
    result.seconds = time.perf_counter() - started
    cpu_after = os.times()
    result.cpu_seconds = (cpu_after.children_user - cpu_before.children_user) + (
        cpu_after.children_system - cpu_before.children_system
    )
    for r in read_records(record):
        if r["event"] == "collect":
            result.collection_errors.append(f"{r['nodeid']}: {r['reason']}")
        elif r["event"] == "end":
            result.outcomes[r["nodeid"]] = r["outcome"]
            result.reasons[r["nodeid"]] = r["reason"]
    return result


def watch(proc: subprocess.Popen, record: Path, test_timeout: float) -> bool:
    """Wait for pytest; kill it when one test has run longer than test_timeout. True if killed."""
    while True:
        try:
            proc.wait(timeout=1.0)
            return False
        except subprocess.TimeoutExpired:
            pass
        if test_timeout <= 0 or not record.exists():
            continue
        # The file's last write is the start (or end) of the newest test.
        if time.time() - record.stat().st_mtime > test_timeout:
            records = read_records(record)
            if records and records[-1]["event"] == "start":
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return True


def describe_status(returncode: int) -> str:
    if returncode < 0:
        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return f"signal {-returncode}"
    return f"exit status {returncode}"


def one_line(text: str, limit: int = 200) -> str:
    """A failure message on one line; of a traceback, its last "E   ..." line (the exception)."""
    errors = [line[1:] for line in text.splitlines() if line.startswith("E ")]
    text = " ".join((errors[-1] if errors and "Traceback" in text else text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def compare(baseline: RunResult, substituted: RunResult) -> dict:
    """Of the tests scikit-learn passes, which pass with fastreg; and a reason for each failure."""
    reference = sorted(n for n, o in baseline.outcomes.items() if o == "passed")
    failures = []
    for nodeid in reference:
        outcome = substituted.outcomes.get(nodeid)
        if outcome == "passed":
            continue
        if outcome is None:
            reason = "not run with fastreg (collection error or a test id that differs)"
            outcome = "missing"
        else:
            reason = substituted.reasons.get(nodeid, "")
        failures.append({"test": nodeid, "outcome": outcome, "reason": one_line(reason)})
    passed = len(reference) - len(failures)
    return {
        "sklearn_passed": len(reference),
        "fastreg_passed": passed,
        "percent": round(100.0 * passed / len(reference), 2) if reference else 0.0,
        "sklearn_outcomes": dict(collections.Counter(baseline.outcomes.values())),
        "fastreg_outcomes": dict(collections.Counter(substituted.outcomes.values())),
        "failures": failures,
        "failures_by_exception": dict(
            collections.Counter(exception_name(f["reason"]) for f in failures).most_common()
        ),
    }


def exception_name(reason: str) -> str:
    if reason.startswith("assert "):  # pytest shows a bare assert's expression, not its type
        return "AssertionError"
    match = re.match(r"([A-Za-z_][\w.]*(Error|Exception|Warning|Failed|Exit)\w*)\b", reason)
    return match.group(1) if match else (reason.split(":")[0][:40] or "(no message)")


def markdown_report(report: dict) -> str:
    out = ["# scikit-learn's linear-model tests with fastreg's names", ""]
    env = report["environment"]
    out.append(
        f"scikit-learn {env['sklearn']}, fastreg {env['fastreg']} ({env['fastreg_path']}), "
        f"Python {env['python']}, pytest {env['pytest']}. Substituted: "
        + ", ".join(f"`{n}`" for n in report["substituted_names"])
        + "."
    )
    out += [
        "",
        "| file | pass with scikit-learn | of those, with fastreg | % | time sklearn / fastreg |",
        "|---|---:|---:|---:|---|",
    ]
    for name, f in report["files"].items():
        t = f["seconds"]
        out.append(
            f"| {name} | {f['sklearn_passed']} | {f['fastreg_passed']} | {f['percent']:.1f} "
            f"| {t['sklearn']:.0f} s / {t['fastreg']:.0f} s |"
        )
    out.append("")
    out.append(
        f"Threshold {report['threshold']:g} %; total {report['seconds']:.0f} s wall, "
        f"{report['cpu_seconds']:.0f} s CPU."
    )
    for name, f in report["files"].items():
        out += ["", f"## {name}: {len(f['failures'])} failures", ""]
        for problem in f["problems"]:
            out.append(f"- **problem:** {problem}")
        if f["failures_by_exception"]:
            counts = ", ".join(f"{k} {v}" for k, v in f["failures_by_exception"].items())
            out += [f"By exception: {counts}.", ""]
        for failure in f["failures"]:
            reason = failure["reason"].replace("|", "\\|")
            out.append(f"- `{failure['test']}` ({failure['outcome']}): {reason}")
    return "\n".join(out) + "\n"


def prepare(workdir: Path, source: str, test_file: str, names: list[str]) -> None:
    workdir.mkdir(parents=True)
    (workdir / test_file).write_text(source, encoding="utf-8")
    (workdir / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
    (workdir / f"{RECORDER_MODULE}.py").write_text(RECORDER_SOURCE, encoding="utf-8")
    (workdir / f"{SHIM_MODULE}.py").write_text(
        SHIM_SOURCE.format(names=", ".join(names)), encoding="utf-8"
    )


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Run scikit-learn's linear-model tests with fastreg's names substituted.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=0.0,
        help="exit 1 if a file's pass rate (percent of the tests scikit-learn passes) is below",
    )
    parser.add_argument(
        "--files",
        nargs="+",
        default=list(DEFAULT_FILES),
        metavar="FILE",
        help="test files of the installed sklearn/linear_model/tests",
    )
    parser.add_argument("--json", type=Path, help="write the full report as JSON here")
    parser.add_argument("--markdown", type=Path, help="write the markdown report here too")
    parser.add_argument("-k", help="pytest -k expression (a subset, for quick checks)")
    parser.add_argument(
        "--pytest-arg", action="append", default=[], help="extra pytest argument (repeatable)"
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="pytest processes at once (baseline and fastreg runs)"
    )
    parser.add_argument(
        "--test-timeout",
        type=float,
        default=600.0,
        help="seconds one test may run before it is killed and counted as failed (0: no limit)",
    )
    parser.add_argument("--max-restarts", type=int, default=20, help=argparse.SUPPRESS)
    parser.add_argument("--keep", type=Path, help="work in this new directory and keep it")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    fastreg_path = Path(fastreg.__file__).resolve()
    tests_dir = Path(sklearn.__file__).parent / "linear_model" / "tests"
    names = substituted_names()
    log(f"fastreg {fastreg.__version__} from {fastreg_path.parent}")
    log(f"scikit-learn {sklearn.__version__} tests from {tests_dir}")
    log(f"substituting {', '.join(names)}")

    root = args.keep or Path(tempfile.mkdtemp(prefix="sklearn-suite-"))
    if args.keep:
        root.mkdir(parents=True)
    started = time.perf_counter()
    cpu_before = os.times()
    jobs, problems = [], {}
    for test_file in args.files:
        path = tests_dir / test_file
        if not path.is_file():
            log(f"error: {path} does not exist")
            return 2
        original = path.read_text(encoding="utf-8")
        rewritten, changed = rewrite_imports(original)
        problems[test_file] = [
            f"not substituted, {ref}" for ref in leftover_references(rewritten, names)
        ]
        if not changed:
            problems[test_file].append("no sklearn.linear_model import found to substitute")
        stem = Path(test_file).stem
        for mode, source in (("sklearn", original), ("fastreg", rewritten)):
            workdir = root / f"{stem}-{mode}"
            prepare(workdir, source, test_file, names)
            jobs.append((test_file, mode, workdir))

    results: dict[tuple[str, str], RunResult] = {}
    pending = list(jobs)
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if not pending:
                    return
                test_file, mode, workdir = pending.pop(0)
            log(f"running {test_file} with {mode} ...")
            result = run_pytest(workdir, test_file, workdir / "record.jsonl", args, log)
            counts = dict(collections.Counter(result.outcomes.values()))
            log(f"  {test_file} with {mode}: {counts} in {result.seconds:.0f} s")
            with lock:
                results[(test_file, mode)] = result

    threads = [threading.Thread(target=worker) for _ in range(max(1, args.jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    cpu_after = os.times()
    report = {
        "environment": {
            "sklearn": sklearn.__version__,
            "fastreg": fastreg.__version__,
            "fastreg_path": str(fastreg_path.parent),
            "python": sys.version.split()[0],
            "pytest": pytest.__version__,
        },
        "substituted_names": names,
        "threshold": args.threshold,
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(
            cpu_after.children_user
            - cpu_before.children_user
            + cpu_after.children_system
            - cpu_before.children_system,
            1,
        ),
        "files": {},
    }
    status = 0
    for test_file in args.files:
        baseline, substituted = results[(test_file, "sklearn")], results[(test_file, "fastreg")]
        entry = compare(baseline, substituted)
        entry["problems"] = problems[test_file] + [
            f"collection with {mode}: {one_line(error)}"
            for mode, run in (("sklearn", baseline), ("fastreg", substituted))
            for error in run.collection_errors
        ]
        entry["seconds"] = {"sklearn": baseline.seconds, "fastreg": substituted.seconds}
        entry["restarts"] = {"sklearn": baseline.restarts, "fastreg": substituted.restarts}
        report["files"][test_file] = entry
        if entry["sklearn_passed"] == 0:
            status = 2
        elif entry["percent"] < args.threshold and status == 0:
            status = 1

    text = markdown_report(report)
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    if args.keep:
        log(f"work directory kept: {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    for test_file, entry in report["files"].items():
        log(
            f"{test_file}: {entry['fastreg_passed']}/{entry['sklearn_passed']} "
            f"({entry['percent']:.1f} %)"
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
