"""fastreg.Lasso / ElasticNet against scikit-learn and first principles."""

import threading

import fastreg
import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sk
from conftest import make_problem
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator


def objective(model, X, y, alpha, l1_ratio, sample_weight=None):
    """scikit-learn's documented objective, evaluated independently of either solver."""
    coef = np.atleast_2d(model.coef_)
    Y = y.reshape(len(y), -1)
    total = 0.0
    for k in range(Y.shape[1]):
        resid = Y[:, k] - X @ coef[k] - np.atleast_1d(model.intercept_)[k]
        total += (
            0.5 * np.average(resid**2, weights=sample_weight)
            + alpha * l1_ratio * np.abs(coef[k]).sum()
            + 0.5 * alpha * (1 - l1_ratio) * coef[k] @ coef[k]
        )
    return total


CASES = [
    # (n, p, density, l1_ratio, fit_intercept, weighted, positive, n_targets)
    (100, 30, 1.0, 1.0, True, False, False, None),  # tall
    (50, 200, 1.0, 1.0, True, True, False, None),  # wide, weighted
    (80, 60, 1.0, 0.5, False, False, True, None),  # no intercept, positive
    (120, 80, 0.1, 0.7, True, True, False, None),  # sparse-ish, weighted
    (60, 40, 1.0, 0.3, True, False, False, 3),  # several targets
    (200, 500, 0.05, 1.0, True, False, True, None),  # wide, very sparse, positive
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("sparse", [False, True])
def test_agrees_with_sklearn(case, sparse):
    n, p, density, l1_ratio, fit_intercept, weighted, positive, n_targets = case
    X, y = make_problem(n, p, density=density, n_targets=n_targets, seed=n + p)
    sw = np.random.default_rng(1).uniform(0.1, 3.0, n) if weighted else None
    alpha = 0.05 * np.abs((X - X.mean(0)).T @ (y.reshape(n, -1)[:, 0] - y.mean())).max() / n
    params = dict(
        alpha=alpha, fit_intercept=fit_intercept, positive=positive, tol=1e-12, max_iter=100_000
    )
    Xin = sp.csc_matrix(X) if sparse else X
    if l1_ratio == 1.0:
        ours, ref = fastreg.Lasso(**params), sk.Lasso(**params)
    else:
        ours, ref = (
            fastreg.ElasticNet(l1_ratio=l1_ratio, **params),
            sk.ElasticNet(l1_ratio=l1_ratio, **params),
        )
    ours.fit(Xin, y, sample_weight=sw)
    ref.fit(Xin, y, sample_weight=sw)
    f_ours = objective(ours, X, y, alpha, l1_ratio, sw)
    f_ref = objective(ref, X, y, alpha, l1_ratio, sw)
    assert abs(f_ours - f_ref) <= 1e-9 * abs(f_ref)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5 * np.abs(ref.coef_).max())
    np.testing.assert_allclose(
        ours.intercept_, ref.intercept_, atol=1e-5 * (1 + np.abs(ref.intercept_).max())
    )
    assert np.shape(ours.coef_) == np.shape(ref.coef_)
    assert np.shape(ours.intercept_) == np.shape(ref.intercept_)
    assert np.shape(ours.dual_gap_) == np.shape(ref.dual_gap_)
    assert np.all(np.asarray(ours.dual_gap_) >= -1e-12)
    if positive:
        assert np.all(ours.coef_ >= 0)


def test_column_vector_target_shapes_match_sklearn():
    X, y = make_problem(40, 8)
    ours = fastreg.Lasso(alpha=0.1).fit(X, y[:, None])
    ref = sk.Lasso(alpha=0.1).fit(X, y[:, None])
    assert np.shape(ours.coef_) == np.shape(ref.coef_)
    assert np.shape(ours.intercept_) == np.shape(ref.intercept_)
    assert ours.predict(X).shape == ref.predict(X).shape


def test_duality_gap_certifies_optimality():
    """The reported gap bounds the distance to the optimum computed at a far tighter tol."""
    X, y = make_problem(80, 150, seed=3)
    loose = fastreg.ElasticNet(alpha=0.05, l1_ratio=0.8, tol=1e-3).fit(X, y)
    tight = fastreg.ElasticNet(alpha=0.05, l1_ratio=0.8, tol=1e-14, max_iter=100_000).fit(X, y)
    excess = objective(loose, X, y, 0.05, 0.8) - objective(tight, X, y, 0.05, 0.8)
    assert -1e-12 <= excess <= loose.dual_gap_ + 1e-12
    assert loose.dual_gap_ <= 1e-3 * np.sum((y - y.mean()) ** 2) / len(y)


