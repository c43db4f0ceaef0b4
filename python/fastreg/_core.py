"""The calls into the compiled core (``_fastreg``): X in core form (see ``as_design``) passed
as one design argument, dense or CSC; the core answers with result objects with named fields
(``EnetResult``, ``PathResult``, ``MultiTaskPathResult``, ``CvResult``)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from . import _fastreg
from ._scaling import Rescaling


def design_arg(Xd):
    """The design argument of the core: a Fortran array, or the CSC triple with n_samples."""
    if sp.issparse(Xd):
        return (Xd.data, Xd.indices, Xd.indptr, Xd.shape[0])
    return Xd


def fit_enet(Xd, y, sample_weight, coef_init, **params):
    """One elastic-net fit of one target; ``params`` are ``_fastreg.enet_fit``'s keywords."""
    sc = Rescaling.for_enet(Xd, y, sample_weight, standardize=False)
    params = {**params, "l1": sc.penalty(params["l1"]), "l2": sc.l2_penalty(params["l2"])}
    result = _fastreg.enet_fit(
        design_arg(sc.design(Xd)),
        sc.target(y),
        sc.weights(sample_weight),
        sc.coef_in(coef_init),
        **params,
    )
    return sc.enet_result(result)


def run_path(
    Xd,
    y,
    *,
    sample_weight=None,
    coef_init=None,
    penalty_factor=None,
    lower_bounds=None,
    upper_bounds=None,
    alphas=None,
    n_alphas=100,
    eps=1e-3,
    l1_ratio=1.0,
    fit_intercept=False,
    standardize=False,
    max_iter=1000,
    tol=1e-4,
    rel_tol=0.0,
    coef_tol=0.0,
    positive=False,
    random_seed=None,
    screening=True,
    n_jobs=1,
    early_stop=False,
    precompute="auto",
    dense_coef=True,
):
    """One target's path through the core; returns its ``PathResult``, whose ``coefs`` is an
    ndarray of shape (n_features, n_alphas), or with ``dense_coef=False`` compressed sparse
    columns when that is smaller and the array would take over 1 MiB (see ``path_coefs``).
    ``coef_tol`` > 0 adds scikit-learn's condition on the coefficients' last changes to the
    gap's (0: the gap alone decides, as ``fastreg.path``)."""
    opts = {
        "alphas": None if alphas is None else np.asarray(alphas, dtype=np.float64).ravel().tolist(),
        "n_alphas": int(n_alphas),
        "eps": float(eps),
        "l1_ratio": float(l1_ratio),
        "fit_intercept": bool(fit_intercept),
        "standardize": bool(standardize),
        "max_iter": int(max_iter),
        "tol": float(tol),
        "rel_tol": float(rel_tol),
        "coef_tol": float(coef_tol),
        "positive": bool(positive),
        "random_seed": random_seed,
        "screening": bool(screening),
        "n_jobs": int(n_jobs),
        "early_stop": bool(early_stop),
        "precompute": precompute,
        "dense_coef": bool(dense_coef),
    }
    sc = Rescaling.for_enet(Xd, y, sample_weight, standardize=bool(standardize))
    opts["alphas"] = sc.enet_alphas(opts["alphas"], l1_ratio)
    opts["l1_ratio"] = sc.enet_l1_ratio(l1_ratio)
    result = _fastreg.enet_path(
        design_arg(sc.design(Xd)),
        sc.target(y),
        sc.weights(sample_weight),
        sc.coef_in(coef_init),
        penalty_factor,
        sc.coef_in(lower_bounds),
        sc.coef_in(upper_bounds),
        opts,
    )
    return sc.path_result(result, l1_ratio)


def run_multitask_path(
    Xd,
    Y,
    *,
    alphas,
    sample_weight=None,
    coef_init=None,
    l1_ratio=1.0,
    fit_intercept=False,
    max_iter=1000,
    tol=1e-4,
    random_seed=None,
    screening=True,
):
    """A multi-task path through the core, Y of shape (n_samples, n_targets) and coef_init of
    shape (n_targets, n_features); returns its ``MultiTaskPathResult`` (coefs of shape
    (n_targets, n_features, n_alphas), intercepts (n_targets, n_alphas))."""
    sc = Rescaling.for_enet(Xd, Y, sample_weight, standardize=False)
    opts = {
        "alphas": sc.enet_alphas(np.asarray(alphas, dtype=np.float64).ravel().tolist(), l1_ratio),
        "l1_ratio": sc.enet_l1_ratio(l1_ratio),
        "fit_intercept": bool(fit_intercept),
        "max_iter": int(max_iter),
        "tol": float(tol),
        "random_seed": random_seed,
        "screening": bool(screening),
    }
    Ys = sc.target(Y)
    init = sc.coef_in(coef_init)
    result = _fastreg.enet_path_multitask(
        design_arg(sc.design(Xd)),
        np.ravel(Ys, order="F"),
        Ys.shape[1],
        sc.weights(sample_weight),
        None if init is None else np.ascontiguousarray(init, dtype=np.float64).ravel(),
        opts,
    )
    return sc.path_result(result, l1_ratio)


def path_coefs(result, n_features):
    """A ``PathResult``'s coefficients as an ndarray, or as a CSC matrix (int32 indices, no
    copy) when the core returned compressed sparse columns."""
    coefs = result.coefs
    if isinstance(coefs, np.ndarray):
        return coefs
    indptr, indices, values = coefs
    return sp.csc_matrix((values, indices, indptr), shape=(n_features, len(result.alphas)))


def cross_validate(Xd, y, sample_weight, feature_options, train, test, opts, progress):
    """Every (l1_ratio, fold) path through the core; ``feature_options`` is the checked
    ``(penalty_factor, lower_bounds, upper_bounds)``. Returns its ``CvResult``."""
    pf, lo, hi = feature_options
    sc = Rescaling.for_enet(Xd, y, sample_weight, standardize=bool(opts["standardize"]))
    ratios = opts["l1_ratios"]
    opts = {
        **opts,
        "alphas": [sc.enet_alphas(g, r) for g, r in zip(opts["alphas"], ratios)],
        "l1_ratios": [sc.enet_l1_ratio(r) for r in ratios],
    }
    result = _fastreg.enet_cv(
        design_arg(sc.design(Xd)),
        sc.target(y),
        sc.weights(sample_weight),
        pf,
        sc.coef_in(lo),
        sc.coef_in(hi),
        train,
        test,
        opts,
        progress,
    )
    return sc.cv_result(result)


def path_from_stats(core, feature_options, opts):
    """One path from a ``GramStatsCore`` alone (covariance mode); ``opts`` as ``enet_path``'s.
    Returns its ``PathResult``."""
    pf, lo, hi = feature_options
    return _fastreg.enet_path_stats(core, pf, lo, hi, opts)


def cross_validate_from_stats(fold_cores, feature_options, opts):
    """K-fold CV from each fold's ``GramStatsCore`` alone; ``opts`` as ``enet_cv``'s. Returns
    its ``CvResult``."""
    pf, lo, hi = feature_options
    return _fastreg.enet_cv_stats(fold_cores, pf, lo, hi, opts)
