"""``enet_path`` / ``lasso_path`` with several targets: scikit-learn's multi-task elastic net
(row-group penalty, its ``enet_coordinate_descent_multi_task``) along a path, through the
core's block coordinate descent, with scikit-learn's shapes, grid and stopping rule."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from ._core import run_multitask_path
from ._grids import _grid_overflow, geometric_grid
from ._scaling import Rescaling
from ._validation import as_design, check_precompute, check_sample_weight, random_seed

__all__ = ["is_multi_target", "multitask_alpha_grid", "multitask_enet_path"]


def is_multi_target(y):
    """Whether y has several target columns (y of shape (n, 1) keeps the one-target path)."""
    return np.ndim(y) == 2 and np.shape(y)[1] != 1


def multitask_alpha_grid(X, Y, *, Xy, l1_ratio, eps, n_alphas):
    """scikit-learn's ``_alpha_grid`` for several targets as ``enet_path`` calls it (no
    intercept, no weights): α_max = max_j ‖x_jᵀY‖₂ / (n·l1_ratio), the smallest α at which
    every row of W is zero. ``Xy`` (XᵀY, precomputed) is used as given."""
    if l1_ratio == 0:
        raise ValueError(
            "Automatic alpha grid generation is not supported for l1_ratio=0. "
            "Please supply a grid by providing your estimator with the appropriate "
            "`alphas=` argument."
        )
    sc = Rescaling()
    if Xy is not None:
        Xyw = np.asarray(Xy, dtype=np.float64).reshape(X.shape[1], -1)
    else:
        # computed on X and Y brought into range, then scaled back (see _scaling)
        sc = Rescaling.for_enet(X, Y, None, standardize=False)
        Xyw = np.asarray(sc.design(X).T @ sc.target(Y))
    top = float(np.max(np.linalg.norm(Xyw, axis=1)))
    grid = sc.enet_alphas_out(geometric_grid(top / (X.shape[0] * l1_ratio), eps, n_alphas), 1.0)
    if not np.all(np.isfinite(grid)):
        raise _grid_overflow()
    return grid


def _targets(y, n_samples):
    Y = np.asarray(y, dtype=np.float64)
    if Y.shape[1] == 0:
        raise ValueError("y has 0 target columns")
    if Y.shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} samples but y has {Y.shape[0]}")
    if not np.all(np.isfinite(Y)):
        raise ValueError("y contains NaN or infinity")
    return Y


def _coef_init(coef_init, n_targets, n_features):
    if coef_init is None:
        return None
    W = np.asarray(coef_init, dtype=np.float64)
    if W.shape != (n_targets, n_features):
        raise ValueError(
            f"coef_init must have shape (n_targets, n_features) = ({n_targets}, {n_features}) "
            f"for y with {n_targets} targets, got {W.shape}"
        )
    if not np.all(np.isfinite(W)):
        raise ValueError("coef_init contains NaN or infinity")
    return W


def multitask_enet_path(
    X,
    y,
    *,
    l1_ratio,
    eps,
    n_grid,
    alpha_values,
    precompute,
    Xy,
    coef_init,
    verbose,
    return_n_iter,
    positive,
    check_input,
    sample_weight,
    selection,
    random_state,
    solver_opts,
):
    """:func:`fastreg.enet_path` for y of shape (n_samples, n_targets), n_targets ≥ 2, its
    arguments already checked one by one. Returns scikit-learn's shapes: coefs
    (n_targets, n_features, n_alphas), dual_gaps (n_alphas,)."""
    # scikit-learn's check, and the only meaning positive could have: per entry of W
    if positive:
        raise ValueError("positive=True is not allowed for multi-output (y.ndim != 1)")
    if check_input:
        if sp.issparse(X):
            X = X.tocsc()
        else:
            X = np.asarray(X)
            if X.dtype not in (np.float32, np.float64):
                X = X.astype(np.float64)
    out_dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
    Xd = as_design(X)
    n_samples, n_features = Xd.shape
    Y = _targets(y, n_samples)
    # checked for scikit-learn's errors; its multi-task solver has no covariance mode
    check_precompute(precompute, n_features, sparse=sp.issparse(Xd))
    sw = check_sample_weight(sample_weight, n_samples)
    if not sp.issparse(Xd):
        # as the one-target path: scikit-learn's dense solver does not read the weights
        sw = None
    # the weights as given (sparse X), the core's summing to n: α' = α·n/Σw, gaps ×Σw/n
    weight_scale = 1.0 if sw is None else float(sw.sum()) / n_samples
    if alpha_values is None:
        alpha_values = multitask_alpha_grid(
            Xd, Y, Xy=Xy, l1_ratio=l1_ratio, eps=eps, n_alphas=n_grid
        )
    result = run_multitask_path(
        Xd,
        Y,
        alphas=alpha_values / weight_scale,
        sample_weight=sw,
        coef_init=_coef_init(coef_init, Y.shape[1], n_features),
        l1_ratio=l1_ratio,
        fit_intercept=False,
        max_iter=solver_opts["max_iter"],
        tol=solver_opts["tol"],
        random_seed=random_seed(selection, random_state),
        screening=solver_opts["screening"],
    )
    coefs = np.asarray(result.coefs).astype(out_dtype, copy=False)
    dual_gaps = np.asarray(result.dual_gaps) * weight_scale
    converged, n_iters = np.asarray(result.converged), result.n_iters
    if not np.all(converged):
        warnings.warn(
            f"Objective did not converge at {int(np.sum(~converged))} of {len(converged)} "
            f"alphas. You might want to increase the number of iterations "
            f"(max_iter={solver_opts['max_iter']}). Largest duality gap: "
            f"{np.max(dual_gaps):.3e}",
            ConvergenceWarning,
            stacklevel=3,
        )
    if verbose:
        print(
            f"fastreg.enet_path: {len(alpha_values)} alphas, {Y.shape[1]} targets, "
            f"{int(np.sum(n_iters))} epochs"
        )
    alphas_out = np.asarray(alpha_values, dtype=np.float64)
    if return_n_iter:
        return alphas_out, coefs, dual_gaps, [int(k) for k in n_iters]
    return alphas_out, coefs, dual_gaps
