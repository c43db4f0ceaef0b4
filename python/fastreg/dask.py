"""fastreg on a Dask cluster: Ridge, the elastic net, their paths and exact K-fold CV from one
pass over the data. Each partition's weighted sufficient statistics (:class:`fastreg.GramStats`,
the GIL released) are made on the workers, one task per partition and, for CV, one set per
fold in the same task; a tree of merges reduces them, and the client solves from the reduced
statistics alone, in covariance mode: the answer of the in-memory fit with ``precompute=True``.

Needs the ``dask`` extra (``pip install fastreg[dask]``); ``import fastreg`` does not import Dask.

Inputs follow Dask-ML: ``X`` a ``dask.array`` chunked by rows (column chunks are joined) or a
``dask.dataframe``; ``y`` and ``sample_weight`` dask arrays / series with the same row chunks,
or, with a dataframe, the names of its columns. A row's CV fold is :func:`fold_ids` of its
global row index (a hash, so the folds do not depend on the partitioning), or a column the
user names (``fold_column``). ``partial_fit`` adds chunks (numpy or dask) to the statistics
and refits, so streaming the rows gives the model one ``fit`` gives.

The honest limit: each task and the client hold ``n_folds + 1`` p × p matrices of float64
(the totals and each fold's); above the client's free memory a ``MemoryError`` names the size
before anything is allocated.
"""

from __future__ import annotations

import numbers

import dask
import dask.array as da
import numpy as np
from dask import delayed

from ._core import cross_validate_from_stats, path_from_stats
from ._cv import ElasticNetCV as _ElasticNetCV
from ._cv import LassoCV as _LassoCV
from ._grids import geometric_grid
from ._linear import ElasticNet as _ElasticNet
from ._linear import Lasso as _Lasso
from ._path import Path, _path_grid
from ._ridge import GramStats
from ._ridge import Ridge as _Ridge
from ._ridge import RidgeCV as _RidgeCV
from ._validation import check_feature_options, check_int, check_real, random_seed

__all__ = [
    "ElasticNet",
    "ElasticNetCV",
    "Lasso",
    "LassoCV",
    "Ridge",
    "RidgeCV",
    "fold_ids",
    "path",
    "statistics",
]

_SPLIT_EVERY = 8


def fold_ids(row_index, n_folds, random_state=0):
    """The CV fold of each global row index: a splitmix64 hash of ``row_index`` and
    ``random_state``, modulo ``n_folds``. Use it to reproduce the folds in memory
    (``PredefinedSplit(fold_ids(np.arange(n), k))``)."""
    z = np.asarray(row_index, dtype=np.uint64) + np.uint64(random_state) * np.uint64(
        0x9E3779B97F4A7C15
    )
    with np.errstate(over="ignore"):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z % np.uint64(n_folds)).astype(np.int64)


def _nonfinite_column(x, names):
    """Words naming the first column of ``x`` holding a NaN or an infinity."""
    bad = ~np.isfinite(np.asarray(x, dtype=np.float64)).all(axis=0)
    j = int(np.flatnonzero(bad)[0])
    name = f" ({names[j]!r})" if names is not None else ""
    return f"X column {j}{name} contains NaN or infinity"


def _block_stats(x, y, w, offset, n_folds, folds, seed, names):
    """One partition's statistics: a list of one GramStats per fold (one in all without CV)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    w = None if w is None else np.asarray(w, dtype=np.float64).reshape(-1)
    if n_folds <= 1:
        which = np.zeros(len(y), dtype=np.int64)
    elif folds is not None:
        which = np.asarray(folds).reshape(-1).astype(np.int64)
        if len(which) and (which.min() < 0 or which.max() >= n_folds):
            raise ValueError(
                f"fold_column values must be in [0, {n_folds}), got {which.min()} to {which.max()}"
            )
    else:
        which = fold_ids(np.arange(offset, offset + len(y)), n_folds, seed)
    parts = [GramStats() for _ in range(max(n_folds, 1))]
    for f, part in enumerate(parts):
        rows = which == f
        if not rows.any():
            continue
        try:
            part.update(x[rows], y[rows], None if w is None else w[rows])
        except ValueError:
            if not np.isfinite(x[rows]).all():
                raise ValueError(_nonfinite_column(x[rows], names)) from None
            raise
    return parts


def _merge_parts(*blocks):
    """Fold-wise merge of several partitions' lists of GramStats."""
    out = [GramStats() for _ in blocks[0]]
    for parts in blocks:
        for acc, part in zip(out, parts):
            acc.merge(part)
    return out


