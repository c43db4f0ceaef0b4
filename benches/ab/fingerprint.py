"""Fingerprint of a build for a restructuring that must not change answers: epochs per α,
objectives, gaps and coefficient sums of every path-suite problem (benches/problems.py) at four
tolerances and two l1_ratios, plus Lasso / ElasticNet / LassoCV / Ridge / RidgeCV fits.

    python benches/ab/fingerprint.py REPO_ROOT OUT.npz [--quick]   # with the build to check
    python benches/ab/fingerprint.py --compare A.npz B.npz         # "identical epochs everywhere"
"""

import sys
import time

import numpy as np


def run(root, out, quick):
    sys.path.insert(0, f"{root}/benches")
    import fastreg
    import problems
    import scipy.sparse as sp

    res = {}
    names = ["wine", "genomic", "wide-dense", "sparse-text", "tall-dense", "very-sparse"]
    if quick:
        names = names[:4]
    for name in names:
        d = problems.build(name, seed=0)
        for tol in (1e-2, 1e-4, 1e-6, 1e-10):
            if name == "very-sparse" and tol == 1e-10:
                continue
            t = time.perf_counter()
            for l1 in (1.0, 0.5):
                if l1 != 1.0 and name in ("very-sparse", "tall-dense"):
                    continue
                p = fastreg.path(d.X, d.y, alphas=d.lambdas, tol=tol, l1_ratio=l1, max_iter=100_000)
                key = f"{name}/tol{tol:g}/l1{l1}"
                c = p.coef_.toarray() if sp.issparse(p.coef_) else np.asarray(p.coef_)
                res[key + "/n_iter"] = np.asarray(p.n_iter_)
                res[key + "/obj"] = np.asarray(p.objective_)
                res[key + "/gap"] = np.asarray(p.dual_gap_)
                res[key + "/coef_sum"] = np.abs(c).sum(axis=0)
                res[key + "/kkt"] = np.asarray([p.kkt_resolves_])
            print(f"{name} tol {tol:g}: {time.perf_counter() - t:.2f}s", flush=True)
        if name in ("wine", "genomic", "wide-dense", "sparse-text"):
            X, y = d.X, d.y
            a = d.lambdas[30]
            for cls, kw in [
                (fastreg.Lasso, {}),
                (fastreg.ElasticNet, {"l1_ratio": 0.5}),
                (fastreg.Lasso, {"precompute": True} if not sp.issparse(X) else {}),
            ]:
                m = cls(alpha=a, tol=1e-8, max_iter=100000, **kw).fit(X, y)
                key = f"{name}/{cls.__name__}{sorted(kw.items())}"
                res[key + "/n_iter"] = np.asarray([m.n_iter_])
                res[key + "/coef"] = np.asarray(m.coef_)
                res[key + "/gap"] = np.asarray([m.dual_gap_])
            m = fastreg.LassoCV(cv=3, alphas=d.lambdas[:40]).fit(X, y)
            res[f"{name}/LassoCV/mse"] = np.asarray(m.mse_path_)
            res[f"{name}/LassoCV/coef"] = np.asarray(m.coef_)
            if sp.issparse(X):
                np.savez(out, **res)
                continue
            m = fastreg.RidgeCV(alphas=[0.1, 1.0, 10.0]).fit(X, y)
            res[f"{name}/RidgeCV/coef"] = np.asarray(m.coef_)
            for solver in ("auto", "sparse_cg"):
                m = fastreg.Ridge(alpha=1.0, solver=solver).fit(X, y)
                res[f"{name}/Ridge-{solver}/coef"] = np.asarray(m.coef_)
        np.savez(out, **res)
    np.savez(out, **res)


def compare(a, b):
    A, B = np.load(a), np.load(b)
    bad = 0
    quick = (
        "very-sparse/tol0.01/l11.0/n_iter" not in B or "very-sparse/tol0.01/l11.0/n_iter" not in A
    )
    for k in sorted(set(A) | set(B)):
        if (
            (k not in A or k not in B)
            and quick
            and k.split("/")[0] in ("tall-dense", "very-sparse")
        ):
            continue
        if k not in A or k not in B:
            print("missing", k)
            bad += 1
            continue
        x, y = A[k], B[k]
        if k.endswith("/n_iter") or k.endswith("/kkt"):
            if x.shape != y.shape or not np.array_equal(x, y):
                print(
                    f"EPOCHS DIFFER {k}: total {x.sum()} vs {y.sum()}; first diff at",
                    np.flatnonzero(x != y)[:5] if x.shape == y.shape else "shape",
                )
                bad += 1
        else:
            if x.shape != y.shape:
                print("shape", k)
                bad += 1
                continue
            scale = max(np.max(np.abs(x)), 1e-300)
            d = np.max(np.abs(x - y)) / scale if x.size else 0.0
            if d > 0:
                print(f"value diff {k}: rel {d:.2e}" + ("  <-- LARGE" if d > 1e-9 else ""))
                bad += d > 1e-9
    print("identical epochs everywhere" if bad == 0 else f"{bad} differences")


if __name__ == "__main__":
    if sys.argv[1] == "--compare":
        compare(sys.argv[2], sys.argv[3])
    else:
        run(sys.argv[1], sys.argv[2], "--quick" in sys.argv)
