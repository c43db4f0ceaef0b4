"""Types and shapes of the elastic-net estimators' attributes as scikit-learn 1.9 gives them
(issue 28, item 8): each case is compared with scikit-learn's own estimator on the same data."""

import warnings

import fastreg
import numpy as np
import pytest
import sklearn.linear_model as sk

ESTIMATORS = [
    ("Lasso", {"alpha": 0.01}),
    ("ElasticNet", {"alpha": 0.01}),
    ("LassoCV", {"cv": 3}),
    ("ElasticNetCV", {"cv": 3}),
]


def _data(dtype, y_2d):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 4)).astype(dtype)
    y = (X @ np.array([1.0, -2.0, 0.0, 0.5]) + rng.standard_normal(30)).astype(dtype)
    return X, (y[:, None] if y_2d else y)


def _fit(module, name, params, X, y, fit_intercept):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(module, name)(fit_intercept=fit_intercept, **params).fit(X, y)


@pytest.mark.parametrize("name, params", ESTIMATORS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("y_2d", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_attribute_types_and_shapes_match_sklearn(name, params, dtype, y_2d, fit_intercept):
    X, y = _data(dtype, y_2d)
    ours = _fit(fastreg, name, params, X, y, fit_intercept)
    theirs = _fit(sk, name, params, X, y, fit_intercept)
    for attr in ("coef_", "intercept_", "dual_gap_"):
        a, b = getattr(ours, attr), getattr(theirs, attr)
        assert type(a) is type(b), (attr, type(a), type(b))
        assert np.shape(a) == np.shape(b), attr
        if isinstance(b, (np.ndarray, np.generic)):
            assert a.dtype == b.dtype, attr
    assert ours.predict(X).shape == theirs.predict(X).shape
    assert ours.predict(X).dtype == theirs.predict(X).dtype


@pytest.mark.parametrize("cls", [fastreg.Lasso, fastreg.ElasticNet])
def test_zero_dim_array_alpha_is_a_number(cls):
    X, y = _data(np.float64, False)
    from_array = cls(alpha=np.array(0.1)).fit(X, y)
    from_float = cls(alpha=0.1).fit(X, y)
    np.testing.assert_array_equal(from_array.coef_, from_float.coef_)
    with pytest.raises(TypeError, match="alpha"):
        cls(alpha=np.array([0.1, 0.2])).fit(X, y)