def _tree(tasks):
    """Reduce delayed lists of GramStats by merges of at most ``_SPLIT_EVERY`` at a time."""
    merge = delayed(_merge_parts, pure=True)
    while len(tasks) > 1:
        tasks = [merge(*tasks[i : i + _SPLIT_EVERY]) for i in range(0, len(tasks), _SPLIT_EVERY)]
    return tasks[0]


def _is_dask_frame(obj):
    return hasattr(obj, "to_dask_array") and hasattr(obj, "columns")


def _column(frame, spec, what):
    """``spec`` (a column name of ``frame``, or a series) as a series."""
    if spec is None:
        return None
    if isinstance(spec, str):
        if spec not in frame.columns:
            raise ValueError(f"{what} column {spec!r} is not in the dataframe")
        spec = frame[spec]
    return spec


def _inputs(X, y, sample_weight, fold_column):
    """``(blocks, rows, names, p)``: per partition the delayed ``(x, y, w, folds)``, the row
    count of each (None when unknown), the feature names (None for an array), the number of
    features."""
    if _is_dask_frame(X):
        drop = [c for c in (y, sample_weight, fold_column) if isinstance(c, str)]
        yv = _column(X, y, "target")
        wv = _column(X, sample_weight, "sample_weight")
        fv = _column(X, fold_column, "fold")
        feats = X.drop(columns=drop) if drop else X
        names = [str(c) for c in feats.columns]
        parts = [feats.to_delayed()]
        for extra in (yv, wv, fv):
            parts.append(None if extra is None else extra.to_delayed())
        if any(p is not None and len(p) != len(parts[0]) for p in parts[1:]):
            raise ValueError(
                "X, y, sample_weight and the fold column must have the same partitions"
            )
        n = len(parts[0])
        blocks = [tuple(None if p is None else p[i] for p in parts) for i in range(n)]
        return blocks, [None] * n, names, len(names)
    if y is None:
        raise TypeError("y is required: a dask array (or a column name with a dask dataframe)")
    X = da.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got {X.ndim}-D")
    if X.numblocks[1] > 1:
        X = X.rechunk({1: -1})
    rows = X.chunks[0]
    arrays = []
    for name, v in (("y", y), ("sample_weight", sample_weight), ("fold_column", fold_column)):
        if v is None or isinstance(v, numbers.Number):
            arrays.append(None if v is None else da.full(X.shape[0], float(v), chunks=(rows,)))
            continue
        v = da.asarray(v)
        if v.shape[0] != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} samples but {name} has {v.shape[0]}")
        if v.chunks[0] != rows:
            v = v.rechunk({0: rows})
        arrays.append(v.reshape(-1) if v.ndim == 2 and v.shape[1] == 1 else v)
    xb = X.to_delayed().ravel()
    others = [None if a is None else a.to_delayed().ravel() for a in arrays]
    blocks = [
        tuple([xb[i]] + [None if o is None else o[i] for o in others]) for i in range(len(xb))
    ]
    return blocks, list(rows), None, X.shape[1]


def _check_memory(p, n_parts):
    """MemoryError when ``n_parts`` p × p float64 matrices cannot fit on this machine."""
    need = n_parts * p * p * 8
    try:
        import psutil

        free = psutil.virtual_memory().available
    except ImportError:  # pragma: no cover - psutil comes with distributed
        return
    if need > free:
        raise MemoryError(
            f"the statistics of {p} features in {n_parts} parts (totals and folds) need "
            f"{need / 1e9:.1f} GB on the client and in each task; {free / 1e9:.1f} GB is free"
        )


