"""scikit-learn-compatible Lasso and ElasticNet estimators over the Rust coordinate-descent core."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted, validate_data

from ._core import fit_enet, run_path
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
)


def _gap_tolerance(y, sample_weight, est):
    """The duality-gap target of scikit-learn's stopping rule, for the warning message."""
    w = np.ones_like(y) if sample_weight is None else sample_weight * (len(y) / sample_weight.sum())
    yc = y - np.average(y, weights=w) if est.fit_intercept else y
    return est.tol * float(np.dot(w * yc, yc)) / len(y)


def _user_gram(X, sw, precompute, fit_intercept, check_input):
    """scikit-learn's handling of a Gram matrix given as ``precompute`` (``_pre_fit``): when X
    is not centred and an intercept is fitted the matrix cannot be X̂ᵀWX̂, so it is dropped
    with a warning ('auto'); otherwise one element is checked against X, so a matrix of other
    data is an error rather than silently ignored (the core builds its own either way)."""
    if sp.issparse(X) or not hasattr(precompute, "__array__"):
        return precompute
    w = np.ones(X.shape[0]) if sw is None else sw * (X.shape[0] / sw.sum())
    x_offset = np.average(X, axis=0, weights=w) if fit_intercept else np.zeros(X.shape[1])
    if fit_intercept and not np.allclose(x_offset, 0):
        warnings.warn(
            "Gram matrix was provided but X was centered to fit intercept: "
            "recomputing Gram matrix.",
            UserWarning,
            stacklevel=3,
        )
        return "auto"
    gram = np.asarray(precompute)
    if check_input and gram.shape == (X.shape[1], X.shape[1]):
        f1 = X.shape[1] // 2
        f2 = min(f1 + 1, X.shape[1] - 1)
        root_w = np.sqrt(w)
        v1 = (X[:, f1] - x_offset[f1]) * root_w
        v2 = (X[:, f2] - x_offset[f2]) * root_w
        expected = float(v1 @ v2)
        actual = float(gram[f1, f2])
        rtol = 1e-4 if np.float32 in (X.dtype, gram.dtype) else 1e-7
        if not np.isclose(expected, actual, rtol=rtol, atol=1e-5):
            raise ValueError(
                "Gram matrix passed in via 'precompute' parameter did not pass validation "
                "when a single element was checked - please check that it was computed "
                f"properly. For element ({f1},{f2}) we computed {expected} but the "
                f"user-supplied value was {actual}."
            )
    return precompute


def _check_unchecked_layout(X, sample_weight, precompute):
    """scikit-learn's contract for ``check_input=False``: without weights or a Gram matrix its
    solver reads a dense X in place, so one in another layout is refused there; fastreg
    refuses it too, in words. (Weights make scikit-learn rescale a copy of X first.)"""
    if sample_weight is not None or precompute is not False:
        return
    if isinstance(X, np.ndarray) and not (
        X.dtype in (np.float64, np.float32) and X.flags.f_contiguous
    ):
        raise ValueError(
            "With check_input=False, X must be a Fortran-ordered (column-major) float64 or "
            f"float32 array, got a {'C' if X.flags.c_contiguous else 'non'}-contiguous "
            f"{X.dtype} array; pass check_input=True or np.asfortranarray(X)"
        )


