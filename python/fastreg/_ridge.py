"""scikit-learn-compatible Ridge, RidgeCV, ridge_path and GramStats over the Rust Gram core.

The objective is scikit-learn's: ``Σ w_i (y_i − x_iᵀβ − b)² + alpha·‖β‖²`` (weights are not
rescaled). Dense X is solved through its Gram (n ≥ p) or kernel (p > n) with Cholesky or one
eigendecomposition, or, when 'auto' finds them cheaper, with conjugate gradients to the same
accuracy; sparse X with few features through its sparse Gram, otherwise with matrix-free
conjugate gradients. X is never copied to centre it and never densified.
"""

from __future__ import annotations

import numbers
import threading
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring, r2_score
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _fastreg
from ._core import design_arg
from ._scaling import Rescaling, check_finite_solution, name_overflow
from ._state import restores_state_on_error
from ._validation import (
    as_design,
    check_bool,
    check_int,
    check_n_jobs,
    check_real,
    check_sample_weight,
)

# scikit-learn solver names → the core solver that serves them. Iterative solvers map to
# matrix-free conjugate gradients; 'svd' to the eigendecomposition of the Gram (same solution).
_CORE_SOLVER = {
    "auto": "auto",
    "cholesky": "cholesky",
    "svd": "eigh",
    "eigh": "eigh",
    "sparse_cg": "cg",
    "lsqr": "cg",
    "sag": "cg",
    "saga": "cg",
    "lbfgs": "auto",
}

# The core's algorithms that serve each requested name as asked; when one of these ran, solver_
# is the name the user gave (as in scikit-learn), otherwise (a fallback, or 'auto') the core's.
_SERVED_BY = {
    "cholesky": ("cholesky", "cholesky_dual"),
    "svd": ("eigh", "eigh_dual"),
    "eigh": ("eigh", "eigh_dual"),
    "sparse_cg": ("sparse_cg",),
    "lsqr": ("sparse_cg",),
    "sag": ("sparse_cg",),
    "saga": ("sparse_cg",),
    "lbfgs": ("positive_cd",),
}

_ACCEPT_SPARSE = ["csr", "csc", "coo"]


def _weights(sample_weight, n_samples):
    """Ridge weights: a scalar means every sample carries that weight (scikit-learn), so it is
    expanded rather than dropped."""
    if isinstance(sample_weight, numbers.Number) and not isinstance(sample_weight, bool):
        value = check_real(sample_weight, "sample_weight", low=0.0, low_open=True)
        return np.full(n_samples, value)
    try:
        return check_sample_weight(sample_weight, n_samples)
    except ValueError:
        # Name the usual cause plainly (scikit-learn's checks look for "weight ... zero").
        sw = np.asarray(sample_weight)
        if sw.shape == (n_samples,) and np.all(sw == 0):
            raise ValueError("sample_weight is zero for every sample; no data to fit") from None
        raise


def _response(y, n_samples):
    """y as a Fortran-ordered float64 ``n × t`` array (a copy only if y is not already one)."""
    y = np.asarray(y, dtype=np.float64)
    Y = np.asfortranarray(y.reshape(n_samples, -1))
    if not np.all(np.isfinite(Y)):
        raise ValueError("y contains NaN or infinity")
    return y, Y


def _check_alphas(alphas, name, n_targets, *, strictly_positive=False):
    """A scalar or one value per target; finite and >= 0 (> 0 when asked). An element's error
    is worded as scikit-learn's (``alphas[1] == -1, must be > 0.0.``), which its users match."""
    if np.ndim(alphas) == 0:
        # A 0-d array (``np.array(1.0)``) is a scalar to scikit-learn too.
        scalar = alphas.item() if isinstance(alphas, np.ndarray) else alphas
        return [check_real(scalar, name, low=0.0, low_open=strictly_positive)]
    # As objects, so that a string among numbers stays a string (a float array would parse it).
    items = np.asarray(alphas, dtype=object).ravel().tolist()
    if not items:
        raise ValueError(f"{name} must not be empty")
    values = []
    for i, a in enumerate(items):
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, numbers.Real):
            raise TypeError(f"{name}[{i}] must be an instance of float, not {type(a).__name__}")
        try:
            value = float(a)
        except OverflowError:  # an integer beyond float64
            value = float("inf")
        if not np.isfinite(value):
            raise ValueError(f"{name}[{i}] must be finite, got {a}")
        if value < 0 or (strictly_positive and value == 0):
            op = ">" if strictly_positive else ">="
            raise ValueError(f"{name}[{i}] == {a}, must be {op} 0.0.")
        values.append(value)
    return values


