"""Multi-target ``enet_path`` / ``lasso_path``: the multi-task elastic net (row-group penalty)
against scikit-learn's enet_path and MultiTaskElasticNet, its optimality conditions from first
principles, dense against sparse X, and a duplicated target against the one-target path."""

from __future__ import annotations

import warnings

import fastreg
import numpy as np
import pytest
import scipy.sparse as sp
from fastreg._validation import as_design
from sklearn import linear_model as sklm

TIGHT = dict(tol=1e-12, max_iter=100_000)


def _data(n=50, p=20, t=3, seed=0, sparse=False):
    """X with some correlation and (optionally) a third of its entries zero; Y from a shared
    support of four features plus noise."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + 0.3 * rng.standard_normal((n, 1))
    if sparse:
        X[rng.uniform(size=X.shape) < 0.35] = 0.0
    W = np.zeros((t, p))
    W[:, :4] = rng.uniform(-2, 2, (t, 4))
    Y = X @ W.T + 0.5 * rng.standard_normal((n, t))
    return (sp.csc_matrix(X) if sparse else X), Y


def _dense(X):
    return X.toarray() if sp.issparse(X) else X


def _kkt_violation(X, Y, W, alpha, l1_ratio):
    """Largest violation of the multi-task optimality conditions at W (t × p), no intercept:
    with G = Xᵀ(Y − XWᵀ)/n, a non-zero row has G_j − l2·W_j = l1·W_j/‖W_j‖, a zero row
    ‖G_j‖ ≤ l1."""
    X = _dense(X)
    n = X.shape[0]
    l1, l2 = alpha * l1_ratio, alpha * (1 - l1_ratio)
    G = X.T @ (Y - X @ W.T) / n
    worst = 0.0
    for j in range(X.shape[1]):
        norm = np.linalg.norm(W[:, j])
        if norm > 0:
            worst = max(worst, np.max(np.abs(G[j] - l2 * W[:, j] - l1 * W[:, j] / norm)))
        else:
            worst = max(worst, np.linalg.norm(G[j]) - l1)
    return worst


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_matches_sklearn_enet_path(sparse, l1_ratio):
    X, Y = _data(sparse=sparse)
    a_sk, c_sk, g_sk = sklm.enet_path(X, Y, l1_ratio=l1_ratio, alphas=30, **TIGHT)
    a, c, g = fastreg.enet_path(X, Y, l1_ratio=l1_ratio, alphas=30, **TIGHT)
    # the grid starts at scikit-learn's multi-task α_max = max_j ‖x_jᵀY‖₂ / (n·l1_ratio)
    np.testing.assert_allclose(a, a_sk, rtol=1e-12)
    alpha_max = np.max(np.linalg.norm(_dense(X).T @ Y, axis=1)) / (len(Y) * l1_ratio)
    np.testing.assert_allclose(a[0], alpha_max, rtol=1e-12)
    assert c.shape == c_sk.shape == (3, 20, 30) and g.shape == (30,)
    assert np.all(c[..., 0] == 0) and np.any(c[..., 1] != 0)
    np.testing.assert_allclose(c, c_sk, atol=1e-8)
    assert np.all(g <= 1e-12 * np.sum(Y**2) / len(Y))


@pytest.mark.parametrize("sparse", [False, True])
def test_same_epochs_as_sklearn_at_its_default_tol(sparse):
    """The stopping rule is scikit-learn's, so the epochs per α agree, not only the answers."""
    X, Y = _data(seed=1, sparse=sparse)
    *_, it_sk = sklm.lasso_path(X, Y, alphas=20, return_n_iter=True)
    _, c, _, it = fastreg.lasso_path(X, Y, alphas=20, return_n_iter=True)
    _, c_sk, _ = sklm.lasso_path(X, Y, alphas=20)
    assert it == list(it_sk)
    np.testing.assert_allclose(c, c_sk, atol=1e-10)


