"""Command-line entry point: ``fastreg fit`` fits a model to a CSV file or to a built-in
dataset and prints a readable summary. Every bad input ends in one line on stderr and one of
the exit statuses in ``EXIT_STATUS_HELP``, never in a traceback."""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import sys
import time
import warnings

import numpy as np

EXIT_USAGE = 2  # argparse's own status for a usage error
EXIT_DATA = 3
EXIT_FIT = 4
EXIT_INTERRUPTED = 130  # what a shell reports for a program killed by SIGINT: 128 + 2
EXIT_OUTPUT_CLOSED = 141  # and by SIGPIPE: 128 + 13

EXIT_STATUS_HELP = """\
exit status:
  0    success
  2    usage error: an unknown, invalid or conflicting option
  3    data error: a file cannot be read or written, or the CSV is not a table of
       numbers with a header row
  4    the fit failed (the message says why)
  130  interrupted (Ctrl-C)
  141  the output was closed early (e.g. piped into head); nothing is printed
  (1 means an unexpected error: a bug, reported with a traceback; please file it)"""

DEFAULT_ALPHA = 1.0
DEFAULT_L1_RATIO = 0.5
DATASETS = {"diabetes": "disease progression"}  # built-in data: the name of its target


class DataError(SystemExit):
    """The data cannot be used: a SystemExit with status 3 whose ``str`` is the message.

    A SystemExit, as data errors always were, so that in-process callers that catch SystemExit
    keep working; ``main`` prints the message before letting it through, and the interpreter
    then exits with the status without printing anything more."""

    def __init__(self, message):
        super().__init__(EXIT_DATA)
        self.message = message

    def __str__(self):
        return self.message


class FitError(Exception):
    """The estimator could not fit the data (exit status 4)."""


# ----------------------------------------------------------------------------- reading data


def _read_csv(path, target, sep):
    """Read a table of numbers with a header row as ``pandas.read_csv`` does: UTF-8 with or
    without a byte-order mark (Excel), blank lines skipped, separator sniffed from the header.
    Returns X, y, the feature names and the target's name; errors name the file, the line (as
    an editor numbers it) and the column."""
    text = _read_text(path)
    first_line = next((line for line in text.splitlines() if line.strip()), None)
    if first_line is None:
        raise DataError(f"{path}: empty file (no header row, no data)")
    if sep is None:
        try:
            sep = csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
        except csv.Error:
            sep = ","
    header, rows, line_numbers = _split_rows(path, text, sep)
    target, names = _check_header(path, header, target, sep)
    if len(rows) < 2:
        raise DataError(f"{path}: needs at least 2 data rows below the header, has {len(rows)}")
    for fields, line in zip(rows, line_numbers):
        if len(fields) != len(header):
            raise DataError(
                f"{path}, line {line}: {len(fields)} fields, but the header has {len(header)}"
                f" (separator {_show_sep(sep)})"
            )
    data = _to_numbers(path, header, rows, line_numbers)
    t = header.index(target)
    return np.delete(data, t, axis=1), data[:, t], names, target


def _read_text(path):
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return fh.read()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a directory, not a CSV file") from None
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start});"
            " save it as UTF-8 CSV"
        ) from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _is_blank(fields):
    # What csv.reader yields for an empty or whitespace-only line; pandas skips such lines.
    return len(fields) <= 1 and not "".join(fields).strip()


