"""``fastreg fit --cv K``: cross-validated fit and summary (kept apart from cli.py so that file
only dispatches)."""

from __future__ import annotations

import sys
import time

import numpy as np
from sklearn.model_selection import KFold


def fit_cv(args, X, y, names, target, source):
    from ._cv import ElasticNetCV, LassoCV

    if args.cv < 2:
        raise ValueError(f"--cv needs at least 2 folds, got {args.cv}")
    folds = KFold(args.cv, shuffle=True, random_state=0)
    common = {"cv": folds, "max_iter": args.max_iter, "tol": args.tol, "n_jobs": -1}
    if args.model == "lasso":
        model = LassoCV(**common)
    else:
        model = ElasticNetCV(l1_ratio=args.l1_ratio, **common)
    start = time.perf_counter()
    model.fit(X, y)
    elapsed = time.perf_counter() - start
    mean = np.atleast_2d(model.mse_mean_path_)
    se = np.atleast_2d(model.mse_se_path_)
    ratios = list(model.l1_ratios_)
    best = ratios.index(getattr(model, "l1_ratio_", 1.0))
    alphas = np.atleast_2d(model.alphas_)
    grid = alphas[best] if alphas.shape[0] > 1 else alphas[0]
    i_min = int(np.flatnonzero(grid == model.alpha_min_)[0])
    i_1se = int(np.flatnonzero(grid == model.alpha_1se_)[0])
    nz = np.flatnonzero(model.coef_)
    out = sys.stdout
    print(f"fastreg {model.__class__.__name__} ({args.cv}-fold CV) on {source}", file=out)
    print(f"  samples: {X.shape[0]}, features: {X.shape[1]}, target: {target}", file=out)
    if args.model == "elasticnet":
        tried = ", ".join(f"{r:g}" for r in ratios)
        print(f"  l1_ratio: {model.l1_ratio_:g} (tried {tried})", file=out)
    print(
        f"  alpha (min CV error): {model.alpha_min_:.6g}   CV error {mean[best, i_min]:.6g}"
        f" ± {se[best, i_min]:.3g}",
        file=out,
    )
    print(
        f"  alpha (1-SE rule):    {model.alpha_1se_:.6g}   CV error {mean[best, i_1se]:.6g}"
        f" ± {se[best, i_1se]:.3g}",
        file=out,
    )
    print(
        f"  refit at alpha={model.alpha_:.6g}: non-zero coefficients {len(nz)} of {X.shape[1]}",
        file=out,
    )
    width = max([len(names[j]) for j in nz] + [9])
    for j in nz[np.argsort(-np.abs(model.coef_[nz]))]:
        print(f"    {names[j]:<{width}}  {model.coef_[j]: .6g}", file=out)
    print(f"    {'intercept':<{width}}  {model.intercept_: .6g}", file=out)
    print(f"  fit time: {elapsed * 1e3:.2f} ms (CV and refit)", file=out)
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        axes = model.plot()
        axes[0].figure.tight_layout()
        axes[0].figure.savefig(args.plot, dpi=120)
        print(f"  CV plot saved to {args.plot}", file=out)
    return 0
