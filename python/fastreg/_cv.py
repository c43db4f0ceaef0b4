"""Cross-validated Lasso and elastic net: scikit-learn's ``LassoCV`` / ``ElasticNetCV`` over the
Rust core, which fits every (l1_ratio, fold) path in parallel without copying X, plus glmnet's
one-standard-error rule, options and ``cv.glmnet``-style plot."""

from __future__ import annotations

import numbers
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import check_cv
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ._core import cross_validate
from ._grids import glmnet_alpha_grid, sklearn_alpha_grid
from ._linear import ElasticNet
from ._scaling import std_in_range
from ._state import restores_state_on_error
from ._validation import (
    as_design,
    check_bool,
    check_choice,
    check_feature_options,
    check_int,
    check_precompute,
    check_real,
    check_sample_weight,
    random_seed,
    resolve_n_jobs,
)

__all__ = ["ElasticNetCV", "LassoCV"]


class _Progress:
    """A one-line progress bar on stderr, shown when asked (``verbose``) or when the run has
    taken more than two seconds and stderr is a terminal. Ticked from the core's worker threads
    (each tick holds the GIL)."""

    def __init__(self, total, verbose):
        self.total, self.done = total, 0
        self.start = time.perf_counter()
        self.forced = bool(verbose)
        stream = sys.stderr
        self.auto = not self.forced and hasattr(stream, "isatty") and stream.isatty()
        self.shown = False

    def __call__(self):
        self.done += 1
        elapsed = time.perf_counter() - self.start
        if self.forced or (self.auto and elapsed > 2.0):
            self.shown = True
            width = 30
            filled = int(width * self.done / self.total)
            eta = elapsed / self.done * (self.total - self.done)
            sys.stderr.write(
                f"\rCV fits [{'#' * filled}{'.' * (width - filled)}] "
                f"{self.done}/{self.total}  {elapsed:.1f}s elapsed, ~{eta:.1f}s left "
            )
            sys.stderr.flush()

    def close(self):
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _fold_indices(cv, X, y):
    """Train / test row indices of every split as int64 arrays."""
    train, test = [], []
    for tr, te in cv.split(X, y):
        train.append(np.ascontiguousarray(np.asarray(tr, dtype=np.int64)))
        test.append(np.ascontiguousarray(np.asarray(te, dtype=np.int64)))
    if len(train) < 2:
        raise ValueError(f"cv must give at least 2 splits, got {len(train)}")
    return train, test


def _check_cv_sample_weight(sample_weight, n_samples):
    """``check_sample_weight``, with the CV estimators' own message for all-zero weights."""
    if sample_weight is not None and not isinstance(sample_weight, numbers.Number):
        arr = np.asarray(sample_weight)
        if arr.ndim == 1 and arr.size and arr.dtype.kind in "biuf" and not np.any(arr != 0):
            raise ValueError("sample_weight: every weight is zero; need a non-zero weight")
    return check_sample_weight(sample_weight, n_samples)


def _check_alpha_values(alphas):
    """A given α grid as float64, each value checked in scikit-learn's words (``alphas[1] ==
    -1, must be >= 0.0.``)."""
    if isinstance(alphas, np.ndarray) and alphas.dtype.kind in "biuf":
        values = alphas.ravel()
    else:
        values = np.ravel(np.asarray(alphas, dtype=object))
    if values.size == 0:
        raise ValueError("alphas must be an int or a non-empty array of floats")
    for i, a in enumerate(values):
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, numbers.Real):
            raise TypeError(f"alphas[{i}] must be an instance of float, not {type(a).__name__}")
        if not np.isfinite(a):
            raise ValueError(f"alphas[{i}] == {a}, must be finite")
        if a < 0:
            raise ValueError(f"alphas[{i}] == {a}, must be >= 0.0.")
    return values.astype(np.float64)


def _reject_routed_params(params):
    """scikit-learn's answer to ``fit(X, y, groups=...)`` without metadata routing."""
    if params:
        names = ", ".join(sorted(params))
        raise ValueError(
            f"Passing fit parameters ({names}) is only supported if "
            "enable_metadata_routing=True in scikit-learn, and fastreg does not route metadata: "
            "pass the splits as cv instead, e.g. cv=list(GroupKFold().split(X, y, groups))"
        )


