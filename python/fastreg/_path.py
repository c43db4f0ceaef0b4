"""Regularisation paths: scikit-learn-compatible ``lasso_path`` / ``enet_path`` and the richer
``path`` returning a :class:`Path`, all over the Rust path driver (strong rules, KKT check,
gap-safe screening, warm starts; every point certified by its duality gap)."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from ._core import path_coefs, run_path
from ._grids import sklearn_alpha_grid
from ._multitask import is_multi_target, multitask_enet_path
from ._validation import (
    as_design,
    check_bool,
    check_choice,
    check_feature_options,
    check_feature_vector,
    check_int,
    check_precompute,
    check_real,
    check_sample_weight,
    random_seed,
    resolve_n_jobs,
)

__all__ = ["Path", "enet_path", "lasso_path", "path"]


def _alpha_array(alphas):
    """A given grid, largest first; the core checks that it is non-empty, finite and >= 0."""
    a = np.asarray(alphas, dtype=np.float64).ravel()
    return a if a.size < 2 else np.sort(a)[::-1]


def _enet_path_grid(n_alphas, alphas):
    """``enet_path``'s grid arguments (scikit-learn ≥ 1.7): ``(n_grid, alpha_values)`` with
    alpha_values None when the grid is to be computed."""
    if isinstance(n_alphas, str) and n_alphas == "deprecated":
        n_grid = 100
    else:
        warnings.warn(
            "'n_alphas' was deprecated in 1.9 and will be removed in 1.11 (as in "
            "scikit-learn); pass an integer 'alphas'.",
            FutureWarning,
            stacklevel=3,
        )
        n_grid = check_int(n_alphas, "n_alphas")
    if isinstance(alphas, str) and alphas == "warn":
        return n_grid, None
    if alphas is None:
        warnings.warn(
            "'alphas=None' is deprecated and will be removed in 1.11 (as in scikit-learn); "
            "pass 'alphas=100'.",
            FutureWarning,
            stacklevel=3,
        )
        return n_grid, None
    if isinstance(alphas, numbers.Integral) and not isinstance(alphas, (bool, np.bool_)):
        return check_int(alphas, "alphas"), None
    return n_grid, _alpha_array(alphas)


def _enet_path_params(params):
    """``enet_path``'s extra keyword ``params``, checked: a dict of the solver's options."""
    sample_weight = params.pop("sample_weight", None)
    opts = {
        "tol": check_real(params.pop("tol", 1e-4), "tol", low=0.0),
        "max_iter": check_int(params.pop("max_iter", 1000), "max_iter"),
    }
    opts["coef_tol"] = opts["tol"]  # scikit-learn's rule: the coefficients settle too
    random_state = params.pop("random_state", None)
    selection = check_choice(params.pop("selection", "cyclic"), "selection", {"cyclic", "random"})
    opts["screening"] = check_bool(params.pop("do_screening", True), "do_screening")
    opts["n_jobs"] = resolve_n_jobs(params.pop("n_jobs", None))
    for key in ("X_offset", "X_scale"):
        if params.pop(key, None) is not None:
            raise ValueError(f"{key} is not supported by fastreg.enet_path; centre X yourself")
    if params:
        raise ValueError("Unexpected parameters in params", params.keys())
    return sample_weight, selection, random_state, opts


def _enet_path_data(X, y, check_input, positive):
    """X in core form, y as one contiguous target, the output dtype and whether y was 2-D."""
    if check_input:
        if sp.issparse(X):
            X = X.tocsc()
        else:
            X = np.asarray(X)
            if X.dtype not in (np.float32, np.float64):
                X = X.astype(np.float64)
    out_dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
    Xd = as_design(X)
    y = np.asarray(y, dtype=np.float64)
    multi_output = y.ndim != 1
    if multi_output:
        # scikit-learn's check comes first: it holds for multi-task paths too.
        if positive:
            raise ValueError("positive=True is not allowed for multi-output (y.ndim != 1)")
        if y.ndim != 2 or y.shape[1] != 1:
            raise ValueError(f"y must be 1-D or 2-D, got an array of shape {y.shape}")
    y1 = np.ascontiguousarray(y.reshape(-1))
    if y1.shape[0] != Xd.shape[0]:
        raise ValueError(f"X has {Xd.shape[0]} samples but y has {y1.shape[0]}")
    if not np.all(np.isfinite(y1)):
        raise ValueError("y contains NaN or infinity")
    return Xd, y1, out_dtype, multi_output


def enet_path(
    X,
    y,
    *,
    l1_ratio=0.5,
    eps=1e-3,
    n_alphas="deprecated",
    alphas="warn",
    precompute="auto",
    Xy=None,
    copy_X=True,
    coef_init=None,
    verbose=False,
    return_n_iter=False,
    positive=False,
    check_input=True,
    **params,
):
    """Elastic-net path by coordinate descent, a drop-in for
    :func:`sklearn.linear_model.enet_path` (scikit-learn ≥ 1.7 semantics).

    Minimises, for each α, ``1/(2n)·‖y − Xw‖² + α·l1_ratio·‖w‖₁ + α·(1 − l1_ratio)/2·‖w‖²``.
    Like scikit-learn's, it fits **no intercept** (centre X and y first).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Sparse X is used as CSC and never densified.
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        With several targets, the multi-task elastic net as scikit-learn's: the penalty is
        ``α·l1_ratio·Σ_j ‖W[:, j]‖₂ + α·(1 − l1_ratio)/2·‖W‖²_F`` on W of shape
        (n_targets, n_features), so a feature enters every target's model or none.
    l1_ratio : float, default=0.5
        Mix of the L1 and L2 penalties, in [0, 1].
    eps : float, default=1e-3
        Smallest α of a computed grid as a fraction of α_max.
    n_alphas : int, default='deprecated'
        Deprecated alias of an integer ``alphas``.
    alphas : int or array-like, default=100
        Number of α on the computed grid, or the grid itself (sorted largest first).
    precompute : {'auto', True, False} or array-like of shape (n_features, n_features)
        Covariance (Gram) mode, as in scikit-learn; a Gram matrix is checked for shape and
        symmetry but the core builds its own from X.
    Xy : array-like of shape (n_features,), default=None
        Xᵀy, used only to set the α grid.
    copy_X : bool, default=True
        Accepted for compatibility; X is never written.
    coef_init : array-like of shape (n_features,) or (n_targets, n_features), default=None
        Warm start of the first α.
    verbose : bool, default=False
        Print the number of α and epochs.
    return_n_iter : bool, default=False
        Also return the epochs run at each α.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    check_input : bool, default=True
        Convert X to float64 / CSC; with False, X must already be so.
    **params
        ``tol`` (scikit-learn's rule: stop once an epoch moves no coefficient by more than
        tol·max|w_j| and the duality gap is ≤ tol·‖y‖²/n), ``max_iter`` (epochs per α),
        ``sample_weight`` (as scikit-learn: used, unnormalised, for sparse X only; ignored for
        dense X, which its callers rescale by √w), ``random_state``, ``selection``,
        ``do_screening`` (strong rules and gap-safe screening; results are the same either
        way), ``n_jobs`` (threads for the full-gradient sweeps and the Gram matrix; ``None``
        or 1 is one thread).

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_features, n_alphas)
        ``(n_targets, n_features, n_alphas)`` for a 2-D ``y``.
    dual_gaps : ndarray of shape (n_alphas,)
    n_iters : list of int
        Only with ``return_n_iter=True``.
    """
    l1_ratio = check_real(l1_ratio, "l1_ratio", low=0.0, high=1.0)
    eps = check_real(eps, "eps", low=0.0, low_open=True)
    n_grid, alpha_values = _enet_path_grid(n_alphas, alphas)
    sample_weight, selection, random_state, solver_opts = _enet_path_params(params)
    check_bool(positive, "positive")
    if is_multi_target(y):
        return multitask_enet_path(
            X,
            y,
            l1_ratio=l1_ratio,
            eps=eps,
            n_grid=n_grid,
            alpha_values=alpha_values,
            precompute=precompute,
            Xy=Xy,
            coef_init=coef_init,
            verbose=verbose,
            return_n_iter=return_n_iter,
            positive=positive,
            check_input=check_input,
            sample_weight=sample_weight,
            selection=selection,
            random_state=random_state,
            solver_opts=solver_opts,
        )
    Xd, y1, out_dtype, multi_output = _enet_path_data(X, y, check_input, positive)
    n_samples, n_features = Xd.shape
    gram_mode = check_precompute(precompute, n_features, sparse=sp.issparse(Xd))
    sw = check_sample_weight(sample_weight, n_samples)
    if not sp.issparse(Xd):
        # scikit-learn's dense enet_path ignores sample_weight (ElasticNet.fit rescales X and y
        # by √w before calling it); only its sparse solver reads the weights.
        sw = None
    # scikit-learn's sparse cd_fast uses the weights as given: ½Σw r² + n·α·pen. The core
    # rescales weights to sum to n, the same problem at α' = α·n/Σw (gaps scale by Σw/n).
    weight_scale = 1.0 if sw is None else float(sw.sum()) / n_samples

    if alpha_values is None:
        alpha_values = sklearn_alpha_grid(
            Xd, y1, Xy=Xy, l1_ratio=l1_ratio, eps=eps, n_alphas=n_grid, positive=positive
        )
    init = None
    if coef_init is not None:
        init = np.ascontiguousarray(np.asarray(coef_init, dtype=np.float64).reshape(-1))
    result = run_path(
        Xd,
        y1,
        sample_weight=sw,
        coef_init=init,
        alphas=alpha_values / weight_scale,
        l1_ratio=l1_ratio,
        fit_intercept=False,
        positive=positive,
        random_seed=random_seed(selection, random_state),
        precompute=gram_mode,
        **solver_opts,
    )
    coefs = result.coefs.astype(out_dtype, copy=False)
    dual_gaps = result.dual_gaps * weight_scale
    converged, n_iters = result.converged, result.n_iters
    if not np.all(converged):
        bad = int(np.sum(~converged))
        warnings.warn(
            f"Objective did not converge at {bad} of {len(converged)} alphas. You might want "
            f"to increase the number of iterations (max_iter={solver_opts['max_iter']}). "
            f"Largest duality gap: {np.max(dual_gaps):.3e}",
            ConvergenceWarning,
            stacklevel=2,
        )
    if verbose:
        print(f"fastreg.enet_path: {len(alpha_values)} alphas, {int(np.sum(n_iters))} epochs")
    if multi_output:
        coefs = coefs[np.newaxis]
    alphas_out = np.asarray(alpha_values, dtype=np.float64)
    if return_n_iter:
        return alphas_out, coefs, dual_gaps, [int(k) for k in n_iters]
    return alphas_out, coefs, dual_gaps


def lasso_path(
    X,
    y,
    *,
    eps=1e-3,
    n_alphas="deprecated",
    alphas="warn",
    precompute="auto",
    Xy=None,
    copy_X=True,
    coef_init=None,
    verbose=False,
    return_n_iter=False,
    positive=False,
    **params,
):
    """Lasso path by coordinate descent, a drop-in for :func:`sklearn.linear_model.lasso_path`:
    :func:`enet_path` with ``l1_ratio=1``. Fits no intercept, like scikit-learn's.

    Parameters
    ----------
    X, y, eps, n_alphas, alphas, precompute, Xy, copy_X, coef_init, verbose, return_n_iter, \