class ElasticNet(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Linear regression with combined L1 and L2 priors, fitted by coordinate descent.

    Minimises ``1/(2n)·‖y − Xw − b‖² + alpha·l1_ratio·‖w‖₁ + alpha·(1 − l1_ratio)/2·‖w‖²``
    (sample weights as in scikit-learn). Parameters and attributes are scikit-learn's
    ``ElasticNet``'s; ``dual_gap_`` certifies each solution. ``copy_X`` is accepted for
    compatibility: fastreg never writes to X, so no copy is ever needed.

    glmnet's options are added: ``penalty_factor`` (per-feature multiplier of the whole
    penalty, rescaled to sum to n_features; 0 = unpenalised, inf = excluded),
    ``lower_bounds`` / ``upper_bounds`` (box constraints, lower ≤ 0 ≤ upper; ``positive=True``
    is lower 0) and ``standardize`` (penalise β_j·sd_j, coefficients returned on the original
    scale). ``precompute`` as scikit-learn's: True (or a Gram matrix, checked for shape and
    symmetry) solves in covariance mode on X̂ᵀWX̂, built by the core from X; 'auto' does so for
    dense X with more samples than features; False never.

    Parameters
    ----------
    alpha : float, default=1.0
        Overall strength of the penalty, >= 0.
    l1_ratio : float, default=0.5
        Mix of the L1 and L2 penalties, in [0, 1] (1 is the lasso).
    fit_intercept : bool, default=True
    precompute : bool, 'auto' or array-like of shape (n_features, n_features), default=False
        Covariance (Gram) mode, as above.
    max_iter : int, default=1000
        Epochs at most.
    copy_X : bool, default=True
        Accepted for compatibility; X is never written.
    tol : float, default=1e-4
        scikit-learn's stopping rule: stop after an epoch that moves no coefficient by more
        than tol·max_j|w_j| once the duality gap is ≤ tol·‖y − ȳ‖²/n (so the coefficients,
        not only the objective, are accurate to about tol).
    warm_start : bool, default=False
        Start from the previous fit's coefficients.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    random_state : int, RandomState instance or None, default=None
        Seeds ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Order of the coordinate updates.
    penalty_factor : float or array-like of shape (n_features,), default=None
        Per-feature multiplier of the penalty (0 = unpenalised, inf = excluded).
    lower_bounds, upper_bounds : float or array-like of shape (n_features,), default=None
        Box constraints on the coefficients, lower ≤ 0 ≤ upper.
    standardize : bool, default=False
        Penalise β_j·sd_j; coefficients are returned on the original scale.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    sparse_coef_ : scipy.sparse CSR matrix
        ``coef_`` as a sparse matrix.
    intercept_ : float or ndarray of shape (n_targets,)
    dual_gap_ : float or ndarray of shape (n_targets,)
        Duality gap of each solution, its certificate.
    n_iter_ : int or list of int
        Epochs run per target.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when X has string feature names.
    """

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        l1_ratio: float = 0.5,
        fit_intercept: bool = True,
        precompute: Any = False,
        max_iter: int = 1000,
        copy_X: bool = True,
        tol: float = 1e-4,
        warm_start: bool = False,
        positive: bool = False,
        random_state: int | np.random.RandomState | None = None,
        selection: str = "cyclic",
        penalty_factor: ArrayLike | None = None,
        lower_bounds: float | ArrayLike | None = None,
        upper_bounds: float | ArrayLike | None = None,
        standardize: bool = False,
    ) -> None:
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.precompute = precompute
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.standardize = standardize
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.copy_X = copy_X
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection

    def _check_params(self):
        alpha = check_real(self.alpha, "alpha", low=0.0)
        l1_ratio = check_real(self.l1_ratio, "l1_ratio", low=0.0, high=1.0)
        check_bool(self.fit_intercept, "fit_intercept")
        check_bool(self.warm_start, "warm_start")
        check_bool(self.positive, "positive")
        check_bool(self.copy_X, "copy_X")
        check_int(self.max_iter, "max_iter")
        check_real(self.tol, "tol", low=0.0)
        check_choice(self.selection, "selection", {"cyclic", "random"})
        check_bool(self.standardize, "standardize")
        if alpha == 0:
            warnings.warn(
                "With alpha=0, this algorithm does not converge well. You are advised to use "
                "the LinearRegression estimator (scikit-learn's wording: ordinary least squares).",
                UserWarning,
                stacklevel=3,
            )
        return alpha, l1_ratio

    @restores_state_on_error
    def fit(
        self,
        X: Any,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        check_input: bool = True,
    ) -> ElasticNet:
        """Fit the model. X may be dense or scipy.sparse (CSC used as is, never densified).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Each target is fitted on its own.
        sample_weight : array-like of shape (n_samples,) or float, default=None
        check_input : bool, default=True
            With False the caller promises what scikit-learn requires then: without
            sample_weight and precompute, a dense X is a Fortran-ordered float64 / float32
            array (else ValueError). Inputs are checked either way (one pass over X).

        Returns
        -------
        self : ElasticNet
            The fitted estimator.
        """
        alpha, l1_ratio = self._check_params()
        if not check_input:
            _check_unchecked_layout(X, sample_weight, self.precompute)
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
        out_dtype = X.dtype
        Xd = as_design(X)
        y = np.asarray(y, dtype=np.float64)
        n_samples, n_features = Xd.shape
        sw = check_sample_weight(sample_weight, n_samples)
        Y = y.reshape(n_samples, -1)
        init = self._warm_start_coef(n_features, Y.shape[1])
        precompute = _user_gram(X, sw, self.precompute, self.fit_intercept, check_input)
        solve_one = self._target_solver(Xd, sw, alpha, l1_ratio, precompute)
        coef, intercept, gaps, n_iter = self._fit_targets(solve_one, Y, sw, init, n_features)
        self._set_fitted(coef, intercept, gaps, n_iter, y.ndim, out_dtype)
        return self

    def _warm_start_coef(self, n_features, n_targets):
        """The previous fit's coefficients, one row per target, when warm-starting."""
        if not (self.warm_start and hasattr(self, "coef_")):
            return None
        init = np.asarray(self.coef_, dtype=np.float64).reshape(-1, n_features)
        return init if init.shape[0] == n_targets else None

    def _target_solver(self, Xd, sw, alpha, l1_ratio, precompute):
        """A function fitting one target ``(y_k, coef_init_k)`` and returning ``(coef,
        intercept, dual_gap, n_iter, converged)``: the point solver, or a one-α path when
        glmnet's options or covariance mode are asked for."""
        n_features = Xd.shape[1]
        params = {
            "fit_intercept": bool(self.fit_intercept),
            "max_iter": int(self.max_iter),
            "tol": float(self.tol),
            # scikit-learn's rule: the coefficients' changes as well as the gap
            "coef_tol": float(self.tol),
            "positive": bool(self.positive),
            "random_seed": random_seed(self.selection, self.random_state),
        }
        gram_mode = check_precompute(precompute, n_features, sparse=sp.issparse(Xd))
        pf, lo, hi = check_feature_options(
            self.penalty_factor, self.lower_bounds, self.upper_bounds, n_features
        )
        glmnet_options = pf is not None or lo is not None or hi is not None or self.standardize

        def point(yk, ck):
            r = fit_enet(Xd, yk, sw, ck, l1=alpha * l1_ratio, l2=alpha * (1.0 - l1_ratio), **params)
            return r.coef, r.intercept, r.dual_gap, r.n_iter, r.converged

        def one_alpha_path(yk, ck):
            r = run_path(
                Xd,
                yk,
                sample_weight=sw,
                coef_init=ck,
                penalty_factor=pf,
                lower_bounds=lo,
                upper_bounds=hi,
                alphas=[alpha],
                l1_ratio=l1_ratio,
                standardize=self.standardize,
                precompute=gram_mode,
                **params,
            )
            return (
                r.coefs[:, 0],
                r.intercepts[0],
                r.dual_gaps[0],
                int(r.n_iters[0]),
                bool(r.converged[0]),
            )

        return one_alpha_path if glmnet_options or gram_mode != "never" else point

    def _fit_targets(self, solve_one, Y, sw, init, n_features):
        """Each column of Y through ``solve_one``, warning for each that did not converge."""
        n_targets = Y.shape[1]
        coef = np.empty((n_targets, n_features))
        intercept = np.empty(n_targets)
        gaps = np.empty(n_targets)
        n_iter = []
        for k in range(n_targets):
            ck = None if init is None else np.ascontiguousarray(init[k])
            yk = np.ascontiguousarray(Y[:, k])
            coef[k], intercept[k], gaps[k], it, converged = solve_one(yk, ck)
            n_iter.append(it)
            if not converged:
                warnings.warn(
                    "Objective did not converge. You might want to increase the number of "
                    f"iterations (max_iter={self.max_iter}). Duality gap: {gaps[k]:.3e}, "
                    f"tolerance: tol·‖y − ȳ‖²/n = {_gap_tolerance(yk, sw, self):.3e}",
                    ConvergenceWarning,
                    stacklevel=3,
                )
        return coef, intercept, gaps, n_iter

    def _set_fitted(self, coef, intercept, gaps, n_iter, y_ndim, out_dtype):
        """The fitted attributes, shaped as scikit-learn's for a 1-D or 2-D y."""
        # scikit-learn 1.9: scalars of X's dtype (np.float32 for a float32 fit); a y of shape
        # (n, 1) keeps a (1,) intercept_ but a 1-D coef_; no intercept is the float 0.0.
        n_targets = coef.shape[0]
        scalar = out_dtype.type
        gaps = gaps.astype(out_dtype)
        if n_targets == 1 and y_ndim == 1:
            self.coef_ = coef[0].astype(out_dtype, copy=False)
            self.intercept_ = scalar(intercept[0]) if self.fit_intercept else 0.0
            self.dual_gap_ = gaps[0]
            self.n_iter_ = n_iter[0]
        else:
            self.coef_ = (coef[0] if n_targets == 1 else coef).astype(out_dtype, copy=False)
            self.intercept_ = intercept.astype(out_dtype) if self.fit_intercept else 0.0
            self.dual_gap_ = gaps[0] if n_targets == 1 else gaps
            self.n_iter_ = n_iter[0] if n_targets == 1 else n_iter

    @property
    def sparse_coef_(self) -> Any:
        """Coefficients as a scipy CSR matrix."""
        check_is_fitted(self)
        return sp.csr_matrix(np.atleast_2d(self.coef_))

    def _decision_function(self, X: Any) -> NDArray[Any]:
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc", "coo"], reset=False)
        return X @ np.asarray(self.coef_).T + self.intercept_

    def predict(self, X: Any) -> NDArray[Any]:
        """Predict with the fitted linear model."""
        return self._decision_function(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class Lasso(ElasticNet):
    """Linear regression with an L1 penalty: ElasticNet with ``l1_ratio=1``.

    Minimises ``1/(2n)·‖y − Xw − b‖² + alpha·‖w‖₁``; parameters and attributes are
    scikit-learn's ``Lasso``'s, with glmnet's options as in :class:`ElasticNet`.

    Parameters
    ----------
    alpha : float, default=1.0
        Strength of the L1 penalty, >= 0.
    fit_intercept, precompute, max_iter, copy_X, tol, warm_start, positive, random_state, \
selection, penalty_factor, lower_bounds, upper_bounds, standardize
        As in :class:`ElasticNet`.

    Attributes
    ----------
    coef_, sparse_coef_, intercept_, dual_gap_, n_iter_, n_features_in_
        As in :class:`ElasticNet`.
    """

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        fit_intercept: bool = True,
        precompute: Any = False,
        max_iter: int = 1000,
        copy_X: bool = True,
        tol: float = 1e-4,
        warm_start: bool = False,
        positive: bool = False,
        random_state: int | np.random.RandomState | None = None,
        selection: str = "cyclic",
        penalty_factor: ArrayLike | None = None,
        lower_bounds: float | ArrayLike | None = None,
        upper_bounds: float | ArrayLike | None = None,
        standardize: bool = False,
    ) -> None:
        super().__init__(
            alpha=alpha,
            l1_ratio=1.0,
            fit_intercept=fit_intercept,
            precompute=precompute,
            penalty_factor=penalty_factor,
            lower_bounds=lower_bounds,
            upper_bounds=upper_bounds,
            standardize=standardize,
            max_iter=max_iter,
            copy_X=copy_X,
            tol=tol,
            warm_start=warm_start,
            positive=positive,
            random_state=random_state,
            selection=selection,
        )