def _split_rows(path, text, sep):
    """The header (None if there is no line), the data rows as lists of strings, and the line
    on which each row ends (a quoted field may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header, rows, line_numbers = None, [], []
    try:
        for fields in reader:
            if _is_blank(fields):
                continue
            if header is None:
                header = [name.strip() for name in fields]
            else:
                rows.append(fields)
                line_numbers.append(reader.line_num)
    except csv.Error as exc:
        raise DataError(f"{path}, line {reader.line_num}: {exc}") from None
    return header, rows, line_numbers


def _to_numbers(path, header, rows, line_numbers):
    """The rows as a float64 array; a DataError naming the first field that is not a finite
    number. numpy parses the lot; only on failure is the culprit looked for field by field."""
    try:
        data = np.array(rows, dtype=np.float64)
    except ValueError:
        data = None
    if data is not None and np.isfinite(data).all():
        return data
    for fields, line in zip(rows, line_numbers):
        for name, field in zip(header, fields):
            problem = _field_problem(field)
            if problem:
                raise DataError(f"{path}, line {line}, column {name!r}: {problem}")
    # numpy refused a spelling that float() accepts
    return np.array([[float(field) for field in fields] for fields in rows])


def _check_header(path, header, target, sep):
    """The target and feature names; a DataError unless the header names the target once and
    at least one feature."""
    if header is None:
        raise DataError(f"{path}: empty file (no header row, no data)")
    for j, name in enumerate(header):
        if not name:
            raise DataError(f"{path}: header column {j + 1} has no name")
    if target is None:
        target = header[-1]
    if target not in header:
        raise DataError(
            f"{path}: target column {target!r} not in the header (columns: {', '.join(header)};"
            f" separator {_show_sep(sep)})"
        )
    if header.count(target) > 1:
        raise DataError(f"{path}: target column {target!r} appears more than once in the header")
    if len(header) < 2:
        raise DataError(f"{path}: no feature column besides the target {target!r}")
    return target, [name for name in header if name != target]


def _field_problem(field):
    """Why a CSV field is not a usable number, or None if it is one."""
    try:
        value = float(field)
    except ValueError:
        if not field.strip():
            return "empty value (missing values are not supported)"
        return f"{field.strip()!r} is not a number"
    if not np.isfinite(value):
        return f"{field.strip()!r} is not a finite number"
    return None


def _show_sep(sep):
    return "tab" if sep == "\t" else repr(sep)


def _builtin(name):
    from sklearn import datasets

    d = getattr(datasets, f"load_{name}")()
    return d.data, d.target, list(d.feature_names), DATASETS[name]


# ----------------------------------------------------------------------------- fitting


@contextlib.contextmanager
def warnings_as_lines():
    """Show each kind of warning raised inside as one ``fastreg: warning:`` line on stderr
    (a CV fit can raise the same ConvergenceWarning for many folds)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    seen = {}
    for w in caught:
        lines = str(w.message).strip().splitlines() or [w.category.__name__]
        seen.setdefault(w.category, []).append(lines[0])
    for messages in seen.values():
        more = f" (and {len(messages) - 1} more like it)" if len(messages) > 1 else ""
        print(f"fastreg: warning: {messages[0]}{more}", file=sys.stderr)


def fit_model(model, X, y):
    """``model.fit(X, y)``; what the estimator raises about the data becomes a FitError."""
    try:
        return model.fit(X, y)
    except (ValueError, ArithmeticError, MemoryError) as exc:  # LinAlgError is a ValueError
        lines = str(exc).strip().splitlines()
        reason = lines[0] if lines else type(exc).__name__
        raise FitError(f"{type(model).__name__} fit failed: {reason}") from exc


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
    if args.model == "lasso":
        model = Lasso(alpha=args.alpha, max_iter=args.max_iter, tol=args.tol)
    else:
        model = ElasticNet(
            alpha=args.alpha, l1_ratio=args.l1_ratio[0], max_iter=args.max_iter, tol=args.tol
        )
    with warnings_as_lines():
        start = time.perf_counter()
        fit_model(model, X, y)
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


# ----------------------------------------------------------------------------- options


def _number(name, *, low=None, high=None, low_open=False, kind=float):
    """An argparse type: a finite number of ``kind`` in the given range."""

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"not {'an integer' if kind is int else 'a number'}: {text!r}"
            ) from None
        if not np.isfinite(value):
            raise argparse.ArgumentTypeError(f"{name} must be finite, got {text!r}")
        if low is not None and (value <= low if low_open else value < low):
            raise argparse.ArgumentTypeError(
                f"{name} must be {'>' if low_open else '>='} {low}, got {text}"
            )
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"{name} must be <= {high}, got {text}")
        return value

    return parse


def _l1_ratios(text):
    check = _number("l1_ratio", low=0, high=1)
    values = [check(v.strip()) for v in text.split(",") if v.strip()]
    if not values:
        raise argparse.ArgumentTypeError(f"no value in {text!r}")
    return values


def _separator(text):
    sep = "\t" if text in ("tab", "\\t") else text
    if len(sep) != 1 or sep in '"\r\n':
        raise argparse.ArgumentTypeError(f"one character or 'tab', not {text!r}")
    return sep


def _plot_file(text):
    folder = os.path.dirname(text) or "."
    if not os.path.isdir(folder):
        raise argparse.ArgumentTypeError(f"folder {folder!r} does not exist")
    # Without a suffix matplotlib would add ".png" itself, and the summary name another file.
    return text if os.path.splitext(text)[1] else f"{text}.png"