@pytest.mark.parametrize("Est", [fastreg.Lasso, fastreg.ElasticNet])
def test_check_estimator(Est):
    check_estimator(Est())


def test_input_layouts_and_dtypes_give_same_answer():
    X, y = make_problem(60, 25, density=0.3, seed=7)
    ref = fastreg.Lasso(alpha=0.02, tol=1e-12).fit(X, y).coef_
    variants = [
        np.ascontiguousarray(X),
        np.asfortranarray(X),
        sp.csr_matrix(X),
        sp.csc_matrix(X),
        sp.csc_array(X),
        sp.coo_matrix(X),
    ]
    big = sp.csc_matrix(X)
    big.indices = big.indices.astype(np.int64)
    big.indptr = big.indptr.astype(np.int64)
    variants.append(big)
    for Xv in variants:
        np.testing.assert_allclose(
            fastreg.Lasso(alpha=0.02, tol=1e-12).fit(Xv, y).coef_, ref, atol=1e-8
        )
    c32 = fastreg.Lasso(alpha=0.02, tol=1e-12).fit(X.astype(np.float32), y).coef_
    np.testing.assert_allclose(c32, ref, atol=1e-4)


def test_sparse_input_never_densified(monkeypatch):
    X, y = make_problem(50, 30, density=0.2)
    Xs = sp.csc_matrix(X)
    monkeypatch.setattr(sp.csc_matrix, "toarray", lambda *a, **k: pytest.fail("densified"))
    monkeypatch.setattr(sp.csc_matrix, "todense", lambda *a, **k: pytest.fail("densified"))
    fastreg.Lasso(alpha=0.01).fit(Xs, y)


def test_inputs_not_modified():
    X, y = make_problem(40, 15, density=0.5)
    sw = np.linspace(0.5, 2, 40)
    for Xin in (np.asfortranarray(X), X.copy(), sp.csr_matrix(X)):
        copies = [Xin.copy(), y.copy(), sw.copy()]
        fastreg.ElasticNet(alpha=0.1).fit(Xin, y, sample_weight=sw)
        if sp.issparse(Xin):
            assert (Xin != copies[0]).nnz == 0
        else:
            np.testing.assert_array_equal(Xin, copies[0])
        np.testing.assert_array_equal(y, copies[1])
        np.testing.assert_array_equal(sw, copies[2])


def test_sample_weight_equals_repetition():
    X, y = make_problem(30, 10, seed=5)
    reps = np.arange(30) % 3 + 1
    a = fastreg.ElasticNet(alpha=0.05, tol=1e-13).fit(X, y, sample_weight=reps.astype(float))
    b = fastreg.ElasticNet(alpha=0.05, tol=1e-13).fit(np.repeat(X, reps, 0), np.repeat(y, reps))
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-8)
    np.testing.assert_allclose(a.intercept_, b.intercept_, atol=1e-8)


def test_warm_start_selection_and_random_state():
    X, y = make_problem(60, 40, seed=9)
    m = fastreg.Lasso(alpha=0.05, tol=1e-10, warm_start=True).fit(X, y)
    first = m.n_iter_
    m.fit(X, y)
    assert m.n_iter_ < first
    r1 = fastreg.Lasso(alpha=0.05, selection="random", random_state=0, tol=1e-12).fit(X, y)
    r2 = fastreg.Lasso(alpha=0.05, selection="random", random_state=0, tol=1e-12).fit(X, y)
    np.testing.assert_array_equal(r1.coef_, r2.coef_)
    np.testing.assert_allclose(r1.coef_, m.coef_, atol=1e-6)


def test_sklearn_tooling():
    X, y = make_problem(80, 12)
    grid = GridSearchCV(
        fastreg.ElasticNet(), {"alpha": [0.01, 0.1], "l1_ratio": [0.2, 0.9]}, cv=3
    ).fit(X, y)
    assert grid.best_params_["alpha"] in (0.01, 0.1)
    pipe = make_pipeline(StandardScaler(), fastreg.Lasso(alpha=0.1)).fit(X, y)
    assert pipe.score(X, y) > 0.5
    c = clone(fastreg.Lasso(alpha=0.3, positive=True))
    assert c.get_params()["alpha"] == 0.3 and c.get_params()["positive"]
    m = fastreg.Lasso(alpha=0.1).fit(X, y)
    np.testing.assert_allclose(m.sparse_coef_.toarray().ravel(), m.coef_)
    np.testing.assert_allclose(m.predict(sp.csr_matrix(X)), m.predict(X))


