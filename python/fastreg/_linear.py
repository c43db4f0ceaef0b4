"""scikit-learn-compatible Lasso and ElasticNet estimators over the Rust coordinate-descent core."""

from __future__ import annotations

import warnings
from typing import Any, Optional, Union

from numpy.typing import ArrayLike, NDArray

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _fastreg
from ._path import _check_precompute, _run_path
from ._validation import (
    as_design,
    check_bool,
    check_choice,
    check_feature_vector,
    check_int,
    check_real,
    check_sample_weight,
)


def _solve(X, y, sample_weight, coef_init, **params):
    """One target through the core; X already in core form (see ``as_design``)."""
    if sp.issparse(X):
        return _fastreg.enet_fit_csc(
            X.data, X.indices, X.indptr, X.shape[0], y, sample_weight, coef_init, **params
        )
    return _fastreg.enet_fit_dense(X, y, sample_weight, coef_init, **params)


def _gap_tolerance(y, sample_weight, est):
    """The duality-gap target of scikit-learn's stopping rule, for the warning message."""
    w = np.ones_like(y) if sample_weight is None else sample_weight * (len(y) / sample_weight.sum())
    yc = y - np.average(y, weights=w) if est.fit_intercept else y
    return est.tol * float(np.dot(w * yc, yc)) / len(y)


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
        random_state: Union[int, np.random.RandomState, None] = None,
        selection: str = "cyclic",
        penalty_factor: Optional[ArrayLike] = None,
        lower_bounds: Union[float, ArrayLike, None] = None,
        upper_bounds: Union[float, ArrayLike, None] = None,
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
                "With alpha=0, coordinate descent does not converge well; "
                "consider ordinary least squares.",
                UserWarning,
                stacklevel=3,
            )
        return alpha, l1_ratio

    def fit(
        self,
        X: Any,
        y: ArrayLike,
        sample_weight: Optional[ArrayLike] = None,
        check_input: bool = True,
    ) -> "ElasticNet":
        """Fit the model. X may be dense or scipy.sparse (CSC used as is, never densified).

        ``check_input`` is accepted for compatibility; inputs are always checked, which costs
        one pass over X.
        """
        alpha, l1_ratio = self._check_params()
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
        n_samples = Xd.shape[0]
        sw = check_sample_weight(sample_weight, n_samples)
        Y = y.reshape(n_samples, -1)
        n_targets = Y.shape[1]
        n_features = Xd.shape[1]

        init = None
        if self.warm_start and hasattr(self, "coef_"):
            init = np.asarray(self.coef_, dtype=np.float64).reshape(-1, n_features)
            if init.shape[0] != n_targets:
                init = None
        seed = None
        if self.selection == "random":
            seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        params = dict(
            l1=alpha * l1_ratio,
            l2=alpha * (1.0 - l1_ratio),
            fit_intercept=bool(self.fit_intercept),
            max_iter=int(self.max_iter),
            tol=float(self.tol),
            positive=bool(self.positive),
            random_seed=seed,
        )
        gram_mode = _check_precompute(self.precompute, n_features)
        pf = check_feature_vector(self.penalty_factor, n_features, "penalty_factor", allow_inf=True)
        lo = check_feature_vector(self.lower_bounds, n_features, "lower_bounds", allow_inf=True)
        hi = check_feature_vector(self.upper_bounds, n_features, "upper_bounds", allow_inf=True)
        if pf is not None and np.any(pf < 0):
            raise ValueError("penalty_factor must be >= 0")
        if lo is not None and np.any(lo > 0):
            raise ValueError("lower_bounds must be <= 0")
        if hi is not None and np.any(hi < 0):
            raise ValueError("upper_bounds must be >= 0")
        glmnet_options = pf is not None or lo is not None or hi is not None or self.standardize

        def solve_one(yk, ck):
            if not glmnet_options and gram_mode == "never":
                return _solve(Xd, yk, sw, ck, **params)
            # One-α path: the same point solver with glmnet's options or covariance mode.
            res = _run_path(
                Xd, yk, sample_weight=sw, coef_init=ck, penalty_factor=pf, lower_bounds=lo,
                upper_bounds=hi, alphas=[alpha], l1_ratio=l1_ratio,
                standardize=self.standardize, precompute=gram_mode,
                **{k: v for k, v in params.items() if k not in ("l1", "l2")},
            )
            _, c, b0, g, _, it, conv, _, _ = res
            return c[:, 0], b0[0], g[0], int(it[0]), bool(conv[0])

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
                    stacklevel=2,
                )
        if n_targets == 1 and y.ndim == 1:
            self.coef_ = coef[0].astype(out_dtype, copy=False)
            self.intercept_ = float(intercept[0]) if self.fit_intercept else 0.0
            self.dual_gap_ = float(gaps[0])
            self.n_iter_ = n_iter[0]
        else:
            self.coef_ = (coef[0] if n_targets == 1 else coef).astype(out_dtype, copy=False)
            self.intercept_ = intercept.astype(out_dtype, copy=False)
            self.dual_gap_ = gaps[0] if n_targets == 1 else gaps
            self.n_iter_ = n_iter[0] if n_targets == 1 else n_iter
        return self

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
    scikit-learn's ``Lasso``'s.
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
        random_state: Union[int, np.random.RandomState, None] = None,
        selection: str = "cyclic",
        penalty_factor: Optional[ArrayLike] = None,
        lower_bounds: Union[float, ArrayLike, None] = None,
        upper_bounds: Union[float, ArrayLike, None] = None,
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
