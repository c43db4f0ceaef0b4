"""Same-session A/B of two fastreg builds: each case runs in a fresh process per build, the builds
alternating (A B, B A, A B) so that load on a shared machine falls on both; prints the median
times and their ratio, and writes benches/ab/result.json. Each build is named by
FASTREG_AB_BEFORE / FASTREG_AB_AFTER as "PYTHON:ROOT": an interpreter with that build of fastreg
installed, and that build's source tree (for benches/problems.py).

    FASTREG_AB_BEFORE=/v1/bin/python:/src1 FASTREG_AB_AFTER=/v2/bin/python:/src2 \
        python benches/ab/compare_builds.py
"""

import json
import os
import statistics
import subprocess

cases = [
    ("path:wine:1e-4", 5),
    ("path:wine:1e-6", 5),
    ("path:genomic:1e-4", 5),
    ("path:genomic:1e-6", 5),
    ("path:wide-dense:1e-4", 3),
    ("path:wide-dense:1e-6", 3),
    ("path:tall-dense:1e-6", 3),
    ("path:sparse-text:1e-4", 3),
    ("path:sparse-text:1e-6", 3),
    ("small:lasso", 5),
    ("cv:wide", 1),
    ("ridge:wide", 3),
    ("ridge:sparse", 3),
    ("ridge:tall", 1),
    ("ridge:cvtall", 1),
    ("path:very-sparse:1e-4", 1),
]
HERE = os.path.dirname(os.path.abspath(__file__))
envs = {
    name: tuple(os.environ[f"FASTREG_AB_{name.upper()}"].split(":", 1))
    for name in ("before", "after")
}
out = {}
for case, rep in cases:
    t = {"before": [], "after": []}
    for rnd in range(3):
        for name in ["before", "after"] if rnd % 2 == 0 else ["after", "before"]:
            py, root = envs[name]
            r = subprocess.run(
                [py, os.path.join(HERE, "time_case.py"), root, case, str(rep)],
                capture_output=True,
                text=True,
                cwd=HERE,
            )
            if r.returncode:
                print(case, name, r.stderr[-500:])
                continue
            t[name] += json.loads(r.stdout.strip().splitlines()[-1])[case]
    mb, ma = statistics.median(t["before"]), statistics.median(t["after"])
    out[case] = dict(before=t["before"], after=t["after"], ratio=ma / mb)
    print(
        f"{case:28s} before {mb:9.4f}s  after {ma:9.4f}s  after/before {ma / mb:5.2f}", flush=True
    )
json.dump(out, open(os.path.join(HERE, "result.json"), "w"), indent=1)