def _build_parser():
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="fastreg",
        description="Fit L1 (Lasso) and elastic-net regression models from the command line.",
        epilog=EXIT_STATUS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"fastreg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    fit = sub.add_parser(
        "fit",
        help="fit a model and print a summary (fastreg fit --help)",
        description="Fit a Lasso or an elastic net to a CSV file (a header row, then one row\n"
        "of numbers per sample) or to built-in data, and print the non-zero coefficients,\n"
        "intercept, R², duality gap and fit time.",
        epilog=EXIT_STATUS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fit.add_argument(
        "csv",
        nargs="?",
        metavar="CSV",
        help="CSV file: UTF-8 (a byte-order mark is fine), a header row, blank lines skipped"
        " (default: the built-in --dataset)",
    )
    fit.add_argument("--target", metavar="COLUMN", help="response column (default: the last)")
    fit.add_argument(
        "--sep",
        type=_separator,
        metavar="CHAR",
        help="field separator, one character or 'tab' (default: detected among , ; and tab)",
    )
    fit.add_argument(
        "--dataset",
        choices=list(DATASETS),
        help="built-in dataset, used when no CSV is given (default: diabetes)",
    )
    fit.add_argument(
        "--model",
        choices=["lasso", "elasticnet"],
        default="lasso",
        help="penalty: L1, or a mix of L1 and L2 (default: %(default)s)",
    )
    fit.add_argument(
        "--alpha",
        type=_number("alpha", low=0),
        help="penalty strength, >= 0; not with --cv, which chooses it"
        f" (default: {DEFAULT_ALPHA:g})",
    )
    fit.add_argument(
        "--l1-ratio",
        type=_l1_ratios,
        metavar="R[,R...]",
        help="with --model elasticnet: the L1 share of the penalty, in [0, 1]; with --cv,"
        f" comma-separated values to compare (default: {DEFAULT_L1_RATIO:g})",
    )
    fit.add_argument(
        "--max-iter",
        type=_number("max_iter", low=1, kind=int),
        default=1000,
        metavar="N",
        help="most coordinate-descent epochs (default: %(default)s)",
    )
    fit.add_argument(
        "--tol",
        type=_number("tol", low=0),
        default=1e-4,
        help="stop when the duality gap is below tol * var(y) (default: %(default)g)",
    )
    fit.add_argument(
        "--cv",
        type=_number("K", low=2, kind=int),
        metavar="K",
        help="choose alpha (and l1_ratio) by K-fold cross-validation, K >= 2",
    )
    fit.add_argument(
        "--plot", type=_plot_file, metavar="FILE.png", help="with --cv: save the CV error plot"
    )
    return parser, fit


def _check_combination(fit, args):
    """Options that make no sense together are usage errors naming both, as argparse reports
    mutually exclusive ones (it cannot express these: they depend on values)."""
    if args.csv and args.dataset:
        fit.error("argument --dataset: not allowed with a CSV file")
    for option in ("target", "sep"):
        if not args.csv and getattr(args, option) is not None:
            fit.error(f"argument --{option}: needs a CSV file (built-in data has its own)")
    if args.cv is not None and args.alpha is not None:
        fit.error("argument --alpha: not allowed with argument --cv (cross-validation chooses it)")
    if args.model == "lasso" and args.l1_ratio is not None:
        fit.error(
            "argument --l1-ratio: not allowed with argument --model lasso"
            " (a Lasso's l1_ratio is 1; use --model elasticnet)"
        )
    if args.plot and args.cv is None:
        fit.error("argument --plot: needs argument --cv")
    if args.l1_ratio is not None and args.cv is None and len(args.l1_ratio) > 1:
        fit.error("argument --l1-ratio: several values need argument --cv")
    if args.l1_ratio is not None and args.cv is not None and 0 in args.l1_ratio:
        fit.error(
            "argument --l1-ratio: 0 is not allowed with argument --cv (no automatic alpha grid"
            " for a pure ridge penalty)"
        )
    if args.plot:
        try:
            from matplotlib.backend_bases import FigureCanvasBase
        except ImportError:
            fit.error("argument --plot: needs matplotlib (pip install 'fastreg[plot]')")
        suffix = os.path.splitext(args.plot)[1].lstrip(".").lower()
        formats = FigureCanvasBase.get_supported_filetypes()
        if suffix and suffix not in formats:
            fit.error(
                f"argument --plot: unknown image type {suffix!r} (known: {', '.join(formats)})"
            )


def main(argv=None):
    """Run ``fastreg`` with ``argv`` (default: ``sys.argv[1:]``).

    Returns the exit status: 0, or after one line on stderr 2 (usage), 4 (the fit failed) or
    130 (interrupted); 141 if stdout was closed. A data error prints its line and raises
    ``DataError``, a SystemExit with status 3.
    """
    parser, fit = _build_parser()
    try:
        args = parser.parse_args(argv)
        _check_combination(fit, args)
    except SystemExit as exc:  # argparse has printed the usage and the error, or the help
        return exc.code
    args.dataset = args.dataset or (None if args.csv else "diabetes")
    args.alpha = DEFAULT_ALPHA if args.alpha is None else args.alpha
    args.l1_ratio = args.l1_ratio or [DEFAULT_L1_RATIO]
    try:
        return _fit(args)
    except DataError as exc:
        print(f"fastreg: error: {exc}", file=sys.stderr)
        raise
    except FitError as exc:
        print(f"fastreg: error: {exc}", file=sys.stderr)
        return EXIT_FIT
    except KeyboardInterrupt:
        print("fastreg: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # As the Python docs advise: stdout goes to devnull so that its flush at exit, into the
        # closed pipe, raises nothing more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OUTPUT_CLOSED