class _ElasticNetCVBase(RegressorMixin, BaseEstimator):
    """Shared fit of LassoCV and ElasticNetCV."""

    def _l1_ratios(self):
        raise NotImplementedError

    def _check_params(self, n_features):
        l1_ratios = [check_real(r, "l1_ratio", low=0.0, high=1.0) for r in self._l1_ratios()]
        if not l1_ratios:
            raise ValueError("l1_ratio must not be empty")
        eps = check_real(self.eps, "eps", low=0.0, low_open=True)
        check_bool(self.fit_intercept, "fit_intercept")
        check_bool(self.positive, "positive")
        check_bool(self.copy_X, "copy_X")
        check_bool(self.standardize, "standardize")
        max_iter = check_int(self.max_iter, "max_iter")
        tol = check_real(self.tol, "tol", low=0.0)
        check_choice(self.selection, "selection", {"cyclic", "random"})
        check_choice(self.alpha_rule, "alpha_rule", {"min", "1se"})
        if not isinstance(self.verbose, (bool, np.bool_, numbers.Integral)):
            raise TypeError(f"verbose must be a bool or an int, got {type(self.verbose).__name__}")
        check_precompute(self.precompute, n_features)
        n_grid, alpha_values = self._check_alphas()
        if alpha_values is None and any(r == 0 for r in l1_ratios):
            raise ValueError(
                "Automatic alpha grid generation is not supported for l1_ratio=0. "
                "Please supply a grid by providing your estimator with the appropriate "
                "`alphas=` argument."
            )
        return l1_ratios, eps, n_grid, alpha_values, max_iter, tol

    def _check_alphas(self):
        """``(n_grid, alpha_values)`` from ``alphas`` and the deprecated ``n_alphas``;
        alpha_values (largest first) is None when the grid is to be computed."""
        n_grid, alpha_values = 100, None
        if not (isinstance(self.n_alphas, str) and self.n_alphas == "deprecated"):
            warnings.warn(
                "'n_alphas' is deprecated (removed in scikit-learn 1.9); pass an integer 'alphas'.",
                FutureWarning,
                stacklevel=4,
            )
            n_grid = check_int(self.n_alphas, "n_alphas")
        if isinstance(self.alphas, numbers.Integral) and not isinstance(
            self.alphas, (bool, np.bool_)
        ):
            # An explicit (deprecated) n_alphas wins over the default integer alphas.
            if isinstance(self.n_alphas, str):
                n_grid = check_int(self.alphas, "alphas")
        elif self.alphas is not None:
            alpha_values = np.sort(_check_alpha_values(self.alphas))[::-1]
        return n_grid, alpha_values

    @restores_state_on_error
    def fit(self, X, y, sample_weight=None, **params):
        """Fit the model for each l1_ratio over the α grid by cross-validation, then refit on
        all the data with the chosen α (``alpha_rule``) and l1_ratio.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Sparse X is used as CSC and never densified or copied per fold.
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,) or float, default=None
            Weights both the fits and each fold's held-out mean squared error; the CV error
            is the unweighted mean over folds (scikit-learn's convention).
        **params
            Refused: scikit-learn routes them (e.g. ``groups``) only with metadata routing
            enabled; fastreg has no routing, so give ``cv`` the splits instead.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        _reject_routed_params(params)
        X, y = self._validate_xy(X, y)
        n_samples, n_features = X.shape
        l1_ratios, eps, n_grid, alpha_values, max_iter, tol = self._check_params(n_features)
        Xd = as_design(X)
        sw = _check_cv_sample_weight(sample_weight, n_samples)
        feature_options = check_feature_options(
            self.penalty_factor, self.lower_bounds, self.upper_bounds, n_features
        )
        if alpha_values is None:
            grids = self._alpha_grids(Xd, y, sw, l1_ratios, eps, n_grid, feature_options)
        else:
            grids = [alpha_values.copy() for _ in l1_ratios]
        train, test = _fold_indices(check_cv(self.cv), X, y)
        mse, nnz = self._cross_validate(
            Xd, y, sw, feature_options, train, test, l1_ratios, grids, max_iter, tol
        )
        self._select(mse, nnz, l1_ratios, grids, fixed_grid=alpha_values is not None)
        self._refit(X, y, sw, feature_options, max_iter, tol)
        return self

    def _validate_xy(self, X, y):
        """X as validated by scikit-learn and y as one contiguous float64 target."""
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csc", "csr", "coo"],
            dtype=[np.float64, np.float32],
            order="F",
            copy=False,
            multi_output=True,
            y_numeric=True,
        )
        if y.ndim > 1 and y.shape[1] > 1:
            raise ValueError(
                f"For multi-task outputs, use MultiTask{self.__class__.__name__}"
                " (not provided by fastreg)"
            )
        return X, np.ascontiguousarray(column_or_1d(y, warn=True), dtype=np.float64)

    def _alpha_grids(self, Xd, y, sw, l1_ratios, eps, n_grid, feature_options):
        """One computed α grid per l1_ratio on the full data: glmnet's when penalty factors,
        bounds or standardisation change the problem's α_max, else scikit-learn's."""
        pf, lo, hi = feature_options
        common = {
            "eps": eps,
            "n_alphas": n_grid,
            "positive": self.positive,
            "sample_weight": sw,
            "fit_intercept": self.fit_intercept,
        }
        if pf is not None or lo is not None or hi is not None or self.standardize:
            return [
                glmnet_alpha_grid(
                    Xd,
                    y,
                    l1_ratio=r,
                    feature_options=feature_options,
                    standardize=bool(self.standardize),
                    **common,
                )
                for r in l1_ratios
            ]
        return [sklearn_alpha_grid(Xd, y, l1_ratio=r, **common) for r in l1_ratios]

    def _cv_options(self, l1_ratios, grids, max_iter, tol, *, n_jobs, precompute):
        """The core's CV options for this estimator's settings (scikit-learn's stopping rule)."""
        return {
            "l1_ratios": [float(r) for r in l1_ratios],
            "alphas": [[float(a) for a in g] for g in grids],
            "fit_intercept": bool(self.fit_intercept),
            "standardize": bool(self.standardize),
            "max_iter": max_iter,
            "tol": tol,
            "coef_tol": tol,
            "positive": bool(self.positive),
            "random_seed": random_seed(self.selection, self.random_state),
            "screening": True,
            "n_jobs": n_jobs,
            "precompute": precompute,
        }

    def _cross_validate(
        self, Xd, y, sw, feature_options, train, test, l1_ratios, grids, max_iter, tol
    ):
        """Every (l1_ratio, fold) path in the core; returns the held-out errors and non-zero
        counts, each of shape (n_l1_ratio, n_folds, n_alphas)."""
        opts = self._cv_options(
            l1_ratios,
            grids,
            max_iter,
            tol,
            n_jobs=resolve_n_jobs(self.n_jobs),
            precompute=check_precompute(self.precompute, Xd.shape[1], sparse=sp.issparse(Xd)),
        )
        progress = _Progress(len(l1_ratios) * len(train), self.verbose)
        try:
            result = cross_validate(Xd, y, sw, feature_options, train, test, opts, progress)
        finally:
            progress.close()
        if result.n_unconverged:
            warnings.warn(
                f"{result.n_unconverged} of the cross-validation fits did not converge (largest "
                f"duality gap / objective {result.max_relative_gap:.2e}). You might want to "
                f"increase the number of iterations (max_iter={max_iter}) or the tolerance.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return np.asarray(result.mse, dtype=np.float64), np.asarray(result.n_nonzero)

    def _select(self, mse, nnz, l1_ratios, grids, fixed_grid):
        """Choose l1_ratio and α from the CV errors and set the CV attributes."""
        n_folds = mse.shape[1]
        mean = mse.mean(axis=1)
        se = std_in_range(mse, axis=1, ddof=1) / np.sqrt(n_folds)

        # scikit-learn's choice: the first l1_ratio reaching the smallest mean error, at the
        # first (largest) α of its grid doing so.
        best_l, best_mse = 0, np.inf
        for l_idx in range(len(l1_ratios)):
            m = mean[l_idx, np.argmin(mean[l_idx])]
            if m < best_mse:
                best_l, best_mse = l_idx, m
        i_min = int(np.argmin(mean[best_l]))
        # cv.glmnet's lambda.1se: the largest α whose mean error is within one standard error
        # of the minimum, on the chosen l1_ratio's grid.
        grid = np.asarray(grids[best_l])
        within = mean[best_l] <= mean[best_l, i_min] + se[best_l, i_min]
        i_1se = int(np.flatnonzero(within)[np.argmax(grid[within])])

        self.l1_ratio_ = float(l1_ratios[best_l])
        self.alpha_min_ = float(grid[i_min])
        self.alpha_1se_ = float(grid[i_1se])
        self.alpha_ = self.alpha_min_ if self.alpha_rule == "min" else self.alpha_1se_
        squeeze = len(l1_ratios) == 1
        self.mse_path_ = np.moveaxis(mse, 2, 1)
        self.mse_mean_path_ = mean
        self.mse_se_path_ = se
        self.n_nonzero_path_ = np.median(nnz, axis=1)
        alphas_arr = np.asarray(grids)
        if squeeze:
            self.mse_path_ = self.mse_path_[0]
            self.mse_mean_path_ = mean[0]
            self.mse_se_path_ = se[0]
            self.n_nonzero_path_ = self.n_nonzero_path_[0]
        self.alphas_ = alphas_arr[0] if squeeze or fixed_grid else alphas_arr
        self.l1_ratios_ = np.asarray(l1_ratios)
        self.n_folds_ = n_folds

    def _refit(self, X, y, sw, feature_options, max_iter, tol):
        """Refit on all the data at the chosen α and l1_ratio."""
        pf, lo, hi = feature_options
        model = ElasticNet(
            alpha=self.alpha_,
            l1_ratio=self.l1_ratio_,
            fit_intercept=self.fit_intercept,
            precompute=self.precompute,
            max_iter=max_iter,
            copy_X=self.copy_X,
            tol=tol,
            positive=self.positive,
            random_state=self.random_state,
            selection=self.selection,
            penalty_factor=pf,
            lower_bounds=lo,
            upper_bounds=hi,
            standardize=self.standardize,
        )
        model.fit(X, y, sample_weight=sw)
        self.coef_ = model.coef_
        self.intercept_ = model.intercept_
        self.dual_gap_ = model.dual_gap_
        self.n_iter_ = model.n_iter_

    def predict(self, X):
        """Predict with the model refitted at ``alpha_``."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc", "coo"], reset=False)
        return np.asarray(X @ self.coef_).ravel() + self.intercept_

    @property
    def sparse_coef_(self):
        check_is_fitted(self)
        return sp.csr_matrix(np.atleast_2d(self.coef_))

    def plot(self, axes=None):
        """``cv.glmnet``'s plot: mean CV error ± one standard error against log α, dotted lines
        at ``alpha_min_`` and ``alpha_1se_``, the number of non-zero coefficients (median over
        folds) on the top axis; one panel per l1_ratio. Needs matplotlib. Returns the axes."""
        check_is_fitted(self)
        import matplotlib.pyplot as plt

        ratios = self.l1_ratios_
        mean = np.atleast_2d(self.mse_mean_path_)
        se = np.atleast_2d(self.mse_se_path_)
        nnz = np.atleast_2d(self.n_nonzero_path_)
        alphas = np.atleast_2d(self.alphas_)
        if alphas.shape[0] != len(ratios):
            alphas = np.repeat(alphas, len(ratios), axis=0)
        if axes is None:
            _, axes = plt.subplots(1, len(ratios), figsize=(5 * len(ratios), 4), squeeze=False)
            axes = axes[0]
        axes = np.atleast_1d(axes)
        if len(axes) != len(ratios):
            raise ValueError(f"need {len(ratios)} axes (one per l1_ratio), got {len(axes)}")
        for l_idx, ax in enumerate(axes):
            a = alphas[l_idx]
            ax.errorbar(
                a,
                mean[l_idx],
                yerr=se[l_idx],
                fmt="o",
                color="tab:red",
                ecolor="darkgrey",
                markersize=3,
                capsize=2,
            )
            ax.set_xscale("log")
            ax.invert_xaxis()
            ax.set_xlabel("alpha (log scale)")
            ax.set_ylabel("mean squared error (CV)")
            ax.set_title(f"l1_ratio = {ratios[l_idx]:g}", pad=22)
            if ratios[l_idx] == getattr(self, "l1_ratio_", 1.0):
                ax.axvline(self.alpha_min_, linestyle=":", color="k", label="min")
                ax.axvline(self.alpha_1se_, linestyle="--", color="k", label="1 SE")
                ax.legend(loc="best", fontsize="small")
            top = ax.secondary_xaxis("top")
            ticks = a[:: max(1, len(a) // 8)]
            top.set_xticks(ticks)
            top.set_xticklabels([f"{round(v)}" for v in nnz[l_idx][:: max(1, len(a) // 8)]])
            top.tick_params(labelsize="small")
        return axes

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class ElasticNetCV(_ElasticNetCVBase):
    """Elastic net with the penalty chosen by cross-validation along a regularisation path, a
    drop-in for :class:`sklearn.linear_model.ElasticNetCV` (scikit-learn ≥ 1.7: ``alphas`` is
    a count or an array; ``n_alphas`` is a deprecated alias).

    The α grid of each l1_ratio is computed once on the full data (scikit-learn's
    ``_alpha_grid``) and shared by the folds. The Rust core fits every (l1_ratio, fold) path
    in a pool of ``n_jobs`` threads, a fold being X with its held-out rows given weight zero
    (X is never copied); the results do not depend on ``n_jobs``.

    Beyond scikit-learn: ``alpha_rule='min'`` (scikit-learn's choice, the default) or
    ``'1se'`` (glmnet's one-standard-error rule) picks the α of the final refit;
    ``alpha_min_``, ``alpha_1se_``, ``mse_mean_path_`` and ``mse_se_path_`` (standard error of
    the mean over folds: sample std / √n_folds, as cv.glmnet) are kept either way; the 1-SE
    α is taken on the grid of the l1_ratio with the smallest error (``l1_ratio_``), and the
    CV error is the plain mean over folds (cv.glmnet weights folds by their total weight, so
    the two agree when folds carry equal weight); ``penalty_factor``,
    ``lower_bounds``, ``upper_bounds`` and ``standardize`` as in :class:`fastreg.ElasticNet`
    (with them the α grid starts at the α_max of the penalised problem); ``plot()``; a
    progress bar (``verbose=True``, or automatically after two seconds on a terminal).
    ``precompute`` chooses covariance (Gram) mode as in scikit-learn ('auto': dense X with more
    samples than features); ``copy_X`` is accepted for compatibility (X is never written).

    Parameters
    ----------
    l1_ratio : float or list of float, default=0.5
        The l1_ratio values tried, each in [0, 1].
    eps : float, default=1e-3
        Smallest α of a computed grid as a fraction of α_max.
    n_alphas : int, default='deprecated'
        Deprecated alias of an integer ``alphas``.
    alphas : int or array-like, default=100
        Number of α per computed grid, or one grid shared by every l1_ratio.
    fit_intercept : bool, default=True
    precompute : bool, 'auto' or array-like, default='auto'
        Covariance (Gram) mode, as in :class:`fastreg.ElasticNet`.
    max_iter : int, default=1000
        Epochs per α at most.
    tol : float, default=1e-4
        scikit-learn's stopping rule at each α, as in :class:`fastreg.ElasticNet`.
    cv : int, cross-validation generator or iterable, default=None
        As scikit-learn's ``check_cv`` (None: 5-fold).
    copy_X : bool, default=True
        Accepted for compatibility.
    verbose : bool or int, default=0
        Show the progress bar.
    n_jobs : int, default=None
        Threads for the (l1_ratio, fold) fits (``None``: one; -1: every CPU).
    positive : bool, default=False
    random_state : int, RandomState instance or None, default=None
        Seeds ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
    alpha_rule : {'min', '1se'}, default='min'
        Which α the final refit uses.
    penalty_factor, lower_bounds, upper_bounds, standardize
        As in :class:`fastreg.ElasticNet`.

    Attributes
    ----------
    alpha_ : float
        The α of the final refit (``alpha_min_`` or ``alpha_1se_``).
    alpha_min_, alpha_1se_ : float
        The α of least mean CV error, and the largest within one standard error of it.
    l1_ratio_ : float
        The chosen l1_ratio.
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    dual_gap_ : float
    n_iter_ : int
        Of the final refit.
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratio, n_alphas)
    mse_path_ : ndarray of shape (n_alphas, n_folds) or (n_l1_ratio, n_alphas, n_folds)
        Held-out mean squared error of every fit.
    mse_mean_path_, mse_se_path_ : ndarray of shape (n_alphas,) or (n_l1_ratio, n_alphas)
        Mean over folds and its standard error.
    n_nonzero_path_ : ndarray of shape (n_alphas,) or (n_l1_ratio, n_alphas)
        Median over folds of the number of non-zero coefficients.
    l1_ratios_ : ndarray of shape (n_l1_ratio,)
    n_folds_ : int
    """

    def __init__(
        self,
        *,
        l1_ratio=0.5,
        eps=1e-3,
        n_alphas="deprecated",
        alphas=100,
        fit_intercept=True,
        precompute="auto",
        max_iter=1000,
        tol=1e-4,
        cv=None,
        copy_X=True,
        verbose=0,
        n_jobs=None,
        positive=False,
        random_state=None,
        selection="cyclic",
        alpha_rule="min",
        penalty_factor=None,
        lower_bounds=None,
        upper_bounds=None,
        standardize=False,
    ):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.n_alphas = n_alphas
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.copy_X = copy_X
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.alpha_rule = alpha_rule
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.standardize = standardize

    def _l1_ratios(self):
        return (
            list(np.atleast_1d(self.l1_ratio))
            if not isinstance(self.l1_ratio, str)
            else [self.l1_ratio]
        )


class LassoCV(_ElasticNetCVBase):
    """Lasso with α chosen by cross-validation, a drop-in for
    :class:`sklearn.linear_model.LassoCV`; see :class:`ElasticNetCV` for the extras
    (``alpha_rule``, ``alpha_1se_``, glmnet options, ``plot()``, progress bar).

    Parameters
    ----------
    eps, n_alphas, alphas, fit_intercept, precompute, max_iter, tol, copy_X, cv, verbose, \
n_jobs, positive, random_state, selection, alpha_rule, penalty_factor, lower_bounds, \
upper_bounds, standardize
        As in :class:`ElasticNetCV`.

    Attributes
    ----------
    alpha_, alpha_min_, alpha_1se_, coef_, intercept_, dual_gap_, n_iter_, alphas_, mse_path_, \
mse_mean_path_, mse_se_path_, n_nonzero_path_, n_folds_
        As in :class:`ElasticNetCV` (one l1_ratio, 1.0; no ``l1_ratio_``).
    """

    def __init__(
        self,
        *,
        eps=1e-3,
        n_alphas="deprecated",
        alphas=100,
        fit_intercept=True,
        precompute="auto",
        max_iter=1000,
        tol=1e-4,
        copy_X=True,
        cv=None,
        verbose=False,
        n_jobs=None,
        positive=False,
        random_state=None,
        selection="cyclic",
        alpha_rule="min",
        penalty_factor=None,
        lower_bounds=None,
        upper_bounds=None,
        standardize=False,
    ):
        self.eps = eps
        self.n_alphas = n_alphas
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.copy_X = copy_X
        self.cv = cv
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.alpha_rule = alpha_rule
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.standardize = standardize

    def _l1_ratios(self):
        return [1.0]

    @restores_state_on_error
    def fit(self, X, y, sample_weight=None, **params):
        super().fit(X, y, sample_weight=sample_weight, **params)
        # scikit-learn's LassoCV has no l1_ratio_.
        del self.l1_ratio_
        return self
