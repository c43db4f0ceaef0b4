"""benches/bench_cv.py in --smoke mode: it runs end to end on the suite's smoke sizes and writes
its report. No wall-clock time is asserted (benchmarks are not tests); only that every solver
configuration finished, that fastreg and scikit-learn (and R's cv.glmnet, when installed) agree
on the cross-validation errors, and that every configuration's CV-error accuracy against the
reference run is reported."""

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benches" / "bench_cv.py"

pytest.importorskip("fastreg")
pytest.importorskip("sklearn")


def _r_glmnet():
    if shutil.which("Rscript") is None:
        return False
    return subprocess.run(["Rscript", "-e", "library(glmnet)"], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("cv")
    solvers = "fastreg,scikit-learn" + (",R-glmnet" if _r_glmnet() else "")
    proc = subprocess.run(
        # Tight tolerances, so that the agreement checks the conventions, not the stopping rules;
        # fastreg also at its default, so that one accuracy is not that of the reference.
        [
            sys.executable,
            str(SCRIPT),
            "--smoke",
            "--repeats",
            "1",
            "--timeout",
            "120",
            "--sklearn-timeout",
            "120",
            "--sklearn-tol",
            "1e-10",
            "--fastreg-tol",
            "1e-4,1e-10",
            "--reference-timeout",
            "120",
            "--max-iter",
            "1000000",
            "--r-thresh",
            "1e-14",
            "--fastreg-jobs",
            "1,2",
            "--solvers",
            solvers,
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out, json.loads((out / "cv.json").read_text())


def test_report_written(smoke):
    out, _ = smoke
    text = (out / "cv.md").read_text()
    for name in ("cv-sparse", "cv-wide", "fastreg n_jobs=1", "scikit-learn n_jobs=1"):
        assert name in text


def test_every_configuration_ran_and_agrees(smoke):
    _, res = smoke
    assert set(res["problems"]) == {"cv-sparse", "cv-wide"}
    for name, prob in res["problems"].items():
        for entry in prob["entries"]:
            assert len(entry["times"]) == 1 and not entry["killed"], (name, entry)
        agree = prob["agreement"]
        assert agree["fastreg n_jobs agree (mse_path_ max rel. diff)"] < 1e-12
        # Held-out errors at tight tolerances: the same problems, so the same numbers up to
        # what is left of the stopping rules (the enet's ridge part is the loosest).
        assert agree["fastreg vs scikit-learn: max rel. mse_path_ diff"] < 1e-3
        assert agree["fastreg vs scikit-learn: same alpha_ and l1_ratio_"]
        for key, value in agree.items():
            if key.startswith("R-glmnet") and key.endswith(
                "cvm vs scikit-learn: max rel. diff per l1_ratio"
            ):
                # l1_ratio < 1: glmnet's ridge part is divided by the training fold's sd(y),
                # which the smoke folds leave within 10 % of 1; the Lasso is exact.
                assert max(value[:-1]) < 2e-2 and value[-1] < 1e-4, (name, value)
            elif key.startswith("R-glmnet") and "cvm vs scikit-learn" in key:
                assert value < 2e-2, (name, key, value)


def test_accuracy_against_the_reference(smoke):
    out, res = smoke
    text = (out / "cv.md").read_text()
    for heading in (
        "CV-error accuracy",
        "same choice as reference",
        "reference (fastreg",
    ):
        assert heading in text
    for name, prob in res["problems"].items():
        ref = prob["reference"]
        assert len(ref["times"]) == 1 and not ref["killed"], (name, ref)
        assert ref["cv_error_accuracy"] == 0.0
        assert all(ref["same_choice"].values())
        fastreg_tols = set()
        for entry in prob["entries"]:
            acc = entry["cv_error_accuracy"]
            assert math.isfinite(acc) and acc >= 0, (name, entry)
            assert set(entry["same_choice"]) == {"alpha", "l1_ratio", "alpha_1se"}
            if entry["solver"] == "fastreg":
                fastreg_tols.add(entry["tol"])
                if entry["tol"] == 1e-10:  # the reference's own tolerance
                    assert acc < 1e-8, (name, entry)
        assert fastreg_tols == {1e-4, 1e-10}
