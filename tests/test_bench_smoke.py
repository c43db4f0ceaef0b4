"""The benchmark harness in --smoke mode: it runs end to end and writes what it promises. Only
fastreg and scikit-learn are required; no wall-clock time is asserted (benchmarks are not
tests), only the structure and the finiteness of what the harness measured."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "benches" / "run.py"
PROBLEMS = ["wide-dense", "tall-dense", "sparse-text", "very-sparse", "genomic"]
SOLVERS = ["fastreg", "scikit-learn"]

pytest.importorskip("fastreg")
pytest.importorskip("sklearn")
pytest.importorskip("threadpoolctl")
pytest.importorskip("matplotlib")
pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    proc = subprocess.run(
        [
            sys.executable,
            str(RUN),
            "--smoke",
            "--threads",
            "1",
            "--problems",
            ",".join(PROBLEMS),
            "--solvers",
            ",".join(SOLVERS),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


def test_outputs_written(smoke_run):
    assert (smoke_run / "bench-threads1.json").is_file()
    assert (smoke_run / "time_vs_accuracy-threads1.png").stat().st_size > 1000
    table = (smoke_run / "results.md").read_text()
    for name in PROBLEMS + SOLVERS:
        assert name in table


def test_every_problem_and_solver_measured(smoke_run):
    res = json.loads((smoke_run / "bench-threads1.json").read_text())
    assert res["threads"] == 1 and res["smoke"]
    assert sorted(res["problems"]) == sorted(PROBLEMS)
    for name, pr in res["problems"].items():
        assert sorted(pr["solvers"]) == sorted(SOLVERS), name
        assert pr["floor"]["Xt_r"] > 0
        # The reference is certified by a dual bound, independently of any solver.
        assert 0 <= pr["certified_rel_gap"] < 1e-6, name
        for sname, s in pr["solvers"].items():
            assert "error" not in s, (name, sname, s.get("error"))
            assert len(s["rungs"]) >= 2, (name, sname)
            for rung in s["rungs"]:
                assert len(rung["times"]) >= 1 and all(t > 0 for t in rung["times"])
                assert len(rung["objectives"]) == len(pr["lambdas"])
                assert math.isfinite(rung["accuracy"]) and rung["accuracy"] >= 0, (
                    name,
                    sname,
                )
            # The default tolerance (1e-4 for both) is on the ladder and scored.
            assert s["default"] is not None and math.isfinite(s["default"]["accuracy"])
            # Both solve the same problem: the tightest rung is close to the optimum.
            assert min(r["accuracy"] for r in s["rungs"]) < 1e-6, (name, sname)


def test_accuracy_tracks_tolerance(smoke_run):
    """A much tighter tolerance never gives a much worse objective: the harness scores what it
    times, not a stale result."""
    res = json.loads((smoke_run / "bench-threads1.json").read_text())
    for name, pr in res["problems"].items():
        for sname, s in pr["solvers"].items():
            loose, tight = s["rungs"][0], s["rungs"][-1]
            assert tight["tol"] < loose["tol"]
            assert tight["accuracy"] <= max(loose["accuracy"], 1e-12) * 10, (
                name,
                sname,
            )