def test_pandas_feature_names():
    pd = pytest.importorskip("pandas")
    X, y = make_problem(30, 4)
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    m = fastreg.Lasso(alpha=0.1).fit(df, y)
    assert list(m.feature_names_in_) == ["a", "b", "c", "d"]
    assert m.n_features_in_ == 4


def test_convergence_warning():
    X, y = make_problem(50, 100, seed=2)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        fastreg.Lasso(alpha=1e-4, max_iter=2, tol=1e-12).fit(X, y)


def test_threads_run_concurrently_and_agree():
    X, y = make_problem(300, 300, seed=4)
    expected = fastreg.Lasso(alpha=0.01, tol=1e-10).fit(X, y).coef_
    results = [None] * 4

    def work(k):
        results[k] = fastreg.Lasso(alpha=0.01, tol=1e-10).fit(X, y).coef_

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_array_equal(r, expected)


BAD_PARAMS = [
    (dict(alpha=-1.0), ValueError, "alpha"),
    (dict(alpha=np.nan), ValueError, "alpha"),
    (dict(alpha="big"), TypeError, "alpha"),
    (dict(l1_ratio=1.5), ValueError, "l1_ratio"),
    (dict(l1_ratio=-0.1), ValueError, "l1_ratio"),
    (dict(max_iter=0), ValueError, "max_iter"),
    (dict(tol=-1.0), ValueError, "tol"),
    (dict(selection="shuffle"), ValueError, "selection"),
]


@pytest.mark.parametrize("params,exc,match", BAD_PARAMS)
def test_bad_parameters(params, exc, match):
    X, y = make_problem(20, 5)
    with pytest.raises(exc, match=match):
        fastreg.ElasticNet(**params).fit(X, y)


def test_bad_inputs():
    X, y = make_problem(20, 5)
    est = fastreg.Lasso(alpha=0.1)
    Xnan = X.copy()
    Xnan[2, 3] = np.nan
    Xinf = X.copy()
    Xinf[0, 0] = np.inf
    ynan = y.copy()
    ynan[4] = np.nan
    cases = [
        ((Xnan, y), {}, ValueError, "NaN"),
        ((Xinf, y), {}, ValueError, "infinity"),
        ((sp.csc_matrix(Xnan), y), {}, ValueError, "NaN"),
        ((X, ynan), {}, ValueError, "NaN"),
        ((X, y[:-1]), {}, ValueError, "inconsistent numbers of samples"),
        ((X[:0], y[:0]), {}, ValueError, "0 sample"),
        ((X[:, :0], y), {}, ValueError, "0 feature"),
        ((X, y), dict(sample_weight=-np.ones(20)), ValueError, "non-negative"),
        (
            (X, y),
            dict(sample_weight=np.r_[np.nan, np.ones(19)]),
            ValueError,
            "sample_weight contains NaN",
        ),
        ((X, y), dict(sample_weight=np.ones(7)), ValueError, "sample_weight must have shape"),
        ((X, y), dict(sample_weight=np.zeros(20)), ValueError, "positive sum"),
        ((np.array([["a", "b"]] * 20), y), {}, ValueError, "could not convert|dtype"),
    ]
    for args, kwargs, exc, match in cases:
        with pytest.raises(exc, match=match):
            est.fit(*args, **kwargs)


def test_cli_builtin_and_csv(tmp_path, capsys):
    from fastreg.cli import main

    assert main(["fit", "--alpha", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "bmi" in out and "duality gap" in out and "R²" in out
    X, y = make_problem(50, 3, seed=8)
    path = tmp_path / "d.csv"
    np.savetxt(path, np.c_[X, y], delimiter=";", header="u;v;w;resp", comments="")
    assert (
        main(["fit", str(path), "--target", "resp", "--model", "elasticnet", "--alpha", "0.01"])
        == 0
    )
    out = capsys.readouterr().out
    ref = sk.ElasticNet(alpha=0.01).fit(X, y)
    assert f"{ref.score(X, y):.4f}" in out
    with pytest.raises(SystemExit, match="target column 'nope'"):
        main(["fit", str(path), "--target", "nope"])
    assert main(["fit", "--alpha", "-1"]) == 2
    assert "alpha must be >= 0" in capsys.readouterr().err
