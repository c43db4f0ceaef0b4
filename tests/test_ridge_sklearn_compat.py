"""Ridge and RidgeCV behave as scikit-learn 1.9's where users can tell: attribute shapes and
dtypes, accepted parameters, solver_ and error wording (issue 28 item 8 and the test_ridge.py
suite). Each reference is scikit-learn itself."""

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sk
from fastreg import GramStats, Ridge, RidgeCV


def make_data(n=30, p=5, seed=0, n_targets=None):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    shape = (n,) if n_targets is None else (n, n_targets)
    y = X @ rng.standard_normal((p,) + shape[1:])
    return X, y + 0.3 * rng.standard_normal(shape) + 2.0


ESTIMATORS = [
    (Ridge, sk.Ridge, {}),
    (RidgeCV, sk.RidgeCV, {}),
    (RidgeCV, sk.RidgeCV, {"cv": 3}),
]


@pytest.mark.parametrize("ours_cls, ref_cls, params", ESTIMATORS)
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_one_target_as_a_column_gives_1d_coef(ours_cls, ref_cls, params, fit_intercept):
    X, y = make_data(n_targets=1)
    ours = ours_cls(fit_intercept=fit_intercept, **params).fit(X, y)
    ref = ref_cls(fit_intercept=fit_intercept, **params).fit(X, y)
    assert ours.coef_.shape == ref.coef_.shape == (X.shape[1],)
    assert np.shape(ours.intercept_) == np.shape(ref.intercept_)
    assert ours.predict(X).shape == ref.predict(X).shape == (X.shape[0],)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-8, atol=1e-12)


def test_fit_gram_on_a_column_matches_fit():
    X, y = make_data(n_targets=1)
    from_stats = Ridge().fit_gram(GramStats().update(X, y))
    assert from_stats.coef_.shape == sk.Ridge().fit(X, y).coef_.shape


@pytest.mark.parametrize("ours_cls, ref_cls, params", ESTIMATORS)
@pytest.mark.parametrize("n_targets", [None, 2])
def test_float32_fit_keeps_float32_attributes(ours_cls, ref_cls, params, n_targets):
    X, y = make_data(n_targets=n_targets)
    X, y = X.astype(np.float32), y.astype(np.float32)
    ours = ours_cls(**params).fit(X, y)
    ref = ref_cls(**params).fit(X, y)
    assert type(ours.intercept_) is type(ref.intercept_)
    assert np.asarray(ours.intercept_).dtype == np.asarray(ref.intercept_).dtype == np.float32
    assert ours.coef_.dtype == ref.coef_.dtype == np.float32
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-4)


def test_random_state_is_accepted_and_validated():
    X, y = make_data()
    ours = Ridge(solver="sag", random_state=0, tol=1e-12).fit(X, y)
    assert ours.get_params()["random_state"] == 0
    ref = sk.Ridge(solver="svd").fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8)
    with pytest.raises(ValueError, match="random_state"):
        Ridge(random_state="zero").fit(X, y)


@pytest.mark.parametrize("alpha", [np.array(2.5), np.float32(2.5)])
def test_scalar_array_alpha_is_accepted(alpha):
    X, y = make_data()
    ours = Ridge(alpha=alpha).fit(X, y)
    ref = sk.Ridge(alpha=alpha).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-10)
    cv = RidgeCV(alphas=np.array(2.5)).fit(X, y)
    assert cv.alpha_ == 2.5


@pytest.mark.parametrize("shape", [(40, 5), (10, 30)])
@pytest.mark.parametrize("solver", ["svd", "cholesky", "sparse_cg", "lsqr", "sag", "saga"])
def test_solver_is_the_one_asked_for(solver, shape):
    X, y = make_data(*shape)
    ours = Ridge(solver=solver).fit(X, y)
    ref = sk.Ridge(solver=solver).fit(X, y)
    assert ours.solver_ == ref.solver_ == solver


def test_positive_lbfgs_reports_lbfgs():
    X, y = make_data()
    assert Ridge(solver="lbfgs", positive=True).fit(X, y).solver_ == "lbfgs"


def test_gcv_svd_on_sparse_warns_as_sklearn():
    X, y = make_data()
    Xs = sp.csr_matrix(X)
    with pytest.warns(FutureWarning, match="'svd' mode is not supported for sparse X"):
        sk.RidgeCV(gcv_mode="svd").fit(Xs, y)
    with pytest.warns(FutureWarning, match="'svd' mode is not supported for sparse X"):
        ours = RidgeCV(gcv_mode="svd").fit(Xs, y)
    np.testing.assert_allclose(ours.coef_, RidgeCV(gcv_mode="svd").fit(X, y).coef_, rtol=1e-8)


@pytest.mark.parametrize(
    "alphas, err, match",
    [
        ((1, 1.0, "1"), TypeError, r"alphas\[2\] must be an instance of float, not str"),
        ((1, -1, -100), ValueError, r"alphas\[1\] == -1, must be > 0.0"),
        ((0.0, 1.0), ValueError, r"alphas\[0\] == 0.0, must be > 0.0"),
    ],
)
def test_alphas_errors_worded_as_sklearn(alphas, err, match):
    X, y = make_data()
    with pytest.raises(err, match=match):
        sk.RidgeCV(alphas=alphas).fit(X, y)
    with pytest.raises(err, match=match):
        RidgeCV(alphas=alphas).fit(X, y)


@pytest.mark.parametrize(
    "make_est, sample_weight, match",
    [
        (
            lambda est: est(alpha=[1.0, 2.0, 3.0]),
            None,
            "Number of targets and number of penalties do not correspond: 3 != 2",
        ),
        (lambda est: est(), np.ones((30, 1)), "Sample weights must be 1D array or scalar"),
        (
            lambda est: est(solver="svd", positive=True),
            None,
            "solver='svd' does not support positive fitting",
        ),
    ],
)
def test_ridge_errors_worded_as_sklearn(make_est, sample_weight, match):
    X, y = make_data(n_targets=2)
    for est in (sk.Ridge, Ridge):
        with pytest.raises(ValueError, match=match):
            make_est(est).fit(X, y, sample_weight=sample_weight)