def statistics(X, y=None, sample_weight=None, *, n_folds=1, fold_column=None, random_state=0):
    """One pass over the data on the cluster: a list of one :class:`GramStats` per fold (one
    in all with ``n_folds=1``), made per partition on the workers and merged by a tree.

    With a dask dataframe, ``y``, ``sample_weight`` and ``fold_column`` may be column names
    (dropped from the features). Without ``fold_column`` a row's fold is
    ``fold_ids(global_row_index, n_folds, random_state)``; with a dataframe whose partition
    lengths are unknown they are counted first (one more pass over the partitions)."""
    n_folds = check_int(n_folds, "n_folds")
    blocks, rows, names, p = _inputs(X, y, sample_weight, fold_column)
    _check_memory(p, n_folds + 1)
    offsets = [None] * len(blocks)
    if n_folds > 1 and fold_column is None:
        if rows[0] is None:
            lengths = dask.compute(*[delayed(len)(b[0]) for b in blocks])
            rows = list(lengths)
        offsets = list(np.concatenate([[0], np.cumsum(rows)[:-1]]).astype(np.int64))
    task = delayed(_block_stats, pure=True)
    tasks = [
        task(x, yb, wb, off, n_folds, fb, int(random_state), names)
        for (x, yb, wb, fb), off in zip(blocks, offsets)
    ]
    if not tasks:
        raise ValueError("X has no partitions")
    (parts,) = dask.compute(_tree(tasks))
    return parts


def _total(parts):
    total = GramStats()
    for f in parts:
        total.merge(f)
    return total


def _require(stats, what="the data"):
    core = stats._core
    if core is None or core.weight_sum <= 0:
        raise ValueError(f"{what} has no rows of positive weight")
    return core


def _path_opts(est_or_kw, *, alphas, l1_ratio, n_alphas=100, eps=1e-3):
    get = (
        (lambda k, d=None: est_or_kw.get(k, d))
        if isinstance(est_or_kw, dict)
        else (lambda k, d=None: getattr(est_or_kw, k, d))
    )
    return {
        "alphas": None if alphas is None else [float(a) for a in np.ravel(alphas)],
        "n_alphas": int(n_alphas),
        "eps": float(eps),
        "l1_ratio": float(l1_ratio),
        "fit_intercept": bool(get("fit_intercept", True)),
        "standardize": bool(get("standardize", False)),
        "max_iter": int(get("max_iter", 1000)),
        "tol": float(get("tol", 1e-4)),
        # the estimators stop by scikit-learn's rule, as in memory; ``path`` passes tol 0
        "coef_tol": float(get("tol", 1e-4)),
        "rel_tol": 0.0,
        "positive": bool(get("positive", False)),
        "random_seed": random_seed(get("selection", "cyclic"), get("random_state", None)),
        "screening": True,
        "n_jobs": 1,
        "early_stop": False,
        "precompute": "always",
        "dense_coef": True,
    }


def _options(est, p):
    return check_feature_options(est.penalty_factor, est.lower_bounds, est.upper_bounds, p)


def path(
    X,
    y=None,
    *,
    sample_weight=None,
    l1_ratio=1.0,
    alphas=100,
    eps=1e-3,
    fit_intercept=True,
    standardize=False,
    penalty_factor=None,
    lower_bounds=None,
    upper_bounds=None,
    positive=False,
    tol=1e-6,
    max_iter=100_000,
    early_stop=False,
    selection="cyclic",
    random_state=None,
):
    """:func:`fastreg.path` of data on a cluster (or of a :class:`GramStats`): the same
    parameters (``tol`` relative; the grid computed by the core when ``alphas`` is a count)
    and the same :class:`fastreg.Path`, solved from the statistics of one pass."""
    stats = X if isinstance(X, GramStats) else _total(statistics(X, y, sample_weight))
    core = _require(stats)
    p = core.n_features
    l1_ratio = check_real(l1_ratio, "l1_ratio", low=0.0, high=1.0)
    pf, lo, hi = check_feature_options(penalty_factor, lower_bounds, upper_bounds, p)
    n_grid, eps, alpha_values = _path_grid(alphas, eps, core.count, p)
    kw = {
        "fit_intercept": fit_intercept,
        "standardize": standardize,
        "max_iter": check_int(max_iter, "max_iter"),
        "tol": 0.0,
        "positive": positive,
        "selection": selection,
        "random_state": random_state,
    }
    opts = _path_opts(kw, alphas=alpha_values, l1_ratio=l1_ratio, n_alphas=n_grid, eps=eps)
    opts["rel_tol"] = check_real(tol, "tol", low=0.0)
    opts["early_stop"] = bool(early_stop)
    r = path_from_stats(core, (pf, lo, hi), opts)
    return Path(
        r.alphas,
        np.asarray(r.coefs),
        r.intercepts,
        r.dual_gaps,
        r.objectives,
        r.n_iters,
        r.converged,
        r.dev_ratio,
        l1_ratio,
        r.kkt_resolves,
        fit_intercept,
    )