def test_sparse_sample_weight_as_sklearn():
    """Sparse X: the weights are read as given (cd_fast's ½Σw r² + n·α·pen), as scikit-learn;
    dense X: ignored by both (their callers rescale X and y by √w)."""
    X, Y = _data(60, 15, 2, seed=2, sparse=True)
    w = np.random.default_rng(0).uniform(0.5, 3, 60)
    kw = dict(l1_ratio=0.7, alphas=[0.5, 0.1, 0.02], **TIGHT)
    for Xi in (X, X.toarray()):
        a_sk, c_sk, g_sk = sklm.enet_path(Xi, Y, sample_weight=w, **kw)
        a, c, g = fastreg.enet_path(Xi, Y, sample_weight=w, **kw)
        np.testing.assert_allclose(c, c_sk, atol=1e-8)
        np.testing.assert_allclose(g, g_sk, atol=1e-10)


@pytest.mark.parametrize("sparse", [False, True])
def test_intercept_matches_multitask_elastic_net(sparse):
    """The core's intercept (implicit centring, X never densified) against scikit-learn's
    MultiTaskElasticNet, which centres X and Y."""
    from fastreg._core import run_multitask_path  # (the private layer: no public intercept)

    X, Y = _data(40, 12, 3, seed=3, sparse=sparse)
    Y = Y + np.array([5.0, -2.0, 30.0])
    alphas = [0.3, 0.05]
    r = run_multitask_path(
        as_design(X), Y, alphas=alphas, l1_ratio=0.6, fit_intercept=True, **TIGHT
    )
    for k, alpha in enumerate(alphas):
        m = sklm.MultiTaskElasticNet(alpha=alpha, l1_ratio=0.6, **TIGHT).fit(_dense(X), Y)
        np.testing.assert_allclose(r.coefs[..., k], m.coef_, atol=1e-8)
        np.testing.assert_allclose(r.intercepts[:, k], m.intercept_, atol=1e-8)


@pytest.mark.parametrize("sparse", [False, True])
def test_weights_and_intercept_equal_the_rescaled_problem(sparse):
    """Weights w (normalised to sum to n) with an intercept are the unweighted problem on X and
    Y centred by their w-means and rows scaled by √w, without one."""
    from fastreg._core import run_multitask_path

    X, Y = _data(40, 10, 2, seed=4, sparse=sparse)
    n = Y.shape[0]
    w = np.random.default_rng(1).uniform(0.2, 4, n)
    r = run_multitask_path(
        as_design(X), Y, alphas=[0.2], sample_weight=w, l1_ratio=0.8, fit_intercept=True, **TIGHT
    )
    wn = w * n / w.sum()
    Xd = _dense(X)
    xm, ym = np.average(Xd, axis=0, weights=w), np.average(Y, axis=0, weights=w)
    s = np.sqrt(wn)[:, None]
    m = sklm.MultiTaskElasticNet(alpha=0.2, l1_ratio=0.8, fit_intercept=False, **TIGHT)
    m.fit(s * (Xd - xm), s * (Y - ym))
    np.testing.assert_allclose(r.coefs[..., 0], m.coef_, atol=1e-8)
    np.testing.assert_allclose(r.intercepts[:, 0], ym - m.coef_ @ xm, atol=1e-8)


@pytest.mark.parametrize("sparse", [False, True])
def test_path_satisfies_the_optimality_conditions(sparse):
    X, Y = _data(30, 40, 4, seed=5, sparse=sparse)  # p > n
    a, c, g = fastreg.enet_path(X, Y, l1_ratio=0.8, alphas=15, eps=1e-2, **TIGHT)
    assert np.all(g >= -1e-14 * np.sum(Y**2))  # a gap is >= 0 up to rounding
    for k, alpha in enumerate(a):
        assert _kkt_violation(X, Y, c[..., k], alpha, 0.8) < 1e-8, k
    # rows enter whole: a feature is in every target's model or in none
    assert np.all((c != 0).all(axis=0) == (c != 0).any(axis=0))