positive, **params
        As in :func:`enet_path`.

    Returns
    -------
    alphas, coefs, dual_gaps[, n_iters]
        As in :func:`enet_path`.
    """
    return enet_path(
        X,
        y,
        l1_ratio=1.0,
        eps=eps,
        n_alphas=n_alphas,
        alphas=alphas,
        precompute=precompute,
        Xy=Xy,
        copy_X=copy_X,
        coef_init=coef_init,
        verbose=verbose,
        return_n_iter=return_n_iter,
        positive=positive,
        **params,
    )


class Path:
    """A fitted regularisation path, as returned by :func:`path`.

    Parameters
    ----------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_features, n_alphas) or scipy.sparse CSC matrix
    intercepts, gaps, objectives, n_iters, converged, r2 : ndarray of shape (n_alphas,)
        As the attributes below.
    l1_ratio : float
    kkt_resolves : int
    fit_intercept : bool

    Attributes
    ----------
    alphas_ : ndarray of shape (n_alphas,)
        The grid, decreasing.
    coef_ : ndarray of shape (n_features, n_alphas) or scipy.sparse CSC matrix
        Coefficients on the original scale of X; a CSC matrix when that is smaller and the
        array would take over 1 MiB.
    intercept_ : ndarray of shape (n_alphas,)
    dual_gap_ : ndarray of shape (n_alphas,)
        Duality gap of each point (objective units, per sample).
    objective_ : ndarray of shape (n_alphas,)
        Primal objective of each point.
    n_iter_ : ndarray of shape (n_alphas,)
        Epochs per α.
    converged_ : ndarray of bool of shape (n_alphas,)
    df_ : ndarray of shape (n_alphas,)
        Number of non-zero coefficients.
    r2_ : ndarray of shape (n_alphas,)
        Fraction of (weighted) null deviance explained (glmnet's ``dev.ratio``).
    l1_ratio : float
    kkt_resolves_ : int
        Re-solves triggered by strong-rule misses (for diagnostics).
    """

    def __init__(
        self,
        alphas,
        coefs,
        intercepts,
        gaps,
        objectives,
        n_iters,
        converged,
        r2,
        l1_ratio,
        kkt_resolves,
        fit_intercept,
    ):
        self.alphas_ = alphas
        # coefs: the core's choice of an ndarray or a CSC matrix with int32 indices
        self.coef_ = coefs
        self.intercept_ = intercepts
        self.dual_gap_ = gaps
        self.objective_ = objectives
        self.n_iter_ = n_iters
        self.converged_ = converged
        self.r2_ = r2
        self.l1_ratio = l1_ratio
        self.kkt_resolves_ = kkt_resolves
        self.fit_intercept = fit_intercept

    @property
    def df_(self):
        c = self.coef_
        nnz = np.diff(c.indptr) if sp.issparse(c) else np.count_nonzero(c, axis=0)
        return nnz.astype(np.int64)

    @property
    def n_features_in_(self):
        return self.coef_.shape[0]

    def _dense_coef(self):
        return self.coef_.toarray() if sp.issparse(self.coef_) else self.coef_

    def coef_at(self, alpha):
        """Coefficients and intercept at ``alpha`` (scalar or array), interpolated linearly in α
        between grid points and clamped to the grid's range, as glmnet's ``coef(fit, s=)``.
        Returns ``(coef, intercept)`` with coef of shape (n_features,) for a scalar alpha or
        (n_features, len(alpha)) for an array."""
        scalar = np.ndim(alpha) == 0
        s = np.atleast_1d(np.asarray(alpha, dtype=np.float64))
        if np.any(~np.isfinite(s)) or np.any(s < 0):
            raise ValueError("alpha must be finite and >= 0")
        a = self.alphas_
        C = self._dense_coef()
        if len(a) == 1:
            coef = np.repeat(C[:, :1], len(s), axis=1)
            icpt = np.repeat(self.intercept_[:1], len(s))
        else:
            # glmnet's lambda.interp: position on a linear scale of the (decreasing) grid
            frac = (a[0] - a) / (a[0] - a[-1])
            sfrac = np.clip((a[0] - s) / (a[0] - a[-1]), frac.min(), frac.max())
            coord = np.interp(sfrac, frac, np.arange(len(a)))
            left = np.floor(coord).astype(int)
            right = np.ceil(coord).astype(int)
            denom = frac[left] - frac[right]
            with np.errstate(invalid="ignore", divide="ignore"):
                w = np.where(
                    np.abs(denom) < np.finfo(float).eps,
                    1.0,
                    (sfrac - frac[right]) / np.where(denom == 0, 1.0, denom),
                )
            w = np.where(left == right, 1.0, w)
            coef = C[:, left] * w + C[:, right] * (1.0 - w)
            icpt = self.intercept_[left] * w + self.intercept_[right] * (1.0 - w)
        if scalar:
            return coef[:, 0], float(icpt[0])
        return coef, icpt

    def predict(self, X, alpha=None):
        """Predictions at every grid α, shape (n_samples, n_alphas), or at ``alpha`` (scalar:
        (n_samples,); array: (n_samples, len(alpha))), interpolated as :meth:`coef_at`."""
        if not sp.issparse(X):
            X = np.asarray(X, dtype=np.float64)
            if X.ndim != 2:
                raise ValueError("X must be 2-D")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, the path was fitted with {self.n_features_in_}"
            )
        if alpha is None:
            return np.asarray(X @ self.coef_) + self.intercept_
        coef, icpt = self.coef_at(alpha)
        return np.asarray(X @ coef) + icpt

    def __repr__(self):
        k = len(self.alphas_)
        rows = range(k) if k <= 12 else sorted(set(np.linspace(0, k - 1, 10).astype(int)))
        lines = [
            (
                f"Path(l1_ratio={self.l1_ratio:g}, n_alphas={k}, "
                f"n_features={self.n_features_in_}, converged={int(np.sum(self.converged_))}/{k})"
            ),
            f"{'':>5} {'alpha':>12} {'df':>6} {'%dev':>8} {'dual gap':>11} {'epochs':>7}",
        ]
        for i in rows:
            lines.append(
                f"{i:>5} {self.alphas_[i]:>12.5g} {self.df_[i]:>6d} {100 * self.r2_[i]:>8.2f} "
                f"{self.dual_gap_[i]:>11.3e} {int(self.n_iter_[i]):>7d}"
            )
        if k > 12:
            lines.append(f"({k - len(rows)} rows not shown)")
        return "\n".join(lines)

    def plot(self, ax=None, label=False):
        """Coefficient paths against log α, with the number of non-zeros on the top axis.
        Needs matplotlib (imported only here). Returns the axes."""
        try:
            import matplotlib.pyplot as plt
        except ImportError as exc:  # pragma: no cover
            raise ImportError("Path.plot needs matplotlib: pip install matplotlib") from exc
        if ax is None:
            _, ax = plt.subplots()
        C = self._dense_coef()
        x = np.log10(self.alphas_)
        for j in np.flatnonzero(np.any(C != 0, axis=1)):
            ax.plot(x, C[j], lw=1, label=f"x{j}" if label else None)
        ax.set_xlabel("log10(alpha)")
        ax.set_ylabel("coefficient")
        ax.axhline(0, color="0.6", lw=0.5)
        ax.invert_xaxis()
        top = ax.twiny()
        top.set_xlim(ax.get_xlim())
        ticks = np.linspace(0, len(x) - 1, min(len(x), 6)).astype(int)
        top.set_xticks(x[ticks])
        top.set_xticklabels([str(d) for d in self.df_[ticks]])
        top.set_xlabel("non-zero coefficients")
        if label:
            ax.legend(fontsize="small")
        return ax


def _path_target(y, n_samples):
    """y as one contiguous float64 target."""
    if y is None:
        raise TypeError("fastreg.path needs y, the target values (got None)")
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise NotImplementedError("fastreg.path supports a single target")
    y = np.ascontiguousarray(y)
    if y.shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} samples but y has {y.shape[0]}")
    # (NaN or infinity in y: the core's error, raised before it reads y)
    return y


def _path_grid(alphas, eps, n_samples, n_features):
    """``path``'s grid arguments: ``(n_grid, eps, alpha_values)``, alpha_values None when the
    core computes the grid."""
    if isinstance(eps, str):
        if eps != "glmnet":
            raise ValueError(f"eps must be a float in (0, 1] or 'glmnet', got {eps!r}")
        eps = 1e-4 if n_samples > n_features else 1e-2
    eps = check_real(eps, "eps", low=0.0, low_open=True, high=1.0)
    if isinstance(alphas, numbers.Integral) and not isinstance(alphas, (bool, np.bool_)):
        return check_int(alphas, "alphas"), eps, None
    return 100, eps, None if alphas is None else _alpha_array(alphas)


def path(
    X,
    y,
    *,
    l1_ratio=1.0,
    alphas=100,
    eps=1e-3,
    fit_intercept=True,
    standardize=False,
    sample_weight=None,
    penalty_factor=None,
    lower_bounds=None,
    upper_bounds=None,
    positive=False,
    tol=1e-6,
    max_iter=100_000,
    coef_init=None,
    precompute="auto",
    screening=True,
    early_stop=False,
    n_jobs=None,
    selection="cyclic",
    random_state=None,
):
    """Fit a regularisation path and return a :class:`Path`.

    Objective at each α: ``1/(2n)·Σ w_i (y_i − b − x_iᵀβ)² + α·Σ_j pf_j·(l1_ratio·|β_j| +
    (1 − l1_ratio)/2·β_j²)`` subject to ``lower ≤ β ≤ upper`` (glmnet's model; weights are
    rescaled to sum to n, penalty factors to sum to p; with ``standardize`` the penalty applies
    to β_j·sd_j, coefficients are returned on the original scale and bounds are on that scale).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Sparse X is used as CSC and never densified.
    y : array-like of shape (n_samples,) or (n_samples, 1)
    l1_ratio : float, default=1.0
        Mix of the L1 and L2 penalties, in [0, 1].
    alphas : int or array-like, default=100
        Number of α on the computed grid, or the grid itself (sorted largest first).
    eps : float or 'glmnet', default=1e-3
        Smallest α of a computed grid as a fraction of α_max; ``'glmnet'`` is glmnet's
        ``lambda.min.ratio`` (1e-4 if n > p else 1e-2).
    fit_intercept : bool, default=True
    standardize : bool, default=False
        Penalise β_j·sd_j; coefficients are returned on the original scale.
    sample_weight : array-like of shape (n_samples,), default=None
    penalty_factor : float or array-like of shape (n_features,), default=None
        Per-feature multiplier of the penalty (0 = unpenalised, inf = excluded).
    lower_bounds, upper_bounds : float or array-like of shape (n_features,), default=None
        Box constraints, lower ≤ 0 ≤ upper.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    tol : float, default=1e-6
        **Relative**: each point stops when its duality gap is ≤ tol × its objective, so the
        objective's relative excess is ≤ tol.
    max_iter : int, default=100000
        Epochs per α.
    coef_init : array-like of shape (n_features,), default=None
        Warm start of the first α.
    precompute : {'auto', True, False} or array-like, default='auto'
        Covariance (Gram) mode, as glmnet's ``type.gaussian``: 'auto' uses it for dense X
        with more samples than features (at most 3000), True forces it, False never.
    screening : bool, default=True
        Strong rules and gap-safe screening (the results are the same either way).
    early_stop : bool, default=False
        Stop as glmnet does once the deviance explained stalls.
    n_jobs : int, default=None
        Threads for full-gradient sweeps and the Gram matrix (``None`` or 1: one thread).
    selection : {'cyclic', 'random'}, default='cyclic'
    random_state : int, RandomState instance or None, default=None
        Seeds ``selection='random'``.

    Returns
    -------
    Path
        The fitted path: coefficients, intercepts and certificates at every α.
    """
    l1_ratio = check_real(l1_ratio, "l1_ratio", low=0.0, high=1.0)
    for value, name in [
        (fit_intercept, "fit_intercept"),
        (standardize, "standardize"),
        (positive, "positive"),
        (screening, "screening"),
        (early_stop, "early_stop"),
    ]:
        check_bool(value, name)
    tol = check_real(tol, "tol", low=0.0)
    max_iter = check_int(max_iter, "max_iter")
    check_choice(selection, "selection", {"cyclic", "random"})
    Xd = as_design(X) if sp.issparse(X) else as_design(np.asarray(X))
    n_samples, n_features = Xd.shape
    gram_mode = check_precompute(precompute, n_features, sparse=sp.issparse(Xd))
    y = _path_target(y, n_samples)
    sw = check_sample_weight(sample_weight, n_samples)
    pf, lo, hi = check_feature_options(penalty_factor, lower_bounds, upper_bounds, n_features)
    n_grid, eps, alpha_values = _path_grid(alphas, eps, n_samples, n_features)
    init = None
    if coef_init is not None:
        init = check_feature_vector(coef_init, n_features, "coef_init")
    result = run_path(
        Xd,
        y,
        sample_weight=sw,
        coef_init=init,
        penalty_factor=pf,
        lower_bounds=lo,
        upper_bounds=hi,
        alphas=alpha_values,
        n_alphas=n_grid,
        eps=eps,
        l1_ratio=l1_ratio,
        fit_intercept=fit_intercept,
        standardize=standardize,
        max_iter=max_iter,
        tol=0.0,
        rel_tol=tol,
        positive=positive,
        random_seed=random_seed(selection, random_state),
        screening=screening,
        n_jobs=resolve_n_jobs(n_jobs),
        early_stop=early_stop,
        precompute=gram_mode,
        dense_coef=False,
    )
    a, converged = result.alphas, result.converged
    if not np.all(converged):
        warnings.warn(
            f"Path did not converge at {int(np.sum(~converged))} of {len(a)} alphas "
            f"(max_iter={max_iter}); see Path.converged_ and Path.dual_gap_.",
            ConvergenceWarning,
            stacklevel=2,
        )
    return Path(
        a,
        path_coefs(result, n_features),
        result.intercepts,
        result.dual_gaps,
        result.objectives,
        result.n_iters,
        converged,
        result.dev_ratio,
        l1_ratio,
        result.kkt_resolves,
        fit_intercept,
    )