class _DaskMixin:
    """fit / partial_fit / predict on dask inputs; subclasses solve from statistics
    (``_fit_stats(parts)``, a list of GramStats: one per fold, or one)."""

    def _fold_count(self):
        return 1

    def fit(self, X, y=None, sample_weight=None, *, fold_column=None):
        """Fit from one pass over ``X`` (dask array or dataframe; see the module doc)."""
        k = self._fold_count()
        parts = statistics(
            X,
            y,
            sample_weight,
            n_folds=k,
            fold_column=fold_column,
            random_state=self._fold_seed(),
        )
        self._parts = parts
        self._rows_seen = sum(0 if p._core is None else p._core.count for p in parts)
        self._fit_stats(parts)
        if _is_dask_frame(X):
            drop = {c for c in (y, sample_weight, fold_column) if isinstance(c, str)}
            self.feature_names_in_ = np.asarray(
                [c for c in X.columns if c not in drop], dtype=object
            )
        return self

    def partial_fit(self, X, y=None, sample_weight=None):
        """Add a chunk of rows (numpy or dask) to the statistics and refit; the rows are
        numbered on from those seen, so chunks give the folds one ``fit`` gives."""
        k = self._fold_count()
        if not hasattr(self, "_parts"):
            self._parts = [GramStats() for _ in range(k)]
            self._rows_seen = 0
        if isinstance(X, np.ndarray) or not hasattr(X, "dask"):
            x = np.asarray(X, dtype=np.float64)
            new = _block_stats(
                x, y, sample_weight, self._rows_seen, k, None, self._fold_seed(), None
            )
            n = x.shape[0]
        else:
            blocks, rows, names, p = _inputs(X, y, sample_weight, None)
            if rows[0] is None:
                rows = list(dask.compute(*[delayed(len)(b[0]) for b in blocks]))
            offs = self._rows_seen + np.concatenate([[0], np.cumsum(rows)[:-1]])
            task = delayed(_block_stats, pure=True)
            tasks = [
                task(b[0], b[1], b[2], int(o), k, None, self._fold_seed(), names)
                for b, o in zip(blocks, offs)
            ]
            (new,) = dask.compute(_tree(tasks))
            n = int(sum(rows))
        self._parts = _merge_parts(self._parts, new)
        self._rows_seen += n
        self._fit_stats(self._parts)
        return self

    def _fold_seed(self):
        return 0

    def predict(self, X):
        """``X @ coef_ + intercept_``, lazily for dask inputs."""
        coef = np.asarray(self.coef_, dtype=np.float64)
        intercept = self.intercept_
        if _is_dask_frame(X):
            X = X.to_dask_array()
        if isinstance(X, da.Array):
            if X.numblocks[1] > 1:
                X = X.rechunk({1: -1})
            return X.map_blocks(
                lambda b: np.asarray(b, dtype=np.float64) @ coef.T + intercept,
                drop_axis=1 if coef.ndim == 1 else None,
                dtype=np.float64,
            )
        return np.asarray(X, dtype=np.float64) @ coef.T + intercept


class Ridge(_DaskMixin, _Ridge):
    """:class:`fastreg.Ridge` fitted from one pass over dask data (``Ridge.fit_gram``)."""

    def _fit_stats(self, parts):
        _require(parts[0])
        self.fit_gram(parts[0])


class RidgeCV(_DaskMixin, _RidgeCV):
    """:class:`fastreg.RidgeCV` with K-fold CV (``cv`` an int, default 5) from per-fold
    statistics made in the same pass (``RidgeCV.fit_gram``)."""

    def __init__(self, alphas=(0.1, 1.0, 10.0), *, fit_intercept=True, cv=5, random_state=0):
        super().__init__(alphas=alphas, fit_intercept=fit_intercept, cv=cv)
        self.random_state = random_state

    def _fold_count(self):
        return check_int(self.cv, "cv")

    def _fold_seed(self):
        return int(self.random_state)

    def _fit_stats(self, parts):
        for f, part in enumerate(parts):
            _require(part, f"CV fold {f}")
        self.fit_gram(parts)


class _EnetMixin(_DaskMixin):
    def _fit_stats(self, parts):
        alpha, l1_ratio = self._check_params()
        total = parts[0] if len(parts) == 1 else _total(parts)
        core = _require(total)
        pf, lo, hi = _options(self, core.n_features)
        opts = _path_opts(self, alphas=[alpha], l1_ratio=l1_ratio)
        r = path_from_stats(core, (pf, lo, hi), opts)
        self.coef_ = np.asarray(r.coefs)[:, 0].copy()
        self.intercept_ = float(r.intercepts[0])
        self.dual_gap_ = float(r.dual_gaps[0])
        self.n_iter_ = int(r.n_iters[0])
        self.n_features_in_ = core.n_features