@pytest.mark.parametrize("selection", ["cyclic", "random"])
def test_dense_and_sparse_agree(selection):
    Xs, Y = _data(50, 20, 2, seed=6, sparse=True)
    kw = dict(selection=selection, random_state=0, **TIGHT)
    _, c_dense, _ = fastreg.enet_path(Xs.toarray(), Y, **kw)
    _, c_csr, _ = fastreg.enet_path(Xs.tocsr(), Y, **kw)
    _, c_csc, _ = fastreg.lasso_path(Xs, Y, **kw)
    np.testing.assert_allclose(c_csr, c_dense, atol=1e-9)
    _, c_dense_lasso, _ = fastreg.lasso_path(Xs.toarray(), Y, **kw)
    np.testing.assert_allclose(c_csc, c_dense_lasso, atol=1e-9)


@pytest.mark.parametrize("copies", [2, 5])
def test_a_duplicated_target_is_the_one_target_path(copies):
    """Y = [y, …, y] (k copies): by symmetry and convexity every row is (β_j, …, β_j), and the
    objective is k·(1/(2n)‖y − Xβ‖² + l1/√k·‖β‖₁ + l2/2·‖β‖²): the one-target elastic net
    with l1' = l1/√k, l2' = l2, i.e. α' = α·(l1_ratio/√k + 1 − l1_ratio) and
    l1_ratio' = (l1_ratio/√k) / (l1_ratio/√k + 1 − l1_ratio)."""
    X, Y = _data(40, 15, 1, seed=7)
    y = Y[:, 0]
    l1_ratio = 0.7
    alphas = np.array([0.5, 0.1, 0.01])
    _, c, _ = fastreg.enet_path(
        X, np.tile(y[:, None], copies), l1_ratio=l1_ratio, alphas=alphas, **TIGHT
    )
    l1s = l1_ratio / np.sqrt(copies)
    for k, alpha in enumerate(alphas):
        _, beta, _ = sklm.enet_path(
            X,
            y,
            l1_ratio=l1s / (l1s + 1 - l1_ratio),
            alphas=[alpha * (l1s + 1 - l1_ratio)],
            **TIGHT,
        )
        for t in range(copies):
            np.testing.assert_allclose(c[t, :, k], beta[:, 0], atol=1e-8)


def test_options_shapes_and_errors():
    X, Y = _data(30, 8, 2, seed=8)
    X0, Y0 = X.copy(), Y.copy()
    a, c, g, it = fastreg.lasso_path(X, Y, alphas=[0.1, 1.0], return_n_iter=True)
    assert a.tolist() == [1.0, 0.1] and c.shape == (2, 8, 2) and len(it) == 2
    # the caller's arrays are not modified; float32 X gives float32 coefficients
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)
    _, c32, _ = fastreg.lasso_path(X.astype(np.float32), Y, alphas=[0.1])
    assert c32.dtype == np.float32
    # a warm start at the solution needs no epoch (scikit-learn's initial gap check)
    _, _, _, it2 = fastreg.lasso_path(X, Y, alphas=[0.1], coef_init=c[..., 1], return_n_iter=True)
    assert it2 == [0]
    # Xy (XᵀY, precomputed) sets the grid as XᵀY from X does
    a_xy, _, _ = fastreg.lasso_path(X, Y, Xy=X.T @ Y, alphas=5)
    np.testing.assert_allclose(a_xy, fastreg.lasso_path(X, Y, alphas=5)[0])
    with pytest.raises(ValueError, match="positive"):
        fastreg.enet_path(X, Y, positive=True)
    with pytest.raises(ValueError, match="coef_init"):
        fastreg.lasso_path(X, Y, coef_init=np.zeros(8))
    with pytest.raises(ValueError, match="NaN"):
        fastreg.lasso_path(X, np.where(Y > 1, np.nan, Y))
    with pytest.raises(ValueError, match="samples"):
        fastreg.lasso_path(X, Y[:-1])
    with pytest.raises(ValueError, match="l1_ratio=0"):
        fastreg.enet_path(X, Y, l1_ratio=0.0)
    with pytest.raises(ValueError, match="1-D or 2-D"):
        fastreg.lasso_path(X, Y[:, :, None])
    # non-convergence is a warning, as scikit-learn's
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fastreg.lasso_path(X, Y, alphas=[1e-4], tol=0.0, max_iter=2)
    assert any("did not converge" in str(r.message) for r in rec)
