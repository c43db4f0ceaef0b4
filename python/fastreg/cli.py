"""Command-line entry point: ``fastreg fit`` fits a model to a CSV file or to a built-in
dataset and prints a readable summary."""

from __future__ import annotations

import argparse
import csv
import sys
import time

import numpy as np


def _read_csv(path, target, sep):
    with open(path, newline="") as fh:
        text = fh.read()
    if sep is None:
        try:
            sep = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t").delimiter
        except csv.Error:
            sep = ","
    rows = list(csv.reader(text.splitlines(), delimiter=sep))
    if len(rows) < 2:
        raise SystemExit(f"fastreg: {path} needs a header row and at least one data row")
    header = [h.strip() for h in rows[0]]
    if target is None:
        target = header[-1]
    if target not in header:
        raise SystemExit(f"fastreg: target column {target!r} not in {header}")
    try:
        data = np.array([[float(v) for v in r] for r in rows[1:] if r], dtype=np.float64)
    except ValueError as exc:
        raise SystemExit(f"fastreg: {path} has a non-numeric value: {exc}") from None
    t = header.index(target)
    names = [h for i, h in enumerate(header) if i != t]
    return np.delete(data, t, axis=1), data[:, t], names, target


def _builtin(name):
    from sklearn import datasets

    if name != "diabetes":
        raise SystemExit(f"fastreg: unknown built-in dataset {name!r} (known: diabetes)")
    d = datasets.load_diabetes()
    return d.data, d.target, list(d.feature_names), "disease progression"


def _l1_ratios(text):
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number or comma-separated numbers: {text!r}")
    if not values:
        raise argparse.ArgumentTypeError("empty l1_ratio")
    return values


def _fit(args):
    from . import ElasticNet, Lasso

    if args.csv:
        X, y, names, target = _read_csv(args.csv, args.target, args.sep)
        source = args.csv
    else:
        X, y, names, target = _builtin(args.dataset)
        source = f"built-in '{args.dataset}' data (scikit-learn)"
    if args.cv is not None:
        from ._cv_cli import fit_cv

        return fit_cv(args, X, y, names, target, source)
    if args.plot:
        raise ValueError("--plot needs --cv")
    if len(args.l1_ratio) != 1:
        raise ValueError("several --l1-ratio values need --cv")
    args.l1_ratio = args.l1_ratio[0]
    if args.model == "lasso":
        model = Lasso(alpha=args.alpha, max_iter=args.max_iter, tol=args.tol)
    else:
        model = ElasticNet(
            alpha=args.alpha, l1_ratio=args.l1_ratio, max_iter=args.max_iter, tol=args.tol
        )
    start = time.perf_counter()
    model.fit(X, y)
    elapsed = time.perf_counter() - start
    r2 = model.score(X, y)
    nz = np.flatnonzero(model.coef_)
    out = sys.stdout
    print(f"fastreg {model.__class__.__name__} on {source}", file=out)
    print(f"  samples: {X.shape[0]}, features: {X.shape[1]}, target: {target}", file=out)
    mix = f", l1_ratio={model.l1_ratio:g}" if args.model == "elasticnet" else ""
    print(f"  alpha={model.alpha:g}{mix}", file=out)
    print(f"  non-zero coefficients: {len(nz)} of {X.shape[1]}", file=out)
    width = max([len(names[j]) for j in nz] + [9])
    for j in nz[np.argsort(-np.abs(model.coef_[nz]))]:
        print(f"    {names[j]:<{width}}  {model.coef_[j]: .6g}", file=out)
    print(f"    {'intercept':<{width}}  {model.intercept_: .6g}", file=out)
    print(f"  R² (training): {r2:.4f}", file=out)
    print(f"  duality gap: {model.dual_gap_:.3e}   iterations: {model.n_iter_}", file=out)
    print(f"  fit time: {elapsed * 1e3:.2f} ms", file=out)
    return 0


def main(argv=None):
    from . import __version__

    parser = argparse.ArgumentParser(prog="fastreg", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"fastreg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    fit = sub.add_parser("fit", help="fit a model and print a summary")
    fit.add_argument("csv", nargs="?", help="CSV file with a header row (default: built-in data)")
    fit.add_argument("--target", help="response column (default: the last column)")
    fit.add_argument("--sep", help="field separator (default: detected)")
    fit.add_argument("--dataset", default="diabetes", help="built-in dataset when no CSV is given")
    fit.add_argument("--model", choices=["lasso", "elasticnet"], default="lasso")
    fit.add_argument("--alpha", type=float, default=1.0)
    fit.add_argument(
        "--l1-ratio",
        type=_l1_ratios,
        default=[0.5],
        help="mixing parameter; with --cv, comma-separated values to compare",
    )
    fit.add_argument("--max-iter", type=int, default=1000)
    fit.add_argument("--tol", type=float, default=1e-4)
    fit.add_argument(
        "--cv", type=int, metavar="K", help="choose alpha (and l1_ratio) by K-fold cross-validation"
    )
    fit.add_argument("--plot", metavar="FILE.png", help="with --cv: save the CV error plot")
    args = parser.parse_args(argv)
    try:
        return _fit(args)
    except (ValueError, TypeError) as exc:
        print(f"fastreg: error: {exc}", file=sys.stderr)
        return 2
