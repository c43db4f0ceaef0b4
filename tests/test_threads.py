"""n_jobs is capped at the CPUs the process may use (affinity and cgroup quota), with
joblib's negative values; a huge n_jobs neither hangs nor starts that many threads."""

import json
import os
import subprocess
import sys
import textwrap

import pytest
from fastreg import _validation


def _cgroup_v2(tmp_path, cpu_max):
    (tmp_path / "proc_cgroup").write_text("0::/job\n")
    (tmp_path / "cg" / "job").mkdir(parents=True)
    (tmp_path / "cg" / "job" / "cpu.max").write_text(cpu_max)
    return {"cgroup_root": str(tmp_path / "cg"), "proc_cgroup": str(tmp_path / "proc_cgroup")}


@pytest.mark.parametrize(
    "cpu_max, expected",
    [("max 100000\n", 8), ("300000 100000\n", 3), ("150000 100000\n", 1), ("20000 100000\n", 1)],
)
def test_cap_follows_cgroup_v2_quota(tmp_path, monkeypatch, cpu_max, expected):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    assert _validation.usable_cpu_count(**_cgroup_v2(tmp_path, cpu_max)) == expected


def test_cap_follows_cgroup_v1_quota_and_parent(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)), raising=False)
    (tmp_path / "proc_cgroup").write_text("4:memory:/a/b\n3:cpu,cpuacct:/a/b\n")
    group = tmp_path / "cg" / "cpu,cpuacct" / "a" / "b"
    group.mkdir(parents=True)
    (group / "cpu.cfs_quota_us").write_text("-1\n")
    (group / "cpu.cfs_period_us").write_text("100000\n")
    # the parent's quota binds the child
    (group.parent / "cpu.cfs_quota_us").write_text("400000\n")
    (group.parent / "cpu.cfs_period_us").write_text("100000\n")
    kw = {"cgroup_root": str(tmp_path / "cg"), "proc_cgroup": str(tmp_path / "proc_cgroup")}
    assert _validation.usable_cpu_count(**kw) == 4


def test_cap_follows_affinity(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 3, 5}, raising=False)
    assert _validation.usable_cpu_count(**_cgroup_v2(tmp_path, "max 100000\n")) == 3
    missing = {"cgroup_root": str(tmp_path / "none"), "proc_cgroup": str(tmp_path / "none")}
    assert _validation.usable_cpu_count(**missing) == 3


@pytest.mark.parametrize(
    "n_jobs, expected",
    [
        (None, None),
        (1, 1),
        (3, 3),
        (8, 8),
        (9, 8),
        (10**4, 8),
        (10**30, 8),
        (-1, 8),
        (-2, 7),
        (-8, 1),
        (-9, 1),
        (-(10**9), 1),
    ],
)
def test_n_jobs_as_joblib_capped(monkeypatch, n_jobs, expected):
    monkeypatch.setattr(_validation, "usable_cpu_count", lambda: 8)
    assert _validation.check_n_jobs(n_jobs) == expected


@pytest.mark.parametrize("n_jobs, error", [(0, ValueError), (1.5, TypeError), (True, TypeError)])
def test_bad_n_jobs(n_jobs, error):
    with pytest.raises(error, match="n_jobs"):
        _validation.check_n_jobs(n_jobs)


SCRIPT = textwrap.dedent(
    """
    import json, os, time
    import numpy as np
    import fastreg

    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 5))
    y = X @ rng.standard_normal(5) + 0.1 * rng.standard_normal(30)
    big = 10**4
    start = time.perf_counter()
    fastreg.Ridge(n_jobs=big).fit(X, y)
    fastreg.RidgeCV(cv=3, n_jobs=big).fit(X, y)
    fastreg.LassoCV(cv=3, n_jobs=big).fit(X, y)
    fastreg.enet_path(X, y, n_jobs=big)
    fastreg.path(X, y, n_jobs=big)
    elapsed = time.perf_counter() - start
    print(json.dumps({"threads": len(os.listdir("/proc/self/task")),
                      "usable": len(os.sched_getaffinity(0)), "elapsed": elapsed}))
    """
)


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs /proc")
def test_huge_n_jobs_neither_hangs_nor_floods_threads():
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=True
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    # the main thread, rayon's global pool and a few cached pools of at most `usable` threads
    assert got["threads"] <= 1 + 4 * got["usable"] + 4, got