class ElasticNet(_EnetMixin, _ElasticNet):
    """:class:`fastreg.ElasticNet` fitted from one pass over dask data (covariance mode)."""


class Lasso(_EnetMixin, _Lasso):
    """:class:`fastreg.Lasso` fitted from one pass over dask data (covariance mode)."""


class _EnetCVMixin(_DaskMixin):
    """Exact K-fold CV from the per-fold statistics of the same pass; the attributes are
    :class:`fastreg.ElasticNetCV`'s (``alpha_``, ``l1_ratio_``, ``mse_path_``, ...)."""

    def _fold_count(self):
        cv = 5 if self.cv is None else self.cv
        return check_int(cv, "cv")

    def _fold_seed(self):
        rs = self.random_state
        return int(rs) if isinstance(rs, numbers.Integral) else 0

    def _fit_stats(self, parts):
        total = _total(parts)
        core = _require(total)
        p = core.n_features
        l1_ratios, eps, n_grid, alpha_values, max_iter, tol = self._check_params(p)
        feature_options = _options(self, p)
        pf, lo, hi = feature_options
        if alpha_values is None:
            grids = [
                self._grid_from_stats(core, r, eps, n_grid, feature_options) for r in l1_ratios
            ]
        else:
            grids = [alpha_values.copy() for _ in l1_ratios]
        for f, part in enumerate(parts):
            _require(part, f"CV fold {f}")
        opts = self._cv_options(
            l1_ratios,
            grids,
            max_iter,
            tol,
            n_jobs=1 if self.n_jobs is None else int(self.n_jobs),
            precompute="always",
        )
        result = cross_validate_from_stats([f._core for f in parts], (pf, lo, hi), opts)
        mse = np.asarray(result.mse, dtype=np.float64)
        nnz = np.asarray(result.n_nonzero)
        self._select(mse, nnz, l1_ratios, grids, fixed_grid=alpha_values is not None)
        refit = _path_opts(self, alphas=[self.alpha_], l1_ratio=self.l1_ratio_)
        refit["max_iter"], refit["tol"], refit["coef_tol"] = max_iter, tol, tol
        r = path_from_stats(core, (pf, lo, hi), refit)
        self.coef_ = np.asarray(r.coefs)[:, 0].copy()
        self.intercept_ = float(r.intercepts[0])
        self.dual_gap_ = float(r.dual_gaps[0])
        self.n_iter_ = int(r.n_iters[0])
        self.n_features_in_ = p

    def _grid_from_stats(self, core, l1_ratio, eps, n_grid, feature_options):
        """The in-memory estimators' grid: glmnet's α_max of the penalised problem with
        penalty factors, bounds or standardisation, else scikit-learn's max|X̃ᵀWỹ|/(W·l1_ratio)."""
        pf, lo, hi = feature_options
        if pf is not None or lo is not None or hi is not None or self.standardize:
            opts = _path_opts(self, alphas=None, l1_ratio=l1_ratio, n_alphas=1, eps=eps)
            r = path_from_stats(core, (pf, lo, hi), opts)
            return geometric_grid(float(r.alphas[0]), eps, n_grid)
        xy = np.asarray(core.xty, dtype=np.float64)
        if not self.fit_intercept:
            xy = xy + core.weight_sum * np.asarray(core.x_mean) * float(core.y_mean[0])
        top = max(0.0, float(xy.max())) if self.positive else float(np.abs(xy).max())
        return geometric_grid(top / (core.weight_sum * l1_ratio), eps, n_grid)


class ElasticNetCV(_EnetCVMixin, _ElasticNetCV):
    """:class:`fastreg.ElasticNetCV` with exact K-fold CV (``cv`` an int, default 5) from the
    per-fold statistics of one pass."""


class LassoCV(_EnetCVMixin, _LassoCV):
    """:class:`fastreg.LassoCV` with exact K-fold CV (``cv`` an int, default 5) from the
    per-fold statistics of one pass."""

    def _fit_stats(self, parts):
        super()._fit_stats(parts)
        # scikit-learn's LassoCV has no l1_ratio_.
        del self.l1_ratio_
