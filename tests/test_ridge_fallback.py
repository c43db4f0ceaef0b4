"""When Cholesky gives up on a badly conditioned Ridge system (weights spanning twelve decades,
nearly collinear columns, small alpha), the fallback must still reach the optimum as closely as
scikit-learn's own solvers do."""

import warnings

import numpy as np
import pytest
from fastreg import Ridge
from sklearn import linear_model as sk


def wide_weighted_collinear(seed, scale, n=50, p=200, rank=5, noise=1e-3):
    rng = np.random.default_rng(seed)
    X = scale * (
        rng.standard_normal((n, rank)) @ rng.standard_normal((rank, p))
        + noise * rng.standard_normal((n, p))
    )
    y = rng.standard_normal(n)
    w = np.logspace(-6, 6, n)
    rng.shuffle(w)
    return X, y, w


def objective(X, y, w, coef, intercept, alpha):
    """scikit-learn's Ridge objective in extended precision."""
    ld = np.longdouble
    r = y.astype(ld) - X.astype(ld) @ coef.astype(ld) - ld(intercept)
    return float(np.sum(w.astype(ld) * r * r) + ld(alpha) * np.sum(coef.astype(ld) ** 2))


@pytest.mark.parametrize(("scale", "noise"), [(10.0, 1e-3), (100.0, 1e-3), (100.0, 1e-9)])
def test_cholesky_fallback_reaches_the_optimum(scale, noise):
    X, y, w = wide_weighted_collinear(0, scale, noise=noise)
    alpha = 1e-3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = Ridge(alpha=alpha, solver="cholesky").fit(X, y, sample_weight=w)
        refs = [
            sk.Ridge(alpha=alpha, solver=s).fit(X, y, sample_weight=w) for s in ("svd", "cholesky")
        ]
    # The case under test: Cholesky on the kernel gave up.
    assert ours.solver_ == "eigh_dual"
    best = min(objective(X, y, w, m.coef_, m.intercept_, alpha) for m in refs)
    got = objective(X, y, w, ours.coef_, ours.intercept_, alpha)
    assert (got - best) / best <= 1e-10, (got - best) / best
