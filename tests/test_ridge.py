"""Ridge, RidgeCV, ridge_path and GramStats against scikit-learn and independent closed forms."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from fastreg import GramStats, Ridge, RidgeCV, ridge_path
from scipy.optimize import nnls
from sklearn import linear_model as sk
from sklearn.utils.estimator_checks import check_estimator


def make_data(n, p, n_targets=1, density=None, seed=0, offset=0.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + offset
    if density is not None:
        X[rng.random((n, p)) > density] = 0.0
    coef = rng.standard_normal((p, n_targets))
    Y = X @ coef + 0.5 * rng.standard_normal((n, n_targets)) + 3.0
    y = Y[:, 0] if n_targets == 1 else Y
    w = rng.uniform(0.2, 2.0, n)
    return X, y, w


def rel_close(a, b, rtol):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(np.max(np.abs(b)), 1e-300)
    np.testing.assert_allclose(a, b, rtol=0, atol=rtol * scale)


SOLVERS = ["auto", "cholesky", "svd", "eigh", "sparse_cg", "lsqr", "sag"]


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("shape", [(60, 8), (15, 40)])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_targets", [1, 3])
def test_ridge_matches_sklearn(solver, shape, sparse, fit_intercept, weighted, n_targets):
    X, y, w = make_data(*shape, n_targets=n_targets, density=0.5 if sparse else None)
    sw = w if weighted else None
    Xf = sp.csr_matrix(X) if sparse else X
    ours = Ridge(alpha=0.7, solver=solver, fit_intercept=fit_intercept, tol=1e-14)
    ours.fit(Xf, y, sample_weight=sw)
    ref = sk.Ridge(alpha=0.7, solver="svd", fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    rtol = 1e-7 if ours.solver_ == "sparse_cg" else 1e-9
    rel_close(ours.coef_, ref.coef_, rtol)
    rel_close(ours.intercept_, ref.intercept_, rtol)
    assert np.shape(ours.coef_) == np.shape(ref.coef_)
    assert np.shape(ours.intercept_) == np.shape(ref.intercept_)
    rel_close(ours.predict(Xf), ref.predict(X), rtol)


def test_solver_choice_by_shape_and_sparsity():
    X, y, _ = make_data(50, 5)
    assert Ridge().fit(X, y).solver_ == "cholesky"
    X, y, _ = make_data(10, 30)
    assert Ridge().fit(X, y).solver_ == "cholesky_dual"
    X, y, _ = make_data(300, 3000, density=0.01)
    assert Ridge().fit(sp.csc_matrix(X), y).solver_ == "sparse_cg"
    X, y, _ = make_data(100, 10, density=0.3)
    assert Ridge().fit(sp.csc_matrix(X), y).solver_ == "cholesky"


def test_per_target_alpha_matches_sklearn():
    X, Y, w = make_data(40, 6, n_targets=3, seed=1)
    alphas = np.array([0.1, 1.0, 10.0])
    for solver in ["auto", "svd", "sparse_cg"]:
        ours = Ridge(alpha=alphas, solver=solver, tol=1e-14).fit(X, Y, sample_weight=w)
        ref = sk.Ridge(alpha=alphas, solver="svd").fit(X, Y, sample_weight=w)
        rel_close(ours.coef_, ref.coef_, 1e-8)
        rel_close(ours.intercept_, ref.intercept_, 1e-8)


def test_scalar_sample_weight_scales_the_loss():
    X, y, _ = make_data(30, 4, seed=2)
    ours = Ridge(alpha=1.0).fit(X, y, sample_weight=5.0)
    ref = sk.Ridge(alpha=1.0).fit(X, y, sample_weight=5.0)
    rel_close(ours.coef_, ref.coef_, 1e-10)
    assert not np.allclose(ours.coef_, Ridge(alpha=1.0).fit(X, y).coef_)


@pytest.mark.parametrize("sparse", [False, True])
def test_positive_matches_nnls_on_the_augmented_system(sparse):
    X, y, w = make_data(80, 10, seed=3)
    alpha = 2.0
    Xf = sp.csc_matrix(X) if sparse else X
    ours = Ridge(alpha=alpha, positive=True, tol=1e-12).fit(Xf, y, sample_weight=w)
    # Independent reference: centre with weighted means (the intercept is free), scale rows by
    # √w, append √α·I and solve the non-negative least-squares problem.
    xm = np.average(X, axis=0, weights=w)
    ym = np.average(y, weights=w)
    A = np.vstack([np.sqrt(w)[:, None] * (X - xm), np.sqrt(alpha) * np.eye(10)])
    b = np.concatenate([np.sqrt(w) * (y - ym), np.zeros(10)])
    beta, _ = nnls(A, b)
    assert ours.solver_ == "positive_cd"
    assert np.all(ours.coef_ >= 0) and np.any(ours.coef_ == 0)
    rel_close(ours.coef_, beta, 1e-8)
    rel_close(ours.intercept_, ym - xm @ beta, 1e-8)


def test_singular_system_falls_back_to_minimum_norm():
    X, y, _ = make_data(30, 3, seed=4)
    X = np.hstack([X, X[:, :1]])  # duplicated column
    with pytest.warns(UserWarning, match="singular"):
        ours = Ridge(alpha=0.0, solver="cholesky").fit(X, y)
    assert ours.solver_ == "eigh"
    Xc = X - X.mean(axis=0)
    ref = np.linalg.lstsq(Xc, y - y.mean(), rcond=None)[0]
    rel_close(ours.coef_, ref, 1e-8)
    assert np.isclose(ours.coef_[0], ours.coef_[3])


def test_large_offsets_keep_precision():
    X, y, w = make_data(200, 5, seed=5, offset=1e6)
    ours = Ridge(alpha=1e-3).fit(X, y, sample_weight=w)
    Xc = X - np.average(X, axis=0, weights=w)
    yc = y - np.average(y, weights=w)
    A = Xc.T @ (w[:, None] * Xc) + 1e-3 * np.eye(5)
    ref = np.linalg.solve(A, Xc.T @ (w * yc))
    rel_close(ours.coef_, ref, 1e-8)


@pytest.mark.parametrize("shape", [(50, 6), (12, 30)])
@pytest.mark.parametrize("sparse", [False, True])
def test_ridge_path_equals_pointwise_fits(shape, sparse):
    X, Y, w = make_data(*shape, n_targets=2, density=0.6 if sparse else None, seed=6)
    alphas = [0.01, 0.3, 5.0, 100.0]
    Xf = sp.csc_matrix(X) if sparse else X
    _got_alphas, coefs, intercepts = ridge_path(Xf, Y, alphas, sample_weight=w)
    assert coefs.shape == (2, shape[1], 4) and intercepts.shape == (2, 4)
    for a, alpha in enumerate(alphas):
        ref = sk.Ridge(alpha=alpha, solver="svd").fit(X, Y, sample_weight=w)
        rel_close(coefs[:, :, a], ref.coef_, 1e-8)
        rel_close(intercepts[:, a], ref.intercept_, 1e-8)
    _, c1, i1 = ridge_path(Xf, Y[:, 0], alphas)
    assert c1.shape == (shape[1], 4) and i1.shape == (4,)


LOO_CASES = [
    {"shape": (60, 8), "sparse": False, "weighted": False, "n_targets": 1},
    {"shape": (60, 8), "sparse": False, "weighted": True, "n_targets": 1},
    {"shape": (15, 40), "sparse": False, "weighted": True, "n_targets": 1},
    {"shape": (60, 8), "sparse": True, "weighted": True, "n_targets": 1},
    {"shape": (15, 40), "sparse": True, "weighted": False, "n_targets": 1},
    {"shape": (60, 8), "sparse": False, "weighted": True, "n_targets": 3},
    {"shape": (15, 40), "sparse": False, "weighted": False, "n_targets": 3},
]


@pytest.mark.parametrize("case", LOO_CASES)
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridgecv_loo_matches_sklearn(case, fit_intercept):
    X, y, w = make_data(
        *case["shape"], n_targets=case["n_targets"], density=0.5 if case["sparse"] else None, seed=7
    )
    sw = w if case["weighted"] else None
    Xf = sp.csr_matrix(X) if case["sparse"] else X
    alphas = np.logspace(-3, 3, 13)
    ours = RidgeCV(alphas=alphas, fit_intercept=fit_intercept, store_cv_results=True)
    ours.fit(Xf, y, sample_weight=sw)
    ref = sk.RidgeCV(alphas=alphas, fit_intercept=fit_intercept, store_cv_results=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref.fit(Xf, y, sample_weight=sw)
    assert ours.alpha_ == ref.alpha_
    assert ours.cv_results_.shape == ref.cv_results_.shape
    rel_close(ours.cv_results_, ref.cv_results_, 1e-8)
    np.testing.assert_allclose(ours.best_score_, ref.best_score_, rtol=1e-8)
    rel_close(ours.coef_, ref.coef_, 1e-8)
    rel_close(ours.intercept_, ref.intercept_, 1e-8)


def test_ridgecv_alpha_per_target_and_scoring_match_sklearn():
    X, Y, w = make_data(50, 7, n_targets=3, seed=8)
    alphas = np.logspace(-2, 4, 9)
    for kwargs in [
        {"alpha_per_target": True},
        {"scoring": "neg_mean_absolute_error"},
        {"alpha_per_target": True, "scoring": "r2"},
    ]:
        ours = RidgeCV(alphas=alphas, store_cv_results=True, **kwargs).fit(X, Y, sample_weight=w)
        ref = sk.RidgeCV(alphas=alphas, store_cv_results=True, **kwargs).fit(X, Y, sample_weight=w)
        np.testing.assert_array_equal(ours.alpha_, ref.alpha_)
        np.testing.assert_allclose(ours.best_score_, ref.best_score_, rtol=1e-8)
        rel_close(ours.cv_results_, ref.cv_results_, 1e-8)
        rel_close(ours.coef_, ref.coef_, 1e-8)


@pytest.mark.parametrize("sparse", [False, True])
def test_ridgecv_kfold_matches_sklearn_grid_search(sparse):
    X, y, w = make_data(90, 6, density=0.6 if sparse else None, seed=9)
    Xf = sp.csr_matrix(X) if sparse else X
    alphas = [0.01, 1.0, 30.0, 1000.0]
    ours = RidgeCV(alphas=alphas, cv=5).fit(Xf, y, sample_weight=w)
    ref = sk.RidgeCV(alphas=alphas, cv=5).fit(X, y, sample_weight=w)
    assert ours.alpha_ == ref.alpha_
    np.testing.assert_allclose(ours.best_score_, ref.best_score_, rtol=1e-8)
    rel_close(ours.coef_, ref.coef_, 1e-8)


def _chunks(n, cuts):
    edges = [0, *cuts, n]
    return [slice(a, b) for a, b in zip(edges[:-1], edges[1:])]


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("cuts", [[1], [17, 18, 50], list(range(10, 120, 10))])
def test_gramstats_chunked_equals_one_shot(sparse, cuts):
    X, Y, w = make_data(120, 7, n_targets=2, density=0.5 if sparse else None, seed=10, offset=50.0)
    conv = sp.csr_matrix if sparse else np.asarray
    whole = GramStats().update(conv(X), Y, sample_weight=w)
    parts = [GramStats().update(conv(X[s]), Y[s], sample_weight=w[s]) for s in _chunks(120, cuts)]
    rng = np.random.default_rng(0)
    for order in [range(len(parts)), reversed(range(len(parts))), rng.permutation(len(parts))]:
        acc = GramStats()
        for k in order:
            acc.merge(parts[k])
        for name in ["xtx", "xty", "yty", "x_mean", "y_mean"]:
            rel_close(getattr(acc, name), getattr(whole, name), 1e-10)
        assert acc.n_samples_seen == 120
        np.testing.assert_allclose(acc.weight_sum, w.sum(), rtol=1e-12)
    # Streaming updates on one object give the same statistics.
    stream = GramStats()
    for s in _chunks(120, cuts):
        stream.update(conv(X[s]), Y[s], sample_weight=w[s])
    rel_close(stream.xtx, whole.xtx, 1e-10)
    # And the statistics are right: compare with numpy's weighted centred moments.
    xm = np.average(X, axis=0, weights=w)
    ym = np.average(Y, axis=0, weights=w)
    rel_close(whole.xtx, (X - xm).T @ (w[:, None] * (X - xm)), 1e-10)
    rel_close(whole.xty, (X - xm).T @ (w[:, None] * (Y - ym)), 1e-10)
    rel_close(whole.yty, (Y - ym).T @ (w[:, None] * (Y - ym)), 1e-10)


def test_gramstats_pickles_for_merging_across_processes():
    import pickle

    X, Y, w = make_data(60, 5, n_targets=2, seed=16)
    a = GramStats().update(X[:25], Y[:25], sample_weight=w[:25])
    b = pickle.loads(pickle.dumps(GramStats().update(X[25:], Y[25:], sample_weight=w[25:])))
    whole = GramStats().update(X, Y, sample_weight=w)
    a.merge(b)
    for name in ["xtx", "xty", "yty", "x_mean", "y_mean", "weight_sum", "n_samples_seen"]:
        rel_close(getattr(a, name), getattr(whole, name), 1e-10)
    assert pickle.loads(pickle.dumps(GramStats()))._core is None


def test_fit_gram_equals_fit_and_path_from_stats():
    X, Y, w = make_data(100, 8, n_targets=2, seed=11)
    stats = GramStats()
    for s in _chunks(100, [30, 31, 77]):
        stats.update(X[s], Y[s], sample_weight=w[s])
    for kwargs in [
        {},
        {"fit_intercept": False},
        {"solver": "svd"},
        {"positive": True, "tol": 1e-12},
    ]:
        a = Ridge(alpha=0.5, **kwargs).fit_gram(stats)
        b = Ridge(alpha=0.5, **kwargs).fit(X, Y, sample_weight=w)
        rel_close(a.coef_, b.coef_, 1e-9)
        rel_close(a.intercept_, b.intercept_, 1e-9)
    _, coefs, icpts = ridge_path(stats, None, [0.1, 10.0])
    _, coefs2, icpts2 = ridge_path(X, Y, [0.1, 10.0], sample_weight=w)
    rel_close(coefs, coefs2, 1e-9)
    rel_close(icpts, icpts2, 1e-9)


def test_ridgecv_fit_gram_kfold_from_fold_statistics():
    X, y, w = make_data(90, 6, seed=15)
    folds = _chunks(90, [30, 60])
    stats = [GramStats().update(X[s], y[s], sample_weight=w[s]) for s in folds]
    alphas = [0.01, 1.0, 30.0, 1000.0]
    ours = RidgeCV(alphas=alphas, store_cv_results=True).fit_gram(stats)
    # Independent reference: refit scikit-learn on each training set, weighted test MSE.
    mse = np.empty((3, 4))
    for f, test in enumerate(folds):
        train = np.setdiff1d(np.arange(90), np.arange(90)[test])
        for a, alpha in enumerate(alphas):
            m = sk.Ridge(alpha=alpha).fit(X[train], y[train], sample_weight=w[train])
            mse[f, a] = np.average((y[test] - m.predict(X[test])) ** 2, weights=w[test])
    rel_close(ours.cv_results_, mse, 1e-9)
    assert ours.alpha_ == alphas[int(np.argmin(mse.mean(axis=0)))]
    ref = sk.Ridge(alpha=ours.alpha_).fit(X, y, sample_weight=w)
    rel_close(ours.coef_, ref.coef_, 1e-9)
    rel_close(ours.intercept_, ref.intercept_, 1e-9)


def test_check_estimator_ridge():
    # As scikit-learn's own Ridge (its test suite xfails this check too): n_iter_ is None for
    # the direct solvers although max_iter is a parameter (it bounds the iterative ones).
    check_estimator(
        Ridge(),
        expected_failed_checks={
            "check_non_transformer_estimators_n_iter": "n_iter_ is None for direct solvers"
        },
    )


def test_check_estimator_ridgecv():
    check_estimator(RidgeCV())


@pytest.mark.parametrize(
    "make, exc",
    [
        (lambda X, y: Ridge(alpha=-1.0).fit(X, y), ValueError),
        (lambda X, y: Ridge(alpha=np.nan).fit(X, y), ValueError),
        (lambda X, y: Ridge(alpha="1").fit(X, y), TypeError),
        (lambda X, y: Ridge(alpha=[1.0, 2.0]).fit(X, y), ValueError),
        (lambda X, y: Ridge(solver="magic").fit(X, y), ValueError),
        (lambda X, y: Ridge(positive=True, solver="cholesky").fit(X, y), ValueError),
        (lambda X, y: Ridge(solver="lbfgs").fit(X, y), ValueError),
        (lambda X, y: Ridge().fit(X, y[:-1]), ValueError),
        (lambda X, y: Ridge().fit(X, y, sample_weight=-np.ones(len(y))), ValueError),
        (lambda X, y: Ridge().fit(X, y, sample_weight=np.ones(3)), ValueError),
        (lambda X, y: Ridge().fit(np.where(X > 1, np.nan, X), y), ValueError),
        (lambda X, y: Ridge().fit(X, np.where(y > 1, np.inf, y)), ValueError),
        (lambda X, y: RidgeCV(alphas=[0.0, 1.0]).fit(X, y), ValueError),
        (lambda X, y: RidgeCV(alphas=[1.0], cv=3, store_cv_results=True).fit(X, y), ValueError),
        (lambda X, y: RidgeCV(gcv_mode="fast").fit(X, y), ValueError),
        (lambda X, y: ridge_path(X, y, [-1.0]), ValueError),
        (lambda X, y: GramStats().update(X, y[:-1]), ValueError),
        (lambda X, y: GramStats().update(X, y).update(X[:, :2], y), ValueError),
        (lambda X, y: Ridge().fit_gram(GramStats()), ValueError),
    ],
)
def test_bad_input(make, exc):
    X, y, _ = make_data(20, 4, seed=12)
    with pytest.raises(exc):
        make(X, y)


def test_caller_arrays_are_not_modified():
    X, y, w = make_data(40, 5, seed=13)
    Xs = sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
    copies = [X.copy(), y.copy(), w.copy(), Xs.copy()]
    Ridge(alpha=1.0).fit(np.asfortranarray(X), y, sample_weight=w)
    Ridge(alpha=1.0, solver="sparse_cg").fit(Xs, y, sample_weight=w)
    RidgeCV(store_cv_results=True).fit(X, y, sample_weight=w)
    GramStats().update(X, y, sample_weight=w)
    np.testing.assert_array_equal(X, copies[0])
    np.testing.assert_array_equal(y, copies[1])
    np.testing.assert_array_equal(w, copies[2])
    assert (Xs != copies[3]).nnz == 0


def test_n_jobs_gives_the_same_answer():
    X, y, _ = make_data(300, 20, seed=14)
    a = Ridge(alpha=1.0, n_jobs=1).fit(X, y)
    b = Ridge(alpha=1.0, n_jobs=2).fit(X, y)
    rel_close(a.coef_, b.coef_, 1e-12)
