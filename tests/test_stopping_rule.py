"""scikit-learn's stopping rule for the scikit-learn-compatible coordinate-descent entry points
(Lasso, ElasticNet, their CV estimators, lasso_path, enet_path): an epoch that moves no
coefficient by more than tol·max|w_j|, then the duality gap. The coefficients, not only the
objective, are then accurate to about tol, as scikit-learn's are. fastreg.path keeps the gap
alone (a bound on the relative objective excess)."""

import fastreg
import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sk


def wide_problem(n=20, p=50, seed=0, rho=0.5):
    """A p > n problem (as scikit-learn's ``build_dataset(...).T`` in test_random_descent) with
    equicorrelated columns."""
    rng = np.random.RandomState(seed)
    X = np.sqrt(rho) * rng.randn(n, 1) + np.sqrt(1 - rho) * rng.randn(n, p)
    w = rng.randn(p)
    w[10:] = 0.0
    return X, X @ w + 0.1 * rng.randn(n)


def relative_difference(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


@pytest.mark.parametrize("sparse", [False, True])
def test_cyclic_and_random_selection_agree_to_tol(sparse):
    X, y = wide_problem()
    Xin = sp.csc_matrix(X) if sparse else X
    kw = dict(alpha=0.05, l1_ratio=0.5, tol=1e-9, max_iter=100_000)
    cyclic = fastreg.ElasticNet(selection="cyclic", **kw).fit(Xin, y)
    rand = fastreg.ElasticNet(selection="random", random_state=42, **kw).fit(Xin, y)
    np.testing.assert_allclose(cyclic.coef_, rand.coef_, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(cyclic.intercept_, rand.intercept_, rtol=1e-7)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_coefficients_as_accurate_as_sklearns(sparse, l1_ratio):
    X, y = wide_problem(seed=1)
    Xin = sp.csc_matrix(X) if sparse else X
    tol = 1e-8
    exact = sk.ElasticNet(alpha=0.05, l1_ratio=l1_ratio, tol=1e-15, max_iter=10**6).fit(X, y)
    kw = dict(alpha=0.05, l1_ratio=l1_ratio, tol=tol, max_iter=100_000)
    ours = fastreg.ElasticNet(**kw).fit(Xin, y)
    theirs = sk.ElasticNet(**kw).fit(Xin, y)
    # each within a small multiple of tol (relative to max|w|) of the exact solution, so of
    # each other: scikit-learn's own answer at this tol is the yardstick
    err_theirs = relative_difference(theirs.coef_, exact.coef_)
    err_ours = relative_difference(ours.coef_, exact.coef_)
    assert err_ours <= max(10 * err_theirs, 10 * tol)
    assert relative_difference(ours.coef_, theirs.coef_) <= 20 * tol


def test_warm_start_at_the_solution_runs_no_epoch_as_sklearn():
    # scikit-learn >= 1.8 checks the gap before its first epoch: a warm start the gap
    # certifies stops there, with n_iter_ 0 (its test_warm_start_convergence)
    X, y = wide_problem(seed=2)
    exact = sk.Lasso(alpha=0.05, tol=1e-15, max_iter=10**6).fit(X, y)
    theirs = sk.Lasso(alpha=0.05, tol=1e-6, warm_start=True)
    theirs.coef_ = exact.coef_.copy()
    theirs.fit(X, y)
    ours = fastreg.Lasso(alpha=0.05, tol=1e-6, warm_start=True)
    ours.coef_ = exact.coef_.copy()
    ours.fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == 0
    atol = 1e-6 * np.abs(exact.coef_).max()
    np.testing.assert_allclose(ours.coef_, exact.coef_, rtol=0, atol=atol)


def test_path_warm_start_runs_an_epoch():
    # along a path the warm start is extrapolated, so an epoch settles it before it counts
    X, y = wide_problem(seed=2)
    alphas = np.geomspace(0.5, 0.05, 6)
    _, coefs, _, n_iters = fastreg.lasso_path(X, y, alphas=alphas, tol=1e-6, return_n_iter=True)
    assert np.all(np.asarray(n_iters)[1:] >= 1)


@pytest.mark.parametrize("sparse", [False, True])
def test_enet_path_coefficients_match_sklearn_to_tol(sparse):
    X, y = wide_problem(seed=3)
    Xin = sp.csc_matrix(X) if sparse else X
    tol = 1e-9
    alphas = np.geomspace(1.0, 0.01, 8)
    kw = dict(l1_ratio=0.7, alphas=alphas, max_iter=10**6)
    _, ours, _ = fastreg.enet_path(Xin, y, tol=tol, **kw)
    _, theirs, _ = sk.enet_path(Xin, y, tol=tol, **kw)
    _, exact, _ = sk.enet_path(X, y, tol=1e-15, **kw)
    # at most a small multiple of scikit-learn's own error at this tol, at every α
    for k in range(len(alphas)):
        err_theirs = np.max(np.abs(theirs[:, k] - exact[:, k]))
        err_ours = np.max(np.abs(ours[:, k] - exact[:, k]))
        assert err_ours <= max(10 * err_theirs, 10 * tol * np.max(np.abs(exact[:, k])))


def test_fastreg_path_keeps_the_gap_rule():
    # A warm start at the exact solution is certified by its gap before any epoch: the
    # glmnet-style path runs none, where scikit-learn's rule would run one.
    X, y = wide_problem(seed=4)
    exact = sk.Lasso(alpha=0.05, tol=1e-15, max_iter=10**6).fit(X, y)
    path = fastreg.path(X, y, alphas=[0.05], coef_init=exact.coef_, tol=1e-6)
    assert path.n_iter_[0] == 0
    assert path.dual_gap_[0] <= 1e-6 * path.objective_[0]
