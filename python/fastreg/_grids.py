"""The α grids: scikit-learn's (``_alpha_grid``: α_max from Xᵀy) and glmnet's (α_max of the
penalised problem, from the core, respecting penalty factors, bounds and standardisation),
both geometric from α_max down to eps·α_max."""

from __future__ import annotations

import numpy as np

from ._core import run_path
from ._scaling import Rescaling

_RESOLUTION = np.finfo(np.float64).resolution


def _grid_overflow():
    return ValueError(
        "the automatic alpha grid overflows float64: alpha_max = max|Xᵀy|/(n·l1_ratio) is "
        "above 1.8e308 for X and y of this magnitude; rescale X or y, or pass alphas"
    )


def geometric_grid(alpha_max, eps, n_alphas):
    """``n_alphas`` values from α_max down to eps·α_max, evenly spaced on a log scale; a
    vanishing α_max (y orthogonal to X) gives a constant grid at float64 resolution."""
    if not np.isfinite(alpha_max):
        raise _grid_overflow()
    if alpha_max <= _RESOLUTION:
        return np.full(n_alphas, _RESOLUTION)
    return np.geomspace(alpha_max, alpha_max * eps, num=n_alphas)


def sklearn_alpha_grid(
    X,
    y,
    *,
    l1_ratio,
    eps,
    n_alphas,
    positive,
    sample_weight=None,
    fit_intercept=False,
    Xy=None,
):
    """scikit-learn's ``_alpha_grid`` (≥ 1.7), X in core form. ``Xy`` (Xᵀy, precomputed) is
    used as given, as ``enet_path`` passes it (no intercept, no weights there)."""
    if l1_ratio == 0:
        raise ValueError(
            "Automatic alpha grid generation is not supported for l1_ratio=0. "
            "Please supply a grid by providing your estimator with the appropriate "
            "`alphas=` argument."
        )
    sw = sample_weight
    # α_max computed on X and y brought into range (see _scaling), then scaled back: it is
    # max|Xᵀy|/(n·l1_ratio), an L1 strength
    sc = Rescaling()
    if Xy is not None:
        Xyw = np.asarray(Xy).ravel()
    else:
        sc = Rescaling.for_enet(X, y, sw, standardize=False)
        X, y, sw = sc.design(X), sc.target(y), sc.weights(sw)
        if fit_intercept:
            y = y - np.average(y, weights=sw)
        yw = y if sw is None else y * sw
        Xyw = np.asarray(X.T @ yw).ravel()
        if fit_intercept:
            x_mean = np.asarray(X.T @ (np.ones_like(y) if sw is None else sw)).ravel()
            x_mean /= X.shape[0] if sw is None else sw.sum()
            Xyw = Xyw - x_mean * yw.sum()
    n = X.shape[0] if sw is None else sw.sum()
    top = max(0.0, float(np.max(Xyw))) if positive else float(np.max(np.abs(Xyw)))
    # the grid is made in the scaled units, so "vanishing" means the same at every scale
    grid = sc.enet_alphas_out(geometric_grid(top / (n * l1_ratio), eps, n_alphas), 1.0)
    if not np.all(np.isfinite(grid)):
        raise _grid_overflow()
    return grid


def glmnet_alpha_grid(
    X,
    y,
    *,
    l1_ratio,
    eps,
    n_alphas,
    positive,
    sample_weight,
    fit_intercept,
    feature_options,
    standardize,
):
    """glmnet's grid: α_max of the core for the penalised problem (``feature_options`` the
    checked penalty factors and bounds). A one-point path at α_max is all zeros but the
    unpenalised features, so it is cheap."""
    pf, lo, hi = feature_options
    result = run_path(
        X,
        y,
        sample_weight=sample_weight,
        penalty_factor=pf,
        lower_bounds=lo,
        upper_bounds=hi,
        standardize=standardize,
        alphas=None,
        n_alphas=1,
        eps=eps,
        l1_ratio=l1_ratio,
        fit_intercept=fit_intercept,
        positive=positive,
        precompute="never",  # α_max needs one gradient, not a Gram matrix
    )
    return geometric_grid(float(result.alphas[0]), eps, n_alphas)