def _as_design_and_weights(est, X, y, sample_weight, reset=True):
    X, y = validate_data(
        est,
        X,
        y,
        accept_sparse=_ACCEPT_SPARSE,
        dtype=[np.float64, np.float32],
        order="F",
        copy=False,
        multi_output=True,
        y_numeric=True,
        reset=reset,
        # The core rejects NaN/inf while it forms the column moments: no extra pass over X.
        ensure_all_finite=False,
    )
    out_dtype = X.dtype
    Xd = as_design(X)
    y, Y = _response(y, Xd.shape[0])
    sw = _weights(sample_weight, Xd.shape[0])
    return Xd, y, Y, sw, out_dtype


class _RidgeBase(MultiOutputMixin, RegressorMixin, BaseEstimator):
    def _set_fit(self, coef, intercept, y_ndim, fit_intercept, dtype):
        """coef_ and intercept_ shaped and typed as scikit-learn 1.9's: coef_ is 1-D for one
        target, even given as a column (whose intercept_ stays an array of one); intercept_ is
        a scalar of X's dtype for 1-D y, and the Python float 0.0 without an intercept."""
        one_target = coef.shape[0] == 1
        self.coef_ = (coef[0] if one_target else coef).astype(dtype, copy=False)
        if not fit_intercept:
            self.intercept_ = 0.0
        elif y_ndim == 1:
            self.intercept_ = np.dtype(dtype).type(intercept[0])
        else:
            self.intercept_ = intercept.astype(dtype, copy=False)

    def predict(self, X):
        """Predict with the fitted linear model."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=_ACCEPT_SPARSE, reset=False)
        return X @ np.asarray(self.coef_).T + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class Ridge(_RidgeBase):
    """Linear least squares with L2 regularisation, a drop-in for scikit-learn's ``Ridge``.

    Minimises ``Σ w_i (y_i − x_iᵀβ − b)² + alpha·‖β‖²``. ``alpha`` may be one value per target.
    ``solver`` accepts scikit-learn's names: 'cholesky' (primal Gram when n ≥ p, kernel when
    p > n), 'svd'/'eigh' (eigendecomposition of the same matrix), 'sparse_cg', 'lsqr', 'sag' and
    'saga' (all served by matrix-free conjugate gradients), 'lbfgs' (only with
    ``positive=True``, served by coordinate descent on the Gram). ``solver_`` is the name asked
    for when the algorithm serving it ran (as in scikit-learn), and otherwise the core's: 'eigh'
    after a Cholesky failure on a singular system, and with 'auto' the algorithm chosen
    ('cholesky', 'cholesky_dual', 'eigh', 'eigh_dual', 'sparse_cg' or 'positive_cd').

    With 'auto' on dense X whose smaller dimension is at least 256, conjugate gradients are
    tried first (one pass over X per iteration: on the kernel when p > n, on the Gram applied
    by row blocks when n ≥ p), to a relative residual of ``min(tol, 1e-12)`` checked against the
    true residual, and within about half the cost of the direct solve; if they get there
    ``solver_`` is 'sparse_cg', otherwise the direct solve runs. Either way 'auto' on dense X
    returns the exact solution to working accuracy, as scikit-learn's 'auto' (a direct solve)
    does: ``tol`` can tighten that CG but never loosen it. ``tol`` is honoured as given, with
    scikit-learn's meaning (relative residual ``‖r‖ ≤ tol·‖b‖``), by the iterative solvers
    ('sparse_cg', 'lsqr', 'sag', 'saga') and by 'auto' on sparse X, where CG is the solver.
    ``copy_X`` is accepted for compatibility: X is never modified. ``n_jobs`` sets the thread
    count.

    Parameters
    ----------
    alpha : float or array-like of shape (n_targets,), default=1.0
        Strength of the L2 penalty, >= 0; one value per target allowed.
    fit_intercept : bool, default=True
    solver : str, default='auto'
        A scikit-learn solver name, served as above.
    copy_X : bool, default=True
        Accepted for compatibility.
    positive : bool, default=False
        Constrain the coefficients to be non-negative (solver 'auto' or 'lbfgs').
    n_jobs : int, default=None
        Threads of the core.
    max_iter : int, default=None
        Iterations of the iterative solvers at most.
    tol : float, default=1e-4
        Relative residual of the iterative solvers.
    random_state : int, RandomState instance or None, default=None
        Accepted for compatibility and validated; unused, as every solver here is
        deterministic (scikit-learn uses it only to shuffle data for 'sag' / 'saga').

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    solver_ : str
        The solver used (see above).
    n_iter_ : int or None
        Iterations of conjugate gradients (the most over targets) or of the positive
        coordinate descent; None for a direct solve.
    n_features_in_ : int
    """

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        solver="auto",
        copy_X=True,
        positive=False,
        n_jobs=None,
        max_iter=None,
        tol=1e-4,
        random_state=None,
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.copy_X = copy_X
        self.positive = positive
        self.n_jobs = n_jobs
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def _core_params(self):
        check_bool(self.fit_intercept, "fit_intercept")
        check_bool(self.copy_X, "copy_X")
        check_bool(self.positive, "positive")
        if not isinstance(self.solver, str) or self.solver not in _CORE_SOLVER:
            raise ValueError(f"solver must be one of {sorted(_CORE_SOLVER)}, got {self.solver!r}")
        if self.positive and self.solver not in ("auto", "lbfgs"):
            raise ValueError(
                f"solver={self.solver!r} does not support positive fitting. Please set the "
                "solver to 'auto' or 'lbfgs', or set `positive=False`"
            )
        if self.solver == "lbfgs" and not self.positive:
            raise ValueError("'lbfgs' solver can be used only when positive=True")
        max_iter = None if self.max_iter is None else check_int(self.max_iter, "max_iter")
        try:
            check_random_state(self.random_state)
        except ValueError:
            raise ValueError(
                "random_state must be None, an int or a numpy RandomState, "
                f"got {self.random_state!r}"
            ) from None
        return {
            "fit_intercept": bool(self.fit_intercept),
            "solver": _CORE_SOLVER[self.solver],
            "positive": bool(self.positive),
            "tol": check_real(self.tol, "tol", low=0.0),
            "max_iter": max_iter,
        }

    def _finish(self, result, y_ndim, dtype, n_features):
        """The fitted attributes from the core's ``RidgeResult``, warning as scikit-learn does."""
        coef = result.coef.reshape(-1, n_features)
        self._set_fit(coef, result.intercept, y_ndim, self.fit_intercept, dtype)
        solver_used, n_iter, converged = result.solver, result.n_iter, result.converged
        served = solver_used in _SERVED_BY.get(self.solver, ())
        self.solver_ = self.solver if served else solver_used
        self.n_iter_ = n_iter if solver_used in ("sparse_cg", "positive_cd") else None
        if self.solver in ("auto", "cholesky") and solver_used in ("eigh", "eigh_dual"):
            warnings.warn(
                "The regularised Gram matrix is singular to working precision (e.g. alpha=0 "
                "with collinear features); used its eigendecomposition instead of Cholesky, "
                "which gives the minimum-norm solution.",
                UserWarning,
                stacklevel=3,
            )
        if not converged:
            warnings.warn(
                f"{self.solver_} solver did not converge in {n_iter} iterations "
                f"(tol={self.tol}); increase max_iter or tol.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return self

    @restores_state_on_error
    def fit(self, X, y, sample_weight=None):
        """Fit the model; X may be dense or scipy.sparse (never densified)."""
        params = self._core_params()
        Xd, y, Y, sw, dtype = _as_design_and_weights(self, X, y, sample_weight)
        alphas = _check_alphas(self.alpha, "alpha", Y.shape[1])
        if len(alphas) not in (1, Y.shape[1]):
            raise ValueError(
                f"Number of targets and number of penalties do not correspond: "
                f"{len(alphas)} != {Y.shape[1]}"
            )
        sc = Rescaling.for_ridge(Xd, Y, sw)
        result = _fastreg.ridge_fit(
            design_arg(sc.design(Xd)),
            sc.target(Y),
            sc.weights(sw),
            sc.penalties(alphas),
            threads=check_n_jobs(self.n_jobs),
            **params,
        )
        return self._finish(sc.ridge_result(result), y.ndim, dtype, Xd.shape[1])

    @restores_state_on_error
    def fit_gram(self, stats):
        """Fit from accumulated :class:`GramStats` (no access to X needed)."""
        if not isinstance(stats, GramStats):
            raise TypeError(f"stats must be a GramStats, got {type(stats).__name__}")
        params = self._core_params()
        if params["solver"] == "cg":
            params["solver"] = "auto"
        core = stats._require_core()
        alphas = _check_alphas(self.alpha, "alpha", core.n_targets)
        if len(alphas) not in (1, core.n_targets):
            raise ValueError(
                f"Number of targets and number of penalties do not correspond: "
                f"{len(alphas)} != {core.n_targets}"
            )
        result = core.fit(alphas, **params)
        check_finite_solution(result.coef, result.intercept)
        self.n_features_in_ = core.n_features
        return self._finish(result, stats._y_ndim, np.float64, core.n_features)


def ridge_path(
    X, y=None, alphas=(0.1, 1.0, 10.0), *, sample_weight=None, fit_intercept=True, n_jobs=None
):
    """Ridge coefficients for every alpha from one eigendecomposition (O(p²) per alpha).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features) or GramStats
        The design (with ``y``), or accumulated statistics (``y=None``).
    y : array-like of shape (n_samples,) or (n_samples, n_targets), default=None
    alphas : float or array-like, default=(0.1, 1.0, 10.0)
        Penalty strengths, each >= 0.
    sample_weight : array-like of shape (n_samples,) or float, default=None
    fit_intercept : bool, default=True
    n_jobs : int, default=None
        Threads of the core.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_features, n_alphas) or (n_targets, n_features, n_alphas)
        Laid out as scikit-learn's ``enet_path`` (the first for 1-D y).
    intercepts : ndarray of shape (n_alphas,) or (n_targets, n_alphas)
    """
    check_bool(fit_intercept, "fit_intercept")
    alpha_list = _check_alphas(alphas, "alphas", None)
    if isinstance(X, GramStats):
        if y is not None:
            raise ValueError("y must be None when X is a GramStats")
        core = X._require_core()
        result = core.path(alpha_list, fit_intercept=bool(fit_intercept))
        check_finite_solution(result.coef, result.intercept)
        p, t, y_ndim = core.n_features, core.n_targets, X._y_ndim
    else:
        if y is None:
            raise ValueError("y is required unless X is a GramStats")
        Xd = as_design(X if sp.issparse(X) else np.asarray(X))
        if Xd.ndim != 2:
            raise ValueError(f"X must be 2-D, got shape {Xd.shape}")
        if np.shape(y)[:1] != (Xd.shape[0],):
            raise ValueError(f"X has {Xd.shape[0]} samples but y has shape {np.shape(y)}")
        y, Y = _response(y, Xd.shape[0])
        sw = _weights(sample_weight, Xd.shape[0])
        sc = Rescaling.for_ridge(Xd, Y, sw)
        result = _fastreg.ridge_path(
            design_arg(sc.design(Xd)),
            sc.target(Y),
            sc.weights(sw),
            sc.penalties(alpha_list),
            fit_intercept=bool(fit_intercept),
            threads=check_n_jobs(n_jobs),
        )
        result = sc.ridge_result(result)
        p, t, y_ndim = Xd.shape[1], Y.shape[1], y.ndim
    na = len(alpha_list)
    coef, intercept = result.coef, result.intercept
    coefs = coef.reshape(na, t, p).transpose(1, 2, 0)
    intercepts = intercept.reshape(na, t).T
    if y_ndim == 1:
        coefs, intercepts = coefs[0], intercepts[0]
    return np.asarray(alpha_list), coefs, intercepts


class _Predictions(RegressorMixin, BaseEstimator):
    """Stand-in estimator whose ``predict`` returns precomputed predictions (for scorers)."""

    def predict(self, predictions):
        return predictions


def _partition(splits, n_samples):
    """Test folds if they partition the samples (K-fold-like), else None."""
    seen = np.zeros(n_samples, dtype=np.int64)
    for _, test in splits:
        np.add.at(seen, np.asarray(test), 1)
    return bool(np.all(seen == 1))


class RidgeCV(_RidgeBase):
    """Ridge with built-in cross-validation of alpha, a drop-in for scikit-learn's ``RidgeCV``.

    With ``cv=None`` (default), exact leave-one-out errors for all alphas come from one
    eigendecomposition (of XᵀWX when n > p, of the kernel otherwise), as scikit-learn's
    ``_RidgeGCV``: ``cv_results_`` holds the squared LOO errors in the √w-scaled space (or the
    LOO predictions when ``scoring`` is given). With a K-fold-like ``cv`` the training Gram of
    each fold is the total Gram minus the fold's own (with more features than samples, each
    fold's training rows are solved through their kernel instead); other splitters fall back to
    ``GridSearchCV`` over :class:`Ridge`. ``gcv_mode`` is accepted for compatibility: the
    eigendecomposition of the smaller of XᵀWX and the kernel is used whatever its value (all
    modes compute the same exact LOO errors); 'svd' with sparse X warns as scikit-learn 1.9
    does. :meth:`fit_gram` cross-validates from per-fold :class:`GramStats` alone.

    Parameters
    ----------
    alphas : array-like, default=(0.1, 1.0, 10.0)
        The penalty strengths tried, each > 0.
    fit_intercept : bool, default=True
    cv : int, cross-validation generator or iterable, default=None
        None: exact leave-one-out; otherwise as scikit-learn's ``check_cv``.
    gcv_mode : {None, 'auto', 'svd', 'eigen'}, default=None
        Accepted for compatibility.
    alpha_per_target : bool, default=False
        Choose α for each target on its own.
    store_cv_results : bool, default=False
        Keep ``cv_results_`` (leave-one-out only).
    scoring : str or callable, default=None
        As scikit-learn's (None: mean squared error).
    n_jobs : int, default=None
        Threads of the core.

    Attributes
    ----------
    alpha_ : float or ndarray of shape (n_targets,)
        The chosen α.
    best_score_ : float or ndarray of shape (n_targets,)
        Score at ``alpha_``.
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    cv_results_ : ndarray
        With ``store_cv_results``: squared LOO errors (or LOO predictions with ``scoring``).
    n_features_in_ : int
    """

    def __init__(
        self,
        alphas=(0.1, 1.0, 10.0),
        *,
        fit_intercept=True,
        cv=None,
        gcv_mode=None,
        alpha_per_target=False,
        store_cv_results=False,
        scoring=None,
        n_jobs=None,
    ):
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.gcv_mode = gcv_mode
        self.alpha_per_target = alpha_per_target
        self.store_cv_results = store_cv_results
        self.scoring = scoring
        self.n_jobs = n_jobs

    def _check_params(self):
        check_bool(self.fit_intercept, "fit_intercept")
        check_bool(self.alpha_per_target, "alpha_per_target")
        check_bool(self.store_cv_results, "store_cv_results")
        if self.gcv_mode not in (None, "auto", "svd", "eigen"):
            raise ValueError(
                f"gcv_mode must be one of None, 'auto', 'svd', 'eigen', got {self.gcv_mode!r}"
            )
        if self.scoring is not None and not (
            isinstance(self.scoring, str) or callable(self.scoring)
        ):
            raise TypeError("scoring must be None, a scorer name or a callable")
        if self.cv is not None:
            if self.store_cv_results:
                raise ValueError("cv!=None and store_cv_results=True are incompatible")
            if self.alpha_per_target:
                raise ValueError("cv!=None and alpha_per_target=True are incompatible")
        return _check_alphas(self.alphas, "alphas", None, strictly_positive=self.cv is None)

    @restores_state_on_error
    def fit(self, X, y, sample_weight=None):
        """Fit Ridge with the alpha chosen by cross-validation (LOO by default)."""
        alphas = self._check_params()
        Xd, y, Y, sw, dtype = _as_design_and_weights(self, X, y, sample_weight)
        if self.cv is None:
            if self.gcv_mode == "svd" and sp.issparse(Xd):
                # scikit-learn 1.9's deprecation, word for word; the fit is the same either way.
                warnings.warn(
                    "The 'svd' mode is not supported for sparse X, we fallback to "
                    "`gcv_mode='eigen'`. Passing `gcv_mode='svd'` on sparse X will raise "
                    "an error in 1.11, use the default or pass `gcv_mode='eigen'` to "
                    "suppress this warning.",
                    FutureWarning,
                    stacklevel=2,
                )
            self._fit_loo(Xd, y, Y, sw, alphas, dtype)
        else:
            self._fit_cv(X, Xd, y, Y, sw, alphas, dtype, sample_weight)
        return self

    @restores_state_on_error
    def fit_gram(self, folds):
        """K-fold cross-validation from per-fold :class:`GramStats` alone (no access to X).

        Each fold's training statistics are the pooled total minus the fold's own, and its test
        error is the weighted mean squared error computed from the fold's statistics. The score
        is the negated MSE averaged over folds (and targets unless ``alpha_per_target``);
        ``cv_results_`` (with ``store_cv_results``) holds the per-fold MSE, shape
        ``(n_folds, n_alphas)`` or ``(n_folds, n_targets, n_alphas)``. The final model is fitted
        on the pooled statistics.
        """
        check_bool(self.fit_intercept, "fit_intercept")
        check_bool(self.alpha_per_target, "alpha_per_target")
        check_bool(self.store_cv_results, "store_cv_results")
        if self.scoring is not None:
            raise ValueError("fit_gram scores by mean squared error; scoring must be None")
        folds = list(folds)
        if len(folds) < 2 or not all(isinstance(f, GramStats) for f in folds):
            raise TypeError("folds must be a sequence of at least two GramStats")
        alphas = _check_alphas(self.alphas, "alphas", None)
        cores = [f._require_core() for f in folds]
        result = _fastreg.ridge_kfold_stats(cores, alphas, fit_intercept=bool(self.fit_intercept))
        nf, na, t = len(cores), len(alphas), cores[0].n_targets
        mse = result.errors.reshape(nf, na, t).transpose(0, 2, 1)  # (F, t, A)
        total = GramStats()
        for f in folds:
            total.merge(f)
        y_ndim = folds[0]._y_ndim
        if self.alpha_per_target and t > 1:
            scores = -mse.mean(axis=0)  # (t, A)
            best = np.argmax(scores, axis=1)
            self.alpha_ = np.asarray(alphas)[best]
            self.best_score_ = scores[np.arange(t), best]
            final = Ridge(alpha=self.alpha_, fit_intercept=self.fit_intercept).fit_gram(total)
        else:
            scores = -mse.mean(axis=(0, 1))
            b = int(np.argmax(scores))
            self.alpha_ = float(alphas[b])
            self.best_score_ = float(scores[b])
            final = Ridge(alpha=self.alpha_, fit_intercept=self.fit_intercept).fit_gram(total)
        coef_ = np.asarray(final.coef_)
        if y_ndim == 2 and t == 1:
            coef_ = coef_.reshape(-1)
        self.coef_ = coef_
        self.intercept_ = final.intercept_
        self.n_features_in_ = total.n_features
        if self.store_cv_results:
            self.cv_results_ = mse[:, 0, :] if y_ndim == 1 else mse
        return self

    def _fit_loo(self, Xd, y, Y, sw, alphas, dtype):
        n, p = Xd.shape
        t = Y.shape[1]
        na = len(alphas)
        sc = Rescaling.for_ridge(Xd, Y, sw)
        result = _fastreg.ridge_loo(
            design_arg(sc.design(Xd)),
            sc.target(Y),
            sc.weights(sw),
            sc.penalties(alphas),
            fit_intercept=bool(self.fit_intercept),
            mode="auto",
            threads=check_n_jobs(self.n_jobs),
        )
        result = sc.ridge_result(result)
        looe = sc.loo_errors_out(result.errors).reshape(na, t, n).transpose(2, 1, 0)  # (n, t, A)
        coef = result.coef.reshape(na, t, p)
        intercept = result.intercept.reshape(na, t)
        per_target = self.alpha_per_target and t > 1
        scorer = None if self.scoring is None else check_scoring(self, scoring=self.scoring)
        y_obs = y if y.ndim == 2 else y[:, None]
        if scorer is None:
            results = looe**2
            if self.alpha_per_target:
                scores = -results.mean(axis=0)  # (t, A)
            else:
                scores = -results.mean(axis=(0, 1))[None, :]  # (1, A)
        else:
            root = np.ones(n) if sw is None else np.sqrt(sw)
            results = y_obs[:, :, None] - looe / root[:, None, None]
            score_params = {} if sw is None else {"sample_weight": sw}
            pred_est = _Predictions()
            scores = np.empty((t if self.alpha_per_target else 1, na))
            for a in range(na):
                pred = results[:, :, a] if y.ndim == 2 else results[:, 0, a]
                if self.alpha_per_target:
                    for k in range(t):
                        scores[k, a] = scorer(
                            pred_est, results[:, k, a], y_obs[:, k], **score_params
                        )
                else:
                    scores[0, a] = scorer(pred_est, pred, y, **score_params)
        # First alpha with the strictly best score wins, per target when asked.
        best = np.argmax(scores, axis=1)
        if per_target:
            self.alpha_ = np.asarray(alphas)[best]
            self.best_score_ = scores[np.arange(t), best]
            coef_sel = np.stack([coef[best[k], k] for k in range(t)])
            icpt_sel = np.array([intercept[best[k], k] for k in range(t)])
        else:
            b = int(best[0])
            self.alpha_ = float(alphas[b])
            self.best_score_ = (
                scores[:, b] if (self.alpha_per_target and y.ndim == 2) else float(scores[0, b])
            )
            coef_sel, icpt_sel = coef[b], intercept[b]
        self._set_fit(coef_sel, icpt_sel, y.ndim, self.fit_intercept, dtype)
        if self.store_cv_results:
            self.cv_results_ = results[:, 0, :] if y.ndim == 1 else results

    def _fit_cv(self, X, Xd, y, Y, sw, alphas, dtype, sample_weight):
        n, p = Xd.shape
        t = Y.shape[1]
        cv = check_cv(self.cv, y, classifier=False)
        splits = list(cv.split(Xd, y))
        if not _partition(splits, n):
            self._fit_grid_search(X, y, sample_weight, alphas)
            return
        if sw is not None:
            # scikit-learn scores such a fold NaN and picks the first alpha; say which fold
            for k, (train, test) in enumerate(splits):
                for rows, role, why in (
                    (train, "training", "no model can be fitted on it"),
                    (test, "held-out", "it has no error to measure"),
                ):
                    if not np.sum(sw[rows]) > 0:
                        raise ValueError(
                            f"sample_weight is zero for every {role} sample of CV fold {k}: "
                            f"{why}; give those samples weight or change cv"
                        )
        folds = [np.asarray(test, dtype=np.int64).tolist() for _, test in splits]
        sc = Rescaling.for_ridge(Xd, Y, sw)
        result = _fastreg.ridge_kfold(
            design_arg(sc.design(Xd)),
            sc.target(Y),
            sc.weights(sw),
            folds,
            sc.penalties(alphas),
            fit_intercept=bool(self.fit_intercept),
            threads=check_n_jobs(self.n_jobs),
        )
        result = sc.ridge_result(result)
        nf, na = len(folds), len(alphas)
        coef = result.coef.reshape(nf, na, t, p)
        intercept = result.intercept.reshape(nf, na, t)
        scorer = None if self.scoring is None else check_scoring(self, scoring=self.scoring)
        pred_est = _Predictions()
        scores = np.empty((nf, na))
        for f, (_, test) in enumerate(splits):
            Xt = Xd[test]
            yt = y[test]
            # scikit-learn's RidgeCV forwards sample_weight to the scorer as well.
            score_params = {} if sw is None else {"sample_weight": sw[test]}
            for a in range(na):
                pred = np.asarray(Xt @ coef[f, a].T) + intercept[f, a]
                if y.ndim == 1:
                    pred = pred[:, 0]
                if scorer is None:
                    scores[f, a] = r2_score(yt, pred, **score_params)
                else:
                    scores[f, a] = scorer(pred_est, pred, yt, **score_params)
        mean = scores.mean(axis=0)
        b = int(np.argmax(mean))
        self.alpha_ = float(alphas[b])
        self.best_score_ = float(mean[b])
        final = Ridge(alpha=self.alpha_, fit_intercept=self.fit_intercept, n_jobs=self.n_jobs).fit(
            Xd, y, sample_weight=sw
        )
        self.coef_ = final.coef_.astype(dtype, copy=False)
        # The final fit ran on the float64 design: give intercept_ X's dtype, as coef_.
        icpt = final.intercept_
        self.intercept_ = icpt if not self.fit_intercept else np.asarray(icpt, dtype=dtype)[()]

    def _fit_grid_search(self, X, y, sample_weight, alphas):
        from sklearn.model_selection import GridSearchCV

        search = GridSearchCV(
            Ridge(fit_intercept=self.fit_intercept, n_jobs=self.n_jobs),
            {"alpha": alphas},
            cv=self.cv,
            scoring=self.scoring,
        )
        fit_params = {} if sample_weight is None else {"sample_weight": sample_weight}
        search.fit(X, y, **fit_params)
        best = search.best_estimator_
        self.alpha_ = float(best.alpha)
        self.best_score_ = float(search.best_score_)
        self.coef_ = best.coef_
        self.intercept_ = best.intercept_


class GramStats:
    """Weighted sufficient statistics of ``(X, y)`` accumulated chunk by chunk.

    ``update(X_chunk, y_chunk, sample_weight=None)`` adds rows (dense or sparse chunks);
    ``merge(other)`` pools statistics gathered elsewhere (e.g. in other processes). The
    centred moments are combined with Chan et al.'s pairwise update, so the result does not
    depend on the chunking or the merge order beyond rounding. :meth:`Ridge.fit_gram` and
    :func:`ridge_path` fit from the statistics alone.

    A chunk of zero rows adds nothing; ``g.merge(g)`` counts the data twice; one object may
    be updated from several threads (the updates are applied one at a time). A 1-D y and a
    2-D y (even of one column) give coefficients of different shapes, so statistics of the
    two never mix (ValueError).

    Attributes
    ----------
    n_features, n_targets : int
    n_samples_seen : int
        Rows added so far.
    weight_sum : float
        Sum of the sample weights added so far.
    x_mean : ndarray of shape (n_features,)
    y_mean : ndarray of shape (n_targets,)
        Weighted means.
    xtx : ndarray of shape (n_features, n_features)
    xty : ndarray of shape (n_features, n_targets)
    yty : ndarray of shape (n_targets, n_targets)
        Centred weighted cross-products.
    """

    # Guards the first chunk's creation of the core, so threads sharing a fresh object never
    # create two (the core serialises everything after that).
    _create_lock = threading.Lock()

    def __init__(self):
        self._core = None
        self._y_ndim = None

    def _require_core(self):
        if self._core is None or self._core.weight_sum <= 0:
            raise ValueError("GramStats is empty: call update() with data first")
        return self._core

    def update(self, X, y, sample_weight=None):
        """Add a chunk of rows; returns self."""
        if sp.issparse(X):
            Xd = as_design(X)
        else:
            Xd = np.asarray(X)
            if Xd.ndim != 2:
                raise ValueError(f"X must be 2-D, got shape {Xd.shape}")
            if not np.issubdtype(Xd.dtype, np.number) or np.iscomplexobj(Xd):
                raise TypeError(f"X must be real numeric, got dtype {Xd.dtype}")
            Xd = as_design(Xd)
        if np.shape(y)[:1] != (Xd.shape[0],):
            raise ValueError(f"X has {Xd.shape[0]} samples but y has shape {np.shape(y)}")
        if np.ndim(y) not in (1, 2):
            raise ValueError(f"y must be 1-D or 2-D, got shape {np.shape(y)}")
        if Xd.shape[0] == 0:
            # A streaming source may yield an empty chunk: nothing to add, but it must fit.
            self._check_empty_chunk(Xd, y, sample_weight)
            return self
        y, Y = _response(y, Xd.shape[0])
        sw = _weights(sample_weight, Xd.shape[0])
        with GramStats._create_lock:
            if self._core is None:
                self._core = _fastreg.GramStatsCore(Xd.shape[1], Y.shape[1])
                self._y_ndim = y.ndim
        self._check_y_ndim(y.ndim)
        try:
            self._core.update(design_arg(Xd), Y, sw)
        except ValueError as exc:
            raise name_overflow(exc, Xd, Y) from None
        return self

    def _check_y_ndim(self, y_ndim):
        """A 1-D y and an (n, 1) y give coefficients of different shapes, so they never mix."""
        if self._y_ndim is not None and y_ndim != self._y_ndim:
            shapes = {1: "1-D y", 2: "2-D y (n_samples, n_targets)"}
            raise ValueError(
                f"y must keep the same number of dimensions across chunks and merges: these "
                f"statistics hold a {shapes[self._y_ndim]}, the new data a {shapes[y_ndim]}"
            )

    def _check_empty_chunk(self, Xd, y, sample_weight):
        """The checks ``update`` makes of a chunk's shapes, for a chunk of zero rows."""
        n_targets = 1 if np.ndim(y) == 1 else np.shape(y)[1]
        if sample_weight is not None and not isinstance(sample_weight, numbers.Number):
            if np.shape(sample_weight) != (0,):
                raise ValueError(
                    f"sample_weight must have shape (0,), got {np.shape(sample_weight)}"
                )
        if self._core is not None:
            self._check_y_ndim(np.ndim(y))
            if Xd.shape[1] != self._core.n_features:
                raise ValueError(
                    f"X has {Xd.shape[1]} features, the statistics have {self._core.n_features}"
                )
            if n_targets != self._core.n_targets:
                raise ValueError(
                    f"y has {n_targets} targets, the statistics have {self._core.n_targets}"
                )

    def merge(self, other):
        """Pool the statistics of ``other`` into these; returns self."""
        if not isinstance(other, GramStats):
            raise TypeError(f"can only merge a GramStats, got {type(other).__name__}")
        if other._core is None:
            return self
        if self._core is None:
            self._core = other._core.copy()
            self._y_ndim = other._y_ndim
            return self
        self._check_y_ndim(other._y_ndim)
        # g.merge(g) is the same data seen twice; the core copies other before it locks self.
        self._core.merge(other._core)
        return self

    def __getstate__(self):
        core = self._core
        parts = None
        if core is not None:
            parts = (
                core.n_features,
                core.n_targets,
                core.count,
                core.weight_sum,
                core.x_mean.tolist(),
                core.y_mean.tolist(),
                core.xtx.tolist(),
                core.xty.tolist(),
                core.yty.tolist(),
            )
        return {"parts": parts, "y_ndim": self._y_ndim}

    def __setstate__(self, state):
        parts = state["parts"]
        self._y_ndim = state["y_ndim"]
        self._core = None if parts is None else _fastreg.GramStatsCore.from_parts(*parts)

    def _get(self, name):
        if self._core is None:
            raise ValueError("GramStats is empty: call update() with data first")
        return getattr(self._core, name)

    @property
    def n_features(self):
        return self._get("n_features")

    @property
    def n_targets(self):
        return self._get("n_targets")

    @property
    def n_samples_seen(self):
        return self._get("count")

    @property
    def weight_sum(self):
        return self._get("weight_sum")

    @property
    def x_mean(self):
        return self._get("x_mean")

    @property
    def y_mean(self):
        return self._get("y_mean")

    @property
    def xtx(self):
        """Centred ``Σ w (x − x̄)(x − x̄)ᵀ``, shape ``(n_features, n_features)``."""
        p = self.n_features
        return self._get("xtx").reshape(p, p, order="F")

    @property
    def xty(self):
        """Centred ``Σ w (x − x̄)(y − ȳ)ᵀ``, shape ``(n_features, n_targets)``."""
        return self._get("xty").reshape(self.n_features, self.n_targets, order="F")

    @property
    def yty(self):
        """Centred ``Σ w (y − ȳ)(y − ȳ)ᵀ``, shape ``(n_targets, n_targets)``."""
        t = self.n_targets
        return self._get("yty").reshape(t, t, order="F")
